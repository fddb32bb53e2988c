/* Differencing VHDX files for tests (issue 3): qemu-img can make fixed and
 * dynamic VHDX parents but no differencing VHDX, so the chain case is
 * written here; the parent's geometry comes from src/image/vhdx_info.h's
 * reader.
 *
 * Layout follows Microsoft's [MS-VHDX] "Virtual Hard Disk v2 (VHDX) File
 * Format" (sections cited in vhdx_writer.c) and the libyal "Virtual Hard
 * Disk version 2 (VHDX) image format" document.  Output is sparse and
 * deterministic: the child's GUIDs are derived from the parent's
 * DataWriteGuid and the data written, never random. */
#ifndef VSSD_VHDX_WRITER_H
#define VSSD_VHDX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "vhdx_info.h"

enum vhdx_diff_flags {
	/* Sector bitmap blocks only for chunks holding partially present
	 * payload blocks (valid per MS-VHDX 2.5.1.2, and what a freshly
	 * created Hyper-V child looks like); default: every chunk has one. */
	VHDX_DIFF_LAZY_BITMAPS = 1 << 0,
	/* parent_linkage in upper case ("{83ED0EC3-...}"); MS-VHDX 2.6.2.6.3
	 * says lowercase but shows an upper-case example. */
	VHDX_DIFF_UPPER_LINKAGE = 1 << 1,
	/* HasParent clear and no parent locator, the rest unchanged: the
	 * layout an independent reader can check (qemu-img 7.2 refuses every
	 * differencing VHDX with "Operation not supported" but checks this
	 * one's headers, region tables, metadata and BAT).  Not a valid
	 * dynamic VHDX when it has sector bitmap or partially present
	 * blocks (MS-VHDX 2.5.1). */
	VHDX_DIFF_NO_PARENT = 1 << 2,
};

/* Everything vhdx_write_diff_spec() can vary.  Zero-initialise, then set
 * child, parent and name at least. */
struct vhdx_diff_spec {
	const char *child;          /* output path (created or truncated) */
	const char *parent;         /* the parent VHDX (fixed, dynamic or
				     * differencing) read for geometry and
				     * DataWriteGuid */
	const char *name;           /* parent file name for the locator's path
				     * entries (e.g. "parent.vhdx") */
	/* per-entry overrides: NULL = name, "" = leave the entry out */
	const char *relative_path;
	const char *volume_path;
	const char *absolute_win32_path;
	const char *linkage;        /* parent_linkage text; NULL = the
				     * parent's DataWriteGuid "{...}" */
	uint64_t at;                /* data offset (multiple of the logical
				     * sector size) */
	const void *data;           /* len bytes (a multiple of the logical
				     * sector size) held by the child; NULL/0
				     * = an empty child */
	size_t len;
	unsigned flags;             /* enum vhdx_diff_flags */
};

/* Write a differencing VHDX at child over the VHDX at parent_path: same
 * virtual size, logical/physical sector size and block size; parent
 * locator (MS-VHDX 2.6.2.6.3) with parent_linkage = the parent's
 * DataWriteGuid and relative_path, volume_path and absolute_win32_path all
 * parent_name_in_locator; HasParent set; a BAT whose payload blocks are
 * NOT_PRESENT except those holding data (FULLY or PARTIALLY_PRESENT, with
 * their sector bitmap bits set), so every other sector reads from the
 * parent.  Returns 0 or <0. */
int vhdx_write_diff(const char *child, const char *parent_path,
		    const char *parent_name_in_locator, uint64_t at,
		    const void *data, size_t len, struct err *err);

/* The same with every knob (struct vhdx_diff_spec).  Returns 0 or <0. */
int vhdx_write_diff_spec(const struct vhdx_diff_spec *s, struct err *err);

#endif
