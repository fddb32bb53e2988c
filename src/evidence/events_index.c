/* The event-log index (events.h): the records, their string pool and
 * the provider table, built by the libevtx adapter (events.c) and the
 * skim (evtx_skim.c), read by the matching (events_match.c).  What a
 * load was told to keep is remembered here (events_log_keeps). */
#define _GNU_SOURCE
#include "events_priv.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"

/* ---- pool and tables --------------------------------------------------- */

int evlog_pool_reserve(struct events_log *log, size_t n, struct err *err)
{
	size_t cap;
	char *p;

	if (n > LIMIT_EVTX_POOL || log->pool_len > LIMIT_EVTX_POOL - n)
		return err_set(err, -E_LIMIT, "kept event text exceeds %u bytes (LIMIT_EVTX_POOL)",
			       LIMIT_EVTX_POOL);
	if (log->pool_len + n <= log->pool_cap)
		return 0;
	cap = log->pool_cap ? log->pool_cap : 65536;
	while (cap < log->pool_len + n)
		cap *= 2;
	p = realloc(log->pool, cap);
	if (!p)
		return err_set(err, -E_NOMEM, "out of memory");
	log->pool = p;
	log->pool_cap = cap;
	return 0;
}

static uint32_t hash_ci(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)tolower((unsigned char)*s);
		h *= 16777619u;
	}
	return h;
}

int evlog_listed(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] && strcasecmp(list[i], name) == 0)
			return 1;
	return 0;
}

enum keep_level evlog_keep_for(const struct events_log *log, const char *name)
{
	if (log->st.keep_all ||
	    evlog_listed(name, log->filter->providers, log->filter->nproviders))
		return KEEP_TEXT;
	if (strcasecmp(name, PROV_EVENTLOG) == 0 ||
	    strcasecmp(name, PROV_KERNEL_GENERAL) == 0 ||
	    strcasecmp(name, PROV_USER32) == 0)
		return KEEP_NUMBERS;
	return KEEP_SKIP;
}

/* The index of name in the provider table, added when new; <0 on error. */
int evlog_provider_intern(struct events_log *log, const char *name,
			  uint32_t *idx, struct err *err)
{
	uint32_t h = hash_ci(name);
	size_t i, slot;

	if (log->nslots) {
		for (slot = h & (log->nslots - 1); log->slots[slot];
		     slot = (slot + 1) & (log->nslots - 1)) {
			uint32_t k = log->slots[slot] - 1;

			if (strcasecmp(log->prov[k], name) == 0) {
				*idx = k;
				return 0;
			}
		}
	}
	if (log->nprov >= LIMIT_EVTX_PROVIDERS)
		return err_set(err, -E_LIMIT, "more than %u provider names (LIMIT_EVTX_PROVIDERS)",
			       LIMIT_EVTX_PROVIDERS);
	if (log->nprov == log->capprov) {
		size_t cap = log->capprov ? log->capprov * 2 : 32;
		char **p = realloc(log->prov, cap * sizeof(*p));
		uint8_t *k;

		if (!p)
			return err_set(err, -E_NOMEM, "out of memory");
		log->prov = p;
		k = realloc(log->prov_keep, cap);
		if (!k)
			return err_set(err, -E_NOMEM, "out of memory");
		log->prov_keep = k;
		log->capprov = cap;
	}
	/* keep the table at most half full */
	if ((log->nprov + 1) * 2 > log->nslots) {
		size_t n = log->nslots ? log->nslots * 2 : 64;
		uint32_t *s = calloc(n, sizeof(*s));

		if (!s)
			return err_set(err, -E_NOMEM, "out of memory");
		for (i = 0; i < log->nprov; i++) {
			for (slot = hash_ci(log->prov[i]) & (n - 1); s[slot];
			     slot = (slot + 1) & (n - 1))
				;
			s[slot] = (uint32_t)i + 1;
		}
		free(log->slots);
		log->slots = s;
		log->nslots = n;
	}
	log->prov[log->nprov] = strdup(name);
	if (!log->prov[log->nprov])
		return err_set(err, -E_NOMEM, "out of memory");
	log->prov_keep[log->nprov] = (uint8_t)evlog_keep_for(log, name);
	for (slot = h & (log->nslots - 1); log->slots[slot];
	     slot = (slot + 1) & (log->nslots - 1))
		;
	log->slots[slot] = (uint32_t)log->nprov + 1;
	*idx = (uint32_t)log->nprov++;
	return 0;
}

