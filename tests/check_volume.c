/* Volume layer: the MBR and GPT parsers (table-driven vectors), and
 * volume_scan over memory images and over disks written by
 * testdata/lib/disk_writer.c (GPT with EFI/MSR/Basic data, 4K sectors,
 * MBR with System Reserved, logical partitions, damaged tables). */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "disk_writer.h"
#include "gpt.h"
#include "image.h"
#include "limits.h"
#include "mbr.h"
#include "volume.h"

#define MIB (1024u * 1024)
#define TIMEOUT 30

/* ---- MBR parser ---- */

static void put_entry(uint8_t *s, unsigned slot, uint8_t status, uint8_t type,
		      uint32_t start, uint32_t count)
{
	uint8_t *e = s + 0x1be + 16 * slot;

	e[0] = status;
	e[4] = type;
	put_le32(e + 8, start);
	put_le32(e + 12, count);
}

static void sig(uint8_t *s)
{
	s[0x1fe] = 0x55;
	s[0x1ff] = 0xaa;
}

struct mbr_vec {
	const char *name;
	int with_sig;
	uint8_t status, type;
	uint32_t start, count;
	size_t len;
	int rc;
	unsigned used;
};

static const struct mbr_vec mbr_vecs[] = {
	{ "no signature", 0, 0, 0x07, 2048, 100, 512, 0, 0 },
	{ "empty table", 1, 0, 0x00, 0, 0, 512, 1, 0 },
	{ "ntfs active", 1, 0x80, 0x07, 2048, 1000, 512, 1, 1 },
	{ "type 0 ignores junk", 1, 0x33, 0x00, 77, 0, 512, 1, 0 },
	{ "bad status", 1, 0x12, 0x07, 2048, 100, 512, -E_CORRUPT, 0 },
	{ "zero sectors", 1, 0x00, 0x07, 2048, 0, 512, -E_CORRUPT, 0 },
	{ "32-bit overflow", 1, 0x00, 0x07, 0xfffffff0u, 0x100, 512, -E_CORRUPT, 0 },
	{ "ends at 2^32", 1, 0x00, 0x07, 0xffffff00u, 0x100, 512, 1, 1 },
	{ "short buffer", 1, 0x00, 0x07, 2048, 100, 100, -E_CORRUPT, 0 },
};

START_TEST(test_mbr_vectors)
{
	const struct mbr_vec *v = &mbr_vecs[_i];
	uint8_t s[512] = { 0 };
	struct mbr m;
	struct err err;
	int rc;

	if (v->with_sig)
		sig(s);
	put_entry(s, 1, v->status, v->type, v->start, v->count);
	put_le32(s + 0x1b8, 0x12345678);
	err_init(&err);
	rc = mbr_parse(s, v->len, &m, &err);
	ck_assert_msg(rc == v->rc, "%s: rc %d want %d (%s)", v->name, rc, v->rc, err.msg);
	if (rc == 1) {
		ck_assert_uint_eq(m.used, v->used);
		ck_assert_uint_eq(m.disk_signature, 0x12345678);
		if (v->used) {
			ck_assert_uint_eq(m.e[1].type, v->type);
			ck_assert_uint_eq(m.e[1].status, v->status);
			ck_assert_uint_eq(m.e[1].lba_start, v->start);
			ck_assert_uint_eq(m.e[1].lba_count, v->count);
		} else {
			ck_assert_uint_eq(m.e[1].lba_start, 0);
		}
	}
	if (rc < 0)
		ck_assert_msg(err.msg[0] && !strchr(err.msg, '\n'), "%s", err.msg);
}
END_TEST

START_TEST(test_mbr_types)
{
	char b[48];

	mbr_type_describe(0x07, b, sizeof(b));
	ck_assert_str_eq(b, "NTFS/exFAT (0x07)");
	mbr_type_describe(0x27, b, sizeof(b));
	ck_assert_str_eq(b, "Windows Recovery (0x27)");
	mbr_type_describe(0xef, b, sizeof(b));
	ck_assert_str_eq(b, "EFI system (0xef)");
	mbr_type_describe(0x99, b, sizeof(b));
	ck_assert_str_eq(b, "0x99");
	mbr_type_describe(0x07, b, 4);
	ck_assert_str_eq(b, "NTF");
	ck_assert(mbr_type_is_extended(0x05));
	ck_assert(mbr_type_is_extended(0x0f));
	ck_assert(mbr_type_is_extended(0x85));
	ck_assert(!mbr_type_is_extended(0x07));
	ck_assert(!mbr_type_is_extended(0xee));
}
END_TEST

/* ---- GPT parser ---- */

/* A valid header for LBA lba (len bytes), CRC set last by fix_crc. */
static void gpt_hdr(uint8_t *h, size_t len, uint64_t lba)
{
	memset(h, 0, len);
	memcpy(h, "EFI PART", 8);
	put_le32(h + 0x08, 0x00010000);
	put_le32(h + 0x0c, 92);
	put_le64(h + 0x18, lba);
	put_le64(h + 0x20, 1000);
	put_le64(h + 0x28, 34);
	put_le64(h + 0x30, 966);
	memset(h + 0x38, 0xab, 16);
	put_le64(h + 0x48, 2);
	put_le32(h + 0x50, 128);
	put_le32(h + 0x54, 128);
	put_le32(h + 0x58, 0xdeadbeef);
}

/* h holds 512 bytes; a HeaderSize beyond that is left with a CRC of the
 * 512 (the parser must refuse the size before it looks at the CRC). */
static void fix_crc(uint8_t *h)
{
	uint32_t n = le32(h + 0x0c) < 512 ? le32(h + 0x0c) : 512;

	put_le32(h + 0x10, 0);
	put_le32(h + 0x10, gpt_crc32(h, n));
}

