/* Cause 3 (DOMAIN.md): the descriptors of CryptSvc and EventSystem.
 *
 * Descriptors are judged by meaning, never by their text: the effective
 * rights of SYSTEM, Administrators and the System Writer's token
 * (access_effective) against what each needs, with a per-ACE diff
 * (secdesc_diff) against the rule's expected SDDL for people. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "acl_util.h"
#include "registry_util.h"
#include "sddl.h"
#include "secdesc.h"
#include "services.h"
#include "sid.h"

/* ---- judging a descriptor ------------------------------------------------ */

struct need {
	char label[64];        /* "SY", "BA", "writer" */
	struct token tok;
	uint32_t rights;
};

struct needs {
	struct need n[8];
	size_t count;
	size_t writer;         /* index of the writer's token */
};

static void sid_text(const struct sid *sid, char *buf, size_t size)
{
	const char *a = sid_alias(sid);

	if (a)
		snprintf(buf, size, "%s", a);
	else if (sid_to_string(sid, buf, size) < 0 && size)
		buf[0] = '\0';
}

static int needs_add(struct needs *ns, const char *label, json_t *rights,
		     uint32_t def, const struct token *writer, struct err *err)
{
	struct need *n;
	int rc;

	if (ns->count >= sizeof(ns->n) / sizeof(ns->n[0]))
		return err_set(err, -E_USAGE, "require: at most 8 entries");
	n = &ns->n[ns->count];
	memset(n, 0, sizeof(*n));
	snprintf(n->label, sizeof(n->label), "%s", label);
	if (strcmp(label, "writer") == 0) {
		n->tok = *writer;
		ns->writer = ns->count;
	} else if ((rc = token_add(&n->tok, label, err)) < 0) {
		return err_wrap(err, "require '%s'", label);
	}
	rc = checks_rights_from(rights, def, &n->rights, err);
	if (rc < 0)
		return err_wrap(err, "require '%s'", label);
	ns->count++;
	return 0;
}

/* What cause 3 requires (DOMAIN.md): SYSTEM can query and start/stop,
 * Administrators have full control, the writer's token can query config
 * and status and read the descriptor.  params.require overrides it:
 * {"SY": ["CCLCRPWP"], "BA": [...], "writer": [...]}. */
static int needs_from_rule(const struct rule *r, const struct token *writer,
			   struct needs *ns, struct err *err)
{
	json_t *req = rule_param(r, "require"), *v;
	const char *k;
	int rc;

	memset(ns, 0, sizeof(*ns));
	if (json_is_object(req)) {
		json_object_foreach(req, k, v) {
			if ((rc = needs_add(ns, k, v, 0, writer, err)) < 0)
				return rc;
		}
		return 0;
	}
	if ((rc = needs_add(ns, "SY", NULL, SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS |
			    SERVICE_START | SERVICE_STOP, writer, err)) < 0 ||
	    (rc = needs_add(ns, "BA", NULL, SERVICE_ALL_ACCESS, writer, err)) < 0 ||
	    (rc = needs_add(ns, "writer", NULL, SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS |
			    ACCESS_READ_CONTROL, writer, err)) < 0)
		return rc;
	return 0;
}

/* Fill ev.effective / ev.lacking; 1 when some need is not met. */
static int judge(const struct secdesc *sd, const struct needs *ns, json_t *ev)
{
	json_t *eff = json_object(), *lack = json_object();
	size_t i;
	int broken = 0;

	for (i = 0; i < ns->count; i++) {
		uint32_t got = access_effective(sd, &ns->n[i].tok, ACCESS_SERVICE);
		uint32_t miss = ns->n[i].rights & ~got;

		json_object_set_new(eff, ns->n[i].label, checks_rights_json(got));
		if (miss) {
			json_object_set_new(lack, ns->n[i].label, checks_rights_json(miss));
			broken = 1;
		}
	}
	json_object_set_new(ev, "effective", eff);
	if (broken)
		json_object_set_new(ev, "lacking", lack);
	else
		json_decref(lack);
	return broken;
}

