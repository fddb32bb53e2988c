/* The view of a scan for people: see report_view.h.
 *
 * Everything is derived from the JSON evidence the checks produced (the
 * contract), never from the checks' internals, so a rule added as data
 * still reads well: an unknown evidence shape falls back to key/value
 * rows with every value flattened to words. */
#define _GNU_SOURCE
#include "report_view_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "rules.h"
#include "sddl.h"
#include "secdesc.h"
#include "sid.h"

/* ---- the scan ----------------------------------------------------------- */

int view_result_fails(const struct scan *s, size_t i)
{
	return s->results[i].status == STATUS_PRESENT && scan_result_fails(s, i);
}

char *view_verdict(const struct scan *s)
{
	struct sbuf b = { 0 };
	size_t i, ncause = 0, nfail = 0;
	int st = scan_exit_status(s);

	for (i = 0; i < s->nresults; i++)
		if (view_result_fails(s, i))
			*(i < SEED_CAUSES ? &ncause : &nfail) += 1;
	if (s->open_failed) {
		sb_addf(&b, "the source could not be read: %s", s->open_err.msg);
	} else if (st == 1) {
		if (ncause) {
			sb_addf(&b, "%zu cause%s present:", ncause, ncause == 1 ? "" : "s");
			for (i = 0; i < SEED_CAUSES && i < s->nresults; i++)
				if (s->results[i].status == STATUS_PRESENT)
					sb_addf(&b, " %s", result_id(&s->results[i], i));
		} else {
			sb_add(&b, "no cause present");
		}
		if (nfail) {
			sb_addf(&b, "%s failing finding%s:", ncause ? ";" : ", but", nfail == 1 ? "" : "s");
			for (i = 4; i < s->nresults; i++)
				if (view_result_fails(s, i))
					sb_addf(&b, " %s", result_id(&s->results[i], i));
		}
	} else if (st == 3) {
		sb_add(&b, "no cause found, but some checks could not run");
	} else {
		sb_add(&b, "no cause present; every check ran");
	}
	return sb_take(&b);
}

