/* libFuzzer target for SYSTEM\MountedDevices values (parsers/mountdev.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers \
 *         parsers/[a-z]*.c tests/fuzz/fuzz_mountdev.c -o fuzz_mountdev
 *   ./fuzz_mountdev -max_len=512 -max_total_time=60 CORPUS/
 *
 * Input: the value name, a NUL, then the value's bytes.  Invariants: a
 * drive letter is A-Z; MBR only from 12 bytes, GPT only from 24 bytes
 * starting "DMIO:ID:"; the description is NUL-terminated in its buffer. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mountdev.h"
#include "fuzztext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name, desc[96];
	const uint8_t *val;
	struct mountdev m;
	size_t n, vlen;
	int rc;

	name = fuzz_text(data, size);
	if (!name)
		return 0;
	n = strlen(name);
	val = n < size ? data + n + 1 : NULL;
	vlen = n < size ? size - n - 1 : 0;
	rc = mountdev_parse(name, val, vlen, &m);
	if (rc == 1) {
		if (m.letter < 'A' || m.letter > 'Z')
			abort();
		if (m.kind == MOUNTDEV_MBR && vlen != MOUNTDEV_MBR_LEN)
			abort();
		if (m.kind == MOUNTDEV_GPT &&
		    (vlen != MOUNTDEV_GPT_LEN || memcmp(val, MOUNTDEV_GPT_MAGIC, 8) != 0))
			abort();
		mountdev_describe(&m, desc, sizeof(desc));
		if (!memchr(desc, '\0', sizeof(desc)))
			abort();
		mountdev_describe(&m, desc, 1);
	} else if (rc != 0 || mountdev_letter(name) != 0) {
		abort();
	}
	free(name);
	return 0;
}
