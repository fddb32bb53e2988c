/* The Windows directory and the drive letters (issue 17): MountedDevices
 * values parsed and mapped onto volume tables, the real sample hives, and
 * end to end: a server installed in C:\WINNT, two-volume MBR and GPT disks
 * whose Windows is on the second volume, service binaries on D: (in the
 * image) and on E: (not in the image). */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "disk_writer.h"
#include "gpt.h"
#include "mountdev.h"
#include "ntfs_builder.h"
#include "registry.h"
#include "scenario.h"
#include "testutil.h"
#include "volume.h"
#include "windir.h"

#define MIB (1024ull * 1024)

/* ---- MountedDevices values ------------------------------------------------ */

static const struct mountdev_vector {
	const char *name;
	const char *hex;          /* value bytes */
	int rc;                   /* mountdev_parse */
	char letter;
	enum mountdev_kind kind;
	uint32_t sig;
	uint64_t offset;
	const char *guid;
} md_vectors[] = {
	/* XP's C: (the sample hive SYSTEM_winxp): disk 4CBC4CBC, sector 63 */
	{ "\\DosDevices\\C:", "bc4cbc4c007e000000000000", 1, 'C', MOUNTDEV_MBR, 0x4cbc4cbc, 32256, NULL },
	/* Win10's E: at 1 MiB */
	{ "\\DosDevices\\E:", "ae4645df0000100000000000", 1, 'E', MOUNTDEV_MBR, 0xdf4546ae, MIB, NULL },
	/* lower case name, as some tools write it */
	{ "\\dosdevices\\d:", "ae4645df0000100000000000", 1, 'D', MOUNTDEV_MBR, 0xdf4546ae, MIB, NULL },
	/* GPT: DMIO:ID: + the partition GUID in on-disk order */
	{ "\\DosDevices\\C:", "444d494f3a49443a211f9309af7fa944b0a1c2d3e4f50617", 1, 'C', MOUNTDEV_GPT, 0, 0,
	  "09931F21-7FAF-44A9-B0A1-C2D3E4F50617" },
	/* a CD-ROM: a UTF-16 device path */
	{ "\\DosDevices\\D:", "5c003f003f005c00530043005300490023004300", 1, 'D', MOUNTDEV_OTHER, 0, 0, NULL },
	/* 24 bytes without the DMIO magic, 11 bytes, nothing: not a disk */
	{ "\\DosDevices\\F:", "00000000000000000000000000000000000000000000000000", 1, 'F', MOUNTDEV_OTHER, 0, 0, NULL },
	{ "\\DosDevices\\G:", "ae4645df00001000000000", 1, 'G', MOUNTDEV_OTHER, 0, 0, NULL },
	{ "\\DosDevices\\H:", "", 1, 'H', MOUNTDEV_OTHER, 0, 0, NULL },
	/* not drive letters */
	{ "\\??\\Volume{a08efec2-a076-11e5-824f-806e6f6e6963}", "fe4c3e27000010000000000000", 0, 0, 0, 0, 0, NULL },
	{ "#{5aae7822-77cb-11e9-bcf1-784f439fa657}", "ae4645df008085e118000000", 0, 0, 0, 0, 0, NULL },
	{ "\\DosDevices\\CD:", "ae4645df0000100000000000", 0, 0, 0, 0, 0, NULL },
	{ "\\DosDevices\\1:", "ae4645df0000100000000000", 0, 0, 0, 0, 0, NULL },
	{ "\\DosDevices\\C", "ae4645df0000100000000000", 0, 0, 0, 0, 0, NULL },
	{ "", "", 0, 0, 0, 0, 0, NULL },
};

static size_t unhex(const char *hex, uint8_t *out, size_t max)
{
	size_t n = 0;
	unsigned v;

	while (hex[0] && hex[1] && n < max && sscanf(hex, "%2x", &v) == 1) {
		out[n++] = (uint8_t)v;
		hex += 2;
	}
	return n;
}

START_TEST(test_mountdev_vectors)
{
	const struct mountdev_vector *t = &md_vectors[_i];
	uint8_t data[64];
	size_t len = unhex(t->hex, data, sizeof(data));
	struct mountdev m;
	char g[GPT_GUID_STR];

	memset(&m, 0x5a, sizeof(m));
	ck_assert_int_eq(mountdev_parse(t->name, len ? data : NULL, len, &m), t->rc);
	if (!t->rc) {
		ck_assert_int_eq(m.letter, 0x5a);     /* untouched */
		return;
	}
	ck_assert_int_eq(m.letter, t->letter);
	ck_assert_int_eq(m.kind, t->kind);
	if (t->kind == MOUNTDEV_MBR) {
		ck_assert_uint_eq(m.mbr_signature, t->sig);
		ck_assert_uint_eq(m.offset, t->offset);
	}
	if (t->kind == MOUNTDEV_GPT) {
		gpt_guid_format(m.guid, g);
		ck_assert_str_eq(g, t->guid);
	}
}
END_TEST

