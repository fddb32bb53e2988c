/* BitLocker's fast path (issue 20, speed): the sectors vssdoctor
 * decrypts itself (src/image/bde_xts.c, AES-XTS over runs of sectors)
 * and the decrypted bytes it lends in place (bde_lend.c) are the plain
 * volume's.  The timings are `make bench`'s (BENCH_ONLY=bitlocker); here
 * only what a user relies on: the bytes. */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/xts.h>

#include "bde.h"
#include "bde_priv.h"
#include "image.h"
#include "scenario.h"

#define MK_RP "111111-222222-333333-444444-555555-666666-000000-123453"

static const struct {
	unsigned keylen, ss;
} xts_cases[] = {
	{ 32, 512 }, { 64, 512 }, { 32, 4096 }, { 64, 4096 },
};

/* An AES-XTS 128 or 256 volume with 512- or 4096-byte sectors (Windows
 * writes both) reads as its plain bytes: 1 MiB encrypted sector by sector
 * with nettle's own XTS, at sector numbers past 2^32 (the tweak's upper
 * bytes), the last two sectors left clear (a partly encrypted volume),
 * read back whole and in odd pieces, from a lending image and from one
 * that only copies. */
START_TEST(test_xts_matches_nettle)
{
	static uint8_t pt[1 << 20], ct[1 << 20], out[1 << 20];
	const unsigned kl = xts_cases[_i / 2].keylen, ss = xts_cases[_i / 2].ss;
	const uint64_t base = (uint64_t)0x1234567u * 4096;  /* logical = base + o */
	static const size_t at[][2] = {
		{ 0, sizeof(pt) }, { 7, 1001 }, { 511, 4098 }, { 4096, 3 * 4096 },
		{ sizeof(pt) - 9000, 9000 }, { 100, 65536 + 17 },
	};
	struct xts_aes128_key e128;
	struct xts_aes256_key e256;
	struct bde_src b;
	struct image *img = NULL;
	struct err err;
	uint8_t key[64];
	size_t o, i, q;

	err_init(&err);
	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(i * 37 + kl + ss);
	for (i = 0; i < sizeof(pt); i++)
		pt[i] = (uint8_t)(i * 2654435761u >> 13);
	if (kl == 32)
		xts_aes128_set_encrypt_key(&e128, key);
	else
		xts_aes256_set_encrypt_key(&e256, key);
	for (o = 0; o < sizeof(pt); o += ss) {
		uint8_t tw[16] = { 0 };
		uint64_t s = (base + o) / ss;

		for (i = 0; i < 8; i++)
			tw[i] = (uint8_t)(s >> (8 * i));
		if (kl == 32)
			xts_aes128_encrypt_message(&e128, tw, ss, ct + o, pt + o);
		else
			xts_aes256_encrypt_message(&e256, tw, ss, ct + o, pt + o);
	}
	ck_assert_int_eq(image_from_memory(&img, ct, sizeof(ct), &err), 0);
	if (_i % 2)                   /* armed far away: the image lends nothing */
		image_set_fault(img, UINT64_MAX, 1u << 30);
	memset(&b, 0, sizeof(b));
	b.io.outer = img;
	b.io.offset = (uint64_t)0 - base;       /* wraps: outer offset o */
	b.io.size = UINT64_MAX;
	b.g.ss = ss;
	b.g.vh_size = ss;                       /* the relocated header far before */
	b.g.enc_size = base + sizeof(pt) - 2 * ss;
	b.keylen = kl;
	b.own = 1;
	if (kl == 32)
		xts_aes128_set_decrypt_key(&b.x128, key);
	else
		xts_aes256_set_decrypt_key(&b.x256, key);
	for (q = 0; q < sizeof(at) / sizeof(at[0]); q++) {
		memset(out, 0xee, sizeof(out));
		ck_assert_msg(bde_own_read(&b, base + at[q][0], out, at[q][1], &err) == 0, "%s", err.msg);
		for (i = 0; i < at[q][1]; i++) {
			size_t x = at[q][0] + i;
			uint8_t want = base + x / ss * ss < b.g.enc_size ? pt[x] : ct[x];

			ck_assert_msg(out[i] == want, "XTS %u, %u-byte sectors: byte %zu of %zu+%zu differs",
				      kl * 4, ss, x, at[q][0], at[q][1]);
		}
	}
	image_free(img);
}
END_TEST

