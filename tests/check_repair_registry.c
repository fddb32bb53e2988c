/* `vssdoctor repair` of the registry findings with a safe automatic fix
 * (issue 21): each scenario repaired into a qcow2 overlay and rescanned,
 * the finding gone, the changed hives read back clean by hivex and
 * libregf's regfexport, SOURCE's SHA-256 unchanged, undo giving back the
 * exact pre-repair hive bytes; and the hive editor's new operations
 * (adding a value, setting a key's sk cell) on their own, including the
 * refusal, buffer untouched, when no free cell fits. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hivex.h>

#include "bytes.h"
#include "fs.h"
#include "hiveedit.h"
#include "hivelog.h"
#include "image.h"
#include "sddl.h"
#include "secdesc.h"
#include "testutil.h"

static char *beside(const char *img, const char *name)
{
	char *dir = strdup(img), *slash = strrchr(dir, '/'), *p = NULL;

	*slash = '\0';
	if (asprintf(&p, "%s/%s", dir, name) < 0)
		abort();
	free(dir);
	return p;
}

/* The file at path of the NTFS volume in img (a bare volume, a qcow2
 * overlay of one), malloc'd. */
static uint8_t *volume_file(const char *img, const char *path, size_t *len)
{
	struct image *im = NULL;
	struct fs *fs = NULL;
	struct err err;
	uint8_t *buf = NULL;

	err_init(&err);
	ck_assert_msg(image_open(&im, img, &err) == 0, "%s", err.msg);
	ck_assert_msg(fs_open_ntfs(&fs, im, 0, image_size(im), &err) == 0, "%s", err.msg);
	ck_assert_msg(fs_read_file(fs, path, 64u << 20, &buf, len, &err) == 1, "%s: %s", path, err.msg);
	fs_free(fs);
	image_free(im);
	return buf;
}

/* hivex opens the hive, finds key (a '\' path) and, when value is set,
 * reads that value; regfexport reads it whole. */
static void hive_reads_clean(const uint8_t *hive, size_t len, const char *where,
			     const char *key, const char *value)
{
	char *tmp = beside(where, "hive.out"), *k = strdup(key), *part, *save = NULL;
	hive_h *h;
	hive_node_h n;

	ck_assert_uint_eq(le32(hive + 4), le32(hive + 8));
	ck_assert_uint_eq(hivelog_checksum(hive), le32(hive + 0x1fc));
	ck_assert_int_eq(tu_write_file(tmp, hive, len), 0);
	h = hivex_open(tmp, 0);
	ck_assert_msg(h != NULL, "hivex cannot open the repaired hive");
	n = hivex_root(h);
	for (part = strtok_r(k, "\\", &save); part; part = strtok_r(NULL, "\\", &save)) {
		n = hivex_node_get_child(h, n, part);
		ck_assert_msg(n != 0, "hivex: no key %s in %s", part, key);
	}
	if (value) {
		hive_value_h v = hivex_node_get_value(h, n, value);
		hive_type t;
		size_t vlen = 0;
		char *data;

		ck_assert_msg(v != 0, "hivex: no value %s under %s", value, key);
		data = hivex_value_value(h, v, &t, &vlen);
		ck_assert_ptr_nonnull(data);
		free(data);
	}
	hivex_close(h);
	ck_assert_int_eq(tu_sh("regfexport '%s' >/dev/null 2>&1", tmp), 0);
	unlink(tmp);
	free(tmp);
	free(k);
}

/* ---- scenarios repaired, rescanned, undone --------------------------------- */

static const struct {
	const char *scenario;        /* tu_scenarios name */
	const char *fixed[3];        /* absent after the repair */
	const char *value;           /* a value the plan changes, NULL: none */
} cases[] = {
	{ "causes23/dependency-missing", { "cause2" }, "DependOnService" },
	{ "causes23/no-servicedll", { "cause2" }, "ServiceDll" },
	{ "causes23/vssacl", { "vss-access-control" }, "NT Authority\\NetworkService" },
	{ "findings/diagacl", { "vss-diag-key-acl" }, NULL },
	{ "findings/comsec", { "com-access-denied" }, "MachineAccessRestriction" },
	{ "findings/imagepath", { "service-imagepath-invalid" }, "ImagePath" },
	{ "findings/imagepath-prefixed", { "service-imagepath-invalid" }, "ImagePath" },
	{ "findings/together", { "com-access-denied", "service-imagepath-invalid", "vss-diag-key-acl" }, NULL },
	{ "windir/winnt", { "com-access-denied", "service-imagepath-invalid", "vss-diag-key-acl" }, NULL },
	{ "windir/bcd", { "vss-diag-key-acl" }, NULL },
	{ "windir/no-bcd", { "vss-diag-key-acl" }, NULL },
};

