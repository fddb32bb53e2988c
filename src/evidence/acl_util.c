/* Tokens, rights and SDDL for the issue 18 descriptor findings (see
 * acl_util.h). */
#define _GNU_SOURCE
#include "acl_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sddl.h"
#include "sid.h"
#include "svcsid.h"

int acl_token_from(json_t *arr, const char *const *def, const char *what,
		   struct token *t, struct err *err)
{
	size_t i, n = json_is_array(arr) ? json_array_size(arr) : 0;

	memset(t, 0, sizeof(*t));
	for (i = 0; json_is_array(arr) ? i < n : def[i] != NULL; i++) {
		const char *v = json_is_array(arr) ? json_string_value(json_array_get(arr, i)) : def[i];
		int rc;

		if (!v)
			return err_set(err, -E_USAGE, "%s: element %zu is not a string", what, i);
		if (strncasecmp(v, "service:", 8) == 0) {
			struct sid sid;

			rc = svcsid_from_name(v + 8, &sid, err);
			if (rc == 0)
				rc = token_add_sid(t, &sid, err);
		} else {
			rc = token_add(t, v, err);
		}
		if (rc < 0)
			return err_wrap(err, "%s '%s'", what, v);
	}
	return 0;
}

/* The bit access_rights_names() calls word for obj, 0 when none. */
static uint32_t right_named(const char *word, enum access_object obj)
{
	char buf[64];
	unsigned b;

	if (strcasecmp(word, "ALL_ACCESS") == 0)
		return access_all(obj);
	for (b = 0; b < 32; b++) {
		if (access_rights_names(1u << b, obj, buf, sizeof(buf)) == 0 &&
		    strcasecmp(buf, word) == 0)
			return 1u << b;
	}
	return 0;
}

int acl_rights_from(json_t *arr, enum access_object obj, uint32_t def,
		    uint32_t *out, struct err *err)
{
	size_t i;
	json_t *v;

	if (!json_is_array(arr)) {
		*out = def;
		return 0;
	}
	*out = 0;
	json_array_foreach(arr, i, v) {
		const char *w = json_string_value(v);
		uint32_t bit;

		if (!w)
			return err_set(err, -E_USAGE, "rights: element %zu is not a string", i);
		if (strncasecmp(w, "0x", 2) == 0) {
			char *end;
			unsigned long x = strtoul(w + 2, &end, 16);

			if (*end || end == w + 2 || x > 0xffffffffUL)
				return err_set(err, -E_USAGE, "rights: '%s' is not a number", w);
			bit = (uint32_t)x;
		} else {
			bit = right_named(w, obj);
		}
		if (!bit)
			return err_set(err, -E_USAGE, "rights: unknown right '%s'", w);
		*out |= bit;
	}
	return 0;
}

json_t *acl_rights_json(uint32_t mask, enum access_object obj)
{
	char buf[512];

	access_rights_names(mask, obj, buf, sizeof(buf));
	return json_string(buf);
}

json_t *acl_sddl_json(const struct secdesc *sd)
{
	struct err e;
	char *text = NULL;
	json_t *j;

	err_init(&e);
	if (sddl_encode(sd, SDDL_RIGHTS_SERVICE, &text, &e) < 0)
		return json_sprintf("(%s)", e.msg);
	j = json_string(text);
	free(text);
	return j;
}

void acl_account_name(const char *sid_or_alias, char *buf, size_t size)
{
	struct sid s;
	const char *name;

	if (sid_from_string(sid_or_alias, &s, NULL) < 0) {
		snprintf(buf, size, "%s", sid_or_alias);
		return;
	}
	name = sid_name(&s);
	if (name)
		snprintf(buf, size, "%s", name);
	else if (sid_to_string(&s, buf, size) < 0)
		snprintf(buf, size, "%s", sid_or_alias);
}
