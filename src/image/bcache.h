/* A bounded read cache of fixed-size blocks over a byte range of an image,
 * keyed by the offset in that range.  The shadow-copy views of one volume
 * (src/image/vshadow.c) read the same unchanged blocks of the volume again
 * and again, once per store; through this cache each is read from the image
 * once while it stays in the cache. */
#ifndef VSSD_BCACHE_H
#define VSSD_BCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"

struct bcache;

/* Cache [base, base + size) of img (borrowed: it must outlive the cache) in
 * blocks of block bytes (a power of two), keeping at most max_bytes of
 * them (the least recently used goes first; at least one block is kept).
 * Returns 0 and *out (free with bcache_free) or <0. */
int bcache_new(struct bcache **out, struct image *img, uint64_t base,
	       uint64_t size, size_t block, size_t max_bytes, struct err *err);

/* Read exactly len bytes at off (relative to base).  A read past size is an
 * error (-E_CORRUPT).  Returns 0 or <0 (the image's error). */
int bcache_read(struct bcache *c, uint64_t off, void *buf, size_t len,
		struct err *err);

uint64_t bcache_size(const struct bcache *c);

struct bcache_stats {
	uint64_t hits, misses;      /* blocks found / read from the image */
	uint64_t evictions;
	size_t blocks, max_blocks;  /* held now / at most */
};
void bcache_get_stats(const struct bcache *c, struct bcache_stats *st);

void bcache_free(struct bcache *c);

#endif
