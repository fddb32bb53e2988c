/* libFuzzer target for the SDDL decoder (parsers/sddl.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers \
 *         parsers/[a-z]*.c tests/fuzz/fuzz_sddl.c -o fuzz_sddl
 *   ./fuzz_sddl -max_len=4096 -max_total_time=60 CORPUS/
 *
 * Input: SDDL text (a NUL ends it early).  Invariants (abort = crash):
 * - a failed decode says where (an "at offset N" message, N <= length);
 * - decode -> encode -> decode gives an equal descriptor, and the second
 *   encode the same text (STYLE.md: SDDL must round-trip);
 * - the descriptor survives the binary form too (encode -> parse). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sddl.h"
#include "secdesc.h"
#include "fuzztext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secdesc sd, sd2, sd3;
	char *text, *out = NULL, *out2 = NULL;
	size_t off = 0, len = 0;
	uint8_t *bin = NULL;
	struct err err;
	int rc;

	text = fuzz_text(data, size);
	if (!text)
		return 0;
	err_init(&err);
	if (sddl_decode(text, &sd, &off, &err) < 0) {
		if (!strstr(err.msg, "at offset ") || off > strlen(text))
			abort();
		secdesc_release(&sd);
		free(text);
		return 0;
	}
	if (sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &out, &err) < 0)
		abort();
	if (sddl_decode(out, &sd2, &off, &err) < 0)
		abort();
	if (!secdesc_equal(&sd, &sd2))
		abort();
	if (sddl_encode(&sd2, SDDL_RIGHTS_SERVICE, &out2, &err) < 0 || strcmp(out, out2))
		abort();
	rc = secdesc_encode(&sd, &bin, &len, &err);
	if (rc == 0) {
		if (secdesc_parse(bin, len, &sd3, &err) < 0 || !secdesc_equal(&sd, &sd3))
			abort();
		secdesc_release(&sd3);
	} else if (rc != -E_LIMIT) {
		abort();
	}
	free(bin);
	free(out);
	free(out2);
	secdesc_release(&sd2);
	secdesc_release(&sd);
	free(text);
	return 0;
}
