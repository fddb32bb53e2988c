/* Helpers the registry judges share (registry_util.h). */
#define _GNU_SOURCE
#include "registry_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "sddl.h"
#include "secdesc.h"

#define RIGHTS_MAX 256

const char *const checks_writer_default[] = {
	"S-1-5-20", "S-1-5-6", "S-1-5-11", "S-1-1-0", "S-1-5-32-545", "S-1-5-15",
	"service:CryptSvc", NULL,
};

int checks_open_system(const struct evidence *ev, struct registry **reg,
		       struct hive **sys, struct err *err)
{
	int rc = registry_get(ev, reg, err);

	if (rc < 0)
		return rc;
	return registry_system(*reg, sys, err);
}

json_t *checks_registry_item(const struct reg_hive_info *hi, const char *path)
{
	json_t *ev = json_object();

	json_object_set_new(ev, "kind", json_string("registry"));
	json_object_set_new(ev, "hive", json_string(hi->name));
	json_object_set_new(ev, "path", json_string(path));
	if (hi->replayed)
		json_object_set_new(ev, "replayed", json_true());
	return ev;
}

json_t *checks_rights_json(uint32_t mask)
{
	char buf[RIGHTS_MAX];

	access_rights_names(mask, ACCESS_SERVICE, buf, sizeof(buf));
	return json_string(buf);
}

int checks_rights_from(json_t *arr, uint32_t def, uint32_t *out,
		       struct err *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr)) {
		*out = def;
		return 0;
	}
	*out = 0;
	json_array_foreach(arr, i, v) {
		const char *code = json_string_value(v);
		struct secdesc sd;
		char *text = NULL;
		int rc;

		if (!code || strlen(code) > 128)
			return err_set(err, -E_USAGE, "rights: element %zu is not a rights string", i);
		if (asprintf(&text, "D:(A;;%s;;;WD)", code) < 0)
			return err_set(err, -E_NOMEM, "out of memory");
		rc = sddl_decode(text, &sd, NULL, err);
		free(text);
		if (rc == 0 && sd.dacl.count == 1)
			*out |= access_map_generic(sd.dacl.aces[0].mask, ACCESS_SERVICE);
		secdesc_release(&sd);
		if (rc < 0)
			return err_wrap(err, "rights '%s'", code);
	}
	return 0;
}

void checks_join_add(char *buf, size_t size, const char *item, size_t *n)
{
	size_t l = strlen(buf);

	if (*n < 20)
		snprintf(buf + l, size - l, "%s%s", *n ? ", " : "", item);
	(*n)++;
}

void checks_join_finish(char *buf, size_t size, size_t n)
{
	size_t l = strlen(buf);

	if (n > 20)
		snprintf(buf + l, size - l, " and %zu more", n - 20);
}

int checks_services_verdict(struct result *res, int bad, unsigned unreadable,
			    const char *first_bad, struct err *err)
{
	if (bad) {
		res->status = STATUS_PRESENT;
		return 0;
	}
	if (unreadable)
		return err_set(err, -E_CORRUPT, "%u service key(s) could not be read: %s",
			       unreadable, first_bad);
	res->status = STATUS_ABSENT;
	return 0;
}
