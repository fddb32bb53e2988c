/* Golden-image baselines (issue 7): the state of an image that matters to
 * the System Writer, as a versioned JSON document with stable ordering
 * (schema "vssdoctor-baseline/1", README "Baselines"), saved with
 * --save-baseline and compared by the drift check with --baseline. */
#ifndef VSSD_BASELINE_H
#define VSSD_BASELINE_H

#include <jansson.h>

#include "evidence.h"

/* The document for this scan's evidence (the Framework counts are those
 * of cause 4's walk, framework_collect).  Sections that cannot be read are left out and named
 * in "unreadable".  Returns 0 (*doc a new reference) or <0. */
int baseline_collect(const struct evidence *ev, json_t **doc, struct err *err);

int baseline_save(const char *path, json_t *doc, struct err *err);

#endif
