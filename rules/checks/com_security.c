/* com-access-denied: machine-wide COM security that stops the writer's COM
 * calls (DOMAIN.md "Beyond the four causes": VSS 8194 with 0x80070005).
 *
 * SOFTWARE Microsoft\Ole holds three self-relative descriptors
 * (REG_BINARY): MachineAccessRestriction and MachineLaunchRestriction (the
 * limits every COM call and activation on the machine must pass) and
 * DefaultAccessPermission (who may call a process that sets no access
 * permission of its own).  Group Policy's copies of the two limits live
 * under SOFTWARE Policies\Microsoft\Windows NT\DCOM as SDDL text
 * (REG_SZ) and win over the Ole values.  An absent value means Windows'
 * built-in default: no limit for the restrictions, SELF + SYSTEM +
 * Administrators for DefaultAccessPermission (params.values[].default_sddl).
 *
 * Each descriptor is judged with the COM rights (access_effective,
 * ACCESS_COM: an EXECUTE-only ACE is the pre-XP SP2 form and grants all)
 * for the tokens of NETWORK SERVICE (the writer, in CryptSvc), SYSTEM
 * (VSS) and Administrators (the backup requestor): params.values[].require.
 * DefaultAccessPermission without NETWORK SERVICE is Windows' own default,
 * so it is required (require_with_event) only when the logs hold the
 * symptom, VSS 8194 with 0x80070005 (params.event): then the writer's
 * callback to a requestor that relies on the default was refused. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl_util.h"
#include "checks.h"
#include "judge_util.h"
#include "events.h"
#include "limits.h"
#include "registry.h"
#include "sddl.h"
#include "windir.h"

#define OLE_KEY "Microsoft\\Ole"
#define POLICY_KEY "Policies\\Microsoft\\Windows NT\\DCOM"
#define TOKENS_MAX 8u
#define NEEDS_MAX 8u

#define LOCAL_CALL (COM_RIGHTS_EXECUTE | COM_RIGHTS_EXECUTE_LOCAL)
#define LOCAL_LAUNCH (COM_RIGHTS_EXECUTE | COM_RIGHTS_EXECUTE_LOCAL | COM_RIGHTS_ACTIVATE_LOCAL)

struct named_token {
	char name[64];
	char alias[8];           /* for the fix's ACE: "NS" */
	struct token t;
};

/* The tokens as Windows builds them (well-known groups; LOCAL S-1-2-0 and
 * the logon groups every local process holds). */
static const struct {
	const char *name, *alias;
	const char *sids[10];
} default_tokens[] = {
	{ "NETWORK SERVICE", "NS", { "S-1-5-20", "S-1-5-6", "S-1-5-11", "S-1-1-0", "S-1-5-32-545",
				     "S-1-5-15", "S-1-2-0", "service:CryptSvc", NULL } },
	{ "SYSTEM", "SY", { "S-1-5-18", "S-1-5-32-544", "S-1-5-11", "S-1-1-0", "S-1-2-0", NULL } },
	{ "Administrators", "BA", { "S-1-5-32-544", "S-1-5-32-545", "S-1-5-4", "S-1-5-11", "S-1-1-0",
				    "S-1-2-0", NULL } },
};

struct need {
	const struct named_token *who;
	uint32_t rights;
};

struct com_ctx {
	const struct evidence *ev;
	struct result *res;
	struct registry *reg;
	struct hive *sw;
	struct named_token tokens[TOKENS_MAX];
	size_t ntokens;
	int event_seen;            /* VSS 8194 with access denied */
	json_t *bin_value, *bin_sddl, *pol_value, *pol_sddl, *broken;
	unsigned unreadable;
	struct err first_error;
};

