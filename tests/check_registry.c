/* The registry collector: hives opened from memory (libregf over a libbfio
 * memory range), value decoding, the service model, hostile hive bytes,
 * and the real Windows hives of ../shared/samples/hives (when present),
 * directly and end to end through scenario volumes. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "filetime.h"
#include "fs.h"
#include "limits.h"
#include "regf_writer.h"
#include "registry.h"
#include "scenario.h"
#include "service_keys.h"
#include "services.h"
#include "testutil.h"
#include "utf16.h"

#define CS "ControlSet001"
#define SVCS CS "\\Services\\"

/* ---- helpers ------------------------------------------------------------- */

static uint8_t *read_all(const char *path, size_t *len)
{
	char *p = tu_read_file(path, len);

	ck_assert_msg(p != NULL, "cannot read %s", path);
	return (uint8_t *)p;
}

/* Serialise w and open it from memory. */
static struct hive *open_writer(struct regf_writer *w, unsigned minor)
{
	struct hive *h = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct err err;

	ck_assert_int_eq(regf_writer_serialize(w, minor, 1, 1, &buf, &len), 0);
	err_init(&err);
	ck_assert_msg(hive_open_memory(&h, "SYSTEM", buf, len, &err) == 0, "%s", err.msg);
	return h;
}

/* A small SYSTEM hive: Select, CryptSvc, EventSystem and a few values of
 * every type, including data over 16 KiB (a "big data" value in 1.5). */
static struct regf_writer *sample_writer(void)
{
	static const char *const deps[] = { "RpcSs", "", "Tcpip" };
	static const uint8_t stub[] = { 0x00, 0x00, 0x0e, 0x00, 0x01 };
	struct regf_writer *w = regf_writer_new("ROOT");
	uint8_t *big = malloc(40000);
	size_t i;

	ck_assert_ptr_nonnull(w);
	ck_assert_ptr_nonnull(big);
	for (i = 0; i < 40000; i++)
		big[i] = (uint8_t)(i * 7 + 3);
	ck_assert_int_eq(regf_writer_set_dword(w, "Select", "Current", 1), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, SVCS "CryptSvc", "Start", 2), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, SVCS "CryptSvc", "Type", 0x20), 0);
	ck_assert_int_eq(regf_writer_set_expand_sz(w, SVCS "CryptSvc", "ImagePath",
						   "%SystemRoot%\\system32\\svchost.exe -k NetworkService -p"), 0);
	ck_assert_int_eq(regf_writer_set_sz(w, SVCS "CryptSvc", "DisplayName",
					    "Cryptographic Services \xe2\x82\xac \xf0\x9f\x98\x80"), 0);
	ck_assert_int_eq(regf_writer_set_multi_sz(w, SVCS "CryptSvc", "DependOnService", deps, 3), 0);
	ck_assert_int_eq(regf_writer_set_expand_sz(w, SVCS "CryptSvc\\Parameters", "ServiceDll",
						   "%SystemRoot%\\system32\\cryptsvc.dll"), 0);
	ck_assert_int_eq(regf_writer_set_binary(w, SVCS "CryptSvc\\Security", "Security",
						stub, sizeof(stub)), 0);
	ck_assert_int_eq(regf_writer_set_binary(w, SVCS "CryptSvc", "Big", big, 40000), 0);
	ck_assert_int_eq(regf_writer_set_qword(w, SVCS "CryptSvc", "Q", 0x1122334455667788ull), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, SVCS "EventSystem", "Start", 4), 0);
	ck_assert_int_eq(regf_writer_set_sz(w, SVCS "EventSystem", "Type", "not a number"), 0);
	free(big);
	return w;
}

/* ---- values ------------------------------------------------------------- */

START_TEST(test_values)
{
	struct regf_writer *w = sample_writer();
	struct hive *h = open_writer(w, _i ? 5 : 3);
	struct hkey *k = NULL, *p = NULL;
	struct reg_value v;
	struct err err;
	char **list = NULL, *s = NULL, name[64];
	size_t n = 0, i;
	uint32_t dw = 0;

	err_init(&err);
	/* case-insensitive paths, absent keys and values */
	ck_assert_int_eq(hive_key(h, "controlset001\\SERVICES\\cryptsvc", &k, &err), 1);
	ck_assert_int_eq(hkey_name(k, name, sizeof(name), &err), 0);
	ck_assert_str_eq(name, "CryptSvc");
	ck_assert_int_eq(hive_key(h, SVCS "NoSuchService", &p, &err), 0);
	ck_assert_ptr_null(p);
	ck_assert_int_eq(hkey_get_dword(k, "NoSuchValue", &dw, &err), 0);
	ck_assert_int_eq(hkey_get_dword(k, "start", &dw, &err), 1);
	ck_assert_uint_eq(dw, 2);
	/* strings: UTF-16LE with non-BMP characters */
	ck_assert_int_eq(hkey_get_string(k, "DisplayName", &s, &err), 1);
	ck_assert_str_eq(s, "Cryptographic Services \xe2\x82\xac \xf0\x9f\x98\x80");
	free(s);
	/* REG_MULTI_SZ: a stray empty string is skipped */
	ck_assert_int_eq(hkey_get_multi(k, "DependOnService", &list, &n, &err), 1);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(list[0], "RpcSs");
	ck_assert_str_eq(list[1], "Tcpip");
	ck_assert_ptr_null(list[2]);
	reg_strv_free(list);
	/* over 16 KiB, byte for byte */
	ck_assert_int_eq(hkey_value(k, "Big", &v, &err), 1);
	ck_assert_uint_eq(v.type, REGV_BINARY);
	ck_assert_uint_eq(v.len, 40000);
	for (i = 0; i < 40000; i++)
		if (v.data[i] != (uint8_t)(i * 7 + 3))
			ck_abort_msg("byte %zu differs", i);
	reg_value_release(&v);
	/* a DWORD asked of a string is an error naming the value */
	ck_assert_int_eq(hkey_get_string(k, "Start", &s, &err), -E_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "Start"));
	ck_assert_int_eq(hkey_subkey(k, "parameters", &p, &err), 1);
	ck_assert_int_eq(hkey_get_string(p, "ServiceDll", &s, &err), 1);
	ck_assert_str_eq(s, "%SystemRoot%\\system32\\cryptsvc.dll");
	free(s);
	hkey_free(p);
	hkey_free(k);
	hive_free(h);
	regf_writer_free(w);
}
END_TEST

