/* fs_write.h: libntfs-3g mounted read-write over a copy-on-write device.
 * Reads come from the image with the block map laid over them; writes go
 * to the map only (whole FS_WRITER_BLOCK blocks, read from the image when
 * first touched).  Like fs_ntfs.c, a file that sees libntfs-3g's names.
 *
 * libntfs-3g facts relied on: a read-write mount refuses a journal that
 * is not clean and a hibernated volume (we do not pass NTFS_MNT_RECOVER);
 * ntfs_set_ntfs_acl() needs only scx->vol and $Secure opened
 * (ntfs_open_secure, closed by ntfs_umount); ntfs_delete() closes the
 * inode and its folder's inode, and refuses a folder that is not empty. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <linux/fs.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "fs_ntfs_priv.h"
#include "fs_priv.h"
#include "fs_write.h"
#include "limits.h"

#define WRITER_BLOCKS_MAX (1u << 20)   /* 4 GiB of changed blocks */
#define WRITER_DEPTH_MAX 64u           /* folders deleted below one path */

struct fs_writer {
	struct ntfs_src src;             /* first: the shared device operations */
	ntfs_volume *vol;
	/* the block map: open addressing, key = block index + 1 (0: empty) */
	uint64_t *keys;
	uint8_t **blocks;
	size_t cap, n;
	size_t *order;                   /* after close: slots in volume order */
};

/* --- the block map */
static uint8_t *map_get(const struct fs_writer *w, uint64_t idx)
{
	size_t i;

	if (!w->cap)
		return NULL;
	for (i = (size_t)(idx * 0x9e3779b97f4a7c15ull) & (w->cap - 1); w->keys[i];
	     i = (i + 1) & (w->cap - 1))
		if (w->keys[i] == idx + 1)
			return w->blocks[i];
	return NULL;
}

static void map_put(struct fs_writer *w, uint64_t idx, uint8_t *b)
{
	size_t i;

	for (i = (size_t)(idx * 0x9e3779b97f4a7c15ull) & (w->cap - 1); w->keys[i];
	     i = (i + 1) & (w->cap - 1))
		;
	w->keys[i] = idx + 1;
	w->blocks[i] = b;
	w->n++;
}

static int map_grow(struct fs_writer *w)
{
	uint64_t *keys = w->keys;
	uint8_t **blocks = w->blocks;
	size_t cap = w->cap, i;

	w->cap = cap ? cap * 2 : 1024;
	w->keys = calloc(w->cap, sizeof(*w->keys));
	w->blocks = calloc(w->cap, sizeof(*w->blocks));
	if (!w->keys || !w->blocks) {
		free(w->keys);
		free(w->blocks);
		w->keys = keys;
		w->blocks = blocks;
		w->cap = cap;
		return -1;
	}
	w->n = 0;
	for (i = 0; i < cap; i++)
		if (keys[i])
			map_put(w, keys[i] - 1, blocks[i]);
	free(keys);
	free(blocks);
	return 0;
}

static size_t block_len(const struct fs_writer *w, uint64_t idx)
{
	uint64_t off = idx * FS_WRITER_BLOCK;

	return w->src.size - off < FS_WRITER_BLOCK ? (size_t)(w->src.size - off) : FS_WRITER_BLOCK;
}

/* The block idx in the map, copied from the image when first written. */
static uint8_t *map_block(struct fs_writer *w, uint64_t idx)
{
	uint8_t *b = map_get(w, idx);

	if (b)
		return b;
	if (w->n >= WRITER_BLOCKS_MAX || ((w->n + 1) * 2 > w->cap && map_grow(w) < 0))
		return NULL;
	b = calloc(1, FS_WRITER_BLOCK);
	if (!b || image_read(w->src.img, w->src.offset + idx * FS_WRITER_BLOCK, b,
			     block_len(w, idx), NULL) < 0) {
		free(b);
		return NULL;
	}
	map_put(w, idx, b);
	return b;
}

/* --- device operations */
static int dev_open(struct ntfs_device *dev, int flags)
{
	(void)flags;
	NDevSetOpen(dev);
	((struct fs_writer *)dev->d_private)->src.pos = 0;
	return 0;
}



