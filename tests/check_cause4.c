/* Cause 4 (folders under Microsoft.NET\Framework): the Web.config reader
 * (table-driven, hostile inputs), the folder walker's limits, and end to
 * end scans of scenario volumes (the 999 / 1,000 / 1,001 boundary,
 * --threshold-aspnet, Web.config tempDirectory, junctions). */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "framework.h"
#include "fs.h"
#include "limits.h"
#include "scenario.h"
#include "testutil.h"
#include "webconfig.h"

#define V2 "Windows\\Microsoft.NET\\Framework\\v2.0.50727"
#define TEMP2 V2 "\\Temporary ASP.NET Files"

static json_t *cause4(json_t *root)
{
	json_t *c = json_array_get(json_object_get(root, "causes"), 3);

	ck_assert_str_eq(json_string_value(json_object_get(c, "id")), "cause4");
	return c;
}

static const char *status_of(json_t *res)
{
	return json_string_value(json_object_get(res, "status"));
}

/* ---- Web.config reader ----------------------------------------------------- */

struct wc_vector {
	const char *name;
	const char *xml;
	int rc;                   /* 1, 0, or -E_CORRUPT */
	const char *temp;         /* expected value when rc == 1 */
};

static const struct wc_vector wc_vectors[] = {
	{ "set", "<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration>\r\n <system.web>\r\n"
	  "  <compilation debug=\"false\" tempDirectory=\"c:\\ASPTEMP\" />\r\n </system.web>\r\n</configuration>\r\n",
	  1, "c:\\ASPTEMP" },
	{ "not set", "<configuration><system.web><compilation debug=\"false\"/></system.web></configuration>", 0, NULL },
	{ "no system.web", "<configuration><appSettings/></configuration>", 0, NULL },
	{ "in location", "<configuration><location path=\".\" allowOverride=\"false\"><system.web>"
	  "<compilation tempDirectory=\"%SystemRoot%\\Temp\\asp\"/></system.web></location></configuration>",
	  1, "%SystemRoot%\\Temp\\asp" },
	{ "first wins", "<configuration><system.web><compilation tempDirectory=\"d:\\one\"/>"
	  "<compilation tempDirectory=\"d:\\two\"/></system.web></configuration>", 1, "d:\\one" },
	{ "namespace", "<configuration xmlns=\"http://schemas.microsoft.com/.NetConfiguration/v2.0\">"
	  "<system.web><compilation tempDirectory=\"e:\\t\"/></system.web></configuration>", 1, "e:\\t" },
	{ "wrong root", "<foo><system.web><compilation tempDirectory=\"x\"/></system.web></foo>", 0, NULL },
	{ "wrong depth", "<configuration><compilation tempDirectory=\"x\"/></configuration>", 0, NULL },
	{ "BOM", "\xef\xbb\xbf<configuration><system.web><compilation tempDirectory=\"c:\\b\"/></system.web></configuration>",
	  1, "c:\\b" },
	{ "character reference", "<configuration><system.web><compilation tempDirectory=\"c:&#92;x\"/></system.web></configuration>",
	  1, "c:\\x" },
	{ "unclosed", "<configuration><system.web>", -E_CORRUPT, NULL },
	{ "empty", "", -E_CORRUPT, NULL },
	{ "not XML", "tempDirectory=c:\\x", -E_CORRUPT, NULL },
	{ "two roots", "<configuration/><configuration/>", -E_CORRUPT, NULL },
	{ "bad attribute", "<configuration><system.web><compilation tempDirectory=c:\\x/></system.web></configuration>",
	  -E_CORRUPT, NULL },
	{ "external entity (XXE)", "<!DOCTYPE c [<!ENTITY x SYSTEM \"file:///etc/passwd\">]><configuration>"
	  "<system.web><compilation tempDirectory=\"&x;\"/></system.web></configuration>", -E_CORRUPT, NULL },
	{ "billion laughs", "<!DOCTYPE c [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
	  "<!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"><!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\">"
	  "<!ENTITY e \"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\"><!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\">"
	  "<!ENTITY g \"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\"><!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\">"
	  "<!ENTITY i \"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]><configuration><system.web>"
	  "<compilation tempDirectory=\"&i;\"/></system.web></configuration>", -E_CORRUPT, NULL },
};

