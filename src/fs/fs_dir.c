/* The directory adapter: a Windows volume already mounted (ntfs-3g, or a
 * copy of its tree).  Names are matched case-insensitively, one component
 * at a time.  Descriptors come from the xattrs ntfs-3g exposes
 * (system.ntfs_acl, or system.ntfs_security on older releases). */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "fs_priv.h"
#include "limits.h"

struct dir_fs {
	char *root;
	const char *acl_xattr;   /* NULL when descriptors are unavailable */
};

/* Resolve path case-insensitively into out (an absolute host path).
 * 1 found, 0 absent, <0 error. */
static int resolve(struct dir_fs *d, const char *path, char *out, size_t size,
		   struct err *err)
{
	char rel[LIMIT_PATH_LEN + 1];
	char *save = NULL, *tok;
	size_t len;
	int rc;

	rc = fs_norm_path(path, rel, sizeof(rel), err);
	if (rc < 0)
		return rc;
	len = (size_t)snprintf(out, size, "%s", d->root);
	if (len >= size)
		return err_set(err, -E_LIMIT, "path too long");
	for (tok = strtok_r(rel, "/", &save); tok; tok = strtok_r(NULL, "/", &save)) {
		char cand[LIMIT_PATH_LEN + LIMIT_NAME_LEN + 2];
		struct stat st;
		DIR *dh;
		struct dirent *de;
		int found = 0;

		if (strcmp(tok, ".") == 0 || strcmp(tok, "..") == 0)
			return 0;
		snprintf(cand, sizeof(cand), "%s/%s", out, tok);
		if (lstat(cand, &st) == 0) {       /* exact case: fast path */
			if (strlen(cand) >= size)
				return err_set(err, -E_LIMIT, "path too long");
			memcpy(out, cand, strlen(cand) + 1);
			continue;
		}
		dh = opendir(out);
		if (!dh)
			return errno == ENOENT || errno == ENOTDIR ? 0 :
			       err_set(err, -E_IO, "'%s': %s", out, strerror(errno));
		while ((de = readdir(dh))) {
			if (strcasecmp(de->d_name, tok) == 0) {
				snprintf(cand, sizeof(cand), "%s/%s", out, de->d_name);
				found = 1;
				break;
			}
		}
		closedir(dh);
		if (!found)
			return 0;
		if (strlen(cand) >= size)
			return err_set(err, -E_LIMIT, "path too long");
		memcpy(out, cand, strlen(cand) + 1);
	}
	return 1;
}

static void stat_of(const struct stat *st, struct fs_stat *o)
{
	memset(o, 0, sizeof(*o));
	o->inode = (uint64_t)st->st_ino;
	o->size = (uint64_t)st->st_size;
	o->is_dir = S_ISDIR(st->st_mode);
	if (S_ISLNK(st->st_mode)) {
		/* ntfs-3g shows junctions and symlinks as symlinks */
		o->is_reparse = 1;
		o->reparse_tag = FS_REPARSE_SYMLINK;
	}
}

static int d_stat(void *p, const char *path, struct fs_stat *st, struct err *err)
{
	char host[LIMIT_PATH_LEN * 2];
	struct stat s;
	int rc = resolve(p, path, host, sizeof(host), err);

	if (rc <= 0)
		return rc;
	if (lstat(host, &s) < 0)
		return errno == ENOENT ? 0 : err_set(err, -E_IO, "%s", strerror(errno));
	stat_of(&s, st);
	if (st->is_reparse) {
		struct stat t;
		if (stat(host, &t) == 0)
			st->is_dir = S_ISDIR(t.st_mode);
	}
	return 1;
}

static int list_host(const char *host, fs_dirent_fn fn, void *ctx,
		     struct err *err)
{
	DIR *dh = opendir(host);
	struct dirent *de;
	unsigned long n = 0;
	int rc = 0;

	if (!dh)
		return err_set(err, errno == ENOENT ? -E_NOTFOUND : -E_IO, "'%s': %s",
			       host, strerror(errno));
	while ((de = readdir(dh))) {
		char full[LIMIT_PATH_LEN * 2 + LIMIT_NAME_LEN];
		struct fs_dirent e;
		struct stat st;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++n > LIMIT_DIR_ENTRIES) {
			rc = err_set(err, -E_LIMIT, "more than %u entries", LIMIT_DIR_ENTRIES);
			break;
		}
		snprintf(full, sizeof(full), "%s/%s", host, de->d_name);
		memset(&e, 0, sizeof(e));
		e.name = de->d_name;
		if (lstat(full, &st) == 0) {
			struct fs_stat fst;

			stat_of(&st, &fst);
			e.inode = fst.inode;
			e.is_dir = fst.is_dir;
			e.is_reparse = fst.is_reparse;
			e.reparse_tag = fst.reparse_tag;
			if (e.is_reparse && stat(full, &st) == 0)
				e.is_dir = S_ISDIR(st.st_mode);
		}
		rc = fn(ctx, &e);
		if (rc != 0)
			break;
	}
	closedir(dh);
	return rc;
}

