/* Shadow-copy history: the live scan first (it names what to look for),
 * then one scan per shadow copy, oldest first, each over a read-only view
 * of the store mounted like the live volume; then, per result of the live
 * scan, its status on each date, the changes, and the last good value of
 * the service descriptors it finds broken. */
#define _GNU_SOURCE
#include "history.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "events.h"
#include "registry.h"
#include "rules.h"
#include "sddl.h"
#include "secdesc.h"
#include "services.h"
#include "vshadow.h"

/* What one store's scan left behind for the history. */
struct point {
	const struct vss_store *st;
	int scanned;              /* 0: the store could not be scanned (why) */
	char why[ERR_MSG_MAX];
	json_t *status;           /* result id -> "present" / "absent" / "unknown" */
	json_t *good;             /* "id\nservice" -> {"right": bool, "sddl": s|null} */
};

/* "2019-06-04T23:43:01Z" -> "2019-06-04 23:43" (what people read). */
static void short_date(const char *iso, char *out, size_t size)
{
	if (strlen(iso) >= 16 && iso[10] == 'T')
		snprintf(out, size, "%.10s %.5s", iso, iso + 11);
	else
		snprintf(out, size, "%s", iso);
}

/* The live evidence items of result res that name a service whose
 * descriptor is judged broken: a "service" with a "sddl" (string or
 * null), and "verdict": "broken" when the check gives verdicts (cause 3),
 * else every such item (service-sd-blocks-writer lists only the broken). */
static int item_is_broken_sd(json_t *ev)
{
	json_t *verdict = json_object_get(ev, "verdict");

	if (!json_is_string(json_object_get(ev, "service")) ||
	    !json_object_get(ev, "sddl"))
		return 0;
	return !verdict || (json_is_string(verdict) &&
			    strcmp(json_string_value(verdict), "broken") == 0);
}

static json_t *find_service_item(json_t *evidence, const char *service)
{
	size_t i;
	json_t *ev;

	json_array_foreach(evidence, i, ev) {
		json_t *sv = json_object_get(ev, "service");

		if (json_is_string(sv) && strcasecmp(json_string_value(sv), service) == 0 &&
		    json_object_get(ev, "sddl"))
			return ev;
	}
	return NULL;
}

/* The descriptor of service as the store's SYSTEM hive holds it: 1 with
 * *sddl (malloc'd, NULL for "no descriptor: the SCM default"), 0 no such
 * service, <0 unreadable. */
static int store_service_sddl(struct scan *sub, const char *service, char **sddl)
{
	struct registry *reg = NULL;
	struct hive *sys = NULL;
	struct secdesc sd;
	struct svc sv;
	struct err e;
	int rc;

	*sddl = NULL;
	err_init(&e);
	if (registry_get(&sub->ev, &reg, &e) < 0 || registry_system(reg, &sys, &e) < 0 ||
	    !reg->control_set[0])
		return -1;
	rc = svc_load(sys, reg->control_set, service, &sv, &e);
	if (rc <= 0)
		return rc;
	if (sv.sd_error[0]) {
		svc_release(&sv);
		return -1;
	}
	rc = 1;
	if (sv.sd_state == SVC_SD_PRESENT) {
		memset(&sd, 0, sizeof(sd));
		if (secdesc_parse(sv.sd, sv.sd_len, &sd, &e) < 0 ||
		    sddl_encode(&sd, SDDL_RIGHTS_SERVICE, sddl, &e) < 0)
			rc = -1;
		secdesc_release(&sd);
	}
	svc_release(&sv);
	return rc;
}

/* For each descriptor the live scan finds broken: was it right in this
 * store, and what was it? */
