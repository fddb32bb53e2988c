/* The BitLocker adapter's parts (bde.c the volume through libbde,
 * bde_secret.c the secrets, bde_meta.c the FVE metadata read here,
 * bde_unwrap.c the recovery password unwrapped with nettle, bde_xts.c the
 * sectors decrypted here, bde_dis.c dislocker for clear keys): what they
 * share.  bde.h is the API. */
#ifndef VSSD_BDE_PRIV_H
#define VSSD_BDE_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include <libbde.h>

#include <nettle/xts.h>

#include "bde.h"

/* The libbfio handle's state: the outer image read at offset. */
struct bde_io {
	struct image *outer;
	uint64_t offset, size, pos;
};

/* Where a Windows 7+ BitLocker volume keeps what is not plain sectors
 * (FVE metadata block header): the first sectors' relocated copy, the
 * three metadata areas, and how far it is encrypted. */
#define BDE_AREA 65536u          /* bytes of one FVE metadata area */
struct bde_geom {
	unsigned ss;                 /* bytes per sector (volume header 0x0b) */
	uint64_t vh_off, vh_size;    /* 0x38, 0x1c x ss */
	uint64_t meta[3];            /* 0x20, 0x28, 0x30 */
	uint64_t enc_size;           /* 0x10 */
};

/* 1 when byte l of the BitLocker partition lies in one of its three
 * metadata areas (bde_xts.c) */
int bde_geom_in_meta(const struct bde_geom *g, uint64_t l);
/* 1 when logical sector l (at or past vh_size) is BitLocker's own: a
 * metadata area or the relocated header's place.  The read path shows
 * it as zeros; the writer refuses it. */
int bde_geom_own(const struct bde_geom *g, uint64_t l);

struct bde_src {
	struct bde_io io;
	libbfio_handle_t *fh;
	libbde_volume_t *vol;
	/* AES-XTS with a known FVEK: sectors decrypted here with nettle
	 * (AES-NI where the CPU has it) instead of libbde's software AES */
	int own;
	unsigned keylen;             /* 32 (XTS 128) or 64 (XTS 256) */
	uint8_t fvek[64];
	struct xts_aes128_key x128;
	struct xts_aes256_key x256;
	struct bde_geom g;
	struct bde_lend *lend;       /* own: the decrypted bytes lent */
};


/* bde_secret.c */
/* Zero n bytes at p (not optimised away). */
void bde_wipe(void *p, size_t n);
/* The stored secret which, or NULL; valid until bde_secrets_clear(). */
const char *bde_secret_value(enum bde_secret which);
/* Hex FVEK s (32, 64 or 128 digits) into key (64 bytes); 0, or -1. */
int bde_fvek_parse(const char *s, uint8_t *key, size_t *len);

/* bde_meta.c */
/* The volume header at offset of outer (size bytes) read into vh: 0 when
 * it is BitLocker's and its first FVE metadata block (0xb0) has need
 * bytes inside size (*moff its offset), else -1. */
int bde_fve_locate(struct image *outer, uint64_t offset, uint64_t size,
		   size_t need, uint8_t vh[512], uint64_t *moff);
/* Metadata entry at e (n bytes left): its size, or 0 when malformed. */
size_t bde_entry_size(const uint8_t *e, size_t n);
const char *bde_method_name(uint16_t m);
void bde_guid_str(char *out, size_t n, const uint8_t g[16]);
int bde_geom_read(struct image *outer, uint64_t offset, uint64_t size,
		  struct bde_geom *g);
void bde_state_read(struct image *outer, uint64_t offset, uint64_t size,
		    struct bde_info *info);

/* bde_unwrap.c: the FVEK behind secret which (BDE_RECOVERY_PASSWORD,
 * BDE_PASSWORD or BDE_KEY_FILE; value the secret or the .BEK path) of
 * the AES-XTS volume at offset of outer, its length matching the
 * volume's method; 0 when the secret does not open it or the volume is
 * not one this unwraps. */
size_t bde_fvek_unwrap(struct image *outer, uint64_t offset, uint64_t size,
		       enum bde_secret which, const char *value, uint8_t fvek[64]);
/* bde_unwrap.c: AES-CCM encrypted key entry e (size n) opened with key32:
 * the key entry's method and key bytes into out; the key length or 0. */
size_t bde_ccm_unwrap(const uint8_t *e, size_t n, const uint8_t key32[32],
		      uint32_t *method, uint8_t out[64]);
/* bde_unwrap.c: first (a secret's hash) stretched with salt, BitLocker's
 * 0x100000 chained SHA-256 rounds, into out. */
void bde_stretch(const uint8_t first[32], const uint8_t salt[16], uint8_t out[32]);

/* bde_keys.c: a password's stretched key (0, or -1 when pw is not UTF-8
 * or too long); a .BEK file's startup key (0, or -1). */
int bde_password_key(const char *pw, const uint8_t salt[16], uint8_t key32[32]);
int bde_bek_key(const char *path, uint8_t key32[32]);

/* bde_xts.c: len bytes at off of the volume b, decrypted here (b->own). */
int bde_own_read(struct bde_src *b, uint64_t off, uint8_t *buf, size_t len,
		 struct err *err);

/* bde_lend.c: the decrypted view lent in place (image_borrow) for an
 * own volume of size bytes: 0, or -1 (then nothing is lent). */
int bde_lend_new(struct bde_src *b, uint64_t size);
/* len bytes at off, decrypted once and kept until bde_lend_free(), or
 * NULL (callers read instead). */
const uint8_t *bde_lend_get(struct bde_src *b, uint64_t off, size_t len);
void bde_lend_free(struct bde_src *b);

/* bde_dis.c: a clear-key volume of a raw file through dislocker; 1
 * opened, 0 not possible, <0 error. */
int bde_dis_open_clear(struct image **out, struct bde_info *info,
		       struct image *outer, uint64_t offset, uint64_t size,
		       struct err *err);

#endif
