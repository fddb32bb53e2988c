/* Service SIDs (see svcsid.h); SHA-1 from nettle. */
#include "svcsid.h"

#include <nettle/sha1.h>
#include <string.h>

#include "bytes.h"

#define SVC_NAME_MAX 256  /* Windows: a service name has at most 256 chars */

/* Decode one UTF-8 code point at *p; -1 when invalid. */
static long utf8_next(const unsigned char **p)
{
	const unsigned char *s = *p;
	long c;
	int n, i;

	if (s[0] < 0x80) {
		*p = s + 1;
		return s[0];
	}
	if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f;
		n = 1;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f;
		n = 2;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07;
		n = 3;
	} else {
		return -1;
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return -1;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((n == 1 && c < 0x80) || (n == 2 && c < 0x800) || (n == 3 && c < 0x10000) ||
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return -1;
	*p = s + n + 1;
	return c;
}

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
	uint32_t subs[6];
	size_t len = 0, chars = 0;
	long c;
	int i;

	memset(out, 0, sizeof(*out));
	if (!service_name || !*service_name)
		return err_set(err, -E_CORRUPT, "empty service name");
	while (*p) {
		c = utf8_next(&p);
		if (c < 0)
			return err_set(err, -E_CORRUPT, "service name '%.100s' is not utf-8",
				       service_name);
		if (++chars > SVC_NAME_MAX)
			return err_set(err, -E_LIMIT, "service name longer than %d characters",
				       SVC_NAME_MAX);
		c = upcase(c);
		if (c >= 0x10000) {
			c -= 0x10000;
			put_le16(utf16 + len, (uint16_t)(0xd800 + (c >> 10)));
			put_le16(utf16 + len + 2, (uint16_t)(0xdc00 + (c & 0x3ff)));
			len += 4;
		} else {
			put_le16(utf16 + len, (uint16_t)c);
			len += 2;
		}
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
