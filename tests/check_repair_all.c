/* Issue 21's acceptance: every fixture scenario (tests/testutil.c's
 * tu_scenarios, the one table the end-to-end suites build) repaired into
 * a qcow2 overlay and rescanned.  For each one:
 *   - the plan accounts for every present cause and failing finding:
 *     each is fixed or listed as not repaired, with its manual fix;
 *   - after the repair no seed cause is left, except the ones this file's
 *     table names for that scenario, each with the reason repair cannot
 *     fix it offline (and the table is exact: a listed cause must be
 *     present, so the table cannot go stale when repair learns more);
 *   - every cause or finding the plan set out to fix is absent, and the
 *     repair's exit status is 0; or present only as the table says (a
 *     partial fix, listed as not repaired too), and the exit status is 1;
 *     a rescan of TARGET may still show a fixed cause through the events
 *     from before the repair (the disk check reads it fixed): the repair
 *     names those events (events_remain), and they do not count as left;
 *   - SOURCE's SHA-256 is unchanged; undo gives TARGET back the bytes of
 *     SOURCE (qemu-img compare).
 * A scenario with nothing to fix gets the one refusal line and exit 2. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "testutil.h"

/* The seed causes a repair leaves, by scenario, and why. */
static const struct {
	const char *scenario, *cause, *why;
} left[] = {
	{ "causes23/binary", "cause2", "a service binary is missing: it must come back from install media" },
	{ "reports/all", "cause2", "EventSystem's ServiceDll es.dll is missing: it must come back from install media" },
	{ "windir/winnt", "cause4", "known from a VSS 8193 event only: no folder count over the limit to empty" },
	{ "events/classify", "cause1", "known from a CAPI2 513 event only: the WinSxS ACLs read fine" },
	{ "events/classify", "cause4", "known from a VSS 8193 event only: no folder count over the limit to empty" },
	{ "events/scm-failure", "cause2", "known from Service Control Manager events only" },
	{ "repair/ntfs-dirty", "cause3", "repair refused: the NTFS volume is marked dirty (chkdsk first)" },
};

/* The scenarios whose repair is refused although the plan has changes,
 * and the words of the refusal. */
static const struct {
	const char *scenario, *says;
} refused[] = {
	{ "repair/ntfs-dirty", "the NTFS volume is marked dirty" },
	{ "causes23/system-not-a-hive", "the SYSTEM hive cannot be read" },
	{ "causes23/dirty-corrupt", "the SYSTEM hive is dirty" },
};

static const char *refusal(const char *scenario)
{
	size_t i;

	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		if (strcmp(refused[i].scenario, scenario) == 0)
			return refused[i].says;
	return NULL;
}

/* the last n bytes of s (Check's messages are bounded) */
static const char *tail(const char *s, size_t n)
{
	size_t len = s ? strlen(s) : 0;

	return !s ? "" : len > n ? s + len - n : s;
}

static int in_strings(json_t *arr, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

/* the not_repaired entry of id, or NULL */
static json_t *manual_of(json_t *plan, const char *id)
{
	size_t i;
	json_t *m;

	json_array_foreach(json_object_get(plan, "not_repaired"), i, m)
		if (strcmp(json_string_value(json_object_get(m, "id")), id) == 0)
			return m;
	return NULL;
}

/* the ids whose status is "present" in a scan's report */
static json_t *present_ids(json_t *report)
{
	static const char *const where[] = { "causes", "findings" };
	json_t *out = json_array(), *v;
	size_t i, k;

	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(report, where[k]), i, v)
			if (strcmp(json_string_value(json_object_get(v, "status")), "present") == 0)
				json_array_append(out, json_object_get(v, "id"));
	return out;
}

static const char *why_left(const char *scenario, const char *cause)
{
	size_t i;

	for (i = 0; i < sizeof(left) / sizeof(left[0]); i++)
		if (strcmp(left[i].scenario, scenario) == 0 && strcmp(left[i].cause, cause) == 0)
			return left[i].why;
	return NULL;
}

static int is_seed(const char *id)
{
	size_t i;

	for (i = 0; i < SEED_CAUSES; i++)
		if (strcmp(seed_causes[i].id, id) == 0)
			return 1;
	return 0;
}

/* 1 when the plan changes files (through libntfs-3g) */
static int has_file_change(json_t *plan)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(plan, "changes"), i, c)
		if (json_object_get(c, "path"))
			return 1;
	return 0;
}

