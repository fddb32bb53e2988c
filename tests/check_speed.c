/* Issue 22: scanning at memory speed without losing anything.
 *  - zero-copy: a raw image file is mapped read-only and lends its bytes
 *    (image_borrow); a file that shrinks under the mapping reads as zeros
 *    and marks the image damaged instead of killing the process with
 *    SIGBUS; an event log lying in one run of a mapped volume is lent in
 *    place (fs_read_file_ref) with the same bytes fs_read_file copies;
 *  - batches: `scan -j 2 A B C ...` writes the same reports, in the same
 *    order, with the same exit status as `-j 1`. */
#define _GNU_SOURCE
#include "testutil.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "events.h"
#include "evtx_writer.h"
#include "fs.h"
#include "image.h"

#define MIB (1024u * 1024)

static uint8_t *pattern(size_t n, uint64_t seed)
{
	uint8_t *b = malloc(n);
	uint64_t x = seed | 1;
	size_t i;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		b[i] = (uint8_t)(x >> 56);
	}
	return b;
}

static void put_u32le(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

static char *path_in(const char *dir, const char *name)
{
	char *p = NULL;

	ck_assert_int_ge(asprintf(&p, "%s/%s", dir, name), 0);
	return p;
}

/* A raw file lends exactly the bytes image_read gives, counted as one
 * read; nothing past the end, nothing while fault injection counts reads. */
START_TEST(test_borrow_raw)
{
	char *dir = tu_tmpdir("speed-borrow"), *p = path_in(dir, "raw.img");
	uint8_t *ref = pattern(2 * MIB, 7), *copy = malloc(MIB);
	const uint8_t *b;
	struct image *img = NULL;
	struct err err;

	ck_assert_int_eq(tu_write_file(p, ref, 2 * MIB), 0);
	err_init(&err);
	ck_assert_msg(image_open(&img, p, &err) == 0, "%s", err.msg);
	ck_assert_str_eq(image_format(img), "raw");
	b = image_borrow(img, 12345, MIB);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(memcmp(b, ref + 12345, MIB), 0);
	ck_assert_int_eq(image_read(img, 12345, copy, MIB, &err), 0);
	ck_assert_int_eq(memcmp(b, copy, MIB), 0);
	ck_assert_uint_eq(image_read_calls(img), 2);
	ck_assert_uint_eq(image_bytes_read(img), 2 * MIB);
	ck_assert_ptr_null(image_borrow(img, 2 * MIB - 10, 11));
	ck_assert_ptr_null(image_borrow(img, 0, 0));
	ck_assert_int_eq(image_damaged(img), 0);
	image_set_fault(img, UINT64_MAX, 100);
	ck_assert_ptr_null(image_borrow(img, 0, 512));
	image_free(img);
	free(copy);
	free(ref);
	free(p);
	free(dir);
}
END_TEST

/* A fixed VHD (qemu-img's, as Hyper-V and Azure write them: the data,
 * then the 512-byte footer) lends its data in place like a raw file, and
 * reads the bytes libvhdi reads; so does a fixed VHDX (vhdx_map.c).
 * VSSD_NO_MMAP leaves them to libvhdi (nothing lent, the same bytes
 * read); a dynamic VHD is never lent, a dynamic VHDX lends only what
 * lies in its blocks as given. */
START_TEST(test_borrow_fixed_vhd)
{
	static const struct {
		const char *fmt, *opts, *ext, *format;
		int lent;            /* 1 lent, 0 never, -1 may be */
	} v[4] = {
		{ "vpc", "subformat=fixed,force_size=on", "vhd", "vhd", 1 },
		{ "vpc", "subformat=dynamic,force_size=on", "vhd", "vhd", 0 },
		{ "vhdx", "subformat=fixed", "vhdx", "vhdx", 1 },
		{ "vhdx", "subformat=dynamic", "vhdx", "vhdx", -1 },
	};
	char *dir = tu_tmpdir("speed-vhd"), *p = path_in(dir, "raw.img");
	uint8_t *ref = pattern(4 * MIB, 11), *copy = malloc(MIB);
	size_t k, nommap;

	ck_assert_int_eq(tu_write_file(p, ref, 4 * MIB), 0);
	for (k = 0; k < 4; k++) {
		char *img_path = NULL;

		ck_assert_int_ge(asprintf(&img_path, "%s/d%zu.%s", dir, k, v[k].ext), 0);
		ck_assert_int_eq(tu_sh("qemu-img convert -q -f raw -O %s -o %s '%s' '%s'",
				       v[k].fmt, v[k].opts, p, img_path), 0);
		for (nommap = 0; nommap < 2; nommap++) {
			struct image *img = NULL;
			const uint8_t *b;
			struct err err;

			if (nommap)
				setenv("VSSD_NO_MMAP", "1", 1);
			err_init(&err);
			ck_assert_msg(image_open(&img, img_path, &err) == 0, "%s", err.msg);
			unsetenv("VSSD_NO_MMAP");
			ck_assert_str_eq(image_format(img), v[k].format);
			ck_assert_uint_eq(image_size(img), 4 * MIB);
			ck_assert_int_eq(image_read(img, 12345, copy, MIB, &err), 0);
			ck_assert_int_eq(memcmp(copy, ref + 12345, MIB), 0);
			ck_assert_int_eq(image_read(img, 4 * MIB - 512, copy, 512, &err), 0);
			ck_assert_int_eq(memcmp(copy, ref + 4 * MIB - 512, 512), 0);
			/* the footer is not data */
			ck_assert_int_lt(image_read(img, 4 * MIB - 512, copy, 1024, &err), 0);
			b = image_borrow(img, 12345, MIB);
			if (v[k].lent == 1 && !nommap)
				ck_assert_msg(b != NULL, "%s %s is not lent in place", v[k].fmt, v[k].opts);
			if (v[k].lent == 0 || nommap)
				ck_assert_ptr_null(b);
			if (b)
				ck_assert_int_eq(memcmp(b, ref + 12345, MIB), 0);
			ck_assert_ptr_null(image_borrow(img, 4 * MIB - 10, 11));
			ck_assert_int_eq(image_damaged(img), 0);
			image_free(img);
		}
		free(img_path);
	}
	free(copy);
	free(ref);
	free(p);
	free(dir);
}
END_TEST

/* The file is cut to 4 KiB while a borrowed 2 MiB view of it is held:
 * the lost pages read as zeros, the image says it is damaged, the
 * process lives on, and a scan of it would fail (scan_run checks). */
START_TEST(test_shrink_under_mapping)
{
	char *dir = tu_tmpdir("speed-shrink"), *p = path_in(dir, "raw.img");
	uint8_t *ref = pattern(2 * MIB, 9);
	const uint8_t *b;
	struct image *img = NULL;
	struct err err;
	unsigned sum = 0;
	size_t i;

	if (getenv("VSSD_SANITIZE") && *getenv("VSSD_SANITIZE")) {
		/* the sanitizer runtime owns SIGBUS */
		fprintf(stderr, "skip: shrink under mapping (sanitizer build)\n");
		goto out;
	}
	ck_assert_int_eq(tu_write_file(p, ref, 2 * MIB), 0);
	err_init(&err);
	ck_assert_msg(image_open(&img, p, &err) == 0, "%s", err.msg);
	b = image_borrow(img, 0, 2 * MIB);
	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(b[100], ref[100]);
	ck_assert_int_eq(truncate(p, 4096), 0);
	for (i = 8192; i < 2 * MIB; i += 4096)
		sum += b[i];
	ck_assert_uint_eq(sum, 0);
	ck_assert_int_eq(b[100], ref[100]);
	ck_assert_int_eq(image_damaged(img), 1);
	image_free(img);
out:
	free(ref);
	free(p);
	free(dir);
}
END_TEST

/* The scenario's System.evtx lies in one run: lent in place from a
 * mapped raw volume and from a memory image, byte for byte what
 * fs_read_file copies; with VSSD_NO_MMAP the raw file is not mapped and
 * the same bytes come as a copy. */
START_TEST(test_fs_lends_event_log)
{
	char *dir = tu_tmpdir("speed-lend"), *vol = path_in(dir, "vol.img");
	const char *log = "Windows\\System32\\winevt\\Logs\\System.evtx";
	struct image *img = NULL, *mem = NULL;
	struct fs *fs = NULL, *mfs = NULL;
	struct fs_data d, md;
	uint8_t *copy = NULL, *whole;
	size_t len = 0, wlen = 0;
	struct err err;
	int pass;

	ck_assert_int_eq(tu_sh("printf 'size 64M\\nevtx system bulk 3000 seed=2\\n' | '%s/mkscenario' '%s' - >/dev/null",
			       tu_env("VSSD_TOOLS"), vol), 0);
	for (pass = 0; pass < 2; pass++) {
		if (pass)
			setenv("VSSD_NO_MMAP", "1", 1);
		err_init(&err);
		ck_assert_msg(image_open(&img, vol, &err) == 0, "%s", err.msg);
		ck_assert_msg(fs_open_ntfs(&fs, img, 0, image_size(img), &err) == 0, "%s", err.msg);
		ck_assert_int_eq(fs_read_file(fs, log, 64 * MIB, &copy, &len, &err), 1);
		ck_assert_msg(fs_read_file_ref(fs, log, 64 * MIB, 0, &d, &err) == 1, "%s", err.msg);
		ck_assert_uint_eq(d.len, len);
		ck_assert_uint_gt(len, 65536);
		ck_assert_int_eq(memcmp(d.p, copy, len), 0);
		if (pass == 0)
			ck_assert_msg(d.owned == NULL, "the log was copied, not lent");
		else
			ck_assert_msg(d.owned != NULL && d.p == d.owned, "lent without a mapping");
		fs_data_release(&d);
		ck_assert_int_eq(fs_read_file_ref(fs, "Windows\\nothing.evtx", 64 * MIB, 0, &d, &err), 0);
		fs_free(fs);
		image_free(img);
		free(copy);
		fs = NULL;
		img = NULL;
	}
	unsetenv("VSSD_NO_MMAP");
	/* a memory image lends too */
	whole = (uint8_t *)tu_read_file(vol, &wlen);
	ck_assert_ptr_nonnull(whole);
	ck_assert_int_eq(image_from_memory(&mem, whole, wlen, &err), 0);
	ck_assert_int_eq(fs_open_ntfs(&mfs, mem, 0, wlen, &err), 0);
	ck_assert_int_eq(fs_read_file_ref(mfs, log, 64 * MIB, 0, &md, &err), 1);
	ck_assert_ptr_null(md.owned);
	ck_assert_ptr_eq(md.p >= whole && md.p < whole + wlen ? md.p : NULL, md.p);
	fs_data_release(&md);
	fs_free(mfs);
	image_free(mem);
	free(whole);
	free(vol);
	free(dir);
}
END_TEST

/* ---- the skim's own reading against libevtx's -------------------------- */

static const char *const skim_keep[] = {
	"Microsoft-Windows-CAPI2", "Service Control Manager", "VSS",
	"Microsoft-Windows-Backup", "swprv", "volsnap",
};

/* The index of buf loaded as the scan loads it, and with VSSD_EVTX_FULL
 * (libevtx reads every record the skim does not build from numbers
 * alone, over the whole file): the same records, field for field, string
 * for string.  Returns how many records the skim built with their text. */
static size_t same_index(const uint8_t *buf, size_t len, const char *what)
{
	struct events_filter f = { skim_keep, 6, NULL, 0 };
	struct events_log *fast = NULL, *full = NULL;
	struct events_log_stats sf, sl;
	struct err err;
	size_t i;
	unsigned k;

	err_init(&err);
	ck_assert_msg(events_log_load(buf, len, &f, &fast, &err) == 0, "%s: %s", what, err.msg);
	setenv("VSSD_EVTX_FULL", "1", 1);
	ck_assert_msg(events_log_load(buf, len, &f, &full, &err) == 0, "%s: %s", what, err.msg);
	unsetenv("VSSD_EVTX_FULL");
	ck_assert_uint_eq(events_log_count(fast), events_log_count(full));
	for (i = 0; i < events_log_count(full); i++) {
		const struct events_record *a = events_log_record(fast, i), *b = events_log_record(full, i);
		const uint8_t *ba = events_log_binary(fast, a), *bb = events_log_binary(full, b);

		ck_assert_msg(a->number == b->number && a->filetime == b->filetime &&
			      a->event_id == b->event_id && a->qualifiers == b->qualifiers &&
			      a->level == b->level && a->nstrings == b->nstrings &&
			      (a->flags & (EVENTS_REC_TEXT | EVENTS_REC_RECOVERED)) ==
			      (b->flags & (EVENTS_REC_TEXT | EVENTS_REC_RECOVERED)) &&
			      strcmp(events_log_provider(fast, a), events_log_provider(full, b)) == 0,
			      "%s: record %llu differs (id %u/%u, %u/%u strings)", what,
			      (unsigned long long)b->number, a->event_id, b->event_id, a->nstrings, b->nstrings);
		for (k = 0; k < b->nstrings; k++)
			ck_assert_msg(strcmp(events_log_string(fast, a, k), events_log_string(full, b, k)) == 0,
				      "%s: record %llu string %u: '%s' != '%s'", what,
				      (unsigned long long)b->number, k, events_log_string(fast, a, k),
				      events_log_string(full, b, k));
		ck_assert_msg((ba == NULL) == (bb == NULL) &&
			      (!ba || (a->binary_len == b->binary_len && memcmp(ba, bb, a->binary_len) == 0)),
			      "%s: record %llu binary differs", what, (unsigned long long)b->number);
	}
	events_log_stats(fast, &sf);
	events_log_stats(full, &sl);
	ck_assert_uint_eq(sf.records, sl.records);
	ck_assert_uint_eq(sf.unreadable, sl.unreadable);
	ck_assert_uint_eq(sf.dirty, sl.dirty);
	events_log_free(fast);
	events_log_free(full);
	return sf.built - sl.built;
}

static size_t same_index_spec(const char *spec, const char *what)
{
	struct evtx_writer *w = evtx_writer_new();
	uint8_t *buf = NULL;
	size_t len = 0, n;

	ck_assert_ptr_nonnull(w);
	ck_assert_msg(evtx_writer_apply_spec(w, spec) == 0, "%s: %s", what, evtx_writer_errmsg(w));
	ck_assert_int_eq(evtx_writer_serialize(w, &buf, &len), 0);
	n = same_index(buf, len, what);
	evtx_writer_free(w);
	free(buf);
	return n;
}

/* Realistic logs: the skim reads nearly every record itself, and what it
 * reads is what libevtx reads. */
START_TEST(test_skim_reads_as_libevtx)
{
	size_t n;

	n = same_index_spec("bulk 20000 seed=11\n", "bulk 20000");
	ck_assert_uint_gt(n, 4000);
	n = same_index_spec("dirty 1\nbulk 3000 seed=12\n", "dirty bulk");
	ck_assert_uint_gt(n, 500);
}
END_TEST

/* The shapes the skim reads and the ones it leaves to libevtx: empty
 * strings, non-ASCII text, a character outside the BMP, typed values, a
 * short binary, a trailing string of hex digits (libevtx's <Binary>
 * look-alike), line breaks, a NULL item: the index is the same. */
START_TEST(test_skim_edge_shapes)
{
	static const char spec[] =
		"event provider=VSS id=8193 text=a text= text=c binary=00112233\n"
		"event provider=VSS id=8193 text=Caf\\xc3\\xa9 text=\\xe4\\xb8\\xad binary=0011\n"
		"event provider=VSS id=8194 text=\\xf0\\x9f\\x98\\x80\n"
		"event provider=VSS id=8194 text=\\xe4\\xb8\\xad text=Caf\\xc3\\xa9 binary=00112233\n"
		"event provider=VSS id=8213 data=one:x data.uint32=two:7 binary=AABBCCDD\n"
		"event provider=VSS id=12289 data=x:deadbeef\n"
		"event provider=VSS id=12292 text=ABCDEF0123\n"
		"event provider=VSS id=12292 text=ABCDEF012\n"
		"event provider=VSS id=12302 text=abc text=DEADBEEF binary=0102030405\n"
		"event provider=swprv id=11 data.guid=g:{65ee1dba-8ff4-4a58-ac1c-3470ee2f376a} data=s:ok\n"
		"event provider=Microsoft-Windows-CAPI2 id=513 \"text=Details:\\r\\nAddCoreCsiFiles : BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
		"event provider=\"Service Control Manager\" id=7040 data=param1:a data=param2:b data=param3:c data=param4:CryptSvc\n"
		"event provider=\"Service Control Manager\" id=7026 \"data=param1:x\\r\\ny\"\n"
		"event provider=\"Service Control Manager\" id=7000 data=param1:COM data=param2:Denied binary_utf16=EventSystem\n"
		"event provider=\"Service Control Manager\" id=7036 data=param1:Cryptographic\\ Services data=param2:running binary_utf16=CryptSvc/4\n"
		"event provider=Microsoft-Windows-Backup id=517 data=a: data=b:z\n"
		"event provider=Microsoft-Windows-Backup id=521 data.filetime=t:2024-06-01T10:00:00Z data.uint32=c:2155348226\n"
		"event provider=volsnap id=36 text=\\\\Device\\\\HarddiskVolumeShadowCopy1\n"
		"event provider=EventLog id=6005\n";

	/* the text of about half of them is the skim's */
	ck_assert_uint_ge(same_index_spec(spec, "edge shapes"), 7);
}
END_TEST

/* A template whose <EventID> attribute list claims 16 MiB more than its
 * attributes (found by fuzz_evtx_skim): libevtx rejects every record of
 * that template; the skim must not read their text either. */
START_TEST(test_skim_bad_attribute_list)
{
	static const char spec[] =
		"event provider=EventLog id=6005 time=2024-06-01T08:00:00Z\n"
		"event provider=\"Service Control Manager\" id=7036 time=2024-06-01T08:00:20Z "
		"\"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n"
		"event provider=\"Service Control Manager\" id=7000 time=2024-06-01T08:00:21Z "
		"\"data=param1:COM+ Event System\" \"data=param2:%%1058\" binary_utf16=EventSystem\n"
		"event provider=EventLog id=6006 time=2024-06-01T18:00:00Z\n";
	static const uint8_t q[] = { 'Q', 0, 'u', 0, 'a', 0, 'l', 0, 'i', 0, 'f', 0, 'i', 0, 'e', 0, 'r', 0, 's', 0 };
	struct evtx_writer *w = evtx_writer_new();
	uint8_t *buf = NULL, *at, name[5];
	size_t len = 0, hits = 0, off;

	ck_assert_int_eq(evtx_writer_apply_spec(w, spec), 0);
	ck_assert_int_eq(evtx_writer_serialize(w, &buf, &len), 0);
	/* the "Qualifiers" name is written once in the chunk (8 bytes of
	 * name header before its characters); every attribute token naming
	 * it (0x06, then the name's chunk offset) has its list size in the
	 * 4 bytes before it: the top byte flipped */
	at = memmem(buf + 4096, len - 4096, q, sizeof(q));
	ck_assert_ptr_nonnull(at);
	name[0] = 0x06;
	put_u32le(name + 1, (uint32_t)(at - 8 - (buf + 4096)));
	for (off = 4096; (at = memmem(buf + off, len - off, name, 5)) != NULL; off = (size_t)(at - buf) + 1) {
		at[-1] ^= 0x01;
		hits++;
	}
	ck_assert_uint_ge(hits, 2);
	same_index(buf, len, "bad attribute list");
	evtx_writer_free(w);
	free(buf);
}
END_TEST

/* The "EventData" name's NUL changed to 0xff00 (found by fuzz_evtx_skim):
 * libfwevt reads the NUL as the name's last character, so libevtx sees
 * no <EventData> and gives those records no strings; the skim must not
 * read their text as <EventData>'s either. */
START_TEST(test_skim_name_without_nul)
{
	static const char spec[] =
		"event provider=\"Service Control Manager\" id=7040 time=2024-06-01T08:00:20Z "
		"\"data=param1:IP Helper\" \"data=param2:demand start\" \"data=param3:auto start\" "
		"data=param4:iphlpsvc\n"
		"event provider=VSS id=8193 time=2024-06-01T08:00:21Z text=a text=b\n";
	static const uint8_t ed[] = { 'E', 0, 'v', 0, 'e', 0, 'n', 0, 't', 0, 'D', 0, 'a', 0, 't', 0,
				      'a', 0, 0, 0 };
	struct evtx_writer *w = evtx_writer_new();
	uint8_t *buf = NULL, *at;
	size_t len = 0, off, hits = 0;

	ck_assert_int_eq(evtx_writer_apply_spec(w, spec), 0);
	ck_assert_int_eq(evtx_writer_serialize(w, &buf, &len), 0);
	/* intact, the skim reads both records' text itself */
	ck_assert_uint_ge(same_index(buf, len, "EventData intact"), 2);
	for (off = 4096; (at = memmem(buf + off, len - off, ed, sizeof(ed))) != NULL;
	     off = (size_t)(at - buf) + 1) {
		at[sizeof(ed) - 1] = 0xff;
		hits++;
	}
	ck_assert_uint_ge(hits, 1);
	ck_assert_uint_eq(same_index(buf, len, "EventData without its NUL"), 0);
	evtx_writer_free(w);
	free(buf);
}
END_TEST

/* The real logs in the samples, when present. */
START_TEST(test_skim_samples)
{
	static const char *const logs[] = {
		"evtx/System_win7.evtx", "evtx/System_win10_1703.evtx", "evtx/System_server2022.evtx",
		"evtx/Application_server2022.evtx", "evtx/Application_win11.evtx",
	};
	size_t i, len;

	for (i = 0; i < sizeof(logs) / sizeof(logs[0]); i++) {
		char *p = tu_sample(logs[i]);
		uint8_t *buf;

		if (!p)
			continue;
		buf = (uint8_t *)tu_read_file(p, &len);
		ck_assert_ptr_nonnull(buf);
		same_index(buf, len, logs[i]);
		free(buf);
		free(p);
	}
}
END_TEST

/* Timings removed: JSON "timing_ms", the text "(exit status N, M ms)",
 * JUnit time and timestamp attributes (their values deleted). */
static void untime(char *s)
{
	static const char *const keys[] = { "\"timing_ms\":{", ", ", "time=\"", "timestamp=\"" };
	static const char ends[] = { '}', ' ', '"', '"' };
	size_t k;
	char *p;

	for (k = 0; k < 4; k++) {
		for (p = strstr(s, keys[k]); p; p = strstr(p + 1, keys[k])) {
			char *q = p + strlen(keys[k]), *e = q;

			while (*e && *e != ends[k] && (k != 1 || (*e >= '0' && *e <= '9')))
				e++;
			/* ", N ms)" only */
			if (k == 1 && strncmp(e, " ms)", 4) != 0)
				continue;
			memmove(q, e, strlen(e) + 1);
		}
	}
}

/* Our allocations in a scan (vssdoctor-faultalloc counts every malloc,
 * calloc, realloc and strdup of our own code). */
static unsigned long long scan_allocations(const char *img)
{
	char *argv[8];
	struct tu_run r;
	const char *p;
	unsigned long long n;
	int k = 0;

	setenv("VSSD_COUNT_ALLOCS", "1", 1);
	argv[k++] = (char *)tu_env("VSSD_FAULT_BIN");
	argv[k++] = (char *)"scan";
	argv[k++] = (char *)"--rules";
	argv[k++] = (char *)tu_env("VSSD_RULES");
	argv[k++] = (char *)img;
	argv[k] = NULL;
	ck_assert_int_eq(tu_run(argv, 120, &r), 0);
	unsetenv("VSSD_COUNT_ALLOCS");
	ck_assert_msg(r.status <= 3 && r.status != 2, "scan of %s: exit %d: %s", img, r.status, r.err);
	p = strstr(r.err, "allocations: ");
	ck_assert_msg(p != NULL, "no allocation count: %s", r.err);
	n = strtoull(p + 13, NULL, 10);
	tu_run_free(&r);
	return n;
}

/* No per-record allocation in the skim: a System log of 24,000 records
 * costs our code about as many allocations as one of 3,000 (the index
 * grows by doubling; strings live in pools), far fewer than one per
 * extra record. */
START_TEST(test_skim_allocations_flat)
{
	char *dir = tu_tmpdir("speed-alloc"), *img[2];
	static const unsigned records[2] = { 3000, 24000 };
	unsigned long long n[2];
	size_t i;

	for (i = 0; i < 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "a%zu.img", i);
		img[i] = path_in(dir, name);
		ck_assert_int_eq(tu_sh("printf 'size 64M\\nos 2016\\nevtx system bulk %u seed=2\\n' | '%s/mkscenario' '%s' - >/dev/null",
				       records[i], tu_env("VSSD_TOOLS"), img[i]), 0);
		n[i] = scan_allocations(img[i]);
	}
	fprintf(stderr, "speed: allocations %llu for %u records, %llu for %u\n", n[0], records[0], n[1], records[1]);
	ck_assert_msg(n[1] < n[0] + (records[1] - records[0]) / 100,
		      "%llu allocations for %u records, %llu for %u: per-record allocation in the skim",
		      n[0], records[0], n[1], records[1]);
	for (i = 0; i < 2; i++)
		free(img[i]);
	free(dir);
}
END_TEST

