/* MBR / EBR partition table parser (layout in mbr.h). */
#include "mbr.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"

/* Byte offsets in the sector. */
#define MBR_OFF_DISK_SIGNATURE 0x1b8
#define MBR_OFF_TABLE 0x1be
#define MBR_ENTRY_SIZE 16u
#define MBR_OFF_SIGNATURE 0x1fe

int mbr_parse(const uint8_t *sector, size_t len, struct mbr *out,
	      struct err *err)
{
	unsigned i;

	memset(out, 0, sizeof(*out));
	if (len < MBR_SECTOR_SIZE)
		return err_set(err, -E_CORRUPT, "partition sector: %zu bytes < 512",
			       len);
	if (sector[MBR_OFF_SIGNATURE] != 0x55 ||
	    sector[MBR_OFF_SIGNATURE + 1] != 0xaa)
		return 0;
	out->disk_signature = le32(sector + MBR_OFF_DISK_SIGNATURE);
	for (i = 0; i < MBR_ENTRIES; i++) {
		const uint8_t *p = sector + MBR_OFF_TABLE + i * MBR_ENTRY_SIZE;
		struct mbr_entry *e = &out->e[i];

		/* entry: 0x00 status, 0x01 CHS first, 0x04 type, 0x05 CHS
		 * last, 0x08 first LBA, 0x0C sector count; CHS is ignored */
		if (p[0x04] == MBR_TYPE_EMPTY)
			continue;
		e->status = p[0x00];
		e->type = p[0x04];
		e->lba_start = le32(p + 0x08);
		e->lba_count = le32(p + 0x0c);
		if (e->status != 0x00 && e->status != 0x80)
			return err_set(err, -E_CORRUPT,
				       "partition entry %u: status byte 0x%02x is neither 0x00 nor 0x80",
				       i + 1, e->status);
		if (e->lba_count == 0)
			return err_set(err, -E_CORRUPT,
				       "partition entry %u: type 0x%02x with zero sectors",
				       i + 1, e->type);
		if ((uint64_t)e->lba_start + e->lba_count > UINT32_MAX + 1ull)
			return err_set(err, -E_CORRUPT,
				       "partition entry %u: sectors %u+%u overflow the 32-bit table",
				       i + 1, e->lba_start, e->lba_count);
		out->used++;
	}
	return 1;
}

int mbr_type_is_extended(uint8_t type)
{
	return type == MBR_TYPE_EXTENDED_CHS || type == MBR_TYPE_EXTENDED_LBA ||
	       type == MBR_TYPE_LINUX_EXTENDED;
}

const char *mbr_type_name(uint8_t type)
{
	switch (type) {
	case 0x01: return "FAT12";
	case 0x04: return "FAT16 <32M";
	case MBR_TYPE_EXTENDED_CHS: return "Extended";
	case 0x06: return "FAT16";
	case MBR_TYPE_NTFS: return "NTFS/exFAT";
	case 0x0b: return "FAT32";
	case 0x0c: return "FAT32 (LBA)";
	case 0x0e: return "FAT16 (LBA)";
	case MBR_TYPE_EXTENDED_LBA: return "Extended (LBA)";
	case 0x12: return "OEM diagnostics";
	case 0x17: return "Hidden NTFS";
	case MBR_TYPE_RECOVERY: return "Windows Recovery";
	case 0x42: return "Windows dynamic disk (LDM)";
	case 0x82: return "Linux swap";
	case 0x83: return "Linux";
	case MBR_TYPE_LINUX_EXTENDED: return "Linux extended";
	case 0x8e: return "Linux LVM";
	case MBR_TYPE_GPT_PROTECTIVE: return "GPT protective";
	case MBR_TYPE_EFI_SYSTEM: return "EFI system";
	default: return NULL;
	}
}

void mbr_type_describe(uint8_t type, char *buf, size_t len)
{
	const char *name = mbr_type_name(type);

	if (len == 0)
		return;
	if (name)
		snprintf(buf, len, "%s (0x%02x)", name, type);
	else
		snprintf(buf, len, "0x%02x", type);
}
