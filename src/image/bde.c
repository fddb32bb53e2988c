/* BitLocker volumes through libbde 20190102, read-only (bde.h).
 *
 * libbde is loaded into a namespace of its own (image_priv.h); it reads
 * the encrypted volume through a libbfio handle whose callbacks are ours
 * (bde_io_*), over image_read() of the outer image at the volume's offset,
 * so a BitLocker partition inside a VHDX or E01 is read in process and no
 * byte is written anywhere.  Measured (issue 20): libbde opens the
 * recovery-password, password, startup-key and recovery-key samples;
 * suspended.bin ("unsupported FVE metadata entry version") it refuses,
 * libdislocker opens it (raw files only).  The samples are trimmed
 * copies (only the header, the metadata and the first 32 KiB are
 * non-zero), so their NTFS stops at the $MFT: that is the samples, not
 * the decryption (dislocker-file gives the same bytes).  End to end runs
 * on testdata/mkbde's volumes.  Three things are done here rather than by
 * libbde: the conversion state (state_read), a recovery password on an
 * AES-XTS volume (recovery_fvek: nettle's SHA-256 is ~9x faster), and
 * the FVEK's shape libbde 20190102 wants (one buffer). */
#define _GNU_SOURCE
#include "bde.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbde.h>

#include <nettle/ccm.h>
#include <nettle/sha2.h>
#include <nettle/xts.h>

#include "bytes.h"
#include "limits.h"
#include "image_priv.h"
#include "yal_err.h"

/* libbfio as libbde's copy sees it (same namespace). */
typedef int (*bfio_init_fn)(
	libbfio_handle_t **, intptr_t *,
	int (*)(intptr_t **, libbfio_error_t **),
	int (*)(intptr_t **, intptr_t *, libbfio_error_t **),
	int (*)(intptr_t *, int, libbfio_error_t **),
	int (*)(intptr_t *, libbfio_error_t **),
	ssize_t (*)(intptr_t *, uint8_t *, size_t, libbfio_error_t **),
	ssize_t (*)(intptr_t *, const uint8_t *, size_t, libbfio_error_t **),
	off64_t (*)(intptr_t *, off64_t, int, libbfio_error_t **),
	int (*)(intptr_t *, libbfio_error_t **),
	int (*)(intptr_t *, libbfio_error_t **),
	int (*)(intptr_t *, size64_t *, libbfio_error_t **),
	uint8_t, libbfio_error_t **);
typedef int (*bfio_free_fn)(libbfio_handle_t **, libbfio_error_t **);

static struct {
	int loaded;
	bfio_init_fn bfio_handle_initialize;
	bfio_free_fn bfio_handle_free;
	__typeof__(&libbde_error_backtrace_sprint) error_backtrace_sprint;
	__typeof__(&libbde_error_free) error_free;
	__typeof__(&libbde_volume_initialize) volume_initialize;
	__typeof__(&libbde_volume_free) volume_free;
	__typeof__(&libbde_volume_open_file_io_handle) volume_open_file_io_handle;
	__typeof__(&libbde_volume_close) volume_close;
	__typeof__(&libbde_volume_is_locked) volume_is_locked;
	__typeof__(&libbde_volume_get_size) volume_get_size;
	__typeof__(&libbde_volume_get_encryption_method) volume_get_encryption_method;
	__typeof__(&libbde_volume_get_volume_identifier) volume_get_volume_identifier;
	__typeof__(&libbde_volume_get_utf8_description) volume_get_utf8_description;
	__typeof__(&libbde_volume_get_number_of_key_protectors) volume_get_number_of_key_protectors;
	__typeof__(&libbde_volume_get_key_protector) volume_get_key_protector;
	__typeof__(&libbde_key_protector_get_identifier) key_protector_get_identifier;
	__typeof__(&libbde_key_protector_get_type) key_protector_get_type;
	__typeof__(&libbde_key_protector_free) key_protector_free;
	__typeof__(&libbde_volume_read_buffer_at_offset) volume_read_buffer_at_offset;
	__typeof__(&libbde_volume_set_utf8_recovery_password) volume_set_utf8_recovery_password;
	__typeof__(&libbde_volume_set_utf8_password) volume_set_utf8_password;
	__typeof__(&libbde_volume_read_startup_key) volume_read_startup_key;
	__typeof__(&libbde_volume_set_keys) volume_set_keys;
} B;

