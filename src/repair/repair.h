/* Offline repair of what a scan found (issue 21); the command line is
 * src/cli/cmd_repair.c.
 *   plan    the changes, before and after; nothing written
 *   apply   TARGET: a qcow2 overlay backed by SOURCE holding the changed
 *           clusters, or (copy) a sparse raw copy of SOURCE, or (in_place
 *           with have_backup) SOURCE itself when raw; rescanned; an undo
 *           journal beside it (TARGET.undo.json)
 *   undo    put the journal's old bytes back */
#ifndef VSSD_REPAIR_H
#define VSSD_REPAIR_H

#include "scan.h"

enum repair_mode { REPAIR_PLAN, REPAIR_APPLY };

struct repair_opts {
	enum repair_mode mode;
	const char *source;
	const char *target;          /* --output TARGET, NULL with --in-place */
	int json;                    /* --format json */
	int in_place;                /* --in-place: SOURCE (raw) written */
	int have_backup;             /* --i-have-a-backup */
	int copy;                    /* --copy: TARGET a sparse raw copy */
	struct scan_opts scan;       /* rules_dir set; quiet */
};

/* Load the rules, scan SOURCE, and plan or apply.  Prints the plan or the
 * outcome on stdout, one line on stderr when refused or failing.  Returns
 * the exit status: 0 done (apply: every cause it set out to fix is
 * absent in TARGET), 1 some still present, 2 refused or failed. */
int repair_run(const struct repair_opts *o);

/* Put back the old bytes the journal holds into TARGET, after checking it
 * still holds the new ones.  Exit status as repair_run. */
int repair_undo(const char *journal, const char *target);

/* "vssdoctor: repair refused: <why>" on stderr; returns 2. */
int repair_refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
