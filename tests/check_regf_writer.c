/* The REGF hive writer (testdata/lib/regf_writer.c): every hive it makes
 * is read back with libregf from memory (libbfio memory range), the way
 * the program reads real hives, and once with the regfexport tool. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "bytes.h"
#include "regf_writer.h"
#include "sdbin.h"
#include "testutil.h"

/* ---- fixtures --------------------------------------------------------- */

static const char ROOT_NAME[] = "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}";
static const unsigned MINORS[] = { 3, 5 };

static uint8_t *pattern(size_t len, unsigned seed)
{
	uint8_t *b = malloc(len ? len : 1);
	uint32_t x = 0x9e3779b9u ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		x = x * 1664525u + 1013904223u;
		b[i] = (uint8_t)(x >> 24);
	}
	return b;
}

static struct regf_writer *services_hive(void)
{
	static const char *const deps[] = { "RpcSs", "EventSystem" };
	static const uint8_t sd[] = { 1, 0, 0x14, 0x80, 0x20, 0, 0, 0 };
	struct regf_writer *w = regf_writer_new(ROOT_NAME);

	ck_assert_ptr_nonnull(w);
	ck_assert_int_eq(regf_writer_set_dword(w, "Select", "Current", 1), 0);
	ck_assert_int_eq(regf_writer_set_expand_sz(w, "ControlSet001\\Services\\CryptSvc", "ImagePath",
						   "%SystemRoot%\\system32\\svchost.exe -k NetworkService -p"), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, "ControlSet001\\Services\\CryptSvc", "Start", 2), 0);
	ck_assert_int_eq(regf_writer_set_sz(w, "ControlSet001\\Services\\CryptSvc", "ObjectName",
					    "NT Authority\\NetworkService"), 0);
	ck_assert_int_eq(regf_writer_set_multi_sz(w, "ControlSet001\\Services\\CryptSvc",
						  "DependOnService", deps, 2), 0);
	ck_assert_int_eq(regf_writer_set_binary(w, "ControlSet001\\Services\\CryptSvc\\Security",
						"Security", sd, sizeof(sd)), 0);
	ck_assert_int_eq(regf_writer_set_sz(w, "ControlSet001\\Services\\VSS\\Diag\\System Writer",
					    "", "default text"), 0);
	ck_assert_int_eq(regf_writer_set_qword(w, "ControlSet001\\Services\\VSS", "Q",
					       0x1122334455667788ull), 0);
	ck_assert_int_eq(regf_writer_set_binary(w, "ControlSet001\\Services\\VSS", "Tiny", "\x07", 1), 0);
	ck_assert_int_eq(regf_writer_set_binary(w, "ControlSet001\\Services\\VSS", "Empty", NULL, 0), 0);
	return w;
}

/* ---- basic values, both versions -------------------------------------- */

