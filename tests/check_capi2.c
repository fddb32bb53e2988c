/* CAPI2 513/512 Details text (DOMAIN.md "Event 513 tells you which cause"). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi2.h"
#include "limits.h"

#define MSG "Cryptographic Services failed while processing the OnIdentity() call in the System Writer Object.\r\n\r\n"

static const struct {
	const char *what, *text;
	int rc;
	enum capi2_kind kind;
	const char *function, *subject, *system_error, *detail;
	uint32_t code;
} vec[] = {
	{ "legacy access denied, whole message",
	  MSG "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft "
	  "Link-Layer Discovery Protocol.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n.",
	  1, CAPI2_LEGACY_DRIVER_ACCESS_DENIED, "AddLegacyDriverFiles",
	  "Microsoft Link-Layer Discovery Protocol", "Access is denied.",
	  "Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.", 0 },
	{ "core csi access denied, event data",
	  "Details:\nAddCoreCsiFiles : BeginFileEnumeration() failed.\n\nSystem Error:\nAccess is denied.\n",
	  1, CAPI2_CORE_CSI_ACCESS_DENIED, "AddCoreCsiFiles", "", "Access is denied.",
	  "BeginFileEnumeration() failed.", 0 },
	{ "junction",
	  MSG "AddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\r\n\r\nSystem Error:\r\n"
	  "0xC0000039 (unresolvable).\r\n",
	  1, CAPI2_CORE_CSI_JUNCTION, "AddCoreCsiFiles", "", "0xC0000039 (unresolvable).",
	  "RtlConvertNtFilePathToWin32Path() failed.", 0xC0000039u },
	{ "legacy missing file",
	  "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Foo Service.\r\n\r\n"
	  "System Error:\r\nThe system cannot find the file specified.\r\n",
	  1, CAPI2_LEGACY_DRIVER_NOT_FOUND, "AddLegacyDriverFiles", "Foo Service",
	  "The system cannot find the file specified.", NULL, 0 },
	{ "legacy missing path by number",
	  "Details:\nAddLegacyDriverFiles: Unable to back up image of binary Bar.\nSystem Error:\n(3)\n",
	  1, CAPI2_LEGACY_DRIVER_NOT_FOUND, "AddLegacyDriverFiles", "Bar", "(3)", NULL, 3 },
	{ "legacy access denied by hresult",
	  "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary X.\r\nSystem Error:\r\n"
	  "hr = 0x80070005\r\n",
	  1, CAPI2_LEGACY_DRIVER_ACCESS_DENIED, "AddLegacyDriverFiles", "X", "hr = 0x80070005", NULL,
	  0x80070005u },
	{ "legacy access denied by win32 code",
	  "Details:\rAddLegacyDriverFiles: Unable to back up image of binary Y.\rSystem Error:\r5\r",
	  1, CAPI2_LEGACY_DRIVER_ACCESS_DENIED, "AddLegacyDriverFiles", "Y", "5", NULL, 5 },
	{ "legacy localised error: function and subject kept",
	  "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Z Dienst.\r\n\r\n"
	  "System Error:\r\nZugriff verweigert\r\n",
	  1, CAPI2_UNKNOWN, "AddLegacyDriverFiles", "Z Dienst", "Zugriff verweigert", NULL, 0 },
	{ "begin enumeration, localised error",
	  "Details:\nAddCoreCsiFiles : BeginFileEnumeration() failed.\nSystem Error:\nAcceso denegado.\n",
	  1, CAPI2_CORE_CSI_ACCESS_DENIED, "AddCoreCsiFiles", "", "Acceso denegado.", NULL, 0 },
	{ "begin enumeration, other error",
	  "Details:\nAddCoreCsiFiles : BeginFileEnumeration() failed.\nSystem Error:\nThe parameter is incorrect.\n",
	  1, CAPI2_UNKNOWN, "AddCoreCsiFiles", "", "The parameter is incorrect.", NULL, 0 },
	{ "begin enumeration, not found",
	  "Details:\nAddCoreCsiFiles : BeginFileEnumeration() failed.\nSystem Error:\n0x80070002\n",
	  1, CAPI2_UNKNOWN, "AddCoreCsiFiles", "", "0x80070002", NULL, 0x80070002u },
	{ "other function",
	  "Details:\nCVssSystemWriter::OnIdentify: something failed.\nSystem Error:\nUnspecified error (0x80004005)",
	  1, CAPI2_UNKNOWN, "CVssSystemWriter::OnIdentify", "", "Unspecified error (0x80004005)",
	  "something failed.", 0x80004005u },
	{ "details on one line",
	  "Details: AddCoreCsiFiles : BeginFileEnumeration() failed. System Error: Access is denied.",
	  1, CAPI2_CORE_CSI_ACCESS_DENIED, "AddCoreCsiFiles", "", "",
	  "BeginFileEnumeration() failed. System Error: Access is denied.", 0 },
	{ "multi-line system error",
	  "Details:\nAddLegacyDriverFiles: Unable to back up image of binary Q.\nSystem Error:\n"
	  "Access\nis denied.\n",
	  1, CAPI2_LEGACY_DRIVER_ACCESS_DENIED, "AddLegacyDriverFiles", "Q", "Access is denied.", NULL, 0 },
	{ "no function line", "Some unrelated text\nwith: nothing\nNote: x\n", 0, CAPI2_UNKNOWN, "", "", "", "", 0 },
	{ "any function after Details", "Details:\nfoo: bar\n", 1, CAPI2_UNKNOWN, "foo", "", "", "bar", 0 },
	{ "Details then prose", "Details:\nsomething went wrong\nAddCoreCsiFiles : BeginFileEnumeration() failed.\n",
	  1, CAPI2_CORE_CSI_ACCESS_DENIED, "AddCoreCsiFiles", "", "", NULL, 0 },
	{ "legacy bad path, text",
	  "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Foo Agent.\r\n\r\n"
	  "System Error:\r\nThe filename, directory name, or volume label syntax is incorrect.\r\n",
	  1, CAPI2_LEGACY_DRIVER_BAD_PATH, "AddLegacyDriverFiles", "Foo Agent",
	  "The filename, directory name, or volume label syntax is incorrect.", NULL, 0 },
	{ "legacy bad path by hresult",
	  "Details:\nAddLegacyDriverFiles: Unable to back up image of binary Bar.\nSystem Error:\nhr = 0x8007007b\n",
	  1, CAPI2_LEGACY_DRIVER_BAD_PATH, "AddLegacyDriverFiles", "Bar", "hr = 0x8007007b", NULL, 0x8007007Bu },
	{ "legacy parameter incorrect: not a path syntax",
	  "Details:\nAddLegacyDriverFiles: Unable to back up image of binary Bar.\nSystem Error:\nThe parameter is incorrect.\n",
	  1, CAPI2_UNKNOWN, "AddLegacyDriverFiles", "Bar", "The parameter is incorrect.", NULL, 0 },
	{ "empty", "", 0, CAPI2_UNKNOWN, "", "", "", "", 0 },
	{ "headers only", "Details:\r\n\r\nSystem Error:\r\n", 0, CAPI2_UNKNOWN, "", "", "", "", 0 },
};

START_TEST(test_vectors)
{
	struct capi2_details d;
	struct err err;

	err_init(&err);
	ck_assert_msg(capi2_parse(vec[_i].text, &d, &err) == vec[_i].rc, "%s", vec[_i].what);
	ck_assert_msg(d.kind == vec[_i].kind, "%s: kind %s, want %s", vec[_i].what,
		      capi2_kind_name(d.kind), capi2_kind_name(vec[_i].kind));
	ck_assert_str_eq(d.function, vec[_i].function);
	ck_assert_str_eq(d.subject, vec[_i].subject);
	ck_assert_str_eq(d.system_error, vec[_i].system_error);
	if (vec[_i].detail)
		ck_assert_str_eq(d.detail, vec[_i].detail);
	ck_assert_uint_eq(d.error_code, vec[_i].code);
}
END_TEST

START_TEST(test_errors)
{
	struct capi2_details d;
	struct err err;
	char *big;

	err_init(&err);
	ck_assert_int_eq(capi2_parse(NULL, &d, &err), -E_CORRUPT);
	big = malloc(LIMIT_CAPI2_TEXT + 2);
	memset(big, 'x', LIMIT_CAPI2_TEXT + 1);
	big[LIMIT_CAPI2_TEXT + 1] = '\0';
	ck_assert_int_eq(capi2_parse(big, &d, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "LIMIT_CAPI2_TEXT"));
	free(big);
}
END_TEST

/* Over-long fields are cut, not overflowed. */
START_TEST(test_long_fields)
{
	struct capi2_details d;
	char *t = malloc(8000);
	size_t n;

	n = (size_t)sprintf(t, "Details:\nAddLegacyDriverFiles: Unable to back up image of binary ");
	memset(t + n, 'N', 3000);
	n += 3000;
	n += (size_t)sprintf(t + n, ".\nSystem Error:\n");
	memset(t + n, 'E', 3000);
	n += 3000;
	t[n] = '\0';
	ck_assert_int_eq(capi2_parse(t, &d, NULL), 1);
	ck_assert_uint_eq(strlen(d.subject), sizeof(d.subject) - 1);
	ck_assert_uint_eq(strlen(d.system_error), sizeof(d.system_error) - 1);
	ck_assert_uint_eq(strlen(d.detail), sizeof(d.detail) - 1);
	/* a function token longer than the field */
	memset(t, 'F', 1000);
	strcpy(t + 1000, ": text");
	ck_assert_int_eq(capi2_parse(t, &d, NULL), 1);
	ck_assert_uint_eq(strlen(d.function), sizeof(d.function) - 1);
	free(t);
}
END_TEST

