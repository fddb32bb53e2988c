/* Golden images in CI (issue 7): --save-baseline, then --baseline against
 * variants of the image with each single break. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

/* a healthy Windows Server 2016 volume with a normal boot in its logs */
#define HEALTHY \
	"os 2016\n" \
	"event system provider=EventLog id=6005 time=2024-06-01T08:00:00Z\n" \
	"event system provider=Microsoft-Windows-Kernel-General id=12 time=2024-06-01T08:00:00Z\n" \
	"event system provider=\"Service Control Manager\" id=7036 time=2024-06-01T08:00:20Z " \
	"\"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n" \
	"event application provider=VSS id=8224 time=2024-06-01T09:00:00Z text=\n"

static char *dir, *golden, *golden_img;

static char *build_img(const char *name, const char *extra)
{
	char *img = NULL, *text = NULL;
	struct err err;

	if (asprintf(&img, "%s/%s.img", dir, name) < 0 || asprintf(&text, "%s%s", HEALTHY, extra) < 0)
		abort();
	err_init(&err);
	if (scenario_build(text, img, &err) < 0) {
		fprintf(stderr, "fixture %s: %s\n", name, err.msg);
		abort();
	}
	free(text);
	return img;
}

static void build(void)
{
	struct tu_run r;

	dir = tu_tmpdir("baseline");
	golden_img = build_img("golden", "");
	if (asprintf(&golden, "%s/golden.json", dir) < 0)
		abort();
	tu_vssdoctor(&r, "scan", "-q", "--save-baseline", golden, "--rules", tu_env("VSSD_RULES"),
		     golden_img, NULL);
	if (r.status != 0) {
		fprintf(stderr, "golden scan: exit %d: %s%s\n", r.status, r.out, r.err);
		abort();
	}
	tu_run_free(&r);
}

static void unbuild(void)
{
	free(golden);
	free(golden_img);
	free(dir);
}

/* scan img against the golden baseline; the drift finding (new ref) */
static json_t *drift_of(const char *img, int *status)
{
	struct tu_run r;
	json_t *d, *f, *v, *out = NULL;
	size_t i;

	tu_vssdoctor(&r, "scan", "--format", "json", "--baseline", golden, "--rules",
		     tu_env("VSSD_RULES"), img, NULL);
	*status = r.status;
	d = json_loads(r.out, 0, NULL);
	ck_assert_msg(d != NULL, "exit %d: %s", r.status, r.err);
	f = json_object_get(d, "findings");
	json_array_foreach(f, i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), "drift") == 0)
			out = json_incref(v);
	json_decref(d);
	tu_run_free(&r);
	ck_assert_msg(out != NULL, "no drift finding");
	return out;
}

/* the drift item at path (NULL when absent) */
static json_t *item(json_t *drift, const char *path)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(drift, "evidence"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "path")), path) == 0)
			return e;
	return NULL;
}

START_TEST(test_baseline_document)
{
	json_error_t je;
	json_t *d = json_load_file(golden, JSON_REJECT_DUPLICATES, &je), *svc;
	char *again = NULL, a[65], b[65];
	struct tu_run r;

	ck_assert_msg(d != NULL, "%s", je.text);
	ck_assert_str_eq(json_string_value(json_object_get(d, "schema")), "vssdoctor-baseline/1");
	svc = json_object_get(json_object_get(json_object_get(d, "state"), "services"), "CryptSvc");
	ck_assert(json_is_object(svc));
	ck_assert_int_eq(json_integer_value(json_object_get(svc, "start")), 2);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(svc, "sddl")), "(A;;CCLCSWLOCRRC;;;SU)"));
	ck_assert(json_is_string(json_object_get(json_object_get(json_object_get(d, "state"), "winsxs"),
						 "Windows\\WinSxS\\Temp\\PendingRenames")));
	ck_assert(json_is_object(json_object_get(json_object_get(d, "state"), "framework")));
	/* issue 18's state: VSS\Diag's key descriptors, COM security, profile folders */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(json_object_get(d, "state"),
				"vss_diag"), "Services\\VSS\\Diag")), "(A;;CCDCLCSWRPSDRC;;;NS)"));
	ck_assert(json_is_string(json_object_get(json_object_get(json_object_get(d, "state"), "vss_diag"),
						 "Services\\VSS\\Diag\\System Writer")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(json_object_get(d, "state"),
				"com_security"), "Microsoft\\Ole\\MachineAccessRestriction")), "(A;;CCDCLC;;;WD)"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(json_object_get(d, "state"),
				"profile_folders"), "Users")), "folder");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(json_object_get(d, "state"),
				"vss_access_control"), "NT Authority\\NetworkService")), 1);
	json_decref(d);
	/* stable: the same image gives the same bytes */
	if (asprintf(&again, "%s/again.json", dir) < 0)
		abort();
	tu_vssdoctor(&r, "scan", "-q", "--save-baseline", again, "--rules", tu_env("VSSD_RULES"),
		     golden_img, NULL);
	ck_assert_int_eq(r.status, 0);
	tu_run_free(&r);
	tu_sha256_file(golden, a);
	tu_sha256_file(again, b);
	ck_assert_str_eq(a, b);
	free(again);
}
END_TEST