/* Bytes a scan reads (-v), and the size of a file in the volume. */
static unsigned long long scan_bytes_read(const char *img)
{
	struct tu_run r;
	const char *p;
	unsigned long long n;

	tu_vssdoctor(&r, "scan", "-v", "--format", "json", "--rules", tu_env("VSSD_RULES"), img, NULL);
	ck_assert_msg(r.status <= 3 && r.status != 2, "scan of %s: exit %d: %s", img, r.status, r.err);
	p = strstr(r.err, "read ");
	while (p && !(p[5] >= '0' && p[5] <= '9'))
		p = strstr(p + 1, "read ");
	ck_assert_msg(p != NULL, "no bytes read in: %s", r.err);
	n = strtoull(p + 5, NULL, 10);
	tu_run_free(&r);
	return n;
}

static unsigned long long volume_file_size(const char *img, const char *path)
{
	char *out = NULL;
	struct stat st;
	unsigned long long n;

	ck_assert_int_ge(asprintf(&out, "%s.file", img), 0);
	ck_assert_int_eq(tu_sh("ntfscat -f '%s' '%s' > '%s'", img, path, out), 0);
	ck_assert_int_eq(stat(out, &st), 0);
	n = (unsigned long long)st.st_size;
	unlink(out);
	free(out);
	return n;
}

