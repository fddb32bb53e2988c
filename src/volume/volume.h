/* The volume layer: partition tables (MBR, GPT) or a bare volume, and what
 * each partition holds (NTFS, BitLocker, ...).  Reads through image_read();
 * the table bytes are parsed by parsers/mbr.c and parsers/gpt.c. */
#ifndef VSSD_VOLUME_H
#define VSSD_VOLUME_H

#include <stdint.h>

#include "err.h"
#include "image.h"
#include "limits.h"
#include "mountdev.h"

enum volume_fs {
	VOLUME_FS_UNKNOWN = 0,
	VOLUME_FS_NTFS,
	VOLUME_FS_BITLOCKER,   /* "-FVE-FS-" boot sector */
	VOLUME_FS_FAT,
	VOLUME_FS_EMPTY,       /* all zero first sector */
	VOLUME_FS_EXFAT,       /* "EXFAT   " */
	VOLUME_FS_REFS,        /* "ReFS" */
};

struct volume_info {
	int index;             /* 1-based partition number; 0 for a bare volume.
				* MBR: 1-4 primary, 5... logical (chain order);
				* GPT: entry number in the array */
	uint64_t offset;       /* bytes from the start of the image */
	uint64_t size;         /* bytes */
	char type[48];         /* "NTFS/exFAT (0x07)", "Basic data", "EFI system",
				* "bare volume", or the GUID / "0x42" if unknown */
	enum volume_fs fs;
	char label[64];        /* filled by the caller that opens the fs */
	char name[112];        /* GPT partition name (UTF-8); "" otherwise */
	char guid[40];         /* GPT unique partition GUID; "" otherwise */
	char letter;           /* drive letter ('C') from the Windows
				* registry's MountedDevices, 0 when none
				* (volume_assign_letters) */
};

struct volume_table {
	char scheme[8];        /* "mbr", "gpt", "none" */
	unsigned count;
	struct volume_info v[LIMIT_PARTITIONS];
	unsigned sector_size;  /* 512, or 4096 for a 4K-sector GPT disk */
	/* "; "-separated, "" when none, e.g. "GPT primary header is damaged:
	 * backup header used" or "partition 3 (...) extends past the end of
	 * the image (... bytes): skipped" */
	char warning[512];
	uint32_t disk_signature; /* MBR 0x1B8 (Windows' disk id); 0 otherwise */
};

/* Read the partition table of img (or recognise a bare volume) into vt.
 * Detection: an NTFS / BitLocker / exFAT / ReFS boot sector at sector 0 is a
 * bare volume; a protective MBR (type 0xEE) means GPT (512- or 4096-byte
 * sectors), using the backup header at the last LBA when the primary
 * header or its entry array fails its CRC; otherwise an MBR with its
 * extended chain (at most LIMIT_MBR_EBR_CHAIN logical partitions); anything
 * else is a bare volume.
 * A partition that does not fit inside the image is left out of vt and
 * named in vt->warning (so a truncated image still lists the partitions
 * that can be read); a damaged extended chain stops with a warning too.
 * Returns 0 or <0: the image cannot be read, or a GPT whose primary and
 * backup headers are both unusable. */
int volume_scan(struct image *img, struct volume_table *vt, struct err *err);

/* The entry of vt with the given partition index (0 = the bare volume), or
 * NULL.  Borrowed from vt. */
const struct volume_info *volume_by_index(const struct volume_table *vt,
					  int index);

/* What the first sector at offset holds. */
enum volume_fs volume_probe_fs(struct image *img, uint64_t offset);

const char *volume_fs_name(enum volume_fs fs);

/* Give each volume of vt the drive letter the mapping md[0..n) names
 * (SYSTEM\MountedDevices, parsers/mountdev.h): an MBR entry matches the
 * partition at its byte offset when the disk signature is vt's, a GPT
 * entry the partition with that unique GUID.  Letters already set are
 * replaced; a volume no entry names gets 0.  Returns how many volumes got
 * a letter. */
unsigned volume_assign_letters(struct volume_table *vt,
			       const struct mountdev *md, size_t n);

/* The volume of vt with drive letter letter (case-insensitive), or NULL.
 * Borrowed from vt. */
const struct volume_info *volume_by_letter(const struct volume_table *vt,
					   char letter);

#endif
