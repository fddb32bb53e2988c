/* Shared by the event-log collector's files, not by its callers (they use
 * events.h):
 *   events.c         the libevtx adapter (events_log_load)
 *   events_index.c   the index: records, string pool, providers
 *   evtx_guard.c     hostile template counts checked before libevtx
 *   evtx_skim.c      our own bounded reader of the records' bytes: the
 *                    chunk walk and each record's verdict; with
 *                    evtx_template.c and evtx_skim_text.c (evtx_skim_priv.h)
 *   events_match.c   specs matched against the index (events_log_collect);
 *   events_scm.c     the Service Control Manager history and service
 *                    names (events_match_priv.h) */
#ifndef VSSD_EVENTS_PRIV_H
#define VSSD_EVENTS_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "events.h"

#define NO_OFFSET UINT32_MAX

/* libyal EVTX document: a 4 KiB file header, then 64 KiB chunks */
#define EVTX_CHUNK 65536u
#define EVTX_FIRST_CHUNK 4096u

/* providers whose records are indexed without strings: the boot and
 * shutdown markers of the Service Control Manager analysis */
#define PROV_EVENTLOG "EventLog"
#define PROV_KERNEL_GENERAL "Microsoft-Windows-Kernel-General"
#define PROV_USER32 "User32"
#define SCM_PROVIDER "Service Control Manager"
#define SCM_STATE_CHANGE 7036

enum keep_level { KEEP_SKIP = 0, KEEP_NUMBERS = 1, KEEP_TEXT = 2 };

struct events_log {
	struct events_record *rec;
	size_t nrec, caprec;
	char *pool;
	size_t pool_len, pool_cap;
	char **prov;                 /* interned provider names */
	uint8_t *prov_keep;          /* enum keep_level per provider */
	size_t nprov, capprov;
	uint32_t *slots;             /* provider hash table: index + 1, 0 empty */
	size_t nslots;
	struct events_log_stats st;
	const struct events_filter *filter; /* during events_log_load only */
	char **services;             /* the filter's services (7036), NULL all */
	size_t nservices;
	char **providers;            /* the filter's providers */
	size_t nproviders;
	uint16_t **ids;              /* per provider: the ids kept, NULL all */
	size_t *nids;
	size_t scm_built;            /* 7036 records built by the skim */
};

/* ---- events_index.c ---- */

/* name is in list (any case). */
int evlog_listed(const char *name, const char *const *list, size_t n);
/* What the index keeps of a provider's records (the filter's providers
 * with text, the boot markers numbers only, the rest nothing). */
enum keep_level evlog_keep_for(const struct events_log *log, const char *name);
/* Whether the filter keeps event id of provider name with text (its ids
 * for that provider, or every id when it names none). */
int evlog_id_kept(const struct events_log *log, const char *name, unsigned id);
/* 1 and *idx when the log has records of name, else 0. */
int evlog_provider_find(const struct events_log *log, const char *name,
			uint32_t *idx);
/* A record the skim read whole (numbers, and the <Binary> when bin). */
int evlog_add_built(struct events_log *log, uint64_t number, uint64_t filetime,
		    const char *provider, unsigned id, unsigned qualifiers,
		    unsigned level, const uint8_t *bin, size_t bin_len,
		    struct err *err);

/* A record the skim read with its text: nstrings NUL-terminated UTF-8
 * strings in text (text_len bytes), the binary data when bin.  Indexed
 * as a record libevtx read (EVENTS_REC_TEXT). */
int evlog_add_text(struct events_log *log, uint64_t number, uint64_t filetime,
		   const char *provider, unsigned id, unsigned qualifiers,
		   unsigned level, const char *text, size_t text_len,
		   size_t nstrings, const uint8_t *bin, size_t bin_len,
		   struct err *err);

/* An empty index with log's filter (borrowed from log, which must
 * outlive it): a skim thread's records, merged with evlog_merge.  NULL
 * when out of memory. */
