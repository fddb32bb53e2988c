/* UTF-16LE <-> UTF-8 (see utf16.h). */
#include "utf16.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"

static int is_surrogate(uint32_t c)
{
	return c >= 0xd800 && c <= 0xdfff;
}

size_t utf16le_next(const uint8_t *p, size_t n, uint32_t *cp)
{
	uint32_t c, lo;

	if (n < 2)
		return 0;
	c = le16(p);
	if (c >= 0xd800 && c <= 0xdbff && n >= 4) {
		lo = le16(p + 2);
		if (lo >= 0xdc00 && lo <= 0xdfff) {
			*cp = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			return 4;
		}
	}
	*cp = c;
	return 2;
}

size_t utf16le_put(uint8_t *out, uint32_t cp)
{
	if (cp >= 0x10000) {
		cp -= 0x10000;
		put_le16(out, (uint16_t)(0xd800 + (cp >> 10)));
		put_le16(out + 2, (uint16_t)(0xdc00 + (cp & 0x3ff)));
		return 4;
	}
	put_le16(out, (uint16_t)cp);
	return 2;
}

size_t utf8_put(char *out, uint32_t cp)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xc0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xe0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		out[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	out[0] = (char)(0xf0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	out[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp)
{
	uint32_t c;
	size_t k, i;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if ((s[0] & 0xe0) == 0xc0) {
		c = s[0] & 0x1f;
		k = 2;
	} else if ((s[0] & 0xf0) == 0xe0) {
		c = s[0] & 0x0f;
		k = 3;
	} else if ((s[0] & 0xf8) == 0xf0) {
		c = s[0] & 0x07;
		k = 4;
	} else {
		return 0;
	}
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if ((k == 2 && c < 0x80) || (k == 3 && c < 0x800) || (k == 4 && c < 0x10000) ||
	    c > 0x10ffff || is_surrogate(c))
		return 0;
	*cp = c;
	return k;
}

long utf16le_decode(const uint8_t *p, size_t len, unsigned flags, char *out,
		    size_t cap, size_t *used)
{
	int strict = (flags & UTF16_STRICT) != 0, ascii = (flags & UTF16_ASCII) != 0;
	size_t margin = ascii ? 2 : 5, i = 0, o = 0, k;
	uint32_t c;

	while (i + 1 < len) {
		if (flags & UTF16_UNITS) {
			c = le16(p + i);
			k = 2;
		} else {
			k = utf16le_next(p + i, len - i, &c);
		}
		if (c == 0 && (flags & UTF16_NUL_ENDS)) {
			i += 2;
			break;
		}
		if (strict && (c == 0 || is_surrogate(c) ||
			       (ascii && (c < 0x20 || c > 0x7e))))
			return -1;
		if (is_surrogate(c) && !(flags & UTF16_UNITS))
			c = 0xfffd;
		if (o + margin > cap) {
			if (strict)
				return -1;
			break;
		}
		if (ascii)
			out[o++] = c >= 0x20 && c < 0x7f ? (char)c : '?';
		else
			o += utf8_put(out + o, c);
		i += k;
	}
	if (cap)
		out[o] = '\0';
	if (used)
		*used = i;
	return (long)o;
}

char *utf16le_to_utf8(const uint8_t *p, size_t len, size_t *used)
{
	/* 3 bytes a unit at most (a pair: 4 for 2), and the cut's margin */
	size_t cap = len / 2 * 3 + 5;
	char *out = malloc(cap);

	if (out)
		utf16le_decode(p, len, UTF16_NUL_ENDS, out, cap, used);
	return out;
}

long utf8_to_utf16le(const char *s, size_t len, uint8_t *out, size_t cap)
{
	size_t at = 0, n = 0;

	while (at < len) {
		uint32_t cp;
		size_t l = utf8_next((const unsigned char *)s + at, len - at, &cp);
		uint8_t u[4];
		size_t k;

		if (!l)
			return -1;
		k = utf16le_put(u, cp);
		if (out) {
			if (k > cap - n)
				return -1;
			memcpy(out + n, u, k);
		}
		n += k;
		at += l;
	}
	return (long)n;
}
