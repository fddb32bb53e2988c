/* The event-log collector's scan side (events_collect: which file, the
 * evidence's cache, warnings).
 *
 * Application.evtx and System.evtx are indexed together, on two threads,
 * when the first spec needs either: the volume is read on this thread
 * only (the first log's file, then the partner's while the first is
 * being indexed on the second thread); events_log_load touches nothing
 * shared.  The scan's API stays single-threaded: both are done before
 * events_collect returns.
 *
 * Service display names come from the scan's SYSTEM hive (registry.h,
 * services.h), read only when an event names a service by display name
 * (CAPI2 513 AddLegacyDriverFiles, SCM events without <Binary>). */
#define _GNU_SOURCE
#include "events.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "registry.h"
#include "services.h"
#include "windir.h"

/* Providers whose strings the index keeps on first load, per log: those
 * the rules' specs name for it (rules/NAME.json); a spec naming another
 * provider reloads the log keeping everything (events_log_keeps). */
static const char *const keep_application[] = {
	"Microsoft-Windows-CAPI2", "VSS", "Microsoft-Windows-Backup", "swprv",
};
static const char *const keep_system[] = { "Service Control Manager" };
static const char *const keep_capi2[] = { "Microsoft-Windows-CAPI2" };

#define NKEEP(a) (sizeof(a) / sizeof((a)[0]))
#define KEEP_MAX 4                  /* the longest list above */

struct log_def {
	const char *spec;           /* "log" in a rule's spec */
	const char *file;
	int optional;               /* absent = no events, no warning */
	const char *const *keep;
	size_t nkeep;
};

static const struct log_def log_defs[] = {
	{ "Application", "Application.evtx", 0,
	  keep_application, NKEEP(keep_application) },
	{ "System", "System.evtx", 0, keep_system, NKEEP(keep_system) },
	/* disabled by default: often absent or empty */
	{ "CAPI2", "Microsoft-Windows-CAPI2%4Operational.evtx", 1,
	  keep_capi2, NKEEP(keep_capi2) },
};

int events_log_known(const char *log)
{
	size_t i;

	for (i = 0; log && i < NKEEP(log_defs); i++)
		if (strcmp(log, log_defs[i].spec) == 0)
			return 1;
	return 0;
}

struct shared_log;

struct cached_log {
	struct events_log *log;     /* NULL when missing or unreadable */
	struct shared_log *shared;  /* log belongs to this entry (--shadows) */
	int missing;
	int warned;                 /* warn_log ran for this load */
	struct err why;
};

/* ---- logs shared by the scans of one --shadows run ------------------ *
 * A shadow copy's log is often byte for byte the live one's or an older
 * copy's.  Between events_share_begin and events_share_end, an index is
 * built once per content (bytes compared in full) and filter, and every
 * scan whose log has those bytes uses it.  At most
 * LIMIT_EVENTS_SHARE_BYTES of log bytes are kept for the comparison. */
struct shared_log {
	char *file;
	uint8_t *bytes;
	size_t len;
	char *filter;               /* what the index keeps (filter_sig) */
	struct events_log *log;
	unsigned refs;              /* cached_logs using it */
	struct shared_log *next;
};

static struct {
	int on;
	size_t bytes;
	struct shared_log *head;
	pthread_mutex_t mu;
} share = { 0, 0, NULL, PTHREAD_MUTEX_INITIALIZER };

static void shared_free(struct shared_log *e)
{
	events_log_free(e->log);
	free(e->bytes);
	free(e->file);
	free(e->filter);
	free(e);
}

/* Drop the entries nobody uses once sharing is off (share.mu held). */
static void share_sweep(void)
{
	struct shared_log **pp = &share.head;

	while (*pp) {
		struct shared_log *e = *pp;

		if (!share.on && e->refs == 0) {
			*pp = e->next;
			share.bytes -= e->len;
			shared_free(e);
		} else {
			pp = &e->next;
		}
	}
}

void events_share_begin(void)
{
	pthread_mutex_lock(&share.mu);
	share.on = 1;
	pthread_mutex_unlock(&share.mu);
}

