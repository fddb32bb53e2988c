/* BitLocker sectors decrypted here: AES-XTS with a known FVEK, through
 * nettle (AES-NI where the CPU has it) instead of libbde's software AES
 * (bde_priv.h). */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <string.h>

/* Logical sector at byte l: 1 when it reads as zeros (a metadata area or
 * the relocated header's own place). */
static int own_zero(const struct bde_geom *g, uint64_t l)
{
	unsigned i;

	for (i = 0; i < 3; i++)
		if (l >= g->meta[i] && l - g->meta[i] < BDE_AREA)
			return 1;
	return l >= g->vh_size && l >= g->vh_off && l - g->vh_off < g->vh_size;
}

static void own_decrypt(struct bde_src *b, uint8_t *p, uint64_t phys, size_t n)
{
	uint8_t tweak[16];
	uint64_t s = phys / b->g.ss;
	size_t k;

	for (; n >= b->g.ss; n -= b->g.ss, p += b->g.ss, phys += b->g.ss, s++) {
		if (phys >= b->g.enc_size)
			continue;                 /* the clear part */
		memset(tweak, 0, sizeof(tweak));
		for (k = 0; k < 8; k++)
			tweak[k] = (uint8_t)(s >> (8 * k));
		if (b->keylen == 32)
			xts_aes128_decrypt_message(&b->x128, tweak, b->g.ss, p, p);
		else
			xts_aes256_decrypt_message(&b->x256, tweak, b->g.ss, p, p);
	}
}

/* n whole sectors from logical byte l (sector aligned) into p. */
static int own_sectors(struct bde_src *b, uint64_t l, uint8_t *p, size_t n,
		       struct err *err)
{
	const struct bde_geom *g = &b->g;
	uint64_t end = l + n;
	unsigned i;
	int plain = l >= g->vh_size && !(end > g->vh_off && l < g->vh_off + g->vh_size);

	for (i = 0; i < 3 && plain; i++)
		plain = !(end > g->meta[i] && l < g->meta[i] + BDE_AREA);
	if (plain && (g->enc_size == 0 || end <= g->enc_size || l >= g->enc_size)) {
		/* the common case: one read, decrypted in place */
		if (image_read(b->io.outer, b->io.offset + l, p, n, err) < 0)
			return err->code;
		if (g->enc_size == 0 || l < g->enc_size)
			own_decrypt(b, p, l, n);
		return 0;
	}
	for (; n; n -= g->ss, p += g->ss, l += g->ss) {
		uint64_t phys = l < g->vh_size ? g->vh_off + l : l;

		if (l >= g->vh_size && own_zero(g, l)) {
			memset(p, 0, g->ss);
			continue;
		}
		if (image_read(b->io.outer, b->io.offset + phys, p, g->ss, err) < 0)
			return err->code;
		own_decrypt(b, p, phys, g->ss);
	}
	return 0;
}

int bde_own_read(struct bde_src *b, uint64_t off, uint8_t *buf, size_t len,
		 struct err *err)
{
	unsigned ss = b->g.ss;
	uint8_t tmp[4096];
	int rc;

	while (len > 0) {
		uint64_t base = off - off % ss;
		size_t in = (size_t)(off - base), n;

		if (in || len < ss) {
			n = ss - in < len ? ss - in : len;
			if ((rc = own_sectors(b, base, tmp, ss, err)) < 0)
				return rc;
			memcpy(buf, tmp + in, n);
		} else {
			n = len - len % ss;
			if (n > (size_t)1 << 24)
				n = (size_t)1 << 24;
			if ((rc = own_sectors(b, off, buf, n, err)) < 0)
				return rc;
		}
		buf += n;
		off += n;
		len -= n;
	}
	return 0;
}

