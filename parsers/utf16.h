/* UTF-16LE (what Windows stores: registry strings, GPT names, event
 * strings, SDDL conditions) to UTF-8 and back: the one copy.  Pure code
 * over bytes.
 *
 * Callers differ in what a malformed string means to them, so the
 * decoder takes flags rather than each keeping its own loop:
 *   default           surrogate pairs combined, a lone surrogate becomes
 *                     U+FFFD, a NUL unit is written as a NUL byte;
 *   UTF16_NUL_ENDS    a NUL unit ends the string (consumed);
 *   UTF16_UNITS       each unit on its own, pairs not combined (a
 *                     surrogate is written as its 3-byte form);
 *   UTF16_ASCII       printable ASCII (0x20..0x7e) only, '?' for the rest;
 *   UTF16_STRICT      fail instead: a surrogate that is not half of a
 *                     pair (any surrogate with UTF16_UNITS), a NUL unit
 *                     (without UTF16_NUL_ENDS), a non-printable unit
 *                     (UTF16_ASCII), or too little room in out.
 * Without UTF16_STRICT a full out cuts the string before the first
 * character that would leave fewer than 5 free bytes (2 with
 * UTF16_ASCII).  An odd last byte is ignored. */
#ifndef VSSD_UTF16_H
#define VSSD_UTF16_H

#include <stddef.h>
#include <stdint.h>

enum utf16_flags {
	UTF16_NUL_ENDS = 1 << 0,
	UTF16_UNITS = 1 << 1,
	UTF16_ASCII = 1 << 2,
	UTF16_STRICT = 1 << 3,
};

/* One code point from p[0..n) (n >= 2): a surrogate pair when a high
 * surrogate is followed by a low one within n, else the unit as it is
 * (a lone surrogate included).  Returns the bytes read (2 or 4), 0 when
 * n < 2. */
size_t utf16le_next(const uint8_t *p, size_t n, uint32_t *cp);

/* cp (at most U+10FFFF) as UTF-16LE into out (room for 4): 2 or 4 bytes. */
size_t utf16le_put(uint8_t *out, uint32_t cp);

/* cp as UTF-8 into out (room for 4): 1..4 bytes. */
size_t utf8_put(char *out, uint32_t cp);

/* One UTF-8 character at s[0..n): its length, or 0 when malformed
 * (truncated, overlong, a surrogate, past U+10FFFF). */
size_t utf8_next(const unsigned char *s, size_t n, uint32_t *cp);

/* UTF-8 string s (len bytes) as UTF-16LE into out (cap bytes; out NULL:
 * only counted), no terminator written.  Returns the bytes it takes, or
 * -1 when s is not UTF-8 or does not fit in cap. */
long utf8_to_utf16le(const char *s, size_t len, uint8_t *out, size_t cap);

/* len bytes of UTF-16LE at p as UTF-8 into out (cap bytes, NUL-terminated
 * when cap > 0), following flags (above).  Returns the UTF-8 length
 * without the NUL, or -1 with UTF16_STRICT on a malformed string (out
 * then undefined, *used untouched).  *used (may be NULL) gets the bytes
 * read, the ending NUL unit included. */
long utf16le_decode(const uint8_t *p, size_t len, unsigned flags, char *out,
		    size_t cap, size_t *used);

/* The same into a malloc'd string (caller frees), with UTF16_NUL_ENDS and
 * nothing cut: NULL only when out of memory. */
char *utf16le_to_utf8(const uint8_t *p, size_t len, size_t *used);

#endif
