/* SIDs: string <-> binary, aliases, names, service SIDs. */
#include "testutil.h"

#include <stdio.h>
#include <string.h>

#include "sid.h"
#include "svcsid.h"

/* string -> binary (hex) -> string */
static const struct {
	const char *in;        /* string or alias */
	const char *hex;       /* binary form */
	const char *canon;     /* sid_to_string */
	const char *alias;     /* sid_alias or NULL */
	const char *name;      /* sid_name or NULL */
} vec[] = {
	{ "S-1-5-18", "010100000000000512000000", "S-1-5-18", "SY", "NT AUTHORITY\\SYSTEM" },
	{ "SY", "010100000000000512000000", "S-1-5-18", "SY", "NT AUTHORITY\\SYSTEM" },
	{ "sy", "010100000000000512000000", "S-1-5-18", "SY", "NT AUTHORITY\\SYSTEM" },
	{ "BA", "01020000000000052000000020020000", "S-1-5-32-544", "BA", "BUILTIN\\Administrators" },
	{ "BU", "01020000000000052000000021020000", "S-1-5-32-545", "BU", "BUILTIN\\Users" },
	{ "S-1-1-0", "010100000000000100000000", "S-1-1-0", "WD", "Everyone" },
	{ "NS", "010100000000000514000000", "S-1-5-20", "NS", "NT AUTHORITY\\NETWORK SERVICE" },
	{ "S-1-5-6", "010100000000000506000000", "S-1-5-6", "SU", "NT AUTHORITY\\SERVICE" },
	{ "IU", "010100000000000504000000", "S-1-5-4", "IU", "NT AUTHORITY\\INTERACTIVE" },
	{ "AU", "01010000000000050b000000", "S-1-5-11", "AU", "NT AUTHORITY\\Authenticated Users" },
	{ "S-1-5-15", "01010000000000050f000000", "S-1-5-15", NULL, "NT AUTHORITY\\This Organization" },
	{ "AC", "010200000000000f0200000001000000", "S-1-15-2-1", "AC",
	  "APPLICATION PACKAGE AUTHORITY\\ALL APPLICATION PACKAGES" },
	{ "SO", "01020000000000052000000025020000", "S-1-5-32-549", "SO", "BUILTIN\\Server Operators" },
	{ "LW", "010100000000001000100000", "S-1-16-4096", "LW", "Mandatory Label\\Low Mandatory Level" },
	{ "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
	  "010600000000000550000000b589fb381984c2cb5c6c236d5700776ec0026487", NULL, NULL,
	  "NT SERVICE\\TrustedInstaller" },
	{ "S-1-5-21-93476-23408-4576",
	  "010400000000000515000000246d0100705b0000e0110000", "S-1-5-21-93476-23408-4576", NULL, NULL },
	{ "S-1-5", "0100000000000005", NULL, NULL, NULL },
	{ "S-1-0x123456789ABC-1", "0101123456789abc 01000000", "S-1-0x123456789ABC-1", NULL, NULL },
};

START_TEST(test_vectors)
{
	struct sid s, b;
	struct err err;
	uint8_t want[80], got[80];
	char str[SID_STR_MAX], hexbuf[200];
	size_t wn, gn, used, k, j;
	const char *canon = vec[_i].canon ? vec[_i].canon : vec[_i].in;

	/* the hex literal may contain a space for readability */
	for (k = j = 0; vec[_i].hex[k]; k++)
		if (vec[_i].hex[k] != ' ')
			hexbuf[j++] = vec[_i].hex[k];
	hexbuf[j] = '\0';
	err_init(&err);
	ck_assert_int_eq(sid_from_string(vec[_i].in, &s, &err), 0);
	ck_assert_int_eq(sid_to_string(&s, str, sizeof(str)), 0);
	ck_assert_str_eq(str, canon);
	wn = tu_unhex(hexbuf, want, sizeof(want));
	{
		gn = sid_encode(&s, got, sizeof(got));
		ck_assert_uint_eq(gn, sid_size(&s));
		ck_assert_uint_eq(gn, wn);
		ck_assert_mem_eq(got, want, wn);
		ck_assert_int_eq(sid_parse(want, wn, &b, &used, &err), 0);
		ck_assert_uint_eq(used, wn);
		ck_assert(sid_equal(&s, &b));
	}
	if (vec[_i].alias)
		ck_assert_str_eq(sid_alias(&s), vec[_i].alias);
	else
		ck_assert_ptr_null(sid_alias(&s));
	if (vec[_i].name)
		ck_assert_str_eq(sid_name(&s), vec[_i].name);
}
END_TEST

