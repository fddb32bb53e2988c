/* The FVEK behind a --password or a --key-file, unwrapped here (nettle)
 * for the writer (bde_write.c): libbde 20190102 opens such volumes but
 * does not hand out their key.  As bde_unwrap.c does for a recovery
 * password: the protector's VMK entry (libyal's "BitLocker Drive
 * Encryption (BDE) format": 0x0002 entries of value type 0x0008), its
 * AES-CCM key opened with the protector's key, then the FVEK entry with
 * the VMK.  A password's key is SHA-256 twice over its UTF-16LE form,
 * stretched with the entry's salt (0x100000 rounds); a .BEK file holds
 * the startup key itself.  AES-XTS volumes only (the FVEK in one
 * buffer). */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "bytes.h"
#include "limits.h"
#include "utf16.h"

#define BEK_MAX 4096u            /* bytes of a .BEK file read */

/* The key of a password: SHA-256(SHA-256(UTF-16LE)), stretched with salt
 * into key32.  0, or -1 when pw is not UTF-8 or too long. */
static int password_key(const char *pw, const uint8_t salt[16], uint8_t key32[32])
{
	uint8_t u[512], st[32 + 32 + 16 + 8];
	size_t n = 0, len = strlen(pw), at = 0, k, i;
	struct sha256_ctx c;

	while (at < len) {
		uint32_t cp;
		size_t l = utf8_next((const unsigned char *)pw + at, len - at, &cp);

		if (!l || n + 4 > sizeof(u))
			return -1;
		n += utf16le_put(u + n, cp);
		at += l;
	}
	memset(st, 0, sizeof(st));
	sha256_init(&c);
	sha256_update(&c, n, u);
	sha256_digest(&c, 32, st + 32);
	sha256_update(&c, 32, st + 32);
	sha256_digest(&c, 32, st + 32);
	memcpy(st + 64, salt, 16);
	for (i = 0; i < 0x100000; i++) {
		uint64_t r = i;

		for (k = 0; k < 8; k++, r >>= 8)
			st[80 + k] = (uint8_t)r;
		sha256_update(&c, sizeof(st), st);
		sha256_digest(&c, 32, st);
	}
	memcpy(key32, st, 32);
	bde_wipe(u, sizeof(u));
	bde_wipe(st, sizeof(st));
	bde_wipe(&c, sizeof(c));
	return 0;
}

/* The startup key (32 bytes) of the .BEK file at path: its external key
 * entry (type 0x0006, value 0x0009) and the key entry inside (value
 * 0x0001: 0x08 method, 0x0c key).  0, or -1. */
static int bek_key(const char *path, uint8_t key32[32])
{
	uint8_t b[BEK_MAX];
	FILE *f = fopen(path, "rb");
	size_t n = f ? fread(b, 1, sizeof(b), f) : 0, i, k, j, q;
	int rc = -1;

	if (f)
		fclose(f);
	/* header: 0x00 size, 0x08 header size (0x30) */
	if (n < 0x30 || le32(b + 8) != 0x30 || le32(b) > n)
		goto out;
	n = le32(b);
	for (i = 0x30; i < n && rc < 0; i += k) {
		const uint8_t *e = b + i;

		if (!(k = bde_entry_size(e, n - i)))
			break;
		if (le16(e + 4) != 0x0009 || k < 0x20)
			continue;
		for (j = 0x20; j < k; j += q) {
			if (!(q = bde_entry_size(e + j, k - j)))
				break;
			if (le16(e + j + 4) == 0x0001 && q == 0x0c + 32) {
				memcpy(key32, e + j + 0x0c, 32);
				rc = 0;
				break;
			}
		}
	}
out:
	bde_wipe(b, sizeof(b));
	return rc;
}

/* The metadata of the volume at offset of outer into m (LIMIT_BDE_METADATA
 * bytes): the size of its entries' part (after the 64-byte block header),
 * 0 when it is not an AES-XTS version 2 volume. */
static size_t metadata_read(struct image *outer, uint64_t offset, uint64_t size, uint8_t *m)
{
	uint8_t vh[512];
	uint64_t moff;
	size_t msize;
	uint32_t method;
	struct err e;

	err_init(&e);
	if (bde_fve_locate(outer, offset, size, 112, vh, &moff) < 0 ||
	    image_read(outer, offset + moff, m, 112, &e) < 0 ||
	    memcmp(m, "-FVE-FS-", 8) != 0 || /* 0x0a */ le16(m + 0x0a) != 2)
		return 0;
	/* metadata header at 0x40: 0x00 size, 0x24 encryption method */
	msize = le32(m + 64);
	method = le32(m + 64 + 0x24) & 0xffff;
	if (msize < 48 || msize > LIMIT_BDE_METADATA - 64 || moff + 64 + msize > size ||
	    (method != 0x8004 && method != 0x8005) ||
	    image_read(outer, offset + moff + 64, m + 64, msize, &e) < 0)
		return 0;
	return msize;
}

/* The VMK entry en (k bytes) of protection prot opened with the secret
 * (which, value; bek the .BEK's key) into vmk: 1, else 0. */
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
			salt = pe + 12;             /* stretch key: 0x08 method, 0x0c salt */
		else if (le16(pe + 4) == 0x0005) {
			ccm = pe;
			ccm_n = q;
		}
	}
	if (!ccm || (which == BDE_PASSWORD && !salt))
		return 0;
	if (which == BDE_PASSWORD) {
		if (password_key(value, salt, key) < 0)
			return 0;
	} else {
		memcpy(key, bek, 32);
	}
	ok = bde_ccm_unwrap(ccm, ccm_n, key, &method, vmk) == 32;
	bde_wipe(key, sizeof(key));
	return ok;
}

size_t bde_protector_fvek(struct image *outer, uint64_t offset, uint64_t size,
			  enum bde_secret which, const char *value, uint8_t fvek[64])
{
	uint8_t *m = malloc(LIMIT_BDE_METADATA), bek[32], vmk[64];
	const uint8_t *fvek_ccm = NULL;
	uint16_t prot = which == BDE_PASSWORD ? 0x2000 : 0x0200;
	size_t msize, i, k, fvek_n = 0, len = 0;
	uint32_t method = 0;
	int opened = 0;

	memset(bek, 0, sizeof(bek));
	if (!m || (which != BDE_PASSWORD && which != BDE_KEY_FILE) ||
	    (which == BDE_KEY_FILE && bek_key(value, bek) < 0) ||
	    !(msize = metadata_read(outer, offset, size, m)))
		goto out;
	for (i = 48; i < msize; i += k) {
		const uint8_t *en = m + 64 + i;

		if (!(k = bde_entry_size(en, msize - i)))
			break;
		/* 0x02 type, 0x04 value type; a VMK's 0x1a protection */
		if (le16(en + 2) == 0x0003 && le16(en + 4) == 0x0005 && !fvek_ccm) {
			fvek_ccm = en;
			fvek_n = k;
		} else if (!opened && le16(en + 2) == 0x0002 && le16(en + 4) == 0x0008 &&
			   k >= 8 + 28 && le16(en + 8 + 26) == prot) {
			opened = vmk_open(en, k, which, value, bek, vmk);
		}
	}
	if (opened && fvek_ccm)
		len = bde_ccm_unwrap(fvek_ccm, fvek_n, vmk, &method, fvek);
	if (len != 32 && len != 64) {
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
