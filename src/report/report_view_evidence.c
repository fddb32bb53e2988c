/* The view of a scan (report_view.h): the evidence tables, a builder per
 * evidence kind; an unknown kind falls back to key/value rows. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_view_priv.h"
#include "rules.h"
#include "sddl.h"

/* ---- evidence kinds ----------------------------------------------------- */

static void ev_file(struct vb *b, json_t *e)
{
	const char *path = vw_js(e, "path") ? vw_js(e, "path") : "?";
	const char *obj = vw_js(e, "object"), *verdict = vw_js(e, "verdict");
	enum access_object ao = obj && !strcmp(obj, "folder") ? ACCESS_DIRECTORY : ACCESS_FILE;
	json_t *eff = json_object_get(e, "effective");
	struct sbuf cap = { 0 };
	struct vtable *t;
	char *c, w[512];
	static const char *const skip[] = {
		"path", "object", "verdict", "owner", "owner_name", "effective", "needs",
		"missing", "sddl", NULL,
	};

	sb_add(&cap, path);
	if (obj || verdict)
		sb_addf(&cap, ": %s%s%s", obj ? obj : "", obj && verdict ? ", " : "",
			verdict ? verdict : "");
	c = sb_take(&cap);
	if (!c) {
		b->oom = 1;
		return;
	}
	t = vw_vt_new(b, c, 2, NULL);
	free(c);
	if (vw_js(e, "owner") || vw_js(e, "owner_name")) {
		char o[512];

		snprintf(o, sizeof(o), "%s%s%s%s", vw_js(e, "owner_name") ? vw_js(e, "owner_name") : "",
			 vw_js(e, "owner_name") ? " (" : "", vw_js(e, "owner") ? vw_js(e, "owner") : "",
			 vw_js(e, "owner_name") ? ")" : "");
		vw_vt_kv(b, t, "owner", o);
	}
	if (vw_js(eff, "writer")) {
		view_rights_words(vw_js(eff, "writer"), w, sizeof(w));
		vw_vt_kvm(b, t, vw_js(e, "missing") ? VMARK_BAD : VMARK_NONE, "the writer's token has", w);
	}
	if (vw_js(e, "needs")) {
		view_rights_words(vw_js(e, "needs"), w, sizeof(w));
		vw_vt_kv(b, t, "it needs", w);
	}
	if (vw_js(e, "missing")) {
		view_rights_words(vw_js(e, "missing"), w, sizeof(w));
		vw_vt_kvm(b, t, VMARK_BAD, "it lacks", w);
	}
	if (vw_js(eff, "system")) {
		view_rights_words(vw_js(eff, "system"), w, sizeof(w));
		vw_vt_kv(b, t, "SYSTEM has", w);
	}
	if (json_object_get(e, "sddl"))
		vw_vt_kv(b, t, "SDDL", vw_js(e, "sddl") ? vw_js(e, "sddl") : "(none)");
	vw_rows_generic(b, t, e, skip);
	if (vw_js(e, "sddl")) {
		char acl[512];

		snprintf(acl, sizeof(acl), "%s: access control list", vw_basename_of(path));
		vw_table_acl(b, acl, vw_js(e, "sddl"), ao);
	}
}

