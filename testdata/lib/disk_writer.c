/* MBR / GPT disk writer and VHD differencing writer (see disk_writer.h). */
#define _GNU_SOURCE
#include "disk_writer.h"

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

#define MIB (1024ull * 1024)
#define COPY_CHUNK (1024u * 1024)
#define ZERO_BLOCK 4096u
#define GPT_NENTRIES 128u
#define GPT_ESIZE 128u
#define GPT_EBYTES (GPT_NENTRIES * GPT_ESIZE)

static int is_zero(const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

/* Write buf (len bytes, to land at off) skipping all-zero 4 KiB blocks. */
static int write_nonzero(int fd, const uint8_t *buf, size_t len, uint64_t off,
			 struct err *err)
{
	size_t i = 0;

	while (i < len) {
		size_t n = len - i < ZERO_BLOCK ? len - i : ZERO_BLOCK;
		size_t run = i;

		if (is_zero(buf + i, n)) {
			i += n;
			continue;
		}
		while (i < len) {
			n = len - i < ZERO_BLOCK ? len - i : ZERO_BLOCK;
			if (is_zero(buf + i, n))
				break;
			i += n;
		}
		if (fixture_pwrite(fd, buf + run, i - run, off + run, err) < 0)
			return err->code;
	}
	return 0;
}

/* Copy the file vol into fd at off: only its data regions (SEEK_DATA /
 * SEEK_HOLE) are read, and only non-zero blocks are written. */
static int copy_sparse(int fd, uint64_t off, const char *vol, uint64_t max,
		       struct err *err)
{
	struct stat st;
	uint8_t *buf = NULL;
	off_t pos = 0;
	int in, rc = 0;

	in = open(vol, O_RDONLY | O_CLOEXEC);
	if (in < 0)
		return err_set(err, -E_IO, "'%s': %s", vol, strerror(errno));
	if (fstat(in, &st) < 0) {
		rc = err_set(err, -E_IO, "'%s': %s", vol, strerror(errno));
		goto out;
	}
	if ((uint64_t)st.st_size > max) {
		rc = err_set(err, -E_USAGE,
			     "'%s' (%lld bytes) is bigger than its partition (%llu bytes)",
			     vol, (long long)st.st_size, (unsigned long long)max);
		goto out;
	}
	buf = malloc(COPY_CHUNK);
	if (!buf) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	while (pos < st.st_size) {
		off_t data = lseek(in, pos, SEEK_DATA), hole;

		if (data < 0) {
			if (errno == ENXIO)
				break;          /* only a hole is left */
			data = pos;             /* no SEEK_DATA: read everything */
		}
		hole = lseek(in, data, SEEK_HOLE);
		if (hole < 0 || hole > st.st_size)
			hole = st.st_size;
		while (data < hole) {
			size_t n = (size_t)(hole - data) < COPY_CHUNK ?
				   (size_t)(hole - data) : COPY_CHUNK;

			rc = fixture_pread(in, buf, n, (uint64_t)data, err);
			if (rc == 0)
				rc = write_nonzero(fd, buf, n, off + (uint64_t)data, err);
			if (rc < 0) {
				err_wrap(err, "'%s'", vol);
				goto out;
			}
			data += (off_t)n;
		}
		pos = hole;
	}
out:
	free(buf);
	close(in);
	return rc;
}

static uint64_t round_up(uint64_t v, uint64_t a)
{
	return (v + a - 1) / a * a;
}

/* A FAT32 boot sector (Microsoft "FAT: General Overview of On-Disk
 * Format" 1.03, BPB at 0x0B), enough for a file system probe to say FAT. */
static void fat32_boot_sector(uint8_t *s, uint64_t size, uint64_t hidden)
{
	uint32_t sectors = size / 512 > UINT32_MAX ? UINT32_MAX : (uint32_t)(size / 512);

	memset(s, 0, 512);
	s[0] = 0xeb; s[1] = 0x58; s[2] = 0x90;
	memcpy(s + 3, "MSDOS5.0", 8);
	/* 0x0B */ put_le16(s + 0x0b, 512);
	/* 0x0D */ s[0x0d] = 8;
	/* 0x0E */ put_le16(s + 0x0e, 32);
	/* 0x10 */ s[0x10] = 2;
	/* 0x15 */ s[0x15] = 0xf8;
	/* 0x18 */ put_le16(s + 0x18, 63);
	/* 0x1A */ put_le16(s + 0x1a, 255);
	/* 0x1C */ put_le32(s + 0x1c, (uint32_t)hidden);
	/* 0x20 */ put_le32(s + 0x20, sectors);
	/* 0x24 */ put_le32(s + 0x24, sectors / 8 / 128 + 1);
	/* 0x2C */ put_le32(s + 0x2c, 2);
	/* 0x30 */ put_le16(s + 0x30, 1);
	/* 0x32 */ put_le16(s + 0x32, 6);
	/* 0x40 */ s[0x40] = 0x80;
	/* 0x42 */ s[0x42] = 0x29;
	/* 0x43 */ put_le32(s + 0x43, 0x56535344);
	memcpy(s + 0x47, "NO NAME    ", 11);
	memcpy(s + 0x52, "FAT32   ", 8);
	s[0x1fe] = 0x55;
	s[0x1ff] = 0xaa;
}

/* One 16-byte MBR entry; CHS fields say "use the LBA fields". */
static void mbr_entry_put(uint8_t *p, int active, uint8_t type, uint32_t start,
			  uint32_t count)
{
	/* 0x00 */ p[0] = active ? 0x80 : 0x00;
	/* 0x01 */ p[1] = 0xfe; p[2] = 0xff; p[3] = 0xff;
	/* 0x04 */ p[4] = type;
	/* 0x05 */ p[5] = 0xfe; p[6] = 0xff; p[7] = 0xff;
	/* 0x08 */ put_le32(p + 8, start);
	/* 0x0C */ put_le32(p + 12, count);
}

static int lba32(uint64_t v, uint32_t *out, struct err *err)
{
	if (v > UINT32_MAX)
		return err_set(err, -E_USAGE, "sector %llu does not fit an MBR",
			       (unsigned long long)v);
	*out = (uint32_t)v;
	return 0;
}

static int write_mbr(int fd, const struct disk_layout *l,
		     const uint64_t *ebr, struct err *err)
{
	uint8_t s[512];
	unsigned i, slot = 0, first_log = l->count;
	uint32_t a = 0, b = 0;

	memset(s, 0, sizeof(s));
	put_le32(s + 0x1b8, l->mbr_signature ? l->mbr_signature : DISK_MBR_SIGNATURE);
	s[0x1fe] = 0x55;
	s[0x1ff] = 0xaa;
	for (i = 0; i < l->count; i++) {
		const struct disk_part *p = &l->part[i];

		if (p->logical) {
			if (first_log == l->count)
				first_log = i;
			continue;
		}
		if (lba32(p->offset / 512, &a, err) < 0 ||
		    lba32(p->size / 512, &b, err) < 0)
			return err->code;
		mbr_entry_put(s + 0x1be + 16 * slot++, p->active,
			      p->mbr_type ? p->mbr_type : 0x07, a, b);
	}
	if (first_log < l->count) {
		const struct disk_part *last = &l->part[l->count - 1];
		uint64_t ext_start = ebr[first_log];
		uint64_t ext_end = (last->offset + last->size) / 512;

		if (lba32(ext_start, &a, err) < 0 ||
		    lba32(ext_end - ext_start, &b, err) < 0)
			return err->code;
		mbr_entry_put(s + 0x1be + 16 * slot, 0, 0x0f, a, b);
		for (i = first_log; i < l->count; i++) {
			const struct disk_part *p = &l->part[i];
			uint8_t e[512];

			memset(e, 0, sizeof(e));
			e[0x1fe] = 0x55;
			e[0x1ff] = 0xaa;
			/* entry 1: the logical partition, relative to this EBR */
			if (lba32(p->offset / 512 - ebr[i], &a, err) < 0 ||
			    lba32(p->size / 512, &b, err) < 0)
				return err->code;
			mbr_entry_put(e + 0x1be, p->active,
				      p->mbr_type ? p->mbr_type : 0x07, a, b);
			/* entry 2: the next EBR, relative to the extended start */
			if (i + 1 < l->count) {
				const struct disk_part *n = &l->part[i + 1];

				if (lba32(ebr[i + 1] - ext_start, &a, err) < 0 ||
				    lba32((n->offset + n->size) / 512 - ebr[i + 1],
					  &b, err) < 0)
					return err->code;
				mbr_entry_put(e + 0x1be + 16, 0, 0x05, a, b);
			}
			if (fixture_pwrite(fd, e, sizeof(e), ebr[i] * 512, err) < 0)
				return err->code;
		}
	}
	return fixture_pwrite(fd, s, sizeof(s), 0, err);
}

/* Deterministic GUIDs: "56535344-..." (VSSD) with a serial. */
static void fixed_guid(uint8_t g[16], unsigned serial)
{
	char text[GPT_GUID_STR];

	snprintf(text, sizeof(text), "56535344-%04X-4000-8000-%012X",
		 serial >> 16 & 0xffff, serial);
	gpt_guid_parse(text, g, NULL);
}

/* Header at lba (primary 1 or backup last) over the entry array at elba. */
static void gpt_header_put(uint8_t *h, unsigned ss, uint64_t lba,
			   uint64_t alt, uint64_t first, uint64_t last,
			   uint64_t elba, uint32_t ecrc)
{
	memset(h, 0, ss);
	memcpy(h, "EFI PART", 8);
	/* 0x08 */ put_le32(h + 0x08, 0x00010000);
	/* 0x0C */ put_le32(h + 0x0c, 92);
	/* 0x18 */ put_le64(h + 0x18, lba);
	/* 0x20 */ put_le64(h + 0x20, alt);
	/* 0x28 */ put_le64(h + 0x28, first);
	/* 0x30 */ put_le64(h + 0x30, last);
	/* 0x38 */ fixed_guid(h + 0x38, 0xd15c);
	/* 0x48 */ put_le64(h + 0x48, elba);
	/* 0x50 */ put_le32(h + 0x50, GPT_NENTRIES);
	/* 0x54 */ put_le32(h + 0x54, GPT_ESIZE);
	/* 0x58 */ put_le32(h + 0x58, ecrc);
	/* 0x10 */ put_le32(h + 0x10, gpt_crc32(h, 92));
}

static int write_gpt(int fd, const struct disk_layout *l, unsigned ss,
		     uint64_t total, struct err *err)
{
	uint8_t *ents, hdr[4096], pmbr[512];
	uint64_t lbas = total / ss, last = lbas - 1;
	uint64_t esect = GPT_EBYTES / ss;
	uint32_t ecrc;
	unsigned i, j;
	int rc;

	ents = calloc(1, GPT_EBYTES);
	if (!ents)
		return err_set(err, -E_NOMEM, "out of memory");
	for (i = 0; i < l->count; i++) {
		const struct disk_part *p = &l->part[i];
		uint8_t *e = ents + i * GPT_ESIZE;

		rc = gpt_guid_parse(p->gpt_type ? p->gpt_type : GPT_TYPE_BASIC_DATA,
				    e + 0x00, err);
		if (rc < 0) {
			free(ents);
			return rc;
		}
		/* 0x10 */ fixed_guid(e + 0x10, i + 1);
		/* 0x20 */ put_le64(e + 0x20, p->offset / ss);
		/* 0x28 */ put_le64(e + 0x28, (p->offset + p->size) / ss - 1);
		/* 0x38: name, UTF-16LE, 36 units */
		for (j = 0; p->name && p->name[j] && j < 36; j++)
			put_le16(e + 0x38 + 2 * j, (uint8_t)p->name[j]);
	}
	ecrc = gpt_crc32(ents, GPT_EBYTES);
	rc = fixture_pwrite(fd, ents, GPT_EBYTES, 2 * (uint64_t)ss, err);
	if (rc == 0)
		rc = fixture_pwrite(fd, ents, GPT_EBYTES, (last - esect) * ss, err);
	free(ents);
	if (rc < 0)
		return rc;
	gpt_header_put(hdr, ss, 1, last, 2 + esect, last - esect - 1, 2, ecrc);
	rc = fixture_pwrite(fd, hdr, ss, ss, err);
	if (rc < 0)
		return rc;
	gpt_header_put(hdr, ss, last, 1, 2 + esect, last - esect - 1,
		       last - esect, ecrc);
	rc = fixture_pwrite(fd, hdr, ss, last * ss, err);
	if (rc < 0)
		return rc;
	/* Protective MBR: one 0xEE entry over the whole disk. */
	memset(pmbr, 0, sizeof(pmbr));
	mbr_entry_put(pmbr + 0x1be, 0, 0xee, 1,
		      lbas - 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(lbas - 1));
	pmbr[0x1be + 1] = 0x00; pmbr[0x1be + 2] = 0x02; pmbr[0x1be + 3] = 0x00;
	pmbr[0x1fe] = 0x55;
	pmbr[0x1ff] = 0xaa;
	return fixture_pwrite(fd, pmbr, sizeof(pmbr), 0, err);
}

int disk_write(const char *path, struct disk_layout *l, struct err *err)
{
	uint64_t ebr[DISK_MAX_PARTS] = { 0 };
	unsigned ss = l->sector_size ? l->sector_size : 512;
	uint64_t align = l->align ? l->align : MIB, pos, total;
	unsigned i, primaries = 0, logicals = 0;
	int fd, rc = 0;

	if (ss != 512 && !(ss == 4096 && l->scheme == DISK_GPT))
		return err_set(err, -E_USAGE, "sector size %u (MBR: 512, GPT: 512 or 4096)", ss);
	if (align % ss != 0 || align < ss)
		return err_set(err, -E_USAGE, "alignment %llu is not a multiple of %u",
			       (unsigned long long)align, ss);
	if (l->count == 0 || l->count > DISK_MAX_PARTS)
		return err_set(err, -E_USAGE, "%u partitions (1..%u)", l->count,
			       DISK_MAX_PARTS);
	pos = align;
	for (i = 0; i < l->count; i++) {
		struct disk_part *p = &l->part[i];
		struct stat st;

		if (p->size == 0) {
			if (!p->volume || stat(p->volume, &st) < 0 || st.st_size == 0)
				return err_set(err, -E_USAGE,
					       "partition %u has no size and no readable volume file", i + 1);
			p->size = (uint64_t)st.st_size;
		}
		p->size = round_up(p->size, ss);
		if (l->scheme == DISK_MBR && p->logical) {
			ebr[i] = pos / 512;
			pos += align;
			p->index = (int)(5 + logicals++);
		} else if (l->scheme == DISK_MBR) {
			if (logicals)
				return err_set(err, -E_USAGE,
					       "partition %u: primary partitions must come before logical ones", i + 1);
			p->index = (int)++primaries;
		} else {
			p->index = (int)(i + 1);
		}
		p->offset = pos;
		pos = round_up(pos + p->size, align);
	}
	if (l->scheme == DISK_MBR && primaries + (logicals ? 1 : 0) > 4)
		return err_set(err, -E_USAGE, "%u primary partitions%s: an MBR holds 4",
			       primaries, logicals ? " and an extended one" : "");
	total = pos + round_up(l->tail, align);
	if (l->scheme == DISK_GPT)
		total += align;         /* backup entry array and header */
	fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return err_set(err, -E_IO, "'%s': %s", path, strerror(errno));
	if (ftruncate(fd, (off_t)total) < 0) {
		rc = err_set(err, -E_IO, "'%s': %s", path, strerror(errno));
		goto out;
	}
	for (i = 0; i < l->count && rc == 0; i++) {
		const struct disk_part *p = &l->part[i];

		if (p->volume)
			rc = copy_sparse(fd, p->offset, p->volume, p->size, err);
		if (rc == 0 && p->fat_stub) {
			uint8_t s[512];

			fat32_boot_sector(s, p->size, p->offset / 512);
			rc = fixture_pwrite(fd, s, sizeof(s), p->offset, err);
		}
	}
	if (rc == 0)
		rc = l->scheme == DISK_GPT ? write_gpt(fd, l, ss, total, err) :
		     write_mbr(fd, l, ebr, err);
	l->disk_size = total;
	for (i = 0; i < l->count; i++) {
		l->part[i].guid[0] = '\0';
		if (l->scheme == DISK_GPT) {
			uint8_t g[16];

			fixed_guid(g, i + 1);
			gpt_guid_format(g, l->part[i].guid);
		}
	}
out:
	if (close(fd) < 0 && rc == 0)
		rc = err_set(err, -E_IO, "'%s': %s", path, strerror(errno));
	if (rc < 0)
		err_wrap(err, "'%s'", path);
	return rc;
}

int disk_corrupt_gpt_primary(const char *path, unsigned sector_size,
			     struct err *err)
{
	uint8_t b[4];
	int fd, rc;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, -E_IO, "'%s': %s", path, strerror(errno));
	/* 0x10: HeaderCRC32 of the header at LBA 1 */
	rc = fixture_pread(fd, b, sizeof(b), sector_size + 0x10, err);
	if (rc == 0) {
		b[0] ^= 0xff;
		rc = fixture_pwrite(fd, b, sizeof(b), sector_size + 0x10, err);
	}
	close(fd);
	return rc;
}