/* ---- letters onto volume tables ------------------------------------------ */

static void add_vol(struct volume_table *vt, int index, uint64_t offset,
		    const char *guid)
{
	struct volume_info *v = &vt->v[vt->count++];

	memset(v, 0, sizeof(*v));
	v->index = index;
	v->offset = offset;
	v->size = 100 * MIB;
	v->fs = VOLUME_FS_NTFS;
	if (guid)
		snprintf(v->guid, sizeof(v->guid), "%s", guid);
}

static struct mountdev mbr(char letter, uint32_t sig, uint64_t off)
{
	struct mountdev m;

	memset(&m, 0, sizeof(m));
	m.letter = letter;
	m.kind = MOUNTDEV_MBR;
	m.mbr_signature = sig;
	m.offset = off;
	return m;
}

static struct mountdev gpt(char letter, const char *guid)
{
	struct mountdev m;

	memset(&m, 0, sizeof(m));
	m.letter = letter;
	m.kind = MOUNTDEV_GPT;
	ck_assert_int_eq(gpt_guid_parse(guid, m.guid, NULL), 0);
	return m;
}

START_TEST(test_assign_mbr)
{
	struct volume_table *vt = calloc(1, sizeof(*vt));
	struct mountdev md[4];

	snprintf(vt->scheme, sizeof(vt->scheme), "mbr");
	vt->disk_signature = 0xdf4546ae;
	add_vol(vt, 1, MIB, NULL);              /* System Reserved */
	add_vol(vt, 2, 0x1f500000, NULL);       /* Windows */
	add_vol(vt, 5, 0x40000000, NULL);       /* a logical partition */
	/* the Win10 1709 sample's letters: C: and E: on this disk, F: on
	 * another disk, D: a CD-ROM */
	md[0] = mbr('C', 0xdf4546ae, 0x1f500000);
	md[1] = mbr('E', 0xdf4546ae, MIB);
	md[2] = mbr('F', 0x002b1be5, MIB);
	memset(&md[3], 0, sizeof(md[3]));
	md[3].letter = 'D';
	ck_assert_uint_eq(volume_assign_letters(vt, md, 4), 2);
	ck_assert_int_eq(vt->v[0].letter, 'E');
	ck_assert_int_eq(vt->v[1].letter, 'C');
	ck_assert_int_eq(vt->v[2].letter, 0);
	ck_assert_ptr_eq(volume_by_letter(vt, 'c'), &vt->v[1]);
	ck_assert_ptr_null(volume_by_letter(vt, 'F'));
	ck_assert_ptr_null(volume_by_letter(vt, 'D'));
	ck_assert_ptr_null(volume_by_letter(vt, 0));
	/* the same offsets on a disk with another signature: no letter */
	vt->disk_signature = 0x12345678;
	ck_assert_uint_eq(volume_assign_letters(vt, md, 4), 0);
	ck_assert_int_eq(vt->v[1].letter, 0);
	/* a GPT entry never matches an MBR partition */
	vt->disk_signature = 0xdf4546ae;
	md[0] = gpt('C', "56535344-0000-4000-8000-000000000002");
	ck_assert_uint_eq(volume_assign_letters(vt, md, 1), 0);
	free(vt);
}
END_TEST

START_TEST(test_assign_gpt)
{
	struct volume_table *vt = calloc(1, sizeof(*vt));
	struct mountdev md[3];

	snprintf(vt->scheme, sizeof(vt->scheme), "gpt");
	add_vol(vt, 1, MIB, "56535344-0000-4000-8000-000000000001");
	add_vol(vt, 2, 101 * MIB, "56535344-0000-4000-8000-000000000002");
	add_vol(vt, 3, 201 * MIB, "56535344-0000-4000-8000-000000000003");
	md[0] = gpt('C', "56535344-0000-4000-8000-000000000003");
	md[1] = gpt('D', "56535344-0000-4000-8000-000000000001");
	/* an MBR entry at a matching offset does not give a GPT partition
	 * its letter */
	md[2] = mbr('X', 0, 101 * MIB);
	ck_assert_uint_eq(volume_assign_letters(vt, md, 3), 2);
	ck_assert_int_eq(vt->v[0].letter, 'D');
	ck_assert_int_eq(vt->v[1].letter, 0);
	ck_assert_int_eq(vt->v[2].letter, 'C');
	free(vt);
}
END_TEST

/* ---- SystemRoot spelling -------------------------------------------------- */

