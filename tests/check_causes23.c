/* Causes 2 and 3 and the registry findings end to end: scenario volumes
 * with hives from our own REGF writer, `vssdoctor scan --format json`,
 * the verdicts, the evidence and the fixes a user would read, and the
 * exit status. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_writer.h"
#include "scenario.h"
#include "testutil.h"

#define SVC "ControlSet001\\Services\\"
#define SCM SCN_SDDL_SCM_DEFAULT
/* Windows 10-era CryptSvc (DOMAIN.md cause 3): not the SCM default, valid */
#define W10_CRYPTSVC "O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)(A;;CCLCSWRPWPDTLOCRRC;;;SO)(A;;CCLCSWLORC;;;AC)"

/* ---- helpers --------------------------------------------------------------- */

/* 1 when the rule of finding id says "severity": "failure". */
static int finding_fails(const char *id)
{
	char *path = NULL, *text;
	json_t *rule;
	int fails = 0;

	if (asprintf(&path, "%s/%s.json", tu_env("VSSD_RULES"), id) < 0)
		abort();
	text = tu_read_file(path, NULL);
	free(path);
	if (!text)
		return 0;
	rule = json_loads(text, 0, NULL);
	free(text);
	fails = rule && json_is_string(json_object_get(rule, "severity")) &&
		strcmp(json_string_value(json_object_get(rule, "severity")), "failure") == 0;
	json_decref(rule);
	return fails;
}

/* The exit status DESIGN.md promises for what the report says: 1 for a
 * cause (or a finding of severity failure) present, else 3 for anything
 * unknown, else 0. */
static void assert_exit_matches(struct tu_scan *sc)
{
	const char *where[] = { "causes", "findings" };
	int present = 0, unknown = 0;
	size_t i, k;
	json_t *v;

	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(sc->root, where[k]), i, v) {
			const char *st = json_string_value(json_object_get(v, "status"));
			const char *id = json_string_value(json_object_get(v, "id"));

			if (strcmp(st, "present") == 0 && (k == 0 || finding_fails(id)))
				present = 1;
			if (strcmp(st, "unknown") == 0)
				unknown = 1;
		}
	ck_assert_int_eq(sc->status, present ? 1 : unknown ? 3 : 0);
}

static const char *const registry_ids[] = {
	"cause2", "cause3", "hive-dirty", "service-binary-missing",
	"service-sd-blocks-writer", "vss-access-control", "win2003",
};

/* ---- a healthy volume ------------------------------------------------------ */

START_TEST(test_healthy)
{
	static const char *const oses[] = { "2008r2", "2016" };
	struct tu_scan sc;
	json_t *ev, *win;
	char text[64];
	size_t i;

	snprintf(text, sizeof(text), "os %s\n", oses[_i]);
	tu_scan_run("c23-healthy", text, &sc);
	for (i = 0; i < sizeof(registry_ids) / sizeof(registry_ids[0]); i++)
		tu_scan_assert(&sc, registry_ids[i], "absent");
	assert_exit_matches(&sc);
	/* cause 3: CryptSvc holds the SCM default, EventSystem none */
	ev = tu_scan_must_evidence(&sc, "cause3", "service", "CryptSvc");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "path")), SVC "CryptSvc\\Security");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "sddl")), SCM);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "expected")), SCM);
	ck_assert_uint_eq(json_array_size(json_object_get(ev, "diff")), 0);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ev, "effective"), "BA")),
			 "ALL_ACCESS");
	ev = tu_scan_must_evidence(&sc, "cause3", "service", "EventSystem");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(ev, "note")), "SCM default"));
	/* cause 2: each service with its configuration */
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "CryptSvc");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "status")), "ok");
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "start")), 2);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "svchost_group")), "NetworkService");
	ck_assert(json_is_true(json_object_get(ev, "in_svchost_group")));
	ck_assert(json_is_true(json_object_get(json_object_get(ev, "dll"), "exists")));
	ck_assert_ptr_nonnull(tu_scan_must_evidence(&sc, "cause2", "service", "swprv"));
	/* the Windows version in the report */
	win = json_object_get(json_object_get(sc.root, "source"), "windows");
	ck_assert_str_eq(json_string_value(json_object_get(win, "control_set")), "ControlSet001");
	ck_assert_str_eq(json_string_value(json_object_get(win, "build")), _i ? "14393" : "7601");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(win, "product_name")),
				     _i ? "2016" : "2008 R2"));
	if (_i)
		ck_assert_str_eq(json_string_value(json_object_get(win, "version")), "10.0");
	json_decref(sc.root);
}
END_TEST

