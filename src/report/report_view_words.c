/* The view of a scan (report_view.h): what is wrong in a few words, per
 * check, and the decisive event. */
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

/* ---- words: what is wrong, per check ------------------------------------ */

struct words {
	struct sbuf line[2];
	int n;                   /* lines used */
	int dropped;             /* clauses that did not fit */
};

/* Add a clause to the words: "; " between clauses of a line, a new line
 * when the first is full, "..." when both are. */
static void w_clause(struct words *w, const char *text)
{
	struct sbuf *l;

	if (w->n == 0)
		w->n = 1;
	l = &w->line[w->n - 1];
	if (l->len && l->len + 2 + view_width(text) > WORDS_WIDTH) {
		if (w->n == 2) {
			w->dropped++;
			return;
		}
		w->n = 2;
		l = &w->line[1];
	}
	if (l->len)
		sb_add(l, "; ");
	sb_add(l, text);
}

/* "Temp\PendingRenames" -> "PendingRenames"; a file inside a folder that
 * is itself listed keeps the folder's name: "FileMaps\x.cdf-ms". */
void vw_object_name(json_t *ev, const char *path, char *buf, size_t size)
{
	const char *base = vw_basename_of(path);
	size_t plen = (size_t)(base - path);
	size_t i;
	json_t *e;

	if (plen > 1) {
		json_array_foreach(ev, i, e) {
			const char *p = vw_js(e, "path");

			if (vw_is_kind(e, "file") && p && strlen(p) == plen - 1 && !strncmp(p, path, plen - 1)) {
				snprintf(buf, size, "%s\\%s", vw_basename_of(p), base);
				return;
			}
		}
	}
	snprintf(buf, size, "%s", base);
}

/* Names of the deny ACEs in sddl ("Users"), or "" */
static void deny_names(const char *sddl, char *buf, size_t size)
{
	struct secdesc sd;
	unsigned i;
	size_t o = 0;

	buf[0] = '\0';
	if (vw_decode(sddl, &sd) < 0)
		return;
	for (i = 0; i < sd.dacl.count && o + 4 < size; i++) {
		char acc[SID_STR_MAX + 64];

		if (!ace_type_is_deny(sd.dacl.aces[i].type) || (sd.dacl.aces[i].flags & ACE_INHERIT_ONLY))
			continue;
		vw_sid_words(&sd.dacl.aces[i].sid, acc, sizeof(acc));
		o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", vw_account_short(acc));
		if (o >= size)
			o = size - 1;
	}
	secdesc_release(&sd);
}

static void words_winsxs(struct words *w, json_t *ev)
{
	size_t i, shown = 0;
	long long denied = 0;
	json_t *e;

	json_array_foreach(ev, i, e)
		if (vw_is_kind(e, "summary"))
			denied = vw_ji(e, "denied", 0);
	json_array_foreach(ev, i, e) {
		const char *path = vw_js(e, "path"), *owner = vw_js(e, "owner_name") ? vw_js(e, "owner_name") : vw_js(e, "owner");
		const char *writer = vw_js(json_object_get(e, "effective"), "writer");
		int folder = vw_js(e, "object") && !strcmp(vw_js(e, "object"), "folder");
		char name[256], deny[256], c[1536], lacks[512];

		if (!vw_is_kind(e, "file") || !path || !vw_js(e, "verdict") || strcmp(vw_js(e, "verdict"), "denied"))
			continue;
		/* one object a line: two of them, or one and how many more */
		if (shown == 2 || (shown == 1 && denied > 2))
			break;
		vw_object_name(ev, path, name, sizeof(name));
		deny_names(vw_js(e, "sddl"), deny, sizeof(deny));
		view_rights_words(vw_js(e, "missing"), lacks, sizeof(lacks));
		if (deny[0])
			snprintf(c, sizeof(c), "%s: owner %s; a deny ACE for %s blocks the writer",
				 name, owner ? vw_account_short(owner) : "?", deny);
		else if (writer && !strcmp(writer, "NONE"))
			snprintf(c, sizeof(c), "%s: owner %s; the writer's token cannot %s it", name,
				 owner ? vw_account_short(owner) : "?", folder ? "list" : "read");
		else
			snprintf(c, sizeof(c), "%s: owner %s; the writer's token lacks %s", name,
				 owner ? vw_account_short(owner) : "?", lacks);
		w->n = (int)shown + 1;
		sb_add(&w->line[shown], c);
		shown++;
	}
	if (shown == 1 && denied > 1) {
		char c[128];

		snprintf(c, sizeof(c), "%lld more WinSxS object%s the writer's token cannot read (-v lists them)",
			 denied - 1, denied - 1 == 1 ? "" : "s");
		w->n = 2;
		sb_add(&w->line[1], c);
	}
}

