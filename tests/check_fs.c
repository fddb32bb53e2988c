/* The file-system layer: the NTFS adapter over the image layer (read-only,
 * case-insensitive, descriptors, reparse points) and the directory
 * adapter. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "image.h"
#include "scenario.h"
#include "sddl.h"
#include "secdesc.h"
#include "testutil.h"

static char *dir, *vol;

static void build(void)
{
	struct err err;
	static const char scn[] =
		"os 2012r2\n"
		"vol dir Users\\Admin\\Documents\n"
		"vol file Users\\Admin\\Documents\\Notes.TXT hello\\nworld\n"
		"vol dirs Windows\\Many 300 d\n"
		"vol junction ProgramData D:\\ProgramData\n";

	dir = tu_tmpdir("fs");
	if (asprintf(&vol, "%s/vol.img", dir) < 0)
		abort();
	err_init(&err);
	if (scenario_build(scn, vol, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
}

static void unbuild(void)
{
	free(vol);
	free(dir);
}

static struct fs *mount_vol(struct image **img)
{
	struct fs *fs = NULL;
	struct err err;

	err_init(&err);
	ck_assert_msg(image_open(img, vol, &err) == 0, "%s", err.msg);
	ck_assert_msg(fs_open_ntfs(&fs, *img, 0, image_size(*img), &err) == 0, "%s", err.msg);
	return fs;
}

START_TEST(test_case_insensitive)
{
	struct image *img;
	struct fs *fs = mount_vol(&img);
	struct fs_stat st;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(fs_stat(fs, "windows\\SYSTEM32\\Config\\system", &st, &err), 1);
	ck_assert(!st.is_dir);
	ck_assert_int_gt(st.size, 4096);
	ck_assert_int_eq(fs_stat(fs, "/WINDOWS/system32/", &st, &err), 1);
	ck_assert(st.is_dir);
	ck_assert_int_eq(fs_stat(fs, "Windows\\NoSuchThing", &st, &err), 0);
	ck_assert_int_eq(fs_stat(fs, "Windows\\System32\\svchost.exe\\below", &st, &err), 0);
	ck_assert_str_eq(fs_info(fs)->label, "Windows");
	ck_assert_int_eq(fs_info(fs)->dirty, 0);
	ck_assert_int_eq(fs_info(fs)->descriptors, 1);
	fs_free(fs);
	image_free(img);
}
END_TEST

START_TEST(test_read_file)
{
	struct image *img;
	struct fs *fs = mount_vol(&img);
	uint8_t *buf = NULL;
	size_t len = 0;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(fs_read_file(fs, "users\\admin\\documents\\notes.txt", 1024, &buf, &len, &err), 1);
	ck_assert_int_eq(len, 11);
	ck_assert_mem_eq(buf, "hello\nworld", 11);
	free(buf);
	/* the size limit is an error, not a silent cut */
	ck_assert_int_eq(fs_read_file(fs, "users\\admin\\documents\\notes.txt", 4, &buf, &len, &err), -E_LIMIT);
	ck_assert_ptr_null(buf);
	ck_assert_int_eq(fs_read_file(fs, "nope.txt", 4, &buf, &len, &err), 0);
	fs_free(fs);
	image_free(img);
}
END_TEST

struct count_ctx {
	unsigned n, dirs, dots;
	uint64_t inode;
};

static int count_cb(void *ctx, const struct fs_dirent *e)
{
	struct count_ctx *c = ctx;

	c->n++;
	c->dirs += e->is_dir;
	if (strcmp(e->name, ".") == 0 || strcmp(e->name, "..") == 0)
		c->dots++;
	return 0;
}

static int stop_cb(void *ctx, const struct fs_dirent *e)
{
	(void)e;
	return ++((struct count_ctx *)ctx)->n == 5 ? 42 : 0;
}