START_TEST(test_webconfig_vectors)
{
	const struct wc_vector *v = &wc_vectors[_i];
	struct err err;
	char *temp = NULL;
	int rc;

	err_init(&err);
	rc = webconfig_temp_directory((const uint8_t *)v->xml, strlen(v->xml), &temp, &err);
	ck_assert_msg(rc == v->rc, "%s: rc %d, want %d (%s)", v->name, rc, v->rc, err.msg);
	if (v->rc == 1)
		ck_assert_str_eq(temp, v->temp);
	else
		ck_assert_ptr_null(temp);
	if (v->rc < 0)
		ck_assert_msg(strncmp(err.msg, "line ", 5) == 0, "%s: message '%s'", v->name, err.msg);
	free(temp);
}
END_TEST

/* UTF-16LE with a BOM, as Notepad may save it. */
START_TEST(test_webconfig_utf16)
{
	const char *xml = "<configuration><system.web><compilation tempDirectory=\"c:\\w\"/></system.web></configuration>";
	size_t n = strlen(xml), i;
	uint8_t *buf = malloc(2 * n + 2);
	struct err err;
	char *temp = NULL;

	buf[0] = 0xff;
	buf[1] = 0xfe;
	for (i = 0; i < n; i++) {
		buf[2 + 2 * i] = (uint8_t)xml[i];
		buf[3 + 2 * i] = 0;
	}
	err_init(&err);
	ck_assert_int_eq(webconfig_temp_directory(buf, 2 * n + 2, &temp, &err), 1);
	ck_assert_str_eq(temp, "c:\\w");
	free(temp);
	free(buf);
}
END_TEST

START_TEST(test_webconfig_limits)
{
	const char *xml = wc_vectors[0].xml;
	size_t n = strlen(xml), len;
	uint8_t *big = calloc(1, LIMIT_WEBCONFIG_SIZE + 1);
	struct err err;
	char *temp = NULL;
	int rc;

	err_init(&err);
	ck_assert_int_eq(webconfig_temp_directory(big, LIMIT_WEBCONFIG_SIZE + 1, &temp, &err), -E_LIMIT);
	ck_assert_ptr_null(temp);
	free(big);
	/* every truncation: an error or "not set", never a crash or a value */
	for (len = 0; len < n - 20; len++) {
		uint8_t *copy = malloc(len + 1);

		memcpy(copy, xml, len);
		err_init(&err);
		rc = webconfig_temp_directory(copy, len, &temp, &err);
		ck_assert_msg(rc == -E_CORRUPT || rc == 0, "len %zu: rc %d", len, rc);
		ck_assert_ptr_null(temp);
		free(copy);
	}
}
END_TEST

/* ---- the walker's limits (directory adapter over a host tree) ------------- */

START_TEST(test_walker_depth_limit)
{
	char *dir = tu_tmpdir("fw-depth"), path[4096];
	struct framework_walk w;
	struct framework_count fc;
	struct fs *fs = NULL;
	struct err err;
	int i, rc;
	size_t l;

	l = (size_t)snprintf(path, sizeof(path), "%s/V/a", dir);
	for (i = 0; i < 70; i++)
		l += (size_t)snprintf(path + l, sizeof(path) - l, "/d");
	ck_assert_int_eq(tu_sh("mkdir -p '%s' && mkdir -p '%s/V/b/x' '%s/V/c'", path, dir, dir), 0);
	err_init(&err);
	ck_assert_int_eq(fs_open_dir(&fs, dir, &err), 0);
	framework_walk_init(&w, fs);
	rc = framework_count_version(&w, "V", 0, &fc, &err);
	ck_assert_int_eq(rc, -E_LIMIT);
	ck_assert_msg(strstr(err.msg, "LIMIT_DIR_DEPTH") != NULL, "%s", err.msg);
	ck_assert_int_eq(fc.complete, 0);
	/* 'a' holds 64 levels before the stop: a lower bound, not zero */
	ck_assert_uint_ge(fc.folders, 64);
	framework_count_release(&fc);
	fs_free(fs);
	free(dir);
}
END_TEST

