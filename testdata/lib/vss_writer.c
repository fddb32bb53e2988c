/* VSS writer for fixtures (vss_writer.h).  Layouts after libyal's "Volume
 * Shadow Snapshot (VSS) format" document (sections "Volume header",
 * "Catalog", "Store"); offsets are relative to the start of the volume. */
#define _GNU_SOURCE
#include "vss_writer.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/volume.h>

#define BS VSS_WRITER_BLOCK           /* VSS block: 16 KiB */
#define HDR 128u                      /* store block header */
#define LIST_PER_BLOCK ((BS - HDR) / 32u)   /* 508 descriptors */
#define RANGES_PER_BLOCK ((BS - HDR) / 24u) /* 677 ranges */
#define BITS_PER_BLOCK ((BS - HDR) * 8u)    /* 130048 volume blocks */
#define ENTRIES_PER_CATALOG ((BS - HDR) / 128u) /* 127 entries */
#define VOLUME_HEADER_OFFSET 0x1e00u

static const uint8_t vss_id[16] = {
	0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
	0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52,
};

struct state {
	char *path;
	int fd;
	uint64_t filetime;
	uint64_t *saved;              /* blocks of this state unlike the next */
	size_t n;
};

struct vss_writer {
	char *path;
	int fd;
	uint64_t size, nblocks;       /* nblocks: whole blocks in the volume */
	uint8_t *used;                /* per block: in use or not zero in a state */
	unsigned nstates;
	struct state states[VSS_WRITER_MAX_STORES];
};

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)v); put16(p + 2, (uint16_t)(v >> 16)); }
static void put64(uint8_t *p, uint64_t v) { put32(p, (uint32_t)v); put32(p + 4, (uint32_t)(v >> 32)); }

static int w_errno(struct err *err, const char *what, const char *path)
{
	return err_set(err, -E_IO, "%s '%s': %s", what, path, strerror(errno));
}

/* Move all len bytes at off, one loop for both directions; 0, or -1 with
 * errno set (EIO when the file ends first). */
