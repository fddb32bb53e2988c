/* Issue 18, beyond the four causes, end to end: scenario volumes scanned
 * with `vssdoctor scan --format json`, the verdict of each new finding,
 * its evidence and its fix as a user reads them, each finding alone, all
 * of them together with the four seed causes, and a healthy volume where
 * none fires. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"
#include "testutil.h"

/* ---- writer-timeout ------------------------------------------------------------ */

#define VSS_TIMEOUT_TEXT "Volume Shadow Copy Service error: Unexpected error calling routine. hr = 0x800423f2, The writer's timeout expired between the Freeze and Thaw events."

static const struct wt_vector {
	const char *what;
	const char *events;       /* scenario lines */
	const char *code;         /* the code found, NULL: none */
	long long count;
	const char *first, *last;
	const char *kb;           /* in the fix line, NULL: none */
} wt_vectors[] = {
	{ "VSS time-out, twice",
	  "event application provider=VSS id=12289 time=2024-06-01T10:00:00Z \"text=" VSS_TIMEOUT_TEXT "\"\n"
	  "event application provider=VSS id=12289 time=2024-06-05T10:00:00Z \"text=" VSS_TIMEOUT_TEXT "\"\n",
	  "0x800423F2", 2, "2024-06-01T10:00:00Z", "2024-06-05T10:00:00Z", "KB 2996928" },
	{ "retryable writer error in 8229",
	  "event application provider=VSS id=8229 time=2024-06-02T10:00:00Z \"text=A VSS writer has rejected an event with error 0x800423F3, The writer experienced a transient error.\"\n",
	  "0x800423F3", 1, "2024-06-02T10:00:00Z", "2024-06-02T10:00:00Z", NULL },
	{ "non-retryable writer error",
	  "event application provider=VSS id=8229 time=2024-06-02T11:00:00Z \"text=A VSS writer has rejected an event with error 0x800423f4, The writer experienced a non-transient error.\"\n",
	  "0x800423F4", 1, "2024-06-02T11:00:00Z", "2024-06-02T11:00:00Z", NULL },
	{ "Backup 517: System writer is not found",
	  "event application provider=Microsoft-Windows-Backup id=517 time=2024-06-03T12:00:00Z data=BackupTime:2024-06-03T11:59:00Z data=ErrorCode:0x80780102 \"data=ErrorMessage:System writer is not found in the backup.\"\n",
	  "0x80780102", 1, "2024-06-03T12:00:00Z", "2024-06-03T12:00:00Z", "KB 2009272" },
	{ "Backup 521: a VSS operation failed",
	  "event application provider=Microsoft-Windows-Backup id=521 time=2024-06-04T12:00:00Z data=BackupTime:2024-06-04T11:59:00Z data=ErrorCode:0x807800A1 \"data=ErrorMessage:A Volume Shadow Copy Service operation failed.\"\n",
	  "0x807800A1", 1, "2024-06-04T12:00:00Z", "2024-06-04T12:00:00Z", NULL },
	/* precision: the code from another provider, another VSS id, or no code */
	{ "the code from an unrelated provider",
	  "event application provider=Application\\ Error id=1000 \"text=faulting module x.dll, 0x800423f2\"\n",
	  NULL, 0, NULL, NULL, NULL },
	{ "VSS idle, no code",
	  "event application provider=VSS id=8224 time=2024-06-01T10:00:00Z text=idle\n",
	  NULL, 0, NULL, NULL, NULL },
	{ "a VSS event with another error code",
	  "event application provider=VSS id=12289 time=2024-06-01T10:00:00Z \"text=hr = 0x80042306, The shadow copy provider had an error.\"\n",
	  NULL, 0, NULL, NULL, NULL },
};

START_TEST(test_writer_timeout)
{
	const struct wt_vector *v = &wt_vectors[_i];
	struct tu_scan sc;
	char *text = NULL;
	json_t *e;

	ck_assert_int_ge(asprintf(&text, "os 2012r2\n%s", v->events), 0);
	tu_scan_run("wt", text, &sc);
	free(text);
	if (!v->code) {
		tu_scan_assert(&sc, "writer-timeout", "absent");
		ck_assert_uint_eq(json_array_size(json_object_get(tu_result(sc.root, "writer-timeout"), "remediation")), 0);
		json_decref(sc.root);
		return;
	}
	tu_scan_assert(&sc, "writer-timeout", "present");
	e = tu_scan_must_evidence(&sc, "writer-timeout", "code", v->code);
	ck_assert_str_eq(tu_str(e, "kind"), "writer_error");
	ck_assert_int_eq(tu_num(e, "count"), v->count);
	ck_assert_str_eq(tu_str(e, "first"), v->first);
	ck_assert_str_eq(tu_str(e, "last"), v->last);
	ck_assert_uint_gt(strlen(tu_str(e, "meaning")), 10);
	ck_assert_ptr_nonnull(strstr(tu_str(tu_result(sc.root, "writer-timeout"), "summary"), v->code));
	/* one fix line, for this code, saying what it means (and its KB) */
	ck_assert_int_eq(json_array_size(json_object_get(tu_result(sc.root, "writer-timeout"), "remediation")), 1);
	tu_scan_assert_fix(&sc, "writer-timeout", v->code);
	tu_scan_assert_fix(&sc, "writer-timeout", tu_str(e, "meaning"));
	if (v->kb)
		tu_scan_assert_fix(&sc, "writer-timeout", v->kb);
	/* the event itself is there, with its label */
	ck_assert_ptr_nonnull(tu_scan_must_evidence(&sc, "writer-timeout", "kind", "event"));
	/* severity info: the finding alone does not fail the scan */
	ck_assert_int_eq(sc.status, 0);
	json_decref(sc.root);
}
END_TEST

/* Without an Application log the finding cannot be decided. */
START_TEST(test_writer_timeout_no_log)
{
	struct tu_scan sc;

	tu_scan_run("wt-nolog", "os 2012r2\n", &sc);
	tu_scan_assert(&sc, "writer-timeout", "unknown");
	ck_assert_ptr_nonnull(strstr(tu_str(tu_result(sc.root, "writer-timeout"), "summary"), "Application.evtx"));
	json_decref(sc.root);
}
END_TEST

/* ---- vss-diag-key-acl ------------------------------------------------------------ */

#define DIAG "ControlSet001\\Services\\VSS\\Diag"