START_TEST(test_walker_entry_budget)
{
	char *dir = tu_tmpdir("fw-budget");
	struct framework_walk w;
	struct framework_count fc;
	struct fs *fs = NULL;
	struct err err;
	int rc;

	ck_assert_int_eq(tu_sh("for x in a b c d e f g h i j k l m n o p q r s t; do "
			       "mkdir -p '%s'/V/T/$x || exit 1; done", dir), 0);
	err_init(&err);
	ck_assert_int_eq(fs_open_dir(&fs, dir, &err), 0);
	framework_walk_init(&w, fs);
	ck_assert_int_eq(framework_count_version(&w, "V", 0, &fc, &err), 0);
	ck_assert_int_eq(fc.complete, 1);
	ck_assert_uint_eq(fc.folders, 20);
	ck_assert_uint_eq(fc.all_folders, 21);
	ck_assert_uint_eq(fc.subfolders, 1);
	ck_assert_str_eq(fc.top[0].name, "T");
	framework_count_release(&fc);

	framework_walk_init(&w, fs);
	w.max_entries = 10;
	err_init(&err);
	rc = framework_count_version(&w, "V", 0, &fc, &err);
	ck_assert_int_eq(rc, -E_LIMIT);
	ck_assert_msg(strstr(err.msg, "LIMIT_DIR_ENTRIES") != NULL, "%s", err.msg);
	ck_assert_int_eq(fc.complete, 0);
	ck_assert_uint_eq(fc.folders, 9);
	framework_count_release(&fc);
	fs_free(fs);
	free(dir);
}
END_TEST

/* ---- end to end ------------------------------------------------------------ */

static const struct {
	unsigned long folders;
	const char *status;
	int exit_status;
} boundary[] = {
	{ 999, "absent", 3 },     /* 3: other causes' checks may be unknown */
	{ 1000, "present", 1 },
	{ 1001, "present", 1 },
};

START_TEST(test_boundary)
{
	char text[128], expect[64];
	char *img;
	json_t *root, *c, *e, *top, *rem;
	int st;

	snprintf(text, sizeof(text), "break cause4\naspnet_folders %lu\n", boundary[_i].folders);
	img = tu_build("cause4-boundary", text);
	root = tu_scan_image(img, &st, NULL);
	c = cause4(root);
	ck_assert_msg(strcmp(status_of(c), boundary[_i].status) == 0, "%lu folders: %s (%s)",
		      boundary[_i].folders, status_of(c), tu_str(c, "summary"));
	e = tu_evidence(c, "count", V2);
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(tu_num(e, "folders"), (long long)boundary[_i].folders);
	ck_assert_int_eq(tu_num(e, "limit"), 1000);
	ck_assert_int_eq(tu_num(e, "all_folders"), (long long)boundary[_i].folders + 2);
	top = json_array_get(json_object_get(e, "top"), 0);
	ck_assert_str_eq(tu_str(top, "path"), "v2.0.50727\\Temporary ASP.NET Files");
	ck_assert_int_eq(tu_num(top, "folders"), (long long)boundary[_i].folders);
	rem = json_object_get(c, "remediation");
	if (boundary[_i].exit_status == 1) {
		ck_assert_int_eq(st, 1);
		snprintf(expect, sizeof(expect), "holds %lu folders", boundary[_i].folders);
		ck_assert_ptr_nonnull(strstr(tu_str(c, "summary"), expect));
		ck_assert_ptr_nonnull(strstr(tu_str(c, "summary"), "Temporary ASP.NET Files"));
		ck_assert_str_eq(json_string_value(json_array_get(rem, 1)),
				 "2. give it the same permissions as C:\\Windows\\Microsoft.NET\\Framework\\v2.0.50727\\Temporary ASP.NET Files");
		ck_assert_str_eq(json_string_value(json_array_get(rem, 3)),
				 "4. open C:\\Windows\\Microsoft.NET\\Framework\\v2.0.50727\\CONFIG\\Web.config");
		ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(rem, 4)),
					     "<compilation tempDirectory=\"c:\\ASPTEMP\">"));
	} else {
		ck_assert_int_eq(json_array_size(rem), 0);
	}
	json_decref(root);
	free(img);
}
END_TEST

