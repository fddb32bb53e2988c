/* Every recipe of tests/regressions: a once-failing input rebuilt from a
 * base scenario and scanned; it must end cleanly. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

START_TEST(test_recipes)
{
	char *dir = tu_tmpdir("regress"), *rdir = NULL;
	DIR *d;
	struct dirent *e;
	int n = 0;

	if (asprintf(&rdir, "%s/tests/regressions", tu_env("VSSD_SRC")) < 0)
		abort();
	/* In a sanitizer build, full malloc stacks: libntfs-3g has no frame
	 * pointers, and tests/lsan.supp names the frames below its
	 * allocators (a recipe here reaches its ntfs_device_mount leak).
	 * This test runs in a forked process of its own. */
	{
		const char *was = getenv("ASAN_OPTIONS");
		char *opts = NULL;

		if (asprintf(&opts, "fast_unwind_on_malloc=0%s%s", was ? ":" : "", was ? was : "") < 0)
			abort();
		setenv("ASAN_OPTIONS", opts, 1);
		free(opts);
	}
	d = opendir(rdir);
	ck_assert_ptr_nonnull(d);
	while ((e = readdir(d))) {
		char *recipe = NULL, *text, *img = NULL, base[128];
		struct tu_run r;

		if (!strstr(e->d_name, ".recipe"))
			continue;
		if (asprintf(&recipe, "%s/%s", rdir, e->d_name) < 0 ||
		    asprintf(&img, "%s/%s.img", dir, e->d_name) < 0)
			abort();
		text = tu_read_file(recipe, NULL);
		ck_assert_msg(text && sscanf(text, "# base %127s", base) == 1,
			      "%s: first line must be '# base NAME.scenario'", e->d_name);
		ck_assert_int_eq(tu_sh("'%s/mkscenario' '%s.base' '%s/tests/mutate/%s'",
				       tu_env("VSSD_TOOLS"), img, tu_env("VSSD_SRC"), base), 0);
		ck_assert_int_eq(tu_sh("'%s/mutate' '%s.base' '%s' --recipe '%s'",
				       tu_env("VSSD_TOOLS"), img, img, recipe), 0);
		tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"), img, NULL);
		ck_assert_msg(r.status >= 0 && r.status <= 3, "%s: exit %d: %s", e->d_name, r.status, r.err);
		ck_assert_msg(!strstr(r.err, "Sanitizer") && !strstr(r.err, "runtime error"),
			      "%s: %s", e->d_name, r.err);
		if (r.status != 2)
			ck_assert_msg(strstr(r.out, "\"schema\": \"vssdoctor/1\"") != NULL, "%s", e->d_name);
		tu_run_free(&r);
		tu_sh("rm -f '%s' '%s.base'", img, img);
		free(text);
		free(recipe);
		free(img);
		n++;
	}
	closedir(d);
	ck_assert_int_ge(n, 1);
	free(rdir);
	free(dir);
}
END_TEST

START_TEST(test_hive_root_cell_is_unknown)
{
	/* the registry's verdicts are unknown, not guessed, when SYSTEM's
	 * root key cannot be read */
	char *dir = tu_tmpdir("regress-hive"), *img = NULL;
	struct tu_run r;

	if (asprintf(&img, "%s/v.img", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("'%s/mkscenario' '%s.base' '%s/tests/mutate/healthy.scenario' && "
			       "'%s/mutate' '%s.base' '%s' --recipe '%s/tests/regressions/hive-root-cell.recipe'",
			       tu_env("VSSD_TOOLS"), img, tu_env("VSSD_SRC"), tu_env("VSSD_TOOLS"),
			       img, img, tu_env("VSSD_SRC")), 0);
	tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"), img, NULL);
	ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	free(img);
	free(dir);
}
END_TEST

Suite *regressions_suite(void);
Suite *regressions_suite(void)
{
	Suite *s = suite_create("regressions");
	TCase *tc = tcase_create("recipes");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_recipes);
	tcase_add_test(tc, test_hive_root_cell_is_unknown);
	suite_add_tcase(s, tc);
	return s;
}
