/* Causes 1 and 4 and the junction finding: decided from the NTFS tree
 * (DOMAIN.md causes 1 and 4; rules/README.md says what each check reads,
 * how it judges and what its evidence looks like).
 *
 * Both walks stream: a folder's entries are judged inside the fs_readdir
 * callback, and only counts, the current path and the first
 * LIMIT_EVIDENCE_ITEMS findings are kept. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "checks.h"
#include "framework.h"
#include "limits.h"
#include "sddl.h"
#include "secdesc.h"
#include "sid.h"
#include "svcsid.h"
#include "webconfig.h"
#include "windir.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shared helpers ---------------------------------------------------- */

/* %windir% as Windows spells it ("C:\WINNT"): windir.h's helper. */
static void windir_of(const struct scan *s, char *buf, size_t size)
{
	snprintf(buf, size, "%s", scan_system_root(s));
}

/* The drive letter of windir ('C' unless windir says otherwise). */
static char drive_of(const char *windir)
{
	if (isalpha((unsigned char)windir[0]) && windir[1] == ':')
		return (char)toupper((unsigned char)windir[0]);
	return 'C';
}

/* A rule's path on the volume: %SystemRoot%\... made relative to the
 * Windows folder ("WINNT\WinSxS\FileMaps"); NULL when too long (err). */
static const char *vol_path(const struct scan *s, const char *p, char *buf,
			    size_t size, struct err *err)
{
	return windir_expand(scan_windir(s), p, buf, size, err) < 0 ? NULL : buf;
}

/* "C:\" + a volume-relative path: the path as the server's admin sees it. */
static json_t *real_path(const char *windir, const char *vol_path)
{
	char buf[LIMIT_PATH_LEN + 8];

	while (*vol_path == '\\' || *vol_path == '/')
		vol_path++;
	snprintf(buf, sizeof(buf), "%c:\\%s", drive_of(windir), vol_path);
	return json_string(buf);
}

/* dir + '\' + name into buf; -E_LIMIT when too long. */
static int join(char *buf, size_t size, const char *dir, const char *name,
		struct err *err)
{
	int n = snprintf(buf, size, "%s%s%s", dir, dir[0] ? "\\" : "", name);

	if (n < 0 || (size_t)n >= size || (size_t)n > LIMIT_PATH_LEN)
		return err_set(err, -E_LIMIT, "'%s\\%s': path longer than %u bytes (LIMIT_PATH_LEN)",
			       dir, name, LIMIT_PATH_LEN);
	return 0;
}

/* A string-array param, or the default list when the rule leaves it out. */
static json_t *param_list(const struct rule *r, const char *name,
			  const char *const *def, size_t ndef)
{
	json_t *v = rule_param(r, name), *a;
	size_t i;

	if (json_is_array(v))
		return json_incref(v);
	a = json_array();
	for (i = 0; a && i < ndef; i++)
		json_array_append_new(a, json_string(def[i]));
	return a;
}

static char *dup_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *dup_printf(const char *fmt, ...)
{
	va_list ap;
	char *p = NULL;

	va_start(ap, fmt);
	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	va_end(ap);
	return p;
}

/* ---- cause 1: WinSxS descriptors --------------------------------------- */

/* What the System Writer needs (rules/README.md "cause1"):
 * - a folder it enumerates: FILE_LIST_DIRECTORY (FindFirstFile opens it
 *   with FILE_LIST_DIRECTORY | SYNCHRONIZE and reads the entries, their
 *   attributes included, from the folder's index) and FILE_TRAVERSE (it then
 *   opens what it found by full path); READ_ATTRIBUTES of the folder itself
 *   is not asked for;
 * - a file: FILE_READ_DATA and FILE_READ_ATTRIBUTES (it opens and hashes
 *   the file for the backup's metadata). */
#define NEED_FOLDER (FILE_READ_DATA | FILE_EXECUTE)
#define NEED_FILE   (FILE_READ_DATA | FILE_READ_ATTRIBUTES)

