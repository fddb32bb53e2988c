/* Causes 1 and 4 and the junction finding: decided from the NTFS tree. */
#include "checks.h"

static int winsxs_acl(struct scan *s, const struct rule *r, struct result *res,
		      struct err *err)
{
	return check_not_implemented(res, "WinSxS descriptor check");
}

static const struct param_def winsxs_acl_params[] = {
	{ "paths", PARAM_ARRAY, 0 },
	{ "writer_token", PARAM_ARRAY, 0 },
	{ NULL, 0, 0 },
};
const struct check_def check_def_winsxs_acl = {
	"winsxs_acl", winsxs_acl, winsxs_acl_params,
};

static int framework_folders(struct scan *s, const struct rule *r,
			     struct result *res, struct err *err)
{
	return check_not_implemented(res, ".NET Framework folder count");
}

static const struct param_def framework_params[] = {
	{ "roots", PARAM_ARRAY, 0 },
	{ "limit", PARAM_INT, 0 },
	{ NULL, 0, 0 },
};
const struct check_def check_def_framework_folders = {
	"framework_folders", framework_folders, framework_params,
};

static int winsxs_junction(struct scan *s, const struct rule *r,
			   struct result *res, struct err *err)
{
	return check_not_implemented(res, "junction check");
}

static const struct param_def junction_params[] = {
	{ "paths", PARAM_ARRAY, 0 },
	{ NULL, 0, 0 },
};
const struct check_def check_def_winsxs_junction = {
	"winsxs_junction", winsxs_junction, junction_params,
};
