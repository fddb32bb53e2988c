/* Causes 2 and 3 and the registry findings: decided from the hives
 * (DOMAIN.md causes 2 and 3, "Windows Server 2003").
 *
 * Descriptors are judged by meaning, never by their text: the effective
 * rights of SYSTEM, Administrators and the System Writer's token
 * (access_effective) against what each needs, with a per-ACE diff
 * (secdesc_diff) against the rule's expected SDDL for people. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "acl_util.h"
#include "bytes.h"
#include "checks.h"
#include "filetime.h"
#include "limits.h"
#include "registry.h"
#include "sddl.h"
#include "secdesc.h"
#include "services.h"
#include "sid.h"
#include "svcsid.h"
#include "windir.h"

/* The SCM's built-in default descriptor (DOMAIN.md cause 3), used when a
 * rule names none. */
#define SCM_DEFAULT_SDDL "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)"
#define SVCHOST_KEY "Microsoft\\Windows NT\\CurrentVersion\\Svchost"
#define SUBSCRIPTIONS_KEY "Microsoft\\EventSystem\\{26c409cc-ae86-11d1-b616-00805fc79216}\\Subscriptions"
#define HKLM_SERVICES "HKLM\\SYSTEM\\CurrentControlSet\\Services\\"
#define RIGHTS_MAX 256
/* A Security value secdesc_parse calls corrupt fails Windows' own
 * checks (RtlValidRelativeSecurityDescriptor, RtlValidAcl): the service
 * control manager would refuse it, so it protects nothing and grants
 * nothing; that, not "could not be read", is what the user needs. */
#define INVALID_VERDICT "invalid descriptor"
#define INVALID_NOTE "Windows would refuse this descriptor (it fails RtlValidSecurityDescriptor): " \
	"the service control manager cannot use it; set a valid one with sc sdset"

static const char *const writer_default[] = {
	"S-1-5-20", "S-1-5-6", "S-1-5-11", "S-1-1-0", "S-1-5-32-545", "S-1-5-15",
	"service:CryptSvc", NULL,
};

/* ---- shared helpers ------------------------------------------------------ */

/* The hives a check needs; <0 with the hive's one-line error. */
static int open_system(struct scan *s, struct registry **reg, struct hive **sys,
		       struct err *err)
{
	int rc = registry_get(s, reg, err);

	if (rc < 0)
		return rc;
	return registry_system(*reg, sys, err);
}

/* {"kind": "registry", "path": ..., "hive": ...} (+ "replayed": true when
 * the hive came from its transaction logs). */
static json_t *ev_registry(const struct reg_hive_info *hi, const char *path)
{
	json_t *ev = json_object();

	json_object_set_new(ev, "kind", json_string("registry"));
	json_object_set_new(ev, "hive", json_string(hi->name));
	json_object_set_new(ev, "path", json_string(path));
	if (hi->replayed)
		json_object_set_new(ev, "replayed", json_true());
	return ev;
}

static void sid_text(const struct sid *sid, char *buf, size_t size)
{
	const char *a = sid_alias(sid);

	if (a)
		snprintf(buf, size, "%s", a);
	else if (sid_to_string(sid, buf, size) < 0 && size)
		buf[0] = '\0';
}

static json_t *rights_json(uint32_t mask)
{
	char buf[RIGHTS_MAX];

	access_rights_names(mask, ACCESS_SERVICE, buf, sizeof(buf));
	return json_string(buf);
}

/* Rights given as SDDL rights fields ("CC", "LC", "CCLCRC", "0x20000"),
 * OR-ed and with generic bits mapped for services. */
static int rights_from(json_t *arr, uint32_t def, uint32_t *out,
		       struct err *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr)) {
		*out = def;
		return 0;
	}
	*out = 0;
	json_array_foreach(arr, i, v) {
		const char *code = json_string_value(v);
		struct secdesc sd;
		char *text = NULL;
		int rc;

		if (!code || strlen(code) > 128)
			return err_set(err, -E_USAGE, "rights: element %zu is not a rights string", i);
		if (asprintf(&text, "D:(A;;%s;;;WD)", code) < 0)
			return err_set(err, -E_NOMEM, "out of memory");
		rc = sddl_decode(text, &sd, NULL, err);
		free(text);
		if (rc == 0 && sd.dacl.count == 1)
			*out |= access_map_generic(sd.dacl.aces[0].mask, ACCESS_SERVICE);
		secdesc_release(&sd);
		if (rc < 0)
			return err_wrap(err, "rights '%s'", code);
	}
	return 0;
}

static void join_add(char *buf, size_t size, const char *item, size_t *n)
{
	size_t l = strlen(buf);

	if (*n < 20)
		snprintf(buf + l, size - l, "%s%s", *n ? ", " : "", item);
	(*n)++;
}

