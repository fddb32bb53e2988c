/* `vssdoctor repair` of cause 1 (WinSxS ACLs, KB 2009272; issue 21): the
 * scenarios whose deny ACEs kept cause 1 after a repair, and a FileMaps
 * with more denied files than a scan lists, repaired into a qcow2
 * overlay: the rescan finds cause1 absent, every denied object reads back
 * with the repaired descriptor through the fs layer, SOURCE's SHA-256 is
 * unchanged, ntfsfix -n reads TARGET clean, and undo gives back every
 * pre-repair descriptor, the deny ACEs included. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "image.h"
#include "scenario.h"
#include "sddl.h"
#include "secdesc.h"
#include "testutil.h"

#define FILEMAPS "Windows\\WinSxS\\FileMaps"
#define MANY_DENIED 1234             /* more than LIMIT_EVIDENCE_ITEMS */

/* img's volume (a bare NTFS volume or a qcow2 overlay of one) opened. */
static struct fs *open_volume(const char *img, struct image **im)
{
	struct fs *fs = NULL;
	struct err err;

	err_init(&err);
	*im = NULL;
	ck_assert_msg(image_open(im, img, &err) == 0, "%s: %s", img, err.msg);
	ck_assert_msg(fs_open_ntfs(&fs, *im, 0, image_size(*im), &err) == 0, "%s: %s", img, err.msg);
	return fs;
}

static void close_volume(struct fs *fs, struct image *im)
{
	fs_free(fs);
	image_free(im);
}

/* The SDDL of path's descriptor on fs (malloc'd). */
static char *sddl_of(struct fs *fs, const char *path)
{
	struct secdesc sd;
	struct err err;
	uint8_t *buf = NULL;
	size_t len = 0;
	char *text = NULL;

	err_init(&err);
	memset(&sd, 0, sizeof(sd));
	ck_assert_msg(fs_get_security(fs, path, &buf, &len, &err) == 1, "'%s': %s", path, err.msg);
	ck_assert_msg(secdesc_parse(buf, len, &sd, &err) == 0, "'%s': %s", path, err.msg);
	ck_assert_int_eq(sddl_encode(&sd, SDDL_RIGHTS_FILE, &text, &err), 0);
	secdesc_release(&sd);
	free(buf);
	return text;
}

static void assert_sddl(struct fs *fs, const char *path, const char *want)
{
	char *got = sddl_of(fs, path);

	ck_assert_msg(strcmp(got, want) == 0, "'%s': %s, want %s", path, got, want);
	free(got);
}

static char *fm_path(unsigned k)
{
	char *p = NULL;

	if (asprintf(&p, FILEMAPS "\\fm_%05u.cdf-ms", k) < 0)
		abort();
	return p;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* repair --apply of src into target, --format json: the report. */
static json_t *apply(const char *src, const char *target)
{
	struct tu_run r;
	json_t *res;

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), src, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	res = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert(json_is_true(json_object_get(res, "fixed")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "before"), "cause1")), "present");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "after"), "cause1")), "absent");
	return res;
}

/* A user's checks of TARGET: the rescan finds cause1 absent, ntfsfix -n
 * reads its volume clean. */
static void check_target(const char *dir, const char *target)
{
	struct tu_run r;
	json_t *scan = tu_scan_json(target, &r);
	char *raw = NULL;

	ck_assert_str_eq(tu_status(scan, "cause1"), "absent");
	json_decref(scan);
	tu_run_free(&r);
	if (asprintf(&raw, "%s/t.raw", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("qemu-img convert -O raw '%s' '%s'", target, raw), 0);
	ck_assert_int_eq(tu_sh("ntfsfix -n '%s' >/dev/null 2>&1", raw), 0);
	unlink(raw);
	free(raw);
}

static void undo(const char *journal, const char *target)
{
	struct tu_run r;

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, target, NULL), 0);
	ck_assert_msg(r.status == 0, "undo exit %d: %s", r.status, r.err);
	tu_run_free(&r);
}

/* The scenarios repair left cause1 in (a deny ACE for Users or Everyone):
 * each object's deny ACE removed, the note saying which, the repaired
 * descriptor KB 2009272's; undo gives back the deny. */
