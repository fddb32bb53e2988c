/* Registry values decoded by our own code, no libregf (registry.h
 * "decoding values"): REG_DWORD, REG_SZ / REG_EXPAND_SZ, REG_MULTI_SZ
 * (UTF-16LE through parsers/utf16.h). */
#define _GNU_SOURCE
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"
#include "utf16.h"

int reg_value_dword(const struct reg_value *v, uint32_t *out, struct err *err)
{
	if ((v->type == REGV_DWORD || v->type == REGV_BINARY) && v->len >= 4) {
		/* Windows reads the first 4 bytes of a longer REG_DWORD too */
		*out = le32(v->data);
		return 0;
	}
	return err_set(err, -E_CORRUPT, "not a REG_DWORD (type %u, %zu bytes)", v->type, v->len);
}

int reg_value_string(const struct reg_value *v, char **out, struct err *err)
{
	*out = NULL;
	if (v->type != REGV_SZ && v->type != REGV_EXPAND_SZ && v->type != REGV_MULTI_SZ)
		return err_set(err, -E_CORRUPT, "not a string (type %u)", v->type);
	*out = utf16le_to_utf8(v->data, v->len, NULL);
	return *out ? 0 : err_set(err, -E_NOMEM, "out of memory");
}

void reg_strv_free(char **v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; v[i]; i++)
		free(v[i]);
	free(v);
}

int reg_value_multi(const struct reg_value *v, char ***out, size_t *n,
		    struct err *err)
{
	char **list;
	size_t off = 0, count = 0;

	*out = NULL;
	*n = 0;
	if (v->type != REGV_MULTI_SZ && v->type != REGV_SZ && v->type != REGV_EXPAND_SZ)
		return err_set(err, -E_CORRUPT, "not a REG_MULTI_SZ (type %u)", v->type);
	list = calloc(1, sizeof(*list));
	if (!list)
		return err_set(err, -E_NOMEM, "out of memory");
	while (off + 1 < v->len) {
		size_t used = 0;
		char *s = utf16le_to_utf8(v->data + off, v->len - off, &used), **nl;

		if (!s)
			goto nomem;
		if (used == 0)
			used = 2;
		off += used;
		if (!s[0]) {
			free(s);
			if (v->type != REGV_MULTI_SZ)
				break;
			continue;   /* Windows stops at "", tolerate stray ones */
		}
		if (count >= LIMIT_REG_MULTI_SZ) {
			free(s);
			reg_strv_free(list);
			return err_set(err, -E_LIMIT, "over LIMIT_REG_MULTI_SZ strings");
		}
		nl = realloc(list, (count + 2) * sizeof(*list));
		if (!nl) {
			free(s);
			goto nomem;
		}
		list = nl;
		list[count++] = s;
		list[count] = NULL;
		if (v->type != REGV_MULTI_SZ)
			break;
	}
	*out = list;
	*n = count;
	return 0;
nomem:
	reg_strv_free(list);
	return err_set(err, -E_NOMEM, "out of memory");
}

int hkey_get_dword(struct hkey *k, const char *name, uint32_t *out,
		   struct err *err)
{
	struct reg_value v;
	int rc = hkey_value(k, name, &v, err);

	if (rc <= 0)
		return rc;
	rc = reg_value_dword(&v, out, err);
	reg_value_release(&v);
	return rc < 0 ? err_wrap(err, "value '%s'", name) : 1;
}

int hkey_get_string(struct hkey *k, const char *name, char **out,
		    struct err *err)
{
	struct reg_value v;
	int rc;

	*out = NULL;
	rc = hkey_value(k, name, &v, err);
	if (rc <= 0)
		return rc;
	rc = reg_value_string(&v, out, err);
	reg_value_release(&v);
	return rc < 0 ? err_wrap(err, "value '%s'", name) : 1;
}

int hkey_get_multi(struct hkey *k, const char *name, char ***out, size_t *n,
		   struct err *err)
{
	struct reg_value v;
	int rc;

	*out = NULL;
	*n = 0;
	rc = hkey_value(k, name, &v, err);
	if (rc <= 0)
		return rc;
	rc = reg_value_multi(&v, out, n, err);
	reg_value_release(&v);
	return rc < 0 ? err_wrap(err, "value '%s'", name) : 1;
}

