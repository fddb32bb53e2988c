#define _GNU_SOURCE
#include "scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "evtx_writer.h"
#include "gpt.h"
#include "mountdev.h"
#include "ntfs_builder.h"
#include "regf_writer.h"
#include "sdbin.h"

#define SVC "ControlSet001\\Services\\"

struct scn {
	char os[16];
	char windir[64];      /* "windir NAME": the Windows folder (Windows) */
	char *letters;        /* "letter" lines, for SYSTEM\MountedDevices */
	char *bcd;            /* "bcd ROOT..." line: Boot\BCD loaders */
	unsigned long size;
	unsigned breaks;
	unsigned long aspnet;
	char *reg_lines;      /* deferred "reg" lines */
	char *vol_lines;      /* deferred "vol" lines */
	struct evtx_writer *evtx[3]; /* "event"/"evtx" lines, see scn_evtx */
	char *ntfs_lines;     /* deferred NTFS presets (folders, webconfig, ...) */
	char *pending_sddl;   /* pendingrenames SDDL, NULL = the default */
	int pending_absent;   /* pendingrenames absent */
	unsigned long filemaps_files;
	unsigned long extra_services;   /* "services N" */
	unsigned long pad_system, pad_software;   /* "pad HIVE SIZE" (bytes) */
	struct err *err;
	/* "log HIVE new|old ...": the hive as it was before the reg lines
	 * that follow (the dirty primary file) and how to write its LOG1 */
	struct regf_writer *log_w;
	uint8_t *log_old;
	size_t log_old_len;
	int log_old_format;
	int log_corrupt;      /* regf_log_options.corrupt_entry */
	unsigned log_pages;   /* regf_log_options.pages_per_entry */
};

enum { B_CAUSE1 = 1, B_CAUSE2 = 2, B_CAUSE3 = 4, B_CAUSE4 = 8, B_MSLLDP = 16,
       B_BINARY = 32, B_VSSACL = 64, B_DIAGACL = 128, B_COMSEC = 256,
       B_IMAGEPATH = 512, B_PROFILE = 1024 };

static int append(char **buf, const char *line)
{
	size_t old = *buf ? strlen(*buf) : 0, n = strlen(line);
	char *p = realloc(*buf, old + n + 2);

	if (!p)
		return -1;
	memcpy(p + old, line, n);
	p[old + n] = '\n';
	p[old + n + 1] = '\0';
	*buf = p;
	return 0;
}

/* One of this file's "Windows\..." paths in the scenario's Windows folder
 * ("windir WINNT" -> "WINNT\..."); other paths unchanged.  buf holds
 * the result. */
static const char *wp(const struct scn *sc, const char *path, char *buf,
		      size_t size)
{
	if (strncmp(path, "Windows\\", 8) == 0 && strcmp(sc->windir, "Windows") != 0) {
		snprintf(buf, size, "%s%s", sc->windir, path + 7);
		return buf;
	}
	snprintf(buf, size, "%s", path);
	return buf;
}

/* Next word (quotes allowed); returns NULL at end. */
static char *word(char **p)
{
	char *s = *p, *w;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s)
		return NULL;
	if (*s == '"') {
		w = ++s;
		while (*s && *s != '"')
			s++;
	} else {
		w = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
	}
	if (*s)
		*s++ = '\0';
	*p = s;
	return w;
}

static int sd_bin(const char *sddl, uint8_t **bin, size_t *len, struct err *err)
{
	return sdbin_from_sddl(sddl, bin, len, err);
}

/* The key's own descriptor (its sk cell). */
static int key_sd(struct regf_writer *w, const char *key, const char *sddl,
		  struct err *err)
{
	uint8_t *bin = NULL;
	size_t len = 0;
	int rc = sd_bin(sddl, &bin, &len, err);

	if (rc < 0)
		return rc;
	rc = regf_writer_set_key_sd(w, key, bin, len);
	free(bin);
	return rc < 0 ? err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w)) : 0;
}

static int reg_sd(struct regf_writer *w, const char *svc, const char *sddl,
		  struct err *err)
{
	char key[256];
	uint8_t *bin = NULL;
	size_t len = 0;
	int rc = sd_bin(sddl, &bin, &len, err);

	if (rc < 0)
		return rc;
	snprintf(key, sizeof(key), SVC "%s\\Security", svc);
	rc = regf_writer_set_binary(w, key, "Security", bin, len);
	free(bin);
	return rc < 0 ? err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w)) : 0;
}

struct svc_def {
	const char *name, *display, *image, *dll, *object, *deps;
	unsigned type, start;
};

static const struct svc_def services[] = {
	{ "CryptSvc", "Cryptographic Services", "%SystemRoot%\\system32\\svchost.exe -k NetworkService",
	  "%SystemRoot%\\system32\\cryptsvc.dll", "NT Authority\\NetworkService", "RpcSs", 0x20, 2 },
	{ "EventSystem", "COM+ Event System", "%SystemRoot%\\system32\\svchost.exe -k LocalService",
	  "%SystemRoot%\\System32\\es.dll", "NT AUTHORITY\\LocalService", "RPCSS", 0x20, 2 },
	{ "VSS", "Volume Shadow Copy", "%systemroot%\\system32\\vssvc.exe",
	  NULL, "LocalSystem", "RPCSS", 0x10, 3 },
	{ "swprv", "Microsoft Software Shadow Copy Provider", "%SystemRoot%\\System32\\svchost.exe -k swprv",
	  "%SystemRoot%\\System32\\swprv.dll", "LocalSystem", "RPCSS", 0x20, 3 },
	{ "RpcSs", "Remote Procedure Call (RPC)", "%SystemRoot%\\system32\\svchost.exe -k rpcss",
	  "%SystemRoot%\\system32\\rpcss.dll", "NT AUTHORITY\\NetworkService", "RpcEptMapper|DcomLaunch", 0x20, 2 },
	{ "RpcEptMapper", "RPC Endpoint Mapper", "%SystemRoot%\\system32\\svchost.exe -k RPCSS",
	  "%SystemRoot%\\System32\\RpcEpMap.dll", "NT AUTHORITY\\NetworkService", NULL, 0x20, 2 },
	{ "DcomLaunch", "DCOM Server Process Launcher", "%SystemRoot%\\system32\\svchost.exe -k DcomLaunch",
	  "%SystemRoot%\\system32\\rpcss.dll", "LocalSystem", NULL, 0x20, 2 },
	{ "COMSysApp", "COM+ System Application", "%SystemRoot%\\system32\\dllhost.exe /Processid:{02D4B3F1-FD88-11D1-960D-00805FC79235}",
	  NULL, "LocalSystem", "SENS|EventSystem|RpcSs", 0x10, 3 },
	{ "Tcpip", "TCP/IP Protocol Driver", "System32\\drivers\\tcpip.sys", NULL, NULL, NULL, 0x1, 0 },
	{ "volsnap", "Storage volumes", "system32\\DRIVERS\\volsnap.sys", NULL, NULL, NULL, 0x1, 0 },
	{ "MsLldp", "Microsoft Link-Layer Discovery Protocol", "system32\\DRIVERS\\mslldp.sys", NULL, NULL, NULL, 0x1, 2 },
};

