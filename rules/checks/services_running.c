/* Cause 2 (DOMAIN.md): can the services the System Writer needs run?
 * Each one's Start, Type, ImagePath and ServiceDll, its svchost group,
 * and the same for what it depends on (DependOnService), with the fix
 * lines for what is wrong. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "filetime.h"
#include "judge_util.h"
#include "limits.h"
#include "registry_util.h"
#include "service_keys.h"
#include "services.h"
#include "windir.h"

#define HKLM_SERVICES "HKLM\\SYSTEM\\CurrentControlSet\\Services\\"

/* Append s to the array unless it is there already. */
static void add_unique(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(v), s) == 0)
			return;
	json_array_append_new(arr, json_string(s));
}

struct run_ctx {
	const struct evidence *ev;
	const struct rule *r;
	struct registry *reg;
	struct hive *sys;
	struct svchost_groups groups;  /* SOFTWARE ...\Svchost */
	int unchecked;             /* something could not be checked */
	json_t *seen;              /* lower-case name -> {"broken", "why"} */
	json_t *fixes;
	json_t *evidence;
	unsigned visited;
};

static void lower(char *dst, const char *src, size_t size)
{
	size_t i;

	for (i = 0; src[i] && i + 1 < size; i++)
		dst[i] = (char)tolower((unsigned char)src[i]);
	dst[i] = '\0';
}

static const char *start_fix(const struct rule *r, const char *name)
{
	json_t *types = rule_param(r, "start_types"), *v;
	const char *k;

	if (json_is_object(types))
		json_object_foreach(types, k, v)
			if (strcasecmp(k, name) == 0 && json_is_string(v))
				return json_string_value(v);
	return "demand";
}

