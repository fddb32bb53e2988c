/* A minimal REGF hive writer for test fixtures (see regf_writer.h).
 *
 * Layout reference: the libyal "Windows NT Registry File (REGF) format"
 * document (libregf, documentation/) and M. Suhanov's "Windows registry
 * file format specification".  In short:
 *   base block (4096 bytes): "regf", sequence numbers, timestamp, version
 *     1.minor, root cell offset, hive bins data size, XOR-32 checksum at
 *     508;
 *   hive bins (multiples of 4096, "hbin" header of 32 bytes) holding cells:
 *     int32 size (negative = allocated, 8-byte aligned) + data;
 *   cells: nk (key), vk (value), sk (security), lf/lh (subkey leaves),
 *     ri (index root over leaves), value lists, data, db (big data, 1.5).
 * All offsets in cells are relative to the start of the hive bins data.
 *
 * The tree lives in memory; serialising walks it once, allocating cells
 * in a growing buffer and filling a key's nk cell after its values and
 * children have been placed (so every offset is known by then). */
#define _GNU_SOURCE
#include "regf_writer.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "hivelog.h"

#define BASE_BLOCK_SIZE   4096u
#define HBIN_ALIGN        4096u
#define HBIN_HEADER       32u
#define NIL               0xffffffffu
/* Value data above this size is split into db segments in version 1.5
 * (CM_KEY_VALUE_BIG); 1.3 keeps it in one cell. */
#define BIG_DATA_SEGMENT  16344u
#define KEY_NAME_MAX      255u     /* UTF-16 code units (MSDN) */
#define VALUE_NAME_MAX    16383u
#define PATH_DEPTH_MAX    512u     /* registry tree depth (MSDN) */

/* nk flags (libyal: named key flags) */
#define KEY_HIVE_ENTRY    0x0004u
#define KEY_NO_DELETE     0x0008u
#define KEY_COMP_NAME     0x0020u
/* vk flags */
#define VALUE_COMP_NAME   0x0001u

struct rw_value {
	char *name;             /* UTF-8 as given */
	uint16_t *uname;        /* UTF-16 */
	size_t ulen;
	uint32_t type;
	uint8_t *data;
	size_t len;
};

struct rw_key {
	char *name;
	uint16_t *uname;
	size_t ulen;
	struct rw_key **sub;    /* sorted by upcased name */
	size_t nsub, capsub;
	struct rw_value *val;   /* insertion order, as Windows keeps them */
	size_t nval, capval;
	uint32_t off;           /* nk cell, while serialising */
	uint8_t *sd;            /* own descriptor (regf_writer_set_key_sd), or NULL */
	size_t sdlen;
};

struct regf_writer {
	struct rw_key *root;
	uint64_t filetime;
	char errmsg[256];
};

/* ---- small helpers ---------------------------------------------------- */

