/* mkbde: wrap a volume in BitLocker (AES-XTS 128, one recovery password
 * protector), as Windows 10 writes it, after libyal's "BitLocker Drive
 * Encryption (BDE) format" document.
 *
 *   mkbde --volume FILE --out FILE --recovery-password DIGITS
 *         [--encrypted-bytes N] [--print-fvek]
 *
 * Layout of the output (offsets from its start; P = FILE's size rounded up
 * to 64 KiB):
 *   0              the BitLocker volume header ("-FVE-FS-", FVE metadata
 *                  offsets at 0xb0)
 *   8 KiB .. P     FILE's sectors, AES-XTS with the sector number as tweak
 *   P, P+64K, P+128K  the three FVE metadata blocks
 *   P+192K         FILE's first 16 sectors (8 KiB), encrypted at their new
 *                  place (the "volume header block" entry points there)
 * The metadata sits past the NTFS volume's end (and its backup boot
 * sector), so it hides nothing of it.  --encrypted-bytes N: only the
 * first N bytes are encrypted, the rest stays clear (a volume Windows is
 * encrypting or decrypting: the metadata's "encrypted volume size").
 *
 * The keys are fixed (deterministic output): the VMK is encrypted with
 * the recovery password's stretched key (SHA-256, 0x100000 rounds, fixed
 * salt), the FVEK with the VMK, both AES-CCM (nettle) with the MAC first
 * as BitLocker stores it.  --print-fvek prints the FVEK + tweak key (hex)
 * on stdout, as --fvek takes it.  Exit 0, 1 with one line on stderr, 2 for
 * bad usage. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/aes.h>
#include <nettle/ccm.h>
#include <nettle/sha2.h>
#include <nettle/xts.h>

#include "gpt.h"

#define SECTOR 512u
#define HDR_SECTORS 16u
#define META_SIZE 65536u
#define CHUNK (1024u * 1024u)

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static int usage(const char *why)
{
	fprintf(stderr, "mkbde: %s\n"
		"usage: mkbde --volume FILE --out FILE --recovery-password DIGITS\n"
		"             [--encrypted-bytes N] [--print-fvek]\n", why);
	return 2;
}

/* Fixed keys and identifiers. */
static const uint8_t fvek[32] = {   /* AES-XTS 128: key, tweak key */
	0x10, 0x32, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef,
	0x0f, 0x1e, 0x2d, 0x3c, 0x4b, 0x5a, 0x69, 0x78, 0x87, 0x96, 0xa5, 0xb4, 0xc3, 0xd2, 0xe1, 0xf0,
};
static const uint8_t vmk[32] = {
	0x56, 0x53, 0x53, 0x44, 0x2d, 0x56, 0x4d, 0x4b, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77,
	0x88, 0x99, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x13, 0x57, 0x9b, 0xdf, 0x24, 0x68, 0xac, 0xe0,
};
static const uint8_t salt[16] = {
	0x73, 0x61, 0x6c, 0x74, 0x2d, 0x76, 0x73, 0x73, 0x64, 0x6f, 0x63, 0x74, 0x6f, 0x72, 0x21, 0x21,
};
/* GUIDs as stored (mixed endian) */
static const uint8_t bde_identifier[16] = {
	0x3b, 0xd6, 0x67, 0x49, 0x29, 0x2e, 0xd8, 0x4a, 0x83, 0x99, 0xf6, 0xa3, 0x39, 0xe3, 0xd0, 0x01,
};
static const uint8_t volume_guid[16] = {   /* 56535344-0000-4000-8000-0000000000bd */
	0x44, 0x53, 0x53, 0x56, 0x00, 0x00, 0x00, 0x40, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xbd,
};
static const uint8_t protector_guid[16] = { /* 56535344-0000-4000-8000-0000000000a1 */
	0x44, 0x53, 0x53, 0x56, 0x00, 0x00, 0x00, 0x40, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa1,
};
#define FILETIME_2024 0x01da3c0000000000ull

/* The recovery password's 128-bit key: each group / 11 as 16-bit LE. */
static int recovery_key(const char *s, uint8_t key[16])
{
	unsigned g, d;

	for (g = 0; g < 8; g++) {
		unsigned long v = 0;

		for (d = 0; d < 6; d++, s++) {
			if (*s < '0' || *s > '9')
				return -1;
			v = v * 10 + (unsigned long)(*s - '0');
		}
		if (v % 11 || v / 11 > 0xffff)
			return -1;
		put16(key + 2 * g, (uint16_t)(v / 11));
		if (g < 7 && *s++ != '-')
			return -1;
	}
	return *s ? -1 : 0;
}