/* ---- cause 3, table-driven --------------------------------------------------- */

struct sd_vector {
	const char *name;
	const char *service;      /* whose Security value is set */
	const char *sddl;         /* NULL: hex below */
	const char *hex;
	const char *cause3;       /* verdict */
	const char *lacking;      /* the label that lacks rights, NULL */
	const char *diff_change;  /* a diff entry: "missing SY" */
};

static const struct sd_vector sd_vectors[] = {
	{ "CryptSvc without SY", "CryptSvc",
	  "D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)", NULL,
	  "present", "SY", "missing SY" },
	{ "EventSystem: deny NS before the allows", "EventSystem",
	  "D:(D;;CCLCSWLOCRRC;;;NS)(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
	  "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)", NULL,
	  "present", "writer", "extra NS" },
	{ "EventSystem: deny NS after the allows (order matters)", "EventSystem",
	  "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)"
	  "(A;;CCLCSWLOCRRC;;;SU)(D;;CCLCSWLOCRRC;;;NS)", NULL,
	  "absent", NULL, "extra NS" },
	{ "CryptSvc as Windows 10 ships it", "CryptSvc", W10_CRYPTSVC, NULL,
	  "absent", NULL, "extra SO" },
	{ "CryptSvc: Administrators without WRITE_DAC", "CryptSvc",
	  "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)",
	  NULL, "present", "BA", "changed BA" },
	{ "CryptSvc: generic rights", "CryptSvc",
	  "D:(A;;GA;;;SY)(A;;GA;;;BA)(A;;GR;;;SU)", NULL, "absent", NULL, "missing IU" },
	{ "CryptSvc: the 5-byte stub", "CryptSvc", NULL, "00000e0001", "absent", NULL, NULL },
	{ "CryptSvc: empty DACL", "CryptSvc", "D:", NULL, "present", "writer", "missing SY" },
	{ "CryptSvc: NULL DACL", "CryptSvc", "D:NO_ACCESS_CONTROL", NULL, "absent", NULL, NULL },
};

static int diff_has(json_t *diff, const char *what)
{
	char change[16], sid[64];
	size_t i;
	json_t *d;

	if (sscanf(what, "%15s %63s", change, sid) != 2)
		return 0;
	json_array_foreach(diff, i, d)
		if (strcmp(json_string_value(json_object_get(d, "change")), change) == 0 &&
		    strcmp(json_string_value(json_object_get(d, "sid")), sid) == 0)
			return 1;
	return 0;
}