int evlog_provider_find(const struct events_log *log, const char *name,
			 uint32_t *idx)
{
	size_t slot;

	if (!log->nslots)
		return 0;
	for (slot = hash_ci(name) & (log->nslots - 1); log->slots[slot];
	     slot = (slot + 1) & (log->nslots - 1)) {
		uint32_t k = log->slots[slot] - 1;

		if (strcasecmp(log->prov[k], name) == 0) {
			*idx = k;
			return 1;
		}
	}
	return 0;
}

int evlog_push_record(struct events_log *log, const struct events_record *e,
		      struct err *err)
{
	if (log->nrec == log->caprec) {
		size_t cap = log->caprec ? log->caprec * 2 : 1024;
		struct events_record *p = realloc(log->rec, cap * sizeof(*p));

		if (!p)
			return err_set(err, -E_NOMEM, "out of memory");
		log->rec = p;
		log->caprec = cap;
	}
	log->rec[log->nrec++] = *e;
	return 0;
}

/* A record the skim read, its provider interned; strings and binary
 * data none yet. */
static int built_init(struct events_log *log, struct events_record *e,
		      uint64_t number, uint64_t filetime, const char *provider,
		      unsigned id, unsigned qualifiers, unsigned level,
		      uint8_t flags, struct err *err)
{
	uint32_t prov = 0;
	int rc;

	rc = evlog_provider_intern(log, provider, &prov, err);
	if (rc < 0)
		return rc;
	memset(e, 0, sizeof(*e));
	e->number = number;
	e->filetime = filetime;
	e->provider = prov;
	e->event_id = (uint16_t)id;
	e->qualifiers = (uint16_t)qualifiers;
	e->level = (uint8_t)level;
	e->strings = NO_OFFSET;
	e->binary = NO_OFFSET;
	e->flags = flags;
	return 0;
}

/* Append bin (bin_len bytes, room reserved) to the pool as e's binary
 * data; nothing when there is none. */
static void put_binary(struct events_log *log, struct events_record *e,
		       const uint8_t *bin, size_t bin_len)
{
	if (!bin || !bin_len)
		return;
	memcpy(log->pool + log->pool_len, bin, bin_len);
	e->binary = (uint32_t)log->pool_len;
	e->binary_len = (uint32_t)bin_len;
	log->pool_len += bin_len;
}

int evlog_add_built(struct events_log *log, uint64_t number, uint64_t filetime,
		    const char *provider, unsigned id, unsigned qualifiers,
		    unsigned level, const uint8_t *bin, size_t bin_len,
		    struct err *err)
{
	struct events_record e;
	int rc;

	rc = built_init(log, &e, number, filetime, provider, id, qualifiers,
			level, EVENTS_REC_SKIM, err);
	if (rc < 0)
		return rc;
	if (bin && bin_len) {
		rc = evlog_pool_reserve(log, bin_len, err);
		if (rc < 0)
			return rc;
		put_binary(log, &e, bin, bin_len);
	}
	rc = evlog_push_record(log, &e, err);
	if (rc < 0)
		return rc;
	log->st.built++;
	if (id == SCM_STATE_CHANGE && strcasecmp(provider, SCM_PROVIDER) == 0)
		log->scm_built++;
	return 0;
}

int evlog_add_text(struct events_log *log, uint64_t number, uint64_t filetime,
		   const char *provider, unsigned id, unsigned qualifiers,
		   unsigned level, const char *text, size_t text_len,
		   size_t nstrings, const uint8_t *bin, size_t bin_len,
		   struct err *err)
{
	struct events_record e;
	int rc;

	rc = built_init(log, &e, number, filetime, provider, id, qualifiers,
			level, EVENTS_REC_TEXT, err);
	if (rc < 0)
		return rc;
	rc = evlog_pool_reserve(log, text_len + bin_len, err);
	if (rc < 0)
		return rc;
	e.strings = (uint32_t)log->pool_len;
	e.nstrings = (uint16_t)nstrings;
	memcpy(log->pool + log->pool_len, text, text_len);
	log->pool_len += text_len;
	put_binary(log, &e, bin, bin_len);
	rc = evlog_push_record(log, &e, err);
	if (rc < 0)
		return rc;
	log->st.built++;
	log->st.kept++;
	return 0;
}

struct events_log *evlog_sub_new(const struct events_log *log)
{
	struct events_log *sub = calloc(1, sizeof(*sub));

	if (!sub)
		return NULL;
	sub->filter = log->filter;
	sub->services = log->services;
	sub->nservices = log->nservices;
	sub->providers = log->providers;
	sub->nproviders = log->nproviders;
	sub->ids = log->ids;
	sub->nids = log->nids;
	sub->st.keep_all = log->st.keep_all;
	return sub;
}

