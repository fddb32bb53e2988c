/* Guarding libevtx against hostile counts (events_priv.h).
 *
 * libevtx 20181227 (its bundled libfwevt) sizes the array for a template
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

#include "events_priv.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"

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

int evtx_guard_file(const uint8_t *buf, size_t len, struct evtx_guard *out,
		    struct err *err)
{
	struct guard *g;
	size_t base, k;

	memset(out, 0, sizeof(*out));
	out->nchunks = len > EVTX_FIRST_CHUNK ?
		       (len - EVTX_FIRST_CHUNK + EVTX_CHUNK - 1) / EVTX_CHUNK : 0;
	g = calloc(1, sizeof(*g));
	if (!g)
		return err_set(err, -E_NOMEM, "out of memory");
	if (out->nchunks) {
		out->blank = calloc((out->nchunks + 7) / 8, 1);
		if (!out->blank) {
			free(g);
			return err_set(err, -E_NOMEM, "out of memory");
		}
	}
	for (k = 0; k < out->nchunks; k++) {
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
			out->blank[k / 8] |= (uint8_t)(1u << (k % 8));
		if (g->oom)
			break;
	}
	out->fix = g->fix;
	out->nfix = g->nfix;
	k = (size_t)g->oom;
	free(g);
	if (k) {
		evtx_guard_release(out);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	return 0;
}

int evtx_guard_blank(const struct evtx_guard *g, size_t k)
{
	return k < g->nchunks && (g->blank[k / 8] & (1u << (k % 8))) != 0;
}

void evtx_guard_release(struct evtx_guard *g)
{
	free(g->fix);
	free(g->blank);
	memset(g, 0, sizeof(*g));
}