START_TEST(test_cause3)
{
	const struct sd_vector *v = &sd_vectors[_i];
	struct tu_scan sc;
	char *text = NULL;
	json_t *ev;

	ck_assert_int_ge(asprintf(&text, "os 2016\nreg system %s " SVC "%s\\Security Security %s\n",
				  v->sddl ? "sddl" : "hex", v->service, v->sddl ? v->sddl : v->hex), 0);
	tu_scan_run("c23-sd", text, &sc);
	free(text);
	ck_assert_msg(strcmp(tu_scan_status(&sc, "cause3"), v->cause3) == 0, "%s: %s: %s", v->name,
		      tu_scan_status(&sc, "cause3"), tu_scan_summary(&sc, "cause3"));
	ev = tu_scan_must_evidence(&sc, "cause3", "service", v->service);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "verdict")),
			 strcmp(v->cause3, "present") == 0 ? "broken" : "ok");
	if (v->lacking)
		ck_assert_msg(json_object_get(json_object_get(ev, "lacking"), v->lacking) != NULL,
			      "%s: %s lacks nothing", v->name, v->lacking);
	else
		ck_assert_ptr_null(json_object_get(ev, "lacking"));
	if (v->diff_change)
		ck_assert_msg(diff_has(json_object_get(ev, "diff"), v->diff_change),
			      "%s: no diff '%s'", v->name, v->diff_change);
	if (v->hex) {
		ck_assert(json_is_null(json_object_get(ev, "sddl")));
		ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(ev, "note")), "stub"));
	}
	if (strcmp(v->cause3, "present") == 0) {
		char line[512];

		ck_assert_ptr_nonnull(strstr(tu_scan_summary(&sc, "cause3"), v->service));
		snprintf(line, sizeof(line), "sc sdshow %s > %s.txt", v->service, v->service);
		tu_scan_assert_fix(&sc, "cause3", line);
		snprintf(line, sizeof(line), "sc sdset %s %s", v->service, SCM);
		tu_scan_assert_fix(&sc, "cause3", line);
		ck_assert_int_eq(sc.status, 1);
	} else {
		ck_assert_uint_eq(json_array_size(json_object_get(tu_result(sc.root, "cause3"), "remediation")), 0);
	}
	json_decref(sc.root);
}
END_TEST

/* ---- cause 2 --------------------------------------------------------------- */

START_TEST(test_cryptsvc_disabled)
{
	struct tu_scan sc;
	json_t *ev;

	tu_scan_run("c23-c2", tu_scenario("causes23/cause2"), &sc);
	tu_scan_assert(&sc, "cause2", "present");
	ck_assert_str_eq(tu_scan_summary(&sc, "cause2"), "CryptSvc cannot run as configured");
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "CryptSvc");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "status")), "broken");
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "start")), 4);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "start_type")), "disabled");
	ck_assert(tu_array_has(json_object_get(ev, "problems"), "Start = 4 (disabled)"));
	tu_scan_assert_fix(&sc, "cause2", "sc config CryptSvc start= auto");
	ck_assert_str_eq(json_string_value(json_object_get(tu_scan_must_evidence(&sc, "cause2", "service", "VSS"),
							   "status")), "ok");
	tu_scan_assert(&sc, "cause3", "absent");
	ck_assert_int_eq(sc.status, 1);
	json_decref(sc.root);
}
END_TEST

START_TEST(test_dependency_disabled)
{
	struct tu_scan sc;
	json_t *ev;

	tu_scan_run("c23-dep", tu_scenario("causes23/rpcss-disabled"), &sc);
	tu_scan_assert(&sc, "cause2", "present");
	/* every service that needs RpcSs, and RpcSs named with its fix */
	ck_assert_ptr_nonnull(strstr(tu_scan_summary(&sc, "cause2"), "CryptSvc, EventSystem, VSS, swprv"));
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "RpcSs");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "status")), "broken");
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "CryptSvc");
	ck_assert(tu_array_has(json_object_get(ev, "problems"), "depends on RpcSs, which cannot run (Start = 4 (disabled))"));
	tu_scan_assert_fix(&sc, "cause2", "sc config RpcSs start= auto");
	ck_assert(!tu_scan_fixes(&sc, "cause2", "sc config CryptSvc"));
	json_decref(sc.root);

	/* two levels down: RpcSs needs RpcEptMapper */
	tu_scan_run("c23-dep2", "os 2016\nreg system dword " SVC "RpcEptMapper Start 4\n", &sc);
	tu_scan_assert(&sc, "cause2", "present");
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "CryptSvc");
	ck_assert(tu_array_has(json_object_get(ev, "problems"), "depends on RpcSs"));
	tu_scan_assert_fix(&sc, "cause2", "sc config RpcEptMapper start= auto");
	json_decref(sc.root);

	/* a dependency that is not installed */
	tu_scan_run("c23-dep3", tu_scenario("causes23/dependency-missing"), &sc);
	tu_scan_assert(&sc, "cause2", "present");
	ck_assert_str_eq(tu_scan_summary(&sc, "cause2"), "VSS cannot run as configured");
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "NoSuchSvc");
	ck_assert(json_is_false(json_object_get(ev, "exists")));
	json_decref(sc.root);

	/* a dependency cycle is not a hang */
	tu_scan_run("c23-cycle", tu_scenario("causes23/dependency-cycle"), &sc);
	tu_scan_assert(&sc, "cause2", "absent");
	json_decref(sc.root);
}
END_TEST