static void fixf(struct run_ctx *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void fixf(struct run_ctx *c, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = judge_vprintf(fmt, ap);
	va_end(ap);
	if (line)
		add_unique(c->fixes, line);
	free(line);
}

static void problemf(json_t *problems, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void problemf(json_t *problems, const char *fmt, ...)
{
	va_list ap;
	char *line;

	va_start(ap, fmt);
	line = judge_vprintf(fmt, ap);
	va_end(ap);
	if (line)
		json_array_append_new(problems, json_string(line));
	free(line);
}

/* 1 listed, 0 not listed, -1 the group does not exist, -2 unknown */
static void bin_json(json_t *ev, const char *key, const struct svc_bin *b)
{
	json_t *o = json_object();

	/* a volume path, or the path with its letter on another volume */
	json_object_set_new(o, "file", json_string(b->path[0] && !b->drive ? b->path : b->display));
	if (b->state == SVC_BIN_UNCHECKED) {
		json_object_set_new(o, "exists", json_null());
		json_object_set_new(o, "note", json_string(b->why));
	} else {
		json_object_set_new(o, "exists", json_boolean(b->state == SVC_BIN_FOUND));
	}
	json_object_set_new(ev, key, o);
}

static int eval_service(struct run_ctx *c, const char *name, unsigned depth,
			int main_service, char *why, size_t whysize,
			struct err *err);

/* One service's own configuration: fills problems and fixes. */
static int eval_config(struct run_ctx *c, struct svc *sv, json_t *ev,
		       json_t *problems, struct err *err)
{
	const char *sysroot = evidence_system_root(c->ev);
	struct svc_bin b;
	char group[256];
	int rc, svchost;

	if (sv->has_start)
		json_object_set_new(ev, "start", json_integer(sv->start));
	if (sv->has_start)
		json_object_set_new(ev, "start_type", json_string(svc_start_name(sv->start)));
	if (sv->has_type)
		json_object_set_new(ev, "type", json_integer(sv->type));
	if (sv->image_path)
		json_object_set_new(ev, "image_path", json_string(sv->image_path));
	if (sv->service_dll)
		json_object_set_new(ev, "service_dll", json_string(sv->service_dll));
	if (sv->object_name)
		json_object_set_new(ev, "object_name", json_string(sv->object_name));
	if (sv->bad[0])
		json_object_set_new(ev, "unreadable_values", json_string(sv->bad));

	if (!sv->has_start) {
		problemf(problems, "no Start value");
		fixf(c, "sc config %s start= %s", sv->name, start_fix(c->r, sv->name));
	} else if (sv->start == SVC_START_DISABLED) {
		problemf(problems, "Start = 4 (disabled)");
		fixf(c, "sc config %s start= %s", sv->name, start_fix(c->r, sv->name));
	}
	if (!sv->has_type) {
		problemf(problems, "no Type value");
		fixf(c, "restore the Type value of " HKLM_SERVICES "%s (from a healthy server of the same Windows version)",
		     sv->name);
	} else if (!(sv->type & (SVC_TYPE_WIN32_MASK | SVC_TYPE_DRIVER_MASK))) {
		problemf(problems, "Type = 0x%x is neither a service nor a driver", sv->type);
		fixf(c, "restore the Type value of " HKLM_SERVICES "%s (from a healthy server of the same Windows version)",
		     sv->name);
	}
	if (!sv->image_path) {
		if (!svc_is_driver(sv)) {
			problemf(problems, "no ImagePath value");
			fixf(c, "restore the ImagePath value of " HKLM_SERVICES "%s (from a healthy server of the same Windows version)",
			     sv->name);
		}
		return 0;
	}
	rc = svc_bin_check_scan(c->ev, sv->image_path, &b, err);
	if (rc < 0)
		return rc;
	bin_json(ev, "image", &b);
	if (b.state == SVC_BIN_MISSING) {
		problemf(problems, "ImagePath binary %s is missing", b.display);
		fixf(c, "restore %s (sfc /scannow)", b.display);
	}
	svchost = svc_svchost_group(sv->image_path, sysroot, group, sizeof(group));
	if (!svchost)
		return 0;
	json_object_set_new(ev, "svchost_group", json_string(group));
	if (!sv->service_dll) {
		problemf(problems, "runs in svchost but has no Parameters\\ServiceDll");
		fixf(c, "restore the value " HKLM_SERVICES "%s\\Parameters\\ServiceDll (from a healthy server of the same Windows version)",
		     sv->name);
	} else {
		rc = svc_bin_check_scan(c->ev, sv->service_dll, &b, err);
		if (rc < 0)
			return rc;
		bin_json(ev, "dll", &b);
		if (b.state == SVC_BIN_MISSING) {
			problemf(problems, "ServiceDll %s is missing", b.display);
			fixf(c, "restore %s (sfc /scannow)", b.display);
		}
	}
	switch (svchost_groups_lists(&c->groups, group, sv->name)) {
	case 1:
		json_object_set_new(ev, "in_svchost_group", json_true());
		break;
	case 0:
		json_object_set_new(ev, "in_svchost_group", json_false());
		problemf(problems, "not listed in the svchost group '%s' (SOFTWARE\\" SVCHOST_KEY ")", group);
		fixf(c, "add %s to the REG_MULTI_SZ value '%s' of HKLM\\SOFTWARE\\" SVCHOST_KEY, sv->name, group);
		break;
	case -1:
		json_object_set_new(ev, "in_svchost_group", json_false());
		problemf(problems, "the svchost group '%s' does not exist (SOFTWARE\\" SVCHOST_KEY ")", group);
		fixf(c, "create the REG_MULTI_SZ value '%s' listing %s under HKLM\\SOFTWARE\\" SVCHOST_KEY,
		     group, sv->name);
		break;
	default:
		json_object_set_new(ev, "in_svchost_group", json_null());
		c->unchecked = 1;
		break;
	}
	return 0;
}

static int eval_service(struct run_ctx *c, const char *name, unsigned depth,
			int main_service, char *why, size_t whysize,
			struct err *err)
{
	char key[300], path[400];
	json_t *seen, *ev, *problems, *deps;
	struct svc sv;
	size_t i;
	int rc, broken;

	if (why && whysize)
		why[0] = '\0';
	lower(key, name, sizeof(key));
	seen = json_object_get(c->seen, key);
	if (seen) {
		/* evaluated already, or in progress (a dependency cycle) */
		if (why)
			snprintf(why, whysize, "%s", json_string_value(json_object_get(seen, "why")));
		return json_is_true(json_object_get(seen, "broken"));
	}
	if (depth > LIMIT_SVC_DEPENDS || ++c->visited > LIMIT_SVC_DEPENDS * 4)
		return err_set(err, -E_LIMIT, "DependOnService of '%s': over LIMIT_SVC_DEPENDS", name);
	json_object_set_new(c->seen, key, json_pack("{s:b,s:s}", "broken", 0, "why", ""));
	rc = svc_load(c->sys, c->reg->control_set, name, &sv, err);
	if (rc < 0)
		return rc;
	problems = json_array();
	if (rc == 0) {
		snprintf(path, sizeof(path), "%s\\Services\\%s", c->reg->control_set, name);
		ev = checks_registry_item(&c->reg->system, path);
		json_object_set_new(ev, "service", json_string(name));
		json_object_set_new(ev, "exists", json_false());
		problemf(problems, "not installed (no %s key)", path);
		fixf(c, "restore the registry key " HKLM_SERVICES "%s (export it from a healthy server of the same Windows version)",
		     name);
	} else {
		ev = checks_registry_item(&c->reg->system, sv.key);
		json_object_set_new(ev, "service", json_string(sv.name));
		rc = eval_config(c, &sv, ev, problems, err);
		if (rc < 0)
			goto fail;
		deps = json_array();
		for (i = 0; i < sv.ndepends; i++) {
			char dwhy[512];

			json_array_append_new(deps, json_string(sv.depends[i]));
			rc = eval_service(c, sv.depends[i], depth + 1, 0, dwhy, sizeof(dwhy), err);
			if (rc < 0) {
				json_decref(deps);
				goto fail;
			}
			if (rc == 1)
				problemf(problems, "depends on %s, which cannot run (%s)", sv.depends[i], dwhy);
		}
		if (sv.ndepends)
			json_object_set_new(ev, "depend_on_service", deps);
		else
			json_decref(deps);
	}
	broken = json_array_size(problems) > 0;
	json_object_set_new(ev, "status", json_string(broken ? "broken" : "ok"));
	if (broken)
		json_object_set_new(ev, "problems", json_incref(problems));
	if (main_service || broken)
		json_array_append_new(c->evidence, ev);
	else
		json_decref(ev);
	if (broken && why)
		snprintf(why, whysize, "%s", json_string_value(json_array_get(problems, 0)));
	json_object_set_new(c->seen, key, json_pack("{s:b,s:s}", "broken", broken,
						    "why", why ? why : ""));
	json_decref(problems);
	svc_release(&sv);
	return broken;
fail:
	json_decref(ev);
	json_decref(problems);
	svc_release(&sv);
	return rc;
}

/* VSS Diag\System Writer: the last time of each writer event (FILETIME at
 * byte 8 of each value). */
static void diag_evidence(struct run_ctx *c)
{
	struct vss_diag d;
	char when[32];
	json_t *ev;

	if (vss_diag_read(c->sys, c->reg->control_set, &d) != 1)
		return;
	ev = checks_registry_item(&c->reg->system, d.path);
	filetime_iso8601(d.last, FILETIME_1970_9999 | FILETIME_EPOCH_UNSET, when,
			 sizeof(when));
	json_object_set_new(ev, "last", json_string(when));
	json_object_set_new(ev, "last_event", json_string(d.last_name));
	json_object_set_new(ev, "count", json_integer(d.n));
	json_object_set_new(ev, "events", json_incref(d.events));
	json_array_append_new(c->evidence, ev);
	vss_diag_release(&d);
}

static int services_running(const struct evidence *ev, const struct rule *r,
			    struct result *res, struct err *err)
{
	static const char *const def_services[] = { "CryptSvc", "EventSystem", "VSS", "swprv", NULL };
	json_t *services = rule_param(r, "services"), *broken = json_array();
	struct run_ctx c;
	char names[1024] = "";
	size_t i, count, nbroken = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	c.ev = ev;
	c.r = r;
	c.seen = json_object();
	c.fixes = json_array();
	c.evidence = res->evidence;
	if ((rc = checks_open_system(ev, &c.reg, &c.sys, err)) < 0)
		goto out;
	svchost_groups_init(&c.groups, c.reg);
	count = json_is_array(services) ? json_array_size(services) : 4;
	for (i = 0; i < count; i++) {
		const char *name = json_is_array(services) ?
			json_string_value(json_array_get(services, i)) : def_services[i];

		if (!name)
			continue;
		rc = eval_service(&c, name, 0, 1, NULL, 0, err);
		if (rc < 0)
			goto out;
		if (rc == 1) {
			json_array_append_new(broken, json_string(name));
			checks_join_add(names, sizeof(names), name, &nbroken);
		}
	}
	diag_evidence(&c);
	checks_join_finish(names, sizeof(names), nbroken);
	json_object_set_new(res->vars, "broken_services", json_string(names));
	json_object_set_new(res->vars, "service", json_incref(broken));
	json_object_set_new(res->vars, "fix", json_incref(c.fixes));
	rc = 0;
	if (nbroken)
		res->status = STATUS_PRESENT;
	else if (c.unchecked)
		rc = err_set(err, c.groups.err.code ? c.groups.err.code : -E_NOTFOUND,
			     "svchost groups not checked: %s", c.groups.err.msg);
	else
		res->status = STATUS_ABSENT;
out:
	svchost_groups_release(&c.groups);
	json_decref(c.seen);
	json_decref(c.fixes);
	json_decref(broken);
	return rc;
}

static const struct param_def running_params[] = {
	{ "services", PARAM_ARRAY, 0, "[s]" },
	{ "start_types", PARAM_OBJECT, 0, "{s}" },
	{ "service_dlls", PARAM_OBJECT, 0, "{s}" },   /* for repair: ServiceDll to restore */
	{ NULL, 0, 0, NULL },
};

static const char *const services_running_vars[] = { "broken_services", "service", "fix", NULL };
const struct check_def check_def_services_running = {
	"services_running", services_running, running_params, services_running_vars, 0,
};
