/* Directory mode: a Windows volume given as a folder.  Mounted with ntfs-3g
 * (when FUSE works here) it must give the same verdicts as the image for
 * causes 1 and 4 and the junction finding; a plain folder without NTFS
 * descriptors gives cause 1 `unknown`, saying why, and still counts
 * folders. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "scenario.h"
#include "testutil.h"

#define V2 "Windows\\Microsoft.NET\\Framework\\v2.0.50727"

static long long num_at(json_t *res, const char *kind, const char *path,
			const char *key)
{
	json_t *e = tu_evidence(res, kind, path);

	ck_assert_msg(e != NULL, "no %s evidence for %s", kind, path ? path : "(any)");
	return json_integer_value(json_object_get(e, key));
}

/* ---- a plain folder (no NTFS descriptors) ---------------------------------- */

START_TEST(test_plain_folder)
{
	char *dir = tu_tmpdir("dirmode-plain");
	json_t *root, *c1, *e;
	int st;

	ck_assert_int_eq(tu_sh(
		"cd '%s' && mkdir -p Windows/System32/config Windows/WinSxS/FileMaps Windows/WinSxS/Temp "
		"'Windows/Microsoft.NET/Framework/v2.0.50727/Temporary ASP.NET Files' "
		"Windows/Microsoft.NET/Framework/v2.0.50727/CONFIG Windows/Microsoft.NET/Framework/v4.0.30319 "
		"ProgramData && : > Windows/System32/config/SYSTEM && : > Windows/WinSxS/Temp/PendingRenames && "
		": > Windows/WinSxS/FileMaps/a.cdf-ms && "
		"printf '<configuration><system.web><compilation tempDirectory=\"c:\\\\ASPTEMP\"/></system.web></configuration>' "
		"> Windows/Microsoft.NET/Framework/v2.0.50727/CONFIG/Web.config && "
		"cd 'Windows/Microsoft.NET/Framework/v2.0.50727/Temporary ASP.NET Files' && "
		"i=0; while [ $i -lt 1000 ]; do mkdir d$i; i=$((i+1)); done && "
		"ln -s ../../.. loop && cd '%s' && ln -s /nonexistent/Users Users", dir, dir), 0);
	root = tu_scan_image(dir, &st, NULL);
	c1 = tu_result(root, "cause1");
	ck_assert_str_eq(json_string_value(json_object_get(c1, "status")), "unknown");
	ck_assert_msg(strstr(json_string_value(json_object_get(c1, "summary")), "system.ntfs_acl") != NULL,
		      "%s", json_string_value(json_object_get(c1, "summary")));
	/* 1000 folders + the symlink back to Microsoft.NET, counted once */
	ck_assert_str_eq(tu_status(root, "cause4"), "present");
	ck_assert_int_eq(num_at(tu_result(root, "cause4"), "count", V2, "folders"), 1001);
	ck_assert_int_eq(num_at(tu_result(root, "cause4"), "count", V2, "junctions"), 1);
	e = tu_evidence(tu_result(root, "cause4"), "file", V2 "\\CONFIG\\Web.config");
	ck_assert_str_eq(json_string_value(json_object_get(e, "temp_directory")), "c:\\ASPTEMP");
	ck_assert(json_is_false(json_object_get(e, "temp_directory_exists")));
	/* Users behind a link: profile-junction (winsxs-junction keeps Program
	 * Files and WinSxS) */
	ck_assert_str_eq(tu_status(root, "profile-junction"), "present");
	ck_assert_str_eq(tu_status(root, "winsxs-junction"), "absent");
	ck_assert_int_eq(st, 1);
	json_decref(root);
	free(dir);
}
END_TEST

/* ---- ntfs-3g mount: same verdicts as the image ----------------------------- */

struct verdicts {
	char c1[16], c4[16], jn[16];
	long long denied, checked, v2_folders, junctions;
	char first_denied[256];
};

