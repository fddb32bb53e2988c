/* The EVTX writer (testdata/lib/evtx_writer.c) and mkevtx: every log is
 * read back with libevtx from memory (libbfio memory range), the way the
 * program reads real logs, and with evtxexport; the same reader runs over
 * a real Windows 7 System.evtx, to show it reads what Windows writes and
 * that our records have Windows' shape. */
#define _GNU_SOURCE
#include <libbfio.h>
#include <libevtx.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bytes.h"
#include "err.h"
#include "evtx_writer.h"
#include "testutil.h"

#define T0 "2024-06-01T10:00:00Z"
#define FT0 133617096000000000ull
#define SECOND 10000000ull

#define CAPI2_513_TEXT "Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n"
/* the same in the spec language: escapes, not control characters */
#define CAPI2_513_SPEC "Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n"
#define SCM_GUID "{555908d1-a6d7-4695-8e1e-26931d2012f4}"
#define CAPI2_GUID "{5bbca4a8-b209-48dc-a8c7-b23d3e5216fb}"

/* ---- reading logs with libevtx ----------------------------------------- */

struct rrec {
	uint64_t record_id, written;
	uint32_t event_id, qualifiers;
	int has_qualifiers;
	uint8_t level;
	char source[256], computer[256];
	int nstr;
	char **str;                  /* "" for empty strings */
};

struct rlog {
	struct rrec *r;
	size_t n;
	uint32_t flags;
	int corrupted;
};

static void rlog_free(struct rlog *log)
{
	size_t i;
	int s;

	for (i = 0; i < log->n; i++) {
		for (s = 0; s < log->r[i].nstr; s++)
			free(log->r[i].str[s]);
		free(log->r[i].str);
	}
	free(log->r);
	memset(log, 0, sizeof(*log));
}

static int read_record(libevtx_record_t *rec, struct rrec *o)
{
	libevtx_error_t *e = NULL;
	int s, rc;

	memset(o, 0, sizeof(*o));
	if (libevtx_record_get_identifier(rec, &o->record_id, &e) != 1 ||
	    libevtx_record_get_written_time(rec, &o->written, &e) != 1 ||
	    libevtx_record_get_event_identifier(rec, &o->event_id, &e) != 1 ||
	    libevtx_record_get_event_level(rec, &o->level, &e) != 1)
		goto fail;
	rc = libevtx_record_get_event_identifier_qualifiers(rec, &o->qualifiers, &e);
	if (rc < 0)
		goto fail;
	o->has_qualifiers = rc == 1;
	if (libevtx_record_get_utf8_source_name(rec, (uint8_t *)o->source, sizeof(o->source), &e) < 0 ||
	    libevtx_record_get_utf8_computer_name(rec, (uint8_t *)o->computer, sizeof(o->computer), &e) < 0 ||
	    libevtx_record_get_number_of_strings(rec, &o->nstr, &e) != 1)
		goto fail;
	o->str = calloc((size_t)o->nstr + 1, sizeof(char *));
	ck_assert(o->str != NULL);
	for (s = 0; s < o->nstr; s++) {
		size_t size = 0;

		if (libevtx_record_get_utf8_string_size(rec, s, &size, &e) != 1)
			goto fail;
		o->str[s] = calloc(size + 1, 1);
		ck_assert(o->str[s] != NULL);
		/* libevtx fails to copy empty strings (size 0), real logs too */
		if (size > 1 && libevtx_record_get_utf8_string(rec, s, (uint8_t *)o->str[s], size, &e) != 1)
			goto fail;
	}
	return 0;
fail:
	libevtx_error_fprint(e, stderr);
	libevtx_error_free(&e);
	return -1;
}

/* The whole log from memory (buf) or from a file (path). */
static int rlog_read(struct rlog *log, uint8_t *buf, size_t len, const char *path)
{
	libbfio_handle_t *h = NULL;
	libbfio_error_t *be = NULL;
	libevtx_file_t *f = NULL;
	libevtx_error_t *e = NULL;
	int n = 0, i, rc = -1;

	memset(log, 0, sizeof(*log));
	if (libevtx_file_initialize(&f, &e) != 1)
		goto out;
	if (buf) {
		if (libbfio_memory_range_initialize(&h, &be) != 1 ||
		    libbfio_memory_range_set(h, buf, len, &be) != 1) {
			libbfio_error_free(&be);
			goto out;
		}
		if (libevtx_file_open_file_io_handle(f, h, LIBEVTX_OPEN_READ, &e) != 1)
			goto out;
	} else if (libevtx_file_open(f, path, LIBEVTX_OPEN_READ, &e) != 1) {
		goto out;
	}
	if (libevtx_file_get_flags(f, &log->flags, &e) != 1 ||
	    libevtx_file_get_number_of_records(f, &n, &e) != 1)
		goto close;
	log->corrupted = libevtx_file_is_corrupted(f, &e);
	log->r = calloc((size_t)n + 1, sizeof(*log->r));
	ck_assert(log->r != NULL);
	for (i = 0; i < n; i++) {
		libevtx_record_t *rec = NULL;
		int bad;

		if (libevtx_file_get_record_by_index(f, i, &rec, &e) != 1)
			goto close;
		bad = read_record(rec, &log->r[i]);
		log->n++;
		libevtx_record_free(&rec, NULL);
		if (bad)
			goto close;
	}
	rc = 0;
close:
	libevtx_file_close(f, NULL);
out:
	if (e) {
		libevtx_error_fprint(e, stderr);
		libevtx_error_free(&e);
	}
	libevtx_file_free(&f, NULL);
	if (h)
		libbfio_handle_free(&h, NULL);
	if (rc < 0)
		rlog_free(log);
	return rc;
}

/* Serializes w and reads it back. */
static void write_and_read(struct evtx_writer *w, struct rlog *log, uint8_t **buf, size_t *len)
{
	ck_assert_int_eq(evtx_writer_serialize(w, buf, len), 0);
	ck_assert_msg(rlog_read(log, *buf, *len, NULL) == 0, "libevtx could not read the log");
}

static char *hex_utf16z(const char *text)
{
	uint8_t b[512];
	size_t n = evtx_utf16z(text, b, sizeof(b)), i;
	char *h = malloc(2 * n + 1);

	ck_assert(h != NULL && n <= sizeof(b));
	for (i = 0; i < n; i++)
		sprintf(h + 2 * i, "%02X", b[i]);
	return h;
}