/* "SYSTEM, INTERACTIVE and SERVICE" */
static void join_and(struct sbuf *b, const char *const *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			sb_add(b, i + 1 == n ? " and " : ", ");
		sb_add(b, items[i]);
	}
}

static void words_service_sd(struct words *w, json_t *ev)
{
	size_t i, j;
	json_t *e, *d;

	json_array_foreach(ev, i, e) {
		const char *svc = vw_js(e, "service"), *items[16];
		json_t *lack = json_object_get(e, "lacking");
		size_t n = 0, nx = 0, nc = 0;
		const char *extra[16], *changed[16];
		struct sbuf c = { 0 };
		char *s;

		if (!vw_is_kind(e, "registry") || !svc || !vw_js(e, "verdict") || !strcmp(vw_js(e, "verdict"), "ok"))
			continue;
		json_array_foreach(json_object_get(e, "diff"), j, d) {
			const char *acc = vw_js(d, "account") ? vw_account_short(vw_js(d, "account")) : vw_js(d, "sid");
			const char *ch = vw_js(d, "change");

			if (!acc || !ch)
				continue;
			if (!strcmp(ch, "missing") && n < 16)
				items[n++] = acc;
			else if (!strcmp(ch, "extra") && nx < 16)
				extra[nx++] = acc;
			else if (nc < 16)
				changed[nc++] = acc;
		}
		sb_addf(&c, "%s's descriptor", svc);
		if (n) {
			sb_add(&c, " lost ");
			join_and(&c, items, n);
		}
		if (nc) {
			sb_add(&c, n ? "; changed the rights of " : " changed the rights of ");
			join_and(&c, changed, nc);
		}
		if (nx) {
			sb_add(&c, n || nc ? "; adds " : " adds ");
			join_and(&c, extra, nx);
		}
		if (!n && !nc && !nx)
			sb_add(&c, " does not grant what is needed");
		s = sb_take(&c);
		if (s)
			w_clause(w, s);
		free(s);
		if (json_is_object(lack) && json_object_size(lack)) {
			const char *who[4];
			size_t k = 0;

			if (vw_js(lack, "SY"))
				who[k++] = "SYSTEM";
			if (vw_js(lack, "BA"))
				who[k++] = "Administrators";
			if (vw_js(lack, "writer"))
				who[k++] = "the writer's token";
			join_and(&c, who, k);
			sb_add(&c, k == 1 ? " can no longer query it" : " can no longer query it");
			s = sb_take(&c);
			if (s && k)
				w_clause(w, s);
			free(s);
		}
	}
}

static void words_services(struct words *w, json_t *ev)
{
	size_t i, j;
	json_t *e, *p;

	json_array_foreach(ev, i, e) {
		const char *svc = vw_js(e, "service");

		if (!vw_is_kind(e, "registry") || !svc || !vw_js(e, "status") || strcmp(vw_js(e, "status"), "broken"))
			continue;
		json_array_foreach(json_object_get(e, "problems"), j, p) {
			char c[512];

			if (!json_is_string(p))
				continue;
			snprintf(c, sizeof(c), "%s: %s", svc, json_string_value(p));
			w_clause(w, c);
		}
	}
}

static void words_framework(struct words *w, json_t *ev)
{
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		const char *path = vw_js(e, "path");
		long long folders = vw_ji(e, "folders", 0), limit = vw_ji(e, "limit", 0);
		json_t *top = json_array_get(json_object_get(e, "top"), 0);
		char f[32], l[32], t[32], c[512];

		if (!vw_is_kind(e, "count") || !path || limit <= 0 || folders < limit)
			continue;
		if (!strncasecmp(path, "Windows\\Microsoft.NET\\", 22))
			path += 22;
		vw_fmt_count(folders, f, sizeof(f));
		vw_fmt_count(limit, l, sizeof(l));
		vw_fmt_count(vw_ji(top, "folders", 0), t, sizeof(t));
		if (vw_js(top, "path"))
			snprintf(c, sizeof(c), "%s: %s folders (limit %s), %s in %s", path, f, l, t,
				 vw_basename_of(vw_js(top, "path")));
		else
			snprintf(c, sizeof(c), "%s: %s folders (limit %s)", path, f, l);
		w_clause(w, c);
	}
	json_array_foreach(ev, i, e) {
		char c[512];

		if (vw_is_kind(e, "file") && vw_js(e, "temp_directory")) {
			snprintf(c, sizeof(c), "%s sets tempDirectory %s", vw_basename_of(vw_js(e, "path") ? vw_js(e, "path") : ""),
				 vw_js(e, "temp_directory"));
			w_clause(w, c);
		}
	}
}

