#define _GNU_SOURCE
#include "testutil.h"

#include "scenario.h"

#include <errno.h>
#include <fcntl.h>
#include <nettle/sha2.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

const char *tu_env(const char *name)
{
	const char *v = getenv(name);

	if (!v || !*v) {
		fprintf(stderr, "testutil: %s is not set (run the tests through make check)\n", name);
		abort();
	}
	return v;
}

char *tu_tmpdir(const char *tag)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s.%d", tu_env("VSSD_TMP"), tag, (int)getpid()) < 0)
		abort();
	tu_sh("rm -rf '%s' && mkdir -p '%s'", p, p);
	return p;
}

char *tu_sample(const char *rel)
{
	const char *dir = getenv("VSSD_SAMPLES");
	char *p = NULL;
	struct stat st;

	if (!dir || !*dir || asprintf(&p, "%s/%s", dir, rel) < 0)
		return NULL;
	if (stat(p, &st) < 0) {
		fprintf(stderr, "skip: sample %s is absent (../shared/samples not here)\n", rel);
		free(p);
		return NULL;
	}
	return p;
}

static void drain(int fd, char **buf, size_t *len, size_t *cap)
{
	char tmp[65536];
	ssize_t n = read(fd, tmp, sizeof(tmp));

	if (n <= 0)
		return;
	if (*len + (size_t)n + 1 > *cap) {
		*cap = (*len + (size_t)n + 1) * 2;
		*buf = realloc(*buf, *cap);
		if (!*buf)
			abort();
	}
	memcpy(*buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	(*buf)[*len] = '\0';
}

int tu_run(char *const argv[], int timeout_s, struct tu_run *r)
{
	int po[2], pe[2], st = 0;
	size_t ocap = 1, ecap = 1;
	pid_t pid;
	time_t end = time(NULL) + timeout_s;
	int open_o = 1, open_e = 1;

	memset(r, 0, sizeof(*r));
	r->out = calloc(1, 1);
	r->err = calloc(1, 1);
	if (pipe(po) < 0 || pipe(pe) < 0)
		return -1;
	pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		dup2(devnull, 0);
		dup2(po[1], 1);
		dup2(pe[1], 2);
		close(po[0]);
		close(pe[0]);
		execv(argv[0], argv);
		fprintf(stderr, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(po[1]);
	close(pe[1]);
	while (open_o || open_e) {
		struct pollfd fds[2] = { { open_o ? po[0] : -1, POLLIN, 0 },
					 { open_e ? pe[0] : -1, POLLIN, 0 } };
		int left = (int)(end - time(NULL));

		if (left <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		if (poll(fds, 2, left * 1000) <= 0)
			continue;
		if (open_o && (fds[0].revents & (POLLIN | POLLHUP))) {
			size_t before = r->out_len;
			drain(po[0], &r->out, &r->out_len, &ocap);
			if (r->out_len == before)
				open_o = 0;
		}
		if (open_e && (fds[1].revents & (POLLIN | POLLHUP))) {
			size_t before = r->err_len;
			drain(pe[0], &r->err, &r->err_len, &ecap);
			if (r->err_len == before)
				open_e = 0;
		}
	}
	close(po[0]);
	close(pe[0]);
	waitpid(pid, &st, 0);
	if (WIFEXITED(st))
		r->status = WEXITSTATUS(st);
	else if (WIFSIGNALED(st))
		r->status = 128 + WTERMSIG(st);
	return 0;
}

void tu_run_free(struct tu_run *r)
{
	free(r->out);
	free(r->err);
	memset(r, 0, sizeof(*r));
}

int tu_vssdoctor(struct tu_run *r, const char *arg, ...)
{
	char *argv[64];
	int n = 0;
	va_list ap;

	argv[n++] = (char *)tu_env("VSSD_BIN");
	va_start(ap, arg);
	for (const char *a = arg; a && n < 63; a = va_arg(ap, const char *))
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n] = NULL;
	return tu_run(argv, 300, r);
}

json_t *tu_scan_json(const char *source, struct tu_run *r)
{
	json_error_t je;
	json_t *root;

	tu_vssdoctor(r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"),
		     source, NULL);
	root = json_loads(r->out, 0, &je);
	ck_assert_msg(root != NULL, "exit %d, bad JSON (%s): %s", r->status, je.text, r->err);
	return root;
}

json_t *tu_normalise(const char *text)
{
	json_error_t je;
	json_t *d = json_loads(text, 0, &je);

	if (!d)
		return NULL;
	json_object_del(d, "source");
	json_object_del(d, "timing_ms");
	return d;
}

json_t *tu_scan_normalised(const char *img, int *status, char **err_out)
{
	struct tu_run r;
	json_t *d;

	tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"), img, NULL);
	*status = r.status;
	d = r.status == 2 ? NULL : tu_normalise(r.out);
	if (err_out)
		*err_out = strdup(r.err);
	tu_run_free(&r);
	return d;
}

void tu_assert_same_report(json_t *got, json_t *want, const char *name, const char *ref)
{
	char *a, *b;
	size_t k = 0;

	if (json_equal(got, want))
		return;
	a = json_dumps(got, JSON_COMPACT);
	b = json_dumps(want, JSON_COMPACT);
	while (a[k] && a[k] == b[k])
		k++;
	ck_abort_msg("%s%sreport differs from %s at byte %zu:\n  got  ...%.200s\n  want ...%.200s",
		     name ? name : "", name ? ": " : "", ref, k, a + (k > 60 ? k - 60 : 0),
		     b + (k > 60 ? k - 60 : 0));
}

json_t *tu_result(json_t *root, const char *id)
{
	const char *where[] = { "causes", "findings" };
	size_t i, k;
	json_t *v;

	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(root, where[k]), i, v)
			if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
				return v;
	ck_abort_msg("no result '%s'", id);
	return NULL;
}

const char *tu_status(json_t *root, const char *id)
{
	return json_string_value(json_object_get(tu_result(root, id), "status"));
}

char *tu_build(const char *tag, const char *text)
{
	struct err err;
	char *dir = tu_tmpdir(tag), *img = NULL;

	if (asprintf(&img, "%s/vol.img", dir) < 0)
		abort();
	free(dir);
	err_init(&err);
	ck_assert_msg(scenario_build(text, img, &err) == 0, "scenario: %s", err.msg);
	return img;
}

json_t *tu_scan_image(const char *img, int *status, ...)
{
	char *argv[64];
	struct tu_run r;
	json_error_t je;
	json_t *root;
	const char *a;
	int n = 0;
	va_list ap;

	argv[n++] = (char *)tu_env("VSSD_BIN");
	argv[n++] = (char *)"scan";
	argv[n++] = (char *)"--format";
	argv[n++] = (char *)"json";
	va_start(ap, status);
	while ((a = va_arg(ap, const char *)) && n < 60)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n++] = (char *)"--rules";
	argv[n++] = (char *)tu_env("VSSD_RULES");
	argv[n++] = (char *)img;
	argv[n] = NULL;
	ck_assert_int_eq(tu_run(argv, 300, &r), 0);
	root = json_loads(r.out, 0, &je);
	ck_assert_msg(root != NULL, "exit %d, bad JSON (%s): %s", r.status, je.text, r.err);
	if (status)
		*status = r.status;
	tu_run_free(&r);
	return root;
}