void events_share_end(void)
{
	pthread_mutex_lock(&share.mu);
	share.on = 0;
	share_sweep();
	pthread_mutex_unlock(&share.mu);
}

static int share_enabled(void)
{
	int on;

	pthread_mutex_lock(&share.mu);
	on = share.on;
	pthread_mutex_unlock(&share.mu);
	return on;
}

static void shared_put(struct shared_log *e)
{
	pthread_mutex_lock(&share.mu);
	e->refs--;
	share_sweep();
	pthread_mutex_unlock(&share.mu);
}

/* c gives up its log (its own, or its share of an entry's). */
static void cached_log_drop(struct cached_log *c)
{
	if (c->shared)
		shared_put(c->shared);
	else
		events_log_free(c->log);
	c->shared = NULL;
	c->log = NULL;
}

static void cached_log_free(struct cached_log *c)
{
	if (!c)
		return;
	cached_log_drop(c);
	free(c);
}

/* One log to index: its file's bytes and what to keep. */
struct load_job {
	const struct log_def *d;
	struct cached_log *c;
	struct fs_data data;        /* data.p NULL: nothing to index (c says
	                               why); lent in place when the volume
	                               allows (fs_read_file_ref) */
	int keep_all;
	struct events_filter f;
	const char *keep[KEEP_MAX + 1];
	const char *services[LIMIT_EVENT_SPEC_IDS];
	/* the filter the rules ask for (rules_filter), when there are rules */
	const char **rprov;
	uint16_t **rids;            /* per provider; NULL: every id */
	size_t *rnids;
	const char **rsvc;
	size_t nrprov;
	struct events_ids ids;
};

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

/* Spec i of the rules' specs for this scan, in order, then extra.  A
 * rule's specs are its "events" and then the event specs a check takes
 * in params "sources" (writer_errors): a check's own searches are known
 * when the rules load, so the first load keeps their records too instead
 * of reading the whole log again through libevtx. */
static json_t *nth_spec(const struct evidence *ev, json_t *extra, size_t *r, size_t *i)
{
	size_t n = json_array_size(ev->event_specs);

	(void)i;
	if (*r < n)
		return json_array_get(ev->event_specs, (*r)++);
	if (*r == n) {
		(*r)++;
		return extra;
	}
	return NULL;
}

/* The filter every rule's "events" specs for this job's log (and spec,
 * when it is not one of them) need together: their providers, each with
 * the union of its ids, and the union of their services (every service
 * when a Service Control Manager spec names none).  Derived from the
 * loaded rules, so a rule naming a new provider or id is let through
 * with no change here.  0 or <0 (out of memory: the caller falls back). */
