/* Self-relative security descriptors: real Windows descriptors (taken as
 * hex from the sample hives' Services\X\Security values), re-encoding to
 * the same bytes, and hostile bytes. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secdesc.h"
#include "sddl.h"

static size_t unhex(const char *h, uint8_t *out, size_t size)
{
	size_t n = 0;
	unsigned v;

	while (h[0] && h[1] && n < size) {
		if (h[0] == ' ') {
			h++;
			continue;
		}
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

/* SYSTEM_win10_1709, ControlSet001\Services\CryptSvc\Security (240 bytes) */
#define W10_CRYPTSVC TU_W10_CRYPTSVC_HEX
/* SYSTEM_win10_1709, MsLldp (no SU/IU grant: KB 3209092) */
#define W10_MSLLDP TU_W10_MSLLDP_HEX
/* SYSTEM_win8_x64, CryptSvc (184 bytes) */
#define W8_CRYPTSVC \
	"01000480a0000000ac000000000000001400000002008c000600000000001400fd01020001010000" \
	"000000051200000000001800ff010f0001020000000000052000000020020000000014008d010200" \
	"010100000000000504000000000014008d01020001010000000000050600000000001800ff010f00" \
	"01020000000000052000000025020000000018008d000200010200000000000f0200000001000000" \
	"010100000000000512000000010100000000000512000000"
/* SYSTEM_win8_x64, MsLldp (with a SACL) */
#define W8_MSLLDP \
	"01001480bc000000c8000000140000003000000002001c000100000002801400ff010f0001010000" \
	"000000010000000002008c000500000001001800ff010f0001020000000000052000000022020000" \
	"00001400ff010f0001010000000000051200000000001800df010f00010200000000000520000000" \
	"2002000000001800ff010f0001020000000000052000000025020000000028003400000001060000" \
	"0000000550000000443e41bb45baa87a6cbd9268f4ad648fd5e670e9010100000000000512000000" \
	"010100000000000512000000"
/* SYSTEM_winxp, EventSystem (148 bytes) */
#define XP_EVENTSYSTEM \
	"010014807c00000088000000140000003000000002001c000100000002801400ff010f0001010000" \
	"000000010000000002004c0003000000000014009d01020001010000000000050b00000000001800" \
	"ff010f0001020000000000052000000020020000000018008d000200010200000000000520000000" \
	"23020000010100000000000512000000010100000000000512000000"

static const struct {
	const char *name, *hex;
	size_t size;
	uint16_t control;
	const char *owner;     /* NULL: none */
	int dacl, sacl;        /* ACE counts, -1 absent */
	const char *sddl;      /* what Windows' sc sdshow prints */
} real[] = {
	{ "win10 CryptSvc", W10_CRYPTSVC, 240, 0x8004, "S-1-5-18", 7, -1,
	  "O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
	  "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)(A;;CCLCSWRPWPDTLOCRRC;;;SO)"
	  "(A;;CCLCSWLORC;;;AC)(A;;CCLCSWLORC;;;S-1-15-3-1024-3203351429-2120443784-"
	  "2872670797-1918958302-2829055647-4275794519-765664414-2751773334)" },
	{ "win10 MsLldp", W10_MSLLDP, 184, 0x8004, "S-1-5-18", 5, -1,
	  "O:SYG:SYD:(D;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BG)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SY)"
	  "(A;;CCDCLCSWRPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWRPWPDTLOCRRC;;;SO)"
	  "(A;;LCRPWP;;;S-1-5-80-3141615172-2057878085-1754447212-2405740020-3916490453)" },
	{ "win8 CryptSvc", W8_CRYPTSVC, 184, 0x8004, "S-1-5-18", 6, -1,
	  "O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
	  "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SO)"
	  "(A;;CCLCSWLORC;;;AC)" },
	{ "win8 MsLldp", W8_MSLLDP, 212, 0x8014, "S-1-5-18", 5, 1,
	  "O:SYG:SYD:(D;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BG)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SY)"
	  "(A;;CCDCLCSWRPDTLOCRSDRCWDWO;;;BA)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;SO)"
	  "(A;;LCRPWP;;;S-1-5-80-3141615172-2057878085-1754447212-2405740020-3916490453)"
	  "S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)" },
	{ "xp EventSystem", XP_EVENTSYSTEM, 148, 0x8014, "S-1-5-18", 3, 1,
	  "O:SYG:SYD:(A;;CCLCSWRPLOCRRC;;;AU)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
	  "(A;;CCLCSWLORC;;;PU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)" },
};