enum gpt_mut {
	GM_NONE, GM_NOSIG, GM_BADCRC, GM_LBA, GM_HSIZE_SMALL, GM_HSIZE_BIG,
	GM_REV, GM_ESIZE_ODD, GM_ESIZE_BIG, GM_COUNT_BIG, GM_TABLE_BIG,
	GM_USABLE, GM_HSIZE_512,
};

struct gpt_vec {
	const char *name;
	enum gpt_mut mut;
	int rc;
	const char *want;
};

static const struct gpt_vec gpt_vecs[] = {
	{ "valid", GM_NONE, 1, NULL },
	{ "no signature", GM_NOSIG, 0, NULL },
	{ "bad crc", GM_BADCRC, -E_CORRUPT, "crc32" },
	{ "wrong lba", GM_LBA, -E_CORRUPT, "says it is at LBA 7" },
	{ "header 91 bytes", GM_HSIZE_SMALL, -E_CORRUPT, "size 91" },
	{ "header bigger than block", GM_HSIZE_BIG, -E_CORRUPT, "size 600" },
	{ "header 512 bytes", GM_HSIZE_512, 1, NULL },
	{ "revision 2", GM_REV, -E_CORRUPT, "revision" },
	{ "entry size 100", GM_ESIZE_ODD, -E_CORRUPT, "entry size 100" },
	{ "entry size 8192", GM_ESIZE_BIG, -E_LIMIT, "LIMIT_GPT_ENTRY_SIZE" },
	{ "5000 entries", GM_COUNT_BIG, -E_LIMIT, "LIMIT_GPT_ENTRIES" },
	{ "2 MiB array", GM_TABLE_BIG, -E_LIMIT, "LIMIT_GPT_TABLE_BYTES" },
	{ "usable range reversed", GM_USABLE, -E_CORRUPT, "first usable" },
};

START_TEST(test_gpt_header_vectors)
{
	const struct gpt_vec *v = &gpt_vecs[_i];
	uint8_t h[512];
	struct gpt_header gh;
	struct err err;
	int rc;

	gpt_hdr(h, sizeof(h), 1);
	switch (v->mut) {
	case GM_NOSIG: h[0] = 'X'; break;
	case GM_LBA: put_le64(h + 0x18, 7); break;
	case GM_HSIZE_SMALL: put_le32(h + 0x0c, 91); break;
	case GM_HSIZE_BIG: put_le32(h + 0x0c, 600); break;
	case GM_HSIZE_512: put_le32(h + 0x0c, 512); break;
	case GM_REV: put_le32(h + 0x08, 0x00020000); break;
	case GM_ESIZE_ODD: put_le32(h + 0x54, 100); break;
	case GM_ESIZE_BIG: put_le32(h + 0x54, 8192); break;
	case GM_COUNT_BIG: put_le32(h + 0x50, 5000); break;
	case GM_TABLE_BIG: put_le32(h + 0x50, 1024); put_le32(h + 0x54, 2048); break;
	case GM_USABLE: put_le64(h + 0x28, 900); put_le64(h + 0x30, 100); break;
	default: break;
	}
	fix_crc(h);
	if (v->mut == GM_BADCRC)
		h[0x10] ^= 1;
	err_init(&err);
	rc = gpt_header_parse(h, sizeof(h), 1, &gh, &err);
	ck_assert_msg(rc == v->rc, "%s: rc %d want %d (%s)", v->name, rc, v->rc, err.msg);
	if (v->want)
		ck_assert_msg(strstr(err.msg, v->want), "%s: '%s' lacks '%s'",
			      v->name, err.msg, v->want);
	if (rc == 1) {
		ck_assert_uint_eq(gh.my_lba, 1);
		ck_assert_uint_eq(gh.alternate_lba, 1000);
		ck_assert_uint_eq(gh.entries_lba, 2);
		ck_assert_uint_eq(gh.entry_count, 128);
		ck_assert_uint_eq(gh.entry_size, 128);
		ck_assert_uint_eq(gh.entries_crc, 0xdeadbeef);
		ck_assert_uint_eq(gpt_entries_bytes(&gh), 16384);
	}
}
END_TEST

START_TEST(test_gpt_short_buffer)
{
	uint8_t h[512];
	struct gpt_header gh;

	gpt_hdr(h, sizeof(h), 1);
	fix_crc(h);
	ck_assert_int_eq(gpt_header_parse(h, 91, 1, &gh, NULL), -E_CORRUPT);
	ck_assert_int_eq(gpt_header_parse(h, 92, 1, &gh, NULL), 1);
}
END_TEST