/* Rewrite entry index of the GPT whose header is at lba. */
static int gpt_entry_past_end(int fd, unsigned ss, uint64_t lba,
			      unsigned index, uint64_t lbas, struct err *err)
{
	uint8_t hdr[4096], *ents;
	uint64_t elba;
	uint32_t n, esz;
	size_t bytes;
	int rc;

	rc = fixture_pread(fd, hdr, ss, lba * ss, err);
	if (rc < 0)
		return rc;
	if (memcmp(hdr, "EFI PART", 8) != 0)
		return err_set(err, -E_CORRUPT, "no GPT header at LBA %llu",
			       (unsigned long long)lba);
	elba = le64(hdr + 0x48);
	n = le32(hdr + 0x50);
	esz = le32(hdr + 0x54);
	if (index == 0 || index > n || esz < 128 || (uint64_t)n * esz > (1u << 20))
		return err_set(err, -E_USAGE, "no GPT entry %u", index);
	bytes = (size_t)n * esz;
	ents = malloc(bytes);
	if (!ents)
		return err_set(err, -E_NOMEM, "out of memory");
	rc = fixture_pread(fd, ents, bytes, elba * ss, err);
	if (rc == 0) {
		uint8_t *e = ents + (size_t)(index - 1) * esz;

		if (is_zero(e, 16)) {
			gpt_guid_parse(GPT_TYPE_BASIC_DATA, e, NULL);
			fixed_guid(e + 0x10, 0xbad);
		}
		put_le64(e + 0x20, lbas + 2048);
		put_le64(e + 0x28, lbas + 2048 + 2047);
		put_le32(hdr + 0x58, gpt_crc32(ents, bytes));
		put_le32(hdr + 0x10, 0);
		put_le32(hdr + 0x10, gpt_crc32(hdr, le32(hdr + 0x0c)));
		rc = fixture_pwrite(fd, ents, bytes, elba * ss, err);
		if (rc == 0)
			rc = fixture_pwrite(fd, hdr, ss, lba * ss, err);
	}
	free(ents);
	return rc;
}

