/* Master Boot Record and Extended Boot Record partition tables, parsed from
 * one 512-byte sector.  Pure code over bytes: the volume layer reads the
 * sectors and walks the extended chain.
 * Layout: the classic IBM PC table (UEFI 2.10 section 5.2.1 "Legacy MBR"):
 * four 16-byte entries at 0x1BE and the signature 55 AA at 0x1FE. */
#ifndef VSSD_MBR_H
#define VSSD_MBR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define MBR_SECTOR_SIZE 512u
#define MBR_ENTRIES 4u

enum mbr_type {
	MBR_TYPE_EMPTY = 0x00,
	MBR_TYPE_EXTENDED_CHS = 0x05,
	MBR_TYPE_NTFS = 0x07,          /* NTFS, exFAT, HPFS */
	MBR_TYPE_EXTENDED_LBA = 0x0f,
	MBR_TYPE_RECOVERY = 0x27,      /* Windows RE (hidden NTFS) */
	MBR_TYPE_LINUX_EXTENDED = 0x85,
	MBR_TYPE_GPT_PROTECTIVE = 0xee,
	MBR_TYPE_EFI_SYSTEM = 0xef,
};

struct mbr_entry {
	uint8_t status;                /* 0x80 active, 0x00 inactive */
	uint8_t type;                  /* enum mbr_type or any other byte */
	uint32_t lba_start;            /* relative to the table's base */
	uint32_t lba_count;
};

struct mbr {
	uint32_t disk_signature;       /* 0x1B8, Windows disk id */
	struct mbr_entry e[MBR_ENTRIES];
	unsigned used;                 /* entries with a non-zero type */
};

/* Parse the table of one MBR or EBR sector (len >= 512).  Returns 1 (a
 * table: signature 55 AA and every used entry sane), 0 (no 55 AA
 * signature: not a partition table), or -E_CORRUPT (signature present but
 * an entry is impossible: bad status byte, zero length, or the range
 * overflows 32 bits).  Unused entries (type 0) are zeroed in out. */
int mbr_parse(const uint8_t *sector, size_t len, struct mbr *out,
	      struct err *err);

/* 1 if type links an extended partition (0x05, 0x0f, 0x85), else 0. */
int mbr_type_is_extended(uint8_t type);

/* A short name for a partition type ("NTFS/exFAT", "EFI system",
 * "Windows Recovery" ...) or NULL when unknown. */
const char *mbr_type_name(uint8_t type);

/* "NTFS/exFAT (0x07)" or "0x42" into buf (always NUL-terminated). */
void mbr_type_describe(uint8_t type, char *buf, size_t len);

#endif