static void join_finish(char *buf, size_t size, size_t n)
{
	size_t l = strlen(buf);

	if (n > 20)
		snprintf(buf + l, size - l, " and %zu more", n - 20);
}

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
	rc = rights_from(rights, def, &n->rights, err);
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

		json_object_set_new(eff, ns->n[i].label, rights_json(got));
		if (miss) {
			json_object_set_new(lack, ns->n[i].label, rights_json(miss));
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
			json_object_set_new(o, "expected_rights", rights_json(d[i].expected_mask));
			json_object_set_new(o, "actual_rights", rights_json(d[i].actual_mask));
		}
		json_array_append_new(*out, o);
	}
	free(d);
	return 0;
}

/* ---- cause 3: CryptSvc / EventSystem descriptors -------------------------- */

static int service_descriptors(struct scan *s, const struct rule *r,
			       struct result *res, struct err *err)
{
	static const char *const def_services[] = { "CryptSvc", "EventSystem", NULL };
	const char *expected_sddl = rule_param_str(r, "expected_sddl", SCM_DEFAULT_SDDL);
	json_t *services = rule_param(r, "services"), *broken = json_array();
	struct registry *reg = NULL;
	struct hive *sys = NULL;
	struct secdesc exp;
	struct token writer;
	struct needs ns;
	char names[1024] = "", first_bad[600] = "";
	size_t nbroken = 0, i, count, off = 0;
	unsigned undecodable = 0;
	int rc;

	memset(&exp, 0, sizeof(exp));
	if ((rc = acl_token_from(rule_param(r, "writer_token"), writer_default, "writer_token", &writer, err)) < 0 ||
	    (rc = needs_from_rule(r, &writer, &ns, err)) < 0)
		goto out;
	rc = sddl_decode(expected_sddl, &exp, &off, err);
	if (rc < 0) {
		err_wrap(err, "expected_sddl");
		goto out;
	}
	if ((rc = open_system(s, &reg, &sys, err)) < 0)
		goto out;
	count = json_is_array(services) ? json_array_size(services) : 2;
	for (i = 0; i < count; i++) {
		const char *name = json_is_array(services) ?
			json_string_value(json_array_get(services, i)) : def_services[i];
		struct secdesc actual;
		const struct secdesc *judged = &exp;
		char path[400], *sddl = NULL;
		struct svc sv;
		json_t *ev, *diff = NULL;
		int is_broken;

		if (!name)
			continue;
		rc = svc_load(sys, reg->control_set, name, &sv, err);
		if (rc < 0)
			goto out;
		if (rc == 0) {
			snprintf(path, sizeof(path), "%s\\Services\\%s", reg->control_set, name);
			ev = ev_registry(&reg->system, path);
			json_object_set_new(ev, "service", json_string(name));
			json_object_set_new(ev, "exists", json_false());
			json_object_set_new(ev, "note", json_string("service not installed (see cause2)"));
			json_array_append_new(res->evidence, ev);
			continue;
		}
		snprintf(path, sizeof(path), "%s\\Security", sv.key);
		ev = ev_registry(&reg->system, path);
		json_object_set_new(ev, "value", json_string("Security"));
		json_object_set_new(ev, "service", json_string(sv.name));
		memset(&actual, 0, sizeof(actual));
		if (sv.sd_error[0]) {
			json_object_set_new(ev, "error", json_string(sv.sd_error));
			if (!undecodable++)
				snprintf(first_bad, sizeof(first_bad), "%s: %s", sv.name, sv.sd_error);
			json_array_append_new(res->evidence, ev);
			svc_release(&sv);
			continue;
		}
		if (sv.sd_state == SVC_SD_PRESENT) {
			struct err e;

			err_init(&e);
			if (secdesc_parse(sv.sd, sv.sd_len, &actual, &e) < 0) {
				/* bytes Windows' own validation refuses: the SCM
				 * would not use this descriptor either */
				const int invalid = e.code == -E_CORRUPT;

				json_object_set_new(ev, "error", json_string(e.msg));
				json_object_set_new(ev, "size", json_integer((json_int_t)sv.sd_len));
				if (e.code == -E_CORRUPT) {
					json_object_set_new(ev, "sddl", json_null());
					json_object_set_new(ev, "expected", json_string(expected_sddl));
					json_object_set_new(ev, "verdict", json_string(INVALID_VERDICT));
					json_object_set_new(ev, "note", json_string(INVALID_NOTE));
					json_array_append_new(res->evidence, ev);
					json_array_append_new(broken, json_string(sv.name));
					join_add(names, sizeof(names), sv.name, &nbroken);
					secdesc_release(&actual);
					svc_release(&sv);
					continue;
				}
				if (!undecodable++)
					snprintf(first_bad, sizeof(first_bad), "%.100s: Security: %s%.400s", sv.name,
						 invalid ? "invalid descriptor (the SCM would refuse it): " : "",
						 e.msg);
				json_array_append_new(res->evidence, ev);
				secdesc_release(&actual);
				svc_release(&sv);
				continue;
			}
			judged = &actual;
			err_init(&e);
			if (sddl_encode(&actual, SDDL_RIGHTS_SERVICE, &sddl, &e) == 0)
				json_object_set_new(ev, "sddl", json_string(sddl));
			else
				json_object_set_new(ev, "sddl_error", json_string(e.msg));
			free(sddl);
		} else {
			json_object_set_new(ev, "sddl", json_null());
			json_object_set_new(ev, "note", json_string(sv.sd_state == SVC_SD_STUB ?
				"the value is the 5-byte stub 00 00 0e 00 01: no descriptor, so the SCM default applies" :
				"no Security value: the SCM default descriptor applies"));
		}
		json_object_set_new(ev, "expected", json_string(expected_sddl));
		rc = diff_json(&exp, judged, &diff, err);
		if (rc < 0) {
			json_decref(ev);
			secdesc_release(&actual);
			svc_release(&sv);
			goto out;
		}
		json_object_set_new(ev, "diff", diff);
		is_broken = judge(judged, &ns, ev);
		json_object_set_new(ev, "verdict", json_string(is_broken ? "broken" : "ok"));
		json_array_append_new(res->evidence, ev);
		if (is_broken) {
			json_array_append_new(broken, json_string(sv.name));
			join_add(names, sizeof(names), sv.name, &nbroken);
		}
		secdesc_release(&actual);
		svc_release(&sv);
	}
	join_finish(names, sizeof(names), nbroken);
	json_object_set_new(res->vars, "service", json_incref(broken));
	json_object_set_new(res->vars, "broken_services", json_string(names));
	json_object_set_new(res->vars, "expected_sddl", json_string(expected_sddl));
	if (nbroken) {
		res->status = STATUS_PRESENT;
		rc = 0;
	} else if (undecodable) {
		rc = err_set(err, -E_CORRUPT, "%u descriptor(s) invalid or undecodable: %s",
			     undecodable, first_bad);
	} else {
		res->status = STATUS_ABSENT;
		rc = 0;
	}
out:
	secdesc_release(&exp);
	json_decref(broken);
	return rc;
}

