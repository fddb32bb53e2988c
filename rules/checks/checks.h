/* Every check the rules can name.  Each check's file defines its own
 * check_def (name, function, parameters), mostly one file per check named
 * for it (services_running.c, service_descriptors.c, ...); table.c lists
 * them all. */
#ifndef VSSD_CHECKS_H
#define VSSD_CHECKS_H

#include "rules.h"

extern const struct check_def check_def_winsxs_acl;            /* cause1 */
extern const struct check_def check_def_services_running;      /* cause2 */
extern const struct check_def check_def_service_descriptors;   /* cause3 */
extern const struct check_def check_def_framework_folders;     /* cause4 */
extern const struct check_def check_def_service_sd_blocks_writer;
extern const struct check_def check_def_service_binary_missing;
extern const struct check_def check_def_vss_access_control;
extern const struct check_def check_def_win2003;
extern const struct check_def check_def_winsxs_junction;
extern const struct check_def check_def_hive_state;
extern const struct check_def check_def_events;                /* events only */
extern const struct check_def check_def_baseline_drift;        /* --baseline */
/* issue 18: beyond the four causes */
extern const struct check_def check_def_writer_errors;         /* writer-timeout */
extern const struct check_def check_def_vss_diag_acl;          /* vss-diag-key-acl */
extern const struct check_def check_def_com_security;          /* com-access-denied */
extern const struct check_def check_def_service_imagepaths;     /* service-imagepath-invalid */
extern const struct check_def check_def_profile_junction;      /* profile-junction */
extern const struct check_def check_def_wsb_logs;              /* wsb-log-errors */

/* For checks not written yet: unknown, "not implemented: <what>". */
int check_not_implemented(struct result *res, const char *what);

#endif
