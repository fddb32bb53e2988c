/* What the reports for people (text, Markdown, HTML) say about a scan,
 * worked out once from the results' evidence: a few words per result, the
 * decisive event, the evidence as tables (access masks as words, ACLs
 * decoded, descriptor differences side by side), the .NET Framework
 * folder counts and the events that matter on a time line.
 *
 * Evidence is hostile (it comes from the disk): everything here is plain
 * text, never markup and never JSON; each writer escapes for its format. */
#ifndef VSSD_REPORT_VIEW_H
#define VSSD_REPORT_VIEW_H

#include <stddef.h>
#include <stdint.h>

#include "scan.h"

/* How a table row is styled (HTML, Markdown); the text report shows the
 * same fact in a cell's words. */
enum vmark {
	VMARK_NONE = 0,
	VMARK_BAD,               /* denied, over the limit, failure */
	VMARK_OK,                /* unchanged, readable */
	VMARK_MISSING,           /* an ACE the descriptor should have */
	VMARK_EXTRA,             /* an ACE it should not have */
	VMARK_CHANGED,           /* same account, other rights */
	VMARK_INFO,
};

/* A table of strings.  kv: key/value pairs (2 columns, no header row).
 * diff: a side-by-side descriptor comparison (rows marked). */
struct vtable {
	char *caption;           /* NULL: none */
	int kv, diff;
	size_t ncols, nrows, cap;
	char **head;             /* ncols strings; NULL for kv tables */
	char **cells;            /* nrows * ncols strings, "" when empty */
	enum vmark *marks;       /* nrows */
};

/* One result in words. */
struct vresult {
	size_t index;            /* into scan->results */
	const char *id, *title;  /* borrowed from the rule */
	enum status status;
	int fails;               /* present and failing the scan */
	int is_cause;
	char *words[3];          /* what is wrong (present) or why (unknown);
				  * NULL-terminated, at most 2 lines */
	char *event;             /* the decisive event, e.g. "CAPI2 513: ...:
				  * 2 events, last 2024-06-04 23:00 UTC", or NULL */
	char *refs;              /* "KB 2009272", or NULL */
	char *summary;           /* the result's summary (never NULL) */
	struct vtable *tables;   /* the evidence, for people */
	size_t ntables;
};

/* A .NET Framework version folder (cause 4's bar chart). */
struct vbar {
	char name[96];           /* "Framework\v2.0.50727" */
	long long folders;       /* the judged count */
	long long temp;          /* of which in Temporary ASP.NET Files */
	long long limit;
};

/* A group of events on the time line.  Times are seconds since 1970. */
struct vevent {
	char lane[80];           /* "CAPI2 513", "VSS 8193", "SCM: VSS stopped" */
	char what[160];          /* label for people */
	int64_t first, last;
	long long count;
	int bad;                 /* an error (red) rather than a state */
};

struct vscan {
	const struct scan *s;
	char *source;            /* the path as given */
	char *image;             /* "raw image, 96.0 MiB", "" */
	char *volume;            /* "bare NTFS volume at offset 0, label "Windows"[, drive C:]", "" */
	char *drives;            /* "C: partition 2, D: partition 1, E: not in the image ...", "" */
	const char *system_root; /* "C:\WINNT" (borrowed), "" when unknown */
	char *windows;           /* "Windows Server 2008 R2 Standard 6.1 build 7601, ControlSet001" or NULL */
	char *windows_short;     /* "Windows Server 2008 R2 Standard (7601)" or "" */
	char *verdict;           /* as the -q line says it, without the exit status */
	int exit_status;
	int unreadable;          /* the source could not be read (open_err) */
	struct vresult *res;
	size_t nres;
	struct vbar *bars;
	size_t nbars;
	struct vevent *events;   /* sorted by first time */
	size_t nevents;
	int64_t boot;            /* the last boot, 0 when unknown */
	char **warnings;         /* plain strings */
	size_t nwarnings;
};

/* Work out the view of s.  0, or -E_NOMEM (v released). */
int vscan_build(struct vscan *v, const struct scan *s);
void vscan_release(struct vscan *v);

/* The verdict in words, as "-q" and the reports say it: malloc'd, NULL
 * when out of memory. */
char *view_verdict(const struct scan *s);

/* 1 when result i is present and fails the scan. */
int view_result_fails(const struct scan *s, size_t i);

/* "2024-06-04T23:00:05Z" -> seconds since 1970; 0 ok, -1 not a time. */
int view_parse_time(const char *iso, int64_t *out);
/* Seconds since 1970 -> "2024-06-04 23:00 UTC" (with_date 0: "23:00"). */
void view_format_time(int64_t t, char *buf, size_t size);

/* Access right names as Windows' headers spell them, joined with '|'
 * ("READ_DATA|READ_ATTRIBUTES"), in words: "read data, read attributes";
 * "ALL_ACCESS" is "full control", "NONE" "none".  Into buf (cut). */
void view_rights_words(const char *names, char *buf, size_t size);

/* --shadows: the History heading's words into buf ("History (2 shadow
 * copies): no cause or finding changed", "... none could be read (see
 * Warnings)"); 0 when the scan has no history (no --shadows). */
int view_history_head(const struct vscan *v, char *buf, size_t size);

/* Number of characters (UTF-8 code points) of s. */
size_t view_width(const char *s);

#endif
