/* VHD and VHDX images through libvhdi: fixed, dynamic and differencing
 * disks.  A differencing disk's parent (and its parent ...) is opened from
 * the child's directory by the file name the child records, checked
 * against the child's parent identifier, and chained with
 * libvhdi_file_set_parent_file.  Everything is opened read-only.
 *
 * libvhdi is loaded into a link-map namespace of its own and called
 * through the table V (image_priv.h says why). */
#define _GNU_SOURCE
#include "vhdi_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvhdi.h>

#include "bytes.h"
#include "limits.h"
#include "image_priv.h"
#include "yal_err.h"
#include "image_map.h"
#include "vhdx_map.h"

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
	struct vhd_diff diff[LIMIT_IMAGE_PARENTS + 1];
	char *paths[LIMIT_IMAGE_PARENTS + 1];
	unsigned count;
	struct vhdx_map *map;   /* a plain VHDX read from a mapping, or NULL */
	/* a fixed VHD without a parent: its data is the file's first
	 * media-size bytes, the footer after them ([MS-VHD] "Fixed Hard Disk
	 * Image"); read with pread and lent from a read-only mapping as a
	 * raw image is (raw.c), or fixed_fd -1 (libvhdi reads it) */
	int fixed_fd, fixed_slot;
	const uint8_t *fixed_map;
	uint64_t fixed_size;
};

/* One line from a libvhdi error (freed here). */
static int vhdi_err(struct err *err, int code, const char *what,
		    libvhdi_error_t **e)
{
	return yal_err(err, code, what, e, V.error_backtrace_sprint, V.error_free);
}

static void vhdi_close(void *priv)
{
	struct vhdi_src *v = priv;
	unsigned i;

	if (!v)
		return;
	vhdx_map_close(v->map);
	if (v->fixed_fd >= 0) {
		image_unmap_file(v->fixed_map, v->fixed_size, v->fixed_slot);
		close(v->fixed_fd);
	}
	/* Children first: each holds a reference to its parent. */
	for (i = 0; i < v->count; i++) {
		V.file_close(v->files[i], NULL);
		V.file_free(&v->files[i], NULL);
	}
	for (i = 0; i <= LIMIT_IMAGE_PARENTS; i++) {
		if (v->diff[i].fd >= 0)
			close(v->diff[i].fd);
		free(v->diff[i].bitmap);
		free(v->diff[i].vhdx);
		free(v->paths[i]);
	}
	free(v);
}

