/* Shared by the two libntfs-3g adapters, fs_ntfs.c (read-only) and
 * fs_ntfs_write.c (copy-on-write): a device over [offset, offset+size) of
 * an image.  A device's d_private points to a struct that begins with
 * struct ntfs_src.  Include after the ntfs-3g headers. */
#ifndef VSSD_FS_NTFS_DEV_H
#define VSSD_FS_NTFS_DEV_H

#include <stdint.h>
#include <sys/stat.h>

#include "image.h"

struct ntfs_src {
	struct image *img;
	uint64_t offset;
	uint64_t size;
	int64_t pos;
};

int fs_ntfs_dev_close(struct ntfs_device *dev);
s64 fs_ntfs_dev_seek(struct ntfs_device *dev, s64 offset, int whence);
int fs_ntfs_dev_sync(struct ntfs_device *dev);
/* a read-only regular file of size bytes */
int fs_ntfs_dev_stat(struct ntfs_device *dev, struct stat *st);
/* BLKGETSIZE64 and BLKSSZGET (512) */
int fs_ntfs_dev_ioctl(struct ntfs_device *dev, unsigned long request, void *argp);

#endif
