/* `vssdoctor demo [DIR]`: build a small Windows volume with causes 1, 3 and
 * 4 broken (and MsLldp's descriptor), then scan it as a user would. */
#define _GNU_SOURCE
#include "demo.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "scenario.h"

const char demo_scenario[] =
	"# the demo: a Windows Server 2008 R2 volume whose System Writer is gone\n"
	"os 2008r2\n"
	"break cause1 cause3 cause4 mslldp\n"
	"aspnet_folders 1200\n"
	/* what its logs recorded: a boot, the services starting, the writer's
	 * failures and the backup that could not find it */
	"event system provider=EventLog id=6005 time=2024-06-03T07:58:00Z\n"
	"event system provider=Microsoft-Windows-Kernel-General id=12 time=2024-06-03T07:58:00Z\n"
	"event system provider=\"Service Control Manager\" id=7036 time=2024-06-03T07:58:20Z "
	"\"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n"
	"event application provider=Microsoft-Windows-CAPI2 id=513 time=2024-06-03T23:00:05Z "
	"\"text=Details:\\r\\nAddCoreCsiFiles : BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
	"event application provider=Microsoft-Windows-CAPI2 id=513 time=2024-06-04T23:00:05Z "
	"\"text=Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
	"event application provider=VSS id=8193 time=2024-06-04T23:00:09Z "
	"\"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text=\n"
	"event application provider=Microsoft-Windows-Backup id=517 time=2024-06-04T23:01:00Z "
	"data=BackupTime:2024-06-04T23:00:00Z data=ErrorCode:0x80780102 "
	"\"data=ErrorMessage:System writer is not found in the backup.\"\n";

int cmd_demo(int argc, char **argv)
{
	char dirbuf[] = "/tmp/vssdoctor-demo.XXXXXX";
	const char *dir;
	char *img = NULL;
	struct err err;
	char *scan_argv[4];

	if (argc > 2) {
		fprintf(stderr, "vssdoctor: demo: usage: vssdoctor demo [DIR]\n");
		return 2;
	}
	if (argc == 2) {
		dir = argv[1];
		if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
			fprintf(stderr, "vssdoctor: demo: cannot create '%s': %s\n", dir, strerror(errno));
			return 2;
		}
	} else {
		dir = mkdtemp(dirbuf);
		if (!dir) {
			fprintf(stderr, "vssdoctor: demo: cannot create a temporary folder: %s\n", strerror(errno));
			return 2;
		}
	}
	if (asprintf(&img, "%s/demo-win2008r2.img", dir) < 0)
		return 2;
	fprintf(stderr, "vssdoctor: demo: building '%s' (Windows Server 2008 R2; WinSxS ACL, CryptSvc descriptor, 1,200 ASP.NET temp folders and MsLldp broken; its logs hold the writer's failures)\n", img);
	err_init(&err);
	if (scenario_build(demo_scenario, img, &err) < 0) {
		fprintf(stderr, "vssdoctor: demo: %s\n", err.msg);
		free(img);
		return 2;
	}
	fprintf(stderr, "vssdoctor: demo: scanning it: vssdoctor scan %s\n\n", img);
	scan_argv[0] = (char *)"scan";
	scan_argv[1] = img;
	scan_argv[2] = NULL;
	{
		int st = cli_main_scan(2, scan_argv);
		free(img);
		return st;
	}
}
