/* The view of a scan for people: see report_view.h.
 *
 * Everything is derived from the JSON evidence the checks produced (the
 * contract), never from the checks' internals, so a rule added as data
 * still reads well: an unknown evidence shape falls back to key/value
 * rows with every value flattened to words. */
#define _GNU_SOURCE
#include "report_view.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "access.h"
#include "rules.h"
#include "sddl.h"
#include "secdesc.h"
#include "sid.h"

/* Longest line of words the one-screen report prints after its indent. */
#define WORDS_WIDTH 91
#define CELL_TEXT_MAX 400

/* ---- a growable string that remembers running out of memory ------------ */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

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

static void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static void sb_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_addf(struct sbuf *b, const char *fmt, ...)
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
static char *sb_take(struct sbuf *b)
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

static const char *js(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

static long long ji(json_t *o, const char *k, long long def)
{
	json_t *v = json_object_get(o, k);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

static int is_kind(json_t *e, const char *kind)
{
	const char *k = js(e, "kind");

	return k && strcmp(k, kind) == 0;
}

static const char *basename_of(const char *path)
{
	const char *p = strrchr(path, '\\');

	return p ? p + 1 : path;
}

/* "BUILTIN\Administrators" -> "Administrators" */
static const char *account_short(const char *name)
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
static void provider_short(const char *p, char *buf, size_t size)
{
	if (!p)
		p = "?";
	if (strcasecmp(p, "Service Control Manager") == 0)
		p = "SCM";
	else if (strncasecmp(p, "Microsoft-Windows-", 18) == 0 && p[18])
		p += 18;
	snprintf(buf, size, "%s", p);
}

static void fmt_count(long long n, char *buf, size_t size)
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
static void cut(char *s, size_t max)
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
static void when(const char *iso, char *buf, size_t size)
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
static void mask_words(uint32_t mask, enum access_object obj, char *buf, size_t size)
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

static const char *ace_type_words(uint8_t type)
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

static int ace_is_deny(uint8_t type)
{
	return type == ACE_ACCESS_DENIED || type == ACE_ACCESS_DENIED_OBJECT ||
	       type == ACE_ACCESS_DENIED_CALLBACK || type == ACE_ACCESS_DENIED_CALLBACK_OBJECT;
}

static void sid_words(const struct sid *s, char *buf, size_t size)
{
	const char *name = sid_name(s);

	if (name) {
		snprintf(buf, size, "%s", name);
	} else if (sid_to_string(s, buf, size) < 0 && size) {
		buf[0] = '\0';
	}
}

static void inherit_words(uint8_t flags, int folder, char *buf, size_t size)
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

/* ---- tables ------------------------------------------------------------- */

struct vb {
	struct vscan *v;
	struct vresult *r;
	int oom;
};

static char *dup_cell(struct vb *b, const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		b->oom = 1;
	return p;
}

/* A new table at the end of r->tables (NULL when out of memory; the
 * pointer is valid until the next vt_new). */
static struct vtable *vt_new(struct vb *b, const char *caption, size_t ncols,
			     const char *const *head)
{
	struct vresult *r = b->r;
	struct vtable *t, *nt;
	size_t i;

	if (b->oom)
		return NULL;
	nt = realloc(r->tables, (r->ntables + 1) * sizeof(*nt));
	if (!nt) {
		b->oom = 1;
		return NULL;
	}
	r->tables = nt;
	t = &nt[r->ntables];
	memset(t, 0, sizeof(*t));
	t->ncols = ncols;
	t->kv = head == NULL;
	if (caption) {
		t->caption = dup_cell(b, caption);
		if (!t->caption)
			return NULL;
	}
	if (head) {
		t->head = calloc(ncols, sizeof(char *));
		if (!t->head) {
			free(t->caption);
			b->oom = 1;
			return NULL;
		}
		for (i = 0; i < ncols; i++)
			t->head[i] = dup_cell(b, head[i]);
	}
	r->ntables++;
	return t;
}

static void vt_rowv(struct vb *b, struct vtable *t, enum vmark m, const char *const *cells)
{
	size_t i;

	if (!t || b->oom)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8;
		char **c = realloc(t->cells, cap * t->ncols * sizeof(char *));
		enum vmark *mk;

		if (!c) {
			b->oom = 1;
			return;
		}
		t->cells = c;
		mk = realloc(t->marks, cap * sizeof(*mk));
		if (!mk) {
			b->oom = 1;
			return;
		}
		t->marks = mk;
		t->cap = cap;
	}
	for (i = 0; i < t->ncols; i++) {
		char *c = dup_cell(b, cells[i]);

		if (c && view_width(c) > CELL_TEXT_MAX)
			cut(c, CELL_TEXT_MAX);
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->marks[t->nrows] = m;
	t->nrows++;
}

static void vt_kv(struct vb *b, struct vtable *t, const char *k, const char *v)
{
	const char *cells[2] = { k, v ? v : "" };

	vt_rowv(b, t, VMARK_NONE, cells);
}

static void vt_kvm(struct vb *b, struct vtable *t, enum vmark m, const char *k, const char *v)
{
	const char *cells[2] = { k, v ? v : "" };

	vt_rowv(b, t, m, cells);
}

static void vtable_release(struct vtable *t)
{
	size_t i;

	if (t->head)
		for (i = 0; i < t->ncols; i++)
			free(t->head[i]);
	if (t->cells)
		for (i = 0; i < t->nrows * t->ncols; i++)
			free(t->cells[i]);
	free(t->head);
	free(t->cells);
	free(t->marks);
	free(t->caption);
}

/* ---- JSON values as words (never JSON) --------------------------------- */

static int key_is_rights(const char *k)
{
	static const char *const keys[] = {
		"needs", "missing", "needs_folder", "needs_file", "expected_rights",
		"actual_rights", "writer", "system", "SY", "BA", "NS", "IU", "SU",
	};
	size_t i;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (strcmp(k, keys[i]) == 0)
			return 1;
	return 0;
}

static void flatten(struct sbuf *b, const char *key, json_t *v, int depth)
{
	if (json_is_string(v)) {
		if (key && key_is_rights(key)) {
			char w[512];

			view_rights_words(json_string_value(v), w, sizeof(w));
			sb_add(b, w);
		} else {
			sb_add(b, json_string_value(v));
		}
	} else if (json_is_integer(v)) {
		sb_addf(b, "%lld", (long long)json_integer_value(v));
	} else if (json_is_real(v)) {
		sb_addf(b, "%g", json_real_value(v));
	} else if (json_is_true(v)) {
		sb_add(b, "yes");
	} else if (json_is_false(v)) {
		sb_add(b, "no");
	} else if (json_is_null(v) || !v) {
		sb_add(b, "(none)");
	} else if (depth > 4) {
		sb_add(b, "...");
	} else if (json_is_array(v)) {
		size_t i;
		json_t *it;

		if (json_array_size(v) == 0)
			sb_add(b, "(none)");
		json_array_foreach(v, i, it) {
			if (i)
				sb_add(b, json_is_object(it) ? "; " : ", ");
			flatten(b, key, it, depth + 1);
		}
	} else if (json_is_object(v)) {
		const char *k;
		json_t *it;
		int first = 1;

		json_object_foreach(v, k, it) {
			sb_add(b, first ? "" : ", ");
			sb_add(b, k);
			sb_add(b, " = ");
			flatten(b, k, it, depth + 1);
			first = 0;
		}
		if (first)
			sb_add(b, "(none)");
	}
}

static char *flat(struct vb *b, const char *key, json_t *v)
{
	struct sbuf s = { 0 };
	char *p;

	flatten(&s, key, v, 0);
	p = sb_take(&s);
	if (!p)
		b->oom = 1;
	return p;
}

static void key_words(const char *k, char *buf, size_t size)
{
	size_t i;

	snprintf(buf, size, "%s", k);
	for (i = 0; buf[i]; i++)
		if (buf[i] == '_')
			buf[i] = ' ';
}

/* Every field of e as a key/value row, but those listed in skip. */
static void rows_generic(struct vb *b, struct vtable *t, json_t *e, const char *const *skip)
{
	const char *k;
	json_t *v;

	json_object_foreach(e, k, v) {
		char kw[128], *val;
		size_t i;
		int skipped = strcmp(k, "kind") == 0 || strcmp(k, "label") == 0;

		for (i = 0; skip && skip[i] && !skipped; i++)
			skipped = strcmp(k, skip[i]) == 0;
		if (skipped)
			continue;
		key_words(k, kw, sizeof(kw));
		if (strcmp(k, "first") == 0 || strcmp(k, "last") == 0 || strcmp(k, "last_at") == 0 ||
		    strcmp(k, "last_boot") == 0 || strcmp(k, "shutdown_at") == 0) {
			char w[64];

			when(js(e, k), w, sizeof(w));
			vt_kv(b, t, kw, w);
			continue;
		}
		val = flat(b, k, v);
		vt_kv(b, t, kw, val);
		free(val);
	}
}

/* ---- descriptors: ACL tables and the side-by-side difference ---------- */

static int decode(const char *sddl, struct secdesc *sd)
{
	struct err err;
	size_t off = 0;

	err_init(&err);
	memset(sd, 0, sizeof(*sd));
	if (!sddl || sddl_decode(sddl, sd, &off, &err) < 0) {
		secdesc_release(sd);
		return -1;
	}
	return 0;
}

static void ace_cell(const struct ace *a, enum access_object obj, char *buf, size_t size)
{
	char w[512];

	mask_words(a->mask, obj, w, sizeof(w));
	snprintf(buf, size, "%s: %s", ace_type_words(a->type), w);
}

/* The DACL of sddl as a table: type, account, rights, inheritance. */
static void table_acl(struct vb *b, const char *caption, const char *sddl, enum access_object obj)
{
	static const char *const head[] = { "type", "account", "rights", "applies to" };
	struct secdesc sd;
	struct vtable *t;
	unsigned i;

	if (decode(sddl, &sd) < 0)
		return;
	if (sd.has_dacl && sd.dacl.count) {
		t = vt_new(b, caption, 4, head);
		for (i = 0; t && i < sd.dacl.count; i++) {
			const struct ace *a = &sd.dacl.aces[i];
			char acc[SID_STR_MAX + 64], rights[512], inh[96];
			const char *cells[4];

			sid_words(&a->sid, acc, sizeof(acc));
			mask_words(a->mask, obj, rights, sizeof(rights));
			inherit_words(a->flags, obj == ACCESS_DIRECTORY, inh, sizeof(inh));
			cells[0] = ace_type_words(a->type);
			cells[1] = acc;
			cells[2] = rights;
			cells[3] = inh;
			vt_rowv(b, t, ace_is_deny(a->type) ? VMARK_BAD : VMARK_NONE, cells);
		}
	}
	secdesc_release(&sd);
}

#define FLAG_INHERIT_MASK (ACE_OBJECT_INHERIT | ACE_CONTAINER_INHERIT | \
			   ACE_NO_PROPAGATE_INHERIT | ACE_INHERIT_ONLY)

/* Expected and actual DACLs side by side: one row per ACE of either,
 * aligned on (type, SID, inheritance), marked same / missing / extra /
 * changed (rights compared after generic mapping).  -1 when either does
 * not decode (the caller falls back to the check's own diff). */
static int table_side_by_side(struct vb *b, const char *caption, const char *left_name,
			      const char *expected, const char *right_name,
			      const char *actual, enum access_object obj)
{
	const char *head[4] = { "account", left_name, right_name, "difference" };
	struct secdesc e, a;
	struct vtable *t;
	unsigned char *used = NULL;
	unsigned i, j;

	if (decode(expected, &e) < 0)
		return -1;
	if (decode(actual, &a) < 0) {
		secdesc_release(&e);
		return -1;
	}
	if (a.dacl.count) {
		used = calloc(a.dacl.count, 1);
		if (!used) {
			b->oom = 1;
			goto out;
		}
	}
	t = vt_new(b, caption, 4, head);
	if (!t)
		goto out;
	t->diff = 1;
	for (i = 0; i < e.dacl.count; i++) {
		const struct ace *x = &e.dacl.aces[i], *y = NULL;
		char acc[SID_STR_MAX + 64], l[600], r[600];
		const char *cells[4];
		enum vmark m;

		for (j = 0; j < a.dacl.count; j++) {
			const struct ace *c = &a.dacl.aces[j];

			if (!used[j] && c->type == x->type && sid_equal(&c->sid, &x->sid) &&
			    (c->flags & FLAG_INHERIT_MASK) == (x->flags & FLAG_INHERIT_MASK)) {
				used[j] = 1;
				y = c;
				break;
			}
		}
		sid_words(&x->sid, acc, sizeof(acc));
		ace_cell(x, obj, l, sizeof(l));
		if (y) {
			ace_cell(y, obj, r, sizeof(r));
			m = access_map_generic(x->mask, obj) == access_map_generic(y->mask, obj) ?
			    VMARK_OK : VMARK_CHANGED;
		} else {
			snprintf(r, sizeof(r), "(none)");
			m = VMARK_MISSING;
		}
		cells[0] = acc;
		cells[1] = l;
		cells[2] = r;
		cells[3] = m == VMARK_OK ? "same" : m == VMARK_CHANGED ? "rights differ" : "MISSING";
		vt_rowv(b, t, m, cells);
	}
	for (j = 0; j < a.dacl.count; j++) {
		char acc[SID_STR_MAX + 64], r[600];
		const char *cells[4];

		if (used[j])
			continue;
		sid_words(&a.dacl.aces[j].sid, acc, sizeof(acc));
		ace_cell(&a.dacl.aces[j], obj, r, sizeof(r));
		cells[0] = acc;
		cells[1] = "(none)";
		cells[2] = r;
		cells[3] = "EXTRA";
		vt_rowv(b, t, VMARK_EXTRA, cells);
	}
out:
	free(used);
	secdesc_release(&e);
	secdesc_release(&a);
	return 0;
}

/* The check's own per-ACE diff (when the SDDL texts do not decode). */
static void table_diff_items(struct vb *b, const char *caption, json_t *diff)
{
	static const char *const head[] = { "account", "expected", "actual", "difference" };
	struct vtable *t;
	size_t i;
	json_t *d;

	if (!json_array_size(diff))
		return;
	t = vt_new(b, caption, 4, head);
	if (!t)
		return;
	t->diff = 1;
	json_array_foreach(diff, i, d) {
		const char *ch = js(d, "change"), *acc = js(d, "account");
		const char *cells[4];

		cells[0] = acc ? acc : js(d, "sid") ? js(d, "sid") : "?";
		cells[1] = js(d, "expected") && *js(d, "expected") ? js(d, "expected") : "(none)";
		cells[2] = js(d, "actual") && *js(d, "actual") ? js(d, "actual") : "(none)";
		cells[3] = ch ? ch : "";
		vt_rowv(b, t, ch && !strcmp(ch, "missing") ? VMARK_MISSING :
			      ch && !strcmp(ch, "extra") ? VMARK_EXTRA : VMARK_CHANGED, cells);
	}
}

/* Effective rights per principal ("effective" and "lacking" objects). */
static void table_effective(struct vb *b, const char *caption, json_t *e)
{
	static const char *const head[] = { "who", "has", "lacks" };
	json_t *eff = json_object_get(e, "effective"), *lack = json_object_get(e, "lacking");
	struct vtable *t;
	const char *k;
	json_t *v;

	if (!json_is_object(eff) || !json_object_size(eff))
		return;
	t = vt_new(b, caption, 3, head);
	json_object_foreach(eff, k, v) {
		char has[512], lacks[512];
		const char *who = !strcmp(k, "SY") ? "SYSTEM" : !strcmp(k, "BA") ? "Administrators" :
				  !strcmp(k, "writer") ? "the writer's token" :
				  !strcmp(k, "system") ? "SYSTEM" : k;
		const char *cells[3];
		const char *l = js(lack, k);

		view_rights_words(json_string_value(v), has, sizeof(has));
		if (l)
			view_rights_words(l, lacks, sizeof(lacks));
		else
			snprintf(lacks, sizeof(lacks), "%s", json_is_object(lack) ? "nothing" : "");
		cells[0] = who;
		cells[1] = has;
		cells[2] = lacks;
		vt_rowv(b, t, l ? VMARK_BAD : VMARK_NONE, cells);
	}
}

/* ---- evidence kinds ----------------------------------------------------- */

static void ev_file(struct vb *b, json_t *e)
{
	const char *path = js(e, "path") ? js(e, "path") : "?";
	const char *obj = js(e, "object"), *verdict = js(e, "verdict");
	enum access_object ao = obj && !strcmp(obj, "folder") ? ACCESS_DIRECTORY : ACCESS_FILE;
	json_t *eff = json_object_get(e, "effective");
	struct sbuf cap = { 0 };
	struct vtable *t;
	char *c, w[512];
	static const char *const skip[] = {
		"path", "object", "verdict", "owner", "owner_name", "effective", "needs",
		"missing", "sddl", NULL,
	};

	sb_add(&cap, path);
	if (obj || verdict)
		sb_addf(&cap, ": %s%s%s", obj ? obj : "", obj && verdict ? ", " : "",
			verdict ? verdict : "");
	c = sb_take(&cap);
	if (!c) {
		b->oom = 1;
		return;
	}
	t = vt_new(b, c, 2, NULL);
	free(c);
	if (js(e, "owner") || js(e, "owner_name")) {
		char o[512];

		snprintf(o, sizeof(o), "%s%s%s%s", js(e, "owner_name") ? js(e, "owner_name") : "",
			 js(e, "owner_name") ? " (" : "", js(e, "owner") ? js(e, "owner") : "",
			 js(e, "owner_name") ? ")" : "");
		vt_kv(b, t, "owner", o);
	}
	if (js(eff, "writer")) {
		view_rights_words(js(eff, "writer"), w, sizeof(w));
		vt_kvm(b, t, js(e, "missing") ? VMARK_BAD : VMARK_NONE, "the writer's token has", w);
	}
	if (js(e, "needs")) {
		view_rights_words(js(e, "needs"), w, sizeof(w));
		vt_kv(b, t, "it needs", w);
	}
	if (js(e, "missing")) {
		view_rights_words(js(e, "missing"), w, sizeof(w));
		vt_kvm(b, t, VMARK_BAD, "it lacks", w);
	}
	if (js(eff, "system")) {
		view_rights_words(js(eff, "system"), w, sizeof(w));
		vt_kv(b, t, "SYSTEM has", w);
	}
	if (json_object_get(e, "sddl"))
		vt_kv(b, t, "SDDL", js(e, "sddl") ? js(e, "sddl") : "(none)");
	rows_generic(b, t, e, skip);
	if (js(e, "sddl")) {
		char acl[512];

		snprintf(acl, sizeof(acl), "%s: access control list", basename_of(path));
		table_acl(b, acl, js(e, "sddl"), ao);
	}
}

/* A service descriptor (cause 3, service-sd-blocks-writer). */
static void ev_service_sd(struct vb *b, json_t *e)
{
	/* a service's, or a registry key's or value's (vss-diag-key-acl,
	 * com-access-denied): named by the service, the value or the key */
	const char *svc = js(e, "service") ? js(e, "service") : js(e, "value") ? js(e, "value") :
			  js(e, "path") ? basename_of(js(e, "path")) : "?";
	const char *what = js(e, "service") ? "service descriptor" : "descriptor";
	const char *sddl = js(e, "sddl"), *exp = js(e, "expected"), *fixed = js(e, "fixed_sddl");
	struct vtable *t;
	char cap[512];
	static const char *const skip[] = {
		"service", "sddl", "expected", "fixed_sddl", "diff", "effective", "lacking", NULL,
	};

	snprintf(cap, sizeof(cap), "%s: %s (%s)", svc, what, js(e, "path") ? js(e, "path") : "");
	t = vt_new(b, cap, 2, NULL);
	vt_kv(b, t, "SDDL", sddl ? sddl : "(no Security value)");
	if (exp)
		vt_kv(b, t, "expected", exp);
	if (fixed)
		vt_kv(b, t, "with the fix", fixed);
	rows_generic(b, t, e, skip);
	snprintf(cap, sizeof(cap), "%s: effective rights", svc);
	table_effective(b, cap, e);
	if (sddl && (exp || fixed)) {
		snprintf(cap, sizeof(cap), "%s: %s", svc, exp ? "expected and actual ACEs" :
			 "ACEs now and with the fix");
		if (table_side_by_side(b, cap, exp ? "expected" : "with the fix", exp ? exp : fixed,
				       exp ? "actual" : "now", sddl, ACCESS_SERVICE) < 0)
			table_diff_items(b, cap, json_object_get(e, "diff"));
	}
}

/* A service's configuration (cause 2). */
static void table_services(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "service", "start", "account", "binaries", "status" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		struct sbuf bin = { 0 };
		json_t *img = json_object_get(e, "image"), *dll = json_object_get(e, "dll");
		const char *cells[5];
		char *bins, *probs, start[64];

		if (!is_kind(e, "registry") || !json_object_get(e, "start_type"))
			continue;
		if (!t)
			t = vt_new(b, "The System Writer's services", 5, head);
		if (js(img, "file"))
			sb_addf(&bin, "%s%s", basename_of(js(img, "file")),
				json_is_false(json_object_get(img, "exists")) ? " (MISSING)" : "");
		else if (js(e, "image_path"))
			sb_add(&bin, js(e, "image_path"));
		if (js(dll, "file"))
			sb_addf(&bin, "%s%s%s", bin.len ? ", " : "", basename_of(js(dll, "file")),
				json_is_false(json_object_get(dll, "exists")) ? " (MISSING)" : "");
		bins = sb_take(&bin);
		probs = json_object_get(e, "problems") ? flat(b, "problems", json_object_get(e, "problems")) :
			dup_cell(b, js(e, "status") ? js(e, "status") : "");
		snprintf(start, sizeof(start), "%s (%lld)", js(e, "start_type") ? js(e, "start_type") : "?",
			 ji(e, "start", -1));
		cells[0] = js(e, "service") ? js(e, "service") : "?";
		cells[1] = start;
		cells[2] = js(e, "object_name") ? js(e, "object_name") : "";
		cells[3] = bins ? bins : "";
		cells[4] = probs ? probs : "";
		vt_rowv(b, t, js(e, "status") && !strcmp(js(e, "status"), "broken") ? VMARK_BAD :
			      VMARK_NONE, cells);
		if (!bins)
			b->oom = 1;
		free(bins);
		free(probs);
	}
}

