/* Orchestration: source -> volume -> fs -> rules -> results. */
#define _GNU_SOURCE
#include "scan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "events.h"
#include "rules.h"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *status_name(enum status st)
{
	switch (st) {
	case STATUS_PRESENT: return "present";
	case STATUS_ABSENT: return "absent";
	default: return "unknown";
	}
}

static int scan_init(struct scan *s, const char *source,
		     const struct scan_opts *opts)
{
	memset(s, 0, sizeof(*s));
	s->t_start_ns = now_ns();
	s->opts = opts;
	s->source = source;
	if (evidence_init(&s->ev, source) < 0)
		return -E_NOMEM;
	if (opts) {
		s->ev.no_replay = opts->no_replay;
		s->ev.threshold_aspnet = opts->threshold_aspnet;
		s->ev.baseline = opts->baseline;
	}
	return 0;
}

static void scan_where(const struct scan_opts *opts, struct evidence_where *w)
{
	w->partition = opts ? opts->partition : -1;
	w->offset = opts ? opts->offset : -1;
}

static int scan_opened(struct scan *s, int rc, struct err *err)
{
	if (rc < 0) {
		s->open_failed = 1;
		s->open_err = *err;
	}
	scan_source_fill(s);
	return rc;
}

int scan_open_image(struct scan *s, struct image *img, const char *name,
		    const struct scan_opts *opts, struct err *err)
{
	struct evidence_where w;

	scan_where(opts, &w);
	if (scan_init(s, name, opts) < 0) {
		image_free(img);
		return scan_opened(s, err_set(err, -E_NOMEM, "out of memory"), err);
	}
	return scan_opened(s, evidence_open_image(&s->ev, img, &w, err), err);
}

int scan_open(struct scan *s, const char *source, const struct scan_opts *opts,
	      struct err *err)
{
	struct evidence_where w;

	scan_where(opts, &w);
	if (scan_init(s, source, opts) < 0)
		return scan_opened(s, err_set(err, -E_NOMEM, "out of memory"), err);
	return scan_opened(s, evidence_open(&s->ev, source, &w, err), err);
}

static void summary_from_rule(const struct rule *r, struct result *res)
{
	json_t *t = json_object_get(r->summary, status_name(res->status));

	if (res->summary)
		return;
	if (json_is_string(t))
		res->summary = rule_fill(json_string_value(t), res->vars, 0);
	if (!res->summary)
		res->summary = strdup(res->status == STATUS_PRESENT ? "the disk shows this cause" :
				      res->status == STATUS_ABSENT ? "checked: not present" :
				      "could not be checked");
}

/* Attach event evidence; a spec with makes_present upgrades the status. */
static void run_events(struct scan *s, const struct rule *r, struct result *res)
{
	size_t i;
	json_t *spec;
	int read_any = 0, failed = 0;

	if (!r->events)
		return;
	json_array_foreach(r->events, i, spec) {
		struct err e;
		int n;

		err_init(&e);
		n = events_collect(&s->ev, spec, res->evidence, &e);
		if (n < 0) {
			failed++;
			/* an unreadable log was warned about once where it was
			 * read; anything else is said here, not dropped */
			if (e.code != -E_IO && e.code != -E_NOTFOUND && e.code != -E_CORRUPT &&
			    e.code != -E_FORMAT)
				evidence_warn(&s->ev, "rule %s: events[%zu]: %s", r->id, i, e.msg);
			continue;
		}
		read_any = 1;
		if (n > 0 && json_is_true(json_object_get(spec, "makes_present")) &&
		    res->status != STATUS_PRESENT) {
			/* the disk's own checks did not show it, the logs do: say
			 * so rather than fill the rule's sentence for the disk */
			const char *label = json_string_value(json_object_get(spec, "label"));
			char *was = res->summary, *seen;

			/* an events-only rule has no disk check of its own: its
			 * "absent" sentence is about these very logs */
			if ((r->check->flags & CHECK_EVENTS_ONLY)) {
				free(was);
				was = NULL;
			}

			if (asprintf(&seen, "%s (%d event%s)",
				     label ? label : json_string_value(json_object_get(spec, "provider")),
				     n, n == 1 ? "" : "s") < 0)
				seen = NULL;
			if (res->status == STATUS_ABSENT && !(r->check->flags & CHECK_EVENTS_ONLY) &&
			    seen)
				res->by_events = strdup(seen);
			res->status = STATUS_PRESENT;
			if (asprintf(&res->summary, "the event logs show it: %s%s%s",
				     seen ? seen : "?", was ? "; on the disk: " : "", was ? was : "") < 0)
				res->summary = NULL;
			free(seen);
			free(was);
		}
	}
	/* an events-only finding whose logs could not be read is unknown */
	if ((r->check->flags & CHECK_EVENTS_ONLY) && !read_any && failed) {
		res->status = STATUS_UNKNOWN;
		free(res->summary);
		res->summary = strdup("the event logs could not be read");
	}
}

