/* The keys of the secrets other than a recovery password, for
 * bde_unwrap.c: a password's key is SHA-256 twice over its UTF-16LE form,
 * stretched with the VMK entry's salt (bde_stretch); a .BEK file holds the
 * startup key itself. */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <nettle/sha2.h>

#include "bytes.h"
#include "utf16.h"

#define BEK_MAX 4096u            /* bytes of a .BEK file read */

/* The key of a password: SHA-256(SHA-256(UTF-16LE)), stretched with salt
 * into key32.  0, or -1 when pw is not UTF-8 or too long. */
int bde_password_key(const char *pw, const uint8_t salt[16], uint8_t key32[32])
{
	uint8_t u[512], h[32];
	long n = utf8_to_utf16le(pw, strlen(pw), u, sizeof(u));
	struct sha256_ctx c;

	if (n < 0) {
		bde_wipe(u, sizeof(u));
		return -1;
	}
	sha256_init(&c);
	sha256_update(&c, (size_t)n, u);
	sha256_digest(&c, 32, h);
	sha256_update(&c, 32, h);
	sha256_digest(&c, 32, h);
	bde_stretch(h, salt, key32);
	bde_wipe(u, sizeof(u));
	bde_wipe(h, sizeof(h));
	bde_wipe(&c, sizeof(c));
	return 0;
}

/* The startup key (32 bytes) of the .BEK file at path: its external key
 * entry (type 0x0006, value 0x0009) and the key entry inside (value
 * 0x0001: 0x08 method, 0x0c key).  0, or -1. */
int bde_bek_key(const char *path, uint8_t key32[32])
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
