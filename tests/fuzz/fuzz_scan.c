/* The whole pipeline on an in-memory image: volume detection, NTFS mount,
 * every rule's collectors and the three reports.  Rules come from
 * $VSSD_RULES (default ./rules), loaded once. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "image.h"
#include "report.h"
#include "rules.h"
#include "scan.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct rule *rules;
static size_t nrules;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *dir = getenv("VSSD_RULES");
	struct err err;

	(void)argc; (void)argv;
	err_init(&err);
	if (rules_load(dir ? dir : "rules", &rules, &nrules, &err) < 0) {
		fprintf(stderr, "fuzz_scan: %s\n", err.msg);
		abort();
	}
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scan_opts o = { .partition = -1, .offset = -1, .threshold_aspnet = -1 };
	struct image *img = NULL;
	struct scan s;
	struct err err;
	FILE *devnull;

	err_init(&err);
	if (image_from_memory(&img, data, size, &err) < 0)
		return 0;
	if (scan_open_image(&s, img, "fuzz", &o, &err) == 0) {
		err_init(&err);
		scan_run(&s, rules, nrules, &err);
	}
	devnull = fopen("/dev/null", "w");
	if (devnull) {
		struct scan *one = &s;

		report_json(devnull, &s, 1);
		report_text(devnull, &s, 0, 1);
		report_junit(devnull, &one, 1);
		fclose(devnull);
	}
	scan_release(&s);
	return 0;
}
