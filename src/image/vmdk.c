/* VMware VMDK images through libvmdk: a descriptor file (text, or embedded
 * in a monolithic sparse file) and its extent files, which must sit in the
 * descriptor's directory.  A child disk (parentFileNameHint) gets its
 * parent opened from the same directory and chained.  Read-only.
 * libvmdk is loaded into a link-map namespace of its own and called
 * through the table K (image_priv.h says why). */
#define _GNU_SOURCE
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libvmdk.h>

#include "limits.h"
#include "image_priv.h"
#include "yal_err.h"

/* libvmdk entry points, resolved in its own namespace (image_priv.h). */
static struct {
	int loaded;
	__typeof__(&libvmdk_check_file_signature) check_file_signature;
	__typeof__(&libvmdk_error_backtrace_sprint) error_backtrace_sprint;
	__typeof__(&libvmdk_error_free) error_free;
	__typeof__(&libvmdk_handle_close) handle_close;
	__typeof__(&libvmdk_handle_free) handle_free;
	__typeof__(&libvmdk_handle_get_media_size) handle_get_media_size;
	__typeof__(&libvmdk_handle_get_utf8_parent_filename) handle_get_utf8_parent_filename;
	__typeof__(&libvmdk_handle_get_utf8_parent_filename_size) handle_get_utf8_parent_filename_size;
	__typeof__(&libvmdk_handle_initialize) handle_initialize;
	__typeof__(&libvmdk_handle_open) handle_open;
	__typeof__(&libvmdk_handle_open_extent_data_files) handle_open_extent_data_files;
	__typeof__(&libvmdk_handle_read_buffer_at_offset) handle_read_buffer_at_offset;
	__typeof__(&libvmdk_handle_set_extent_data_files_path) handle_set_extent_data_files_path;
	__typeof__(&libvmdk_handle_set_parent_handle) handle_set_parent_handle;
} K;

static int vmdk_load(struct err *err)
{
	void *lib;

	if (K.loaded)
		return 0;
#define SYM(f) (image_lib_sym(lib, "libvmdk_" #f, &K.f, sizeof(K.f), err) < 0)
	lib = image_lib_load("libvmdk.so.1", err);
	if (!lib)
		return err ? err->code : -E_UNSUPPORTED;
	if (SYM(check_file_signature) || SYM(error_backtrace_sprint) ||
	    SYM(error_free) || SYM(handle_close) || SYM(handle_free) ||
	    SYM(handle_get_media_size) ||
	    SYM(handle_get_utf8_parent_filename) ||
	    SYM(handle_get_utf8_parent_filename_size) ||
	    SYM(handle_initialize) || SYM(handle_open) ||
	    SYM(handle_open_extent_data_files) ||
	    SYM(handle_read_buffer_at_offset) ||
	    SYM(handle_set_extent_data_files_path) ||
	    SYM(handle_set_parent_handle))
		return err ? err->code : -E_UNSUPPORTED;
#undef SYM
	K.loaded = 1;
	return 0;
}

struct vmdk_src {
	/* [0] is the image opened, [i + 1] the parent of [i]. */
	libvmdk_handle_t *handles[LIMIT_IMAGE_PARENTS + 1];
	unsigned count;
};

static int vmdk_err(struct err *err, int code, const char *what,
		    libvmdk_error_t **e)
{
	return yal_err(err, code, what, e, K.error_backtrace_sprint, K.error_free);
}

static void vmdk_close(void *priv)
{
	struct vmdk_src *v = priv;
	unsigned i;

	if (!v)
		return;
	for (i = 0; i < v->count; i++) {
		K.handle_close(v->handles[i], NULL);
		K.handle_free(&v->handles[i], NULL);
	}
	free(v);
}

static int vmdk_read(void *priv, uint64_t off, void *buf, size_t len,
		     struct err *err)
{
	struct vmdk_src *v = priv;
	libvmdk_error_t *e = NULL;
	uint8_t *p = buf;