static int diff_json(const struct secdesc *expected, const struct secdesc *actual,
		     json_t **out, struct err *err)
{
	static const char *const kinds[] = { "missing", "extra", "changed" };
	struct ace_diff *d = NULL;
	size_t n = 0, i;
	int rc = secdesc_diff(expected, actual, ACCESS_SERVICE, &d, &n, err);

	*out = NULL;
	if (rc < 0)
		return rc;
	*out = json_array();
	for (i = 0; i < n; i++) {
		json_t *o = json_object();
		char sid[SID_STR_MAX];
		const char *name = sid_name(&d[i].sid);

		sid_text(&d[i].sid, sid, sizeof(sid));
		json_object_set_new(o, "change", json_string(kinds[d[i].kind]));
		json_object_set_new(o, "sid", json_string(sid));
		if (name)
			json_object_set_new(o, "account", json_string(name));
		json_object_set_new(o, "expected", json_string(d[i].expected_ace));
		json_object_set_new(o, "actual", json_string(d[i].actual_ace));
		if (d[i].kind == ACE_DIFF_CHANGED) {
			json_object_set_new(o, "expected_rights", checks_rights_json(d[i].expected_mask));
			json_object_set_new(o, "actual_rights", checks_rights_json(d[i].actual_mask));
		}
		json_array_append_new(*out, o);
	}
	free(d);
	return 0;
}

/* ---- cause 3: CryptSvc / EventSystem descriptors -------------------------- */

struct desc_ctx {
	struct registry *reg;
	struct hive *sys;
	struct result *res;
	const char *expected_sddl;
	const struct secdesc *exp;
	const struct needs *ns;
	json_t *broken;
	char names[1024], first_bad[600];
	size_t nbroken;
	unsigned undecodable;
};

static void desc_broken(struct desc_ctx *c, const char *name)
{
	json_array_append_new(c->broken, json_string(name));
	checks_join_add(c->names, sizeof(c->names), name, &c->nbroken);
}

/* The Security value's bytes into *actual and item's "sddl": 0, or 1 when
 * they do not parse (item then listed as invalid or undecodable). */
static int desc_parse(struct desc_ctx *c, const struct svc *sv, json_t *item,
		      struct secdesc *actual)
{
	char *sddl = NULL;
	struct err e;

	err_init(&e);
	if (secdesc_parse(sv->sd, sv->sd_len, actual, &e) < 0) {
		/* bytes Windows' own validation refuses: the SCM
		 * would not use this descriptor either */
		const int invalid = e.code == -E_CORRUPT;

		json_object_set_new(item, "error", json_string(e.msg));
		json_object_set_new(item, "size", json_integer((json_int_t)sv->sd_len));
		if (e.code == -E_CORRUPT) {
			json_object_set_new(item, "sddl", json_null());
			json_object_set_new(item, "expected", json_string(c->expected_sddl));
			json_object_set_new(item, "verdict", json_string(INVALID_VERDICT));
			json_object_set_new(item, "note", json_string(INVALID_NOTE));
			json_array_append_new(c->res->evidence, item);
			desc_broken(c, sv->name);
			return 1;
		}
		if (!c->undecodable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%.100s: Security: %s%.400s", sv->name,
				 invalid ? "invalid descriptor (the SCM would refuse it): " : "",
				 e.msg);
		json_array_append_new(c->res->evidence, item);
		return 1;
	}
	err_init(&e);
	if (sddl_encode(actual, SDDL_RIGHTS_SERVICE, &sddl, &e) == 0)
		json_object_set_new(item, "sddl", json_string(sddl));
	else
		json_object_set_new(item, "sddl_error", json_string(e.msg));
	free(sddl);
	return 0;
}

static void desc_absent(struct desc_ctx *c, const char *name)
{
	char path[400];
	json_t *item;

	snprintf(path, sizeof(path), "%s\\Services\\%s", c->reg->control_set, name);
	item = checks_registry_item(&c->reg->system, path);
	json_object_set_new(item, "service", json_string(name));
	json_object_set_new(item, "exists", json_false());
	json_object_set_new(item, "note", json_string("service not installed (see cause2)"));
	json_array_append_new(c->res->evidence, item);
}

