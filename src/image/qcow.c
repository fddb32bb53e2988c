/* QEMU QCOW / QCOW2 images through libqcow, read-only.  A backing file is
 * opened from the image's directory (it must be QCOW too) and chained with
 * libqcow_file_set_parent_file.  Encrypted images are refused.
 *
 * libqcow is loaded into a link-map namespace of its own and called
 * through the table Q (image_priv.h says why). */
#define _GNU_SOURCE
#include "image.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libqcow.h>

#include "bytes.h"
#include "limits.h"
#include "image_priv.h"
#include "yal_err.h"

/* libqcow entry points, resolved in its own namespace (image_priv.h). */
static struct {
	int loaded;
	__typeof__(&libqcow_check_file_signature) check_file_signature;
	__typeof__(&libqcow_error_backtrace_sprint) error_backtrace_sprint;
	__typeof__(&libqcow_error_free) error_free;
	__typeof__(&libqcow_file_close) file_close;
	__typeof__(&libqcow_file_free) file_free;
	__typeof__(&libqcow_file_get_encryption_method) file_get_encryption_method;
	__typeof__(&libqcow_file_get_format_version) file_get_format_version;
	__typeof__(&libqcow_file_get_media_size) file_get_media_size;
	__typeof__(&libqcow_file_get_utf8_backing_filename) file_get_utf8_backing_filename;
	__typeof__(&libqcow_file_get_utf8_backing_filename_size) file_get_utf8_backing_filename_size;
	__typeof__(&libqcow_file_initialize) file_initialize;
	__typeof__(&libqcow_file_open) file_open;
	__typeof__(&libqcow_file_read_buffer_at_offset) file_read_buffer_at_offset;
	__typeof__(&libqcow_file_set_parent_file) file_set_parent_file;
} Q;

static int qcow_load(struct err *err)
{
	void *lib;

	if (Q.loaded)
		return 0;
#define SYM(f) (image_lib_sym(lib, "libqcow_" #f, &Q.f, sizeof(Q.f), err) < 0)
	lib = image_lib_load("libqcow.so.1", err);
	if (!lib)
		return err ? err->code : -E_UNSUPPORTED;
	if (SYM(check_file_signature) || SYM(error_backtrace_sprint) ||
	    SYM(error_free) || SYM(file_close) || SYM(file_free) ||
	    SYM(file_get_encryption_method) || SYM(file_get_format_version) ||
	    SYM(file_get_media_size) || SYM(file_get_utf8_backing_filename) ||
	    SYM(file_get_utf8_backing_filename_size) || SYM(file_initialize) ||
	    SYM(file_open) || SYM(file_read_buffer_at_offset) ||
	    SYM(file_set_parent_file))
		return err ? err->code : -E_UNSUPPORTED;
#undef SYM
	Q.loaded = 1;
	return 0;
}

struct qcow_src {
	/* [0] is the image opened, [i + 1] the backing file of [i]. */
	libqcow_file_t *files[LIMIT_IMAGE_PARENTS + 1];
	unsigned count;
	/* With a backing file, reads are cut at cluster boundaries (the
	 * smallest cluster size of the chain): libqcow 20201213 reads the
	 * whole rest of a request from the backing file when it starts in a
	 * cluster the child does not have, so a child cluster further on came
	 * back with the backing file's bytes (tests/check_image.c shows it).
	 * 0: no backing file, no cut. */
	uint64_t piece;
};

static int qcow_err(struct err *err, int code, const char *what,
		    libqcow_error_t **e)
{
	return yal_err(err, code, what, e, Q.error_backtrace_sprint, Q.error_free);
}

static void qcow_close(void *priv)
{
	struct qcow_src *q = priv;
	unsigned i;

	if (!q)
		return;
	for (i = 0; i < q->count; i++) {
		Q.file_close(q->files[i], NULL);
		Q.file_free(&q->files[i], NULL);
	}
	free(q);
}

static int qcow_read(void *priv, uint64_t off, void *buf, size_t len,
		     struct err *err)
{
	struct qcow_src *q = priv;
	libqcow_error_t *e = NULL;
	uint8_t *p = buf;