/* The classifier's table, one row at a time on its exact text (DOMAIN.md
 * "Event 513 tells you which cause"), with the finding each proves. */
static const struct {
	const char *text;
	enum capi2_kind kind;
	const char *name, *proves;
} table[] = {
	{ MSG "Details:\r\nAddCoreCsiFiles : BeginFileEnumeration() failed.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n.",
	  CAPI2_CORE_CSI_ACCESS_DENIED, "core_csi_access_denied", "cause1" },
	{ MSG "Details:\r\nAddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\r\n\r\nSystem Error:\r\n"
	  "0xC0000039 (unresolvable).\r\n",
	  CAPI2_CORE_CSI_JUNCTION, "core_csi_junction", "profile-junction" },
	{ MSG "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery "
	  "Protocol.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n.",
	  CAPI2_LEGACY_DRIVER_ACCESS_DENIED, "legacy_driver_access_denied", "service-sd-blocks-writer" },
	{ MSG "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Foo Service.\r\n\r\nSystem Error:\r\n"
	  "The system cannot find the file specified.\r\n.",
	  CAPI2_LEGACY_DRIVER_NOT_FOUND, "legacy_driver_not_found", "service-binary-missing" },
	{ MSG "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Foo Agent.\r\n\r\nSystem Error:\r\n"
	  "The filename, directory name, or volume label syntax is incorrect.\r\n.",
	  CAPI2_LEGACY_DRIVER_BAD_PATH, "legacy_driver_bad_path", "service-imagepath-invalid" },
};

