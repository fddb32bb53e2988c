/* Effective access (AccessCheck's DACL walk), generic mapping, rights
 * names and the semantic DACL diff. */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "sddl.h"
#include "secdesc.h"
#include "svcsid.h"

#define SEED TU_SCM_DEFAULT_SDDL
/* SYSTEM_win10_1709 CryptSvc\Security and MsLldp\Security */
#define W10_CRYPTSVC_HEX TU_W10_CRYPTSVC_HEX
#define W10_MSLLDP_HEX TU_W10_MSLLDP_HEX

#define Q (SERVICE_QUERY_CONFIG | SERVICE_QUERY_STATUS)

static void load_sddl(const char *text, struct secdesc *sd)
{
	struct err err;

	err_init(&err);
	ck_assert_msg(sddl_decode(text, sd, NULL, &err) == 0, "'%s': %s", text, err.msg);
}

static void load_hex(const char *hex, struct secdesc *sd)
{
	uint8_t buf[512];
	size_t n = tu_unhex(hex, buf, sizeof(buf));
	struct err err;

	err_init(&err);
	ck_assert_msg(secdesc_parse(buf, n, sd, &err) == 0, "%s", err.msg);
}

/* The System Writer's token (DOMAIN.md cause 1). */
static void writer_token(struct token *t)
{
	static const char *const sids[] = { "NS", "SU", "AU", "WD", "BU", "S-1-5-15" };
	struct sid cryptsvc;
	size_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < sizeof(sids) / sizeof(sids[0]); i++)
		ck_assert_int_eq(token_add(t, sids[i], NULL), 0);
	ck_assert_int_eq(svcsid_from_name("CryptSvc", &cryptsvc, NULL), 0);
	ck_assert_int_eq(token_add_sid(t, &cryptsvc, NULL), 0);
}

