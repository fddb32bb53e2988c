/* The .NET Framework folders of cause 4, collected: for each root
 * (Framework, Framework64) its version folders' counts (framework.h), the
 * junctions met, and each version's CONFIG\Web.config tempDirectory and
 * where it points.  One walk per scan, kept in the evidence's cache; the
 * judge (rules/checks/ntfs_checks.c) weighs the counts against its limit
 * and the baseline records them (rules/baseline.c). */
#define _GNU_SOURCE
#include "framework.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "webconfig.h"
#include "windir.h"

static const char *const default_roots[] = {
	"%SystemRoot%\\Microsoft.NET\\Framework", "%SystemRoot%\\Microsoft.NET\\Framework64",
};

struct fw_check {
	const struct evidence *ev;
	struct framework_scan *out;      /* its items and worst_* */
	struct framework_walk walk;
	const char *root;
	char windir[LIMIT_PATH_LEN];
	unsigned long reparse_listed;
	int failed;                      /* a count stopped on an error */
	struct err *err;
};

/* Evidence for a junction or symlink met under a root (the first
 * LIMIT_EVIDENCE_ITEMS). */
static int fw_junction(struct fw_check *c, const char *path,
		       const struct fs_dirent *e, const char *counted)
{
	char target[LIMIT_PATH_LEN];
	struct err e2;
	json_t *o;

	if (c->reparse_listed >= LIMIT_EVIDENCE_ITEMS)
		return 0;
	c->reparse_listed++;
	err_init(&e2);
	o = json_object();
	json_object_set_new(o, "kind", json_string("junction"));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "type", json_string(
		e->reparse_tag == FS_REPARSE_MOUNT_POINT ? "junction" :
		e->reparse_tag == FS_REPARSE_SYMLINK ? "symlink" : "reparse point"));
	if (fs_reparse_target(c->ev->fs, path, target, sizeof(target), &e2) == 1)
		json_object_set_new(o, "target", json_string(target));
	json_object_set_new(o, "counted", json_string(counted));
	json_array_append_new(c->out->items, o);
	return 0;
}

static int fw_reparse(void *ctx, const char *path, const struct fs_dirent *e,
		      struct err *err)
{
	(void)err;
	return fw_junction(ctx, path, e, "once, not followed");
}

/* Where a tempDirectory value points on this volume: sets "exists" and
 * "volume_path" on o when it can tell. */
static void fw_temp_target(struct fw_check *c, const char *value, json_t *o)
{
	char buf[LIMIT_PATH_LEN + 1];
	const char *p = value, *rest = value;
	struct fs *fs = c->ev->fs;
	struct fs_stat st;
	struct err e2;
	int rc, n;

	/* %SystemRoot% / %windir% stand for windir */
	if (strncasecmp(value, "%SystemRoot%", 12) == 0)
		rest = value + 12;
	else if (strncasecmp(value, "%windir%", 8) == 0)
		rest = value + 8;
	n = snprintf(buf, sizeof(buf), "%s%s", rest != value ? c->windir : "", rest);
	if (n < 0 || (size_t)n >= sizeof(buf)) {
		json_object_set_new(o, "temp_directory_note",
				    json_string("longer than LIMIT_PATH_LEN: not checked"));
		return;
	}
	p = buf;
	if (!(isalpha((unsigned char)p[0]) && p[1] == ':' &&
	      (p[2] == '\\' || p[2] == '/' || p[2] == '\0'))) {
		json_object_set_new(o, "temp_directory_note",
				    json_string("not an absolute drive path: cannot be checked offline"));
		return;
	}
	if (toupper((unsigned char)p[0]) != windir_drive(c->windir)) {
		/* another letter: that volume, when the image holds it */
		char d = (char)toupper((unsigned char)p[0]);

		err_init(&e2);
		rc = evidence_volume_fs(c->ev, d, &fs, &e2);
		if (rc <= 0) {
			json_object_set_new(o, "temp_directory_note",
					    json_sprintf("on drive %c:, not the Windows volume: unknown: %s",
							 d, e2.msg));
			return;
		}
		json_object_set_new(o, "temp_directory_drive", json_sprintf("%c:", d));
	}
	p += 2;
	while (*p == '\\' || *p == '/')
		p++;
	memmove(buf, p, strlen(p) + 1);
	json_object_set_new(o, "temp_directory_volume_path", json_string(buf));
	err_init(&e2);
	rc = fs_stat(fs, buf, &st, &e2);
	if (rc < 0)
		json_object_set_new(o, "temp_directory_error", json_string(e2.msg));
	else
		json_object_set_new(o, "temp_directory_exists", json_boolean(rc == 1 && st.is_dir));
}

