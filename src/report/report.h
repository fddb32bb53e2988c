/* Reports: text (people), JSON (programs, schema vssdoctor/1), JUnit XML
 * (CI), Markdown (tickets) and one self-contained HTML file (handover).
 * stdout carries only the report. */
#ifndef VSSD_REPORT_H
#define VSSD_REPORT_H

#include <jansson.h>
#include <stdio.h>

#include "scan.h"

/* The JSON report of one scan (new reference).  A scan whose source could
 * not be opened gets "error" and four unknown causes. */
json_t *report_json_build(const struct scan *s);

/* compact: one line (JSON Lines for batches); else indented. */
int report_json(FILE *f, const struct scan *s, int compact);
int report_text(FILE *f, const struct scan *s, int color, int verbose);
/* -q: one line, "SOURCE: <causes present and failing findings> (exit
 * status N)". */
int report_verdict(FILE *f, const struct scan *s);
/* One <testsuites> document with a <testsuite> per scan. */
int report_junit(FILE *f, struct scan *const *scans, size_t n);

/* Markdown and HTML: one document over the scans of a batch.  Each scan
 * is rendered when it is added (the scan can be released right after);
 * the document, with a summary table first when it holds several
 * images, is written at the end.  nsources: how many will be added. */
struct report_doc;
/* NULL when out of memory.  format: FORMAT_MARKDOWN or FORMAT_HTML. */
struct report_doc *report_doc_new(enum report_format format, size_t nsources, int verbose);
/* 0 or -E_NOMEM. */
int report_doc_add(struct report_doc *d, const struct scan *s);
/* 0, -E_NOMEM or -E_IO.  Writes nothing when no scan was added. */
int report_doc_write(struct report_doc *d, FILE *f);
void report_doc_free(struct report_doc *d);

#endif
