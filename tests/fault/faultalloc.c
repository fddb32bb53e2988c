/* Allocation failure injection for tests (issue 8), linked only into
 * vssdoctor-faultalloc with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,
 * --wrap=strdup: every allocation our own objects make goes through here.
 *   VSSD_FAIL_ALLOC_AFTER=N   the (N+1)th allocation and all later fail
 *   VSSD_COUNT_ALLOCS=1       print "allocations: N" on stderr at exit */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long long allowed = -2;   /* -2 not read yet, -1 unlimited */
static unsigned long long count;

static void report(void)
{
	fprintf(stderr, "allocations: %llu\n", count);
}

static int fail_now(void)
{
	if (allowed == -2) {
		const char *v = getenv("VSSD_FAIL_ALLOC_AFTER");
		const char *c = getenv("VSSD_COUNT_ALLOCS");

		allowed = v && *v ? atoll(v) : -1;
		if (c && *c == '1')
			atexit(report);
	}
	count++;
	return allowed >= 0 && count > (unsigned long long)allowed;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}
