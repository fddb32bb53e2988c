/* Fault injection over a whole scan (issue 8): the Nth allocation fails,
 * or the Nth read of the image; every N must end in a clean error or a
 * correct `unknown`: exit 0-3, no signal, no sanitizer report or leak.
 * Uses the ASan build's vssdoctor-faultalloc when it exists. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

static char *dir, *img;

static void build(void)
{
	struct err err;

	dir = tu_tmpdir("faults");
	if (asprintf(&img, "%s/v.img", dir) < 0)
		abort();
	err_init(&err);
	if (scenario_build("size 16M\nos 2012r2\nbreak cause1 cause3 cause4 mslldp binary\n"
			   "aspnet_folders 40\nvol junction Users D:\\Users\n", img, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
}

static void unbuild(void)
{
	free(img);
	free(dir);
}

START_TEST(test_allocation_failures)
{
	/* every report writer meets the failures in turn */
	static const char *const formats[] = { "json", "text", "junit", "markdown", "html" };
	unsigned long long total = tu_fault_count(img, "VSSD_COUNT_ALLOCS", "allocations: ", 0, 60), n, step;
	unsigned runs = 0;

	ck_assert_uint_gt(total, 50);
	/* every one of the first 80, then about 150 more spread over the rest */
	step = total > 80 ? (total - 80) / 150 + 1 : 1;
	for (n = 0; n <= total; n += n < 80 ? 1 : step, runs++)
		tu_fault_run(img, "VSSD_FAIL_ALLOC_AFTER", n, formats[runs % (sizeof(formats) / sizeof(formats[0]))], 0, 60);
	fprintf(stderr, "faults: %u allocation-failure runs over %llu allocations\n", runs, total);
}
END_TEST

START_TEST(test_read_failures)
{
	unsigned long long total = tu_fault_count(img, NULL, "bytes in ", 0, 60), n, step;
	unsigned runs = 0;

	ck_assert_uint_gt(total, 10);
	step = total > 60 ? (total - 60) / 150 + 1 : 1;
	for (n = 1; n <= total; n += n < 60 ? 1 : step, runs++)
		tu_fault_run(img, "VSSD_FAULT_READ_AFTER", n, "json", 0, 60);
	fprintf(stderr, "faults: %u read-failure runs over %llu reads\n", runs, total);
}
END_TEST

Suite *faults_suite(void);
Suite *faults_suite(void)
{
	Suite *s = suite_create("faults");
	TCase *tc = tcase_create("walk");

	tcase_add_unchecked_fixture(tc, build, unbuild);
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_allocation_failures);
	tcase_add_test(tc, test_read_failures);
	suite_add_tcase(s, tc);
	return s;
}