static int bde_load(struct err *err)
{
	void *lib;

	if (B.loaded)
		return 0;
	lib = image_lib_load("libbde.so.1", err);
	if (!lib)
		return err->code;
	if (image_lib_sym(lib, "libbfio_handle_initialize", &B.bfio_handle_initialize,
			  sizeof(B.bfio_handle_initialize), err) < 0 ||
	    image_lib_sym(lib, "libbfio_handle_free", &B.bfio_handle_free,
			  sizeof(B.bfio_handle_free), err) < 0)
		return err->code;
#define SYM(f) (image_lib_sym(lib, "libbde_" #f, &B.f, sizeof(B.f), err) < 0)
	if (SYM(error_backtrace_sprint) || SYM(error_free) ||
	    SYM(volume_initialize) || SYM(volume_free) ||
	    SYM(volume_open_file_io_handle) || SYM(volume_close) ||
	    SYM(volume_is_locked) || SYM(volume_get_size) ||
	    SYM(volume_get_encryption_method) || SYM(volume_get_volume_identifier) ||
	    SYM(volume_get_utf8_description) ||
	    SYM(volume_get_number_of_key_protectors) ||
	    SYM(volume_get_key_protector) || SYM(key_protector_get_identifier) ||
	    SYM(key_protector_get_type) || SYM(key_protector_free) ||
	    SYM(volume_read_buffer_at_offset) ||
	    SYM(volume_set_utf8_recovery_password) ||
	    SYM(volume_set_utf8_password) || SYM(volume_read_startup_key) ||
	    SYM(volume_set_keys))
		return err->code;
#undef SYM
	B.loaded = 1;
	return 0;
}

/* ---- secrets ---- */

#define BDE_SECRET_MAX 1024u

static struct {
	char *v[BDE_SECRET_COUNT];
	int atexit_set;
} S;

static const char *const opt_names[BDE_SECRET_COUNT] = {
	"recovery-password", "password", "key-file", "fvek",
};
static const char *const env_names[BDE_SECRET_COUNT] = {
	"VSSD_RECOVERY_PASSWORD", "VSSD_PASSWORD", "VSSD_KEY_FILE", "VSSD_FVEK",
};

const char *bde_secret_option(enum bde_secret which)
{
	return which < BDE_SECRET_COUNT ? opt_names[which] : "?";
}

const char *bde_secret_env(enum bde_secret which)
{
	return which < BDE_SECRET_COUNT ? env_names[which] : "?";
}

static void wipe(void *p, size_t n)
{
	volatile unsigned char *q = p;

	while (n--)
		*q++ = 0;
}