static s64 dev_pread(struct ntfs_device *dev, void *buf, s64 count, s64 offset)
{
	struct fs_writer *w = dev->d_private;
	uint64_t at, end;

	if (count < 0 || offset < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)offset >= w->src.size)
		return 0;
	if ((uint64_t)count > w->src.size - (uint64_t)offset)
		count = (s64)(w->src.size - (uint64_t)offset);
	if (image_read(w->src.img, w->src.offset + (uint64_t)offset, buf, (size_t)count, NULL) < 0) {
		errno = EIO;
		return -1;
	}
	/* the map over what the image holds */
	end = (uint64_t)offset + (uint64_t)count;
	for (at = (uint64_t)offset; w->n && at < end; ) {
		uint64_t idx = at / FS_WRITER_BLOCK, in = at % FS_WRITER_BLOCK;
		uint64_t n = FS_WRITER_BLOCK - in < end - at ? FS_WRITER_BLOCK - in : end - at;
		const uint8_t *b = map_get(w, idx);

		if (b)
			memcpy((uint8_t *)buf + (at - (uint64_t)offset), b + in, (size_t)n);
		at += n;
	}
	return count;
}

static s64 dev_pwrite(struct ntfs_device *dev, const void *buf, s64 count, s64 offset)
{
	struct fs_writer *w = dev->d_private;
	uint64_t at, end;

	if (count < 0 || offset < 0 || (uint64_t)offset > w->src.size ||
	    (uint64_t)count > w->src.size - (uint64_t)offset) {
		errno = count < 0 || offset < 0 ? EINVAL : ENOSPC;
		return -1;
	}
	end = (uint64_t)offset + (uint64_t)count;
	for (at = (uint64_t)offset; at < end; ) {
		uint64_t idx = at / FS_WRITER_BLOCK, in = at % FS_WRITER_BLOCK;
		uint64_t n = FS_WRITER_BLOCK - in < end - at ? FS_WRITER_BLOCK - in : end - at;
		uint8_t *b = map_block(w, idx);

		if (!b) {
			errno = ENOMEM;
			return -1;
		}
		memcpy(b + in, (const uint8_t *)buf + (at - (uint64_t)offset), (size_t)n);
		at += n;
	}
	return count;
}

static s64 dev_read(struct ntfs_device *dev, void *buf, s64 count)
{
	struct fs_writer *w = dev->d_private;
	s64 n = dev_pread(dev, buf, count, w->src.pos);

	if (n > 0)
		w->src.pos += n;
	return n;
}

static s64 dev_write(struct ntfs_device *dev, const void *buf, s64 count)
{
	struct fs_writer *w = dev->d_private;
	s64 n = dev_pwrite(dev, buf, count, w->src.pos);

	if (n > 0)
		w->src.pos += n;
	return n;
}




static struct ntfs_device_operations writer_ops = {
	.open = dev_open, .close = fs_ntfs_dev_close, .seek = fs_ntfs_dev_seek,
	.read = dev_read, .write = dev_write, .pread = dev_pread,
	.pwrite = dev_pwrite, .sync = fs_ntfs_dev_sync, .stat = fs_ntfs_dev_stat,
	.ioctl = fs_ntfs_dev_ioctl,
};

static int writer_errno(struct err *err, const char *what)
{
	int e = errno;
	const char *msg = fs_ntfs_last_msg();

	return err_set(err, e == EIO ? -E_IO : e == ENOMEM ? -E_NOMEM : -E_CORRUPT, "%s: %s",
		       what, msg[0] ? msg : strerror(e ? e : EIO));
}

