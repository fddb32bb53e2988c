/* The registry findings with a safe automatic fix (issue 21), each a
 * change of one value or key descriptor, before and after:
 *   cause2                     Start = 4 set back to the rule's start
 *                              type; a DependOnService name whose
 *                              service does not exist removed (the rule
 *                              names no expected dependency list, and the
 *                              names that exist may be deliberate); a
 *                              missing Parameters\ServiceDll added with
 *                              the rule's service_dlls value when that DLL
 *                              is on the volume
 *   service-imagepath-invalid  ImagePath set to the finding's corrected
 *                              value when its binary is on the volume
 *   com-access-denied          SOFTWARE Microsoft\Ole's denying values set
 *                              to the finding's fixed_sddl (the missing
 *                              ACE appended, the rest kept)
 *   vss-access-control         each account not granted set to 1
 *                              (DOMAIN.md: VSS 8213's fix)
 *   vss-diag-key-acl           the Diag key's own descriptor (its sk
 *                              cell) given NETWORK SERVICE full control
 *                              (KB 2298620), appended to its DACL
 * What cannot be fixed that way stays with its manual fix (*rest). */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "fs.h"
#include "rules.h"
#include "sddl.h"
#include "secdesc.h"
#include "services.h"
#include "utf16.h"
#include "windir.h"

#define REG_SZ 1u
#define REG_EXPAND_SZ 2u
#define REG_BINARY 3u
#define REG_DWORD 4u
#define REG_MULTI_SZ 7u

static const char *const known[] = {
	"cause2", "service-imagepath-invalid", "com-access-denied", "vss-access-control",
	"vss-diag-key-acl", NULL,
};

int plan_registry_knows(const char *id)
{
	size_t i;

	for (i = 0; known[i]; i++)
		if (strcmp(known[i], id) == 0)
			return 1;
	return 0;
}

static int oom(struct err *err)
{
	return err_set(err, -E_NOMEM, "out of memory or too many changes");
}

/* texts (UTF-8, as the scan's JSON holds them) as UTF-16LE strings,
 * each NUL-terminated, plus a final NUL when multi (REG_MULTI_SZ);
 * malloc'd, NULL when out of memory or a text is not UTF-8 */
static uint8_t *utf16_strings(const char *const *texts, size_t n, int multi, uint32_t *len)
{
	size_t total = multi ? 2 : 0, i, o = 0;
	uint8_t *out;
	long k;

	for (i = 0; i < n; i++) {
		if ((k = utf8_to_utf16le(texts[i], strlen(texts[i]), NULL, 0)) < 0)
			return NULL;
		total += (size_t)k + 2;
	}
	out = calloc(1, total ? total : 1);
	if (!out)
		return NULL;
	for (i = 0; i < n; i++) {
		o += (size_t)utf8_to_utf16le(texts[i], strlen(texts[i]), out + o, total - o);
		o += 2;
	}
	*len = (uint32_t)total;
	return out;
}

/* a value change with its data, before and after (copied); NULL said */
static struct change *value_change(struct plan *p, const char *cause, enum repair_hive hive,
				   const char *key, const char *value, uint8_t *data,
				   uint32_t len, const char *before, const char *after,
				   struct err *err)
{
	struct change *c = data ? change_add_at(p, cause, hive, CHANGE_VALUE, key, value) : NULL;

	if (!c) {
		free(data);
		oom(err);
		return NULL;
	}
	c->data = data;
	c->len = len;
	c->before = strdup(before);
	c->after = strdup(after);
	fixing_add(p, cause);
	return c;
}

/* the file of path (an ImagePath or ServiceDll value, as the scan's
 * services check resolves it: quotes, arguments, variables, \SystemRoot\
 * and \??\ prefixes, another volume of the image by its drive letter)
 * exists */
static int binary_exists(struct scan *s, const char *path)
{
	struct svc_bin bin;
	struct err e;

	err_init(&e);
	return svc_bin_check_scan(&s->ev, path, &bin, &e) == 0 && bin.state == SVC_BIN_FOUND;
}

/* ---- cause2 -------------------------------------------------------------- */

