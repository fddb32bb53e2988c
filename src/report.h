/* Reports: text (people), JSON (programs, schema vssdoctor/1), JUnit XML
 * (CI).  stdout carries only the report. */
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

#endif
