/* Helpers the descriptor findings of issue 18 share (vss-diag-key-acl,
 * com-access-denied): tokens and rights given in a rule's params, and a
 * descriptor read into SDDL and effective rights for the evidence. */
#ifndef VSSD_ACL_UTIL_H
#define VSSD_ACL_UTIL_H

#include <jansson.h>
#include <stdint.h>

#include "access.h"
#include "err.h"
#include "secdesc.h"

/* A token from a JSON array of SIDs or aliases ("S-1-5-20", "NS");
 * "service:NAME" is NAME's service SID.  def (NULL-terminated) when arr
 * is not an array.  0 or <0 (err names the element, after what: the
 * parameter's name). */
int acl_token_from(json_t *arr, const char *const *def, const char *what,
		   struct token *t, struct err *err);

/* Rights from a JSON array of names of obj's rights as
 * access_rights_names() spells them ("QUERY_VALUE", "EXECUTE_LOCAL",
 * "READ_CONTROL", "ALL_ACCESS") or numbers ("0x3"), OR-ed; def when arr
 * is not an array.  0 or -E_USAGE naming the unknown word. */
int acl_rights_from(json_t *arr, enum access_object obj, uint32_t def,
		    uint32_t *out, struct err *err);

/* obj's rights as words ("QUERY_VALUE|SET_VALUE"), a JSON string. */
json_t *acl_rights_json(uint32_t mask, enum access_object obj);

/* SDDL of sd, a JSON string (or the encoder's error as "(...)"). */
json_t *acl_sddl_json(const struct secdesc *sd);

/* "NT AUTHORITY\NETWORK SERVICE" / "S-1-5-..." of a SID alias or SID
 * string, into buf. */
void acl_account_name(const char *sid_or_alias, char *buf, size_t size);

#endif
