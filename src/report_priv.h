/* What the report writers share (report.c, report_text.c, report_md.c,
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

#endif