START_TEST(test_diag_healthy)
{
	struct tu_scan sc;
	json_t *e, *eff;

	tu_scan_run("diag-ok", "os 2016\n", &sc);
	tu_scan_assert(&sc, "vss-diag-key-acl", "absent");
	e = tu_scan_must_evidence(&sc, "vss-diag-key-acl", "path", DIAG);
	ck_assert_str_eq(tu_str(e, "verdict"), "ok");
	ck_assert_str_eq(tu_str(e, "sddl"), SCN_SDDL_DIAG);
	/* Windows 10's grant is not full control, and it is enough */
	ck_assert(json_is_false(json_object_get(e, "network_service_full_control")));
	eff = json_object_get(e, "effective");
	ck_assert_str_eq(tu_str(eff, "NETWORK SERVICE"),
			 "QUERY_VALUE|SET_VALUE|CREATE_SUB_KEY|ENUMERATE_SUB_KEYS|NOTIFY|DELETE|READ_CONTROL");
	ck_assert_str_eq(tu_str(eff, "SYSTEM"), "ALL_ACCESS");
	e = tu_scan_must_evidence(&sc, "vss-diag-key-acl", "path", DIAG "\\System Writer");
	ck_assert_str_eq(tu_str(e, "verdict"), "ok");
	ck_assert(json_is_true(json_object_get(e, "network_service_full_control")));
	json_decref(sc.root);
}
END_TEST

START_TEST(test_diag_broken)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("diag-dhcp", "os 2008r2\nbreak diagacl\n", &sc);
	tu_scan_assert(&sc, "vss-diag-key-acl", "present");
	e = tu_scan_must_evidence(&sc, "vss-diag-key-acl", "path", DIAG);
	ck_assert_str_eq(tu_str(e, "verdict"), "denied");
	ck_assert_str_eq(tu_str(e, "sddl"), SCN_SDDL_DIAG_NO_NS);
	ck_assert_str_eq(tu_str(e, "missing"), "SET_VALUE|CREATE_SUB_KEY");
	ck_assert_str_eq(tu_str(json_object_get(e, "effective"), "NETWORK SERVICE"), "NONE");
	/* the writer's token still reads through Users */
	ck_assert_str_eq(tu_str(json_object_get(e, "effective"), "writer"),
			 "QUERY_VALUE|ENUMERATE_SUB_KEYS|NOTIFY|READ_CONTROL");
	ck_assert_ptr_nonnull(strstr(tu_str(tu_result(sc.root, "vss-diag-key-acl"), "summary"), DIAG));
	tu_scan_assert_fix(&sc, "vss-diag-key-acl",
		   "$k = 'HKLM:\\SYSTEM\\CurrentControlSet\\Services\\VSS\\Diag'; $a = Get-Acl $k; "
		   "$a.AddAccessRule((New-Object System.Security.AccessControl.RegistryAccessRule("
		   "'NT AUTHORITY\\NETWORK SERVICE', 'FullControl', 'ContainerInherit', 'None', 'Allow'))); Set-Acl $k $a");
	tu_scan_assert_fix(&sc, "vss-diag-key-acl", "'HKLM:\\OFFLINE_SYSTEM\\ControlSet001\\Services\\VSS\\Diag'");
	tu_scan_assert_fix(&sc, "vss-diag-key-acl", "net start cryptsvc");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(tu_result(sc.root, "vss-diag-key-acl"),
									  "references"), 0)), "KB 2298620");
	ck_assert_int_eq(sc.status, 1);
	json_decref(sc.root);
}
END_TEST

static const struct diag_vector {
	const char *what, *key, *sddl;  /* key below Services\VSS */
	const char *status;
	const char *denied_path;        /* the item judged denied, NULL: none */
	const char *missing;
	int full_control;               /* on Diag: -1 not checked */
} diag_vectors[] = {
	{ "NETWORK SERVICE full control (the KB's grant)", "Diag", "D:(A;;KA;;;SY)(A;;KA;;;BA)(A;;KA;;;NS)",
	  "absent", NULL, NULL, 1 },
	{ "granted through Users only", "Diag", "D:(A;;KA;;;SY)(A;;KA;;;BU)", "absent", NULL, NULL, 0 },
	{ "generic all to NETWORK SERVICE", "Diag", "D:(A;;GA;;;NS)", "absent", NULL, NULL, 1 },
	{ "deny SET_VALUE to NETWORK SERVICE first", "Diag", "D:(D;;DC;;;NS)(A;;KA;;;NS)",
	  "present", DIAG, "SET_VALUE", 0 },
	{ "deny after the grant does not count", "Diag", "D:(A;;KA;;;NS)(D;;DC;;;NS)", "absent", NULL, NULL, 1 },
	{ "read only", "Diag", "D:(A;;KA;;;SY)(A;;KR;;;NS)", "present", DIAG, "SET_VALUE|CREATE_SUB_KEY", 0 },
	{ "inherit-only grant only", "Diag", "D:(A;;KA;;;SY)(A;CIIO;GA;;;NS)(A;;KR;;;BU)",
	  "present", DIAG, "SET_VALUE|CREATE_SUB_KEY", 0 },
	{ "empty DACL", "Diag", "O:SYD:", "present", DIAG,
	  "QUERY_VALUE|SET_VALUE|CREATE_SUB_KEY|ENUMERATE_SUB_KEYS", 0 },
	{ "NULL DACL", "Diag", "D:NO_ACCESS_CONTROL", "absent", NULL, NULL, 1 },
	{ "the writer's own subkey read only", "Diag\\System Writer", "D:(A;;KA;;;SY)(A;;KR;;;NS)",
	  "present", DIAG "\\System Writer", "SET_VALUE", -1 },
};

START_TEST(test_diag_vectors)
{
	const struct diag_vector *v = &diag_vectors[_i];
	struct tu_scan sc;
	char *text = NULL;
	json_t *e;

	ck_assert_int_ge(asprintf(&text, "os 2012r2\nreg system keysd \"ControlSet001\\Services\\VSS\\%s\" %s\n",
				  v->key, v->sddl), 0);
	tu_scan_run("diag-vec", text, &sc);
	free(text);
	ck_assert_msg(strcmp(tu_scan_status(&sc, "vss-diag-key-acl"), v->status) == 0, "%s: %s, want %s",
		      v->what, tu_scan_status(&sc, "vss-diag-key-acl"), v->status);
	if (v->denied_path) {
		e = tu_scan_must_evidence(&sc, "vss-diag-key-acl", "path", v->denied_path);
		ck_assert_str_eq(tu_str(e, "verdict"), "denied");
		ck_assert_msg(strcmp(tu_str(e, "missing"), v->missing) == 0, "%s: missing %s", v->what,
			      tu_str(e, "missing"));
	}
	if (v->full_control >= 0) {
		e = tu_scan_must_evidence(&sc, "vss-diag-key-acl", "path", DIAG);
		ck_assert_int_eq(json_is_true(json_object_get(e, "network_service_full_control")),
				 v->full_control);
	}
	json_decref(sc.root);
}
END_TEST

