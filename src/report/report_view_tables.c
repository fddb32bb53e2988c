/* The view of a scan (report_view.h): tables, JSON values as words (never
 * JSON), descriptors as ACL tables and side by side. */
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

/* ---- tables ------------------------------------------------------------- */

char *vw_dup_cell(struct vb *b, const char *s)
{
	char *p = strdup(s ? s : "");

	if (!p)
		b->oom = 1;
	return p;
}

/* A new table at the end of r->tables (NULL when out of memory; the
 * pointer is valid until the next vw_vt_new). */
struct vtable *vw_vt_new(struct vb *b, const char *caption, size_t ncols,
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
		t->caption = vw_dup_cell(b, caption);
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
			t->head[i] = vw_dup_cell(b, head[i]);
	}
	r->ntables++;
	return t;
}

void vw_vt_rowv(struct vb *b, struct vtable *t, enum vmark m, const char *const *cells)
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
		char *c = vw_dup_cell(b, cells[i]);

		if (c && view_width(c) > CELL_TEXT_MAX)
			vw_cut(c, CELL_TEXT_MAX);
		t->cells[t->nrows * t->ncols + i] = c;
	}
	t->marks[t->nrows] = m;
	t->nrows++;
}

void vw_vt_kv(struct vb *b, struct vtable *t, const char *k, const char *v)
{
	const char *cells[2] = { k, v ? v : "" };

	vw_vt_rowv(b, t, VMARK_NONE, cells);
}

void vw_vt_kvm(struct vb *b, struct vtable *t, enum vmark m, const char *k, const char *v)
{
	const char *cells[2] = { k, v ? v : "" };

	vw_vt_rowv(b, t, m, cells);
}

void vw_vtable_release(struct vtable *t)
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

char *vw_flat(struct vb *b, const char *key, json_t *v)
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
void vw_rows_generic(struct vb *b, struct vtable *t, json_t *e, const char *const *skip)
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

			vw_when(vw_js(e, k), w, sizeof(w));
			vw_vt_kv(b, t, kw, w);
			continue;
		}
		val = vw_flat(b, k, v);
		vw_vt_kv(b, t, kw, val);
		free(val);
	}
}

/* ---- descriptors: ACL tables and the side-by-side difference ---------- */

int vw_decode(const char *sddl, struct secdesc *sd)
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

	vw_mask_words(a->mask, obj, w, sizeof(w));
	snprintf(buf, size, "%s: %s", vw_ace_type_words(a->type), w);
}

/* The DACL of sddl as a table: type, account, rights, inheritance. */
void vw_table_acl(struct vb *b, const char *caption, const char *sddl, enum access_object obj)
{
	static const char *const head[] = { "type", "account", "rights", "applies to" };
	struct secdesc sd;
	struct vtable *t;
	unsigned i;

	if (vw_decode(sddl, &sd) < 0)
		return;
	if (sd.has_dacl && sd.dacl.count) {
		t = vw_vt_new(b, caption, 4, head);
		for (i = 0; t && i < sd.dacl.count; i++) {
			const struct ace *a = &sd.dacl.aces[i];
			char acc[SID_STR_MAX + 64], rights[512], inh[96];
			const char *cells[4];

			vw_sid_words(&a->sid, acc, sizeof(acc));
			vw_mask_words(a->mask, obj, rights, sizeof(rights));
			vw_inherit_words(a->flags, obj == ACCESS_DIRECTORY, inh, sizeof(inh));
			cells[0] = vw_ace_type_words(a->type);
			cells[1] = acc;
			cells[2] = rights;
			cells[3] = inh;
			vw_vt_rowv(b, t, ace_type_is_deny(a->type) ? VMARK_BAD : VMARK_NONE, cells);
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
int vw_table_side_by_side(struct vb *b, const char *caption, const char *left_name,
			  const char *expected, const char *right_name,
			  const char *actual, enum access_object obj)
{
	const char *head[4] = { "account", left_name, right_name, "difference" };
	struct secdesc e, a;
	struct vtable *t;
	unsigned char *used = NULL;
	unsigned i, j;

	if (vw_decode(expected, &e) < 0)
		return -1;
	if (vw_decode(actual, &a) < 0) {
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
	t = vw_vt_new(b, caption, 4, head);
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
		vw_sid_words(&x->sid, acc, sizeof(acc));
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
		vw_vt_rowv(b, t, m, cells);
	}
	for (j = 0; j < a.dacl.count; j++) {
		char acc[SID_STR_MAX + 64], r[600];
		const char *cells[4];

		if (used[j])
			continue;
		vw_sid_words(&a.dacl.aces[j].sid, acc, sizeof(acc));
		ace_cell(&a.dacl.aces[j], obj, r, sizeof(r));
		cells[0] = acc;
		cells[1] = "(none)";
		cells[2] = r;
		cells[3] = "EXTRA";
		vw_vt_rowv(b, t, VMARK_EXTRA, cells);
	}
out:
	free(used);
	secdesc_release(&e);
	secdesc_release(&a);
	return 0;
}

/* The check's own per-ACE diff (when the SDDL texts do not decode). */
void vw_table_diff_items(struct vb *b, const char *caption, json_t *diff)
{
	static const char *const head[] = { "account", "expected", "actual", "difference" };
	struct vtable *t;
	size_t i;
	json_t *d;

	if (!json_array_size(diff))
		return;
	t = vw_vt_new(b, caption, 4, head);
	if (!t)
		return;
	t->diff = 1;
	json_array_foreach(diff, i, d) {
		const char *ch = vw_js(d, "change"), *acc = vw_js(d, "account");
		const char *cells[4];

		cells[0] = acc ? acc : vw_js(d, "sid") ? vw_js(d, "sid") : "?";
		cells[1] = vw_js(d, "expected") && *vw_js(d, "expected") ? vw_js(d, "expected") : "(none)";
		cells[2] = vw_js(d, "actual") && *vw_js(d, "actual") ? vw_js(d, "actual") : "(none)";
		cells[3] = ch ? ch : "";
		vw_vt_rowv(b, t, ch && !strcmp(ch, "missing") ? VMARK_MISSING :
			      ch && !strcmp(ch, "extra") ? VMARK_EXTRA : VMARK_CHANGED, cells);
	}
}

/* Effective rights per principal ("effective" and "lacking" objects). */
void vw_table_effective(struct vb *b, const char *caption, json_t *e)
{
	static const char *const head[] = { "who", "has", "lacks" };
	json_t *eff = json_object_get(e, "effective"), *lack = json_object_get(e, "lacking");
	struct vtable *t;
	const char *k;
	json_t *v;

	if (!json_is_object(eff) || !json_object_size(eff))
		return;
	t = vw_vt_new(b, caption, 3, head);
	json_object_foreach(eff, k, v) {
		char has[512], lacks[512];
		const char *who = !strcmp(k, "SY") ? "SYSTEM" : !strcmp(k, "BA") ? "Administrators" :
				  !strcmp(k, "writer") ? "the writer's token" :
				  !strcmp(k, "system") ? "SYSTEM" : k;
		const char *cells[3];
		const char *l = vw_js(lack, k);

		view_rights_words(json_string_value(v), has, sizeof(has));
		if (l)
			view_rights_words(l, lacks, sizeof(lacks));
		else
			snprintf(lacks, sizeof(lacks), "%s", json_is_object(lack) ? "nothing" : "");
		cells[0] = who;
		cells[1] = has;
		cells[2] = lacks;
		vw_vt_rowv(b, t, l ? VMARK_BAD : VMARK_NONE, cells);
	}
}
