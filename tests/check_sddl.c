/* SDDL: Windows' spelling, round trips (text -> descriptor -> text, bytes
 * -> text -> bytes), error offsets, and the `vssdoctor sddl` command. */
#define _GNU_SOURCE
#include "testutil.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits.h"
#include "sddl.h"
#include "sddl_cmd.h"
#include "secdesc.h"

/* DOMAIN.md, cause 3: the SCM default and the Windows 10-era CryptSvc */
#define SEED TU_SCM_DEFAULT_SDDL
#define W10_DOMAIN "O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)" \
	"(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)(A;;CCLCSWRPWPDTLOCRRC;;;SO)(A;;CCLCSWLORC;;;AC)"

/* SYSTEM_win10_1709 CryptSvc\Security and its SDDL */
#define W10_HEX TU_W10_CRYPTSVC_HEX
#define W10_SDDL W10_DOMAIN "(A;;CCLCSWLORC;;;S-1-15-3-1024-3203351429-2120443784-" \
	"2872670797-1918958302-2829055647-4275794519-765664414-2751773334)"
/* SYSTEM_winxp EventSystem\Security */
#define XP_HEX \
	"010014807c00000088000000140000003000000002001c000100000002801400ff010f0001010000" \
	"000000010000000002004c0003000000000014009d01020001010000000000050b00000000001800" \
	"ff010f0001020000000000052000000020020000000018008d000200010200000000000520000000" \
	"23020000010100000000000512000000010100000000000512000000"
#define XP_SDDL "O:SYG:SYD:(A;;CCLCSWRPLOCRRC;;;AU)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)" \
	"(A;;CCLCSWLORC;;;PU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)"
/* SYSTEM_win10_1709 MsLldp\Security: no grant for the writer's token */
#define W10_MSLLDP_HEX TU_W10_MSLLDP_HEX

/* Strings Windows prints, so decode -> encode must give them back. */
static const char *const identity[] = {
	SEED,
	W10_DOMAIN,
	W10_SDDL,
	XP_SDDL,
	"O:BAG:SYD:PAI(A;OICI;FA;;;SY)(A;OICIIO;GA;;;CO)(A;;0x1200a9;;;BU)(A;CI;LC;;;AU)(A;CIIO;SDGXGWGR;;;AU)",
	/* a Windows-printed volume root (Get-Acl): letters when a file mask
	 * lacks SYNCHRONIZE, hex when it has it and no alias fits */
	"O:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
	"G:S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
	"D:PAI(A;;FA;;;BA)(A;OICIIO;GA;;;BA)(A;;FA;;;SY)(A;OICIIO;GA;;;SY)(A;OICI;0x1200a9;;;BU)"
	"(A;OICIIO;SDGXGWGR;;;AU)(A;;LC;;;AU)S:(ML;OINPIO;NW;;;HI)",
	"D:NO_ACCESS_CONTROL",
	"D:PNO_ACCESS_CONTROL",
	"D:",
	"O:S-1-5-21-1-2-3-500G:SY",
	"D:PARAI(A;;FA;;;SY)",
	"S:(ML;;NW;;;LW)",
	"S:AI(ML;OICIIO;NWNR;;;HI)",
	"D:(OA;;CR;bf967aba-0de6-11d0-a285-00aa003049e2;;AU)(OD;CI;RPWP;;105c021e-0aa8-11d0-9b0a-00c04fd8d5c1;WD)",
	"D:(A;;0xffffffff;;;WD)",
	/* from Wine's tests of the Windows function */
	"O:SYG:S-1-5-21-93476-23408-4576D:(A;NP;GAGXGWGR;;;SU)(A;IOID;CCDC;;;SU)(D;OICI;0xffffffff;;;S-1-5-21-93476-23408-4576)",
	"O:SYG:S-1-5-21-93476-23408-4576D:S:",
	"D:NO_ACCESS_CONTROLS:(AU;OICINPIOIDSAFA;CCDCLCSWRPRC;;;SU)(AU;NPSA;0x12019f;;;SU)",
	"G:S-1-5-21-93476-23408-4576",
	"D:(A;;KA;;;BA)(A;;KR;;;BU)(A;;KW;;;WD)",
	"D:(A;;FR;;;WD)(A;;FW;;;WD)(A;;FX;;;WD)",
	"D:(A;CR;GA;;;WD)",
	"D:P(D;;FA;;;AN)S:PARAI",
	"D:(A;;;;;WD)",
	"",
	"O:S-1-0x123456789ABC-1",
	"D:(A;;CC;;;S-1-5-80-0)(A;;CC;;;S-1-5)",
	"D:(XA;;FA;;;WD)(XD;;FA;;;AU)(ZA;;CR;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)",
	"S:(AU;SA;FA;;;WD)(AL;FA;FA;;;WD)(OU;SA;CR;bf967aba-0de6-11d0-a285-00aa003049e2;;WD)(OL;FA;CR;;;WD)(XU;SA;FA;;;WD)",
	"S:(RA;;;;;WD;(\"Project\",TS,0x0,\"Windows\"))(SP;;;;;S-1-17-1)(TL;;RC;;;S-1-19-512-8192)(FL;;;;;WD)",
	/* conditions and resource attributes as Windows prints them */
	"D:(XA;;LCRPWP;;;IU;(!(WIN://ISMULTISESSIONSKU)))",
	"D:(XA;;FA;;;WD;(Member_of {SID(BA)}))(XD;;FA;;;AU;(@USER.Title == \"PM\"))",
	"D:(ZA;;CR;bf967aba-0de6-11d0-a285-00aa003049e2;;WD;((@DEVICE.x >= -0x10) || (Exists @RESOURCE.y)))",
	"S:(XU;SA;FA;;;WD;(Not_Member_of_Any {SID(S-1-5-21-1-2-3-500), SID(SY)}))",
	"S:(RA;;;;;WD;(\"Department_88ce9e0e3cac9f52\",TS,0x0,\"Finance\"))(RA;;;;;WD;(\"Impact_88ce9e0e4e78e57f\",TI,0x0,1))",
};

