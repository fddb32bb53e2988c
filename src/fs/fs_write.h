/* Writing an NTFS volume without touching its image (repair, issue 21):
 * libntfs-3g mounted read-write over a device whose writes go to a
 * private block map; every read sees the map over the image.  After
 * fs_writer_close() the changed blocks are handed out for the caller to
 * write elsewhere (a qcow2 overlay of the image).  The image is only ever
 * read.  Paths as in fs.h. */
#ifndef VSSD_FS_WRITE_H
#define VSSD_FS_WRITE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"

#define FS_WRITER_BLOCK 4096u          /* bytes of one block of the map */

struct fs_writer;

/* Mount the NTFS volume at [offset, offset+size) of img read-write into a
 * block map.  img is borrowed and must outlive the writer.  Refused
 * (-E_UNSUPPORTED) when libntfs-3g would not mount it read-write (a
 * journal not clean, hibernated).  0 or <0. */
int fs_writer_open(struct fs_writer **out, struct image *img, uint64_t offset,
		   uint64_t size, struct err *err);

/* Set path's whole self-relative security descriptor (system.ntfs_acl);
 * 1 set, 0 path absent, <0 error. */
int fs_writer_set_security(struct fs_writer *w, const char *path,
			   const uint8_t *sd, size_t len, struct err *err);

/* Delete path and, for a folder, everything under it (junctions and
 * symlinks are deleted, never followed); with keep_top the folder path
 * itself stays, emptied.  *count: objects deleted.  1 deleted, 0 absent,
 * <0 error (some may be deleted already). */
int fs_writer_delete_tree(struct fs_writer *w, const char *path, int keep_top,
			  unsigned long *count, struct err *err);

/* Replace path's unnamed data with len bytes of data, the file growing or
 * shrinking to len (clusters allocated by libntfs-3g, the directory
 * entry's size updated when the inode is closed).  1 written, 0 path
 * absent, <0 error. */
int fs_writer_write_file(struct fs_writer *w, const char *path, const uint8_t *data,
			 size_t len, struct err *err);

/* Unmount, flushing libntfs-3g's caches into the map.  0 or <0. */
int fs_writer_close(struct fs_writer *w, struct err *err);

/* After fs_writer_close: the n-th changed block in volume order (offset
 * from the volume's start, FS_WRITER_BLOCK bytes, the last block of the
 * volume may be shorter: *len).  1 given, 0 past the end. */
int fs_writer_block(const struct fs_writer *w, size_t n, uint64_t *vol_off,
		    const uint8_t **data, size_t *len);

void fs_writer_free(struct fs_writer *w);

#endif
