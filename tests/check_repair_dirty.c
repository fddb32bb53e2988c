/* `vssdoctor repair` of a dirty hive (issue 21): the scenarios whose
 * SYSTEM hive holds its newest data only in SYSTEM.LOG1 (new and old
 * format, a log that grows the hive) repaired into a qcow2 overlay: the
 * logs replayed into TARGET, the plan's edits on top, the hive written
 * clean (sequence numbers equal and past every log entry, checksum, hivex
 * and regfexport read it), the rescan without the causes nor hive-dirty,
 * SOURCE's SHA-256 unchanged, the undo giving back SOURCE's bytes.  And
 * the refusals: a log that does not replay, an NTFS journal not clean. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hivex.h>

#include "bytes.h"
#include "fs.h"
#include "hiveedit.h"
#include "hivelog.h"
#include "image.h"
#include "testutil.h"

#define CONFIG "Windows\\System32\\config\\"
#define SVC "ControlSet001\\Services\\"

/* A log that grows the hive: 12000 bytes of a new value reach the hive
 * only through SYSTEM.LOG1, then CryptSvc's descriptor broken (the text
 * is built once, malloc'd). */
static const char *grown_text(void)
{
	static char *text;
	char *hex;
	size_t i;

	if (text)
		return text;
	hex = malloc(24001);
	ck_assert_ptr_nonnull(hex);
	for (i = 0; i < 12000; i++)
		memcpy(hex + 2 * i, "5a", 2);
	hex[24000] = '\0';
	if (asprintf(&text, "os 2016\nlog system new\nreg system hex " SVC "BigData Blob %s\n"
		     "reg system sddl " SVC "CryptSvc\\Security Security D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)\n",
		     hex) < 0)
		abort();
	free(hex);
	return text;
}

/* Windows 10's own dirty SYSTEM hive and its LOG1 and LOG2 (24 entries,
 * ../shared/samples) on a fixture volume, malloc'd; NULL when the samples
 * are absent. */
static char *real_text(void)
{
	char *p = tu_sample("hives/SYSTEM_win10_dirty"), *text = NULL;

	if (p && asprintf(&text, "os 2016\nvol copy " CONFIG "SYSTEM %s\n"
			  "vol copy " CONFIG "SYSTEM.LOG1 %s.LOG1\nvol copy " CONFIG "SYSTEM.LOG2 %s.LOG2\n",
			  p, p, p) < 0)
		abort();
	free(p);
	return text;
}

static const struct {
	const char *scenario;        /* tu_scenarios name, "real": real_text(),
				      * NULL: grown_text() */
	const char *fixed[3];
	int grows;                   /* the replayed hive is longer than its file */
} dirty[] = {
	{ "causes23/dirty-new", { "cause3", "hive-dirty" }, 0 },
	{ "causes23/dirty-old", { "cause2", "hive-dirty" }, 0 },
	/* cause2 stays (a missing binary), cause1 and 4 are not mine */
	{ "reports/all", { "cause3", "service-sd-blocks-writer", "hive-dirty" }, 0 },
	{ NULL, { "cause3", "hive-dirty" }, 1 },
	{ "real", { "hive-dirty" }, 0 },
};

static json_t *out_of(const struct tu_run *r)
{
	json_error_t je;
	json_t *root = json_loads(r->out, 0, &je);

	ck_assert_msg(root != NULL, "exit %d: %s (%s)", r->status, r->err, je.text);
	return root;
}

/* A file of the volume TARGET holds (a qcow2 overlay of a bare volume),
 * malloc'd; *len its size. */
static uint8_t *target_file(const char *target, const char *path, size_t *len)
{
	struct image *img = NULL;
	struct fs *fs = NULL;
	struct err err;
	uint8_t *buf = NULL;
	int rc;

	err_init(&err);
	ck_assert_msg(image_open(&img, target, &err) == 0, "%s", err.msg);
	ck_assert_msg(fs_open_ntfs(&fs, img, 0, image_size(img), &err) == 0, "%s", err.msg);
	rc = fs_read_file(fs, path, 64u << 20, &buf, len, &err);
	ck_assert_msg(rc == 1 || (rc == 0 && strstr(path, ".LOG2")), "%s: %s", path, err.msg);
	fs_free(fs);
	image_free(img);
	return buf;
}

/* The highest sequence number a new-format log carries: its base
 * block's and every HvLE entry's (remnants included). */
static uint32_t log_max_seq(const uint8_t *log, size_t len)
{
	uint32_t max = le32(log + 4);
	size_t off;

	for (off = 512; off + 0x10 <= len; off += 512)
		if (memcmp(log + off, "HvLE", 4) == 0 && le32(log + off + 0x0c) > max)
			max = le32(log + off + 0x0c);
	return max;
}

/* TARGET's SYSTEM hive as Windows would take it: clean (sequence numbers
 * equal, checksum right), newer than everything in SYSTEM.LOG1 and LOG2
 * (left on the volume), its bins inside the file; hivex opens it and
 * reads CryptSvc's Start, libregf's regfexport reads it whole.  Its
 * length. */
