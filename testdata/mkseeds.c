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
#include <unistd.h>

#include "condexpr.h"
#include "disk_writer.h"
#include "evtx_writer.h"
#include "regf_writer.h"
#include "scenario.h"
#include "sdbin.h"
#include "vss_writer.h"

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

/* fuzz_vss seeds: the VSS blocks of a 4 MiB volume with two shadow
 * copies (block 0 with the VSS volume header, and every block that starts
 * with the VSS identifier) as records "2-byte block number, 16 KiB", the
 * intact volume and each hostile variant. */
static int vss_seed(const char *live, const char *name)
{
	static const uint8_t id[16] = {
		0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
		0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52,
	};
	uint8_t *seed = NULL, blk[16384];
	size_t n = 0;
	unsigned b;
	FILE *f = fopen(live, "rb");
	int rc;

	if (!f)
		return -1;
	for (b = 0; b < 256 && fread(blk, 1, sizeof(blk), f) == sizeof(blk); b++) {
		uint8_t *p;

		if (b != 0 && memcmp(blk, id, sizeof(id)) != 0)
			continue;
		p = realloc(seed, n + 2 + sizeof(blk));
		if (!p)
			break;
		seed = p;
		seed[n] = (uint8_t)b;
		seed[n + 1] = (uint8_t)(b >> 8);
		memcpy(seed + n + 2, blk, sizeof(blk));
		n += 2 + sizeof(blk);
	}
	fclose(f);
	rc = n ? put("fuzz_vss", name, seed, n) : -1;
	free(seed);
	return rc;
}

static int vss_seeds(void)
{
	char dir[] = "/tmp/mkseeds-vss.XXXXXX", s1[64], live[64], copy[64], name[64];
	const char *healthy = "size 4M\nos 2008r2\n", *broken = "size 4M\nos 2008r2\nbreak cause3\n";
	struct vss_writer_layout lay;
	struct vss_writer *w = NULL;
	struct err err;
	char cmd[256];
	size_t k;
	int rc = -1;

	if (!mkdtemp(dir))
		return -1;
	snprintf(s1, sizeof(s1), "%s/s1.img", dir);
	snprintf(live, sizeof(live), "%s/live.img", dir);
	snprintf(copy, sizeof(copy), "%s/copy.img", dir);
	err_init(&err);
	if (scenario_build(healthy, s1, &err) < 0 || scenario_build(broken, live, &err) < 0 ||
	    vss_writer_new(&w, live, &err) < 0) {
		fprintf(stderr, "mkseeds: vss: %s\n", err.msg);
		goto out;
	}
	if (vss_writer_add_state(w, s1, vss_writer_filetime("2019-06-04T23:43:01Z"), &err) < 0) {
		vss_writer_free(w);
		fprintf(stderr, "mkseeds: vss: %s\n", err.msg);
		goto out;
	}
	if (vss_writer_finish(w, &lay, &err) < 0) {   /* frees w */
		fprintf(stderr, "mkseeds: vss: %s\n", err.msg);
		goto out;
	}
	if (vss_seed(live, "vss-intact") < 0)
		goto out;
	for (k = 0; vss_writer_damage_kinds[k]; k++) {
		snprintf(cmd, sizeof(cmd), "cp '%s' '%s'", live, copy);
		if (system(cmd) != 0 ||
		    vss_writer_damage(copy, &lay, vss_writer_damage_kinds[k], 0, &err) < 0)
			goto out;
		snprintf(name, sizeof(name), "vss-%s", vss_writer_damage_kinds[k]);
		if (vss_seed(copy, name) < 0)
			goto out;
	}
	rc = 0;
out:
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		rc = -1;
	return rc;
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
	/* conditional and resource attribute ACEs (lfsvc's, and others) */
	"O:SYG:SYD:(A;;CCLCSWLOCRRC;;;SU)(XA;;LCRPWP;;;IU;(!(WIN://ISMULTISESSIONSKU)))(XD;;RP;;;AU;(@USER.x == 1))",
	"D:(ZA;;CR;bf967aba-0de6-11d0-a285-00aa003049e2;;WD;((Member_of_any {SID(BA), SID(NS)}) || (Exists @RESOURCE.c)))"
	"S:(XU;SA;FA;;;WD;(@DEVICE.a Any_of {1, \"x\"}))(RA;;;;;WD;(\"c\",TS,0x0,\"blue\",\"red\"))",
};

/* fuzz_condexpr: conditions (selector 1 text, 0 binary) and resource
 * attributes (3 text, 2 binary) */