static const char *const files[] = {
	"Windows\\System32\\svchost.exe", "Windows\\System32\\cryptsvc.dll",
	"Windows\\System32\\es.dll", "Windows\\System32\\vssvc.exe",
	"Windows\\System32\\swprv.dll", "Windows\\System32\\rpcss.dll",
	"Windows\\System32\\RpcEpMap.dll", "Windows\\System32\\dllhost.exe",
	"Windows\\System32\\drivers\\tcpip.sys", "Windows\\System32\\drivers\\volsnap.sys",
	"Windows\\System32\\drivers\\mslldp.sys",
};

struct os_def {
	const char *id, *product, *version, *build;
	int major;          /* CurrentMajorVersionNumber, 0 = none */
};

static const struct os_def oses[] = {
	{ "2003", "Microsoft Windows Server 2003", "5.2", "3790", 0 },
	{ "2008r2", "Windows Server 2008 R2 Standard", "6.1", "7601", 0 },
	{ "2012r2", "Windows Server 2012 R2 Standard", "6.3", "9600", 0 },
	{ "2016", "Windows Server 2016 Standard", "6.3", "14393", 10 },
	{ "2019", "Windows Server 2019 Standard", "6.3", "17763", 10 },
	{ "2022", "Windows Server 2022 Standard", "6.3", "20348", 10 },
};

#define W(call) do { if ((call) < 0) return err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w)); } while (0)

/* "letter X: mbr SIG OFFSET | gpt GUID | device [PATH]": the value
 * \DosDevices\X: of SYSTEM\MountedDevices (and its \??\Volume{...} twin,
 * as Windows writes both), in the mount manager's layouts (mountdev.h). */
static int letter_line(struct regf_writer *w, char *p, unsigned serial,
		       struct err *err)
{
	char *l = word(&p), *kind = word(&p), *a = word(&p), *b2 = word(&p);
	char name[64];
	uint8_t data[512];
	size_t len = 0;

	if (!l || !kind || strlen(l) != 2 || l[1] != ':' ||
	    !((l[0] >= 'A' && l[0] <= 'Z') || (l[0] >= 'a' && l[0] <= 'z')))
		return err_set(err, -E_USAGE, "letter X: mbr SIG OFFSET | gpt GUID | device [PATH]");
	if (strcmp(kind, "mbr") == 0 && a && b2) {
		/* 0x00 disk signature, 0x04 partition offset in bytes */
		put_le32(data + 0x00, (uint32_t)strtoul(a, NULL, 16));
		put_le64(data + 0x04, strtoull(b2, NULL, 0));
		len = MOUNTDEV_MBR_LEN;
	} else if (strcmp(kind, "gpt") == 0 && a) {
		/* 0x00 "DMIO:ID:", 0x08 the partition's unique GUID */
		memcpy(data, MOUNTDEV_GPT_MAGIC, 8);
		if (gpt_guid_parse(a, data + 0x08, err) < 0)
			return err_wrap(err, "letter %s", l);
		len = MOUNTDEV_GPT_LEN;
	} else if (strcmp(kind, "device") == 0) {
		/* a device path in UTF-16LE, as for a CD-ROM drive */
		const char *dev = a ? a : "\\??\\SCSI#CdRom&Ven_Msft&Prod_Virtual_DVD-ROM#2&1f4adffe&0&000001#{53f5630d-b6bf-11d0-94f2-00a0c91efb8b}";
		size_t i;

		for (i = 0; dev[i] && 2 * i + 2 <= sizeof(data); i++)
			put_le16(data + 2 * i, (uint8_t)dev[i]);
		len = 2 * i;
	} else {
		return err_set(err, -E_USAGE, "letter %s: mbr SIG OFFSET | gpt GUID | device [PATH]", l);
	}
	snprintf(name, sizeof(name), "\\DosDevices\\%c:", l[0]);
	if (regf_writer_set_binary(w, "MountedDevices", name, data, len) < 0)
		return err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w));
	snprintf(name, sizeof(name), "\\??\\Volume{56535344-%04x-11e0-8000-806e6f6e6963}", serial);
	if (regf_writer_set_binary(w, "MountedDevices", name, data, len) < 0)
		return err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w));
	return 0;
}