static void secret_drop(char **p)
{
	if (*p) {
		wipe(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

void bde_secrets_clear(void)
{
	unsigned i;

	for (i = 0; i < BDE_SECRET_COUNT; i++)
		secret_drop(&S.v[i]);
}

int bde_recovery_password_check(const char *s, struct err *err)
{
	unsigned g, d;

	for (g = 0; g < 8; g++) {
		unsigned long v = 0;

		for (d = 0; d < 6; d++, s++) {
			if (!isdigit((unsigned char)*s))
				return err_set(err, -E_USAGE,
					       "--recovery-password: not 8 groups of 6 digits separated by '-'");
			v = v * 10 + (unsigned long)(*s - '0');
		}
		if (v % 11 != 0 || v / 11 >= 65536)
			return err_set(err, -E_USAGE,
				       "--recovery-password: group %u is not a valid group (a multiple of 11 below 720896): mistyped?",
				       g + 1);
		if (g < 7 && *s++ != '-')
			return err_set(err, -E_USAGE,
				       "--recovery-password: not 8 groups of 6 digits separated by '-'");
	}
	if (*s)
		return err_set(err, -E_USAGE,
			       "--recovery-password: not 8 groups of 6 digits separated by '-'");
	return 0;
}

static int fvek_parse(const char *s, uint8_t *key, size_t *len)
{
	size_t n = strlen(s), i;

	if (n != 32 && n != 64 && n != 128)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);

		if (hi < 0 || lo < 0)
			return -1;
		key[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

/* First line of path, malloc'd, or NULL with err set. */
static char *read_first_line(const char *opt, const char *path, struct err *err)
{
	char buf[BDE_SECRET_MAX + 2];
	FILE *f = fopen(path, "r");
	size_t n;
	char *r;

	if (!f) {
		err_set(err, -E_USAGE, "--%s-file: cannot read '%s'", opt, path);
		return NULL;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	buf[strcspn(buf, "\r\n")] = 0;
	if (strlen(buf) > BDE_SECRET_MAX) {
		wipe(buf, sizeof(buf));
		err_set(err, -E_USAGE, "--%s-file: '%s': first line longer than %u bytes",
			opt, path, BDE_SECRET_MAX);
		return NULL;
	}
	r = strdup(buf);
	wipe(buf, sizeof(buf));
	if (!r)
		err_set(err, -E_NOMEM, "out of memory");
	return r;
}

int bde_secret_set(enum bde_secret which, const char *value, int from_file,
		   struct err *err)
{
	const char *opt = bde_secret_option(which);
	char *v;
	int rc = 0;

	if (which >= BDE_SECRET_COUNT)
		return err_set(err, -E_INTERNAL, "bad secret kind");
	v = from_file ? read_first_line(opt, value, err) : strdup(value);
	if (!v)
		return from_file ? err->code : err_set(err, -E_NOMEM, "out of memory");
	if (which == BDE_RECOVERY_PASSWORD) {
		rc = bde_recovery_password_check(v, err);
	} else if (which == BDE_FVEK) {
		uint8_t key[64];
		size_t len;

		if (fvek_parse(v, key, &len) < 0)
			rc = err_set(err, -E_USAGE,
				     "--fvek: not 32, 64 or 128 hexadecimal digits (FVEK, or FVEK then tweak key)");
		wipe(key, sizeof(key));
	} else if (!*v) {
		rc = err_set(err, -E_USAGE, "--%s: empty", opt);
	} else if (strlen(v) > BDE_SECRET_MAX) {
		rc = err_set(err, -E_USAGE, "--%s: longer than %u bytes", opt, BDE_SECRET_MAX);
	}
	if (rc < 0) {
		secret_drop(&v);
		return rc;
	}
	secret_drop(&S.v[which]);
	S.v[which] = v;
	if (!S.atexit_set && atexit(bde_secrets_clear) == 0)
		S.atexit_set = 1;
	return 0;
}

int bde_secret_option_parse(const char *opt, const char *value, struct err *err)
{
	unsigned i;
	size_t n;

	for (i = 0; i < BDE_SECRET_COUNT; i++) {
		n = strlen(opt_names[i]);
		if (strncmp(opt, opt_names[i], n) != 0 ||
		    (opt[n] && strcmp(opt + n, "-file") != 0))
			continue;
		if (!value)
			return err_set(err, -E_USAGE, "--%s needs a value", opt);
		/* --key-file takes the .BEK path itself; --key-file-file is not a thing */
		if (i == BDE_KEY_FILE && opt[n])
			continue;
		return bde_secret_set((enum bde_secret)i, value, opt[n] != 0, err) < 0 ?
		       err->code : 1;
	}
	return 0;
}

int bde_secrets_from_env(struct err *err)
{
	unsigned i;
	int rc;

	for (i = 0; i < BDE_SECRET_COUNT; i++) {
		const char *e = getenv(env_names[i]);

		if (S.v[i] || !e || !*e)
			continue;
		rc = bde_secret_set((enum bde_secret)i, e, 0, err);
		if (rc < 0)
			return err_wrap(err, "%s", env_names[i]);
	}
	return 0;
}

/* ---- the libbfio handle over our image ---- */

struct bde_io {
	struct image *outer;
	uint64_t offset, size, pos;
};

static int io_open(intptr_t *h, int flags, libbfio_error_t **e)
{
	(void)h; (void)e;
	return (flags & 0x02) ? -1 : 1;   /* LIBBFIO_ACCESS_FLAG_WRITE: never */
}

static int io_close(intptr_t *h, libbfio_error_t **e)
{
	(void)h; (void)e;
	return 0;
}

static ssize_t io_read(intptr_t *h, uint8_t *buf, size_t len, libbfio_error_t **e)
{
	struct bde_io *io = (struct bde_io *)h;
	struct err err;

	(void)e;
	if (io->pos >= io->size)
		return 0;
	if (len > io->size - io->pos)
		len = (size_t)(io->size - io->pos);
	if (len > ((size_t)1 << 30))
		len = (size_t)1 << 30;
	err_init(&err);
	if (image_read(io->outer, io->offset + io->pos, buf, len, &err) < 0)
		return -1;
	io->pos += len;
	return (ssize_t)len;
}

static ssize_t io_write(intptr_t *h, const uint8_t *buf, size_t len,
			libbfio_error_t **e)
{
	(void)h; (void)buf; (void)len; (void)e;
	return -1;
}

static off64_t io_seek(intptr_t *h, off64_t off, int whence, libbfio_error_t **e)
{
	struct bde_io *io = (struct bde_io *)h;
	int64_t base = whence == 0 ? 0 : whence == 1 ? (int64_t)io->pos :
		       (int64_t)io->size;

	(void)e;
	if (whence < 0 || whence > 2 || off < -base || (uint64_t)(base + off) > io->size)
		return -1;
	io->pos = (uint64_t)(base + off);
	return (off64_t)io->pos;
}

static int io_exists(intptr_t *h, libbfio_error_t **e)
{
	(void)h; (void)e;
	return 1;
}

static int io_is_open(intptr_t *h, libbfio_error_t **e)
{
	(void)h; (void)e;
	return 1;
}

static int io_get_size(intptr_t *h, size64_t *size, libbfio_error_t **e)
{
	(void)e;
	*size = ((struct bde_io *)h)->size;
	return 1;
}

/* ---- the volume ---- */

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
};

static void bde_src_free(struct bde_src *b)
{
	if (!b)
		return;
	if (b->vol) {
		B.volume_close(b->vol, NULL);
		B.volume_free(&b->vol, NULL);
	}
	if (b->fh)
		B.bfio_handle_free(&b->fh, NULL);
	wipe(b, sizeof(*b));
	free(b);
}

static void bde_close(void *priv)
{
	bde_src_free(priv);
}

static int bde_err(struct err *err, int code, const char *what, libbde_error_t **e)
{
	return yal_err(err, code, what, e, B.error_backtrace_sprint, B.error_free);
}

/* ---- sectors decrypted here (AES-XTS, FVEK known) ---- */

/* The geometry from the volume header and the first metadata block
 * header; 0, or -1 when it is not a version 2 layout we read. */
static int geom_read(struct image *outer, uint64_t offset, uint64_t size,
		     struct bde_geom *g)
{
	uint8_t vh[512], mb[64];
	uint64_t moff;
	struct err e;
	unsigned i;

	err_init(&e);
	if (size < sizeof(vh) || image_read(outer, offset, vh, sizeof(vh), &e) < 0 ||
	    memcmp(vh + 3, "-FVE-FS-", 8) != 0)
		return -1;
	/* 0x0b */ g->ss = le16(vh + 0x0b);
	/* 0xb0 */ moff = le64(vh + 0xb0);
	if ((g->ss != 512 && g->ss != 4096) || moff > size - sizeof(mb) ||
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

static int own_read(struct bde_src *b, uint64_t off, uint8_t *buf, size_t len,
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

static int bde_read(void *priv, uint64_t off, void *buf, size_t len,
		    struct err *err)
{
	struct bde_src *b = priv;
	libbde_error_t *e = NULL;
	uint8_t *p = buf;

	if (b->own)
		return own_read(b, off, buf, len, err);
	while (len > 0) {
		ssize_t n = B.volume_read_buffer_at_offset(b->vol, p, len, (off64_t)off, &e);

		if (n <= 0) {
			char what[96];

			snprintf(what, sizeof(what), "BitLocker read at offset %llu",
				 (unsigned long long)off);
			return bde_err(err, -E_IO, what, &e);
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

/* ---- dislocker 0.7, for what libbde 20190102 cannot read ----
 * Only a clear key (protection suspended), and only from a raw file:
 * dislocker opens the volume by path itself (read-only) and has no read
 * callback, so a BitLocker partition inside a VHDX or E01 is out of its
 * reach.  Its log goes to /dev/null. */
typedef void *dis_ctx_t;
static struct {
	int loaded;
	dis_ctx_t (*new_ctx)(void);
	int (*setopt)(dis_ctx_t, int, const void *);
	int (*initialize)(dis_ctx_t);
	int (*dislock)(dis_ctx_t, uint8_t *, off_t, size_t);
	int (*destroy)(dis_ctx_t);
} D;

enum { DIS_VOLUME_PATH = 1, DIS_USE_CLEAR_KEY = 2, DIS_VERBOSITY = 13,
       DIS_LOG_FILE_PATH = 14, DIS_VOLUME_OFFSET = 16, DIS_READ_ONLY = 17 };

static int dis_load(struct err *err)
{
	void *lib;

	if (D.loaded)
		return 0;
	lib = image_lib_load("libdislocker.so.0.7", err);
	if (!lib)
		return err->code;
	if (image_lib_sym(lib, "dis_new", &D.new_ctx, sizeof(D.new_ctx), err) < 0 ||
	    image_lib_sym(lib, "dis_setopt", &D.setopt, sizeof(D.setopt), err) < 0 ||
	    image_lib_sym(lib, "dis_initialize", &D.initialize, sizeof(D.initialize), err) < 0 ||
	    image_lib_sym(lib, "dislock", &D.dislock, sizeof(D.dislock), err) < 0 ||
	    image_lib_sym(lib, "dis_destroy", &D.destroy, sizeof(D.destroy), err) < 0)
		return err->code;
	D.loaded = 1;
	return 0;
}

struct dis_src {
	dis_ctx_t ctx;
};

static void dis_close(void *priv)
{
	struct dis_src *d = priv;

	if (d && d->ctx)
		D.destroy(d->ctx);
	free(d);
}

static int dis_read(void *priv, uint64_t off, void *buf, size_t len,
		    struct err *err)
{
	struct dis_src *d = priv;

	/* dislock() takes whole sectors: read around the request */
	while (len > 0) {
		uint8_t sec[4096];
		uint64_t base = off & ~(uint64_t)4095;
		size_t in = (size_t)(off - base), n = sizeof(sec) - in;

		if (n > len)
			n = len;
		if (D.dislock(d->ctx, sec, (off_t)base, sizeof(sec)) <= 0)
			return err_set(err, -E_IO, "BitLocker (dislocker) read at offset %llu failed",
				       (unsigned long long)off);
		memcpy(buf, sec + in, n);
		buf = (uint8_t *)buf + n;
		off += n;
		len -= n;
	}
	return 0;
}

static const struct image_ops dis_ops = {
	.format = "bitlocker",
	.read = dis_read,
	.close = dis_close,
};

/* Entries from e (n bytes) well formed, to the last byte: each at least
 * 8 bytes, inside, version 1 or 3; a VMK's properties likewise.  *clear
 * is set when a VMK is protected by a clear key.  libdislocker 0.7 frees
 * pointers it never set when it gives up half way through malformed
 * metadata (found by check_bde's hostile writer case), so it is handed
 * only metadata that passes this. */
static size_t entry_size(const uint8_t *e, size_t n);

static int entries_sound(const uint8_t *e, size_t n, int depth, int *clear)
{
	size_t k;

	while (n > 0) {
		k = entry_size(e, n);
		/* 0x06 version */
		if (!k || (le16(e + 6) != 1 && le16(e + 6) != 3))
			return 0;
		/* 0x04 value type 8: VMK, 0x1a protection, properties at 0x24 */
		if (le16(e + 4) == 0x0008) {
			if (depth > 0 || k < 8 + 28 ||
			    !entries_sound(e + 36, k - 36, depth + 1, clear))
				return 0;
			if (le16(e + 8 + 26) == 0x0000)
				*clear = 1;
		}
		e += k;
		n -= k;
	}
	return 1;
}

/* The first FVE metadata is sound and has a clear key VMK. */
static int clear_key_sound(struct image *outer, uint64_t offset, uint64_t size)
{
	uint8_t vh[512], *m;
	uint64_t moff;
	size_t msize;
	struct err e;
	int clear = 0, ok = 0;

	err_init(&e);
	if (size < sizeof(vh) + 112 ||
	    image_read(outer, offset, vh, sizeof(vh), &e) < 0 ||
	    memcmp(vh + 3, "-FVE-FS-", 8) != 0)
		return 0;
	/* 0xb0 */ moff = le64(vh + 0xb0);
	if (moff > size - 112)
		return 0;
	m = malloc(LIMIT_BDE_METADATA);
	if (!m)
		return 0;
	if (image_read(outer, offset + moff, m, 112, &e) == 0 &&
	    memcmp(m, "-FVE-FS-", 8) == 0 && le16(m + 0x0a) == 2) {
		/* 0x40 metadata size, header (48 bytes) included; 0x4c its copy */
		msize = le32(m + 64);
		if (msize >= 48 && msize <= LIMIT_BDE_METADATA - 64 &&
		    le32(m + 64 + 12) == msize && moff + 64 + msize <= size &&
		    image_read(outer, offset + moff + 64, m + 64, msize, &e) == 0)
			ok = entries_sound(m + 64 + 48, msize - 48, 0, &clear) && clear;
	}
	free(m);
	return ok;
}

/* Open a clear-key volume of the raw file outer with dislocker; 1 opened,
 * 0 not possible (not raw, or no clear key), <0 error. */
static int dis_open_clear(struct image **out, struct bde_info *info,
			  struct image *outer, uint64_t offset, uint64_t size,
			  struct err *err)
{
	struct dis_src *d;
	struct err lerr;
	uint8_t boot[4096];
	off_t voff = (off_t)offset;
	int yes = 1, verb = 0;
	uint64_t vsize;

	if (strcmp(image_format(outer), "raw") != 0 ||
	    !clear_key_sound(outer, offset, size))
		return 0;
	err_init(&lerr);
	if (dis_load(&lerr) < 0)
		return 0;
	d = calloc(1, sizeof(*d));
	if (!d)
		return err_set(err, -E_NOMEM, "out of memory");
	d->ctx = D.new_ctx();
	if (!d->ctx) {
		free(d);
		return 0;
	}
	D.setopt(d->ctx, DIS_VOLUME_PATH, image_path(outer));
	D.setopt(d->ctx, DIS_USE_CLEAR_KEY, &yes);
	D.setopt(d->ctx, DIS_READ_ONLY, &yes);
	D.setopt(d->ctx, DIS_VERBOSITY, &verb);
	D.setopt(d->ctx, DIS_LOG_FILE_PATH, "/dev/null");
	D.setopt(d->ctx, DIS_VOLUME_OFFSET, &voff);
	if (D.initialize(d->ctx) != 0 ||
	    D.dislock(d->ctx, boot, 0, sizeof(boot)) <= 0 ||
	    memcmp(boot + 3, "NTFS    ", 8) != 0) {
		dis_close(d);
		return 0;
	}
	/* the NTFS boot sector's sector count (0x28), plus its backup sector */
	vsize = (le64(boot + 0x28) + 1) * le16(boot + 0x0b);
	if (vsize == 0 || vsize > size + 65536 * 512ull)
		vsize = size;
	if (!info->method[0])
		snprintf(info->method, sizeof(info->method), "unknown (read by dislocker)");
	snprintf(info->protectors[0].type, sizeof(info->protectors[0].type), "clear key");
	info->nprotectors = 1;
	info->locked = 0;
	info->size = vsize;
	return image_new(out, &dis_ops, d, vsize, image_path(outer), err) < 0 ? err->code : 1;
}

static const struct image_ops bde_ops = {
	.format = "bitlocker",
	.read = bde_read,
	.close = bde_close,
};

static const char *method_name(uint16_t m)
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

static const char *protector_name(uint16_t t)
{
	switch (t) {
	case 0x0000: return "clear key";
	case 0x0100: return "TPM";
	case 0x0200: return "startup key";
	case 0x0500: return "TPM and PIN";
	case 0x0800: return "recovery password";
	case 0x2000: return "password";
	default: return "unknown";
	}
}

/* The option that opens a protector of type t, or NULL (TPM). */
static const char *protector_option(uint16_t t)
{
	switch (t) {
	case 0x0200: return "--key-file";
	case 0x0800: return "--recovery-password";
	case 0x2000: return "--password";
	default: return NULL;
	}
}

static void guid_str(char *out, size_t n, const uint8_t g[16])
{
	snprintf(out, n, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 g[3], g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9],
		 g[10], g[11], g[12], g[13], g[14], g[15]);
}

/* Read what libbde shows of the metadata into info; the protector types
 * bitmask goes to *types (bit per protector_option). */
static void info_fill(struct bde_src *b, struct bde_info *info, char *opts,
		      size_t optslen)
{
	uint16_t m = 0;
	uint8_t g[16];
	int n = 0, i;

	if (B.volume_get_encryption_method(b->vol, &m, NULL) == 1)
		snprintf(info->method, sizeof(info->method), "%s", method_name(m));
	if (B.volume_get_volume_identifier(b->vol, g, sizeof(g), NULL) == 1)
		guid_str(info->volume_id, sizeof(info->volume_id), g);
	if (B.volume_get_utf8_description(b->vol, (uint8_t *)info->description,
					  sizeof(info->description), NULL) != 1)
		info->description[0] = 0;
	if (B.volume_get_number_of_key_protectors(b->vol, &n, NULL) != 1 || n < 0)
		n = 0;
	opts[0] = 0;
	for (i = 0; i < n && (unsigned)i < BDE_PROTECTORS_MAX; i++) {
		libbde_key_protector_t *kp = NULL;
		uint16_t t = 0xffff;
		const char *o;

		if (B.volume_get_key_protector(b->vol, i, &kp, NULL) != 1)
			continue;
		B.key_protector_get_type(kp, &t, NULL);
		snprintf(info->protectors[info->nprotectors].type,
			 sizeof(info->protectors[0].type), "%s", protector_name(t));
		if (B.key_protector_get_identifier(kp, g, sizeof(g), NULL) == 1)
			guid_str(info->protectors[info->nprotectors].id,
				 sizeof(info->protectors[0].id), g);
		info->nprotectors++;
		B.key_protector_free(&kp, NULL);
		o = protector_option(t);
		if (o && !strstr(opts, o)) {
			size_t l = strlen(opts);

			snprintf(opts + l, optslen - l, "%s%s", l ? " or " : "", o);
		}
	}
}

/* ---- the recovery password unwrapped here (nettle) ----
 * libbde 20190102 stretches a recovery password with its own SHA-256:
 * about a second of CPU per unlock, more than the scan of a small volume
 * (issue 20's "at most 2x").  For AES-XTS volumes we stretch it with
 * nettle (hardware SHA where the CPU has it), unwrap the VMK and the FVEK
 * (AES-CCM: the tag must match, so a wrong password is caught here too)
 * and hand libbde the FVEK.  Anything unexpected: 0, and libbde does it
 * its own way. */

/* Metadata entry at e (n bytes left): its size, or 0 when malformed. */
static size_t entry_size(const uint8_t *e, size_t n)
{
	size_t sz;

	if (n < 8)
		return 0;
	/* 0x00 */ sz = le16(e);
	return sz >= 8 && sz <= n ? sz : 0;
}

/* AES-CCM encrypted key entry e (size n) decrypted with key32; the key
 * entry inside: method and key bytes.  Returns the key length or 0. */
static size_t ccm_unwrap(const uint8_t *e, size_t n, const uint8_t key32[32],
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
		wipe(dst, sizeof(dst));
		wipe(&ctx, sizeof(ctx));
		return 0;
	}
	wipe(&ctx, sizeof(ctx));
	/* the key entry: 0x00 size, 0x08 method, 0x0c key */
	klen = le16(dst) >= 12 && le16(dst) <= clen ? le16(dst) - 12u : 0;
	if (klen != 16 && klen != 32 && klen != 64)
		klen = 0;
	*method = le32(dst + 8);
	if (klen)
		memcpy(out, dst + 12, klen);
	wipe(dst, sizeof(dst));
	return klen;
}

/* The FVEK behind recovery password pw, or 0 (not found, not AES-XTS, or
 * the password does not open it). */
static size_t recovery_fvek(struct image *outer, uint64_t offset, uint64_t size,
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
	    image_read(outer, offset, vh, sizeof(vh), &e) < 0 ||
	    memcmp(vh + 3, "-FVE-FS-", 8) != 0)
		return 0;
	/* 0xb0 */ moff = le64(vh + 0xb0);
	if (moff > size - 112)
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

		k = entry_size(en, msize - i);
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

				q = entry_size(pe, k - j);
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
	if (ccm_unwrap(vmk_ccm, vmk_n, st, &fmethod, vmk) == 32)
		len = ccm_unwrap(fvek_ccm, fvek_n, vmk, &fmethod, fvek);
	if (len && len != (method == 0x8004 ? 32u : 64u)) {
		wipe(fvek, 64);
		len = 0;
	}
	wipe(vmk, sizeof(vmk));
out:
	wipe(rk, sizeof(rk));
	wipe(st, sizeof(st));
	wipe(&c, sizeof(c));
	if (m)
		wipe(m, LIMIT_BDE_METADATA);
	free(m);
	return len;
}

/* Hand the stored secrets to libbde.  Returns the number given, <0 error. */
static int secrets_apply(struct bde_src *b, struct err *err)
{
	libbde_error_t *e = NULL;
	int given = 0;
	const char *v;

	if ((v = S.v[BDE_RECOVERY_PASSWORD]) && !S.v[BDE_FVEK]) {
		uint8_t key[64];
		size_t len = recovery_fvek(b->io.outer, b->io.offset, b->io.size, v, key);
		int rc = len ? B.volume_set_keys(b->vol, key, len, key + len, 0, &e) : 0;

		if (rc == 1) {
			memcpy(b->fvek, key, len);
			b->keylen = (unsigned)len;
		}
		wipe(key, sizeof(key));
		if (rc == 1)
			return 1;
		if (e)
			B.error_free(&e);
	}
	if ((v = S.v[BDE_RECOVERY_PASSWORD])) {
		if (B.volume_set_utf8_recovery_password(b->vol, (const uint8_t *)v,
							strlen(v), &e) != 1)
			return bde_err(err, -E_USAGE, "--recovery-password", &e);
		given++;
	}
	if ((v = S.v[BDE_PASSWORD])) {
		if (B.volume_set_utf8_password(b->vol, (const uint8_t *)v, strlen(v), &e) != 1)
			return bde_err(err, -E_USAGE, "--password", &e);
		given++;
	}
	if ((v = S.v[BDE_KEY_FILE])) {
		if (B.volume_read_startup_key(b->vol, v, &e) != 1)
			return bde_err(err, -E_USAGE, "--key-file: not a usable .BEK key file", &e);
		given++;
	}
	if ((v = S.v[BDE_FVEK])) {
		uint8_t key[64];
		size_t len = 0;
		int rc;

		if (fvek_parse(v, key, &len) < 0)
			return err_set(err, -E_USAGE, "--fvek: not hexadecimal");
		/* libbde 20190102 takes the FVEK as BitLocker stores it: for
		 * AES-XTS the key and the tweak key in one (32 bytes for XTS
		 * 128, 64 for XTS 256), with no separate tweak key; giving the
		 * halves apart makes it fail ("unable to determine volume
		 * size").  Measured with mkbde's volume (check_bde). */
		rc = B.volume_set_keys(b->vol, key, len, key + len, 0, &e);
		if (rc == 1 && (len == 32 || len == 64)) {
			memcpy(b->fvek, key, len);
			b->keylen = (unsigned)len;
		}
		wipe(key, sizeof(key));
		if (rc != 1)
			return bde_err(err, -E_USAGE, "--fvek", &e);
		given++;
	}
	return given;
}

/* The conversion state from the first FVE metadata block header (version
 * 2, Windows 7 and later): 0x0c current state, 0x0e the state it moves
 * to (1 decrypted, 2 switching, 4 encrypted, 5 switching paused: the
 * values libyal's document and dislocker name), 0x10 the bytes encrypted
 * so far.  libbde 20190102 does not expose them.  Metadata out of the
 * partition or of another version leaves info->state empty. */
static void state_read(struct image *outer, uint64_t offset, uint64_t size,
		       struct bde_info *info)
{
	uint8_t vh[512], mb[0x70];
	uint64_t moff;
	uint16_t cur, next;
	struct err e;

	err_init(&e);
	if (size < sizeof(vh) || image_read(outer, offset, vh, sizeof(vh), &e) < 0 ||
	    memcmp(vh + 3, "-FVE-FS-", 8) != 0)
		return;
	/* 0xb0 */ moff = le64(vh + 0xb0);
	if (moff > size - sizeof(mb) || size < sizeof(mb) ||
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
		/* 0x50 */ guid_str(info->volume_id, sizeof(info->volume_id), mb + 0x50);
		/* 0x64 */ snprintf(info->method, sizeof(info->method), "%s",
				    method_name(le16(mb + 0x64)));
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

int bde_open(struct image **out, struct bde_info *info, struct image *outer,
	     uint64_t offset, uint64_t size, struct err *err)
{
	struct bde_info scratch;
	struct bde_src *b;
	libbde_error_t *e = NULL;
	libbfio_error_t *fe = NULL;
	char opts[96];
	size64_t vsize = 0;
	int rc, given;

	*out = NULL;
	if (!info)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	info->locked = 1;
	state_read(outer, offset, size, info);
	rc = bde_load(err);
	if (rc < 0)
		return rc;
	b = calloc(1, sizeof(*b));
	if (!b)
		return err_set(err, -E_NOMEM, "out of memory");
	b->io.outer = outer;
	b->io.offset = offset;
	b->io.size = size;
	if (B.bfio_handle_initialize(&b->fh, (intptr_t *)&b->io, NULL, NULL,
				     io_open, io_close, io_read, io_write, io_seek,
				     io_exists, io_is_open, io_get_size, 0, &fe) != 1) {
		bde_src_free(b);
		return err_set(err, -E_INTERNAL, "BitLocker: cannot make a libbfio handle");
	}
	if (B.volume_initialize(&b->vol, &e) != 1) {
		rc = bde_err(err, -E_NOMEM, "BitLocker", &e);
		bde_src_free(b);
		return rc;
	}
	given = secrets_apply(b, err);
	if (given < 0) {
		bde_src_free(b);
		return given;
	}
	/* 1: open and unlocked; 0: open, but no key was found (locked). */
	rc = B.volume_open_file_io_handle(b->vol, b->fh, LIBBDE_OPEN_READ, &e);
	if (rc < 0) {
		char trace[2048] = "";

		yal_err_take(&e, B.error_backtrace_sprint, NULL, B.error_free, trace, sizeof(trace));
		B.volume_free(&b->vol, NULL);
		if (strstr(trace, "unsupported FVE metadata entry version") &&
		    (rc = dis_open_clear(out, info, outer, offset, size, err)) != 0) {
			bde_src_free(b);
			return rc < 0 ? rc : 0;
		}
		if (S.v[BDE_FVEK] && strstr(trace, "unable to determine volume size")) {
			rc = err_set(err, -E_USAGE,
				     "BitLocker volume is locked: the --fvek given does not decrypt it (no NTFS boot sector behind it)");
			/* libbde read no metadata: read it again with no key so
			 * that info still shows method, id and protectors */
			b->vol = NULL;
			if (B.volume_initialize(&b->vol, NULL) == 1 &&
			    B.volume_open_file_io_handle(b->vol, b->fh, LIBBDE_OPEN_READ, NULL) >= 0)
				info_fill(b, info, opts, sizeof(opts));
			else if (b->vol)
				B.volume_free(&b->vol, NULL);
		} else if (strstr(trace, "unsupported FVE metadata entry version"))
			rc = err_set(err, -E_UNSUPPORTED,
				     "BitLocker metadata of a version libbde 20190102 does not read (e.g. protection suspended, a clear key): decrypt it with dislocker-fuse, then scan the decrypted file");
		else
			rc = yal_err_trace(err, -E_CORRUPT, "BitLocker metadata", trace);
		bde_src_free(b);
		return rc;
	}
	info_fill(b, info, opts, sizeof(opts));
	if (rc == 0 || B.volume_is_locked(b->vol, NULL) != 0) {
		char prot[256] = "";
		unsigned i;

		for (i = 0; i < info->nprotectors; i++) {
			size_t l = strlen(prot);

			snprintf(prot + l, sizeof(prot) - l, "%s%s", i ? ", " : "",
				 info->protectors[i].type);
		}
		rc = err_set(err, -E_USAGE, "BitLocker volume is locked: %s; protectors: %s; open it with %s%s",
			     given ? "the secret given does not open it" : "no secret given",
			     prot[0] ? prot : "none readable",
			     opts[0] ? opts : "--fvek", opts[0] ? " (or --fvek)" : "");
		bde_src_free(b);
		return rc;
	}
	/* A volume larger than its partition (a truncated copy) is kept: reads
	 * past the partition's end fail, like any truncated image. */
	if (B.volume_get_size(b->vol, &vsize, &e) != 1 || vsize == 0) {
		rc = e ? bde_err(err, -E_CORRUPT, "BitLocker volume size", &e)
		       : err_set(err, -E_CORRUPT, "BitLocker volume size %llu does not fit its %llu-byte partition",
				 (unsigned long long)vsize, (unsigned long long)size);
		bde_src_free(b);
		return rc;
	}
	info->locked = 0;
	info->size = vsize;
	/* AES-XTS and the FVEK known: decrypt here (libbde has checked the
	 * key: it read the NTFS boot sector through it) */
	if (b->keylen && (strcmp(info->method, "AES-XTS 128-bit") == 0 ? b->keylen == 32 :
			  strcmp(info->method, "AES-XTS 256-bit") == 0 && b->keylen == 64) &&
	    geom_read(outer, offset, size, &b->g) == 0 && !getenv("VSSD_BDE_LIBBDE_READ")) {
		if (b->keylen == 32)
			xts_aes128_set_decrypt_key(&b->x128, b->fvek);
		else
			xts_aes256_set_decrypt_key(&b->x256, b->fvek);
		b->own = 1;
	}
	wipe(b->fvek, sizeof(b->fvek));
	return image_new(out, &bde_ops, b, vsize, image_path(outer), err);
}