static const char *const conditions[] = {
	"(!(WIN://ISMULTISESSIONSKU))",
	"(Member_of {SID(BA)})",
	"((@USER.Title == \"PM\") && ((@USER.Division == \"Finance\") || (@USER.Division == \"Sales\")))",
	"((Device_Member_of {SID(AA)}) || (Member_of_any {SID(WD), SID(S-1-5-21-1-2-3-500)}))",
	"(@DEVICE.colour == {\"orange\", \"blue\", 1, -0x2, +03, #0a0b, SID(SY), {}})",
	"((Exists @RESOURCE.r) && (Not_Exists x) && (@USER.a Not_Any_of @RESOURCE.b))",
	"(!(!(@USER.a Contains 1)))",
};

static const char *const attributes[] = {
	"(\"colour\",TS,0x0,\"blue\",\"red\")",
	"(\"Impact\",TI,0x0,-3,1)",
	"(\"u\",TU,0x2,18446744073709551615)",
	"(\"s\",TD,0x0,BA,S-1-5-21-1-2-3-500)",
	"(\"x\",TX,0x0,0102ff)",
	"(\"b\",TB,0x0,0,1)",
};

static void condexpr_seeds(void)
{
	char name[64], buf[512];
	uint8_t *bin;
	size_t i, k, used, len, n;
	struct err err;

	for (k = 0; k < 2; k++) {
		const char *const *list = k ? attributes : conditions;
		size_t count = k ? sizeof(attributes) / sizeof(attributes[0]) :
				   sizeof(conditions) / sizeof(conditions[0]);

		for (i = 0; i < count; i++) {
			n = strlen(list[i]);
			buf[0] = (char)(k ? 3 : 1);
			memcpy(buf + 1, list[i], n);
			snprintf(name, sizeof(name), "%s_text%02zu", k ? "attr" : "cond", i);
			put("fuzz_condexpr", name, buf, n + 1);
			err_init(&err);
			if ((k ? claim_from_sddl : condexpr_from_sddl)(list[i], n, &used, &bin, &len,
								       NULL, &err) == 0) {
				uint8_t *b = malloc(len + 1);

				b[0] = (uint8_t)(k ? 2 : 0);
				memcpy(b + 1, bin, len);
				snprintf(name, sizeof(name), "%s_bin%02zu", k ? "attr" : "cond", i);
				put("fuzz_condexpr", name, b, len + 1);
				free(b);
				free(bin);
			} else {
				fprintf(stderr, "mkseeds: '%s': %s\n", list[i], err.msg);
			}
		}
	}
}

static const char *const capi2[] = {
	"Details:\r\nAddCoreCsiFiles : BeginFileEnumeration() failed.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n",
	"Details:\r\nAddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\r\n\r\nSystem Error:\r\nLookup Error Code (0xC0000039)\r\n",
	"Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n",
	"Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary ghost.\r\n\r\nSystem Error:\r\nThe system cannot find the file specified.\r\n",
};

/* Windows Server Backup log lines (UTF-16LE with a BOM when written) */
static const char *const wsblogs[] = {
	"Error in backup of C:\\windows\\\\systemroot\\ during enumerate: Error [0x8007007b] The filename, directory name, or volume label syntax is incorrect.\r\n",
	"Error in backup of C:\\Windows\\WinSxS\\Temp\\PendingRenames during read: Error [0x80070005] Access is denied.\r\n",
	"Backup started\r\nFailed to back up D:\\Data\\db.mdf: Error [0x80070020] The process cannot access the file.\r\n",
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

/* MBR and GPT seeds: the first sectors of disks made by the disk writer
 * (fuzz_mbr takes a sector; fuzz_gpt a header sector and its entries). */
static int disk_seeds(void)
{
	static const struct { enum disk_scheme scheme; int logical; unsigned ss; } kinds[] = {
		{ DISK_MBR, 0, 512 }, { DISK_MBR, 1, 512 }, { DISK_GPT, 0, 512 }, { DISK_GPT, 0, 4096 },
	};
	char path[4096], name[32];
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		struct disk_layout l;
		struct err err;
		uint8_t *buf;
		FILE *f;
		unsigned k;

		memset(&l, 0, sizeof(l));
		l.scheme = kinds[i].scheme;
		l.sector_size = kinds[i].ss;
		l.count = 3;
		for (k = 0; k < 3; k++) {
			l.part[k].size = (uint64_t)(k + 1) << 20;
			l.part[k].logical = kinds[i].logical && k > 0;
		}
		snprintf(path, sizeof(path), "%s/disk.tmp", out_dir);
		err_init(&err);
		if (disk_write(path, &l, &err) < 0) {
			fprintf(stderr, "mkseeds: %s\n", err.msg);
			return -1;
		}
		buf = calloc(1, 4096 * 6);
		f = fopen(path, "rb");
		if (!buf || !f || fread(buf, 1, 4096 * 6, f) == 0) {
			free(buf);
			if (f)
				fclose(f);
			return -1;
		}
		fclose(f);
		snprintf(name, sizeof(name), "disk%zu", i);
		if (kinds[i].scheme == DISK_MBR)
			put("fuzz_mbr", name, buf, 512);
		else
			put("fuzz_gpt", name, buf + kinds[i].ss, kinds[i].ss + 16384);
		free(buf);
		unlink(path);
	}
	return 0;
}