static void note_good(struct point *p, const struct scan *live, struct scan *sub)
{
	size_t i, j, k;
	json_t *ev;

	for (i = 0; i < live->nresults; i++) {
		const struct result *lr = &live->results[i];
		const struct result *sr = NULL;
		const char *id = result_id(lr, i);

		if (lr->status != STATUS_PRESENT)
			continue;
		for (k = 0; k < sub->nresults; k++)
			if (strcmp(result_id(&sub->results[k], k), id) == 0)
				sr = &sub->results[k];
		json_array_foreach(lr->evidence, j, ev) {
			const char *service = json_string_value(json_object_get(ev, "service"));
			json_t *sitem, *val;
			char key[512], *sddl = NULL;
			int right, rc;

			if (!item_is_broken_sd(ev) || !sr || sr->status == STATUS_UNKNOWN)
				continue;
			sitem = sr->status == STATUS_PRESENT ?
				find_service_item(sr->evidence, service) : NULL;
			/* absent: every descriptor was right; present: this one
			 * unless the check lists it as broken */
			right = !sitem || !item_is_broken_sd(sitem);
			snprintf(key, sizeof(key), "%s\n%s", id, service);
			if (!right) {
				json_object_set_new(p->good, key, json_pack("{s:b}", "right", 0));
				continue;
			}
			if (sitem) {
				val = json_object_get(sitem, "sddl");
				json_object_set_new(p->good, key, json_pack("{s:b, s:O}", "right", 1,
									 "sddl", val));
				continue;
			}
			rc = store_service_sddl(sub, service, &sddl);
			if (rc == 1)
				json_object_set_new(p->good, key, json_pack("{s:b, s:o}", "right", 1,
					"sddl", sddl ? json_string(sddl) : json_null()));
			free(sddl);
		}
	}
}

/* Scan store st (its view img, owned from now on) with the live scan's
 * options; fill p. */
static void scan_store(struct point *p, struct scan *live, struct image *img,
		       const struct rule *rules, size_t nrules)
{
	struct scan_opts o = *live->opts;
	struct scan *sub = calloc(1, sizeof(*sub));
	struct err e;
	size_t i;

	/* the view is the volume itself: no partition to choose */
	o.partition = -1;
	o.offset = -1;
	o.shadows = 0;
	o.save_baseline = NULL;
	o.progress = 0;
	err_init(&e);
	if (!sub) {
		image_free(img);
		snprintf(p->why, sizeof(p->why), "out of memory");
		return;
	}
	if (scan_open_image(sub, img, image_path(img), &o, &e) < 0) {
		snprintf(p->why, sizeof(p->why), "%s", e.msg);
		goto out;
	}
	err_init(&e);
	if (scan_run(sub, rules, nrules, &e) < 0) {
		snprintf(p->why, sizeof(p->why), "%s", e.msg);
		goto out;
	}
	p->scanned = 1;
	for (i = 0; i < sub->nresults; i++)
		json_object_set_new(p->status, result_id(&sub->results[i], i),
				    json_string(status_name(sub->results[i].status)));
	note_good(p, live, sub);
out:
	scan_release(sub);
	free(sub);
}

/* One point of a result's history: {"store": N | "live", "created", "status"}. */
static json_t *point_json(const struct point *p, const char *id)
{
	json_t *st = p->scanned ? json_object_get(p->status, id) : NULL;
	json_t *o = json_pack("{s:i, s:s, s:s}", "store", (int)p->st->number,
			      "created", p->st->created,
			      "status", json_is_string(st) ? json_string_value(st) : "unknown");

	if (!p->scanned)
		json_object_set_new(o, "why", json_string(p->why));
	else if (!st)
		json_object_set_new(o, "why", json_string("no such check in this shadow copy"));
	return o;
}

/* Where a point is, in words: "on 2019-06-04 23:43 (store 3)" or "on the
 * live volume". */
static void where(json_t *pt, const char *prep, char *out, size_t size)
{
	json_t *store = json_object_get(pt, "store");
	char d[32];

	if (!json_is_integer(store)) {
		snprintf(out, size, "on the live volume");
		return;
	}
	short_date(json_string_value(json_object_get(pt, "created")), d, sizeof(d));
	snprintf(out, size, "%s %s (store %lld)", prep, d, (long long)json_integer_value(store));
}

/* The history entry of result id: points oldest first then live, the
 * changes between known statuses, and the one sentence for people. */
