/* Conditional expressions and resource attributes (parsers/condexpr.c,
 * MS-DTYP 2.4.4.17, 2.4.10.1, 2.5.1.1): Windows' own bytes both ways,
 * the documented examples, garbage refused with its offset, the limits,
 * and the three-valued evaluation a token without claims gets. */
#define _POSIX_C_SOURCE 200809L
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "condexpr.h"
#include "registry.h"
#include "sddl.h"
#include "secdesc.h"
#include "services.h"

/* ---- Windows' bytes --------------------------------------------------------
 * What ConvertStringSecurityDescriptorToSecurityDescriptorW returned on
 * Windows for the input SDDL, as samba recorded it
 * (libcli/security/tests/windows/conditional_aces.txt.json); the middle
 * string is how the descriptor prints (Windows' layout: one pair of
 * parentheses around the condition and around each operand of ! && ||,
 * "@USER." prefixes). */
static const struct {
	const char *in, *canonical, *hex;
} windows[] = {
	{ "D:(XA;;0x1f;;;AA;(!(! (Member_of{SID(AA)}))))",
	  "D:(XA;;CCDCLCSWRP;;;AA;(!(!(Member_of {SID(AA)}))))",
	  "0100048000000000000000000000000014000000020044000100000009003c001f000000"
	  "010200000000000520000000430200006172747850150000005110000000010200000000"
	  "0005200000004302000089a2a2000000" },
	{ "D:(XA;;0x1f;;;AA;(@Device.colour == \"blue\"))",
	  "D:(XA;;CCDCLCSWRP;;;AA;(@DEVICE.colour == \"blue\"))",
	  "0100048000000000000000000000000014000000020044000100000009003c001f000000"
	  "0102000000000005200000004302000061727478fb0c00000063006f006c006f00750072"
	  "00100800000062006c00750065008000" },
	{ "D:(XA;;0x1f;;;AA;(@Device.colour == @Resource.colour))S:(RA;;;;;WD;(\"colour\",TS,0,\"blue\"))",
	  "D:(XA;;CCDCLCSWRP;;;AA;(@DEVICE.colour == @RESOURCE.colour))S:(RA;;;;;WD;(\"colour\",TS,0x0,\"blue\"))",
	  "010014800000000000000000140000005c00000002004800010000001200400000000000"
	  "010100000000000100000000140000000300000000000000010000002200000063006f00"
	  "6c006f0075007200000062006c007500650000000200480001000000090040001f000000"
	  "0102000000000005200000004302000061727478fb0c00000063006f006c006f00750072"
	  "00fa0c00000063006f006c006f00750072008000" },
	{ "D:(XA;;0x1f;;;AA;(@Device.colour == {\"orange\", \"blue\"}))",
	  "D:(XA;;CCDCLCSWRP;;;AA;(@DEVICE.colour == {\"orange\", \"blue\"}))",
	  "010004800000000000000000000000001400000002005c0001000000090054001f000000"
	  "0102000000000005200000004302000061727478fb0c00000063006f006c006f00750072"
	  "00501e000000100c0000006f00720061006e0067006500100800000062006c0075006500"
	  "80000000" },
	{ "D:(XA;;0x1f;;;AA;(@Device.colour Contains @Resource.colour))S:(RA;;;;;WD;(\"colour\",TS,0,\"blue\", \"red\"))",
	  "D:(XA;;CCDCLCSWRP;;;AA;(@DEVICE.colour Contains @RESOURCE.colour))S:(RA;;;;;WD;(\"colour\",TS,0x0,\"blue\",\"red\"))",
	  "0100148000000000000000001400000068000000020054000100000012004c0000000000"
	  "010100000000000100000000180000000300000000000000020000002600000030000000"
	  "63006f006c006f0075007200000062006c00750065000000720065006400000002004800"
	  "01000000090040001f0000000102000000000005200000004302000061727478fb0c0000"
	  "0063006f006c006f0075007200fa0c00000063006f006c006f00750072008600" },
	{ "D:(XA;;0x1f;;;AA;(@Device.legs >= 1))",
	  "D:(XA;;CCDCLCSWRP;;;AA;(@DEVICE.legs >= 1))",
	  "01000480000000000000000000000000140000000200400001000000090038001f000000"
	  "0102000000000005200000004302000061727478fb080000006c00650067007300040100"
	  "000000000000030285000000" },
	{ "D:(XA;;0x1f;;;AA;(Device_Member_of{SID(AA)} || Member_of{SID(WD)}))",
	  "D:(XA;;CCDCLCSWRP;;;AA;((Device_Member_of {SID(AA)}) || (Member_of {SID(WD)})))",
	  "01000480000000000000000000000000140000000200580001000000090050001f000000"
	  "010200000000000520000000430200006172747850150000005110000000010200000000"
	  "000520000000430200008a5011000000510c00000001010000000000010000000089a100" },
	{ "D:(XA;;0x1f;;;AA;(a == 1))",
	  "D:(XA;;CCDCLCSWRP;;;AA;(a == 1))",
	  "01000480000000000000000000000000140000000200380001000000090030001f000000"
	  "0102000000000005200000004302000061727478f8020000006100040100000000000000"
	  "03028000" },
	{ "D:(XA;;;;;WD;(@Device.bb == 0x7fffffffffffffff))",
	  "D:(XA;;;;;WD;(@DEVICE.bb == 0x7fffffffffffffff))",
	  "010004800000000000000000000000001400000002003800010000000900300000000000"
	  "01010000000000010000000061727478fb040000006200620004ffffffffffffff7f0303"
	  "80000000" },
	{ "D:(XA;;FR;;;S-1-1-0;(@USER.A || @Device.B && @USER.C))",
	  "D:(XA;;FR;;;WD;((@USER.A) || ((@DEVICE.B) && (@USER.C))))",
	  "010004800000000000000000000000001400000002003800010000000900300089001200"
	  "01010000000000010000000061727478f9020000004100fb020000004200f90200000043"
	  "00a0a100" },
	{ "D:(XA;;FR;;;S-1-1-0;(@USER.A && @Device.B || @USER.C))",
	  "D:(XA;;FR;;;WD;(((@USER.A) && (@DEVICE.B)) || (@USER.C)))",
	  "010004800000000000000000000000001400000002003800010000000900300089001200"
	  "01010000000000010000000061727478f9020000004100fb020000004200a0f902000000"
	  "4300a100" },
	{ "D:(XA;;FR;;;S-1-1-0;(Member_of {SID(S-1-999-777-7-7), SID(BO)} && @Device.Bitlocker))",
	  "D:(XA;;FR;;;WD;((Member_of {SID(S-1-999-777-7-7), SID(BO)}) && (@DEVICE.Bitlocker)))",
	  "010004800000000000000000000000001400000002006c00010000000900640089001200"
	  "01010000000000010000000061727478502e000000511400000001030000000003e70903"
	  "0000070000000700000051100000000102000000000005200000002702000089fb120000"
	  "004200690074006c006f0063006b0065007200a0" },
	{ "D:(XA;;FX;;;S-1-1-0;(@User.Title==\"PM\" && (@User.Division==\"Finance\" || @User.Division ==\"Sales\")))",
	  "D:(XA;;FX;;;WD;((@USER.Title == \"PM\") && ((@USER.Division == \"Finance\") || (@USER.Division == \"Sales\"))))",
	  "010004800000000000000000000000001400000002008c000100000009008400a0001200"
	  "01010000000000010000000061727478f90a0000005400690074006c0065001004000000"
	  "50004d0080f9100000004400690076006900730069006f006e00100e000000460069006e"
	  "0061006e006300650080f9100000004400690076006900730069006f006e00100a000000"
	  "530061006c006500730080a1a0000000" },
	{ "D:(XD;;FX;;;WD;(!(@USER.Project Not_Any_of 1)))",
	  "D:(XD;;FX;;;WD;(!(@USER.Project Not_Any_of 1)))",
	  "010004800000000000000000000000001400000002004000010000000a003800a0001200"
	  "01010000000000010000000061727478f90e000000500072006f006a0065006300740004"
	  "010000000000000003028fa2" },
	{ "D:AI(XA;OICI;FA;;;WD;(OctetStringType==##1#2#3##))",
	  "D:AI(XA;OICI;FA;;;WD;(OctetStringType == #01020300))",
	  "0100048400000000000000000000000014000000020050000100000009034800ff011f00"
	  "01010000000000010000000061727478f81e0000004f0063007400650074005300740072"
	  "0069006e006700540079007000650018040000000102030080000000" },
	{ "O:S-1-1-0D:(XA;;0;;;WD;(Member_Of SID(S-1-1-0)))",
	  "O:WDD:(XA;;;;;WD;(Member_of SID(WD)))",
	  "0100048048000000000000000000000014000000020034000100000009002c0000000000"
	  "01010000000000010000000061727478510c000000010100000000000100000000890000"
	  "010100000000000100000000" },
	{ "O:S-1-1-0D:(XA;;0x1;;;WD;(Member_of_Any{SID(AS),SID(WD)}))",
	  "O:WDD:(XA;;CC;;;WD;(Member_of_any {SID(AS), SID(WD)}))",
	  "010004805c00000000000000000000001400000002004800010000000900400001000000"
	  "010100000000000100000000617274785022000000510c00000001010000000000120100"
	  "0000510c0000000101000000000001000000008b010100000000000100000000" },
	{ "O:SYG:SYD:(XA;OICI;CR;;;WD;(@USER.ad://ext/AuthenticationSilo == \"siloname\"))",
	  "O:SYG:SYD:(XA;OICI;CR;;;WD;(@USER.ad://ext/AuthenticationSilo == \"siloname\"))",
	  "0100048088000000940000000000000014000000020074000100000009036c0000010000"
	  "01010000000000010000000061727478f936000000610064003a002f002f006500780074"
	  "002f00410075007400680065006e007400690063006100740069006f006e00530069006c"
	  "006f001010000000730069006c006f006e0061006d006500800000000101000000000005"
	  "12000000010100000000000512000000" },
};

