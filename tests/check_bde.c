/* BitLocker (issue 20): the Windows-made samples in samples/bitlocker
 * unlock with each kind of secret and show their NTFS volume; a missing or
 * wrong secret is one line naming the protectors and the option, exit 2,
 * and never the secret; a recovery password of the wrong shape is refused
 * before it is tried; damaged metadata is one line, exit 2, no crash.
 * The samples (gzip) are unpacked into a scratch folder at test time;
 * the suite skips, saying so, when they are absent.  They are trimmed
 * copies (their $MFT is not there), so the end-to-end part runs on
 * volumes testdata/mkbde wraps in BitLocker (case "writer"): scenarios
 * give the plain image's report in raw and VHDX, the decrypted bytes are
 * the plain volume's, --fvek, a partly encrypted volume, damaged
 * metadata. */
#define _GNU_SOURCE
#include "testutil.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bde.h"
#include "image.h"
#include "ntfs_builder.h"
#include "scenario.h"

#define RP "284867-596541-514998-422114-660297-261613-215424-199408"
#define PW "password12!@"

/* samples/bitlocker/NAME.bin.gz unpacked into a scratch folder, or NULL
 * (skip). */
static char *unpack(const char *name)
{
	char rel[128], *gz, *dir, *out = NULL;

	snprintf(rel, sizeof(rel), "bitlocker/%s.bin.gz", name);
	gz = tu_sample(rel);
	if (!gz)
		return NULL;
	dir = tu_tmpdir(name);
	ck_assert_int_ge(asprintf(&out, "%s/%s.bin", dir, name), 0);
	ck_assert_int_eq(tu_sh("gunzip -c '%s' > '%s'", gz, out), 0);
	free(gz);
	free(dir);
	return out;
}

static void no_secret_in(const struct tu_run *r, const char *secret)
{
	ck_assert_msg(!strstr(r->out, secret), "secret in stdout: %s", r->out);
	ck_assert_msg(!strstr(r->err, secret), "secret in stderr: %s", r->err);
}

static int one_line(const char *s)
{
	const char *nl = strchr(s, '\n');

	return nl && nl[1] == 0;
}

static const struct {
	const char *name, *opt, *val;   /* val: a samples/bitlocker file for key files */
	const char *protector;          /* the type it opens */
	int is_file;
} cases[] = {
	{ "recovery_password", "--recovery-password", RP, "recovery password", 0 },
	{ "aes-xts_128", "--password", PW, "password", 0 },
	{ "startup_key", "--key-file", "bitlocker/startup_key.bek", "startup key", 1 },
	{ "recovery_key", "--key-file", "bitlocker/recovery_key.bek", "startup key", 1 },
};

/* Each sample unlocks with its secret; info shows the metadata and the
 * NTFS volume inside (its boot sector decrypts to "NTFS"); the samples are
 * trimmed copies (only the first 32 KiB and a few metadata blocks are
 * kept), so the $MFT is not there to mount: that is the error shown. */
START_TEST(test_sample_unlocks)
{
	char *img = unpack(cases[_i].name), *val;
	struct tu_run r;
	json_t *doc, *vol, *b, *p;
	char before[65], after[65];
	size_t k;
	int seen = 0;

	if (!img)
		return;
	val = cases[_i].is_file ? tu_sample(cases[_i].val) : strdup(cases[_i].val);
	ck_assert_ptr_nonnull(val);
	ck_assert_int_eq(tu_sha256_file(img, before), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--format", "json", cases[_i].opt,
				      val, img, NULL), 0);
	ck_assert_msg(r.status == 0, "%s: exit %d: %s", cases[_i].name, r.status, r.err);
	no_secret_in(&r, cases[_i].val);
	doc = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	vol = json_array_get(json_object_get(doc, "volumes"), 0);
	b = json_object_get(vol, "bitlocker");
	ck_assert_ptr_nonnull(b);
	ck_assert(json_is_true(json_object_get(b, "unlocked")));
	ck_assert_str_eq(json_string_value(json_object_get(b, "encryption_method")),
			 "AES-XTS 128-bit");
	ck_assert_str_eq(json_string_value(json_object_get(b, "description")),
			 "DESKTOP-QNI1MMF TestVolume 10/8/2021");
	ck_assert_str_eq(json_string_value(json_object_get(b, "state")), "fully encrypted");
	json_array_foreach(json_object_get(b, "protectors"), k, p) {
		ck_assert_int_eq(strlen(json_string_value(json_object_get(p, "id"))), 36);
		if (strcmp(json_string_value(json_object_get(p, "type")),
			   cases[_i].protector) == 0)
			seen = 1;
	}
	ck_assert_msg(seen, "%s: no %s protector listed", cases[_i].name, cases[_i].protector);
	ck_assert_str_eq(json_string_value(json_object_get(vol, "filesystem")), "ntfs");
	ck_assert_msg(strstr(json_string_value(json_object_get(vol, "error")), "$MFT"),
		      "%s", r.out);
	json_decref(doc);
	tu_run_free(&r);

	/* scan reaches the NTFS volume too, and says there is no Windows
	 * on it (and why: the trimmed $MFT), in one line */
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", cases[_i].opt, val, img, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(one_line(r.err) && strstr(r.err, "no Windows volume") &&
		      strstr(r.err, "BitLocker unlocked") && strstr(r.err, "$MFT") &&
		      !strstr(r.err, " locked"), "%s", r.err);
	no_secret_in(&r, cases[_i].val);
	tu_run_free(&r);
	/* the source is left as it was */
	ck_assert_int_eq(tu_sha256_file(img, after), 0);
	ck_assert_str_eq(before, after);
	free(val);
	free(img);
}
END_TEST

