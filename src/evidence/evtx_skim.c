/* Our own bounded reader of EVTX bytes (events_priv.h, "evtx_skim.c").
 *
 * Chunks.  libevtx's listing of a chunk (libevtx_chunk_read) is: nothing
 * when the 64 KiB are all zeros; else, from offset 0x200 while the offset
 * is at most the header's last record offset (0x2c), every record whose
 * header is sound (signature "**\0\0", size at least 24 and within the
 * chunk, the size repeated in its last 4 bytes); then a scan of the rest
 * of the chunk for records to recover.  A chunk is "plain" when that walk
 * goes without a fault and ends exactly at the free space offset (0x30)
 * with no record signature after it: its records are exactly the ones
 * this skim lists, and there is nothing to recover.  A log whose every
 * listed chunk is plain or empty (and whose size is the 4 KiB header
 * plus whole chunks of 4 KiB header blocks) is "exact": libevtx need not
 * see its chunks that hold nothing to read (events.c shows it a smaller
 * file of the others; their CRCs are checked there, the rest's never).
 * Chunks past the header's chunk count in a log not marked dirty hold
 * records libevtx calls recovered: they are shown to libevtx as they are.
 * Anything else (a damaged chunk, a cut-off file) is listed as the skim
 * always did, and events.c has libevtx read the whole file.  Records:
 * below, "libevtx parses ...".  The templates and substitution values a
 * record is read through are evtx_template.c; its strings evtx_skim_text.c. */
#define _GNU_SOURCE
#include "evtx_skim_priv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "limits.h"
#include "utf16.h"

#define REC_HEADER 24u               /* signature, size, number, time */
#define SKIM_SPLIT_CHUNKS 32u        /* a log this big is skimmed on two threads */

/* libevtx parses a record's whole binary XML to give anything of it
 * (about 20 us a record, mostly its own allocations).  The skim reads the
 * bytes instead (libyal EVTX document: "Event record", "Template
 * instance", "Binary XML"): the record's template instance, its
 * template's <System> fields (Provider Name / EventSourceName, EventID
 * and its Qualifiers, Level; literal or substitution) and the <Binary>
 * of its <EventData>, nested or not.  For each record listed it decides:
 *   - skip: a provider the index does not keep, or a Service Control
 *     Manager record whose <Binary> names a service not asked about;
 *   - build: the record's fields come from the skim alone, libevtx never
 *     reads it: the boot and shutdown markers (numbers only) and the
 *     Service Control Manager's 7036 state changes, whose service key
 *     and state are in the <Binary> (their strings, the display name and
 *     the state's localised name, are not kept: events_log_keeps);
 *   - read: everything else libevtx gives strings for, and every record
 *     the skim cannot read with certainty.
 * The record number and written time are in the record header (0x08,
 * 0x10).  libevtx then reads only the records to read, by index; the
 * skim's enumeration must match libevtx's (same count, same record
 * number at every index read), else the load reads everything. */

/* The provider's keep level, remembered for the last few names (a
 * chunk holds a handful of providers): saves the filter's list walk. */
static enum keep_level skim_keep(struct skim *sk, const char *name)
{
	unsigned i;

	for (i = 0; i < KEEP_CACHE; i++)
		if (sk->kname[i][0] && strcmp(sk->kname[i], name) == 0)
			return (enum keep_level)sk->klevel[i];
	i = sk->knext++ % KEEP_CACHE;
	snprintf(sk->kname[i], sizeof(sk->kname[i]), "%s", name);
	sk->klevel[i] = (uint8_t)evlog_keep_for(sk->log, name);
	return (enum keep_level)sk->klevel[i];
}

/* What to do with the record at chunk offset off (size bytes); *r gets
 * what a built record needs. */
static enum skim_verdict skim_record(struct skim *sk, size_t off, size_t size,
				     struct skim_rec *r)
{
	const struct events_filter *f = sk->log->filter;
	const struct skim_tmpl *t;
	struct skim_values v;
	size_t end = off + size, def;
	enum keep_level keep;
	char key[256];
	int numbers, state;

