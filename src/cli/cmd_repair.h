#ifndef VSSD_CMD_REPAIR_H
#define VSSD_CMD_REPAIR_H
/* `vssdoctor repair` (src/repair/repair.h): argv[0] is "repair".
 *   --plan SOURCE                   the changes, before and after
 *   --apply --output TARGET SOURCE  into a qcow2 overlay of SOURCE
 *   --undo JOURNAL TARGET           put the journal's old bytes back
 * Returns the exit status. */
int cmd_repair(int argc, char **argv);
#endif
