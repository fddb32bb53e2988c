/* SDDL (MS-DTYP 2.5.1) decoder: text -> struct secdesc (see sddl.h).
 * Letters, flags and ACE types are read case-insensitively from the
 * tables sddl.c encodes with. */
#include "sddl_priv.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "condexpr.h"
#include "limits.h"

/* ---- decoding ---------------------------------------------------------- */

struct parser {
	const char *s;
	size_t len;
	size_t pos;
	size_t *err_offset;
	struct err *err;
};

static int fail(struct parser *ps, size_t at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parser *ps, size_t at, int code, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (ps->err_offset)
		*ps->err_offset = at;
	return err_set(ps->err, code, "%s at offset %zu", msg, at);
}

static void skip_ws(struct parser *ps)
{
	while (ps->pos < ps->len && isspace((unsigned char)ps->s[ps->pos]))
		ps->pos++;
}

static int ieq(const char *a, const char *b, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (toupper((unsigned char)a[i]) != toupper((unsigned char)b[i]))
			return 0;
	return 1;
}

/* Does the text at pos start with word (case-insensitive)? */
static int at_word(const struct parser *ps, const char *word)
{
	size_t n = strlen(word);

	return ps->len - ps->pos >= n && ieq(ps->s + ps->pos, word, n);
}

/* Printable excerpt of a token for messages. */
#define TOK(p, n) (int)((n) > 40 ? 40 : (n)), (p)

/* The length of a SID token at pos: "S-1-..." (digits and dashes, a 0x
 * authority of at most 12 hex digits) or a two-letter alias.  In the O:
 * and G: components the SID has no terminator, so "S-1-5-21-1-2-3D:"
 * must stop before the D. */
static size_t sid_token_len(const struct parser *ps)
{
	const char *p = ps->s + ps->pos;
	size_t n = ps->len - ps->pos, i;

	if (n >= 2 && (p[0] == 'S' || p[0] == 's') && p[1] == '-') {
		i = 2;
		while (i < n && (isdigit((unsigned char)p[i]) || p[i] == '-')) {
			if (p[i] == '0' && i + 1 < n && (p[i + 1] == 'x' || p[i + 1] == 'X') &&
			    p[i - 1] == '-') {
				size_t h = 0;
				i += 2;
				while (i < n && h < 12 && isxdigit((unsigned char)p[i])) {
					i++;
					h++;
				}
				continue;
			}
			i++;
		}
		return i;
	}
	if (n >= 2 && isalpha((unsigned char)p[0]) && isalpha((unsigned char)p[1]))
		return 2;
	return 0;
}

static int parse_sid_at(struct parser *ps, size_t start, size_t n, struct sid *out)
{
	struct err e;
	int rc;

	err_init(&e);
	if (n == 0)
		return fail(ps, start, -E_CORRUPT, "missing sid");
	rc = sid_from_text(ps->s + start, n, out, &e);
	if (rc < 0)
		return fail(ps, start, rc, "%s", e.msg);
	return 0;
}

static int lookup(const struct token_table *tab, const char *p, size_t len,
		  uint32_t *value)
{
	size_t i;

	for (i = 0; i < tab->n; i++)
		if (strlen(tab->t[i].name) == len && ieq(tab->t[i].name, p, len)) {
			*value = tab->t[i].value;
			return 1;
		}
	return 0;
}

/* [start, end) of the field at pos, ending at ';' or ')'. */
static int field(struct parser *ps, size_t *start, size_t *end)
{
	*start = ps->pos;
	while (ps->pos < ps->len && ps->s[ps->pos] != ';' && ps->s[ps->pos] != ')') {
		if (ps->s[ps->pos] == '(')
			return fail(ps, ps->pos, -E_CORRUPT, "unexpected '('");
		ps->pos++;
	}
	if (ps->pos >= ps->len)
		return fail(ps, ps->pos, -E_CORRUPT, "unterminated ACE");
	*end = ps->pos;
	return 0;
}

static int expect(struct parser *ps, char c)
{
	if (ps->pos >= ps->len || ps->s[ps->pos] != c)
		return fail(ps, ps->pos, -E_CORRUPT, "expected '%c'", c);
	ps->pos++;
	return 0;
}