START_TEST(test_servicedll_missing)
{
	struct tu_scan sc;
	json_t *ev;

	tu_scan_run("c23-bin", tu_scenario("causes23/binary"), &sc);
	/* cause 2: EventSystem cannot load es.dll */
	tu_scan_assert(&sc, "cause2", "present");
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "EventSystem");
	ck_assert(json_is_false(json_object_get(json_object_get(ev, "dll"), "exists")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ev, "dll"), "file")),
			 "Windows\\System32\\es.dll");
	tu_scan_assert_fix(&sc, "cause2", "restore %SystemRoot%\\System32\\es.dll (sfc /scannow)");
	/* the finding names the value and the file */
	tu_scan_assert(&sc, "service-binary-missing", "present");
	ev = tu_scan_must_evidence(&sc, "service-binary-missing", "service", "EventSystem");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "value")), "ServiceDll");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "path")), SVC "EventSystem\\Parameters");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "file")), "Windows\\System32\\es.dll");
	tu_scan_assert_fix(&sc, "service-binary-missing", "restore %SystemRoot%\\System32\\es.dll (for EventSystem)");
	ck_assert_str_eq(tu_scan_summary(&sc, "service-binary-missing"),
			 "1 service(s) point at a missing binary: EventSystem");
	json_decref(sc.root);
}
END_TEST

START_TEST(test_svchost_group)
{
	struct tu_scan sc;
	json_t *ev;

	/* CryptSvc dropped from its svchost group */
	tu_scan_run("c23-svchost", "os 2016\nreg software multi_sz \"Microsoft\\Windows NT\\CurrentVersion\\Svchost\" "
	    "NetworkService Dnscache|NlaSvc\n", &sc);
	tu_scan_assert(&sc, "cause2", "present");
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "CryptSvc");
	ck_assert(json_is_false(json_object_get(ev, "in_svchost_group")));
	tu_scan_assert_fix(&sc, "cause2", "add CryptSvc to the REG_MULTI_SZ value 'NetworkService'");
	json_decref(sc.root);

	/* swprv without its ServiceDll value */
	tu_scan_run("c23-nodll", tu_scenario("causes23/no-servicedll"), &sc);
	tu_scan_assert(&sc, "cause2", "present");
	ev = tu_scan_must_evidence(&sc, "cause2", "service", "swprv");
	ck_assert(tu_array_has(json_object_get(ev, "problems"), "no Parameters\\ServiceDll"));
	json_decref(sc.root);
}
END_TEST

START_TEST(test_diag_timestamps)
{
	struct tu_scan sc;
	json_t *ev;
	char *text = NULL, ft[17];
	uint64_t t = REGF_WRITER_FILETIME + 36000000000ull;  /* + 1 hour */
	int i;

	for (i = 0; i < 8; i++)
		snprintf(ft + 2 * i, 3, "%02x", (unsigned)((t >> (8 * i)) & 0xff));
	ck_assert_int_ge(asprintf(&text,
		"os 2016\n"
		"reg system hex \"" SVC "VSS\\Diag\\System Writer\" \"IDENTIFY (Enter)\" 4800000000000000%s0000000000000000\n"
		"reg system hex \"" SVC "VSS\\Diag\\System Writer\" \"IDENTIFY (Leave)\" 4800000000000000%s0000000000000000\n",
		ft, ft), 0);
	tu_scan_run("c23-diag", text, &sc);
	free(text);
	tu_scan_assert(&sc, "cause2", "absent");
	ev = tu_scan_must_evidence(&sc, "cause2", "path", SVC "VSS\\Diag\\System Writer");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "last")), "2024-01-01T01:00:00Z");
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "count")), 2);
	json_decref(sc.root);
}
END_TEST

