/* Volume detection: bare volume, MBR (with its extended chain) or GPT
 * (primary, else backup header).  This file does the reading; the table
 * bytes are parsed by parsers/mbr.c and parsers/gpt.c. */
#include "volume.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <ctype.h>

#include "bytes.h"
#include "gpt.h"
#include "mbr.h"

#define SECTOR 512u
#define GPT_WARN_BACKUP "GPT primary header is damaged: backup header used"

const char *volume_fs_name(enum volume_fs fs)
{
	switch (fs) {
	case VOLUME_FS_NTFS: return "ntfs";
	case VOLUME_FS_BITLOCKER: return "bitlocker";
	case VOLUME_FS_FAT: return "fat";
	case VOLUME_FS_EMPTY: return "empty";
	case VOLUME_FS_EXFAT: return "exfat";
	case VOLUME_FS_REFS: return "refs";
	default: return "unknown";
	}
}

/* What a volume boot sector says it is (s holds 512 bytes). */
static enum volume_fs fs_of_sector(const uint8_t *s)
{
	size_t i;

	/* 0x03: OEM identifier of NTFS, BitLocker (MS-FVE), exFAT, ReFS. */
	if (memcmp(s + 3, "NTFS    ", 8) == 0)
		return VOLUME_FS_NTFS;
	if (memcmp(s + 3, "-FVE-FS-", 8) == 0)
		return VOLUME_FS_BITLOCKER;
	if (memcmp(s + 3, "EXFAT   ", 8) == 0)
		return VOLUME_FS_EXFAT;
	if (memcmp(s + 3, "ReFS\0\0\0\0", 8) == 0)
		return VOLUME_FS_REFS;
	/* FAT: file system type text at 0x36 (FAT12/16) or 0x52 (FAT32),
	 * and the 55 AA boot signature. */
	if ((memcmp(s + 0x36, "FAT", 3) == 0 || memcmp(s + 0x52, "FAT32", 5) == 0) &&
	    s[0x1fe] == 0x55 && s[0x1ff] == 0xaa)
		return VOLUME_FS_FAT;
	for (i = 0; i < SECTOR && s[i] == 0; i++)
		;
	return i == SECTOR ? VOLUME_FS_EMPTY : VOLUME_FS_UNKNOWN;
}

enum volume_fs volume_probe_fs(struct image *img, uint64_t offset)
{
	uint8_t s[SECTOR];

	if (image_read(img, offset, s, sizeof(s), NULL) < 0)
		return VOLUME_FS_UNKNOWN;
	return fs_of_sector(s);
}

const struct volume_info *volume_by_index(const struct volume_table *vt,
					  int index)
{
	unsigned i;

	for (i = 0; i < vt->count; i++)
		if (vt->v[i].index == index)
			return &vt->v[i];
	return NULL;
}

/* Append one warning ("; " between several).  A warning that no longer
 * fits ends the text with "..." rather than vanishing. */
