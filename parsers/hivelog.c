/* Registry transaction log replay (see hivelog.h).
 *
 * Format facts.  Sources: the libyal "Windows NT Registry File (REGF)
 * format" document (libregf, documentation/: "File header", "File types",
 * "The transaction log variant 1 and 2 file", "Dirty vector") and the
 * specification it cites as [SHUANOV15], M. Suhanov's "Windows registry
 * file format specification" ("Format of transaction log files", "Dirty
 * state of a hive", "Multiple transaction log files").
 *
 * Base block (primary: 4096 bytes; a log holds its first 512):
 *   0x00 "regf"  0x04 primary sequence  0x08 secondary sequence
 *   0x0c last written FILETIME  0x14 major 1  0x18 minor
 *   0x1c file type: 0 primary, 1 or 2 old-format log, 6 new-format log
 *   0x24 root cell offset  0x28 hive bins data size  0x90 flags (Win10)
 *   0x1fc checksum: XOR-32 of the 127 dwords before it; Windows stores 0
 *         as 1 and 0xffffffff as 0xfffffffe.
 *   A hive is dirty when the sequences differ or the checksum fails.  A
 *   log is usable when its own base block is valid and not dirty.
 * Hive bins data starts at primary offset 4096; page and cell offsets are
 * relative to it.
 *
 * New format (file type 6, Windows 8.1+): log entries from offset 512,
 * each at a 512-byte boundary:
 *   0x00 "HvLE"  0x04 entry size (multiple of 512)  0x08 flags
 *   0x0c sequence number  0x10 hive bins data size  0x14 dirty page count
 *   0x18 Hash-1: Marvin32 of bytes [0x28, size)
 *   0x20 Hash-2: Marvin32 of bytes [0x00, 0x20) (so after Hash-1)
 *   0x28 page references {u32 offset, u32 size} x count, then the pages
 *        back to back.
 *   Marvin32 seed 0x82EF4D887A4E55C5 (HIVELOG_MARVIN_SEED).  Entries of a
 *   log carry consecutive sequence numbers from the log base block's
 *   primary sequence number on; recovery stops at the first entry with a
 *   bad signature, size, hive bins size, page count, hash or sequence
 *   (remnants of older entries follow the last one).  With two logs, the
 *   one with the lower sequence goes first and the other continues it
 *   only when its sequence follows the last entry applied; a log older
 *   than the primary's secondary sequence does not apply.  When the
 *   primary base block is bad, it is rebuilt from the newer log's and
 *   only that log is applied (as Windows does, per [SHUANOV15]).
 *   After replay: both sequences = the last entry's, hive bins size = the
 *   last entry's, flags bit 0 = the last entry's flags bit 0.
 *
 * Old format (file type 1 or 2, Windows XP to 8): at offset 512 "DIRT",
 *   then a bitmap with one bit (LSB first) per 512-byte page of the hive
 *   bins data (hive bins size / 4096 bytes), then from the next 512-byte
 *   boundary the dirty pages, 512 bytes each, in bitmap order.  The log
 *   applies when its last written timestamp is not older than the
 *   primary's (the first hive bin's timestamp when the primary base block
 *   is bad); a dirty page that starts a hive bin must carry that bin's
 *   own offset.  The whole log is one unit: it applies completely or not.
 *
 * The result mirrors what yarp (M. Suhanov's reference implementation)
 * saves: the primary's base block (or the log's) with the sequence
 * numbers, hive bins size, root cell offset, flags, file type 0 and
 * checksum updated, followed by the replayed hive bins data, at least as
 * long as the primary and as the hive bins size says. */
#include "hivelog.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"

#define BASE_BLOCK       4096u
#define LOG_BASE_BLOCK   512u
#define HBIN_ALIGN       4096u
#define SECTOR           512u
#define ENTRY_HEADER     40u

#define FT_PRIMARY       0u
#define FT_LOG_OLD       1u
#define FT_LOG_VERYOLD   2u
#define FT_LOG_NEW       6u