static int tokens_load(struct com_ctx *c, json_t *param, struct err *err)
{
	size_t i;
	int rc;

	if (json_is_object(param)) {
		const char *k;
		json_t *v;

		json_object_foreach(param, k, v) {
			struct named_token *nt;

			if (c->ntokens >= TOKENS_MAX)
				return err_set(err, -E_USAGE, "tokens: at most %u", TOKENS_MAX);
			if (!json_is_array(v) || !json_array_size(v))
				return err_set(err, -E_USAGE, "tokens '%s': a list of SIDs", k);
			nt = &c->tokens[c->ntokens];
			memset(nt, 0, sizeof(*nt));
			snprintf(nt->name, sizeof(nt->name), "%s", k);
			if ((rc = acl_token_from(v, NULL, "token", &nt->t, err)) < 0)
				return err_wrap(err, "tokens '%s'", k);
			if (json_is_array(v) && json_array_size(v) &&
			    json_is_string(json_array_get(v, 0)))
				snprintf(nt->alias, sizeof(nt->alias), "%s",
					 json_string_value(json_array_get(v, 0)));
			c->ntokens++;
		}
		return 0;
	}
	for (i = 0; i < sizeof(default_tokens) / sizeof(default_tokens[0]); i++) {
		struct named_token *nt = &c->tokens[c->ntokens++];

		memset(nt, 0, sizeof(*nt));
		snprintf(nt->name, sizeof(nt->name), "%s", default_tokens[i].name);
		snprintf(nt->alias, sizeof(nt->alias), "%s", default_tokens[i].alias);
		if ((rc = acl_token_from(NULL, default_tokens[i].sids, "token", &nt->t, err)) < 0)
			return rc;
	}
	return 0;
}

static const struct named_token *token_named(const struct com_ctx *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->ntokens; i++)
		if (strcmp(c->tokens[i].name, name) == 0)
			return &c->tokens[i];
	return NULL;
}

/* needs from {"NETWORK SERVICE": ["EXECUTE", ...], ...}; appends to n. */
static int needs_from(const struct com_ctx *c, json_t *req, struct need *n, size_t *count,
		      struct err *err)
{
	const char *k;
	json_t *v;
	int rc;

	if (!json_is_object(req))
		return 0;
	json_object_foreach(req, k, v) {
		const struct named_token *who = token_named(c, k);

		if (!who)
			return err_set(err, -E_USAGE, "require: no token named '%s'", k);
		if (*count >= NEEDS_MAX)
			return err_set(err, -E_USAGE, "require: at most %u accounts", NEEDS_MAX);
		n[*count].who = who;
		if ((rc = acl_rights_from(v, ACCESS_COM, 0, &n[*count].rights, err)) < 0)
			return err_wrap(err, "require '%s'", k);
		(*count)++;
	}
	return 0;
}

/* The descriptor of value name under key in SOFTWARE: 1 read into sd, 0
 * absent, <0 unreadable (err).  REG_BINARY is a self-relative
 * descriptor, REG_SZ SDDL text (the policy form). */
static int read_sd(struct com_ctx *c, const char *key, const char *name, struct secdesc *sd,
		   uint32_t *type, struct err *err)
{
	struct hkey *k = NULL;
	struct reg_value v;
	char *text = NULL;
	int rc;

	memset(sd, 0, sizeof(*sd));
	rc = hive_key(c->sw, key, &k, err);
	if (rc <= 0)
		return rc;
	rc = hkey_value(k, name, &v, err);
	hkey_free(k);
	if (rc <= 0)
		return rc;
	*type = v.type;
	if (v.type == REGV_SZ || v.type == REGV_EXPAND_SZ) {
		rc = reg_value_string(&v, &text, err);
		if (rc == 0)
			rc = sddl_decode(text, sd, NULL, err);
		free(text);
	} else if (v.len > LIMIT_SD_SIZE) {
		rc = err_set(err, -E_LIMIT, "%zu bytes, over LIMIT_SD_SIZE", v.len);
	} else {
		rc = secdesc_parse(v.data, v.len, sd, err);
	}
	reg_value_release(&v);
	return rc < 0 ? rc : 1;
}

/* The fix: sd with one allow ACE appended per account still missing
 * rights; NULL when it cannot be built.  *enough: the result grants all. */
