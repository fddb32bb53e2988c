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
 * below, "libevtx parses ...". */
#define _GNU_SOURCE
#include "events_priv.h"

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

#define SKIM_TEMPLATES 256u          /* templates cached per chunk */
#define SKIM_VALUES 64u              /* substitution values looked at */
#define SKIM_DEPTH 32                /* element nesting in a template */
#define TOK_TEMPLATE_INSTANCE 0x0c
#define VT_NULL 0x00
#define VT_STRING 0x01
#define VT_UINT8 0x04
#define VT_UINT16 0x06
#define VT_BINARY 0x0e
#define VT_BINXML 0x21

enum skim_elem { EL_OTHER, EL_SYSTEM, EL_PROVIDER, EL_EVENTID, EL_LEVEL,
		 EL_EVENTDATA, EL_BINARY, EL_DATA };

#define SKIM_LEAVES 64u              /* <Data> and <Binary> of an <EventData> */
#define SKIM_TEXT (128u * 1024)      /* UTF-8 of one record's strings */
#define VT_STRING_ARRAY 0x81
enum skim_attr { AT_NONE, AT_OTHER, AT_NAME, AT_SOURCE, AT_QUALIFIERS };

/* Where a template takes one field from: n places (more than one is
 * ambiguous), the last a substitution (sub >= 0, opt: optional) or a
 * literal (sub < 0). */
struct skim_field {
	int n, sub, opt;
};

/* One child of a simple <EventData>: a <Data> (any literal attributes)
 * or the last <Binary>, whose content is one substitution. */
struct skim_leaf {
	uint16_t sub;
	uint8_t binary, opt;
};

struct skim_tmpl {
	uint32_t off;                /* definition offset in the chunk */
	int ok;                      /* the template body parsed */
	struct skim_field name, source, id, qual, level, binary;
	/* its <EventData>: 0 none, 1 simple (the leaves), -1 anything else
	 * (a second one, <UserData>, literal text, nested elements...) */
	int ed;
	unsigned nleaf;
	struct skim_leaf leaf[SKIM_LEAVES];
	char name_lit[LIMIT_EVTX_PROVIDER_LEN];   /* literal Provider Name */
	char source_lit[LIMIT_EVTX_PROVIDER_LEN]; /* literal EventSourceName */
};

#define KEEP_CACHE 8u                /* providers' keep levels remembered */

/* The skim of one chunk (its templates cached while in it). */
struct skim {
	const uint8_t *c;            /* the chunk */
	size_t clen;
	struct skim_tmpl *t;         /* SKIM_TEMPLATES */
	size_t nt;
	struct events_log *log;      /* its filter decides; built records go in */
	/* keep levels of the last providers seen (name, level) */
	char kname[KEEP_CACHE][LIMIT_EVTX_PROVIDER_LEN];
	uint8_t klevel[KEEP_CACHE];
	unsigned knext;
	int no_text;                 /* VSSD_EVTX_FULL: libevtx reads all text */
	char *text;                  /* SKIM_TEXT: the strings of a record */
};

/* What the skim read of one record. */
struct skim_rec {
	char provider[LIMIT_EVTX_PROVIDER_LEN];
	unsigned id, qualifiers, level;
	const uint8_t *bin;
	size_t bin_len;
	size_t nstrings, text_len;   /* SK_TEXT: sk->text holds the strings */
};

/* UTF-16LE (size bytes) as ASCII into out: printable code units, then
 * only NULs; 0 when it is anything else, empty or does not fit.  Provider
 * names are ASCII; others are left to libevtx. */
