/* The service model over the registry collector, and service binaries on
 * the volume (DOMAIN.md cause 2). */
#define _GNU_SOURCE
#include "services.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "windir.h"

#include "limits.h"
#include "secdesc.h"
#include "svcpath.h"

const char *svc_start_name(uint32_t start)
{
	static const char *const names[] = { "boot", "system", "auto", "demand", "disabled" };

	return start < 5 ? names[start] : "unknown";
}

int svc_is_driver(const struct svc *s)
{
	return s->has_type && (s->type & SVC_TYPE_DRIVER_MASK) &&
	       !(s->type & SVC_TYPE_WIN32_MASK);
}

void svc_release(struct svc *s)
{
	if (!s)
		return;
	free(s->image_path);
	free(s->service_dll);
	free(s->object_name);
	free(s->display_name);
	reg_strv_free(s->depends);
	free(s->sd);
	memset(s, 0, sizeof(*s));
}

static void note_bad(struct svc *s, const char *what, const struct err *e)
{
	size_t l = strlen(s->bad);

	snprintf(s->bad + l, sizeof(s->bad) - l, "%s%s: %s", l ? "; " : "", what, e->msg);
}

/* A string value into *dst; a decode error goes to s->bad, a read error
 * is returned. */
/* After a value read (rc, its error e): a value that does not decode
 * goes to s->bad and is 0; another failure is returned in err. */
static int value_read(struct svc *s, const char *name, int rc,
		      const struct err *e, struct err *err)
{
	if (rc == -E_CORRUPT) {
		note_bad(s, name, e);
		return 0;
	}
	if (rc < 0)
		*err = *e;
	return rc;
}

static int get_str(struct svc *s, struct hkey *k, const char *name,
		   char **dst, struct err *err)
{
	struct err e;
	int rc;

	err_init(&e);
	rc = hkey_get_string(k, name, dst, &e);
	return rc < 0 ? value_read(s, name, rc, &e, err) : 0;
}

static int get_dword(struct svc *s, struct hkey *k, const char *name,
		     uint32_t *dst, int *has, struct err *err)
{
	struct err e;
	int rc;

	err_init(&e);
	rc = hkey_get_dword(k, name, dst, &e);
	if (rc < 0)
		return value_read(s, name, rc, &e, err);
	*has = rc == 1;
	return 0;
}

static int load_sd(struct svc *s, struct hkey *k, struct err *err)
{
	struct hkey *sk = NULL;
	struct reg_value v;
	struct err e;
	int rc;

	err_init(&e);
	rc = hkey_subkey(k, "Security", &sk, &e);
	if (rc == 0)
		return 0;
	if (rc > 0)
		rc = hkey_value(sk, "Security", &v, &e);
	hkey_free(sk);
	if (rc < 0) {
		snprintf(s->sd_error, sizeof(s->sd_error), "%.250s", e.msg);
		return 0;
	}
	if (rc == 0)
		return 0;
	if (secdesc_is_stub(v.data, v.len)) {
		s->sd_state = SVC_SD_STUB;
		reg_value_release(&v);
		return 0;
	}
	if (v.len == 0) {
		/* an empty value: no descriptor either */
		s->sd_state = SVC_SD_ABSENT;
		reg_value_release(&v);
		return 0;
	}
	if (v.len > LIMIT_SD_SIZE) {
		snprintf(s->sd_error, sizeof(s->sd_error),
			 "%zu bytes, over LIMIT_SD_SIZE", v.len);
		reg_value_release(&v);
		return 0;
	}
	s->sd_state = SVC_SD_PRESENT;
	s->sd = v.data;
	s->sd_len = v.len;
	(void)err;
	return 0;
}

int svc_load_key(struct hkey *k, const char *cs, const char *name,
		 struct svc *s, struct err *err)
{
	struct hkey *pk = NULL;
	struct err e;
	int rc;

