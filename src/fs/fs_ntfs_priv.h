/* The NTFS adapter's parts (fs_ntfs.c the file system, fs_ntfs_dev.c the
 * device and the log): what they share.  Only these files see
 * libntfs-3g's names. */
#ifndef VSSD_FS_NTFS_PRIV_H
#define VSSD_FS_NTFS_PRIV_H

/* libntfs-3g's headers want these first (ntfstime.h: struct timespec) */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/device.h>

#include "fs_priv.h"

/* The device's private data: the volume at offset of img. */
struct ntfs_src {
	struct image *img;
	uint64_t offset;
	uint64_t size;
	int64_t pos;
};

/* The device operations over the image layer (read-only); the
 * copy-on-write device of fs_ntfs_write.c shares those that do not touch
 * data (its private data begins with a struct ntfs_src too). */
extern struct ntfs_device_operations ntfs_dev_ops;
int fs_ntfs_dev_close(struct ntfs_device *dev);
s64 fs_ntfs_dev_seek(struct ntfs_device *dev, s64 offset, int whence);
int fs_ntfs_dev_sync(struct ntfs_device *dev);
/* a read-only regular file of size bytes */
int fs_ntfs_dev_stat(struct ntfs_device *dev, struct stat *st);
/* BLKGETSIZE64 and BLKSSZGET (512) */
int fs_ntfs_dev_ioctl(struct ntfs_device *dev, unsigned long request, void *argp);

/* libntfs-3g's log routed into a per-thread last message, once per
 * process. */
void ntfs_logging_init(void);
/* Forget the last message (before a libntfs-3g call). */
void ntfs_msg_clear(void);
/* errno and the last message after a failed libntfs-3g call: "what: why".
 * Returns the code set. */
int ntfs_errno(struct err *err, const char *what);

#endif