	while (len > 0) {
		ssize_t n = K.handle_read_buffer_at_offset(v->handles[0], p,
								 len, (off64_t)off, &e);
		if (n <= 0) {
			char what[96];

			snprintf(what, sizeof(what), "read at offset %llu",
				 (unsigned long long)off);
			return vmdk_err(err, n < 0 ? -E_IO : -E_CORRUPT, what, &e);
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static const struct image_ops vmdk_ops = {
	.format = "vmdk", .read = vmdk_read, .close = vmdk_close,
};

static int vmdk_open_one(libvmdk_handle_t **out, const char *path,
			 struct err *err)
{
	libvmdk_error_t *e = NULL;
	const char *slash = strrchr(path, '/');
	int rc;

	*out = NULL;
	if (K.handle_initialize(out, &e) != 1)
		return vmdk_err(err, -E_NOMEM, "cannot create a libvmdk handle", &e);
	if (K.handle_open(*out, path, LIBVMDK_OPEN_READ, &e) != 1) {
		rc = vmdk_err(err, -E_CORRUPT, "not a valid VMDK", &e);
		goto fail;
	}
	/* Extents are named relative to the descriptor, not to our cwd. */
	if (slash && K.handle_set_extent_data_files_path(*out, path,
				(size_t)(slash == path ? 1 : slash - path), &e) != 1) {
		rc = vmdk_err(err, -E_INTERNAL, "extent directory", &e);
		goto fail;
	}
	if (K.handle_open_extent_data_files(*out, &e) != 1) {
		rc = vmdk_err(err, -E_CORRUPT, "VMDK extent files", &e);
		goto fail;
	}
	return 0;
fail:
	K.handle_close(*out, NULL);
	K.handle_free(out, NULL);
	return rc;
}

static int vmdk_parent_name(libvmdk_handle_t *h, char *name, size_t len, struct err *err)
{
	const struct image_lib_name fns = {
		K.handle_get_utf8_parent_filename_size, K.handle_get_utf8_parent_filename,
		K.error_backtrace_sprint, K.error_free,
	};

	return image_lib_parent_name(h, "parent file name", &fns, name, len, err);
}

int image_probe_vmdk(struct image **out, const char *path, struct err *err)
{
	libvmdk_error_t *e = NULL;
	struct vmdk_src *v;
	char cur[LIMIT_IMAGE_NAME_LEN], next[LIMIT_IMAGE_NAME_LEN];
	char name[LIMIT_IMAGE_NAME_LEN];
	size64_t size = 0;
	int rc;

	*out = NULL;
	rc = vmdk_load(err);
	if (rc < 0)
		return rc;
	rc = K.check_file_signature(path, &e);
	K.error_free(&e);
	if (rc != 1)
		return 0;
	v = calloc(1, sizeof(*v));
	if (!v)
		return err_set(err, -E_NOMEM, "out of memory");
	rc = vmdk_open_one(&v->handles[0], path, err);
	if (rc < 0)
		goto fail;
	v->count = 1;
	snprintf(cur, sizeof(cur), "%s", path);
	for (;;) {
		libvmdk_handle_t *child = v->handles[v->count - 1];

		rc = vmdk_parent_name(child, name, sizeof(name), err);
		if (rc < 0)
			goto fail;
		if (rc == 0)
			break;
		if (v->count > LIMIT_IMAGE_PARENTS) {
			rc = err_set(err, -E_LIMIT,
				     "more than LIMIT_IMAGE_PARENTS (%u) parent disks",
				     LIMIT_IMAGE_PARENTS);
			goto fail;
		}
		rc = image_sibling_path(next, sizeof(next), cur, name, err);
		if (rc < 0) {
			rc = err_wrap(err, "parent disk");
			goto fail;
		}
		rc = vmdk_open_one(&v->handles[v->count], next, err);
		if (rc < 0) {
			rc = err_wrap(err, "parent disk '%s'", next);
			goto fail;
		}
		v->count++;
		if (K.handle_set_parent_handle(child, v->handles[v->count - 1],
						     &e) != 1) {
			rc = vmdk_err(err, -E_CORRUPT, "cannot chain the parent disk", &e);
			goto fail;
		}
		memcpy(cur, next, sizeof(cur));
	}
	if (K.handle_get_media_size(v->handles[0], &size, &e) != 1) {
		rc = vmdk_err(err, -E_CORRUPT, "not a valid VMDK: media size", &e);
		goto fail;
	}
	if (size == 0) {
		rc = err_set(err, -E_CORRUPT, "not a valid VMDK: media size is 0");
		goto fail;
	}
	rc = image_new(out, &vmdk_ops, v, size, path, err);
	return rc < 0 ? rc : 1;
fail:
	vmdk_close(v);
	return rc;
}