	memset(s, 0, sizeof(*s));
	snprintf(s->name, sizeof(s->name), "%s", name);
	snprintf(s->key, sizeof(s->key), "%s\\Services\\%s", cs, name);
	if ((rc = get_dword(s, k, "Type", &s->type, &s->has_type, err)) < 0 ||
	    (rc = get_dword(s, k, "Start", &s->start, &s->has_start, err)) < 0 ||
	    (rc = get_str(s, k, "ImagePath", &s->image_path, err)) < 0 ||
	    (rc = get_str(s, k, "ObjectName", &s->object_name, err)) < 0 ||
	    (rc = get_str(s, k, "DisplayName", &s->display_name, err)) < 0)
		goto fail;
	err_init(&e);
	rc = hkey_get_multi(k, "DependOnService", &s->depends, &s->ndepends, &e);
	if (rc == -E_CORRUPT || rc == -E_LIMIT) {
		note_bad(s, "DependOnService", &e);
	} else if (rc < 0) {
		*err = e;
		goto fail;
	}
	/* svchost reads Parameters\ServiceDll, older builds ServiceDll on
	 * the service key itself */
	err_init(&e);
	rc = hkey_subkey(k, "Parameters", &pk, &e);
	if (rc < 0) {
		*err = e;
		goto fail;
	}
	if (rc == 1) {
		rc = get_str(s, pk, "ServiceDll", &s->service_dll, err);
		hkey_free(pk);
		if (rc < 0)
			goto fail;
		if (s->service_dll)
			snprintf(s->dll_value, sizeof(s->dll_value), "Parameters\\ServiceDll");
	}
	if (!s->service_dll) {
		if ((rc = get_str(s, k, "ServiceDll", &s->service_dll, err)) < 0)
			goto fail;
		if (s->service_dll)
			snprintf(s->dll_value, sizeof(s->dll_value), "ServiceDll");
	}
	load_sd(s, k, err);
	return 1;
fail:
	svc_release(s);
	return err_wrap(err, "service '%s'", name);
}

int svc_load(struct hive *sys, const char *cs, const char *name,
	     struct svc *out, struct err *err)
{
	char path[400];
	struct hkey *k = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	if (strlen(name) > 255 || strchr(name, '\\'))
		return 0;
	snprintf(path, sizeof(path), "%s\\Services\\%s", cs, name);
	rc = hive_key(sys, path, &k, err);
	if (rc <= 0)
		return rc;
	/* the key's own spelling, for the report */
	{
		char real[256];
		struct err e;

		err_init(&e);
		if (hkey_name(k, real, sizeof(real), &e) < 0 || !real[0])
			snprintf(real, sizeof(real), "%s", name);
		rc = svc_load_key(k, cs, real, out, err);
	}
	hkey_free(k);
	return rc;
}

struct walk {
	const char *cs;
	svc_fn fn;
	void *ctx;
	unsigned *unreadable;
};

static int walk_one(void *ctx, struct hkey *sub, const char *name)
{
	struct walk *w = ctx;
	struct svc s;
	struct err e;
	int rc;

	err_init(&e);
	rc = svc_load_key(sub, w->cs, name, &s, &e);
	if (rc < 0) {
		memset(&s, 0, sizeof(s));
		snprintf(s.name, sizeof(s.name), "%s", name);
		snprintf(s.key, sizeof(s.key), "%s\\Services\\%s", w->cs, name);
		snprintf(s.bad, sizeof(s.bad), "%.250s", e.msg);
		s.unreadable = 1;
		if (w->unreadable)
			(*w->unreadable)++;
	}
	rc = w->fn(w->ctx, &s);
	svc_release(&s);
	return rc;
}

/* The services of one control set, read once per hive (issue 22: four
 * checks walk them all, and libregf reads a key slowly): every key as
 * walk_one loads it, then how the walk ended (0, or the error after the
 * last key read).  Replaying it calls fn as the walk would have. */
#define SVC_CACHE_MAX 16384u          /* more services: walk each time */

struct svc_list {
	char cs[64];
	struct svc *v;
	size_t n, cap;
	int rc;                      /* how the walk ended */
	struct err err;
};

static const char svc_cache_owner[] = "services";

static void svc_list_free(void *p)
{
	struct svc_list *l = p;
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->n; i++)
		svc_release(&l->v[i]);
	free(l->v);
	free(l);
}

static int collect_one(void *ctx, struct hkey *sub, const char *name)
{
	struct svc_list *l = ctx;
	struct svc *s;
	struct err e;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 256;
		struct svc *v = realloc(l->v, cap * sizeof(*v));

		if (!v)
			return -E_NOMEM;
		l->v = v;
		l->cap = cap;
	}
	s = &l->v[l->n];
	err_init(&e);
	if (svc_load_key(sub, l->cs, name, s, &e) < 0) {
		memset(s, 0, sizeof(*s));
		snprintf(s->name, sizeof(s->name), "%s", name);
		snprintf(s->key, sizeof(s->key), "%s\\Services\\%s", l->cs, name);
		snprintf(s->bad, sizeof(s->bad), "%.250s", e.msg);
		s->unreadable = 1;
	}
	l->n++;
	return 0;
}