static json_t *result_history(const struct point *pts, size_t n, const char *id,
			      const char *live_status)
{
	json_t *o = json_object(), *arr = json_array(), *changes = json_array();
	json_t *prev = NULL, *pt, *last = NULL;
	size_t i;

	for (i = 0; i < n; i++)
		json_array_append_new(arr, point_json(&pts[i], id));
	json_array_append_new(arr, json_pack("{s:s, s:s}", "store", "live",
					     "status", live_status));
	json_array_foreach(arr, i, pt) {
		const char *st = json_string_value(json_object_get(pt, "status"));

		if (strcmp(st, "unknown") == 0)
			continue;
		if (prev && strcmp(json_string_value(json_object_get(prev, "status")), st) != 0) {
			json_t *c = json_pack("{s:s, s:s, s:O, s:O}",
					      "from", json_string_value(json_object_get(prev, "status")),
					      "to", st, "last_before", json_object_get(prev, "store"),
					      "first_after", json_object_get(pt, "store"));
			char a[96], b[96], text[512];

			where(prev, "on", a, sizeof(a));
			where(pt, "from", b, sizeof(b));
			snprintf(text, sizeof(text), "%s %s %s, %s %s", id,
				 json_string_value(json_object_get(prev, "status")), a, st, b);
			json_object_set_new(c, "text", json_string(text));
			json_array_append_new(changes, c);
			last = c;
		}
		prev = pt;
	}
	json_object_set_new(o, "id", json_string(id));
	json_object_set_new(o, "statuses", arr);
	json_object_set_new(o, "changed", json_boolean(json_array_size(changes) > 0));
	json_object_set_new(o, "changes", changes);
	/* the first change, as the sentence; when there were more,
	 * the one that started the live status matters most and comes last */
	if (json_array_size(changes)) {
		json_t *first = json_array_get(changes, 0);
		char text[1024];

		if (json_array_size(changes) == 1)
			snprintf(text, sizeof(text), "%s", json_string_value(json_object_get(first, "text")));
		else
			snprintf(text, sizeof(text), "%s; %zu changes in all, the last: %s",
				 json_string_value(json_object_get(first, "text")),
				 json_array_size(changes),
				 json_string_value(json_object_get(last, "text")) + strlen(id) + 1);
		json_object_set_new(o, "summary", json_string(text));
	}
	return o;
}

/* The last good value of each broken descriptor of live result i: the
 * newest store where it was right. */
static void fill_last_good(struct result *res, const char *id,
			   const struct point *pts, size_t n)
{
	size_t j;
	json_t *ev;

	json_array_foreach(res->evidence, j, ev) {
		const char *service = json_string_value(json_object_get(ev, "service"));
		char key[512];
		size_t k;

		if (!item_is_broken_sd(ev))
			continue;
		snprintf(key, sizeof(key), "%s\n%s", id, service);
		for (k = n; k-- > 0;) {
			json_t *g = pts[k].scanned ? json_object_get(pts[k].good, key) : NULL;
			json_t *sddl, *lg;
			const char *expected = json_string_value(json_object_get(ev, "expected"));
			char d[32], *cmd = NULL, *text = NULL;

			if (!g || !json_is_true(json_object_get(g, "right")))
				continue;
			sddl = json_object_get(g, "sddl");
			short_date(pts[k].st->created, d, sizeof(d));
			if (json_is_string(sddl)) {
				if (asprintf(&cmd, "sc sdset %s %s", service, json_string_value(sddl)) < 0)
					cmd = NULL;
				if (cmd && asprintf(&text, "restore %s's descriptor as it was on %s (shadow copy store %u): %s",
						    service, d, pts[k].st->number, cmd) < 0)
					text = NULL;
			} else if (expected) {
				/* no descriptor then: the SCM default applied */
				if (asprintf(&cmd, "sc sdset %s %s", service, expected) < 0)
					cmd = NULL;
				if (cmd && asprintf(&text, "on %s (shadow copy store %u) %s had no descriptor of its own and the SCM default applied: %s",
						    d, pts[k].st->number, service, cmd) < 0)
					text = NULL;
			}
			if (!cmd || !text) {
				free(cmd);
				free(text);
				break;
			}
			lg = json_pack("{s:s, s:s, s:O, s:i, s:s, s:s, s:s, s:s}",
				       "kind", "service_descriptor", "service", service,
				       "sddl", sddl, "store", (int)pts[k].st->number,
				       "identifier", pts[k].st->identifier,
				       "created", pts[k].st->created, "command", cmd,
				       "text", text);
			if (!res->last_good)
				res->last_good = json_array();
			json_array_append_new(res->last_good, lg);
			free(cmd);
			free(text);
			break;
		}
	}
}

static int by_time(const void *a, const void *b)
{
	const struct point *x = a, *y = b;

	if (x->st->filetime != y->st->filetime)
		return x->st->filetime < y->st->filetime ? -1 : 1;
	return x->st->number < y->st->number ? -1 : x->st->number > y->st->number;
}

static int history_run(struct scan *s, const struct rule *rules, size_t nrules,
		       struct err *err)
{
	const struct scan_opts *o = s->opts;
	struct point *pts = NULL;
	struct vss *v = NULL;
	struct err e;
	size_t n = 0, i;
	unsigned k;
	int rc;