static int io_at(int fd, uint64_t off, uint8_t *p, size_t len, int writing)
{
	while (len > 0) {
		ssize_t n = writing ? pwrite(fd, p, len, (off_t)off) : pread(fd, p, len, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			return -1;
		}
		p += n;
		off += (uint64_t)n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_at(int fd, uint64_t off, void *buf, size_t len)
{
	return io_at(fd, off, buf, len, 0);
}

static int write_at(int fd, uint64_t off, const void *buf, size_t len)
{
	return io_at(fd, off, (uint8_t *)(uintptr_t)buf, len, 1);
}

static int all_zero(const uint8_t *p, size_t n)
{
	return n == 0 || (p[0] == 0 && memcmp(p, p + 1, n - 1) == 0);
}

/* Mark the blocks holding clusters in use in $Bitmap of the volume file at
 * path, and the blocks not all zeros in fd. */
static int note_used(struct vss_writer *w, const char *path, int fd,
		     struct err *err)
{
	ntfs_volume *vol;
	uint8_t *bm, *blk;
	s64 len, got, c;
	uint64_t b;
	int rc = 0;

	ntfs_log_set_handler(ntfs_log_handler_null);
	vol = ntfs_mount(path, NTFS_MNT_RDONLY);
	if (!vol)
		return w_errno(err, "mount", path);
	len = vol->lcnbmp_na->data_size;
	bm = malloc(len > 0 ? (size_t)len : 1);
	blk = malloc(BS);
	if (!bm || !blk) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	got = ntfs_attr_pread(vol->lcnbmp_na, 0, len, bm);
	if (got != len) {
		rc = w_errno(err, "read $Bitmap", path);
		goto out;
	}
	for (c = 0; c < vol->nr_clusters && c / 8 < len; c++) {
		if (!(bm[c / 8] & (1u << (c % 8))))
			continue;
		b = ((uint64_t)c << vol->cluster_size_bits) / BS;
		if (b < w->nblocks)
			w->used[b] = 1;
	}
	for (b = 0; b < w->nblocks; b++) {
		if (w->used[b])
			continue;
		if (read_at(fd, b * BS, blk, BS) < 0) {
			rc = w_errno(err, "read", path);
			goto out;
		}
		if (!all_zero(blk, BS))
			w->used[b] = 1;
	}
out:
	free(bm);
	free(blk);
	ntfs_umount(vol, FALSE);
	return rc;
}

static int open_sized(const char *path, int flags, uint64_t *size,
		      struct err *err)
{
	struct stat st;
	int fd = open(path, flags);

	if (fd < 0 || fstat(fd, &st) < 0) {
		int rc = w_errno(err, "open", path);

		if (fd >= 0)
			close(fd);
		return rc;
	}
	*size = (uint64_t)st.st_size;
	return fd;
}

int vss_writer_new(struct vss_writer **out, const char *live, struct err *err)
{
	struct vss_writer *w = calloc(1, sizeof(*w));
	int fd;

	*out = NULL;
	if (!w || !(w->path = strdup(live))) {
		free(w);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	w->fd = -1;
	fd = open_sized(live, O_RDWR, &w->size, err);
	if (fd < 0) {
		vss_writer_free(w);
		return fd;
	}
	w->fd = fd;
	w->nblocks = w->size / BS;
	if (w->nblocks < 16) {
		vss_writer_free(w);
		return err_set(err, -E_USAGE, "'%s': volume too small for shadow copies", live);
	}
	w->used = calloc(w->nblocks, 1);
	if (!w->used) {
		vss_writer_free(w);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	*out = w;
	return 0;
}

int vss_writer_add_state(struct vss_writer *w, const char *state,
			 uint64_t filetime, struct err *err)
{
	struct state *s;
	uint64_t size = 0;
	int fd;

	if (w->nstates == VSS_WRITER_MAX_STORES)
		return err_set(err, -E_LIMIT, "more than %d shadow copies", VSS_WRITER_MAX_STORES);
	if (filetime == 0 ||
	    (w->nstates && filetime <= w->states[w->nstates - 1].filetime))
		return err_set(err, -E_USAGE, "'%s': shadow copies must be given oldest first", state);
	fd = open_sized(state, O_RDONLY, &size, err);
	if (fd < 0)
		return fd;
	if (size != w->size) {
		close(fd);
		return err_set(err, -E_USAGE, "'%s': %llu bytes, the live volume %llu", state,
			       (unsigned long long)size, (unsigned long long)w->size);
	}
	s = &w->states[w->nstates];
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->filetime = filetime;
	s->path = strdup(state);
	w->nstates++;
	if (!s->path)
		return err_set(err, -E_NOMEM, "out of memory");
	return note_used(w, state, fd, err);
}

/* The blocks of state i unlike state i+1 (or the live volume). */
static int diff_state(struct vss_writer *w, unsigned i, uint8_t *a, uint8_t *b,
		      struct err *err)
{
	struct state *s = &w->states[i];
	int next = i + 1 < w->nstates ? w->states[i + 1].fd : w->fd;
	size_t cap = 0;
	uint64_t k;

	for (k = 0; k < w->nblocks; k++) {
		if (read_at(s->fd, k * BS, a, BS) < 0)
			return w_errno(err, "read", s->path);
		if (read_at(next, k * BS, b, BS) < 0)
			return w_errno(err, "read", w->path);
		if (memcmp(a, b, BS) == 0)
			continue;
		if (s->n == cap) {
			uint64_t *ns;

			cap = cap ? cap * 2 : 64;
			ns = realloc(s->saved, cap * sizeof(*ns));
			if (!ns)
				return err_set(err, -E_NOMEM, "out of memory");
			s->saved = ns;
		}
		s->saved[s->n++] = k;
	}
	return 0;
}

/* Free blocks for the metadata, taken from the end of the volume down:
 * blocks no state uses (never block 0: the boot sector and the VSS volume
 * header; nor the last: the backup boot sector). */
struct alloc {
	struct vss_writer *w;
	uint64_t next;               /* next candidate, going down */
};

static int alloc_block(struct alloc *a, uint64_t *off)
{
	while (a->next > 1) {
		uint64_t b = --a->next;

		if (!a->w->used[b]) {
			a->w->used[b] = 1;
			*off = b * BS;
			return 0;
		}
	}
	return -1;
}

static void block_header(uint8_t *blk, uint32_t type, uint64_t rel,
			 uint64_t cur, uint64_t next)
{
	memset(blk, 0, BS);
	memcpy(blk, vss_id, 16);           /* 0x00 VSS identifier */
	put32(blk + 0x10, 1);              /* 0x10 version */
	put32(blk + 0x14, type);           /* 0x14 record type */
	put64(blk + 0x18, rel);            /* 0x18 relative offset */
	put64(blk + 0x20, cur);            /* 0x20 current offset */
	put64(blk + 0x28, next);           /* 0x28 next offset, 0 = last */
}

/* A time-based GUID for store i (fixed, so fixtures are reproducible),
 * stored as Windows does: Data1..3 little endian.  kind 0 gives the store
 * identifiers "5d0c00NN-8722-11e9-9178-525400123450" (NN = i + 1). */
static void make_guid(uint8_t g[16], uint32_t kind, unsigned i)
{
	put32(g, 0x5d0c0000u + kind * 0x100u + i + 1);
	put16(g + 4, 0x8722);
	put16(g + 6, 0x11e9);
	g[8] = 0x91; g[9] = 0x78;
	g[10] = 0x52; g[11] = 0x54; g[12] = 0x00; g[13] = 0x12; g[14] = 0x34;
	g[15] = (uint8_t)(0x50 + kind);
}

static int cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* UTF-16LE of an ASCII string at p; returns the bytes written. */
static size_t put_utf16(uint8_t *p, const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		put16(p + 2 * i, (uint8_t)s[i]);
	return 2 * i;
}

/* Store i: header, block list, range list, bitmap, data; off[] gets the
 * offsets for the catalog: header, list, ranges, bitmap, allocated size. */
static int write_store(struct vss_writer *w, struct alloc *a, unsigned i,
		       struct vss_writer_layout *lay, uint8_t *blk,
		       uint64_t off[5], struct err *err)
{
	struct state *s = &w->states[i];
	size_t nlist = s->n ? (s->n + LIST_PER_BLOCK - 1) / LIST_PER_BLOCK : 1;
	size_t nbitmap = (size_t)((w->nblocks + BITS_PER_BLOCK - 1) / BITS_PER_BLOCK);
	uint64_t *list = calloc(nlist, sizeof(*list));
	uint64_t *bitmap = calloc(nbitmap, sizeof(*bitmap));
	uint64_t *data = calloc(s->n ? s->n : 1, sizeof(*data));
	uint64_t header, ranges, data_rel = (uint64_t)(3 + nlist + nbitmap) * BS;
	uint8_t g[16];
	size_t k, j, m;
	int rc;

	if (!list || !bitmap || !data) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	rc = err_set(err, -E_LIMIT, "'%s': no free space for store %u", w->path, i + 1);
	if (alloc_block(a, &header) < 0)
		goto out;
	for (k = 0; k < nlist; k++)
		if (alloc_block(a, &list[k]) < 0)
			goto out;
	if (alloc_block(a, &ranges) < 0)
		goto out;
	for (k = 0; k < nbitmap; k++)
		if (alloc_block(a, &bitmap[k]) < 0)
			goto out;
	for (k = 0; k < s->n; k++)
		if (alloc_block(a, &data[k]) < 0)
			goto out;
	/* the store's data runs up the volume as its relative offsets do */
	qsort(data, s->n, sizeof(*data), cmp_u64);
	err_init(err);
	rc = w_errno(err, "write", w->path);

	/* store header (record type 4) and the store information after it */
	block_header(blk, 4, 0, header, 0);
	make_guid(g, 1, i);
	memcpy(blk + HDR + 0x00, g, 16);   /* +0x00 unknown identifier */
	make_guid(g, 2, i);
	memcpy(blk + HDR + 0x10, g, 16);   /* +0x10 shadow copy identifier */
	make_guid(g, 3, i);
	memcpy(blk + HDR + 0x20, g, 16);   /* +0x20 shadow copy set identifier */
	put32(blk + HDR + 0x30, 0);        /* +0x30 snapshot context: backup */
	put32(blk + HDR + 0x38, 0x0042000du); /* +0x38 attribute flags: persistent,
					    * client accessible, no auto release,
					    * differential, autorecover */
	m = 0x40;
	j = put_utf16(blk + HDR + m + 2, "vssdoctor-fixture");
	put16(blk + HDR + m, (uint16_t)j); /* +0x40 operating machine */
	m += 2 + j;
	j = put_utf16(blk + HDR + m + 2, "vssdoctor-fixture");
	put16(blk + HDR + m, (uint16_t)j); /* service machine */
	m += 2 + j;
	put64(blk + 0x30, m);              /* 0x30 size of store information */
	if (write_at(w->fd, header, blk, BS) < 0)
		goto out;

	/* block list (record type 3): original offset -> store data */
	for (k = 0; k < nlist; k++) {
		block_header(blk, 3, (uint64_t)(1 + k) * BS, list[k],
			     k + 1 < nlist ? list[k + 1] : 0);
		for (j = 0; j < LIST_PER_BLOCK; j++) {
			size_t d = k * LIST_PER_BLOCK + j;
			uint8_t *e = blk + HDR + j * 32;

			if (d >= s->n)
				break;
			put64(e + 0x00, s->saved[d] * BS);     /* original offset */
			put64(e + 0x08, data_rel + d * BS);    /* relative store offset */
			put64(e + 0x10, data[d]);              /* store data offset */
			put32(e + 0x18, 0);                    /* flags */
			put32(e + 0x1c, 0);                    /* allocation bitmap */
		}
		if (write_at(w->fd, list[k], blk, BS) < 0)
			goto out;
	}

	/* block range list (record type 5): the runs of store data */
	block_header(blk, 5, (uint64_t)(1 + nlist) * BS, ranges, 0);
	for (k = 0, j = 0; k < s->n && j < RANGES_PER_BLOCK; j++) {
		uint8_t *e = blk + HDR + j * 24;
		size_t run = 1;

		while (k + run < s->n && data[k + run] == data[k] + run * BS)
			run++;
		put64(e + 0x00, data[k]);                    /* store offset */
		put64(e + 0x08, data_rel + k * BS);          /* relative */
		put64(e + 0x10, (uint64_t)run * BS);         /* size */
		k += run;
	}
	if (write_at(w->fd, ranges, blk, BS) < 0)
		goto out;

	/* current bitmap (record type 6): a set bit is a block not in use by
	 * the store; none is set, so libvshadow zero-fills nothing */
	for (k = 0; k < nbitmap; k++) {
		block_header(blk, 6, (uint64_t)(2 + nlist + k) * BS, bitmap[k],
			     k + 1 < nbitmap ? bitmap[k + 1] : 0);
		if (write_at(w->fd, bitmap[k], blk, BS) < 0)
			goto out;
	}

	/* store data: the blocks of state i */
	for (k = 0; k < s->n; k++) {
		if (read_at(s->fd, s->saved[k] * BS, blk, BS) < 0) {
			rc = w_errno(err, "read", s->path);
			goto out;
		}
		if (write_at(w->fd, data[k], blk, BS) < 0)
			goto out;
	}

	off[0] = header;
	off[1] = list[0];
	off[2] = ranges;
	off[3] = bitmap[0];
	off[4] = (uint64_t)(3 + nlist + nbitmap + s->n) * BS;
	if (lay) {
		lay->store[i].header = header;
		lay->store[i].block_list = list[0];
		lay->store[i].range_list = ranges;
		lay->store[i].bitmap = bitmap[0];
		lay->store[i].data = s->n ? data[0] : 0;
		lay->store[i].blocks = (unsigned)s->n;
	}
	err_init(err);
	rc = 0;
out:
	free(list);
	free(bitmap);
	free(data);
	return rc;
}

static int write_catalog(struct vss_writer *w, const uint64_t *cat, size_t ncat,
			 uint64_t (*offs)[5], uint8_t *blk, struct err *err)
{
	uint8_t g[16];
	size_t k;

	for (k = 0; k < ncat; k++) {
		size_t e;

		block_header(blk, 2, (uint64_t)k * BS, cat[k], k + 1 < ncat ? cat[k + 1] : 0);
		for (e = 0; e < ENTRIES_PER_CATALOG; e++) {
			size_t n = k * ENTRIES_PER_CATALOG + e;
			uint8_t *p = blk + HDR + e * 128;
			unsigned i = (unsigned)(n / 2);

			if (n >= 2u * w->nstates)
				break;
			make_guid(g, 0, i);
			if (n % 2 == 0) {
				put64(p + 0x00, 2);              /* entry type */
				put64(p + 0x08, w->size);        /* volume size */
				memcpy(p + 0x10, g, 16);         /* store identifier */
				put64(p + 0x20, i + 1);          /* sequence number */
				put64(p + 0x28, 0x40);           /* flags */
				put64(p + 0x30, w->states[i].filetime); /* creation time */
			} else {
				put64(p + 0x00, 3);              /* entry type */
				put64(p + 0x08, offs[i][1]);     /* store block list */
				memcpy(p + 0x10, g, 16);         /* store identifier */
				put64(p + 0x20, offs[i][0]);     /* store header */
				put64(p + 0x28, offs[i][2]);     /* block range list */
				put64(p + 0x30, offs[i][3]);     /* current bitmap */
				put64(p + 0x38, 0);              /* NTFS file reference */
				put64(p + 0x40, offs[i][4]);     /* allocated size */
				put64(p + 0x48, 0);              /* previous bitmap: none */
				put64(p + 0x50, i);              /* unknown (index) */
			}
		}
		if (write_at(w->fd, cat[k], blk, BS) < 0)
			return w_errno(err, "write", w->path);
	}
	return 0;
}

int vss_writer_finish(struct vss_writer *w, struct vss_writer_layout *layout,
		      struct err *err)
{
	struct alloc a = { w, 0 };
	size_t ncat = (2u * w->nstates + ENTRIES_PER_CATALOG - 1) / ENTRIES_PER_CATALOG;
	uint64_t cat[2], offs[VSS_WRITER_MAX_STORES][5];
	uint8_t *blk = malloc(BS), *blk2 = malloc(BS), hdr[512], g[16];
	unsigned i;
	size_t k;
	int rc;

	if (layout)
		memset(layout, 0, sizeof(*layout));
	if (!blk || !blk2) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	if (w->nstates == 0) {
		rc = err_set(err, -E_USAGE, "no older state given");
		goto out;
	}
	rc = note_used(w, w->path, w->fd, err);
	if (rc < 0)
		goto out;
	if (read_at(w->fd, VOLUME_HEADER_OFFSET, hdr, sizeof(hdr)) < 0) {
		rc = w_errno(err, "read", w->path);
		goto out;
	}
	if (!all_zero(hdr, sizeof(hdr))) {
		rc = err_set(err, -E_USAGE, "'%s': bytes 0x1e00..0x2000 are not free", w->path);
		goto out;
	}
	for (i = 0; i < w->nstates; i++) {
		rc = diff_state(w, i, blk, blk2, err);
		if (rc < 0)
			goto out;
	}
	a.next = w->nblocks - 1;
	for (k = 0; k < ncat; k++)
		if (alloc_block(&a, &cat[k]) < 0) {
			rc = err_set(err, -E_LIMIT, "'%s': no free space for the catalog", w->path);
			goto out;
		}
	for (i = 0; i < w->nstates; i++) {
		rc = write_store(w, &a, i, layout, blk, offs[i], err);
		if (rc < 0)
			goto out;
	}
	rc = write_catalog(w, cat, ncat, offs, blk, err);
	if (rc < 0)
		goto out;
	/* the volume header (record type 1) at 0x1e00 */
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, vss_id, 16);                       /* 0x00 identifier */
	put32(hdr + 0x10, 1);                          /* 0x10 version */
	put32(hdr + 0x14, 1);                          /* 0x14 record type */
	put64(hdr + 0x18, VOLUME_HEADER_OFFSET);       /* 0x18 current offset */
	put64(hdr + 0x20, VOLUME_HEADER_OFFSET);       /* 0x20 next offset */
	put64(hdr + 0x30, cat[0]);                     /* 0x30 catalog offset */
	put64(hdr + 0x38, 0);                          /* 0x38 maximum size */
	make_guid(g, 4, 0);
	memcpy(hdr + 0x40, g, 16);                     /* 0x40 volume identifier */
	memcpy(hdr + 0x50, g, 16);                     /* 0x50 storage volume */
	if (write_at(w->fd, VOLUME_HEADER_OFFSET, hdr, sizeof(hdr)) < 0 ||
	    fsync(w->fd) < 0) {
		rc = w_errno(err, "write", w->path);
		goto out;
	}
	if (layout) {
		layout->size = w->size;
		layout->catalog = cat[0];
		layout->nstores = w->nstates;
	}
	rc = 0;
out:
	free(blk);
	free(blk2);
	vss_writer_free(w);
	return rc;
}

void vss_writer_free(struct vss_writer *w)
{
	unsigned i;

	if (!w)
		return;
	for (i = 0; i < w->nstates; i++) {
		if (w->states[i].fd >= 0)
			close(w->states[i].fd);
		free(w->states[i].saved);
		free(w->states[i].path);
	}
	if (w->fd >= 0)
		close(w->fd);
	free(w->used);
	free(w->path);
	free(w);
}

/* ---- hostile variants --------------------------------------------------- */

const char *const vss_writer_damage_kinds[] = {
	"catalog-loop", "catalog-past-end", "catalog-garbage", "list-loop",
	"list-past-end", "data-past-end", "header-garbage", "store-info-huge",
	NULL,
};

int vss_writer_damage(const char *path, const struct vss_writer_layout *lay,
		      const char *kind, unsigned store, struct err *err)
{
	uint8_t b8[8];
	uint64_t at = 0, val = 0;
	int fd, rc = 0;

	if (store >= lay->nstores)
		return err_set(err, -E_USAGE, "no store %u", store + 1);
	fd = open(path, O_RDWR);
	if (fd < 0)
		return w_errno(err, "open", path);
	if (strcmp(kind, "catalog-loop") == 0) {
		at = lay->catalog + 0x28;      /* next catalog block: itself */
		val = lay->catalog;
	} else if (strcmp(kind, "catalog-past-end") == 0) {
		at = VOLUME_HEADER_OFFSET + 0x30;  /* catalog offset */
		val = lay->size + 7 * BS;
	} else if (strcmp(kind, "catalog-garbage") == 0) {
		at = lay->catalog + HDR + 0x00;    /* first entry's type */
		val = 0x4141414141414141ull;
	} else if (strcmp(kind, "list-loop") == 0) {
		at = lay->store[store].block_list + 0x28;
		val = lay->store[store].block_list;
	} else if (strcmp(kind, "list-past-end") == 0) {
		at = lay->store[store].block_list + 0x28;
		val = lay->size + 3 * BS;
	} else if (strcmp(kind, "data-past-end") == 0) {
		at = lay->store[store].block_list + HDR + 0x10;
		val = lay->size + 5 * BS;
	} else if (strcmp(kind, "header-garbage") == 0) {
		at = lay->store[store].header + 0x00;
		val = 0x4141414141414141ull;
	} else if (strcmp(kind, "store-info-huge") == 0) {
		at = lay->store[store].header + 0x30;
		val = 0x7fffffffffffull;
	} else {
		rc = err_set(err, -E_USAGE, "unknown damage '%s'", kind);
	}
	if (rc == 0) {
		put64(b8, val);
		if (write_at(fd, at, b8, sizeof(b8)) < 0)
			rc = w_errno(err, "write", path);
	}
	close(fd);
	return rc;
}

uint64_t vss_writer_filetime(const char *iso)
{
	struct tm tm;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(iso, "%d-%d-%d%*c%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
		   &tm.tm_hour, &tm.tm_min, &tm.tm_sec) != 6)
		return 0;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	t = timegm(&tm);
	if (t < 0)
		return 0;
	return ((uint64_t)t + 11644473600ull) * 10000000ull;
}
