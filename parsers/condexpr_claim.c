/* Resource attributes (MS-DTYP 2.4.10.1): checks, text and binary
 * (see condexpr.h). */
#include "condexpr_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"

/* ---- resource attributes: CLAIM_SECURITY_ATTRIBUTE_RELATIVE_V1 -------------
 *   0x00 Name (offset of a NUL-terminated UTF-16LE name)
 *   0x04 ValueType (LE16)   0x06 Reserved   0x08 Flags   0x0C ValueCount
 *   0x10 ValueCount offsets (LE32, from the start of the structure) to
 *        INT64 / UINT64 / BOOLEAN: 8 bytes; STRING: NUL-terminated
 *        UTF-16LE; SID, OCTET_STRING: LE32 length + bytes. */

enum claim_type {
	CLAIM_INT64 = 0x0001, CLAIM_UINT64 = 0x0002, CLAIM_STRING = 0x0003,
	CLAIM_SID = 0x0005, CLAIM_BOOLEAN = 0x0006, CLAIM_OCTET = 0x0010,
};

static const struct { uint16_t type; char letter; } claim_types[] = {
	{ CLAIM_INT64, 'I' }, { CLAIM_UINT64, 'U' }, { CLAIM_STRING, 'S' },
	{ CLAIM_SID, 'D' }, { CLAIM_BOOLEAN, 'B' }, { CLAIM_OCTET, 'X' },
};

