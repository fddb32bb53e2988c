/* Drift against a golden-image baseline (issue 7): every difference in the
 * state that can break the System Writer is a failure, the rest is
 * information.  Judged semantically: a descriptor change fails only when
 * it takes rights away from the writer's token (or SYSTEM/Administrators on
 * a service the writer needs). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "baseline.h"
#include "checks.h"
#include "sddl.h"
#include "secdesc.h"
#include "svcpath.h"
#include "svcsid.h"

struct drift {
	json_t *items;          /* evidence */
	json_t *fix_path, *fix_before;
	unsigned failures, infos;
	struct token writer;
	const struct rule *r;
};

/* Record one difference; takes the references to before and after. */
static void add(struct drift *d, const char *path, json_t *before, json_t *after,
		int failure, const char *why)
{
	json_t *o = json_object();

	json_object_set_new(o, "kind", json_string("drift"));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "severity", json_string(failure ? "failure" : "info"));
	json_object_set_new(o, "before", before ? before : json_null());
	json_object_set_new(o, "after", after ? after : json_null());
	json_object_set_new(o, "why", json_string(why));
	/* failures first, then information, each in the state's order */
	if (failure) {
		size_t k = 0;

		while (k < json_array_size(d->items) &&
		       !strcmp(json_string_value(json_object_get(json_array_get(d->items, k), "severity")), "failure"))
			k++;
		json_array_insert_new(d->items, k, o);
		json_array_append_new(d->fix_path, json_string(path));
		json_array_append(d->fix_before, json_object_get(o, "before"));
		d->failures++;
	} else {
		json_array_append_new(d->items, o);
		d->infos++;
	}
}

static int str_in(json_t *arr, const char *s)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcasecmp(json_string_value(v), s) == 0)
			return 1;
	return 0;
}

/* Rights of t on sddl (NULL = the SCM default for services, or nothing). */
static uint32_t rights(const char *sddl, const struct token *t, enum access_object obj,
		       const char *def)
{
	struct secdesc sd;
	struct err e;
	uint32_t m = 0;

	if (!sddl)
		sddl = def;
	if (!sddl)
		return 0;
	memset(&sd, 0, sizeof(sd));
	err_init(&e);
	if (sddl_decode(sddl, &sd, NULL, &e) == 0)
		m = access_effective(&sd, t, obj);
	secdesc_release(&sd);
	return m;
}

static void token_of(struct token *t, const char *alias)
{
	struct err e;

	memset(t, 0, sizeof(*t));
	err_init(&e);
	token_add(t, alias, &e);
}

#define SVC_NEED (SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS | ACCESS_READ_CONTROL)

/* The problems of service svc's ImagePath the System Writer cannot parse
 * (service-imagepath-invalid) into why; 0 when none (or none known). */
static unsigned imagepath_problems(json_t *svc, char *why, size_t size)
{
	const char *ip = json_string_value(json_object_get(svc, "image_path"));
	json_int_t type = json_integer_value(json_object_get(svc, "type"));
	struct svcpath_check chk;
	struct err e;

	why[0] = '\0';
	err_init(&e);
	if (!ip || svcpath_check(ip, (type & 0x3) != 0, &chk, &e) < 0 || !chk.problems)
		return 0;
	svcpath_problem_names(chk.problems, why, size);
	return chk.problems;
}