START_TEST(test_values_read_back)
{
	const unsigned minor = MINORS[_i];
	struct regf_writer *w = services_hive();
	uint8_t *hive, *d;
	size_t len, dlen;
	uint32_t dw = 0, type = 0;
	libregf_value_t *v;
	libregf_multi_string_t *ms = NULL;
	int n = 0;
	char buf[64], *s;
	struct tu_regf l;

	ck_assert_int_eq(regf_writer_serialize(w, minor, 7, 7, &hive, &len), 0);
	ck_assert_int_eq(tu_regf_open(&l, hive, len), 0);
	ck_assert_uint_eq(le32(hive + 0x18), minor);

	ck_assert_int_eq(tu_regf_dword(&l, "Select", "Current", &dw), 0);
	ck_assert_uint_eq(dw, 1);
	ck_assert_int_eq(tu_regf_dword(&l, "ControlSet001\\Services\\CryptSvc", "Start", &dw), 0);
	ck_assert_uint_eq(dw, 2);
	s = tu_regf_sz(&l, "ControlSet001\\Services\\CryptSvc", "ImagePath", &type);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "%SystemRoot%\\system32\\svchost.exe -k NetworkService -p");
	ck_assert_uint_eq(type, REG_EXPAND_SZ);
	free(s);
	s = tu_regf_sz(&l, "ControlSet001\\Services\\CryptSvc", "ObjectName", &type);
	ck_assert_str_eq(s, "NT Authority\\NetworkService");
	ck_assert_uint_eq(type, REG_SZ);
	free(s);
	s = tu_regf_sz(&l, "ControlSet001\\Services\\VSS\\Diag\\System Writer", "", NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "default text");
	free(s);

	v = tu_regf_value(&l, "ControlSet001\\Services\\CryptSvc", "DependOnService");
	ck_assert_ptr_nonnull(v);
	ck_assert_int_eq(libregf_value_get_value_multi_string(v, &ms, NULL), 1);
	ck_assert_int_eq(libregf_multi_string_get_number_of_strings(ms, &n, NULL), 1);
	ck_assert_int_eq(n, 2);
	ck_assert_int_eq(libregf_multi_string_get_utf8_string(ms, 1, (uint8_t *)buf, sizeof(buf), NULL), 1);
	ck_assert_str_eq(buf, "EventSystem");
	libregf_multi_string_free(&ms, NULL);
	libregf_value_free(&v, NULL);

	d = tu_regf_data(&l, "ControlSet001\\Services\\CryptSvc\\Security", "Security", &dlen);
	ck_assert_uint_eq(dlen, 8);
	ck_assert_mem_eq(d, "\x01\x00\x14\x80\x20\x00\x00\x00", 8);
	free(d);
	d = tu_regf_data(&l, "ControlSet001\\Services\\VSS", "Q", &dlen);
	ck_assert_uint_eq(dlen, 8);
	ck_assert_uint_eq(le64(d), 0x1122334455667788ull);
	free(d);
	/* 1 to 4 bytes live in the vk data offset field, from its first byte
	 * as Windows reads them (CmpGetValueData); libregf 20201007 reads
	 * 1 to 3 bytes from the end of the field, so check the bytes */
	d = tu_regf_data(&l, "ControlSet001\\Services\\VSS", "Tiny", &dlen);
	ck_assert_uint_eq(dlen, 1);
	free(d);
	ck_assert_ptr_nonnull(memmem(hive, len, "vk\x04\x00\x01\x00\x00\x80\x07\x00\x00\x00", 12));
	d = tu_regf_data(&l, "ControlSet001\\Services\\VSS", "Empty", &dlen);
	ck_assert_uint_eq(dlen, 0);
	free(d);
	ck_assert_ptr_null(tu_regf_value(&l, "ControlSet001\\Services\\CryptSvc", "NoSuchValue")); /* NULL: nothing to free */
	ck_assert_int_eq(tu_regf_has_key(&l, "ControlSet001\\Services\\NoSuchKey"), 0);

	tu_regf_close(&l);
	free(hive);
	regf_writer_free(w);
}
END_TEST

/* Non-ASCII names are stored as UTF-16 (no KEY_COMP_NAME) and found. */
START_TEST(test_unicode_names)
{
	struct regf_writer *w = regf_writer_new("ROOT");
	uint8_t *hive;
	size_t len;
	uint32_t dw = 0;
	char *s;
	struct tu_regf l;

	ck_assert_int_eq(regf_writer_set_dword(w, "Dienste\\Größe", "Wert-Ä", 42), 0);
	ck_assert_int_eq(regf_writer_set_sz(w, "Dienste\\Größe", "Text", "Привет, κόσμε"), 0);
	/* the same key through another case of its non-ASCII letters */
	ck_assert_int_eq(regf_writer_has_key(w, "DIENSTE\\GRÖSSE"), 0);
	ck_assert_int_eq(regf_writer_has_key(w, "DIENSTE\\GRÖßE"), 1);
	ck_assert_int_eq(regf_writer_serialize(w, 5, 1, 1, &hive, &len), 0);
	ck_assert_int_eq(tu_regf_open(&l, hive, len), 0);
	ck_assert_int_eq(tu_regf_dword(&l, "Dienste\\Größe", "Wert-Ä", &dw), 0);
	ck_assert_uint_eq(dw, 42);
	s = tu_regf_sz(&l, "Dienste\\Größe", "Text", NULL);
	ck_assert_ptr_nonnull(s);
	ck_assert_str_eq(s, "Привет, κόσμε");
	free(s);
	tu_regf_close(&l);
	free(hive);
	regf_writer_free(w);
}
END_TEST

/* ---- big values -------------------------------------------------------- */

