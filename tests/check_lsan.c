/* tests/lsan.supp hides only the libraries' own failing paths: a leak of
 * ours made through a library call is still reported.  Each case leaks on
 * purpose (an ntfs_attr_open() attribute never closed, a libregf key never
 * freed) and asks LeakSanitizer, with the project's suppressions, whether
 * it sees a leak.  Until issue 14, `leak:ntfs_attr_open` hid the first.
 * Runs in sanitizer builds (make SANITIZE=address,undefined check); says
 * skip elsewhere.  Check's fork mode keeps the leaks in the case's own
 * process. */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/volume.h>
#include <libregf.h>

#include "scenario.h"
#include "testutil.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1
#else
#define HAVE_LSAN 0
#endif

/* The planted object's address, hidden from LeakSanitizer (XOR) while it
 * looks, then kept in a global so the check at exit finds it reachable. */
#define HIDE 0x5a5a5a5a5a5a5a5aull
static uintptr_t hidden;
static void *volatile kept;      /* read by no one: volatile keeps the store */

static void plant(void *p)
{
	hidden = (uintptr_t)p ^ (uintptr_t)HIDE;
}

static void unplant(void)
{
	kept = (void *)(hidden ^ (uintptr_t)HIDE);
}

/* The planting cases run only inside the runner that test_full_stacks
 * starts: LeakSanitizer matches suppressions against the allocation
 * stack, and without frame pointers in the libraries only full unwinding
 * (fast_unwind_on_malloc=0, read at start-up) shows their frames. */
static int skip_without_lsan(void)
{
	return !getenv("VSSD_LSAN_FULL");
}

static int leaks_seen(void)
{
#if HAVE_LSAN
	return __lsan_do_recoverable_leak_check();
#else
	return 0;
#endif
}

/* Overwrite the stack below us, so no stale copy of a planted pointer
 * makes it look reachable. */
static __attribute__((noinline)) void clobber_stack(void)
{
	volatile char buf[16384];
	size_t i;

	for (i = 0; i < sizeof(buf); i++)
		buf[i] = 0;
}

static __attribute__((noinline)) void leak_attr(ntfs_volume *vol)
{
	ntfs_inode *ni = ntfs_inode_open(vol, FILE_root);
	ntfs_attr *na;

	ck_assert_ptr_nonnull(ni);
	na = ntfs_attr_open(ni, AT_INDEX_ROOT, NTFS_INDEX_I30, 4);
	ck_assert_ptr_nonnull(na);
	plant(na);                        /* the leak: never ntfs_attr_close() */
	ntfs_inode_close(ni);
}

START_TEST(test_our_ntfs_attr_leak_reported)
{
	char *dir, *img = NULL;
	struct err err;
	ntfs_volume *vol;

	if (skip_without_lsan())
		return;
	dir = tu_tmpdir("lsan-ntfs");
	if (asprintf(&img, "%s/v.img", dir) < 0)
		abort();
	err_init(&err);
	ck_assert_msg(scenario_build("os 2016\n", img, &err) == 0, "%s", err.msg);
	ck_assert_msg(leaks_seen() == 0, "leaks before the planted one");
	vol = ntfs_mount(img, NTFS_MNT_RDONLY);
	ck_assert_ptr_nonnull(vol);
	leak_attr(vol);
	ntfs_umount(vol, FALSE);
	clobber_stack();
	ck_assert_msg(leaks_seen() != 0, "a leaked ntfs_attr_open() attribute was not reported");
	unplant();
	free(img);
	free(dir);
}
END_TEST

static __attribute__((noinline)) void leak_key(libregf_file_t *f)
{
	libregf_key_t *key = NULL;

	ck_assert_int_eq(libregf_file_get_root_key(f, &key, NULL), 1);
	plant(key);                       /* the leak: never libregf_key_free() */
}

START_TEST(test_our_regf_key_leak_reported)
{
	char *dir, *hive = NULL;
	libregf_file_t *f = NULL;
	if (skip_without_lsan())
		return;
	dir = tu_tmpdir("lsan-regf");
	if (asprintf(&hive, "%s/h", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("printf 'key Select\\ndword Select Current 1\\n' | '%s/mkhive' - '%s'",
			       tu_env("VSSD_TOOLS"), hive), 0);
	ck_assert_msg(leaks_seen() == 0, "leaks before the planted one");
	ck_assert_int_eq(libregf_file_initialize(&f, NULL), 1);
	ck_assert_int_eq(libregf_file_open(f, hive, LIBREGF_OPEN_READ, NULL), 1);
	leak_key(f);
	libregf_file_close(f, NULL);
	libregf_file_free(&f, NULL);
	clobber_stack();
	ck_assert_msg(leaks_seen() != 0, "a leaked libregf key was not reported");
	unplant();
	free(hive);
	free(dir);
}
END_TEST

START_TEST(test_full_stacks)
{
	char *argv[3];
	const char *was = getenv("ASAN_OPTIONS");
	char *opts = NULL;
	struct tu_run r;

	if (!HAVE_LSAN || !getenv("LSAN_OPTIONS") || !strstr(getenv("LSAN_OPTIONS"), "lsan.supp")) {
		fprintf(stderr, "skip: lsan: not a sanitizer build with tests/lsan.supp\n");
		return;
	}
	if (getenv("VSSD_LSAN_FULL"))
		return;
	if (asprintf(&opts, "fast_unwind_on_malloc=0%s%s", was ? ":" : "", was ? was : "") < 0)
		abort();
	setenv("ASAN_OPTIONS", opts, 1);
	setenv("VSSD_LSAN_FULL", "1", 1);
	setenv("CK_RUN_CASE", "ours", 1);
	free(opts);
	argv[0] = (char *)"/proc/self/exe";
	argv[1] = (char *)"lsan";
	argv[2] = NULL;
	ck_assert_int_eq(tu_run(argv, 120, &r), 0);
	ck_assert_msg(r.status == 0 && strstr(r.out, "100%: Checks: 2, Failures: 0, Errors: 0"),
		      "exit %d: %s%s", r.status, r.out, r.err);
	tu_run_free(&r);
}
END_TEST

Suite *lsan_suite(void);
Suite *lsan_suite(void)
{
	Suite *s = suite_create("lsan");
	TCase *tc = tcase_create("ours");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_our_ntfs_attr_leak_reported);
	tcase_add_test(tc, test_our_regf_key_leak_reported);
	suite_add_tcase(s, tc);
	tc = tcase_create("stacks");
	tcase_set_timeout(tc, 150);
	tcase_add_test(tc, test_full_stacks);
	suite_add_tcase(s, tc);
	return s;
}
