/* Cause 1: the WinSxS objects the System Writer enumerates, judged by
 * their security descriptors against the writer's token (DOMAIN.md cause
 * 1; rules/README.md "cause1" says what it reads and what its evidence
 * looks like).  The walk (src/evidence's file_acl_winsxs_walk) streams:
 * each object is judged in its callback, and only counts and the first
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

/* LocalSystem's token is shown next to the writer's for comparison, not
 * judged; what the writer needs and its token are file_acl.h's. */

struct acl_walk {
	const struct evidence *ev;
	struct result *res;
	struct token system;
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

/* Judge one object the walk read.  Evidence: always for a walked path
 * itself, else for the first LIMIT_EVIDENCE_ITEMS denied objects. */
static void acl_object(struct acl_walk *w, const struct file_acl_obj *o)
{
	uint32_t sy = access_effective(o->sd, &w->system, o->is_dir ? ACCESS_DIRECTORY : ACCESS_FILE);
	int denied = (o->need & ~o->writer) != 0;

	w->checked++;
	if (denied) {
		w->denied++;
		if (!w->first_denied)
			w->first_denied = json_string(o->path);
	}
	if (o->top || (denied && w->listed < LIMIT_EVIDENCE_ITEMS)) {
		json_array_append_new(w->res->evidence,
				      acl_evidence(o->path, o->is_dir, o->sd, o->need, o->writer, sy));
		if (denied)
			w->listed++;
	}
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

static int acl_seen(void *ctx, const struct file_acl_obj *o, struct err *err)
{
	struct acl_walk *w = ctx;
	json_t *e;

	(void)err;
	switch (o->seen) {
	case FILE_ACL_OBJECT:
		acl_object(w, o);
		break;
	case FILE_ACL_UNREADABLE:
		acl_unreadable(w, o->path, o->error);
		break;
	case FILE_ACL_ABSENT:
		/* nothing to be denied: the writer finds no such object */
		e = json_object();
		json_object_set_new(e, "kind", json_string("file"));
		json_object_set_new(e, "path", json_string(o->path));
		json_object_set_new(e, "verdict", json_string("absent on the volume"));
		json_array_append_new(w->res->evidence, e);
		break;
	}
	return 0;
}

static int winsxs_acl(const struct evidence *ev, const struct rule *r, struct result *res,
		      struct err *err)
{
	const struct fs_info *fi = fs_info(ev->fs);
	struct acl_walk *w;
	json_t *sum;
	char windir[LIMIT_PATH_LEN];
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
	rc = acl_token_from(NULL, file_acl_system_token, "writer_token", &w->system, err);
	if (rc == 0)
		rc = file_acl_winsxs_walk(ev, rule_param(r, "paths"), rule_param(r, "writer_token"),
					  acl_seen, w, err);
	if (rc < 0)
		goto out;

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