static int run_rule(struct scan *s, const struct rule *r, struct result *res)
{
	struct err e;
	int rc;

	memset(res, 0, sizeof(*res));
	res->rule = r;
	res->status = STATUS_UNKNOWN;
	res->evidence = json_array();
	res->vars = json_object();
	res->remediation = json_array();
	if (!res->evidence || !res->vars || !res->remediation)
		return -E_NOMEM;
	err_init(&e);
	rc = r->check->fn(&s->ev, r, res, &e);
	if (rc == CHECK_NOT_APPLICABLE)
		return CHECK_NOT_APPLICABLE;
	if (rc < 0) {
		res->status = STATUS_UNKNOWN;
		free(res->summary);
		if (asprintf(&res->summary, "could not be checked: %s",
			     e.msg[0] ? e.msg : err_code_name(rc)) < 0)
			res->summary = NULL;
	}
	summary_from_rule(r, res);
	run_events(s, r, res);
	summary_from_rule(r, res);
	if (res->status == STATUS_PRESENT) {
		err_init(&e);
		if (rule_expand_remediation(r, res, &e) < 0)
			return e.code;
	}
	return 0;
}

/* Every rule's event specs, in rule order: its "events", then the
 * objects of its params "sources" (a check's own searches), for the event
 * log collector to read ahead with (evidence.h). */
static int event_specs(struct scan *s)
{
	json_t *all = json_array(), *sp;
	size_t k, i;

	if (!all)
		return -E_NOMEM;
	for (k = 0; k < s->nrules; k++) {
		json_t *src = s->rules[k].params ? json_object_get(s->rules[k].params, "sources") : NULL;

		json_array_foreach(s->rules[k].events, i, sp)
			json_array_append(all, sp);
		json_array_foreach(src, i, sp)
			if (json_is_object(sp))
				json_array_append(all, sp);
	}
	json_decref(s->ev.event_specs);
	s->ev.event_specs = all;
	return 0;
}

int scan_run(struct scan *s, const struct rule *rules, size_t nrules,
	     struct err *err)
{
	size_t i, k, n = 0;
	int rc;

	s->rules = rules;
	s->nrules = nrules;
	if (event_specs(s) < 0)
		return err_set(err, -E_NOMEM, "out of memory");
	s->results = calloc(nrules + SEED_CAUSES, sizeof(*s->results));
	if (!s->results)
		return err_set(err, -E_NOMEM, "out of memory");
	/* the four seed causes always, in order, even when a rule is missing */
	for (k = 0; k < SEED_CAUSES; k++) {
		const struct rule *r = NULL;

		for (i = 0; i < nrules; i++)
			if (rules[i].kind == RULE_CAUSE && strcmp(rules[i].id, seed_causes[k].id) == 0)
				r = &rules[i];
		if (!r) {
			struct result *res = &s->results[n++];

			memset(res, 0, sizeof(*res));
			res->status = STATUS_UNKNOWN;
			if (asprintf(&res->summary, "no rule for %s in the rules folder",
				     seed_causes[k].id) < 0)
				res->summary = NULL;
			res->evidence = json_array();
			res->vars = json_object();
			res->remediation = json_array();
			s->nresults = n;
			continue;
		}
		rc = run_rule(s, r, &s->results[n++]);
		s->nresults = n;
		if (rc < 0)
			return err_set(err, rc, "rule '%s' failed", r->id);
	}
	for (i = 0; i < nrules; i++) {
		int seed = 0;

		for (k = 0; k < SEED_CAUSES; k++)
			if (strcmp(rules[i].id, seed_causes[k].id) == 0)
				seed = 1;
		if (seed)
			continue;
		rc = run_rule(s, &rules[i], &s->results[n++]);
		if (rc == CHECK_NOT_APPLICABLE) {
			struct result *res = &s->results[--n];

			free(res->summary);
			free(res->by_events);
			json_decref(res->evidence);
			json_decref(res->vars);
			json_decref(res->remediation);
			memset(res, 0, sizeof(*res));
			continue;
		}
		s->nresults = n;
		if (rc < 0)
			return err_set(err, rc, "rule '%s' failed", rules[i].id);
	}
	s->nresults = n;
	s->t_total_ms = (now_ns() - s->t_start_ns) / 1000000;
	/* a mapped raw file that shrank under the scan read as zeros since
	 * (image_map.c): nothing of it can be trusted */
	if (s->ev.img && image_damaged(s->ev.img))
		return err_set(err, -E_IO, "the source changed size while it was being read: scan again");
	return 0;
}

const char *result_id(const struct result *res, size_t index)
{
	if (res->rule)
		return res->rule->id;
	return index < SEED_CAUSES ? seed_causes[index].id : "unknown";
}

int scan_result_fails(const struct scan *s, size_t i)
{
	return i < SEED_CAUSES || (s->results[i].rule && s->results[i].rule->fails);
}

int scan_exit_status(const struct scan *s)
{
	size_t i;
	int present = 0, unknown = 0;

	if (s->open_failed)
		return 2;
	for (i = 0; i < s->nresults; i++) {
		const struct result *res = &s->results[i];

		if (scan_result_fails(s, i) && res->status == STATUS_PRESENT)
			present = 1;
		if (res->status == STATUS_UNKNOWN)
			unknown = 1;
	}
	return present ? 1 : unknown ? 3 : 0;
}

void scan_release(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->nresults; i++) {
		free(s->results[i].summary);
		free(s->results[i].by_events);
		json_decref(s->results[i].evidence);
		json_decref(s->results[i].vars);
		json_decref(s->results[i].remediation);
		json_decref(s->results[i].last_good);
	}
	free(s->results);
	evidence_release(&s->ev);
	json_decref(s->history);
	json_decref(s->shadow_copies);
	memset(s, 0, sizeof(*s));
}
