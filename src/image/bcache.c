/* Block cache: a hash table of block numbers with chaining by index, and a
 * least-recently-used list through the same slots (new blocks enter at its
 * tail once the cache is full: see get_block).  All memory is taken at
 * creation (max_blocks slots), so a read never allocates. */
#include "bcache.h"

#include <stdlib.h>
#include <string.h>

#define NIL UINT32_MAX

struct slot {
	uint64_t blockno;
	uint32_t hnext;         /* next slot in the same hash bucket */
	uint32_t prev, next;    /* LRU list: head = most recent */
	uint32_t len;           /* valid bytes (the last block may be short) */
};

struct bcache {
	struct image *img;
	uint64_t base, size;
	size_t block;
	unsigned shift;
	uint32_t max_blocks, used;
	uint32_t nbuckets;      /* a power of two */
	uint32_t *buckets;
	struct slot *slots;
	uint8_t *data;          /* max_blocks * block bytes */
	uint32_t head, tail;
	struct bcache_stats st;
};

int bcache_new(struct bcache **out, struct image *img, uint64_t base,
	       uint64_t size, size_t block, size_t max_bytes, struct err *err)
{
	struct bcache *c;
	size_t n;
	uint32_t i;

	*out = NULL;
	if (block < 512 || (block & (block - 1)) || block > (1u << 24))
		return err_set(err, -E_INTERNAL, "block cache: bad block size %zu", block);
	n = max_bytes / block;
	if (n > size / block + 1)
		n = (size_t)(size / block + 1);   /* never more than the volume */
	if (n == 0)
		n = 1;
	if (n > (1u << 20))
		n = 1u << 20;
	c = calloc(1, sizeof(*c));
	if (!c)
		return err_set(err, -E_NOMEM, "out of memory");
	c->img = img;
	c->base = base;
	c->size = size;
	c->block = block;
	while (((size_t)1 << c->shift) < block)
		c->shift++;
	c->max_blocks = (uint32_t)n;
	for (c->nbuckets = 16; c->nbuckets < 2 * c->max_blocks; c->nbuckets *= 2)
		;
	c->buckets = malloc(c->nbuckets * sizeof(*c->buckets));
	c->slots = calloc(c->max_blocks, sizeof(*c->slots));
	c->data = malloc(c->max_blocks * block);
	if (!c->buckets || !c->slots || !c->data) {
		n = (size_t)c->max_blocks * block;
		bcache_free(c);
		return err_set(err, -E_NOMEM, "out of memory for a %zu-byte block cache", n);
	}
	for (i = 0; i < c->nbuckets; i++)
		c->buckets[i] = NIL;
	c->head = c->tail = NIL;
	c->st.max_blocks = c->max_blocks;
	*out = c;
	return 0;
}

static uint32_t bucket_of(const struct bcache *c, uint64_t blockno)
{
	/* Fibonacci hashing: neighbouring blocks spread over the table */
	return (uint32_t)((blockno * 0x9E3779B97F4A7C15ull) >> 32) & (c->nbuckets - 1);
}

static void lru_unlink(struct bcache *c, uint32_t i)
{
	struct slot *s = &c->slots[i];

	if (s->prev != NIL)
		c->slots[s->prev].next = s->next;
	else
		c->head = s->next;
	if (s->next != NIL)
		c->slots[s->next].prev = s->prev;
	else
		c->tail = s->prev;
	s->prev = s->next = NIL;
}

static void lru_push_front(struct bcache *c, uint32_t i)
{
	struct slot *s = &c->slots[i];

	s->prev = NIL;
	s->next = c->head;
	if (c->head != NIL)
		c->slots[c->head].prev = i;
	c->head = i;
	if (c->tail == NIL)
		c->tail = i;
}

static void lru_push_back(struct bcache *c, uint32_t i)
{
	struct slot *s = &c->slots[i];

	s->next = NIL;
	s->prev = c->tail;
	if (c->tail != NIL)
		c->slots[c->tail].next = i;
	c->tail = i;
	if (c->head == NIL)
		c->head = i;
}

