/* The event-log collector (src/evidence/events.c, event_checks.c): logs
 * written by the EVTX writer (testdata/lib/evtx_writer.h), indexed from
 * memory and matched against rule specs; then the same events placed on
 * scenario volumes and scanned end to end (`vssdoctor scan --format
 * json`): each CAPI2 513 classification, VSS and Backup events, grouping,
 * the Service Control Manager state logic, missing logs; and mutated logs
 * (bit flips, truncations) that must give errors, not crashes. */
#define _GNU_SOURCE
#include <jansson.h>
#include <pthread.h>
#include <sys/resource.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "events.h"
#include "evtx_writer.h"
#include "filetime.h"
#include "limits.h"
#include "scenario.h"
#include "testutil.h"

/* libevtx 20181227 (its libfwevt binary-XML parser, libfvalue, libcdata and
 * libfdata helpers) leaks what it made when a malformed record or file
 * makes it fail.  The hostile case feeds it thousands of those, so under
 * LeakSanitizer it stops leak tracking for its own process; the other
 * cases keep checking ours.  (tests/lsan.supp does not name those libyal
 * helpers: a suppression matches any frame, so it would hide leaks of
 * ours made through libevtx too.) */
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LIBEVTX_LEAKS_IGNORED() __lsan_disable()
#else
#define LIBEVTX_LEAKS_IGNORED() ((void)0)
#endif

/* 513 Details texts in the writer's spec language (escapes, not CR/LF) */
#define D_CORE_DENIED "Details:\\r\\nAddCoreCsiFiles: BeginFileEnumeration() failed.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n"
#define D_JUNCTION "Details:\\r\\nAddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\\r\\n\\r\\nSystem Error:\\r\\nUnknown error (0xc0000039)\\r\\n"
#define D_MSLLDP "Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n"
#define D_OTHER_DENIED "Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary Contoso Filter Driver.\\r\\n\\r\\nSystem Error:\\r\\nAccess is denied.\\r\\n"
#define D_NOT_FOUND "Details:\\r\\nAddLegacyDriverFiles: Unable to back up image of binary COM+ Event System.\\r\\n\\r\\nSystem Error:\\r\\nThe system cannot find the file specified.\\r\\n"

#define CAPI2 "provider=Microsoft-Windows-CAPI2 id=513"
#define SCM "provider=\"Service Control Manager\""

#define SCM_IDS "[7000, 7001, 7009, 7011, 7022, 7023, 7024, 7026, 7031, 7034, 7036, 7040]"
#define SCM_SPEC "{\"log\": \"System\", \"provider\": \"Service Control Manager\", \"ids\": " SCM_IDS \
	", \"services\": [\"CryptSvc\", \"EventSystem\", \"VSS\", \"swprv\"], \"label\": \"scm\"}"

/* ---- helpers ------------------------------------------------------------ */

/* The writer's log for spec (its spec language) as bytes. */
static uint8_t *make_log(const char *spec, size_t *len, size_t *chunks)
{
	struct evtx_writer *w = evtx_writer_new();
	uint8_t *buf = NULL;

	ck_assert_ptr_nonnull(w);
	ck_assert_msg(evtx_writer_apply_spec(w, spec) == 0, "spec: %s", evtx_writer_errmsg(w));
	ck_assert_int_eq(evtx_writer_serialize(w, &buf, len), 0);
	if (chunks)
		*chunks = evtx_writer_chunk_count(w);
	evtx_writer_free(w);
	return buf;
}

static struct events_log *load(const char *spec)
{
	struct events_log *log = NULL;
	struct err err;
	size_t len;
	uint8_t *buf = make_log(spec, &len, NULL);

	err_init(&err);
	ck_assert_msg(events_log_load(buf, len, NULL, &log, &err) == 0, "load: %s", err.msg);
	free(buf);
	return log;
}

/* Run spec (JSON text) over log; *rc gets events_log_collect's result. */
static json_t *collect(const struct events_log *log, const char *spec_json,
		       const struct events_env *env, int *rc)
{
	json_error_t je;
	json_t *spec = json_loads(spec_json, 0, &je), *out = json_array();
	struct err err;

	ck_assert_msg(spec != NULL, "spec json: %s", je.text);
	err_init(&err);
	*rc = events_log_collect(log, "Test.evtx", spec, env, out, &err);
	json_decref(spec);
	return out;
}

/* The item of out with "kind" kind and key == value (NULL: any). */
static json_t *item(json_t *out, const char *kind, const char *key, const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(out, i, e) {
		const char *k = json_string_value(json_object_get(e, "kind"));
		const char *v = key ? json_string_value(json_object_get(e, key)) : NULL;

		if (k && strcmp(k, kind) == 0 && (!key || (v && strcmp(v, value) == 0)))
			return e;
	}
	return NULL;
}

static size_t count_kind(json_t *out, const char *kind)
{
	size_t i, n = 0;
	json_t *e;

	json_array_foreach(out, i, e)
		if (strcmp(json_string_value(json_object_get(e, "kind")), kind) == 0)
			n++;
	return n;
}

/* events_log_keeps for a spec given as JSON text */
static int keeps(const struct events_log *log, const char *spec_json)
{
	json_error_t je;
	json_t *spec = json_loads(spec_json, 0, &je);
	int k;

	ck_assert_msg(spec != NULL, "spec json: %s", je.text);
	k = events_log_keeps(log, spec);
	json_decref(spec);
	return k;
}

/* A names table for display-name mapping, as the registry would give. */
static const struct events_names *test_names(void *ctx, const char **why)
{
	static char k1[] = "MsLldp", d1[] = "Microsoft Link-Layer Discovery Protocol";
	static char k2[] = "CryptSvc", d2[] = "Cryptographic Services";
	static char k3[] = "EventSystem", d3[] = "COM+ Event System";
	static char k4[] = "Tcpip", d4[] = "@%SystemRoot%\\system32\\tcpipcfg.dll,-50001";
	static struct events_svcname v[] = { { k1, d1 }, { k2, d2 }, { k3, d3 }, { k4, d4 } };
	static struct events_names names = { v, 4, 1, "ControlSet001" };

	(void)ctx;
	*why = NULL;
	return &names;
}

static const struct events_env names_env = { test_names, NULL };

/* ---- the index ---------------------------------------------------------- */

START_TEST(test_index_fields)
{
	struct events_log *log = load(
		"computer SRV01\n"
		"event " SCM " id=7036 time=2024-06-01T10:00:00Z \"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n"
		"event " CAPI2 " time=2024-06-01T10:00:05Z \"text=" D_MSLLDP "\"\n"
		"event provider=VSS id=8193 time=2024-06-01T10:01:00Z \"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text=\n");
	const struct events_record *r;
	struct events_log_stats st;
	char t[40];

	ck_assert_uint_eq(events_log_count(log), 3);
	r = events_log_record(log, 0);
	ck_assert_str_eq(events_log_provider(log, r), "Service Control Manager");
	ck_assert_uint_eq(r->event_id, 7036);
	ck_assert_uint_eq(r->qualifiers, 16384);
	ck_assert_uint_eq(r->level, 4);
	ck_assert_uint_eq(r->number, 1);
	ck_assert_str_eq(filetime_iso8601(r->filetime, 0, t, sizeof(t)), "2024-06-01T10:00:00Z");
	ck_assert_uint_eq(r->nstrings, 2);
	ck_assert_str_eq(events_log_string(log, r, 0), "Cryptographic Services");
	ck_assert_str_eq(events_log_string(log, r, 1), "running");
	ck_assert_str_eq(events_log_string(log, r, 7), "");
	/* <Binary> comes back as bytes: "CryptSvc/4" in UTF-16LE plus a NUL */
	ck_assert_uint_eq(r->binary_len, 22);
	ck_assert_int_eq(memcmp(events_log_binary(log, r), "C\0r\0y\0p\0t\0S\0v\0c\0/\0" "4\0\0\0", 22), 0);

	r = events_log_record(log, 1);
	ck_assert_str_eq(events_log_provider(log, r), "Microsoft-Windows-CAPI2");
	ck_assert_uint_eq(r->event_id, 513);
	ck_assert_uint_eq(r->level, 2);
	ck_assert_uint_eq(r->nstrings, 1);
	ck_assert_ptr_nonnull(strstr(events_log_string(log, r, 0), "AddLegacyDriverFiles: Unable"));
	ck_assert_ptr_null(events_log_binary(log, r));

	r = events_log_record(log, 2);
	ck_assert_uint_eq(r->event_id, 8193);
	ck_assert_uint_eq(r->nstrings, 3);
	ck_assert_str_eq(events_log_string(log, r, 2), "");
	events_log_stats(log, &st);
	ck_assert_uint_eq(st.records, 3);
	ck_assert_uint_eq(st.unreadable, 0);
	ck_assert_int_eq(st.dirty, 0);
	events_log_free(log);
}
END_TEST

