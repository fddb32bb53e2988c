/* libFuzzer target for Windows Server Backup's text logs (parsers/wsblog.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers \
 *         parsers/[a-z]*.c tests/fuzz/fuzz_wsblog.c -o fuzz_wsblog
 *   ./fuzz_wsblog -max_total_time=60 CORPUS/
 *
 * Input: the log file's bytes.  Invariants: every entry's strings are
 * NUL-terminated inside their arrays, the path is not empty, lines count
 * up, and the count returned is the number of entries seen. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "wsblog.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	int n;
	unsigned last_line;
};

static int check(void *ctx, const struct wsblog_entry *e)
{
	struct seen *s = ctx;

	if (!memchr(e->path, 0, sizeof(e->path)) || !memchr(e->operation, 0, sizeof(e->operation)) ||
	    !memchr(e->message, 0, sizeof(e->message)) || !e->path[0] || e->line <= s->last_line)
		abort();
	s->last_line = e->line;
	s->n++;
	(void)wsblog_proves(e);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0, 0 };
	struct err err;
	int rc;

	err_init(&err);
	rc = wsblog_parse(data, size, check, &s, &err);
	if (rc >= 0 && rc != s.n)
		abort();
	return 0;
}
