/* A minimal writer of Windows registry hive files (REGF) for test fixtures.
 *
 * Build a key tree in memory, then serialise it to the on-disk format the
 * libyal "Windows NT Registry File (REGF) format" document describes
 * (base block, hive bins, nk/vk/sk/lf/lh/ri/db cells), version 1.3 or 1.5.
 * libregf and regfexport read the result.  Output is deterministic: the
 * same calls give the same bytes (fixed timestamps, one shared security
 * cell unless a key is given its own, subkeys sorted the way Windows sorts
 * them).
 *
 * It also writes transaction logs (.LOG1/.LOG2) for a pair of
 * serialisations of one hive, in the new (HvLE, Windows 8.1+) and the old
 * (DIRT, Windows XP to 8) format, so the log replayer can be tested.
 *
 * Return values: 0 (or a count, or 1 found / 0 absent where documented),
 * or a negative enum err_code (parsers/err.h); regf_writer_error() then
 * tells why in one lowercase line. */
#ifndef VSSD_REGF_WRITER_H
#define VSSD_REGF_WRITER_H

#include <stddef.h>
#include <stdint.h>

/* Registry value types (winnt.h) */
#define REG_NONE                0u
#define REG_SZ                  1u
#define REG_EXPAND_SZ           2u
#define REG_BINARY              3u
#define REG_DWORD               4u
#define REG_DWORD_BIG_ENDIAN    5u
#define REG_LINK                6u
#define REG_MULTI_SZ            7u
#define REG_QWORD               11u

/* 2024-01-01T00:00:00Z, the default timestamp of every key and the base
 * block (FILETIME: 100 ns since 1601). */
#define REGF_WRITER_FILETIME    133485408000000000ull

/* Subkeys per lf/lh leaf; a key with more gets an ri index root over
 * several leaves (Windows splits leaves too, near 1,000). */
#define REGF_WRITER_LEAF_MAX    512u

/* Largest value data the writer accepts. */
#define REGF_WRITER_DATA_MAX    (16u * 1024 * 1024)

struct regf_writer;

/* A new empty hive whose root key is named root_name (e.g. "ROOT" or
 * "CsiTool-CreateHive-{...}"); NULL when out of memory or the name is not
 * valid UTF-8.  Free with regf_writer_free (accepts NULL). */
struct regf_writer *regf_writer_new(const char *root_name);
void regf_writer_free(struct regf_writer *w);

/* Why the last call failed ("" when it did not). */
const char *regf_writer_error(const struct regf_writer *w);

/* The FILETIME written for keys, hive bins and the base block. */
void regf_writer_set_time(struct regf_writer *w, uint64_t filetime);

/* Key paths are '\\'-separated, relative to the root ("" is the root),
 * matched case-insensitively; missing keys and parents are created. */
int regf_writer_add_key(struct regf_writer *w, const char *path);

/* Set (create or replace) a value; name "" is the default value.  The
 * key is created when missing.  Data is copied. */
int regf_writer_set_value(struct regf_writer *w, const char *key_path,
			  const char *name, uint32_t type,
			  const void *data, size_t len);
/* REG_SZ / REG_EXPAND_SZ: UTF-8 in, UTF-16LE with a terminating NUL out. */
int regf_writer_set_sz(struct regf_writer *w, const char *key,
		       const char *name, const char *utf8);
int regf_writer_set_expand_sz(struct regf_writer *w, const char *key,
			      const char *name, const char *utf8);
/* REG_MULTI_SZ: each string NUL-terminated, then an empty string. */
int regf_writer_set_multi_sz(struct regf_writer *w, const char *key,
			     const char *name, const char *const *strs,
			     size_t n);
int regf_writer_set_dword(struct regf_writer *w, const char *key,
			  const char *name, uint32_t v);
int regf_writer_set_qword(struct regf_writer *w, const char *key,
			  const char *name, uint64_t v);
int regf_writer_set_binary(struct regf_writer *w, const char *key,
			   const char *name, const void *data, size_t len);

/* Largest key descriptor the writer accepts. */
#define REGF_WRITER_SD_MAX      (64u * 1024)

/* Give the key (created when missing) its own security descriptor:
 * self-relative bytes (MS-DTYP 2.4.6, at least 20), copied.  Keys without
 * one share the default sk cell (O:BAG:SYD:(A;CI;KA;;;SY)(A;CI;KA;;;BA)
 * (A;CI;KR;;;BU)); keys with the same bytes share one sk cell, as Windows
 * does.  len 0 gives the key the default back. */
int regf_writer_set_key_sd(struct regf_writer *w, const char *path,
			   const void *sd, size_t len);

/* 1 deleted, 0 no such key or value, <0 error. */
int regf_writer_delete_value(struct regf_writer *w, const char *key,
			     const char *name);

/* 1 when the key exists (case-insensitive path), 0 when not. */
int regf_writer_has_key(struct regf_writer *w, const char *path);

/* Serialise; minor version 3 or 5; seq1 != seq2 makes a dirty hive.
 * *out is malloc'd (caller frees), *len its size. */
int regf_writer_serialize(struct regf_writer *w, unsigned minor,
			  uint32_t seq1, uint32_t seq2,
			  uint8_t **out, size_t *len);
int regf_writer_write_file(struct regf_writer *w, const char *path,
			   unsigned minor, uint32_t seq1, uint32_t seq2);

/* The base block checksum of a 512+ byte buffer: XOR-32 of the first 508
 * bytes, 0 written as 1 and 0xffffffff as 0xfffffffe (as Windows does). */
uint32_t regf_checksum(const uint8_t *base_block);

/* ---- transaction logs ---------------------------------------------------
 * Both take two serialisations of one hive: old (what the primary file on
 * disk holds) and new (what the log must turn it into), e.g. two
 * regf_writer_serialize() calls around a regf_writer_set_*() change, and
 * write a log that replays old into new.  Pages are compared 4 KiB at a
 * time (Windows tracks dirty data in 4 KiB blocks); pages past the end of
 * old count as changed. */
struct regf_log_options {
	/* New format: the first entry's sequence number (the next entries
	 * count up) and the log base block's.  Old format: the log base
	 * block's.  0 takes old's primary sequence number (a log must not
	 * be older than the primary's secondary one to apply). */
	uint32_t sequence;
	/* New format: changed 4 KiB pages per HvLE entry (0 = all in one). */
	unsigned pages_per_entry;
	/* New format: index of the entry whose Hash-1 is spoiled (-1 none).
	 * Old format: >= 0 spoils the log base block checksum. */
	int corrupt_entry;
};

/* New format (file type 6): base block, then HvLE entries carrying the
 * changed pages, each with its Marvin32 hashes.  Returns the number of
 * entries written (0 when old and new do not differ) or <0. */
int regf_log_write_new(const uint8_t *old_hive, size_t old_len,
		       const uint8_t *new_hive, size_t new_len,
		       const struct regf_log_options *opt,
		       uint8_t **out, size_t *out_len);

/* Old format (file type 1): base block, "DIRT" dirty vector (one bit per
 * 512-byte page), then the dirty 512-byte pages.  Returns the number of
 * dirty 512-byte pages or <0. */
int regf_log_write_old(const uint8_t *old_hive, size_t old_len,
		       const uint8_t *new_hive, size_t new_len,
		       const struct regf_log_options *opt,
		       uint8_t **out, size_t *out_len);

#endif
