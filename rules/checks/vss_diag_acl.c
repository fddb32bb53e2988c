/* vss-diag-key-acl (KB 2298620): the System Writer, inside CryptSvc and so
 * running as NETWORK SERVICE, records its state under SYSTEM
 * <ControlSet>\Services\VSS\Diag (its own subkey "System Writer").  When
 * the key's descriptor stops letting that token write there (seen after
 * the DHCP server role was added), the writer fails.  The descriptor is
 * the key's own: the hive's sk cell, not a value.
 *
 * Judged on effective rights (access_effective with the key rights), never
 * on text: the writer's token must get params.required_rights on Diag
 * (default QUERY_VALUE | SET_VALUE | CREATE_SUB_KEY | ENUMERATE_SUB_KEYS:
 * it opens Diag, creates or opens its subkey and writes values) and
 * params.subkey_rights on each existing params.subkeys ("System Writer":
 * QUERY_VALUE | SET_VALUE).  KB 2298620's fix grants full control
 * (KEY_ALL_ACCESS); a stock Windows 8 / 10 Diag gives NETWORK SERVICE
 * 0x3001f (no WRITE_DAC, WRITE_OWNER, CREATE_LINK) and works, so full
 * control is reported (full_control) but not required. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "acl_util.h"
#include "checks.h"
#include "judge_util.h"
#include "limits.h"
#include "registry.h"
#include "windir.h"

#define DIAG_NEED (KEY_QUERY_VALUE | KEY_SET_VALUE | KEY_CREATE_SUB_KEY | KEY_ENUMERATE_SUB_KEYS)
#define SUB_NEED (KEY_QUERY_VALUE | KEY_SET_VALUE)

static const char *const writer_default[] = {
	"S-1-5-20", "S-1-5-6", "S-1-5-11", "S-1-1-0", "S-1-5-32-545", "S-1-5-15",
	"service:CryptSvc", NULL,
};

struct diag_ctx {
	struct result *res;
	const struct reg_hive_info *hi;
	struct token writer, ns, sy, ba;
	json_t *denied;        /* paths the writer cannot use */
	unsigned unreadable;
	struct err first_error;
};

/* Judge the descriptor of k (at path) against need; appends one evidence
 * item.  1 denied, 0 ok, <0 unreadable (counted, not returned as error). */
static int judge_key(struct diag_ctx *c, struct hkey *k, const char *path,
		     uint32_t need)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	struct secdesc sd;
	struct err e;
	json_t *ev, *eff;
	uint32_t w, ns;
	int rc;

	ev = json_pack("{s:s, s:s, s:s, s:b}", "kind", "registry", "hive", c->hi->name,
		       "path", path, "exists", 1);
	if (!ev)
		return -E_NOMEM;
	if (c->hi->replayed)
		json_object_set_new(ev, "replayed", json_true());
	err_init(&e);
	memset(&sd, 0, sizeof(sd));
	rc = hkey_security(k, &bytes, &len, &e);
	if (rc == 1)
		rc = secdesc_parse(bytes, len, &sd, &e);
	else if (rc == 0)
		rc = err_set(&e, -E_CORRUPT, "the key has no security descriptor");
	free(bytes);
	if (rc < 0) {
		json_object_set_new(ev, "error", json_string(e.msg));
		json_array_append_new(c->res->evidence, ev);
		if (!c->unreadable++) {
			c->first_error = e;
			err_wrap(&c->first_error, "'%s'", path);
		}
		secdesc_release(&sd);
		return -1;
	}
	w = access_effective(&sd, &c->writer, ACCESS_KEY);
	ns = access_effective(&sd, &c->ns, ACCESS_KEY);
	json_object_set_new(ev, "sddl", acl_sddl_json(&sd));
	eff = json_object();
	json_object_set_new(eff, "writer", acl_rights_json(w, ACCESS_KEY));
	json_object_set_new(eff, "NETWORK SERVICE", acl_rights_json(ns, ACCESS_KEY));
	json_object_set_new(eff, "SYSTEM", acl_rights_json(access_effective(&sd, &c->sy, ACCESS_KEY), ACCESS_KEY));
	json_object_set_new(eff, "Administrators", acl_rights_json(access_effective(&sd, &c->ba, ACCESS_KEY), ACCESS_KEY));
	json_object_set_new(ev, "effective", eff);
	json_object_set_new(ev, "needs", acl_rights_json(need, ACCESS_KEY));
	json_object_set_new(ev, "network_service_full_control",
			    json_boolean((ns & KEY_ALL_ACCESS) == KEY_ALL_ACCESS));
	secdesc_release(&sd);
	if ((w & need) != need) {
		json_object_set_new(ev, "missing", acl_rights_json(need & ~w, ACCESS_KEY));
		json_object_set_new(ev, "verdict", json_string("denied"));
		json_array_append_new(c->res->evidence, ev);
		json_array_append_new(c->denied, json_string(path));
		return 1;
	}
	json_object_set_new(ev, "verdict", json_string("ok"));
	json_array_append_new(c->res->evidence, ev);
	return 0;
}

