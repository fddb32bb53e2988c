/* Volume shadow copies (issue 19): the libvshadow adapter, `info`'s store
 * list, scans of every store and the history they give.  The real Windows
 * Server 2003 disk of ../shared/samples/shadow/vss_2003.tgz is the oracle
 * for the adapter (libvshadow's own vshadowinfo prints the same stores);
 * the fixtures written by testdata/mkvss (the same scenario volume in
 * several states, written as shadow copies of the live one) prove the
 * rest, with libvshadow's vshadowinfo and vshadowmount as the oracle of
 * what the writer wrote. */
#define _GNU_SOURCE
#include <jansson.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fs.h"
#include "image.h"
#include "testutil.h"
#include "volume.h"
#include "vshadow.h"
#include "vss_writer.h"

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
static int vshadowinfo_stores(const char *raw, unsigned long long offset,
			      char ids[][40], char created[][32], int max)
{
	char off[32];
	char *const argv[] = { (char *)"/usr/bin/vshadowinfo", (char *)"-o",
			       off, (char *)raw, NULL };
	struct tu_run r;
	char *line, *save = NULL;
	int n = 0;

	snprintf(off, sizeof(off), "%llu", offset);
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
	n = vshadowinfo_stores(sample_raw, SAMPLE_OFFSET, ids, created, 8);
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

/* Every byte the sample holds (its data extents: about 80 MB), read
 * through each store view (libvshadow over our libbfio handle and block
 * cache), is what libvshadow's own vshadowmount serves for that store. */
START_TEST(test_sample_store_bytes_match_vshadowmount)
{
	static uint8_t a[1 << 20], b[1 << 20];
	struct image *img = NULL, *view = NULL;
	struct vss *v = NULL;
	struct err err;
	char *mnt, path[4200];
	uint64_t compared = 0;
	unsigned i;
	int fd, vfd;

	if (!sample_raw)
		return;
	mnt = tu_tmpdir("shadows-sample-mnt");
	if (access("/usr/bin/vshadowmount", X_OK) != 0 ||
	    tu_sh("timeout 60 vshadowmount -o 32256 '%s' '%s' >/dev/null 2>&1", sample_raw, mnt) != 0) {
		fprintf(stderr, "note: vshadowmount unavailable here (no FUSE?): sample store bytes not compared\n");
		tu_sh("rmdir '%s'", mnt);
		free(mnt);
		return;
	}
	err_init(&err);
	fd = open(sample_raw, O_RDONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_msg(image_open(&img, sample_raw, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(vss_open(&v, img, SAMPLE_OFFSET, 137436171264ull, &err), 1);
	for (i = 0; i < vss_count(v); i++) {
		off_t at = (off_t)SAMPLE_OFFSET;

		snprintf(path, sizeof(path), "%s/vss%u", mnt, i + 1);
		vfd = open(path, O_RDONLY);
		ck_assert_msg(vfd >= 0, "%s", path);
		ck_assert_int_eq(vss_store_image(v, i, &view, &err), 0);
		for (;;) {
			off_t d = lseek(fd, at, SEEK_DATA), h;

			if (d < 0)
				break;
			h = lseek(fd, d, SEEK_HOLE);
			for (at = d; at < h && (uint64_t)at - SAMPLE_OFFSET < image_size(view);) {
				uint64_t voff = (uint64_t)at - SAMPLE_OFFSET;
				size_t n = sizeof(a);

				if ((uint64_t)(h - at) < n)
					n = (size_t)(h - at);
				if (image_size(view) - voff < n)
					n = (size_t)(image_size(view) - voff);
				ck_assert_msg(image_read(view, voff, a, n, &err) == 0, "%s", err.msg);
				ck_assert_int_eq(pread(vfd, b, n, (off_t)voff), (ssize_t)n);
				ck_assert_msg(memcmp(a, b, n) == 0, "store %u differs at volume offset %llu",
					      i + 1, (unsigned long long)voff);
				compared += n;
				at += (off_t)n;
			}
			at = h;
		}
		image_free(view);
		close(vfd);
	}
	ck_assert_uint_gt(compared, 6 * 40ull * 1024 * 1024);
	vss_free(v);
	image_free(img);
	close(fd);
	tu_sh("fusermount -u '%s' 2>/dev/null || umount '%s'", mnt, mnt);
	tu_sh("rmdir '%s'", mnt);
	free(mnt);
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

/* An NTFS boot sector with a sector count but 0 bytes per sector made
 * libvshadow 20190323 divide by zero (SIGFPE; found by fuzz_vss): one
 * error, no crash. */
START_TEST(test_boot_sector_zero_sector_size)
{
	static uint8_t vol[64 * 1024];
	static const uint8_t vss_id[16] = {
		0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
		0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52,
	};
	struct image *img = NULL;
	struct vss *v = NULL;
	struct err err;

	memcpy(vol + 3, "NTFS    ", 8);
	vol[0x0b] = 0;                 /* bytes per sector: 0 */
	vol[0x0c] = 0;
	vol[0x0d] = 8;                 /* sectors per cluster */
	vol[0x28] = 128;               /* total sectors (64-bit field) */
	memcpy(vol + 0x1e00, vss_id, 16);
	vol[0x1e00 + 0x10] = 1;        /* version */
	vol[0x1e00 + 0x14] = 1;        /* record type: volume header */
	err_init(&err);
	ck_assert_int_eq(image_from_memory(&img, vol, sizeof(vol), &err), 0);
	ck_assert_int_lt(vss_open(&v, img, 0, sizeof(vol), &err), 0);
	ck_assert_ptr_null(v);
	ck_assert_msg(strstr(err.msg, "0 bytes per sector"), "%s", err.msg);
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

/* ---- a fixture volume with three shadow copies -------------------------- *
 * One Windows Server 2008 R2 scenario in four states: on 2019-06-04 23:43
 * CryptSvc is disabled (cause 2) and its descriptor right but unusual
 * (the SCM default plus Authenticated Users: a value the fix can only know
 * from the shadow copy); on 2019-06-05 02:10 CryptSvc runs again; on
 * 2019-06-05 03:00 and on the live volume its descriptor is broken
 * (cause 3). */

#define FX_GOOD_SD "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)" \
	"(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)(A;;CCLCSWLOCRRC;;;AU)" \
	"S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)"
#define FX_GOOD_LINE "reg system sddl ControlSet001\\Services\\CryptSvc\\Security Security " FX_GOOD_SD "\n"
/* every state has an Application log; from 03:00 on it holds a failed
 * backup "System writer is not found" (finding backup-writer-missing) */
#define FX_EV_VSS "event application provider=VSS id=8224 time=2019-06-01T09:00:00Z text=\n"
#define FX_EV_BACKUP "event application provider=Microsoft-Windows-Backup id=517 " \
	"time=2019-06-05T02:30:00Z data=BackupTime:2019-06-05T02:29:00Z data=ErrorCode:0x80780102 " \
	"\"data=ErrorMessage:System writer is not found in the backup.\"\n"
#define FX_STORES 3

static const struct { const char *created, *scenario; } fx_states[FX_STORES + 1] = {
	{ "2019-06-04T23:43:01Z", "os 2008r2\nbreak cause2\n" FX_GOOD_LINE FX_EV_VSS },
	{ "2019-06-05T02:10:00Z", "os 2008r2\n" FX_GOOD_LINE FX_EV_VSS },
	{ "2019-06-05T03:00:00Z", "os 2008r2\nbreak cause3\n" FX_EV_VSS FX_EV_BACKUP },
	{ NULL, "os 2008r2\nbreak cause3\nservices 4\n" FX_EV_VSS FX_EV_BACKUP },  /* live */
};
static const char *const fx_ids[FX_STORES] = {
	"5d0c0001-8722-11e9-9178-525400123450",
	"5d0c0002-8722-11e9-9178-525400123450",
	"5d0c0003-8722-11e9-9178-525400123450",
};

static char *fx_dir, *fx_state[FX_STORES], *fx_live0, *fx_live;

static void fx_die(const char *what)
{
	fprintf(stderr, "shadows fixture: %s\n", what);
	abort();
}

/* mkvss [--damage KIND] out over the states; its exit status. */
static int fx_mkvss(const char *out, const char *damage)
{
	return tu_sh("'%s/mkvss' %s%s '%s' %s '%s' %s '%s' %s '%s' >/dev/null",
		     tu_env("VSSD_TOOLS"), damage ? "--damage " : "", damage ? damage : "",
		     out, fx_states[0].created, fx_state[0], fx_states[1].created,
		     fx_state[1], fx_states[2].created, fx_state[2]);
}

static void fx_build(void)
{
	char path[4096];
	int i;

	fx_dir = tu_tmpdir("shadows-fixture");
	for (i = 0; i <= FX_STORES; i++) {
		char *img;

		snprintf(path, sizeof(path), "%s/state%d.scn", fx_dir, i + 1);
		if (tu_write_file(path, fx_states[i].scenario, strlen(fx_states[i].scenario)) < 0)
			fx_die("cannot write a scenario");
		if (asprintf(&img, "%s/%s.img", fx_dir, i < FX_STORES ? "state" : "live0") < 0)
			fx_die("out of memory");
		if (i < FX_STORES) {
			free(img);
			if (asprintf(&img, "%s/state%d.img", fx_dir, i + 1) < 0)
				fx_die("out of memory");
			fx_state[i] = img;
		} else {
			fx_live0 = img;
		}
		if (tu_sh("'%s/mkscenario' '%s' '%s'", tu_env("VSSD_TOOLS"), img, path) != 0)
			fx_die("mkscenario failed");
	}
	if (asprintf(&fx_live, "%s/live.img", fx_dir) < 0)
		fx_die("out of memory");
	if (tu_sh("cp --sparse=always '%s' '%s'", fx_live0, fx_live) != 0 ||
	    fx_mkvss(fx_live, NULL) != 0)
		fx_die("mkvss failed");
}

static void fx_remove(void)
{
	int i;

	if (fx_dir)
		tu_sh("rm -rf '%s'", fx_dir);
	for (i = 0; i < FX_STORES; i++) {
		free(fx_state[i]);
		fx_state[i] = NULL;
	}
	free(fx_live0);
	free(fx_live);
	free(fx_dir);
	fx_live0 = fx_live = fx_dir = NULL;
}

static json_t *fx_json(struct tu_run *r, int want_status)
{
	json_error_t je;
	json_t *root;

	ck_assert_msg(r->status == want_status, "exit %d (want %d): %s", r->status,
		      want_status, r->err);
	root = json_loads(r->out, 0, &je);
	ck_assert_msg(root, "%s", je.text);
	return root;
}

/* info: the three stores with their identifiers and dates, as libvshadow's
 * vshadowinfo reads them from what the writer wrote. */
START_TEST(test_fixture_info_lists_stores)
{
	char ids[8][40], created[8][32];
	json_t *root, *stores, *st;
	struct tu_run r;
	size_t i;
	int n;

	tu_vssdoctor(&r, "info", "--format", "json", fx_live, NULL);
	root = fx_json(&r, 0);
	stores = json_object_get(json_array_get(json_object_get(root, "volumes"), 0),
				 "shadow_copies");
	ck_assert_int_eq(json_array_size(stores), FX_STORES);
	memset(ids, 0, sizeof(ids));
	memset(created, 0, sizeof(created));
	n = vshadowinfo_stores(fx_live, 0, ids, created, 8);
	if (n >= 0)
		ck_assert_int_eq(n, FX_STORES);
	json_array_foreach(stores, i, st) {
		const char *id = json_string_value(json_object_get(st, "identifier"));
		const char *c = json_string_value(json_object_get(st, "created"));

		ck_assert_int_eq(json_integer_value(json_object_get(st, "store")), (json_int_t)i + 1);
		ck_assert_str_eq(id, fx_ids[i]);
		ck_assert_str_eq(c, fx_states[i].created);
		ck_assert_int_eq(json_integer_value(json_object_get(st, "volume_size")), 96ll << 20);
		if (n >= 0) {
			ck_assert_str_eq(id, ids[i]);
			ck_assert_str_eq(c, created[i]);
		}
	}
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(root, "volumes"), 0),
					   "shadow_copies_warning"));
	json_decref(root);
	tu_run_free(&r);

	tu_vssdoctor(&r, "info", fx_live, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "shadow copies: 3"));
	for (i = 0; i < FX_STORES; i++) {
		char line[128];

		snprintf(line, sizeof(line), "%zu     %s  %s", i + 1, fx_ids[i], fx_states[i].created);
		ck_assert_msg(strstr(r.out, line), "no '%s' in:\n%s", line, r.out);
	}
	tu_run_free(&r);
}
END_TEST

/* Store view (n bytes of view) against state st and the live volume lv:
 * every 16 KiB block is the state's, except the VSS volume header at
 * 0x1e00 and blocks free (zeros) in the state that hold the writer's
 * metadata, read through from the live volume.  Returns the blocks that
 * were the state's. */
static size_t fx_compare(const uint8_t *view, const uint8_t *st, const uint8_t *lv,
			 size_t n, unsigned store)
{
	static const uint8_t zero[VSS_WRITER_BLOCK];
	size_t b, same = 0;

	for (b = 0; b + VSS_WRITER_BLOCK <= n; b += VSS_WRITER_BLOCK) {
		if (memcmp(view + b, st + b, VSS_WRITER_BLOCK) == 0) {
			same++;
			continue;
		}
		if (b == 0) {
			ck_assert_msg(memcmp(view + 0x2000, st + 0x2000, VSS_WRITER_BLOCK - 0x2000) == 0 &&
				      memcmp(view, st, 0x1e00) == 0,
				      "store %u: block 0 differs outside the VSS header", store);
			continue;
		}
		ck_assert_msg(memcmp(st + b, zero, VSS_WRITER_BLOCK) == 0 &&
			      memcmp(view + b, lv + b, VSS_WRITER_BLOCK) == 0,
			      "store %u: block at %zu is neither the state's nor metadata", store, b);
	}
	return same;
}

/* Each store read through libvshadow (our image view, and vshadowmount's
 * vssN when FUSE works here) is the state it was written from. */
START_TEST(test_fixture_stores_are_the_states)
{
	struct image *img = NULL, *view = NULL;
	uint8_t *buf = malloc(96u << 20);
	char *lv, *mnt;
	size_t len, n;
	struct vss *v = NULL;
	struct err err;
	unsigned i;

	ck_assert_ptr_nonnull(buf);
	lv = tu_read_file(fx_live, &len);
	ck_assert_ptr_nonnull(lv);
	ck_assert_uint_eq(len, 96u << 20);
	err_init(&err);
	ck_assert_msg(image_open(&img, fx_live, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(vss_open(&v, img, 0, len, &err), 1);
	ck_assert_uint_eq(vss_count(v), FX_STORES);
	for (i = 0; i < FX_STORES; i++) {
		char *st = tu_read_file(fx_state[i], &n);

		ck_assert_ptr_nonnull(st);
		ck_assert_int_eq(vss_store_image(v, i, &view, &err), 0);
		ck_assert_uint_eq(image_size(view), len);
		ck_assert_msg(image_read(view, 0, buf, len, &err) == 0, "%s", err.msg);
		/* nearly all of it is the state's own bytes */
		ck_assert_uint_gt(fx_compare(buf, (uint8_t *)st, (uint8_t *)lv, len, i + 1),
				  len / VSS_WRITER_BLOCK - 64);
		image_free(view);
		free(st);
	}
	vss_free(v);
	image_free(img);

	/* libvshadow's own FUSE mount */
	mnt = tu_tmpdir("shadows-mnt");
	if (access("/usr/bin/vshadowmount", X_OK) != 0 ||
	    tu_sh("timeout 30 vshadowmount '%s' '%s' >/dev/null 2>&1", fx_live, mnt) != 0) {
		fprintf(stderr, "note: vshadowmount unavailable here (no FUSE?): stores checked through libvshadow in-process only\n");
	} else {
		for (i = 0; i < FX_STORES; i++) {
			char p[4200];
			char *st = tu_read_file(fx_state[i], &n), *vw;

			snprintf(p, sizeof(p), "%s/vss%u", mnt, i + 1);
			vw = tu_read_file(p, &len);
			ck_assert_msg(vw && st, "cannot read %s", p);
			ck_assert_uint_eq(len, n);
			fx_compare((uint8_t *)vw, (uint8_t *)st, (uint8_t *)lv, len, i + 1);
			free(vw);
			free(st);
		}
		tu_sh("fusermount -u '%s' 2>/dev/null || umount '%s'", mnt, mnt);
	}
	tu_sh("rmdir '%s' 2>/dev/null", mnt);
	free(mnt);
	free(lv);
	free(buf);
}
END_TEST

static json_t *history_of(json_t *root, const char *id)
{
	json_t *h;
	size_t i;

	json_array_foreach(json_object_get(root, "history"), i, h)
		if (strcmp(json_string_value(json_object_get(h, "id")), id) == 0)
			return h;
	ck_abort_msg("no history for %s", id);
	return NULL;
}

static json_t *cause_of(json_t *root, const char *id)
{
	json_t *c;
	size_t i;

	json_array_foreach(json_object_get(root, "causes"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "id")), id) == 0)
			return c;
	ck_abort_msg("no cause %s", id);
	return NULL;
}

/* The statuses of a history entry as one string: "AAPP" (absent,
 * present, unknown = U), stores oldest first then live. */
static void statuses(json_t *h, char *out, size_t size)
{
	json_t *pt;
	size_t i;

	json_array_foreach(json_object_get(h, "statuses"), i, pt) {
		const char *st = json_string_value(json_object_get(pt, "status"));

		if (i + 1 < size) {
			out[i] = st[0] == 'p' ? 'P' : st[0] == 'a' ? 'A' : 'U';
			out[i + 1] = '\0';
		}
	}
}

/* scan --shadows: since when each cause is there, and the last good value. */
START_TEST(test_fixture_scan_history)
{
	char hex_before[65], hex_after[65], st[16];
	json_t *root, *h, *c, *lg, *sc;
	struct tu_run r;
	size_t i;

	ck_assert_int_eq(tu_sha256_file(fx_live, hex_before), 0);
	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadows",
		     "--format", "json", fx_live, NULL);
	root = fx_json(&r, 1);       /* cause 3 is present on the live volume */
	{
		/* the report with its history still follows the published schema */
		char out[4200];

		snprintf(out, sizeof(out), "%s/history.json", fx_dir);
		ck_assert_int_eq(tu_write_file(out, r.out, r.out_len), 0);
		ck_assert_int_eq(tu_sh("/usr/bin/python3 '%s/tests/validate_report.py' json "
				       "'%s/schema/report.schema.json' '%s' >/dev/null",
				       tu_env("VSSD_SRC"), tu_env("VSSD_SRC"), out), 0);
	}
	json_array_foreach(json_object_get(root, "shadow_copies"), i, sc) {
		ck_assert_str_eq(json_string_value(json_object_get(sc, "created")),
				 fx_states[i].created);
		ck_assert(json_is_true(json_object_get(sc, "scanned")));
	}
	ck_assert_int_eq(json_array_size(json_object_get(root, "shadow_copies")), FX_STORES);

	/* cause 3: right until 02:10, broken from 03:00 on */
	h = history_of(root, "cause3");
	statuses(h, st, sizeof(st));
	ck_assert_str_eq(st, "AAPP");
	ck_assert(json_is_true(json_object_get(h, "changed")));
	ck_assert_int_eq(json_array_size(json_object_get(h, "changes")), 1);
	c = json_array_get(json_object_get(h, "changes"), 0);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "last_before")), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(c, "first_after")), 3);
	ck_assert_str_eq(json_string_value(json_object_get(h, "summary")),
			 "cause3 absent on 2019-06-05 02:10 (store 2), present from 2019-06-05 03:00 (store 3)");
	/* cause 2: CryptSvc disabled in the oldest copy only */
	h = history_of(root, "cause2");
	statuses(h, st, sizeof(st));
	ck_assert_str_eq(st, "PAAA");
	ck_assert_str_eq(json_string_value(json_object_get(h, "summary")),
			 "cause2 present on 2019-06-04 23:43 (store 1), absent from 2019-06-05 02:10 (store 2)");
	h = history_of(root, "cause1");
	statuses(h, st, sizeof(st));
	ck_assert_str_eq(st, "AAAA");
	ck_assert(json_is_false(json_object_get(h, "changed")));
	/* a finding from the event log: each store judged on its own log
	 * (stores 1 and 2 share one log's bytes, store 3 the live one's) */
	h = history_of(root, "backup-writer-missing");
	statuses(h, st, sizeof(st));
	ck_assert_str_eq(st, "AAPP");
	ck_assert_str_eq(json_string_value(json_object_get(h, "summary")),
			 "backup-writer-missing absent on 2019-06-05 02:10 (store 2), present from 2019-06-05 03:00 (store 3)");

	/* the last good value is the one of store 2, not the SCM default */
	c = cause_of(root, "cause3");
	ck_assert_str_eq(json_string_value(json_object_get(c, "status")), "present");
	lg = json_array_get(json_object_get(c, "last_good"), 0);
	ck_assert_ptr_nonnull(lg);
	ck_assert_str_eq(json_string_value(json_object_get(lg, "service")), "CryptSvc");
	ck_assert_str_eq(json_string_value(json_object_get(lg, "sddl")), FX_GOOD_SD);
	ck_assert_int_eq(json_integer_value(json_object_get(lg, "store")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(lg, "created")), fx_states[1].created);
	ck_assert_str_eq(json_string_value(json_object_get(lg, "command")),
			 "sc sdset CryptSvc " FX_GOOD_SD);
	json_decref(root);
	tu_run_free(&r);

	/* the text report: one line per cause that changed, the last good fix */
	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadows", fx_live, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.out, "History (3 shadow copies):\n"), "%s", r.out);
	ck_assert(strstr(r.out, "  cause3 absent on 2019-06-05 02:10 (store 2), present from 2019-06-05 03:00 (store 3)\n"));
	ck_assert(strstr(r.out, "  cause2 present on 2019-06-04 23:43 (store 1), absent from 2019-06-05 02:10 (store 2)\n"));
	/* cause1 did not change: no history line for it */
	ck_assert_ptr_null(strstr(strstr(r.out, "History ("), "\n  cause1 "));
	ck_assert(strstr(r.out, "Last good: restore CryptSvc's descriptor as it was on 2019-06-05 02:10 "
			 "(shadow copy store 2): sc sdset CryptSvc " FX_GOOD_SD "\n"));
	tu_run_free(&r);

	/* markdown and HTML show the same history and last good values */
	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadows", "--format", "markdown",
		     fx_live, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.out, "## History (3 shadow copies):\n\n"), "%s", r.out);
	ck_assert(strstr(r.out, "- cause3 absent on 2019-06-05 02:10 (store 2), present from 2019-06-05 03:00 (store 3)\n"));
	ck_assert(strstr(r.out, "- cause2 present on 2019-06-04 23:43 (store 1), absent from 2019-06-05 02:10 (store 2)\n"));
	ck_assert_ptr_null(strstr(strstr(r.out, "History ("), "\n- cause1 "));
	/* the table: a column per store, oldest first, then the live volume */
	ck_assert_msg(strstr(r.out, "\n| check | store 1 "), "%s", r.out);
	{
		const char *row = strstr(r.out, "\n| cause3 | "), *end;

		ck_assert_ptr_nonnull(row);
		end = strchr(row + 1, '\n');
		ck_assert_ptr_nonnull(end);
		/* store 2 absent, store 3 and the live volume present */
		ck_assert_msg(end - row > 29 && strncmp(end - 29, " absent | present | present |", 29) == 0,
			      "%.*s", (int)(end - row), row);
	}
	ck_assert_ptr_null(strstr(r.out, "\n| cause1 | "));
	ck_assert(strstr(r.out, "- Last good: restore CryptSvc's descriptor as it was on 2019-06-05 02:10 "
			 "(shadow copy store 2): sc sdset CryptSvc "));
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadows", "--format", "html",
		     fx_live, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert_msg(strstr(r.out, ">History (3 shadow copies):</h"), "%s", r.out);
	ck_assert(strstr(r.out, "<li>cause3 absent on 2019-06-05 02:10 (store 2), present from 2019-06-05 03:00 (store 3)</li>\n"));
	ck_assert_msg(strstr(r.out, "<tr><td><code>cause3</code></td>"), "%s", r.out);
	ck_assert(strstr(r.out, "<td>absent</td><td>present</td><td>present</td></tr>\n"));
	ck_assert_ptr_null(strstr(r.out, "<tr><td><code>cause1</code></td>"));
	ck_assert(strstr(r.out, "<li>Last good: restore CryptSvc&#39;s descriptor as it was on 2019-06-05 02:10 "
			 "(shadow copy store 2): sc sdset CryptSvc ") ||
		  strstr(r.out, "<li>Last good: restore CryptSvc's descriptor as it was on 2019-06-05 02:10 "
			 "(shadow copy store 2): sc sdset CryptSvc "));
	tu_run_free(&r);

	/* the evidence is never written */
	ck_assert_int_eq(tu_sha256_file(fx_live, hex_after), 0);
	ck_assert_str_eq(hex_before, hex_after);
}
END_TEST

