/* EnCase / EWF images (E01, split E01 E02 ..., Ex01) through libewf,
 * opened read-only.  The segment files are found with libewf_glob from the
 * first one's name; a name libewf_glob does not understand (a renamed
 * segment) is opened alone.
 *
 * libewf is loaded into a link-map namespace of its own and called through
 * the table W (image_priv.h says why). */
#define _GNU_SOURCE
#include "image.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libewf.h>
#include "image_priv.h"
#include "yal_err.h"

/* libewf entry points, resolved in its own namespace (image_priv.h). */
static struct {
	int loaded;
	__typeof__(&libewf_check_file_signature) check_file_signature;
	__typeof__(&libewf_error_backtrace_sprint) error_backtrace_sprint;
	__typeof__(&libewf_error_free) error_free;
	__typeof__(&libewf_glob) glob;
	__typeof__(&libewf_glob_free) glob_free;
	__typeof__(&libewf_handle_close) handle_close;
	__typeof__(&libewf_handle_free) handle_free;
	__typeof__(&libewf_handle_get_media_size) handle_get_media_size;
	__typeof__(&libewf_handle_get_number_of_checksum_errors) handle_get_number_of_checksum_errors;
	__typeof__(&libewf_handle_initialize) handle_initialize;
	__typeof__(&libewf_handle_open) handle_open;
	__typeof__(&libewf_handle_read_random) handle_read_random;
	__typeof__(&libewf_handle_segment_files_corrupted) handle_segment_files_corrupted;
} W;

static int ewf_load(struct err *err)
{
	void *lib;

	if (W.loaded)
		return 0;
#define SYM(f) (image_lib_sym(lib, "libewf_" #f, &W.f, sizeof(W.f), err) < 0)
	lib = image_lib_load("libewf.so.2", err);
	if (!lib)
		return err ? err->code : -E_UNSUPPORTED;
	if (SYM(check_file_signature) || SYM(error_backtrace_sprint) ||
	    SYM(error_free) || SYM(glob) || SYM(glob_free) ||
	    SYM(handle_close) || SYM(handle_free) ||
	    SYM(handle_get_media_size) ||
	    SYM(handle_get_number_of_checksum_errors) ||
	    SYM(handle_initialize) || SYM(handle_open) ||
	    SYM(handle_read_random) || SYM(handle_segment_files_corrupted))
		return err ? err->code : -E_UNSUPPORTED;
#undef SYM
	W.loaded = 1;
	return 0;
}

struct ewf_src {
	libewf_handle_t *handle;
};

static int ewf_err(struct err *err, int code, const char *what,
		   libewf_error_t **e)
{
	return yal_err(err, code, what, e, W.error_backtrace_sprint, W.error_free);
}

static void ewf_close(void *priv)
{
	struct ewf_src *s = priv;

	if (!s)
		return;
	if (s->handle) {
		W.handle_close(s->handle, NULL);
		W.handle_free(&s->handle, NULL);
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

		W.handle_get_number_of_checksum_errors(s->handle, &before, NULL);
		n = W.handle_read_random(s->handle, p, len, (off64_t)off, &e);
		/* A chunk that is missing or fails its checksum is returned as
		 * zeros with a checksum error recorded: that is no data. */
		W.handle_get_number_of_checksum_errors(s->handle, &after, NULL);
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
	rc = ewf_load(err);
	if (rc < 0)
		return rc;
	rc = W.check_file_signature(path, &e);
	W.error_free(&e);
	if (rc != 1)
		return 0;
	s = calloc(1, sizeof(*s));
	if (!s)
		return err_set(err, -E_NOMEM, "out of memory");
	if (W.glob(path, strlen(path), LIBEWF_FORMAT_UNKNOWN, &names,
			&count, &e) == 1 && count > 0) {
		list = names;
	} else {
		W.error_free(&e);
		names = NULL;
		single[0] = strdup(path);
		if (!single[0]) {
			free(s);
			return err_set(err, -E_NOMEM, "out of memory");
		}
		list = single;
		count = 1;
	}
	if (W.handle_initialize(&s->handle, &e) != 1) {
		rc = ewf_err(err, -E_NOMEM, "cannot create a libewf handle", &e);
		goto out;
	}
	if (W.handle_open(s->handle, list, count, LIBEWF_OPEN_READ, &e) != 1) {
		W.handle_free(&s->handle, NULL);
		rc = ewf_err(err, -E_CORRUPT, "not a valid E01", &e);
		goto out;
	}
	if (W.handle_get_media_size(s->handle, &size, &e) != 1) {
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
	if (W.handle_segment_files_corrupted(s->handle, &e) != 0) {
		W.error_free(&e);
		rc = err_set(err, -E_CORRUPT,
			     "E01 segment files are incomplete or damaged (%d found from '%s'): a later segment is missing or truncated",
			     count, path);
		goto out;
	}
	rc = 0;
out:
	if (names)
		W.glob_free(names, count, NULL);
	free(single[0]);
	if (rc < 0) {
		ewf_close(s);
		return rc;
	}
	rc = image_new(out, &ewf_ops, s, size, path, err);
	return rc < 0 ? rc : 1;
}
