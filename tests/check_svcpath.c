/* ImagePath / ServiceDll normalising. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "svcpath.h"

static const struct {
	const char *in, *root, *want;
} ok[] = {
	/* svchost services (CryptSvc, EventSystem, VSS's swprv) */
	{ "%SystemRoot%\\System32\\svchost.exe -k netsvcs -p", "Windows", "Windows\\System32\\svchost.exe" },
	{ "%SystemRoot%\\system32\\svchost.exe -k NetworkService -p", "Windows", "Windows\\system32\\svchost.exe" },
	{ "%systemroot%\\system32\\svchost.exe -k LocalSystemNetworkRestricted -p -s swprv", "Windows",
	  "Windows\\system32\\svchost.exe" },
	{ "%SYSTEMROOT%\\System32\\svchost.exe -k LocalService", NULL, "Windows\\System32\\svchost.exe" },
	{ "%SystemRoot%\\System32\\cryptsvc.dll", "Windows", "Windows\\System32\\cryptsvc.dll" },
	{ "%SystemRoot%\\system32\\vssvc.exe", "Windows", "Windows\\system32\\vssvc.exe" },
	{ "%windir%\\system32\\vssvc.exe", "C:\\WINNT\\", "WINNT\\system32\\vssvc.exe" },
	{ "%windir%\\system32\\vssvc.exe", "\\Windows", "Windows\\system32\\vssvc.exe" },
	{ "%windir%\\system32\\vssvc.exe", "D:/WinServer", "WinServer\\system32\\vssvc.exe" },
	/* quotes and arguments */
	{ "\"C:\\Program Files\\Foo Bar\\svc.exe\" -service", "Windows", "Program Files\\Foo Bar\\svc.exe" },
	{ "C:\\Program Files\\Foo Bar\\svc.exe -service", "Windows", "Program Files\\Foo Bar\\svc.exe" },
	{ "C:\\Program Files\\Foo Bar\\svc.exe", "Windows", "Program Files\\Foo Bar\\svc.exe" },
	{ "C:\\Program Files\\App\\service", "Windows", "Program Files\\App\\service" },
	{ "C:\\Program Files\\App\\service /run", "Windows", "Program Files\\App\\service" },
	{ "C:\\Program Files\\App\\service -run", "Windows", "Program Files\\App\\service" },
	{ "  \"%SystemRoot%\\System32\\svchost.exe\"  -k  x ", "Windows", "Windows\\System32\\svchost.exe" },
	{ "\"C:\\Program Files\\unterminated\\svc.exe -x", "Windows", "Program Files\\unterminated\\svc.exe" },
	/* kernel and NT prefixes */
	{ "\\SystemRoot\\System32\\drivers\\tcpip.sys", "Windows", "Windows\\System32\\drivers\\tcpip.sys" },
	{ "\\systemroot\\system32\\DRIVERS\\VBoxMouse.sys", "Windows", "Windows\\system32\\DRIVERS\\VBoxMouse.sys" },
	{ "system32\\DRIVERS\\mslldp.sys", "Windows", "Windows\\system32\\DRIVERS\\mslldp.sys" },
	{ "System32\\drivers\\x.sys", "WINNT", "WINNT\\System32\\drivers\\x.sys" },
	{ "\\??\\C:\\Windows\\system32\\drivers\\x.sys", "Windows", "Windows\\system32\\drivers\\x.sys" },
	{ "\\\\?\\C:\\Windows\\x.exe", "Windows", "Windows\\x.exe" },
	{ "\\DosDevices\\D:\\drivers\\x.sys", "Windows", "drivers\\x.sys" },
	{ "\\Windows\\System32\\x.sys", "Windows", "Windows\\System32\\x.sys" },
	{ "C:\\WINDOWS\\System32\\vssvc.exe", "Windows", "WINDOWS\\System32\\vssvc.exe" },
	{ "c:windows\\x.exe", "Windows", "windows\\x.exe" },
	/* other variables */
	{ "%ProgramFiles%\\Windows Defender\\MsMpEng.exe", "Windows", "Program Files\\Windows Defender\\MsMpEng.exe" },
	{ "%ProgramFiles(x86)%\\App\\a.exe", "Windows", "Program Files (x86)\\App\\a.exe" },
	{ "%ProgramW6432%\\App\\a.exe", "Windows", "Program Files\\App\\a.exe" },
	{ "%CommonProgramFiles%\\Microsoft Shared\\x.exe", "Windows",
	  "Program Files\\Common Files\\Microsoft Shared\\x.exe" },
	{ "%CommonProgramFiles(x86)%\\x.dll", "Windows", "Program Files (x86)\\Common Files\\x.dll" },
	{ "%ProgramData%\\Microsoft\\x.exe", "Windows", "ProgramData\\Microsoft\\x.exe" },
	{ "%ALLUSERSPROFILE%\\x.exe", "Windows", "ProgramData\\x.exe" },
	{ "%SystemDrive%\\tools\\svc.exe", "Windows", "tools\\svc.exe" },
	/* bare names, separators, dots */
	{ "svchost.exe", "Windows", "Windows\\System32\\svchost.exe" },
	{ "lsass.exe", "WINNT", "WINNT\\System32\\lsass.exe" },
	{ "%SystemRoot%/system32/./drivers/../svchost.exe", "Windows", "Windows\\system32\\svchost.exe" },
	{ "C:\\\\Windows\\\\\\System32\\x.exe", "Windows", "Windows\\System32\\x.exe" },
	{ "C:\\Windows\\System32\\\r\n", "Windows", "Windows\\System32" },
};