/* --shadow N: that store only, and the live volume. */
START_TEST(test_fixture_one_store)
{
	json_t *root, *h, *pts;
	struct tu_run r;
	char st[16];

	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadow", "1",
		     "--format", "json", fx_live, NULL);
	root = fx_json(&r, 1);
	h = history_of(root, "cause2");
	pts = json_object_get(h, "statuses");
	ck_assert_int_eq(json_array_size(pts), 2);
	ck_assert_int_eq(json_integer_value(json_object_get(json_array_get(pts, 0), "store")), 1);
	statuses(h, st, sizeof(st));
	ck_assert_str_eq(st, "PA");
	json_decref(root);
	tu_run_free(&r);

	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadow", "9", fx_live, NULL);
	ck_assert_msg(r.status == 1 || r.status == 2, "exit %d", r.status);
	ck_assert_int_lt(r.status, 128);
	tu_run_free(&r);
}
END_TEST

/* A volume given as a directory shows no shadow copies: --shadows says
 * so (report and stderr) and judges the live files as always. */
START_TEST(test_fixture_directory_source)
{
	char dir[4200];
	struct tu_run r;

	snprintf(dir, sizeof(dir), "%s/dirsrc", fx_dir);
	ck_assert_int_eq(tu_sh("mkdir -p '%s/Windows/System32/config' && "
			       "ntfscat -f '%s' /Windows/System32/config/SYSTEM > '%s/Windows/System32/config/SYSTEM' && "
			       "ntfscat -f '%s' /Windows/System32/config/SOFTWARE > '%s/Windows/System32/config/SOFTWARE'",
			       dir, fx_live, dir, fx_live, dir), 0);
	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadows", dir, NULL);
	ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, "PRESENT  cause3"), "%s", r.out);
	ck_assert_msg(strstr(r.out, "--shadows: a mounted volume's directory does not show its shadow copies"),
		      "%s", r.out);
	ck_assert_msg(strstr(r.err, "shadow copies are read from disk images, not from a directory"),
		      "%s", r.err);
	ck_assert_ptr_null(strstr(r.out, "History ("));
	tu_run_free(&r);
	tu_sh("rm -rf '%s'", dir);
}
END_TEST