	while (len > 0) {
		size_t want = len;
		ssize_t n;

		if (q->piece && want > q->piece - off % q->piece)
			want = (size_t)(q->piece - off % q->piece);
		n = Q.file_read_buffer_at_offset(q->files[0], p, want, (off64_t)off, &e);
		if (n <= 0) {
			char what[96];

			snprintf(what, sizeof(what), "read at offset %llu",
				 (unsigned long long)off);
			return qcow_err(err, n < 0 ? -E_IO : -E_CORRUPT, what, &e);
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static const struct image_ops qcow2_ops = {
	.format = "qcow2", .read = qcow_read, .close = qcow_close,
};

static const struct image_ops qcow1_ops = {
	.format = "qcow", .read = qcow_read, .close = qcow_close,
};

/* Cluster size from the header (big-endian): QCOW2 cluster_bits at 0x14
 * (u32), QCOW 1 at 0x20 (u8).  512 when unreadable or out of range. */
static uint64_t qcow_cluster_size(const char *path)
{
	uint8_t h[0x24];
	unsigned bits = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		if (pread(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h))
			bits = be32(h + 4) == 1 ? h[0x20] : (unsigned)be32(h + 0x14);
		close(fd);
	}
	return bits >= 9 && bits <= 21 ? 1ull << bits : 512;
}

static int qcow_open_one(libqcow_file_t **out, const char *path,
			 struct err *err)
{
	libqcow_error_t *e = NULL;
	uint32_t method = 0;
	int rc;

	*out = NULL;
	if (Q.file_initialize(out, &e) != 1)
		return qcow_err(err, -E_NOMEM, "cannot create a libqcow file", &e);
	if (Q.file_open(*out, path, LIBQCOW_OPEN_READ, &e) != 1) {
		rc = qcow_err(err, -E_CORRUPT, "not a valid QCOW", &e);
		goto fail;
	}
	if (Q.file_get_encryption_method(*out, &method, &e) != 1) {
		rc = qcow_err(err, -E_CORRUPT, "not a valid QCOW: encryption", &e);
		goto fail;
	}
	if (method != LIBQCOW_ENCRYPTION_METHOD_NONE) {
		rc = err_set(err, -E_UNSUPPORTED, "encrypted QCOW image (method %u)",
			     method);
		goto fail;
	}
	return 0;
fail:
	Q.file_close(*out, NULL);
	Q.file_free(out, NULL);
	return rc;
}

static int qcow_backing_name(libqcow_file_t *f, char *name, size_t len,
			     struct err *err)
{
	const struct image_lib_name fns = {
		Q.file_get_utf8_backing_filename_size, Q.file_get_utf8_backing_filename,
		Q.error_backtrace_sprint, Q.error_free,
	};

	return image_lib_parent_name(f, "backing file name", &fns, name, len, err);
}

int image_probe_qcow(struct image **out, const char *path, struct err *err)
{
	libqcow_error_t *e = NULL;
	struct qcow_src *q;
	char cur[LIMIT_IMAGE_NAME_LEN], next[LIMIT_IMAGE_NAME_LEN];
	char name[LIMIT_IMAGE_NAME_LEN];
	uint32_t version = 0;
	size64_t size = 0;
	int rc;

	*out = NULL;
	rc = qcow_load(err);
	if (rc < 0)
		return rc;
	rc = Q.check_file_signature(path, &e);
	Q.error_free(&e);
	if (rc != 1)
		return 0;
	q = calloc(1, sizeof(*q));
	if (!q)
		return err_set(err, -E_NOMEM, "out of memory");
	rc = qcow_open_one(&q->files[0], path, err);
	if (rc < 0)
		goto fail;
	q->count = 1;
	snprintf(cur, sizeof(cur), "%s", path);
	for (;;) {
		libqcow_file_t *child = q->files[q->count - 1];

		rc = qcow_backing_name(child, name, sizeof(name), err);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			break;
		if (q->count > LIMIT_IMAGE_PARENTS) {
			rc = err_set(err, -E_LIMIT,
				     "more than LIMIT_IMAGE_PARENTS (%u) backing files",
				     LIMIT_IMAGE_PARENTS);
			goto fail;
		}
		rc = image_sibling_path(next, sizeof(next), cur, name, err);
		if (rc < 0) {
			rc = err_wrap(err, "backing file");
			goto fail;
		}
		rc = Q.check_file_signature(next, &e);
		Q.error_free(&e);
		if (rc != 1 && q->count == 1) {
			/* a QCOW2 overlay of a raw, VHD, VMDK.. image (repair) */
			qcow_close(q);
			rc = image_qcow_overlay(out, path, next, err);
			return rc < 0 ? rc : 1;
		}
		if (rc != 1) {
			rc = err_set(err, -E_UNSUPPORTED,
				     "backing file '%s' is not QCOW (only QCOW backing files are read)",
				     next);
			goto fail;
		}
		rc = qcow_open_one(&q->files[q->count], next, err);
		if (rc < 0) {
			rc = err_wrap(err, "backing file '%s'", next);
			goto fail;
		}
		q->count++;
		if (q->piece == 0 || qcow_cluster_size(cur) < q->piece)
			q->piece = qcow_cluster_size(cur);
		if (qcow_cluster_size(next) < q->piece)
			q->piece = qcow_cluster_size(next);
		if (Q.file_set_parent_file(child, q->files[q->count - 1], &e) != 1) {
			rc = qcow_err(err, -E_CORRUPT, "cannot chain the backing file", &e);
			goto fail;
		}
		memcpy(cur, next, sizeof(cur));
	}
	if (Q.file_get_media_size(q->files[0], &size, &e) != 1) {
		rc = qcow_err(err, -E_CORRUPT, "not a valid QCOW: media size", &e);
		goto fail;
	}
	if (size == 0) {
		rc = err_set(err, -E_CORRUPT, "not a valid QCOW: media size is 0");
		goto fail;
	}
	Q.file_get_format_version(q->files[0], &version, NULL);
	rc = image_new(out, version == 1 ? &qcow1_ops : &qcow2_ops, q, size, path,
		       err);
	return rc < 0 ? rc : 1;
fail:
	qcow_close(q);
	return rc;
}