/* ---- every service and driver: does the writer's token get in? ----------- */

struct blocks_ctx {
	struct registry *reg;
	struct result *res;
	struct token writer;
	uint32_t need;
	struct ace append;       /* params.append_ace */
	int have_append;
	json_t *services, *fixed;
	char names[1024];
	size_t nblocked, nnames;
	unsigned total, with_sd, stubs, undecodable;
	int drivers_only;        /* params.drivers_only */
	char first_bad[600];
};

/* A descriptor Windows would refuse locks the writer out as surely as a
 * DACL without its SIDs: listed, with the SCM default as the fix. */
static int blocks_invalid(struct blocks_ctx *c, const struct svc *sv, const char *why)
{
	char path[400];
	json_t *ev;

	c->nblocked++;
	join_add(c->names, sizeof(c->names), sv->name, &c->nnames);
	json_array_append_new(c->services, json_string(sv->name));
	json_array_append_new(c->fixed, json_string(SCM_DEFAULT_SDDL));
	if (c->nblocked <= LIMIT_EVIDENCE_ITEMS) {
		snprintf(path, sizeof(path), "%s\\Security", sv->key);
		ev = ev_registry(&c->reg->system, path);
		json_object_set_new(ev, "value", json_string("Security"));
		json_object_set_new(ev, "service", json_string(sv->name));
		if (sv->display_name)
			json_object_set_new(ev, "display_name", json_string(sv->display_name));
		json_object_set_new(ev, "driver", json_boolean(svc_is_driver(sv)));
		json_object_set_new(ev, "sddl", json_null());
		json_object_set_new(ev, "size", json_integer((json_int_t)sv->sd_len));
		json_object_set_new(ev, "error", json_string(why));
		json_object_set_new(ev, "verdict", json_string(INVALID_VERDICT));
		json_object_set_new(ev, "fixed_sddl", json_string(SCM_DEFAULT_SDDL));
		json_object_set_new(ev, "note", json_string(INVALID_NOTE));
		json_array_append_new(c->res->evidence, ev);
	}
	return 0;
}

