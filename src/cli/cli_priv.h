/* What the command files of src/cli share (cli.c the dispatcher and the
 * usage, cmd_scan.c scan, ...).  cli.h is what main() and others call. */
#ifndef VSSD_CLI_PRIV_H
#define VSSD_CLI_PRIV_H

#include <stdio.h>

#include "cli.h"

/* The usage text (vssdoctor --help) to f. */
void cli_usage(FILE *f);
/* "vssdoctor: MESSAGE (see 'vssdoctor --help')" on stderr; returns 2. */
int cli_die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* s as a decimal number >= min into *out: 0, or -1. */
int cli_parse_long(const char *s, long long min, long long *out);

#endif
