/* The registry collector, its libregf adapter: hives opened from memory
 * through a libbfio memory-range handle, their keys, values and
 * descriptors.  The only file that names libregf_ and libbfio_; the rest
 * of registry.h is registry_value.c (decoding values), registry_hives.c
 * (reading a hive file, its dirty state and log replay) and
 * registry_load.c (the volume's registry: control set, Windows version,
 * SystemRoot, the boot configuration). */
#define _GNU_SOURCE
#include "registry.h"
#include "registry_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbfio.h>
#define LIBREGF_HAVE_BFIO 1
#include <libregf.h>

#include "limits.h"
#include "yal_err.h"

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
int hive_open_lent(struct hive **out, const char *name,
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