int fs_writer_open(struct fs_writer **out, struct image *img, uint64_t offset,
		   uint64_t size, struct err *err)
{
	struct fs_writer *w = calloc(1, sizeof(*w));
	struct ntfs_device *dev;

	*out = NULL;
	if (!w)
		return err_set(err, -E_NOMEM, "out of memory");
	w->src.img = img;
	w->src.offset = offset;
	w->src.size = size;
	fs_ntfs_logging();
	dev = ntfs_device_alloc(image_path(img), 0, &writer_ops, w);
	if (!dev) {
		free(w);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	errno = 0;
	w->vol = ntfs_device_mount(dev, NTFS_MNT_NONE);
	if (!w->vol) {
		int rc = err_set(err, -E_UNSUPPORTED, "libntfs-3g will not write this volume: %s",
				 fs_ntfs_last_msg()[0] ? fs_ntfs_last_msg() :
				 strerror(errno ? errno : EIO));

		ntfs_device_free(dev);
		fs_writer_free(w);
		return rc;
	}
	if (ntfs_open_secure(w->vol) < 0) {
		int rc = writer_errno(err, "$Secure");

		fs_writer_free(w);
		return rc;
	}
	*out = w;
	return 0;
}

/* 1 opened, 0 absent, <0 */
static int writer_inode(struct fs_writer *w, const char *path, ntfs_inode **ni,
			struct err *err)
{
	char p[LIMIT_PATH_LEN + 1];
	int rc = fs_norm_path(path, p, sizeof(p), err);

	*ni = NULL;
	if (rc < 0)
		return rc;
	fs_ntfs_logging();
	errno = 0;
	*ni = ntfs_pathname_to_inode(w->vol, NULL, p[0] ? p : "/");
	if (*ni)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return writer_errno(err, "lookup");
}

int fs_writer_set_security(struct fs_writer *w, const char *path,
			   const uint8_t *sd, size_t len, struct err *err)
{
	struct SECURITY_CONTEXT scx;
	ntfs_inode *ni;
	int rc = writer_inode(w, path, &ni, err);

	if (rc <= 0)
		return rc;
	memset(&scx, 0, sizeof(scx));
	scx.vol = w->vol;
	if (ntfs_set_ntfs_acl(&scx, ni, (const char *)sd, len, 0) < 0) {
		rc = writer_errno(err, "setting the descriptor");
		ntfs_inode_close(ni);
		return rc;
	}
	if (ntfs_inode_close(ni) < 0)
		return writer_errno(err, "writing the inode");
	return 1;
}

int fs_writer_write_file(struct fs_writer *w, const char *path, const uint8_t *data,
			 size_t len, struct err *err)
{
	ntfs_inode *ni;
	ntfs_attr *na;
	s64 done = 0;
	int rc = writer_inode(w, path, &ni, err);

	if (rc <= 0)
		return rc;
	fs_ntfs_logging();
	errno = 0;
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (!na) {
		rc = writer_errno(err, "opening its data");
		ntfs_inode_close(ni);
		return rc;
	}
	if (na->data_size != (s64)len && ntfs_attr_truncate(na, (s64)len) < 0)
		rc = writer_errno(err, "resizing");
	while (rc >= 0 && done < (s64)len) {
		s64 n = ntfs_attr_pwrite(na, done, (s64)len - done, data + done);

		if (n <= 0)
			rc = writer_errno(err, "writing");
		else
			done += n;
	}
	ntfs_attr_close(na);
	if (rc < 0) {
		ntfs_inode_close(ni);
		return rc;
	}
	/* the folder's index entry carries the size too */
	NInoFileNameSetDirty(ni);
	ntfs_inode_mark_dirty(ni);
	if (ntfs_inode_close(ni) < 0)
		return writer_errno(err, "writing the inode");
	return 1;
}

/* --- deleting a tree */
struct names {
	char **v;
	size_t n, cap;
	int rc;
};

static int collect_name(void *ctx, const ntfschar *name, const int name_len,
			const int name_type, const s64 pos, const MFT_REF mref,
			const unsigned dt_type)
{
	struct names *l = ctx;
	char *u8 = NULL;

	(void)pos; (void)mref; (void)dt_type;
	if (name_type == FILE_NAME_DOS)
		return 0;
	if (l->n >= LIMIT_DIR_ENTRIES) {
		l->rc = -E_LIMIT;
		return -1;
	}
	if (ntfs_ucstombs(name, name_len, &u8, 0) < 0) {
		l->rc = -E_CORRUPT;
		return -1;
	}
	if (strcmp(u8, ".") == 0 || strcmp(u8, "..") == 0) {
		free(u8);
		return 0;
	}
	if (l->n == l->cap) {
		char **grown = realloc(l->v, (l->cap ? l->cap * 2 : 64) * sizeof(*l->v));

		if (!grown) {
			free(u8);
			l->rc = -E_NOMEM;
			return -1;
		}
		l->v = grown;
		l->cap = l->cap ? l->cap * 2 : 64;
	}
	l->v[l->n++] = u8;
	return 0;
}

static void names_free(struct names *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
}

static int delete_path(struct fs_writer *w, const char *path, unsigned depth, int keep,
		       unsigned long *count, struct err *err);

/* Every entry of the folder ni (closed here) deleted. */
static int delete_children(struct fs_writer *w, const char *path, ntfs_inode *ni,
			   unsigned depth, unsigned long *count, struct err *err)
{
	struct names l;
	s64 pos = 0;
	size_t i;
	int rc = 0;

	memset(&l, 0, sizeof(l));
	if (ntfs_readdir(ni, &pos, &l, collect_name) < 0 && !l.rc)
		l.rc = writer_errno(err, "listing");
	ntfs_inode_close(ni);
	if (l.rc) {
		names_free(&l);
		return err->code ? l.rc : err_set(err, l.rc, "'%s': listing failed", path);
	}
	for (i = 0; i < l.n && rc >= 0; i++) {
		char *child = NULL;

		if (asprintf(&child, "%s\\%s", path, l.v[i]) < 0) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			break;
		}
		rc = delete_path(w, child, depth + 1, 0, count, err);
		if (rc == 0)
			rc = err_set(err, -E_CORRUPT, "'%s' listed but absent", child);
		free(child);
	}
	names_free(&l);
	return rc < 0 ? rc : 0;
}

