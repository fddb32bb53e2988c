/* Whole-buffer positional I/O for the fixture writers (fixture_io.h). */
#define _GNU_SOURCE
#include "fixture_io.h"

#include <errno.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* One loop for both directions: a short count goes on from where it
 * stopped; reading past the end is an error, as the callers need all. */
static int io_all(int fd, uint8_t *p, size_t len, uint64_t off, int writing, struct err *err)
{
	while (len > 0) {
		ssize_t n = writing ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || (n == 0 && !writing))
			return err_set(err, -E_IO, "%s at %llu: %s", writing ? "write" : "read",
				       (unsigned long long)off, n < 0 ? strerror(errno) : "end of file");
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

int fixture_pwrite(int fd, const void *buf, size_t len, uint64_t off, struct err *err)
{
	return io_all(fd, (uint8_t *)(uintptr_t)buf, len, off, 1, err);
}

int fixture_pread(int fd, void *buf, size_t len, uint64_t off, struct err *err)
{
	return io_all(fd, buf, len, off, 0, err);
}
