/* `vssdoctor repair`: offline repair of what a scan found (issue 21).
 *   --plan SOURCE                   the changes, before and after; nothing written
 *   --apply --output TARGET SOURCE  TARGET: a qcow2 overlay backed by SOURCE
 *                                   holding the changed clusters; rescanned;
 *                                   an undo journal beside it (TARGET.undo.json)
 *   --undo JOURNAL TARGET           put the journal's old bytes back */
#ifndef VSSD_REPAIR_H
#define VSSD_REPAIR_H

int cmd_repair(int argc, char **argv);

#endif