START_TEST(test_ok)
{
	char out[512];
	struct err err;

	err_init(&err);
	ck_assert_msg(svcpath_normalize(ok[_i].in, ok[_i].root, out, sizeof(out), &err) == 0,
		      "'%s': %s", ok[_i].in, err.msg);
	ck_assert_str_eq(out, ok[_i].want);
}
END_TEST

static const struct tu_bad bad[] = {
	{ "", -E_CORRUPT, "empty image path" },
	{ "   ", -E_CORRUPT, "empty image path" },
	{ "\"\"", -E_CORRUPT, "empty image path" },
	{ "%Foo%\\x.exe", -E_UNSUPPORTED, "unknown variable '%Foo%'" },
	{ "%SystemRoot\\x.exe", -E_CORRUPT, "unterminated %variable" },
	{ "\\Device\\HarddiskVolume2\\x.sys", -E_UNSUPPORTED, "device path" },
	{ "\\??\\GLOBALROOT\\Device\\x.sys", -E_UNSUPPORTED, "device path" },
	{ "\\??\\UNC\\server\\share\\x.exe", -E_UNSUPPORTED, "device path" },
	{ "\\??\\Volume{1234}\\x.exe", -E_UNSUPPORTED, "device path" },
	{ "\\\\.\\pipe\\x", -E_UNSUPPORTED, "device path" },
	{ "\\\\server\\share\\x.exe", -E_UNSUPPORTED, "network path" },
	{ "C:\\..\\..\\x.exe", -E_CORRUPT, "'..' above the volume root" },
	{ "C:\\", -E_CORRUPT, "no file in image path" },
};