/* Replayer seeds: header (primary and LOG1 lengths in 16-byte units), a
 * small hive, a new-format LOG1 and an old-format one (fuzz_hivelog.c). */
static int hivelog_seeds(void)
{
	struct regf_writer *w = regf_writer_new("ROOT");
	uint8_t *old = NULL, *nw = NULL, *log = NULL, *seed;
	size_t olen = 0, nlen = 0, llen = 0;
	struct regf_log_options o;
	int fmt;

	if (!w)
		return -1;
	regf_writer_set_dword(w, "ControlSet001\\Services\\CryptSvc", "Start", 2);
	regf_writer_set_dword(w, "Select", "Current", 1);
	if (regf_writer_serialize(w, 5, 4, 4, &old, &olen) < 0)
		return -1;
	regf_writer_set_dword(w, "ControlSet001\\Services\\CryptSvc", "Start", 4);
	regf_writer_set_binary(w, "ControlSet001\\Services\\CryptSvc\\Security", "Security", "\1\0\4\x80", 4);
	if (regf_writer_serialize(w, 5, 4, 4, &nw, &nlen) < 0)
		return -1;
	put("fuzz_hiveedit", "small", old, olen);        /* the hive editor's writes */
	put("fuzz_hiveedit", "security", nw, nlen);
	for (fmt = 0; fmt < 2; fmt++) {
		char name[32];

		memset(&o, 0, sizeof(o));
		o.corrupt_entry = -1;
		if ((fmt ? regf_log_write_old(old, olen, nw, nlen, &o, &log, &llen)
			 : regf_log_write_new(old, olen, nw, nlen, &o, &log, &llen)) < 0 ||
		    olen / 16 > 0xFFFF || llen / 16 > 0xFFFF)
			continue;
		seed = malloc(4 + olen + llen);
		if (!seed)
			return -1;
		seed[0] = (uint8_t)(olen / 16);
		seed[1] = (uint8_t)((olen / 16) >> 8);
		seed[2] = (uint8_t)(llen / 16);
		seed[3] = (uint8_t)((llen / 16) >> 8);
		memcpy(seed + 4, old, olen);
		memcpy(seed + 4 + olen, log, llen);
		snprintf(name, sizeof(name), "%s-format", fmt ? "old" : "new");
		put("fuzz_hivelog", name, seed, 4 + olen + llen);
		free(seed);
		free(log);
		log = NULL;
	}
	free(old);
	free(nw);
	regf_writer_free(w);
	return 0;
}