static const char *const default_winsxs_paths[] = {
	"%SystemRoot%\\WinSxS\\FileMaps", "%SystemRoot%\\WinSxS\\Temp\\PendingRenames",
};
static const char *const default_writer_token[] = {
	"S-1-5-20", "S-1-5-6", "S-1-5-11", "S-1-1-0", "S-1-5-32-545",
	"S-1-5-15", "service:CryptSvc",
};
/* LocalSystem's token: SYSTEM, Administrators, Everyone, Authenticated
 * Users (shown next to the writer's for comparison, not judged). */
static const char *const system_token[] = {
	"S-1-5-18", "S-1-5-32-544", "S-1-1-0", "S-1-5-11",
};

static int token_from_list(struct token *t, json_t *list, struct err *err)
{
	size_t i;
	json_t *v;

	memset(t, 0, sizeof(*t));
	json_array_foreach(list, i, v) {
		const char *s = json_string_value(v);
		int rc;

		if (!s)
			return err_set(err, -E_USAGE, "writer_token[%zu] is not a string", i);
		if (strncasecmp(s, "service:", 8) == 0) {
			struct sid sid;

			rc = svcsid_from_name(s + 8, &sid, err);
			if (rc == 0)
				rc = token_add_sid(t, &sid, err);
		} else {
			rc = token_add(t, s, err);
		}
		if (rc < 0)
			return err_wrap(err, "writer_token '%s'", s);
	}
	return 0;
}

struct acl_walk {
	struct scan *s;
	struct result *res;
	struct token writer, system;
	const char *dir;                 /* the folder being listed */
	unsigned long checked, denied, listed, unreadable, unreadable_listed;
	json_t *first_denied;            /* path string */
	struct err first_error;
};

static void add_rights(json_t *o, const char *key, uint32_t mask,
		       enum access_object obj)
{
	char buf[512];

	if (access_rights_names(mask, obj, buf, sizeof(buf)) == 0)
		json_object_set_new(o, key, json_string(buf));
	else
		json_object_set_new(o, key, json_sprintf("0x%08x", (unsigned)mask));
}

/* The evidence object for one checked object. */
static json_t *acl_evidence(const char *path, int is_dir,
			    const struct secdesc *sd, uint32_t need,
			    uint32_t writer, uint32_t system)
{
	enum access_object obj = is_dir ? ACCESS_DIRECTORY : ACCESS_FILE;
	json_t *e = json_object(), *eff = json_object();
	char owner[SID_STR_MAX] = "";
	char *sddl = NULL;
	struct err e2;

	err_init(&e2);
	json_object_set_new(e, "kind", json_string("file"));
	json_object_set_new(e, "path", json_string(path));
	json_object_set_new(e, "object", json_string(is_dir ? "folder" : "file"));
	json_object_set_new(e, "verdict", json_string((need & ~writer) ? "denied" : "readable"));
	if (sd->has_owner) {
		const char *name = sid_name(&sd->owner);

		sid_to_string(&sd->owner, owner, sizeof(owner));
		json_object_set_new(e, "owner", json_string(owner));
		if (name)
			json_object_set_new(e, "owner_name", json_string(name));
	}
	if (sddl_encode(sd, SDDL_RIGHTS_FILE, &sddl, &e2) == 0)
		json_object_set_new(e, "sddl", json_string(sddl));
	else
		json_object_set_new(e, "sddl_error", json_string(e2.msg));
	free(sddl);
	add_rights(eff, "writer", writer, obj);
	add_rights(eff, "system", system, obj);
	json_object_set_new(e, "effective", eff);
	add_rights(e, "needs", need, obj);
	if (need & ~writer)
		add_rights(e, "missing", need & ~writer, obj);
	return e;
}

/* Judge one object.  1 denied, 0 readable, <0 its descriptor could not be
 * read (err).  Evidence: always when report_always, else for the first
 * LIMIT_EVIDENCE_ITEMS denied objects. */
static int acl_object(struct acl_walk *w, const char *path, uint64_t inode,
		      int by_inode, int is_dir, int report_always,
		      struct err *err)
{
	struct secdesc sd;
	uint8_t *buf = NULL;
	size_t len = 0;
	uint32_t need = is_dir ? NEED_FOLDER : NEED_FILE, wr, sy;
	enum access_object obj = is_dir ? ACCESS_DIRECTORY : ACCESS_FILE;
	int rc, denied;