/* VSS 8193 naming the Diag key is enough on its own */
START_TEST(test_diag_event)
{
	struct tu_scan sc;

	tu_scan_run("diag-ev", tu_scenario("findings/diag-event"), &sc);
	tu_scan_assert(&sc, "vss-diag-key-acl", "present");
	ck_assert_ptr_nonnull(strstr(tu_str(tu_result(sc.root, "vss-diag-key-acl"), "summary"), "the event logs show it"));
	/* only the record naming Diag */
	ck_assert_int_eq(tu_num(tu_scan_must_evidence(&sc, "vss-diag-key-acl", "kind", "event"), "count"), 1);
	json_decref(sc.root);
}
END_TEST

/* ---- com-access-denied ------------------------------------------------------------ */

#define OLE "Microsoft\\Ole"
#define DCOM_POLICY "Policies\\Microsoft\\Windows NT\\DCOM"
#define VSS8194 "event application provider=VSS id=8194 time=2024-06-01T10:00:00Z \"text=Volume Shadow Copy Service " \
	"error: Unexpected error querying for the IVssWriterCallback interface.  hr = 0x80070005, Access is denied.\"\n"

/* The evidence item of value name under key (path). */
static json_t *com_item(struct tu_scan *sc, const char *path, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(tu_result(sc->root, "com-access-denied"), "evidence"), i, e) {
		const char *p = json_string_value(json_object_get(e, "path"));
		const char *v = json_string_value(json_object_get(e, "value"));

		if (p && v && strcmp(p, path) == 0 && strcmp(v, value) == 0)
			return e;
	}
	ck_abort_msg("com-access-denied: no evidence for %s\\%s", path, value);
	return NULL;
}

START_TEST(test_com_healthy)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("com-ok", tu_scenario("reports/healthy"), &sc);
	tu_scan_assert(&sc, "com-access-denied", "absent");
	e = com_item(&sc, OLE, "MachineAccessRestriction");
	ck_assert_str_eq(tu_str(e, "verdict"), "ok");
	ck_assert_str_eq(tu_str(e, "sddl"), SCN_SDDL_COM_ACCESS);
	ck_assert_str_eq(tu_str(json_object_get(e, "effective"), "NETWORK SERVICE"), "EXECUTE|EXECUTE_LOCAL|EXECUTE_REMOTE");
	e = com_item(&sc, OLE, "MachineLaunchRestriction");
	ck_assert_str_eq(tu_str(json_object_get(e, "effective"), "NETWORK SERVICE"),
			 "EXECUTE|EXECUTE_LOCAL|ACTIVATE_LOCAL");
	/* an absent value is Windows' default, and says so */
	e = com_item(&sc, OLE, "DefaultAccessPermission");
	ck_assert(json_is_false(json_object_get(e, "exists")));
	ck_assert_ptr_nonnull(strstr(tu_str(e, "note"), "Windows' built-in default"));
	ck_assert_str_eq(tu_str(e, "verdict"), "ok");
	/* without the symptom, the default's missing NETWORK SERVICE is not required */
	ck_assert_str_eq(tu_str(json_object_get(e, "effective"), "NETWORK SERVICE"), "NONE");
	json_decref(sc.root);
}
END_TEST

START_TEST(test_com_broken)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("com-bad", "os 2008r2\nbreak comsec\n", &sc);
	tu_scan_assert(&sc, "com-access-denied", "present");
	e = com_item(&sc, OLE, "MachineAccessRestriction");
	ck_assert_str_eq(tu_str(e, "verdict"), "denied");
	ck_assert_str_eq(tu_str(json_object_get(e, "missing"), "NETWORK SERVICE"), "EXECUTE|EXECUTE_LOCAL");
	/* SYSTEM holds Administrators: not missing */
	ck_assert_ptr_null(json_object_get(json_object_get(e, "missing"), "SYSTEM"));
	ck_assert_str_eq(tu_str(e, "fixed_sddl"), SCN_SDDL_COM_ACCESS_NO_EVERYONE "(A;;CCDC;;;NS)");
	tu_scan_assert_fix(&sc, "com-access-denied", "SDDLToBinarySD('" SCN_SDDL_COM_ACCESS_NO_EVERYONE "(A;;CCDC;;;NS)')");
	tu_scan_assert_fix(&sc, "com-access-denied", "-Name MachineAccessRestriction -Value $sd -Type Binary");
	/* no policy value: no reg add line for one */
	ck_assert_int_eq(tu_scan_fixes(&sc, "com-access-denied", "Policies"), 0);
	ck_assert_ptr_nonnull(strstr(tu_str(tu_result(sc.root, "com-access-denied"), "summary"), "MachineAccessRestriction"));
	ck_assert_int_eq(sc.status, 1);
	json_decref(sc.root);
}
END_TEST

static const struct com_vector {
	const char *what, *lines;
	const char *status;
	const char *path, *value;     /* the item to look at */
	const char *verdict;
	const char *missing_who, *missing;
	const char *fix;              /* a remediation line holds it, NULL: none */
} com_vectors[] = {
	{ "launch limited to Administrators",
	  "reg software sddl " OLE " MachineLaunchRestriction O:BAG:BAD:(A;;CCDCLCSWRP;;;BA)\n",
	  "present", OLE, "MachineLaunchRestriction", "denied", "NETWORK SERVICE",
	  "EXECUTE|EXECUTE_LOCAL|ACTIVATE_LOCAL", "(A;;CCDCSW;;;NS)" },
	{ "EXECUTE alone is the old form: everything",
	  "reg software sddl " OLE " MachineAccessRestriction O:BAG:BAD:(A;;CC;;;WD)\n",
	  "absent", OLE, "MachineAccessRestriction", "ok", NULL, NULL, NULL },
	{ "remote only",
	  "reg software sddl " OLE " MachineAccessRestriction O:BAG:BAD:(A;;CCLC;;;WD)\n",
	  "present", OLE, "MachineAccessRestriction", "denied", "SYSTEM", "EXECUTE_LOCAL", NULL },
	{ "deny NETWORK SERVICE first",
	  "reg software sddl " OLE " MachineAccessRestriction O:BAG:BAD:(D;;CCDC;;;NS)(A;;CCDCLC;;;WD)\n",
	  "present", OLE, "MachineAccessRestriction", "denied", "NETWORK SERVICE", "EXECUTE|EXECUTE_LOCAL", NULL },
	{ "the policy copy wins and denies",
	  "reg software sz \"" DCOM_POLICY "\" MachineAccessRestriction O:BAG:BAD:(A;;CCDCLC;;;BA)\n",
	  "present", DCOM_POLICY, "MachineAccessRestriction", NULL, NULL, NULL,
	  "reg add \"HKLM\\SOFTWARE\\Policies\\Microsoft\\Windows NT\\DCOM\" /v MachineAccessRestriction /t REG_SZ "
	  "/d \"O:BAG:BAD:(A;;CCDCLC;;;BA)(A;;CCDC;;;NS)\" /f" },
	{ "the policy copy wins and allows",
	  "break comsec\nreg software sz \"" DCOM_POLICY "\" MachineAccessRestriction O:BAG:BAD:(A;;CCDCLC;;;WD)\n",
	  "absent", OLE, "MachineAccessRestriction", NULL, NULL, NULL, NULL },
	{ "DefaultAccessPermission without SYSTEM",
	  "reg software sddl " OLE " DefaultAccessPermission O:BAG:BAD:(A;;CCDCLC;;;PS)\n",
	  "present", OLE, "DefaultAccessPermission", "denied", "SYSTEM", "EXECUTE|EXECUTE_LOCAL", NULL },
	{ "no limits at all: Windows' default",
	  "reg software delete " OLE " MachineAccessRestriction\nreg software delete " OLE " MachineLaunchRestriction\n",
	  "absent", OLE, "MachineLaunchRestriction", "ok", NULL, NULL, NULL },
	{ "a value that is no descriptor",
	  "reg software hex " OLE " MachineAccessRestriction 0102030405\n",
	  "unknown", OLE, "MachineAccessRestriction", NULL, NULL, NULL, NULL },
	/* the symptom makes NETWORK SERVICE needed in the default permission */
	{ "8194 and Windows' default DefaultAccessPermission",
	  VSS8194, "present", OLE, "DefaultAccessPermission", "denied", "NETWORK SERVICE", "EXECUTE|EXECUTE_LOCAL",
	  "SDDLToBinarySD('O:BAG:BAD:(A;;CCDCLC;;;PS)(A;;CCDC;;;SY)(A;;CCDCLC;;;BA)(A;;CCDC;;;NS)')" },
	{ "8194 and NETWORK SERVICE already in DefaultAccessPermission",
	  VSS8194 "reg software sddl " OLE " DefaultAccessPermission O:BAG:BAD:(A;;CCDCLC;;;PS)(A;;CCDC;;;SY)(A;;CCDCLC;;;BA)(A;;CCDC;;;NS)\n",
	  "absent", OLE, "DefaultAccessPermission", "ok", NULL, NULL, NULL },
};

