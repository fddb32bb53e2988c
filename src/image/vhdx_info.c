/* The VHDX reader (see vhdx_info.h). */
#define _GNU_SOURCE
#include "vhdx_info.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "gpt.h"
#include "utf16.h"

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

void vhdx_guid_to_text(char out[39], const uint8_t g[16], int upper)
{
	snprintf(out, 39,
		 upper ? "{%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X}" :
			 "{%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x}",
		 le32(g), le16(g + 4), le16(g + 6), g[8], g[9], g[10], g[11],
		 g[12], g[13], g[14], g[15]);
}

/* text is one of the VHDX_GUID_ constants */
static int guid_is(const uint8_t *p, const char *text)
{
	uint8_t g[16];

	return gpt_guid_parse(text, g, NULL) == 0 && memcmp(p, g, 16) == 0;
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

static int is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

/* 2.2.2, 2.2.3: a header (4 KiB) or region table (64 KiB) is valid when
 * its signature and its CRC-32C over size bytes, with the checksum field
 * at 0x04 taken as 0, match.  Returns 1 valid, 0 not. */
static int crc_block_valid(uint8_t *p, const char sig[4], size_t size)
{
	uint32_t want = le32(p + 0x04);
	uint32_t got;

	if (memcmp(p, sig, 4) != 0)
		return 0;
	put_le32(p + 0x04, 0);
	got = vhdx_crc32c(p, size);
	put_le32(p + 0x04, want);
	return got == want;
}

static int header_valid(uint8_t *h)
{
	return crc_block_valid(h, "head", VHDX_HEADER_SIZE);
}

static int region_valid(uint8_t *r)
{
	return crc_block_valid(r, "regi", VHDX_REGION_SIZE) &&
	       le32(r + 0x08) <= VHDX_REGION_MAX_ENTRIES;
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
	if (!guid_is(p, VHDX_GUID_LOCATOR_VHDX))
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
		/* as ASCII, '?' for anything else */
		utf16le_decode(p + ko, kl, UTF16_ASCII | UTF16_UNITS, key, sizeof(key), NULL);
		utf16le_decode(p + vo, vl, UTF16_ASCII | UTF16_UNITS, val, sizeof(val), NULL);
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
		if (guid_is(e, VHDX_GUID_FILE_PARAMETERS) && len >= 8) {
			info->block_size = le32(item);
			info->has_parent = (le32(item + 4) & VHDX_FP_HAS_PARENT) != 0;
			seen |= 1;
		} else if (guid_is(e, VHDX_GUID_VIRTUAL_SIZE) && len >= 8) {
			info->virtual_size = le64(item);
			seen |= 2;
		} else if (guid_is(e, VHDX_GUID_LOGICAL_SECTOR) && len >= 4) {
			info->logical_sector = le32(item);
			seen |= 4;
		} else if (guid_is(e, VHDX_GUID_PHYSICAL_SECTOR) && len >= 4) {
			info->physical_sector = le32(item);
			seen |= 8;
		} else if (guid_is(e, VHDX_GUID_VIRTUAL_DISK_ID) && len >= 16) {
			memcpy(info->virtual_disk_id, item, 16);
		} else if (guid_is(e, VHDX_GUID_PARENT_LOCATOR)) {
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
	for (i = 0; i < 16; i++)                           /* 0x30 LogGuid */
		if (cur[0x30 + i])
			info->log_pending = 1;
	vhdx_guid_to_text(info->data_write_text, info->data_write_guid, 0);
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

		if (guid_is(e, VHDX_GUID_METADATA_REGION)) {
			moff = le64(e + 0x10);
			mlen = le32(e + 0x18);
		} else if (guid_is(e, VHDX_GUID_BAT_REGION)) {
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

int vhdx_payload_state(int fd, const struct vhdx_info *info, uint64_t block,
		       unsigned *state, struct err *err)
{
	uint64_t entry, at;
	uint8_t e[8];
	int rc;

	if (info->chunk_ratio == 0)
		return err_set(err, -E_CORRUPT, "VHDX chunk ratio is 0");
	/* 2.5: payload block b's entry is b + b / chunk_ratio */
	entry = block + block / info->chunk_ratio;
	if (entry >= info->bat_length / 8)
		return err_set(err, -E_CORRUPT, "VHDX block %llu: BAT entry %llu is past the BAT's %u bytes",
			       (unsigned long long)block, (unsigned long long)entry, info->bat_length);
	at = info->bat_offset + 8 * entry;
	rc = pread_exact(fd, e, sizeof(e), at, err);
	if (rc < 0)
		return err_wrap(err, "VHDX BAT entry %llu", (unsigned long long)entry);
	*state = (unsigned)(le64(e) & 7);
	return 0;
}