START_TEST(test_gpt_entries)
{
	static const uint16_t name[] = { 'B', 0xe9, 'z', 0xd83d, 0xde00, 0xd800, 'x', 0 };
	struct gpt_header gh = { .entry_count = 4, .entry_size = 128 };
	uint8_t a[4 * 128] = { 0 };
	struct gpt_entry e;
	struct err err;
	char s[GPT_GUID_STR];
	size_t i;

	ck_assert_int_eq(gpt_guid_parse(GPT_TYPE_BASIC_DATA, a + 128, NULL), 0);
	memset(a + 128 + 16, 0x11, 16);
	put_le64(a + 128 + 0x20, 2048);
	put_le64(a + 128 + 0x28, 4095);
	put_le64(a + 128 + 0x30, 0x8000000000000001ull);
	for (i = 0; i < sizeof(name) / 2; i++)
		put_le16(a + 128 + 0x38 + 2 * i, name[i]);
	ck_assert_int_eq(gpt_guid_parse(GPT_TYPE_EFI_SYSTEM, a + 256, NULL), 0);
	put_le64(a + 256 + 0x20, 10);
	put_le64(a + 256 + 0x28, 9);
	gh.entries_crc = gpt_crc32(a, sizeof(a));

	ck_assert_int_eq(gpt_entries_check(a, sizeof(a), &gh, NULL), 0);
	ck_assert_int_eq(gpt_entries_check(a, sizeof(a) - 1, &gh, NULL), -E_CORRUPT);
	a[3] ^= 1;
	err_init(&err);
	ck_assert_int_eq(gpt_entries_check(a, sizeof(a), &gh, &err), -E_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "crc32"));
	a[3] ^= 1;

	ck_assert_int_eq(gpt_entry_parse(a, sizeof(a), &gh, 0, &e, NULL), 0);
	ck_assert_int_eq(gpt_entry_parse(a, sizeof(a), &gh, 1, &e, NULL), 1);
	ck_assert_str_eq(gpt_type_name(e.type_guid), "Basic data");
	ck_assert_uint_eq(e.first_lba, 2048);
	ck_assert_uint_eq(e.last_lba, 4095);
	ck_assert_uint_eq(e.attributes, 0x8000000000000001ull);
	/* é, U+1F600 from a surrogate pair, an unpaired surrogate as U+FFFD */
	ck_assert_str_eq(e.name, "B\xc3\xa9z\xf0\x9f\x98\x80\xef\xbf\xbdx");
	gpt_guid_format(e.unique_guid, s);
	ck_assert_str_eq(s, "11111111-1111-1111-1111-111111111111");
	err_init(&err);
	ck_assert_int_eq(gpt_entry_parse(a, sizeof(a), &gh, 2, &e, &err), -E_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "first LBA 10 > last LBA 9"));
	ck_assert_int_eq(gpt_entry_parse(a, sizeof(a), &gh, 4, &e, NULL), -E_CORRUPT);
	ck_assert_int_eq(gpt_entry_parse(a, 300, &gh, 3, &e, NULL), -E_CORRUPT);
}
END_TEST

START_TEST(test_gpt_guids_crc)
{
	static const char *const known[][2] = {
		{ GPT_TYPE_BASIC_DATA, "Basic data" },
		{ GPT_TYPE_EFI_SYSTEM, "EFI system" },
		{ GPT_TYPE_MS_RESERVED, "Microsoft reserved" },
		{ GPT_TYPE_WINDOWS_RECOVERY, "Windows Recovery" },
	};
	static const uint8_t basic_disk[4] = { 0xa2, 0xa0, 0xd0, 0xeb };
	uint8_t g[16];
	char s[GPT_GUID_STR];
	size_t i;

	ck_assert_uint_eq(gpt_crc32((const uint8_t *)"123456789", 9), 0xcbf43926u);
	ck_assert_uint_eq(gpt_crc32(NULL, 0), 0);
	for (i = 0; i < sizeof(known) / sizeof(known[0]); i++) {
		ck_assert_int_eq(gpt_guid_parse(known[i][0], g, NULL), 0);
		ck_assert_str_eq(gpt_type_name(g), known[i][1]);
		gpt_guid_format(g, s);
		ck_assert_str_eq(s, known[i][0]);
	}
	/* the first field is little-endian on disk */
	gpt_guid_parse(GPT_TYPE_BASIC_DATA, g, NULL);
	ck_assert_mem_eq(g, basic_disk, 4);
	ck_assert_int_eq(gpt_guid_parse("12345678-1234-1234-1234-12345678901", g, NULL), -E_CORRUPT);
	ck_assert_int_eq(gpt_guid_parse("12345678-1234-1234-1234-1234567890123", g, NULL), -E_CORRUPT);
	ck_assert_int_eq(gpt_guid_parse("1234567g-1234-1234-1234-123456789012", g, NULL), -E_CORRUPT);
	ck_assert_int_eq(gpt_guid_parse("12345678+1234-1234-1234-123456789012", g, NULL), -E_CORRUPT);
	memset(g, 0x5a, sizeof(g));
	ck_assert_ptr_null(gpt_type_name(g));
}
END_TEST

/* ---- volume_scan over memory ---- */

static struct volume_table *scan_mem(const uint8_t *buf, size_t len, int want_rc,
				     struct err *err)
{
	struct volume_table *vt = calloc(1, sizeof(*vt));
	struct image *img;
	int rc;

	ck_assert_ptr_nonnull(vt);
	ck_assert_int_eq(image_from_memory(&img, buf, len, NULL), 0);
	err_init(err);
	rc = volume_scan(img, vt, err);
	ck_assert_msg(want_rc ? rc < 0 : rc == 0, "rc %d: %s", rc, err->msg);
	image_free(img);
	return vt;
}

struct bare_vec {
	const char *oem;      /* at offset 3, NULL: none */
	int fat;              /* FAT32 text at 0x52 + 55 AA */
	int zero;
	enum volume_fs fs;
};

static const struct bare_vec bare_vecs[] = {
	{ "NTFS    ", 0, 0, VOLUME_FS_NTFS },
	{ "-FVE-FS-", 0, 0, VOLUME_FS_BITLOCKER },
	{ "EXFAT   ", 0, 0, VOLUME_FS_EXFAT },
	{ "ReFS\0\0\0\0", 0, 0, VOLUME_FS_REFS },
	{ "MSDOS5.0", 1, 0, VOLUME_FS_FAT },
	{ NULL, 0, 1, VOLUME_FS_EMPTY },
	{ "garbage!", 0, 0, VOLUME_FS_UNKNOWN },
};

START_TEST(test_scan_bare)
{
	const struct bare_vec *v = &bare_vecs[_i];
	uint8_t *buf = calloc(1, 64 * 1024);
	struct volume_table *vt;
	struct err err;

	if (v->oem)
		memcpy(buf + 3, v->oem, 8);
	if (v->fat) {
		memcpy(buf + 0x52, "FAT32   ", 8);
		sig(buf);
	}
	if (v->oem && !v->fat)
		sig(buf);          /* a VBR ends in 55 AA like an MBR */
	vt = scan_mem(buf, 64 * 1024, 0, &err);
	ck_assert_str_eq(vt->scheme, "none");
	ck_assert_uint_eq(vt->count, 1);
	ck_assert_int_eq(vt->v[0].index, 0);
	ck_assert_uint_eq(vt->v[0].size, 64 * 1024);
	ck_assert_int_eq(vt->v[0].fs, v->fs);
	ck_assert_str_eq(vt->v[0].type, "bare volume");
	ck_assert_ptr_eq(volume_by_index(vt, 0), &vt->v[0]);
	ck_assert_ptr_null(volume_by_index(vt, 1));
	free(vt);
	free(buf);
}
END_TEST