	rc = by_inode ? fs_get_security_inode(w->s->fs, inode, &buf, &len, err)
		      : fs_get_security(w->s->fs, path, &buf, &len, err);
	if (rc == 0)
		rc = err_set(err, -E_NOTFOUND, "vanished while listed");
	if (rc < 0)
		return err_wrap(err, "'%s': descriptor", path);
	rc = secdesc_parse(buf, len, &sd, err);
	free(buf);
	if (rc < 0) {
		secdesc_release(&sd);
		return err_wrap(err, "'%s': descriptor", path);
	}
	wr = access_effective(&sd, &w->writer, obj);
	sy = access_effective(&sd, &w->system, obj);
	denied = (need & ~wr) != 0;
	w->checked++;
	if (denied) {
		w->denied++;
		if (!w->first_denied)
			w->first_denied = json_string(path);
	}
	if (report_always || (denied && w->listed < LIMIT_EVIDENCE_ITEMS)) {
		json_array_append_new(w->res->evidence,
				      acl_evidence(path, is_dir, &sd, need, wr, sy));
		if (denied)
			w->listed++;
	}
	secdesc_release(&sd);
	return denied;
}

static void acl_unreadable(struct acl_walk *w, const char *path,
			   const struct err *e)
{
	json_t *o;

	if (w->unreadable++ == 0)
		w->first_error = *e;
	if (w->unreadable_listed >= LIMIT_EVIDENCE_ITEMS)
		return;
	w->unreadable_listed++;
	o = json_object();
	json_object_set_new(o, "kind", json_string("file"));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "verdict", json_string("unreadable"));
	json_object_set_new(o, "error", json_string(e->msg));
	json_array_append_new(w->res->evidence, o);
}

static int acl_entry(void *ctx, const struct fs_dirent *e)
{
	struct acl_walk *w = ctx;
	char path[LIMIT_PATH_LEN + LIMIT_NAME_LEN + 2];
	struct err e2;

	err_init(&e2);
	if (join(path, sizeof(path), w->dir, e->name, &e2) < 0) {
		acl_unreadable(w, w->dir, &e2);
		return 0;
	}
	/* images: by inode, no path lookup per file (directory mode has no
	 * inode access and goes by path) */
	if (acl_object(w, path, e->inode, fs_info(w->s->fs)->kind == FS_NTFS,
		       e->is_dir, 0, &e2) < 0)
		acl_unreadable(w, path, &e2);
	return 0;
}

static int winsxs_acl(struct scan *s, const struct rule *r, struct result *res,
		      struct err *err)
{
	const struct fs_info *fi = fs_info(s->fs);
	struct acl_walk *w;
	json_t *paths = NULL, *tok = NULL, *v, *sum;
	char windir[LIMIT_PATH_LEN];
	size_t i;
	int rc = 0;