/* Several chunks, a dirty header, and the keep filter. */
START_TEST(test_index_chunks_dirty_keep)
{
	char *spec = NULL, *p;
	size_t len, chunks, i, n = 0, boot = 0;
	uint8_t *buf;
	struct events_log *log = NULL;
	struct events_log_stats st;
	struct err err;
	static const char *const keep[] = { "vss" };
	struct events_filter f = { keep, 1, NULL, 0 };

	ck_assert_int_ge(asprintf(&spec, "dirty 1\nevent provider=EventLog id=6005 time=2024-06-01T09:00:00Z\n"), 0);
	for (i = 0; i < 700; i++) {
		ck_assert_int_ge(asprintf(&p, "%sevent provider=Microsoft-Windows-Kernel-Power id=42 \"text=filler %zu with some words\"\n%s",
					  spec, i, i % 100 == 0 ? "event provider=VSS id=8194 text=0x80070005\n" : ""), 0);
		free(spec);
		spec = p;
	}
	buf = make_log(spec, &len, &chunks);
	free(spec);
	ck_assert_uint_ge(chunks, 3);
	err_init(&err);
	ck_assert_msg(events_log_load(buf, len, &f, &log, &err) == 0, "load: %s", err.msg);
	events_log_stats(log, &st);
	ck_assert_uint_eq(st.records, 708);
	ck_assert_int_eq(st.dirty, 1);
	ck_assert_int_eq(st.keep_all, 0);
	/* the index holds VSS (kept, any case of its name) and the boot
	 * marker (numbers only), not the 700 fillers */
	for (i = 0; i < events_log_count(log); i++) {
		const struct events_record *r = events_log_record(log, i);

		if (strcmp(events_log_provider(log, r), "VSS") == 0) {
			ck_assert(r->flags & EVENTS_REC_TEXT);
			ck_assert_str_eq(events_log_string(log, r, 0), "0x80070005");
			n++;
		} else {
			ck_assert_str_eq(events_log_provider(log, r), "EventLog");
			ck_assert(!(r->flags & EVENTS_REC_TEXT));
			boot++;
		}
		if (i)
			ck_assert_uint_gt(r->number, events_log_record(log, i - 1)->number);
	}
	ck_assert_uint_eq(n, 7);
	ck_assert_uint_eq(boot, 1);
	ck_assert_int_eq(keeps(log, "{\"provider\": \"VSS\", \"ids\": [8194]}"), 1);
	ck_assert_int_eq(keeps(log, "{\"provider\": \"Microsoft-Windows-Kernel-Power\", \"ids\": [42]}"), 0);
	ck_assert_int_eq(keeps(log, "{\"provider\": \"EventLog\", \"ids\": [6005]}"), 0);
	/* the skim spared libevtx every record: it skipped the 700 fillers
	 * and read the boot marker and the seven VSS records (their text
	 * too) itself */
	ck_assert_uint_eq(st.skimmed, 708);
	ck_assert_uint_eq(st.built, 8);
	ck_assert_int_eq(st.skim_mismatch, 0);
	events_log_free(log);
	free(buf);
}
END_TEST

/* A chunk whose signature is gone: libevtx recovers its records, the index
 * keeps them (flagged) and the evidence counts them. */
START_TEST(test_index_recovered)
{
	char *spec = strdup("dirty 1\n"), *p;
	size_t len, chunks, i, recovered = 0;
	uint8_t *buf;
	struct events_log *log = NULL;
	struct events_log_stats st;
	struct err err;
	json_t *out, *g;
	int rc;

	for (i = 0; i < 600; i++) {
		ck_assert_int_ge(asprintf(&p, "%sevent provider=VSS id=8193 \"text=XML document is too long\" \"text=0x80070018, The data is invalid. (%zu)\"\n",
					  spec, i % 3), 0);
		free(spec);
		spec = p;
	}
	buf = make_log(spec, &len, &chunks);
	free(spec);
	ck_assert_uint_ge(chunks, 3);
	buf[EVTX_FILE_HEADER_SIZE + EVTX_CHUNK_SIZE] ^= 0xff;   /* chunk 1: "ElfChnk" */
	err_init(&err);
	ck_assert_msg(events_log_load(buf, len, NULL, &log, &err) == 0, "load: %s", err.msg);
	events_log_stats(log, &st);
	ck_assert_uint_gt(st.recovered, 0);
	ck_assert_uint_eq(st.records + st.recovered, 600);
	ck_assert_uint_eq(events_log_count(log), 600);
	for (i = 0; i < events_log_count(log); i++) {
		ck_assert_uint_eq(events_log_record(log, i)->number, i + 1);
		if (events_log_record(log, i)->flags & EVENTS_REC_RECOVERED)
			recovered++;
	}
	ck_assert_uint_eq(recovered, st.recovered);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193], \"text_contains\": \"0x80070018\"}",
		      NULL, &rc);
	ck_assert_int_eq(rc, 600);
	ck_assert_uint_eq(json_array_size(out), 3);
	recovered = 0;
	json_array_foreach(out, i, g) {
		ck_assert_int_eq(tu_num(g, "count"), 200);
		if (json_object_get(g, "recovered"))
			recovered += (size_t)tu_num(g, "recovered");
	}
	ck_assert_uint_eq(recovered, st.recovered);
	json_decref(out);
	events_log_free(log);
	free(buf);
}
END_TEST

START_TEST(test_iso8601)
{
	static const char *const times[] = {
		"2024-06-01T10:00:00Z", "1970-01-01T00:00:00Z", "2000-02-29T23:59:59Z",
		"2100-03-01T00:00:00Z", "1999-12-31T23:59:59Z", "2038-01-19T03:14:08Z",
	};
	char t[40];
	size_t i;

	for (i = 0; i < sizeof(times) / sizeof(times[0]); i++)
		ck_assert_str_eq(filetime_iso8601(evtx_filetime(times[i]), 0, t, sizeof(t)), times[i]);
	ck_assert_str_eq(filetime_iso8601(0, 0, t, sizeof(t)), "1601-01-01T00:00:00Z");
	ck_assert_str_eq(filetime_iso8601(evtx_filetime("2024-06-01T10:00:00.9999999Z"), 0, t, sizeof(t)),
			 "2024-06-01T10:00:00Z");
}
END_TEST

START_TEST(test_map_display_name)
{
	static const struct { const char *display, *key, *how; } v[] = {
		{ "Microsoft Link-Layer Discovery Protocol", "MsLldp", "matched on display name" },
		{ "microsoft link-layer discovery protocol.", "MsLldp", "matched on display name" },
		{ "Cryptographic Services ", "CryptSvc", "matched on display name" },
		{ "eventsystem", "EventSystem", "matched on key name" },
		{ "Contoso Filter Driver", NULL, NULL },
		{ "", NULL, NULL },
	};
	const char *why, *key, *how;
	const struct events_names *names = test_names(NULL, &why);
	size_t i;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		int rc = events_map_display_name(names, v[i].display, &key, &how);

		ck_assert_int_eq(rc, v[i].key != NULL);
		if (rc) {
			ck_assert_str_eq(key, v[i].key);
			ck_assert_str_eq(how, v[i].how);
		}
	}
	ck_assert_int_eq(events_map_display_name(NULL, "x", &key, &how), 0);
}
END_TEST

/* ---- plain specs: classification, grouping, limits ---------------------- */

