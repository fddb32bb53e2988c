/* In-place registry hive edits (hiveedit.h). */
#include "hiveedit.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hivelog.h"
#include "limits.h"

#define CELL_NONE 0xffffffffu
#define LIST_DEPTH_MAX 2           /* ri -> lf/lh/li */
#define VALUE_INLINE_MAX 4u
#define VALUE_CELL_MAX 16344u      /* larger data lives in "db" big data */

int hive_edit_open(struct hive_edit *h, uint8_t *buf, size_t len,
		   struct err *err)
{
	uint32_t bins;

	memset(h, 0, sizeof(*h));
	if (len < HIVE_BASE_BLOCK || memcmp(buf, "regf", 4) != 0)
		return err_set(err, -E_FORMAT, "not a registry hive (no regf signature)");
	if (le32(buf + 0x04) != le32(buf + 0x08))               /* 0x04, 0x08 */
		return err_set(err, -E_UNSUPPORTED,
			       "hive is dirty (sequence numbers %u/%u): its logs were not replayed",
			       le32(buf + 0x04), le32(buf + 0x08));
	if (hivelog_checksum(buf) != le32(buf + 0x1fc))        /* 0x1fc */
		return err_set(err, -E_UNSUPPORTED,
			       "hive is dirty (base block checksum wrong)");
	bins = le32(buf + 0x28);                                 /* 0x28 */
	if (bins < 4096 || bins % 4096 || bins > len - HIVE_BASE_BLOCK)
		return err_set(err, -E_CORRUPT, "hive bins size %u does not fit the %zu-byte file",
			       bins, len);
	h->buf = buf;
	h->len = len;
	h->bins = bins;
	return 0;
}

/* The allocated cell at off: its data and data size.  0 or <0. */
static int cell_at(const struct hive_edit *h, uint32_t off, uint8_t **data,
		   uint32_t *size, struct err *err)
{
	int32_t sz;
	uint32_t n;

	if (off == CELL_NONE || off % 8 || off < 0x20 || off > h->bins - 8)
		return err_set(err, -E_CORRUPT, "cell offset 0x%x outside the hive bins", off);
	sz = (int32_t)le32(h->buf + HIVE_BASE_BLOCK + off);
	if (sz >= 0)
		return err_set(err, -E_CORRUPT, "cell 0x%x is not allocated", off);
	n = (uint32_t)(-(int64_t)sz);
	if (n < 8 || n > h->bins - off)
		return err_set(err, -E_CORRUPT, "cell 0x%x has a bad size", off);
	*data = h->buf + HIVE_BASE_BLOCK + off + 4;
	*size = n - 4;
	return 0;
}