#define NREAL (int)(sizeof(real) / sizeof(real[0]))

START_TEST(test_real_parse)
{
	uint8_t buf[512], *enc = NULL;
	size_t n = unhex(real[_i].hex, buf, sizeof(buf)), len = 0;
	struct secdesc sd;
	struct err err;
	char owner[SID_STR_MAX], *sddl = NULL;

	err_init(&err);
	ck_assert_uint_eq(n, real[_i].size);
	ck_assert_msg(secdesc_parse(buf, n, &sd, &err) == 0, "%s: %s", real[_i].name, err.msg);
	ck_assert_uint_eq(sd.control, real[_i].control);
	ck_assert_int_eq(sd.has_owner, real[_i].owner != NULL);
	sid_to_string(&sd.owner, owner, sizeof(owner));
	ck_assert_str_eq(owner, real[_i].owner);
	ck_assert_int_eq(sd.has_group, 1);
	ck_assert_int_eq(sd.has_dacl, real[_i].dacl >= 0);
	ck_assert_uint_eq(sd.dacl.count, (unsigned)real[_i].dacl);
	ck_assert_int_eq(sd.has_sacl, real[_i].sacl >= 0);
	if (real[_i].sacl >= 0)
		ck_assert_uint_eq(sd.sacl.count, (unsigned)real[_i].sacl);
	ck_assert_uint_eq(sd.dacl.revision, 2);
	/* Windows' own layout comes back byte for byte */
	ck_assert_int_eq(secdesc_encode(&sd, &enc, &len, &err), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(enc, buf, n);
	/* and prints as sc sdshow does */
	ck_assert_int_eq(sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &sddl, &err), 0);
	ck_assert_str_eq(sddl, real[_i].sddl);
	free(sddl);
	free(enc);
	secdesc_release(&sd);
}
END_TEST

/* Every truncation of a real descriptor is an error, not a crash. */
START_TEST(test_real_truncated)
{
	uint8_t buf[512], *copy;
	size_t n = unhex(real[_i].hex, buf, sizeof(buf)), k;
	struct secdesc sd;
	struct err err;

	for (k = 0; k < n; k++) {
		copy = malloc(k ? k : 1);  /* exact size: ASan sees overreads */
		memcpy(copy, buf, k);
		err_init(&err);
		ck_assert_msg(secdesc_parse(copy, k, &sd, &err) < 0, "%s: %zu bytes parsed",
			      real[_i].name, k);
		ck_assert(err.msg[0] != '\0');
		secdesc_release(&sd);
		free(copy);
	}
}
END_TEST

/* Every single-bit flip parses or fails cleanly; what parses re-encodes
 * to something that parses to the same descriptor. */
START_TEST(test_real_bitflips)
{
	uint8_t buf[512], *copy, *enc;
	size_t n = unhex(real[_i].hex, buf, sizeof(buf)), k, len;
	struct secdesc sd, sd2;
	int bit;

	for (k = 0; k < n; k++)
		for (bit = 0; bit < 8; bit++) {
			copy = malloc(n);
			memcpy(copy, buf, n);
			copy[k] ^= (uint8_t)(1u << bit);
			if (secdesc_parse(copy, n, &sd, NULL) == 0) {
				ck_assert_int_eq(secdesc_encode(&sd, &enc, &len, NULL), 0);
				ck_assert_int_eq(secdesc_parse(enc, len, &sd2, NULL), 0);
				ck_assert(secdesc_equal(&sd, &sd2));
				secdesc_release(&sd2);
				free(enc);
			}
			secdesc_release(&sd);
			free(copy);
		}
}
END_TEST

/* Hand-made descriptor: header + DACL at 0x14 with one ACE (A;;0xf01ff;;;WD). */
#define HDR      "0100048000000000000000000000000014000000"
#define ACL1     "02001c0001000000"
#define ACE_WD   "00001400ff010f00" "010100000000000100000000"

