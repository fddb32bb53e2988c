/* Conditional expressions of callback ACEs (MS-DTYP 2.4.4.17: the binary
 * "artx" form; 2.5.1.1: the SDDL text form) and resource attributes of
 * RA ACEs (CLAIM_SECURITY_ATTRIBUTE_RELATIVE_V1, MS-DTYP 2.4.10.1):
 * validate, bytes <-> SDDL text, and the three-valued evaluation Windows
 * does for a token.
 *
 * Text is printed the way Windows' ConvertSecurityDescriptorToString-
 * SecurityDescriptor prints it (what samba's windows tests record): the
 * whole condition and every operand of !, && and || in one pair of
 * parentheses, "@USER." "@DEVICE." "@RESOURCE." prefixes, "!(x)",
 * "(a == b)", "(Member_of {SID(BA)})", composites as "{a, b}".  Both
 * directions round-trip exactly: canonical text -> bytes -> the same
 * text, and bytes -> text -> the same bytes, padding included, for every
 * expression whose integers are 64-bit (what SDDL produces; the 8, 16 and
 * 32-bit literal tokens are read, and written back as 64-bit, as Windows
 * does). */
#ifndef VSSD_CONDEXPR_H
#define VSSD_CONDEXPR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sid.h"

/* 1 when data (a callback ACE's application data) starts with the
 * conditional-ACE signature "artx", 0 otherwise. */
int condexpr_is_conditional(const uint8_t *data, size_t len);

/* Check a conditional expression as Windows must read it: signature,
 * known tokens whose lengths stay inside, operands of the right kind for
 * each operator, one boolean result, zero padding of 0..3 bytes to a
 * multiple of 4 and nothing else.  Offsets in messages are base + the
 * offset inside data (base: where data sits in the descriptor).  0,
 * -E_CORRUPT (garbage), -E_LIMIT (LIMIT_COND_*). */
int condexpr_validate(const uint8_t *data, size_t len, size_t base,
		      struct err *err);

/* The SDDL text "(...)" of a valid expression, malloc'd into *out.  0,
 * the validation errors, or -E_UNSUPPORTED for what SDDL cannot spell (a
 * string holding '"' or a lone surrogate, a decimal literal marked
 * unsigned but negative). */
int condexpr_to_sddl(const uint8_t *data, size_t len, char **out,
		     struct err *err);

/* Compile the SDDL condition starting at text[0] (which must be '(';
 * blanks inside are allowed) up to its matching ')'.  *used receives the
 * characters read, *out (malloc'd) the binary form with "artx" and zero
 * padding to a multiple of 4.  On error *err_offset (may be NULL) is the
 * offset in text and the message ends "at offset N".  Operator names
 * and attribute prefixes are case-insensitive.  0 or negative. */
int condexpr_from_sddl(const char *text, size_t len, size_t *used,
		       uint8_t **out, size_t *outlen, size_t *err_offset,
		       struct err *err);

enum cond_value { COND_FALSE = 0, COND_TRUE = 1, COND_UNKNOWN = 2 };

/* What the evaluator knows of the token and the object: the token's
 * SIDs (no device SIDs, no user, device or local claims: Windows' plain
 * logon token), and whether the object has a resource attribute named
 * name (UTF-16LE, name_len bytes) for @Resource.x (NULL: none). */
struct cond_env {
	const struct sid *sids;
	size_t nsids;
	int (*resource_exists)(void *ctx, const uint8_t *name, size_t name_len);
	void *ctx;
};

/* Evaluate an expression the way Windows does (MS-DTYP 2.4.4.17.5-8,
 * Kleene logic): Member_of & co. over env's SIDs (Device_* see no device
 * SIDs), Exists FALSE for a missing attribute, every attribute value NULL
 * so a comparison is UNKNOWN.  Data that is not a valid expression is
 * COND_UNKNOWN (Windows' error result). */
enum cond_value condexpr_eval(const uint8_t *data, size_t len,
			      const struct cond_env *env);

/* ---- resource attributes (RA ACEs) ------------------------------------- */

/* Check a CLAIM_SECURITY_ATTRIBUTE_RELATIVE_V1: offsets and values inside
 * len, a name of at least one character, a known value type, NUL-
 * terminated strings, SIDs that parse, booleans 0 or 1.  0, -E_CORRUPT,
 * -E_LIMIT (LIMIT_CLAIM_VALUES); offsets in messages are base + offset. */
int claim_validate(const uint8_t *data, size_t len, size_t base,
		   struct err *err);

/* ("name",TS,0x0,"v1","v2") as Windows prints it, malloc'd.  0 or
 * negative (-E_UNSUPPORTED as for condexpr_to_sddl). */
int claim_to_sddl(const uint8_t *data, size_t len, char **out,
		  struct err *err);

/* Compile ("name",T?,flags,values...) starting at text[0] == '(' into a
 * CLAIM_SECURITY_ATTRIBUTE_RELATIVE_V1: header, value offsets, the name,
 * the values in order, zero padding to a multiple of 4.  Arguments as for
 * condexpr_from_sddl. */
int claim_from_sddl(const char *text, size_t len, size_t *used,
		    uint8_t **out, size_t *outlen, size_t *err_offset,
		    struct err *err);

/* 1 when the attribute data names name (UTF-16LE, name_len bytes),
 * compared without ASCII case as Windows compares attribute names. */
int claim_has_name(const uint8_t *data, size_t len, const uint8_t *name,
		   size_t name_len);

#endif
