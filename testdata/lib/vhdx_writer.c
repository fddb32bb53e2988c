/* Differencing VHDX writer (see vhdx_writer.h); the reader of the parent
 * is src/image/vhdx_info.c.
 *
 * Section numbers are those of [MS-VHDX] "Virtual Hard Disk v2 (VHDX) File
 * Format" (Microsoft Open Specifications, learn.microsoft.com/openspecs/
 * windows_protocols/ms-vhdx); field names and GUIDs also match the libyal
 * "Virtual Hard Disk version 2 (VHDX) image format" document (libvhdi
 * documentation).  Everything is little-endian; GUIDs are stored as
 * Windows does (Data1..Data3 little-endian, Data4 as bytes).
 *
 * The child's layout (all regions 1 MiB aligned, 2.1 "the structures are
 * 1 MB aligned"):
 *   0        file type identifier (2.2.1)
 *   64 KiB   header 1, 128 KiB header 2 (2.2.2)
 *   192 KiB  region table, 256 KiB its copy (2.2.3)
 *   1 MiB    log, 1 MiB, empty (LogGuid zero: nothing to replay, 2.3)
 *   2 MiB    metadata region, 1 MiB (2.6)
 *   3 MiB    BAT region (2.5), rounded up to 1 MiB
 *   then     sector bitmap blocks (1 MiB each), then payload blocks */
#define _GNU_SOURCE
#include "vhdx_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "fixture_io.h"
#include "gpt.h"
#define KIB 1024u
#define MIB (1024ull * 1024)
#define VHDX_LOCATOR_MAX        (64u * KIB)    /* ours: a locator we write */
/* The child's fixed layout (see the top comment). */
#define CHILD_LOG_OFF  (1 * MIB)
#define CHILD_LOG_LEN  (1 * MIB)
#define CHILD_META_OFF (2 * MIB)
#define CHILD_META_LEN (1 * MIB)
#define CHILD_BAT_OFF  (3 * MIB)

/* text is one of the VHDX_GUID_ constants, so it parses */
static void put_guid(uint8_t *p, const char *text)
{
	gpt_guid_parse(text, p, NULL);
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* --- writing */

/* Deterministic GUIDs: FNV-1a 64 over what makes this child what it is. */
static uint64_t fnv(uint64_t h, const void *buf, size_t len)
{
	const uint8_t *p = buf;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 0x100000001b3ull;
	}
	return h;
}

static void derive_guid(uint8_t g[16], uint8_t role, const struct vhdx_info *p,
			const struct vhdx_diff_spec *s)
{
	uint64_t h = 0xcbf29ce484222325ull, a, b;

	h = fnv(h, &role, 1);
	h = fnv(h, p->data_write_guid, 16);
	h = fnv(h, &s->at, sizeof(s->at));
	h = fnv(h, &s->len, sizeof(s->len));
	if (s->data)
		h = fnv(h, s->data, s->len);
	h = fnv(h, s->name, strlen(s->name));
	a = h;
	b = fnv(h, "vssdoctor", 9);
	put_le64(g, a);
	put_le64(g + 8, b);
	g[7] = (uint8_t)((g[7] & 0x0f) | 0x40);   /* version 4 (Data3 high nibble) */
	g[8] = (uint8_t)((g[8] & 0x3f) | 0x80);   /* RFC 4122 variant */
}

/* Append key and value (ASCII, stored UTF-16LE) as locator entry *n. */
static int locator_add(uint8_t *loc, size_t *used, unsigned *n,
		       const char *key, const char *val, struct err *err)
{
	size_t kl = strlen(key) * 2, vl = strlen(val) * 2, i;
	uint8_t *e = loc + 20 + 12 * *n;

	if (kl > UINT16_MAX || vl > UINT16_MAX ||
	    *used + kl + vl > VHDX_LOCATOR_MAX)
		return err_set(err, -E_USAGE, "parent locator entry '%s' is too long", key);
	/* 2.6.2.6.2 */
	put_le32(e + 0x00, (uint32_t)*used);
	put_le32(e + 0x04, (uint32_t)(*used + kl));
	put_le16(e + 0x08, (uint16_t)kl);
	put_le16(e + 0x0a, (uint16_t)vl);
	for (i = 0; key[i]; i++)
		put_le16(loc + *used + 2 * i, (uint8_t)key[i]);
	*used += kl;
	for (i = 0; val[i]; i++) {
		if ((unsigned char)val[i] >= 0x80)
			return err_set(err, -E_USAGE, "parent locator value '%s' is not ASCII", val);
		put_le16(loc + *used + 2 * i, (uint8_t)val[i]);
	}
	*used += vl;
	(*n)++;
	return 0;
}