/* The version's CONFIG\Web.config: evidence, and a warning when it is
 * malformed (never a failure of the check). */
static void fw_webconfig(struct fw_check *c, const char *version_path)
{
	char path[LIMIT_PATH_LEN + 32];
	uint8_t *buf = NULL;
	size_t len = 0;
	char *temp = NULL;
	struct err e2;
	json_t *o;
	int rc;

	err_init(&e2);
	if (windir_join(path, sizeof(path), version_path, "CONFIG\\Web.config", &e2) < 0)
		return;                      /* the count already reported the path */
	rc = fs_read_file(c->ev->fs, path, LIMIT_WEBCONFIG_SIZE, &buf, &len, &e2);
	if (rc == 0)
		return;                      /* no Web.config: nothing to say */
	o = json_object();
	json_object_set_new(o, "kind", json_string("file"));
	json_object_set_new(o, "path", json_string(path));
	if (rc < 0) {
		evidence_warn(c->ev, "'%s': cannot be read: %s", path, e2.msg);
		json_object_set_new(o, "error", json_string(e2.msg));
		goto out;
	}
	rc = webconfig_temp_directory(buf, len, &temp, &e2);
	if (rc < 0) {
		evidence_warn(c->ev, "'%s': malformed XML: %s", path, e2.msg);
		json_object_set_new(o, "error", json_sprintf("malformed XML: %s", e2.msg));
	} else if (rc == 0) {
		json_object_set_new(o, "temp_directory", json_null());
	} else {
		json_object_set_new(o, "temp_directory", json_string(temp));
		fw_temp_target(c, temp, o);
	}
out:
	json_array_append_new(c->out->items, o);
	free(temp);
	free(buf);
}

static json_t *fw_count_evidence(struct fw_check *c, const char *path,
				 const struct framework_count *fc)
{
	json_t *o = json_object(), *top = json_array();
	const char *vname = strrchr(path, '\\');
	unsigned i;

	vname = vname ? vname + 1 : path;
	json_object_set_new(o, "kind", json_string("count"));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "folders", json_integer((json_int_t)fc->folders));
	json_object_set_new(o, "limit", json_null());   /* the judge's */
	json_object_set_new(o, "all_folders", json_integer((json_int_t)fc->all_folders));
	json_object_set_new(o, "subfolders", json_integer((json_int_t)fc->subfolders));
	if (fc->reparse_points)
		json_object_set_new(o, "junctions", json_integer((json_int_t)fc->reparse_points));
	for (i = 0; i < fc->ntop; i++) {
		json_t *t = json_object();

		json_object_set_new(t, "path", json_sprintf("%s\\%s", vname, fc->top[i].name));
		json_object_set_new(t, "folders", json_integer((json_int_t)fc->top[i].folders));
		json_array_append_new(top, t);
	}
	json_object_set_new(o, "top", top);
	if (!fc->complete)
		json_object_set_new(o, "complete", json_false());
	return o;
}

static int fw_version(void *ctx, const struct fs_dirent *e)
{
	struct fw_check *c = ctx;
	char path[LIMIT_PATH_LEN + LIMIT_NAME_LEN + 2];
	struct framework_count fc;
	json_t *ev;
	int rc, listed;

	/* version folders are v1.0.3705, v2.0.50727, v4.0.30319 ... */
	if (e->name[0] != 'v' && e->name[0] != 'V')
		return 0;
	if (!e->is_dir && !(e->is_reparse && e->reparse_tag == FS_REPARSE_MOUNT_POINT))
		return 0;
	rc = windir_join(path, sizeof(path), c->root, e->name, c->err);
	if (rc < 0)
		return rc;
	if (e->is_reparse)                  /* reported, never followed */
		return fw_junction(c, path, e, "not a version folder: not followed");
	c->out->versions++;
	rc = framework_count_version(&c->walk, path, e->inode, &fc, c->err);
	ev = fw_count_evidence(c, path, &fc);
	/* a hostile volume may hold thousands of v* folders: list the first
	 * LIMIT_EVIDENCE_ITEMS, and the worst one in any case (at the end) */
	listed = c->out->listed < LIMIT_EVIDENCE_ITEMS;
	if (listed) {
		c->out->listed++;
		json_array_append(c->out->items, ev);
	}
	if (!c->out->worst_path || fc.folders > c->out->worst_count) {
		char tmp[LIMIT_PATH_LEN + LIMIT_NAME_LEN + 32];

		free(c->out->worst_path);
		free(c->out->worst_top);
		free(c->out->worst_temp);
		json_decref(c->out->worst_ev);
		c->out->worst_ev = json_incref(ev);
		c->out->worst_listed = listed;
		c->out->worst_path = strdup(path);
		c->out->worst_top = fc.ntop ? strdup(fc.top[0].name) : strdup("");
		c->out->worst_top_count = fc.ntop ? fc.top[0].folders : 0;
		c->out->worst_count = fc.folders;
		c->out->worst_incomplete = !fc.complete;
		snprintf(tmp, sizeof(tmp), "%s\\Temporary ASP.NET Files", path);
		c->out->worst_temp = strdup(tmp);
	}
	json_decref(ev);
	framework_count_release(&fc);
	if (rc < 0) {
		c->failed = 1;
		return rc;
	}
	if (!c->out->worst_path || !c->out->worst_top || !c->out->worst_temp)
		return err_set(c->err, -E_NOMEM, "out of memory");
	if (listed)
		fw_webconfig(c, path);
	return 0;
}