START_TEST(test_unchanged_no_drift)
{
	int st;
	json_t *dr = drift_of(golden_img, &st);

	ck_assert_str_eq(json_string_value(json_object_get(dr, "status")), "absent");
	ck_assert_int_eq(json_array_size(json_object_get(dr, "evidence")), 0);
	ck_assert_int_eq(st, 0);
	json_decref(dr);
}
END_TEST

static const struct {
	const char *name, *extra, *path;
	const char *before_has, *after_has;  /* substrings of before/after */
} breaks[] = {
	{ "cause1", "break cause1\n", "winsxs\\Windows\\WinSxS\\Temp\\PendingRenames", "(A;;0x1200a9;;;BU)", "O:BAG:SYD:PAI(A;;FA;;;BA)" },
	{ "cause2", "break cause2\n", "services\\CryptSvc\\start", "2", "4" },
	{ "cause3", "break cause3\n", "services\\CryptSvc\\sddl", "(A;;CCLCSWLOCRRC;;;SU)", "D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)" },
	{ "cause4", "break cause4\naspnet_folders 1200\n",
	  "framework\\Windows\\Microsoft.NET\\Framework\\v2.0.50727", "12", "1200" },
	{ "mslldp", "break mslldp\n", "services\\MsLldp\\sddl", "null", "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)" },
	{ "vssacl", "break vssacl\n", "vss_access_control\\NT Authority\\NetworkService", "1", "0" },
	/* issue 18's findings: the state they judge is in the baseline too */
	{ "diagacl", "break diagacl\n", "vss_diag\\Services\\VSS\\Diag", "(A;;CCDCLCSWRPSDRC;;;NS)",
	  "(A;;CCDCLCSWRPSDRC;;;LS)(A;CIIO;RC;;;OW)" },
	{ "comsec", "break comsec\n", "com_security\\Microsoft\\Ole\\MachineAccessRestriction", "(A;;CCDCLC;;;WD)",
	  "O:BAG:BAD:(A;;CCDCLC;;;BA)(A;;CCDCLC;;;S-1-5-32-562)" },
	{ "imagepath", "break imagepath\n", "services\\FooAgent", "null", "added" },
	{ "imagepath-changed", "reg system expand_sz ControlSet001\\Services\\CryptSvc ImagePath "
	  "%SystemRoot%/system32/svchost.exe -k NetworkService\n", "services\\CryptSvc\\image_path",
	  "%SystemRoot%\\\\system32\\\\svchost.exe", "%SystemRoot%/system32/svchost.exe" },
	{ "profile", "junction Users D:\\Users\n", "profile_folders\\Users", "\"folder\"", "junction -> D:\\\\Users" },
};

START_TEST(test_single_break)
{
	char *img = build_img(breaks[_i].name, breaks[_i].extra), *b, *a;
	int st;
	json_t *dr = drift_of(img, &st), *it;

	ck_assert_str_eq(json_string_value(json_object_get(dr, "status")), "present");
	ck_assert_int_eq(st, 1);
	it = item(dr, breaks[_i].path);
	ck_assert_msg(it != NULL, "%s: no drift at %s: %s", breaks[_i].name, breaks[_i].path,
		      json_dumps(json_object_get(dr, "evidence"), JSON_COMPACT));
	ck_assert_str_eq(json_string_value(json_object_get(it, "severity")), "failure");
	b = json_dumps(json_object_get(it, "before"), JSON_ENCODE_ANY);
	a = json_dumps(json_object_get(it, "after"), JSON_ENCODE_ANY);
	ck_assert_msg(strstr(b, breaks[_i].before_has), "%s: before %s", breaks[_i].name, b);
	ck_assert_msg(strstr(a, breaks[_i].after_has), "%s: after %s", breaks[_i].name, a);
	ck_assert_int_ge(json_array_size(json_object_get(dr, "remediation")), 1);
	free(a);
	free(b);
	json_decref(dr);
	free(img);
}
END_TEST

