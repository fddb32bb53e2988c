/* Which sectors a VHD or VHDX differencing file holds itself, read here
 * rather than through libvhdi (vhdi_priv.h says why). */
#define _GNU_SOURCE
#include "vhdi_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libvhdi.h>

#include "bytes.h"
#include "limits.h"

int vhd_diff_bitmap(struct vhd_diff *d, uint64_t b, struct err *err)
{
	uint8_t ent[4];
	uint32_t sector;

	if (d->cached_block == (int64_t)b)
		return 0;
	d->cached_block = -1;
	if (b >= d->bat_entries)
		return err_set(err, -E_CORRUPT, "VHD block %llu is outside the BAT",
			       (unsigned long long)b);
	if (pread(d->fd, ent, 4, (off_t)(d->bat_offset + 4 * b)) != 4)
		return err_set(err, -E_IO, "VHD BAT entry %llu: %s",
			       (unsigned long long)b, strerror(errno));
	sector = be32(ent);
	d->cached_present = sector != 0xffffffffu;
	if (d->cached_present &&
	    pread(d->fd, d->bitmap, d->bitmap_size, (off_t)sector * 512) !=
	    (ssize_t)d->bitmap_size)
		return err_set(err, -E_CORRUPT, "VHD block %llu: sector bitmap at sector %u cannot be read",
			       (unsigned long long)b, sector);
	d->cached_block = (int64_t)b;
	return 0;
}

/* d for the VHDX differencing file at path, open as fd (taken). */
static int vhdx_diff_open(struct vhd_diff *d, int fd, const char *path,
			  struct err *err)
{
	int rc;

	d->vhdx = calloc(1, sizeof(*d->vhdx));
	if (!d->vhdx) {
		close(fd);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	rc = vhdx_read_info(path, d->vhdx, err);
	if (rc < 0) {
		close(fd);
		return rc;
	}
	if (!d->vhdx->has_parent || d->vhdx->chunk_ratio == 0) {
		/* a chain member that is not differencing: libvhdi reads it */
		free(d->vhdx);
		d->vhdx = NULL;
		close(fd);
		return 0;
	}
	d->fd = fd;
	d->cached_block = -1;
	return 0;
}

int vhd_diff_open(struct vhd_diff *d, const char *path,
		  uint64_t media_size, struct err *err)
{
	uint8_t foot[512], dyn[1024];
	struct stat st;
	uint64_t dyn_off, nblocks;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0 && pread(fd, foot, 8, 0) == 8 && memcmp(foot, "vhdxfile", 8) == 0)
		return vhdx_diff_open(d, fd, path, err);
	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size < 512 + 1024 ||
	    pread(fd, foot, sizeof(foot), st.st_size - 512) != (ssize_t)sizeof(foot) ||
	    memcmp(foot, "conectix", 8) != 0 ||
	    /* 0x3C disk type */ be32(foot + 0x3c) != LIBVHDI_DISK_TYPE_DIFFERENTIAL) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	/* 0x10 data offset: the dynamic disk header */
	dyn_off = be64(foot + 0x10);
	if (dyn_off > (uint64_t)st.st_size - sizeof(dyn) ||
	    pread(fd, dyn, sizeof(dyn), (off_t)dyn_off) != (ssize_t)sizeof(dyn) ||
	    memcmp(dyn, "cxsparse", 8) != 0) {
		close(fd);
		return err_set(err, -E_CORRUPT, "VHD dynamic disk header not found");
	}
	d->bat_offset = be64(dyn + 0x10);      /* 0x10 table offset */
	d->bat_entries = be32(dyn + 0x1c);     /* 0x1C max table entries */
	d->block_size = be32(dyn + 0x20);      /* 0x20 block size */
	if (d->block_size < 512 || d->block_size > LIMIT_VHD_BLOCK_SIZE ||
	    (d->block_size & (d->block_size - 1)) != 0) {
		close(fd);
		return err_set(err, -E_CORRUPT, "VHD block size %u is not a power of two in 512..LIMIT_VHD_BLOCK_SIZE",
			       d->block_size);
	}
	nblocks = (media_size + d->block_size - 1) / d->block_size;
	if (d->bat_offset > (uint64_t)st.st_size ||
	    (uint64_t)d->bat_entries * 4 > (uint64_t)st.st_size - d->bat_offset) {
		close(fd);
		return err_set(err, -E_CORRUPT, "VHD BAT (%u entries at %llu) is past the end of the file",
			       d->bat_entries, (unsigned long long)d->bat_offset);
	}
	if (d->bat_entries < nblocks) {
		close(fd);
		return err_set(err, -E_CORRUPT, "VHD BAT has %u entries for %llu blocks",
			       d->bat_entries, (unsigned long long)nblocks);
	}
	d->bitmap_size = (d->block_size / 512 / 8 + 511) / 512 * 512;
	d->bitmap = malloc(d->bitmap_size);
	if (!d->bitmap) {
		close(fd);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	d->fd = fd;
	d->cached_block = -1;
	return 0;
}
