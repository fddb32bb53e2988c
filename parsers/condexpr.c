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
#include "condexpr.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static const uint8_t cond_sig[4] = { 'a', 'r', 't', 'x' };

enum cond_tok {
	CT_PAD = 0x00,
	CT_INT8 = 0x01, CT_INT16 = 0x02, CT_INT32 = 0x03, CT_INT64 = 0x04,
	CT_UNICODE = 0x10, CT_OCTET = 0x18, CT_COMPOSITE = 0x50, CT_SID = 0x51,
	CT_EQ = 0x80, CT_NE = 0x81, CT_LT = 0x82, CT_LE = 0x83, CT_GT = 0x84,
	CT_GE = 0x85, CT_CONTAINS = 0x86, CT_EXISTS = 0x87, CT_ANY_OF = 0x88,
	CT_MEMBER_OF = 0x89, CT_DEV_MEMBER_OF = 0x8a, CT_MEMBER_OF_ANY = 0x8b,
	CT_DEV_MEMBER_OF_ANY = 0x8c, CT_NOT_EXISTS = 0x8d, CT_NOT_CONTAINS = 0x8e,
	CT_NOT_ANY_OF = 0x8f, CT_NOT_MEMBER_OF = 0x90, CT_NOT_DEV_MEMBER_OF = 0x91,
	CT_NOT_MEMBER_OF_ANY = 0x92, CT_NOT_DEV_MEMBER_OF_ANY = 0x93,
	CT_AND = 0xa0, CT_OR = 0xa1, CT_NOT = 0xa2,
	CT_LOCAL = 0xf8, CT_USER = 0xf9, CT_RESOURCE = 0xfa, CT_DEVICE = 0xfb,
};

enum int_sign { SIGN_PLUS = 1, SIGN_MINUS = 2, SIGN_NONE = 3 };
enum int_base { BASE_8 = 1, BASE_10 = 2, BASE_16 = 3 };

/* What a subexpression is, for the operand rules of each operator. */
enum kind { K_SCALAR = 1, K_COMPOSITE, K_ATTR, K_BOOL };

enum op_class {
	OP_REL,      /* attribute OP value: == != < <= > >= Contains Any_of... */
	OP_MEMBER,   /* Member_of & co: one SID or a list of SIDs */
	OP_EXISTS,   /* Exists / Not_Exists attribute */
	OP_NOT,      /* ! */
	OP_LOGIC,    /* && || */
};

struct opdef {
	uint8_t tok;
	uint8_t cls;
	const char *name;   /* as Windows prints it (samba's windows tests) */
};

static const struct opdef ops[] = {
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

static const struct opdef *op_find(uint8_t tok)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(ops); i++)
		if (ops[i].tok == tok)
			return &ops[i];
	return NULL;
}

/* n bytes of a and b equal without ASCII case. */
static int ieqn(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (tolower((unsigned char)a[i]) != tolower((unsigned char)b[i]))
			return 0;
	return 1;
}

static int op_nargs(const struct opdef *op)
{
	return op->cls == OP_REL || op->cls == OP_LOGIC ? 2 : 1;
}

static int is_int_tok(uint8_t t)
{
	return t >= CT_INT8 && t <= CT_INT64;
}

static int is_attr_tok(uint8_t t)
{
	return t >= CT_LOCAL && t <= CT_DEVICE;
}

static const char *attr_prefix(uint8_t t)
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
	return data && len >= sizeof(cond_sig) && memcmp(data, cond_sig, sizeof(cond_sig)) == 0;
}

/* ---- a growing string --------------------------------------------------- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

static void sb_addn(struct sbuf *b, const char *s, size_t n)
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

static void sb_add(struct sbuf *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

static void sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void sb_printf(struct sbuf *b, const char *fmt, ...)
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
	sb_addn(b, tmp, (size_t)n);
}

/* ---- a growing byte buffer ---------------------------------------------- */

struct obuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

static void ob_add(struct obuf *o, const void *s, size_t n)
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

static void ob_byte(struct obuf *o, uint8_t v)
{
	ob_add(o, &v, 1);
}

static void ob_le32(struct obuf *o, uint32_t v)
{
	uint8_t b[4];

	put_le32(b, v);
	ob_add(o, b, 4);
}

static void ob_le64(struct obuf *o, uint64_t v)
{
	uint8_t b[8];

	put_le64(b, v);
	ob_add(o, b, 8);
}

/* ---- UTF-16LE <-> UTF-8 (strict: lone surrogates are refused) ----------- */

/* Append the UTF-8 form of n bytes of UTF-16LE; 0, or -1 for a lone
 * surrogate. */
