/* The registry collector: the libregf adapter (hives opened from memory
 * through a libbfio memory-range handle), value decoding, and the
 * volume's SYSTEM/SOFTWARE state (dirty hives, log replay, control set,
 * Windows version).  The only file that names libregf_ and libbfio_. */
#define _GNU_SOURCE
#include "registry.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <libbfio.h>
#define LIBREGF_HAVE_BFIO 1
#include <libregf.h>

#include "bytes.h"
#include "hivelog.h"
#include "limits.h"
#include "windir.h"
#include "yal_err.h"

#define CURRENT_VERSION "Microsoft\\Windows NT\\CurrentVersion"

struct hive {
	char name[16];
	uint8_t *data;
	size_t len;
	int lent;                    /* data is the volume's, not ours to free */
	const void *cache_owner;     /* hive_cache_get/set */
	void *cache;
	void (*cache_free)(void *);
	libbfio_handle_t *bfio;
	libregf_file_t *file;
	libregf_key_t *root;
};

struct hkey {
	struct hive *h;
	libregf_key_t *k;
};

/* ---- libyal errors -> err_set (yal_err.h) ---------------------------- */

static int regf_fail(struct err *err, int code, libregf_error_t **e,
		     const char *what)
{
	char bt[4096] = "", line[1024];

	yal_err_take(e, libregf_error_backtrace_sprint, libregf_error_sprint,
		     libregf_error_free, bt, sizeof(bt));
	yal_err_ends(bt, line, sizeof(line));
	if (!what)
		return err_set(err, code, "%s", line);
	return err_set(err, code, "%s: %s", what, line);
}

static int bfio_fail(struct err *err, libbfio_error_t **e, const char *what)
{
	char bt[2048] = "", line[1024];

	yal_err_take(e, libbfio_error_sprint, NULL, libbfio_error_free, bt, sizeof(bt));
	yal_err_ends(bt, line, sizeof(line));
	return err_set(err, -E_INTERNAL, "%s: %s", what, line);
}

/* ---- hives and keys ---------------------------------------------------- */

void hive_free(struct hive *h)
{
	libregf_error_t *e = NULL;
	libbfio_error_t *be = NULL;

	if (!h)
		return;
	if (h->cache && h->cache_free)
		h->cache_free(h->cache);
	if (h->root)
		libregf_key_free(&h->root, &e);
	if (h->file) {
		libregf_file_close(h->file, &e);
		libregf_file_free(&h->file, &e);
	}
	if (h->bfio)
		libbfio_handle_free(&h->bfio, &be);
	if (e)
		libregf_error_free(&e);
	if (be)
		libbfio_error_free(&be);
	if (!h->lent)
		free(h->data);
	free(h);
}

const char *hive_name(const struct hive *h)
{
	return h->name;
}

void *hive_cache_get(const struct hive *h, const void *owner)
{
	return h->cache_owner == owner ? h->cache : NULL;
}

void hive_cache_set(struct hive *h, const void *owner, void *p,
		    void (*free_fn)(void *))
{
	if (h->cache && h->cache_free)
		h->cache_free(h->cache);
	h->cache_owner = owner;
	h->cache = p;
	h->cache_free = free_fn;
}

