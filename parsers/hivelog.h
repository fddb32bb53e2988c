/* Replaying registry transaction logs onto a dirty hive, in memory.
 *
 * A hive whose base block sequence numbers differ (or whose base block
 * fails its checksum) was not written completely; its .LOG1/.LOG2 files
 * hold what is missing.  hivelog_replay() applies them to a copy of the
 * primary file: new-format logs (HvLE entries, Windows 8.1 and later) and
 * old-format logs (DIRT dirty vector, Windows XP to 8).  The format facts
 * and the spec they come from are in hivelog.c.  Pure code over bytes: no
 * I/O; the caller reads the files (the primary is never modified). */
#ifndef VSSD_HIVELOG_H
#define VSSD_HIVELOG_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Marvin32 seed of HvLE entry hashes (bytes 82 ef 4d 88 7a 4e 55 c5 read
 * as one number; the low 32 bits start the first register). */
#define HIVELOG_MARVIN_SEED 0x82ef4d887a4e55c5ull

enum hivelog_logs {
	HIVELOG_LOG1 = 1 << 0,
	HIVELOG_LOG2 = 1 << 1,
};

struct hivelog_result {
	uint8_t *data;           /* the replayed hive (malloc'd) or NULL */
	size_t len;
	int was_dirty;           /* sequence numbers differ or checksum bad */
	int base_block_bad;      /* the primary base block failed its checksum
				    (the result's is rebuilt from a log's) */
	const char *format;      /* "new", "old" or "none" (static string) */
	unsigned entries_applied;/* HvLE entries; an old-format log counts 1 */
	unsigned pages_applied;  /* page references (new) / 512-byte pages (old) */
	unsigned logs_used;      /* enum hivelog_logs bits */
	uint32_t primary_seq1;   /* as found */
	uint32_t primary_seq2;
	uint32_t first_seq;      /* first and last HvLE entry applied */
	uint32_t last_seq;
	uint32_t hbins_size;     /* hive bins data size of the result */
	char stop[256];          /* why replay stopped (or did not start) */
};

void hivelog_result_init(struct hivelog_result *res);
/* Frees res->data and clears res. */
void hivelog_result_release(struct hivelog_result *res);

/* Replay log1 and/or log2 (either may be NULL/0) onto primary.
 * Returns 1 when log data was applied: res->data holds the replayed hive
 * (caller frees with hivelog_result_release), its base block consistent
 * (seq1 == seq2, checksum recomputed, file type 0).  Returns 0 when there
 * is nothing to replay: the hive is clean, or no log applies (res->stop
 * says why; res->data is NULL).  Returns <0 when the primary cannot be
 * used at all (not a hive, over LIMIT_HIVE_SIZE) or memory runs out.
 * A bad log is never an error: replay stops at its first invalid entry. */
int hivelog_replay(const uint8_t *primary, size_t plen,
		   const uint8_t *log1, size_t l1len,
		   const uint8_t *log2, size_t l2len,
		   struct hivelog_result *res, struct err *err);

/* 1 when a primary base block (4096+ bytes, "regf") is dirty, 0 clean,
 * <0 when it is not a base block. */
int hivelog_is_dirty(const uint8_t *primary, size_t plen, struct err *err);

/* The 64-bit Marvin32 hash of data (hi << 32 | lo). */
uint64_t hivelog_marvin32(const uint8_t *data, size_t len, uint64_t seed);

/* The base block checksum: XOR-32 of the first 508 bytes, 0 given as 1
 * and 0xffffffff as 0xfffffffe. */
uint32_t hivelog_checksum(const uint8_t *base_block);

#endif