static char *fixed_sddl(const struct secdesc *sd, const struct need *n, size_t count,
			int *enough)
{
	struct secdesc fx;
	struct err e;
	char *out = NULL;
	size_t i;

	*enough = 0;
	err_init(&e);
	memset(&fx, 0, sizeof(fx));
	if (secdesc_copy(&fx, sd, &e) < 0)
		return NULL;
	if (!fx.has_dacl) {
		fx.has_dacl = 1;
		fx.dacl.revision = 2;
	}
	fx.control |= SE_DACL_PRESENT;
	for (i = 0; i < count; i++) {
		uint32_t got = access_effective(&fx, &n[i].who->t, ACCESS_COM);
		struct ace a;

		if ((got & n[i].rights) == n[i].rights)
			continue;
		memset(&a, 0, sizeof(a));
		a.type = ACE_ACCESS_ALLOWED;
		a.mask = n[i].rights;
		if (sid_from_string(n[i].who->alias, &a.sid, &e) < 0 || acl_append(&fx.dacl, &a, &e) < 0) {
			secdesc_release(&fx);
			return NULL;
		}
	}
	*enough = 1;
	for (i = 0; i < count; i++)
		if ((access_effective(&fx, &n[i].who->t, ACCESS_COM) & n[i].rights) != n[i].rights)
			*enough = 0;
	if (sddl_encode(&fx, SDDL_RIGHTS_SERVICE, &out, &e) < 0)
		out = NULL;
	secdesc_release(&fx);
	return out;
}

static void note_unreadable(struct com_ctx *c, const struct err *e, const char *what)
{
	if (!c->unreadable++) {
		c->first_error = *e;
		err_wrap(&c->first_error, "%s", what);
	}
}

/* The Group Policy copy of value name (POLICY_KEY), which wins over
 * Microsoft\\Ole's: 1 read into *pol (listed), 0 absent, <0 unreadable
 * (listed, counted). */
static int read_policy(struct com_ctx *c, const char *name, struct secdesc *pol)
{
	uint32_t ptype = 0;
	char where[128];
	struct err e;
	json_t *pev;
	int prc;

	err_init(&e);
	prc = read_sd(c, POLICY_KEY, name, pol, &ptype, &e);
	if (prc == 0)
		return 0;
	pev = json_pack("{s:s, s:s, s:s, s:s}", "kind", "registry", "hive", "SOFTWARE",
			"path", POLICY_KEY, "value", name);
	if (prc < 0) {
		json_object_set_new(pev, "error", json_string(e.msg));
		snprintf(where, sizeof(where), "SOFTWARE\\" POLICY_KEY "\\%s", name);
		note_unreadable(c, &e, where);
	} else {
		json_object_set_new(pev, "sddl", acl_sddl_json(pol));
		json_object_set_new(pev, "note", json_string(
			"Group Policy's copy: it wins over the Microsoft\\Ole value"));
	}
	json_array_append_new(c->res->evidence, pev);
	return prc;
}

/* The rights each token gets from judged against what n[0..count) need:
 * ev's effective, needs, missing and verdict, and the fix when denied
 * (is_policy: the fix goes to the Group Policy value). */
static void judge_rights(struct com_ctx *c, const char *name, const struct secdesc *judged,
			 int is_policy, const struct need *n, size_t count, json_t *ev)
{
	json_t *eff = json_object(), *needs = json_object(), *missing = json_object();
	size_t i;
	int broken = 0;

	for (i = 0; i < c->ntokens; i++)
		json_object_set_new(eff, c->tokens[i].name,
				    acl_rights_json(access_effective(judged, &c->tokens[i].t, ACCESS_COM) &
						    COM_RIGHTS_ALL, ACCESS_COM));
	for (i = 0; i < count; i++) {
		uint32_t got = access_effective(judged, &n[i].who->t, ACCESS_COM);

		json_object_set_new(needs, n[i].who->name, acl_rights_json(n[i].rights, ACCESS_COM));
		if ((got & n[i].rights) != n[i].rights) {
			json_object_set_new(missing, n[i].who->name,
					    acl_rights_json(n[i].rights & ~got, ACCESS_COM));
			broken = 1;
		}
	}
	json_object_set_new(ev, "effective", eff);
	json_object_set_new(ev, "needs", needs);
	if (broken) {
		int enough = 0;
		char *fx = fixed_sddl(judged, n, count, &enough);

		json_object_set_new(ev, "missing", missing);
		json_object_set_new(ev, "verdict", json_string("denied"));
		if (fx) {
			json_object_set_new(ev, "fixed_sddl", json_string(fx));
			if (!enough)
				json_object_set_new(ev, "fix_note", json_string(
					"appending allow ACEs is not enough: a deny ACE comes first; remove it"));
			json_array_append_new(is_policy ? c->pol_value : c->bin_value, json_string(name));
			json_array_append_new(is_policy ? c->pol_sddl : c->bin_sddl, json_string(fx));
			free(fx);
		}
		json_array_append_new(c->broken, json_string(name));
	} else {
		json_decref(missing);
		json_object_set_new(ev, "verdict", json_string("ok"));
	}
}

