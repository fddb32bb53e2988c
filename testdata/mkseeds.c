/* mkseeds DIR: seed corpora for the fuzz targets (tests/fuzz/fuzz_NAME.c),
 * one folder DIR/fuzz_NAME per target, made by the testdata generators so
 * the fuzzers start from valid, realistic inputs.  Targets whose seeds are
 * not made here start from an empty corpus. */
#define _GNU_SOURCE
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "scenario.h"
#include "sdbin.h"

static const char *out_dir;

static int put(const char *target, const char *name, const void *buf, size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", out_dir, target);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", out_dir, target, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len) {
		perror(path);
		if (f)
			fclose(f);
		return -1;
	}
	return fclose(f);
}

static const char *const sddls[] = {
	SCN_SDDL_SCM_DEFAULT,
	"O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)(A;;CCLCSWRPWPDTLOCRRC;;;SO)(A;;CCLCSWLORC;;;AC)",
	SCN_SDDL_WINSXS_OK,
	SCN_SDDL_WINSXS_DIR_OK,
	SCN_SDDL_WINSXS_BROKEN,
	"D:PAI(D;;FA;;;WD)(A;OICIIO;GA;;;CO)(A;;0x1200a9;;;BU)",
	"O:BAG:BAD:P(OA;;CR;ab721a53-1e2f-11d0-9819-00aa0040529b;;WD)(A;CIID;GR;;;AU)S:AI(AU;SA;WP;;;WD)",
	"D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(A;;CCLCSWLOCRRC;;;S-1-5-80-242729624-280608522-2219052887-3187409060-2225943459)",
};

static const char *const capi2[] = {
	"Details:\r\nAddCoreCsiFiles : BeginFileEnumeration() failed.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n",
	"Details:\r\nAddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\r\n\r\nSystem Error:\r\nLookup Error Code (0xC0000039)\r\n",
	"Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n",
	"Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary ghost.\r\n\r\nSystem Error:\r\nThe system cannot find the file specified.\r\n",
};

static const char *const paths[] = {
	"%SystemRoot%\\system32\\svchost.exe -k NetworkService -p",
	"\"C:\\Program Files\\Vendor\\agent.exe\" /service",
	"\\SystemRoot\\System32\\drivers\\tcpip.sys",
	"system32\\DRIVERS\\mslldp.sys",
	"\\??\\C:\\Windows\\system32\\drivers\\x.sys",
	"%windir%\\System32\\svchost.exe -k LocalServiceNetworkRestricted -s EventSystem",
};

static int copy_rules(const char *rules_dir)
{
	DIR *d = opendir(rules_dir);
	struct dirent *e;

	if (!d)
		return 0;
	while ((e = readdir(d))) {
		char path[4096];
		FILE *f;
		char buf[65536];
		size_t n;

		if (!strstr(e->d_name, ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", rules_dir, e->d_name);
		f = fopen(path, "rb");
		if (!f)
			continue;
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		put("fuzz_rules", e->d_name, buf, n);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const scenarios[] = {
		"size 3M\nos 2008r2\n",
		"size 3M\nos 2016\nbreak cause1 cause3 mslldp binary\n",
		"size 4M\nos 2012r2\nbreak cause2 cause4 vssacl\naspnet_folders 40\nvol junction Users D:\\Users\n",
	};
	struct err err;
	char name[64], path[4096];
	size_t i;

	if (argc < 2) {
		fprintf(stderr, "usage: mkseeds DIR [RULES_DIR]\n");
		return 2;
	}
	out_dir = argv[1];
	mkdir(out_dir, 0755);
	for (i = 0; i < sizeof(sddls) / sizeof(sddls[0]); i++) {
		uint8_t *bin = NULL;
		size_t len = 0;

		snprintf(name, sizeof(name), "sddl%02zu", i);
		put("fuzz_sddl", name, sddls[i], strlen(sddls[i]));
		err_init(&err);
		if (sdbin_from_sddl(sddls[i], &bin, &len, &err) == 0) {
			put("fuzz_secdesc", name, bin, len);
			free(bin);
		}
	}
	for (i = 0; i < sizeof(capi2) / sizeof(capi2[0]); i++) {
		snprintf(name, sizeof(name), "capi2_%02zu", i);
		put("fuzz_capi2", name, capi2[i], strlen(capi2[i]));
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(name, sizeof(name), "path%02zu", i);
		put("fuzz_svcpath", name, paths[i], strlen(paths[i]));
	}
	copy_rules(argc > 2 ? argv[2] : "rules");
	snprintf(path, sizeof(path), "%s/fuzz_scan", out_dir);
	mkdir(path, 0755);
	for (i = 0; i < sizeof(scenarios) / sizeof(scenarios[0]); i++) {
		snprintf(path, sizeof(path), "%s/fuzz_scan/volume%02zu.img", out_dir, i);
		err_init(&err);
		if (scenario_build(scenarios[i], path, &err) < 0) {
			fprintf(stderr, "mkseeds: %s\n", err.msg);
			return 1;
		}
	}
	return 0;
}
