/* Registry values decoded by our own code, no libregf (registry.h
 * "decoding values"): REG_DWORD, REG_SZ / REG_EXPAND_SZ, REG_MULTI_SZ,
 * UTF-16LE and FILETIME. */
#define _GNU_SOURCE
#include "registry.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "limits.h"

static int put_utf8(char *o, uint32_t c)
{
	if (c < 0x80) {
		o[0] = (char)c;
		return 1;
	}
	if (c < 0x800) {
		o[0] = (char)(0xC0 | (c >> 6));
		o[1] = (char)(0x80 | (c & 0x3F));
		return 2;
	}
	if (c < 0x10000) {
		o[0] = (char)(0xE0 | (c >> 12));
		o[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		o[2] = (char)(0x80 | (c & 0x3F));
		return 3;
	}
	o[0] = (char)(0xF0 | (c >> 18));
	o[1] = (char)(0x80 | ((c >> 12) & 0x3F));
	o[2] = (char)(0x80 | ((c >> 6) & 0x3F));
	o[3] = (char)(0x80 | (c & 0x3F));
	return 4;
}

/* Decode UTF-16LE units [p, p+len) up to a NUL unit; *used gets the bytes
 * consumed including the NUL (len when none). */
static char *utf16_decode(const uint8_t *p, size_t len, size_t *used)
{
	size_t units = len / 2, i, o = 0;
	char *out = malloc(units * 3 + 1);

	if (!out)
		return NULL;
	for (i = 0; i < units; i++) {
		uint32_t c = le16(p + 2 * i);

		if (c == 0) {
			i++;
			break;
		}
		if (c >= 0xD800 && c <= 0xDBFF && i + 1 < units) {
			uint32_t d = le16(p + 2 * i + 2);

			if (d >= 0xDC00 && d <= 0xDFFF) {
				c = 0x10000 + ((c - 0xD800) << 10) + (d - 0xDC00);
				i++;
			} else {
				c = 0xFFFD;
			}
		} else if (c >= 0xD800 && c <= 0xDFFF) {
			c = 0xFFFD;
		}
		o += (size_t)put_utf8(out + o, c);
	}
	out[o] = '\0';
	if (used)
		*used = i * 2 > len ? len : i * 2;
	return out;
}

char *utf16le_to_utf8(const uint8_t *p, size_t len)
{
	return utf16_decode(p, len, NULL);
}

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
	*out = utf16_decode(v->data, v->len, NULL);
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
		char *s = utf16_decode(v->data + off, v->len - off, &used), **nl;

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

void filetime_iso8601(uint64_t ft, char *buf, size_t size)
{
	/* 11644473600 s between 1601-01-01 and 1970-01-01 */
	const uint64_t epoch = 116444736000000000ull;
	struct tm tm;
	time_t t;

	if (size)
		buf[0] = '\0';
	if (ft <= epoch || ft / 10000000ull - 11644473600ull > 253402300799ull)
		return;
	t = (time_t)(ft / 10000000ull - 11644473600ull);
	if (!gmtime_r(&t, &tm))
		return;
	strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}