/* One service of params.services: its evidence item, and whether broken. */
static int desc_one(struct desc_ctx *c, const char *name, struct err *err)
{
	struct secdesc actual;
	const struct secdesc *judged = c->exp;
	char path[400];
	struct svc sv;
	json_t *item, *diff = NULL;
	int rc;

	rc = svc_load(c->sys, c->reg->control_set, name, &sv, err);
	if (rc < 0)
		return rc;
	if (rc == 0) {
		desc_absent(c, name);
		return 0;
	}
	snprintf(path, sizeof(path), "%s\\Security", sv.key);
	item = checks_registry_item(&c->reg->system, path);
	json_object_set_new(item, "value", json_string("Security"));
	json_object_set_new(item, "service", json_string(sv.name));
	memset(&actual, 0, sizeof(actual));
	rc = 0;
	if (sv.sd_error[0]) {
		json_object_set_new(item, "error", json_string(sv.sd_error));
		if (!c->undecodable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%s: %s", sv.name, sv.sd_error);
		json_array_append_new(c->res->evidence, item);
		goto done;
	}
	if (sv.sd_state == SVC_SD_PRESENT) {
		if (desc_parse(c, &sv, item, &actual))
			goto done;
		judged = &actual;
	} else {
		json_object_set_new(item, "sddl", json_null());
		json_object_set_new(item, "note", json_string(sv.sd_state == SVC_SD_STUB ?
			"the value is the 5-byte stub 00 00 0e 00 01: no descriptor, so the SCM default applies" :
			"no Security value: the SCM default descriptor applies"));
	}
	json_object_set_new(item, "expected", json_string(c->expected_sddl));
	rc = diff_json(c->exp, judged, &diff, err);
	if (rc < 0) {
		json_decref(item);
		goto done;
	}
	json_object_set_new(item, "diff", diff);
	if (judge(judged, c->ns, item)) {
		json_object_set_new(item, "verdict", json_string("broken"));
		json_array_append_new(c->res->evidence, item);
		desc_broken(c, sv.name);
	} else {
		json_object_set_new(item, "verdict", json_string("ok"));
		json_array_append_new(c->res->evidence, item);
	}
done:
	secdesc_release(&actual);
	svc_release(&sv);
	return rc;
}

static int service_descriptors(const struct evidence *ev, const struct rule *r,
			       struct result *res, struct err *err)
{
	static const char *const def_services[] = { "CryptSvc", "EventSystem", NULL };
	json_t *services = rule_param(r, "services");
	struct desc_ctx c;
	struct secdesc exp;
	struct token writer;
	struct needs ns;
	size_t i, count, off = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&exp, 0, sizeof(exp));
	c.res = res;
	c.expected_sddl = rule_param_str(r, "expected_sddl", SCM_DEFAULT_SDDL);
	c.exp = &exp;
	c.ns = &ns;
	c.broken = json_array();
	if ((rc = acl_token_from(rule_param(r, "writer_token"), checks_writer_default, "writer_token", &writer, err)) < 0 ||
	    (rc = needs_from_rule(r, &writer, &ns, err)) < 0)
		goto out;
	rc = sddl_decode(c.expected_sddl, &exp, &off, err);
	if (rc < 0) {
		err_wrap(err, "expected_sddl");
		goto out;
	}
	if ((rc = checks_open_system(ev, &c.reg, &c.sys, err)) < 0)
		goto out;
	count = json_is_array(services) ? json_array_size(services) : 2;
	for (i = 0; i < count; i++) {
		const char *name = json_is_array(services) ?
			json_string_value(json_array_get(services, i)) : def_services[i];

		if (name && (rc = desc_one(&c, name, err)) < 0)
			goto out;
	}
	checks_join_finish(c.names, sizeof(c.names), c.nbroken);
	json_object_set_new(res->vars, "service", json_incref(c.broken));
	json_object_set_new(res->vars, "broken_services", json_string(c.names));
	json_object_set_new(res->vars, "expected_sddl", json_string(c.expected_sddl));
	if (c.nbroken) {
		res->status = STATUS_PRESENT;
		rc = 0;
	} else if (c.undecodable) {
		rc = err_set(err, -E_CORRUPT, "%u descriptor(s) invalid or undecodable: %s",
			     c.undecodable, c.first_bad);
	} else {
		res->status = STATUS_ABSENT;
		rc = 0;
	}
out:
	secdesc_release(&exp);
	json_decref(c.broken);
	return rc;
}

static const struct param_def descriptor_params[] = {
	{ "services", PARAM_ARRAY, 0, "[s]" },
	{ "expected_sddl", PARAM_STRING, 0, "d" },
	{ "writer_token", PARAM_ARRAY, 0, "[t]" },
	{ "require", PARAM_OBJECT, 0, "{[r]}" },
	{ NULL, 0, 0, NULL },
};

static const char *const service_descriptors_vars[] = { "service", "broken_services", "expected_sddl", NULL };
const struct check_def check_def_service_descriptors = {
	"service_descriptors", service_descriptors, descriptor_params, service_descriptors_vars, 0,
};
