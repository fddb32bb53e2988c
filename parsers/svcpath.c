/* ImagePath / ServiceDll normalising (DOMAIN.md cause 2: "normalise
 * %SystemRoot%, \SystemRoot\, system32\..., case, and svchost's -p/-s
 * arguments").  Pure string work; the caller looks the result up. */
#include "svcpath.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "limits.h"

#define BUF_MAX (LIMIT_PATH_LEN + 1)

static int ieq_n(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int starts_with_i(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strlen(s) >= n && ieq_n(s, prefix, n);
}

/* Bounded append; returns -1 when it does not fit. */
static int app(char *dst, size_t *len, const char *s, size_t n)
{
	if (*len + n >= BUF_MAX)
		return -1;
	memcpy(dst + *len, s, n);
	*len += n;
	dst[*len] = '\0';
	return 0;
}

/* Cut the arguments off an unquoted command line: after the first
 * ".exe"/".sys"/".dll" followed by blank or end; else before the first
 * " -" or " /" (an argument); else the whole line. */
static size_t unquoted_len(const char *s, size_t n)
{
	static const char *const exts[] = { ".exe", ".sys", ".dll" };
	size_t i, k;

	for (i = 0; i + 4 <= n; i++)
		for (k = 0; k < 3; k++)
			if (ieq_n(s + i, exts[k], 4) &&
			    (i + 4 == n || s[i + 4] == ' ' || s[i + 4] == '\t'))
				return i + 4;
	for (i = 0; i + 1 < n; i++)
		if ((s[i] == ' ' || s[i] == '\t') && (s[i + 1] == '-' || s[i + 1] == '/'))
			return i;
	return n;
}

struct var {
	const char *name;
	const char *value;      /* volume-rooted; "@" = the system root */
};

static const struct var vars[] = {
	{ "SystemRoot", "@" },
	{ "windir", "@" },
	{ "SystemDrive", "" },
	{ "ProgramFiles", "\\Program Files" },
	{ "ProgramW6432", "\\Program Files" },
	{ "ProgramFiles(x86)", "\\Program Files (x86)" },
	{ "CommonProgramFiles", "\\Program Files\\Common Files" },
	{ "CommonProgramW6432", "\\Program Files\\Common Files" },
	{ "CommonProgramFiles(x86)", "\\Program Files (x86)\\Common Files" },
	{ "ProgramData", "\\ProgramData" },
	{ "ALLUSERSPROFILE", "\\ProgramData" },
};

static int expand(const char *s, size_t n, const char *root, char *dst,
		  struct err *err)
{
	size_t len = 0, i = 0, j, k;

	dst[0] = '\0';
	while (i < n) {
		if (s[i] != '%') {
			if (app(dst, &len, s + i, 1) < 0)
				goto toolong;
			i++;
			continue;
		}
		for (j = i + 1; j < n && s[j] != '%'; j++)
			;
		if (j >= n)
			return err_set(err, -E_CORRUPT, "unterminated %%variable in '%.*s'",
				       (int)(n > 200 ? 200 : n), s);
		for (k = 0; k < sizeof(vars) / sizeof(vars[0]); k++)
			if (strlen(vars[k].name) == j - i - 1 &&
			    ieq_n(vars[k].name, s + i + 1, j - i - 1))
				break;
		if (k == sizeof(vars) / sizeof(vars[0]))
			return err_set(err, -E_UNSUPPORTED, "unknown variable '%.*s'",
				       (int)(j - i + 1 > 100 ? 100 : j - i + 1), s + i);
		if (strcmp(vars[k].value, "@") == 0) {
			if (app(dst, &len, "\\", 1) < 0 || app(dst, &len, root, strlen(root)) < 0)
				goto toolong;
		} else if (app(dst, &len, vars[k].value, strlen(vars[k].value)) < 0) {
			goto toolong;
		}
		i = j + 1;
	}
	return 0;
toolong:
	return err_set(err, -E_LIMIT, "path longer than LIMIT_PATH_LEN (%u)", LIMIT_PATH_LEN);
}

/* systemroot as "Windows": no drive, no leading/trailing separators. */
static void clean_root(const char *systemroot, char *root, size_t size)
{
	const char *s = systemroot && *systemroot ? systemroot : "Windows";
	size_t n, i;

	if (isalpha((unsigned char)s[0]) && s[1] == ':')
		s += 2;
	while (*s == '\\' || *s == '/')
		s++;
	snprintf(root, size, "%s", s);
	n = strlen(root);
	for (i = 0; i < n; i++)
		if (root[i] == '/')
			root[i] = '\\';
	while (n && root[n - 1] == '\\')
		root[--n] = '\0';
	if (!n)
		snprintf(root, size, "Windows");
}

/* Skip a "\??\", "\\?\" or "\DosDevices\" prefix; returns its length. */
static size_t dos_prefix(const char *p)
{
	if (strncmp(p, "\\??\\", 4) == 0 || strncmp(p, "\\\\?\\", 4) == 0)
		return 4;
	if (starts_with_i(p, "\\DosDevices\\"))
		return strlen("\\DosDevices\\");
	return 0;
}

char svcpath_drive(const char *image_path)
{
	const char *p = image_path;

	if (!p)
		return 0;
	while (*p == ' ' || *p == '\t' || *p == '"')
		p++;
	p += dos_prefix(p);
	if (isalpha((unsigned char)p[0]) && p[1] == ':')
		return (char)toupper((unsigned char)p[0]);
	return 0;
}

int svcpath_normalize(const char *image_path, const char *systemroot,
		      char *out, size_t size, struct err *err)
{
	char root[BUF_MAX], exp[BUF_MAX], rel[BUF_MAX], res[BUF_MAX];
	const char *s, *p, *comp[LIMIT_PATH_LEN / 2 + 1];
	size_t n, len = 0, ncomp = 0, i, clen[LIMIT_PATH_LEN / 2 + 1];
	int rc;

	if (out && size)
		out[0] = '\0';
	if (!image_path)
		return err_set(err, -E_CORRUPT, "no image path");
	if (strlen(image_path) > LIMIT_PATH_LEN)
		return err_set(err, -E_LIMIT, "image path longer than LIMIT_PATH_LEN (%u)",
			       LIMIT_PATH_LEN);
	clean_root(systemroot, root, sizeof(root));

	/* 1. the path part of the command line */
	s = image_path;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s == '"') {
		const char *q = strchr(s + 1, '"');
		s++;
		n = q ? (size_t)(q - s) : unquoted_len(s, strlen(s));
	} else {
		n = unquoted_len(s, strlen(s));
	}
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	if (n == 0)
		return err_set(err, -E_CORRUPT, "empty image path");

	/* 2. environment variables, '/' as '\' */
	if ((rc = expand(s, n, root, exp, err)) < 0)
		return rc;
	for (i = 0; exp[i]; i++)
		if (exp[i] == '/')
			exp[i] = '\\';

	/* 3. prefixes -> a path relative to the volume root */
	p = exp;
	if (starts_with_i(p, "\\SystemRoot\\") || (starts_with_i(p, "\\SystemRoot") && !p[11])) {
		snprintf(rel, sizeof(rel), "%s%s", root, p + 11);
	} else if (starts_with_i(p, "\\Device\\") || starts_with_i(p, "\\??\\GLOBALROOT") ||
		   starts_with_i(p, "\\??\\UNC\\") || starts_with_i(p, "\\\\?\\UNC\\") ||
		   strncmp(p, "\\\\.\\", 4) == 0) {
		return err_set(err, -E_UNSUPPORTED, "device path '%.200s'", p);
	} else if ((i = dos_prefix(p)) != 0) {
		p += i;
		if (!(isalpha((unsigned char)p[0]) && p[1] == ':'))
			return err_set(err, -E_UNSUPPORTED, "device path '%.200s'", exp);
		snprintf(rel, sizeof(rel), "%s", p + 2);
	} else if (isalpha((unsigned char)p[0]) && p[1] == ':') {
		snprintf(rel, sizeof(rel), "%s", p + 2);
	} else if (p[0] == '\\' && p[1] == '\\') {
		return err_set(err, -E_UNSUPPORTED, "network path '%.200s'", p);
	} else if (p[0] == '\\') {
		snprintf(rel, sizeof(rel), "%s", p);
	} else if (!strchr(p, '\\')) {
		/* a bare name: CreateProcess finds it in System32 */
		if ((size_t)snprintf(rel, sizeof(rel), "%s\\System32\\%s", root, p) >= sizeof(rel))
			return err_set(err, -E_LIMIT, "path longer than LIMIT_PATH_LEN (%u)",
				       LIMIT_PATH_LEN);
	} else {
		/* relative: the kernel loads "system32\drivers\x.sys" from
		 * \SystemRoot */
		if ((size_t)snprintf(rel, sizeof(rel), "%s\\%s", root, p) >= sizeof(rel))
			return err_set(err, -E_LIMIT, "path longer than LIMIT_PATH_LEN (%u)",
				       LIMIT_PATH_LEN);
	}

	/* 4. components: drop empty and ".", resolve ".." */
	p = rel;
	while (*p) {
		const char *e = strchr(p, '\\');
		size_t cl = e ? (size_t)(e - p) : strlen(p);

		if (cl == 0 || (cl == 1 && p[0] == '.')) {
			/* skip */
		} else if (cl == 2 && p[0] == '.' && p[1] == '.') {
			if (ncomp == 0)
				return err_set(err, -E_CORRUPT, "'..' above the volume root in '%.200s'",
					       image_path);
			ncomp--;
		} else {
			comp[ncomp] = p;
			clen[ncomp] = cl;
			ncomp++;
		}
		p += cl;
		if (*p == '\\')
			p++;
	}
	if (ncomp == 0)
		return err_set(err, -E_CORRUPT, "no file in image path '%.200s'", image_path);
	res[0] = '\0';
	for (i = 0; i < ncomp; i++)
		if ((i && app(res, &len, "\\", 1) < 0) || app(res, &len, comp[i], clen[i]) < 0)
			return err_set(err, -E_LIMIT, "path longer than LIMIT_PATH_LEN (%u)",
				       LIMIT_PATH_LEN);
	if (!out || len >= size)
		return err_set(err, -E_LIMIT, "normalised path needs %zu bytes, buffer has %zu",
			       len + 1, size);
	memcpy(out, res, len + 1);
	return 0;
}

