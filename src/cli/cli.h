#ifndef VSSD_CLI_H
#define VSSD_CLI_H

#include <stddef.h>
/* Parse the command line, run the command, return the exit status. */
int cli_main(int argc, char **argv);
/* `scan` with argv[0] == "scan". */
int cli_main_scan(int argc, char **argv);
/* The rules folder scan uses without --rules (repair shares it). */
const char *cli_default_rules_dir(char *buf, size_t size);
#endif
