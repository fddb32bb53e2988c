/* mkfixture OUT.img SPEC [BASEDIR]
 *
 * Builds an NTFS volume file for tests and the demo.  SPEC is a text file
 * (or "-" for stdin), one instruction a line, '#' starts a comment:
 *
 *   size 64M                  volume size (before anything else; sparse)
 *   label Windows             volume label (before anything else)
 *   dir PATH                  create a folder (and its parents)
 *   file PATH TEXT...         create a file holding TEXT (\n \r \t \\ escapes)
 *   copy PATH HOSTFILE        create a file with HOSTFILE's bytes
 *                             (relative to BASEDIR, default SPEC's folder)
 *   sddl PATH SDDL            set PATH's security descriptor
 *   junction PATH TARGET      make PATH a junction to TARGET (e.g. D:\Users)
 *   dirs PATH COUNT [PREFIX]  create COUNT folders PREFIX00001.. under PATH
 *   files PATH COUNT [PREFIX] create COUNT empty files under PATH
 *   flag dirty                leave the volume marked dirty
 *   flag journal-unclean      leave $LogFile's restart area not clean (a crash)
 *
 * Paths use '\' or '/'.  Exit 0, or 1 with one line on stderr. */
#define _GNU_SOURCE
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ntfs_builder.h"

static char *slurp(FILE *f)
{
	size_t cap = 65536, n = 0, got;
	char *b = malloc(cap + 1);

	while (b && (got = fread(b + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *nb = realloc(b, cap * 2 + 1);
			if (!nb) {
				free(b);
				return NULL;
			}
			b = nb;
			cap *= 2;
		}
	}
	if (b)
		b[n] = '\0';
	return b;
}

int main(int argc, char **argv)
{
	struct err err;
	char *spec, *dir = NULL;
	FILE *f;
	int rc;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: mkfixture OUT.img SPEC|- [BASEDIR]\n");
		return 2;
	}
	f = strcmp(argv[2], "-") == 0 ? stdin : fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	spec = slurp(f);
	if (f != stdin)
		fclose(f);
	if (!spec)
		return 1;
	if (argc == 4) {
		dir = strdup(argv[3]);
	} else {
		char *tmp = strdup(argv[2]);
		dir = strdup(strcmp(argv[2], "-") == 0 ? "." : dirname(tmp));
		free(tmp);
	}
	err_init(&err);
	rc = ntfs_builder_run_spec(argv[1], spec, dir, &err);
	free(spec);
	free(dir);
	if (rc < 0) {
		fprintf(stderr, "mkfixture: %s: %s\n", argv[1], err.msg);
		return 1;
	}
	return 0;
}