static const struct {
	const char *what, *hex;
	int code;
	const char *msg;
} corrupt[] = {
	{ "short", "01000480000000", -E_CORRUPT, "descriptor: 7 bytes < 20" },
	{ "sd revision", "0200048000000000000000000000000014000000" ACL1 ACE_WD,
	  -E_CORRUPT, "descriptor: revision 2 != 1" },
	{ "absolute", "0100040000000000000000000000000014000000" ACL1 ACE_WD,
	  -E_CORRUPT, "lacks SE_SELF_RELATIVE" },
	{ "acl revision", HDR "09001c0001000000" ACE_WD, -E_CORRUPT, "descriptor: dacl at offset 20: revision 9 not 2..4" },
	{ "acl size small", HDR "0200040001000000" ACE_WD, -E_CORRUPT, "descriptor: dacl at offset 20: size 4 < 8" },
	{ "acl past end", HDR "0200000101000000" ACE_WD, -E_CORRUPT, "descriptor: dacl at offset 20: size 256 past the end" },
	{ "ace count", HDR "02001c0005000000" ACE_WD, -E_CORRUPT, "5 ACEs cannot fit in 28 bytes" },
	{ "ace count limit", HDR "02001c0089130000" ACE_WD, -E_LIMIT, "LIMIT_ACL_ACES" },
	{ "ace size small", HDR ACL1 "00000400ff010f00" "010100000000000100000000",
	  -E_CORRUPT, "descriptor: dacl at offset 20: ACE 0 at offset 28: size 4 < 8" },
	{ "ace size big", HDR ACL1 "00004000ff010f00" "010100000000000100000000",
	  -E_CORRUPT, "ACE 0 at offset 28: size 64 > 20 bytes left in the ACL" },
	{ "ace type compound", HDR ACL1 "04001400ff010f00" "010100000000000100000000",
	  -E_UNSUPPORTED, "ACE 0 at offset 28: type 0x04 not supported" },
	{ "ace type unknown", HDR ACL1 "16001400ff010f00" "010100000000000100000000",
	  -E_UNSUPPORTED, "ACE 0 at offset 28: type 0x16 not supported" },
	{ "ace sid subauth", HDR ACL1 "00001400ff010f00" "011000000000000100000000",
	  -E_CORRUPT, "ACE 0 at offset 28: sid: 16 sub-authorities > 15" },
	{ "ace sid overflow", HDR "020018000100000000001000ff010f00" "010100000000000100000000",
	  -E_CORRUPT, "ACE 0 at offset 28: sid: 1 sub-authorities need 12 bytes, 8 left" },
	{ "ace sid revision", HDR ACL1 "00001400ff010f00" "020100000000000100000000",
	  -E_CORRUPT, "ACE 0 at offset 28: sid: revision 2 != 1" },
	{ "object flags", HDR "0400200001000000" "05001800ff010f0004000000" "010100000000000100000000",
	  -E_CORRUPT, "ACE 0 at offset 28: object flags 0x4 unknown" },
	{ "object guid short", HDR "0400200001000000" "05001800ff010f0001000000" "010100000000000100000000",
	  -E_CORRUPT, "too small for its object type" },
	{ "dacl offset in header", "0100048000000000000000000000000010000000" ACL1 ACE_WD,
	  -E_CORRUPT, "descriptor: dacl offset 16 inside the 20-byte header" },
	{ "owner offset", "0100048000100000000000000000000014000000" ACL1 ACE_WD,
	  -E_CORRUPT, "descriptor: owner offset 4096 past the end of the 48-byte descriptor" },
	{ "group sid", "0100048000000000300000000000000014000000" ACL1 ACE_WD "01050000",
	  -E_CORRUPT, "descriptor: group offset 48 past the end of the 52-byte descriptor" },
	{ "group sid cut", "0100048000000000300000000000000014000000" ACL1 ACE_WD "0105000000000005",
	  -E_CORRUPT, "descriptor: group at offset 48: sid: 5 sub-authorities need 28 bytes, 8 left" },
	{ "sacl", "010014800000000000000000140000000000000002001c000100000002801400",
	  -E_CORRUPT, "descriptor: sacl at offset 20: size 28 past the end of the descriptor (12 bytes left)" },
	/* issue 14: what RtlValidSecurityDescriptor / RtlValidAcl refuse */
	{ "ace size not a multiple of 4", HDR "0200200001000000"
	  "00001600ff010f00" "010100000000000100000000" "0000" "0000",
	  -E_CORRUPT, "descriptor: dacl at offset 20: ACE 0 at offset 28: size 22 not a multiple of 4" },
	{ "acl size odd", HDR "02001f0001000000" ACE_WD "0000",
	  -E_CORRUPT, "descriptor: dacl at offset 20: size 31 is odd" },
	{ "owner at offset 21", "0100048015000000000000000000000000000000" "00"
	  "010100000000000100000000",
	  -E_CORRUPT, "descriptor: owner offset 21 not a multiple of 4" },
	{ "group offset in header", "0100048000000000040000000000000000000000" "010100000000000100000000",
	  -E_CORRUPT, "descriptor: group offset 4 inside the 20-byte header" },
	{ "condition garbage", HDR "0200240001000000"
	  "09001c00ff011f00" "010100000000000100000000" "61727478" "33000000",
	  -E_CORRUPT, "descriptor: dacl at offset 20: ACE 0 at offset 28: condition: unknown token 0x33 at offset 52" },
	{ "condition operator alone", HDR "0200240001000000"
	  "09001c00ff011f00" "010100000000000100000000" "61727478" "a0000000",
	  -E_CORRUPT, "ACE 0 at offset 28: condition: '&&' lacks an operand at offset 52" },
	{ "condition string overrun", HDR "0200280001000000"
	  "09002000ff011f00" "010100000000000100000000" "61727478" "10ff000000410000",
	  -E_CORRUPT, "condition: string literal of 255 bytes runs past the end (3 left) at offset 52" },
	{ "condition two values", HDR "0200340001000000"
	  "09002c00ff011f00" "010100000000000100000000" "61727478"
	  "0301000000000000000302" "fb020000004100" "0000",
	  -E_CORRUPT, "condition: 2 operands without an operator at offset 63" },
	{ "condition bytes after", HDR "0200300001000000"
	  "09002800ff011f00" "010100000000000100000000" "61727478"
	  "0301000000000000000302" "00" "41" "000000",
	  -E_CORRUPT, "condition: byte 0x41 after the end of the expression at offset 64" },
};