START_TEST(test_com_vectors)
{
	const struct com_vector *v = &com_vectors[_i];
	struct tu_scan sc;
	char *text = NULL;
	json_t *e;

	ck_assert_int_ge(asprintf(&text, "os 2012r2\n%s", v->lines), 0);
	tu_scan_run("com-vec", text, &sc);
	free(text);
	ck_assert_msg(strcmp(tu_scan_status(&sc, "com-access-denied"), v->status) == 0, "%s: %s, want %s: %s",
		      v->what, tu_scan_status(&sc, "com-access-denied"), v->status,
		      tu_str(tu_result(sc.root, "com-access-denied"), "summary"));
	e = com_item(&sc, v->path, v->value);
	if (v->verdict)
		ck_assert_str_eq(tu_str(e, "verdict"), v->verdict);
	if (v->missing_who)
		ck_assert_str_eq(tu_str(json_object_get(e, "missing"), v->missing_who), v->missing);
	if (v->fix)
		tu_scan_assert_fix(&sc, "com-access-denied", v->fix);
	json_decref(sc.root);
}
END_TEST

/* ---- service-imagepath-invalid ------------------------------------------------------ */

#define SVCS "ControlSet001\\Services\\"
/* MountedDevices as an MBR disk writes it: signature + partition offset */
#define MOUNTED_C "reg system hex MountedDevices \\DosDevices\\C: 78563412 0000100000000000\n"
#define MOUNTED_E "reg system hex MountedDevices \\DosDevices\\E: 78563412 0000500600000000\n"

START_TEST(test_imagepath_broken)
{
	struct tu_scan sc;
	json_t *e, *probs;

	tu_scan_run("ip-slash", "os 2008r2\nbreak imagepath\n", &sc);
	tu_scan_assert(&sc, "service-imagepath-invalid", "present");
	e = tu_scan_must_evidence(&sc, "service-imagepath-invalid", "service", "FooAgent");
	ck_assert_str_eq(tu_str(e, "path"), SVCS "FooAgent");
	ck_assert_str_eq(tu_str(e, "value"), "ImagePath");
	ck_assert_str_eq(tu_str(e, "data"), SCN_BAD_IMAGEPATH);
	probs = json_object_get(e, "problems");
	ck_assert_uint_eq(json_array_size(probs), 1);
	ck_assert_str_eq(json_string_value(json_array_get(probs, 0)), "forward slashes");
	ck_assert_str_eq(tu_str(e, "corrected"), "\"C:\\Program Files\\Foo Agent\\agent.exe\" -service");
	tu_scan_assert_fix(&sc, "service-imagepath-invalid",
		   "reg add \"HKLM\\SYSTEM\\CurrentControlSet\\Services\\FooAgent\" /v ImagePath /t REG_EXPAND_SZ "
		   "/d \"\\\"C:\\Program Files\\Foo Agent\\agent.exe\\\" -service\" /f");
	tu_scan_assert_fix(&sc, "service-imagepath-invalid",
		   "sc config FooAgent binPath= \"\\\"C:\\Program Files\\Foo Agent\\agent.exe\\\" -service\"");
	tu_scan_assert_fix(&sc, "service-imagepath-invalid", "HKLM\\OFFLINE_SYSTEM\\ControlSet001");
	ck_assert_ptr_nonnull(strstr(tu_str(tu_result(sc.root, "service-imagepath-invalid"), "summary"), "FooAgent"));
	/* the path is bad, the binary is there: not a missing binary */
	tu_scan_assert(&sc, "service-binary-missing", "absent");
	ck_assert_int_eq(sc.status, 1);
	json_decref(sc.root);
}
END_TEST

