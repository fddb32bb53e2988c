/* Rule files: strict JSON loading must reject or accept, never crash. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rule r;
	struct err err;

	err_init(&err);
	if (rule_parse("fuzz.json", (const char *)data, size, &r, &err) == 0)
		rule_release(&r);
	return 0;
}