void tu_scan_run(const char *tag, const char *text, struct tu_scan *out)
{
	char *img = tu_build(tag, text);

	out->root = tu_scan_image(img, &out->status, NULL);
	free(img);
}

const char *tu_scan_status(const struct tu_scan *sc, const char *id)
{
	return tu_status(sc->root, id);
}

const char *tu_scan_summary(const struct tu_scan *sc, const char *id)
{
	return json_string_value(json_object_get(tu_result(sc->root, id), "summary"));
}

void tu_scan_assert(const struct tu_scan *sc, const char *id, const char *want)
{
	const char *st = tu_scan_status(sc, id);

	ck_assert_msg(st != NULL, "%s: no status", id);
	ck_assert_msg(strcmp(st, want) == 0, "%s: %s (want %s): %s", id, st, want,
		      tu_scan_summary(sc, id));
}

json_t *tu_scan_evidence(const struct tu_scan *sc, const char *id, const char *key,
			 const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(tu_result(sc->root, id), "evidence"), i, e) {
		const char *s = json_string_value(json_object_get(e, key));

		if (s && strcmp(s, value) == 0)
			return e;
	}
	return NULL;
}

json_t *tu_scan_must_evidence(const struct tu_scan *sc, const char *id, const char *key,
			      const char *value)
{
	json_t *e = tu_scan_evidence(sc, id, key, value);

	ck_assert_msg(e != NULL, "%s: no evidence with %s = '%s'", id, key, value);
	return e;
}

