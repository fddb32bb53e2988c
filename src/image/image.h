/* The image layer: one read interface over every byte source (raw file or
 * block device, VHD/VHDX, E01, VMDK, QCOW2, memory).  Everything above reads
 * the disk through image_read() only.  Images are always opened read-only. */
#ifndef VSSD_IMAGE_H
#define VSSD_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct image;

/* What one format adapter provides.  read() must fill exactly len bytes or
 * fail; it is never called past image_size().  close() frees priv. */
struct image_ops {
	const char *format;    /* "raw", "vhd", "vhdx", "e01", "vmdk", "qcow2", "memory" */
	int (*read)(void *priv, uint64_t off, void *buf, size_t len, struct err *err);
	void (*close)(void *priv);
	/* Optional (zero-copy): a pointer to the len bytes at off inside a
	 * read-only mapping, valid until close(); NULL when they cannot be
	 * lent.  Never called past image_size(). */
	const uint8_t *(*borrow)(void *priv, uint64_t off, size_t len);
	/* Optional: 1 when the source changed size under a mapping (the
	 * lost pages read as zeros since; image_map.c). */
	int (*damaged)(void *priv);
};

/* Open path read-only, detecting the format by signature (not by name):
 * VHD/VHDX, E01, VMDK, QCOW, else raw (any readable file or block device).
 * A container image must deliver its first and last sector, so truncated
 * copies and missing segment or parent files fail here.
 * Returns 0 and *out (free with image_free) or <0. */
int image_open(struct image **out, const char *path, struct err *err);

/* For adapters: wrap priv (owned by the image from now on, even on failure)
 * in an image of the given virtual size.  path is copied. */
int image_new(struct image **out, const struct image_ops *ops, void *priv,
	      uint64_t size, const char *path, struct err *err);

/* An image over caller memory (borrowed: valid until image_free). */
int image_from_memory(struct image **out, const void *buf, size_t len,
		      struct err *err);

/* Read exactly len bytes at off.  A read past the end is an error
 * (-E_CORRUPT, "read past end of image").  Returns 0 or <0. */
int image_read(struct image *img, uint64_t off, void *buf, size_t len,
	       struct err *err);

/* Zero-copy: the len bytes at off lent in place (read-only, valid until
 * image_free), or NULL when this image cannot lend them: not a mapped raw
 * file or memory image, len 0, past the end, or fault injection armed
 * (image_set_fault counts reads).  Then read them with image_read.
 * Counted in image_bytes_read / image_read_calls like one read. */
const uint8_t *image_borrow(struct image *img, uint64_t off, size_t len);

/* 1 when the source shrank while mapped (a raw file truncated during the
 * scan): what was read since may be zeros, the scan must not be trusted. */
int image_damaged(const struct image *img);

uint64_t image_size(const struct image *img);
const char *image_format(const struct image *img);
const char *image_path(const struct image *img);
/* Bytes delivered by image_read since open (the "read only what a check
 * needs" figure shown with -v).  image_open's own check of the first and
 * last sector of a container image is not counted. */
uint64_t image_bytes_read(const struct image *img);
uint64_t image_read_calls(const struct image *img);

/* Fault injection for tests (issue 8): fail with -E_IO once a read touches
 * byte offset fail_offset (UINT64_MAX = never), or on read number
 * fail_after_reads + 1 (0 = never).  */
void image_set_fault(struct image *img, uint64_t fail_offset,
		     uint64_t fail_after_reads);

void image_free(struct image *img);

/* Format probes used by image_open(), one per adapter, tried in order.
 * Each returns 1 (opened, *out set), 0 (not this format: the signature did
 * not match), or <0 (it is this format but cannot be opened). */
int image_probe_vhdi(struct image **out, const char *path, struct err *err);
int image_probe_ewf(struct image **out, const char *path, struct err *err);
int image_probe_vmdk(struct image **out, const char *path, struct err *err);
int image_probe_qcow(struct image **out, const char *path, struct err *err);
/* A QCOW2 image at path whose backing file (resolved path) is not QCOW:
 * its own clusters from its L1/L2 tables, the rest from the backing image
 * (repair's overlays; src/image/qcow_overlay.c).  0 or <0. */
int image_qcow_overlay(struct image **out, const char *path,
		       const char *backing, struct err *err);
int image_probe_raw(struct image **out, const char *path, struct err *err);

/* For adapters: where a file that another image file names (a differencing
 * disk's parent, a backing file) lives: the last component of name (after
 * the last '/' or '\', so "C:\VMs\base.vhdx" gives "base.vhdx") in the
 * directory of sibling.  Writes the path to out and returns 0, -E_NOTFOUND
 * when that file does not exist (the message names both the file looked
 * for and the name as the image spells it), or -E_CORRUPT / -E_LIMIT for an
 * unusable name. */
int image_sibling_path(char *out, size_t outlen, const char *sibling,
		       const char *name, struct err *err);

#endif