	r->bin = NULL;
	r->bin_len = 0;
	if (!skim_instance(sk, off + 0x18, end, &def, &v))
		return SK_READ;
	t = skim_template_get(sk, def);
	if (!t || !t->ok || !skim_provider(sk, t, &v, r->provider, sizeof(r->provider)))
		return SK_READ;
	keep = skim_keep(sk, r->provider);
	if (keep == KEEP_SKIP)
		return SK_SKIP;
	numbers = skim_number(sk, &t->id, &v, VT_UINT16, 2, 1, &r->id) &&
		  skim_number(sk, &t->qual, &v, VT_UINT16, 2, 0, &r->qualifiers) &&
		  skim_number(sk, &t->level, &v, VT_UINT8, 1, 0, &r->level);
	if (keep == KEEP_NUMBERS)
		return numbers ? SK_BUILD : SK_READ;
	/* an id no spec of the rules names for this provider */
	if (numbers && !evlog_id_kept(sk->log, r->provider, r->id))
		return SK_SKIP;
	if (strcasecmp(r->provider, SCM_PROVIDER) != 0)
		return numbers && skim_text(sk, t, &v, r) ? SK_TEXT : SK_READ;
	/* the service key in the <Binary> (7036 "CryptSvc/4", 7000...
	 * "CryptSvc"); 7040 and 7026 have none; without one (Windows Server
	 * 2008) the display name in the strings decides later */
	if (!skim_binary(sk, t, &v, &r->bin, &r->bin_len) ||
	    r->bin_len > LIMIT_EVTX_STRING_LEN / 2 ||
	    !evlog_scm_binary(r->bin, r->bin_len, key, sizeof(key), &state)) {
		r->bin = NULL;
		r->bin_len = 0;
		return numbers && skim_text(sk, t, &v, r) ? SK_TEXT : SK_READ;
	}
	if (f->services && !evlog_listed(key, f->services, f->nservices))
		return SK_SKIP;
	if (numbers && r->id == SCM_STATE_CHANGE)
		return SK_BUILD;
	return numbers && skim_text(sk, t, &v, r) ? SK_TEXT : SK_READ;
}


/* ---- chunks ------------------------------------------------------------ */

struct skim_cache {
	struct skim_tmpl t[SKIM_TEMPLATES];
	char text[SKIM_TEXT];
};

static int all_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* libevtx_record_values_read_header's checks on the record at off of a
 * whole chunk: 1 sound (*size), 0 a header of zeros, -1 unsound. */
static int rec_header(const uint8_t *c, size_t off, uint32_t *size)
{
	size_t room;

	if (off >= EVTX_CHUNK || EVTX_CHUNK - off < REC_HEADER + 4)
		return -1;
	room = EVTX_CHUNK - off;
	if (all_zero(c + off, REC_HEADER))
		return 0;
	if (le32(c + off) != 0x00002a2a)           /* 0x00 "**\0\0" */
		return -1;
	*size = le32(c + off + 4);                 /* 0x04 size */
	if (*size < REC_HEADER || *size > room - 4 ||
	    le32(c + off + *size - 4) != *size)    /* size copy */
		return -1;
	return 1;
}

/* A whole chunk libevtx lists exactly as the walk below does, with
 * nothing to recover (the comment at the top). */
static int chunk_plain(const uint8_t *c)
{
	uint32_t last = le32(c + 0x2c);            /* last record offset */
	uint32_t free_off = le32(c + 0x30);        /* free space offset */
	uint32_t size;
	size_t off = 0x200;

	if (memcmp(c, "ElfChnk", 8) != 0 || le32(c + 0x28) != 128 ||  /* header size */
	    free_off < 0x200 || free_off > EVTX_CHUNK)
		return 0;
	while (off <= last) {
		/* the listing below also wants 28 bytes at least */
		if (rec_header(c, off, &size) != 1 || size < 0x1c)
			return 0;
		off += size;
	}
	return off == free_off &&
	       !memmem(c + off, EVTX_CHUNK - off, "\x2a\x2a\0\0", 4);
}

static int grow(struct evtx_skim *sk, struct err *err)
{
	size_t cap = sk->cap ? sk->cap * 2 : 4096;
	uint64_t *num;
	uint32_t *chunk;
	uint8_t *want;

	num = realloc(sk->number, cap * sizeof(*num));
	if (!num)
		return err_set(err, -E_NOMEM, "out of memory");
	sk->number = num;
	chunk = realloc(sk->chunk, cap * sizeof(*chunk));
	if (!chunk)
		return err_set(err, -E_NOMEM, "out of memory");
	sk->chunk = chunk;
	want = realloc(sk->want, cap);
	if (!want)
		return err_set(err, -E_NOMEM, "out of memory");
	sk->want = want;
	sk->cap = cap;
	return 0;
}

