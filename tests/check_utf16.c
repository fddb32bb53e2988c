/* UTF-16LE <-> UTF-8 (parsers/utf16.c): the one decoder, with each
 * caller's rules as flags (registry strings and GPT names: pairs, U+FFFD
 * for a lone surrogate, NUL ends; reparse targets: unit by unit; VHDX
 * locators: ASCII with '?'; event strings and SDDL: strict). */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "utf16.h"

#define NUL UTF16_NUL_ENDS
#define UNITS UTF16_UNITS
#define ASCII UTF16_ASCII
#define STRICT UTF16_STRICT

static const struct {
	const char *in;       /* UTF-16LE bytes */
	size_t len;
	unsigned flags;
	size_t cap;           /* 0: 64 */
	long want_len;        /* -1: refused */
	const char *want;     /* want_len bytes */
	size_t want_used;
} vec[] = {
	/* BMP: 1, 2 and 3 UTF-8 bytes */
	{ "A\0B\0", 4, 0, 0, 2, "AB", 4 },
	{ "\xe9\0", 2, 0, 0, 2, "\xc3\xa9", 2 },
	{ "\xac\x20", 2, 0, 0, 3, "\xe2\x82\xac", 2 },
	{ "\xac\x20", 2, STRICT, 0, 3, "\xe2\x82\xac", 2 },
	/* a surrogate pair (U+1F600): combined, or unit by unit */
	{ "\x3d\xd8\x00\xde", 4, 0, 0, 4, "\xf0\x9f\x98\x80", 4 },
	{ "\x3d\xd8\x00\xde", 4, STRICT, 0, 4, "\xf0\x9f\x98\x80", 4 },
	{ "\x3d\xd8\x00\xde", 4, UNITS, 0, 6, "\xed\xa0\xbd\xed\xb8\x80", 4 },
	{ "\x3d\xd8\x00\xde", 4, UNITS | STRICT, 0, -1, NULL, 0 },
	{ "\x3d\xd8\x00\xde", 4, ASCII, 0, 1, "?", 4 },
	{ "\x3d\xd8\x00\xde", 4, ASCII | UNITS, 0, 2, "??", 4 },
	/* lone surrogates: U+FFFD, or refused */
	{ "x\0\x3d\xd8", 4, 0, 0, 4, "x\xef\xbf\xbd", 4 },
	{ "\x00\xdc", 2, 0, 0, 3, "\xef\xbf\xbd", 2 },
	{ "\x3d\xd8" "A\0", 4, 0, 0, 4, "\xef\xbf\xbd" "A", 4 },
	{ "x\0\x3d\xd8", 4, STRICT, 0, -1, NULL, 0 },
	{ "\x00\xdc", 2, STRICT, 0, -1, NULL, 0 },
	{ "\x00\xdc", 2, UNITS, 0, 3, "\xed\xb0\x80", 2 },
	/* a pair cut by the odd length is a lone surrogate */
	{ "\x3d\xd8\x00", 3, 0, 0, 3, "\xef\xbf\xbd", 2 },
	/* odd length: the last byte ignored */
	{ "A\0B", 3, 0, 0, 1, "A", 2 },
	{ "", 0, 0, 0, 0, "", 0 },
	/* NUL: ends the string (consumed), a byte, or refused */
	{ "A\0\0\0B\0", 6, NUL, 0, 1, "A", 4 },
	{ "A\0\0\0B\0", 6, NUL | STRICT, 0, 1, "A", 4 },
	{ "A\0\0\0B\0", 6, 0, 0, 3, "A\0B", 6 },
	{ "A\0\0\0B\0", 6, STRICT, 0, -1, NULL, 0 },
	{ "A\0\0\0B\0", 6, ASCII, 0, 3, "A?B", 6 },
	{ "\0\0", 2, NUL, 0, 0, "", 2 },
	/* ASCII: printable only */
	{ "A\0\xe9\0\x01\0~\0", 8, ASCII, 0, 4, "A??~", 8 },
	{ "A\0\xe9\0", 4, ASCII | STRICT, 0, -1, NULL, 0 },
	{ "A\0\x01\0", 4, ASCII | STRICT, 0, -1, NULL, 0 },
	/* a full buffer: cut before a character leaving < 5 bytes (2 in
	 * ASCII), or refused */
	{ "A\0B\0C\0D\0", 8, 0, 7, 3, "ABC", 6 },
	{ "A\0B\0C\0D\0", 8, STRICT, 7, -1, NULL, 0 },
	{ "A\0B\0C\0D\0", 8, ASCII, 3, 2, "AB", 4 },
	{ "A\0B\0C\0D\0", 8, ASCII | STRICT, 3, -1, NULL, 0 },
	{ "A\0B\0", 4, 0, 6, 2, "AB", 4 },
};

START_TEST(test_vectors)
{
	char out[64];
	size_t cap = vec[_i].cap ? vec[_i].cap : sizeof(out), used = 999;
	long n;

	memset(out, 'x', sizeof(out));
	n = utf16le_decode((const uint8_t *)vec[_i].in, vec[_i].len, vec[_i].flags, out, cap,
			   &used);
	ck_assert_int_eq(n, vec[_i].want_len);
	if (n < 0) {
		ck_assert_uint_eq(used, 999);   /* untouched */
		return;
	}
	ck_assert_msg(memcmp(out, vec[_i].want, (size_t)n) == 0, "vector %d: output differs", _i);
	ck_assert_int_eq(out[n], '\0');
	ck_assert_uint_eq(used, vec[_i].want_used);
}
END_TEST

