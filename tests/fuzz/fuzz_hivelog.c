/* libFuzzer target for the transaction log replayer (parsers/hivelog.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers \
 *         parsers/[a-z]*.c tests/fuzz/fuzz_hivelog.c -o fuzz_hivelog
 *   ./fuzz_hivelog -max_len=65536 -max_total_time=60 CORPUS/
 *
 * Input: a 4-byte header, then the primary file and the two logs back to
 * back.  Header bytes 0-1 (little-endian) give the primary's length in
 * 16-byte units, bytes 2-3 LOG1's; LOG2 is the rest.  Lengths are cut to
 * what is there, so every input means something.  A short primary is
 * padded to a 4096-byte base block of zeros after its bytes, so inputs
 * reach the log code without carrying a whole base block. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hivelog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hivelog_result res;
	struct err err;
	size_t plen, l1len, l2len;
	uint8_t *primary;
	int rc;

	if (size < 4)
		return 0;
	plen = (size_t)(data[0] | data[1] << 8) * 16;
	l1len = (size_t)(data[2] | data[3] << 8) * 16;
	data += 4;
	size -= 4;
	if (plen > size)
		plen = size;
	if (l1len > size - plen)
		l1len = size - plen;
	l2len = size - plen - l1len;

	primary = calloc(1, plen < 4096 ? 4096 : plen);
	if (!primary)
		return 0;
	memcpy(primary, data, plen);
	err_init(&err);
	rc = hivelog_replay(primary, plen < 4096 ? 4096 : plen,
			    l1len ? data + plen : NULL, l1len,
			    l2len ? data + plen + l1len : NULL, l2len, &res, &err);
	if (rc == 1) {
		/* the promises of a replayed hive */
		if (!res.data || res.len < 4096 || hivelog_is_dirty(res.data, res.len, NULL) != 0 ||
		    res.len < 4096 + (size_t)res.hbins_size)
			abort();
	} else if (res.data) {
		abort();
	}
	hivelog_result_release(&res);
	free(primary);
	return 0;
}
