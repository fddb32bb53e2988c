/* `vssdoctor repair` of a BitLocker volume (issue 21): scenario volumes
 * wrapped in BitLocker by testdata/mkbde (AES-XTS 128, a recovery
 * password protector), in a GPT disk as a raw file or a dynamic VHDX,
 * fully or partly encrypted, repaired into a qcow2 overlay with the
 * recovery password or with --fvek.  TARGET is still a BitLocker volume:
 * locked without the secret, opened by libbde's bdeinfo and decrypted by
 * dislocker (when installed) to a volume whose scan finds the causes
 * absent, as does vssdoctor's own rescan through the secret; SOURCE's
 * SHA-256 is unchanged; undo gives back SOURCE's bytes.  Without the
 * secret: exit 2 and one line naming the protector and the option.  The
 * writer (bde.h) encrypts a sector as mkbde did, at mkbde's places, and
 * refuses BitLocker's own sectors, a conversion in progress and a method
 * other than AES-XTS. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bde.h"
#include "image.h"
#include "scenario.h"
#include "testutil.h"

#define MK_RP "111111-222222-333333-444444-555555-666666-000000-123453"
#define DISK_OFF 2097152u      /* mkdisk --gpt --before-mib 1: the volume's offset */

static const struct {
	const char *scenario;
	const char *const ids[3];   /* the causes it fixes */
	int fvek;                   /* 1: --fvek, else --recovery-password */
	int vhdx;                   /* 1: the disk as a dynamic VHDX */
	const char *encrypted;      /* mkbde --encrypted-bytes, or NULL */
} cases[] = {
	{ "causes23/cause3", { "cause3", NULL }, 0, 0, NULL },
	{ "cause1/broken", { "cause1", NULL }, 1, 1, NULL },
	{ "cause4/broken", { "cause4", NULL }, 0, 0, "20971520" },
};

struct bde_case {
	char *dir, *plain, *enc, *disk, *target, *journal;
	char fvek[65];
};

/* mkbde's volume of plain into out (its FVEK into fvek, 64 hex digits);
 * encrypted: --encrypted-bytes or NULL. */
static void mkbde(const char *plain, const char *out, const char *encrypted, char fvek[65])
{
	char cmd[2048], line[200] = "", *nl;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s/mkbde' --volume '%s' --out '%s' --recovery-password %s --print-fvek%s%s",
		 tu_env("VSSD_TOOLS"), plain, out, MK_RP, encrypted ? " --encrypted-bytes " : "",
		 encrypted ? encrypted : "");
	p = popen(cmd, "r");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(fgets(line, sizeof(line), p));
	ck_assert_int_eq(pclose(p), 0);
	if ((nl = strchr(line, '\n')))
		*nl = 0;
	ck_assert_int_eq(strlen(line), 64);
	memcpy(fvek, line, 65);
}

/* Case i's scenario volume, wrapped in BitLocker, in a GPT disk (raw or
 * VHDX), in a fresh folder. */
static void case_make(struct bde_case *c, unsigned i)
{
	struct err err;
	char *raw = NULL;

	memset(c, 0, sizeof(*c));
	c->dir = tu_tmpdir("repair-bde");
	if (asprintf(&c->plain, "%s/plain.img", c->dir) < 0 || asprintf(&c->enc, "%s/v.bde", c->dir) < 0 ||
	    asprintf(&raw, "%s/disk.raw", c->dir) < 0 || asprintf(&c->target, "%s/t.qcow2", c->dir) < 0 ||
	    asprintf(&c->journal, "%s.undo.json", c->target) < 0)
		abort();
	err_init(&err);
	ck_assert_msg(scenario_build(tu_scenario(cases[i].scenario), c->plain, &err) == 0, "%s", err.msg);
	mkbde(c->plain, c->enc, cases[i].encrypted, c->fvek);
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --gpt --before-mib 1 --volume '%s' --out '%s' >/dev/null",
			       tu_env("VSSD_TOOLS"), c->enc, raw), 0);
	if (cases[i].vhdx) {
		if (asprintf(&c->disk, "%s/disk.vhdx", c->dir) < 0)
			abort();
		ck_assert_int_eq(tu_sh("qemu-img convert -q -f raw -O vhdx -o subformat=dynamic '%s' '%s'",
				       raw, c->disk), 0);
		free(raw);
	} else {
		c->disk = raw;
	}
}