/* libvhdi read of file level lvl. */
static int vhdi_lib_read(struct vhdi_src *v, unsigned lvl, uint64_t off,
			 uint8_t *p, size_t len, struct err *err)
{
	libvhdi_error_t *e = NULL;

	while (len > 0) {
		ssize_t n = V.file_read_buffer_at_offset(v->files[lvl], p, len,
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

static int vhdi_chain_read(struct vhdi_src *v, unsigned lvl, uint64_t off,
			   uint8_t *p, size_t len, struct err *err);

/* One run of a differencing level: at most len bytes at off into p, from
 * the level or the next one down.  Returns the bytes read (> 0) or <0. */
typedef ssize_t (*vhdi_run_fn)(struct vhdi_src *v, unsigned lvl, uint64_t off,
			       uint8_t *p, size_t len, struct err *err);

/* len bytes at off of level lvl, run after run. */
static int vhdi_runs_read(vhdi_run_fn run, struct vhdi_src *v, unsigned lvl,
			  uint64_t off, uint8_t *p, size_t len, struct err *err)
{
	while (len > 0) {
		ssize_t n = run(v, lvl, off, p, len, err);

		if (n < 0)
			return (int)n;
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* Level lvl is a VHDX differencing file: each block by its BAT state. */
static ssize_t vhdx_run(struct vhdi_src *v, unsigned lvl, uint64_t off,
			uint8_t *p, size_t len, struct err *err)
{
	struct vhd_diff *d = &v->diff[lvl];
	const uint64_t bs = d->vhdx->block_size;
	uint64_t b = off / bs, in = off % bs;
	size_t n = bs - in < len ? (size_t)(bs - in) : len;
	int rc;

	if (d->cached_block != (int64_t)b) {
		d->cached_block = -1;
		rc = vhdx_payload_state(d->fd, d->vhdx, b, &d->cached_state, err);
		if (rc < 0)
			return rc;
		d->cached_block = (int64_t)b;
	}
	switch (d->cached_state) {
	case VHDX_PAYLOAD_FULLY_PRESENT:
	case VHDX_PAYLOAD_PARTIALLY_PRESENT:
		rc = vhdi_lib_read(v, lvl, off, p, n, err);
		break;
	case VHDX_PAYLOAD_ZERO:
		memset(p, 0, n);
		rc = 0;
		break;
	case VHDX_PAYLOAD_NOT_PRESENT:
	case VHDX_PAYLOAD_UNDEFINED:
	case VHDX_PAYLOAD_UNMAPPED:
		rc = vhdi_chain_read(v, lvl + 1, off, p, n, err);
		break;
	default:
		rc = err_set(err, -E_CORRUPT, "VHDX block %llu: BAT state %u is not a payload state",
			     (unsigned long long)b, d->cached_state);
	}
	return rc < 0 ? rc : (ssize_t)n;
}

/* Level lvl is a VHD differencing file: a run of sectors its bitmap says
 * the same of, from it or from the next level. */
static ssize_t vhd_run(struct vhdi_src *v, unsigned lvl, uint64_t off,
		       uint8_t *p, size_t len, struct err *err)
{
	struct vhd_diff *d = &v->diff[lvl];
	uint64_t b = off / d->block_size, in = off % d->block_size;
	uint64_t sec = in / 512, run_end = in;
	size_t n;
	int here, rc;

	rc = vhd_diff_bitmap(d, b, err);
	if (rc < 0)
		return rc;
	here = d->cached_present &&
	       (d->bitmap[sec / 8] & (0x80 >> (sec % 8)));
	/* extend the run of sectors with the same answer */
	while (run_end < d->block_size && run_end < in + len) {
		uint64_t s2 = run_end / 512;
		int h2 = d->cached_present &&
			 (d->bitmap[s2 / 8] & (0x80 >> (s2 % 8)));

		if (h2 != here)
			break;
		run_end = (s2 + 1) * 512;
	}
	n = (size_t)(run_end - in) < len ? (size_t)(run_end - in) : len;
	rc = here ? vhdi_lib_read(v, lvl, off, p, n, err) :
	     vhdi_chain_read(v, lvl + 1, off, p, n, err);
	return rc < 0 ? rc : (ssize_t)n;
}

/* Read through level lvl of the chain, correcting libvhdi's VHD bitmaps. */
static int vhdi_chain_read(struct vhdi_src *v, unsigned lvl, uint64_t off,
			   uint8_t *p, size_t len, struct err *err)
{
	struct vhd_diff *d = &v->diff[lvl];

	if (d->fd < 0 || lvl + 1 >= v->count)
		return vhdi_lib_read(v, lvl, off, p, len, err);
	return vhdi_runs_read(d->vhdx ? vhdx_run : vhd_run, v, lvl, off, p, len, err);
}

static int vhdi_read(void *priv, uint64_t off, void *buf, size_t len,
		     struct err *err)
{
	struct vhdi_src *v = priv;

	if (v->map)
		return vhdx_map_read(v->map, off, buf, len, err);
	if (v->fixed_fd >= 0) {
		uint8_t *p = buf;

		/* image_read bounds off + len by the media size */
		while (len > 0) {
			ssize_t n = pread(v->fixed_fd, p, len, (off_t)off);

			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0)
				return err_set(err, -E_IO, "read at offset %llu: %s",
					       (unsigned long long)off, strerror(errno));
			if (n == 0)
				return err_set(err, -E_CORRUPT, "unexpected end of file at offset %llu",
					       (unsigned long long)off);
			p += n;
			off += (uint64_t)n;
			len -= (size_t)n;
		}
		return 0;
	}
	return vhdi_chain_read(priv, 0, off, buf, len, err);
}

static const uint8_t *vhd_borrow(void *priv, uint64_t off, size_t len)
{
	struct vhdi_src *v = priv;

	(void)len;
	return v->fixed_map ? v->fixed_map + off : NULL;
}

static int vhd_damaged(void *priv)
{
	struct vhdi_src *v = priv;

	return v->fixed_map ? image_map_damaged(v->fixed_slot) : 0;
}

/* A fixed VHD (disk type 2, no parent) whose file is exactly its media
 * size plus the 512-byte footer: read its data in place.  Anything else
 * (or VSSD_NO_MMAP) stays with libvhdi. */
static void vhd_fixed_open(struct vhdi_src *v, const char *path, uint64_t size)
{
	struct stat st;
	int fd;

	if (getenv("VSSD_NO_MMAP"))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 512 ||
	    (uint64_t)st.st_size - 512 != size) {
		close(fd);
		return;
	}
	v->fixed_map = image_map_file(fd, size, &v->fixed_slot);
	v->fixed_fd = fd;
	v->fixed_size = size;
}

static const uint8_t *vhdx_borrow(void *priv, uint64_t off, size_t len)
{
	struct vhdi_src *v = priv;

	return v->map ? vhdx_map_borrow(v->map, off, len) : NULL;
}

static int vhdx_damaged(void *priv)
{
	struct vhdi_src *v = priv;

	return v->map ? vhdx_map_damaged(v->map) : 0;
}

static const struct image_ops vhd_ops = {
	.format = "vhd", .read = vhdi_read, .close = vhdi_close,
	.borrow = vhd_borrow, .damaged = vhd_damaged,
};

static const struct image_ops vhdx_ops = {
	.format = "vhdx", .read = vhdi_read, .close = vhdi_close,
	.borrow = vhdx_borrow, .damaged = vhdx_damaged,
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
static int vhdi_parent_name(libvhdi_file_t *file, char *name, size_t len, struct err *err)
{
	const struct image_lib_name fns = {
		V.file_get_utf8_parent_filename_size, V.file_get_utf8_parent_filename,
		V.error_backtrace_sprint, V.error_free,
	};

	return image_lib_parent_name(file, "parent file name", &fns, name, len, err);
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
	struct vhdx_info ci, pi;
	int rc, have_want, at_start;
	const int is_vhdx = strcmp(vhdi_kind(child_path, &at_start), "VHDX") == 0;

	/* A VHDX child's parent locator is read here: libvhdi 20210425 gives
	 * absolute_win32_path first where MS-VHDX 2.6.2.6.3 says
	 * "relative_path, volume_path and then absolute_path", and parses
	 * parent_linkage as a lowercase GUID only (the spec's own example is
	 * upper case), comparing zeros when that fails. */
	if (is_vhdx) {
		rc = vhdx_read_info(child_path, &ci, err);
		if (rc < 0)
			return rc;
		rc = ci.parent_path[0] != '\0';
		if (rc)
			snprintf(name, sizeof(name), "%s", ci.parent_path);
	} else {
		rc = vhdi_parent_name(child, name, sizeof(name), err);
		if (rc < 0)
			return rc;
	}
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
	 * two disks; Windows refuses to attach it, and so do we.  VHDX: the
	 * child's parent_linkage is the parent's DataWriteGuid (2.6.2.6.3). */
	if (is_vhdx) {
		rc = vhdx_read_info(parent_path, &pi, err);
		if (rc < 0)
			return err_wrap(err, "parent disk");
		if (ci.parent_linkage[0] && strcasecmp(ci.parent_linkage, pi.data_write_text) != 0)
			return err_set(err, -E_CORRUPT,
				       "parent disk '%s' is not the one the differencing disk was made from (identifier mismatch)",
				       parent_path);
		goto chain;
	}
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
chain:
	if (V.file_set_parent_file(child, parent, &e) != 1)
		return vhdi_err(err, -E_CORRUPT, "cannot chain the parent disk", &e);
	return 0;
}

int image_probe_vhdi(struct image **out, const char *path, struct err *err)
{
	libvhdi_error_t *e = NULL;
	struct vhdi_src *v;
	char next[LIMIT_IMAGE_NAME_LEN];
	const char *kind;
	size64_t size = 0;
	int rc, file_type = 0, at_start;
	uint32_t disk_type0 = 0;
	unsigned i;

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
	for (i = 0; i <= LIMIT_IMAGE_PARENTS; i++)
		v->diff[i].fd = -1;
	v->fixed_fd = -1;
	v->fixed_slot = -1;
	rc = vhdi_open_one(&v->files[0], path, err);
	if (rc < 0)
		goto fail;
	v->count = 1;
	v->paths[0] = strdup(path);
	if (!v->paths[0]) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto fail;
	}
	for (;;) {
		uint32_t disk_type = 0;

		if (V.file_get_disk_type(v->files[v->count - 1], &disk_type,
					       &e) != 1) {
			rc = vhdi_err(err, -E_CORRUPT, "disk type", &e);
			goto fail;
		}
		if (v->count == 1)
			disk_type0 = disk_type;
		if (disk_type != LIBVHDI_DISK_TYPE_DIFFERENTIAL)
			break;
		rc = vhdi_open_parent(v, v->paths[v->count - 1], next,
				      sizeof(next), err);
		if (rc < 0)
			goto fail;
		v->paths[v->count - 1] = strdup(next);
		if (!v->paths[v->count - 1]) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto fail;
		}
	}
	if (V.file_get_media_size(v->files[0], &size, &e) != 1) {
		rc = vhdi_err(err, -E_CORRUPT, "media size", &e);
		goto fail;
	}
	if (size == 0) {
		rc = err_set(err, -E_CORRUPT, "media size is 0");
		goto fail;
	}
	for (i = 0; i + 1 < v->count; i++) {
		rc = vhd_diff_open(&v->diff[i], v->paths[i], size, err);
		if (rc < 0) {
			err_wrap(err, "'%s'", v->paths[i]);
			goto fail;
		}
	}
	V.file_get_file_type(v->files[0], &file_type, NULL);
	if (file_type == LIBVHDI_FILE_TYPE_VHDX ||
	    (file_type != LIBVHDI_FILE_TYPE_VHD && strcmp(kind, "VHDX") == 0)) {
		/* a plain VHDX: read from a mapping (vhdx_map.c), zero-copy */
		if (v->count == 1) {
			struct vhdx_info *info = calloc(1, sizeof(*info));
			struct err e2;

			err_init(&e2);
			if (info && vhdx_read_info(path, info, &e2) == 0 &&
			    vhdx_map_open(&v->map, path, info, (uint64_t)size, &e2) < 0)
				v->map = NULL;
			free(info);
		}
		rc = image_new(out, &vhdx_ops, v, size, path, err);
	} else {
		if (v->count == 1 && disk_type0 == LIBVHDI_DISK_TYPE_FIXED)
			vhd_fixed_open(v, path, (uint64_t)size);
		rc = image_new(out, &vhd_ops, v, size, path, err);
	}
	return rc < 0 ? rc : 1;
fail:
	vhdi_close(v);
	return rc;
}