START_TEST(test_capi2_grouping)
{
	struct events_log *log = load(
		"event " CAPI2 " time=2024-06-03T10:00:00Z \"text=" D_MSLLDP "\"\n"
		"event " CAPI2 " time=2024-06-01T10:00:00Z \"text=" D_MSLLDP "\"\n"
		"event " CAPI2 " time=2024-06-02T10:00:00Z \"text=" D_CORE_DENIED "\"\n"
		"event " CAPI2 " time=2024-06-05T10:00:00Z \"text=" D_MSLLDP "\"\n"
		"event " CAPI2 " time=2024-06-04T10:00:00Z \"text=" D_OTHER_DENIED "\"\n"
		"event provider=Microsoft-Windows-CAPI2 id=512 time=2024-06-06T10:00:00Z \"text=" D_MSLLDP "\"\n"
		"event " CAPI2 " time=2024-06-07T10:00:00Z \"text=" D_NOT_FOUND "\"\n"
		"event " CAPI2 " time=2024-06-08T10:00:00Z \"text=" D_JUNCTION "\"\n");
	json_t *out, *g;
	int rc;

	out = collect(log, "{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512], "
		      "\"capi2\": \"legacy_driver_access_denied\", \"label\": \"L\"}", &names_env, &rc);
	ck_assert_int_eq(rc, 5);
	/* 513 MsLldp x3, 512 MsLldp, 513 Contoso: grouped by id and subject */
	ck_assert_uint_eq(json_array_size(out), 3);
	g = json_array_get(out, 0);
	ck_assert_str_eq(tu_str(g, "kind"), "event");
	ck_assert_str_eq(tu_str(g, "log"), "Test.evtx");
	ck_assert_str_eq(tu_str(g, "provider"), "Microsoft-Windows-CAPI2");
	ck_assert_int_eq(tu_num(g, "event_id"), 513);
	ck_assert_int_eq(tu_num(g, "count"), 3);
	ck_assert_str_eq(tu_str(g, "first"), "2024-06-01T10:00:00Z");
	ck_assert_str_eq(tu_str(g, "last"), "2024-06-05T10:00:00Z");
	ck_assert_uint_eq(json_array_size(json_object_get(g, "records")), 3);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(g, "records"), 0)), 1);
	ck_assert_int_eq(json_integer_value(json_array_get(json_object_get(g, "records"), 2)), 4);
	ck_assert_str_eq(tu_str(g, "subject"), "Microsoft Link-Layer Discovery Protocol");
	ck_assert_str_eq(tu_str(g, "service"), "MsLldp");
	ck_assert_str_eq(tu_str(g, "service_mapping"), "matched on display name");
	ck_assert_str_eq(tu_str(g, "system_error"), "Access is denied.");
	ck_assert_str_eq(tu_str(g, "label"), "L");
	ck_assert_str_eq(tu_str(g, "text"), "Details: AddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol. System Error: Access is denied.");
	g = json_array_get(out, 1);
	ck_assert_str_eq(tu_str(g, "subject"), "Contoso Filter Driver");
	ck_assert_ptr_null(json_object_get(g, "service"));
	ck_assert_ptr_nonnull(strstr(tu_str(g, "service_mapping"), "not mapped"));
	ck_assert_ptr_nonnull(strstr(tu_str(g, "service_mapping"), "@file,-id"));
	g = json_array_get(out, 2);
	ck_assert_int_eq(tu_num(g, "event_id"), 512);
	json_decref(out);

	/* each other kind finds its own event */
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513], \"capi2\": \"core_csi_access_denied\"}",
		      &names_env, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_str_eq(tu_str(json_array_get(out, 0), "function"), "AddCoreCsiFiles");
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513], \"capi2\": \"core_csi_junction\"}",
		      &names_env, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_str_eq(tu_str(json_array_get(out, 0), "first"), "2024-06-08T10:00:00Z");
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513], \"capi2\": \"legacy_driver_not_found\"}",
		      &names_env, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_str_eq(tu_str(json_array_get(out, 0), "service"), "EventSystem");
	json_decref(out);
	/* no registry: the evidence says why the name was not mapped */
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513], \"capi2\": \"legacy_driver_not_found\"}",
		      NULL, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_ptr_nonnull(strstr(tu_str(json_array_get(out, 0), "service_mapping"), "not mapped"));
	json_decref(out);
	/* a plain spec groups by text */
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"microsoft-windows-capi2\", \"ids\": [513]}", NULL, &rc);
	ck_assert_int_eq(rc, 7);
	ck_assert_uint_eq(json_array_size(out), 5);
	json_decref(out);
	events_log_free(log);
}
END_TEST

START_TEST(test_text_contains)
{
	struct events_log *log = load(
		"event provider=VSS id=8193 time=2024-06-01T10:00:00Z \"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text= binary=2D20436F64653A20535953575254\n"
		"event provider=VSS id=8193 \"text=CoCreateInstance\" \"text=0x8007045b, A system shutdown is in progress.\" text=\n"
		"event provider=VSS id=8193 \"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text= binary=2D20436F64653A20535953575255\n"
		"event provider=Microsoft-Windows-Backup id=517 data=BackupTime:2024-06-01T10:00:00Z data=ErrorCode:0x80780102 \"data=ErrorMessage:System writer is not found in the backup.\"\n"
		"event provider=Microsoft-Windows-Backup id=521 data=BackupTime:2024-06-01T10:00:00Z data=ErrorCode:0x8078004F\n");
	json_t *out, *g;
	int rc;

	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193], \"text_contains\": \"0x80070018\"}", NULL, &rc);
	ck_assert_int_eq(rc, 2);
	ck_assert_uint_eq(json_array_size(out), 1);
	g = json_array_get(out, 0);
	ck_assert_int_eq(tu_num(g, "count"), 2);
	ck_assert_str_eq(tu_str(g, "text"), "XML document is too long | 0x80070018, The data is invalid.");
	/* the binary data is shown (ASCII here), but does not split groups */
	ck_assert_str_eq(tu_str(g, "binary"), "- Code: SYSWRT");
	json_decref(out);
	/* the binary's text is searched too */
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193], \"text_contains\": \"code: syswr\"}", NULL, &rc);
	ck_assert_int_eq(rc, 2);
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-Backup\", \"ids\": [517, 521], \"text_contains\": \"0x80780102\"}", NULL, &rc);
	ck_assert_int_eq(rc, 1);
	ck_assert_int_eq(tu_num(json_array_get(out, 0), "event_id"), 517);
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8194, 8213]}", NULL, &rc);
	ck_assert_int_eq(rc, 0);
	ck_assert_uint_eq(json_array_size(out), 0);
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"NoSuchProvider\", \"ids\": [1]}", NULL, &rc);
	ck_assert_int_eq(rc, 0);
	json_decref(out);
	events_log_free(log);
}
END_TEST

/* Records with no strings at all (an empty <EventData>): nothing kept in
 * the pool (found by the fuzz target under UBSan). */
START_TEST(test_empty_records)
{
	struct events_log *log = load("event provider=VSS id=8224 time=2024-06-01T10:00:00Z\n"
				      "event provider=VSS id=8224 time=2024-06-01T11:00:00Z\n");
	json_t *out, *g;
	int rc;

	ck_assert_uint_eq(events_log_record(log, 0)->nstrings, 0);
	ck_assert_str_eq(events_log_string(log, events_log_record(log, 0), 0), "");
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8224], \"text_contains\": \"\"}", NULL, &rc);
	ck_assert_int_eq(rc, 2);
	g = json_array_get(out, 0);
	ck_assert_str_eq(tu_str(g, "text"), "");
	ck_assert_int_eq(tu_num(g, "count"), 2);
	ck_assert_ptr_null(json_object_get(g, "binary"));
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8224], \"capi2\": \"core_csi_junction\"}", NULL, &rc);
	ck_assert_int_eq(rc, 0);
	json_decref(out);
	events_log_free(log);
}
END_TEST

/* More groups than LIMIT_EVIDENCE_ITEMS: the rest is one note. */
START_TEST(test_group_limit)
{
	char *spec = strdup(""), *p;
	struct events_log *log;
	json_t *out, *note;
	size_t i;
	int rc;

	for (i = 0; i < LIMIT_EVIDENCE_ITEMS + 10; i++) {
		ck_assert_int_ge(asprintf(&p, "%sevent provider=VSS id=12289 \"text=error %zu\"\n", spec, i), 0);
		free(spec);
		spec = p;
	}
	log = load(spec);
	free(spec);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [12289]}", NULL, &rc);
	ck_assert_int_eq(rc, LIMIT_EVIDENCE_ITEMS + 10);
	ck_assert_uint_eq(json_array_size(out), LIMIT_EVIDENCE_ITEMS + 1);
	note = json_array_get(out, LIMIT_EVIDENCE_ITEMS);
	ck_assert_str_eq(tu_str(note, "kind"), "note");
	ck_assert_int_eq(tu_num(note, "count"), 10);
	json_decref(out);
	events_log_free(log);
}
END_TEST

START_TEST(test_bad_specs)
{
	static const char *const bad[] = {
		"{\"log\": \"Application\", \"ids\": [513]}",
		"{\"log\": \"Application\", \"provider\": \"VSS\"}",
		"{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [\"8193\"]}",
		"{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [70000]}",
		"{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [1], \"capi2\": \"nonsense\"}",
		"{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [1], \"text_contains\": 5}",
		"{\"log\": \"System\", \"provider\": \"VSS\", \"ids\": [1], \"services\": \"CryptSvc\"}",
		"{\"log\": \"System\", \"provider\": \"VSS\", \"ids\": [1], \"services\": [1]}",
	};
	struct events_log *log = load("event provider=VSS id=1 text=x\n");
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		int rc;
		json_t *out = collect(log, bad[i], NULL, &rc);

		ck_assert_msg(rc < 0, "spec %zu accepted", i);
		json_decref(out);
	}
	events_log_free(log);
}
END_TEST