static void case_free(struct bde_case *c)
{
	tu_sh("rm -rf '%s'", c->dir);
	free(c->dir);
	free(c->plain);
	free(c->enc);
	free(c->disk);
	free(c->target);
	free(c->journal);
}

static void no_secret_in(const struct tu_run *r, const struct bde_case *c)
{
	ck_assert_msg(!strstr(r->out, MK_RP) && !strstr(r->err, MK_RP), "recovery password shown");
	ck_assert_msg(!strstr(r->out, c->fvek) && !strstr(r->err, c->fvek), "FVEK shown");
}

/* img scanned through the recovery password: each of ids has status want */
static void assert_through(const char *img, const char *const ids[], const char *want)
{
	struct tu_run r;
	json_t *doc;
	size_t k;

	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"),
				      "--recovery-password", MK_RP, img, NULL), 0);
	doc = json_loads(r.out, 0, NULL);
	ck_assert_msg(doc != NULL, "%s: exit %d: %s", img, r.status, r.err);
	for (k = 0; ids[k]; k++)
		ck_assert_msg(strcmp(tu_status(doc, ids[k]), want) == 0, "%s: %s %s, not %s", img,
			      ids[k], tu_status(doc, ids[k]), want);
	json_decref(doc);
	tu_run_free(&r);
}

/* TARGET for the other BitLocker readers: bdeinfo (libbde) unlocks it
 * with the recovery password, dislocker decrypts it to a volume whose
 * scan finds the causes absent (not for a partly encrypted volume:
 * dislocker-file's output stops where the encryption does).  Each skips,
 * saying so, when absent. */
static void assert_other_readers(const struct bde_case *c, const char *const ids[], int partial)
{
	char *raw = NULL, *dec = NULL;
	struct tu_run r;
	json_t *doc;
	size_t k;

	if (asprintf(&raw, "%s/t.raw", c->dir) < 0 || asprintf(&dec, "%s/dec.img", c->dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("qemu-img convert -q -O raw '%s' '%s'", c->target, raw), 0);
	if (tu_sh("command -v bdeinfo >/dev/null 2>&1") == 0)
		ck_assert_msg(tu_sh("bdeinfo -o %u -r %s '%s' >/dev/null 2>&1", DISK_OFF, MK_RP, raw) == 0,
			      "bdeinfo does not unlock the repaired %s", raw);
	else
		fprintf(stderr, "check_repair_bde: bdeinfo not installed: skipped\n");
	if (tu_sh("command -v dislocker-file >/dev/null 2>&1") != 0) {
		fprintf(stderr, "check_repair_bde: dislocker-file not installed: skipped\n");
		goto out;
	}
	if (partial)                     /* dislocker-file writes only the encrypted part */
		goto out;
	ck_assert_msg(tu_sh("dislocker-file -O %u -V '%s' -p%s -- '%s' >'%s.log' 2>&1", DISK_OFF,
			    raw, MK_RP, dec, dec) == 0, "dislocker-file failed (see %s.log)", dec);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"),
				      dec, NULL), 0);
	doc = json_loads(r.out, 0, NULL);
	ck_assert_msg(doc != NULL, "%s: exit %d: %s", dec, r.status, r.err);
	for (k = 0; ids[k]; k++)
		ck_assert_msg(strcmp(tu_status(doc, ids[k]), "absent") == 0,
			      "dislocker's decryption: %s %s", ids[k], tu_status(doc, ids[k]));
	json_decref(doc);
	tu_run_free(&r);
out:
	unlink(raw);
	unlink(dec);
	free(raw);
	free(dec);
}

/* Without the secret: exit 2, one line naming the protector and the
 * option; nothing written. */
static void assert_refused_locked(const struct bde_case *c)
{
	struct tu_run r;

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", c->target, "--rules",
				      tu_env("VSSD_RULES"), c->disk, NULL), 0);
	ck_assert_msg(r.status == 2, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "repair refused") && strstr(r.err, "BitLocker volume without its secret") &&
		      strstr(r.err, "protectors: recovery password") &&
		      strstr(r.err, "open it with --recovery-password"), "%s", r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "not one line: %s", r.err);
	ck_assert_uint_eq(r.out_len, 0);
	tu_run_free(&r);
	ck_assert_int_ne(access(c->target, F_OK), 0);
	ck_assert_int_ne(access(c->journal, F_OK), 0);
}

