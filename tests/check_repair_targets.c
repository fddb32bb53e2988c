/* `vssdoctor repair` written elsewhere than into a qcow2 overlay
 * (issue 21): --copy (a sparse raw copy, an E01 source included: E01 is
 * never rewritten) and --in-place --i-have-a-backup (a raw image changed
 * itself, after the plan is printed); each rescanned, undone exactly. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "scenario.h"
#include "testutil.h"

/* A scenario volume in a fresh folder: the folder (malloc'd), *vol its
 * image (malloc'd). */
static char *scenario_dir(const char *tag, const char *text, char **vol)
{
	struct err err;
	char *dir = tu_tmpdir(tag);

	if (asprintf(vol, "%s/vol.img", dir) < 0)
		abort();
	err_init(&err);
	ck_assert_msg(scenario_build(text, *vol, &err) == 0, "scenario: %s", err.msg);
	return dir;
}

static json_t *out_json(const struct tu_run *r)
{
	json_error_t je;
	json_t *root = json_loads(r->out, 0, &je);

	ck_assert_msg(root != NULL, "exit %d, bad JSON (%s): %s %s", r->status, je.text, r->out, r->err);
	return root;
}

static void assert_statuses(const char *img, const char *const ids[], const char *want)
{
	struct tu_run r;
	json_t *scan = tu_scan_json(img, &r);
	size_t i;

	for (i = 0; ids[i]; i++)
		ck_assert_msg(strcmp(tu_status(scan, ids[i]), want) == 0, "%s: %s, not %s", ids[i],
			      tu_status(scan, ids[i]), want);
	json_decref(scan);
	tu_run_free(&r);
}

/* --copy from an E01: TARGET a sparse raw disk, the E01 untouched, the
 * causes gone from TARGET; undo gives back the raw disk the E01 was
 * acquired from, byte for byte. */
