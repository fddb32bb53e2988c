/* mkscenario OUT.img SCENARIO|-
 * Build a Windows volume file from a scenario (testdata/lib/scenario.h
 * describes the language).  Exit 0, or 1 with one line on stderr. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

int main(int argc, char **argv)
{
	char *text;
	size_t cap = 1 << 16, n = 0, got;
	struct err err;
	FILE *f;

	if (argc != 3) {
		fprintf(stderr, "usage: mkscenario OUT.img SCENARIO|-\n");
		return 2;
	}
	f = strcmp(argv[2], "-") == 0 ? stdin : fopen(argv[2], "r");
	if (!f) {
		perror(argv[2]);
		return 1;
	}
	text = malloc(cap + 1);
	while (text && (got = fread(text + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *t = realloc(text, cap * 2 + 1);
			if (!t)
				break;
			text = t;
			cap *= 2;
		}
	}
	if (f != stdin)
		fclose(f);
	if (!text)
		return 1;
	text[n] = '\0';
	err_init(&err);
	if (scenario_build(text, argv[1], &err) < 0) {
		fprintf(stderr, "mkscenario: %s: %s\n", argv[1], err.msg);
		free(text);
		return 1;
	}
	free(text);
	return 0;
}