struct names {
	char all[512];
	unsigned n;
};

static int name_cb(void *ctx, struct hkey *sub, const char *name)
{
	struct names *nm = ctx;
	size_t l = strlen(nm->all);

	(void)sub;
	snprintf(nm->all + l, sizeof(nm->all) - l, "%s%s", nm->n++ ? "," : "", name);
	return 0;
}

static int value_cb(void *ctx, const char *name, const struct reg_value *v)
{
	struct names *nm = ctx;
	size_t l = strlen(nm->all);

	snprintf(nm->all + l, sizeof(nm->all) - l, "%s%s:%u:%zu", nm->n++ ? "," : "",
		 name, v->type, v->len);
	return 0;
}

static int stop_cb(void *ctx, struct hkey *sub, const char *name)
{
	(void)ctx;
	(void)sub;
	return strcmp(name, "EventSystem") == 0 ? 7 : 0;
}

START_TEST(test_walk)
{
	struct regf_writer *w = sample_writer();
	struct hive *h = open_writer(w, 3);
	struct hkey *k = NULL;
	struct names nm;
	struct err err;
	unsigned count = 0;

	err_init(&err);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(hive_key(h, CS "\\Services", &k, &err), 1);
	ck_assert_int_eq(hkey_subkey_count(k, &count, &err), 0);
	ck_assert_uint_eq(count, 2);
	ck_assert_int_eq(hkey_foreach_subkey(k, name_cb, &nm, &err), 0);
	ck_assert_str_eq(nm.all, "CryptSvc,EventSystem");
	ck_assert_int_eq(hkey_foreach_subkey(k, stop_cb, NULL, &err), 7);
	hkey_free(k);
	memset(&nm, 0, sizeof(nm));
	ck_assert_int_eq(hive_key(h, SVCS "EventSystem", &k, &err), 1);
	ck_assert_int_eq(hkey_foreach_value(k, value_cb, &nm, &err), 0);
	ck_assert_str_eq(nm.all, "Start:4:4,Type:1:26");
	hkey_free(k);
	/* the root */
	ck_assert_int_eq(hive_key(h, "", &k, &err), 1);
	ck_assert_int_eq(hkey_subkey_count(k, &count, &err), 0);
	ck_assert_uint_eq(count, 2);
	hkey_free(k);
	hive_free(h);
	regf_writer_free(w);
}
END_TEST