static int parse_rights(struct parser *ps, size_t start, size_t end, uint32_t *mask)
{
	const char *p = ps->s;
	size_t i = start;
	uint32_t v;
	uint64_t num = 0;

	*mask = 0;
	if (end - start >= 2 && p[i] == '0' && (p[i + 1] == 'x' || p[i + 1] == 'X')) {
		i += 2;
		if (i == end)
			return fail(ps, start, -E_CORRUPT, "bad rights '%.*s'", TOK(p + start, end - start));
		for (; i < end; i++) {
			if (!isxdigit((unsigned char)p[i]))
				return fail(ps, i, -E_CORRUPT, "bad hex digit in rights '%.*s'",
					    TOK(p + start, end - start));
			num = num * 16 + (uint64_t)(isdigit((unsigned char)p[i]) ? p[i] - '0' :
						    tolower((unsigned char)p[i]) - 'a' + 10);
			if (num > 0xffffffffULL)
				return fail(ps, start, -E_CORRUPT, "rights '%.*s' exceed 32 bits",
					    TOK(p + start, end - start));
		}
		*mask = (uint32_t)num;
		return 0;
	}
	if (start < end && isdigit((unsigned char)p[start])) {
		for (; i < end; i++) {
			if (!isdigit((unsigned char)p[i]))
				return fail(ps, i, -E_CORRUPT, "bad digit in rights '%.*s'",
					    TOK(p + start, end - start));
			num = num * 10 + (uint64_t)(p[i] - '0');
			if (num > 0xffffffffULL)
				return fail(ps, start, -E_CORRUPT, "rights '%.*s' exceed 32 bits",
					    TOK(p + start, end - start));
		}
		*mask = (uint32_t)num;
		return 0;
	}
	for (; i < end; i += 2) {
		if (end - i < 2)
			return fail(ps, i, -E_CORRUPT, "unknown right '%.*s'", TOK(p + i, end - i));
		if (!lookup(&sddl_right_aliases, p + i, 2, &v) &&
		    !lookup(&sddl_right_bits, p + i, 2, &v) &&
		    !lookup(&sddl_label_bits, p + i, 2, &v))
			return fail(ps, i, -E_CORRUPT, "unknown right '%.2s'", p + i);
		*mask |= v;
	}
	return 0;
}

static int parse_guid(struct parser *ps, size_t start, size_t end, uint8_t *g)
{
	static const int groups[5] = { 8, 4, 4, 4, 12 };
	const char *p = ps->s + start;
	uint8_t raw[16];
	size_t i, k = 0, pos = 0;
	int gi;

	if (end - start != 36)
		goto bad;
	for (gi = 0; gi < 5; gi++) {
		for (i = 0; i < (size_t)groups[gi]; i += 2) {
			int hi, lo;
			if (!isxdigit((unsigned char)p[pos]) || !isxdigit((unsigned char)p[pos + 1]))
				goto bad;
			hi = isdigit((unsigned char)p[pos]) ? p[pos] - '0' : tolower((unsigned char)p[pos]) - 'a' + 10;
			lo = isdigit((unsigned char)p[pos + 1]) ? p[pos + 1] - '0' : tolower((unsigned char)p[pos + 1]) - 'a' + 10;
			raw[k++] = (uint8_t)(hi << 4 | lo);
			pos += 2;
		}
		if (gi < 4) {
			if (p[pos] != '-')
				goto bad;
			pos++;
		}
	}
	/* text is big-endian per group; on disk Data1..3 are little-endian */
	g[0] = raw[3]; g[1] = raw[2]; g[2] = raw[1]; g[3] = raw[0];
	g[4] = raw[5]; g[5] = raw[4];
	g[6] = raw[7]; g[7] = raw[6];
	memcpy(g + 8, raw + 8, 8);
	return 0;
bad:
	return fail(ps, start, -E_CORRUPT, "bad guid '%.*s'", TOK(ps->s + start, end - start));
}

/* Skip a "(...)" access filter condition (FL ACEs: accepted, not kept)
 * with nested parentheses and quoted strings; pos is at '('. */
static int skip_balanced(struct parser *ps)
{
	size_t start = ps->pos;
	unsigned depth = 0;
	int quoted = 0;

	for (; ps->pos < ps->len; ps->pos++) {
		char c = ps->s[ps->pos];

		if (quoted) {
			if (c == '"')
				quoted = 0;
			continue;
		}
		if (c == '"')
			quoted = 1;
		else if (c == '(')
			depth++;
		else if (c == ')') {
			if (depth == 0)
				break;
			if (--depth == 0) {
				ps->pos++;
				return 0;
			}
		}
	}
	return fail(ps, start, -E_CORRUPT, "unterminated condition");
}

/* The condition of a callback ACE or the attribute of an RA ACE at pos
 * (which is at '('), compiled into a->appdata. */
