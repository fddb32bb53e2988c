/* Raw images: dd files and block devices, read from an O_RDONLY
 * descriptor.  Accepts any readable file or device (the fallback format).
 * A regular file is also mapped read-only (image_map.c) for
 * image_borrow(), which lends its bytes in place; reads still copy with
 * pread (copying from the mapping would keep every page touched in the
 * process's resident set).  Block devices are never mapped. */
#define _GNU_SOURCE
#include "image.h"
#include "image_map.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

struct raw_src {
	int fd;
	const uint8_t *map;          /* NULL: not mapped */
	uint64_t size;
	int slot;
};

static int raw_read(void *priv, uint64_t off, void *buf, size_t len,
		    struct err *err)
{
	struct raw_src *r = priv;
	uint8_t *p = buf;


	while (len > 0) {
		ssize_t n = pread(r->fd, p, len, (off_t)off);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return err_set(err, -E_IO, "read at offset %llu: %s",
				       (unsigned long long)off, strerror(errno));
		}
		if (n == 0)
			return err_set(err, -E_CORRUPT,
				       "unexpected end of file at offset %llu",
				       (unsigned long long)off);
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static void raw_close(void *priv)
{
	struct raw_src *r = priv;

	if (r) {
		image_unmap_file(r->map, r->size, r->slot);
		close(r->fd);
		free(r);
	}
}

static const uint8_t *raw_borrow(void *priv, uint64_t off, size_t len)
{
	struct raw_src *r = priv;

	(void)len;
	return r->map ? r->map + off : NULL;
}

static int raw_damaged(void *priv)
{
	return image_map_damaged(((struct raw_src *)priv)->slot);
}

static const struct image_ops raw_ops = {
	.format = "raw", .read = raw_read, .close = raw_close,
	.borrow = raw_borrow, .damaged = raw_damaged,
};

int image_probe_raw(struct image **out, const char *path, struct err *err)
{
	struct raw_src *r;
	struct stat st;
	uint64_t size;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, -E_IO, "%s", strerror(errno));
	if (fstat(fd, &st) < 0) {
		close(fd);
		return err_set(err, -E_IO, "%s", strerror(errno));
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) < 0) {
			close(fd);
			return err_set(err, -E_IO, "block device size: %s",
				       strerror(errno));
		}
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		close(fd);
		return err_set(err, -E_FORMAT, "not a regular file or block device");
	}
	if (size == 0) {
		close(fd);
		return err_set(err, -E_FORMAT, "empty file");
	}
	r = malloc(sizeof(*r));
	if (!r) {
		close(fd);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	r->fd = fd;
	r->size = size;
	r->slot = -1;
	r->map = NULL;
	if (S_ISREG(st.st_mode) && !getenv("VSSD_NO_MMAP"))
		r->map = image_map_file(fd, size, &r->slot);
	if (image_new(out, &raw_ops, r, size, path, err) < 0)
		return err->code;
	return 1;
}