START_TEST(test_big_values)
{
	static const size_t sizes[] = { 5, 4096, 16344, 16345, 40 * 1024, 100000 };
	const unsigned minor = MINORS[_i];
	struct regf_writer *w = regf_writer_new("ROOT");
	uint8_t *hive, *want, *got;
	size_t len, glen, i;
	char name[32];
	struct tu_regf l;

	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "v%zu", sizes[i]);
		want = pattern(sizes[i], (unsigned)i);
		ck_assert_int_eq(regf_writer_set_binary(w, "Big", name, want, sizes[i]), 0);
		free(want);
	}
	ck_assert_int_eq(regf_writer_serialize(w, minor, 1, 1, &hive, &len), 0);
	ck_assert_int_eq(tu_regf_open(&l, hive, len), 0);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		snprintf(name, sizeof(name), "v%zu", sizes[i]);
		want = pattern(sizes[i], (unsigned)i);
		got = tu_regf_data(&l, "Big", name, &glen);
		ck_assert_msg(got != NULL, "minor %u: value %s not read", minor, name);
		ck_assert_uint_eq(glen, sizes[i]);
		ck_assert_msg(memcmp(got, want, glen) == 0, "minor %u: value %s differs", minor, name);
		free(got);
		free(want);
	}
	tu_regf_close(&l);
	/* 1.5 splits data over 16344 bytes into a db record; 1.3 never does */
	ck_assert_int_eq(memmem(hive + 4096, len - 4096, "\xf0\xff\xff\xff" "db", 6) != NULL, minor == 5);
	free(hive);
	regf_writer_free(w);
}
END_TEST

/* ---- many subkeys ------------------------------------------------------ */

START_TEST(test_many_subkeys)
{
	const unsigned minor = MINORS[_i];
	const int n = 1200;
	struct regf_writer *w = regf_writer_new("ROOT");
	libregf_key_t *services, *k;
	uint8_t *hive;
	size_t len;
	char name[64], prev[64] = "", got[64];
	struct tu_regf l;
	int i;

	/* inserted in a scrambled order and in mixed case */
	for (i = 0; i < n; i++) {
		const int j = (i * 7919) % n;

		snprintf(name, sizeof(name), "ControlSet001\\Services\\%cvc%04d",
			 (j % 3) ? 's' : 'S', j);
		ck_assert_int_eq(regf_writer_set_dword(w, name, "Start", (uint32_t)j), 0);
	}
	ck_assert_int_eq(regf_writer_serialize(w, minor, 1, 1, &hive, &len), 0);
	ck_assert_int_eq(tu_regf_open(&l, hive, len), 0);
	ck_assert_int_eq(tu_regf_nsub(&l, "ControlSet001\\Services"), n);
	services = tu_regf_key(&l, "ControlSet001\\Services");
	ck_assert_ptr_nonnull(services);
	for (i = 0; i < n; i++) {
		uint32_t dw = 0;

		/* found by name (libregf walks ri -> lf/lh and checks hashes),
		 * looked up in the other case */
		snprintf(name, sizeof(name), "%cVC%04d", (i % 3) ? 'S' : 's', i);
		k = NULL;
		ck_assert_msg(libregf_key_get_sub_key_by_utf8_name(services, (const uint8_t *)name,
								   strlen(name), &k, NULL) == 1,
			      "minor %u: subkey %s not found", minor, name);
		libregf_key_free(&k, NULL);
		snprintf(name, sizeof(name), "ControlSet001\\Services\\svc%04d", i);
		ck_assert_int_eq(tu_regf_dword(&l, name, "Start", &dw), 0);
		ck_assert_uint_eq(dw, (uint32_t)i);
		/* in index order the names ascend, compared in upper case */
		k = NULL;
		ck_assert_int_eq(libregf_key_get_sub_key(services, i, &k, NULL), 1);
		ck_assert_int_eq(libregf_key_get_utf8_name(k, (uint8_t *)got, sizeof(got), NULL), 1);
		libregf_key_free(&k, NULL);
		ck_assert_msg(strcasecmp(prev, got) < 0, "subkeys out of order: %s before %s", prev, got);
		strcpy(prev, got);
	}
	libregf_key_free(&services, NULL);
	tu_regf_close(&l);
	ck_assert_ptr_nonnull(memmem(hive + 4096, len - 4096, "ri\x03\x00", 4));
	free(hive);
	regf_writer_free(w);
}
END_TEST