/* ---- fault injection over --shadows ------------------------------------
 * As tests/check_faults.c over a whole scan: the Nth allocation or the Nth
 * read of the image fails, for N past what the live scan uses (the shadow
 * copy layer, the store scans, the history): exit 0-3, no signal, no
 * sanitizer report, one clean line when the exit is 2. */

START_TEST(test_fixture_faults)
{
	unsigned long long live, all, n, step;
	unsigned runs = 0;

	/* allocations: 40 runs spread over those after the live scan */
	live = tu_fault_count(fx_live, "VSSD_COUNT_ALLOCS", "allocations: ", 0, 120);
	all = tu_fault_count(fx_live, "VSSD_COUNT_ALLOCS", "allocations: ", 1, 120);
	ck_assert_uint_gt(all, live);
	step = (all - live) / 40 + 1;
	for (n = live > 10 ? live - 10 : 0; n <= all; n += step, runs++)
		tu_fault_run(fx_live, "VSSD_FAIL_ALLOC_AFTER", n, runs % 2 ? "text" : "json", 1, 120);
	/* reads of the image: 20 runs over those of the shadow copies */
	live = tu_fault_count(fx_live, NULL, "bytes in ", 0, 120);
	all = tu_fault_count(fx_live, NULL, "bytes in ", 1, 120);
	ck_assert_uint_gt(all, live);
	step = (all - live) / 20 + 1;
	for (n = live; n <= all; n += step, runs++)
		tu_fault_run(fx_live, "VSSD_FAULT_READ_AFTER", n, "json", 1, 120);
	fprintf(stderr, "shadows faults: %u runs (allocations after the live scan's, reads of the stores)\n",
		runs);
}
END_TEST