START_TEST(test_identity)
{
	struct secdesc sd, sd2;
	struct err err;
	size_t off = 99;
	char *out = NULL;
	uint8_t *bin;
	size_t len;

	err_init(&err);
	ck_assert_msg(sddl_decode(identity[_i], &sd, &off, &err) == 0, "'%s': %s",
		      identity[_i], err.msg);
	ck_assert_int_eq(sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &out, &err), 0);
	ck_assert_str_eq(out, identity[_i]);
	free(out);
	/* and through bytes: text -> bytes -> descriptor -> text */
	ck_assert_int_eq(secdesc_encode(&sd, &bin, &len, &err), 0);
	ck_assert_msg(secdesc_parse(bin, len, &sd2, &err) == 0, "%s", err.msg);
	ck_assert(secdesc_equal(&sd, &sd2));
	ck_assert_int_eq(sddl_encode(&sd2, SDDL_RIGHTS_FILE, &out, &err), 0);
	ck_assert_str_eq(out, identity[_i]);
	free(out);
	free(bin);
	secdesc_release(&sd2);
	secdesc_release(&sd);
}
END_TEST

/* Accepted spellings -> what Windows prints. */
static const struct {
	const char *in, *out;
} normal[] = {
	{ "d:(a;;ga;;;wd)", "D:(A;;GA;;;WD)" },
	{ "D:(A;;0x1f01ff;;;SY)", "D:(A;;FA;;;SY)" },
	{ "D:(A;;0X1F01FF;;;S-1-5-18)", "D:(A;;FA;;;SY)" },
	{ "D:(A;;KX;;;BU)", "D:(A;;KR;;;BU)" },
	{ "D:(A;;0x1;;;S-1-5-18)", "D:(A;;CC;;;SY)" },
	{ "D:(A;;1;;;WD)", "D:(A;;CC;;;WD)" },
	{ "D:(A;;983551;;;BA)", "D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)" },
	{ "D:(A;;GRGWGXGA;;;WD)", "D:(A;;GAGXGWGR;;;WD)" },
	{ "D:(A;;RCCC;;;WD)", "D:(A;;CCRC;;;WD)" },
	{ "D:(A;;FRFW;;;WD)", "D:(A;;0x12019f;;;WD)" },
	{ "D:(A;IOCIOI;GA;;;CO)", "D:(A;OICIIO;GA;;;CO)" },
	{ "  D: (A;;GA;;;WD)  (A;;GA;;;SY)\n", "D:(A;;GA;;;WD)(A;;GA;;;SY)" },
	{ " \t\n", "" },
	{ "\nD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)\n", "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)" },
	{ "D:AIP(A;;FA;;;SY)", "D:PAI(A;;FA;;;SY)" },
	{ "D:AIARP", "D:PARAI" },
	{ "S:(ML;;NR;;;LW)", "S:(ML;;NR;;;LW)" },
	{ "S:(ML;;0x7;;;LW)", "S:(ML;;NWNRNX;;;LW)" },
	{ "S:(ML;;0x8;;;LW)", "S:(ML;;0x8;;;LW)" },
	{ "D:(A;;NW;;;WD)", "D:(A;;CC;;;WD)" },
	{ "D:(XA;;FA;;;WD;( member_of{SID(S-1-5-32-544)} ))", "D:(XA;;FA;;;WD;(Member_of {SID(BA)}))" },
	{ "D:(XA;;FA;;;WD;(@User.Title==\"PM )(\" && (x)))",
	  "D:(XA;;FA;;;WD;((@USER.Title == \"PM )(\") && (x)))" },
	{ "S:(RA;;;;;WD;( \"Project\" , TS , 0 , \"Windows\" ))", "S:(RA;;;;;WD;(\"Project\",TS,0x0,\"Windows\"))" },
	{ "D:(XD;;FA;;;WD;(!@user.x))", "D:(XD;;FA;;;WD;(!(@USER.x)))" },
	{ "G:SYO:BA", "O:BAG:SY" },
	{ "S:(AU;FA;GA;;;WD)D:(A;;GA;;;WD)", "D:(A;;GA;;;WD)S:(AU;FA;GA;;;WD)" },
	{ "O:S-1-5-21-1-2-3D:(A;;GA;;;WD)", "O:S-1-5-21-1-2-3D:(A;;GA;;;WD)" },
	{ "O:S-1-0x5-18", "O:SY" },
	{ "O:s-1-5-32-544", "O:BA" },
	{ "D:(OA;;CR;BF967ABA-0DE6-11D0-A285-00AA003049E2;;AU)",
	  "D:(OA;;CR;bf967aba-0de6-11d0-a285-00aa003049e2;;AU)" },
};

