/* Conditional expressions, binary -> SDDL text (see condexpr.h and
 * condexpr.c for the binary form). */
#include "condexpr_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "limits.h"

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
		cx_sb_add(b, sign == SIGN_MINUS ? "-" : "+");
		mag = sign == SIGN_MINUS ? 0 - u : u;
	}
	if (base == BASE_16)
		cx_sb_printf(b, "0x%llx", (unsigned long long)mag);
	else if (base == BASE_8)
		cx_sb_printf(b, "0%llo", (unsigned long long)mag);
	else
		cx_sb_printf(b, "%llu", (unsigned long long)mag);
	return 0;
}

int cx_is_name_char(int c)
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
		if (strlen(keywords[i]) == n && cx_ieqn(keywords[i], s, n))
			return 1;
	return 0;
}

/* An attribute or resource-attribute name: letters, digits and ":./_@"
 * as they are, anything else as %xxxx (its UTF-16 code unit, MS-DTYP
 * 2.5.1.1 lit-char).  For local names the first character is escaped too
 * when it would read as something else (a digit, '@', a keyword). */
void cx_print_name(struct sbuf *b, const uint8_t *p, size_t n, int local)
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
		int esc = c >= 0x80 || !cx_is_name_char(c);

		if (i == 0 && local && ((c < 0x80 && isdigit(c)) || c == '@' || kw))
			esc = 1;
		if (esc) {
			cx_sb_printf(b, "%%%04x", c);
		} else {
			char ch = (char)c;
			cx_sb_addn(b, &ch, 1);
		}
	}
}

static int print_string(struct pr *pr, size_t off, const uint8_t *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i += 2)
		if (le16(p + i) == '"')
			return pfail(pr, pr->d->base + off, "string literal holding '\"'");
	cx_sb_add(&pr->sb, "\"");
	if (cx_sb_utf16(&pr->sb, p, n) < 0)
		return pfail(pr, pr->d->base + off, "string literal with a lone UTF-16 surrogate");
	cx_sb_add(&pr->sb, "\"");
	return 0;
}

void cx_print_sid(struct sbuf *b, const struct sid *s)
{
	char str[SID_STR_MAX];
	const char *alias = sid_alias(s);

	if (alias) {
		cx_sb_add(b, alias);
	} else {
		sid_to_string(s, str, sizeof(str));
		cx_sb_add(b, str);
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
	if (cx_is_int_tok(p[0]))
		return print_int(&pr->sb, p + 1, pr->err, pr->d->base + off);
	n = le32(p + 1);
	switch (p[0]) {
	case CT_UNICODE:
		return print_string(pr, off, p + 5, n);
	case CT_OCTET:
		cx_sb_add(&pr->sb, "#");
		for (pos = 0; pos < n; pos++)
			cx_sb_printf(&pr->sb, "%02x", p[5 + pos]);
		return 0;
	case CT_SID:
		if (sid_parse(p + 5, n, &sid, NULL, NULL) < 0)
			return err_set(pr->err, -E_INTERNAL, "condition: SID literal changed");
		cx_sb_add(&pr->sb, "SID(");
		cx_print_sid(&pr->sb, &sid);
		cx_sb_add(&pr->sb, ")");
		return 0;
	case CT_COMPOSITE:
		cx_sb_add(&pr->sb, "{");
		for (pos = off + 5, end = pos + n; pos < end; ) {
			const uint8_t *m = pr->d->d + pos;

			if (!first)
				cx_sb_add(&pr->sb, ", ");
			first = 0;
			if ((rc = print_lit(pr, pos, depth + 1)) < 0)
				return rc;
			pos += cx_is_int_tok(m[0]) ? 11 : 5 + le32(m + 1);
		}
		cx_sb_add(&pr->sb, "}");
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
		cx_sb_add(&pr->sb, "(");
	if (x->kind == K_ATTR) {
		cx_sb_add(&pr->sb, cx_attr_prefix(x->tok));
		cx_print_name(&pr->sb, pr->d->d + x->off + 5, le32(pr->d->d + x->off + 1),
			   x->tok == CT_LOCAL);
	} else if (x->kind != K_BOOL) {
		rc = print_lit(pr, x->off, depth);
	} else {
		op = cx_op_find(x->tok);
		logic = op->cls == OP_LOGIC || op->cls == OP_NOT;
		if (cx_op_nargs(op) == 2) {
			if ((rc = print_node(pr, x->a, logic, depth + 1)) < 0)
				return rc;
			cx_sb_add(&pr->sb, " ");
			cx_sb_add(&pr->sb, op->name);
			cx_sb_add(&pr->sb, " ");
			rc = print_node(pr, x->b, logic, depth + 1);
		} else {
			cx_sb_add(&pr->sb, op->name);
			if (op->cls != OP_NOT)
				cx_sb_add(&pr->sb, " ");
			rc = print_node(pr, x->a, logic, depth + 1);
		}
	}
	if (rc < 0)
		return rc;
	if (parens)
		cx_sb_add(&pr->sb, ")");
	return 0;
}

int condexpr_to_sddl(const uint8_t *data, size_t len, char **out,
		     struct err *err)
{
	struct dec d;
	struct pr pr;
	int rc;

	*out = NULL;
	if ((rc = cx_dec_run(&d, data, len, 0, err)) < 0)
		return rc;
	memset(&pr, 0, sizeof(pr));
	pr.d = &d;
	pr.err = err;
	rc = print_node(&pr, d.root, 1, 0);
	cx_dec_release(&d);
	if (rc == 0 && pr.sb.oom)
		rc = err_set(err, -E_NOMEM, "out of memory");
	if (rc < 0) {
		free(pr.sb.p);
		return rc;
	}
	*out = pr.sb.p;
	return 0;
}