int tu_scan_fixes(const struct tu_scan *sc, const char *id, const char *text)
{
	size_t i;
	json_t *l;
	int n = 0;

	json_array_foreach(json_object_get(tu_result(sc->root, id), "remediation"), i, l)
		if (strstr(json_string_value(l), text))
			n++;
	return n;
}

void tu_scan_assert_fix(const struct tu_scan *sc, const char *id, const char *text)
{
	ck_assert_msg(tu_scan_fixes(sc, id, text) > 0, "%s: no remediation line with '%s'", id, text);
}

const char *tu_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s != NULL, "no string '%s'", key);
	return s;
}

long long tu_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "no integer '%s'", key);
	return (long long)json_integer_value(v);
}

json_t *tu_evidence(json_t *res, const char *kind, const char *path)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(res, "evidence"), i, e) {
		const char *k = json_string_value(json_object_get(e, "kind"));
		const char *p = json_string_value(json_object_get(e, "path"));

		if (k && strcmp(k, kind) == 0 && (!path || (p && strcmp(p, path) == 0)))
			return e;
	}
	return NULL;
}

int tu_has_warning(json_t *root, const char *part)
{
	size_t i;
	json_t *w;

	json_array_foreach(json_object_get(root, "warnings"), i, w)
		if (strstr(json_string_value(w), part))
			return 1;
	return 0;
}

int tu_array_has(json_t *arr, const char *text)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strstr(json_string_value(v), text))
			return 1;
	return 0;
}

unsigned long long tu_fault_count(const char *img, const char *var, const char *pattern,
				  int shadows, int timeout_s)
{
	char *argv[10];
	struct tu_run r;
	unsigned long long n;
	const char *p;
	int k = 0;

	if (var)
		setenv(var, "1", 1);
	argv[k++] = (char *)tu_env("VSSD_FAULT_BIN");
	argv[k++] = (char *)"scan";
	argv[k++] = (char *)"-v";
	if (shadows)
		argv[k++] = (char *)"--shadows";
	argv[k++] = (char *)"--rules";
	argv[k++] = (char *)tu_env("VSSD_RULES");
	argv[k++] = (char *)img;
	argv[k] = NULL;
	ck_assert_int_eq(tu_run(argv, timeout_s, &r), 0);
	if (var)
		unsetenv(var);
	p = strstr(r.err, pattern);
	ck_assert_msg(p != NULL, "no '%s' in: %s", pattern, r.err);
	n = strtoull(p + strlen(pattern), NULL, 10);
	tu_run_free(&r);
	return n;
}