START_TEST(test_decoding)
{
	static const uint8_t surrogates[] = { 'a', 0, 0x3d, 0xd8, 0x00, 0xde, 0x00, 0xdc, 'b', 0, 0, 0, 'c', 0 };
	static const uint8_t unpaired_high_last[] = { 'x', 0, 0x3d, 0xd8 };
	char *s, when[32];
	struct reg_value v;
	struct err err;
	uint32_t dw;
	char **list;
	size_t n;

	err_init(&err);
	/* U+1F600 as a pair, a lone low surrogate, stop at NUL */
	s = utf16le_to_utf8(surrogates, sizeof(surrogates), NULL);
	ck_assert_str_eq(s, "a\xf0\x9f\x98\x80\xef\xbf\xbd" "b");
	free(s);
	s = utf16le_to_utf8(unpaired_high_last, sizeof(unpaired_high_last), NULL);
	ck_assert_str_eq(s, "x\xef\xbf\xbd");
	free(s);
	/* an odd byte count ignores the last byte */
	s = utf16le_to_utf8((const uint8_t *)"A\0B", 3, NULL);
	ck_assert_str_eq(s, "A");
	free(s);
	/* REG_DWORD sizes */
	v.type = REGV_DWORD;
	v.data = (uint8_t *)"\x01\x02";
	v.len = 2;
	ck_assert_int_eq(reg_value_dword(&v, &dw, &err), -E_CORRUPT);
	v.data = (uint8_t *)"\x01\x02\x03\x04\x05";
	v.len = 5;
	ck_assert_int_eq(reg_value_dword(&v, &dw, &err), 0);
	ck_assert_uint_eq(dw, 0x04030201);
	/* REG_MULTI_SZ with a stray empty string and without its final NULs */
	v.type = REGV_MULTI_SZ;
	v.data = (uint8_t *)"a\0\0\0b\0\0\0\0\0c\0d";
	v.len = 13;
	ck_assert_int_eq(reg_value_multi(&v, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 3);
	ck_assert_str_eq(list[0], "a");
	ck_assert_str_eq(list[1], "b");
	ck_assert_str_eq(list[2], "c");
	ck_assert_ptr_null(list[3]);
	reg_strv_free(list);
	v.len = 0;
	v.data = NULL;
	ck_assert_int_eq(reg_value_multi(&v, &list, &n, &err), 0);
	ck_assert_uint_eq(n, 0);
	reg_strv_free(list);
	v.type = REGV_DWORD;
	ck_assert_int_eq(reg_value_multi(&v, &list, &n, &err), -E_CORRUPT);
	/* FILETIME */
	filetime_iso8601(REGF_WRITER_FILETIME, FILETIME_1970_9999 | FILETIME_EPOCH_UNSET, when, sizeof(when));
	ck_assert_str_eq(when, "2024-01-01T00:00:00Z");
	filetime_iso8601(0, FILETIME_1970_9999 | FILETIME_EPOCH_UNSET, when, sizeof(when));
	ck_assert_str_eq(when, "");
	filetime_iso8601(~0ull, FILETIME_1970_9999 | FILETIME_EPOCH_UNSET, when, sizeof(when));
	ck_assert_str_eq(when, "");
}
END_TEST

/* ---- the service model ---------------------------------------------------- */

START_TEST(test_service_model)
{
	struct regf_writer *w = sample_writer();
	struct hive *h = open_writer(w, 3);
	struct svc sv;
	struct err err;

	err_init(&err);
	ck_assert_int_eq(svc_load(h, CS, "cryptsvc", &sv, &err), 1);
	ck_assert_str_eq(sv.name, "CryptSvc");
	ck_assert_str_eq(sv.key, SVCS "CryptSvc");
	ck_assert(sv.has_start && sv.start == SVC_START_AUTO);
	ck_assert(sv.has_type && sv.type == 0x20);
	ck_assert_str_eq(sv.service_dll, "%SystemRoot%\\system32\\cryptsvc.dll");
	ck_assert_str_eq(sv.dll_value, "Parameters\\ServiceDll");
	ck_assert_uint_eq(sv.ndepends, 2);
	ck_assert_int_eq(sv.sd_state, SVC_SD_STUB);
	ck_assert_ptr_null(sv.sd);
	ck_assert_str_eq(sv.bad, "");
	svc_release(&sv);
	/* a Type that is a string is reported, not fatal */
	ck_assert_int_eq(svc_load(h, CS, "EventSystem", &sv, &err), 1);
	ck_assert(!sv.has_type);
	ck_assert_ptr_nonnull(strstr(sv.bad, "Type"));
	ck_assert_int_eq(sv.sd_state, SVC_SD_ABSENT);
	svc_release(&sv);
	ck_assert_int_eq(svc_load(h, CS, "Nope", &sv, &err), 0);
	ck_assert_int_eq(svc_load(h, CS, "a\\b", &sv, &err), 0);
	ck_assert_str_eq(svc_start_name(4), "disabled");
	ck_assert_str_eq(svc_start_name(9), "unknown");
	hive_free(h);
	regf_writer_free(w);
}
END_TEST

struct group_vector {
	const char *image_path;
	int found;
	const char *group;
};

static const struct group_vector groups[] = {
	{ "%SystemRoot%\\system32\\svchost.exe -k netsvcs -p", 1, "netsvcs" },
	{ "%SystemRoot%\\System32\\svchost.exe -k LocalServiceNetworkRestricted -p -s EventLog", 1, "LocalServiceNetworkRestricted" },
	{ "\"C:\\Windows\\System32\\svchost.exe\" -k DcomLaunch", 1, "DcomLaunch" },
	{ "C:\\WINDOWS\\system32\\SVCHOST.EXE /K rpcss", 1, "rpcss" },
	{ "%SystemRoot%\\system32\\svchost -k rpcss", 1, "rpcss" },          /* XP */
	{ "\\SystemRoot\\System32\\svchost.exe -p -k swprv", 1, "swprv" },
	{ "%SystemRoot%\\system32\\svchost.exe", 0, "" },
	{ "%SystemRoot%\\system32\\svchost.exe -k", 0, "" },
	{ "%systemroot%\\system32\\vssvc.exe", 0, "" },
	{ "C:\\Program Files\\svchost.exe.bak\\x.exe -k a", 0, "" },
	{ "", 0, "" },
};

START_TEST(test_svchost_group)
{
	const struct group_vector *g = &groups[_i];
	char buf[64];

	ck_assert_msg(svc_svchost_group(g->image_path, "C:\\Windows", buf, sizeof(buf)) == g->found,
		      "'%s'", g->image_path);
	ck_assert_str_eq(buf, g->group);
}
END_TEST

/* Service registrations beyond Services\<name> (service_keys.h): the
 * svchost groups of SOFTWARE, the System Writer's Diag values and the
 * Event System's subscriptions, as the cause 2 and win2003 judges read
 * them. */
START_TEST(test_service_keys)
{
	static const char *const netsvcs[] = { "BITS", "CryptSvc" };
	struct regf_writer *sysw = regf_writer_new("ROOT"), *sww = regf_writer_new("ROOT");
	uint8_t older[16] = { 0 }, newer[20] = { 0 }, shortv[8] = { 0 };
	/* 2024-06-01T10:00:00Z and 2024-06-02T10:00:00Z as FILETIME */
	const uint64_t t1 = 133617096000000000ull, t2 = t1 + 864000000000ull;
	struct hive *sys, *sw;
	struct registry reg;
	struct svchost_groups g;
	struct subscriptions sc;
	struct vss_diag d;
	struct err err;
	int i;

	for (i = 0; i < 8; i++) {
		older[8 + i] = (uint8_t)(t1 >> (8 * i));
		newer[8 + i] = (uint8_t)(t2 >> (8 * i));
	}
	ck_assert_int_eq(regf_writer_set_binary(sysw, SVCS "VSS\\Diag\\System Writer", "IDENTIFY (Enter)",
						older, sizeof(older)), 0);
	ck_assert_int_eq(regf_writer_set_binary(sysw, SVCS "VSS\\Diag\\System Writer", "IDENTIFY (Leave)",
						newer, sizeof(newer)), 0);
	ck_assert_int_eq(regf_writer_set_binary(sysw, SVCS "VSS\\Diag\\System Writer", "short",
						shortv, sizeof(shortv)), 0);
	ck_assert_int_eq(regf_writer_set_multi_sz(sww, SVCHOST_KEY, "netsvcs", netsvcs, 2), 0);
	ck_assert_int_eq(regf_writer_set_sz(sww, SUBSCRIPTIONS_KEY "\\{A}", "EventClassID", "x"), 0);
	ck_assert_int_eq(regf_writer_set_sz(sww, SUBSCRIPTIONS_KEY "\\{A}", "SubscriberCLSID", "y"), 0);
	ck_assert_int_eq(regf_writer_set_sz(sww, SUBSCRIPTIONS_KEY "\\{B}", "EventClassID", "z"), 0);
	sys = open_writer(sysw, 5);
	sw = open_writer(sww, 5);

	/* the newest event wins, a value too short for a time is skipped */
	ck_assert_int_eq(vss_diag_read(sys, CS, &d), 1);
	ck_assert_str_eq(d.path, SVCS "VSS\\Diag\\System Writer");
	ck_assert_uint_eq(d.n, 2);
	ck_assert_str_eq(d.last_name, "IDENTIFY (Leave)");
	ck_assert_uint_eq(json_array_size(d.events), 2);
	ck_assert_str_eq(json_string_value(json_object_get(json_array_get(d.events, 0), "time")),
			 "2024-06-01T10:00:00Z");
	vss_diag_release(&d);
	ck_assert_int_eq(vss_diag_read(sys, "ControlSet002", &d), 0);
	ck_assert_ptr_null(d.events);

	err_init(&err);
	ck_assert_int_eq(subscriptions_count(sw, &sc, &err), 0);
	ck_assert_int_eq(sc.exists, 1);
	ck_assert_uint_eq(sc.subs, 2);
	ck_assert_uint_eq(sc.values, 3);
	ck_assert_int_eq(subscriptions_count(sys, &sc, &err), 0);
	ck_assert_int_eq(sc.exists, 0);

	memset(&reg, 0, sizeof(reg));
	reg.software.state = REG_HIVE_OK;
	reg.software.hive = sw;
	svchost_groups_init(&g, &reg);
	ck_assert_int_eq(svchost_groups_lists(&g, "netsvcs", "cryptsvc"), 1);
	ck_assert_int_eq(svchost_groups_lists(&g, "netsvcs", "VSS"), 0);
	ck_assert_int_eq(svchost_groups_lists(&g, "swprv", "swprv"), -1);
	svchost_groups_release(&g);
	/* SOFTWARE unusable: unknown, with why */
	reg.software.state = REG_HIVE_ABSENT;
	reg.software.hive = NULL;
	snprintf(reg.software.name, sizeof(reg.software.name), "SOFTWARE");
	err_set(&reg.software.err, -E_NOTFOUND, "'Windows\\System32\\config\\SOFTWARE' is absent");
	svchost_groups_init(&g, &reg);
	ck_assert_int_eq(svchost_groups_lists(&g, "netsvcs", "CryptSvc"), -2);
	ck_assert_msg(strstr(g.err.msg, "is absent") != NULL, "%s", g.err.msg);
	svchost_groups_release(&g);

	hive_free(sys);
	hive_free(sw);
	regf_writer_free(sysw);
	regf_writer_free(sww);
}
END_TEST

/* Binaries on a directory-mode volume. */
START_TEST(test_binaries)
{
	char *dir = tu_tmpdir("reg-bin");
	struct fs *fs = NULL;
	struct svc_bin b;
	struct err err;

	ck_assert_int_eq(tu_sh("mkdir -p '%s/Windows/System32/drivers' && : > '%s/Windows/System32/svchost.exe'"
			       " && : > '%s/Windows/System32/drivers/tcpip.sys'", dir, dir, dir), 0);
	err_init(&err);
	ck_assert_int_eq(fs_open_dir(&fs, dir, &err), 0);
	ck_assert_int_eq(svc_bin_check(fs, "C:\\Windows", "%SystemRoot%\\SYSTEM32\\svchost.exe -k x -p", &b, &err), 0);
	ck_assert_int_eq(b.state, SVC_BIN_FOUND);
	ck_assert_str_eq(b.display, "%SystemRoot%\\SYSTEM32\\svchost.exe");
	ck_assert_int_eq(svc_bin_check(fs, "C:\\Windows", "system32\\DRIVERS\\TCPIP.SYS", &b, &err), 0);
	ck_assert_int_eq(b.state, SVC_BIN_FOUND);
	/* XP's "svchost" without its extension */
	ck_assert_int_eq(svc_bin_check(fs, "C:\\Windows", "%SystemRoot%\\system32\\svchost -k rpcss", &b, &err), 0);
	ck_assert_int_eq(b.state, SVC_BIN_FOUND);
	ck_assert_str_eq(b.display, "%SystemRoot%\\system32\\svchost.exe");
	ck_assert_int_eq(svc_bin_check(fs, "C:\\Windows", "%SystemRoot%\\System32\\es.dll", &b, &err), 0);
	ck_assert_int_eq(b.state, SVC_BIN_MISSING);
	ck_assert_str_eq(b.path, "Windows\\System32\\es.dll");
	ck_assert_str_eq(b.display, "%SystemRoot%\\System32\\es.dll");
	/* another drive or a device path cannot be checked offline */
	ck_assert_int_eq(svc_bin_check(fs, "C:\\Windows", "D:\\Apps\\svc.exe", &b, &err), 0);
	ck_assert_int_eq(b.state, SVC_BIN_UNCHECKED);
	ck_assert_ptr_nonnull(strstr(b.why, "drive D:"));
	ck_assert_int_eq(svc_bin_check(fs, "C:\\Windows", "\\Device\\HarddiskVolume1\\x.sys", &b, &err), 0);
	ck_assert_int_eq(b.state, SVC_BIN_UNCHECKED);
	/* a system root on another folder */
	ck_assert_int_eq(tu_sh("mkdir -p '%s/WINNT/system32' && : > '%s/WINNT/system32/a.exe'", dir, dir), 0);
	ck_assert_int_eq(svc_bin_check(fs, "C:\\WINNT", "%SystemRoot%\\system32\\a.exe", &b, &err), 0);
	ck_assert_int_eq(b.state, SVC_BIN_FOUND);
	fs_free(fs);
	free(dir);
}
END_TEST

/* ---- hostile bytes --------------------------------------------------------- */

static unsigned walked;

static int walk_values(void *ctx, const char *name, const struct reg_value *v)
{
	(void)ctx;
	(void)name;
	(void)v;
	walked++;
	return 0;
}

static int walk_keys(void *ctx, struct hkey *sub, const char *name)
{
	struct err e;
	unsigned depth = *(unsigned *)ctx + 1;

	(void)name;
	walked++;
	err_init(&e);
	hkey_foreach_value(sub, walk_values, NULL, &e);
	if (depth < 16)
		hkey_foreach_subkey(sub, walk_keys, &depth, &e);
	return 0;
}

static int svc_cb(void *ctx, struct svc *s)
{
	(void)ctx;
	(void)s;
	walked++;
	return 0;
}

/* Truncations and bit flips give errors or odd values, never a crash. */
START_TEST(test_hostile)
{
	struct regf_writer *w = sample_writer();
	uint8_t *good = NULL;
	size_t len = 0, k;
	uint32_t seed = 12345u + (uint32_t)_i;

	ck_assert_int_eq(regf_writer_serialize(w, _i % 2 ? 5 : 3, 1, 1, &good, &len), 0);
	regf_writer_free(w);
	for (k = 0; k < 150; k++) {
		uint8_t *copy = malloc(len);
		size_t n = len, j;
		struct hive *h = NULL;
		struct hkey *root = NULL;
		struct err err;
		unsigned depth = 0, unreadable = 0;

		memcpy(copy, good, len);
		if (k % 10 == 0) {
			seed = seed * 1103515245u + 12345u;
			n = 4096 + seed % (len - 4096);        /* truncated */
		}
		for (j = 0; j < 1 + k % 8; j++) {
			seed = seed * 1103515245u + 12345u;
			copy[4096 + (seed >> 8) % (len - 4096)] ^= (uint8_t)(1u << (seed % 8));
		}
		err_init(&err);
		if (hive_open_memory(&h, "SYSTEM", copy, n, &err) < 0) {
			ck_assert_msg(err.msg[0] && !strchr(err.msg, '\n'), "message '%s'", err.msg);
			continue;
		}
		if (hive_key(h, "", &root, &err) == 1) {
			hkey_foreach_subkey(root, walk_keys, &depth, &err);
			hkey_free(root);
		}
		err_init(&err);
		svc_foreach(h, CS, svc_cb, NULL, &unreadable, &err);
		hive_free(h);
	}
	free(good);
	/* most mutations still open: the walks above did run */
	ck_assert_uint_gt(walked, 100);
}
END_TEST

START_TEST(test_not_a_hive)
{
	struct hive *h = NULL;
	struct err err;
	uint8_t *b = calloc(1, 8192);

	err_init(&err);
	ck_assert_int_eq(hive_open_memory(&h, "SOFTWARE", b, 8192, &err), -E_FORMAT);
	ck_assert_str_eq(err.msg, "hive SOFTWARE: not a registry hive (no regf base block)");
	b = malloc(100);
	memcpy(b, "regf", 4);
	ck_assert_int_lt(hive_open_memory(&h, "SYSTEM", b, 100, &err), 0);
	ck_assert_ptr_null(h);
}
END_TEST

/* ---- registry_load on a directory volume ----------------------------------- */

static char *dir_volume(const char *tag)
{
	char *dir = tu_tmpdir(tag);

	ck_assert_int_eq(tu_sh("mkdir -p '%s/Windows/System32/config'", dir), 0);
	return dir;
}

static void write_hive_file(struct regf_writer *w, const char *dir, const char *name,
			    uint32_t seq1, uint32_t seq2)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/Windows/System32/config/%s", dir, name), 0);
	ck_assert_int_eq(regf_writer_write_file(w, p, 3, seq1, seq2), 0);
	free(p);
}