int disk_set_entry_past_end(const char *path, unsigned index,
			    unsigned sector_size, struct err *err)
{
	uint8_t s[512];
	struct stat st;
	uint64_t lbas;
	int fd, rc;

	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, -E_IO, "'%s': %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || (rc = fixture_pread(fd, s, sizeof(s), 0, err)) < 0) {
		close(fd);
		return err_set(err, -E_IO, "'%s': cannot read", path);
	}
	lbas = (uint64_t)st.st_size / sector_size;
	if (s[0x1be + 4] == 0xee) {
		rc = gpt_entry_past_end(fd, sector_size, 1, index, lbas, err);
		if (rc == 0)
			rc = gpt_entry_past_end(fd, sector_size, lbas - 1, index, lbas, err);
	} else if (index >= 1 && index <= 4) {
		uint8_t *e = s + 0x1be + 16 * (index - 1);
		uint64_t start = lbas + 2048;

		mbr_entry_put(e, 0, e[4] ? e[4] : 0x07,
			      start > UINT32_MAX - 4096 ? UINT32_MAX - 4096 : (uint32_t)start,
			      2048);
		rc = fixture_pwrite(fd, s, sizeof(s), 0, err);
	} else {
		rc = err_set(err, -E_USAGE, "no MBR entry %u", index);
	}
	close(fd);
	return rc;
}

