/* The whole pipeline under valgrind (issues 2 and 3).  Every libyal library
 * bundles and exports its own libbfio/libcdata copies (DESIGN.md, "Known
 * traps"), so hives and event logs read through libregf/libevtx from
 * memory while the disk itself is read through libvhdi, libewf, libvmdk or
 * libqcow is exactly where a symbol bound across libraries would show.
 * One broken volume (the demo's, plus a dirty SYSTEM hive whose log must
 * be replayed), wrapped in each container, is scanned under memcheck: no
 * invalid read or write, no use of uninitialised memory, no definite or
 * indirect leak, and the same report as the same scan run natively. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "demo.h"
#include "scenario.h"
#include "testutil.h"

#define VG_ERROR_EXIT 99

static char *dir, *vol;

static void build(void)
{
	char *text = NULL;
	struct err err;

	dir = tu_tmpdir("valgrind");
	if (asprintf(&vol, "%s/vol.img", dir) < 0 ||
	    /* the CryptSvc change lives only in SYSTEM.LOG1: the scan replays it */
	    asprintf(&text, "%slog system new\n"
		     "reg system dword ControlSet001\\Services\\VSS Start 4\n", demo_scenario) < 0)
		abort();
	err_init(&err);
	if (scenario_build(text, vol, &err) < 0) {
		fprintf(stderr, "valgrind fixture: %s\n", err.msg);
		abort();
	}
	free(text);
}

static void unbuild(void)
{
	tu_sh("rm -rf '%s'", dir);
	free(vol);
	free(dir);
}

/* the bare volume, then one container per image library: hives and logs
 * are then read through libregf and libevtx while libvhdi, libewf,
 * libvmdk or libqcow reads the disk */
static const char *const formats[] = { NULL, "vhdx-dynamic", "vhd-dynamic", "e01", "vmdk", "qcow2" };

/* the report without what legitimately differs between two runs */
static json_t *normalise(const char *text)
{
	json_error_t je;
	json_t *d = json_loads(text, 0, &je);

	if (d)
		json_object_del(d, "timing_ms");
	return d;
}

/* valgrind cannot run a sanitizer build: that build checks itself */
static int can_run(void)
{
	const char *san = getenv("VSSD_SANITIZE");

	if (san && *san) {
		fprintf(stderr, "skip: valgrind: the program is built with -fsanitize=%s\n", san);
		return 0;
	}
	if (access("/usr/bin/valgrind", X_OK) != 0) {
		fprintf(stderr, "skip: valgrind: not installed (package valgrind)\n");
		return 0;
	}
	return 1;
}

START_TEST(test_scan_memcheck)
{
	char *stem = NULL, *img = NULL, *cmd[16];
	const char *name;
	struct tu_run native, vg;
	json_t *a, *b;
	int n = 0;

	if (!can_run())
		return;
	name = formats[_i] ? formats[_i] : "bare";
	if (formats[_i]) {
		if (asprintf(&stem, "%s/%s", dir, name) < 0)
			abort();
		img = tu_wrap(tu_format_named(name), vol, stem);
		ck_assert_msg(img != NULL, "%s: could not build", name);
		tu_sh("rm -f '%s.raw'", stem);
	} else {
		img = strdup(vol);
	}

	ck_assert_int_eq(tu_vssdoctor(&native, "scan", "--format", "json", "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_msg(native.status == 1, "%s: native scan exit %d: %s", name,
		      native.status, native.err);

	/* tu_run takes argv[0] as a path */
	cmd[n++] = (char *)"/usr/bin/valgrind";
	cmd[n++] = (char *)"-q";
	cmd[n++] = (char *)"--error-exitcode=99";
	cmd[n++] = (char *)"--leak-check=full";
	cmd[n++] = (char *)"--show-leak-kinds=definite,indirect";
	cmd[n++] = (char *)"--errors-for-leak-kinds=definite,indirect";
	cmd[n++] = (char *)"--track-origins=no";
	cmd[n++] = (char *)tu_env("VSSD_BIN");
	cmd[n++] = (char *)"scan";
	cmd[n++] = (char *)"--format";
	cmd[n++] = (char *)"json";
	cmd[n++] = (char *)"--rules";
	cmd[n++] = (char *)tu_env("VSSD_RULES");
	cmd[n++] = img;
	cmd[n] = NULL;
	ck_assert_int_eq(tu_run(cmd, 240, &vg), 0);
	ck_assert_msg(vg.status != VG_ERROR_EXIT, "%s: valgrind found errors:\n%.4000s",
		      name, vg.err);
	ck_assert_msg(vg.status == 1, "%s: exit %d under valgrind:\n%.2000s", name,
		      vg.status, vg.err);
	ck_assert_msg(strstr(vg.err, "==") == NULL, "%s: valgrind said:\n%.4000s",
		      name, vg.err);

	/* the replayed log reached the verdict: VSS disabled only in the log */
	a = normalise(native.out);
	b = normalise(vg.out);
	ck_assert_ptr_nonnull(a);
	ck_assert_ptr_nonnull(b);
	ck_assert_msg(json_equal(a, b), "%s: the report under valgrind differs", name);
	{
		json_t *c2 = json_array_get(json_object_get(b, "causes"), 1);

		ck_assert_str_eq(json_string_value(json_object_get(c2, "id")), "cause2");
		ck_assert_str_eq(json_string_value(json_object_get(c2, "status")), "present");
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c2, "summary")), "VSS"));
	}
	{
		json_t *f;
		size_t k;
		int replayed = 0;

		json_array_foreach(json_object_get(b, "findings"), k, f)
			if (strcmp(json_string_value(json_object_get(f, "id")), "hive-dirty") == 0)
				replayed = strstr(json_string_value(json_object_get(f, "summary")),
						  "replayed in memory") != NULL;
		ck_assert_msg(replayed, "%s: the SYSTEM log was not replayed", name);
	}
	json_decref(a);
	json_decref(b);
	tu_run_free(&native);
	tu_run_free(&vg);
	if (stem)
		tu_sh("rm -f '%s'*", stem);
	free(img);
	free(stem);
}
END_TEST

Suite *valgrind_suite(void);
Suite *valgrind_suite(void)
{
	Suite *s = suite_create("valgrind");
	TCase *tc = tcase_create("pipeline");

	tcase_add_unchecked_fixture(tc, build, unbuild);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_scan_memcheck, 0, sizeof(formats) / sizeof(formats[0]));
	suite_add_tcase(s, tc);
	return s;
}
