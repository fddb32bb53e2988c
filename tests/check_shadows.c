/* Volume shadow copies (issue 19): the libvshadow adapter, `info`'s store
 * list, scans of every store and the history they give.  The real Windows
 * Server 2003 disk of ../shared/samples/shadow/vss_2003.tgz is the oracle
 * for the adapter (libvshadow's own vshadowinfo prints the same stores);
 * the fixtures written by testdata/mkvss prove the rest. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "image.h"
#include "testutil.h"
#include "volume.h"
#include "vshadow.h"

/* ---- the Windows Server 2003 sample ------------------------------------ */

#define SAMPLE_OFFSET 32256ull
static char *sample_dir, *sample_raw;

/* The 6 stores as vshadowinfo 20190323 prints them (pinned: the test
 * also asks vshadowinfo itself when it is installed). */
static const struct { const char *id, *created; } sample_stores[6] = {
	{ "12e5a133-8722-11e9-9178-525400123456", "2019-06-04T23:43:01Z" },
	{ "12e5a134-8722-11e9-9178-525400123456", "2019-06-04T23:43:32Z" },
	{ "12e5a137-8722-11e9-9178-525400123456", "2019-06-04T23:44:38Z" },
	{ "4ace022f-877d-11e9-8446-525400123456", "2019-06-05T10:34:42Z" },
	{ "4ace0230-877d-11e9-8446-525400123456", "2019-06-05T10:34:46Z" },
	{ "4ace0231-877d-11e9-8446-525400123456", "2019-06-05T10:34:48Z" },
};

static void sample_extract(void)
{
	char *tgz = tu_sample("shadow/vss_2003.tgz");

	if (!tgz)
		return;
	sample_dir = tu_tmpdir("shadows-sample");
	/* GNU tar keeps the 128 GiB raw sparse: about 80 MB on disk */
	if (tu_sh("tar -xzf '%s' -C '%s'", tgz, sample_dir) != 0 ||
	    asprintf(&sample_raw, "%s/vss_2003.raw", sample_dir) < 0) {
		fprintf(stderr, "shadows: cannot extract %s\n", tgz);
		abort();
	}
	free(tgz);
}

static void sample_remove(void)
{
	if (sample_dir)
		tu_sh("rm -rf '%s'", sample_dir);
	free(sample_raw);
	free(sample_dir);
	sample_raw = sample_dir = NULL;
}

/* "Jun 04, 2019 23:43:01.484375000 UTC" -> "2019-06-04T23:43:01Z" */
static int vshadowinfo_time(const char *s, char *out, size_t size)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	char mon[4];
	int d, y, hh, mm, ss;
	const char *m;

	if (sscanf(s, "%3s %d, %d %d:%d:%d", mon, &d, &y, &hh, &mm, &ss) != 6)
		return -1;
	m = strstr(months, mon);
	if (!m || (m - months) % 3)
		return -1;
	snprintf(out, size, "%04d-%02d-%02dT%02d:%02d:%02dZ", y,
		 (int)(m - months) / 3 + 1, d, hh, mm, ss);
	return 0;
}

/* The stores vshadowinfo lists: ids[i] and created[i]; their number, or
 * -1 when vshadowinfo is not installed. */
static int vshadowinfo_stores(const char *raw, char ids[][40], char created[][32],
			      int max)
{
	char *const argv[] = { (char *)"/usr/bin/vshadowinfo", (char *)"-o",
			       (char *)"32256", (char *)raw, NULL };
	struct tu_run r;
	char *line, *save = NULL;
	int n = 0;

	if (access(argv[0], X_OK) != 0) {
		fprintf(stderr, "note: vshadowinfo absent: checking the pinned store list only\n");
		return -1;
	}
	ck_assert_int_eq(tu_run(argv, 120, &r), 0);
	ck_assert_msg(r.status == 0, "vshadowinfo: %s", r.err);
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		const char *colon = strchr(line, ':');

		if (strncmp(line, "Store: ", 7) == 0)
			n++;
		if (n == 0 || n > max || !colon)
			continue;
		if (strstr(line, "\tIdentifier"))
			snprintf(ids[n - 1], 40, "%s", colon + 2);
		else if (strstr(line, "\tCreation time"))
			ck_assert_int_eq(vshadowinfo_time(colon + 2, created[n - 1], 32), 0);
	}
	tu_run_free(&r);
	return n;
}

