/* A volume's FVEK unwrapped here (nettle) from a recovery password, a
 * password or a .BEK file (libyal's "BitLocker Drive Encryption (BDE)
 * format": the protector's VMK entry, 0x0002 entries of value type
 * 0x0008, its AES-CCM key opened with the protector's key, then the FVEK
 * entry with the VMK).  libbde 20190102 stretches a recovery password or
 * a password with its own SHA-256 (0.5 s for the Windows-made password
 * sample) and does not hand out the key the writer needs; nettle's
 * stretch uses hardware SHA where the CPU has it.  AES-CCM's tag must
 * match, so a wrong secret is caught here.  AES-XTS volumes only (the
 * FVEK in one buffer); anything unexpected: 0, and libbde does it its
 * own way (the scan) or the repair says the secret does not open it. */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <stdlib.h>
#include <string.h>

#include <nettle/ccm.h>
#include <nettle/sha2.h>

#include "bytes.h"
#include "limits.h"

/* AES-CCM encrypted key entry e (size n) decrypted with key32; the key
 * entry inside: method and key bytes.  Returns the key length or 0. */
size_t bde_ccm_unwrap(const uint8_t *e, size_t n, const uint8_t key32[32],
		      uint32_t *method, uint8_t out[64])
{
	struct ccm_aes256_ctx ctx;
	uint8_t src[16 + 12 + 64], dst[12 + 64];
	size_t clen, klen;

	/* 0x08 nonce (FILETIME + counter, 12), 0x14 tag (16), then the data */
	if (n < 20 + 16 + 12 || n - 20 > sizeof(src))
		return 0;
	clen = n - 20 - 16;
	memcpy(src, e + 20 + 16, clen);         /* nettle: data then tag */
	memcpy(src + clen, e + 20, 16);
	ccm_aes256_set_key(&ctx, key32);
	if (!ccm_aes256_decrypt_message(&ctx, 12, e + 8, 0, NULL, 16, clen, dst, src)) {
		bde_wipe(dst, sizeof(dst));
		bde_wipe(&ctx, sizeof(ctx));
		return 0;
	}
	bde_wipe(&ctx, sizeof(ctx));
	/* the key entry: 0x00 size, 0x08 method, 0x0c key */
	klen = le16(dst) >= 12 && le16(dst) <= clen ? le16(dst) - 12u : 0;
	if (klen != 16 && klen != 32 && klen != 64)
		klen = 0;
	*method = le32(dst + 8);
	if (klen)
		memcpy(out, dst + 12, klen);
	bde_wipe(dst, sizeof(dst));
	return klen;
}

/* The stretch of a secret's first hash: 0x100000 chained SHA-256 rounds
 * over (last, first, salt, round number), as BitLocker stretches a
 * recovery password's or a password's key.  Chained: one core. */
void bde_stretch(const uint8_t first[32], const uint8_t salt[16], uint8_t out[32])
{
	uint8_t st[32 + 32 + 16 + 8];
	struct sha256_ctx c;
	uint64_t i;
	unsigned k;

	memset(st, 0, sizeof(st));
	memcpy(st + 32, first, 32);
	memcpy(st + 64, salt, 16);
	sha256_init(&c);
	for (i = 0; i < 0x100000; i++) {
		uint64_t n = i;

		for (k = 0; k < 8; k++, n >>= 8)
			st[80 + k] = (uint8_t)n;
		sha256_update(&c, sizeof(st), st);
		sha256_digest(&c, 32, st);      /* digest resets c */
	}
	memcpy(out, st, 32);
	bde_wipe(st, sizeof(st));
	bde_wipe(&c, sizeof(c));
}

/* The stretched key of recovery password pw (8 groups of 6 digits, each
 * group / 11 a 16-bit LE word: a 128-bit key hashed once) with salt. */
static void recovery_key(const char *pw, const uint8_t salt[16], uint8_t key32[32])
{
	uint8_t rk[16], h[32];
	struct sha256_ctx c;
	const char *s = pw;
	unsigned i;

	for (i = 0; i < 8; i++, s++) {
		unsigned long v = strtoul(s, (char **)&s, 10);

		rk[2 * i] = (uint8_t)(v / 11);
		rk[2 * i + 1] = (uint8_t)((v / 11) >> 8);
	}
	sha256_init(&c);
	sha256_update(&c, sizeof(rk), rk);
	sha256_digest(&c, 32, h);
	bde_stretch(h, salt, key32);
	bde_wipe(rk, sizeof(rk));
	bde_wipe(h, sizeof(h));
	bde_wipe(&c, sizeof(c));
}

/* The metadata of the volume at offset of outer into m (LIMIT_BDE_METADATA
 * bytes): the size of its entries' part (after the 64-byte block header)
 * and its encryption method; 0 when it is not an AES-XTS version 2
 * volume (the FVEK of other methods is not one buffer). */
