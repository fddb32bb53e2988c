#ifndef VSSD_DEMO_H
#define VSSD_DEMO_H
/* `vssdoctor demo [DIR]`: build a small broken image and scan it. */
int cmd_demo(int argc, char **argv);
#endif
