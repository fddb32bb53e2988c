/* GPT header and entry parser (layout and spec reference in gpt.h). */
#include "gpt.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"
#include "utf16.h"

/* GPT header, UEFI 2.10 table 5-6. */
#define GH_SIGNATURE     0x00  /* "EFI PART" */
#define GH_REVISION      0x08
#define GH_HEADER_SIZE   0x0c
#define GH_HEADER_CRC    0x10
#define GH_RESERVED      0x14
#define GH_MY_LBA        0x18
#define GH_ALTERNATE_LBA 0x20
#define GH_FIRST_USABLE  0x28
#define GH_LAST_USABLE   0x30
#define GH_DISK_GUID     0x38
#define GH_ENTRIES_LBA   0x48
#define GH_ENTRY_COUNT   0x50
#define GH_ENTRY_SIZE    0x54
#define GH_ENTRIES_CRC   0x58

/* GPT partition entry, UEFI 2.10 table 5-7. */
#define GE_TYPE_GUID     0x00
#define GE_UNIQUE_GUID   0x10
#define GE_FIRST_LBA     0x20
#define GE_LAST_LBA      0x28
#define GE_ATTRIBUTES    0x30
#define GE_NAME          0x38  /* 36 UTF-16LE units */
#define GE_NAME_UNITS    36u
#define GE_MIN_SIZE      128u

/* CRC-32 four bits at a time: a const 16-entry table keeps the parser free
 * of mutable globals and is fast enough for a 16 KiB entry array. */
static const uint32_t crc_nibble[16] = {
	0x00000000u, 0x1db71064u, 0x3b6e20c8u, 0x26d930acu,
	0x76dc4190u, 0x6b6b51f4u, 0x4db26158u, 0x5005713cu,
	0xedb88320u, 0xf00f9344u, 0xd6d6a3e8u, 0xcb61b38cu,
	0x9b64c2b0u, 0x86d3d2d4u, 0xa00ae278u, 0xbdbdf21cu,
};

uint32_t gpt_crc32(const uint8_t *p, size_t len)
{
	uint32_t c = 0xffffffffu;
	size_t i;

	for (i = 0; i < len; i++) {
		c ^= p[i];
		c = crc_nibble[c & 0x0f] ^ (c >> 4);
		c = crc_nibble[c & 0x0f] ^ (c >> 4);
	}
	return c ^ 0xffffffffu;
}

int gpt_header_parse(const uint8_t *buf, size_t len, uint64_t lba,
		     struct gpt_header *h, struct err *err)
{
	uint8_t tmp[LIMIT_GPT_ENTRY_SIZE];
	uint32_t crc;