START_TEST(test_registry_load)
{
	char *dir = dir_volume("reg-load");
	struct regf_writer *sys = sample_writer(), *sw = regf_writer_new("ROOT");
	struct registry *reg = NULL;
	struct fs *fs = NULL;
	struct hive *h;
	struct err err;
	json_t *win = json_object();

	ck_assert_int_eq(regf_writer_set_dword(sys, "Select", "Default", 1), 0);
	ck_assert_int_eq(regf_writer_set_dword(sys, "Select", "LastKnownGood", 2), 0);
	ck_assert_int_eq(regf_writer_set_sz(sw, "Microsoft\\Windows NT\\CurrentVersion", "ProductName",
					    "Windows Server 2019 Datacenter"), 0);
	ck_assert_int_eq(regf_writer_set_sz(sw, "Microsoft\\Windows NT\\CurrentVersion", "CurrentVersion", "6.3"), 0);
	ck_assert_int_eq(regf_writer_set_sz(sw, "Microsoft\\Windows NT\\CurrentVersion", "CurrentBuild", "17763"), 0);
	ck_assert_int_eq(regf_writer_set_dword(sw, "Microsoft\\Windows NT\\CurrentVersion",
					       "CurrentMajorVersionNumber", 10), 0);
	ck_assert_int_eq(regf_writer_set_dword(sw, "Microsoft\\Windows NT\\CurrentVersion",
					       "CurrentMinorVersionNumber", 0), 0);
	write_hive_file(sys, dir, "SYSTEM", 3, 3);
	write_hive_file(sw, dir, "SOFTWARE", 8, 7);     /* dirty, no logs */
	err_init(&err);
	ck_assert_int_eq(fs_open_dir(&fs, dir, &err), 0);
	ck_assert_int_eq(registry_load(fs, 1, &reg, &err), 0);
	ck_assert_int_eq(reg->system.state, REG_HIVE_OK);
	ck_assert_str_eq(reg->control_set, "ControlSet001");
	ck_assert_int_eq(reg->system.dirty, 0);
	ck_assert_int_eq(reg->software.state, REG_HIVE_OK);
	ck_assert_int_eq(reg->software.dirty, 1);
	ck_assert_int_eq(reg->software.replayed, 0);
	ck_assert_ptr_nonnull(strstr(reg->software.view, "no transaction logs"));
	ck_assert_str_eq(reg->product_name, "Windows Server 2019 Datacenter");
	ck_assert_str_eq(reg->build, "17763");
	ck_assert_int_eq(reg->major, 10);
	ck_assert_int_eq(registry_system(reg, &h, &err), 0);
	ck_assert_ptr_nonnull(h);
	ck_assert_uint_eq(json_array_size(reg->warnings), 2);  /* dirty + control sets */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(reg->warnings, 0)),
				     "LastKnownGood=2"));
	registry_free(reg);
	/* info's view */
	ck_assert_int_eq(registry_windows_info_fs(fs, win, &err), 0);
	ck_assert_str_eq(json_string_value(json_object_get(win, "version")), "10.0");
	ck_assert_str_eq(json_string_value(json_object_get(win, "current_version")), "6.3");
	ck_assert_str_eq(json_string_value(json_object_get(win, "last_known_good")), "ControlSet002");
	ck_assert_ptr_null(json_object_get(win, "default"));
	json_decref(win);
	fs_free(fs);
	/* SOFTWARE absent, SYSTEM garbage: each hive says why */
	ck_assert_int_eq(tu_sh("rm '%s/Windows/System32/config/SOFTWARE' && "
			       "head -c 9000 /dev/zero > '%s/Windows/System32/config/SYSTEM'", dir, dir), 0);
	ck_assert_int_eq(fs_open_dir(&fs, dir, &err), 0);
	ck_assert_int_eq(registry_load(fs, 1, &reg, &err), 0);
	ck_assert_int_eq(reg->system.state, REG_HIVE_BAD);
	ck_assert_int_eq(reg->software.state, REG_HIVE_ABSENT);
	ck_assert_int_lt(registry_system(reg, &h, &err), 0);
	ck_assert_str_eq(err.msg, "hive SYSTEM: not a registry hive (no regf base block)");
	ck_assert_int_lt(registry_software(reg, &h, &err), 0);
	ck_assert_ptr_nonnull(strstr(err.msg, "is absent"));
	registry_free(reg);
	fs_free(fs);
	regf_writer_free(sys);
	regf_writer_free(sw);
	free(dir);
}
END_TEST