START_TEST(test_split_expand)
{
	static const struct { const char *in; char letter; const char *folder; } split[] = {
		{ "C:\\Windows", 'C', "Windows" },
		{ "c:\\WINNT\\", 'C', "WINNT" },
		{ "D:/Win/", 'D', "Win" },
		{ "\\WINNT", 0, "WINNT" },
		{ "WINNT", 0, "WINNT" },
		{ "E:\\", 'E', "" },
		{ "", 0, "" },
		{ "C:\\Server\\Windows", 'C', "Server\\Windows" },
	};
	char letter, folder[LIMIT_WINDIR_LEN], out[64];
	struct err err;
	size_t i;

	for (i = 0; i < sizeof(split) / sizeof(split[0]); i++) {
		windir_split(split[i].in, &letter, folder, sizeof(folder));
		ck_assert_msg(letter == split[i].letter, "'%s': letter %d", split[i].in, letter);
		ck_assert_str_eq(folder, split[i].folder);
	}
	err_init(&err);
	ck_assert_int_eq(windir_expand("WINNT", "%SystemRoot%\\WinSxS\\FileMaps", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "WINNT\\WinSxS\\FileMaps");
	ck_assert_int_eq(windir_expand("WINNT", "%WINDIR%\\Microsoft.NET", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "WINNT\\Microsoft.NET");
	ck_assert_int_eq(windir_expand("WINNT", "%systemroot%", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "WINNT");
	/* other paths are the volume's own */
	ck_assert_int_eq(windir_expand("WINNT", "Program Files", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "Program Files");
	ck_assert_int_eq(windir_expand("WINNT", "%SystemRootX%\\a", out, sizeof(out), &err), 0);
	ck_assert_str_eq(out, "%SystemRootX%\\a");
	ck_assert_int_eq(windir_expand("WINNT", "%SystemRoot%\\a-very-long-path-that-does-not-fit-into-64-bytes-at-all-xx",
				       out, sizeof(out), &err), -E_LIMIT);
}
END_TEST

/* ---- the sample hives ------------------------------------------------------ */

/* What the real hives say (regfexport agrees): each sample's letters. */
static const struct sample_letters {
	const char *file;
	const char *expect;       /* "C=MBR disk ..., offset ...;D=device path;..." */
} samples[] = {
	{ "hives/SYSTEM_winxp", "A=device path;D=device path;C=MBR disk 4CBC4CBC, offset 32256;" },
	{ "hives/SYSTEM_win8_x64", "C=MBR disk 273E4CFE, offset 368050176;D=device path;" },
	{ "hives/SYSTEM_win10_1709", "C=MBR disk DF4546AE, offset 525336576;D=device path;"
	  "E=MBR disk DF4546AE, offset 1048576;F=MBR disk 002B1BE5, offset 1048576;" },
	{ "hives/SYSTEM_win10_dirty", "C=GPT partition {09931F21-7FAF-44A9-" },
};

START_TEST(test_sample_hives)
{
	const struct sample_letters *t = &samples[_i];
	char *path = tu_sample(t->file), got[1024] = "", what[96];
	struct mountdev md[26];
	struct hive *h = NULL;
	struct err err;
	uint8_t *data;
	size_t len = 0;
	unsigned n = 0, k;

	if (!path)
		return;
	data = (uint8_t *)tu_read_file(path, &len);
	ck_assert_ptr_nonnull(data);
	err_init(&err);
	ck_assert_msg(hive_open_memory(&h, "SYSTEM", data, len, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(registry_mounted_devices(h, md, 26, &n, &err), 1);
	for (k = 0; k < n; k++) {
		size_t l = strlen(got);

		mountdev_describe(&md[k], what, sizeof(what));
		snprintf(got + l, sizeof(got) - l, "%c=%s;", md[k].letter, what);
	}
	fprintf(stderr, "windir: %s: %s\n", t->file, got);
	ck_assert_msg(strstr(got, t->expect) != NULL, "%s: got %s", t->file, got);
	hive_free(h);
	free(path);
}
END_TEST

/* ---- end to end ---------------------------------------------------------- */

static char *build(const char *dir, const char *name, const char *text)
{
	struct err err;
	char *img = NULL;

	ck_assert_int_ge(asprintf(&img, "%s/%s", dir, name), 0);
	err_init(&err);
	ck_assert_msg(scenario_build(text, img, &err) == 0, "scenario: %s", err.msg);
	return img;
}

static const char *status_of(json_t *root, const char *id)
{
	return tu_str(tu_result(root, id), "status");
}

/* The evidence item whose key has value val. */
static json_t *evidence_with(json_t *res, const char *key, const char *val)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(res, "evidence"), i, e) {
		const char *v = json_string_value(json_object_get(e, key));

		if (v && strcmp(v, val) == 0)
			return e;
	}
	return NULL;
}

#define CAUSE4_EVENT \
	"event application provider=VSS id=8193 time=2024-06-01T09:00:00Z " \
	"\"text=Volume Shadow Copy Service error: Unexpected error calling routine. hr = 0x80070018, The XML document is too long.\"\n"

/* A server installed in C:\WINNT: recognised, judged as the same server in
 * C:\Windows, every fix naming C:\WINNT. */
START_TEST(test_winnt)
{
	char *dir = tu_tmpdir("windir-winnt");
	const char *common = "size 24M\nos 2012r2\nbreak cause1 cause3 diagacl comsec imagepath\n" CAUSE4_EVENT;
	char *img, *ref;
	json_t *root, *base, *c1, *c4, *w, *v;
	size_t i;
	int st, st_ref;

	img = build(dir, "winnt.img", tu_scenario("windir/winnt"));
	ref = build(dir, "windows.img", common);
	root = tu_scan_image(img, &st, NULL);
	base = tu_scan_image(ref, &st_ref, NULL);
	ck_assert_int_eq(st, 1);
	ck_assert_ptr_null(json_object_get(root, "error"));

	w = json_object_get(json_object_get(root, "source"), "windows");
	ck_assert_str_eq(tu_str(w, "system_root"), "C:\\WINNT");
	ck_assert_str_eq(tu_str(w, "windows_dir"), "WINNT");
	ck_assert_str_eq(tu_str(json_object_get(json_object_get(root, "source"), "volume"), "letter"), "C:");
	ck_assert_str_eq(tu_str(w, "system_root_from"), "SOFTWARE");

	/* no fix of any cause or finding names the Windows folder of another
	 * server: the offline lines load the hives from X:\WINNT */
	for (i = 0; i < 2; i++) {
		json_t *r;
		size_t k, l;

		json_array_foreach(json_object_get(root, i ? "findings" : "causes"), k, r)
			json_array_foreach(json_object_get(r, "remediation"), l, v)
				ck_assert_msg(!strstr(json_string_value(v), "\\Windows\\"),
					      "%s: fix names \\Windows\\: %s", tu_str(r, "id"), json_string_value(v));
	}
	{
		static const char *const offline[][2] = {
			{ "vss-diag-key-acl", "reg load HKLM\\OFFLINE_SYSTEM X:\\WINNT\\System32\\config\\SYSTEM," },
			{ "service-imagepath-invalid", "reg load HKLM\\OFFLINE_SYSTEM X:\\WINNT\\System32\\config\\SYSTEM," },
			{ "com-access-denied", "reg load HKLM\\OFFLINE_SOFTWARE X:\\WINNT\\System32\\config\\SOFTWARE," },
		};

		for (i = 0; i < sizeof(offline) / sizeof(offline[0]); i++) {
			json_t *r = tu_result(root, offline[i][0]);
			size_t k;
			int found = 0;

			ck_assert_str_eq(tu_str(r, "status"), "present");
			json_array_foreach(json_object_get(r, "remediation"), k, v)
				if (strstr(json_string_value(v), offline[i][1]))
					found = 1;
			ck_assert_msg(found, "%s: no fix line with %s", offline[i][0], offline[i][1]);
		}
	}

	/* cause 1: present, evidence in WINNT, every fix naming C:\WINNT */
	c1 = tu_result(root, "cause1");
	ck_assert_str_eq(tu_str(c1, "status"), "present");
	ck_assert_ptr_nonnull(evidence_with(c1, "path", "WINNT\\WinSxS\\Temp\\PendingRenames"));
	ck_assert_ptr_nonnull(evidence_with(c1, "path", "WINNT\\WinSxS\\FileMaps"));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c1, "remediation"), 0)),
			 "Takeown /f C:\\WINNT\\winsxs\\temp\\PendingRenames /a");
	json_array_foreach(json_object_get(c1, "remediation"), i, v) {
		const char *line = json_string_value(v);

		ck_assert_msg(!strstr(line, "C:\\Windows"), "fix names C:\\Windows: %s", line);
		if (strstr(line, "winsxs"))
			ck_assert_msg(strstr(line, "C:\\WINNT\\winsxs\\"), "fix: %s", line);
	}
	/* the event log folder is WINNT's: cause 4 comes from its VSS 8193 */
	ck_assert(!tu_has_warning(root, "Application.evtx absent"));
	c4 = tu_result(root, "cause4");
	ck_assert_str_eq(tu_str(c4, "status"), "present");
	ck_assert_ptr_nonnull(strstr(tu_str(c4, "summary"), "event logs show it"));
	ck_assert_ptr_nonnull(evidence_with(c4, "path", "WINNT\\Microsoft.NET\\Framework\\v2.0.50727"));
	json_array_foreach(json_object_get(c4, "remediation"), i, v)
		ck_assert_msg(!strstr(json_string_value(v), "C:\\Windows"), "%s", json_string_value(v));
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(json_object_get(c4, "remediation"), 3)),
				     "C:\\WINNT\\Microsoft.NET\\Framework\\v2.0.50727\\CONFIG\\Web.config"));
	/* the service binaries are found in WINNT\System32 */
	ck_assert_str_eq(status_of(root, "service-binary-missing"), "absent");
	ck_assert_str_eq(status_of(root, "cause2"), "absent");

	/* the same verdicts as the same server in C:\Windows */
	ck_assert_int_eq(st, st_ref);
	for (i = 0; i < 2; i++) {
		const char *where = i ? "findings" : "causes";
		size_t k;

		ck_assert_uint_eq(json_array_size(json_object_get(root, where)),
				  json_array_size(json_object_get(base, where)));
		json_array_foreach(json_object_get(base, where), k, v) {
			const char *id = tu_str(v, "id");

			ck_assert_msg(strcmp(status_of(root, id), tu_str(v, "status")) == 0,
				      "%s: %s in WINNT, %s in Windows", id, status_of(root, id),
				      tu_str(v, "status"));
		}
	}
	json_decref(root);
	json_decref(base);
	free(img);
	free(ref);
	free(dir);
}
END_TEST

