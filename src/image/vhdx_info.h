/* VHDX structures (Microsoft [MS-VHDX] "Virtual Hard Disk v2 (VHDX) File
 * Format"; section numbers below are its own; field names and GUIDs also
 * match the libyal "Virtual Hard Disk version 2 (VHDX) image format"
 * document).  Everything is little-endian; GUIDs are stored as Windows
 * does (Data1..Data3 little-endian, Data4 as bytes).
 *
 * libvhdi reads VHDX files for the image layer; this small reader is for
 * what libvhdi gets wrong or does not expose (src/image/vhdi.c), and for
 * the tests' differencing VHDX writer (testdata/lib/vhdx_writer.c).  It
 * reads hostile files: every offset and length is checked before use. */
#ifndef VSSD_VHDX_INFO_H
#define VSSD_VHDX_INFO_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define VHDX_HEADER1_OFF        (64u * 1024u)    /* 2.2: header 1 */
#define VHDX_HEADER2_OFF        (128u * 1024u)   /* 2.2: header 2 */
#define VHDX_HEADER_SIZE        (4u * 1024u)     /* 2.2.2: checksum covers 4 KiB */
#define VHDX_REGION1_OFF        (192u * 1024u)   /* 2.2: region table 1 */
#define VHDX_REGION2_OFF        (256u * 1024u)   /* 2.2: region table 2 */
#define VHDX_REGION_SIZE        (64u * 1024u)    /* 2.2.3: checksum covers 64 KiB */
#define VHDX_REGION_MAX_ENTRIES 2047u          /* 2.2.3.1 EntryCount */
#define VHDX_META_TABLE_SIZE    (64u * 1024u)    /* 2.6.1 */
#define VHDX_META_MAX_ENTRIES   2047u          /* 2.6.1.1 EntryCount */
#define VHDX_META_ITEM_MAX      (1024u * 1024u)  /* 2.6.1.2 Length <= 1 MB */
#define VHDX_SB_BLOCK           (1024u * 1024u)  /* 2.5: sector bitmap blocks are 1 MB */
#define VHDX_SECTORS_PER_SB     (1ull << 23)   /* 2.5: sectors one SB block describes */
#define VHDX_BLOCK_MIN          (1u * 1024u * 1024u)   /* 2.6.2.1 BlockSize */
#define VHDX_BLOCK_MAX          (256u * 1024u * 1024u)

/* BAT entry states (2.5.1.1, 2.5.1.2) */
#define VHDX_PAYLOAD_NOT_PRESENT       0u
#define VHDX_PAYLOAD_UNDEFINED         1u
#define VHDX_PAYLOAD_ZERO              2u
#define VHDX_PAYLOAD_UNMAPPED          3u
#define VHDX_PAYLOAD_FULLY_PRESENT     6u
#define VHDX_PAYLOAD_PARTIALLY_PRESENT 7u
#define VHDX_SB_PRESENT                6u

/* Metadata table entry flags (2.6.1.2) */
#define VHDX_META_IS_USER         (1u << 0)
#define VHDX_META_IS_VIRTUAL_DISK (1u << 1)
#define VHDX_META_IS_REQUIRED     (1u << 2)

/* File Parameters flags (2.6.2.1) */
#define VHDX_FP_LEAVE_BLOCK_ALLOCATED (1u << 0)
#define VHDX_FP_HAS_PARENT            (1u << 1)

/* Known GUIDs, as text (2.2.3.2, 2.6.2, 2.6.2.6.3). */
#define VHDX_GUID_BAT_REGION      "2DC27766-F623-4200-9D64-115E9BFD4A08"
#define VHDX_GUID_METADATA_REGION "8B7CA206-4790-4B9A-B8FE-575F050F886E"
#define VHDX_GUID_FILE_PARAMETERS "CAA16737-FA36-4D43-B3B6-33F0AA44E76B"
#define VHDX_GUID_VIRTUAL_SIZE    "2FA54224-CD1B-4876-B211-5DBED83BF4B8"
#define VHDX_GUID_VIRTUAL_DISK_ID "BECA12AB-B2E6-4523-93EF-C309E000C746"
#define VHDX_GUID_LOGICAL_SECTOR  "8141BF1D-A96F-4709-BA47-F233A8FAAB5F"
#define VHDX_GUID_PHYSICAL_SECTOR "CDA348C7-445D-4471-9CC9-E9885251C556"
#define VHDX_GUID_PARENT_LOCATOR  "A8D35F2D-B30B-454D-ABF7-D3D84834AB0C"
#define VHDX_GUID_LOCATOR_VHDX    "B04AEFB7-D19E-4A81-B789-25B8E9445913"

/* What vhdx_read_info() finds in a VHDX file. */
struct vhdx_info {
	uint64_t virtual_size;      /* Virtual Disk Size item, bytes */
	uint32_t block_size;        /* File Parameters BlockSize */
	uint32_t logical_sector;    /* 512 or 4096 */
	uint32_t physical_sector;   /* 512 or 4096 */
	int has_parent;             /* File Parameters HasParent */
	uint64_t sequence;          /* the current header's SequenceNumber */
	uint64_t bat_offset;        /* BAT region (file offset, bytes) */
	uint32_t bat_length;
	uint64_t chunk_ratio;       /* payload blocks per sector bitmap block */
	int log_pending;            /* the current header names a log (LogGuid
				     * not zero): its entries may be newer
				     * than the BAT and blocks */
	uint8_t data_write_guid[16];   /* current header, on-disk byte order */
	uint8_t virtual_disk_id[16];   /* on-disk byte order */
	char data_write_text[39];      /* "{xxxxxxxx-...}", lowercase */
	char parent_linkage[64];       /* the locator's parent_linkage value
					* (ASCII), "" when none */
	char parent_path[256];         /* relative_path, else volume_path,
					* else absolute_win32_path, "" if none */
};

/* Read the current header (both copies' CRC-32C checked; the valid one
 * with the larger sequence number), the region table (CRC-32C checked)
 * and the metadata items of the VHDX at path.  Returns 0 or <0
 * (-E_FORMAT not a VHDX, -E_CORRUPT a checksum or item is wrong). */
int vhdx_read_info(const char *path, struct vhdx_info *info,
		   struct err *err);

/* The BAT entry of payload block `block` (2.5: entries of a chunk's
 * payload blocks are followed by its sector bitmap entry) read from fd;
 * *state gets its low 3 bits (VHDX_PAYLOAD_*).  Returns 0 or <0 (the
 * entry lies outside the BAT region or the file). */
int vhdx_payload_state(int fd, const struct vhdx_info *info, uint64_t block,
		       unsigned *state, struct err *err);

/* CRC-32C (Castagnoli, reflected 0x82F63B78, init and final xor ~0), the
 * checksum of VHDX headers, region tables and log entries (2.2.2). */
uint32_t vhdx_crc32c(const void *buf, size_t len);

/* on-disk bytes -> "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}" (text -> bytes
 * is parsers/gpt.h's gpt_guid_parse: the same UEFI mixed-endian layout) */
void vhdx_guid_to_text(char out[39], const uint8_t g[16], int upper);

#endif
