/* Reading and indexing an event log for a scan (event_logs.c).
 *
 * Application.evtx and System.evtx are indexed together, on two threads,
 * when the first spec needs either: the volume is read on this thread
 * only (the first log's file, then the partner's while the first is
 * being indexed on the second thread); events_log_load touches nothing
 * shared.  The scan's API stays single-threaded: both are done before
 * events_collect returns. */
#define _GNU_SOURCE
#include "event_logs_priv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "windir.h"

static void job_release_filter(struct load_job *j)
{
	size_t i;

	for (i = 0; j->rids && i < j->nrprov; i++)
		free(j->rids[i]);
	free(j->rids);
	free(j->rnids);
	free(j->rprov);
	free(j->rsvc);
	j->rids = NULL;
	j->rnids = NULL;
	j->rprov = NULL;
	j->rsvc = NULL;
	j->nrprov = 0;
}

static void job_release(struct load_job *j)
{
	job_release_filter(j);
	fs_data_release(&j->data);
}

/* Whether a rule's spec reads log d. */
static int spec_reads(json_t *spec, const struct log_def *d)
{
	const char *log = json_string_value(json_object_get(spec, "log"));

	return log && strcasecmp(log, d->spec) == 0;
}

/* The index of name in v (n entries, any case), added when new. */
static size_t add_unique(const char **v, size_t *n, const char *name)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (strcasecmp(v[i], name) == 0)
			return i;
	v[*n] = name;
	return (*n)++;
}

/* Add spec's ids to provider at's list; every id when they are not a
 * list of numbers 0..65535 (the collector then reports the bad spec). */
static int add_ids(struct load_job *j, size_t at, json_t *spec, uint8_t *all)
{
	json_t *ids = json_object_get(spec, "ids"), *v;
	size_t k, q;
	uint16_t *p;

	if (all[at])
		return 0;
	if (!json_is_array(ids)) {
		all[at] = 1;
		return 0;
	}
	p = realloc(j->rids[at], (j->rnids[at] + json_array_size(ids) + 1) * sizeof(*p));
	if (!p)
		return -E_NOMEM;
	j->rids[at] = p;
	json_array_foreach(ids, k, v) {
		json_int_t id = json_integer_value(v);

		if (!json_is_integer(v) || id < 0 || id > 0xffff) {
			all[at] = 1;
			return 0;
		}
		for (q = 0; q < j->rnids[at] && p[q] != id; q++)
			;
		if (q == j->rnids[at])
			p[j->rnids[at]++] = (uint16_t)id;
	}
	return 0;
}

/* The filter every rule's "events" specs for this job's log (and spec,
 * when it is not one of them) need together: their providers, each with
 * the union of its ids, and the union of their services (every service
 * when a Service Control Manager spec names none).  Derived from the
 * loaded rules, so a rule naming a new provider or id is let through
 * with no change here.  0 or <0 (out of memory: the caller falls back). */
static int rules_filter(const struct evidence *ev, struct load_job *j, json_t *spec)
{
	size_t nspecs = 1, nsvc = 0, r, at, k;
	uint8_t *all;
	int svc_all = 0, rc = 0;
	json_t *sp, *v;

	nspecs += json_array_size(ev->event_specs);
	j->rprov = calloc(nspecs, sizeof(*j->rprov));
	j->rids = calloc(nspecs, sizeof(*j->rids));
	j->rnids = calloc(nspecs, sizeof(*j->rnids));
	j->rsvc = calloc(nspecs * LIMIT_EVENT_SPEC_IDS, sizeof(*j->rsvc));
	all = calloc(nspecs, 1);
	if (!j->rprov || !j->rids || !j->rnids || !j->rsvc || !all) {
		free(all);
		return -E_NOMEM;
	}
	/* the rules' specs in order (their "events", then a check's own
	 * searches in params "sources": ev->event_specs), then this job's
	 * spec, so the first load keeps every record a rule will ask for */
	for (r = 0; rc == 0 && r <= json_array_size(ev->event_specs); r++) {
		const char *prov;
		json_t *svc;

		sp = r < json_array_size(ev->event_specs) ? json_array_get(ev->event_specs, r) : spec;
		if (!sp)
			continue;
		prov = json_string_value(json_object_get(sp, "provider"));
		if (!spec_reads(sp, j->d) || !prov)
			continue;
		at = add_unique(j->rprov, &j->nrprov, prov);
		rc = add_ids(j, at, sp, all);
		svc = json_object_get(sp, "services");
		if (json_is_array(svc) && json_array_size(svc) <= LIMIT_EVENT_SPEC_IDS)
			json_array_foreach(svc, k, v)
				add_unique(j->rsvc, &nsvc, json_is_string(v) ? json_string_value(v) : "");
		else if (strcasecmp(prov, "Service Control Manager") == 0)
			svc_all = 1;
	}
	for (k = 0; k < j->nrprov; k++) {
		if (all[k]) {
			free(j->rids[k]);
			j->rids[k] = NULL;
			j->rnids[k] = 0;
		}
	}
	free(all);
	if (rc < 0)
		return rc;
	j->f.providers = j->rprov;
	j->f.nproviders = j->nrprov;
	if (nsvc && !svc_all) {
		j->f.services = j->rsvc;
		j->f.nservices = nsvc;
	}
	j->ids.ids = (const uint16_t *const *)j->rids;
	j->ids.nids = j->rnids;
	return 0;
}