START_TEST(test_normal)
{
	struct secdesc sd;
	struct err err;
	char *out = NULL;

	err_init(&err);
	ck_assert_msg(sddl_decode(normal[_i].in, &sd, NULL, &err) == 0, "'%s': %s",
		      normal[_i].in, err.msg);
	ck_assert_int_eq(sddl_encode(&sd, SDDL_RIGHTS_FILE, &out, &err), 0);
	ck_assert_str_eq(out, normal[_i].out);
	free(out);
	secdesc_release(&sd);
}
END_TEST

/* Real Windows bytes -> SDDL -> the same bytes. */
static const struct {
	const char *hex, *sddl;
} real[] = {
	{ W10_HEX, W10_SDDL },
	{ XP_HEX, XP_SDDL },
};

START_TEST(test_bytes_roundtrip)
{
	uint8_t buf[512], *bin;
	size_t n = tu_unhex(real[_i].hex, buf, sizeof(buf)), len;
	struct secdesc sd;
	struct err err;
	char *text;

	err_init(&err);
	ck_assert_int_eq(secdesc_parse(buf, n, &sd, &err), 0);
	ck_assert_int_eq(sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &text, &err), 0);
	ck_assert_str_eq(text, real[_i].sddl);
	secdesc_release(&sd);
	ck_assert_int_eq(sddl_decode(text, &sd, NULL, &err), 0);
	ck_assert_int_eq(secdesc_encode(&sd, &bin, &len, &err), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(bin, buf, n);
	free(bin);
	free(text);
	secdesc_release(&sd);
}
END_TEST

/* The seed descriptor in bytes is laid out as Windows lays out the
 * Windows 8 MsLldp descriptor that has the same SACL. */