/* ---- svcpath_check --------------------------------------------------- */

static int is_blank_c(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Split line (no stray quotes left) into path and args. */
static void split_line(const char *s, char *path, char *args, size_t size)
{
	size_t n;

	while (is_blank_c(*s))
		s++;
	if (*s == '"') {
		const char *q = strchr(s + 1, '"');

		s++;
		n = q ? (size_t)(q - s) : unquoted_len(s, strlen(s));
	} else {
		n = unquoted_len(s, strlen(s));
	}
	if (n >= size)
		n = size - 1;
	memcpy(path, s, n);
	path[n] = '\0';
	s += n;
	if (*s == '"')
		s++;
	while (is_blank_c(*s))
		s++;
	snprintf(args, size, "%s", s);
	n = strlen(args);
	while (n && is_blank_c(args[n - 1]))
		args[--n] = '\0';
	n = strlen(path);
	while (n && is_blank_c(path[n - 1]))
		path[--n] = '\0';
}

static int own_relative(const char *p)
{
	return starts_with_i(p, "system32\\") || starts_with_i(p, "SysWOW64\\");
}

int svcpath_check(const char *image_path, int is_driver, struct svcpath_check *out,
		  struct err *err)
{
	char line[SVCPATH_CHECK_MAX], fixed[SVCPATH_CHECK_MAX];
	const char *s;
	size_t i, quotes = 0, n;
	int changed = 0;

	memset(out, 0, sizeof(*out));
	if (!image_path)
		return err_set(err, -E_CORRUPT, "no image path");
	if (strlen(image_path) > LIMIT_PATH_LEN)
		return err_set(err, -E_LIMIT, "image path longer than LIMIT_PATH_LEN (%u)",
			       LIMIT_PATH_LEN);
	s = image_path;
	while (is_blank_c(*s))
		s++;
	if (!*s)
		return err_set(err, -E_CORRUPT, "empty image path");
	snprintf(line, sizeof(line), "%s", s);
	for (i = 0; line[i]; i++)
		if (line[i] == '"')
			quotes++;
	if (quotes % 2) {
		out->problems |= SVCPATH_UNBALANCED_QUOTES;
		changed = 1;
		/* an opening quote never closed is closed after the path;
		 * otherwise the last quote is the stray one */
		if (line[0] == '"' && quotes == 1) {
			memmove(line, line + 1, strlen(line));
		} else {
			char *q = strrchr(line, '"');

			memmove(q, q + 1, strlen(q));
		}
	}
	split_line(line, out->path, out->args, sizeof(out->path));
	if (!out->path[0])
		return err_set(err, -E_CORRUPT, "empty image path");
	snprintf(fixed, sizeof(fixed), "%s", out->path);
	if (strchr(fixed, '/')) {
		out->problems |= SVCPATH_FORWARD_SLASH;
		changed = 1;
		for (i = 0; fixed[i]; i++)
			if (fixed[i] == '/')
				fixed[i] = '\\';
	}
	if ((fixed[0] == '\\' && fixed[1] == '\\' && fixed[2] != '?' && fixed[2] != '.') ||
	    starts_with_i(fixed, "\\??\\UNC\\") || starts_with_i(fixed, "\\\\?\\UNC\\")) {
		out->problems |= SVCPATH_UNC;
		return 0;   /* nothing local to point at: no correction */
	}
	if (!(isalpha((unsigned char)fixed[0]) && fixed[1] == ':') && fixed[0] != '\\' &&
	    fixed[0] != '%' && !own_relative(fixed)) {
		char rel[SVCPATH_CHECK_MAX];

		out->problems |= SVCPATH_RELATIVE;
		changed = 1;
		snprintf(rel, sizeof(rel), "%s", fixed);
		n = (size_t)snprintf(fixed, sizeof(fixed), "%s%s", is_driver ? "\\SystemRoot\\" : "%SystemRoot%\\",
				     rel);
		if (n >= sizeof(fixed))
			return err_set(err, -E_LIMIT, "image path longer than LIMIT_PATH_LEN (%u)",
				       LIMIT_PATH_LEN);
	}
	if (!changed)
		return 0;
	/* the corrected line: the path quoted when it holds a blank, was
	 * quoted, or arguments follow it (quoting makes where the path ends
	 * explicit) */
	{
		int quote = strchr(fixed, ' ') != NULL || strchr(fixed, '\t') != NULL ||
			    line[0] == '"' || out->args[0];

		n = (size_t)snprintf(out->corrected, sizeof(out->corrected), "%s%s%s%s%s",
				     quote ? "\"" : "", fixed, quote ? "\"" : "",
				     out->args[0] ? " " : "", out->args);
		if (n >= sizeof(out->corrected))
			return err_set(err, -E_LIMIT, "image path longer than LIMIT_PATH_LEN (%u)",
				       LIMIT_PATH_LEN);
	}
	return 0;
}

void svcpath_problem_names(unsigned problems, char *buf, size_t size)
{
	static const struct { unsigned bit; const char *name; } names[] = {
		{ SVCPATH_FORWARD_SLASH, "forward slashes" },
		{ SVCPATH_UNBALANCED_QUOTES, "unbalanced quotes" },
		{ SVCPATH_RELATIVE, "a relative path Windows does not resolve" },
		{ SVCPATH_UNC, "a network (UNC) path" },
	};
	size_t i, len = 0;

	if (!size)
		return;
	buf[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!(problems & names[i].bit))
			continue;
		len += (size_t)snprintf(buf + len, len < size ? size - len : 0, "%s%s",
					len ? ", " : "", names[i].name);
		if (len >= size) {
			buf[size - 1] = '\0';
			return;
		}
	}
}