static void judge_service(struct drift *d, const char *name, json_t *b, json_t *a)
{
	const char *def = rule_param_str(d->r, "scm_default_sddl", NULL);
	int needed = str_in(rule_param(d->r, "needed_services"), name);
	char path[512];
	const char *k;
	json_t *vb, *va;

	if (!a) {
		snprintf(path, sizeof(path), "services\\%s", name);
		add(d, path, json_string("present"), NULL, needed,
		    needed ? "a service the System Writer needs was removed" : "service removed");
		return;
	}
	if (!b) {
		const char *sddl = json_string_value(json_object_get(a, "sddl"));
		uint32_t w = rights(sddl, &d->writer, ACCESS_SERVICE, def);
		char probs[128], why[256];

		snprintf(path, sizeof(path), "services\\%s", name);
		if (imagepath_problems(a, probs, sizeof(probs))) {
			snprintf(why, sizeof(why), "a new service whose ImagePath the System Writer cannot parse: %s "
				 "(service-imagepath-invalid)", probs);
			add(d, path, NULL, json_string("added"), 1, why);
			return;
		}
		add(d, path, NULL, json_string("added"), (w & SVC_NEED) != SVC_NEED,
		    (w & SVC_NEED) != SVC_NEED ? "a new service whose descriptor locks the System Writer out"
					       : "a new service the System Writer can read");
		return;
	}
	json_object_foreach(a, k, va) {
		vb = json_object_get(b, k);
		if (vb && json_equal(vb, va))
			continue;
		snprintf(path, sizeof(path), "services\\%s\\%s", name, k);
		if (strcmp(k, "sddl") == 0) {
			const char *sb = json_string_value(vb), *sa = json_string_value(va);
			uint32_t wb = rights(sb, &d->writer, ACCESS_SERVICE, def);
			uint32_t wa = rights(sa, &d->writer, ACCESS_SERVICE, def);
			struct token sy, ba;
			int lost_admin = 0;

			token_of(&sy, "SY");
			token_of(&ba, "BA");
			if (needed) {
				uint32_t need_sy = SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS |
						   SERVICE_START | SERVICE_STOP;

				lost_admin = ((rights(sb, &sy, ACCESS_SERVICE, def) & need_sy) == need_sy &&
					      (rights(sa, &sy, ACCESS_SERVICE, def) & need_sy) != need_sy) ||
					     ((rights(sb, &ba, ACCESS_SERVICE, def) & SERVICE_ALL_ACCESS) == SERVICE_ALL_ACCESS &&
					      (rights(sa, &ba, ACCESS_SERVICE, def) & SERVICE_ALL_ACCESS) != SERVICE_ALL_ACCESS);
			}
			if ((wb & SVC_NEED) == SVC_NEED && (wa & SVC_NEED) != SVC_NEED)
				add(d, path, json_incref(vb), json_incref(va), 1, "the descriptor no longer lets the System Writer query the service");
			else if (lost_admin)
				add(d, path, json_incref(vb), json_incref(va), 1, "SYSTEM or Administrators lost rights on a service the writer needs");
			else
				add(d, path, json_incref(vb), json_incref(va), 0, "descriptor changed; the System Writer can still query the service");
		} else if (strcmp(k, "start") == 0) {
			int disabled = json_is_integer(va) && json_integer_value(va) == 4;

			add(d, path, json_incref(vb), json_incref(va), needed && disabled,
			    needed && disabled ? "a service the System Writer needs was disabled" : "start type changed");
		} else if (strcmp(k, "image_path") == 0) {
			char probs[128], why[256];

			if (imagepath_problems(a, probs, sizeof(probs)) && !imagepath_problems(b, why, sizeof(why))) {
				snprintf(why, sizeof(why), "the System Writer cannot parse the new ImagePath: %s "
					 "(service-imagepath-invalid)", probs);
				add(d, path, json_incref(vb), json_incref(va), 1, why);
			} else {
				add(d, path, json_incref(vb), json_incref(va), 0, "changed");
			}
		} else if (strcmp(k, "object_name") == 0 && needed) {
			add(d, path, json_incref(vb), json_incref(va), 1, "a service the System Writer needs runs under another account");
		} else {
			add(d, path, json_incref(vb), json_incref(va), 0, "changed");
		}
	}
	json_object_foreach(b, k, vb) {
		if (json_object_get(a, k))
			continue;
		snprintf(path, sizeof(path), "services\\%s\\%s", name, k);
		add(d, path, json_incref(vb), NULL, 0, "value removed");
	}
}