void evlog_sub_free(struct events_log *sub)
{
	size_t i;

	if (!sub)
		return;
	for (i = 0; i < sub->nprov; i++)
		free(sub->prov[i]);
	free(sub->prov);
	free(sub->prov_keep);
	free(sub->slots);
	free(sub->rec);
	free(sub->pool);
	free(sub);
}

int evlog_merge(struct events_log *log, const struct events_log *sub,
		struct err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < sub->nrec; i++) {
		struct events_record e = sub->rec[i];
		size_t slen = 0, k;

		rc = evlog_provider_intern(log, sub->prov[e.provider], &e.provider, err);
		if (rc < 0)
			return rc;
		if ((e.flags & EVENTS_REC_TEXT) && e.strings != NO_OFFSET)
			for (k = 0; k < e.nstrings; k++)
				slen += strlen(sub->pool + e.strings + slen) + 1;
		rc = evlog_pool_reserve(log, slen + (e.binary != NO_OFFSET ? e.binary_len : 0), err);
		if (rc < 0)
			return rc;
		if ((e.flags & EVENTS_REC_TEXT) && e.strings != NO_OFFSET) {
			memcpy(log->pool + log->pool_len, sub->pool + e.strings, slen);
			e.strings = (uint32_t)log->pool_len;
			log->pool_len += slen;
		}
		if (e.binary != NO_OFFSET) {
			memcpy(log->pool + log->pool_len, sub->pool + e.binary, e.binary_len);
			e.binary = (uint32_t)log->pool_len;
			log->pool_len += e.binary_len;
		}
		rc = evlog_push_record(log, &e, err);
		if (rc < 0)
			return rc;
	}
	log->st.built += sub->st.built;
	log->st.kept += sub->st.kept;
	log->scm_built += sub->scm_built;
	return 0;
}

static int cmp_record(const void *a, const void *b)
{
	const struct events_record *x = a, *y = b;

	if (x->number != y->number)
		return x->number < y->number ? -1 : 1;
	/* the listed record before its recovered copies */
	return (x->flags & EVENTS_REC_RECOVERED) - (y->flags & EVENTS_REC_RECOVERED);
}

/* Sort by record number; drop recovered copies of listed records. */
void evlog_sort_dedup(struct events_log *log)
{
	size_t i, n = 0;

	if (log->nrec > 1)
		qsort(log->rec, log->nrec, sizeof(*log->rec), cmp_record);
	for (i = 0; i < log->nrec; i++) {
		if (n > 0 && log->rec[n - 1].number == log->rec[i].number &&
		    (log->rec[i].flags & EVENTS_REC_RECOVERED))
			continue;
		log->rec[n++] = log->rec[i];
	}
	log->st.recovered = 0;
	for (i = 0; i < n; i++)
		if (log->rec[i].flags & EVENTS_REC_RECOVERED)
			log->st.recovered++;
	log->nrec = n;
}

/* Forget what a read put in the index (the provider table stays). */
void evlog_index_reset(struct events_log *log)
{
	log->nrec = 0;
	log->pool_len = 0;
	log->st.kept = log->st.unreadable = log->st.skimmed = log->st.built = 0;
	log->scm_built = 0;
}

static int copy_names(char ***out, size_t *nout, const char *const *names,
		      size_t n, struct err *err)
{
	size_t i;

	*out = calloc(n + 1, sizeof(**out));
	if (!*out)
		return err_set(err, -E_NOMEM, "out of memory");
	for (i = 0; i < n; i++) {
		(*out)[i] = strdup(names && names[i] ? names[i] : "");
		if (!(*out)[i])
			return err_set(err, -E_NOMEM, "out of memory");
		(*nout)++;
	}
	return 0;
}

/* The log remembers what it was loaded for (events_log_keeps). */
int evlog_copy_filter(struct events_log *log, const struct events_filter *f,
		      const struct events_ids *fi, struct err *err)
{
	size_t i;
	int rc;

	if (!f)
		return 0;
	rc = copy_names(&log->providers, &log->nproviders, f->providers, f->nproviders, err);
	if (rc == 0 && f->services)
		rc = copy_names(&log->services, &log->nservices, f->services, f->nservices, err);
	if (rc < 0 || !fi || !fi->ids || !fi->nids)
		return rc;
	log->ids = calloc(f->nproviders + 1, sizeof(*log->ids));
	log->nids = calloc(f->nproviders + 1, sizeof(*log->nids));
	if (!log->ids || !log->nids)
		return err_set(err, -E_NOMEM, "out of memory");
	for (i = 0; i < f->nproviders; i++) {
		if (!fi->ids[i])
			continue;
		log->ids[i] = malloc((fi->nids[i] ? fi->nids[i] : 1) * sizeof(**log->ids));
		if (!log->ids[i])
			return err_set(err, -E_NOMEM, "out of memory");
		memcpy(log->ids[i], fi->ids[i], fi->nids[i] * sizeof(**log->ids));
		log->nids[i] = fi->nids[i];
	}
	return 0;
}

