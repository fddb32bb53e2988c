/* The recovery password unwrapped here (nettle).
 * libbde 20190102 stretches a recovery password with its own SHA-256:
 * about a second of CPU per unlock, more than the scan of a small volume
 * (issue 20's "at most 2x").  For AES-XTS volumes we stretch it with
 * nettle (hardware SHA where the CPU has it), unwrap the VMK and the FVEK
 * (AES-CCM: the tag must match, so a wrong password is caught here too)
 * and hand libbde the FVEK.  Anything unexpected: 0, and libbde does it
 * its own way. */
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

/* The FVEK behind recovery password pw, or 0 (not found, not AES-XTS, or
 * the password does not open it). */
size_t bde_recovery_fvek(struct image *outer, uint64_t offset, uint64_t size,
			 const char *pw, uint8_t fvek[64])
{
	uint8_t vh[512], *m = NULL, rk[16], st[32 + 32 + 16 + 8], vmk[64];
	const uint8_t *salt = NULL, *vmk_ccm = NULL, *fvek_ccm = NULL;
	size_t vmk_n = 0, fvek_n = 0, len = 0, msize, i, k;
	uint64_t moff;
	uint32_t method = 0, fmethod = 0;
	struct sha256_ctx c;
	struct err e;
	const char *s = pw;

	err_init(&e);
	if (size < sizeof(vh) + 112 ||
	    bde_fve_locate(outer, offset, size, 112, vh, &moff) < 0)
		return 0;
	m = malloc(LIMIT_BDE_METADATA);
	if (!m || image_read(outer, offset + moff, m, 112, &e) < 0 ||
	    memcmp(m, "-FVE-FS-", 8) != 0 || /* 0x0a */ le16(m + 0x0a) != 2)
		goto out;
	/* metadata header at 0x40: 0x00 size (header included) */
	msize = le32(m + 64);
	if (msize < 48 || msize > LIMIT_BDE_METADATA - 64 || moff + 64 + msize > size ||
	    image_read(outer, offset + moff + 64, m + 64, msize, &e) < 0)
		goto out;
	/* 0x24 encryption method: AES-XTS only (the FVEK is one buffer) */
	method = le32(m + 64 + 0x24) & 0xffff;
	if (method != 0x8004 && method != 0x8005)
		goto out;
	for (i = 48; i < msize; i += k) {
		const uint8_t *en = m + 64 + i;

		k = bde_entry_size(en, msize - i);
		if (!k)
			break;
		/* 0x02 type, 0x04 value type */
		if (le16(en + 2) == 0x0003 && le16(en + 4) == 0x0005 && !fvek_ccm) {
			fvek_ccm = en;
			fvek_n = k;
		} else if (le16(en + 2) == 0x0002 && le16(en + 4) == 0x0008 && k >= 8 + 28 &&
			   /* VMK 0x1a protection: recovery password */
			   le16(en + 8 + 26) == 0x0800 && !vmk_ccm) {
			size_t j, q;

			for (j = 8 + 28; j < k; j += q) {
				const uint8_t *pe = en + j;

				q = bde_entry_size(pe, k - j);
				if (!q)
					break;
				if (le16(pe + 4) == 0x0003 && q >= 28)
					salt = pe + 12;         /* stretch key: 0x08 method, 0x0c salt */
				else if (le16(pe + 4) == 0x0005) {
					vmk_ccm = pe;
					vmk_n = q;
				}
			}
			if (!salt)
				vmk_ccm = NULL;
		}
	}
	if (!vmk_ccm || !fvek_ccm)
		goto out;
	/* the password's 128-bit key: each group / 11, 16-bit LE */
	for (i = 0; i < 8; i++, s++) {
		unsigned long v = strtoul(s, (char **)&s, 10);

		rk[2 * i] = (uint8_t)(v / 11);
		rk[2 * i + 1] = (uint8_t)((v / 11) >> 8);
	}
	memset(st, 0, sizeof(st));
	sha256_init(&c);
	sha256_update(&c, sizeof(rk), rk);
	sha256_digest(&c, 32, st + 32);
	memcpy(st + 64, salt, 16);
	for (i = 0; i < 0x100000; i++) {
		uint64_t n = i;

		for (k = 0; k < 8; k++, n >>= 8)
			st[80 + k] = (uint8_t)n;
		sha256_init(&c);
		sha256_update(&c, sizeof(st), st);
		sha256_digest(&c, 32, st);
	}
	if (bde_ccm_unwrap(vmk_ccm, vmk_n, st, &fmethod, vmk) == 32)
		len = bde_ccm_unwrap(fvek_ccm, fvek_n, vmk, &fmethod, fvek);
	if (len && len != (method == 0x8004 ? 32u : 64u)) {
		bde_wipe(fvek, 64);
		len = 0;
	}
	bde_wipe(vmk, sizeof(vmk));
out:
	bde_wipe(rk, sizeof(rk));
	bde_wipe(st, sizeof(st));
	bde_wipe(&c, sizeof(c));
	if (m)
		bde_wipe(m, LIMIT_BDE_METADATA);
	free(m);
	return len;
}

/* Hand the stored secrets to libbde.  Returns the number given, <0 error. */