static void words_sd_blocks(struct words *w, json_t *ev)
{
	size_t i, n = 0, shown = 0;
	long long blocking = -1;
	json_t *e;
	int named;

	json_array_foreach(ev, i, e) {
		if (vw_is_kind(e, "registry") && json_object_get(e, "blocking"))
			blocking = vw_ji(e, "blocking", -1);
		if (vw_is_kind(e, "registry") && vw_js(e, "service") && json_object_get(e, "lacking"))
			n++;
	}
	/* with the display name when one service is named and it fits */
	for (named = n == 1; named >= 0; named--) {
		struct sbuf c = { 0 };
		char *s;

		shown = 0;
		json_array_foreach(ev, i, e) {
			const char *svc = vw_js(e, "service");
			int drv = json_is_true(json_object_get(e, "driver"));

			if (!vw_is_kind(e, "registry") || !svc || !json_object_get(e, "lacking"))
				continue;
			if (shown == 3)
				break;
			sb_addf(&c, "%s%s", shown ? ", " : "", svc);
			if (n == 1 && named && vw_js(e, "display_name"))
				sb_addf(&c, " (%s%s)", drv ? "driver, " : "", vw_js(e, "display_name"));
			else if (n == 1 && drv)
				sb_add(&c, " (driver)");
			shown++;
		}
		if (!shown) {
			free(sb_take(&c));
			return;
		}
		if (blocking > (long long)shown)
			sb_addf(&c, " and %lld more", blocking - (long long)shown);
		sb_add(&c, blocking > 1 || shown > 1 ? ": the writer's token cannot query them" :
			   ": the writer's token cannot query it");
		s = sb_take(&c);
		if (s && (view_width(s) <= WORDS_WIDTH || named == 0)) {
			w_clause(w, s);
			free(s);
			return;
		}
		free(s);
	}
}

static void words_binary(struct words *w, json_t *ev)
{
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char c[512];

		if (!vw_is_kind(e, "registry") || !vw_js(e, "service") || !json_is_false(json_object_get(e, "exists")))
			continue;
		snprintf(c, sizeof(c), "%s: %s %s is missing", vw_js(e, "service"),
			 vw_js(e, "value") ? vw_js(e, "value") : "binary",
			 vw_js(e, "file") ? vw_js(e, "file") : vw_js(e, "data") ? vw_js(e, "data") : "?");
		w_clause(w, c);
	}
}

static void words_vss_acl(struct words *w, json_t *ev)
{
	size_t i, j;
	json_t *e, *n;

	json_array_foreach(ev, i, e) {
		json_t *vals = json_object_get(e, "values");

		if (!vw_is_kind(e, "registry"))
			continue;
		if (json_is_false(json_object_get(e, "exists"))) {
			w_clause(w, "the VssAccessControl key is missing");
			continue;
		}
		json_array_foreach(json_object_get(e, "not_granted"), j, n) {
			char c[512];
			json_t *v = json_is_string(n) ? json_object_get(vals, json_string_value(n)) : NULL;

			if (!json_is_string(n))
				continue;
			if (json_is_integer(v))
				snprintf(c, sizeof(c), "VssAccessControl sets %s to %lld: VSS refuses it",
					 json_string_value(n), (long long)json_integer_value(v));
			else
				snprintf(c, sizeof(c), "VssAccessControl has no value for %s",
					 json_string_value(n));
			w_clause(w, c);
		}
	}
}

static void words_junction(struct words *w, json_t *ev)
{
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char c[512];

		if (!vw_is_kind(e, "junction"))
			continue;
		snprintf(c, sizeof(c), "%s is a %s to %s", vw_js(e, "path") ? vw_js(e, "path") : "?",
			 vw_js(e, "type") && !strcmp(vw_js(e, "type"), "symlink") ? "symbolic link" : "junction",
			 vw_js(e, "target") ? vw_js(e, "target") : "?");
		w_clause(w, c);
	}
}

static void words_drift(struct words *w, json_t *ev)
{
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char c[512];

		if (!vw_is_kind(e, "drift") || !vw_js(e, "severity") || strcmp(vw_js(e, "severity"), "failure"))
			continue;
		snprintf(c, sizeof(c), "%s: %s", vw_js(e, "path") ? vw_js(e, "path") : "?",
			 vw_js(e, "why") ? vw_js(e, "why") : "changed");
		w_clause(w, c);
	}
}

/* The decisive event group of a result: a Service Control Manager failure
 * not repaired, else the first group (the rules list the events that
 * make a cause present first). */
static json_t *decisive_event(json_t *ev, size_t *groups)
{
	json_t *e, *best = NULL, *first = NULL;
	size_t i;

	*groups = 0;
	json_array_foreach(ev, i, e) {
		if (!vw_is_kind(e, "event"))
			continue;
		(*groups)++;
		if (!first)
			first = e;
		if (!best && json_is_false(json_object_get(e, "repaired")) &&
		    json_is_true(json_object_get(e, "after_last_boot")))
			best = e;
	}
	return best ? best : first;
}

