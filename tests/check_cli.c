/* The command line and the report contracts (DESIGN.md), end to end on a
 * scenario volume, plus every kind of unreadable source. */
#define _GNU_SOURCE
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

static char *dir;
static char *healthy;     /* a healthy Windows Server 2008 R2 volume */

static void build_fixtures(void)
{
	struct err err;

	dir = tu_tmpdir("cli");
	if (asprintf(&healthy, "%s/healthy.img", dir) < 0)
		abort();
	err_init(&err);
	if (scenario_build("os 2008r2\n", healthy, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
}

static void free_fixtures(void)
{
	free(healthy);
	free(dir);
}

/* One line "vssdoctor: ...", nothing on stdout, exit 2. */
static void assert_clean_failure(struct tu_run *r)
{
	char *nl;

	ck_assert_msg(r->status == 2, "exit %d, stderr: %s", r->status, r->err);
	ck_assert_msg(r->out_len == 0, "stdout not empty: %s", r->out);
	ck_assert_msg(strncmp(r->err, "vssdoctor: ", 11) == 0, "stderr: %s", r->err);
	nl = strchr(r->err, '\n');
	ck_assert_msg(nl && nl[1] == '\0', "more than one line: %s", r->err);
}

START_TEST(test_version_help)
{
	struct tu_run r;

	tu_vssdoctor(&r, "--version", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strncmp(r.out, "vssdoctor 0.", 12) == 0, "%s", r.out);
	tu_run_free(&r);
	tu_vssdoctor(&r, "--help", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "vssdoctor scan"));
	ck_assert_ptr_nonnull(strstr(r.out, "exit status"));
	tu_run_free(&r);
}
END_TEST

START_TEST(test_bad_usage)
{
	struct tu_run r;

	tu_vssdoctor(&r, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	tu_vssdoctor(&r, "frobnicate", NULL);
	assert_clean_failure(&r);
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "no SOURCE"));
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--format", "yaml", healthy, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "yaml"));
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--partition", "x", healthy, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--threshold-aspnet", "0", healthy, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
}
END_TEST

static json_t *find_id(json_t *arr, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			return v;
	return NULL;
}

static void assert_result_shape(json_t *c)
{
	const char *st;

	ck_assert(json_is_string(json_object_get(c, "id")));
	ck_assert(json_is_string(json_object_get(c, "title")));
	st = json_string_value(json_object_get(c, "status"));
	ck_assert_msg(st && (!strcmp(st, "present") || !strcmp(st, "absent") ||
			     !strcmp(st, "unknown")), "status %s", st ? st : "(none)");
	ck_assert(json_is_string(json_object_get(c, "summary")));
	ck_assert(*json_string_value(json_object_get(c, "summary")));
	ck_assert(json_is_array(json_object_get(c, "evidence")));
	ck_assert(json_is_array(json_object_get(c, "remediation")));
	ck_assert(json_is_array(json_object_get(c, "references")));
}

