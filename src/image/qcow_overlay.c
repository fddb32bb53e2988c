/* A QCOW2 overlay whose backing file is not QCOW (raw, VHD, VHDX, VMDK):
 * what `vssdoctor repair --apply` writes (qemu-img create -b SOURCE).
 * libqcow only chains QCOW parents, so the overlay's own clusters are found
 * here from its L1/L2 tables and every other byte is read from the backing
 * image opened with image_open.  Read-only like every image.
 *
 * Header (big-endian): 0x00 "QFI\xfb", 0x04 version (2, 3), 0x14
 * cluster_bits, 0x18 virtual size, 0x20 encryption method, 0x24 L1
 * entries, 0x28 L1 table offset, 0x48 incompatible features (v3).  L1 and
 * L2 entries: bits 9..55 the table or cluster offset; L2 bit 62 compressed,
 * bit 0 reads as zeros (v3).  Refused: encryption, compressed clusters,
 * external data files, extended L2 entries, a "corrupt" image. */
#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytes.h"
#include "limits.h"

#define QCOW_OFFSET_MASK 0x00fffffffffffe00ull
#define QCOW_COMPRESSED  (1ull << 62)
#define QCOW_ZERO        1ull
#define QCOW_L1_MAX      (1u << 24)   /* L1 entries: 2^24 * 2^(16+13) bytes */

struct overlay {
	int fd;
	unsigned cluster_bits;
	uint64_t size;
	uint64_t *l1;
	uint32_t l1_size;
	struct image *backing;
};

static void ov_close(void *priv)
{
	struct overlay *o = priv;

	if (!o)
		return;
	if (o->fd >= 0)
		close(o->fd);
	free(o->l1);
	if (o->backing)
		image_free(o->backing);
	free(o);
}

static int ov_pread(int fd, void *buf, size_t len, uint64_t off, struct err *err)
{
	uint8_t *p = buf;

	while (len) {
		ssize_t n = pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return err_set(err, -E_IO, "qcow2 overlay: short read at %llu",
				       (unsigned long long)off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int ov_read(void *priv, uint64_t off, void *buf, size_t len,
		   struct err *err)
{
	struct overlay *o = priv;
	uint64_t cs = 1ull << o->cluster_bits;
	unsigned l2_bits = o->cluster_bits - 3;
	uint8_t *p = buf;

	while (len) {
		uint64_t in = off & (cs - 1), l1i = off >> (o->cluster_bits + l2_bits);
		uint64_t l2i = (off >> o->cluster_bits) & ((1ull << l2_bits) - 1);
		size_t n = len < cs - in ? len : (size_t)(cs - in);
		uint64_t l2 = 0, ent = 0;
		uint8_t e[8];

		if (l1i < o->l1_size)
			l2 = o->l1[l1i] & QCOW_OFFSET_MASK;
		if (l2) {
			if (ov_pread(o->fd, e, 8, l2 + l2i * 8, err) < 0)
				return -E_IO;
			ent = be64(e);
		}
		if (ent & QCOW_COMPRESSED)
			return err_set(err, -E_UNSUPPORTED, "qcow2 overlay: compressed cluster at %llu",
				       (unsigned long long)off);
		if (ent & QCOW_ZERO) {
			memset(p, 0, n);
		} else if (ent & QCOW_OFFSET_MASK) {
			if (ov_pread(o->fd, p, n, (ent & QCOW_OFFSET_MASK) + in, err) < 0)
				return -E_IO;
		} else if (off < image_size(o->backing)) {
			size_t b = n;

			if (b > image_size(o->backing) - off) {
				b = (size_t)(image_size(o->backing) - off);
				memset(p + b, 0, n - b);
			}
			if (image_read(o->backing, off, p, b, err) < 0)
				return err_wrap(err, "backing file");
		} else {
			memset(p, 0, n);
		}
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

static const struct image_ops overlay_ops = {
	.format = "qcow2", .read = ov_read, .close = ov_close,
};

int image_qcow_overlay(struct image **out, const char *path,
		       const char *backing, struct err *err)
{
	struct overlay *o = calloc(1, sizeof(*o));
	uint8_t h[0x68];
	uint64_t l1_off, incompat = 0;
	uint32_t i, version;
	int rc;

	*out = NULL;
	if (!o)
		return err_set(err, -E_NOMEM, "out of memory");
	o->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (o->fd < 0) {
		rc = err_set(err, -E_IO, "%s", strerror(errno));
		goto fail;
	}
	memset(h, 0, sizeof(h));
	if (ov_pread(o->fd, h, 0x48, 0, err) < 0) {
		rc = -E_IO;
		goto fail;
	}
	version = be32(h + 0x04);                               /* 0x04 version */
	if (version == 3 && ov_pread(o->fd, h + 0x48, 0x20, 0x48, err) < 0) {
		rc = -E_IO;
		goto fail;
	}
	incompat = version == 3 ? be64(h + 0x48) : 0;           /* 0x48 incompatible */
	o->cluster_bits = be32(h + 0x14);                        /* 0x14 cluster_bits */
	o->size = be64(h + 0x18);                                /* 0x18 size */
	o->l1_size = be32(h + 0x24);                             /* 0x24 l1_size */
	l1_off = be64(h + 0x28);                                 /* 0x28 l1_table_offset */
	if (memcmp(h, "QFI\xfb", 4) != 0 || (version != 2 && version != 3) ||
	    o->cluster_bits < 9 || o->cluster_bits > 21 || o->size == 0 ||
	    o->l1_size > QCOW_L1_MAX) {
		rc = err_set(err, -E_CORRUPT, "not a QCOW2 overlay we can read");
		goto fail;
	}
	if (be32(h + 0x20) != 0 || (incompat & ~1ull)) {         /* 0x20 crypt */
		rc = err_set(err, -E_UNSUPPORTED,
			     "QCOW2 overlay with encryption or features 0x%llx", (unsigned long long)incompat);
		goto fail;
	}
	o->l1 = calloc(o->l1_size ? o->l1_size : 1, sizeof(*o->l1));
	if (!o->l1) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto fail;
	}
	if (o->l1_size && ov_pread(o->fd, o->l1, (size_t)o->l1_size * 8, l1_off, err) < 0) {
		rc = -E_IO;
		goto fail;
	}
	for (i = 0; i < o->l1_size; i++)
		o->l1[i] = be64((const uint8_t *)&o->l1[i]);
	rc = image_open(&o->backing, backing, err);
	if (rc < 0) {
		rc = err_wrap(err, "backing file '%s'", backing);
		goto fail;
	}
	return image_new(out, &overlay_ops, o, o->size, path, err);
fail:
	ov_close(o);
	return rc;
}