struct events_log *evlog_sub_new(const struct events_log *log);
/* Append sub's records to log, in order.  0 or <0. */
int evlog_merge(struct events_log *log, const struct events_log *sub,
		struct err *err);
void evlog_sub_free(struct events_log *sub);

/* Room for n more bytes in the pool (LIMIT_EVTX_POOL).  0 or <0. */
int evlog_pool_reserve(struct events_log *log, size_t n, struct err *err);
/* The index of name in the provider table (*idx), added when new with
 * its keep level.  0 or <0. */
int evlog_provider_intern(struct events_log *log, const char *name,
			  uint32_t *idx, struct err *err);
/* Append a copy of e to the records.  0 or <0. */
int evlog_push_record(struct events_log *log, const struct events_record *e,
		      struct err *err);
/* Sort by record number; drop recovered copies of listed records. */
void evlog_sort_dedup(struct events_log *log);
/* Forget what a read put in the index (the provider table stays). */
void evlog_index_reset(struct events_log *log);
/* The log remembers what it was loaded for (events_log_keeps): copies of
 * f's providers and services and of fi's ids.  0 or <0. */
int evlog_copy_filter(struct events_log *log, const struct events_filter *f,
		      const struct events_ids *fi, struct err *err);

/* ---- events_scm.c ---- */

/* The Service Control Manager's <Binary>: the service key name in
 * UTF-16LE, then "/" and a state digit for 7036, then a NUL.  1 and key
 * (ASCII) / *state (-1 when none) when it has that shape, else 0. */
int evlog_scm_binary(const uint8_t *b, size_t n, char *key, size_t cap,
		     int *state);

/* ---- evtx_guard.c ---- */

/* What libevtx must not be shown of buf: file offsets of template value
 * counts to zero (fix) and chunks to blank (a bit per chunk index). */
struct evtx_guard {
	size_t *fix;
	size_t nfix;
	uint8_t *blank;
	size_t nchunks;
};
int evtx_guard_file(const uint8_t *buf, size_t len, struct evtx_guard *g,
		    struct err *err);
/* 1 when chunk k is to be blanked. */
int evtx_guard_blank(const struct evtx_guard *g, size_t k);
void evtx_guard_release(struct evtx_guard *g);

/* ---- evtx_skim.c ---- */

/* skip it; libevtx reads it; the skim built it (numbers, <Binary>); the
 * skim built it with its strings as libevtx gives them */
enum skim_verdict { SK_SKIP = 0, SK_READ = 1, SK_BUILD = 2, SK_TEXT = 3 };

/* The skim of one file: every record in libevtx's listing order with
 * what to do about it, and per chunk whether it can be left out of what
 * libevtx is shown (evtx_skim.c explains). */
struct evtx_skim {
	uint8_t *want;               /* enum skim_verdict per record */
	uint64_t *number;            /* record number per record */
	uint32_t *chunk;             /* chunk index per record */
	size_t n, cap;
	uint8_t *chunk_state;        /* enum skim_chunk per chunk */
	size_t nchunks;
	size_t header_chunks;        /* the file header's chunk count */
	int dirty;                   /* the file header's dirty flag */
	int exact;                   /* 1: the listing is libevtx's, chunk by
	                                chunk (every listed chunk plain) */
};

enum skim_chunk {
	CHUNK_EMPTY = 0,             /* all zeros: libevtx lists nothing */
	CHUNK_PLAIN = 1,             /* listed as skimmed, nothing to recover */
	CHUNK_READ = 2,              /* plain, and holds records to read */
	CHUNK_OTHER = 3,             /* anything else: libevtx must see it */
};

/* Skim buf (len bytes) for log (its filter decides), adding the records
 * it reads whole to the index.  0 or <0 (out of memory, a limit). */
int evtx_skim_file(const uint8_t *buf, size_t len, struct events_log *log,
		   struct evtx_skim *sk, struct err *err);
void evtx_skim_release(struct evtx_skim *sk);

#endif