/* Each hive change of the plan read back clean from TARGET; the hive's
 * path on the volume and its bytes in SOURCE are kept in *hives. */
struct hive_copy {
	char path[512];
	uint8_t *before;
	size_t len;
};

static void changes_read_back(json_t *journal, const char *src, const char *target,
			      struct hive_copy hives[2], const char *value)
{
	const char *names[2] = { "hive", "software_hive" }, *hn[2] = { "SYSTEM", "SOFTWARE" };
	json_t *c;
	size_t i, k, seen = 0;

	for (k = 0; k < 2; k++) {
		const char *path = json_string_value(json_object_get(journal, names[k]));
		int used = 0;

		json_array_foreach(json_object_get(journal, "values"), i, c)
			used |= json_string_value(json_object_get(c, "hive")) &&
				strcmp(json_string_value(json_object_get(c, "hive")), hn[k]) == 0;
		if (!used || !path)
			continue;
		snprintf(hives[k].path, sizeof(hives[k].path), "%s", path);
		hives[k].before = volume_file(src, path, &hives[k].len);
		json_array_foreach(json_object_get(journal, "values"), i, c) {
			const char *key = json_string_value(json_object_get(c, "key"));
			const char *v = json_string_value(json_object_get(c, "value"));
			size_t len = 0;
			uint8_t *after;

			if (!key || strcmp(json_string_value(json_object_get(c, "hive")), hn[k]) != 0)
				continue;
			after = volume_file(target, path, &len);
			ck_assert_uint_eq(len, hives[k].len);        /* never grown */
			hive_reads_clean(after, len, target, key,
					 strcmp(v, "key security descriptor") == 0 ? NULL : v);
			seen += value && strcmp(v, value) == 0;
			free(after);
		}
	}
	ck_assert_msg(!value || seen, "the plan changes no value %s", value);
}

START_TEST(test_scenario)
{
	char *src = tu_build("repair-registry", tu_scenario(cases[_i].scenario));
	char *target = beside(src, "t.qcow2"), *journal = NULL;
	struct hive_copy hives[2];
	char sum0[65], sum1[65];
	struct tu_run r;
	json_t *res, *scan, *jr;
	size_t k;

	memset(hives, 0, sizeof(hives));
	if (asprintf(&journal, "%s.undo.json", target) < 0)
		abort();
	ck_assert_int_eq(tu_sha256_file(src, sum0), 0);
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), src, NULL), 0);
	ck_assert_msg(r.status == 0 || r.status == 1, "exit %d: %s", r.status, r.err);
	res = tu_json_out(&r, NULL);
	tu_run_free(&r);
	for (k = 0; k < 3 && cases[_i].fixed[k]; k++) {
		const char *id = cases[_i].fixed[k];

		ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "before"), id)), "present");
		ck_assert_msg(strcmp(json_string_value(json_object_get(json_object_get(res, "after"), id)),
				     "absent") == 0, "%s: %s still present", cases[_i].scenario, id);
	}
	json_decref(res);

	/* a user's rescan of TARGET; SOURCE untouched */
	scan = tu_scan_json(target, &r);
	for (k = 0; k < 3 && cases[_i].fixed[k]; k++)
		ck_assert_str_eq(tu_status(scan, cases[_i].fixed[k]), "absent");
	ck_assert_str_eq(tu_status(scan, "hive-dirty"), "absent");
	json_decref(scan);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(src, sum1), 0);
	ck_assert_str_eq(sum0, sum1);

	/* the changed hives read back clean, same size */
	jr = json_load_file(journal, 0, NULL);
	ck_assert_ptr_nonnull(jr);
	changes_read_back(jr, src, target, hives, cases[_i].value);
	json_decref(jr);

	/* undo: the exact pre-repair bytes of every changed hive */
	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--undo", journal, target, NULL), 0);
	ck_assert_msg(r.status == 0, "undo exit %d: %s", r.status, r.err);
	tu_run_free(&r);
	for (k = 0; k < 2; k++) {
		size_t len = 0;
		uint8_t *now;

		if (!hives[k].before)
			continue;
		now = volume_file(target, hives[k].path, &len);
		ck_assert_uint_eq(len, hives[k].len);
		ck_assert_msg(memcmp(now, hives[k].before, len) == 0, "%s differs after undo", hives[k].path);
		free(now);
		free(hives[k].before);
	}
	scan = tu_scan_json(target, &r);
	for (k = 0; k < 3 && cases[_i].fixed[k]; k++)
		ck_assert_str_eq(tu_status(scan, cases[_i].fixed[k]), "present");
	json_decref(scan);
	tu_run_free(&r);
	free(journal);
	free(target);
	free(src);
}
END_TEST

