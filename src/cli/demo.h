#ifndef VSSD_DEMO_H
#define VSSD_DEMO_H
/* `vssdoctor demo [DIR]`: build a small broken image and scan it. */
int cmd_demo(int argc, char **argv);
/* The demo volume's scenario (testdata/lib/scenario.h's language); the
 * tests build on it too. */
extern const char demo_scenario[];
#endif
