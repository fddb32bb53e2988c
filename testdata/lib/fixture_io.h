/* Whole-buffer positional I/O for the fixture writers (disk, VHDX). */
#ifndef VSSD_FIXTURE_IO_H
#define VSSD_FIXTURE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Write (read) all len bytes at off, retrying on EINTR and short counts;
 * 0, or -E_IO with "write at OFF: why" ("read at OFF: why", end of file
 * included). */
int fixture_pwrite(int fd, const void *buf, size_t len, uint64_t off, struct err *err);
int fixture_pread(int fd, void *buf, size_t len, uint64_t off, struct err *err);

#endif
