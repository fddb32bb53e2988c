/* Volume detection.  Bare volumes for now; MBR and GPT plug in here. */
#include "volume.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"

const char *volume_fs_name(enum volume_fs fs)
{
	switch (fs) {
	case VOLUME_FS_NTFS: return "ntfs";
	case VOLUME_FS_BITLOCKER: return "bitlocker";
	case VOLUME_FS_FAT: return "fat";
	case VOLUME_FS_EMPTY: return "empty";
	default: return "unknown";
	}
}

enum volume_fs volume_probe_fs(struct image *img, uint64_t offset)
{
	uint8_t s[512];
	size_t i;

	if (image_read(img, offset, s, sizeof(s), NULL) < 0)
		return VOLUME_FS_UNKNOWN;
	if (memcmp(s + 3, "NTFS    ", 8) == 0)
		return VOLUME_FS_NTFS;
	if (memcmp(s + 3, "-FVE-FS-", 8) == 0)
		return VOLUME_FS_BITLOCKER;
	if (memcmp(s + 0x36, "FAT", 3) == 0 || memcmp(s + 0x52, "FAT32", 5) == 0)
		return VOLUME_FS_FAT;
	for (i = 0; i < sizeof(s) && s[i] == 0; i++)
		;
	return i == sizeof(s) ? VOLUME_FS_EMPTY : VOLUME_FS_UNKNOWN;
}

int volume_scan(struct image *img, struct volume_table *vt, struct err *err)
{
	uint8_t s[512];
	int rc;

	memset(vt, 0, sizeof(*vt));
	rc = image_read(img, 0, s, sizeof(s), err);
	if (rc < 0)
		return err_wrap(err, "first sector");
	snprintf(vt->scheme, sizeof(vt->scheme), "none");
	vt->count = 1;
	vt->v[0].index = 0;
	vt->v[0].offset = 0;
	vt->v[0].size = image_size(img);
	vt->v[0].fs = volume_probe_fs(img, 0);
	snprintf(vt->v[0].type, sizeof(vt->v[0].type), "bare volume");
	return 0;
}