static const char *scm_words(long long id)
{
	switch (id) {
	case 7000: return "failed to start";
	case 7001: return "depends on a service that failed to start";
	case 7009: return "did not answer the start request in time";
	case 7011: return "did not answer a control in time";
	case 7022: return "hung on starting";
	case 7023: return "stopped with an error";
	case 7024: return "stopped with a service-specific error";
	case 7026: return "a boot driver failed to load";
	case 7031: return "stopped unexpectedly";
	case 7034: return "stopped unexpectedly";
	case 7036: return "changed state";
	case 7040: return "start type changed";
	default: return NULL;
	}
}

/* What an event group says, in words (for tables and the time line). */
static void event_what(json_t *e, int brief, char *buf, size_t size)
{
	const char *prov = js(e, "provider");
	long long id = ji(e, "event_id", 0);

	if (js(e, "function")) {
		char err[128];
		size_t n;

		snprintf(err, sizeof(err), "%s", js(e, "system_error") ? js(e, "system_error") : "?");
		n = strlen(err);
		if (n && err[n - 1] == '.')
			err[n - 1] = '\0';
		snprintf(buf, size, "%s: %s", js(e, "function"), err);
		if (!brief && js(e, "subject"))
			snprintf(buf + strlen(buf), size - strlen(buf), " (%s%s%s)", js(e, "subject"),
				 js(e, "service") ? ", service " : "", js(e, "service") ? js(e, "service") : "");
	} else if (prov && !strcasecmp(prov, "Service Control Manager") && scm_words(id)) {
		snprintf(buf, size, "%s %s%s%s", js(e, "service") ? js(e, "service") : "a service",
			 scm_words(id), brief ? "" :
			 json_is_true(json_object_get(e, "after_last_boot")) ? " after the last boot" : "",
			 brief ? "" : json_is_true(json_object_get(e, "repaired")) ? ", started again later" :
			 json_is_false(json_object_get(e, "repaired")) ? ", not started again" : "");
	} else if (js(e, "label") && strstr(js(e, "label"), ": ")) {
		snprintf(buf, size, "%s", strstr(js(e, "label"), ": ") + 2);
	} else {
		snprintf(buf, size, "%s", js(e, "text") ? js(e, "text") : "");
	}
	cut(buf, 150);
}

