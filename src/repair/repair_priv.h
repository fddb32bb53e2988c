/* Shared by the parts of src/repair: the plan (plan.c), applying it
 * (apply.c), the journal and undo (journal.c), qemu-img/qemu-io (target.c)
 * and the entry (repair.c). */
#ifndef VSSD_REPAIR_PRIV_H
#define VSSD_REPAIR_PRIV_H

#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "err.h"
#include "limits.h"
#include "repair.h"
#include "scan.h"

#define REPAIR_CHANGES_MAX 4096u      /* changes of one plan */
#define JOURNAL_MAX (64u * 1024 * 1024)

enum change_kind {
	CHANGE_VALUE,                /* a value of the SYSTEM hive */
	CHANGE_FILE_SD,              /* a file's or folder's security descriptor */
	CHANGE_EMPTY_DIR,            /* everything under a folder deleted */
	CHANGE_HIVE_LOGS,            /* a dirty hive's logs replayed into it
				      * (hive_logs.c; key: the hive's path,
				      * why: the plan's headline) */
};

struct change {
	enum change_kind kind;
	char cause[48];              /* rule id the change fixes */
	char service[256];           /* CHANGE_VALUE */
	char key[LIMIT_PATH_LEN];    /* below the SYSTEM root; the path on the
				      * volume for a file */
	char value[32];              /* "Security", "Start"; for a file
				      * "security descriptor" */
	char *before, *after;        /* for people: SDDL or number (malloc'd) */
	char *why;                   /* where after comes from when not the
				      * rule (last good value), or NULL */
	uint8_t *data;               /* new value data (malloc'd) */
	uint32_t len;
};

/* 1 for the changes libntfs-3g writes (plan_files.c) */
static inline int change_is_file(const struct change *c)
{
	return c->kind == CHANGE_FILE_SD || c->kind == CHANGE_EMPTY_DIR;
}

#define PLAN_HIVES_MAX 2u             /* SYSTEM, SOFTWARE */

/* A dirty hive whose transaction logs replay (hive_logs.c): the hive as
 * they make it, clean, to be edited and written in place of the primary. */
struct hive_replay {
	char name[16];               /* "SYSTEM" */
	char path[LIMIT_WINDIR_LEN + 32];
	uint8_t *data;               /* len bytes (malloc'd) */
	size_t len, primary_len;
};

/* A file whose whole data libntfs-3g rewrites (a hive that grew): done by
 * plan_files_apply with the file changes, in one mount. */
struct file_write {
	const char *path;
	const uint8_t *data;         /* borrowed */
	size_t len;
};

struct plan {
	struct change *c;
	size_t n;
	json_t *manual;              /* [{id, title, fix: [...]}] */
	json_t *fixing;              /* ids of the causes/findings the plan fixes */
	char hive_path[LIMIT_WINDIR_LEN + 32];
	char control_set[16];
	struct hive_replay replay[PLAN_HIVES_MAX];
	size_t nreplay;
	int unreplayed;              /* a dirty hive whose logs do not replay */
	struct file_write write[PLAN_HIVES_MAX];
	size_t nwrite;
};

/* A changed stretch of the disk: of the hive file (hive_off its offset in
 * the file) or of NTFS metadata the file changes wrote. */
struct range {
	uint64_t file_off, disk_off, len;
	int ntfs;                    /* 1: NTFS (file_off unused) */
	const uint8_t *old, *neu;    /* len bytes each, borrowed */
};

/* plan.c */
/* a new change of p for service's value (CHANGE_VALUE, its key filled);
 * NULL out of memory or too many */
struct change *change_add(struct plan *p, const char *cause, const char *service,
			  const char *value);
/* id added to the causes p fixes, once */
void fixing_add(struct plan *p, const char *id);
void plan_free(struct plan *p);
int plan_build(struct scan *s, struct plan *p, struct err *err);
json_t *change_json(const struct change *c);
/* the plan for people (text) or scripts (json); into: where it is about
 * to be written (apply), NULL for --plan */
void plan_print(FILE *f, const struct plan *p, int json, const char *source, const char *into);

/* plan_files.c: cause 1's WinSxS descriptors set as KB 2009272 sets
 * them; *rest set when some are left to the manual fix; 1 planned
 * something, 0 nothing, <0 error */