/* Every event log is read once per scan: the first load keeps what the
 * rules' events and the checks' own "sources" (writer-timeout's VSS and
 * Backup ids) need, so no check reads a log again (a second read went
 * through libevtx record by record).  Two volumes that differ only in
 * the size of their logs: the scan of the bigger one reads the extra log
 * bytes once, not twice. */
START_TEST(test_logs_read_once)
{
	static const char *const scen[2] = {
		"size 96M\\nos 2016\\nevtx system bulk 500 seed=2\\nevtx application bulk 500 seed=1\\n",
		"size 96M\\nos 2016\\nevtx system bulk 12000 seed=2\\nevtx application bulk 12000 seed=1\\n",
	};
	static const char *const logs[2] = {
		"/Windows/System32/winevt/Logs/System.evtx", "/Windows/System32/winevt/Logs/Application.evtx",
	};
	char *dir = tu_tmpdir("speed-once"), *img[2];
	unsigned long long size[2] = { 0, 0 }, rd[2], dsize, dread;
	size_t i, k;

	if (tu_sh("command -v ntfscat >/dev/null") != 0) {
		fprintf(stderr, "skip: logs read once (no ntfscat)\n");
		free(dir);
		return;
	}
	for (i = 0; i < 2; i++) {
		char name[16];

		snprintf(name, sizeof(name), "o%zu.img", i);
		img[i] = path_in(dir, name);
		ck_assert_int_eq(tu_sh("printf '%s' | '%s/mkscenario' '%s' - >/dev/null",
				       scen[i], tu_env("VSSD_TOOLS"), img[i]), 0);
		for (k = 0; k < 2; k++)
			size[i] += volume_file_size(img[i], logs[k]);
		rd[i] = scan_bytes_read(img[i]);
	}
	dsize = size[1] - size[0];
	dread = rd[1] - rd[0];
	fprintf(stderr, "speed: logs %llu bytes more, the scan read %llu bytes more\n", dsize, dread);
	ck_assert_uint_gt(dsize, 4 * MIB);
	ck_assert_msg(dread >= dsize - dsize / 10 && dread <= dsize + dsize / 5,
		      "logs %llu bytes bigger, the scan read %llu bytes more: a log is read %s",
		      dsize, dread, dread > dsize ? "more than once" : "in part");
	for (i = 0; i < 2; i++)
		free(img[i]);
	free(dir);
}
END_TEST

