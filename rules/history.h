/* History from shadow copies (issue 19): every rule runs on each volume
 * shadow copy of the Windows volume and on the live volume, and the report
 * says, per cause and finding, its status on each date, when it last
 * changed, and for a service descriptor broken now, the value it had in
 * the newest copy where it was right. */
#ifndef VSSD_HISTORY_H
#define VSSD_HISTORY_H

#include <stddef.h>

#include "scan.h"

struct rule;

/* Instead of scan_run for --shadows / --shadow N (s->opts->shadows): run
 * the rules on the live volume of s (opened by scan_open), then on each
 * shadow copy chosen, oldest first, and fill s->history, s->shadow_copies
 * and the results' last_good.  The results and the exit status stay those
 * of the live volume.  Shadow copies that cannot be read (none on the
 * volume, a directory source, a store that does not mount or holds no
 * Windows) become warnings or `unknown` points, never a failure.
 * Returns what scan_run returns. */
int history_scan(struct scan *s, const struct rule *rules, size_t nrules,
		 struct err *err);

#endif