/* A well-formed condition, (XA;;FA;;;WD;(Member_of {SID(BA)})): accepted,
 * kept byte for byte. */
START_TEST(test_condition_valid)
{
	const char *hex = HDR "0200380001000000"
		"09003000ff011f00" "010100000000000100000000"
		"61727478" "5110000000" "01020000000000052000000020020000" "89" "0000";
	uint8_t buf[128], *enc;
	size_t n = unhex(hex, buf, sizeof(buf)), len;
	struct secdesc sd;
	struct err err;

	err_init(&err);
	ck_assert_msg(secdesc_parse(buf, n, &sd, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sd.dacl.aces[0].appdata_len, 28);
	ck_assert_int_eq(secdesc_encode(&sd, &enc, &len, NULL), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(enc, buf, n);
	free(enc);
	secdesc_release(&sd);
}
END_TEST

START_TEST(test_corrupt)
{
	uint8_t buf[512], *copy;
	size_t n = unhex(corrupt[_i].hex, buf, sizeof(buf));
	struct secdesc sd;
	struct err err;

	copy = malloc(n);
	memcpy(copy, buf, n);
	err_init(&err);
	ck_assert_int_eq(secdesc_parse(copy, n, &sd, &err), corrupt[_i].code);
	ck_assert_msg(strstr(err.msg, corrupt[_i].msg), "%s: message '%s' lacks '%s'",
		      corrupt[_i].what, err.msg, corrupt[_i].msg);
	secdesc_release(&sd);
	free(copy);
}
END_TEST

START_TEST(test_minimal_valid)
{
	uint8_t buf[128], *enc;
	size_t n = unhex(HDR ACL1 ACE_WD, buf, sizeof(buf)), len;
	struct secdesc sd;

	ck_assert_int_eq(secdesc_parse(buf, n, &sd, NULL), 0);
	ck_assert_uint_eq(sd.dacl.count, 1);
	ck_assert_uint_eq(sd.dacl.aces[0].mask, 0xf01ff);
	ck_assert_int_eq(secdesc_encode(&sd, &enc, &len, NULL), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(enc, buf, n);
	free(enc);
	secdesc_release(&sd);
	/* a DACL offset without SE_DACL_PRESENT: Windows ignores what it
	 * points at, garbage included */
	n = unhex("0100008000000000000000000000000014000000" "ffffffffffffffff", buf, sizeof(buf));
	ck_assert_int_eq(secdesc_parse(buf, n, &sd, NULL), 0);
	ck_assert(!sd.has_dacl && !sd.has_sacl);
	secdesc_release(&sd);
	/* a descriptor with nothing in it */
	n = unhex("0100008000000000000000000000000000000000", buf, sizeof(buf));
	ck_assert_int_eq(secdesc_parse(buf, n, &sd, NULL), 0);
	ck_assert(!sd.has_owner && !sd.has_group && !sd.has_dacl && !sd.has_sacl);
	secdesc_release(&sd);
}
END_TEST

START_TEST(test_stub)
{
	uint8_t stub[5] = { 0x00, 0x00, 0x0e, 0x00, 0x01 };
	uint8_t other[5] = { 0x00, 0x00, 0x0e, 0x00, 0x02 };
	struct secdesc sd;
	struct err err;

	ck_assert_int_eq(secdesc_is_stub(stub, 5), 1);
	ck_assert_int_eq(secdesc_is_stub(stub, 4), 0);
	ck_assert_int_eq(secdesc_is_stub(other, 5), 0);
	ck_assert_int_eq(secdesc_is_stub(NULL, 0), 0);
	/* the parser itself says it is not a descriptor */
	err_init(&err);
	ck_assert_int_lt(secdesc_parse(stub, 5, &sd, &err), 0);
	secdesc_release(&sd);
}
END_TEST

/* A callback ACE keeps its condition bytes; an object ACE its GUIDs. */
START_TEST(test_appdata_and_objects)
{
	/* (XA;;FA;;;WD;(a)): "artx", local attribute "a", one byte of
	 * padding; (OA;CI;CR;<guid>;<guid>;AU) */
	const char *hex =
		"0100048000000000000000000000000014000000"
		"0400600002000000"
		"09002000ff011f00" "010100000000000100000000" "61727478" "f80200000061" "0000"
		"0502380000010000" "03000000"
		"ba7a96bfe60dd011a28500aa003049e2" "1e025c10a80ad0119b0a00c04fd8d5c1"
		"01010000000000050b000000";
	uint8_t buf[256], *enc;
	size_t n = unhex(hex, buf, sizeof(buf)), len;
	struct secdesc sd, copy;
	char *sddl;
	struct err err;

	err_init(&err);
	ck_assert_msg(secdesc_parse(buf, n, &sd, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(sd.dacl.count, 2);
	ck_assert_uint_eq(sd.dacl.aces[0].appdata_len, 12);
	ck_assert_mem_eq(sd.dacl.aces[0].appdata, "artx", 4);
	ck_assert_uint_eq(sd.dacl.aces[1].object_flags, 3);
	ck_assert_int_eq(secdesc_encode(&sd, &enc, &len, NULL), 0);
	ck_assert_uint_eq(len, n);
	ck_assert_mem_eq(enc, buf, n);
	free(enc);
	ck_assert_int_eq(sddl_encode(&sd, SDDL_RIGHTS_FILE, &sddl, &err), 0);
	ck_assert_str_eq(sddl, "D:(XA;;FA;;;WD;(a))(OA;CI;CR;bf967aba-0de6-11d0-a285-00aa003049e2;"
			       "105c021e-0aa8-11d0-9b0a-00c04fd8d5c1;AU)");
	free(sddl);
	ck_assert_int_eq(secdesc_copy(&copy, &sd, NULL), 0);
	ck_assert(secdesc_equal(&copy, &sd));
	copy.dacl.aces[0].appdata[0] ^= 1;
	ck_assert(!secdesc_equal(&copy, &sd));
	secdesc_release(&copy);
	secdesc_release(&sd);
}
END_TEST

Suite *secdesc_suite(void);
Suite *secdesc_suite(void)
{
	Suite *s = suite_create("secdesc");
	TCase *tc;

	tc = tcase_create("real");
	tcase_set_timeout(tc, 20);
	tcase_add_loop_test(tc, test_real_parse, 0, NREAL);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_real_truncated, 0, NREAL);
	tcase_add_loop_test(tc, test_real_bitflips, 0, NREAL);
	tcase_add_loop_test(tc, test_corrupt, 0, (int)(sizeof(corrupt) / sizeof(corrupt[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("forms");
	tcase_set_timeout(tc, 10);
	tcase_add_test(tc, test_minimal_valid);
	tcase_add_test(tc, test_stub);
	tcase_add_test(tc, test_appdata_and_objects);
	tcase_add_test(tc, test_condition_valid);
	suite_add_tcase(s, tc);
	return s;
}