START_TEST(test_seed_bytes)
{
	struct secdesc sd, sd2;
	uint8_t *bin, *bin2;
	size_t len, len2;
	char *hex, *text;

	ck_assert_int_eq(sddl_decode(SEED, &sd, NULL, NULL), 0);
	ck_assert_uint_eq(sd.control, 0x8014);
	ck_assert_int_eq(secdesc_encode(&sd, &bin, &len, NULL), 0);
	hex = tu_hex(bin, len);
	ck_assert_str_eq(hex,
		"010014800000000000000000140000003000000002001c000100000002801400ff010f00"
		"01010000000000010000000002005c000400000000001400fd0102000101000000000005"
		"1200000000001800ff010f000102000000000005200000002002000000001400"
		"8d010200010100000000000504000000000014008d010200010100000000000506000000");
	/* bytes -> SDDL -> bytes */
	ck_assert_int_eq(secdesc_parse(bin, len, &sd2, NULL), 0);
	ck_assert_int_eq(sddl_encode(&sd2, SDDL_RIGHTS_SERVICE, &text, NULL), 0);
	ck_assert_str_eq(text, SEED);
	secdesc_release(&sd2);
	ck_assert_int_eq(sddl_decode(text, &sd2, NULL, NULL), 0);
	ck_assert_int_eq(secdesc_encode(&sd2, &bin2, &len2, NULL), 0);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(bin2, bin, len);
	free(bin2);
	free(text);
	free(hex);
	free(bin);
	secdesc_release(&sd2);
	secdesc_release(&sd);
}
END_TEST

static const struct {
	const char *in;
	size_t offset;
	int code;
	const char *msg;
} bad[] = {
	{ "X:", 0, -E_CORRUPT, "expected O:, G:, D: or S:" },
	{ "D", 0, -E_CORRUPT, "expected O:, G:, D: or S:" },
	{ "D:(A;;GA;;;WD", 13, -E_CORRUPT, "unterminated ACE" },
	{ "D:(A;;GA;;;WD)(", 15, -E_CORRUPT, "unterminated ACE" },
	{ "D:(Q;;GA;;;WD)", 3, -E_CORRUPT, "unknown ACE type 'Q'" },
	{ "D:(;;GA;;;WD)", 3, -E_CORRUPT, "unknown ACE type ''" },
	{ "D:(A;ZZ;GA;;;WD)", 5, -E_CORRUPT, "unknown ACE flag 'ZZ'" },
	{ "D:(A;OIC;GA;;;WD)", 7, -E_CORRUPT, "unknown ACE flag 'C'" },
	{ "D:(A;;QQ;;;WD)", 6, -E_CORRUPT, "unknown right 'QQ'" },
	{ "D:(A;;GAG;;;WD)", 8, -E_CORRUPT, "unknown right 'G'" },
	{ "D:(A;;0xZZ;;;WD)", 8, -E_CORRUPT, "bad hex digit in rights '0xZZ'" },
	{ "D:(A;;0x;;;WD)", 6, -E_CORRUPT, "bad rights '0x'" },
	{ "D:(A;;0x100000000;;;WD)", 6, -E_CORRUPT, "exceed 32 bits" },
	{ "D:(A;;12a;;;WD)", 8, -E_CORRUPT, "bad digit in rights" },
	{ "D:(A;;GA;;;XX)", 11, -E_CORRUPT, "unknown sid alias 'XX'" },
	{ "D:(A;;GA;;;DA)", 11, -E_UNSUPPORTED, "sid alias 'DA' needs the domain's sid" },
	{ "D:(A;;GA;;;S-1-5-)", 11, -E_CORRUPT, "bad sid 'S-1-5-'" },
	{ "D:(A;;GA;;;)", 11, -E_CORRUPT, "missing sid" },
	{ "D:(A;;GA;abc;;WD)", 9, -E_CORRUPT, "object type on a non-object ACE" },
	{ "D:(A;;GA;;WD)", 10, -E_CORRUPT, "inherited object type on a non-object ACE" },
	{ "D:(OA;;GA;abc;;WD)", 10, -E_CORRUPT, "bad guid 'abc'" },
	{ "D:(OA;;GA;;bf967aba-0de6-11d0-a285-00aa003049eZ;WD)", 11, -E_CORRUPT, "bad guid" },
	{ "D:(OA;;GA;;bf967aba-0de6-11d0a-285-00aa003049e2;WD)", 11, -E_CORRUPT, "bad guid" },
	{ "O:SYO:BA", 4, -E_CORRUPT, "second O: component" },
	{ "D:D:", 2, -E_CORRUPT, "second D: component" },
	{ "D:NO_ACCESS_CONTROL(A;;GA;;;WD)", 19, -E_CORRUPT, "ACE after NO_ACCESS_CONTROL" },
	{ "D:(A;;GA;;;WD)junk", 14, -E_CORRUPT, "expected O:, G:, D: or S:" },
	{ "D:(A;;GA;;;WD;(x))", 13, -E_CORRUPT, "extra field after the sid of an A ACE" },
	{ "D:(XA;;GA;;;WD;(x)", 18, -E_CORRUPT, "expected ')'" },
	{ "D:(XA;;GA;;;WD;(x", 17, -E_CORRUPT, "expected ')'" },
	{ "D:(XA;;GA;;;WD;(x == ))", 21, -E_CORRUPT, "expected a value" },
	{ "D:(XA;;GA;;;WD;(1 == x))", 16, -E_CORRUPT, "expected an attribute" },
	{ "D:(XA;;GA;;;WD;(Member_of 1))", 26, -E_CORRUPT, "'Member_of' needs SID(...)" },
	{ "D:(XA;;GA;;;WD;(@Foo.x))", 16, -E_CORRUPT, "expected @USER., @DEVICE. or @RESOURCE." },
	{ "S:(RA;;;;;WD)", 12, -E_CORRUPT, "RA ACE without its attribute" },
	{ "S:(RA;;;;;WD;(\"x\",TQ,0,1))", 18, -E_CORRUPT, "expected TI, TU, TS, TD, TX or TB" },
	{ "S:(RA;;;;;WD;(\"x\",TB,0,2))", 23, -E_CORRUPT, "TB values are 0 or 1" },
	{ "D:(XA;;GA;;;WD;x)", 15, -E_CORRUPT, "expected '('" },
	{ "D:(A;;GA;;;(x))", 11, -E_CORRUPT, "unexpected '('" },
	{ "O:", 2, -E_CORRUPT, "missing sid" },
	{ "O:S-1-5-18-", 2, -E_CORRUPT, "bad sid" },
	{ "O:Q", 2, -E_CORRUPT, "missing sid" },
	{ "O:SYG", 4, -E_CORRUPT, "expected O:, G:, D: or S:" },
};

