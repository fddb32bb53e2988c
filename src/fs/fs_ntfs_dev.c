/* The NTFS adapter's device: libntfs-3g reads our image layer through
 * these device operations (read-only), and its log lines are kept for our
 * messages (fs_ntfs_priv.h). */
#define _GNU_SOURCE
#include "fs_ntfs_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <linux/fs.h>

#include <ntfs-3g/logging.h>

/* --- libntfs-3g logging: keep the last error line for our messages (per
 * thread: `scan -j` mounts several volumes at once) */
static _Thread_local char ntfs_last_msg[256];

void ntfs_msg_clear(void)
{
	ntfs_last_msg[0] = '\0';
}

/* the format comes from libntfs-3g itself */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
static int ntfs_log_capture(const char *function, const char *file, int line,
			    u32 level, void *data, const char *format,
			    va_list args)
{
	size_t n;

	(void)function; (void)file; (void)line; (void)data;
	if (!(level & (NTFS_LOG_LEVEL_ERROR | NTFS_LOG_LEVEL_PERROR |
		       NTFS_LOG_LEVEL_CRITICAL)))
		return 0;
	vsnprintf(ntfs_last_msg, sizeof(ntfs_last_msg), format, args);
	n = strlen(ntfs_last_msg);
	while (n > 0 && (ntfs_last_msg[n - 1] == '\n' || ntfs_last_msg[n - 1] == '.'))
		ntfs_last_msg[--n] = '\0';
	return 0;
}

#pragma GCC diagnostic pop

static void ntfs_logging_once(void)
{
	ntfs_log_set_handler(ntfs_log_capture);
	ntfs_log_set_levels(NTFS_LOG_LEVEL_ERROR | NTFS_LOG_LEVEL_PERROR |
			    NTFS_LOG_LEVEL_CRITICAL);
}

/* once per process: `scan -j` mounts volumes on several threads */
void fs_ntfs_logging(void)
{
	ntfs_logging_init();
	ntfs_msg_clear();
}

const char *fs_ntfs_last_msg(void)
{
	return ntfs_last_msg;
}

void ntfs_logging_init(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, ntfs_logging_once);
}

/* --- device operations over the image layer (read-only) */
static int dev_open(struct ntfs_device *dev, int flags)
{
	if ((flags & O_ACCMODE) != O_RDONLY) {
		errno = EROFS;
		return -1;
	}
	NDevSetOpen(dev);
	NDevSetReadOnly(dev);
	((struct ntfs_src *)dev->d_private)->pos = 0;
	return 0;
}

int fs_ntfs_dev_close(struct ntfs_device *dev)
{
	NDevClearOpen(dev);
	return 0;
}

s64 fs_ntfs_dev_seek(struct ntfs_device *dev, s64 offset, int whence)
{
	struct ntfs_src *s = dev->d_private;
	s64 base = whence == SEEK_SET ? 0 : whence == SEEK_CUR ? s->pos :
		   (s64)s->size;

	if (whence != SEEK_SET && whence != SEEK_CUR && whence != SEEK_END) {
		errno = EINVAL;
		return -1;
	}
	if (base + offset < 0) {
		errno = EINVAL;
		return -1;
	}
	s->pos = base + offset;
	return s->pos;
}

static s64 dev_pread(struct ntfs_device *dev, void *buf, s64 count, s64 offset)
{
	struct ntfs_src *s = dev->d_private;

	if (count < 0 || offset < 0) {
		errno = EINVAL;
		return -1;
	}
	if ((uint64_t)offset >= s->size)
		return 0;
	if ((uint64_t)count > s->size - (uint64_t)offset)
		count = (s64)(s->size - (uint64_t)offset);
	if (image_read(s->img, s->offset + (uint64_t)offset, buf, (size_t)count,
		       NULL) < 0) {
		errno = EIO;
		return -1;
	}
	return count;
}

static s64 dev_read(struct ntfs_device *dev, void *buf, s64 count)
{
	struct ntfs_src *s = dev->d_private;
	s64 n = dev_pread(dev, buf, count, s->pos);

	if (n > 0)
		s->pos += n;
	return n;
}

static s64 dev_write(struct ntfs_device *dev, const void *buf, s64 count)
{
	(void)dev; (void)buf; (void)count;
	errno = EROFS;
	return -1;
}

static s64 dev_pwrite(struct ntfs_device *dev, const void *buf, s64 count,
		      s64 offset)
{
	(void)dev; (void)buf; (void)count; (void)offset;
	errno = EROFS;
	return -1;
}

int fs_ntfs_dev_sync(struct ntfs_device *dev)
{
	(void)dev;
	return 0;
}

int fs_ntfs_dev_stat(struct ntfs_device *dev, struct stat *st)
{
	struct ntfs_src *s = dev->d_private;

	memset(st, 0, sizeof(*st));
	st->st_mode = S_IFREG | 0444;
	st->st_size = (off_t)s->size;
	return 0;
}

int fs_ntfs_dev_ioctl(struct ntfs_device *dev, unsigned long request, void *argp)
{
	struct ntfs_src *s = dev->d_private;

	if (request == BLKGETSIZE64) {
		*(uint64_t *)argp = s->size;
		return 0;
	}
	if (request == BLKSSZGET) {
		*(int *)argp = 512;
		return 0;
	}
	errno = ENOTTY;
	return -1;
}

struct ntfs_device_operations ntfs_dev_ops = {
	.open = dev_open, .close = fs_ntfs_dev_close, .seek = fs_ntfs_dev_seek,
	.read = dev_read, .write = dev_write, .pread = dev_pread,
	.pwrite = dev_pwrite, .sync = fs_ntfs_dev_sync, .stat = fs_ntfs_dev_stat,
	.ioctl = fs_ntfs_dev_ioctl,
};

int ntfs_errno(struct err *err, const char *what)
{
	int e = errno;

	if (ntfs_last_msg[0])
		return err_set(err, e == EIO ? -E_IO : -E_CORRUPT, "%s: %s",
			       what, ntfs_last_msg);
	return err_set(err, e == EIO ? -E_IO : e == ENOMEM ? -E_NOMEM : -E_CORRUPT,
		       "%s: %s", what, strerror(e ? e : EIO));
}