/* The decrypted view read in process: the boot sector is NTFS, and the
 * --fvek path is not needed for that (recovery password). */
START_TEST(test_decrypted_boot_sector)
{
	char *img = unpack("recovery_password");
	struct image *outer = NULL, *inner = NULL;
	struct bde_info bi;
	struct err err;
	uint8_t boot[512];

	if (!img)
		return;
	err_init(&err);
	bde_secrets_clear();
	ck_assert_int_eq(bde_secret_set(BDE_RECOVERY_PASSWORD, RP, 0, &err), 0);
	ck_assert_int_eq(image_open(&outer, img, &err), 0);
	ck_assert_msg(bde_open(&inner, &bi, outer, 0, image_size(outer), &err) == 0,
		      "%s", err.msg);
	ck_assert_str_eq(image_format(inner), "bitlocker");
	ck_assert_int_eq(bi.size, 65994240);
	ck_assert_int_eq(image_read(inner, 0, boot, sizeof(boot), &err), 0);
	ck_assert(memcmp(boot + 3, "NTFS    ", 8) == 0);
	ck_assert_int_eq(boot[510], 0x55);
	ck_assert_int_eq(boot[511], 0xaa);
	image_free(inner);
	image_free(outer);
	bde_secrets_clear();
	free(img);
}
END_TEST

/* No secret, or the wrong one: exit 2, one line naming the protectors
 * and the options that would open the volume; the wrong secret is not in
 * any output. */
START_TEST(test_locked)
{
	char *img = unpack("recovery_password");
	struct tu_run r;

	if (!img)
		return;
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", img, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(one_line(r.err), "%s", r.err);
	ck_assert_msg(strstr(r.err, "no secret given") &&
		      strstr(r.err, "protectors: recovery password, password") &&
		      strstr(r.err, "--recovery-password or --password"), "%s", r.err);
	tu_run_free(&r);

	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--password", "Wr0ngSecret!", img, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(one_line(r.err) && strstr(r.err, "does not open it"), "%s", r.err);
	ck_assert_msg(strstr(r.out, "protector: recovery password {3c116b76-c67b-484e-b439-ce2ed68b561e}"),
		      "%s", r.out);
	no_secret_in(&r, "Wr0ngSecret!");
	tu_run_free(&r);

	/* a well-formed recovery password that is not this volume's */
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--recovery-password",
				      "111111-596541-514998-422114-660297-261613-215424-199408",
				      img, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "does not open it"), "%s", r.err);
	no_secret_in(&r, "111111-596541");
	tu_run_free(&r);
	free(img);
}
END_TEST

/* The secret from a file and from the environment. */
START_TEST(test_secret_sources)
{
	char *img = unpack("aes-xts_128"), *dir, *pwf = NULL;
	struct tu_run r;

	if (!img)
		return;
	dir = tu_tmpdir("bde-pwfile");
	ck_assert_int_ge(asprintf(&pwf, "%s/pw.txt", dir), 0);
	ck_assert_int_eq(tu_write_file(pwf, PW "\n", strlen(PW) + 1), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--password-file", pwf, img, NULL), 0);
	ck_assert_msg(r.status == 0 && strstr(r.out, "unlocked"), "%d %s", r.status, r.err);
	no_secret_in(&r, PW);
	tu_run_free(&r);
	setenv("VSSD_PASSWORD", PW, 1);
	ck_assert_int_eq(tu_vssdoctor(&r, "info", img, NULL), 0);
	unsetenv("VSSD_PASSWORD");
	ck_assert_msg(r.status == 0 && strstr(r.out, "unlocked"), "%d %s", r.status, r.err);
	no_secret_in(&r, PW);
	tu_run_free(&r);
	free(pwf);
	free(dir);
	free(img);
}
END_TEST

/* suspended.bin (clear key): libbde 20190102 cannot read its metadata
 * version; from a raw file dislocker opens it with no secret; inside a
 * VHDX (dislocker reads only files) the limit is one line with the way
 * around it. */
START_TEST(test_suspended)
{
	char *img = unpack("suspended"), *vhdx, *stem = NULL;
	struct tu_run r;

	if (!img)
		return;
	ck_assert_int_eq(tu_vssdoctor(&r, "info", img, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, "unlocked") && strstr(r.out, "protector: clear key") &&
		      strstr(r.out, "ntfs"), "%s", r.out);
	/* method and volume id read from the FVE metadata header, though
	 * dislocker (not libbde) opened it */
	ck_assert_msg(strstr(r.out, "BitLocker: AES-XTS 128-bit, volume 2d07ad36-") &&
		      !strstr(r.out, "volume ?"), "%s", r.out);
	tu_run_free(&r);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", img, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(one_line(r.err) && strstr(r.err, "no Windows volume") &&
		      strstr(r.err, "BitLocker unlocked") && strstr(r.err, "$MFT") &&
		      !strstr(r.err, " locked"), "%s", r.err);
	tu_run_free(&r);

	ck_assert_int_ge(asprintf(&stem, "%s-w", img), 0);
	vhdx = tu_wrap(tu_format_named("vhdx-dynamic"), img, stem);
	free(stem);
	ck_assert_ptr_nonnull(vhdx);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", vhdx, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(one_line(r.err) && strstr(r.err, "libbde 20190102 does not read") &&
		      strstr(r.err, "dislocker"), "%s", r.err);
	tu_run_free(&r);
	free(vhdx);
	free(img);
}
END_TEST

