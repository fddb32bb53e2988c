/* The event-log collector's scan side (events_collect: which file, the
 * per-scan cache, warnings) and the events-only check.
 *
 * Service display names come from the SYSTEM hive, read here through
 * libregf from memory, only when an event names a service by display name
 * (CAPI2 513 AddLegacyDriverFiles, SCM events without <Binary>).  This is
 * a stopgap until the registry collector (registry.h) offers a lookup;
 * libregf_ names then leave this file. */
#define _GNU_SOURCE
#include "checks.h"
#include "events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libbfio.h>
#include <libregf.h>

#include "limits.h"

#define LOGS_DIR "Windows\\System32\\winevt\\Logs\\"
#define SYSTEM_HIVE "Windows\\System32\\config\\SYSTEM"
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

/* Read and index the log; keep_all: every provider's strings. */
static int load_log(struct scan *s, const struct log_def *d, const char *provider,
		    int keep_all, struct cached_log *c)
{
	const char *keep[sizeof(default_keep) / sizeof(default_keep[0]) + 1];
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
	rc = events_log_load(buf, len, keep_all ? NULL : keep, n, &c->log, &c->why);
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

/* ---- service display names from the SYSTEM hive (libregf) ------------- */

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

/* A key's or value's UTF-8 text into a malloc'd string; NULL on error. */
static char *regf_key_name(libregf_key_t *k)
{
	libregf_error_t *e = NULL;
	size_t size = 0;
	char *s;

	if (libregf_key_get_utf8_name_size(k, &size, &e) != 1 || size == 0 ||
	    size > LIMIT_NAME_LEN) {
		libregf_error_free(&e);
		return NULL;
	}
	s = malloc(size);
	if (s && libregf_key_get_utf8_name(k, (uint8_t *)s, size, &e) != 1) {
		libregf_error_free(&e);
		free(s);
		return NULL;
	}
	return s;
}

static char *regf_string(libregf_key_t *k, const char *name)
{
	libregf_error_t *e = NULL;
	libregf_value_t *v = NULL;
	size_t size = 0;
	char *s = NULL;

	if (libregf_key_get_value_by_utf8_name(k, (const uint8_t *)name, strlen(name), &v, &e) != 1)
		goto out;
	if (libregf_value_get_value_utf8_string_size(v, &size, &e) != 1 || size == 0 ||
	    size > LIMIT_NAME_LEN)
		goto out;
	s = malloc(size);
	if (s && libregf_value_get_value_utf8_string(v, (uint8_t *)s, size, &e) != 1) {
		free(s);
		s = NULL;
	}
out:
	libregf_error_free(&e);
	libregf_value_free(&v, NULL);
	return s;
}

static int read_names(libregf_file_t *f, struct events_names *names, struct err *err)
{
	libregf_error_t *e = NULL;
	libregf_key_t *root = NULL, *sel = NULL, *svcs = NULL;
	libregf_value_t *v = NULL;
	uint32_t current = 1;
	char path[64];
	int n = 0, i, rc = 0;

	if (libregf_file_get_root_key(f, &root, &e) != 1) {
		rc = err_set(err, -E_CORRUPT, "no root key");
		goto out;
	}
	if (libregf_key_get_sub_key_by_utf8_path(root, (const uint8_t *)"Select", 6, &sel, &e) == 1 &&
	    libregf_key_get_value_by_utf8_name(sel, (const uint8_t *)"Current", 7, &v, &e) == 1 &&
	    libregf_value_get_value_32bit(v, &current, &e) == 1 && (current == 0 || current > 999))
		current = 1;
	libregf_error_free(&e);
	snprintf(names->control_set, sizeof(names->control_set), "ControlSet%03u", current);
	snprintf(path, sizeof(path), "%s\\Services", names->control_set);
	if (libregf_key_get_sub_key_by_utf8_path(root, (const uint8_t *)path, strlen(path), &svcs, &e) != 1) {
		rc = err_set(err, -E_NOTFOUND, "no %s", path);
		goto out;
	}
	if (libregf_key_get_number_of_sub_keys(svcs, &n, &e) != 1 || n < 0) {
		rc = err_set(err, -E_CORRUPT, "cannot list %s", path);
		goto out;
	}
	if ((unsigned)n > LIMIT_EVENT_SERVICE_NAMES) {
		rc = err_set(err, -E_LIMIT, "%d services > %u (LIMIT_EVENT_SERVICE_NAMES)",
			     n, LIMIT_EVENT_SERVICE_NAMES);
		goto out;
	}
	names->v = calloc((size_t)n + 1, sizeof(*names->v));
	if (!names->v) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		libregf_key_t *k = NULL;
		struct events_svcname *sn = &names->v[names->n];

		if (libregf_key_get_sub_key(svcs, i, &k, &e) != 1) {
			libregf_error_free(&e);
			continue;
		}
		sn->key = regf_key_name(k);
		sn->display = regf_string(k, "DisplayName");
		libregf_key_free(&k, NULL);
		if (!sn->key) {
			free(sn->display);
			sn->display = NULL;
			continue;
		}
		if (sn->display && sn->display[0] == '@')
			names->indirect++;
		names->n++;
	}
out:
	libregf_error_free(&e);
	libregf_value_free(&v, NULL);
	libregf_key_free(&svcs, NULL);
	libregf_key_free(&sel, NULL);
	libregf_key_free(&root, NULL);
	return rc;
}

static int load_names(struct scan *s, struct events_names **out, struct err *err)
{
	libbfio_handle_t *h = NULL;
	libregf_file_t *f = NULL;
	libregf_error_t *e = NULL;
	struct events_names *names;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	rc = fs_read_file(s->fs, SYSTEM_HIVE, LIMIT_HIVE_SIZE, &buf, &len, err);
	if (rc == 0)
		return err_set(err, -E_NOTFOUND, "no SYSTEM hive");
	if (rc < 0)
		return rc;
	names = calloc(1, sizeof(*names));
	if (!names) {
		free(buf);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	if (libbfio_memory_range_initialize(&h, NULL) != 1 ||
	    libbfio_memory_range_set(h, buf, len, NULL) != 1 ||
	    libregf_file_initialize(&f, &e) != 1) {
		rc = err_set(err, -E_NOMEM, "cannot set up libregf");
		goto out;
	}
	if (libregf_file_open_file_io_handle(f, h, LIBREGF_OPEN_READ, &e) != 1) {
		rc = err_set(err, -E_CORRUPT, "SYSTEM hive not readable by libregf");
		libregf_file_free(&f, NULL);
		goto out;
	}
	rc = read_names(f, names, err);
	libregf_file_close(f, NULL);
	libregf_file_free(&f, NULL);
out:
	libregf_error_free(&e);
	libbfio_handle_free(&h, NULL);
	free(buf);
	if (rc < 0) {
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
		load_log(s, d, provider, 0, c);
		warn_log(s, d, c);
		if (scan_cache_put(s, d->cache_key, c, cached_log_free) < 0)
			return err_set(err, -E_LIMIT, "scan cache full (SCAN_CACHE_MAX)");
	} else if (c->log && provider && !events_log_keeps(c->log, provider)) {
		/* a provider the first load did not keep: read it again, all of it */
		load_log(s, d, provider, 1, c);
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