static int build_system(struct scn *sc, struct regf_writer *w, struct err *err)
{
	size_t i;
	char key[256];

	W(regf_writer_set_dword(w, "Select", "Current", 1));
	W(regf_writer_set_dword(w, "Select", "Default", 1));
	W(regf_writer_set_dword(w, "Select", "LastKnownGood", 1));
	W(regf_writer_set_dword(w, "Select", "Failed", 0));
	W(regf_writer_set_sz(w, "ControlSet001\\Control\\ComputerName\\ComputerName", "ComputerName", "FIXTURE-SRV"));
	for (i = 0; i < sizeof(services) / sizeof(services[0]); i++) {
		const struct svc_def *d = &services[i];

		if (strcmp(d->name, "MsLldp") == 0 &&
		    (strcmp(sc->os, "2003") == 0 || strcmp(sc->os, "2008r2") == 0) &&
		    !(sc->breaks & B_MSLLDP))
			continue;
		snprintf(key, sizeof(key), SVC "%s", d->name);
		W(regf_writer_set_dword(w, key, "Type", d->type));
		W(regf_writer_set_dword(w, key, "Start", d->start));
		W(regf_writer_set_dword(w, key, "ErrorControl", 1));
		W(regf_writer_set_expand_sz(w, key, "ImagePath", d->image));
		W(regf_writer_set_sz(w, key, "DisplayName", d->display));
		if (d->object)
			W(regf_writer_set_sz(w, key, "ObjectName", d->object));
		if (d->deps) {
			char tmp[256], *save = NULL, *t;
			const char *list[8];
			size_t n = 0;

			snprintf(tmp, sizeof(tmp), "%s", d->deps);
			for (t = strtok_r(tmp, "|", &save); t && n < 8; t = strtok_r(NULL, "|", &save))
				list[n++] = t;
			W(regf_writer_set_multi_sz(w, key, "DependOnService", list, n));
		}
		if (d->dll) {
			snprintf(key, sizeof(key), SVC "%s\\Parameters", d->name);
			W(regf_writer_set_expand_sz(w, key, "ServiceDll", d->dll));
		}
	}
	/* CryptSvc carries an explicit descriptor (the SCM default, as Windows
	 * writes it); EventSystem has none (= the SCM default). */
	if (reg_sd(w, "CryptSvc", (sc->breaks & B_CAUSE3) ?
		   "D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)" : SCN_SDDL_SCM_DEFAULT, err) < 0)
		return err->code;
	if (sc->breaks & B_MSLLDP)
		if (reg_sd(w, "MsLldp", "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)", err) < 0)
			return err->code;
	if (sc->breaks & B_CAUSE2)
		W(regf_writer_set_dword(w, SVC "CryptSvc", "Start", 4));
	if (sc->breaks & B_IMAGEPATH) {
		/* an agent installed with forward slashes (KB 968247) */
		W(regf_writer_set_dword(w, SVC "FooAgent", "Type", 0x10));
		W(regf_writer_set_dword(w, SVC "FooAgent", "Start", 2));
		W(regf_writer_set_dword(w, SVC "FooAgent", "ErrorControl", 1));
		W(regf_writer_set_expand_sz(w, SVC "FooAgent", "ImagePath", SCN_BAD_IMAGEPATH));
		W(regf_writer_set_sz(w, SVC "FooAgent", "DisplayName", "Foo Backup Agent"));
		W(regf_writer_set_sz(w, SVC "FooAgent", "ObjectName", "LocalSystem"));
	}
	W(regf_writer_set_dword(w, SVC "VSS\\VssAccessControl", "NT Authority\\NetworkService",
				(sc->breaks & B_VSSACL) ? 0 : 1));
	if (sc->letters) {
		char *copy = strdup(sc->letters), *save = NULL, *line;
		unsigned n = 0;
		int rc = 0;

		if (!copy)
			return err_set(err, -E_NOMEM, "out of memory");
		for (line = strtok_r(copy, "\n", &save); line && rc == 0;
		     line = strtok_r(NULL, "\n", &save))
			rc = letter_line(w, line, ++n, err);
		free(copy);
		if (rc < 0)
			return rc;
	}
	/* VSS\Diag and the writer's subkey with their own descriptors, as
	 * Windows 8 / 10 ship them (KB 2298620: NETWORK SERVICE must write) */
	if (key_sd(w, SVC "VSS\\Diag", (sc->breaks & B_DIAGACL) ? SCN_SDDL_DIAG_NO_NS : SCN_SDDL_DIAG, err) < 0 ||
	    key_sd(w, SVC "VSS\\Diag\\System Writer", SCN_SDDL_DIAG_SUBKEY, err) < 0)
		return err->code;
	return 0;
}

static int build_software(struct scn *sc, struct regf_writer *w, struct err *err)
{
	const struct os_def *os = &oses[1];
	const char *cv = "Microsoft\\Windows NT\\CurrentVersion";
	const char *sh = "Microsoft\\Windows NT\\CurrentVersion\\Svchost";
	static const char *const netsvc[] = { "CryptSvc", "Dnscache", "LanmanWorkstation", "NlaSvc", "TermService" };
	static const char *const local[] = { "EventSystem", "W32Time", "nsi" };
	static const char *const swprv[] = { "swprv" };
	static const char *const rpcss[] = { "RpcEptMapper", "RpcSs" };
	static const char *const dcom[] = { "DcomLaunch", "PlugPlay", "Power" };
	size_t i;

	for (i = 0; i < sizeof(oses) / sizeof(oses[0]); i++)
		if (strcmp(oses[i].id, sc->os) == 0)
			os = &oses[i];
	W(regf_writer_set_sz(w, cv, "ProductName", os->product));
	W(regf_writer_set_sz(w, cv, "CurrentVersion", os->version));
	W(regf_writer_set_sz(w, cv, "CurrentBuild", os->build));
	W(regf_writer_set_sz(w, cv, "CurrentBuildNumber", os->build));
	{
		char root[80];

		snprintf(root, sizeof(root), "C:\\%s", sc->windir);
		W(regf_writer_set_sz(w, cv, "SystemRoot", root));
	}
	if (os->major)
		W(regf_writer_set_dword(w, cv, "CurrentMajorVersionNumber", (uint32_t)os->major));
	W(regf_writer_set_multi_sz(w, sh, "NetworkService", netsvc, 5));
	W(regf_writer_set_multi_sz(w, sh, "LocalService", local, 3));
	W(regf_writer_set_multi_sz(w, sh, "swprv", swprv, 1));
	W(regf_writer_set_multi_sz(w, sh, "rpcss", rpcss, 2));
	W(regf_writer_set_multi_sz(w, sh, "DcomLaunch", dcom, 3));
	W(regf_writer_add_key(w, "Microsoft\\EventSystem\\{26c409cc-ae86-11d1-b616-00805fc79216}\\Subscriptions"));
	/* machine-wide COM limits as Windows writes them (REG_BINARY) */
	{
		uint8_t *bin = NULL;
		size_t len = 0;

		if (sd_bin((sc->breaks & B_COMSEC) ? SCN_SDDL_COM_ACCESS_NO_EVERYONE : SCN_SDDL_COM_ACCESS,
			   &bin, &len, err) < 0)
			return err->code;
		if (regf_writer_set_binary(w, "Microsoft\\Ole", "MachineAccessRestriction", bin, len) < 0) {
			free(bin);
			return err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w));
		}
		free(bin);
		if (sd_bin(SCN_SDDL_COM_LAUNCH, &bin, &len, err) < 0)
			return err->code;
		if (regf_writer_set_binary(w, "Microsoft\\Ole", "MachineLaunchRestriction", bin, len) < 0) {
			free(bin);
			return err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w));
		}
		free(bin);
	}
	return 0;
}

/* reg HIVE TYPE KEY [NAME [VALUE]] */
static int reg_line(struct regf_writer *sys, struct regf_writer *sw, char *p,
		    struct err *err)
{
	char *hive = word(&p), *type = word(&p), *key = word(&p), *name;
	struct regf_writer *w;
	int rc;