void tu_fault_run(const char *img, const char *var, unsigned long long n, const char *format,
		  int shadows, int timeout_s)
{
	char val[32], *argv[10];
	struct tu_run r;
	int k = 0;

	snprintf(val, sizeof(val), "%llu", n);
	setenv(var, val, 1);
	argv[k++] = (char *)tu_env("VSSD_FAULT_BIN");
	argv[k++] = (char *)"scan";
	if (shadows)
		argv[k++] = (char *)"--shadows";
	argv[k++] = (char *)"--format";
	argv[k++] = (char *)format;
	argv[k++] = (char *)"--rules";
	argv[k++] = (char *)tu_env("VSSD_RULES");
	argv[k++] = (char *)img;
	argv[k] = NULL;
	/* sanitizer reports get their own exit codes, apart from ours; set
	 * only around these runs (fixtures run in the runner's process) */
	setenv("ASAN_OPTIONS", "exitcode=86:detect_leaks=1:fast_unwind_on_malloc=0", 1);
	setenv("UBSAN_OPTIONS", "halt_on_error=1:exitcode=87", 1);
	ck_assert_int_eq(tu_run(argv, timeout_s, &r), 0);
	unsetenv("ASAN_OPTIONS");
	unsetenv("UBSAN_OPTIONS");
	unsetenv(var);
	ck_assert_msg(r.status <= 3, "%s=%llu: exit %d\n%s", var, n, r.status, r.err);
	ck_assert_msg(!strstr(r.err, "Sanitizer") && !strstr(r.err, "runtime error"),
		      "%s=%llu: %s", var, n, r.err);
	if (r.status == 2) {
		char *nl = strchr(r.err, '\n');

		ck_assert_msg(strncmp(r.err, "vssdoctor: ", 11) == 0 && nl && !nl[1],
			      "%s=%llu: not one clean line: %s", var, n, r.err);
	}
	tu_run_free(&r);
}

size_t tu_unhex(const char *h, uint8_t *out, size_t size)
{
	size_t n = 0;
	unsigned v;

	while (h[0] && h[1] && n < size) {
		sscanf(h, "%2x", &v);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

char *tu_hex(const uint8_t *p, size_t n)
{
	char *s = malloc(2 * n + 1);
	size_t i;

	for (i = 0; i < n; i++)
		sprintf(s + 2 * i, "%02x", p[i]);
	s[2 * n] = '\0';
	return s;
}

void tu_assert_refused(const struct tu_bad *v, int rc, const char *msg)
{
	ck_assert_int_eq(rc, v->code);
	ck_assert_msg(strstr(msg, v->msg), "'%s': message '%s' lacks '%s'", v->in, msg, v->msg);
}

int tu_sha256_file(const char *path, char hex[65])
{
	struct sha256_ctx ctx;
	uint8_t d[SHA256_DIGEST_SIZE], buf[1 << 16];
	FILE *f = fopen(path, "rb");
	size_t n;
	int i;

	if (!f)
		return -1;
	sha256_init(&ctx);
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		sha256_update(&ctx, n, buf);
	fclose(f);
	sha256_digest(&ctx, sizeof(d), d);
	for (i = 0; i < SHA256_DIGEST_SIZE; i++)
		sprintf(hex + 2 * i, "%02x", d[i]);
	return 0;
}

int tu_write_file(const char *path, const void *buf, size_t len)
{
	FILE *f = fopen(path, "wb");
	int ok;

	if (!f)
		return -1;
	ok = fwrite(buf, 1, len, f) == len;
	return (fclose(f) == 0 && ok) ? 0 : -1;
}

char *tu_read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (n + 65536 + 1 > cap) {
			cap = (n + 65536 + 1) * 2;
			b = realloc(b, cap);
			if (!b)
				abort();
		}
		got = fread(b + n, 1, 65536, f);
		n += got;
	} while (got > 0);
	fclose(f);
	b[n] = '\0';
	if (len)
		*len = n;
	return b;
}

char *tu_which(const char *prog)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL, *full = NULL;

	if (!path)
		return NULL;
	copy = strdup(path);
	for (dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save)) {
		if (asprintf(&full, "%s/%s", dir, prog) < 0)
			break;
		if (access(full, X_OK) == 0)
			break;
		free(full);
		full = NULL;
	}
	free(copy);
	return full;
}