/* Two folders hold a SYSTEM hive (a copy in "Windows" and the real one in
 * "WINNT"): SystemRoot decides; a SystemRoot naming another folder is a
 * warning, not a wrong folder. */
START_TEST(test_systemroot_decides)
{
	char *dir = tu_tmpdir("windir-confirm"), *img;
	json_t *root, *w;
	int st;

	img = build(dir, "two.img", tu_scenario("windir/system-copy"));
	root = tu_scan_image(img, &st, NULL);
	w = json_object_get(json_object_get(root, "source"), "windows");
	ck_assert_str_eq(tu_str(w, "windows_dir"), "WINNT");
	ck_assert_str_eq(status_of(root, "cause1"), "present");
	ck_assert(tu_has_warning(root, "1 more top-level folder of this volume holds System32\\config\\SYSTEM"));
	json_decref(root);
	free(img);

	/* SOFTWARE says C:\Windows, the hives are in WINNT */
	img = build(dir, "moved.img", tu_scenario("windir/systemroot-other"));
	root = tu_scan_image(img, &st, NULL);
	w = json_object_get(json_object_get(root, "source"), "windows");
	ck_assert_str_eq(tu_str(w, "system_root"), "C:\\WINNT");
	ck_assert(tu_has_warning(root, "SystemRoot 'C:\\Windows' names another folder"));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(tu_result(root, "cause1"), "remediation"), 0)),
			 "Takeown /f C:\\WINNT\\winsxs\\temp\\PendingRenames /a");
	json_decref(root);
	free(img);
	free(dir);
}
END_TEST

