/* The file-system layer: one interface over an NTFS volume read through
 * libntfs-3g (read-only) and over a directory holding a mounted volume.
 *
 * Paths are relative to the volume root, separated by '\' or '/', and looked
 * up case-insensitively ("Windows\System32\config\SYSTEM").  Names are
 * UTF-8.  Lookups return 1 found, 0 absent, <0 error. */
#ifndef VSSD_FS_H
#define VSSD_FS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"

struct fs;

enum fs_kind { FS_NTFS = 1, FS_DIR = 2 };

/* IO_REPARSE_TAG_* we care about */
#define FS_REPARSE_MOUNT_POINT 0xA0000003u  /* junction */
#define FS_REPARSE_SYMLINK     0xA000000Cu

struct fs_stat {
	uint64_t inode;        /* MFT reference (NTFS) or st_ino */
	uint64_t size;         /* data size of files */
	int is_dir;
	int is_reparse;        /* junction, symlink or other reparse point */
	uint32_t reparse_tag;
};

struct fs_dirent {
	const char *name;      /* UTF-8, valid during the callback only */
	uint64_t inode;
	int is_dir;
	int is_reparse;
	uint32_t reparse_tag;
};

/* Return 0 to go on, >0 to stop early (fs_readdir returns that value),
 * <0 to fail (returned as is). */
typedef int (*fs_dirent_fn)(void *ctx, const struct fs_dirent *e);

struct fs_info {
	enum fs_kind kind;
	char label[64];
	int dirty;             /* NTFS dirty flag set */
	int hibernated;        /* hiberfil.sys holds a hibernation image */
	int descriptors;       /* security descriptors can be read */
	char descriptors_why[128]; /* when not: why */
};

/* Mount the NTFS volume at [offset, offset+size) of img read-only.  img is
 * borrowed and must outlive the fs.  Returns 0 or <0. */
int fs_open_ntfs(struct fs **out, struct image *img, uint64_t offset,
		 uint64_t size, struct err *err);

/* A directory holding a mounted Windows volume (root = the volume's root). */
int fs_open_dir(struct fs **out, const char *root, struct err *err);

void fs_free(struct fs *fs);

const struct fs_info *fs_info(const struct fs *fs);

int fs_stat(struct fs *fs, const char *path, struct fs_stat *st,
	    struct err *err);

/* List the directory at path (or by inode with fs_readdir_inode when the
 * caller has one from a dirent: avoids a path lookup per folder).  8.3 DOS
 * aliases and "." / ".." are never reported. */
int fs_readdir(struct fs *fs, const char *path, fs_dirent_fn fn, void *ctx,
	       struct err *err);
int fs_readdir_inode(struct fs *fs, uint64_t inode, fs_dirent_fn fn,
		     void *ctx, struct err *err);

/* Read a whole file of at most max bytes into *buf (malloc'd, caller frees).
 * 1 read, 0 absent, <0 error (a file larger than max is -E_LIMIT).  The
 * buffer has FS_READ_SLACK zero bytes after *len: libbfio 20170123's memory
 * range copies a whole request even past the range's end, so hives and
 * logs handed to it must not sit at the end of an allocation. */
#define FS_READ_SLACK 65536
int fs_read_file(struct fs *fs, const char *path, size_t max, uint8_t **buf,
		 size_t *len, struct err *err);

/* A file's bytes, lent in place or copied (fs_read_file_ref). */
struct fs_data {
	const uint8_t *p;      /* len bytes, read-only */
	size_t len;
	uint8_t *owned;        /* p when copied (malloc'd, FS_READ_SLACK zero
				  bytes after len); NULL when lent */
};

/* fs_read_file without the copy where the volume allows it: a file that
 * lies uncompressed in one contiguous run of a mapped image
 * (image_borrow) is lent in place, valid while the fs is open, provided
 * the image also holds slack readable bytes after it (they are not
 * zeros: callers whose library may read past the end ask for
 * FS_READ_SLACK); anything else is copied as fs_read_file does.
 * 1 read, 0 absent, <0 error; release with fs_data_release. */
int fs_read_file_ref(struct fs *fs, const char *path, size_t max, size_t slack,
		     struct fs_data *d, struct err *err);
void fs_data_release(struct fs_data *d);

/* The self-relative security descriptor of path (malloc'd, caller frees).
 * 1 read, 0 path absent, <0 error; -E_UNSUPPORTED when this fs has no
 * descriptors (fs_info()->descriptors == 0). */
int fs_get_security(struct fs *fs, const char *path, uint8_t **sd,
		    size_t *len, struct err *err);
int fs_get_security_inode(struct fs *fs, uint64_t inode, uint8_t **sd,
			  size_t *len, struct err *err);

/* Where a junction or symlink points (UTF-8 print name), 1/0/<0. */
int fs_reparse_target(struct fs *fs, const char *path, char *buf, size_t size,
		      struct err *err);

/* 1 when the NTFS journal's ($LogFile's) restart area says the volume
 * was not closed cleanly (a crash), or cannot be read; 0 clean, and for a
 * file system with no journal.  Read when asked (repair), not at mount. */
int fs_journal_unclean(struct fs *fs);

/* Where a file's data lies on the volume (repair writes changed clusters
 * of a hive through it): runs of plain clusters in file order, covering
 * the data size (the last run may extend past it up to its cluster's end).
 * *runs is malloc'd (caller frees).  1 mapped, 0 absent, <0 error:
 * -E_UNSUPPORTED for a directory source or data that is resident,
 * compressed, encrypted, sparse or not wholly initialised. */
struct fs_extent {
	uint64_t file_off;     /* byte offset in the file */
	uint64_t vol_off;      /* byte offset in the volume */
	uint64_t len;          /* bytes (whole clusters) */
};
int fs_file_extents(struct fs *fs, const char *path, struct fs_extent **runs,
		    size_t *n, uint64_t *alloc_size, struct err *err);

/* Tests of the read-only guarantee: try to write one byte through the
 * volume's device.  Returns a negative errno (-EROFS) when refused, 0 if a
 * write went through (a bug). */
int fs_try_write(struct fs *fs);

#endif