static void hash_remove(struct bcache *c, uint32_t i)
{
	uint32_t *p = &c->buckets[bucket_of(c, c->slots[i].blockno)];

	while (*p != NIL && *p != i)
		p = &c->slots[*p].hnext;
	if (*p == i)
		*p = c->slots[i].hnext;
}

static uint32_t lookup(struct bcache *c, uint64_t blockno)
{
	uint32_t i = c->buckets[bucket_of(c, blockno)];

	while (i != NIL && c->slots[i].blockno != blockno)
		i = c->slots[i].hnext;
	return i;
}

/* The slot holding block blockno, read from the image when missing. */
static int get_block(struct bcache *c, uint64_t blockno, uint32_t *out,
		     struct err *err)
{
	uint32_t i = lookup(c, blockno), b;
	uint64_t off = blockno << c->shift;
	int full_before;
	size_t len = c->block;
	int rc;

	if (i != NIL) {
		c->st.hits++;
		if (c->head != i) {
			lru_unlink(c, i);
			lru_push_front(c, i);
		}
		*out = i;
		return 0;
	}
	c->st.misses++;
	full_before = c->used == c->max_blocks;
	if (c->used < c->max_blocks) {
		i = c->used++;
	} else {
		i = c->tail;
		lru_unlink(c, i);
		hash_remove(c, i);
		c->st.evictions++;
	}
	if (c->size - off < len)
		len = (size_t)(c->size - off);
	rc = image_read(c->img, c->base + off, c->data + (size_t)i * c->block, len, err);
	if (rc < 0) {
		/* the slot stays free: put it back at the tail, unhashed */
		c->slots[i].blockno = UINT64_MAX;
		c->slots[i].len = 0;
		c->slots[i].hnext = NIL;
		c->slots[i].prev = c->slots[i].next = NIL;
		if (c->tail != NIL) {
			c->slots[c->tail].next = i;
			c->slots[i].prev = c->tail;
		} else {
			c->head = i;
		}
		c->tail = i;
		return rc;
	}
	c->slots[i].blockno = blockno;
	c->slots[i].len = (uint32_t)len;
	b = bucket_of(c, blockno);
	c->slots[i].hnext = c->buckets[b];
	c->buckets[b] = i;
	/* a new block enters at the head while the cache fills, then at the
	 * tail (LRU insertion policy): it must be hit again to stay.  So one
	 * store's pass over more than the cache holds does not flush what the
	 * stores share, and each pass finds the blocks kept from the first. */
	if (!full_before || c->tail == NIL)
		lru_push_front(c, i);
	else
		lru_push_back(c, i);
	*out = i;
	return 0;
}

int bcache_read(struct bcache *c, uint64_t off, void *buf, size_t len,
		struct err *err)
{
	uint8_t *p = buf;

	if (off > c->size || len > c->size - off)
		return err_set(err, -E_CORRUPT,
			       "read of %zu bytes at offset %llu past the end of the volume (%llu bytes)",
			       len, (unsigned long long)off, (unsigned long long)c->size);
	while (len > 0) {
		uint64_t blockno = off >> c->shift;
		size_t in = (size_t)(off & (c->block - 1));
		size_t n = c->block - in;
		uint32_t i;
		int rc;

		if (n > len)
			n = len;
		rc = get_block(c, blockno, &i, err);
		if (rc < 0)
			return rc;
		memcpy(p, c->data + (size_t)i * c->block + in, n);
		p += n;
		off += n;
		len -= n;
	}
	return 0;
}

uint64_t bcache_size(const struct bcache *c)
{
	return c->size;
}

void bcache_get_stats(const struct bcache *c, struct bcache_stats *st)
{
	*st = c->st;
	st->blocks = c->used;
}

void bcache_free(struct bcache *c)
{
	if (!c)
		return;
	free(c->buckets);
	free(c->slots);
	free(c->data);
	free(c);
}