static void make_token(struct token *t, const char *list)
{
	char buf[512], *tok, *save = NULL;

	memset(t, 0, sizeof(*t));
	snprintf(buf, sizeof(buf), "%s", list);
	for (tok = strtok_r(buf, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		ck_assert_int_eq(token_add(t, tok, NULL), 0);
}

static const struct {
	const char *what, *sddl, *token;
	enum access_object obj;
	uint32_t want;
} vec[] = {
	/* ACE order: a deny before an allow wins, after it loses */
	{ "deny before allow", "D:(D;;CC;;;WD)(A;;CCLC;;;WD)", "WD", ACCESS_SERVICE, 0x4 },
	{ "allow then deny", "D:(A;;CCLC;;;WD)(D;;CC;;;WD)", "WD", ACCESS_SERVICE, 0x5 },
	{ "deny via a group", "D:(D;;CC;;;BU)(A;;CCLC;;;WD)", "WD BU", ACCESS_SERVICE, 0x4 },
	{ "deny for another sid", "D:(D;;CC;;;BG)(A;;CCLC;;;WD)", "WD BU", ACCESS_SERVICE, 0x5 },
	{ "allows add up", "D:(A;;CC;;;WD)(A;;LC;;;BU)(A;;RP;;;BA)", "WD BU", ACCESS_SERVICE, 0x5 },
	{ "no matching ace", "D:(A;;GA;;;BA)", "WD BU", ACCESS_SERVICE, 0 },
	/* inheritance */
	{ "inherit-only ignored", "D:(A;OICIIO;FA;;;WD)", "WD", ACCESS_FILE, 0 },
	{ "inherit-only deny ignored", "D:(D;OICIIO;FA;;;WD)(A;;FR;;;WD)", "WD", ACCESS_FILE, FILE_GENERIC_READ },
	{ "inheritable applies", "D:(A;OICI;FA;;;WD)", "WD", ACCESS_FILE, FILE_ALL_ACCESS },
	{ "inherited applies", "D:(A;ID;FR;;;WD)", "WD", ACCESS_FILE, FILE_GENERIC_READ },
	/* NULL, absent and empty DACLs */
	{ "null dacl", "D:NO_ACCESS_CONTROL", "WD", ACCESS_SERVICE, SERVICE_ALL_ACCESS },
	{ "null dacl file", "D:NO_ACCESS_CONTROL", "S-1-5-21-1-2-3-1000", ACCESS_FILE, FILE_ALL_ACCESS },
	{ "no dacl", "O:SYG:SY", "WD", ACCESS_FILE, FILE_ALL_ACCESS },
	{ "empty dacl", "D:", "WD BA SY", ACCESS_SERVICE, 0 },
	{ "empty dacl owner", "O:BAD:", "WD BA", ACCESS_SERVICE, ACCESS_READ_CONTROL | ACCESS_WRITE_DAC },
	/* generic rights are mapped per object type */
	{ "generic read service", "D:(A;;GR;;;WD)", "WD", ACCESS_SERVICE, 0x2008d },
	{ "generic write service", "D:(A;;GW;;;WD)", "WD", ACCESS_SERVICE, 0x20002 },
	{ "generic execute service", "D:(A;;GX;;;WD)", "WD", ACCESS_SERVICE, 0x20170 },
	{ "generic all service", "D:(A;;GA;;;WD)", "WD", ACCESS_SERVICE, SERVICE_ALL_ACCESS },
	{ "generic read file", "D:(A;;GR;;;WD)", "WD", ACCESS_FILE, FILE_GENERIC_READ },
	{ "generic read dir", "D:(A;;GRGX;;;WD)", "WD", ACCESS_DIRECTORY, 0x1200a9 },
	{ "generic all file", "D:(A;;GA;;;WD)", "WD", ACCESS_FILE, FILE_ALL_ACCESS },
	{ "generic deny", "D:(D;;GW;;;WD)(A;;GA;;;WD)", "WD", ACCESS_FILE, FILE_ALL_ACCESS & ~0x120116u },
	/* owner */
	{ "owner implicit", "O:WDD:(A;;CC;;;WD)", "WD", ACCESS_SERVICE,
	  0x1 | ACCESS_READ_CONTROL | ACCESS_WRITE_DAC },
	{ "owner implicit beats deny", "O:WDD:(D;;GA;;;WD)", "WD", ACCESS_SERVICE,
	  ACCESS_READ_CONTROL | ACCESS_WRITE_DAC },
	{ "owner rights ace", "O:WDD:(A;;RC;;;OW)", "WD", ACCESS_SERVICE, ACCESS_READ_CONTROL },
	{ "owner rights not owner", "O:BAD:(A;;RC;;;OW)", "WD", ACCESS_SERVICE, 0 },
	{ "owner rights io ignored", "O:WDD:(A;IO;RC;;;OW)", "WD", ACCESS_SERVICE,
	  ACCESS_READ_CONTROL | ACCESS_WRITE_DAC },
	/* object and callback ACEs */
	{ "object ace no type", "D:(OA;;CC;;;WD)", "WD", ACCESS_SERVICE, 0x1 },
	{ "object ace typed", "D:(OA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)", "WD", ACCESS_SERVICE, 0 },
	/* conditions for a token without claims: Exists on a missing
	 * attribute is FALSE, a comparison with one UNKNOWN */
	{ "callback allow false", "D:(XA;;CC;;;WD;(Exists x))", "WD", ACCESS_SERVICE, 0 },
	{ "callback allow unknown", "D:(XA;;CC;;;WD;(x == 1))", "WD", ACCESS_SERVICE, 0 },
	{ "callback allow true", "D:(XA;;CC;;;WD;(Not_Exists x))", "WD", ACCESS_SERVICE, 0x1 },
	{ "callback deny false", "D:(XD;;CC;;;WD;(Exists x))(A;;CCLC;;;WD)", "WD", ACCESS_SERVICE, 0x5 },
	{ "callback deny unknown", "D:(XD;;CC;;;WD;(x == 1))(A;;CCLC;;;WD)", "WD", ACCESS_SERVICE, 0x4 },
	{ "audit ignored", "D:(AU;SA;GA;;;WD)", "WD", ACCESS_SERVICE, 0 },
	/* the seed (SCM default) descriptor */
	{ "seed writer-like", SEED, "NS SU", ACCESS_SERVICE, 0x2018d },
	{ "seed system", SEED, "SY", ACCESS_SERVICE, 0x201fd },
	{ "seed admin", SEED, "BA", ACCESS_SERVICE, SERVICE_ALL_ACCESS },
	{ "seed network service alone", SEED, "NS", ACCESS_SERVICE, 0 },
	/* registry keys: KA / KR map to the key rights */
	{ "key all", "D:(A;;KA;;;NS)", "NS", ACCESS_KEY, KEY_ALL_ACCESS },
	{ "key read", "D:(A;;KR;;;BU)", "NS BU", ACCESS_KEY, KEY_READ },
	{ "key generic all", "D:(A;;GA;;;NS)", "NS", ACCESS_KEY, KEY_ALL_ACCESS },
	{ "key generic write", "D:(A;;GW;;;NS)", "NS", ACCESS_KEY, KEY_WRITE },
	{ "key generic all inherit-only", "D:(A;CIIO;GA;;;NS)(A;;KR;;;BU)", "NS BU", ACCESS_KEY, KEY_READ },
	/* the Windows 10 VSS\Diag grant to NETWORK SERVICE (not KA) */
	{ "key win10 diag", "D:PAI(A;;KA;;;BA)(A;;CCDCLCSWRPSDRC;;;NS)(A;;KR;;;BU)", "NS BU", ACCESS_KEY,
	  0x3001f },
	/* COM: EXECUTE alone is every right; generic rights are EXECUTE */
	{ "com local call", "D:(A;;CCDC;;;WD)", "NS WD", ACCESS_COM,
	  COM_RIGHTS_EXECUTE | COM_RIGHTS_EXECUTE_LOCAL },
	{ "com legacy execute", "D:(A;;CC;;;WD)", "NS WD", ACCESS_COM, COM_RIGHTS_ALL },
	{ "com generic all", "D:(A;;GA;;;SY)", "SY", ACCESS_COM, COM_RIGHTS_ALL },
	{ "com legacy deny", "D:(D;;CC;;;NS)(A;;CCDCLCSWRP;;;WD)", "NS WD", ACCESS_COM, 0 },
	{ "com launch", "D:(A;;CCDCLCSWRP;;;BA)(A;;CCDCSW;;;WD)", "NS WD", ACCESS_COM,
	  COM_RIGHTS_EXECUTE | COM_RIGHTS_EXECUTE_LOCAL | COM_RIGHTS_ACTIVATE_LOCAL },
};

START_TEST(test_effective)
{
	struct secdesc sd;
	struct token t;
	uint32_t got;

	load_sddl(vec[_i].sddl, &sd);
	make_token(&t, vec[_i].token);
	got = access_effective(&sd, &t, vec[_i].obj);
	ck_assert_msg(got == vec[_i].want, "%s: 0x%x, want 0x%x", vec[_i].what, got, vec[_i].want);
	secdesc_release(&sd);
}
END_TEST

/* DOMAIN.md cause 3: the writer (NETWORK SERVICE + groups) can query the
 * Windows 10 CryptSvc, but not a descriptor without SU/IU grants. */
START_TEST(test_writer_token)
{
	struct secdesc sd;
	struct token t;
	uint32_t got;

	writer_token(&t);
	ck_assert_uint_eq(t.count, 7);

	load_hex(W10_CRYPTSVC_HEX, &sd);
	got = access_effective(&sd, &t, ACCESS_SERVICE);
	ck_assert_uint_eq(got & (Q | ACCESS_READ_CONTROL), Q | ACCESS_READ_CONTROL);
	ck_assert_uint_eq(got & (SERVICE_START | SERVICE_STOP | SERVICE_CHANGE_CONFIG), 0);
	secdesc_release(&sd);

	load_sddl("O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
		  "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)(A;;CCLCSWRPWPDTLOCRRC;;;SO)"
		  "(A;;CCLCSWLORC;;;AC)", &sd);
	ck_assert_uint_eq(access_effective(&sd, &t, ACCESS_SERVICE) & Q, Q);
	secdesc_release(&sd);

	/* the same descriptor without the IU and SU grants */
	load_sddl("O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
		  "(A;;CCLCSWRPWPDTLOCRRC;;;SO)(A;;CCLCSWLORC;;;AC)", &sd);
	ck_assert_uint_eq(access_effective(&sd, &t, ACCESS_SERVICE), 0);
	secdesc_release(&sd);

	/* the real MsLldp of KB 3209092, and its fix */
	load_hex(W10_MSLLDP_HEX, &sd);
	ck_assert_uint_eq(access_effective(&sd, &t, ACCESS_SERVICE), 0);
	{
		struct ace fix;
		memset(&fix, 0, sizeof(fix));
		fix.type = ACE_ACCESS_ALLOWED;
		fix.mask = 0x2018d;  /* (A;;CCLCSWLOCRRC;;;SU) */
		sid_from_string("SU", &fix.sid, NULL);
		ck_assert_int_eq(acl_append(&sd.dacl, &fix, NULL), 0);
	}
	ck_assert_uint_eq(access_effective(&sd, &t, ACCESS_SERVICE) & Q, Q);
	secdesc_release(&sd);

	/* a file the writer must read under WinSxS\FileMaps (KB 2009272) */
	load_sddl("D:PAI(A;;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)"
		  "(A;;0x1200a9;;;SY)(A;;0x1200a9;;;BU)", &sd);
	got = access_effective(&sd, &t, ACCESS_FILE);
	ck_assert_uint_eq(got & (FILE_READ_DATA | FILE_READ_ATTRIBUTES),
			  FILE_READ_DATA | FILE_READ_ATTRIBUTES);
	secdesc_release(&sd);
	load_sddl("D:PAI(A;;FA;;;S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464)", &sd);
	ck_assert_uint_eq(access_effective(&sd, &t, ACCESS_FILE), 0);
	secdesc_release(&sd);
	ck_assert_uint_eq(access_effective(NULL, &t, ACCESS_FILE), 0);
}
END_TEST

START_TEST(test_token)
{
	struct token t;
	struct err err;
	char sid[32];
	int i;

	memset(&t, 0, sizeof(t));
	err_init(&err);
	ck_assert_int_eq(token_add(&t, "SY", &err), 0);
	ck_assert_int_eq(token_add(&t, "S-1-5-18", &err), 0);  /* duplicate: no-op */
	ck_assert_uint_eq(t.count, 1);
	ck_assert_int_eq(token_add(&t, "nonsense", &err), -E_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "token: bad sid 'nonsense'"));
	for (i = 0; t.count < TOKEN_MAX_SIDS; i++) {
		snprintf(sid, sizeof(sid), "S-1-5-21-%d", i);
		ck_assert_int_eq(token_add(&t, sid, NULL), 0);
	}
	ck_assert_int_eq(token_add(&t, "S-1-5-21-9999", &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "TOKEN_MAX_SIDS"));
}
END_TEST

START_TEST(test_map_generic)
{
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_READ, ACCESS_SERVICE), 0x2008d);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_WRITE, ACCESS_SERVICE), 0x20002);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_EXECUTE, ACCESS_SERVICE), 0x20170);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_ALL, ACCESS_SERVICE), 0xf01ff);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_READ, ACCESS_FILE), 0x120089);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_WRITE, ACCESS_DIRECTORY), 0x120116);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_EXECUTE, ACCESS_FILE), 0x1200a0);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_ALL, ACCESS_FILE), 0x1f01ff);
	/* specific bits pass through, generic bits go */
	ck_assert_uint_eq(access_map_generic(0x80000001u, ACCESS_SERVICE), 0x2008d);
	ck_assert_uint_eq(access_map_generic(0x00000100u, ACCESS_SERVICE), 0x100);
	ck_assert_uint_eq(access_all(ACCESS_SERVICE), 0xf01ff);
	ck_assert_uint_eq(access_all(ACCESS_DIRECTORY), 0x1f01ff);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_READ, ACCESS_KEY), KEY_READ);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_EXECUTE, ACCESS_KEY), KEY_READ);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_WRITE, ACCESS_KEY), KEY_WRITE);
	ck_assert_uint_eq(access_map_generic(ACCESS_GENERIC_ALL, ACCESS_KEY), KEY_ALL_ACCESS);
	ck_assert_uint_eq(access_all(ACCESS_KEY), 0xf003f);
	ck_assert_uint_eq(access_map_generic(COM_RIGHTS_EXECUTE, ACCESS_COM), COM_RIGHTS_ALL);
	ck_assert_uint_eq(access_map_generic(COM_RIGHTS_EXECUTE | COM_RIGHTS_EXECUTE_LOCAL, ACCESS_COM), 0x3);
	ck_assert_uint_eq(access_all(ACCESS_COM), 0x1f);
}
END_TEST