START_TEST(test_repair_through_bitlocker)
{
	const char *const *ids = cases[_i].ids;
	const char *opt = cases[_i].fvek ? "--fvek" : "--recovery-password";
	struct bde_case c;
	char sum0[65], sum1[65];
	struct tu_run r;
	json_t *res;

	case_make(&c, (unsigned)_i);
	ck_assert_int_eq(tu_sha256_file(c.disk, sum0), 0);
	assert_through(c.disk, ids, "present");
	assert_refused_locked(&c);

	/* the plan through the secret */
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--rules", tu_env("VSSD_RULES"), opt,
				      cases[_i].fvek ? c.fvek : MK_RP, c.disk, NULL), 0);
	ck_assert_msg(r.status == 0, "plan exit %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "nothing written"));
	no_secret_in(&r, &c);
	tu_run_free(&r);

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", c.target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), opt,
				      cases[_i].fvek ? c.fvek : MK_RP, c.disk, NULL), 0);
	ck_assert_msg(r.status == 0, "%s: exit %d: %s", cases[_i].scenario, r.status, r.err);
	no_secret_in(&r, &c);
	res = json_loads(r.out, 0, NULL);
	ck_assert_ptr_nonnull(res);
	ck_assert(json_is_true(json_object_get(res, "fixed")));
	ck_assert_int_gt(json_integer_value(json_object_get(res, "bytes_written")), 0);
	json_decref(res);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(c.disk, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", c.target, c.disk), 1);
	ck_assert_int_eq(access(c.journal, F_OK), 0);
	ck_assert_msg(tu_sh("grep -q -e '%s' -e '%s' '%s'", MK_RP, c.fvek, c.journal) != 0,
		      "a secret in the journal");

	/* TARGET is still a BitLocker volume: the causes are gone through
	 * the secret, it is locked without it */
	assert_through(c.target, ids, "absent");
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), c.target, NULL), 0);
	ck_assert_msg(r.status == 2 && strstr(r.err, "BitLocker volume is locked"), "%s", r.err);
	tu_run_free(&r);
	assert_other_readers(&c, ids, cases[_i].encrypted != NULL);

	/* undo: TARGET reads as SOURCE again */
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", c.journal, c.target, NULL), 0);
	ck_assert_msg(r.status == 0, "undo exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", c.target, c.disk), 0);
	assert_through(c.target, ids, "present");
	case_free(&c);
}
END_TEST

/* Write s (n bytes) at off of path. */
static void poke(const char *path, long off, const void *s, size_t n)
{
	FILE *f = fopen(path, "r+b");

	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, off, SEEK_SET), 0);
	ck_assert_uint_eq(fwrite(s, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
}

/* The first FVE metadata block's offset in a BitLocker volume file. */
static long metadata_at(const char *path)
{
	uint8_t vh[512];
	FILE *f = fopen(path, "rb");
	uint64_t m = 0;
	int k;

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fread(vh, 1, sizeof(vh), f), sizeof(vh));
	fclose(f);
	for (k = 7; k >= 0; k--)
		m = m << 8 | vh[0xb0 + k];       /* volume header 0xb0 */
	return (long)m;
}

/* A conversion in progress (metadata state 2, "encrypting"): the plan is
 * shown, apply refused in one line; SOURCE unchanged. */
