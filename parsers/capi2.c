/* CAPI2 event 513/512 "Details" text (see capi2.h for the layout). */
#include "capi2.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"

const char *capi2_kind_name(enum capi2_kind kind)
{
	switch (kind) {
	case CAPI2_CORE_CSI_ACCESS_DENIED:
		return "AddCoreCsiFiles BeginFileEnumeration access denied (cause 1)";
	case CAPI2_CORE_CSI_JUNCTION:
		return "AddCoreCsiFiles RtlConvertNtFilePathToWin32Path (junctions)";
	case CAPI2_LEGACY_DRIVER_ACCESS_DENIED:
		return "AddLegacyDriverFiles access denied (cause 3)";
	case CAPI2_LEGACY_DRIVER_NOT_FOUND:
		return "AddLegacyDriverFiles file not found (missing binary)";
	case CAPI2_LEGACY_DRIVER_BAD_PATH:
		return "AddLegacyDriverFiles path syntax (invalid ImagePath)";
	default:
		return "unknown";
	}
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

/* The next line of text at *pos, trimmed: [*s, *s + *n). 0 at the end. */
static int next_line(const char *text, size_t len, size_t *pos, const char **s, size_t *n)
{
	size_t b, e;

	if (*pos >= len)
		return 0;
	b = *pos;
	e = b;
	while (e < len && text[e] != '\n' && text[e] != '\r')
		e++;
	*pos = e;
	if (*pos < len && text[*pos] == '\r')
		(*pos)++;
	if (*pos < len && text[*pos] == '\n' && (*pos == e || text[*pos - 1] == '\r'))
		(*pos)++;
	while (b < e && is_blank((unsigned char)text[b]))
		b++;
	while (e > b && is_blank((unsigned char)text[e - 1]))
		e--;
	*s = text + b;
	*n = e - b;
	return 1;
}

static int starts_i(const char *s, size_t n, const char *prefix)
{
	size_t k = strlen(prefix), i;

	if (n < k)
		return 0;
	for (i = 0; i < k; i++)
		if (tolower((unsigned char)s[i]) != tolower((unsigned char)prefix[i]))
			return 0;
	return 1;
}

/* Case-insensitive search of needle in [s, s + n). */
static const char *find_i(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle), i;

	for (i = 0; i + k <= n; i++)
		if (starts_i(s + i, n - i, needle))
			return s + i;
	return NULL;
}

static void copy_field(char *dst, size_t size, const char *s, size_t n)
{
	if (n >= size)
		n = size - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

static int ident_char(int c)
{
	return isalnum(c) || c == '_';
}

/* "AddCoreCsiFiles", "CVssSystemWriter::OnIdentify": an uppercase first
 * letter and another uppercase letter before the colon. */
static int camel_case(const char *s, size_t n)
{
	size_t i;

	if (!isupper((unsigned char)s[0]))
		return 0;
	for (i = 1; i < n && s[i] != ':' && s[i] != ' '; i++)
		if (isupper((unsigned char)s[i]))
			return 1;
	return 0;
}

/* "<identifier> : <text>" with identifier [A-Za-z_][A-Za-z0-9_]* (C++ "::"
 * allowed inside) and non-empty text.  Fills function and detail. */
static int function_line(const char *s, size_t n, struct capi2_details *out,
			 const char **text, size_t *text_len)
{
	size_t i = 0, fe;

	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_'))
		return 0;
	while (i < n) {
		if (ident_char((unsigned char)s[i]))
			i++;
		else if (i + 2 < n && s[i] == ':' && s[i + 1] == ':' &&
			 ident_char((unsigned char)s[i + 2]))
			i += 2;
		else
			break;
	}
	fe = i;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || s[i] != ':')
		return 0;
	i++;
	while (i < n && is_blank((unsigned char)s[i]))
		i++;
	if (i >= n)
		return 0;
	copy_field(out->function, sizeof(out->function), s, fe);
	copy_field(out->detail, sizeof(out->detail), s + i, n - i);
	*text = s + i;
	*text_len = n - i;
	return 1;
}

/* The first number in s: 0x-hex (up to 8 digits) preferred, else a
 * decimal token. 1 found. */
static int find_number(const char *s, uint32_t *v)
{
	const char *p;
	char *end;
	unsigned long x;

	for (p = s; *p; p++)
		if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
			x = strtoul(p + 2, &end, 16);
			if (end - (p + 2) <= 8) {
				*v = (uint32_t)x;
				return 1;
			}
		}
	for (p = s; *p; p++) {
		if (!isdigit((unsigned char)*p) || (p > s && isalnum((unsigned char)p[-1])))
			continue;
		x = strtoul(p, &end, 10);
		if (end - p <= 10 && !isalnum((unsigned char)*end) && x <= 0xffffffffUL) {
			*v = (uint32_t)x;
			return 1;
		}
		p = end - 1;
	}
	return 0;
}

