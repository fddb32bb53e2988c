/* The NTFS adapter: libntfs-3g mounted read-only over our image layer
 * through a custom struct ntfs_device_operations.  The only file that sees
 * libntfs-3g's names (its le32 typedefs clash with parsers/bytes.h).
 *
 * libntfs-3g facts relied on (DESIGN.md "Known traps"):
 *  - ntfs_umount() frees the device but not d_private; a failed mount does
 *    not free the device;
 *  - its logging goes to stderr/stdout by default: we route it into a buffer
 *    so a mount failure can say why, and nothing reaches stdout;
 *  - ntfs_readdir() also returns 8.3 aliases (FILE_NAME_DOS): skipped. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <linux/fs.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/device.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logfile.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/reparse.h>
#include <ntfs-3g/runlist.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "fs_ntfs_priv.h"
#include "limits.h"

struct ntfs_fs {
	ntfs_volume *vol;
	struct ntfs_src *src;
};

/* 1 opened, 0 absent, <0 error */
static int open_path(struct ntfs_fs *n, const char *path, ntfs_inode **ni,
		     struct err *err)
{
	char p[LIMIT_PATH_LEN + 1];
	int rc;

	*ni = NULL;
	rc = fs_norm_path(path, p, sizeof(p), err);
	if (rc < 0)
		return rc;
	ntfs_msg_clear();
	errno = 0;
	*ni = ntfs_pathname_to_inode(n->vol, NULL, p[0] ? p : "/");
	if (*ni)
		return 1;
	if (errno == ENOENT || errno == ENOTDIR)
		return 0;
	return ntfs_errno(err, "lookup");
}

static void fill_stat(ntfs_inode *ni, struct fs_stat *st)
{
	memset(st, 0, sizeof(*st));
	st->inode = ni->mft_no;
	st->is_dir = (ni->mrec->flags & MFT_RECORD_IS_DIRECTORY) != 0;
	st->size = (uint64_t)ni->data_size;
	if (ni->flags & FILE_ATTR_REPARSE_POINT) {
		/* the getter fills nothing unless the whole buffer fits */
		char buf[16384];
		int got = ntfs_get_ntfs_reparse_data(ni, buf, sizeof(buf));

		st->is_reparse = 1;
		if (got >= 4 && (size_t)got <= sizeof(buf))
			st->reparse_tag = (uint32_t)(uint8_t)buf[0] |
					  ((uint32_t)(uint8_t)buf[1] << 8) |
					  ((uint32_t)(uint8_t)buf[2] << 16) |
					  ((uint32_t)(uint8_t)buf[3] << 24);
	}
}

static int n_stat(void *p, const char *path, struct fs_stat *st, struct err *err)
{
	ntfs_inode *ni;
	int rc = open_path(p, path, &ni, err);

	if (rc <= 0)
		return rc;
	fill_stat(ni, st);
	ntfs_inode_close(ni);
	return 1;
}

struct dir_walk {
	struct ntfs_fs *n;
	fs_dirent_fn fn;
	void *ctx;
	int rc;
	unsigned long entries;
};

static int filldir(void *dirent, const ntfschar *name, const int name_len,
		   const int name_type, const s64 pos, const MFT_REF mref,
		   const unsigned dt_type)
{
	struct dir_walk *w = dirent;
	struct fs_dirent e;
	char *u8 = NULL;
	int rc;

	(void)pos;
	if (name_type == FILE_NAME_DOS)
		return 0;
	if (++w->entries > LIMIT_DIR_ENTRIES) {
		w->rc = -E_LIMIT;
		return -1;
	}
	if (ntfs_ucstombs(name, name_len, &u8, 0) < 0) {
		w->rc = -E_CORRUPT;
		return -1;
	}
	if (strcmp(u8, ".") == 0 || strcmp(u8, "..") == 0) {
		free(u8);
		return 0;
	}
	memset(&e, 0, sizeof(e));
	e.name = u8;
	e.inode = MREF(mref);
	e.is_dir = dt_type == NTFS_DT_DIR;
	/* libntfs-3g 2017+ reports junctions and symlinks as NTFS_DT_LNK
	 * (older ones as NTFS_DT_REPARSE), system entries as Interix types:
	 * ask the inode for anything but a plain folder or file */
	if (dt_type != NTFS_DT_DIR && dt_type != NTFS_DT_REG) {
		ntfs_inode *ni = ntfs_inode_open(w->n->vol, mref);

		e.is_reparse = dt_type == NTFS_DT_REPARSE || dt_type == NTFS_DT_LNK;
		if (ni) {
			struct fs_stat st;

			fill_stat(ni, &st);
			e.is_dir = st.is_dir;
			e.is_reparse = st.is_reparse;
			e.reparse_tag = st.reparse_tag;
			ntfs_inode_close(ni);
		}
	}
	rc = w->fn(w->ctx, &e);
	free(u8);
	if (rc != 0) {
		w->rc = rc;
		return -1;
	}
	return 0;
}

