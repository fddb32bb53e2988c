/* The reports people read (issue 16): the text report on one screen, its
 * -v evidence, Markdown for tickets, one self-contained HTML file, and
 * `vssdoctor sddl --format`.  Every assertion is about what a reader
 * sees, checked against the JSON report of the same image (the
 * contract): the fix commands, the statuses, the counts. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

static char *dir;
static char *demo_img;        /* what `vssdoctor demo DIR` builds */
static char *all_img;         /* every cause and most findings present */
static char *healthy_img;
static char *w2003_img;
static char *golden_json;     /* a baseline of healthy_img */

#define ALL_SCENARIO \
	"os 2016\n" \
	"break cause1 cause2 cause3 cause4 mslldp binary vssacl\n" \
	"aspnet_folders 1100\n" \
	"junction Users D:\\Users\n" \
	"filemaps_files 3\n" \
	"filemaps_deny 2\n" \
	"event system provider=EventLog id=6005 time=2024-06-03T07:58:00Z\n" \
	"event system provider=\"Service Control Manager\" id=7036 time=2024-06-03T07:58:20Z " \
	"\"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n" \
	"event system provider=\"Service Control Manager\" id=7000 time=2024-06-03T08:00:20Z " \
	"\"data=param1:COM+ Event System\" data=param2:%%1058 binary_utf16=EventSystem\n" \
	"event system provider=\"Service Control Manager\" id=7036 time=2024-06-03T09:58:20Z " \
	"\"data=param1:Volume Shadow Copy\" data=param2:stopped binary_utf16=VSS/1\n" \
	"event application provider=Microsoft-Windows-CAPI2 id=513 time=2024-06-03T23:00:05Z " \
	"\"text=Details:\\r\\nAddCoreCsiFiles : BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n" \
	"event application provider=Microsoft-Windows-CAPI2 id=513 time=2024-06-04T23:00:05Z " \
	"\"text=Details:\\r\\nAddCoreCsiFiles : BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n" \
	"event application provider=VSS id=8193 time=2024-06-04T23:00:09Z " \
	"\"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text=\n" \
	"event application provider=VSS id=12289 time=2024-06-04T23:00:10Z " \
	"\"text=Volume Shadow Copy Service error: Unexpected error\" text=0x80042302\n" \
	"event application provider=VSS id=8194 time=2024-06-04T23:00:11Z " \
	"\"text=Unexpected error querying for the IVssWriterCallback interface. hr = 0x80070005, Access is denied.\"\n" \
	"event application provider=Microsoft-Windows-Backup id=517 time=2024-06-04T23:01:00Z " \
	"data=BackupTime:2024-06-04T23:00:00Z data=ErrorCode:0x80780102 " \
	"\"data=ErrorMessage:System writer is not found in the backup.\"\n" \
	"log system new\n" \
	"reg system dword ControlSet001\\Services\\swprv Start 4\n"

static char *build(const char *name, const char *text)
{
	struct err err;
	char *img = NULL;

	if (asprintf(&img, "%s/%s.img", dir, name) < 0)
		abort();
	err_init(&err);
	if (scenario_build(text, img, &err) < 0) {
		fprintf(stderr, "fixture %s: %s\n", name, err.msg);
		abort();
	}
	return img;
}

static void build_fixtures(void)
{
	struct tu_run r;
	char *demo_dir = NULL;

	dir = tu_tmpdir("reports");
	if (asprintf(&demo_dir, "%s/demo", dir) < 0 ||
	    asprintf(&demo_img, "%s/demo-win2008r2.img", demo_dir) < 0 ||
	    asprintf(&golden_json, "%s/golden.json", dir) < 0)
		abort();
	/* the demo's image, built by the demo command itself */
	tu_vssdoctor(&r, "demo", demo_dir, NULL);
	if (r.status != 1) {
		fprintf(stderr, "fixture demo: exit %d: %s\n", r.status, r.err);
		abort();
	}
	tu_run_free(&r);
	free(demo_dir);
	all_img = build("all", ALL_SCENARIO);
	healthy_img = build("healthy", "os 2008r2\n");
	w2003_img = build("w2003", "os 2003\n");
	tu_vssdoctor(&r, "scan", "-q", "--save-baseline", golden_json, healthy_img, NULL);
	if (r.status == 2) {
		fprintf(stderr, "fixture baseline: %s\n", r.err);
		abort();
	}
	tu_run_free(&r);
}

