/* One scan of one source: opens the image, picks the Windows volume, mounts
 * it, runs every rule and keeps the results for the reports. */
#ifndef VSSD_SCAN_H
#define VSSD_SCAN_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "evidence.h"
#include "rules.h"
#include "scan_source.h"

enum report_format { FORMAT_TEXT, FORMAT_JSON, FORMAT_JUNIT, FORMAT_MARKDOWN, FORMAT_HTML };

struct scan_opts {
	enum report_format format;
	const char *output;          /* -o FILE, NULL = stdout */
	const char *rules_dir;
	int partition;               /* --partition N, -1 = automatic */
	int64_t offset;              /* --offset BYTES, -1 = automatic */
	long threshold_aspnet;       /* --threshold-aspnet N, -1 = rule's */
	const char *baseline;
	const char *save_baseline;
	int no_replay;               /* --no-replay */
	int shadows;                 /* --shadows: -1; --shadow N: N; 0: none */
	int verbose, quiet, color, progress;
};

struct scan {
	const struct scan_opts *opts;
	const char *source;          /* as given */
	/* what was opened and collected: the image, volume and file system,
	 * the Windows folder, the warnings (ev.cache->warnings) and every
	 * collector's cache (src/evidence/evidence.h) */
	struct evidence ev;
	struct result *results;
	size_t nresults;
	uint64_t t_start_ns;
	uint64_t t_total_ms;
	int open_failed;             /* source unreadable: exit 2 */
	struct err open_err;
	const struct rule *rules;    /* the rules scan_run runs (borrowed) */
	size_t nrules;
	/* --shadows (history.c): per result, its status in each shadow copy
	 * and live ("history" array), and the stores ("shadow_copies");
	 * NULL without --shadows */
	json_t *history;
	json_t *shadow_copies;
	struct scan_source source_info; /* for the reports (scan_source.h) */
};

/* Open the source (image or directory), choose the volume, mount it.
 * On failure s->open_failed is set, s->open_err says why, and <0 returns;
 * s must still be released. */
int scan_open(struct scan *s, const char *source, const struct scan_opts *opts,
	      struct err *err);
/* The same over an image the caller opened (the scan owns img from now on,
 * even on failure; image_from_memory for fuzzing the whole pipeline). */
int scan_open_image(struct scan *s, struct image *img, const char *name,
		    const struct scan_opts *opts, struct err *err);
/* Run every rule of rules_dir. */
int scan_run(struct scan *s, const struct rule *rules, size_t nrules,
	     struct err *err);
void scan_release(struct scan *s);

/* The report's warnings (each once): s->ev's. */
#define scan_warnings(s) ((s)->ev.cache ? (s)->ev.cache->warnings : NULL)

/* The id of results[index]: its rule's, or the seed cause's when the rules
 * folder had no rule for it. */
const char *result_id(const struct result *res, size_t index);

/* Exit status for one scan (DESIGN.md): 0, 1, 2 or 3. */
int scan_exit_status(const struct scan *s);
/* Whether result i, when present, fails the scan (exit status 1): the four
 * causes, and findings whose rule has "severity": "failure". */
int scan_result_fails(const struct scan *s, size_t i);

uint64_t now_ns(void);

#endif