static void table_events(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "event", "count", "when", "what" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char p[64], id[96], n[32], f[64], l[64], span[160], what[256];
		const char *cells[4];
		struct sbuf wb = { 0 };
		char *w;

		if (is_kind(e, "note") && ji(e, "left_out", -1) >= 0) {
			if (!t)
				t = vt_new(b, "Events", 4, head);
			snprintf(n, sizeof(n), "%lld", ji(e, "left_out", 0));
			cells[0] = "";
			cells[1] = n;
			cells[2] = "";
			cells[3] = "more groups left out";
			vt_rowv(b, t, VMARK_INFO, cells);
			continue;
		}
		if (!is_kind(e, "event"))
			continue;
		if (!t)
			t = vt_new(b, "Events", 4, head);
		provider_short(js(e, "provider"), p, sizeof(p));
		snprintf(id, sizeof(id), "%s %lld", p, ji(e, "event_id", 0));
		fmt_count(ji(e, "count", 0), n, sizeof(n));
		when(js(e, "first"), f, sizeof(f));
		when(js(e, "last"), l, sizeof(l));
		if (strcmp(f, l) != 0)
			snprintf(span, sizeof(span), "%s to %s", f, l);
		else
			snprintf(span, sizeof(span), "%s", f);
		/* the check's reading of the event, then its own strings */
		if (js(e, "function") || (js(e, "provider") && !strcasecmp(js(e, "provider"), "Service Control Manager"))) {
			event_what(e, 0, what, sizeof(what));
			sb_add(&wb, what);
			if (js(e, "text"))
				sb_addf(&wb, " [%s]", js(e, "text"));
		} else {
			sb_add(&wb, js(e, "text") ? js(e, "text") : "");
		}
		if (js(e, "log"))
			sb_addf(&wb, " (%s)", js(e, "log"));
		w = sb_take(&wb);
		if (!w) {
			b->oom = 1;
			return;
		}
		cells[0] = id;
		cells[1] = n;
		cells[2] = span;
		cells[3] = w;
		vt_rowv(b, t, json_is_true(json_object_get(e, "repaired")) ? VMARK_NONE : VMARK_BAD, cells);
		free(w);
	}
}

