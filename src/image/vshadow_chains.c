/* The chains libvshadow would follow without a bound (vshadow_priv.h).
 * libvshadow 20190323 follows the catalog's and every store's block lists,
 * range lists and bitmaps by their "next offset" until 0, with no bound: a
 * loop hangs it.  So we walk each chain first (Brent's cycle detection, a
 * count limit, every block inside the volume and with the VSS identifier
 * and its record type), and keep libvshadow away from what fails. */
#include "vshadow_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"

/* VSS identifier {3808876b-c176-4e48-b7ae-04046e6cc752} as stored (the
 * libyal "Volume Shadow Snapshot (VSS) format" document, "Volume header":
 * at volume offset 0x1e00). */
static const uint8_t vss_guid[16] = {
	0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
	0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52,
};

/* Brent's cycle detection over a chain of block offsets. */
struct loop_guard {
	uint64_t tortoise;
	unsigned power, lam;
};

/* 1 when next (not 0) closes a loop of the chain walked so far. */
static int loop_seen(struct loop_guard *g, uint64_t next)
{
	if (next != 0 && next == g->tortoise)
		return 1;
	if (g->power == g->lam) {
		g->tortoise = next;
		g->power *= 2;
		g->lam = 0;
	}
	g->lam++;
	return 0;
}

/* Read the block at off into blk: inside the volume, the VSS identifier,
 * record type; a block list's descriptors point inside the volume. */
static int block_check(struct vss *v, uint64_t off, uint32_t type,
		       const char *what, uint8_t *blk, struct err *err)
{
	size_t k;

	if (off > v->size || v->size - off < VSS_BLOCK)
		return err_set(err, -E_CORRUPT,
			       "%s: block at offset %llu past the end of the volume",
			       what, (unsigned long long)off);
	if (bcache_read(v->io.cache, off, blk, VSS_BLOCK, err) < 0)
		return err_wrap(err, "%s", what);
	/* 0x00 VSS identifier, 0x14 record type */
	if (memcmp(blk, vss_guid, sizeof(vss_guid)) != 0 || le32(blk + 0x14) != type)
		return err_set(err, -E_CORRUPT,
			       "%s: block at offset %llu is not a VSS block of type %u",
			       what, (unsigned long long)off, type);
	if (type != 3)
		return 0;
	/* block descriptors (32 bytes from 0x80): 0x10 store data offset,
	 * 0x18 flags (0x01 forwarder, 0x04 not used) */
	for (k = 0x80; k + 32 <= VSS_BLOCK; k += 32) {
		uint64_t data = le64(blk + k + 0x10);

		if (data != 0 && !(le32(blk + k + 0x18) & 0x5) &&
		    (data > v->size || v->size - data < VSS_BLOCK))
			return err_set(err, -E_CORRUPT,
				       "%s: store data at offset %llu past the end of the volume",
				       what, (unsigned long long)data);
	}
	return 0;
}

/* Walk the chain of record type from first: 0 or <0 with err set. */
static int chain_check(struct vss *v, uint64_t first, uint32_t type,
		       unsigned limit, const char *what, uint8_t *blk,
		       struct err *err)
{
	struct loop_guard lg = { first, 1, 0 };
	uint64_t off = first;
	unsigned n = 0;

	while (off != 0) {
		uint64_t next;
		int rc;

		if (++n > limit)
			return err_set(err, -E_LIMIT, "%s: more than %u blocks", what, limit);
		rc = block_check(v, off, type, what, blk, err);
		if (rc < 0)
			return rc;
		/* 0x28 next offset */
		next = le64(blk + 0x28);
		if (loop_seen(&lg, next))
			return err_set(err, -E_CORRUPT, "%s: the blocks loop (at offset %llu)",
				       what, (unsigned long long)next);
		off = next;
	}
	return 0;
}

/* Each store's chains; a failure is kept in its bad[]. */
static void store_chains_check(struct vss *v, struct vss_chains *c, uint8_t *blk)
{
	uint64_t bitmap_blocks = v->size / VSS_BLOCK / ((VSS_BLOCK - 0x80) * 8ull) + 2;
	struct err e;

	err_init(&e);
	if (chain_check(v, c->list, 3, LIMIT_VSS_LIST_BLOCKS, "block list", blk, &e) < 0 ||
	    chain_check(v, c->ranges, 5, LIMIT_VSS_LIST_BLOCKS, "block range list", blk, &e) < 0 ||
	    chain_check(v, c->bitmap, 6, (unsigned)bitmap_blocks, "bitmap", blk, &e) < 0 ||
	    chain_check(v, c->prev_bitmap, 6, (unsigned)bitmap_blocks, "previous bitmap", blk, &e) < 0)
		snprintf(c->bad, sizeof(c->bad), "%s", e.msg);
}