static size_t target_hive_clean(const char *target, const char *dir)
{
	size_t len = 0, llen = 0, k;
	uint8_t *hive = target_file(target, CONFIG "SYSTEM", &len), *log;
	char *tmp = NULL;
	hive_h *h;
	hive_node_h n;
	const char *const path[] = { "ControlSet001", "Services", "CryptSvc" };
	size_t i;

	ck_assert_uint_ge(len, 8192);
	ck_assert_uint_eq(le32(hive + 4), le32(hive + 8));
	ck_assert_uint_eq(hivelog_checksum(hive), le32(hive + 0x1fc));
	ck_assert_uint_le(le32(hive + 0x28), len - 4096);
	for (k = 1; k <= 2; k++) {
		log = target_file(target, k == 1 ? CONFIG "SYSTEM.LOG1" : CONFIG "SYSTEM.LOG2", &llen);
		if (!log)
			continue;
		ck_assert_uint_gt(le32(hive + 4), log_max_seq(log, llen));
		ck_assert_uint_gt(le64(hive + 0x0c), le64(log + 0x0c));   /* newer than the log */
		free(log);
	}
	if (asprintf(&tmp, "%s/SYSTEM.out", dir) < 0)
		abort();
	ck_assert_int_eq(tu_write_file(tmp, hive, len), 0);
	h = hivex_open(tmp, 0);
	ck_assert_msg(h != NULL, "hivex cannot open the repaired hive");
	n = hivex_root(h);
	for (i = 0; i < 3; i++) {
		n = hivex_node_get_child(h, n, path[i]);
		ck_assert_msg(n != 0, "hivex: no key %s", path[i]);
	}
	ck_assert_int_eq(hivex_value_dword(h, hivex_node_get_value(h, n, "Start")), 2);
	hivex_close(h);
	ck_assert_int_eq(tu_sh("regfexport '%s' >/dev/null 2>&1", tmp), 0);
	unlink(tmp);
	free(tmp);
	free(hive);
	return len;
}

/* The plan's hive-dirty change: "hive SYSTEM: N dirty pages from
 * SYSTEM.LOG1 replayed" */
static void assert_replay_change(json_t *res, int real)
{
	json_t *c;
	size_t i;
	int seen = 0;

	json_array_foreach(json_object_get(res, "changes"), i, c) {
		const char *note = json_string_value(json_object_get(c, "note"));

		if (strcmp(json_string_value(json_object_get(c, "fixes")), "hive-dirty") != 0)
			continue;
		seen++;
		ck_assert_str_eq(json_string_value(json_object_get(c, "path")), CONFIG "SYSTEM");
		ck_assert_ptr_nonnull(note);
		ck_assert_msg(strncmp(note, "hive SYSTEM: ", 13) == 0 && strstr(note, " dirty page") &&
			      strstr(note, " from SYSTEM.LOG1") && strstr(note, " replayed ("), "%s", note);
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c, "before")),
					     real ? "dirty (sequence numbers 1622/1621)" :
					     "dirty (sequence numbers 5/4)"));
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c, "after")),
					     real ? "SYSTEM.LOG1 and SYSTEM.LOG2 left as they are" :
					     "SYSTEM.LOG1 left as it is"));
	}
	ck_assert_int_eq(seen, 1);
}

