/* Conditional expressions (MS-DTYP 2.4.4.17) and resource attributes
 * (MS-DTYP 2.4.10.1): see condexpr.h.
 *
 * Binary form: "artx", then tokens in postfix order, then 0..3 zero
 * bytes so that the whole is a multiple of 4.  A token is one byte:
 *   0x01..0x04  int8..int64 literal: 8-byte LE value, sign byte
 *               (1 '+', 2 '-', 3 none), base byte (1 octal, 2 decimal,
 *               3 hexadecimal)
 *   0x10        Unicode string: LE32 byte length, UTF-16LE (no NUL)
 *   0x18        octet string: LE32 length, bytes
 *   0x50        composite: LE32 length, literal tokens
 *   0x51        SID: LE32 length, a binary SID
 *   0x80..0x8f  relational, Exists, Member_of... operators (table below)
 *   0xa0..0xa2  && || !
 *   0xf8..0xfb  local, @User., @Resource., @Device. attribute names,
 *               each LE32 length + UTF-16LE like a string
 *
 * Every recursion (composites in literals, the operator tree when
 * printing and evaluating, the text parser) is bounded by
 * LIMIT_COND_DEPTH; token counts by LIMIT_COND_TOKENS. */
#include "condexpr_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"
#include "utf16.h"

const uint8_t cx_sig[4] = { 'a', 'r', 't', 'x' };

const struct opdef cx_ops[] = {
	{ CT_EQ, OP_REL, "==" }, { CT_NE, OP_REL, "!=" },
	{ CT_LT, OP_REL, "<" }, { CT_LE, OP_REL, "<=" },
	{ CT_GT, OP_REL, ">" }, { CT_GE, OP_REL, ">=" },
	{ CT_CONTAINS, OP_REL, "Contains" }, { CT_ANY_OF, OP_REL, "Any_of" },
	{ CT_NOT_CONTAINS, OP_REL, "Not_Contains" },
	{ CT_NOT_ANY_OF, OP_REL, "Not_Any_of" },
	{ CT_EXISTS, OP_EXISTS, "Exists" }, { CT_NOT_EXISTS, OP_EXISTS, "Not_Exists" },
	{ CT_MEMBER_OF, OP_MEMBER, "Member_of" },
	{ CT_DEV_MEMBER_OF, OP_MEMBER, "Device_Member_of" },
	{ CT_MEMBER_OF_ANY, OP_MEMBER, "Member_of_any" },
	{ CT_DEV_MEMBER_OF_ANY, OP_MEMBER, "Device_Member_of_Any" },
	{ CT_NOT_MEMBER_OF, OP_MEMBER, "Not_Member_of" },
	{ CT_NOT_DEV_MEMBER_OF, OP_MEMBER, "Not_Device_Member_of" },
	{ CT_NOT_MEMBER_OF_ANY, OP_MEMBER, "Not_Member_of_Any" },
	{ CT_NOT_DEV_MEMBER_OF_ANY, OP_MEMBER, "Not_Device_Member_of_Any" },
	{ CT_AND, OP_LOGIC, "&&" }, { CT_OR, OP_LOGIC, "||" }, { CT_NOT, OP_NOT, "!" },
};

const size_t cx_nops = ARRAY_LEN(cx_ops);

const struct opdef *cx_op_find(uint8_t tok)
{
	size_t i;

	for (i = 0; i < cx_nops; i++)
		if (cx_ops[i].tok == tok)
			return &cx_ops[i];
	return NULL;
}

