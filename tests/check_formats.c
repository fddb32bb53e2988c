/* Every disk an engineer holds (issue 3): one broken Windows volume wrapped
 * in every container and partition table gives the same report (causes,
 * findings, evidence, warnings) as the bare volume; broken containers fail
 * with one clear line and exit 2. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

static char *dir, *vol;
static json_t *want;     /* the bare volume's report, normalised */

static void build(void)
{
	struct err err;
	int st;

	dir = tu_tmpdir("formats");
	if (asprintf(&vol, "%s/vol.img", dir) < 0)
		abort();
	err_init(&err);
	if (scenario_build("size 40M\nos 2012r2\nbreak cause1 cause3 cause4 mslldp\naspnet_folders 1100\n",
			   vol, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
	want = tu_scan_normalised(vol, &st, NULL);
	if (!want || st != 1)
		abort();
}

static void unbuild(void)
{
	json_decref(want);
	free(vol);
	free(dir);
}


START_TEST(test_same_report)
{
	char *stem = NULL, *img = NULL;
	json_t *got;
	int st;

	if (asprintf(&stem, "%s/%s", dir, tu_formats[_i].name) < 0)
		abort();
	img = tu_wrap(&tu_formats[_i], vol, stem);
	ck_assert_msg(img != NULL, "%s: could not build", tu_formats[_i].name);
	got = tu_scan_normalised(img, &st, NULL);
	ck_assert_msg(got != NULL, "%s: exit %d", tu_formats[_i].name, st);
	ck_assert_int_eq(st, 1);
	tu_assert_same_report(got, want, tu_formats[_i].name, "the bare volume's");
	json_decref(got);
	tu_sh("rm -f '%s'*", stem);
	free(img);
	free(stem);
}
END_TEST

/* --- containers and tables that are broken */
static void expect_one_line(const char *img, int want_status, const char *want_text)
{
	char *err = NULL, *nl;
	int st;
	json_t *d = tu_scan_normalised(img, &st, &err);

	ck_assert_msg(st == want_status, "%s: exit %d (%s)", img, st, err);
	if (want_status == 2) {
		nl = strchr(err, '\n');
		ck_assert_msg(strncmp(err, "vssdoctor: ", 11) == 0 && nl && !nl[1], "%s: %s", img, err);
	}
	{
		char *dump = d ? json_dumps(d, 0) : NULL;
		int found = strstr(err, want_text) || (dump && strstr(dump, want_text));

		free(dump);
		ck_assert_msg(found, "%s: wanted '%s' in: %s", img, want_text, err);
	}
	json_decref(d);
	free(err);
}

START_TEST(test_gpt_backup_used)
{
	char *disk = NULL;

	if (asprintf(&disk, "%s/gptbad.raw", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --gpt --before-mib 100 --volume '%s' --corrupt-gpt-primary --out '%s' >/dev/null",
			       tu_env("VSSD_TOOLS"), vol, disk), 0);
	/* still read, from the backup header, with a warning */
	expect_one_line(disk, 1, "backup header used");
	free(disk);
}
END_TEST

START_TEST(test_windows_partition_past_end)
{
	char *disk = NULL;

	if (asprintf(&disk, "%s/pastend.raw", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --gpt --before-mib 100 --volume '%s' --entry-past-end 2 --out '%s' >/dev/null",
			       tu_env("VSSD_TOOLS"), vol, disk), 0);
	expect_one_line(disk, 2, "past the end");
	free(disk);
}
END_TEST

START_TEST(test_truncated_vhdx)
{
	char *p = NULL;

	if (asprintf(&p, "%s/t", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("qemu-img convert -q -f raw -O vhdx '%s' '%s.vhdx' && head -c 3000000 '%s.vhdx' > '%s-cut.vhdx'",
			       vol, p, p, p), 0);
	free(p);
	if (asprintf(&p, "%s/t-cut.vhdx", dir) < 0)
		abort();
	expect_one_line(p, 2, "vssdoctor: cannot read");
	free(p);
}
END_TEST

START_TEST(test_vhd_broken_footer)
{
	char *p = NULL;

	if (asprintf(&p, "%s/f.vhd", dir) < 0)
		abort();
	/* a dynamic VHD whose trailing footer is gone */
	ck_assert_int_eq(tu_sh("qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on '%s' '%s' && "
			       "sz=$(stat -c %%s '%s') && dd if=/dev/zero of='%s' bs=1 seek=$((sz - 512)) count=64 conv=notrunc 2>/dev/null",
			       vol, p, p, p), 0);
	expect_one_line(p, 2, "VHD");
	free(p);
}
END_TEST

START_TEST(test_missing_parent)
{
	char *p = NULL, *raw = NULL;

	if (asprintf(&p, "%s/child", dir) < 0 || asprintf(&raw, "%s/par.raw", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --gpt --before-mib 1 --volume '%s' --out '%s' >/dev/null && "
			       "qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on '%s' '%s-par.vhd' && "
			       "'%s/mkdisk' --vhd-diff '%s-par.vhd' --parent-name 'C:\\VMs\\golden.vhd' --out '%s.vhd' >/dev/null",
			       tu_env("VSSD_TOOLS"), vol, raw, raw, p, tu_env("VSSD_TOOLS"), p, p), 0);
	free(p);
	if (asprintf(&p, "%s/child.vhd", dir) < 0)
		abort();
	expect_one_line(p, 2, "golden.vhd");
	free(p);
	free(raw);
}
END_TEST

START_TEST(test_bitlocker_partition)
{
	char *p = NULL, *bl = NULL;

	if (asprintf(&bl, "%s/bitlocker.vol", dir) < 0 || asprintf(&p, "%s/bitlocker.raw", dir) < 0)
		abort();
	/* a volume whose boot sector says -FVE-FS- */
	ck_assert_int_eq(tu_sh("truncate -s 16M '%s' && printf '\\353\\130\\220-FVE-FS-' | dd of='%s' conv=notrunc 2>/dev/null && "
			       "printf '\\125\\252' | dd of='%s' bs=1 seek=510 conv=notrunc 2>/dev/null && "
			       "'%s/mkdisk' --gpt --before-mib 100 --volume '%s' --out '%s' >/dev/null",
			       bl, bl, bl, tu_env("VSSD_TOOLS"), bl, p), 0);
	expect_one_line(p, 2, "BitLocker");
	free(p);
	free(bl);
}
END_TEST

START_TEST(test_info_lists_windows)
{
	char *disk = NULL;
	struct tu_run r;

	if (asprintf(&disk, "%s/info.raw", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --gpt --before-mib 100 --before-mib 16 --volume '%s' --out '%s' >/dev/null",
			       tu_env("VSSD_TOOLS"), vol, disk), 0);
	tu_vssdoctor(&r, "info", "--format", "json", disk, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "\"scheme\": \"gpt\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"EFI system\""));
	ck_assert_ptr_nonnull(strstr(r.out, "\"holds_windows\": true"));
	ck_assert_ptr_nonnull(strstr(r.out, "Windows Server 2012 R2"));
	tu_run_free(&r);
	tu_vssdoctor(&r, "info", disk, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "[Windows]"));
	tu_run_free(&r);
	free(disk);
}
END_TEST

/* /dev/sdX itself: the same disk attached read-only to a loop device
 * (skipped where this machine has no loop devices or is not root) */
START_TEST(test_block_device)
{
	char *disk = NULL, *out = NULL, *dev, *nl;
	char before[65], after[65];
	json_t *got;
	int st;

	if (asprintf(&disk, "%s/blk.raw", dir) < 0 || asprintf(&out, "%s/blk.dev", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --gpt --before-mib 100 --volume '%s' --out '%s' >/dev/null",
			       tu_env("VSSD_TOOLS"), vol, disk), 0);
	if (tu_sh("losetup -r -f --show '%s' > '%s' 2>/dev/null", disk, out) != 0) {
		fprintf(stderr, "skip: formats: block device: no loop device here (losetup -r failed)\n");
		goto out;
	}
	dev = tu_read_file(out, NULL);
	ck_assert_ptr_nonnull(dev);
	nl = strchr(dev, '\n');
	if (nl)
		*nl = 0;
	ck_assert_int_eq(tu_sha256_file(disk, before), 0);
	got = tu_scan_normalised(dev, &st, NULL);
	tu_sh("losetup -d '%s'", dev);
	ck_assert_int_eq(tu_sha256_file(disk, after), 0);
	ck_assert_str_eq(before, after);
	ck_assert_msg(got != NULL, "%s: exit %d", dev, st);
	ck_assert_int_eq(st, 1);
	ck_assert_msg(json_equal(got, want), "%s: the report differs from the bare volume's", dev);
	json_decref(got);
	free(dev);
out:
	free(out);
	free(disk);
}
END_TEST

Suite *formats_suite(void);
Suite *formats_suite(void)
{
	Suite *s = suite_create("formats");
	TCase *tc = tcase_create("same-report");
	TCase *bad = tcase_create("broken");

	tcase_add_unchecked_fixture(tc, build, unbuild);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_same_report, 0, (int)tu_nformats);
	suite_add_tcase(s, tc);
	tcase_add_unchecked_fixture(bad, build, unbuild);
	tcase_set_timeout(bad, 300);
	tcase_add_test(bad, test_gpt_backup_used);
	tcase_add_test(bad, test_windows_partition_past_end);
	tcase_add_test(bad, test_truncated_vhdx);
	tcase_add_test(bad, test_vhd_broken_footer);
	tcase_add_test(bad, test_missing_parent);
	tcase_add_test(bad, test_bitlocker_partition);
	tcase_add_test(bad, test_info_lists_windows);
	tcase_add_test(bad, test_block_device);
	suite_add_tcase(s, bad);
	return s;
}
