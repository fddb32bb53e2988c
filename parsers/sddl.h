/* Security Descriptor Definition Language (MS-DTYP 2.5.1): struct secdesc
 * <-> "O:SYG:SYD:(A;;CCLCSWRPWPDTLOCRRC;;;SY)..." spelled exactly as
 * Windows' ConvertSecurityDescriptorToStringSecurityDescriptor prints it
 * (what `sc sdshow` and Get-Acl's .Sddl show). */
#ifndef VSSD_SDDL_H
#define VSSD_SDDL_H

#include <stddef.h>

#include "err.h"
#include "secdesc.h"

/* How masks are spelled.  Windows' converter does not know the object
 * type, so both kinds print the same text: an exact alias first (FA FR FW
 * FX KA KR KW KX: FILE_ALL_ACCESS = 0x1f01ff -> "FA"), else the rights
 * letters in bit order (CC DC LC SW RP WP DT LO CR SD RC WD WO GA GX GW
 * GR) when every set bit has one, else lowercase hex ("0x1200a9": bit
 * 0x100000 SYNCHRONIZE has no letter, which is why most file ACEs print in
 * hex).  Mandatory-label ACEs spell NW NR NX.  The kind is kept so callers
 * state what they print; it selects the words of access_rights_names(). */
enum sddl_rights { SDDL_RIGHTS_SERVICE, SDDL_RIGHTS_FILE };

/* Longest text of an ACE without a condition or a resource attribute,
 * plus NUL (sddl_ace_text() has no limit). */
#define SDDL_ACE_MAX 320

/* The SDDL text of sd, malloc'd into *out (caller frees).  Components in
 * Windows' order O: G: D: S:, each only when present; "D:NO_ACCESS_CONTROL"
 * for a NULL DACL.  Conditions of callback ACEs (XA XD ZA XU) and the
 * attributes of RA ACEs are printed (parsers/condexpr.h); other
 * application data is not.  0, or -E_UNSUPPORTED for an ACE type SDDL
 * cannot name, callback data that is not a conditional expression, or a
 * condition SDDL cannot spell. */
int sddl_encode(const struct secdesc *sd, enum sddl_rights kind, char **out,
		struct err *err);

/* Parse SDDL text into sd (always initialised: secdesc_release it even on
 * failure).  Aliases, rights, flags and types are case-insensitive;
 * whitespace is allowed around components and ACEs.  The result is
 * self-relative with SE_DACL_PRESENT / SE_SACL_PRESENT for "D:" / "S:";
 * "" (or only blanks) is the empty descriptor, as Windows prints it.
 * On error *err_offset (may be NULL) is the byte offset of the problem and
 * the message ends with "at offset N".  Domain-relative SID aliases (DA,
 * DU, LA, ...) are rejected: there is no domain offline.  Conditions of
 * callback ACEs "(XA;...;SID;(cond))" and RA attributes are compiled into
 * the ACE's application data as Windows does (access filter FL
 * conditions are accepted and dropped). */
int sddl_decode(const char *text, struct secdesc *sd, size_t *err_offset,
		struct err *err);

/* One ACE as "(A;;CCLCSWLOCRRC;;;SU)" into buf.  0, -E_LIMIT when buf is
 * too small (size >= SDDL_ACE_MAX suffices for ACEs without a condition
 * or attribute; buf then holds a truncated, NUL-terminated string),
 * -E_UNSUPPORTED for a type SDDL cannot name. */
int sddl_ace_encode(const struct ace *a, enum sddl_rights kind, char *buf,
		    size_t size);

/* The same, malloc'd into *out whatever its length (conditions
 * included).  0 or negative with err set. */
int sddl_ace_text(const struct ace *a, enum sddl_rights kind, char **out,
		  struct err *err);

/* 1 for the callback ACE types SDDL names (XA XD ZA XU), whose
 * application data is a condition. */
int sddl_ace_is_callback(uint8_t type);

/* Just the rights field ("CCLCSWLOCRRC", "FA", "0x1200a9", "" for 0) for
 * an ACE of the given type.  0 or -E_LIMIT. */
int sddl_rights_encode(uint32_t mask, uint8_t ace_type, char *buf, size_t size);

/* The SDDL token of an ACE type ("A", "OA", "ML") or NULL. */
const char *sddl_ace_type_name(uint8_t type);

#endif
