/* Cause 1 (WinSxS descriptors) and the winsxs-junction finding, end to
 * end: scenario volumes built here, `vssdoctor scan --format json`, the
 * verdict and the evidence a user would read. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "sid.h"
#include "svcsid.h"
#include "testutil.h"

#define PENDING "Windows\\WinSxS\\Temp\\PendingRenames"

static const char *status_of(json_t *res)
{
	return json_string_value(json_object_get(res, "status"));
}

/* ---- PendingRenames descriptors, table-driven ---------------------------- */

#define TI SCN_SID_TI
struct acl_vector {
	const char *name;
	const char *sddl;         /* PendingRenames' descriptor */
	const char *status;       /* cause1's verdict */
	const char *missing;      /* expected "missing" rights, NULL = readable */
};

static const struct acl_vector vectors[] = {
	{ "KB 2009272 result", SCN_SDDL_WINSXS_OK, "absent", NULL },
	{ "no ACE for SYSTEM or Users", "O:BAG:SYD:PAI(A;;FA;;;BA)", "present",
	  "READ_DATA|READ_ATTRIBUTES" },
	{ "deny Everyone before the allows",
	  "O:" TI "G:SYD:PAI(D;;FA;;;WD)(A;;0x1200a9;;;SY)(A;;FA;;;" TI ")(A;;0x1200a9;;;BU)",
	  "present", "READ_DATA|READ_ATTRIBUTES" },
	{ "deny Everyone after the allows (order matters)",
	  "O:" TI "G:SYD:PAI(A;;0x1200a9;;;SY)(A;;FA;;;" TI ")(A;;0x1200a9;;;BU)(D;;FA;;;WD)",
	  "absent", NULL },
	{ "Users only through an inherit-only ACE",
	  "O:" TI "G:SYD:PAI(A;;FA;;;" TI ")(A;OICIIO;0x1200a9;;;BU)", "present",
	  "READ_DATA|READ_ATTRIBUTES" },
	{ "empty DACL", "O:BAG:SYD:P", "present", "READ_DATA|READ_ATTRIBUTES" },
	{ "NULL DACL", "O:BAG:SYD:NO_ACCESS_CONTROL", "absent", NULL },
	{ "SYSTEM only", "O:SYG:SYD:PAI(A;;FA;;;SY)", "present", "READ_DATA|READ_ATTRIBUTES" },
	{ "NETWORK SERVICE itself", "O:BAG:SYD:PAI(A;;0x1200a9;;;NS)", "absent", NULL },
	{ "Authenticated Users, generic read", "O:BAG:SYD:PAI(A;;GR;;;AU)", "absent", NULL },
	{ "Users FILE_READ_DATA only", "O:BAG:SYD:PAI(A;;0x1;;;BU)", "present", "READ_ATTRIBUTES" },
	{ "deny Users read attributes", "O:BAG:SYD:PAI(D;;0x80;;;BU)(A;;FA;;;WD)", "present",
	  "READ_ATTRIBUTES" },
};

START_TEST(test_pendingrenames_vectors)
{
	const struct acl_vector *v = &vectors[_i];
	char text[1024];
	char *img;
	json_t *root, *c1, *e, *eff;
	int st;

	snprintf(text, sizeof(text), "pendingrenames %s\n", v->sddl);
	img = tu_build("cause1-vec", text);
	root = tu_scan_image(img, &st, NULL);
	c1 = tu_result(root, "cause1");
	ck_assert_msg(strcmp(status_of(c1), v->status) == 0, "%s: cause1 %s, want %s (%s)",
		      v->name, status_of(c1), v->status, tu_str(c1, "summary"));
	e = tu_evidence(c1, "file", PENDING);
	ck_assert_msg(e != NULL, "%s: no evidence for PendingRenames", v->name);
	ck_assert_str_eq(tu_str(e, "object"), "file");
	ck_assert(json_is_string(json_object_get(e, "sddl")));
	eff = json_object_get(e, "effective");
	ck_assert(json_is_string(json_object_get(eff, "writer")));
	ck_assert(json_is_string(json_object_get(eff, "system")));
	ck_assert_str_eq(tu_str(e, "needs"), "READ_DATA|READ_ATTRIBUTES");
	if (v->missing) {
		ck_assert_str_eq(tu_str(e, "verdict"), "denied");
		ck_assert_msg(strcmp(tu_str(e, "missing"), v->missing) == 0, "%s: missing %s",
			      v->name, tu_str(e, "missing"));
		ck_assert_int_eq(json_integer_value(json_object_get(
			tu_evidence(c1, "summary", NULL), "denied")), 1);
		ck_assert_int_eq(st, 1);
	} else {
		ck_assert_str_eq(tu_str(e, "verdict"), "readable");
		ck_assert_ptr_null(json_object_get(e, "missing"));
	}
	json_decref(root);
	free(img);
}
END_TEST

