/* libFuzzer target for our own EVTX reader (src/evidence/evtx_skim.c,
 * issue 22): the input is an EVTX file, indexed twice, as the scan does
 * (the skim reads the records and most of their text itself and shows
 * libevtx only the chunks it cannot spare) and with VSSD_EVTX_FULL (the
 * whole file to libevtx, which reads every record the skim does not
 * build from numbers alone).
 *
 *   make fuzz-build   then   sh scripts/fuzz.sh build-fuzz -max_total_time=60 fuzz_evtx_skim
 * Seeds: the fuzz_evtx_collector seeds (testdata/mkseeds).
 *
 * Invariants: both loads succeed or both fail; when they succeed every
 * record of libevtx's index is in the skim's, the same (numbers, time,
 * provider, id, qualifiers, level, flags, strings, binary data), and so
 * are the record counts.  The skim's index may hold more only where
 * libevtx could not read a record (a damaged one whose fields the skim
 * reads soundly: its binary XML broken outside them): then libevtx's
 * unreadable count is not 0. */
#define _GNU_SOURCE
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const keep[] = { "Microsoft-Windows-CAPI2", "Service Control Manager",
	"VSS", "Microsoft-Windows-Backup", "swprv" };
static const char *const svcs[] = { "CryptSvc", "EventSystem", "VSS", "swprv" };
static const uint16_t capi2[] = { 513, 512 };
static const uint16_t scm[] = { 7000, 7001, 7009, 7011, 7022, 7023, 7024, 7026, 7031, 7034, 7036, 7040 };
static const uint16_t vss[] = { 8193, 8194, 8213, 12289, 12292, 12302 };
static const uint16_t backup[] = { 517, 521 };
static const uint16_t *const ids[] = { capi2, scm, vss, backup, NULL };
static const size_t nids[] = { 2, 12, 6, 2, 0 };

static int same(const struct events_log *a, const struct events_log *b)
{
	struct events_log_stats sa, sb;
	size_t i, j = 0;
	unsigned k;

	events_log_stats(a, &sa);
	events_log_stats(b, &sb);
	if (events_log_count(a) != events_log_count(b) &&
	    (sb.unreadable == 0 || events_log_count(a) < events_log_count(b)))
		return 0;
	for (i = 0; i < events_log_count(b); i++, j++) {
		const struct events_record *y = events_log_record(b, i), *x;
		const uint8_t *bx, *by = events_log_binary(b, y);

		/* a record only the skim could read */
		while (j < events_log_count(a) && sb.unreadable &&
		       events_log_record(a, j)->number != y->number)
			j++;
		if (j >= events_log_count(a))
			return 0;
		x = events_log_record(a, j);
		bx = events_log_binary(a, x);
		if (x->number != y->number || x->filetime != y->filetime ||
		    x->event_id != y->event_id || x->qualifiers != y->qualifiers ||
		    x->level != y->level || x->nstrings != y->nstrings ||
		    (x->flags & (EVENTS_REC_TEXT | EVENTS_REC_RECOVERED)) !=
		    (y->flags & (EVENTS_REC_TEXT | EVENTS_REC_RECOVERED)) ||
		    strcmp(events_log_provider(a, x), events_log_provider(b, y)) != 0)
			return 0;
		for (k = 0; k < x->nstrings; k++)
			if (strcmp(events_log_string(a, x, k), events_log_string(b, y, k)) != 0)
				return 0;
		if ((bx == NULL) != (by == NULL) ||
		    (bx && (x->binary_len != y->binary_len || memcmp(bx, by, x->binary_len) != 0)))
			return 0;
	}
	return sa.records == sb.records && sa.dirty == sb.dirty &&
	       (sa.unreadable == sb.unreadable || sb.unreadable);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct events_filter f = { keep, 5, svcs, 4 };
	static const struct events_ids fi = { ids, nids };
	struct events_log *fast = NULL, *full = NULL;
	struct err err;
	int a, b;

	err_init(&err);
	a = events_log_load_ids(data, size, &f, &fi, &fast, &err);
	setenv("VSSD_EVTX_FULL", "1", 1);
	b = events_log_load_ids(data, size, &f, &fi, &full, &err);
	unsetenv("VSSD_EVTX_FULL");
	if ((a < 0) != (b < 0))
		abort();
	if (a == 0 && !same(fast, full))
		abort();
	events_log_free(fast);
	events_log_free(full);
	return 0;
}