/* ---- Service Control Manager ------------------------------------------- */

#define BOOT(t) "event provider=EventLog id=6005 time=" t "\n" \
	"event provider=Microsoft-Windows-Kernel-General id=12 time=" t "\n"
#define SBOOT(t) "event system provider=EventLog id=6005 time=" t "\n" \
	"event system provider=Microsoft-Windows-Kernel-General id=12 time=" t "\n"
#define STATE(t, display, key, st, digit) "event " SCM " id=7036 time=" t " \"data=param1:" display "\" data=param2:" st " binary_utf16=" key "/" digit "\n"

START_TEST(test_scm_stopped_at_shutdown)
{
	struct events_log *log = load(
		BOOT("2024-06-01T08:00:00Z")
		STATE("2024-06-01T08:00:10Z", "Cryptographic Services", "CryptSvc", "running", "4")
		STATE("2024-06-01T08:00:11Z", "COM+ Event System", "EventSystem", "running", "4")
		"event provider=User32 id=1074 time=2024-06-01T18:00:00Z \"data=param1:C:\\\\Windows\\\\system32\\\\winlogon.exe\"\n"
		STATE("2024-06-01T18:00:05Z", "Cryptographic Services", "CryptSvc", "stopped", "1")
		"event provider=EventLog id=6006 time=2024-06-01T18:00:09Z\n"
		"event provider=Microsoft-Windows-Kernel-General id=13 time=2024-06-01T18:00:10Z\n");
	json_t *out, *s, *boot;
	int rc;

	out = collect(log, SCM_SPEC, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	boot = item(out, "boot", NULL, NULL);
	ck_assert_ptr_nonnull(boot);
	ck_assert_str_eq(tu_str(boot, "last_boot"), "2024-06-01T08:00:00Z");
	ck_assert_str_eq(tu_str(boot, "shutdown"), "orderly");
	ck_assert_str_eq(tu_str(boot, "shutdown_at"), "2024-06-01T18:00:00Z");
	s = item(out, "service_state", "service", "CryptSvc");
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(tu_num(s, "count"), 2);
	ck_assert_int_eq(tu_num(s, "since_last_boot"), 2);
	ck_assert_str_eq(tu_str(s, "last_state"), "stopped");
	ck_assert_str_eq(tu_str(s, "last_at"), "2024-06-01T18:00:05Z");
	ck_assert(json_is_true(json_object_get(s, "at_shutdown")));
	ck_assert_ptr_nonnull(strstr(tu_str(s, "note"), "orderly shutdown"));
	s = item(out, "service_state", "service", "EventSystem");
	ck_assert_str_eq(tu_str(s, "last_state"), "running");
	s = item(out, "service_state", "service", "VSS");
	ck_assert_str_eq(tu_str(s, "last_state"), "unknown");
	ck_assert_int_eq(tu_num(s, "count"), 0);
	ck_assert_uint_eq(count_kind(out, "service_state"), 4);
	ck_assert_uint_eq(count_kind(out, "event"), 0);
	json_decref(out);
	events_log_free(log);

	/* without 1074, a stop right before the 6006 is still the shutdown */
	log = load(BOOT("2024-06-01T08:00:00Z")
		   STATE("2024-06-01T18:00:05Z", "Cryptographic Services", "CryptSvc", "stopped", "1")
		   "event provider=EventLog id=6006 time=2024-06-01T18:03:00Z\n");
	out = collect(log, SCM_SPEC, NULL, &rc);
	ck_assert(json_is_true(json_object_get(item(out, "service_state", "service", "CryptSvc"), "at_shutdown")));
	json_decref(out);
	events_log_free(log);

	/* a stop hours before the shutdown, or with none after it, is not */
	log = load(BOOT("2024-06-01T08:00:00Z")
		   STATE("2024-06-01T09:00:00Z", "Cryptographic Services", "CryptSvc", "stopped", "1")
		   STATE("2024-06-01T09:00:00Z", "COM+ Event System", "EventSystem", "stopped", "1")
		   "event provider=EventLog id=6006 time=2024-06-01T18:00:00Z\n"
		   BOOT("2024-06-02T08:00:00Z")
		   STATE("2024-06-02T09:00:00Z", "Cryptographic Services", "CryptSvc", "stopped", "1"));
	out = collect(log, SCM_SPEC, NULL, &rc);
	ck_assert_int_eq(rc, 0);
	s = item(out, "service_state", "service", "CryptSvc");
	ck_assert(json_is_false(json_object_get(s, "at_shutdown")));
	ck_assert(json_is_true(json_object_get(s, "after_last_boot")));
	ck_assert_str_eq(tu_str(item(out, "boot", NULL, NULL), "shutdown"), "none recorded after the last boot");
	s = item(out, "service_state", "service", "EventSystem");
	ck_assert(json_is_false(json_object_get(s, "at_shutdown")));
	ck_assert(json_is_false(json_object_get(s, "after_last_boot")));
	json_decref(out);
	events_log_free(log);
}
END_TEST

START_TEST(test_scm_failures)
{
	struct events_log *log = load(
		BOOT("2024-06-01T08:00:00Z")
		"event " SCM " id=7000 time=2024-06-01T08:00:30Z \"data=param1:Cryptographic Services\" data=param2:%%1058 binary_utf16=CryptSvc\n"
		"event provider=EventLog id=6006 time=2024-06-01T18:00:00Z\n"
		BOOT("2024-06-02T08:00:00Z")
		STATE("2024-06-02T08:00:10Z", "Cryptographic Services", "CryptSvc", "running", "4")
		"event " SCM " id=7000 time=2024-06-02T08:00:30Z \"data=param1:COM+ Event System\" data=param2:%%1058 binary_utf16=EventSystem\n"
		"event " SCM " id=7000 time=2024-06-02T08:05:30Z \"data=param1:COM+ Event System\" data=param2:%%1058 binary_utf16=EventSystem\n"
		"event " SCM " id=7031 time=2024-06-02T09:00:00Z \"data=param1:Volume Shadow Copy\" data=param2:1 data=param3:0 data=param4:1 data=param5:Restart binary_utf16=VSS\n"
		STATE("2024-06-02T09:00:01Z", "Volume Shadow Copy", "VSS", "running", "4")
		"event " SCM " id=7000 time=2024-06-02T09:30:00Z \"data=param1:Contoso\" data=param2:%%2 binary_utf16=Contoso\n"
		"event " SCM " id=7040 time=2024-06-02T10:00:00Z \"data=param1:Microsoft Software Shadow Copy Provider\" \"data=param2:demand start\" data=param3:disabled data=param4:swprv\n");
	json_t *out, *g, *s;
	size_t i;
	int rc, seen7031 = 0;

	out = collect(log, SCM_SPEC, NULL, &rc);
	/* EventSystem failed twice after the last boot and never ran again;
	 * VSS's crash was repaired; CryptSvc's failure was before the boot */
	ck_assert_int_eq(rc, 2);
	json_array_foreach(out, i, g) {
		if (strcmp(tu_str(g, "kind"), "event"))
			continue;
		ck_assert(json_is_true(json_object_get(g, "after_last_boot")));
		if (tu_num(g, "event_id") == 7000) {
			ck_assert_str_eq(tu_str(g, "service"), "EventSystem");
			ck_assert_int_eq(tu_num(g, "count"), 2);
			ck_assert(json_is_false(json_object_get(g, "repaired")));
			ck_assert_str_eq(tu_str(g, "first"), "2024-06-02T08:00:30Z");
			ck_assert_str_eq(tu_str(g, "last"), "2024-06-02T08:05:30Z");
			ck_assert_str_eq(tu_str(g, "binary"), "EventSystem");
		} else {
			ck_assert_int_eq(tu_num(g, "event_id"), 7031);
			ck_assert_str_eq(tu_str(g, "service"), "VSS");
			ck_assert(json_is_true(json_object_get(g, "repaired")));
			seen7031 = 1;
		}
	}
	ck_assert(seen7031);
	ck_assert_uint_eq(count_kind(out, "event"), 2);
	s = item(out, "service_state", "service", "CryptSvc");
	ck_assert_int_eq(tu_num(s, "failures_before_last_boot"), 1);
	s = item(out, "service_state", "service", "swprv");
	ck_assert_int_eq(tu_num(s, "start_type_changes"), 1);
	ck_assert_str_eq(tu_str(s, "last_start_type"), "disabled");
	json_decref(out);
	events_log_free(log);
}
END_TEST

/* Windows Server 2008 wrote 7036 without <Binary>: the display name,
 * mapped through the registry, and the English state. */
START_TEST(test_scm_display_name_fallback)
{
	struct events_log *log = load(
		BOOT("2024-06-01T08:00:00Z")
		"event " SCM " id=7036 \"data=param1:Cryptographic Services\" data=param2:running\n"
		"event " SCM " id=7036 \"data=param1:Cryptographic Services\" data=param2:stopped\n"
		"event " SCM " id=7036 \"data=param1:Some Other Service\" data=param2:stopped\n");
	json_t *out, *s;
	int rc;

	out = collect(log, SCM_SPEC, &names_env, &rc);
	s = item(out, "service_state", "service", "CryptSvc");
	ck_assert_int_eq(tu_num(s, "count"), 2);
	ck_assert_str_eq(tu_str(s, "last_state"), "stopped");
	json_decref(out);
	/* no registry: nothing can be tied to a service */
	out = collect(log, SCM_SPEC, NULL, &rc);
	ck_assert_int_eq(tu_num(item(out, "service_state", "service", "CryptSvc"), "count"), 0);
	json_decref(out);
	events_log_free(log);
}
END_TEST

/* ---- end to end --------------------------------------------------------- */

/* The event evidence of result id with event_id (first one). */
static json_t *event_of(json_t *root, const char *id, int event_id)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(tu_result(root, id), "evidence"), i, e)
		if (strcmp(tu_str(e, "kind"), "event") == 0 && tu_num(e, "event_id") == event_id)
			return e;
	ck_abort_msg("no event %d in %s's evidence", event_id, id);
	return NULL;
}