static int utf16_ascii(const uint8_t *p, size_t size, char *out, size_t cap)
{
	size_t i;
	long len;

	if (size % 2 || size == 0)
		return 0;
	len = utf16le_decode(p, size, UTF16_ASCII | UTF16_STRICT | UTF16_NUL_ENDS, out, cap, &i);
	if (len < 0)
		return 0;
	for (; i < size; i += 2)
		if (le16(p + i) != 0)
			return 0;
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

/* The name structure at chunk offset name as libfwevt reads it: 4 bytes,
 * a hash, a character count (not 0), the characters and a NUL, all
 * inside the chunk. */
static int name_sound(const struct skim *sk, size_t name)
{
	size_t n;

	if (name > sk->clen || sk->clen - name < 8)
		return 0;
	n = le16(sk->c + name + 6);
	return n != 0 && (n + 1) * 2 <= sk->clen - name - 8;
}

static enum skim_elem elem_kind(const struct skim *sk, size_t name, int parent,
				struct skim_tmpl *t)
{
	if (!name_sound(sk, name))
		t->ed = -1;
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
	if (name_is(sk, name, "UserData") || name_is(sk, name, "ProcessingErrorData"))
		t->ed = -1;
	if (parent == EL_EVENTDATA) {
		if (t->binary.n)
			t->binary.n = 2;
		if (name_is(sk, name, "Binary"))
			return EL_BINARY;
		if (name_is(sk, name, "Data"))
			return EL_DATA;
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
	int depth = 0, attr = AT_NONE, ed_depth = -1, pending = 0, binary_seen = 0;
	int more_attr = 0;  /* an attribute list must go on (0x40 flags) */
	size_t attr_end = 0;  /* where the open element's attribute list ends */

	t->ok = 0;
	t->ed = 0;
	t->nleaf = 0;
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

		/* libfwevt reads attributes while the flags say more follow:
		 * an element with attributes, or an attribute with the 0x40
		 * flag, and then no attribute, fails the whole record */
		if (attr_end && attr == AT_NONE && (tok & 0xbf) != 0x06) {
			if (more_attr || p != attr_end)
				t->ed = -1;
			more_attr = 0;
			attr_end = 0;
		}

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
			if (tok & 0x40) {
				/* libfwevt reads attributes for as many
				 * bytes as the list size says */
				if (p + 4 > end)
					return;
				attr_end = p + 4 + le32(c + p);
				p += 4; /* attribute list size */
				more_attr = 1;
			}
			if (depth >= SKIM_DEPTH)
				return;
			stack[depth] = (uint8_t)elem_kind(sk, name, elem, t);
			if (stack[depth] == EL_EVENTDATA) {
				t->ed = t->ed ? -1 : 1;
				ed_depth = depth;
			} else if (elem == EL_EVENTDATA) {
				if ((stack[depth] != EL_DATA && stack[depth] != EL_BINARY) ||
				    binary_seen)
					t->ed = -1;
				binary_seen = stack[depth] == EL_BINARY;
				pending = 1;
			} else if (elem == EL_DATA || elem == EL_BINARY) {
				t->ed = -1;
			}
			depth++;
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
			/* a <Data/> or <Binary/> without its substitution */
			if ((stack[depth] == EL_DATA || stack[depth] == EL_BINARY) && pending)
				t->ed = -1;
			if (depth == ed_depth)
				ed_depth = -1;
			attr = AT_NONE;
			p++;
			break;
		case 0x06:              /* attribute: its value token follows */
			p++;
			if (!skip_name(sk, &p, end, &name))
				return;
			if (!name_sound(sk, name))
				t->ed = -1;
			/* libfwevt reads a value, a substitution or a
			 * reference there, and rejects anything else */
			if (p >= end || ((c[p] & 0xbf) != 0x05 && (c[p] & 0xbf) != 0x0d &&
					 (c[p] & 0xbf) != 0x0e && (c[p] & 0xbf) != 0x08 &&
					 (c[p] & 0xbf) != 0x09))
				t->ed = -1;
			more_attr = (tok & 0x40) != 0;
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
				if (ed_depth >= 0 && attr == AT_NONE)
					t->ed = -1;  /* literal text in <EventData> */
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
			if (ed_depth >= 0) {
				if (attr != AT_NONE || (elem != EL_DATA && elem != EL_BINARY) ||
				    !pending || t->nleaf == SKIM_LEAVES) {
					t->ed = -1;
				} else {
					t->leaf[t->nleaf].sub = le16(c + p + 1);
					t->leaf[t->nleaf].binary = elem == EL_BINARY;
					t->leaf[t->nleaf++].opt = (tok & 0xbf) == 0x0e;
					pending = 0;
				}
			}
			attr = AT_NONE;
			p += 4;
			break;
		case 0x07:              /* CDATA */
		case 0x0b:              /* PI data */
			if (ed_depth >= 0)
				t->ed = -1;
			if (p + 3 > end)
				return;
			p += 3 + 2 * (size_t)le16(c + p + 1);
			break;
		case 0x08:              /* character reference */
			if (ed_depth >= 0)
				t->ed = -1;
			p += 3;
			break;
		case 0x09:              /* entity reference */
		case 0x0a:              /* PI target */
			if (ed_depth >= 0)
				t->ed = -1;
			p++;
			if (!skip_name(sk, &p, end, &name))
				return;
			break;
		default:
			return;
		}
	}
	if (ed_depth >= 0)
		t->ed = -1;
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

/* ---- text: the strings libevtx would give ------------------------------- */

/* libevtx 20181227 gives a record's strings as the values of its
 * <EventData> children in order, a string array one string per element,
 * and the <Binary> as its data (events.c turns the hex string it may
 * add back into bytes).  The skim builds them itself for the simplest and
 * commonest shape only: a simple <EventData> (skim_tmpl.ed) whose <Data>
 * values are UTF-16 strings (VT_STRING, no NUL, not empty) or string
 * arrays (NUL-terminated strings), and whose <Binary>, when present, is
 * binary data of 4 bytes or more or left out (a NULL value).  Anything
 * else (numbers, GUIDs, SIDs, times, surrogates, sizes near the limits)
 * is left to libevtx.  tests/check_speed.c compares the two readings
 * record by record. */

/* UTF-16LE code units (n bytes) as UTF-8 at sk->text + *len, then a NUL:
 * stops at a NUL unit when split, else a NUL fails.  0 when a surrogate,
 * a NUL or the room stops it; *used gets the bytes read. */
static int utf16_utf8(struct skim *sk, const uint8_t *p, size_t n, int split,
		      size_t *len, size_t *used)
{
	unsigned flags = UTF16_UNITS | UTF16_STRICT | (split ? UTF16_NUL_ENDS : 0);
	size_t read;
	long o = utf16le_decode(p, n, flags, sk->text + *len, SKIM_TEXT - *len, &read);

	if (o < 0 || (size_t)o + 1 > LIMIT_EVTX_STRING_LEN)
		return 0;
	sk->text[*len + (size_t)o] = '\0';
	*len += (size_t)o + 1;
	*used = read;
	return 1;
}

/* The template and values of the record's <EventData>: its own, or the
 * one nested instance (a BinXml value) holding it.  0 when not simple. */
static int text_source(struct skim *sk, const struct skim_tmpl *t,
		       const struct skim_values *v, const struct skim_tmpl **et,
		       struct skim_values *nested, const struct skim_values **ev)
{
	size_t i, found = 0, ndef;

	if (t->ed < 0)
		return 0;
	if (t->ed == 1) {
		*et = t;
		*ev = v;
		found = 1;
	}
	for (i = 0; i < v->n; i++) {
		const struct skim_tmpl *nt;

		if (v->type[i] != VT_BINXML)
			continue;
		if (found || !skim_instance(sk, v->off[i], v->off[i] + v->size[i], &ndef, nested))
			return 0;
		nt = skim_template_get(sk, ndef);
		if (!nt || !nt->ok || nt->ed != 1)
			return 0;
		*et = nt;
		*ev = nested;
		found = 1;
	}
	return found == 1;
}

/* Values libfwevt would substitute without complaint, as far as the
 * skim can tell: known types, the fixed sizes right, strings of whole
 * UTF-16 units.  (A doubt only leaves the record to libevtx.) */
static int values_sound(const struct skim *sk, const struct skim_values *v)
{
	size_t i;

	for (i = 0; i < v->n; i++) {
		size_t n = v->size[i], want;

		switch (v->type[i]) {
		case 0x03: case VT_UINT8: want = 1; break;            /* int8, uint8 */
		case 0x05: case VT_UINT16: want = 2; break;           /* int16, uint16 */
		case 0x07: case 0x08: case 0x0b: case 0x0d: case 0x14:
			want = 4; break;  /* int32, uint32, float, bool, hex32 */
		case 0x09: case 0x0a: case 0x0c: case 0x11: case 0x15:
			want = 8; break;  /* int64, uint64, double, filetime, hex64 */
		case 0x0f: case 0x12: want = 16; break;               /* guid, systemtime */
		case 0x13:        /* SID: 8 bytes, then 4 per sub-authority */
			want = n >= 8 ? 8 + 4 * (size_t)sk->c[v->off[i] + 1] : 8;
			break;
		case VT_STRING: case VT_STRING_ARRAY:
			if (n % 2)
				return 0;
			continue;
		case VT_NULL: case VT_BINARY: case VT_BINXML:
			continue;
		default:
			return 0;
		}
		if (n != want)
			return 0;
	}
	return 1;
}

static int skim_text(struct skim *sk, const struct skim_tmpl *t,
		     const struct skim_values *v, struct skim_rec *r)
{
	const struct skim_tmpl *et = NULL;
	const struct skim_values *ev = NULL;
	struct skim_values nested;
	size_t k, len = 0, nstr = 0;

	if (sk->no_text || !values_sound(sk, v) || !text_source(sk, t, v, &et, &nested, &ev) ||
	    (ev != v && !values_sound(sk, ev)))
		return 0;
	r->bin = NULL;
	r->bin_len = 0;
	for (k = 0; k < et->nleaf; k++) {
		const struct skim_leaf *lf = &et->leaf[k];
		const uint8_t *p;
		size_t size, used;
		uint8_t type;

		if (lf->sub >= ev->n)
			return 0;
		p = sk->c + ev->off[lf->sub];
		size = ev->size[lf->sub];
		type = ev->type[lf->sub];
		if (lf->binary) {
			if (type == VT_NULL && size == 0)
				continue;
			if (type != VT_BINARY || size < 4 || size > LIMIT_EVTX_STRING_LEN / 2)
				return 0;
			r->bin = p;
			r->bin_len = size;
			continue;
		}
		if (type == VT_STRING) {
			if (size == 0 || size % 2 || !utf16_utf8(sk, p, size, 0, &len, &used))
				return 0;
			nstr++;
		} else if (type == VT_STRING_ARRAY) {
			if (size < 2 || size % 2 || le16(p + size - 2) != 0)
				return 0;
			while (size > 0) {
				if (!utf16_utf8(sk, p, size, 1, &len, &used))
					return 0;
				p += used;
				size -= used;
				nstr++;
			}
		} else {
			return 0;
		}
		if (nstr > LIMIT_EVTX_STRINGS)
			return 0;
	}
	/* no binary data: a trailing string of hex digits is one (events.c,
	 * add_text: how libevtx 20181227 shows a <Binary>) */
	if (!r->bin && nstr > 0) {
		size_t last = len - 1, n;

		while (last > 0 && sk->text[last - 1])
			last--;
		n = len - 1 - last;
		if (n >= 8 && n % 2 == 0) {
			char *h = sk->text + last;
			size_t i;

			for (i = 0; i < n && hex_digit((unsigned char)h[i]) >= 0; i++)
				;
			if (i == n) {
				for (i = 0; i < n / 2; i++)
					h[i] = (char)(hex_digit((unsigned char)h[2 * i]) << 4 |
						      hex_digit((unsigned char)h[2 * i + 1]));
				r->bin = (const uint8_t *)h;
				r->bin_len = n / 2;
				len = last;
				nstr--;
			}
		}
	}
	r->nstrings = nstr;
	r->text_len = len;
	return 1;
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