/* BitLocker's key stretching (libyal's document, "Recovery key"). */
static void stretch(const uint8_t *pw_hash, uint8_t out[32])
{
	uint8_t st[32 + 32 + 16 + 8];
	struct sha256_ctx c;
	uint64_t i;

	memset(st, 0, sizeof(st));
	memcpy(st + 32, pw_hash, 32);
	memcpy(st + 64, salt, 16);
	for (i = 0; i < 0x100000; i++) {
		put64(st + 80, i);
		sha256_init(&c);
		sha256_update(&c, sizeof(st), st);
		sha256_digest(&c, 32, st);
	}
	memcpy(out, st, 32);
}

/* A metadata entry header; returns 8. */
static size_t entry_hdr(uint8_t *p, size_t size, uint16_t type, uint16_t vtype)
{
	put16(p, (uint16_t)size);
	put16(p + 2, type);
	put16(p + 4, vtype);
	put16(p + 6, 1);
	return 8;
}

/* An AES-CCM encrypted key entry (value type 5) holding a key entry of
 * method and 32 key bytes, encrypted with key32 (AES-256). */
static size_t ccm_entry(uint8_t *p, uint16_t type, uint32_t counter,
			const uint8_t key32[32], uint32_t method, const uint8_t k[32])
{
	struct ccm_aes256_ctx ctx;
	uint8_t plain[0x2c], out[0x2c + 16], nonce[12];
	size_t n = 8 + 12 + 16 + sizeof(plain);

	entry_hdr(p, n, type, 5);
	put64(nonce, FILETIME_2024);
	put32(nonce + 8, counter);
	memcpy(p + 8, nonce, 12);
	entry_hdr(plain, sizeof(plain), 0, 1);
	put32(plain + 8, method);
	memcpy(plain + 12, k, 32);
	ccm_aes256_set_key(&ctx, key32);
	ccm_aes256_encrypt_message(&ctx, sizeof(nonce), nonce, 0, NULL, 16,
				   sizeof(out), out, plain);
	/* nettle: ciphertext then tag; BitLocker: tag then ciphertext */
	memcpy(p + 20, out + sizeof(plain), 16);
	memcpy(p + 36, out, sizeof(plain));
	return n;
}

/* The FVE metadata (block header + header + entries) at meta; the
 * block's size is META_SIZE. */
static void metadata_build(uint8_t *meta, const uint8_t stretched[32],
			   uint64_t off[3], uint64_t vh_off, uint64_t enc_size,
			   int partial)
{
	static const char desc[] = "VSSDOCTOR TestVolume 1/1/2024";
	static const char dp[] = "DiskPassword";
	uint8_t *e, *vmk_e;
	size_t n, i;

	memset(meta, 0, META_SIZE);
	memcpy(meta, "-FVE-FS-", 8);
	/* 0x08 */ put16(meta + 0x08, 0x3a);
	/* 0x0a */ put16(meta + 0x0a, 2);
	/* 0x0c, 0x0e: the state and the state it moves to: 4 encrypted; a
	 * partly encrypted volume as Windows leaves a paused decryption: 5
	 * (switching, paused) towards 1 (decrypted) */
	/* 0x0c */ put16(meta + 0x0c, partial ? 5 : 4);
	/* 0x0e */ put16(meta + 0x0e, partial ? 1 : 4);
	/* 0x10 */ put64(meta + 0x10, enc_size);
	/* 0x1c */ put32(meta + 0x1c, HDR_SECTORS);
	/* 0x20 */ put64(meta + 0x20, off[0]);
	/* 0x28 */ put64(meta + 0x28, off[1]);
	/* 0x30 */ put64(meta + 0x30, off[2]);
	/* 0x38 */ put64(meta + 0x38, vh_off);

	e = meta + 64 + 48;
	/* description */
	n = 8 + 2 * (sizeof(desc));
	entry_hdr(e, n, 0x0007, 0x0002);
	for (i = 0; i < sizeof(desc); i++)
		put16(e + 8 + 2 * i, (uint8_t)desc[i]);
	e += n;
	/* the recovery password VMK */
	vmk_e = e;
	e += 8;
	memcpy(e, protector_guid, 16);
	put64(e + 16, FILETIME_2024);
	put16(e + 24, 0);
	put16(e + 26, 0x0800);
	e += 28;
	n = 8 + 2 * sizeof(dp);
	entry_hdr(e, n, 0, 0x0002);
	for (i = 0; i < sizeof(dp); i++)
		put16(e + 8 + 2 * i, (uint8_t)dp[i]);
	e += n;
	entry_hdr(e, 8 + 4 + 16, 0, 0x0003);       /* stretch key */
	put32(e + 8, 0x1000);
	memcpy(e + 12, salt, 16);
	e += 28;
	e += ccm_entry(e, 0, 1, stretched, 0x2000, vmk);
	entry_hdr(vmk_e, (size_t)(e - vmk_e), 0x0002, 0x0008);
	/* the FVEK */
	e += ccm_entry(e, 0x0003, 2, vmk, 0x8004, fvek);
	/* the volume header block */
	entry_hdr(e, 8 + 16, 0x000f, 0x000f);
	put64(e + 8, vh_off);
	put64(e + 16, HDR_SECTORS * SECTOR);
	e += 24;

	n = (size_t)(e - (meta + 64));
	/* 0x00 */ put32(meta + 64, (uint32_t)n);
	/* 0x04 */ put32(meta + 64 + 4, 1);
	/* 0x08 */ put32(meta + 64 + 8, 48);
	/* 0x0c */ put32(meta + 64 + 12, (uint32_t)n);
	/* 0x10 */ memcpy(meta + 64 + 16, volume_guid, 16);
	/* 0x20 */ put32(meta + 64 + 32, 3);
	/* 0x24 */ put32(meta + 64 + 36, 0x8004);
	/* 0x28 */ put64(meta + 64 + 40, FILETIME_2024);
}