/* ---- the findings ------------------------------------------------------------ */

START_TEST(test_driver_binary_missing)
{
	struct tu_scan sc;
	json_t *ev;

	tu_scan_run("c23-drv",
	    "os 2016\n"
	    "reg system dword " SVC "FooDrv Type 1\n"
	    "reg system dword " SVC "FooDrv Start 3\n"
	    "reg system expand_sz " SVC "FooDrv ImagePath system32\\drivers\\foodrv.sys\n"
	    /* no ImagePath at all: skipped */
	    "reg system dword " SVC "NoImage Type 1\n", &sc);
	tu_scan_assert(&sc, "service-binary-missing", "present");
	ev = tu_scan_must_evidence(&sc, "service-binary-missing", "service", "FooDrv");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "value")), "ImagePath");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "file")), "Windows\\system32\\drivers\\foodrv.sys");
	ck_assert(json_is_true(json_object_get(ev, "driver")));
	tu_scan_assert_fix(&sc, "service-binary-missing", "restore %SystemRoot%\\system32\\drivers\\foodrv.sys (for FooDrv)");
	ck_assert_str_eq(tu_scan_summary(&sc, "service-binary-missing"), "1 service(s) point at a missing binary: FooDrv");
	/* not a service the writer needs */
	tu_scan_assert(&sc, "cause2", "absent");
	assert_exit_matches(&sc);
	json_decref(sc.root);
}
END_TEST

START_TEST(test_mslldp)
{
	struct tu_scan sc;
	json_t *ev;
	const char *fixed;

	tu_scan_run("c23-lldp", tu_scenario("causes23/mslldp"), &sc);
	tu_scan_assert(&sc, "service-sd-blocks-writer", "present");
	ck_assert_str_eq(tu_scan_summary(&sc, "service-sd-blocks-writer"),
			 "1 service(s) give the System Writer no query access: MsLldp");
	ev = tu_scan_must_evidence(&sc, "service-sd-blocks-writer", "service", "MsLldp");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "sddl")),
			 "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)");
	fixed = json_string_value(json_object_get(ev, "fixed_sddl"));
	ck_assert_str_eq(fixed, "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;SU)");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ev, "effective"), "writer")), "NONE");
	tu_scan_assert_fix(&sc, "service-sd-blocks-writer", "sc sdshow MsLldp > MsLldp.txt");
	tu_scan_assert_fix(&sc, "service-sd-blocks-writer",
		   "sc sdset MsLldp D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;SU)");
	/* a finding, not cause 3 */
	tu_scan_assert(&sc, "cause3", "absent");
	assert_exit_matches(&sc);
	json_decref(sc.root);

	/* a deny ACE first: appending is not enough, and the report says so */
	tu_scan_run("c23-lldp-deny", "os 2016\nreg system sddl " SVC "MsLldp\\Security Security "
	    "D:(D;;CCLC;;;SU)(A;;CCLCSWRPWPDTLOCRRC;;;SY)\n", &sc);
	ev = tu_scan_must_evidence(&sc, "service-sd-blocks-writer", "service", "MsLldp");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(ev, "note")), "deny ACE"));
	json_decref(sc.root);
}
END_TEST