	windir_of(s, windir, sizeof(windir));
	json_object_set_new(res->vars, "windir", json_string(windir));
	if (!fi->descriptors) {
		res->status = STATUS_UNKNOWN;
		res->summary = dup_printf("the WinSxS descriptors could not be read: %s",
					  fi->descriptors_why[0] ? fi->descriptors_why :
					  "this source gives no security descriptors");
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(err, -E_NOMEM, "out of memory");
	w->s = s;
	w->res = res;
	paths = param_list(r, "paths", default_winsxs_paths, ARRAY_LEN(default_winsxs_paths));
	tok = param_list(r, "writer_token", default_writer_token, ARRAY_LEN(default_writer_token));
	if (!paths || !tok) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = token_from_list(&w->writer, tok, err);
	if (rc == 0) {
		json_t *st = json_array();

		for (i = 0; st && i < ARRAY_LEN(system_token); i++)
			json_array_append_new(st, json_string(system_token[i]));
		rc = st ? token_from_list(&w->system, st, err) :
			  err_set(err, -E_NOMEM, "out of memory");
		json_decref(st);
	}
	if (rc < 0)
		goto out;

	json_array_foreach(paths, i, v) {
		const char *raw = json_string_value(v), *p;
		char pbuf[LIMIT_PATH_LEN + 1];
		struct fs_stat st;
		struct err e2;

		if (!raw)
			continue;
		err_init(&e2);
		p = vol_path(s, raw, pbuf, sizeof(pbuf), &e2);
		if (!p) {
			acl_unreadable(w, raw, &e2);
			continue;
		}
		rc = fs_stat(s->fs, p, &st, &e2);
		if (rc < 0) {
			acl_unreadable(w, p, &e2);
			rc = 0;
			continue;
		}
		if (rc == 0) {
			/* nothing to be denied: the writer finds no such object */
			json_t *o = json_object();

			json_object_set_new(o, "kind", json_string("file"));
			json_object_set_new(o, "path", json_string(p));
			json_object_set_new(o, "verdict", json_string("absent on the volume"));
			json_array_append_new(res->evidence, o);
			continue;
		}
		rc = 0;
		if (acl_object(w, p, st.inode, 0, st.is_dir, 1, &e2) < 0) {
			acl_unreadable(w, p, &e2);
			continue;
		}
		if (!st.is_dir || st.is_reparse)
			continue;
		/* every entry of the folder: what the writer enumerates */
		w->dir = p;
		err_init(&e2);
		if (fs_readdir(s->fs, p, acl_entry, w, &e2) < 0) {
			err_wrap(&e2, "'%s': listing", p);
			acl_unreadable(w, p, &e2);
		}
	}

	sum = json_object();
	json_object_set_new(sum, "kind", json_string("summary"));
	json_object_set_new(sum, "checked", json_integer((json_int_t)w->checked));
	json_object_set_new(sum, "denied", json_integer((json_int_t)w->denied));
	json_object_set_new(sum, "denied_listed", json_integer((json_int_t)w->listed));
	json_object_set_new(sum, "unreadable", json_integer((json_int_t)w->unreadable));
	json_object_set_new(sum, "needs_folder", json_string("LIST_DIRECTORY|TRAVERSE"));
	json_object_set_new(sum, "needs_file", json_string("READ_DATA|READ_ATTRIBUTES"));
	json_array_insert_new(res->evidence, 0, sum);

	json_object_set_new(res->vars, "denied_count", json_integer((json_int_t)w->denied));
	json_object_set_new(res->vars, "first_denied",
			    w->first_denied ? json_incref(w->first_denied) : json_string(""));
	if (w->denied) {
		res->status = STATUS_PRESENT;
	} else if (w->unreadable) {
		res->status = STATUS_UNKNOWN;
		res->summary = dup_printf("%lu WinSxS object(s) could not be read: %s",
					  w->unreadable, w->first_error.msg);
	} else {
		res->status = STATUS_ABSENT;
	}
out:
	json_decref(w->first_denied);
	json_decref(paths);
	json_decref(tok);
	free(w);
	return rc;
}

static const struct param_def winsxs_acl_params[] = {
	{ "paths", PARAM_ARRAY, 0, "[s]" },
	{ "writer_token", PARAM_ARRAY, 0, "[t]" },
	{ NULL, 0, 0, NULL },
};
static const char *const winsxs_acl_vars[] = { "windir", "denied_count", "first_denied", NULL };
const struct check_def check_def_winsxs_acl = {
	"winsxs_acl", winsxs_acl, winsxs_acl_params, winsxs_acl_vars,
};

/* ---- cause 4: folders under Microsoft.NET\Framework -------------------- */

static const char *const default_roots[] = {
	"%SystemRoot%\\Microsoft.NET\\Framework", "%SystemRoot%\\Microsoft.NET\\Framework64",
};

struct fw_check {
	struct scan *s;
	struct result *res;
	struct framework_walk walk;
	const char *root;
	char windir[LIMIT_PATH_LEN];
	long long limit;
	unsigned long versions;
	unsigned long reparse_listed;
	/* the version folder with the most folders */
	uint64_t worst_count;
	char *worst_path, *worst_top, *worst_temp;
	json_t *worst_ev;                /* its count evidence */
	int worst_listed;
	unsigned long listed;            /* count items in the evidence */
	uint64_t worst_top_count;
	int worst_incomplete;
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
	if (fs_reparse_target(c->s->fs, path, target, sizeof(target), &e2) == 1)
		json_object_set_new(o, "target", json_string(target));
	json_object_set_new(o, "counted", json_string(counted));
	json_array_append_new(c->res->evidence, o);
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
	struct fs *fs = c->s->fs;
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
	if (toupper((unsigned char)p[0]) != drive_of(c->windir)) {
		/* another letter: that volume, when the image holds it */
		char d = (char)toupper((unsigned char)p[0]);

		err_init(&e2);
		rc = scan_volume_fs(c->s, d, &fs, &e2);
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
	if (join(path, sizeof(path), version_path, "CONFIG\\Web.config", &e2) < 0)
		return;                      /* the count already reported the path */
	rc = fs_read_file(c->s->fs, path, LIMIT_WEBCONFIG_SIZE, &buf, &len, &e2);
	if (rc == 0)
		return;                      /* no Web.config: nothing to say */
	o = json_object();
	json_object_set_new(o, "kind", json_string("file"));
	json_object_set_new(o, "path", json_string(path));
	if (rc < 0) {
		scan_warn(c->s, "'%s': cannot be read: %s", path, e2.msg);
		json_object_set_new(o, "error", json_string(e2.msg));
		goto out;
	}
	rc = webconfig_temp_directory(buf, len, &temp, &e2);
	if (rc < 0) {
		scan_warn(c->s, "'%s': malformed XML: %s", path, e2.msg);
		json_object_set_new(o, "error", json_sprintf("malformed XML: %s", e2.msg));
	} else if (rc == 0) {
		json_object_set_new(o, "temp_directory", json_null());
	} else {
		json_object_set_new(o, "temp_directory", json_string(temp));
		fw_temp_target(c, temp, o);
	}
out:
	json_array_append_new(c->res->evidence, o);
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
	json_object_set_new(o, "limit", json_integer(c->limit));
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
	rc = join(path, sizeof(path), c->root, e->name, c->err);
	if (rc < 0)
		return rc;
	if (e->is_reparse)                  /* reported, never followed */
		return fw_junction(c, path, e, "not a version folder: not followed");
	c->versions++;
	rc = framework_count_version(&c->walk, path, e->inode, &fc, c->err);
	ev = fw_count_evidence(c, path, &fc);
	/* a hostile volume may hold thousands of v* folders: list the first
	 * LIMIT_EVIDENCE_ITEMS, and the worst one in any case (at the end) */
	listed = c->listed < LIMIT_EVIDENCE_ITEMS;
	if (listed) {
		c->listed++;
		json_array_append(c->res->evidence, ev);
	}
	if (!c->worst_path || fc.folders > c->worst_count) {
		char tmp[LIMIT_PATH_LEN + LIMIT_NAME_LEN + 32];

		free(c->worst_path);
		free(c->worst_top);
		free(c->worst_temp);
		json_decref(c->worst_ev);
		c->worst_ev = json_incref(ev);
		c->worst_listed = listed;
		c->worst_path = strdup(path);
		c->worst_top = fc.ntop ? strdup(fc.top[0].name) : strdup("");
		c->worst_top_count = fc.ntop ? fc.top[0].folders : 0;
		c->worst_count = fc.folders;
		c->worst_incomplete = !fc.complete;
		snprintf(tmp, sizeof(tmp), "%s\\Temporary ASP.NET Files", path);
		c->worst_temp = strdup(tmp);
	}
	json_decref(ev);
	framework_count_release(&fc);
	if (rc < 0) {
		c->failed = 1;
		return rc;
	}
	if (!c->worst_path || !c->worst_top || !c->worst_temp)
		return err_set(c->err, -E_NOMEM, "out of memory");
	if (listed)
		fw_webconfig(c, path);
	return 0;
}

static int framework_folders(struct scan *s, const struct rule *r,
			     struct result *res, struct err *err)
{
	struct fw_check c;
	json_t *roots, *v;
	size_t i;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.res = res;
	c.err = err;
	c.limit = rule_param_int(r, "limit", 1000);
	if (s->opts && s->opts->threshold_aspnet >= 0)
		c.limit = s->opts->threshold_aspnet;
	windir_of(s, c.windir, sizeof(c.windir));
	framework_walk_init(&c.walk, s->fs);
	c.walk.on_reparse = fw_reparse;
	c.walk.ctx = &c;
	roots = param_list(r, "roots", default_roots, ARRAY_LEN(default_roots));
	if (!roots)
		return err_set(err, -E_NOMEM, "out of memory");