/* The malloc'd form: NUL ends, nothing cut however long. */
START_TEST(test_to_utf8)
{
	uint8_t big[3000];
	size_t used, i;
	char *s;

	s = utf16le_to_utf8((const uint8_t *)"a\0\x3d\xd8\x00\xde\x00\xdc" "b\0\0\0c\0", 14, &used);
	ck_assert_str_eq(s, "a\xf0\x9f\x98\x80\xef\xbf\xbd" "b");
	ck_assert_uint_eq(used, 12);
	free(s);
	for (i = 0; i < sizeof(big); i += 2) {   /* U+20AC: 3 bytes each */
		big[i] = 0xac;
		big[i + 1] = 0x20;
	}
	s = utf16le_to_utf8(big, sizeof(big), NULL);
	ck_assert_uint_eq(strlen(s), sizeof(big) / 2 * 3);
	free(s);
	s = utf16le_to_utf8(NULL, 0, &used);
	ck_assert_str_eq(s, "");
	ck_assert_uint_eq(used, 0);
	free(s);
}
END_TEST

static const struct {
	const char *in;
	size_t len;
	size_t want_len;      /* 0: malformed */
	uint32_t want;
} utf8_vec[] = {
	{ "A", 1, 1, 'A' },
	{ "\xc3\xa9", 2, 2, 0xe9 },
	{ "\xe2\x82\xac", 3, 3, 0x20ac },
	{ "\xf0\x9f\x98\x80", 4, 4, 0x1f600 },
	{ "\xf4\x8f\xbf\xbf", 4, 4, 0x10ffff },
	{ "\xf4\x90\x80\x80", 4, 0, 0 },          /* past U+10FFFF */
	{ "\xc0\xaf", 2, 0, 0 },                  /* overlong '/' */
	{ "\xe0\x80\xaf", 3, 0, 0 },              /* overlong */
	{ "\xed\xa0\x80", 3, 0, 0 },              /* a surrogate */
	{ "\xe2\x82", 2, 0, 0 },                  /* truncated */
	{ "\xe2\x82" "A", 3, 0, 0 },              /* not a continuation */
	{ "\x80", 1, 0, 0 },
	{ "\xff", 1, 0, 0 },
	{ "", 0, 0, 0 },
};

START_TEST(test_utf8_next)
{
	uint32_t cp = 0;
	size_t k = utf8_next((const unsigned char *)utf8_vec[_i].in, utf8_vec[_i].len, &cp);

	ck_assert_uint_eq(k, utf8_vec[_i].want_len);
	if (k)
		ck_assert_uint_eq(cp, utf8_vec[_i].want);
}
END_TEST

/* Encoding and decoding give back the code point, at the edges of each
 * UTF-8 length and of the surrogate ranges. */
START_TEST(test_round_trip)
{
	static const uint32_t cps[] = { 0, 0x7f, 0x80, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xfffd,
					0xffff, 0x10000, 0x1f600, 0x10ffff };
	uint8_t w[4];
	char u[4];
	size_t i, n;
	uint32_t back;

	for (i = 0; i < sizeof(cps) / sizeof(cps[0]); i++) {
		n = utf16le_put(w, cps[i]);
		ck_assert_uint_eq(n, cps[i] >= 0x10000 ? 4 : 2);
		ck_assert_uint_eq(utf16le_next(w, n, &back), n);
		ck_assert_uint_eq(back, cps[i]);
		n = utf8_put(u, cps[i]);
		ck_assert_uint_eq(utf8_next((const unsigned char *)u, n, &back), n);
		ck_assert_uint_eq(back, cps[i]);
	}
	ck_assert_uint_eq(utf16le_next(w, 1, &back), 0);
}
END_TEST

/* UTF-8 to UTF-16LE (registry data repair writes, a BitLocker password):
 * each UTF-8 length, a pair, the count without out, and the refusals. */
START_TEST(test_from_utf8)
{
	const char *s = "A\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80";  /* A é € U+1F600 */
	static const uint8_t want[] = { 'A', 0, 0xe9, 0, 0xac, 0x20, 0x3d, 0xd8, 0x00, 0xde };
	uint8_t out[16];

	ck_assert_int_eq(utf8_to_utf16le(s, strlen(s), NULL, 0), (long)sizeof(want));
	ck_assert_int_eq(utf8_to_utf16le(s, strlen(s), out, sizeof(out)), (long)sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_int_eq(utf8_to_utf16le("", 0, out, 0), 0);
	/* no room for the pair; not UTF-8 (a Latin-1 byte, a cut sequence) */
	ck_assert_int_eq(utf8_to_utf16le(s, strlen(s), out, sizeof(want) - 1), -1);
	ck_assert_int_eq(utf8_to_utf16le("Soci\xe9t\xe9", 8, out, sizeof(out)), -1);
	ck_assert_int_eq(utf8_to_utf16le("\xe2\x82", 2, out, sizeof(out)), -1);
}
END_TEST

Suite *utf16_suite(void);
Suite *utf16_suite(void)
{
	Suite *s = suite_create("utf16");
	TCase *tc = tcase_create("utf16");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_test(tc, test_to_utf8);
	tcase_add_loop_test(tc, test_utf8_next, 0, (int)(sizeof(utf8_vec) / sizeof(utf8_vec[0])));
	tcase_add_test(tc, test_round_trip);
	tcase_add_test(tc, test_from_utf8);
	suite_add_tcase(s, tc);
	return s;
}
