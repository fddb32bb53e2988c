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

/* sanitizer reports get their own exit codes, apart from ours; set only
 * around this suite's runs (the fixture runs in the runner's process) */
static void sanitizer_env(int on)
{
	if (on) {
		setenv("ASAN_OPTIONS", "exitcode=86:detect_leaks=1:fast_unwind_on_malloc=0", 1);
		setenv("UBSAN_OPTIONS", "halt_on_error=1:exitcode=87", 1);
	} else {
		unsetenv("ASAN_OPTIONS");
		unsetenv("UBSAN_OPTIONS");
	}
}

static void unbuild(void)
{
	free(img);
	free(dir);
}

/* Run the fault binary with one variable set; check the outcome. */
static void run_with(const char *var, unsigned long long n, const char *format)
{
	char val[32], *argv[10];
	struct tu_run r;
	int k = 0;

	snprintf(val, sizeof(val), "%llu", n);
	setenv(var, val, 1);
	argv[k++] = (char *)tu_env("VSSD_FAULT_BIN");
	argv[k++] = (char *)"scan";
	argv[k++] = (char *)"--format";
	argv[k++] = (char *)format;
	argv[k++] = (char *)"--rules";
	argv[k++] = (char *)tu_env("VSSD_RULES");
	argv[k++] = img;
	argv[k] = NULL;
	sanitizer_env(1);
	ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	sanitizer_env(0);
	unsetenv(var);
	ck_assert_msg(r.status <= 3, "%s=%llu: exit %d\n%s", var, n, r.status, r.err);
	ck_assert_msg(!strstr(r.err, "Sanitizer") && !strstr(r.err, "runtime error"),
		      "%s=%llu: %s", var, n, r.err);
	if (r.status == 2) {
		char *nl = strchr(r.err, '\n');

		ck_assert_msg(strncmp(r.err, "vssdoctor: ", 11) == 0 && nl && !nl[1],
			      "%s=%llu: not one clean line: %s", var, n, r.err);
	}
	tu_run_free(&r);
}

static unsigned long long count_of(const char *var_count, const char *pattern)
{
	char *argv[10];
	struct tu_run r;
	unsigned long long n = 0;
	const char *p;
	int k = 0;

	if (var_count)
		setenv(var_count, "1", 1);
	argv[k++] = (char *)tu_env("VSSD_FAULT_BIN");
	argv[k++] = (char *)"scan";
	argv[k++] = (char *)"-v";
	argv[k++] = (char *)"--rules";
	argv[k++] = (char *)tu_env("VSSD_RULES");
	argv[k++] = img;
	argv[k] = NULL;
	ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	if (var_count)
		unsetenv(var_count);
	p = strstr(r.err, pattern);
	ck_assert_msg(p != NULL, "no '%s' in: %s", pattern, r.err);
	n = strtoull(p + strlen(pattern), NULL, 10);
	tu_run_free(&r);
	return n;
}

START_TEST(test_allocation_failures)
{
	/* every report writer meets the failures in turn */
	static const char *const formats[] = { "json", "text", "junit", "markdown", "html" };
	unsigned long long total = count_of("VSSD_COUNT_ALLOCS", "allocations: "), n, step;
	unsigned runs = 0;

	ck_assert_uint_gt(total, 50);
	/* every one of the first 80, then about 150 more spread over the rest */
	step = total > 80 ? (total - 80) / 150 + 1 : 1;
	for (n = 0; n <= total; n += n < 80 ? 1 : step, runs++)
		run_with("VSSD_FAIL_ALLOC_AFTER", n, formats[runs % (sizeof(formats) / sizeof(formats[0]))]);
	fprintf(stderr, "faults: %u allocation-failure runs over %llu allocations\n", runs, total);
}
END_TEST

START_TEST(test_read_failures)
{
	unsigned long long total = count_of(NULL, "bytes in "), n, step;
	unsigned runs = 0;

	ck_assert_uint_gt(total, 10);
	step = total > 60 ? (total - 60) / 150 + 1 : 1;
	for (n = 1; n <= total; n += n < 60 ? 1 : step, runs++)
		run_with("VSSD_FAULT_READ_AFTER", n, "json");
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