static int rules_filter(const struct evidence *ev, struct load_job *j, json_t *spec)
{
	size_t nspecs = 1, nsvc = 0, r = 0, i = 0, at, k;
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
	while (rc == 0 && (r <= json_array_size(ev->event_specs))) {
		const char *prov;
		json_t *svc;

		sp = nth_spec(ev, spec, &r, &i);
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

	cached_log_drop(c);
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

/* What j's index keeps, as one string (for sharing). */
static char *filter_sig(const struct load_job *j)
{
	char *sig = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&sig, &len);

	if (!f)
		return NULL;
	if (j->keep_all) {
		fputs("*", f);
	} else {
		for (i = 0; i < j->f.nproviders; i++)
			fprintf(f, "p%s\x1f", j->f.providers[i]);
		for (i = 0; j->f.services && i < j->f.nservices; i++)
			fprintf(f, "s%s\x1f", j->f.services[i]);
	}
	/* the rules' filter: providers, each with its ids (none: every id) */
	for (i = 0; j->rprov && i < j->nrprov; i++) {
		size_t k;

		fprintf(f, "r%s\x1f", j->rprov[i]);
		for (k = 0; j->rids && j->rids[i] && k < j->rnids[i]; k++)
			fprintf(f, "%u,", (unsigned)j->rids[i][k]);
		fputc('\x1e', f);
	}
	if (fclose(f) != 0) {
		free(sig);
		return NULL;
	}
	return sig;
}

/* An entry with j's bytes and filter, taken for j->c; 1 found, else 0. */
static int share_find(struct load_job *j, const char *sig)
{
	struct shared_log *e;
	int found = 0;

	pthread_mutex_lock(&share.mu);
	for (e = share.head; e && !found; e = e->next) {
		if (e->len != j->data.len || strcmp(e->file, j->d->file) != 0 ||
		    strcmp(e->filter, sig) != 0 || memcmp(e->bytes, j->data.p, j->data.len) != 0)
			continue;
		e->refs++;
		j->c->shared = e;
		j->c->log = e->log;
		found = 1;
	}
	pthread_mutex_unlock(&share.mu);
	return found;
}

/* Keep j's new index and a copy of its bytes for the scans after this
 * one (the bytes may be lent by the volume: they are copied). */
static void share_add(struct load_job *j, char *sig)
{
	struct shared_log *e = calloc(1, sizeof(*e));

	if (!e || !(e->file = strdup(j->d->file))) {
		free(e);
		free(sig);
		return;
	}
	e->filter = sig;
	e->len = j->data.len;
	e->log = j->c->log;
	e->refs = 1;
	pthread_mutex_lock(&share.mu);
	if (!share.on || share.bytes + j->data.len > LIMIT_EVENTS_SHARE_BYTES ||
	    !(e->bytes = malloc(j->data.len ? j->data.len : 1))) {
		pthread_mutex_unlock(&share.mu);
		e->log = NULL;
		shared_free(e);
		return;
	}
	memcpy(e->bytes, j->data.p, j->data.len);
	share.bytes += j->data.len;
	e->next = share.head;
	share.head = e;
	j->c->shared = e;
	pthread_mutex_unlock(&share.mu);
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
	if (share_enabled()) {
		sig = filter_sig(j);
		if (sig && share_find(j, sig)) {
			free(sig);
			job_release(j);
			return;
		}
	}
	if (events_log_load_ids(j->data.p, j->data.len, j->keep_all ? NULL : &j->f,
				j->rprov ? &j->ids : NULL, &j->c->log, &j->c->why) < 0)
		err_wrap(&j->c->why, "%s", j->d->file);
	else if (sig) {
		share_add(j, sig);
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
static void load_log(const struct evidence *ev, const struct log_def *d, json_t *spec,
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
static struct cached_log *load_first(const struct evidence *ev, const struct log_def *d,
				     json_t *spec, struct err *err)
{
	struct load_job mine, other;
	const struct log_def *pd = NULL;
	pthread_t th;
	int started = 0;
	size_t i;

	memset(&mine, 0, sizeof(mine));
	memset(&other, 0, sizeof(other));
	for (i = 0; !d->optional && i < sizeof(log_defs) / sizeof(log_defs[0]); i++)
		if (&log_defs[i] != d && !log_defs[i].optional &&
		    !ev->cache->logs[i])
			pd = &log_defs[i];
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
		ev->cache->logs[pd - log_defs] = other.c;
	ev->cache->logs[d - log_defs] = mine.c;
	return mine.c;
}

static void warn_log(const struct evidence *ev, const struct log_def *d, const struct cached_log *c)
{
	struct events_log_stats st;

	if (c->missing) {
		if (!d->optional)
			evidence_warn(ev, "%s absent: causes are judged without its events", d->file);
		return;
	}
	if (!c->log) {
		evidence_warn(ev, "event log %s could not be read: %s", d->file, c->why.msg);
		return;
	}
	events_log_stats(c->log, &st);
	if (st.unreadable)
		evidence_warn(ev, "event log %s: %zu of %zu records could not be read", d->file,
			  st.unreadable, st.records);
}

/* ---- service display names from the SYSTEM hive ---------------------- */

struct cached_names {
	struct events_names *names;
	char why[ERR_MSG_MAX + 64];
};

static void cached_names_free(struct cached_names *c)
{
	if (!c)
		return;
	events_names_free(c->names);
	free(c);
}

static int add_name(void *ctx, struct svc *sv)
{
	struct events_names *names = ctx;
	struct events_svcname *p, *sn;

	if (sv->unreadable)
		return 0;
	if (names->n >= LIMIT_EVENT_SERVICE_NAMES)
		return 1;
	p = realloc(names->v, (names->n + 1) * sizeof(*p));
	if (!p)
		return -E_NOMEM;
	names->v = p;
	sn = &names->v[names->n];
	sn->key = strdup(sv->name);
	sn->display = sv->display_name ? strdup(sv->display_name) : NULL;
	if (!sn->key || (sv->display_name && !sn->display)) {
		free(sn->key);
		free(sn->display);
		return -E_NOMEM;
	}
	if (sn->display && sn->display[0] == '@')
		names->indirect++;
	names->n++;
	return 0;
}

/* Every service's key and DisplayName from the scan's SYSTEM hive. */
static int load_names(const struct evidence *ev, struct events_names **out, struct err *err)
{
	struct registry *reg;
	struct hive *sys;
	struct events_names *names;
	int rc;

	*out = NULL;
	rc = registry_get(ev, &reg, err);
	if (rc < 0)
		return rc;
	rc = registry_system(reg, &sys, err);
	if (rc < 0)
		return rc;
	names = calloc(1, sizeof(*names));
	if (!names)
		return err_set(err, -E_NOMEM, "out of memory");
	snprintf(names->control_set, sizeof(names->control_set), "%s", reg->control_set);
	rc = svc_foreach(sys, reg->control_set, add_name, names, NULL, err);
	if (rc < 0) {
		if (rc == -E_NOMEM && !err->msg[0])
			err_set(err, rc, "out of memory");
		events_names_free(names);
		return rc;
	}
	*out = names;
	return 0;
}

static const struct events_names *names_get(void *ctx, const char **why)
{
	const struct evidence *ev = ctx;
	struct cached_names *c = ev->cache->svc_names;
	struct err e;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			*why = "not mapped: out of memory";
			return NULL;
		}
		err_init(&e);
		if (load_names(ev, &c->names, &e) < 0)
			snprintf(c->why, sizeof(c->why), "not mapped: service names unreadable: %s",
				 e.msg);
		ev->cache->svc_names = c;
	}
	*why = c->why[0] ? c->why : NULL;
	return c->names;
}

/* ---- events_collect ---------------------------------------------------- */

int events_collect(const struct evidence *ev, json_t *spec, json_t *out, struct err *err)
{
	const char *logname = json_string_value(json_object_get(spec, "log"));
	const char *provider = json_string_value(json_object_get(spec, "provider"));
	const struct log_def *d = NULL;
	struct events_env env = { names_get, (void *)ev };
	struct cached_log *c;
	size_t i;
	int rc;

	if (!logname)
		return err_set(err, -E_USAGE, "event spec: no 'log'");
	for (i = 0; i < sizeof(log_defs) / sizeof(log_defs[0]); i++)
		if (strcasecmp(log_defs[i].spec, logname) == 0)
			d = &log_defs[i];
	if (!d)
		return err_set(err, -E_USAGE, "event spec: unknown log '%s' (Application, System, CAPI2)",
			       logname);
	if (!ev->fs)
		return err_set(err, -E_USAGE, "no volume mounted");
	c = ev->cache->logs[d - log_defs];
	if (!c) {
		c = load_first(ev, d, spec, err);
		if (!c)
			return err->code;
	} else if (c->log && provider && !events_log_keeps(c->log, spec)) {
		/* records the first load did not keep: read it again, all of it */
		load_log(ev, d, spec, 1, c);
		c->warned = 0;
	}
	if (!c->warned) {
		warn_log(ev, d, c);
		c->warned = 1;
	}
	if (c->missing && d->optional)
		return 0;
	if (!c->log) {
		*err = c->why;
		return err->code < 0 ? err->code : -E_IO;
	}
	rc = events_log_collect(c->log, d->file, spec, &env, out, err);
	if (rc < 0)
		return err_wrap(err, "%s", d->file);
	return rc;
}

void event_logs_release(struct evidence_cache *c)
{
	size_t i;

	for (i = 0; i < EVIDENCE_LOGS; i++) {
		cached_log_free(c->logs[i]);
		c->logs[i] = NULL;
	}
	cached_names_free(c->svc_names);
	c->svc_names = NULL;
}