/* The plan a user reads: before and after of each new kind of change. */
START_TEST(test_plan_values)
{
	char *img = tu_build("repair-registry-plan", "os 2016\nbreak vssacl diagacl comsec imagepath\n"
			     "reg system multi_sz ControlSet001\\Services\\VSS DependOnService RPCSS|NoSuchSvc\n");
	struct tu_run r;
	json_t *plan, *c;
	size_t i;
	int seen = 0;

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--format", "json", "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	plan = tu_json_out(&r, NULL);
	tu_run_free(&r);
	json_array_foreach(json_object_get(plan, "changes"), i, c) {
		const char *v = json_string_value(json_object_get(c, "value"));
		const char *before = json_string_value(json_object_get(c, "before"));
		const char *after = json_string_value(json_object_get(c, "after"));
		const char *hive = json_string_value(json_object_get(c, "hive"));

		if (strcmp(v, "DependOnService") == 0) {
			ck_assert_str_eq(before, "RPCSS NoSuchSvc");
			ck_assert_str_eq(after, "RPCSS");
			seen |= 1;
		} else if (strcmp(v, "NT Authority\\NetworkService") == 0) {
			ck_assert_str_eq(before, "0");
			ck_assert_str_eq(after, "1");
			seen |= 2;
		} else if (strcmp(v, "key security descriptor") == 0) {
			ck_assert_str_eq(json_string_value(json_object_get(c, "key")),
					 "ControlSet001\\Services\\VSS\\Diag");
			ck_assert_ptr_nonnull(strstr(after, "(A;;KA;;;NS)"));
			ck_assert_ptr_null(strstr(before, "(A;;KA;;;NS)"));
			seen |= 4;
		} else if (strcmp(v, "MachineAccessRestriction") == 0) {
			ck_assert_str_eq(hive, "SOFTWARE");
			ck_assert_str_eq(json_string_value(json_object_get(c, "key")), "Microsoft\\Ole");
			ck_assert_ptr_nonnull(strstr(after, ";;;NS)"));
			seen |= 8;
		} else if (strcmp(v, "ImagePath") == 0) {
			ck_assert_str_eq(after, "\"C:\\Program Files\\Foo Agent\\agent.exe\" -service");
			seen |= 16;
		}
	}
	ck_assert_int_eq(seen, 31);
	json_decref(plan);
	free(img);
}
END_TEST

/* ImagePath corrected to a binary that is not on the volume: not
 * repaired, the manual fix listed. */
START_TEST(test_imagepath_binary_missing)
{
	char *img = tu_build("repair-registry-ipmissing", "os 2012r2\nbreak imagepath\n"
			     "reg system expand_sz ControlSet001\\Services\\FooAgent ImagePath "
			     "C:/Program Files/Nowhere/agent.exe -service\n");
	struct tu_run r;
	json_t *plan, *m;
	size_t i;
	int listed = 0;

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--plan", "--format", "json", "--rules",
				      tu_env("VSSD_RULES"), img, NULL), 0);
	plan = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert_uint_eq(json_array_size(json_object_get(plan, "changes")), 0);
	json_array_foreach(json_object_get(plan, "not_repaired"), i, m)
		listed |= strcmp(json_string_value(json_object_get(m, "id")), "service-imagepath-invalid") == 0;
	ck_assert(listed);
	json_decref(plan);
	free(img);
}
END_TEST

/* An ImagePath with a non-ASCII folder: the corrected value is written
 * as UTF-16LE of the same text (hivex reads it back as the plan's
 * after), and the rescan finds the binary where it is. */
