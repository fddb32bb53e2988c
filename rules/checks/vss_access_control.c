/* vss-access-control: the accounts VSS lets in
 * (Services\VSS\VssAccessControl, one REG_DWORD per account, 1 = allowed). */
#include <stdio.h>
#include <string.h>

#include "registry_util.h"

static int vss_access_control(const struct evidence *ev, const struct rule *r,
			      struct result *res, struct err *err)
{
	static const char *const def_accounts[] = { "NT Authority\\NetworkService", NULL };
	json_t *accounts = rule_param(r, "accounts"), *values, *missing;
	struct registry *reg = NULL;
	struct hive *sys = NULL;
	struct hkey *k = NULL;
	char path[128], names[512] = "";
	size_t i, count, n = 0;
	json_t *item;
	int rc;

	if ((rc = checks_open_system(ev, &reg, &sys, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s\\Services\\VSS\\VssAccessControl", reg->control_set);
	rc = hive_key(sys, path, &k, err);
	if (rc < 0)
		return err_wrap(err, "%s", path);
	item = checks_registry_item(&reg->system, path);
	json_object_set_new(item, "exists", json_boolean(rc == 1));
	values = json_object();
	missing = json_array();
	count = json_is_array(accounts) ? json_array_size(accounts) : 1;
	for (i = 0; i < count; i++) {
		const char *acct = json_is_array(accounts) ?
			json_string_value(json_array_get(accounts, i)) : def_accounts[i];
		uint32_t v = 0;
		struct err e;
		int got = 0;

		if (!acct)
			continue;
		err_init(&e);
		if (k)
			got = hkey_get_dword(k, acct, &v, &e);
		if (got == 1)
			json_object_set_new(values, acct, json_integer(v));
		else if (got < 0)
			json_object_set_new(values, acct, json_string(e.msg));
		else
			json_object_set_new(values, acct, json_null());
		if (got != 1 || v == 0) {
			json_array_append_new(missing, json_string(acct));
			checks_join_add(names, sizeof(names), acct, &n);
		}
	}
	hkey_free(k);
	json_object_set_new(item, "values", values);
	if (n)
		json_object_set_new(item, "not_granted", json_incref(missing));
	json_array_append_new(res->evidence, item);
	checks_join_finish(names, sizeof(names), n);
	json_object_set_new(res->vars, "account", json_string(names));
	json_object_set_new(res->vars, "accounts", missing);
	res->status = n ? STATUS_PRESENT : STATUS_ABSENT;
	return 0;
}

static const struct param_def vssacl_params[] = {
	{ "accounts", PARAM_ARRAY, 0, "[s]" },
	{ NULL, 0, 0, NULL },
};

static const char *const vss_access_control_vars[] = { "account", "accounts", NULL };
const struct check_def check_def_vss_access_control = {
	"vss_access_control", vss_access_control, vssacl_params, vss_access_control_vars, 0,
};