/* n filler records (another provider) so that logs span chunks */
static char *fillers(const char *log, size_t n)
{
	char *s = strdup(""), *p;
	size_t i;

	for (i = 0; i < n; i++) {
		ck_assert_int_ge(asprintf(&p, "%sevent %s provider=Microsoft-Windows-Kernel-Power id=42 \"text=filler record %zu of a busy log\"\n",
					  s, log, i), 0);
		free(s);
		s = p;
	}
	return s;
}

/* Every classification on one otherwise healthy volume: each event alone
 * makes its cause or finding present. */
START_TEST(test_e2e_classify)
{
	char *fill = fillers("application", 450), *text = NULL, *img;
	json_t *root, *e;
	int status;

	ck_assert_int_ge(asprintf(&text,
		"os 2016\n"
		"evtx application dirty 1\n"
		"event application " CAPI2 " time=2024-06-01T10:00:00Z \"text=" D_CORE_DENIED "\"\n"
		"event application " CAPI2 " time=2024-06-01T10:01:00Z \"text=" D_MSLLDP "\"\n"
		"event application " CAPI2 " time=2024-06-01T10:02:00Z \"text=" D_JUNCTION "\"\n"
		"%s"
		"event application " CAPI2 " time=2024-06-02T10:01:00Z \"text=" D_MSLLDP "\"\n"
		"event application " CAPI2 " time=2024-06-02T10:02:00Z \"text=" D_NOT_FOUND "\"\n"
		"event application provider=VSS id=8193 time=2024-06-02T11:00:00Z \"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" text=\n"
		"event application provider=Microsoft-Windows-Backup id=517 time=2024-06-02T12:00:00Z data=BackupTime:2024-06-02T11:59:00Z data=ErrorCode:0x80780102 \"data=ErrorMessage:System writer is not found in the backup.\"\n"
		"event application " CAPI2 " time=2024-06-03T10:01:00Z \"text=" D_MSLLDP "\"\n"
		"event system provider=EventLog id=6005 time=2024-06-01T08:00:00Z\n"
		"event system " SCM " id=7036 time=2024-06-01T08:00:10Z \"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n",
		fill), 0);
	img = tu_build("events-classify", text);
	root = tu_scan_image(img, &status, NULL);
	ck_assert_int_eq(status, 1);
	ck_assert(!tu_has_warning(root, "absent"));

	ck_assert_str_eq(tu_status(root, "cause1"), "present");
	e = event_of(root, "cause1", 513);
	ck_assert_str_eq(tu_str(e, "log"), "Application.evtx");
	ck_assert_str_eq(tu_str(e, "function"), "AddCoreCsiFiles");

	/* the junction text proves profile-junction (issue 18), nothing else */
	ck_assert_str_eq(tu_status(root, "profile-junction"), "present");
	ck_assert_str_eq(tu_str(event_of(root, "profile-junction", 513), "first"), "2024-06-01T10:02:00Z");
	ck_assert_str_eq(tu_str(event_of(root, "profile-junction", 513), "proves"), "profile-junction");
	ck_assert_str_eq(tu_status(root, "winsxs-junction"), "absent");

	/* the MsLldp descriptor is fine on this volume: the event alone */
	ck_assert_str_eq(tu_status(root, "service-sd-blocks-writer"), "present");
	e = event_of(root, "service-sd-blocks-writer", 513);
	ck_assert_int_eq(tu_num(e, "count"), 3);
	ck_assert_str_eq(tu_str(e, "first"), "2024-06-01T10:01:00Z");
	ck_assert_str_eq(tu_str(e, "last"), "2024-06-03T10:01:00Z");
	ck_assert_uint_eq(json_array_size(json_object_get(e, "records")), 3);
	ck_assert_str_eq(tu_str(e, "service"), "MsLldp");
	ck_assert_str_eq(tu_str(e, "service_mapping"), "matched on display name");

	ck_assert_str_eq(tu_status(root, "service-binary-missing"), "present");
	ck_assert_str_eq(tu_str(event_of(root, "service-binary-missing", 513), "service"), "EventSystem");

	ck_assert_str_eq(tu_status(root, "cause4"), "present");
	ck_assert_ptr_nonnull(strstr(tu_str(event_of(root, "cause4", 8193), "text"), "0x80070018"));

	ck_assert_str_eq(tu_status(root, "backup-writer-missing"), "present");
	ck_assert_int_eq(tu_num(event_of(root, "backup-writer-missing", 517), "count"), 1);
	/* an events-only finding says what the logs show, and nothing of a
	 * disk check it does not have */
	ck_assert_str_eq(json_string_value(json_object_get(tu_result(root, "backup-writer-missing"), "summary")),
			 "the event logs show it: Backup 517/521: System writer is not found in the backup (1 event)");

	/* healthy service history: evidence, not a verdict */
	ck_assert_str_eq(tu_status(root, "cause2"), "absent");
	ck_assert_str_eq(tu_status(root, "cause3"), "absent");
	ck_assert_str_eq(tu_status(root, "vss-access-control"), "absent");
	json_decref(root);
	free(img);
	free(text);
	free(fill);
}
END_TEST

/* cause2 from the System log alone: a failure after the last boot that no
 * start repaired; not from a stop during an orderly shutdown. */
START_TEST(test_e2e_scm)
{
	char *img;
	json_t *root, *e;
	size_t i;
	int status, found = 0;

	img = tu_build("events-scm-fail", tu_scenario("events/scm-failure"));
	root = tu_scan_image(img, &status, NULL);
	ck_assert_str_eq(tu_status(root, "cause2"), "present");
	ck_assert_int_eq(status, 1);
	json_array_foreach(json_object_get(tu_result(root, "cause2"), "evidence"), i, e) {
		if (strcmp(tu_str(e, "kind"), "event") || tu_num(e, "event_id") != 7000)
			continue;
		ck_assert_str_eq(tu_str(e, "service"), "EventSystem");
		ck_assert_str_eq(tu_str(e, "log"), "System.evtx");
		ck_assert(json_is_false(json_object_get(e, "repaired")));
		found = 1;
	}
	ck_assert(found);
	/* Application.evtx is absent: said once, and the events-only finding
	 * that needs it cannot be judged */
	ck_assert(tu_has_warning(root, "Application.evtx absent"));
	ck_assert_str_eq(tu_status(root, "backup-writer-missing"), "unknown");
	ck_assert_str_eq(tu_status(root, "writer-timeout"), "unknown");
	json_decref(root);
	free(img);

	img = tu_build("events-scm-shutdown",
		    "event application provider=VSS id=8224 text=idle\n"
		    SBOOT("2024-06-01T08:00:00Z")
		    "event system " SCM " id=7036 time=2024-06-01T08:00:10Z \"data=param1:Cryptographic Services\" data=param2:running binary_utf16=CryptSvc/4\n"
		    "event system " SCM " id=7000 time=2024-06-01T08:00:20Z \"data=param1:COM+ Event System\" data=param2:%%1058 binary_utf16=EventSystem\n"
		    "event system " SCM " id=7036 time=2024-06-01T08:01:00Z \"data=param1:COM+ Event System\" data=param2:running binary_utf16=EventSystem/4\n"
		    "event system provider=User32 id=1074 time=2024-06-01T18:00:00Z data=param1:winlogon.exe\n"
		    "event system " SCM " id=7036 time=2024-06-01T18:00:05Z \"data=param1:Cryptographic Services\" data=param2:stopped binary_utf16=CryptSvc/1\n"
		    "event system provider=EventLog id=6006 time=2024-06-01T18:00:09Z\n");
	root = tu_scan_image(img, &status, NULL);
	ck_assert_str_eq(tu_status(root, "cause2"), "absent");
	ck_assert_str_eq(tu_status(root, "backup-writer-missing"), "absent");
	ck_assert_int_eq(status, 0);
	ck_assert(!tu_has_warning(root, "absent"));
	found = 0;
	json_array_foreach(json_object_get(tu_result(root, "cause2"), "evidence"), i, e) {
		if (strcmp(tu_str(e, "kind"), "service_state") || strcmp(tu_str(e, "service"), "CryptSvc"))
			continue;
		ck_assert_str_eq(tu_str(e, "last_state"), "stopped");
		ck_assert(json_is_true(json_object_get(e, "at_shutdown")));
		found = 1;
	}
	ck_assert(found);
	json_decref(root);
	free(img);
}
END_TEST