/* The data volume: D:'s service binary. */
static char *data_volume(const char *dir)
{
	struct err err;
	char *img = NULL;

	ck_assert_int_ge(asprintf(&img, "%s/data.img", dir), 0);
	err_init(&err);
	ck_assert_msg(ntfs_builder_run_spec(img, "size 8M\nlabel Data\nfile Apps\\svc.exe MZ\n",
					    NULL, &err) == 0, "%s", err.msg);
	return img;
}

static void check_two_volumes(json_t *root, int gone)
{
	json_t *src = json_object_get(root, "source"), *vols, *w, *bin, *e;

	/* the second volume is judged, and it is C: */
	ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(src, "volume"), "index")), 2);
	ck_assert_str_eq(tu_str(json_object_get(src, "volume"), "letter"), "C:");
	vols = json_object_get(src, "volumes");
	ck_assert_uint_eq(json_array_size(vols), 2);
	ck_assert_str_eq(tu_str(json_array_get(vols, 0), "letter"), "D:");
	ck_assert(json_is_false(json_object_get(json_array_get(vols, 0), "windows")));
	ck_assert_str_eq(tu_str(json_array_get(vols, 1), "letter"), "C:");
	ck_assert(json_is_true(json_object_get(json_array_get(vols, 1), "windows")));
	w = json_object_get(src, "windows");
	ck_assert_str_eq(tu_str(json_object_get(w, "drive_letters"), "C"), "partition 2");
	ck_assert_str_eq(tu_str(json_object_get(w, "drive_letters"), "D"), "partition 1");
	ck_assert_ptr_nonnull(strstr(tu_str(json_object_get(w, "drive_letters"), "E"), "not in the image"));
	ck_assert_str_eq(status_of(root, "cause1"), "present");

	/* D:\Apps\svc.exe is on partition 1: not missing; E: is unknown */
	bin = tu_result(root, "service-binary-missing");
	ck_assert_ptr_null(evidence_with(bin, "service", "AppSvc"));
	e = evidence_with(bin, "service", "OffSvc");
	ck_assert_ptr_nonnull(e);
	ck_assert_str_eq(tu_str(e, "status"), "unknown");
	ck_assert(json_is_null(json_object_get(e, "exists")));
	ck_assert_ptr_nonnull(strstr(tu_str(e, "note"), "unknown: volume not in the image"));
	ck_assert_str_eq(tu_str(e, "file"), "E:\\Tools\\off.exe");
	if (!gone) {
		ck_assert_str_eq(tu_str(bin, "status"), "absent");
	} else {
		ck_assert_str_eq(tu_str(bin, "status"), "present");
		e = evidence_with(bin, "service", "GoneSvc");
		ck_assert_ptr_nonnull(e);
		ck_assert(json_is_false(json_object_get(e, "exists")));
		ck_assert_str_eq(tu_str(e, "file"), "D:\\Apps\\gone.exe");
		ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(json_object_get(bin, "remediation"), 0)),
					     "D:\\Apps\\gone.exe"));
	}
}

