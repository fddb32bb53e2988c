/* Conditional expressions of callback ACEs (MS-DTYP 2.4.4.17): the
 * application data of ACCESS_ALLOWED_CALLBACK and its kin, "artx"
 * followed by tokens in postfix order, padded with zero bytes. */
#ifndef VSSD_CONDEXPR_H
#define VSSD_CONDEXPR_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Check that p[0..len) is one well-formed expression as Windows requires
 * it: the "artx" signature; every token known, with its length inside the
 * data (literals, strings, SIDs, attribute names, composites); operators
 * applied to as many operands as they take; one value left (or none:
 * an empty condition); only zero padding after it.  0, or -E_CORRUPT naming the byte offset of the
 * first problem. */
int condexpr_validate(const uint8_t *p, size_t len, struct err *err);

#endif