static void judge_winsxs(struct drift *d, const char *path, json_t *b, json_t *a)
{
	enum access_object obj = strstr(path, "PendingRenames") ? ACCESS_FILE : ACCESS_DIRECTORY;
	uint32_t need = obj == ACCESS_FILE ? (FILE_READ_DATA | FILE_READ_ATTRIBUTES)
					   : (FILE_READ_DATA | FILE_EXECUTE);
	char p[600];

	snprintf(p, sizeof(p), "winsxs\\%s", path);
	if (json_is_object(a) || json_is_object(b)) {
		/* FileMaps\*: descriptor -> number of files */
		const char *k;
		json_t *v;

		json_object_foreach(a, k, v) {
			if (json_is_object(b) && json_object_get(b, k))
				continue;
			if ((rights(k, &d->writer, ACCESS_FILE, NULL) & (FILE_READ_DATA | FILE_READ_ATTRIBUTES)) !=
			    (FILE_READ_DATA | FILE_READ_ATTRIBUTES))
				add(d, p, NULL, json_pack("{s:s, s:O}", "sddl", k, "files", v), 1,
				    "FileMaps files with a descriptor that denies the System Writer");
			else
				add(d, p, NULL, json_pack("{s:s, s:O}", "sddl", k, "files", v), 0,
				    "FileMaps files with a new descriptor the System Writer can read");
		}
		return;
	}
	{
		uint32_t wb = rights(json_string_value(b), &d->writer, obj, NULL);
		uint32_t wa = rights(json_string_value(a), &d->writer, obj, NULL);

		if ((wb & need) == need && (wa & need) != need)
			add(d, p, json_incref(b), json_incref(a), 1, "the System Writer can no longer read it");
		else
			add(d, p, json_incref(b), json_incref(a), 0, "descriptor changed; the System Writer can still read it");
	}
}

/* Issue 18's state: a change that takes from the writer what the
 * findings check (vss-diag-key-acl, com-access-denied, profile-junction)
 * fails; any other change is information. */
static int newer_section(const char *sec)
{
	return strcmp(sec, "vss_diag") == 0 || strcmp(sec, "com_security") == 0 ||
	       strcmp(sec, "profile_folders") == 0;
}

static void judge_newer(struct drift *d, const char *sec, const char *k, json_t *vb, json_t *va)
{
	char path[600];
	int lost = 0;
	const char *why = "changed";

	snprintf(path, sizeof(path), "%s\\%s", sec, k);
	if (strcmp(sec, "vss_diag") == 0) {
		/* the writer's token writes to Diag and its subkeys */
		uint32_t need = strchr(k + strlen("Services\\VSS\\Diag"), '\\') ?
			(KEY_QUERY_VALUE | KEY_SET_VALUE) :
			(KEY_QUERY_VALUE | KEY_SET_VALUE | KEY_CREATE_SUB_KEY | KEY_ENUMERATE_SUB_KEYS);
		int had = json_is_string(vb) &&
			  (rights(json_string_value(vb), &d->writer, ACCESS_KEY, NULL) & need) == need;

		lost = had && !(json_is_string(va) &&
				(rights(json_string_value(va), &d->writer, ACCESS_KEY, NULL) & need) == need);
		why = lost ? "the System Writer's token can no longer write to this key (vss-diag-key-acl)"
			   : "key descriptor changed; the System Writer can still write there";
	} else if (strcmp(sec, "com_security") == 0) {
		/* the writer's local calls (and launches): its token is
		 * NETWORK SERVICE with Everyone, Users, Authenticated Users */
		uint32_t need = COM_RIGHTS_EXECUTE | COM_RIGHTS_EXECUTE_LOCAL |
				(strstr(k, "Launch") ? COM_RIGHTS_ACTIVATE_LOCAL : 0);
		const struct token *ns = &d->writer;
		/* absent: Windows' built-in default, which admits NETWORK SERVICE
		 * for the limits; compared only between two descriptors */
		if (json_is_string(vb) && json_is_string(va) && !strstr(k, "Default"))
			lost = (rights(json_string_value(vb), ns, ACCESS_COM, NULL) & need) == need &&
			       (rights(json_string_value(va), ns, ACCESS_COM, NULL) & need) != need;
		else if (!vb && json_is_string(va) && strstr(k, "Restriction"))
			lost = (rights(json_string_value(va), ns, ACCESS_COM, NULL) & need) != need;
		why = lost ? "the System Writer's token (NETWORK SERVICE) lost local COM access (com-access-denied)" : "COM permission changed";
	} else {
		lost = json_is_string(vb) && strcmp(json_string_value(vb), "folder") == 0 &&
		       !(json_is_string(va) && strcmp(json_string_value(va), "folder") == 0);
		why = lost ? "a profile folder became a link (profile-junction)" : "changed";
	}
	add(d, path, json_incref(vb), json_incref(va), lost, why);
}