/* The cached list for cs, read now when it is not; NULL when it cannot
 * be kept (too many services, out of memory): the caller walks. */
static struct svc_list *svc_list_get(struct hive *sys, struct hkey *k, const char *cs)
{
	struct svc_list *l = hive_cache_get(sys, svc_cache_owner);
	unsigned count = 0;
	struct err e;

	if (l && strcmp(l->cs, cs) == 0)
		return l;
	err_init(&e);
	if (hkey_subkey_count(k, &count, &e) < 0 || count > SVC_CACHE_MAX)
		return NULL;
	l = calloc(1, sizeof(*l));
	if (!l)
		return NULL;
	snprintf(l->cs, sizeof(l->cs), "%s", cs);
	err_init(&l->err);
	l->rc = hkey_foreach_subkey(k, collect_one, l, &l->err);
	if (l->rc == -E_NOMEM && !l->err.msg[0]) {
		/* our own list ran out, not the walk: no cache */
		svc_list_free(l);
		return NULL;
	}
	hive_cache_set(sys, svc_cache_owner, l, svc_list_free);
	return l;
}

int svc_foreach(struct hive *sys, const char *cs, svc_fn fn, void *ctx,
		unsigned *unreadable, struct err *err)
{
	char path[64];
	struct hkey *k = NULL;
	struct walk w = { cs, fn, ctx, unreadable };
	struct svc_list *l;
	size_t i;
	int rc;

	snprintf(path, sizeof(path), "%s\\Services", cs);
	rc = hive_key(sys, path, &k, err);
	if (rc < 0)
		return err_wrap(err, "%s", path);
	if (rc == 0)
		return err_set(err, -E_NOTFOUND, "no %s key", path);
	l = svc_list_get(sys, k, cs);
	if (!l) {
		rc = hkey_foreach_subkey(k, walk_one, &w, err);
		hkey_free(k);
		return rc < 0 ? err_wrap(err, "%s", path) : rc;
	}
	hkey_free(k);
	for (i = 0, rc = 0; i < l->n && rc == 0; i++) {
		if (l->v[i].unreadable && unreadable)
			(*unreadable)++;
		rc = fn(ctx, &l->v[i]);
	}
	if (rc == 0 && l->rc < 0) {
		*err = l->err;
		rc = l->rc;
	}
	return rc < 0 ? err_wrap(err, "%s", path) : rc;
}

/* "C:\Windows" -> "Windows" and 'C' (windir.h's one helper; an empty
 * folder is the default "Windows", a missing letter C:) */
static void split_root(const char *systemroot, char *folder, size_t size,
		       char *drive)
{
	windir_split(systemroot ? systemroot : "C:\\Windows", drive, folder, size);
	if (!*drive)
		*drive = 'C';
	if (!folder[0])
		snprintf(folder, size, "Windows");
}

/* Look value up with the Windows folder folder on fs (drive letter
 * sysdrive); a path on another letter goes to that volume of s (none
 * when s is NULL). */
static int bin_check(struct fs *fs, const struct evidence *ev, const char *folder,
		     char sysdrive, const char *value, struct svc_bin *out,
		     struct err *err)
{
	char drive;
	struct fs_stat st;
	struct err e;
	size_t fl;
	int rc;

