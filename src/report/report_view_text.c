/* The view of a scan (report_view.h): growable strings, small helpers,
 * times and access rights in words. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report_view_priv.h"
#include "rules.h"
#include "sddl.h"

/* ---- a growable string that remembers running out of memory ------------ */

static void sb_addn(struct sbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->p, cap);
		if (!p) {
			b->oom = 1;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

void sb_addf(struct sbuf *b, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof(small)) {
		sb_addn(b, small, (size_t)n);
		return;
	}
	va_start(ap, fmt);
	n = vasprintf(&big, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	sb_addn(b, big, (size_t)n);
	free(big);
}

/* The string (malloc'd, "" when nothing was added), NULL when out of
 * memory; b is emptied either way. */
char *sb_take(struct sbuf *b)
{
	char *p = b->p;

	if (b->oom) {
		free(p);
		p = NULL;
	} else if (!p) {
		p = strdup("");
	}
	memset(b, 0, sizeof(*b));
	return p;
}

/* ---- small helpers ------------------------------------------------------ */

const char *vw_js(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

long long vw_ji(json_t *o, const char *k, long long def)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

int vw_is_kind(json_t *e, const char *kind)
{
	const char *k = vw_js(e, "kind");

	return k && strcmp(k, kind) == 0;
}

const char *vw_basename_of(const char *path)
{
	const char *p = strrchr(path, '\\');

	return p ? p + 1 : path;
}

/* "BUILTIN\Administrators" -> "Administrators" */
const char *vw_account_short(const char *name)
{
	static const char *const prefixes[] = {
		"BUILTIN\\", "NT AUTHORITY\\", "NT SERVICE\\", "Everyone\\",
	};
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncasecmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return name + strlen(prefixes[i]);
	return name;
}

/* "Microsoft-Windows-CAPI2" -> "CAPI2", "Service Control Manager" -> "SCM" */
void vw_provider_short(const char *p, char *buf, size_t size)
{
	if (!p)
		p = "?";
	if (strcasecmp(p, "Service Control Manager") == 0)
		p = "SCM";
	else if (strncasecmp(p, "Microsoft-Windows-", 18) == 0 && p[18])
		p += 18;
	snprintf(buf, size, "%s", p);
}

void vw_fmt_count(long long n, char *buf, size_t size)
{
	char tmp[32];
	size_t len, i, o = 0;

	snprintf(tmp, sizeof(tmp), "%lld", n < 0 ? -n : n);
	len = strlen(tmp);
	if (n < 0 && o + 1 < size)
		buf[o++] = '-';
	for (i = 0; i < len && o + 2 < size; i++) {
		buf[o++] = tmp[i];
		if ((len - i - 1) % 3 == 0 && i + 1 < len)
			buf[o++] = ',';
	}
	buf[o] = '\0';
}

size_t view_width(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return n;
}

/* Cut s (in place) to at most max characters, ending with "..." */
void vw_cut(char *s, size_t max)
{
	size_t n = 0;
	char *p;

	if (view_width(s) <= max)
		return;
	for (p = s; *p; p++) {
		if (((unsigned char)*p & 0xc0) != 0x80) {
			if (n == max - 3)
				break;
			n++;
		}
	}
	strcpy(p, "...");
}

/* ---- times -------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int view_parse_time(const char *iso, int64_t *out)
{
	long long y;
	unsigned mo, d, h, mi, s;
	int n = 0;

	if (!iso || sscanf(iso, "%lld-%u-%uT%u:%u:%u%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 ||
	    mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60 ||
	    y < 1601 || y > 30828)
		return -1;
	*out = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s;
	return 0;
}

static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	*y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	if (*m <= 2)
		(*y)++;
}

void view_format_time(int64_t t, char *buf, size_t size)
{
	int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, rem = t - days * 86400, y;
	unsigned m, d;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02u-%02u %02u:%02u UTC", (long long)y, m, d,
		 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60));
}

/* "2024-06-04T23:00:05Z" for people, or the string as it is. */
void vw_when(const char *iso, char *buf, size_t size)
{
	int64_t t;

	if (view_parse_time(iso, &t) == 0)
		view_format_time(t, buf, size);
	else
		snprintf(buf, size, "%s", iso ? iso : "");
}

/* ---- rights in words ---------------------------------------------------- */

void view_rights_words(const char *names, char *buf, size_t size)
{
	size_t o = 0;
	const char *p;

	if (!size)
		return;
	buf[0] = '\0';
	if (!names)
		return;
	if (strcmp(names, "ALL_ACCESS") == 0) {
		snprintf(buf, size, "full control");
		return;
	}
	if (strcmp(names, "NONE") == 0 || !*names) {
		snprintf(buf, size, "none");
		return;
	}
	for (p = names; *p && o + 3 < size; p++) {
		if (*p == '|') {
			buf[o++] = ',';
			buf[o++] = ' ';
		} else if (*p == '_') {
			buf[o++] = ' ';
		} else if (p[0] == 'E' && p[1] == 'A' && (p[2] == '|' || !p[2]) &&
			   (p == names || p[-1] == '_')) {
			buf[o++] = 'E';
			buf[o++] = 'A';
			p++;
		} else if (p[0] == '0' && p[1] == 'x') {
			/* an unnamed bit: keep its hex as is */
			while (*p && *p != '|' && o + 3 < size)
				buf[o++] = *p++;
			p--;
		} else {
			buf[o++] = (char)tolower((unsigned char)*p);
		}
	}
	buf[o] = '\0';
}

/* A mask in words, with Windows' usual bundles named. */
void vw_mask_words(uint32_t mask, enum access_object obj, char *buf, size_t size)
{
	char names[512];
	uint32_t m = access_map_generic(mask, obj);

	if (obj != ACCESS_SERVICE) {
		if (m == FILE_ALL_ACCESS) {
			snprintf(buf, size, "full control");
			return;
		}
		if (m == 0x1301bfu) {
			snprintf(buf, size, "modify");
			return;
		}
		if (m == 0x1200a9u) {
			snprintf(buf, size, "read & execute");
			return;
		}
		if (m == FILE_GENERIC_READ) {
			snprintf(buf, size, "read");
			return;
		}
	}
	access_rights_names(m, obj, names, sizeof(names));
	view_rights_words(names, buf, size);
}

const char *vw_ace_type_words(uint8_t type)
{
	switch (type) {
	case ACE_ACCESS_ALLOWED: return "allow";
	case ACE_ACCESS_DENIED: return "deny";
	case ACE_SYSTEM_AUDIT: return "audit";
	case ACE_SYSTEM_ALARM: return "alarm";
	case ACE_ACCESS_ALLOWED_OBJECT: return "allow (object)";
	case ACE_ACCESS_DENIED_OBJECT: return "deny (object)";
	case ACE_ACCESS_ALLOWED_CALLBACK: return "allow (conditional)";
	case ACE_ACCESS_DENIED_CALLBACK: return "deny (conditional)";
	case ACE_SYSTEM_MANDATORY_LABEL: return "integrity label";
	default: return "other";
	}
}

void vw_sid_words(const struct sid *s, char *buf, size_t size)
{
	const char *name = sid_name(s);

	if (name) {
		snprintf(buf, size, "%s", name);
	} else if (sid_to_string(s, buf, size) < 0 && size) {
		buf[0] = '\0';
	}
}

void vw_inherit_words(uint8_t flags, int folder, char *buf, size_t size)
{
	struct sbuf b = { 0 };
	char *s;

	if (flags & (ACE_OBJECT_INHERIT | ACE_CONTAINER_INHERIT)) {
		sb_add(&b, (flags & ACE_INHERIT_ONLY) ? "only " : folder ? "this folder, " : "");
		if ((flags & ACE_OBJECT_INHERIT) && (flags & ACE_CONTAINER_INHERIT))
			sb_add(&b, "subfolders and files");
		else if (flags & ACE_OBJECT_INHERIT)
			sb_add(&b, "files");
		else
			sb_add(&b, "subfolders");
		if (flags & ACE_NO_PROPAGATE_INHERIT)
			sb_add(&b, " (one level)");
	} else if (flags & ACE_INHERIT_ONLY) {
		sb_add(&b, "inherit only");
	} else {
		sb_add(&b, "this object");
	}
	if (flags & ACE_INHERITED)
		sb_add(&b, ", inherited");
	s = sb_take(&b);
	snprintf(buf, size, "%s", s ? s : "");
	free(s);
}