	json_array_foreach(roots, i, v) {
		const char *raw = json_string_value(v), *root;
		char rbuf[LIMIT_PATH_LEN + 1];
		struct fs_stat st;

		if (!raw)
			continue;
		root = vol_path(s, raw, rbuf, sizeof(rbuf), err);
		if (!root) {
			rc = err->code;
			break;
		}
		rc = fs_stat(s->fs, root, &st, err);
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
			json_array_append_new(res->evidence, o);
			rc = 0;
			continue;
		}
		c.root = root;
		rc = fs_readdir(s->fs, root, fw_version, &c, err);
		if (rc < 0) {
			if (!c.failed)
				err_wrap(err, "'%s'", root);
			break;
		}
	}

	if (c.worst_ev && !c.worst_listed)
		json_array_append(res->evidence, c.worst_ev);
	if (c.versions > c.listed) {
		json_t *o = json_object();

		json_object_set_new(o, "kind", json_string("summary"));
		json_object_set_new(o, "versions", json_integer((json_int_t)c.versions));
		json_object_set_new(o, "listed", json_integer((json_int_t)c.listed));
		json_array_append_new(res->evidence, o);
	}
	json_object_set_new(res->vars, "limit", json_integer(c.limit));
	json_object_set_new(res->vars, "worst_path", json_string(c.worst_path ? c.worst_path : ""));
	json_object_set_new(res->vars, "worst_count", json_integer((json_int_t)c.worst_count));
	json_object_set_new(res->vars, "worst_top", json_string(c.worst_top ? c.worst_top : ""));
	json_object_set_new(res->vars, "worst_top_count", json_integer((json_int_t)c.worst_top_count));
	json_object_set_new(res->vars, "versions", json_integer((json_int_t)c.versions));
	if (c.worst_path && c.worst_temp) {
		char cfg[LIMIT_PATH_LEN + 32];

		json_object_set_new(res->vars, "temp_path", real_path(c.windir, c.worst_temp));
		snprintf(cfg, sizeof(cfg), "%s\\CONFIG\\Web.config", c.worst_path);
		json_object_set_new(res->vars, "webconfig", real_path(c.windir, cfg));
	}

