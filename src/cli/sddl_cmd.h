/* `vssdoctor sddl HEX|@FILE|SDDL`: decode a security descriptor either
 * way, list its ACEs with the rights spelled out, and show the effective
 * rights of SYSTEM, Administrators, NETWORK SERVICE and the System
 * Writer's token (DESIGN.md "Command line"). */
#ifndef VSSD_SDDL_CMD_H
#define VSSD_SDDL_CMD_H

/* argv[0] is "sddl".  Options: --kind service|file|directory (default
 * service): how rights are named and generic rights mapped.  The input is
 * "@FILE" (raw binary descriptor), hex (whitespace, commas and a "hex:"
 * prefix allowed) or SDDL text.  --format text (default: for people),
 * json (for scripts: owner, group, control flags, ACEs with rights named
 * and in words, effective rights of SYSTEM, Administrators, NETWORK
 * SERVICE and the writer) or sddl (the SDDL string alone; an empty line
 * for the 5-byte stub).  Prints the report on stdout and returns
 * the exit status: 0 done, 2 bad usage or bad input (one line
 * "vssdoctor: sddl: <why>" on stderr). */
int cmd_sddl(int argc, char **argv);

/* The one-line usage text ("usage: vssdoctor sddl ..."), static. */
const char *sddl_cmd_usage(void);

#endif