/* The key file from VSSD_KEY_FILE opens its volume; another volume's key
 * file is a locked volume: exit 2, one line naming the protectors. */
START_TEST(test_key_file_env)
{
	char *img = unpack("startup_key"), *bek, *other;
	struct tu_run r;

	if (!img)
		return;
	bek = tu_sample("bitlocker/startup_key.bek");
	other = tu_sample("bitlocker/recovery_key.bek");
	ck_assert_ptr_nonnull(bek);
	ck_assert_ptr_nonnull(other);
	setenv("VSSD_KEY_FILE", bek, 1);
	ck_assert_int_eq(tu_vssdoctor(&r, "info", img, NULL), 0);
	unsetenv("VSSD_KEY_FILE");
	ck_assert_msg(r.status == 0 && strstr(r.out, "unlocked"), "exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--key-file", other, img, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(one_line(r.err) && strstr(r.err, "does not open it") &&
		      strstr(r.err, "startup key"), "%s", r.err);
	tu_run_free(&r);
	free(other);
	free(bek);
	free(img);
}
END_TEST

START_TEST(test_recovery_password_shape)
{
	struct err err;
	struct tu_run r;

	err_init(&err);
	ck_assert_int_eq(bde_recovery_password_check(RP, &err), 0);
	ck_assert_int_eq(bde_recovery_password_check(
		"284867-596541-514998-422114-660297-261613-215424", &err), -E_USAGE);
	ck_assert_int_eq(bde_recovery_password_check(
		"284868-596541-514998-422114-660297-261613-215424-199408", &err), -E_USAGE);
	ck_assert_msg(strstr(err.msg, "group 1") && !strstr(err.msg, "284868"), "%s", err.msg);
	/* 720896 = 65536 * 11: divisible by 11 but too large */
	ck_assert_int_eq(bde_recovery_password_check(
		"720896-596541-514998-422114-660297-261613-215424-199408", &err), -E_USAGE);
	ck_assert_int_eq(bde_recovery_password_check(
		"284867-596541-514998-422114-660297-261613-215424-1994080", &err), -E_USAGE);
	ck_assert_int_eq(bde_recovery_password_check(
		"284867 596541-514998-422114-660297-261613-215424-199408", &err), -E_USAGE);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--recovery-password",
				      "284868-596541-514998-422114-660297-261613-215424-199408",
				      "/nonexistent", NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "group 1"), "%s", r.err);
	no_secret_in(&r, "284868");
	tu_run_free(&r);
	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--fvek", "00zz", "/nonexistent", NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "--fvek") && !strstr(r.err, "00zz"), "%s", r.err);
	tu_run_free(&r);
}
END_TEST

/* Damaged metadata: truncated, metadata offsets pointing far away or at
 * garbage; one line, exit 2, no crash. */
START_TEST(test_hostile_metadata)
{
	static const char *const mutate[] = {
		"truncate -s 65536 \"$F\"",
		/* the three FVE metadata offsets (0xb0, 0xb8, 0xc0) huge */
		"printf '\\377\\377\\377\\377\\377\\377\\377\\177' | dd of=\"$F\" bs=1 seek=176 conv=notrunc 2>/dev/null && "
		"printf '\\377\\377\\377\\377\\377\\377\\377\\177' | dd of=\"$F\" bs=1 seek=184 conv=notrunc 2>/dev/null && "
		"printf '\\377\\377\\377\\377\\377\\377\\377\\177' | dd of=\"$F\" bs=1 seek=192 conv=notrunc 2>/dev/null",
		/* the metadata blocks overwritten with 0xff */
		"for o in 35586048 43278336 50966528; do head -c 65536 /dev/zero | tr '\\0' '\\377' | dd of=\"$F\" bs=1 seek=$o conv=notrunc 2>/dev/null; done",
	};
	char *img = unpack("recovery_password");
	struct tu_run r;
	size_t i;

	if (!img)
		return;
	for (i = 0; i < sizeof(mutate) / sizeof(mutate[0]); i++) {
		char *copy = NULL;

		ck_assert_int_ge(asprintf(&copy, "%s.m%zu", img, i), 0);
		ck_assert_int_eq(tu_sh("cp '%s' '%s'", img, copy), 0);
		ck_assert_int_eq(tu_sh("F='%s'; %s", copy, mutate[i]), 0);
		ck_assert_int_eq(tu_vssdoctor(&r, "info", "--recovery-password", RP, copy, NULL), 0);
		ck_assert_msg(r.status == 2, "mutation %zu: exit %d %s", i, r.status, r.err);
		ck_assert_msg(one_line(r.err), "mutation %zu: %s", i, r.err);
		no_secret_in(&r, RP);
		tu_run_free(&r);
		free(copy);
	}
	free(img);
}
END_TEST

/* ---- mkbde: scenario volumes wrapped in BitLocker (AES-XTS 128, a
 * recovery password protector) by the testdata writer ---- */

#define MK_RP "111111-222222-333333-444444-555555-666666-000000-123453"

/* the volumes the other writer cases wrap: healthy, and cause 1 broken */
static const char *const scen[] = {
	"size 24M\nos 2012r2\n",
	"size 24M\nos 2012r2\nbreak cause1\n",
};

/* The report without what legitimately differs between a plain and a
 * BitLocker source: the path, container format and size, the timing, and
 * each volume's size and file system ("bitlocker" against "ntfs"); the
 * rest (the volume judged, its letter, the Windows folder, every cause and
 * finding with its status, evidence and fix, the warnings) stays. */