static const struct ip_vector {
	const char *what, *lines;
	const char *status;
	const char *service;          /* the service judged, NULL: none */
	const char *problem;          /* one of its problems */
	const char *corrected;        /* NULL: no correction (manual fix) */
	const char *fix;              /* a remediation line holds it */
} ip_vectors[] = {
	{ "unbalanced quote",
	  "reg system expand_sz " SVCS "Quoty ImagePath \"C:\\Program Files\\Quoty\\q.exe -k x\n"
	  "reg system dword " SVCS "Quoty Type 16\n",
	  "present", "Quoty", "unbalanced quotes", "\"C:\\Program Files\\Quoty\\q.exe\" -k x", NULL },
	{ "relative driver found under System32\\drivers",
	  "reg system expand_sz " SVCS "FooDrv ImagePath drivers\\foodrv.sys\n"
	  "reg system dword " SVCS "FooDrv Type 1\n"
	  "binary Windows\\System32\\drivers\\foodrv.sys\n",
	  "present", "FooDrv", "relative path", "\\SystemRoot\\System32\\drivers\\foodrv.sys", NULL },
	{ "relative service not on the volume",
	  "reg system expand_sz " SVCS "Tool ImagePath tools\\agent.exe /run\n"
	  "reg system dword " SVCS "Tool Type 16\n",
	  "present", "Tool", "relative path", "\"%SystemRoot%\\tools\\agent.exe\" /run", NULL },
	{ "UNC path: no guess, a manual fix",
	  "reg system expand_sz " SVCS "NetAgent ImagePath \\\\fileserver\\tools\\agent.exe\n"
	  "reg system dword " SVCS "NetAgent Type 16\n",
	  "present", "NetAgent", "UNC path", NULL, "NetAgent: a network (UNC) path" },
	{ "a drive no volume has (KB 980794)",
	  MOUNTED_C "reg system expand_sz " SVCS "ClusSvcX ImagePath D:\\Apps\\svc.exe\n"
	  "reg system dword " SVCS "ClusSvcX Type 16\n",
	  "present", "ClusSvcX", "drive D: that no volume has", NULL, "sc delete ClusSvcX" },
	{ "a drive no volume has, the file on C:",
	  MOUNTED_C "reg system expand_sz " SVCS "ClusSvcY ImagePath \"D:\\Apps\\svc y.exe\" -x\n"
	  "reg system dword " SVCS "ClusSvcY Type 16\nbinary \"Apps\\svc y.exe\"\n",
	  "present", "ClusSvcY", "drive D: that no volume has", "\"C:\\Apps\\svc y.exe\" -x", NULL },
	{ "a drive MountedDevices names",
	  MOUNTED_C MOUNTED_E "reg system expand_sz " SVCS "DataSvc ImagePath \\??\\E:\\drv\\x.sys\n"
	  "reg system dword " SVCS "DataSvc Type 1\n",
	  "absent", NULL, NULL, NULL, NULL },
	{ "no MountedDevices: other drives are not judged",
	  "reg system expand_sz " SVCS "DataSvc ImagePath D:\\Apps\\svc.exe\n"
	  "reg system dword " SVCS "DataSvc Type 16\n",
	  "absent", NULL, NULL, NULL, NULL },
	{ "Windows' own forms",
	  "reg system expand_sz " SVCS "A ImagePath system32\\DRIVERS\\a.sys\nreg system dword " SVCS "A Type 1\n"
	  "reg system expand_sz " SVCS "B ImagePath \\SystemRoot\\System32\\drivers\\b.sys\nreg system dword " SVCS "B Type 1\n"
	  "reg system expand_sz " SVCS "C ImagePath \\??\\C:\\Windows\\system32\\c.sys\nreg system dword " SVCS "C Type 1\n"
	  "reg system expand_sz " SVCS "D ImagePath \"%ProgramFiles%\\D\\d.exe\" /svc\nreg system dword " SVCS "D Type 16\n"
	  "reg system expand_sz " SVCS "E ImagePath C:\\WINDOWS\\system32\\svchost.exe -k netsvcs -p\n"
	  "reg system dword " SVCS "E Type 32\n",
	  "absent", NULL, NULL, NULL, NULL },
	{ "a busy server with Windows' forms", "services 400\n", "absent", NULL, NULL, NULL, NULL },
};

START_TEST(test_imagepath_vectors)
{
	const struct ip_vector *v = &ip_vectors[_i];
	struct tu_scan sc;
	char *text = NULL;
	json_t *e, *p;
	size_t i;
	int found = 0;

	ck_assert_int_ge(asprintf(&text, "os 2016\n%s", v->lines), 0);
	tu_scan_run("ip-vec", text, &sc);
	free(text);
	ck_assert_msg(strcmp(tu_scan_status(&sc, "service-imagepath-invalid"), v->status) == 0, "%s: %s, want %s: %s",
		      v->what, tu_scan_status(&sc, "service-imagepath-invalid"), v->status,
		      tu_str(tu_result(sc.root, "service-imagepath-invalid"), "summary"));
	if (v->service) {
		e = tu_scan_must_evidence(&sc, "service-imagepath-invalid", "service", v->service);
		json_array_foreach(json_object_get(e, "problems"), i, p)
			if (strcmp(json_string_value(p), v->problem) == 0)
				found = 1;
		ck_assert_msg(found, "%s: no problem '%s'", v->what, v->problem);
		if (v->corrected)
			ck_assert_str_eq(tu_str(e, "corrected"), v->corrected);
		else
			ck_assert(json_is_null(json_object_get(e, "corrected")));
	}
	if (v->fix)
		tu_scan_assert_fix(&sc, "service-imagepath-invalid", v->fix);
	json_decref(sc.root);
}
END_TEST

/* The traces in the logs: evidence; CAPI2's path-syntax text proves it. */
START_TEST(test_imagepath_events)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("ip-ev", "os 2008r2\n"
	    "event application provider=Microsoft-Windows-Backup id=517 time=2024-06-03T12:00:00Z "
	    "data=BackupTime:2024-06-03T11:59:00Z data=ErrorCode:0x8078010D \"data=ErrorMessage:Enumeration of the files failed.\"\n",
	    &sc);
	tu_scan_assert(&sc, "service-imagepath-invalid", "absent");
	e = tu_scan_must_evidence(&sc, "service-imagepath-invalid", "kind", "event");
	ck_assert_int_eq(tu_num(e, "event_id"), 517);
	json_decref(sc.root);

	tu_scan_run("ip-ev2", tu_scenario("findings/imagepath-event"), &sc);
	tu_scan_assert(&sc, "service-imagepath-invalid", "present");
	e = tu_scan_must_evidence(&sc, "service-imagepath-invalid", "kind", "event");
	ck_assert_str_eq(tu_str(e, "proves"), "service-imagepath-invalid");
	json_decref(sc.root);
}
END_TEST

/* ---- profile-junction ---------------------------------------------------------------- */