START_TEST(test_threshold_option)
{
	char *img = tu_build("cause4-threshold", "break cause4\naspnet_folders 1000\n");
	json_t *root;

	root = tu_scan_image(img, NULL, "--threshold-aspnet", "1001", NULL);
	ck_assert_str_eq(status_of(cause4(root)), "absent");
	ck_assert_ptr_nonnull(strstr(tu_str(cause4(root), "summary"), "fewer than 1001"));
	json_decref(root);
	root = tu_scan_image(img, NULL, "--threshold-aspnet", "1000", NULL);
	ck_assert_str_eq(status_of(cause4(root)), "present");
	json_decref(root);
	free(img);
	/* a healthy volume: 12 folders in Temporary ASP.NET Files */
	img = tu_build("cause4-threshold-low", "os 2008r2\n");
	root = tu_scan_image(img, NULL, "--threshold-aspnet", "12", NULL);
	ck_assert_str_eq(status_of(cause4(root)), "present");
	ck_assert_int_eq(tu_num(tu_evidence(cause4(root), "count", V2), "limit"), 12);
	json_decref(root);
	root = tu_scan_image(img, NULL, "--threshold-aspnet", "13", NULL);
	ck_assert_str_eq(status_of(cause4(root)), "absent");
	json_decref(root);
	free(img);
}
END_TEST

/* Nested folders count at every depth; the top contributors come first. */
START_TEST(test_nested_and_top)
{
	const char *text =
		"folders \"" TEMP2 "\\root_00001\" 5 sub\n"
		"folders \"" TEMP2 "\\root_00001\\sub00002\" 4 deep\n"
		"folders \"Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\A\" 3\n"
		"folders \"Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\B\" 7\n"
		"folders \"Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\C\" 5\n";
	char *img = tu_build("cause4-nested", text);
	json_t *root = tu_scan_image(img, NULL, NULL), *c, *e, *top;

	c = cause4(root);
	ck_assert_str_eq(status_of(c), "absent");
	e = tu_evidence(c, "count", V2);
	ck_assert_int_eq(tu_num(e, "folders"), 12 + 5 + 4);
	e = tu_evidence(c, "count", "Windows\\Microsoft.NET\\Framework64\\v4.0.30319");
	ck_assert_int_eq(tu_num(e, "folders"), 15);
	ck_assert_int_eq(tu_num(e, "subfolders"), 5);
	ck_assert_int_eq(tu_num(e, "all_folders"), 20);
	top = json_object_get(e, "top");
	ck_assert_int_eq(json_array_size(top), 5);
	ck_assert_str_eq(tu_str(json_array_get(top, 0), "path"), "v4.0.30319\\B");
	ck_assert_str_eq(tu_str(json_array_get(top, 1), "path"), "v4.0.30319\\C");
	ck_assert_str_eq(tu_str(json_array_get(top, 2), "path"), "v4.0.30319\\A");
	ck_assert_int_eq(tu_num(json_array_get(top, 0), "folders"), 7);
	ck_assert_int_eq(tu_num(json_array_get(top, 4), "folders"), 0);
	/* the worst version is the one with the most */
	ck_assert_str_eq(tu_str(c, "summary"),
			 "every .NET Framework version folder holds fewer than 1000 folders");
	json_decref(root);
	free(img);
}
END_TEST