START_TEST(test_imagepath_non_ascii)
{
	char *src = tu_build("repair-registry-ipnonascii", "os 2012r2\nbreak imagepath\n"
			     "binary \"Program Files\\Soci\xc3\xa9t\xc3\xa9\\agent.exe\"\n"
			     "reg system expand_sz ControlSet001\\Services\\FooAgent ImagePath "
			     "C:/Program Files/Soci\xc3\xa9t\xc3\xa9/agent.exe -service\n");
	const char *want = "\"C:\\Program Files\\Soci\xc3\xa9t\xc3\xa9\\agent.exe\" -service";
	char *target = beside(src, "t.qcow2"), *tmp = beside(src, "hive.out"), *got;
	uint8_t *hive;
	size_t len = 0;
	struct tu_run r;
	json_t *res, *scan;
	hive_h *h;
	hive_node_h n;

	ck_assert_int_eq(tu_vssdoctor(&r, "repair", "--apply", "--output", target, "--format", "json",
				      "--rules", tu_env("VSSD_RULES"), src, NULL), 0);
	ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
	res = tu_json_out(&r, NULL);
	tu_run_free(&r);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(res, "after"),
							   "service-imagepath-invalid")), "absent");
	json_decref(res);

	hive = volume_file(target, "Windows\\System32\\config\\SYSTEM", &len);
	ck_assert_int_eq(tu_write_file(tmp, hive, len), 0);
	h = hivex_open(tmp, 0);
	ck_assert_ptr_nonnull(h);
	n = hivex_node_get_child(h, hivex_node_get_child(h, hivex_node_get_child(h, hivex_root(h),
				 "ControlSet001"), "Services"), "FooAgent");
	ck_assert(n != 0);
	got = hivex_value_string(h, hivex_node_get_value(h, n, "ImagePath"));
	ck_assert_ptr_nonnull(got);
	ck_assert_str_eq(got, want);
	free(got);
	hivex_close(h);
	unlink(tmp);

	scan = tu_scan_json(target, &r);
	ck_assert_str_eq(tu_status(scan, "service-imagepath-invalid"), "absent");
	ck_assert_str_eq(tu_status(scan, "service-binary-missing"), "absent");
	json_decref(scan);
	tu_run_free(&r);
	free(hive);
	free(tmp);
	free(target);
	free(src);
}
END_TEST

/* ---- the hive editor's new operations ---------------------------------------- */

/* The SYSTEM hive of a scenario volume (malloc'd). */
static uint8_t *scenario_system(const char *tag, size_t *len)
{
	char *img = tu_build(tag, "os 2016\n");
	uint8_t *buf = volume_file(img, "Windows\\System32\\config\\SYSTEM", len);

	free(img);
	return buf;
}

/* Every free cell of the hive marked allocated (no room left); the
 * offsets of those that were free, by size, in *cells. */
static size_t fill_free_cells(uint8_t *buf, size_t len, uint32_t *cells, size_t max)
{
	uint32_t bins = le32(buf + 0x28), bin = 0, n = 0;

	ck_assert_uint_le((size_t)bins + 4096, len);
	while (bin < bins) {
		uint32_t bsize = le32(buf + 4096 + bin + 8), off;

		for (off = bin + 0x20; off < bin + bsize;) {
			int32_t sz = (int32_t)le32(buf + 4096 + off);

			if (sz > 0) {
				put_le32(buf + 4096 + off, (uint32_t)-sz);
				if (n < max)
					cells[n++] = off;
			}
			off += (uint32_t)(sz < 0 ? -sz : sz);
		}
		bin += bsize;
	}
	return n;
}

static char *write_tmp(const char *tag, const uint8_t *buf, size_t len)
{
	char *dir = tu_tmpdir(tag), *out = NULL;

	if (asprintf(&out, "%s/SYSTEM", dir) < 0)
		abort();
	ck_assert_int_eq(tu_write_file(out, buf, len), 0);
	free(dir);
	return out;
}