/* A service descriptor (cause 3, service-sd-blocks-writer). */
static void ev_service_sd(struct vb *b, json_t *e)
{
	/* a service's, or a registry key's or value's (vss-diag-key-acl,
	 * com-access-denied): named by the service, the value or the key */
	const char *svc = vw_js(e, "service") ? vw_js(e, "service") : vw_js(e, "value") ? vw_js(e, "value") :
			  vw_js(e, "path") ? vw_basename_of(vw_js(e, "path")) : "?";
	const char *what = vw_js(e, "service") ? "service descriptor" : "descriptor";
	const char *sddl = vw_js(e, "sddl"), *exp = vw_js(e, "expected"), *fixed = vw_js(e, "fixed_sddl");
	struct vtable *t;
	char cap[512];
	static const char *const skip[] = {
		"service", "sddl", "expected", "fixed_sddl", "diff", "effective", "lacking", NULL,
	};

	snprintf(cap, sizeof(cap), "%s: %s (%s)", svc, what, vw_js(e, "path") ? vw_js(e, "path") : "");
	t = vw_vt_new(b, cap, 2, NULL);
	vw_vt_kv(b, t, "SDDL", sddl ? sddl : "(no Security value)");
	if (exp)
		vw_vt_kv(b, t, "expected", exp);
	if (fixed)
		vw_vt_kv(b, t, "with the fix", fixed);
	vw_rows_generic(b, t, e, skip);
	snprintf(cap, sizeof(cap), "%s: effective rights", svc);
	vw_table_effective(b, cap, e);
	if (sddl && (exp || fixed)) {
		snprintf(cap, sizeof(cap), "%s: %s", svc, exp ? "expected and actual ACEs" :
			 "ACEs now and with the fix");
		if (vw_table_side_by_side(b, cap, exp ? "expected" : "with the fix", exp ? exp : fixed,
				       exp ? "actual" : "now", sddl, ACCESS_SERVICE) < 0)
			vw_table_diff_items(b, cap, json_object_get(e, "diff"));
	}
}

/* A service's configuration (cause 2). */
static void table_services(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "service", "start", "account", "binaries", "status" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		struct sbuf bin = { 0 };
		json_t *img = json_object_get(e, "image"), *dll = json_object_get(e, "dll");
		const char *cells[5];
		char *bins, *probs, start[64];

		if (!vw_is_kind(e, "registry") || !json_object_get(e, "start_type"))
			continue;
		if (!t)
			t = vw_vt_new(b, "The System Writer's services", 5, head);
		if (vw_js(img, "file"))
			sb_addf(&bin, "%s%s", vw_basename_of(vw_js(img, "file")),
				json_is_false(json_object_get(img, "exists")) ? " (MISSING)" : "");
		else if (vw_js(e, "image_path"))
			sb_add(&bin, vw_js(e, "image_path"));
		if (vw_js(dll, "file"))
			sb_addf(&bin, "%s%s%s", bin.len ? ", " : "", vw_basename_of(vw_js(dll, "file")),
				json_is_false(json_object_get(dll, "exists")) ? " (MISSING)" : "");
		bins = sb_take(&bin);
		probs = json_object_get(e, "problems") ? vw_flat(b, "problems", json_object_get(e, "problems")) :
			vw_dup_cell(b, vw_js(e, "status") ? vw_js(e, "status") : "");
		snprintf(start, sizeof(start), "%s (%lld)", vw_js(e, "start_type") ? vw_js(e, "start_type") : "?",
			 vw_ji(e, "start", -1));
		cells[0] = vw_js(e, "service") ? vw_js(e, "service") : "?";
		cells[1] = start;
		cells[2] = vw_js(e, "object_name") ? vw_js(e, "object_name") : "";
		cells[3] = bins ? bins : "";
		cells[4] = probs ? probs : "";
		vw_vt_rowv(b, t, vw_js(e, "status") && !strcmp(vw_js(e, "status"), "broken") ? VMARK_BAD :
			      VMARK_NONE, cells);
		if (!bins)
			b->oom = 1;
		free(bins);
		free(probs);
	}
}

static const char *scm_words(long long id)
{
	switch (id) {
	case 7000: return "failed to start";
	case 7001: return "depends on a service that failed to start";
	case 7009: return "did not answer the start request in time";
	case 7011: return "did not answer a control in time";
	case 7022: return "hung on starting";
	case 7023: return "stopped with an error";
	case 7024: return "stopped with a service-specific error";
	case 7026: return "a boot driver failed to load";
	case 7031: return "stopped unexpectedly";
	case 7034: return "stopped unexpectedly";
	case 7036: return "changed state";
	case 7040: return "start type changed";
	default: return NULL;
	}
}

