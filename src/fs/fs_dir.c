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
	int root_fd;             /* every lookup starts here and stays below it */
	const char *acl_xattr;   /* NULL when descriptors are unavailable */
};

/* What a host file is, in words, for the warning that refuses it. */
static const char *kind_of(mode_t m)
{
	if (S_ISREG(m))
		return "regular file";
	if (S_ISDIR(m))
		return "directory";
	if (S_ISLNK(m))
		return "link";
	if (S_ISFIFO(m))
		return "FIFO";
	if (S_ISSOCK(m))
		return "socket";
	if (S_ISCHR(m))
		return "character device";
	if (S_ISBLK(m))
		return "block device";
	return "special file";
}

static int open_dir_at(int at, const char *name)
{
	return openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_NONBLOCK |
		      O_CLOEXEC);
}

/* The entry of directory fd `at` whose name equals want without regard to
 * case, copied into out.  1 found, 0 absent, <0 error. */
static int find_name(int at, const char *want, char *out, size_t size,
		     struct err *err)
{
	struct stat st;
	struct dirent *de;
	DIR *dh;
	int fd, found = 0;

	if (strlen(want) >= size)
		return err_set(err, -E_LIMIT, "name longer than %zu bytes", size - 1);
	if (fstatat(at, want, &st, AT_SYMLINK_NOFOLLOW) == 0) {   /* exact case */
		memcpy(out, want, strlen(want) + 1);
		return 1;
	}
	fd = open_dir_at(at, ".");
	if (fd < 0 || !(dh = fdopendir(fd))) {
		if (fd >= 0)
			close(fd);
		return err_set(err, -E_IO, "%s", strerror(errno));
	}
	while ((de = readdir(dh))) {
		if (strcasecmp(de->d_name, want) == 0 && strlen(de->d_name) < size) {
			memcpy(out, de->d_name, strlen(de->d_name) + 1);
			found = 1;
			break;
		}
	}
	closedir(dh);
	return found;
}

/* Reopen the directory reached by the real (link-free) names of dpath
 * ("a/b/c", "" for the root), one O_NOFOLLOW open at a time. */
static int reopen(struct dir_fs *d, const char *dpath, struct err *err)
{
	char name[LIMIT_NAME_LEN + 1];
	int cur = open_dir_at(d->root_fd, "."), next;

	while (cur >= 0 && *dpath) {
		size_t n = strcspn(dpath, "/");

		memcpy(name, dpath, n);
		name[n] = '\0';
		dpath += n + (dpath[n] == '/');
		next = open_dir_at(cur, name);
		close(cur);
		cur = next;
	}
	if (cur < 0)
		return err_set(err, -E_IO, "%s", strerror(errno));
	return cur;
}

/* Where a walk is: the folder reached (cur, open) and the real names of
 * the path to it; what is left to walk (p, into pend). */
struct walk_pos {
	struct dir_fs *d;
	char dpath[LIMIT_PATH_LEN + 1];   /* the real names walked so far */
	char pend[LIMIT_PATH_LEN * 2 + 2];
	char *p;
	size_t nd, dlen, hops;
	int cur;
};

/* The next component of w->p into tok (*last: nothing after it).  1 a
 * component, 0 none left, <0 error (cur closed). */
static int walk_token(struct walk_pos *w, char *tok, int *last, struct err *err)
{
	char *slash;
	size_t n;

	while (*w->p == '/')
		w->p++;
	if (!*w->p)
		return 0;
	slash = strchr(w->p, '/');
	n = slash ? (size_t)(slash - w->p) : strlen(w->p);
	if (n > LIMIT_NAME_LEN) {
		close(w->cur);
		return err_set(err, -E_LIMIT, "name longer than %u bytes",
			       LIMIT_NAME_LEN);
	}
	memcpy(tok, w->p, n);
	tok[n] = '\0';
	w->p += n;
	while (*w->p == '/')
		w->p++;
	*last = *w->p == '\0';
	return 1;
}

/* "..": back to the parent folder.  1 done, else what walk returns (cur
 * closed). */
static int walk_up(struct walk_pos *w, struct err *err)
{
	/* only a link's text may climb; a path asked for may not */
	if (w->hops == 0 || w->nd == 0) {
		close(w->cur);
		if (w->hops == 0)
			return 0;
		return err_set(err, -E_IO, "link leaves the source");
	}
	close(w->cur);
	w->nd--;
	while (w->dlen > 0 && w->dpath[w->dlen - 1] != '/')
		w->dlen--;
	w->dlen -= w->dlen > 0;
	w->dpath[w->dlen] = '\0';
	w->cur = reopen(w->d, w->dpath, err);
	return w->cur < 0 ? w->cur : 1;
}

