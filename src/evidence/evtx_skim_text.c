/* The strings libevtx would give for a record the skim reads
 * (evtx_skim.c, SK_TEXT). */
#define _GNU_SOURCE
#include "evtx_skim_priv.h"

#include <string.h>

#include "bytes.h"
#include "utf16.h"

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

int skim_text(struct skim *sk, const struct skim_tmpl *t,
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