START_TEST(test_dirty_repaired)
{
	int real = dirty[_i].scenario && strcmp(dirty[_i].scenario, "real") == 0;
	char *own = real ? real_text() : NULL, *img, *dir, *target = NULL, *journal = NULL;
	const char *text = real ? own : dirty[_i].scenario ? tu_scenario(dirty[_i].scenario) : grown_text();
	char sum0[65], sum1[65];
	struct tu_run r;
	json_t *res, *scan;
	size_t k, src_len = 0, len;
	uint8_t *src_hive;

	if (!text)
		return;                  /* no samples */
	img = tu_build("repair-dirty", text);
	dir = strdup(img);
	free(own);
	*strrchr(dir, '/') = '\0';
	if (asprintf(&target, "%s/t.qcow2", dir) < 0 || asprintf(&journal, "%s.undo.json", target) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(img, sum0), 0);
	src_hive = target_file(img, CONFIG "SYSTEM", &src_len);
	free(src_hive);

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_msg(r.status == 0 || r.status == 1, "exit %d: %s", r.status, r.err);
	res = out_of(&r);
	tu_run_free(&r);
	assert_replay_change(res, real);
	ck_assert_int_eq(json_array_size(json_object_get(res, "files_grown")), (size_t)dirty[_i].grows);
	for (k = 0; k < 3 && dirty[_i].fixed[k]; k++) {
		const char *id = dirty[_i].fixed[k];

		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "before"), id)), "present");
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "after"), id)), "absent");
	}
	json_decref(res);
	ck_assert_int_eq(tu_sha256_file(img, sum1), 0);
	ck_assert_str_eq(sum0, sum1);

	/* a user's rescan of TARGET: the causes and hive-dirty gone */
	scan = tu_scan_json(target, &r);
	for (k = 0; k < 3 && dirty[_i].fixed[k]; k++)
		ck_assert_str_eq(tu_status(scan, dirty[_i].fixed[k]), "absent");
	json_decref(scan);
	tu_run_free(&r);
	len = target_hive_clean(target, dir);
	if (dirty[_i].grows) {
		char *raw = NULL;

		ck_assert_uint_gt(len, src_len);
		/* grown through libntfs-3g: NTFS left consistent */
		if (asprintf(&raw, "%s/t.raw", dir) < 0)
			abort();
		ck_assert_int_eq(tu_sh("qemu-img convert -O raw '%s' '%s'", target, raw), 0);
		ck_assert_int_eq(tu_sh("ntfsfix -n '%s' >/dev/null 2>&1", raw), 0);
		unlink(raw);
		free(raw);
	} else {
		ck_assert_uint_eq(len, src_len);
	}

	/* undo: TARGET reads as SOURCE again (the hive's old length too) */
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, target, NULL), 0);
	ck_assert_msg(r.status == 0, "undo exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", target, img), 0);
	src_hive = target_file(target, CONFIG "SYSTEM", &len);
	ck_assert_uint_eq(len, src_len);
	ck_assert_uint_ne(le32(src_hive + 4), le32(src_hive + 8));   /* dirty again */
	free(src_hive);
	ck_assert_int_eq(tu_sha256_file(img, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	free(journal);
	free(target);
	free(dir);
	free(img);
}
END_TEST

/* The plan alone says the same, nothing written */
START_TEST(test_dirty_plan_text)
{
	char *img = tu_build("repair-dirty-plan", tu_scenario("causes23/dirty-old"));
	struct tu_run r;

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--rules", tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "\n  [hive-dirty] hive SYSTEM: "));
	ck_assert_ptr_nonnull(strstr(r.out, " dirty pages from SYSTEM.LOG1 replayed (1 old-format log entry)\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "[cause2] HKLM\\SYSTEM\\" SVC "CryptSvc  value Start"));
	tu_run_free(&r);
	free(img);
}
END_TEST

/* One line on stderr, exit 2, nothing written, SOURCE unchanged. */
static void assert_refused(const char *img, const char *want, const char *want2)
{
	char *target = NULL;
	char sum0[65], sum1[65];
	struct tu_run r;

	if (asprintf(&target, "%s.t.qcow2", img) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(img, sum0), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_msg(r.status == 2, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, want) && strstr(r.err, want2), "want '%s', '%s' in: %s", want, want2, r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "not one line: %s", r.err);
	ck_assert_uint_eq(r.out_len, 0);
	tu_run_free(&r);
	ck_assert_int_ne(access(target, F_OK), 0);
	ck_assert_int_eq(tu_sha256_file(img, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	free(target);
}

START_TEST(test_dirty_corrupt_refused)
{
	char *img = tu_build("repair-dirty-corrupt", tu_scenario("causes23/dirty-corrupt"));

	assert_refused(img, "the SYSTEM hive is dirty and its transaction logs do not replay",
		       "SYSTEM.LOG1: nothing applied: entry at 0x200: hash-1 mismatch");
	free(img);
}
END_TEST

/* $LogFile's restart area as after a crash: libntfs-3g's own check says
 * unclean (fs_info), the repair refuses; the fixtures' usual volume is
 * clean. */
START_TEST(test_journal_unclean)
{
	char *img = tu_build("repair-journal", "break cause3\nvol flag journal-unclean\n");
	char *clean = tu_build("repair-journal-clean", "break cause3\n");
	struct image *im = NULL;
	struct fs *fs = NULL;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(image_open(&im, img, &err), 0);
	ck_assert_int_eq(fs_open_ntfs(&fs, im, 0, image_size(im), &err), 0);
	ck_assert_int_eq(fs_journal_unclean(fs), 1);
	ck_assert_int_eq(fs_info(fs)->dirty, 0);
	fs_free(fs);
	image_free(im);
	ck_assert_int_eq(image_open(&im, clean, &err), 0);
	ck_assert_int_eq(fs_open_ntfs(&fs, im, 0, image_size(im), &err), 0);
	ck_assert_int_eq(fs_journal_unclean(fs), 0);
	fs_free(fs);
	image_free(im);
	/* libntfs-3g refuses to write it too */
	ck_assert_int_ne(tu_sh("ntfslabel '%s' x >/dev/null 2>&1", img), 0);
	assert_refused(img, "the NTFS journal ($LogFile) is not clean", "chkdsk");
	free(clean);
	free(img);
}
END_TEST

Suite *repair_dirty_suite(void);
Suite *repair_dirty_suite(void)
{
	Suite *s = suite_create("repair_dirty");
	TCase *tc;

	tc = tcase_create("replay");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_dirty_repaired, 0, (int)(sizeof(dirty) / sizeof(dirty[0])));
	tcase_add_test(tc, test_dirty_plan_text);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dirty_corrupt_refused);
	tcase_add_test(tc, test_journal_unclean);
	suite_add_tcase(s, tc);
	return s;
}