static void table_service_states(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "service", "changes", "since boot", "last state",
					    "at", "note" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char n[32], nb[32], at[64], note[256];
		const char *cells[6];

		if (is_kind(e, "boot")) {
			struct vtable *k;
			char w[64];

			k = vt_new(b, "The last boot (System.evtx)", 2, NULL);
			t = NULL;    /* k moved the tables: start the states anew */
			when(js(e, "last_boot"), w, sizeof(w));
			vt_kv(b, k, "last boot", js(e, "last_boot") ? w : "not in the log");
			if (js(e, "shutdown")) {
				char s[256];

				if (js(e, "shutdown_at")) {
					when(js(e, "shutdown_at"), w, sizeof(w));
					snprintf(s, sizeof(s), "%s, %s", js(e, "shutdown"), w);
				} else {
					snprintf(s, sizeof(s), "%s", js(e, "shutdown"));
				}
				vt_kv(b, k, "shutdown", s);
			}
			continue;
		}
		if (!is_kind(e, "service_state"))
			continue;
		if (!t) {
			/* the table must be the last one while rows are added */
			t = vt_new(b, "Service Control Manager: the services' states", 6, head);
		}
		snprintf(n, sizeof(n), "%lld", ji(e, "count", 0));
		snprintf(nb, sizeof(nb), "%lld", ji(e, "since_last_boot", 0));
		when(js(e, "last_at"), at, sizeof(at));
		snprintf(note, sizeof(note), "%s%s%s",
			 json_is_true(json_object_get(e, "at_shutdown")) ? "stopped at an orderly shutdown" : "",
			 js(e, "note") && json_is_true(json_object_get(e, "at_shutdown")) ? "; " : "",
			 js(e, "note") ? js(e, "note") : "");
		cells[0] = js(e, "service") ? js(e, "service") : "?";
		cells[1] = n;
		cells[2] = nb;
		cells[3] = js(e, "last_state") ? js(e, "last_state") : "";
		cells[4] = js(e, "last_at") ? at : "";
		cells[5] = note;
		vt_rowv(b, t, VMARK_NONE, cells);
	}
}

static void table_counts(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "version folder", "folders", "limit", "largest subfolder",
					    "in it", "status" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char f[32], l[32], tf[32], st[96];
		const char *cells[6];
		json_t *top;
		long long folders = ji(e, "folders", 0), limit = ji(e, "limit", 0);
		int complete = !json_is_false(json_object_get(e, "complete"));

		if (!is_kind(e, "count"))
			continue;
		if (!t)
			t = vt_new(b, ".NET Framework version folders (folders inside their subfolders)", 6, head);
		top = json_array_get(json_object_get(e, "top"), 0);
		fmt_count(folders, f, sizeof(f));
		fmt_count(limit, l, sizeof(l));
		fmt_count(ji(top, "folders", 0), tf, sizeof(tf));
		snprintf(st, sizeof(st), "%s%s", limit > 0 && folders >= limit ? "AT/OVER LIMIT" : "below limit",
			 complete ? "" : " (counting stopped early)");
		cells[0] = js(e, "path") ? js(e, "path") : "?";
		if (!strncasecmp(cells[0], "Windows\\Microsoft.NET\\", 22))
			cells[0] += 22;
		cells[1] = f;
		cells[2] = l;
		cells[3] = js(top, "path") ? basename_of(js(top, "path")) : "";
		cells[4] = top ? tf : "";
		cells[5] = st;
		vt_rowv(b, t, limit > 0 && folders >= limit ? VMARK_BAD : VMARK_OK, cells);
	}
}

static void table_drift(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "what", "before", "after", "why", "severity" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char *bf, *af;
		const char *cells[5];
		int fail;

		if (!is_kind(e, "drift"))
			continue;
		if (!t)
			t = vt_new(b, "Changes since the baseline", 5, head);
		fail = js(e, "severity") && !strcmp(js(e, "severity"), "failure");
		bf = flat(b, "before", json_object_get(e, "before"));
		af = flat(b, "after", json_object_get(e, "after"));
		cells[0] = js(e, "path") ? js(e, "path") : "?";
		cells[1] = bf ? bf : "";
		cells[2] = af ? af : "";
		cells[3] = js(e, "why") ? js(e, "why") : "";
		cells[4] = fail ? "FAILURE" : js(e, "severity") ? js(e, "severity") : "";
		vt_rowv(b, t, fail ? VMARK_BAD : VMARK_INFO, cells);
		free(bf);
		free(af);
	}
}

static void table_hives(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "hive", "state", "dirty", "logs", "judged from" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char *logs;
		const char *cells[5];
		int dirty = json_is_true(json_object_get(e, "dirty"));

		if (!is_kind(e, "hive"))
			continue;
		if (!t)
			t = vt_new(b, "Registry hives", 5, head);
		logs = flat(b, "logs", json_object_get(e, "logs"));
		cells[0] = js(e, "hive") ? js(e, "hive") : "?";
		cells[1] = js(e, "state") ? js(e, "state") : js(e, "error") ? js(e, "error") : "";
		cells[2] = dirty ? "dirty" : "clean";
		cells[3] = logs ? logs : "";
		cells[4] = js(e, "view") ? js(e, "view") : dirty ? "" : "the hive file";
		vt_rowv(b, t, dirty ? VMARK_BAD : VMARK_OK, cells);
		free(logs);
	}
}

static void table_junctions(struct vb *b, json_t *ev)
{
	static const char *const head[] = { "path", "type", "target", "note" };
	struct vtable *t = NULL;
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		const char *cells[4];

		if (!is_kind(e, "junction"))
			continue;
		if (!t)
			t = vt_new(b, "Junctions and symbolic links", 4, head);
		cells[0] = js(e, "path") ? js(e, "path") : "?";
		cells[1] = js(e, "type") ? js(e, "type") : "";
		cells[2] = js(e, "target") ? js(e, "target") : "";
		cells[3] = js(e, "counted") ? js(e, "counted") : js(e, "note") ? js(e, "note") : "";
		vt_rowv(b, t, VMARK_BAD, cells);
	}
}

static void ev_vss_acl(struct vb *b, json_t *e)
{
	static const char *const head[] = { "account", "value", "meaning" };
	json_t *vals = json_object_get(e, "values"), *ng = json_object_get(e, "not_granted");
	struct vtable *t;
	const char *k;
	json_t *v;
	size_t i;
	static const char *const skip[] = { "values", NULL };

	t = vt_new(b, js(e, "path") ? js(e, "path") : "VssAccessControl", 2, NULL);
	rows_generic(b, t, e, skip);
	if (!json_is_object(vals) || !json_object_size(vals))
		return;
	t = vt_new(b, "VssAccessControl values", 3, head);
	json_object_foreach(vals, k, v) {
		char val[64];
		const char *cells[3];
		int denied = 0;
		json_t *n;

		json_array_foreach(ng, i, n)
			denied |= json_is_string(n) && !strcmp(json_string_value(n), k);
		snprintf(val, sizeof(val), "%lld", json_is_integer(v) ? (long long)json_integer_value(v) : -1);
		cells[0] = k;
		cells[1] = json_is_integer(v) ? val : "?";
		cells[2] = json_is_integer(v) && json_integer_value(v) ? "admitted" : "not admitted";
		vt_rowv(b, t, denied ? VMARK_BAD : VMARK_NONE, cells);
	}
}

static const char *kind_caption(json_t *e)
{
	const char *k = js(e, "kind");

	if (!k)
		return "Evidence";
	if (!strcmp(k, "summary") && json_object_get(e, "checked") && json_object_get(e, "denied"))
		return "WinSxS objects checked";
	if (!strcmp(k, "summary"))
		return "Summary of the check";
	if (!strcmp(k, "note"))
		return "Note";
	return NULL;
}