START_TEST(test_readdir)
{
	struct image *img;
	struct fs *fs = mount_vol(&img);
	struct count_ctx c = { 0, 0, 0, 0 }, c2 = { 0, 0, 0, 0 };
	struct fs_stat st;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(fs_readdir(fs, "windows\\many", count_cb, &c, &err), 0);
	ck_assert_int_eq(c.n, 300);
	ck_assert_int_eq(c.dirs, 300);
	ck_assert_int_eq(c.dots, 0);
	ck_assert_int_eq(fs_stat(fs, "Windows\\Many", &st, &err), 1);
	ck_assert_int_eq(fs_readdir_inode(fs, st.inode, count_cb, &c2, &err), 0);
	ck_assert_int_eq(c2.n, 300);
	memset(&c, 0, sizeof(c));
	ck_assert_int_eq(fs_readdir(fs, "Windows\\Many", stop_cb, &c, &err), 42);
	ck_assert_int_eq(c.n, 5);
	ck_assert_int_eq(fs_readdir(fs, "Windows\\Missing", count_cb, &c, &err), -E_NOTFOUND);
	fs_free(fs);
	image_free(img);
}
END_TEST

START_TEST(test_security_roundtrip)
{
	struct image *img;
	struct fs *fs = mount_vol(&img);
	uint8_t *sd = NULL;
	size_t len = 0;
	struct secdesc d, want;
	size_t off = 0;
	char *sddl = NULL;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(fs_get_security(fs, "Windows\\WinSxS\\Temp\\PendingRenames", &sd, &len, &err), 1);
	memset(&d, 0, sizeof(d));
	memset(&want, 0, sizeof(want));
	ck_assert_msg(secdesc_parse(sd, len, &d, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sddl_decode(SCN_SDDL_WINSXS_OK, &want, &off, &err), 0);
	ck_assert_int_eq(sddl_encode(&d, SDDL_RIGHTS_FILE, &sddl, &err), 0);
	ck_assert_msg(secdesc_equal(&d, &want), "read back %s", sddl);
	free(sddl);
	secdesc_release(&d);
	secdesc_release(&want);
	free(sd);
	ck_assert_int_eq(fs_get_security(fs, "Windows\\WinSxS\\Temp\\Nope", &sd, &len, &err), 0);
	fs_free(fs);
	image_free(img);
}
END_TEST

START_TEST(test_junction)
{
	struct image *img;
	struct fs *fs = mount_vol(&img);
	struct fs_stat st;
	char target[256];
	struct err err;

	err_init(&err);
	ck_assert_int_eq(fs_stat(fs, "programdata", &st, &err), 1);
	ck_assert(st.is_reparse);
	ck_assert(st.is_dir);
	ck_assert_uint_eq(st.reparse_tag, FS_REPARSE_MOUNT_POINT);
	ck_assert_int_eq(fs_reparse_target(fs, "ProgramData", target, sizeof(target), &err), 1);
	ck_assert_str_eq(target, "D:\\ProgramData");
	ck_assert_int_eq(fs_stat(fs, "Users", &st, &err), 1);
	ck_assert(!st.is_reparse);
	fs_free(fs);
	image_free(img);
}
END_TEST

START_TEST(test_not_ntfs_and_bitlocker)
{
	struct image *img = NULL;
	struct fs *fs = NULL;
	uint8_t buf[8192];
	struct err err;

	memset(buf, 0, sizeof(buf));
	err_init(&err);
	ck_assert_int_eq(image_from_memory(&img, buf, sizeof(buf), &err), 0);
	ck_assert_int_eq(fs_open_ntfs(&fs, img, 0, sizeof(buf), &err), -E_FORMAT);
	image_free(img);
	memcpy(buf + 3, "-FVE-FS-", 8);
	ck_assert_int_eq(image_from_memory(&img, buf, sizeof(buf), &err), 0);
	ck_assert_int_eq(fs_open_ntfs(&fs, img, 0, sizeof(buf), &err), -E_UNSUPPORTED);
	ck_assert_msg(strstr(err.msg, "BitLocker") && strstr(err.msg, "dislocker"), "%s", err.msg);
	image_free(img);
}
END_TEST

START_TEST(test_io_errors_are_clean)
{
	/* fail every read after the Nth: mount or lookups fail cleanly */
	unsigned long n;

	for (n = 1; n < 400; n += 7) {
		struct image *img = NULL;
		struct fs *fs = NULL;
		struct fs_stat st;
		struct err err;

		err_init(&err);
		ck_assert_int_eq(image_open(&img, vol, &err), 0);
		image_set_fault(img, UINT64_MAX, n);
		if (fs_open_ntfs(&fs, img, 0, image_size(img), &err) == 0) {
			int rc = fs_stat(fs, "Windows\\System32\\config\\SYSTEM", &st, &err);
			ck_assert(rc == 1 || rc < 0);
			fs_free(fs);
		} else {
			ck_assert(err.msg[0] != '\0');
		}
		image_free(img);
	}
}
END_TEST

START_TEST(test_directory_adapter)
{
	char *root = tu_tmpdir("fsdir");
	struct fs *fs = NULL;
	struct fs_stat st;
	struct count_ctx c = { 0, 0, 0, 0 };
	uint8_t *buf = NULL, *sd = NULL;
	size_t len = 0;
	struct err err;

	ck_assert_int_eq(tu_sh("mkdir -p '%s/Windows/System32/config' && printf regf > '%s/Windows/System32/config/SYSTEM'"
			       " && mkdir '%s/Windows/System32/a' '%s/Windows/System32/b'", root, root, root, root), 0);
	err_init(&err);
	ck_assert_int_eq(fs_open_dir(&fs, root, &err), 0);
	ck_assert_int_eq(fs_stat(fs, "WINDOWS\\system32\\CONFIG\\system", &st, &err), 1);
	ck_assert_int_eq(fs_read_file(fs, "windows/system32/config/system", 100, &buf, &len, &err), 1);
	ck_assert_int_eq(len, 4);
	free(buf);
	ck_assert_int_eq(fs_readdir(fs, "windows\\system32", count_cb, &c, &err), 0);
	ck_assert_int_eq(c.n, 3);
	ck_assert_int_eq(c.dirs, 3);
	ck_assert_int_eq(fs_stat(fs, "Windows\\..\\..\\etc\\passwd", &st, &err), 0);
	/* a plain directory has no NTFS descriptors, and says why */
	ck_assert_int_eq(fs_info(fs)->descriptors, 0);
	ck_assert_int_eq(fs_get_security(fs, "Windows", &sd, &len, &err), -E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.msg, "ntfs_acl"));
	fs_free(fs);
	free(root);
}
END_TEST