#define NWIN (int)(sizeof(windows) / sizeof(windows[0]))

static uint8_t *sd_bytes(const char *sddl, size_t *len)
{
	struct secdesc sd;
	struct err err;
	uint8_t *bin = NULL;
	size_t off = 0;

	err_init(&err);
	ck_assert_msg(sddl_decode(sddl, &sd, &off, &err) == 0, "'%s': %s", sddl, err.msg);
	ck_assert_msg(secdesc_encode(&sd, &bin, len, &err) == 0, "'%s': %s", sddl, err.msg);
	secdesc_release(&sd);
	return bin;
}

static char *sd_text(const uint8_t *b, size_t n)
{
	struct secdesc sd;
	struct err err;
	char *text = NULL;

	err_init(&err);
	ck_assert_msg(secdesc_parse(b, n, &sd, &err) == 0, "%s", err.msg);
	ck_assert_msg(sddl_encode(&sd, SDDL_RIGHTS_FILE, &text, &err) == 0, "%s", err.msg);
	secdesc_release(&sd);
	return text;
}

START_TEST(test_windows_bytes)
{
	uint8_t win[1024], *bin;
	size_t n = tu_unhex(windows[_i].hex, win, sizeof(win)), len;
	char *text, *h;

	/* bytes -> the text Windows prints */
	text = sd_text(win, n);
	ck_assert_str_eq(text, windows[_i].canonical);
	free(text);
	/* Windows' input text -> Windows' bytes, padding included */
	bin = sd_bytes(windows[_i].in, &len);
	h = tu_hex(bin, len);
	ck_assert_str_eq(h, windows[_i].hex);
	free(h);
	free(bin);
	/* the printed text -> the same bytes -> the same text */
	bin = sd_bytes(windows[_i].canonical, &len);
	h = tu_hex(bin, len);
	ck_assert_str_eq(h, windows[_i].hex);
	text = sd_text(bin, len);
	ck_assert_str_eq(text, windows[_i].canonical);
	free(text);
	free(h);
	free(bin);
}
END_TEST