/* Every SDDL alias Windows documents that is not domain-relative. */
static const struct {
	const char *alias, *sid;
} aliases[] = {
	{ "AA", "S-1-5-32-579" }, { "AC", "S-1-15-2-1" }, { "AN", "S-1-5-7" },
	{ "AO", "S-1-5-32-548" }, { "AS", "S-1-18-1" }, { "AU", "S-1-5-11" },
	{ "BA", "S-1-5-32-544" }, { "BG", "S-1-5-32-546" }, { "BO", "S-1-5-32-551" },
	{ "BU", "S-1-5-32-545" }, { "CD", "S-1-5-32-574" }, { "CG", "S-1-3-1" },
	{ "CO", "S-1-3-0" }, { "CY", "S-1-5-32-569" }, { "ED", "S-1-5-9" },
	{ "ER", "S-1-5-32-573" }, { "ES", "S-1-5-32-576" }, { "HA", "S-1-5-32-578" },
	{ "HI", "S-1-16-12288" }, { "IS", "S-1-5-32-568" }, { "IU", "S-1-5-4" },
	{ "LS", "S-1-5-19" }, { "LU", "S-1-5-32-559" }, { "LW", "S-1-16-4096" },
	{ "ME", "S-1-16-8192" }, { "MP", "S-1-16-8448" }, { "MS", "S-1-5-32-577" },
	{ "MU", "S-1-5-32-558" }, { "NO", "S-1-5-32-556" }, { "NS", "S-1-5-20" },
	{ "NU", "S-1-5-2" }, { "OW", "S-1-3-4" }, { "PO", "S-1-5-32-550" },
	{ "PS", "S-1-5-10" }, { "PU", "S-1-5-32-547" }, { "RA", "S-1-5-32-575" },
	{ "RC", "S-1-5-12" }, { "RD", "S-1-5-32-555" }, { "RE", "S-1-5-32-552" },
	{ "RM", "S-1-5-32-580" }, { "RU", "S-1-5-32-554" }, { "SI", "S-1-16-16384" },
	{ "SO", "S-1-5-32-549" }, { "SS", "S-1-18-2" }, { "SU", "S-1-5-6" },
	{ "SY", "S-1-5-18" }, { "UD", "S-1-5-84-0-0-0-0-0" }, { "WD", "S-1-1-0" },
	{ "WR", "S-1-5-33" },
};

START_TEST(test_aliases)
{
	struct sid a, b;
	char str[SID_STR_MAX];

	ck_assert_int_eq(sid_from_string(aliases[_i].alias, &a, NULL), 0);
	ck_assert_int_eq(sid_from_string(aliases[_i].sid, &b, NULL), 0);
	ck_assert(sid_equal(&a, &b));
	sid_to_string(&a, str, sizeof(str));
	ck_assert_str_eq(str, aliases[_i].sid);
	/* the encoder prints the alias back */
	ck_assert_str_eq(sid_alias(&b), aliases[_i].alias);
	ck_assert_ptr_nonnull(sid_name(&b));
}
END_TEST

static const struct tu_bad bad[] = {
	{ "", -E_CORRUPT, "bad sid" },
	{ "S-1-", -E_CORRUPT, "bad sid" },
	{ "S-2-5-18", -E_CORRUPT, "bad sid" },
	{ "S-1-5-", -E_CORRUPT, "bad sid" },
	{ "S-1-5-18x", -E_CORRUPT, "bad sid" },
	{ "S-1-5-4294967296", -E_CORRUPT, "bad sid" },
	{ "S-1-281474976710656-1", -E_CORRUPT, "bad sid" },
	{ "S-1-5--18", -E_CORRUPT, "bad sid" },
	{ "X-1-5-18", -E_CORRUPT, "bad sid" },
	{ "QQ", -E_CORRUPT, "unknown sid alias 'QQ'" },
	{ "DA", -E_UNSUPPORTED, "needs the domain" },
	{ "LA", -E_UNSUPPORTED, "needs the domain" },
	{ "S-1-5-1-2-3-4-5-6-7-8-9-10-11-12-13-14-15-16", -E_LIMIT, "LIMIT_SID_SUBAUTH" },
	{ "SYS", -E_CORRUPT, "bad sid" },
};

START_TEST(test_bad_strings)
{
	struct sid s;
	struct err err;

	err_init(&err);
	tu_assert_refused(&bad[_i], sid_from_string(bad[_i].in, &s, &err), err.msg);
}
END_TEST