static int parse_appdata(struct parser *ps, struct ace *a)
{
	size_t at = ps->pos, used = 0, eoff = 0, blen = 0, room;
	uint8_t *bin = NULL;
	struct err e;
	char *cut;
	int rc;

	err_init(&e);
	if (a->type == ACE_SYSTEM_RESOURCE_ATTRIBUTE)
		rc = claim_from_sddl(ps->s + at, ps->len - at, &used, &bin, &blen, &eoff, &e);
	else
		rc = condexpr_from_sddl(ps->s + at, ps->len - at, &used, &bin, &blen, &eoff, &e);
	if (rc < 0) {
		/* the codec counts from the '('; say where it is in the text */
		cut = strstr(e.msg, " at offset ");
		if (cut)
			*cut = '\0';
		return fail(ps, at + eoff, rc, "%s", e.msg);
	}
	room = 0xffff - 8 - sid_size(&a->sid) - (ace_type_is_object(a->type) ? 36 : 0);
	if (blen > room) {
		free(bin);
		return fail(ps, at, -E_LIMIT, "%zu bytes of %s do not fit an ACE", blen,
			    a->type == ACE_SYSTEM_RESOURCE_ATTRIBUTE ? "attribute" : "condition");
	}
	a->appdata = bin;
	a->appdata_len = (uint16_t)blen;
	ps->pos = at + used;
	return 0;
}

/* One GUID field of an ACE and its ';': empty, or a GUID that only an
 * object ACE may carry (bit says it is present). */
static int guid_field(struct parser *ps, struct ace *a, const char *what,
		      uint8_t *guid, uint32_t bit)
{
	size_t s, e;
	int rc;

	if ((rc = field(ps, &s, &e)) < 0)
		return rc;
	if (e > s) {
		if (!ace_type_is_object(a->type))
			return fail(ps, s, -E_CORRUPT, "%s on a non-object ACE", what);
		if ((rc = parse_guid(ps, s, e, guid)) < 0)
			return rc;
		a->object_flags |= bit;
	}
	return expect(ps, ';');
}

static int parse_ace(struct parser *ps, struct ace *a)
{
	size_t s, e, i;
	uint32_t v;
	int rc;

	memset(a, 0, sizeof(*a));
	if ((rc = expect(ps, '(')) < 0)
		return rc;
	/* type */
	if ((rc = field(ps, &s, &e)) < 0)
		return rc;
	if (!lookup(&sddl_ace_types, ps->s + s, e - s, &v))
		return fail(ps, s, -E_CORRUPT, "unknown ACE type '%.*s'", TOK(ps->s + s, e - s));
	a->type = (uint8_t)v;
	if ((rc = expect(ps, ';')) < 0)
		return rc;
	/* flags */
	if ((rc = field(ps, &s, &e)) < 0)
		return rc;
	for (i = s; i < e; i += 2) {
		if (e - i < 2 ||
		    !lookup(&sddl_ace_flag_names, ps->s + i, 2, &v))
			return fail(ps, i, -E_CORRUPT, "unknown ACE flag '%.*s'",
				    TOK(ps->s + i, e - i < 2 ? e - i : 2));
		a->flags |= (uint8_t)v;
	}
	if ((rc = expect(ps, ';')) < 0)
		return rc;
	/* rights */
	if ((rc = field(ps, &s, &e)) < 0)
		return rc;
	if ((rc = parse_rights(ps, s, e, &a->mask)) < 0)
		return rc;
	if ((rc = expect(ps, ';')) < 0)
		return rc;
	/* object type, inherited object type */
	if ((rc = guid_field(ps, a, "object type", a->object_type,
			     ACE_OBJECT_TYPE_PRESENT)) < 0 ||
	    (rc = guid_field(ps, a, "inherited object type", a->inherited_object_type,
			     ACE_INHERITED_OBJECT_TYPE_PRESENT)) < 0)
		return rc;
	/* sid */
	if ((rc = field(ps, &s, &e)) < 0)
		return rc;
	if ((rc = parse_sid_at(ps, s, e - s, &a->sid)) < 0)
		return rc;
	if (ps->s[ps->pos] == ';') {
		int keep = sddl_ace_is_callback(a->type) || a->type == ACE_SYSTEM_RESOURCE_ATTRIBUTE;

		if (!keep && a->type != ACE_SYSTEM_ACCESS_FILTER)
			return fail(ps, ps->pos, -E_CORRUPT, "extra field after the sid of an %s ACE",
				    sddl_ace_type_name(a->type));
		ps->pos++;
		if (ps->pos >= ps->len || ps->s[ps->pos] != '(')
			return fail(ps, ps->pos, -E_CORRUPT, "expected '('");
		if ((rc = keep ? parse_appdata(ps, a) : skip_balanced(ps)) < 0)
			return rc;
	} else if (a->type == ACE_SYSTEM_RESOURCE_ATTRIBUTE) {
		return fail(ps, ps->pos, -E_CORRUPT, "RA ACE without its attribute");
	}
	return expect(ps, ')');
}