/* The SDDL shown is the one on disk, spelled as Windows does; the fix is
 * KB 2009272's with the real paths. */
START_TEST(test_broken_evidence_and_fix)
{
	char *img = tu_build("cause1-broken", tu_scenario("cause1/broken"));
	json_t *root = tu_scan_image(img, NULL, NULL), *c1, *e, *rem, *sum;

	c1 = tu_result(root, "cause1");
	ck_assert_str_eq(status_of(c1), "present");
	ck_assert_ptr_nonnull(strstr(tu_str(c1, "summary"), PENDING));
	e = tu_evidence(c1, "file", PENDING);
	ck_assert_str_eq(tu_str(e, "sddl"), "O:BAG:SYD:PAI(A;;FA;;;BA)");
	ck_assert_str_eq(tu_str(e, "owner"), "S-1-5-32-544");
	ck_assert_str_eq(tu_str(e, "owner_name"), "BUILTIN\\Administrators");
	ck_assert_str_eq(tu_str(json_object_get(e, "effective"), "writer"), "NONE");
	ck_assert_str_eq(tu_str(json_object_get(e, "effective"), "system"), "ALL_ACCESS");
	/* the FileMaps folder and files are fine */
	e = tu_evidence(c1, "file", "Windows\\WinSxS\\FileMaps");
	ck_assert_str_eq(tu_str(e, "verdict"), "readable");
	ck_assert_str_eq(tu_str(e, "object"), "folder");
	ck_assert_str_eq(tu_str(e, "needs"), "LIST_DIRECTORY|TRAVERSE");
	sum = tu_evidence(c1, "summary", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "checked")), 5);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "denied")), 1);
	rem = json_object_get(c1, "remediation");
	ck_assert_int_eq(json_array_size(rem), 10);
	ck_assert_str_eq(json_string_value(json_array_get(rem, 0)),
			 "Takeown /f C:\\Windows\\winsxs\\temp\\PendingRenames /a");
	ck_assert_str_eq(json_string_value(json_array_get(rem, 3)),
			 "icacls C:\\Windows\\winsxs\\temp\\PendingRenames /grant BUILTIN\\Users:(RX)");
	ck_assert_str_eq(json_string_value(json_array_get(rem, 9)), "net start cryptsvc");
	json_decref(root);
	free(img);
}
END_TEST

START_TEST(test_pendingrenames_absent)
{
	char *img = tu_build("cause1-nopr", tu_scenario("cause1/no-pendingrenames"));
	json_t *root = tu_scan_image(img, NULL, NULL), *c1, *e;

	c1 = tu_result(root, "cause1");
	ck_assert_str_eq(status_of(c1), "absent");
	e = tu_evidence(c1, "file", PENDING);
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(tu_str(e, "verdict"), "absent on the volume");
	json_decref(root);
	free(img);
}
END_TEST

/* Only the CryptSvc service SID is granted: the writer's token holds it. */
START_TEST(test_service_sid_grant)
{
	struct sid sid;
	struct err err;
	char s[SID_STR_MAX], text[512];
	char *img;
	json_t *root;

	err_init(&err);
	ck_assert_int_eq(svcsid_from_name("CryptSvc", &sid, &err), 0);
	sid_to_string(&sid, s, sizeof(s));
	snprintf(text, sizeof(text), "pendingrenames O:BAG:SYD:PAI(A;;0x1200a9;;;%s)\n", s);
	img = tu_build("cause1-svcsid", text);
	root = tu_scan_image(img, NULL, NULL);
	ck_assert_str_eq(status_of(tu_result(root, "cause1")), "absent");
	json_decref(root);
	free(img);
}
END_TEST

/* ---- FileMaps: thousands of files, one denies ----------------------------- */