/* A descriptor over 16 KiB (1200 ACEs): read whole from the hive. */
START_TEST(test_big_descriptor)
{
	struct tu_scan sc;
	json_t *ev;
	const char *sddl;
	char *text, *p;
	size_t cap = 80000;
	int i;

	text = malloc(cap);
	p = text + sprintf(text,
		"os 2016\n"
		"reg system dword " SVC "BigSvc Type 1\n"
		"reg system expand_sz " SVC "BigSvc ImagePath system32\\drivers\\tcpip.sys\n"
		"reg system sddl " SVC "BigSvc\\Security Security D:");
	for (i = 0; i < 1200; i++)
		p += sprintf(p, "(A;;CCLC;;;S-1-5-21-1-2-3-%d)", 1000 + i);
	strcpy(p, "\n");
	tu_scan_run("c23-big", text, &sc);
	free(text);
	tu_scan_assert(&sc, "service-sd-blocks-writer", "present");
	ev = tu_scan_must_evidence(&sc, "service-sd-blocks-writer", "service", "BigSvc");
	sddl = json_string_value(json_object_get(ev, "sddl"));
	ck_assert_uint_gt(strlen(sddl), 30000);
	ck_assert_ptr_nonnull(strstr(sddl, "(A;;CCLC;;;S-1-5-21-1-2-3-2199)"));
	tu_scan_assert(&sc, "service-binary-missing", "absent");
	json_decref(sc.root);
}
END_TEST

START_TEST(test_vss_access_control)
{
	struct tu_scan sc;
	json_t *ev;

	tu_scan_run("c23-vssacl", tu_scenario("causes23/vssacl"), &sc);
	tu_scan_assert(&sc, "vss-access-control", "present");
	ev = tu_scan_must_evidence(&sc, "vss-access-control", "path", SVC "VSS\\VssAccessControl");
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(ev, "values"),
							    "NT Authority\\NetworkService")), 0);
	ck_assert_str_eq(tu_scan_summary(&sc, "vss-access-control"),
			 "VssAccessControl does not grant NT Authority\\NetworkService");
	tu_scan_assert_fix(&sc, "vss-access-control", "reg add HKLM\\SYSTEM\\CurrentControlSet\\Services\\VSS\\VssAccessControl");
	json_decref(sc.root);

	tu_scan_run("c23-vssacl2", "os 2016\nreg system delete " SVC "VSS\\VssAccessControl \"NT Authority\\NetworkService\"\n", &sc);
	tu_scan_assert(&sc, "vss-access-control", "present");
	ev = tu_scan_must_evidence(&sc, "vss-access-control", "path", SVC "VSS\\VssAccessControl");
	ck_assert(json_is_null(json_object_get(json_object_get(ev, "values"), "NT Authority\\NetworkService")));
	json_decref(sc.root);
}
END_TEST

START_TEST(test_win2003)
{
	struct tu_scan sc;
	json_t *ev;

	tu_scan_run("c23-2003", tu_scenario("causes23/2003"), &sc);
	tu_scan_assert(&sc, "win2003", "present");
	ck_assert_ptr_nonnull(strstr(tu_scan_summary(&sc, "win2003"), "causes 1-4 do not apply"));
	ev = tu_scan_must_evidence(&sc, "win2003", "path",
			 "Microsoft\\EventSystem\\{26c409cc-ae86-11d1-b616-00805fc79216}\\Subscriptions");
	ck_assert(json_is_true(json_object_get(ev, "exists")));
	ck_assert(json_is_true(json_object_get(ev, "readable")));
	tu_scan_assert_fix(&sc, "win2003", "KB 940184");
	ev = tu_scan_must_evidence(&sc, "win2003", "current_version", "5.2");
	ck_assert_str_eq(json_string_value(json_object_get(ev, "build")), "3790");
	json_decref(sc.root);
}
END_TEST

/* ---- unreadable hives ------------------------------------------------------- */