START_TEST(test_harmless_change_is_information)
{
	/* a new service the writer can read, and a folder count that moves
	 * within the margin: listed, not failing */
	char *img = build_img("harmless",
		"reg system dword ControlSet001\\Services\\NewAgent Type 16\n"
		"reg system dword ControlSet001\\Services\\NewAgent Start 2\n"
		"reg system expand_sz ControlSet001\\Services\\NewAgent ImagePath %SystemRoot%\\System32\\svchost.exe -k netsvcs\n"
		"folders \"Windows\\Microsoft.NET\\Framework\\v4.0.30319\\Temporary ASP.NET Files\" 30 x\n");
	int st;
	json_t *dr = drift_of(img, &st), *it;

	ck_assert_str_eq(json_string_value(json_object_get(dr, "status")), "absent");
	it = item(dr, "services\\NewAgent");
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(json_string_value(json_object_get(it, "severity")), "info");
	it = item(dr, "framework\\Windows\\Microsoft.NET\\Framework\\v4.0.30319");
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(json_string_value(json_object_get(it, "severity")), "info");
	ck_assert_int_eq(st, 0);
	json_decref(dr);
	free(img);
}
END_TEST

/* A baseline written before issue 18's sections existed: no drift from
 * their absence; a COM change that keeps NETWORK SERVICE's access is
 * information. */
START_TEST(test_older_baseline)
{
	char *old = NULL, *img;
	json_t *d, *st, *dr, *it;
	struct tu_run r;
	int status;

	d = json_load_file(golden, 0, NULL);
	ck_assert_ptr_nonnull(d);
	st = json_object_get(d, "state");
	json_object_del(st, "vss_diag");
	json_object_del(st, "com_security");
	json_object_del(st, "profile_folders");
	ck_assert_int_ge(asprintf(&old, "%s/older.json", dir), 0);
	ck_assert_int_eq(json_dump_file(d, old, JSON_INDENT(2) | JSON_SORT_KEYS), 0);
	json_decref(d);
	tu_vssdoctor(&r, "scan", "--format", "json", "--baseline", old, "--rules", tu_env("VSSD_RULES"),
		     golden_img, NULL);
	ck_assert_int_eq(r.status, 0);
	d = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(d);
	ck_assert_ptr_null(strstr(r.out, "\"vss_diag"));
	ck_assert_ptr_null(strstr(r.out, "\"com_security"));
	ck_assert_ptr_null(strstr(r.out, "\"profile_folders"));
	json_decref(d);
	tu_run_free(&r);
	free(old);

	img = build_img("comok", "reg software sddl Microsoft\\Ole MachineAccessRestriction "
			"O:BAG:BAD:(A;;CCDCLC;;;WD)(A;;CCDCLC;;;S-1-5-32-562)(A;;CCDCLC;;;LU)\n");
	dr = drift_of(img, &status);
	it = item(dr, "com_security\\Microsoft\\Ole\\MachineAccessRestriction");
	ck_assert_ptr_nonnull(it);
	ck_assert_str_eq(json_string_value(json_object_get(it, "severity")), "info");
	ck_assert_str_eq(json_string_value(json_object_get(dr, "status")), "absent");
	ck_assert_int_eq(status, 0);
	json_decref(dr);
	free(img);
}
END_TEST

START_TEST(test_bad_baselines)
{
	char *p = NULL;
	struct tu_run r;

	if (asprintf(&p, "%s/not-a-baseline.json", dir) < 0)
		abort();
	{
		static const char text[] = "{\"schema\": \"something/2\", \"state\": {}}";

		tu_write_file(p, text, strlen(text));
	}
	tu_vssdoctor(&r, "scan", "--baseline", p, golden_img, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "not a vssdoctor-baseline/1 baseline"));
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--baseline", "/nonexistent/golden.json", golden_img, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--save-baseline", p, golden_img, golden_img, NULL);
	ck_assert_int_eq(r.status, 2);
	tu_run_free(&r);
	free(p);
}
END_TEST

Suite *baseline_suite(void);
Suite *baseline_suite(void)
{
	Suite *s = suite_create("baseline");
	TCase *tc = tcase_create("drift");

	tcase_add_unchecked_fixture(tc, build, unbuild);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_baseline_document);
	tcase_add_test(tc, test_unchanged_no_drift);
	tcase_add_loop_test(tc, test_single_break, 0, (int)(sizeof(breaks) / sizeof(breaks[0])));
	tcase_add_test(tc, test_harmless_change_is_information);
	tcase_add_test(tc, test_older_baseline);
	tcase_add_test(tc, test_bad_baselines);
	suite_add_tcase(s, tc);
	return s;
}