START_TEST(test_bad)
{
	struct secdesc sd;
	struct err err;
	size_t off = 12345;
	char want[64];

	err_init(&err);
	ck_assert_int_eq(sddl_decode(bad[_i].in, &sd, &off, &err), bad[_i].code);
	ck_assert_msg(off == bad[_i].offset, "'%s': offset %zu, want %zu (%s)", bad[_i].in,
		      off, bad[_i].offset, err.msg);
	ck_assert_msg(strstr(err.msg, bad[_i].msg), "'%s': message '%s' lacks '%s'",
		      bad[_i].in, err.msg, bad[_i].msg);
	snprintf(want, sizeof(want), "at offset %zu", bad[_i].offset);
	ck_assert_msg(strstr(err.msg, want), "'%s': message '%s' lacks '%s'", bad[_i].in,
		      err.msg, want);
	secdesc_release(&sd);
}
END_TEST

START_TEST(test_limits)
{
	struct secdesc sd;
	struct err err;
	size_t off, i, n;
	char *s;

	/* too long */
	s = malloc(LIMIT_SDDL_LEN + 100);
	memset(s, ' ', LIMIT_SDDL_LEN + 99);
	s[LIMIT_SDDL_LEN + 99] = '\0';
	err_init(&err);
	ck_assert_int_eq(sddl_decode(s, &sd, &off, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "LIMIT_SDDL_LEN"));
	secdesc_release(&sd);
	/* one ACE more than LIMIT_ACL_ACES */
	n = 2;
	memcpy(s, "D:", 2);
	for (i = 0; i <= LIMIT_ACL_ACES; i++) {
		memcpy(s + n, "(A;;GA;;;WD)", 12);
		n += 12;
	}
	s[n] = '\0';
	ck_assert_int_eq(sddl_decode(s, &sd, &off, &err), -E_LIMIT);
	ck_assert_uint_eq(off, 2 + 12 * (size_t)LIMIT_ACL_ACES);
	ck_assert_ptr_nonnull(strstr(err.msg, "LIMIT_ACL_ACES"));
	secdesc_release(&sd);
	/* exactly the limit is fine */
	s[n - 12] = '\0';
	ck_assert_int_eq(sddl_decode(s, &sd, &off, &err), 0);
	ck_assert_uint_eq(sd.dacl.count, LIMIT_ACL_ACES);
	secdesc_release(&sd);
	free(s);
}
END_TEST