static int blocks_one(void *ctx, struct svc *sv)
{
	struct blocks_ctx *c = ctx;

	/* AddLegacyDriverFiles opens the driver records (KB 3209092's MsLldp
	 * is a kernel driver); Win32 services that hide their configuration
	 * (stock FlexNet, PNRPAutoReg, wcncsvc...) do not stop it */
	if (c->drivers_only && !sv->unreadable && !svc_is_driver(sv))
		return 0;
	struct secdesc sd, fixed;
	struct err e;
	uint32_t got;
	char path[400], *sddl = NULL, *fsddl = NULL;
	json_t *ev;

	c->total++;
	if (sv->unreadable) {
		if (!c->undecodable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%s: %s", sv->name, sv->bad);
		return 0;
	}
	if (sv->sd_error[0]) {
		if (!c->undecodable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%s: %s", sv->name, sv->sd_error);
		return 0;
	}
	if (sv->sd_state == SVC_SD_STUB)
		c->stubs++;
	if (sv->sd_state != SVC_SD_PRESENT)
		return 0;   /* the SCM default, which lets SERVICE (SU) query */
	c->with_sd++;
	err_init(&e);
	memset(&fixed, 0, sizeof(fixed));
	if (secdesc_parse(sv->sd, sv->sd_len, &sd, &e) < 0) {
		secdesc_release(&sd);
		if (e.code == -E_CORRUPT)
			return blocks_invalid(c, sv, e.msg);
		if (!c->undecodable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%.100s: Security: %.400s", sv->name, e.msg);
		return 0;
	}
	got = access_effective(&sd, &c->writer, ACCESS_SERVICE);
	if ((got & c->need) == c->need) {
		secdesc_release(&sd);
		return 0;
	}
	c->nblocked++;
	join_add(c->names, sizeof(c->names), sv->name, &c->nnames);
	err_init(&e);
	if (sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &sddl, &e) < 0)
		sddl = NULL;
	/* the fix: the same descriptor with params.append_ace at the end of
	 * its DACL (KB 3209092), built by decoding and encoding */
	if (c->have_append && secdesc_copy(&fixed, &sd, &e) == 0) {
		if (!fixed.has_dacl) {
			fixed.has_dacl = 1;
			fixed.dacl.revision = 2;
		}
		fixed.control |= SE_DACL_PRESENT;
		if (acl_append(&fixed.dacl, &c->append, &e) < 0 ||
		    sddl_encode(&fixed, SDDL_RIGHTS_SERVICE, &fsddl, &e) < 0)
			fsddl = NULL;
	}
	json_array_append_new(c->services, json_string(sv->name));
	json_array_append_new(c->fixed, fsddl ? json_string(fsddl) : json_string(""));
	if (c->nblocked <= LIMIT_EVIDENCE_ITEMS) {
		snprintf(path, sizeof(path), "%s\\Security", sv->key);
		ev = ev_registry(&c->reg->system, path);
		json_object_set_new(ev, "value", json_string("Security"));
		json_object_set_new(ev, "service", json_string(sv->name));
		if (sv->display_name)
			json_object_set_new(ev, "display_name", json_string(sv->display_name));
		json_object_set_new(ev, "driver", json_boolean(svc_is_driver(sv)));
		json_object_set_new(ev, "sddl", sddl ? json_string(sddl) : json_null());
		json_object_set_new(ev, "effective", json_pack("{s:o}", "writer", rights_json(got)));
		json_object_set_new(ev, "lacking", json_pack("{s:o}", "writer", rights_json(c->need & ~got)));
		if (fsddl) {
			json_object_set_new(ev, "fixed_sddl", json_string(fsddl));
			if ((access_effective(&fixed, &c->writer, ACCESS_SERVICE) & c->need) != c->need)
				json_object_set_new(ev, "note", json_string(
					"appending the ACE is not enough: a deny ACE for the writer's token comes first; remove it"));
		}
		json_array_append_new(c->res->evidence, ev);
	}
	free(sddl);
	free(fsddl);
	secdesc_release(&fixed);
	secdesc_release(&sd);
	return 0;
}

static int sd_blocks_writer(struct scan *s, const struct rule *r,
			    struct result *res, struct err *err)
{
	struct blocks_ctx c;
	struct hive *sys = NULL;
	struct secdesc app;
	const char *append = rule_param_str(r, "append_ace", "(A;;CCLCSWLOCRRC;;;SU)");
	char *text = NULL, path[64];
	json_t *count;
	int rc;

	memset(&c, 0, sizeof(c));
	memset(&app, 0, sizeof(app));
	c.res = res;
	c.services = json_array();
	c.fixed = json_array();
	c.drivers_only = !json_is_false(rule_param(r, "drivers_only"));
	if ((rc = acl_token_from(rule_param(r, "writer_token"), writer_default, "writer_token", &c.writer, err)) < 0 ||
	    (rc = rights_from(rule_param(r, "required_rights"),
			      SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS | ACCESS_READ_CONTROL,
			      &c.need, err)) < 0)
		goto out;
	if (asprintf(&text, "D:%s", append) < 0) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = sddl_decode(text, &app, NULL, err);
	if (rc < 0 || app.dacl.count != 1) {
		rc = rc < 0 ? err_wrap(err, "append_ace") :
			err_set(err, -E_USAGE, "append_ace: one ACE expected");
		goto out;
	}
	c.append = app.dacl.aces[0];
	c.have_append = 1;
	if ((rc = open_system(s, &c.reg, &sys, err)) < 0)
		goto out;
	rc = svc_foreach(sys, c.reg->control_set, blocks_one, &c, NULL, err);
	if (rc < 0)
		goto out;
	join_finish(c.names, sizeof(c.names), c.nnames);
	snprintf(path, sizeof(path), "%s\\Services", c.reg->control_set);
	count = ev_registry(&c.reg->system, path);
	json_object_set_new(count, "services", json_integer(c.total));
	json_object_set_new(count, "with_descriptor", json_integer(c.with_sd));
	json_object_set_new(count, "stub_descriptors", json_integer(c.stubs));
	json_object_set_new(count, "blocking", json_integer((json_int_t)c.nblocked));
	json_object_set_new(count, "listed", json_integer((json_int_t)(c.nblocked < LIMIT_EVIDENCE_ITEMS ?
								     c.nblocked : LIMIT_EVIDENCE_ITEMS)));
	if (c.undecodable)
		json_object_set_new(count, "undecodable", json_integer(c.undecodable));
	json_array_append_new(res->evidence, count);
	json_object_set_new(res->vars, "service", json_incref(c.services));
	json_object_set_new(res->vars, "fixed_sddl", json_incref(c.fixed));
	json_object_set_new(res->vars, "count", json_integer((json_int_t)c.nblocked));
	json_object_set_new(res->vars, "services", json_string(c.names));
	if (c.nblocked)
		res->status = STATUS_PRESENT;
	else if (c.undecodable)
		rc = err_set(err, -E_CORRUPT, "%u descriptor(s) invalid or undecodable: %s",
			     c.undecodable, c.first_bad);
	else
		res->status = STATUS_ABSENT;
out:
	free(text);
	secdesc_release(&app);
	json_decref(c.services);
	json_decref(c.fixed);
	return rc < 0 ? rc : 0;
}

/* ---- cause 2: can the services run? ---------------------------------------- */

struct run_ctx {
	struct scan *s;
	const struct rule *r;
	struct registry *reg;
	struct hive *sys;
	struct hkey *svchost;      /* SOFTWARE ...\Svchost, NULL when unusable */
	int svchost_state;         /* 1 loaded, 0 SOFTWARE unusable */
	struct err sw_err;
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
	char *line = NULL;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
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
	char *line = NULL;

	va_start(ap, fmt);
	if (vasprintf(&line, fmt, ap) < 0)
		line = NULL;
	va_end(ap);
	if (line)
		json_array_append_new(problems, json_string(line));
	free(line);
}

/* 1 listed, 0 not listed, -1 the group does not exist, -2 unknown */
static int svchost_lists(struct run_ctx *c, const char *group, const char *name)
{
	char **list = NULL;
	size_t n = 0, i;
	struct err e;
	int rc;

	if (c->svchost_state < 0) {
		struct hive *sw;

		c->svchost_state = 0;
		err_init(&c->sw_err);
		if (registry_software(c->reg, &sw, &c->sw_err) == 0) {
			rc = hive_key(sw, SVCHOST_KEY, &c->svchost, &c->sw_err);
			if (rc == 1)
				c->svchost_state = 1;
			else if (rc == 0)
				c->svchost_state = 2;   /* no Svchost key at all */
		}
	}
	if (c->svchost_state == 0)
		return -2;
	if (c->svchost_state == 2)
		return -1;
	err_init(&e);
	rc = hkey_get_multi(c->svchost, group, &list, &n, &e);
	if (rc < 0) {
		c->sw_err = e;
		return -2;
	}
	if (rc == 0)
		return -1;
	rc = 0;
	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], name) == 0)
			rc = 1;
	reg_strv_free(list);
	return rc;
}

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
	const char *sysroot = scan_system_root(c->s);
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
	rc = svc_bin_check_scan(c->s, sv->image_path, &b, err);
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
		rc = svc_bin_check_scan(c->s, sv->service_dll, &b, err);
		if (rc < 0)
			return rc;
		bin_json(ev, "dll", &b);
		if (b.state == SVC_BIN_MISSING) {
			problemf(problems, "ServiceDll %s is missing", b.display);
			fixf(c, "restore %s (sfc /scannow)", b.display);
		}
	}
	switch (svchost_lists(c, group, sv->name)) {
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
		ev = ev_registry(&c->reg->system, path);
		json_object_set_new(ev, "service", json_string(name));
		json_object_set_new(ev, "exists", json_false());
		problemf(problems, "not installed (no %s key)", path);
		fixf(c, "restore the registry key " HKLM_SERVICES "%s (export it from a healthy server of the same Windows version)",
		     name);
	} else {
		ev = ev_registry(&c->reg->system, sv.key);
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
struct diag_ctx {
	json_t *events;
	uint64_t last;
	char last_name[256];
	unsigned n;
};

static int diag_value(void *ctx, const char *name, const struct reg_value *v)
{
	struct diag_ctx *d = ctx;
	char when[32];
	uint64_t ft;

	if (v->len < 16)
		return 0;
	ft = le64(v->data + 8);
	filetime_iso8601(ft, FILETIME_1970_9999 | FILETIME_EPOCH_UNSET, when,
			 sizeof(when));
	if (!when[0])
		return 0;
	if (ft > d->last) {
		d->last = ft;
		snprintf(d->last_name, sizeof(d->last_name), "%s", name);
	}
	if (d->n++ < LIMIT_EVIDENCE_ITEMS)
		json_array_append_new(d->events, json_pack("{s:s,s:s}", "event", name, "time", when));
	return 0;
}

static void diag_evidence(struct run_ctx *c)
{
	struct diag_ctx d;
	struct hkey *k = NULL;
	struct err e;
	char path[128], when[32];
	json_t *ev;

	snprintf(path, sizeof(path), "%s\\Services\\VSS\\Diag\\System Writer", c->reg->control_set);
	err_init(&e);
	if (hive_key(c->sys, path, &k, &e) != 1)
		return;
	memset(&d, 0, sizeof(d));
	d.events = json_array();
	if (hkey_foreach_value(k, diag_value, &d, &e) < 0 || d.n == 0) {
		json_decref(d.events);
		hkey_free(k);
		return;
	}
	hkey_free(k);
	ev = ev_registry(&c->reg->system, path);
	filetime_iso8601(d.last, FILETIME_1970_9999 | FILETIME_EPOCH_UNSET, when,
			 sizeof(when));
	json_object_set_new(ev, "last", json_string(when));
	json_object_set_new(ev, "last_event", json_string(d.last_name));
	json_object_set_new(ev, "count", json_integer(d.n));
	json_object_set_new(ev, "events", d.events);
	json_array_append_new(c->evidence, ev);
}

static int services_running(struct scan *s, const struct rule *r,
			    struct result *res, struct err *err)
{
	static const char *const def_services[] = { "CryptSvc", "EventSystem", "VSS", "swprv", NULL };
	json_t *services = rule_param(r, "services"), *broken = json_array();
	struct run_ctx c;
	char names[1024] = "";
	size_t i, count, nbroken = 0;
	int rc;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.r = r;
	c.svchost_state = -1;
	c.seen = json_object();
	c.fixes = json_array();
	c.evidence = res->evidence;
	if ((rc = open_system(s, &c.reg, &c.sys, err)) < 0)
		goto out;
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
			join_add(names, sizeof(names), name, &nbroken);
		}
	}
	diag_evidence(&c);
	join_finish(names, sizeof(names), nbroken);
	json_object_set_new(res->vars, "broken_services", json_string(names));
	json_object_set_new(res->vars, "service", json_incref(broken));
	json_object_set_new(res->vars, "fix", json_incref(c.fixes));
	rc = 0;
	if (nbroken)
		res->status = STATUS_PRESENT;
	else if (c.unchecked)
		rc = err_set(err, c.sw_err.code ? c.sw_err.code : -E_NOTFOUND,
			     "svchost groups not checked: %s", c.sw_err.msg);
	else
		res->status = STATUS_ABSENT;