/* The raw subkey list of the root: lh carries the name hash Windows
 * computes (the libyal document's example from a real hive: "Class" ->
 * 0x07b82c9a), lf the first four characters of the name. */
START_TEST(test_subkey_list_hash)
{
	const unsigned minor = MINORS[_i];
	struct regf_writer *w = regf_writer_new("ROOT");
	uint8_t *hive;
	const uint8_t *nk, *list;
	size_t len;

	ck_assert_int_eq(regf_writer_add_key(w, "Class"), 0);
	ck_assert_int_eq(regf_writer_serialize(w, minor, 1, 1, &hive, &len), 0);
	nk = hive + 4096 + le32(hive + 0x24) + 4;
	ck_assert_mem_eq(nk, "nk", 2);
	ck_assert_uint_eq(le32(nk + 0x14), 1);
	list = hive + 4096 + le32(nk + 0x1c) + 4;
	ck_assert_mem_eq(list, minor == 5 ? "lh" : "lf", 2);
	ck_assert_uint_eq(le16(list + 2), 1);
	if (minor == 5)
		ck_assert_uint_eq(le32(list + 8), 0x07b82c9au);
	else
		ck_assert_mem_eq(list + 8, "Clas", 4);
	ck_assert_mem_eq(hive + 4096 + le32(list + 4) + 4, "nk", 2);
	free(hive);
	regf_writer_free(w);
}
END_TEST

/* ---- the tree API ------------------------------------------------------ */

START_TEST(test_case_insensitive_tree)
{
	struct regf_writer *w = regf_writer_new("ROOT");
	uint8_t *hive;
	size_t len;
	uint32_t dw = 0;
	struct tu_regf l;

	ck_assert_int_eq(regf_writer_add_key(w, "Services\\CryptSvc"), 0);
	ck_assert_int_eq(regf_writer_add_key(w, "SERVICES\\cryptsvc\\Parameters"), 0);
	ck_assert_int_eq(regf_writer_add_key(w, "\\services\\\\CRYPTSVC\\"), 0);
	ck_assert_int_eq(regf_writer_has_key(w, "services\\CRYPTSVC\\parameters"), 1);
	ck_assert_int_eq(regf_writer_has_key(w, "Services\\Other"), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, "services\\cryptsvc", "Start", 4), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, "Services\\CryptSvc", "START", 2), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, "Services\\CryptSvc", "Type", 32), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, "Services\\CryptSvc", "Gone", 1), 0);
	ck_assert_int_eq(regf_writer_delete_value(w, "Services\\CryptSvc", "gone"), 1);
	ck_assert_int_eq(regf_writer_delete_value(w, "Services\\CryptSvc", "gone"), 0);
	ck_assert_int_eq(regf_writer_delete_value(w, "Services\\Nope", "x"), 0);
	ck_assert_int_eq(regf_writer_serialize(w, 3, 1, 1, &hive, &len), 0);
	ck_assert_int_eq(tu_regf_open(&l, hive, len), 0);
	ck_assert_int_eq(tu_regf_nsub(&l, ""), 1);
	ck_assert_int_eq(tu_regf_nsub(&l, "Services"), 1);
	ck_assert_int_eq(tu_regf_nsub(&l, "Services\\CryptSvc"), 1);
	ck_assert_int_eq(tu_regf_dword(&l, "Services\\CryptSvc", "Start", &dw), 0);
	ck_assert_uint_eq(dw, 2);
	ck_assert_ptr_null(tu_regf_value(&l, "Services\\CryptSvc", "Gone"));
	tu_regf_close(&l);
	free(hive);
	regf_writer_free(w);
}
END_TEST

