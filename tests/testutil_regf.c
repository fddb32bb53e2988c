/* Shared test helpers (testutil.h): hives read back with libregf from
 * memory, the way the program reads real hives. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int tu_regf_open(struct tu_regf *l, uint8_t *buf, size_t len)
{
	libbfio_error_t *be = NULL;
	libregf_error_t *re = NULL;

	memset(l, 0, sizeof(*l));
	if (libbfio_memory_range_initialize(&l->h, &be) != 1 ||
	    libbfio_memory_range_set(l->h, buf, len, &be) != 1) {
		libbfio_error_free(&be);
		return -1;
	}
	if (libregf_file_initialize(&l->f, &re) != 1 ||
	    libregf_file_open_file_io_handle(l->f, l->h, LIBREGF_OPEN_READ, &re) != 1) {
		libregf_error_fprint(re, stderr);
		libregf_error_free(&re);
		return -1;
	}
	return 0;
}

void tu_regf_close(struct tu_regf *l)
{
	if (l->f) {
		libregf_file_close(l->f, NULL);
		libregf_file_free(&l->f, NULL);
	}
	if (l->h)
		libbfio_handle_free(&l->h, NULL);
}

/* The key at path (relative to the root, "" = root) or NULL. */
libregf_key_t *tu_regf_key(struct tu_regf *l, const char *path)
{
	libregf_key_t *k = NULL;

	if (!*path) {
		if (libregf_file_get_root_key(l->f, &k, NULL) != 1)
			return NULL;
		return k;
	}
	if (libregf_file_get_key_by_utf8_path(l->f, (const uint8_t *)path,
					      strlen(path), &k, NULL) != 1)
		return NULL;
	return k;
}

libregf_value_t *tu_regf_value(struct tu_regf *l, const char *path, const char *name)
{
	libregf_key_t *k = tu_regf_key(l, path);
	libregf_value_t *v = NULL;

	if (!k)
		return NULL;
	if (!*name) {
		/* the default value: the one whose name is empty */
		int i, n = 0;
		size_t size;

		libregf_key_get_number_of_values(k, &n, NULL);
		for (i = 0; i < n && !v; i++) {
			if (libregf_key_get_value(k, i, &v, NULL) != 1)
				break;
			size = 1;
			if (libregf_value_get_utf8_name_size(v, &size, NULL) != 1 || size > 1)
				libregf_value_free(&v, NULL);
		}
	} else if (libregf_key_get_value_by_utf8_name(k, (const uint8_t *)name,
						      strlen(name), &v, NULL) != 1) {
		v = NULL;
	}
	libregf_key_free(&k, NULL);
	return v;
}

/* REG_SZ/EXPAND_SZ text (malloc'd) or NULL. */
char *tu_regf_sz(struct tu_regf *l, const char *path, const char *name, uint32_t *type)
{
	libregf_value_t *v = tu_regf_value(l, path, name);
	size_t size = 0;
	char *s = NULL;

	if (!v)
		return NULL;
	if (type)
		libregf_value_get_value_type(v, type, NULL);
	if (libregf_value_get_value_utf8_string_size(v, &size, NULL) == 1 && size) {
		s = malloc(size);
		if (libregf_value_get_value_utf8_string(v, (uint8_t *)s, size, NULL) != 1) {
			free(s);
			s = NULL;
		}
	}
	libregf_value_free(&v, NULL);
	return s;
}

int tu_regf_dword(struct tu_regf *l, const char *path, const char *name, uint32_t *out)
{
	libregf_value_t *v = tu_regf_value(l, path, name);
	int ok;

	if (!v)
		return -1;
	ok = libregf_value_get_value_32bit(v, out, NULL) == 1;
	libregf_value_free(&v, NULL);
	return ok ? 0 : -1;
}

/* The value's raw data (malloc'd) or NULL. */
uint8_t *tu_regf_data(struct tu_regf *l, const char *path, const char *name, size_t *len)
{
	libregf_value_t *v = tu_regf_value(l, path, name);
	uint8_t *d = NULL;

	*len = 0;
	if (!v)
		return NULL;
	if (libregf_value_get_value_data_size(v, len, NULL) == 1) {
		d = malloc(*len ? *len : 1);
		if (*len && libregf_value_get_value_data(v, d, *len, NULL) != 1) {
			free(d);
			d = NULL;
		}
	}
	libregf_value_free(&v, NULL);
	return d;
}

int tu_regf_has_key(struct tu_regf *l, const char *path)
{
	libregf_key_t *k = tu_regf_key(l, path);

	if (!k)
		return 0;
	libregf_key_free(&k, NULL);
	return 1;
}

int tu_regf_nsub(struct tu_regf *l, const char *path)
{
	libregf_key_t *k = tu_regf_key(l, path);
	int n = -1;

	if (!k)
		return -1;
	libregf_key_get_number_of_sub_keys(k, &n, NULL);
	libregf_key_free(&k, NULL);
	return n;
}
