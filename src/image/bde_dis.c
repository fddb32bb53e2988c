/* dislocker 0.7, for what libbde 20190102 cannot read (bde_priv.h).
 * Only a clear key (protection suspended), and only from a raw file:
 * dislocker opens the volume by path itself (read-only) and has no read
 * callback, so a BitLocker partition inside a VHDX or E01 is out of its
 * reach.  Its log goes to /dev/null. */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#include "bytes.h"
#include "image_priv.h"
#include "limits.h"

typedef void *dis_ctx_t;
static struct {
	int loaded;
	dis_ctx_t (*new_ctx)(void);
	int (*setopt)(dis_ctx_t, int, const void *);
	int (*initialize)(dis_ctx_t);
	int (*dislock)(dis_ctx_t, uint8_t *, off_t, size_t);
	int (*destroy)(dis_ctx_t);
} D;

enum { DIS_VOLUME_PATH = 1, DIS_USE_CLEAR_KEY = 2, DIS_VERBOSITY = 13,
       DIS_LOG_FILE_PATH = 14, DIS_VOLUME_OFFSET = 16, DIS_READ_ONLY = 17 };

static int dis_load(struct err *err)
{
	void *lib;

	if (D.loaded)
		return 0;
	lib = image_lib_load("libdislocker.so.0.7", err);
	if (!lib)
		return err->code;
	if (image_lib_sym(lib, "dis_new", &D.new_ctx, sizeof(D.new_ctx), err) < 0 ||
	    image_lib_sym(lib, "dis_setopt", &D.setopt, sizeof(D.setopt), err) < 0 ||
	    image_lib_sym(lib, "dis_initialize", &D.initialize, sizeof(D.initialize), err) < 0 ||
	    image_lib_sym(lib, "dislock", &D.dislock, sizeof(D.dislock), err) < 0 ||
	    image_lib_sym(lib, "dis_destroy", &D.destroy, sizeof(D.destroy), err) < 0)
		return err->code;
	D.loaded = 1;
	return 0;
}

struct dis_src {
	dis_ctx_t ctx;
};

static void dis_close(void *priv)
{
	struct dis_src *d = priv;

	if (d && d->ctx)
		D.destroy(d->ctx);
	free(d);
}

static int dis_read(void *priv, uint64_t off, void *buf, size_t len,
		    struct err *err)
{
	struct dis_src *d = priv;