static json_t *report(const char *img, const char *opt, const char *val, int *status)
{
	struct tu_run r;
	json_t *d, *src, *v;
	size_t i;

	if (opt)
		tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"),
			     opt, val, img, NULL);
	else
		tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"),
			     img, NULL);
	*status = r.status;
	if (opt)
		no_secret_in(&r, val);
	d = json_loads(r.out, 0, NULL);
	if (d) {
		int bde = 0;

		json_object_del(d, "timing_ms");
		src = json_object_get(d, "source");
		json_object_del(src, "path");
		json_object_del(src, "format");
		json_object_del(src, "size");
		json_array_foreach(json_object_get(src, "volumes"), i, v) {
			const char *fs = json_string_value(json_object_get(v, "filesystem"));

			bde |= fs && strcmp(fs, "bitlocker") == 0;
			json_object_del(v, "size");
			json_object_del(v, "filesystem");
		}
		/* the BitLocker source was read as one (not as the plain volume) */
		ck_assert_msg(bde == (opt != NULL), "%s: %s BitLocker volume", img, bde ? "a" : "no");
	}
	tu_run_free(&r);
	return d;
}

/* A scenario volume in dir: plain and BitLocker volume files. */
static void make_pair_text(const char *dir, const char *text, char **plain, char **enc)
{
	struct err err;

	err_init(&err);
	ck_assert_int_ge(asprintf(plain, "%s/s.img", dir), 0);
	ck_assert_int_ge(asprintf(enc, "%s/s.bde", dir), 0);
	ck_assert_msg(scenario_build(text, *plain, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tu_sh("'%s/mkbde' --volume '%s' --out '%s' --recovery-password %s",
			       tu_env("VSSD_TOOLS"), *plain, *enc, MK_RP), 0);
}

static void make_pair(const char *dir, unsigned i, char **plain, char **enc)
{
	make_pair_text(dir, scen[i], plain, enc);
}

/* make_pair, and a copy of the plain volume encrypted up to its first
 * bytes (a decimal count) only: part.bde (malloc'd). */
static char *make_partial(const char *dir, unsigned i, char **plain, char **enc, const char *bytes)
{
	char *part = NULL;

	make_pair(dir, i, plain, enc);
	ck_assert_int_ge(asprintf(&part, "%s/part.bde", dir), 0);
	ck_assert_int_eq(tu_sh("'%s/mkbde' --volume '%s' --out '%s' --recovery-password %s --encrypted-bytes %s",
			       tu_env("VSSD_TOOLS"), *plain, part, MK_RP, bytes), 0);
	return part;
}

/* Remove dir and free what make_partial gave. */
static void drop_partial(char *dir, char *plain, char *enc, char *part)
{
	tu_sh("rm -rf '%s'", dir);
	free(part);
	free(plain);
	free(enc);
	free(dir);
}

static void same_report(const char *a, const char *b, const char *what)
{
	json_t *want, *got;
	int sa, sb;

	want = report(a, NULL, NULL, &sa);
	got = report(b, "--recovery-password", MK_RP, &sb);
	ck_assert_msg(want && got, "%s: exit %d / %d", what, sa, sb);
	ck_assert_msg(sa == sb, "%s: exit %d plain, %d through BitLocker", what, sa, sb);
	if (!json_equal(want, got)) {
		char *x = json_dumps(want, JSON_COMPACT), *y = json_dumps(got, JSON_COMPACT);
		size_t k = 0;

		while (x[k] && x[k] == y[k])
			k++;
		ck_abort_msg("%s: BitLocker report differs at byte %zu:\n  plain ...%.200s\n  bde   ...%.200s",
			     what, k, x + (k > 60 ? k - 60 : 0), y + (k > 60 ? k - 60 : 0));
	}
	json_decref(want);
	json_decref(got);
}

/* The scenario's text at the size it is judged at through BitLocker: its
 * own, else 24 MiB (mkbde encrypts every byte; the verdicts do not
 * depend on the free space). */
static char *sized(const char *text)
{
	char *t = NULL;

	if (strncmp(text, "size ", 5) == 0 || strstr(text, "\nsize "))
		t = strdup(text);
	else
		ck_assert_int_ge(asprintf(&t, "size 24M\n%s", text), 0);
	ck_assert_ptr_nonnull(t);
	return t;
}

/* The disk a scenario is judged in (testutil.h: struct tu_scenario),
 * holding vol; returns the disk's path (malloc'd), or vol's copy for a
 * bare volume. */
static char *in_disk(const struct tu_scenario *sc, const char *vol, const char *data,
		     const char *out)
{
	char *disk = NULL;

	if (sc->disk && strcmp(sc->disk, "bare") == 0)
		return strdup(vol);
	ck_assert_int_ge(asprintf(&disk, "%s.raw", out), 0);
	ck_assert_msg(tu_sh("'%s/mkdisk' %s %s%s%s --volume '%s' --out '%s' >/dev/null",
			    tu_env("VSSD_TOOLS"), sc->disk ? sc->disk : "--gpt --before-mib 100",
			    data ? "--data-volume '" : "", data ? data : "", data ? "'" : "",
			    vol, disk) == 0, "%s: mkdisk %s", sc->name, sc->disk);
	return disk;
}

/* path's size and modification and change times are still st's */
static void unchanged(const char *path, const struct stat *st)
{
	struct stat now;

	ck_assert_int_eq(stat(path, &now), 0);
	ck_assert_msg(now.st_size == st->st_size &&
		      now.st_mtim.tv_sec == st->st_mtim.tv_sec && now.st_mtim.tv_nsec == st->st_mtim.tv_nsec &&
		      now.st_ctim.tv_sec == st->st_ctim.tv_sec && now.st_ctim.tv_nsec == st->st_ctim.tv_nsec,
		      "%s was changed", path);
}

/* Every scenario the end-to-end suites build (tu_scenarios): the scan
 * through BitLocker (mkbde: AES-XTS 128, a recovery password protector)
 * gives the plain image's report (the volume judged, the Windows folder,
 * the drive letters, every cause and finding with its status, evidence
 * and fix, the warnings) and exit status, in the disk the suite judges it
 * in as a raw file and as a dynamic VHDX; the source is not changed. */
START_TEST(test_scenario_through_bitlocker)
{
	const struct tu_scenario *sc = &tu_scenarios[_i];
	char *dir = tu_tmpdir("bde-scen"), *text = sized(sc->text), *plain, *enc;
	char *data = NULL, *p, *e, *vhdx = NULL, *what = NULL;
	struct stat before[2];
	struct err err;

	make_pair_text(dir, text, &plain, &enc);
	if (sc->data) {
		err_init(&err);
		ck_assert_int_ge(asprintf(&data, "%s/data.img", dir), 0);
		ck_assert_msg(ntfs_builder_run_spec(data, sc->data, NULL, &err) == 0, "%s", err.msg);
	}
	p = in_disk(sc, plain, data, plain);
	e = in_disk(sc, enc, data, enc);
	ck_assert_int_ge(asprintf(&vhdx, "%s.vhdx", e), 0);
	ck_assert_int_eq(tu_sh("qemu-img convert -q -f raw -O vhdx -o subformat=dynamic '%s' '%s'",
			       e, vhdx), 0);
	ck_assert_int_eq(stat(e, &before[0]), 0);
	ck_assert_int_eq(stat(vhdx, &before[1]), 0);
	ck_assert_int_ge(asprintf(&what, "%s (raw)", sc->name), 0);
	same_report(p, e, what);
	free(what);
	ck_assert_int_ge(asprintf(&what, "%s (VHDX)", sc->name), 0);
	same_report(p, vhdx, what);
	/* nothing written to either source (a SHA-256 of each would double
	 * this case's time; test_sample_unlocks hashes) */
	unchanged(e, &before[0]);
	unchanged(vhdx, &before[1]);
	tu_sh("rm -rf '%s'", dir);
	free(what);
	free(vhdx);
	free(p);
	free(e);
	free(data);
	free(plain);
	free(enc);
	free(text);
	free(dir);
}
END_TEST

/* mkbde's volume of plain written to out, its FVEK (64 hex digits)
 * into fvek. */
static void make_with_fvek(const char *plain, const char *out, char fvek[65])
{
	char cmd[1024], line[200] = "", *nl;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s/mkbde' --volume '%s' --out '%s' --recovery-password %s --print-fvek",
		 tu_env("VSSD_TOOLS"), plain, out, MK_RP);
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	if ((nl = strchr(line, '\n')))
		*nl = 0;
	ck_assert_int_eq(strlen(line), 64);
	memcpy(fvek, line, 65);
}