/* ---- the samples, directly --------------------------------------------------- */

static struct hive *open_sample(const char *rel)
{
	char *p = tu_sample(rel);
	struct hive *h = NULL;
	struct err err;
	uint8_t *buf;
	size_t len;

	if (!p)
		return NULL;
	buf = read_all(p, &len);
	free(p);
	err_init(&err);
	ck_assert_msg(hive_open_memory(&h, "SYSTEM", buf, len, &err) == 0, "%s: %s", rel, err.msg);
	return h;
}

struct sample_vector {
	const char *file;
	const char *cryptsvc_sd;     /* "stub", "present" */
	size_t cryptsvc_len;
	int mslldp_sd;               /* MsLldp has a descriptor */
};

static const struct sample_vector samples[] = {
	{ "hives/SYSTEM_win10_1709", "present", 240, 1 },
	{ "hives/SYSTEM_win8_x64", "present", 184, 1 },
	{ "hives/SYSTEM_winxp", "stub", 0, 0 },
};

START_TEST(test_samples_direct)
{
	const struct sample_vector *v = &samples[_i];
	struct hive *h = open_sample(v->file);
	struct hkey *k = NULL;
	struct svc sv;
	struct err err;
	uint32_t cur = 0;

	if (!h)
		return;
	err_init(&err);
	ck_assert_int_eq(hive_key(h, "Select", &k, &err), 1);
	ck_assert_int_eq(hkey_get_dword(k, "Current", &cur, &err), 1);
	ck_assert_uint_eq(cur, 1);
	hkey_free(k);
	ck_assert_int_eq(svc_load(h, CS, "CryptSvc", &sv, &err), 1);
	if (strcmp(v->cryptsvc_sd, "stub") == 0) {
		ck_assert_int_eq(sv.sd_state, SVC_SD_STUB);
	} else {
		ck_assert_int_eq(sv.sd_state, SVC_SD_PRESENT);
		ck_assert_uint_eq(sv.sd_len, v->cryptsvc_len);
	}
	ck_assert_ptr_nonnull(sv.image_path);
	ck_assert_uint_ge(sv.ndepends, 1);
	svc_release(&sv);
	ck_assert_int_eq(svc_load(h, CS, "MsLldp", &sv, &err), v->mslldp_sd);
	if (v->mslldp_sd)
		ck_assert_int_eq(sv.sd_state, SVC_SD_PRESENT);
	svc_release(&sv);
	hive_free(h);
}
END_TEST

