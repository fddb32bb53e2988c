/* Differencing VHDX writer and a small VHDX metadata reader (see
 * vhdx_writer.h).
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

#define KIB 1024u
#define MIB (1024ull * 1024)

#define VHDX_HEADER1_OFF        (64u * KIB)    /* 2.2: header 1 */
#define VHDX_HEADER2_OFF        (128u * KIB)   /* 2.2: header 2 */
#define VHDX_HEADER_SIZE        (4u * KIB)     /* 2.2.2: checksum covers 4 KiB */
#define VHDX_REGION1_OFF        (192u * KIB)   /* 2.2: region table 1 */
#define VHDX_REGION2_OFF        (256u * KIB)   /* 2.2: region table 2 */
#define VHDX_REGION_SIZE        (64u * KIB)    /* 2.2.3: checksum covers 64 KiB */
#define VHDX_REGION_MAX_ENTRIES 2047u          /* 2.2.3.1 EntryCount */
#define VHDX_META_TABLE_SIZE    (64u * KIB)    /* 2.6.1 */
#define VHDX_META_MAX_ENTRIES   2047u          /* 2.6.1.1 EntryCount */
#define VHDX_META_ITEM_MAX      (1024u * KIB)  /* 2.6.1.2 Length <= 1 MB */
#define VHDX_SB_BLOCK           (1024u * KIB)  /* 2.5: sector bitmap blocks are 1 MB */
#define VHDX_SECTORS_PER_SB     (1ull << 23)   /* 2.5: sectors one SB block describes */
#define VHDX_BLOCK_MIN          (1u * 1024 * KIB)   /* 2.6.2.1 BlockSize */
#define VHDX_BLOCK_MAX          (256u * 1024 * KIB)
#define VHDX_LOCATOR_MAX        (64u * KIB)    /* ours: a locator we write */

/* BAT entry states (2.5.1.1, 2.5.1.2) */
#define PAYLOAD_BLOCK_NOT_PRESENT       0u
#define PAYLOAD_BLOCK_FULLY_PRESENT     6u
#define PAYLOAD_BLOCK_PARTIALLY_PRESENT 7u
#define SB_BLOCK_PRESENT                6u

/* Metadata table entry flags (2.6.1.2) */
#define META_IS_USER         (1u << 0)
#define META_IS_VIRTUAL_DISK (1u << 1)
#define META_IS_REQUIRED     (1u << 2)

/* File Parameters flags (2.6.2.1) */
#define FP_LEAVE_BLOCK_ALLOCATED (1u << 0)
#define FP_HAS_PARENT            (1u << 1)

/* Known GUIDs, as text (2.2.3.2, 2.6.2, 2.6.2.6.3). */
#define GUID_BAT_REGION      "2DC27766-F623-4200-9D64-115E9BFD4A08"
#define GUID_METADATA_REGION "8B7CA206-4790-4B9A-B8FE-575F050F886E"
#define GUID_FILE_PARAMETERS "CAA16737-FA36-4D43-B3B6-33F0AA44E76B"
#define GUID_VIRTUAL_SIZE    "2FA54224-CD1B-4876-B211-5DBED83BF4B8"
#define GUID_VIRTUAL_DISK_ID "BECA12AB-B2E6-4523-93EF-C309E000C746"
#define GUID_LOGICAL_SECTOR  "8141BF1D-A96F-4709-BA47-F233A8FAAB5F"
#define GUID_PHYSICAL_SECTOR "CDA348C7-445D-4471-9CC9-E9885251C556"
#define GUID_PARENT_LOCATOR  "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C"
#define GUID_LOCATOR_VHDX    "B04AEFB7-D19E-4A81-B789-25B8E9445913"

/* The child's fixed layout (see the top comment). */
#define CHILD_LOG_OFF  (1 * MIB)
#define CHILD_LOG_LEN  (1 * MIB)
#define CHILD_META_OFF (2 * MIB)
#define CHILD_META_LEN (1 * MIB)
#define CHILD_BAT_OFF  (3 * MIB)

uint32_t vhdx_crc32c(const void *buf, size_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0xffffffffu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1u)));
	}
	return ~crc;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* "2DC27766-F623-4200-9D64-115E9BFD4A08" -> on-disk bytes. */