START_TEST(test_add_value)
{
	size_t len = 0;
	uint8_t *buf = scenario_system("hiveedit-add", &len);
	const char *sz = "%\0S\0y\0s\0t\0e\0m\0R\0o\0o\0t\0%\0\\\0x\0.\0d\0l\0l\0\0";
	struct hive_edit h;
	struct err err;
	uint32_t nk, vk, type, olen, count, one = 1;
	const uint8_t *data;
	struct tu_regf l;
	char *out, *text;

	err_init(&err);
	ck_assert_int_eq(hive_edit_open(&h, buf, len, &err), 0);
	ck_assert_int_eq(hive_edit_find_key(&h, "ControlSet001\\Services\\VSS", &nk, &err), 1);
	ck_assert_int_eq(hive_edit_find_value(&h, nk, "NewText", &vk, &err), 0);
	count = le32(buf + 4096 + nk + 4 + 0x24);
	ck_assert_msg(hive_edit_add_value(&h, nk, "NewText", 2, (const uint8_t *)sz, 38, &vk, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(hive_edit_add_value(&h, nk, "NewDword", 4, (const uint8_t *)&one, 4, &vk, &err), 0);
	ck_assert_uint_eq(le32(buf + 4096 + nk + 4 + 0x24), count + 2);
	ck_assert_int_eq(hive_edit_find_value(&h, nk, "newtext", &vk, &err), 1);
	ck_assert_int_eq(hive_edit_value(&h, vk, &type, &data, &olen, &err), 0);
	ck_assert_uint_eq(type, 2);
	ck_assert_uint_eq(olen, 38);
	ck_assert_int_eq(memcmp(data, sz, 38), 0);
	/* a key without values gets its first */
	ck_assert_int_eq(hive_edit_find_key(&h, "ControlSet001\\Services\\VSS\\Diag", &nk, &err), 1);
	ck_assert_int_eq(hive_edit_add_value(&h, nk, "First", 4, (const uint8_t *)&one, 4, &vk, &err), 0);
	hive_edit_seal(&h, 0x01d9000000000000ull);

	/* hivex, libregf and regfexport read them */
	out = write_tmp("hiveedit-add", buf, len);
	hive_reads_clean(buf, len, out, "ControlSet001\\Services\\VSS", "NewText");
	hive_reads_clean(buf, len, out, "ControlSet001\\Services\\VSS\\Diag", "First");
	ck_assert_int_eq(tu_regf_open(&l, buf, len), 0);
	text = tu_regf_sz(&l, "ControlSet001\\Services\\VSS", "NewText", &type);
	ck_assert_ptr_nonnull(text);
	ck_assert_str_eq(text, "%SystemRoot%\\x.dll");
	ck_assert_int_eq(tu_regf_dword(&l, "ControlSet001\\Services\\VSS", "NewDword", &one), 0);
	ck_assert_uint_eq(one, 1);
	free(text);
	tu_regf_close(&l);
	free(out);
	free(buf);
}
END_TEST

/* No free cell fits: refused with -E_LIMIT, the buffer as it was, also
 * when the first of the three cells did fit (rolled back). */
START_TEST(test_add_value_no_room)
{
	size_t len = 0, n;
	uint8_t *buf = scenario_system("hiveedit-full", &len), *copy;
	uint32_t cells[4096], nk, vk, i, big = 0;
	uint8_t data[200];
	struct hive_edit h;
	struct err err;

	memset(data, 'x', sizeof(data));
	n = fill_free_cells(buf, len, cells, 4096);
	ck_assert_uint_gt(n, 0);
	err_init(&err);
	ck_assert_int_eq(hive_edit_open(&h, buf, len, &err), 0);
	ck_assert_int_eq(hive_edit_find_key(&h, "ControlSet001\\Services\\VSS", &nk, &err), 1);
	copy = malloc(len);
	memcpy(copy, buf, len);
	ck_assert_int_eq(hive_edit_add_value(&h, nk, "X", 3, data, 100, &vk, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "no free cell"));
	ck_assert_int_eq(memcmp(copy, buf, len), 0);
	/* one free cell, just the data's size: the data fits, the vk does not */
	for (i = 0; i < n; i++)
		if ((uint32_t)-(int32_t)le32(buf + 4096 + cells[i]) >= 112) {
			big = cells[i];
			break;
		}
	ck_assert_uint_ne(big, 0);
	put_le32(buf + 4096 + big, 112);
	memcpy(copy, buf, len);
	err_init(&err);
	ck_assert_int_eq(hive_edit_add_value(&h, nk, "X", 3, data, 104, &vk, &err), -E_LIMIT);
	ck_assert_int_eq(memcmp(copy, buf, len), 0);
	free(copy);
	free(buf);
}
END_TEST

#define SK(nk) le32(buf + 4096 + (nk) + 4 + 0x2c)

static uint8_t *sd_of(const char *sddl, size_t *len)
{
	struct secdesc sd;
	struct err err;
	uint8_t *bin = NULL;

	err_init(&err);
	memset(&sd, 0, sizeof(sd));
	ck_assert_int_eq(sddl_decode(sddl, &sd, NULL, &err), 0);
	ck_assert_int_eq(secdesc_encode(&sd, &bin, len, &err), 0);
	secdesc_release(&sd);
	return bin;
}

/* the sk list, walked by flink from the root key's sk, is closed both
 * ways and holds each sk once; its length */
static size_t sk_list_ok(const uint8_t *buf, uint32_t root)
{
	uint32_t start = le32(buf + 4096 + root + 4 + 0x2c), cur = start;
	size_t n = 0;

	do {
		const uint8_t *k = buf + 4096 + cur + 4;
		uint32_t fl = le32(k + 4);

		ck_assert_int_eq(memcmp(k, "sk", 2), 0);
		ck_assert_uint_gt(le32(k + 0x0c), 0);
		ck_assert_uint_eq(le32(buf + 4096 + fl + 4 + 8), cur);
		cur = fl;
		ck_assert_uint_lt(++n, 10000);
	} while (cur != start);
	return n;
}

START_TEST(test_set_key_sd)
{
	size_t len = 0, blen = 0, small_len = 0, n0;
	uint8_t *buf = scenario_system("hiveedit-sk", &len), *copy;
	uint8_t *bin = sd_of("O:SYG:SYD:PAI(A;;KA;;;BA)(A;;KA;;;SY)(A;;KA;;;NS)(A;;KR;;;BU)"
			     "(A;CIIO;GA;;;BA)(A;CIIO;GA;;;SY)(A;CIIO;GA;;;NS)(A;CIIO;GR;;;BU)", &blen);
	uint8_t *small = sd_of("O:SYG:SYD:P(A;;KA;;;SY)", &small_len);
	size_t small2_len = 0;
	uint8_t *small2 = sd_of("O:SYG:SYD:P(A;;KR;;;SY)", &small2_len);
	uint32_t at;
	const uint8_t *sd;
	uint32_t nk, other, old, root = le32(buf + 0x24), slen, refs;
	uint32_t cells[4096];
	struct hive_edit h;
	struct tu_regf l;
	libregf_key_t *key;
	size_t got = 0;
	uint8_t back[512];
	struct err err;
	char *out;

	err_init(&err);
	ck_assert_int_eq(hive_edit_open(&h, buf, len, &err), 0);
	n0 = sk_list_ok(buf, root);
	ck_assert_int_eq(hive_edit_find_key(&h, "ControlSet001\\Services\\VSS\\Diag", &nk, &err), 1);
	old = le32(buf + 4096 + nk + 4 + 0x2c);
	refs = le32(buf + 4096 + old + 4 + 0x0c);
	ck_assert_msg(hive_edit_set_key_sd(&h, nk, bin, (uint32_t)blen, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(hive_edit_key_sd(&h, nk, &sd, &slen, &err), 0);
	ck_assert_uint_eq(slen, blen);
	ck_assert_int_eq(memcmp(sd, bin, blen), 0);
	/* a new sk (the old one shared or too small), counts right */
	if (le32(buf + 4096 + nk + 4 + 0x2c) != old) {
		if (refs > 1)
			ck_assert_uint_eq(le32(buf + 4096 + old + 4 + 0x0c), refs - 1);
		ck_assert_uint_eq(le32(buf + 4096 + le32(buf + 4096 + nk + 4 + 0x2c) + 4 + 0x0c), 1);
	}
	sk_list_ok(buf, root);
	/* a second key given the same descriptor shares that sk */
	ck_assert_int_eq(hive_edit_find_key(&h, "ControlSet001\\Services\\VSS\\Diag\\System Writer", &other, &err), 1);
	ck_assert_int_eq(hive_edit_set_key_sd(&h, other, bin, (uint32_t)blen, &err), 0);
	ck_assert_uint_eq(le32(buf + 4096 + other + 4 + 0x2c), le32(buf + 4096 + nk + 4 + 0x2c));
	ck_assert_uint_eq(le32(buf + 4096 + le32(buf + 4096 + nk + 4 + 0x2c) + 4 + 0x0c), 2);
	/* shared: the first key given another gets a new sk, the second
	 * keeps the old alone */
	ck_assert_int_eq(hive_edit_set_key_sd(&h, nk, small, (uint32_t)small_len, &err), 0);
	ck_assert_uint_ne(SK(nk), SK(other));
	ck_assert_uint_eq(le32(buf + 4096 + SK(other) + 4 + 0x0c), 1);
	/* an sk only that key uses, a descriptor that fits: in place */
	at = SK(nk);
	ck_assert_int_eq(hive_edit_set_key_sd(&h, nk, small2, (uint32_t)small2_len, &err), 0);
	ck_assert_uint_eq(SK(nk), at);
	ck_assert_int_eq(hive_edit_key_sd(&h, nk, &sd, &slen, &err), 0);
	ck_assert_uint_eq(slen, small2_len);
	ck_assert_int_eq(memcmp(sd, small2, small2_len), 0);
	ck_assert_uint_le(sk_list_ok(buf, root), n0 + 2);
	hive_edit_seal(&h, 0x01d9000000000000ull);

	/* libregf reads the keys' descriptors; hivex and regfexport the hive */
	out = write_tmp("hiveedit-sk", buf, len);
	hive_reads_clean(buf, len, out, "ControlSet001\\Services\\VSS\\Diag\\System Writer", NULL);
	ck_assert_int_eq(tu_regf_open(&l, buf, len), 0);
	key = tu_regf_key(&l, "ControlSet001\\Services\\VSS\\Diag\\System Writer");
	ck_assert_ptr_nonnull(key);
	ck_assert_int_eq(libregf_key_get_security_descriptor_size(key, &got, NULL), 1);
	ck_assert_uint_eq(got, blen);
	ck_assert_int_eq(libregf_key_get_security_descriptor(key, back, got, NULL), 1);
	ck_assert_int_eq(memcmp(back, bin, blen), 0);
	libregf_key_free(&key, NULL);
	key = tu_regf_key(&l, "ControlSet001\\Services\\VSS\\Diag");
	ck_assert_int_eq(libregf_key_get_security_descriptor_size(key, &got, NULL), 1);
	ck_assert_uint_eq(got, small2_len);
	libregf_key_free(&key, NULL);
	tu_regf_close(&l);

	/* no room for a new sk: refused, the buffer as it was */
	fill_free_cells(buf, len, cells, 4096);
	ck_assert_int_eq(hive_edit_open(&h, buf, len, &err), 0);
	ck_assert_int_eq(hive_edit_find_key(&h, "ControlSet001\\Services\\CryptSvc", &nk, &err), 1);
	copy = malloc(len);
	memcpy(copy, buf, len);
	{
		uint8_t *huge = NULL;
		size_t hlen = 0;
		char sddl[4096] = "O:SYG:SYD:";
		int i;

		for (i = 0; i < 60; i++)
			snprintf(sddl + strlen(sddl), sizeof(sddl) - strlen(sddl), "(A;;KA;;;S-1-5-21-1-2-3-%d)", 1000 + i);
		huge = sd_of(sddl, &hlen);
		ck_assert_int_eq(hive_edit_set_key_sd(&h, nk, huge, (uint32_t)hlen, &err), -E_LIMIT);
		free(huge);
	}
	ck_assert_int_eq(memcmp(copy, buf, len), 0);
	free(copy);
	free(out);
	free(small);
	free(small2);
	free(bin);
	free(buf);
}
END_TEST

Suite *repair_registry_suite(void);

Suite *repair_registry_suite(void)
{
	Suite *s = suite_create("repair_registry");
	TCase *tc = tcase_create("scenarios");

	tcase_set_timeout(tc, 180);
	tcase_add_loop_test(tc, test_scenario, 0, (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_test(tc, test_plan_values);
	tcase_add_test(tc, test_imagepath_binary_missing);
	tcase_add_test(tc, test_imagepath_non_ascii);
	suite_add_tcase(s, tc);

	tc = tcase_create("hiveedit");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_add_value);
	tcase_add_test(tc, test_add_value_no_room);
	tcase_add_test(tc, test_set_key_sd);
	suite_add_tcase(s, tc);
	return s;
}
