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

/* The Markdown (report_md.c) and HTML (report_html.c) of one scan: its
 * title is a heading of level (1 alone, 2 in a batch).  Absent findings'
 * evidence only when verbose. */
void md_scan(FILE *f, const struct vscan *v, int level, int verbose);
/* index: the scan's place in the batch (anchors s1, s2...) */
void html_scan(FILE *f, const struct vscan *v, size_t index, int level, int verbose);

/* The whole document: the summary table of rows (when summary) and the
 * scans' bodies, in order. */
void md_document(FILE *f, const struct doc_row *rows, char *const *bodies, size_t n, int summary);
void html_document(FILE *f, const struct doc_row *rows, char *const *bodies, size_t n, int summary);

#endif
