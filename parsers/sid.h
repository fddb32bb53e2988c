/* Security identifiers: binary form (MS-DTYP 2.4.2.2), string form
 * ("S-1-5-18", MS-DTYP 2.4.2.1) and the SDDL two-letter aliases ("SY",
 * MS-DTYP 2.5.1.1 / Windows' "SID strings" table). */
#ifndef VSSD_SID_H
#define VSSD_SID_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SID_MAX_SUB 15     /* MS-DTYP 2.4.2: SubAuthorityCount <= 15 */
/* "S-1-" + "0x" + 12 hex digits + 15 * ("-" + 10 digits) + NUL */
#define SID_STR_MAX 192

struct sid {
	uint8_t revision;          /* always 1 */
	uint8_t sub_count;
	uint64_t authority;        /* 48-bit IdentifierAuthority */
	uint32_t sub[SID_MAX_SUB];
};

/* Parse a binary SID at p (len bytes available).  *used (may be NULL)
 * receives its encoded size.  0 or -E_CORRUPT / -E_LIMIT. */
int sid_parse(const uint8_t *p, size_t len, struct sid *out, size_t *used,
	      struct err *err);

/* "S-1-5-18" (also "S-1-0x...-..." for 48-bit authorities) or an SDDL
 * alias ("SY", case-insensitive).  Domain-relative aliases (DA, LA, ...)
 * need a domain SID and fail with -E_UNSUPPORTED.  0 or negative. */
int sid_from_string(const char *s, struct sid *out, struct err *err);

/* Same over exactly len bytes of s (not NUL-terminated); used by the SDDL
 * parser. */
int sid_from_text(const char *s, size_t len, struct sid *out, struct err *err);

/* "S-1-5-18" into buf (size >= SID_STR_MAX is always enough).
 * 0, or -E_LIMIT when buf is too small (buf still NUL-terminated). */
int sid_to_string(const struct sid *s, char *buf, size_t size);

/* The SDDL alias Windows prints for s ("SY"), or NULL. Static string. */
const char *sid_alias(const struct sid *s);

/* The SID an alias stands for: 1 found, 0 not an alias we can resolve
 * (unknown or domain-relative). */
int sid_from_alias(const char *alias, size_t len, struct sid *out);

/* 1 when alias (two letters) is a Windows alias that needs a domain or
 * machine SID (DA, DU, LA, ...), 0 otherwise. */
int sid_alias_is_domain_relative(const char *alias, size_t len);

/* English account name ("NT AUTHORITY\SYSTEM", "BUILTIN\Users",
 * "NT SERVICE\TrustedInstaller") for well-known SIDs, or NULL. Static. */
const char *sid_name(const struct sid *s);

/* 1 when a and b are the same SID. */
int sid_equal(const struct sid *a, const struct sid *b);

/* Encoded size in bytes: 8 + 4 * sub_count. */
size_t sid_size(const struct sid *s);

/* Write the binary form into buf; returns the bytes written, or 0 when
 * size < sid_size(s). */
size_t sid_encode(const struct sid *s, uint8_t *buf, size_t size);

/* Build a SID from authority and n sub-authorities (n <= SID_MAX_SUB). */
void sid_make(struct sid *out, uint64_t authority, unsigned n,
	      const uint32_t *subs);

#endif