START_TEST(test_table)
{
	struct capi2_details d;
	enum capi2_kind k = CAPI2_UNKNOWN;

	ck_assert_int_eq(capi2_parse(table[_i].text, &d, NULL), 1);
	ck_assert_msg(d.kind == table[_i].kind, "row %d: %s", _i, capi2_kind_name(d.kind));
	ck_assert_str_eq(capi2_kind_finding(d.kind), table[_i].proves);
	ck_assert_str_eq(capi2_kind_id(d.kind), table[_i].name);
	ck_assert_int_eq(capi2_kind_from_name(table[_i].name, &k), 1);
	ck_assert_int_eq(k, table[_i].kind);
}
END_TEST

START_TEST(test_table_edges)
{
	enum capi2_kind k = CAPI2_CORE_CSI_JUNCTION;

	ck_assert_ptr_null(capi2_kind_finding(CAPI2_UNKNOWN));
	ck_assert_ptr_null(capi2_kind_id(CAPI2_UNKNOWN));
	ck_assert_int_eq(capi2_kind_from_name("core_csi", &k), 0);
	ck_assert_int_eq(capi2_kind_from_name(NULL, &k), 0);
	ck_assert_int_eq(k, CAPI2_CORE_CSI_JUNCTION);
	/* the junction text proves profile-junction, never cause 1, even with
	 * an access-denied error */
	{
		struct capi2_details d;

		ck_assert_int_eq(capi2_parse("Details:\nAddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\n"
					     "System Error:\nAccess is denied.\n", &d, NULL), 1);
		ck_assert_int_eq(d.kind, CAPI2_CORE_CSI_JUNCTION);
		ck_assert_str_eq(capi2_kind_finding(d.kind), "profile-junction");
	}
}
END_TEST

Suite *capi2_suite(void);
Suite *capi2_suite(void)
{
	Suite *s = suite_create("capi2");
	TCase *tc = tcase_create("details");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_test(tc, test_errors);
	tcase_add_test(tc, test_long_fields);
	tcase_add_loop_test(tc, test_table, 0, (int)(sizeof(table) / sizeof(table[0])));
	tcase_add_test(tc, test_table_edges);
	suite_add_tcase(s, tc);
	return s;
}