static int utf16_to_utf8(struct sbuf *b, const uint8_t *p, size_t n)
{
	size_t i;
	char u[4];

	for (i = 0; i + 1 < n; i += 2) {
		uint32_t c = le16(p + i);

		if (c >= 0xd800 && c <= 0xdbff) {
			uint32_t lo;

			if (i + 3 >= n)
				return -1;
			lo = le16(p + i + 2);
			if (lo < 0xdc00 || lo > 0xdfff)
				return -1;
			c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
			i += 2;
		} else if (c >= 0xdc00 && c <= 0xdfff) {
			return -1;
		}
		if (c < 0x80) {
			u[0] = (char)c;
			sb_addn(b, u, 1);
		} else if (c < 0x800) {
			u[0] = (char)(0xc0 | (c >> 6));
			u[1] = (char)(0x80 | (c & 0x3f));
			sb_addn(b, u, 2);
		} else if (c < 0x10000) {
			u[0] = (char)(0xe0 | (c >> 12));
			u[1] = (char)(0x80 | ((c >> 6) & 0x3f));
			u[2] = (char)(0x80 | (c & 0x3f));
			sb_addn(b, u, 3);
		} else {
			u[0] = (char)(0xf0 | (c >> 18));
			u[1] = (char)(0x80 | ((c >> 12) & 0x3f));
			u[2] = (char)(0x80 | ((c >> 6) & 0x3f));
			u[3] = (char)(0x80 | (c & 0x3f));
			sb_addn(b, u, 4);
		}
	}
	return 0;
}

/* Decode one UTF-8 character at s[0..n); its code point in *cp and its
 * length returned, or 0 when malformed (overlong, surrogate, > U+10FFFF). */
static size_t utf8_char(const unsigned char *s, size_t n, uint32_t *cp)
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
	    c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return k;
}

/* Append c as UTF-16LE. */
static void ob_utf16(struct obuf *o, uint32_t c)
{
	uint8_t b[4];

	if (c >= 0x10000) {
		c -= 0x10000;
		put_le16(b, (uint16_t)(0xd800 + (c >> 10)));
		put_le16(b + 2, (uint16_t)(0xdc00 + (c & 0x3ff)));
		ob_add(o, b, 4);
	} else {
		put_le16(b, (uint16_t)c);
		ob_add(o, b, 2);
	}
}

/* ---- binary: checking ----------------------------------------------------- */

struct node {
	uint32_t off;        /* the token byte, in data */
	uint8_t tok;
	uint8_t kind;        /* enum kind */
	uint16_t depth;      /* height of the subtree */
	int32_t a, b;        /* operands (unary: a), -1 when none */
};