START_TEST(test_webconfig_reported)
{
	char *img = tu_build("cause4-webconfig", tu_scenario("cause4/webconfig"));
	json_t *root = tu_scan_image(img, NULL, NULL), *c, *e;

	c = cause4(root);
	ck_assert_str_eq(status_of(c), "absent");
	e = tu_evidence(c, "file", V2 "\\CONFIG\\Web.config");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(tu_str(e, "temp_directory"), "c:\\ASPTEMP");
	ck_assert_str_eq(tu_str(e, "temp_directory_volume_path"), "ASPTEMP");
	ck_assert(json_is_true(json_object_get(e, "temp_directory_exists")));
	e = tu_evidence(c, "file", "Windows\\Microsoft.NET\\Framework\\v4.0.30319\\CONFIG\\Web.config");
	ck_assert_str_eq(tu_str(e, "temp_directory"), "C:\\nowhere");
	ck_assert(json_is_false(json_object_get(e, "temp_directory_exists")));
	e = tu_evidence(c, "file", "Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\CONFIG\\Web.config");
	ck_assert_str_eq(tu_str(e, "temp_directory"), "D:\\asp");
	ck_assert_ptr_nonnull(strstr(tu_str(e, "temp_directory_note"), "drive D:"));
	ck_assert_ptr_null(json_object_get(e, "temp_directory_exists"));
	ck_assert(!tu_has_warning(root, "Web.config"));
	json_decref(root);
	free(img);
}
END_TEST

/* Malformed XML: a warning and an error in the evidence, the count still
 * decides (present here). */
START_TEST(test_webconfig_malformed)
{
	const char *text =
		"break cause4\naspnet_folders 1000\n"
		"webconfig v2.0.50727 <configuration><system.web><compilation tempDirectory=\"c:\\\\x\">\n";
	char *img = tu_build("cause4-malformed", text);
	json_t *root = tu_scan_image(img, NULL, NULL), *c, *e;

	c = cause4(root);
	ck_assert_str_eq(status_of(c), "present");
	e = tu_evidence(c, "file", V2 "\\CONFIG\\Web.config");
	ck_assert_ptr_nonnull(e);
	ck_assert_ptr_nonnull(strstr(tu_str(e, "error"), "malformed XML: line 1"));
	ck_assert(tu_has_warning(root, "Web.config': malformed XML"));
	json_decref(root);
	free(img);
}
END_TEST

/* Junctions inside Framework: counted once, reported, never followed (one
 * points at 1,500 folders, one back at Framework itself). */
START_TEST(test_junction_not_followed)
{
	const char *text =
		"folders Big 1500\n"
		"junction \"" TEMP2 "\\link\" C:\\Big\n"
		"junction \"Windows\\Microsoft.NET\\Framework\\v4.0.30319\\loop\" C:\\Windows\\Microsoft.NET\\Framework\n";
	char *img = tu_build("cause4-junction", text);
	json_t *root = tu_scan_image(img, NULL, NULL), *c, *e;

	c = cause4(root);
	ck_assert_msg(strcmp(status_of(c), "absent") == 0, "%s", tu_str(c, "summary"));
	e = tu_evidence(c, "count", V2);
	ck_assert_int_eq(tu_num(e, "folders"), 13);
	ck_assert_int_eq(tu_num(e, "junctions"), 1);
	e = tu_evidence(c, "count", "Windows\\Microsoft.NET\\Framework\\v4.0.30319");
	ck_assert_int_eq(tu_num(e, "folders"), 0);
	ck_assert_int_eq(tu_num(e, "subfolders"), 3);
	ck_assert_int_eq(tu_num(e, "junctions"), 1);
	e = tu_evidence(c, "junction", TEMP2 "\\link");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(tu_str(e, "target"), "C:\\Big");
	ck_assert_str_eq(tu_str(e, "counted"), "once, not followed");
	e = tu_evidence(c, "junction", "Windows\\Microsoft.NET\\Framework\\v4.0.30319\\loop");
	ck_assert_str_eq(tu_str(e, "target"), "C:\\Windows\\Microsoft.NET\\Framework");
	json_decref(root);
	free(img);
}
END_TEST

/* Thousands of v* folders on a hostile volume: the first
 * LIMIT_EVIDENCE_ITEMS are listed, the worst one always, and a summary
 * says how many there were. */