/* Every bit flip of Windows' bytes is refused with a message or reads
 * back: its text compiles to a descriptor that prints the same. */
START_TEST(test_windows_bitflips)
{
	uint8_t win[1024], *copy, *bin;
	size_t n = tu_unhex(windows[_i].hex, win, sizeof(win)), k, len, off;
	struct secdesc sd, sd2;
	struct err err;
	char *text, *text2;
	int bit, rc;

	for (k = 0; k < n; k++)
		for (bit = 0; bit < 8; bit++) {
			copy = malloc(n);
			memcpy(copy, win, n);
			copy[k] ^= (uint8_t)(1u << bit);
			err_init(&err);
			rc = secdesc_parse(copy, n, &sd, &err);
			if (rc < 0) {
				ck_assert(err.msg[0] != '\0');
			} else if (sddl_encode(&sd, SDDL_RIGHTS_FILE, &text, &err) == 0) {
				ck_assert_msg(sddl_decode(text, &sd2, &off, &err) == 0, "'%s': %s", text, err.msg);
				ck_assert_int_eq(secdesc_encode(&sd2, &bin, &len, &err), 0);
				secdesc_release(&sd2);
				text2 = sd_text(bin, len);
				ck_assert_str_eq(text2, text);
				free(text2);
				free(bin);
				free(text);
			} else {
				ck_assert_int_eq(err.code, -E_UNSUPPORTED);
			}
			secdesc_release(&sd);
			free(copy);
		}
}
END_TEST

/* ---- lfsvc and SEMgrSvc in the Windows 10 1709 hive -------------------------- */

static const struct {
	const char *service, *ace;
} sample_aces[] = {
	{ "lfsvc", "(XA;;LCRPWP;;;S-1-15-3-1024-3842824567-178914259-466740046-159386189-"
		   "4235713590-3349026085-1947878110-3889710422;(!(WIN://ISMULTISESSIONSKU)))" },
	{ "SEMgrSvc", "(XA;;RPWP;;;IU;(!(WIN://ISMULTISESSIONSKU)))" },
};