/* Sector 0 with 55 AA, an impossible table and no boot-sector name. */
START_TEST(test_scan_garbage_table)
{
	uint8_t *buf = calloc(1, 64 * 1024);
	struct volume_table *vt;
	struct err err;

	memset(buf + 0x1be, 0x41, 64);
	sig(buf);
	vt = scan_mem(buf, 64 * 1024, 0, &err);
	ck_assert_str_eq(vt->scheme, "none");
	ck_assert_ptr_nonnull(strstr(vt->warning, "no valid partition table"));
	free(vt);
	free(buf);
}
END_TEST

#define MEM_DISK (4u * MIB)

START_TEST(test_scan_mbr_memory)
{
	uint8_t *d = calloc(1, MEM_DISK);
	struct volume_table *vt;
	struct err err;

	sig(d);
	put_entry(d, 0, 0x80, 0x07, 2048, 2048);
	put_entry(d, 2, 0x00, 0x27, 4096, 2048);
	memcpy(d + 2048 * 512 + 3, "NTFS    ", 8);
	memcpy(d + 4096 * 512 + 3, "NTFS    ", 8);
	vt = scan_mem(d, MEM_DISK, 0, &err);
	ck_assert_str_eq(vt->scheme, "mbr");
	ck_assert_uint_eq(vt->count, 2);
	ck_assert_int_eq(vt->v[0].index, 1);
	ck_assert_uint_eq(vt->v[0].offset, MIB);
	ck_assert_uint_eq(vt->v[0].size, MIB);
	ck_assert_str_eq(vt->v[0].type, "NTFS/exFAT (0x07)");
	ck_assert_int_eq(vt->v[0].fs, VOLUME_FS_NTFS);
	ck_assert_int_eq(vt->v[1].index, 3);
	ck_assert_str_eq(vt->v[1].type, "Windows Recovery (0x27)");
	ck_assert_str_eq(vt->warning, "");
	free(vt);

	/* partition 2 past the end: skipped, said, the others kept */
	put_entry(d, 1, 0x00, 0x07, MEM_DISK / 512 - 10, 100);
	vt = scan_mem(d, MEM_DISK, 0, &err);
	ck_assert_uint_eq(vt->count, 2);
	ck_assert_ptr_null(volume_by_index(vt, 2));
	ck_assert_ptr_nonnull(strstr(vt->warning,
		"partition 2 (bytes 4189184..4240384) extends past the end of the image (4194304 bytes): skipped"));
	free(vt);
	free(d);
}
END_TEST

/* Extended chain: n logical partitions, one EBR every 2 sectors from
 * sector 2048, each logical one sector after its EBR; loop_at links EBR
 * loop_at back to the first (0: no loop). */
static uint8_t *ebr_disk(unsigned n, unsigned loop_at, size_t *len)
{
	size_t size = (2048 + 2 * n + 16) * 512;
	uint8_t *d = calloc(1, size);
	unsigned k;

	sig(d);
	put_entry(d, 0, 0x00, 0x0f, 2048, 2 * n + 8);
	for (k = 0; k < n; k++) {
		uint8_t *e = d + (size_t)(2048 + 2 * k) * 512;

		sig(e);
		put_entry(e, 0, 0x00, 0x07, 1, 1);
		if (k + 1 < n)
			put_entry(e, 1, 0x00, 0x05,
				  loop_at && k + 1 == loop_at ? 0 : 2 * (k + 1), 2);
		memcpy(e + 512 + 3, "NTFS    ", 8);
	}
	*len = size;
	return d;
}

START_TEST(test_scan_ebr_chain)
{
	struct volume_table *vt;
	struct err err;
	size_t len;
	uint8_t *d;

	d = ebr_disk(3, 0, &len);
	vt = scan_mem(d, len, 0, &err);
	ck_assert_str_eq(vt->scheme, "mbr");
	ck_assert_uint_eq(vt->count, 3);
	ck_assert_int_eq(vt->v[0].index, 5);
	ck_assert_uint_eq(vt->v[0].offset, 2049 * 512);
	ck_assert_int_eq(vt->v[2].index, 7);
	ck_assert_uint_eq(vt->v[2].offset, 2053 * 512);
	ck_assert_int_eq(vt->v[2].fs, VOLUME_FS_NTFS);
	ck_assert_str_eq(vt->warning, "");
	free(vt);
	free(d);

	/* the third EBR links back to the first: stopped, said */
	d = ebr_disk(5, 3, &len);
	vt = scan_mem(d, len, 0, &err);
	ck_assert_uint_eq(vt->count, 3);
	ck_assert_ptr_nonnull(strstr(vt->warning, "links back"));
	free(vt);
	free(d);

	/* longer than LIMIT_MBR_EBR_CHAIN */
	d = ebr_disk(LIMIT_MBR_EBR_CHAIN + 6, 0, &len);
	vt = scan_mem(d, len, 0, &err);
	ck_assert_uint_eq(vt->count, LIMIT_MBR_EBR_CHAIN);
	ck_assert_ptr_nonnull(strstr(vt->warning, "LIMIT_MBR_EBR_CHAIN"));
	free(vt);
	free(d);

	/* an EBR without 55 AA */
	d = ebr_disk(3, 0, &len);
	d[(2048 + 2) * 512 + 0x1fe] = 0;
	vt = scan_mem(d, len, 0, &err);
	ck_assert_uint_eq(vt->count, 1);
	ck_assert_ptr_nonnull(strstr(vt->warning, "no 55 AA"));
	free(vt);
	free(d);
}
END_TEST

