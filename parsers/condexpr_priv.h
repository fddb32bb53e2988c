/* What the parts of parsers/condexpr*.c share: the token set and operator
 * table, the growing buffers, the checked tree of a binary expression
 * (condexpr.c), the printer's name and SID spelling (condexpr_print.c),
 * the text reader's primitives (condexpr_parse.c).  Not a public header:
 * condexpr.h is the API. */
#ifndef VSSD_CONDEXPR_PRIV_H
#define VSSD_CONDEXPR_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "condexpr.h"
#include "err.h"
#include "sid.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

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

extern const struct opdef cx_ops[];
extern const size_t cx_nops;
extern const uint8_t cx_sig[4];   /* "artx" */

const struct opdef *cx_op_find(uint8_t tok);
int cx_op_nargs(const struct opdef *op);
int cx_is_int_tok(uint8_t t);
const char *cx_attr_prefix(uint8_t t);
/* n bytes of a and b equal without ASCII case. */
int cx_ieqn(const char *a, const char *b, size_t n);

/* ---- a growing string (oom set once, then every append is dropped) ----- */

struct sbuf {
	char *p;
	size_t len, cap;
	int oom;
};

void cx_sb_addn(struct sbuf *b, const char *s, size_t n);
void cx_sb_add(struct sbuf *b, const char *s);
void cx_sb_printf(struct sbuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Append the UTF-8 form of n bytes of UTF-16LE; 0, or -1 for a lone
 * surrogate. */
int cx_sb_utf16(struct sbuf *b, const uint8_t *p, size_t n);

/* ---- a growing byte buffer --------------------------------------------- */

struct obuf {
	uint8_t *p;
	size_t len, cap;
	int oom;
};

void cx_ob_add(struct obuf *o, const void *s, size_t n);
void cx_ob_byte(struct obuf *o, uint8_t v);
void cx_ob_le32(struct obuf *o, uint32_t v);
void cx_ob_le64(struct obuf *o, uint64_t v);
/* Append c as UTF-16LE. */
void cx_ob_utf16(struct obuf *o, uint32_t c);

/* ---- a checked binary expression (condexpr.c) --------------------------- */

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
/* Read and check the whole expression into d->n (postfix -> tree); 0, or
 * <0 with err set (d then holds nothing to release). */
int cx_dec_run(struct dec *d, const uint8_t *data, size_t len, size_t base,
	       struct err *err);
void cx_dec_release(struct dec *d);

/* ---- spelling names and SIDs (condexpr_print.c) ------------------------ */

int cx_is_name_char(int c);
/* An attribute or resource-attribute name (n bytes of UTF-16LE): see
 * condexpr_print.c for the escapes. */
void cx_print_name(struct sbuf *b, const uint8_t *p, size_t n, int local);
void cx_print_sid(struct sbuf *b, const struct sid *s);

/* ---- reading text (condexpr_parse.c) ------------------------------------ */

struct cp {
	const char *s;
	size_t len, pos;
	struct obuf out;
	unsigned tokens;
	size_t *err_offset;
	struct err *err;
};

/* err set to "<msg> at offset <at>" (and *err_offset to at): code. */
int cx_fail(struct cp *c, size_t at, int code, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void cx_ws(struct cp *c);
int cx_peek(const struct cp *c);
int cx_expect(struct cp *c, char ch);
/* The length of the name-character run at pos (escapes count as 5). */
size_t cx_name_run(const struct cp *c, size_t pos);
int cx_read_name(struct cp *c, size_t start, size_t n, const char *what,
		 struct obuf *o, uint32_t *bytes);
int cx_read_string(struct cp *c, size_t start, struct obuf *o, uint32_t *bytes);
int cx_read_int(struct cp *c, int wide, uint64_t *val, uint8_t *sign, uint8_t *base);
/* c->out padded to 4 bytes and handed over to *out; 0 or <0. */
int cx_finish_out(struct cp *c, uint8_t **out, size_t *outlen);

#endif
