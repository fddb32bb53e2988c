/* Cause 1: the WinSxS objects the System Writer enumerates, judged by
 * their security descriptors against the writer's token (DOMAIN.md cause
 * 1; rules/README.md "cause1" says what it reads and what its evidence
 * looks like).  The walk streams: a folder's entries are judged inside the
 * fs_readdir callback, and only counts, the current path and the first
 * LIMIT_EVIDENCE_ITEMS findings are kept. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "acl_util.h"
#include "checks.h"
#include "file_acl.h"
#include "judge_util.h"
#include "limits.h"
#include "sddl.h"
#include "secdesc.h"
#include "sid.h"
#include "windir.h"

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
	"S-1-5-15", "service:CryptSvc", NULL,
};
/* LocalSystem's token: SYSTEM, Administrators, Everyone, Authenticated
 * Users (shown next to the writer's for comparison, not judged). */
static const char *const system_token[] = {
	"S-1-5-18", "S-1-5-32-544", "S-1-1-0", "S-1-5-11", NULL,
};

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
	uint32_t need = is_dir ? NEED_FOLDER : NEED_FILE, wr, sy;
	enum access_object obj = is_dir ? ACCESS_DIRECTORY : ACCESS_FILE;
	int rc, denied;

	rc = file_acl_read(w->ev, path, inode, by_inode, &sd, err);
	if (rc == 0)
		rc = err_set(err, -E_NOTFOUND, "vanished while listed");
	if (rc < 0)
		return err_wrap(err, "'%s': descriptor", path);
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
	json_t *paths = NULL, *v, *sum;
	char windir[LIMIT_PATH_LEN];
	size_t i;
	int rc = 0;

	snprintf(windir, sizeof(windir), "%s", evidence_system_root(ev));
	json_object_set_new(res->vars, "windir", json_string(windir));
	if (!fi->descriptors) {
		res->status = STATUS_UNKNOWN;
		res->summary = judge_printf("the WinSxS descriptors could not be read: %s",
					  fi->descriptors_why[0] ? fi->descriptors_why :
					  "this source gives no security descriptors");
		return 0;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(err, -E_NOMEM, "out of memory");
	w->ev = ev;
	w->res = res;
	paths = judge_param_list(r, "paths", default_winsxs_paths, ARRAY_LEN(default_winsxs_paths));
	if (!paths) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = acl_token_from(rule_param(r, "writer_token"), default_writer_token,
			    "writer_token", &w->writer, err);
	if (rc == 0)
		rc = acl_token_from(NULL, system_token, "writer_token", &w->system, err);
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
		p = judge_vol_path(ev, raw, pbuf, sizeof(pbuf), &e2);
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
		res->summary = judge_printf("%lu WinSxS object(s) could not be read: %s",
					  w->unreadable, w->first_error.msg);
	} else {
		res->status = STATUS_ABSENT;
	}
out:
	json_decref(w->first_denied);
	json_decref(paths);
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