START_TEST(test_bad_input)
{
	struct regf_writer *w = regf_writer_new("ROOT");
	char longname[300];
	uint8_t *hive = NULL;
	size_t len = 0;

	ck_assert_ptr_null(regf_writer_new(""));
	ck_assert_ptr_null(regf_writer_new("\xff"));
	ck_assert_int_lt(regf_writer_add_key(w, "A\\\xc3"), 0);
	ck_assert_str_ne(regf_writer_error(w), "");
	memset(longname, 'k', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	ck_assert_int_lt(regf_writer_add_key(w, longname), 0);
	ck_assert_int_lt(regf_writer_set_sz(w, "A", "x", "bad \xe2\x82"), 0);
	ck_assert_int_lt(regf_writer_set_value(w, "A", "x", REG_BINARY, NULL, 3), 0);
	ck_assert_int_lt(regf_writer_serialize(w, 4, 1, 1, &hive, &len), 0);
	ck_assert_ptr_null(hive);
	regf_writer_free(w);
	regf_writer_free(NULL);
}
END_TEST

/* ---- the bytes --------------------------------------------------------- */

/* Walk the hive bins: signatures, offsets, 4 KiB multiples, cells that
 * tile each bin exactly; the base block checksum and sizes. */
static void check_layout(const uint8_t *h, size_t len)
{
	const uint32_t hbins = le32(h + 0x28);
	size_t pos = 0;

	ck_assert_mem_eq(h, "regf", 4);
	ck_assert_uint_eq(le32(h + 0x1fc), regf_checksum(h));
	ck_assert_uint_eq(len, 4096 + (size_t)hbins);
	ck_assert_uint_eq(hbins % 4096, 0);
	while (pos < hbins) {
		const uint8_t *b = h + 4096 + pos;
		const uint32_t size = le32(b + 8);
		size_t c = 32;

		ck_assert_mem_eq(b, "hbin", 4);
		ck_assert_uint_eq(le32(b + 4), pos);
		ck_assert_uint_eq(size % 4096, 0);
		ck_assert_uint_ge(size, 4096);
		ck_assert_uint_le(pos + size, hbins);
		while (c < size) {
			const int32_t cs = (int32_t)le32(b + c);
			const uint32_t abs_size = (uint32_t)(cs < 0 ? -cs : cs);

			ck_assert_uint_ge(abs_size, 8);
			ck_assert_uint_eq(abs_size % 8, 0);
			c += abs_size;
		}
		ck_assert_uint_eq(c, size);
		pos += size;
	}
	ck_assert_uint_eq(pos, hbins);
}

START_TEST(test_layout_and_determinism)
{
	const unsigned minor = MINORS[_i];
	struct regf_writer *w = services_hive();
	uint8_t *a, *b, *big;
	size_t alen, blen;

	big = pattern(40 * 1024, 1);
	ck_assert_int_eq(regf_writer_set_binary(w, "Big", "Blob", big, 40 * 1024), 0);
	free(big);
	ck_assert_int_eq(regf_writer_serialize(w, minor, 3, 3, &a, &alen), 0);
	ck_assert_int_eq(regf_writer_serialize(w, minor, 3, 3, &b, &blen), 0);
	ck_assert_uint_eq(alen, blen);
	ck_assert_int_eq(memcmp(a, b, alen), 0);
	check_layout(a, alen);
	ck_assert_uint_eq(le32(a + 0x04), 3);
	ck_assert_uint_eq(le32(a + 0x08), 3);
	ck_assert_uint_eq(le64(a + 0x0c), REGF_WRITER_FILETIME);
	/* the root nk right after the first hbin header, flagged as such */
	ck_assert_uint_eq(le32(a + 0x24), 32);
	ck_assert_mem_eq(a + 4096 + 32 + 4, "nk", 2);
	ck_assert_uint_eq(le16(a + 4096 + 32 + 6) & 0x0c, 0x0c);
	free(a);
	free(b);
	regf_writer_free(w);
}
END_TEST

/* A hive whose sequence numbers differ is dirty, and libregf still reads it. */
START_TEST(test_dirty_hive_readable)
{
	struct regf_writer *w = services_hive();
	uint8_t *hive;
	size_t len;
	uint32_t dw = 0;
	struct tu_regf l;

	ck_assert_int_eq(regf_writer_serialize(w, 5, 1622, 1621, &hive, &len), 0);
	ck_assert_uint_ne(le32(hive + 4), le32(hive + 8));
	check_layout(hive, len);
	ck_assert_int_eq(tu_regf_open(&l, hive, len), 0);
	ck_assert_int_eq(tu_regf_dword(&l, "ControlSet001\\Services\\CryptSvc", "Start", &dw), 0);
	ck_assert_uint_eq(dw, 2);
	tu_regf_close(&l);
	free(hive);
	regf_writer_free(w);
}
END_TEST

/* ---- tools: regfexport, mkhive ---------------------------------------- */

START_TEST(test_regfexport_lists_values)
{
	struct regf_writer *w = services_hive();
	char *dir = tu_tmpdir("regfexport"), *file = NULL, *exe = tu_which("regfexport");
	char *argv[3];
	struct tu_run r;

	ck_assert_msg(exe != NULL, "regfexport is not in PATH (package libregf-utils)");
	ck_assert_int_ge(asprintf(&file, "%s/SYSTEM", dir), 0);
	ck_assert_int_eq(regf_writer_write_file(w, file, 5, 9, 9), 0);
	argv[0] = exe;
	argv[1] = file;
	argv[2] = NULL;
	ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	ck_assert_msg(r.status == 0, "regfexport exited %d: %s", r.status, r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "Key path: " "CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}\\ControlSet001\\Services\\CryptSvc\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "Value: 1 Start\nType: 32-bit integer little-endian (REG_DWORD_LITTLE_ENDIAN)\nData size: 4\nData: 2\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "Data: %SystemRoot%\\system32\\svchost.exe -k NetworkService -p\n"));
	tu_run_free(&r);
	free(exe);
	free(file);
	free(dir);
	regf_writer_free(w);
}
END_TEST