	/* dislock() takes whole sectors: read around the request */
	while (len > 0) {
		uint8_t sec[4096];
		uint64_t base = off & ~(uint64_t)4095;
		size_t in = (size_t)(off - base), n = sizeof(sec) - in;

		if (n > len)
			n = len;
		if (D.dislock(d->ctx, sec, (off_t)base, sizeof(sec)) <= 0)
			return err_set(err, -E_IO, "BitLocker (dislocker) read at offset %llu failed",
				       (unsigned long long)off);
		memcpy(buf, sec + in, n);
		buf = (uint8_t *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

static const struct image_ops dis_ops = {
	.format = "bitlocker",
	.read = dis_read,
	.close = dis_close,
};

/* Entries from e (n bytes) well formed, to the last byte: each at least
 * 8 bytes, inside, version 1 or 3; a VMK's properties likewise.  *clear
 * is set when a VMK is protected by a clear key.  libdislocker 0.7 frees
 * pointers it never set when it gives up half way through malformed
 * metadata (found by check_bde's hostile writer case), so it is handed
 * only metadata that passes this. */
static int entries_sound(const uint8_t *e, size_t n, int depth, int *clear)
{
	size_t k;

	while (n > 0) {
		k = bde_entry_size(e, n);
		/* 0x06 version */
		if (!k || (le16(e + 6) != 1 && le16(e + 6) != 3))
			return 0;
		/* 0x04 value type 8: VMK, 0x1a protection, properties at 0x24 */
		if (le16(e + 4) == 0x0008) {
			if (depth > 0 || k < 8 + 28 ||
			    !entries_sound(e + 36, k - 36, depth + 1, clear))
				return 0;
			if (le16(e + 8 + 26) == 0x0000)
				*clear = 1;
		}
		e += k;
		n -= k;
	}
	return 1;
}

/* The first FVE metadata is sound and has a clear key VMK. */
static int clear_key_sound(struct image *outer, uint64_t offset, uint64_t size)
{
	uint8_t vh[512], *m;
	uint64_t moff;
	size_t msize;
	struct err e;
	int clear = 0, ok = 0;

	err_init(&e);
	if (size < sizeof(vh) + 112 ||
	    bde_fve_locate(outer, offset, size, 112, vh, &moff) < 0)
		return 0;
	m = malloc(LIMIT_BDE_METADATA);
	if (!m)
		return 0;
	if (image_read(outer, offset + moff, m, 112, &e) == 0 &&
	    memcmp(m, "-FVE-FS-", 8) == 0 && le16(m + 0x0a) == 2) {
		/* 0x40 metadata size, header (48 bytes) included; 0x4c its copy */
		msize = le32(m + 64);
		if (msize >= 48 && msize <= LIMIT_BDE_METADATA - 64 &&
		    le32(m + 64 + 12) == msize && moff + 64 + msize <= size &&
		    image_read(outer, offset + moff + 64, m + 64, msize, &e) == 0)
			ok = entries_sound(m + 64 + 48, msize - 48, 0, &clear) && clear;
	}
	free(m);
	return ok;
}

/* Open a clear-key volume of the raw file outer with dislocker; 1 opened,
 * 0 not possible (not raw, or no clear key), <0 error. */
int bde_dis_open_clear(struct image **out, struct bde_info *info,
		       struct image *outer, uint64_t offset, uint64_t size,
		       struct err *err)
{
	struct dis_src *d;
	struct err lerr;
	uint8_t boot[4096];
	off_t voff = (off_t)offset;
	int yes = 1, verb = 0;
	uint64_t vsize;

	if (strcmp(image_format(outer), "raw") != 0 ||
	    !clear_key_sound(outer, offset, size))
		return 0;
	err_init(&lerr);
	if (dis_load(&lerr) < 0)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return err_set(err, -E_NOMEM, "out of memory");
	d->ctx = D.new_ctx();
	if (!d->ctx) {
		free(d);
		return 0;
	}
	D.setopt(d->ctx, DIS_VOLUME_PATH, image_path(outer));
	D.setopt(d->ctx, DIS_USE_CLEAR_KEY, &yes);
	D.setopt(d->ctx, DIS_READ_ONLY, &yes);
	D.setopt(d->ctx, DIS_VERBOSITY, &verb);
	D.setopt(d->ctx, DIS_LOG_FILE_PATH, "/dev/null");
	D.setopt(d->ctx, DIS_VOLUME_OFFSET, &voff);
	if (D.initialize(d->ctx) != 0 ||
	    D.dislock(d->ctx, boot, 0, sizeof(boot)) <= 0 ||
	    memcmp(boot + 3, "NTFS    ", 8) != 0) {
		dis_close(d);
		return 0;
	}
	/* the NTFS boot sector's sector count (0x28), plus its backup sector */
	vsize = (le64(boot + 0x28) + 1) * le16(boot + 0x0b);
	if (vsize == 0 || vsize > size + 65536 * 512ull)
		vsize = size;
	if (!info->method[0])
		snprintf(info->method, sizeof(info->method), "unknown (read by dislocker)");
	snprintf(info->protectors[0].type, sizeof(info->protectors[0].type), "clear key");
	info->nprotectors = 1;
	info->locked = 0;
	info->size = vsize;
	return image_new(out, &dis_ops, d, vsize, image_path(outer), err) < 0 ? err->code : 1;
}