static void free_fixtures(void)
{
	free(demo_img);
	free(all_img);
	free(healthy_img);
	free(w2003_img);
	free(golden_json);
	free(dir);
}

/* ---- helpers ------------------------------------------------------------ */

static json_t *scan_json(const char *img)
{
	struct tu_run r;
	json_error_t je;
	json_t *root;

	tu_vssdoctor(&r, "scan", "--format", "json", img, NULL);
	ck_assert_msg(r.status == 0 || r.status == 1 || r.status == 3, "exit %d: %s", r.status, r.err);
	root = json_loads(r.out, 0, &je);
	ck_assert_msg(root != NULL, "not JSON: %s", je.text);
	tu_run_free(&r);
	return root;
}

static json_t *result_of(json_t *root, const char *id)
{
	const char *arrays[] = { "causes", "findings" };
	size_t a, i;
	json_t *v;

	for (a = 0; a < 2; a++)
		json_array_foreach(json_object_get(root, arrays[a]), i, v)
			if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
				return v;
	return NULL;
}

/* Whether line (without its newline) is one of the report's remediation
 * lines, printed after the 9-column margin. */
static int is_fix_line(json_t *root, const char *line)
{
	const char *arrays[] = { "causes", "findings" };
	size_t a, i, k;
	json_t *v, *fix;

	if (strlen(line) < 9)
		return 0;
	for (a = 0; a < 2; a++)
		json_array_foreach(json_object_get(root, arrays[a]), i, v)
			json_array_foreach(json_object_get(v, "remediation"), k, fix)
				if (strcmp(line + 9, json_string_value(fix)) == 0)
					return 1;
	return 0;
}

static size_t utf8_width(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Lines of text; each wider than 100 columns must be a fix command. */
static int check_lines(const char *text, json_t *root, const char *what)
{
	const char *p = text, *nl;
	int lines = 0;

	for (; *p; p = nl + 1) {
		char *line;

		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "%s: last line without a newline", what);
		line = strndup(p, (size_t)(nl - p));
		ck_assert_msg(utf8_width(p, (size_t)(nl - p)) <= 100 || is_fix_line(root, line),
			      "%s: line %d wider than 100 columns and not a fix command: '%s'",
			      what, lines + 1, line);
		free(line);
		lines++;
	}
	return lines;
}

static char *text_of(const char *img, const char *opt)
{
	struct tu_run r;
	char *out;

	if (opt)
		tu_vssdoctor(&r, "scan", opt, img, NULL);
	else
		tu_vssdoctor(&r, "scan", img, NULL);
	ck_assert_msg(r.status == 0 || r.status == 1 || r.status == 3, "exit %d: %s", r.status, r.err);
	out = r.out;
	r.out = NULL;
	tu_run_free(&r);
	return out;
}

/* ---- the text report ---------------------------------------------------- */

/* `vssdoctor demo DIR` prints the demo's report: one screen (45 lines of
 * at most 100 columns, fix commands excepted), the verdict first, then
 * what is wrong in words with the decisive event and the fix. */
