/* The decrypted volume lent in place (image_borrow on a BitLocker view
 * that bde_xts.c decrypts).
 *
 * A plain raw image lends its files' bytes from its mapping (the event
 * logs, the hives: most of what a scan reads).  Through BitLocker those
 * bytes would be copied into a fresh buffer by the file system layer,
 * one page fault per page, and decrypted again whenever the file is read
 * again.  Instead the view keeps one anonymous mapping the size of the
 * volume (MAP_NORESERVE: only what is lent takes memory, as for the raw
 * file's mapping) and decrypts a range into it the first time it is lent,
 * its pages made present in one call (MADV_POPULATE_WRITE), then lends it
 * again as often as asked.  Decrypted bytes stay in memory, left out of
 * core dumps (MADV_DONTDUMP), and the total is bounded (LEND_MAX: past it
 * nothing more is lent and callers copy, as for any image). */
#define _GNU_SOURCE
#include "bde_priv.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/mman.h>

#define LEND_MAX ((uint64_t)512 << 20)    /* bytes decrypted for lending */
#define LEND_HUGE ((uint64_t)2 << 20)   /* bytes of a huge page */
#define LEND_BITS ((uint64_t)1 << 26)     /* units tracked at most */

struct bde_lend {
	pthread_mutex_t lock;
	uint8_t *map;              /* size bytes, anonymous */
	uint64_t size, held;       /* held: bytes decrypted into map */
	unsigned shift;            /* log2 of a unit's bytes */
	uint8_t *done;             /* a bit per unit: decrypted */
};

int bde_lend_new(struct bde_src *b, uint64_t size)
{
	struct bde_lend *l;
	unsigned shift = 12;

	if (size == 0 || size > SIZE_MAX / 2)
		return -1;
	while ((size >> shift) >= LEND_BITS)
		shift++;
	l = calloc(1, sizeof(*l));
	if (!l)
		return -1;
	l->size = size;
	l->shift = shift;
	l->done = calloc((size_t)((size >> shift) / 8 + 1), 1);
	l->map = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (!l->done || l->map == MAP_FAILED) {
		if (l->map != MAP_FAILED)
			munmap(l->map, (size_t)size);
		free(l->done);
		free(l);
		return -1;
	}
#ifdef MADV_DONTDUMP
	madvise(l->map, (size_t)size, MADV_DONTDUMP);
#endif
	pthread_mutex_init(&l->lock, NULL);
	b->lend = l;
	return 0;
}

void bde_lend_free(struct bde_src *b)
{
	struct bde_lend *l = b->lend;

	if (!l)
		return;
	munmap(l->map, (size_t)l->size);
	pthread_mutex_destroy(&l->lock);
	free(l->done);
	free(l);
	b->lend = NULL;
}

static int unit_done(const struct bde_lend *l, uint64_t u)
{
	return l->done[u / 8] >> (u % 8) & 1;
}

/* Make [from, to) of map present before it is written: the whole
 * 2 MiB pages inside it as huge pages (a 19 MB event log then costs ten
 * page faults, not 4,700: 0.135 -> 0.10 s for the issue-22 volume, whose
 * machine pays dearly for each fault), all of it in one call instead of a
 * fault per page.  Both are hints: a kernel without them faults the pages
 * in as they are written. */
static void lend_prepare(uint8_t *map, uint64_t from, uint64_t to)
{
#ifdef MADV_HUGEPAGE
	uint64_t a = (from + LEND_HUGE - 1) & ~(LEND_HUGE - 1), z = to & ~(LEND_HUGE - 1);

	if (z > a)
		madvise(map + a, (size_t)(z - a), MADV_HUGEPAGE);
#endif
#ifdef MADV_POPULATE_WRITE
	madvise(map + from, (size_t)(to - from), MADV_POPULATE_WRITE);
#endif
	(void)map; (void)from; (void)to;
}

/* Decrypt units [u0, u1) into the mapping. */
static int lend_fill(struct bde_src *b, struct bde_lend *l, uint64_t u0, uint64_t u1)
{
	uint64_t from = u0 << l->shift, to = u1 << l->shift, u;
	struct err e;

	if (to > l->size)
		to = l->size;
	if (to - from > LEND_MAX - l->held)
		return -1;
	lend_prepare(l->map, from, to);
	err_init(&e);
	if (bde_own_read(b, from, l->map + from, (size_t)(to - from), &e) < 0)
		return -1;
	for (u = u0; u < u1; u++)
		l->done[u / 8] |= (uint8_t)(1u << (u % 8));
	l->held += to - from;
	return 0;
}

const uint8_t *bde_lend_get(struct bde_src *b, uint64_t off, size_t len)
{
	struct bde_lend *l = b->lend;
	uint64_t u, last, run = UINT64_MAX;
	const uint8_t *p = NULL;

	if (!l || len == 0 || off > l->size || len > l->size - off)
		return NULL;
	last = (off + len - 1) >> l->shift;
	pthread_mutex_lock(&l->lock);
	for (u = off >> l->shift; u <= last + 1; u++) {
		int need = u <= last && !unit_done(l, u);

		if (need && run == UINT64_MAX)
			run = u;
		else if (!need && run != UINT64_MAX) {
			if (lend_fill(b, l, run, u) < 0)
				goto unlock;
			run = UINT64_MAX;
		}
	}
	p = l->map + off;
unlock:
	pthread_mutex_unlock(&l->lock);
	return p;
}