/* NTFS of TARGET left consistent: ntfsfix -n (which writes nothing)
 * reads it clean, and ntfs-3g mounts it (read-only) and lists WinSxS,
 * where FUSE is there to do so. */
static void ntfs_consistent(const char *name, const char *target)
{
	char *raw = NULL, *mnt = NULL, *ntfs3g = tu_which("ntfs-3g");

	ck_assert_int_ge(asprintf(&raw, "%s.raw", target), 0);
	ck_assert_int_ge(asprintf(&mnt, "%s.mnt", target), 0);
	ck_assert_int_eq(tu_sh("qemu-img convert -O raw '%s' '%s'", target, raw), 0);
	ck_assert_msg(tu_sh("ntfsfix -n '%s' >/dev/null 2>&1", raw) == 0, "%s: ntfsfix -n: not clean", name);
	if (access("/dev/fuse", R_OK | W_OK) == 0 && ntfs3g != NULL) {
		ck_assert_int_eq(tu_sh("mkdir -p '%s'", mnt), 0);
		if (tu_sh("ntfs-3g -o ro '%s' '%s' 2>/dev/null", raw, mnt) == 0) {
			int ls = tu_sh("ls '%s'/*/WinSxS >/dev/null 2>&1 || ls '%s' >/dev/null", mnt, mnt);

			tu_sh("umount '%s' || fusermount -u '%s'", mnt, mnt);
			ck_assert_msg(ls == 0, "%s: the ntfs-3g mount of TARGET cannot be listed", name);
		} else {
			ck_abort_msg("%s: ntfs-3g does not mount TARGET", name);
		}
		rmdir(mnt);
	}
	unlink(raw);
	free(ntfs3g);
	free(mnt);
	free(raw);
}