static size_t metadata_read(struct image *outer, uint64_t offset, uint64_t size,
			    uint8_t *m, uint32_t *method)
{
	uint8_t vh[512];
	uint64_t moff;
	size_t msize;
	struct err e;

	err_init(&e);
	if (size < sizeof(vh) + 112 ||
	    bde_fve_locate(outer, offset, size, 112, vh, &moff) < 0 ||
	    image_read(outer, offset + moff, m, 112, &e) < 0 ||
	    memcmp(m, "-FVE-FS-", 8) != 0 || /* 0x0a */ le16(m + 0x0a) != 2)
		return 0;
	/* metadata header at 0x40: 0x00 size (header included), 0x24 method */
	msize = le32(m + 64);
	*method = le32(m + 64 + 0x24) & 0xffff;
	if (msize < 48 || msize > LIMIT_BDE_METADATA - 64 || moff + 64 + msize > size ||
	    (*method != 0x8004 && *method != 0x8005) ||
	    image_read(outer, offset + moff + 64, m + 64, msize, &e) < 0)
		return 0;
	return msize;
}

/* The VMK entry en (k bytes) opened with the secret (which, value; bek
 * a .BEK's key, read once) into vmk: 1, else 0.  Its stretch key entry
 * (value 0x0003: 0x08 method, 0x0c salt) and its AES-CCM key (0x0005). */
static int vmk_open(const uint8_t *en, size_t k, enum bde_secret which, const char *value,
		    const uint8_t bek[32], uint8_t vmk[64])
{
	const uint8_t *salt = NULL, *ccm = NULL;
	size_t j, q, ccm_n = 0;
	uint8_t key[32];
	uint32_t method = 0;
	int ok;

	for (j = 8 + 28; j < k; j += q) {
		const uint8_t *pe = en + j;

		if (!(q = bde_entry_size(pe, k - j)))
			break;
		if (le16(pe + 4) == 0x0003 && q >= 28)
			salt = pe + 12;
		else if (le16(pe + 4) == 0x0005) {
			ccm = pe;
			ccm_n = q;
		}
	}
	if (!ccm || (which != BDE_KEY_FILE && !salt))
		return 0;
	if (which == BDE_RECOVERY_PASSWORD)
		recovery_key(value, salt, key);
	else if (which == BDE_PASSWORD) {
		if (bde_password_key(value, salt, key) < 0)
			return 0;
	} else {
		memcpy(key, bek, 32);
	}
	ok = bde_ccm_unwrap(ccm, ccm_n, key, &method, vmk) == 32;
	bde_wipe(key, sizeof(key));
	return ok;
}

size_t bde_fvek_unwrap(struct image *outer, uint64_t offset, uint64_t size,
		       enum bde_secret which, const char *value, uint8_t fvek[64])
{
	/* a VMK's 0x1a protection type for each secret */
	uint16_t prot = which == BDE_RECOVERY_PASSWORD ? 0x0800 :
			which == BDE_PASSWORD ? 0x2000 : 0x0200;
	uint8_t *m = NULL, bek[32], vmk[64];
	const uint8_t *fvek_ccm = NULL;
	size_t msize, i, k, fvek_n = 0, len = 0;
	uint32_t method = 0, fmethod = 0;
	int opened = 0;

	memset(bek, 0, sizeof(bek));
	if (which != BDE_RECOVERY_PASSWORD && which != BDE_PASSWORD && which != BDE_KEY_FILE)
		return 0;
	/* the .BEK read only for a volume this unwraps: a key file given as
	 * a pipe is read once, and libbde, the fallback, reads it otherwise */
	if (!(m = malloc(LIMIT_BDE_METADATA)) ||
	    !(msize = metadata_read(outer, offset, size, m, &method)) ||
	    (which == BDE_KEY_FILE && bde_bek_key(value, bek) < 0))
		goto out;
	/* the entries: 0x02 type, 0x04 value type; the FVEK is the first
	 * AES-CCM key (type 0x0003), each VMK of the protection tried until
	 * one opens */
	for (i = 48; i < msize; i += k) {
		const uint8_t *en = m + 64 + i;

		if (!(k = bde_entry_size(en, msize - i)))
			break;
		if (le16(en + 2) == 0x0003 && le16(en + 4) == 0x0005 && !fvek_ccm) {
			fvek_ccm = en;
			fvek_n = k;
		} else if (!opened && le16(en + 2) == 0x0002 && le16(en + 4) == 0x0008 &&
			   k >= 8 + 28 && le16(en + 8 + 26) == prot) {
			opened = vmk_open(en, k, which, value, bek, vmk);
		}
	}
	if (opened && fvek_ccm)
		len = bde_ccm_unwrap(fvek_ccm, fvek_n, vmk, &fmethod, fvek);
	if (len && len != (method == 0x8004 ? 32u : 64u)) {
		bde_wipe(fvek, 64);
		len = 0;
	}
out:
	bde_wipe(bek, sizeof(bek));
	bde_wipe(vmk, sizeof(vmk));
	if (m)
		bde_wipe(m, LIMIT_BDE_METADATA);
	free(m);
	return len;
}
