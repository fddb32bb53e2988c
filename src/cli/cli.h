#ifndef VSSD_CLI_H
#define VSSD_CLI_H

#include <stddef.h>
/* Parse the command line, run the command, return the exit status. */
int cli_main(int argc, char **argv);
/* `scan` with argv[0] == "scan". */
int cli_main_scan(int argc, char **argv);
#endif
