/* Shared between fs.c and the two adapters: the operations table. */
#ifndef VSSD_FS_PRIV_H
#define VSSD_FS_PRIV_H

#include "fs.h"

struct fs_ops {
	int (*stat)(void *p, const char *path, struct fs_stat *st, struct err *err);
	int (*readdir)(void *p, const char *path, fs_dirent_fn fn, void *ctx, struct err *err);
	int (*readdir_inode)(void *p, uint64_t inode, fs_dirent_fn fn, void *ctx, struct err *err);
	int (*read_file)(void *p, const char *path, size_t max, uint8_t **buf, size_t *len, struct err *err);
	int (*get_security)(void *p, const char *path, uint8_t **sd, size_t *len, struct err *err);
	int (*get_security_inode)(void *p, uint64_t inode, uint8_t **sd, size_t *len, struct err *err);
	int (*reparse_target)(void *p, const char *path, char *buf, size_t size, struct err *err);
	void (*close)(void *p);
	int (*try_write)(void *p);   /* tests only; NULL = cannot write at all */
	/* optional: lend the file in place (fs_read_file_ref); 1 lent, 0
	 * absent, 2 present but not lendable (the caller copies), <0 */
	int (*borrow_file)(void *p, const char *path, size_t max, size_t slack,
			   const uint8_t **data, size_t *len, struct err *err);
	/* optional: fs_journal_unclean (NULL: no journal, clean) */
	int (*journal_unclean)(void *p);
	/* optional: fs_file_extents */
	int (*extents)(void *p, const char *path, struct fs_extent **runs,
		       size_t *n, uint64_t *alloc_size, struct err *err);
};

struct fs {
	const struct fs_ops *ops;
	void *priv;
	struct fs_info info;
};

/* Allocates the fs around priv (owned from now on; closed on failure). */
int fs_wrap(struct fs **out, const struct fs_ops *ops, void *priv,
	    const struct fs_info *info, struct err *err);

/* Copy path into buf with '\' turned into '/', leading separators dropped;
 * -E_LIMIT when too long. */
int fs_norm_path(const char *path, char *buf, size_t size, struct err *err);

/* Decode a reparse-point buffer (MS-FSCC 2.1.2): tag and print name. */
int fs_parse_reparse(const uint8_t *data, size_t len, uint32_t *tag,
		     char *target, size_t size);

/* fs_ntfs_dev.c: libntfs-3g's logging captured per thread (set up and the
 * last message cleared), and that last error line, "" when none. */
void fs_ntfs_logging(void);
const char *fs_ntfs_last_msg(void);

#endif