START_TEST(test_scan_errors)
{
	uint8_t *d = calloc(1, MEM_DISK);
	struct volume_table *vt;
	struct image *img;
	struct err err;

	/* protective MBR, no GPT anywhere */
	sig(d);
	put_entry(d, 0, 0x00, 0xee, 1, MEM_DISK / 512 - 1);
	vt = scan_mem(d, MEM_DISK, 1, &err);
	ck_assert_ptr_nonnull(strstr(err.msg, "protective MBR"));
	free(vt);
	/* smaller than a sector */
	vt = scan_mem(d, 100, 1, &err);
	ck_assert_ptr_nonnull(strstr(err.msg, "smaller than one sector"));
	free(vt);
	/* the first sector cannot be read */
	vt = calloc(1, sizeof(*vt));
	ck_assert_int_eq(image_from_memory(&img, d, MEM_DISK, NULL), 0);
	image_set_fault(img, 100, 0);
	err_init(&err);
	ck_assert_int_eq(volume_scan(img, vt, &err), -E_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "first sector"));
	image_free(img);
	/* an unreadable GPT header is an i/o error, not a damaged table */
	ck_assert_int_eq(image_from_memory(&img, d, MEM_DISK, NULL), 0);
	image_set_fault(img, 600, 0);
	err_init(&err);
	ck_assert_int_eq(volume_scan(img, vt, &err), -E_IO);
	ck_assert_ptr_nonnull(strstr(err.msg, "GPT header at LBA 1: injected"));
	image_free(img);
	free(vt);
	free(d);
}
END_TEST

/* ---- disks written by disk_writer ---- */

/* A 2 MiB volume file starting with a boot sector named oem. */
static char *volume_file(const char *dir, const char *oem)
{
	char *p = NULL;
	uint8_t *v = calloc(1, 2 * MIB);
	size_t i;

	memcpy(v + 3, oem, 8);
	sig(v);
	for (i = 4096; i < 2 * MIB; i += 4096)
		v[i] = (uint8_t)i;
	ck_assert_int_ge(asprintf(&p, "%s/vol.bin", dir), 0);
	ck_assert_int_eq(tu_write_file(p, v, 2 * MIB), 0);
	free(v);
	return p;
}

/* EFI (100 MiB, FAT32 boot sector), MSR (16 MiB), the volume. */
static void gpt_layout(struct disk_layout *l, const char *vol, unsigned ss)
{
	memset(l, 0, sizeof(*l));
	l->scheme = DISK_GPT;
	l->sector_size = ss;
	l->count = 3;
	l->part[0] = (struct disk_part){ .size = 100 * MIB, .gpt_type = GPT_TYPE_EFI_SYSTEM,
					 .name = "EFI system partition", .fat_stub = 1 };
	l->part[1] = (struct disk_part){ .size = 16 * MIB, .gpt_type = GPT_TYPE_MS_RESERVED,
					 .name = "Microsoft reserved partition" };
	l->part[2] = (struct disk_part){ .volume = vol, .name = "Basic data partition" };
}

static struct volume_table *scan_file(const char *path, int want_rc,
				      struct err *err, uint64_t *bytes)
{
	struct volume_table *vt = calloc(1, sizeof(*vt));
	struct image *img;
	int rc;

	err_init(err);
	ck_assert_msg(image_open(&img, path, err) == 0, "%s", err->msg);
	rc = volume_scan(img, vt, err);
	ck_assert_msg(want_rc ? rc < 0 : rc == 0, "rc %d: %s", rc, err->msg);
	if (bytes)
		*bytes = image_bytes_read(img);
	image_free(img);
	return vt;
}

static void check_gpt_parts(const struct volume_table *vt,
			    const struct disk_layout *l, unsigned ss)
{
	static const char *const types[] = { "EFI system", "Microsoft reserved", "Basic data" };
	static const enum volume_fs fs[] = { VOLUME_FS_FAT, VOLUME_FS_EMPTY, VOLUME_FS_NTFS };
	unsigned i;

	ck_assert_str_eq(vt->scheme, "gpt");
	ck_assert_uint_eq(vt->sector_size, ss);
	ck_assert_uint_eq(vt->count, 3);
	for (i = 0; i < 3; i++) {
		ck_assert_int_eq(vt->v[i].index, (int)i + 1);
		ck_assert_uint_eq(vt->v[i].offset, l->part[i].offset);
		ck_assert_uint_eq(vt->v[i].size, l->part[i].size);
		ck_assert_str_eq(vt->v[i].type, types[i]);
		ck_assert_str_eq(vt->v[i].name, l->part[i].name);
		ck_assert_int_eq(vt->v[i].fs, fs[i]);
		ck_assert_uint_eq(strlen(vt->v[i].guid), 36);
	}
}