/* VHD: big-endian fields (VHD specification 1.0). */
static void put_be16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void put_be32(uint8_t *p, uint32_t v)
{
	put_be16(p, (uint16_t)(v >> 16));
	put_be16(p + 2, (uint16_t)v);
}

static void put_be64(uint8_t *p, uint64_t v)
{
	put_be32(p, (uint32_t)(v >> 32));
	put_be32(p + 4, (uint32_t)v);
}

/* One's complement of the byte sum, the checksum field counted as 0. */
static uint32_t vhd_checksum(const uint8_t *p, size_t len, size_t field)
{
	uint32_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		if (i < field || i >= field + 4)
			sum += p[i];
	return ~sum;
}

#define VHD_BLOCK (2u * 1024 * 1024)
#define VHD_BITMAP 512u       /* 4096 sectors per block / 8, one sector */

int disk_write_vhd_diff(const char *child, const char *parent,
			const char *parent_name, uint64_t off,
			const void *data, size_t len, struct err *err)
{
	uint8_t pf[512], foot[512], dyn[1024], *bat = NULL;
	uint64_t vsize, pos;
	uint32_t entries, batbytes, blk;
	struct stat st;
	int pfd, fd = -1, rc;
	size_t i;

	if (off % 512 || len % 512)
		return err_set(err, -E_USAGE, "offset and length must be multiples of 512");
	pfd = open(parent, O_RDONLY | O_CLOEXEC);
	if (pfd < 0)
		return err_set(err, -E_IO, "'%s': %s", parent, strerror(errno));
	rc = fstat(pfd, &st) < 0 || st.st_size < 512 ? -E_IO :
	     fixture_pread(pfd, pf, sizeof(pf), (uint64_t)st.st_size - 512, err);
	close(pfd);
	if (rc < 0 || memcmp(pf, "conectix", 8) != 0)
		return err_set(err, -E_FORMAT, "'%s': no VHD footer", parent);
	/* footer 0x30: current size */
	vsize = be64(pf + 0x30);
	if (off + len > vsize)
		return err_set(err, -E_USAGE, "data past the parent's size");
	entries = (uint32_t)((vsize + VHD_BLOCK - 1) / VHD_BLOCK);
	batbytes = (uint32_t)round_up((uint64_t)entries * 4, 512);

	memset(foot, 0, sizeof(foot));
	memcpy(foot + 0x00, "conectix", 8);
	/* 0x08 */ put_be32(foot + 0x08, 2);
	/* 0x0C */ put_be32(foot + 0x0c, 0x00010000);
	/* 0x10 */ put_be64(foot + 0x10, 512);
	/* 0x18 */ put_be32(foot + 0x18, be32(pf + 0x18) + 60);
	/* 0x1C */ memcpy(foot + 0x1c, "vssd", 4);
	/* 0x20 */ put_be32(foot + 0x20, 0x00010000);
	/* 0x24 */ memcpy(foot + 0x24, "Wi2k", 4);
	/* 0x28 */ put_be64(foot + 0x28, vsize);
	/* 0x30 */ put_be64(foot + 0x30, vsize);
	/* 0x38 */ memcpy(foot + 0x38, pf + 0x38, 4);
	/* 0x3C */ put_be32(foot + 0x3c, 4);
	/* 0x44 */ memcpy(foot + 0x44, "vssd-diff-child!", 16);
	/* 0x40 */ put_be32(foot + 0x40, vhd_checksum(foot, sizeof(foot), 0x40));

	memset(dyn, 0, sizeof(dyn));
	memcpy(dyn + 0x00, "cxsparse", 8);
	/* 0x08 */ put_be64(dyn + 0x08, UINT64_MAX);
	/* 0x10 */ put_be64(dyn + 0x10, 512 + 1024);
	/* 0x18 */ put_be32(dyn + 0x18, 0x00010000);
	/* 0x1C */ put_be32(dyn + 0x1c, entries);
	/* 0x20 */ put_be32(dyn + 0x20, VHD_BLOCK);
	/* 0x28 */ memcpy(dyn + 0x28, pf + 0x44, 16);
	/* 0x38 */ put_be32(dyn + 0x38, be32(pf + 0x18));
	/* 0x40: parent unicode name, UTF-16 big-endian, 256 units */
	for (i = 0; parent_name[i] && i < 255; i++)
		put_be16(dyn + 0x40 + 2 * i, (uint8_t)parent_name[i]);
	/* 0x24 */ put_be32(dyn + 0x24, vhd_checksum(dyn, sizeof(dyn), 0x24));

	bat = malloc(batbytes);
	if (!bat)
		return err_set(err, -E_NOMEM, "out of memory");
	memset(bat, 0xff, batbytes);
	fd = open(child, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0) {
		free(bat);
		return err_set(err, -E_IO, "'%s': %s", child, strerror(errno));
	}
	pos = 512 + 1024 + batbytes;
	rc = 0;
	for (blk = (uint32_t)(off / VHD_BLOCK); len && rc == 0 &&
	     (uint64_t)blk * VHD_BLOCK < off + len; blk++) {
		uint64_t bstart = (uint64_t)blk * VHD_BLOCK;
		uint64_t from = off > bstart ? off : bstart;
		uint64_t to = off + len < bstart + VHD_BLOCK ? off + len : bstart + VHD_BLOCK;
		uint8_t bitmap[VHD_BITMAP];
		uint64_t sct;

		memset(bitmap, 0, sizeof(bitmap));
		for (sct = (from - bstart) / 512; sct < (to - bstart) / 512; sct++)
			bitmap[sct / 8] |= (uint8_t)(0x80 >> (sct % 8));
		put_be32(bat + 4 * blk, (uint32_t)(pos / 512));
		rc = fixture_pwrite(fd, bitmap, sizeof(bitmap), pos, err);
		if (rc == 0)
			rc = fixture_pwrite(fd, (const uint8_t *)data + (from - off),
					(size_t)(to - from),
					pos + VHD_BITMAP + (from - bstart), err);
		pos += VHD_BITMAP + VHD_BLOCK;
	}
	if (rc == 0 && ftruncate(fd, (off_t)pos) < 0)
		rc = err_set(err, -E_IO, "'%s': %s", child, strerror(errno));
	if (rc == 0)
		rc = fixture_pwrite(fd, foot, sizeof(foot), 0, err);
	if (rc == 0)
		rc = fixture_pwrite(fd, dyn, sizeof(dyn), 512, err);
	if (rc == 0)
		rc = fixture_pwrite(fd, bat, batbytes, 512 + 1024, err);
	if (rc == 0)
		rc = fixture_pwrite(fd, foot, sizeof(foot), pos, err);
	free(bat);
	if (close(fd) < 0 && rc == 0)
		rc = err_set(err, -E_IO, "'%s': %s", child, strerror(errno));
	return rc;
}
