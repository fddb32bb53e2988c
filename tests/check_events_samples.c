/* The event-log collector on real Windows logs (../shared/samples/evtx,
 * skipped when absent): the Service Control Manager history of CryptSvc,
 * EventSystem, VSS and swprv in the Server 2022 and Windows 7 System logs,
 * checked against evtxexport's reading of the same file (7036 records
 * counted per service through their <Binary> key name, last state by
 * record number); and the VSS 8193 events of the Windows 11 Application
 * log reported as evidence. */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "events.h"
#include "testutil.h"

#define EVTXEXPORT "/usr/bin/evtxexport"

static const char *const services[] = { "CryptSvc", "EventSystem", "VSS", "swprv" };
#define NSVC (sizeof(services) / sizeof(services[0]))

#define SCM_SPEC "{\"log\": \"System\", \"provider\": \"Service Control Manager\", " \
	"\"ids\": [7000, 7001, 7009, 7011, 7022, 7023, 7024, 7026, 7031, 7034, 7036, 7040], " \
	"\"services\": [\"CryptSvc\", \"EventSystem\", \"VSS\", \"swprv\"]}"

static struct events_log *load_file(const char *path)
{
	size_t len;
	char *buf = tu_read_file(path, &len);
	struct events_log *log = NULL;
	struct err err;

	ck_assert_msg(buf != NULL, "cannot read %s", path);
	err_init(&err);
	ck_assert_msg(events_log_load((const uint8_t *)buf, len, NULL, &log, &err) == 0,
		      "%s: %s", path, err.msg);
	free(buf);
	return log;
}

static json_t *collect(const struct events_log *log, const char *spec_json, int *rc)
{
	json_t *spec = json_loads(spec_json, 0, NULL), *out = json_array();
	struct err err;

	ck_assert_ptr_nonnull(spec);
	err_init(&err);
	*rc = events_log_collect(log, "Sample.evtx", spec, NULL, out, &err);
	ck_assert_msg(*rc >= 0, "collect: %s", err.msg);
	json_decref(spec);
	return out;
}

/* ---- evtxexport's view ---------------------------------------------------- */

struct xrec {
	unsigned long long number;
	char source[128];
	unsigned id;
	char last_string[1024];      /* the <Binary> as hex, for SCM */
};

/* The value after "Label<tabs>: " when line starts with label. */
static const char *field(const char *line, const char *label)
{
	size_t n = strlen(label);
	const char *p;

	if (strncmp(line, label, n) != 0)
		return NULL;
	p = strstr(line + n, ": ");
	return p ? p + 2 : NULL;
}

/* UTF-16LE hex "4300720079...2F0034000000" -> "CryptSvc/4" (ASCII) */
static void decode_binary(const char *hex, char *out, size_t cap)
{
	size_t i, n = 0, len = strlen(hex);
	unsigned lo, hi;

	for (i = 0; i + 3 < len && n + 1 < cap; i += 4) {
		if (sscanf(hex + i, "%2x%2x", &lo, &hi) != 2 || hi != 0 || lo == 0)
			break;
		out[n++] = (char)lo;
	}
	out[n] = '\0';
}

struct svc_truth {
	size_t count;
	unsigned long long last_number;
	int last_state;
};