static int readdir_ni(struct ntfs_fs *n, ntfs_inode *ni, fs_dirent_fn fn,
		      void *ctx, struct err *err)
{
	struct dir_walk w = { n, fn, ctx, 0, 0 };
	s64 pos = 0;
	int rc;

	if (!(ni->mrec->flags & MFT_RECORD_IS_DIRECTORY))
		return err_set(err, -E_CORRUPT, "not a directory");
	ntfs_msg_clear();
	rc = ntfs_readdir(ni, &pos, &w, filldir);
	if (w.rc > 0)
		return w.rc;
	if (w.rc == -E_LIMIT)
		return err_set(err, -E_LIMIT, "more than %u entries",
			       LIMIT_DIR_ENTRIES);
	if (w.rc < 0 && err && err->code == 0)
		return err_set(err, w.rc, "directory listing failed");
	if (w.rc < 0)
		return w.rc;
	if (rc < 0)
		return ntfs_errno(err, "readdir");
	return 0;
}

static int n_readdir(void *p, const char *path, fs_dirent_fn fn, void *ctx,
		     struct err *err)
{
	ntfs_inode *ni;
	int rc = open_path(p, path, &ni, err);

	if (rc == 0)
		return err_set(err, -E_NOTFOUND, "no such directory");
	if (rc < 0)
		return rc;
	rc = readdir_ni(p, ni, fn, ctx, err);
	ntfs_inode_close(ni);
	return rc;
}

static int n_readdir_inode(void *p, uint64_t inode, fs_dirent_fn fn, void *ctx,
			   struct err *err)
{
	struct ntfs_fs *n = p;
	ntfs_inode *ni;
	int rc;

	ntfs_msg_clear();
	ni = ntfs_inode_open(n->vol, (MFT_REF)inode);
	if (!ni)
		return ntfs_errno(err, "inode");
	rc = readdir_ni(n, ni, fn, ctx, err);
	ntfs_inode_close(ni);
	return rc;
}

/* The unnamed $DATA of path: 1 (*ni and *na open), 0 absent, <0. */
static int open_data(struct ntfs_fs *n, const char *path, ntfs_inode **ni,
		     ntfs_attr **na, struct err *err)
{
	int rc = open_path(n, path, ni, err);

	if (rc <= 0)
		return rc;
	*na = ntfs_attr_open(*ni, AT_DATA, AT_UNNAMED, 0);
	if (!*na) {
		rc = ntfs_errno(err, "data attribute");
		ntfs_inode_close(*ni);
		return rc;
	}
	return 1;
}

static int n_read_file(void *p, const char *path, size_t max, uint8_t **buf,
		       size_t *len, struct err *err)
{
	ntfs_inode *ni;
	ntfs_attr *na;
	s64 got;
	int rc = open_data(p, path, &ni, &na, err);

	if (rc <= 0)
		return rc;
	if (na->data_size < 0 || (uint64_t)na->data_size > max) {
		rc = err_set(err, -E_LIMIT, "file of %lld bytes exceeds the limit of %zu",
			     (long long)na->data_size, max);
		goto close_attr;
	}
	*buf = calloc(1, (size_t)na->data_size + FS_READ_SLACK);
	if (!*buf) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto close_attr;
	}
	got = na->data_size ? ntfs_attr_pread(na, 0, na->data_size, *buf) : 0;
	if (got != na->data_size) {
		free(*buf);
		*buf = NULL;
		rc = ntfs_errno(err, "read");
		goto close_attr;
	}
	(*buf)[got] = 0;
	*len = (size_t)got;
	rc = 1;
close_attr:
	ntfs_attr_close(na);
	ntfs_inode_close(ni);
	return rc;
}