static int lower(int c)
{
	return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

/* name (compressed Latin-1 or UTF-16LE) equals want (ASCII), ignoring case */
static int name_eq(const uint8_t *name, uint32_t nlen, int compressed,
		   const char *want, size_t wlen)
{
	size_t i;

	if (compressed) {
		if (nlen != wlen)
			return 0;
		for (i = 0; i < wlen; i++)
			if (lower(name[i]) != lower((unsigned char)want[i]))
				return 0;
		return 1;
	}
	if (nlen != wlen * 2)
		return 0;
	for (i = 0; i < wlen; i++)
		if (name[2 * i + 1] != 0 || lower(name[2 * i]) != lower((unsigned char)want[i]))
			return 0;
	return 1;
}

/* The nk cell at off (at least its fixed part): its data (*d) and cell
 * size (*size, may be NULL). */
static int nk_at(const struct hive_edit *h, uint32_t off, uint8_t **d, uint32_t *size,
		 struct err *err)
{
	uint32_t n;

	if (cell_at(h, off, d, &n, err) < 0)
		return -E_CORRUPT;
	if (size)
		*size = n;
	if (n < 0x4c || memcmp(*d, "nk", 2) != 0)
		return err_set(err, -E_CORRUPT, "cell 0x%x is not a key", off);
	return 0;
}

static int nk_named(const struct hive_edit *h, uint32_t off, const char *want,
		    size_t wlen, struct err *err)
{
	uint8_t *d;
	uint32_t size, nlen;

	if (nk_at(h, off, &d, &size, err) < 0)
		return -E_CORRUPT;
	nlen = le16(d + 0x48);                                  /* 0x48 name length */
	if (nlen > size - 0x4c)
		return err_set(err, -E_CORRUPT, "key name of cell 0x%x overruns it", off);
	return name_eq(d + 0x4c, nlen, (le16(d + 0x02) & 0x20) != 0, want, wlen);
}

static int list_find(const struct hive_edit *h, uint32_t list, const char *want,
		     size_t wlen, unsigned depth, uint32_t *found, struct err *err)
{
	uint8_t *d;
	uint32_t size, count, i, step;
	int rc;

	if (depth > LIST_DEPTH_MAX)
		return err_set(err, -E_CORRUPT, "subkey lists nested too deep");
	if (cell_at(h, list, &d, &size, err) < 0)
		return -E_CORRUPT;
	if (size < 4)
		return err_set(err, -E_CORRUPT, "subkey list 0x%x too small", list);
	count = le16(d + 0x02);                                 /* 0x02 count */
	step = (memcmp(d, "lf", 2) == 0 || memcmp(d, "lh", 2) == 0) ? 8 :
	       (memcmp(d, "li", 2) == 0 || memcmp(d, "ri", 2) == 0) ? 4 : 0;
	if (!step)
		return err_set(err, -E_CORRUPT, "cell 0x%x is not a subkey list", list);
	if (count > LIMIT_REG_SUBKEYS || (uint64_t)count * step > size - 4)
		return err_set(err, -E_CORRUPT, "subkey list 0x%x overruns its cell", list);
	for (i = 0; i < count; i++) {
		uint32_t off = le32(d + 4 + (size_t)i * step);

		if (memcmp(d, "ri", 2) == 0)
			rc = list_find(h, off, want, wlen, depth + 1, found, err);
		else {
			rc = nk_named(h, off, want, wlen, err);
			if (rc == 1)
				*found = off;
		}
		if (rc != 0)
			return rc;
	}
	return 0;
}

int hive_edit_find_key(const struct hive_edit *h, const char *path,
		       uint32_t *nk, struct err *err)
{
	uint32_t cur = le32(h->buf + 0x24);                     /* 0x24 root cell */
	const char *p = path;
	int rc;

	rc = nk_named(h, cur, "", 0, err);
	if (rc < 0)
		return rc;
	while (*p) {
		const char *sep = strchr(p, '\\');
		size_t wlen = sep ? (size_t)(sep - p) : strlen(p);
		uint8_t *d;
		uint32_t size, next = CELL_NONE;

		if (wlen == 0 || wlen > LIMIT_REG_NAME)
			return err_set(err, -E_USAGE, "bad key path '%s'", path);
		if (cell_at(h, cur, &d, &size, err) < 0)
			return -E_CORRUPT;
		if (le32(d + 0x14) == 0)                         /* 0x14 subkeys */
			return 0;
		rc = list_find(h, le32(d + 0x1c), p, wlen, 0, &next, err); /* 0x1c list */
		if (rc <= 0)
			return rc;
		cur = next;
		p = sep ? sep + 1 : p + wlen;
	}
	*nk = cur;
	return 1;
}

int hive_edit_find_value(const struct hive_edit *h, uint32_t nk,
			 const char *name, uint32_t *vk, struct err *err)
{
	uint8_t *d, *list, *v;
	uint32_t size, lsize, vsize, count, i;
	size_t wlen = strlen(name);

	if (cell_at(h, nk, &d, &size, err) < 0)
		return -E_CORRUPT;
	count = le32(d + 0x24);                                  /* 0x24 values */
	if (count == 0)
		return 0;
	if (count > LIMIT_REG_VALUES)
		return err_set(err, -E_LIMIT, "%u values, over LIMIT_REG_VALUES", count);
	if (cell_at(h, le32(d + 0x28), &list, &lsize, err) < 0)   /* 0x28 value list */
		return -E_CORRUPT;
	if ((uint64_t)count * 4 > lsize)
		return err_set(err, -E_CORRUPT, "value list of key 0x%x overruns its cell", nk);
	for (i = 0; i < count; i++) {
		uint32_t off = le32(list + (size_t)i * 4), nlen;

		if (cell_at(h, off, &v, &vsize, err) < 0)
			return -E_CORRUPT;
		if (vsize < 0x14 || memcmp(v, "vk", 2) != 0)
			return err_set(err, -E_CORRUPT, "cell 0x%x is not a value", off);
		nlen = le16(v + 0x02);                           /* 0x02 name length */
		if (nlen > vsize - 0x14)
			return err_set(err, -E_CORRUPT, "value name of cell 0x%x overruns it", off);
		if (name_eq(v + 0x14, nlen, (le16(v + 0x10) & 1) != 0, name, wlen)) {
			*vk = off;
			return 1;
		}
	}
	return 0;
}

int hive_edit_value(const struct hive_edit *h, uint32_t vk, uint32_t *type,
		    const uint8_t **data, uint32_t *len, struct err *err)
{
	uint8_t *v, *dd;
	uint32_t vsize, dsize, n;

	if (cell_at(h, vk, &v, &vsize, err) < 0)
		return -E_CORRUPT;
	*type = le32(v + 0x0c);                                  /* 0x0c type */
	n = le32(v + 0x04);                                      /* 0x04 data size */
	if (n & 0x80000000u) {
		n &= 0x7fffffffu;
		if (n > VALUE_INLINE_MAX)
			return err_set(err, -E_CORRUPT, "inline value of %u bytes", n);
		*data = v + 0x08;                                /* 0x08 inline data */
		*len = n;
		return 0;
	}
	if (n > VALUE_CELL_MAX)
		return err_set(err, -E_UNSUPPORTED, "value of %u bytes (big data) is not edited", n);
	if (n == 0) {
		*data = v + 0x08;
		*len = 0;
		return 0;
	}
	if (cell_at(h, le32(v + 0x08), &dd, &dsize, err) < 0)
		return -E_CORRUPT;
	if (n > dsize)
		return err_set(err, -E_CORRUPT, "value data overruns its cell");
	*data = dd;
	*len = n;
	return 0;
}

/* The cells a multi-cell edit allocated, with the bytes they held, so
 * that a refusal half way leaves the buffer as it was. */
#define TX_MAX 4
struct cell_tx {
	unsigned n;
	uint32_t off[TX_MAX], len[TX_MAX];
	uint8_t *saved[TX_MAX];
};

static void tx_end(struct cell_tx *tx, struct hive_edit *h, int undo)
{
	while (tx->n) {
		tx->n--;
		if (undo)
			memcpy(h->buf + HIVE_BASE_BLOCK + tx->off[tx->n], tx->saved[tx->n],
			       tx->len[tx->n]);
		free(tx->saved[tx->n]);
	}
}

/* A free cell of at least need bytes (cell size, header included), split
 * when the rest can stand as a free cell; allocated on return, its bytes
 * first saved in tx when tx is not NULL.  Its offset or CELL_NONE. */
static uint32_t cell_alloc_tx(struct hive_edit *h, uint32_t need, struct cell_tx *tx)
{
	uint32_t bin = 0;

	while (bin + 0x20 <= h->bins) {
		const uint8_t *b = h->buf + HIVE_BASE_BLOCK + bin;
		uint32_t bsize = le32(b + 0x08), off;            /* 0x08 bin size */

		if (memcmp(b, "hbin", 4) != 0 || bsize < 0x1000 || bsize % 0x1000 ||
		    bsize > h->bins - bin)
			return CELL_NONE;
		for (off = bin + 0x20; off + 8 <= bin + bsize;) {
			uint8_t *c = h->buf + HIVE_BASE_BLOCK + off;
			int32_t sz = (int32_t)le32(c);
			uint32_t n = sz < 0 ? (uint32_t)(-(int64_t)sz) : (uint32_t)sz;
			int split;

			if (n < 8 || n % 8 || n > bin + bsize - off)
				return CELL_NONE;
			if (sz <= 0 || n < need) {
				off += n;
				continue;
			}
			split = n - need >= 16;
			if (tx) {
				uint32_t keep = split ? need + 4 : n;

				if (tx->n == TX_MAX || !(tx->saved[tx->n] = malloc(keep)))
					return CELL_NONE;
				memcpy(tx->saved[tx->n], c, keep);
				tx->off[tx->n] = off;
				tx->len[tx->n++] = keep;
			}
			if (split) {
				put_le32(c + need, n - need);
				put_le32(c, (uint32_t)-(int32_t)need);
			} else {
				put_le32(c, (uint32_t)-(int32_t)n);
			}
			memset(c + 4, 0, (split ? need : n) - 4);
			return off;
		}
		bin += bsize;
	}
	return CELL_NONE;
}

static uint32_t cell_alloc(struct hive_edit *h, uint32_t need)
{
	return cell_alloc_tx(h, need, NULL);
}

/* the allocated cell at off marked free (not merged with its neighbours) */
static void cell_free(struct hive_edit *h, uint32_t off)
{
	uint8_t *c = h->buf + HIVE_BASE_BLOCK + off;

	put_le32(c, (uint32_t)(-(int32_t)le32(c)));
}

int hive_edit_set_value(struct hive_edit *h, uint32_t vk, const uint8_t *data,
			uint32_t len, struct err *err)
{
	uint8_t *v, *dd;
	uint32_t vsize, dsize, n, old, fresh;

	if (cell_at(h, vk, &v, &vsize, err) < 0)
		return -E_CORRUPT;
	n = le32(v + 0x04);                                      /* 0x04 data size */
	if (len <= VALUE_INLINE_MAX && (n & 0x80000000u)) {
		memset(v + 0x08, 0, 4);
		memcpy(v + 0x08, data, len);
		put_le32(v + 0x04, 0x80000000u | len);
		return 0;
	}
	if (len > VALUE_CELL_MAX)
		return err_set(err, -E_UNSUPPORTED, "%u bytes would need big data", len);
	old = (n & 0x80000000u) || n == 0 ? CELL_NONE : le32(v + 0x08);
	if (old != CELL_NONE) {
		if (cell_at(h, old, &dd, &dsize, err) < 0)
			return -E_CORRUPT;
		if (len <= dsize) {
			memcpy(dd, data, len);
			memset(dd + len, 0, dsize - len);
			put_le32(v + 0x04, len);
			return 0;
		}
	}
	fresh = cell_alloc(h, (len + 4 + 7) & ~7u);
	if (fresh == CELL_NONE)
		return err_set(err, -E_LIMIT,
			       "no free cell of %u bytes in the hive: the value would not fit without growing the file",
			       len);
	memcpy(h->buf + HIVE_BASE_BLOCK + fresh + 4, data, len);
	if (old != CELL_NONE)
		cell_free(h, old);
	put_le32(v + 0x08, fresh);
	put_le32(v + 0x04, len);
	return 0;
}

static void put_max(uint8_t *p, uint32_t v)
{
	if (le32(p) < v)
		put_le32(p, v);
}

int hive_edit_add_value(struct hive_edit *h, uint32_t nk, const char *name,
			uint32_t type, const uint8_t *data, uint32_t len,
			uint32_t *vk, struct err *err)
{
	struct cell_tx tx = { 0 };
	uint8_t *d, *list = NULL, *v;
	uint32_t lsize = 0, count, nlen = (uint32_t)strlen(name), i;
	uint32_t dcell = CELL_NONE, vcell, lcell, oldlist = CELL_NONE;

	for (i = 0; i < nlen; i++)
		if ((unsigned char)name[i] < 0x20 || (unsigned char)name[i] > 0x7e)
			return err_set(err, -E_USAGE, "value name not printable ASCII");
	if (nlen > LIMIT_REG_NAME)
		return err_set(err, -E_USAGE, "value name of %u bytes", nlen);
	if (len > VALUE_CELL_MAX)
		return err_set(err, -E_UNSUPPORTED, "%u bytes would need big data", len);
	if (nk_at(h, nk, &d, NULL, err) < 0)
		return -E_CORRUPT;
	count = le32(d + 0x24);                                  /* 0x24 values */
	if (count >= LIMIT_REG_VALUES)
		return err_set(err, -E_LIMIT, "%u values, at LIMIT_REG_VALUES", count);
	if (count) {
		oldlist = le32(d + 0x28);                        /* 0x28 value list */
		if (cell_at(h, oldlist, &list, &lsize, err) < 0)
			return -E_CORRUPT;
		if ((uint64_t)count * 4 > lsize)
			return err_set(err, -E_CORRUPT, "value list of key 0x%x overruns its cell", nk);
	}
	if (len > VALUE_INLINE_MAX &&
	    (dcell = cell_alloc_tx(h, (len + 4 + 7) & ~7u, &tx)) == CELL_NONE)
		goto full;
	vcell = cell_alloc_tx(h, (0x18 + nlen + 7) & ~7u, &tx);
	if (vcell == CELL_NONE)
		goto full;
	lcell = count && lsize >= (count + 1) * 4 ? oldlist :
		cell_alloc_tx(h, ((count + 1) * 4 + 4 + 7) & ~7u, &tx);
	if (lcell == CELL_NONE)
		goto full;
	tx_end(&tx, h, 0);
	v = h->buf + HIVE_BASE_BLOCK + vcell + 4;
	memcpy(v, "vk", 2);
	put_le16(v + 0x02, (uint16_t)nlen);                      /* 0x02 name length */
	if (dcell == CELL_NONE) {
		put_le32(v + 0x04, 0x80000000u | len);           /* 0x04 data in 0x08 */
		if (len)
			memcpy(v + 0x08, data, len);
	} else {
		put_le32(v + 0x04, len);
		put_le32(v + 0x08, dcell);                       /* 0x08 data cell */
		memcpy(h->buf + HIVE_BASE_BLOCK + dcell + 4, data, len);
	}
	put_le32(v + 0x0c, type);                                /* 0x0c type */
	put_le16(v + 0x10, 1);                                   /* 0x10 compressed name */
	memcpy(v + 0x14, name, nlen);
	if (lcell != oldlist) {
		if (count)
			memcpy(h->buf + HIVE_BASE_BLOCK + lcell + 4, list, (size_t)count * 4);
		if (oldlist != CELL_NONE)
			cell_free(h, oldlist);
	}
	put_le32(h->buf + HIVE_BASE_BLOCK + lcell + 4 + (size_t)count * 4, vcell);
	put_le32(d + 0x24, count + 1);
	put_le32(d + 0x28, lcell);
	put_max(d + 0x3c, nlen * 2);                             /* 0x3c largest name, UTF-16 bytes */
	put_max(d + 0x40, len);                                  /* 0x40 largest data */
	*vk = vcell;
	return 0;
full:
	tx_end(&tx, h, 1);
	return err_set(err, -E_LIMIT,
		       "no free cells for a new %u-byte value in the hive: it would not fit without growing the file",
		       len);
}

/* The sk cell at off: its data (*d) and cell size (*size, may be NULL). */
static int sk_at(const struct hive_edit *h, uint32_t off, uint8_t **d, uint32_t *size,
		 struct err *err)
{
	uint32_t n;

	if (cell_at(h, off, d, &n, err) < 0)
		return -E_CORRUPT;
	if (size)
		*size = n;
	if (n < 0x14 || memcmp(*d, "sk", 2) != 0 || le32(*d + 0x10) > n - 0x14)
		return err_set(err, -E_CORRUPT, "cell 0x%x is not a security cell", off);
	if (le32(*d + 0x0c) == 0)                                /* 0x0c references */
		return err_set(err, -E_CORRUPT, "security cell 0x%x has no references", off);
	return 0;
}

int hive_edit_key_sd(const struct hive_edit *h, uint32_t nk, const uint8_t **sd,
		     uint32_t *len, struct err *err)
{
	uint8_t *d, *k;

	if (nk_at(h, nk, &d, NULL, err) < 0 || sk_at(h, le32(d + 0x2c), &k, NULL, err) < 0)
		return -E_CORRUPT;
	*sd = k + 0x14;
	*len = le32(k + 0x10);
	return 0;
}

/* Along the whole sk list from start (both ways linked, checked, so that
 * relinking writes only to sk cells): the sk holding sd (1, *found), 0
 * none, <0 a broken list. */
static int sk_find(const struct hive_edit *h, uint32_t start, const uint8_t *sd, uint32_t len,
		   uint32_t *found, struct err *err)
{
	uint32_t cur = start, steps = 0;
	uint8_t *k, *next;
	int hit = 0;

	do {
		uint32_t fl;

		if (sk_at(h, cur, &k, NULL, err) < 0)
			return -E_CORRUPT;
		fl = le32(k + 0x04);                             /* 0x04 flink */
		if (sk_at(h, fl, &next, NULL, err) < 0 || le32(next + 0x08) != cur)
			return err_set(err, -E_CORRUPT, "security cell list broken at 0x%x", cur);
		if (cur != start && !hit && le32(k + 0x10) == len &&
		    memcmp(k + 0x14, sd, len) == 0) {
			*found = cur;
			hit = 1;
		}
		cur = fl;
		if (++steps > h->bins / 0x18)
			return err_set(err, -E_CORRUPT, "security cell list loops");
	} while (cur != start);
	return hit;
}

/* sk of one reference less; unlinked and freed at none */
static void sk_release(struct hive_edit *h, uint32_t sk)
{
	uint8_t *k = h->buf + HIVE_BASE_BLOCK + sk + 4;
	uint32_t fl = le32(k + 0x04), bl = le32(k + 0x08);

	put_le32(k + 0x0c, le32(k + 0x0c) - 1);
	if (le32(k + 0x0c) != 0)
		return;
	put_le32(h->buf + HIVE_BASE_BLOCK + bl + 4 + 0x04, fl);
	put_le32(h->buf + HIVE_BASE_BLOCK + fl + 4 + 0x08, bl);
	cell_free(h, sk);
}

int hive_edit_set_key_sd(struct hive_edit *h, uint32_t nk, const uint8_t *sd,
			 uint32_t len, struct err *err)
{
	uint8_t *d, *k, *n;
	uint32_t old, size, use = CELL_NONE, fl;
	int rc;

	if (len < 20 || len > VALUE_CELL_MAX)
		return err_set(err, -E_USAGE, "security descriptor of %u bytes", len);
	if (nk_at(h, nk, &d, NULL, err) < 0)
		return -E_CORRUPT;
	old = le32(d + 0x2c);                                    /* 0x2c sk */
	if (sk_at(h, old, &k, &size, err) < 0)
		return -E_CORRUPT;
	if (le32(k + 0x10) == len && memcmp(k + 0x14, sd, len) == 0)
		return 0;
	rc = sk_find(h, old, sd, len, &use, err);
	if (rc < 0)
		return rc;
	if (rc == 1) {
		n = h->buf + HIVE_BASE_BLOCK + use + 4;
		put_le32(n + 0x0c, le32(n + 0x0c) + 1);
	} else if (le32(k + 0x0c) == 1 && size - 0x14 >= len) {
		put_le32(k + 0x10, len);                         /* rewritten in place */
		memcpy(k + 0x14, sd, len);
		memset(k + 0x14 + len, 0, size - 0x14 - len);
		return 0;
	} else {
		use = cell_alloc(h, (0x18 + len + 7) & ~7u);
		if (use == CELL_NONE)
			return err_set(err, -E_LIMIT,
				       "no free cell of %u bytes in the hive: the key's security would not fit without growing the file",
				       len);
		n = h->buf + HIVE_BASE_BLOCK + use + 4;
		fl = le32(k + 0x04);
		memcpy(n, "sk", 2);
		put_le32(n + 0x04, fl);                          /* after the old sk */
		put_le32(n + 0x08, old);
		put_le32(n + 0x0c, 1);
		put_le32(n + 0x10, len);
		memcpy(n + 0x14, sd, len);
		put_le32(h->buf + HIVE_BASE_BLOCK + fl + 4 + 0x08, use);
		put_le32(k + 0x04, use);
	}
	put_le32(d + 0x2c, use);
	sk_release(h, old);
	return 0;
}

void hive_edit_seal(struct hive_edit *h, uint64_t ft)
{
	uint32_t seq = le32(h->buf + 0x04) + 1;

	put_le32(h->buf + 0x04, seq);                            /* 0x04 */
	put_le32(h->buf + 0x08, seq);                            /* 0x08 */
	put_le64(h->buf + 0x0c, ft);                             /* 0x0c timestamp */
	put_le32(h->buf + 0x1fc, hivelog_checksum(h->buf));    /* 0x1fc */
}