/* --fvek (what mkbde --print-fvek gives, key and tweak key in one) opens
 * the volume with no protector secret; a wrong FVEK, or another volume's
 * recovery password, is a locked volume: exit 2, one line, the key not in
 * it. */
START_TEST(test_fvek)
{
	char *dir = tu_tmpdir("bde-fvek"), *plain, *enc, *enc2 = NULL, *fvek, *bad;
	struct tu_run r;
	char key[65];

	make_pair(dir, 0, &plain, &enc);
	/* the key of another run of mkbde on the same volume */
	ck_assert_int_ge(asprintf(&enc2, "%s.2", enc), 0);
	make_with_fvek(plain, enc2, key);
	free(enc2);
	fvek = strdup(key);
	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--format", "json", "--fvek", fvek, enc, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.out, "\"ntfs\""), "%s", r.out);
	no_secret_in(&r, fvek);
	tu_run_free(&r);
	bad = strdup(fvek);
	bad[0] = bad[0] == '0' ? '1' : '0';
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--fvek", bad, enc, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(one_line(r.err) && strstr(r.err, "--fvek") && strstr(r.err, "locked"),
		      "%s", r.err);
	no_secret_in(&r, bad);
	no_secret_in(&r, fvek);
	tu_run_free(&r);
	/* info with the wrong FVEK still shows the metadata (libbde could not
	 * open the volume with that key: it is read again with none) */
	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--fvek", bad, enc, NULL), 0);
	ck_assert_msg(strstr(r.out, "AES-XTS 128-bit") && strstr(r.out, "recovery password") &&
		      !strstr(r.out, "volume ?") && strstr(r.out, "locked"), "%s", r.out);
	no_secret_in(&r, bad);
	tu_run_free(&r);
	/* a well-formed recovery password that is not this volume's: the
	 * AES-CCM tag does not match, locked, exit 2, one line */
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--recovery-password", RP, enc, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(one_line(r.err) && strstr(r.err, "does not open it") &&
		      strstr(r.err, "recovery password"), "%s", r.err);
	no_secret_in(&r, RP);
	tu_run_free(&r);
	tu_sh("rm -rf '%s'", dir);
	free(bad);
	free(fvek);
	free(plain);
	free(enc);
	free(dir);
}
END_TEST