START_TEST(test_refuse_converting)
{
	struct bde_case c;
	struct tu_run r;
	char sum0[65], sum1[65];
	const uint8_t state[4] = { 2, 0, 4, 0 };   /* 0x0c current, 0x0e target */
	char *disk = NULL;

	case_make(&c, 0);
	poke(c.enc, metadata_at(c.enc) + 0x0c, state, sizeof(state));
	if (asprintf(&disk, "%s/conv.raw", c.dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --gpt --before-mib 1 --volume '%s' --out '%s' >/dev/null",
			       tu_env("VSSD_TOOLS"), c.enc, disk), 0);
	ck_assert_int_eq(tu_sha256_file(disk, sum0), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--rules", tu_env("VSSD_RULES"),
				      "--recovery-password", MK_RP, disk, NULL), 0);
	ck_assert_msg(r.status == 0, "plan exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", c.target, "--rules",
				      tu_env("VSSD_RULES"), "--recovery-password", MK_RP, disk, NULL), 0);
	ck_assert_msg(r.status == 2 && strstr(r.err, "repair refused") &&
		      strstr(r.err, "encrypting this volume (a conversion in progress)"), "exit %d: %s",
		      r.status, r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "not one line: %s", r.err);
	ck_assert_uint_eq(r.out_len, 0);
	tu_run_free(&r);
	ck_assert_int_ne(access(c.target, F_OK), 0);
	ck_assert_int_eq(tu_sha256_file(disk, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	free(disk);
	case_free(&c);
}
END_TEST

/* The writer against mkbde's own encryption: the plain volume's first
 * sector goes to mkbde's relocated copy (P + 192 KiB, P the volume's size
 * rounded to 64 KiB) encrypted as mkbde stored it, a sector of the middle
 * to its place likewise, one of the clear part of a partly encrypted
 * volume is left clear; a metadata sector is refused; a method other
 * than AES-XTS and a missing key are refused. */
START_TEST(test_writer_sectors)
{
	struct bde_case c;
	struct image *enc = NULL, *plain = NULL;
	struct bde_writer *w = NULL;
	struct err err;
	uint8_t p[512], e[512];
	uint64_t size, rounded, disk;
	static const uint64_t at[] = { 0, 8192, 1048576, 10485760 };
	const uint8_t cbc[2] = { 0x00, 0x80 };     /* AES-CBC 128 with diffuser */
	size_t k;

	case_make(&c, 0);
	err_init(&err);
	ck_assert_int_eq(image_open(&plain, c.plain, &err), 0);
	ck_assert_int_eq(image_open(&enc, c.enc, &err), 0);
	size = image_size(plain);
	rounded = (size + 65535) / 65536 * 65536;
	/* no secret stored: no key */
	ck_assert_int_eq(bde_writer_open(&w, enc, 0, image_size(enc), &err), -E_USAGE);
	ck_assert_ptr_null(w);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs its secret: give --recovery-password, --password, --key-file or --fvek"));
	err_init(&err);
	ck_assert_int_eq(bde_secret_set(BDE_FVEK, c.fvek, 0, &err), 0);
	ck_assert_msg(bde_writer_open(&w, enc, 0, image_size(enc), &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(bde_writer_sector_size(w), 512);
	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		ck_assert_int_eq(image_read(plain, at[k], p, sizeof(p), &err), 0);
		ck_assert_int_eq(bde_writer_sector(w, at[k], &disk, p, &err), 0);
		ck_assert_uint_eq(disk, at[k] < 8192 ? rounded + 3 * 65536 + at[k] : at[k]);
		ck_assert_int_eq(image_read(enc, disk, e, sizeof(e), &err), 0);
		ck_assert_msg(memcmp(p, e, sizeof(p)) == 0, "sector %llu differs from mkbde's",
			      (unsigned long long)at[k]);
	}
	err_init(&err);
	ck_assert_int_eq(bde_writer_sector(w, rounded + 65536, &disk, p, &err), -E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.msg, "metadata"));
	bde_writer_free(w);
	w = NULL;
	image_free(enc);
	enc = NULL;

	/* the clear part of a partly encrypted volume (the first 1 MiB) */
	unlink(c.enc);
	mkbde(c.plain, c.enc, "1048576", c.fvek);
	ck_assert_int_eq(image_open(&enc, c.enc, &err), 0);
	ck_assert_msg(bde_writer_open(&w, enc, 0, image_size(enc), &err) == 0, "%s", err.msg);
	ck_assert_int_eq(image_read(plain, 10485760, p, sizeof(p), &err), 0);
	memcpy(e, p, sizeof(p));
	ck_assert_int_eq(bde_writer_sector(w, 10485760, &disk, p, &err), 0);
	ck_assert_msg(memcmp(p, e, sizeof(p)) == 0, "the clear part was encrypted");
	bde_writer_free(w);
	w = NULL;
	image_free(enc);
	enc = NULL;

	/* the method: AES-CBC with diffuser is not written */
	poke(c.enc, metadata_at(c.enc) + 0x40 + 0x24, cbc, sizeof(cbc));
	ck_assert_int_eq(image_open(&enc, c.enc, &err), 0);
	err_init(&err);
	ck_assert_int_eq(bde_writer_open(&w, enc, 0, image_size(enc), &err), -E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.msg, "AES-CBC 128-bit with diffuser: repair writes AES-XTS only"));
	bde_secrets_clear();
	image_free(enc);
	image_free(plain);
	case_free(&c);
}
END_TEST