	if (!hive || !type || !key)
		return err_set(err, -E_USAGE, "reg HIVE TYPE KEY [NAME [VALUE]]");
	w = strcmp(hive, "system") == 0 ? sys : strcmp(hive, "software") == 0 ? sw : NULL;
	if (!w)
		return err_set(err, -E_USAGE, "reg: hive is system or software");
	if (strcmp(type, "key") == 0) {
		rc = regf_writer_add_key(w, key);
		goto out;
	}
	name = word(&p);
	if (!name)
		return err_set(err, -E_USAGE, "reg %s: no value name", type);
	while (*p == ' ' || *p == '\t')
		p++;
	if (strcmp(type, "dword") == 0) {
		rc = regf_writer_set_dword(w, key, name, (uint32_t)strtoul(p, NULL, 0));
	} else if (strcmp(type, "sz") == 0) {
		rc = regf_writer_set_sz(w, key, name, p);
	} else if (strcmp(type, "expand_sz") == 0) {
		rc = regf_writer_set_expand_sz(w, key, name, p);
	} else if (strcmp(type, "multi_sz") == 0) {
		const char *list[64];
		char *save = NULL, *t;
		size_t n = 0;

		for (t = strtok_r(p, "|", &save); t && n < 64; t = strtok_r(NULL, "|", &save))
			list[n++] = t;
		rc = regf_writer_set_multi_sz(w, key, name, list, n);
	} else if (strcmp(type, "hex") == 0 || strcmp(type, "sddl") == 0) {
		uint8_t *bin = NULL;
		size_t len = 0;

		if (strcmp(type, "sddl") == 0) {
			if (sd_bin(p, &bin, &len, err) < 0)
				return err->code;
		} else {
			bin = malloc(strlen(p) / 2 + 1);
			if (!bin)
				return err_set(err, -E_NOMEM, "out of memory");
			for (; *p; p++) {
				unsigned v;
				if (*p == ' ')
					continue;
				if (sscanf(p, "%2x", &v) != 1)
					break;
				bin[len++] = (uint8_t)v;
				p++;
			}
		}
		rc = regf_writer_set_binary(w, key, name, bin, len);
		free(bin);
	} else if (strcmp(type, "delete") == 0) {
		rc = regf_writer_delete_value(w, key, name);
	} else if (strcmp(type, "keysd") == 0) {
		/* reg HIVE keysd KEY SDDL: the SDDL is "name" and the rest */
		char *sddl = NULL;

		if (asprintf(&sddl, "%s%s%s", name, *p ? " " : "", p) < 0)
			return err_set(err, -E_NOMEM, "out of memory");
		rc = key_sd(w, key, sddl, err);
		free(sddl);
		return rc;
	} else {
		return err_set(err, -E_USAGE, "reg: unknown type '%s'", type);
	}
out:
	return rc < 0 ? err_set(err, -E_USAGE, "reg: %s", regf_writer_error(w)) : 0;
}

/* The sequence numbers of a logged hive: the primary says a write began
 * (5) but did not finish (4); its LOG1 carries that write. */
#define LOG_SEQ 5u

/* "log system|software new|old [corrupt N] [pages N]": snapshot the hive
 * now; the reg lines after this one reach it only through its LOG1. */
static int log_line(struct scn *sc, struct regf_writer *sys,
		    struct regf_writer *sw, char *p, struct err *err)
{
	char *hive = word(&p), *fmt = word(&p), *k;

	if (!hive || !fmt)
		return err_set(err, -E_USAGE, "log system|software new|old [corrupt N] [pages N]");
	if (sc->log_w)
		return err_set(err, -E_USAGE, "log: one logged hive per scenario");
	sc->log_w = strcmp(hive, "system") == 0 ? sys : strcmp(hive, "software") == 0 ? sw : NULL;
	if (!sc->log_w)
		return err_set(err, -E_USAGE, "log: hive is system or software");
	if (strcmp(fmt, "new") != 0 && strcmp(fmt, "old") != 0)
		return err_set(err, -E_USAGE, "log: format is new or old");
	sc->log_old_format = fmt[0] == 'o';
	sc->log_corrupt = -1;
	while ((k = word(&p))) {
		char *v = word(&p);

		if (!v)
			return err_set(err, -E_USAGE, "log: '%s' needs a number", k);
		if (strcmp(k, "corrupt") == 0)
			sc->log_corrupt = atoi(v);
		else if (strcmp(k, "pages") == 0)
			sc->log_pages = (unsigned)strtoul(v, NULL, 10);
		else
			return err_set(err, -E_USAGE, "log: unknown option '%s'", k);
	}
	if (regf_writer_serialize(sc->log_w, 3, LOG_SEQ, LOG_SEQ - 1, &sc->log_old,
				  &sc->log_old_len) < 0)
		return err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(sc->log_w));
	return 0;
}

/* The dirty primary (the snapshot) and a LOG1 that replays it into the
 * hive's final state. */
static int write_logged_hive(struct scn *sc, struct ntfs_builder *b,
			     struct regf_writer *w, const char *path,
			     struct err *err)
{
	struct regf_log_options opt;
	uint8_t *nw = NULL, *log = NULL;
	size_t nlen = 0, loglen = 0;
	char logpath[512];
	int rc;

	memset(&opt, 0, sizeof(opt));
	opt.pages_per_entry = sc->log_pages;
	opt.corrupt_entry = sc->log_corrupt;
	if (regf_writer_serialize(w, 3, LOG_SEQ, LOG_SEQ, &nw, &nlen) < 0)
		return err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w));
	rc = sc->log_old_format ?
		regf_log_write_old(sc->log_old, sc->log_old_len, nw, nlen, &opt, &log, &loglen) :
		regf_log_write_new(sc->log_old, sc->log_old_len, nw, nlen, &opt, &log, &loglen);
	free(nw);
	if (rc < 0)
		return err_set(err, -E_INTERNAL, "hive log: cannot write it (%d)", rc);
	rc = ntfs_builder_write(b, path, sc->log_old, sc->log_old_len, err);
	snprintf(logpath, sizeof(logpath), "%s.LOG1", path);
	if (rc == 0)
		rc = ntfs_builder_write(b, logpath, log, loglen, err);
	free(log);
	return rc;
}

