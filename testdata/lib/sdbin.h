/* SDDL -> self-relative binary for fixture builders (kept apart from the
 * libntfs-3g code, whose SE_* names clash with parsers/secdesc.h). */
#ifndef VSSD_SDBIN_H
#define VSSD_SDBIN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* *bin malloc'd; 0 or <0. */
int sdbin_from_sddl(const char *sddl, uint8_t **bin, size_t *len, struct err *err);

#endif
