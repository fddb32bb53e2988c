/* Per-service SIDs: NT SERVICE\<name> is S-1-5-80- followed by the five
 * little-endian DWORDs of SHA-1(UTF-16LE(uppercase name)). */
#ifndef VSSD_SVCSID_H
#define VSSD_SVCSID_H

#include "err.h"
#include "sid.h"

/* The service SID of service_name (UTF-8; upper-cased for ASCII and
 * Latin-1 letters as Windows does for these names).  0, or -E_CORRUPT for
 * an empty name or invalid UTF-8, -E_LIMIT for a name longer than 256
 * characters (Windows' limit). */
int svcsid_from_name(const char *service_name, struct sid *out, struct err *err);

#endif