	rc = scan_run(s, rules, nrules, err);
	if (rc < 0 || !o || !o->shadows)
		return rc;
	if (s->ev.is_dir || !s->ev.img) {
		evidence_warn(&s->ev, "--shadows: a mounted volume's directory does not show its shadow copies: scan the disk image instead");
		fprintf(stderr, "vssdoctor: '%s': --shadows: shadow copies are read from disk images, not from a directory: scanning the live volume only\n",
			s->source);
		return 0;
	}
	s->shadow_copies = json_array();
	s->history = json_array();
	if (!s->shadow_copies || !s->history)
		return err_set(err, -E_NOMEM, "out of memory");
	err_init(&e);
	rc = vss_open(&v, s->ev.img, s->ev.vol.offset, s->ev.vol.size, &e);
	if (rc < 0) {
		evidence_warn(&s->ev, "shadow copies cannot be read: %s", e.msg);
		return 0;
	}
	if (rc > 0 && vss_warning(v)[0])
		evidence_warn(&s->ev, "%s", vss_warning(v));
	if (rc == 0 || vss_count(v) == 0) {
		if (rc == 0 || !vss_warning(v)[0])
			evidence_warn(&s->ev, "--shadows: the volume has no shadow copies");
		vss_free(v);
		return 0;
	}
	pts = calloc(vss_count(v), sizeof(*pts));
	if (!pts) {
		vss_free(v);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	for (k = 0; k < vss_count(v); k++) {
		const struct vss_store *st = vss_store_at(v, k);

		if (o->shadows > 0 && st->number != (unsigned)o->shadows)
			continue;
		pts[n].st = st;
		pts[n].status = json_object();
		pts[n].good = json_object();
		n++;
	}
	if (n == 0)
		evidence_warn(&s->ev, "--shadow %d: no such shadow copy store (the volume has %u; see 'vssdoctor info')",
			  o->shadows, vss_count(v));
	qsort(pts, n, sizeof(*pts), by_time);
	for (i = 0; i < n; i++) {
		struct image *view = NULL;
		unsigned idx;

		for (idx = 0; vss_store_at(v, idx) != pts[i].st; idx++)
			;
		if (o->progress)
			fprintf(stderr, "vssdoctor: '%s': shadow copy store %u of %s (%zu/%zu)\n",
				s->source, pts[i].st->number, pts[i].st->created, i + 1, n);
		err_init(&e);
		if (vss_store_image(v, idx, &view, &e) < 0)
			snprintf(pts[i].why, sizeof(pts[i].why), "%s", e.msg);
		else
			scan_store(&pts[i], s, view, rules, nrules);
		json_array_append_new(s->shadow_copies,
			json_pack("{s:i, s:s, s:s, s:I, s:b}", "store", (int)pts[i].st->number,
				  "identifier", pts[i].st->identifier, "created", pts[i].st->created,
				  "volume_size", (json_int_t)pts[i].st->volume_size,
				  "scanned", pts[i].scanned));
		if (!pts[i].scanned) {
			json_object_set_new(json_array_get(s->shadow_copies, i), "why",
					    json_string(pts[i].why));
			evidence_warn(&s->ev, "shadow copy store %u (%s) not scanned: %s",
				  pts[i].st->number, pts[i].st->created, pts[i].why);
		}
	}
	for (i = 0; i < s->nresults; i++) {
		const char *id = result_id(&s->results[i], i);

		json_array_append_new(s->history, result_history(pts, n, id,
					status_name(s->results[i].status)));
		if (s->results[i].status == STATUS_PRESENT)
			fill_last_good(&s->results[i], id, pts, n);
	}
	if (o->verbose) {
		uint64_t hits, misses;

		vss_cache_stats(v, &hits, &misses);
		fprintf(stderr, "vssdoctor: '%s': %zu shadow copies scanned; block cache: %llu hits, %llu misses\n",
			s->source, n, (unsigned long long)hits, (unsigned long long)misses);
	}
	for (i = 0; i < n; i++) {
		json_decref(pts[i].status);
		json_decref(pts[i].good);
	}
	free(pts);
	vss_free(v);
	s->t_total_ms = (now_ns() - s->t_start_ns) / 1000000;
	return 0;
}

int history_scan(struct scan *s, const struct rule *rules, size_t nrules,
		 struct err *err)
{
	int rc;

	/* a log the stores have byte for byte in common is indexed once */
	if (s->opts && s->opts->shadows)
		events_share_begin();
	rc = history_run(s, rules, nrules, err);
	if (s->opts && s->opts->shadows)
		events_share_end();
	return rc;
}