	memset(h, 0, sizeof(*h));
	if (len < GPT_HEADER_MIN)
		return err_set(err, -E_CORRUPT, "GPT header: %zu bytes < %u",
			       len, GPT_HEADER_MIN);
	if (memcmp(buf + GH_SIGNATURE, "EFI PART", 8) != 0)
		return 0;
	h->revision = le32(buf + GH_REVISION);
	h->header_size = le32(buf + GH_HEADER_SIZE);
	if (h->revision >> 16 != 1)
		return err_set(err, -E_CORRUPT, "GPT header: revision 0x%08x is not 1.x",
			       h->revision);
	if (h->header_size < GPT_HEADER_MIN || h->header_size > len ||
	    h->header_size > sizeof(tmp))
		return err_set(err, -E_CORRUPT,
			       "GPT header: size %u outside %u..%zu",
			       h->header_size, GPT_HEADER_MIN,
			       len < sizeof(tmp) ? len : sizeof(tmp));
	/* The CRC covers HeaderSize bytes with the CRC field itself zeroed. */
	memcpy(tmp, buf, h->header_size);
	memset(tmp + GH_HEADER_CRC, 0, 4);
	crc = gpt_crc32(tmp, h->header_size);
	if (crc != le32(buf + GH_HEADER_CRC))
		return err_set(err, -E_CORRUPT,
			       "GPT header: crc32 0x%08x, computed 0x%08x",
			       le32(buf + GH_HEADER_CRC), crc);
	h->my_lba = le64(buf + GH_MY_LBA);
	h->alternate_lba = le64(buf + GH_ALTERNATE_LBA);
	h->first_usable_lba = le64(buf + GH_FIRST_USABLE);
	h->last_usable_lba = le64(buf + GH_LAST_USABLE);
	memcpy(h->disk_guid, buf + GH_DISK_GUID, 16);
	h->entries_lba = le64(buf + GH_ENTRIES_LBA);
	h->entry_count = le32(buf + GH_ENTRY_COUNT);
	h->entry_size = le32(buf + GH_ENTRY_SIZE);
	h->entries_crc = le32(buf + GH_ENTRIES_CRC);
	if (h->my_lba != lba)
		return err_set(err, -E_CORRUPT,
			       "GPT header: read at LBA %llu but says it is at LBA %llu",
			       (unsigned long long)lba,
			       (unsigned long long)h->my_lba);
	if (h->entry_size < GE_MIN_SIZE || h->entry_size % 8 != 0)
		return err_set(err, -E_CORRUPT,
			       "GPT header: entry size %u is not a multiple of 8 >= 128",
			       h->entry_size);
	if (h->entry_size > LIMIT_GPT_ENTRY_SIZE)
		return err_set(err, -E_LIMIT,
			       "GPT header: entry size %u > LIMIT_GPT_ENTRY_SIZE %u",
			       h->entry_size, LIMIT_GPT_ENTRY_SIZE);
	if (h->entry_count > LIMIT_GPT_ENTRIES)
		return err_set(err, -E_LIMIT,
			       "GPT header: %u entries > LIMIT_GPT_ENTRIES %u",
			       h->entry_count, LIMIT_GPT_ENTRIES);
	if ((uint64_t)h->entry_count * h->entry_size > LIMIT_GPT_TABLE_BYTES)
		return err_set(err, -E_LIMIT,
			       "GPT header: entry array of %llu bytes > LIMIT_GPT_TABLE_BYTES %u",
			       (unsigned long long)h->entry_count * h->entry_size,
			       LIMIT_GPT_TABLE_BYTES);
	if (h->first_usable_lba > h->last_usable_lba + 1)
		return err_set(err, -E_CORRUPT,
			       "GPT header: first usable LBA %llu > last usable LBA %llu",
			       (unsigned long long)h->first_usable_lba,
			       (unsigned long long)h->last_usable_lba);
	return 1;
}

size_t gpt_entries_bytes(const struct gpt_header *h)
{
	return (size_t)h->entry_count * h->entry_size;
}

int gpt_entries_check(const uint8_t *buf, size_t len,
		      const struct gpt_header *h, struct err *err)
{
	size_t n = gpt_entries_bytes(h);
	uint32_t crc;

	if (len < n)
		return err_set(err, -E_CORRUPT, "GPT entries: %zu bytes < %zu",
			       len, n);
	crc = gpt_crc32(buf, n);
	if (crc != h->entries_crc)
		return err_set(err, -E_CORRUPT,
			       "GPT entries: crc32 0x%08x, computed 0x%08x",
			       h->entries_crc, crc);
	return 0;
}

int gpt_entry_parse(const uint8_t *buf, size_t len,
		    const struct gpt_header *h, uint32_t i,
		    struct gpt_entry *e, struct err *err)
{
	static const uint8_t zero[16];
	const uint8_t *p;

