/* Writing TARGET: a qcow2 overlay backed by SOURCE (`qemu-img create -b`),
 * bytes written into it at disk offsets (`qemu-io write -s`); or a sparse
 * raw copy of SOURCE read through our image layer (--copy, E01 too)
 * written with pwrite, as SOURCE itself is with --in-place. */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "image.h"

/* Run argv with stdout to /dev/null; its exit status, 127 not found, 128
 * killed, -1 no fork. */
int run_quiet(const char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", 0);

		if (fd >= 0) {
			dup2(fd, 1);
			close(fd);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Write len bytes at disk offset off of the qcow2 TARGET. */
int overlay_write(const char *target, uint64_t off, const uint8_t *data,
		  size_t len, struct err *err)
{
	char tmp[] = "/tmp/vssdoctor-repair-XXXXXX", cmd[128];
	int fd = mkstemp(tmp), rc;
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "wb")))
		return err_set(err, -E_IO, "temporary file: %s", strerror(errno));
	rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	if (fclose(f) != 0 || rc < 0) {
		unlink(tmp);
		return err_set(err, -E_IO, "temporary file: %s", strerror(errno));
	}
	snprintf(cmd, sizeof(cmd), "write -s %s %llu %zu", tmp, (unsigned long long)off, len);
	{
		const char *argv[] = { "qemu-io", "-f", "qcow2", "-c", cmd, target, NULL };

		rc = run_quiet(argv);
	}
	unlink(tmp);
	if (rc != 0)
		return err_set(err, -E_IO, "qemu-io could not write %zu bytes at %llu into '%s' (exit %d)",
			       len, (unsigned long long)off, target, rc);
	return 0;
}

/* qemu's name of our image format when qemu can back an overlay with it,
 * else NULL (e01). */
const char *qemu_format(const char *fmt)
{
	if (strcmp(fmt, "raw") == 0 || strcmp(fmt, "qcow2") == 0 || strcmp(fmt, "qcow") == 0 ||
	    strcmp(fmt, "vmdk") == 0 || strcmp(fmt, "vhdx") == 0)
		return fmt;
	if (strcmp(fmt, "vhd") == 0)
		return "vpc";
	return NULL;
}

/* qemu-img create -f qcow2 -b abs_src -F qfmt target; 0 or -1 (said). */
int overlay_create(const char *target, const char *abs_src, const char *qfmt)
{
	const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", abs_src,
			       "-F", qfmt, target, NULL };

	if (run_quiet(argv) != 0) {
		fprintf(stderr, "vssdoctor: qemu-img could not create the overlay '%s'\n", target);
		return -1;
	}
	return 0;
}

/* Write len bytes at off of a raw image or block device (--copy's
 * TARGET, --in-place's SOURCE), synced. */
static int raw_write(const char *target, uint64_t off, const uint8_t *data, size_t len,
		     struct err *err)
{
	int fd = open(target, O_WRONLY | O_CLOEXEC);
	size_t done = 0;

	if (fd < 0)
		return err_set(err, -E_IO, "'%s': %s", target, strerror(errno));
	while (done < len) {
		ssize_t n = pwrite(fd, data + done, len - done, (off_t)(off + done));

		if (n <= 0) {
			int e = n < 0 ? errno : ENOSPC;

			close(fd);
			return err_set(err, -E_IO, "'%s': writing %zu bytes at %llu: %s", target,
				       len, (unsigned long long)off, strerror(e));
		}
		done += (size_t)n;
	}
	if (fsync(fd) < 0 || close(fd) < 0)
		return err_set(err, -E_IO, "'%s': %s", target, strerror(errno));
	return 0;
}

int target_write(const char *target, int raw, uint64_t off, const uint8_t *data,
		 size_t len, struct err *err)
{
	return raw ? raw_write(target, off, data, len, err) :
		     overlay_write(target, off, data, len, err);
}

#define COPY_CHUNK (1u << 20)

static int all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

int target_copy_sparse(struct image *img, const char *target, struct err *err)
{
	uint64_t size = image_size(img), off;
	uint8_t *buf = malloc(COPY_CHUNK);
	int fd = buf ? open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644) : -1;
	int rc = 0;

	if (!buf)
		return err_set(err, -E_NOMEM, "out of memory");
	if (fd < 0) {
		free(buf);
		return err_set(err, -E_IO, "'%s': %s", target, strerror(errno));
	}
	for (off = 0; off < size && rc == 0; off += COPY_CHUNK) {
		size_t n = size - off < COPY_CHUNK ? (size_t)(size - off) : COPY_CHUNK, done = 0;

		if (image_read(img, off, buf, n, err) < 0) {
			rc = err_wrap(err, "reading the source at %llu", (unsigned long long)off);
			break;
		}
		if (all_zero(buf, n))
			continue;                /* a hole */
		while (done < n && rc == 0) {
			ssize_t w = pwrite(fd, buf + done, n - done, (off_t)(off + done));

			if (w <= 0)
				rc = err_set(err, -E_IO, "'%s': %s", target, strerror(w < 0 ? errno : ENOSPC));
			else
				done += (size_t)w;
		}
	}
	if (rc == 0 && (ftruncate(fd, (off_t)size) < 0 || fsync(fd) < 0))
		rc = err_set(err, -E_IO, "'%s': %s", target, strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = err_set(err, -E_IO, "'%s': %s", target, strerror(errno));
	if (rc < 0)
		unlink(target);
	free(buf);
	return rc;
}

int repair_target_open(struct image **img, const char *target, int raw, const char *abs_src,
		       struct err *err)
{
	return raw ? image_open(img, target, err) : image_qcow_overlay(img, target, abs_src, err);
}
