/* What the report writers share (report.c, report_text.c, report_doc.c, report_md.c,
 * report_html.c); not for the rest of the program. */
#ifndef VSSD_REPORT_PRIV_H
#define VSSD_REPORT_PRIV_H

#include <stdio.h>

#include "report_view.h"

/* The text report's right margin (fix commands may run past it). */
#define TEXT_WIDTH 100

/* s on f with terminal control characters (C0, DEL, C1) shown as '?':
 * evidence is hostile and must not drive the reader's terminal. */
void text_put(FILE *f, const char *s);

/* The evidence tables of r as aligned text, indent spaces in, wrapped at
 * width columns. */
void text_tables(FILE *f, const struct vresult *r, int indent, int width);

/* One row of a batch's summary table (report_doc.c keeps them). */
struct doc_row {
	char *source, *verdict, *causes, *windows;
	int exit_status;
};

/* s (NULL: "") on f, as a format's text: char_len gives the bytes of the
 * UTF-8 character at a byte (0: not valid there, shown as '?'), C1
 * controls are shown as '?', other characters of several bytes are copied
 * and ascii writes each ASCII byte (escaped). */
void doc_put(FILE *f, const char *s, size_t (*char_len)(const unsigned char *p),
	     void (*ascii)(FILE *f, unsigned char c));

/* A cell of a table in a report for people (Markdown, HTML). */
enum doc_cell {
	CELL_PLAIN,
	CELL_HEAD,               /* in the head row */
	CELL_KEY,                /* a key of a key/value table */
	CELL_CODE,               /* an id */
	CELL_STATUS,             /* a result's status (arg: its class) */
	CELL_EXIT,               /* a verdict (n: its exit status) */
	CELL_SEE,                /* the references */
	CELL_LINK,               /* a source of a batch (n: its place, from 1) */
};

/* A table's head row: none, a row, a row set apart (HTML's thead). */
enum { TABLE_NO_HEAD, TABLE_HEAD, TABLE_THEAD };

/* What a format says where the walker over the view (report_doc.c) goes:
 * Markdown (report_md.c) and HTML (report_html.c).  Text from the view
 * goes through put, which escapes it. */
struct doc_fmt {
	void (*put)(FILE *f, const char *s);
	void (*heading_open)(FILE *f, int level);
	void (*heading_close)(FILE *f, int level);
	void (*list_open)(FILE *f, const char *cls);  /* cls may be NULL */
	const char *list_close, *item_open, *item_close;
	/* a table of ncols columns; cls may be NULL; head: TABLE_* */
	void (*table_open)(FILE *f, const char *cls, int head, size_t ncols);
	void (*head_close)(FILE *f, int head, size_t ncols);  /* ends the head row */
	void (*table_close)(FILE *f, int head);
	const char *row_open, *row_close;
	void (*cell_open)(FILE *f, enum doc_cell kind, const char *arg, long long n);
	void (*cell_close)(FILE *f, enum doc_cell kind);
	/* a result's id in the tables of results (anchor: the scan's) */
	void (*ref_open)(FILE *f, const char *anchor, size_t i);
	const char *ref_close;
	const char *why_sep;     /* between the two lines of words */
	int wordless_summary;    /* a present result without words shows its summary */
	const char *check_head[2]; /* the id column's head: findings, causes */
	const char *(*status_word)(enum status st);
	/* one scan: around it, its title's verdict */
	void (*scan_open)(FILE *f, const char *anchor);
	const char *scan_close;
	void (*title_verdict)(FILE *f, const struct vscan *v);
	void (*charts)(FILE *f, const struct vscan *v);   /* NULL: none */
	int details_heading;     /* a "Details" heading before the results */
	int result_level;        /* results' heading level under the scan's */
	void (*result_open)(FILE *f, const struct vresult *r, int level, const char *anchor);
	const char *result_close;
	void (*fix)(FILE *f, json_t *lines);
	void (*evidence_open)(FILE *f, const struct vresult *r);
	const char *evidence_close;
	void (*table)(FILE *f, const struct vtable *t);
	/* the document around the scans */
	void (*doc_open)(FILE *f, const struct doc_row *rows, size_t n, int summary);
	void (*doc_close)(FILE *f);
};

extern const struct doc_fmt doc_md, doc_html;

#endif
