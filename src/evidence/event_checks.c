/* The event-log collector's scan side (events_collect: which file, the
 * per-scan cache, warnings) and the events-only check.
 *
 * Service display names come from the scan's SYSTEM hive (registry.h,
 * services.h), read only when an event names a service by display name
 * (CAPI2 513 AddLegacyDriverFiles, SCM events without <Binary>). */
#define _GNU_SOURCE
#include "checks.h"
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "registry.h"
#include "services.h"

#define LOGS_DIR "Windows\\System32\\winevt\\Logs\\"
#define NAMES_CACHE_KEY "events:svcnames"

struct log_def {
	const char *spec;           /* "log" in a rule's spec */
	const char *file;
	const char *cache_key;
	int optional;               /* absent = no events, no warning */
};

static const struct log_def log_defs[] = {
	{ "Application", "Application.evtx", "evtx:Application", 0 },
	{ "System", "System.evtx", "evtx:System", 0 },
	/* disabled by default: often absent or empty */
	{ "CAPI2", "Microsoft-Windows-CAPI2%4Operational.evtx", "evtx:CAPI2", 1 },
};

/* Providers whose strings the index keeps on first load; a spec naming
 * another provider reloads the log keeping everything. */
static const char *const default_keep[] = {
	"Microsoft-Windows-CAPI2", "Service Control Manager", "VSS",
	"Microsoft-Windows-Backup", "swprv", "volsnap",
};

struct cached_log {
	struct events_log *log;     /* NULL when missing or unreadable */
	int missing;
	struct err why;
};

static void cached_log_free(void *p)
{
	struct cached_log *c = p;

	if (!c)
		return;
	events_log_free(c->log);
	free(c);
}

/* Read and index the log for spec (its provider, and its services for
 * the Service Control Manager analysis); keep_all: every record. */
static int load_log(struct scan *s, const struct log_def *d, json_t *spec,
		    int keep_all, struct cached_log *c)
{
	const char *keep[sizeof(default_keep) / sizeof(default_keep[0]) + 1];
	const char *services[LIMIT_EVENT_SPEC_IDS];
	const char *provider = json_string_value(json_object_get(spec, "provider"));
	json_t *svc = json_object_get(spec, "services"), *v;
	struct events_filter f;
	char path[256];
	uint8_t *buf = NULL;
	size_t len = 0, n = 0, i;
	int rc;

	events_log_free(c->log);
	c->log = NULL;
	c->missing = 0;
	err_init(&c->why);
	snprintf(path, sizeof(path), LOGS_DIR "%s", d->file);
	rc = fs_read_file(s->fs, path, LIMIT_EVTX_SIZE, &buf, &len, &c->why);
	if (rc == 0) {
		c->missing = 1;
		return err_set(&c->why, -E_NOTFOUND, "%s absent", d->file);
	}
	if (rc < 0)
		return err_wrap(&c->why, "%s", d->file);
	for (i = 0; i < sizeof(default_keep) / sizeof(default_keep[0]); i++)
		keep[n++] = default_keep[i];
	if (provider)
		keep[n++] = provider;
	memset(&f, 0, sizeof(f));
	f.providers = keep;
	f.nproviders = n;
	/* the 7036 records of other services are skipped (they are most of a
	 * System log); a later spec naming others reads the log again */
	if (json_is_array(svc) && json_array_size(svc) <= LIMIT_EVENT_SPEC_IDS) {
		json_array_foreach(svc, i, v)
			services[f.nservices++] = json_is_string(v) ? json_string_value(v) : "";
		f.services = services;
	}
	rc = events_log_load(buf, len, keep_all ? NULL : &f, &c->log, &c->why);
	free(buf);
	if (rc < 0)
		return err_wrap(&c->why, "%s", d->file);
	return 0;
}

static void warn_log(struct scan *s, const struct log_def *d, const struct cached_log *c)
{
	struct events_log_stats st;

	if (c->missing) {
		if (!d->optional)
			scan_warn(s, "%s absent: causes are judged without its events", d->file);
		return;
	}
	if (!c->log) {
		scan_warn(s, "event log %s could not be read: %s", d->file, c->why.msg);
		return;
	}
	events_log_stats(c->log, &st);
	if (st.unreadable)
		scan_warn(s, "event log %s: %zu of %zu records could not be read", d->file,
			  st.unreadable, st.records);
}

/* ---- service display names from the SYSTEM hive ---------------------- */

struct cached_names {
	struct events_names *names;
	char why[ERR_MSG_MAX + 64];
};

static void cached_names_free(void *p)
{
	struct cached_names *c = p;

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
static int load_names(struct scan *s, struct events_names **out, struct err *err)
{
	struct registry *reg;
	struct hive *sys;
	struct events_names *names;
	int rc;

	*out = NULL;
	rc = registry_get(s, &reg, err);
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
	struct scan *s = ctx;
	struct cached_names *c = scan_cache_get(s, NAMES_CACHE_KEY);
	struct err e;

	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c) {
			*why = "not mapped: out of memory";
			return NULL;
		}
		err_init(&e);
		if (load_names(s, &c->names, &e) < 0)
			snprintf(c->why, sizeof(c->why), "not mapped: service names unreadable: %s",
				 e.msg);
		if (scan_cache_put(s, NAMES_CACHE_KEY, c, cached_names_free) < 0) {
			*why = "not mapped: scan cache full";
			return NULL;
		}
	}
	*why = c->why[0] ? c->why : NULL;
	return c->names;
}

/* ---- events_collect ---------------------------------------------------- */

int events_collect(struct scan *s, json_t *spec, json_t *out, struct err *err)
{
	const char *logname = json_string_value(json_object_get(spec, "log"));
	const char *provider = json_string_value(json_object_get(spec, "provider"));
	const struct log_def *d = NULL;
	struct events_env env = { names_get, s };
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
	if (!s->fs)
		return err_set(err, -E_USAGE, "no volume mounted");
	c = scan_cache_get(s, d->cache_key);
	if (!c) {
		c = calloc(1, sizeof(*c));
		if (!c)
			return err_set(err, -E_NOMEM, "out of memory");
		load_log(s, d, spec, 0, c);
		warn_log(s, d, c);
		if (scan_cache_put(s, d->cache_key, c, cached_log_free) < 0)
			return err_set(err, -E_LIMIT, "scan cache full (SCAN_CACHE_MAX)");
	} else if (c->log && provider &&
		   !events_log_keeps(c->log, provider, json_object_get(spec, "services"))) {
		/* records the first load did not keep: read it again, all of it */
		load_log(s, d, spec, 1, c);
		warn_log(s, d, c);
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

/* A finding decided by its "events" specs alone: the engine upgrades it to
 * present when a spec that makes_present matches. */
static int events_only(struct scan *s, const struct rule *r, struct result *res,
		       struct err *err)
{
	res->status = STATUS_ABSENT;
	return 0;
}

const struct check_def check_def_events = { "events", events_only, NULL };
