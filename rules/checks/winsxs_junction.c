/* The winsxs-junction finding: junctions on the paths the System Writer
 * walks (rules/README.md "winsxs_junction"). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "judge_util.h"
#include "limits.h"
#include "windir.h"

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
	list = judge_param_list(r, "paths", default_junction_paths, ARRAY_LEN(default_junction_paths));
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
		if (!raw || !(p = judge_vol_path(ev, raw, pbuf, sizeof(pbuf), &e2)))
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
		res->summary = judge_printf("the paths could not be checked: %s", c.first_error.msg);
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
