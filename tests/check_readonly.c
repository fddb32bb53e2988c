/* Evidence is sacred (issue 8): every command on every image format leaves
 * the source's bytes identical, every open of it is O_RDONLY, and the NTFS
 * device refuses writes. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "image.h"
#include "scenario.h"
#include "testutil.h"

static char *dir, *vol;

static void build(void)
{
	struct err err;

	dir = tu_tmpdir("readonly");
	if (asprintf(&vol, "%s/vol.img", dir) < 0)
		abort();
	err_init(&err);
	if (scenario_build("size 32M\nos 2012r2\nbreak cause1 cause3\n", vol, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
}

static void unbuild(void)
{
	free(vol);
	free(dir);
}

/* The formats, made from the volume the way an engineer receives them:
 * the command runs as `sh -c CMD IN OUT` ($1 the volume, $2 the stem). */
static const struct {
	const char *name;
	const char *make;
	const char *ext;     /* the file to hash: stem + ext */
} formats[] = {
	{ "raw", "cp --sparse=always \"$1\" \"$2.raw\"", ".raw" },
	{ "vhd", "qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on \"$1\" \"$2.vhd\"", ".vhd" },
	{ "vhdx", "qemu-img convert -q -f raw -O vhdx \"$1\" \"$2.vhdx\"", ".vhdx" },
	{ "vmdk", "qemu-img convert -q -f raw -O vmdk \"$1\" \"$2.vmdk\"", ".vmdk" },
	{ "qcow2", "qemu-img convert -q -f raw -O qcow2 \"$1\" \"$2.qcow2\"", ".qcow2" },
	{ "e01", "ewfacquire -u -q -t \"$2\" -f encase6 -c none -S 1GiB \"$1\" >/dev/null 2>&1", ".E01" },
};

START_TEST(test_format_unchanged)
{
	char *stem = NULL, *file = NULL, *trace = NULL, *log;
	char before[65], after[65];
	struct tu_run r;
	const char *rules = tu_env("VSSD_RULES");
	int i;
	char *const cmds[][8] = {
		{ (char *)"scan", NULL },
		{ (char *)"scan", (char *)"--format", (char *)"json", NULL },
		{ (char *)"scan", (char *)"--format", (char *)"junit", NULL },
		{ (char *)"info", NULL },
		{ (char *)"info", (char *)"--format", (char *)"json", NULL },
	};

	if (asprintf(&stem, "%s/img-%s", dir, formats[_i].name) < 0)
		abort();
	ck_assert_int_eq(tu_sh("sh -c '%s' sh '%s' '%s'", formats[_i].make, vol, stem), 0);
	if (asprintf(&file, "%s%s", stem, formats[_i].ext) < 0 || asprintf(&trace, "%s.strace", stem) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(file, before), 0);
	for (i = 0; i < (int)(sizeof(cmds) / sizeof(cmds[0])); i++) {
		char *argv[16];
		int n = 0, k;

		/* every open of the image, traced */
		argv[n++] = (char *)"/usr/bin/strace";
		argv[n++] = (char *)"-f";
		argv[n++] = (char *)"-e";
		argv[n++] = (char *)"trace=open,openat,creat,truncate,ftruncate";
		argv[n++] = (char *)"-o";
		argv[n++] = trace;
		argv[n++] = (char *)tu_env("VSSD_BIN");
		for (k = 0; cmds[i][k]; k++)
			argv[n++] = cmds[i][k];
		if (strcmp(cmds[i][0], "scan") == 0) {
			argv[n++] = (char *)"--rules";
			argv[n++] = (char *)rules;
		}
		argv[n++] = file;
		argv[n] = NULL;
		/* LeakSanitizer cannot run under ptrace: leaks are checked by
		 * the other suites, this one checks opens */
		setenv("ASAN_OPTIONS", "detect_leaks=0", 1);
		ck_assert_int_eq(tu_run(argv, 300, &r), 0);
		unsetenv("ASAN_OPTIONS");
		ck_assert_msg(r.status <= 3 && r.status != 2, "%s %s: exit %d: %s",
			      formats[_i].name, cmds[i][0], r.status, r.err);
		tu_run_free(&r);
		log = tu_read_file(trace, NULL);
		ck_assert_ptr_nonnull(log);
		{
			char *line, *save = NULL;
			int opens = 0;

			for (line = strtok_r(log, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
				if (!strstr(line, stem))
					continue;
				if (strstr(line, "open")) {
					opens++;
					ck_assert_msg(strstr(line, "O_RDONLY") && !strstr(line, "O_RDWR") &&
						      !strstr(line, "O_WRONLY") && !strstr(line, "O_CREAT") &&
						      !strstr(line, "O_TRUNC"),
						      "%s: %s", formats[_i].name, line);
				}
				ck_assert_msg(!strstr(line, "truncate") && !strstr(line, "creat("),
					      "%s: %s", formats[_i].name, line);
			}
			ck_assert_msg(opens > 0, "%s: the image was never opened?", formats[_i].name);
		}
		free(log);
	}
	ck_assert_int_eq(tu_sha256_file(file, after), 0);
	ck_assert_str_eq(before, after);
	free(stem);
	free(file);
	free(trace);
}
END_TEST

START_TEST(test_ntfs_device_refuses_writes)
{
	struct image *img = NULL;
	struct fs *fs = NULL;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(image_open(&img, vol, &err), 0);
	ck_assert_int_eq(fs_open_ntfs(&fs, img, 0, image_size(img), &err), 0);
	ck_assert_int_eq(fs_try_write(fs), -EROFS);
	fs_free(fs);
	image_free(img);
}
END_TEST

Suite *readonly_suite(void);
Suite *readonly_suite(void)
{
	Suite *s = suite_create("readonly");
	TCase *tc = tcase_create("formats");

	tcase_add_unchecked_fixture(tc, build, unbuild);
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_format_unchanged, 0, (int)(sizeof(formats) / sizeof(formats[0])));
	tcase_add_test(tc, test_ntfs_device_refuses_writes);
	suite_add_tcase(s, tc);
	return s;
}