/* Zero-copy (fs_read_file_ref): the file's data where it lies in the
 * image, when it is one contiguous run of plain clusters (not resident,
 * compressed, encrypted or sparse, wholly initialised).  2: not lendable. */
static int n_borrow_file(void *p, const char *path, size_t max, size_t slack,
			 const uint8_t **data, size_t *len, struct err *err)
{
	struct ntfs_fs *n = p;
	ntfs_inode *ni;
	ntfs_attr *na;
	runlist_element *rl;
	uint64_t cs = n->vol->cluster_size, need, have = 0, off;
	int rc = open_path(n, path, &ni, err);

	if (rc <= 0)
		return rc;
	rc = 2;
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (!na)
		goto close_inode;
	if (!NAttrNonResident(na) || NAttrCompressed(na) || NAttrEncrypted(na) ||
	    NAttrSparse(na) || na->data_size <= 0 ||
	    na->initialized_size != na->data_size ||
	    (uint64_t)na->data_size > max || (uint64_t)na->data_size > SIZE_MAX - slack ||
	    cs == 0 || ntfs_attr_map_whole_runlist(na) < 0 || !na->rl)
		goto close_attr;
	need = ((uint64_t)na->data_size + cs - 1) / cs;
	rl = na->rl;
	if (rl[0].vcn != 0 || rl[0].lcn < 0)
		goto close_attr;
	for (; rl->length > 0 && have < need; rl++) {
		if (rl->lcn < 0 || rl->vcn != (VCN)have ||
		    (rl != na->rl && rl->lcn != rl[-1].lcn + rl[-1].length))
			goto close_attr;
		have += (uint64_t)rl->length;
	}
	if (have < need || (uint64_t)na->rl[0].lcn > (n->src->size - 1) / cs)
		goto close_attr;
	off = (uint64_t)na->rl[0].lcn * cs;
	if (off > n->src->size || need * cs > n->src->size - off)
		goto close_attr;
	*data = image_borrow(n->src->img, n->src->offset + off, (size_t)na->data_size + slack);
	if (*data) {
		*len = (size_t)na->data_size;
		rc = 1;
	}
close_attr:
	if (na)
		ntfs_attr_close(na);
close_inode:
	ntfs_inode_close(ni);
	return rc;
}

/* fs_file_extents: the runlist of the unnamed $DATA as volume byte runs. */
static int n_extents(void *p, const char *path, struct fs_extent **runs,
		     size_t *n_out, uint64_t *alloc_size, struct err *err)
{
	struct ntfs_fs *n = p;
	ntfs_inode *ni;
	ntfs_attr *na;
	runlist_element *rl;
	uint64_t cs = n->vol->cluster_size, need, have = 0;
	size_t cnt = 0;
	int rc = open_data(n, path, &ni, &na, err);

	if (rc <= 0)
		return rc;
	if (!NAttrNonResident(na) || NAttrCompressed(na) || NAttrEncrypted(na) ||
	    NAttrSparse(na) || na->data_size <= 0 ||
	    na->initialized_size != na->data_size || cs == 0) {
		rc = err_set(err, -E_UNSUPPORTED,
			     "'%s' is resident, compressed, encrypted or sparse: not written in place", path);
		goto close_attr;
	}
	if (ntfs_attr_map_whole_runlist(na) < 0 || !na->rl) {
		rc = ntfs_errno(err, "runlist");
		goto close_attr;
	}
	need = ((uint64_t)na->data_size + cs - 1) / cs;
	for (rl = na->rl; rl->length > 0 && have < need; rl++)
		cnt++;
	if (cnt == 0 || cnt > LIMIT_FILE_EXTENTS) {
		rc = err_set(err, -E_LIMIT, "'%s': %zu data runs (limit LIMIT_FILE_EXTENTS)", path, cnt);
		goto close_attr;
	}
	*runs = calloc(cnt, sizeof(**runs));
	if (!*runs) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto close_attr;
	}
	cnt = 0;
	for (rl = na->rl; rl->length > 0 && have < need; rl++) {
		uint64_t len = (uint64_t)rl->length;

		if (rl->lcn < 0 || rl->vcn != (VCN)have ||
		    (uint64_t)rl->lcn > n->src->size / cs ||
		    len > (n->src->size / cs) - (uint64_t)rl->lcn) {
			free(*runs);
			*runs = NULL;
			rc = err_set(err, -E_CORRUPT, "'%s': a data run lies outside the volume or is a hole", path);
			goto close_attr;
		}
		if (len > need - have)
			len = need - have;
		(*runs)[cnt].file_off = have * cs;
		(*runs)[cnt].vol_off = (uint64_t)rl->lcn * cs;
		(*runs)[cnt].len = len * cs;
		cnt++;
		have += len;
	}
	if (have < need) {
		free(*runs);
		*runs = NULL;
		rc = err_set(err, -E_CORRUPT, "'%s': the runlist is shorter than the data", path);
		goto close_attr;
	}
	*n_out = cnt;
	*alloc_size = (uint64_t)na->allocated_size;
	rc = 1;
