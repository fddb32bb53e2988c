/* The event-log collector: Application.evtx, System.evtx and the CAPI2
 * operational log read through libevtx from memory (libbfio), indexed once
 * per scan, and matched against the rules' "events" specs
 * (rules/README.md, "events").  Matching is on provider + event id, never
 * on localised message text. */
#ifndef VSSD_EVENTS_H
#define VSSD_EVENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "evidence.h"

/* Evidence for one of a rule's "events" specs (rules/README.md): appends
 * grouped evidence objects (kind "event") to out and returns how many
 * records matched (>= 0), or <0 when the log could not be read (err says
 * why; the collector also adds one scan warning per missing log).  A spec
 * with "services" returns the failures after the last boot that no later
 * start repaired (see events_log_collect). */
int events_collect(const struct evidence *ev, json_t *spec, json_t *out, struct err *err);

/* Whether a rule's event spec may name this log ("Application", "System",
 * "CAPI2"): the rules loader refuses the others. */
int events_log_known(const char *log);

/* scan --shadows: between these, scans whose log has the same bytes (a
 * shadow copy's and the live volume's, most often) share one index of it
 * instead of each indexing it again (event_logs.c). */
void events_share_begin(void);
void events_share_end(void);

/* Free the logs and service names the collector keeps in c. */
void event_logs_release(struct evidence_cache *c);

/* ---- the log index (the collector, the tests and the fuzz target) ---- */

enum events_rec_flags {
	EVENTS_REC_RECOVERED = 1 << 0,  /* recovered by libevtx from a dirty log */
	EVENTS_REC_TEXT = 1 << 1,       /* strings and binary data were kept */
	EVENTS_REC_SKIM = 1 << 2,       /* read from the bytes without libevtx:
	                                   numbers, and the Service Control
	                                   Manager 7036 <Binary>; no strings */
};

/* One record of the index.  Strings are kept only for the providers the
 * log was loaded for (events_log_load); the boot and shutdown markers keep
 * the numbers, the Service Control Manager's 7036 records the numbers and
 * their <Binary> (the service key and state). */
struct events_record {
	uint64_t number;        /* EventRecordID */
	uint64_t filetime;      /* written time, FILETIME (UTC) */
	uint32_t provider;      /* index for events_log_provider() */
	uint32_t strings;       /* pool offset of the first NUL-terminated string */
	uint32_t binary;        /* pool offset of the binary data */
	uint32_t binary_len;
	uint16_t event_id;
	uint16_t qualifiers;
	uint16_t nstrings;
	uint8_t level;
	uint8_t flags;          /* enum events_rec_flags */
};

struct events_log;

/* What the index keeps (borrowed during events_log_load only). */
struct events_filter {
	const char *const *providers; /* strings kept for these (any case) */
	size_t nproviders;
	const char *const *services; /* Service Control Manager records whose
	                                <Binary> names a service: only these
	                                keys; NULL: every service */
	size_t nservices;
};

/* The event ids kept per provider (events_log_load_ids): for entry i of
 * the filter's providers, ids[i] (nids[i] of them); ids[i] NULL: every
 * id.  The records of other ids of those providers are skipped. */
struct events_ids {
	const uint16_t *const *ids;
	const size_t *nids;
};

/* Index the EVTX file image buf (borrowed during the call only): every
 * record libevtx lists, then the recovered ones it finds in a dirty or
 * partly overwritten log (a recovered copy of a record already listed is
 * dropped), sorted by record number.  With a filter, the index holds the
 * records of its providers (with strings and binary data) and the boot
 * and shutdown markers (EventLog, Kernel-General, User32; numbers only);
 * the skim (evtx_skim.c) reads the markers and the Service Control
 * Manager's 7036 state changes itself (numbers and <Binary>, flagged
 * EVENTS_REC_SKIM), and libevtx reads only the other records that can be
 * kept.  NULL keeps every record with its strings, all read by libevtx.
 * Loads of different logs may run at once on different threads (they
 * share nothing); one log object is not to be shared while loading.
 * Returns 0 (*out owned by the caller, events_log_free) or <0. */
