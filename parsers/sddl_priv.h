/* What sddl.c (the encoder) and sddl_parse.c (the decoder) share: the
 * name tables of MS-DTYP 2.5.1.1.  Not a public header: sddl.h is the
 * API. */
#ifndef VSSD_SDDL_PRIV_H
#define VSSD_SDDL_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "sddl.h"

struct token {
	const char *name;
	uint32_t value;
};

struct token_table {
	const struct token *t;
	size_t n;
};

/* rights letters by bit, whole-mask aliases, mandatory label policy bits,
 * ACE flags, ACE types (sddl.c lists them) */
extern const struct token_table sddl_right_bits;
extern const struct token_table sddl_right_aliases;
extern const struct token_table sddl_label_bits;
extern const struct token_table sddl_ace_flag_names;
extern const struct token_table sddl_ace_types;

#endif