/* Windows-made volumes (samples/bitlocker): the writer takes the key of
 * each kind of secret (a recovery password, a password, a startup key
 * and a recovery key .BEK) and encrypts the sectors libbde decrypts back
 * to the bytes Windows wrote, the relocated first sector included.  A
 * wrong password gives no key.  Skips, saying so, without the samples. */
static const struct {
	const char *name;
	enum bde_secret which;
	const char *val;                 /* a samples/ file for key files */
} samples[] = {
	{ "recovery_password", BDE_RECOVERY_PASSWORD,
	  "284867-596541-514998-422114-660297-261613-215424-199408" },
	{ "aes-xts_128", BDE_PASSWORD, "password12!@" },
	{ "startup_key", BDE_KEY_FILE, "bitlocker/startup_key.bek" },
	{ "recovery_key", BDE_KEY_FILE, "bitlocker/recovery_key.bek" },
};

START_TEST(test_writer_windows_samples)
{
	char rel[96], *gz, *dir, *bin = NULL, *val;
	struct image *outer = NULL, *vol = NULL;
	struct bde_writer *w = NULL;
	struct err err;
	uint8_t p[512], e[512];
	static const uint64_t at[] = { 0, 512, 16384, 32256 };
	uint64_t disk;
	size_t k;

	snprintf(rel, sizeof(rel), "bitlocker/%s.bin.gz", samples[_i].name);
	gz = tu_sample(rel);
	if (!gz) {
		fprintf(stderr, "check_repair_bde: samples/%s absent: skipped\n", rel);
		return;
	}
	dir = tu_tmpdir("repair-bde-sample");
	ck_assert_int_ge(asprintf(&bin, "%s/v.bin", dir), 0);
	ck_assert_int_eq(tu_sh("gunzip -c '%s' > '%s'", gz, bin), 0);
	val = samples[_i].which == BDE_KEY_FILE ? tu_sample(samples[_i].val) : strdup(samples[_i].val);
	ck_assert_ptr_nonnull(val);
	err_init(&err);
	ck_assert_int_eq(image_open(&outer, bin, &err), 0);
	ck_assert_int_eq(bde_secret_set(samples[_i].which, val, 0, &err), 0);
	ck_assert_msg(bde_open(&vol, NULL, outer, 0, image_size(outer), &err) == 0, "%s", err.msg);
	ck_assert_msg(bde_writer_open(&w, outer, 0, image_size(outer), &err) == 0, "%s: %s",
		      samples[_i].name, err.msg);
	for (k = 0; k < sizeof(at) / sizeof(at[0]); k++) {
		ck_assert_int_eq(image_read(vol, at[k], p, sizeof(p), &err), 0);
		ck_assert_int_eq(bde_writer_sector(w, at[k], &disk, p, &err), 0);
		ck_assert_int_eq(image_read(outer, disk, e, sizeof(e), &err), 0);
		ck_assert_msg(memcmp(p, e, sizeof(p)) == 0, "%s: sector %llu does not encrypt back",
			      samples[_i].name, (unsigned long long)at[k]);
	}
	ck_assert_uint_ne(disk, 0);
	bde_writer_free(w);
	w = NULL;
	bde_secrets_clear();
	if (samples[_i].which == BDE_PASSWORD) {
		ck_assert_int_eq(bde_secret_set(BDE_PASSWORD, "password12!?", 0, &err), 0);
		ck_assert_int_eq(bde_writer_open(&w, outer, 0, image_size(outer), &err), -E_USAGE);
		ck_assert_ptr_nonnull(strstr(err.msg, "does not unwrap"));
		bde_secrets_clear();
	}
	image_free(vol);
	image_free(outer);
	tu_sh("rm -rf '%s'", dir);
	free(val);
	free(bin);
	free(dir);
	free(gz);
}
END_TEST

Suite *repair_bde_suite(void);

Suite *repair_bde_suite(void)
{
	Suite *s = suite_create("repair_bde");
	TCase *tc = tcase_create("repair_bde");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_repair_through_bitlocker, 0,
			    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_refuse_converting);
	tcase_add_test(tc, test_writer_sectors);
	tcase_add_loop_test(tc, test_writer_windows_samples, 0,
			    (int)(sizeof(samples) / sizeof(samples[0])));
	suite_add_tcase(s, tc);
	return s;
}