int events_log_load(const uint8_t *buf, size_t len,
		    const struct events_filter *filter, struct events_log **out,
		    struct err *err);
/* events_log_load keeping only the ids named in ids (borrowed during the
 * call; NULL: every id, as events_log_load). */
int events_log_load_ids(const uint8_t *buf, size_t len,
			const struct events_filter *filter,
			const struct events_ids *ids, struct events_log **out,
			struct err *err);
void events_log_free(struct events_log *log);

/* The index, in record-number order; valid until events_log_free(). */
size_t events_log_count(const struct events_log *log);
const struct events_record *events_log_record(const struct events_log *log,
					      size_t i);
const char *events_log_provider(const struct events_log *log,
				const struct events_record *rec);
/* String k of rec ("" when out of range or not kept). */
const char *events_log_string(const struct events_log *log,
			      const struct events_record *rec, unsigned k);
/* The binary data (rec->binary_len bytes), NULL when none was kept. */
const uint8_t *events_log_binary(const struct events_log *log,
				 const struct events_record *rec);

struct events_log_stats {
	size_t records;         /* records libevtx listed */
	size_t recovered;       /* recovered records added to the index */
	size_t unreadable;      /* records libevtx could not read */
	size_t kept;            /* records whose strings were kept */
	size_t guarded;         /* template value counts too large for their
	                           chunk, zeroed before libevtx read them */
	size_t skimmed;         /* records libevtx did not read (the skim
	                           showed them outside the filter, or read
	                           them itself) */
	size_t built;           /* records the skim read itself
	                           (EVENTS_REC_SKIM) */
	int skim_mismatch;      /* the skim's records were not libevtx's: all read */
	int dirty;              /* header flag 0x1: not closed cleanly */
	int keep_all;           /* loaded with keep == NULL */
};
void events_log_stats(const struct events_log *log, struct events_log_stats *st);
/* 1 when the index has what spec (rules/README.md "events") needs: its
 * provider's records with their strings and, for the Service Control
 * Manager, the records of every service in its "services" (a spec
 * without "services" needs them all, and the strings of the 7036 records
 * when it lists 7036).  0: load the log again, keeping everything. */
int events_log_keeps(const struct events_log *log, json_t *spec);

/* Service key names and their DisplayName values (SYSTEM hive), to map
 * the display names that CAPI2 513 and old SCM events carry. */
struct events_svcname {
	char *key;
	char *display;
};
struct events_names {
	struct events_svcname *v;
	size_t n;
	size_t indirect;        /* DisplayName values "@file,-id": not resolved */
	char control_set[32];   /* "ControlSet001" */
};
void events_names_free(struct events_names *names);

/* Best effort: the service key whose DisplayName equals display
 * (case-insensitive; trailing '.' and blanks ignored), else a key equal to
 * display.  1 found (*key borrowed from names; *how "matched on display
 * name" or "matched on key name"), 0 not found. */
int events_map_display_name(const struct events_names *names,
			    const char *display, const char **key,
			    const char **how);

/* What the matching needs from outside the log. */
struct events_env {
	/* Service names for display-name mapping, loaded on first use; NULL
	 * (or returning NULL) when the registry cannot be read (*why says). */
	const struct events_names *(*names)(void *ctx, const char **why);
	void *ctx;
};

/* Match spec (rules/README.md "events") against log; file is the log's
 * file name for the evidence ("Application.evtx").  Appends grouped
 * evidence to out.  Returns the matching records (>= 0) or <0 for a bad
 * spec.  A spec with "services" analyses Service Control Manager history
 * per service instead and returns the failures after the last boot with
 * no later "running" for that service. */
int events_log_collect(const struct events_log *log, const char *file,
		       json_t *spec, const struct events_env *env, json_t *out,
		       struct err *err);

#endif