	memset(out, 0, sizeof(*out));
	err_init(&e);
	rc = svcpath_normalize(value, folder, out->path, sizeof(out->path), &e);
	if (rc < 0) {
		out->state = SVC_BIN_UNCHECKED;
		snprintf(out->why, sizeof(out->why), "cannot resolve offline: %.200s", e.msg);
		snprintf(out->display, sizeof(out->display), "%s", value);
		return 0;
	}
	drive = svcpath_drive(value);
	fl = strlen(folder);
	if ((!drive || drive == sysdrive) &&
	    strncasecmp(out->path, folder, fl) == 0 && out->path[fl] == '\\')
		snprintf(out->display, sizeof(out->display), "%%SystemRoot%%%s", out->path + fl);
	else
		snprintf(out->display, sizeof(out->display), "%c:\\%s", drive ? drive : sysdrive, out->path);
	if (drive && drive != sysdrive) {
		struct fs *other = NULL;

		out->drive = drive;
		if (!ev) {
			out->state = SVC_BIN_UNCHECKED;
			snprintf(out->why, sizeof(out->why), "on drive %c:, not the system volume", drive);
			return 0;
		}
		err_init(&e);
		rc = evidence_volume_fs(ev, drive, &other, &e);
		if (rc <= 0) {
			out->state = SVC_BIN_UNCHECKED;
			snprintf(out->why, sizeof(out->why), "unknown: %.200s (drive %c:)", e.msg, drive);
			return 0;
		}
		fs = other;
	}
	err_init(&e);
	rc = fs_stat(fs, out->path, &st, &e);
	if (rc < 0 && out->drive) {
		/* another volume that cannot be read does not fail the check */
		out->state = SVC_BIN_UNCHECKED;
		snprintf(out->why, sizeof(out->why), "unknown: %.200s (drive %c:)", e.msg, drive);
		return 0;
	}
	if (rc < 0) {
		*err = e;
		return err_wrap(err, "'%s'", out->path);
	}
	out->state = rc == 1 && !st.is_dir ? SVC_BIN_FOUND : SVC_BIN_MISSING;
	if (out->state == SVC_BIN_MISSING) {
		/* "svchost -k rpcss" (XP): CreateProcess adds ".exe" to a
		 * name without an extension */
		const char *base = strrchr(out->path, '\\');
		size_t n = strlen(out->path);

		base = base ? base + 1 : out->path;
		if (!strchr(base, '.') && n + 5 <= sizeof(out->path)) {
			memcpy(out->path + n, ".exe", 5);
			err_init(&e);
			rc = fs_stat(fs, out->path, &st, &e);
			if (rc == 1 && !st.is_dir) {
				out->state = SVC_BIN_FOUND;
				n = strlen(out->display);
				if (n + 5 <= sizeof(out->display))
					memcpy(out->display + n, ".exe", 5);
			} else {
				out->path[n] = '\0';
			}
		}
	}
	return 0;
}

int svc_bin_check(struct fs *fs, const char *systemroot, const char *value,
		  struct svc_bin *out, struct err *err)
{
	char folder[LIMIT_WINDIR_LEN], sysdrive;

	split_root(systemroot, folder, sizeof(folder), &sysdrive);
	return bin_check(fs, NULL, folder, sysdrive, value, out, err);
}

int svc_bin_check_scan(const struct evidence *ev, const char *value, struct svc_bin *out,
		       struct err *err)
{
	char folder[LIMIT_WINDIR_LEN], sysdrive;

	split_root(evidence_system_root(ev), folder, sizeof(folder), &sysdrive);
	/* the folder as it is on the volume ("WINNT"), whatever case
	 * SystemRoot wrote it in */
	snprintf(folder, sizeof(folder), "%s", evidence_windir(ev));
	return bin_check(ev->fs, ev, folder, sysdrive, value, out, err);
}

int svc_svchost_group(const char *image_path, const char *systemroot,
		      char *buf, size_t size)
{
	char path[1024], folder[260], drive;
	const char *base, *p, *args;
	struct err e;

	if (size)
		buf[0] = '\0';
	if (!image_path)
		return 0;
	split_root(systemroot, folder, sizeof(folder), &drive);
	err_init(&e);
	if (svcpath_normalize(image_path, folder, path, sizeof(path), &e) < 0)
		return 0;
	base = strrchr(path, '\\');
	base = base ? base + 1 : path;
	if (strcasecmp(base, "svchost.exe") != 0 && strcasecmp(base, "svchost") != 0)
		return 0;
	/* the arguments start after "svchost[.exe]" (quoted or not) */
	args = strcasestr(image_path, "svchost");
	if (!args)
		return 0;
	args += strlen("svchost");
	if (strncasecmp(args, ".exe", 4) == 0)
		args += 4;
	if (*args == '"')
		args++;
	for (p = args; *p; ) {
		const char *tok, *end;

		while (*p == ' ' || *p == '\t')
			p++;
		tok = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
		end = p;
		if ((end - tok) == 2 && (tok[0] == '-' || tok[0] == '/') &&
		    (tok[1] == 'k' || tok[1] == 'K')) {
			size_t n;

			while (*p == ' ' || *p == '\t')
				p++;
			tok = p;
			while (*p && *p != ' ' && *p != '\t')
				p++;
			n = (size_t)(p - tok);
			if (n && tok[0] == '"' && tok[n - 1] == '"' && n >= 2) {
				tok++;
				n -= 2;
			}
			if (n == 0 || n >= size)
				return 0;
			memcpy(buf, tok, n);
			buf[n] = '\0';
			return 1;
		}
	}
	return 0;
}