START_TEST(test_sample_corrupted_direct)
{
	char *p = tu_sample("hives/SYSTEM_corrupted");
	struct hive *h = NULL;
	struct err err;
	uint8_t *buf;
	size_t len;

	if (!p)
		return;
	buf = read_all(p, &len);
	free(p);
	err_init(&err);
	ck_assert_int_eq(hive_open_memory(&h, "SYSTEM", buf, len, &err), -E_CORRUPT);
	ck_assert_ptr_null(h);
	ck_assert_msg(strncmp(err.msg, "hive SYSTEM: unable to create root key", 38) == 0, "%s", err.msg);
	ck_assert_ptr_null(strchr(err.msg, '\n'));
}
END_TEST

/* the dirty Windows 10 hive and its logs, on a directory volume */
START_TEST(test_sample_dirty_replay)
{
	char *p = tu_sample("hives/SYSTEM_win10_dirty"), *dir;
	struct registry *reg = NULL;
	struct fs *fs = NULL;
	struct svc sv;
	struct hive *h;
	struct err err;
	int replay;

	if (!p)
		return;
	dir = dir_volume("reg-dirty");
	ck_assert_int_eq(tu_sh("cp '%s' '%s/Windows/System32/config/SYSTEM' && "
			       "cp '%s.LOG1' '%s/Windows/System32/config/SYSTEM.LOG1' && "
			       "cp '%s.LOG2' '%s/Windows/System32/config/SYSTEM.LOG2'",
			       p, dir, p, dir, p, dir), 0);
	err_init(&err);
	ck_assert_int_eq(fs_open_dir(&fs, dir, &err), 0);
	for (replay = 1; replay >= 0; replay--) {
		ck_assert_int_eq(registry_load(fs, replay, &reg, &err), 0);
		ck_assert_int_eq(reg->system.state, REG_HIVE_OK);
		ck_assert_int_eq(reg->system.dirty, 1);
		ck_assert_uint_eq(reg->system.seq1, 1622);
		ck_assert_uint_eq(reg->system.seq2, 1621);
		ck_assert_str_eq(reg->system.logs, "SYSTEM.LOG1, SYSTEM.LOG2");
		ck_assert_int_eq(reg->system.replayed, replay);
		if (replay) {
			ck_assert_str_eq(reg->system.log_format, "new");
			ck_assert_uint_gt(reg->system.entries_applied, 0);
		}
		ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(reg->warnings, 0)),
					     "hive SYSTEM is dirty"));
		/* a service the logs add exists only in the replayed view */
		ck_assert_int_eq(registry_system(reg, &h, &err), 0);
		ck_assert_int_eq(svc_load(h, reg->control_set, "ad_driver", &sv, &err), replay);
		svc_release(&sv);
		registry_free(reg);
	}
	fs_free(fs);
	free(dir);
	free(p);
}
END_TEST