static void verdicts_of(json_t *root, struct verdicts *v)
{
	json_t *c1 = tu_result(root, "cause1"), *c4 = tu_result(root, "cause4");
	json_t *sum = tu_evidence(c1, "summary", NULL);

	memset(v, 0, sizeof(*v));
	snprintf(v->c1, sizeof(v->c1), "%s", tu_status(root, "cause1"));
	snprintf(v->c4, sizeof(v->c4), "%s", tu_status(root, "cause4"));
	snprintf(v->jn, sizeof(v->jn), "%s", tu_status(root, "profile-junction"));
	v->denied = sum ? json_integer_value(json_object_get(sum, "denied")) : -1;
	v->checked = sum ? json_integer_value(json_object_get(sum, "checked")) : -1;
	v->v2_folders = json_integer_value(json_object_get(tu_evidence(c4, "count", V2), "folders"));
	v->junctions = json_integer_value(json_object_get(tu_evidence(c4, "count", V2), "junctions"));
	snprintf(v->first_denied, sizeof(v->first_denied), "%s",
		 json_string_value(json_object_get(c1, "summary")));
}

/* tu_scenarios' names */
static const char *const mount_scenarios[] = {
	"reports/healthy",
	"dirmode/mixed",
	"dirmode/deny-everyone",
};

START_TEST(test_ntfs3g_same_verdicts)
{
	char *dir, *img = NULL, *mnt = NULL;
	struct err err;
	struct verdicts a, b;
	json_t *root;
	int rc;

	if (access("/dev/fuse", R_OK | W_OK) != 0 || tu_sh("command -v ntfs-3g >/dev/null") != 0) {
		fprintf(stderr, "skip: directory mode over ntfs-3g: no /dev/fuse or no ntfs-3g here\n");
		return;
	}
	dir = tu_tmpdir("dirmode-fuse");
	if (asprintf(&img, "%s/vol.img", dir) < 0 || asprintf(&mnt, "%s/mnt", dir) < 0)
		abort();
	err_init(&err);
	ck_assert_msg(scenario_build(tu_scenario(mount_scenarios[_i]), img, &err) == 0, "%s", err.msg);
	root = tu_scan_image(img, NULL, NULL);
	verdicts_of(root, &a);
	json_decref(root);

	tu_sh("mkdir -p '%s'", mnt);
	if (tu_sh("ntfs-3g '%s' '%s' -o ro 2>/dev/null", img, mnt) != 0) {
		fprintf(stderr, "skip: directory mode over ntfs-3g: the FUSE mount failed here\n");
		goto out;
	}
	root = tu_scan_image(mnt, NULL, NULL);
	/* unmount before asserting: a failed assertion ends the test */
	rc = tu_sh("fusermount -u '%s' 2>/dev/null || umount '%s'", mnt, mnt);
	verdicts_of(root, &b);
	json_decref(root);
	ck_assert_int_eq(rc, 0);
	ck_assert_str_eq(a.c1, b.c1);
	ck_assert_str_eq(a.c4, b.c4);
	ck_assert_str_eq(a.jn, b.jn);
	ck_assert_int_eq(a.denied, b.denied);
	ck_assert_int_eq(a.checked, b.checked);
	ck_assert_int_eq(a.v2_folders, b.v2_folders);
	ck_assert_int_eq(a.junctions, b.junctions);
	ck_assert_str_eq(a.first_denied, b.first_denied);
	if (_i == 1) {
		ck_assert_str_eq(b.c1, "present");
		ck_assert_str_eq(b.c4, "present");
		ck_assert_str_eq(b.jn, "present");
		ck_assert_int_eq(b.denied, 2);
		ck_assert_int_eq(b.v2_folders, 1001);
	}
	if (_i == 2) {
		ck_assert_str_eq(b.c1, "present");
		ck_assert_str_eq(b.c4, "absent");
	}
out:
	free(img);
	free(mnt);
	free(dir);
}
END_TEST

Suite *dirmode_suite(void);
Suite *dirmode_suite(void)
{
	Suite *s = suite_create("dirmode");
	TCase *tc;

	tc = tcase_create("plain");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_plain_folder);
	suite_add_tcase(s, tc);

	tc = tcase_create("ntfs3g");
	tcase_set_timeout(tc, 90);
	tcase_add_loop_test(tc, test_ntfs3g_same_verdicts, 0,
			    (int)(sizeof(mount_scenarios) / sizeof(mount_scenarios[0])));
	suite_add_tcase(s, tc);
	return s;
}
