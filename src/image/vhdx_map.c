/* Reading a VHDX straight from a read-only mapping (vhdx_map.h).
 *
 * Used only where the answer cannot differ from libvhdi's: a disk
 * without a parent, no log to replay (LogGuid zero), a block size that
 * is a power of two, and a BAT whose payload entries are all "not
 * present" or "zero" (read as zeros) or "fully present" with the whole
 * block inside the file ([MS-VHDX] 2.5.1.1).  Anything else (partially
 * present, undefined or unmapped blocks, a block past the end of the
 * file) leaves the disk to libvhdi.  The mapping is guarded like a raw
 * image's (image_map.c). */
#define _GNU_SOURCE
#include "vhdx_map.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bytes.h"
#include "image_map.h"

#define MIB (1024u * 1024u)

struct vhdx_map {
	int fd, slot;
	const uint8_t *map;
	uint64_t file_size, virtual_size;
	uint32_t block_size;
	uint64_t chunk_ratio;
	uint64_t nblocks;
	uint64_t *where;             /* per payload block: file offset, or 0
					for zeros (a block never lies at 0: the
					file starts with its headers) */
};

int vhdx_map_open(struct vhdx_map **out, const char *path,
		  const struct vhdx_info *info, uint64_t media_size,
		  struct err *err)
{
	struct vhdx_map *m;
	struct stat st;
	uint64_t b;

	*out = NULL;
	if (getenv("VSSD_NO_MMAP") || info->has_parent || info->log_pending ||
	    info->chunk_ratio == 0 || info->block_size < MIB ||
	    (info->block_size & (info->block_size - 1)) ||
	    info->virtual_size != media_size || media_size == 0)
		return 0;
	m = calloc(1, sizeof(*m));
	if (!m)
		return err_set(err, -E_NOMEM, "out of memory");
	m->slot = -1;
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0 || fstat(m->fd, &st) < 0 || !S_ISREG(st.st_mode))
		goto no;
	m->file_size = (uint64_t)st.st_size;
	m->virtual_size = info->virtual_size;
	m->block_size = info->block_size;
	m->chunk_ratio = info->chunk_ratio;
	m->nblocks = (m->virtual_size + m->block_size - 1) / m->block_size;
	/* 2.5: payload block b's entry is b + b / chunk_ratio */
	if ((m->nblocks - 1) + (m->nblocks - 1) / m->chunk_ratio >= info->bat_length / 8 ||
	    info->bat_offset > m->file_size || info->bat_length > m->file_size - info->bat_offset)
		goto no;
	m->where = calloc(m->nblocks ? m->nblocks : 1, sizeof(*m->where));
	if (!m->where) {
		vhdx_map_close(m);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	m->map = image_map_file(m->fd, m->file_size, &m->slot);
	if (!m->map)
		goto no;
	for (b = 0; b < m->nblocks; b++) {
		uint64_t e = le64(m->map + info->bat_offset + 8 * (b + b / m->chunk_ratio));
		uint64_t at = (e >> 20) * MIB;     /* 2.5.1: FileOffsetMB, bits 20-63 */

		switch (e & 7) {
		case VHDX_PAYLOAD_NOT_PRESENT:
		case VHDX_PAYLOAD_ZERO:
			m->where[b] = 0;
			break;
		case VHDX_PAYLOAD_FULLY_PRESENT:
			if (at == 0 || at > m->file_size || m->block_size > m->file_size - at)
				goto no;
			m->where[b] = at;
			break;
		default:
			goto no;
		}
	}
	*out = m;
	return 1;
no:
	vhdx_map_close(m);
	return 0;
}

int vhdx_map_read(struct vhdx_map *m, uint64_t off, void *buf, size_t len,
		  struct err *err)
{
	uint8_t *p = buf;

	(void)err;
	while (len > 0) {
		uint64_t b = off / m->block_size, in = off % m->block_size;
		size_t n = m->block_size - in < len ? (size_t)(m->block_size - in) : len;

		if (m->where[b])
			memcpy(p, m->map + m->where[b] + in, n);
		else
			memset(p, 0, n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

const uint8_t *vhdx_map_borrow(struct vhdx_map *m, uint64_t off, size_t len)
{
	uint64_t b = off / m->block_size, last = (off + len - 1) / m->block_size, k;

	if (!m->where[b])
		return NULL;
	/* blocks that follow each other in the file as on the disk */
	for (k = b + 1; k <= last; k++)
		if (m->where[k] != m->where[k - 1] + m->block_size)
			return NULL;
	return m->map + m->where[b] + off % m->block_size;
}

int vhdx_map_damaged(const struct vhdx_map *m)
{
	return image_map_damaged(m->slot);
}

void vhdx_map_close(struct vhdx_map *m)
{
	if (!m)
		return;
	image_unmap_file(m->map, m->file_size, m->slot);
	if (m->fd >= 0)
		close(m->fd);
	free(m->where);
	free(m);
}