/* No logs at all: one warning per log; causes are judged on the rest. */

START_TEST(test_e2e_logs_absent)
{
	char *img = tu_build("events-absent", tu_scenario("events/none"));
	json_t *root;
	int status;

	root = tu_scan_image(img, &status, NULL);
	ck_assert(tu_has_warning(root, "Application.evtx absent"));
	ck_assert(tu_has_warning(root, "System.evtx absent"));
	ck_assert(!tu_has_warning(root, "CAPI2"));
	ck_assert_str_eq(tu_status(root, "cause3"), "present");
	ck_assert_str_eq(tu_status(root, "cause1"), "absent");
	ck_assert_str_eq(tu_status(root, "backup-writer-missing"), "unknown");
	ck_assert_int_eq(status, 1);
	json_decref(root);
	free(img);
}
END_TEST

/* ---- hostile logs --------------------------------------------------------- */

static uint64_t rng_state;

static uint32_t rng(void)
{
	rng_state = rng_state * 6364136223846793005ull + 1442695040888963407ull;
	return (uint32_t)(rng_state >> 33);
}

static const char *const hostile_specs[] = {
	"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512], \"capi2\": \"legacy_driver_access_denied\"}",
	"{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193], \"text_contains\": \"0x80070018\"}",
	SCM_SPEC,
};

/* Load and match one (mutated) log: errors are fine, crashes and hangs
 * are not (fork mode and the case's timeout catch those). */
static void run_hostile_one(const uint8_t *buf, size_t len,
			    const struct events_filter *f, size_t *loaded)
{
	struct events_log *log = NULL;
	struct err err;
	size_t k;

	err_init(&err);
	if (events_log_load(buf, len, f, &log, &err) < 0) {
		ck_assert(err.msg[0] != '\0');
		ck_assert_ptr_null(log);
		return;
	}
	if (!f)
		(*loaded)++;
	for (k = 0; k < sizeof(hostile_specs) / sizeof(hostile_specs[0]); k++) {
		int rc;
		json_t *out = collect(log, hostile_specs[k], &names_env, &rc);

		ck_assert_int_ge(rc, 0);
		json_decref(out);
	}
	events_log_free(log);
}

/* Every copy is read twice: everything, and through the skim's filter. */
static void run_hostile(const uint8_t *buf, size_t len, size_t *loaded)
{
	static const char *const keep[] = { "Microsoft-Windows-CAPI2", "Service Control Manager", "VSS" };
	static const char *const svcs[] = { "CryptSvc", "EventSystem" };
	static const struct events_filter f = { keep, 3, svcs, 2 };

	run_hostile_one(buf, len, NULL, loaded);
	run_hostile_one(buf, len, &f, loaded);
}

START_TEST(test_mutations)
{
	char *spec = NULL, *p;
	uint8_t *orig, *buf;
	size_t len, chunks, i, loaded = 0, runs = 0;

	LIBEVTX_LEAKS_IGNORED();
	ck_assert_int_ge(asprintf(&spec, "dirty 1\n" BOOT("2024-06-01T08:00:00Z")), 0);
	for (i = 0; i < 240; i++) {
		ck_assert_int_ge(asprintf(&p, "%s%s", spec,
			i % 4 == 0 ? "event " CAPI2 " \"text=" D_MSLLDP "\"\n" :
			i % 4 == 1 ? STATE("2024-06-01T09:00:00Z", "Cryptographic Services", "CryptSvc", "running", "4") :
			i % 4 == 2 ? "event " SCM " id=7000 \"data=param1:COM+ Event System\" data=param2:%%1058 binary_utf16=EventSystem\n" :
			"event provider=VSS id=8193 \"text=XML document is too long\" \"text=0x80070018, The data is invalid.\" binary=41424344\n"), 0);
		free(spec);
		spec = p;
	}
	orig = make_log(spec, &len, &chunks);
	free(spec);
	ck_assert_uint_ge(chunks, 2);
	buf = malloc(len);
	ck_assert_ptr_nonnull(buf);
	rng_state = 20240601;
	/* random bit flips, 1 to 8 per copy */
	for (i = 0; i < 200; i++, runs++) {
		unsigned k, flips = 1 + rng() % 8;

		memcpy(buf, orig, len);
		for (k = 0; k < flips; k++)
			buf[rng() % len] ^= (uint8_t)(1u << (rng() % 8));
		run_hostile(buf, len, &loaded);
	}
	/* flips where the structure is: file header, chunk headers, the
	 * first records of each chunk */
	for (i = 0; i < 150; i++, runs++) {
		size_t c = rng() % chunks, off;

		memcpy(buf, orig, len);
		off = i % 3 == 0 ? rng() % 128 :
		      EVTX_FILE_HEADER_SIZE + c * EVTX_CHUNK_SIZE + rng() % (i % 3 == 1 ? 512 : 2048);
		buf[off] ^= (uint8_t)(1u << (rng() % 8));
		if (i % 5 == 0)
			put_le32(buf + (off & ~(size_t)3), rng());
		run_hostile(buf, len, &loaded);
	}
	/* truncations */
	for (i = 0; i < 50; i++, runs++)
		run_hostile(orig, i < 10 ? i * 500 : rng() % len, &loaded);
	ck_assert_uint_eq(runs, 400);
	/* most flips land in record bodies: those logs still load */
	ck_assert_uint_gt(loaded, 300);
	fprintf(stderr, "events: %zu mutated logs, %zu loaded\n", runs, loaded);
	free(buf);
	free(orig);
}
END_TEST

/* ---- the skim ------------------------------------------------------------ */

/* The filtered load (the skim decides which records libevtx reads, and
 * reads the boot markers and the 7036 state changes itself) must give
 * the same evidence as reading every record, for every spec the filtered
 * index says it serves (events_log_keeps); the scan reloads the others. */
static const char *const same_specs[] = {
	SCM_SPEC,
	"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512], \"capi2\": \"legacy_driver_access_denied\"}",
	"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512], \"capi2\": \"core_csi_access_denied\"}",
	"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512], \"capi2\": \"legacy_driver_not_found\"}",
	"{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193, 8194, 8213, 12289, 12292, 12302]}",
	"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-Backup\", \"ids\": [517, 521], \"text_contains\": \"0x80780102\"}",
	"{\"log\": \"Application\", \"provider\": \"swprv\", \"ids\": [11]}",
	/* every service, as the cause2 rule lists them */
	"{\"log\": \"System\", \"provider\": \"Service Control Manager\", \"ids\": " SCM_IDS
	", \"services\": [\"CryptSvc\", \"EventSystem\", \"VSS\", \"swprv\", \"RpcSs\", \"RpcEptMapper\", \"DcomLaunch\"]}",
	/* plain matches over the Service Control Manager: without 7036, and
	 * with it (which needs its strings: never served by a skimmed index) */
	"{\"log\": \"System\", \"provider\": \"Service Control Manager\", \"ids\": [7000, 7031, 7040]}",
	"{\"log\": \"System\", \"provider\": \"Service Control Manager\", \"ids\": [7036]}",
};

static const char *const keep6[] = { "Microsoft-Windows-CAPI2", "Service Control Manager",
	"VSS", "Microsoft-Windows-Backup", "swprv", "volsnap" };
static const char *const keep_app[] = { "Microsoft-Windows-CAPI2", "VSS",
	"Microsoft-Windows-Backup", "swprv" };