/* Run evtxexport on path; per service, the 7036 count and last state. */
static int export_truth(char *path, struct svc_truth truth[NSVC], size_t *n8193)
{
	char exe[] = EVTXEXPORT, *p, *save = NULL, *line;
	char *argv[] = { exe, path, NULL };
	struct tu_run r;
	struct xrec cur;
	int have = 0;
	struct stat st;

	if (stat(EVTXEXPORT, &st) < 0) {
		fprintf(stderr, "skip: %s is absent (libevtx-utils)\n", EVTXEXPORT);
		return -1;
	}
	ck_assert_int_eq(tu_run(argv, 120, &r), 0);
	ck_assert_msg(r.status == 0, "evtxexport exit %d: %s", r.status, r.err);
	memset(truth, 0, sizeof(struct svc_truth) * NSVC);
	*n8193 = 0;
	memset(&cur, 0, sizeof(cur));
	/* one record: "Event number : N", "Source name : X", "Event
	 * identifier : 0x00001b7c (7036)", "String: k : value"... */
	for (line = strtok_r(r.out, "\n", &save); ; line = strtok_r(NULL, "\n", &save)) {
		const char *v;

		if (!line || field(line, "Event number")) {
			if (have && strcmp(cur.source, "Service Control Manager") == 0 && cur.id == 7036) {
				char key[256], *slash;
				size_t k;

				decode_binary(cur.last_string, key, sizeof(key));
				slash = strchr(key, '/');
				for (k = 0; slash && k < NSVC; k++) {
					*slash = '\0';
					if (strcasecmp(key, services[k]) == 0) {
						truth[k].count++;
						if (cur.number >= truth[k].last_number) {
							truth[k].last_number = cur.number;
							truth[k].last_state = slash[1] - '0';
						}
					}
					*slash = '/';
				}
			}
			if (have && strcmp(cur.source, "VSS") == 0 && cur.id == 8193)
				(*n8193)++;
			if (!line)
				break;
			memset(&cur, 0, sizeof(cur));
			cur.number = strtoull(field(line, "Event number"), NULL, 10);
			have = 1;
			continue;
		}
		if ((v = field(line, "Source name")))
			snprintf(cur.source, sizeof(cur.source), "%s", v);
		else if ((v = field(line, "Event identifier")) && (p = strchr(v, '(')))
			cur.id = (unsigned)strtoul(p + 1, NULL, 10);
		else if ((v = field(line, "String: ")))
			snprintf(cur.last_string, sizeof(cur.last_string), "%s", v);
	}
	tu_run_free(&r);
	return 0;
}

static const char *state_name(int st)
{
	return st == 4 ? "running" : st == 1 ? "stopped" : st == 2 ? "start pending" :
	       st == 3 ? "stop pending" : "other";
}

/* The sample rel (malloc'd) with the truth exported from it, or NULL when
 * the sample is absent or the export fails (the test is skipped). */
static char *sample_truth(const char *rel, struct svc_truth *truth, size_t *n8193)
{
	char *path = tu_sample(rel);

	if (!path)
		return NULL;
	if (export_truth(path, truth, n8193) < 0) {
		free(path);
		return NULL;
	}
	return path;
}

static void check_system_log(const char *rel, size_t min_changes)
{
	char *path;
	struct svc_truth truth[NSVC];
	struct events_log *log;
	json_t *out, *e;
	size_t n8193, i, k, total = 0;
	int rc;

	path = sample_truth(rel, truth, &n8193);
	if (!path)
		return;
	log = load_file(path);
	out = collect(log, SCM_SPEC, &rc);
	for (k = 0; k < NSVC; k++) {
		json_t *found = NULL;

		json_array_foreach(out, i, e)
			if (strcmp(json_string_value(json_object_get(e, "kind")), "service_state") == 0 &&
			    strcmp(json_string_value(json_object_get(e, "service")), services[k]) == 0)
				found = e;
		ck_assert_msg(found != NULL, "%s: no state for %s", rel, services[k]);
		ck_assert_msg((size_t)json_integer_value(json_object_get(found, "count")) == truth[k].count,
			      "%s: %s: %lld 7036 records, evtxexport says %zu", rel, services[k],
			      json_integer_value(json_object_get(found, "count")), truth[k].count);
		total += truth[k].count;
		if (truth[k].count) {
			ck_assert_str_eq(json_string_value(json_object_get(found, "last_state")),
					 state_name(truth[k].last_state));
			ck_assert_int_eq(json_integer_value(json_object_get(found, "last_record")),
					 (json_int_t)truth[k].last_number);
		} else {
			ck_assert_str_eq(json_string_value(json_object_get(found, "last_state")), "unknown");
		}
		fprintf(stderr, "%s: %s: %zu state changes, last %s (record %llu)\n", rel,
			services[k], truth[k].count, truth[k].count ? state_name(truth[k].last_state) : "-",
			truth[k].last_number);
	}
	/* the log says something about these services */
	ck_assert_uint_ge(total, min_changes);
	json_decref(out);
	events_log_free(log);
	free(path);
}

/* The filtered load (libevtx reads only what the skim lets through) gives
 * the same evidence as reading every record, on every sample log. */
