/* libFuzzer target for the shadow-copy layer (src/image/vshadow.c: our
 * walk of the VSS catalog and of each store's block lists, range lists and
 * bitmaps, then libvshadow reading the stores).  The input is a sparse
 * 4 MiB volume: records of a 2-byte block number (little endian, modulo
 * 256) and up to 16 KiB of that block's bytes; every other byte is zero.
 * Seeds (mkseeds): the VSS blocks of fixture volumes written by
 * testdata/mkvss, intact and with each of vss_writer_damage's hostile
 * variants.  Opening must never crash, hang or leak, and every error must
 * carry its message. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "image.h"
#include "vshadow.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BLOCK 16384u
#define NBLOCKS 256u

struct sparse {
	const uint8_t *blk[NBLOCKS];
	size_t len[NBLOCKS];
};

static int sparse_read(void *priv, uint64_t off, void *buf, size_t len,
		       struct err *err)
{
	struct sparse *sp = priv;
	uint8_t *p = buf;

	(void)err;
	while (len > 0) {
		size_t b = (size_t)(off / BLOCK), in = (size_t)(off % BLOCK);
		size_t n = BLOCK - in < len ? BLOCK - in : len, k;

		memset(p, 0, n);
		if (b < NBLOCKS && sp->blk[b] && in < sp->len[b]) {
			k = sp->len[b] - in < n ? sp->len[b] - in : n;
			memcpy(p, sp->blk[b] + in, k);
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static void sparse_close(void *priv)
{
	(void)priv;
}

static const struct image_ops sparse_ops = {
	.format = "raw", .read = sparse_read, .close = sparse_close,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[BLOCK];
	struct sparse sp;
	struct image *img = NULL, *view = NULL;
	struct vss *v = NULL;
	struct err err;
	size_t at = 0;
	unsigned i;
	int rc;

	memset(&sp, 0, sizeof(sp));
	while (at + 2 <= size) {
		unsigned b = (unsigned)(data[at] | data[at + 1] << 8) % NBLOCKS;
		size_t n = size - at - 2 < BLOCK ? size - at - 2 : BLOCK;

		sp.blk[b] = data + at + 2;
		sp.len[b] = n;
		at += 2 + n;
	}
	err_init(&err);
	if (image_new(&img, &sparse_ops, &sp, (uint64_t)NBLOCKS * BLOCK, "fuzz", &err) < 0)
		return 0;
	rc = vss_open(&v, img, 0, (uint64_t)NBLOCKS * BLOCK, &err);
	if (rc < 0 && (err.msg[0] == '\0' || err.code != rc))
		abort();
	for (i = 0; rc == 1 && i < vss_count(v); i++) {
		const struct vss_store *st = vss_store_at(v, i);
		uint64_t off;

		if (!st || st->number == 0 || st->created[0] == '\0')
			abort();
		err_init(&err);
		if (vss_store_image(v, i, &view, &err) < 0) {
			if (err.msg[0] == '\0')
				abort();
			continue;
		}
		/* a few blocks of the store, as a mount would read them */
		for (off = 0; off + sizeof(buf) <= image_size(view) && off < 64 * BLOCK;
		     off += 7 * BLOCK) {
			err_init(&err);
			if (image_read(view, off, buf, sizeof(buf), &err) < 0 && err.msg[0] == '\0')
				abort();
		}
		image_free(view);
	}
	vss_free(v);
	image_free(img);
	return 0;
}