START_TEST(test_profile_junction)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("pj", "os 2008r2\njunction Users D:\\Users\njunction ProgramData C:\\Data\\ProgramData\n", &sc);
	tu_scan_assert(&sc, "profile-junction", "present");
	e = tu_scan_must_evidence(&sc, "profile-junction", "path", "Users");
	ck_assert_str_eq(tu_str(e, "kind"), "junction");
	ck_assert_str_eq(tu_str(e, "type"), "junction");
	ck_assert_str_eq(tu_str(e, "reparse_tag"), "0xa0000003");
	ck_assert_str_eq(tu_str(e, "target"), "D:\\Users");
	/* a bare volume image: D: cannot be in it */
	ck_assert(json_is_false(json_object_get(e, "target_volume_in_image")));
	ck_assert_ptr_nonnull(strstr(tu_str(e, "target_volume"), "bare volume"));
	e = tu_scan_must_evidence(&sc, "profile-junction", "path", "ProgramData");
	ck_assert(json_is_true(json_object_get(e, "target_volume_in_image")));
	ck_assert_ptr_nonnull(strstr(tu_str(tu_result(sc.root, "profile-junction"), "summary"), "Users -> D:\\Users"));
	tu_scan_assert_fix(&sc, "profile-junction", "rmdir \"C:\\Users\" removes the link only, then robocopy \"D:\\Users\" \"C:\\Users\" /E /COPYALL /XJ");
	tu_scan_assert_fix(&sc, "profile-junction", "robocopy \"C:\\Data\\ProgramData\" \"C:\\ProgramData\"");
	/* not also the generic junction finding */
	tu_scan_assert(&sc, "winsxs-junction", "absent");
	ck_assert_int_eq(sc.status, 1);
	json_decref(sc.root);
}
END_TEST

/* The 513 text alone: profile-junction, never cause 1. */
START_TEST(test_profile_junction_event)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("pj-ev", tu_scenario("findings/profile-junction-event"), &sc);
	tu_scan_assert(&sc, "profile-junction", "present");
	e = tu_scan_must_evidence(&sc, "profile-junction", "kind", "event");
	ck_assert_str_eq(tu_str(e, "proves"), "profile-junction");
	ck_assert_str_eq(tu_str(e, "function"), "AddCoreCsiFiles");
	tu_scan_assert(&sc, "cause1", "absent");
	ck_assert_ptr_null(tu_scan_evidence(&sc, "cause1", "kind", "event"));
	tu_scan_assert(&sc, "winsxs-junction", "absent");
	json_decref(sc.root);
}
END_TEST

/* Is the target's volume in the image?  MountedDevices says which
 * partition D: is; the image's partition table says whether it is here. */
static const struct pj_disk {
	const char *what, *format, *mounted;
	int in_image;
	const char *why;
} pj_disks[] = {
	{ "MBR: D: is partition 1", "mbr",
	  "reg system hex MountedDevices \\DosDevices\\D: 78563412 0000100000000000\n", 1, "at byte 1048576" },
	{ "MBR: D: is a partition this disk lacks", "mbr",
	  "reg system hex MountedDevices \\DosDevices\\D: 78563412 0000004000000000\n", 0, "no partition there" },
	{ "GPT: D: is partition 1", "gpt-p3",
	  "reg system hex MountedDevices \\DosDevices\\D: 444d494f3a49443a 44535356 0000 0040 8000000000000001\n",
	  1, "{56535344-0000-4000-8000-000000000001}" },
	{ "GPT: D: is another disk's partition", "gpt-p3",
	  "reg system hex MountedDevices \\DosDevices\\D: 444d494f3a49443a 11111111 2222 3333 4444555555555555\n",
	  0, "does not hold it" },
	{ "no MountedDevices entry for D:", "mbr", "reg system dword MountedDevices Other 1\n", -1, "has no D:" },
};

START_TEST(test_profile_junction_disks)
{
	const struct pj_disk *v = &pj_disks[_i];
	char *text = NULL, *vol, *img, *stem = NULL;
	struct tu_scan sc;
	json_t *e, *in;

	ck_assert_int_ge(asprintf(&text, "os 2016\njunction Users D:\\Users\n%s", v->mounted), 0);
	vol = tu_build("pj-disk", text);
	free(text);
	ck_assert_int_ge(asprintf(&stem, "%s-%s", vol, v->format), 0);
	img = tu_wrap(tu_format_named(v->format), vol, stem);
	ck_assert_ptr_nonnull(img);
	sc.root = tu_scan_image(img, &sc.status, NULL);
	tu_scan_assert(&sc, "profile-junction", "present");
	e = tu_scan_must_evidence(&sc, "profile-junction", "path", "Users");
	in = json_object_get(e, "target_volume_in_image");
	if (v->in_image < 0)
		ck_assert(json_is_null(in));
	else
		ck_assert_msg(json_is_true(in) == v->in_image, "%s: %s", v->what, tu_str(e, "target_volume"));
	ck_assert_msg(strstr(tu_str(e, "target_volume"), v->why) != NULL, "%s: %s", v->what, tu_str(e, "target_volume"));
	json_decref(sc.root);
	free(img);
	free(stem);
	free(vol);
}
END_TEST

/* ---- wsb-log-errors ------------------------------------------------------------------ */

#define WSB_IMAGEPATH "wsblog SystemStateBackup_Error-06-06-2024_10-00-00.log Backup started\\r\\n" \
	"Error in backup of C:\\\\windows\\\\\\\\systemroot\\\\ during enumerate: Error [0x8007007b] The filename, " \
	"directory name, or volume label syntax is incorrect.\\r\\n"
#define WSB_WINSXS "wsblog Backup_Error-05-06-2024_10-00-00.log Error in backup of " \
	"C:\\\\Windows\\\\WinSxS\\\\Temp\\\\PendingRenames during read: Error [0x80070005] Access is denied.\\r\\n"

START_TEST(test_wsb_logs)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("wsb", "os 2008r2\nbreak imagepath\n" WSB_IMAGEPATH "\n" WSB_WINSXS "\n"
	    "wsblog Backup-05-06-2024_09-00-00.log Backup of volume C: succeeded.\\r\\n\n", &sc);
	tu_scan_assert(&sc, "wsb-log-errors", "present");
	e = tu_scan_must_evidence(&sc, "wsb-log-errors", "kind", "summary");
	ck_assert_int_eq(tu_num(e, "logs"), 3);
	ck_assert_int_eq(tu_num(e, "failed_files"), 2);
	e = tu_scan_must_evidence(&sc, "wsb-log-errors", "file_path", "C:\\Windows\\WinSxS\\Temp\\PendingRenames");
	ck_assert_str_eq(tu_str(e, "path"), "Windows\\Logs\\WindowsServerBackup\\Backup_Error-05-06-2024_10-00-00.log");
	ck_assert_int_eq(tu_num(e, "line"), 1);
	ck_assert_str_eq(tu_str(e, "code"), "0x80070005");
	ck_assert_str_eq(tu_str(e, "operation"), "read");
	ck_assert_str_eq(tu_str(e, "proves"), "cause1");
	e = tu_scan_must_evidence(&sc, "wsb-log-errors", "file_path", "C:\\windows\\\\systemroot\\");
	ck_assert_int_eq(tu_num(e, "line"), 2);
	ck_assert_str_eq(tu_str(e, "code"), "0x8007007B");
	ck_assert_str_eq(tu_str(e, "proves"), "service-imagepath-invalid");
	ck_assert_ptr_nonnull(strstr(tu_str(tu_result(sc.root, "wsb-log-errors"), "summary"),
				     "point to: cause1, service-imagepath-invalid"));
	tu_scan_assert_fix(&sc, "wsb-log-errors", "point to cause1");
	/* the line that proves it is evidence of service-imagepath-invalid too */
	e = tu_scan_must_evidence(&sc, "service-imagepath-invalid", "kind", "wsb_log");
	ck_assert_str_eq(tu_str(e, "file_path"), "C:\\windows\\\\systemroot\\");
	ck_assert_ptr_null(tu_scan_evidence(&sc, "service-imagepath-invalid", "file_path",
				       "C:\\Windows\\WinSxS\\Temp\\PendingRenames"));
	/* severity info: the logs alone do not fail the scan (the ImagePath does) */
	tu_scan_assert(&sc, "service-imagepath-invalid", "present");
	json_decref(sc.root);
}
END_TEST

