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

struct bde_writer;

#define REPAIR_CHANGES_MAX 4096u      /* changes of one plan */
#define JOURNAL_MAX (64u * 1024 * 1024)

enum change_kind {
	CHANGE_VALUE,                /* a value of a hive (added when create) */
	CHANGE_KEY_SD,               /* a key's own descriptor (its sk cell) */
	CHANGE_FILE_SD,              /* a file's or folder's security descriptor */
	CHANGE_EMPTY_DIR,            /* everything under a folder deleted */
	CHANGE_HIVE_LOGS,            /* a dirty hive's logs replayed into it
				      * (hive_logs.c; key: the hive's path,
				      * why: the plan's headline) */
};

/* The hives a plan changes. */
enum repair_hive {
	HIVE_SYSTEM,
	HIVE_SOFTWARE,
	HIVE_COUNT
};

struct change {
	enum change_kind kind;
	enum repair_hive hive;       /* CHANGE_VALUE, CHANGE_KEY_SD */
	int create;                  /* CHANGE_VALUE: the value is absent, added */
	uint32_t type;               /* its type when created (REG_*) */
	char cause[48];              /* rule id the change fixes */
	char service[256];           /* CHANGE_VALUE of a service, else "" */
	char key[LIMIT_PATH_LEN];    /* below the hive's root; the path on the
				      * volume for a file */
	char value[64];              /* "Security", "Start"; for a file
				      * "security descriptor"; for a key
				      * "key security descriptor" */
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
	enum repair_hive hive;
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

/* 1: a change of a hive (a value or a key's descriptor), 0: of a file */
static inline int change_in_hive(const struct change *c)
{
	return c->kind == CHANGE_VALUE || c->kind == CHANGE_KEY_SD;
}

struct plan {
	struct change *c;
	size_t n;
	json_t *manual;              /* [{id, title, fix: [...]}] */
	json_t *fixing;              /* ids of the causes/findings the plan fixes */
	char hive_path[LIMIT_WINDIR_LEN + 32];      /* SYSTEM */
	char software_path[LIMIT_WINDIR_LEN + 32];
	char control_set[16];
	struct hive_replay replay[PLAN_HIVES_MAX];
	size_t nreplay;
	int unreplayed;              /* a dirty hive whose logs do not replay */
	struct file_write write[PLAN_HIVES_MAX];
	size_t nwrite;
	struct bde_writer *bde;      /* a BitLocker source applied: its writer
				      * (repair_bde_check), else NULL */
};

/* A changed stretch of the disk: of the hive file (hive_off its offset in
 * the file) or of NTFS metadata the file changes wrote. */
struct range {
	uint64_t file_off, disk_off, len;
	int ntfs;                    /* 1: NTFS (file_off unused) */
	enum repair_hive hive;       /* the hive's, when not ntfs */
	const uint8_t *old, *neu;    /* len bytes each, borrowed */
};

/* plan.c */
/* a new change of p of that kind: in hive's key (below its root) a value
 * or the key's descriptor (CHANGE_KEY_SD); for a file change key is the
 * path on the volume, for CHANGE_HIVE_LOGS the hive's; NULL out of memory
 * or too many */
struct change *change_add_at(struct plan *p, const char *cause, enum repair_hive hive,
			     enum change_kind kind, const char *key, const char *value);
/* "SYSTEM", "SOFTWARE" */
const char *repair_hive_name(enum repair_hive hive);
/* p's path of that hive on the volume */
const char *plan_hive_path(const struct plan *p, enum repair_hive hive);
/* sddl as a self-relative descriptor (*bin malloc'd).  0 or <0. */
int sddl_binary(const char *sddl, uint8_t **bin, size_t *len, struct err *err);
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
/* plan_registry.c: the registry findings with a safe automatic fix
 * (cause2's Start, missing dependencies and ServiceDll; ImagePath, COM
 * security, VssAccessControl, the VSS\Diag key's descriptor); as
 * plan_winsxs */
int plan_registry(struct scan *s, struct plan *p, const struct result *res, const char *id,
		  int *rest, struct err *err);
/* 1 when id is one plan_registry plans */
int plan_registry_knows(const char *id);

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
/* 0 when s's BitLocker volume can be written with the secrets given (its
 * writer kept in p->bde: the key is unwrapped once), else the refusal's
 * exit status (said) */
int repair_bde_check(struct scan *s, struct plan *p);
/* The n ranges in (offsets of the decrypted volume, plain bytes) as the
 * disk holds them: encrypted with the volume's key at the sectors'
 * places, *nout ranges into *out whose bytes *old and *neu hold (all
 * malloc'd), each sector's old bytes checked against the disk's; 0, else
 * the refusal's exit status (said). */
int repair_bde_ranges(struct scan *s, struct bde_writer *w, const struct range *in, size_t n,
		      struct range **out, size_t *nout, uint8_t **old, uint8_t **neu);

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
