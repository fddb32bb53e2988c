/* `vssdoctor repair` (issue 21) end to end: scenario volumes broken with
 * causes 2 and 3 and the MsLldp finding, the plan a user reads, the repair
 * written into a qcow2 overlay and rescanned, SOURCE's SHA-256 unchanged,
 * the undo journal giving back the pre-repair bytes, and each refusal. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hivex.h>

#include "bytes.h"
#include "fs.h"
#include "hiveedit.h"
#include "hivelog.h"
#include "image.h"
#include "scenario.h"
#include "sddl.h"
#include "secdesc.h"
#include "testutil.h"

static char *path_beside(const char *img, const char *name)
{
	char *dir = strdup(img), *slash = strrchr(dir, '/'), *p = NULL;

	*slash = '\0';
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	free(dir);
	return p;
}

/* the change of the plan for (fixes, service, value), or NULL */
static json_t *change(json_t *plan, const char *fixes, const char *service, const char *value)
{
	size_t i;
	json_t *c;

	json_array_foreach(json_object_get(plan, "changes"), i, c) {
		const char *svc = json_string_value(json_object_get(c, "service"));

		if (!svc)               /* a file's change: by its path */
			svc = json_string_value(json_object_get(c, "path"));
		if (strcmp(json_string_value(json_object_get(c, "fixes")), fixes) == 0 &&
		    strcmp(svc, service) == 0 &&
		    strcmp(json_string_value(json_object_get(c, "value")), value) == 0)
			return c;
	}
	return NULL;
}

static int exists(const char *p)
{
	struct stat st;

	return stat(p, &st) == 0;
}

/* The SYSTEM hive as TARGET (a qcow2 overlay of a bare volume) holds it,
 * checked the way Windows and other readers would: base block sealed
 * (sequence numbers equal, checksum right), hivex opens it and reads
 * CryptSvc's descriptor, libregf's regfexport reads it whole.  Returns
 * that descriptor's SDDL (malloc'd). */
static char *target_hive_check(const char *target)
{
	struct image *img = NULL;
	struct fs *fs = NULL;
	struct err err;
	uint8_t *hive = NULL;
	size_t len = 0, vlen = 0;
	char *tmp = path_beside(target, "SYSTEM.out"), *sddl = NULL, *data;
	hive_h *h;
	hive_node_h n;
	hive_value_h v;
	hive_type t;
	const char *const path[] = { "ControlSet001", "Services", "CryptSvc", "Security" };
	struct secdesc sd;
	size_t i;

	err_init(&err);
	ck_assert_msg(image_open(&img, target, &err) == 0, "%s", err.msg);
	ck_assert_msg(fs_open_ntfs(&fs, img, 0, image_size(img), &err) == 0, "%s", err.msg);
	ck_assert_int_eq(fs_read_file(fs, "Windows\\System32\\config\\SYSTEM", 64u << 20, &hive, &len, &err), 1);
	ck_assert_uint_ge(len, 8192);
	ck_assert_uint_eq(le32(hive + 4), le32(hive + 8));
	ck_assert_uint_eq(hivelog_checksum(hive), le32(hive + 0x1fc));
	ck_assert_int_eq(tu_write_file(tmp, hive, len), 0);
	free(hive);
	fs_free(fs);
	image_free(img);

	h = hivex_open(tmp, 0);
	ck_assert_msg(h != NULL, "hivex cannot open the repaired hive");
	n = hivex_root(h);
	for (i = 0; i < 4; i++) {
		n = hivex_node_get_child(h, n, path[i]);
		ck_assert_msg(n != 0, "hivex: no key %s", path[i]);
	}
	v = hivex_node_get_value(h, n, "Security");
	ck_assert(v != 0);
	data = hivex_value_value(h, v, &t, &vlen);
	ck_assert_ptr_nonnull(data);
	memset(&sd, 0, sizeof(sd));
	ck_assert_int_eq(secdesc_parse((const uint8_t *)data, vlen, &sd, &err), 0);
	ck_assert_int_eq(sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &sddl, &err), 0);
	secdesc_release(&sd);
	free(data);
	hivex_close(h);
	ck_assert_int_eq(tu_sh("regfexport '%s' >/dev/null 2>&1", tmp), 0);
	unlink(tmp);
	free(tmp);
	return sddl;
}