static void guid_from_text(uint8_t g[16], const char *t)
{
	uint8_t be[16];
	unsigned i = 0;

	for (; *t && i < 16; t++) {
		if (*t == '-' || *t == '{')
			continue;
		be[i++] = (uint8_t)(hexval(t[0]) << 4 | hexval(t[1]));
		t++;
	}
	/* Data1 (4), Data2 (2), Data3 (2) little-endian; Data4 as is */
	g[0] = be[3]; g[1] = be[2]; g[2] = be[1]; g[3] = be[0];
	g[4] = be[5]; g[5] = be[4];
	g[6] = be[7]; g[7] = be[6];
	memcpy(g + 8, be + 8, 8);
}

static void guid_to_text(char out[39], const uint8_t g[16], int upper)
{
	snprintf(out, 39,
		 upper ? "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}" :
			 "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
		 le32(g), le16(g + 4), le16(g + 6), g[8], g[9], g[10], g[11],
		 g[12], g[13], g[14], g[15]);
}

static int guid_is(const uint8_t *p, const char *text)
{
	uint8_t g[16];

	guid_from_text(g, text);
	return memcmp(p, g, 16) == 0;
}

static void put_guid(uint8_t *p, const char *text)
{
	guid_from_text(p, text);
}

static int pread_exact(int fd, void *buf, size_t len, uint64_t off,
		       struct err *err)
{
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(err, n < 0 ? -E_IO : -E_CORRUPT,
				       "read at %llu: %s", (unsigned long long)off,
				       n < 0 ? strerror(errno) : "end of file");
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int pwrite_exact(int fd, const void *buf, size_t len, uint64_t off,
			struct err *err)
{
	const uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = pwrite(fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, -E_IO, "write at %llu: %s",
				       (unsigned long long)off, strerror(errno));
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* UTF-16LE (len bytes) to ASCII, '?' for anything else; always
 * NUL-terminated within cap. */
static void utf16_to_ascii(char *out, size_t cap, const uint8_t *p,
			   size_t len)
{
	size_t i, o = 0;

	for (i = 0; i + 1 < len && o + 1 < cap; i += 2) {
		uint16_t c = le16(p + i);

		out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
	}
	out[o] = '\0';
}

/* --- reading */

/* 2.2.2: a header is valid when its signature and CRC-32C (over 4 KiB,
 * checksum field taken as 0) match.  Returns 1 valid, 0 not. */
static int header_valid(uint8_t *h)
{
	uint32_t want = le32(h + 0x04);
	uint32_t got;

	if (memcmp(h, "head", 4) != 0)
		return 0;
	put_le32(h + 0x04, 0);
	got = vhdx_crc32c(h, VHDX_HEADER_SIZE);
	put_le32(h + 0x04, want);
	return got == want;
}

/* 2.2.3: same for a region table (CRC over 64 KiB). */
static int region_valid(uint8_t *r)
{
	uint32_t want = le32(r + 0x04);
	uint32_t got;

	if (memcmp(r, "regi", 4) != 0)
		return 0;
	put_le32(r + 0x04, 0);
	got = vhdx_crc32c(r, VHDX_REGION_SIZE);
	put_le32(r + 0x04, want);
	return got == want && le32(r + 0x08) <= VHDX_REGION_MAX_ENTRIES;
}

/* 2.6.2.6: the parent locator item (len bytes at p). */
static int parse_locator(struct vhdx_info *info, const uint8_t *p,
			 size_t len, struct err *err)
{
	char path[3][sizeof(info->parent_path)] = { "", "", "" };
	unsigned n, i;

	if (len < 20)
		return err_set(err, -E_CORRUPT, "parent locator of %zu bytes < 20", len);
	/* 0x00 LocatorType, 0x10 Reserved, 0x12 KeyValueCount */
	if (!guid_is(p, GUID_LOCATOR_VHDX))
		return err_set(err, -E_UNSUPPORTED, "parent locator type is not the VHDX one");
	n = le16(p + 0x12);
	if (20 + 12ull * n > len)
		return err_set(err, -E_CORRUPT, "parent locator: %u entries do not fit in %zu bytes", n, len);
	for (i = 0; i < n; i++) {
		/* 2.6.2.6.2: 0x00 KeyOffset, 0x04 ValueOffset, 0x08
		 * KeyLength, 0x0A ValueLength (bytes, from the locator start) */
		const uint8_t *e = p + 20 + 12 * i;
		uint32_t ko = le32(e), vo = le32(e + 4);
		uint16_t kl = le16(e + 8), vl = le16(e + 10);
		char key[32], val[256];

		if (ko > len || kl > len - ko || vo > len || vl > len - vo)
			return err_set(err, -E_CORRUPT, "parent locator entry %u is outside the item", i);
		utf16_to_ascii(key, sizeof(key), p + ko, kl);
		utf16_to_ascii(val, sizeof(val), p + vo, vl);
		if (strcmp(key, "parent_linkage") == 0)
			snprintf(info->parent_linkage, sizeof(info->parent_linkage), "%.63s", val);
		else if (strcmp(key, "relative_path") == 0)
			snprintf(path[0], sizeof(path[0]), "%s", val);
		else if (strcmp(key, "volume_path") == 0)
			snprintf(path[1], sizeof(path[1]), "%s", val);
		else if (strcmp(key, "absolute_win32_path") == 0)
			snprintf(path[2], sizeof(path[2]), "%s", val);
	}
	/* 2.6.2.6.3: relative_path, then volume_path, then absolute path */
	for (i = 0; i < 3; i++)
		if (path[i][0]) {
			memcpy(info->parent_path, path[i], sizeof(info->parent_path));
			break;
		}
	return 0;
}

static int read_metadata(int fd, uint64_t moff, uint64_t mlen,
			 struct vhdx_info *info, struct err *err)
{
	uint8_t *t = NULL, *item = NULL;
	unsigned n, i, seen = 0;
	int rc;

