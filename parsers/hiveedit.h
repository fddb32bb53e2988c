/* In-place edits of a registry hive file held in memory (REGF), for
 * `vssdoctor repair`: find a key and a value, replace a value's data
 * without growing the file, then seal the base block (sequence numbers,
 * checksum).  The hive never changes size: data that fits the value's own
 * cell is written there, otherwise into a free cell of an existing bin
 * (the old cell freed); when no cell fits the edit is refused.
 *
 * Layout (MS-style names; offsets relative to a cell's data):
 *   base block 4096 bytes: 0x00 "regf", 0x04 primary sequence, 0x08
 *   secondary sequence, 0x0c timestamp, 0x24 root cell, 0x28 hive bins
 *   size, 0x1fc XOR-32 checksum of 0x000..0x1fb.
 *   cell: int32 size (negative = allocated) + data; offsets count from the
 *   first hbin (file offset 4096).
 *   nk: 0x00 "nk", 0x02 flags (0x20 compressed name), 0x14 subkeys,
 *   0x1c subkey list, 0x24 values, 0x28 value list, 0x2c sk, 0x3c
 *   largest value name (bytes), 0x40 largest value data, 0x48 name
 *   length, 0x4c name.  sk: 0x00 "sk", 0x04 flink, 0x08 blink, 0x0c
 *   reference count, 0x10 descriptor size, 0x14 descriptor.  lf/lh: 0x02 count, 8-byte entries; li/ri: 4-byte entries.
 *   vk: 0x00 "vk", 0x02 name length, 0x04 data size (bit 31: data in
 *   0x08), 0x08 data cell, 0x0c type, 0x10 flags (1 compressed), 0x14
 *   name.  Data over 16344 bytes ("db" big data) is not edited. */
#ifndef VSSD_HIVEEDIT_H
#define VSSD_HIVEEDIT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define HIVE_BASE_BLOCK 4096u

struct hive_edit {
	uint8_t *buf;              /* the whole hive file (borrowed) */
	size_t len;
	uint32_t bins;             /* 0x28: bytes of hive bins */
};

/* Check the base block: "regf", a clean hive (sequence numbers equal,
 * checksum right), bins inside the buffer.  0 or <0 (-E_UNSUPPORTED for a
 * dirty hive, with "dirty" in the message). */
int hive_edit_open(struct hive_edit *h, uint8_t *buf, size_t len,
		   struct err *err);

/* The key at path ("ControlSet001\Services\CryptSvc\Security", below the
 * root, '\' separated, case-insensitive): its nk cell offset.  1 found,
 * 0 absent, <0 corrupt. */
int hive_edit_find_key(const struct hive_edit *h, const char *path,
		       uint32_t *nk, struct err *err);
/* The value called name of key nk ("" the default value): its vk cell. */
int hive_edit_find_value(const struct hive_edit *h, uint32_t nk,
			 const char *name, uint32_t *vk, struct err *err);
/* A value's type and data (pointing into the buffer). */
int hive_edit_value(const struct hive_edit *h, uint32_t vk, uint32_t *type,
		    const uint8_t **data, uint32_t *len, struct err *err);
/* Replace a value's data (type kept).  0, or <0 (-E_LIMIT when no cell of
 * the hive can hold it without growing the file). */
int hive_edit_set_value(struct hive_edit *h, uint32_t vk, const uint8_t *data,
			uint32_t len, struct err *err);
/* Add a value called name (ASCII, new to key nk: the caller looked) of
 * type with data: a vk cell, a data cell when over 4 bytes and a value
 * list one longer, all in free cells of existing bins (the old list
 * freed); the key's largest-name and largest-data fields kept right.
 * *vk the new value.  0, or <0 (-E_LIMIT when no free cells fit: then
 * the buffer is as it was). */
int hive_edit_add_value(struct hive_edit *h, uint32_t nk, const char *name,
			uint32_t type, const uint8_t *data, uint32_t len,
			uint32_t *vk, struct err *err);
/* Key nk's security descriptor (its sk cell's, pointing into the buffer). */
int hive_edit_key_sd(const struct hive_edit *h, uint32_t nk, const uint8_t **sd,
		     uint32_t *len, struct err *err);
/* Set key nk's security descriptor to sd (self-relative, len bytes): an
 * sk cell already holding it is shared; an sk only nk uses is rewritten
 * in place when sd fits its cell; else a new sk cell (in a free cell)
 * joins the hive's sk list after the old one.  Reference counts follow;
 * an sk left unused is unlinked and freed.  0, or <0 (-E_LIMIT when no
 * free cell fits: the buffer is as it was). */
int hive_edit_set_key_sd(struct hive_edit *h, uint32_t nk, const uint8_t *sd,
			 uint32_t len, struct err *err);
/* After the edits: both sequence numbers advanced by one, the timestamp
 * (FILETIME ft) and the checksum. */
void hive_edit_seal(struct hive_edit *h, uint64_t ft);

/* The base block's checksum is hivelog.h's hivelog_checksum. */

#endif