	if (c.worst_path && c.limit >= 0 && c.worst_count >= (uint64_t)c.limit) {
		/* a count stopped by a limit is a lower bound: enough to say so */
		res->status = STATUS_PRESENT;
		if (c.worst_incomplete)
			res->summary = dup_printf("%s holds at least %llu folders (limit %lld; counting stopped: %s)",
						  c.worst_path, (unsigned long long)c.worst_count,
						  c.limit, err->msg);
		else if (rc < 0)
			scan_warn(s, "cause4: counting stopped: %s", err->msg);
		rc = 0;
	} else if (rc == 0) {
		res->status = STATUS_ABSENT;
	}
	free(c.worst_path);
	free(c.worst_top);
	free(c.worst_temp);
	json_decref(c.worst_ev);
	json_decref(roots);
	return rc < 0 ? rc : 0;
}

static const struct param_def framework_params[] = {
	{ "roots", PARAM_ARRAY, 0, "[s]" },
	{ "limit", PARAM_INT, 0, "i" },
	{ NULL, 0, 0, NULL },
};
static const char *const framework_folders_vars[] = { "worst_path", "worst_count", "worst_top", "worst_top_count", "limit", "temp_path", "webconfig", "versions", NULL };
const struct check_def check_def_framework_folders = {
	"framework_folders", framework_folders, framework_params, framework_folders_vars,
};

/* ---- finding: junctions on the writer's paths -------------------------- */

static const char *const default_junction_paths[] = {
	"Users", "ProgramData", "Program Files", "Program Files (x86)",
	"%SystemRoot%\\WinSxS",
};

struct jn_check {
	struct scan *s;
	struct result *res;
	json_t *seen;                    /* object used as a set of paths */
	json_t *paths, *targets;
	unsigned long errors;
	struct err first_error;
};

/* Look at one path: a junction or symlink there is a finding. */
static void jn_one(struct jn_check *c, const char *path)
{
	struct fs_stat st;
	struct err e2;
	char target[LIMIT_PATH_LEN];
	json_t *o;
	int rc;

	if (json_object_get(c->seen, path))
		return;
	json_object_set_new(c->seen, path, json_true());
	err_init(&e2);
	rc = fs_stat(c->s->fs, path, &st, &e2);
	if (rc < 0) {
		if (c->errors++ == 0) {
			c->first_error = e2;
			err_wrap(&c->first_error, "'%s'", path);
		}
		return;
	}
	if (rc == 0 || !st.is_reparse)
		return;
	/* other reparse tags (dedup, WOF, cloud files) do not redirect a path */
	if (fs_info(c->s->fs)->kind == FS_NTFS &&
	    st.reparse_tag != FS_REPARSE_MOUNT_POINT && st.reparse_tag != FS_REPARSE_SYMLINK)
		return;
	target[0] = '\0';
	err_init(&e2);
	if (fs_reparse_target(c->s->fs, path, target, sizeof(target), &e2) != 1)
		snprintf(target, sizeof(target), "(unknown)");
	o = json_object();
	json_object_set_new(o, "kind", json_string("junction"));
	json_object_set_new(o, "path", json_string(path));
	json_object_set_new(o, "type", json_string(
		st.reparse_tag == FS_REPARSE_MOUNT_POINT ? "junction" : "symlink"));
	json_object_set_new(o, "reparse_tag", json_sprintf("0x%08x", (unsigned)st.reparse_tag));
	json_object_set_new(o, "target", json_string(target));
	json_array_append_new(c->res->evidence, o);
	json_array_append_new(c->paths, json_string(path));
	json_array_append_new(c->targets, json_string(target));
}

static int winsxs_junction(struct scan *s, const struct rule *r,
			   struct result *res, struct err *err)
{
	struct jn_check c;
	json_t *list, *v;
	size_t i;
	char joined[1024] = "";

