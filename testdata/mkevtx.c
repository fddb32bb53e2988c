/* mkevtx: write a Windows XML Event Log (EVTX) file from a spec.
 *
 *   mkevtx [-v] OUT.evtx SPEC        (SPEC "-" reads standard input)
 *
 * The spec is one instruction a line ('#' comments; words split on blanks,
 * "double quotes" group, escapes \n \r \t \\ \" \<space> \xHH):
 *
 *   computer NAME        default Computer for the lines below (SRV01)
 *   dirty 1|0            set the file header's dirty flag
 *   event FIELDS...      one record; KEY=VALUE fields:
 *       provider=NAME    required; known providers (Service Control Manager,
 *                        Microsoft-Windows-CAPI2, VSS, EventLog, User32,
 *                        Microsoft-Windows-Kernel-General, volsnap, swprv,
 *                        Microsoft-Windows-Backup) get Windows' GUID,
 *                        EventSourceName, keywords and channel, and known
 *                        ids their level and qualifiers
 *       id=N level=N qualifiers=N task=N opcode=N version=N keywords=N
 *       guid={...}|none  source=NAME|none   (EventSourceName)
 *       time=2024-06-01T10:00:00Z  (default: previous event + 1 s)
 *       written=TIME     record=N  channel=NAME  computer=NAME
 *       pid=N tid=N user=S-1-5-18
 *       data=NAME:TEXT   named <Data Name="NAME">
 *       text=TEXT        unnamed <Data> (classic events)
 *       data.TYPE=NAME:TEXT  text.TYPE=TEXT   typed items: string uint8
 *                        uint16 uint32 uint64 hex32 hex64 filetime
 *                        systemtime sid guid binary
 *       binary=HEX       binary_utf16=TEXT (UTF-16LE + NUL, as SCM writes)
 *   bulk N [seed=S] [start=TIME] [computer=NAME]
 *                        N generated records: boots, a day of service
 *                        changes and errors (SCM, CAPI2, VSS, Backup...),
 *                        shutdowns; the same seed gives the same file
 *
 * Example:
 *   dirty 1
 *   event provider="Service Control Manager" id=7036 time=2024-06-01T10:00:00Z
 *         data=param1:Cryptographic\ Services data=param2:running binary_utf16=CryptSvc/4
 *   event provider=Microsoft-Windows-CAPI2 id=513 text="Details:\r\nAddLegacyDriverFiles: ..."
 *   bulk 60000 seed=7
 * (one line each: an instruction never spans lines)
 *
 * Exit status: 0 written, 1 the file could not be written, 2 bad usage or
 * a bad spec (the message names the line). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtx_writer.h"

static char *slurp(FILE *f)
{
	size_t len = 0, cap = 65536, n;
	char *buf = malloc(cap), *p;

	if (!buf)
		return NULL;
	while ((n = fread(buf + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0) {
			p = realloc(buf, cap * 2);
			if (!p) {
				free(buf);
				return NULL;
			}
			buf = p;
			cap *= 2;
		}
	}
	if (ferror(f)) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	return buf;
}

int main(int argc, char **argv)
{
	struct evtx_writer *w;
	const char *out, *spec;
	char *text;
	FILE *f;
	int verbose = 0, rc;

	if (argc > 1 && strcmp(argv[1], "-v") == 0) {
		verbose = 1;
		argv++;
		argc--;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: mkevtx [-v] OUT.evtx SPEC\n");
		return 2;
	}
	out = argv[1];
	spec = argv[2];
	f = strcmp(spec, "-") == 0 ? stdin : fopen(spec, "r");
	if (!f) {
		fprintf(stderr, "mkevtx: cannot open '%s'\n", spec);
		return 2;
	}
	text = slurp(f);
	if (f != stdin)
		fclose(f);
	if (!text) {
		fprintf(stderr, "mkevtx: cannot read '%s'\n", spec);
		return 2;
	}
	w = evtx_writer_new();
	if (!w) {
		free(text);
		fprintf(stderr, "mkevtx: out of memory\n");
		return 1;
	}
	rc = evtx_writer_apply_spec(w, text);
	free(text);
	if (rc < 0) {
		fprintf(stderr, "mkevtx: '%s': %s\n", spec, evtx_writer_errmsg(w));
		evtx_writer_free(w);
		return 2;
	}
	rc = evtx_writer_write_file(w, out);
	if (rc < 0) {
		fprintf(stderr, "mkevtx: %s\n", evtx_writer_errmsg(w));
		evtx_writer_free(w);
		return 1;
	}
	if (verbose)
		fprintf(stderr, "mkevtx: '%s': %zu records in %zu chunks\n", out,
		        evtx_writer_record_count(w), evtx_writer_chunk_count(w));
	evtx_writer_free(w);
	return 0;
}