START_TEST(test_every_scenario)
{
	const struct tu_scenario *sc = &tu_scenarios[_i];
	char *src = tu_build("repair-all", sc->text), *target = NULL, *journal = NULL;
	char sum0[65], sum1[65];
	struct tu_run r;
	json_t *before, *plan, *pre, *after_ids = NULL, *v;
	size_t i;
	int nfix;

	ck_assert_int_ge(asprintf(&target, "%s.repaired.qcow2", src), 0);
	ck_assert_int_ge(asprintf(&journal, "%s.undo.json", target), 0);
	ck_assert_int_eq(tu_sha256_file(src, sum0), 0);
	before = tu_scan_json(src, &r);
	tu_run_free(&r);
	pre = present_ids(before);

	/* the plan: every present result fixed or left with its manual fix */
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), src, NULL), 0);
	if (r.status == 2 && refusal(sc->name)) {
		/* refused from the plan on: one line, and nothing written */
		ck_assert_msg(strchr(r.err, '\n') == strrchr(r.err, '\n') &&
			      strstr(r.err, refusal(sc->name)) != NULL, "%s: %.600s", sc->name, r.err);
		plan = json_pack("{s:[],s:[]}", "fixes", "not_repaired");
	} else {
		plan = tu_json_out(&r, sc->name);
	}
	tu_run_free(&r);
	json_array_foreach(pre, i, v) {
		const char *id = json_string_value(v);
		json_t *m = manual_of(plan, id);

		if (in_strings(json_object_get(plan, "fixes"), id))
			continue;
		if ((!is_seed(id) && !m) || refusal(sc->name))
			continue;   /* a finding that does not fail the scan */
		ck_assert_msg(m != NULL, "%s: %s present, neither fixed nor listed as not repaired",
			      sc->name, id);
		ck_assert_msg(json_array_size(json_object_get(m, "fix")) > 0 ||
			      strlen(json_string_value(json_object_get(m, "summary"))) > 0,
			      "%s: %s listed as not repaired without a manual fix", sc->name, id);
	}
	nfix = (int)json_array_size(json_object_get(plan, "fixes"));

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), src, NULL), 0);
	if (nfix == 0 || refusal(sc->name)) {
		/* nothing to fix, or a refusal the table names: one line, exit 2 */
		const char *says = refusal(sc->name) ? refusal(sc->name) : "nothing to repair automatically";

		ck_assert_msg(r.status == 2, "%s: exit %d: %.600s", sc->name, r.status, r.err);
		ck_assert_msg(strchr(r.err, '\n') == strrchr(r.err, '\n'),
			      "%s: more than one line: %.600s", sc->name, r.err);
		ck_assert_msg(strstr(r.err, says) != NULL, "%s: '%s' not in: %.600s", sc->name, says, r.err);
		after_ids = json_incref(pre);
	}
	if (!after_ids) {
		json_t *done = tu_json_out(&r, sc->name), *after, *remain, *a;
		const char *id;
		int stays = 0;

		/* the repair's own before/after: each cause it set out to fix
		 * absent, or present only as the table says (a partial fix:
		 * listed as not repaired too), exit 1 exactly then */
		remain = json_object_get(done, "events_remain");
		json_object_foreach(json_object_get(done, "after"), id, a) {
			if (strcmp(json_string_value(a), "absent") == 0)
				continue;
			ck_assert_msg(why_left(sc->name, id) && manual_of(plan, id),
				      "%s: %s %s after the repair", sc->name, id, json_string_value(a));
			stays = 1;
		}
		ck_assert_msg(r.status == stays, "%s: repair exit %d: %.300s ... %s", sc->name, r.status,
			      r.err, tail(r.out, 600));
		tu_run_free(&r);
		/* TARGET scanned as the user would: what the plan fixed is
		 * absent, or present only through the events from before the
		 * repair while the disk reads fixed (the repair named them) */
		after = tu_scan_json(target, &r);
		after_ids = present_ids(after);
		json_array_foreach(json_object_get(plan, "fixes"), i, v) {
			const char *f = json_string_value(v);
			json_t *res = tu_result(after, f);
			const char *sum = json_string_value(json_object_get(res, "summary"));
			const char *seen;

			if (!in_strings(after_ids, f) || why_left(sc->name, f))
				continue;
			ck_assert_msg(json_object_get(remain, f) && sum &&
				      strncmp(sum, "the event logs show it: ", 24) == 0 &&
				      strstr(sum, "; on the disk: ") != NULL,
				      "%s: %s still present after the repair: %s", sc->name, f, sum);
			/* the repair named the same events the rescan shows */
			seen = json_string_value(json_object_get(remain, f));
			ck_assert_msg(seen && strncmp(sum + 24, seen, strlen(seen)) == 0 &&
				      strncmp(sum + 24 + strlen(seen), "; on the disk: ", 15) == 0,
				      "%s: %s: events_remain '%s', rescan '%s'", sc->name, f, seen, sum);
		}
		/* causes the old events alone keep present do not count below */
		json_object_foreach(remain, id, a)
			for (i = json_array_size(after_ids); i-- > 0;)
				if (strcmp(json_string_value(json_array_get(after_ids, i)), id) == 0)
					json_array_remove(after_ids, i);
		json_decref(after);
		json_decref(done);
		if (has_file_change(plan))
			ntfs_consistent(sc->name, target);
		/* undo: TARGET reads as SOURCE again */
		tu_run_free(&r);
		ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, target, NULL), 0);
		ck_assert_msg(r.status == 0, "%s: undo exit %d: %.600s", sc->name, r.status, r.err);
		ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", target, src), 0);
	}
	tu_run_free(&r);

	/* no seed cause left but the table's, and the table's are left */
	for (i = 0; i < SEED_CAUSES; i++) {
		const char *id = seed_causes[i].id, *why = why_left(sc->name, id);

		if (why) {
			ck_assert_msg(in_strings(after_ids, id), "%s: the table says %s stays (%s), but it is absent",
				      sc->name, id, why);
			ck_assert_msg(manual_of(plan, id) != NULL || refusal(sc->name),
				      "%s: %s stays but the plan does not say so", sc->name, id);
		} else {
			ck_assert_msg(!in_strings(after_ids, id), "%s: %s still present after the repair",
				      sc->name, id);
		}
	}
	ck_assert_int_eq(tu_sha256_file(src, sum1), 0);
	ck_assert_msg(strcmp(sum0, sum1) == 0, "%s: SOURCE changed", sc->name);
	json_decref(after_ids);
	json_decref(pre);
	json_decref(plan);
	json_decref(before);
	tu_sh("rm -f '%s' '%s'", target, journal);
	free(journal);
	free(target);
	free(src);
}
END_TEST

Suite *repair_all_suite(void);
Suite *repair_all_suite(void)
{
	Suite *s = suite_create("repair_all");
	TCase *tc = tcase_create("scenarios");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_every_scenario, 0, (int)tu_nscenarios);
	suite_add_tcase(s, tc);
	return s;
}
