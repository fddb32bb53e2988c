/* The event-log collector's scan side (events_collect: which file, the
 * evidence's cache, warnings).  Reading and indexing a log for a scan is
 * event_logs_load.c; sharing an index between the scans of --shadows,
 * event_logs_share.c.
 *
 * Service display names come from the scan's SYSTEM hive (registry.h,
 * services.h), read only when an event names a service by display name
 * (CAPI2 513 AddLegacyDriverFiles, SCM events without <Binary>). */
#define _GNU_SOURCE
#include "event_logs_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "registry.h"
#include "services.h"

/* Providers whose strings the index keeps on first load, per log: those
 * the rules' specs name for it (rules/NAME.json); a spec naming another
 * provider reloads the log keeping everything (events_log_keeps). */
static const char *const keep_application[] = {
	"Microsoft-Windows-CAPI2", "VSS", "Microsoft-Windows-Backup", "swprv",
};
static const char *const keep_system[] = { "Service Control Manager" };
static const char *const keep_capi2[] = { "Microsoft-Windows-CAPI2" };

#define NKEEP(a) (sizeof(a) / sizeof((a)[0]))

const struct log_def event_log_defs[EVIDENCE_LOGS] = {
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

	for (i = 0; log && i < NKEEP(event_log_defs); i++)
		if (strcmp(log, event_log_defs[i].spec) == 0)
			return 1;
	return 0;
}

static void cached_log_free(struct cached_log *c)
{
	if (!c)
		return;
	evlogs_cached_drop(c);
	free(c);
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
	for (i = 0; i < sizeof(event_log_defs) / sizeof(event_log_defs[0]); i++)
		if (strcasecmp(event_log_defs[i].spec, logname) == 0)
			d = &event_log_defs[i];
	if (!d)
		return err_set(err, -E_USAGE, "event spec: unknown log '%s' (Application, System, CAPI2)",
			       logname);
	if (!ev->fs)
		return err_set(err, -E_USAGE, "no volume mounted");
	c = ev->cache->logs[d - event_log_defs];
	if (!c) {
		c = evlogs_load_first(ev, d, spec, err);
		if (!c)
			return err->code;
	} else if (c->log && provider && !events_log_keeps(c->log, spec)) {
		/* records the first load did not keep: read it again, all of it */
		evlogs_load_log(ev, d, spec, 1, c);
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