/* Every evidence item of r, as tables. */
static void result_tables(struct vb *b, const struct result *res)
{
	json_t *ev = res->evidence, *e;
	size_t i;
	int events = 0, states = 0, counts = 0, drift = 0, hives = 0, junctions = 0, services = 0;

	json_array_foreach(ev, i, e) {
		if (b->oom)
			return;
		if (!json_is_object(e))
			continue;
		if (is_kind(e, "event") || (is_kind(e, "note") && json_object_get(e, "left_out"))) {
			if (!events++)
				table_events(b, ev);
		} else if (is_kind(e, "boot") || is_kind(e, "service_state")) {
			if (!states++)
				table_service_states(b, ev);
		} else if (is_kind(e, "count")) {
			if (!counts++)
				table_counts(b, ev);
		} else if (is_kind(e, "drift")) {
			if (!drift++)
				table_drift(b, ev);
		} else if (is_kind(e, "hive")) {
			if (!hives++)
				table_hives(b, ev);
		} else if (is_kind(e, "junction")) {
			if (!junctions++)
				table_junctions(b, ev);
		} else if (is_kind(e, "registry") && json_object_get(e, "start_type") &&
			   json_object_get(e, "problems") != NULL) {
			if (!services++)
				table_services(b, ev);
		} else if (is_kind(e, "registry") && json_object_get(e, "start_type") &&
			   json_object_get(e, "status")) {
			if (!services++)
				table_services(b, ev);
		} else if (is_kind(e, "registry") && json_object_get(e, "values") &&
			   json_object_get(e, "not_granted")) {
			ev_vss_acl(b, e);
		} else if (is_kind(e, "registry") && (json_object_get(e, "expected") ||
						      json_object_get(e, "fixed_sddl") ||
						      json_object_get(e, "effective"))) {
			ev_service_sd(b, e);
		} else if (is_kind(e, "file") && (json_object_get(e, "sddl") ||
						  json_object_get(e, "effective"))) {
			ev_file(b, e);
		} else {
			const char *cap = kind_caption(e), *path = js(e, "path");
			static const char *const skip_path[] = { "path", NULL };
			static const char *const skip_reg[] = { "path", "hive", NULL };
			struct vtable *t;
			char c[512];

			if (!cap && is_kind(e, "registry") && path) {
				snprintf(c, sizeof(c), "%s%s%s", js(e, "hive") ? js(e, "hive") : "",
					 js(e, "hive") ? "\\" : "", path);
				cap = c;
			} else if (!cap && path) {
				snprintf(c, sizeof(c), "%s", path);
				cap = c;
			} else if (!cap) {
				snprintf(c, sizeof(c), "%s", js(e, "kind"));
				cap = c;
			}
			t = vt_new(b, cap, 2, NULL);
			rows_generic(b, t, e, cap == c ? (is_kind(e, "registry") ? skip_reg : skip_path) : NULL);
		}
	}
}

/* ---- words: what is wrong, per check ------------------------------------ */

struct words {
	struct sbuf line[2];
	int n;                   /* lines used */
	int dropped;             /* clauses that did not fit */
};

/* Add a clause to the words: "; " between clauses of a line, a new line
 * when the first is full, "..." when both are. */
static void w_clause(struct words *w, const char *text)
{
	struct sbuf *l;

	if (w->n == 0)
		w->n = 1;
	l = &w->line[w->n - 1];
	if (l->len && l->len + 2 + view_width(text) > WORDS_WIDTH) {
		if (w->n == 2) {
			w->dropped++;
			return;
		}
		w->n = 2;
		l = &w->line[1];
	}
	if (l->len)
		sb_add(l, "; ");
	sb_add(l, text);
}

/* "Temp\PendingRenames" -> "PendingRenames"; a file inside a folder that
 * is itself listed keeps the folder's name: "FileMaps\x.cdf-ms". */
static void object_name(json_t *ev, const char *path, char *buf, size_t size)
{
	const char *base = basename_of(path);
	size_t plen = (size_t)(base - path);
	size_t i;
	json_t *e;

	if (plen > 1) {
		json_array_foreach(ev, i, e) {
			const char *p = js(e, "path");

			if (is_kind(e, "file") && p && strlen(p) == plen - 1 && !strncmp(p, path, plen - 1)) {
				snprintf(buf, size, "%s\\%s", basename_of(p), base);
				return;
			}
		}
	}
	snprintf(buf, size, "%s", base);
}

/* Names of the deny ACEs in sddl ("Users"), or "" */
static void deny_names(const char *sddl, char *buf, size_t size)
{
	struct secdesc sd;
	unsigned i;
	size_t o = 0;

	buf[0] = '\0';
	if (decode(sddl, &sd) < 0)
		return;
	for (i = 0; i < sd.dacl.count && o + 4 < size; i++) {
		char acc[SID_STR_MAX + 64];

		if (!ace_is_deny(sd.dacl.aces[i].type) || (sd.dacl.aces[i].flags & ACE_INHERIT_ONLY))
			continue;
		sid_words(&sd.dacl.aces[i].sid, acc, sizeof(acc));
		o += (size_t)snprintf(buf + o, size - o, "%s%s", o ? ", " : "", account_short(acc));
		if (o >= size)
			o = size - 1;
	}
	secdesc_release(&sd);
}

static void words_winsxs(struct words *w, json_t *ev)
{
	size_t i, shown = 0;
	long long denied = 0;
	json_t *e;

	json_array_foreach(ev, i, e)
		if (is_kind(e, "summary"))
			denied = ji(e, "denied", 0);
	json_array_foreach(ev, i, e) {
		const char *path = js(e, "path"), *owner = js(e, "owner_name") ? js(e, "owner_name") : js(e, "owner");
		const char *writer = js(json_object_get(e, "effective"), "writer");
		int folder = js(e, "object") && !strcmp(js(e, "object"), "folder");
		char name[256], deny[256], c[1536], lacks[512];

		if (!is_kind(e, "file") || !path || !js(e, "verdict") || strcmp(js(e, "verdict"), "denied"))
			continue;
		/* one object a line: two of them, or one and how many more */
		if (shown == 2 || (shown == 1 && denied > 2))
			break;
		object_name(ev, path, name, sizeof(name));
		deny_names(js(e, "sddl"), deny, sizeof(deny));
		view_rights_words(js(e, "missing"), lacks, sizeof(lacks));
		if (deny[0])
			snprintf(c, sizeof(c), "%s: owner %s; a deny ACE for %s blocks the writer",
				 name, owner ? account_short(owner) : "?", deny);
		else if (writer && !strcmp(writer, "NONE"))
			snprintf(c, sizeof(c), "%s: owner %s; the writer's token cannot %s it", name,
				 owner ? account_short(owner) : "?", folder ? "list" : "read");
		else
			snprintf(c, sizeof(c), "%s: owner %s; the writer's token lacks %s", name,
				 owner ? account_short(owner) : "?", lacks);
		w->n = (int)shown + 1;
		sb_add(&w->line[shown], c);
		shown++;
	}
	if (shown == 1 && denied > 1) {
		char c[128];

		snprintf(c, sizeof(c), "%lld more WinSxS object%s the writer's token cannot read (-v lists them)",
			 denied - 1, denied - 1 == 1 ? "" : "s");
		w->n = 2;
		sb_add(&w->line[1], c);
	}
}

/* "SYSTEM, INTERACTIVE and SERVICE" */
static void join_and(struct sbuf *b, const char *const *items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (i)
			sb_add(b, i + 1 == n ? " and " : ", ");
		sb_add(b, items[i]);
	}
}

static void words_service_sd(struct words *w, json_t *ev)
{
	size_t i, j;
	json_t *e, *d;

	json_array_foreach(ev, i, e) {
		const char *svc = js(e, "service"), *items[16];
		json_t *lack = json_object_get(e, "lacking");
		size_t n = 0, nx = 0, nc = 0;
		const char *extra[16], *changed[16];
		struct sbuf c = { 0 };
		char *s;

		if (!is_kind(e, "registry") || !svc || !js(e, "verdict") || !strcmp(js(e, "verdict"), "ok"))
			continue;
		json_array_foreach(json_object_get(e, "diff"), j, d) {
			const char *acc = js(d, "account") ? account_short(js(d, "account")) : js(d, "sid");
			const char *ch = js(d, "change");

			if (!acc || !ch)
				continue;
			if (!strcmp(ch, "missing") && n < 16)
				items[n++] = acc;
			else if (!strcmp(ch, "extra") && nx < 16)
				extra[nx++] = acc;
			else if (nc < 16)
				changed[nc++] = acc;
		}
		sb_addf(&c, "%s's descriptor", svc);
		if (n) {
			sb_add(&c, " lost ");
			join_and(&c, items, n);
		}
		if (nc) {
			sb_add(&c, n ? "; changed the rights of " : " changed the rights of ");
			join_and(&c, changed, nc);
		}
		if (nx) {
			sb_add(&c, n || nc ? "; adds " : " adds ");
			join_and(&c, extra, nx);
		}
		if (!n && !nc && !nx)
			sb_add(&c, " does not grant what is needed");
		s = sb_take(&c);
		if (s)
			w_clause(w, s);
		free(s);
		if (json_is_object(lack) && json_object_size(lack)) {
			const char *who[4];
			size_t k = 0;

			if (js(lack, "SY"))
				who[k++] = "SYSTEM";
			if (js(lack, "BA"))
				who[k++] = "Administrators";
			if (js(lack, "writer"))
				who[k++] = "the writer's token";
			join_and(&c, who, k);
			sb_add(&c, k == 1 ? " can no longer query it" : " can no longer query it");
			s = sb_take(&c);
			if (s && k)
				w_clause(w, s);
			free(s);
		}
	}
}