static const char *const keep_sys[] = { "Service Control Manager" };
static const char *const svcs4[] = { "CryptSvc", "EventSystem", "VSS", "swprv" };

/* the filters the scan uses: the first spec's, and a partner log's
 * defaults (every service) */
static const struct events_filter same_filters[] = {
	{ keep6, 6, svcs4, 4 },
	{ keep6, 6, NULL, 0 },
	{ keep_app, 4, NULL, 0 },
	{ keep_sys, 1, NULL, 0 },
	{ keep_sys, 1, svcs4, 4 },
};

/* The fields the skim gives must be libevtx's: every record of the
 * filtered index against the same record read by libevtx. */
static void check_same_records(const struct events_log *all, const struct events_log *some)
{
	size_t i, k = 0, built = 0, with_binary = 0;

	for (i = 0; i < events_log_count(some); i++) {
		const struct events_record *r = events_log_record(some, i), *a;

		while (k < events_log_count(all) && events_log_record(all, k)->number < r->number)
			k++;
		ck_assert_uint_lt(k, events_log_count(all));
		a = events_log_record(all, k);
		ck_assert_uint_eq(a->number, r->number);
		ck_assert_uint_eq(a->filetime, r->filetime);
		ck_assert_str_eq(events_log_provider(all, a), events_log_provider(some, r));
		ck_assert_uint_eq(a->event_id, r->event_id);
		ck_assert_uint_eq(a->qualifiers, r->qualifiers);
		ck_assert_uint_eq(a->level, r->level);
		if (!(r->flags & EVENTS_REC_SKIM))
			continue;
		built++;
		ck_assert(!(r->flags & EVENTS_REC_TEXT));
		ck_assert_uint_eq(r->nstrings, 0);
		if (events_log_binary(some, r)) {
			ck_assert_uint_eq(a->binary_len, r->binary_len);
			ck_assert_int_eq(memcmp(events_log_binary(all, a), events_log_binary(some, r),
						r->binary_len), 0);
			with_binary++;
		}
	}
	ck_assert_uint_gt(built, 0);
	if (with_binary == 0) /* only the markers were built */
		ck_assert_uint_lt(built, 1000);
}

START_TEST(test_skim_same_evidence)
{
	struct evtx_writer *w = evtx_writer_new();
	struct events_log *all = NULL, *some = NULL;
	struct events_log_stats st;
	struct err err;
	uint8_t *buf = NULL;
	size_t len = 0, k, fi, nonempty = 0, compared = 0, refused = 0;

	evtx_writer_set_dirty(w, 1);
	ck_assert_int_eq(evtx_writer_add_bulk(w, 4000, 11, 0, NULL), 0);
	ck_assert_int_eq(evtx_writer_serialize(w, &buf, &len), 0);
	evtx_writer_free(w);
	err_init(&err);
	ck_assert_msg(events_log_load(buf, len, NULL, &all, &err) == 0, "%s", err.msg);
	for (fi = 0; fi < sizeof(same_filters) / sizeof(same_filters[0]); fi++) {
		ck_assert_msg(events_log_load(buf, len, &same_filters[fi], &some, &err) == 0, "%s", err.msg);
		events_log_stats(some, &st);
		ck_assert_int_eq(st.skim_mismatch, 0);
		ck_assert_uint_gt(st.skimmed, 1000);
		ck_assert_uint_gt(st.built, 0);
		check_same_records(all, some);
		for (k = 0; k < sizeof(same_specs) / sizeof(same_specs[0]); k++) {
			int rc1, rc2;
			json_t *spec = json_loads(same_specs[k], 0, NULL), *o1, *o2;

			ck_assert_ptr_nonnull(spec);
			if (!events_log_keeps(some, spec)) {
				json_decref(spec);
				refused++;
				continue;
			}
			json_decref(spec);
			o1 = collect(all, same_specs[k], &names_env, &rc1);
			o2 = collect(some, same_specs[k], &names_env, &rc2);
			ck_assert_int_eq(rc1, rc2);
			ck_assert_msg(json_equal(o1, o2), "filter %zu, spec %zu: the skim changed the evidence",
				      fi, k);
			compared++;
			if (json_array_size(o1))
				nonempty++;
			json_decref(o1);
			json_decref(o2);
		}
		/* the plain 7036 spec needs strings the skim does not keep */
		ck_assert_int_eq(keeps(some, same_specs[sizeof(same_specs) / sizeof(same_specs[0]) - 1]), 0);
		events_log_free(some);
		some = NULL;
	}
	/* the bulk log has most kinds; the comparison is not vacuous */
	ck_assert_uint_ge(compared, 20);
	ck_assert_uint_ge(nonempty, 15);
	ck_assert_uint_ge(refused, 5);
	events_log_free(all);
	free(buf);
}
END_TEST

/* The 7036 of a service the filter does not name is skipped, even when
 * the skim could read it; a 7036 whose <Binary> is not a service key
 * goes to libevtx (the display name decides later). */
START_TEST(test_skim_builds_7036)
{
	static const char *const svcs[] = { "CryptSvc" };
	struct events_filter f = { keep_sys, 1, svcs, 1 };
	struct events_log *log = NULL;
	struct events_log_stats st;
	const struct events_record *r;
	struct err err;
	size_t len;
	uint8_t *buf = make_log(
		BOOT("2024-06-01T08:00:00Z")
		STATE("2024-06-01T08:00:10Z", "Cryptographic Services", "CryptSvc", "running", "4")
		STATE("2024-06-01T08:00:11Z", "COM+ Event System", "EventSystem", "running", "4")
		"event " SCM " id=7036 time=2024-06-01T08:00:12Z \"data=param1:Cryptographic Services\" data=param2:stopped binary=0102\n"
		"event " SCM " id=7036 time=2024-06-01T08:00:13Z \"data=param1:Cryptographic Services\" data=param2:stopped\n",
		&len, NULL);

	err_init(&err);
	ck_assert_msg(events_log_load(buf, len, &f, &log, &err) == 0, "%s", err.msg);
	events_log_stats(log, &st);
	ck_assert_uint_eq(st.records, 6);
	/* EventLog 6005, Kernel-General 12 and CryptSvc's 7036 built; the
	 * EventSystem 7036 skipped; the one whose <Binary> is too short to
	 * tell read by libevtx, the last (no <Binary>) built with its text */
	ck_assert_uint_eq(st.built, 4);
	ck_assert_uint_eq(st.skimmed, 5);
	ck_assert_uint_eq(st.kept, 2);
	ck_assert_uint_eq(events_log_count(log), 5);
	r = events_log_record(log, 2);
	ck_assert_uint_eq(r->number, 3);
	ck_assert(r->flags & EVENTS_REC_SKIM);
	ck_assert_uint_eq(r->event_id, 7036);
	ck_assert_uint_eq(r->qualifiers, 16384);
	ck_assert_uint_eq(r->level, 4);
	ck_assert_uint_eq(r->binary_len, 22);
	ck_assert_int_eq(memcmp(events_log_binary(log, r), "C\0r\0y\0p\0t\0S\0v\0c\0/\0" "4\0\0\0", 22), 0);
	ck_assert_str_eq(events_log_string(log, r, 0), "");
	r = events_log_record(log, 3);
	ck_assert_uint_eq(r->number, 5);
	ck_assert(r->flags & EVENTS_REC_TEXT);
	ck_assert_str_eq(events_log_string(log, r, 1), "stopped");
	r = events_log_record(log, 4);
	ck_assert(r->flags & EVENTS_REC_TEXT);
	ck_assert_ptr_null(events_log_binary(log, r));
	events_log_free(log);
	free(buf);
}
END_TEST

/* ---- two logs at once (the scan loads Application and System on two
 * threads) ------------------------------------------------------------- */

struct thread_load {
	const uint8_t *buf;
	size_t len;
	const struct events_filter *f;
	struct events_log *log;
	int rc;
	struct err err;
};

static void *thread_load_fn(void *p)
{
	struct thread_load *t = p;

	err_init(&t->err);
	t->rc = events_log_load(t->buf, t->len, t->f, &t->log, &t->err);
	return NULL;
}

static void check_same_index(const struct events_log *a, const struct events_log *b)
{
	size_t i;

	ck_assert_uint_eq(events_log_count(a), events_log_count(b));
	for (i = 0; i < events_log_count(a); i++) {
		const struct events_record *x = events_log_record(a, i), *y = events_log_record(b, i);
		unsigned k;

		ck_assert_uint_eq(x->number, y->number);
		ck_assert_uint_eq(x->filetime, y->filetime);
		ck_assert_uint_eq(x->event_id, y->event_id);
		ck_assert_uint_eq(x->flags, y->flags);
		ck_assert_uint_eq(x->nstrings, y->nstrings);
		ck_assert_str_eq(events_log_provider(a, x), events_log_provider(b, y));
		for (k = 0; k < x->nstrings; k++)
			ck_assert_str_eq(events_log_string(a, x, k), events_log_string(b, y, k));
	}
}