/* info names each volume's letter */
static void check_info(const char *disk)
{
	struct tu_run r;
	json_error_t je;
	json_t *root, *vols;

	ck_assert_int_eq(tu_vssdoctor(&r, "info", "--format", "json", disk, NULL), 0);
	ck_assert_int_eq(r.status, 0);
	root = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(root);
	vols = json_object_get(root, "volumes");
	ck_assert_str_eq(tu_str(json_array_get(vols, 0), "letter"), "D:");
	ck_assert_str_eq(tu_str(json_array_get(vols, 1), "letter"), "C:");
	ck_assert(json_is_true(json_object_get(json_array_get(vols, 1), "holds_windows")));
	json_decref(root);
	tu_run_free(&r);
	ck_assert_int_eq(tu_vssdoctor(&r, "info", disk, NULL), 0);
	ck_assert_ptr_nonnull(strstr(r.out, "C:     "));
	ck_assert_ptr_nonnull(strstr(r.out, "D:     "));
	tu_run_free(&r);
}

/* MBR: D: is a data volume at 1 MiB, Windows (C:) is the second partition;
 * MountedDevices names them by disk signature and byte offset. */
/* SOFTWARE without SystemRoot: the boot configuration (the volume's
 * Boot\BCD, a Windows Boot Loader's SystemRoot element) names it, else the
 * folder that holds the hives stands for it; never a C:\Windows that
 * nothing wrote. */
static const struct bcd_vector {
	const char *what, *lines;
	const char *from;             /* windows.system_root_from */
	const char *warning;          /* a warning holds it, NULL: none about SystemRoot */
} bcd_vectors[] = {
	{ "BCD names WINNT", "bcd \\WINNT\n", "BCD", NULL },
	{ "BCD: the second loader names WINNT", "bcd \\Windows \\WINNT\n", "BCD", NULL },
	{ "no BCD", "", "folder",
	  "neither SOFTWARE nor the boot configuration (Boot\\BCD) names SystemRoot: taking C:\\WINNT" },
	{ "BCD names another folder", "bcd \\Windows\n", "folder",
	  "none of its 1 Windows loader(s) names 'WINNT' as SystemRoot" },
	{ "BCD not a hive", "vol dir Boot\nvol file Boot\\BCD not a hive\n", "folder",
	  "boot configuration Boot\\BCD cannot be read" },
};

START_TEST(test_systemroot_bcd)
{
	const struct bcd_vector *v = &bcd_vectors[_i];
	char *dir = tu_tmpdir("windir-bcd"), *img, *text = NULL;
	json_t *root, *w, *c1;
	int st;

	ck_assert_int_ge(asprintf(&text, "size 24M\nwindir WINNT\nbreak cause1 diagacl\n"
				  "reg software delete \"Microsoft\\Windows NT\\CurrentVersion\" SystemRoot\n%s",
				  v->lines), 0);
	img = build(dir, "bcd.img", text);
	root = tu_scan_image(img, &st, NULL);
	ck_assert_int_eq(st, 1);
	w = json_object_get(json_object_get(root, "source"), "windows");
	ck_assert_str_eq(tu_str(w, "system_root"), "C:\\WINNT");
	ck_assert_str_eq(tu_str(w, "windows_dir"), "WINNT");
	ck_assert_msg(strcmp(tu_str(w, "system_root_from"), v->from) == 0, "%s: from %s, want %s", v->what,
		      tu_str(w, "system_root_from"), v->from);
	/* nothing made up: no SystemRoot "C:\Windows" to disagree with */
	ck_assert_msg(!tu_has_warning(root, "names another folder"), "%s", v->what);
	if (v->warning)
		ck_assert_msg(tu_has_warning(root, v->warning), "%s: no warning '%s'", v->what, v->warning);
	else
		ck_assert_msg(!tu_has_warning(root, "SystemRoot"), "%s: a warning about SystemRoot", v->what);
	/* the fixes name C:\WINNT and X:\WINNT */
	c1 = tu_result(root, "cause1");
	ck_assert_str_eq(tu_str(c1, "status"), "present");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(c1, "remediation"), 0)),
			 "Takeown /f C:\\WINNT\\winsxs\\temp\\PendingRenames /a");
	ck_assert_str_eq(status_of(root, "vss-diag-key-acl"), "present");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_array_get(json_object_get(
		tu_result(root, "vss-diag-key-acl"), "remediation"), 5)), "X:\\WINNT\\System32\\config\\SYSTEM"));
	/* the service binaries are where SystemRoot says */
	ck_assert_str_eq(status_of(root, "service-binary-missing"), "absent");
	ck_assert_str_eq(status_of(root, "cause2"), "absent");
	json_decref(root);
	free(img);
	free(text);
	free(dir);
}
END_TEST

