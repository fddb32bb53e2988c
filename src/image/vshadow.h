/* Volume shadow copies (VSS) of an NTFS volume, read through libvshadow:
 * each store is the volume as it was when the copy was made, offered as one
 * more read-only image (a byte view of the whole volume) that the fs layer
 * mounts like the live volume.  Reads of the volume go through the image
 * layer and a block cache shared by all stores (bcache.h), so a block the
 * stores have in common is read from the image once. */
#ifndef VSSD_VSHADOW_H
#define VSSD_VSHADOW_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"
#include "limits.h"

struct vss;

struct vss_store {
	unsigned number;        /* 1-based, libvshadow's (and vshadowinfo's) order */
	char identifier[40];    /* the store's GUID, lower case, no braces */
	char copy_id[40];       /* shadow copy id ("" when not stored) */
	char set_id[40];        /* shadow copy set id ("" when not stored) */
	uint64_t filetime;      /* creation time: 100 ns since 1601 (UTC) */
	char created[32];       /* "2019-06-04T23:43:01Z" (UTC, whole seconds) */
	uint64_t volume_size;   /* the volume's size when the copy was made */
	uint32_t attributes;    /* VSS_VOLSNAP_ATTR_* flags */
};

/* Look for shadow copies on the volume at [offset, offset + size) of img
 * (borrowed: it must outlive the vss).  Returns 1 and *out when the volume
 * has a VSS volume header (with zero or more stores: vss_count), 0 when it
 * has none (no VSS in use; *out NULL), <0 when libvshadow cannot be loaded
 * or the VSS metadata cannot be read at all.  A store that cannot be read
 * is left out and named in vss_warning(). */
int vss_open(struct vss **out, struct image *img, uint64_t offset,
	     uint64_t size, struct err *err);

/* Stores that can be read, in libvshadow's order (store 1 first). */
unsigned vss_count(const struct vss *v);
/* Store i (0-based, < vss_count), borrowed from v. */
const struct vss_store *vss_store_at(const struct vss *v, unsigned i);
/* "" or "; "-separated lines, e.g. "store 3 skipped: ..." */
const char *vss_warning(const struct vss *v);

/* A read-only image of store i as the whole volume (offset 0 is the
 * volume's first byte), named "<image path>@store<N>".  It borrows v:
 * free it (image_free) before vss_free.  Returns 0 or <0. */
int vss_store_image(struct vss *v, unsigned i, struct image **out,
		    struct err *err);

/* A read-only image of the live volume through the same block cache. */
int vss_volume_image(struct vss *v, struct image **out, struct err *err);

/* Block cache figures (for -v). */
void vss_cache_stats(const struct vss *v, uint64_t *hits, uint64_t *misses);

void vss_free(struct vss *v);

#endif