START_TEST(test_bad)
{
	char out[512];
	struct err err;

	err_init(&err);
	strcpy(out, "junk");
	tu_assert_refused(&bad[_i], svcpath_normalize(bad[_i].in, "Windows", out, sizeof(out), &err),
			  err.msg);
	ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(test_limits)
{
	char out[8], *big;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(svcpath_normalize("%SystemRoot%\\System32\\svchost.exe", "Windows", out,
					   sizeof(out), &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "needs 29 bytes"));
	ck_assert_int_eq(svcpath_normalize(NULL, "Windows", out, sizeof(out), &err), -E_CORRUPT);
	big = malloc(LIMIT_PATH_LEN + 10);
	memset(big, 'a', LIMIT_PATH_LEN + 9);
	big[LIMIT_PATH_LEN + 9] = '\0';
	ck_assert_int_eq(svcpath_normalize(big, "Windows", out, sizeof(out), &err), -E_LIMIT);
	/* expansion that grows past the limit */
	memcpy(big, "%CommonProgramFiles(x86)%", 25);
	big[LIMIT_PATH_LEN - 2] = '\0';
	err_init(&err);
	ck_assert_int_eq(svcpath_normalize(big, "Windows", out, sizeof(out), &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "path longer than LIMIT_PATH_LEN"));
	free(big);
}
END_TEST

START_TEST(test_drive)
{
	ck_assert_int_eq(svcpath_drive("C:\\x.exe"), 'C');
	ck_assert_int_eq(svcpath_drive("\"d:\\Program Files\\x.exe\" -a"), 'D');
	ck_assert_int_eq(svcpath_drive("\\??\\E:\\x.sys"), 'E');
	ck_assert_int_eq(svcpath_drive("\\\\?\\f:\\x.sys"), 'F');
	ck_assert_int_eq(svcpath_drive("\\DosDevices\\G:\\x.sys"), 'G');
	ck_assert_int_eq(svcpath_drive("%SystemRoot%\\x.exe"), 0);
	ck_assert_int_eq(svcpath_drive("system32\\drivers\\x.sys"), 0);
	ck_assert_int_eq(svcpath_drive("\\SystemRoot\\x.sys"), 0);
	ck_assert_int_eq(svcpath_drive(NULL), 0);
}
END_TEST

/* ---- svcpath_check: what the System Writer cannot parse ------------------- */

#define FS SVCPATH_FORWARD_SLASH
#define UQ SVCPATH_UNBALANCED_QUOTES
#define RL SVCPATH_RELATIVE
#define UN SVCPATH_UNC

static const struct {
	const char *in;
	int driver;
	unsigned problems;
	const char *path, *args, *corrected;
} checks[] = {
	/* Windows' own forms, as real hives hold them: nothing to say */
	{ "%SystemRoot%\\System32\\svchost.exe -k netsvcs -p", 0, 0,
	  "%SystemRoot%\\System32\\svchost.exe", "-k netsvcs -p", "" },
	{ "\\SystemRoot\\System32\\drivers\\tcpip.sys", 1, 0, "\\SystemRoot\\System32\\drivers\\tcpip.sys", "", "" },
	{ "System32\\drivers\\tcpip.sys", 1, 0, "System32\\drivers\\tcpip.sys", "", "" },
	{ "system32\\DRIVERS\\mslldp.sys", 1, 0, "system32\\DRIVERS\\mslldp.sys", "", "" },
	{ "SysWOW64\\drivers\\x.sys", 1, 0, "SysWOW64\\drivers\\x.sys", "", "" },
	{ "\\??\\C:\\WINDOWS\\system32\\ampa.sys", 1, 0, "\\??\\C:\\WINDOWS\\system32\\ampa.sys", "", "" },
	{ "\"C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe\" /svc", 0, 0,
	  "C:\\Program Files (x86)\\Google\\Update\\GoogleUpdate.exe", "/svc", "" },
	{ "C:\\WINDOWS\\system32\\dllhost.exe /Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}", 0, 0,
	  "C:\\WINDOWS\\system32\\dllhost.exe", "/Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}", "" },
	{ "\"C:\\Program Files\\NVIDIA Corporation\\Display.NvContainer\\NVDisplay.Container.exe\" -s X -f "
	  "\"C:\\ProgramData\\NVIDIA\\x.log\" -d \"C:\\Program Files\\NVIDIA Corporation\\plugins\"", 0, 0,
	  "C:\\Program Files\\NVIDIA Corporation\\Display.NvContainer\\NVDisplay.Container.exe",
	  "-s X -f \"C:\\ProgramData\\NVIDIA\\x.log\" -d \"C:\\Program Files\\NVIDIA Corporation\\plugins\"", "" },
	{ "\"%ProgramFiles%\\Windows Defender\\MsMpEng.exe\"", 0, 0, "%ProgramFiles%\\Windows Defender\\MsMpEng.exe", "", "" },
	{ "C:\\Program Files\\App\\svc.exe -service", 0, 0, "C:\\Program Files\\App\\svc.exe", "-service", "" },
	/* forward slashes in the path, not in the arguments */
	{ "C:/Program Files/Foo/foo.exe -service", 0, FS, "C:/Program Files/Foo/foo.exe", "-service",
	  "\"C:\\Program Files\\Foo\\foo.exe\" -service" },
	{ "%SystemRoot%/system32/vssvc.exe", 0, FS, "%SystemRoot%/system32/vssvc.exe", "",
	  "%SystemRoot%\\system32\\vssvc.exe" },
	{ "\"C:\\Tools/agent.exe\" /run", 0, FS, "C:\\Tools/agent.exe", "/run", "\"C:\\Tools\\agent.exe\" /run" },
	/* unbalanced quotes */
	{ "\"C:\\Program Files\\Foo\\foo.exe -k x", 0, UQ, "C:\\Program Files\\Foo\\foo.exe", "-k x",
	  "\"C:\\Program Files\\Foo\\foo.exe\" -k x" },
	{ "C:\\Program Files\\Foo\\foo.exe\"", 0, UQ, "C:\\Program Files\\Foo\\foo.exe", "",
	  "\"C:\\Program Files\\Foo\\foo.exe\"" },
	{ "\"C:\\Foo\\foo.exe\" -p \"a b", 0, UQ, "C:\\Foo\\foo.exe", "-p a b", "\"C:\\Foo\\foo.exe\" -p a b" },
	/* relative, not Windows' own form */
	{ "drivers\\foo.sys", 1, RL, "drivers\\foo.sys", "", "\\SystemRoot\\drivers\\foo.sys" },
	{ "Program Files\\Foo\\foo.exe", 0, RL, "Program Files\\Foo\\foo.exe", "",
	  "\"%SystemRoot%\\Program Files\\Foo\\foo.exe\"" },
	{ "foo.exe -x", 0, RL, "foo.exe", "-x", "\"%SystemRoot%\\foo.exe\" -x" },
	/* an unquoted path ends where its arguments begin: the correction
	 * quotes it, so a ".sys" further on cannot move that end */
	{ "a\\b.exe\" /x\n\nz.sys", 0, UQ | RL, "a\\b.exe", "/x\n\nz.sys", "\"%SystemRoot%\\a\\b.exe\" /x\n\nz.sys" },
	{ "drivers/foo.sys", 1, RL | FS, "drivers/foo.sys", "", "\\SystemRoot\\drivers\\foo.sys" },
	/* network paths: no correction can be guessed */
	{ "\\\\fileserver\\tools\\agent.exe", 0, UN, "\\\\fileserver\\tools\\agent.exe", "", "" },
	{ "//fileserver/tools/agent.exe", 0, UN | FS, "//fileserver/tools/agent.exe", "", "" },
	{ "\\??\\UNC\\fileserver\\tools\\x.sys", 1, UN, "\\??\\UNC\\fileserver\\tools\\x.sys", "", "" },
	{ "\"\\\\srv\\share\\a b.exe\" -x", 0, UN, "\\\\srv\\share\\a b.exe", "-x", "" },
};

START_TEST(test_check)
{
	struct svcpath_check c;
	struct err err;
	char names[256];

	err_init(&err);
	ck_assert_msg(svcpath_check(checks[_i].in, checks[_i].driver, &c, &err) == 0, "'%s': %s",
		      checks[_i].in, err.msg);
	svcpath_problem_names(c.problems, names, sizeof(names));
	ck_assert_msg(c.problems == checks[_i].problems, "'%s': problems 0x%x (%s), want 0x%x",
		      checks[_i].in, c.problems, names, checks[_i].problems);
	ck_assert_str_eq(c.path, checks[_i].path);
	ck_assert_str_eq(c.args, checks[_i].args);
	ck_assert_str_eq(c.corrected, checks[_i].corrected);
	/* a corrected line has no problem left */
	if (c.corrected[0]) {
		struct svcpath_check again;

		ck_assert_int_eq(svcpath_check(c.corrected, checks[_i].driver, &again, &err), 0);
		ck_assert_msg(again.problems == 0, "'%s' -> '%s' still 0x%x", checks[_i].in, c.corrected,
			      again.problems);
	}
}
END_TEST

START_TEST(test_check_bad)
{
	struct svcpath_check c;
	char names[40], *big;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(svcpath_check(NULL, 0, &c, &err), -E_CORRUPT);
	ck_assert_int_eq(svcpath_check("   ", 0, &c, &err), -E_CORRUPT);
	ck_assert_int_eq(svcpath_check("\"\"", 0, &c, &err), -E_CORRUPT);
	big = malloc(LIMIT_PATH_LEN + 10);
	memset(big, 'a', LIMIT_PATH_LEN + 9);
	big[LIMIT_PATH_LEN + 9] = '\0';
	ck_assert_int_eq(svcpath_check(big, 0, &c, &err), -E_LIMIT);
	/* relative at the limit: the correction still fits its buffer */
	memset(big, 'a', LIMIT_PATH_LEN);
	big[LIMIT_PATH_LEN] = '\0';
	ck_assert_int_eq(svcpath_check(big, 0, &c, &err), 0);
	ck_assert_uint_eq(c.problems, RL);
	ck_assert_uint_eq(strlen(c.corrected), LIMIT_PATH_LEN + strlen("%SystemRoot%\\"));
	free(big);
	svcpath_problem_names(FS | UQ | RL | UN, names, sizeof(names));
	ck_assert_uint_eq(strlen(names), sizeof(names) - 1);
	svcpath_problem_names(0, names, sizeof(names));
	ck_assert_str_eq(names, "");
}
END_TEST

Suite *svcpath_suite(void);
Suite *svcpath_suite(void)
{
	Suite *s = suite_create("svcpath");
	TCase *tc;

	tc = tcase_create("normalize");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_ok, 0, (int)(sizeof(ok) / sizeof(ok[0])));
	tcase_add_loop_test(tc, test_bad, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, test_limits);
	tcase_add_test(tc, test_drive);
	suite_add_tcase(s, tc);

	tc = tcase_create("check");
	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_check, 0, (int)(sizeof(checks) / sizeof(checks[0])));
	tcase_add_test(tc, test_check_bad);
	suite_add_tcase(s, tc);
	return s;
}