out:
	hkey_free(c.svchost);
	json_decref(c.seen);
	json_decref(c.fixes);
	json_decref(broken);
	return rc;
}

/* ---- service-binary-missing --------------------------------------------- */

struct bin_ctx {
	struct scan *s;
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
	int rc = svc_bin_check_scan(c->s, value, &b, c->err);

	if (rc < 0)
		return err_wrap(c->err, "service '%s'", sv->name);
	if (b.state == SVC_BIN_UNCHECKED) {
		c->unchecked++;
		/* on another drive: say so, it is not "missing" */
		if (b.drive && c->unknown_listed++ < LIMIT_EVIDENCE_ITEMS) {
			snprintf(path, sizeof(path), "%s%s", sv->key,
				 strchr(value_name, '\\') ? "\\Parameters" : "");
			ev = ev_registry(&c->reg->system, path);
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
		ev = ev_registry(&c->reg->system, path);
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
		join_add(c->names, sizeof(c->names), sv->name, &c->nnames);
	return rc;
}

static int binary_missing(struct scan *s, const struct rule *r,
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
	c.s = s;
	c.res = res;
	c.err = err;
	c.service = json_array();
	c.binary = json_array();
	if ((rc = open_system(s, &c.reg, &sys, err)) < 0)
		goto out;
	rc = svc_foreach(sys, c.reg->control_set, bin_one, &c, &unreadable, err);
	if (rc < 0)
		goto out;
	join_finish(c.names, sizeof(c.names), c.nnames);
	snprintf(path, sizeof(path), "%s\\Services", c.reg->control_set);
	count = ev_registry(&c.reg->system, path);
	json_object_set_new(count, "binaries_checked", json_integer(c.checked));
	json_object_set_new(count, "missing", json_integer((json_int_t)c.nmissing));
	json_object_set_new(count, "not_checkable", json_integer(c.unchecked));
	json_array_append_new(res->evidence, count);
	json_object_set_new(res->vars, "service", json_incref(c.service));
	json_object_set_new(res->vars, "binary", json_incref(c.binary));
	json_object_set_new(res->vars, "count", json_integer((json_int_t)c.nnames));
	json_object_set_new(res->vars, "services", json_string(c.names));
	if (c.nmissing)
		res->status = STATUS_PRESENT;
	else if (c.unreadable || unreadable)
		rc = err_set(err, -E_CORRUPT, "%u service key(s) could not be read: %s",
			     c.unreadable + unreadable, c.first_bad);
	else
		res->status = STATUS_ABSENT;
out:
	json_decref(c.service);
	json_decref(c.binary);
	return rc < 0 ? rc : 0;
}

/* ---- vss-access-control ---------------------------------------------------- */

static int vss_access_control(struct scan *s, const struct rule *r,
			      struct result *res, struct err *err)
{
	static const char *const def_accounts[] = { "NT Authority\\NetworkService", NULL };
	json_t *accounts = rule_param(r, "accounts"), *values, *missing;
	struct registry *reg = NULL;
	struct hive *sys = NULL;
	struct hkey *k = NULL;
	char path[128], names[512] = "";
	size_t i, count, n = 0;
	json_t *ev;
	int rc;

	if ((rc = open_system(s, &reg, &sys, err)) < 0)
		return rc;
	snprintf(path, sizeof(path), "%s\\Services\\VSS\\VssAccessControl", reg->control_set);
	rc = hive_key(sys, path, &k, err);
	if (rc < 0)
		return err_wrap(err, "%s", path);
	ev = ev_registry(&reg->system, path);
	json_object_set_new(ev, "exists", json_boolean(rc == 1));
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
			join_add(names, sizeof(names), acct, &n);
		}
	}
	hkey_free(k);
	json_object_set_new(ev, "values", values);
	if (n)
		json_object_set_new(ev, "not_granted", json_incref(missing));
	json_array_append_new(res->evidence, ev);
	join_finish(names, sizeof(names), n);
	json_object_set_new(res->vars, "account", json_string(names));
	json_object_set_new(res->vars, "accounts", missing);
	res->status = n ? STATUS_PRESENT : STATUS_ABSENT;
	return 0;
}

