/* Descriptors checked as Windows checks them (issue 14, case 6) and
 * conditions in a scan (issue 17): `vssdoctor sddl` refuses a descriptor
 * Windows would refuse with one line naming the offset and exit status
 * 2; a scan reports such a Security value as the evidence `invalid
 * descriptor` (the service control manager would refuse it); cause 3, the
 * all-services check and baselines judge a conditional ACE as Windows
 * evaluates it for the writer's token. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

#define SVC "ControlSet001\\Services\\"
#define SCM SCN_SDDL_SCM_DEFAULT

#define HDR "0100048000000000000000000000000014000000"        /* DACL at 20 */
#define ACL1 "02001c0001000000"
#define SID_WD "010100000000000100000000"
#define ACE_WD "00001400ff010f00" SID_WD
#define ACE21 HDR ACL1 "00001500ff010f00" SID_WD              /* AceSize 21 */
#define OWNER21 "0100048015000000000000000000000000000000" "00" "010100000000000512000000"

/* ---- vssdoctor sddl -------------------------------------------------------- */

static const struct {
	const char *what, *in, *msg;
} refused[] = {
	{ "ACE size not a multiple of 4", ACE21,
	  "descriptor: dacl at offset 20: ACE 0 at offset 28: size 21 not a multiple of 4" },
	{ "owner at offset 21", OWNER21, "descriptor: owner offset 21 not a multiple of 4" },
	{ "owner inside the header", "0100048008000000000000000000000000000000",
	  "descriptor: owner offset 8 inside the 20-byte header" },
	{ "dacl inside the header", "0100048000000000000000000000000010000000" ACL1 ACE_WD,
	  "descriptor: dacl offset 16 inside the 20-byte header" },
	{ "dacl at offset 22", "0100048000000000000000000000000016000000" "0000" ACL1 ACE_WD,
	  "descriptor: dacl offset 22 not a multiple of 4" },
	{ "garbage in a condition",
	  HDR "0200240001000000" "09001c00ff011f00" SID_WD "6172747877000000",
	  "descriptor: dacl at offset 20: ACE 0 at offset 28: condition: unknown token 0x77 at offset 52" },
	{ "condition padding", HDR "02002c0001000000" "09002400ff011f00" SID_WD "61727478" "f8020000006100" "0000000000",
	  "descriptor: dacl at offset 20: ACE 0 at offset 28: condition: 5 bytes of padding (at most 3) at offset 59" },
	{ "resource attribute without data",
	  "010010800000000000000000140000000000000002001c0001000000" "12001400" "00000000" SID_WD,
	  "descriptor: sacl at offset 20: ACE 0 at offset 28: resource attribute: 0 bytes < 16 at offset 48" },
	{ "acl revision", HDR "05001c0001000000" ACE_WD, "descriptor: dacl at offset 20: revision 5 not 2..4" },
	{ "acl size odd", HDR "02001d0001000000" ACE_WD, "descriptor: dacl at offset 20: size 29 is odd" },
	{ "acl size past the end", HDR "0200400001000000" ACE_WD,
	  "descriptor: dacl at offset 20: size 64 past the end of the descriptor (28 bytes left)" },
	{ "ace count", HDR "02001c0005000000" ACE_WD, "descriptor: dacl at offset 20: 5 ACEs cannot fit in 28 bytes" },
	{ "ace past the acl", HDR ACL1 "00004000ff010f00" SID_WD,
	  "descriptor: dacl at offset 20: ACE 0 at offset 28: size 64 > 20 bytes left in the ACL" },
	{ "16 sub-authorities", "0100048014000000000000000000000000000000" "0110000000000005"
	  "0000000000000000000000000000000000000000000000000000000000000000"
	  "0000000000000000000000000000000000000000000000000000000000000000",
	  "descriptor: owner at offset 20: sid: 16 sub-authorities > 15" },
	{ "descriptor revision", "0200048000000000000000000000000014000000" ACL1 ACE_WD,
	  "descriptor: revision 2 != 1" },
	{ "condition in SDDL", "D:(XA;;GA;;;WD;(x == ))", "expected a value (number, \"string\", #octets, SID(...) or {list}) at offset 21" },
	{ "attribute in SDDL", "S:(RA;;;;;WD;(\"x\",TB,0x0,7))", "TB values are 0 or 1 at offset 25" },
};

