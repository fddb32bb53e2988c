/* libFuzzer target for parsers/gpt.c.  The input is one 512-byte header
 * block followed by the entry array.  Flag bits in the header's reserved
 * field (0x14, ignored by the parser) let the fuzzer get past the CRCs:
 * bit 0 recomputes the header CRC, bit 1 the entry array CRC first, bit 2
 * takes the LBA to check from MyLBA.
 * Build: clang -fsanitize=fuzzer,address,undefined -Iparsers with every
 * parsers C file and this one (see issue 3). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"
#include "gpt.h"
#include "limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const uint8_t *buf, size_t size)
{
	struct gpt_header h;
	struct gpt_entry e;
	struct err err;
	char guid[GPT_GUID_STR];
	uint8_t back[16];
	size_t hlen = size < 512 ? size : 512;
	uint64_t lba = 1;
	uint32_t i;
	int rc;

	if (size >= 0x20 && (buf[0x14] & 4))
		lba = le64(buf + 0x18);
	err_init(&err);
	rc = gpt_header_parse(buf, hlen, lba, &h, &err);
	if (rc < 0 && (err.msg[0] == '\0' || err.code != rc))
		abort();
	if (rc != 1)
		return;
	if (gpt_entries_bytes(&h) > LIMIT_GPT_TABLE_BYTES || h.my_lba != lba)
		abort();
	(void)gpt_entries_check(buf + hlen, size - hlen, &h, &err);
	for (i = 0; i < h.entry_count; i++) {
		rc = gpt_entry_parse(buf + hlen, size - hlen, &h, i, &e, &err);
		if (rc < 0)
			break;
		if (rc == 1) {
			if (e.first_lba > e.last_lba || strlen(e.name) >= sizeof(e.name))
				abort();
			(void)gpt_type_name(e.type_guid);
			gpt_guid_format(e.unique_guid, guid);
			if (gpt_guid_parse(guid, back, NULL) != 0 ||
			    memcmp(back, e.unique_guid, 16) != 0)
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *buf;

	if (size < 0x5c) {
		check(data, size);
		return 0;
	}
	buf = malloc(size);
	if (!buf)
		return 0;
	memcpy(buf, data, size);
	if (buf[0x14] & 2) {
		uint64_t n = (uint64_t)le32(buf + 0x50) * le32(buf + 0x54);

		if (size > 512 && n <= size - 512)
			put_le32(buf + 0x58, gpt_crc32(buf + 512, (size_t)n));
	}
	if (buf[0x14] & 1) {
		uint32_t hs = le32(buf + 0x0c);

		if (hs >= 92 && hs <= 512 && hs <= size) {
			put_le32(buf + 0x10, 0);
			put_le32(buf + 0x10, gpt_crc32(buf, hs));
		}
	}
	check(buf, size);
	free(buf);
	return 0;
}
