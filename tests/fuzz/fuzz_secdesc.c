/* libFuzzer target for the self-relative descriptor parser
 * (parsers/secdesc.c) and the SDDL encoder over what it parses.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers \
 *         parsers/[a-z]*.c tests/fuzz/fuzz_secdesc.c -o fuzz_secdesc
 *   ./fuzz_secdesc -max_len=4096 -max_total_time=60 CORPUS/
 *
 * Input: the descriptor bytes.  Invariants (abort = crash report):
 * - what parses re-encodes, and the bytes parse back to an equal
 *   descriptor;
 * - what encodes as SDDL decodes, and that decodes to the same text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sddl.h"
#include "secdesc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct secdesc sd, sd2;
	uint8_t *copy, *enc = NULL;
	size_t len = 0;
	char *text = NULL, *text2 = NULL;
	struct err err;

	/* an exact-size copy so ASan sees any overread */
	copy = malloc(size ? size : 1);
	if (!copy)
		return 0;
	memcpy(copy, data, size);
	err_init(&err);
	(void)secdesc_is_stub(copy, size);
	if (secdesc_parse(copy, size, &sd, &err) < 0) {
		if (!err.msg[0])
			abort();
		secdesc_release(&sd);
		free(copy);
		return 0;
	}
	if (secdesc_encode(&sd, &enc, &len, &err) < 0)
		abort();
	if (secdesc_parse(enc, len, &sd2, &err) < 0 || !secdesc_equal(&sd, &sd2))
		abort();
	secdesc_release(&sd2);
	if (sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &text, &err) == 0) {
		if (sddl_decode(text, &sd2, NULL, &err) < 0)
			abort();
		if (sddl_encode(&sd2, SDDL_RIGHTS_FILE, &text2, &err) < 0 || strcmp(text, text2))
			abort();
		secdesc_release(&sd2);
	}
	free(text);
	free(text2);
	free(enc);
	secdesc_release(&sd);
	free(copy);
	return 0;
}
