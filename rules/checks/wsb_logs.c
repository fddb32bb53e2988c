/* wsb-log-errors: the files Windows Server Backup's own logs say it could
 * not back up (Windows\Logs\WindowsServerBackup\*.log), each tied to the
 * cause or finding it proves (parsers/wsblog.c: a WinSxS path with access
 * denied is cause 1, a path syntax error an ImagePath the writer could not
 * parse, a missing file a missing service binary). */
#define _GNU_SOURCE
#include <stdio.h>
#include <string.h>

#include "checks.h"
#include "limits.h"
#include "wsblogs.h"

static int wsb_logs(const struct evidence *ev, const struct rule *r, struct result *res, struct err *err)
{
	const struct wsblogs *w;
	json_t *proves = json_array(), *e, *sum;
	char joined[256] = "", first[600] = "";
	size_t i;
	int rc;

	(void)r;
	rc = wsblogs_get(ev, &w, err);
	if (rc < 0) {
		json_decref(proves);
		return rc;
	}
	sum = json_pack("{s:s, s:s, s:b, s:I, s:I}", "kind", "summary", "path", w->dir,
			"folder", w->folder, "logs", (json_int_t)w->files, "failed_files", (json_int_t)w->total);
	if (sum && w->skipped) {
		json_object_set_new(sum, "skipped", json_integer(w->skipped));
		json_object_set_new(sum, "skipped_why", json_string(w->skipped_why));
	}
	if (sum && !w->folder)
		json_object_set_new(sum, "note", json_string("no Windows Server Backup logs on this volume"));
	json_array_append_new(res->evidence, sum);
	json_array_foreach(w->entries, i, e) {
		const char *p = json_string_value(json_object_get(e, "proves"));
		size_t k;
		json_t *v;
		int seen = 0;

		if (i < LIMIT_EVIDENCE_ITEMS)
			json_array_append(res->evidence, e);
		if (i == 0) {
			const char *code = json_string_value(json_object_get(e, "code"));

			snprintf(first, sizeof(first), "%.400s (%s)", json_string_value(json_object_get(e, "file_path")),
				 code ? code : "no code");
		}
		if (!p)
			continue;
		json_array_foreach(proves, k, v)
			if (strcmp(json_string_value(v), p) == 0)
				seen = 1;
		if (!seen) {
			size_t l = strlen(joined);

			json_array_append_new(proves, json_string(p));
			snprintf(joined + l, sizeof(joined) - l, "%s%s", l ? ", " : "", p);
		}
	}
	if (json_array_size(w->entries) > LIMIT_EVIDENCE_ITEMS)
		json_array_append_new(res->evidence, json_pack("{s:s, s:s, s:I}", "kind", "note", "text",
			"more failed files not listed", "count",
			(json_int_t)(w->total - LIMIT_EVIDENCE_ITEMS)));
	json_object_set_new(res->vars, "count", json_integer((json_int_t)w->total));
	json_object_set_new(res->vars, "first", json_string(first));
	json_object_set_new(res->vars, "proves", json_string(joined[0] ? joined : "no known cause"));
	json_object_set_new(res->vars, "finding", proves);
	if (w->total) {
		res->status = STATUS_PRESENT;
		return 0;
	}
	if (w->skipped)
		return err_set(err, -E_LIMIT, "Windows Server Backup logs not read: %s", w->skipped_why);
	res->status = STATUS_ABSENT;
	return 0;
}

static const struct param_def wsb_params[] = {
	{ NULL, 0, 0, NULL },
};

static const char *const wsb_logs_vars[] = { "count", "first", "proves", "finding", NULL };
const struct check_def check_def_wsb_logs = {
	"wsb_logs", wsb_logs, wsb_params, wsb_logs_vars, 0,
};