/* n bytes of a and b equal without ASCII case. */
int cx_ieqn(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

int cx_op_nargs(const struct opdef *op)
{
	return op->cls == OP_REL || op->cls == OP_LOGIC ? 2 : 1;
}

int cx_is_int_tok(uint8_t t)
{
	return t >= CT_INT8 && t <= CT_INT64;
}

static int is_attr_tok(uint8_t t)
{
	return t >= CT_LOCAL && t <= CT_DEVICE;
}

const char *cx_attr_prefix(uint8_t t)
{
	switch (t) {
	case CT_USER: return "@USER.";
	case CT_RESOURCE: return "@RESOURCE.";
	case CT_DEVICE: return "@DEVICE.";
	default: return "";
	}
}

int condexpr_is_conditional(const uint8_t *data, size_t len)
{
	return data && len >= sizeof(cx_sig) && memcmp(data, cx_sig, sizeof(cx_sig)) == 0;
}

/* ---- a growing string --------------------------------------------------- */

void cx_sb_addn(struct sbuf *b, const char *s, size_t n)
{
	char *np;

	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 128;

		while (cap < b->len + n + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		if (!np) {
			b->oom = 1;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void cx_sb_add(struct sbuf *b, const char *s)
{
	cx_sb_addn(b, s, strlen(s));
}

void cx_sb_printf(struct sbuf *b, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(tmp)) {
		b->oom = 1;   /* never: every caller prints a number */
		return;
	}
	cx_sb_addn(b, tmp, (size_t)n);
}

/* ---- a growing byte buffer ---------------------------------------------- */

void cx_ob_add(struct obuf *o, const void *s, size_t n)
{
	uint8_t *np;

	if (o->oom)
		return;
	if (o->len + n > o->cap) {
		size_t cap = o->cap ? o->cap : 64;

		while (cap < o->len + n)
			cap *= 2;
		np = realloc(o->p, cap);
		if (!np) {
			o->oom = 1;
			return;
		}
		o->p = np;
		o->cap = cap;
	}
	memcpy(o->p + o->len, s, n);
	o->len += n;
}

void cx_ob_byte(struct obuf *o, uint8_t v)
{
	cx_ob_add(o, &v, 1);
}

void cx_ob_le32(struct obuf *o, uint32_t v)
{
	uint8_t b[4];

	put_le32(b, v);
	cx_ob_add(o, b, 4);
}

void cx_ob_le64(struct obuf *o, uint64_t v)
{
	uint8_t b[8];

	put_le64(b, v);
	cx_ob_add(o, b, 8);
}

/* ---- UTF-16LE <-> UTF-8 (strict: lone surrogates are refused) ----------- */

/* Append the UTF-8 form of n bytes of UTF-16LE; 0, or -1 for a lone
 * surrogate (or a NUL, which the checks already refused). */
int cx_sb_utf16(struct sbuf *b, const uint8_t *p, size_t n)
{
	size_t cap = n / 2 * 3 + 5;
	char *tmp = malloc(cap);
	long len;

	if (!tmp) {
		b->oom = 1;
		return 0;
	}
	len = utf16le_decode(p, n, UTF16_STRICT, tmp, cap, NULL);
	if (len >= 0)
		cx_sb_addn(b, tmp, (size_t)len);
	free(tmp);
	return len < 0 ? -1 : 0;
}

/* Append c as UTF-16LE. */
void cx_ob_utf16(struct obuf *o, uint32_t c)
{
	uint8_t b[4];

	cx_ob_add(o, b, utf16le_put(b, c));
}

/* ---- binary: checking ----------------------------------------------------- */

static int dfail(struct dec *d, size_t off, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int dfail(struct dec *d, size_t off, int code, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(d->err, code, "condition: %s at offset %zu", msg, d->base + off);
}

/* The LE32 length after the token byte at off, checked against lim. */
static int payload(struct dec *d, size_t off, size_t lim, const char *what, size_t *n)
{
	if (lim - off < 5)
		return dfail(d, off, -E_CORRUPT, "%s cut off", what);
	*n = le32(d->d + off + 1);
	if (*n > lim - off - 5)
		return dfail(d, off, -E_CORRUPT, "%s of %zu bytes runs past the end (%zu left)",
			     what, *n, lim - off - 5);
	return 0;
}

static int check_utf16(struct dec *d, size_t off, size_t n, const char *what)
{
	size_t i;

	if (n % 2)
		return dfail(d, off, -E_CORRUPT, "%s of %zu bytes: odd UTF-16 length", what, n);
	for (i = 0; i < n; i += 2)
		if (le16(d->d + off + 5 + i) == 0)
			return dfail(d, off, -E_CORRUPT, "%s holds a NUL character", what);
	return 0;
}

static int count_token(struct dec *d, size_t off)
{
	if (++d->tokens > LIMIT_COND_TOKENS)
		return dfail(d, off, -E_LIMIT, "more than LIMIT_COND_TOKENS (%u) tokens",
			     LIMIT_COND_TOKENS);
	return 0;
}

/* Check the literal token at off (ending before lim); *end is past it. */
static int lit_check(struct dec *d, size_t off, size_t lim, unsigned depth, size_t *end)
{
	const uint8_t *p = d->d + off;
	uint8_t t = p[0];
	size_t n, pos, next;
	struct sid sid;
	size_t used;
	struct err e;
	int rc;

	if ((rc = count_token(d, off)) < 0)
		return rc;
	if (cx_is_int_tok(t)) {
		int64_t v;
		uint64_t u;

		if (lim - off < 11)
			return dfail(d, off, -E_CORRUPT, "integer literal cut off");
		u = le64(p + 1);
		memcpy(&v, &u, sizeof(v));
		if (p[9] < SIGN_PLUS || p[9] > SIGN_NONE)
			return dfail(d, off, -E_CORRUPT, "integer literal: sign byte 0x%02x not 1..3", p[9]);
		if (p[10] < BASE_8 || p[10] > BASE_16)
			return dfail(d, off, -E_CORRUPT, "integer literal: base byte 0x%02x not 1..3", p[10]);
		if ((t == CT_INT8 && (v < INT8_MIN || v > INT8_MAX)) ||
		    (t == CT_INT16 && (v < INT16_MIN || v > INT16_MAX)) ||
		    (t == CT_INT32 && (v < INT32_MIN || v > INT32_MAX)))
			return dfail(d, off, -E_CORRUPT, "integer literal %lld does not fit its %d-bit token",
				     (long long)v, 8 << (t - CT_INT8));
		if ((p[9] == SIGN_PLUS && v < 0) || (p[9] == SIGN_MINUS && v > 0))
			return dfail(d, off, -E_CORRUPT, "integer literal %lld contradicts its sign byte",
				     (long long)v);
		*end = off + 11;
		return 0;
	}
	switch (t) {
	case CT_UNICODE:
		if ((rc = payload(d, off, lim, "string literal", &n)) < 0 ||
		    (rc = check_utf16(d, off, n, "string literal")) < 0)
			return rc;
		*end = off + 5 + n;
		return 0;
	case CT_OCTET:
		if ((rc = payload(d, off, lim, "octet string literal", &n)) < 0)
			return rc;
		*end = off + 5 + n;
		return 0;
	case CT_SID:
		if ((rc = payload(d, off, lim, "SID literal", &n)) < 0)
			return rc;
		err_init(&e);
		if (sid_parse(p + 5, n, &sid, &used, &e) < 0)
			return dfail(d, off, -E_CORRUPT, "SID literal: %s", e.msg);
		if (used != n)
			return dfail(d, off, -E_CORRUPT, "SID literal of %zu bytes holds a %zu-byte SID",
				     n, used);
		*end = off + 5 + n;
		return 0;
	case CT_COMPOSITE:
		if ((rc = payload(d, off, lim, "composite literal", &n)) < 0)
			return rc;
		if (depth + 1 > LIMIT_COND_DEPTH)
			return dfail(d, off, -E_LIMIT, "composites nested deeper than LIMIT_COND_DEPTH (%u)",
				     LIMIT_COND_DEPTH);
		for (pos = off + 5; pos < off + 5 + n; pos = next) {
			uint8_t m = d->d[pos];

			if (!cx_is_int_tok(m) && m != CT_UNICODE && m != CT_OCTET && m != CT_SID &&
			    m != CT_COMPOSITE)
				return dfail(d, pos, -E_CORRUPT, "token 0x%02x inside a composite literal", m);
			if ((rc = lit_check(d, pos, off + 5 + n, depth + 1, &next)) < 0)
				return rc;
		}
		*end = off + 5 + n;
		return 0;
	default:
		return dfail(d, off, -E_CORRUPT, "token 0x%02x is not a literal", t);
	}
}

/* Member_of & co. take one SID or a non-empty list of SIDs. */
static int sids_only(const struct dec *d, const struct node *x)
{
	size_t pos, n, end;

	if (x->tok == CT_SID)
		return 1;
	if (x->tok != CT_COMPOSITE)
		return 0;
	n = le32(d->d + x->off + 1);
	if (n == 0)
		return 0;
	for (pos = x->off + 5, end = pos + n; pos < end; pos += 5 + le32(d->d + pos + 1))
		if (d->d[pos] != CT_SID)
			return 0;
	return 1;
}

static const char *kind_name(uint8_t k)
{
	switch (k) {
	case K_SCALAR: return "a literal";
	case K_COMPOSITE: return "a composite literal";
	case K_ATTR: return "an attribute";
	default: return "a condition";
	}
}

/* The operand rules (MS-DTYP 2.4.4.17.6-8, SDDL 2.5.1.1 grammar). */
static int op_check(struct dec *d, const struct opdef *op, size_t off,
		    const struct node *a, const struct node *b)
{
	switch (op->cls) {
	case OP_REL:
		if (a->kind != K_ATTR)
			return dfail(d, off, -E_CORRUPT, "'%s' has %s on its left, not an attribute",
				     op->name, kind_name(a->kind));
		if (b->kind == K_BOOL)
			return dfail(d, off, -E_CORRUPT, "'%s' has a condition on its right, not a value",
				     op->name);
		return 0;
	case OP_MEMBER:
		if (!sids_only(d, b))
			return dfail(d, off, -E_CORRUPT, "'%s' needs a SID or a list of SIDs, not %s",
				     op->name, kind_name(b->kind));
		return 0;
	case OP_EXISTS:
		if (b->kind != K_ATTR)
			return dfail(d, off, -E_CORRUPT, "'%s' needs an attribute, not %s",
				     op->name, kind_name(b->kind));
		return 0;
	default:
		if ((a && a->kind != K_ATTR && a->kind != K_BOOL) ||
		    (b->kind != K_ATTR && b->kind != K_BOOL))
			return dfail(d, off, -E_CORRUPT, "'%s' needs conditions or attributes, not %s",
				     op->name, kind_name(a && a->kind != K_ATTR && a->kind != K_BOOL ?
							 a->kind : b->kind));
		return 0;
	}
}

void cx_dec_release(struct dec *d)
{
	free(d->n);
	d->n = NULL;
}

/* Read and check the whole expression into d->n (postfix -> tree). */
int cx_dec_run(struct dec *d, const uint8_t *data, size_t len, size_t base,
		   struct err *err)
{
	int32_t *stack = NULL;
	size_t pos, sp = 0, end, n, i;
	int rc = 0;

	memset(d, 0, sizeof(*d));
	d->d = data;
	d->len = len;
	d->base = base;
	d->err = err;
	d->root = -1;
	if (!condexpr_is_conditional(data, len))
		return dfail(d, 0, -E_CORRUPT, "no \"artx\" signature");
	if (len > LIMIT_COND_BYTES)
		return dfail(d, 0, -E_LIMIT, "%zu bytes > LIMIT_COND_BYTES (%u)", len, LIMIT_COND_BYTES);
	if (len % 4)
		return dfail(d, 0, -E_CORRUPT, "%zu bytes, not a multiple of 4", len);
	/* at most one node per byte */
	d->n = calloc(len, sizeof(*d->n));
	stack = calloc(len, sizeof(*stack));
	if (!d->n || !stack) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	for (pos = 4; pos < len; pos = end) {
		struct node *x = &d->n[d->count];
		uint8_t t = data[pos];
		const struct opdef *op;

		if (t == CT_PAD) {
			for (i = pos; i < len; i++)
				if (data[i]) {
					rc = dfail(d, i, -E_CORRUPT, "byte 0x%02x after the end of the expression",
						   data[i]);
					goto out;
				}
			if (len - pos > 3) {
				rc = dfail(d, pos, -E_CORRUPT, "%zu bytes of padding (at most 3)", len - pos);
				goto out;
			}
			break;
		}
		x->off = (uint32_t)pos;
		x->tok = t;
		x->a = x->b = -1;
		x->depth = 1;
		if (cx_is_int_tok(t) || t == CT_UNICODE || t == CT_OCTET || t == CT_SID ||
		    t == CT_COMPOSITE) {
			if ((rc = lit_check(d, pos, len, 0, &end)) < 0)
				goto out;
			x->kind = t == CT_COMPOSITE ? K_COMPOSITE : K_SCALAR;
		} else if (is_attr_tok(t)) {
			if ((rc = count_token(d, pos)) < 0 ||
			    (rc = payload(d, pos, len, "attribute name", &n)) < 0 ||
			    (rc = check_utf16(d, pos, n, "attribute name")) < 0)
				goto out;
			if (n == 0) {
				rc = dfail(d, pos, -E_CORRUPT, "empty attribute name");
				goto out;
			}
			x->kind = K_ATTR;
			end = pos + 5 + n;
		} else if ((op = cx_op_find(t)) != NULL) {
			int nargs = cx_op_nargs(op);
			struct node *a = NULL, *b;

			if ((rc = count_token(d, pos)) < 0)
				goto out;
			if (sp < (size_t)nargs) {
				rc = dfail(d, pos, -E_CORRUPT, "'%s' lacks %s operand", op->name,
					   nargs == 2 && sp == 1 ? "its left" : "an");
				goto out;
			}
			b = &d->n[stack[--sp]];
			if (nargs == 2)
				a = &d->n[stack[--sp]];
			if ((rc = op_check(d, op, pos, a, b)) < 0)
				goto out;
			x->kind = K_BOOL;
			x->a = (int32_t)(a ? a - d->n : b - d->n);
			x->b = a ? (int32_t)(b - d->n) : -1;
			x->depth = (uint16_t)(1 + (a && a->depth > b->depth ? a->depth : b->depth));
			if (x->depth > LIMIT_COND_DEPTH) {
				rc = dfail(d, pos, -E_LIMIT, "operators nested deeper than LIMIT_COND_DEPTH (%u)",
					   LIMIT_COND_DEPTH);
				goto out;
			}
			end = pos + 1;
		} else {
			rc = dfail(d, pos, -E_CORRUPT, "unknown token 0x%02x", t);
			goto out;
		}
		stack[sp++] = (int32_t)d->count++;
	}
	if (sp == 0) {
		rc = dfail(d, 4, -E_CORRUPT, "empty expression");
		goto out;
	}
	if (sp > 1) {
		rc = dfail(d, d->n[stack[1]].off, -E_CORRUPT, "%zu operands without an operator", sp);
		goto out;
	}
	d->root = stack[0];
	if (d->n[d->root].kind != K_ATTR && d->n[d->root].kind != K_BOOL)
		rc = dfail(d, d->n[d->root].off, -E_CORRUPT, "the expression is %s, not a condition",
			   kind_name(d->n[d->root].kind));
out:
	free(stack);
	if (rc < 0)
		cx_dec_release(d);
	return rc;
}

int condexpr_validate(const uint8_t *data, size_t len, size_t base,
		      struct err *err)
{
	struct dec d;
	int rc = cx_dec_run(&d, data, len, base, err);

	cx_dec_release(&d);
	return rc;
}

