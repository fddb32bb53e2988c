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

struct change {
	char cause[48];              /* rule id the change fixes */
	char service[256];
	char key[LIMIT_PATH_LEN];    /* below the SYSTEM root */
	char value[32];              /* "Security", "Start" */
	char *before, *after;        /* for people: SDDL or number (malloc'd) */
	uint8_t *data;               /* new value data (malloc'd) */
	uint32_t len;
};

struct plan {
	struct change *c;
	size_t n;
	json_t *manual;              /* [{id, title, fix: [...]}] */
	json_t *fixing;              /* ids of the causes/findings the plan fixes */
	char hive_path[LIMIT_WINDIR_LEN + 32];
	char control_set[16];
};

/* A changed stretch of the hive file and where it lies on the disk. */
struct range {
	uint64_t file_off, disk_off, len;
};

/* plan.c */
void plan_free(struct plan *p);
int plan_build(struct scan *s, struct plan *p, struct err *err);
json_t *change_json(const struct change *c);
void plan_print(FILE *f, const struct plan *p, int json, const char *source);

/* apply.c */
int repair_apply(struct scan *s, struct plan *p, const struct repair_opts *o,
		 const struct rule *rules, size_t nrules);
/* repair.c: scan src into s; exit status (0 done) */
int repair_scan_source(struct scan *s, const struct scan_opts *o, const char *src,
		       const struct rule *rules, size_t nrules);

/* journal.c: the undo journal of the ranges old -> neu (hive file bytes) */
json_t *journal_new(const struct plan *p, const char *abs_src, const char *target,
		    const struct range *ranges, size_t nr,
		    const uint8_t *old, const uint8_t *neu);

/* target.c */
int run_quiet(const char *const argv[]);
const char *qemu_format(const char *fmt);
int overlay_create(const char *target, const char *abs_src, const char *qfmt);
int overlay_write(const char *target, uint64_t off, const uint8_t *data,
		  size_t len, struct err *err);

#endif