/* EVTX seeds: small logs with each kind of event the collector reads. */
static int evtx_seeds(void)
{
	static const char *const specs[] = {
		"event provider=EventLog id=6005 time=2024-06-01T08:00:00Z\n"
		"event provider=\"Service Control Manager\" id=7036 time=2024-06-01T08:00:20Z "
		"\"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n"
		"event provider=\"Service Control Manager\" id=7000 time=2024-06-01T08:00:21Z "
		"\"data=param1:COM+ Event System\" \"data=param2:%%1058\" binary_utf16=EventSystem\n"
		"event provider=EventLog id=6006 time=2024-06-01T18:00:00Z\n",
		"event provider=Microsoft-Windows-CAPI2 id=513 time=2024-06-01T10:00:05Z "
		"\"text=Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
		"event provider=VSS id=8193 time=2024-06-01T10:01:00Z \"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text=\n"
		"event provider=Microsoft-Windows-Backup id=517 data=ErrorCode:0x80780102\n",
		"dirty 1\nbulk 300 seed=3\n",
	};
	size_t i;

	for (i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
		struct evtx_writer *w = evtx_writer_new();
		uint8_t *buf = NULL;
		size_t len = 0;
		char name[32];

		if (!w || evtx_writer_apply_spec(w, specs[i]) < 0 ||
		    evtx_writer_serialize(w, &buf, &len) < 0) {
			fprintf(stderr, "mkseeds: evtx seed %zu: %s\n", i, w ? evtx_writer_errmsg(w) : "out of memory");
			evtx_writer_free(w);
			return -1;
		}
		snprintf(name, sizeof(name), "log%zu.evtx", i);
		put("fuzz_evtx_collector", name, buf, len);
		put("fuzz_evtx_skim", name, buf, len);
		free(buf);
		evtx_writer_free(w);
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const scenarios[] = {
		"size 3M\nos 2008r2\n",
		"size 3M\nos 2016\nbreak cause1 cause3 mslldp binary\n",
		"size 4M\nos 2012r2\nbreak cause2 cause4 vssacl\naspnet_folders 40\nvol junction Users D:\\Users\n",
		/* Windows in WINNT, drive letters, a binary on D: (issue 17) */
		"size 3M\nwindir WINNT\nbreak cause1\nletter C: mbr 44535356 1048576\nletter D: gpt 56535344-0000-4000-8000-000000000001\n"
		"letter E: device\nreg system expand_sz ControlSet001\\Services\\AppSvc ImagePath D:\\Apps\\a.exe\n",
	};
	/* MountedDevices values: name, NUL, bytes */
	static const struct { const char *name; const char *bytes; size_t len; } mountdevs[] = {
		{ "\\DosDevices\\C:", "\xbc\x4c\xbc\x4c\x00\x7e\x00\x00\x00\x00\x00\x00", 12 },
		{ "\\DosDevices\\C:", "DMIO:ID:\x21\x1f\x93\x09\xaf\x7f\xa9\x44\x81\xd8\x1e\x73\xc1\x4b\x9e\xaf", 24 },
		{ "\\DosDevices\\D:", "\\\0?\0?\0\\\0S\0C\0S\0I\0", 16 },
		{ "\\??\\Volume{a08efec2-a076-11e5-824f-806e6f6e6963}", "\xfe\x4c\x3e\x27\x00\x00\x10\x00\x00\x00\x00\x00", 12 },
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
	for (i = 0; i < sizeof(wsblogs) / sizeof(wsblogs[0]); i++) {
		uint8_t u16[1024];
		size_t k = 2, j;

		u16[0] = 0xff;
		u16[1] = 0xfe;
		for (j = 0; wsblogs[i][j] && k + 2 <= sizeof(u16); j++) {
			u16[k++] = (uint8_t)wsblogs[i][j];
			u16[k++] = 0;
		}
		snprintf(name, sizeof(name), "wsblog_%02zu", i);
		put("fuzz_wsblog", name, u16, k);
	}
	for (i = 0; i < sizeof(capi2) / sizeof(capi2[0]); i++) {
		snprintf(name, sizeof(name), "capi2_%02zu", i);
		put("fuzz_capi2", name, capi2[i], strlen(capi2[i]));
	}
	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(name, sizeof(name), "path%02zu", i);
		put("fuzz_svcpath", name, paths[i], strlen(paths[i]));
	}
	condexpr_seeds();
	for (i = 0; i < sizeof(mountdevs) / sizeof(mountdevs[0]); i++) {
		char buf[128];
		size_t nl = strlen(mountdevs[i].name);

		memcpy(buf, mountdevs[i].name, nl + 1);
		memcpy(buf + nl + 1, mountdevs[i].bytes, mountdevs[i].len);
		snprintf(name, sizeof(name), "mountdev%02zu", i);
		put("fuzz_mountdev", name, buf, nl + 1 + mountdevs[i].len);
	}
	copy_rules(argc > 2 ? argv[2] : "rules");
	if (disk_seeds() < 0 || hivelog_seeds() < 0 || evtx_seeds() < 0 || vss_seeds() < 0) {
		fprintf(stderr, "mkseeds: could not write the disk or hive seeds\n");
		return 1;
	}
	/* fuzz_bde: a BitLocker volume (mkbde, beside this tool) over 8 KiB,
	 * with the recovery password fuzz_bde sets: the metadata parses and
	 * the keys unwrap, so mutations reach every step */
	{
		char cmd[8192], *slash;

		snprintf(path, sizeof(path), "%s", argv[0]);
		slash = strrchr(path, '/');
		if (slash) {
			*slash = 0;
			snprintf(cmd, sizeof(cmd),
				 "mkdir -p '%s/fuzz_bde' && head -c 8192 /dev/zero > '%s/bde.tmp' && "
				 "'%s/mkbde' --volume '%s/bde.tmp' --out '%s/fuzz_bde/mkbde.bin' "
				 "--recovery-password 284867-596541-514998-422114-660297-261613-215424-199408 && "
				 "rm -f '%s/bde.tmp'", out_dir, out_dir, path, out_dir, out_dir, out_dir);
			if (system(cmd) != 0)
				fprintf(stderr, "mkseeds: no fuzz_bde seed (mkbde failed)\n");
		}
	}
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