START_TEST(test_sddl_refuses)
{
	struct tu_run r;
	char want[512];

	ck_assert_int_eq(tu_vssdoctor(&r, "sddl", refused[_i].in, NULL), 0);
	snprintf(want, sizeof(want), "vssdoctor: sddl: %s\n", refused[_i].msg);
	ck_assert_msg(r.status == 2, "%s: exit %d", refused[_i].what, r.status);
	ck_assert_str_eq(r.err, want);
	ck_assert_uint_eq(r.out_len, 0);
	tu_run_free(&r);
}
END_TEST

/* A valid conditional descriptor prints with its condition, and the hex
 * line is the same bytes. */
START_TEST(test_sddl_condition)
{
	const char *sddl = "O:SYG:SYD:(A;;CCLCSWLOCRRC;;;SU)"
			   "(XA;;LCRPWP;;;IU;(!(WIN://ISMULTISESSIONSKU)))"
			   "(XD;;RP;;;AU;(@USER.x == 1))";
	struct tu_run r, r2;
	char *hex, *nl, *line2;

	ck_assert_int_eq(tu_vssdoctor(&r, "sddl", sddl, NULL), 0);
	ck_assert_int_eq(r.status, 0);
	nl = strchr(r.out, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_int_eq((int)(nl - r.out), (int)strlen(sddl));
	ck_assert(strncmp(r.out, sddl, strlen(sddl)) == 0);
	ck_assert_ptr_nonnull(strstr(r.out, "allow (conditional) NT AUTHORITY\\INTERACTIVE"));
	/* the hex line decodes to the same text */
	line2 = nl + 1;
	ck_assert(strncmp(line2, "hex: ", 5) == 0);
	hex = strndup(line2 + 5, strcspn(line2 + 5, "\n"));
	ck_assert_int_eq(tu_vssdoctor(&r2, "sddl", hex, NULL), 0);
	ck_assert_int_eq(r2.status, 0);
	ck_assert(strncmp(r2.out, sddl, strlen(sddl)) == 0);
	free(hex);
	tu_run_free(&r2);
	tu_run_free(&r);
}
END_TEST

/* ---- scans ------------------------------------------------------------------ */

static int has_fix(struct tu_scan *sc, const char *id, const char *text)
{
	size_t i;
	json_t *l;

	json_array_foreach(json_object_get(tu_result(sc->root, id), "remediation"), i, l)
		if (strcmp(json_string_value(l), text) == 0)
			return 1;
	return 0;
}

static const char *str(json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

/* CryptSvc's Security value fails RtlValidAcl: cause 3 is present, with
 * the evidence saying why, and the fix sets the SCM default. */
START_TEST(test_scan_invalid_cause3)
{
	struct tu_scan sc;
	json_t *ev;

	tu_scan_run("sdv-cause3", "os 2016\nreg system hex " SVC "CryptSvc\\Security Security " ACE21 "\n", &sc);
	ck_assert_str_eq(tu_scan_status(&sc, "cause3"), "present");
	ev = tu_scan_must_evidence(&sc, "cause3", "service", "CryptSvc");
	ck_assert_str_eq(str(ev, "verdict"), "invalid descriptor");
	ck_assert_str_eq(str(ev, "error"),
			 "descriptor: dacl at offset 20: ACE 0 at offset 28: size 21 not a multiple of 4");
	ck_assert(json_is_null(json_object_get(ev, "sddl")));
	ck_assert_ptr_nonnull(strstr(str(ev, "note"), "would refuse"));
	ck_assert(has_fix(&sc, "cause3", "sc sdset CryptSvc " SCM));
	ck_assert_int_eq(sc.status, 1);
	json_decref(sc.root);
}
END_TEST

/* A driver whose descriptor Windows would refuse locks the writer out:
 * listed by the all-services check with the SCM default as its fix. */
START_TEST(test_scan_invalid_driver)
{
	struct tu_scan sc;
	json_t *ev;

	tu_scan_run("sdv-driver", "os 2016\n"
	    "reg system dword " SVC "BadDrv Type 1\n"
	    "reg system expand_sz " SVC "BadDrv ImagePath system32\\drivers\\tcpip.sys\n"
	    "reg system hex " SVC "BadDrv\\Security Security " OWNER21 "\n", &sc);
	ck_assert_str_eq(tu_scan_status(&sc, "service-sd-blocks-writer"), "present");
	ev = tu_scan_must_evidence(&sc, "service-sd-blocks-writer", "service", "BadDrv");
	ck_assert_str_eq(str(ev, "verdict"), "invalid descriptor");
	ck_assert_str_eq(str(ev, "error"), "descriptor: owner offset 21 not a multiple of 4");
	ck_assert_str_eq(str(ev, "fixed_sddl"), SCM);
	ck_assert(has_fix(&sc, "service-sd-blocks-writer", "sc sdset BadDrv " SCM));
	ck_assert_str_eq(tu_scan_status(&sc, "cause3"), "absent");
	ck_assert_int_eq(sc.status, 1);
	json_decref(sc.root);
}
END_TEST

/* Cause 3 with conditional ACEs, judged as Windows evaluates them for the
 * writer's token (NETWORK SERVICE and its groups, no claims). */
static const struct {
	const char *name, *sddl, *verdict, *lacking, *diff_ace;
} cond3[] = {
	{ "allow whose condition is UNKNOWN",
	  "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
	  "(XA;;CCLCSWLOCRRC;;;SU;(!(WIN://ISMULTISESSIONSKU)))",
	  "broken", "writer", "(XA;;CCLCSWLOCRRC;;;SU;(!(WIN://ISMULTISESSIONSKU)))" },
	{ "allow whose condition is TRUE",
	  "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
	  "(XA;;CCLCSWLOCRRC;;;SU;(Member_of {SID(NS)}))",
	  "ok", NULL, "(XA;;CCLCSWLOCRRC;;;SU;(Member_of {SID(NS)}))" },
	{ "deny whose condition is UNKNOWN",
	  "D:(XD;;CC;;;SU;(@USER.x == 1))(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
	  "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)",
	  "broken", "writer", "(XD;;CC;;;SU;(@USER.x == 1))" },
	{ "deny whose condition is FALSE",
	  "D:(XD;;CC;;;SU;(Member_of {SID(BA)}))(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
	  "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)",
	  "ok", NULL, "(XD;;CC;;;SU;(Member_of {SID(BA)}))" },
};

START_TEST(test_scan_conditions)
{
	struct tu_scan sc;
	char *text = NULL;
	json_t *ev, *d;
	size_t i;
	int seen = 0;

	ck_assert_int_ge(asprintf(&text, "os 2016\nreg system sddl " SVC "CryptSvc\\Security Security %s\n",
				  cond3[_i].sddl), 0);
	tu_scan_run("sdv-cond", text, &sc);
	free(text);
	ev = tu_scan_must_evidence(&sc, "cause3", "service", "CryptSvc");
	ck_assert_str_eq(str(ev, "sddl"), cond3[_i].sddl);
	ck_assert_msg(strcmp(str(ev, "verdict"), cond3[_i].verdict) == 0, "%s: %s", cond3[_i].name,
		      str(ev, "verdict"));
	ck_assert_str_eq(tu_scan_status(&sc, "cause3"), strcmp(cond3[_i].verdict, "ok") ? "present" : "absent");
	if (cond3[_i].lacking)
		ck_assert_ptr_nonnull(json_object_get(json_object_get(ev, "lacking"), cond3[_i].lacking));
	else
		ck_assert_ptr_null(json_object_get(ev, "lacking"));
	/* the per-ACE diff names the conditional ACE with its condition */
	json_array_foreach(json_object_get(ev, "diff"), i, d)
		if (strcmp(str(d, "actual"), cond3[_i].diff_ace) == 0)
			seen = 1;
	ck_assert_msg(seen, "%s: no diff entry %s", cond3[_i].name, cond3[_i].diff_ace);
	json_decref(sc.root);
}
END_TEST

/* A baseline sees a condition change: one that takes the writer's rights
 * away fails, one that keeps them is information. */
START_TEST(test_baseline_condition)
{
	const char *before = "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
			     "(XA;;CCLCSWLOCRRC;;;SU;(Member_of {SID(NS)}))";
	const char *after[] = {
		"D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
		"(XA;;CCLCSWLOCRRC;;;SU;(Member_of {SID(BA)}))",
		"D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
		"(XA;;CCLCSWLOCRRC;;;SU;(Member_of_any {SID(NS), SID(BA)}))",
	};
	const char *severity[] = { "failure", "info" };
	char *text = NULL, *img, *dir = tu_tmpdir("sdv-baseline"), *golden = NULL;
	struct tu_scan sc;
	struct tu_run r;
	json_t *dr, *it, *found;
	size_t i, k;

	ck_assert_int_ge(asprintf(&text, "os 2016\nreg system sddl " SVC "CryptSvc\\Security Security %s\n",
				  before), 0);
	img = tu_build("sdv-golden", text);
	free(text);
	ck_assert_int_ge(asprintf(&golden, "%s/golden.json", dir), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "-q", "--save-baseline", golden, "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_int_ne(r.status, 2);
	tu_run_free(&r);
	free(img);
	for (k = 0; k < 2; k++) {
		ck_assert_int_ge(asprintf(&text, "os 2016\nreg system sddl " SVC "CryptSvc\\Security Security %s\n",
					  after[k]), 0);
		img = tu_build(k ? "sdv-after1" : "sdv-after0", text);
		free(text);
		sc.root = tu_scan_image(img, &sc.status, "--baseline", golden, NULL);
		free(img);
		dr = tu_result(sc.root, "drift");
		found = NULL;
		json_array_foreach(json_object_get(dr, "evidence"), i, it)
			if (strcmp(str(it, "path"), "services\\CryptSvc\\sddl") == 0)
				found = it;
		ck_assert_msg(found != NULL, "no drift for the condition: %s",
			      json_dumps(json_object_get(dr, "evidence"), JSON_COMPACT));
		ck_assert_str_eq(str(found, "severity"), severity[k]);
		ck_assert_str_eq(str(found, "before"), before);
		ck_assert_str_eq(str(found, "after"), after[k]);
		ck_assert_str_eq(str(dr, "status"), k ? "absent" : "present");
		json_decref(sc.root);
	}
	free(golden);
	free(dir);
}
END_TEST

Suite *sdvalid_suite(void);
Suite *sdvalid_suite(void)
{
	Suite *s = suite_create("sdvalid");
	TCase *tc;

	tc = tcase_create("sddl");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_loop_test(tc, test_sddl_refuses, 0, (int)(sizeof(refused) / sizeof(refused[0])));
	tcase_add_test(tc, test_sddl_condition);
	suite_add_tcase(s, tc);

	tc = tcase_create("scan");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_scan_invalid_cause3);
	tcase_add_test(tc, test_scan_invalid_driver);
	tcase_add_loop_test(tc, test_scan_conditions, 0, (int)(sizeof(cond3) / sizeof(cond3[0])));
	tcase_add_test(tc, test_baseline_condition);
	suite_add_tcase(s, tc);
	return s;
}