/* ---- the samples, end to end -------------------------------------------------- */

struct e2e {
	json_t *root;
	int status;
	char *err;
};

/* A scenario volume whose SYSTEM hive (and logs) is a sample, scanned. */
static int scan_sample(const char *rel, int with_logs, const char *extra_arg, struct e2e *out)
{
	char *p = tu_sample(rel), *dir, *img = NULL, *text = NULL;
	struct tu_run r;
	json_error_t je;
	struct err err;

	memset(out, 0, sizeof(*out));
	if (!p)
		return 0;
	dir = tu_tmpdir("reg-e2e");
	ck_assert_int_ge(asprintf(&img, "%s/vol.img", dir), 0);
	if (with_logs)
		ck_assert_int_ge(asprintf(&text,
			"os 2016\n"
			"vol copy Windows\\System32\\config\\SYSTEM %s\n"
			"vol copy Windows\\System32\\config\\SYSTEM.LOG1 %s.LOG1\n"
			"vol copy Windows\\System32\\config\\SYSTEM.LOG2 %s.LOG2\n", p, p, p), 0);
	else
		ck_assert_int_ge(asprintf(&text,
			"os 2016\n"
			"vol copy Windows\\System32\\config\\SYSTEM %s\n", p), 0);
	err_init(&err);
	ck_assert_msg(scenario_build(text, img, &err) == 0, "scenario: %s", err.msg);
	if (extra_arg)
		ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--format", "json", extra_arg, "--rules",
					      tu_env("VSSD_RULES"), img, NULL), 0);
	else
		ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--format", "json", "--rules",
					      tu_env("VSSD_RULES"), img, NULL), 0);
	out->root = json_loads(r.out, 0, &je);
	ck_assert_msg(out->root != NULL, "exit %d, bad JSON (%s): %s", r.status, je.text, r.err);
	out->status = r.status;
	out->err = strdup(r.err);
	tu_run_free(&r);
	free(text);
	free(img);
	free(dir);
	free(p);
	return 1;
}

static void e2e_free(struct e2e *e)
{
	json_decref(e->root);
	free(e->err);
}

/* The evidence item of res whose "service" is name. */
static json_t *service_evidence(json_t *res, const char *name)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(res, "evidence"), i, e) {
		const char *s = json_string_value(json_object_get(e, "service"));

		if (s && strcmp(s, name) == 0)
			return e;
	}
	return NULL;
}

static const char *const e2e_files[] = { "hives/SYSTEM_win10_1709", "hives/SYSTEM_win8_x64" };

