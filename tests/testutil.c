#define _GNU_SOURCE
#include "testutil.h"

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
