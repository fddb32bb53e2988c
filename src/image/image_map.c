/* Read-only mappings of image files, and what happens when one shrinks.
 *
 * A raw image file is mapped PROT_READ / MAP_SHARED (never writable) so
 * that reads are a memcpy or, for image_borrow(), no copy at all.  A
 * mapped file that is truncated while we read it raises SIGBUS on the
 * first touch of a page past its new end.  The choice made here: block
 * devices and other non-regular files are never mapped (read with pread
 * as before); for regular files, a SIGBUS handler looks the faulting
 * address up in the table of our mappings and, when it is ours, puts a
 * page of zeros over the lost page (MAP_FIXED, anonymous, read-only) and
 * marks the mapping damaged.  The read goes on with zeros; the scan then
 * fails as a whole ("changed while it was read", exit 2) instead of
 * judging what it half saw.  A SIGBUS at any other address is not ours:
 * the default action is restored and the fault repeats as before.
 *
 * The table is fixed (IMAGE_MAP_SLOTS); when it is full, the image is
 * simply not mapped.  Slots are claimed and released with atomics so the
 * handler (any thread) never takes a lock. */
#define _GNU_SOURCE
#include "image_map.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define IMAGE_MAP_SLOTS 64

struct map_slot {
	_Atomic(uintptr_t) start;    /* 0: free */
	_Atomic(size_t) len;
	atomic_int damaged;
};

static struct map_slot slots[IMAGE_MAP_SLOTS];
static atomic_int handler_state;     /* 0 none, 1 installing, 2 installed */

static void on_sigbus(int sig, siginfo_t *si, void *uctx)
{
	uintptr_t a = (uintptr_t)si->si_addr;
	size_t i;

	(void)uctx;
	for (i = 0; i < IMAGE_MAP_SLOTS; i++) {
		uintptr_t s = atomic_load(&slots[i].start);
		size_t n = atomic_load(&slots[i].len);

		if (s && a >= s && a - s < n) {
			uintptr_t page = a & ~((uintptr_t)sysconf(_SC_PAGESIZE) - 1);

			atomic_store(&slots[i].damaged, 1);
			if (mmap((void *)page, (size_t)sysconf(_SC_PAGESIZE), PROT_READ,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) != MAP_FAILED)
				return;
			break;
		}
	}
	/* not ours (or the page could not be replaced): the default action */
	signal(sig, SIG_DFL);
}

static int install_handler(void)
{
	struct sigaction sa;
	int expect = 0;

	if (atomic_load(&handler_state) == 2)
		return 0;
	if (!atomic_compare_exchange_strong(&handler_state, &expect, 1)) {
		while (atomic_load(&handler_state) == 1)
			;
		return atomic_load(&handler_state) == 2 ? 0 : -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, NULL) < 0) {
		atomic_store(&handler_state, 0);
		return -1;
	}
	atomic_store(&handler_state, 2);
	return 0;
}

const uint8_t *image_map_file(int fd, uint64_t size, int *slot)
{
	void *p;
	size_t i;

	*slot = -1;
	if (size == 0 || size > SIZE_MAX || install_handler() < 0)
		return NULL;
	for (i = 0; i < IMAGE_MAP_SLOTS; i++) {
		uintptr_t expect = 0;

		/* claim the slot with a placeholder address nothing maps */
		if (atomic_compare_exchange_strong(&slots[i].start, &expect, (uintptr_t)1))
			break;
	}
	if (i == IMAGE_MAP_SLOTS)
		return NULL;
	p = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		atomic_store(&slots[i].start, 0);
		return NULL;
	}
	/* read in order, a little ahead: scans walk forward */
	madvise(p, (size_t)size, MADV_NORMAL);
	atomic_store(&slots[i].damaged, 0);
	atomic_store(&slots[i].len, (size_t)size);
	atomic_store(&slots[i].start, (uintptr_t)p);
	*slot = (int)i;
	return p;
}

int image_map_damaged(int slot)
{
	if (slot < 0 || slot >= IMAGE_MAP_SLOTS)
		return 0;
	return atomic_load(&slots[slot].damaged);
}

void image_unmap_file(const uint8_t *p, uint64_t size, int slot)
{
	if (!p || slot < 0 || slot >= IMAGE_MAP_SLOTS)
		return;
	atomic_store(&slots[slot].len, 0);
	munmap((void *)(uintptr_t)p, (size_t)size);
	atomic_store(&slots[slot].start, 0);
}
