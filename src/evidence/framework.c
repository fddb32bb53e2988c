/* Folder counting under a .NET Framework version folder (see framework.h).
 * Depth-first through fs_readdir callbacks: each level holds one open
 * directory in the fs layer and its name in the path buffer, nothing else. */
#define _GNU_SOURCE
#include "framework.h"

#include <stdlib.h>
#include <string.h>

#include "limits.h"

struct walker {
	struct framework_walk *fw;
	struct framework_count *out;
	struct err *err;
	char path[LIMIT_PATH_LEN + 1];
	size_t plen;
	unsigned depth;           /* levels below the version folder */
	uint64_t count;           /* folders inside the current top-level subfolder */
	int named;                /* err already names the path */
};

void framework_walk_init(struct framework_walk *w, struct fs *fs)
{
	memset(w, 0, sizeof(*w));
	w->fs = fs;
	w->by_inode = fs_info(fs)->kind == FS_NTFS;
	w->max_entries = LIMIT_DIR_ENTRIES;
	w->max_depth = LIMIT_DIR_DEPTH;
}

void framework_count_release(struct framework_count *c)
{
	unsigned i;

	if (!c)
		return;
	for (i = 0; i < FRAMEWORK_TOP_MAX; i++)
		free(c->top[i].name);
	memset(c, 0, sizeof(*c));
}

/* A folder for counting: a directory, or a junction (always a directory on
 * NTFS, even when the directory adapter cannot resolve its target). */
static int is_folder(const struct fs_dirent *e)
{
	return e->is_dir ||
	       (e->is_reparse && e->reparse_tag == FS_REPARSE_MOUNT_POINT);
}

static int push(struct walker *k, const char *name)
{
	size_t n = strlen(name);

	if (k->plen + 1 + n > LIMIT_PATH_LEN) {
		k->named = 1;
		return err_set(k->err, -E_LIMIT, "'%s': path longer than %u bytes (LIMIT_PATH_LEN)",
			       k->path, LIMIT_PATH_LEN);
	}
	k->path[k->plen++] = '\\';
	memcpy(k->path + k->plen, name, n + 1);
	k->plen += n;
	return 0;
}

static void pop(struct walker *k, size_t old)
{
	k->plen = old;
	k->path[old] = '\0';
}

static int list(struct walker *k, uint64_t inode, fs_dirent_fn fn)
{
	int rc;

	if (k->fw->by_inode)
		rc = fs_readdir_inode(k->fw->fs, inode, fn, k, k->err);
	else
		rc = fs_readdir(k->fw->fs, k->path, fn, k, k->err);
	if (rc < 0 && !k->named) {
		/* an fs error: say where, once */
		k->named = 1;
		return err_wrap(k->err, "'%s'", k->path);
	}
	return rc;
}

/* Common to both levels: the entry budget and reparse points.
 * 1 = handled here (not to be walked), 0 = walk it, <0 = stop. */
static int visit(struct walker *k, const struct fs_dirent *e)
{
	struct framework_walk *fw = k->fw;

	if (++fw->entries > fw->max_entries) {
		k->named = 1;
		return err_set(k->err, -E_LIMIT,
			       "'%s': more than %llu directory entries (LIMIT_DIR_ENTRIES)",
			       k->path, (unsigned long long)fw->max_entries);
	}
	if (!is_folder(e))
		return 1;
	k->out->all_folders++;
	if (e->is_reparse) {
		size_t old = k->plen;
		int rc = push(k, e->name);

		k->out->reparse_points++;
		if (rc == 0 && fw->on_reparse)
			rc = fw->on_reparse(fw->ctx, k->path, e, k->err);
		pop(k, old);
		return rc < 0 ? rc : 1;
	}
	return 0;
}

static int nested_cb(void *ctx, const struct fs_dirent *e)
{
	struct walker *k = ctx;
	size_t old = k->plen;
	int rc = visit(k, e);

	if (rc == 1 && is_folder(e))
		k->count++;             /* a junction: counted once, not walked */
	if (rc != 0)
		return rc < 0 ? rc : 0;
	k->count++;                 /* a folder inside a top-level subfolder */
	if (k->depth + 1 > k->fw->max_depth) {
		k->named = 1;
		return err_set(k->err, -E_LIMIT,
			       "'%s\\%s': folders nested deeper than %u levels (LIMIT_DIR_DEPTH)",
			       k->path, e->name, k->fw->max_depth);
	}
	rc = push(k, e->name);
	if (rc < 0)
		return rc;
	k->depth++;
	rc = list(k, e->inode, nested_cb);
	k->depth--;
	pop(k, old);
	return rc;
}

/* Keep the FRAMEWORK_TOP_MAX largest top-level subfolders, largest first
 * (ties: first met first). */
static int keep_top(struct framework_count *c, const char *name, uint64_t folders)
{
	unsigned i, pos;
	char *copy;

	for (pos = 0; pos < c->ntop && c->top[pos].folders >= folders; pos++)
		;
	if (pos >= FRAMEWORK_TOP_MAX)
		return 0;
	copy = strdup(name);
	if (!copy)
		return -E_NOMEM;
	if (c->ntop == FRAMEWORK_TOP_MAX)
		free(c->top[FRAMEWORK_TOP_MAX - 1].name);
	else
		c->ntop++;
	for (i = c->ntop - 1; i > pos; i--)
		c->top[i] = c->top[i - 1];
	c->top[pos].name = copy;
	c->top[pos].folders = folders;
	return 0;
}

static int top_cb(void *ctx, const struct fs_dirent *e)
{
	struct walker *k = ctx;
	size_t old = k->plen;
	int rc = visit(k, e), rc2;

	if (rc != 0) {
		if (rc == 1 && is_folder(e))
			k->out->subfolders++;   /* a junction: counted, not walked */
		return rc < 0 ? rc : 0;
	}
	k->out->subfolders++;
	rc = push(k, e->name);
	if (rc < 0)
		return rc;
	k->count = 0;
	k->depth = 1;
	rc = list(k, e->inode, nested_cb);
	/* partial counts stay (a lower bound) when the walk stopped */
	k->out->folders += k->count;
	pop(k, old);
	rc2 = keep_top(k->out, e->name, k->count);
	if (rc == 0 && rc2 < 0)
		rc = err_set(k->err, -E_NOMEM, "out of memory");
	return rc;
}

int framework_count_version(struct framework_walk *w, const char *path,
			    uint64_t inode, struct framework_count *out,
			    struct err *err)
{
	struct walker *k;
	int rc;

	memset(out, 0, sizeof(*out));
	/* the path buffer is large: keep it off the stack of deep recursions */
	k = calloc(1, sizeof(*k));
	if (!k)
		return err_set(err, -E_NOMEM, "out of memory");
	k->fw = w;
	k->out = out;
	k->err = err;
	k->plen = strlen(path);
	if (k->plen > LIMIT_PATH_LEN) {
		free(k);
		return err_set(err, -E_LIMIT, "path longer than %u bytes (LIMIT_PATH_LEN)",
			       LIMIT_PATH_LEN);
	}
	memcpy(k->path, path, k->plen + 1);
	rc = list(k, inode, top_cb);
	if (rc > 0)
		rc = 0;
	out->complete = rc == 0;
	free(k);
	return rc;
}