static int delete_path(struct fs_writer *w, const char *path, unsigned depth, int keep,
		       unsigned long *count, struct err *err)
{
	ntfs_inode *ni = NULL, *dir_ni = NULL;
	ntfschar *uname = NULL;
	char parent[LIMIT_PATH_LEN + 1];
	const char *base = strrchr(path, '\\');
	int rc = writer_inode(w, path, &ni, err), ulen;

	if (rc <= 0)
		return rc;
	if ((ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) && !(ni->flags & FILE_ATTR_REPARSE_POINT)) {
		if (depth >= WRITER_DEPTH_MAX) {
			ntfs_inode_close(ni);
			return err_set(err, -E_LIMIT, "'%s': more than %u folders deep", path, WRITER_DEPTH_MAX);
		}
		rc = delete_children(w, path, ni, depth, count, err);
		if (rc == 0 && keep)
			return 1;
		if (rc < 0 || (rc = writer_inode(w, path, &ni, err)) <= 0)
			return rc < 0 ? rc : err_set(err, -E_CORRUPT, "'%s' vanished", path);
	}
	if (keep) {                          /* not a folder: nothing under it */
		ntfs_inode_close(ni);
		return 1;
	}
	if (!base || (size_t)(base - path) >= sizeof(parent)) {
		ntfs_inode_close(ni);
		return err_set(err, -E_USAGE, "'%s': not below a folder", path);
	}
	memcpy(parent, path, (size_t)(base - path));
	parent[base - path] = '\0';
	ulen = ntfs_mbstoucs(base + 1, &uname);
	rc = ulen > 0 && ulen < 256 ? writer_inode(w, parent, &dir_ni, err) : -1;
	if (rc <= 0) {
		ntfs_inode_close(ni);
		free(uname);
		return rc < 0 && err->code ? rc : err_set(err, -E_CORRUPT, "'%s': no parent", path);
	}
	fs_ntfs_logging();
	errno = 0;
	rc = ntfs_delete(w->vol, NULL, ni, dir_ni, uname, (u8)ulen);  /* closes both */
	free(uname);
	if (rc < 0)
		return writer_errno(err, path);
	(*count)++;
	return 1;
}

int fs_writer_delete_tree(struct fs_writer *w, const char *path, int keep_top,
			  unsigned long *count, struct err *err)
{
	char p[LIMIT_PATH_LEN + 1];
	size_t i;
	int rc = fs_norm_path(path, p, sizeof(p), err);

	*count = 0;
	if (rc < 0)
		return rc;
	for (i = 0; p[i]; i++)           /* delete_path splits at '\' */
		if (p[i] == '/')
			p[i] = '\\';
	return delete_path(w, p, 0, keep_top, count, err);
}

/* --- closing, the blocks */
static int cmp_key(const void *a, const void *b, void *keys)
{
	uint64_t x = ((const uint64_t *)keys)[*(const size_t *)a];
	uint64_t y = ((const uint64_t *)keys)[*(const size_t *)b];

	return x < y ? -1 : x > y;
}

int fs_writer_close(struct fs_writer *w, struct err *err)
{
	size_t i, k = 0;

	if (w->vol) {
		fs_ntfs_logging();
		errno = 0;
		if (ntfs_umount(w->vol, FALSE) < 0) {
			w->vol = NULL;
			return writer_errno(err, "unmounting");
		}
		w->vol = NULL;
	}
	free(w->order);
	w->order = malloc((w->n ? w->n : 1) * sizeof(*w->order));
	if (!w->order)
		return err_set(err, -E_NOMEM, "out of memory");
	for (i = 0; i < w->cap; i++)
		if (w->keys[i])
			w->order[k++] = i;
	qsort_r(w->order, k, sizeof(*w->order), cmp_key, w->keys);
	return 0;
}

int fs_writer_block(const struct fs_writer *w, size_t n, uint64_t *vol_off,
		    const uint8_t **data, size_t *len)
{
	size_t slot;

	if (!w->order || n >= w->n)
		return 0;
	slot = w->order[n];
	*vol_off = (w->keys[slot] - 1) * FS_WRITER_BLOCK;
	*data = w->blocks[slot];
	*len = block_len(w, w->keys[slot] - 1);
	return 1;
}

void fs_writer_free(struct fs_writer *w)
{
	size_t i;

	if (!w)
		return;
	if (w->vol)
		ntfs_umount(w->vol, TRUE);
	for (i = 0; i < w->cap; i++)
		free(w->blocks[i]);
	free(w->keys);
	free(w->blocks);
	free(w->order);
	free(w);
}