static int fail(struct regf_writer *w, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(struct regf_writer *w, int code, const char *fmt, ...)
{
	va_list ap;

	if (w) {
		va_start(ap, fmt);
		vsnprintf(w->errmsg, sizeof(w->errmsg), fmt, ap);
		va_end(ap);
	}
	return code;
}

uint32_t regf_checksum(const uint8_t *bb)
{
	uint32_t x = 0;
	size_t i;

	for (i = 0; i < 508; i += 4)
		x ^= le32(bb + i);
	/* Windows never stores 0 or -1 (HvpHeaderCheckSum) */
	if (x == 0)
		x = 1;
	else if (x == 0xffffffffu)
		x = 0xfffffffeu;
	return x;
}

/* UTF-8 -> UTF-16 (malloc'd, *n code units); -1 on invalid UTF-8. */
static int utf8_to_utf16(const char *s, uint16_t **out, size_t *n)
{
	size_t len = strlen(s), i = 0, k = 0;
	uint16_t *u = malloc((len + 1) * sizeof(*u));

	if (!u)
		return -E_NOMEM;
	while (i < len) {
		const unsigned char c = (unsigned char)s[i];
		uint32_t cp;
		size_t extra, j;

		if (c < 0x80) {
			cp = c;
			extra = 0;
		} else if ((c & 0xe0) == 0xc0) {
			cp = c & 0x1f;
			extra = 1;
		} else if ((c & 0xf0) == 0xe0) {
			cp = c & 0x0f;
			extra = 2;
		} else if ((c & 0xf8) == 0xf0) {
			cp = c & 0x07;
			extra = 3;
		} else {
			goto bad;
		}
		/* a NUL (end of string) fails the continuation test */
		for (j = 1; j <= extra; j++) {
			const unsigned char cc = (unsigned char)s[i + j];

			if ((cc & 0xc0) != 0x80)
				goto bad;
			cp = (cp << 6) | (cc & 0x3f);
		}
		if ((extra == 1 && cp < 0x80) || (extra == 2 && cp < 0x800) ||
		    (extra == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			goto bad;
		i += extra + 1;
		if (cp >= 0x10000) {
			cp -= 0x10000;
			u[k++] = (uint16_t)(0xd800 | (cp >> 10));
			u[k++] = (uint16_t)(0xdc00 | (cp & 0x3ff));
		} else {
			u[k++] = (uint16_t)cp;
		}
	}
	*out = u;
	*n = k;
	return 0;
bad:
	free(u);
	return -E_USAGE;
}

/* Upper case of one UTF-16 code unit, as far as test fixtures need it:
 * ASCII, Latin-1, basic Greek and Cyrillic (Windows uses its full
 * upcase table, RtlUpcaseUnicodeChar). */
static uint16_t upcase(uint16_t c)
{
	if (c >= 'a' && c <= 'z')
		return (uint16_t)(c - 0x20);
	if (c < 0x80)
		return c;
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return (uint16_t)(c - 0x20);
	if (c == 0xff)
		return 0x178;
	if (c >= 0x3b1 && c <= 0x3c9 && c != 0x3c2)
		return (uint16_t)(c - 0x20);
	if (c >= 0x430 && c <= 0x44f)
		return (uint16_t)(c - 0x20);
	if (c >= 0x450 && c <= 0x45f)
		return (uint16_t)(c - 0x50);
	return c;
}

/* Windows orders subkeys by comparing upcased names code unit by code
 * unit (CmpCompareCompressedName / RtlCompareUnicodeString). */
static int name_cmp(const uint16_t *a, size_t an, const uint16_t *b, size_t bn)
{
	size_t i, n = an < bn ? an : bn;

	for (i = 0; i < n; i++) {
		const uint16_t x = upcase(a[i]), y = upcase(b[i]);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return an < bn ? -1 : an > bn ? 1 : 0;
}

/* lh hash (libyal "LH sub key hash algorithm"): h = 37 * h + upcase(c) */
static uint32_t lh_hash(const uint16_t *u, size_t n)
{
	uint32_t h = 0;
	size_t i;

	for (i = 0; i < n; i++)
		h = h * 37u + upcase(u[i]);
	return h;
}

static int is_ascii(const uint16_t *u, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (u[i] >= 0x80)
			return 0;
	return 1;
}

/* ---- the tree ----------------------------------------------------------- */

static void value_release(struct rw_value *v)
{
	free(v->name);
	free(v->uname);
	free(v->data);
}

static void key_free(struct rw_key *k)
{
	size_t i;

	if (!k)
		return;
	for (i = 0; i < k->nsub; i++)
		key_free(k->sub[i]);
	for (i = 0; i < k->nval; i++)
		value_release(&k->val[i]);
	free(k->sub);
	free(k->val);
	free(k->name);
	free(k->uname);
	free(k->sd);
	free(k);
}

static struct rw_key *key_new(const char *name, size_t len)
{
	struct rw_key *k = calloc(1, sizeof(*k));

	if (!k)
		return NULL;
	k->name = malloc(len + 1);
	if (!k->name) {
		free(k);
		return NULL;
	}
	memcpy(k->name, name, len);
	k->name[len] = '\0';
	if (utf8_to_utf16(k->name, &k->uname, &k->ulen) < 0) {
		free(k->name);
		free(k);
		return NULL;
	}
	return k;
}

struct regf_writer *regf_writer_new(const char *root_name)
{
	struct regf_writer *w;

	if (!root_name || !*root_name)
		return NULL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->filetime = REGF_WRITER_FILETIME;
	w->root = key_new(root_name, strlen(root_name));
	if (!w->root || w->root->ulen > KEY_NAME_MAX) {
		key_free(w->root);
		free(w);
		return NULL;
	}
	return w;
}

void regf_writer_free(struct regf_writer *w)
{
	if (!w)
		return;
	key_free(w->root);
	free(w);
}

const char *regf_writer_error(const struct regf_writer *w)
{
	return w ? w->errmsg : "no writer";
}

void regf_writer_set_time(struct regf_writer *w, uint64_t filetime)
{
	w->filetime = filetime;
}

/* Binary search of k's sorted subkeys: index of a match (1 returned) or
 * of the insertion point (0 returned). */
static int sub_find(const struct rw_key *k, const uint16_t *u, size_t n,
		    size_t *at)
{
	size_t lo = 0, hi = k->nsub;

	while (lo < hi) {
		const size_t mid = lo + (hi - lo) / 2;
		const int c = name_cmp(k->sub[mid]->uname, k->sub[mid]->ulen, u, n);

		if (c == 0) {
			*at = mid;
			return 1;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*at = lo;
	return 0;
}

/* Walk (and with create, build) a path; *out is the key or NULL. */
static int key_walk(struct regf_writer *w, const char *path, int create,
		    struct rw_key **out)
{
	struct rw_key *k = w->root;
	const char *p = path ? path : "";
	unsigned depth = 0;

	*out = NULL;
	while (*p) {
		const char *e = strchr(p, '\\');
		const size_t len = e ? (size_t)(e - p) : strlen(p);
		struct rw_key *child;
		uint16_t *u;
		size_t n, at;
		char *comp;
		int found, rc;

		if (len == 0) {         /* leading, trailing or doubled '\' */
			p += 1;
			continue;
		}
		if (++depth > PATH_DEPTH_MAX)
			return fail(w, -E_LIMIT, "'%s': deeper than %u keys", path, PATH_DEPTH_MAX);
		comp = malloc(len + 1);
		if (!comp)
			return fail(w, -E_NOMEM, "out of memory");
		memcpy(comp, p, len);
		comp[len] = '\0';
		rc = utf8_to_utf16(comp, &u, &n);
		free(comp);
		if (rc < 0)
			return fail(w, rc, "'%s': key name is not valid utf-8", path);
		if (n > KEY_NAME_MAX) {
			free(u);
			return fail(w, -E_LIMIT, "'%s': key name longer than %u characters", path, KEY_NAME_MAX);
		}
		found = sub_find(k, u, n, &at);
		free(u);
		if (found) {
			k = k->sub[at];
		} else if (!create) {
			return 0;
		} else {
			if (k->nsub == k->capsub) {
				const size_t cap = k->capsub ? k->capsub * 2 : 4;
				struct rw_key **s = realloc(k->sub, cap * sizeof(*s));

				if (!s)
					return fail(w, -E_NOMEM, "out of memory");
				k->sub = s;
				k->capsub = cap;
			}
			child = key_new(p, len);
			if (!child)
				return fail(w, -E_NOMEM, "out of memory");
			memmove(k->sub + at + 1, k->sub + at, (k->nsub - at) * sizeof(*k->sub));
			k->sub[at] = child;
			k->nsub++;
			k = child;
		}
		p += len;
	}
	*out = k;
	return 1;
}

int regf_writer_set_key_sd(struct regf_writer *w, const char *path,
			   const void *sd, size_t len)
{
	struct rw_key *k;
	uint8_t *copy = NULL;
	int rc;

	w->errmsg[0] = '\0';
	if (len > REGF_WRITER_SD_MAX)
		return fail(w, -E_LIMIT, "'%s': descriptor of %zu bytes is too large", path, len);
	if (len && len < 20)
		return fail(w, -E_USAGE, "'%s': a descriptor has at least 20 bytes", path);
	rc = key_walk(w, path, 1, &k);
	if (rc < 0)
		return rc;
	if (len) {
		copy = malloc(len);
		if (!copy)
			return fail(w, -E_NOMEM, "out of memory");
		memcpy(copy, sd, len);
	}
	free(k->sd);
	k->sd = copy;
	k->sdlen = len;
	return 0;
}

int regf_writer_add_key(struct regf_writer *w, const char *path)
{
	struct rw_key *k;
	int rc;

	w->errmsg[0] = '\0';
	rc = key_walk(w, path, 1, &k);
	return rc < 0 ? rc : 0;
}

int regf_writer_has_key(struct regf_writer *w, const char *path)
{
	struct rw_key *k;

	return key_walk(w, path, 0, &k) == 1;
}

static struct rw_value *value_find(struct rw_key *k, const uint16_t *u, size_t n)
{
	size_t i;

	for (i = 0; i < k->nval; i++)
		if (name_cmp(k->val[i].uname, k->val[i].ulen, u, n) == 0)
			return &k->val[i];
	return NULL;
}

int regf_writer_set_value(struct regf_writer *w, const char *key_path,
			  const char *name, uint32_t type,
			  const void *data, size_t len)
{
	struct rw_value nv, *v;
	struct rw_key *k;
	int rc;

	w->errmsg[0] = '\0';
	if (!name)
		name = "";
	if (len > REGF_WRITER_DATA_MAX)
		return fail(w, -E_LIMIT, "value '%s': %zu bytes of data, more than %u",
			    name, len, REGF_WRITER_DATA_MAX);
	if (len && !data)
		return fail(w, -E_USAGE, "value '%s': no data", name);
	rc = key_walk(w, key_path, 1, &k);
	if (rc < 0)
		return rc;
	memset(&nv, 0, sizeof(nv));
	nv.type = type;
	nv.len = len;
	nv.name = strdup(name);
	if (!nv.name)
		return fail(w, -E_NOMEM, "out of memory");
	rc = utf8_to_utf16(name, &nv.uname, &nv.ulen);
	if (rc < 0) {
		free(nv.name);
		return fail(w, rc, "value name is not valid utf-8");
	}
	if (nv.ulen > VALUE_NAME_MAX) {
		value_release(&nv);
		return fail(w, -E_LIMIT, "value name longer than %u characters", VALUE_NAME_MAX);
	}
	if (len) {
		nv.data = malloc(len);
		if (!nv.data) {
			value_release(&nv);
			return fail(w, -E_NOMEM, "out of memory");
		}
		memcpy(nv.data, data, len);
	}
	v = value_find(k, nv.uname, nv.ulen);
	if (v) {                /* replace in place, keep the position */
		value_release(v);
		*v = nv;
		return 0;
	}
	if (k->nval == k->capval) {
		const size_t cap = k->capval ? k->capval * 2 : 4;
		struct rw_value *a = realloc(k->val, cap * sizeof(*a));

		if (!a) {
			value_release(&nv);
			return fail(w, -E_NOMEM, "out of memory");
		}
		k->val = a;
		k->capval = cap;
	}
	k->val[k->nval++] = nv;
	return 0;
}

/* UTF-8 text -> UTF-16LE bytes with a NUL (malloc'd). */
static int text_utf16le(struct regf_writer *w, const char *utf8,
			uint8_t **out, size_t *len)
{
	uint16_t *u;
	size_t n, i;
	uint8_t *b;
	int rc = utf8_to_utf16(utf8 ? utf8 : "", &u, &n);

	if (rc < 0)
		return fail(w, rc, "string is not valid utf-8");
	b = malloc((n + 1) * 2);
	if (!b) {
		free(u);
		return fail(w, -E_NOMEM, "out of memory");
	}
	for (i = 0; i < n; i++)
		put_le16(b + 2 * i, u[i]);
	put_le16(b + 2 * n, 0);
	free(u);
	*out = b;
	*len = (n + 1) * 2;
	return 0;
}

static int set_text(struct regf_writer *w, const char *key, const char *name,
		    uint32_t type, const char *utf8)
{
	uint8_t *b;
	size_t len;
	int rc = text_utf16le(w, utf8, &b, &len);

	if (rc < 0)
		return rc;
	rc = regf_writer_set_value(w, key, name, type, b, len);
	free(b);
	return rc;
}

int regf_writer_set_sz(struct regf_writer *w, const char *key,
		       const char *name, const char *utf8)
{
	return set_text(w, key, name, REG_SZ, utf8);
}

int regf_writer_set_expand_sz(struct regf_writer *w, const char *key,
			      const char *name, const char *utf8)
{
	return set_text(w, key, name, REG_EXPAND_SZ, utf8);
}

int regf_writer_set_multi_sz(struct regf_writer *w, const char *key,
			     const char *name, const char *const *strs,
			     size_t n)
{
	uint8_t *all = NULL, *b, *na;
	size_t total = 0, len, i;
	int rc;

	for (i = 0; i < n; i++) {
		rc = text_utf16le(w, strs[i], &b, &len);
		if (rc < 0)
			goto out;
		na = realloc(all, total + len + 2);
		if (!na) {
			free(b);
			rc = fail(w, -E_NOMEM, "out of memory");
			goto out;
		}
		all = na;
		memcpy(all + total, b, len);
		total += len;
		free(b);
	}
	/* the terminating empty string */
	na = realloc(all, total + 2);
	if (!na) {
		rc = fail(w, -E_NOMEM, "out of memory");
		goto out;
	}
	all = na;
	put_le16(all + total, 0);
	total += 2;
	rc = regf_writer_set_value(w, key, name, REG_MULTI_SZ, all, total);
out:
	free(all);
	return rc;
}

int regf_writer_set_dword(struct regf_writer *w, const char *key,
			  const char *name, uint32_t v)
{
	uint8_t b[4];

	put_le32(b, v);
	return regf_writer_set_value(w, key, name, REG_DWORD, b, 4);
}

int regf_writer_set_qword(struct regf_writer *w, const char *key,
			  const char *name, uint64_t v)
{
	uint8_t b[8];

	put_le64(b, v);
	return regf_writer_set_value(w, key, name, REG_QWORD, b, 8);
}

int regf_writer_set_binary(struct regf_writer *w, const char *key,
			   const char *name, const void *data, size_t len)
{
	return regf_writer_set_value(w, key, name, REG_BINARY, data, len);
}

int regf_writer_delete_value(struct regf_writer *w, const char *key,
			     const char *name)
{
	struct rw_key *k;
	struct rw_value *v;
	uint16_t *u;
	size_t n;
	int rc;

	w->errmsg[0] = '\0';
	rc = key_walk(w, key, 0, &k);
	if (rc <= 0)
		return rc;
	rc = utf8_to_utf16(name ? name : "", &u, &n);
	if (rc < 0)
		return fail(w, rc, "value name is not valid utf-8");
	v = value_find(k, u, n);
	free(u);
	if (!v)
		return 0;
	value_release(v);
	memmove(v, v + 1, (size_t)(k->val + k->nval - (v + 1)) * sizeof(*v));
	k->nval--;
	return 1;
}

/* ---- serialising ------------------------------------------------------ */

struct ser {
	struct regf_writer *w;
	uint8_t *p;             /* hive bins data */
	size_t len, cap;        /* len = end of the current hive bin */
	size_t bin_start;       /* current hive bin */
	size_t pos;             /* next free byte in it */
	unsigned minor;
	uint32_t sk_off;        /* the shared default descriptor */
	uint32_t nkeys;
	/* every sk cell, the default first: one per distinct descriptor,
	 * with the keys pointing at it */
	struct ser_sk { const uint8_t *sd; size_t len; uint32_t off, refs; } *sks;
	size_t nsks, capsks;
	uint8_t default_sd[160];
	size_t default_sdlen;
};

static int ser_grow(struct ser *s, size_t need)
{
	size_t cap = s->cap ? s->cap : 65536;
	uint8_t *np;

	if (need <= s->cap)
		return 0;
	while (cap < need)
		cap *= 2;
	np = realloc(s->p, cap);
	if (!np)
		return fail(s->w, -E_NOMEM, "out of memory");
	memset(np + s->cap, 0, cap - s->cap);
	s->p = np;
	s->cap = cap;
	return 0;
}

/* The unused end of the current hive bin becomes one free cell. */
static void ser_close_bin(struct ser *s)
{
	if (s->len && s->pos < s->len)
		put_le32(s->p + s->pos, (uint32_t)(s->len - s->pos));
	s->pos = s->len;
}

/* Allocate a cell for datalen bytes; returns its offset (relative to the
 * hive bins data) in *off.  The data is at s->p + *off + 4, zeroed. */
static int ser_alloc(struct ser *s, size_t datalen, uint32_t *off)
{
	const size_t need = (4 + datalen + 7) & ~(size_t)7;
	int rc;

	if (need > 0x7ffff000u)
		return fail(s->w, -E_LIMIT, "cell of %zu bytes is too large", need);
	if (s->len == 0 || s->pos + need > s->len) {
		size_t bsize = (HBIN_HEADER + need + HBIN_ALIGN - 1) & ~(size_t)(HBIN_ALIGN - 1);
		uint8_t *h;

		ser_close_bin(s);
		if (s->len + bsize > 0x7fffffffu - BASE_BLOCK_SIZE)
			return fail(s->w, -E_LIMIT, "hive larger than 2 GiB");
		rc = ser_grow(s, s->len + bsize);
		if (rc < 0)
			return rc;
		s->bin_start = s->len;
		h = s->p + s->bin_start;
		memcpy(h, "hbin", 4);                           /* 0x00 */
		put_le32(h + 0x04, (uint32_t)s->bin_start);     /* 0x04 offset */
		put_le32(h + 0x08, (uint32_t)bsize);            /* 0x08 size */
		/* 0x14: only the first bin carries a timestamp (Suhanov) */
		if (s->bin_start == 0)
			put_le64(h + 0x14, s->w->filetime);
		s->len += bsize;
		s->pos = s->bin_start + HBIN_HEADER;
	}
	*off = (uint32_t)s->pos;
	put_le32(s->p + s->pos, (uint32_t)-(int32_t)need);
	s->pos += need;
	return 0;
}

static uint8_t *cell(struct ser *s, uint32_t off)
{
	return s->p + off + 4;
}

/* A self-relative security descriptor (MS-DTYP 2.4.6) for every key:
 * O:BA G:SY D:(A;CI;KA;;;SY)(A;CI;KA;;;BA)(A;CI;KR;;;BU). */
static size_t default_sd(uint8_t *b)
{
	static const uint8_t sid_sy[12] = { 1, 1, 0, 0, 0, 0, 0, 5, 18, 0, 0, 0 };
	static const uint8_t sid_ba[16] = { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x20, 2, 0, 0 };
	static const uint8_t sid_bu[16] = { 1, 2, 0, 0, 0, 0, 0, 5, 32, 0, 0, 0, 0x21, 2, 0, 0 };
	static const struct { const uint8_t *sid; size_t len; uint32_t mask; } ace[3] = {
		{ sid_sy, sizeof(sid_sy), 0x000f003fu },   /* KEY_ALL_ACCESS */
		{ sid_ba, sizeof(sid_ba), 0x000f003fu },
		{ sid_bu, sizeof(sid_bu), 0x00020019u },   /* KEY_READ */
	};
	const size_t acl = 20;
	size_t pos, i;

	memset(b, 0, 20);
	b[0] = 1;                                       /* 0x00 revision */
	put_le16(b + 2, 0x8004);                        /* 0x02 SE_SELF_RELATIVE | SE_DACL_PRESENT */
	pos = acl + 8;
	for (i = 0; i < 3; i++) {
		b[pos] = 0;                             /* ACCESS_ALLOWED_ACE_TYPE */
		b[pos + 1] = 0x02;                      /* CONTAINER_INHERIT_ACE */
		put_le16(b + pos + 2, (uint16_t)(8 + ace[i].len));
		put_le32(b + pos + 4, ace[i].mask);
		memcpy(b + pos + 8, ace[i].sid, ace[i].len);
		pos += 8 + ace[i].len;
	}
	b[acl] = 2;                                     /* ACL_REVISION */
	b[acl + 1] = 0;
	put_le16(b + acl + 2, (uint16_t)(pos - acl));   /* AclSize */
	put_le16(b + acl + 4, 3);                       /* AceCount */
	put_le16(b + acl + 6, 0);
	put_le32(b + 0x10, (uint32_t)acl);              /* 0x10 DACL */
	put_le32(b + 0x04, (uint32_t)pos);              /* 0x04 owner */
	memcpy(b + pos, sid_ba, sizeof(sid_ba));
	pos += sizeof(sid_ba);
	put_le32(b + 0x08, (uint32_t)pos);              /* 0x08 group */
	memcpy(b + pos, sid_sy, sizeof(sid_sy));
	pos += sizeof(sid_sy);
	return pos;
}

/* The sk cell holding sd (one per distinct descriptor: keys with the same
 * bytes share it, as Windows shares them); *off its offset.  The list
 * links and reference counts are written at the end (ser_sk_finish). */
static int ser_sk_get(struct ser *s, const uint8_t *sd, size_t sdlen, uint32_t *off)
{
	struct ser_sk *e;
	uint8_t *c;
	size_t i;
	int rc;

	for (i = 0; i < s->nsks; i++)
		if (s->sks[i].len == sdlen && memcmp(s->sks[i].sd, sd, sdlen) == 0) {
			s->sks[i].refs++;
			*off = s->sks[i].off;
			return 0;
		}
	if (s->nsks == s->capsks) {
		const size_t cap = s->capsks ? s->capsks * 2 : 8;
		struct ser_sk *p = realloc(s->sks, cap * sizeof(*p));

		if (!p)
			return fail(s->w, -E_NOMEM, "out of memory");
		s->sks = p;
		s->capsks = cap;
	}
	e = &s->sks[s->nsks];
	rc = ser_alloc(s, 0x14 + sdlen, &e->off);
	if (rc < 0)
		return rc;
	e->sd = sd;
	e->len = sdlen;
	e->refs = 1;
	s->nsks++;
	c = cell(s, e->off);
	memcpy(c, "sk", 2);                             /* 0x00 */
	/* 0x04 flink, 0x08 blink, 0x0c reference count: ser_sk_finish */
	put_le32(c + 0x10, (uint32_t)sdlen);            /* 0x10 descriptor size */
	memcpy(c + 0x14, sd, sdlen);
	*off = e->off;
	return 0;
}

/* The sk cells form one circular, doubly linked list (in allocation
 * order); each counts the keys pointing at it. */
static void ser_sk_finish(struct ser *s)
{
	size_t i;

	for (i = 0; i < s->nsks; i++) {
		uint8_t *c = cell(s, s->sks[i].off);

		put_le32(c + 0x04, s->sks[(i + 1) % s->nsks].off);          /* 0x04 flink */
		put_le32(c + 0x08, s->sks[(i + s->nsks - 1) % s->nsks].off); /* 0x08 blink */
		put_le32(c + 0x0c, s->sks[i].refs);                          /* 0x0c references */
	}
}

static int ser_sk(struct ser *s, const uint8_t *sd, size_t sdlen)
{
	int rc = ser_sk_get(s, sd, sdlen, &s->sk_off);

	if (rc == 0)
		s->sks[0].refs = 0;   /* counted per key in ser_key */
	return rc;
}

/* Name bytes as stored: ASCII names compressed to one byte a character
 * (KEY_COMP_NAME / VALUE_COMP_NAME), others UTF-16LE. */
static size_t stored_name_len(const uint16_t *u, size_t n)
{
	return is_ascii(u, n) ? n : 2 * n;
}

static void put_name(uint8_t *dst, const uint16_t *u, size_t n)
{
	size_t i;

	if (is_ascii(u, n)) {
		for (i = 0; i < n; i++)
			dst[i] = (uint8_t)u[i];
	} else {
		for (i = 0; i < n; i++)
			put_le16(dst + 2 * i, u[i]);
	}
}

static int ser_value(struct ser *s, const struct rw_value *v, uint32_t *voff)
{
	const size_t nlen = stored_name_len(v->uname, v->ulen);
	uint32_t off, data_off = NIL, size_field;
	uint8_t *c;
	int rc = ser_alloc(s, 0x14 + nlen, &off);

	if (rc < 0)
		return rc;
	if (v->len <= 4) {
		/* small data lives in the offset field (size MSB set), from
		 * its first byte: a Windows 10 SYSTEM hive stores the 1-byte
		 * "Controller" = 1 as 01 00 00 00 (libregf 20201007 reads 1 to
		 * 3 bytes from the end of the field instead) */
		uint8_t inl[4] = { 0, 0, 0, 0 };

		if (v->len)
			memcpy(inl, v->data, v->len);
		data_off = le32(inl);
		size_field = 0x80000000u | (uint32_t)v->len;
	} else if (v->len > BIG_DATA_SEGMENT && s->minor >= 4) {
		/* 1.4+: a db record, a segment list, segments of 16344 bytes */
		const size_t nseg = (v->len + BIG_DATA_SEGMENT - 1) / BIG_DATA_SEGMENT;
		uint32_t db, list, seg;
		size_t i;

		if (nseg > 0xffff)
			return fail(s->w, -E_LIMIT, "value '%s' needs too many segments", v->name);
		rc = ser_alloc(s, 12, &db);
		if (rc < 0)
			return rc;
		rc = ser_alloc(s, 4 * nseg, &list);
		if (rc < 0)
			return rc;
		for (i = 0; i < nseg; i++) {
			const size_t from = i * BIG_DATA_SEGMENT;
			const size_t n = v->len - from < BIG_DATA_SEGMENT ? v->len - from : BIG_DATA_SEGMENT;

			/* libregf 20201007 drops a last segment held in an
			 * 8-byte cell, so give every segment 8+ data bytes */
			rc = ser_alloc(s, n < 8 ? 8 : n, &seg);
			if (rc < 0)
				return rc;
			memcpy(cell(s, seg), v->data + from, n);
			put_le32(cell(s, list) + 4 * i, seg);
		}
		c = cell(s, db);
		memcpy(c, "db", 2);                     /* 0x00 */
		put_le16(c + 0x02, (uint16_t)nseg);     /* 0x02 segments */
		put_le32(c + 0x04, list);               /* 0x04 segment list */
		data_off = db;
		size_field = (uint32_t)v->len;
	} else {
		rc = ser_alloc(s, v->len, &data_off);
		if (rc < 0)
			return rc;
		memcpy(cell(s, data_off), v->data, v->len);
		size_field = (uint32_t)v->len;
	}
	c = cell(s, off);
	memcpy(c, "vk", 2);                             /* 0x00 */
	put_le16(c + 0x02, (uint16_t)nlen);             /* 0x02 name length */
	put_le32(c + 0x04, size_field);                 /* 0x04 data size */
	put_le32(c + 0x08, data_off);                   /* 0x08 data offset */
	put_le32(c + 0x0c, v->type);                    /* 0x0c type */
	put_le16(c + 0x10, is_ascii(v->uname, v->ulen) ? VALUE_COMP_NAME : 0); /* 0x10 flags */
	put_name(c + 0x14, v->uname, v->ulen);          /* 0x14 name */
	*voff = off;
	return 0;
}

/* One lf (1.3) or lh (1.5) leaf over subkeys [from, from + n). */
static int ser_leaf(struct ser *s, const struct rw_key *k, size_t from,
		    size_t n, uint32_t *out)
{
	uint32_t off;
	uint8_t *c;
	size_t i;
	int rc = ser_alloc(s, 4 + 8 * n, &off);

	if (rc < 0)
		return rc;
	c = cell(s, off);
	memcpy(c, s->minor >= 5 ? "lh" : "lf", 2);      /* 0x00 */
	put_le16(c + 2, (uint16_t)n);                   /* 0x02 elements */
	for (i = 0; i < n; i++) {
		const struct rw_key *sk = k->sub[from + i];
		uint8_t *e = c + 4 + 8 * i;

		put_le32(e, sk->off);                   /* key node offset */
		if (s->minor >= 5) {
			put_le32(e + 4, lh_hash(sk->uname, sk->ulen));
		} else {
			/* lf name hint: the first four characters */
			size_t j;

			for (j = 0; j < 4 && j < sk->ulen; j++)
				e[4 + j] = (uint8_t)sk->uname[j];
		}
	}
	*out = off;
	return 0;
}

static int ser_sublist(struct ser *s, const struct rw_key *k, uint32_t *out)
{
	const size_t nleaves = (k->nsub + REGF_WRITER_LEAF_MAX - 1) / REGF_WRITER_LEAF_MAX;
	uint32_t ri, leaf;
	size_t i;
	int rc;

	if (k->nsub == 0) {
		*out = NIL;
		return 0;
	}
	if (nleaves == 1)
		return ser_leaf(s, k, 0, k->nsub, out);
	if (nleaves > 0xffff)
		return fail(s->w, -E_LIMIT, "key '%s' has too many subkeys", k->name);
	rc = ser_alloc(s, 4 + 4 * nleaves, &ri);
	if (rc < 0)
		return rc;
	memcpy(cell(s, ri), "ri", 2);
	put_le16(cell(s, ri) + 2, (uint16_t)nleaves);
	for (i = 0; i < nleaves; i++) {
		const size_t from = i * REGF_WRITER_LEAF_MAX;
		const size_t n = k->nsub - from < REGF_WRITER_LEAF_MAX ? k->nsub - from : REGF_WRITER_LEAF_MAX;

		rc = ser_leaf(s, k, from, n, &leaf);
		if (rc < 0)
			return rc;
		put_le32(cell(s, ri) + 4 + 4 * i, leaf);
	}
	*out = ri;
	return 0;
}

static int ser_key(struct ser *s, struct rw_key *k, uint32_t parent, int is_root)
{
	const size_t nlen = stored_name_len(k->uname, k->ulen);
	uint32_t off, vlist = NIL, slist, max_sub = 0, max_vname = 0, max_data = 0, k_sk;
	uint8_t *c;
	size_t i;
	int rc = ser_alloc(s, 0x4c + nlen, &off);

	if (rc < 0)
		return rc;
	k->off = off;
	s->nkeys++;
	if (is_root) {
		rc = ser_sk(s, s->default_sd, s->default_sdlen);
		if (rc < 0)
			return rc;
	}
	if (k->sd) {
		rc = ser_sk_get(s, k->sd, k->sdlen, &k_sk);
		if (rc < 0)
			return rc;
	} else {
		k_sk = s->sk_off;
		s->sks[0].refs++;
	}
	if (k->nval) {
		rc = ser_alloc(s, 4 * k->nval, &vlist);
		if (rc < 0)
			return rc;
		for (i = 0; i < k->nval; i++) {
			uint32_t voff = NIL;

			rc = ser_value(s, &k->val[i], &voff);
			if (rc < 0)
				return rc;
			put_le32(cell(s, vlist) + 4 * i, voff);
			if (k->val[i].ulen * 2 > max_vname)
				max_vname = (uint32_t)k->val[i].ulen * 2;
			if (k->val[i].len > max_data)
				max_data = (uint32_t)k->val[i].len;
		}
	}
	for (i = 0; i < k->nsub; i++) {
		rc = ser_key(s, k->sub[i], off, 0);
		if (rc < 0)
			return rc;
		/* lengths in bytes of the UTF-16 name, as Windows keeps them */
		if (k->sub[i]->ulen * 2 > max_sub)
			max_sub = (uint32_t)k->sub[i]->ulen * 2;
	}
	rc = ser_sublist(s, k, &slist);
	if (rc < 0)
		return rc;
	c = cell(s, off);
	memcpy(c, "nk", 2);                             /* 0x00 */
	put_le16(c + 0x02, (uint16_t)((is_ascii(k->uname, k->ulen) ? KEY_COMP_NAME : 0) |
				      (is_root ? KEY_HIVE_ENTRY | KEY_NO_DELETE : 0)));
	put_le64(c + 0x04, s->w->filetime);             /* 0x04 last written */
	put_le32(c + 0x10, parent);                     /* 0x10 parent */
	put_le32(c + 0x14, (uint32_t)k->nsub);          /* 0x14 subkeys */
	put_le32(c + 0x18, 0);                          /* 0x18 volatile subkeys */
	put_le32(c + 0x1c, slist);                      /* 0x1c subkey list */
	put_le32(c + 0x20, NIL);                        /* 0x20 volatile list */
	put_le32(c + 0x24, (uint32_t)k->nval);          /* 0x24 values */
	put_le32(c + 0x28, vlist);                      /* 0x28 value list */
	put_le32(c + 0x2c, k_sk);                       /* 0x2c security */
	put_le32(c + 0x30, NIL);                        /* 0x30 class name: none */
	put_le32(c + 0x34, max_sub);                    /* 0x34 largest subkey name */
	put_le32(c + 0x38, 0);                          /* 0x38 largest class name */
	put_le32(c + 0x3c, max_vname);                  /* 0x3c largest value name */
	put_le32(c + 0x40, max_data);                   /* 0x40 largest value data */
	put_le16(c + 0x48, (uint16_t)nlen);             /* 0x48 name length */
	put_le16(c + 0x4a, 0);                          /* 0x4a class name length */
	put_name(c + 0x4c, k->uname, k->ulen);          /* 0x4c name */
	return 0;
}

int regf_writer_serialize(struct regf_writer *w, unsigned minor,
			  uint32_t seq1, uint32_t seq2,
			  uint8_t **out, size_t *len)
{
	struct ser s;
	uint8_t *f, *bb;
	int rc;

	w->errmsg[0] = '\0';
	*out = NULL;
	*len = 0;
	if (minor != 3 && minor != 5)
		return fail(w, -E_USAGE, "minor version %u: only 3 and 5 are written", minor);
	memset(&s, 0, sizeof(s));
	s.w = w;
	s.minor = minor;
	s.default_sdlen = default_sd(s.default_sd);
	rc = ser_key(&s, w->root, NIL, 1);
	if (rc < 0)
		goto out;
	ser_close_bin(&s);
	ser_sk_finish(&s);

	f = malloc(BASE_BLOCK_SIZE + s.len);
	if (!f) {
		rc = fail(w, -E_NOMEM, "out of memory");
		goto out;
	}
	bb = f;
	memset(bb, 0, BASE_BLOCK_SIZE);
	memcpy(bb, "regf", 4);                          /* 0x00 */
	put_le32(bb + 0x04, seq1);                      /* 0x04 primary sequence */
	put_le32(bb + 0x08, seq2);                      /* 0x08 secondary sequence */
	put_le64(bb + 0x0c, w->filetime);               /* 0x0c last written */
	put_le32(bb + 0x14, 1);                         /* 0x14 major */
	put_le32(bb + 0x18, minor);                     /* 0x18 minor */
	put_le32(bb + 0x1c, 0);                         /* 0x1c file type: primary */
	put_le32(bb + 0x20, 1);                         /* 0x20 format: direct memory load */
	put_le32(bb + 0x24, w->root->off);              /* 0x24 root cell */
	put_le32(bb + 0x28, (uint32_t)s.len);           /* 0x28 hive bins data size */
	put_le32(bb + 0x2c, 1);                         /* 0x2c clustering factor */
	put_le32(bb + 0x1fc, regf_checksum(bb));        /* 0x1fc checksum */
	memcpy(f + BASE_BLOCK_SIZE, s.p, s.len);
	*out = f;
	*len = BASE_BLOCK_SIZE + s.len;
	rc = 0;
out:
	free(s.p);
	free(s.sks);
	return rc;
}

int regf_writer_write_file(struct regf_writer *w, const char *path,
			   unsigned minor, uint32_t seq1, uint32_t seq2)
{
	uint8_t *b;
	size_t len;
	FILE *f;
	int rc = regf_writer_serialize(w, minor, seq1, seq2, &b, &len);
	int ok;

	if (rc < 0)
		return rc;
	f = fopen(path, "wb");
	if (!f) {
		free(b);
		return fail(w, -E_IO, "cannot create '%s'", path);
	}
	ok = fwrite(b, 1, len, f) == len;
	ok = (fclose(f) == 0) && ok;
	free(b);
	return ok ? 0 : fail(w, -E_IO, "cannot write '%s'", path);
}

/* ---- transaction logs ---------------------------------------------------
 * Layouts: see parsers/hivelog.c (libyal REGF document, "Transaction log"
 * sections, and M. Suhanov's specification). */

#define LOG_BASE_BLOCK  512u
#define LOG_PAGE        4096u   /* Windows tracks dirty data in 4 KiB blocks */

/* Check a serialised hive; its hive bins size in *hbins. */
static int hive_ok(const uint8_t *h, size_t len, uint32_t *hbins)
{
	if (!h || len < BASE_BLOCK_SIZE || memcmp(h, "regf", 4) != 0)
		return -E_USAGE;
	*hbins = le32(h + 0x28);
	if (*hbins % LOG_PAGE || BASE_BLOCK_SIZE + (size_t)*hbins > len)
		return -E_USAGE;
	return 0;
}

/* Is 4 KiB page p (offset in hive bins data) of new different from old? */
static int page_changed(const uint8_t *old_hive, size_t old_len,
			const uint8_t *new_hive, size_t p)
{
	const size_t at = BASE_BLOCK_SIZE + p;

	if (at + LOG_PAGE > old_len)
		return 1;
	return memcmp(old_hive + at, new_hive + at, LOG_PAGE) != 0;
}

/* The log's base block: new's first 512 bytes, sequence numbers equal
 * (a log is complete), its file type, its checksum. */
static void log_base_block(uint8_t *bb, const uint8_t *new_hive, uint32_t seq,
			   uint32_t type)
{
	memcpy(bb, new_hive, LOG_BASE_BLOCK);
	put_le32(bb + 0x04, seq);
	put_le32(bb + 0x08, seq);
	put_le32(bb + 0x1c, type);
	put_le32(bb + 0x1fc, regf_checksum(bb));
}

int regf_log_write_new(const uint8_t *old_hive, size_t old_len,
		       const uint8_t *new_hive, size_t new_len,
		       const struct regf_log_options *opt,
		       uint8_t **out, size_t *out_len)
{
	uint32_t hbins, old_hbins, seq;
	size_t npages = 0, per, nentries, i, p, size, total, pos;
	size_t *pages = NULL;
	uint8_t *b;

	*out = NULL;
	*out_len = 0;
	if (hive_ok(old_hive, old_len, &old_hbins) < 0 || hive_ok(new_hive, new_len, &hbins) < 0)
		return -E_USAGE;
	seq = opt && opt->sequence ? opt->sequence : le32(old_hive + 0x04);
	pages = malloc((hbins / LOG_PAGE + 1) * sizeof(*pages));
	if (!pages)
		return -E_NOMEM;
	for (p = 0; p < hbins; p += LOG_PAGE)
		if (page_changed(old_hive, old_len, new_hive, p))
			pages[npages++] = p;
	per = opt && opt->pages_per_entry ? opt->pages_per_entry : (npages ? npages : 1);
	nentries = (npages + per - 1) / per;
	/* every entry: header, references, pages, padded to 512 bytes */
	size = (40 + 8 * per + LOG_PAGE * per + 511) & ~(size_t)511;
	total = LOG_BASE_BLOCK + nentries * size;
	b = calloc(1, total);
	if (!b) {
		free(pages);
		return -E_NOMEM;
	}
	log_base_block(b, new_hive, seq, 6);
	pos = LOG_BASE_BLOCK;
	for (i = 0; i < nentries; i++) {
		const size_t first = i * per;
		const size_t n = npages - first < per ? npages - first : per;
		const size_t esize = (40 + 8 * n + LOG_PAGE * n + 511) & ~(size_t)511;
		uint8_t *e = b + pos;
		size_t k;

		memcpy(e, "HvLE", 4);                           /* 0x00 */
		put_le32(e + 0x04, (uint32_t)esize);            /* 0x04 size */
		put_le32(e + 0x08, 0);                          /* 0x08 flags */
		put_le32(e + 0x0c, seq + (uint32_t)i);          /* 0x0c sequence */
		put_le32(e + 0x10, hbins);                      /* 0x10 hive bins size */
		put_le32(e + 0x14, (uint32_t)n);                /* 0x14 dirty pages */
		for (k = 0; k < n; k++) {
			put_le32(e + 40 + 8 * k, (uint32_t)pages[first + k]);
			put_le32(e + 40 + 8 * k + 4, LOG_PAGE);
			memcpy(e + 40 + 8 * n + LOG_PAGE * k,
			       new_hive + BASE_BLOCK_SIZE + pages[first + k], LOG_PAGE);
		}
		/* 0x18 Hash-1 over the entry from 0x28, 0x20 Hash-2 over the
		 * first 32 bytes (Hash-1 included); a spoiled Hash-1 keeps a
		 * good Hash-2, so the replayer must check both */
		put_le64(e + 0x18, hivelog_marvin32(e + 40, esize - 40, HIVELOG_MARVIN_SEED) ^
			 (opt && opt->corrupt_entry >= 0 && (size_t)opt->corrupt_entry == i ? 1u : 0u));
		put_le64(e + 0x20, hivelog_marvin32(e, 32, HIVELOG_MARVIN_SEED));
		pos += esize;
	}
	free(pages);
	*out = b;
	*out_len = pos;
	return (int)nentries;
}

int regf_log_write_old(const uint8_t *old_hive, size_t old_len,
		       const uint8_t *new_hive, size_t new_len,
		       const struct regf_log_options *opt,
		       uint8_t **out, size_t *out_len)
{
	uint32_t hbins, old_hbins, seq;
	size_t bitmap, start, nset = 0, p, k;
	uint8_t *b;

	*out = NULL;
	*out_len = 0;
	if (hive_ok(old_hive, old_len, &old_hbins) < 0 || hive_ok(new_hive, new_len, &hbins) < 0)
		return -E_USAGE;
	seq = opt && opt->sequence ? opt->sequence : le32(old_hive + 0x04);
	bitmap = hbins / LOG_PAGE;              /* one bit per 512 bytes */
	start = (LOG_BASE_BLOCK + 4 + bitmap + 511) & ~(size_t)511;
	for (p = 0; p < hbins; p += LOG_PAGE)
		nset += page_changed(old_hive, old_len, new_hive, p) ? LOG_PAGE / 512 : 0;
	b = calloc(1, start + 512 * nset);
	if (!b)
		return -E_NOMEM;
	log_base_block(b, new_hive, seq, 1);
	if (opt && opt->corrupt_entry >= 0)
		b[0x1fc] ^= 1;
	memcpy(b + LOG_BASE_BLOCK, "DIRT", 4);
	k = 0;
	for (p = 0; p < hbins; p += LOG_PAGE) {
		if (!page_changed(old_hive, old_len, new_hive, p))
			continue;
		/* a 4 KiB block is eight 512-byte pages: one bitmap byte */
		b[LOG_BASE_BLOCK + 4 + p / LOG_PAGE] = 0xff;
		memcpy(b + start + 512 * k, new_hive + BASE_BLOCK_SIZE + p, LOG_PAGE);
		k += LOG_PAGE / 512;
	}
	*out = b;
	*out_len = start + 512 * nset;
	return (int)nset;
}
