/* Service SIDs (see svcsid.h); SHA-1 from nettle. */
#include "svcsid.h"

#include <nettle/sha1.h>
#include <string.h>

#include "bytes.h"
#include "utf16.h"

#define SVC_NAME_MAX 256  /* Windows: a service name has at most 256 chars */

static long upcase(long c)
{
	if (c >= 'a' && c <= 'z')
		return c - 32;
	/* Latin-1 lowercase letters (not U+00F7, not U+00FF) */
	if (c >= 0xe0 && c <= 0xfe && c != 0xf7)
		return c - 32;
	return c;
}

int svcsid_from_name(const char *service_name, struct sid *out, struct err *err)
{
	uint8_t utf16[SVC_NAME_MAX * 4], digest[SHA1_DIGEST_SIZE];
	const unsigned char *p = (const unsigned char *)service_name;
	struct sha1_ctx ctx;
	uint32_t subs[6], cp;
	size_t len = 0, chars = 0, left, k;
	int i;

	memset(out, 0, sizeof(*out));
	if (!service_name || !*service_name)
		return err_set(err, -E_CORRUPT, "empty service name");
	for (left = strlen(service_name); left > 0; p += k, left -= k) {
		k = utf8_next(p, left, &cp);
		if (k == 0)
			return err_set(err, -E_CORRUPT, "service name '%.100s' is not utf-8",
				       service_name);
		if (++chars > SVC_NAME_MAX)
			return err_set(err, -E_LIMIT, "service name longer than %d characters",
				       SVC_NAME_MAX);
		len += utf16le_put(utf16 + len, (uint32_t)upcase((long)cp));
	}
	sha1_init(&ctx);
	sha1_update(&ctx, len, utf16);
	sha1_digest(&ctx, sizeof(digest), digest);
	subs[0] = 80;  /* SECURITY_SERVICE_ID_BASE_RID */
	for (i = 0; i < 5; i++)
		subs[i + 1] = le32(digest + 4 * i);
	sid_make(out, 5, 6, subs);
	return 0;
}