START_TEST(test_json_contract)
{
	struct tu_run r;
	json_error_t je;
	json_t *root, *src, *vol, *causes, *findings, *v;
	size_t i;
	static const char *const ids[] = { "cause1", "cause2", "cause3", "cause4" };

	tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"), healthy, NULL);
	ck_assert_msg(r.status == 0 || r.status == 1 || r.status == 3,
		      "exit %d: %s", r.status, r.err);
	root = json_loads(r.out, 0, &je);
	ck_assert_msg(root != NULL, "invalid JSON at line %d: %s", je.line, je.text);
	ck_assert_str_eq(json_string_value(json_object_get(root, "schema")), "vssdoctor/1");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "tool"), "name")), "vssdoctor");
	ck_assert(json_is_string(json_object_get(json_object_get(root, "tool"), "version")));
	src = json_object_get(root, "source");
	ck_assert_str_eq(json_string_value(json_object_get(src, "path")), healthy);
	ck_assert_str_eq(json_string_value(json_object_get(src, "format")), "raw");
	ck_assert_int_eq(json_integer_value(json_object_get(src, "size")), 96 << 20);
	vol = json_object_get(src, "volume");
	ck_assert(json_is_object(vol));
	ck_assert_int_eq(json_integer_value(json_object_get(vol, "offset")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(vol, "filesystem")), "ntfs");
	ck_assert_str_eq(json_string_value(json_object_get(vol, "label")), "Windows");
	ck_assert(json_is_false(json_object_get(vol, "dirty")));
	causes = json_object_get(root, "causes");
	ck_assert_int_eq(json_array_size(causes), 4);
	for (i = 0; i < 4; i++) {
		v = json_array_get(causes, i);
		ck_assert_str_eq(json_string_value(json_object_get(v, "id")), ids[i]);
		assert_result_shape(v);
	}
	findings = json_object_get(root, "findings");
	ck_assert(json_is_array(findings));
	json_array_foreach(findings, i, v)
		assert_result_shape(v);
	ck_assert_ptr_nonnull(find_id(findings, "service-sd-blocks-writer"));
	ck_assert(json_is_array(json_object_get(root, "warnings")));
	ck_assert(json_is_integer(json_object_get(json_object_get(root, "timing_ms"), "total")));
	/* the exit status follows the verdicts */
	{
		int present = 0, unknown = 0;

		json_array_foreach(causes, i, v) {
			present |= !strcmp(json_string_value(json_object_get(v, "status")), "present");
			unknown |= !strcmp(json_string_value(json_object_get(v, "status")), "unknown");
		}
		json_array_foreach(findings, i, v)
			unknown |= !strcmp(json_string_value(json_object_get(v, "status")), "unknown");
		ck_assert_int_eq(r.status, present ? 1 : unknown ? 3 : 0);
	}
	json_decref(root);
	tu_run_free(&r);
}
END_TEST

START_TEST(test_source_unchanged)
{
	char before[65], after[65];
	struct tu_run r;
	static const char *const fmts[] = { "text", "json", "junit" };
	size_t i;

	ck_assert_int_eq(tu_sha256_file(healthy, before), 0);
	for (i = 0; i < 3; i++) {
		tu_vssdoctor(&r, "scan", "--format", fmts[i], "--rules", tu_env("VSSD_RULES"), healthy, NULL);
		ck_assert_int_ne(r.status, 2);
		tu_run_free(&r);
	}
	tu_vssdoctor(&r, "info", healthy, NULL);
	ck_assert_int_eq(r.status, 0);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(healthy, after), 0);
	ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(test_text_report)
{
	struct tu_run r;

	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), healthy, NULL);
	ck_assert_int_ne(r.status, 2);
	/* the source, the Windows version and the verdict first, then each
	 * cause with its status */
	ck_assert_msg(strncmp(r.out, "Source:   ", 10) == 0 && strstr(r.out, "healthy.img"), "%s", r.out);
	ck_assert_ptr_nonnull(strstr(r.out, "\nWindows:  Windows Server 2008 R2"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nVerdict:  no cause found, but some checks could not run (exit status 3)\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nabsent   cause1  "));
	ck_assert_ptr_nonnull(strstr(r.out, "\nabsent   cause4  "));
	ck_assert_msg(strstr(r.out, "Verdict:") < strstr(r.out, "cause1"), "verdict not first: %s", r.out);
	/* the events-only finding is unknown, with the reason */
	ck_assert_ptr_nonnull(strstr(r.out, "\nunknown  backup-writer-missing  the event logs could not be read\n"));
	ck_assert_msg(strchr(r.out, '\033') == NULL, "colour escape on a pipe");
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "-q", "--rules", tu_env("VSSD_RULES"), healthy, NULL);
	/* no event logs on this volume: the events-only finding is unknown */
	ck_assert_int_eq(r.status, 3);
	ck_assert_ptr_nonnull(strstr(r.out, "healthy.img: no cause found, but some checks could not run (exit status 3)\n"));
	ck_assert_ptr_null(strstr(r.out, "Verdict:"));
	ck_assert_ptr_null(strstr(r.out, "cause1"));
	tu_run_free(&r);
}
END_TEST

/* The verdict line names what makes the exit status: a failing finding
 * alone fails the scan, and the line says so instead of "0 causes". */
