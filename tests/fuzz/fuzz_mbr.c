/* libFuzzer target for parsers/mbr.c: any bytes as an MBR/EBR sector.
 * Build: clang -fsanitize=fuzzer,address,undefined -Iparsers with every
 * parsers C file and this one (see issue 3). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "mbr.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mbr m;
	struct err err;
	char type[48];
	unsigned i;
	int rc;

	err_init(&err);
	rc = mbr_parse(data, size, &m, &err);
	if (rc < 0 && (err.msg[0] == '\0' || err.code != rc))
		abort();
	if (rc == 1) {
		for (i = 0; i < MBR_ENTRIES; i++) {
			/* what the parser promises for a table it accepts */
			if (m.e[i].type != 0 && (m.e[i].lba_count == 0 ||
			    (m.e[i].status != 0 && m.e[i].status != 0x80) ||
			    (uint64_t)m.e[i].lba_start + m.e[i].lba_count > 0x100000000ull))
				abort();
			mbr_type_describe(m.e[i].type, type, sizeof(type));
			if (strlen(type) >= sizeof(type))
				abort();
			(void)mbr_type_is_extended(m.e[i].type);
		}
	}
	return 0;
}