/* The same volume inside disk images: the stores are found through every
 * image layer, at the partition's offset. */
START_TEST(test_fixture_in_images)
{
	static const char *const formats[] = { "mbr", "vhdx-dynamic", "e01" };
	const struct tu_format *f = tu_format_named(formats[_i]);
	char stem[4200], *img;
	json_t *root, *vols, *vol, *stores;
	struct tu_run r;
	size_t i;

	ck_assert_ptr_nonnull(f);
	snprintf(stem, sizeof(stem), "%s/wrapped-%s", fx_dir, f->name);
	img = tu_wrap(f, fx_live, stem);
	ck_assert_ptr_nonnull(img);
	tu_vssdoctor(&r, "info", "--format", "json", img, NULL);
	root = fx_json(&r, 0);
	vols = json_object_get(root, "volumes");
	stores = NULL;
	json_array_foreach(vols, i, vol)
		if (json_array_size(json_object_get(vol, "shadow_copies")))
			stores = json_object_get(vol, "shadow_copies");
	ck_assert_msg(stores, "%s: no shadow copies found", f->name);
	ck_assert_int_eq(json_array_size(stores), FX_STORES);
	for (i = 0; i < FX_STORES; i++)
		ck_assert_str_eq(json_string_value(json_object_get(json_array_get(stores, i), "created")),
				 fx_states[i].created);
	json_decref(root);
	tu_run_free(&r);
	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadows", img, NULL);
	ck_assert_int_eq(r.status, 1);
	ck_assert(strstr(r.out, "  cause3 absent on 2019-06-05 02:10 (store 2), present from 2019-06-05 03:00 (store 3)\n"));
	tu_run_free(&r);
	tu_sh("rm -f '%s'*", stem);
	free(img);
}
END_TEST

