/* Disk images for tests: wrap volume files in an MBR or GPT disk, break
 * such disks in chosen ways, and build a differencing VHD over a parent
 * VHD (qemu-img cannot make differencing VHD/VHDX files).
 *
 * Everything is written sparse: the output is sized with ftruncate and only
 * non-zero data is written with pwrite, so a 100 MiB EFI partition or a
 * mostly empty 4 GiB volume costs a few blocks.  Output is deterministic
 * (fixed GUIDs and disk signature).
 *
 * Layouts: MBR (UEFI 2.10 section 5.2.1, extended chain as Windows writes
 * it), GPT (UEFI 2.10 section 5.3, 128 entries of 128 bytes, backup at
 * the last LBA), VHD (Microsoft "Virtual Hard Disk Image Format
 * Specification" 1.0: footer, dynamic disk header, BAT, sector bitmaps). */
#ifndef VSSD_DISK_WRITER_H
#define VSSD_DISK_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define DISK_MAX_PARTS 16u
#define DISK_MBR_SIGNATURE 0x44535356u   /* "VSSD" */

enum disk_scheme {
	DISK_MBR = 1,
	DISK_GPT = 2,
};

struct disk_part {
	/* in */
	uint64_t size;          /* bytes; 0 = the volume file's size (rounded
				 * up to a sector) */
	const char *volume;     /* file copied into the partition, or NULL */
	uint8_t mbr_type;       /* MBR type byte (0x07 ...); 0 = 0x07 */
	const char *gpt_type;   /* GPT type GUID text; NULL = Basic data */
	const char *name;       /* GPT partition name (ASCII), or NULL */
	int fat_stub;           /* write a FAT32 boot sector at its start */
	int logical;            /* MBR: a logical partition (extended chain);
				 * logical partitions follow all primary ones */
	int active;             /* MBR: boot flag 0x80 */
	/* out (set by disk_write) */
	int index;              /* partition number: MBR 1-4 primary, 5...
				 * logical; GPT entry number */
	uint64_t offset;        /* bytes from the start of the disk */
	char guid[40];          /* GPT: the unique partition GUID written
				 * (what MountedDevices names); "" for MBR */
};

struct disk_layout {
	enum disk_scheme scheme;
	unsigned sector_size;   /* 512 (default when 0) or 4096 (GPT only) */
	uint64_t align;         /* partition alignment in bytes (0 = 1 MiB) */
	uint64_t tail;          /* free bytes after the last partition */
	uint32_t mbr_signature; /* MBR disk signature (0x1B8); 0 = the fixed
				 * default DISK_MBR_SIGNATURE */
	unsigned count;
	struct disk_part part[DISK_MAX_PARTS];
	uint64_t disk_size;     /* out: bytes written */
};

/* Write the disk described by l to path (created or truncated) and fill
 * the out fields.  Returns 0 or <0 (err says why: a volume bigger than
 * its partition, too many primary partitions, an unwritable path ...). */
int disk_write(const char *path, struct disk_layout *l, struct err *err);

/* Break the primary GPT header's CRC32 (LBA 1), leaving the backup intact.
 * Returns 0 or <0. */
int disk_corrupt_gpt_primary(const char *path, unsigned sector_size,
			     struct err *err);

/* Point partition index (1-based: MBR primary slot, or GPT entry) past the
 * end of the disk, keeping the table otherwise valid (GPT: both copies,
 * CRCs recomputed).  Returns 0 or <0. */
int disk_set_entry_past_end(const char *path, unsigned index,
			    unsigned sector_size, struct err *err);

/* Write a differencing (type 4) dynamic VHD at child whose parent is the
 * VHD at parent (fixed or dynamic; its footer gives the size and unique
 * id).  The child records parent_name as its parent file name (e.g.
 * "C:\\VMs\\parent.vhd"; only the last component is used to find it) and
 * holds len bytes of data at byte offset off (both multiples of 512);
 * every other sector reads through to the parent.  Returns 0 or <0. */
int disk_write_vhd_diff(const char *child, const char *parent,
			const char *parent_name, uint64_t off,
			const void *data, size_t len, struct err *err);

#endif
