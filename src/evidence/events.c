/* The event-log index and matching (events.h).  This file is the libevtx
 * adapter: libevtx_ and libbfio_ names appear only here.
 *
 * libevtx 20181227 parses each record's binary XML as the record is read
 * (about 20 us a record, mostly its own allocations), so the index reads
 * each record once, keeps a compact struct for the providers the rules
 * ask about plus the boot markers, and closes the file: nothing of
 * libevtx outlives events_log_load().  A skim of the raw bytes decides
 * which records libevtx reads at all, and reads the ones that need no
 * strings itself (see "skim" below).  That library version shows an
 * event's <Binary> as one more string in upper-case hex; the index turns
 * such a trailing string back into bytes. */
#define _GNU_SOURCE
#include "events.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libbfio.h>
#include <libevtx.h>

#include "bytes.h"
#include "capi2.h"
#include "limits.h"

#define NO_OFFSET UINT32_MAX

/* providers whose records are indexed without strings: the boot and
 * shutdown markers of the Service Control Manager analysis */
#define PROV_EVENTLOG "EventLog"
#define PROV_KERNEL_GENERAL "Microsoft-Windows-Kernel-General"
#define PROV_USER32 "User32"

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
	size_t scm_built;            /* 7036 records built by the skim */
};

/* ---- libevtx errors ---------------------------------------------------- */

static int evtx_err(struct err *err, libevtx_error_t **le, int code,
		    const char *what)
{
	char msg[256] = "";

	if (le && *le) {
		libevtx_error_sprint(*le, msg, sizeof(msg));
		libevtx_error_free(le);
	}
	/* libevtx's messages span lines: keep the first, it names the cause */
	msg[strcspn(msg, "\r\n")] = '\0';
	if (msg[0])
		return err_set(err, code, "%s: %s", what, msg);
	return err_set(err, code, "%s", what);
}

/* ---- pool and tables --------------------------------------------------- */

static int pool_reserve(struct events_log *log, size_t n, struct err *err)
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

static int provider_listed(const char *name, const char *const *list, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (list[i] && strcasecmp(list[i], name) == 0)
			return 1;
	return 0;
}

static enum keep_level keep_for(const struct events_log *log, const char *name)
{
	if (log->st.keep_all ||
	    provider_listed(name, log->filter->providers, log->filter->nproviders))
		return KEEP_TEXT;
	if (strcasecmp(name, PROV_EVENTLOG) == 0 ||
	    strcasecmp(name, PROV_KERNEL_GENERAL) == 0 ||
	    strcasecmp(name, PROV_USER32) == 0)
		return KEEP_NUMBERS;
	return KEEP_SKIP;
}

/* The index of name in the provider table, added when new; <0 on error. */
static int provider_intern(struct events_log *log, const char *name,
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
	log->prov_keep[log->nprov] = (uint8_t)keep_for(log, name);
	for (slot = h & (log->nslots - 1); log->slots[slot];
	     slot = (slot + 1) & (log->nslots - 1))
		;
	log->slots[slot] = (uint32_t)log->nprov + 1;
	*idx = (uint32_t)log->nprov++;
	return 0;
}