/* ---- the plan -------------------------------------------------------------- */

START_TEST(test_plan)
{
	char *img = tu_build("repair-plan", "break cause3\nbreak cause2\nbreak mslldp\nbreak cause1\n");
	char *target = path_beside(img, "t.qcow2");
	char before[65], after[65];
	struct tu_run r;
	json_t *plan, *c, *m;
	size_t i;
	int cause1 = 0;

	ck_assert_int_eq(tu_sha256_file(img, before), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--format", "json", "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	plan = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(plan, "changes")), 4);
	c = change(plan, "cause3", "CryptSvc", "Security");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(json_string_value(json_object_get(c, "before")),
			 "D:(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)");
	ck_assert_str_eq(json_string_value(json_object_get(c, "after")),
			 "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
			 "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)");
	ck_assert_str_eq(json_string_value(json_object_get(c, "key")),
			 "ControlSet001\\Services\\CryptSvc\\Security");
	c = change(plan, "cause2", "CryptSvc", "Start");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(json_string_value(json_object_get(c, "before")), "4 (disabled)");
	ck_assert_str_eq(json_string_value(json_object_get(c, "after")), "2 (auto)");
	c = change(plan, "service-sd-blocks-writer", "MsLldp", "Security");
	ck_assert_ptr_nonnull(c);
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c, "after")), "(A;;CCLCSWLOCRRC;;;SU)"));
	/* cause 1: PendingRenames as KB 2009272's icacls /grant leave it,
	 * owned by TrustedInstaller as Windows installs it (FileMaps is not
	 * denied in this scenario) */
	c = change(plan, "cause1", "Windows\\WinSxS\\Temp\\PendingRenames", "security descriptor");
	ck_assert_ptr_nonnull(c);
	ck_assert_str_eq(json_string_value(json_object_get(c, "before")), "O:BAG:SYD:PAI(A;;FA;;;BA)");
	ck_assert_str_eq(json_string_value(json_object_get(c, "after")),
			 "O:" SCN_SID_TI "G:SYD:PAI(A;;FA;;;BA)(A;;0x1200a9;;;SY)(A;;FA;;;" SCN_SID_TI ")(A;;0x1200a9;;;BU)");
	json_array_foreach(json_object_get(plan, "not_repaired"), i, m)
		if (strcmp(json_string_value(json_object_get(m, "id")), "cause1") == 0)
			cause1 = 1;
	ck_assert_msg(!cause1, "cause1 is listed as not repaired");
	json_decref(plan);

	/* text: the same, nothing written */
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--rules", tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "before: 4 (disabled)"));
	ck_assert_ptr_nonnull(strstr(r.out, "[cause1] Windows\\WinSxS\\Temp\\PendingRenames  security descriptor"));
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(img, after), 0);
	ck_assert_str_eq(before, after);
	ck_assert(!exists(target));
	free(target);
	free(img);
}
END_TEST

/* ---- apply, rescan, undo --------------------------------------------------- */

static const struct {
	const char *scenario;
	const char *fixed[3];
	const char *format;          /* tu_formats name, NULL: the bare volume */
} applies[] = {
	{ "break cause3\n", { "cause3" }, NULL },
	{ "break cause2\n", { "cause2" }, NULL },
	{ "break mslldp\n", { "service-sd-blocks-writer" }, NULL },
	{ "break cause3\nbreak cause2\nbreak mslldp\n",
	  { "cause3", "cause2", "service-sd-blocks-writer" }, NULL },
	{ "break cause3\nbreak cause2\n", { "cause3", "cause2" }, "mbr" },
	{ "break cause3\n", { "cause3" }, "qcow2" },
	{ "break cause3\n", { "cause3" }, "vhd-dynamic" },
	{ "break cause3\n", { "cause3" }, "vmdk" },
	{ "break cause1\n", { "cause1" }, NULL },
	{ "break cause1\nbreak cause3\n", { "cause1", "cause3" }, "mbr" },
	{ "filemaps_files 3\nfilemaps_deny 2 " SCN_SDDL_WINSXS_BROKEN "\n"
	  "sddl Windows\\WinSxS\\FileMaps " SCN_SDDL_WINSXS_BROKEN "\n", { "cause1" }, "vhdx-dynamic" },
	{ "break cause4\n", { "cause4" }, NULL },
	{ "break cause4\nbreak cause1\nbreak cause2\n", { "cause4", "cause1", "cause2" }, "gpt-p3" },
};

