/* BitLocker FVE metadata read here (bde_priv.h): the volume header, the
 * first metadata block header (geometry, conversion state) and the
 * entries' framing.  Offsets: libyal's "BitLocker Drive Encryption (BDE)
 * format" document. */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <stdio.h>
#include <string.h>

#include "bytes.h"

int bde_fve_locate(struct image *outer, uint64_t offset, uint64_t size,
		   size_t need, uint8_t vh[512], uint64_t *moff)
{
	struct err e;

	err_init(&e);
	if (size < 512 || size < need || image_read(outer, offset, vh, 512, &e) < 0 ||
	    /* 0x03 */ memcmp(vh + 3, "-FVE-FS-", 8) != 0)
		return -1;
	/* 0xb0 */ *moff = le64(vh + 0xb0);
	return *moff > size - need ? -1 : 0;
}

size_t bde_entry_size(const uint8_t *e, size_t n)
{
	size_t sz;

	if (n < 8)
		return 0;
	/* 0x00 */ sz = le16(e);
	return sz >= 8 && sz <= n ? sz : 0;
}


const char *bde_method_name(uint16_t m)
{
	switch (m) {
	case 0x0000: return "not encrypted";
	case 0x8000: return "AES-CBC 128-bit with diffuser";
	case 0x8001: return "AES-CBC 256-bit with diffuser";
	case 0x8002: return "AES-CBC 128-bit";
	case 0x8003: return "AES-CBC 256-bit";
	case 0x8004: return "AES-XTS 128-bit";
	case 0x8005: return "AES-XTS 256-bit";
	default: return "unknown";
	}
}

void bde_guid_str(char *out, size_t n, const uint8_t g[16])
{
	snprintf(out, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* The geometry from the volume header and the first metadata block
 * header; 0, or -1 when it is not a version 2 layout we read. */
int bde_geom_read(struct image *outer, uint64_t offset, uint64_t size,
		  struct bde_geom *g)
{
	uint8_t vh[512], mb[64];
	uint64_t moff;
	struct err e;
	unsigned i;

	err_init(&e);
	if (bde_fve_locate(outer, offset, size, sizeof(mb), vh, &moff) < 0)
		return -1;
	/* 0x0b */ g->ss = le16(vh + 0x0b);
	if ((g->ss != 512 && g->ss != 4096) ||
	    image_read(outer, offset + moff, mb, sizeof(mb), &e) < 0 ||
	    memcmp(mb, "-FVE-FS-", 8) != 0 || le16(mb + 0x0a) != 2)
		return -1;
	/* 0x10 */ g->enc_size = le64(mb + 0x10);
	/* 0x1c */ g->vh_size = (uint64_t)le32(mb + 0x1c) * g->ss;
	for (i = 0; i < 3; i++)
		/* 0x20 0x28 0x30 */ g->meta[i] = le64(mb + 0x20 + 8 * i);
	/* 0x38 */ g->vh_off = le64(mb + 0x38);
	if (g->vh_size == 0 || g->vh_size > 1024u * 1024 || g->vh_off > size ||
	    g->vh_size > size - g->vh_off || g->vh_off % g->ss)
		return -1;
	for (i = 0; i < 3; i++)
		if (g->meta[i] % g->ss)
			return -1;
	return 0;
}


/* The conversion state from the first FVE metadata block header (version
 * 2, Windows 7 and later): 0x0c current state, 0x0e the state it moves
 * to (1 decrypted, 2 switching, 4 encrypted, 5 switching paused: the
 * values libyal's document and dislocker name), 0x10 the bytes encrypted
 * so far.  libbde 20190102 does not expose them.  Metadata out of the
 * partition or of another version leaves info->state empty. */
void bde_state_read(struct image *outer, uint64_t offset, uint64_t size,
		    struct bde_info *info)
{
	uint8_t vh[512], mb[0x70];
	uint64_t moff;
	uint16_t cur, next;
	struct err e;

	err_init(&e);
	if (bde_fve_locate(outer, offset, size, sizeof(mb), vh, &moff) < 0 ||
	    image_read(outer, offset + moff, mb, sizeof(mb), &e) < 0 ||
	    memcmp(mb, "-FVE-FS-", 8) != 0 || /* 0x0a */ le16(mb + 0x0a) != 2)
		return;
	/* 0x0c */ cur = le16(mb + 0x0c);
	/* 0x0e */ next = le16(mb + 0x0e);
	/* 0x10 */ info->encrypted_size = le64(mb + 0x10);
	/* the metadata header after the 64-byte block header: 0x10 volume
	 * GUID, 0x24 encryption method (libbde fills them again when it reads
	 * the volume; dislocker's path and a failed open keep these) */
	if (le32(mb + 0x40 + 0x08) == 0x30) {
		/* 0x50 */ bde_guid_str(info->volume_id, sizeof(info->volume_id), mb + 0x50);
		/* 0x64 */ snprintf(info->method, sizeof(info->method), "%s",
				    bde_method_name(le16(mb + 0x64)));
	}
	switch (cur) {
	case 1: snprintf(info->state, sizeof(info->state), "fully decrypted"); break;
	case 4: snprintf(info->state, sizeof(info->state), "fully encrypted"); break;
	case 2:
		snprintf(info->state, sizeof(info->state), "%s",
			 next == 1 ? "decrypting" : "encrypting");
		info->partial = 1;
		break;
	case 5:
		snprintf(info->state, sizeof(info->state), "%s",
			 next == 1 ? "decryption paused" : "encryption paused");
		info->partial = 1;
		break;
	default:
		snprintf(info->state, sizeof(info->state), "unknown (state %u)", cur);
		break;
	}
}
