/* The shadow copy adapter's parts (vshadow.c the stores through
 * libvshadow, vshadow_chains.c the checks made before libvshadow reads):
 * what they share.  vshadow.h is the API. */
#ifndef VSSD_VSHADOW_PRIV_H
#define VSSD_VSHADOW_PRIV_H

#include <stdint.h>

#include <libbfio.h>
#include <libvshadow.h>

#include "bcache.h"
#include "vshadow.h"

#define VSS_HEADER_OFFSET 0x1e00u
#define VSS_BLOCK 0x4000u

/* What libbfio's callbacks read: the volume through the block cache. */
struct vss_io {
	struct bcache *cache;
	uint64_t pos;
	int open;
	struct err last;        /* our last read error, for the message */
};

struct vss_entry {
	struct vss_store info;
	uint8_t id[16];             /* the store identifier as stored */
	libvshadow_store_t *store;
};

/* A store's chains as the catalog (entry type 0x03) gives them. */
struct vss_chains {
	uint8_t id[16];
	uint64_t list, ranges, bitmap, prev_bitmap;
	char bad[ERR_MSG_MAX];  /* "" or why libvshadow must not read it */
};

struct vss {
	struct image *img;
	struct vss_chains *chains;
	unsigned nchains;
	uint64_t offset, size;
	struct vss_io io;
	libbfio_handle_t *bfio;
	libvshadow_volume_t *vol;
	int vol_open;
	struct vss_entry *stores;
	unsigned count;
	char warning[1024];
};

/* 1: the volume at offset of img has a VSS volume header; 0: not; <0
 * read error. */
int vss_has_header(struct image *img, uint64_t offset, uint64_t size,
		   struct err *err);
/* An NTFS boot sector libvshadow 20190323 would divide by zero on: <0. */
int vss_boot_sector_check(struct vss *v, struct err *err);
/* The catalog's chain and each store's chains walked (v->chains, each
 * failure kept in its bad[]): 0, or <0 when the catalog itself fails. */
int vss_catalog_check(struct vss *v, struct err *err);
/* The chains of the store with identifier g, or NULL. */
const struct vss_chains *vss_chains_of(const struct vss *v, const uint8_t g[16]);

#endif