/* List the records of chunk k at c (clen bytes) as the skim always did
 * (for a plain chunk, libevtx's listing), decide each, build those it
 * reads whole.  beyond: records libevtx recovers, nothing decided. */
static int skim_chunk(struct skim *sk, struct evtx_skim *out, size_t k,
		      int beyond, struct err *err)
{
	struct skim_rec r;
	size_t free_off, off;
	int rc;

	sk->nt = 0;
	if (sk->clen < 0x200 || memcmp(sk->c, "ElfChnk", 8) != 0)
		return 0;
	free_off = le32(sk->c + 0x30);             /* free space offset */
	if (free_off > sk->clen)
		free_off = sk->clen;
	for (off = 0x200; off + 0x1c <= free_off; ) {
		size_t size = le32(sk->c + off + 4);
		enum skim_verdict w = SK_SKIP;

		if (le32(sk->c + off) != 0x00002a2a || size < 0x1c || size > free_off - off)
			break;
		if (out->n == out->cap && grow(out, err) < 0)
			return err->code;
		/* 0x08 record number, 0x10 written time (FILETIME) */
		out->number[out->n] = le64(sk->c + off + 8);
		out->chunk[out->n] = (uint32_t)k;
		if (!beyond)
			w = skim_record(sk, off, size, &r);
		if (w == SK_BUILD) {
			rc = evlog_add_built(sk->log, out->number[out->n], le64(sk->c + off + 16),
					     r.provider, r.id, r.qualifiers, r.level,
					     r.bin, r.bin_len, err);
			if (rc < 0)
				return rc;
		} else if (w == SK_TEXT) {
			rc = evlog_add_text(sk->log, out->number[out->n], le64(sk->c + off + 16),
					    r.provider, r.id, r.qualifiers, r.level,
					    sk->text, r.text_len, r.nstrings, r.bin, r.bin_len, err);
			if (rc < 0)
				return rc;
		}
		if (w == SK_READ && out->chunk_state[k] == CHUNK_PLAIN)
			out->chunk_state[k] = CHUNK_READ;
		out->want[out->n++] = (uint8_t)w;
		if (out->n > LIMIT_EVTX_RECORDS)
			return err_set(err, -E_LIMIT, "more than %u records (LIMIT_EVTX_RECORDS)",
				       LIMIT_EVTX_RECORDS);
		off += size;
	}
	return 0;
}

/* Skim chunks [from, to) of buf into out (its records; chunk_state
 * may be shared with another range: each writes its own chunks). */