/* Every way to give a secret: the option, --OPTION-file (its first line)
 * and the VSSD_* variable, for the recovery password and the FVEK, each
 * for info and for scan: the volume opens (info: unlocked; scan: the
 * plain volume's verdict); the secret is in no output; nothing is
 * written beside the source or into TMPDIR (no decrypted copy). */
static const struct secret_form {
	const char *opt;        /* NULL: the environment variable */
	const char *env;
	int fvek;               /* the secret is the FVEK, not the password */
} forms[] = {
	{ "--recovery-password", NULL, 0 },
	{ "--recovery-password-file", NULL, 0 },
	{ NULL, "VSSD_RECOVERY_PASSWORD", 0 },
	{ "--fvek", NULL, 1 },
	{ "--fvek-file", NULL, 1 },
	{ NULL, "VSSD_FVEK", 1 },
};

/* The files in dir and in tmp, with sizes and modification times, and
 * the two folders' own (a file made and removed again) (malloc'd). */
static char *listing(const char *dir, const char *tmp)
{
	char *path = NULL, *text;

	ck_assert_int_ge(asprintf(&path, "%s.ls", dir), 0);
	/* not ls's "total" line: the blocks a file just written holds change
	 * as the filesystem settles its allocation (seen: 27412 then 27408) */
	ck_assert_int_eq(tu_sh("ls -lA --time-style=+%%s '%s' '%s' | grep -v '^total ' > '%s' && "
			       "stat -c '%%n %%Y' '%s' '%s' >> '%s'", dir, tmp, path, dir, tmp, path), 0);
	text = tu_read_file(path, NULL);
	ck_assert_ptr_nonnull(text);
	unlink(path);
	free(path);
	return text;
}

START_TEST(test_secret_forms)
{
	const struct secret_form *f = &forms[_i];
	char *dir = tu_tmpdir("bde-forms"), *plain, *enc, *file = NULL, *tmp = NULL;
	char fvek[65], *before, *after;
	const char *secret, *val;
	struct tu_run r;
	unsigned cmd;
	int plain_status;

	make_pair(dir, 0, &plain, &enc);
	make_with_fvek(plain, enc, fvek);
	secret = f->fvek ? fvek : MK_RP;
	val = secret;
	if (f->opt && strstr(f->opt, "-file")) {
		ck_assert_int_ge(asprintf(&file, "%s/secret.txt", dir), 0);
		ck_assert_int_eq(tu_sh("printf '%%s\\n' '%s' > '%s'", secret, file), 0);
		val = file;
	}
	ck_assert_int_ge(asprintf(&tmp, "%s/tmp", dir), 0);
	ck_assert_int_eq(tu_sh("mkdir '%s'", tmp), 0);
	/* the scan's verdict: the plain volume's (no logs: exit 3) */
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), plain, NULL), 0);
	plain_status = r.status;
	tu_run_free(&r);
	before = listing(dir, tmp);
	setenv("TMPDIR", tmp, 1);
	for (cmd = 0; cmd < 2; cmd++) {
		const char *a[7] = { cmd ? "scan" : "info" };
		unsigned n = 1;

		if (cmd) {
			a[n++] = "--rules";
			a[n++] = tu_env("VSSD_RULES");
		}
		if (f->opt) {
			a[n++] = f->opt;
			a[n++] = val;
		}
		a[n] = enc;
		if (f->env)
			setenv(f->env, secret, 1);
		ck_assert_int_eq(tu_vssdoctor(&r, a[0], a[1], a[2], a[3], a[4], a[5], a[6], NULL), 0);
		if (f->env)
			unsetenv(f->env);
		ck_assert_msg(r.status == (cmd ? plain_status : 0), "%s %s: exit %d: %s", a[0],
			      f->opt ? f->opt : f->env, r.status, r.err);
		if (!cmd)
			ck_assert_msg(strstr(r.out, "unlocked") && strstr(r.out, "ntfs"), "%s", r.out);
		else
			ck_assert_msg(strstr(r.out, "Windows Server 2012 R2"), "%s", r.out);
		no_secret_in(&r, secret);
		tu_run_free(&r);
	}
	unsetenv("TMPDIR");
	after = listing(dir, tmp);
	ck_assert_msg(strcmp(before, after) == 0,
		      "files written beside the source or in TMPDIR:\n%s\n-- now --\n%s", before, after);
	tu_sh("rm -rf '%s'", dir);
	free(before);
	free(after);
	free(tmp);
	free(file);
	free(plain);
	free(enc);
	free(dir);
}
END_TEST

/* A partly unreadable BitLocker volume (a read error injected at a
 * quarter, half and three quarters of it): the scan goes on where it can,
 * and its report (checks whose data is unreadable: unknown) and exit
 * status are the plain image's with the same bytes unreadable; never the
 * exit 2 of a source that cannot be read at all. */
START_TEST(test_unreadable_part)
{
	char *dir = tu_tmpdir("bde-unread"), *plain, *enc, off[32];
	struct stat st;
	unsigned q;

	make_pair(dir, 1, &plain, &enc);
	ck_assert_int_eq(stat(plain, &st), 0);
	for (q = 1; q <= 3; q++) {
		json_t *want, *got;
		int sa, sb;

		snprintf(off, sizeof(off), "%lld", (long long)(st.st_size / 4 * q));
		setenv("VSSD_FAULT_READ_OFFSET", off, 1);
		want = report(plain, NULL, NULL, &sa);
		got = report(enc, "--recovery-password", MK_RP, &sb);
		unsetenv("VSSD_FAULT_READ_OFFSET");
		ck_assert_msg(want && got, "fault at %s: exit %d / %d", off, sa, sb);
		ck_assert_msg(sb != 2 && sa == sb, "fault at %s: plain exit %d, BitLocker exit %d",
			      off, sa, sb);
		ck_assert_msg(json_equal(want, got), "fault at %s: reports differ", off);
		json_decref(want);
		json_decref(got);
	}
	tu_sh("rm -rf '%s'", dir);
	free(plain);
	free(enc);
	free(dir);
}
END_TEST