/* Read the log's file for spec (NULL: the log's defaults) into j->data;
 * a missing or unreadable file leaves j->data NULL and says so in j->c. */
static void job_read(const struct evidence *ev, struct load_job *j, json_t *spec)
{
	const char *provider = json_string_value(json_object_get(spec, "provider"));
	json_t *svc = json_object_get(spec, "services"), *v;
	struct cached_log *c = j->c;
	char path[LIMIT_WINDIR_LEN + 128];
	size_t i, n = 0;
	int rc;

	evlogs_cached_drop(c);
	c->missing = 0;
	err_init(&c->why);
	/* %SystemRoot%\System32\winevt\Logs */
	rc = evidence_windir_path(ev, WINDIR_LOGS, path, sizeof(path), &c->why);
	if (rc == 0 && strlen(path) + 1 + strlen(j->d->file) >= sizeof(path))
		rc = err_set(&c->why, -E_LIMIT, "'%s': path too long", path);
	if (rc == 0) {
		strcat(path, "\\");
		strcat(path, j->d->file);
		/* no slack: events_log_load hands libevtx whole chunks only */
		rc = fs_read_file_ref(ev->fs, path, LIMIT_EVTX_SIZE, 0, &j->data, &c->why);
	}
	if (rc == 0) {
		c->missing = 1;
		err_set(&c->why, -E_NOTFOUND, "%s absent", j->d->file);
		fs_data_release(&j->data);
		return;
	}
	if (rc < 0) {
		err_wrap(&c->why, "%s", j->d->file);
		fs_data_release(&j->data);
		return;
	}
	memset(&j->f, 0, sizeof(j->f));
	if (json_array_size(ev->event_specs)) {
		if (rules_filter(ev, j, spec) == 0)
			return;
		job_release_filter(j);
		memset(&j->f, 0, sizeof(j->f));
	}
	for (i = 0; i < j->d->nkeep && n < KEEP_MAX; i++)
		j->keep[n++] = j->d->keep[i];
	if (provider)
		j->keep[n++] = provider;
	j->f.providers = j->keep;
	j->f.nproviders = n;
	/* the 7036 records of other services are skipped (they are most of a
	 * System log); a later spec naming others reads the log again */
	if (json_is_array(svc) && json_array_size(svc) <= LIMIT_EVENT_SPEC_IDS) {
		json_array_foreach(svc, i, v)
			j->services[j->f.nservices++] = json_is_string(v) ? json_string_value(v) : "";
		j->f.services = j->services;
	}
}

/* Index what job_read read (on any thread: touches only j, and the
 * shared logs under their lock). */
static void job_index(struct load_job *j)
{
	char *sig = NULL;

	if (!j->data.p) {
		job_release(j);
		return;
	}
	if (evlogs_share_enabled()) {
		sig = evlogs_share_sig(j);
		if (sig && evlogs_share_find(j, sig)) {
			free(sig);
			job_release(j);
			return;
		}
	}
	if (events_log_load_ids(j->data.p, j->data.len, j->keep_all ? NULL : &j->f,
				j->rprov ? &j->ids : NULL, &j->c->log, &j->c->why) < 0)
		err_wrap(&j->c->why, "%s", j->d->file);
	else if (sig) {
		evlogs_share_add(j, sig);
		sig = NULL;
	}
	free(sig);
	job_release(j);
}

static void *job_thread(void *arg)
{
	job_index(arg);
	return NULL;
}

/* Read and index the log for spec (its provider, and its services for
 * the Service Control Manager analysis); keep_all: every record. */
void evlogs_load_log(const struct evidence *ev, const struct log_def *d, json_t *spec,
		     int keep_all, struct cached_log *c)
{
	struct load_job j;

	memset(&j, 0, sizeof(j));
	j.d = d;
	j.c = c;
	j.keep_all = keep_all;
	job_read(ev, &j, spec);
	job_index(&j);
}

/* First use of log d: index it for spec and, for Application and System,
 * the other one (with its defaults) at the same time on a second thread;
 * both go into the scan cache.  Returns d's entry or NULL (err set). */
struct cached_log *evlogs_load_first(const struct evidence *ev, const struct log_def *d,
				     json_t *spec, struct err *err)
{
	struct load_job mine, other;
	const struct log_def *pd = NULL;
	pthread_t th;
	int started = 0;
	size_t i;

	memset(&mine, 0, sizeof(mine));
	memset(&other, 0, sizeof(other));
	for (i = 0; !d->optional && i < sizeof(event_log_defs) / sizeof(event_log_defs[0]); i++)
		if (&event_log_defs[i] != d && !event_log_defs[i].optional &&
		    !ev->cache->logs[i])
			pd = &event_log_defs[i];
	mine.d = d;
	mine.c = calloc(1, sizeof(*mine.c));
	if (!mine.c) {
		err_set(err, -E_NOMEM, "out of memory");
		return NULL;
	}
	job_read(ev, &mine, spec);
	if (pd) {
		other.d = pd;
		other.c = calloc(1, sizeof(*other.c));
		if (other.c) {
			started = mine.data.p &&
				  pthread_create(&th, NULL, job_thread, &mine) == 0;
			job_read(ev, &other, NULL);
			job_index(&other);
		}
	}
	if (started)
		pthread_join(th, NULL);
	else
		job_index(&mine);
	/* the partner warns on its first use, as if loaded then */
	if (other.c)
		ev->cache->logs[pd - event_log_defs] = other.c;
	ev->cache->logs[d - event_log_defs] = mine.c;
	return mine.c;
}