static const struct {
	uint32_t mask;
	enum access_object obj;
	const char *want;
} names[] = {
	{ 0, ACCESS_SERVICE, "NONE" },
	{ 0xf01ff, ACCESS_SERVICE, "ALL_ACCESS" },
	{ 0x2018d, ACCESS_SERVICE, "QUERY_CONFIG|QUERY_STATUS|ENUMERATE_DEPENDENTS|INTERROGATE|"
				   "USER_DEFINED_CONTROL|READ_CONTROL" },
	{ 0x30, ACCESS_SERVICE, "START|STOP" },
	{ 0x1f01ff, ACCESS_FILE, "ALL_ACCESS" },
	{ 0x1200a9, ACCESS_FILE, "READ_DATA|READ_EA|EXECUTE|READ_ATTRIBUTES|READ_CONTROL|SYNCHRONIZE" },
	{ 0x1200a9, ACCESS_DIRECTORY, "LIST_DIRECTORY|READ_EA|TRAVERSE|READ_ATTRIBUTES|READ_CONTROL|SYNCHRONIZE" },
	{ 0x6, ACCESS_DIRECTORY, "ADD_FILE|ADD_SUBDIRECTORY" },
	{ 0x10000000, ACCESS_FILE, "GENERIC_ALL" },
	{ 0x80000000, ACCESS_SERVICE, "GENERIC_READ" },
	{ 0x1000, ACCESS_SERVICE, "0x1000" },
	{ 0x1001, ACCESS_SERVICE, "QUERY_CONFIG|0x1000" },
	{ 0x1f01ff, ACCESS_SERVICE, "QUERY_CONFIG|CHANGE_CONFIG|QUERY_STATUS|ENUMERATE_DEPENDENTS|"
				    "START|STOP|PAUSE_CONTINUE|INTERROGATE|USER_DEFINED_CONTROL|"
				    "DELETE|READ_CONTROL|WRITE_DAC|WRITE_OWNER|SYNCHRONIZE" },
	{ 0xf003f, ACCESS_KEY, "ALL_ACCESS" },
	{ 0x3001f, ACCESS_KEY, "QUERY_VALUE|SET_VALUE|CREATE_SUB_KEY|ENUMERATE_SUB_KEYS|NOTIFY|DELETE|READ_CONTROL" },
	{ 0x20019, ACCESS_KEY, "QUERY_VALUE|ENUMERATE_SUB_KEYS|NOTIFY|READ_CONTROL" },
	{ 0x1f, ACCESS_COM, "ALL_ACCESS" },
	{ 0xb, ACCESS_COM, "EXECUTE|EXECUTE_LOCAL|ACTIVATE_LOCAL" },
};