/* ---- the classifier: two tables ---------------------------------------
 * The system error is classed from its number first (Win32, HRESULT or
 * NTSTATUS), then from its English text; the kind comes from the first
 * row of capi2_rules whose function, detail prefix and error class match.
 * Each row names the cause or finding the text proves (DOMAIN.md "Event
 * 513 tells you which cause"); tests/check_capi2.c runs every row on its
 * exact text. */

enum err_class {
	ERRC_UNKNOWN = 1 << 0,        /* no number, text not recognised (localised) */
	ERRC_ACCESS_DENIED = 1 << 1,
	ERRC_NOT_FOUND = 1 << 2,
	ERRC_BAD_PATH = 1 << 3,       /* a path the system cannot parse */
	ERRC_OTHER = 1 << 4,          /* recognised, none of the above */
};
#define ERRC_ANY (ERRC_UNKNOWN | ERRC_ACCESS_DENIED | ERRC_NOT_FOUND | ERRC_BAD_PATH | ERRC_OTHER)

static const struct { uint32_t code; enum err_class c; } error_codes[] = {
	{ 5, ERRC_ACCESS_DENIED }, { 0x80070005u, ERRC_ACCESS_DENIED }, { 0xC0000022u, ERRC_ACCESS_DENIED },
	{ 2, ERRC_NOT_FOUND }, { 3, ERRC_NOT_FOUND }, { 0x80070002u, ERRC_NOT_FOUND },
	{ 0x80070003u, ERRC_NOT_FOUND }, { 0xC0000034u, ERRC_NOT_FOUND }, { 0xC000003Au, ERRC_NOT_FOUND },
	{ 123, ERRC_BAD_PATH }, { 0x8007007Bu, ERRC_BAD_PATH }, { 0xC0000033u, ERRC_BAD_PATH },
	{ 0xC0000039u, ERRC_BAD_PATH }, { 0xC000003Bu, ERRC_BAD_PATH },
};

static const struct { const char *text; enum err_class c; } error_texts[] = {
	{ "access is denied", ERRC_ACCESS_DENIED },
	{ "access denied", ERRC_ACCESS_DENIED },
	{ "cannot find the file", ERRC_NOT_FOUND },
	{ "cannot find the path", ERRC_NOT_FOUND },
	{ "syntax is incorrect", ERRC_BAD_PATH },
	{ "parameter is incorrect", ERRC_OTHER },
	{ "not enough", ERRC_OTHER },
	{ "sharing violation", ERRC_OTHER },
};

static const struct capi2_rule {
	const char *function;      /* exact (case-sensitive: it is a symbol) */
	const char *detail;        /* prefix of the text after it (any case), NULL any */
	unsigned errors;           /* enum err_class bits accepted */
	enum capi2_kind kind;
	const char *proves;        /* the cause or finding id */
} capi2_rules[] = {
	{ "AddCoreCsiFiles", "RtlConvertNtFilePathToWin32Path", ERRC_ANY,
	  CAPI2_CORE_CSI_JUNCTION, "profile-junction" },
	/* a localised text (UNKNOWN) still counts: the writer's enumeration
	 * fails this way only on a descriptor (KB 2009272) */
	{ "AddCoreCsiFiles", "BeginFileEnumeration", ERRC_ACCESS_DENIED | ERRC_UNKNOWN,
	  CAPI2_CORE_CSI_ACCESS_DENIED, "cause1" },
	{ "AddLegacyDriverFiles", NULL, ERRC_ACCESS_DENIED,
	  CAPI2_LEGACY_DRIVER_ACCESS_DENIED, "service-sd-blocks-writer" },
	{ "AddLegacyDriverFiles", NULL, ERRC_NOT_FOUND,
	  CAPI2_LEGACY_DRIVER_NOT_FOUND, "service-binary-missing" },
	{ "AddLegacyDriverFiles", NULL, ERRC_BAD_PATH,
	  CAPI2_LEGACY_DRIVER_BAD_PATH, "service-imagepath-invalid" },
};

static enum err_class classify(const struct capi2_details *d)
{
	const char *t = d->system_error;
	size_t n = strlen(t), i;
	uint32_t c = d->error_code;

	for (i = 0; c && i < sizeof(error_codes) / sizeof(error_codes[0]); i++)
		if (error_codes[i].code == c)
			return error_codes[i].c;
	for (i = 0; i < sizeof(error_texts) / sizeof(error_texts[0]); i++)
		if (find_i(t, n, error_texts[i].text))
			return error_texts[i].c;
	return c != 0 ? ERRC_OTHER : ERRC_UNKNOWN;
}

const char *capi2_kind_finding(enum capi2_kind kind)
{
	size_t i;

	for (i = 0; i < sizeof(capi2_rules) / sizeof(capi2_rules[0]); i++)
		if (capi2_rules[i].kind == kind)
			return capi2_rules[i].proves;
	return NULL;
}