/* ---- win2003 ---------------------------------------------------------------- */

static int count_value(void *ctx, const char *name, const struct reg_value *v)
{
	(void)name;
	(void)v;
	(*(unsigned *)ctx)++;
	return 0;
}

struct subs_ctx {
	unsigned subs, values;
};

static int read_subscription(void *ctx, struct hkey *sub, const char *name)
{
	struct subs_ctx *sc = ctx;
	struct err e;

	(void)name;
	sc->subs++;
	err_init(&e);
	return hkey_foreach_value(sub, count_value, &sc->values, &e) < 0 ? 0 : 0;
}

static int win2003(struct scan *s, const struct rule *r, struct result *res,
		   struct err *err)
{
	struct registry *reg = NULL;
	struct hive *sw = NULL;
	json_t *ev;
	int rc;

	(void)r;
	if ((rc = registry_get(s, &reg, err)) < 0 ||
	    (rc = registry_software(reg, &sw, err)) < 0)
		return rc;
	ev = ev_registry(&reg->software, "Microsoft\\Windows NT\\CurrentVersion");
	json_object_set_new(ev, "product_name", json_string(reg->product_name));
	json_object_set_new(ev, "current_version", json_string(reg->current_version));
	json_object_set_new(ev, "build", json_string(reg->build));
	json_array_append_new(res->evidence, ev);
	json_object_set_new(res->vars, "product", json_string(reg->product_name[0] ?
							      reg->product_name : "Windows Server 2003"));
	if (!reg->current_version[0])
		return err_set(err, -E_NOTFOUND, "no CurrentVersion in SOFTWARE\\Microsoft\\Windows NT\\CurrentVersion");
	if (strcmp(reg->current_version, "5.2") != 0) {
		res->status = STATUS_ABSENT;
		return 0;
	}
	res->status = STATUS_PRESENT;
	json_object_set_new(ev, "note", json_string("Windows Server 2003: causes 1-4 do not apply (KB 940184)"));
	{
		struct hkey *k = NULL;
		struct subs_ctx sc;
		struct err e;

		memset(&sc, 0, sizeof(sc));
		err_init(&e);
		ev = ev_registry(&reg->software, SUBSCRIPTIONS_KEY);
		rc = hive_key(sw, SUBSCRIPTIONS_KEY, &k, &e);
		json_object_set_new(ev, "exists", rc == 1 ? json_true() : rc == 0 ? json_false() : json_null());
		if (rc == 1) {
			rc = hkey_foreach_subkey(k, read_subscription, &sc, &e);
			json_object_set_new(ev, "subscriptions", json_integer(sc.subs));
			json_object_set_new(ev, "values", json_integer(sc.values));
			json_object_set_new(ev, "readable", json_boolean(rc >= 0));
		}
		if (rc < 0)
			json_object_set_new(ev, "error", json_string(e.msg));
		hkey_free(k);
		json_array_append_new(res->evidence, ev);
	}
	return 0;
}

