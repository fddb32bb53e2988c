/* GUID Partition Table: header and entry array parsed from bytes (UEFI
 * 2.10 section 5.3 "GUID Partition Table (GPT) Disk Layout", tables 5-6
 * and 5-7).  Pure code: the volume layer reads the header at LBA 1 (or the
 * backup at the last LBA) and the entry array, and calls these. */
#ifndef VSSD_GPT_H
#define VSSD_GPT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define GPT_HEADER_MIN 92u        /* UEFI: HeaderSize >= 92 */
#define GPT_GUID_STR 37u          /* "C12A7328-F81F-11D2-BA4B-00A0C93EC93B" + NUL */
#define GPT_NAME_MAX 112u         /* 36 UTF-16 units as UTF-8, + NUL */

struct gpt_header {
	uint32_t revision;
	uint32_t header_size;
	uint64_t my_lba;
	uint64_t alternate_lba;
	uint64_t first_usable_lba;
	uint64_t last_usable_lba;
	uint8_t disk_guid[16];
	uint64_t entries_lba;
	uint32_t entry_count;
	uint32_t entry_size;
	uint32_t entries_crc;
};

struct gpt_entry {
	uint8_t type_guid[16];        /* on-disk (mixed-endian) byte order */
	uint8_t unique_guid[16];
	uint64_t first_lba;
	uint64_t last_lba;            /* inclusive */
	uint64_t attributes;
	char name[GPT_NAME_MAX];      /* UTF-8, NUL-terminated */
};

/* Parse the header in buf (one logical block, len >= 92) that was read
 * from block lba.  Returns 1 (valid: signature, revision 1.x, size, CRC32,
 * MyLBA == lba, entry geometry within limits.h), 0 (no "EFI PART"
 * signature), or -E_CORRUPT / -E_LIMIT with the reason. */
int gpt_header_parse(const uint8_t *buf, size_t len, uint64_t lba,
		     struct gpt_header *h, struct err *err);

/* Bytes of the entry array the header describes (count * size; bounded by
 * LIMIT_GPT_TABLE_BYTES once gpt_header_parse() accepted it). */
size_t gpt_entries_bytes(const struct gpt_header *h);

/* Check the entry array's CRC32 (buf holds at least gpt_entries_bytes()).
 * Returns 0 or -E_CORRUPT. */
int gpt_entries_check(const uint8_t *buf, size_t len,
		      const struct gpt_header *h, struct err *err);

/* Entry i of the array.  Returns 1 (used), 0 (unused: all-zero type GUID)
 * or -E_CORRUPT (first LBA > last LBA, or i / len out of range). */
int gpt_entry_parse(const uint8_t *buf, size_t len,
		    const struct gpt_header *h, uint32_t i,
		    struct gpt_entry *e, struct err *err);

/* "Basic data", "EFI system", "Microsoft reserved", "Windows Recovery" ...
 * or NULL for a type this table does not know. */
const char *gpt_type_name(const uint8_t guid[16]);

/* Canonical upper-case text form of an on-disk GUID. */
void gpt_guid_format(const uint8_t guid[16], char out[GPT_GUID_STR]);

/* Parse the text form back to on-disk bytes.  Returns 0 or -E_CORRUPT. */
int gpt_guid_parse(const char *text, uint8_t guid[16], struct err *err);

/* CRC-32 (IEEE 802.3, reflected 0xEDB88320) as GPT uses it. */
uint32_t gpt_crc32(const uint8_t *p, size_t len);

/* The well-known type GUIDs in text form (for writers and tests). */
#define GPT_TYPE_EFI_SYSTEM "C12A7328-F81F-11D2-BA4B-00A0C93EC93B"
#define GPT_TYPE_MS_RESERVED "E3C9E316-0B5C-4DB8-817D-F92DF00215AE"
#define GPT_TYPE_BASIC_DATA "EBD0A0A2-B9E5-4433-87C0-68B6B72699C7"
#define GPT_TYPE_WINDOWS_RECOVERY "DE94BBA4-06D1-4D40-A16A-BFD50179D6AC"

#endif