/* The parent locator item (2.6.2.6); returns its length in *len. */
static int build_locator(uint8_t *loc, size_t *len, const struct vhdx_info *p,
			 const struct vhdx_diff_spec *s, struct err *err)
{
	const char *paths[3][2] = {
		{ "relative_path", s->relative_path },
		{ "volume_path", s->volume_path },
		{ "absolute_win32_path", s->absolute_win32_path },
	};
	char link[39];
	unsigned n = 0, i, npaths = 0;
	size_t used;
	int rc;

	for (i = 0; i < 3; i++) {
		if (!paths[i][1])
			paths[i][1] = s->name;
		npaths += paths[i][1][0] != '\0';
	}
	/* 2.6.2.6.1: 0x00 LocatorType, 0x10 Reserved, 0x12 KeyValueCount;
	 * the 12-byte entries follow, then the keys and values */
	put_guid(loc, VHDX_GUID_LOCATOR_VHDX);
	used = 20 + 12 * (1 + npaths);
	vhdx_guid_to_text(link, p->data_write_guid, (s->flags & VHDX_DIFF_UPPER_LINKAGE) != 0);
	/* 2.6.2.6.3: parent_linkage = the parent's DataWriteGuid */
	rc = locator_add(loc, &used, &n, "parent_linkage", s->linkage ? s->linkage : link, err);
	for (i = 0; rc == 0 && i < 3; i++)
		if (paths[i][1][0])
			rc = locator_add(loc, &used, &n, paths[i][0], paths[i][1], err);
	if (rc < 0)
		return rc;
	put_le16(loc + 0x12, (uint16_t)n);
	*len = used;
	return 0;
}

/* One metadata table entry (2.6.1.2) and its item bytes. */
static void meta_add(uint8_t *meta, unsigned *n, uint32_t *next,
		     const char *guid, const void *item, uint32_t len,
		     uint32_t flags)
{
	uint8_t *e = meta + 32 + 32 * *n;

	put_guid(e, guid);
	put_le32(e + 0x10, *next);     /* 0x10 Offset (from the region start) */
	put_le32(e + 0x14, len);       /* 0x14 Length */
	put_le32(e + 0x18, flags);     /* 0x18 IsUser, IsVirtualDisk, IsRequired */
	memcpy(meta + *next, item, len);
	*next = (uint32_t)round_up(*next + len, 8);
	(*n)++;
}

static void put_utf16(uint8_t *p, const char *s)
{
	for (; *s; s++, p += 2)
		put_le16(p, (uint8_t)*s);
}