static void words_services(struct words *w, json_t *ev)
{
	size_t i, j;
	json_t *e, *p;

	json_array_foreach(ev, i, e) {
		const char *svc = js(e, "service");

		if (!is_kind(e, "registry") || !svc || !js(e, "status") || strcmp(js(e, "status"), "broken"))
			continue;
		json_array_foreach(json_object_get(e, "problems"), j, p) {
			char c[512];

			if (!json_is_string(p))
				continue;
			snprintf(c, sizeof(c), "%s: %s", svc, json_string_value(p));
			w_clause(w, c);
		}
	}
}

static void words_framework(struct words *w, json_t *ev)
{
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		const char *path = js(e, "path");
		long long folders = ji(e, "folders", 0), limit = ji(e, "limit", 0);
		json_t *top = json_array_get(json_object_get(e, "top"), 0);
		char f[32], l[32], t[32], c[512];

		if (!is_kind(e, "count") || !path || limit <= 0 || folders < limit)
			continue;
		if (!strncasecmp(path, "Windows\\Microsoft.NET\\", 22))
			path += 22;
		fmt_count(folders, f, sizeof(f));
		fmt_count(limit, l, sizeof(l));
		fmt_count(ji(top, "folders", 0), t, sizeof(t));
		if (js(top, "path"))
			snprintf(c, sizeof(c), "%s: %s folders (limit %s), %s in %s", path, f, l, t,
				 basename_of(js(top, "path")));
		else
			snprintf(c, sizeof(c), "%s: %s folders (limit %s)", path, f, l);
		w_clause(w, c);
	}
	json_array_foreach(ev, i, e) {
		char c[512];

		if (is_kind(e, "file") && js(e, "temp_directory")) {
			snprintf(c, sizeof(c), "%s sets tempDirectory %s", basename_of(js(e, "path") ? js(e, "path") : ""),
				 js(e, "temp_directory"));
			w_clause(w, c);
		}
	}
}

static void words_sd_blocks(struct words *w, json_t *ev)
{
	size_t i, n = 0, shown = 0;
	long long blocking = -1;
	json_t *e;
	int named;

	json_array_foreach(ev, i, e) {
		if (is_kind(e, "registry") && json_object_get(e, "blocking"))
			blocking = ji(e, "blocking", -1);
		if (is_kind(e, "registry") && js(e, "service") && json_object_get(e, "lacking"))
			n++;
	}
	/* with the display name when one service is named and it fits */
	for (named = n == 1; named >= 0; named--) {
		struct sbuf c = { 0 };
		char *s;

		shown = 0;
		json_array_foreach(ev, i, e) {
			const char *svc = js(e, "service");
			int drv = json_is_true(json_object_get(e, "driver"));

			if (!is_kind(e, "registry") || !svc || !json_object_get(e, "lacking"))
				continue;
			if (shown == 3)
				break;
			sb_addf(&c, "%s%s", shown ? ", " : "", svc);
			if (n == 1 && named && js(e, "display_name"))
				sb_addf(&c, " (%s%s)", drv ? "driver, " : "", js(e, "display_name"));
			else if (n == 1 && drv)
				sb_add(&c, " (driver)");
			shown++;
		}
		if (!shown) {
			free(sb_take(&c));
			return;
		}
		if (blocking > (long long)shown)
			sb_addf(&c, " and %lld more", blocking - (long long)shown);
		sb_add(&c, blocking > 1 || shown > 1 ? ": the writer's token cannot query them" :
			   ": the writer's token cannot query it");
		s = sb_take(&c);
		if (s && (view_width(s) <= WORDS_WIDTH || named == 0)) {
			w_clause(w, s);
			free(s);
			return;
		}
		free(s);
	}
}

static void words_binary(struct words *w, json_t *ev)
{
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char c[512];

		if (!is_kind(e, "registry") || !js(e, "service") || !json_is_false(json_object_get(e, "exists")))
			continue;
		snprintf(c, sizeof(c), "%s: %s %s is missing", js(e, "service"),
			 js(e, "value") ? js(e, "value") : "binary",
			 js(e, "file") ? js(e, "file") : js(e, "data") ? js(e, "data") : "?");
		w_clause(w, c);
	}
}

static void words_vss_acl(struct words *w, json_t *ev)
{
	size_t i, j;
	json_t *e, *n;

	json_array_foreach(ev, i, e) {
		json_t *vals = json_object_get(e, "values");

		if (!is_kind(e, "registry"))
			continue;
		if (json_is_false(json_object_get(e, "exists"))) {
			w_clause(w, "the VssAccessControl key is missing");
			continue;
		}
		json_array_foreach(json_object_get(e, "not_granted"), j, n) {
			char c[512];
			json_t *v = json_is_string(n) ? json_object_get(vals, json_string_value(n)) : NULL;

			if (!json_is_string(n))
				continue;
			if (json_is_integer(v))
				snprintf(c, sizeof(c), "VssAccessControl sets %s to %lld: VSS refuses it",
					 json_string_value(n), (long long)json_integer_value(v));
			else
				snprintf(c, sizeof(c), "VssAccessControl has no value for %s",
					 json_string_value(n));
			w_clause(w, c);
		}
	}
}

static void words_junction(struct words *w, json_t *ev)
{
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char c[512];

		if (!is_kind(e, "junction"))
			continue;
		snprintf(c, sizeof(c), "%s is a %s to %s", js(e, "path") ? js(e, "path") : "?",
			 js(e, "type") && !strcmp(js(e, "type"), "symlink") ? "symbolic link" : "junction",
			 js(e, "target") ? js(e, "target") : "?");
		w_clause(w, c);
	}
}

static void words_drift(struct words *w, json_t *ev)
{
	size_t i;
	json_t *e;

	json_array_foreach(ev, i, e) {
		char c[512];

		if (!is_kind(e, "drift") || !js(e, "severity") || strcmp(js(e, "severity"), "failure"))
			continue;
		snprintf(c, sizeof(c), "%s: %s", js(e, "path") ? js(e, "path") : "?",
			 js(e, "why") ? js(e, "why") : "changed");
		w_clause(w, c);
	}
}

/* The decisive event group of a result: a Service Control Manager failure
 * not repaired, else the first group (the rules list the events that
 * make a cause present first). */
static json_t *decisive_event(json_t *ev, size_t *groups)
{
	json_t *e, *best = NULL, *first = NULL;
	size_t i;

	*groups = 0;
	json_array_foreach(ev, i, e) {
		if (!is_kind(e, "event"))
			continue;
		(*groups)++;
		if (!first)
			first = e;
		if (!best && json_is_false(json_object_get(e, "repaired")) &&
		    json_is_true(json_object_get(e, "after_last_boot")))
			best = e;
	}
	return best ? best : first;
}

static char *event_line(struct vb *b, json_t *ev)
{
	size_t groups;
	json_t *e = decisive_event(ev, &groups);
	char p[64], what[256], n[32], t[64], line[600];
	long long count;
	int64_t last;
	int brief;

	if (!e)
		return NULL;
	provider_short(js(e, "provider"), p, sizeof(p));
	count = ji(e, "count", 0);
	fmt_count(count, n, sizeof(n));
	if (view_parse_time(js(e, "last"), &last) == 0)
		view_format_time(last, t, sizeof(t));
	else
		snprintf(t, sizeof(t), "time unknown");
	for (brief = 0; brief < 3; brief++) {
		size_t rest;

		event_what(e, brief > 0, what, sizeof(what));
		cut(what, 64);
		snprintf(line, sizeof(line), "%s %lld (): %s event%s, %s%s", p, ji(e, "event_id", 0),
			 n, count == 1 ? "" : "s", count == 1 ? "" : "last ", t);
		rest = view_width(line);
		if (brief == 2 && rest + 8 < WORDS_WIDTH)
			cut(what, WORDS_WIDTH - rest);
		snprintf(line, sizeof(line), "%s %lld (%s): %s event%s, %s%s", p, ji(e, "event_id", 0), what,
			 n, count == 1 ? "" : "s", count == 1 ? "" : "last ", t);
		if (view_width(line) <= WORDS_WIDTH)
			break;
	}
	if (groups > 1) {
		char more[64];

		snprintf(more, sizeof(more), " (+%zu more event group%s)", groups - 1, groups > 2 ? "s" : "");
		if (view_width(line) + strlen(more) <= WORDS_WIDTH)
			strcat(line, more);
	}
	return dup_cell(b, line);
}