/* 1 and *idx when the log has records of name, else 0. */
static int provider_find(const struct events_log *log, const char *name,
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

/* ---- hex and binary ---------------------------------------------------- */

/* libevtx 20181227 renders <Binary> as a string of hex digits; a real
 * string of 8 or more hex digits and nothing else is rare enough. */
static int looks_hex(const char *s, size_t n)
{
	size_t i;

	if (n < 8 || n % 2)
		return 0;
	for (i = 0; i < n; i++)
		if (hex_digit((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

/* ---- guarding libevtx against hostile counts -------------------------- */

/* libevtx 20181227 (its bundled libfwevt) sizes the array for a template
 * instance's values from the 32-bit count in the file before it checks
 * that count against the data, and later walks the whole array: one
 * flipped bit there costs gigabytes and seconds.  So every template
 * instance libevtx could reach is checked first: from each "**\0\0"
 * record signature anywhere in a chunk (libevtx's recovery scan finds
 * records at any offset), the record's binary XML fragment, and the
 * fragments inside BinXml-typed values, recursively.  A count whose
 * descriptors cannot fit in the chunk is set to 0 in a private copy of
 * the file, which makes libevtx reject that one record cheaply; a chunk
 * too costly to check is blanked.  (libyal EVTX document, "Template
 * instance": token 0x0c, 1 unknown byte, 4-byte template id, 4-byte
 * definition offset; when the definition follows inline, 24 bytes of
 * definition header and its data come first; then the value count, the
 * 4-byte descriptors (size, type, 0) and the values.) */

#define EVTX_CHUNK 65536u
#define EVTX_FIRST_CHUNK 4096u
#define GUARD_DEPTH 16u
#define GUARD_BUDGET (4u * 1024 * 1024) /* descriptor steps per chunk */
#define VT_BINXML 0x21

struct guard {
	const uint8_t *c;            /* the chunk */
	size_t clen, base;           /* its length and file offset */
	uint8_t seen[EVTX_CHUNK / 8];/* instance offsets already checked */
	size_t budget;
	size_t *fix;                 /* file offsets of counts to zero */
	size_t nfix, capfix;
	int over, oom;
};

static void guard_fix(struct guard *g, size_t off)
{
	if (g->nfix == g->capfix) {
		size_t cap = g->capfix ? g->capfix * 2 : 16;
		size_t *p = realloc(g->fix, cap * sizeof(*p));

		if (!p) {
			g->oom = 1;
			return;
		}
		g->fix = p;
		g->capfix = cap;
	}
	g->fix[g->nfix++] = g->base + off;
}

static void guard_fragment(struct guard *g, size_t off, unsigned depth)
{
	const uint8_t *c = g->c;
	size_t clen = g->clen, q, def, vals, v, i, count;

	if (depth > GUARD_DEPTH || off >= clen || g->over)
		return;
	if (c[off] == 0x0f)                      /* fragment header */
		off += 4;
	if (off + 10 > clen || c[off] != 0x0c)   /* no template instance */
		return;
	if (g->seen[off / 8] & (1u << (off % 8)))
		return;
	g->seen[off / 8] |= (uint8_t)(1u << (off % 8));
	def = le32(c + off + 6);
	q = off + 10;
	if (def > q)                             /* libfwevt skips to it */
		q = def;
	if (clen < 24 || def > clen - 24)        /* libevtx rejects it */
		return;
	vals = def == q ? q + 24 + (size_t)le32(c + def + 20) : q;
	if (vals > clen || clen - vals < 4)
		return;
	count = le32(c + vals);
	if (count > (clen - vals - 4) / 4) {
		guard_fix(g, vals);
		return;
	}
	if (count > g->budget) {
		g->over = 1;
		return;
	}
	g->budget -= count;
	v = vals + 4 + 4 * count;
	for (i = 0; i < count; i++) {
		const uint8_t *d = c + vals + 4 + 4 * i;
		size_t size = le16(d);

		if (size > clen - v)
			return;
		if (d[2] == VT_BINXML)
			guard_fragment(g, v, depth + 1);
		v += size;
	}
}

/* The file offsets of counts to zero (malloc'd), or <0; *blank: chunks to
 * blank (bit per chunk index, malloc'd). */
static int guard_file(const uint8_t *buf, size_t len, struct guard *g,
		      uint8_t **blank, size_t *nchunks, struct err *err)
{
	size_t base, k;

	*blank = NULL;
	*nchunks = len > EVTX_FIRST_CHUNK ? (len - EVTX_FIRST_CHUNK + EVTX_CHUNK - 1) / EVTX_CHUNK : 0;
	if (*nchunks) {
		*blank = calloc((*nchunks + 7) / 8, 1);
		if (!*blank)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	for (k = 0; k < *nchunks; k++) {
		const uint8_t *p;

		base = EVTX_FIRST_CHUNK + k * EVTX_CHUNK;
		g->c = buf + base;
		g->clen = len - base < EVTX_CHUNK ? len - base : EVTX_CHUNK;
		g->base = base;
		g->budget = GUARD_BUDGET;
		g->over = 0;
		memset(g->seen, 0, sizeof(g->seen));
		for (p = g->c; g->clen >= 0x1c && p <= g->c + g->clen - 0x1c &&
		     (p = memchr(p, '*', (size_t)(g->c + g->clen - 0x1c - p) + 1)); p++) {
			if (p[1] != '*' || p[2] || p[3])
				continue;
			guard_fragment(g, (size_t)(p - g->c) + 0x18, 0);
			if (g->over)
				break;
		}
		if (g->over)
			(*blank)[k / 8] |= (uint8_t)(1u << (k % 8));
		if (g->oom)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	return 0;
}

/* ---- skim: which records are worth libevtx's time ----------------------- */

static int scm_binary(const uint8_t *b, size_t n, char *key, size_t cap,
		      int *state);
static int add_built(struct events_log *log, uint64_t number, uint64_t filetime,
		     const char *provider, unsigned id, unsigned qualifiers,
		     unsigned level, const uint8_t *bin, size_t bin_len,
		     struct err *err);

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

#define SCM_PROVIDER "Service Control Manager"
#define SCM_STATE_CHANGE 7036
#define SKIM_TEMPLATES 256u          /* templates cached per chunk */
#define SKIM_VALUES 64u              /* substitution values looked at */
#define SKIM_DEPTH 32                /* element nesting in a template */
#define TOK_TEMPLATE_INSTANCE 0x0c
#define VT_NULL 0x00
#define VT_STRING 0x01
#define VT_UINT8 0x04
#define VT_UINT16 0x06
#define VT_BINARY 0x0e

enum skim_verdict { SK_SKIP = 0, SK_READ = 1, SK_BUILD = 2 };
enum skim_elem { EL_OTHER, EL_SYSTEM, EL_PROVIDER, EL_EVENTID, EL_LEVEL,
		 EL_EVENTDATA, EL_BINARY };
enum skim_attr { AT_NONE, AT_OTHER, AT_NAME, AT_SOURCE, AT_QUALIFIERS };

/* Where a template takes one field from: n places (more than one is
 * ambiguous), the last a substitution (sub >= 0, opt: optional) or a
 * literal (sub < 0). */
struct skim_field {
	int n, sub, opt;
};

struct skim_tmpl {
	uint32_t off;                /* definition offset in the chunk */
	int ok;                      /* the template body parsed */
	struct skim_field name, source, id, qual, level, binary;
	char name_lit[LIMIT_EVTX_PROVIDER_LEN];   /* literal Provider Name */
	char source_lit[LIMIT_EVTX_PROVIDER_LEN]; /* literal EventSourceName */
};

struct skim {
	const uint8_t *c;            /* the chunk */
	size_t clen;
	struct skim_tmpl *t;         /* SKIM_TEMPLATES */
	size_t nt;
	struct events_log *log;      /* its filter decides; built records go in */
	uint8_t *want;               /* enum skim_verdict per record, in order */
	uint64_t *number;            /* per record, in enumeration order */
	size_t n, cap;
};

/* What the skim read of one record. */
struct skim_rec {
	char provider[LIMIT_EVTX_PROVIDER_LEN];
	unsigned id, qualifiers, level;
	const uint8_t *bin;
	size_t bin_len;
};

/* UTF-16LE (size bytes) as ASCII into out: printable code units, then
 * only NULs; 0 when it is anything else, empty or does not fit.  Provider
 * names are ASCII; others are left to libevtx. */
static int utf16_ascii(const uint8_t *p, size_t size, char *out, size_t cap)
{
	size_t i, len = 0;

	if (size % 2 || size == 0)
		return 0;
	for (i = 0; i < size; i += 2) {
		uint16_t u = le16(p + i);

		if (u == 0)
			break;
		if (u < 0x20 || u > 0x7e || len + 1 >= cap)
			return 0;
		out[len++] = (char)u;
	}
	for (; i < size; i += 2)
		if (le16(p + i) != 0)
			return 0;
	out[len] = '\0';
	return len > 0;
}

/* A name structure at chunk offset off equals ascii (exactly). */
static int name_is(const struct skim *sk, size_t off, const char *ascii)
{
	size_t n = strlen(ascii), i;

	if (off > sk->clen || sk->clen - off < 8 + 2 * n || le16(sk->c + off + 6) != n)
		return 0;
	for (i = 0; i < n; i++)
		if (le16(sk->c + off + 8 + 2 * i) != (uint8_t)ascii[i])
			return 0;
	return 1;
}

/* Skip a name reference at *p (4-byte offset, the name inline when it
 * points right after); 0 when out of bounds. */
static int skip_name(const struct skim *sk, size_t *p, size_t end, size_t *name)
{
	size_t q = *p;

	if (q + 4 > end)
		return 0;
	*name = le32(sk->c + q);
	q += 4;
	if (*name == q) {
		if (q + 8 > end)
			return 0;
		q += 8 + 2 * (size_t)le16(sk->c + q + 6) + 2;
		if (q > end)
			return 0;
	}
	*p = q;
	return 1;
}

static enum skim_elem elem_kind(const struct skim *sk, size_t name, int parent,
				struct skim_tmpl *t)
{
	if (name_is(sk, name, "System"))
		return EL_SYSTEM;
	if (parent == EL_SYSTEM) {
		if (name_is(sk, name, "Provider"))
			return EL_PROVIDER;
		if (name_is(sk, name, "EventID"))
			return EL_EVENTID;
		if (name_is(sk, name, "Level"))
			return EL_LEVEL;
	}
	if (name_is(sk, name, "EventData"))
		return EL_EVENTDATA;
	/* libevtx shows <Binary> as the last of the event data strings (and
	 * prefers a <BinaryData>): another element after it, or a
	 * BinaryData anywhere, and the skim cannot tell what libevtx shows */
	if (name_is(sk, name, "BinaryData"))
		t->binary.n = 2;
	if (parent == EL_EVENTDATA) {
		if (t->binary.n)
			t->binary.n = 2;
		if (name_is(sk, name, "Binary"))
			return EL_BINARY;
	}
	return EL_OTHER;
}

/* The field a value or substitution token fills: the attribute value
 * being read, else the content of the current element. */
static struct skim_field *field_at(struct skim_tmpl *t, int elem, int attr)
{
	switch (attr) {
	case AT_NAME:
		return &t->name;
	case AT_SOURCE:
		return &t->source;
	case AT_QUALIFIERS:
		return &t->qual;
	case AT_OTHER:
		return NULL;
	default:
		break;
	}
	switch (elem) {
	case EL_EVENTID:
		return &t->id;
	case EL_LEVEL:
		return &t->level;
	case EL_BINARY:
		return &t->binary;
	default:
		return NULL;
	}
}

/* Read the template body at definition offset def: where the fields come
 * from.  t->ok stays 0 when the body does not parse. */
static void skim_template(const struct skim *sk, size_t def, struct skim_tmpl *t)
{
	static const struct skim_field none = { 0, -1, 0 };
	const uint8_t *c = sk->c;
	size_t p, end, name;
	uint8_t stack[SKIM_DEPTH];
	int depth = 0, attr = AT_NONE;

	t->ok = 0;
	t->name = t->source = t->id = t->qual = t->level = t->binary = none;
	t->name_lit[0] = t->source_lit[0] = '\0';
	if (def > sk->clen || sk->clen - def < 24)
		return;
	p = def + 24;
	end = p + le32(c + def + 20);
	if (end > sk->clen)
		end = sk->clen;
	while (p < end) {
		uint8_t tok = c[p];
		int elem = depth ? stack[depth - 1] : EL_OTHER;
		struct skim_field *f;

		switch (tok & 0xbf) {   /* 0x40: "more" variants */
		case 0x00:              /* end of fragment */
			p = end;
			break;
		case 0x0f:              /* fragment header */
			p += 4;
			break;
		case 0x01:              /* open start element */
			p += 7;         /* token, dependency id, data size */
			if (!skip_name(sk, &p, end, &name))
				return;
			if (tok & 0x40)
				p += 4; /* attribute list size */
			if (depth >= SKIM_DEPTH)
				return;
			stack[depth++] = (uint8_t)elem_kind(sk, name, elem, t);
			attr = AT_NONE;
			break;
		case 0x02:              /* close start element */
			attr = AT_NONE;
			p++;
			break;
		case 0x03:              /* close empty element */
		case 0x04:              /* end element */
			if (depth == 0)
				return;
			depth--;
			attr = AT_NONE;
			p++;
			break;
		case 0x06:              /* attribute: its value token follows */
			p++;
			if (!skip_name(sk, &p, end, &name))
				return;
			attr = AT_OTHER;
			if (elem == EL_PROVIDER && name_is(sk, name, "Name"))
				attr = AT_NAME;
			else if (elem == EL_PROVIDER && name_is(sk, name, "EventSourceName"))
				attr = AT_SOURCE;
			else if (elem == EL_EVENTID && name_is(sk, name, "Qualifiers"))
				attr = AT_QUALIFIERS;
			break;
		case 0x05:              /* value text */
			if (p + 4 > end || c[p + 1] != VT_STRING)
				return;
			{
				size_t n = le16(c + p + 2);

				if (p + 4 + 2 * n > end)
					return;
				f = field_at(t, elem, attr);
				if (f) {
					char *lit = f == &t->name ? t->name_lit :
						    f == &t->source ? t->source_lit : NULL;

					f->n++;
					f->sub = -1;
					/* a literal name libevtx would show as
					 * this skim does not: ambiguous */
					if (lit && !utf16_ascii(c + p + 4, 2 * n, lit,
								LIMIT_EVTX_PROVIDER_LEN))
						f->n = 2;
				}
				p += 4 + 2 * n;
			}
			attr = AT_NONE;
			break;
		case 0x0d:              /* normal substitution */
		case 0x0e:              /* optional substitution */
			if (p + 4 > end)
				return;
			f = field_at(t, elem, attr);
			if (f) {
				f->n++;
				f->sub = le16(c + p + 1);
				f->opt = (tok & 0xbf) == 0x0e;
			}
			attr = AT_NONE;
			p += 4;
			break;
		case 0x07:              /* CDATA */
		case 0x0b:              /* PI data */
			if (p + 3 > end)
				return;
			p += 3 + 2 * (size_t)le16(c + p + 1);
			break;
		case 0x08:              /* character reference */
			p += 3;
			break;
		case 0x09:              /* entity reference */
		case 0x0a:              /* PI target */
			p++;
			if (!skip_name(sk, &p, end, &name))
				return;
			break;
		default:
			return;
		}
	}
	t->ok = 1;
}

static const struct skim_tmpl *skim_template_get(struct skim *sk, size_t def)
{
	size_t i;

	for (i = 0; i < sk->nt; i++)
		if (sk->t[i].off == def)
			return &sk->t[i];
	if (sk->nt == SKIM_TEMPLATES)
		return NULL;
	sk->t[sk->nt].off = (uint32_t)def;
	skim_template(sk, def, &sk->t[sk->nt]);
	return &sk->t[sk->nt++];
}

struct skim_values {
	size_t n;
	size_t off[SKIM_VALUES];
	uint16_t size[SKIM_VALUES];
	uint8_t type[SKIM_VALUES];
};

/* The template instance of the fragment at off (ending by end): its
 * definition offset and values.  0 when it is not one we can read. */
static int skim_instance(const struct skim *sk, size_t off, size_t end,
			 size_t *def_out, struct skim_values *v)
{
	const uint8_t *c = sk->c;
	size_t q, def, vals, i, at;

	if (off < end && c[off] == 0x0f)
		off += 4;
	if (off + 10 > end || c[off] != TOK_TEMPLATE_INSTANCE)
		return 0;
	def = le32(c + off + 6);
	q = off + 10;
	if (def > q)
		q = def;
	if (def > sk->clen || sk->clen - def < 24)
		return 0;
	vals = def == q ? q + 24 + (size_t)le32(c + def + 20) : q;
	if (vals > end || end - vals < 4)
		return 0;
	v->n = le32(c + vals);
	if (v->n > SKIM_VALUES || 4 + 4 * v->n > end - vals)
		return 0;
	at = vals + 4 + 4 * v->n;
	for (i = 0; i < v->n; i++) {
		v->size[i] = le16(c + vals + 4 + 4 * i);
		v->type[i] = c[vals + 4 + 4 * i + 2];
		v->off[i] = at;
		at += v->size[i];
		if (at > end)
			return 0;
	}
	*def_out = def;
	return 1;
}

/* The provider name as libevtx gives it (EventSourceName, else Name)
 * into out; 0 when the skim cannot be sure. */
static int skim_provider(const struct skim *sk, const struct skim_tmpl *t,
			 const struct skim_values *v, char *out, size_t cap)
{
	const struct skim_field *f = &t->source;
	const char *lit = t->source_lit;
	size_t i;

	/* an optional EventSourceName substitution without a value leaves
	 * the attribute out */
	if (f->n == 1 && f->sub >= 0 && (size_t)f->sub < v->n && f->opt &&
	    v->type[f->sub] == VT_NULL)
		f = &t->name;
	else if (f->n == 0)
		f = &t->name;
	if (f == &t->name)
		lit = t->name_lit;
	if (f->n != 1)
		return 0;
	if (f->sub < 0) {
		snprintf(out, cap, "%s", lit);
		return out[0] != '\0';
	}
	i = (size_t)f->sub;
	if (i >= v->n || v->type[i] != VT_STRING)
		return 0;
	return utf16_ascii(sk->c + v->off[i], v->size[i], out, cap);
}

/* A number field from a substitution of type (size bytes); absent, or
 * an optional substitution without a value, is 0 (libevtx finds no value
 * there and the index keeps 0) unless required.  0 when unsure. */
static int skim_number(const struct skim *sk, const struct skim_field *f,
		       const struct skim_values *v, uint8_t type, size_t size,
		       int required, unsigned *out)
{
	size_t i;

	*out = 0;
	if (f->n == 0)
		return !required;
	if (f->n > 1 || f->sub < 0 || (size_t)f->sub >= v->n)
		return 0;
	i = (size_t)f->sub;
	/* Windows writes some NULL values with a size (2 bytes): no value */
	if (v->type[i] == VT_NULL && f->opt)
		return !required;
	if (v->type[i] != type || v->size[i] != size)
		return 0;
	*out = size == 1 ? sk->c[v->off[i]] : le16(sk->c + v->off[i]);
	return 1;
}

/* The <Binary> value of a binary field; 0 when not one. */
static int binary_value(const struct skim *sk, const struct skim_field *f,
			const struct skim_values *v, const uint8_t **bin,
			size_t *len)
{
	size_t i;

	if (f->n != 1 || f->sub < 0 || (size_t)f->sub >= v->n)
		return 0;
	i = (size_t)f->sub;
	if (v->type[i] != VT_BINARY || v->size[i] == 0)
		return 0;
	*bin = sk->c + v->off[i];
	*len = v->size[i];
	return 1;
}

/* The record's one <Binary>: in its own template or in the <EventData>
 * of a nested instance (a BinXml value).  0 when none or not certain. */
static int skim_binary(struct skim *sk, const struct skim_tmpl *t,
		       const struct skim_values *v, const uint8_t **bin,
		       size_t *len)
{
	struct skim_values nested;
	int found = 0;
	size_t i;

	if (t->binary.n > 1)
		return 0;
	if (t->binary.n == 1) {
		if (!binary_value(sk, &t->binary, v, bin, len))
			return 0;
		found = 1;
	}
	for (i = 0; i < v->n; i++) {
		const struct skim_tmpl *nt;
		size_t ndef;

		if (v->type[i] != VT_BINXML)
			continue;
		if (!skim_instance(sk, v->off[i], v->off[i] + v->size[i], &ndef, &nested))
			return 0;
		nt = skim_template_get(sk, ndef);
		if (!nt || !nt->ok)
			return 0;
		if (nt->binary.n == 0)
			continue;
		if (found || !binary_value(sk, &nt->binary, &nested, bin, len))
			return 0;
		found = 1;
	}
	return found;
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
	keep = keep_for(sk->log, r->provider);
	if (keep == KEEP_SKIP)
		return SK_SKIP;
	numbers = skim_number(sk, &t->id, &v, VT_UINT16, 2, 1, &r->id) &&
		  skim_number(sk, &t->qual, &v, VT_UINT16, 2, 0, &r->qualifiers) &&
		  skim_number(sk, &t->level, &v, VT_UINT8, 1, 0, &r->level);
	if (keep == KEEP_NUMBERS)
		return numbers ? SK_BUILD : SK_READ;
	if (strcasecmp(r->provider, SCM_PROVIDER) != 0)
		return SK_READ;
	/* the service key in the <Binary> (7036 "CryptSvc/4", 7000...
	 * "CryptSvc"); 7040 and 7026 have none; without one (Windows Server
	 * 2008) the display name in the strings decides later */
	if (!skim_binary(sk, t, &v, &r->bin, &r->bin_len) ||
	    r->bin_len > LIMIT_EVTX_STRING_LEN / 2 ||
	    !scm_binary(r->bin, r->bin_len, key, sizeof(key), &state))
		return SK_READ;
	if (f->services && !provider_listed(key, f->services, f->nservices))
		return SK_SKIP;
	if (numbers && r->id == SCM_STATE_CHANGE)
		return SK_BUILD;
	return SK_READ;
}

/* Enumerate the records of every chunk as libevtx lists them, decide each
 * and add the built ones to the index. */
static int skim_file(const uint8_t *buf, size_t len, struct skim *sk, struct err *err)
{
	struct skim_rec r;
	size_t base;
	int rc;

	for (base = EVTX_FIRST_CHUNK; base < len; base += EVTX_CHUNK) {
		size_t free_off, off;

		sk->c = buf + base;
		sk->clen = len - base < EVTX_CHUNK ? len - base : EVTX_CHUNK;
		sk->nt = 0;
		if (sk->clen < 0x200 || memcmp(sk->c, "ElfChnk", 8) != 0)
			continue;
		free_off = le32(sk->c + 0x30);           /* free space offset */
		if (free_off > sk->clen)
			free_off = sk->clen;
		for (off = 0x200; off + 0x1c <= free_off; ) {
			size_t size = le32(sk->c + off + 4);
			enum skim_verdict w;

			if (le32(sk->c + off) != 0x00002a2a || size < 0x1c || size > free_off - off)
				break;
			if (sk->n == sk->cap) {
				size_t cap = sk->cap ? sk->cap * 2 : 4096;
				uint64_t *num = realloc(sk->number, cap * sizeof(*num));
				uint8_t *want;

				if (!num)
					return err_set(err, -E_NOMEM, "out of memory");
				sk->number = num;
				want = realloc(sk->want, cap);
				if (!want)
					return err_set(err, -E_NOMEM, "out of memory");
				sk->want = want;
				sk->cap = cap;
			}
			/* 0x08 record number, 0x10 written time (FILETIME) */
			sk->number[sk->n] = le64(sk->c + off + 8);
			w = skim_record(sk, off, size, &r);
			if (w == SK_BUILD) {
				rc = add_built(sk->log, sk->number[sk->n], le64(sk->c + off + 16),
					       r.provider, r.id, r.qualifiers, r.level,
					       r.bin, r.bin_len, err);
				if (rc < 0)
					return rc;
			}
			sk->want[sk->n] = (uint8_t)w;
			sk->n++;
			if (sk->n > LIMIT_EVTX_RECORDS)
				return err_set(err, -E_LIMIT, "more than %u records (LIMIT_EVTX_RECORDS)",
					       LIMIT_EVTX_RECORDS);
			off += size;
		}
	}
	return 0;
}

/* ---- loading ----------------------------------------------------------- */

static int add_string(struct events_log *log, libevtx_record_t *r, int k,
		      struct err *err)
{
	libevtx_error_t *le = NULL;
	size_t size = 0;
	int rc;

	rc = libevtx_record_get_utf8_string_size(r, k, &size, &le);
	if (rc != 1) {
		libevtx_error_free(&le);
		size = 0;
	}
	/* an empty string has size 0 and makes get_utf8_string fail; an
	 * oversized one is kept empty rather than cut in a UTF-8 sequence */
	if (size <= 1 || size > LIMIT_EVTX_STRING_LEN) {
		if (pool_reserve(log, 1, err) < 0)
			return err->code;
		log->pool[log->pool_len++] = '\0';
		return 0;
	}
	if (pool_reserve(log, size, err) < 0)
		return err->code;
	rc = libevtx_record_get_utf8_string(r, k, (uint8_t *)log->pool + log->pool_len,
					    size, &le);
	if (rc != 1) {
		libevtx_error_free(&le);
		log->pool[log->pool_len++] = '\0';
		return 0;
	}
	log->pool[log->pool_len + size - 1] = '\0';
	log->pool_len += strlen(log->pool + log->pool_len) + 1;
	return 0;
}

static int add_text(struct events_log *log, libevtx_record_t *r,
		    struct events_record *e, struct err *err)
{
	libevtx_error_t *le = NULL;
	int n = 0, k, rc;
	size_t dsize = 0, last = 0;

	e->strings = (uint32_t)log->pool_len;
	e->binary = NO_OFFSET;
	if (libevtx_record_get_number_of_strings(r, &n, &le) != 1) {
		libevtx_error_free(&le);
		n = 0;
	}
	if (n < 0)
		n = 0;
	if ((unsigned)n > LIMIT_EVTX_STRINGS)
		n = LIMIT_EVTX_STRINGS;
	for (k = 0; k < n; k++) {
		last = log->pool_len;
		rc = add_string(log, r, k, err);
		if (rc < 0)
			return rc;
	}
	e->nstrings = (uint16_t)n;
	/* the binary data: from libevtx when it gives it, else the trailing
	 * hex string (decoded in place of that string) */
	rc = libevtx_record_get_data_size(r, &dsize, &le);
	if (rc == 1 && dsize > 0 && dsize <= LIMIT_EVTX_STRING_LEN) {
		if (pool_reserve(log, dsize, err) < 0)
			return err->code;
		if (libevtx_record_get_data(r, (uint8_t *)log->pool + log->pool_len,
					    dsize, &le) == 1) {
			e->binary = (uint32_t)log->pool_len;
			e->binary_len = (uint32_t)dsize;
			log->pool_len += dsize;
			return 0;
		}
	}
	libevtx_error_free(&le);
	if (n > 0) {
		const char *s = log->pool + last;
		size_t len = strlen(s), i;

		if (looks_hex(s, len)) {
			char *dst = log->pool + last;

			for (i = 0; i < len / 2; i++)
				dst[i] = (char)(hex_digit((unsigned char)s[2 * i]) << 4 |
						hex_digit((unsigned char)s[2 * i + 1]));
			e->binary = (uint32_t)last;
			e->binary_len = (uint32_t)(len / 2);
			log->pool_len = last + len / 2;
			e->nstrings--;
		}
	}
	return 0;
}

static int push_record(struct events_log *log, const struct events_record *e,
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

static int add_record(struct events_log *log, libevtx_record_t *r,
		      int recovered, struct err *err)
{
	libevtx_error_t *le = NULL;
	char name[LIMIT_EVTX_PROVIDER_LEN];
	struct events_record e;
	uint32_t id = 0, q = 0, prov = 0;
	uint8_t level = 0;
	size_t size = 0;
	int rc;

	memset(&e, 0, sizeof(e));
	name[0] = '\0';
	rc = libevtx_record_get_utf8_source_name_size(r, &size, &le);
	if (rc == 1 && size > 0) {
		if (size > sizeof(name) ||
		    libevtx_record_get_utf8_source_name(r, (uint8_t *)name, sizeof(name), &le) != 1) {
			libevtx_error_free(&le);
			log->st.unreadable++;
			return 0;
		}
	}
	libevtx_error_free(&le);
	rc = provider_intern(log, name, &prov, err);
	if (rc < 0)
		return rc;
	if (log->prov_keep[prov] == KEEP_SKIP)
		return 0;
	if (libevtx_record_get_identifier(r, &e.number, &le) != 1 ||
	    libevtx_record_get_event_identifier(r, &id, &le) != 1) {
		libevtx_error_free(&le);
		log->st.unreadable++;
		return 0;
	}
	if (libevtx_record_get_written_time(r, &e.filetime, &le) != 1) {
		libevtx_error_free(&le);
		e.filetime = 0;
	}
	if (libevtx_record_get_event_identifier_qualifiers(r, &q, &le) != 1) {
		libevtx_error_free(&le);
		q = 0;
	}
	if (libevtx_record_get_event_level(r, &level, &le) != 1) {
		libevtx_error_free(&le);
		level = 0;
	}
	/* a classic event id may come with its qualifiers folded into the
	 * upper 16 bits */
	if (id > 0xffffu) {
		if (!q)
			q = id >> 16;
		id &= 0xffffu;
	}
	e.event_id = (uint16_t)id;
	e.qualifiers = (uint16_t)q;
	e.level = level;
	e.provider = prov;
	e.strings = NO_OFFSET;
	e.binary = NO_OFFSET;
	e.flags = recovered ? EVENTS_REC_RECOVERED : 0;
	if (log->prov_keep[prov] == KEEP_TEXT) {
		rc = add_text(log, r, &e, err);
		if (rc < 0)
			return rc;
		e.flags |= EVENTS_REC_TEXT;
		log->st.kept++;
	}
	return push_record(log, &e, err);
}

/* A record the skim read whole (numbers, and the <Binary> when bin). */
static int add_built(struct events_log *log, uint64_t number, uint64_t filetime,
		     const char *provider, unsigned id, unsigned qualifiers,
		     unsigned level, const uint8_t *bin, size_t bin_len,
		     struct err *err)
{
	struct events_record e;
	uint32_t prov = 0;
	int rc;

	rc = provider_intern(log, provider, &prov, err);
	if (rc < 0)
		return rc;
	memset(&e, 0, sizeof(e));
	e.number = number;
	e.filetime = filetime;
	e.provider = prov;
	e.event_id = (uint16_t)id;
	e.qualifiers = (uint16_t)qualifiers;
	e.level = (uint8_t)level;
	e.strings = NO_OFFSET;
	e.binary = NO_OFFSET;
	e.flags = EVENTS_REC_SKIM;
	if (bin && bin_len) {
		rc = pool_reserve(log, bin_len, err);
		if (rc < 0)
			return rc;
		memcpy(log->pool + log->pool_len, bin, bin_len);
		e.binary = (uint32_t)log->pool_len;
		e.binary_len = (uint32_t)bin_len;
		log->pool_len += bin_len;
	}
	rc = push_record(log, &e, err);
	if (rc < 0)
		return rc;
	log->st.built++;
	if (id == SCM_STATE_CHANGE && strcasecmp(provider, SCM_PROVIDER) == 0)
		log->scm_built++;
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
static void sort_dedup(struct events_log *log)
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

/* Read the records libevtx lists (or recovers); with sk, only those the
 * skim wants.  1 when the skim's enumeration turned out not to match
 * libevtx's (the caller reads everything again), 0, or <0. */
static int read_records(struct events_log *log, libevtx_file_t *file,
			int recovered, const struct skim *sk, struct err *err)
{
	libevtx_error_t *le = NULL;
	int n = 0, i, rc;

	rc = recovered ? libevtx_file_get_number_of_recovered_records(file, &n, &le)
		       : libevtx_file_get_number_of_records(file, &n, &le);
	if (rc != 1)
		return evtx_err(err, &le, -E_CORRUPT, "cannot count the records");
	if (n < 0 || (unsigned)n > LIMIT_EVTX_RECORDS)
		return err_set(err, -E_LIMIT, "%d records > %u (LIMIT_EVTX_RECORDS)",
			       n, LIMIT_EVTX_RECORDS);
	if (!recovered)
		log->st.records = (size_t)n;
	if (sk && sk->n != (size_t)n)
		return 1;
	for (i = 0; i < n; i++) {
		libevtx_record_t *r = NULL;

		if (sk && sk->want[i] != SK_READ) {
			log->st.skimmed++;
			continue;
		}
		rc = recovered ? libevtx_file_get_recovered_record_by_index(file, i, &r, &le)
			       : libevtx_file_get_record_by_index(file, i, &r, &le);
		if (rc == 1 && sk) {
			uint64_t num = 0;

			if (libevtx_record_get_identifier(r, &num, &le) != 1 || num != sk->number[i]) {
				libevtx_error_free(&le);
				libevtx_record_free(&r, NULL);
				return 1;
			}
		}
		if (rc != 1) {
			libevtx_error_free(&le);
			libevtx_record_free(&r, NULL);
			/* a recovered fragment that does not parse is noise */
			if (!recovered)
				log->st.unreadable++;
			continue;
		}
		rc = add_record(log, r, recovered, err);
		libevtx_record_free(&r, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Forget what a read put in the index (the provider table stays). */
static void index_reset(struct events_log *log)
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
static int copy_filter(struct events_log *log, const struct events_filter *f,
		       struct err *err)
{
	int rc;

	if (!f)
		return 0;
	rc = copy_names(&log->providers, &log->nproviders, f->providers, f->nproviders, err);
	if (rc == 0 && f->services)
		rc = copy_names(&log->services, &log->nservices, f->services, f->nservices, err);
	return rc;
}

static void free_names(char **v, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

/* libevtx 20181227 fills its CRC-32 table on first use without a lock
 * (libevtx_checksum.c): two threads opening their first logs at once
 * would both write it.  Opening a bare file header once, before any load
 * (under a mutex, which race checkers such as helgrind understand where
 * they do not see pthread_once's fast path), fills the table and the
 * library's other first-use state; after that, loads on separate threads
 * share nothing: each has its own libbfio handle and libevtx file. */
static pthread_mutex_t evtx_warm_lock = PTHREAD_MUTEX_INITIALIZER;
static int evtx_warmed;

static void evtx_warm(void)
{
	uint8_t *hdr = calloc(1, EVTX_FIRST_CHUNK);
	libbfio_handle_t *h = NULL;
	libevtx_file_t *file = NULL;

	if (!hdr)
		return;
	/* libyal EVTX document, "File header" */
	memcpy(hdr, "ElfFile", 8);                     /* 0x00 signature */
	put_le32(hdr + 0x20, 128);                     /* 0x20 header size */
	put_le16(hdr + 0x24, 1);                       /* 0x24 minor version */
	put_le16(hdr + 0x26, 3);                       /* 0x26 major version */
	put_le16(hdr + 0x28, EVTX_FIRST_CHUNK);        /* 0x28 header block size */
	if (libbfio_memory_range_initialize(&h, NULL) == 1 &&
	    libbfio_memory_range_set(h, hdr, EVTX_FIRST_CHUNK, NULL) == 1 &&
	    libevtx_file_initialize(&file, NULL) == 1) {
		if (libevtx_file_open_file_io_handle(file, h, LIBEVTX_OPEN_READ, NULL) == 1)
			libevtx_file_close(file, NULL);
		libevtx_file_free(&file, NULL);
	}
	libbfio_handle_free(&h, NULL);
	free(hdr);
}

int events_log_load(const uint8_t *buf, size_t len, const struct events_filter *filter,
		    struct events_log **out, struct err *err)
{
	static const struct events_filter all = { NULL, 0, NULL, 0 };
	struct skim sk;
	libbfio_handle_t *h = NULL;
	libevtx_file_t *file = NULL;
	libevtx_error_t *le = NULL;
	struct events_log *log;
	struct guard *g = NULL;
	uint8_t *data, *copy = NULL, *blank = NULL;
	size_t nchunks = 0, k, padded;
	uint32_t flags = 0;
	int rc = 0;

	*out = NULL;
	pthread_mutex_lock(&evtx_warm_lock);
	if (!evtx_warmed) {
		evtx_warm();
		evtx_warmed = 1;
	}
	pthread_mutex_unlock(&evtx_warm_lock);
	if (!buf || len == 0)
		return err_set(err, -E_CORRUPT, "empty file: not an EVTX log");
	if (len > LIMIT_EVTX_SIZE)
		return err_set(err, -E_LIMIT, "%zu bytes > %u (LIMIT_EVTX_SIZE)",
			       len, LIMIT_EVTX_SIZE);
	log = calloc(1, sizeof(*log));
	if (!log)
		return err_set(err, -E_NOMEM, "out of memory");
	memset(&sk, 0, sizeof(sk));
	log->filter = filter ? filter : &all;
	log->st.keep_all = filter == NULL;
	rc = copy_filter(log, filter, err);
	if (rc < 0)
		goto out;
	g = calloc(1, sizeof(*g));
	if (!g) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = guard_file(buf, len, g, &blank, &nchunks, err);
	if (rc < 0)
		goto out;
	for (k = 0; k < nchunks && !g->nfix; k++)
		if (blank[k / 8])
			break;
	/* libbfio 20170123's memory range reads past its end when asked for
	 * more than is left (libevtx reads a 4 KiB header and 64 KiB chunks
	 * whole): a file cut short is padded with zeros to whole chunks */
	padded = len < EVTX_FIRST_CHUNK ? EVTX_FIRST_CHUNK :
		 EVTX_FIRST_CHUNK + nchunks * (size_t)EVTX_CHUNK;
	if (g->nfix || k < nchunks || padded != len) {
		copy = calloc(1, padded);
		if (!copy) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		memcpy(copy, buf, len);
		for (k = 0; k < g->nfix; k++)
			put_le32(copy + g->fix[k], 0);
		for (k = 0; k < nchunks; k++)
			if (blank[k / 8] & (1u << (k % 8)))
				memset(copy + EVTX_FIRST_CHUNK + k * EVTX_CHUNK, 0,
				       len - EVTX_FIRST_CHUNK - k * EVTX_CHUNK < EVTX_CHUNK ?
				       len - EVTX_FIRST_CHUNK - k * EVTX_CHUNK : EVTX_CHUNK);
		log->st.guarded = g->nfix;
		buf = copy;
		len = padded;
	}
	/* libbfio wants a writable pointer; a memory range only reads it */
	memcpy(&data, &buf, sizeof(data));
	if (libbfio_memory_range_initialize(&h, NULL) != 1 ||
	    libbfio_memory_range_set(h, data, len, NULL) != 1) {
		rc = err_set(err, -E_NOMEM, "cannot set up a memory range");
		goto out;
	}
	if (libevtx_file_initialize(&file, &le) != 1) {
		rc = evtx_err(err, &le, -E_NOMEM, "cannot set up libevtx");
		goto out;
	}
	if (libevtx_file_open_file_io_handle(file, h, LIBEVTX_OPEN_READ, &le) != 1) {
		rc = evtx_err(err, &le, -E_CORRUPT, "not a readable EVTX log");
		libevtx_file_free(&file, NULL);
		goto out;
	}
	if (libevtx_file_get_flags(file, &flags, &le) != 1)
		libevtx_error_free(&le);
	log->st.dirty = (flags & 0x1) != 0;
	rc = 1;
	if (filter) {
		sk.log = log;
		sk.t = malloc(SKIM_TEMPLATES * sizeof(*sk.t));
		if (!sk.t) {
			rc = err_set(err, -E_NOMEM, "out of memory");
		} else {
			rc = skim_file(buf, len, &sk, err);
			if (rc == 0)
				rc = read_records(log, file, 0, &sk, err);
		}
	}
	if (rc == 1) {
		/* no filter, or the skim did not match libevtx: read all */
		index_reset(log);
		log->st.skim_mismatch = filter != NULL;
		rc = read_records(log, file, 0, NULL, err);
	}
	if (rc == 0)
		rc = read_records(log, file, 1, NULL, err);
	libevtx_file_close(file, NULL);
	libevtx_file_free(&file, NULL);
	if (rc == 0)
		sort_dedup(log);
out:
	libbfio_handle_free(&h, NULL);
	free(copy);
	free(blank);
	if (g)
		free(g->fix);
	free(g);
	free(sk.t);
	free(sk.number);
	free(sk.want);
	/* the filter is borrowed during the call only */
	log->filter = NULL;
	if (rc < 0) {
		events_log_free(log);
		return rc;
	}
	*out = log;
	return 0;
}

void events_log_free(struct events_log *log)
{
	size_t i;

	if (!log)
		return;
	for (i = 0; i < log->nprov; i++)
		free(log->prov[i]);
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

/* ---- time -------------------------------------------------------------- */

/* days since 1970-01-01 -> civil date (H. Hinnant's algorithm) */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doy = z - era * 146097;                               /* day of era */
	yoe = (doy - doy / 1460 + doy / 36524 - doy / 146096) / 365;
	*y = yoe + era * 400;
	doy = doy - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	if (*m <= 2)
		(*y)++;
}

const char *events_iso8601(uint64_t filetime, char *buf, size_t size)
{
	/* FILETIME: 100 ns since 1601-01-01; 11644473600 s to 1970 */
	int64_t secs = (int64_t)(filetime / 10000000u) - 11644473600ll;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400, y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
		 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
	return buf;
}

/* ---- text -------------------------------------------------------------- */

/* Strings of rec joined by sep into buf (NUL-terminated, cut at cap - 1);
 * with a separator longer than one byte, empty strings are left out. */
static size_t join_strings(const struct events_log *log,
			   const struct events_record *rec, const char *sep,
			   char *buf, size_t cap)
{
	size_t len = 0, seplen = strlen(sep), n;
	const char *s;
	unsigned k;

	buf[0] = '\0';
	if (!(rec->flags & EVENTS_REC_TEXT) || !rec->nstrings)
		return 0;
	s = log->pool + rec->strings;
	for (k = 0; k < rec->nstrings; k++, s += strlen(s) + 1) {
		/* an empty item adds nothing to read but a separator */
		if (!*s && seplen > 1)
			continue;
		if ((seplen > 1 ? len : k) && len + seplen < cap) {
			memcpy(buf + len, sep, seplen);
			len += seplen;
		}
		n = strlen(s);
		if (len + n >= cap)
			n = cap - 1 - len;
		memcpy(buf + len, s, n);
		len += n;
		buf[len] = '\0';
	}
	return len;
}

/* Collapse blank runs (CR, LF, tabs) into one space, trim, and cut at max
 * bytes on a UTF-8 boundary. */
static void normalise(char *s, size_t max)
{
	char *w = s, *r = s;
	int blank = 1;

	for (; *r; r++) {
		unsigned char c = (unsigned char)*r;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (!blank)
				*w++ = ' ';
			blank = 1;
			continue;
		}
		*w++ = (char)c;
		blank = 0;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	if ((size_t)(w - s) > max) {
		size_t n = max;

		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		s[n] = '\0';
	}
}

/* The binary data as text when it is printable ASCII or UTF-16LE (NULs
 * at the end allowed), else "" (the caller shows hex). */
static void binary_text(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t i, len = 0;
	int utf16 = n >= 2 && n % 2 == 0;

	out[0] = '\0';
	for (i = 0; utf16 && i + 1 < n; i += 2) {
		if (b[i + 1] != 0 || (b[i] != 0 && (b[i] < 0x20 || b[i] > 0x7e) &&
				      b[i] != '\r' && b[i] != '\n' && b[i] != '\t'))
			utf16 = 0;
		else if (b[i] == 0 && i + 2 < n && b[i + 2] != 0)
			utf16 = 0;
	}
	for (i = 0; i < n && len + 1 < cap; i += utf16 ? 2 : 1) {
		uint8_t c = b[i];

		if (c == 0) {
			if (utf16)
				break;
			/* ASCII data may end with NULs */
			while (i < n && b[i] == 0)
				i++;
			if (i < n) {
				out[0] = '\0';
				return;
			}
			break;
		}
		if ((c < 0x20 || c > 0x7e) && c != '\r' && c != '\n' && c != '\t') {
			out[0] = '\0';
			return;
		}
		out[len++] = (char)c;
	}
	out[len] = '\0';
}

static void hex_text(const uint8_t *b, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i, len = 0;

	for (i = 0; i < n && len + 3 < cap; i++) {
		out[len++] = digits[b[i] >> 4];
		out[len++] = digits[b[i] & 15];
	}
	out[len] = '\0';
}

/* The Service Control Manager's <Binary>: the service key name in
 * UTF-16LE, then "/" and a state digit for 7036, then a NUL.  1 and key
 * (ASCII) / *state (-1 when none) when it has that shape, else 0. */
static int scm_binary(const uint8_t *b, size_t n, char *key, size_t cap,
		      int *state)
{
	size_t i, len = 0;

	*state = -1;
	if (!b || n < 4 || n % 2)
		return 0;
	for (i = 0; i + 1 < n; i += 2) {
		uint8_t c = b[i];

		if (b[i + 1] != 0)
			return 0;
		if (c == 0)
			break;
		if (c == '/') {
			if (i + 3 < n && b[i + 2] >= '0' && b[i + 2] <= '9' && b[i + 3] == 0 &&
			    (i + 5 >= n || (b[i + 4] == 0 && b[i + 5] == 0))) {
				*state = b[i + 2] - '0';
				break;
			}
			return 0;
		}
		if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c == '$' ||
		      c == ' ' || c == '{' || c == '}' || c == '~' || c == '@'))
			return 0;
		if (len + 1 >= cap)
			return 0;
		key[len++] = (char)c;
	}
	key[len] = '\0';
	return len > 0;
}

static const char *state_name(int st)
{
	static const char *const names[] = { "unknown", "stopped", "start pending",
		"stop pending", "running", "continue pending", "pause pending", "paused" };

	return st >= 1 && st <= 7 ? names[st] : "unknown";
}

/* ---- display names ----------------------------------------------------- */

void events_names_free(struct events_names *names)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; i < names->n; i++) {
		free(names->v[i].key);
		free(names->v[i].display);
	}
	free(names->v);
	free(names);
}

/* equal ignoring case and a trailing '.' / blanks on either side */
static int name_eq(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	while (na && (a[na - 1] == '.' || isspace((unsigned char)a[na - 1])))
		na--;
	while (nb && (b[nb - 1] == '.' || isspace((unsigned char)b[nb - 1])))
		nb--;
	return na == nb && na > 0 && strncasecmp(a, b, na) == 0;
}

int events_map_display_name(const struct events_names *names,
			    const char *display, const char **key,
			    const char **how)
{
	size_t i;

	if (!names || !display || !*display)
		return 0;
	for (i = 0; i < names->n; i++) {
		if (names->v[i].display && name_eq(names->v[i].display, display)) {
			*key = names->v[i].key;
			*how = "matched on display name";
			return 1;
		}
	}
	for (i = 0; i < names->n; i++) {
		if (name_eq(names->v[i].key, display)) {
			*key = names->v[i].key;
			*how = "matched on key name";
			return 1;
		}
	}
	return 0;
}

/* ---- specs ------------------------------------------------------------- */

struct spec {
	const char *provider;
	uint16_t ids[LIMIT_EVENT_SPEC_IDS];
	size_t nids;
	int capi2;                  /* enum capi2_kind, -1 none */
	const char *text_contains;
	const char *label;
	json_t *services;           /* array of key names, or NULL */
};

static int spec_parse(json_t *j, struct spec *sp, struct err *err)
{
	json_t *ids, *v;
	size_t i;

	memset(sp, 0, sizeof(*sp));
	sp->capi2 = -1;
	sp->provider = json_string_value(json_object_get(j, "provider"));
	if (!sp->provider)
		return err_set(err, -E_USAGE, "event spec: no 'provider'");
	ids = json_object_get(j, "ids");
	if (!json_is_array(ids))
		return err_set(err, -E_USAGE, "event spec: 'ids' must be an array");
	if (json_array_size(ids) > LIMIT_EVENT_SPEC_IDS)
		return err_set(err, -E_LIMIT, "event spec: %zu ids > %u (LIMIT_EVENT_SPEC_IDS)",
			       json_array_size(ids), LIMIT_EVENT_SPEC_IDS);
	json_array_foreach(ids, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 0xffff)
			return err_set(err, -E_USAGE, "event spec: ids must be numbers 0..65535");
		sp->ids[sp->nids++] = (uint16_t)json_integer_value(v);
	}
	v = json_object_get(j, "capi2");
	if (v) {
		const char *name = json_string_value(v);

		sp->capi2 = capi2_kind_from_id(name);
		if (sp->capi2 < 0)
			return err_set(err, -E_USAGE, "event spec: unknown capi2 kind '%s'",
				       name ? name : "(not a string)");
	}
	v = json_object_get(j, "text_contains");
	if (v && !(sp->text_contains = json_string_value(v)))
		return err_set(err, -E_USAGE, "event spec: 'text_contains' must be a string");
	sp->label = json_string_value(json_object_get(j, "label"));
	v = json_object_get(j, "services");
	if (v) {
		if (!json_is_array(v))
			return err_set(err, -E_USAGE, "event spec: 'services' must be an array");
		json_array_foreach(v, i, ids)
			if (!json_is_string(ids))
				return err_set(err, -E_USAGE, "event spec: 'services' holds names");
		sp->services = v;
	}
	return 0;
}

static int spec_has_id(const struct spec *sp, uint16_t id)
{
	size_t i;

	for (i = 0; i < sp->nids; i++)
		if (sp->ids[i] == id)
			return 1;
	return 0;
}

/* ---- groups ------------------------------------------------------------ */

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

static void groups_release(struct groups *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->v[i].key);
		free(g->v[i].text);
		free(g->v[i].binary);
		free(g->v[i].capi2);
	}
	free(g->v);
	free(g->slots);
	memset(g, 0, sizeof(*g));
}

static uint32_t hash_bytes(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* The group for key, created (with text) when new; NULL out of memory. */
static struct group *group_get(struct groups *g, const char *key,
			       const char *text, const char *bin, int *created)
{
	uint32_t h = hash_bytes(key);
	size_t slot, i;
	struct group *gr;

	*created = 0;
	if (g->nslots) {
		for (slot = h & (g->nslots - 1); g->slots[slot];
		     slot = (slot + 1) & (g->nslots - 1))
			if (strcmp(g->v[g->slots[slot] - 1].key, key) == 0)
				return &g->v[g->slots[slot] - 1];
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct group *p = realloc(g->v, cap * sizeof(*p));

		if (!p)
			return NULL;
		g->v = p;
		g->cap = cap;
	}
	if ((g->n + 1) * 2 > g->nslots) {
		size_t n = g->nslots ? g->nslots * 2 : 64;
		uint32_t *s = calloc(n, sizeof(*s));

		if (!s)
			return NULL;
		for (i = 0; i < g->n; i++) {
			for (slot = hash_bytes(g->v[i].key) & (n - 1); s[slot];
			     slot = (slot + 1) & (n - 1))
				;
			s[slot] = (uint32_t)i + 1;
		}
		free(g->slots);
		g->slots = s;
		g->nslots = n;
	}
	gr = &g->v[g->n];
	memset(gr, 0, sizeof(*gr));
	gr->key = strdup(key);
	gr->text = strdup(text);
	gr->binary = bin && bin[0] ? strdup(bin) : NULL;
	if (!gr->key || !gr->text || (bin && bin[0] && !gr->binary)) {
		free(gr->key);
		free(gr->text);
		free(gr->binary);
		return NULL;
	}
	gr->after_boot = -1;
	for (slot = h & (g->nslots - 1); g->slots[slot]; slot = (slot + 1) & (g->nslots - 1))
		;
	g->slots[slot] = (uint32_t)g->n + 1;
	g->n++;
	*created = 1;
	return gr;
}

static void group_add(struct group *gr, const struct events_record *rec)
{
	if (gr->count == 0 || rec->filetime < gr->first)
		gr->first = rec->filetime;
	if (gr->count == 0 || rec->filetime > gr->last)
		gr->last = rec->filetime;
	if (gr->nnums < LIMIT_EVENT_RECORD_NUMBERS)
		gr->nums[gr->nnums++] = rec->number;
	if (rec->flags & EVENTS_REC_RECOVERED)
		gr->recovered++;
	gr->count++;
}

static int set_new(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *group_json(const struct events_log *log, const char *file,
			  const struct spec *sp, const struct group *gr)
{
	json_t *o = json_object(), *nums = json_array();
	char t[40];
	size_t i;

	if (!o || !nums) {
		json_decref(o);
		json_decref(nums);
		return NULL;
	}
	set_new(o, "kind", json_string("event"));
	set_new(o, "log", json_string(file));
	set_new(o, "provider", json_string(log->prov[gr->provider]));
	set_new(o, "event_id", json_integer(gr->event_id));
	set_new(o, "level", json_integer(gr->level));
	set_new(o, "count", json_integer((json_int_t)gr->count));
	set_new(o, "first", json_string(events_iso8601(gr->first, t, sizeof(t))));
	set_new(o, "last", json_string(events_iso8601(gr->last, t, sizeof(t))));
	for (i = 0; i < gr->nnums; i++)
		json_array_append_new(nums, json_integer((json_int_t)gr->nums[i]));
	set_new(o, "records", nums);
	if (gr->recovered)
		set_new(o, "recovered", json_integer((json_int_t)gr->recovered));
	set_new(o, "text", json_string(gr->text));
	if (gr->binary)
		set_new(o, "binary", json_string(gr->binary));
	if (gr->capi2) {
		set_new(o, "capi2", json_string(capi2_kind_name(gr->capi2->kind)));
		if (capi2_kind_finding(gr->capi2->kind))
			set_new(o, "proves", json_string(capi2_kind_finding(gr->capi2->kind)));
		set_new(o, "function", json_string(gr->capi2->function));
		if (gr->capi2->subject[0])
			set_new(o, "subject", json_string(gr->capi2->subject));
		if (gr->capi2->system_error[0])
			set_new(o, "system_error", json_string(gr->capi2->system_error));
	}
	if (gr->service[0])
		set_new(o, "service", json_string(gr->service));
	if (gr->mapping)
		set_new(o, "service_mapping", json_string(gr->mapping));
	if (gr->after_boot >= 0) {
		set_new(o, "after_last_boot", json_boolean(gr->after_boot));
		set_new(o, "repaired", json_boolean(gr->repaired));
	}
	if (sp->label)
		set_new(o, "label", json_string(sp->label));
	return o;
}

/* Append the groups (first LIMIT_EVIDENCE_ITEMS) to out. */
static int emit_groups(const struct events_log *log, const char *file,
		       const struct spec *sp, const struct groups *g, json_t *out,
		       struct err *err)
{
	size_t i;

	for (i = 0; i < g->n && i < LIMIT_EVIDENCE_ITEMS; i++) {
		json_t *o = group_json(log, file, sp, &g->v[i]);

		if (!o || json_array_append_new(out, o) < 0)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	if (g->n > LIMIT_EVIDENCE_ITEMS) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "kind", "note", "log", file,
				      "text", "more event groups not listed",
				      "count", (json_int_t)(g->n - LIMIT_EVIDENCE_ITEMS));

		if (!o || json_array_append_new(out, o) < 0)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	return 0;
}

/* ---- plain specs ------------------------------------------------------- */

struct scratch {
	char *raw;       /* LIMIT_CAPI2_TEXT: strings joined by "\n" */
	char *text;      /* normalised text + binary text */
	char *key;
	char *bin;       /* LIMIT_EVENT_TEXT + 1: the binary data shown */
	size_t cap;
};

static int scratch_init(struct scratch *sc, struct err *err)
{
	sc->cap = LIMIT_CAPI2_TEXT;
	sc->raw = malloc(sc->cap);
	sc->text = malloc(sc->cap);
	sc->key = malloc(sc->cap + 64);
	sc->bin = malloc(LIMIT_EVENT_TEXT + 1);
	if (!sc->raw || !sc->text || !sc->key || !sc->bin) {
		free(sc->raw);
		free(sc->text);
		free(sc->key);
		free(sc->bin);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	return 0;
}

static void scratch_release(struct scratch *sc)
{
	free(sc->raw);
	free(sc->text);
	free(sc->key);
	free(sc->bin);
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return 1;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* Text of rec for grouping and evidence: strings joined by " | ", blanks
 * collapsed, into sc->text; the binary data as text when printable, else
 * its first bytes in hex, into sc->bin ("" when none).  The binary data
 * stays out of the grouping: it carries process and thread ids. */
static void record_text(const struct events_log *log,
			const struct events_record *rec, struct scratch *sc)
{
	const uint8_t *b = events_log_binary(log, rec);

	join_strings(log, rec, " | ", sc->text, sc->cap);
	normalise(sc->text, LIMIT_EVENT_TEXT);
	sc->bin[0] = '\0';
	if (b && rec->binary_len) {
		binary_text(b, rec->binary_len, sc->bin, LIMIT_EVENT_TEXT + 1);
		if (sc->bin[0])
			normalise(sc->bin, LIMIT_EVENT_TEXT);
		else
			hex_text(b, rec->binary_len < 64 ? rec->binary_len : 64, sc->bin,
				 LIMIT_EVENT_TEXT + 1);
	}
}

static int collect_plain(const struct events_log *log, const char *file,
			 const struct spec *sp, const struct events_env *env,
			 json_t *out, struct err *err)
{
	struct groups g;
	struct scratch sc;
	uint32_t prov;
	size_t i;
	int matched = 0, rc = 0;
	const struct events_names *names = NULL;
	const char *names_why = NULL;
	int names_tried = 0;

	if (!provider_find(log, sp->provider, &prov))
		return 0;
	memset(&g, 0, sizeof(g));
	if (scratch_init(&sc, err) < 0)
		return err->code;
	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		struct capi2_details cd;
		struct group *gr;
		int created;

		if (rec->provider != prov || !spec_has_id(sp, rec->event_id))
			continue;
		record_text(log, rec, &sc);
		if (sp->text_contains && !contains_ci(sc.text, sp->text_contains) &&
		    !contains_ci(sc.bin, sp->text_contains))
			continue;
		if (sp->capi2 >= 0) {
			struct err e2;

			err_init(&e2);
			join_strings(log, rec, "\n", sc.raw, sc.cap);
			if (capi2_parse(sc.raw, &cd, &e2) < 0 || (int)cd.kind != sp->capi2)
				continue;
			snprintf(sc.key, sc.cap + 64, "%u:%u:%s", rec->provider,
				 rec->event_id, cd.subject);
		} else {
			snprintf(sc.key, sc.cap + 64, "%u:%u:%s", rec->provider,
				 rec->event_id, sc.text);
		}
		gr = group_get(&g, sc.key, sc.text, sc.bin, &created);
		if (!gr) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		if (created) {
			gr->provider = rec->provider;
			gr->event_id = rec->event_id;
			gr->level = rec->level;
			if (sp->capi2 >= 0) {
				gr->capi2 = malloc(sizeof(*gr->capi2));
				if (!gr->capi2) {
					rc = err_set(err, -E_NOMEM, "out of memory");
					goto out;
				}
				*gr->capi2 = cd;
			}
			if (sp->capi2 == CAPI2_LEGACY_DRIVER_ACCESS_DENIED ||
			    sp->capi2 == CAPI2_LEGACY_DRIVER_NOT_FOUND ||
			    sp->capi2 == CAPI2_LEGACY_DRIVER_BAD_PATH) {
				const char *key = NULL, *how = NULL;

				if (!names_tried && env && env->names) {
					names = env->names(env->ctx, &names_why);
					names_tried = 1;
				}
				if (!cd.subject[0]) {
					gr->mapping = "no display name in the event text";
				} else if (!names) {
					gr->mapping = names_why ? names_why :
						"not mapped: the service names could not be read";
				} else if (events_map_display_name(names, cd.subject, &key, &how)) {
					snprintf(gr->service, sizeof(gr->service), "%s", key);
					gr->mapping = how;
				} else {
					gr->mapping = names->indirect ?
						"not mapped: no service has this display name (indirect @file,-id display names were not resolved)" :
						"not mapped: no service has this display name";
				}
			}
		}
		group_add(gr, rec);
		matched++;
	}
	rc = emit_groups(log, file, sp, &g, out, err);
out:
	groups_release(&g);
	scratch_release(&sc);
	return rc < 0 ? rc : matched;
}

/* ---- Service Control Manager history ----------------------------------- */

struct svc_state {
	const char *name;           /* from the spec */
	size_t changes, since_boot, failures_before, config_changes;
	long last;                  /* index of the last 7036, -1 */
	int last_state;
	long last_config;           /* index of the last 7040, -1 */
	long last_running;          /* index of the last 7036 running, -1 */
};

static int is_failure_id(uint16_t id)
{
	switch (id) {
	case 7000: case 7001: case 7009: case 7011: case 7022: case 7023:
	case 7024: case 7026: case 7031: case 7034:
		return 1;
	default:
		return 0;
	}
}

static int svc_index(json_t *services, const char *key)
{
	size_t i;
	json_t *v;

	json_array_foreach(services, i, v)
		if (strcasecmp(json_string_value(v), key) == 0)
			return (int)i;
	return -1;
}

/* The service index (in sp->services) that rec is about, -1 when none of
 * them; *state for 7036, *how when the key came from a display name. */
static int scm_service(const struct events_log *log, const struct events_record *rec,
		       const struct spec *sp, const struct events_env *env,
		       const struct events_names **names, int *names_tried,
		       int *state, const char **how)
{
	char key[256];
	const char *k, *mapped;
	int idx;

	*state = -1;
	*how = NULL;
	if (scm_binary(events_log_binary(log, rec), rec->binary_len, key, sizeof(key), state))
		return svc_index(sp->services, key);
	if (rec->event_id == 7040 && rec->nstrings >= 4)
		return svc_index(sp->services, events_log_string(log, rec, 3));
	if (rec->event_id == 7026) {
		/* boot-start drivers that failed to load, one a line */
		char list[1024], *save = NULL, *t;

		snprintf(list, sizeof(list), "%s", events_log_string(log, rec, 0));
		for (t = strtok_r(list, "\r\n ", &save); t; t = strtok_r(NULL, "\r\n ", &save))
			if ((idx = svc_index(sp->services, t)) >= 0)
				return idx;
		return -1;
	}
	/* no binary (Windows Server 2008 and older): the display name */
	k = events_log_string(log, rec, 0);
	if (!*k)
		return -1;
	if (!*names_tried && env && env->names) {
		const char *why;

		*names = env->names(env->ctx, &why);
		*names_tried = 1;
	}
	if (!*names || !events_map_display_name(*names, k, &mapped, how))
		return -1;
	if (rec->event_id == 7036 && *state < 0) {
		const char *st = events_log_string(log, rec, 1);

		*state = strcasecmp(st, "running") == 0 ? 4 :
			 strcasecmp(st, "stopped") == 0 ? 1 : -1;
	}
	return svc_index(sp->services, mapped);
}

static int is_shutdown(const struct events_record *rec, uint32_t p_el,
		       uint32_t p_kg, uint32_t p_u32)
{
	return (rec->provider == p_el && rec->event_id == 6006) ||
	       (rec->provider == p_kg && rec->event_id == 13) ||
	       (rec->provider == p_u32 && rec->event_id == 1074);
}

#define SHUTDOWN_WINDOW (10ull * 60 * 10000000) /* 10 minutes in FILETIME */

static int collect_services(const struct events_log *log, const char *file,
			    const struct spec *sp, const struct events_env *env,
			    json_t *out, struct err *err)
{
	size_t nsvc = json_array_size(sp->services), i, k;
	struct svc_state *sv;
	struct groups g;
	struct scratch sc;
	uint32_t p_scm = UINT32_MAX, p_el = UINT32_MAX, p_kg = UINT32_MAX, p_u32 = UINT32_MAX;
	long boot = -1, shutdown = -1;
	int *rec_svc = NULL, failures = 0, rc = 0, names_tried = 0;
	const struct events_names *names = NULL;
	char t[40];
	json_t *o;

	provider_find(log, sp->provider, &p_scm);
	provider_find(log, PROV_EVENTLOG, &p_el);
	provider_find(log, PROV_KERNEL_GENERAL, &p_kg);
	provider_find(log, PROV_USER32, &p_u32);
	/* the last boot: EventLog 6005 / 6009 or Kernel-General 12 */
	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];

		if ((rec->provider == p_el && (rec->event_id == 6005 || rec->event_id == 6009)) ||
		    (rec->provider == p_kg && rec->event_id == 12))
			boot = (long)i;
	}
	for (i = boot < 0 ? 0 : (size_t)boot + 1; i < log->nrec; i++)
		if (is_shutdown(&log->rec[i], p_el, p_kg, p_u32)) {
			shutdown = (long)i;
			break;
		}
	sv = calloc(nsvc ? nsvc : 1, sizeof(*sv));
	rec_svc = malloc((log->nrec ? log->nrec : 1) * sizeof(*rec_svc));
	memset(&g, 0, sizeof(g));
	if (!sv || !rec_svc) {
		free(sv);
		free(rec_svc);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	if (scratch_init(&sc, err) < 0) {
		free(sv);
		free(rec_svc);
		return err->code;
	}
	for (k = 0; k < nsvc; k++) {
		sv[k].name = json_string_value(json_array_get(sp->services, k));
		sv[k].last = sv[k].last_config = sv[k].last_running = -1;
		sv[k].last_state = -1;
	}
	/* pass 1: each SCM record's service and the per-service history */
	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		const char *how;
		int st, s;

		rec_svc[i] = -1;
		if (rec->provider != p_scm || !spec_has_id(sp, rec->event_id))
			continue;
		s = scm_service(log, rec, sp, env, &names, &names_tried, &st, &how);
		if (s < 0)
			continue;
		rec_svc[i] = s;
		if (rec->event_id == 7036) {
			sv[s].changes++;
			if ((long)i > boot)
				sv[s].since_boot++;
			sv[s].last = (long)i;
			sv[s].last_state = st;
			if (st == 4)
				sv[s].last_running = (long)i;
		} else if (rec->event_id == 7040) {
			sv[s].config_changes++;
			sv[s].last_config = (long)i;
		} else if (is_failure_id(rec->event_id) && (long)i <= boot) {
			sv[s].failures_before++;
		}
	}
	/* pass 2: failures after the last boot, grouped */
	for (i = boot < 0 ? 0 : (size_t)boot + 1; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		struct group *gr;
		int created, s = rec_svc[i], repaired;

		if (s < 0 || !is_failure_id(rec->event_id))
			continue;
		repaired = sv[s].last_running > (long)i;
		record_text(log, rec, &sc);
		snprintf(sc.key, sc.cap + 64, "%d:%u:%d:%s", s, rec->event_id, repaired, sc.text);
		gr = group_get(&g, sc.key, sc.text, sc.bin, &created);
		if (!gr) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		if (created) {
			gr->provider = rec->provider;
			gr->event_id = rec->event_id;
			gr->level = rec->level;
			gr->after_boot = 1;
			gr->repaired = repaired;
			snprintf(gr->service, sizeof(gr->service), "%s", sv[s].name);
		}
		group_add(gr, rec);
		if (!repaired)
			failures++;
	}
	/* evidence: the boot, each service's state, the failures */
	o = json_pack("{s:s, s:s}", "kind", "boot", "log", file);
	if (!o) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	if (boot >= 0) {
		set_new(o, "last_boot", json_string(events_iso8601(log->rec[boot].filetime, t, sizeof(t))));
		set_new(o, "last_boot_record", json_integer((json_int_t)log->rec[boot].number));
	} else {
		set_new(o, "last_boot", json_null());
		set_new(o, "note", json_string("no boot event (EventLog 6005, Kernel-General 12) in the log: every event counts as after the last boot"));
	}
	if (shutdown >= 0) {
		set_new(o, "shutdown", json_string("orderly"));
		set_new(o, "shutdown_at", json_string(events_iso8601(log->rec[shutdown].filetime, t, sizeof(t))));
		set_new(o, "shutdown_record", json_integer((json_int_t)log->rec[shutdown].number));
	} else {
		set_new(o, "shutdown", json_string("none recorded after the last boot"));
	}
	if (sp->label)
		set_new(o, "label", json_string(sp->label));
	json_array_append_new(out, o);
	for (k = 0; k < nsvc; k++) {
		struct svc_state *s = &sv[k];

		o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I}", "kind", "service_state",
			      "log", file, "service", s->name, "provider", sp->provider,
			      "event_id", 7036, "count", (json_int_t)s->changes,
			      "since_last_boot", (json_int_t)s->since_boot);
		if (!o) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		if (s->last >= 0) {
			const struct events_record *rec = &log->rec[s->last];
			int at_shutdown = 0;

			set_new(o, "last_state", json_string(state_name(s->last_state)));
			set_new(o, "last_at", json_string(events_iso8601(rec->filetime, t, sizeof(t))));
			set_new(o, "last_record", json_integer((json_int_t)rec->number));
			if (s->last_state == 1 || s->last_state == 3) {
				/* a stop inside an orderly shutdown: after the User32
				 * 1074 that started it, or shortly before the EventLog
				 * 6006 / Kernel-General 13 that ends it */
				for (i = boot < 0 ? 0 : (size_t)boot + 1; (long)i < s->last; i++)
					if (log->rec[i].provider == p_u32 && log->rec[i].event_id == 1074)
						at_shutdown = 1;
				for (i = (size_t)s->last + 1; !at_shutdown && i < log->nrec; i++) {
					const struct events_record *r2 = &log->rec[i];

					if (!is_shutdown(r2, p_el, p_kg, UINT32_MAX))
						continue;
					at_shutdown = r2->filetime >= rec->filetime &&
						r2->filetime - rec->filetime <= SHUTDOWN_WINDOW;
					break;
				}
				set_new(o, "at_shutdown", json_boolean(at_shutdown));
				if (at_shutdown)
					set_new(o, "note", json_string("stopped during an orderly shutdown (normal)"));
			}
			set_new(o, "after_last_boot", json_boolean(s->last > boot));
		} else {
			set_new(o, "last_state", json_string("unknown"));
			set_new(o, "note", json_string("no state change of this service in the log"));
		}
		if (s->config_changes) {
			const struct events_record *rec = &log->rec[s->last_config];

			set_new(o, "start_type_changes", json_integer((json_int_t)s->config_changes));
			if (rec->nstrings >= 3)
				set_new(o, "last_start_type", json_string(events_log_string(log, rec, 2)));
		}
		if (s->failures_before)
			set_new(o, "failures_before_last_boot", json_integer((json_int_t)s->failures_before));
		if (sp->label)
			set_new(o, "label", json_string(sp->label));
		json_array_append_new(out, o);
	}
	rc = emit_groups(log, file, sp, &g, out, err);
out:
	groups_release(&g);
	scratch_release(&sc);
	free(sv);
	free(rec_svc);
	return rc < 0 ? rc : failures;
}

int events_log_collect(const struct events_log *log, const char *file,
		       json_t *spec, const struct events_env *env, json_t *out,
		       struct err *err)
{
	struct spec sp;
	int rc;

	rc = spec_parse(spec, &sp, err);
	if (rc < 0)
		return rc;
	if (sp.services)
		return collect_services(log, file, &sp, env, out, err);
	return collect_plain(log, file, &sp, env, out, err);
}