close_attr:
	if (na)
		ntfs_attr_close(na);
	ntfs_inode_close(ni);
	return rc;
}

static int security_of(struct ntfs_fs *n, ntfs_inode *ni, uint8_t **sd,
		       size_t *len, struct err *err)
{
	struct SECURITY_CONTEXT scx;
	int size;

	memset(&scx, 0, sizeof(scx));
	scx.vol = n->vol;
	ntfs_msg_clear();
	size = ntfs_get_ntfs_acl(&scx, ni, NULL, 0);
	if (size <= 0)
		return ntfs_errno(err, "security descriptor");
	if ((unsigned)size > LIMIT_SD_SIZE)
		return err_set(err, -E_LIMIT, "security descriptor of %d bytes", size);
	*sd = malloc((size_t)size);
	if (!*sd)
		return err_set(err, -E_NOMEM, "out of memory");
	if (ntfs_get_ntfs_acl(&scx, ni, (char *)*sd, (size_t)size) != size) {
		free(*sd);
		*sd = NULL;
		return ntfs_errno(err, "security descriptor");
	}
	*len = (size_t)size;
	return 1;
}

static int n_get_security(void *p, const char *path, uint8_t **sd, size_t *len,
			  struct err *err)
{
	ntfs_inode *ni;
	int rc = open_path(p, path, &ni, err);

	if (rc <= 0)
		return rc;
	rc = security_of(p, ni, sd, len, err);
	ntfs_inode_close(ni);
	return rc;
}

static int n_get_security_inode(void *p, uint64_t inode, uint8_t **sd,
				size_t *len, struct err *err)
{
	struct ntfs_fs *n = p;
	ntfs_inode *ni = ntfs_inode_open(n->vol, (MFT_REF)inode);
	int rc;

	if (!ni)
		return ntfs_errno(err, "inode");
	rc = security_of(n, ni, sd, len, err);
	ntfs_inode_close(ni);
	return rc;
}

static int n_reparse_target(void *p, const char *path, char *buf, size_t size,
			    struct err *err)
{
	ntfs_inode *ni;
	uint8_t data[16384];
	uint32_t tag;
	int got, rc = open_path(p, path, &ni, err);

	if (rc <= 0)
		return rc;
	got = ntfs_get_ntfs_reparse_data(ni, (char *)data, sizeof(data));
	ntfs_inode_close(ni);
	if (got <= 0 || (size_t)got > sizeof(data))
		return 0;
	return fs_parse_reparse(data, (size_t)got, &tag, buf, size) > 0 ? 1 : 0;
}

/* Issue 8's read-only guarantee, for tests: a write through the mounted
 * volume's device must fail (EROFS from our device operations). */
static int n_try_write(void *p)
{
	struct ntfs_fs *n = p;
	char byte = 0;

	errno = 0;
	if (ntfs_pwrite(n->vol->dev, 0, 1, &byte) >= 0 ||
	    n->vol->dev->d_ops->pwrite(n->vol->dev, &byte, 1, 0) >= 0 ||
	    n->vol->dev->d_ops->write(n->vol->dev, &byte, 1) >= 0)
		return 0;
	return -errno;
}

static void n_close(void *p)
{
	struct ntfs_fs *n = p;

	if (!n)
		return;
	if (n->vol)
		ntfs_umount(n->vol, FALSE);  /* frees the device, not d_private */
	free(n->src);
	free(n);
}

/* fs_journal_unclean: 0 when $LogFile's restart area says the volume was
 * closed cleanly (no log client in use, or RESTART_VOLUME_IS_CLEAN), as
 * libntfs-3g judges it before a read-write mount (ntfs_check_logfile,
 * ntfs_is_logfile_clean); 1 not clean or unreadable.  A read-only mount
 * does not check it. */