/* What an event group says, in words (for tables and the time line). */
void vw_event_what(json_t *e, int brief, char *buf, size_t size)
{
	const char *prov = vw_js(e, "provider");
	long long id = vw_ji(e, "event_id", 0);

	if (vw_js(e, "function")) {
		char err[128];
		size_t n;

		snprintf(err, sizeof(err), "%s", vw_js(e, "system_error") ? vw_js(e, "system_error") : "?");
		n = strlen(err);
		if (n && err[n - 1] == '.')
			err[n - 1] = '\0';
		snprintf(buf, size, "%s: %s", vw_js(e, "function"), err);
		if (!brief && vw_js(e, "subject"))
			snprintf(buf + strlen(buf), size - strlen(buf), " (%s%s%s)", vw_js(e, "subject"),
				 vw_js(e, "service") ? ", service " : "", vw_js(e, "service") ? vw_js(e, "service") : "");
	} else if (prov && !strcasecmp(prov, "Service Control Manager") && scm_words(id)) {
		snprintf(buf, size, "%s %s%s%s", vw_js(e, "service") ? vw_js(e, "service") : "a service",
			 scm_words(id), brief ? "" :
			 json_is_true(json_object_get(e, "after_last_boot")) ? " after the last boot" : "",
			 brief ? "" : json_is_true(json_object_get(e, "repaired")) ? ", started again later" :
			 json_is_false(json_object_get(e, "repaired")) ? ", not started again" : "");
	} else if (vw_js(e, "label") && strstr(vw_js(e, "label"), ": ")) {
		snprintf(buf, size, "%s", strstr(vw_js(e, "label"), ": ") + 2);
	} else {
		snprintf(buf, size, "%s", vw_js(e, "text") ? vw_js(e, "text") : "");
	}
	vw_cut(buf, 150);
}

static void table_events(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "event", "count", "when", "what" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char p[64], id[96], n[32], f[64], l[64], span[160], what[256];
		const char *cells[4];
		struct sbuf wb = { 0 };
		char *w;

		if (vw_is_kind(e, "note") && vw_ji(e, "left_out", -1) >= 0) {
			if (!t)
				t = vw_vt_new(b, "Events", 4, head);
			snprintf(n, sizeof(n), "%lld", vw_ji(e, "left_out", 0));
			cells[0] = "";
			cells[1] = n;
			cells[2] = "";
			cells[3] = "more groups left out";
			vw_vt_rowv(b, t, VMARK_INFO, cells);
			continue;
		}
		if (!vw_is_kind(e, "event"))
			continue;
		if (!t)
			t = vw_vt_new(b, "Events", 4, head);
		vw_provider_short(vw_js(e, "provider"), p, sizeof(p));
		snprintf(id, sizeof(id), "%s %lld", p, vw_ji(e, "event_id", 0));
		vw_fmt_count(vw_ji(e, "count", 0), n, sizeof(n));
		vw_when(vw_js(e, "first"), f, sizeof(f));
		vw_when(vw_js(e, "last"), l, sizeof(l));
		if (strcmp(f, l) != 0)
			snprintf(span, sizeof(span), "%s to %s", f, l);
		else
			snprintf(span, sizeof(span), "%s", f);
		/* the check's reading of the event, then its own strings */
		if (vw_js(e, "function") || (vw_js(e, "provider") && !strcasecmp(vw_js(e, "provider"), "Service Control Manager"))) {
			vw_event_what(e, 0, what, sizeof(what));
			sb_add(&wb, what);
			if (vw_js(e, "text"))
				sb_addf(&wb, " [%s]", vw_js(e, "text"));
		} else {
			sb_add(&wb, vw_js(e, "text") ? vw_js(e, "text") : "");
		}
		if (vw_js(e, "log"))
			sb_addf(&wb, " (%s)", vw_js(e, "log"));
		w = sb_take(&wb);
		if (!w) {
			b->oom = 1;
			return;
		}
		cells[0] = id;
		cells[1] = n;
		cells[2] = span;
		cells[3] = w;
		vw_vt_rowv(b, t, json_is_true(json_object_get(e, "repaired")) ? VMARK_NONE : VMARK_BAD, cells);
		free(w);
	}
}