	if (mlen < VHDX_META_TABLE_SIZE)
		return err_set(err, -E_CORRUPT, "metadata region of %llu bytes < 64 KiB",
			       (unsigned long long)mlen);
	t = malloc(VHDX_META_TABLE_SIZE);
	item = malloc(VHDX_META_ITEM_MAX);
	if (!t || !item) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = pread_exact(fd, t, VHDX_META_TABLE_SIZE, moff, err);
	if (rc < 0)
		goto out;
	/* 2.6.1.1: 0x00 "metadata", 0x08 Reserved, 0x0A EntryCount */
	n = le16(t + 0x0a);
	if (memcmp(t, "metadata", 8) != 0 || n > VHDX_META_MAX_ENTRIES) {
		rc = err_set(err, -E_CORRUPT, "no metadata table (signature or entry count %u)", n);
		goto out;
	}
	for (i = 0; i < n; i++) {
		/* 2.6.1.2: 0x00 ItemId, 0x10 Offset, 0x14 Length, 0x18 flags */
		const uint8_t *e = t + 32 + 32 * i;
		uint32_t off = le32(e + 0x10), len = le32(e + 0x14);

		if (len == 0)
			continue;
		if (len > VHDX_META_ITEM_MAX || off < VHDX_META_TABLE_SIZE ||
		    off > mlen || len > mlen - off) {
			rc = err_set(err, -E_CORRUPT, "metadata item %u (%u bytes at %u) is outside the region",
				     i, len, off);
			goto out;
		}
		rc = pread_exact(fd, item, len, moff + off, err);
		if (rc < 0)
			goto out;
		if (guid_is(e, GUID_FILE_PARAMETERS) && len >= 8) {
			info->block_size = le32(item);
			info->has_parent = (le32(item + 4) & FP_HAS_PARENT) != 0;
			seen |= 1;
		} else if (guid_is(e, GUID_VIRTUAL_SIZE) && len >= 8) {
			info->virtual_size = le64(item);
			seen |= 2;
		} else if (guid_is(e, GUID_LOGICAL_SECTOR) && len >= 4) {
			info->logical_sector = le32(item);
			seen |= 4;
		} else if (guid_is(e, GUID_PHYSICAL_SECTOR) && len >= 4) {
			info->physical_sector = le32(item);
			seen |= 8;
		} else if (guid_is(e, GUID_VIRTUAL_DISK_ID) && len >= 16) {
			memcpy(info->virtual_disk_id, item, 16);
		} else if (guid_is(e, GUID_PARENT_LOCATOR)) {
			rc = parse_locator(info, item, len, err);
			if (rc < 0)
				goto out;
		}
	}
	if (seen != 15) {
		rc = err_set(err, -E_CORRUPT, "required metadata items missing (mask %u of 15)", seen);
		goto out;
	}
	if (info->block_size < VHDX_BLOCK_MIN || info->block_size > VHDX_BLOCK_MAX ||
	    !is_pow2(info->block_size) ||
	    (info->logical_sector != 512 && info->logical_sector != 4096) ||
	    (info->physical_sector != 512 && info->physical_sector != 4096) ||
	    info->virtual_size == 0 || info->virtual_size % info->logical_sector) {
		rc = err_set(err, -E_CORRUPT, "bad geometry: block %u, sectors %u/%u, size %llu",
			     info->block_size, info->logical_sector, info->physical_sector,
			     (unsigned long long)info->virtual_size);
		goto out;
	}
	rc = 0;
out:
	free(item);
	free(t);
	return rc;
}

int vhdx_read_info(const char *path, struct vhdx_info *info,
		   struct err *err)
{
	uint8_t sig[8], h[2][VHDX_HEADER_SIZE], *r = NULL, *cur = NULL;
	uint64_t moff = 0, mlen = 0, s[2] = { 0, 0 };
	struct stat st;
	unsigned i, n;
	int fd, rc, ok[2];

