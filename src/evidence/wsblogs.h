/* Windows Server Backup's logs on the volume (Windows\Logs\
 * WindowsServerBackup\*.log) read once per scan and parsed by
 * parsers/wsblog.c: the failed files, each with its log, line, code and
 * the finding it proves.  Kept in the scan cache. */
#ifndef VSSD_WSBLOGS_H
#define VSSD_WSBLOGS_H

#include <jansson.h>

#include "limits.h"
#include "evidence.h"

/* under the Windows folder (%SystemRoot%\Logs\WindowsServerBackup) */
#define WSBLOGS_DIR "Logs\\WindowsServerBackup"

struct wsblogs {
	char dir[LIMIT_WINDIR_LEN + 64]; /* the folder on the volume ("WINNT\\Logs\\...") */
	int folder;           /* the folder exists */
	unsigned files;       /* .log files read */
	unsigned skipped;     /* over LIMIT_WSBLOG_SIZE or LIMIT_WSBLOG_FILES, or unreadable */
	char skipped_why[256];
	json_t *entries;      /* array of {"kind": "wsb_log", "path": log, "line",
				 "file_path", "operation", "code", "message",
				 "proves"}; at most LIMIT_WSBLOG_ENTRIES */
	unsigned total;       /* entries seen (may exceed the array) */
};

/* The scan's logs, read on first use.  Borrowed until scan_release.
 * 0, or <0 when the folder cannot be listed (a missing folder is not an
 * error: folder 0). */
void wsblogs_free(struct wsblogs *w);
int wsblogs_get(const struct evidence *ev, const struct wsblogs **out, struct err *err);

#endif
