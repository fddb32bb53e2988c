/* Helpers the judges share: paths as the rule writes them and as the
 * server's administrator reads them, list parameters with defaults, and
 * formatted summaries. */
#ifndef VSSD_JUDGE_UTIL_H
#define VSSD_JUDGE_UTIL_H

#include <jansson.h>
#include <stdarg.h>
#include <stddef.h>

#include "rules.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* A rule's path on the volume: %SystemRoot%\... made relative to the
 * Windows folder ("WINNT\WinSxS\FileMaps"); NULL when too long (err). */
const char *judge_vol_path(const struct evidence *ev, const char *p, char *buf,
			   size_t size, struct err *err);

/* "C:\" + a volume-relative path, the drive that of windir ("C:\WINNT"):
 * the path as the server's administrator sees it. */
json_t *judge_real_path(const char *windir, const char *vol_path);

/* A string-array param, or the default list when the rule leaves it out
 * (a new reference; NULL out of memory). */
json_t *judge_param_list(const struct rule *r, const char *name,
			 const char *const *def, size_t ndef);

/* A malloc'd formatted string, NULL out of memory. */
char *judge_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *judge_vprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* The usual end of a judge: present when bad, else (when unreadable)
 * <0 with why's message (its code, or -E_CORRUPT), else absent. */
int judge_verdict(struct result *res, int bad, int unreadable,
		  const struct err *why, struct err *err);

#endif