/* Windows installed in C:\WINNT: the logs are read from
 * WINNT\Logs\WindowsServerBackup (issue 17's Windows directory). */
START_TEST(test_wsb_logs_winnt)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("wsb-winnt", tu_scenario("findings/wsb-winnt"), &sc);
	tu_scan_assert(&sc, "wsb-log-errors", "present");
	e = tu_scan_must_evidence(&sc, "wsb-log-errors", "kind", "summary");
	ck_assert_str_eq(tu_str(e, "path"), "WINNT\\Logs\\WindowsServerBackup");
	ck_assert_int_eq(tu_num(e, "logs"), 1);
	e = tu_scan_must_evidence(&sc, "wsb-log-errors", "file_path", "C:\\Windows\\WinSxS\\Temp\\PendingRenames");
	ck_assert_str_eq(tu_str(e, "path"), "WINNT\\Logs\\WindowsServerBackup\\Backup_Error-05-06-2024_10-00-00.log");
	json_decref(sc.root);
}
END_TEST

START_TEST(test_wsb_logs_none)
{
	struct tu_scan sc;
	json_t *e;

	tu_scan_run("wsb-none", tu_scenario("reports/healthy"), &sc);
	tu_scan_assert(&sc, "wsb-log-errors", "absent");
	e = tu_scan_must_evidence(&sc, "wsb-log-errors", "kind", "summary");
	ck_assert(json_is_false(json_object_get(e, "folder")));
	ck_assert_ptr_nonnull(strstr(tu_str(e, "note"), "no Windows Server Backup logs"));
	json_decref(sc.root);

	tu_scan_run("wsb-clean", "os 2008r2\nwsblog Backup-05-06-2024_09-00-00.log Backup of volume C: succeeded.\\r\\n\n"
	    "vol dir Windows\\Logs\\WindowsServerBackup\\old.log.d\n", &sc);
	tu_scan_assert(&sc, "wsb-log-errors", "absent");
	e = tu_scan_must_evidence(&sc, "wsb-log-errors", "kind", "summary");
	ck_assert(json_is_true(json_object_get(e, "folder")));
	ck_assert_int_eq(tu_num(e, "logs"), 1);
	ck_assert_int_eq(tu_num(e, "failed_files"), 0);
	json_decref(sc.root);
}
END_TEST

/* ---- every finding: alone, together with the four causes, none on a healthy disk ---- */

static const char *const new_ids[] = {
	"writer-timeout", "vss-diag-key-acl", "com-access-denied", "service-imagepath-invalid",
	"profile-junction", "wsb-log-errors",
};
#define NNEW (sizeof(new_ids) / sizeof(new_ids[0]))

/* each finding alone on a server with healthy logs (tu_scenarios) */
static const char *const alone[NNEW] = {
	"findings/writer-timeout", "findings/diagacl", "findings/comsec", "findings/imagepath",
	"findings/profile-junction", "findings/wsb-log",
};

START_TEST(test_each_alone)
{
	struct tu_scan sc;
	size_t k;

	tu_scan_run("alone", tu_scenario(alone[_i]), &sc);
	for (k = 0; k < NNEW; k++)
		tu_scan_assert(&sc, new_ids[k], k == (size_t)_i ? "present" : "absent");
	for (k = 1; k <= 4; k++) {
		char id[8];

		snprintf(id, sizeof(id), "cause%zu", k);
		tu_scan_assert(&sc, id, "absent");
	}
	/* writer-timeout and wsb-log-errors are information; the others fail */
	ck_assert_int_eq(sc.status, _i == 0 || _i == 5 ? 0 : 1);
	json_decref(sc.root);
}
END_TEST

START_TEST(test_healthy_none)
{
	static const char *const oses[] = {
		"findings/healthy-2008r2", "findings/healthy-2012r2", "findings/healthy-2016", "findings/healthy-2022"
	};
	struct tu_scan sc;
	size_t k;

	tu_scan_run("healthy", tu_scenario(oses[_i]), &sc);
	for (k = 0; k < NNEW; k++)
		tu_scan_assert(&sc, new_ids[k], "absent");
	/* nothing present, nothing unknown */
	ck_assert_int_eq(sc.status, 0);
	json_decref(sc.root);
}
END_TEST

START_TEST(test_all_together)
{
	char *img, *dir, *out = NULL, *bl = NULL, *xml = NULL;
	struct tu_scan sc;
	struct tu_run r;
	size_t k;

	img = tu_build("together", tu_scenario("findings/together"));
	sc.root = tu_scan_image(img, &sc.status, NULL);
	for (k = 1; k <= 4; k++) {
		char id[8];

		snprintf(id, sizeof(id), "cause%zu", k);
		tu_scan_assert(&sc, id, "present");
	}
	for (k = 0; k < NNEW; k++)
		tu_scan_assert(&sc, new_ids[k], "present");
	ck_assert_int_eq(sc.status, 1);
	json_decref(sc.root);

	/* the JSON report validates against its schema, the JUnit file too,
	 * with one failing testcase per present finding */
	dir = strdup(img);
	*strrchr(dir, '/') = '\0';
	ck_assert_int_ge(asprintf(&out, "%s/r.json", dir), 0);
	ck_assert_int_ge(asprintf(&xml, "%s/r.xml", dir), 0);
	ck_assert_int_ge(asprintf(&bl, "%s/golden.json", dir), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--format", "json", "-o", out, "--rules", tu_env("VSSD_RULES"),
				      img, NULL), 0);
	ck_assert_int_eq(r.status, 1);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sh("/usr/bin/python3 '%s/tests/validate_report.py' json '%s/schema/report.schema.json' "
			       "'%s' >/dev/null", tu_env("VSSD_SRC"), tu_env("VSSD_SRC"), out), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--format", "junit", "-o", xml, "--rules", tu_env("VSSD_RULES"),
				      img, NULL), 0);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sh("xmllint --noout --schema '%s/schema/junit.xsd' '%s' 2>/dev/null",
			       tu_env("VSSD_SRC"), xml), 0);
	{
		char *x = tu_read_file(xml, NULL);

		ck_assert_ptr_nonnull(x);
		for (k = 0; k < NNEW; k++) {
			char *tc = NULL, *at;

			ck_assert_int_ge(asprintf(&tc, "name=\"%s: ", new_ids[k]), 0);
			at = strstr(x, tc);
			ck_assert_msg(at != NULL, "no testcase %s", new_ids[k]);
			/* failing findings fail their testcase; the informational ones
			 * (writer-timeout, wsb-log-errors) pass with their evidence */
			{
				const char *want = k == 0 || k == 5 ? "<system-out>" : "<failure";
				const char *got = strstr(at, want), *end = strstr(at, "</testcase>");

				ck_assert_msg(got && end && got < end, "testcase %s has no %s", new_ids[k], want);
			}
			free(tc);
		}
		free(x);
	}
	/* a baseline of this image: no drift against itself, the findings stay */
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--save-baseline", bl, "--rules", tu_env("VSSD_RULES"), img, NULL), 0);
	tu_run_free(&r);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--format", "json", "--baseline", bl, "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	{
		json_error_t je;

		sc.root = json_loads(r.out, 0, &je);
		ck_assert_ptr_nonnull(sc.root);
		tu_scan_assert(&sc, "drift", "absent");
		for (k = 0; k < NNEW; k++)
			tu_scan_assert(&sc, new_ids[k], "present");
		json_decref(sc.root);
	}
	tu_run_free(&r);
	free(out);
	free(xml);
	free(bl);
	free(dir);
	free(img);
}
END_TEST

