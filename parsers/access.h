/* Effective access of a token against a descriptor's DACL (the part of
 * Windows' AccessCheck, MS-DTYP 2.5.3.2, that an offline copy can
 * decide), rights spelled for people, and a semantic DACL diff. */
#ifndef VSSD_ACCESS_H
#define VSSD_ACCESS_H

#include <stddef.h>
#include <stdint.h>

#include "condexpr.h"
#include "err.h"
#include "secdesc.h"
#include "sid.h"

#define TOKEN_MAX_SIDS 32

/* The SIDs a process runs with (user, groups).  Zero-initialise. */
struct token {
	unsigned count;
	struct sid sids[TOKEN_MAX_SIDS];
};

/* Add "S-1-5-20" or an alias ("NS").  0, -E_LIMIT when full, or the
 * parse error.  Adding a SID already present is a no-op. */
int token_add(struct token *t, const char *sid_or_alias, struct err *err);
int token_add_sid(struct token *t, const struct sid *s, struct err *err);
/* 1 when s is one of t's SIDs. */
int token_has(const struct token *t, const struct sid *s);

/* Access masks (winnt.h / winsvc.h) */
#define ACCESS_DELETE                 0x00010000u
#define ACCESS_READ_CONTROL           0x00020000u
#define ACCESS_WRITE_DAC              0x00040000u
#define ACCESS_WRITE_OWNER            0x00080000u
#define ACCESS_SYNCHRONIZE            0x00100000u
#define ACCESS_SYSTEM_SECURITY        0x01000000u
#define ACCESS_MAXIMUM_ALLOWED        0x02000000u
#define ACCESS_GENERIC_ALL            0x10000000u
#define ACCESS_GENERIC_EXECUTE        0x20000000u
#define ACCESS_GENERIC_WRITE          0x40000000u
#define ACCESS_GENERIC_READ           0x80000000u

#define SERVICE_QUERY_CONFIG          0x0001u   /* CC */
#define SERVICE_CHANGE_CONFIG         0x0002u   /* DC */
#define SERVICE_QUERY_STATUS          0x0004u   /* LC */
#define SERVICE_ENUMERATE_DEPENDENTS  0x0008u   /* SW */
#define SERVICE_START                 0x0010u   /* RP */
#define SERVICE_STOP                  0x0020u   /* WP */
#define SERVICE_PAUSE_CONTINUE        0x0040u   /* DT */
#define SERVICE_INTERROGATE           0x0080u   /* LO */
#define SERVICE_USER_DEFINED_CONTROL  0x0100u   /* CR */
#define SERVICE_ALL_ACCESS            0x000f01ffu

#define FILE_READ_DATA                0x0001u   /* directory: LIST_DIRECTORY */
#define FILE_WRITE_DATA               0x0002u   /* ADD_FILE */
#define FILE_APPEND_DATA              0x0004u   /* ADD_SUBDIRECTORY */
#define FILE_READ_EA                  0x0008u
#define FILE_WRITE_EA                 0x0010u
#define FILE_EXECUTE                  0x0020u   /* directory: TRAVERSE */
#define FILE_DELETE_CHILD             0x0040u
#define FILE_READ_ATTRIBUTES          0x0080u
#define FILE_WRITE_ATTRIBUTES         0x0100u
#define FILE_ALL_ACCESS               0x001f01ffu
#define FILE_GENERIC_READ             0x00120089u
#define FILE_GENERIC_WRITE            0x00120116u
#define FILE_GENERIC_EXECUTE          0x001200a0u

/* Registry key rights (winnt.h KEY_*) */
#define KEY_QUERY_VALUE               0x0001u
#define KEY_SET_VALUE                 0x0002u
#define KEY_CREATE_SUB_KEY            0x0004u
#define KEY_ENUMERATE_SUB_KEYS        0x0008u
#define KEY_NOTIFY                    0x0010u
#define KEY_CREATE_LINK               0x0020u
#define KEY_ALL_ACCESS                0x000f003fu
#define KEY_READ                      0x00020019u
#define KEY_WRITE                     0x00020006u

/* COM rights (objbase.h COM_RIGHTS_*): the machine-wide access and launch
 * permissions (SOFTWARE\Microsoft\Ole).  An ACE holding EXECUTE alone is
 * the pre-XP SP2 form and grants (or denies) all of them. */
#define COM_RIGHTS_EXECUTE            0x0001u
#define COM_RIGHTS_EXECUTE_LOCAL      0x0002u
#define COM_RIGHTS_EXECUTE_REMOTE     0x0004u
#define COM_RIGHTS_ACTIVATE_LOCAL     0x0008u
#define COM_RIGHTS_ACTIVATE_REMOTE    0x0010u
#define COM_RIGHTS_ALL                0x001fu

