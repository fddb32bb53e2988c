/* The table of checks rules can name. */
#include <string.h>

#include "checks.h"

static const struct check_def *const table[] = {
	&check_def_winsxs_acl,
	&check_def_services_running,
	&check_def_service_descriptors,
	&check_def_framework_folders,
	&check_def_service_sd_blocks_writer,
	&check_def_service_binary_missing,
	&check_def_vss_access_control,
	&check_def_win2003,
	&check_def_winsxs_junction,
	&check_def_hive_state,
	&check_def_events,
	&check_def_baseline_drift,
	&check_def_writer_errors,
	&check_def_vss_diag_acl,
	&check_def_com_security,
	&check_def_service_imagepaths,
	&check_def_profile_junction,
	&check_def_wsb_logs,
};

const struct check_def *check_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}
