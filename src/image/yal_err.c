/* libyal errors into struct err (yal_err.h). */
#include "yal_err.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

void yal_err_take(intptr_t **e, yal_sprint_fn sprint, yal_sprint_fn fallback,
		  yal_free_fn efree, char *buf, size_t size)
{
	if (!e || !*e)
		return;
	if (sprint(*e, buf, size) < 0 && fallback)
		fallback(*e, buf, size);
	efree(e);
}

int yal_err_trace(struct err *err, int code, const char *what,
		  const char *trace)
{
	const char *line = trace, *end, *colon;
	size_t len;

	if (!trace || !*trace)
		return err_set(err, code, "%s", what);
	end = strchr(line, '\n');
	len = end ? (size_t)(end - line) : strlen(line);
	/* libyal prefixes every message with the function's name. */
	colon = memchr(line, ':', len);
	if (colon && colon[1] == ' ') {
		const char *q;

		for (q = line; q < colon && (isalnum((unsigned char)*q) || *q == '_'); q++)
			;
		if (q == colon) {
			len -= (size_t)(colon + 2 - line);
			line = colon + 2;
		}
	}
	while (len > 0 && (line[len - 1] == '.' || isspace((unsigned char)line[len - 1])))
		len--;
	if (len == 0)
		return err_set(err, code, "%s", what);
	return err_set(err, code, "%s: %.*s", what, (int)len, line);
}

int yal_err(struct err *err, int code, const char *what, intptr_t **e,
	    yal_sprint_fn backtrace_sprint, yal_free_fn efree)
{
	char trace[2048] = "";

	yal_err_take(e, backtrace_sprint, NULL, efree, trace, sizeof(trace));
	return yal_err_trace(err, code, what, trace);
}

void yal_err_ends(const char *bt, char *out, size_t size)
{
	char first[512] = "", last[512] = "";
	const char *p = bt;

	while (*p) {
		const char *nl = strchr(p, '\n'), *end = nl ? nl : p + strlen(p);
		const char *colon = memchr(p, ':', (size_t)(end - p));
		const char *msg = p;
		size_t n;

		if (colon && colon[1] == ' ' && strncmp(p, "lib", 3) == 0)
			msg = colon + 2;
		n = (size_t)(end - msg);
		while (n > 0 && (msg[n - 1] == '.' || msg[n - 1] == ' ' || msg[n - 1] == '\r'))
			n--;
		if (n > 0) {
			if (!first[0])
				snprintf(first, sizeof(first), "%.*s", (int)n, msg);
			snprintf(last, sizeof(last), "%.*s", (int)n, msg);
		}
		if (!nl)
			break;
		p = nl + 1;
	}
	if (!last[0])
		snprintf(out, size, "unknown libregf error");
	else if (strcmp(first, last) == 0)
		snprintf(out, size, "%s", last);
	else
		snprintf(out, size, "%s: %s", last, first);
}

int yal_err_first(struct err *err, int code, const char *what, char *msg)
{
	msg[strcspn(msg, "\r\n")] = '\0';
	if (msg[0])
		return err_set(err, code, "%s: %s", what, msg);
	return err_set(err, code, "%s", what);
}