START_TEST(test_sample_info_lists_stores)
{
	char ids[8][40], created[8][32];
	json_t *root, *vol, *stores, *st;
	json_error_t je;
	struct tu_run r;
	size_t i;
	int n;

	if (!sample_raw)
		return;
	tu_vssdoctor(&r, "info", "--format", "json", sample_raw, NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	root = json_loads(r.out, 0, &je);
	ck_assert_msg(root, "%s", je.text);
	vol = json_array_get(json_object_get(root, "volumes"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(vol, "offset")), SAMPLE_OFFSET);
	stores = json_object_get(vol, "shadow_copies");
	ck_assert_int_eq(json_array_size(stores), 6);
	memset(ids, 0, sizeof(ids));
	memset(created, 0, sizeof(created));
	n = vshadowinfo_stores(sample_raw, ids, created, 8);
	if (n >= 0)
		ck_assert_int_eq(n, 6);
	json_array_foreach(stores, i, st) {
		const char *id = json_string_value(json_object_get(st, "identifier"));
		const char *c = json_string_value(json_object_get(st, "created"));

		ck_assert_int_eq(json_integer_value(json_object_get(st, "store")), (json_int_t)i + 1);
		ck_assert_str_eq(id, sample_stores[i].id);
		ck_assert_str_eq(c, sample_stores[i].created);
		ck_assert_int_eq(json_integer_value(json_object_get(st, "volume_size")),
				 137436171264ll);
		if (n >= 0) {
			ck_assert_str_eq(id, ids[i]);
			ck_assert_str_eq(c, created[i]);
		}
	}
	json_decref(root);
	tu_run_free(&r);

	/* the text form: one line per store with its identifier and date */
	tu_vssdoctor(&r, "info", sample_raw, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "shadow copies: 6"));
	for (i = 0; i < 6; i++) {
		char line[128];

		snprintf(line, sizeof(line), "%zu     %s  %s", i + 1, sample_stores[i].id,
			 sample_stores[i].created);
		ck_assert_msg(strstr(r.out, line), "no '%s' in:\n%s", line, r.out);
	}
	tu_run_free(&r);
}
END_TEST

struct names {
	int n;
	int has_svi;      /* "System Volume Information" */
};

static int name_cb(void *ctx, const struct fs_dirent *e)
{
	struct names *nm = ctx;

	nm->n++;
	if (strcmp(e->name, "System Volume Information") == 0)
		nm->has_svi = 1;
	return 0;
}

/* Every store is a volume libntfs-3g mounts, through the image layer. */
START_TEST(test_sample_store_views_mount)
{
	struct image *img = NULL, *view = NULL;
	struct vss *v = NULL;
	struct err err;
	unsigned i;

	if (!sample_raw)
		return;
	err_init(&err);
	ck_assert_msg(image_open(&img, sample_raw, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(vss_open(&v, img, SAMPLE_OFFSET, 137436171264ull, &err), 1);
	ck_assert_uint_eq(vss_count(v), 6);
	ck_assert_str_eq(vss_warning(v), "");
	for (i = 0; i < vss_count(v); i++) {
		struct fs *fs = NULL;
		struct names nm = { 0, 0 };

		ck_assert_msg(vss_store_image(v, i, &view, &err) == 0, "%s", err.msg);
		ck_assert_str_eq(image_format(view), "vss");
		ck_assert_msg(fs_open_ntfs(&fs, view, 0, image_size(view), &err) == 0,
			      "store %u: %s", i + 1, err.msg);
		ck_assert_str_eq(fs_info(fs)->label, "Новый том");
		ck_assert_int_eq(fs_readdir(fs, "", name_cb, &nm, &err), 0);
		ck_assert_int_gt(nm.n, 0);
		ck_assert(nm.has_svi);
		fs_free(fs);
		image_free(view);
	}
	vss_free(v);
	image_free(img);
}
END_TEST

/* No VSS header: vss_open says 0, and loads nothing. */
START_TEST(test_no_vss_header)
{
	static uint8_t zero[64 * 1024];
	struct image *img = NULL;
	struct vss *v = (struct vss *)1;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(image_from_memory(&img, zero, sizeof(zero), &err), 0);
	ck_assert_int_eq(vss_open(&v, img, 0, sizeof(zero), &err), 0);
	ck_assert_ptr_null(v);
	image_free(img);
}
END_TEST

START_TEST(test_sample_scan_says_no_windows)
{
	struct tu_run r;

	if (!sample_raw)
		return;
	tu_vssdoctor(&r, "scan", sample_raw, NULL);
	/* the source holds no Windows at all: the unreadable-source status */
	ck_assert_msg(r.status == 2, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "no Windows"), "%s", r.err);
	ck_assert_int_eq((int)r.out_len, 0);
	tu_run_free(&r);
}
END_TEST

Suite *shadows_suite(void);
Suite *shadows_suite(void)
{
	Suite *s = suite_create("shadows");
	TCase *ts = tcase_create("sample");
	TCase *tu = tcase_create("unit");

	tcase_add_unchecked_fixture(ts, sample_extract, sample_remove);
	tcase_set_timeout(ts, TEST_TIMEOUT);
	tcase_add_test(ts, test_sample_info_lists_stores);
	tcase_add_test(ts, test_sample_store_views_mount);
	tcase_add_test(ts, test_sample_scan_says_no_windows);
	suite_add_tcase(s, ts);
	tcase_set_timeout(tu, TEST_TIMEOUT);
	tcase_add_test(tu, test_no_vss_header);
	suite_add_tcase(s, tu);
	return s;
}