/* What a scan borrows through BitLocker (the event logs, the hives) is the
 * plain volume's bytes: whole MiB, odd ranges, ranges overlapping what was
 * lent before, the volume's first sectors (relocated by BitLocker), its
 * last bytes; and lending a range again reads nothing more from the
 * encrypted image (each byte of it decrypted once: -v's "read N bytes"). */
START_TEST(test_lent_equals_plain)
{
	static const uint64_t at[][2] = {
		{ 0, 1 << 20 }, { 5 << 20, 3 << 20 }, { (7 << 20) + 4095, 2 << 20 },
		{ 1, 8191 }, { 12345677, 70001 }, { 5 << 20, 3 << 20 },
	};
	char *dir = tu_tmpdir("bde-lend"), *plain = NULL, *enc = NULL;
	struct image *p = NULL, *o = NULL, *in = NULL;
	static uint8_t a[3 << 20];
	struct err err;
	uint64_t size, before;
	const uint8_t *l;
	unsigned q;

	err_init(&err);
	ck_assert_int_ge(asprintf(&plain, "%s/s.img", dir), 0);
	ck_assert_int_ge(asprintf(&enc, "%s/s.bde", dir), 0);
	ck_assert_msg(scenario_build("size 24M\nos 2012r2\n", plain, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tu_sh("'%s/mkbde' --volume '%s' --out '%s' --recovery-password %s",
			       tu_env("VSSD_TOOLS"), plain, enc, MK_RP), 0);
	bde_secrets_clear();
	ck_assert_int_eq(bde_secret_set(BDE_RECOVERY_PASSWORD, MK_RP, 0, &err), 0);
	ck_assert_int_eq(image_open(&p, plain, &err), 0);
	ck_assert_int_eq(image_open(&o, enc, &err), 0);
	ck_assert_msg(bde_open(&in, NULL, o, 0, image_size(o), &err) == 0, "%s", err.msg);
	size = image_size(p) < image_size(in) ? image_size(p) : image_size(in);
	for (q = 0; q < sizeof(at) / sizeof(at[0]); q++) {
		before = image_bytes_read(o);
		l = image_borrow(in, at[q][0], (size_t)at[q][1]);
		ck_assert_msg(l != NULL, "nothing lent at %llu", (unsigned long long)at[q][0]);
		ck_assert_int_eq(image_read(p, at[q][0], a, (size_t)at[q][1], &err), 0);
		ck_assert_msg(memcmp(l, a, (size_t)at[q][1]) == 0, "lent bytes at %llu differ",
			      (unsigned long long)at[q][0]);
		if (q == 5)
			ck_assert_uint_eq(image_bytes_read(o), before);
	}
	l = image_borrow(in, size - 777, 777);
	ck_assert_ptr_nonnull(l);
	ck_assert_int_eq(image_read(p, size - 777, a, 777, &err), 0);
	ck_assert(memcmp(l, a, 777) == 0);
	image_free(in);
	image_free(o);
	image_free(p);
	bde_secrets_clear();
	tu_sh("rm -rf '%s'", dir);
	free(plain);
	free(enc);
	free(dir);
}
END_TEST

Suite *bde_speed_suite(void);
Suite *bde_speed_suite(void)
{
	Suite *s = suite_create("bde_speed");
	TCase *tc = tcase_create("fast path");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_xts_matches_nettle, 0,
			    (int)(2 * sizeof(xts_cases) / sizeof(xts_cases[0])));
	tcase_add_test(tc, test_lent_equals_plain);
	suite_add_tcase(s, tc);
	return s;
}