int vhdx_write_diff_spec(const struct vhdx_diff_spec *s, struct err *err)
{
	struct vhdx_info p;
	uint8_t *meta = NULL, *bat = NULL, *head = NULL, *region = NULL;
	uint8_t *loc = NULL, *bits = NULL, file_guid[16], data_guid[16], disk_guid[16];
	uint64_t chunk_ratio, nblocks, nchunks, nentries, bat_len, pos;
	uint64_t *sb_off = NULL, first = 0, last = 0, b;
	uint32_t ls, bs, bitmap_bytes, next;
	unsigned n;
	size_t loclen;
	uint8_t item[16];
	int fd = -1, rc;

	if (!s->child || !s->parent || !s->name)
		return err_set(err, -E_USAGE, "child, parent and parent name are needed");
	rc = vhdx_read_info(s->parent, &p, err);
	if (rc < 0)
		return err_wrap(err, "parent");
	ls = p.logical_sector;
	bs = p.block_size;
	if (s->len && (!s->data || s->at % ls || s->len % ls || s->at > p.virtual_size ||
		       s->len > p.virtual_size - s->at))
		return err_set(err, -E_USAGE, "data (%zu bytes at %llu) must be whole %u-byte sectors inside the disk",
			       s->len, (unsigned long long)s->at, ls);
	/* 2.5: chunk ratio = (2^23 * LogicalSectorSize) / BlockSize payload
	 * blocks per sector bitmap block; a differencing BAT has
	 * SectorBitmapBlocksCount * (ChunkRatio + 1) entries, each chunk's
	 * payload entries followed by its sector bitmap entry */
	chunk_ratio = VHDX_SECTORS_PER_SB * ls / bs;
	nblocks = (p.virtual_size + bs - 1) / bs;
	nchunks = (nblocks + chunk_ratio - 1) / chunk_ratio;
	nentries = nchunks * (chunk_ratio + 1);
	bat_len = round_up(nentries * 8, MIB);
	bitmap_bytes = bs / ls / 8;      /* = 1 MiB / chunk ratio */
	if (bat_len > (uint64_t)256 * MIB)
		return err_set(err, -E_LIMIT, "BAT of %llu bytes is too big for a test disk",
			       (unsigned long long)bat_len);

	meta = calloc(1, CHILD_META_LEN);
	bat = calloc(1, bat_len);
	head = calloc(1, VHDX_HEADER_SIZE);
	region = calloc(1, VHDX_REGION_SIZE);
	loc = calloc(1, VHDX_LOCATOR_MAX);
	bits = calloc(1, bitmap_bytes);
	sb_off = calloc(nchunks, sizeof(*sb_off));
	if (!meta || !bat || !head || !region || !loc || !bits || !sb_off) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = build_locator(loc, &loclen, &p, s, err);
	if (rc < 0)
		goto out;
	derive_guid(file_guid, 1, &p, s);
	derive_guid(data_guid, 2, &p, s);
	derive_guid(disk_guid, 3, &p, s);

	/* Blocks: sector bitmap blocks first (every chunk, or only chunks
	 * with a partially present block), then the payload blocks. */
	if (s->len) {
		first = s->at / bs;
		last = (s->at + s->len - 1) / bs;
	}
	pos = CHILD_BAT_OFF + bat_len;
	for (b = 0; b < nchunks; b++) {
		int need = !(s->flags & VHDX_DIFF_LAZY_BITMAPS);
		uint64_t k;

		for (k = first; s->len && !need && k <= last; k++)
			need = k / chunk_ratio == b &&
			       (s->at > k * bs || s->at + s->len < (k + 1) * bs);
		if (!need)
			continue;
		sb_off[b] = pos;
		/* 2.5.1: FileOffsetMB in bits 20-63, state in bits 0-2 */
		put_le64(bat + 8 * (b * (chunk_ratio + 1) + chunk_ratio),
			 (pos / MIB) << 20 | VHDX_SB_PRESENT);
		pos += VHDX_SB_BLOCK;
	}

	fd = open(s->child, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = err_set(err, -E_IO, "'%s': %s", s->child, strerror(errno));
		goto out;
	}
	for (b = first; s->len && b <= last; b++) {
		uint64_t bstart = b * bs, bend = bstart + bs;
		uint64_t from = s->at > bstart ? s->at : bstart;
		uint64_t to = s->at + s->len < bend ? s->at + s->len : bend;
		uint64_t sct, chunk = b / chunk_ratio;
		int full = from == bstart && to == bend;

		put_le64(bat + 8 * (b + chunk),
			 (pos / MIB) << 20 |
			 (full ? VHDX_PAYLOAD_FULLY_PRESENT : VHDX_PAYLOAD_PARTIALLY_PRESENT));
		rc = fixture_pwrite(fd, (const uint8_t *)s->data + (from - s->at),
				  (size_t)(to - from), pos + (from - bstart), err);
		if (rc < 0)
			goto out;
		pos += bs;
		if (!sb_off[chunk])
			continue;
		/* 2.5 "Sector bitmap block": bit 0 of byte 0 is the first
		 * sector; 1 = read from this file, 0 = from the parent */
		memset(bits, 0, bitmap_bytes);
		for (sct = (from - bstart) / ls; sct < (to - bstart) / ls; sct++)
			bits[sct / 8] |= (uint8_t)(1u << (sct % 8));
		rc = fixture_pwrite(fd, bits, bitmap_bytes,
				  sb_off[chunk] + (b % chunk_ratio) * bitmap_bytes, err);
		if (rc < 0)
			goto out;
	}
	if (ftruncate(fd, (off_t)pos) < 0) {
		rc = err_set(err, -E_IO, "'%s': %s", s->child, strerror(errno));
		goto out;
	}

	/* Metadata region (2.6): table header 2.6.1.1, then the items at
	 * 64 KiB and up.  Flags as in the item table of 2.6.2. */
	memcpy(meta, "metadata", 8);
	n = 0;
	next = VHDX_META_TABLE_SIZE;
	put_le32(item, bs);                                     /* 2.6.2.1 */
	put_le32(item + 4, (s->flags & VHDX_DIFF_NO_PARENT) ? 0 : VHDX_FP_HAS_PARENT);
	meta_add(meta, &n, &next, VHDX_GUID_FILE_PARAMETERS, item, 8, VHDX_META_IS_REQUIRED);
	put_le64(item, p.virtual_size);                         /* 2.6.2.2 */
	meta_add(meta, &n, &next, VHDX_GUID_VIRTUAL_SIZE, item, 8,
		 VHDX_META_IS_VIRTUAL_DISK | VHDX_META_IS_REQUIRED);
	meta_add(meta, &n, &next, VHDX_GUID_VIRTUAL_DISK_ID, disk_guid, 16,  /* 2.6.2.3 */
		 VHDX_META_IS_VIRTUAL_DISK | VHDX_META_IS_REQUIRED);
	put_le32(item, ls);                                     /* 2.6.2.4 */
	meta_add(meta, &n, &next, VHDX_GUID_LOGICAL_SECTOR, item, 4,
		 VHDX_META_IS_VIRTUAL_DISK | VHDX_META_IS_REQUIRED);
	put_le32(item, p.physical_sector);                      /* 2.6.2.5 */
	meta_add(meta, &n, &next, VHDX_GUID_PHYSICAL_SECTOR, item, 4,
		 VHDX_META_IS_VIRTUAL_DISK | VHDX_META_IS_REQUIRED);
	if (!(s->flags & VHDX_DIFF_NO_PARENT))
		meta_add(meta, &n, &next, VHDX_GUID_PARENT_LOCATOR, loc,  /* 2.6.2.6 */
			 (uint32_t)loclen, VHDX_META_IS_REQUIRED);
	put_le16(meta + 0x0a, (uint16_t)n);                     /* 0x0A EntryCount */
	rc = fixture_pwrite(fd, meta, next, CHILD_META_OFF, err);
	if (rc == 0)
		rc = fixture_pwrite(fd, bat, bat_len, CHILD_BAT_OFF, err);
	if (rc < 0)
		goto out;

	/* Region table (2.2.3): BAT and metadata, both required */
	memcpy(region, "regi", 4);
	put_le32(region + 0x08, 2);                             /* 0x08 EntryCount */
	put_guid(region + 16, VHDX_GUID_BAT_REGION);
	put_le64(region + 16 + 0x10, CHILD_BAT_OFF);
	put_le32(region + 16 + 0x18, (uint32_t)bat_len);
	put_le32(region + 16 + 0x1c, 1);
	put_guid(region + 48, VHDX_GUID_METADATA_REGION);
	put_le64(region + 48 + 0x10, CHILD_META_OFF);
	put_le32(region + 48 + 0x18, (uint32_t)CHILD_META_LEN);
	put_le32(region + 48 + 0x1c, 1);
	put_le32(region + 0x04, vhdx_crc32c(region, VHDX_REGION_SIZE));
	rc = fixture_pwrite(fd, region, VHDX_REGION_SIZE, VHDX_REGION1_OFF, err);
	if (rc == 0)
		rc = fixture_pwrite(fd, region, VHDX_REGION_SIZE, VHDX_REGION2_OFF, err);
	if (rc < 0)
		goto out;

	/* Headers (2.2.2), written last: both valid, header 2 current */
	for (n = 0; n < 2; n++) {
		memset(head, 0, VHDX_HEADER_SIZE);
		memcpy(head, "head", 4);
		put_le64(head + 0x08, n + 1);                   /* 0x08 SequenceNumber */
		memcpy(head + 0x10, file_guid, 16);             /* 0x10 FileWriteGuid */
		memcpy(head + 0x20, data_guid, 16);             /* 0x20 DataWriteGuid */
		/* 0x30 LogGuid zero: no log to replay */
		put_le16(head + 0x40, 0);                       /* 0x40 LogVersion */
		put_le16(head + 0x42, 1);                       /* 0x42 Version */
		put_le32(head + 0x44, (uint32_t)CHILD_LOG_LEN); /* 0x44 LogLength */
		put_le64(head + 0x48, CHILD_LOG_OFF);           /* 0x48 LogOffset */
		put_le32(head + 0x04, vhdx_crc32c(head, VHDX_HEADER_SIZE));
		rc = fixture_pwrite(fd, head, VHDX_HEADER_SIZE,
				  n ? VHDX_HEADER2_OFF : VHDX_HEADER1_OFF, err);
		if (rc < 0)
			goto out;
	}
	/* File type identifier (2.2.1): signature and Creator (UTF-16) */
	memset(head, 0, VHDX_HEADER_SIZE);
	memcpy(head, "vhdxfile", 8);
	put_utf16(head + 8, "vssdoctor testdata vhdx_writer");
	rc = fixture_pwrite(fd, head, 8 + 512, 0, err);
out:
	if (fd >= 0 && close(fd) < 0 && rc == 0)
		rc = err_set(err, -E_IO, "'%s': %s", s->child, strerror(errno));
	free(sb_off);
	free(bits);
	free(loc);
	free(region);
	free(head);
	free(bat);
	free(meta);
	return rc;
}

int vhdx_write_diff(const char *child, const char *parent_path,
		    const char *parent_name_in_locator, uint64_t at,
		    const void *data, size_t len, struct err *err)
{
	struct vhdx_diff_spec s;

	memset(&s, 0, sizeof(s));
	s.child = child;
	s.parent = parent_path;
	s.name = parent_name_in_locator;
	s.at = at;
	s.data = data;
	s.len = len;
	return vhdx_write_diff_spec(&s, err);
}