	memset(e, 0, sizeof(*e));
	if (i >= h->entry_count || h->entry_size < GE_MIN_SIZE ||
	    (uint64_t)(i + 1) * h->entry_size > len)
		return err_set(err, -E_CORRUPT,
			       "GPT entry %u: outside the %zu-byte array", i + 1,
			       len);
	p = buf + (size_t)i * h->entry_size;
	if (memcmp(p + GE_TYPE_GUID, zero, 16) == 0)
		return 0;
	memcpy(e->type_guid, p + GE_TYPE_GUID, 16);
	memcpy(e->unique_guid, p + GE_UNIQUE_GUID, 16);
	e->first_lba = le64(p + GE_FIRST_LBA);
	e->last_lba = le64(p + GE_LAST_LBA);
	e->attributes = le64(p + GE_ATTRIBUTES);
	/* the name up to its NUL; unpaired surrogates as U+FFFD */
	utf16le_decode(p + GE_NAME, 2 * GE_NAME_UNITS, UTF16_NUL_ENDS, e->name,
		       sizeof(e->name), NULL);
	if (e->first_lba > e->last_lba)
		return err_set(err, -E_CORRUPT,
			       "GPT entry %u: first LBA %llu > last LBA %llu", i + 1,
			       (unsigned long long)e->first_lba,
			       (unsigned long long)e->last_lba);
	return 1;
}

struct gpt_type {
	const char *guid;
	const char *name;
};

/* Types a Windows disk shows, plus the common foreign ones. */
static const struct gpt_type gpt_types[] = {
	{ GPT_TYPE_BASIC_DATA, "Basic data" },
	{ GPT_TYPE_EFI_SYSTEM, "EFI system" },
	{ GPT_TYPE_MS_RESERVED, "Microsoft reserved" },
	{ GPT_TYPE_WINDOWS_RECOVERY, "Windows Recovery" },
	{ "5808C8AA-7E8F-42E0-85D2-E1E90434CFB3", "LDM metadata" },
	{ "AF9B60A0-1431-4F62-BC68-3311714A69AD", "LDM data" },
	{ "E75CAF8F-F680-4CEE-AFA3-B001E56EFC2D", "Storage Spaces" },
	{ "21686148-6449-6E6F-744E-656564454649", "BIOS boot" },
	{ "0FC63DAF-8483-4772-8E79-3D69D8477DE4", "Linux filesystem" },
	{ "0657FD6D-A4AB-43C4-84E5-0933C84B4F4F", "Linux swap" },
	{ "E6D6D379-F507-44C2-A23C-238F2A3DF928", "Linux LVM" },
};

const char *gpt_type_name(const uint8_t guid[16])
{
	char s[GPT_GUID_STR];
	size_t i;

	gpt_guid_format(guid, s);
	for (i = 0; i < sizeof(gpt_types) / sizeof(gpt_types[0]); i++)
		if (strcmp(s, gpt_types[i].guid) == 0)
			return gpt_types[i].name;
	return NULL;
}

/* The first three fields are little-endian on disk, the last two are
 * byte strings (UEFI 2.10 appendix A "GUID and Time Formats"). */
void gpt_guid_format(const uint8_t g[16], char out[GPT_GUID_STR])
{
	snprintf(out, GPT_GUID_STR,
		 "%08X-%04X-%04X-%02X%02X-%02X%02X%02X%02X%02X%02X",
		 (unsigned)le32(g), (unsigned)le16(g + 4), (unsigned)le16(g + 6),
		 g[8], g[9], g[10], g[11], g[12], g[13], g[14], g[15]);
}

int gpt_guid_parse(const char *text, uint8_t guid[16], struct err *err)
{
	/* Byte i of the text order lands at on-disk index order[i]. */
	static const uint8_t order[16] = { 3, 2, 1, 0, 5, 4, 7, 6,
					   8, 9, 10, 11, 12, 13, 14, 15 };
	unsigned n = 0;
	size_t i;

	for (i = 0; text[i] && n < 16; ) {
		int hi, lo;

		if (text[i] == '-' && (i == 8 || i == 13 || i == 18 || i == 23)) {
			i++;
			continue;
		}
		hi = hex_digit(text[i]);
		lo = text[i + 1] ? hex_digit(text[i + 1]) : -1;
		if (hi < 0 || lo < 0)
			break;
		guid[order[n++]] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	if (n != 16 || i != 36 || text[i] != '\0')
		return err_set(err, -E_CORRUPT, "'%s' is not a GUID", text);
	return 0;
}