/* Follow the link real in w->cur: what is left to walk becomes its text
 * then the rest.  0, or <0 (cur closed). */
static int walk_link(struct walk_pos *w, const char *real, struct err *err)
{
	char link[LIMIT_PATH_LEN + 1];
	size_t rest = strlen(w->p);
	ssize_t ln;

	if (++w->hops > LIMIT_LINK_HOPS) {
		close(w->cur);
		return err_set(err, -E_LIMIT, "more than %u links in a path",
			       LIMIT_LINK_HOPS);
	}
	ln = readlinkat(w->cur, real, link, sizeof(link) - 1);
	if (ln <= 0) {
		close(w->cur);
		return err_set(err, -E_IO, "link: %s",
			       ln < 0 ? strerror(errno) : "empty");
	}
	link[ln] = '\0';
	if (link[0] == '/') {
		/* ntfs-3g shows a junction as an absolute link
		 * into its own mount point: that one stays in */
		size_t rl = strlen(w->d->root);

		if (strncmp(link, w->d->root, rl) != 0 ||
		    (link[rl] != '/' && link[rl] != '\0')) {
			close(w->cur);
			return err_set(err, -E_IO, "link leaves the source");
		}
		memmove(link, link + rl, (size_t)ln - rl + 1);
		ln -= (ssize_t)rl;
		close(w->cur);
		w->nd = w->dlen = 0;
		w->dpath[0] = '\0';
		w->cur = reopen(w->d, w->dpath, err);
		if (w->cur < 0)
			return w->cur;
	}
	if ((size_t)ln + 1 + rest + 1 > sizeof(w->pend)) {
		close(w->cur);
		return err_set(err, -E_LIMIT, "path longer than %zu bytes",
			       sizeof(w->pend) - 1);
	}
	/* pending = link text "/" what was left; the link's
	 * folder (cur) stays the base */
	memmove(w->pend + ln + 1, w->p, rest + 1);
	memcpy(w->pend, link, (size_t)ln);
	w->pend[ln] = '/';
	w->p = w->pend;
	return 0;
}

/* Into the folder real (st its stat) of w->cur.  1 done, else what walk
 * returns (cur closed). */
static int walk_down(struct walk_pos *w, const char *real,
		     const struct stat *st, struct err *err)
{
	int next;

	if (!S_ISDIR(st->st_mode)) {
		close(w->cur);
		return 0;
	}
	if (w->dlen + 1 + strlen(real) >= sizeof(w->dpath)) {
		close(w->cur);
		return err_set(err, -E_LIMIT, "path longer than %u bytes",
			       LIMIT_PATH_LEN);
	}
	next = open_dir_at(w->cur, real);
	close(w->cur);
	if (next < 0)
		return errno == ENOENT ? 0 :
		       err_set(err, -E_IO, "'%s': %s", real, strerror(errno));
	w->dlen += (size_t)snprintf(w->dpath + w->dlen, sizeof(w->dpath) - w->dlen,
				    "%s%s", w->dlen ? "/" : "", real);
	w->nd++;
	w->cur = next;
	return 1;
}

/* Walk path from the root one component at a time, never leaving it:
 * directories are opened with O_NOFOLLOW from their parent's fd; a link is
 * followed only when its text, taken from the link's own folder, stays
 * below the root (an absolute link, or one whose ".." climbs above the
 * root, is "link leaves the source").  follow_last: follow a link in the
 * final component too.  On 1, *dirfd (caller closes) is the folder holding
 * the final entry and name its real name ("." for the root itself).
 * 1 found, 0 absent, <0 error. */
