/* File ACL lookups and cause 1's walk (file_acl.h). */
#include "file_acl.h"

#include <stdlib.h>
#include <string.h>

#include "acl_util.h"
#include "windir.h"

const char *const file_acl_winsxs_paths[] = {
	"%SystemRoot%\\WinSxS\\FileMaps", "%SystemRoot%\\WinSxS\\Temp\\PendingRenames", NULL,
};
const char *const file_acl_writer_token[] = {
	"S-1-5-20", "S-1-5-6", "S-1-5-11", "S-1-1-0", "S-1-5-32-545",
	"S-1-5-15", "service:CryptSvc", NULL,
};
const char *const file_acl_system_token[] = {
	"S-1-5-18", "S-1-5-32-544", "S-1-1-0", "S-1-5-11", NULL,
};

int file_acl_read(const struct evidence *ev, const char *path, uint64_t inode,
		  int by_inode, struct secdesc *sd, struct err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(sd, 0, sizeof(*sd));
	rc = by_inode ? fs_get_security_inode(ev->fs, inode, &buf, &len, err)
		      : fs_get_security(ev->fs, path, &buf, &len, err);
	if (rc <= 0)
		return rc;
	rc = secdesc_parse(buf, len, sd, err);
	free(buf);
	if (rc < 0) {
		secdesc_release(sd);
		memset(sd, 0, sizeof(*sd));
		return rc;
	}
	return 1;
}

struct walk {
	const struct evidence *ev;
	struct token writer;
	file_acl_fn fn;
	void *ctx;
	const char *dir;             /* the folder being listed */
	int stopped;                 /* fn returned <0: its status */
	struct err *err;             /* fn's */
};

/* fn for an object with no descriptor to judge (absent, or unreadable:
 * e says why); its status. */
static int walk_seen(struct walk *w, enum file_acl_seen seen, const char *path, int top,
		     const struct err *e)
{
	struct file_acl_obj o;

	memset(&o, 0, sizeof(o));
	o.seen = seen;
	o.path = path;
	o.top = top;
	o.token = &w->writer;
	o.error = e;
	return w->fn(w->ctx, &o, w->err);
}

static int walk_unreadable(struct walk *w, const char *path, int top, const struct err *e)
{
	return walk_seen(w, FILE_ACL_UNREADABLE, path, top, e);
}

/* One object read and handed to fn: fn's status when <0, else 0 (read)
 * or 1 (unreadable, fn told so). */
static int walk_object(struct walk *w, const char *path, uint64_t inode, int by_inode,
		       int is_dir, int top)
{
	struct file_acl_obj o;
	struct secdesc sd;
	struct err e;
	int rc;

	err_init(&e);
	rc = file_acl_read(w->ev, path, inode, by_inode, &sd, &e);
	if (rc == 0)
		rc = err_set(&e, -E_NOTFOUND, "vanished while listed");
	if (rc < 0) {
		err_wrap(&e, "'%s': descriptor", path);
		rc = walk_unreadable(w, path, top, &e);
		return rc < 0 ? rc : 1;
	}
	memset(&o, 0, sizeof(o));
	o.seen = FILE_ACL_OBJECT;
	o.path = path;
	o.top = top;
	o.is_dir = is_dir;
	o.sd = &sd;
	o.need = is_dir ? FILE_ACL_NEED_FOLDER : FILE_ACL_NEED_FILE;
	o.writer = access_effective(&sd, &w->writer, is_dir ? ACCESS_DIRECTORY : ACCESS_FILE);
	o.token = &w->writer;
	rc = w->fn(w->ctx, &o, w->err);
	secdesc_release(&sd);
	return rc;
}

static int walk_entry(void *ctx, const struct fs_dirent *e)
{
	struct walk *w = ctx;
	char path[LIMIT_PATH_LEN + LIMIT_NAME_LEN + 2];
	struct err e2;
	int rc;

	err_init(&e2);
	if (windir_join(path, sizeof(path), w->dir, e->name, &e2) < 0)
		rc = walk_unreadable(w, w->dir, 0, &e2);
	else    /* images: by inode, no path lookup per file (directory mode
		 * has no inode access and goes by path) */
		rc = walk_object(w, path, e->inode, fs_info(w->ev->fs)->kind == FS_NTFS,
				 e->is_dir, 0);
	if (rc > 0)
		rc = 0;
	if (rc < 0)
		w->stopped = rc;
	return rc;
}

/* One walked path (raw, as the rule gives it): itself, then its entries. */
static int walk_path(struct walk *w, const char *raw)
{
	char pbuf[LIMIT_PATH_LEN + 1];
	struct fs_stat st;
	struct err e2;
	int rc;

	err_init(&e2);
	if (windir_expand(evidence_windir(w->ev), raw, pbuf, sizeof(pbuf), &e2) < 0)
		return walk_unreadable(w, raw, 1, &e2);
	rc = fs_stat(w->ev->fs, pbuf, &st, &e2);
	if (rc < 0)
		return walk_unreadable(w, pbuf, 1, &e2);
	if (rc == 0)
		return walk_seen(w, FILE_ACL_ABSENT, pbuf, 1, NULL);
	rc = walk_object(w, pbuf, st.inode, 0, st.is_dir, 1);
	if (rc != 0 || !st.is_dir || st.is_reparse)
		return rc < 0 ? rc : 0;
	/* every entry of the folder: what the writer enumerates */
	w->dir = pbuf;
	err_init(&e2);
	rc = fs_readdir(w->ev->fs, pbuf, walk_entry, w, &e2);
	if (w->stopped)
		return w->stopped;
	if (rc < 0) {
		err_wrap(&e2, "'%s': listing", pbuf);
		return walk_unreadable(w, pbuf, 1, &e2);
	}
	return 0;
}

int file_acl_winsxs_walk(const struct evidence *ev, json_t *paths, json_t *writer,
			 file_acl_fn fn, void *ctx, struct err *err)
{
	struct walk *w = calloc(1, sizeof(*w));
	size_t i, n = json_is_array(paths) ? json_array_size(paths) : 0;
	int rc = 0;

	if (!w)
		return err_set(err, -E_NOMEM, "out of memory");
	w->ev = ev;
	w->fn = fn;
	w->ctx = ctx;
	w->err = err;
	rc = acl_token_from(writer, file_acl_writer_token, "writer_token", &w->writer, err);
	for (i = 0; rc == 0 && (json_is_array(paths) ? i < n : file_acl_winsxs_paths[i] != NULL); i++) {
		const char *raw = json_is_array(paths) ? json_string_value(json_array_get(paths, i)) :
				  file_acl_winsxs_paths[i];

		if (raw)
			rc = walk_path(w, raw);
	}
	free(w);
	return rc;
}
