/* Folder counting under a .NET Framework version folder (DOMAIN.md cause 4),
 * streamed: nothing of the tree is kept but the current path and the few
 * largest top-level subfolders.
 *
 * What is counted (rules/README.md, "cause4"): for a version folder V,
 *   folders      = the folders nested inside V's top-level subfolders, i.e.
 *                  every folder below V except V's own direct children;
 *                  this is what cause 4 judges;
 *   all_folders  = every folder below V (folders + subfolders);
 *   top[]        = V's top-level subfolders with the most folders inside.
 * Junctions and symbolic links to folders are counted once and never
 * followed (so cycles cannot happen); 8.3 aliases never reach us (the fs
 * layer drops them). */
#ifndef VSSD_FRAMEWORK_H
#define VSSD_FRAMEWORK_H

#include <stdint.h>

#include <jansson.h>

#include "err.h"
#include "evidence.h"
#include "fs.h"

#define FRAMEWORK_TOP_MAX 5   /* top-level subfolders kept, largest first */

struct framework_top {
	char *name;               /* malloc'd; NULL when unused */
	uint64_t folders;         /* folders nested inside it */
};

struct framework_count {
	uint64_t folders;         /* judged: nested inside the top-level subfolders */
	uint64_t all_folders;     /* every folder below the version folder */
	uint64_t subfolders;      /* top-level subfolders */
	uint64_t reparse_points;  /* junctions / symlinks met (counted, not followed) */
	unsigned ntop;
	struct framework_top top[FRAMEWORK_TOP_MAX];
	int complete;             /* 1 when the whole tree was walked */
};

/* Called for each junction or folder symlink met; path is volume-relative
 * ('\' separated), valid during the call.  Return <0 to stop (err set). */
typedef int (*framework_reparse_fn)(void *ctx, const char *path,
				    const struct fs_dirent *e, struct err *err);

/* One walk's settings and budget, shared by every version folder of one
 * check so the entry budget covers the whole check. */
struct framework_walk {
	struct fs *fs;
	int by_inode;             /* list with fs_readdir_inode (images) */
	uint64_t entries;         /* directory entries read so far */
	uint64_t max_entries;     /* LIMIT_DIR_ENTRIES */
	unsigned max_depth;       /* LIMIT_DIR_DEPTH, levels below the version folder */
	framework_reparse_fn on_reparse;
	void *ctx;
};

/* Set up w for fs with the limits of parsers/limits.h. */
void framework_walk_init(struct framework_walk *w, struct fs *fs);

/* Count the folders below the version folder at path (volume-relative;
 * inode from its dirent, used when w->by_inode).  out is initialised here;
 * release it with framework_count_release().  0, or <0 with err set (a
 * limit hit is -E_LIMIT); on failure out holds the partial counts made so
 * far and out->complete is 0. */
int framework_count_version(struct framework_walk *w, const char *path,
			    uint64_t inode, struct framework_count *out,
			    struct err *err);

void framework_count_release(struct framework_count *c);

/* ---- the collector (framework_scan.c) ---------------------------------- */

/* What one walk of the Framework roots found, in the order the cause 4
 * evidence lists it: for each root an absent/junction/not-a-folder item,
 * or per version folder its junctions, its count item (kind "count",
 * "limit": null for the judge to fill) and its CONFIG\Web.config item,
 * the first LIMIT_EVIDENCE_ITEMS versions listed. */
struct framework_scan {
	json_t *roots;            /* the roots walked (array of strings) */
	json_t *items;            /* evidence items, in order */
	unsigned long versions;   /* version folders met */
	unsigned long listed;     /* count items in items */
	/* the version folder with the most folders */
	char *worst_path, *worst_top, *worst_temp;
	uint64_t worst_count, worst_top_count;
	int worst_incomplete;
	json_t *worst_ev;         /* its count item (in items when worst_listed) */
	int worst_listed;
	int rc;                   /* <0 when a count or a root failed: err says why */
	struct err err;
};

/* The Framework folders under roots (an array of paths, %SystemRoot%
 * allowed; NULL: the roots of this scan's last walk, else the defaults
 * Framework and Framework64), walked once per scan and kept in ev's
 * cache.  0 (*out borrowed until evidence_release; a failed walk is in
 * (*out)->rc) or <0 (out of memory, no volume). */
int framework_collect(const struct evidence *ev, json_t *roots,
		      const struct framework_scan **out, struct err *err);
void framework_scan_free(struct framework_scan *f);

#endif
