/* The registry collector: SYSTEM and SOFTWARE hives from the volume, read
 * through libregf from memory (libbfio), never through temp files. */
#ifndef VSSD_REGISTRY_H
#define VSSD_REGISTRY_H

#include <jansson.h>

#include "fs.h"
#include "scan.h"

/* Fill out with product_name, current_version, build, control_set (and
 * default/last_known_good when they differ) from the hives on fs.
 * Returns 0 or <0. */
int registry_windows_info_fs(struct fs *fs, json_t *out, struct err *err);

/* Called once by scan_open() after the volume is mounted: fill s->windows
 * (product_name, current_version, build, control_set) and add warnings
 * (dirty hives, control sets that differ).  Never fails the scan. */
void registry_fill_windows(struct scan *s);

#endif
