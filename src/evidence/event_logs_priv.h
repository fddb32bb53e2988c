/* Shared by the event-log collector's scan side, not by its callers
 * (they use events.h):
 *   event_logs.c        events_collect: the logs, warnings, service names
 *   event_logs_load.c   reading a log's file and indexing it for a scan
 *   event_logs_share.c  one index per content for the scans of --shadows */
#ifndef VSSD_EVENT_LOGS_PRIV_H
#define VSSD_EVENT_LOGS_PRIV_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "events.h"
#include "evidence.h"
#include "fs.h"
#include "limits.h"

#define KEEP_MAX 4                  /* the longest keep list (event_logs.c) */

/* One log the collector reads. */
struct log_def {
	const char *spec;           /* "log" in a rule's spec */
	const char *file;
	int optional;               /* absent = no events, no warning */
	const char *const *keep;
	size_t nkeep;
};

struct shared_log;

/* A log in the evidence cache (struct evidence_cache's logs). */
struct cached_log {
	struct events_log *log;     /* NULL when missing or unreadable */
	struct shared_log *shared;  /* log belongs to this entry (--shadows) */
	int missing;
	int warned;                 /* warn_log ran for this load */
	struct err why;
};

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

/* ---- event_logs.c ---- */

/* Application, System, CAPI2: the order of struct evidence_cache's logs. */
extern const struct log_def event_log_defs[EVIDENCE_LOGS];

/* ---- event_logs_load.c ---- */

/* Read and index the log for spec (its provider, and its services for
 * the Service Control Manager analysis) into c; keep_all: every record. */
void evlogs_load_log(const struct evidence *ev, const struct log_def *d,
		     json_t *spec, int keep_all, struct cached_log *c);
/* First use of log d: index it for spec and, for Application and System,
 * the other one (with its defaults) at the same time on a second thread;
 * both go into the evidence cache.  Returns d's entry or NULL (err set). */
struct cached_log *evlogs_load_first(const struct evidence *ev,
				     const struct log_def *d, json_t *spec,
				     struct err *err);

/* ---- event_logs_share.c ---- */

/* c gives up its log (its own, or its share of an entry's). */
void evlogs_cached_drop(struct cached_log *c);
/* Between events_share_begin and events_share_end. */
int evlogs_share_enabled(void);
/* What j's index keeps, as one string (malloc'd; NULL out of memory). */
char *evlogs_share_sig(const struct load_job *j);
/* An entry with j's bytes and filter sig, taken for j->c; 1 found, else 0. */
int evlogs_share_find(struct load_job *j, const char *sig);
/* Keep j's new index and a copy of its bytes for the scans after this
 * one; takes sig. */
void evlogs_share_add(struct load_job *j, char *sig);

#endif
