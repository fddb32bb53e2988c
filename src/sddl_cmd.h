#ifndef VSSD_SDDL_CMD_H
#define VSSD_SDDL_CMD_H
/* `vssdoctor sddl HEX|@FILE|SDDL` (argv[0] == "sddl"); returns the exit status. */
int cmd_sddl(int argc, char **argv);
#endif