/* mkbde's volumes are well-formed for the other BitLocker reader too:
 * dislocker checks each FVE metadata block's CRC32 (the validation after
 * it) and decrypts the volume to the plain image's bytes.  Skips, saying
 * so, where dislocker-file is not installed. */
START_TEST(test_dislocker_reads_mkbde)
{
	char *dir, *plain, *enc, *dec = NULL;
	struct stat st;

	if (tu_sh("command -v dislocker-file >/dev/null 2>&1") != 0) {
		fprintf(stderr, "check_bde: dislocker-file not installed: skipped\n");
		return;
	}
	dir = tu_tmpdir("bde-dislocker");
	make_pair(dir, 0, &plain, &enc);
	ck_assert_int_ge(asprintf(&dec, "%s/dec.img", dir), 0);
	ck_assert_int_eq(stat(plain, &st), 0);
	ck_assert_msg(tu_sh("dislocker-file -V '%s' -p%s -- '%s' >'%s.log' 2>&1",
			    enc, MK_RP, dec, dec) == 0, "dislocker-file failed (see %s.log)", dec);
	ck_assert_msg(tu_sh("cmp -n %lld '%s' '%s'", (long long)st.st_size, plain, dec) == 0,
		      "dislocker's decryption of %s differs from the plain image", enc);
	tu_sh("rm -rf '%s'", dir);
	free(dec);
	free(plain);
	free(enc);
	free(dir);
}
END_TEST

/* A partly encrypted volume (a decryption Windows paused half way: the
 * first 12 MiB encrypted, the rest clear): info names the state and how
 * much is encrypted; the scan reads both parts and gives the plain
 * image's report.  A fully encrypted one says so. */
START_TEST(test_partial)
{
	char *dir = tu_tmpdir("bde-partial"), *plain, *enc, *part = NULL;
	struct tu_run r;
	json_t *doc, *b;

	part = make_partial(dir, 1, &plain, &enc, "12582912");
	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--format", "json", "--recovery-password",
				      MK_RP, part, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	doc = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	b = json_object_get(json_array_get(json_object_get(doc, "volumes"), 0), "bitlocker");
	ck_assert_str_eq(json_string_value(json_object_get(b, "state")), "decryption paused");
	ck_assert(json_is_true(json_object_get(b, "partially_encrypted")));
	ck_assert_int_eq(json_integer_value(json_object_get(b, "encrypted_bytes")), 12582912);
	json_decref(doc);
	tu_run_free(&r);
	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--recovery-password", MK_RP, part, NULL), 0);
	ck_assert_msg(strstr(r.out, "state: decryption paused (partly encrypted"), "%s", r.out);
	tu_run_free(&r);
	same_report(plain, part, "partly encrypted");

	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--format", "json", enc, NULL), 0);
	ck_assert_int_eq(r.status, 2);           /* locked, but the state is read */
	doc = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(doc);
	b = json_object_get(json_array_get(json_object_get(doc, "volumes"), 0), "bitlocker");
	ck_assert_str_eq(json_string_value(json_object_get(b, "state")), "fully encrypted");
	ck_assert(json_is_false(json_object_get(b, "partially_encrypted")));
	json_decref(doc);
	tu_run_free(&r);
	drop_partial(dir, plain, enc, part);
}
END_TEST

/* The decrypted view is the plain volume, byte for byte, read in whole
 * MiB and at odd offsets, for a fully and a partly encrypted volume, both
 * through vssdoctor's own AES-XTS path and through libbde's reads
 * (VSSD_BDE_LIBBDE_READ=1): the two decryptions agree. */
START_TEST(test_decrypted_equals_plain)
{
	char *dir = tu_tmpdir("bde-bytes"), *plain, *enc, *part = NULL;
	const char *imgs[2];
	unsigned k, path;

	part = make_partial(dir, 0, &plain, &enc, "5000192");
	imgs[0] = enc;
	imgs[1] = part;
	for (path = 0; path < 2; path++) {
		if (path)
			setenv("VSSD_BDE_LIBBDE_READ", "1", 1);
		for (k = 0; k < 2; k++) {
			struct image *p = NULL, *o = NULL, *in = NULL;
			struct err err;
			uint64_t off, size;
			static uint8_t a[1 << 20], b[1 << 20];

			err_init(&err);
			bde_secrets_clear();
			ck_assert_int_eq(bde_secret_set(BDE_RECOVERY_PASSWORD, MK_RP, 0, &err), 0);
			ck_assert_int_eq(image_open(&p, plain, &err), 0);
			ck_assert_int_eq(image_open(&o, imgs[k], &err), 0);
			ck_assert_msg(bde_open(&in, NULL, o, 0, image_size(o), &err) == 0, "%s", err.msg);
			/* libbde sizes the view by the NTFS boot sector's sector
			 * count: the backup boot sector behind it is not in it */
			size = image_size(p);
			ck_assert_uint_ge(image_size(in), size - 512);
			if (size > image_size(in))
				size = image_size(in);
			for (off = 0; off < size; off += sizeof(a)) {
				size_t n = size - off < sizeof(a) ? (size_t)(size - off) : sizeof(a);

				ck_assert_int_eq(image_read(p, off, a, n, &err), 0);
				ck_assert_msg(image_read(in, off, b, n, &err) == 0, "%s", err.msg);
				ck_assert_msg(memcmp(a, b, n) == 0, "%s (%s): differs in the MiB at %llu",
					      imgs[k], path ? "libbde" : "own", (unsigned long long)off);
			}
			/* odd offsets and lengths: across the relocated first
			 * sectors, a sector boundary, the clear part's start */
			{
				static const uint64_t at[] = { 0, 1, 8191, 8190, 511, 5000000, 5000191, 12345677 };
				unsigned q;

				for (q = 0; q < sizeof(at) / sizeof(at[0]); q++) {
					ck_assert_int_eq(image_read(p, at[q], a, 1001, &err), 0);
					ck_assert_int_eq(image_read(in, at[q], b, 1001, &err), 0);
					ck_assert_msg(memcmp(a, b, 1001) == 0, "%s (%s): differs at %llu",
						      imgs[k], path ? "libbde" : "own", (unsigned long long)at[q]);
				}
			}
			image_free(in);
			image_free(o);
			image_free(p);
		}
	}
	unsetenv("VSSD_BDE_LIBBDE_READ");
	bde_secrets_clear();
	drop_partial(dir, plain, enc, part);
}
END_TEST