/* The boot configuration on a System Reserved partition (partition 1,
 * NTFS, no Windows), Windows in WINNT on partition 2 with no SystemRoot in
 * SOFTWARE: SystemRoot comes from partition 1's Boot\BCD. */
START_TEST(test_systemroot_bcd_system_reserved)
{
	char *dir = tu_tmpdir("windir-sysres"), *with = NULL, *win, *spec = NULL, *sysres = NULL;
	char *disk = NULL;
	static struct disk_layout l;
	struct err err;
	json_t *root, *w;
	int st;

	/* a BCD hive naming \WINNT, taken from a scenario volume */
	with = build(dir, "bcd-src.img", "size 24M\nwindir WINNT\nbcd \\WINNT\n");
	ck_assert_int_eq(tu_sh("ntfscat -f '%s' /Boot/BCD > '%s/BCD'", with, dir), 0);
	ck_assert_int_ge(asprintf(&sysres, "%s/sysres.img", dir), 0);
	ck_assert_int_ge(asprintf(&spec, "size 8M\nlabel System Reserved\ndir Boot\ncopy Boot\\BCD %s/BCD\n", dir), 0);
	err_init(&err);
	ck_assert_msg(ntfs_builder_run_spec(sysres, spec, NULL, &err) == 0, "%s", err.msg);
	win = build(dir, "win.img", "size 24M\nwindir WINNT\nbreak cause1\n"
		    "reg software delete \"Microsoft\\Windows NT\\CurrentVersion\" SystemRoot\n");
	memset(&l, 0, sizeof(l));
	l.scheme = DISK_MBR;
	l.mbr_signature = 0x5ec0de02;
	l.count = 2;
	l.part[0].volume = sysres;
	l.part[1].volume = win;
	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	err_init(&err);
	ck_assert_msg(disk_write(disk, &l, &err) == 0, "%s", err.msg);
	root = tu_scan_image(disk, &st, NULL);
	ck_assert_int_eq(st, 1);
	w = json_object_get(json_object_get(root, "source"), "windows");
	ck_assert_str_eq(tu_str(w, "system_root"), "C:\\WINNT");
	ck_assert_str_eq(tu_str(w, "system_root_from"), "BCD");
	ck_assert_msg(!tu_has_warning(root, "SystemRoot"), "a warning about SystemRoot");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(tu_result(root, "cause1"), "remediation"), 0)),
			 "Takeown /f C:\\WINNT\\winsxs\\temp\\PendingRenames /a");
	json_decref(root);
	free(disk);
	free(win);
	free(with);
	free(spec);
	free(sysres);
	free(dir);
}
END_TEST

START_TEST(test_two_volumes_mbr)
{
	char *dir = tu_tmpdir("windir-mbr"), *data = data_volume(dir), *win;
	char *disk = NULL;
	static struct disk_layout l;
	uint64_t off2 = MIB + 8 * MIB;     /* 1 MiB alignment, 8 MiB data volume */
	struct err err;
	json_t *root;
	int st;

	/* C: at off2 */
	win = build(dir, "win.img", tu_scenario("windir/two-volumes-mbr"));
	memset(&l, 0, sizeof(l));
	l.scheme = DISK_MBR;
	l.mbr_signature = 0x5ec0de01;
	l.count = 2;
	l.part[0].volume = data;
	l.part[1].volume = win;
	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	err_init(&err);
	ck_assert_msg(disk_write(disk, &l, &err) == 0, "%s", err.msg);
	ck_assert_uint_eq(l.part[1].offset, off2);
	root = tu_scan_image(disk, &st, NULL);
	check_two_volumes(root, 0);
	ck_assert_int_eq(st, 1);
	json_decref(root);
	check_info(disk);
	{
		/* the text report names the letters too */
		struct tu_run r;

		ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--no-color", "--rules", tu_env("VSSD_RULES"),
					      disk, NULL), 0);
		ck_assert_ptr_nonnull(strstr(r.out, "drive C:\n"));
		ck_assert_ptr_nonnull(strstr(r.out, "Drives:   C: partition 2, D: partition 1, E: not in the image (device path)\n"));
		tu_run_free(&r);
	}
	free(disk);
	free(win);
	free(data);
	free(dir);
}
END_TEST

