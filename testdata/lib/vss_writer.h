/* Writes volume shadow copies (VSS) into an NTFS fixture volume, after
 * libyal's "Volume Shadow Snapshot (VSS) format" document: the volume
 * header at 0x1e00 with the VSS identifier
 * {3808876b-c176-4e48-b7ae-04046e6cc752}, catalog blocks (entries of type
 * 0x02 and 0x03), and per store a store header with its store information,
 * store block lists (descriptors: original offset -> store data offset), a
 * block range list, a current bitmap, and the store data blocks.
 *
 * The states of the volume are whole volume files of the same size (made
 * by mkscenario or mkfixture, e.g. the same scenario with and without a
 * `break` line).  Store i (oldest first) keeps the 16 KiB blocks of state i
 * that differ in state i+1 (the live volume after the last state): what
 * Windows' copy-on-write keeps between two snapshots.  So store i read
 * through libvshadow is state i, except blocks free (all zeros, not in
 * use) in every state, where the writer puts its metadata and store data,
 * and the VSS volume header at 0x1e00.  The metadata and data are not in a
 * file of "System Volume Information" (Windows puts them there): the
 * clusters stay free in $Bitmap.  Only ever used on fixture files. */
#ifndef VSSD_VSS_WRITER_H
#define VSSD_VSS_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VSS_WRITER_MAX_STORES 64
#define VSS_WRITER_BLOCK 0x4000u

struct vss_writer;

/* The live volume (the newest state) at path, changed by vss_writer_finish. */
int vss_writer_new(struct vss_writer **out, const char *live, struct err *err);

/* One more older state: the volume as it was at filetime (100 ns since
 * 1601, UTC).  States are added oldest first, before the live volume's
 * time.  The file is read, never changed. */
int vss_writer_add_state(struct vss_writer *w, const char *state,
			 uint64_t filetime, struct err *err);

/* Where the writer put things (for tests that damage them). */
struct vss_writer_layout {
	uint64_t size;                         /* the volume's size */
	uint64_t catalog;                      /* first catalog block */
	unsigned nstores;
	struct {
		uint64_t header, block_list, range_list, bitmap;
		uint64_t data;                 /* first store data block */
		unsigned blocks;               /* descriptors (saved blocks) */
	} store[VSS_WRITER_MAX_STORES];
};

/* Write the VSS metadata and store data into the live volume and free w.
 * layout may be NULL.  0 or <0 (w is freed either way). */
int vss_writer_finish(struct vss_writer *w, struct vss_writer_layout *layout,
		      struct err *err);

void vss_writer_free(struct vss_writer *w);

/* Hostile variants of a written volume, for tests and the mutation
 * campaign ("catalog-loop", "catalog-past-end", "catalog-garbage",
 * "list-loop", "list-past-end", "data-past-end", "header-garbage",
 * "store-info-huge"); store is 0-based where it matters.  0 or <0. */
int vss_writer_damage(const char *path, const struct vss_writer_layout *lay,
		      const char *kind, unsigned store, struct err *err);
/* The kinds vss_writer_damage knows, NULL-terminated. */
extern const char *const vss_writer_damage_kinds[];

/* "2019-06-04T23:43:01Z" (or "2019-06-04 23:43:01") -> FILETIME; 0 on a
 * malformed time. */
uint64_t vss_writer_filetime(const char *iso);

#endif