static void human_size(uint64_t n, char *buf, size_t size)
{
	const char *u[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%llu bytes", (unsigned long long)n);
	else
		snprintf(buf, size, "%.1f %s", v, u[i]);
}

static char *image_words(const struct scan_source *si)
{
	struct sbuf b = { 0 };
	char sz[32];

	if (si->is_image) {
		human_size(si->size, sz, sizeof(sz));
		sb_addf(&b, "%s image, %s", si->format, sz);
	} else if (si->is_dir) {
		sb_add(&b, "mounted volume directory");
	}
	return sb_take(&b);
}

static char *volume_words(const struct scan_source *si)
{
	struct sbuf b = { 0 };

	if (si->mounted && !si->is_dir) {
		if (si->vol.index > 0)
			sb_addf(&b, "partition %d (%s), NTFS at offset %llu", si->vol.index, si->vol.type,
				(unsigned long long)si->vol.offset);
		else
			sb_addf(&b, "%s NTFS volume at offset %llu", si->vol.index == 0 ? "bare" : "--offset",
				(unsigned long long)si->vol.offset);
		sb_addf(&b, ", label \"%s\"%s", si->vol.label, si->vol.dirty ? ", dirty" : "");
		if (si->vol.letter)
			sb_addf(&b, ", drive %c:", si->vol.letter);
	}
	return sb_take(&b);
}

/* "C: partition 2, D: partition 1, E: not in the image (device path)",
 * "" when the registry names no letter. */
static char *drives_words(const struct scan *s)
{
	struct sbuf b = { 0 };
	const char *k;
	json_t *dv;

	json_object_foreach(json_object_get(s->ev.windows, "drive_letters"), k, dv)
		sb_addf(&b, "%s%s: %s", b.len ? ", " : "", k, json_is_string(dv) ? json_string_value(dv) : "?");
	return sb_take(&b);
}

static char *windows_words(const struct scan *s, int brief)
{
	struct sbuf b = { 0 };
	const char *pn = vw_js(s->ev.windows, "product_name"), *cv = vw_js(s->ev.windows, "current_version");
	const char *bd = vw_js(s->ev.windows, "build"), *cs = vw_js(s->ev.windows, "control_set");

	if (!json_object_size(s->ev.windows))
		return brief ? strdup("") : NULL;
	sb_add(&b, pn ? pn : "Windows (product name unknown)");
	if (brief) {
		if (bd)
			sb_addf(&b, " (build %s)", bd);
		return sb_take(&b);
	}
	if (cv)
		sb_addf(&b, " %s", cv);
	if (bd)
		sb_addf(&b, " build %s", bd);
	if (cs)
		sb_addf(&b, ", %s", cs);
	return sb_take(&b);
}

/* ---- charts ------------------------------------------------------------- */

static void collect_bars(struct vb *b, const struct scan *s)
{
	struct vscan *v = b->v;
	size_t i, j, k;
	json_t *e;

	for (i = 0; i < s->nresults; i++) {
		const struct result *res = &s->results[i];
		const char *check = res->rule && res->rule->check ? res->rule->check->name : "";

		if (strcmp(check, "framework_folders") != 0)
			continue;
		json_array_foreach(res->evidence, j, e) {
			struct vbar *nb, *bar;
			json_t *top;
			const char *path = vw_js(e, "path");

			if (!vw_is_kind(e, "count") || !path || b->oom)
				continue;
			nb = realloc(v->bars, (v->nbars + 1) * sizeof(*nb));
			if (!nb) {
				b->oom = 1;
				return;
			}
			v->bars = nb;
			bar = &nb[v->nbars++];
			memset(bar, 0, sizeof(*bar));
			if (!strncasecmp(path, "Windows\\Microsoft.NET\\", 22))
				path += 22;
			snprintf(bar->name, sizeof(bar->name), "%s", path);
			bar->folders = vw_ji(e, "folders", 0);
			bar->limit = vw_ji(e, "limit", 0);
			json_array_foreach(json_object_get(e, "top"), k, top) {
				const char *tp = vw_js(top, "path");

				if (tp && !strcasecmp(vw_basename_of(tp), "Temporary ASP.NET Files"))
					bar->temp = vw_ji(top, "folders", 0);
			}
		}
	}
}

static int event_matters(json_t *e, int *bad)
{
	const char *p = vw_js(e, "provider");
	long long id = vw_ji(e, "event_id", 0);

	*bad = 1;
	if (!p)
		return 0;
	if (!strcasecmp(p, "Microsoft-Windows-CAPI2"))
		return id == 513 || id == 512;
	if (!strcasecmp(p, "VSS"))
		return id == 8193 || id == 8194 || id == 8213 || id == 12289 || id == 12292 || id == 12302;
	if (!strcasecmp(p, "Microsoft-Windows-Backup"))
		return id == 517 || id == 521;
	if (!strcasecmp(p, "Service Control Manager")) {
		*bad = !json_is_true(json_object_get(e, "repaired"));
		return id != 7036 && id != 7040;
	}
	if (!strcasecmp(p, "swprv"))
		return 1;
	return 0;
}

static void add_event(struct vb *b, const char *lane, const char *what, int64_t first,
		      int64_t last, long long count, int bad)
{
	struct vscan *v = b->v;
	struct vevent *ne, *ve;
	size_t i;

	for (i = 0; i < v->nevents; i++) {
		ve = &v->events[i];
		if (ve->first == first && ve->last == last && ve->count == count &&
		    !strcmp(ve->lane, lane) && !strcmp(ve->what, what))
			return;      /* the same group, shown by another rule */
	}
	ne = realloc(v->events, (v->nevents + 1) * sizeof(*ne));
	if (!ne) {
		b->oom = 1;
		return;
	}
	v->events = ne;
	ve = &ne[v->nevents++];
	memset(ve, 0, sizeof(*ve));
	snprintf(ve->lane, sizeof(ve->lane), "%s", lane);
	snprintf(ve->what, sizeof(ve->what), "%s", what);
	ve->first = first;
	ve->last = last;
	ve->count = count;
	ve->bad = bad;
}

static int cmp_event(const void *a, const void *b)
{
	const struct vevent *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->lane, y->lane);
}