static void volume_header(uint8_t *s, uint64_t off[3])
{
	memset(s, 0, SECTOR);
	s[0] = 0xeb; s[1] = 0x58; s[2] = 0x90;
	memcpy(s + 3, "-FVE-FS-", 8);
	/* 0x0b */ put16(s + 0x0b, SECTOR);
	/* 0x0d */ s[0x0d] = 8;
	/* 0x15 */ s[0x15] = 0xf8;
	/* 0x18 */ put16(s + 0x18, 0x3f);
	/* 0x1a */ put16(s + 0x1a, 0xff);
	/* 0x24 */ put32(s + 0x24, 0x1fe0);
	/* 0x30 */ put16(s + 0x30, 1);
	/* 0x32 */ put16(s + 0x32, 6);
	/* 0x40 */ s[0x40] = 0x80;
	/* 0x42 */ s[0x42] = 0x29;
	memcpy(s + 0x47, "NO NAME    FAT32   ", 19);
	/* 0xa0 */ memcpy(s + 0xa0, bde_identifier, 16);
	/* 0xb0 */ put64(s + 0xb0, off[0]);
	/* 0xb8 */ put64(s + 0xb8, off[1]);
	/* 0xc0 */ put64(s + 0xc0, off[2]);
	s[510] = 0x55; s[511] = 0xaa;
}

static void xts_sectors(struct xts_aes128_key *k, uint8_t *buf, size_t len,
			uint64_t first_sector)
{
	size_t i;

	for (i = 0; i < len / SECTOR; i++) {
		uint8_t tweak[16] = { 0 };

		put64(tweak, first_sector + i);
		xts_aes128_encrypt_message(k, tweak, SECTOR, buf + i * SECTOR, buf + i * SECTOR);
	}
}