START_TEST(test_copy_e01)
{
	static const char *const ids[] = { "cause3", "cause1", "cause4", NULL };
	char *vol, *dir = scenario_dir("repair-copy", "break cause3\nbreak cause1\nbreak cause4\n", &vol);
	char *stem = NULL, *e01, *target = NULL, *journal = NULL, *raw = NULL;
	char sum0[65], sum1[65];
	struct tu_run r;
	struct stat st;
	json_t *res;

	if (asprintf(&stem, "%s/disk", dir) < 0 || asprintf(&target, "%s/t.raw", dir) < 0 ||
	    asprintf(&journal, "%s.undo.json", target) < 0 || asprintf(&raw, "%s.raw", stem) < 0)
		abort();
	e01 = tu_wrap(tu_format_named("e01"), vol, stem);
	ck_assert_ptr_nonnull(e01);
	ck_assert_int_eq(tu_sha256_file(e01, sum0), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--copy", "--output", target,
				      "--format", "json", "--rules", tu_env("VSSD_RULES"), e01, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	res = out_json(&r);
	tu_run_free(&r);
	ck_assert(json_is_true(json_object_get(res, "fixed")));
	ck_assert_str_eq(json_string_value(json_object_get(res, "target_format")), "raw");
	json_decref(res);
	ck_assert_int_eq(tu_sha256_file(e01, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	/* sparse: the 100 MiB gap before the partition is a hole */
	ck_assert_int_eq(stat(target, &st), 0);
	ck_assert_uint_lt((uint64_t)st.st_blocks * 512, (uint64_t)st.st_size - (64u << 20));
	ck_assert_int_eq(tu_sh("qemu-img compare -q -f raw -F raw '%s' '%s'", target, raw), 1);
	assert_statuses(target, ids, "absent");

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, target, NULL), 0);
	ck_assert_msg(r.status == 0, "undo exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sh("cmp -s '%s' '%s'", target, raw), 0);
	assert_statuses(target, ids, "present");
	free(raw);
	free(journal);
	free(target);
	free(e01);
	free(stem);
	free(vol);
	free(dir);
}
END_TEST

/* --in-place: refused without --i-have-a-backup and on a VHD; with it the
 * plan comes first on stdout, SOURCE is repaired, its journal beside it,
 * and undo brings back SOURCE's old SHA-256. */
START_TEST(test_in_place)
{
	static const char *const ids[] = { "cause3", "cause4", NULL };
	char *vol, *dir = scenario_dir("repair-inplace", "break cause3\nbreak cause4\n", &vol);
	char *journal = NULL, *stem = NULL, *vhd;
	char sum0[65], sum1[65];
	struct tu_run r;
	const char *plan, *written;

	if (asprintf(&journal, "%s.undo.json", vol) < 0 || asprintf(&stem, "%s/disk", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(vol, sum0), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--in-place", "--rules",
				      tu_env("VSSD_RULES"), vol, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "--i-have-a-backup"));
	tu_run_free(&r);
	vhd = tu_wrap(tu_format_named("vhd-dynamic"), vol, stem);
	ck_assert_ptr_nonnull(vhd);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--in-place", "--i-have-a-backup",
				      "--rules", tu_env("VSSD_RULES"), vhd, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "writes only a raw image"));
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(vol, sum1), 0);
	ck_assert_str_eq(sum0, sum1);

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--in-place", "--i-have-a-backup",
				      "--rules", tu_env("VSSD_RULES"), vol, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	plan = strstr(r.out, "[cause3] HKLM\\SYSTEM\\ControlSet001\\Services\\CryptSvc\\Security");
	written = strstr(r.out, "written into");
	ck_assert_ptr_nonnull(plan);
	ck_assert_ptr_nonnull(strstr(r.out, "Temporary ASP.NET Files  contents deleted"));
	ck_assert_ptr_nonnull(strstr(r.out, "(repair --undo gives them back as long as TARGET was not used"));
	ck_assert_ptr_nonnull(written);
	ck_assert(plan < written);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(vol, sum1), 0);
	ck_assert_str_ne(sum0, sum1);
	assert_statuses(vol, ids, "absent");
	ck_assert_int_eq(tu_sh("ntfsfix -n '%s' >/dev/null 2>&1", vol), 0);

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, vol, NULL), 0);
	ck_assert_msg(r.status == 0, "undo exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(vol, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	free(vhd);
	free(stem);
	free(journal);
	free(vol);
	free(dir);
}
END_TEST

/* TARGET in another folder than SOURCE: the overlay names SOURCE by its
 * absolute path, which image_open would not follow (it looks for backing
 * files beside the overlay only); the repair's rescan and undo open it
 * over SOURCE all the same. */
START_TEST(test_target_elsewhere)
{
	static const char *const ids[] = { "cause1", "cause3", NULL };
	char *vol, *dir = scenario_dir("repair-elsewhere", "break cause1\nbreak cause3\n", &vol);
	char *other = tu_tmpdir("repair-elsewhere-out"), *target = NULL, *journal = NULL;
	struct tu_run r;

	if (asprintf(&target, "%s/fixed.qcow2", other) < 0 ||
	    asprintf(&journal, "%s.undo.json", target) < 0)
		abort();
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--rules",
				      tu_env("VSSD_RULES"), vol, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "cause1                     before: present  after: absent"));
	tu_run_free(&r);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", target, vol), 1);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, target, NULL), 0);
	ck_assert_msg(r.status == 0, "undo exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", target, vol), 0);
	assert_statuses(vol, ids, "present");
	free(journal);
	free(target);
	free(other);
	free(vol);
	free(dir);
}
END_TEST

Suite *repair_targets_suite(void);

Suite *repair_targets_suite(void)
{
	Suite *s = suite_create("repair_targets");
	TCase *tc = tcase_create("targets");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_copy_e01);
	tcase_add_test(tc, test_in_place);
	tcase_add_test(tc, test_target_elsewhere);
	suite_add_tcase(s, tc);
	return s;
}