START_TEST(test_sample_conditions)
{
	char *p = tu_sample("hives/SYSTEM_win10_1709"), *text, *h, *h2;
	struct hive *hv = NULL;
	struct svc sv;
	struct err err;
	uint8_t *buf, *bin;
	size_t len, blen;

	if (!p)
		return;
	buf = (uint8_t *)tu_read_file(p, &len);
	free(p);
	ck_assert_ptr_nonnull(buf);
	err_init(&err);
	ck_assert_msg(hive_open_memory(&hv, "SYSTEM", buf, len, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(svc_load(hv, "ControlSet001", sample_aces[_i].service, &sv, &err), 1);
	ck_assert_int_eq(sv.sd_state, SVC_SD_PRESENT);
	text = sd_text(sv.sd, sv.sd_len);
	ck_assert_msg(strstr(text, sample_aces[_i].ace), "%s: %s", sample_aces[_i].service, text);
	/* and Windows' bytes come back from the text */
	bin = sd_bytes(text, &blen);
	h = tu_hex(bin, blen);
	h2 = tu_hex(sv.sd, sv.sd_len);
	ck_assert_str_eq(h, h2);
	free(h);
	free(h2);
	free(bin);
	free(text);
	svc_release(&sv);
	hive_free(hv);
}
END_TEST

/* ---- documented examples: text -> bytes -> the same text --------------------- */

static const struct {
	const char *in, *out;
} examples[] = {
	/* MS-DTYP 2.5.1.1 / "SDDL for conditional ACEs" */
	{ "D:(XA;;FX;;;S-1-1-0;(@User.Title==\"PM\" && (@User.Division==\"Finance\" || @User.Division ==\" Sales\")))",
	  "D:(XA;;FX;;;WD;((@USER.Title == \"PM\") && ((@USER.Division == \"Finance\") || (@USER.Division == \" Sales\"))))" },
	{ "D:(XD;;FX;;;S-1-1-0;(@User.Project Any_of @Resource.Project))",
	  "D:(XD;;FX;;;WD;(@USER.Project Any_of @RESOURCE.Project))" },
	{ "D:(XA;;FX;;;S-1-1-0;(@User.clearanceLevel >= @Resource.requiredClearance))",
	  "D:(XA;;FX;;;WD;(@USER.clearanceLevel >= @RESOURCE.requiredClearance))" },
	{ "D:(XA;;FR;;;WD;(@User.smartcard==1 || @Device.managed==1) && (@Resource.dept Any_of{\"Sales\",\"HR\"}))",
	  NULL },
	{ "D:(XA;;FR;;;WD;((@User.smartcard==1 || @Device.managed==1) && (@Resource.dept Any_of{\"Sales\",\"HR\"})))",
	  "D:(XA;;FR;;;WD;(((@USER.smartcard == 1) || (@DEVICE.managed == 1)) && (@RESOURCE.dept Any_of {\"Sales\", \"HR\"})))" },
	{ "D:(XA;;FA;;;AU;(Member_of {SID(BA)}))", "D:(XA;;FA;;;AU;(Member_of {SID(BA)}))" },
	{ "D:(XA;;FA;;;AU;(Member_of_Any {SID(BA), SID(BU)}))", "D:(XA;;FA;;;AU;(Member_of_any {SID(BA), SID(BU)}))" },
	{ "D:(XA;;FA;;;AU;(Device_Member_of_Any {SID(BA)}))", "D:(XA;;FA;;;AU;(Device_Member_of_Any {SID(BA)}))" },
	{ "D:(XA;;FA;;;AU;(Not_Device_Member_of {SID(BA)}))", "D:(XA;;FA;;;AU;(Not_Device_Member_of {SID(BA)}))" },
	{ "D:(XA;;FA;;;AU;(Not_Device_Member_of_Any {SID(BA)}))", "D:(XA;;FA;;;AU;(Not_Device_Member_of_Any {SID(BA)}))" },
	{ "D:(XA;;FA;;;AU;(Exists @User.x && Not_Exists @Device.y))",
	  "D:(XA;;FA;;;AU;((Exists @USER.x) && (Not_Exists @DEVICE.y)))" },
	{ "D:(XA;;FA;;;AU;(@User.a Contains {1, -2, +0x3, 04} || @User.b Not_Contains #0a0b))",
	  "D:(XA;;FA;;;AU;((@USER.a Contains {1, -2, +0x3, 04}) || (@USER.b Not_Contains #0a0b)))" },
	{ "D:(XA;;FA;;;AU;(@User.a < -9223372036854775808 || @User.a > 0xffffffffffffffff || @User.a <= 00 || @User.a != -0))",
	  "D:(XA;;FA;;;AU;((((@USER.a < -9223372036854775808) || (@USER.a > 0xffffffffffffffff)) || (@USER.a <= 00)) || (@USER.a != -0)))" },
	{ "D:(XA;;FA;;;AU;(@User.a == {{1, \"x\"}, {}, SID(S-1-5-21-1-2-3-500)}))",
	  "D:(XA;;FA;;;AU;(@USER.a == {{1, \"x\"}, {}, SID(S-1-5-21-1-2-3-500)}))" },
	{ "D:(XA;;FA;;;AU;(@User.a == \"\xc3\xa9t\xc3\xa9 \xf0\x9f\x99\x82\"))",
	  "D:(XA;;FA;;;AU;(@USER.a == \"\xc3\xa9t\xc3\xa9 \xf0\x9f\x99\x82\"))" },
	/* names that would read as something else are escaped */
	{ "D:(XA;;FA;;;AU;(%0045xists == 1 && @User.%0022q%0029 == 1 && %0031st))",
	  "D:(XA;;FA;;;AU;(((%0045xists == 1) && (@USER.%0022q%0029 == 1)) && (%0031st)))" },
	{ "D:(XA;;FA;;;AU;(!(!(!(x)))))", "D:(XA;;FA;;;AU;(!(!(!(x)))))" },
	{ "D:(XA;;FA;;;AU;(Member_of SID(BA)))", "D:(XA;;FA;;;AU;(Member_of SID(BA)))" },
	{ "S:(XU;SA;FA;;;WD;(@Resource.r >= 5))", "S:(XU;SA;FA;;;WD;(@RESOURCE.r >= 5))" },
	{ "D:(XA;;FA;;;WD)", "D:(XA;;FA;;;WD)" },
};

START_TEST(test_examples)
{
	struct secdesc sd;
	struct err err;
	size_t off = 0, len, len2;
	uint8_t *bin, *bin2;
	char *text;

	err_init(&err);
	if (!examples[_i].out) {
		/* a condition must be in parentheses as a whole */
		ck_assert_int_lt(sddl_decode(examples[_i].in, &sd, &off, &err), 0);
		secdesc_release(&sd);
		return;
	}
	bin = sd_bytes(examples[_i].in, &len);
	text = sd_text(bin, len);
	ck_assert_str_eq(text, examples[_i].out);
	bin2 = sd_bytes(text, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(bin2, bin, len);
	free(text);
	free(bin);
	free(bin2);
}
END_TEST

/* ---- garbage ------------------------------------------------------------------ */

#define SIG "61727478"
#define ATTR_A "f8020000006100"                      /* local attribute a */
#define INT1 "04" "0100000000000000" "03" "02"       /* 1 */
#define SID_WD "51" "0c000000" "010100000000000100000000"

static const struct {
	const char *what, *hex;
	int code;
	const char *msg;
} garbage[] = {
	{ "signature", "6172747900000000", -E_CORRUPT, "condition: no \"artx\" signature at offset 0" },
	{ "length", SIG ATTR_A, -E_CORRUPT, "condition: 11 bytes, not a multiple of 4 at offset 0" },
	{ "token", SIG "77000000", -E_CORRUPT, "condition: unknown token 0x77 at offset 4" },
	{ "after padding", SIG ATTR_A "0000050000", -E_CORRUPT,
	  "condition: byte 0x05 after the end of the expression at offset 13" },
	{ "padding", SIG ATTR_A "0000000000", -E_CORRUPT, "condition: 5 bytes of padding (at most 3) at offset 11" },
	{ "operand missing", SIG "a0000000", -E_CORRUPT, "condition: '&&' lacks an operand at offset 4" },
	{ "literal on the left", SIG INT1 INT1 "8000", -E_CORRUPT,
	  "condition: '==' has a literal on its left, not an attribute at offset 26" },
	{ "condition on the right", SIG ATTR_A ATTR_A ATTR_A "808000", -E_CORRUPT,
	  "condition: '==' has a condition on its right, not a value at offset 26" },
	{ "member of an integer", SIG INT1 "89", -E_CORRUPT,
	  "condition: 'Member_of' needs a SID or a list of SIDs, not a literal at offset 15" },
	{ "member of nothing", SIG "5000000000" "89" "0000", -E_CORRUPT,
	  "condition: 'Member_of' needs a SID or a list of SIDs, not a composite literal at offset 9" },
	{ "not of a literal", SIG INT1 "a2", -E_CORRUPT,
	  "condition: '!' needs conditions or attributes, not a literal at offset 15" },
	{ "exists a literal", SIG SID_WD "870000", -E_CORRUPT,
	  "condition: 'Exists' needs an attribute, not a literal at offset 21" },
	{ "nul in a string", SIG "1002000000000000", -E_CORRUPT,
	  "condition: string literal holds a NUL character at offset 4" },
	{ "sid length", SIG "5110000000" "010100000000000100000000" "00000000" "890000", -E_CORRUPT,
	  "condition: SID literal of 16 bytes holds a 12-byte SID at offset 4" },
	{ "sign", SIG ATTR_A "04" "0500000000000000" "0202" "8000", -E_CORRUPT,
	  "condition: integer literal 5 contradicts its sign byte at offset 11" },
	{ "sign byte", SIG ATTR_A "04" "0100000000000000" "0702" "8000", -E_CORRUPT,
	  "condition: integer literal: sign byte 0x07 not 1..3 at offset 11" },
	{ "int8 range", SIG ATTR_A "01" "2c01000000000000" "0302" "8000", -E_CORRUPT,
	  "condition: integer literal 300 does not fit its 8-bit token at offset 11" },
	{ "two operands", SIG ATTR_A ATTR_A "0000", -E_CORRUPT,
	  "condition: 2 operands without an operator at offset 11" },
	{ "a literal", SIG INT1 "00", -E_CORRUPT,
	  "condition: the expression is a literal, not a condition at offset 4" },
	{ "attribute in a composite", SIG "5007000000" ATTR_A "89000000", -E_CORRUPT,
	  "condition: token 0xf8 inside a composite literal at offset 9" },
	{ "empty", SIG, -E_CORRUPT, "condition: empty expression at offset 4" },
	{ "empty name", SIG "f800000000000000", -E_CORRUPT, "condition: empty attribute name at offset 4" },
	{ "name past the end", SIG "f8ff000000610000", -E_CORRUPT,
	  "condition: attribute name of 255 bytes runs past the end (3 left) at offset 4" },
	{ "integer cut", SIG "04010000", -E_CORRUPT, "condition: integer literal cut off at offset 4" },
};

START_TEST(test_garbage)
{
	uint8_t buf[256], *copy;
	size_t n = tu_unhex(garbage[_i].hex, buf, sizeof(buf));
	struct err err;
	char *text = NULL;

	copy = malloc(n);   /* exact size: ASan sees overreads */
	memcpy(copy, buf, n);
	err_init(&err);
	ck_assert_int_eq(condexpr_validate(copy, n, 0, &err), garbage[_i].code);
	ck_assert_msg(strcmp(err.msg, garbage[_i].msg) == 0, "%s: '%s', want '%s'",
		      garbage[_i].what, err.msg, garbage[_i].msg);
	err_init(&err);
	ck_assert_int_eq(condexpr_to_sddl(copy, n, &text, &err), garbage[_i].code);
	ck_assert_ptr_null(text);
	/* evaluated as Windows' error result */
	ck_assert_int_eq(condexpr_eval(copy, n, &(struct cond_env){ NULL, 0, NULL, NULL }),
			 COND_UNKNOWN);
	free(copy);
}
END_TEST

/* Inside a descriptor the message says where, from the descriptor's
 * start: the ACE, then the token. */
START_TEST(test_garbage_in_descriptor)
{
	/* D:(XA;;FA;;;WD;<"artx" 0x77 ...>) */
	const char *hex = "0100048000000000000000000000000014000000"
			  "0200240001000000" "09001c00ff011f00" "010100000000000100000000"
			  SIG "77000000";
	uint8_t buf[128];
	size_t n = tu_unhex(hex, buf, sizeof(buf));
	struct secdesc sd;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(secdesc_parse(buf, n, &sd, &err), -E_CORRUPT);
	ck_assert_str_eq(err.msg, "descriptor: dacl at offset 20: ACE 0 at offset 28: "
				  "condition: unknown token 0x77 at offset 52");
	secdesc_release(&sd);
}
END_TEST

/* Valid, but SDDL cannot spell it: the descriptor reads, its text is
 * refused as unsupported (not corrupt). */
static const struct {
	const char *hex, *msg;
} unspellable[] = {
	{ SIG ATTR_A "10020000002200" "8000", "string literal holding '\"' at offset 11" },
	{ SIG ATTR_A "04" "ffffffffffffffff" "0302" "8000", "negative decimal literal without a '-' sign at offset 11" },
	{ SIG ATTR_A "10020000000ed8" "8000", "string literal with a lone UTF-16 surrogate at offset 11" },
};

START_TEST(test_unspellable)
{
	uint8_t buf[128];
	size_t n = tu_unhex(unspellable[_i].hex, buf, sizeof(buf));
	struct err err;
	char *text = NULL;

	err_init(&err);
	ck_assert_int_eq(condexpr_validate(buf, n, 0, &err), 0);
	ck_assert_int_eq(condexpr_to_sddl(buf, n, &text, &err), -E_UNSUPPORTED);
	ck_assert_msg(strstr(err.msg, unspellable[_i].msg), "'%s' lacks '%s'", err.msg,
		      unspellable[_i].msg);
	ck_assert_ptr_null(text);
}
END_TEST

/* 8, 16 and 32-bit literal tokens read, and come back 64-bit: SDDL has no
 * width, and Windows' compiler writes int64 too. */
START_TEST(test_narrow_integers)
{
	static const char *const narrow[] = {
		SIG ATTR_A "01" "fbffffffffffffff" "0202" "8000",   /* int8 -5 */
		SIG ATTR_A "02" "0010000000000000" "0301" "8000",   /* int16 4096, octal */
		SIG ATTR_A "03" "ffffff7f00000000" "0103" "8000",   /* int32 +0x7fffffff */
	};
	static const char *const text_of[] = {
		"(a == -5)", "(a == 010000)", "(a == +0x7fffffff)",
	};
	uint8_t buf[64], *bin = NULL;
	size_t i, n, blen, used;
	struct err err;
	char *text;

	for (i = 0; i < sizeof(narrow) / sizeof(narrow[0]); i++) {
		n = tu_unhex(narrow[i], buf, sizeof(buf));
		err_init(&err);
		ck_assert_msg(condexpr_to_sddl(buf, n, &text, &err) == 0, "%s", err.msg);
		ck_assert_str_eq(text, text_of[i]);
		ck_assert_int_eq(condexpr_from_sddl(text, strlen(text), &used, &bin, &blen, NULL, &err), 0);
		ck_assert_uint_eq(blen, n);
		ck_assert_uint_eq(bin[11], 0x04);
		ck_assert_mem_eq(bin + 12, buf + 12, n - 12);
		free(bin);
		free(text);
	}
}
END_TEST

/* ---- limits ------------------------------------------------------------------ */

START_TEST(test_limits)
{
	char *text;
	uint8_t *bin = NULL, *b;
	size_t i, k, used, blen;
	struct err err;

	/* 200 nested '!' in text and in bytes */
	text = malloc(1000);
	k = 0;
	text[k++] = '(';
	for (i = 0; i < 200; i++) {
		text[k++] = '!';
		text[k++] = '(';
	}
	text[k++] = 'a';
	for (i = 0; i < 201; i++)
		text[k++] = ')';
	text[k] = '\0';
	err_init(&err);
	ck_assert_int_eq(condexpr_from_sddl(text, k, &used, &bin, &blen, NULL, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "LIMIT_COND_DEPTH"));
	ck_assert_ptr_null(bin);
	free(text);

	b = calloc(1, 4 + 7 + 200 + 1);
	memcpy(b, "artx", 4);
	tu_unhex(ATTR_A, b + 4, 7);
	memset(b + 11, 0xa2, 200);
	err_init(&err);
	ck_assert_int_eq(condexpr_validate(b, 212, 0, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "operators nested deeper than LIMIT_COND_DEPTH (128)"));
	free(b);

	/* composites nested 200 deep */
	b = calloc(1, 4 + 200 * 5 + 1 + 3);
	memcpy(b, "artx", 4);
	for (i = 0; i < 200; i++) {
		b[4 + 5 * i] = 0x50;
		b[4 + 5 * i + 1] = (uint8_t)((199 - i) * 5);
		b[4 + 5 * i + 2] = (uint8_t)(((199 - i) * 5) >> 8);
	}
	b[4 + 1000] = 0x89;
	err_init(&err);
	ck_assert_int_eq(condexpr_validate(b, 1008, 0, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "composites nested deeper than LIMIT_COND_DEPTH"));
	free(b);

	/* more tokens than LIMIT_COND_TOKENS */
	text = malloc(17000 * 3 + 32);
	k = (size_t)sprintf(text, "(a == {");
	for (i = 0; i < 17000; i++)
		k += (size_t)sprintf(text + k, "%s#", i ? "," : "");
	k += (size_t)sprintf(text + k, "})");
	err_init(&err);
	ck_assert_int_eq(condexpr_from_sddl(text, k, &used, &bin, &blen, NULL, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "LIMIT_COND_TOKENS"));
	free(text);

	/* a condition longer than an ACE can hold */
	text = malloc(70000);
	k = (size_t)sprintf(text, "(a == \"");
	for (i = 0; i < 33000; i++)
		text[k++] = 'x';
	k += (size_t)sprintf(text + k, "\")");
	err_init(&err);
	ck_assert_int_eq(condexpr_from_sddl(text, k, &used, &bin, &blen, NULL, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "LIMIT_COND_BYTES"));
	free(text);
}
END_TEST

/* ---- resource attributes -------------------------------------------------- */

static const char *const ra_identity[] = {
	"S:(RA;;;;;WD;(\"Impact\",TI,0x0,-3,1,9223372036854775807,-9223372036854775808))",
	"S:(RA;;;;;WD;(\"u\",TU,0x2,0,18446744073709551615))",
	"S:(RA;;;;;WD;(\"sids\",TD,0x0,BA,S-1-5-21-1-2-3-500))",
	"S:(RA;;;;;WD;(\"oct\",TX,0x0,0102ff,00))",
	"S:(RA;;;;;WD;(\"b\",TB,0x0,0,1))",
	"S:(RA;CI;;;;WD;(\"Project\",TS,0x10,\"Windows\",\"SQL\",\"\"))",
	"S:(RA;;;;;WD;(\"n%0020m%0022\",TS,0x0))",
	"S:AI(RA;ID;;;;WD;(\"Secrecy\",TU,0x0,3))(AU;SA;FA;;;WD)",
};

START_TEST(test_ra_identity)
{
	uint8_t *bin, *bin2;
	size_t len, len2;
	char *text;

	bin = sd_bytes(ra_identity[_i], &len);
	text = sd_text(bin, len);
	ck_assert_str_eq(text, ra_identity[_i]);
	bin2 = sd_bytes(text, &len2);
	ck_assert_uint_eq(len2, len);
	ck_assert_mem_eq(bin2, bin, len);
	ck_assert_uint_eq(len % 4, 0);
	free(text);
	free(bin);
	free(bin2);
}
END_TEST

static const struct {
	const char *what, *hex, *msg;
} ra_bad[] = {
	{ "short", "1400000003000000", "resource attribute: 8 bytes < 16 at offset 0" },
	{ "type", "14000000040000000000000001000000" "1e000000" "61000000" "62000000",
	  "resource attribute: value type 0x0004 unknown at offset 4" },
	{ "name offset", "f0000000030000000000000001000000" "1e000000" "61000000" "62000000",
	  "resource attribute: name offset 240 outside 28 bytes at offset 0" },
	{ "empty name", "14000000030000000000000001000000" "16000000" "00006200" "00000000",
	  "resource attribute: empty name at offset 20" },
	{ "count", "14000000030000000000000009000000" "16000000" "61000000" "62000000",
	  "resource attribute: 9 value offsets do not fit 28 bytes at offset 12" },
	{ "value offset", "14000000030000000000000001000000" "40000000" "61000000" "62000000",
	  "resource attribute: value offset 64 outside 28 bytes at offset 64" },
	{ "string nul", "14000000030000000000000001000000" "18000000" "61000000" "62006300",
	  "resource attribute: string value without its NUL at offset 24" },
	{ "boolean", "14000000060000000000000001000000" "18000000" "61000000" "0200000000000000",
	  "resource attribute: boolean value 2 not 0 or 1 at offset 24" },
	{ "sid", "14000000050000000000000001000000" "18000000" "61000000" "0c000000" "010100000000000100000000" "00",
	  NULL },
	{ "sid length", "14000000050000000000000001000000" "18000000" "61000000" "10000000"
	  "010100000000000100000000" "00000000",
	  "resource attribute: SID value of 16 bytes holds a 12-byte SID at offset 24" },
};

START_TEST(test_ra_bad)
{
	uint8_t buf[128], *copy;
	size_t n = tu_unhex(ra_bad[_i].hex, buf, sizeof(buf));
	struct err err;
	char *text = NULL;

	copy = malloc(n);
	memcpy(copy, buf, n);
	err_init(&err);
	if (!ra_bad[_i].msg) {
		ck_assert_msg(claim_validate(copy, n, 0, &err) == 0, "%s", err.msg);
		ck_assert_int_eq(claim_to_sddl(copy, n, &text, &err), 0);
		ck_assert_str_eq(text, "(\"a\",TD,0x0,WD)");
		free(text);
	} else {
		ck_assert_int_eq(claim_validate(copy, n, 0, &err), -E_CORRUPT);
		ck_assert_msg(strcmp(err.msg, ra_bad[_i].msg) == 0, "%s: '%s', want '%s'",
			      ra_bad[_i].what, err.msg, ra_bad[_i].msg);
	}
	free(copy);
}
END_TEST

/* ---- evaluation: Windows' rules for a token without claims ---------------- */

static const struct {
	const char *sddl;
	const char *token;     /* aliases, space-separated */
	uint32_t want;         /* effective service rights */
} eval[] = {
	{ "D:(XA;;CC;;;WD;(Member_of {SID(NS)}))", "WD NS", 0x1 },
	{ "D:(XA;;CC;;;WD;(Member_of {SID(NS)}))", "WD", 0 },
	{ "D:(XA;;CC;;;WD;(Member_of {SID(NS), SID(BA)}))", "WD NS", 0 },
	{ "D:(XA;;CC;;;WD;(Member_of_any {SID(NS), SID(BA)}))", "WD NS", 0x1 },
	{ "D:(XA;;CC;;;WD;(Member_of SID(NS)))", "WD NS", 0x1 },
	{ "D:(XA;;CC;;;WD;(Not_Member_of {SID(BA)}))", "WD NS", 0x1 },
	{ "D:(XA;;CC;;;WD;(Not_Member_of_Any {SID(BA), SID(NS)}))", "WD NS", 0 },
	/* no device SIDs in a plain token */
	{ "D:(XA;;CC;;;WD;(Device_Member_of {SID(NS)}))", "WD NS", 0 },
	{ "D:(XA;;CC;;;WD;(Device_Member_of_Any {SID(NS)}))", "WD NS", 0 },
	{ "D:(XA;;CC;;;WD;(Not_Device_Member_of {SID(NS)}))", "WD NS", 0x1 },
	/* attributes: NULL, so UNKNOWN; Exists FALSE */
	{ "D:(XA;;CC;;;WD;(!(WIN://ISMULTISESSIONSKU)))", "WD", 0 },
	{ "D:(XA;;CC;;;WD;(WIN://ISMULTISESSIONSKU))", "WD", 0 },
	{ "D:(XA;;CC;;;WD;(Not_Exists WIN://ISMULTISESSIONSKU))", "WD", 0x1 },
	{ "D:(XA;;CC;;;WD;(Exists @USER.x))", "WD", 0 },
	{ "D:(XA;;CC;;;WD;(!(Exists @DEVICE.x)))", "WD", 0x1 },
	{ "D:(XA;;CC;;;WD;(@USER.x != 1))", "WD", 0 },
	/* Kleene logic */
	{ "D:(XA;;CC;;;WD;((Member_of {SID(NS)}) || (@USER.x == 1)))", "WD NS", 0x1 },
	{ "D:(XA;;CC;;;WD;((Member_of {SID(NS)}) && (@USER.x == 1)))", "WD NS", 0 },
	{ "D:(XA;;CC;;;WD;((Member_of {SID(BA)}) || (@USER.x == 1)))", "WD NS", 0 },
	{ "D:(XA;;CC;;;WD;(!((Member_of {SID(BA)}) && (@USER.x == 1))))", "WD NS", 0x1 },
	/* deny: applies when TRUE or UNKNOWN */
	{ "D:(XD;;CC;;;WD;(@USER.x == 1))(A;;CCLC;;;WD)", "WD", 0x4 },
	{ "D:(XD;;CC;;;WD;(Member_of {SID(NS)}))(A;;CCLC;;;WD)", "WD NS", 0x4 },
	{ "D:(XD;;CC;;;WD;((Member_of {SID(BA)}) && (@USER.x == 1)))(A;;CCLC;;;WD)", "WD NS", 0x5 },
	{ "D:(XD;;CC;;;WD;(!(Member_of {SID(NS)})))(A;;CCLC;;;WD)", "WD NS", 0x5 },
	{ "D:(XD;;CC;;;WD;(!(WIN://ISMULTISESSIONSKU)))(A;;CCLC;;;WD)", "WD", 0x4 },
	/* the ACE's own SID still has to be in the token */
	{ "D:(XA;;CC;;;NS;(Member_of {SID(WD)}))", "WD", 0 },
	{ "D:(XD;;CC;;;NS;(@USER.x == 1))(A;;CC;;;WD)", "WD", 0x1 },
	/* object callback ACEs: only without an object type */
	{ "D:(ZA;;CC;;;WD;(Member_of {SID(NS)}))", "WD NS", 0x1 },
	{ "D:(ZA;;CC;bf967aba-0de6-11d0-a285-00aa003049e2;;WD;(Member_of {SID(NS)}))", "WD NS", 0 },
	/* resource attributes: Exists looks at the SACL's RA ACEs (names
	 * without case); their values are not compared (UNKNOWN) */
	{ "D:(XA;;CC;;;WD;(Exists @RESOURCE.Colour))S:(RA;;;;;WD;(\"colour\",TS,0x0,\"blue\"))", "WD", 0x1 },
	{ "D:(XA;;CC;;;WD;(Exists @RESOURCE.size))S:(RA;;;;;WD;(\"colour\",TS,0x0,\"blue\"))", "WD", 0 },
	{ "D:(XA;;CC;;;WD;(@RESOURCE.colour == \"blue\"))S:(RA;;;;;WD;(\"colour\",TS,0x0,\"blue\"))", "WD", 0 },
	/* a callback ACE without a condition is UNKNOWN */
	{ "D:(XA;;CC;;;WD)(XD;;LC;;;WD)(A;;LCSW;;;WD)", "WD", 0x8 },
	/* audit callback ACEs grant nothing */
	{ "S:(XU;SA;CC;;;WD;(Member_of {SID(WD)}))D:(A;;LC;;;WD)", "WD", 0x4 },
};

START_TEST(test_eval)
{
	struct secdesc sd;
	struct token t;
	struct err err;
	char tok[128], *w, *save = NULL;
	size_t off = 0;
	uint32_t got;

	memset(&t, 0, sizeof(t));
	err_init(&err);
	snprintf(tok, sizeof(tok), "%s", eval[_i].token);
	for (w = strtok_r(tok, " ", &save); w; w = strtok_r(NULL, " ", &save))
		ck_assert_int_eq(token_add(&t, w, &err), 0);
	ck_assert_msg(sddl_decode(eval[_i].sddl, &sd, &off, &err) == 0, "%s", err.msg);
	got = access_effective(&sd, &t, ACCESS_SERVICE);
	ck_assert_msg(got == eval[_i].want, "%s for {%s}: 0x%x, want 0x%x", eval[_i].sddl,
		      eval[_i].token, got, eval[_i].want);
	secdesc_release(&sd);
}
END_TEST

START_TEST(test_eval_values)
{
	static const struct {
		const char *cond;
		enum cond_value want;
	} v[] = {
		{ "(Member_of {SID(WD)})", COND_TRUE },
		{ "(Member_of {SID(BA)})", COND_FALSE },
		{ "(@USER.x == 1)", COND_UNKNOWN },
		{ "((@USER.x == 1) || (Member_of {SID(WD)}))", COND_TRUE },
		{ "((@USER.x == 1) && (Member_of {SID(BA)}))", COND_FALSE },
		{ "((@USER.x == 1) || (Member_of {SID(BA)}))", COND_UNKNOWN },
		{ "(!(@USER.x == 1))", COND_UNKNOWN },
		{ "(Not_Exists @USER.x)", COND_TRUE },
		{ "(Exists @RESOURCE.x)", COND_FALSE },
	};
	struct sid wd;
	struct cond_env env;
	struct err err;
	uint8_t *bin;
	size_t i, used, blen;

	err_init(&err);
	ck_assert_int_eq(sid_from_string("WD", &wd, &err), 0);
	env.sids = &wd;
	env.nsids = 1;
	env.resource_exists = NULL;
	env.ctx = NULL;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		ck_assert_msg(condexpr_from_sddl(v[i].cond, strlen(v[i].cond), &used, &bin, &blen,
						 NULL, &err) == 0, "%s", err.msg);
		ck_assert_uint_eq(used, strlen(v[i].cond));
		ck_assert_msg(condexpr_eval(bin, blen, &env) == v[i].want, "%s", v[i].cond);
		free(bin);
	}
}
END_TEST

/* ---- the semantic diff sees a condition ------------------------------------- */

START_TEST(test_diff_condition)
{
	struct secdesc a, b;
	struct ace_diff *d = NULL;
	struct err err;
	size_t n = 0, off;

	err_init(&err);
	ck_assert_int_eq(sddl_decode("D:(XA;;CCLC;;;WD;(Member_of {SID(BA)}))(A;;CC;;;SY)", &a, &off, &err), 0);
	ck_assert_int_eq(sddl_decode("D:(XA;;CCLC;;;WD;(Member_of {SID(NS)}))(A;;CC;;;SY)", &b, &off, &err), 0);
	ck_assert_int_eq(secdesc_diff(&a, &a, ACCESS_SERVICE, &d, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert_int_eq(secdesc_diff(&a, &b, ACCESS_SERVICE, &d, &n, &err), 0);
	ck_assert_uint_eq(n, 2);
	ck_assert_int_eq(d[0].kind, ACE_DIFF_MISSING);
	ck_assert_str_eq(d[0].expected_ace, "(XA;;CCLC;;;WD;(Member_of {SID(BA)}))");
	ck_assert_int_eq(d[1].kind, ACE_DIFF_EXTRA);
	ck_assert_str_eq(d[1].actual_ace, "(XA;;CCLC;;;WD;(Member_of {SID(NS)}))");
	free(d);
	secdesc_release(&a);
	secdesc_release(&b);
}
END_TEST

Suite *condexpr_suite(void);
Suite *condexpr_suite(void)
{
	Suite *s = suite_create("condexpr");
	TCase *tc;

	tc = tcase_create("windows");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_windows_bytes, 0, NWIN);
	tcase_add_loop_test(tc, test_windows_bitflips, 0, NWIN);
	tcase_add_loop_test(tc, test_sample_conditions, 0,
			    (int)(sizeof(sample_aces) / sizeof(sample_aces[0])));
	tcase_add_loop_test(tc, test_examples, 0, (int)(sizeof(examples) / sizeof(examples[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_garbage, 0, (int)(sizeof(garbage) / sizeof(garbage[0])));
	tcase_add_test(tc, test_garbage_in_descriptor);
	tcase_add_loop_test(tc, test_unspellable, 0, (int)(sizeof(unspellable) / sizeof(unspellable[0])));
	tcase_add_test(tc, test_narrow_integers);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);

	tc = tcase_create("attributes");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_ra_identity, 0, (int)(sizeof(ra_identity) / sizeof(ra_identity[0])));
	tcase_add_loop_test(tc, test_ra_bad, 0, (int)(sizeof(ra_bad) / sizeof(ra_bad[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("eval");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_eval, 0, (int)(sizeof(eval) / sizeof(eval[0])));
	tcase_add_test(tc, test_eval_values);
	tcase_add_test(tc, test_diff_condition);
	suite_add_tcase(s, tc);
	return s;
}