static void table_service_states(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "service", "changes", "since boot", "last state",
					    "at", "note" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char n[32], nb[32], at[64], note[256];
		const char *cells[6];

		if (vw_is_kind(e, "boot")) {
			struct vtable *k;
			char w[64];

			k = vw_vt_new(b, "The last boot (System.evtx)", 2, NULL);
			t = NULL;    /* k moved the tables: start the states anew */
			vw_when(vw_js(e, "last_boot"), w, sizeof(w));
			vw_vt_kv(b, k, "last boot", vw_js(e, "last_boot") ? w : "not in the log");
			if (vw_js(e, "shutdown")) {
				char s[256];

				if (vw_js(e, "shutdown_at")) {
					vw_when(vw_js(e, "shutdown_at"), w, sizeof(w));
					snprintf(s, sizeof(s), "%s, %s", vw_js(e, "shutdown"), w);
				} else {
					snprintf(s, sizeof(s), "%s", vw_js(e, "shutdown"));
				}
				vw_vt_kv(b, k, "shutdown", s);
			}
			continue;
		}
		if (!vw_is_kind(e, "service_state"))
			continue;
		if (!t) {
			/* the table must be the last one while rows are added */
			t = vw_vt_new(b, "Service Control Manager: the services' states", 6, head);
		}
		snprintf(n, sizeof(n), "%lld", vw_ji(e, "count", 0));
		snprintf(nb, sizeof(nb), "%lld", vw_ji(e, "since_last_boot", 0));
		vw_when(vw_js(e, "last_at"), at, sizeof(at));
		snprintf(note, sizeof(note), "%s%s%s",
			 json_is_true(json_object_get(e, "at_shutdown")) ? "stopped at an orderly shutdown" : "",
			 vw_js(e, "note") && json_is_true(json_object_get(e, "at_shutdown")) ? "; " : "",
			 vw_js(e, "note") ? vw_js(e, "note") : "");
		cells[0] = vw_js(e, "service") ? vw_js(e, "service") : "?";
		cells[1] = n;
		cells[2] = nb;
		cells[3] = vw_js(e, "last_state") ? vw_js(e, "last_state") : "";
		cells[4] = vw_js(e, "last_at") ? at : "";
		cells[5] = note;
		vw_vt_rowv(b, t, VMARK_NONE, cells);
	}
}

static void table_counts(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "version folder", "folders", "limit", "largest subfolder",
					    "in it", "status" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char f[32], l[32], tf[32], st[96];
		const char *cells[6];
		json_t *top;
		long long folders = vw_ji(e, "folders", 0), limit = vw_ji(e, "limit", 0);
		int complete = !json_is_false(json_object_get(e, "complete"));

		if (!vw_is_kind(e, "count"))
			continue;
		if (!t)
			t = vw_vt_new(b, ".NET Framework version folders (folders inside their subfolders)", 6, head);
		top = json_array_get(json_object_get(e, "top"), 0);
		vw_fmt_count(folders, f, sizeof(f));
		vw_fmt_count(limit, l, sizeof(l));
		vw_fmt_count(vw_ji(top, "folders", 0), tf, sizeof(tf));
		snprintf(st, sizeof(st), "%s%s", limit > 0 && folders >= limit ? "AT/OVER LIMIT" : "below limit",
			 complete ? "" : " (counting stopped early)");
		cells[0] = vw_js(e, "path") ? vw_js(e, "path") : "?";
		if (!strncasecmp(cells[0], "Windows\\Microsoft.NET\\", 22))
			cells[0] += 22;
		cells[1] = f;
		cells[2] = l;
		cells[3] = vw_js(top, "path") ? vw_basename_of(vw_js(top, "path")) : "";
		cells[4] = top ? tf : "";
		cells[5] = st;
		vw_vt_rowv(b, t, limit > 0 && folders >= limit ? VMARK_BAD : VMARK_OK, cells);
	}
}