START_TEST(test_disk_gpt)
{
	static const unsigned sizes[] = { 512, 4096 };
	unsigned ss = sizes[_i];
	char *dir = tu_tmpdir("volume-gpt"), *vol = volume_file(dir, "NTFS    ");
	char *disk = NULL;
	struct disk_layout l;
	struct volume_table *vt;
	struct err err;
	struct stat st;
	uint64_t bytes;

	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	gpt_layout(&l, vol, ss);
	err_init(&err);
	ck_assert_msg(disk_write(disk, &l, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.part[0].offset, MIB);
	ck_assert_uint_eq(l.part[2].offset, 117 * MIB);
	ck_assert_uint_eq(l.part[2].size, 2 * MIB);
	/* sparse: 100 MiB of EFI costs nothing */
	ck_assert_int_eq(stat(disk, &st), 0);
	ck_assert_uint_eq((uint64_t)st.st_size, l.disk_size);
	ck_assert_uint_lt((uint64_t)st.st_blocks * 512, 4 * MIB);
	vt = scan_file(disk, 0, &err, &bytes);
	check_gpt_parts(vt, &l, ss);
	ck_assert_str_eq(vt->warning, "");
	/* MBR + header + 16 KiB of entries + three boot sectors */
	ck_assert_uint_le(bytes, 32 * 1024);
	free(vt);
	free(disk);
	free(vol);
	free(dir);
}
END_TEST

/* The primary header, or the primary entry array, damaged: backup used. */
START_TEST(test_disk_gpt_backup)
{
	char *dir = tu_tmpdir("volume-gptbak"), *vol = volume_file(dir, "NTFS    ");
	char *disk = NULL;
	struct disk_layout l;
	struct volume_table *vt;
	struct err err;
	FILE *f;

	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	gpt_layout(&l, vol, 512);
	err_init(&err);
	ck_assert_int_eq(disk_write(disk, &l, &err), 0);
	ck_assert_int_eq(disk_corrupt_gpt_primary(disk, 512, &err), 0);
	vt = scan_file(disk, 0, &err, NULL);
	check_gpt_parts(vt, &l, 512);
	ck_assert_str_eq(vt->warning, "GPT primary header is damaged: backup header used");
	free(vt);

	/* a good primary header over a damaged entry array */
	ck_assert_int_eq(disk_write(disk, &l, &err), 0);
	f = fopen(disk, "r+b");
	ck_assert_ptr_nonnull(f);
	fseek(f, 2 * 512 + 200, SEEK_SET);
	fputc(0x77, f);
	fclose(f);
	vt = scan_file(disk, 0, &err, NULL);
	check_gpt_parts(vt, &l, 512);
	ck_assert_str_eq(vt->warning, "GPT primary header is damaged: backup header used");
	free(vt);

	/* both damaged: an error that says why for each */
	f = fopen(disk, "r+b");
	fseek(f, (long)(l.disk_size - 512 + 0x10), SEEK_SET);
	fputc(0x00, f);
	fputc(0x00, f);
	fclose(f);
	vt = scan_file(disk, 1, &err, NULL);
	ck_assert_int_eq(err.code, -E_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "GPT: primary: GPT entries: crc32"));
	ck_assert_ptr_nonnull(strstr(err.msg, "backup at the last LBA: GPT header: crc32"));
	free(vt);
	free(disk);
	free(vol);
	free(dir);
}
END_TEST

/* No protective MBR (sector 0 wiped), and a copy cut short: the GPT is
 * still found; what does not fit is named, not an error. */
START_TEST(test_disk_gpt_wiped_mbr_truncated)
{
	char *dir = tu_tmpdir("volume-gptcut"), *vol = volume_file(dir, "NTFS    ");
	char *disk = NULL;
	struct disk_layout l;
	struct volume_table *vt;
	struct err err;
	uint8_t zero[512] = { 0 };
	FILE *f;

	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	gpt_layout(&l, vol, 512);
	err_init(&err);
	ck_assert_int_eq(disk_write(disk, &l, &err), 0);
	f = fopen(disk, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(zero, 1, sizeof(zero), f), sizeof(zero));
	fclose(f);
	vt = scan_file(disk, 0, &err, NULL);
	check_gpt_parts(vt, &l, 512);
	ck_assert_str_eq(vt->warning, "GPT without a protective MBR");
	free(vt);

	ck_assert_int_eq(truncate(disk, (off_t)(110 * MIB)), 0);
	vt = scan_file(disk, 0, &err, NULL);
	ck_assert_str_eq(vt->scheme, "gpt");
	ck_assert_uint_eq(vt->count, 1);
	ck_assert_ptr_nonnull(strstr(vt->warning, "partition 2 ("));
	ck_assert_ptr_nonnull(strstr(vt->warning, "partition 3 ("));
	free(vt);
	free(disk);
	free(vol);
	free(dir);
}
END_TEST

START_TEST(test_disk_past_end)
{
	static const enum disk_scheme schemes[] = { DISK_GPT, DISK_MBR };
	char *dir = tu_tmpdir("volume-pastend"), *vol = volume_file(dir, "NTFS    ");
	char *disk = NULL;
	struct disk_layout l;
	struct volume_table *vt;
	struct err err;

	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	gpt_layout(&l, vol, 512);
	l.scheme = schemes[_i];
	err_init(&err);
	ck_assert_int_eq(disk_write(disk, &l, &err), 0);
	ck_assert_msg(disk_set_entry_past_end(disk, 2, 512, &err) == 0, "%s", err.msg);
	vt = scan_file(disk, 0, &err, NULL);
	ck_assert_uint_eq(vt->count, 2);
	ck_assert_int_eq(vt->v[0].index, 1);
	ck_assert_int_eq(vt->v[1].index, 3);
	ck_assert_int_eq(vt->v[1].fs, VOLUME_FS_NTFS);
	ck_assert_ptr_nonnull(strstr(vt->warning, "partition 2 ("));
	ck_assert_ptr_nonnull(strstr(vt->warning, "extends past the end of the image"));
	free(vt);
	free(disk);
	free(vol);
	free(dir);
}
END_TEST