START_TEST(test_many_versions)
{
	const char *text =
		"folders \"Windows\\Microsoft.NET\\Framework64\" 60 v\n"
		"folders \"Windows\\Microsoft.NET\\Framework64\\v00060\\T\" 20 x\n";
	char *img = tu_build("cause4-versions", text);
	json_t *root = tu_scan_image(img, NULL, NULL), *c, *e, *v;
	size_t i, counts = 0;

	c = cause4(root);
	ck_assert_str_eq(status_of(c), "absent");
	json_array_foreach(json_object_get(c, "evidence"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "kind")), "count") == 0)
			counts++;
	ck_assert_uint_eq(counts, LIMIT_EVIDENCE_ITEMS + 1);
	e = tu_evidence(c, "count", "Windows\\Microsoft.NET\\Framework64\\v00060");
	ck_assert_ptr_nonnull(e);
	ck_assert_int_eq(tu_num(e, "folders"), 20);
	e = json_array_get(json_object_get(c, "evidence"),
			   json_array_size(json_object_get(c, "evidence")) - 1);
	ck_assert_str_eq(tu_str(e, "kind"), "summary");
	ck_assert_int_eq(tu_num(e, "versions"), 2 + 60 + 1);
	ck_assert_int_eq(tu_num(e, "listed"), LIMIT_EVIDENCE_ITEMS);
	json_decref(root);
	free(img);
}
END_TEST

/* A rule whose roots do not exist: nothing to enumerate, absent, and the
 * evidence says why. */
START_TEST(test_no_framework)
{
	static const char rule[] =
		"{\"id\": \"cause4\", \"kind\": \"cause\", \"title\": \"t\",\n"
		" \"check\": \"framework_folders\",\n"
		" \"params\": {\"roots\": [\"Windows\\\\Microsoft.NET\\\\NoSuch\"], \"limit\": 5}}\n";
	char *img = tu_build("cause4-none", "os 2008r2\n");
	char *rules = tu_tmpdir("cause4-rules"), *file = NULL;
	struct tu_run r;
	json_error_t je;
	json_t *root, *c, *e;

	if (asprintf(&file, "%s/cause4.json", rules) < 0)
		abort();
	ck_assert_int_eq(tu_write_file(file, rule, strlen(rule)), 0);
	tu_vssdoctor(&r, "scan", "--format", "json", "--rules", rules, img, NULL);
	root = json_loads(r.out, 0, &je);
	ck_assert_msg(root != NULL, "exit %d: %s", r.status, r.err);
	c = cause4(root);
	ck_assert_str_eq(status_of(c), "absent");
	e = tu_evidence(c, "count", "Windows\\Microsoft.NET\\NoSuch");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(tu_str(e, "verdict"), "absent on the volume");
	json_decref(root);
	tu_run_free(&r);
	free(file);
	free(rules);
	free(img);
}
END_TEST

Suite *cause4_suite(void);
Suite *cause4_suite(void)
{
	Suite *s = suite_create("cause4");
	TCase *tc;

	tc = tcase_create("webconfig");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_webconfig_vectors, 0,
			    (int)(sizeof(wc_vectors) / sizeof(wc_vectors[0])));
	tcase_add_test(tc, test_webconfig_utf16);
	tcase_add_test(tc, test_webconfig_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("walker");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_walker_depth_limit);
	tcase_add_test(tc, test_walker_entry_budget);
	suite_add_tcase(s, tc);

	tc = tcase_create("scan");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_boundary, 0, (int)(sizeof(boundary) / sizeof(boundary[0])));
	tcase_add_test(tc, test_threshold_option);
	tcase_add_test(tc, test_nested_and_top);
	tcase_add_test(tc, test_webconfig_reported);
	tcase_add_test(tc, test_webconfig_malformed);
	tcase_add_test(tc, test_junction_not_followed);
	tcase_add_test(tc, test_no_framework);
	tcase_add_test(tc, test_many_versions);
	suite_add_tcase(s, tc);
	return s;
}