START_TEST(test_ace_encode)
{
	struct ace a;
	char buf[SDDL_ACE_MAX], small[8];

	memset(&a, 0, sizeof(a));
	a.type = ACE_ACCESS_ALLOWED;
	a.mask = 0x2018d;
	sid_from_string("SU", &a.sid, NULL);
	ck_assert_int_eq(sddl_ace_encode(&a, SDDL_RIGHTS_SERVICE, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "(A;;CCLCSWLOCRRC;;;SU)");
	ck_assert_int_eq(sddl_ace_encode(&a, SDDL_RIGHTS_SERVICE, small, sizeof(small)), -E_LIMIT);
	ck_assert_uint_eq(strlen(small), sizeof(small) - 1);
	a.type = ACE_ACCESS_DENIED_CALLBACK_OBJECT;  /* no SDDL name */
	ck_assert_int_eq(sddl_ace_encode(&a, SDDL_RIGHTS_SERVICE, buf, sizeof(buf)), -E_UNSUPPORTED);
	ck_assert_ptr_null(sddl_ace_type_name(0x0C));
	ck_assert_str_eq(sddl_ace_type_name(0x11), "ML");
	/* the rights field alone */
	ck_assert_int_eq(sddl_rights_encode(0x1200a9, ACE_ACCESS_ALLOWED, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "0x1200a9");
	ck_assert_int_eq(sddl_rights_encode(0x120089, ACE_ACCESS_ALLOWED, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "FR");
	ck_assert_int_eq(sddl_rights_encode(0, ACE_ACCESS_ALLOWED, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
}
END_TEST

START_TEST(test_encode_unsupported_type)
{
	/* binary ACE type 0x0C (callback object deny) has no SDDL token */
	const char *hex = "0100048000000000000000000000000014000000"
			  "04002000010000000c001800ff010f0000000000010100000000000100000000";
	uint8_t buf[128];
	size_t n = tu_unhex(hex, buf, sizeof(buf));
	struct secdesc sd;
	struct err err;
	char x[] = "x", *out = x;

	err_init(&err);
	ck_assert_msg(secdesc_parse(buf, n, &sd, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &out, &err), -E_UNSUPPORTED);
	ck_assert_ptr_null(out);
	ck_assert_ptr_nonnull(strstr(err.msg, "D: ACE 0: type 0x0c has no SDDL form"));
	secdesc_release(&sd);
}
END_TEST

/* ---- the command ------------------------------------------------------- */

struct captured {
	int status;
	char *out, *err;
};

static void run_cmd(struct captured *c, int argc, char **argv)
{
	char *dir = tu_tmpdir("sddl_cmd"), path_o[512], path_e[512];
	int so, se, fo, fe;

	snprintf(path_o, sizeof(path_o), "%s/out", dir);
	snprintf(path_e, sizeof(path_e), "%s/err", dir);
	fflush(stdout);
	fflush(stderr);
	so = dup(1);
	se = dup(2);
	fo = open(path_o, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	fe = open(path_e, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert(so >= 0 && se >= 0 && fo >= 0 && fe >= 0);
	dup2(fo, 1);
	dup2(fe, 2);
	c->status = cmd_sddl(argc, argv);
	fflush(stdout);
	fflush(stderr);
	dup2(so, 1);
	dup2(se, 2);
	close(so);
	close(se);
	close(fo);
	close(fe);
	c->out = tu_read_file(path_o, NULL);
	c->err = tu_read_file(path_e, NULL);
	ck_assert(c->out && c->err);
	free(dir);
}

static void free_cmd(struct captured *c)
{
	free(c->out);
	free(c->err);
}

/* run_cmd with a NULL-terminated list of arguments (copied: argv is not
 * const). */
static void run_cmdv(struct captured *c, const char *arg, ...)
{
	char *argv[16];
	const char *a;
	va_list ap;
	int argc = 0, i;

	va_start(ap, arg);
	for (a = arg; a && argc < 15; a = va_arg(ap, const char *))
		argv[argc++] = strdup(a);
	va_end(ap);
	argv[argc] = NULL;
	run_cmd(c, argc, argv);
	for (i = 0; i < argc; i++)
		free(argv[i]);
}

static const char *line_with(const char *text, const char *prefix)
{
	const char *p = text;

	while (p && *p) {
		if (strncmp(p, prefix, strlen(prefix)) == 0)
			return p;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

START_TEST(test_cmd_sddl_input)
{
	struct captured c;
	const char *w;

	ck_assert_str_eq(sddl_cmd_usage(),
			 "usage: vssdoctor sddl [--kind service|file|directory] [--format text|json|sddl] HEX|@FILE|SDDL");
	run_cmdv(&c, "sddl", SEED, NULL);
	ck_assert_int_eq(c.status, 0);
	ck_assert_str_eq(c.err, "");
	ck_assert_int_eq(strncmp(c.out, SEED "\n", strlen(SEED) + 1), 0);
	ck_assert_ptr_nonnull(strstr(c.out, "\nhex: 010014800000000000000000140000003000000002001c00"));
	ck_assert_ptr_nonnull(strstr(c.out, "(A;;CCLCSWLOCRRC;;;SU)\n      allow NT AUTHORITY\\SERVICE (S-1-5-6): "
					    "QUERY_CONFIG|QUERY_STATUS|ENUMERATE_DEPENDENTS|INTERROGATE|"
					    "USER_DEFINED_CONTROL|READ_CONTROL\n"));
	w = line_with(c.out, "  writer");
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(strstr(w, ": QUERY_CONFIG|QUERY_STATUS|"));
	ck_assert_ptr_nonnull(line_with(c.out, "  BA      BUILTIN\\Administrators: ALL_ACCESS\n"));
	ck_assert_ptr_nonnull(line_with(c.out, "  NS      NT AUTHORITY\\NETWORK SERVICE: NONE\n"));
	free_cmd(&c);
}
END_TEST

START_TEST(test_cmd_hex_and_file)
{
	struct captured c;
	char spaced[1024], *dir, path[512], at[520];
	uint8_t buf[512];
	size_t n, i, j = 0;
	const char *w;

	/* hex with whitespace and a .reg-style prefix */
	j += (size_t)sprintf(spaced, "hex:");
	for (i = 0; W10_HEX[i]; i++) {
		spaced[j++] = W10_HEX[i];
		if (i % 2)
			spaced[j++] = i % 32 == 31 ? '\n' : ' ';
	}
	spaced[j] = '\0';
	run_cmdv(&c, "sddl", spaced, NULL);
	ck_assert_int_eq(c.status, 0);
	ck_assert_int_eq(strncmp(c.out, W10_SDDL "\n", strlen(W10_SDDL) + 1), 0);
	ck_assert_ptr_nonnull(strstr(c.out, "\nhex: " W10_HEX "\n"));
	free_cmd(&c);

	/* @FILE: raw bytes */
	dir = tu_tmpdir("sddl_cmd_file");
	snprintf(path, sizeof(path), "%s/sd.bin", dir);
	n = tu_unhex(XP_HEX, buf, sizeof(buf));
	ck_assert_int_eq(tu_write_file(path, buf, n), 0);
	snprintf(at, sizeof(at), "@%s", path);
	run_cmdv(&c, "sddl", "--kind", "service", at, NULL);
	ck_assert_int_eq(c.status, 0);
	ck_assert_int_eq(strncmp(c.out, XP_SDDL "\n", strlen(XP_SDDL) + 1), 0);
	ck_assert_ptr_nonnull(strstr(c.out, "sacl: 1 ACE\n"));
	free_cmd(&c);
	free(dir);

	/* MsLldp without SU/IU: the writer cannot even query it (cause 3) */
	run_cmdv(&c, "sddl", W10_MSLLDP_HEX, NULL);
	ck_assert_int_eq(c.status, 0);
	w = line_with(c.out, "  writer");
	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(strstr(w, ": NONE\n"));
	ck_assert_ptr_nonnull(strstr(c.out, "      deny BUILTIN\\Guests (S-1-5-32-546): ALL_ACCESS\n"));
	free_cmd(&c);
}
END_TEST

START_TEST(test_cmd_kinds_and_stub)
{
	struct captured c;

	run_cmdv(&c, "sddl", "--kind=file", "D:PAI(A;;FA;;;SY)(A;;0x1200a9;;;BU)", NULL);
	ck_assert_int_eq(c.status, 0);
	ck_assert_ptr_nonnull(strstr(c.out, "effective rights (file,"));
	ck_assert_ptr_nonnull(line_with(c.out, "  SY      NT AUTHORITY\\SYSTEM: ALL_ACCESS\n"));
	ck_assert_ptr_nonnull(strstr(c.out, "writer  System Writer (NS SU AU WD BU S-1-5-15 "
					    "NT SERVICE\\CryptSvc): READ_DATA|READ_EA|EXECUTE|"
					    "READ_ATTRIBUTES|READ_CONTROL|SYNCHRONIZE\n"));
	free_cmd(&c);
	run_cmdv(&c, "sddl", "--kind", "directory", "D:(A;;0x1200a9;;;BU)", NULL);
	ck_assert_int_eq(c.status, 0);
	ck_assert_ptr_nonnull(strstr(c.out, "LIST_DIRECTORY|READ_EA|TRAVERSE|READ_ATTRIBUTES"));
	free_cmd(&c);
	run_cmdv(&c, "sddl", "00 00 0e 00 01", NULL);
	ck_assert_int_eq(c.status, 0);
	ck_assert_ptr_nonnull(strstr(c.out, "no descriptor"));
	free_cmd(&c);
}
END_TEST

static const struct {
	const char *argv[4];
	const char *msg;
} cmd_bad[] = {
	{ { "sddl" }, "no input" },
	{ { "sddl", " " }, "empty input" },
	{ { "sddl", "D:(A;;QQ;;;WD)" }, "unknown right 'QQ' at offset 6" },
	{ { "sddl", "0100048" }, "odd number of hex digits (7)" },
	{ { "sddl", "0100" }, "descriptor: 2 bytes < 20" },
	{ { "sddl", "@/nonexistent/sd.bin" }, "cannot open '/nonexistent/sd.bin'" },
	{ { "sddl", "--kind", "registry" }, "unknown --kind 'registry'" },
	{ { "sddl", "--kind" }, "--kind needs" },
	{ { "sddl", "D:", "D:" }, "more than one input" },
	{ { "sddl", "--frob" }, "unknown option '--frob'" },
};

START_TEST(test_cmd_bad)
{
	struct captured c;

	run_cmdv(&c, cmd_bad[_i].argv[0], cmd_bad[_i].argv[1], cmd_bad[_i].argv[2],
		 cmd_bad[_i].argv[3], NULL);
	ck_assert_int_eq(c.status, 2);
	ck_assert_str_eq(c.out, "");
	ck_assert_int_eq(strncmp(c.err, "vssdoctor: sddl: ", 17), 0);
	ck_assert_msg(strstr(c.err, cmd_bad[_i].msg), "stderr '%s' lacks '%s'", c.err,
		      cmd_bad[_i].msg);
	/* exactly one line */
	ck_assert_ptr_eq(strchr(c.err, '\n'), c.err + strlen(c.err) - 1);
	free_cmd(&c);
}
END_TEST

Suite *sddl_suite(void);
Suite *sddl_suite(void)
{
	Suite *s = suite_create("sddl");
	TCase *tc;

	tc = tcase_create("roundtrip");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_identity, 0, (int)(sizeof(identity) / sizeof(identity[0])));
	tcase_add_loop_test(tc, test_normal, 0, (int)(sizeof(normal) / sizeof(normal[0])));
	tcase_add_loop_test(tc, test_bytes_roundtrip, 0, (int)(sizeof(real) / sizeof(real[0])));
	tcase_add_test(tc, test_seed_bytes);
	tcase_add_test(tc, test_ace_encode);
	suite_add_tcase(s, tc);

	tc = tcase_create("errors");
	/* test_limits decodes 4096 ACEs twice: 0.02 s plain, several seconds
	 * under ASan (its realloc always copies), more on a loaded machine */
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_encode_unsupported_type);
	suite_add_tcase(s, tc);

	tc = tcase_create("command");
	tcase_set_timeout(tc, 20);
	tcase_add_test(tc, test_cmd_sddl_input);
	tcase_add_test(tc, test_cmd_hex_and_file);
	tcase_add_test(tc, test_cmd_kinds_and_stub);
	tcase_add_loop_test(tc, test_cmd_bad, 0, (int)(sizeof(cmd_bad) / sizeof(cmd_bad[0])));
	suite_add_tcase(s, tc);
	return s;
}
