/* ASP.NET's root Web.config (Microsoft.NET\Framework*\v*\CONFIG\Web.config)
 * read with libxml2: where compilation output goes
 * (configuration/system.web/compilation/@tempDirectory, DOMAIN.md cause 4).
 * The only file that sees libxml2's names. */
#ifndef VSSD_WEBCONFIG_H
#define VSSD_WEBCONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Find the tempDirectory attribute of a <compilation> element under
 * <configuration><system.web> (also inside <configuration><location>
 * elements, which scope the same section).  The first one in document
 * order wins.
 * Parsing: no network, no DTD loading, entities not substituted, at most
 * LIMIT_WEBCONFIG_SIZE bytes; nothing is printed.
 * Returns 1 found (*temp_dir malloc'd UTF-8, caller frees), 0 well-formed
 * without one (*temp_dir NULL), -E_LIMIT when len is over the limit,
 * -E_CORRUPT when the XML is malformed (err: "line N: what"). */
int webconfig_temp_directory(const uint8_t *buf, size_t len, char **temp_dir,
			     struct err *err);

#endif