static int skim_range(const uint8_t *buf, size_t len, int hdr,
		      struct events_log *log, struct evtx_skim *out,
		      size_t from, size_t to, struct err *err)
{
	struct skim_cache *cache = malloc(sizeof(*cache));
	struct skim *sk = calloc(1, sizeof(*sk));
	size_t k, base;
	int rc = 0;

	if (!cache || !sk) {
		free(cache);
		free(sk);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	sk->t = cache->t;
	sk->text = cache->text;
	sk->log = log;
	sk->no_text = getenv("VSSD_EVTX_FULL") != NULL;
	for (k = from; k < to && rc == 0; k++) {
		/* without a file header libevtx reads nothing at all */
		int beyond = hdr && k >= out->header_chunks && !out->dirty;

		base = EVTX_FIRST_CHUNK + k * EVTX_CHUNK;
		sk->c = buf + base;
		sk->clen = len - base < EVTX_CHUNK ? len - base : EVTX_CHUNK;
		if (sk->clen == EVTX_CHUNK && all_zero(sk->c, EVTX_CHUNK)) {
			out->chunk_state[k] = CHUNK_EMPTY;
			continue;
		}
		if (sk->clen == EVTX_CHUNK && !beyond && chunk_plain(sk->c)) {
			out->chunk_state[k] = CHUNK_PLAIN;
		} else {
			out->chunk_state[k] = CHUNK_OTHER;
			if (!beyond)
				out->exact = 0;
		}
		rc = skim_chunk(sk, out, k, beyond, err);
	}
	free(sk);
	free(cache);
	return rc;
}

/* The second half of a big log, skimmed on a thread of its own into a
 * log of its own; merged after, in order, so the index is the one a
 * single pass gives. */
struct skim_half {
	const uint8_t *buf;
	size_t len, from, to;
	int hdr, rc;
	struct events_log *log;
	struct evtx_skim out;
	struct err err;
};

static void *skim_half_run(void *arg)
{
	struct skim_half *h = arg;

	err_init(&h->err);
	h->rc = skim_range(h->buf, h->len, h->hdr, h->log, &h->out, h->from, h->to, &h->err);
	return NULL;
}

/* Append h's records to out (h's arrays are freed, not its states). */
static int append_half(struct evtx_skim *out, struct skim_half *h, struct err *err)
{
	size_t n = h->out.n;

	while (out->cap < out->n + n)
		if (grow(out, err) < 0)
			return err->code;
	memcpy(out->want + out->n, h->out.want, n);
	memcpy(out->number + out->n, h->out.number, n * sizeof(*out->number));
	memcpy(out->chunk + out->n, h->out.chunk, n * sizeof(*out->chunk));
	out->n += n;
	if (out->n > LIMIT_EVTX_RECORDS)
		return err_set(err, -E_LIMIT, "more than %u records (LIMIT_EVTX_RECORDS)",
			       LIMIT_EVTX_RECORDS);
	return 0;
}

int evtx_skim_file(const uint8_t *buf, size_t len, struct events_log *log,
		   struct evtx_skim *out, struct err *err)
{
	struct skim_half h;
	pthread_t th;
	size_t half;
	int rc = 0, hdr, threaded = 0;

	memset(out, 0, sizeof(*out));
	/* libyal EVTX document, "File header": 0x28 header block size, 0x2a
	 * chunk count, 0x78 flags (0x1 dirty) */
	hdr = len >= EVTX_FIRST_CHUNK && memcmp(buf, "ElfFile", 8) == 0;
	if (hdr) {
		out->header_chunks = le16(buf + 0x2a);
		out->dirty = (le32(buf + 0x78) & 1) != 0;
		out->exact = le16(buf + 0x28) == EVTX_FIRST_CHUNK &&
			     (len - EVTX_FIRST_CHUNK) % EVTX_CHUNK == 0;
	}
	out->nchunks = len > EVTX_FIRST_CHUNK ?
		       (len - EVTX_FIRST_CHUNK + EVTX_CHUNK - 1) / EVTX_CHUNK : 0;
	out->chunk_state = calloc(out->nchunks ? out->nchunks : 1, 1);
	if (!out->chunk_state)
		return err_set(err, -E_NOMEM, "out of memory");
	/* a big log on two cores: the second half on a thread */
	half = out->nchunks;
	memset(&h, 0, sizeof(h));
	if (out->nchunks >= SKIM_SPLIT_CHUNKS && !getenv("VSSD_SKIM_ONE_THREAD")) {
		half = out->nchunks / 2;
		h.buf = buf;
		h.len = len;
		h.from = half;
		h.to = out->nchunks;
		h.hdr = hdr;
		h.out.chunk_state = out->chunk_state;
		h.out.header_chunks = out->header_chunks;
		h.out.dirty = out->dirty;
		h.out.exact = 1;
		h.log = evlog_sub_new(log);
		threaded = h.log && pthread_create(&th, NULL, skim_half_run, &h) == 0;
		if (!threaded) {
			evlog_sub_free(h.log);
			h.log = NULL;
			half = out->nchunks;
		}
	}
	rc = skim_range(buf, len, hdr, log, out, 0, half, err);
	if (threaded) {
		pthread_join(th, NULL);
		if (rc == 0 && h.rc < 0) {
			*err = h.err;
			rc = h.rc;
		}
		if (rc == 0)
			rc = append_half(out, &h, err);
		if (rc == 0)
			rc = evlog_merge(log, h.log, err);
		if (!h.out.exact)
			out->exact = 0;
		free(h.out.want);
		free(h.out.number);
		free(h.out.chunk);
		evlog_sub_free(h.log);
	}
	return rc;
}

void evtx_skim_release(struct evtx_skim *sk)
{
	free(sk->want);
	free(sk->number);
	free(sk->chunk);
	free(sk->chunk_state);
	memset(sk, 0, sizeof(*sk));
}