static uint32_t crc32_ref(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;
	int k;

	/* bitwise, independent of the writer's table */
	while (n--) {
		c ^= *p++;
		for (k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

static char *which(const char *name)
{
	const char *path = getenv("PATH");
	char *dirs, *d, *save = NULL, *p = NULL;

	if (!path)
		path = "/usr/bin:/bin";
	dirs = strdup(path);
	ck_assert(dirs != NULL);
	for (d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		if (asprintf(&p, "%s/%s", d, name) < 0)
			break;
		if (access(p, X_OK) == 0)
			break;
		free(p);
		p = NULL;
	}
	free(dirs);
	return p;
}

/* ---- every event kind vssdoctor reads, through the spec fields -------- */

struct kind {
	const char *fields;
	uint16_t id;
	const char *source;
	int has_q;
	uint16_t q;
	uint8_t level;
	const char *str[8];          /* "@key" = the UTF-16LE+NUL hex of key */
};

static const struct kind kinds[] = {
	{ "provider=Microsoft-Windows-CAPI2 id=513 text=\"" CAPI2_513_SPEC "\"",
	  513, "Microsoft-Windows-CAPI2", 1, 0, 2, { CAPI2_513_TEXT } },
	{ "provider=Microsoft-Windows-CAPI2 id=512 text=\"Details:\\r\\nAddCoreCsiFiles : BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"",
	  512, "Microsoft-Windows-CAPI2", 1, 0, 2,
	  { "Details:\r\nAddCoreCsiFiles : BeginFileEnumeration() failed.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n" } },
	{ "provider=\"Service Control Manager\" id=7000 data=param1:\"Cryptographic Services\" data=param2:%%1058 binary_utf16=CryptSvc",
	  7000, "Service Control Manager", 1, 49152, 2, { "Cryptographic Services", "%%1058", "@CryptSvc" } },
	{ "provider=\"Service Control Manager\" id=7001 data=param1:\"COM+ System Application\" data=param2:\"COM+ Event System\" data=param3:%%1068 binary_utf16=COMSysApp",
	  7001, "Service Control Manager", 1, 49152, 2, { "COM+ System Application", "COM+ Event System", "%%1068", "@COMSysApp" } },
	{ "provider=\"Service Control Manager\" id=7009 data=param1:30000 data=param2:\"Volume Shadow Copy\" binary_utf16=VSS",
	  7009, "Service Control Manager", 1, 49152, 2, { "30000", "Volume Shadow Copy", "@VSS" } },
	{ "provider=\"Service Control Manager\" id=7011 data=param1:30000 data=param2:\"COM+ Event System\" binary_utf16=EventSystem",
	  7011, "Service Control Manager", 1, 49152, 2, { "30000", "COM+ Event System", "@EventSystem" } },
	{ "provider=\"Service Control Manager\" id=7022 data=param1:\"Cryptographic Services\" binary_utf16=CryptSvc",
	  7022, "Service Control Manager", 1, 49152, 2, { "Cryptographic Services", "@CryptSvc" } },
	{ "provider=\"Service Control Manager\" id=7023 data=param1:\"COM+ Event System\" data=param2:%%2 binary_utf16=EventSystem",
	  7023, "Service Control Manager", 1, 49152, 2, { "COM+ Event System", "%%2", "@EventSystem" } },
	{ "provider=\"Service Control Manager\" id=7024 data=param1:\"Volume Shadow Copy\" data=param2:%%2147942405 binary_utf16=VSS",
	  7024, "Service Control Manager", 1, 49152, 2, { "Volume Shadow Copy", "%%2147942405", "@VSS" } },
	{ "provider=\"Service Control Manager\" id=7026 data=param1:\"\\r\\nMsLldp\"",
	  7026, "Service Control Manager", 1, 49152, 2, { "\r\nMsLldp" } },
	{ "provider=\"Service Control Manager\" id=7031 data=param1:\"Cryptographic Services\" data=param2:1 data=param3:60000 data=param4:1 data=param5:\"Restart the service\" binary_utf16=CryptSvc",
	  7031, "Service Control Manager", 1, 49152, 2, { "Cryptographic Services", "1", "60000", "1", "Restart the service", "@CryptSvc" } },
	{ "provider=\"Service Control Manager\" id=7034 data=param1:\"COM+ Event System\" data=param2:2 binary_utf16=EventSystem",
	  7034, "Service Control Manager", 1, 49152, 2, { "COM+ Event System", "2", "@EventSystem" } },
	{ "provider=\"Service Control Manager\" id=7036 data=param1:Cryptographic\\ Services data=param2:running binary_utf16=CryptSvc/4",
	  7036, "Service Control Manager", 1, 16384, 4, { "Cryptographic Services", "running", "@CryptSvc/4" } },
	{ "provider=\"Service Control Manager\" id=7036 data=param1:\"Volume Shadow Copy\" data=param2:stopped binary_utf16=VSS/1",
	  7036, "Service Control Manager", 1, 16384, 4, { "Volume Shadow Copy", "stopped", "@VSS/1" } },
	{ "provider=\"Service Control Manager\" id=7040 user=S-1-5-18 data=param1:\"Cryptographic Services\" data=param2:\"auto start\" data=param3:disabled data=param4:CryptSvc",
	  7040, "Service Control Manager", 1, 16384, 4, { "Cryptographic Services", "auto start", "disabled", "CryptSvc" } },
	{ "provider=VSS id=8193 text=\"XML document is too long\" text=\"0x80070018, The data is invalid.\\r\\n\" text= binary=2D20436F64653A",
	  8193, "VSS", 1, 0, 2, { "XML document is too long", "0x80070018, The data is invalid.\r\n", "", "2D20436F64653A" } },
	{ "provider=VSS id=8194 text=\"0x80070005, Access is denied.\\r\\n\" text=",
	  8194, "VSS", 1, 0, 2, { "0x80070005, Access is denied.\r\n", "" } },
	{ "provider=VSS id=8213 text=\"0x80070539, The security ID structure is invalid.\\r\\n\" text=\"NT AUTHORITY\\\\NETWORK SERVICE\"",
	  8213, "VSS", 1, 0, 2, { "0x80070539, The security ID structure is invalid.\r\n", "NT AUTHORITY\\NETWORK SERVICE" } },
	{ "provider=VSS id=12289 text=\"\\\\\\\\?\\\\Volume{4fd1b5a5-0000-0000-0000-100000000000}\\\\\" text=\"0x80070001, Incorrect function.\\r\\n\"",
	  12289, "VSS", 1, 0, 2, { "\\\\?\\Volume{4fd1b5a5-0000-0000-0000-100000000000}\\", "0x80070001, Incorrect function.\r\n" } },
	{ "provider=VSS id=12292 text={65ee1dba-8ff4-4a58-ac1c-3470ee2f376a} text=\"0x80070002, The system cannot find the file specified.\\r\\n\"",
	  12292, "VSS", 1, 0, 2, { "{65ee1dba-8ff4-4a58-ac1c-3470ee2f376a}", "0x80070002, The system cannot find the file specified.\r\n" } },
	{ "provider=VSS id=12302 text=\"0x8000ffff, Catastrophic failure\\r\\n\"",
	  12302, "VSS", 1, 0, 2, { "0x8000ffff, Catastrophic failure\r\n" } },
	{ "provider=swprv id=11 text={65ee1dba-8ff4-4a58-ac1c-3470ee2f376a} text=IVssSoftwareSnapshotProvider text=\"0x8007007e, The specified module could not be found.\\r\\n\"",
	  11, "swprv", 1, 0, 2, { "{65ee1dba-8ff4-4a58-ac1c-3470ee2f376a}", "IVssSoftwareSnapshotProvider", "0x8007007e, The specified module could not be found.\r\n" } },
	{ "provider=volsnap id=11 text=\\\\Device\\\\HarddiskVolumeShadowCopy1 text=C:",
	  11, "volsnap", 1, 49158, 2, { "\\Device\\HarddiskVolumeShadowCopy1", "C:" } },
	{ "provider=EventLog id=6005 binary=E807060006000100070000000000000000000000000000",
	  6005, "EventLog", 1, 32768, 4, { "E807060006000100070000000000000000000000000000" } },
	{ "provider=EventLog id=6006 binary=01000000A1640200",
	  6006, "EventLog", 1, 32768, 4, { "01000000A1640200" } },
	{ "provider=Microsoft-Windows-Kernel-General id=12 user=S-1-5-18 pid=4 tid=8 data.uint32=MajorVersion:6 data.uint32=MinorVersion:1 data.uint32=BuildVersion:7601 data.filetime=StartTime:2024-06-01T09:59:30.5Z",
	  12, "Microsoft-Windows-Kernel-General", 0, 0, 4, { "6", "1", "7601", "2024-06-01T09:59:30.500000000Z" } },
	{ "provider=Microsoft-Windows-Kernel-General id=13 pid=4 data.filetime=StopTime:2024-06-01T10:00:26Z",
	  13, "Microsoft-Windows-Kernel-General", 0, 0, 4, { "2024-06-01T10:00:26.000000000Z" } },
	{ "provider=User32 id=1074 user=S-1-5-18 data=param1:\"C:\\\\Windows\\\\system32\\\\winlogon.exe (SRV01)\" data=param2:SRV01 data=param3:\"Operating System: Upgrade (Planned)\" data=param4:0x80020003 data=param5:restart data=param6: data=param7:\"NT AUTHORITY\\\\SYSTEM\"",
	  1074, "User32", 1, 32768, 4, { "C:\\Windows\\system32\\winlogon.exe (SRV01)", "SRV01", "Operating System: Upgrade (Planned)", "0x80020003", "restart", "", "NT AUTHORITY\\SYSTEM" } },
	{ "provider=Microsoft-Windows-Backup id=517 data=BackupTime:2024-06-01T09:50:00.000Z data=ErrorCode:2155348226 data=ErrorMessage:%%2155348226",
	  517, "Microsoft-Windows-Backup", 0, 0, 2, { "2024-06-01T09:50:00.000Z", "2155348226", "%%2155348226" } },
	{ "provider=Microsoft-Windows-Backup id=521 data=BackupTime:2024-06-01T09:50:00.000Z data=ErrorCode:2155348129 data=ErrorMessage:%%2155348129",
	  521, "Microsoft-Windows-Backup", 0, 0, 2, { "2024-06-01T09:50:00.000Z", "2155348129", "%%2155348129" } },
};
#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static void check_strings(const struct rrec *r, const char *const *want, size_t i)
{
	int s, n = 0;

	while (n < 8 && want[n])
		n++;
	ck_assert_msg(r->nstr == n, "kind %zu (event %u): %d strings, want %d", i, r->event_id, r->nstr, n);
	for (s = 0; s < n; s++) {
		char *exp = want[s][0] == '@' ? hex_utf16z(want[s] + 1) : strdup(want[s]);

		ck_assert_msg(strcmp(r->str[s], exp) == 0, "kind %zu (event %u) string %d: '%s', want '%s'",
		              i, r->event_id, s, r->str[s], exp);
		free(exp);
	}
}

static void add_kinds(struct evtx_writer *w, uint64_t t0)
{
	size_t i;

	for (i = 0; i < NKINDS; i++) {
		char *line = NULL;
		char ts[32];
		uint64_t t = t0 + i * SECOND;

		/* T0 plus i seconds */
		snprintf(ts, sizeof(ts), "2024-06-01T10:%02u:%02uZ",
		         (unsigned)((t - FT0) / SECOND / 60), (unsigned)((t - FT0) / SECOND % 60));
		ck_assert(asprintf(&line, "%s time=%s", kinds[i].fields, ts) > 0);
		ck_assert_msg(evtx_writer_add_fields(w, line) == 0, "kind %zu: %s", i, evtx_writer_errmsg(w));
		free(line);
	}
}

START_TEST(test_every_kind_reads_back)
{
	struct evtx_writer *w = evtx_writer_new();
	struct rlog log;
	uint8_t *buf = NULL;
	size_t len = 0, i;

	ck_assert(w != NULL);
	add_kinds(w, FT0);
	ck_assert_uint_eq(evtx_writer_record_count(w), NKINDS);
	write_and_read(w, &log, &buf, &len);
	ck_assert_uint_eq(log.n, NKINDS);
	ck_assert_int_eq(log.corrupted, 0);
	for (i = 0; i < NKINDS; i++) {
		const struct rrec *r = &log.r[i];

		ck_assert_msg(r->event_id == kinds[i].id, "kind %zu: event %u", i, r->event_id);
		ck_assert_uint_eq(r->record_id, i + 1);
		ck_assert_msg(strcmp(r->source, kinds[i].source) == 0, "kind %zu: source '%s'", i, r->source);
		ck_assert_msg(r->has_qualifiers == kinds[i].has_q, "kind %zu: qualifiers present %d", i, r->has_qualifiers);
		if (kinds[i].has_q)
			ck_assert_msg(r->qualifiers == kinds[i].q, "kind %zu: qualifiers %u", i, r->qualifiers);
		ck_assert_msg(r->level == kinds[i].level, "kind %zu: level %u", i, r->level);
		ck_assert_str_eq(r->computer, "SRV01");
		ck_assert_msg(r->written == FT0 + i * SECOND, "kind %zu: written %llu", i,
		              (unsigned long long)r->written);
		check_strings(r, kinds[i].str, i);
	}
	rlog_free(&log);
	free(buf);
	evtx_writer_free(w);
}
END_TEST

/* ---- the C API directly ------------------------------------------------ */

START_TEST(test_struct_api)
{
	struct evtx_writer *w = evtx_writer_new();
	uint8_t bin[64], *buf = NULL;
	size_t bl = evtx_utf16z("CryptSvc/4", bin, sizeof(bin)), len = 0;
	struct rlog log;
	char *hex = hex_utf16z("CryptSvc/4");
	struct evtx_event scm = {
		.provider = "Service Control Manager", .provider_guid = SCM_GUID,
		.event_source_name = "Service Control Manager", .event_id = 7036,
		.qualifiers = 16384, .level = 4, .filetime = evtx_filetime(T0),
		.record_id = 100, .channel = "System", .computer = "WIN-2K8R2",
		.ndata = 2, .data_names = { "param1", "param2" },
		.data = { "Cryptographic Services", "running" },
		.binary = bin, .binary_len = bl,
		.written_time = evtx_filetime("2024-06-01T10:00:05Z"),
	};
	struct evtx_event capi = {
		.provider = "Microsoft-Windows-CAPI2", .event_id = 513,
		.filetime = evtx_filetime("2024-06-01T10:00:01Z"), .computer = "WIN-2K8R2",
		.ndata = 1, .data = { CAPI2_513_TEXT },
	};

	ck_assert_uint_eq(bl, 22);     /* 10 characters + NUL */
	ck_assert(w != NULL);
	ck_assert_int_eq(evtx_writer_add(w, &scm), 0);
	evtx_event_apply_defaults(&capi);
	ck_assert_str_eq(capi.provider_guid, CAPI2_GUID);
	ck_assert_str_eq(capi.channel, "Application");
	ck_assert_int_eq(capi.level, 2);
	ck_assert_int_eq(evtx_writer_add(w, &capi), 0);
	scm.record_id = 0;             /* sequential again: 102 */
	ck_assert_int_eq(evtx_writer_add(w, &scm), 0);
	write_and_read(w, &log, &buf, &len);
	ck_assert_uint_eq(log.n, 3);
	ck_assert_uint_eq(log.r[0].record_id, 100);
	ck_assert_uint_eq(log.r[1].record_id, 101);
	ck_assert_uint_eq(log.r[2].record_id, 102);
	ck_assert(log.r[0].written == evtx_filetime("2024-06-01T10:00:05Z"));
	ck_assert(log.r[1].written == evtx_filetime("2024-06-01T10:00:01Z"));
	ck_assert_str_eq(log.r[0].computer, "WIN-2K8R2");
	ck_assert_int_eq(log.r[0].nstr, 3);
	ck_assert_str_eq(log.r[0].str[0], "Cryptographic Services");
	ck_assert_str_eq(log.r[0].str[2], hex);
	ck_assert_str_eq(log.r[1].source, "Microsoft-Windows-CAPI2");
	ck_assert_str_eq(log.r[1].str[0], CAPI2_513_TEXT);
	/* header: next record identifier */
	ck_assert_uint_eq(le64(buf + 0x18), 103);
	rlog_free(&log);
	free(buf);
	free(hex);
	evtx_writer_free(w);
}
END_TEST

/* ---- value types ------------------------------------------------------- */

static const struct vt_case {
	const char *type, *in, *shown;
} vt_cases[] = {
	{ "string", "caf\xc3\xa9 \xe2\x82\xac 5", "caf\xc3\xa9 \xe2\x82\xac 5" },
	{ "uint8", "200", "200" },
	{ "uint16", "65535", "65535" },
	{ "uint32", "4000000000", "4000000000" },
	{ "uint64", "18446744073709551615", "18446744073709551615" },
	{ "hex32", "0x80070018", "0x80070018" },
	{ "hex64", "0x8080000000000000", "0x8080000000000000" },
	{ "filetime", "2024-06-01T10:00:00.1234567Z", "2024-06-01T10:00:00.123456700Z" },
	{ "systemtime", "2024-06-01T10:00:00.123Z", "2024-06-01T10:00:00.123Z" },
	{ "sid", "S-1-5-21-1-2-3-500", "S-1-5-21-1-2-3-500" },
	{ "guid", "{5bbca4a8-b209-48dc-a8c7-b23d3e5216fb}", "{5BBCA4A8-B209-48DC-A8C7-B23D3E5216FB}" },
	{ "binary", "DEADBEEF00", "DEADBEEF00" },
};
#define NVT (sizeof(vt_cases) / sizeof(vt_cases[0]))

START_TEST(test_value_types)
{
	struct evtx_writer *w = evtx_writer_new();
	char *line = strdup("provider=Test guid={00000000-0000-0000-0000-000000000001} id=1"), *dir, *file = NULL;
	char *exe = which("evtxexport");
	struct rlog log;
	struct tu_run r;
	uint8_t *buf = NULL;
	size_t len = 0, i;

	ck_assert(w != NULL && line != NULL);
	for (i = 0; i < NVT; i++) {
		char *l2 = NULL;

		ck_assert(asprintf(&l2, "%s data.%s=v%zu:\"%s\"", line, vt_cases[i].type, i, vt_cases[i].in) > 0);
		free(line);
		line = l2;
	}
	ck_assert_msg(evtx_writer_add_fields(w, line) == 0, "%s", evtx_writer_errmsg(w));
	write_and_read(w, &log, &buf, &len);
	ck_assert_uint_eq(log.n, 1);
	ck_assert_int_eq(log.r[0].nstr, (int)NVT);
	for (i = 0; i < NVT; i++)
		ck_assert_msg(strcmp(log.r[0].str[i], vt_cases[i].shown) == 0, "%s: '%s', want '%s'",
		              vt_cases[i].type, log.r[0].str[i], vt_cases[i].shown);
	rlog_free(&log);

	/* evtxexport renders the same */
	dir = tu_tmpdir("evtx_values");
	ck_assert(asprintf(&file, "%s/values.evtx", dir) > 0);
	ck_assert_int_eq(tu_write_file(file, buf, len), 0);
	ck_assert_msg(exe != NULL, "evtxexport is not in PATH (package libevtx-utils)");
	{
		char opt_f[] = "-f", opt_xml[] = "xml";
		char *argv[] = { exe, opt_f, opt_xml, file, NULL };

		ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	}
	ck_assert_msg(r.status == 0, "evtxexport exited %d: %s", r.status, r.err);
	for (i = 0; i < NVT; i++) {
		char *want = NULL;

		ck_assert(asprintf(&want, "<Data Name=\"v%zu\">%s</Data>", i, vt_cases[i].shown) > 0);
		ck_assert_msg(strstr(r.out, want) != NULL, "no %s in:\n%s", want, r.out);
		free(want);
	}
	ck_assert(strstr(r.out, "<EventID>1</EventID>") != NULL);  /* manifest: no Qualifiers */
	tu_run_free(&r);
	free(exe);
	free(file);
	free(dir);
	free(buf);
	free(line);
	evtx_writer_free(w);
}
END_TEST

START_TEST(test_null_and_empty_items)
{
	struct evtx_writer *w = evtx_writer_new();
	struct evtx_event named = {
		.provider = "Test", .provider_guid = "{00000000-0000-0000-0000-000000000001}",
		.event_id = 2, .filetime = FT0, .ndata = 3,
		.data_names = { "a", "b", "c" }, .data = { "x", NULL, "" },
	};
	struct evtx_event classic = {
		.provider = "Test", .event_id = 3, .filetime = FT0, .ndata = 3,
		.data = { "x", NULL, "" },
	};
	struct evtx_event nothing = { .provider = "EventLog", .event_id = 6005, .filetime = FT0 };
	struct rlog log;
	uint8_t *buf = NULL;
	size_t len = 0;

	ck_assert_int_eq(evtx_writer_add(w, &named), 0);
	ck_assert_int_eq(evtx_writer_add(w, &classic), 0);
	ck_assert_int_eq(evtx_writer_add(w, &nothing), 0);
	write_and_read(w, &log, &buf, &len);
	ck_assert_uint_eq(log.n, 3);
	/* named: the NULL one is left out, the empty one stays */
	ck_assert_int_eq(log.r[0].nstr, 2);
	ck_assert_str_eq(log.r[0].str[0], "x");
	ck_assert_str_eq(log.r[0].str[1], "");
	/* classic: a string array keeps all three */
	ck_assert_int_eq(log.r[1].nstr, 3);
	ck_assert_str_eq(log.r[1].str[1], "");
	ck_assert_int_eq(log.r[2].nstr, 0);
	rlog_free(&log);
	free(buf);
	evtx_writer_free(w);
}
END_TEST

/* ---- layout: chunks, checksums, header ------------------------------- */

static void check_layout(const uint8_t *buf, size_t len, size_t nrec, int dirty)
{
	size_t nch = le16(buf + 0x2a), c;
	uint64_t expect_first = 1;

	ck_assert(memcmp(buf, "ElfFile", 8) == 0);
	ck_assert_uint_eq(len, EVTX_FILE_HEADER_SIZE + nch * EVTX_CHUNK_SIZE);
	ck_assert_uint_eq(le32(buf + 0x20), 128);
	ck_assert_uint_eq(le16(buf + 0x24), 1);
	ck_assert_uint_eq(le16(buf + 0x26), 3);
	ck_assert_uint_eq(le64(buf + 0x10), nch - 1);
	ck_assert_uint_eq(le64(buf + 0x18), nrec + 1);
	ck_assert_uint_eq(le32(buf + 0x78) & 1, (unsigned)dirty);
	ck_assert_msg(le32(buf + 0x7c) == crc32_ref(buf, 120), "file header checksum");
	for (c = 0; c < nch; c++) {
		const uint8_t *ch = buf + EVTX_FILE_HEADER_SIZE + c * EVTX_CHUNK_SIZE;
		uint32_t free_off = le32(ch + 0x30), off = EVTX_CHUNK_HEADER_SIZE, last = 0;
		uint8_t hdr[504];
		uint64_t id = le64(ch + 0x18);

		ck_assert(memcmp(ch, "ElfChnk", 8) == 0);
		if (free_off == EVTX_CHUNK_HEADER_SIZE) {
			/* the empty log's one chunk */
			ck_assert_uint_eq(nrec, 0);
			ck_assert_uint_eq(le64(ch + 0x08), 0);
			ck_assert_uint_eq(le64(ch + 0x10), 0);
			continue;
		}
		ck_assert_msg(le64(ch + 0x08) == expect_first, "chunk %zu first record %llu", c,
		              (unsigned long long)le64(ch + 0x08));
		memcpy(hdr, ch, 120);
		memcpy(hdr + 120, ch + 128, 384);
		ck_assert_msg(le32(ch + 0x7c) == crc32_ref(hdr, sizeof(hdr)), "chunk %zu header checksum", c);
		ck_assert_msg(le32(ch + 0x34) == crc32_ref(ch + 512, free_off - 512), "chunk %zu records checksum", c);
		ck_assert(free_off <= EVTX_CHUNK_SIZE - 8);
		/* walk the records: magic, size copy, consecutive ids */
		while (off < free_off) {
			uint32_t sz = le32(ch + off + 4);

			ck_assert_msg(le32(ch + off) == 0x2a2a, "chunk %zu offset %u: no record", c, off);
			ck_assert(sz >= 28 && sz % 8 == 0 && off + sz <= free_off);
			ck_assert_uint_eq(le32(ch + off + sz - 4), sz);
			ck_assert_uint_eq(le64(ch + off + 8), id);
			id++;
			last = off;
			off += sz;
		}
		ck_assert_uint_eq(le32(ch + 0x2c), last);
		ck_assert_uint_eq(le64(ch + 0x20), id - 1);
		expect_first = id;
	}
	ck_assert_uint_eq(nch, nrec ? nch : 1);
	ck_assert_uint_eq(expect_first, nrec + 1);
}

START_TEST(test_many_chunks)
{
	struct evtx_writer *w = evtx_writer_new();
	struct rlog log;
	uint8_t *buf = NULL;
	size_t len = 0, i;

	ck_assert(w != NULL);
	for (i = 0; i < 2000 / NKINDS + 1; i++)
		add_kinds(w, FT0 + i * NKINDS * SECOND);
	ck_assert_uint_eq(evtx_writer_record_count(w), (2000 / NKINDS + 1) * NKINDS);
	ck_assert_uint_ge(evtx_writer_chunk_count(w), 3);
	write_and_read(w, &log, &buf, &len);
	check_layout(buf, len, log.n, 0);
	ck_assert_uint_eq(log.n, evtx_writer_record_count(w));
	ck_assert_uint_eq(le16(buf + 0x2a), evtx_writer_chunk_count(w));
	for (i = 0; i < log.n; i++) {
		ck_assert_uint_eq(log.r[i].record_id, i + 1);
		ck_assert_uint_eq(log.r[i].event_id, kinds[i % NKINDS].id);
		check_strings(&log.r[i], kinds[i % NKINDS].str, i % NKINDS);
	}
	/* templates are defined once a chunk, then referenced: a defining
	 * record costs about 2 KiB, a referencing one a few hundred bytes */
	ck_assert_msg((len - EVTX_FILE_HEADER_SIZE) / log.n < 512, "%zu bytes a record",
	              (len - EVTX_FILE_HEADER_SIZE) / log.n);
	rlog_free(&log);
	free(buf);
	evtx_writer_free(w);
}
END_TEST

START_TEST(test_dirty_flag)
{
	int dirty;

	for (dirty = 0; dirty <= 1; dirty++) {
		struct evtx_writer *w = evtx_writer_new();
		struct rlog log;
		uint8_t *buf = NULL;
		size_t len = 0;

		add_kinds(w, FT0);
		evtx_writer_set_dirty(w, dirty);
		write_and_read(w, &log, &buf, &len);
		check_layout(buf, len, NKINDS, dirty);
		ck_assert_uint_eq((log.flags & LIBEVTX_FILE_FLAG_IS_DIRTY) != 0, (unsigned)dirty);
		rlog_free(&log);
		free(buf);
		evtx_writer_free(w);
	}
}
END_TEST

START_TEST(test_empty_log)
{
	struct evtx_writer *w = evtx_writer_new();
	struct rlog log;
	uint8_t *buf = NULL;
	size_t len = 0;

	write_and_read(w, &log, &buf, &len);
	ck_assert_uint_eq(log.n, 0);
	ck_assert_int_eq(log.corrupted, 0);
	check_layout(buf, len, 0, 0);
	rlog_free(&log);
	free(buf);
	evtx_writer_free(w);
}
END_TEST

/* ---- evtxexport and evtxinfo see what Windows would show ------------- */

START_TEST(test_evtxexport_xml)
{
	static const char *const want[] = {
		"<Event xmlns=\"http://schemas.microsoft.com/win/2004/08/events/event\">",
		"<Provider Name=\"Service Control Manager\" Guid=\"" SCM_GUID "\" EventSourceName=\"Service Control Manager\"/>",
		"<EventID Qualifiers=\"16384\">7036</EventID>",
		"<Version>0</Version>",
		"<Level>4</Level>",
		"<Keywords>0x8080000000000000</Keywords>",
		"<TimeCreated SystemTime=\"2024-06-01T10:00:12.000000000Z\"/>",
		"<EventRecordID>13</EventRecordID>",
		"<Correlation/>",
		"<Channel>System</Channel>",
		"<Computer>SRV01</Computer>",
		"<Security/>",
		"<Data Name=\"param1\">Cryptographic Services</Data>",
		"<Data Name=\"param2\">running</Data>",
		"<Binary>430072007900700074005300760063002F0034000000</Binary>",
		"<Provider Name=\"Microsoft-Windows-CAPI2\" Guid=\"" CAPI2_GUID "\" EventSourceName=\"Microsoft-Windows-CAPI2\"/>",
		"<EventID Qualifiers=\"0\">513</EventID>",
		"<Channel>Application</Channel>",
		"<Data>" CAPI2_513_TEXT "</Data>",
		"<Provider Name=\"VSS\"/>",
		"<EventID Qualifiers=\"0\">8193</EventID>",
		"<Keywords>0x0080000000000000</Keywords>",
		"<Data>XML document is too long</Data>",
		"<Data>0x80070018, The data is invalid.\r\n</Data>",
		"<Data/>",
		"<Provider Name=\"Microsoft-Windows-Kernel-General\" Guid=\"{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}\"/>",
		"<EventID>12</EventID>",
		"<Security UserID=\"S-1-5-18\"/>",
		"<Execution ProcessID=\"4\" ThreadID=\"8\"/>",
		"<Data Name=\"StartTime\">2024-06-01T09:59:30.500000000Z</Data>",
		"<EventID Qualifiers=\"32768\">1074</EventID>",
		"<EventData/>",
	};
	struct evtx_writer *w = evtx_writer_new();
	char *dir = tu_tmpdir("evtx_export"), *file = NULL;
	char *exe = which("evtxexport"), *info = which("evtxinfo");
	struct tu_run r;
	size_t i;

	ck_assert(asprintf(&file, "%s/log.evtx", dir) > 0);
	add_kinds(w, FT0);
	ck_assert_int_eq(evtx_writer_add_fields(w, "provider=EventLog id=6005"), 0);
	evtx_writer_set_dirty(w, 1);
	ck_assert_msg(evtx_writer_write_file(w, file) == 0, "%s", evtx_writer_errmsg(w));
	ck_assert_msg(exe != NULL && info != NULL, "evtxexport/evtxinfo not in PATH (package libevtx-utils)");
	{
		char opt_f[] = "-f", opt_xml[] = "xml";
		char *argv[] = { exe, opt_f, opt_xml, file, NULL };

		ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	}
	ck_assert_msg(r.status == 0, "evtxexport exited %d: %s", r.status, r.err);
	for (i = 0; i < sizeof(want) / sizeof(want[0]); i++)
		ck_assert_msg(strstr(r.out, want[i]) != NULL, "evtxexport shows no %s", want[i]);
	ck_assert_msg(strstr(r.out, "Unable") == NULL || strstr(r.out, "Unable to back up") != NULL,
	              "evtxexport: %s", r.out);
	tu_run_free(&r);
	{
		char *argv[] = { info, file, NULL };

		ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	}
	ck_assert_int_eq(r.status, 0);
	ck_assert_msg(strstr(r.out, "Is dirty") != NULL, "evtxinfo: %s", r.out);
	ck_assert_msg(strstr(r.out, "Is corrupted") == NULL, "evtxinfo: %s", r.out);
	tu_run_free(&r);
	free(exe);
	free(info);
	free(file);
	free(dir);
	evtx_writer_free(w);
}
END_TEST

/* ---- a real log through the same reader ----------------------------- */

/* The (size, type) descriptors of the record at chunk offset off: the
 * outer template instance's substitution types, to compare with Windows. */
static int subst_types(const uint8_t *ch, uint32_t off, uint8_t *types, int cap)
{
	uint32_t p = off + 0x18, def, n, i;

	if (ch[p] != 0x0f || ch[p + 4] != 0x0c)
		return -1;
	def = le32(ch + p + 10);
	p += 14;
	if (def == p)
		p += 24 + le32(ch + p + 20);
	n = le32(ch + p);
	for (i = 0; i < n && (int)i < cap; i++)
		types[i] = ch[p + 4 + 4 * i + 2];
	return (int)n;
}

/* The first record of chunk 0 with that event id, or 0. */
static uint32_t find_record(const uint8_t *ch, uint32_t event_id, const struct rlog *log)
{
	uint32_t off = EVTX_CHUNK_HEADER_SIZE, free_off = le32(ch + 0x30);
	uint64_t first = le64(ch + 0x18);

	while (off < free_off && le32(ch + off) == 0x2a2a) {
		uint64_t id = le64(ch + off + 8);

		if (id - first < log->n && log->r[id - first].event_id == event_id)
			return off;
		off += le32(ch + off + 4);
	}
	return 0;
}

START_TEST(test_real_windows_log)
{
	char *path = tu_sample("evtx/System_win7.evtx");
	struct evtx_writer *w;
	struct rlog real, ours;
	size_t i, n7036 = 0, flen = 0, len = 0;
	uint8_t *buf = NULL, *fbuf;
	uint8_t t_real[32], t_ours[32];
	uint32_t o_real, o_ours;
	int nr, no;

	if (!path)
		return;                /* tu_sample said "skip" */
	ck_assert_msg(rlog_read(&real, NULL, 0, path) == 0, "libevtx could not read %s", path);
	ck_assert_uint_eq(real.n, 1601);
	ck_assert(real.flags & LIBEVTX_FILE_FLAG_IS_DIRTY);
	for (i = 0; i < real.n; i++)
		if (real.r[i].event_id == 7036 && strcmp(real.r[i].source, "Service Control Manager") == 0)
			n7036++;
	ck_assert_uint_eq(n7036, 1288);  /* MANIFEST.tsv */
	ck_assert_uint_eq(real.r[1].event_id, 7036);
	ck_assert_uint_eq(real.r[1].record_id, 12050);
	ck_assert_uint_eq(real.r[1].qualifiers, 16384);
	ck_assert_int_eq(real.r[1].nstr, 3);
	ck_assert_str_eq(real.r[1].str[0], "Windows Modules Installer");
	ck_assert_str_eq(real.r[1].str[1], "stopped");
	{
		char *hex = hex_utf16z("TrustedInstaller/1");

		ck_assert_str_eq(real.r[1].str[2], hex);
		free(hex);
	}

	/* ours reads the same way and has the same shape */
	w = evtx_writer_new();
	add_kinds(w, FT0);
	write_and_read(w, &ours, &buf, &len);
	i = 12;                        /* kinds[12]: SCM 7036 running */
	ck_assert_uint_eq(ours.r[i].event_id, 7036);
	ck_assert_str_eq(ours.r[i].source, real.r[1].source);
	ck_assert_uint_eq(ours.r[i].qualifiers, real.r[1].qualifiers);
	ck_assert_uint_eq(ours.r[i].level, real.r[1].level);
	ck_assert_int_eq(ours.r[i].nstr, real.r[1].nstr);

	/* same file and chunk header values, same System substitutions */
	fbuf = (uint8_t *)tu_read_file(path, &flen);
	ck_assert(fbuf != NULL && flen > EVTX_FILE_HEADER_SIZE + EVTX_CHUNK_SIZE);
	ck_assert_uint_eq(le16(fbuf + 0x24), le16(buf + 0x24));
	ck_assert_uint_eq(le16(fbuf + 0x26), le16(buf + 0x26));
	ck_assert_uint_eq(le32(fbuf + 0x20), le32(buf + 0x20));
	ck_assert_uint_eq(le32(fbuf + EVTX_FILE_HEADER_SIZE + 0x28), le32(buf + EVTX_FILE_HEADER_SIZE + 0x28));
	ck_assert_uint_eq(le32(fbuf + EVTX_FILE_HEADER_SIZE + 0x78), le32(buf + EVTX_FILE_HEADER_SIZE + 0x78));
	o_real = find_record(fbuf + EVTX_FILE_HEADER_SIZE, 7036, &real);
	o_ours = find_record(buf + EVTX_FILE_HEADER_SIZE, 7036, &ours);
	ck_assert(o_real && o_ours);
	nr = subst_types(fbuf + EVTX_FILE_HEADER_SIZE, o_real, t_real, 32);
	no = subst_types(buf + EVTX_FILE_HEADER_SIZE, o_ours, t_ours, 32);
	ck_assert_int_eq(nr, 20);
	ck_assert_int_eq(no, nr);
	ck_assert_msg(memcmp(t_real, t_ours, 20) == 0, "System substitution types differ from Windows 7's");
	free(fbuf);
	rlog_free(&ours);
	rlog_free(&real);
	free(buf);
	free(path);
	evtx_writer_free(w);
}
END_TEST

/* ---- mkevtx -------------------------------------------------------- */

static int run_mkevtx(char *out, char *spec, struct tu_run *r)
{
	char *exe = NULL;
	int rc;

	ck_assert(asprintf(&exe, "%s/mkevtx", tu_env("VSSD_TOOLS")) > 0);
	{
		char *argv[] = { exe, out, spec, NULL };

		rc = tu_run(argv, 60, r);
	}
	free(exe);
	return rc;
}

START_TEST(test_mkevtx_spec)
{
	static const char spec[] =
		"# a broken server\n"
		"dirty 1\n"
		"computer SRV-2008R2\n"
		"event provider=\"Service Control Manager\" id=7036 time=2024-06-01T10:00:00Z data=param1:Cryptographic\\ Services data=param2:running binary_utf16=CryptSvc/4\n"
		"\n"
		"event provider=Microsoft-Windows-CAPI2 id=513 text=\"Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n\"\n"
		"event provider=VSS id=8193 record=50 text=\"XML document is too long\" text=\"0x80070018, The data is invalid.\\r\\n\" text=\"\"\n"
		"bulk 20 seed=3\n";
	char *dir = tu_tmpdir("mkevtx"), *out = NULL, *sp = NULL;
	struct tu_run r;
	struct rlog log;

	ck_assert(asprintf(&out, "%s/spec.evtx", dir) > 0 && asprintf(&sp, "%s/spec.txt", dir) > 0);
	ck_assert_int_eq(tu_write_file(sp, spec, strlen(spec)), 0);
	ck_assert_int_eq(run_mkevtx(out, sp, &r), 0);
	ck_assert_msg(r.status == 0, "mkevtx exited %d: %s", r.status, r.err);
	tu_run_free(&r);
	ck_assert_int_eq(rlog_read(&log, NULL, 0, out), 0);
	ck_assert_uint_eq(log.n, 23);
	ck_assert(log.flags & LIBEVTX_FILE_FLAG_IS_DIRTY);
	ck_assert_uint_eq(log.r[0].event_id, 7036);
	ck_assert_str_eq(log.r[0].computer, "SRV-2008R2");
	ck_assert(log.r[0].written == FT0);
	ck_assert_str_eq(log.r[1].str[0], CAPI2_513_TEXT);
	ck_assert(log.r[1].written == FT0 + SECOND);   /* previous + 1 s */
	ck_assert_uint_eq(log.r[2].record_id, 50);
	ck_assert_uint_eq(log.r[3].record_id, 51);     /* bulk continues */
	ck_assert_uint_eq(log.r[3].event_id, 6009);    /* bulk starts with a boot */
	rlog_free(&log);

	/* a bad line: exit 2, the line named */
	ck_assert_int_eq(tu_write_file(sp, "dirty 1\nevent provider=VSS id=banana\n", 36), 0);
	ck_assert_int_eq(run_mkevtx(out, sp, &r), 0);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "line 2") && strstr(r.err, "banana"), "mkevtx said: %s", r.err);
	tu_run_free(&r);
	free(out);
	free(sp);
	free(dir);
}
END_TEST

START_TEST(test_mkevtx_bulk)
{
	char *dir = tu_tmpdir("mkevtx_bulk"), *a = NULL, *b = NULL, *c = NULL, *sa = NULL, *sb = NULL;
	char ha[65], hb[65], hc[65];
	static const char *const providers[] = {
		"Service Control Manager", "Microsoft-Windows-CAPI2", "VSS", "EventLog",
		"Microsoft-Windows-Kernel-General", "User32",
	};
	struct tu_run r;
	struct rlog log;
	size_t i, p;

	ck_assert(asprintf(&a, "%s/a.evtx", dir) > 0 && asprintf(&b, "%s/b.evtx", dir) > 0 &&
	          asprintf(&c, "%s/c.evtx", dir) > 0 && asprintf(&sa, "%s/a.txt", dir) > 0 &&
	          asprintf(&sb, "%s/b.txt", dir) > 0);
	ck_assert_int_eq(tu_write_file(sa, "bulk 3000 seed=5\n", 17), 0);
	ck_assert_int_eq(tu_write_file(sb, "bulk 3000 seed=6\n", 17), 0);
	ck_assert_int_eq(run_mkevtx(a, sa, &r), 0);
	ck_assert_msg(r.status == 0, "mkevtx: %s", r.err);
	tu_run_free(&r);
	ck_assert_int_eq(run_mkevtx(b, sa, &r), 0);
	tu_run_free(&r);
	ck_assert_int_eq(run_mkevtx(c, sb, &r), 0);
	tu_run_free(&r);
	ck_assert_int_eq(tu_sha256_file(a, ha), 0);
	ck_assert_int_eq(tu_sha256_file(b, hb), 0);
	ck_assert_int_eq(tu_sha256_file(c, hc), 0);
	ck_assert_str_eq(ha, hb);      /* same seed, same bytes */
	ck_assert_str_ne(ha, hc);

	ck_assert_int_eq(rlog_read(&log, NULL, 0, a), 0);
	ck_assert_uint_eq(log.n, 3000);
	for (p = 0; p < sizeof(providers) / sizeof(providers[0]); p++) {
		size_t n = 0;

		for (i = 0; i < log.n; i++)
			n += strcmp(log.r[i].source, providers[p]) == 0;
		ck_assert_msg(n > 0, "no %s events in the bulk log", providers[p]);
	}
	for (i = 1; i < log.n; i++)
		ck_assert_msg(log.r[i].written >= log.r[i - 1].written, "time goes back at record %zu", i);
	rlog_free(&log);
	free(a);
	free(b);
	free(c);
	free(sa);
	free(sb);
	free(dir);
}
END_TEST

/* 60,000 records (~20 MB) must take well under a second or two. */
START_TEST(test_bulk_speed)
{
	struct evtx_writer *w = evtx_writer_new();
	struct timespec t0, t1;
	uint8_t *buf = NULL;
	size_t len = 0;
	double secs;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	ck_assert_msg(evtx_writer_add_bulk(w, 60000, 7, 0, NULL) == 0, "%s", evtx_writer_errmsg(w));
	ck_assert_int_eq(evtx_writer_serialize(w, &buf, &len), 0);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	fprintf(stderr, "evtx_writer: 60000 records, %zu bytes, %.3f s\n", len, secs);
	ck_assert_uint_eq(evtx_writer_record_count(w), 60000);
	ck_assert_msg(len > 15u * 1024 * 1024 && len < 30u * 1024 * 1024, "%zu bytes", len);
	ck_assert_msg(secs < 10.0, "%.1f s for 60000 records", secs);
	check_layout(buf, len, 60000, 0);
	free(buf);
	evtx_writer_free(w);
}
END_TEST

/* ---- refusals ---------------------------------------------------------- */

static const struct bad_case {
	const char *fields, *msg;
} bad_cases[] = {
	{ "id=7036", "no provider" },
	{ "provider=VSS id=70000", "id" },
	{ "provider=VSS id=12 level=x", "level" },
	{ "provider=VSS time=yesterday", "time" },
	{ "provider=VSS time=2024-02-30T00:00:00Z", "time" },
	{ "provider=VSS data=novalue", "NAME:TEXT" },
	{ "provider=VSS data.uint8=n:300", "uint8" },
	{ "provider=VSS data.sid=n:S-2-5", "sid" },
	{ "provider=VSS data.guid=n:{1234}", "guid" },
	{ "provider=VSS data.filetime=n:noon", "filetime" },
	{ "provider=VSS data.bogus=n:1", "unknown value type" },
	{ "provider=VSS binary=ABC", "hex" },
	{ "provider=VSS user=S-1-x", "sid" },
	{ "provider=VSS text=\"open", "quote" },
	{ "provider=VSS colour=red", "unknown field" },
	{ "provider=VSS text=a text=b text=c text=d text=e text=f text=g text=h text=i text=j text=k text=l text=m text=n text=o text=p text=q", "data items" },
};

START_TEST(test_refusals)
{
	struct evtx_writer *w = evtx_writer_new();
	struct evtx_event big = { .provider = "Test", .event_id = 1, .filetime = FT0, .ndata = 16 };
	char *long_text = malloc(3001);
	uint8_t *bin = calloc(1, 64000);
	struct rlog log;
	uint8_t *buf = NULL;
	size_t len = 0, i;

	ck_assert(w != NULL && long_text != NULL && bin != NULL);
	ck_assert_int_eq(evtx_writer_add_fields(w, "provider=VSS id=1"), 0);
	for (i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		int rc = evtx_writer_add_fields(w, bad_cases[i].fields);

		ck_assert_msg(rc < 0, "'%s' accepted", bad_cases[i].fields);
		ck_assert_msg(strstr(evtx_writer_errmsg(w), bad_cases[i].msg) != NULL,
		              "'%s': message '%s' lacks '%s'", bad_cases[i].fields,
		              evtx_writer_errmsg(w), bad_cases[i].msg);
	}
	/* too big for any chunk: refused, nothing half-written */
	memset(long_text, 'x', 3000);
	long_text[3000] = '\0';
	for (i = 0; i < 16; i++)
		big.data[i] = long_text;
	ck_assert_int_eq(evtx_writer_add(w, &big), -E_LIMIT);   /* a value > 64 KiB */
	big.ndata = 0;
	big.binary = bin;
	big.binary_len = 64000;
	ck_assert_int_eq(evtx_writer_add(w, &big), -E_LIMIT);   /* a record > a chunk */
	ck_assert_msg(strstr(evtx_writer_errmsg(w), "does not fit") != NULL, "%s", evtx_writer_errmsg(w));
	big.binary_len = 40000;        /* two of these need two chunks */
	ck_assert_int_eq(evtx_writer_add(w, &big), 0);
	ck_assert_uint_eq(evtx_writer_chunk_count(w), 1);
	ck_assert_int_eq(evtx_writer_add(w, &big), 0);
	ck_assert_uint_eq(evtx_writer_chunk_count(w), 2);
	ck_assert_int_eq(evtx_writer_apply_spec(w, "event provider=VSS\nbulk many\n"), -E_USAGE);
	ck_assert_msg(strstr(evtx_writer_errmsg(w), "line 2") != NULL, "%s", evtx_writer_errmsg(w));
	ck_assert_int_eq(evtx_writer_add_fields(w, "provider=VSS id=2"), 0);
	ck_assert_uint_eq(evtx_writer_record_count(w), 5);
	ck_assert_uint_eq(evtx_writer_chunk_count(w), 2);
	write_and_read(w, &log, &buf, &len);
	check_layout(buf, len, 5, 0);
	ck_assert_uint_eq(log.n, 5);
	ck_assert_int_eq(log.r[2].nstr, 1);
	ck_assert_uint_eq(strlen(log.r[2].str[0]), 80000);      /* the binary, in hex */
	ck_assert_uint_eq(log.r[4].event_id, 2);
	rlog_free(&log);
	free(buf);
	free(bin);
	free(long_text);
	evtx_writer_free(w);
}
END_TEST

static const struct ft_case {
	const char *in;
	uint64_t ft;
} ft_cases[] = {
	{ "2024-06-01T10:00:00Z", 133617096000000000ull },
	{ "2024-06-01 10:00:00", 133617096000000000ull },
	{ "1970-01-01T00:00:00Z", 116444736000000000ull },
	{ "2000-02-29T23:59:59Z", 125963423990000000ull },
	{ "2024-06-01T10:00:00.1234567Z", 133617096001234567ull },
	{ "2024-06-01T10:00:00.12345678Z", 133617096001234567ull },
	{ "1601-01-01T00:00:01Z", 10000000ull },
	{ "9999-12-31T23:59:59Z", 2650467743990000000ull },
	{ "2023-02-29T00:00:00Z", 0 },
	{ "2024-13-01T00:00:00Z", 0 },
	{ "2024-06-01T24:00:00Z", 0 },
	{ "2024-06-01T10:00:00.Z", 0 },
	{ "2024-06-01T10:00:00Zjunk", 0 },
	{ "1600-12-31T23:59:59Z", 0 },
	{ "", 0 },
};

START_TEST(test_filetime)
{
	size_t i;

	for (i = 0; i < sizeof(ft_cases) / sizeof(ft_cases[0]); i++)
		ck_assert_msg(evtx_filetime(ft_cases[i].in) == ft_cases[i].ft, "'%s': %llu", ft_cases[i].in,
		              (unsigned long long)evtx_filetime(ft_cases[i].in));
	ck_assert(evtx_filetime(NULL) == 0);
}
END_TEST

Suite *evtx_writer_suite(void);
Suite *evtx_writer_suite(void)
{
	Suite *s = suite_create("evtx_writer");
	TCase *tc;

	tc = tcase_create("events");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_every_kind_reads_back);
	tcase_add_test(tc, test_struct_api);
	tcase_add_test(tc, test_value_types);
	tcase_add_test(tc, test_null_and_empty_items);
	suite_add_tcase(s, tc);

	tc = tcase_create("layout");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_many_chunks);
	tcase_add_test(tc, test_dirty_flag);
	tcase_add_test(tc, test_empty_log);
	tcase_add_test(tc, test_bulk_speed);
	suite_add_tcase(s, tc);

	tc = tcase_create("tools");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_evtxexport_xml);
	tcase_add_test(tc, test_mkevtx_spec);
	tcase_add_test(tc, test_mkevtx_bulk);
	suite_add_tcase(s, tc);

	tc = tcase_create("windows");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_real_windows_log);
	suite_add_tcase(s, tc);

	tc = tcase_create("refusals");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_refusals);
	tcase_add_test(tc, test_filetime);
	suite_add_tcase(s, tc);
	return s;
}
