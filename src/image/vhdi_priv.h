/* The VHD/VHDX adapter's parts (vhdi.c through libvhdi, vhdi_diff.c the
 * differencing files' own view): what they share.  image.h is the API. */
#ifndef VSSD_VHDI_PRIV_H
#define VSSD_VHDI_PRIV_H

#include <stdint.h>

#include "image.h"
#include "vhdx_info.h"

/* A differencing VHD's own view of which sectors it holds.
 *
 * libvhdi 20210425 (and libyal master as of 2024) turns a VHD sector
 * bitmap byte into sector ranges with `byte >> (7 - bit)` and no `& 1`, so
 * every sector after the first present one in the same byte counts as
 * present: the child's unwritten (zero) bytes came back instead of the
 * parent's (tests/check_image.c test_vhd_partial_bitmap).  For VHD
 * differencing files the adapter therefore reads the bitmaps itself (VHD
 * specification 1.0, "Block Allocation Table and Data Blocks"): sectors the
 * child holds are read through libvhdi from the child (right for those),
 * the others from the next file down the chain.
 *
 * VHDX differencing files: a chunk whose payload blocks are all
 * NOT_PRESENT may have no sector bitmap block (SB_BLOCK_NOT_PRESENT,
 * MS-VHDX 2.5.1.2; a fresh Hyper-V child has none at all), and libvhdi
 * 20210425 then takes that chunk's bitmap bits from file offset 0 (the
 * "vhdxfile" signature), so sectors of its first block came from the
 * child's header instead of the parent (tests/check_vhdx_diff.c).  The
 * adapter reads the BAT itself: blocks FULLY or PARTIALLY_PRESENT go
 * through libvhdi (whose VHDX bitmaps are right where they exist), ZERO
 * blocks read as zeros, and the others from the next file down. */
struct vhd_diff {
	int fd;                 /* -1: not a differencing file read here */
	struct vhdx_info *vhdx; /* set: a VHDX differencing file (below) */
	unsigned cached_state;  /* VHDX: the cached block's BAT state */
	uint64_t bat_offset;    /* file offset of the BAT (u32 BE entries) */
	uint32_t bat_entries;
	uint32_t block_size;    /* bytes, a power of two >= 512 */
	uint32_t bitmap_size;   /* bytes before each block's data */
	int64_t cached_block;   /* block whose bitmap is in bitmap, or -1 */
	int cached_present;     /* 0: that block is not allocated */
	uint8_t *bitmap;
};

/* Load the bitmap of block b of differencing level d (cached). */
int vhd_diff_bitmap(struct vhd_diff *d, uint64_t b, struct err *err);

/* If path is a VHD or VHDX differencing disk, set d up to read which
 * sectors it holds itself; another file leaves d->fd at -1.  Returns 0 or
 * <0. */
int vhd_diff_open(struct vhd_diff *d, const char *path,
		  uint64_t media_size, struct err *err);

#endif
