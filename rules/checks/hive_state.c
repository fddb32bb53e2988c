/* hive-dirty: SYSTEM or SOFTWARE dirty (sequence numbers differ or the
 * checksum is bad), and where the verdicts come from (the primary file,
 * or the hive replayed with its transaction logs). */
#include <stdio.h>
#include <string.h>

#include "registry_util.h"

static int hive_state(const struct evidence *ev, const struct rule *r, struct result *res,
		      struct err *err)
{
	const struct reg_hive_info *his[2];
	struct registry *reg = NULL;
	char hives[64] = "", view[700] = "";
	size_t i, n = 0;
	int rc;

	(void)r;
	if ((rc = registry_get(ev, &reg, err)) < 0)
		return rc;
	his[0] = &reg->system;
	his[1] = &reg->software;
	for (i = 0; i < 2; i++) {
		const struct reg_hive_info *hi = his[i];
		size_t l;

		json_array_append_new(res->evidence, registry_hive_json(hi));
		if (!hi->dirty)
			continue;
		l = strlen(hives);
		snprintf(hives + l, sizeof(hives) - l, "%s%s", n ? " and " : "", hi->name);
		l = strlen(view);
		snprintf(view + l, sizeof(view) - l, "%s%s%s%s", n ? "; " : "",
			 reg->system.dirty && reg->software.dirty ? hi->name : "",
			 reg->system.dirty && reg->software.dirty ? ": " : "", hi->view);
		n++;
	}
	json_object_set_new(res->vars, "hives", json_string(hives));
	json_object_set_new(res->vars, "view", json_string(view));
	if (n) {
		res->status = STATUS_PRESENT;
		return 0;
	}
	for (i = 0; i < 2; i++) {
		struct hive *h;

		if (his[i]->state != REG_HIVE_OK)
			return i == 0 ? registry_system(reg, &h, err) : registry_software(reg, &h, err);
	}
	res->status = STATUS_ABSENT;
	return 0;
}

static const struct param_def no_params[] = {
	{ NULL, 0, 0, NULL },
};

static const char *const hive_state_vars[] = { "hives", "view", NULL };
const struct check_def check_def_hive_state = {
	"hive_state", hive_state, no_params, hive_state_vars, 0,
};
