/* service-binary-missing: every service's ImagePath and ServiceDll
 * looked up on the scan's volumes (svc_bin_check_scan); a path on a drive
 * the image does not hold is "unknown", never "missing". */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "registry_util.h"
#include "services.h"

struct bin_ctx {
	const struct evidence *ev;
	struct registry *reg;
	struct result *res;
	json_t *service, *binary;
	char names[1024];
	size_t nnames, nmissing;
	unsigned checked, unchecked, unreadable, unknown_listed;
	char first_bad[600];
	struct err *err;
};

static int bin_value(struct bin_ctx *c, struct svc *sv, const char *value_name,
		     const char *value)
{
	struct svc_bin b;
	char path[400];
	json_t *ev;
	int rc = svc_bin_check_scan(c->ev, value, &b, c->err);

	if (rc < 0)
		return err_wrap(c->err, "service '%s'", sv->name);
	if (b.state == SVC_BIN_UNCHECKED) {
		c->unchecked++;
		/* on another drive: say so, it is not "missing" */
		if (b.drive && c->unknown_listed++ < LIMIT_EVIDENCE_ITEMS) {
			snprintf(path, sizeof(path), "%s%s", sv->key,
				 strchr(value_name, '\\') ? "\\Parameters" : "");
			ev = checks_registry_item(&c->reg->system, path);
			json_object_set_new(ev, "value", json_string(strrchr(value_name, '\\') ?
								     strrchr(value_name, '\\') + 1 : value_name));
			json_object_set_new(ev, "service", json_string(sv->name));
			json_object_set_new(ev, "data", json_string(value));
			json_object_set_new(ev, "file", json_string(b.display));
			json_object_set_new(ev, "exists", json_null());
			json_object_set_new(ev, "status", json_string("unknown"));
			json_object_set_new(ev, "note", json_string(b.why));
			json_array_append_new(c->res->evidence, ev);
		}
		return 0;
	}
	c->checked++;
	if (b.state == SVC_BIN_FOUND)
		return 0;
	c->nmissing++;
	json_array_append_new(c->service, json_string(sv->name));
	json_array_append_new(c->binary, json_string(b.display));
	if (c->nmissing <= LIMIT_EVIDENCE_ITEMS) {
		snprintf(path, sizeof(path), "%s%s%s", sv->key,
			 strchr(value_name, '\\') ? "\\Parameters" : "", "");
		ev = checks_registry_item(&c->reg->system, path);
		json_object_set_new(ev, "value", json_string(strrchr(value_name, '\\') ?
							     strrchr(value_name, '\\') + 1 : value_name));
		json_object_set_new(ev, "service", json_string(sv->name));
		json_object_set_new(ev, "data", json_string(value));
		json_object_set_new(ev, "file", json_string(b.drive ? b.display : b.path));
		json_object_set_new(ev, "exists", json_false());
		json_object_set_new(ev, "driver", json_boolean(svc_is_driver(sv)));
		if (sv->has_start)
			json_object_set_new(ev, "start_type", json_string(svc_start_name(sv->start)));
		json_array_append_new(c->res->evidence, ev);
	}
	return 0;
}

static int bin_one(void *ctx, struct svc *sv)
{
	struct bin_ctx *c = ctx;
	size_t before = c->nmissing;
	int rc;

	if (!sv->image_path) {
		if (sv->unreadable && !c->unreadable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%s: %s", sv->name, sv->bad);
		return 0;
	}
	rc = bin_value(c, sv, "ImagePath", sv->image_path);
	if (rc == 0 && sv->service_dll)
		rc = bin_value(c, sv, sv->dll_value, sv->service_dll);
	if (rc == 0 && c->nmissing > before)
		checks_join_add(c->names, sizeof(c->names), sv->name, &c->nnames);
	return rc;
}

static int binary_missing(const struct evidence *ev, const struct rule *r,
			  struct result *res, struct err *err)
{
	struct bin_ctx c;
	struct hive *sys = NULL;
	unsigned unreadable = 0;
	char path[64];
	json_t *count;
	int rc;

	(void)r;
	memset(&c, 0, sizeof(c));
	c.ev = ev;
	c.res = res;
	c.err = err;
	c.service = json_array();
	c.binary = json_array();
	if ((rc = checks_open_system(ev, &c.reg, &sys, err)) < 0)
		goto out;
	rc = svc_foreach(sys, c.reg->control_set, bin_one, &c, &unreadable, err);
	if (rc < 0)
		goto out;
	checks_join_finish(c.names, sizeof(c.names), c.nnames);
	snprintf(path, sizeof(path), "%s\\Services", c.reg->control_set);
	count = checks_registry_item(&c.reg->system, path);
	json_object_set_new(count, "binaries_checked", json_integer(c.checked));
	json_object_set_new(count, "missing", json_integer((json_int_t)c.nmissing));
	json_object_set_new(count, "not_checkable", json_integer(c.unchecked));
	json_array_append_new(res->evidence, count);
	json_object_set_new(res->vars, "service", json_incref(c.service));
	json_object_set_new(res->vars, "binary", json_incref(c.binary));
	json_object_set_new(res->vars, "count", json_integer((json_int_t)c.nnames));
	json_object_set_new(res->vars, "services", json_string(c.names));
	rc = checks_services_verdict(res, c.nmissing != 0, c.unreadable + unreadable, c.first_bad, err);
out:
	json_decref(c.service);
	json_decref(c.binary);
	return rc < 0 ? rc : 0;
}

static const struct param_def no_params[] = {
	{ NULL, 0, 0, NULL },
};

static const char *const service_binary_missing_vars[] = { "service", "binary", "count", "services", NULL };
const struct check_def check_def_service_binary_missing = {
	"service_binary_missing", binary_missing, no_params, service_binary_missing_vars, 0,
};