static int rfail(struct err *err, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int rfail(struct err *err, size_t off, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(err, -E_CORRUPT, "resource attribute: %s at offset %zu", msg, off);
}

/* Bytes of the NUL-terminated UTF-16 string at off (without the NUL), or
 * -1 when it runs past len. */
static long wstr_len(const uint8_t *d, size_t len, size_t off)
{
	size_t i;

	for (i = off; i + 1 < len; i += 2)
		if (le16(d + i) == 0)
			return (long)(i - off);
	return -1;
}

static int claim_value_check(const uint8_t *d, size_t len, size_t base, uint16_t type,
			     size_t off, struct err *err)
{
	struct sid sid;
	size_t n, used;
	long sl;
	uint64_t v;

	if (off < 16 || off > len)
		return rfail(err, base + off, "value offset %zu outside %zu bytes", off, len);
	switch (type) {
	case CLAIM_INT64:
	case CLAIM_UINT64:
	case CLAIM_BOOLEAN:
		if (len - off < 8)
			return rfail(err, base + off, "64-bit value cut off");
		v = le64(d + off);
		if (type == CLAIM_BOOLEAN && v > 1)
			return rfail(err, base + off, "boolean value %llu not 0 or 1", (unsigned long long)v);
		return 0;
	case CLAIM_STRING:
		sl = wstr_len(d, len, off);
		if (sl < 0)
			return rfail(err, base + off, "string value without its NUL");
		return 0;
	default:   /* SID, octet string */
		if (len - off < 4)
			return rfail(err, base + off, "value length cut off");
		n = le32(d + off);
		if (n > len - off - 4)
			return rfail(err, base + off, "value of %zu bytes runs past the end", n);
		if (type == CLAIM_SID) {
			struct err e;

			err_init(&e);
			if (sid_parse(d + off + 4, n, &sid, &used, &e) < 0)
				return rfail(err, base + off, "SID value: %s", e.msg);
			if (used != n)
				return rfail(err, base + off, "SID value of %zu bytes holds a %zu-byte SID",
					     n, used);
		}
		return 0;
	}
}

int claim_validate(const uint8_t *d, size_t len, size_t base, struct err *err)
{
	size_t name, count, i;
	uint16_t type;
	long nl;
	int rc, known = 0;

	if (!d || len < 16)
		return rfail(err, base, "%zu bytes < 16", d ? len : 0);
	/* 0x00 0x04 0x0C */
	name = le32(d);
	type = le16(d + 4);
	count = le32(d + 12);
	for (i = 0; i < ARRAY_LEN(claim_types); i++)
		known |= claim_types[i].type == type;
	if (!known)
		return rfail(err, base + 4, "value type 0x%04x unknown", type);
	if (count > LIMIT_CLAIM_VALUES)
		return err_set(err, -E_LIMIT, "resource attribute: %zu values > LIMIT_CLAIM_VALUES (%u) at offset %zu",
			       count, LIMIT_CLAIM_VALUES, base + 12);
	if (16 + 4 * count > len)
		return rfail(err, base + 12, "%zu value offsets do not fit %zu bytes", count, len);
	if (name < 16 || name >= len)
		return rfail(err, base, "name offset %zu outside %zu bytes", name, len);
	nl = wstr_len(d, len, name);
	if (nl < 0)
		return rfail(err, base + name, "name without its NUL");
	if (nl == 0)
		return rfail(err, base + name, "empty name");
	for (i = 0; i < count; i++)
		if ((rc = claim_value_check(d, len, base, type, le32(d + 16 + 4 * i), err)) < 0)
			return rc;
	return 0;
}

int claim_to_sddl(const uint8_t *d, size_t len, char **out, struct err *err)
{
	struct sbuf b;
	size_t count, i, off, n;
	uint16_t type;
	char letter = '?';
	long nl;
	int rc;
	struct sid sid;

	*out = NULL;
	if ((rc = claim_validate(d, len, 0, err)) < 0)
		return rc;
	memset(&b, 0, sizeof(b));
	type = le16(d + 4);
	count = le32(d + 12);
	for (i = 0; i < ARRAY_LEN(claim_types); i++)
		if (claim_types[i].type == type)
			letter = claim_types[i].letter;
	nl = wstr_len(d, len, le32(d));
	cx_sb_add(&b, "(\"");
	cx_print_name(&b, d + le32(d), (size_t)nl, 0);
	cx_sb_printf(&b, "\",T%c,0x%x", letter, (unsigned)le32(d + 8));
	for (i = 0; i < count; i++) {
		off = le32(d + 16 + 4 * i);
		cx_sb_add(&b, ",");
		switch (type) {
		case CLAIM_INT64:
			cx_sb_printf(&b, "%lld", (long long)(int64_t)le64(d + off));
			break;
		case CLAIM_UINT64:
		case CLAIM_BOOLEAN:
			cx_sb_printf(&b, "%llu", (unsigned long long)le64(d + off));
			break;
		case CLAIM_STRING:
			nl = wstr_len(d, len, off);
			for (n = 0; n < (size_t)nl; n += 2)
				if (le16(d + off + n) == '"') {
					free(b.p);
					return err_set(err, -E_UNSUPPORTED,
						       "resource attribute: string value holding '\"' at offset %zu (SDDL cannot spell it)",
						       off);
				}
			cx_sb_add(&b, "\"");
			if (cx_sb_utf16(&b, d + off, (size_t)nl) < 0) {
				free(b.p);
				return err_set(err, -E_UNSUPPORTED,
					       "resource attribute: string value with a lone UTF-16 surrogate at offset %zu (SDDL cannot spell it)",
					       off);
			}
			cx_sb_add(&b, "\"");
			break;
		case CLAIM_SID:
			sid_parse(d + off + 4, le32(d + off), &sid, NULL, NULL);
			cx_print_sid(&b, &sid);
			break;
		default:
			/* octet strings: bare hex digits, unlike conditions' "#..."
			 * (what Windows prints; samba's sddl.c notes it too) */
			for (n = 0; n < le32(d + off); n++)
				cx_sb_printf(&b, "%02x", d[off + 4 + n]);
			break;
		}
	}
	cx_sb_add(&b, ")");
	if (b.oom) {
		free(b.p);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	*out = b.p;
	return 0;
}

int claim_has_name(const uint8_t *d, size_t len, const uint8_t *name, size_t name_len)
{
	size_t off, i;
	long nl;

	if (!d || len < 16)
		return 0;
	off = le32(d);
	if (off < 16 || off >= len || (nl = wstr_len(d, len, off)) < 0 || (size_t)nl != name_len)
		return 0;
	for (i = 0; i < name_len; i += 2) {
		uint16_t a = le16(d + off + i), b = le16(name + i);

		if (a < 0x80)
			a = (uint16_t)tolower(a);
		if (b < 0x80)
			b = (uint16_t)tolower(b);
		if (a != b)
			return 0;
	}
	return 1;
}

/* One value of a resource attribute in text: appended to vals (the
 * encoded value) for the given type. */
static int parse_claim_value(struct cp *c, uint16_t type, struct obuf *vals)
{
	size_t at, i, start;
	uint64_t v;
	uint8_t sign, base;
	int rc;

	cx_ws(c);
	at = c->pos;
	switch (type) {
	case CLAIM_INT64:
	case CLAIM_UINT64:
	case CLAIM_BOOLEAN:
		if ((rc = cx_read_int(c, type != CLAIM_INT64, &v, &sign, &base)) < 0)
			return rc;
		if (type != CLAIM_INT64 && sign == SIGN_MINUS && v)
			return cx_fail(c, at, -E_CORRUPT, "negative value for TU");
		if (type == CLAIM_BOOLEAN && v > 1)
			return cx_fail(c, at, -E_CORRUPT, "TB values are 0 or 1");
		cx_ob_le64(vals, v);
		return 0;
	case CLAIM_STRING: {
		uint32_t bytes;

		if (cx_peek(c) != '"')
			return cx_fail(c, at, -E_CORRUPT, "expected a \"string\"");
		if ((rc = cx_read_string(c, at + 1, vals, &bytes)) < 0)
			return rc;
		cx_ob_add(vals, "\0\0", 2);
		return 0;
	}
	case CLAIM_SID: {
		struct sid sid;
		uint8_t bin[8 + 4 * SID_MAX_SUB];
		size_t blen;
		struct err e;

		start = c->pos;
		while (c->pos < c->len && c->s[c->pos] != ',' && c->s[c->pos] != ')' &&
		       !isspace((unsigned char)c->s[c->pos]))
			c->pos++;
		err_init(&e);
		if (sid_from_text(c->s + start, c->pos - start, &sid, &e) < 0)
			return cx_fail(c, start, e.code ? e.code : -E_CORRUPT, "%s", e.msg);
		blen = sid_encode(&sid, bin, sizeof(bin));
		cx_ob_le32(vals, (uint32_t)blen);
		cx_ob_add(vals, bin, blen);
		return 0;
	}
	default:
		for (i = c->pos; i < c->len && isxdigit((unsigned char)c->s[i]); i++)
			;
		if ((i - c->pos) % 2)
			return cx_fail(c, at, -E_CORRUPT, "odd number of hex digits");
		cx_ob_le32(vals, (uint32_t)((i - c->pos) / 2));
		for (; c->pos < i; c->pos += 2)
			cx_ob_byte(vals, (uint8_t)(hex_digit(c->s[c->pos]) << 4 | hex_digit(c->s[c->pos + 1])));
		return 0;
	}
}

int claim_from_sddl(const char *text, size_t len, size_t *used,
		    uint8_t **out, size_t *outlen, size_t *err_offset,
		    struct err *err)
{
	struct cp c;
	struct obuf vals, name;
	size_t at, n, i, count = 0, *offs = NULL, hdr;
	uint16_t type = 0;
	uint64_t flags;
	uint8_t sign, base, h[16];
	uint32_t nb = 0;
	int rc;

	*out = NULL;
	*outlen = 0;
	memset(&c, 0, sizeof(c));
	memset(&vals, 0, sizeof(vals));
	memset(&name, 0, sizeof(name));
	c.s = text ? text : "";
	c.len = text ? len : 0;
	c.err_offset = err_offset;
	c.err = err;
	if ((rc = cx_expect(&c, '(')) < 0 || (rc = cx_expect(&c, '"')) < 0)
		goto out;
	/* the name, escapes decoded, into name as UTF-16 with its NUL */
	at = c.pos;
	n = cx_name_run(&c, at);
	if (n == 0) {
		rc = cx_fail(&c, at, -E_CORRUPT, "expected the attribute's name");
		goto out;
	}
	if ((rc = cx_read_name(&c, at, n, "a resource attribute name", &name, &nb)) < 0)
		goto out;
	c.pos = at + n;
	if ((rc = cx_expect(&c, '"')) < 0 || (rc = cx_expect(&c, ',')) < 0)
		goto out;
	cx_ws(&c);
	at = c.pos;
	if (c.len - at < 2 || (c.s[at] != 'T' && c.s[at] != 't')) {
		rc = cx_fail(&c, at, -E_CORRUPT, "expected TI, TU, TS, TD, TX or TB");
		goto out;
	}
	for (i = 0; i < ARRAY_LEN(claim_types); i++)
		if (toupper((unsigned char)c.s[at + 1]) == claim_types[i].letter)
			type = claim_types[i].type;
	if (!type) {
		rc = cx_fail(&c, at, -E_CORRUPT, "expected TI, TU, TS, TD, TX or TB");
		goto out;
	}
	c.pos = at + 2;
	if ((rc = cx_expect(&c, ',')) < 0)
		goto out;
	cx_ws(&c);
	at = c.pos;
	if ((rc = cx_read_int(&c, 1, &flags, &sign, &base)) < 0)
		goto out;
	if (sign == SIGN_MINUS || flags > 0xffffffffu) {
		rc = cx_fail(&c, at, -E_CORRUPT, "flags are a 32-bit number");
		goto out;
	}
	offs = calloc(LIMIT_CLAIM_VALUES, sizeof(*offs));
	if (!offs) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		cx_ws(&c);
		if (cx_peek(&c) != ',')
			break;
		c.pos++;
		if (count >= LIMIT_CLAIM_VALUES) {
			rc = cx_fail(&c, c.pos, -E_LIMIT, "more than LIMIT_CLAIM_VALUES (%u) values",
				   LIMIT_CLAIM_VALUES);
			goto out;
		}
		offs[count++] = vals.len;
		if ((rc = parse_claim_value(&c, type, &vals)) < 0)
			goto out;
	}
	if ((rc = cx_expect(&c, ')')) < 0)
		goto out;
	/* header, value offsets, the name and its NUL, the values in order
	 * (packed, as Windows lays out its string example), padding */
	hdr = 16 + 4 * count;
	put_le32(h, (uint32_t)hdr);
	put_le16(h + 4, type);
	put_le16(h + 6, 0);
	put_le32(h + 8, (uint32_t)flags);
	put_le32(h + 12, (uint32_t)count);
	cx_ob_add(&c.out, h, sizeof(h));
	for (i = 0; i < count; i++)
		cx_ob_le32(&c.out, (uint32_t)(hdr + nb + 2 + offs[i]));
	if (name.len)
		cx_ob_add(&c.out, name.p, name.len);
	cx_ob_add(&c.out, "\0\0", 2);
	if (vals.len)
		cx_ob_add(&c.out, vals.p, vals.len);
	if (vals.oom || name.oom) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = cx_finish_out(&c, out, outlen)) < 0)
		goto out;
	*used = c.pos;
out:
	free(offs);
	free(vals.p);
	free(name.p);
	free(c.out.p);
	return rc;
}
