/* Opening a source for its evidence: an image (its volumes, the one
 * holding Windows, BitLocker unlocked) or a directory, then the Windows
 * folder and what the registry says of it (evidence.h). */
#define _GNU_SOURCE
#include "evidence.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bde.h"
#include "registry.h"
#include "windir.h"

/* What makes a volume a Windows volume (windir.h): a top-level folder
 * holding this hive; named in messages. */
#define WINDOWS_MARKER "<folder>\\" WINDIR_MARKER

/* Whether a volume holds Windows, and in which folder: windir_find(). */
static void warn_other_windirs(struct evidence *ev, unsigned others)
{
	if (others)
		evidence_warn(ev, "%u more top-level folder%s of this volume hold%s " WINDIR_MARKER ": judging '%s'",
			  others, others == 1 ? "" : "s", others == 1 ? "s" : "", ev->windir);
}

static int open_dir_source(struct evidence *ev, const char *source, struct err *err)
{
	unsigned others = 0;
	int rc;

	ev->is_dir = 1;
	rc = fs_open_dir(&ev->fs, source, err);
	if (rc < 0)
		return rc;
	rc = windir_find(ev->fs, ev->windir, sizeof(ev->windir), &others, err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(err, -E_NOTFOUND,
			       "not a Windows volume (no %s)", WINDOWS_MARKER);
	ev->vol.index = 0;
	snprintf(ev->vol.type, sizeof(ev->vol.type), "directory");
	ev->vol.fs = VOLUME_FS_NTFS;
	warn_other_windirs(ev, others);
	if (!fs_info(ev->fs)->descriptors)
		evidence_warn(ev, "security descriptors unavailable: %s",
			  fs_info(ev->fs)->descriptors_why);
	return 0;
}

/* Mount v; 1 = it holds Windows (kept mounted in s->fs), 0 = no, <0 error. */
static int try_volume(struct evidence *ev, const struct volume_info *v,
		      struct err *err)
{
	struct fs *fs = NULL;
	char folder[LIMIT_WINDIR_LEN];
	unsigned others = 0;
	int rc;

	struct image *inner = NULL;

	if (v->fs == VOLUME_FS_BITLOCKER) {
		/* the decrypted view (bde.h); its NTFS volume starts at 0 */
		rc = bde_open(&inner, NULL, ev->img, v->offset, v->size, err);
		if (rc < 0)
			return err_wrap(err, "partition %d", v->index);
		rc = fs_open_ntfs(&fs, inner, 0, image_size(inner), err);
		if (rc < 0) {
			/* unlocked, but no NTFS volume can be read through it (the
			 * Windows-made samples are trimmed: their $MFT is zeros):
			 * no Windows installation is readable there (issue 20).
			 * Returns 0 with err saying why. */
			image_free(inner);
			return err_wrap(err, "partition %d: BitLocker unlocked, but its NTFS volume cannot be mounted",
					v->index), 0;
		}
	} else {
		rc = fs_open_ntfs(&fs, ev->img, v->offset, v->size, err);
	}
	if (rc < 0) {
		image_free(inner);
		return rc;
	}
	rc = windir_find(fs, folder, sizeof(folder), &others, err);
	if (rc <= 0) {
		fs_free(fs);
		image_free(inner);
		return rc;
	}
	if (!ev->fs) {
		ev->fs = fs;
		ev->bde_img = inner;
		ev->vol = *v;
		snprintf(ev->windir, sizeof(ev->windir), "%s", folder);
		warn_other_windirs(ev, others);
		snprintf(ev->vol.label, sizeof(ev->vol.label), "%s", fs_info(fs)->label);
	} else {
		fs_free(fs);
		image_free(inner);
	}
	return 1;
}

/* Several volumes hold Windows: judge the one whose own registry makes it
 * the system volume (MountedDevices gives it SystemRoot's letter).
 * Returns the position in idx of the volume chosen, or -1 (keep the
 * first). */
static int choose_system_volume(struct evidence *ev, const unsigned *idx,
				unsigned n)
{
	unsigned k;

	for (k = 0; k < n; k++) {
		const struct volume_info *v = &ev->vt.v[idx[k]];
		char folder[LIMIT_WINDIR_LEN];
		struct fs *fs = NULL;
		struct err e;

		err_init(&e);
		if (fs_open_ntfs(&fs, ev->img, v->offset, v->size, &e) < 0)
			continue;
		if (windir_find(fs, folder, sizeof(folder), NULL, &e) != 1 ||
		    windir_is_system_volume(fs, folder, &ev->vt, v, &e) != 1) {
			fs_free(fs);
			continue;
		}
		if (v->index == ev->vol.index && v->offset == ev->vol.offset) {
			fs_free(fs);
			return (int)k;
		}
		fs_free(ev->fs);
		ev->fs = fs;
		ev->vol = *v;
		snprintf(ev->windir, sizeof(ev->windir), "%s", folder);
		snprintf(ev->vol.label, sizeof(ev->vol.label), "%s", fs_info(fs)->label);
		return (int)k;
	}
	return -1;
}

/* Test hook (issue 8): VSSD_FAULT_READ_AFTER=N fails every read after the
 * Nth, VSSD_FAULT_READ_OFFSET=X any read touching byte X, with EIO.  Reads
 * only ever fail: nothing can be written through this. */
static void fault_from_env(struct image *img)
{
	const char *after = getenv("VSSD_FAULT_READ_AFTER");
	const char *off = getenv("VSSD_FAULT_READ_OFFSET");

	if ((after && *after) || (off && *off))
		image_set_fault(img, off && *off ? strtoull(off, NULL, 0) : UINT64_MAX,
				after && *after ? strtoull(after, NULL, 0) : 0);
}

/* Choose the Windows volume of s->img and mount it. */
static int open_volumes(struct evidence *ev, const struct evidence_where *o,
			struct err *err)
{
	struct err verr;
	unsigned i, found = 0, ntfs = 0, win[LIMIT_PARTITIONS];
	int rc, last_rc = 0, chosen = -1;
	char others[256] = "", why[sizeof(verr.msg)] = "";

	fault_from_env(ev->img);
	if (o && o->offset >= 0) {
		struct volume_info v;

		memset(&v, 0, sizeof(v));
		v.index = -1;
		v.offset = (uint64_t)o->offset;
		if (v.offset >= image_size(ev->img))
			return err_set(err, -E_USAGE, "--offset %lld is past the end of the image",
				       (long long)o->offset);
		v.size = image_size(ev->img) - v.offset;
		v.fs = volume_probe_fs(ev->img, v.offset);
		snprintf(v.type, sizeof(v.type), "offset");
		rc = try_volume(ev, &v, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return err_set(err, -E_NOTFOUND, "no Windows installation at offset %lld (no %s)",
				       (long long)o->offset, WINDOWS_MARKER);
		return 0;
	}
	rc = volume_scan(ev->img, &ev->vt, err);
	if (rc < 0)
		return rc;
	if (ev->vt.warning[0])
		evidence_warn(ev, "%s", ev->vt.warning);
	for (i = 0; i < ev->vt.count; i++) {
		const struct volume_info *v = &ev->vt.v[i];

		if (o && o->partition >= 0 && v->index != o->partition)
			continue;
		if (v->fs != VOLUME_FS_NTFS && v->fs != VOLUME_FS_BITLOCKER &&
		    !(o && o->partition >= 0))
			continue;
		ntfs++;
		err_init(&verr);
		rc = try_volume(ev, v, &verr);
		if (rc == 0 && v->fs == VOLUME_FS_BITLOCKER && verr.msg[0] && !why[0])
			snprintf(why, sizeof(why), "%s", verr.msg);
		if (rc < 0) {
			last_rc = rc;
			*err = verr;
			continue;
		}
		if (rc == 1)
			win[found++] = i;
	}
	if (found > 1 && !(o && o->partition >= 0))
		chosen = choose_system_volume(ev, win, found);
	for (i = 0; found > 1 && i < found; i++) {
		size_t l = strlen(others);

		if (ev->vt.v[win[i]].index == ev->vol.index && ev->vt.v[win[i]].offset == ev->vol.offset)
			continue;
		snprintf(others + l, sizeof(others) - l, "%s%d", l ? ", " : "",
			 ev->vt.v[win[i]].index);
	}
	if (others[0] && chosen >= 0)
		evidence_warn(ev, "several volumes hold Windows; using partition %d, the system volume its registry names (also: %s); choose with --partition",
			  ev->vol.index, others);
	else if (others[0])
		evidence_warn(ev, "several volumes hold Windows; using partition %d (also: %s); choose with --partition",
			  ev->vol.index, others);
	if (found)
		return 0;
	if (o && o->partition >= 0 && ntfs == 0)
		return err_set(err, -E_USAGE, "no partition %d", o->partition);
	if (last_rc < 0)
		return last_rc;
	if (ntfs == 0)
		rc = err_set(err, -E_NOTFOUND, "no NTFS volume found");
	else
		rc = err_set(err, -E_NOTFOUND, "no Windows volume (no NTFS volume holds %s)",
			     WINDOWS_MARKER);
	if (why[0]) {
		size_t l = strlen(err->msg);

		snprintf(err->msg + l, sizeof(err->msg) - l, " (%s)", why);
	}
	/* what the partition table said may be why (a partition past the end) */
	if (ev->vt.warning[0]) {
		size_t l = strlen(err->msg);

		snprintf(err->msg + l, sizeof(err->msg) - l, " (%s)", ev->vt.warning);
	}
	return rc;
}

/* After the volume is mounted: what the scan must say of it, and the
 * Windows folder settled from the registry. */
static int opened(struct evidence *ev)
{
	if (fs_info(ev->fs)->dirty)
		evidence_warn(ev, "NTFS volume is marked dirty (not cleanly shut down): read-only view of its last consistent state");
	if (fs_info(ev->fs)->hibernated)
		evidence_warn(ev, "Windows is hibernated on this volume: recent changes may sit in hiberfil.sys");
	registry_fill_windows(ev);
	windir_settle(ev);
	return 0;
}

int evidence_open_image(struct evidence *ev, struct image *img,
			const struct evidence_where *where, struct err *err)
{
	int rc;

	ev->img = img;
	rc = open_volumes(ev, where, err);
	return rc < 0 ? rc : opened(ev);
}

int evidence_open(struct evidence *ev, const char *source,
		  const struct evidence_where *where, struct err *err)
{
	struct stat st;
	int rc;

	if (stat(source, &st) < 0)
		return err_set(err, -E_IO, "%s", strerror(errno));
	if (S_ISDIR(st.st_mode))
		rc = open_dir_source(ev, source, err);
	else {
		struct image *img = NULL;

		rc = image_open(&img, source, err);
		if (rc < 0)
			return rc;
		return evidence_open_image(ev, img, where, err);
	}
	return rc < 0 ? rc : opened(ev);
}

