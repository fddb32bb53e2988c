/* libFuzzer target for the hive editor's writes (parsers/hiveedit.c):
 * adding a value, setting a key's security cell, replacing a value's
 * data, on hostile hives.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers \
 *         parsers/[a-z]*.c tests/fuzz/fuzz_hiveedit.c -o fuzz_hiveedit
 *   ./fuzz_hiveedit -max_len=65536 -max_total_time=60 CORPUS/
 *
 * Input: a hive file.  Its base block is made clean (sequence numbers
 * equal, bins size fitted to the input, checksum) so that inputs reach
 * the cell code.  Promises checked: a write that succeeds reads back;
 * one refused for want of room (-E_LIMIT) leaves the buffer as it was. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hiveedit.h"
#include "hivelog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* a self-relative descriptor: owner SY, DACL giving NS KEY_ALL_ACCESS */
static const uint8_t sd[] = {
	1, 0, 0x04, 0x80, 0x14, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0,
	1, 1, 0, 0, 0, 0, 0, 5, 0x12, 0, 0, 0,                   /* S-1-5-18 */
	2, 0, 0x1c, 0, 1, 0, 0, 0,                               /* ACL, one ACE */
	0, 0, 0x14, 0, 0x3f, 0, 0x0f, 0,                         /* allow 0xf003f */
	1, 1, 0, 0, 0, 0, 0, 5, 0x14, 0, 0, 0,                   /* S-1-5-20 */
};

static void check_unchanged(int rc, const uint8_t *before, const uint8_t *buf, size_t len)
{
	if (rc == -E_LIMIT && memcmp(before, buf, len) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t text[] = { 'a', 0, 'b', 0, 'c', 0, 'd', 0, 'e', 0, 0, 0 };
	size_t len = size < 8192 ? 8192 : size;
	uint8_t *buf, *before;
	struct hive_edit h;
	struct err err;
	uint32_t nk, vk, type, olen;
	const uint8_t *got;
	int rc;

	len -= len % 4096;
	buf = calloc(1, len);
	before = malloc(len);
	if (!buf || !before)
		goto out;
	memcpy(buf, data, size < len ? size : len);
	memcpy(buf, "regf", 4);
	put_le32(buf + 8, le32(buf + 4));
	put_le32(buf + 0x28, (uint32_t)(len - 4096));
	put_le32(buf + 0x1fc, hivelog_checksum(buf));
	err_init(&err);
	if (hive_edit_open(&h, buf, len, &err) < 0)
		goto out;
	if (hive_edit_find_key(&h, "", &nk, &err) != 1)
		goto out;
	memcpy(before, buf, len);
	rc = hive_edit_add_value(&h, nk, "Fz", 1, text, sizeof(text), &vk, &err);
	check_unchanged(rc, before, buf, len);
	if (rc == 0) {
		if (hive_edit_value(&h, vk, &type, &got, &olen, &err) < 0 || type != 1 ||
		    olen != sizeof(text) || memcmp(got, text, olen) != 0)
			abort();
		memcpy(before, buf, len);
		rc = hive_edit_set_value(&h, vk, sd, sizeof(sd), &err);
		check_unchanged(rc, before, buf, len);
	}
	memcpy(before, buf, len);
	rc = hive_edit_set_key_sd(&h, nk, sd, sizeof(sd), &err);
	check_unchanged(rc, before, buf, len);
	if (rc == 0 && (hive_edit_key_sd(&h, nk, &got, &olen, &err) < 0 || olen != sizeof(sd) ||
			memcmp(got, sd, olen) != 0))
		abort();
	hive_edit_seal(&h, 1);
out:
	free(before);
	free(buf);
	return 0;
}