START_TEST(test_garbage_hives)
{
	struct tu_scan sc;

	tu_scan_run("c23-garbage", tu_scenario("causes23/system-not-a-hive"), &sc);
	tu_scan_assert(&sc, "cause2", "unknown");
	tu_scan_assert(&sc, "cause3", "unknown");
	ck_assert_ptr_nonnull(strstr(tu_scan_summary(&sc, "cause3"), "hive SYSTEM: not a registry hive"));
	tu_scan_assert(&sc, "service-sd-blocks-writer", "unknown");
	ck_assert_int_eq(sc.status, 3);
	ck_assert(tu_array_has(json_object_get(sc.root, "warnings"),
			    "hive SYSTEM cannot be read: not a registry hive"));
	json_decref(sc.root);

	/* without SOFTWARE: the svchost groups cannot be checked */
	tu_scan_run("c23-nosw", tu_scenario("causes23/software-not-a-hive"), &sc);
	tu_scan_assert(&sc, "cause2", "unknown");
	ck_assert_ptr_nonnull(strstr(tu_scan_summary(&sc, "cause2"), "svchost groups not checked"));
	tu_scan_assert(&sc, "cause3", "absent");
	tu_scan_assert(&sc, "win2003", "unknown");
	json_decref(sc.root);
}
END_TEST

/* ---- dirty hives (issue 10) ------------------------------------------------------ */

START_TEST(test_dirty_new_log)
{
	char *img = tu_build("c23-dirty-new",
			  tu_scenario("causes23/dirty-new"));
	struct tu_scan sc;
	json_t *ev;

	/* the verdict follows the log */
	sc.root = tu_scan_image(img, &sc.status, NULL);
	tu_scan_assert(&sc, "cause3", "present");
	ev = tu_scan_must_evidence(&sc, "cause3", "service", "CryptSvc");
	ck_assert(json_is_true(json_object_get(ev, "replayed")));
	tu_scan_assert(&sc, "hive-dirty", "present");
	ev = tu_scan_must_evidence(&sc, "hive-dirty", "hive", "SYSTEM");
	ck_assert(json_is_true(json_object_get(ev, "dirty")));
	ck_assert(json_is_true(json_object_get(ev, "replayed")));
	ck_assert_str_eq(json_string_value(json_object_get(ev, "log_format")), "new");
	ck_assert_int_eq(json_integer_value(json_object_get(ev, "entries_applied")), 1);
	ck_assert_ptr_nonnull(strstr(tu_scan_summary(&sc, "hive-dirty"), "SYSTEM: "));
	ck_assert_ptr_nonnull(strstr(tu_scan_summary(&sc, "hive-dirty"), "replayed in memory with LOG1"));
	ev = tu_scan_must_evidence(&sc, "hive-dirty", "hive", "SOFTWARE");
	ck_assert(json_is_false(json_object_get(ev, "dirty")));
	ck_assert(tu_array_has(json_object_get(sc.root, "warnings"), "hive SYSTEM is dirty"));
	json_decref(sc.root);
	/* --no-replay: the primary file's view */
	sc.root = tu_scan_image(img, &sc.status, "--no-replay", NULL);
	tu_scan_assert(&sc, "cause3", "absent");
	ck_assert_ptr_nonnull(strstr(tu_scan_summary(&sc, "hive-dirty"), "primary file only (--no-replay)"));
	ck_assert_ptr_null(json_object_get(tu_scan_must_evidence(&sc, "cause3", "service", "CryptSvc"), "replayed"));
	json_decref(sc.root);
	free(img);
}
END_TEST

START_TEST(test_dirty_old_log)
{
	char *img = tu_build("c23-dirty-old", tu_scenario("causes23/dirty-old"));
	struct tu_scan sc;

	sc.root = tu_scan_image(img, &sc.status, NULL);
	tu_scan_assert(&sc, "cause2", "present");
	ck_assert(json_is_true(json_object_get(tu_scan_must_evidence(&sc, "cause2", "service", "CryptSvc"), "replayed")));
	ck_assert_str_eq(json_string_value(json_object_get(tu_scan_must_evidence(&sc, "hive-dirty", "hive", "SYSTEM"),
							   "log_format")), "old");
	json_decref(sc.root);
	sc.root = tu_scan_image(img, &sc.status, "--no-replay", NULL);
	tu_scan_assert(&sc, "cause2", "absent");
	json_decref(sc.root);
	free(img);
}
END_TEST

