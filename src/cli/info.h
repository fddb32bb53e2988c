#ifndef VSSD_INFO_H
#define VSSD_INFO_H
/* `vssdoctor info SOURCE`: format, partitions, volumes, Windows. */
int cmd_info(int argc, char **argv);
#endif
