/* VHD and VHDX images through libvhdi: fixed, dynamic and differencing
 * disks.  A differencing disk's parent (and its parent ...) is opened from
 * the child's directory by the file name the child records, checked
 * against the child's parent identifier, and chained with
 * libvhdi_file_set_parent_file.  Everything is opened read-only.
 *
 * libvhdi is loaded into a link-map namespace of its own and called
 * through the table V (image_priv.h says why). */
#define _GNU_SOURCE
#include "image.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libvhdi.h>

#include "limits.h"
#include "image_priv.h"

/* libvhdi entry points, resolved in its own namespace (image_priv.h). */
static struct {
	int loaded;
	__typeof__(&libvhdi_check_file_signature) check_file_signature;
	__typeof__(&libvhdi_error_backtrace_sprint) error_backtrace_sprint;
	__typeof__(&libvhdi_error_free) error_free;
	__typeof__(&libvhdi_file_close) file_close;
	__typeof__(&libvhdi_file_free) file_free;
	__typeof__(&libvhdi_file_get_disk_type) file_get_disk_type;
	__typeof__(&libvhdi_file_get_file_type) file_get_file_type;
	__typeof__(&libvhdi_file_get_identifier) file_get_identifier;
	__typeof__(&libvhdi_file_get_media_size) file_get_media_size;
	__typeof__(&libvhdi_file_get_parent_identifier) file_get_parent_identifier;
	__typeof__(&libvhdi_file_get_utf8_parent_filename) file_get_utf8_parent_filename;
	__typeof__(&libvhdi_file_get_utf8_parent_filename_size) file_get_utf8_parent_filename_size;
	__typeof__(&libvhdi_file_initialize) file_initialize;
	__typeof__(&libvhdi_file_open) file_open;
	__typeof__(&libvhdi_file_read_buffer_at_offset) file_read_buffer_at_offset;
	__typeof__(&libvhdi_file_set_parent_file) file_set_parent_file;
} V;

static int vhdi_load(struct err *err)
{
	void *lib;

	if (V.loaded)
		return 0;
#define SYM(f) (image_lib_sym(lib, "libvhdi_" #f, &V.f, sizeof(V.f), err) < 0)
	lib = image_lib_load("libvhdi.so.1", err);
	if (!lib)
		return err ? err->code : -E_UNSUPPORTED;
	if (SYM(check_file_signature) || SYM(error_backtrace_sprint) ||
	    SYM(error_free) || SYM(file_close) || SYM(file_free) ||
	    SYM(file_get_disk_type) || SYM(file_get_file_type) ||
	    SYM(file_get_identifier) || SYM(file_get_media_size) ||
	    SYM(file_get_parent_identifier) ||
	    SYM(file_get_utf8_parent_filename) ||
	    SYM(file_get_utf8_parent_filename_size) || SYM(file_initialize) ||
	    SYM(file_open) || SYM(file_read_buffer_at_offset) ||
	    SYM(file_set_parent_file))
		return err ? err->code : -E_UNSUPPORTED;
#undef SYM
	V.loaded = 1;
	return 0;
}

struct vhdi_src {
	/* [0] is the image opened, [i + 1] the parent of [i]. */
	libvhdi_file_t *files[LIMIT_IMAGE_PARENTS + 1];
	unsigned count;
};

/* One line from a libvhdi error (freed here). */
static int vhdi_err(struct err *err, int code, const char *what,
		    libvhdi_error_t **e)
{
	char trace[2048] = "";

	if (e && *e) {
		V.error_backtrace_sprint(*e, trace, sizeof(trace));
		V.error_free(e);
	}
	return image_lib_error(err, code, what, trace);
}

static void vhdi_close(void *priv)
{
	struct vhdi_src *v = priv;
	unsigned i;

	if (!v)
		return;
	/* Children first: each holds a reference to its parent. */
	for (i = 0; i < v->count; i++) {
		V.file_close(v->files[i], NULL);
		V.file_free(&v->files[i], NULL);
	}
	free(v);
}

