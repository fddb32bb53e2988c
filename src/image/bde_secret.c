/* BitLocker secrets: taken from the options, files and environment,
 * checked for shape, held in one place, zeroed at exit (bde.h). */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"

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

void bde_wipe(void *p, size_t n)
{
	volatile unsigned char *q = p;

	while (n--)
		*q++ = 0;
}

static void secret_drop(char **p)
{
	if (*p) {
		bde_wipe(*p, strlen(*p));
		free(*p);
		*p = NULL;
	}
}

const char *bde_secret_value(enum bde_secret which)
{
	return which < BDE_SECRET_COUNT ? S.v[which] : NULL;
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

int bde_fvek_parse(const char *s, uint8_t *key, size_t *len)
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
		bde_wipe(buf, sizeof(buf));
		err_set(err, -E_USAGE, "--%s-file: '%s': first line longer than %u bytes",
			opt, path, BDE_SECRET_MAX);
		return NULL;
	}
	r = strdup(buf);
	bde_wipe(buf, sizeof(buf));
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

		if (bde_fvek_parse(v, key, &len) < 0)
			rc = err_set(err, -E_USAGE,
				     "--fvek: not 32, 64 or 128 hexadecimal digits (FVEK, or FVEK then tweak key)");
		bde_wipe(key, sizeof(key));
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

