/* FILETIME as ISO 8601 (parsers/filetime.c): every value without flags
 * (the event log's times), 1970..9999 only for the callers that printed
 * through time_t and strftime (shadow copies: "unknown"; registry
 * timestamps: "", the 1970 epoch counting as unset too). */
#include "testutil.h"

#include <string.h>

#include "filetime.h"

#define EPOCH FILETIME_UNIX_EPOCH
#define RANGE FILETIME_1970_9999
#define UNSET (FILETIME_1970_9999 | FILETIME_EPOCH_UNSET)

static const struct {
	uint64_t ft;
	unsigned flags;
	const char *want;
} vec[] = {
	/* 0 and 1601 */
	{ 0, 0, "1601-01-01T00:00:00Z" },
	{ 0, RANGE, "" },
	{ 0, UNSET, "" },
	{ 315359990000000ull, 0, "1601-12-31T23:59:59Z" },
	/* around 1970: the epoch itself is a time, or unset */
	{ EPOCH - 1, 0, "1969-12-31T23:59:59Z" },
	{ EPOCH - 1, RANGE, "" },
	{ EPOCH, 0, "1970-01-01T00:00:00Z" },
	{ EPOCH, RANGE, "1970-01-01T00:00:00Z" },
	{ EPOCH, UNSET, "" },
	{ EPOCH + 1, UNSET, "1970-01-01T00:00:00Z" },
	/* 2024: whole seconds, the 100 ns remainder cut (not rounded) */
	{ 133617096000000000ull, 0, "2024-06-01T10:00:00Z" },
	{ 133617096009999999ull, 0, "2024-06-01T10:00:00Z" },
	{ 133617096009999999ull, UNSET, "2024-06-01T10:00:00Z" },
	{ 133536836960000000ull, RANGE, "2024-02-29T12:34:56Z" },
	/* the top of the four-digit years, then past it */
	{ 2650467743990000000ull, RANGE, "9999-12-31T23:59:59Z" },
	{ 2650467744000000000ull, RANGE, "" },
	{ 2650467744000000000ull, 0, "10000-01-01T00:00:00Z" },
	/* the largest values: out of range, or a five-digit year */
	{ 9223372036854775807ull, 0, "30828-09-14T02:48:05Z" },
	{ ~0ull, 0, "60056-05-28T05:36:10Z" },
	{ ~0ull, RANGE, "" },
	{ ~0ull, UNSET, "" },
};

START_TEST(test_vectors)
{
	char buf[32];

	memset(buf, 'x', sizeof(buf));
	ck_assert_ptr_eq(filetime_iso8601(vec[_i].ft, vec[_i].flags, buf, sizeof(buf)), buf);
	ck_assert_msg(strcmp(buf, vec[_i].want) == 0, "%llu/%u: '%s', want '%s'",
		      (unsigned long long)vec[_i].ft, vec[_i].flags, buf, vec[_i].want);
}
END_TEST

/* A short buffer is cut and stays NUL-terminated; size 0 is not touched. */
START_TEST(test_short_buffer)
{
	char buf[11], none = 'x';

	filetime_iso8601(133617096000000000ull, 0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "2024-06-01");
	filetime_iso8601(133617096000000000ull, 0, &none, 0);
	ck_assert_int_eq(none, 'x');
}
END_TEST

Suite *filetime_suite(void);
Suite *filetime_suite(void)
{
	Suite *s = suite_create("filetime");
	TCase *tc = tcase_create("filetime");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_test(tc, test_short_buffer);
	suite_add_tcase(s, tc);
	return s;
}
