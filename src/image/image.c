/* Image core: the read interface, the memory source and format detection.
 * Format adapters live beside this file, one per format. */
#define _GNU_SOURCE
#include "image.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

struct image {
	const struct image_ops *ops;
	void *priv;
	uint64_t size;
	char *path;
	uint64_t bytes_read;
	uint64_t read_calls;
	uint64_t fail_offset;
	uint64_t fail_after;
};

int image_new(struct image **out, const struct image_ops *ops, void *priv,
	      uint64_t size, const char *path, struct err *err)
{
	struct image *img = calloc(1, sizeof(*img));

	*out = NULL;
	if (!img || !(img->path = strdup(path ? path : ""))) {
		free(img);
		if (ops->close)
			ops->close(priv);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	img->ops = ops;
	img->priv = priv;
	img->size = size;
	img->fail_offset = UINT64_MAX;
	*out = img;
	return 0;
}

int image_read(struct image *img, uint64_t off, void *buf, size_t len,
	       struct err *err)
{
	int rc;

	if (len == 0)
		return 0;
	if (off > img->size || len > img->size - off)
		return err_set(err, -E_CORRUPT,
			       "read of %zu bytes at offset %llu past end of image (%llu bytes)",
			       len, (unsigned long long)off,
			       (unsigned long long)img->size);
	img->read_calls++;
	if (img->fail_after && img->read_calls > img->fail_after)
		return err_set(err, -E_IO, "injected i/o error (read %llu)",
			       (unsigned long long)img->read_calls);
	if (img->fail_offset != UINT64_MAX && off <= img->fail_offset &&
	    img->fail_offset - off < len)
		return err_set(err, -E_IO, "injected i/o error at offset %llu",
			       (unsigned long long)img->fail_offset);
	rc = img->ops->read(img->priv, off, buf, len, err);
	if (rc < 0)
		return rc;
	img->bytes_read += len;
	return 0;
}

const uint8_t *image_borrow(struct image *img, uint64_t off, size_t len)
{
	const uint8_t *p;

	if (!img->ops->borrow || len == 0 || off > img->size || len > img->size - off)
		return NULL;
	if (img->fail_after || img->fail_offset != UINT64_MAX)
		return NULL;
	p = img->ops->borrow(img->priv, off, len);
	if (p) {
		img->read_calls++;
		img->bytes_read += len;
	}
	return p;
}

int image_damaged(const struct image *img)
{
	return img->ops->damaged ? img->ops->damaged(img->priv) : 0;
}

uint64_t image_size(const struct image *img) { return img->size; }
const char *image_format(const struct image *img) { return img->ops->format; }
const char *image_path(const struct image *img) { return img->path; }
uint64_t image_bytes_read(const struct image *img) { return img->bytes_read; }
uint64_t image_read_calls(const struct image *img) { return img->read_calls; }

void image_set_fault(struct image *img, uint64_t fail_offset,
		     uint64_t fail_after_reads)
{
	img->fail_offset = fail_offset;
	img->fail_after = fail_after_reads;
}

void image_free(struct image *img)
{
	if (!img)
		return;
	if (img->ops->close)
		img->ops->close(img->priv);
	free(img->path);
	free(img);
}

/* memory source */
struct mem_src {
	const uint8_t *buf;
};

static int mem_read(void *priv, uint64_t off, void *buf, size_t len,
		    struct err *err)
{
	struct mem_src *m = priv;

	(void)err;
	memcpy(buf, m->buf + off, len);
	return 0;
}

static void mem_close(void *priv)
{
	free(priv);
}

static const uint8_t *mem_borrow(void *priv, uint64_t off, size_t len)
{
	(void)len;
	return ((struct mem_src *)priv)->buf + off;
}

static const struct image_ops mem_ops = {
	.format = "memory", .read = mem_read, .close = mem_close,
	.borrow = mem_borrow,
};

int image_from_memory(struct image **out, const void *buf, size_t len,
		      struct err *err)
{
	struct mem_src *m = malloc(sizeof(*m));

	*out = NULL;
	if (!m)
		return err_set(err, -E_NOMEM, "out of memory");
	m->buf = buf;
	return image_new(out, &mem_ops, m, len, "(memory)", err);
}

/* Detection: every adapter's probe, most specific signature first; raw is
 * the fallback that accepts anything readable. */
typedef int (*image_probe_fn)(struct image **, const char *, struct err *);

static const image_probe_fn probes[] = {
	image_probe_vhdi,   /* "conectix" footer/header or "vhdxfile" */
	image_probe_ewf,    /* "EVF\x09\x0d\x0a\xff\x00" */
	image_probe_vmdk,   /* "KDMV" sparse header or "# Disk DescriptorFile" */
	image_probe_qcow,   /* "QFI\xfb" */
	image_probe_raw,
};

/* A container format's metadata can be intact while its data is cut off
 * (a partial copy, a missing E02): read the first and the last sector now,
 * so that shows at open with a clear message instead of deep inside the
 * file system.  These two reads are not counted in image_bytes_read(). */
static int check_ends(struct image *img, struct err *err)
{
	uint8_t s[512];
	size_t n = img->size < sizeof(s) ? (size_t)img->size : sizeof(s);

	if (strcmp(img->ops->format, "raw") == 0)
		return 0;
	if (image_read(img, 0, s, n, err) < 0)
		return err_wrap(err, "truncated or damaged %s image: cannot read its first sector",
				img->ops->format);
	if (image_read(img, img->size - n, s, n, err) < 0)
		return err_wrap(err, "truncated or damaged %s image: cannot read its last sector",
				img->ops->format);
	img->bytes_read = 0;
	img->read_calls = 0;
	return 0;
}

/* The probes load their libraries and fill their function tables on
 * first use: `scan -j` opens images on several threads, one at a time
 * (opening is a few reads; the scans themselves run side by side). */
/* Recursive: a QCOW2 overlay's probe opens its backing file
 * (qcow_overlay.c). */
static pthread_mutex_t probe_lock = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;

static int image_open_locked(struct image **out, const char *path, struct err *err)
{
	size_t i;
	int rc;

	for (i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		rc = probes[i](out, path, err);
		if (rc < 0)
			return rc;
		if (rc > 0) {
			rc = check_ends(*out, err);
			if (rc < 0) {
				image_free(*out);
				*out = NULL;
			}
			return rc;
		}
	}
	return err_set(err, -E_FORMAT, "not a disk image this tool reads");
}

int image_open(struct image **out, const char *path, struct err *err)
{
	struct stat st;
	int rc;

	*out = NULL;
	if (stat(path, &st) < 0)
		return err_set(err, -E_IO, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		return err_set(err, -E_FORMAT, "is a directory");
	pthread_mutex_lock(&probe_lock);
	rc = image_open_locked(out, path, err);
	pthread_mutex_unlock(&probe_lock);
	return rc;
}

int image_sibling_path(char *out, size_t outlen, const char *sibling,
		       const char *name, struct err *err)
{
	const char *base = name, *p, *slash;
	size_t dirlen;
	struct stat st;
	int n;

	for (p = name; *p; p++)
		if (*p == '/' || *p == '\\')
			base = p + 1;
	if (!*base || strcmp(base, ".") == 0 || strcmp(base, "..") == 0)
		return err_set(err, -E_CORRUPT, "unusable file name '%s'", name);
	slash = strrchr(sibling, '/');
	dirlen = slash ? (size_t)(slash - sibling) : 0;
	if (slash && dirlen == 0)
		n = snprintf(out, outlen, "/%s", base);
	else if (slash)
		n = snprintf(out, outlen, "%.*s/%s", (int)dirlen, sibling, base);
	else
		n = snprintf(out, outlen, "%s", base);
	if (n < 0 || (size_t)n >= outlen)
		return err_set(err, -E_LIMIT, "path for '%s' is too long", name);
	if (stat(out, &st) < 0) {
		if (errno == ENOENT)
			return err_set(err, -E_NOTFOUND,
				       "'%s' does not exist ('%s' names it '%s')",
				       out, sibling, name);
		return err_set(err, -E_IO, "'%s': %s", out, strerror(errno));
	}
	return 0;
}