START_TEST(test_apply)
{
	char *vol = tu_build("repair-apply", applies[_i].scenario);
	char *src = vol, *target = path_beside(vol, "t.qcow2"), *journal = NULL;
	char sum0[65], sum1[65];
	struct tu_run r;
	json_t *res, *scan;
	size_t k;

	if (applies[_i].format) {
		char *stem = path_beside(vol, "disk");

		src = tu_wrap(tu_format_named(applies[_i].format), vol, stem);
		ck_assert_ptr_nonnull(src);
		free(stem);
	}
	if (asprintf(&journal, "%s.undo.json", target) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(src, sum0), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), src, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	res = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert(json_is_true(json_object_get(res, "fixed")));
	for (k = 0; k < 3 && applies[_i].fixed[k]; k++) {
		const char *id = applies[_i].fixed[k];

		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "before"), id)), "present");
		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "after"), id)), "absent");
	}
	json_decref(res);

	/* SOURCE untouched; TARGET a qcow2 backed by it that differs */
	ck_assert_int_eq(tu_sha256_file(src, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	ck_assert_int_eq(tu_sh("qemu-img info '%s' | grep -q '^backing file: '", target), 0);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", target, src), 1);

	/* a user's rescan of TARGET */
	scan = tu_scan_json(target, &r);
	for (k = 0; k < 3 && applies[_i].fixed[k]; k++)
		ck_assert_str_eq(tu_status(scan, applies[_i].fixed[k]), "absent");
	ck_assert_str_eq(tu_status(scan, "hive-dirty"), "absent");
	json_decref(scan);
	tu_run_free(&r);
	/* NTFS written through libntfs-3g is left consistent: ntfsfix -n
	 * (nothing written) reads TARGET's volume clean */
	if (!applies[_i].format && (strstr(applies[_i].scenario, "cause1") ||
				    strstr(applies[_i].scenario, "cause4"))) {
		char *raw = path_beside(vol, "t.raw");

		ck_assert_int_eq(tu_sh("qemu-img convert -O raw '%s' '%s'", target, raw), 0);
		ck_assert_int_eq(tu_sh("ntfsfix -n '%s' >/dev/null 2>&1", raw), 0);
		unlink(raw);
		free(raw);
	}
	if (!applies[_i].format && strstr(applies[_i].scenario, "cause3")) {
		char *sddl = target_hive_check(target);

		ck_assert_str_eq(sddl, "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
				 "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)");
		free(sddl);
	}

	/* undo: TARGET reads as SOURCE again, the causes are back */
	ck_assert(exists(journal));
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, target, NULL), 0);
	ck_assert_msg(r.status == 0, "undo exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sh("qemu-img compare -q '%s' '%s'", target, src), 0);
	scan = tu_scan_json(target, &r);
	for (k = 0; k < 3 && applies[_i].fixed[k]; k++)
		ck_assert_str_eq(tu_status(scan, applies[_i].fixed[k]), "present");
	json_decref(scan);
	tu_run_free(&r);
	/* a second undo finds nothing of the repair left */
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, target, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "undone before"));
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(src, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	if (src != vol)
		free(src);
	free(journal);
	free(target);
	free(vol);
}
END_TEST

/* A cause the repair does not fix (a binary missing from the volume)
 * stays, reported; nothing to fix at all is refused. */