/* The catalog from the volume header: its chain and the 0x03 entries. */
int vss_catalog_check(struct vss *v, struct err *err)
{
	uint8_t hdr[0x38], *blk = malloc(VSS_BLOCK);
	struct loop_guard lg = { 0, 1, 0 };
	uint64_t off;
	unsigned n = 0, i;
	int rc = 0;

	if (!blk)
		return err_set(err, -E_NOMEM, "out of memory");
	if (bcache_read(v->io.cache, VSS_HEADER_OFFSET, hdr, sizeof(hdr), err) < 0) {
		rc = err_wrap(err, "VSS volume header");
		goto out;
	}
	off = lg.tortoise = le64(hdr + 0x30);   /* 0x30 catalog offset */
	while (off != 0) {
		size_t k;
		uint64_t next;

		err_init(err);
		rc = block_check(v, off, 2, "VSS catalog", blk, err);
		if (rc < 0)
			goto out;
		if (++n > LIMIT_VSS_CATALOG_BLOCKS) {
			rc = err_set(err, -E_LIMIT, "VSS catalog: more than %u blocks",
				     LIMIT_VSS_CATALOG_BLOCKS);
			goto out;
		}
		/* 128-byte entries from 0x80; type 0x03: 0x08 block list,
		 * 0x10 store identifier, 0x28 block range list, 0x30 bitmap,
		 * 0x48 previous bitmap */
		for (k = 0x80; k + 128 <= VSS_BLOCK; k += 128) {
			const uint8_t *e = blk + k;
			struct vss_chains *c;

			if (le64(e) != 3)
				continue;
			if (v->nchains == LIMIT_VSS_STORES) {
				rc = err_set(err, -E_LIMIT, "VSS catalog: more than %u stores",
					     LIMIT_VSS_STORES);
				goto out;
			}
			if (!v->chains) {
				v->chains = calloc(LIMIT_VSS_STORES, sizeof(*v->chains));
				if (!v->chains) {
					rc = err_set(err, -E_NOMEM, "out of memory");
					goto out;
				}
			}
			c = &v->chains[v->nchains++];
			memcpy(c->id, e + 0x10, 16);
			c->list = le64(e + 0x08);
			c->ranges = le64(e + 0x28);
			c->bitmap = le64(e + 0x30);
			c->prev_bitmap = le64(e + 0x48);
		}
		next = le64(blk + 0x28);
		if (loop_seen(&lg, next)) {
			rc = err_set(err, -E_CORRUPT, "VSS catalog: the blocks loop (at offset %llu)",
				     (unsigned long long)next);
			goto out;
		}
		off = next;
	}
	for (i = 0; i < v->nchains; i++)
		store_chains_check(v, &v->chains[i], blk);
out:
	free(blk);
	return rc;
}

/* The chains of the store with identifier g, or NULL. */
const struct vss_chains *vss_chains_of(const struct vss *v, const uint8_t g[16])
{
	unsigned i;

	for (i = 0; i < v->nchains; i++)
		if (memcmp(v->chains[i].id, g, 16) == 0)
			return &v->chains[i];
	return NULL;
}

/* libvshadow 20190323 (libvshadow_io_handle_read_ntfs_volume_header)
 * divides by bytes per sector x sectors per cluster of an NTFS boot
 * sector with a sector count: a zero there is SIGFPE (found by fuzz_vss).
 * Refuse such a volume before libvshadow sees it.  0 or <0. */
int vss_boot_sector_check(struct vss *v, struct err *err)
{
	uint8_t b[0x30];
	uint64_t sectors;

	if (bcache_read(v->io.cache, 0, b, sizeof(b), err) < 0)
		return err_wrap(err, "NTFS boot sector");
	/* 0x03 "NTFS    ", 0x0b bytes per sector, 0x0d sectors per cluster,
	 * 0x13 / 0x20 / 0x28 total sectors (16, 32, 64 bits: the first not 0) */
	if (memcmp(b + 3, "NTFS    ", 8) != 0)
		return 0;
	sectors = le16(b + 0x13);
	if (sectors == 0)
		sectors = le32(b + 0x20);
	if (sectors == 0)
		sectors = le64(b + 0x28);
	if (sectors != 0 && (le16(b + 0x0b) == 0 || b[0x0d] == 0))
		return err_set(err, -E_CORRUPT,
			       "NTFS boot sector: %u bytes per sector, %u sectors per cluster",
			       le16(b + 0x0b), b[0x0d]);
	return 0;
}

/* 1: the volume has a VSS volume header; 0: not; <0 read error. */
int vss_has_header(struct image *img, uint64_t offset, uint64_t size,
		   struct err *err)
{
	uint8_t h[16];

	if (size < VSS_HEADER_OFFSET + sizeof(h))
		return 0;
	if (image_read(img, offset + VSS_HEADER_OFFSET, h, sizeof(h), err) < 0)
		return err_wrap(err, "VSS volume header");
	return memcmp(h, vss_guid, sizeof(h)) == 0;
}