/* MBR: System Reserved + the volume; the same with the volume logical. */
START_TEST(test_disk_mbr)
{
	char *dir = tu_tmpdir("volume-mbr"), *vol = volume_file(dir, "NTFS    ");
	char *disk = NULL;
	struct disk_layout l;
	struct volume_table *vt;
	struct err err;

	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	memset(&l, 0, sizeof(l));
	l.scheme = DISK_MBR;
	l.count = 2;
	l.part[0] = (struct disk_part){ .size = 100 * MIB, .mbr_type = 0x07, .active = 1 };
	l.part[1] = (struct disk_part){ .volume = vol, .mbr_type = 0x07 };
	err_init(&err);
	ck_assert_int_eq(disk_write(disk, &l, &err), 0);
	vt = scan_file(disk, 0, &err, NULL);
	ck_assert_str_eq(vt->scheme, "mbr");
	ck_assert_uint_eq(vt->count, 2);
	ck_assert_int_eq(vt->v[0].fs, VOLUME_FS_EMPTY);
	ck_assert_int_eq(vt->v[1].index, 2);
	ck_assert_uint_eq(vt->v[1].offset, l.part[1].offset);
	ck_assert_str_eq(vt->v[1].type, "NTFS/exFAT (0x07)");
	ck_assert_int_eq(vt->v[1].fs, VOLUME_FS_NTFS);
	free(vt);

	/* three logical partitions after the first: 5, 6, 7 */
	l.count = 4;
	l.part[1] = (struct disk_part){ .size = MIB, .mbr_type = 0x27, .logical = 1 };
	l.part[2] = (struct disk_part){ .volume = vol, .logical = 1 };
	l.part[3] = (struct disk_part){ .size = 3 * MIB, .logical = 1 };
	ck_assert_int_eq(disk_write(disk, &l, &err), 0);
	ck_assert_int_eq(l.part[2].index, 6);
	vt = scan_file(disk, 0, &err, NULL);
	ck_assert_uint_eq(vt->count, 4);
	ck_assert_int_eq(vt->v[1].index, 5);
	ck_assert_str_eq(vt->v[1].type, "Windows Recovery (0x27)");
	ck_assert_ptr_eq(volume_by_index(vt, 6), &vt->v[2]);
	ck_assert_uint_eq(vt->v[2].offset, l.part[2].offset);
	ck_assert_int_eq(vt->v[2].fs, VOLUME_FS_NTFS);
	ck_assert_int_eq(vt->v[3].index, 7);
	ck_assert_uint_eq(vt->v[3].size, 3 * MIB);
	ck_assert_str_eq(vt->warning, "");
	free(vt);
	free(disk);
	free(vol);
	free(dir);
}
END_TEST

/* A BitLocker volume in a GPT disk, through a VHDX. */
START_TEST(test_disk_bitlocker_vhdx)
{
	char *dir = tu_tmpdir("volume-bl"), *vol = volume_file(dir, "-FVE-FS-");
	char *disk = NULL, *vhdx = NULL;
	struct disk_layout l;
	struct volume_table *vt;
	struct err err;

	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	ck_assert_int_ge(asprintf(&vhdx, "%s/disk.vhdx", dir), 0);
	gpt_layout(&l, vol, 512);
	err_init(&err);
	ck_assert_int_eq(disk_write(disk, &l, &err), 0);
	ck_assert_int_eq(tu_sh("qemu-img convert -q -f raw -O vhdx '%s' '%s'", disk, vhdx), 0);
	vt = scan_file(vhdx, 0, &err, NULL);
	ck_assert_str_eq(vt->scheme, "gpt");
	ck_assert_int_eq(vt->v[2].fs, VOLUME_FS_BITLOCKER);
	ck_assert_str_eq(volume_fs_name(vt->v[2].fs), "bitlocker");
	free(vt);
	free(vhdx);
	free(disk);
	free(vol);
	free(dir);
}
END_TEST

START_TEST(test_disk_writer_errors)
{
	char *dir = tu_tmpdir("volume-dwerr"), *vol = volume_file(dir, "NTFS    ");
	char *disk = NULL;
	struct disk_layout l;
	struct err err;

	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	memset(&l, 0, sizeof(l));
	l.scheme = DISK_MBR;
	l.count = 1;
	l.part[0] = (struct disk_part){ .size = MIB, .volume = vol };
	err_init(&err);
	ck_assert_int_eq(disk_write(disk, &l, &err), -E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "bigger than its partition"));
	l.count = 5;
	for (unsigned i = 0; i < 5; i++)
		l.part[i] = (struct disk_part){ .size = MIB };
	ck_assert_int_eq(disk_write(disk, &l, &err), -E_USAGE);
	ck_assert_ptr_nonnull(strstr(err.msg, "an MBR holds 4"));
	l.count = 1;
	l.sector_size = 4096;
	ck_assert_int_eq(disk_write(disk, &l, &err), -E_USAGE);
	free(disk);
	free(vol);
	free(dir);
}
END_TEST

/* Run the mkdisk tool with the given arguments (NULL-terminated). */
static void run_mkdisk(struct tu_run *r, const char *arg, ...)
{
	char *argv[32];
	int n = 0;
	va_list ap;

	ck_assert_int_ge(asprintf(&argv[n++], "%s/mkdisk", tu_env("VSSD_TOOLS")), 0);
	va_start(ap, arg);
	for (const char *a = arg; a && n < 31; a = va_arg(ap, const char *))
		argv[n++] = strdup(a);
	va_end(ap);
	argv[n] = NULL;
	ck_assert_int_eq(tu_run(argv, 30, r), 0);
	while (n > 0)
		free(argv[--n]);
}

