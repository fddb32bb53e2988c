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
#include "bde_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbde.h>

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

/* ---- the libbfio handle over our image ---- */

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
	bde_lend_free(b);
	bde_wipe(b, sizeof(*b));
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

static int bde_read(void *priv, uint64_t off, void *buf, size_t len,
		    struct err *err)
{
	struct bde_src *b = priv;
	libbde_error_t *e = NULL;
	uint8_t *p = buf;

	if (b->own)
		return bde_own_read(b, off, buf, len, err);
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

static const uint8_t *bde_borrow(void *priv, uint64_t off, size_t len)
{
	return bde_lend_get(priv, off, len);
}

/* The outer image's mapping lost pages: what was decrypted from them is
 * not the volume either. */
static int bde_damaged(void *priv)
{
	return image_damaged(((struct bde_src *)priv)->io.outer);
}

static const struct image_ops bde_ops = {
	.format = "bitlocker",
	.read = bde_read,
	.close = bde_close,
	.borrow = bde_borrow,
	.damaged = bde_damaged,
};

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

/* Read what libbde shows of the metadata into info; the protector types
 * bitmask goes to *types (bit per protector_option). */
static void info_fill(struct bde_src *b, struct bde_info *info, char *opts,
		      size_t optslen)
{
	uint16_t m = 0;
	uint8_t g[16];
	int n = 0, i;

	if (B.volume_get_encryption_method(b->vol, &m, NULL) == 1)
		snprintf(info->method, sizeof(info->method), "%s", bde_method_name(m));
	if (B.volume_get_volume_identifier(b->vol, g, sizeof(g), NULL) == 1)
		bde_guid_str(info->volume_id, sizeof(info->volume_id), g);
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
			bde_guid_str(info->protectors[info->nprotectors].id,
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

static int secrets_apply(struct bde_src *b, struct err *err)
{
	libbde_error_t *e = NULL;
	enum bde_secret which;
	int given = 0;
	const char *v;

	/* the FVEK unwrapped here and given to libbde: one fast stretch
	 * (bde_unwrap.c); else libbde is given the secrets themselves */
	for (which = BDE_RECOVERY_PASSWORD; which <= BDE_KEY_FILE && !bde_secret_value(BDE_FVEK);
	     which++) {
		uint8_t key[64];
		size_t len;
		int rc;

		if (!(v = bde_secret_value(which)))
			continue;
		len = bde_fvek_unwrap(b->io.outer, b->io.offset, b->io.size, which, v, key);
		rc = len ? B.volume_set_keys(b->vol, key, len, key + len, 0, &e) : 0;
		if (rc == 1) {
			memcpy(b->fvek, key, len);
			b->keylen = (unsigned)len;
		}
		bde_wipe(key, sizeof(key));
		if (rc == 1)
			return 1;
		if (e)
			B.error_free(&e);
	}
	if ((v = bde_secret_value(BDE_RECOVERY_PASSWORD))) {
		if (B.volume_set_utf8_recovery_password(b->vol, (const uint8_t *)v,
							strlen(v), &e) != 1)
			return bde_err(err, -E_USAGE, "--recovery-password", &e);
		given++;
	}
	if ((v = bde_secret_value(BDE_PASSWORD))) {
		if (B.volume_set_utf8_password(b->vol, (const uint8_t *)v, strlen(v), &e) != 1)
			return bde_err(err, -E_USAGE, "--password", &e);
		given++;
	}
	if ((v = bde_secret_value(BDE_KEY_FILE))) {
		if (B.volume_read_startup_key(b->vol, v, &e) != 1)
			return bde_err(err, -E_USAGE, "--key-file: not a usable .BEK key file", &e);
		given++;
	}
	if ((v = bde_secret_value(BDE_FVEK))) {
		uint8_t key[64];
		size_t len = 0;
		int rc;

		if (bde_fvek_parse(v, key, &len) < 0)
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
		bde_wipe(key, sizeof(key));
		if (rc != 1)
			return bde_err(err, -E_USAGE, "--fvek", &e);
		given++;
	}
	return given;
}

/* The locked volume's one line: whether a secret was given, the
 * protectors (info) and the options that would open it (opts, from
 * info_fill).  Returns -E_USAGE. */
static int locked_error(const struct bde_info *info, const char *opts, int given, struct err *err)
{
	char prot[256] = "";
	unsigned i;

	for (i = 0; i < info->nprotectors; i++) {
		size_t l = strlen(prot);

		snprintf(prot + l, sizeof(prot) - l, "%s%s", i ? ", " : "",
			 info->protectors[i].type);
	}
	return err_set(err, -E_USAGE, "BitLocker volume is locked: %s; protectors: %s; open it with %s%s",
		       given ? "the secret given does not open it" : "no secret given",
		       prot[0] ? prot : "none readable",
		       opts[0] ? opts : "--fvek", opts[0] ? " (or --fvek)" : "");
}

/* libbde refused the volume with the key given and read no metadata: read
 * it again with no key, so that info still shows method, id and
 * protectors (and opts the options that would open it). */
static void reread_keyless(struct bde_src *b, struct bde_info *info, char *opts, size_t n)
{
	b->vol = NULL;
	if (B.volume_initialize(&b->vol, NULL) == 1 &&
	    B.volume_open_file_io_handle(b->vol, b->fh, LIBBDE_OPEN_READ, NULL) >= 0)
		info_fill(b, info, opts, n);
	else if (b->vol)
		B.volume_free(&b->vol, NULL);
}

int bde_open(struct image **out, struct bde_info *info, struct image *outer,
	     uint64_t offset, uint64_t size, struct err *err)
{
	struct bde_info scratch;
	struct bde_src *b;
	libbde_error_t *e = NULL;
	libbfio_error_t *fe = NULL;
	char opts[96] = "";
	size64_t vsize = 0;
	int rc, given;

	*out = NULL;
	if (!info)
		info = &scratch;
	memset(info, 0, sizeof(*info));
	info->locked = 1;
	bde_state_read(outer, offset, size, info);
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
		    (rc = bde_dis_open_clear(out, info, outer, offset, size, err)) != 0) {
			bde_src_free(b);
			return rc < 0 ? rc : 0;
		}
		if (bde_secret_value(BDE_FVEK) && strstr(trace, "unable to determine volume size")) {
			rc = err_set(err, -E_USAGE,
				     "BitLocker volume is locked: the --fvek given does not decrypt it (no NTFS boot sector behind it)");
			reread_keyless(b, info, opts, sizeof(opts));
		} else if (bde_secret_value(BDE_KEY_FILE) && strstr(trace, "missing startup key volume master key")) {
			/* a .BEK of another volume: libbde stops at the
			 * metadata instead of calling the volume locked */
			reread_keyless(b, info, opts, sizeof(opts));
			rc = locked_error(info, opts, 1, err);
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
		rc = locked_error(info, opts, given, err);
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
	    bde_geom_read(outer, offset, size, &b->g) == 0 && !getenv("VSSD_BDE_LIBBDE_READ")) {
		if (b->keylen == 32)
			xts_aes128_set_decrypt_key(&b->x128, b->fvek);
		else
			xts_aes256_set_decrypt_key(&b->x256, b->fvek);
		b->own = 1;
		bde_lend_new(b, vsize);
	}
	bde_wipe(b->fvek, sizeof(b->fvek));
	return image_new(out, &bde_ops, b, vsize, image_path(outer), err);
}

