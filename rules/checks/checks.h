/* What every check includes.  Each check's file defines its own
 * `const struct check_def check_def_NAME` (name, function, parameters,
 * variables), one file per check named for it (winsxs_acl.c for cause 1,
 * services_running.c for cause 2, ...); table.c finds them all, through
 * the list the Makefile makes of the files of rules/checks (checks_table.h). */
#ifndef VSSD_CHECKS_H
#define VSSD_CHECKS_H

#include "rules.h"

#endif
