/* EnCase / EWF images (E01, split E01 E02 ..., Ex01) through libewf,
 * opened read-only.  The segment files are found with libewf_glob from the
 * first one's name; a name libewf_glob does not understand (a renamed
 * segment) is opened alone.
 *
 * libewf carries its own copy of libbfio, like libvhdi: see vhdi.c. */
#define _GNU_SOURCE
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libewf.h>

struct ewf_src {
	libewf_handle_t *handle;
};

static int ewf_err(struct err *err, int code, const char *what,
		   libewf_error_t **e)
{
	char trace[2048] = "";

	if (e && *e) {
		libewf_error_backtrace_sprint(*e, trace, sizeof(trace));
		libewf_error_free(e);
	}
	return image_lib_error(err, code, what, trace);
}

static void ewf_close(void *priv)
{
	struct ewf_src *s = priv;

	if (!s)
		return;
	if (s->handle) {
		libewf_handle_close(s->handle, NULL);
		libewf_handle_free(&s->handle, NULL);
	}
	free(s);
}

static int ewf_read(void *priv, uint64_t off, void *buf, size_t len,
		    struct err *err)
{
	struct ewf_src *s = priv;
	libewf_error_t *e = NULL;
	uint8_t *p = buf;

	while (len > 0) {
		uint32_t before = 0, after = 0;
		ssize_t n;

		libewf_handle_get_number_of_checksum_errors(s->handle, &before, NULL);
		n = libewf_handle_read_random(s->handle, p, len, (off64_t)off, &e);
		/* A chunk that is missing or fails its checksum is returned as
		 * zeros with a checksum error recorded: that is no data. */
		libewf_handle_get_number_of_checksum_errors(s->handle, &after, NULL);
		if (n > 0 && after != before)
			return err_set(err, -E_CORRUPT,
				       "read at offset %llu: E01 chunk data is missing or fails its checksum",
				       (unsigned long long)off);
		if (n <= 0) {
			char what[96];

			snprintf(what, sizeof(what), "read at offset %llu",
				 (unsigned long long)off);
			return ewf_err(err, n < 0 ? -E_IO : -E_CORRUPT, what, &e);
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static const struct image_ops ewf_ops = {
	.format = "e01", .read = ewf_read, .close = ewf_close,
};

int image_probe_ewf(struct image **out, const char *path, struct err *err)
{
	libewf_error_t *e = NULL;
	struct ewf_src *s;
	char **names = NULL;
	char *single[1] = { NULL };
	char *const *list;
	int count = 0, rc;
	size64_t size = 0;

	*out = NULL;
	rc = libewf_check_file_signature(path, &e);
	libewf_error_free(&e);
	if (rc != 1)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, -E_NOMEM, "out of memory");
	if (libewf_glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names,
			&count, &e) == 1 && count > 0) {
		list = names;
	} else {
		libewf_error_free(&e);
		names = NULL;
		single[0] = strdup(path);
		if (!single[0]) {
			free(s);
			return err_set(err, -E_NOMEM, "out of memory");
		}
		list = single;
		count = 1;
	}
	if (libewf_handle_initialize(&s->handle, &e) != 1) {
		rc = ewf_err(err, -E_NOMEM, "cannot create a libewf handle", &e);
		goto out;
	}
	if (libewf_handle_open(s->handle, list, count, LIBEWF_OPEN_READ, &e) != 1) {
		libewf_handle_free(&s->handle, NULL);
		rc = ewf_err(err, -E_CORRUPT, "not a valid E01", &e);
		goto out;
	}
	if (libewf_handle_get_media_size(s->handle, &size, &e) != 1) {
		rc = ewf_err(err, -E_CORRUPT, "not a valid E01: media size", &e);
		goto out;
	}
	if (size == 0) {
		rc = err_set(err, -E_CORRUPT, "not a valid E01: media size is 0");
		goto out;
	}
	/* libewf_glob stops at the first missing segment and libewf opens what
	 * it was given; it notices that the set is incomplete (no "done"
	 * section) or damaged and says so here. */
	if (libewf_handle_segment_files_corrupted(s->handle, &e) != 0) {
		libewf_error_free(&e);
		rc = err_set(err, -E_CORRUPT,
			     "E01 segment files are incomplete or damaged (%d found from '%s'): a later segment is missing or truncated",
			     count, path);
		goto out;
	}
	rc = 0;
out:
	if (names)
		libewf_glob_free(names, count, NULL);
	free(single[0]);
	if (rc < 0) {
		ewf_close(s);
		return rc;
	}
	rc = image_new(out, &ewf_ops, s, size, path, err);
	return rc < 0 ? rc : 1;
}