static void table_drift(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "what", "before", "after", "why", "severity" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char *bf, *af;
		const char *cells[5];
		int fail;

		if (!vw_is_kind(e, "drift"))
			continue;
		if (!t)
			t = vw_vt_new(b, "Changes since the baseline", 5, head);
		fail = vw_js(e, "severity") && !strcmp(vw_js(e, "severity"), "failure");
		bf = vw_flat(b, "before", json_object_get(e, "before"));
		af = vw_flat(b, "after", json_object_get(e, "after"));
		cells[0] = vw_js(e, "path") ? vw_js(e, "path") : "?";
		cells[1] = bf ? bf : "";
		cells[2] = af ? af : "";
		cells[3] = vw_js(e, "why") ? vw_js(e, "why") : "";
		cells[4] = fail ? "FAILURE" : vw_js(e, "severity") ? vw_js(e, "severity") : "";
		vw_vt_rowv(b, t, fail ? VMARK_BAD : VMARK_INFO, cells);
		free(bf);
		free(af);
	}
}

static void table_hives(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "hive", "state", "dirty", "logs", "judged from" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char *logs;
		const char *cells[5];
		int dirty = json_is_true(json_object_get(e, "dirty"));

		if (!vw_is_kind(e, "hive"))
			continue;
		if (!t)
			t = vw_vt_new(b, "Registry hives", 5, head);
		logs = vw_flat(b, "logs", json_object_get(e, "logs"));
		cells[0] = vw_js(e, "hive") ? vw_js(e, "hive") : "?";
		cells[1] = vw_js(e, "state") ? vw_js(e, "state") : vw_js(e, "error") ? vw_js(e, "error") : "";
		cells[2] = dirty ? "dirty" : "clean";
		cells[3] = logs ? logs : "";
		cells[4] = vw_js(e, "view") ? vw_js(e, "view") : dirty ? "" : "the hive file";
		vw_vt_rowv(b, t, dirty ? VMARK_BAD : VMARK_OK, cells);
		free(logs);
	}
}

static void table_junctions(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "path", "type", "target", "note" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		const char *cells[4];

		if (!vw_is_kind(e, "junction"))
			continue;
		if (!t)
			t = vw_vt_new(b, "Junctions and symbolic links", 4, head);
		cells[0] = vw_js(e, "path") ? vw_js(e, "path") : "?";
		cells[1] = vw_js(e, "type") ? vw_js(e, "type") : "";
		cells[2] = vw_js(e, "target") ? vw_js(e, "target") : "";
		cells[3] = vw_js(e, "counted") ? vw_js(e, "counted") : vw_js(e, "note") ? vw_js(e, "note") : "";
		vw_vt_rowv(b, t, VMARK_BAD, cells);
	}
}

static void ev_vss_acl(struct vb *b, json_t *e)
{
	static const char *const head[] = { "account", "value", "meaning" };
	json_t *vals = json_object_get(e, "values"), *ng = json_object_get(e, "not_granted");
	struct vtable *t;
	const char *k;
	json_t *v;
	size_t i;
	static const char *const skip[] = { "values", NULL };

	t = vw_vt_new(b, vw_js(e, "path") ? vw_js(e, "path") : "VssAccessControl", 2, NULL);
	vw_rows_generic(b, t, e, skip);
	if (!json_is_object(vals) || !json_object_size(vals))
		return;
	t = vw_vt_new(b, "VssAccessControl values", 3, head);
	json_object_foreach(vals, k, v) {
		char val[64];
		const char *cells[3];
		int denied = 0;
		json_t *n;

		json_array_foreach(ng, i, n)
			denied |= json_is_string(n) && !strcmp(json_string_value(n), k);
		snprintf(val, sizeof(val), "%lld", json_is_integer(v) ? (long long)json_integer_value(v) : -1);
		cells[0] = k;
		cells[1] = json_is_integer(v) ? val : "?";
		cells[2] = json_is_integer(v) && json_integer_value(v) ? "admitted" : "not admitted";
		vw_vt_rowv(b, t, denied ? VMARK_BAD : VMARK_NONE, cells);
	}
}