/* mkbde's metadata damaged where vssdoctor reads it itself (the state,
 * the recovery password unwrap, the geometry of its own decryption): in
 * all three copies; every result is a verdict or one line with exit 2,
 * no crash (the ASan build runs this too), the password not printed. */
START_TEST(test_hostile_writer_metadata)
{
	static const struct { unsigned at; const char *bytes; } patch[] = {
		{ 0x40, "\\377\\377\\000\\000" },                       /* metadata size */
		{ 0x1c, "\\377\\377\\377\\177" },                       /* header sectors */
		{ 0x38, "\\377\\377\\377\\377\\377\\377\\377\\177" },   /* header offset */
		{ 0x10, "\\000\\000\\000\\000\\000\\000\\000\\000" },   /* encrypted size */
		{ 0x10, "\\000\\002\\000\\000\\000\\000\\000\\000" },   /* encrypted: 512 B */
		{ 0x70, "\\000\\010" },                                 /* first entry size */
		{ 0x70, "\\010\\000" },                                 /* first entry: 8 */
		{ 0x0a, "\\001\\000" },                                 /* version 1 */
		{ 0xd0, "\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377\\377" },
		{ 0x100, "\\040\\000" },                                /* an entry's size */
		{ 0x140, "\\377\\377\\377\\377\\377\\377\\377\\377" },
	};
	char *dir = tu_tmpdir("bde-hostile"), *plain, *enc, *copy = NULL;
	struct tu_run r;
	size_t i;

	make_pair(dir, 0, &plain, &enc);
	ck_assert_int_ge(asprintf(&copy, "%s/m.bde", dir), 0);
	for (i = 0; i < sizeof(patch) / sizeof(patch[0]); i++) {
		unsigned k;

		ck_assert_int_eq(tu_sh("cp '%s' '%s'", enc, copy), 0);
		for (k = 0; k < 3; k++)   /* the metadata copies: 24 MiB + k x 64 KiB */
			ck_assert_int_eq(tu_sh("printf '%s' | dd of='%s' bs=1 seek=%llu conv=notrunc 2>/dev/null",
					       patch[i].bytes, copy,
					       25165824ull + k * 65536ull + patch[i].at), 0);
		ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--recovery-password", MK_RP, copy, NULL), 0);
		ck_assert_msg(r.status >= 0 && r.status <= 3, "patch %zu: exit %d %s", i, r.status, r.err);
		if (r.status == 2)
			ck_assert_msg(one_line(r.err), "patch %zu: %s", i, r.err);
		no_secret_in(&r, MK_RP);
		tu_run_free(&r);
		ck_assert_int_eq(tu_vssdoctor(&r, "info", "--recovery-password", MK_RP, copy, NULL), 0);
		ck_assert_msg(r.status >= 0 && r.status <= 3, "patch %zu: info exit %d %s", i, r.status, r.err);
		no_secret_in(&r, MK_RP);
		tu_run_free(&r);
	}
	tu_sh("rm -rf '%s'", dir);
	free(copy);
	free(plain);
	free(enc);
	free(dir);
}
END_TEST

Suite *bde_suite(void);
Suite *bde_suite(void)
{
	Suite *s = suite_create("bde");
	TCase *tc = tcase_create("samples");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_sample_unlocks, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_decrypted_boot_sector);
	tcase_add_test(tc, test_locked);
	tcase_add_test(tc, test_secret_sources);
	tcase_add_test(tc, test_suspended);
	tcase_add_test(tc, test_key_file_env);
	tcase_add_test(tc, test_recovery_password_shape);
	tcase_add_test(tc, test_hostile_metadata);
	suite_add_tcase(s, tc);
	tc = tcase_create("writer");
	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_scenario_through_bitlocker, 0, (int)tu_nscenarios);
	tcase_add_test(tc, test_fvek);
	tcase_add_loop_test(tc, test_secret_forms, 0, (int)(sizeof(forms) / sizeof(forms[0])));
	tcase_add_test(tc, test_dislocker_reads_mkbde);
	tcase_add_test(tc, test_unreadable_part);
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_decrypted_equals_plain);
	tcase_add_test(tc, test_hostile_writer_metadata);
	suite_add_tcase(s, tc);
	return s;
}
