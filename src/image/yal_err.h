/* libyal errors (libewf, libvhdi, libvmdk, libqcow, libvshadow, libbde,
 * libregf, libbfio, libevtx) into our struct err: the one translation,
 * used by every adapter that calls a libyal library (STYLE.md "Foreign
 * errors are translated in the adapter that called the library").
 *
 * Every libyal *_error_t is an intptr_t, so each library's
 * *_error_sprint, *_error_backtrace_sprint and *_error_free (whether
 * linked or resolved in a namespace of its own, image_priv.h) pass as the
 * function pointers below; the error is freed by its own library. */
#ifndef VSSD_YAL_ERR_H
#define VSSD_YAL_ERR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

typedef int (*yal_sprint_fn)(intptr_t *error, char *string, size_t size);
typedef void (*yal_free_fn)(intptr_t **error);

/* The text of *e (e or *e may be NULL: buf is left as it is) printed by
 * sprint into buf (size bytes), or by fallback (may be NULL) when sprint
 * fails; then *e freed with efree. */
void yal_err_take(intptr_t **e, yal_sprint_fn sprint, yal_sprint_fn fallback,
		  yal_free_fn efree, char *buf, size_t size);

/* A backtrace (lines "function: text.", deepest cause first) as one line
 * "what: text": the deepest cause, without the function name and the final
 * period; "what" alone when trace is NULL or empty.  Returns code. */
int yal_err_trace(struct err *err, int code, const char *what,
		  const char *trace);

/* The image adapters' translation: the backtrace of *e (taken with
 * backtrace_sprint and efree, as yal_err_take) through yal_err_trace.
 * Returns code. */
int yal_err(struct err *err, int code, const char *what, intptr_t **e,
	    yal_sprint_fn backtrace_sprint, yal_free_fn efree);

/* One line from a backtrace bt: the outermost message (what failed) and
 * the innermost (why), "outermost: innermost" (one of them when they are
 * the same), without the "libxxx_function: " prefixes and the trailing
 * periods; "unknown libregf error" when bt has none (libregf, libbfio). */
void yal_err_ends(const char *bt, char *out, size_t size);

/* msg (an error's text as sprint printed it) as "what: its first line"
 * (libevtx's messages span lines, the first names the cause), or "what"
 * when that line is empty; msg is cut at its first line.  Returns code. */
int yal_err_first(struct err *err, int code, const char *what, char *msg);

#endif
