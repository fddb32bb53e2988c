/* libFuzzer target for the CAPI2 513 Details parser (parsers/capi2.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers \
 *         parsers/[a-z]*.c tests/fuzz/fuzz_capi2.c -o fuzz_capi2
 *   ./fuzz_capi2 -max_len=8192 -max_total_time=60 CORPUS/
 *
 * Input: the EventData text (a NUL ends it early).  Invariants: every
 * field is NUL-terminated inside its array; a kind is only set when a
 * function was found. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "capi2.h"
#include "fuzztext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct capi2_details d;
	struct err err;
	char *text;
	int rc;

	text = fuzz_text(data, size);
	if (!text)
		return 0;
	err_init(&err);
	rc = capi2_parse(text, &d, &err);
	if (rc >= 0) {
		if (!memchr(d.function, 0, sizeof(d.function)) ||
		    !memchr(d.subject, 0, sizeof(d.subject)) ||
		    !memchr(d.system_error, 0, sizeof(d.system_error)) ||
		    !memchr(d.detail, 0, sizeof(d.detail)))
			abort();
		if (rc == 0 && (d.kind != CAPI2_UNKNOWN || d.function[0]))
			abort();
		if (rc == 1 && !d.function[0])
			abort();
		(void)capi2_kind_name(d.kind);
	}
	free(text);
	return 0;
}