static const struct { const char *name; enum capi2_kind kind; } kind_names[] = {
	{ "core_csi_access_denied", CAPI2_CORE_CSI_ACCESS_DENIED },
	{ "core_csi_junction", CAPI2_CORE_CSI_JUNCTION },
	{ "legacy_driver_access_denied", CAPI2_LEGACY_DRIVER_ACCESS_DENIED },
	{ "legacy_driver_not_found", CAPI2_LEGACY_DRIVER_NOT_FOUND },
	{ "legacy_driver_bad_path", CAPI2_LEGACY_DRIVER_BAD_PATH },
};

int capi2_kind_from_name(const char *name, enum capi2_kind *kind)
{
	size_t i;

	for (i = 0; name && i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (strcmp(name, kind_names[i].name) == 0) {
			*kind = kind_names[i].kind;
			return 1;
		}
	return 0;
}

int capi2_kind_from_id(const char *id)
{
	enum capi2_kind kind;

	return capi2_kind_from_name(id, &kind) ? (int)kind : -1;
}

const char *capi2_kind_ids(size_t i)
{
	return i < sizeof(kind_names) / sizeof(kind_names[0]) ? kind_names[i].name : NULL;
}

const char *capi2_kind_id(enum capi2_kind kind)
{
	size_t i;

	for (i = 0; i < sizeof(kind_names) / sizeof(kind_names[0]); i++)
		if (kind_names[i].kind == kind)
			return kind_names[i].name;
	return NULL;
}

int capi2_parse(const char *text, struct capi2_details *out, struct err *err)
{
	size_t len, pos = 0, n, elen = 0, i;
	const char *s, *b, *dtext = NULL;
	size_t dlen = 0;
	int found = 0, in_error = 0, details = 0;
	enum err_class ec;

	memset(out, 0, sizeof(*out));
	if (!text)
		return err_set(err, -E_CORRUPT, "capi2: no text");
	len = strlen(text);
	if (len > LIMIT_CAPI2_TEXT)
		return err_set(err, -E_LIMIT, "capi2: %zu bytes of text > LIMIT_CAPI2_TEXT (%u)",
			       len, LIMIT_CAPI2_TEXT);
	while (next_line(text, len, &pos, &s, &n)) {
		if (starts_i(s, n, "System Error:")) {
			in_error = 1;
			s += strlen("System Error:");
			n -= strlen("System Error:");
			while (n && is_blank((unsigned char)*s)) {
				s++;
				n--;
			}
		}
		if (in_error) {
			/* the error is the rest of the text; a lone "." ends a
			 * sentence that Windows splits over two lines */
			if (n == 0)
				continue;
			if (n == 1 && s[0] == '.' && elen && out->system_error[elen - 1] == '.')
				continue;
			if (elen && elen + 1 < sizeof(out->system_error) && !(n == 1 && s[0] == '.'))
				out->system_error[elen++] = ' ';
			if (elen + n >= sizeof(out->system_error))
				n = sizeof(out->system_error) - 1 - elen;
			memcpy(out->system_error + elen, s, n);
			elen += n;
			out->system_error[elen] = '\0';
			continue;
		}
		if (found)
			continue;
		if (starts_i(s, n, "Details:")) {
			details = 1;
			s += strlen("Details:");
			n -= strlen("Details:");
			while (n && is_blank((unsigned char)*s)) {
				s++;
				n--;
			}
		}
		if (n == 0)
			continue;
		/* After "Details:" the first line is the function line; without
		 * the header only a CamelCase function name counts, so a
		 * sentence with a colon is not taken for one. */
		if (details || camel_case(s, n))
			found = function_line(s, n, out, &dtext, &dlen);
		if (details && !found)
			details = 0;
	}
	if (!find_number(out->system_error, &out->error_code))
		out->error_code = 0;
	if (!found)
		return 0;
	if (strcmp(out->function, "AddLegacyDriverFiles") == 0) {
		b = find_i(dtext, dlen, "binary ");
		if (b) {
			b += strlen("binary ");
			n = dlen - (size_t)(b - dtext);
			while (n && (is_blank((unsigned char)b[n - 1]) || b[n - 1] == '.'))
				n--;
			copy_field(out->subject, sizeof(out->subject), b, n);
		}
	}
	ec = classify(out);
	for (i = 0; i < sizeof(capi2_rules) / sizeof(capi2_rules[0]); i++) {
		const struct capi2_rule *r = &capi2_rules[i];

		if (strcmp(out->function, r->function) != 0 || !(r->errors & ec) ||
		    (r->detail && !starts_i(out->detail, strlen(out->detail), r->detail)))
			continue;
		out->kind = r->kind;
		break;
	}
	return 1;
}