/* ---- precision on real Windows files (../shared/samples, skipped when absent) ---- */

static const struct sample_vector {
	const char *hive, *evtx;     /* samples/ paths, NULL: none */
	int diag;                    /* VSS\Diag exists */
} samples[] = {
	{ "hives/SYSTEM_win8_x64", NULL, 1 },
	{ "hives/SYSTEM_win10_1709", NULL, 1 },
	{ "hives/SYSTEM_win10_dirty", NULL, 1 },
	{ "hives/SYSTEM_winxp", NULL, 0 },
	{ NULL, "evtx/Application_server2022.evtx", 1 },
	{ NULL, "evtx/Application_win11.evtx", 1 },
};

START_TEST(test_samples_precision)
{
	const struct sample_vector *v = &samples[_i];
	char *p = tu_sample(v->hive ? v->hive : v->evtx), *text = NULL;
	struct tu_scan sc;
	json_t *e;
	size_t k;

	if (!p)
		return;
	if (v->hive)
		ck_assert_int_ge(asprintf(&text, "os 2016\nvol copy Windows\\System32\\config\\SYSTEM %s\n", p), 0);
	else
		ck_assert_int_ge(asprintf(&text, "os 2016\nvol copy Windows\\System32\\winevt\\Logs\\Application.evtx %s\n",
					  p), 0);
	tu_scan_run("samples", text, &sc);
	free(text);
	free(p);
	/* none of the new findings fires on a real Windows file */
	for (k = 0; k < NNEW; k++)
		if (strcmp(new_ids[k], "writer-timeout") || !v->hive)
			tu_scan_assert(&sc, new_ids[k], "absent");
	e = tu_scan_must_evidence(&sc, "vss-diag-key-acl", "path", "ControlSet001\\Services\\VSS\\Diag");
	ck_assert_int_eq(json_is_true(json_object_get(e, "exists")), v->diag);
	if (v->hive && v->diag) {
		/* Windows' own Diag: not full control for NETWORK SERVICE, and
		 * enough (judging on KEY_ALL_ACCESS would flag every Windows 8/10) */
		ck_assert_str_eq(tu_str(e, "verdict"), "ok");
		ck_assert(json_is_false(json_object_get(e, "network_service_full_control")));
		ck_assert_ptr_nonnull(strstr(tu_str(e, "sddl"), "(A;;CCDCLCSWRPSDRC;;;NS)"));
	}
	if (v->hive) {
		/* every ImagePath judged, the drive letters from MountedDevices */
		e = tu_scan_must_evidence(&sc, "service-imagepath-invalid", "path", "ControlSet001\\Services");
		ck_assert_int_gt(tu_num(e, "image_paths"), 150);
		ck_assert_int_eq(tu_num(e, "invalid"), 0);
		ck_assert_ptr_nonnull(strchr(tu_str(e, "drive_letters"), 'C'));
	}
	json_decref(sc.root);
}
END_TEST

Suite *findings_suite(void);
Suite *findings_suite(void)
{
	Suite *s = suite_create("findings");
	TCase *tc;

	tc = tcase_create("writer_timeout");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_writer_timeout, 0, (int)(sizeof(wt_vectors) / sizeof(wt_vectors[0])));
	tcase_add_test(tc, test_writer_timeout_no_log);
	suite_add_tcase(s, tc);

	tc = tcase_create("vss_diag_key_acl");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_diag_healthy);
	tcase_add_test(tc, test_diag_broken);
	tcase_add_loop_test(tc, test_diag_vectors, 0, (int)(sizeof(diag_vectors) / sizeof(diag_vectors[0])));
	tcase_add_test(tc, test_diag_event);
	suite_add_tcase(s, tc);

	tc = tcase_create("com_access_denied");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_com_healthy);
	tcase_add_test(tc, test_com_broken);
	tcase_add_loop_test(tc, test_com_vectors, 0, (int)(sizeof(com_vectors) / sizeof(com_vectors[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("service_imagepath_invalid");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_imagepath_broken);
	tcase_add_loop_test(tc, test_imagepath_vectors, 0, (int)(sizeof(ip_vectors) / sizeof(ip_vectors[0])));
	tcase_add_test(tc, test_imagepath_events);
	suite_add_tcase(s, tc);

	tc = tcase_create("profile_junction");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_profile_junction);
	tcase_add_test(tc, test_profile_junction_event);
	tcase_add_loop_test(tc, test_profile_junction_disks, 0, (int)(sizeof(pj_disks) / sizeof(pj_disks[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("wsb_log_errors");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_wsb_logs);
	tcase_add_test(tc, test_wsb_logs_none);
	tcase_add_test(tc, test_wsb_logs_winnt);
	suite_add_tcase(s, tc);

	tc = tcase_create("together");
	tcase_set_timeout(tc, 240);
	tcase_add_loop_test(tc, test_each_alone, 0, (int)NNEW);
	tcase_add_loop_test(tc, test_healthy_none, 0, 4);
	tcase_add_test(tc, test_all_together);
	suite_add_tcase(s, tc);

	tc = tcase_create("samples");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_samples_precision, 0, (int)(sizeof(samples) / sizeof(samples[0])));
	suite_add_tcase(s, tc);
	return s;
}