START_TEST(test_mkhive_tool)
{
	char *dir = tu_tmpdir("mkhive"), *spec = NULL, *out = NULL, *tool = NULL, *s;
	char *argv[4];
	uint8_t *hive;
	size_t len;
	uint32_t dw = 0;
	struct tu_run r;
	struct tu_regf l;
	static const char text[] =
		"# a comment\n"
		"root CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}\n"
		"minor 5\n"
		"seq 12 11\n"
		"\n"
		"dword Select Current 0x1\n"
		"key ControlSet001\\Services\\EventSystem\n"
		"expand_sz ControlSet001\\Services\\CryptSvc ImagePath %SystemRoot%\\system32\\svchost.exe -k NetworkService -p\n"
		"sz \"ControlSet001\\Services\\VSS\\VssAccessControl\" \"NT AUTHORITY\\NETWORK SERVICE\"  two spaces kept\n"
		"dword \"ControlSet001\\Services\\VSS\\VssAccessControl\" \"NT AUTHORITY\\NETWORK SERVICE\" 1\n"
		"sz ControlSet001\\Services\\VSS \"\" default\n"
		"multi_sz ControlSet001\\Services\\CryptSvc DependOnService RpcSs|EventSystem\n"
		"hex ControlSet001\\Services\\CryptSvc\\Security Security 01 00 14 80 ab\n"
		"raw 0 ControlSet001\\Services\\CryptSvc None 00ff\n"
		"sz ControlSet001\\Services\\CryptSvc Tmp x\n"
		"delete ControlSet001\\Services\\CryptSvc Tmp\n";

	ck_assert_int_ge(asprintf(&spec, "%s/spec.txt", dir), 0);
	ck_assert_int_ge(asprintf(&out, "%s/SYSTEM", dir), 0);
	ck_assert_int_ge(asprintf(&tool, "%s/mkhive", tu_env("VSSD_TOOLS")), 0);
	ck_assert_int_eq(tu_write_file(spec, text, strlen(text)), 0);
	argv[0] = tool;
	argv[1] = spec;
	argv[2] = out;
	argv[3] = NULL;
	ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	ck_assert_msg(r.status == 0, "mkhive: %s", r.err);
	tu_run_free(&r);

	hive = (uint8_t *)tu_read_file(out, &len);
	ck_assert_ptr_nonnull(hive);
	check_layout(hive, len);
	ck_assert_uint_eq(le32(hive + 0x04), 12);
	ck_assert_uint_eq(le32(hive + 0x08), 11);
	ck_assert_uint_eq(le32(hive + 0x18), 5);
	ck_assert_int_eq(tu_regf_open(&l, hive, len), 0);
	ck_assert_int_eq(tu_regf_dword(&l, "Select", "Current", &dw), 0);
	ck_assert_uint_eq(dw, 1);
	ck_assert_int_eq(tu_regf_dword(&l, "ControlSet001\\Services\\VSS\\VssAccessControl",
				  "NT AUTHORITY\\NETWORK SERVICE", &dw), 0);
	ck_assert_uint_eq(dw, 1);
	s = tu_regf_sz(&l, "ControlSet001\\Services\\VSS", "", NULL);
	ck_assert_str_eq(s, "default");
	free(s);
	s = tu_regf_sz(&l, "ControlSet001\\Services\\CryptSvc", "ImagePath", NULL);
	ck_assert_str_eq(s, "%SystemRoot%\\system32\\svchost.exe -k NetworkService -p");
	free(s);
	ck_assert_int_eq(tu_regf_has_key(&l, "ControlSet001\\Services\\EventSystem"), 1);
	ck_assert_ptr_null(tu_regf_value(&l, "ControlSet001\\Services\\CryptSvc", "Tmp"));
	tu_regf_close(&l);
	free(hive);

	/* the replaced sz value: the text after NAME kept verbatim */
	{
		static const char t2[] = "sz K \"A B\"  two spaces kept\n";
		struct tu_regf l2;

		ck_assert_int_eq(tu_write_file(spec, t2, strlen(t2)), 0);
		ck_assert_int_eq(tu_run(argv, 60, &r), 0);
		ck_assert_int_eq(r.status, 0);
		tu_run_free(&r);
		hive = (uint8_t *)tu_read_file(out, &len);
		ck_assert_int_eq(tu_regf_open(&l2, hive, len), 0);
		s = tu_regf_sz(&l2, "K", "A B", NULL);
		ck_assert_str_eq(s, " two spaces kept");
		free(s);
		tu_regf_close(&l2);
		free(hive);
	}

	/* a bad line: exit 1 naming the file and line */
	{
		static const char bad[] = "minor 5\ndword K V notanumber\n";

		ck_assert_int_eq(tu_write_file(spec, bad, strlen(bad)), 0);
		ck_assert_int_eq(tu_run(argv, 60, &r), 0);
		ck_assert_int_eq(r.status, 1);
		ck_assert_ptr_nonnull(strstr(r.err, "spec.txt:2: bad number 'notanumber'"));
		tu_run_free(&r);
	}
	free(tool);
	free(out);
	free(spec);
	free(dir);
}
END_TEST