static int write_hive(struct ntfs_builder *b, struct regf_writer *w,
		      const char *path, struct err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	if (regf_writer_serialize(w, 3, 1, 1, &buf, &len) < 0)
		return err_set(err, -E_INTERNAL, "hive: %s", regf_writer_error(w));
	rc = ntfs_builder_write(b, path, buf, len, err);
	free(buf);
	return rc;
}

/* "bcd ROOT...": Boot\BCD with one Windows Boot Loader object per ROOT
 * (Objects\{GUID}\Description Type 0x10200003, Elements\12000004 its
 * description, Elements\22000002 its SystemRoot ROOT) and the boot
 * manager object {9dea862c-5cdd-4e70-acc1-f32b344d4795}. */
static int write_bcd(struct ntfs_builder *b, const char *roots, struct err *err)
{
	struct regf_writer *w = regf_writer_new("\\Device\\HarddiskVolume1\\Boot\\BCD");
	char *copy = strdup(roots), *p, *root, key[160];
	unsigned i = 0;
	int rc = 0;

	if (!w || !copy) {
		regf_writer_free(w);
		free(copy);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	p = copy;
	if (regf_writer_set_dword(w, "Objects\\{9dea862c-5cdd-4e70-acc1-f32b344d4795}\\Description",
				  "Type", 0x10100002u) < 0)
		rc = -1;
	while (rc == 0 && (root = word(&p)) && *root) {
		char obj[96], el[128];

		snprintf(obj, sizeof(obj), "Objects\\{7619dcc9-fafe-11d9-b411-%012x}", ++i);
		snprintf(key, sizeof(key), "%s\\Description", obj);
		if (regf_writer_set_dword(w, key, "Type", 0x10200003u) < 0)
			rc = -1;
		snprintf(el, sizeof(el), "%s\\Elements\\12000004", obj);
		if (rc == 0 && regf_writer_set_sz(w, el, "Element", "Windows Server") < 0)
			rc = -1;
		snprintf(el, sizeof(el), "%s\\Elements\\22000002", obj);
		if (rc == 0 && regf_writer_set_sz(w, el, "Element", root) < 0)
			rc = -1;
	}
	free(copy);
	if (rc < 0) {
		rc = err_set(err, -E_INTERNAL, "bcd: %s", regf_writer_error(w));
		regf_writer_free(w);
		return rc;
	}
	rc = ntfs_builder_mkdir(b, "Boot", err);
	if (rc == 0)
		rc = write_hive(b, w, "Boot\\BCD", err);
	regf_writer_free(w);
	return rc;
}

static int sddl_on(struct ntfs_builder *b, const char *path, const char *sddl,
		   struct err *err)
{
	uint8_t *bin = NULL;
	size_t len = 0;
	int rc = sd_bin(sddl, &bin, &len, err);

	if (rc == 0)
		rc = ntfs_builder_set_sd(b, path, bin, len, err);
	free(bin);              /* NULL when sd_bin failed */
	return rc;
}

/* Unescape \\n \\r \\t \\\\ \\" in place (webconfig text). */
static void unescape_text(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s == 't' ? '\t' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

#define FILEMAPS "Windows\\WinSxS\\FileMaps"

/* One NTFS preset line (see scenario.h), run on the mounted builder after
 * the fixed tree and before the raw "vol" lines. */
static int ntfs_preset(const struct scn *sc, struct ntfs_builder *b, char *p,
		       struct err *err)
{
	char *verb = word(&p), *a1, path[1024], tmp[1024];

	if (!verb)
		return 0;
	if (strcmp(verb, "filemaps_deny") == 0) {
		char *k = word(&p);

		if (!k)
			return err_set(err, -E_USAGE, "filemaps_deny K [SDDL]");
		while (*p == ' ' || *p == '\t')
			p++;
		snprintf(tmp, sizeof(tmp), FILEMAPS "\\fm_%05lu.cdf-ms", strtoul(k, NULL, 10));
		return sddl_on(b, wp(sc, tmp, path, sizeof(path)), *p ? p : SCN_SDDL_WINSXS_DENY_USERS, err);
	}
	a1 = word(&p);
	while (*p == ' ' || *p == '\t')
		p++;
	if (!a1)
		return err_set(err, -E_USAGE, "%s: missing argument", verb);
	if (strcmp(verb, "folders") == 0) {
		char *n = word(&p), *prefix = word(&p);

		if (!n)
			return err_set(err, -E_USAGE, "folders PATH N [PREFIX]");
		return ntfs_builder_fill(b, a1, strtoul(n, NULL, 10),
					 prefix ? prefix : "dir", 0, err);
	}
	if (strcmp(verb, "webconfig") == 0) {
		/* a1: v2.0.50727 or Framework64\v4.0.30319 */
		snprintf(tmp, sizeof(tmp), "Windows\\Microsoft.NET\\%s%s\\CONFIG\\Web.config",
			 strchr(a1, '\\') ? "" : "Framework\\", a1);
		unescape_text(p);
		return ntfs_builder_write(b, wp(sc, tmp, path, sizeof(path)), p, strlen(p), err);
	}
	if (strcmp(verb, "junction") == 0) {
		if (!*p)
			return err_set(err, -E_USAGE, "junction PATH TARGET");
		return ntfs_builder_junction(b, a1, p, err);
	}
	if (strcmp(verb, "sddl") == 0) {
		if (!*p)
			return err_set(err, -E_USAGE, "sddl PATH SDDL");
		return sddl_on(b, a1, p, err);
	}
	if (strcmp(verb, "binary") == 0)
		return ntfs_builder_write(b, a1, "MZ", 2, err);
	if (strcmp(verb, "wsblog") == 0) {
		/* Windows\Logs\WindowsServerBackup\NAME as UTF-16LE with a BOM */
		uint8_t *u;
		size_t n, i, k = 2;
		int rc;

		unescape_text(p);
		n = strlen(p);
		u = malloc(2 * n + 2);
		if (!u)
			return err_set(err, -E_NOMEM, "out of memory");
		u[0] = 0xff;
		u[1] = 0xfe;
		for (i = 0; i < n; i++) {
			/* ASCII and Latin-1 bytes as code units (test text) */
			u[k++] = (uint8_t)p[i];
			u[k++] = 0;
		}
		char full[512];

		snprintf(full, sizeof(full), "Windows\\Logs\\WindowsServerBackup\\%s", a1);
		rc = ntfs_builder_write(b, wp(sc, full, path, sizeof(path)), u, k, err);
		free(u);
		return rc;
	}
	return err_set(err, -E_USAGE, "unknown preset '%s'", verb);
}

/* The event logs a scenario can write (only those its lines name). */
static const struct { const char *name, *path; } scn_evtx[3] = {
	{ "application", "Windows\\System32\\winevt\\Logs\\Application.evtx" },
	{ "system", "Windows\\System32\\winevt\\Logs\\System.evtx" },
	{ "capi2", "Windows\\System32\\winevt\\Logs\\Microsoft-Windows-CAPI2%4Operational.evtx" },
};

/* event LOG FIELDS / evtx LOG INSTRUCTION: one record (evtx_writer.h's
 * fields) or one line of its spec language (dirty 1, computer X, bulk N). */
static int evtx_line(struct scn *sc, const char *verb, char *p, unsigned lineno,
		     struct err *err)
{
	char *name = word(&p);
	size_t i;
	int rc;

	for (i = 0; name && i < 3; i++)
		if (strcmp(name, scn_evtx[i].name) == 0)
			break;
	if (!name || i == 3)
		return err_set(err, -E_USAGE, "line %u: %s application|system|capi2 ...", lineno, verb);
	if (!sc->evtx[i] && !(sc->evtx[i] = evtx_writer_new()))
		return err_set(err, -E_NOMEM, "out of memory");
	while (*p == ' ' || *p == '\t')
		p++;
	if (strcmp(verb, "event") == 0)
		rc = evtx_writer_add_fields(sc->evtx[i], p);
	else
		rc = evtx_writer_apply_spec(sc->evtx[i], p);
	if (rc < 0)
		return err_set(err, -E_USAGE, "line %u: %s %s: %s", lineno, verb, name,
			       evtx_writer_errmsg(sc->evtx[i]));
	return 0;
}

static int write_evtx(struct scn *sc, struct ntfs_builder *b, struct err *err)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < 3 && rc == 0; i++) {
		uint8_t *buf = NULL;
		size_t len = 0;

		if (!sc->evtx[i])
			continue;
		if (evtx_writer_serialize(sc->evtx[i], &buf, &len) < 0)
			return err_set(err, -E_INTERNAL, "%s log: %s", scn_evtx[i].name,
				       evtx_writer_errmsg(sc->evtx[i]));
		{
			char path[512];

			rc = ntfs_builder_write(b, wp(sc, scn_evtx[i].path, path, sizeof(path)),
						buf, len, err);
		}
		free(buf);
	}
	return rc;
}

