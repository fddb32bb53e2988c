/* libFuzzer target for BitLocker input (issue 20): the bytes are a
 * BitLocker volume opened in memory through bde_open (libbde parses the
 * FVE metadata; our side is the libbfio callbacks over image_read, the
 * size checks and the protector listing), with a recovery password set so
 * the key-unwrapping paths run; and, as text, the recovery password shape
 * check and the --fvek / option parsers, which are ours.
 * A good seed: the first 64 KiB of a samples/bitlocker volume with its
 * metadata offsets (0xb0, 0xb8, 0xc0) pointing inside them. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bde.h"
#include "err.h"
#include "image.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct image *img = NULL, *inner = NULL;
	struct bde_info bi;
	struct err err;
	char text[160];
	size_t n = size < sizeof(text) - 1 ? size : sizeof(text) - 1;
	uint8_t buf[512];
	int rc;

	memcpy(text, data, n);
	text[n] = 0;
	err_init(&err);
	rc = bde_recovery_password_check(text, &err);
	if (rc < 0 && (err.code != rc || !err.msg[0]))
		abort();
	/* a secret never appears in its error */
	if (rc < 0 && strlen(text) >= 6 && strstr(err.msg, text))
		abort();
	(void)bde_secret_option_parse("fvek", text, &err);
	bde_secrets_clear();

	err_init(&err);
	if (bde_secret_set(BDE_RECOVERY_PASSWORD,
			   "284867-596541-514998-422114-660297-261613-215424-199408",
			   0, &err) < 0)
		abort();
	if (image_from_memory(&img, data, size, &err) < 0)
		return 0;
	rc = bde_open(&inner, &bi, img, 0, size, &err);
	if (rc < 0 && (err.code != rc || !err.msg[0]))
		abort();
	if (bi.nprotectors > BDE_PROTECTORS_MAX)
		abort();
	if (rc == 0) {
		if (image_size(inner) >= 512)
			(void)image_read(inner, 0, buf, sizeof(buf), &err);
		image_free(inner);
	}
	image_free(img);
	bde_secrets_clear();
	return 0;
}