static const char *kind_caption(json_t *e)
{
	const char *k = vw_js(e, "kind");

	if (!k)
		return "Evidence";
	if (!strcmp(k, "summary") && json_object_get(e, "checked") && json_object_get(e, "denied"))
		return "WinSxS objects checked";
	if (!strcmp(k, "summary"))
		return "Summary of the check";
	if (!strcmp(k, "note"))
		return "Note";
	return NULL;
}

/* Every evidence item of r, as tables. */
void vw_result_tables(struct vb *b, const struct result *res)
{
	json_t *ev = res->evidence, *e;
	size_t i;
	int events = 0, states = 0, counts = 0, drift = 0, hives = 0, junctions = 0, services = 0;

	json_array_foreach(ev, i, e) {
		if (b->oom)
			return;
		if (!json_is_object(e))
			continue;
		if (vw_is_kind(e, "event") || (vw_is_kind(e, "note") && json_object_get(e, "left_out"))) {
			if (!events++)
				table_events(b, ev);
		} else if (vw_is_kind(e, "boot") || vw_is_kind(e, "service_state")) {
			if (!states++)
				table_service_states(b, ev);
		} else if (vw_is_kind(e, "count")) {
			if (!counts++)
				table_counts(b, ev);
		} else if (vw_is_kind(e, "drift")) {
			if (!drift++)
				table_drift(b, ev);
		} else if (vw_is_kind(e, "hive")) {
			if (!hives++)
				table_hives(b, ev);
		} else if (vw_is_kind(e, "junction")) {
			if (!junctions++)
				table_junctions(b, ev);
		} else if (vw_is_kind(e, "registry") && json_object_get(e, "start_type") &&
			   json_object_get(e, "problems") != NULL) {
			if (!services++)
				table_services(b, ev);
		} else if (vw_is_kind(e, "registry") && json_object_get(e, "start_type") &&
			   json_object_get(e, "status")) {
			if (!services++)
				table_services(b, ev);
		} else if (vw_is_kind(e, "registry") && json_object_get(e, "values") &&
			   json_object_get(e, "not_granted")) {
			ev_vss_acl(b, e);
		} else if (vw_is_kind(e, "registry") && (json_object_get(e, "expected") ||
						      json_object_get(e, "fixed_sddl") ||
						      json_object_get(e, "effective"))) {
			ev_service_sd(b, e);
		} else if (vw_is_kind(e, "file") && (json_object_get(e, "sddl") ||
						  json_object_get(e, "effective"))) {
			ev_file(b, e);
		} else {
			const char *cap = kind_caption(e), *path = vw_js(e, "path");
			static const char *const skip_path[] = { "path", NULL };
			static const char *const skip_reg[] = { "path", "hive", NULL };
			struct vtable *t;
			char c[512];

			if (!cap && vw_is_kind(e, "registry") && path) {
				snprintf(c, sizeof(c), "%s%s%s", vw_js(e, "hive") ? vw_js(e, "hive") : "",
					 vw_js(e, "hive") ? "\\" : "", path);
				cap = c;
			} else if (!cap && path) {
				snprintf(c, sizeof(c), "%s", path);
				cap = c;
			} else if (!cap) {
				snprintf(c, sizeof(c), "%s", vw_js(e, "kind"));
				cap = c;
			}
			t = vw_vt_new(b, cap, 2, NULL);
			vw_rows_generic(b, t, e, cap == c ? (vw_is_kind(e, "registry") ? skip_reg : skip_path) : NULL);
		}
	}
}