/* One value of params.values: evidence and verdict. */
static int judge_value(struct com_ctx *c, json_t *def, struct err *err)
{
	const char *name = json_string_value(json_object_get(def, "value"));
	const char *dflt = json_string_value(json_object_get(def, "default_sddl"));
	int policy = json_is_true(json_object_get(def, "policy"));
	struct need n[NEEDS_MAX];
	size_t count = 0;
	struct secdesc sd, pol;
	const struct secdesc *judged = NULL;
	uint32_t type = 0;
	char where[128];
	struct err e;
	json_t *ev;
	int rc, prc = 0;

	if (!name)
		return err_set(err, -E_USAGE, "values: an element has no \"value\"");
	if ((rc = needs_from(c, json_object_get(def, "require"), n, &count, err)) < 0)
		return rc;
	if (c->event_seen &&
	    (rc = needs_from(c, json_object_get(def, "require_with_event"), n, &count, err)) < 0)
		return rc;
	memset(&pol, 0, sizeof(pol));
	err_init(&e);
	rc = read_sd(c, OLE_KEY, name, &sd, &type, &e);
	ev = json_pack("{s:s, s:s, s:s, s:s}", "kind", "registry", "hive", "SOFTWARE",
		       "path", OLE_KEY, "value", name);
	if (c->reg->software.replayed)
		json_object_set_new(ev, "replayed", json_true());
	if (rc < 0) {
		json_object_set_new(ev, "error", json_string(e.msg));
		snprintf(where, sizeof(where), "SOFTWARE\\" OLE_KEY "\\%s", name);
		note_unreadable(c, &e, where);
	} else if (rc == 1) {
		json_object_set_new(ev, "exists", json_true());
		json_object_set_new(ev, "sddl", acl_sddl_json(&sd));
		judged = &sd;
	} else {
		json_object_set_new(ev, "exists", json_false());
	}
	if (policy) {
		prc = read_policy(c, name, &pol);
		if (prc == 1)
			judged = &pol;
	}
	if (judged == &pol)
		json_object_set_new(ev, "note", json_string("overridden by the Group Policy value"));
	if (!judged && rc == 0 && prc == 0) {
		if (!dflt) {
			json_object_set_new(ev, "note", json_string(
				"absent: Windows' built-in default applies, no machine-wide limit"));
			json_object_set_new(ev, "verdict", json_string("ok"));
			json_array_append_new(c->res->evidence, ev);
			secdesc_release(&sd);
			secdesc_release(&pol);
			return 0;
		}
		secdesc_release(&sd);
		if (sddl_decode(dflt, &sd, NULL, err) < 0) {
			/* sd holds what was decoded before the failure */
			secdesc_release(&sd);
			secdesc_release(&pol);
			json_decref(ev);
			return err_wrap(err, "default_sddl of %s", name);
		}
		json_object_set_new(ev, "default_sddl", json_string(dflt));
		json_object_set_new(ev, "note", json_string("absent: Windows' built-in default applies"));
		judged = &sd;
	}
	if (!judged) {
		json_array_append_new(c->res->evidence, ev);
		secdesc_release(&sd);
		secdesc_release(&pol);
		return 0;
	}
	judge_rights(c, name, judged, judged == &pol, n, count, ev);
	json_array_append_new(c->res->evidence, ev);
	secdesc_release(&sd);
	secdesc_release(&pol);
	return 0;
}

