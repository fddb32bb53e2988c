/* Repair through BitLocker: the plan's changes are computed on the
 * decrypted volume (its offsets from 0), then each changed sector is
 * encrypted with the volume's key (bde.h's writer) and written where
 * BitLocker keeps it, so TARGET stays a BitLocker volume that opens with
 * the same secret.  Before anything is written, each sector's old bytes,
 * encrypted the same way, must give back what is on the disk: the key,
 * the tweak and the sector's place are then those the reader uses. */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <stdlib.h>
#include <string.h>

#include "bde.h"
#include "image.h"

void repair_volume(const struct scan *s, struct image **img, uint64_t *off, uint64_t *size)
{
	if (s->ev.bde_img) {
		*img = s->ev.bde_img;
		*off = 0;
		*size = image_size(s->ev.bde_img);
	} else {
		*img = s->ev.img;
		*off = s->ev.vol.offset;
		*size = s->ev.vol.size;
	}
}

/* A writer for s's BitLocker volume, or NULL with the refusal said. */
static struct bde_writer *writer_open(struct scan *s)
{
	struct bde_writer *w = NULL;
	struct err err;

	err_init(&err);
	if (bde_writer_open(&w, s->ev.img, s->ev.vol.offset, s->ev.vol.size, &err) < 0)
		repair_refuse("'%s' is a BitLocker volume: %s", s->ev.source ? s->ev.source : "SOURCE",
			      err.msg);
	return w;
}

int repair_bde_check(struct scan *s, struct plan *p)
{
	p->bde = writer_open(s);
	return p->bde ? 0 : 2;
}

/* Sector l of the decrypted volume (plain: its old and new bytes) as
 * stored: *disk, and its old and new bytes there into old and neu; 0, or
 * the refusal's exit status (said). */
static int sector_put(struct scan *s, struct bde_writer *w, uint64_t l,
		      const uint8_t *pold, const uint8_t *pneu, uint64_t *disk, uint8_t *old,
		      uint8_t *neu)
{
	unsigned ss = bde_writer_sector_size(w);
	uint8_t mine[4096];               /* bde_geom_read: 512 or 4096 */
	struct err err;
	int rc = 0;

	if (ss > sizeof(mine))
		return repair_refuse("BitLocker: sectors of %u bytes", ss);
	memcpy(mine, pold, ss);
	memcpy(neu, pneu, ss);
	err_init(&err);
	if (bde_writer_sector(w, l, disk, mine, &err) < 0 ||
	    bde_writer_sector(w, l, disk, neu, &err) < 0 ||
	    image_read(s->ev.img, *disk, old, ss, &err) < 0)
		rc = repair_refuse("BitLocker: %s", err.msg);
	else if (memcmp(mine, old, ss) != 0)
		rc = repair_refuse("BitLocker: the sector at %llu of the volume does not encrypt back to the bytes on the disk: nothing written",
				   (unsigned long long)l);
	return rc;
}

int repair_bde_ranges(struct scan *s, struct bde_writer *w, const struct range *in, size_t n,
		      struct range **out, size_t *nout, uint8_t **old, uint8_t **neu)
{
	size_t total = 0, i, at = 0, k = 0;
	unsigned ss = bde_writer_sector_size(w);
	int rc = 2;

	*nout = 0;
	for (i = 0; i < n; i++)
		total += in[i].len;
	*old = malloc(total ? total : 1);
	*neu = malloc(total ? total : 1);
	*out = calloc(total / ss + 1, sizeof(**out));
	if (!*old || !*neu || !*out)
		goto out;
	for (i = 0; i < n; i++) {
		uint64_t d;

		if (in[i].disk_off % ss || in[i].len % ss) {
			rc = repair_refuse("BitLocker: a change at %llu (%llu bytes) is not whole sectors",
					   (unsigned long long)in[i].disk_off, (unsigned long long)in[i].len);
			goto out;
		}
		for (d = 0; d < in[i].len; d += ss, at += ss) {
			uint64_t disk;
			struct range *r = k ? &(*out)[k - 1] : NULL;

			if (sector_put(s, w, in[i].disk_off + d, in[i].old + d, in[i].neu + d, &disk,
				       *old + at, *neu + at) != 0)
				goto out;
			if (r && d && r->disk_off + r->len == disk) {
				r->len += ss;
				continue;
			}
			r = &(*out)[k++];
			*r = in[i];
			r->file_off = in[i].file_off + d;
			r->disk_off = disk;
			r->len = ss;
			r->old = *old + at;
			r->neu = *neu + at;
		}
	}
	*nout = k;
	rc = 0;
out:
	return rc;
}