enum access_object { ACCESS_SERVICE, ACCESS_FILE, ACCESS_DIRECTORY, ACCESS_KEY,
		     ACCESS_COM };

/* Replace the GENERIC_* bits of mask by the object's specific rights
 * (services: GENERIC_READ = STANDARD_RIGHTS_READ | QUERY_CONFIG |
 * QUERY_STATUS | INTERROGATE | ENUMERATE_DEPENDENTS ...; files and
 * directories: FILE_GENERIC_*; keys: KEY_READ, KEY_WRITE, KEY_EXECUTE,
 * KEY_ALL_ACCESS; COM: every generic right is COM_RIGHTS_EXECUTE, and an
 * EXECUTE without local/remote bits is all of COM_RIGHTS_ALL). */
uint32_t access_map_generic(uint32_t mask, enum access_object obj);

/* Everything the object type defines (GENERIC_ALL mapped). */
uint32_t access_all(enum access_object obj);

/* Effective (granted) rights of token t on sd, decided from the DACL the
 * way AccessCheck does for MAXIMUM_ALLOWED:
 * - SE_DACL_PRESENT clear, or a NULL DACL: everything (access_all()).
 * - An empty DACL: nothing (except the owner's implicit rights below).
 * - ACEs are taken in order; an allow ACE grants its bits not already
 *   denied, a deny ACE denies its bits not already granted.
 * - Inherit-only (IO) ACEs are ignored; generic bits are mapped first.
 * - If t holds the owner SID: READ_CONTROL | WRITE_DAC are granted up
 *   front unless the DACL has an OWNER RIGHTS (S-1-3-4) ACE; OWNER RIGHTS
 *   ACEs apply to a token holding the owner.
 * - Object ACEs (OA/OD) count only without an object type (we have no
 *   object-type list).
 * - Conditional ACEs are evaluated for t as a token without claims
 *   (access_condition): an allow callback ACE (XA, ZA) grants only when
 *   its condition is TRUE, a deny callback ACE denies when it is TRUE or
 *   UNKNOWN; a callback ACE without an "artx" condition is UNKNOWN.
 * - Not modelled: privileges (SeBackup, SeTakeOwnership, SeSecurity),
 *   restricted SIDs, deny-only SIDs, the mandatory integrity label.
 * sd == NULL gives 0. */
uint32_t access_effective(const struct secdesc *sd, const struct token *t,
			  enum access_object obj);

/* The condition of callback ACE a of sd for token t (MS-DTYP 2.4.4.17):
 * Member_of & co. decided on t's SIDs, attributes of claims NULL (so
 * comparisons are UNKNOWN), Exists FALSE for them; @Resource.x exists
 * when sd's SACL has an RA ACE named x.  COND_UNKNOWN when a holds no
 * conditional expression. */
enum cond_value access_condition(const struct secdesc *sd, const struct ace *a,
				 const struct token *t);

/* "QUERY_CONFIG|QUERY_STATUS|..." for people ("NONE" for 0, "ALL_ACCESS"
 * when mask equals access_all(obj); unnamed bits as 0x...).  Generic bits
 * are named, not mapped.  0, or -E_LIMIT when buf is too small (buf
 * still NUL-terminated). */
int access_rights_names(uint32_t mask, enum access_object obj, char *buf,
			size_t size);

struct ace_diff {
	enum { ACE_DIFF_MISSING, ACE_DIFF_EXTRA, ACE_DIFF_CHANGED } kind;
	struct sid sid;
	uint8_t type;
	uint32_t expected_mask, actual_mask;   /* mapped; 0 when absent */
	char expected_ace[512], actual_ace[512]; /* SDDL, "" when absent (condition included) */
	uint8_t flags;                         /* the group's OI CI NP IO */
};

/* Compare the DACLs of expected and actual by meaning: ACEs are grouped by
 * (type, SID, inheritance flags OI CI NP IO, a callback ACE's condition;
 * ID and audit flags ignored),
 * masks mapped with obj's generic mapping and OR-ed within a group, so
 * order and splitting that do not change the result are not reported.
 * Reports groups missing from actual (MISSING), present only in actual
 * (EXTRA), or with a different mask (CHANGED), expected's order first.
 * Order that matters (a deny placed after an allow) is not a diff here:
 * access_effective() shows its effect.  *out is malloc'd (NULL when
 * *count is 0); caller frees.  0 or negative. */
int secdesc_diff(const struct secdesc *expected, const struct secdesc *actual,
		 enum access_object obj, struct ace_diff **out, size_t *count,
		 struct err *err);

#endif