	memset(&c, 0, sizeof(c));
	c.s = s;
	c.res = res;
	c.seen = json_object();
	c.paths = json_array();
	c.targets = json_array();
	list = param_list(r, "paths", default_junction_paths, ARRAY_LEN(default_junction_paths));
	if (!c.seen || !c.paths || !c.targets || !list) {
		json_decref(c.seen);
		json_decref(c.paths);
		json_decref(c.targets);
		json_decref(list);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	json_array_foreach(list, i, v) {
		const char *raw = json_string_value(v), *p;
		char buf[LIMIT_PATH_LEN + 1], pbuf[LIMIT_PATH_LEN + 1];
		struct err e2;
		size_t k, n;

		err_init(&e2);
		if (!raw || !(p = vol_path(s, raw, pbuf, sizeof(pbuf), &e2)))
			continue;
		/* each folder on the way: a moved "Windows" breaks WinSxS too */
		n = strlen(p);
		memcpy(buf, p, n + 1);
		for (k = 1; k <= n; k++) {
			if (k < n && buf[k] != '\\' && buf[k] != '/')
				continue;
			buf[k] = '\0';
			jn_one(&c, buf);
			buf[k] = p[k];
		}
	}
	for (i = 0; i < json_array_size(c.paths); i++) {
		size_t l = strlen(joined);

		snprintf(joined + l, sizeof(joined) - l, "%s%s", i ? ", " : "",
			 json_string_value(json_array_get(c.paths, i)));
	}
	json_object_set_new(res->vars, "path", c.paths);
	json_object_set_new(res->vars, "target", c.targets);
	json_object_set_new(res->vars, "count", json_integer((json_int_t)json_array_size(c.paths)));
	json_object_set_new(res->vars, "paths", json_string(joined));
	if (json_array_size(c.paths)) {
		res->status = STATUS_PRESENT;
	} else if (c.errors) {
		res->status = STATUS_UNKNOWN;
		res->summary = dup_printf("the paths could not be checked: %s", c.first_error.msg);
	} else {
		res->status = STATUS_ABSENT;
	}
	json_decref(c.seen);
	json_decref(list);
	return 0;
}

static const struct param_def junction_params[] = {
	{ "paths", PARAM_ARRAY, 0, "[s]" },
	{ NULL, 0, 0, NULL },
};
static const char *const winsxs_junction_vars[] = { "path", "target", "count", "paths", NULL };
const struct check_def check_def_winsxs_junction = {
	"winsxs_junction", winsxs_junction, junction_params, winsxs_junction_vars,
};