static int hive_open(struct hive **out, const char *name, uint8_t *data,
		     size_t len, int lent, struct err *err)
{
	struct hive *h;
	libregf_error_t *e = NULL;
	libbfio_error_t *be = NULL;
	int rc;

	*out = NULL;
	if (len > LIMIT_HIVE_SIZE) {
		if (!lent)
			free(data);
		return err_set(err, -E_LIMIT, "hive %s: %zu bytes, over LIMIT_HIVE_SIZE", name, len);
	}
	if (len < 4096 || memcmp(data, "regf", 4) != 0) {
		if (!lent)
			free(data);
		return err_set(err, -E_FORMAT, "hive %s: not a registry hive (no regf base block)", name);
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		if (!lent)
			free(data);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	snprintf(h->name, sizeof(h->name), "%s", name);
	h->data = data;
	h->len = len;
	h->lent = lent;
	if (libbfio_memory_range_initialize(&h->bfio, &be) != 1) {
		rc = bfio_fail(err, &be, "memory range");
		goto fail;
	}
	if (libbfio_memory_range_set(h->bfio, h->data, h->len, &be) != 1) {
		rc = bfio_fail(err, &be, "memory range");
		goto fail;
	}
	if (libregf_file_initialize(&h->file, &e) != 1) {
		rc = regf_fail(err, -E_NOMEM, &e, "libregf");
		goto fail;
	}
	if (libregf_file_open_file_io_handle(h->file, h->bfio, LIBREGF_OPEN_READ, &e) != 1) {
		rc = regf_fail(err, -E_CORRUPT, &e, NULL);
		libregf_file_free(&h->file, &e);
		if (e)
			libregf_error_free(&e);
		goto fail;
	}
	rc = libregf_file_get_root_key(h->file, &h->root, &e);
	if (rc != 1) {
		rc = rc == 0 ? err_set(err, -E_CORRUPT, "no root key")
			     : regf_fail(err, -E_CORRUPT, &e, NULL);
		goto fail;
	}
	*out = h;
	return 0;
fail:
	hive_free(h);
	return err_wrap(err, "hive %s", name);
}

int hive_open_memory(struct hive **out, const char *name, uint8_t *data,
		     size_t len, struct err *err)
{
	return hive_open(out, name, data, len, 0, err);
}

/* A hive read in place (fs_read_file_ref): libbfio's memory range is
 * given the volume's bytes, which stay readable FS_READ_SLACK bytes past
 * the hive's end; libregf only reads them. */
static int hive_open_lent(struct hive **out, const char *name,
			  const uint8_t *data, size_t len, struct err *err)
{
	uint8_t *p;

	/* libbfio wants a writable pointer; a memory range only reads it */
	memcpy(&p, &data, sizeof(p));
	return hive_open(out, name, p, len, 1, err);
}

static int key_new(struct hive *h, libregf_key_t *k, struct hkey **out,
		   struct err *err)
{
	libregf_error_t *e = NULL;

	*out = malloc(sizeof(**out));
	if (!*out) {
		libregf_key_free(&k, &e);
		if (e)
			libregf_error_free(&e);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	(*out)->h = h;
	(*out)->k = k;
	return 1;
}

static int sub_by_path(struct hive *h, libregf_key_t *from, const char *path,
		       struct hkey **out, struct err *err)
{
	libregf_error_t *e = NULL;
	libregf_key_t *k = NULL;
	size_t n = strlen(path);
	int rc;

	*out = NULL;
	if (n > LIMIT_PATH_LEN)
		return err_set(err, -E_LIMIT, "key path of %zu bytes, over LIMIT_PATH_LEN", n);
	while (n > 0 && path[0] == '\\') {
		path++;
		n--;
	}
	if (n == 0)
		return err_set(err, -E_INTERNAL, "empty key path");
	rc = libregf_key_get_sub_key_by_utf8_path(from, (const uint8_t *)path, n, &k, &e);
	if (rc < 0)
		return regf_fail(err, -E_CORRUPT, &e, path);
	if (rc == 0)
		return 0;
	return key_new(h, k, out, err);
}

int hive_key(struct hive *h, const char *path, struct hkey **out,
	     struct err *err)
{
	const char *p = path;

	while (*p == '\\')
		p++;
	if (*p == '\0') {
		/* the root: a handle of its own (libregf walks no empty path) */
		libregf_error_t *e = NULL;
		libregf_key_t *k = NULL;

		if (libregf_file_get_root_key(h->file, &k, &e) != 1)
			return regf_fail(err, -E_CORRUPT, &e, "root key");
		return key_new(h, k, out, err);
	}
	return sub_by_path(h, h->root, p, out, err);
}

int hkey_subkey(struct hkey *k, const char *path, struct hkey **out,
		struct err *err)
{
	return sub_by_path(k->h, k->k, path, out, err);
}

void hkey_free(struct hkey *k)
{
	libregf_error_t *e = NULL;

	if (!k)
		return;
	libregf_key_free(&k->k, &e);
	if (e)
		libregf_error_free(&e);
	free(k);
}

static int key_name_of(libregf_key_t *k, char *buf, size_t size,
		       struct err *err)
{
	libregf_error_t *e = NULL;
	size_t n = 0;

	if (libregf_key_get_utf8_name_size(k, &n, &e) != 1)
		return regf_fail(err, -E_CORRUPT, &e, "key name");
	if (n > LIMIT_REG_NAME)
		return err_set(err, -E_LIMIT, "key name of %zu bytes, over LIMIT_REG_NAME", n);
	if (n > size)
		return err_set(err, -E_LIMIT, "key name of %zu bytes, longer than %zu", n, size);
	if (n == 0) {
		if (size)
			buf[0] = '\0';
		return 0;
	}
	if (libregf_key_get_utf8_name(k, (uint8_t *)buf, size, &e) != 1)
		return regf_fail(err, -E_CORRUPT, &e, "key name");
	return 0;
}

int hkey_name(struct hkey *k, char *buf, size_t size, struct err *err)
{
	return key_name_of(k->k, buf, size, err);
}

int hkey_subkey_count(struct hkey *k, unsigned *count, struct err *err)
{
	libregf_error_t *e = NULL;
	int n = 0;

	if (libregf_key_get_number_of_sub_keys(k->k, &n, &e) != 1)
		return regf_fail(err, -E_CORRUPT, &e, "subkeys");
	if (n < 0)
		n = 0;
	*count = (unsigned)n;
	return 0;
}

int hkey_foreach_subkey(struct hkey *k, hkey_fn fn, void *ctx,
			struct err *err)
{
	libregf_error_t *e = NULL;
	char *name;
	int n = 0, i, rc = 0;

	if (libregf_key_get_number_of_sub_keys(k->k, &n, &e) != 1)
		return regf_fail(err, -E_CORRUPT, &e, "subkeys");
	if (n < 0)
		n = 0;
	if ((unsigned)n > LIMIT_REG_SUBKEYS)
		return err_set(err, -E_LIMIT, "%d subkeys, over LIMIT_REG_SUBKEYS", n);
	name = malloc(LIMIT_REG_NAME + 1);
	if (!name)
		return err_set(err, -E_NOMEM, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		struct hkey sub;

		sub.h = k->h;
		sub.k = NULL;
		if (libregf_key_get_sub_key(k->k, i, &sub.k, &e) != 1) {
			rc = regf_fail(err, -E_CORRUPT, &e, "subkey");
			err_wrap(err, "subkey %d", i);
			break;
		}
		rc = key_name_of(sub.k, name, LIMIT_REG_NAME + 1, err);
		if (rc == 0)
			rc = fn(ctx, &sub, name);
		libregf_key_free(&sub.k, &e);
		if (e)
			libregf_error_free(&e);
	}
	free(name);
	return rc;
}

void reg_value_release(struct reg_value *v)
{
	if (!v)
		return;
	free(v->data);
	memset(v, 0, sizeof(*v));
}

static int value_read(libregf_value_t *val, struct reg_value *v,
		      struct err *err)
{
	libregf_error_t *e = NULL;
	size_t n = 0;

	memset(v, 0, sizeof(*v));
	if (libregf_value_get_value_type(val, &v->type, &e) != 1)
		return regf_fail(err, -E_CORRUPT, &e, "value type");
	if (libregf_value_get_value_data_size(val, &n, &e) != 1)
		return regf_fail(err, -E_CORRUPT, &e, "value data");
	if (n > LIMIT_REG_VALUE)
		return err_set(err, -E_LIMIT, "%zu bytes of data, over LIMIT_REG_VALUE", n);
	if (n == 0)
		return 0;
	v->data = malloc(n);
	if (!v->data)
		return err_set(err, -E_NOMEM, "out of memory");
	if (libregf_value_get_value_data(val, v->data, n, &e) != 1) {
		reg_value_release(v);
		return regf_fail(err, -E_CORRUPT, &e, "value data");
	}
	v->len = n;
	return 0;
}

int hkey_value(struct hkey *k, const char *name, struct reg_value *v,
	       struct err *err)
{
	libregf_error_t *e = NULL;
	libregf_value_t *val = NULL;
	int rc;

	memset(v, 0, sizeof(*v));
	rc = libregf_key_get_value_by_utf8_name(k->k, (const uint8_t *)name,
						strlen(name), &val, &e);
	if (rc < 0)
		return regf_fail(err, -E_CORRUPT, &e, name[0] ? name : "(default)");
	if (rc == 0)
		return 0;
	rc = value_read(val, v, err);
	libregf_value_free(&val, &e);
	if (e)
		libregf_error_free(&e);
	if (rc < 0)
		return err_wrap(err, "value '%s'", name);
	return 1;
}

int hkey_security(struct hkey *k, uint8_t **sd, size_t *len, struct err *err)
{
	libregf_error_t *e = NULL;
	size_t n = 0;
	uint8_t *buf;

	*sd = NULL;
	*len = 0;
	if (libregf_key_get_security_descriptor_size(k->k, &n, &e) != 1)
		return regf_fail(err, -E_CORRUPT, &e, "security descriptor");
	if (n == 0)
		return 0;
	if (n > LIMIT_SD_SIZE)
		return err_set(err, -E_LIMIT, "security descriptor of %zu bytes, over LIMIT_SD_SIZE", n);
	buf = malloc(n);
	if (!buf)
		return err_set(err, -E_NOMEM, "out of memory");
	if (libregf_key_get_security_descriptor(k->k, buf, n, &e) != 1) {
		free(buf);
		return regf_fail(err, -E_CORRUPT, &e, "security descriptor");
	}
	*sd = buf;
	*len = n;
	return 1;
}

int hkey_foreach_value(struct hkey *k, hvalue_fn fn, void *ctx,
		       struct err *err)
{
	libregf_error_t *e = NULL;
	char *name;
	int n = 0, i, rc = 0;

	if (libregf_key_get_number_of_values(k->k, &n, &e) != 1)
		return regf_fail(err, -E_CORRUPT, &e, "values");
	if (n < 0)
		n = 0;
	if ((unsigned)n > LIMIT_REG_VALUES)
		return err_set(err, -E_LIMIT, "%d values, over LIMIT_REG_VALUES", n);
	name = malloc(LIMIT_REG_NAME + 1);
	if (!name)
		return err_set(err, -E_NOMEM, "out of memory");
	for (i = 0; i < n && rc == 0; i++) {
		libregf_value_t *val = NULL;
		struct reg_value v;
		size_t ns = 0;

		memset(&v, 0, sizeof(v));
		if (libregf_key_get_value(k->k, i, &val, &e) != 1) {
			rc = regf_fail(err, -E_CORRUPT, &e, "value");
			err_wrap(err, "value %d", i);
			break;
		}
		name[0] = '\0';
		if (libregf_value_get_utf8_name_size(val, &ns, &e) != 1)
			rc = regf_fail(err, -E_CORRUPT, &e, "value name");
		else if (ns > LIMIT_REG_NAME)
			rc = err_set(err, -E_LIMIT, "value name of %zu bytes, over LIMIT_REG_NAME", ns);
		else if (ns > 0 && libregf_value_get_utf8_name(val, (uint8_t *)name,
							       LIMIT_REG_NAME + 1, &e) != 1)
			rc = regf_fail(err, -E_CORRUPT, &e, "value name");
		if (rc == 0) {
			rc = value_read(val, &v, err);
			if (rc < 0)
				err_wrap(err, "value '%s'", name);
		}
		if (rc == 0)
			rc = fn(ctx, name, &v);
		reg_value_release(&v);
		libregf_value_free(&val, &e);
		if (e)
			libregf_error_free(&e);
	}
	free(name);
	return rc;
}

/* ---- value decoding ----------------------------------------------------- */

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

/* ---- the volume's registry ---------------------------------------------- */

static void reg_warn(struct registry *reg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void reg_warn(struct registry *reg, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(reg->warnings, json_string(buf));
}

static void add_log_name(struct reg_hive_info *hi, const char *suffix)
{
	size_t l = strlen(hi->logs);

	snprintf(hi->logs + l, sizeof(hi->logs) - l, "%s%s%s",
		 l ? ", " : "", hi->name, suffix);
}

/* Read one log file beside the hive: 1 read, 0 absent, <0 error. */
static int read_log(struct fs *fs, const struct reg_hive_info *hi,
		    const char *suffix, uint8_t **buf, size_t *len,
		    struct err *err)
{
	char path[sizeof(hi->path) + 8];

	snprintf(path, sizeof(path), "%s%s", hi->path, suffix);
	return fs_read_file(fs, path, LIMIT_HIVELOG_SIZE, buf, len, err);
}

/* Replay hi's logs onto data.  Returns the image to open (data itself
 * or the replayed copy, data then freed) and fills hi->view. */
static uint8_t *replay_logs(struct fs *fs, struct registry *reg,
			    struct reg_hive_info *hi, uint8_t *data,
			    size_t *len)
{
	uint8_t *l1 = NULL, *l2 = NULL;
	size_t l1len = 0, l2len = 0;
	struct hivelog_result res;
	struct err e;
	int rc;

	err_init(&e);
	/* XP keeps one old-format SYSTEM.LOG; Vista and later LOG1/LOG2 */
	rc = read_log(fs, hi, ".LOG1", &l1, &l1len, &e);
	if (rc == 0)
		rc = read_log(fs, hi, ".LOG", &l1, &l1len, &e);
	if (rc < 0)
		reg_warn(reg, "hive %s: cannot read its log: %s", hi->name, e.msg);
	err_init(&e);
	rc = read_log(fs, hi, ".LOG2", &l2, &l2len, &e);
	if (rc < 0)
		reg_warn(reg, "hive %s: cannot read %s.LOG2: %s", hi->name, hi->name, e.msg);
	err_init(&e);
	rc = hivelog_replay(data, *len, l1, l1len, l2, l2len, &res, &e);
	free(l1);
	free(l2);
	if (rc < 0) {
		snprintf(hi->view, sizeof(hi->view),
			 "the primary file only (log replay failed: %.180s)", e.msg);
	} else if (rc == 0 || !res.data) {
		snprintf(hi->view, sizeof(hi->view),
			 "the primary file only (no log entry applies: %.180s)",
			 res.stop[0] ? res.stop : "nothing to replay");
	} else {
		free(data);
		data = res.data;
		*len = res.len;
		res.data = NULL;
		hi->replayed = 1;
		hi->entries_applied = res.entries_applied;
		snprintf(hi->log_format, sizeof(hi->log_format), "%s", res.format);
		snprintf(hi->view, sizeof(hi->view),
			 "the hive replayed in memory with %s%s%s (%u %s-format log entr%s)",
			 (res.logs_used & HIVELOG_LOG1) ? "LOG1" : "",
			 (res.logs_used & HIVELOG_LOG1) && (res.logs_used & HIVELOG_LOG2) ? " and " : "",
			 (res.logs_used & HIVELOG_LOG2) ? "LOG2" : "",
			 res.entries_applied, res.format,
			 res.entries_applied == 1 ? "y" : "ies");
	}
	hivelog_result_release(&res);
	return data;
}

static void load_hive(struct fs *fs, struct registry *reg,
		      struct reg_hive_info *hi, const char *name, int replay)
{
	static const char *const suffixes[] = { ".LOG", ".LOG1", ".LOG2" };
	uint8_t *data = NULL, *primary = NULL;
	const uint8_t *lent = NULL;
	size_t len = 0, plen = 0, i;
	struct fs_data fd;
	struct fs_stat st;
	struct err e;
	int rc;

	snprintf(hi->name, sizeof(hi->name), "%s", name);
	snprintf(hi->path, sizeof(hi->path), "%s\\" WINDIR_CONFIG "\\%s", reg->windir, name);
	err_init(&hi->err);
	/* read in place when the volume allows (issue 22): no copy of a hive
	 * that is opened as it is; a dirty one is copied for the replay */
	rc = fs_read_file_ref(fs, hi->path, LIMIT_HIVE_SIZE, FS_READ_SLACK, &fd, &hi->err);
	data = fd.owned;
	len = fd.len;
	if (rc == 1 && !data)
		lent = fd.p;
	if (rc <= 0)
		fs_data_release(&fd);
	if (rc == 0) {
		hi->state = REG_HIVE_ABSENT;
		err_set(&hi->err, -E_NOTFOUND, "'%s' is absent", hi->path);
		reg_warn(reg, "hive %s: '%s' is absent", name, hi->path);
		return;
	}
	if (rc < 0) {
		hi->state = REG_HIVE_BAD;
		err_wrap(&hi->err, "'%s'", hi->path);
		reg_warn(reg, "hive %s cannot be read: %s", name, hi->err.msg);
		return;
	}
	hi->size = len;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char path[sizeof(hi->path) + 8];

		err_init(&e);
		snprintf(path, sizeof(path), "%s%s", hi->path, suffixes[i]);
		if (fs_stat(fs, path, &st, &e) == 1 && !st.is_dir && st.size > 0)
			add_log_name(hi, suffixes[i]);
	}
	snprintf(hi->view, sizeof(hi->view), "the primary file");
	if (len >= 4096 && memcmp(lent ? lent : data, "regf", 4) == 0) {
		const uint8_t *b = lent ? lent : data;

		/* base block (REGF format document, "File header"):
		 * 0x04 primary sequence number, 0x08 secondary sequence
		 * number, 0x1fc XOR-32 checksum of the first 508 bytes */
		hi->seq1 = le32(b + 0x04);
		hi->seq2 = le32(b + 0x08);
		hi->checksum_bad = le32(b + 0x1FC) != hivelog_checksum(b);
		hi->dirty = hi->seq1 != hi->seq2 || hi->checksum_bad;
	}
	if (lent && hi->dirty && replay && hi->logs[0]) {
		/* the replay path works on a copy, as it always did */
		data = calloc(1, len + FS_READ_SLACK);
		if (!data) {
			hi->state = REG_HIVE_BAD;
			err_set(&hi->err, -E_NOMEM, "out of memory");
			reg_warn(reg, "hive %s cannot be read: %s", name, hi->err.msg);
			return;
		}
		memcpy(data, lent, len);
		lent = NULL;
	}
	if (hi->dirty) {
		if (!replay)
			snprintf(hi->view, sizeof(hi->view), "the primary file only (--no-replay)");
		else if (!hi->logs[0])
			snprintf(hi->view, sizeof(hi->view),
				 "the primary file only (no transaction logs beside it)");
		else {
			/* keep the primary in case the replayed image does
			 * not open */
			primary = malloc(len);
			if (primary) {
				memcpy(primary, data, len);
				plen = len;
			}
			data = replay_logs(fs, reg, hi, data, &len);
		}
	}
	err_init(&hi->err);
	if (lent)
		rc = hive_open_lent(&hi->hive, name, lent, len, &hi->err);
	else
		rc = hive_open_memory(&hi->hive, name, data, len, &hi->err);
	if (rc < 0 && hi->replayed && primary) {
		reg_warn(reg, "hive %s: the replayed hive cannot be opened (%s); using the primary file",
			 name, hi->err.msg);
		hi->replayed = 0;
		snprintf(hi->view, sizeof(hi->view),
			 "the primary file only (the replayed hive did not open)");
		err_init(&hi->err);
		rc = hive_open_memory(&hi->hive, name, primary, plen, &hi->err);
		primary = NULL;
	}
	free(primary);
	if (rc < 0) {
		hi->state = REG_HIVE_BAD;
		{
			/* "hive SYSTEM: why" -> "hive SYSTEM cannot be read: why" */
			const char *why = hi->err.msg;
			size_t pl = strlen(name) + 7;

			if (strncmp(why, "hive ", 5) == 0 && strlen(why) > pl)
				why += pl;
			reg_warn(reg, "hive %s cannot be read: %s", name, why);
		}
		return;
	}
	hi->state = REG_HIVE_OK;
	if (hi->dirty)
		reg_warn(reg, "hive %s is dirty (sequence numbers %u/%u%s; logs: %s): verdicts come from %s",
			 name, hi->seq1, hi->seq2, hi->checksum_bad ? ", bad checksum" : "",
			 hi->logs[0] ? hi->logs : "none", hi->view);
}

static void copy_str(struct hkey *k, const char *name, char *buf, size_t size)
{
	struct err e;
	char *v = NULL;

	err_init(&e);
	if (hkey_get_string(k, name, &v, &e) == 1)
		snprintf(buf, size, "%s", v);
	free(v);
}

static void load_select(struct registry *reg)
{
	struct reg_hive_info *hi = &reg->system;
	struct hkey *k = NULL;
	struct err e;
	uint32_t v;
	int rc;

	err_init(&e);
	rc = hive_key(hi->hive, "Select", &k, &e);
	if (rc == 1) {
		if (hkey_get_dword(k, "Current", &v, &e) == 1) {
			reg->have_select = 1;
			reg->current = v;
		}
		if (hkey_get_dword(k, "Default", &v, &e) == 1)
			reg->def = v;
		if (hkey_get_dword(k, "LastKnownGood", &v, &e) == 1)
			reg->last_known_good = v;
		hkey_free(k);
		k = NULL;
	}
	if (reg->have_select && reg->current > 0 && reg->current < 1000) {
		snprintf(reg->control_set, sizeof(reg->control_set), "ControlSet%03u", reg->current);
	} else {
		reg->have_select = 0;
		snprintf(reg->control_set, sizeof(reg->control_set), "ControlSet001");
		reg_warn(reg, "hive SYSTEM: no usable Select\\Current; trying ControlSet001");
	}
	err_init(&e);
	rc = hive_key(hi->hive, reg->control_set, &k, &e);
	hkey_free(k);
	if (rc == 1) {
		if (reg->have_select &&
		    ((reg->def && reg->def != reg->current) ||
		     (reg->last_known_good && reg->last_known_good != reg->current)))
			reg_warn(reg, "control sets differ: Current=%u, Default=%u, LastKnownGood=%u; judging %s",
				 reg->current, reg->def, reg->last_known_good, reg->control_set);
		return;
	}
	/* the hive opened but its control set cannot be used */
	hi->state = REG_HIVE_BAD;
	if (rc < 0)
		err_set(&hi->err, e.code, "hive SYSTEM: %s: %s", reg->control_set, e.msg);
	else
		err_set(&hi->err, -E_NOTFOUND, "hive SYSTEM: no %s (Select\\Current = %u)",
			reg->control_set, reg->current);
	reg_warn(reg, "hive SYSTEM cannot be used: %s", hi->err.msg);
	reg->control_set[0] = '\0';
}

/* No SystemRoot known: the folder that holds the hives, on C:. */
static void default_root(struct registry *reg)
{
	snprintf(reg->systemroot, sizeof(reg->systemroot), "C:\\%.*s", (int)sizeof(reg->systemroot) - 4,
		 reg->windir);
	reg->systemroot_from[0] = '\0';
}

/* ---- the boot configuration (BCD) -------------------------------------
 * Boot\BCD is a registry hive: Objects\{GUID}\Elements\<type>\Element.
 * A Windows Boot Loader object (Description\Type 0x10200003) holds its
 * SystemRoot as element 0x22000002 (a string: "\WINNT"); the loader
 * starts the installation whose hive lives under that folder.  The
 * volume's own Boot\BCD is read first (BIOS installs without a separate
 * system partition keep it there), then that of each other NTFS volume of
 * the image (a "System Reserved" partition); the element naming the folder
 * that holds the hives gives SystemRoot on C:.  An EFI system partition
 * (FAT) is not read. */

struct bcd_ctx {
	const char *windir;
	char found[260];
	unsigned loaders;
};

static int bcd_object(void *ctx, struct hkey *obj, const char *name)
{
	struct bcd_ctx *c = ctx;
	struct hkey *el = NULL;
	char *v = NULL, letter, folder[LIMIT_WINDIR_LEN];
	struct err e;

	(void)name;
	err_init(&e);
	if (hkey_subkey(obj, "Elements\\22000002", &el, &e) == 1 &&
	    hkey_get_string(el, "Element", &v, &e) == 1 && v[0]) {
		c->loaders++;
		windir_split(v, &letter, folder, sizeof(folder));
		if (!c->found[0] && folder[0] && strcasecmp(folder, c->windir) == 0)
			snprintf(c->found, sizeof(c->found), "C:\\%.*s", (int)sizeof(c->found) - 4, folder);
	}
	free(v);
	hkey_free(el);
	return 0;
}

static void load_bcd_root(struct fs *fs, struct registry *reg, const char *where)
{
	struct bcd_ctx c = { reg->windir, "", 0 };
	struct hive *h = NULL;
	struct hkey *objs = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	struct err e;

	err_init(&e);
	if (fs_read_file(fs, "Boot\\BCD", LIMIT_BCD_SIZE, &data, &len, &e) != 1)
		return;
	if (hive_open_memory(&h, "BCD", data, len, &e) < 0) {
		reg_warn(reg, "boot configuration %s cannot be read: %s", where, e.msg);
		return;
	}
	if (hive_key(h, "Objects", &objs, &e) == 1 &&
	    hkey_foreach_subkey(objs, bcd_object, &c, &e) < 0)
		reg_warn(reg, "boot configuration %s: %s", where, e.msg);
	hkey_free(objs);
	hive_free(h);
	if (c.found[0]) {
		snprintf(reg->systemroot, sizeof(reg->systemroot), "%s", c.found);
		snprintf(reg->systemroot_from, sizeof(reg->systemroot_from), "BCD");
		reg->have_systemroot = 1;
	} else if (c.loaders) {
		reg_warn(reg, "boot configuration %s: none of its %u Windows loader(s) names '%s' as SystemRoot",
			 where, c.loaders, reg->windir);
	}
}

static void load_version(struct registry *reg)
{
	struct hkey *k = NULL;
	struct err e;
	uint32_t v;

	err_init(&e);
	if (hive_key(reg->software.hive, CURRENT_VERSION, &k, &e) != 1)
		return;
	copy_str(k, "ProductName", reg->product_name, sizeof(reg->product_name));
	copy_str(k, "CurrentVersion", reg->current_version, sizeof(reg->current_version));
	copy_str(k, "CurrentBuildNumber", reg->build, sizeof(reg->build));
	if (!reg->build[0])
		copy_str(k, "CurrentBuild", reg->build, sizeof(reg->build));
	reg->systemroot[0] = '\0';
	copy_str(k, "SystemRoot", reg->systemroot, sizeof(reg->systemroot));
	reg->have_systemroot = reg->systemroot[0] != '\0';
	if (reg->have_systemroot)
		snprintf(reg->systemroot_from, sizeof(reg->systemroot_from), "SOFTWARE");
	else
		default_root(reg);
	if (hkey_get_dword(k, "CurrentMajorVersionNumber", &v, &e) == 1 && v < 1000)
		reg->major = (int)v;
	if (hkey_get_dword(k, "CurrentMinorVersionNumber", &v, &e) == 1 && v < 1000)
		reg->minor = (int)v;
	hkey_free(k);
}

struct mounted_walk {
	struct mountdev *out;
	unsigned max, n;
};

/* Value callback: keep each drive letter's entry (the first per letter). */
static int mounted_one(void *ctx, const char *name, const struct reg_value *v)
{
	struct mounted_walk *w = ctx;
	struct mountdev m;
	unsigned i;

	if (mountdev_parse(name, v->data, v->len, &m) != 1)
		return 0;
	for (i = 0; i < w->n; i++)
		if (w->out[i].letter == m.letter)
			return 0;
	if (w->n < w->max)
		w->out[w->n++] = m;
	return 0;
}

int registry_mounted_devices(struct hive *sys, struct mountdev *out,
			     unsigned max, unsigned *n, struct err *err)
{
	struct mounted_walk w = { out, max, 0 };
	struct hkey *k = NULL;
	int rc;

	*n = 0;
	rc = hive_key(sys, "MountedDevices", &k, err);
	if (rc <= 0)
		return rc < 0 ? err_wrap(err, "MountedDevices") : 0;
	rc = hkey_foreach_value(k, mounted_one, &w, err);
	hkey_free(k);
	if (rc < 0)
		return err_wrap(err, "MountedDevices");
	*n = w.n;
	return 1;
}

/* SYSTEM\MountedDevices: the drive letters Windows gave its volumes. */
static void load_mounted(struct registry *reg)
{
	struct err e;
	int rc;

	err_init(&e);
	rc = registry_mounted_devices(reg->system.hive, reg->mounted,
				      sizeof(reg->mounted) / sizeof(reg->mounted[0]),
				      &reg->nmounted, &e);
	if (rc < 0)
		reg_warn(reg, "hive SYSTEM: %s", e.msg);
	reg->have_mounted = rc == 1;
}

void registry_free(struct registry *reg)
{
	if (!reg)
		return;
	hive_free(reg->system.hive);
	hive_free(reg->software.hive);
	json_decref(reg->warnings);
	free(reg);
}

int registry_load(struct fs *fs, int replay, struct registry **out,
		  struct err *err)
{
	char folder[LIMIT_WINDIR_LEN];
	struct err e;

	err_init(&e);
	if (windir_find(fs, folder, sizeof(folder), NULL, &e) != 1)
		snprintf(folder, sizeof(folder), "Windows");
	return registry_load_at(fs, folder, replay, out, err);
}

int registry_load_at(struct fs *fs, const char *windir, int replay,
		     struct registry **out, struct err *err)
{
	struct registry *reg = calloc(1, sizeof(*reg));

	*out = NULL;
	if (!reg)
		return err_set(err, -E_NOMEM, "out of memory");
	reg->warnings = json_array();
	if (!reg->warnings) {
		free(reg);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	reg->major = reg->minor = -1;
	snprintf(reg->windir, sizeof(reg->windir), "%s", windir && *windir ? windir : "Windows");
	default_root(reg);
	load_hive(fs, reg, &reg->system, "SYSTEM", replay);
	if (reg->system.state == REG_HIVE_OK)
		load_mounted(reg);
	if (reg->system.state == REG_HIVE_OK)
		load_select(reg);
	load_hive(fs, reg, &reg->software, "SOFTWARE", replay);
	if (reg->software.state == REG_HIVE_OK)
		load_version(reg);
	if (!reg->have_systemroot)
		load_bcd_root(fs, reg, "Boot\\BCD");
	*out = reg;
	return 0;
}

/* SystemRoot from the Boot\BCD of the image's other NTFS volumes (a
 * System Reserved partition), when neither SOFTWARE nor the Windows
 * volume gave it. */
static void bcd_other_volumes(const struct scan *s, struct registry *reg)
{
	unsigned i;

	for (i = 0; s->img && i < s->vt.count && !reg->have_systemroot; i++) {
		const struct volume_info *v = &s->vt.v[i];
		struct fs *fs = NULL;
		char where[64];
		struct err e;

		if (v->fs != VOLUME_FS_NTFS || v->offset == s->vol.offset)
			continue;
		err_init(&e);
		if (fs_open_ntfs(&fs, s->img, v->offset, v->size, &e) < 0)
			continue;
		snprintf(where, sizeof(where), "partition %d's Boot\\BCD", v->index);
		load_bcd_root(fs, reg, where);
		fs_free(fs);
	}
}

static void registry_free_void(void *p)
{
	registry_free(p);
}

int registry_get(struct scan *s, struct registry **out, struct err *err)
{
	struct registry *reg = scan_cache_get(s, "registry");
	int rc;

	if (reg) {
		*out = reg;
		return 0;
	}
	rc = registry_load_at(s->fs, scan_windir(s), !(s->opts && s->opts->no_replay),
			      &reg, err);
	if (rc < 0)
		return rc;
	if (!reg->have_systemroot)
		bcd_other_volumes(s, reg);
	if (scan_cache_put(s, "registry", reg, registry_free_void) < 0)
		return err_set(err, -E_LIMIT, "scan cache full (SCAN_CACHE_MAX)");
	*out = reg;
	return 0;
}

static int hive_of(struct reg_hive_info *hi, struct hive **out,
		   struct err *err)
{
	*out = NULL;
	if (hi->state == REG_HIVE_OK) {
		*out = hi->hive;
		return 0;
	}
	if (strncmp(hi->err.msg, "hive ", 5) == 0)
		return err_set(err, hi->err.code ? hi->err.code : -E_CORRUPT, "%s", hi->err.msg);
	return err_set(err, hi->err.code ? hi->err.code : -E_CORRUPT, "hive %s: %s",
		       hi->name, hi->err.msg);
}

int registry_system(struct registry *reg, struct hive **out, struct err *err)
{
	return hive_of(&reg->system, out, err);
}

int registry_software(struct registry *reg, struct hive **out,
		      struct err *err)
{
	return hive_of(&reg->software, out, err);
}

int registry_system_root_at(struct fs *fs, const char *windir, char *buf,
			    size_t size)
{
	char path[LIMIT_WINDIR_LEN + 32];
	uint8_t *data = NULL;
	size_t len = 0;
	struct hive *h = NULL;
	struct hkey *k = NULL;
	struct err e;
	char *v = NULL;
	int rc;

	if (size)
		buf[0] = '\0';
	err_init(&e);
	snprintf(path, sizeof(path), "%s\\" WINDIR_CONFIG "\\SOFTWARE", windir);
	if (fs_read_file(fs, path, LIMIT_HIVE_SIZE, &data, &len, &e) != 1)
		return 0;
	if (hive_open_memory(&h, "SOFTWARE", data, len, &e) < 0)
		return 0;
	rc = hive_key(h, CURRENT_VERSION, &k, &e);
	if (rc == 1 && hkey_get_string(k, "SystemRoot", &v, &e) == 1 && v[0]) {
		snprintf(buf, size, "%s", v);
		rc = 1;
	} else {
		rc = 0;
	}
	free(v);
	hkey_free(k);
	hive_free(h);
	return rc;
}

void registry_windows_json(const struct registry *reg, json_t *out)
{
	if (reg->product_name[0])
		json_object_set_new(out, "product_name", json_string(reg->product_name));
	if (reg->current_version[0])
		json_object_set_new(out, "current_version", json_string(reg->current_version));
	if (reg->major >= 0) {
		char v[32];

		snprintf(v, sizeof(v), "%d.%d", reg->major, reg->minor >= 0 ? reg->minor : 0);
		json_object_set_new(out, "version", json_string(v));
	}
	if (reg->build[0])
		json_object_set_new(out, "build", json_string(reg->build));
	if (reg->control_set[0])
		json_object_set_new(out, "control_set", json_string(reg->control_set));
	if (reg->have_select) {
		char cs[16];

		if (reg->def && reg->def != reg->current) {
			snprintf(cs, sizeof(cs), "ControlSet%03u", reg->def % 1000);
			json_object_set_new(out, "default", json_string(cs));
		}
		if (reg->last_known_good && reg->last_known_good != reg->current) {
			snprintf(cs, sizeof(cs), "ControlSet%03u", reg->last_known_good % 1000);
			json_object_set_new(out, "last_known_good", json_string(cs));
		}
	}
}

int registry_windows_info_fs(struct fs *fs, json_t *out, struct err *err)
{
	struct registry *reg = NULL;
	int rc = registry_load(fs, 1, &reg, err);

	if (rc < 0)
		return rc;
	registry_windows_json(reg, out);
	if (reg->system.state != REG_HIVE_OK && reg->software.state != REG_HIVE_OK) {
		struct hive *none;

		rc = hive_of(&reg->system, &none, err);
		registry_free(reg);
		return rc;
	}
	if (reg->system.state != REG_HIVE_OK)
		json_object_set_new(out, "error", json_string(reg->system.err.msg));
	else if (reg->software.state != REG_HIVE_OK)
		json_object_set_new(out, "error", json_string(reg->software.err.msg));
	if (reg->system.dirty || reg->software.dirty)
		json_object_set_new(out, "dirty_hives", json_string(
			reg->system.dirty && reg->software.dirty ? "SYSTEM, SOFTWARE" :
			reg->system.dirty ? "SYSTEM" : "SOFTWARE"));
	registry_free(reg);
	return 0;
}

void registry_fill_windows(struct scan *s)
{
	struct registry *reg = NULL;
	struct err e;
	size_t i;
	json_t *w;

	err_init(&e);
	if (!s->fs || registry_get(s, &reg, &e) < 0) {
		scan_warn(s, "registry: %s", e.msg);
		return;
	}
	json_array_foreach(reg->warnings, i, w)
		scan_warn(s, "%s", json_string_value(w));
	registry_windows_json(reg, s->windows);
}
