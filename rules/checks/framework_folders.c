/* Cause 4: folders under Microsoft.NET\Framework (DOMAIN.md cause 4;
 * rules/README.md "cause4"). */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "framework.h"
#include "judge_util.h"
#include "limits.h"
#include "windir.h"

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
	snprintf(windir, sizeof(windir), "%s", evidence_system_root(ev));
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

		json_object_set_new(res->vars, "temp_path", judge_real_path(windir, f->worst_temp));
		snprintf(cfg, sizeof(cfg), "%s\\CONFIG\\Web.config", f->worst_path);
		json_object_set_new(res->vars, "webconfig", judge_real_path(windir, cfg));
	}
	rc = f->rc;
	*err = f->err;
	if (f->worst_path && limit >= 0 && f->worst_count >= (uint64_t)limit) {
		/* a count stopped by a limit is a lower bound: enough to say so */
		res->status = STATUS_PRESENT;
		if (f->worst_incomplete)
			res->summary = judge_printf("%s holds at least %llu folders (limit %lld; counting stopped: %s)",
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