int plan_winsxs(struct scan *s, struct plan *p, const struct result *res, int *rest,
		struct err *err);
/* the text of p's file change i: in full for the first few of its
 * folder, then one line for the rest of the folder, then nothing */
void plan_print_file(FILE *f, const struct plan *p, size_t i);
/* cause 4: the Temporary ASP.NET Files folders that put a Framework
 * version over the limit emptied; as plan_winsxs */
int plan_aspnet(struct plan *p, const struct result *res, int *rest, struct err *err);
/* the file changes of p (and p->write, the hives that grew) written
 * through libntfs-3g in one mount into a block map over SOURCE: the
 * changed stretches as ranges (*old, *neu hold their bytes, malloc'd);
 * 0, else the exit status (said) */
int plan_files_apply(struct scan *s, const struct plan *p, struct range **ranges,
		     size_t *nr, uint8_t **old, uint8_t **neu);

/* hive_logs.c: every dirty hive (SYSTEM, SOFTWARE) replayed from its
 * transaction logs into p->replay; 0, else the refusal's exit status
 * (said): a dirty SYSTEM hive whose logs do not replay */
int hive_logs_prepare(struct scan *s, struct plan *p);
/* After plan_build: hive-dirty among the findings the plan fixes when
 * every dirty hive is replayed (a finding that does not fail the scan,
 * so plan_build passes it by) */
void plan_hive_logs(struct plan *p);
/* the replay of the hive at path, NULL when it is not replayed */
const struct hive_replay *hive_replay_of(const struct plan *p, const char *path);
void hive_replays_free(struct plan *p);

/* apply.c */
int repair_apply(struct scan *s, struct plan *p, const struct repair_opts *o,
		 const struct rule *rules, size_t nrules);
/* repair.c: scan src (img when not NULL: owned by s from now on) into s;
 * exit status (0 done) */
struct image;
int repair_scan_source(struct scan *s, const struct scan_opts *o, const char *src,
		       struct image *img, const struct rule *rules, size_t nrules);
/* TARGET opened as repair wrote it: a qcow2 overlay over abs_src (its
 * backing file trusted wherever it lies: image_open only looks beside
 * the overlay), else as any image.  0 or <0. */
int repair_target_open(struct image **img, const char *target, int raw, const char *abs_src,
		       struct err *err);

/* apply_bde.c: writing through BitLocker */
/* The volume the plan reads and the NTFS writer writes: the decrypted
 * BitLocker view from 0, else the disk at the Windows volume's offset
 * (borrowed from s). */
void repair_volume(const struct scan *s, struct image **img, uint64_t *off, uint64_t *size);
/* 0 when s's BitLocker volume can be written with the secrets given,
 * else the refusal's exit status (said) */
int repair_bde_check(struct scan *s);
/* The n ranges in (offsets of the decrypted volume, plain bytes) as the
 * disk holds them: encrypted with the volume's key at the sectors'
 * places, *nout ranges into *out whose bytes *old and *neu hold (all
 * malloc'd), each sector's old bytes checked against the disk's; 0, else
 * the refusal's exit status (said). */
int repair_bde_ranges(struct scan *s, const struct range *in, size_t n, struct range **out,
		      size_t *nout, uint8_t **old, uint8_t **neu);

/* journal.c: the undo journal of the ranges old -> neu (hive file bytes) */
json_t *journal_new(const struct plan *p, const char *abs_src, const char *target,
		    const struct range *ranges, size_t nr);

/* target.c */
int run_quiet(const char *const argv[]);
const char *qemu_format(const char *fmt);
int overlay_create(const char *target, const char *abs_src, const char *qfmt);
int overlay_write(const char *target, uint64_t off, const uint8_t *data,
		  size_t len, struct err *err);
/* len bytes at disk offset off of TARGET: raw (an image or a block
 * device, pwrite then fsync) or a qcow2 overlay (qemu-io) */
int target_write(const char *target, int raw, uint64_t off, const uint8_t *data,
		 size_t len, struct err *err);
/* A new sparse raw file target holding every byte of img (runs of zeros
 * left as holes); removed again on failure */
int target_copy_sparse(struct image *img, const char *target, struct err *err);

#endif
