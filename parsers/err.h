/* One error style for the whole program (STYLE.md "Errors").
 *
 * Functions return 0 (or a count / 1 found / 0 absent) on success and a
 * negative enum err_code on failure.  The lowest failure fills the fixed
 * buffer with err_set(); each caller adds context in front with
 * err_wrap(), so the user reads "'Windows\WinSxS': descriptor: ACE 3: ...".
 * No allocation: works when memory is exhausted.  err may be NULL. */
#ifndef VSSD_ERR_H
#define VSSD_ERR_H

#include <stddef.h>

enum err_code {
	E_OK = 0,
	E_IO = 1,          /* the source could not be read */
	E_CORRUPT,         /* bytes do not follow their format */
	E_NOMEM,
	E_USAGE,           /* bad command line or argument */
	E_UNSUPPORTED,     /* valid but not handled (encrypted, new version) */
	E_NOTFOUND,        /* a required object is absent */
	E_LIMIT,           /* a named limit in limits.h was hit */
	E_FORMAT,          /* not the expected format at all (signature) */
	E_INTERNAL,        /* our own bug or a library misbehaving */
};

#define ERR_MSG_MAX 1024

struct err {
	int code;               /* negative enum err_code, 0 when clear */
	char msg[ERR_MSG_MAX];  /* lowercase, no trailing period */
};

void err_init(struct err *err);

/* Set the message (replacing any) and return code, which must be negative
 * (e.g. -E_CORRUPT). */
int err_set(struct err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefix context ("ctx: old message") and return err->code (or -E_INTERNAL
 * when no code was set). */
int err_wrap(struct err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A short name for a code, e.g. "corrupt". */
const char *err_code_name(int code);

#endif
