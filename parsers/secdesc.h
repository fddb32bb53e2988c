/* Self-relative security descriptors (MS-DTYP 2.4.6), ACLs (2.4.5) and
 * ACEs (2.4.4): bytes <-> struct secdesc. */
#ifndef VSSD_SECDESC_H
#define VSSD_SECDESC_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "sid.h"

/* SECURITY_DESCRIPTOR Control bits (MS-DTYP 2.4.6) */
enum sd_control {
	SE_OWNER_DEFAULTED       = 0x0001,
	SE_GROUP_DEFAULTED       = 0x0002,
	SE_DACL_PRESENT          = 0x0004,
	SE_DACL_DEFAULTED        = 0x0008,
	SE_SACL_PRESENT          = 0x0010,
	SE_SACL_DEFAULTED        = 0x0020,
	SE_DACL_TRUSTED          = 0x0040,
	SE_SERVER_SECURITY       = 0x0080,
	SE_DACL_AUTO_INHERIT_REQ = 0x0100,
	SE_SACL_AUTO_INHERIT_REQ = 0x0200,
	SE_DACL_AUTO_INHERITED   = 0x0400,
	SE_SACL_AUTO_INHERITED   = 0x0800,
	SE_DACL_PROTECTED        = 0x1000,
	SE_SACL_PROTECTED        = 0x2000,
	SE_RM_CONTROL_VALID      = 0x4000,
	SE_SELF_RELATIVE         = 0x8000,
};

/* ACE types (MS-DTYP 2.4.4.1) */
enum ace_type {
	ACE_ACCESS_ALLOWED                 = 0x00,  /* A  */
	ACE_ACCESS_DENIED                  = 0x01,  /* D  */
	ACE_SYSTEM_AUDIT                   = 0x02,  /* AU */
	ACE_SYSTEM_ALARM                   = 0x03,  /* AL */
	ACE_ACCESS_ALLOWED_COMPOUND        = 0x04,  /* obsolete, rejected */
	ACE_ACCESS_ALLOWED_OBJECT          = 0x05,  /* OA */
	ACE_ACCESS_DENIED_OBJECT           = 0x06,  /* OD */
	ACE_SYSTEM_AUDIT_OBJECT            = 0x07,  /* OU */
	ACE_SYSTEM_ALARM_OBJECT            = 0x08,  /* OL */
	ACE_ACCESS_ALLOWED_CALLBACK        = 0x09,  /* XA */
	ACE_ACCESS_DENIED_CALLBACK         = 0x0A,  /* XD */
	ACE_ACCESS_ALLOWED_CALLBACK_OBJECT = 0x0B,  /* ZA */
	ACE_ACCESS_DENIED_CALLBACK_OBJECT  = 0x0C,
	ACE_SYSTEM_AUDIT_CALLBACK          = 0x0D,  /* XU */
	ACE_SYSTEM_ALARM_CALLBACK          = 0x0E,
	ACE_SYSTEM_AUDIT_CALLBACK_OBJECT   = 0x0F,
	ACE_SYSTEM_ALARM_CALLBACK_OBJECT   = 0x10,
	ACE_SYSTEM_MANDATORY_LABEL         = 0x11,  /* ML */
	ACE_SYSTEM_RESOURCE_ATTRIBUTE      = 0x12,  /* RA */
	ACE_SYSTEM_SCOPED_POLICY_ID        = 0x13,  /* SP */
	ACE_SYSTEM_PROCESS_TRUST_LABEL     = 0x14,  /* TL */
	ACE_SYSTEM_ACCESS_FILTER           = 0x15,  /* FL */
	ACE_TYPE_MAX                       = 0x15,
};

/* AceFlags (MS-DTYP 2.4.4.1) */
enum ace_flags {
	ACE_OBJECT_INHERIT       = 0x01,  /* OI */
	ACE_CONTAINER_INHERIT    = 0x02,  /* CI */
	ACE_NO_PROPAGATE_INHERIT = 0x04,  /* NP */
	ACE_INHERIT_ONLY         = 0x08,  /* IO */
	ACE_INHERITED            = 0x10,  /* ID */
	ACE_CRITICAL             = 0x20,  /* CR */
	ACE_SUCCESSFUL_ACCESS    = 0x40,  /* SA */
	ACE_FAILED_ACCESS        = 0x80,  /* FA */
};

