/* The templates and substitution values of the skim (evtx_skim.c): a
 * template's body read once per chunk (where its <System> fields, its
 * <Binary> and the leaves of its <EventData> come from), a record's
 * template instance and values, and the provider, numbers and <Binary>
 * they give (libyal EVTX document: "Template instance", "Binary XML"). */
#define _GNU_SOURCE
#include "evtx_skim_priv.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "utf16.h"

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

/* A name structure at chunk offset off equals ascii (exactly).  libfwevt
 * reads the character count plus one units: a last unit that is not NUL
 * is part of the name (fuzz_evtx_skim: "EventData" ended by 0xff00 is
 * not libevtx's <EventData>, whose strings it then does not give). */
static int name_is(const struct skim *sk, size_t off, const char *ascii)
{
	size_t n = strlen(ascii), i;

	if (off > sk->clen || sk->clen - off < 8 + 2 * n + 2 || le16(sk->c + off + 6) != n ||
	    le16(sk->c + off + 8 + 2 * n) != 0)
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

/* Reading one template body (skim_template): where it is, the open
 * elements, and what libfwevt would make of the tokens so far. */
struct tmpl_walk {
	const struct skim *sk;
	struct skim_tmpl *t;
	size_t p, end;
	uint8_t stack[SKIM_DEPTH];
	int depth, attr, ed_depth, pending, binary_seen;
	int more_attr;        /* an attribute list must go on (0x40 flags) */
	size_t attr_end;      /* where the open element's attribute list ends */
};

/* The handlers of skim_template's tokens: 1 to go on, 0 when the body
 * does not parse. */

/* 0x01, open start element (0x41: with attributes) */
static int tok_open(struct tmpl_walk *w, uint8_t tok, int elem)
{
	struct skim_tmpl *t = w->t;
	size_t name;

	w->p += 7;         /* token, dependency id, data size */
	if (!skip_name(w->sk, &w->p, w->end, &name))
		return 0;
	if (tok & 0x40) {
		/* libfwevt reads attributes for as many
		 * bytes as the list size says */
		if (w->p + 4 > w->end)
			return 0;
		w->attr_end = w->p + 4 + le32(w->sk->c + w->p);
		w->p += 4; /* attribute list size */
		w->more_attr = 1;
	}
	if (w->depth >= SKIM_DEPTH)
		return 0;
	w->stack[w->depth] = (uint8_t)elem_kind(w->sk, name, elem, t);
	if (w->stack[w->depth] == EL_EVENTDATA) {
		t->ed = t->ed ? -1 : 1;
		w->ed_depth = w->depth;
	} else if (elem == EL_EVENTDATA) {
		if ((w->stack[w->depth] != EL_DATA && w->stack[w->depth] != EL_BINARY) ||
		    w->binary_seen)
			t->ed = -1;
		w->binary_seen = w->stack[w->depth] == EL_BINARY;
		w->pending = 1;
	} else if (elem == EL_DATA || elem == EL_BINARY) {
		t->ed = -1;
	}
	w->depth++;
	w->attr = AT_NONE;
	return 1;
}

/* 0x03 close empty element, 0x04 end element */
static int tok_close(struct tmpl_walk *w)
{
	if (w->depth == 0)
		return 0;
	w->depth--;
	/* a <Data/> or <Binary/> without its substitution */
	if ((w->stack[w->depth] == EL_DATA || w->stack[w->depth] == EL_BINARY) && w->pending)
		w->t->ed = -1;
	if (w->depth == w->ed_depth)
		w->ed_depth = -1;
	w->attr = AT_NONE;
	w->p++;
	return 1;
}

/* 0x06, attribute: its value token follows */
static int tok_attribute(struct tmpl_walk *w, uint8_t tok, int elem)
{
	const uint8_t *c = w->sk->c;
	size_t name, p, end = w->end;

	w->p++;
	if (!skip_name(w->sk, &w->p, end, &name))
		return 0;
	p = w->p;
	if (!name_sound(w->sk, name))
		w->t->ed = -1;
	/* libfwevt reads a value, a substitution or a
	 * reference there, and rejects anything else */
	if (p >= end || ((c[p] & 0xbf) != 0x05 && (c[p] & 0xbf) != 0x0d &&
			 (c[p] & 0xbf) != 0x0e && (c[p] & 0xbf) != 0x08 &&
			 (c[p] & 0xbf) != 0x09))
		w->t->ed = -1;
	w->more_attr = (tok & 0x40) != 0;
	w->attr = AT_OTHER;
	if (elem == EL_PROVIDER && name_is(w->sk, name, "Name"))
		w->attr = AT_NAME;
	else if (elem == EL_PROVIDER && name_is(w->sk, name, "EventSourceName"))
		w->attr = AT_SOURCE;
	else if (elem == EL_EVENTID && name_is(w->sk, name, "Qualifiers"))
		w->attr = AT_QUALIFIERS;
	return 1;
}

/* 0x05, value text */
static int tok_value(struct tmpl_walk *w, int elem)
{
	const uint8_t *c = w->sk->c;
	struct skim_tmpl *t = w->t;
	struct skim_field *f;
	size_t n, p = w->p;

	if (p + 4 > w->end || c[p + 1] != VT_STRING)
		return 0;
	n = le16(c + p + 2);
	if (p + 4 + 2 * n > w->end)
		return 0;
	if (w->ed_depth >= 0 && w->attr == AT_NONE)
		t->ed = -1;  /* literal text in <EventData> */
	f = field_at(t, elem, w->attr);
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
	w->p += 4 + 2 * n;
	w->attr = AT_NONE;
	return 1;
}

/* 0x0d normal, 0x0e optional substitution */
static int tok_substitution(struct tmpl_walk *w, uint8_t tok, int elem)
{
	const uint8_t *c = w->sk->c;
	struct skim_tmpl *t = w->t;
	struct skim_field *f;
	size_t p = w->p;

	if (p + 4 > w->end)
		return 0;
	f = field_at(t, elem, w->attr);
	if (f) {
		f->n++;
		f->sub = le16(c + p + 1);
		f->opt = (tok & 0xbf) == 0x0e;
	}
	if (w->ed_depth >= 0) {
		if (w->attr != AT_NONE || (elem != EL_DATA && elem != EL_BINARY) ||
		    !w->pending || t->nleaf == SKIM_LEAVES) {
			t->ed = -1;
		} else {
			t->leaf[t->nleaf].sub = le16(c + p + 1);
			t->leaf[t->nleaf].binary = elem == EL_BINARY;
			t->leaf[t->nleaf++].opt = (tok & 0xbf) == 0x0e;
			w->pending = 0;
		}
	}
	w->attr = AT_NONE;
	w->p += 4;
	return 1;
}

/* Read the template body at definition offset def: where the fields come
 * from.  t->ok stays 0 when the body does not parse. */
static void skim_template(const struct skim *sk, size_t def, struct skim_tmpl *t)
{
	static const struct skim_field none = { 0, -1, 0 };
	const uint8_t *c = sk->c;
	struct tmpl_walk w;
	size_t name;

	t->ok = 0;
	t->ed = 0;
	t->nleaf = 0;
	t->name = t->source = t->id = t->qual = t->level = t->binary = none;
	t->name_lit[0] = t->source_lit[0] = '\0';
	if (def > sk->clen || sk->clen - def < 24)
		return;
	memset(&w, 0, sizeof(w));
	w.sk = sk;
	w.t = t;
	w.attr = AT_NONE;
	w.ed_depth = -1;
	w.p = def + 24;
	w.end = w.p + le32(c + def + 20);
	if (w.end > sk->clen)
		w.end = sk->clen;
	while (w.p < w.end) {
		uint8_t tok = c[w.p];
		int elem = w.depth ? w.stack[w.depth - 1] : EL_OTHER, ok = 1;

		/* libfwevt reads attributes while the flags say more follow:
		 * an element with attributes, or an attribute with the 0x40
		 * flag, and then no attribute, fails the whole record */
		if (w.attr_end && w.attr == AT_NONE && (tok & 0xbf) != 0x06) {
			if (w.more_attr || w.p != w.attr_end)
				t->ed = -1;
			w.more_attr = 0;
			w.attr_end = 0;
		}

		switch (tok & 0xbf) {   /* 0x40: "more" variants */
		case 0x00:              /* end of fragment */
			w.p = w.end;
			break;
		case 0x0f:              /* fragment header */
			w.p += 4;
			break;
		case 0x01:              /* open start element */
			ok = tok_open(&w, tok, elem);
			break;
		case 0x02:              /* close start element */
			w.attr = AT_NONE;
			w.p++;
			break;
		case 0x03:              /* close empty element */
		case 0x04:              /* end element */
			ok = tok_close(&w);
			break;
		case 0x06:              /* attribute: its value token follows */
			ok = tok_attribute(&w, tok, elem);
			break;
		case 0x05:              /* value text */
			ok = tok_value(&w, elem);
			break;
		case 0x0d:              /* normal substitution */
		case 0x0e:              /* optional substitution */
			ok = tok_substitution(&w, tok, elem);
			break;
		case 0x07:              /* CDATA */
		case 0x0b:              /* PI data */
			if (w.ed_depth >= 0)
				t->ed = -1;
			if (w.p + 3 > w.end)
				return;
			w.p += 3 + 2 * (size_t)le16(c + w.p + 1);
			break;
		case 0x08:              /* character reference */
			if (w.ed_depth >= 0)
				t->ed = -1;
			w.p += 3;
			break;
		case 0x09:              /* entity reference */
		case 0x0a:              /* PI target */
			if (w.ed_depth >= 0)
				t->ed = -1;
			w.p++;
			ok = skip_name(sk, &w.p, w.end, &name);
			break;
		default:
			return;
		}
		if (!ok)
			return;
	}
	if (w.ed_depth >= 0)
		t->ed = -1;
	t->ok = 1;
}

const struct skim_tmpl *skim_template_get(struct skim *sk, size_t def)
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

/* The template instance of the fragment at off (ending by end): its
 * definition offset and values.  0 when it is not one we can read. */
int skim_instance(const struct skim *sk, size_t off, size_t end,
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
int skim_provider(const struct skim *sk, const struct skim_tmpl *t,
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
int skim_number(const struct skim *sk, const struct skim_field *f,
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
int skim_binary(struct skim *sk, const struct skim_tmpl *t,
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