/* Five sources (three scenarios, a missing file, the same image twice):
 * with -j 2 the reports, stderr and exit status are -j 1's, byte for
 * byte once the timings are zeroed, in every format. */
START_TEST(test_batch_same_as_sequential)
{
	static const char *const formats[] = { "json", "text", "junit", "markdown", "html" };
	char *dir = tu_tmpdir("speed-batch"), *img[3], *missing = path_in(dir, "missing.img");
	static const char *const scen[3] = {
		"size 64M\\nbreak cause1\\n",
		"size 64M\\nos 2016\\nbreak cause2\\nevtx system bulk 2000 seed=3\\nevtx application bulk 800 seed=4\\n",
		"size 64M\\nos 2019\\nbreak binary\\n",
	};
	struct tu_run r1, r2;
	size_t i, f;

	for (i = 0; i < 3; i++) {
		char name[16];

		snprintf(name, sizeof(name), "s%zu.img", i);
		img[i] = path_in(dir, name);
		ck_assert_int_eq(tu_sh("printf '%s' | '%s/mkscenario' '%s' - >/dev/null",
				       scen[i], tu_env("VSSD_TOOLS"), img[i]), 0);
	}
	for (f = 0; f < sizeof(formats) / sizeof(formats[0]); f++) {
		tu_vssdoctor(&r1, "scan", "-j", "1", "--format", formats[f], "--rules", tu_env("VSSD_RULES"),
			     img[0], img[1], missing, img[2], img[0], NULL);
		tu_vssdoctor(&r2, "scan", "-j", "2", "--format", formats[f], "--rules", tu_env("VSSD_RULES"),
			     img[0], img[1], missing, img[2], img[0], NULL);
		ck_assert_int_eq(r1.status, 2);
		ck_assert_int_eq(r2.status, r1.status);
		untime(r1.out);
		untime(r2.out);
		ck_assert_msg(r1.out_len > 1000, "%s: no reports: %s", formats[f], r1.err);
		ck_assert_msg(strcmp(r1.out, r2.out) == 0, "%s: -j 2 wrote other reports than -j 1", formats[f]);
		ck_assert_str_eq(r1.err, r2.err);
		ck_assert_ptr_nonnull(strstr(r1.err, "missing.img"));
		tu_run_free(&r1);
		tu_run_free(&r2);
	}
	/* the order is the SOURCEs': JSON Lines name them in turn */
	tu_vssdoctor(&r2, "scan", "-j", "2", "--format", "json", "--rules", tu_env("VSSD_RULES"),
		     img[2], img[1], img[0], NULL);
	{
		const char *a = strstr(r2.out, "s2.img"), *b = strstr(r2.out, "s1.img"),
			   *c = strstr(r2.out, "s0.img");

		ck_assert_msg(a && b && c && a < b && b < c, "reports out of order");
	}
	tu_run_free(&r2);
	tu_vssdoctor(&r2, "scan", "-j", "0", img[0], NULL);
	ck_assert_int_eq(r2.status, 2);
	tu_run_free(&r2);
	for (i = 0; i < 3; i++)
		free(img[i]);
	free(missing);
	free(dir);
}
END_TEST

Suite *speed_suite(void);
Suite *speed_suite(void)
{
	Suite *s = suite_create("speed");
	TCase *tc;

	tc = tcase_create("zero-copy");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_borrow_raw);
	tcase_add_test(tc, test_borrow_fixed_vhd);
	tcase_add_test(tc, test_shrink_under_mapping);
	tcase_add_test(tc, test_fs_lends_event_log);
	suite_add_tcase(s, tc);

	tc = tcase_create("skim");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_skim_reads_as_libevtx);
	tcase_add_test(tc, test_skim_edge_shapes);
	tcase_add_test(tc, test_skim_samples);
	tcase_add_test(tc, test_skim_bad_attribute_list);
	tcase_add_test(tc, test_skim_name_without_nul);
	tcase_add_test(tc, test_skim_allocations_flat);
	tcase_add_test(tc, test_logs_read_once);
	suite_add_tcase(s, tc);

	tc = tcase_create("batch");
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_batch_same_as_sequential);
	suite_add_tcase(s, tc);
	return s;
}
