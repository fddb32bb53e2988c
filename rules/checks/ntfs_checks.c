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
#include "windir.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- shared helpers ---------------------------------------------------- */

/* %windir% as Windows spells it ("C:\WINNT"): windir.h's helper. */
static void windir_of(const struct evidence *ev, char *buf, size_t size)
{
	snprintf(buf, size, "%s", evidence_system_root(ev));
}

/* A rule's path on the volume: %SystemRoot%\... made relative to the
 * Windows folder ("WINNT\WinSxS\FileMaps"); NULL when too long (err). */
static const char *vol_path(const struct evidence *ev, const char *p, char *buf,
			    size_t size, struct err *err)
{
	return windir_expand(evidence_windir(ev), p, buf, size, err) < 0 ? NULL : buf;
}

/* "C:\" + a volume-relative path: the path as the server's admin sees it. */
static json_t *real_path(const char *windir, const char *vol_path)
{
	char buf[LIMIT_PATH_LEN + 8];

	while (*vol_path == '\\' || *vol_path == '/')
		vol_path++;
	snprintf(buf, sizeof(buf), "%c:\\%s", windir_drive(windir), vol_path);
	return json_string(buf);
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
	const struct evidence *ev;
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

	rc = by_inode ? fs_get_security_inode(w->ev->fs, inode, &buf, &len, err)
		      : fs_get_security(w->ev->fs, path, &buf, &len, err);
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
	if (windir_join(path, sizeof(path), w->dir, e->name, &e2) < 0) {
		acl_unreadable(w, w->dir, &e2);
		return 0;
	}
	/* images: by inode, no path lookup per file (directory mode has no
	 * inode access and goes by path) */
	if (acl_object(w, path, e->inode, fs_info(w->ev->fs)->kind == FS_NTFS,
		       e->is_dir, 0, &e2) < 0)
		acl_unreadable(w, path, &e2);
	return 0;
}

static int winsxs_acl(const struct evidence *ev, const struct rule *r, struct result *res,
		      struct err *err)
{
	const struct fs_info *fi = fs_info(ev->fs);
	struct acl_walk *w;
	json_t *paths = NULL, *tok = NULL, *v, *sum;
	char windir[LIMIT_PATH_LEN];
	size_t i;
	int rc = 0;

	windir_of(ev, windir, sizeof(windir));
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
	w->ev = ev;
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
		p = vol_path(ev, raw, pbuf, sizeof(pbuf), &e2);
		if (!p) {
			acl_unreadable(w, raw, &e2);
			continue;
		}
		rc = fs_stat(ev->fs, p, &st, &e2);
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
		if (fs_readdir(ev->fs, p, acl_entry, w, &e2) < 0) {
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
	"winsxs_acl", winsxs_acl, winsxs_acl_params, winsxs_acl_vars, 0,
};

/* ---- cause 4: folders under Microsoft.NET\Framework -------------------- */

/* Cause 4: the walk is framework_collect's (src/evidence/framework_scan.c);
 * the judgment is the worst version folder's count against the limit. */
static int framework_folders(const struct evidence *ev, const struct rule *r,
			     struct result *res, struct err *err)
{
	const struct framework_scan *f;
	char windir[LIMIT_PATH_LEN];
	long long limit = rule_param_int(r, "limit", 1000);
	json_t *roots = rule_param(r, "roots"), *item;
	size_t i;
	int rc;