static int build_volume(struct scn *sc, struct regf_writer *sys,
			struct regf_writer *sw, const char *out, struct err *err)
{
	static const char *const vol_fixed[] = {
		"Windows\\WinSxS\\FileMaps",
		"Windows\\WinSxS\\Temp",
		"Windows\\System32\\winevt\\Logs",
		"Windows\\Microsoft.NET\\Framework\\v2.0.50727\\Temporary ASP.NET Files",
		"Windows\\Microsoft.NET\\Framework\\v2.0.50727\\CONFIG",
		"Windows\\Microsoft.NET\\Framework\\v4.0.30319\\Temporary ASP.NET Files",
		"Windows\\Microsoft.NET\\Framework\\v4.0.30319\\CONFIG",
		"Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files",
		"Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\CONFIG",
		"Users", "ProgramData", "Program Files",
	};
	static const char *const filemaps[] = {
		"program_files_x86_common_files_b3f8a0a7e4e6d3b1.cdf-ms",
		"windows_system32_5a2b8d4e1f0c3a7b.cdf-ms",
		"windows_winsxs_0c2f3e1d5b7a9c8e.cdf-ms",
	};
	static const char *const webconfig =
		"<?xml version=\"1.0\" encoding=\"utf-8\"?>\r\n<configuration>\r\n"
		"  <system.web>\r\n    <compilation debug=\"false\" />\r\n  </system.web>\r\n"
		"</configuration>\r\n";
	struct ntfs_builder *b = NULL;
	char path[512], rel[512], *save = NULL, *line;
	size_t i;
	int rc;