static void judge_section(struct drift *d, const char *sec, json_t *b, json_t *a)
{
	long long margin = rule_param_int(d->r, "folder_margin", 100);
	long long limit = rule_param_int(d->r, "limit", 1000);
	const char *k;
	json_t *va, *vb;
	char path[600];

	if (d->r && d->r->id && strcmp(sec, "services") == 0) {
		json_object_foreach(a, k, va)
			if (!json_equal(json_object_get(b, k), va))
				judge_service(d, k, json_object_get(b, k), va);
		json_object_foreach(b, k, vb)
			if (!json_object_get(a, k))
				judge_service(d, k, vb, NULL);
		return;
	}
	/* a baseline written before these sections existed lacks them */
	if (newer_section(sec) && !b)
		return;
	if (newer_section(sec) && json_is_object(a) && json_is_object(b)) {
		json_object_foreach(a, k, va)
			if (!json_equal(json_object_get(b, k), va))
				judge_newer(d, sec, k, json_object_get(b, k), va);
		json_object_foreach(b, k, vb)
			if (!json_object_get(a, k))
				judge_newer(d, sec, k, vb, NULL);
		return;
	}
	if (!json_is_object(a) || !json_is_object(b)) {
		if (!json_equal(a, b))
			add(d, sec, json_incref(b), json_incref(a), 0, "changed");
		return;
	}
	json_object_foreach(a, k, va) {
		vb = json_object_get(b, k);
		if (vb && json_equal(vb, va))
			continue;
		snprintf(path, sizeof(path), "%s\\%s", sec, k);
		if (strcmp(sec, "winsxs") == 0) {
			judge_winsxs(d, k, vb, va);
		} else if (strcmp(sec, "framework") == 0) {
			long long before = json_integer_value(vb), after = json_integer_value(va);

			if (after >= limit)
				add(d, path, json_incref(vb), json_incref(va), 1, "the folder count reached the System Writer's limit");
			else if (after - before > margin)
				add(d, path, json_incref(vb), json_incref(va), 1, "the folder count grew past the margin");
			else
				add(d, path, json_incref(vb), json_incref(va), 0, "folder count changed within the margin");
		} else if (strcmp(sec, "vss_access_control") == 0) {
			int lost = json_is_integer(vb) && json_integer_value(vb) == 1 &&
				   !(json_is_integer(va) && json_integer_value(va) == 1);

			add(d, path, json_incref(vb), json_incref(va), lost, lost ? "VSS no longer admits this account" : "changed");
		} else {
			add(d, path, json_incref(vb), json_incref(va), 0, "changed");
		}
	}
	json_object_foreach(b, k, vb) {
		if (json_object_get(a, k))
			continue;
		snprintf(path, sizeof(path), "%s\\%s", sec, k);
		add(d, path, json_incref(vb), NULL, strcmp(sec, "vss_access_control") == 0 &&
		    json_is_integer(vb) && json_integer_value(vb) == 1,
		    "no longer present");
	}
}

