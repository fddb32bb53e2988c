/* The event-log collector's interface to the engine. */
#ifndef VSSD_EVENTS_H
#define VSSD_EVENTS_H

#include <jansson.h>

#include "scan.h"

/* Evidence for one of a rule's "events" specs (rules/README.md): appends
 * grouped evidence objects (kind "event") to out and returns how many
 * records matched (>= 0), or <0 when the log could not be read (err says
 * why; the collector also adds one scan warning per missing log). */
int events_collect(struct scan *s, json_t *spec, json_t *out, struct err *err);

#endif