static void vt_warn(struct volume_table *vt, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void vt_warn(struct volume_table *vt, const char *fmt, ...)
{
	size_t len = strlen(vt->warning), cap = sizeof(vt->warning);
	va_list ap;
	int n;

	if (len + 4 >= cap)
		return;
	if (len) {
		memcpy(vt->warning + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	n = vsnprintf(vt->warning + len, cap - len, fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n >= cap - len)
		memcpy(vt->warning + cap - 4, "...", 4);
}

/* Add a partition unless it does not fit in the image (then warn). */
static void add_part(struct volume_table *vt, struct image *img, int index,
		     uint64_t offset, uint64_t size, const char *type,
		     const char *name, const char *guid)
{
	uint64_t isize = image_size(img);
	struct volume_info *v;

	if (offset > isize || size > isize - offset) {
		vt_warn(vt, "partition %d (bytes %llu..%llu) extends past the end of the image (%llu bytes): skipped",
			index, (unsigned long long)offset,
			(unsigned long long)(offset + size),
			(unsigned long long)isize);
		return;
	}
	if (vt->count >= LIMIT_PARTITIONS) {
		vt_warn(vt, "more than LIMIT_PARTITIONS (%u) partitions: partition %d and later skipped",
			LIMIT_PARTITIONS, index);
		return;
	}
	v = &vt->v[vt->count++];
	memset(v, 0, sizeof(*v));
	v->index = index;
	v->offset = offset;
	v->size = size;
	snprintf(v->type, sizeof(v->type), "%s", type);
	if (name)
		snprintf(v->name, sizeof(v->name), "%s", name);
	if (guid)
		snprintf(v->guid, sizeof(v->guid), "%s", guid);
	v->fs = volume_probe_fs(img, offset);
}

static void set_bare(struct volume_table *vt, struct image *img,
		     enum volume_fs fs)
{
	snprintf(vt->scheme, sizeof(vt->scheme), "none");
	vt->sector_size = SECTOR;
	vt->count = 1;
	vt->v[0].index = 0;
	vt->v[0].offset = 0;
	vt->v[0].size = image_size(img);
	vt->v[0].fs = fs;
	snprintf(vt->v[0].type, sizeof(vt->v[0].type), "bare volume");
}

/* Read one 512-byte sector at lba; -E_CORRUPT when it is past the end. */
static int read_sector(struct image *img, uint64_t lba, uint8_t *s,
		       struct err *err)
{
	if (lba >= image_size(img) / SECTOR)
		return err_set(err, -E_CORRUPT, "sector %llu is past the end of the image",
			       (unsigned long long)lba);
	return image_read(img, lba * SECTOR, s, SECTOR, err);
}

/* Logical partitions: each EBR's entry 1 is a partition relative to that
 * EBR, entry 2 links the next EBR relative to the extended partition's
 * start.  Bounded by LIMIT_MBR_EBR_CHAIN and by requiring every link to
 * point forward (no loops). */
static void scan_ebr_chain(struct volume_table *vt, struct image *img,
			   uint32_t ext_start)
{
	uint64_t ebr = ext_start;
	unsigned n;

	for (n = 0; n < LIMIT_MBR_EBR_CHAIN; n++) {
		uint8_t s[SECTOR];
		struct mbr m;
		struct err perr;
		char type[48];
		const struct mbr_entry *l, *next;

		int rc;

		err_init(&perr);
		rc = read_sector(img, ebr, s, &perr);
		if (rc == 0) {
			rc = mbr_parse(s, sizeof(s), &m, &perr);
			if (rc == 0)
				rc = err_set(&perr, -E_CORRUPT, "no 55 AA signature");
		}
		if (rc < 0) {
			vt_warn(vt, "extended partition: EBR at sector %llu: %s",
				(unsigned long long)ebr, perr.msg);
			return;
		}
		l = &m.e[0];
		if (l->type != MBR_TYPE_EMPTY && !mbr_type_is_extended(l->type)) {
			mbr_type_describe(l->type, type, sizeof(type));
			add_part(vt, img, (int)(5 + n),
				 (ebr + l->lba_start) * SECTOR,
				 (uint64_t)l->lba_count * SECTOR, type, NULL, NULL);
		}
		next = &m.e[1];
		if (next->type == MBR_TYPE_EMPTY || !mbr_type_is_extended(next->type))
			return;
		if ((uint64_t)ext_start + next->lba_start <= ebr) {
			vt_warn(vt, "extended partition: EBR at sector %llu links back to sector %llu: chain stopped",
				(unsigned long long)ebr,
				(unsigned long long)ext_start + next->lba_start);
			return;
		}
		ebr = (uint64_t)ext_start + next->lba_start;
	}
	vt_warn(vt, "extended partition: more than LIMIT_MBR_EBR_CHAIN (%u) logical partitions: rest skipped",
		LIMIT_MBR_EBR_CHAIN);
}

static void scan_mbr(struct volume_table *vt, struct image *img,
		     const struct mbr *m)
{
	unsigned i;
	int ext = -1;

	snprintf(vt->scheme, sizeof(vt->scheme), "mbr");
	vt->sector_size = SECTOR;
	vt->disk_signature = m->disk_signature;
	for (i = 0; i < MBR_ENTRIES; i++) {
		const struct mbr_entry *e = &m->e[i];
		char type[48];

		if (e->type == MBR_TYPE_EMPTY)
			continue;
		if (mbr_type_is_extended(e->type)) {
			if (ext < 0)
				ext = (int)i;
			else
				vt_warn(vt, "partition %u: a second extended partition: ignored",
					i + 1);
			continue;
		}
		mbr_type_describe(e->type, type, sizeof(type));
		add_part(vt, img, (int)(i + 1), (uint64_t)e->lba_start * SECTOR,
			 (uint64_t)e->lba_count * SECTOR, type, NULL, NULL);
	}
	if (ext >= 0)
		scan_ebr_chain(vt, img, m->e[ext].lba_start);
}

/* A GPT header and entry array read at lba with sector size ss: 1 (valid;
 * *entries malloc'd, caller frees), 0 (no signature), <0 damaged. */
static int gpt_try(struct image *img, unsigned ss, uint64_t lba,
		   struct gpt_header *h, uint8_t **entries, size_t *nbytes,
		   struct err *err)
{
	uint8_t hdr[4096];
	uint64_t isize = image_size(img), eoff;
	uint8_t *buf;
	size_t n;
	int rc;

	*entries = NULL;
	if (isize / ss == 0 || lba > isize / ss - 1)
		return 0;
	rc = image_read(img, lba * ss, hdr, ss, err);
	if (rc < 0)
		return rc;
	rc = gpt_header_parse(hdr, ss, lba, h, err);
	if (rc <= 0)
		return rc;
	n = gpt_entries_bytes(h);
	if (n > isize || h->entries_lba > (isize - n) / ss)
		return err_set(err, -E_CORRUPT,
			       "GPT entries at LBA %llu (%zu bytes) are past the end of the image",
			       (unsigned long long)h->entries_lba, n);
	eoff = h->entries_lba * ss;
	buf = malloc(n ? n : 1);
	if (!buf)
		return err_set(err, -E_NOMEM, "out of memory");
	rc = image_read(img, eoff, buf, n, err);
	if (rc == 0)
		rc = gpt_entries_check(buf, n, h, err);
	if (rc < 0) {
		free(buf);
		return rc;
	}
	*entries = buf;
	*nbytes = n;
	return 1;
}

static void gpt_fill(struct volume_table *vt, struct image *img, unsigned ss,
		     const struct gpt_header *h, const uint8_t *entries,
		     size_t nbytes)
{
	uint32_t i;

	snprintf(vt->scheme, sizeof(vt->scheme), "gpt");
	vt->sector_size = ss;
	for (i = 0; i < h->entry_count; i++) {
		struct gpt_entry e;
		struct err perr;
		char guid[GPT_GUID_STR], type[GPT_GUID_STR];
		const char *tname;
		int rc;

		err_init(&perr);
		rc = gpt_entry_parse(entries, nbytes, h, i, &e, &perr);
		if (rc == 0)
			continue;
		if (rc < 0) {
			vt_warn(vt, "%s: skipped", perr.msg);
			continue;
		}
		tname = gpt_type_name(e.type_guid);
		if (!tname) {
			gpt_guid_format(e.type_guid, type);
			tname = type;
		}
		gpt_guid_format(e.unique_guid, guid);
		if (e.last_lba >= UINT64_MAX / ss) {
			vt_warn(vt, "partition %u (LBA %llu..%llu) extends past the end of the image (%llu bytes): skipped",
				i + 1, (unsigned long long)e.first_lba,
				(unsigned long long)e.last_lba,
				(unsigned long long)image_size(img));
			continue;
		}
		add_part(vt, img, (int)(i + 1), e.first_lba * ss,
			 (e.last_lba - e.first_lba + 1) * ss, tname, e.name, guid);
	}
}

/* Hand a local error (an unreadable source, no memory) up with context. */
static int pass_on(struct err *err, const struct err *local, const char *ctx)
{
	if (!err)
		return local->code;
	*err = *local;
	return err_wrap(err, "%s", ctx);
}

/* 1 (GPT found and filled), 0 (no GPT signature anywhere), <0 (a GPT
 * whose primary and backup are both unusable). */
static int scan_gpt(struct volume_table *vt, struct image *img,
		    struct err *err)
{
	static const unsigned sizes[] = { 512, 4096 };
	struct gpt_header h;
	struct err perr, berr;
	uint8_t *entries = NULL;
	size_t nbytes = 0;
	unsigned i, damaged_ss = 0;
	int rc;

	err_init(&perr);
	for (i = 0; i < 2; i++) {
		err_init(&perr);
		rc = gpt_try(img, sizes[i], 1, &h, &entries, &nbytes, &perr);
		if (rc == 1) {
			gpt_fill(vt, img, sizes[i], &h, entries, nbytes);
			free(entries);
			return 1;
		}
		if (rc == -E_IO || rc == -E_NOMEM)
			return pass_on(err, &perr, "GPT header at LBA 1");
		if (rc < 0) {
			damaged_ss = sizes[i];
			break;
		}
	}
	/* The primary is damaged (or wiped): the backup sits at the last LBA. */
	err_init(&berr);
	for (i = 0; i < 2; i++) {
		unsigned ss = sizes[i];

		if (damaged_ss && ss != damaged_ss)
			continue;
		if (image_size(img) / ss < 2)
			continue;
		rc = gpt_try(img, ss, image_size(img) / ss - 1, &h, &entries,
			     &nbytes, &berr);
		if (rc == 1) {
			vt_warn(vt, GPT_WARN_BACKUP);
			gpt_fill(vt, img, ss, &h, entries, nbytes);
			free(entries);
			return 1;
		}
		if (rc == -E_IO || rc == -E_NOMEM)
			return pass_on(err, &berr, "GPT backup header at the last LBA");
		if (rc < 0 && !damaged_ss)
			damaged_ss = ss;
	}
	if (!damaged_ss)
		return 0;
	if (perr.code == 0)
		snprintf(perr.msg, sizeof(perr.msg), "no header");
	if (berr.code == 0)
		snprintf(berr.msg, sizeof(berr.msg), "no header");
	return err_set(err, -E_CORRUPT,
		       "GPT: primary: %s; backup at the last LBA: %s",
		       perr.msg, berr.msg);
}

int volume_scan(struct image *img, struct volume_table *vt, struct err *err)
{
	uint8_t s[SECTOR];
	struct mbr m;
	struct err merr;
	enum volume_fs fs;
	int rc, mrc;
	unsigned i, protective = 0;

	memset(vt, 0, sizeof(*vt));
	if (image_size(img) < SECTOR)
		return err_set(err, -E_CORRUPT,
			       "image of %llu bytes is smaller than one sector",
			       (unsigned long long)image_size(img));
	rc = image_read(img, 0, s, sizeof(s), err);
	if (rc < 0)
		return err_wrap(err, "first sector");
	fs = fs_of_sector(s);
	/* A volume boot record also ends in 55 AA; its OEM name says what it is. */
	if (fs == VOLUME_FS_NTFS || fs == VOLUME_FS_BITLOCKER ||
	    fs == VOLUME_FS_EXFAT || fs == VOLUME_FS_REFS) {
		set_bare(vt, img, fs);
		return 0;
	}
	err_init(&merr);
	mrc = mbr_parse(s, sizeof(s), &m, &merr);
	if (mrc == 1)
		for (i = 0; i < MBR_ENTRIES; i++)
			if (m.e[i].type == MBR_TYPE_GPT_PROTECTIVE)
				protective = 1;
	if (protective || mrc != 1 || m.used == 0) {
		rc = scan_gpt(vt, img, err);
		if (rc < 0)
			return rc;
		if (rc == 1) {
			if (!protective)
				vt_warn(vt, "GPT without a protective MBR");
			return 0;
		}
		if (protective)
			return err_set(err, -E_CORRUPT,
				       "protective MBR (type 0xee) but no GPT header at LBA 1 or at the last LBA");
	}
	if (mrc == 1 && m.used > 0) {
		scan_mbr(vt, img, &m);
		return 0;
	}
	set_bare(vt, img, fs);
	if (mrc < 0 && fs != VOLUME_FS_FAT)
		vt_warn(vt, "sector 0 has a boot signature but no valid partition table (%s): read as a bare volume",
			merr.msg);
	return 0;
}

unsigned volume_assign_letters(struct volume_table *vt,
			       const struct mountdev *md, size_t n)
{
	unsigned i, got = 0;
	size_t k;

	for (i = 0; i < vt->count; i++) {
		struct volume_info *v = &vt->v[i];

		v->letter = 0;
		for (k = 0; k < n; k++) {
			const struct mountdev *m = &md[k];

			if (m->kind == MOUNTDEV_MBR && strcmp(vt->scheme, "mbr") == 0 &&
			    m->mbr_signature == vt->disk_signature &&
			    m->offset == v->offset) {
				v->letter = m->letter;
			} else if (m->kind == MOUNTDEV_GPT && v->guid[0]) {
				char g[GPT_GUID_STR];

				gpt_guid_format(m->guid, g);
				if (strcasecmp(g, v->guid) == 0)
					v->letter = m->letter;
			}
			if (v->letter)
				break;
		}
		if (v->letter)
			got++;
	}
	return got;
}

const struct volume_info *volume_by_letter(const struct volume_table *vt,
					   char letter)
{
	unsigned i;
	int l = toupper((unsigned char)letter);

	for (i = 0; l && i < vt->count; i++)
		if (vt->v[i].letter == l)
			return &vt->v[i];
	return NULL;
}