START_TEST(test_partial)
{
	char *img = tu_build("repair-partial", "break binary\nbreak cause3\n");
	char *target = path_beside(img, "t.qcow2"), *other = path_beside(img, "u.qcow2");
	struct tu_run r;
	json_t *res, *scan;
	char *only1;

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	res = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert_ptr_null(json_object_get(json_object_get(res, "after"), "service-binary-missing"));
	json_decref(res);
	scan = tu_scan_json(target, &r);
	ck_assert_str_eq(tu_status(scan, "service-binary-missing"), "present");
	ck_assert_str_eq(tu_status(scan, "cause3"), "absent");
	json_decref(scan);
	tu_run_free(&r);

	only1 = tu_build("repair-only1", "break binary\n");
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", other,
				      "--rules", tu_env("VSSD_RULES"), only1, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "nothing to repair automatically"));
	ck_assert(!exists(other));
	tu_run_free(&r);
	free(only1);
	free(other);
	free(target);
	free(img);
}
END_TEST

/* A FileMaps file whose deny ACE keeps Users out: KB 2009272's grants
 * are applied and the deny ACE, which takes from the writer's token what
 * it needs, is removed, the change's note saying so; the rescan finds
 * cause1 absent (exit 0), SOURCE untouched. */
START_TEST(test_cause1_deny_removed)
{
	char *img = tu_build("repair-deny", "filemaps_files 2\nfilemaps_deny 1\n");
	char *target = path_beside(img, "t.qcow2");
	char sum0[65], sum1[65];
	struct tu_run r;
	json_t *res, *c;

	ck_assert_int_eq(tu_sha256_file(img, sum0), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	res = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert(json_is_true(json_object_get(res, "fixed")));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "after"), "cause1")), "absent");
	ck_assert_uint_eq(json_array_size(json_object_get(res, "changes")), 1);
	c = json_array_get(json_object_get(res, "changes"), 0);
	ck_assert_str_eq(json_string_value(json_object_get(c, "path")), "Windows\\WinSxS\\FileMaps\\fm_00001.cdf-ms");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c, "before")), "(D;;FR;;;BU)"));
	ck_assert_str_eq(json_string_value(json_object_get(c, "after")),
			 "O:" SCN_SID_TI "G:SYD:PAI(A;;0x1200a9;;;SY)(A;;FA;;;" SCN_SID_TI ")(A;;0x1200a9;;;BU)");
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(c, "note")),
				     "deny ACE (D;;FR;;;BU) removed"));
	json_decref(res);
	ck_assert_int_eq(tu_sha256_file(img, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	free(target);
	free(img);
}
END_TEST

/* ---- real Windows hives (samples) ----------------------------------------- */

static const char *const real_hives[] = {
	"hives/SYSTEM_win10_1709", "hives/SYSTEM_win8_x64", "hives/SYSTEM_winxp",
};

/* hiveedit on hives Windows wrote: CryptSvc's descriptor replaced by the
 * (longer) expected one and Start set, sealed; same size; hivex and
 * regfexport read the result and see the new data; a dirty hive is
 * refused. */
START_TEST(test_real_hive)
{
	char *src = tu_sample(real_hives[_i]), *dir, *out = NULL, *sddl = NULL, *data;
	const char *want = "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)"
			   "(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)";
	struct hive_edit h;
	struct secdesc sd;
	struct err err;
	uint8_t *buf, *bin = NULL, start[4] = { 2, 0, 0, 0 };
	size_t len = 0, blen = 0, vlen = 0;
	uint32_t nk, vk, seq;
	hive_h *hx;
	hive_node_h n;
	hive_value_h v;
	hive_type t;
	const char *const path[] = { "ControlSet001", "Services", "CryptSvc", "Security" };
	size_t i;

	if (!src)
		return;
	buf = (uint8_t *)tu_read_file(src, &len);
	ck_assert_ptr_nonnull(buf);
	/* the Windows 8/10 samples were copied live (sequence numbers one
	 * apart): mark them clean as after a replay, the layout is what counts */
	seq = le32(buf + 4);
	put_le32(buf + 8, seq);
	put_le32(buf + 0x1fc, hivelog_checksum(buf));
	err_init(&err);
	ck_assert_msg(hive_edit_open(&h, buf, len, &err) == 0, "%s", err.msg);
	memset(&sd, 0, sizeof(sd));
	ck_assert_int_eq(sddl_decode(want, &sd, NULL, &err), 0);
	ck_assert_int_eq(secdesc_encode(&sd, &bin, &blen, &err), 0);
	secdesc_release(&sd);
	ck_assert_int_eq(hive_edit_find_key(&h, "ControlSet001\\Services\\CryptSvc\\Security", &nk, &err), 1);
	ck_assert_int_eq(hive_edit_find_value(&h, nk, "Security", &vk, &err), 1);
	ck_assert_msg(hive_edit_set_value(&h, vk, bin, (uint32_t)blen, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(hive_edit_find_key(&h, "controlset001\\services\\cryptsvc", &nk, &err), 1);
	ck_assert_int_eq(hive_edit_find_value(&h, nk, "start", &vk, &err), 1);
	ck_assert_int_eq(hive_edit_set_value(&h, vk, start, 4, &err), 0);
	hive_edit_seal(&h, 0x01d9000000000000ull);
	ck_assert_uint_eq(le32(buf + 4), seq + 1);
	ck_assert_uint_eq(le32(buf + 8), seq + 1);

	dir = tu_tmpdir("repair-realhive");
	if (asprintf(&out, "%s/SYSTEM", dir) < 0)
		abort();
	ck_assert_int_eq(tu_write_file(out, buf, len), 0);
	hx = hivex_open(out, 0);
	ck_assert_msg(hx != NULL, "hivex cannot open the edited %s", real_hives[_i]);
	n = hivex_root(hx);
	for (i = 0; i < 4; i++) {
		n = hivex_node_get_child(hx, n, path[i]);
		ck_assert(n != 0);
	}
	v = hivex_node_get_value(hx, n, "Security");
	data = hivex_value_value(hx, v, &t, &vlen);
	ck_assert_ptr_nonnull(data);
	ck_assert_uint_eq(vlen, blen);
	ck_assert_int_eq(memcmp(data, bin, blen), 0);
	free(data);
	n = hivex_node_parent(hx, n);
	v = hivex_node_get_value(hx, n, "Start");
	ck_assert_int_eq(hivex_value_dword(hx, v), 2);
	hivex_close(hx);
	ck_assert_int_eq(tu_sh("regfexport '%s' >/dev/null 2>&1", out), 0);
	free(sddl);
	free(bin);
	free(buf);
	free(out);
	free(dir);
	free(src);
}
END_TEST

START_TEST(test_real_hive_dirty)
{
	char *src = tu_sample("hives/SYSTEM_win10_dirty");
	struct hive_edit h;
	struct err err;
	uint8_t *buf;
	size_t len = 0;

	if (!src)
		return;
	buf = (uint8_t *)tu_read_file(src, &len);
	ck_assert_ptr_nonnull(buf);
	err_init(&err);
	ck_assert_int_eq(hive_edit_open(&h, buf, len, &err), -E_UNSUPPORTED);
	ck_assert_ptr_nonnull(strstr(err.msg, "dirty"));
	free(buf);
	free(src);
}
END_TEST

/* ---- refusals -------------------------------------------------------------- */

static void assert_refused(const char *src, const char *want, const char *extra)
{
	char *target = path_beside(src, "refused.qcow2");
	char sum0[65], sum1[65];
	struct tu_run r;

	ck_assert_int_eq(tu_sha256_file(src, sum0), 0);
	if (extra)
		ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", extra, "--rules",
					      tu_env("VSSD_RULES"), src, NULL), 0);
	else
		ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--rules",
					      tu_env("VSSD_RULES"), src, NULL), 0);
	ck_assert_msg(r.status == 2, "exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, want) != NULL, "want '%s' in: %s", want, r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "not one line: %s", r.err);
	ck_assert_uint_eq(r.out_len, 0);
	tu_run_free(&r);
	ck_assert(!exists(target));
	ck_assert_int_eq(tu_sha256_file(src, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	free(target);
}

START_TEST(test_refuse_dirty_hive)
{
	/* a log that replays is replayed (check_repair_dirty.c); one that
	 * does not is refused */
	char *img = tu_build("repair-dirtyhive", "break cause3\nlog system new corrupt 0\n"
			  "reg system dword ControlSet001\\Services\\VSS Start 3\n");

	assert_refused(img, "SYSTEM hive is dirty and its transaction logs do not replay", NULL);
	free(img);
}
END_TEST

START_TEST(test_refuse_ntfs_dirty)
{
	char *img = tu_build("repair-ntfsdirty", tu_scenario("repair/ntfs-dirty"));

	assert_refused(img, "marked dirty", NULL);
	free(img);
}
END_TEST

START_TEST(test_refuse_hibernated)
{
	char *text = NULL, *img;

	if (asprintf(&text, "break cause3\nvol file hiberfil.sys hibr%05000d\n", 0) < 0)
		abort();
	img = tu_build("repair-hiber", text);
	assert_refused(img, "hibernated", NULL);
	free(text);
	free(img);
}
END_TEST

/* A BitLocker volume (testdata/mkbde) without its secret: the one line
 * names its protector and the option that opens it (repair through the
 * secret: check_repair_bde.c).  A volume whose signature says BitLocker
 * but has no metadata behind it is unreadable: one line too. */
START_TEST(test_refuse_bitlocker)
{
	char *img = tu_build("repair-bde", "break cause3\n");
	char *bde = path_beside(img, "v.bde");
	FILE *f;

	ck_assert_int_eq(tu_sh("'%s/mkbde' --volume '%s' --out '%s' --recovery-password %s",
			       tu_env("VSSD_TOOLS"), img, bde,
			       "111111-222222-333333-444444-555555-666666-000000-123453"), 0);
	assert_refused(bde, "BitLocker volume without its secret", NULL);
	assert_refused(bde, "protectors: recovery password; open it with --recovery-password", NULL);
	f = fopen(img, "r+b");
	ck_assert_ptr_nonnull(f);
	ck_assert_int_eq(fseek(f, 3, SEEK_SET), 0);
	ck_assert_int_eq(fwrite("-FVE-FS-", 1, 8, f), 8);
	ck_assert_int_eq(fclose(f), 0);
	assert_refused(img, "BitLocker metadata", NULL);
	free(bde);
	free(img);
}
END_TEST

START_TEST(test_refuse_e01)
{
	char *vol = tu_build("repair-e01", "break cause3\n");
	char *stem = path_beside(vol, "disk");
	char *e01 = tu_wrap(tu_format_named("e01"), vol, stem);

	ck_assert_ptr_nonnull(e01);
	assert_refused(e01, "never modified in place", "--in-place");
	assert_refused(e01, "cannot back a qcow2 overlay", NULL);
	free(e01);
	free(stem);
	free(vol);
}
END_TEST

START_TEST(test_refuse_target_exists)
{
	char *img = tu_build("repair-exists", "break cause3\n");
	char *target = path_beside(img, "t.qcow2");
	char sum0[65], sum1[65];
	struct tu_run r;

	ck_assert_int_eq(tu_write_file(target, "keep me", 7), 0);
	ck_assert_int_eq(tu_sha256_file(target, sum0), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "exists already"));
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(target, sum1), 0);
	ck_assert_str_eq(sum0, sum1);
	free(target);
	free(img);
}
END_TEST

Suite *repair_suite(void);
Suite *repair_suite(void)
{
	Suite *s = suite_create("repair");
	TCase *tc;

	tc = tcase_create("plan");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_plan);
	suite_add_tcase(s, tc);

	tc = tcase_create("apply");
	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_apply, 0, (int)(sizeof(applies) / sizeof(applies[0])));
	tcase_add_test(tc, test_partial);
	tcase_add_test(tc, test_cause1_deny_removed);
	suite_add_tcase(s, tc);

	tc = tcase_create("real_hives");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_real_hive, 0, (int)(sizeof(real_hives) / sizeof(real_hives[0])));
	tcase_add_test(tc, test_real_hive_dirty);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_refuse_dirty_hive);
	tcase_add_test(tc, test_refuse_ntfs_dirty);
	tcase_add_test(tc, test_refuse_hibernated);
	tcase_add_test(tc, test_refuse_bitlocker);
	tcase_add_test(tc, test_refuse_e01);
	tcase_add_test(tc, test_refuse_target_exists);
	suite_add_tcase(s, tc);
	return s;
}