static int d_readdir(void *p, const char *path, fs_dirent_fn fn, void *ctx,
		     struct err *err)
{
	char host[LIMIT_PATH_LEN * 2];
	int rc = resolve(p, path, host, sizeof(host), err);

	if (rc == 0)
		return err_set(err, -E_NOTFOUND, "no such directory");
	if (rc < 0)
		return rc;
	return list_host(host, fn, ctx, err);
}

static int d_readdir_inode(void *p, uint64_t inode, fs_dirent_fn fn, void *ctx,
			   struct err *err)
{
	return err_set(err, -E_UNSUPPORTED, "listing by inode needs an image");
}

static int d_read_file(void *p, const char *path, size_t max, uint8_t **buf,
		       size_t *len, struct err *err)
{
	char host[LIMIT_PATH_LEN * 2];
	struct stat st;
	size_t done = 0;
	int fd, rc = resolve(p, path, host, sizeof(host), err);

	if (rc <= 0)
		return rc;
	fd = open(host, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return err_set(err, -E_IO, "%s", strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return err_set(err, -E_IO, "not a regular file");
	}
	if ((uint64_t)st.st_size > max) {
		close(fd);
		return err_set(err, -E_LIMIT, "file of %lld bytes exceeds the limit of %zu",
			       (long long)st.st_size, max);
	}
	*buf = calloc(1, (size_t)st.st_size + FS_READ_SLACK);
	if (!*buf) {
		close(fd);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, *buf + done, (size_t)st.st_size - done);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			free(*buf);
			*buf = NULL;
			close(fd);
			return err_set(err, -E_IO, "short read");
		}
		done += (size_t)n;
	}
	close(fd);
	(*buf)[done] = 0;
	*len = done;
	return 1;
}

static int d_get_security(void *p, const char *path, uint8_t **sd, size_t *len,
			  struct err *err)
{
	struct dir_fs *d = p;
	char host[LIMIT_PATH_LEN * 2];
	ssize_t n;
	int rc = resolve(p, path, host, sizeof(host), err);

	if (rc <= 0)
		return rc;
	n = lgetxattr(host, d->acl_xattr, NULL, 0);
	if (n <= 0)
		return err_set(err, -E_IO, "xattr %s: %s", d->acl_xattr, strerror(errno));
	if ((size_t)n > LIMIT_SD_SIZE)
		return err_set(err, -E_LIMIT, "security descriptor of %zd bytes", n);
	*sd = malloc((size_t)n);
	if (!*sd)
		return err_set(err, -E_NOMEM, "out of memory");
	n = lgetxattr(host, d->acl_xattr, *sd, (size_t)n);
	if (n <= 0) {
		free(*sd);
		*sd = NULL;
		return err_set(err, -E_IO, "xattr %s: %s", d->acl_xattr, strerror(errno));
	}
	*len = (size_t)n;
	return 1;
}

static int d_get_security_inode(void *p, uint64_t inode, uint8_t **sd,
				size_t *len, struct err *err)
{
	return err_set(err, -E_UNSUPPORTED, "descriptors by inode need an image");
}

static int d_reparse_target(void *p, const char *path, char *buf, size_t size,
			    struct err *err)
{
	char host[LIMIT_PATH_LEN * 2];
	ssize_t n;
	int rc = resolve(p, path, host, sizeof(host), err);

	if (rc <= 0)
		return rc;
	n = readlink(host, buf, size ? size - 1 : 0);
	if (n < 0)
		return 0;
	buf[n] = '\0';
	return 1;
}

static void d_close(void *p)
{
	struct dir_fs *d = p;

	if (d) {
		free(d->root);
		free(d);
	}
}

static const struct fs_ops dir_fs_ops = {
	.stat = d_stat, .readdir = d_readdir, .readdir_inode = d_readdir_inode,
	.read_file = d_read_file, .get_security = d_get_security,
	.get_security_inode = d_get_security_inode,
	.reparse_target = d_reparse_target, .close = d_close,
};

int fs_open_dir(struct fs **out, const char *root, struct err *err)
{
	static const char *const names[] = { "system.ntfs_acl", "system.ntfs_security" };
	struct dir_fs *d;
	struct fs_info info;
	struct stat st;
	size_t i;

	*out = NULL;
	if (stat(root, &st) < 0)
		return err_set(err, -E_IO, "%s", strerror(errno));
	if (!S_ISDIR(st.st_mode))
		return err_set(err, -E_USAGE, "not a directory");
	d = calloc(1, sizeof(*d));
	if (!d || !(d->root = realpath(root, NULL))) {
		free(d);
		return err_set(err, -E_NOMEM, "cannot resolve '%s'", root);
	}
	memset(&info, 0, sizeof(info));
	info.kind = FS_DIR;
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (lgetxattr(d->root, names[i], NULL, 0) > 0) {
			d->acl_xattr = names[i];
			break;
		}
	}
	info.descriptors = d->acl_xattr != NULL;
	if (!info.descriptors)
		snprintf(info.descriptors_why, sizeof(info.descriptors_why),
			 "the directory gives no NTFS descriptors (no system.ntfs_acl xattr: mount with ntfs-3g)");
	return fs_wrap(out, &dir_fs_ops, d, &info, err);
}