static int vhdi_read(void *priv, uint64_t off, void *buf, size_t len,
		     struct err *err)
{
	struct vhdi_src *v = priv;
	libvhdi_error_t *e = NULL;
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = V.file_read_buffer_at_offset(v->files[0], p, len,
							       (off64_t)off, &e);
		if (n <= 0) {
			char what[96];

			snprintf(what, sizeof(what), "read at offset %llu",
				 (unsigned long long)off);
			return vhdi_err(err, n < 0 ? -E_IO : -E_CORRUPT, what, &e);
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static const struct image_ops vhd_ops = {
	.format = "vhd", .read = vhdi_read, .close = vhdi_close,
};

static const struct image_ops vhdx_ops = {
	.format = "vhdx", .read = vhdi_read, .close = vhdi_close,
};

/* "VHDX" when the file starts with the VHDX file type identifier, else
 * "VHD".  *at_start says whether either signature is at offset 0 (a VHDX,
 * or the footer copy of a dynamic VHD). */
static const char *vhdi_kind(const char *path, int *at_start)
{
	char sig[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n = -1;

	if (fd >= 0) {
		n = pread(fd, sig, sizeof(sig), 0);
		close(fd);
	}
	*at_start = 0;
	if (n != (ssize_t)sizeof(sig))
		return "VHD";
	if (memcmp(sig, "vhdxfile", 8) == 0) {
		*at_start = 1;
		return "VHDX";
	}
	*at_start = memcmp(sig, "conectix", 8) == 0;
	return "VHD";
}

static int vhdi_open_one(libvhdi_file_t **out, const char *path,
			 struct err *err)
{
	libvhdi_error_t *e = NULL;
	char what[64];
	int at_start;

	*out = NULL;
	snprintf(what, sizeof(what), "not a valid %s", vhdi_kind(path, &at_start));
	if (V.file_initialize(out, &e) != 1)
		return vhdi_err(err, -E_NOMEM, "cannot create a libvhdi file", &e);
	if (V.file_open(*out, path, LIBVHDI_OPEN_READ, &e) != 1) {
		V.file_free(out, NULL);
		return vhdi_err(err, -E_CORRUPT, what, &e);
	}
	return 0;
}

/* The parent's file name as file records it: 1 (name set), 0 (none). */
static int vhdi_parent_name(libvhdi_file_t *file, char *name, size_t len,
			    struct err *err)
{
	libvhdi_error_t *e = NULL;
	size_t size = 0;
	int rc;

	rc = V.file_get_utf8_parent_filename_size(file, &size, &e);
	if (rc < 0)
		return vhdi_err(err, -E_CORRUPT, "parent file name", &e);
	if (rc == 0 || size <= 1)
		return 0;
	if (size > len)
		return err_set(err, -E_LIMIT,
			       "parent file name of %zu bytes > LIMIT_IMAGE_NAME_LEN %zu",
			       size, len);
	if (V.file_get_utf8_parent_filename(file, (uint8_t *)name, size,
						  &e) != 1)
		return vhdi_err(err, -E_CORRUPT, "parent file name", &e);
	name[size - 1] = '\0';
	return 1;
}

/* Open the parent of v->files[v->count - 1] (child_path) and chain it. */
static int vhdi_open_parent(struct vhdi_src *v, const char *child_path,
			    char *parent_path, size_t parent_len,
			    struct err *err)
{
	libvhdi_file_t *child = v->files[v->count - 1], *parent = NULL;
	uint8_t want[16], have[16];
	libvhdi_error_t *e = NULL;
	char name[LIMIT_IMAGE_NAME_LEN];
	int rc, have_want;

	rc = vhdi_parent_name(child, name, sizeof(name), err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(err, -E_CORRUPT,
			       "differencing disk names no parent file");
	rc = image_sibling_path(parent_path, parent_len, child_path, name, err);
	if (rc < 0)
		return err_wrap(err, "parent disk");
	if (v->count > LIMIT_IMAGE_PARENTS)
		return err_set(err, -E_LIMIT,
			       "more than LIMIT_IMAGE_PARENTS (%u) parent disks",
			       LIMIT_IMAGE_PARENTS);
	if (V.check_file_signature(parent_path, &e) != 1) {
		V.error_free(&e);
		return err_set(err, -E_FORMAT, "parent disk '%s': not a VHD or VHDX file",
			       parent_path);
	}
	rc = vhdi_open_one(&parent, parent_path, err);
	if (rc < 0)
		return err_wrap(err, "parent disk '%s'", parent_path);
	v->files[v->count++] = parent;

	/* A parent that changed after the child was made would give a mix of
	 * two disks; Windows refuses to attach it, and so do we. */
	have_want = V.file_get_parent_identifier(child, want, sizeof(want), &e);
	if (have_want < 0)
		return vhdi_err(err, -E_CORRUPT, "parent identifier", &e);
	if (have_want == 1) {
		if (V.file_get_identifier(parent, have, sizeof(have), &e) != 1)
			return vhdi_err(err, -E_CORRUPT, "parent disk identifier", &e);
		if (memcmp(want, have, sizeof(want)) != 0)
			return err_set(err, -E_CORRUPT,
				       "parent disk '%s' is not the one the differencing disk was made from (identifier mismatch)",
				       parent_path);
	}
	if (V.file_set_parent_file(child, parent, &e) != 1)
		return vhdi_err(err, -E_CORRUPT, "cannot chain the parent disk", &e);
	return 0;
}

int image_probe_vhdi(struct image **out, const char *path, struct err *err)
{
	libvhdi_error_t *e = NULL;
	struct vhdi_src *v;
	char cur[LIMIT_IMAGE_NAME_LEN], next[LIMIT_IMAGE_NAME_LEN];
	const char *kind;
	size64_t size = 0;
	int rc, file_type = 0, at_start;

	*out = NULL;
	rc = vhdi_load(err);
	if (rc < 0)
		return rc;
	/* libvhdi looks for the VHD footer at the end only; a dynamic VHD whose
	 * footer is damaged or cut off still has its copy at offset 0, and is
	 * reported as a broken VHD rather than read as raw.  -1 means the
	 * signature could not be read (a file shorter than a footer). */
	rc = V.check_file_signature(path, &e);
	V.error_free(&e);
	kind = vhdi_kind(path, &at_start);
	if (rc != 1 && !at_start)
		return 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return err_set(err, -E_NOMEM, "out of memory");
	rc = vhdi_open_one(&v->files[0], path, err);
	if (rc < 0)
		goto fail;
	v->count = 1;
	snprintf(cur, sizeof(cur), "%s", path);
	for (;;) {
		uint32_t disk_type = 0;

		if (V.file_get_disk_type(v->files[v->count - 1], &disk_type,
					       &e) != 1) {
			rc = vhdi_err(err, -E_CORRUPT, "disk type", &e);
			goto fail;
		}
		if (disk_type != LIBVHDI_DISK_TYPE_DIFFERENTIAL)
			break;
		rc = vhdi_open_parent(v, cur, next, sizeof(next), err);
		if (rc < 0)
			goto fail;
		memcpy(cur, next, sizeof(cur));
	}
	if (V.file_get_media_size(v->files[0], &size, &e) != 1) {
		rc = vhdi_err(err, -E_CORRUPT, "media size", &e);
		goto fail;
	}
	if (size == 0) {
		rc = err_set(err, -E_CORRUPT, "media size is 0");
		goto fail;
	}
	V.file_get_file_type(v->files[0], &file_type, NULL);
	if (file_type == LIBVHDI_FILE_TYPE_VHDX ||
	    (file_type != LIBVHDI_FILE_TYPE_VHD && strcmp(kind, "VHDX") == 0))
		rc = image_new(out, &vhdx_ops, v, size, path, err);
	else
		rc = image_new(out, &vhd_ops, v, size, path, err);
	return rc < 0 ? rc : 1;
fail:
	vhdi_close(v);
	return rc;
}
