/* BitLocker (BDE) volumes, read-only: a decrypted view of an encrypted
 * volume inside another image, through libbde (loaded isolated, see
 * image_priv.h).  Nothing decrypted is written anywhere; repair's sectors
 * are encrypted by bde_writer_* (below).
 *
 * Secrets come from the command line (bde_secrets_*), are held in one
 * process-wide place, never printed, and zeroed by bde_secrets_clear(). */
#ifndef VSSD_BDE_H
#define VSSD_BDE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "image.h"

enum bde_secret {
	BDE_RECOVERY_PASSWORD,   /* 48 digits, 8 groups of 6 */
	BDE_PASSWORD,            /* user password */
	BDE_KEY_FILE,            /* path to a .BEK startup / recovery key file */
	BDE_FVEK,                /* hex full volume encryption key (+ tweak key) */
	BDE_SECRET_COUNT
};

/* Option and environment names of each secret: "recovery-password",
 * "VSSD_RECOVERY_PASSWORD", ... */
const char *bde_secret_option(enum bde_secret which);
const char *bde_secret_env(enum bde_secret which);

/* Store a secret (copied).  from_file: value is a path whose first line
 * holds the secret.  Checks the shape (a recovery password: 8 groups of 6
 * digits, each divisible by 11 and below 720896; an FVEK: 32, 64 or 128 hex
 * digits).  Returns 0 or -E_USAGE (the message never holds the secret). */
int bde_secret_set(enum bde_secret which, const char *value, int from_file,
		   struct err *err);
/* Take secrets not given as options from VSSD_RECOVERY_PASSWORD,
 * VSSD_PASSWORD, VSSD_KEY_FILE, VSSD_FVEK.  Returns 0 or -E_USAGE. */
int bde_secrets_from_env(struct err *err);
/* A command-line option: opt without its "--" ("recovery-password",
 * "recovery-password-file", "password", ..., "fvek-file"), value its
 * argument (may be NULL).  Returns 1 (taken: the caller skips value), 0
 * (not a secret option) or -E_USAGE. */
int bde_secret_option_parse(const char *opt, const char *value, struct err *err);
/* Zero and forget every secret. */
void bde_secrets_clear(void);

/* Checks a recovery password's shape; 0 or -E_USAGE. */
int bde_recovery_password_check(const char *s, struct err *err);

#define BDE_PROTECTORS_MAX 16u

struct bde_info {
	char method[48];          /* "AES-XTS 128-bit", ... */
	char volume_id[40];       /* GUID */
	char description[128];    /* e.g. "DESKTOP-X C: 1/2/2020" */
	unsigned nprotectors;
	struct {
		char type[40];    /* "recovery password", "password", ... */
		char id[40];      /* GUID */
	} protectors[BDE_PROTECTORS_MAX];
	char state[48];           /* "fully encrypted", "encrypting", "decryption
				   * paused", ... (FVE metadata block header
				   * 0x0c/0x0e); "" when unreadable */
	uint64_t encrypted_size;  /* bytes encrypted from the start (0x10) */
	int partial;              /* 1: encryption or decryption under way */
	int locked;               /* 1: no secret given opened it */
	uint64_t size;            /* decrypted volume size, 0 when locked */
};

/* Open the BitLocker volume at offset of outer (size bytes) with the stored
 * secrets.  On success *out is the decrypted volume (format "bitlocker";
 * outer must outlive it) and info (may be NULL) its metadata.  A volume no
 * secret opens: -E_USAGE, one line naming its protectors and
 * the option that would open it, info still filled (locked = 1, *out NULL).
 * Metadata libbde cannot read: -E_UNSUPPORTED or -E_CORRUPT. */
int bde_open(struct image **out, struct bde_info *info, struct image *outer,
	     uint64_t offset, uint64_t size, struct err *err);

/* Writing through BitLocker (bde_write.c, for repair): sectors of the
 * decrypted volume encrypted as BitLocker stores them.  Nothing is
 * written here. */
struct bde_writer;

/* A writer for the BitLocker volume at offset of outer (size bytes) with
 * the stored secrets (--fvek, else the first of --recovery-password,
 * --password, --key-file that unwraps its key).  Returns 0
 * (*out: free with bde_writer_free), -E_USAGE (no secret here gives the
 * key: one line naming the options) or -E_UNSUPPORTED (a conversion in
 * progress, a method other than AES-XTS, a layout it cannot map). */
int bde_writer_open(struct bde_writer **out, struct image *outer, uint64_t offset,
		    uint64_t size, struct err *err);
/* Bytes per sector of the volume. */
unsigned bde_writer_sector_size(const struct bde_writer *w);
/* The sector at byte off of the decrypted volume (on a sector): *disk
 * its offset in outer, and p (when not NULL, one sector) encrypted in
 * place as stored there (left as is in the clear part of a partly
 * encrypted volume).  0, or -E_UNSUPPORTED when BitLocker keeps that
 * place for itself (its metadata, its header's copy) or it lies past the
 * partition. */
int bde_writer_sector(struct bde_writer *w, uint64_t off, uint64_t *disk, uint8_t *p,
		      struct err *err);
/* Zero the key and free; accepts NULL. */
void bde_writer_free(struct bde_writer *w);

#endif