/* ---- key descriptors: one sk cell per distinct descriptor ---------------- */

/* The descriptor libregf reads for the key at path (malloc'd) or NULL. */
static uint8_t *lr_key_sd(struct tu_regf *l, const char *path, size_t *len)
{
	libregf_key_t *k = tu_regf_key(l, path);
	uint8_t *b = NULL;

	*len = 0;
	if (!k)
		return NULL;
	if (libregf_key_get_security_descriptor_size(k, len, NULL) == 1 && *len) {
		b = malloc(*len);
		if (b && libregf_key_get_security_descriptor(k, b, *len, NULL) != 1) {
			free(b);
			b = NULL;
		}
	}
	libregf_key_free(&k, NULL);
	return b;
}

/* Every sk cell of a serialised hive (offsets relative to the hive bins),
 * in file order. */
static size_t sk_cells(const uint8_t *hive, size_t len, uint32_t *offs, size_t max)
{
	size_t pos = 4096 + 32, n = 0;

	while (pos + 8 <= len) {
		int32_t size = (int32_t)le32(hive + pos);
		size_t abs = size < 0 ? (size_t)-(int64_t)size : (size_t)size;

		if (memcmp(hive + pos, "hbin", 4) == 0) {
			pos += 32;
			continue;
		}
		if (abs < 8)
			break;
		if (size < 0 && memcmp(hive + pos + 4, "sk", 2) == 0 && n < max)
			offs[n++] = (uint32_t)(pos - 4096);
		pos += abs;
	}
	return n;
}