static int n_journal_unclean(void *p)
{
	ntfs_volume *vol = ((struct ntfs_fs *)p)->vol;
	RESTART_PAGE_HEADER *rp = NULL;
	ntfs_inode *ni;
	ntfs_attr *na;
	int ok = 0;

	ntfs_msg_clear();
	ni = ntfs_inode_open(vol, FILE_LogFile);
	if (!ni)
		return 1;
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (na) {
		ok = ntfs_check_logfile(na, &rp) && ntfs_is_logfile_clean(na, rp);
		free(rp);
		ntfs_attr_close(na);
	}
	ntfs_inode_close(ni);
	return !ok;
}

static const struct fs_ops ntfs_fs_ops = {
	.stat = n_stat, .readdir = n_readdir, .readdir_inode = n_readdir_inode,
	.read_file = n_read_file, .get_security = n_get_security,
	.get_security_inode = n_get_security_inode,
	.reparse_target = n_reparse_target, .close = n_close,
	.try_write = n_try_write, .borrow_file = n_borrow_file,
	.extents = n_extents,
	.journal_unclean = n_journal_unclean,
};

int fs_open_ntfs(struct fs **out, struct image *img, uint64_t offset,
		 uint64_t size, struct err *err)
{
	struct ntfs_device *dev;
	struct ntfs_fs *n;
	struct fs_info info;
	char boot[512];

	*out = NULL;
	ntfs_logging_init();
	if (image_read(img, offset, boot, sizeof(boot), err) < 0)
		return err_wrap(err, "boot sector");
	if (memcmp(boot + 3, "NTFS    ", 8) != 0) {
		if (memcmp(boot + 3, "-FVE-FS-", 8) == 0)
			return err_set(err, -E_UNSUPPORTED,
				       "BitLocker-encrypted volume: unlock it first, e.g. with dislocker or bdemount");
		return err_set(err, -E_FORMAT, "no NTFS file system");
	}
	{
		/* 0x0b bytes per sector, 0x28 total sectors (NTFS boot sector) */
		const unsigned char *b = (const unsigned char *)boot;
		uint64_t bps = (uint64_t)b[0x0b] | ((uint64_t)b[0x0c] << 8);
		uint64_t sectors = 0;
		int i;

		for (i = 7; i >= 0; i--)
			sectors = (sectors << 8) | b[0x28 + i];
		if (bps >= 256 && bps <= 4096 && sectors && sectors < (UINT64_MAX / bps) &&
		    sectors * bps > size)
			return err_set(err, -E_CORRUPT,
				       "NTFS volume is truncated: its boot sector says %llu bytes, the source holds %llu",
				       (unsigned long long)(sectors * bps),
				       (unsigned long long)size);
	}
	n = calloc(1, sizeof(*n));
	if (!n || !(n->src = calloc(1, sizeof(*n->src)))) {
		free(n);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	n->src->img = img;
	n->src->offset = offset;
	n->src->size = size;
	dev = ntfs_device_alloc(image_path(img), 0, &ntfs_dev_ops, n->src);
	if (!dev) {
		n_close(n);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	ntfs_msg_clear();
	errno = 0;
	n->vol = ntfs_device_mount(dev, NTFS_MNT_RDONLY | NTFS_MNT_IGNORE_HIBERFILE);
	if (!n->vol) {
		int rc = ntfs_errno(err, "cannot mount NTFS");

		ntfs_device_free(dev);       /* a failed mount leaves it to us */
		n_close(n);
		return rc;
	}
	/* Windows looks names up case-insensitively.  Not ntfs_set_ignore_case():
	 * that also lowercases every name readdir returns. */
	NVolClearCaseSensitive(n->vol);

	memset(&info, 0, sizeof(info));
	info.kind = FS_NTFS;
	snprintf(info.label, sizeof(info.label), "%s",
		 n->vol->vol_name ? n->vol->vol_name : "");
	info.dirty = (n->vol->flags & VOLUME_IS_DIRTY) != 0;
	ntfs_msg_clear();
	info.hibernated = ntfs_volume_check_hiberfile(n->vol, 0) != 0 &&
			  errno == EPERM;
	info.descriptors = 1;
	return fs_wrap(out, &ntfs_fs_ops, n, &info, err);
}