char *vw_event_line(struct vb *b, json_t *ev)
{
	size_t groups;
	json_t *e = decisive_event(ev, &groups);
	char p[64], what[256], n[32], t[64], line[600];
	long long count;
	int64_t last;
	int brief;

	if (!e)
		return NULL;
	vw_provider_short(vw_js(e, "provider"), p, sizeof(p));
	count = vw_ji(e, "count", 0);
	vw_fmt_count(count, n, sizeof(n));
	if (view_parse_time(vw_js(e, "last"), &last) == 0)
		view_format_time(last, t, sizeof(t));
	else
		snprintf(t, sizeof(t), "time unknown");
	for (brief = 0; brief < 3; brief++) {
		size_t rest;

		vw_event_what(e, brief > 0, what, sizeof(what));
		vw_cut(what, 64);
		snprintf(line, sizeof(line), "%s %lld (): %s event%s, %s%s", p, vw_ji(e, "event_id", 0),
			 n, count == 1 ? "" : "s", count == 1 ? "" : "last ", t);
		rest = view_width(line);
		if (brief == 2 && rest + 8 < WORDS_WIDTH)
			vw_cut(what, WORDS_WIDTH - rest);
		snprintf(line, sizeof(line), "%s %lld (%s): %s event%s, %s%s", p, vw_ji(e, "event_id", 0), what,
			 n, count == 1 ? "" : "s", count == 1 ? "" : "last ", t);
		if (view_width(line) <= WORDS_WIDTH)
			break;
	}
	if (groups > 1) {
		char more[64];

		snprintf(more, sizeof(more), " (+%zu more event group%s)", groups - 1, groups > 2 ? "s" : "");
		if (view_width(line) + strlen(more) <= WORDS_WIDTH)
			strcat(line, more);
	}
	return vw_dup_cell(b, line);
}

void vw_result_words(struct vb *b, const struct scan *s, size_t i)
{
	const struct result *res = &s->results[i];
	const char *check = res->rule && res->rule->check ? res->rule->check->name : "";
	struct words w;
	int k;

	memset(&w, 0, sizeof(w));
	if (res->status == STATUS_PRESENT) {
		if (!strcmp(check, "winsxs_acl"))
			words_winsxs(&w, res->evidence);
		else if (!strcmp(check, "services_running"))
			words_services(&w, res->evidence);
		else if (!strcmp(check, "service_descriptors"))
			words_service_sd(&w, res->evidence);
		else if (!strcmp(check, "framework_folders"))
			words_framework(&w, res->evidence);
		else if (!strcmp(check, "service_sd_blocks_writer"))
			words_sd_blocks(&w, res->evidence);
		else if (!strcmp(check, "service_binary_missing"))
			words_binary(&w, res->evidence);
		else if (!strcmp(check, "vss_access_control"))
			words_vss_acl(&w, res->evidence);
		else if (!strcmp(check, "winsxs_junction"))
			words_junction(&w, res->evidence);
		else if (!strcmp(check, "baseline_drift"))
			words_drift(&w, res->evidence);
		else if (!strcmp(check, "events"))
			w.n = 0;     /* the event line says it all */
		if (w.n == 0 && strcmp(check, "events") != 0 && res->summary)
			w_clause(&w, res->summary);
		if (w.n == 0 && !strcmp(check, "events") && !decisive_event(res->evidence, &(size_t){ 0 }) &&
		    res->summary)
			w_clause(&w, res->summary);
	} else if (res->summary) {
		w_clause(&w, res->summary);
	}
	if (w.dropped && w.n > 0) {
		struct sbuf *l = &w.line[w.n - 1];
		char more[48];

		snprintf(more, sizeof(more), " (+%d more with -v)", w.dropped);
		if (l->p && view_width(l->p) + strlen(more) > WORDS_WIDTH)
			vw_cut(l->p, WORDS_WIDTH - strlen(more));
		if (l->p)
			l->len = strlen(l->p);
		sb_add(l, more);
	}
	for (k = 0; k < 2; k++) {
		if (w.line[k].oom)
			b->oom = 1;
		if (k < w.n && w.line[k].len) {
			b->r->words[k] = sb_take(&w.line[k]);
			if (!b->r->words[k])
				b->oom = 1;
		} else {
			free(w.line[k].p);
		}
	}
	/* words[] stays NULL-terminated: a hole moves the second line up */
	if (!b->r->words[0] && b->r->words[1]) {
		b->r->words[0] = b->r->words[1];
		b->r->words[1] = NULL;
	}
}