/* Hostile stores: a catalog or a block list that loops, offsets past the
 * end, garbage.  The live volume is still judged (exit 1: cause 3), one
 * warning names what was skipped, no crash and no hang. */
START_TEST(test_fixture_hostile)
{
	const char *kind = vss_writer_damage_kinds[_i];
	char path[4200], damage[96], *line, *save = NULL;
	struct tu_run r;
	int warnings = 0, nothing_read = 0;

	snprintf(path, sizeof(path), "%s/hostile-%s.img", fx_dir, kind);
	snprintf(damage, sizeof(damage), "%s:2", kind);
	ck_assert_int_eq(tu_sh("cp --sparse=always '%s' '%s'", fx_live0, path), 0);
	ck_assert_int_eq(fx_mkvss(path, damage), 0);

	tu_vssdoctor(&r, "info", path, NULL);
	ck_assert_msg(r.status == 0, "%s: info exit %d: %s", kind, r.status, r.err);
	tu_run_free(&r);

	tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadows", path, NULL);
	ck_assert_msg(r.status == 1, "%s: scan exit %d: %s", kind, r.status, r.err);
	ck_assert_msg(strstr(r.out, "PRESENT  cause3"), "%s", r.out);
	/* the History line never claims "no change" over stores not read */
	ck_assert_msg(strstr(r.out, "\nHistory"), "%s: %s", kind, r.out);
	ck_assert_msg(!strstr(r.out, "History (0 shadow copies)"), "%s: %s", kind, r.out);
	if (!strstr(r.out, "History (")) {
		ck_assert_msg(strstr(r.out, "\nHistory: no shadow copy could be read (see Warnings)\n"),
			      "%s: %s", kind, r.out);
		nothing_read = 1;
	}
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "  - ", 4) == 0 && strstr(line, "shadow cop"))
			warnings++;
	if (strcmp(kind, "store-info-huge") == 0)
		ck_assert_int_le(warnings, 1);    /* libvshadow does not use it */
	else
		ck_assert_msg(warnings == 1, "%s: %d warnings about shadow copies", kind, warnings);
	tu_run_free(&r);
	if (nothing_read) {
		tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), "--shadows", "--format",
			     "markdown", path, NULL);
		ck_assert_msg(strstr(r.out, "## History: no shadow copy could be read (see Warnings)\n"),
			      "%s: %s", kind, r.out);
		tu_run_free(&r);
	}
	unlink(path);
}
END_TEST