static int start_code(const char *name)
{
	static const char *const names[] = { "boot", "system", "auto", "demand", "disabled" };
	int i;

	for (i = 0; i < 5; i++)
		if (name && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

/* the evidence entry of a service that does not exist (by name), or NULL */
static json_t *missing_service(const struct result *res, const char *name)
{
	json_t *ev;
	size_t k;

	json_array_foreach(res->evidence, k, ev) {
		const char *svc = json_string_value(json_object_get(ev, "service"));

		if (svc && strcasecmp(svc, name) == 0 && json_is_false(json_object_get(ev, "exists")))
			return ev;
	}
	return NULL;
}

static int plan_start(struct plan *p, const struct result *res, const char *svc, json_t *ev,
		      struct err *err)
{
	json_t *types = res->rule ? json_object_get(res->rule->params, "start_types") : NULL;
	int want = start_code(json_string_value(json_object_get(types, svc)));
	char buf[32], key[LIMIT_PATH_LEN];
	struct change *c;
	uint8_t *d;

	if (!json_is_integer(json_object_get(ev, "start")) ||
	    json_integer_value(json_object_get(ev, "start")) != 4 || want < 0)
		return 0;
	d = malloc(4);
	if (d)
		put_le32(d, (uint32_t)want);
	snprintf(buf, sizeof(buf), "%d (%s)", want, json_string_value(json_object_get(types, svc)));
	snprintf(key, sizeof(key), "%s\\Services\\%s", p->control_set, svc);
	c = value_change(p, "cause2", HIVE_SYSTEM, key, "Start", d, 4, "4 (disabled)", buf, err);
	if (!c)
		return -1;
	snprintf(c->service, sizeof(c->service), "%s", svc);
	return 1;
}

/* DependOnService without the names of services that do not exist;
 * *removed how many */
static int plan_depends(struct plan *p, const struct result *res, const char *svc, json_t *ev,
			size_t *removed, struct err *err)
{
	json_t *deps = json_object_get(ev, "depend_on_service"), *d;
	const char *keep[LIMIT_SVC_DEPENDS + 1];
	char before[1024] = "", after[1024] = "", key[LIMIT_PATH_LEN];
	size_t k, nkeep = 0;
	uint8_t *data;
	uint32_t len = 0;
	struct change *c;

	*removed = 0;
	if (json_array_size(deps) > LIMIT_SVC_DEPENDS)
		return 0;
	json_array_foreach(deps, k, d) {
		const char *name = json_string_value(d);

		if (!name)
			return 0;
		snprintf(before + strlen(before), sizeof(before) - strlen(before), "%s%s",
			 k ? " " : "", name);
		if (missing_service(res, name)) {
			(*removed)++;
			continue;
		}
		snprintf(after + strlen(after), sizeof(after) - strlen(after), "%s%s",
			 nkeep ? " " : "", name);
		keep[nkeep++] = name;
	}
	if (!*removed)
		return 0;
	data = utf16_strings(keep, nkeep, 1, &len);
	snprintf(key, sizeof(key), "%s\\Services\\%s", p->control_set, svc);
	c = value_change(p, "cause2", HIVE_SYSTEM, key, "DependOnService", data, len, before,
			 nkeep ? after : "(none)", err);
	if (!c)
		return -1;
	snprintf(c->service, sizeof(c->service), "%s", svc);
	return 1;
}

/* Parameters\ServiceDll added from the rule's service_dlls when that DLL
 * is on the volume */
static int plan_servicedll(struct scan *s, struct plan *p, const struct result *res,
			   const char *svc, struct err *err)
{
	json_t *dlls = res->rule ? json_object_get(res->rule->params, "service_dlls") : NULL;
	const char *dll = json_string_value(json_object_get(dlls, svc));
	char key[LIMIT_PATH_LEN];
	uint8_t *data;
	uint32_t len = 0;
	struct change *c;

	if (!dll || !binary_exists(s, dll))
		return 0;
	data = utf16_strings(&dll, 1, 0, &len);
	snprintf(key, sizeof(key), "%s\\Services\\%s\\Parameters", p->control_set, svc);
	c = value_change(p, "cause2", HIVE_SYSTEM, key, "ServiceDll", data, len, "(absent)", dll, err);
	if (!c)
		return -1;
	c->create = 1;
	c->type = REG_EXPAND_SZ;
	snprintf(c->service, sizeof(c->service), "%s", svc);
	return 1;
}

/* Each broken service's problems this plan fixes; *rest when any is left
 * (a dependency that cannot run for a reason fixed here counts as fixed). */
static int plan_cause2(struct scan *s, struct plan *p, const struct result *res, int *rest,
		       struct err *err)
{
	json_t *ev, *pr;
	size_t k, i;
	int handled = 0;

	json_array_foreach(res->evidence, k, ev) {
		const char *svc = json_string_value(json_object_get(ev, "service"));
		json_t *problems = json_object_get(ev, "problems");
		size_t removed = 0, fixed = 0;
		int rc;

		if (!svc || !problems)
			continue;
		if (json_is_false(json_object_get(ev, "exists")))
			continue;                /* judged through who depends on it */
		rc = plan_start(p, res, svc, ev, err);
		if (rc < 0 || (fixed += (size_t)rc, rc = plan_depends(p, res, svc, ev, &removed, err)) < 0)
			return -1;
		fixed += removed;
		json_array_foreach(problems, i, pr) {
			const char *t = json_string_value(pr);

			if (t && strstr(t, "has no Parameters\\ServiceDll")) {
				rc = plan_servicedll(s, p, res, svc, err);
				if (rc < 0)
					return -1;
				fixed += (size_t)rc;
			} else if (t && strncmp(t, "depends on ", 11) == 0 &&
				   strstr(t, "cannot run (Start = 4 (disabled))")) {
				fixed++;         /* the dependency's own Start is set back */
			}
		}
		if (fixed < json_array_size(problems))
			*rest = 1;
		handled |= fixed > 0;
	}
	json_array_foreach(res->evidence, k, ev) {
		const char *svc = json_string_value(json_object_get(ev, "service"));
		json_t *params = res->rule ? json_object_get(res->rule->params, "services") : NULL, *n;

		if (!svc || !json_is_false(json_object_get(ev, "exists")))
			continue;
		json_array_foreach(params, i, n)   /* one of the writer's own: manual */
			if (json_string_value(n) && strcasecmp(json_string_value(n), svc) == 0)
				*rest = 1;
	}
	return handled;
}

/* ---- service-imagepath-invalid -------------------------------------------- */

static int plan_imagepath(struct scan *s, struct plan *p, const struct result *res, int *rest,
			  struct err *err)
{
	json_t *ev;
	size_t k;
	int handled = 0;

	json_array_foreach(res->evidence, k, ev) {
		const char *svc = json_string_value(json_object_get(ev, "service"));
		const char *path = json_string_value(json_object_get(ev, "path"));
		const char *data = json_string_value(json_object_get(ev, "data"));
		const char *fixed = json_string_value(json_object_get(ev, "corrected"));
		const char *value = json_string_value(json_object_get(ev, "value"));
		struct change *c;
		uint8_t *bin;
		uint32_t len = 0;

		if (!svc || !value || strcmp(value, "ImagePath") != 0)
			continue;
		if (!path || !data || !fixed || !binary_exists(s, fixed)) {
			*rest = 1;
			continue;
		}
		bin = utf16_strings(&fixed, 1, 0, &len);
		c = value_change(p, "service-imagepath-invalid", HIVE_SYSTEM, path, "ImagePath", bin,
				 len, data, fixed, err);
		if (!c)
			return -1;
		snprintf(c->service, sizeof(c->service), "%s", svc);
		handled = 1;
	}
	return handled;
}

/* ---- com-access-denied, vss-access-control --------------------------------- */

static int plan_comsec(struct plan *p, const struct result *res, int *rest, struct err *err)
{
	json_t *ev;
	size_t k;
	int handled = 0;

	json_array_foreach(res->evidence, k, ev) {
		const char *path = json_string_value(json_object_get(ev, "path"));
		const char *value = json_string_value(json_object_get(ev, "value"));
		const char *verdict = json_string_value(json_object_get(ev, "verdict"));
		const char *fixed = json_string_value(json_object_get(ev, "fixed_sddl"));
		const char *sddl = json_string_value(json_object_get(ev, "sddl"));
		uint8_t *bin = NULL;
		size_t len = 0;
		struct change *c;

		const char *note = json_string_value(json_object_get(ev, "note"));
		int absent = json_is_false(json_object_get(ev, "exists"));

		if (!path || !value || !verdict || strcmp(verdict, "ok") == 0)
			continue;
		/* a note says why the value is not the one to set (Group
		 * Policy's wins), except for an absent value: Windows' default
		 * applies, and the value is created as it with the ACE added */
		if (!fixed || (note && !(absent && strncmp(note, "absent:", 7) == 0)) ||
		    sddl_binary(fixed, &bin, &len, err) < 0) {
			*rest = 1;       /* a deny ACE to remove, or undecodable */
			continue;
		}
		c = value_change(p, "com-access-denied", HIVE_SOFTWARE, path, value, bin,
				 (uint32_t)len, sddl ? sddl : "(absent)", fixed, err);
		if (!c)
			return -1;
		if (absent) {
			c->create = 1;
			c->type = REG_BINARY;
		}
		handled = 1;
	}
	return handled;
}

static int plan_vssacl(struct plan *p, const struct result *res, int *rest, struct err *err)
{
	json_t *ev, *acct;
	size_t k, i;
	int handled = 0;

	json_array_foreach(res->evidence, k, ev) {
		const char *path = json_string_value(json_object_get(ev, "path"));
		json_t *values = json_object_get(ev, "values");
		const char *kind = json_string_value(json_object_get(ev, "kind"));

		if (!kind || strcmp(kind, "registry") != 0)
			continue;                /* the events that show it */
		if (!path || !json_is_true(json_object_get(ev, "exists"))) {
			*rest = 1;
			continue;
		}
		json_array_foreach(json_object_get(ev, "not_granted"), i, acct) {
			const char *name = json_string_value(acct);
			json_t *cur = json_object_get(values, name ? name : "");
			uint8_t *d = malloc(4);
			char before[32];
			struct change *c;

			if (!name || strlen(name) >= sizeof(p->c[0].value) ||
			    (cur && !json_is_integer(cur))) {
				free(d);
				*rest = 1;
				continue;
			}
			if (d)
				put_le32(d, 1);
			snprintf(before, sizeof(before), cur ? "%lld" : "(absent)",
				 cur ? (long long)json_integer_value(cur) : 0LL);
			c = value_change(p, "vss-access-control", HIVE_SYSTEM, path, name, d, 4,
					 before, "1", err);
			if (!c)
				return -1;
			c->create = !cur;
			c->type = REG_DWORD;
			handled = 1;
		}
	}
	return handled;
}

/* ---- vss-diag-key-acl -------------------------------------------------------- */

/* sddl with an ACE (one of "D:(...)") appended to its DACL, as a
 * self-relative descriptor and as SDDL (both malloc'd) */
static int sd_with_ace(const char *sddl, const char *ace_sddl, uint8_t **bin, size_t *len,
		       char **text, struct err *err)
{
	struct secdesc sd, one;
	int rc = -1;

	memset(&sd, 0, sizeof(sd));
	memset(&one, 0, sizeof(one));
	if (sddl_decode(sddl, &sd, NULL, err) < 0 || sddl_decode(ace_sddl, &one, NULL, err) < 0 ||
	    one.dacl.count != 1)
		goto out;
	if (!sd.has_dacl) {
		sd.has_dacl = 1;
		sd.dacl.revision = 2;
	}
	sd.control |= SE_DACL_PRESENT;
	if (acl_append(&sd.dacl, &one.dacl.aces[0], err) < 0 ||
	    secdesc_encode(&sd, bin, len, err) < 0 ||
	    sddl_encode(&sd, SDDL_RIGHTS_SERVICE, text, err) < 0)
		goto out;
	rc = 0;
out:
	secdesc_release(&sd);
	secdesc_release(&one);
	return rc;
}

static int plan_diagacl(struct plan *p, const struct result *res, int *rest, struct err *err)
{
	json_t *ev;
	size_t k;
	int handled = 0;

	json_array_foreach(res->evidence, k, ev) {
		const char *path = json_string_value(json_object_get(ev, "path"));
		const char *verdict = json_string_value(json_object_get(ev, "verdict"));
		const char *sddl = json_string_value(json_object_get(ev, "sddl"));
		uint8_t *bin = NULL;
		size_t len = 0;
		char *after = NULL;
		struct change *c;

		if (!path || !verdict || strcmp(verdict, "ok") == 0)
			continue;
		if (strcmp(verdict, "denied") != 0 || !sddl ||
		    sd_with_ace(sddl, "D:(A;;KA;;;NS)", &bin, &len, &after, err) < 0) {
			*rest = 1;
			continue;
		}
		c = change_add_at(p, "vss-diag-key-acl", HIVE_SYSTEM, CHANGE_KEY_SD, path,
				  "key security descriptor");
		if (!c) {
			free(bin);
			free(after);
			return oom(err);
		}
		c->data = bin;
		c->len = (uint32_t)len;
		c->before = strdup(sddl);
		c->after = after;
		fixing_add(p, "vss-diag-key-acl");
		handled = 1;
	}
	return handled;
}

int plan_registry(struct scan *s, struct plan *p, const struct result *res, const char *id,
		  int *rest, struct err *err)
{
	if (strcmp(id, "cause2") == 0)
		return plan_cause2(s, p, res, rest, err);
	if (strcmp(id, "service-imagepath-invalid") == 0)
		return plan_imagepath(s, p, res, rest, err);
	if (strcmp(id, "com-access-denied") == 0)
		return plan_comsec(p, res, rest, err);
	if (strcmp(id, "vss-access-control") == 0)
		return plan_vssacl(p, res, rest, err);
	return plan_diagacl(p, res, rest, err);
}