static json_t *default_values(void)
{
	return json_pack(
		"[{s:s, s:b, s:{s:[s,s], s:[s,s], s:[s,s]}},"
		" {s:s, s:b, s:{s:[s,s,s], s:[s,s,s], s:[s,s,s]}},"
		" {s:s, s:b, s:s, s:{s:[s,s]}, s:{s:[s,s]}}]",
		"value", "MachineAccessRestriction", "policy", 1, "require",
		"NETWORK SERVICE", "EXECUTE", "EXECUTE_LOCAL", "SYSTEM", "EXECUTE", "EXECUTE_LOCAL",
		"Administrators", "EXECUTE", "EXECUTE_LOCAL",
		"value", "MachineLaunchRestriction", "policy", 1, "require",
		"NETWORK SERVICE", "EXECUTE", "EXECUTE_LOCAL", "ACTIVATE_LOCAL",
		"SYSTEM", "EXECUTE", "EXECUTE_LOCAL", "ACTIVATE_LOCAL",
		"Administrators", "EXECUTE", "EXECUTE_LOCAL", "ACTIVATE_LOCAL",
		"value", "DefaultAccessPermission", "policy", 0,
		"default_sddl", "O:BAG:BAD:(A;;CCDCLC;;;PS)(A;;CCDC;;;SY)(A;;CCDCLC;;;BA)",
		"require", "SYSTEM", "EXECUTE", "EXECUTE_LOCAL",
		"require_with_event", "NETWORK SERVICE", "EXECUTE", "EXECUTE_LOCAL");
}

static int com_security(const struct evidence *ev, const struct rule *r, struct result *res,
			struct err *err)
{
	json_t *values = rule_param(r, "values"), *own = NULL, *spec, *v;
	struct com_ctx c;
	char joined[512] = "";
	size_t i;
	int rc;

	memset(&c, 0, sizeof(c));
	c.ev = ev;
	c.res = res;
	if ((rc = tokens_load(&c, rule_param(r, "tokens"), err)) < 0)
		return rc;
	if ((rc = registry_get(ev, &c.reg, err)) < 0 || (rc = registry_software(c.reg, &c.sw, err)) < 0)
		return rc;
	/* the symptom first: it decides what DefaultAccessPermission needs */
	spec = rule_param(r, "event");
	if (json_is_object(spec)) {
		struct err e;

		err_init(&e);
		c.event_seen = events_collect(ev, spec, res->evidence, &e) > 0;
	}
	if (!json_is_array(values)) {
		values = own = default_values();
		if (!values)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	c.bin_value = json_array();
	c.bin_sddl = json_array();
	c.pol_value = json_array();
	c.pol_sddl = json_array();
	c.broken = json_array();
	json_array_foreach(values, i, v) {
		if ((rc = judge_value(&c, v, err)) < 0)
			goto out;
	}
	json_array_foreach(c.broken, i, v) {
		size_t l = strlen(joined);

		snprintf(joined + l, sizeof(joined) - l, "%s%s", i ? ", " : "", json_string_value(v));
	}
	json_object_set_new(res->vars, "values", json_string(joined));
	json_object_set_new(res->vars, "count", json_integer((json_int_t)json_array_size(c.broken)));
	json_object_set_new(res->vars, "binary_value", json_incref(c.bin_value));
	json_object_set_new(res->vars, "binary_sddl", json_incref(c.bin_sddl));
	json_object_set_new(res->vars, "policy_value", json_incref(c.pol_value));
	json_object_set_new(res->vars, "policy_sddl", json_incref(c.pol_sddl));
	json_object_set_new(res->vars, "callback_denied", json_boolean(c.event_seen));
	json_object_set_new(res->vars, "windows_dir", json_string(evidence_windir(ev)));
	rc = judge_verdict(res, json_array_size(c.broken) != 0, c.unreadable != 0, &c.first_error, err);
out:
	json_decref(c.bin_value);
	json_decref(c.bin_sddl);
	json_decref(c.pol_value);
	json_decref(c.pol_sddl);
	json_decref(c.broken);
	json_decref(own);
	return rc;
}

static const struct param_def com_params[] = {
	{ "values", PARAM_ARRAY, 0, NULL },
	{ "tokens", PARAM_OBJECT, 0, "{[s]}" },
	{ "event", PARAM_OBJECT, 0, NULL },
	{ NULL, 0, 0, NULL },
};

static const char *const com_security_vars[] = { "values", "count", "binary_value", "binary_sddl", "policy_value", "policy_sddl", "callback_denied", "windows_dir", NULL };
const struct check_def check_def_com_security = {
	"com_security", com_security, com_params, com_security_vars, 0,
};
