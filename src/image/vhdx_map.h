/* A VHDX read straight from a read-only mapping of its file, for the
 * VHDX adapter (vhdi.c): reads are a copy out of the mapping and ranges
 * inside present blocks can be lent (image_borrow), instead of going
 * through libvhdi.  vhdx_map.c says when it applies. */
#ifndef VSSD_VHDX_MAP_H
#define VSSD_VHDX_MAP_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vhdx_info.h"

struct vhdx_map;

/* 1 and *out when the VHDX at path (info from vhdx_read_info, media_size
 * libvhdi's) can be read from a mapping, 0 when libvhdi must read it,
 * <0 out of memory. */
int vhdx_map_open(struct vhdx_map **out, const char *path,
		  const struct vhdx_info *info, uint64_t media_size,
		  struct err *err);
/* Never past media_size (the image layer checks). */
int vhdx_map_read(struct vhdx_map *m, uint64_t off, void *buf, size_t len,
		  struct err *err);
/* len > 0 bytes at off in place, or NULL (a zero block, or blocks that are
 * not consecutive in the file). */
const uint8_t *vhdx_map_borrow(struct vhdx_map *m, uint64_t off, size_t len);
int vhdx_map_damaged(const struct vhdx_map *m);
void vhdx_map_close(struct vhdx_map *m);

#endif