	rc = ntfs_builder_new(&b, out, (uint64_t)sc->size, "Windows", err);
	if (rc < 0)
		return rc;
	for (i = 0; i < sizeof(vol_fixed) / sizeof(vol_fixed[0]) && rc == 0; i++)
		rc = ntfs_builder_mkdir(b, wp(sc, vol_fixed[i], path, sizeof(path)), err);
	for (i = 0; i < sizeof(files) / sizeof(files[0]) && rc == 0; i++) {
		if ((sc->breaks & B_BINARY) && strstr(files[i], "es.dll"))
			continue;
		rc = ntfs_builder_write(b, wp(sc, files[i], path, sizeof(path)), "MZ", 2, err);
	}
	if (rc == 0)
		rc = sc->log_w == sys ?
			write_logged_hive(sc, b, sys, wp(sc, "Windows\\System32\\config\\SYSTEM", path, sizeof(path)), err) :
			write_hive(b, sys, wp(sc, "Windows\\System32\\config\\SYSTEM", path, sizeof(path)), err);
	if (rc == 0)
		rc = sc->log_w == sw ?
			write_logged_hive(sc, b, sw, wp(sc, "Windows\\System32\\config\\SOFTWARE", path, sizeof(path)), err) :
			write_hive(b, sw, wp(sc, "Windows\\System32\\config\\SOFTWARE", path, sizeof(path)), err);
	if (rc == 0)
		rc = write_evtx(sc, b, err);
	if (rc == 0 && sc->bcd)
		rc = write_bcd(b, sc->bcd, err);
	if (rc == 0 && (sc->breaks & B_IMAGEPATH))
		rc = ntfs_builder_write(b, "Program Files\\Foo Agent\\agent.exe", "MZ", 2, err);
	/* WinSxS: FileMaps and its files, PendingRenames */
	if (rc == 0)
		rc = sddl_on(b, wp(sc, "Windows\\WinSxS\\FileMaps", path, sizeof(path)), SCN_SDDL_WINSXS_DIR_OK, err);
	for (i = 0; i < sizeof(filemaps) / sizeof(filemaps[0]) && rc == 0; i++) {
		snprintf(rel, sizeof(rel), "Windows\\WinSxS\\FileMaps\\%s", filemaps[i]);
		wp(sc, rel, path, sizeof(path));
		rc = ntfs_builder_write(b, path, "\0\0\0\0", 4, err);
		if (rc == 0)
			rc = sddl_on(b, path, SCN_SDDL_WINSXS_OK, err);
	}
	for (i = 1; i <= sc->filemaps_files && rc == 0; i++) {
		snprintf(rel, sizeof(rel), FILEMAPS "\\fm_%05zu.cdf-ms", i);
		wp(sc, rel, path, sizeof(path));
		rc = ntfs_builder_write(b, path, "\0\0\0\0", 4, err);
		if (rc == 0)
			rc = sddl_on(b, path, SCN_SDDL_WINSXS_OK, err);
	}
	if (rc == 0 && !sc->pending_absent)
		rc = ntfs_builder_write(b, wp(sc, "Windows\\WinSxS\\Temp\\PendingRenames", path, sizeof(path)), "", 0, err);
	if (rc == 0 && !sc->pending_absent)
		rc = sddl_on(b, wp(sc, "Windows\\WinSxS\\Temp\\PendingRenames", path, sizeof(path)),
			     sc->pending_sddl ? sc->pending_sddl :
			     (sc->breaks & B_CAUSE1) ? SCN_SDDL_WINSXS_BROKEN : SCN_SDDL_WINSXS_OK, err);
	/* .NET Framework */
	if (rc == 0)
		rc = ntfs_builder_write(b, wp(sc, "Windows\\Microsoft.NET\\Framework\\v2.0.50727\\CONFIG\\Web.config", path, sizeof(path)),
					webconfig, strlen(webconfig), err);
	if (rc == 0)
		rc = ntfs_builder_write(b, wp(sc, "Windows\\Microsoft.NET\\Framework\\v4.0.30319\\CONFIG\\Web.config", path, sizeof(path)),
					webconfig, strlen(webconfig), err);
	if (rc == 0)
		rc = ntfs_builder_fill(b, wp(sc, "Windows\\Microsoft.NET\\Framework\\v2.0.50727\\Temporary ASP.NET Files", path, sizeof(path)),
				       (sc->breaks & B_CAUSE4) ? sc->aspnet : 12, "root_", 0, err);
	/* NTFS presets, in order */
	for (line = sc->ntfs_lines ? strtok_r(sc->ntfs_lines, "\n", &save) : NULL;
	     line && rc == 0; line = strtok_r(NULL, "\n", &save))
		rc = ntfs_preset(sc, b, line, err);
	save = NULL;
	/* raw volume lines, in order */
	for (line = sc->vol_lines ? strtok_r(sc->vol_lines, "\n", &save) : NULL;
	     line && rc == 0; line = strtok_r(NULL, "\n", &save)) {
		char *tmp = NULL;

		if (asprintf(&tmp, "%s\n", line) < 0)
			rc = err_set(err, -E_NOMEM, "out of memory");
		else {
			/* reuse the spec interpreter on the mounted builder */
			rc = ntfs_builder_run_line(b, tmp, NULL, err);
			free(tmp);
		}
	}
	if (rc < 0) {
		struct err e2;
		err_init(&e2);
		ntfs_builder_finish(b, &e2);
		return rc;
	}
	return ntfs_builder_finish(b, err);
}

/* "services N": N more services and drivers, as a big server has (every
 * third with its own descriptor, all readable by the System Writer). */
static int add_services(struct regf_writer *w, unsigned long n, struct err *err)
{
	unsigned long i;
	char key[128], img[160];

	for (i = 1; i <= n; i++) {
		int drv = i % 4 == 0;

		snprintf(key, sizeof(key), SVC "Svc%05lu", i);
		if (drv)
			snprintf(img, sizeof(img), "System32\\drivers\\tcpip.sys");
		else
			snprintf(img, sizeof(img), "%%SystemRoot%%\\System32\\svchost.exe -k netsvcs -p");
		W(regf_writer_set_dword(w, key, "Type", drv ? 1 : 0x20));
		W(regf_writer_set_dword(w, key, "Start", 3));
		W(regf_writer_set_dword(w, key, "ErrorControl", 1));
		W(regf_writer_set_expand_sz(w, key, "ImagePath", img));
		W(regf_writer_set_sz(w, key, "DisplayName", key + sizeof(SVC) - 1));
		if (!drv) {
			char par[160];

			W(regf_writer_set_sz(w, key, "ObjectName", "LocalSystem"));
			snprintf(par, sizeof(par), "%s\\Parameters", key);
			W(regf_writer_set_expand_sz(w, par, "ServiceDll", "%SystemRoot%\\System32\\rpcss.dll"));
		}
		if (i % 3 == 0 && reg_sd(w, key + sizeof(SVC) - 1, SCN_SDDL_SCM_DEFAULT, err) < 0)
			return err->code;
	}
	return 0;
}

/* "pad HIVE SIZE": filler keys of 4 KiB values under root until about SIZE
 * bytes were added (a realistic 30-40 MB hive for the benchmark). */
static int pad_hive(struct regf_writer *w, const char *root, unsigned long size,
		    struct err *err)
{
	static uint8_t blob[4096];
	unsigned long added = 0, k = 0;
	char key[256];
	size_t i;

	for (i = 0; i < sizeof(blob); i++)
		blob[i] = (uint8_t)(i * 7 + 3);
	while (added < size) {
		snprintf(key, sizeof(key), "%s\\{%08lX-0000-0000-0000-%012lX}", root, k / 16, k);
		W(regf_writer_set_binary(w, key, "Data", blob, sizeof(blob)));
		W(regf_writer_set_sz(w, key, "", "filler"));
		added += 2 * sizeof(blob) + 250;   /* measured: value cell + key + lists */
		k++;
	}
	return 0;
}

