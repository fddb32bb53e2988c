/* Shared by the matching of the rules' "events" specs (events_match.c:
 * plain specs, the evidence's groups and text) and the Service Control
 * Manager history (events_scm.c), not by the collector's other files
 * (they use events_priv.h). */
#ifndef VSSD_EVENTS_MATCH_PRIV_H
#define VSSD_EVENTS_MATCH_PRIV_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "capi2.h"
#include "err.h"
#include "events_priv.h"
#include "limits.h"

/* One of a rule's "events" specs, parsed (rules/README.md "events"). */
struct spec {
	const char *provider;
	uint16_t ids[LIMIT_EVENT_SPEC_IDS];
	size_t nids;
	int capi2;                  /* enum capi2_kind, -1 none */
	const char *text_contains;
	const char *label;
	json_t *services;           /* array of key names, or NULL */
};

/* Records grouped by provider, id and text for the evidence. */
struct group {
	char *key;
	char *text;
	char *binary;               /* of the first record, or NULL */
	char service[128];
	const char *mapping;        /* how service was found, static */
	struct capi2_details *capi2;
	uint64_t first, last;       /* FILETIME */
	uint64_t nums[LIMIT_EVENT_RECORD_NUMBERS];
	size_t nnums, count, recovered;
	uint32_t provider;
	uint16_t event_id;
	uint8_t level;
	int after_boot;             /* services: -1 n/a, 0/1 */
	int repaired;               /* services: a later "running" */
};

struct groups {
	struct group *v;
	size_t n, cap;
	uint32_t *slots;
	size_t nslots;
};

/* Buffers for one record's text (evmatch_record_text). */
struct scratch {
	char *raw;       /* LIMIT_CAPI2_TEXT: strings joined by "\n" */
	char *text;      /* normalised text + binary text */
	char *key;
	char *bin;       /* LIMIT_EVENT_TEXT + 1: the binary data shown */
	size_t cap;
};

int evmatch_spec_has_id(const struct spec *sp, uint16_t id);

void evmatch_groups_release(struct groups *g);
/* The group of rec keyed sc->key, created with sc's text (and rec's
 * provider, id and level) when new (*created 1); NULL out of memory. */
struct group *evmatch_group_for(struct groups *g, const struct scratch *sc,
				const struct events_record *rec, int *created);
/* Count rec in gr (times, record numbers, recovered). */
void evmatch_group_add(struct group *gr, const struct events_record *rec);
/* Append the groups (first LIMIT_EVIDENCE_ITEMS) to out.  0 or <0. */
int evmatch_emit_groups(const struct events_log *log, const char *file,
			const struct spec *sp, const struct groups *g,
			json_t *out, struct err *err);

static inline int set_new(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

int evmatch_scratch_init(struct scratch *sc, struct err *err);
void evmatch_scratch_release(struct scratch *sc);
/* Text of rec for grouping and evidence into sc->text and sc->bin. */
void evmatch_record_text(const struct events_log *log,
			 const struct events_record *rec, struct scratch *sc);

/* ---- events_scm.c ---- */

/* A spec with "services": the Service Control Manager history per
 * service (events_log_collect).  The failures after the last boot that
 * no later start repaired (>= 0), or <0. */
int evmatch_collect_services(const struct events_log *log, const char *file,
			     const struct spec *sp, const struct events_env *env,
			     json_t *out, struct err *err);

#endif