START_TEST(test_samples_e2e_modern)
{
	struct e2e e;
	json_t *c3, *ev, *blocks;

	if (!scan_sample(e2e_files[_i], 0, NULL, &e))
		return;
	c3 = tu_result(e.root, "cause3");
	ck_assert_str_eq(tu_status(e.root, "cause3"), "absent");
	/* judged by meaning: the newer descriptor differs from the SCM
	 * default (SO, AC ...) yet grants what is needed */
	ev = service_evidence(c3, "CryptSvc");
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "verdict")), "ok");
	ck_assert_uint_gt(json_array_size(json_object_get(ev, "diff")), 0);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(ev, "sddl")), "(A;;CCLCSWLORC;;;AC)"));
	ck_assert_ptr_nonnull(service_evidence(c3, "EventSystem"));
	blocks = tu_result(e.root, "service-sd-blocks-writer");
	ck_assert_str_eq(json_string_value(json_object_get(blocks, "status")), "present");
	ev = service_evidence(blocks, "MsLldp");
	ck_assert_ptr_nonnull(ev);
	ck_assert_int_eq(json_is_true(json_object_get(ev, "driver")), 1);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(ev, "fixed_sddl")),
				     "(A;;CCLCSWLOCRRC;;;SU)"));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(blocks, "summary")), "MsLldp"));
	/* both samples are dirty without logs beside them */
	ck_assert_str_eq(tu_status(e.root, "hive-dirty"), "present");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(tu_result(e.root, "hive-dirty"), "summary")),
				     "primary file only"));
	e2e_free(&e);
}
END_TEST

START_TEST(test_samples_e2e_xp_stub)
{
	struct e2e e;
	json_t *ev;
	const char *note;

	if (!scan_sample("hives/SYSTEM_winxp", 0, NULL, &e))
		return;
	ev = service_evidence(tu_result(e.root, "cause3"), "CryptSvc");
	ck_assert_ptr_nonnull(ev);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "verdict")), "ok");
	ck_assert(json_is_null(json_object_get(ev, "sddl")));
	note = json_string_value(json_object_get(ev, "note"));
	ck_assert_ptr_nonnull(note);
	ck_assert_ptr_nonnull(strstr(note, "00 00 0e 00 01"));
	ck_assert_ptr_nonnull(strstr(note, "no descriptor"));
	e2e_free(&e);
}
END_TEST

START_TEST(test_samples_e2e_corrupted)
{
	struct e2e e;
	json_t *w;
	size_t i;
	int found = 0;

	if (!scan_sample("hives/SYSTEM_corrupted", 0, NULL, &e))
		return;
	ck_assert_str_eq(tu_status(e.root, "cause2"), "unknown");
	ck_assert_str_eq(tu_status(e.root, "cause3"), "unknown");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(tu_result(e.root, "cause3"), "summary")),
				     "hive SYSTEM: unable to create root key"));
	ck_assert_str_ne(tu_status(e.root, "cause1"), "present");
	ck_assert_str_ne(tu_status(e.root, "cause4"), "present");
	ck_assert_int_eq(e.status, 3);
	json_array_foreach(json_object_get(e.root, "warnings"), i, w) {
		const char *s = json_string_value(w);

		if (strncmp(s, "hive SYSTEM cannot be read: ", 28) == 0) {
			found = 1;
			ck_assert_ptr_null(strchr(s, '\n'));
		}
	}
	ck_assert_msg(found, "no warning for the corrupted hive");
	e2e_free(&e);
}
END_TEST

START_TEST(test_samples_e2e_dirty)
{
	struct e2e e;
	json_t *ev, *hd;

	if (!scan_sample("hives/SYSTEM_win10_dirty", 1, NULL, &e))
		return;
	hd = tu_result(e.root, "hive-dirty");
	ck_assert_str_eq(json_string_value(json_object_get(hd, "status")), "present");
	ev = json_array_get(json_object_get(hd, "evidence"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(ev, "hive")), "SYSTEM");
	ck_assert(json_is_true(json_object_get(ev, "dirty")));
	ck_assert(json_is_true(json_object_get(ev, "replayed")));
	ck_assert_uint_eq(json_array_size(json_object_get(ev, "logs")), 2);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(hd, "summary")), "replayed"));
	/* the verdicts say where they come from */
	ck_assert(json_is_true(json_object_get(json_array_get(json_object_get(tu_result(e.root, "cause3"),
									       "evidence"), 0), "replayed")));
	e2e_free(&e);
	if (!scan_sample("hives/SYSTEM_win10_dirty", 1, "--no-replay", &e))
		return;
	hd = tu_result(e.root, "hive-dirty");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(hd, "summary")), "--no-replay"));
	ck_assert_ptr_null(json_object_get(json_array_get(json_object_get(tu_result(e.root, "cause3"),
									  "evidence"), 0), "replayed"));
	e2e_free(&e);
}
END_TEST

Suite *registry_suite(void);
Suite *registry_suite(void)
{
	Suite *s = suite_create("registry");
	TCase *tc;

	tc = tcase_create("values");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_values, 0, 2);
	tcase_add_test(tc, test_walk);
	tcase_add_test(tc, test_decoding);
	suite_add_tcase(s, tc);

	tc = tcase_create("services");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_service_model);
	tcase_add_loop_test(tc, test_svchost_group, 0, (int)(sizeof(groups) / sizeof(groups[0])));
	tcase_add_test(tc, test_binaries);
	tcase_add_test(tc, test_service_keys);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_hostile, 0, 4);
	tcase_add_test(tc, test_not_a_hive);
	suite_add_tcase(s, tc);

	tc = tcase_create("load");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_registry_load);
	suite_add_tcase(s, tc);

	tc = tcase_create("samples");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_samples_direct, 0, (int)(sizeof(samples) / sizeof(samples[0])));
	tcase_add_test(tc, test_sample_corrupted_direct);
	tcase_add_test(tc, test_sample_dirty_replay);
	suite_add_tcase(s, tc);

	tc = tcase_create("samples_e2e");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_samples_e2e_modern, 0, 2);
	tcase_add_test(tc, test_samples_e2e_xp_stub);
	tcase_add_test(tc, test_samples_e2e_corrupted);
	tcase_add_test(tc, test_samples_e2e_dirty);
	suite_add_tcase(s, tc);
	return s;
}