struct dec {
	const uint8_t *d;
	size_t len;
	size_t base;         /* where d sits in the descriptor (messages) */
	struct node *n;
	size_t count;
	int32_t root;
	unsigned tokens;
	struct err *err;
};

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
	if (is_int_tok(t)) {
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

			if (!is_int_tok(m) && m != CT_UNICODE && m != CT_OCTET && m != CT_SID &&
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

static void dec_release(struct dec *d)
{
	free(d->n);
	d->n = NULL;
}

/* Read and check the whole expression into d->n (postfix -> tree). */
static int dec_run(struct dec *d, const uint8_t *data, size_t len, size_t base,
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
		if (is_int_tok(t) || t == CT_UNICODE || t == CT_OCTET || t == CT_SID ||
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
		} else if ((op = op_find(t)) != NULL) {
			int nargs = op_nargs(op);
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
		dec_release(d);
	return rc;
}

int condexpr_validate(const uint8_t *data, size_t len, size_t base,
		      struct err *err)
{
	struct dec d;
	int rc = dec_run(&d, data, len, base, err);

	dec_release(&d);
	return rc;
}

/* ---- binary -> text --------------------------------------------------- */

struct pr {
	const struct dec *d;
	struct sbuf sb;
	struct err *err;
};

static int pfail(struct pr *pr, size_t off, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int pfail(struct pr *pr, size_t off, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(pr->err, -E_UNSUPPORTED, "condition: %s at offset %zu (SDDL cannot spell it)",
		       msg, off);
}

/* Integers as the parser reads them back: a sign only when the sign byte
 * says so; octal with a leading 0 ("00" for zero), hex with 0x. */
static int print_int(struct sbuf *b, const uint8_t *p, struct err *err, size_t off)
{
	uint64_t u = le64(p), mag;
	int64_t v;
	uint8_t sign = p[8], base = p[9];

	memcpy(&v, &u, sizeof(v));
	if (sign == SIGN_NONE) {
		mag = u;
		if (base == BASE_10 && v < 0)
			return err_set(err, -E_UNSUPPORTED,
				       "condition: negative decimal literal without a '-' sign at offset %zu (SDDL cannot spell it)",
				       off);
	} else {
		sb_add(b, sign == SIGN_MINUS ? "-" : "+");
		mag = sign == SIGN_MINUS ? 0 - u : u;
	}
	if (base == BASE_16)
		sb_printf(b, "0x%llx", (unsigned long long)mag);
	else if (base == BASE_8)
		sb_printf(b, "0%llo", (unsigned long long)mag);
	else
		sb_printf(b, "%llu", (unsigned long long)mag);
	return 0;
}

static int is_name_char(int c)
{
	return isalnum(c) || c == ':' || c == '.' || c == '/' || c == '_' || c == '@';
}

/* Words that start an operator or literal in the text form: a local
 * attribute spelled like one is escaped so that it reads back. */
static const char *const keywords[] = {
	"Contains", "Any_of", "Not_Contains", "Not_Any_of", "Exists", "Not_Exists",
	"Member_of", "Device_Member_of", "Member_of_any", "Device_Member_of_Any",
	"Not_Member_of", "Not_Device_Member_of", "Not_Member_of_Any",
	"Not_Device_Member_of_Any", "SID",
};

static int keyword_len(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < ARRAY_LEN(keywords); i++)
		if (strlen(keywords[i]) == n && ieqn(keywords[i], s, n))
			return 1;
	return 0;
}

/* An attribute or resource-attribute name: letters, digits and ":./_@"
 * as they are, anything else as %xxxx (its UTF-16 code unit, MS-DTYP
 * 2.5.1.1 lit-char).  For local names the first character is escaped too
 * when it would read as something else (a digit, '@', a keyword). */
static void print_name(struct sbuf *b, const uint8_t *p, size_t n, int local)
{
	char ascii[64];
	size_t i, k = n / 2;
	int kw = 0;

	if (local && k < sizeof(ascii)) {
		for (i = 0; i < k; i++) {
			uint16_t c = le16(p + 2 * i);
			ascii[i] = c < 0x80 ? (char)c : '?';
		}
		kw = keyword_len(ascii, k);
	}
	for (i = 0; i < k; i++) {
		uint16_t c = le16(p + 2 * i);
		int esc = c >= 0x80 || !is_name_char(c);

		if (i == 0 && local && ((c < 0x80 && isdigit(c)) || c == '@' || kw))
			esc = 1;
		if (esc) {
			sb_printf(b, "%%%04x", c);
		} else {
			char ch = (char)c;
			sb_addn(b, &ch, 1);
		}
	}
}

static int print_string(struct pr *pr, size_t off, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 2)
		if (le16(p + i) == '"')
			return pfail(pr, pr->d->base + off, "string literal holding '\"'");
	sb_add(&pr->sb, "\"");
	if (utf16_to_utf8(&pr->sb, p, n) < 0)
		return pfail(pr, pr->d->base + off, "string literal with a lone UTF-16 surrogate");
	sb_add(&pr->sb, "\"");
	return 0;
}

static void print_sid(struct sbuf *b, const struct sid *s)
{
	char str[SID_STR_MAX];
	const char *alias = sid_alias(s);

	if (alias) {
		sb_add(b, alias);
	} else {
		sid_to_string(s, str, sizeof(str));
		sb_add(b, str);
	}
}

static int print_lit(struct pr *pr, size_t off, unsigned depth)
{
	const uint8_t *p = pr->d->d + off;
	size_t n, pos, end;
	struct sid sid;
	int rc, first = 1;

	if (depth > LIMIT_COND_DEPTH)
		return err_set(pr->err, -E_LIMIT, "condition: nesting deeper than LIMIT_COND_DEPTH");
	if (is_int_tok(p[0]))
		return print_int(&pr->sb, p + 1, pr->err, pr->d->base + off);
	n = le32(p + 1);
	switch (p[0]) {
	case CT_UNICODE:
		return print_string(pr, off, p + 5, n);
	case CT_OCTET:
		sb_add(&pr->sb, "#");
		for (pos = 0; pos < n; pos++)
			sb_printf(&pr->sb, "%02x", p[5 + pos]);
		return 0;
	case CT_SID:
		if (sid_parse(p + 5, n, &sid, NULL, NULL) < 0)
			return err_set(pr->err, -E_INTERNAL, "condition: SID literal changed");
		sb_add(&pr->sb, "SID(");
		print_sid(&pr->sb, &sid);
		sb_add(&pr->sb, ")");
		return 0;
	case CT_COMPOSITE:
		sb_add(&pr->sb, "{");
		for (pos = off + 5, end = pos + n; pos < end; ) {
			const uint8_t *m = pr->d->d + pos;

			if (!first)
				sb_add(&pr->sb, ", ");
			first = 0;
			if ((rc = print_lit(pr, pos, depth + 1)) < 0)
				return rc;
			pos += is_int_tok(m[0]) ? 11 : 5 + le32(m + 1);
		}
		sb_add(&pr->sb, "}");
		return 0;
	default:
		return err_set(pr->err, -E_INTERNAL, "condition: literal 0x%02x", p[0]);
	}
}

/* Windows' layout: the whole expression and every operand of ! && || in
 * one pair of parentheses, nothing else. */
static int print_node(struct pr *pr, int32_t idx, int parens, unsigned depth)
{
	const struct node *x = &pr->d->n[idx];
	const struct opdef *op;
	int rc = 0, logic;

	if (depth > LIMIT_COND_DEPTH)
		return err_set(pr->err, -E_LIMIT, "condition: nesting deeper than LIMIT_COND_DEPTH");
	if (parens)
		sb_add(&pr->sb, "(");
	if (x->kind == K_ATTR) {
		sb_add(&pr->sb, attr_prefix(x->tok));
		print_name(&pr->sb, pr->d->d + x->off + 5, le32(pr->d->d + x->off + 1),
			   x->tok == CT_LOCAL);
	} else if (x->kind != K_BOOL) {
		rc = print_lit(pr, x->off, depth);
	} else {
		op = op_find(x->tok);
		logic = op->cls == OP_LOGIC || op->cls == OP_NOT;
		if (op_nargs(op) == 2) {
			if ((rc = print_node(pr, x->a, logic, depth + 1)) < 0)
				return rc;
			sb_add(&pr->sb, " ");
			sb_add(&pr->sb, op->name);
			sb_add(&pr->sb, " ");
			rc = print_node(pr, x->b, logic, depth + 1);
		} else {
			sb_add(&pr->sb, op->name);
			if (op->cls != OP_NOT)
				sb_add(&pr->sb, " ");
			rc = print_node(pr, x->a, logic, depth + 1);
		}
	}
	if (rc < 0)
		return rc;
	if (parens)
		sb_add(&pr->sb, ")");
	return 0;
}

int condexpr_to_sddl(const uint8_t *data, size_t len, char **out,
		     struct err *err)
{
	struct dec d;
	struct pr pr;
	int rc;

	*out = NULL;
	if ((rc = dec_run(&d, data, len, 0, err)) < 0)
		return rc;
	memset(&pr, 0, sizeof(pr));
	pr.d = &d;
	pr.err = err;
	rc = print_node(&pr, d.root, 1, 0);
	dec_release(&d);
	if (rc == 0 && pr.sb.oom)
		rc = err_set(err, -E_NOMEM, "out of memory");
	if (rc < 0) {
		free(pr.sb.p);
		return rc;
	}
	*out = pr.sb.p;
	return 0;
}

/* ---- evaluation ----------------------------------------------------------- */

static int token_has_sid(const struct cond_env *env, const uint8_t *p, size_t n)
{
	struct sid s;
	size_t i;

	if (sid_parse(p, n, &s, NULL, NULL) < 0)
		return 0;
	for (i = 0; i < env->nsids; i++)
		if (sid_equal(&env->sids[i], &s))
			return 1;
	return 0;
}

static enum cond_value member_of(const struct dec *d, const struct node *op,
				 const struct node *arg, const struct cond_env *env)
{
	int device = op->tok == CT_DEV_MEMBER_OF || op->tok == CT_DEV_MEMBER_OF_ANY ||
		     op->tok == CT_NOT_DEV_MEMBER_OF || op->tok == CT_NOT_DEV_MEMBER_OF_ANY;
	int any = op->tok == CT_MEMBER_OF_ANY || op->tok == CT_DEV_MEMBER_OF_ANY ||
		  op->tok == CT_NOT_MEMBER_OF_ANY || op->tok == CT_NOT_DEV_MEMBER_OF_ANY;
	int negate = op->tok >= CT_NOT_MEMBER_OF && op->tok <= CT_NOT_DEV_MEMBER_OF_ANY;
	const uint8_t *p = d->d + arg->off;
	size_t pos, end;
	int match;

	if (arg->tok == CT_SID) {
		match = !device && token_has_sid(env, p + 5, le32(p + 1));
	} else {
		/* all of the list (Member_of) or one of it (_Any); a token
		 * without device SIDs matches none of them */
		match = !any;
		for (pos = arg->off + 5, end = pos + le32(p + 1); pos < end;
		     pos += 5 + le32(d->d + pos + 1)) {
			int has = !device && token_has_sid(env, d->d + pos + 5, le32(d->d + pos + 1));

			if (any && has) {
				match = 1;
				break;
			}
			if (!any && !has) {
				match = 0;
				break;
			}
		}
	}
	if (negate)
		match = !match;
	return match ? COND_TRUE : COND_FALSE;
}

static enum cond_value truth(const struct dec *d, int32_t idx, const struct cond_env *env,
			     unsigned depth)
{
	const struct node *x = &d->n[idx];
	const struct opdef *op;
	enum cond_value a, b;

	if (depth > LIMIT_COND_DEPTH || x->kind != K_BOOL)
		return COND_UNKNOWN;   /* an attribute's value: NULL without claims */
	op = op_find(x->tok);
	switch (op->cls) {
	case OP_MEMBER:
		return member_of(d, x, &d->n[x->a], env);
	case OP_EXISTS: {
		const struct node *attr = &d->n[x->a];
		int found = 0;

		if (attr->tok == CT_RESOURCE && env->resource_exists)
			found = env->resource_exists(env->ctx, d->d + attr->off + 5,
						     le32(d->d + attr->off + 1)) > 0;
		if (x->tok == CT_NOT_EXISTS)
			found = !found;
		return found ? COND_TRUE : COND_FALSE;
	}
	case OP_REL:
		/* the left side is an attribute, NULL for a token without
		 * claims: comparisons with NULL are UNKNOWN */
		return COND_UNKNOWN;
	case OP_NOT:
		a = truth(d, x->a, env, depth + 1);
		return a == COND_UNKNOWN ? COND_UNKNOWN : a == COND_TRUE ? COND_FALSE : COND_TRUE;
	default:
		a = truth(d, x->a, env, depth + 1);
		b = truth(d, x->b, env, depth + 1);
		if (x->tok == CT_AND) {
			if (a == COND_FALSE || b == COND_FALSE)
				return COND_FALSE;
			return a == COND_TRUE && b == COND_TRUE ? COND_TRUE : COND_UNKNOWN;
		}
		if (a == COND_TRUE || b == COND_TRUE)
			return COND_TRUE;
		return a == COND_FALSE && b == COND_FALSE ? COND_FALSE : COND_UNKNOWN;
	}
}

enum cond_value condexpr_eval(const uint8_t *data, size_t len,
			      const struct cond_env *env)
{
	struct dec d;
	struct err e;
	enum cond_value v;

	err_init(&e);
	if (!env || dec_run(&d, data, len, 0, &e) < 0)
		return COND_UNKNOWN;
	v = truth(&d, d.root, env, 0);
	dec_release(&d);
	return v;
}

/* ---- text -> binary ------------------------------------------------------- */

struct cp {
	const char *s;
	size_t len, pos;
	struct obuf out;
	unsigned tokens;
	size_t *err_offset;
	struct err *err;
};

static int cfail(struct cp *c, size_t at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int cfail(struct cp *c, size_t at, int code, const char *fmt, ...)
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

static void cws(struct cp *c)
{
	while (c->pos < c->len && isspace((unsigned char)c->s[c->pos]))
		c->pos++;
}

static int cpeek(const struct cp *c)
{
	return c->pos < c->len ? (unsigned char)c->s[c->pos] : -1;
}

static int cexpect(struct cp *c, char ch)
{
	cws(c);
	if (cpeek(c) != (unsigned char)ch)
		return cfail(c, c->pos, -E_CORRUPT, "expected '%c'", ch);
	c->pos++;
	return 0;
}

static int ctoken(struct cp *c, size_t at)
{
	if (++c->tokens > LIMIT_COND_TOKENS)
		return cfail(c, at, -E_LIMIT, "more than LIMIT_COND_TOKENS (%u) tokens",
			     LIMIT_COND_TOKENS);
	return 0;
}

/* The length of the name-character run at pos (escapes count as 5). */
static size_t name_run(const struct cp *c, size_t pos)
{
	size_t i = pos;

	for (;;) {
		if (i < c->len && is_name_char((unsigned char)c->s[i])) {
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
static int read_name(struct cp *c, size_t start, size_t n, const char *what,
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
				return cfail(c, i, -E_CORRUPT, "%%0000 in %s", what);
			i += 5;
		} else {
			u = (unsigned char)c->s[i];
			i++;
		}
		ob_utf16(o, u);
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

	ob_le32(&c->out, 0);
	if ((rc = read_name(c, start, n, what, &c->out, &bytes)) < 0)
		return rc;
	if (!c->out.oom)
		put_le32(c->out.p + lenpos, bytes);
	return 0;
}

/* A quoted string whose first character is at start: UTF-8 up to the
 * next '"' (SDDL has no escapes), appended to o as UTF-16LE; *bytes
 * receives its size and pos moves past the closing quote. */
static int read_string(struct cp *c, size_t start, struct obuf *o, uint32_t *bytes)
{
	size_t i;
	uint32_t cp;

	*bytes = 0;
	for (i = start; i < c->len && c->s[i] != '"'; ) {
		size_t k = utf8_char((const unsigned char *)c->s + i, c->len - i, &cp);

		if (k == 0)
			return cfail(c, i, -E_CORRUPT, "invalid UTF-8 in a string");
		ob_utf16(o, cp);
		*bytes += cp >= 0x10000 ? 4 : 2;
		i += k;
	}
	if (i >= c->len)
		return cfail(c, start - 1, -E_CORRUPT, "unterminated string");
	c->pos = i + 1;
	return 0;
}

/* Read [+-]digits in base 8 (leading 0), 10 or 16 (0x) at pos: value,
 * sign and base bytes.  Ranges: a '-' magnitude up to 2^63, '+' and
 * decimal up to 2^63-1 (2^64-1 when wide: TU values), unsigned octal
 * and hex up to 2^64-1 (kept as the two's complement bits, the way they
 * print). */
static int read_int(struct cp *c, int wide, uint64_t *val, uint8_t *sign, uint8_t *base)
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
				return cfail(c, i, -E_CORRUPT, "bad digit '%c' in a number", c->s[i]);
			break;
		}
		if (v > (lim - (uint64_t)d) / radix)
			return cfail(c, start, -E_CORRUPT, "number out of the 64-bit range");
		v = v * radix + (uint64_t)d;
	}
	if (digits == 0)
		return cfail(c, start, -E_CORRUPT, "expected a number");
	c->pos = i;
	*val = *sign == SIGN_MINUS ? 0 - v : v;
	return 0;
}

static int parse_int_text(struct cp *c, uint8_t *tok)
{
	uint64_t v;
	uint8_t sign, base;
	int rc = read_int(c, 0, &v, &sign, &base);

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

	cws(c);
	at = c->pos;
	ch = cpeek(c);
	if (depth > LIMIT_COND_DEPTH)
		return cfail(c, at, -E_LIMIT, "nesting deeper than LIMIT_COND_DEPTH (%u)",
			     LIMIT_COND_DEPTH);
	if ((rc = ctoken(c, at)) < 0)
		return rc;
	*sids = 0;
	*kind = K_SCALAR;
	if (ch == '+' || ch == '-' || (ch >= '0' && ch <= '9')) {
		if ((rc = parse_int_text(c, tok)) < 0)
			return rc;
		ob_add(&c->out, tok, sizeof(tok));
		return 0;
	}
	if (ch == '"') {
		uint32_t bytes;

		ob_byte(&c->out, CT_UNICODE);
		lenpos = c->out.len;
		ob_le32(&c->out, 0);
		if ((rc = read_string(c, at + 1, &c->out, &bytes)) < 0)
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
			return cfail(c, at, -E_CORRUPT, "odd number of hex digits in an octet string");
		ob_byte(&c->out, CT_OCTET);
		ob_le32(&c->out, (uint32_t)((i - d0) / 2));
		for (n = d0; n < i; n += 2) {
			int hi = c->s[n] == '#' ? 0 : hex_digit(c->s[n]);
			int lo = c->s[n + 1] == '#' ? 0 : hex_digit(c->s[n + 1]);

			ob_byte(&c->out, (uint8_t)(hi << 4 | lo));
		}
		c->pos = i;
		return 0;
	}
	if (c->len - at >= 4 && ieqn(c->s + at, "SID(", 4)) {
		struct sid sid;
		uint8_t bin[8 + 4 * SID_MAX_SUB];
		size_t blen, start, end;
		struct err e;

		c->pos = at + 4;
		cws(c);
		start = c->pos;
		while (c->pos < c->len && c->s[c->pos] != ')' && !isspace((unsigned char)c->s[c->pos]))
			c->pos++;
		end = c->pos;
		err_init(&e);
		if (sid_from_text(c->s + start, end - start, &sid, &e) < 0)
			return cfail(c, start, e.code ? e.code : -E_CORRUPT, "%s", e.msg);
		if ((rc = cexpect(c, ')')) < 0)
			return rc;
		blen = sid_encode(&sid, bin, sizeof(bin));
		ob_byte(&c->out, CT_SID);
		ob_le32(&c->out, (uint32_t)blen);
		ob_add(&c->out, bin, blen);
		*sids = 1;
		return 0;
	}
	if (ch == '{') {
		c->pos++;
		ob_byte(&c->out, CT_COMPOSITE);
		lenpos = c->out.len;
		ob_le32(&c->out, 0);
		cws(c);
		if (cpeek(c) != '}') {
			for (;;) {
				if ((rc = parse_literal(c, depth + 1, &k, &s)) < 0)
					return rc;
				all = all && s && k == K_SCALAR;
				n++;
				cws(c);
				if (cpeek(c) != ',')
					break;
				c->pos++;
			}
		}
		if ((rc = cexpect(c, '}')) < 0)
			return rc;
		if (!c->out.oom)
			put_le32(c->out.p + lenpos, (uint32_t)(c->out.len - lenpos - 4));
		*kind = K_COMPOSITE;
		*sids = all && n > 0;
		return 0;
	}
	return cfail(c, at, -E_CORRUPT, "expected a value (number, \"string\", #octets, SID(...) or {list})");
}

/* A literal, or one in parentheses ("Member_of (SID(WD))"). */
static int parse_operand(struct cp *c, unsigned depth, int *kind, int *sids)
{
	int rc;

	cws(c);
	if (cpeek(c) == '(' && !(c->len - c->pos >= 4 && ieqn(c->s + c->pos, "SID(", 4))) {
		c->pos++;
		if ((rc = parse_literal(c, depth + 1, kind, sids)) < 0)
			return rc;
		return cexpect(c, ')');
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

	if (cpeek(c) == '@') {
		for (i = 0; i < ARRAY_LEN(pre); i++) {
			size_t pl = strlen(pre[i].p);

			if (c->len - at >= pl && ieqn(c->s + at, pre[i].p, pl)) {
				n = name_run(c, at + pl);
				if (n == 0)
					return cfail(c, at + pl, -E_CORRUPT, "expected an attribute name");
				if ((rc = ctoken(c, at)) < 0)
					return rc;
				ob_byte(&c->out, pre[i].tok);
				if ((rc = emit_name(c, at + pl, n, "an attribute name")) < 0)
					return rc;
				c->pos = at + pl + n;
				return 1;
			}
		}
		return cfail(c, at, -E_CORRUPT, "expected @USER., @DEVICE. or @RESOURCE.");
	}
	n = name_run(c, at);
	if (n == 0 || isdigit((unsigned char)c->s[at]))
		return 0;
	if ((rc = ctoken(c, at)) < 0)
		return rc;
	ob_byte(&c->out, CT_LOCAL);
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
	if (n == 0 || (c->pos + n < c->len && is_name_char((unsigned char)c->s[c->pos + n])))
		return NULL;
	for (i = 0; i < ARRAY_LEN(ops); i++)
		if (isalpha((unsigned char)ops[i].name[0]) && strlen(ops[i].name) == n &&
		    ieqn(ops[i].name, c->s + c->pos, n)) {
			*wlen = n;
			return &ops[i];
		}
	return NULL;
}

static const struct opdef *symbol_op(const struct cp *c, size_t *slen)
{
	static const uint8_t order[] = { CT_EQ, CT_NE, CT_LE, CT_GE, CT_LT, CT_GT };
	size_t i;

	for (i = 0; i < ARRAY_LEN(order); i++) {
		const struct opdef *op = op_find(order[i]);
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
	ob_byte(&c->out, op->tok);
	return 0;
}

static int parse_term(struct cp *c, unsigned depth, int *kind)
{
	const struct opdef *op;
	size_t at, n = 0;
	int rc, k, s;

	if (depth > LIMIT_COND_DEPTH)
		return cfail(c, c->pos, -E_LIMIT, "nesting deeper than LIMIT_COND_DEPTH (%u)",
			     LIMIT_COND_DEPTH);
	cws(c);
	at = c->pos;
	if (cpeek(c) == '(') {
		c->pos++;
		if ((rc = parse_or(c, depth + 1, kind)) < 0)
			return rc;
		return cexpect(c, ')');
	}
	op = word_op(c, &n);
	if (op && (op->cls == OP_MEMBER || op->cls == OP_EXISTS)) {
		c->pos += n;
		cws(c);
		if (op->cls == OP_MEMBER) {
			size_t vat = c->pos;

			if ((rc = parse_operand(c, depth + 1, &k, &s)) < 0)
				return rc;
			if (!s)
				return cfail(c, vat, -E_CORRUPT, "'%s' needs SID(...) or a list of SIDs",
					     op->name);
		} else {
			size_t vat = c->pos;

			if ((rc = parse_attr(c)) < 0)
				return rc;
			if (rc == 0)
				return cfail(c, vat, -E_CORRUPT, "'%s' needs an attribute", op->name);
		}
		*kind = K_BOOL;
		return emit_op(c, op, at);
	}
	if (op)
		return cfail(c, at, -E_CORRUPT, "'%s' needs an attribute on its left", op->name);
	if ((rc = parse_attr(c)) < 0)
		return rc;
	if (rc == 0)
		return cfail(c, at, -E_CORRUPT, "expected an attribute, an operator or '('");
	cws(c);
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
	cws(c);
	if (cpeek(c) == '@' || (name_run(c, c->pos) && !isdigit((unsigned char)c->s[c->pos]) &&
				!(c->len - c->pos >= 4 && ieqn(c->s + c->pos, "SID(", 4)))) {
		size_t vat = c->pos;

		if ((rc = parse_attr(c)) < 0)
			return rc;
		if (rc == 0)
			return cfail(c, vat, -E_CORRUPT, "expected a value");
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
		return cfail(c, c->pos, -E_LIMIT, "nesting deeper than LIMIT_COND_DEPTH (%u)",
			     LIMIT_COND_DEPTH);
	cws(c);
	at = c->pos;
	if (cpeek(c) == '!' && !(c->pos + 1 < c->len && c->s[c->pos + 1] == '=')) {
		c->pos++;
		if ((rc = parse_unary(c, depth + 1, kind)) < 0)
			return rc;
		*kind = K_BOOL;
		return emit_op(c, op_find(CT_NOT), at);
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
		cws(c);
		at = c->pos;
		if (c->len - at < 2 || strncmp(c->s + at, "&&", 2) != 0)
			return 0;
		c->pos += 2;
		if ((rc = parse_unary(c, depth, &k)) < 0 ||
		    (rc = emit_op(c, op_find(CT_AND), at)) < 0)
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
		cws(c);
		at = c->pos;
		if (c->len - at < 2 || strncmp(c->s + at, "||", 2) != 0)
			return 0;
		c->pos += 2;
		if ((rc = parse_and(c, depth, &k)) < 0 ||
		    (rc = emit_op(c, op_find(CT_OR), at)) < 0)
			return rc;
		*kind = K_BOOL;
	}
}

static int finish_out(struct cp *c, uint8_t **out, size_t *outlen)
{
	static const uint8_t zero[3] = { 0, 0, 0 };

	if (c->out.len % 4)
		ob_add(&c->out, zero, 4 - c->out.len % 4);
	if (c->out.oom)
		return err_set(c->err, -E_NOMEM, "out of memory");
	if (c->out.len > LIMIT_COND_BYTES)
		return cfail(c, 0, -E_LIMIT, "%zu bytes > LIMIT_COND_BYTES (%u)", c->out.len,
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
	ob_add(&c.out, cond_sig, sizeof(cond_sig));
	if (cpeek(&c) != '(') {
		rc = cfail(&c, 0, -E_CORRUPT, "expected '(' to open the condition");
		goto out;
	}
	c.pos = 1;
	if ((rc = parse_or(&c, 0, &kind)) < 0 || (rc = cexpect(&c, ')')) < 0)
		goto out;
	if ((rc = finish_out(&c, out, outlen)) < 0)
		goto out;
	*used = c.pos;
out:
	free(c.out.p);
	return rc;
}

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
	sb_add(&b, "(\"");
	print_name(&b, d + le32(d), (size_t)nl, 0);
	sb_printf(&b, "\",T%c,0x%x", letter, (unsigned)le32(d + 8));
	for (i = 0; i < count; i++) {
		off = le32(d + 16 + 4 * i);
		sb_add(&b, ",");
		switch (type) {
		case CLAIM_INT64:
			sb_printf(&b, "%lld", (long long)(int64_t)le64(d + off));
			break;
		case CLAIM_UINT64:
		case CLAIM_BOOLEAN:
			sb_printf(&b, "%llu", (unsigned long long)le64(d + off));
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
			sb_add(&b, "\"");
			if (utf16_to_utf8(&b, d + off, (size_t)nl) < 0) {
				free(b.p);
				return err_set(err, -E_UNSUPPORTED,
					       "resource attribute: string value with a lone UTF-16 surrogate at offset %zu (SDDL cannot spell it)",
					       off);
			}
			sb_add(&b, "\"");
			break;
		case CLAIM_SID:
			sid_parse(d + off + 4, le32(d + off), &sid, NULL, NULL);
			print_sid(&b, &sid);
			break;
		default:
			/* octet strings: bare hex digits, unlike conditions' "#..."
			 * (what Windows prints; samba's sddl.c notes it too) */
			for (n = 0; n < le32(d + off); n++)
				sb_printf(&b, "%02x", d[off + 4 + n]);
			break;
		}
	}
	sb_add(&b, ")");
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

	cws(c);
	at = c->pos;
	switch (type) {
	case CLAIM_INT64:
	case CLAIM_UINT64:
	case CLAIM_BOOLEAN:
		if ((rc = read_int(c, type != CLAIM_INT64, &v, &sign, &base)) < 0)
			return rc;
		if (type != CLAIM_INT64 && sign == SIGN_MINUS && v)
			return cfail(c, at, -E_CORRUPT, "negative value for TU");
		if (type == CLAIM_BOOLEAN && v > 1)
			return cfail(c, at, -E_CORRUPT, "TB values are 0 or 1");
		ob_le64(vals, v);
		return 0;
	case CLAIM_STRING: {
		uint32_t bytes;

		if (cpeek(c) != '"')
			return cfail(c, at, -E_CORRUPT, "expected a \"string\"");
		if ((rc = read_string(c, at + 1, vals, &bytes)) < 0)
			return rc;
		ob_add(vals, "\0\0", 2);
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
			return cfail(c, start, e.code ? e.code : -E_CORRUPT, "%s", e.msg);
		blen = sid_encode(&sid, bin, sizeof(bin));
		ob_le32(vals, (uint32_t)blen);
		ob_add(vals, bin, blen);
		return 0;
	}
	default:
		for (i = c->pos; i < c->len && isxdigit((unsigned char)c->s[i]); i++)
			;
		if ((i - c->pos) % 2)
			return cfail(c, at, -E_CORRUPT, "odd number of hex digits");
		ob_le32(vals, (uint32_t)((i - c->pos) / 2));
		for (; c->pos < i; c->pos += 2)
			ob_byte(vals, (uint8_t)(hex_digit(c->s[c->pos]) << 4 | hex_digit(c->s[c->pos + 1])));
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
	if ((rc = cexpect(&c, '(')) < 0 || (rc = cexpect(&c, '"')) < 0)
		goto out;
	/* the name, escapes decoded, into name as UTF-16 with its NUL */
	at = c.pos;
	n = name_run(&c, at);
	if (n == 0) {
		rc = cfail(&c, at, -E_CORRUPT, "expected the attribute's name");
		goto out;
	}
	if ((rc = read_name(&c, at, n, "a resource attribute name", &name, &nb)) < 0)
		goto out;
	c.pos = at + n;
	if ((rc = cexpect(&c, '"')) < 0 || (rc = cexpect(&c, ',')) < 0)
		goto out;
	cws(&c);
	at = c.pos;
	if (c.len - at < 2 || (c.s[at] != 'T' && c.s[at] != 't')) {
		rc = cfail(&c, at, -E_CORRUPT, "expected TI, TU, TS, TD, TX or TB");
		goto out;
	}
	for (i = 0; i < ARRAY_LEN(claim_types); i++)
		if (toupper((unsigned char)c.s[at + 1]) == claim_types[i].letter)
			type = claim_types[i].type;
	if (!type) {
		rc = cfail(&c, at, -E_CORRUPT, "expected TI, TU, TS, TD, TX or TB");
		goto out;
	}
	c.pos = at + 2;
	if ((rc = cexpect(&c, ',')) < 0)
		goto out;
	cws(&c);
	at = c.pos;
	if ((rc = read_int(&c, 1, &flags, &sign, &base)) < 0)
		goto out;
	if (sign == SIGN_MINUS || flags > 0xffffffffu) {
		rc = cfail(&c, at, -E_CORRUPT, "flags are a 32-bit number");
		goto out;
	}
	offs = calloc(LIMIT_CLAIM_VALUES, sizeof(*offs));
	if (!offs) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	for (;;) {
		cws(&c);
		if (cpeek(&c) != ',')
			break;
		c.pos++;
		if (count >= LIMIT_CLAIM_VALUES) {
			rc = cfail(&c, c.pos, -E_LIMIT, "more than LIMIT_CLAIM_VALUES (%u) values",
				   LIMIT_CLAIM_VALUES);
			goto out;
		}
		offs[count++] = vals.len;
		if ((rc = parse_claim_value(&c, type, &vals)) < 0)
			goto out;
	}
	if ((rc = cexpect(&c, ')')) < 0)
		goto out;
	/* header, value offsets, the name and its NUL, the values in order
	 * (packed, as Windows lays out its string example), padding */
	hdr = 16 + 4 * count;
	put_le32(h, (uint32_t)hdr);
	put_le16(h + 4, type);
	put_le16(h + 6, 0);
	put_le32(h + 8, (uint32_t)flags);
	put_le32(h + 12, (uint32_t)count);
	ob_add(&c.out, h, sizeof(h));
	for (i = 0; i < count; i++)
		ob_le32(&c.out, (uint32_t)(hdr + nb + 2 + offs[i]));
	if (name.len)
		ob_add(&c.out, name.p, name.len);
	ob_add(&c.out, "\0\0", 2);
	if (vals.len)
		ob_add(&c.out, vals.p, vals.len);
	if (vals.oom || name.oom) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	if ((rc = finish_out(&c, out, outlen)) < 0)
		goto out;
	*used = c.pos;
out:
	free(offs);
	free(vals.p);
	free(name.p);
	free(c.out.p);
	return rc;
}
