/* The volume layer: partition tables (MBR, GPT) or a bare volume, and what
 * each partition holds (NTFS, BitLocker, ...).  Reads through image_read(). */
#ifndef VSSD_VOLUME_H
#define VSSD_VOLUME_H

#include <stdint.h>

#include "err.h"
#include "image.h"
#include "limits.h"

enum volume_fs {
	VOLUME_FS_UNKNOWN = 0,
	VOLUME_FS_NTFS,
	VOLUME_FS_BITLOCKER,   /* "-FVE-FS-" boot sector */
	VOLUME_FS_FAT,
	VOLUME_FS_EMPTY,       /* all zero first sector */
};

struct volume_info {
	int index;             /* 1-based partition number; 0 for a bare volume */
	uint64_t offset;       /* bytes from the start of the image */
	uint64_t size;         /* bytes */
	char type[48];         /* "0x07", "Basic data", "EFI system", ... */
	enum volume_fs fs;
	char label[64];        /* filled by the caller that opens the fs */
};

struct volume_table {
	char scheme[8];        /* "mbr", "gpt", "none" */
	unsigned count;
	struct volume_info v[LIMIT_PARTITIONS];
	char warning[256];     /* e.g. "GPT primary header CRC mismatch: backup used" */
};

/* Read the partition table of img (or recognise a bare volume) into vt.
 * Returns 0 or <0 (unreadable image, corrupt table beyond repair). */
int volume_scan(struct image *img, struct volume_table *vt, struct err *err);

/* What the first sector at offset holds. */
enum volume_fs volume_probe_fs(struct image *img, uint64_t offset);

const char *volume_fs_name(enum volume_fs fs);

#endif