START_TEST(test_key_descriptors)
{
	static const char *const diag_sddl =
		"O:SYG:SYD:PAI(A;;KA;;;BA)(A;;KA;;;SY)(A;;CCDCLCSWRPSDRC;;;NS)(A;CIIO;GA;;;NS)(A;;KR;;;BU)";
	static const char *const other_sddl = "O:BAG:SYD:(A;;KA;;;BA)";
	struct regf_writer *w = regf_writer_new("ROOT");
	uint8_t *diag = NULL, *other = NULL, *hive = NULL, *got;
	size_t dlen = 0, olen = 0, hlen = 0, glen, dflen, nsk, i;
	uint32_t sks[16], refs = 0;
	uint8_t *dflt;
	struct err err;
	struct tu_regf l;

	err_init(&err);
	ck_assert_int_eq(sdbin_from_sddl(diag_sddl, &diag, &dlen, &err), 0);
	ck_assert_int_eq(sdbin_from_sddl(other_sddl, &other, &olen, &err), 0);
	ck_assert_int_eq(regf_writer_set_dword(w, "Services\\VSS", "Start", 3), 0);
	ck_assert_int_eq(regf_writer_set_key_sd(w, "Services\\VSS\\Diag", diag, dlen), 0);
	ck_assert_int_eq(regf_writer_set_key_sd(w, "Services\\VSS\\Diag\\System Writer", diag, dlen), 0);
	ck_assert_int_eq(regf_writer_set_key_sd(w, "Services\\Other", other, olen), 0);
	ck_assert_int_eq(regf_writer_set_key_sd(w, "Services\\Reset", other, olen), 0);
	ck_assert_int_eq(regf_writer_set_key_sd(w, "Services\\Reset", NULL, 0), 0);
	ck_assert_int_lt(regf_writer_set_key_sd(w, "Services\\Bad", other, 8), 0);
	ck_assert_int_eq(regf_writer_serialize(w, 3, 1, 1, &hive, &hlen), 0);

	/* three descriptors: the default, Diag's (shared by its subkey), Other's */
	nsk = sk_cells(hive, hlen, sks, 16);
	ck_assert_uint_eq(nsk, 3);
	for (i = 0; i < nsk; i++) {
		const uint8_t *c = hive + 4096 + sks[i] + 4;

		/* one circular list, both ways */
		ck_assert_uint_eq(le32(c + 0x04), sks[(i + 1) % nsk]);
		ck_assert_uint_eq(le32(c + 0x08), sks[(i + nsk - 1) % nsk]);
		ck_assert_uint_gt(le32(c + 0x0c), 0);
		refs += le32(c + 0x0c);
	}
	/* root, Services, VSS, Diag, System Writer, Other, Reset */
	ck_assert_uint_eq(refs, 7);

	ck_assert_int_eq(tu_regf_open(&l, hive, hlen), 0);
	got = lr_key_sd(&l, "Services\\VSS\\Diag", &glen);
	ck_assert_ptr_nonnull(got);
	ck_assert_uint_eq(glen, dlen);
	ck_assert_int_eq(memcmp(got, diag, dlen), 0);
	free(got);
	got = lr_key_sd(&l, "Services\\VSS\\Diag\\System Writer", &glen);
	ck_assert_uint_eq(glen, dlen);
	free(got);
	got = lr_key_sd(&l, "Services\\Other", &glen);
	ck_assert_uint_eq(glen, olen);
	ck_assert_int_eq(memcmp(got, other, olen), 0);
	free(got);
	/* the others keep the default */
	dflt = lr_key_sd(&l, "Services\\VSS", &dflen);
	ck_assert_ptr_nonnull(dflt);
	got = lr_key_sd(&l, "Services\\Reset", &glen);
	ck_assert_uint_eq(glen, dflen);
	ck_assert_int_eq(memcmp(got, dflt, dflen), 0);
	free(got);
	free(dflt);
	tu_regf_close(&l);
	free(hive);
	free(diag);
	free(other);
	regf_writer_free(w);
}
END_TEST

Suite *regf_writer_suite(void);
Suite *regf_writer_suite(void)
{
	Suite *s = suite_create("regf_writer");
	TCase *tc;

	tc = tcase_create("values");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_values_read_back, 0, 2);
	tcase_add_test(tc, test_unicode_names);
	suite_add_tcase(s, tc);

	tc = tcase_create("big_values");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_big_values, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("many_subkeys");
	tcase_set_timeout(tc, 60);
	tcase_add_loop_test(tc, test_many_subkeys, 0, 2);
	tcase_add_loop_test(tc, test_subkey_list_hash, 0, 2);
	suite_add_tcase(s, tc);

	tc = tcase_create("tree");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_case_insensitive_tree);
	tcase_add_test(tc, test_bad_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("layout");
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_layout_and_determinism, 0, 2);
	tcase_add_test(tc, test_dirty_hive_readable);
	tcase_add_test(tc, test_key_descriptors);
	suite_add_tcase(s, tc);

	tc = tcase_create("tools");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_regfexport_lists_values);
	tcase_add_test(tc, test_mkhive_tool);
	suite_add_tcase(s, tc);
	return s;
}
