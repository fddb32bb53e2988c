/* Conditional expressions, SDDL text -> binary (see condexpr.h and
 * condexpr.c for the binary form). */
#include "condexpr_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"
#include "utf16.h"

/* ---- text -> binary ------------------------------------------------------- */

int cx_fail(struct cp *c, size_t at, int code, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (c->err_offset)
		*c->err_offset = at;
	return err_set(c->err, code, "%s at offset %zu", msg, at);
}

void cx_ws(struct cp *c)
{
	while (c->pos < c->len && isspace((unsigned char)c->s[c->pos]))
		c->pos++;
}

int cx_peek(const struct cp *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

int cx_expect(struct cp *c, char ch)
{
	cx_ws(c);
	if (cx_peek(c) != (unsigned char)ch)
		return cx_fail(c, c->pos, -E_CORRUPT, "expected '%c'", ch);
	c->pos++;
	return 0;
}

static int ctoken(struct cp *c, size_t at)
{
	if (++c->tokens > LIMIT_COND_TOKENS)
		return cx_fail(c, at, -E_LIMIT, "more than LIMIT_COND_TOKENS (%u) tokens",
			     LIMIT_COND_TOKENS);
	return 0;
}

/* The length of the name-character run at pos (escapes count as 5). */
size_t cx_name_run(const struct cp *c, size_t pos)
{
	size_t i = pos;

	for (;;) {
		if (i < c->len && cx_is_name_char((unsigned char)c->s[i])) {
			i++;
		} else if (i + 4 < c->len && c->s[i] == '%' &&
			   isxdigit((unsigned char)c->s[i + 1]) && isxdigit((unsigned char)c->s[i + 2]) &&
			   isxdigit((unsigned char)c->s[i + 3]) && isxdigit((unsigned char)c->s[i + 4])) {
			i += 5;
		} else {
			return i - pos;
		}
	}
}

/* Append n characters of a name (escapes decoded) to o as UTF-16LE;
 * *bytes receives their size. */
int cx_read_name(struct cp *c, size_t start, size_t n, const char *what,
		     struct obuf *o, uint32_t *bytes)
{
	size_t i;

	*bytes = 0;
	for (i = start; i < start + n; ) {
		uint32_t u;

		if (c->s[i] == '%') {
			u = (uint32_t)(hex_digit(c->s[i + 1]) << 12 | hex_digit(c->s[i + 2]) << 8 |
				       hex_digit(c->s[i + 3]) << 4 | hex_digit(c->s[i + 4]));
			if (u == 0)
				return cx_fail(c, i, -E_CORRUPT, "%%0000 in %s", what);
			i += 5;
		} else {
			u = (unsigned char)c->s[i];
			i++;
		}
		cx_ob_utf16(o, u);
		*bytes += 2;
	}
	return 0;
}

/* A name token's payload: LE32 length + UTF-16LE. */
static int emit_name(struct cp *c, size_t start, size_t n, const char *what)
{
	size_t lenpos = c->out.len;
	uint32_t bytes;
	int rc;

	cx_ob_le32(&c->out, 0);
	if ((rc = cx_read_name(c, start, n, what, &c->out, &bytes)) < 0)
		return rc;
	if (!c->out.oom)
		put_le32(c->out.p + lenpos, bytes);
	return 0;
}

/* A quoted string whose first character is at start: UTF-8 up to the
 * next '"' (SDDL has no escapes), appended to o as UTF-16LE; *bytes
 * receives its size and pos moves past the closing quote. */
int cx_read_string(struct cp *c, size_t start, struct obuf *o, uint32_t *bytes)
{
	size_t i;
	uint32_t cp;

	*bytes = 0;
	for (i = start; i < c->len && c->s[i] != '"'; ) {
		size_t k = utf8_next((const unsigned char *)c->s + i, c->len - i, &cp);

		if (k == 0)
			return cx_fail(c, i, -E_CORRUPT, "invalid UTF-8 in a string");
		cx_ob_utf16(o, cp);
		*bytes += cp >= 0x10000 ? 4 : 2;
		i += k;
	}
	if (i >= c->len)
		return cx_fail(c, start - 1, -E_CORRUPT, "unterminated string");
	c->pos = i + 1;
	return 0;
}

/* Read [+-]digits in base 8 (leading 0), 10 or 16 (0x) at pos: value,
 * sign and base bytes.  Ranges: a '-' magnitude up to 2^63, '+' and
 * decimal up to 2^63-1 (2^64-1 when wide: TU values), unsigned octal
 * and hex up to 2^64-1 (kept as the two's complement bits, the way they
 * print). */
int cx_read_int(struct cp *c, int wide, uint64_t *val, uint8_t *sign, uint8_t *base)
{
	size_t start = c->pos, i = c->pos, digits;
	uint64_t v = 0, lim;
	unsigned radix = 10;
	int d;

	*sign = SIGN_NONE;
	if (i < c->len && (c->s[i] == '+' || c->s[i] == '-')) {
		*sign = c->s[i] == '-' ? SIGN_MINUS : SIGN_PLUS;
		i++;
	}
	if (i + 1 < c->len && c->s[i] == '0' && (c->s[i + 1] == 'x' || c->s[i + 1] == 'X')) {
		radix = 16;
		i += 2;
	} else if (i + 1 < c->len && c->s[i] == '0' && isdigit((unsigned char)c->s[i + 1])) {
		radix = 8;
		i += 1;
	}
	*base = radix == 16 ? BASE_16 : radix == 8 ? BASE_8 : BASE_10;
	lim = *sign == SIGN_MINUS ? (uint64_t)1 << 63 :
	      (*sign == SIGN_PLUS || radix == 10) && !wide ? ((uint64_t)1 << 63) - 1 : UINT64_MAX;
	for (digits = 0; i < c->len; i++, digits++) {
		d = hex_digit((unsigned char)c->s[i]);
		if (d < 0 || (unsigned)d >= radix) {
			if (isalnum((unsigned char)c->s[i]))
				return cx_fail(c, i, -E_CORRUPT, "bad digit '%c' in a number", c->s[i]);
			break;
		}
		if (v > (lim - (uint64_t)d) / radix)
			return cx_fail(c, start, -E_CORRUPT, "number out of the 64-bit range");
		v = v * radix + (uint64_t)d;
	}
	if (digits == 0)
		return cx_fail(c, start, -E_CORRUPT, "expected a number");
	c->pos = i;
	*val = *sign == SIGN_MINUS ? 0 - v : v;
	return 0;
}

static int parse_int_text(struct cp *c, uint8_t *tok)
{
	uint64_t v;
	uint8_t sign, base;
	int rc = cx_read_int(c, 0, &v, &sign, &base);

	if (rc < 0)
		return rc;
	tok[0] = CT_INT64;   /* what Windows' SDDL compiler writes */
	put_le64(tok + 1, v);
	tok[9] = sign;
	tok[10] = base;
	return 0;
}

/* A literal: number, "string", #octets, SID(...), {list}.  *sids: it is
 * one SID or a non-empty list of SIDs (for Member_of). */
static int parse_literal(struct cp *c, unsigned depth, int *kind, int *sids)
{
	size_t at, i, lenpos, n = 0;
	int ch, rc, k, s, all = 1;
	uint8_t tok[11];

	cx_ws(c);
	at = c->pos;
	ch = cx_peek(c);
	if (depth > LIMIT_COND_DEPTH)
		return cx_fail(c, at, -E_LIMIT, "nesting deeper than LIMIT_COND_DEPTH (%u)",
			     LIMIT_COND_DEPTH);
	if ((rc = ctoken(c, at)) < 0)
		return rc;
	*sids = 0;
	*kind = K_SCALAR;
	if (ch == '+' || ch == '-' || (ch >= '0' && ch <= '9')) {
		if ((rc = parse_int_text(c, tok)) < 0)
			return rc;
		cx_ob_add(&c->out, tok, sizeof(tok));
		return 0;
	}
	if (ch == '"') {
		uint32_t bytes;

		cx_ob_byte(&c->out, CT_UNICODE);
		lenpos = c->out.len;
		cx_ob_le32(&c->out, 0);
		if ((rc = cx_read_string(c, at + 1, &c->out, &bytes)) < 0)
			return rc;
		if (!c->out.oom)
			put_le32(c->out.p + lenpos, bytes);
		return 0;
	}
	if (ch == '#') {
		/* '#' stands for a 0 digit after the first (Windows' syntax) */
		size_t d0 = at + 1;

		for (i = d0; i < c->len && (isxdigit((unsigned char)c->s[i]) || c->s[i] == '#'); i++)
			;
		if ((i - d0) % 2)
			return cx_fail(c, at, -E_CORRUPT, "odd number of hex digits in an octet string");
		cx_ob_byte(&c->out, CT_OCTET);
		cx_ob_le32(&c->out, (uint32_t)((i - d0) / 2));
		for (n = d0; n < i; n += 2) {
			int hi = c->s[n] == '#' ? 0 : hex_digit(c->s[n]);
			int lo = c->s[n + 1] == '#' ? 0 : hex_digit(c->s[n + 1]);

			cx_ob_byte(&c->out, (uint8_t)(hi << 4 | lo));
		}
		c->pos = i;
		return 0;
	}
	if (c->len - at >= 4 && cx_ieqn(c->s + at, "SID(", 4)) {
		struct sid sid;
		uint8_t bin[8 + 4 * SID_MAX_SUB];
		size_t blen, start, end;
		struct err e;

		c->pos = at + 4;
		cx_ws(c);
		start = c->pos;
		while (c->pos < c->len && c->s[c->pos] != ')' && !isspace((unsigned char)c->s[c->pos]))
			c->pos++;
		end = c->pos;
		err_init(&e);
		if (sid_from_text(c->s + start, end - start, &sid, &e) < 0)
			return cx_fail(c, start, e.code ? e.code : -E_CORRUPT, "%s", e.msg);
		if ((rc = cx_expect(c, ')')) < 0)
			return rc;
		blen = sid_encode(&sid, bin, sizeof(bin));
		cx_ob_byte(&c->out, CT_SID);
		cx_ob_le32(&c->out, (uint32_t)blen);
		cx_ob_add(&c->out, bin, blen);
		*sids = 1;
		return 0;
	}
	if (ch == '{') {
		c->pos++;
		cx_ob_byte(&c->out, CT_COMPOSITE);
		lenpos = c->out.len;
		cx_ob_le32(&c->out, 0);
		cx_ws(c);
		if (cx_peek(c) != '}') {
			for (;;) {
				if ((rc = parse_literal(c, depth + 1, &k, &s)) < 0)
					return rc;
				all = all && s && k == K_SCALAR;
				n++;
				cx_ws(c);
				if (cx_peek(c) != ',')
					break;
				c->pos++;
			}
		}
		if ((rc = cx_expect(c, '}')) < 0)
			return rc;
		if (!c->out.oom)
			put_le32(c->out.p + lenpos, (uint32_t)(c->out.len - lenpos - 4));
		*kind = K_COMPOSITE;
		*sids = all && n > 0;
		return 0;
	}
	return cx_fail(c, at, -E_CORRUPT, "expected a value (number, \"string\", #octets, SID(...) or {list})");
}

/* A literal, or one in parentheses ("Member_of (SID(WD))"). */
static int parse_operand(struct cp *c, unsigned depth, int *kind, int *sids)
{
	int rc;

	cx_ws(c);
	if (cx_peek(c) == '(' && !(c->len - c->pos >= 4 && cx_ieqn(c->s + c->pos, "SID(", 4))) {
		c->pos++;
		if ((rc = parse_literal(c, depth + 1, kind, sids)) < 0)
			return rc;
		return cx_expect(c, ')');
	}
	return parse_literal(c, depth, kind, sids);
}

/* "@user.x", "@Device.x", "@Resource.x" or a local name at pos; 1 when
 * one was emitted, 0 when pos holds no attribute. */
static int parse_attr(struct cp *c)
{
	static const struct { const char *p; uint8_t tok; } pre[] = {
		{ "@user.", CT_USER }, { "@device.", CT_DEVICE }, { "@resource.", CT_RESOURCE },
	};
	size_t at = c->pos, i, n;
	int rc;

	if (cx_peek(c) == '@') {
		for (i = 0; i < ARRAY_LEN(pre); i++) {
			size_t pl = strlen(pre[i].p);

			if (c->len - at >= pl && cx_ieqn(c->s + at, pre[i].p, pl)) {
				n = cx_name_run(c, at + pl);
				if (n == 0)
					return cx_fail(c, at + pl, -E_CORRUPT, "expected an attribute name");
				if ((rc = ctoken(c, at)) < 0)
					return rc;
				cx_ob_byte(&c->out, pre[i].tok);
				if ((rc = emit_name(c, at + pl, n, "an attribute name")) < 0)
					return rc;
				c->pos = at + pl + n;
				return 1;
			}
		}
		return cx_fail(c, at, -E_CORRUPT, "expected @USER., @DEVICE. or @RESOURCE.");
	}
	n = cx_name_run(c, at);
	if (n == 0 || isdigit((unsigned char)c->s[at]))
		return 0;
	if ((rc = ctoken(c, at)) < 0)
		return rc;
	cx_ob_byte(&c->out, CT_LOCAL);
	if ((rc = emit_name(c, at, n, "an attribute name")) < 0)
		return rc;
	c->pos = at + n;
	return 1;
}

/* An operator word at pos (case-insensitive, not followed by a name
 * character): its definition, or NULL. */
static const struct opdef *word_op(const struct cp *c, size_t *wlen)
{
	size_t i, n = 0;

	while (c->pos + n < c->len &&
	       (isalpha((unsigned char)c->s[c->pos + n]) || c->s[c->pos + n] == '_'))
		n++;
	if (n == 0 || (c->pos + n < c->len && cx_is_name_char((unsigned char)c->s[c->pos + n])))
		return NULL;
	for (i = 0; i < cx_nops; i++)
		if (isalpha((unsigned char)cx_ops[i].name[0]) && strlen(cx_ops[i].name) == n &&
		    cx_ieqn(cx_ops[i].name, c->s + c->pos, n)) {
			*wlen = n;
			return &cx_ops[i];
		}
	return NULL;
}

static const struct opdef *symbol_op(const struct cp *c, size_t *slen)
{
	static const uint8_t order[] = { CT_EQ, CT_NE, CT_LE, CT_GE, CT_LT, CT_GT };
	size_t i;

	for (i = 0; i < ARRAY_LEN(order); i++) {
		const struct opdef *op = cx_op_find(order[i]);
		size_t n = strlen(op->name);

		if (c->len - c->pos >= n && strncmp(c->s + c->pos, op->name, n) == 0) {
			*slen = n;
			return op;
		}
	}
	return NULL;
}

static int parse_or(struct cp *c, unsigned depth, int *kind);

static int emit_op(struct cp *c, const struct opdef *op, size_t at)
{
	int rc = ctoken(c, at);

	if (rc < 0)
		return rc;
	cx_ob_byte(&c->out, op->tok);
	return 0;
}

static int parse_term(struct cp *c, unsigned depth, int *kind)
{
	const struct opdef *op;
	size_t at, n = 0;
	int rc, k, s;

	if (depth > LIMIT_COND_DEPTH)
		return cx_fail(c, c->pos, -E_LIMIT, "nesting deeper than LIMIT_COND_DEPTH (%u)",
			     LIMIT_COND_DEPTH);
	cx_ws(c);
	at = c->pos;
	if (cx_peek(c) == '(') {
		c->pos++;
		if ((rc = parse_or(c, depth + 1, kind)) < 0)
			return rc;
		return cx_expect(c, ')');
	}
	op = word_op(c, &n);
	if (op && (op->cls == OP_MEMBER || op->cls == OP_EXISTS)) {
		c->pos += n;
		cx_ws(c);
		if (op->cls == OP_MEMBER) {
			size_t vat = c->pos;

			if ((rc = parse_operand(c, depth + 1, &k, &s)) < 0)
				return rc;
			if (!s)
				return cx_fail(c, vat, -E_CORRUPT, "'%s' needs SID(...) or a list of SIDs",
					     op->name);
		} else {
			size_t vat = c->pos;

			if ((rc = parse_attr(c)) < 0)
				return rc;
			if (rc == 0)
				return cx_fail(c, vat, -E_CORRUPT, "'%s' needs an attribute", op->name);
		}
		*kind = K_BOOL;
		return emit_op(c, op, at);
	}
	if (op)
		return cx_fail(c, at, -E_CORRUPT, "'%s' needs an attribute on its left", op->name);
	if ((rc = parse_attr(c)) < 0)
		return rc;
	if (rc == 0)
		return cx_fail(c, at, -E_CORRUPT, "expected an attribute, an operator or '('");
	cx_ws(c);
	at = c->pos;
	op = symbol_op(c, &n);
	if (!op) {
		op = word_op(c, &n);
		if (op && op->cls != OP_REL)
			op = NULL;
	}
	if (!op) {
		*kind = K_ATTR;
		return 0;
	}
	c->pos += n;
	cx_ws(c);
	if (cx_peek(c) == '@' || (cx_name_run(c, c->pos) && !isdigit((unsigned char)c->s[c->pos]) &&
				!(c->len - c->pos >= 4 && cx_ieqn(c->s + c->pos, "SID(", 4)))) {
		size_t vat = c->pos;

		if ((rc = parse_attr(c)) < 0)
			return rc;
		if (rc == 0)
			return cx_fail(c, vat, -E_CORRUPT, "expected a value");
	} else if ((rc = parse_operand(c, depth + 1, &k, &s)) < 0) {
		return rc;
	}
	*kind = K_BOOL;
	return emit_op(c, op, at);
}

static int parse_unary(struct cp *c, unsigned depth, int *kind)
{
	size_t at;
	int rc;

	if (depth > LIMIT_COND_DEPTH)
		return cx_fail(c, c->pos, -E_LIMIT, "nesting deeper than LIMIT_COND_DEPTH (%u)",
			     LIMIT_COND_DEPTH);
	cx_ws(c);
	at = c->pos;
	if (cx_peek(c) == '!' && !(c->pos + 1 < c->len && c->s[c->pos + 1] == '=')) {
		c->pos++;
		if ((rc = parse_unary(c, depth + 1, kind)) < 0)
			return rc;
		*kind = K_BOOL;
		return emit_op(c, cx_op_find(CT_NOT), at);
	}
	return parse_term(c, depth, kind);
}

static int parse_and(struct cp *c, unsigned depth, int *kind)
{
	size_t at;
	int rc, k;

	if ((rc = parse_unary(c, depth, kind)) < 0)
		return rc;
	for (;;) {
		cx_ws(c);
		at = c->pos;
		if (c->len - at < 2 || strncmp(c->s + at, "&&", 2) != 0)
			return 0;
		c->pos += 2;
		if ((rc = parse_unary(c, depth, &k)) < 0 ||
		    (rc = emit_op(c, cx_op_find(CT_AND), at)) < 0)
			return rc;
		*kind = K_BOOL;
	}
}

static int parse_or(struct cp *c, unsigned depth, int *kind)
{
	size_t at;
	int rc, k;

	if ((rc = parse_and(c, depth, kind)) < 0)
		return rc;
	for (;;) {
		cx_ws(c);
		at = c->pos;
		if (c->len - at < 2 || strncmp(c->s + at, "||", 2) != 0)
			return 0;
		c->pos += 2;
		if ((rc = parse_and(c, depth, &k)) < 0 ||
		    (rc = emit_op(c, cx_op_find(CT_OR), at)) < 0)
			return rc;
		*kind = K_BOOL;
	}
}

int cx_finish_out(struct cp *c, uint8_t **out, size_t *outlen)
{
	static const uint8_t zero[3] = { 0, 0, 0 };

	if (c->out.len % 4)
		cx_ob_add(&c->out, zero, 4 - c->out.len % 4);
	if (c->out.oom)
		return err_set(c->err, -E_NOMEM, "out of memory");
	if (c->out.len > LIMIT_COND_BYTES)
		return cx_fail(c, 0, -E_LIMIT, "%zu bytes > LIMIT_COND_BYTES (%u)", c->out.len,
			     LIMIT_COND_BYTES);
	*out = c->out.p;
	*outlen = c->out.len;
	c->out.p = NULL;
	return 0;
}

int condexpr_from_sddl(const char *text, size_t len, size_t *used,
		       uint8_t **out, size_t *outlen, size_t *err_offset,
		       struct err *err)
{
	struct cp c;
	int rc, kind;

	*out = NULL;
	*outlen = 0;
	memset(&c, 0, sizeof(c));
	c.s = text ? text : "";
	c.len = text ? len : 0;
	c.err_offset = err_offset;
	c.err = err;
	cx_ob_add(&c.out, cx_sig, sizeof(cx_sig));
	if (cx_peek(&c) != '(') {
		rc = cx_fail(&c, 0, -E_CORRUPT, "expected '(' to open the condition");
		goto out;
	}
	c.pos = 1;
	if ((rc = parse_or(&c, 0, &kind)) < 0 || (rc = cx_expect(&c, ')')) < 0)
		goto out;
	if ((rc = cx_finish_out(&c, out, outlen)) < 0)
		goto out;
	*used = c.pos;
out:
	free(c.out.p);
	return rc;
}