	if (ev->threshold_aspnet >= 0)
		limit = ev->threshold_aspnet;
	windir_of(ev, windir, sizeof(windir));
	rc = framework_collect(ev, json_is_array(roots) ? roots : NULL, &f, err);
	if (rc < 0)
		return rc;
	/* the evidence: the walk's items, each count with this rule's limit */
	json_array_foreach(f->items, i, item) {
		json_t *o = json_deep_copy(item);

		if (o && json_object_get(o, "limit"))
			json_object_set_new(o, "limit", json_integer(limit));
		json_array_append_new(res->evidence, o);
	}
	if (f->worst_ev && !f->worst_listed) {
		json_t *o = json_deep_copy(f->worst_ev);

		if (o)
			json_object_set_new(o, "limit", json_integer(limit));
		json_array_append_new(res->evidence, o);
	}
	if (f->versions > f->listed) {
		json_t *o = json_object();

		json_object_set_new(o, "kind", json_string("summary"));
		json_object_set_new(o, "versions", json_integer((json_int_t)f->versions));
		json_object_set_new(o, "listed", json_integer((json_int_t)f->listed));
		json_array_append_new(res->evidence, o);
	}
	json_object_set_new(res->vars, "limit", json_integer(limit));
	json_object_set_new(res->vars, "worst_path", json_string(f->worst_path ? f->worst_path : ""));
	json_object_set_new(res->vars, "worst_count", json_integer((json_int_t)f->worst_count));
	json_object_set_new(res->vars, "worst_top", json_string(f->worst_top ? f->worst_top : ""));
	json_object_set_new(res->vars, "worst_top_count", json_integer((json_int_t)f->worst_top_count));
	json_object_set_new(res->vars, "versions", json_integer((json_int_t)f->versions));
	if (f->worst_path && f->worst_temp) {
		char cfg[LIMIT_PATH_LEN + 32];

		json_object_set_new(res->vars, "temp_path", real_path(windir, f->worst_temp));
		snprintf(cfg, sizeof(cfg), "%s\\CONFIG\\Web.config", f->worst_path);
		json_object_set_new(res->vars, "webconfig", real_path(windir, cfg));
	}
	rc = f->rc;
	*err = f->err;
	if (f->worst_path && limit >= 0 && f->worst_count >= (uint64_t)limit) {
		/* a count stopped by a limit is a lower bound: enough to say so */
		res->status = STATUS_PRESENT;
		if (f->worst_incomplete)
			res->summary = dup_printf("%s holds at least %llu folders (limit %lld; counting stopped: %s)",
						  f->worst_path, (unsigned long long)f->worst_count,
						  limit, err->msg);
		else if (rc < 0)
			evidence_warn(ev, "cause4: counting stopped: %s", err->msg);
		rc = 0;
	} else if (rc == 0) {
		res->status = STATUS_ABSENT;
	}
	return rc < 0 ? rc : 0;
}

static const struct param_def framework_params[] = {
	{ "roots", PARAM_ARRAY, 0, "[s]" },
	{ "limit", PARAM_INT, 0, "i" },
	{ NULL, 0, 0, NULL },
};
static const char *const framework_folders_vars[] = { "worst_path", "worst_count", "worst_top", "worst_top_count", "limit", "temp_path", "webconfig", "versions", NULL };
const struct check_def check_def_framework_folders = {
	"framework_folders", framework_folders, framework_params, framework_folders_vars, 0,
};

/* ---- finding: junctions on the writer's paths -------------------------- */

static const char *const default_junction_paths[] = {
	"Users", "ProgramData", "Program Files", "Program Files (x86)",
	"%SystemRoot%\\WinSxS",
};

struct jn_check {
	const struct evidence *ev;
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
	rc = fs_stat(c->ev->fs, path, &st, &e2);
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
	if (fs_info(c->ev->fs)->kind == FS_NTFS &&
	    st.reparse_tag != FS_REPARSE_MOUNT_POINT && st.reparse_tag != FS_REPARSE_SYMLINK)
		return;
	target[0] = '\0';
	err_init(&e2);
	if (fs_reparse_target(c->ev->fs, path, target, sizeof(target), &e2) != 1)
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

static int winsxs_junction(const struct evidence *ev, const struct rule *r,
			   struct result *res, struct err *err)
{
	struct jn_check c;
	json_t *list, *v;
	size_t i;
	char joined[1024] = "";

	memset(&c, 0, sizeof(c));
	c.ev = ev;
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
		if (!raw || !(p = vol_path(ev, raw, pbuf, sizeof(pbuf), &e2)))
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
	"winsxs_junction", winsxs_junction, junction_params, winsxs_junction_vars, 0,
};
