/* Windows Server Backup's own text logs, Windows\Logs\WindowsServerBackup
 * \*.log (Backup_Error-*.log, SystemStateBackup_Error-*.log ...): UTF-16LE
 * text with a byte-order mark, one line per file that failed, e.g.
 *   Error in backup of C:\windows\\systemroot\ during enumerate: Error
 *   [0x8007007b] The filename, directory name, or volume label syntax is
 *   incorrect.
 * The failed path and the error code tie a failed backup to the finding
 * they prove (DOMAIN.md "Beyond the four causes").  Pure bytes -> entries:
 * no I/O. */
#ifndef VSSD_WSBLOG_H
#define VSSD_WSBLOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "limits.h"

struct wsblog_entry {
	unsigned line;                      /* 1-based line of the log */
	char path[LIMIT_WSBLOG_LINE];       /* the file that failed, as written */
	char operation[32];                 /* "enumerate", "read" ..., "" when not said */
	uint32_t code;                      /* 0x8007007B; 0 when the line has none */
	char message[LIMIT_WSBLOG_LINE];    /* the text after the code */
};

/* Called for each failed file; return 0 to go on, >0 to stop (returned),
 * <0 to fail (returned).  e is valid during the call only. */
typedef int (*wsblog_fn)(void *ctx, const struct wsblog_entry *e);

/* Parse the log buf[0..len): UTF-16LE (with or without its BOM, told by
 * the BOM or by NUL high bytes) or 8-bit text.  A line is an entry when it
 * reads "Error in backup of PATH during OPERATION: Error [0xCODE] TEXT",
 * or, in other wording, holds a drive or UNC path and a "[0x...]" /
 * "0x8......." code.  Lines longer than LIMIT_WSBLOG_LINE are cut.
 * Returns the number of entries (>= 0), fn's stop value, or <0:
 * -E_LIMIT for a buffer over LIMIT_WSBLOG_SIZE. */
int wsblog_parse(const uint8_t *buf, size_t len, wsblog_fn fn, void *ctx,
		 struct err *err);

/* The cause or finding an entry proves, or NULL:
 * - a path under WinSxS with access denied (5, 0x80070005): "cause1";
 * - a path syntax error (123, 0x8007007B), or a path the writer built from
 *   an ImagePath it could not parse (doubled separators inside, forward
 *   slashes, "\systemroot\" under another folder):
 *   "service-imagepath-invalid";
 * - file or path not found (2, 3, 0x80070002/3): "service-binary-missing". */
const char *wsblog_proves(const struct wsblog_entry *e);

#endif