static int walk(struct dir_fs *d, const char *path, int follow_last,
		int *dirfd, char *name, size_t nsize, struct err *err)
{
	struct walk_pos w = { .d = d };
	char tok[LIMIT_NAME_LEN + 1], real[LIMIT_NAME_LEN + 1];
	int rc;

	*dirfd = -1;
	rc = fs_norm_path(path, w.pend, sizeof(w.pend), err);
	if (rc < 0)
		return rc;
	w.dpath[0] = '\0';
	w.cur = reopen(d, w.dpath, err);
	if (w.cur < 0)
		return w.cur;
	w.p = w.pend;
	for (;;) {
		struct stat st;
		int last = 0;

		rc = walk_token(&w, tok, &last, err);
		if (rc < 0)
			return rc;
		if (rc == 0) {                  /* the root (or a link to it) */
			*dirfd = w.cur;
			snprintf(name, nsize, ".");
			return 1;
		}
		if (strcmp(tok, ".") == 0)
			continue;
		if (strcmp(tok, "..") == 0) {
			rc = walk_up(&w, err);
			if (rc <= 0)
				return rc;
			continue;
		}
		rc = find_name(w.cur, tok, real, sizeof(real), err);
		if (rc <= 0) {
			close(w.cur);
			return rc;
		}
		if (fstatat(w.cur, real, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			close(w.cur);
			return errno == ENOENT ? 0 : err_set(err, -E_IO, "%s", strerror(errno));
		}
		if (S_ISLNK(st.st_mode) && (!last || follow_last)) {
			rc = walk_link(&w, real, err);
			if (rc < 0)
				return rc;
			continue;
		}
		if (last) {
			if (strlen(real) >= nsize) {
				close(w.cur);
				return err_set(err, -E_LIMIT, "name too long");
			}
			memcpy(name, real, strlen(real) + 1);
			*dirfd = w.cur;
			return 1;
		}
		rc = walk_down(&w, real, &st, err);
		if (rc <= 0)
			return rc;
	}
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

/* Whether path, links followed inside the root, is a directory. */
static int target_is_dir(struct dir_fs *d, const char *path)
{
	char name[LIMIT_NAME_LEN + 1];
	struct stat st;
	struct err e;
	int fd, rc, is_dir = 0;

	err_init(&e);
	rc = walk(d, path, 1, &fd, name, sizeof(name), &e);
	if (rc != 1)
		return 0;
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0)
		is_dir = S_ISDIR(st.st_mode);
	close(fd);
	return is_dir;
}

static int d_stat(void *p, const char *path, struct fs_stat *st, struct err *err)
{
	char name[LIMIT_NAME_LEN + 1];
	struct stat s;
	int fd, rc = walk(p, path, 0, &fd, name, sizeof(name), err);

	if (rc <= 0)
		return rc;
	rc = fstatat(fd, name, &s, AT_SYMLINK_NOFOLLOW);
	close(fd);
	if (rc < 0)
		return errno == ENOENT ? 0 : err_set(err, -E_IO, "%s", strerror(errno));
	stat_of(&s, st);
	if (st->is_reparse)
		st->is_dir = target_is_dir(p, path);
	return 1;
}

/* Open the entry for reading, refusing what is neither a regular file nor
 * a directory before it is opened (a FIFO or a device could block or
 * act), and checking that what was opened is what was looked at. */
static int open_checked(int dirfd, const char *name, int want_dir,
			struct stat *st, struct err *err)
{
	struct stat o;
	int fd;

	if (fstatat(dirfd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		return err_set(err, -E_IO, "%s", strerror(errno));
	if (want_dir ? !S_ISDIR(st->st_mode) : !S_ISREG(st->st_mode))
		return err_set(err, -E_IO, "a %s, not a %s: refused", kind_of(st->st_mode),
			       want_dir ? "directory" : "regular file");
	fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC |
		    (want_dir ? O_DIRECTORY : 0));
	if (fd < 0)
		return err_set(err, -E_IO, "%s", strerror(errno));
	if (fstat(fd, &o) < 0 || o.st_ino != st->st_ino || o.st_dev != st->st_dev ||
	    (o.st_mode & S_IFMT) != (st->st_mode & S_IFMT)) {
		close(fd);
		return err_set(err, -E_IO, "changed while it was opened: refused");
	}
	*st = o;
	return fd;
}

static int d_readdir(void *p, const char *path, fs_dirent_fn fn, void *ctx,
		     struct err *err)
{
	char name[LIMIT_NAME_LEN + 1];
	char child[LIMIT_PATH_LEN + LIMIT_NAME_LEN + 2];
	struct stat st;
	struct dirent *de;
	unsigned long n = 0;
	DIR *dh;
	int dfd, fd, rc = walk(p, path, 1, &dfd, name, sizeof(name), err);

	if (rc == 0)
		return err_set(err, -E_NOTFOUND, "no such directory");
	if (rc < 0)
		return rc;
	fd = open_checked(dfd, name, 1, &st, err);
	close(dfd);
	if (fd < 0)
		return fd;
	if (!(dh = fdopendir(fd))) {
		close(fd);
		return err_set(err, -E_IO, "%s", strerror(errno));
	}
	rc = 0;
	while ((de = readdir(dh))) {
		struct fs_dirent e;

		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (++n > LIMIT_DIR_ENTRIES) {
			rc = err_set(err, -E_LIMIT, "more than %u entries", LIMIT_DIR_ENTRIES);
			break;
		}
		memset(&e, 0, sizeof(e));
		e.name = de->d_name;
		if (fstatat(dirfd(dh), de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
			struct fs_stat fst;

			stat_of(&st, &fst);
			e.inode = fst.inode;
			e.is_dir = fst.is_dir;
			e.is_reparse = fst.is_reparse;
			e.reparse_tag = fst.reparse_tag;
			if (e.is_reparse) {
				snprintf(child, sizeof(child), "%s/%s", path, de->d_name);
				e.is_dir = target_is_dir(p, child);
			}
		}
		rc = fn(ctx, &e);
		if (rc != 0)
			break;
	}
	closedir(dh);
	return rc;
}

static int d_readdir_inode(void *p, uint64_t inode, fs_dirent_fn fn, void *ctx,
			   struct err *err)
{
	return err_set(err, -E_UNSUPPORTED, "listing by inode needs an image");
}

static int d_read_file(void *p, const char *path, size_t max, uint8_t **buf,
		       size_t *len, struct err *err)
{
	char name[LIMIT_NAME_LEN + 1];
	struct stat st;
	size_t done = 0;
	int dfd, fd, rc = walk(p, path, 1, &dfd, name, sizeof(name), err);

	if (rc <= 0)
		return rc;
	fd = open_checked(dfd, name, 0, &st, err);
	close(dfd);
	if (fd < 0)
		return fd;
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
	/* the size seen at open is what is read: a file growing meanwhile
	 * is read as it was, one shrinking is a short read */
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
	char name[LIMIT_NAME_LEN + 1];
	char host[64 + LIMIT_NAME_LEN];
	struct stat st;
	ssize_t n;
	int dfd, rc = walk(p, path, 0, &dfd, name, sizeof(name), err);

	if (rc <= 0)
		return rc;
	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		rc = err_set(err, -E_IO, "%s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode) && !S_ISLNK(st.st_mode)) {
		rc = err_set(err, -E_IO, "a %s: refused", kind_of(st.st_mode));
		goto out;
	}
	/* the held folder by its fd, the entry itself not followed */
	snprintf(host, sizeof(host), "/proc/self/fd/%d/%s", dfd, name);
	n = lgetxattr(host, d->acl_xattr, NULL, 0);
	if (n <= 0) {
		rc = err_set(err, -E_IO, "xattr %s: %s", d->acl_xattr, strerror(errno));
		goto out;
	}
	if ((size_t)n > LIMIT_SD_SIZE) {
		rc = err_set(err, -E_LIMIT, "security descriptor of %zd bytes", n);
		goto out;
	}
	*sd = malloc((size_t)n);
	if (!*sd) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	n = lgetxattr(host, d->acl_xattr, *sd, (size_t)n);
	if (n <= 0) {
		free(*sd);
		*sd = NULL;
		rc = err_set(err, -E_IO, "xattr %s: %s", d->acl_xattr, strerror(errno));
		goto out;
	}
	*len = (size_t)n;
	rc = 1;
out:
	close(dfd);
	return rc;
}

static int d_get_security_inode(void *p, uint64_t inode, uint8_t **sd,
				size_t *len, struct err *err)
{
	return err_set(err, -E_UNSUPPORTED, "descriptors by inode need an image");
}

static int d_reparse_target(void *p, const char *path, char *buf, size_t size,
			    struct err *err)
{
	char name[LIMIT_NAME_LEN + 1];
	ssize_t n;
	int dfd, rc = walk(p, path, 0, &dfd, name, sizeof(name), err);

	if (rc <= 0)
		return rc;
	n = readlinkat(dfd, name, buf, size ? size - 1 : 0);
	close(dfd);
	if (n < 0)
		return 0;
	buf[n] = '\0';
	return 1;
}

static void d_close(void *p)
{
	struct dir_fs *d = p;

	if (d) {
		if (d->root_fd >= 0)
			close(d->root_fd);
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
	int rc;

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
	d->root_fd = open(d->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (d->root_fd < 0) {
		rc = err_set(err, -E_IO, "'%s': %s", root, strerror(errno));
		d_close(d);
		return rc;
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