static int baseline_drift(const struct evidence *ev, const struct rule *r, struct result *res,
			  struct err *err)
{
	struct drift d;
	json_t *base, *cur = NULL, *bs, *cs;
	const char *k;
	json_t *v;
	size_t i;

	if (!ev->baseline)
		return CHECK_NOT_APPLICABLE;
	if (evidence_baseline(ev, &base, err) < 0)
		return err->code;
	if (baseline_collect(ev, &cur, err) < 0)
		return err->code;
	memset(&d, 0, sizeof(d));
	d.r = r;
	d.items = json_array();
	d.fix_path = json_array();
	d.fix_before = json_array();
	json_array_foreach(rule_param(r, "writer_token"), i, v) {
		const char *sid = json_string_value(v);

		if (!sid)
			continue;                    /* the loader refuses it */
		if (strncmp(sid, "service:", 8) == 0) {
			struct sid svc;

			if (svcsid_from_name(sid + 8, &svc, err) == 0)
				token_add_sid(&d.writer, &svc, err);
		} else {
			token_add(&d.writer, sid, err);
		}
	}
	err_init(err);
	bs = json_object_get(base, "state");
	cs = json_object_get(cur, "state");
	json_object_foreach(cs, k, v) {
		/* a section this scan could not read is not a change */
		if (json_array_size(json_object_get(cur, "unreadable")) &&
		    str_in(json_object_get(cur, "unreadable"), k))
			continue;
		judge_section(&d, k, json_object_get(bs, k), v);
	}
	json_object_foreach(bs, k, v)
		if (!json_object_get(cs, k) && !str_in(json_object_get(cur, "unreadable"), k))
			judge_section(&d, k, v, NULL);
	{
		/* keys a baseline written before they existed lacks (the
		 * Windows directory, issue 17) are not a change */
		static const char *const newer[] = { "system_root", "windows_dir", "drive_letters", "system_root_from" };
		json_t *bw = json_object_get(base, "windows");
		json_t *cw = json_copy(json_object_get(cur, "windows"));
		size_t j;

		for (j = 0; cw && j < sizeof(newer) / sizeof(newer[0]); j++)
			if (!json_object_get(bw, newer[j]))
				json_object_del(cw, newer[j]);
		if (!json_equal(bw, cw))
			add(&d, "windows", json_incref(bw),
			    json_incref(json_object_get(cur, "windows")), 0,
			    "Windows version, control set or folder changed");
		json_decref(cw);
	}
	if (json_array_size(json_object_get(cur, "unreadable"))) {
		char *u = json_dumps(json_object_get(cur, "unreadable"), JSON_COMPACT);

		evidence_warn(ev, "baseline: could not compare %s", u ? u : "some sections");
		free(u);
	}
	json_array_extend(res->evidence, d.items);
	res->status = d.failures ? STATUS_PRESENT : STATUS_ABSENT;
	json_object_set_new(res->vars, "failures", json_integer(d.failures));
	json_object_set_new(res->vars, "infos", json_integer(d.infos));
	json_object_set_new(res->vars, "baseline", json_string(ev->baseline));
	json_object_set_new(res->vars, "path", d.fix_path);
	json_object_set_new(res->vars, "before", d.fix_before);
	json_decref(d.items);
	json_decref(cur);
	return 0;
}

static const struct param_def drift_params[] = {
	{ "writer_token", PARAM_ARRAY, 1, "[t]" },
	{ "needed_services", PARAM_ARRAY, 1, "[s]" },
	{ "scm_default_sddl", PARAM_STRING, 1, "d" },
	{ "folder_margin", PARAM_INT, 0, "i" },
	{ "limit", PARAM_INT, 0, "i" },
	{ NULL, 0, 0, NULL },
};

static const char *const baseline_drift_vars[] = { "failures", "infos", "baseline", "path", "before", NULL };
const struct check_def check_def_baseline_drift = {
	"baseline_drift", baseline_drift, drift_params, baseline_drift_vars, 0,
};