int main(int argc, char **argv)
{
	const char *vol = NULL, *out = NULL, *pw = NULL;
	unsigned long long enc_bytes = ~0ull;
	int print_fvek = 0, in, fd, i;
	uint8_t rkey[16], pw_hash[32], stretched[32], *buf, *meta;
	struct sha256_ctx c;
	struct xts_aes128_key xk;
	struct stat st;
	uint64_t vsize, P, off[3], vh_off, pos;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--print-fvek")) { print_fvek = 1; continue; }
		if (!v)
			return usage("option without a value");
		if (!strcmp(a, "--volume")) vol = v;
		else if (!strcmp(a, "--out")) out = v;
		else if (!strcmp(a, "--recovery-password")) pw = v;
		else if (!strcmp(a, "--encrypted-bytes")) enc_bytes = strtoull(v, NULL, 10);
		else return usage("unknown option");
		i++;
	}
	if (!vol || !out || !pw)
		return usage("--volume, --out and --recovery-password are needed");
	if (recovery_key(pw, rkey) < 0)
		return usage("--recovery-password: not 8 groups of 6 digits, each a multiple of 11");
	in = open(vol, O_RDONLY);
	if (in < 0 || fstat(in, &st) < 0 || st.st_size < (off_t)(HDR_SECTORS * SECTOR)) {
		fprintf(stderr, "mkbde: cannot read '%s' (or smaller than 8 KiB)\n", vol);
		return 1;
	}
	vsize = (uint64_t)st.st_size & ~(uint64_t)(SECTOR - 1);
	P = (vsize + META_SIZE - 1) & ~(uint64_t)(META_SIZE - 1);
	off[0] = P; off[1] = P + META_SIZE; off[2] = P + 2 * META_SIZE;
	vh_off = P + 3 * META_SIZE;
	/* fully encrypted: the whole BitLocker volume is (Windows writes its
	 * size); partly: sectors from enc_bytes on are clear, the relocated
	 * header too (it lies past the NTFS volume) */
	if (enc_bytes >= vsize)
		enc_bytes = vh_off + META_SIZE;
	enc_bytes &= ~(unsigned long long)(SECTOR - 1);

	sha256_init(&c);
	sha256_update(&c, 16, rkey);
	sha256_digest(&c, 32, pw_hash);
	stretch(pw_hash, stretched);

	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	buf = malloc(CHUNK);
	meta = malloc(META_SIZE);
	if (fd < 0 || !buf || !meta || ftruncate(fd, (off_t)(vh_off + META_SIZE)) < 0) {
		fprintf(stderr, "mkbde: cannot write '%s'\n", out);
		return 1;
	}
	xts_aes128_set_encrypt_key(&xk, fvek);
	/* the volume's sectors, encrypted in place up to enc_bytes; the first
	 * 16 go to vh_off */
	for (pos = 0; pos < vsize; pos += CHUNK) {
		size_t len = vsize - pos < CHUNK ? (size_t)(vsize - pos) : CHUNK;
		size_t encl = pos >= enc_bytes ? 0 :
			      enc_bytes - pos < len ? (size_t)(enc_bytes - pos) : len;
		size_t j, skip = 0;
		int zero = 1;

		if (pread(in, buf, len, (off_t)pos) != (ssize_t)len) {
			fprintf(stderr, "mkbde: cannot read '%s'\n", vol);
			return 1;
		}
		if (pos == 0) {
			uint8_t hdr[HDR_SECTORS * SECTOR];

			memcpy(hdr, buf, sizeof(hdr));
			if (vh_off < enc_bytes)
				xts_sectors(&xk, hdr, sizeof(hdr), vh_off / SECTOR);
			if (pwrite(fd, hdr, sizeof(hdr), (off_t)vh_off) != (ssize_t)sizeof(hdr))
				return 1;
			skip = sizeof(hdr);
		}
		for (j = 0; j < len && zero; j++)
			zero = buf[j] == 0;
		if (zero && encl == 0)
			continue;       /* clear zeros: leave the hole */
		if (encl > skip)
			xts_sectors(&xk, buf + skip, encl - skip, (pos + skip) / SECTOR);
		if (pwrite(fd, buf + skip, len - skip, (off_t)(pos + skip)) != (ssize_t)(len - skip)) {
			fprintf(stderr, "mkbde: cannot write '%s'\n", out);
			return 1;
		}
	}
	volume_header(buf, off);
	if (pwrite(fd, buf, SECTOR, 0) != SECTOR)
		return 1;
	metadata_build(meta, stretched, off, vh_off, enc_bytes, enc_bytes < vsize);
	/* the FVE metadata validation after the metadata (0x08 size << 4 bytes):
	 * 0x00 size, 0x02 version 2, 0x04 CRC32 of the metadata.  libbde does
	 * not read it; dislocker keeps the first block whose CRC32 matches
	 * (and, with none, reads a freed buffer: "version -18265").  Windows
	 * adds an AES-CCM datum after the CRC (size 0x60): left out (size 8). */
	{
		size_t msize = (size_t)(meta[0x08] | meta[0x09] << 8) << 4;

		/* 0x00 */ put16(meta + msize, 8);
		/* 0x02 */ put16(meta + msize + 2, 2);
		/* 0x04 */ put32(meta + msize + 4, gpt_crc32(meta, msize));
	}
	for (i = 0; i < 3; i++)
		if (pwrite(fd, meta, META_SIZE, (off_t)off[i]) != META_SIZE)
			return 1;
	if (close(fd) < 0) {
		fprintf(stderr, "mkbde: cannot write '%s'\n", out);
		return 1;
	}
	close(in);
	if (print_fvek) {
		for (i = 0; i < 32; i++)
			printf("%02x", fvek[i]);
		printf("\n");
	}
	free(buf);
	free(meta);
	return 0;
}