int scenario_build(const char *text, const char *out_path, struct err *err)
{
	struct scn sc;
	struct regf_writer *sys = NULL, *sw = NULL;
	char *copy = strdup(text), *save = NULL, *line;
	unsigned lineno = 0;
	int rc = 0;

	memset(&sc, 0, sizeof(sc));
	snprintf(sc.os, sizeof(sc.os), "2008r2");
	snprintf(sc.windir, sizeof(sc.windir), "Windows");
	sc.size = 96ul << 20;
	sc.aspnet = 1200;
	sc.err = err;
	if (!copy)
		return err_set(err, -E_NOMEM, "out of memory");
	for (line = strtok_r(copy, "\n", &save); line && rc == 0;
	     line = strtok_r(NULL, "\n", &save)) {
		char *p = line, *verb;

		lineno++;
		verb = word(&p);
		if (!verb || verb[0] == '#')
			continue;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strcmp(verb, "os") == 0) {
			snprintf(sc.os, sizeof(sc.os), "%s", p);
		} else if (strcmp(verb, "windir") == 0) {
			if (!*p || strchr(p, '\\') || strchr(p, '/') || strlen(p) >= sizeof(sc.windir))
				rc = err_set(err, -E_USAGE, "line %u: windir NAME (one folder name)", lineno);
			else
				snprintf(sc.windir, sizeof(sc.windir), "%s", p);
		} else if (strcmp(verb, "bcd") == 0) {
			free(sc.bcd);
			sc.bcd = *p ? strdup(p) : NULL;
			if (!sc.bcd)
				rc = err_set(err, -E_USAGE, "line %u: bcd ROOT... (e.g. \\WINNT)", lineno);
		} else if (strcmp(verb, "letter") == 0) {
			if (append(&sc.letters, p) < 0)
				rc = err_set(err, -E_NOMEM, "out of memory");
		} else if (strcmp(verb, "size") == 0) {
			char *end;
			sc.size = strtoul(p, &end, 10);
			if (*end == 'M' || *end == 'm')
				sc.size <<= 20;
			else if (*end == 'G' || *end == 'g')
				sc.size <<= 30;
		} else if (strcmp(verb, "services") == 0) {
			sc.extra_services = strtoul(p, NULL, 10);
		} else if (strcmp(verb, "pad") == 0) {
			char *hive = word(&p), *end;
			unsigned long v = strtoul(p, &end, 10);

			v <<= (*end == 'M' || *end == 'm') ? 20 : (*end == 'K' || *end == 'k') ? 10 : 0;
			if (hive && strcmp(hive, "system") == 0)
				sc.pad_system = v;
			else if (hive && strcmp(hive, "software") == 0)
				sc.pad_software = v;
			else
				rc = err_set(err, -E_USAGE, "line %u: pad system|software SIZE", lineno);
		} else if (strcmp(verb, "aspnet_folders") == 0) {
			sc.aspnet = strtoul(p, NULL, 10);
		} else if (strcmp(verb, "break") == 0) {
			char *b;
			while ((b = word(&p))) {
				if (strcmp(b, "cause1") == 0) sc.breaks |= B_CAUSE1;
				else if (strcmp(b, "cause2") == 0) sc.breaks |= B_CAUSE2;
				else if (strcmp(b, "cause3") == 0) sc.breaks |= B_CAUSE3;
				else if (strcmp(b, "cause4") == 0) sc.breaks |= B_CAUSE4;
				else if (strcmp(b, "mslldp") == 0) sc.breaks |= B_MSLLDP;
				else if (strcmp(b, "binary") == 0) sc.breaks |= B_BINARY;
				else if (strcmp(b, "vssacl") == 0) sc.breaks |= B_VSSACL;
				else if (strcmp(b, "diagacl") == 0) sc.breaks |= B_DIAGACL;
				else if (strcmp(b, "comsec") == 0) sc.breaks |= B_COMSEC;
				else if (strcmp(b, "imagepath") == 0) sc.breaks |= B_IMAGEPATH;
				else
					rc = err_set(err, -E_USAGE, "line %u: unknown break '%s'", lineno, b);
			}
		} else if (strcmp(verb, "reg") == 0) {
			if (append(&sc.reg_lines, p) < 0)
				rc = err_set(err, -E_NOMEM, "out of memory");
		} else if (strcmp(verb, "pendingrenames") == 0) {
			if (strcmp(p, "absent") == 0) {
				sc.pending_absent = 1;
			} else {
				free(sc.pending_sddl);
				sc.pending_sddl = strdup(p);
				if (!sc.pending_sddl)
					rc = err_set(err, -E_NOMEM, "out of memory");
			}
		} else if (strcmp(verb, "filemaps_files") == 0) {
			sc.filemaps_files = strtoul(p, NULL, 10);
		} else if (strcmp(verb, "filemaps_deny") == 0 || strcmp(verb, "folders") == 0 ||
			   strcmp(verb, "webconfig") == 0 || strcmp(verb, "junction") == 0 ||
			   strcmp(verb, "sddl") == 0 || strcmp(verb, "binary") == 0 ||
			   strcmp(verb, "wsblog") == 0) {
			char *full = NULL;

			if (asprintf(&full, "%s %s", verb, p) < 0 || append(&sc.ntfs_lines, full) < 0)
				rc = err_set(err, -E_NOMEM, "out of memory");
			free(full);
		} else if (strcmp(verb, "log") == 0) {
			char *tmp = NULL;

			/* kept in order among the reg lines */
			if (asprintf(&tmp, "@log %s", p) < 0 || append(&sc.reg_lines, tmp) < 0)
				rc = err_set(err, -E_NOMEM, "out of memory");
			free(tmp);
		} else if (strcmp(verb, "vol") == 0) {
			if (append(&sc.vol_lines, p) < 0)
				rc = err_set(err, -E_NOMEM, "out of memory");
		} else if (strcmp(verb, "event") == 0 || strcmp(verb, "evtx") == 0) {
			rc = evtx_line(&sc, verb, p, lineno, err);
		} else {
			rc = err_set(err, -E_USAGE, "line %u: unknown instruction '%s'", lineno, verb);
		}
	}
	if (rc < 0)
		goto out;
	sys = regf_writer_new("CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}");
	sw = regf_writer_new("CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}");
	if (!sys || !sw) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = build_system(&sc, sys, err);
	if (rc == 0)
		rc = build_software(&sc, sw, err);
	if (rc == 0)
		rc = add_services(sys, sc.extra_services, err);
	if (rc == 0)
		rc = pad_hive(sys, "ControlSet001\\Control\\Class", sc.pad_system, err);
	if (rc == 0)
		rc = pad_hive(sw, "Classes\\CLSID", sc.pad_software, err);
	for (line = sc.reg_lines ? strtok_r(sc.reg_lines, "\n", &save) : NULL;
	     line && rc == 0; line = strtok_r(NULL, "\n", &save))
		rc = strncmp(line, "@log ", 5) == 0 ? log_line(&sc, sys, sw, line + 5, err) :
		     reg_line(sys, sw, line, err);
	if (rc == 0)
		rc = build_volume(&sc, sys, sw, out_path, err);
out:
	regf_writer_free(sys);
	regf_writer_free(sw);
	free(sc.reg_lines);
	free(sc.letters);
	free(sc.bcd);
	free(sc.vol_lines);
	free(sc.log_old);
	free(sc.ntfs_lines);
	free(sc.pending_sddl);
	for (lineno = 0; lineno < 3; lineno++)
		evtx_writer_free(sc.evtx[lineno]);
	free(copy);
	return rc;
}