START_TEST(test_filemaps_one_of_2000)
{
	char *img = tu_build("cause1-fm", tu_scenario("cause1/filemaps-deny"));
	json_t *root = tu_scan_image(img, NULL, NULL), *c1, *e, *sum, *ev, *v;
	size_t i, files = 0;

	c1 = tu_result(root, "cause1");
	ck_assert_str_eq(status_of(c1), "present");
	ck_assert_ptr_nonnull(strstr(tu_str(c1, "summary"), "fm_01234.cdf-ms"));
	e = tu_evidence(c1, "file", "Windows\\WinSxS\\FileMaps\\fm_01234.cdf-ms");
	ck_assert_msg(e != NULL, "the denying file is not named");
	ck_assert_str_eq(tu_str(e, "verdict"), "denied");
	ck_assert_ptr_nonnull(strstr(tu_str(e, "sddl"), "(D;;FR;;;BU)"));
	ck_assert_str_eq(tu_str(e, "missing"), "READ_DATA|READ_ATTRIBUTES");
	sum = tu_evidence(c1, "summary", NULL);
	/* folder + 3 named files + 2000 + PendingRenames */
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "checked")), 2005);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "denied")), 1);
	/* readable files are counted, not listed */
	ev = json_object_get(c1, "evidence");
	json_array_foreach(ev, i, v)
		if (strstr(json_string_value(json_object_get(v, "path")) ?
			   json_string_value(json_object_get(v, "path")) : "", "fm_"))
			files++;
	ck_assert_int_eq(files, 1);
	json_decref(root);
	free(img);
}
END_TEST

/* Many denials: the count and the first LIMIT_EVIDENCE_ITEMS (50), not all. */
START_TEST(test_filemaps_many_denied)
{
	char text[8192] = "filemaps_files 120\n";
	char *img;
	json_t *root, *c1, *sum;
	int k;

	for (k = 1; k <= 120; k++) {
		size_t l = strlen(text);
		snprintf(text + l, sizeof(text) - l, "filemaps_deny %d\n", k);
	}
	img = tu_build("cause1-many", text);
	root = tu_scan_image(img, NULL, NULL);
	c1 = tu_result(root, "cause1");
	ck_assert_str_eq(status_of(c1), "present");
	sum = tu_evidence(c1, "summary", NULL);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "denied")), 120);
	ck_assert_int_eq(json_integer_value(json_object_get(sum, "denied_listed")), 50);
	/* summary item + FileMaps + PendingRenames + 50 denied files */
	ck_assert_int_eq(json_array_size(json_object_get(c1, "evidence")), 53);
	json_decref(root);
	free(img);
}
END_TEST

/* A scan leaves the image's bytes as they were. */
START_TEST(test_image_untouched)
{
	char *img = tu_build("cause1-ro", "break cause1\nfilemaps_files 50\nfilemaps_deny 7\n");
	char before[65], after[65];
	json_t *root;

	ck_assert_int_eq(tu_sha256_file(img, before), 0);
	root = tu_scan_image(img, NULL, NULL);
	json_decref(root);
	ck_assert_int_eq(tu_sha256_file(img, after), 0);
	ck_assert_str_eq(before, after);
	free(img);
}
END_TEST

/* ---- winsxs-junction ----------------------------------------------------- */

START_TEST(test_junction_users)
{
	char *img = tu_build("junction", tu_scenario("cause1/junction"));
	json_t *root = tu_scan_image(img, NULL, NULL), *f, *e, *rem;

	f = tu_result(root, "winsxs-junction");
	ck_assert_str_eq(status_of(f), "present");
	e = tu_evidence(f, "junction", "Program Files");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(tu_str(e, "target"), "D:\\Program Files");
	ck_assert_str_eq(tu_str(e, "type"), "junction");
	ck_assert_str_eq(tu_str(e, "reparse_tag"), "0xa0000003");
	rem = json_object_get(f, "remediation");
	ck_assert_int_eq(json_array_size(rem), 1);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(rem, 0)), "move Program Files back"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(rem, 0)), "D:\\Program Files"));
	/* a moved Program Files is not a moved profile folder */
	ck_assert_str_eq(status_of(tu_result(root, "profile-junction")), "absent");
	json_decref(root);
	free(img);

	img = tu_build("junction-none", "os 2008r2\n");
	root = tu_scan_image(img, NULL, NULL);
	ck_assert_str_eq(status_of(tu_result(root, "winsxs-junction")), "absent");
	json_decref(root);
	free(img);
}
END_TEST

Suite *cause1_suite(void);
Suite *cause1_suite(void)
{
	Suite *s = suite_create("cause1");
	TCase *tc;

	tc = tcase_create("pendingrenames");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_pendingrenames_vectors, 0,
			    (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, test_broken_evidence_and_fix);
	tcase_add_test(tc, test_pendingrenames_absent);
	tcase_add_test(tc, test_service_sid_grant);
	suite_add_tcase(s, tc);

	tc = tcase_create("filemaps");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_filemaps_one_of_2000);
	tcase_add_test(tc, test_filemaps_many_denied);
	tcase_add_test(tc, test_image_untouched);
	suite_add_tcase(s, tc);

	tc = tcase_create("junction");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_junction_users);
	suite_add_tcase(s, tc);
	return s;
}