struct loginfo {
	const uint8_t *p;
	size_t len;
	unsigned bit;           /* HIVELOG_LOG1 / HIVELOG_LOG2 */
	const char *name;       /* "log1" / "log2" */
	int usable;
	int is_new;
	uint32_t seq;
	uint64_t ts;
	char why[96];           /* why it is not usable */
};

struct replay {
	const uint8_t *primary;
	size_t plen;
	uint8_t *out;           /* the copy being replayed */
	size_t len;
	struct hivelog_result *res;
	struct err *err;
	uint32_t hbins;         /* hive bins size of the last entry applied */
	uint32_t entry_flags;   /* flags of the last entry applied */
	const uint8_t *log_bb;  /* base block of the last log applied */
};

/* ---- primitives --------------------------------------------------------- */

static int bb_valid(const uint8_t *bb)
{
	return memcmp(bb, "regf", 4) == 0 && le32(bb + 0x1fc) == hivelog_checksum(bb);
}

/* a came before b, sequence numbers wrapping at 2^32 */
static int seq_before(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0;
}

static void add_stop(struct hivelog_result *res, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Append one reason to res->stop ("; "-separated). */
static void add_stop(struct hivelog_result *res, const char *fmt, ...)
{
	size_t used = strlen(res->stop);
	va_list ap;

	if (used && used + 2 < sizeof(res->stop)) {
		memcpy(res->stop + used, "; ", 3);
		used += 2;
	}
	if (used + 1 >= sizeof(res->stop))
		return;
	va_start(ap, fmt);
	vsnprintf(res->stop + used, sizeof(res->stop) - used, fmt, ap);
	va_end(ap);
}

void hivelog_result_init(struct hivelog_result *res)
{
	memset(res, 0, sizeof(*res));
	res->format = "none";
}

void hivelog_result_release(struct hivelog_result *res)
{
	if (!res)
		return;
	free(res->data);
	hivelog_result_init(res);
}

int hivelog_is_dirty(const uint8_t *primary, size_t plen, struct err *err)
{
	if (!primary || plen < BASE_BLOCK)
		return err_set(err, -E_FORMAT, "%zu bytes, shorter than a 4096-byte base block", plen);
	if (memcmp(primary, "regf", 4) != 0)
		return err_set(err, -E_FORMAT, "no regf signature");
	return !bb_valid(primary) || le32(primary + 0x04) != le32(primary + 0x08);
}

/* ---- logs --------------------------------------------------------------- */

static void log_inspect(struct loginfo *L)
{
	uint32_t type;

	L->usable = 0;
	if (!L->p || L->len == 0) {
		snprintf(L->why, sizeof(L->why), "absent");
		return;
	}
	if (L->len > LIMIT_HIVELOG_SIZE) {
		snprintf(L->why, sizeof(L->why), "%zu bytes, over LIMIT_HIVELOG_SIZE", L->len);
		return;
	}
	if (L->len < LOG_BASE_BLOCK) {
		snprintf(L->why, sizeof(L->why), "%zu bytes, shorter than its base block", L->len);
		return;
	}
	if (memcmp(L->p, "regf", 4) != 0) {
		snprintf(L->why, sizeof(L->why), "no regf signature");
		return;
	}
	if (le32(L->p + 0x1fc) != hivelog_checksum(L->p)) {
		snprintf(L->why, sizeof(L->why), "base block checksum 0x%08x, computed 0x%08x",
			 le32(L->p + 0x1fc), hivelog_checksum(L->p));
		return;
	}
	L->seq = le32(L->p + 0x04);
	if (L->seq != le32(L->p + 0x08)) {
		snprintf(L->why, sizeof(L->why), "log is itself incomplete (sequence %u/%u)",
			 L->seq, le32(L->p + 0x08));
		return;
	}
	type = le32(L->p + 0x1c);
	if (type == FT_LOG_NEW) {
		L->is_new = 1;
	} else if (type == FT_LOG_OLD || type == FT_LOG_VERYOLD) {
		L->is_new = 0;
	} else {
		snprintf(L->why, sizeof(L->why), "file type %u is not a log", type);
		return;
	}
	L->ts = le64(L->p + 0x0c);
	L->usable = 1;
}

/* Zero bytes kept after the replayed hive: readers of memory buffers
 * (libbfio 20170123's memory range) may copy past the end. */
#define OUT_SLACK 65536u

/* Make the copy at least n bytes long (new bytes zero). */
static int out_grow(struct replay *r, size_t n)
{
	uint8_t *p;

	if (n <= r->len)
		return 0;
	if (n > LIMIT_HIVE_SIZE)
		return err_set(r->err, -E_LIMIT, "replayed hive of %zu bytes over LIMIT_HIVE_SIZE", n);
	p = realloc(r->out, n + OUT_SLACK);
	if (!p)
		return err_set(r->err, -E_NOMEM, "out of memory for a %zu-byte hive", n);
	memset(p + r->len, 0, n + OUT_SLACK - r->len);
	r->out = p;
	r->len = n;
	return 0;
}

/* Check one HvLE entry at off; 1 valid (fields returned), 0 not (the
 * reason in why). */
static int entry_check(const struct loginfo *L, size_t off, uint32_t expected,
		       char *why, size_t whylen)
{
	const uint8_t *e = L->p + off;
	const size_t avail = L->len - off;
	uint32_t size, hbins, count, i;
	uint64_t total = 0;

	if (avail < ENTRY_HEADER || memcmp(e, "HvLE", 4) != 0) {
		snprintf(why, whylen, "no entry at offset 0x%zx (end of log)", off);
		return 0;
	}
	size = le32(e + 0x04);
	if (size < SECTOR || size % SECTOR || size > avail) {
		snprintf(why, whylen, "entry at 0x%zx: size %u invalid", off, size);
		return 0;
	}
	hbins = le32(e + 0x10);
	if (hbins < HBIN_ALIGN || hbins % HBIN_ALIGN || hbins > LIMIT_HIVE_SIZE - BASE_BLOCK) {
		snprintf(why, whylen, "entry at 0x%zx: hive bins size %u invalid", off, hbins);
		return 0;
	}
	count = le32(e + 0x14);
	if (count == 0 || count > LIMIT_HIVELOG_PAGES ||
	    (uint64_t)count * 8 > size - ENTRY_HEADER) {
		snprintf(why, whylen, "entry at 0x%zx: dirty page count %u invalid%s", off, count,
			 count > LIMIT_HIVELOG_PAGES ? " (over LIMIT_HIVELOG_PAGES)" : "");
		return 0;
	}
	if (le64(e + 0x20) != hivelog_marvin32(e, 0x20, HIVELOG_MARVIN_SEED)) {
		snprintf(why, whylen, "entry at 0x%zx: hash-2 mismatch", off);
		return 0;
	}
	if (le64(e + 0x18) != hivelog_marvin32(e + ENTRY_HEADER, size - ENTRY_HEADER,
						HIVELOG_MARVIN_SEED)) {
		snprintf(why, whylen, "entry at 0x%zx: hash-1 mismatch", off);
		return 0;
	}
	if (le32(e + 0x0c) != expected) {
		snprintf(why, whylen, "entry at 0x%zx: sequence %u, expected %u",
			 off, le32(e + 0x0c), expected);
		return 0;
	}
	for (i = 0; i < count; i++) {
		const uint32_t po = le32(e + ENTRY_HEADER + 8 * i);
		const uint32_t ps = le32(e + ENTRY_HEADER + 8 * i + 4);

		if (ps == 0 || (uint64_t)po + ps > hbins) {
			snprintf(why, whylen, "entry at 0x%zx: page %u (0x%x+0x%x) outside %u bytes of hive bins",
				 off, i, po, ps, hbins);
			return 0;
		}
		total += ps;
	}
	if (total > size - ENTRY_HEADER - (uint64_t)count * 8) {
		snprintf(why, whylen, "entry at 0x%zx: pages (%llu bytes) overrun the entry",
			 off, (unsigned long long)total);
		return 0;
	}
	return 1;
}

/* Apply the entries of one new-format log; returns the number applied
 * (0 allowed) or <0 on a hard error. */
static int apply_new_log(struct replay *r, const struct loginfo *L)
{
	struct hivelog_result *res = r->res;
	uint32_t expected = L->seq;
	size_t off = LOG_BASE_BLOCK;
	unsigned n = 0;
	char why[160];
	int rc;

	for (;;) {
		const uint8_t *e;
		uint32_t count, i;
		size_t data, carried;

		if (res->entries_applied >= LIMIT_HIVELOG_ENTRIES) {
			snprintf(why, sizeof(why), "stopped at LIMIT_HIVELOG_ENTRIES (%u)",
				 LIMIT_HIVELOG_ENTRIES);
			break;
		}
		if (off >= L->len || !entry_check(L, off, expected, why, sizeof(why))) {
			if (off >= L->len)
				snprintf(why, sizeof(why), "end of file at 0x%zx", off);
			break;
		}
		e = L->p + off;
		r->hbins = le32(e + 0x10);
		count = le32(e + 0x14);
		/* grow by the pages the entry carries, never by the size it
		 * declares: a hive grows by appending bins, and every new bin
		 * is a dirty page of the entry, so the data may end at most
		 * that many bytes past its end (a few KB of log cannot make a
		 * 512 MB hive) */
		for (i = 0, data = 0, carried = 0; i < count; i++) {
			size_t end = (size_t)le32(e + ENTRY_HEADER + 8 * i) +
				     le32(e + ENTRY_HEADER + 8 * i + 4);

			carried += le32(e + ENTRY_HEADER + 8 * i + 4);
			if (end > data)
				data = end;
		}
		if (BASE_BLOCK + data > r->len + carried) {
			snprintf(why, sizeof(why), "entry at 0x%zx: a page ends at 0x%zx, past the "
				 "hive's 0x%zx bytes and the 0x%zx it carries", off, data,
				 r->len - BASE_BLOCK, carried);
			break;
		}
		rc = out_grow(r, BASE_BLOCK + data);
		if (rc < 0)
			return rc;
		data = off + ENTRY_HEADER + (size_t)count * 8;
		for (i = 0; i < count; i++) {
			const uint32_t po = le32(e + ENTRY_HEADER + 8 * i);
			const uint32_t ps = le32(e + ENTRY_HEADER + 8 * i + 4);

			/* entry_check: po + ps <= hbins, pages inside the entry */
			memcpy(r->out + BASE_BLOCK + po, L->p + data, ps);
			data += ps;
		}
		if (res->entries_applied == 0)
			res->first_seq = expected;
		res->last_seq = expected;
		res->entries_applied++;
		res->pages_applied += count;
		r->entry_flags = le32(e + 0x08);
		r->log_bb = L->p;
		n++;
		off += le32(e + 0x04);
		expected++;
	}
	if (n)
		add_stop(res, "%s: %u entries (%u-%u), then %s", L->name, n,
			 expected - n, expected - 1, why);
	else
		add_stop(res, "%s: nothing applied: %s", L->name, why);
	if (n)
		res->logs_used |= L->bit;
	return (int)n;
}

static int replay_new(struct replay *r, struct loginfo *a, struct loginfo *b,
		      int primary_ok)
{
	struct hivelog_result *res = r->res;
	const uint32_t pseq2 = res->primary_seq2;
	struct loginfo *first = a, *second = b;
	int rc;

	/* order by sequence number: the older log first */
	if (a && b && seq_before(b->seq, a->seq)) {
		first = b;
		second = a;
	} else if (!a) {
		first = b;
		second = NULL;
	}
	if (!primary_ok) {
		/* the base block comes from the newer log; only it applies */
		struct loginfo *newer = second ? second : first;

		if (second)
			add_stop(res, "%s: skipped (primary base block is bad, the newer log is used)",
				 first->name);
		return apply_new_log(r, newer);
	}
	if (seq_before(first->seq, pseq2)) {
		add_stop(res, "%s: sequence %u older than the primary's %u, not applied",
			 first->name, first->seq, pseq2);
		if (!second)
			return 0;
		first = second;
		second = NULL;
		if (seq_before(first->seq, pseq2)) {
			add_stop(res, "%s: sequence %u older than the primary's %u, not applied",
				 first->name, first->seq, pseq2);
			return 0;
		}
	}
	rc = apply_new_log(r, first);
	if (rc < 0 || !second)
		return rc;
	if (rc == 0) {
		/* nothing from the older log: the newer one may still apply */
		if (seq_before(second->seq, pseq2)) {
			add_stop(res, "%s: sequence %u older than the primary's %u, not applied",
				 second->name, second->seq, pseq2);
			return 0;
		}
		return apply_new_log(r, second);
	}
	if (second->seq != res->last_seq + 1) {
		add_stop(res, "%s: sequence %u does not follow %u, not applied",
			 second->name, second->seq, res->last_seq);
		return rc;
	}
	return apply_new_log(r, second);
}

/* Validate an old-format log against the primary; 1 applicable. */
static int old_log_check(const struct replay *r, const struct loginfo *L,
			 int primary_ok, char *why, size_t whylen)
{
	const uint32_t hbins = le32(L->p + 0x28);
	size_t bitmap, pages, nset = 0, i;
	uint64_t pts = 0;
	int have_pts = 0;

	if (primary_ok) {
		pts = le64(r->primary + 0x0c);
		have_pts = 1;
	} else if (r->plen >= BASE_BLOCK + 0x1c && memcmp(r->primary + BASE_BLOCK, "hbin", 4) == 0) {
		pts = le64(r->primary + BASE_BLOCK + 0x14);
		have_pts = 1;
	}
	if (have_pts && L->ts < pts) {
		snprintf(why, whylen, "written before the primary (timestamp %llu < %llu)",
			 (unsigned long long)L->ts, (unsigned long long)pts);
		return 0;
	}
	if (hbins < HBIN_ALIGN || hbins % HBIN_ALIGN || hbins > LIMIT_HIVE_SIZE - BASE_BLOCK) {
		snprintf(why, whylen, "hive bins size %u invalid", hbins);
		return 0;
	}
	bitmap = hbins / HBIN_ALIGN;
	if (L->len < LOG_BASE_BLOCK + 4 + bitmap || memcmp(L->p + LOG_BASE_BLOCK, "DIRT", 4) != 0) {
		snprintf(why, whylen, "no DIRT dirty vector of %zu bytes at 0x200", bitmap);
		return 0;
	}
	for (i = 0; i < bitmap; i++) {
		unsigned b = L->p[LOG_BASE_BLOCK + 4 + i];

		while (b) {
			nset += b & 1;
			b >>= 1;
		}
	}
	pages = (LOG_BASE_BLOCK + 4 + bitmap + SECTOR - 1) / SECTOR * SECTOR;
	if (nset == 0) {
		snprintf(why, whylen, "dirty vector marks no page");
		return 0;
	}
	if (pages > L->len || (L->len - pages) / SECTOR < nset) {
		snprintf(why, whylen, "%zu dirty pages marked, fewer stored", nset);
		return 0;
	}
	/* a dirty page starting a hive bin must be that bin */
	for (i = 0, nset = 0; i < bitmap * 8; i++) {
		const uint8_t *pg;

		if (!(L->p[LOG_BASE_BLOCK + 4 + i / 8] & (1u << (i % 8))))
			continue;
		pg = L->p + pages + SECTOR * nset++;
		if ((i * SECTOR) % HBIN_ALIGN == 0 && memcmp(pg, "hbin", 4) == 0 &&
		    le32(pg + 4) != i * SECTOR) {
			snprintf(why, whylen, "dirty hive bin at 0x%zx claims offset 0x%x",
				 i * SECTOR, le32(pg + 4));
			return 0;
		}
	}
	return 1;
}

static int replay_old(struct replay *r, struct loginfo *a, struct loginfo *b,
		      int primary_ok)
{
	struct hivelog_result *res = r->res;
	struct loginfo *cand[2] = { a, b }, *L = NULL;
	size_t pages, i, k = 0;
	uint32_t hbins;
	char why[160];
	int rc, j;

	for (j = 0; j < 2; j++) {
		if (!cand[j])
			continue;
		if (!old_log_check(r, cand[j], primary_ok, why, sizeof(why))) {
			add_stop(res, "%s: not applied: %s", cand[j]->name, why);
			continue;
		}
		/* the most recent applicable log */
		if (!L || cand[j]->ts > L->ts ||
		    (cand[j]->ts == L->ts && seq_before(L->seq, cand[j]->seq)))
			L = cand[j];
	}
	if (!L)
		return 0;
	hbins = le32(L->p + 0x28);
	/* grow to the last dirty page the log stores, not to the declared
	 * size (old_log_check: every marked page is stored) */
	for (i = (size_t)hbins / SECTOR; i > 0; i--)
		if (L->p[LOG_BASE_BLOCK + 4 + (i - 1) / 8] & (1u << ((i - 1) % 8)))
			break;
	for (j = 0, k = 0; (size_t)j < i; j++)
		k += (L->p[LOG_BASE_BLOCK + 4 + j / 8] >> (j % 8)) & 1u;
	if (BASE_BLOCK + i * SECTOR > r->len + k * SECTOR) {
		/* as for new logs: growth only by the pages stored */
		add_stop(res, "%s: not applied: a dirty page ends at 0x%zx, past the hive's "
			 "0x%zx bytes and the 0x%zx stored", L->name, i * SECTOR,
			 r->len - BASE_BLOCK, k * SECTOR);
		return 0;
	}
	k = 0;
	rc = out_grow(r, BASE_BLOCK + i * SECTOR);
	if (rc < 0)
		return rc;
	pages = (LOG_BASE_BLOCK + 4 + hbins / HBIN_ALIGN + SECTOR - 1) / SECTOR * SECTOR;
	for (i = 0; i < (size_t)hbins / SECTOR; i++) {
		if (!(L->p[LOG_BASE_BLOCK + 4 + i / 8] & (1u << (i % 8))))
			continue;
		/* old_log_check: every marked page is stored */
		memcpy(r->out + BASE_BLOCK + i * SECTOR, L->p + pages + SECTOR * k++, SECTOR);
	}
	r->hbins = hbins;
	r->log_bb = L->p;
	res->entries_applied = 1;
	res->pages_applied = (unsigned)k;
	res->logs_used |= L->bit;
	add_stop(res, "%s: %zu dirty pages applied", L->name, k);
	return 1;
}

/* ---- the result's base block ----------------------------------------- */

static void finish_base_block(struct replay *r, int primary_ok, int is_new)
{
	struct hivelog_result *res = r->res;
	uint8_t *bb = r->out;
	uint32_t seq, flags;

	if (!primary_ok) {
		memset(bb, 0, BASE_BLOCK);
		memcpy(bb, r->log_bb, LOG_BASE_BLOCK);
	}
	if (is_new) {
		seq = res->last_seq;
		/* log entry flags bit 0 -> base block flags bit 0 (yarp) */
		flags = (le32(bb + 0x90) & ~1u) | (r->entry_flags & 1u);
	} else {
		seq = le32(bb + 0x04);
		flags = le32(r->log_bb + 0x90);
	}
	put_le32(bb + 0x04, seq);                       /* 0x04 primary sequence */
	put_le32(bb + 0x08, seq);                       /* 0x08 secondary sequence */
	put_le32(bb + 0x1c, FT_PRIMARY);                /* 0x1c file type */
	put_le32(bb + 0x24, le32(r->log_bb + 0x24));    /* 0x24 root cell */
	if ((size_t)r->hbins > r->len - BASE_BLOCK) {
		/* declared larger than the primary and the logged pages hold:
		 * those bins exist nowhere, so the hive ends where its data does */
		add_stop(res, "hive bins size 0x%x declared, 0x%zx present: cut there",
			 r->hbins, (r->len - BASE_BLOCK) / HBIN_ALIGN * HBIN_ALIGN);
		r->hbins = (uint32_t)((r->len - BASE_BLOCK) / HBIN_ALIGN * HBIN_ALIGN);
	}
	put_le32(bb + 0x28, r->hbins);                  /* 0x28 hive bins size */
	put_le32(bb + 0x90, flags);                     /* 0x90 flags */
	put_le32(bb + 0x1fc, hivelog_checksum(bb));     /* 0x1fc checksum */
	res->hbins_size = r->hbins;
}

/* ---- entry point ------------------------------------------------------- */

int hivelog_replay(const uint8_t *primary, size_t plen,
		   const uint8_t *log1, size_t l1len,
		   const uint8_t *log2, size_t l2len,
		   struct hivelog_result *res, struct err *err)
{
	struct loginfo logs[2];
	struct loginfo *nw[2] = { NULL, NULL }, *old[2] = { NULL, NULL };
	struct replay r;
	int primary_ok, rc, j, any_new = 0, any_old = 0;

	hivelog_result_init(res);
	rc = hivelog_is_dirty(primary, plen, err);
	if (rc < 0)
		return err_wrap(err, "primary");
	if (plen > LIMIT_HIVE_SIZE)
		return err_set(err, -E_LIMIT, "primary: %zu bytes, over LIMIT_HIVE_SIZE", plen);
	res->primary_seq1 = le32(primary + 0x04);
	res->primary_seq2 = le32(primary + 0x08);
	primary_ok = bb_valid(primary);
	res->base_block_bad = !primary_ok;
	res->was_dirty = rc;
	if (!rc) {
		add_stop(res, "hive is clean (sequence %u)", res->primary_seq1);
		return 0;
	}

	memset(logs, 0, sizeof(logs));
	logs[0].p = log1;
	logs[0].len = log1 ? l1len : 0;
	logs[0].bit = HIVELOG_LOG1;
	logs[0].name = "log1";
	logs[1].p = log2;
	logs[1].len = log2 ? l2len : 0;
	logs[1].bit = HIVELOG_LOG2;
	logs[1].name = "log2";
	for (j = 0; j < 2; j++) {
		log_inspect(&logs[j]);
		if (!logs[j].usable) {
			add_stop(res, "%s: %s", logs[j].name, logs[j].why);
			continue;
		}
		if (logs[j].is_new)
			nw[any_new++ ? 1 : 0] = &logs[j];
		else
			old[any_old++ ? 1 : 0] = &logs[j];
	}
	if (!any_new && !any_old)
		return 0;

	memset(&r, 0, sizeof(r));
	r.primary = primary;
	r.plen = plen;
	r.res = res;
	r.err = err;
	r.out = calloc(1, plen + OUT_SLACK);
	if (!r.out)
		return err_set(err, -E_NOMEM, "out of memory for a %zu-byte hive", plen);
	memcpy(r.out, primary, plen);
	r.len = plen;

	/* new-format logs win: a hive has one kind, and Windows 8.1+ may
	 * leave an old-format log from before an upgrade */
	if (any_new) {
		res->format = "new";
		if (any_old)
			add_stop(res, "old-format log ignored next to a new-format one");
		rc = replay_new(&r, nw[0], nw[1], primary_ok);
	} else {
		res->format = "old";
		rc = replay_old(&r, old[0], old[1], primary_ok);
	}
	if (rc <= 0) {
		free(r.out);
		return rc;
	}
	finish_base_block(&r, primary_ok, any_new);
	res->data = r.out;
	res->len = r.len;
	return 1;
}
