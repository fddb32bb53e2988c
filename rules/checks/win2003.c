/* win2003 (DOMAIN.md "Windows Server 2003"): the System Writer is not
 * missing there, it is a different design (KB 940184); with the COM+
 * Event System's subscriptions as evidence. */
#include <stdio.h>
#include <string.h>

#include "registry_util.h"
#include "service_keys.h"

static int win2003(const struct evidence *ev, const struct rule *r, struct result *res,
		   struct err *err)
{
	struct registry *reg = NULL;
	struct hive *sw = NULL;
	struct subscriptions sc;
	struct err e;
	json_t *item;
	int rc;

	(void)r;
	if ((rc = registry_get(ev, &reg, err)) < 0 ||
	    (rc = registry_software(reg, &sw, err)) < 0)
		return rc;
	item = checks_registry_item(&reg->software, "Microsoft\\Windows NT\\CurrentVersion");
	json_object_set_new(item, "product_name", json_string(reg->product_name));
	json_object_set_new(item, "current_version", json_string(reg->current_version));
	json_object_set_new(item, "build", json_string(reg->build));
	json_array_append_new(res->evidence, item);
	json_object_set_new(res->vars, "product", json_string(reg->product_name[0] ?
							      reg->product_name : "Windows Server 2003"));
	if (!reg->current_version[0])
		return err_set(err, -E_NOTFOUND, "no CurrentVersion in SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion");
	if (strcmp(reg->current_version, "5.2") != 0) {
		res->status = STATUS_ABSENT;
		return 0;
	}
	res->status = STATUS_PRESENT;
	json_object_set_new(item, "note", json_string("Windows Server 2003: causes 1-4 do not apply (KB 940184)"));
	memset(&sc, 0, sizeof(sc));
	err_init(&e);
	item = checks_registry_item(&reg->software, SUBSCRIPTIONS_KEY);
	rc = subscriptions_count(sw, &sc, &e);
	json_object_set_new(item, "exists", sc.exists == 1 ? json_true() : sc.exists == 0 ? json_false() : json_null());
	if (sc.exists == 1) {
		json_object_set_new(item, "subscriptions", json_integer(sc.subs));
		json_object_set_new(item, "values", json_integer(sc.values));
		json_object_set_new(item, "readable", json_boolean(rc >= 0));
	}
	if (rc < 0)
		json_object_set_new(item, "error", json_string(e.msg));
	json_array_append_new(res->evidence, item);
	return 0;
}

static const struct param_def no_params[] = {
	{ NULL, 0, 0, NULL },
};

static const char *const win2003_vars[] = { "product", NULL };
const struct check_def check_def_win2003 = {
	"win2003", win2003, no_params, win2003_vars, 0,
};