START_TEST(test_demo_one_screen)
{
	struct tu_run r;
	char *ddir = NULL, *p;
	json_t *root = scan_json(demo_img), *fix;
	size_t i;
	int lines;

	if (asprintf(&ddir, "%s/demo-again", dir) < 0)
		abort();
	tu_vssdoctor(&r, "demo", ddir, NULL);
	ck_assert_int_eq(r.status, 1);
	fprintf(stderr, "---- the demo's report ----\n%s----\n", r.out);
	lines = check_lines(r.out, root, "demo");
	ck_assert_msg(lines <= 45, "the demo's report is %d lines", lines);
	/* the source, the Windows version and the verdict, in that order */
	ck_assert_msg(strncmp(r.out, "Source:   ", 10) == 0, "%s", r.out);
	p = strstr(r.out, "\nWindows:  Windows Server 2008 R2 Standard 6.1 build 7601");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "\nVerdict:  3 causes present: cause1 cause3 cause4;");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "failing finding: service-sd-blocks-writer (exit status 1)\n"));
	/* what is wrong, in words */
	ck_assert_ptr_nonnull(strstr(r.out, "\nPRESENT  cause1  File permissions lost under WinSxS"));
	ck_assert_ptr_nonnull(strstr(r.out, "PendingRenames: owner Administrators; the writer's token cannot read it\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "CryptSvc's descriptor lost SYSTEM, INTERACTIVE and SERVICE"));
	ck_assert_ptr_nonnull(strstr(r.out, "Framework\\v2.0.50727: 1,200 folders (limit 1,000), 1,200 in Temporary ASP.NET Files"));
	ck_assert_ptr_nonnull(strstr(r.out, "MsLldp (driver): the writer's token cannot query it"));
	/* the decisive evidence: the 513 event's count and date */
	ck_assert_ptr_nonnull(strstr(r.out, "CAPI2 513 (AddCoreCsiFiles: Access is denied): 1 event, 2024-06-03 23:00 UTC\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "VSS 8193 (XML document is too long): 1 event, 2024-06-04 23:00 UTC\n"));
	/* absent causes one line each */
	ck_assert_ptr_nonnull(strstr(r.out, "\nabsent   cause2  A service the System Writer needs cannot run\nPRESENT  cause3"));
	/* every fix command of the JSON report, verbatim, one a line */
	json_array_foreach(json_object_get(result_of(root, "cause1"), "remediation"), i, fix) {
		char *want = NULL;

		ck_assert_int_ge(asprintf(&want, "%s%s\n", i ? "         " : "  fix:   ", json_string_value(fix)), 0);
		ck_assert_msg(strstr(r.out, want) != NULL, "fix line missing: %s", want);
		free(want);
	}
	json_array_foreach(json_object_get(result_of(root, "cause3"), "remediation"), i, fix)
		ck_assert_ptr_nonnull(strstr(r.out, json_string_value(fix)));
	/* no raw JSON, no evidence dump */
	ck_assert_ptr_null(strstr(r.out, "{\""));
	ck_assert_ptr_null(strstr(r.out, "effective:"));
	tu_run_free(&r);
	json_decref(root);
	free(ddir);
}
END_TEST

/* The scenario suite, text and -v: never raw JSON, every line within
 * 100 columns but the fix commands. */
START_TEST(test_text_no_json)
{
	const char *imgs[] = { demo_img, all_img, healthy_img, w2003_img };
	const char *opts[] = { NULL, "-v" };
	size_t i, k;

	for (i = 0; i < sizeof(imgs) / sizeof(imgs[0]); i++) {
		json_t *root = scan_json(imgs[i]);

		for (k = 0; k < 2; k++) {
			char *out = text_of(imgs[i], opts[k]);

			ck_assert_msg(strstr(out, "{\"") == NULL, "%s %s: raw JSON in the text report:\n%s",
				      imgs[i], opts[k] ? opts[k] : "", out);
			check_lines(out, root, imgs[i]);
			free(out);
		}
		json_decref(root);
	}
	/* and with a baseline: the drift table */
	{
		struct tu_run r;
		json_error_t je;
		json_t *root;

		tu_vssdoctor(&r, "scan", "--format", "json", "--baseline", golden_json, all_img, NULL);
		root = json_loads(r.out, 0, &je);
		ck_assert_ptr_nonnull(root);
		tu_run_free(&r);
		tu_vssdoctor(&r, "scan", "-v", "--baseline", golden_json, all_img, NULL);
		ck_assert_int_eq(r.status, 1);
		ck_assert_ptr_null(strstr(r.out, "{\""));
		check_lines(r.out, root, "drift");
		ck_assert_ptr_nonnull(strstr(r.out, "\nPRESENT  drift  "));
		ck_assert_ptr_nonnull(strstr(r.out, "Changes since the baseline"));
		ck_assert_ptr_nonnull(strstr(r.out, "services\\CryptSvc\\start"));
		ck_assert_ptr_nonnull(strstr(r.out, "FAILURE"));
		tu_run_free(&r);
		json_decref(root);
	}
}
END_TEST

/* -v: the evidence for people: aligned tables, rights in words, the
 * descriptor difference as an expected/actual table. */
START_TEST(test_verbose_evidence)
{
	char *out = text_of(demo_img, "-v");
	const char *p, *q;

	/* the ACE difference of CryptSvc: a header with expected and actual,
	 * SYSTEM missing, Administrators the same */
	p = strstr(out, "CryptSvc: expected and actual ACEs\n");
	ck_assert_ptr_nonnull(p);
	p = strchr(p, '\n') + 1;
	ck_assert_msg(strncmp(p, "      account ", 14) == 0 && strstr(p, " expected ") &&
		      strstr(p, " actual "), "%.300s", p);
	q = strstr(p, "      NT AUTHORITY\\SYSTEM ");
	ck_assert_ptr_nonnull(q);
	ck_assert_msg(strstr(q, "allow: query config, query status") < strstr(q, "MISSING"), "%.300s", q);
	ck_assert_ptr_nonnull(strstr(p, "BUILTIN\\Administrators    allow: full control"));
	/* access masks as words: 0x1200a9 is read & execute */
	ck_assert_ptr_nonnull(strstr(out, "allow  NT AUTHORITY\\SYSTEM          read & execute  this folder, subfolders and files"));
	ck_assert_ptr_nonnull(strstr(out, "the writer's token has  none\n"));
	ck_assert_ptr_nonnull(strstr(out, "it lacks                read data, read attributes\n"));
	/* the folder counts, aligned */
	ck_assert_ptr_nonnull(strstr(out, "Framework\\v2.0.50727    1,200    1,000  Temporary ASP.NET Files  1,200  AT/OVER LIMIT"));
	/* events as a table with dates */
	ck_assert_ptr_nonnull(strstr(out, "CAPI2 513  1      2024-06-03 23:00 UTC"));
	/* absent results show what was checked */
	ck_assert_ptr_nonnull(strstr(out, "\nabsent   cause2  "));
	ck_assert_ptr_nonnull(strstr(out, "CryptSvc, EventSystem, VSS and swprv are configured to run"));
	free(out);
}
END_TEST

/* Evidence is hostile: an event's text with terminal escapes must not
 * reach the terminal. */
START_TEST(test_text_hostile)
{
	char *img = build("hostile-text",
			  "os 2008r2\n"
			  "event application provider=Microsoft-Windows-Backup id=517 time=2024-06-04T23:01:00Z "
			  "\"data=ErrorMessage:\033[31mred\033]0;title\007 0x80780102 \302\233 2J\"\n");
	char *out = text_of(img, "-v");

	ck_assert_ptr_nonnull(strstr(out, "PRESENT  backup-writer-missing"));
	ck_assert_msg(strchr(out, '\033') == NULL && strchr(out, '\007') == NULL, "%s", out);
	ck_assert_msg(strstr(out, "\302\233") == NULL, "C1 CSI reached the output");
	ck_assert_ptr_nonnull(strstr(out, "?[31mred"));
	free(out);
	free(img);
}
END_TEST

Suite *reports_suite(void);
Suite *reports_suite(void)
{
	Suite *s = suite_create("reports");
	TCase *tc = tcase_create("text");

	tcase_add_unchecked_fixture(tc, build_fixtures, free_fixtures);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_demo_one_screen);
	tcase_add_test(tc, test_text_no_json);
	tcase_add_test(tc, test_verbose_evidence);
	tcase_add_test(tc, test_text_hostile);
	suite_add_tcase(s, tc);
	return s;
}