START_TEST(test_verdict_names_failures)
{
	char *img = NULL, *line = NULL;
	struct tu_run r;
	struct err err;

	ck_assert_int_ge(asprintf(&img, "%s/mslldp.img", dir), 0);
	err_init(&err);
	ck_assert_msg(scenario_build("os 2012r2\nbreak mslldp\n", img, &err) == 0, "%s", err.msg);
	tu_vssdoctor(&r, "scan", "-q", "--rules", tu_env("VSSD_RULES"), img, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_int_ge(asprintf(&line, "%s: no cause present, but failing finding: "
				  "service-sd-blocks-writer (exit status 1)\n", img), 0);
	ck_assert_str_eq(r.out, line);
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), img, NULL);
	ck_assert_ptr_nonnull(strstr(r.out, "Verdict:  no cause present, but failing finding: "
				     "service-sd-blocks-writer (exit status 1)\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "\nPRESENT  service-sd-blocks-writer  "));
	tu_run_free(&r);
	free(line);
	free(img);
}
END_TEST

START_TEST(test_junit_report)
{
	struct tu_run r;
	xmlDocPtr doc;
	xmlNodePtr root, suite, tc;
	int cases = 0;

	tu_vssdoctor(&r, "scan", "--format", "junit", "--rules", tu_env("VSSD_RULES"), healthy, NULL);
	ck_assert_int_ne(r.status, 2);
	doc = xmlReadMemory(r.out, (int)r.out_len, "junit.xml", NULL, XML_PARSE_NONET);
	ck_assert_msg(doc != NULL, "not XML: %s", r.out);
	root = xmlDocGetRootElement(doc);
	ck_assert_str_eq((const char *)root->name, "testsuites");
	suite = xmlFirstElementChild(root);
	ck_assert_ptr_nonnull(suite);
	ck_assert_str_eq((const char *)suite->name, "testsuite");
	for (tc = xmlFirstElementChild(suite); tc; tc = xmlNextElementSibling(tc)) {
		ck_assert_str_eq((const char *)tc->name, "testcase");
		cases++;
	}
	ck_assert_int_ge(cases, 4);
	{
		xmlChar *tests = xmlGetProp(suite, BAD_CAST "tests");
		ck_assert_int_eq(atoi((const char *)tests), cases);
		xmlFree(tests);
	}
	xmlFreeDoc(doc);
	tu_run_free(&r);
}
END_TEST

START_TEST(test_output_file)
{
	struct tu_run r;
	char *out = NULL;
	char *text;

	if (asprintf(&out, "%s/report.json", dir) < 0)
		abort();
	tu_vssdoctor(&r, "scan", "--format", "json", "-o", out, "--rules", tu_env("VSSD_RULES"), healthy, NULL);
	ck_assert_int_ne(r.status, 2);
	ck_assert_int_eq(r.out_len, 0);
	text = tu_read_file(out, NULL);
	ck_assert_ptr_nonnull(text);
	ck_assert_ptr_nonnull(strstr(text, "\"schema\": \"vssdoctor/1\""));
	free(text);
	free(out);
	tu_run_free(&r);
}
END_TEST

/* --- unreadable sources: one line, exit 2, no crash */
static void expect_failure(const char *path, const char *why)
{
	struct tu_run r;

	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), path, NULL);
	assert_clean_failure(&r);
	ck_assert_msg(strstr(r.err, why) != NULL, "expected '%s' in: %s", why, r.err);
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"), path, NULL);
	assert_clean_failure(&r);
	tu_run_free(&r);
}

START_TEST(test_missing_file)
{
	char *p = NULL;

	if (asprintf(&p, "%s/does-not-exist.img", dir) < 0)
		abort();
	expect_failure(p, "No such file");
	free(p);
}
END_TEST

START_TEST(test_empty_file)
{
	char *p = NULL;

	if (asprintf(&p, "%s/empty.img", dir) < 0)
		abort();
	ck_assert_int_eq(tu_write_file(p, "", 0), 0);
	expect_failure(p, "empty");
	free(p);
}
END_TEST