static const struct {
	const char *scenario;
	const char *path;            /* a denied object */
	const char *before, *after;  /* its descriptor */
	const char *removed;         /* the ACE the note names */
} denies[] = {
	{ "cause1/filemaps-deny", FILEMAPS "\\fm_01234.cdf-ms", SCN_SDDL_WINSXS_DENY_USERS,
	  SCN_SDDL_WINSXS_OK, "(D;;FR;;;BU)" },
	{ "dirmode/mixed", FILEMAPS "\\fm_00077.cdf-ms", SCN_SDDL_WINSXS_DENY_USERS,
	  SCN_SDDL_WINSXS_OK, "(D;;FR;;;BU)" },
	{ "dirmode/deny-everyone", "Windows\\WinSxS\\Temp\\PendingRenames",
	  "O:BAG:SYD:PAI(D;;FA;;;WD)(A;;FA;;;BU)",
	  "O:" SCN_SID_TI "G:SYD:PAI(A;;0x1200a9;;;BU)(A;;0x1200a9;;;SY)(A;;FA;;;" SCN_SID_TI ")",
	  "(D;;FA;;;WD)" },
};

START_TEST(test_deny_scenarios)
{
	char *img = tu_build("repair-winsxs", tu_scenario(denies[_i].scenario));
	char *dir = strdup(img), *target = NULL, *journal = NULL;
	char sum0[65], sum1[65];
	struct image *im;
	struct fs *fs;
	json_t *res, *c;
	size_t k;
	int seen = 0;

	*strrchr(dir, '/') = '\0';
	if (asprintf(&target, "%s/t.qcow2", dir) < 0 || asprintf(&journal, "%s.undo.json", target) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(img, sum0), 0);
	fs = open_volume(img, &im);
	assert_sddl(fs, denies[_i].path, denies[_i].before);
	close_volume(fs, im);

	res = apply(img, target);
	json_array_foreach(json_object_get(res, "changes"), k, c) {
		const char *note = json_string_value(json_object_get(c, "note"));

		if (strcmp(json_string_value(json_object_get(c, "path")), denies[_i].path) != 0)
			continue;
		seen = 1;
		ck_assert_str_eq(json_string_value(json_object_get(c, "before")), denies[_i].before);
		ck_assert_str_eq(json_string_value(json_object_get(c, "after")), denies[_i].after);
		ck_assert_msg(note && strstr(note, denies[_i].removed) && strstr(note, "removed"),
			      "note: %s", note ? note : "(none)");
	}
	ck_assert_msg(seen, "no change for '%s'", denies[_i].path);
	json_decref(res);
	ck_assert_int_eq(tu_sha256_file(img, sum1), 0);
	ck_assert_str_eq(sum0, sum1);

	fs = open_volume(target, &im);
	assert_sddl(fs, denies[_i].path, denies[_i].after);
	close_volume(fs, im);
	check_target(dir, target);

	undo(journal, target);
	fs = open_volume(target, &im);
	assert_sddl(fs, denies[_i].path, denies[_i].before);
	close_volume(fs, im);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", target, img), 0);
	ck_assert_int_eq(tu_sha256_file(img, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	free(journal);
	free(target);
	free(dir);
	free(img);
}
END_TEST

/* cause1/filemaps-deny with MANY_DENIED of its 2000 FileMaps files denied
 * (the scan lists only the first LIMIT_EVIDENCE_ITEMS): every one
 * repaired, the text plan short, the JSON plan and the journal listing
 * each, undo giving back each deny. */
START_TEST(test_many_denied)
{
	size_t tlen = strlen(tu_scenario("cause1/filemaps-deny")) + MANY_DENIED * 24 + 1;
	char *text = malloc(tlen), *img, *dir, *target = NULL, *journal = NULL;
	char sum0[65], sum1[65];
	struct tu_run r;
	struct image *im;
	struct fs *fs;
	json_t *res, *jr;
	double t0, t_plan, t_apply, t_undo;
	unsigned k;
	size_t at;

	ck_assert_ptr_nonnull(text);
	at = (size_t)snprintf(text, tlen, "%s", tu_scenario("cause1/filemaps-deny"));
	for (k = 1; k <= MANY_DENIED; k++)
		at += (size_t)snprintf(text + at, tlen - at, "filemaps_deny %u\n", k);
	img = tu_build("repair-winsxs-many", text);
	free(text);
	dir = strdup(img);
	*strrchr(dir, '/') = '\0';
	if (asprintf(&target, "%s/t.qcow2", dir) < 0 || asprintf(&journal, "%s.undo.json", target) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(img, sum0), 0);

	/* the scan lists 50, says 1234 */
	res = tu_scan_json(img, &r);
	ck_assert_int_eq(tu_num(tu_evidence(tu_result(res, "cause1"), "summary", NULL), "denied"), MANY_DENIED);
	ck_assert_int_eq(tu_num(tu_evidence(tu_result(res, "cause1"), "summary", NULL), "denied_listed"), 50);
	json_decref(res);
	tu_run_free(&r);

	/* the plan: text folds the rest of the folder, JSON lists each */
	t0 = now_s();
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--rules", tu_env("VSSD_RULES"), img, NULL), 0);
	t_plan = now_s() - t0;
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "(1234 changes, nothing written)"));
	ck_assert_ptr_nonnull(strstr(r.out, "[cause1] Windows\\WinSxS\\FileMaps\\fm_00010.cdf-ms"));
	ck_assert_ptr_null(strstr(r.out, "fm_00011.cdf-ms"));
	ck_assert_ptr_nonnull(strstr(r.out, "... and 1224 more objects under Windows\\WinSxS\\FileMaps "
				     "with the same change"));
	ck_assert_ptr_nonnull(strstr(r.out, "deny ACE (D;;FR;;;BU) removed"));
	ck_assert_int_lt((int)strlen(r.out), 16384);
	tu_run_free(&r);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--format", "json", "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	res = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "changes")), MANY_DENIED);
	json_decref(res);

	/* apply: every denied file repaired, none other touched */
	t0 = now_s();
	res = apply(img, target);
	t_apply = now_s() - t0;
	ck_assert_uint_eq(json_array_size(json_object_get(res, "changes")), MANY_DENIED);
	json_decref(res);
	jr = json_load_file(journal, 0, NULL);
	ck_assert_ptr_nonnull(jr);
	ck_assert_uint_eq(json_array_size(json_object_get(jr, "values")), MANY_DENIED);
	json_decref(jr);
	fs = open_volume(target, &im);
	for (k = 1; k <= 2000; k++) {
		char *p = fm_path(k);

		assert_sddl(fs, p, SCN_SDDL_WINSXS_OK);
		free(p);
	}
	close_volume(fs, im);
	ck_assert_int_eq(tu_sha256_file(img, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	check_target(dir, target);

	/* undo: each deny back, the others as they were */
	t0 = now_s();
	undo(journal, target);
	t_undo = now_s() - t0;
	fs = open_volume(target, &im);
	for (k = 1; k <= 2000; k++) {
		char *p = fm_path(k);

		assert_sddl(fs, p, k <= MANY_DENIED ? SCN_SDDL_WINSXS_DENY_USERS : SCN_SDDL_WINSXS_OK);
		free(p);
	}
	close_volume(fs, im);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", target, img), 0);
	ck_assert_int_eq(tu_sha256_file(img, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	fprintf(stderr, "repair_winsxs: %d denied objects: plan %.2f s, apply %.2f s, undo %.2f s\n",
		MANY_DENIED, t_plan, t_apply, t_undo);
	ck_assert_msg(t_plan < 30 && t_apply < 60 && t_undo < 60, "too slow: plan %.1f s, apply %.1f s, undo %.1f s",
		      t_plan, t_apply, t_undo);
	free(journal);
	free(target);
	free(dir);
	free(img);
}
END_TEST

/* More denied objects than one repair changes: cause1 is left to the
 * manual fix with one line saying why, nothing half done. */
START_TEST(test_over_limit)
{
	enum { N = 4100 };
	size_t tlen = 64 + (size_t)N * 24;
	char *text = malloc(tlen), *img;
	struct tu_run r;
	json_t *res, *m;
	size_t at, i;
	unsigned k;
	int manual = 0;

	ck_assert_ptr_nonnull(text);
	at = (size_t)snprintf(text, tlen, "filemaps_files %d\n", N);
	for (k = 1; k <= N; k++)
		at += (size_t)snprintf(text + at, tlen - at, "filemaps_deny %u\n", k);
	img = tu_build("repair-winsxs-over", text);
	free(text);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--format", "json", "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.err, "cause1 left to the manual fix: 4100 WinSxS objects to change, "
				     "over the limit of 4096 changes of one repair"));
	res = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(res, "changes")), 0);
	json_array_foreach(json_object_get(res, "not_repaired"), i, m)
		manual |= strcmp(json_string_value(json_object_get(m, "id")), "cause1") == 0;
	ck_assert(manual);
	json_decref(res);
	free(img);
}
END_TEST

Suite *repair_winsxs_suite(void);
Suite *repair_winsxs_suite(void)
{
	Suite *s = suite_create("repair_winsxs");
	TCase *tc;

	tc = tcase_create("deny");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_deny_scenarios, 0, (int)(sizeof(denies) / sizeof(denies[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("many");
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, test_many_denied);
	tcase_add_test(tc, test_over_limit);
	suite_add_tcase(s, tc);
	return s;
}