START_TEST(test_bad_binary)
{
	static const struct {
		const char *hex;
		int code;
		const char *msg;
	} b[] = {
		{ "0101000000000005", -E_CORRUPT, "need 12 bytes" },
		{ "02010000000000051200000000", -E_CORRUPT, "revision 2" },
		{ "011000000000000512000000", -E_CORRUPT, "16 sub-authorities > 15" },
		{ "0101000000", -E_CORRUPT, "< 8" },
	};
	uint8_t buf[64];
	struct sid s;
	struct err err;
	size_t i, n;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		err_init(&err);
		n = tu_unhex(b[i].hex, buf, sizeof(buf));
		ck_assert_int_eq(sid_parse(buf, n, &s, NULL, &err), b[i].code);
		ck_assert_msg(strstr(err.msg, b[i].msg), "%s: '%s'", b[i].hex, err.msg);
	}
	/* every truncation of a valid SID fails cleanly */
	n = tu_unhex("010500000000000515000000a1b2c3d4e5f60718293a4b5c6d7e8f90", buf, sizeof(buf));
	for (i = 0; i < n; i++)
		ck_assert_int_lt(sid_parse(buf, i, &s, NULL, NULL), 0);
	ck_assert_int_eq(sid_parse(buf, n, &s, NULL, NULL), 0);
}
END_TEST

START_TEST(test_to_string_small_buffer)
{
	struct sid s;
	char small[6];

	sid_from_string("S-1-5-32-544", &s, NULL);
	ck_assert_int_eq(sid_to_string(&s, small, sizeof(small)), -E_LIMIT);
	ck_assert_str_eq(small, "S-1-5");
}
END_TEST

/* Service SIDs: DOMAIN.md gives TrustedInstaller's; NlaSvc's is the one in
 * the MsLldp descriptor of the Windows 10 1709 sample hive. */
static const struct {
	const char *name, *sid, *account;
} services[] = {
	{ "TrustedInstaller", "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
	  "NT SERVICE\\TrustedInstaller" },
	{ "trustedinstaller", "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464",
	  "NT SERVICE\\TrustedInstaller" },
	{ "NlaSvc", "S-1-5-80-3141615172-2057878085-1754447212-2405740020-3916490453",
	  "NT SERVICE\\NlaSvc" },
	{ "CryptSvc", "S-1-5-80-242729624-280608522-2219052887-3187409060-2225943459",
	  "NT SERVICE\\CryptSvc" },
	{ "EventSystem", "S-1-5-80-1772571935-1555666882-3369284645-1675012128-2386634627",
	  "NT SERVICE\\EventSystem" },
	{ "MsLldp", "S-1-5-80-2542081156-3563385132-3937647205-2588572414-2394664210",
	  "NT SERVICE\\MsLldp" },
};

START_TEST(test_service_sids)
{
	struct sid s;
	struct err err;
	char str[SID_STR_MAX];

	err_init(&err);
	ck_assert_int_eq(svcsid_from_name(services[_i].name, &s, &err), 0);
	sid_to_string(&s, str, sizeof(str));
	ck_assert_str_eq(str, services[_i].sid);
	ck_assert_str_eq(sid_name(&s), services[_i].account);
}
END_TEST

START_TEST(test_service_sid_errors)
{
	struct sid s;
	struct err err;
	char longname[400];

	err_init(&err);
	ck_assert_int_eq(svcsid_from_name("", &s, &err), -E_CORRUPT);
	ck_assert_int_eq(svcsid_from_name("bad\xff", &s, &err), -E_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "utf-8"));
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_eq(svcsid_from_name(longname, &s, &err), -E_LIMIT);
	/* non-ASCII is upper-cased too: "é" and "É" give the same SID */
	{
		struct sid a, b;
		ck_assert_int_eq(svcsid_from_name("caf\xc3\xa9", &a, NULL), 0);
		ck_assert_int_eq(svcsid_from_name("CAF\xc3\x89", &b, NULL), 0);
		ck_assert(sid_equal(&a, &b));
	}
}
END_TEST

Suite *sid_suite(void);
Suite *sid_suite(void)
{
	Suite *s = suite_create("sid");
	TCase *tc;

	tc = tcase_create("vectors");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_loop_test(tc, test_aliases, 0, (int)(sizeof(aliases) / sizeof(aliases[0])));
	tcase_add_test(tc, test_to_string_small_buffer);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_bad_strings, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_bad_binary);
	suite_add_tcase(s, tc);

	tc = tcase_create("service_sid");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_service_sids, 0, (int)(sizeof(services) / sizeof(services[0])));
	tcase_add_test(tc, test_service_sid_errors);
	suite_add_tcase(s, tc);
	return s;
}
