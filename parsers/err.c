#include "err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void err_init(struct err *err)
{
	if (!err)
		return;
	err->code = 0;
	err->msg[0] = '\0';
}

int err_set(struct err *err, int code, const char *fmt, ...)
{
	va_list ap;

	if (code > 0)
		code = -code;
	if (!err)
		return code;
	err->code = code;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return code;
}

int err_wrap(struct err *err, const char *fmt, ...)
{
	char prefix[ERR_MSG_MAX];
	size_t plen, olen;
	va_list ap;
	int n;

	if (!err)
		return -E_INTERNAL;
	if (err->code == 0)
		err->code = -E_INTERNAL;
	va_start(ap, fmt);
	n = vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	if (n < 0)
		return err->code;
	plen = strlen(prefix);
	olen = strlen(err->msg);
	if (olen == 0) {
		memcpy(err->msg, prefix, plen + 1);
		return err->code;
	}
	/* "prefix: old", cut at the buffer's end */
	if (plen + 2 >= sizeof(err->msg))
		plen = sizeof(err->msg) - 3;
	if (plen + 2 + olen >= sizeof(err->msg))
		olen = sizeof(err->msg) - plen - 3;
	memmove(err->msg + plen + 2, err->msg, olen);
	err->msg[plen + 2 + olen] = '\0';
	memcpy(err->msg, prefix, plen);
	err->msg[plen] = ':';
	err->msg[plen + 1] = ' ';
	return err->code;
}

const char *err_code_name(int code)
{
	static const char *const names[] = {
		"ok", "i/o error", "corrupt", "out of memory", "usage",
		"unsupported", "not found", "limit", "format", "internal",
	};
	if (code < 0)
		code = -code;
	if ((size_t)code >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[code];
}