int tu_sh(const char *fmt, ...)
{
	char *cmd = NULL;
	va_list ap;
	int st;

	va_start(ap, fmt);
	if (vasprintf(&cmd, fmt, ap) < 0)
		abort();
	va_end(ap);
	st = system(cmd);
	free(cmd);
	if (st == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

/* Each container and partition table a recovery engineer receives, made
 * from a bare volume: `sh -c MAKE sh VOLUME STEM TOOLS`, the image is
 * STEM + ext (a raw disk STEM.raw may be left beside it). */
const struct tu_format tu_formats[] = {
	{ "mbr", "\"$3/mkdisk\" --mbr --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null", ".raw" },
	{ "mbr-logical", "\"$3/mkdisk\" --mbr --before-mib 100 --before-mib 8 --logical --volume \"$1\" --out \"$2.raw\" >/dev/null", ".raw" },
	{ "gpt-p3", "\"$3/mkdisk\" --gpt --before-mib 100 --before-mib 16 --volume \"$1\" --out \"$2.raw\" >/dev/null", ".raw" },
	{ "gpt-4k", "\"$3/mkdisk\" --gpt --sector-size 4096 --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null", ".raw" },
	{ "vhd-dynamic", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on \"$2.raw\" \"$2.vhd\"", ".vhd" },
	{ "vhd-fixed", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vpc -o subformat=fixed,force_size=on \"$2.raw\" \"$2.vhd\"", ".vhd" },
	{ "vhd-differencing", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vpc -o subformat=dynamic,force_size=on \"$2.raw\" \"$2-parent.vhd\" && "
	  "\"$3/mkdisk\" --vhd-diff \"$2-parent.vhd\" --parent-name \"$(basename \"$2\")-parent.vhd\" --out \"$2.vhd\" >/dev/null", ".vhd" },
	{ "vhdx-dynamic", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vhdx -o subformat=dynamic \"$2.raw\" \"$2.vhdx\"", ".vhdx" },
	{ "vhdx-fixed", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vhdx -o subformat=fixed \"$2.raw\" \"$2.vhdx\"", ".vhdx" },
	{ "e01", "\"$3/mkdisk\" --mbr --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "ewfacquire -u -q -t \"$2\" -f encase6 -c none -S 1GiB \"$2.raw\" >/dev/null 2>&1", ".E01" },
	{ "e01-split", "\"$3/mkdisk\" --mbr --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "ewfacquire -u -q -t \"$2\" -f encase6 -c none -S 40MiB \"$2.raw\" >/dev/null 2>&1 && test -f \"$2.E02\"", ".E01" },
	{ "vmdk", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vmdk \"$2.raw\" \"$2.vmdk\"", ".vmdk" },
	{ "vmdk-split", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O vmdk -o subformat=twoGbMaxExtentSparse \"$2.raw\" \"$2.vmdk\"", ".vmdk" },
	{ "qcow2", "\"$3/mkdisk\" --gpt --before-mib 100 --volume \"$1\" --out \"$2.raw\" >/dev/null && "
	  "qemu-img convert -q -f raw -O qcow2 \"$2.raw\" \"$2.qcow2\"", ".qcow2" },
};
const size_t tu_nformats = sizeof(tu_formats) / sizeof(tu_formats[0]);

const struct tu_format *tu_format_named(const char *name)
{
	size_t i;

	for (i = 0; i < tu_nformats; i++)
		if (strcmp(tu_formats[i].name, name) == 0)
			return &tu_formats[i];
	return NULL;
}

char *tu_wrap(const struct tu_format *f, const char *vol, const char *stem)
{
	char *img = NULL;

	if (tu_sh("sh -c '%s' sh '%s' '%s' '%s'", f->make, vol, stem, tu_env("VSSD_TOOLS")) != 0)
		return NULL;
	if (asprintf(&img, "%s%s", stem, f->ext) < 0)
		return NULL;
	return img;
}

/* ---- hives read back with libregf from memory ---------------------- */

int tu_regf_open(struct tu_regf *l, uint8_t *buf, size_t len)
{
	libbfio_error_t *be = NULL;
	libregf_error_t *re = NULL;

	memset(l, 0, sizeof(*l));
	if (libbfio_memory_range_initialize(&l->h, &be) != 1 ||
	    libbfio_memory_range_set(l->h, buf, len, &be) != 1) {
		libbfio_error_free(&be);
		return -1;
	}
	if (libregf_file_initialize(&l->f, &re) != 1 ||
	    libregf_file_open_file_io_handle(l->f, l->h, LIBREGF_OPEN_READ, &re) != 1) {
		libregf_error_fprint(re, stderr);
		libregf_error_free(&re);
		return -1;
	}
	return 0;
}

void tu_regf_close(struct tu_regf *l)
{
	if (l->f) {
		libregf_file_close(l->f, NULL);
		libregf_file_free(&l->f, NULL);
	}
	if (l->h)
		libbfio_handle_free(&l->h, NULL);
}

/* The key at path (relative to the root, "" = root) or NULL. */
libregf_key_t *tu_regf_key(struct tu_regf *l, const char *path)
{
	libregf_key_t *k = NULL;

	if (!*path) {
		if (libregf_file_get_root_key(l->f, &k, NULL) != 1)
			return NULL;
		return k;
	}
	if (libregf_file_get_key_by_utf8_path(l->f, (const uint8_t *)path,
					      strlen(path), &k, NULL) != 1)
		return NULL;
	return k;
}

libregf_value_t *tu_regf_value(struct tu_regf *l, const char *path, const char *name)
{
	libregf_key_t *k = tu_regf_key(l, path);
	libregf_value_t *v = NULL;

	if (!k)
		return NULL;
	if (!*name) {
		/* the default value: the one whose name is empty */
		int i, n = 0;
		size_t size;

		libregf_key_get_number_of_values(k, &n, NULL);
		for (i = 0; i < n && !v; i++) {
			if (libregf_key_get_value(k, i, &v, NULL) != 1)
				break;
			size = 1;
			if (libregf_value_get_utf8_name_size(v, &size, NULL) != 1 || size > 1)
				libregf_value_free(&v, NULL);
		}
	} else if (libregf_key_get_value_by_utf8_name(k, (const uint8_t *)name,
						      strlen(name), &v, NULL) != 1) {
		v = NULL;
	}
	libregf_key_free(&k, NULL);
	return v;
}

/* REG_SZ/EXPAND_SZ text (malloc'd) or NULL. */
char *tu_regf_sz(struct tu_regf *l, const char *path, const char *name, uint32_t *type)
{
	libregf_value_t *v = tu_regf_value(l, path, name);
	size_t size = 0;
	char *s = NULL;

	if (!v)
		return NULL;
	if (type)
		libregf_value_get_value_type(v, type, NULL);
	if (libregf_value_get_value_utf8_string_size(v, &size, NULL) == 1 && size) {
		s = malloc(size);
		if (libregf_value_get_value_utf8_string(v, (uint8_t *)s, size, NULL) != 1) {
			free(s);
			s = NULL;
		}
	}
	libregf_value_free(&v, NULL);
	return s;
}

int tu_regf_dword(struct tu_regf *l, const char *path, const char *name, uint32_t *out)
{
	libregf_value_t *v = tu_regf_value(l, path, name);
	int ok;

	if (!v)
		return -1;
	ok = libregf_value_get_value_32bit(v, out, NULL) == 1;
	libregf_value_free(&v, NULL);
	return ok ? 0 : -1;
}

/* The value's raw data (malloc'd) or NULL. */
uint8_t *tu_regf_data(struct tu_regf *l, const char *path, const char *name, size_t *len)
{
	libregf_value_t *v = tu_regf_value(l, path, name);
	uint8_t *d = NULL;

	*len = 0;
	if (!v)
		return NULL;
	if (libregf_value_get_value_data_size(v, len, NULL) == 1) {
		d = malloc(*len ? *len : 1);
		if (*len && libregf_value_get_value_data(v, d, *len, NULL) != 1) {
			free(d);
			d = NULL;
		}
	}
	libregf_value_free(&v, NULL);
	return d;
}

int tu_regf_has_key(struct tu_regf *l, const char *path)
{
	libregf_key_t *k = tu_regf_key(l, path);

	if (!k)
		return 0;
	libregf_key_free(&k, NULL);
	return 1;
}

int tu_regf_nsub(struct tu_regf *l, const char *path)
{
	libregf_key_t *k = tu_regf_key(l, path);
	int n = -1;

	if (!k)
		return -1;
	libregf_key_get_number_of_sub_keys(k, &n, NULL);
	libregf_key_free(&k, NULL);
	return n;
}
