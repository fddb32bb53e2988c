/* The report contracts checked by outside consumers: the JSON report
 * against schema/report.schema.json (python3-jsonschema), the JUnit file
 * against schema/junit.xsd (xmllint) and through junitparser. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

static char *dir, *healthy, *broken;

static void build(void)
{
	struct err err;

	dir = tu_tmpdir("schema");
	if (asprintf(&healthy, "%s/healthy.img", dir) < 0 ||
	    asprintf(&broken, "%s/broken.img", dir) < 0)
		abort();
	err_init(&err);
	if (scenario_build("os 2016\n", healthy, &err) < 0 ||
	    scenario_build("os 2008r2\nbreak cause1 cause2 cause3 cause4 mslldp binary vssacl\n", broken, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
}

static void unbuild(void)
{
	free(healthy);
	free(broken);
	free(dir);
}

/* Scan into a file; returns the scan's exit status. */
static int scan_to(const char *format, const char *out, const char *src1, const char *src2)
{
	struct tu_run r;
	int st;

	tu_vssdoctor(&r, "scan", "--format", format, "-o", out, "--rules", tu_env("VSSD_RULES"),
		     src1, src2, NULL);
	st = r.status;
	tu_run_free(&r);
	return st;
}

static int validate_json_q(const char *file, int quiet)
{
	return tu_sh("/usr/bin/python3 '%s/tests/validate_report.py' json '%s/schema/report.schema.json' '%s' >/dev/null%s",
		     tu_env("VSSD_SRC"), tu_env("VSSD_SRC"), file, quiet ? " 2>&1" : "");
}

static int validate_json(const char *file)
{
	return validate_json_q(file, 0);
}

START_TEST(test_json_validates)
{
	char *out = NULL;
	const char *srcs[] = { healthy, broken };
	int i;

	for (i = 0; i < 2; i++) {
		if (asprintf(&out, "%s/r%d.json", dir, i) < 0)
			abort();
		ck_assert_int_ne(scan_to("json", out, srcs[i], NULL), 2);
		ck_assert_msg(validate_json(out) == 0, "%s does not validate", out);
		free(out);
	}
}
END_TEST

START_TEST(test_json_lines_validate)
{
	char *out = NULL, *missing = NULL;

	if (asprintf(&out, "%s/batch.jsonl", dir) < 0 || asprintf(&missing, "%s/missing.img", dir) < 0)
		abort();
	ck_assert_int_eq(scan_to("json", out, healthy, missing), 2);
	ck_assert_int_eq(validate_json(out), 0);
	free(out);
	free(missing);
}
END_TEST

START_TEST(test_schema_rejects_broken_reports)
{
	/* the validator can fail: a report with three causes, and one with an
	 * unknown status, are rejected */
	char *out = NULL, *bad = NULL;

	if (asprintf(&out, "%s/ok.json", dir) < 0 || asprintf(&bad, "%s/bad.json", dir) < 0)
		abort();
	ck_assert_int_ne(scan_to("json", out, healthy, NULL), 2);
	ck_assert_int_eq(tu_sh("/usr/bin/python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
			       "d['causes'].pop(); json.dump(d, open(sys.argv[2],'w'))\" '%s' '%s'", out, bad), 0);
	ck_assert_int_ne(validate_json_q(bad, 1), 0);
	ck_assert_int_eq(tu_sh("/usr/bin/python3 -c \"import json,sys; d=json.load(open(sys.argv[1])); "
			       "d['causes'][0]['status']='maybe'; json.dump(d, open(sys.argv[2],'w'))\" '%s' '%s'", out, bad), 0);
	ck_assert_int_ne(validate_json_q(bad, 1), 0);
	free(out);
	free(bad);
}
END_TEST

START_TEST(test_junit_validates)
{
	char *out = NULL, *missing = NULL, *counts = NULL, *res = NULL;
	unsigned suites = 0, tests = 0, failures = 0, errors = 0, skipped = 0;

	if (asprintf(&out, "%s/r.xml", dir) < 0 || asprintf(&missing, "%s/missing.img", dir) < 0 ||
	    asprintf(&counts, "%s/counts.txt", dir) < 0)
		abort();
	ck_assert_int_eq(scan_to("junit", out, broken, missing), 2);
	ck_assert_int_eq(tu_sh("xmllint --noout --schema '%s/schema/junit.xsd' '%s' 2>/dev/null",
			       tu_env("VSSD_SRC"), out), 0);
	ck_assert_int_eq(tu_sh("/usr/bin/python3 '%s/tests/validate_report.py' junit '%s' > '%s'",
			       tu_env("VSSD_SRC"), out, counts), 0);
	res = tu_read_file(counts, NULL);
	ck_assert_int_eq(sscanf(res, "%u %u %u %u %u", &suites, &tests, &failures, &errors, &skipped), 5);
	ck_assert_uint_eq(suites, 2);            /* one testsuite per image */
	ck_assert_uint_eq(errors, 1);            /* the unreadable image */
	ck_assert_uint_ge(tests, 5);
	free(res);
	free(out);
	free(missing);
	free(counts);
}
END_TEST

START_TEST(test_batch_of_twenty)
{
	/* 20 images, the 10th unreadable: 19 scanned, one error, worst status */
	char *args[32], *out = NULL, *text, *line, *save = NULL;
	char *paths[20];
	struct tu_run r;
	int i, n = 0, lines = 0, errors = 0, broken_seen = 0;

	args[n++] = (char *)tu_env("VSSD_BIN");
	args[n++] = (char *)"scan";
	args[n++] = (char *)"--format";
	args[n++] = (char *)"json";
	args[n++] = (char *)"--rules";
	args[n++] = (char *)tu_env("VSSD_RULES");
	for (i = 0; i < 20; i++) {
		if (asprintf(&paths[i], "%s/batch%02d.img", dir, i) < 0)
			abort();
		if (i == 9)
			ck_assert_int_eq(tu_sh("head -c 300000 /dev/urandom > '%s'", paths[i]), 0);
		else
			ck_assert_int_eq(tu_sh("ln -sf '%s' '%s'", i % 2 ? broken : healthy, paths[i]), 0);
		args[n++] = paths[i];
	}
	args[n] = NULL;
	ck_assert_int_eq(tu_run(args, 300, &r), 0);
	ck_assert_int_eq(r.status, 2);
	text = r.out;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		lines++;
		if (strstr(line, "\"error\":"))
			errors++;
		if (strstr(line, "batch09.img"))
			broken_seen = strstr(line, "\"error\":") != NULL;
	}
	ck_assert_int_eq(lines, 20);
	ck_assert_int_eq(errors, 1);
	ck_assert(broken_seen);
	ck_assert_ptr_nonnull(strstr(r.err, "batch09.img"));
	tu_run_free(&r);
	if (asprintf(&out, "%s/batch20.jsonl", dir) < 0)
		abort();
	for (i = 0; i < 20; i++)
		free(paths[i]);
	free(out);
}
END_TEST

Suite *schema_suite(void);
Suite *schema_suite(void)
{
	Suite *s = suite_create("schema");
	TCase *tc = tcase_create("reports");

	tcase_add_unchecked_fixture(tc, build, unbuild);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_json_validates);
	tcase_add_test(tc, test_json_lines_validate);
	tcase_add_test(tc, test_schema_rejects_broken_reports);
	tcase_add_test(tc, test_junit_validates);
	tcase_add_test(tc, test_batch_of_twenty);
	suite_add_tcase(s, tc);
	return s;
}