static void collect_events(struct vb *b, const struct scan *s)
{
	size_t i, j;
	json_t *e;

	for (i = 0; i < s->nresults; i++) {
		json_array_foreach(s->results[i].evidence, j, e) {
			char p[64], lane[80], what[256];
			int64_t first, last;
			int bad;

			if (b->oom)
				return;
			if (vw_is_kind(e, "boot")) {
				if (view_parse_time(vw_js(e, "last_boot"), &first) == 0)
					b->v->boot = first;
				continue;
			}
			if (vw_is_kind(e, "service_state") && vw_js(e, "last_state") &&
			    !strcmp(vw_js(e, "last_state"), "stopped") &&
			    view_parse_time(vw_js(e, "last_at"), &first) == 0) {
				snprintf(lane, sizeof(lane), "SCM: %s stopped", vw_js(e, "service") ? vw_js(e, "service") : "?");
				snprintf(what, sizeof(what), "%s stopped%s", vw_js(e, "service") ? vw_js(e, "service") : "?",
					 json_is_true(json_object_get(e, "at_shutdown")) ? " at an orderly shutdown" : "");
				add_event(b, lane, what, first, first, 1, 0);
				continue;
			}
			if (!vw_is_kind(e, "event") || !event_matters(e, &bad))
				continue;
			if (view_parse_time(vw_js(e, "first"), &first) < 0)
				continue;
			if (view_parse_time(vw_js(e, "last"), &last) < 0 || last < first)
				last = first;
			vw_provider_short(vw_js(e, "provider"), p, sizeof(p));
			if (!strcasecmp(p, "SCM"))
				snprintf(lane, sizeof(lane), "SCM %lld: %s", vw_ji(e, "event_id", 0),
					 vw_js(e, "service") ? vw_js(e, "service") : "?");
			else
				snprintf(lane, sizeof(lane), "%s %lld", p, vw_ji(e, "event_id", 0));
			vw_event_what(e, 0, what, sizeof(what));
			add_event(b, lane, what, first, last, vw_ji(e, "count", 1), bad);
		}
	}
	if (b->v->nevents > 1)
		qsort(b->v->events, b->v->nevents, sizeof(*b->v->events), cmp_event);
}

/* ---- the whole view ----------------------------------------------------- */

static const char *title_of(const struct result *r, size_t i)
{
	if (r->rule)
		return r->rule->title;
	return i < SEED_CAUSES ? seed_causes[i].title : "";
}

static void vresult_release(struct vresult *r)
{
	size_t i;

	for (i = 0; i < 3; i++)
		free(r->words[i]);
	free(r->event);
	free(r->refs);
	free(r->summary);
	for (i = 0; i < r->ntables; i++)
		vw_vtable_release(&r->tables[i]);
	free(r->tables);
}

void vscan_release(struct vscan *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->nres; i++)
		vresult_release(&v->res[i]);
	free(v->res);
	for (i = 0; i < v->nwarnings; i++)
		free(v->warnings[i]);
	free(v->warnings);
	free(v->source);
	free(v->image);
	free(v->volume);
	free(v->windows);
	free(v->windows_short);
	free(v->verdict);
	free(v->drives);
	free(v->bars);
	free(v->events);
	memset(v, 0, sizeof(*v));
}