	memset(info, 0, sizeof(*info));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, -E_IO, "'%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0) {
		rc = err_set(err, -E_IO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	/* 2.2.1: "vhdxfile" */
	rc = pread_exact(fd, sig, sizeof(sig), 0, err);
	if (rc < 0 || memcmp(sig, "vhdxfile", 8) != 0) {
		rc = err_set(err, -E_FORMAT, "'%s': not a VHDX file", path);
		goto out;
	}
	for (i = 0; i < 2; i++) {
		rc = pread_exact(fd, h[i], VHDX_HEADER_SIZE,
				 i ? VHDX_HEADER2_OFF : VHDX_HEADER1_OFF, err);
		if (rc < 0)
			goto wrap;
		ok[i] = header_valid(h[i]);
		s[i] = le64(h[i] + 0x08);
	}
	/* 2.2.2: the valid header with the greater SequenceNumber is current */
	if (ok[0] && (!ok[1] || s[0] > s[1]))
		cur = h[0];
	else if (ok[1])
		cur = h[1];
	if (!cur) {
		rc = err_set(err, -E_CORRUPT, "'%s': no header with a valid CRC-32C", path);
		goto out;
	}
	info->sequence = le64(cur + 0x08);
	memcpy(info->data_write_guid, cur + 0x20, 16);    /* 0x20 DataWriteGuid */
	guid_to_text(info->data_write_text, info->data_write_guid, 0);
	if (le16(cur + 0x42) != 1) {                       /* 0x42 Version */
		rc = err_set(err, -E_UNSUPPORTED, "'%s': header version %u", path, le16(cur + 0x42));
		goto out;
	}

	r = malloc(VHDX_REGION_SIZE);
	if (!r) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = pread_exact(fd, r, VHDX_REGION_SIZE, VHDX_REGION1_OFF, err);
	if (rc == 0 && !region_valid(r))
		rc = pread_exact(fd, r, VHDX_REGION_SIZE, VHDX_REGION2_OFF, err);
	if (rc < 0)
		goto wrap;
	if (!region_valid(r)) {
		rc = err_set(err, -E_CORRUPT, "'%s': no region table with a valid CRC-32C", path);
		goto out;
	}
	n = le32(r + 0x08);
	for (i = 0; i < n; i++) {
		/* 2.2.3.2: 0x00 Guid, 0x10 FileOffset, 0x18 Length, 0x1C Required */
		const uint8_t *e = r + 16 + 32 * i;

		if (guid_is(e, GUID_METADATA_REGION)) {
			moff = le64(e + 0x10);
			mlen = le32(e + 0x18);
		} else if (guid_is(e, GUID_BAT_REGION)) {
			info->bat_offset = le64(e + 0x10);
			info->bat_length = le32(e + 0x18);
		}
	}
	if (!mlen || moff > (uint64_t)st.st_size || mlen > (uint64_t)st.st_size - moff) {
		rc = err_set(err, -E_CORRUPT, "'%s': no metadata region inside the file", path);
		goto out;
	}
	rc = read_metadata(fd, moff, mlen, info, err);
	if (rc < 0)
		goto wrap;
	/* 2.5: chunk ratio = (2^23 * LogicalSectorSize) / BlockSize */
	info->chunk_ratio = VHDX_SECTORS_PER_SB * info->logical_sector / info->block_size;
	goto out;
wrap:
	err_wrap(err, "'%s'", path);
out:
	free(r);
	close(fd);
	return rc;
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
	put_guid(loc, GUID_LOCATOR_VHDX);
	used = 20 + 12 * (1 + npaths);
	guid_to_text(link, p->data_write_guid, (s->flags & VHDX_DIFF_UPPER_LINKAGE) != 0);
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
			 (pos / MIB) << 20 | SB_BLOCK_PRESENT);
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
			 (full ? PAYLOAD_BLOCK_FULLY_PRESENT : PAYLOAD_BLOCK_PARTIALLY_PRESENT));
		rc = pwrite_exact(fd, (const uint8_t *)s->data + (from - s->at),
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
		rc = pwrite_exact(fd, bits, bitmap_bytes,
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
	put_le32(item + 4, (s->flags & VHDX_DIFF_NO_PARENT) ? 0 : FP_HAS_PARENT);
	meta_add(meta, &n, &next, GUID_FILE_PARAMETERS, item, 8, META_IS_REQUIRED);
	put_le64(item, p.virtual_size);                         /* 2.6.2.2 */
	meta_add(meta, &n, &next, GUID_VIRTUAL_SIZE, item, 8,
		 META_IS_VIRTUAL_DISK | META_IS_REQUIRED);
	meta_add(meta, &n, &next, GUID_VIRTUAL_DISK_ID, disk_guid, 16,  /* 2.6.2.3 */
		 META_IS_VIRTUAL_DISK | META_IS_REQUIRED);
	put_le32(item, ls);                                     /* 2.6.2.4 */
	meta_add(meta, &n, &next, GUID_LOGICAL_SECTOR, item, 4,
		 META_IS_VIRTUAL_DISK | META_IS_REQUIRED);
	put_le32(item, p.physical_sector);                      /* 2.6.2.5 */
	meta_add(meta, &n, &next, GUID_PHYSICAL_SECTOR, item, 4,
		 META_IS_VIRTUAL_DISK | META_IS_REQUIRED);
	if (!(s->flags & VHDX_DIFF_NO_PARENT))
		meta_add(meta, &n, &next, GUID_PARENT_LOCATOR, loc,  /* 2.6.2.6 */
			 (uint32_t)loclen, META_IS_REQUIRED);
	put_le16(meta + 0x0a, (uint16_t)n);                     /* 0x0A EntryCount */
	rc = pwrite_exact(fd, meta, next, CHILD_META_OFF, err);
	if (rc == 0)
		rc = pwrite_exact(fd, bat, bat_len, CHILD_BAT_OFF, err);
	if (rc < 0)
		goto out;

	/* Region table (2.2.3): BAT and metadata, both required */
	memcpy(region, "regi", 4);
	put_le32(region + 0x08, 2);                             /* 0x08 EntryCount */
	put_guid(region + 16, GUID_BAT_REGION);
	put_le64(region + 16 + 0x10, CHILD_BAT_OFF);
	put_le32(region + 16 + 0x18, (uint32_t)bat_len);
	put_le32(region + 16 + 0x1c, 1);
	put_guid(region + 48, GUID_METADATA_REGION);
	put_le64(region + 48 + 0x10, CHILD_META_OFF);
	put_le32(region + 48 + 0x18, (uint32_t)CHILD_META_LEN);
	put_le32(region + 48 + 0x1c, 1);
	put_le32(region + 0x04, vhdx_crc32c(region, VHDX_REGION_SIZE));
	rc = pwrite_exact(fd, region, VHDX_REGION_SIZE, VHDX_REGION1_OFF, err);
	if (rc == 0)
		rc = pwrite_exact(fd, region, VHDX_REGION_SIZE, VHDX_REGION2_OFF, err);
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
		rc = pwrite_exact(fd, head, VHDX_HEADER_SIZE,
				  n ? VHDX_HEADER2_OFF : VHDX_HEADER1_OFF, err);
		if (rc < 0)
			goto out;
	}
	/* File type identifier (2.2.1): signature and Creator (UTF-16) */
	memset(head, 0, VHDX_HEADER_SIZE);
	memcpy(head, "vhdxfile", 8);
	put_utf16(head + 8, "vssdoctor testdata vhdx_writer");
	rc = pwrite_exact(fd, head, 8 + 512, 0, err);
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