static int parse_acl(struct parser *ps, int is_dacl, struct secdesc *sd)
{
	struct acl *acl = is_dacl ? &sd->dacl : &sd->sacl;
	int nullacl = 0, rc;
	struct ace a;
	size_t at;
	unsigned i;
	struct err e;

	sd->control |= is_dacl ? SE_DACL_PRESENT : SE_SACL_PRESENT;
	for (;;) {
		if (at_word(ps, "NO_ACCESS_CONTROL")) {
			nullacl = 1;
			ps->pos += strlen("NO_ACCESS_CONTROL");
		} else if (at_word(ps, "AI")) {
			sd->control |= is_dacl ? SE_DACL_AUTO_INHERITED : SE_SACL_AUTO_INHERITED;
			ps->pos += 2;
		} else if (at_word(ps, "AR")) {
			sd->control |= is_dacl ? SE_DACL_AUTO_INHERIT_REQ : SE_SACL_AUTO_INHERIT_REQ;
			ps->pos += 2;
		} else if (at_word(ps, "P")) {
			sd->control |= is_dacl ? SE_DACL_PROTECTED : SE_SACL_PROTECTED;
			ps->pos += 1;
		} else {
			break;
		}
	}
	acl->revision = 2;
	if (!nullacl) {
		if (is_dacl)
			sd->has_dacl = 1;
		else
			sd->has_sacl = 1;
	}
	skip_ws(ps);
	while (ps->pos < ps->len && ps->s[ps->pos] == '(') {
		at = ps->pos;
		if (nullacl)
			return fail(ps, at, -E_CORRUPT, "ACE after NO_ACCESS_CONTROL");
		rc = parse_ace(ps, &a);
		err_init(&e);
		if (rc == 0 && (rc = acl_append(acl, &a, &e)) < 0)
			rc = fail(ps, at, rc, "%s", e.msg);
		free(a.appdata);
		if (rc < 0)
			return rc;
		skip_ws(ps);
	}
	for (i = 0; i < acl->count; i++)
		if (ace_type_is_object(acl->aces[i].type))
			acl->revision = 4;  /* ACL_REVISION_DS */
	return 0;
}

int sddl_decode(const char *text, struct secdesc *sd, size_t *err_offset,
		struct err *err)
{
	struct parser ps;
	unsigned seen = 0, bit;
	size_t at, n;
	int rc;
	char c;

	memset(sd, 0, sizeof(*sd));
	if (err_offset)
		*err_offset = 0;
	ps.s = text ? text : "";
	ps.len = strlen(ps.s);
	ps.pos = 0;
	ps.err_offset = err_offset;
	ps.err = err;
	if (ps.len > LIMIT_SDDL_LEN)
		return fail(&ps, LIMIT_SDDL_LEN, -E_LIMIT, "sddl longer than LIMIT_SDDL_LEN (%u)",
			    LIMIT_SDDL_LEN);
	/* "" is the empty descriptor: what Windows prints for one */
	sd->control = SE_SELF_RELATIVE;
	while (skip_ws(&ps), ps.pos < ps.len) {
		at = ps.pos;
		c = (char)toupper((unsigned char)ps.s[at]);
		if (ps.len - at < 2 || ps.s[at + 1] != ':' || !strchr("OGDS", c) || c == '\0')
			return fail(&ps, at, -E_CORRUPT, "expected O:, G:, D: or S:");
		bit = c == 'O' ? 1u : c == 'G' ? 2u : c == 'D' ? 4u : 8u;
		if (seen & bit)
			return fail(&ps, at, -E_CORRUPT, "second %c: component", c);
		seen |= bit;
		ps.pos += 2;
		if (c == 'O' || c == 'G') {
			skip_ws(&ps);
			n = sid_token_len(&ps);
			if ((rc = parse_sid_at(&ps, ps.pos, n, c == 'O' ? &sd->owner : &sd->group)) < 0)
				return rc;
			ps.pos += n;
			if (c == 'O')
				sd->has_owner = 1;
			else
				sd->has_group = 1;
		} else if ((rc = parse_acl(&ps, c == 'D', sd)) < 0) {
			return rc;
		}
	}
	return 0;
}