START_TEST(test_names)
{
	char buf[512], small[12];

	ck_assert_int_eq(access_rights_names(names[_i].mask, names[_i].obj, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, names[_i].want);
	if (strlen(names[_i].want) >= sizeof(small)) {
		ck_assert_int_eq(access_rights_names(names[_i].mask, names[_i].obj, small,
						     sizeof(small)), -E_LIMIT);
		ck_assert_uint_lt(strlen(small), sizeof(small));
	}
}
END_TEST

/* ---- diff -------------------------------------------------------------- */

static size_t diff_of(const char *expected, const char *actual, enum access_object obj,
		      struct ace_diff **d)
{
	struct secdesc e, a;
	size_t n = 99;
	struct err err;

	load_sddl(expected, &e);
	load_sddl(actual, &a);
	err_init(&err);
	ck_assert_msg(secdesc_diff(&e, &a, obj, d, &n, &err) == 0, "%s", err.msg);
	secdesc_release(&e);
	secdesc_release(&a);
	return n;
}

START_TEST(test_diff_same_meaning)
{
	static const char *const same[] = {
		SEED,
		/* reordered */
		"D:(A;;CCLCSWLOCRRC;;;SU)(A;;CCLCSWLOCRRC;;;IU)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
		"(A;;CCLCSWRPWPDTLOCRRC;;;SY)",
		/* split into two ACEs, an owner and inherited flags added */
		"O:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;GA;;;BA)(A;ID;CCLCSW;;;IU)(A;;LOCRRC;;;IU)"
		"(A;;CCLCSWLOCRRC;;;SU)",
	};
	struct ace_diff *d;
	size_t i;

	for (i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		ck_assert_uint_eq(diff_of(SEED, same[i], ACCESS_SERVICE, &d), 0);
		ck_assert_ptr_null(d);
	}
}
END_TEST

START_TEST(test_diff_windows10)
{
	struct ace_diff *d;
	size_t n = diff_of(SEED,
			   "O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
			   "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)(A;;CCLCSWRPWPDTLOCRRC;;;SO)"
			   "(A;;CCLCSWLORC;;;AC)", ACCESS_SERVICE, &d);

	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(d[0].kind, ACE_DIFF_EXTRA);
	ck_assert_str_eq(d[0].actual_ace, "(A;;CCLCSWRPWPDTLOCRRC;;;SO)");
	ck_assert_str_eq(d[0].expected_ace, "");
	ck_assert_uint_eq(d[0].actual_mask, 0x201fd);
	ck_assert_uint_eq(d[0].expected_mask, 0);
	ck_assert_int_eq(d[1].kind, ACE_DIFF_EXTRA);
	ck_assert_str_eq(d[1].actual_ace, "(A;;CCLCSWLORC;;;AC)");
	free(d);
}
END_TEST

START_TEST(test_diff_broken)
{
	struct ace_diff *d;
	struct sid su;
	/* MsLldp-like: SU and IU missing, BA changed, a deny added */
	size_t n = diff_of(SEED,
			   "D:(D;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BG)(A;;CCLCSWRPWPDTLOCRRC;;;SY)"
			   "(A;;CCDCLCSWRPDTLOCRSDRCWDWO;;;BA)", ACCESS_SERVICE, &d);

	ck_assert_uint_eq(n, 4);
	ck_assert_int_eq(d[0].kind, ACE_DIFF_CHANGED);
	ck_assert_str_eq(d[0].expected_ace, "(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)");
	ck_assert_str_eq(d[0].actual_ace, "(A;;CCDCLCSWRPDTLOCRSDRCWDWO;;;BA)");
	ck_assert_uint_eq(d[0].expected_mask, 0xf01ff);
	ck_assert_uint_eq(d[0].actual_mask, 0xf01df);
	ck_assert_int_eq(d[1].kind, ACE_DIFF_MISSING);
	ck_assert_str_eq(d[1].expected_ace, "(A;;CCLCSWLOCRRC;;;IU)");
	ck_assert_int_eq(d[2].kind, ACE_DIFF_MISSING);
	sid_from_string("SU", &su, NULL);
	ck_assert(sid_equal(&d[2].sid, &su));
	ck_assert_uint_eq(d[2].type, ACE_ACCESS_ALLOWED);
	ck_assert_int_eq(d[3].kind, ACE_DIFF_EXTRA);
	ck_assert_str_eq(d[3].actual_ace, "(D;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BG)");
	free(d);
}
END_TEST

START_TEST(test_diff_generic_and_flags)
{
	struct ace_diff *d;

	/* GR on a service is CCLCSWLORC: same meaning */
	ck_assert_uint_eq(diff_of("D:(A;;CCLCSWLORC;;;SU)", "D:(A;;GR;;;SU)", ACCESS_SERVICE, &d), 0);
	/* ... but not on a file */
	ck_assert_uint_eq(diff_of("D:(A;;CCLCSWLORC;;;SU)", "D:(A;;GR;;;SU)", ACCESS_FILE, &d), 1);
	ck_assert_int_eq(d[0].kind, ACE_DIFF_CHANGED);
	free(d);
	/* inheritance flags separate groups */
	ck_assert_uint_eq(diff_of("D:(A;OICI;FA;;;SY)", "D:(A;;FA;;;SY)", ACCESS_DIRECTORY, &d), 2);
	ck_assert_int_eq(d[0].kind, ACE_DIFF_MISSING);
	ck_assert_str_eq(d[0].expected_ace, "(A;OICI;FA;;;SY)");
	ck_assert_uint_eq(d[0].flags, ACE_OBJECT_INHERIT | ACE_CONTAINER_INHERIT);
	ck_assert_int_eq(d[1].kind, ACE_DIFF_EXTRA);
	free(d);
	/* allow and deny of the same SID are different groups */
	ck_assert_uint_eq(diff_of("D:(A;;CC;;;WD)", "D:(D;;CC;;;WD)(A;;CC;;;WD)", ACCESS_SERVICE, &d), 1);
	ck_assert_int_eq(d[0].kind, ACE_DIFF_EXTRA);
	ck_assert_uint_eq(d[0].type, ACE_ACCESS_DENIED);
	free(d);
	/* both empty */
	ck_assert_uint_eq(diff_of("D:", "D:NO_ACCESS_CONTROL", ACCESS_SERVICE, &d), 0);
	/* a long condition is cut with "..." to fit the field */
	ck_assert_uint_eq(diff_of("D:", "D:(XA;OICIIOID;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;"
				  "S-1-5-21-4294967295-4294967295-4294967295-4294967295;"
				  "((@USER.a == \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\") || "
				  "(@USER.a == \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\") || "
				  "(@USER.a == \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\") || "
				  "(@USER.a == \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\") || "
				  "(@USER.a == \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\") || "
				  "(@USER.a == \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\")))",
				  ACCESS_SERVICE, &d), 1);
	ck_assert_uint_eq(strlen(d[0].actual_ace), sizeof(d[0].actual_ace) - 1);
	ck_assert_str_eq(d[0].actual_ace + sizeof(d[0].actual_ace) - 4, "...");
	free(d);
}
END_TEST

Suite *access_suite(void);
Suite *access_suite(void)
{
	Suite *s = suite_create("access");
	TCase *tc;

	tc = tcase_create("effective");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_effective, 0, (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_test(tc, test_writer_token);
	tcase_add_test(tc, test_token);
	suite_add_tcase(s, tc);

	tc = tcase_create("rights");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_map_generic);
	tcase_add_loop_test(tc, test_names, 0, (int)(sizeof(names) / sizeof(names[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("diff");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_diff_same_meaning);
	tcase_add_test(tc, test_diff_windows10);
	tcase_add_test(tc, test_diff_broken);
	tcase_add_test(tc, test_diff_generic_and_flags);
	suite_add_tcase(s, tc);
	return s;
}
