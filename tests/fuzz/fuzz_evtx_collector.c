/* libFuzzer target for the event-log collector (src/evidence/events.c):
 * the input is an EVTX file; it is indexed from memory (libevtx over a
 * libbfio memory range, behind the template-count guard) and matched
 * against the specs the rules use: CAPI2 513 kinds with display-name
 * mapping, a text_contains spec and the Service Control Manager analysis.
 *
 *   make fuzz-build FUZZ_O=/tmp/fz     (or by hand:)
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers -Isrc \
 *         -Isrc/evidence -Isrc/fs -Isrc/image -Isrc/volume -Isrc/rules \
 *         tests/fuzz/fuzz_evtx_collector.c src/evidence/events.c \
 *         parsers/capi2.c parsers/err.c -lbfio -levtx -ljansson
 *   ./fuzz_evtx_collector -max_len=1048576 -rss_limit_mb=2048 CORPUS/ SEEDS/
 * Seeds: logs from testdata/mkevtx (e.g. "bulk 40 seed=1", a few events of
 * each kind, "dirty 1").
 *
 * Invariants: the load either fails with a message or gives records in
 * record-number order whose strings stay inside the index; matching never
 * fails on a loaded log. */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const specs[] = {
	"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512], \"capi2\": \"legacy_driver_access_denied\", \"label\": \"l\"}",
	"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-CAPI2\", \"ids\": [513, 512], \"capi2\": \"core_csi_access_denied\"}",
	"{\"log\": \"Application\", \"provider\": \"VSS\", \"ids\": [8193, 8194, 8213, 12289, 12292, 12302], \"text_contains\": \"0x80070018\"}",
	"{\"log\": \"Application\", \"provider\": \"Microsoft-Windows-Backup\", \"ids\": [517, 521]}",
	"{\"log\": \"System\", \"provider\": \"Service Control Manager\", \"ids\": [7000, 7001, 7009, 7011, 7022, 7023, 7024, 7026, 7031, 7034, 7036, 7040], \"services\": [\"CryptSvc\", \"EventSystem\", \"VSS\", \"swprv\"]}",
};

static const struct events_names *names(void *ctx, const char **why)
{
	static char k1[] = "MsLldp", d1[] = "Microsoft Link-Layer Discovery Protocol";
	static char k2[] = "CryptSvc", d2[] = "Cryptographic Services";
	static char k3[] = "EventSystem", d3[] = "COM+ Event System";
	static struct events_svcname v[] = { { k1, d1 }, { k2, d2 }, { k3, d3 } };
	static struct events_names n = { v, 3, 0, "ControlSet001" };

	(void)ctx;
	*why = NULL;
	return &n;
}

/* Load data (with or without the filter that lets the skim choose the
 * records libevtx reads) and match every spec. */
static void run(const uint8_t *data, size_t size, const struct events_filter *f)
{
	struct events_env env = { names, NULL };
	struct events_log *log = NULL;
	struct events_log_stats st;
	struct err err;
	size_t i, k;

	err_init(&err);
	if (events_log_load(data, size, f, &log, &err) < 0) {
		if (log || !err.msg[0])
			abort();
		return;
	}
	events_log_stats(log, &st);
	if (st.recovered > events_log_count(log) || st.skimmed > st.records)
		abort();
	for (i = 0; i < events_log_count(log); i++) {
		const struct events_record *r = events_log_record(log, i);

		if (i && r->number < events_log_record(log, i - 1)->number)
			abort();
		(void)strlen(events_log_provider(log, r));
		for (k = 0; k < r->nstrings; k++)
			(void)strlen(events_log_string(log, r, (unsigned)k));
		if (events_log_binary(log, r) && r->binary_len)
			(void)events_log_binary(log, r)[r->binary_len - 1];
	}
	for (k = 0; k < sizeof(specs) / sizeof(specs[0]); k++) {
		json_t *spec = json_loads(specs[k], 0, NULL), *out = json_array();
		int rc;

		if (!spec || !out)
			abort();
		rc = events_log_collect(log, "Fuzz.evtx", spec, &env, out, &err);
		if (rc < 0 && rc != -E_NOMEM)
			abort();
		json_decref(spec);
		json_decref(out);
	}
	events_log_free(log);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keep[] = { "Microsoft-Windows-CAPI2", "Service Control Manager",
		"VSS", "Microsoft-Windows-Backup", "swprv" };
	static const char *const svcs[] = { "CryptSvc", "EventSystem", "VSS", "swprv" };
	static const struct events_filter f = { keep, 5, svcs, 4 };

	run(data, size, NULL);
	run(data, size, &f);
	return 0;
}