static void result_words(struct vb *b, const struct scan *s, size_t i)
{
	const struct result *res = &s->results[i];
	const char *check = res->rule && res->rule->check ? res->rule->check->name : "";
	struct words w;
	int k;

	memset(&w, 0, sizeof(w));
	if (res->status == STATUS_PRESENT) {
		if (!strcmp(check, "winsxs_acl"))
			words_winsxs(&w, res->evidence);
		else if (!strcmp(check, "services_running"))
			words_services(&w, res->evidence);
		else if (!strcmp(check, "service_descriptors"))
			words_service_sd(&w, res->evidence);
		else if (!strcmp(check, "framework_folders"))
			words_framework(&w, res->evidence);
		else if (!strcmp(check, "service_sd_blocks_writer"))
			words_sd_blocks(&w, res->evidence);
		else if (!strcmp(check, "service_binary_missing"))
			words_binary(&w, res->evidence);
		else if (!strcmp(check, "vss_access_control"))
			words_vss_acl(&w, res->evidence);
		else if (!strcmp(check, "winsxs_junction"))
			words_junction(&w, res->evidence);
		else if (!strcmp(check, "baseline_drift"))
			words_drift(&w, res->evidence);
		else if (!strcmp(check, "events"))
			w.n = 0;     /* the event line says it all */
		if (w.n == 0 && strcmp(check, "events") != 0 && res->summary)
			w_clause(&w, res->summary);
		if (w.n == 0 && !strcmp(check, "events") && !decisive_event(res->evidence, &(size_t){ 0 }) &&
		    res->summary)
			w_clause(&w, res->summary);
	} else if (res->summary) {
		w_clause(&w, res->summary);
	}
	if (w.dropped && w.n > 0) {
		struct sbuf *l = &w.line[w.n - 1];
		char more[48];

		snprintf(more, sizeof(more), " (+%d more with -v)", w.dropped);
		if (l->p && view_width(l->p) + strlen(more) > WORDS_WIDTH)
			cut(l->p, WORDS_WIDTH - strlen(more));
		if (l->p)
			l->len = strlen(l->p);
		sb_add(l, more);
	}
	for (k = 0; k < 2; k++) {
		if (w.line[k].oom)
			b->oom = 1;
		if (k < w.n && w.line[k].len) {
			b->r->words[k] = sb_take(&w.line[k]);
			if (!b->r->words[k])
				b->oom = 1;
		} else {
			free(w.line[k].p);
		}
	}
	/* words[] stays NULL-terminated: a hole moves the second line up */
	if (!b->r->words[0] && b->r->words[1]) {
		b->r->words[0] = b->r->words[1];
		b->r->words[1] = NULL;
	}
}

/* ---- the scan ----------------------------------------------------------- */

int view_result_fails(const struct scan *s, size_t i)
{
	return s->results[i].status == STATUS_PRESENT && scan_result_fails(s, i);
}

static const char *const seed_titles[4] = {
	"File permissions lost under WinSxS",
	"A service the System Writer needs is not running",
	"Service security descriptors lost",
	"Too many folders under the .NET Framework directory",
};

char *view_verdict(const struct scan *s)
{
	struct sbuf b = { 0 };
	size_t i, ncause = 0, nfail = 0;
	int st = scan_exit_status(s);

	for (i = 0; i < s->nresults; i++)
		if (view_result_fails(s, i))
			*(i < 4 ? &ncause : &nfail) += 1;
	if (s->open_failed) {
		sb_addf(&b, "the source could not be read: %s", s->open_err.msg);
	} else if (st == 1) {
		if (ncause) {
			sb_addf(&b, "%zu cause%s present:", ncause, ncause == 1 ? "" : "s");
			for (i = 0; i < 4 && i < s->nresults; i++)
				if (s->results[i].status == STATUS_PRESENT)
					sb_addf(&b, " %s", result_id(&s->results[i], i));
		} else {
			sb_add(&b, "no cause present");
		}
		if (nfail) {
			sb_addf(&b, "%s failing finding%s:", ncause ? ";" : ", but", nfail == 1 ? "" : "s");
			for (i = 4; i < s->nresults; i++)
				if (view_result_fails(s, i))
					sb_addf(&b, " %s", result_id(&s->results[i], i));
		}
	} else if (st == 3) {
		sb_add(&b, "no cause found, but some checks could not run");
	} else {
		sb_add(&b, "no cause present; every check ran");
	}
	return sb_take(&b);
}