/* GPT: partition 1 holds an older Windows (a copy, no MountedDevices of
 * its own) and D:'s binaries; partition 2 is the system volume its own
 * registry names C:.  The old choice (the first Windows volume) was
 * wrong; a binary missing on D: is found missing there. */
START_TEST(test_two_volumes_gpt)
{
	char *dir = tu_tmpdir("windir-gpt"), *old, *win, *disk = NULL;
	static struct disk_layout l;
	struct err err;
	json_t *root;
	int st;

	old = build(dir, "old.img", "size 24M\nos 2003\nvol file Apps\\svc.exe MZ\n");
	win = build(dir, "win.img", tu_scenario("windir/two-volumes-gpt"));
	memset(&l, 0, sizeof(l));
	l.scheme = DISK_GPT;
	l.count = 2;
	l.part[0].volume = old;
	l.part[1].volume = win;
	ck_assert_int_ge(asprintf(&disk, "%s/disk.img", dir), 0);
	err_init(&err);
	ck_assert_msg(disk_write(disk, &l, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(l.part[1].guid, "56535344-0000-4000-8000-000000000002");
	root = tu_scan_image(disk, &st, NULL);
	check_two_volumes(root, 1);
	ck_assert_str_eq(tu_str(json_object_get(json_object_get(root, "source"), "windows"), "system_root"),
			 "C:\\WINNT");
	ck_assert(tu_has_warning(root, "several volumes hold Windows; using partition 2, the system volume its registry names (also: 1)"));
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(tu_result(root, "cause1"), "remediation"), 0)),
			 "Takeown /f C:\\WINNT\\winsxs\\temp\\PendingRenames /a");
	json_decref(root);
	check_info(disk);
	free(disk);
	free(win);
	free(old);
	free(dir);
}
END_TEST

/* A bare volume (no table to match MountedDevices against) is the volume
 * SystemRoot names; the letters of the other volumes are not in it. */
START_TEST(test_bare_volume)
{
	char *dir = tu_tmpdir("windir-bare"), *img;
	json_t *root, *src;
	int st;

	img = build(dir, "vol.img", tu_scenario("windir/bare-volume"));
	root = tu_scan_image(img, &st, NULL);
	src = json_object_get(root, "source");
	ck_assert_str_eq(tu_str(json_object_get(src, "volume"), "letter"), "C:");
	ck_assert_str_eq(tu_str(json_object_get(json_object_get(src, "windows"), "drive_letters"), "C"),
			 "the bare volume");
	ck_assert_ptr_nonnull(strstr(tu_str(json_object_get(json_object_get(src, "windows"), "drive_letters"), "D"),
				     "not in the image"));
	ck_assert_str_eq(tu_str(evidence_with(tu_result(root, "service-binary-missing"), "service", "AppSvc"), "status"),
			 "unknown");
	ck_assert_str_eq(status_of(root, "service-binary-missing"), "absent");
	json_decref(root);
	free(img);
	free(dir);
}
END_TEST

/* A hostile root with more folders than LIMIT_WINDIR_ROOT_DIRS: one line
 * naming the limit, exit 2, no hang. */
START_TEST(test_root_limit)
{
	char *dir = tu_tmpdir("windir-limit");
	struct tu_run r;

	ck_assert_int_eq(tu_sh("cd '%s' && seq -w 1 %u | sed 's/^/d/' | xargs mkdir", dir,
			       LIMIT_WINDIR_ROOT_DIRS + 2), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "scan", "--rules", tu_env("VSSD_RULES"), dir, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "LIMIT_WINDIR_ROOT_DIRS (4096)") != NULL, "%s", r.err);
	tu_run_free(&r);
	free(dir);
}
END_TEST

Suite *windir_suite(void);
Suite *windir_suite(void)
{
	Suite *s = suite_create("windir");
	TCase *tc;

	tc = tcase_create("parse");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_loop_test(tc, test_mountdev_vectors, 0,
			    (int)(sizeof(md_vectors) / sizeof(md_vectors[0])));
	tcase_add_test(tc, test_assign_mbr);
	tcase_add_test(tc, test_assign_gpt);
	tcase_add_test(tc, test_split_expand);
	tcase_add_loop_test(tc, test_sample_hives, 0, (int)(sizeof(samples) / sizeof(samples[0])));
	suite_add_tcase(s, tc);

	tc = tcase_create("scan");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_winnt);
	tcase_add_test(tc, test_systemroot_decides);
	tcase_add_loop_test(tc, test_systemroot_bcd, 0, (int)(sizeof(bcd_vectors) / sizeof(bcd_vectors[0])));
	tcase_add_test(tc, test_systemroot_bcd_system_reserved);
	tcase_add_test(tc, test_two_volumes_mbr);
	tcase_add_test(tc, test_two_volumes_gpt);
	tcase_add_test(tc, test_bare_volume);
	tcase_add_test(tc, test_root_limit);
	suite_add_tcase(s, tc);
	return s;
}
