/* Builds NTFS volume files for tests: mkntfs, then folders, files,
 * descriptors and junctions through libntfs-3g mounted read-write.  Only
 * ever used on fixture files this program created. */
#ifndef VSSD_NTFS_BUILDER_H
#define VSSD_NTFS_BUILDER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct ntfs_builder;

/* Create a sparse file of size bytes at path, format it (mkntfs, label) and
 * mount it read-write.  Returns 0 and *out, or <0. */
int ntfs_builder_new(struct ntfs_builder **out, const char *path,
		     uint64_t size, const char *label, struct err *err);
/* Unmount (flushing everything); frees b.  Returns 0 or <0. */
int ntfs_builder_finish(struct ntfs_builder *b, struct err *err);

/* Paths: '\' or '/' separated, parents created as needed (mkdir -p). */
int ntfs_builder_mkdir(struct ntfs_builder *b, const char *path, struct err *err);
int ntfs_builder_write(struct ntfs_builder *b, const char *path,
		       const void *data, size_t len, struct err *err);
/* Set the self-relative descriptor of an existing path. */
int ntfs_builder_set_sd(struct ntfs_builder *b, const char *path,
			const void *sd, size_t len, struct err *err);
/* Make path (created as a folder if absent) a junction to target
 * ("C:\Users" style print name). */
int ntfs_builder_junction(struct ntfs_builder *b, const char *path,
			  const char *target, struct err *err);
/* Leave the volume marked dirty (as after a crash) when finishing. */
int ntfs_builder_set_dirty(struct ntfs_builder *b, struct err *err);

/* Create count subfolders (or empty files) prefix00001.. under path. */
int ntfs_builder_fill(struct ntfs_builder *b, const char *path,
		      unsigned long count, const char *prefix, int files,
		      struct err *err);

/* Run one spec line on a mounted builder (modifies line). */
int ntfs_builder_run_line(struct ntfs_builder *b, char *line,
			   const char *base_dir, struct err *err);

/* Run a spec (the mkfixture language, see testdata/mkfixture.c) read from
 * text; base_dir resolves relative host paths of `copy` lines. */
int ntfs_builder_run_spec(const char *out_path, const char *spec,
			  const char *base_dir, struct err *err);

#endif