/* repair --shadows (issue 21): CryptSvc's descriptor set to its last
 * good value from store 2, not the rule's default, and the plan says
 * where it comes from; applied into an overlay, cause 3 is gone and the
 * live image untouched. */
START_TEST(test_fixture_repair_last_good)
{
	char *target = NULL, *journal = NULL, sum0[65], sum1[65];
	struct tu_run r;
	json_error_t je;
	json_t *plan, *c, *res;
	size_t i;
	int found = 0;

	if (asprintf(&target, "%s/repaired.qcow2", fx_dir) < 0 ||
	    asprintf(&journal, "%s.undo.json", target) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(fx_live, sum0), 0);
	tu_vssdoctor(&r, "repair", "--plan", "--shadows", "--format", "json", "--rules",
		     tu_env("VSSD_RULES"), fx_live, NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	plan = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(plan);
	tu_run_free(&r);
	json_array_foreach(json_object_get(plan, "changes"), i, c)
		if (strcmp(json_string_value(json_object_get(c, "fixes")), "cause3") == 0 &&
		    json_string_value(json_object_get(c, "service")) &&
		    strcmp(json_string_value(json_object_get(c, "service")), "CryptSvc") == 0) {
			found = 1;
			ck_assert_str_eq(json_string_value(json_object_get(c, "after")), FX_GOOD_SD);
			ck_assert_str_eq(json_string_value(json_object_get(c, "after_from")),
					 "the last good value, from shadow copy store 2 created 2019-06-05T02:10:00Z");
		}
	ck_assert(found);
	json_decref(plan);

	tu_vssdoctor(&r, "repair", "--apply", "--shadows", "--output", target, "--rules",
		     tu_env("VSSD_RULES"), fx_live, NULL);
	ck_assert_msg(r.status == 0, "exit %d: %s %s", r.status, r.out, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "after:  " FX_GOOD_SD "\n"
				     "            (the last good value, from shadow copy store 2"));
	tu_run_free(&r);
	res = tu_scan_json(target, &r);
	ck_assert_str_eq(tu_status(res, "cause3"), "absent");
	json_decref(res);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(fx_live, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	unlink(journal);
	unlink(target);
	free(journal);
	free(target);
}
END_TEST

Suite *shadows_suite(void);
Suite *shadows_suite(void)
{
	Suite *s = suite_create("shadows");
	TCase *ts = tcase_create("sample");
	TCase *tu = tcase_create("unit");
	TCase *tf = tcase_create("fixture");
	TCase *tff;
	size_t nkinds = 0;

	tcase_add_unchecked_fixture(ts, sample_extract, sample_remove);
	tcase_set_timeout(ts, TEST_TIMEOUT);
	tcase_add_test(ts, test_sample_info_lists_stores);
	tcase_add_test(ts, test_sample_store_views_mount);
	tcase_add_test(ts, test_sample_store_bytes_match_vshadowmount);
	tcase_add_test(ts, test_sample_scan_says_no_windows);
	suite_add_tcase(s, ts);
	while (vss_writer_damage_kinds[nkinds])
		nkinds++;
	tcase_add_unchecked_fixture(tf, fx_build, fx_remove);
	tcase_set_timeout(tf, TEST_TIMEOUT);
	tcase_add_test(tf, test_fixture_info_lists_stores);
	tcase_add_test(tf, test_fixture_stores_are_the_states);
	tcase_add_test(tf, test_fixture_scan_history);
	tcase_add_test(tf, test_fixture_one_store);
	tcase_add_test(tf, test_fixture_directory_source);
	tcase_add_loop_test(tf, test_fixture_in_images, 0, 3);
	tcase_add_loop_test(tf, test_fixture_hostile, 0, (int)nkinds);
	suite_add_tcase(s, tf);
	{
		TCase *tr = tcase_create("repair");

		tcase_add_unchecked_fixture(tr, fx_build, fx_remove);
		tcase_set_timeout(tr, TEST_TIMEOUT);
		tcase_add_test(tr, test_fixture_repair_last_good);
		suite_add_tcase(s, tr);
	}
	tff = tcase_create("faults");
	tcase_add_unchecked_fixture(tff, fx_build, fx_remove);
	tcase_set_timeout(tff, 900);
	tcase_add_test(tff, test_fixture_faults);
	suite_add_tcase(s, tff);
	tcase_set_timeout(tu, TEST_TIMEOUT);
	tcase_add_test(tu, test_no_vss_header);
	tcase_add_test(tu, test_boot_sector_zero_sector_size);
	suite_add_tcase(s, tu);
	return s;
}