int evlog_id_kept(const struct events_log *log, const char *name, unsigned id)
{
	size_t k, i;

	if (log->st.keep_all || !log->ids)
		return 1;
	for (k = 0; k < log->nproviders; k++) {
		if (strcasecmp(name, log->providers[k]) != 0)
			continue;
		if (!log->ids[k])
			return 1;
		for (i = 0; i < log->nids[k]; i++)
			if (log->ids[k][i] == id)
				return 1;
	}
	return 0;
}

static void free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

void events_log_free(struct events_log *log)
{
	size_t i;

	if (!log)
		return;
	for (i = 0; i < log->nprov; i++)
		free(log->prov[i]);
	for (i = 0; log->ids && i < log->nproviders; i++)
		free(log->ids[i]);
	free(log->ids);
	free(log->nids);
	free_names(log->services, log->nservices);
	free_names(log->providers, log->nproviders);
	free(log->prov);
	free(log->prov_keep);
	free(log->slots);
	free(log->rec);
	free(log->pool);
	free(log);
}

size_t events_log_count(const struct events_log *log)
{
	return log ? log->nrec : 0;
}

const struct events_record *events_log_record(const struct events_log *log,
					      size_t i)
{
	return log && i < log->nrec ? &log->rec[i] : NULL;
}

const char *events_log_provider(const struct events_log *log,
				const struct events_record *rec)
{
	return rec->provider < log->nprov ? log->prov[rec->provider] : "";
}

const char *events_log_string(const struct events_log *log,
			      const struct events_record *rec, unsigned k)
{
	const char *s;
	unsigned i;

	if (!(rec->flags & EVENTS_REC_TEXT) || k >= rec->nstrings)
		return "";
	s = log->pool + rec->strings;
	for (i = 0; i < k; i++)
		s += strlen(s) + 1;
	return s;
}

const uint8_t *events_log_binary(const struct events_log *log,
				 const struct events_record *rec)
{
	if (!(rec->flags & (EVENTS_REC_TEXT | EVENTS_REC_SKIM)) || rec->binary == NO_OFFSET)
		return NULL;
	return (const uint8_t *)log->pool + rec->binary;
}

void events_log_stats(const struct events_log *log, struct events_log_stats *st)
{
	*st = log->st;
}

static int spec_lists_id(json_t *ids, json_int_t id)
{
	size_t i;
	json_t *v;

	json_array_foreach(ids, i, v)
		if (json_is_integer(v) && json_integer_value(v) == id)
			return 1;
	return 0;
}

int events_log_keeps(const struct events_log *log, json_t *spec)
{
	const char *provider = json_string_value(json_object_get(spec, "provider"));
	json_t *services = json_object_get(spec, "services"), *v;
	size_t i, k;

	/* a spec without a provider is an error events_log_collect reports */
	if (log->st.keep_all || !provider)
		return 1;
	for (k = 0; k < log->nproviders; k++)
		if (strcasecmp(provider, log->providers[k]) == 0)
			break;
	if (k == log->nproviders)
		return 0;
	/* the records of ids the load was not told about were skipped */
	json_array_foreach(json_object_get(spec, "ids"), i, v)
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 0xffff ||
		    !evlog_id_kept(log, provider, (unsigned)json_integer_value(v)))
			return 0;
	if (strcasecmp(provider, SCM_PROVIDER) != 0)
		return 1;
	if (services) {
		/* the records of services the load was not told about were
		 * skipped */
		if (!log->services || !json_is_array(services))
			return 1;
		json_array_foreach(services, i, v) {
			const char *name = json_string_value(v);

			for (k = 0; name && k < log->nservices; k++)
				if (strcasecmp(name, log->services[k]) == 0)
					break;
			if (!name || k == log->nservices)
				return 0;
		}
		return 1;
	}
	/* a plain match over the Service Control Manager's records: all of
	 * them, and the strings of its 7036 if it asks for those */
	if (log->services)
		return 0;
	return !(log->scm_built && spec_lists_id(json_object_get(spec, "ids"), SCM_STATE_CHANGE));
}
