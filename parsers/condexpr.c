/* Conditional-expression validation (MS-DTYP 2.4.4.17.4 to .9). */
#include "condexpr.h"

#include <string.h>

#include "bytes.h"
#include "limits.h"
#include "sid.h"

/* token bytes (MS-DTYP 2.4.4.17.4, .5, .6, .7) */
enum {
	TOK_PAD = 0x00,
	TOK_INT8 = 0x01, TOK_INT16 = 0x02, TOK_INT32 = 0x03, TOK_INT64 = 0x04,
	TOK_UNICODE = 0x10, TOK_OCTETS = 0x18, TOK_COMPOSITE = 0x50, TOK_SID = 0x51,
	TOK_ATTR_LOCAL = 0xf8, TOK_ATTR_USER = 0xf9, TOK_ATTR_RESOURCE = 0xfa,
	TOK_ATTR_DEVICE = 0xfb,
};

/* How many operands an operator token takes: 1 or 2, 0 when not one. */
static int operator_arity(uint8_t t)
{
	switch (t) {
	case 0x80: case 0x81: case 0x82: case 0x83: case 0x84: case 0x85:
	case 0x86: case 0x88: case 0x8e: case 0x8f:     /* relational */
	case 0xa0: case 0xa1:                           /* && || */
		return 2;
	case 0x87: case 0x8d:                           /* Exists Not_Exists */
	case 0x89: case 0x8a: case 0x8b: case 0x8c:     /* Member_of ... */
	case 0x90: case 0x91: case 0x92: case 0x93:     /* Not_Member_of ... */
	case 0xa2:                                      /* ! */
		return 1;
	default:
		return 0;
	}
}

/* Walk tokens of p[off..end); operands counts what they leave on the
 * stack.  inside: within a composite (operators not allowed there).
 * depth bounds composite nesting. */
static int walk(const uint8_t *p, size_t off, size_t end, int inside,
		unsigned depth, size_t *operands, size_t *stop, struct err *err)
{
	while (off < end) {
		const uint8_t t = p[off];
		size_t n;
		int ar;

		if (t == TOK_PAD && !inside) {
			*stop = off;
			return 0;
		}
		switch (t) {
		case TOK_INT8: case TOK_INT16: case TOK_INT32: case TOK_INT64:
			/* 8-byte value, sign byte (1 + - none), base byte (octal
			 * decimal hex) */
			if (end - off < 11)
				return err_set(err, -E_CORRUPT, "condition: integer at offset %zu cut short", off);
			if (p[off + 9] < 1 || p[off + 9] > 3 || p[off + 10] < 1 || p[off + 10] > 3)
				return err_set(err, -E_CORRUPT, "condition: integer at offset %zu: sign %u, base %u",
					       off, p[off + 9], p[off + 10]);
			off += 11;
			(*operands)++;
			continue;
		case TOK_UNICODE: case TOK_OCTETS: case TOK_COMPOSITE: case TOK_SID:
		case TOK_ATTR_LOCAL: case TOK_ATTR_USER: case TOK_ATTR_RESOURCE: case TOK_ATTR_DEVICE:
			if (end - off < 5)
				return err_set(err, -E_CORRUPT, "condition: token 0x%02x at offset %zu cut short", t, off);
			n = le32(p + off + 1);
			if (n > end - off - 5)
				return err_set(err, -E_CORRUPT,
					       "condition: token 0x%02x at offset %zu: %zu bytes, %zu left",
					       t, off, n, end - off - 5);
			if ((t == TOK_UNICODE || t >= TOK_ATTR_LOCAL) && n % 2)
				return err_set(err, -E_CORRUPT, "condition: UTF-16 text at offset %zu of odd length %zu",
					       off, n);
			if (t >= TOK_ATTR_LOCAL && (n == 0 || inside))
				return err_set(err, -E_CORRUPT, "condition: attribute name at offset %zu %s",
					       off, n ? "inside a composite" : "empty");
			if (t == TOK_SID) {
				struct sid s;
				size_t used;

				if (sid_parse(p + off + 5, n, &s, &used, err) < 0 || used != n)
					return err_set(err, -E_CORRUPT, "condition: SID at offset %zu invalid", off);
			}
			if (t == TOK_COMPOSITE) {
				size_t inner = 0, istop = 0;
				int rc;

				if (depth >= LIMIT_COND_DEPTH)
					return err_set(err, -E_LIMIT, "condition: composites nested deeper than %u",
						       LIMIT_COND_DEPTH);
				rc = walk(p, off + 5, off + 5 + n, 1, depth + 1, &inner, &istop, err);
				if (rc < 0)
					return rc;
			}
			off += 5 + n;
			(*operands)++;
			continue;
		default:
			break;
		}
		ar = operator_arity(t);
		if (!ar || inside)
			return err_set(err, -E_CORRUPT, "condition: %s 0x%02x at offset %zu",
				       ar ? "operator inside a composite," : "unknown token", t, off);
		if (*operands < (size_t)ar)
			return err_set(err, -E_CORRUPT,
				       "condition: operator 0x%02x at offset %zu lacks its operand%s",
				       t, off, ar == 2 ? "s" : "");
		*operands -= (size_t)ar - 1;
		off++;
	}
	*stop = end;
	return 0;
}

int condexpr_validate(const uint8_t *p, size_t len, struct err *err)
{
	size_t operands = 0, stop = 0, i;
	int rc;

	if (len < 4 || memcmp(p, "artx", 4) != 0)
		return err_set(err, -E_CORRUPT, "condition: no \"artx\" signature");
	rc = walk(p, 4, len, 0, 0, &operands, &stop, err);
	if (rc < 0)
		return rc;
	/* one value; none ("artx" and padding) is an empty condition */
	if (operands > 1)
		return err_set(err, -E_CORRUPT, "condition: %zu values left, not one", operands);
	for (i = stop; i < len; i++)
		if (p[i] != 0)
			return err_set(err, -E_CORRUPT, "condition: byte 0x%02x at offset %zu after the expression",
				       p[i], i);
	return 0;
}
