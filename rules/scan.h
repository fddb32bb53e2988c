/* One scan of one source: opens the image, picks the Windows volume, mounts
 * it, runs every rule and keeps the results for the reports. */
#ifndef VSSD_SCAN_H
#define VSSD_SCAN_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "fs.h"
#include "image.h"
#include "scan_source.h"
#include "volume.h"

enum status { STATUS_ABSENT = 0, STATUS_PRESENT = 1, STATUS_UNKNOWN = 2 };
const char *status_name(enum status st);

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

struct rule;

struct result {
	const struct rule *rule;
	enum status status;
	char *summary;               /* one sentence, malloc'd */
	json_t *evidence;            /* array of evidence objects */
	json_t *vars;                /* placeholder values for the remediation */
	json_t *remediation;         /* expanded lines, filled by the engine */
	json_t *last_good;           /* --shadows: array of values as they were
				      * in the newest shadow copy where this
				      * was right (history.c), or NULL */
};

struct cache_entry {
	char key[32];
	void *ptr;
	void (*free_fn)(void *);
};

#define SCAN_CACHE_MAX 16

struct scan {
	const struct scan_opts *opts;
	const char *source;          /* as given */
	int is_dir;
	struct image *img;           /* NULL in directory mode */
	struct image *bde_img;       /* the decrypted BitLocker volume fs reads, or NULL */
	struct volume_table vt;
	struct volume_info vol;      /* the Windows volume */
	struct fs *fs;
	json_t *warnings;            /* array of strings */
	json_t *windows;             /* object: product_name, ... (registry) */
	struct result *results;
	size_t nresults;
	struct cache_entry cache[SCAN_CACHE_MAX];
	uint64_t t_start_ns;
	uint64_t t_total_ms;
	int open_failed;             /* source unreadable: exit 2 */
	struct err open_err;
	/* the Windows directory (src/evidence/windir.h): the folder on the
	 * volume as stored ("WINNT"), SystemRoot as Windows spells it
	 * ("C:\WINNT") and its drive letter ('C') */
	char windir[LIMIT_WINDIR_LEN];
	char system_root[LIMIT_WINDIR_LEN + 4];
	char system_letter;
	const struct rule *rules;    /* the rules scan_run runs (borrowed), */
	size_t nrules;               /* for collectors that read ahead */
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

/* Add a warning line (printf style) to the report. */
void scan_warn(struct scan *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Per-scan cache for collectors: an object (e.g. parsed hives) kept by key
 * and freed with free_fn at scan_release. */
void *scan_cache_get(struct scan *s, const char *key);
int scan_cache_put(struct scan *s, const char *key, void *ptr,
		   void (*free_fn)(void *));

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