START_TEST(test_random_bytes)
{
	char *p = NULL;
	unsigned char *buf = malloc(1 << 20);
	size_t i;
	unsigned x = 12345;

	for (i = 0; i < (1u << 20); i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (unsigned char)(x >> 16);
	}
	if (asprintf(&p, "%s/random.img", dir) < 0)
		abort();
	ck_assert_int_eq(tu_write_file(p, buf, 1 << 20), 0);
	expect_failure(p, "NTFS");
	free(buf);
	free(p);
}
END_TEST

START_TEST(test_truncated_volume)
{
	char *p = NULL;

	if (asprintf(&p, "%s/truncated.img", dir) < 0)
		abort();
	/* the first 4 MiB of a 96 MiB volume: boot sector fine, MFT mirror and
	 * most of the volume gone */
	ck_assert_int_eq(tu_sh("head -c 4194304 '%s' > '%s'", healthy, p), 0);
	expect_failure(p, "NTFS");
	free(p);
}
END_TEST

START_TEST(test_not_windows_dir)
{
	char *p = NULL;

	if (asprintf(&p, "%s/notwindows", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("mkdir -p '%s/Users'", p), 0);
	expect_failure(p, "not a Windows volume");
	free(p);
}
END_TEST

START_TEST(test_ntfs_without_windows)
{
	char *p = NULL;
	struct err err;

	if (asprintf(&p, "%s/plain.img", dir) < 0)
		abort();
	err_init(&err);
	ck_assert_int_eq(tu_sh("truncate -s 16M '%s' && mkntfs -q -Q -F '%s' >/dev/null 2>&1", p, p), 0);
	expect_failure(p, "no Windows volume");
	free(p);
}
END_TEST

START_TEST(test_batch_worst_status)
{
	struct tu_run r;
	char *missing = NULL;
	char *line, *save = NULL;
	int lines = 0;

	if (asprintf(&missing, "%s/nope.img", dir) < 0)
		abort();
	tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"),
		     healthy, missing, healthy, NULL);
	/* the unreadable one does not stop the others; worst status wins */
	ck_assert_int_eq(r.status, 2);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		json_t *o = json_loads(line, 0, NULL);

		ck_assert_msg(o != NULL, "not JSON Lines: %s", line);
		ck_assert_int_eq(json_array_size(json_object_get(o, "causes")), 4);
		if (lines == 1)
			ck_assert(json_is_string(json_object_get(o, "error")));
		json_decref(o);
		lines++;
	}
	ck_assert_int_eq(lines, 3);
	free(missing);
	tu_run_free(&r);
}
END_TEST

START_TEST(test_offset_option)
{
	struct tu_run r;

	tu_vssdoctor(&r, "scan", "--offset", "0", "--format", "json", "--rules",
		     tu_env("VSSD_RULES"), healthy, NULL);
	ck_assert_int_ne(r.status, 2);
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--offset", "512", "--rules", tu_env("VSSD_RULES"), healthy, NULL);
	assert_clean_failure(&r);
	tu_run_free(&r);
}
END_TEST

Suite *cli_suite(void);
Suite *cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("contract");
	TCase *bad = tcase_create("unreadable");

	tcase_add_unchecked_fixture(tc, build_fixtures, free_fixtures);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_version_help);
	tcase_add_test(tc, test_bad_usage);
	tcase_add_test(tc, test_json_contract);
	tcase_add_test(tc, test_source_unchanged);
	tcase_add_test(tc, test_text_report);
	tcase_add_test(tc, test_verdict_names_failures);
	tcase_add_test(tc, test_junit_report);
	tcase_add_test(tc, test_output_file);
	tcase_add_test(tc, test_batch_worst_status);
	tcase_add_test(tc, test_offset_option);
	suite_add_tcase(s, tc);
	tcase_add_unchecked_fixture(bad, build_fixtures, free_fixtures);
	tcase_set_timeout(bad, TEST_TIMEOUT);
	tcase_add_test(bad, test_missing_file);
	tcase_add_test(bad, test_empty_file);
	tcase_add_test(bad, test_random_bytes);
	tcase_add_test(bad, test_truncated_volume);
	tcase_add_test(bad, test_not_windows_dir);
	tcase_add_test(bad, test_ntfs_without_windows);
	suite_add_tcase(s, bad);
	return s;
}
