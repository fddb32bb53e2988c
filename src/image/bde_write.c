/* Writing through BitLocker (bde.h): a sector of the decrypted volume
 * encrypted as BitLocker stores it, at the place it stores it, for
 * repair (issue 21).  The mirror of bde_xts.c's read path: AES-XTS with
 * the FVEK (nettle), the physical sector number as the tweak, the first
 * sectors at their relocated copy, the clear part of a partly encrypted
 * volume left clear.  Nothing is written here: the caller gets the bytes
 * and the offset in the outer image.
 *
 * Only what can be checked against the read path is written: the Windows
 * 7+ metadata layout (version 2), AES-XTS 128/256, a volume not being
 * converted, and a FVEK known here (--fvek, or unwrapped here from a
 * recovery password (bde_unwrap.c), a password or a .BEK key file
 * (bde_keys.c): libbde 20190102 does not hand out the key). */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <stdlib.h>
#include <string.h>

struct bde_writer {
	struct bde_geom g;
	uint64_t offset, size;       /* the volume in the outer image */
	unsigned keylen;             /* 32 (XTS 128) or 64 (XTS 256) */
	struct xts_aes128_key x128;
	struct xts_aes256_key x256;
};

/* The FVEK from the stored secrets into key: its length, 0 when none of
 * them gives it (said in err). */
static size_t writer_key(struct image *outer, uint64_t offset, uint64_t size,
			 uint8_t key[64], struct err *err)
{
	enum bde_secret which;
	const char *v;
	size_t len = 0;

	if ((v = bde_secret_value(BDE_FVEK))) {
		if (bde_fvek_parse(v, key, &len) < 0)
			len = 0;
		if (!len)
			err_set(err, -E_USAGE, "--fvek: not hexadecimal");
		return len;
	}
	for (which = BDE_RECOVERY_PASSWORD; which <= BDE_KEY_FILE; which++)
		if ((v = bde_secret_value(which)) &&
		    (len = bde_fvek_unwrap(outer, offset, size, which, v, key)))
			return len;
	err_set(err, -E_USAGE, "%s: give --recovery-password, --password, --key-file or --fvek",
		bde_secret_value(BDE_RECOVERY_PASSWORD) || bde_secret_value(BDE_PASSWORD) ||
		bde_secret_value(BDE_KEY_FILE) ? "the secret given does not unwrap the volume's key" :
		"writing through BitLocker needs its secret");
	return 0;
}

int bde_writer_open(struct bde_writer **out, struct image *outer, uint64_t offset,
		    uint64_t size, struct err *err)
{
	struct bde_info info;
	struct bde_writer *w;
	uint8_t key[64];
	size_t len;
	int xts128, xts256;

	*out = NULL;
	memset(&info, 0, sizeof(info));
	bde_state_read(outer, offset, size, &info);
	if (!info.state[0])
		return err_set(err, -E_UNSUPPORTED, "BitLocker metadata of a layout repair does not write (only Windows 7 and later's)");
	if (strcmp(info.state, "encrypting") == 0 || strcmp(info.state, "decrypting") == 0)
		return err_set(err, -E_UNSUPPORTED, "BitLocker is %s this volume (a conversion in progress): let Windows finish or pause it first",
			       info.state);
	xts128 = strcmp(info.method, "AES-XTS 128-bit") == 0;
	xts256 = strcmp(info.method, "AES-XTS 256-bit") == 0;
	if (!xts128 && !xts256)
		return err_set(err, -E_UNSUPPORTED, "BitLocker encryption method %s: repair writes AES-XTS only",
			       info.method[0] ? info.method : "unknown");
	w = calloc(1, sizeof(*w));
	if (!w)
		return err_set(err, -E_NOMEM, "out of memory");
	if (bde_geom_read(outer, offset, size, &w->g) < 0) {
		free(w);
		return err_set(err, -E_UNSUPPORTED, "BitLocker metadata: the volume header's copy or the metadata areas are not where repair can map them");
	}
	len = writer_key(outer, offset, size, key, err);
	if (len && len != (xts128 ? 32u : 64u)) {
		err_set(err, -E_USAGE, "--fvek: %zu hex digits, the volume's %s key has %u",
			len * 2, info.method, xts128 ? 64 : 128);
		len = 0;
	}
	if (!len) {
		bde_wipe(key, sizeof(key));
		free(w);
		return err->code;
	}
	w->offset = offset;
	w->size = size;
	w->keylen = (unsigned)len;
	if (xts128)
		xts_aes128_set_encrypt_key(&w->x128, key);
	else
		xts_aes256_set_encrypt_key(&w->x256, key);
	bde_wipe(key, sizeof(key));
	*out = w;
	return 0;
}

unsigned bde_writer_sector_size(const struct bde_writer *w)
{
	return w->g.ss;
}

int bde_writer_sector(struct bde_writer *w, uint64_t off, uint64_t *disk, uint8_t *p,
		      struct err *err)
{
	const struct bde_geom *g = &w->g;
	uint64_t phys = off < g->vh_size ? g->vh_off + off : off;
	uint8_t tweak[16];
	unsigned i;
	int meta = bde_geom_in_meta(g, phys);

	if (off % g->ss)
		return err_set(err, -E_INTERNAL, "BitLocker: offset %llu is not on a sector",
			       (unsigned long long)off);
	/* the places the read path shows as zeros are BitLocker's own, and
	 * the metadata areas wherever a sector lands */
	if (meta || (off >= g->vh_size && bde_geom_own(g, off)))
		return err_set(err, -E_UNSUPPORTED, "the sector at %llu of the volume is BitLocker's own (%s)",
			       (unsigned long long)off, meta ? "its metadata" : "its header's copy");
	if (phys > w->size || w->size - phys < g->ss)
		return err_set(err, -E_UNSUPPORTED, "the sector at %llu lies past the BitLocker partition",
			       (unsigned long long)off);
	*disk = w->offset + phys;
	if (!p || phys >= g->enc_size)
		return 0;                        /* the clear part */
	memset(tweak, 0, sizeof(tweak));
	for (i = 0; i < 8; i++)
		tweak[i] = (uint8_t)((phys / g->ss) >> (8 * i));
	if (w->keylen == 32)
		xts_aes128_encrypt_message(&w->x128, tweak, g->ss, p, p);
	else
		xts_aes256_encrypt_message(&w->x256, tweak, g->ss, p, p);
	return 0;
}

void bde_writer_free(struct bde_writer *w)
{
	if (!w)
		return;
	bde_wipe(w, sizeof(*w));
	free(w);
}