static void human_size(uint64_t n, char *buf, size_t size)
{
	const char *u[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%llu bytes", (unsigned long long)n);
	else
		snprintf(buf, size, "%.1f %s", v, u[i]);
}

static char *image_words(const struct scan *s)
{
	struct sbuf b = { 0 };
	char sz[32];

	if (s->ev.img) {
		human_size(image_size(s->ev.img), sz, sizeof(sz));
		sb_addf(&b, "%s image, %s", image_format(s->ev.img), sz);
	} else if (s->ev.is_dir) {
		sb_add(&b, "mounted volume directory");
	}
	return sb_take(&b);
}

static char *volume_words(const struct scan *s)
{
	struct sbuf b = { 0 };

	if (s->ev.fs && !s->ev.is_dir) {
		if (s->ev.vol.index > 0)
			sb_addf(&b, "partition %d (%s), NTFS at offset %llu", s->ev.vol.index, s->ev.vol.type,
				(unsigned long long)s->ev.vol.offset);
		else
			sb_addf(&b, "%s NTFS volume at offset %llu", s->ev.vol.index == 0 ? "bare" : "--offset",
				(unsigned long long)s->ev.vol.offset);
		sb_addf(&b, ", label \"%s\"%s", fs_info(s->ev.fs)->label, fs_info(s->ev.fs)->dirty ? ", dirty" : "");
		if (s->ev.vol.letter)
			sb_addf(&b, ", drive %c:", s->ev.vol.letter);
	}
	return sb_take(&b);
}

/* "C: partition 2, D: partition 1, E: not in the image (device path)",
 * "" when the registry names no letter. */
static char *drives_words(const struct scan *s)
{
	struct sbuf b = { 0 };
	const char *k;
	json_t *dv;

	json_object_foreach(json_object_get(s->ev.windows, "drive_letters"), k, dv)
		sb_addf(&b, "%s%s: %s", b.len ? ", " : "", k, json_is_string(dv) ? json_string_value(dv) : "?");
	return sb_take(&b);
}

static char *windows_words(const struct scan *s, int brief)
{
	struct sbuf b = { 0 };
	const char *pn = js(s->ev.windows, "product_name"), *cv = js(s->ev.windows, "current_version");
	const char *bd = js(s->ev.windows, "build"), *cs = js(s->ev.windows, "control_set");

	if (!json_object_size(s->ev.windows))
		return brief ? strdup("") : NULL;
	sb_add(&b, pn ? pn : "Windows (product name unknown)");
	if (brief) {
		if (bd)
			sb_addf(&b, " (build %s)", bd);
		return sb_take(&b);
	}
	if (cv)
		sb_addf(&b, " %s", cv);
	if (bd)
		sb_addf(&b, " build %s", bd);
	if (cs)
		sb_addf(&b, ", %s", cs);
	return sb_take(&b);
}

/* ---- charts ------------------------------------------------------------- */

static void collect_bars(struct vb *b, const struct scan *s)
{
	struct vscan *v = b->v;
	size_t i, j, k;
	json_t *e;

	for (i = 0; i < s->nresults; i++) {
		const struct result *res = &s->results[i];
		const char *check = res->rule && res->rule->check ? res->rule->check->name : "";

		if (strcmp(check, "framework_folders") != 0)
			continue;
		json_array_foreach(res->evidence, j, e) {
			struct vbar *nb, *bar;
			json_t *top;
			const char *path = js(e, "path");

			if (!is_kind(e, "count") || !path || b->oom)
				continue;
			nb = realloc(v->bars, (v->nbars + 1) * sizeof(*nb));
			if (!nb) {
				b->oom = 1;
				return;
			}
			v->bars = nb;
			bar = &nb[v->nbars++];
			memset(bar, 0, sizeof(*bar));
			if (!strncasecmp(path, "Windows\\Microsoft.NET\\", 22))
				path += 22;
			snprintf(bar->name, sizeof(bar->name), "%s", path);
			bar->folders = ji(e, "folders", 0);
			bar->limit = ji(e, "limit", 0);
			json_array_foreach(json_object_get(e, "top"), k, top) {
				const char *tp = js(top, "path");

				if (tp && !strcasecmp(basename_of(tp), "Temporary ASP.NET Files"))
					bar->temp = ji(top, "folders", 0);
			}
		}
	}
}

static int event_matters(json_t *e, int *bad)
{
	const char *p = js(e, "provider");
	long long id = ji(e, "event_id", 0);

	*bad = 1;
	if (!p)
		return 0;
	if (!strcasecmp(p, "Microsoft-Windows-CAPI2"))
		return id == 513 || id == 512;
	if (!strcasecmp(p, "VSS"))
		return id == 8193 || id == 8194 || id == 8213 || id == 12289 || id == 12292 || id == 12302;
	if (!strcasecmp(p, "Microsoft-Windows-Backup"))
		return id == 517 || id == 521;
	if (!strcasecmp(p, "Service Control Manager")) {
		*bad = !json_is_true(json_object_get(e, "repaired"));
		return id != 7036 && id != 7040;
	}
	if (!strcasecmp(p, "swprv"))
		return 1;
	return 0;
}

static void add_event(struct vb *b, const char *lane, const char *what, int64_t first,
		      int64_t last, long long count, int bad)
{
	struct vscan *v = b->v;
	struct vevent *ne, *ve;
	size_t i;

	for (i = 0; i < v->nevents; i++) {
		ve = &v->events[i];
		if (ve->first == first && ve->last == last && ve->count == count &&
		    !strcmp(ve->lane, lane) && !strcmp(ve->what, what))
			return;      /* the same group, shown by another rule */
	}
	ne = realloc(v->events, (v->nevents + 1) * sizeof(*ne));
	if (!ne) {
		b->oom = 1;
		return;
	}
	v->events = ne;
	ve = &ne[v->nevents++];
	memset(ve, 0, sizeof(*ve));
	snprintf(ve->lane, sizeof(ve->lane), "%s", lane);
	snprintf(ve->what, sizeof(ve->what), "%s", what);
	ve->first = first;
	ve->last = last;
	ve->count = count;
	ve->bad = bad;
}

static int cmp_event(const void *a, const void *b)
{
	const struct vevent *x = a, *y = b;

	if (x->first != y->first)
		return x->first < y->first ? -1 : 1;
	return strcmp(x->lane, y->lane);
}

static void collect_events(struct vb *b, const struct scan *s)
{
	size_t i, j;
	json_t *e;

	for (i = 0; i < s->nresults; i++) {
		json_array_foreach(s->results[i].evidence, j, e) {
			char p[64], lane[80], what[256];
			int64_t first, last;
			int bad;

			if (b->oom)
				return;
			if (is_kind(e, "boot")) {
				if (view_parse_time(js(e, "last_boot"), &first) == 0)
					b->v->boot = first;
				continue;
			}
			if (is_kind(e, "service_state") && js(e, "last_state") &&
			    !strcmp(js(e, "last_state"), "stopped") &&
			    view_parse_time(js(e, "last_at"), &first) == 0) {
				snprintf(lane, sizeof(lane), "SCM: %s stopped", js(e, "service") ? js(e, "service") : "?");
				snprintf(what, sizeof(what), "%s stopped%s", js(e, "service") ? js(e, "service") : "?",
					 json_is_true(json_object_get(e, "at_shutdown")) ? " at an orderly shutdown" : "");
				add_event(b, lane, what, first, first, 1, 0);
				continue;
			}
			if (!is_kind(e, "event") || !event_matters(e, &bad))
				continue;
			if (view_parse_time(js(e, "first"), &first) < 0)
				continue;
			if (view_parse_time(js(e, "last"), &last) < 0 || last < first)
				last = first;
			provider_short(js(e, "provider"), p, sizeof(p));
			if (!strcasecmp(p, "SCM"))
				snprintf(lane, sizeof(lane), "SCM %lld: %s", ji(e, "event_id", 0),
					 js(e, "service") ? js(e, "service") : "?");
			else
				snprintf(lane, sizeof(lane), "%s %lld", p, ji(e, "event_id", 0));
			event_what(e, 0, what, sizeof(what));
			add_event(b, lane, what, first, last, ji(e, "count", 1), bad);
		}
	}
	if (b->v->nevents > 1)
		qsort(b->v->events, b->v->nevents, sizeof(*b->v->events), cmp_event);
}

/* ---- the whole view ----------------------------------------------------- */

static const char *title_of(const struct result *r, size_t i)
{
	if (r->rule)
		return r->rule->title;
	return i < 4 ? seed_titles[i] : "";
}

static void vresult_release(struct vresult *r)
{
	size_t i;

	for (i = 0; i < 3; i++)
		free(r->words[i]);
	free(r->event);
	free(r->refs);
	free(r->summary);
	for (i = 0; i < r->ntables; i++)
		vtable_release(&r->tables[i]);
	free(r->tables);
}

void vscan_release(struct vscan *v)
{
	size_t i;

	if (!v)
		return;
	for (i = 0; i < v->nres; i++)
		vresult_release(&v->res[i]);
	free(v->res);
	for (i = 0; i < v->nwarnings; i++)
		free(v->warnings[i]);
	free(v->warnings);
	free(v->source);
	free(v->image);
	free(v->volume);
	free(v->windows);
	free(v->windows_short);
	free(v->verdict);
	free(v->drives);
	free(v->bars);
	free(v->events);
	memset(v, 0, sizeof(*v));
}

int vscan_build(struct vscan *v, const struct scan *s)
{
	struct vb b;
	size_t i, nres;
	json_t *w;

	memset(v, 0, sizeof(*v));
	memset(&b, 0, sizeof(b));
	b.v = v;
	v->s = s;
	v->exit_status = scan_exit_status(s);
	v->unreadable = s->open_failed;
	v->source = strdup(s->source ? s->source : "");
	v->image = image_words(s);
	v->volume = volume_words(s);
	v->windows = windows_words(s, 0);
	v->windows_short = windows_words(s, 1);
	v->verdict = view_verdict(s);
	v->drives = drives_words(s);
	v->system_root = s->ev.system_root;
	if (!v->source || !v->image || !v->volume || !v->windows_short || !v->verdict || !v->drives ||
	    (!v->windows && json_object_size(s->ev.windows)))
		goto nomem;
	nres = s->open_failed ? 4 : s->nresults;
	v->res = calloc(nres ? nres : 1, sizeof(*v->res));
	if (!v->res)
		goto nomem;
	v->nres = nres;
	for (i = 0; i < nres; i++) {
		struct vresult *r = &v->res[i];
		static const struct result unread = { .status = STATUS_UNKNOWN };
		const struct result *res = s->open_failed ? &unread : &s->results[i];
		size_t k;
		json_t *ref;

		b.r = r;
		r->index = i;
		r->id = result_id(res, i);
		r->title = title_of(res, i);
		r->status = res->status;
		r->is_cause = i < 4;
		r->fails = !s->open_failed && view_result_fails(s, i);
		r->summary = strdup(s->open_failed ? "the source could not be read" :
				    res->summary ? res->summary : "");
		if (!r->summary)
			goto nomem;
		if (s->open_failed)
			continue;
		if (res->rule && json_array_size(res->rule->references)) {
			struct sbuf rb = { 0 };

			json_array_foreach(res->rule->references, k, ref)
				if (json_is_string(ref))
					sb_addf(&rb, "%s%s", rb.len ? ", " : "", json_string_value(ref));
			r->refs = sb_take(&rb);
			if (!r->refs)
				goto nomem;
		}
		result_words(&b, s, i);
		if (res->status != STATUS_ABSENT)
			r->event = event_line(&b, res->evidence);
		result_tables(&b, res);
		if (b.oom)
			goto nomem;
	}
	if (!s->open_failed) {
		collect_bars(&b, s);
		collect_events(&b, s);
	}
	if (json_array_size(scan_warnings(s))) {
		v->warnings = calloc(json_array_size(scan_warnings(s)), sizeof(char *));
		if (!v->warnings)
			goto nomem;
		json_array_foreach(scan_warnings(s), i, w) {
			v->warnings[v->nwarnings] = strdup(json_is_string(w) ? json_string_value(w) : "");
			if (!v->warnings[v->nwarnings])
				goto nomem;
			v->nwarnings++;
		}
	}
	if (b.oom)
		goto nomem;
	return 0;
nomem:
	vscan_release(v);
	return -E_NOMEM;
}

int view_history_head(const struct vscan *v, char *buf, size_t size)
{
	size_t nchanged = 0, nstores, nread = 0, i;
	json_t *h;

	if (!v->s->history)
		return 0;
	nstores = json_array_size(v->s->shadow_copies);
	json_array_foreach(v->s->history, i, h)
		nchanged += json_is_true(json_object_get(h, "changed"));
	json_array_foreach(v->s->shadow_copies, i, h)
		nread += json_is_true(json_object_get(h, "scanned"));
	if (nstores == 0)
		snprintf(buf, size, "History: no shadow copy could be read (see Warnings)");
	else if (nread == 0)
		snprintf(buf, size, "History (%zu shadow cop%s): none could be read (see Warnings)",
			 nstores, nstores == 1 ? "y" : "ies");
	else
		snprintf(buf, size, "History (%zu shadow cop%s):%s", nstores,
			 nstores == 1 ? "y" : "ies", nchanged ? "" : " no cause or finding changed");
	return 1;
}