/* ---- hive-dirty -------------------------------------------------------------- */

static json_t *hive_json(const struct reg_hive_info *hi)
{
	static const char *const states[] = { "ok", "absent", "unreadable" };
	json_t *ev = json_object(), *logs = json_array();
	char tmp[96], *save = NULL, *t;

	json_object_set_new(ev, "kind", json_string("hive"));
	json_object_set_new(ev, "hive", json_string(hi->name));
	json_object_set_new(ev, "path", json_string(hi->path));
	json_object_set_new(ev, "state", json_string(states[hi->state]));
	if (hi->state != REG_HIVE_OK)
		json_object_set_new(ev, "error", json_string(hi->err.msg));
	if (hi->size) {
		json_object_set_new(ev, "dirty", json_boolean(hi->dirty));
		json_object_set_new(ev, "sequence", json_pack("[I,I]", (json_int_t)hi->seq1,
							      (json_int_t)hi->seq2));
		json_object_set_new(ev, "checksum_ok", json_boolean(!hi->checksum_bad));
	}
	snprintf(tmp, sizeof(tmp), "%s", hi->logs);
	for (t = strtok_r(tmp, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		json_array_append_new(logs, json_string(t));
	json_object_set_new(ev, "logs", logs);
	if (hi->dirty) {
		json_object_set_new(ev, "replayed", json_boolean(hi->replayed));
		if (hi->replayed) {
			json_object_set_new(ev, "log_format", json_string(hi->log_format));
			json_object_set_new(ev, "entries_applied", json_integer(hi->entries_applied));
		}
		json_object_set_new(ev, "view", json_string(hi->view));
	}
	return ev;
}

static int hive_state(struct scan *s, const struct rule *r, struct result *res,
		      struct err *err)
{
	const struct reg_hive_info *his[2];
	struct registry *reg = NULL;
	char hives[64] = "", view[700] = "";
	size_t i, n = 0;
	int rc;

	(void)r;
	if ((rc = registry_get(s, &reg, err)) < 0)
		return rc;
	his[0] = &reg->system;
	his[1] = &reg->software;
	for (i = 0; i < 2; i++) {
		const struct reg_hive_info *hi = his[i];
		size_t l;

		json_array_append_new(res->evidence, hive_json(hi));
		if (!hi->dirty)
			continue;
		l = strlen(hives);
		snprintf(hives + l, sizeof(hives) - l, "%s%s", n ? " and " : "", hi->name);
		l = strlen(view);
		snprintf(view + l, sizeof(view) - l, "%s%s%s%s", n ? "; " : "",
			 reg->system.dirty && reg->software.dirty ? hi->name : "",
			 reg->system.dirty && reg->software.dirty ? ": " : "", hi->view);
		n++;
	}
	json_object_set_new(res->vars, "hives", json_string(hives));
	json_object_set_new(res->vars, "view", json_string(view));
	if (n) {
		res->status = STATUS_PRESENT;
		return 0;
	}
	for (i = 0; i < 2; i++) {
		struct hive *h;

		if (his[i]->state != REG_HIVE_OK)
			return i == 0 ? registry_system(reg, &h, err) : registry_software(reg, &h, err);
	}
	res->status = STATUS_ABSENT;
	return 0;
}

/* ---- check table --------------------------------------------------------------- */

static const struct param_def descriptor_params[] = {
	{ "services", PARAM_ARRAY, 0, "[s]" },
	{ "expected_sddl", PARAM_STRING, 0, "d" },
	{ "writer_token", PARAM_ARRAY, 0, "[t]" },
	{ "require", PARAM_OBJECT, 0, "{[r]}" },
	{ NULL, 0, 0, NULL },
};

static const struct param_def running_params[] = {
	{ "services", PARAM_ARRAY, 0, "[s]" },
	{ "start_types", PARAM_OBJECT, 0, "{s}" },
	{ NULL, 0, 0, NULL },
};

static const struct param_def blocks_params[] = {
	{ "writer_token", PARAM_ARRAY, 0, "[t]" },
	{ "drivers_only", PARAM_BOOL, 0, "b" },
	{ "required_rights", PARAM_ARRAY, 0, "[r]" },
	{ "append_ace", PARAM_STRING, 0, "s" },
	{ NULL, 0, 0, NULL },
};

static const struct param_def vssacl_params[] = {
	{ "accounts", PARAM_ARRAY, 0, "[s]" },
	{ NULL, 0, 0, NULL },
};

static const struct param_def no_params[] = {
	{ NULL, 0, 0, NULL },
};

static const char *const services_running_vars[] = { "broken_services", "service", "fix", NULL };
const struct check_def check_def_services_running = {
	"services_running", services_running, running_params, services_running_vars,
};
static const char *const service_descriptors_vars[] = { "service", "broken_services", "expected_sddl", NULL };
const struct check_def check_def_service_descriptors = {
	"service_descriptors", service_descriptors, descriptor_params, service_descriptors_vars,
};
static const char *const service_sd_blocks_writer_vars[] = { "service", "fixed_sddl", "count", "services", NULL };
const struct check_def check_def_service_sd_blocks_writer = {
	"service_sd_blocks_writer", sd_blocks_writer, blocks_params, service_sd_blocks_writer_vars,
};
static const char *const service_binary_missing_vars[] = { "service", "binary", "count", "services", NULL };
const struct check_def check_def_service_binary_missing = {
	"service_binary_missing", binary_missing, no_params, service_binary_missing_vars,
};
static const char *const vss_access_control_vars[] = { "account", "accounts", NULL };
const struct check_def check_def_vss_access_control = {
	"vss_access_control", vss_access_control, vssacl_params, vss_access_control_vars,
};
static const char *const win2003_vars[] = { "product", NULL };
const struct check_def check_def_win2003 = {
	"win2003", win2003, no_params, win2003_vars,
};
static const char *const hive_state_vars[] = { "hives", "view", NULL };
const struct check_def check_def_hive_state = {
	"hive_state", hive_state, no_params, hive_state_vars,
};