START_TEST(test_concurrent_loads)
{
	struct thread_load t[2];
	struct events_log *serial[2] = { NULL, NULL };
	uint8_t *buf[2] = { NULL, NULL };
	size_t len[2] = { 0, 0 }, i;
	pthread_t th[2];
	struct err err;

	for (i = 0; i < 2; i++) {
		struct evtx_writer *w = evtx_writer_new();

		ck_assert_int_eq(evtx_writer_add_bulk(w, 3000, 21 + i, 0, NULL), 0);
		ck_assert_int_eq(evtx_writer_serialize(w, &buf[i], &len[i]), 0);
		evtx_writer_free(w);
		err_init(&err);
		ck_assert_msg(events_log_load(buf[i], len[i], &same_filters[i ? 3 : 2], &serial[i], &err) == 0,
			      "%s", err.msg);
	}
	for (i = 0; i < 2; i++) {
		memset(&t[i], 0, sizeof(t[i]));
		t[i].buf = buf[i];
		t[i].len = len[i];
		t[i].f = &same_filters[i ? 3 : 2];
		ck_assert_int_eq(pthread_create(&th[i], NULL, thread_load_fn, &t[i]), 0);
	}
	for (i = 0; i < 2; i++) {
		ck_assert_int_eq(pthread_join(th[i], NULL), 0);
		ck_assert_msg(t[i].rc == 0, "%s", t[i].err.msg);
		check_same_index(serial[i], t[i].log);
		events_log_free(t[i].log);
		events_log_free(serial[i]);
		free(buf[i]);
	}
}
END_TEST

/* ---- timing (VSSD_BENCH=1) ------------------------------------------------ */

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process, every thread (the skim's second half runs on
 * one of its own): on a loaded machine the rate per CPU second is the
 * figure that still means something. */
static double cpu_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The writer's 60,000-record log (about 20 MB): the collector's load and
 * every rule's specs against evtxexport on the same file; then the file
 * indexed twice at once, as the scan indexes Application.evtx and
 * System.evtx on two threads with their first filters (here both over
 * this one file: its bulk mix has every kind in each). */
START_TEST(test_bench)
{
	struct evtx_writer *w;
	struct events_log *log = NULL;
	char *dir, *path = NULL;
	uint8_t *buf = NULL;
	size_t len = 0;
	struct err err;
	struct tu_run r;
	double t0, t1, t2, c0, c1;
	json_t *out;
	int rc;
	static const char *const keep[] = { "Microsoft-Windows-CAPI2", "Service Control Manager",
		"VSS", "Microsoft-Windows-Backup", "swprv", "volsnap" };
	static const char *const svcs[] = { "CryptSvc", "EventSystem", "VSS", "swprv" };
	struct events_filter f = { keep, 6, svcs, 4 };
	struct events_log_stats st;

	if (!getenv("VSSD_BENCH")) {
		fprintf(stderr, "skip: events bench (set VSSD_BENCH=1)\n");
		return;
	}
	w = evtx_writer_new();
	ck_assert_int_eq(evtx_writer_add_bulk(w, 60000, 7, 0, NULL), 0);
	ck_assert_int_eq(evtx_writer_serialize(w, &buf, &len), 0);
	dir = tu_tmpdir("events-bench");
	ck_assert_int_ge(asprintf(&path, "%s/bulk.evtx", dir), 0);
	ck_assert_int_eq(evtx_writer_write_file(w, path), 0);
	evtx_writer_free(w);
	err_init(&err);
	c0 = cpu_s();
	t0 = now_s();
	ck_assert_msg(events_log_load(buf, len, &f, &log, &err) == 0, "%s", err.msg);
	t1 = now_s();
	c1 = cpu_s();
	events_log_stats(log, &st);
	ck_assert_int_eq(st.skim_mismatch, 0);
	out = collect(log, SCM_SPEC, NULL, &rc);
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512], \"capi2\": \"legacy_driver_access_denied\"}", NULL, &rc);
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193], \"text_contains\": \"0x80070018\"}", NULL, &rc);
	json_decref(out);
	t2 = now_s();
	{
		char exe[] = "/usr/bin/evtxexport";
		char *argv[] = { exe, path, NULL };
		struct thread_load tl[2];
		pthread_t th;
		double t3 = now_s(), t4, t5, t6, ccpu;
		struct rusage ru0, ru1;

		getrusage(RUSAGE_CHILDREN, &ru0);
		ck_assert_int_eq(tu_run(argv, 300, &r), 0);
		t4 = now_s();
		getrusage(RUSAGE_CHILDREN, &ru1);
		ccpu = (double)(ru1.ru_utime.tv_sec - ru0.ru_utime.tv_sec + ru1.ru_stime.tv_sec - ru0.ru_stime.tv_sec) +
		       (double)(ru1.ru_utime.tv_usec - ru0.ru_utime.tv_usec + ru1.ru_stime.tv_usec - ru0.ru_stime.tv_usec) / 1e6;
		memset(tl, 0, sizeof(tl));
		tl[0].buf = tl[1].buf = buf;
		tl[0].len = tl[1].len = len;
		tl[0].f = &same_filters[2];     /* Application's */
		tl[1].f = &same_filters[3];     /* System's, every service */
		t5 = now_s();
		ck_assert_int_eq(pthread_create(&th, NULL, thread_load_fn, &tl[1]), 0);
		thread_load_fn(&tl[0]);
		ck_assert_int_eq(pthread_join(th, NULL), 0);
		t6 = now_s();
		ck_assert_int_eq(tl[0].rc, 0);
		ck_assert_int_eq(tl[1].rc, 0);
		fprintf(stderr, "events bench: %zu bytes, %zu records (%zu read by libevtx): load %.3f s (%.1f MB/s), match %.3f s; evtxexport %.3f s (%.1f MB/s, exit %d); as the scan, 2 logs on 2 threads: %.3f s (%.1f MB/s)\n",
			len, st.records, st.records - st.skimmed, t1 - t0, (double)len / 1e6 / (t1 - t0), t2 - t1,
			t4 - t3, (double)len / 1e6 / (t4 - t3), r.status,
			t6 - t5, 2.0 * (double)len / 1e6 / (t6 - t5));
		fprintf(stderr, "events bench cpu: load %.3f s of CPU (%.1f MB per CPU second); evtxexport %.3f s of CPU (%.1f MB per CPU second)\n",
			c1 - c0, (double)len / 1e6 / (c1 - c0 > 1e-9 ? c1 - c0 : 1e-9),
			ccpu, ccpu > 1e-9 ? (double)len / 1e6 / ccpu : 0.0);
		tu_run_free(&r);
		events_log_free(tl[0].log);
		events_log_free(tl[1].log);
	}
	events_log_free(log);
	free(buf);
	free(path);
	free(dir);
}
END_TEST

Suite *events_suite(void);
Suite *events_suite(void)
{
	Suite *s = suite_create("events");
	TCase *tc;

	tc = tcase_create("index");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_index_fields);
	tcase_add_test(tc, test_index_chunks_dirty_keep);
	tcase_add_test(tc, test_index_recovered);
	tcase_add_test(tc, test_iso8601);
	tcase_add_test(tc, test_map_display_name);
	tcase_add_test(tc, test_skim_same_evidence);
	tcase_add_test(tc, test_skim_builds_7036);
	tcase_add_test(tc, test_concurrent_loads);
	suite_add_tcase(s, tc);

	tc = tcase_create("match");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_capi2_grouping);
	tcase_add_test(tc, test_text_contains);
	tcase_add_test(tc, test_group_limit);
	tcase_add_test(tc, test_empty_records);
	tcase_add_test(tc, test_bad_specs);
	suite_add_tcase(s, tc);

	tc = tcase_create("scm");
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_scm_stopped_at_shutdown);
	tcase_add_test(tc, test_scm_failures);
	tcase_add_test(tc, test_scm_display_name_fallback);
	suite_add_tcase(s, tc);

	tc = tcase_create("e2e");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_e2e_classify);
	tcase_add_test(tc, test_e2e_scm);
	tcase_add_test(tc, test_e2e_logs_absent);
	suite_add_tcase(s, tc);

	tc = tcase_create("hostile");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mutations);
	suite_add_tcase(s, tc);

	tc = tcase_create("bench");
	tcase_set_timeout(tc, 600);
	tcase_add_test(tc, test_bench);
	suite_add_tcase(s, tc);
	return s;
}
