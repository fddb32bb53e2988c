/* Causes 2 and 3 and the registry findings: decided from the hives. */
#include "checks.h"

#define STUB(fname, what) \
	static int fname(struct scan *s, const struct rule *r, \
			 struct result *res, struct err *err) \
	{ \
		return check_not_implemented(res, what); \
	}

STUB(services_running, "service configuration check")
STUB(service_descriptors, "service descriptor check")
STUB(sd_blocks_writer, "per-service descriptor check")
STUB(binary_missing, "service binary check")
STUB(vss_access_control, "VssAccessControl check")
STUB(win2003, "Windows Server 2003 check")
STUB(hive_state, "hive state check")

static const struct param_def any_params[] = {
	{ "services", PARAM_ARRAY, 0 },
	{ "expected_sddl", PARAM_STRING, 0 },
	{ "writer_token", PARAM_ARRAY, 0 },
	{ "required_rights", PARAM_ARRAY, 0 },
	{ "append_ace", PARAM_STRING, 0 },
	{ "accounts", PARAM_ARRAY, 0 },
	{ NULL, 0, 0 },
};

const struct check_def check_def_services_running = { "services_running", services_running, any_params };
const struct check_def check_def_service_descriptors = { "service_descriptors", service_descriptors, any_params };
const struct check_def check_def_service_sd_blocks_writer = { "service_sd_blocks_writer", sd_blocks_writer, any_params };
const struct check_def check_def_service_binary_missing = { "service_binary_missing", binary_missing, any_params };
const struct check_def check_def_vss_access_control = { "vss_access_control", vss_access_control, any_params };
const struct check_def check_def_win2003 = { "win2003", win2003, any_params };
const struct check_def check_def_hive_state = { "hive_state", hive_state, any_params };