START_TEST(test_dirty_bad_log)
{
	struct tu_scan sc;
	json_t *ev;

	/* a log whose only entry fails its hash applies nothing */
	tu_scan_run("c23-dirty-bad", tu_scenario("causes23/dirty-corrupt"), &sc);
	tu_scan_assert(&sc, "cause2", "absent");
	tu_scan_assert(&sc, "hive-dirty", "present");
	ev = tu_scan_must_evidence(&sc, "hive-dirty", "hive", "SYSTEM");
	ck_assert(json_is_false(json_object_get(ev, "replayed")));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(ev, "view")), "no log entry applies"));
	json_decref(sc.root);
}
END_TEST

/* Issue 14: CryptSvc's Security value holds bytes Windows' validation
 * refuses (an ACE size that is not a multiple of 4).  The evidence says
 * "invalid descriptor" with the parser's exact error and that the SCM
 * cannot use it; the cause is present, its fix the SCM default. */
START_TEST(test_invalid_descriptor)
{
	struct tu_scan sc;
	json_t *c3, *ev;
	size_t i;
	int seen = 0;

	tu_scan_run("c23-invalid",
	    "reg system hex " SVC "CryptSvc\\Security Security "
	    "0100048000000000000000000000000014000000" "0200200001000000"
	    "00001600ff010f00" "010100000000000100000000" "0000" "0000\n", &sc);
	c3 = tu_result(sc.root, "cause3");
	tu_scan_assert(&sc, "cause3", "present");
	json_array_foreach(json_object_get(c3, "evidence"), i, ev) {
		const char *v = json_string_value(json_object_get(ev, "verdict"));
		const char *e = json_string_value(json_object_get(ev, "error"));
		const char *n = json_string_value(json_object_get(ev, "note"));

		if (!v || strcmp(v, "invalid descriptor") != 0)
			continue;
		seen++;
		ck_assert_str_eq(json_string_value(json_object_get(ev, "service")), "CryptSvc");
		ck_assert_ptr_nonnull(e);
		ck_assert_ptr_nonnull(strstr(e, "ACE 0 at offset 28: size 22 not a multiple of 4"));
		ck_assert_ptr_nonnull(n);
		ck_assert_ptr_nonnull(strstr(n, "service control manager cannot use it"));
	}
	ck_assert_int_eq(seen, 1);
	json_decref(sc.root);
}
END_TEST

Suite *causes23_suite(void);
Suite *causes23_suite(void)
{
	Suite *s = suite_create("causes23");
	TCase *tc;

	tc = tcase_create("healthy");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_healthy, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("cause3");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_cause3, 0, (int)(sizeof(sd_vectors) / sizeof(sd_vectors[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("cause2");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cryptsvc_disabled);
	tcase_add_test(tc, test_dependency_disabled);
	tcase_add_test(tc, test_servicedll_missing);
	tcase_add_test(tc, test_svchost_group);
	tcase_add_test(tc, test_diag_timestamps);
	suite_add_tcase(s, tc);

	tc = tcase_create("findings");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_driver_binary_missing);
	tcase_add_test(tc, test_mslldp);
	tcase_add_test(tc, test_big_descriptor);
	tcase_add_test(tc, test_vss_access_control);
	tcase_add_test(tc, test_win2003);
	suite_add_tcase(s, tc);

	tc = tcase_create("unreadable");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_garbage_hives);
	tcase_add_test(tc, test_invalid_descriptor);
	suite_add_tcase(s, tc);

	tc = tcase_create("dirty");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_dirty_new_log);
	tcase_add_test(tc, test_dirty_old_log);
	tcase_add_test(tc, test_dirty_bad_log);
	suite_add_tcase(s, tc);
	return s;
}
