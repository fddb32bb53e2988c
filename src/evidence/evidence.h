/* The evidence of one scan: what was opened (image, volume, file system,
 * the Windows folder) and what is collected from it (registry, services,
 * event logs, Windows Server Backup logs, the .NET Framework folders, the
 * other volumes by drive letter, the baseline).  The judges (rules/checks) read it; they never
 * open anything themselves.
 *
 * Each collector loads its part on first use and keeps it in its own typed
 * slot of struct evidence_cache (registry_get, events_collect, wsblogs_get,
 * framework_collect, evidence_volume_fs, evidence_baseline).  The slots sit behind a pointer,
 * so a judge holds `const struct evidence *` and a collector can still
 * fill its cache: the evidence a judge sees never changes under it, it
 * only becomes available.  Everything is freed by evidence_release.
 * docs/ARCHITECTURE.md draws the layers. */
#ifndef VSSD_EVIDENCE_H
#define VSSD_EVIDENCE_H

#include <jansson.h>
#include <stdint.h>

#include "err.h"
#include "fs.h"
#include "image.h"
#include "limits.h"
#include "volume.h"

struct registry;
struct wsblogs;
struct cached_log;
struct cached_names;
struct framework_scan;

/* The event logs a collector keeps (event_logs.c's event_log_defs, in order). */
#define EVIDENCE_LOGS 3

/* One typed slot per collector; NULL until its first use. */
struct evidence_cache {
	struct registry *registry;            /* registry_load.c */
	struct wsblogs *wsblogs;              /* wsblogs.c */
	struct cached_log *logs[EVIDENCE_LOGS]; /* event_logs.c */
	struct cached_names *svc_names;       /* event_logs.c */
	struct fs *letter_fs[26];             /* windir.c: the volume of A: .. Z: */
	struct framework_scan *framework;     /* framework_scan.c: cause 4's walk */
	json_t *baseline;                     /* evidence.c: --baseline FILE */
	json_t *warnings;                     /* array of strings, each once */
};

struct evidence {
	/* the source, as opened by the scan (rules/scan.c) */
	const char *source;
	int is_dir;
	struct image *img;           /* NULL in directory mode */
	struct image *bde_img;       /* the decrypted BitLocker volume, or NULL */
	struct volume_table vt;
	struct volume_info vol;      /* the Windows volume */
	struct fs *fs;
	/* the Windows folder (windir.h): as stored on the volume ("WINNT"),
	 * as Windows spells it ("C:\WINNT"), and its drive letter ('C') */
	char windir[LIMIT_WINDIR_LEN];
	char system_root[LIMIT_WINDIR_LEN + 4];
	char system_letter;
	json_t *windows;             /* object: product_name, ... (registry_load.c) */
	/* what the user asked that collectors and judges read */
	int no_replay;               /* --no-replay: leave hive logs alone */
	long threshold_aspnet;       /* --threshold-aspnet N, -1 = the rule's */
	const char *baseline;        /* --baseline FILE, or NULL */
	/* every event spec the scan's rules name (their "events", then their
	 * params "sources"), in rule order: the event log collector reads
	 * ahead with their ids and providers (event_logs.c); the evidence holds
	 * a reference */
	json_t *event_specs;
	struct evidence_cache *cache;
};

/* Set up ev (caller storage) for source; 0 or -E_NOMEM. */
int evidence_init(struct evidence *ev, const char *source);

/* Which volume to judge: --partition N and --offset BYTES (-1: choose the
 * one holding Windows, the system volume when several do). */
struct evidence_where {
	int partition;
	int64_t offset;
};

/* Open source (an image file or device, or a directory: a mounted
 * volume), choose the Windows volume and mount it, read-only; then settle
 * the Windows folder (windir.h) and fill ev->windows.  0, or <0 with err
 * saying why (ev must still be released).  where may be NULL. */
int evidence_open(struct evidence *ev, const char *source,
		  const struct evidence_where *where, struct err *err);
/* The same over an image the caller opened (ev owns img from now on, even
 * on failure; image_from_memory for fuzzing the whole pipeline). */
int evidence_open_image(struct evidence *ev, struct image *img,
			const struct evidence_where *where, struct err *err);
/* Free what the collectors loaded and what the scan opened. */
void evidence_release(struct evidence *ev);

/* A warning line for the report (printf style), kept once. */
void evidence_warn(const struct evidence *ev, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Golden-image baselines (rules/baseline.h writes them). */
#define BASELINE_SCHEMA "vssdoctor-baseline/1"

/* Load FILE and check its schema; <0 with "FILE: why". */
int evidence_baseline_load(const char *path, json_t **doc, struct err *err);

/* The baseline document of --baseline FILE, read on first use: 1 (*out
 * borrowed), 0 (no --baseline), <0 (unreadable: err says why). */
int evidence_baseline(const struct evidence *ev, json_t **out,
		      struct err *err);

#endif