int vscan_build(struct vscan *v, const struct scan *s)
{
	struct vb b;
	size_t i, nres;
	json_t *w;

	memset(v, 0, sizeof(*v));
	memset(&b, 0, sizeof(b));
	b.v = v;
	v->s = s;
	v->exit_status = scan_exit_status(s);
	v->unreadable = s->open_failed;
	v->source = strdup(s->source ? s->source : "");
	v->image = image_words(&s->source_info);
	v->volume = volume_words(&s->source_info);
	v->windows = windows_words(s, 0);
	v->windows_short = windows_words(s, 1);
	v->verdict = view_verdict(s);
	v->drives = drives_words(s);
	v->system_root = s->ev.system_root;
	if (!v->source || !v->image || !v->volume || !v->windows_short || !v->verdict || !v->drives ||
	    (!v->windows && json_object_size(s->ev.windows)))
		goto nomem;
	nres = s->open_failed ? 4 : s->nresults;
	v->res = calloc(nres ? nres : 1, sizeof(*v->res));
	if (!v->res)
		goto nomem;
	v->nres = nres;
	for (i = 0; i < nres; i++) {
		struct vresult *r = &v->res[i];
		static const struct result unread = { .status = STATUS_UNKNOWN };
		const struct result *res = s->open_failed ? &unread : &s->results[i];
		size_t k;
		json_t *ref;

		b.r = r;
		r->index = i;
		r->id = result_id(res, i);
		r->title = title_of(res, i);
		r->status = res->status;
		r->is_cause = i < 4;
		r->fails = !s->open_failed && view_result_fails(s, i);
		r->summary = strdup(s->open_failed ? "the source could not be read" :
				    res->summary ? res->summary : "");
		if (!r->summary)
			goto nomem;
		if (s->open_failed)
			continue;
		if (res->rule && json_array_size(res->rule->references)) {
			struct sbuf rb = { 0 };

			json_array_foreach(res->rule->references, k, ref)
				if (json_is_string(ref))
					sb_addf(&rb, "%s%s", rb.len ? ", " : "", json_string_value(ref));
			r->refs = sb_take(&rb);
			if (!r->refs)
				goto nomem;
		}
		vw_result_words(&b, s, i);
		if (res->status != STATUS_ABSENT)
			r->event = vw_event_line(&b, res->evidence);
		vw_result_tables(&b, res);
		if (b.oom)
			goto nomem;
	}
	if (!s->open_failed) {
		collect_bars(&b, s);
		collect_events(&b, s);
	}
	if (json_array_size(scan_warnings(s))) {
		v->warnings = calloc(json_array_size(scan_warnings(s)), sizeof(char *));
		if (!v->warnings)
			goto nomem;
		json_array_foreach(scan_warnings(s), i, w) {
			v->warnings[v->nwarnings] = strdup(json_is_string(w) ? json_string_value(w) : "");
			if (!v->warnings[v->nwarnings])
				goto nomem;
			v->nwarnings++;
		}
	}
	if (b.oom)
		goto nomem;
	return 0;
nomem:
	vscan_release(v);
	return -E_NOMEM;
}

int view_history_head(const struct vscan *v, char *buf, size_t size)
{
	size_t nchanged = 0, nstores, nread = 0, i;
	json_t *h;

	if (!v->s->history)
		return 0;
	nstores = json_array_size(v->s->shadow_copies);
	json_array_foreach(v->s->history, i, h)
		nchanged += json_is_true(json_object_get(h, "changed"));
	json_array_foreach(v->s->shadow_copies, i, h)
		nread += json_is_true(json_object_get(h, "scanned"));
	if (nstores == 0)
		snprintf(buf, size, "History: no shadow copy could be read (see Warnings)");
	else if (nread == 0)
		snprintf(buf, size, "History (%zu shadow cop%s): none could be read (see Warnings)",
			 nstores, nstores == 1 ? "y" : "ies");
	else
		snprintf(buf, size, "History (%zu shadow cop%s):%s", nstores,
			 nstores == 1 ? "y" : "ies", nchanged ? "" : " no cause or finding changed");
	return 1;
}
