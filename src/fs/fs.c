/* Dispatch over the NTFS and directory adapters, plus shared helpers. */
#include "fs_priv.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"
#include "utf16.h"

int fs_wrap(struct fs **out, const struct fs_ops *ops, void *priv,
	    const struct fs_info *info, struct err *err)
{
	struct fs *fs = calloc(1, sizeof(*fs));

	*out = NULL;
	if (!fs) {
		ops->close(priv);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	fs->ops = ops;
	fs->priv = priv;
	fs->info = *info;
	*out = fs;
	return 0;
}

void fs_free(struct fs *fs)
{
	if (!fs)
		return;
	fs->ops->close(fs->priv);
	free(fs);
}

const struct fs_info *fs_info(const struct fs *fs)
{
	return &fs->info;
}

int fs_norm_path(const char *path, char *buf, size_t size, struct err *err)
{
	size_t n = 0;

	while (*path == '\\' || *path == '/')
		path++;
	for (; *path; path++) {
		if (n + 1 >= size || n + 1 >= LIMIT_PATH_LEN)
			return err_set(err, -E_LIMIT, "path longer than %u bytes",
				       LIMIT_PATH_LEN);
		buf[n++] = *path == '\\' ? '/' : *path;
	}
	while (n > 0 && buf[n - 1] == '/')
		n--;
	buf[n] = '\0';
	return 0;
}

int fs_parse_reparse(const uint8_t *d, size_t len, uint32_t *tag,
		     char *target, size_t size)
{
	uint16_t data_len, pn_off, pn_len;
	size_t path_base;

	if (size)
		target[0] = '\0';
	if (len < 8)
		return -1;
	*tag = le32(d);                     /* 0x00 ReparseTag */
	data_len = le16(d + 4);             /* 0x04 ReparseDataLength */
	if ((size_t)data_len + 8 > len)
		return -1;
	if (*tag == FS_REPARSE_MOUNT_POINT)
		path_base = 16;             /* 0x08 offsets, 0x10 PathBuffer */
	else if (*tag == FS_REPARSE_SYMLINK)
		path_base = 20;             /* 0x10 Flags, 0x14 PathBuffer */
	else
		return 0;
	if (len < path_base)
		return -1;
	pn_off = le16(d + 12);              /* 0x0c PrintNameOffset */
	pn_len = le16(d + 14);              /* 0x0e PrintNameLength */
	if (path_base + pn_off + pn_len > len)
		return -1;
	/* UTF-16LE to UTF-8 unit by unit (paths); enough for a report */
	utf16le_decode(d + path_base + pn_off, pn_len, UTF16_UNITS, target, size, NULL);
	return 1;
}

int fs_stat(struct fs *fs, const char *path, struct fs_stat *st, struct err *err)
{
	return fs->ops->stat(fs->priv, path, st, err);
}

int fs_readdir(struct fs *fs, const char *path, fs_dirent_fn fn, void *ctx,
	       struct err *err)
{
	return fs->ops->readdir(fs->priv, path, fn, ctx, err);
}

int fs_readdir_inode(struct fs *fs, uint64_t inode, fs_dirent_fn fn, void *ctx,
		     struct err *err)
{
	return fs->ops->readdir_inode(fs->priv, inode, fn, ctx, err);
}

int fs_read_file(struct fs *fs, const char *path, size_t max, uint8_t **buf,
		 size_t *len, struct err *err)
{
	*buf = NULL;
	*len = 0;
	return fs->ops->read_file(fs->priv, path, max, buf, len, err);
}

int fs_read_file_ref(struct fs *fs, const char *path, size_t max, size_t slack,
		     struct fs_data *d, struct err *err)
{
	int rc;

	memset(d, 0, sizeof(*d));
	if (fs->ops->borrow_file) {
		rc = fs->ops->borrow_file(fs->priv, path, max, slack, &d->p, &d->len, err);
		if (rc != 2)
			return rc;
		d->p = NULL;
		d->len = 0;
	}
	rc = fs_read_file(fs, path, max, &d->owned, &d->len, err);
	d->p = d->owned;
	return rc;
}

void fs_data_release(struct fs_data *d)
{
	free(d->owned);
	memset(d, 0, sizeof(*d));
}

int fs_get_security(struct fs *fs, const char *path, uint8_t **sd, size_t *len,
		    struct err *err)
{
	*sd = NULL;
	*len = 0;
	if (!fs->info.descriptors)
		return err_set(err, -E_UNSUPPORTED, "%s", fs->info.descriptors_why);
	return fs->ops->get_security(fs->priv, path, sd, len, err);
}

int fs_get_security_inode(struct fs *fs, uint64_t inode, uint8_t **sd,
			  size_t *len, struct err *err)
{
	*sd = NULL;
	*len = 0;
	if (!fs->info.descriptors)
		return err_set(err, -E_UNSUPPORTED, "%s", fs->info.descriptors_why);
	return fs->ops->get_security_inode(fs->priv, inode, sd, len, err);
}

int fs_reparse_target(struct fs *fs, const char *path, char *buf, size_t size,
		      struct err *err)
{
	return fs->ops->reparse_target(fs->priv, path, buf, size, err);
}

int fs_journal_unclean(struct fs *fs)
{
	return fs->ops->journal_unclean ? fs->ops->journal_unclean(fs->priv) : 0;
}

int fs_file_extents(struct fs *fs, const char *path, struct fs_extent **runs,
		    size_t *n, uint64_t *alloc_size, struct err *err)
{
	*runs = NULL;
	*n = 0;
	*alloc_size = 0;
	if (!fs->ops->extents)
		return err_set(err, -E_UNSUPPORTED,
			       "a directory source cannot be repaired (give the disk image)");
	return fs->ops->extents(fs->priv, path, runs, n, alloc_size, err);
}

int fs_try_write(struct fs *fs)
{
	if (!fs->ops->try_write)
		return -30;   /* EROFS: the directory adapter has no write path */
	return fs->ops->try_write(fs->priv);
}