/* The mkdisk tool as a test or the demo would call it. */
START_TEST(test_mkdisk_tool)
{
	char *dir = tu_tmpdir("volume-mkdisk"), *vol = volume_file(dir, "NTFS    ");
	char *disk = NULL;
	struct volume_table *vt;
	struct tu_run r;
	struct err err;

	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	{
		run_mkdisk(&r, "--gpt", "--before-mib", "100", "--before-mib", "16",
				 "--volume", vol, "--out", disk, NULL);
		ck_assert_msg(r.status == 0, "%s", r.err);
		ck_assert_str_eq(r.out, "1 1048576 104857600\n2 105906176 16777216\n"
					"3 122683392 2097152 windows\n");
		tu_run_free(&r);
	}
	vt = scan_file(disk, 0, &err, NULL);
	ck_assert_uint_eq(vt->count, 3);
	ck_assert_str_eq(vt->v[0].type, "EFI system");
	ck_assert_int_eq(vt->v[0].fs, VOLUME_FS_FAT);
	ck_assert_str_eq(vt->v[2].type, "Basic data");
	ck_assert_int_eq(vt->v[2].fs, VOLUME_FS_NTFS);
	free(vt);
	{
		run_mkdisk(&r, "--mbr", "--before-mib", "100", "--volume", vol,
				 "--out", disk, "--logical", NULL);
		ck_assert_msg(r.status == 0, "%s", r.err);
		ck_assert_ptr_nonnull(strstr(r.out, "5 "));
		tu_run_free(&r);
	}
	vt = scan_file(disk, 0, &err, NULL);
	ck_assert_ptr_nonnull(volume_by_index(vt, 5));
	ck_assert_int_eq(volume_by_index(vt, 5)->fs, VOLUME_FS_NTFS);
	free(vt);
	{
		run_mkdisk(&r, "--gpt", "--before-mib", "100", "--volume", vol,
				 "--out", disk, "--corrupt-gpt-primary", NULL);
		ck_assert_int_eq(r.status, 0);
		tu_run_free(&r);
	}
	vt = scan_file(disk, 0, &err, NULL);
	ck_assert_str_eq(vt->warning, "GPT primary header is damaged: backup header used");
	free(vt);
	{
		run_mkdisk(&r, "--gpt", "--volume", NULL);
		ck_assert_int_eq(r.status, 2);
		ck_assert_ptr_nonnull(strstr(r.err, "usage:"));
		tu_run_free(&r);
	}
	free(disk);
	free(vol);
	free(dir);
}
END_TEST

/* Item 6 of issue 3: what opening and scanning a 4 GiB disk costs. */
START_TEST(test_bytes_read_4gib)
{
	char *dir = tu_tmpdir("volume-4g"), *vol = NULL, *disk = NULL, *vhdx = NULL;
	struct disk_layout l;
	struct volume_table *vt;
	struct err err;
	uint64_t raw_bytes, vhdx_bytes;

	ck_assert_int_ge(asprintf(&vol, "%s/big.vol", dir), 0);
	ck_assert_int_ge(asprintf(&disk, "%s/big.img", dir), 0);
	ck_assert_int_ge(asprintf(&vhdx, "%s/big.vhdx", dir), 0);
	ck_assert_int_eq(tu_sh("truncate -s 4G '%s' && printf 'NTFS    ' | "
			       "dd of='%s' bs=1 seek=3 conv=notrunc 2>/dev/null", vol, vol), 0);
	gpt_layout(&l, vol, 512);
	err_init(&err);
	ck_assert_int_eq(disk_write(disk, &l, &err), 0);
	ck_assert_int_eq(tu_sh("qemu-img convert -q -f raw -O vhdx '%s' '%s'", disk, vhdx), 0);
	vt = scan_file(disk, 0, &err, &raw_bytes);
	ck_assert_uint_eq(vt->v[2].size, 4ull << 30);
	free(vt);
	vt = scan_file(vhdx, 0, &err, &vhdx_bytes);
	ck_assert_uint_eq(vt->v[2].size, 4ull << 30);
	free(vt);
	fprintf(stderr, "volume: 4 GiB disk: image_open + volume_scan read %llu bytes (raw), %llu bytes (vhdx)\n",
		(unsigned long long)raw_bytes, (unsigned long long)vhdx_bytes);
	ck_assert_uint_le(raw_bytes, 32 * 1024);
	ck_assert_uint_le(vhdx_bytes, 32 * 1024);
	unlink(vol);
	unlink(disk);
	unlink(vhdx);
	free(vol);
	free(disk);
	free(vhdx);
	free(dir);
}
END_TEST

Suite *volume_suite(void);
Suite *volume_suite(void)
{
	Suite *s = suite_create("volume");
	TCase *tc;

	tc = tcase_create("mbr-parser");
	tcase_set_timeout(tc, TIMEOUT);
	tcase_add_loop_test(tc, test_mbr_vectors, 0,
			    (int)(sizeof(mbr_vecs) / sizeof(mbr_vecs[0])));
	tcase_add_test(tc, test_mbr_types);
	suite_add_tcase(s, tc);

	tc = tcase_create("gpt-parser");
	tcase_set_timeout(tc, TIMEOUT);
	tcase_add_loop_test(tc, test_gpt_header_vectors, 0,
			    (int)(sizeof(gpt_vecs) / sizeof(gpt_vecs[0])));
	tcase_add_test(tc, test_gpt_short_buffer);
	tcase_add_test(tc, test_gpt_entries);
	tcase_add_test(tc, test_gpt_guids_crc);
	suite_add_tcase(s, tc);

	tc = tcase_create("scan");
	tcase_set_timeout(tc, TIMEOUT);
	tcase_add_loop_test(tc, test_scan_bare, 0,
			    (int)(sizeof(bare_vecs) / sizeof(bare_vecs[0])));
	tcase_add_test(tc, test_scan_garbage_table);
	tcase_add_test(tc, test_scan_mbr_memory);
	tcase_add_test(tc, test_scan_ebr_chain);
	tcase_add_test(tc, test_scan_errors);
	suite_add_tcase(s, tc);

	tc = tcase_create("disks");
	tcase_set_timeout(tc, TIMEOUT);
	tcase_add_loop_test(tc, test_disk_gpt, 0, 2);
	tcase_add_test(tc, test_disk_gpt_backup);
	tcase_add_test(tc, test_disk_gpt_wiped_mbr_truncated);
	tcase_add_loop_test(tc, test_disk_past_end, 0, 2);
	tcase_add_test(tc, test_disk_mbr);
	tcase_add_test(tc, test_disk_bitlocker_vhdx);
	tcase_add_test(tc, test_disk_writer_errors);
	tcase_add_test(tc, test_mkdisk_tool);
	tcase_add_test(tc, test_bytes_read_4gib);
	suite_add_tcase(s, tc);
	return s;
}