/* Object ACE Flags (MS-DTYP 2.4.4.3) */
enum ace_object_flags {
	ACE_OBJECT_TYPE_PRESENT           = 0x1,
	ACE_INHERITED_OBJECT_TYPE_PRESENT = 0x2,
};

struct ace {
	uint8_t type;
	uint8_t flags;
	uint32_t mask;
	struct sid sid;
	uint32_t object_flags;                /* object ACEs only */
	uint8_t object_type[16];              /* GUID, on-disk byte order */
	uint8_t inherited_object_type[16];
	/* Bytes after the SID inside AceSize: a callback ACE's condition,
	 * a resource attribute, or padding.  Kept so that re-encoding gives
	 * the same bytes.  Owned by the secdesc (secdesc_release frees it);
	 * NULL when appdata_len == 0. */
	uint8_t *appdata;
	uint16_t appdata_len;
};

struct acl {
	uint8_t revision;      /* 2 (ACL_REVISION) or 4 (ACL_REVISION_DS) */
	unsigned count;
	struct ace *aces;      /* malloc'd array of count */
};

/* has_dacl / has_sacl: an ACL is present in the descriptor (its offset is
 * not zero).  SE_DACL_PRESENT set with has_dacl == 0 is a NULL DACL
 * ("D:NO_ACCESS_CONTROL", everyone gets everything). */
struct secdesc {
	uint16_t control;
	int has_owner, has_group, has_dacl, has_sacl;
	struct sid owner, group;
	struct acl dacl, sacl;
	uint8_t sbz1;          /* resource-manager control byte (0x01) */
};

/* 1 for ACE types whose body carries Flags + GUIDs (MS-DTYP 2.4.4.3). */
int ace_type_is_object(uint8_t type);

/* 1 for the callback ACE types (0x09..0x10), whose application data may
 * be a conditional expression. */
int ace_type_is_callback(uint8_t type);
/* 1 for the deny types: plain, object, callback and callback object. */
int ace_type_is_deny(uint8_t type);

/* Parse a self-relative descriptor, checked as Windows' RtlValid-
 * RelativeSecurityDescriptor and RtlValidAcl check it: revision 1,
 * owner/group/ACL offsets past the 20-byte header, 4-aligned and inside,
 * ACL revision 2..4 with an even size inside the descriptor, AceCount
 * ACEs that fit, each ACE size a multiple of 4 inside its ACL, SIDs of
 * revision 1 with at most 15 sub-authorities; and beyond what those
 * check, a callback ACE's "artx" condition and an RA ACE's attribute
 * well formed (condexpr_validate, claim_validate).  An ACL whose
 * SE_DACL_PRESENT / SE_SACL_PRESENT bit is clear is ignored, as Windows
 * ignores it (has_dacl / has_sacl stay 0).  -E_CORRUPT means
 * Windows would refuse the descriptor; messages name the offset
 * ("descriptor: dacl at offset 20: ACE 1 at offset 48: size 13 not a
 * multiple of 4").  sd is always initialised; release it with
 * secdesc_release() even on failure.  0 or negative. */
int secdesc_parse(const uint8_t *buf, size_t len, struct secdesc *sd,
		  struct err *err);

/* Free what sd owns and zero it; safe on a zeroed or partial sd. */
void secdesc_release(struct secdesc *sd);

/* Encode sd as a self-relative descriptor laid out as Windows does
 * (header, SACL, DACL, owner, group).  *buf is malloc'd (caller frees).
 * 0 or negative. */
int secdesc_encode(const struct secdesc *sd, uint8_t **buf, size_t *len,
		   struct err *err);

/* 1 when buf is the 5-byte value 00 00 0e 00 01 that XP/7 hives keep in
 * some Services\X\Security keys: "no descriptor", not a corrupt one. */
int secdesc_is_stub(const uint8_t *buf, size_t len);

/* Deep copy (appdata included).  dst must not own anything.  0 or
 * -E_NOMEM (dst released). */
int secdesc_copy(struct secdesc *dst, const struct secdesc *src,
		 struct err *err);

/* Append a copy of *a (appdata included) to acl.  0 or negative. */
int acl_append(struct acl *acl, const struct ace *a, struct err *err);

/* 1 when a and b describe the same descriptor (control, owner, group,
 * ACL revisions and every ACE field, appdata included). */
int secdesc_equal(const struct secdesc *a, const struct secdesc *b);

#endif
