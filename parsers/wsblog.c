/* Windows Server Backup text logs (see wsblog.h). */
#include "wsblog.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "utf16.h"

static int ieq_prefix(const char *s, const char *p)
{
	for (; *p; s++, p++)
		if (tolower((unsigned char)*s) != tolower((unsigned char)*p))
			return 0;
	return 1;
}

static const char *find_ci(const char *s, const char *needle)
{
	for (; *s; s++)
		if (ieq_prefix(s, needle))
			return s;
	return NULL;
}

/* "0x" + up to 8 hex digits at s: 1 and *v, else 0. */
static int hex_code(const char *s, uint32_t *v)
{
	unsigned long x = 0;
	int n = 0;

	if (s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
		return 0;
	for (s += 2; isxdigit((unsigned char)*s) && n < 9; s++, n++)
		x = x * 16 + (unsigned long)(isdigit((unsigned char)*s) ? *s - '0' :
					      tolower((unsigned char)*s) - 'a' + 10);
	if (n == 0 || n > 8)
		return 0;
	*v = (uint32_t)x;
	return 1;
}

static void copy_trim(char *dst, size_t size, const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s)) {
		s++;
		n--;
	}
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/* The first drive ("C:\") or UNC ("\\x") path of line: start, or NULL. */
static const char *find_path(const char *line)
{
	const char *p;

	for (p = line; *p; p++) {
		if (isalpha((unsigned char)p[0]) && p[1] == ':' && (p[2] == '\\' || p[2] == '/') &&
		    (p == line || !isalnum((unsigned char)p[-1])))
			return p;
		if (p[0] == '\\' && p[1] == '\\' && (p == line || isspace((unsigned char)p[-1])))
			return p;
	}
	return NULL;
}

/* One line: 1 an entry (e filled), 0 not one. */
static int parse_line(const char *line, struct wsblog_entry *e)
{
	const char *of = find_ci(line, "error in backup of ");
	const char *during, *colon, *code = NULL, *p;

	e->path[0] = e->operation[0] = e->message[0] = '\0';
	e->code = 0;
	/* the code: "[0x...]" or a bare HRESULT "0x8......." */
	for (p = line; *p; p++) {
		if ((p[0] == '[' && hex_code(p + 1, &e->code)) ||
		    ((p == line || !isalnum((unsigned char)p[-1])) && hex_code(p, &e->code) &&
		     (p[2] == '8' || p[2] == 'c' || p[2] == 'C'))) {
			code = p;
			break;
		}
	}
	if (of) {
		const char *path = of + strlen("error in backup of ");

		during = find_ci(path, " during ");
		if (!during)
			return 0;
		copy_trim(e->path, sizeof(e->path), path, (size_t)(during - path));
		colon = strchr(during, ':');
		if (colon)
			copy_trim(e->operation, sizeof(e->operation), during + 8,
				  (size_t)(colon - (during + 8)));
	} else {
		const char *start = find_path(line), *end;

		if (!start || !code)
			return 0;
		/* the path runs to the code, a colon-blank or the line's end */
		end = code > start ? code : start + strlen(start);
		for (p = start + 2; p < end; p++)
			if (p[0] == ':' && p[1] == ' ')
				break;
		end = p;
		copy_trim(e->path, sizeof(e->path), start, (size_t)(end - start));
	}
	if (!e->path[0])
		return 0;
	if (code) {
		p = code + (code[0] == '[' ? 1 : 0) + 2;
		while (isxdigit((unsigned char)*p))
			p++;
		if (*p == ']')
			p++;
		copy_trim(e->message, sizeof(e->message), p, strlen(p));
	}
	return 1;
}

int wsblog_parse(const uint8_t *buf, size_t len, wsblog_fn fn, void *ctx,
		 struct err *err)
{
	struct wsblog_entry *e;
	char *line;
	size_t i = 0, n = 0, step;
	unsigned lineno = 1;
	int utf16, entries = 0, rc = 0;

	if (!buf && len)
		return err_set(err, -E_CORRUPT, "wsblog: no buffer");
	if (len > LIMIT_WSBLOG_SIZE)
		return err_set(err, -E_LIMIT, "wsblog: %zu bytes > LIMIT_WSBLOG_SIZE (%u)", len,
			       LIMIT_WSBLOG_SIZE);
	utf16 = len >= 2 && ((buf[0] == 0xff && buf[1] == 0xfe) || (buf[1] == 0 && buf[0] != 0));
	if (len >= 2 && buf[0] == 0xff && buf[1] == 0xfe)
		i = 2;
	else if (len >= 3 && buf[0] == 0xef && buf[1] == 0xbb && buf[2] == 0xbf)
		i = 3;
	step = utf16 ? 2 : 1;
	e = malloc(sizeof(*e));
	line = malloc(LIMIT_WSBLOG_LINE + 4);
	if (!e || !line) {
		free(e);
		free(line);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	for (;; i += step) {
		uint32_t cp;
		int end = i + step > len;

		if (!end) {
			cp = buf[i];
			/* a pair moves i on by its second unit */
			if (utf16 && utf16le_next(buf + i, len - i, &cp) == 4)
				i += 2;
			else if (utf16 && cp >= 0xd800 && cp < 0xe000)
				cp = 0xfffd;
		}
		if (end || cp == '\n' || cp == 0) {
			line[n] = '\0';
			if (n && parse_line(line, e)) {
				e->line = lineno;
				entries++;
				rc = fn ? fn(ctx, e) : 0;
				if (rc != 0)
					break;
			}
			n = 0;
			lineno++;
			if (end)
				break;
			continue;
		}
		if (cp == '\r')
			continue;
		if (n + 4 <= LIMIT_WSBLOG_LINE)
			n += utf8_put(line + n, cp < 0x20 && cp != '\t' ? ' ' : cp);
	}
	free(e);
	free(line);
	return rc != 0 ? rc : entries;
}

/* A path the writer built from an ImagePath it could not parse: doubled
 * separators past the start, a forward slash, "\systemroot\" under another
 * folder. */
static int odd_path(const char *p)
{
	const char *s;

	if (strchr(p, '/'))
		return 1;
	for (s = p + 2; *s; s++)
		if (s[0] == '\\' && s[1] == '\\')
			return 1;
	s = find_ci(p, "\\systemroot\\");
	return s && s != p;
}

const char *wsblog_proves(const struct wsblog_entry *e)
{
	uint32_t c = e->code;
	const char *w = find_ci(e->path, "\\winsxs");

	if ((c == 5 || c == 0x80070005u) && w && (w[7] == '\\' || w[7] == '\0'))
		return "cause1";
	if (c == 123 || c == 0x8007007bu || (odd_path(e->path) && c != 5 && c != 0x80070005u))
		return "service-imagepath-invalid";
	if (c == 2 || c == 3 || c == 0x80070002u || c == 0x80070003u)
		return "service-binary-missing";
	return NULL;
}
