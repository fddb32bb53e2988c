/* The source of a scan described once, when it opens, as plain data: what
 * the reports say about the image, the Windows volume and the image's
 * other volumes, read without the image or file system behind them
 * (src/report reads results only). */
#ifndef VSSD_SCAN_SOURCE_H
#define VSSD_SCAN_SOURCE_H

#include <stdint.h>

#include "limits.h"

/* One volume of the image (its partition table's entry). */
struct scan_source_volume {
	int index;               /* partition number; 0 bare, -1 --offset */
	uint64_t offset, size;   /* bytes */
	char filesystem[16];     /* "ntfs", "bitlocker", "fat"... "unknown" */
	char letter;             /* drive letter, 0 when none */
	int windows;             /* the Windows volume the scan judges */
};

struct scan_source {
	char format[16];         /* "raw", "vhdx"...; "directory"; "unknown"
				  * when nothing could be opened */
	uint64_t size;           /* the image's bytes; 0 without an image */
	int is_image;            /* an image was opened (not a directory) */
	int is_dir;              /* a directory holding a mounted volume */
	int mounted;             /* a file system is open: vol below is set */
	struct {
		int index;       /* as in scan_source_volume */
		uint64_t offset;
		char type[48];   /* "Basic data", "NTFS/exFAT (0x07)"... */
		char label[64];  /* the file system's label */
		int dirty;       /* NTFS dirty flag set */
		char letter;     /* drive letter, 0 when none */
	} vol;
	unsigned nvolumes;       /* every volume of the image, when mounted
				  * from an image; 0 otherwise */
	struct scan_source_volume volumes[LIMIT_PARTITIONS];
};

struct scan;

/* Fill s->source_info from the scan as it was opened (or failed to open):
 * called once, at the end of opening. */
void scan_source_fill(struct scan *s);

#endif