START_TEST(test_skim_same_evidence)
{
	static const char *const files[] = {
		"evtx/System_server2022.evtx", "evtx/System_win7.evtx", "evtx/System_win10_1703.evtx",
		"evtx/Application_server2022.evtx", "evtx/Application_win11.evtx",
	};
	static const char *const specs[] = {
		SCM_SPEC,
		"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512]}",
		"{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193, 8194, 8213, 8224, 12289, 12292, 12302, 13]}",
		"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-Backup\", \"ids\": [517, 521]}",
	};
	static const char *const keep[] = { "Microsoft-Windows-CAPI2", "Service Control Manager",
		"VSS", "Microsoft-Windows-Backup", "swprv", "volsnap" };
	static const char *const svcs[] = { "CryptSvc", "EventSystem", "VSS", "swprv" };
	struct events_filter f = { keep, 6, svcs, 4 };
	size_t i, k;

	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *path = tu_sample(files[i]), *buf;
		struct events_log *all = NULL, *some = NULL;
		struct events_log_stats st;
		struct err err;
		size_t len;

		if (!path)
			return;
		buf = tu_read_file(path, &len);
		ck_assert_ptr_nonnull(buf);
		err_init(&err);
		ck_assert_msg(events_log_load((const uint8_t *)buf, len, NULL, &all, &err) == 0, "%s", err.msg);
		ck_assert_msg(events_log_load((const uint8_t *)buf, len, &f, &some, &err) == 0, "%s", err.msg);
		events_log_stats(some, &st);
		fprintf(stderr, "%s: %zu records, %zu read by libevtx, %zu recovered%s\n", files[i],
			st.records, st.records - st.skimmed, st.recovered,
			st.skim_mismatch ? " (skim did not match: all read)" : "");
		for (k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
			int rc1, rc2;
			json_t *o1 = collect(all, specs[k], &rc1);
			json_t *o2 = collect(some, specs[k], &rc2);

			ck_assert_int_eq(rc1, rc2);
			ck_assert_msg(json_equal(o1, o2), "%s: spec %zu: the skim changed the evidence",
				      files[i], k);
			json_decref(o1);
			json_decref(o2);
		}
		events_log_free(all);
		events_log_free(some);
		free(buf);
		free(path);
	}
}
END_TEST

START_TEST(test_server2022_system)
{
	check_system_log("evtx/System_server2022.evtx", 5);
}
END_TEST

START_TEST(test_win7_system)
{
	/* MANIFEST: VSS 79, swprv 75, CryptSvc 8, EventSystem 5 */
	check_system_log("evtx/System_win7.evtx", 167);
}
END_TEST

START_TEST(test_win11_application_8193)
{
	char *path;
	struct svc_truth truth[NSVC];
	struct events_log *log;
	json_t *out, *g;
	size_t n8193, i, total = 0;
	int rc;

	path = sample_truth("evtx/Application_win11.evtx", truth, &n8193);
	if (!path)
		return;
	ck_assert_uint_gt(n8193, 0);
	log = load_file(path);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193], \"label\": \"VSS 8193\"}", &rc);
	ck_assert_int_eq(rc, (int)n8193);
	json_array_foreach(out, i, g) {
		ck_assert_str_eq(json_string_value(json_object_get(g, "kind")), "event");
		ck_assert_str_eq(json_string_value(json_object_get(g, "provider")), "VSS");
		ck_assert_int_eq(json_integer_value(json_object_get(g, "event_id")), 8193);
		ck_assert_int_eq(json_integer_value(json_object_get(g, "level")), 2);
		ck_assert_ptr_nonnull(json_string_value(json_object_get(g, "first")));
		ck_assert(strlen(json_string_value(json_object_get(g, "text"))) > 0);
		total += (size_t)json_integer_value(json_object_get(g, "count"));
		fprintf(stderr, "Application_win11: VSS 8193 x%lld: %s\n",
			json_integer_value(json_object_get(g, "count")),
			json_string_value(json_object_get(g, "text")));
	}
	ck_assert_uint_eq(total, n8193);
	/* this log's 8193s say "shutdown in progress", not cause 4 */
	json_decref(out);
	out = collect(log, "{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193], \"text_contains\": \"0x80070018\"}", &rc);
	ck_assert_int_eq(rc, 0);
	json_decref(out);
	events_log_free(log);
	free(path);
}
END_TEST

Suite *events_samples_suite(void);
Suite *events_samples_suite(void)
{
	Suite *s = suite_create("events_samples");
	TCase *tc = tcase_create("samples");

	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_server2022_system);
	tcase_add_test(tc, test_win7_system);
	tcase_add_test(tc, test_win11_application_8193);
	tcase_add_test(tc, test_skim_same_evidence);
	suite_add_tcase(s, tc);
	return s;
}