static int diag_acl(const struct evidence *ev, const struct rule *r, struct result *res,
		    struct err *err)
{
	const char *key = rule_param_str(r, "key", "Services\\VSS\\Diag");
	json_t *subkeys = rule_param(r, "subkeys"), *v;
	static const char *const sub_default[] = { "System Writer", NULL };
	struct diag_ctx c;
	struct registry *reg = NULL;
	struct hive *sys = NULL;
	struct hkey *k = NULL;
	uint32_t need, sub_need;
	char path[512];
	size_t i, nsub;
	int rc;

	memset(&c, 0, sizeof(c));
	c.res = res;
	if ((rc = acl_token_from(rule_param(r, "writer_token"), writer_default, "token", &c.writer, err)) < 0 ||
	    (rc = acl_rights_from(rule_param(r, "required_rights"), ACCESS_KEY, DIAG_NEED, &need, err)) < 0 ||
	    (rc = acl_rights_from(rule_param(r, "subkey_rights"), ACCESS_KEY, SUB_NEED, &sub_need, err)) < 0 ||
	    (rc = token_add(&c.ns, "NS", err)) < 0 || (rc = token_add(&c.sy, "SY", err)) < 0 ||
	    (rc = token_add(&c.ba, "BA", err)) < 0)
		return rc;
	if ((rc = registry_get(ev, &reg, err)) < 0 || (rc = registry_system(reg, &sys, err)) < 0)
		return rc;
	c.hi = &reg->system;
	snprintf(path, sizeof(path), "%s\\%s", reg->control_set, key);
	json_object_set_new(res->vars, "control_set", json_string(reg->control_set));
	json_object_set_new(res->vars, "key", json_string(key));
	json_object_set_new(res->vars, "windows_dir", json_string(evidence_windir(ev)));
	rc = hive_key(sys, path, &k, err);
	if (rc < 0)
		return err_wrap(err, "'%s'", path);
	if (rc == 0) {
		json_array_append_new(res->evidence, json_pack(
			"{s:s, s:s, s:s, s:b, s:s}", "kind", "registry", "hive", "SYSTEM",
			"path", path, "exists", 0, "note",
			"no Diag key on this disk: no descriptor to judge (VSS keeps its writers' diagnostic state there)"));
		json_object_set_new(res->vars, "paths", json_string(""));
		res->status = STATUS_ABSENT;
		return 0;
	}
	c.denied = json_array();
	rc = judge_key(&c, k, path, need);
	nsub = json_is_array(subkeys) ? json_array_size(subkeys) : 1;
	for (i = 0; rc != -E_NOMEM && i < nsub; i++) {
		const char *name = json_is_array(subkeys) ?
			json_string_value(json_array_get(subkeys, i)) : sub_default[i];
		struct hkey *sub = NULL;
		char spath[800];
		struct err e;

		if (!name)
			continue;
		err_init(&e);
		snprintf(spath, sizeof(spath), "%s\\%s", path, name);
		if (hkey_subkey(k, name, &sub, &e) == 1) {
			rc = judge_key(&c, sub, spath, sub_need);
			hkey_free(sub);
		}
	}
	hkey_free(k);
	if (rc == -E_NOMEM) {
		json_decref(c.denied);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	{
		char joined[1024] = "";

		json_array_foreach(c.denied, i, v) {
			size_t l = strlen(joined);

			snprintf(joined + l, sizeof(joined) - l, "%s%s", i ? ", " : "", json_string_value(v));
		}
		json_object_set_new(res->vars, "paths", json_string(joined));
	}
	json_object_set_new(res->vars, "count", json_integer((json_int_t)json_array_size(c.denied)));
	rc = judge_verdict(res, json_array_size(c.denied) != 0, c.unreadable != 0, &c.first_error, err);
	json_decref(c.denied);
	return rc < 0 ? rc : 0;
}

static const struct param_def diag_params[] = {
	{ "key", PARAM_STRING, 0, "s" },
	{ "subkeys", PARAM_ARRAY, 0, "[s]" },
	{ "writer_token", PARAM_ARRAY, 0, "[t]" },
	{ "required_rights", PARAM_ARRAY, 0, "[s]" },
	{ "subkey_rights", PARAM_ARRAY, 0, "[s]" },
	{ NULL, 0, 0, NULL },
};

static const char *const vss_diag_acl_vars[] = { "key", "control_set", "paths", "count", "windows_dir", NULL };
const struct check_def check_def_vss_diag_acl = {
	"vss_diag_acl", diag_acl, diag_params, vss_diag_acl_vars, 0,
};
