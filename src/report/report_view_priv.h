/* What the parts of the view share (report_view.c: the scan and the whole
 * view; report_view_text.c: strings, times and rights in words;
 * report_view_tables.c: tables, JSON values as words, descriptors;
 * report_view_evidence.c: a table builder per evidence kind;
 * report_view_words.c: what is wrong, per check).  Not for the writers:
 * they read struct vscan (report_view.h). */
#ifndef VSSD_REPORT_VIEW_PRIV_H
#define VSSD_REPORT_VIEW_PRIV_H

#include <stdint.h>

#include "access.h"
#include "report_view.h"
#include "secdesc.h"
#include "sid.h"

/* Longest line of words the one-screen report prints after its indent. */
#define WORDS_WIDTH 91
#define CELL_TEXT_MAX 400

/* ---- a growable string that remembers running out of memory */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

void sb_add(struct sbuf *b, const char *s);
void sb_addf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The string (malloc'd, the caller frees it), NULL when out of memory;
 * b is empty again. */
char *sb_take(struct sbuf *b);

/* ---- small helpers (report_view_text.c) */

/* The string member k of o, or NULL. */
const char *vw_js(json_t *o, const char *k);
long long vw_ji(json_t *o, const char *k, long long def);
int vw_is_kind(json_t *e, const char *kind);
const char *vw_basename_of(const char *path);
const char *vw_account_short(const char *name);
void vw_provider_short(const char *p, char *buf, size_t size);
void vw_fmt_count(long long n, char *buf, size_t size);
/* Cut s to at most max characters, "..." at the end. */
void vw_cut(char *s, size_t max);
/* An ISO 8601 time as "2024-06-04 23:00 UTC" (the string itself when it
 * does not parse). */
void vw_when(const char *iso, char *buf, size_t size);
void vw_mask_words(uint32_t mask, enum access_object obj, char *buf, size_t size);
const char *vw_ace_type_words(uint8_t type);
void vw_sid_words(const struct sid *s, char *buf, size_t size);
void vw_inherit_words(uint8_t flags, int folder, char *buf, size_t size);

/* ---- tables (report_view_tables.c) */

/* The view being built: out of memory is remembered, not returned. */
struct vb {
	struct vscan *v;
	struct vresult *r;       /* the result whose tables are being added */
	int oom;
};

char *vw_dup_cell(struct vb *b, const char *s);
/* A new table of b->r (NULL when out of memory); head NULL: key/value. */
struct vtable *vw_vt_new(struct vb *b, const char *caption, size_t ncols,
			 const char *const *head);
void vw_vt_rowv(struct vb *b, struct vtable *t, enum vmark m, const char *const *cells);
void vw_vt_kv(struct vb *b, struct vtable *t, const char *k, const char *v);
void vw_vt_kvm(struct vb *b, struct vtable *t, enum vmark m, const char *k, const char *v);
void vw_vtable_release(struct vtable *t);
/* A JSON value as words (never JSON): malloc'd, NULL when out of memory. */
char *vw_flat(struct vb *b, const char *key, json_t *v);
void vw_rows_generic(struct vb *b, struct vtable *t, json_t *e, const char *const *skip);
/* 0 and sd filled, or -1: sddl does not decode. */
int vw_decode(const char *sddl, struct secdesc *sd);
void vw_table_acl(struct vb *b, const char *caption, const char *sddl, enum access_object obj);
int vw_table_side_by_side(struct vb *b, const char *caption, const char *left_name,
			  const char *expected, const char *right_name,
			  const char *actual, enum access_object obj);
void vw_table_diff_items(struct vb *b, const char *caption, json_t *diff);
void vw_table_effective(struct vb *b, const char *caption, json_t *e);

/* ---- evidence kinds (report_view_evidence.c) */

void vw_event_what(json_t *e, int brief, char *buf, size_t size);
/* The tables of res's evidence, into b->r. */
void vw_result_tables(struct vb *b, const struct result *res);

/* ---- words (report_view_words.c) */

void vw_object_name(json_t *ev, const char *path, char *buf, size_t size);
/* The decisive event of ev in words (malloc'd), or NULL. */
char *vw_event_line(struct vb *b, json_t *ev);
/* The words of result i into b->r. */
void vw_result_words(struct vb *b, const struct scan *s, size_t i);

#endif