START_TEST(test_sample_e01_volume)
{
	char *p = tu_sample("images/windows_ntfs_volume.E01");
	struct image *img = NULL;
	struct fs *fs = NULL;
	struct count_ctx c = { 0, 0, 0, 0 };
	struct err err;

	if (!p)
		return;
	err_init(&err);
	ck_assert_msg(image_open(&img, p, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(image_format(img), "e01");
	ck_assert_msg(fs_open_ntfs(&fs, img, 0, image_size(img), &err) == 0, "%s", err.msg);
	ck_assert_str_eq(fs_info(fs)->label, "Test Volume");
	ck_assert_int_eq(fs_readdir(fs, "", count_cb, &c, &err), 0);
	ck_assert_int_gt(c.n, 0);
	fs_free(fs);
	image_free(img);
	free(p);
}
END_TEST

Suite *fs_suite(void);
Suite *fs_suite(void)
{
	Suite *s = suite_create("fs");
	TCase *tc = tcase_create("ntfs");
	TCase *td = tcase_create("directory");

	tcase_add_unchecked_fixture(tc, build, unbuild);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_case_insensitive);
	tcase_add_test(tc, test_read_file);
	tcase_add_test(tc, test_readdir);
	tcase_add_test(tc, test_security_roundtrip);
	tcase_add_test(tc, test_junction);
	tcase_add_test(tc, test_not_ntfs_and_bitlocker);
	tcase_add_test(tc, test_io_errors_are_clean);
	tcase_add_test(tc, test_sample_e01_volume);
	suite_add_tcase(s, tc);
	tcase_set_timeout(td, TEST_TIMEOUT);
	tcase_add_test(td, test_directory_adapter);
	suite_add_tcase(s, td);
	return s;
}