/* Walk roots into out: its items, worst_* and rc (a failed root or count
 * stops the walk; what was found so far stays). */
static void collect(const struct evidence *ev, json_t *roots,
		    struct framework_scan *out)
{
	struct fw_check c;
	json_t *v;
	size_t i;
	int rc = 0;
	struct err *err = &out->err;

	memset(&c, 0, sizeof(c));
	c.ev = ev;
	c.out = out;
	c.err = err;
	snprintf(c.windir, sizeof(c.windir), "%s", evidence_system_root(ev));
	framework_walk_init(&c.walk, ev->fs);
	c.walk.on_reparse = fw_reparse;
	c.walk.ctx = &c;
	json_array_foreach(roots, i, v) {
		const char *raw = json_string_value(v);
		char root[LIMIT_PATH_LEN + 1];
		struct fs_stat st;

		if (!raw)
			continue;
		rc = windir_expand(evidence_windir(ev), raw, root, sizeof(root), err);
		if (rc < 0)
			break;
		rc = fs_stat(ev->fs, root, &st, err);
		if (rc < 0) {
			err_wrap(err, "'%s'", root);
			break;
		}
		if (rc == 0 || !st.is_dir || st.is_reparse) {
			json_t *o = json_object();

			json_object_set_new(o, "kind", json_string("count"));
			json_object_set_new(o, "path", json_string(root));
			json_object_set_new(o, "verdict", json_string(
				rc == 0 ? "absent on the volume" :
				st.is_reparse ? "a junction: not followed" : "not a folder"));
			json_array_append_new(out->items, o);
			rc = 0;
			continue;
		}
		c.root = root;
		rc = fs_readdir(ev->fs, root, fw_version, &c, err);
		if (rc < 0) {
			if (!c.failed)
				err_wrap(err, "'%s'", root);
			break;
		}
	}
	out->rc = rc < 0 ? rc : 0;
}

void framework_scan_free(struct framework_scan *f)
{
	if (!f)
		return;
	json_decref(f->roots);
	json_decref(f->items);
	json_decref(f->worst_ev);
	free(f->worst_path);
	free(f->worst_top);
	free(f->worst_temp);
	free(f);
}

int framework_collect(const struct evidence *ev, json_t *roots,
		      const struct framework_scan **out, struct err *err)
{
	struct framework_scan *f = ev->cache->framework;
	json_t *def = NULL;
	size_t i;

	*out = NULL;
	if (!roots && f) {
		*out = f;                /* what the scan walked (cause 4's roots) */
		return 0;
	}
	if (!roots) {
		def = json_array();
		for (i = 0; def && i < sizeof(default_roots) / sizeof(default_roots[0]); i++)
			json_array_append_new(def, json_string(default_roots[i]));
		if (!def)
			return err_set(err, -E_NOMEM, "out of memory");
		roots = def;
	}
	if (f && json_equal(f->roots, roots)) {
		json_decref(def);
		*out = f;
		return 0;
	}
	if (!ev->fs) {
		json_decref(def);
		return err_set(err, -E_USAGE, "no volume mounted");
	}
	f = calloc(1, sizeof(*f));
	if (!f || !(f->items = json_array())) {
		free(f);
		json_decref(def);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	f->roots = def ? def : json_incref(roots);
	err_init(&f->err);
	collect(ev, f->roots, f);
	framework_scan_free(ev->cache->framework);
	ev->cache->framework = f;
	*out = f;
	return 0;
}
