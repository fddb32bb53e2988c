/* libFuzzer target for ImagePath normalising (parsers/svcpath.c).
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -Iparsers \
 *         parsers/[a-z]*.c tests/fuzz/fuzz_svcpath.c -o fuzz_svcpath
 *   ./fuzz_svcpath -max_len=8192 -max_total_time=60 CORPUS/
 *
 * Input: the image path; bytes after a first NUL are the system root.
 * Invariants on success: a volume-relative path with '\' separators, no
 * leading, trailing or doubled separator, no "." or ".." component.
 * svcpath_check on the same input: see below. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "svcpath.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *in, *root = NULL, out[512];
	const char *p;
	struct err err;
	size_t n;

	in = malloc(size + 2);
	if (!in)
		return 0;
	memcpy(in, data, size);
	in[size] = '\0';
	in[size + 1] = '\0';
	n = strlen(in);
	if (n < size)
		root = in + n + 1;
	err_init(&err);
	(void)svcpath_drive(in);
	if (svcpath_normalize(in, root, out, sizeof(out), &err) == 0) {
		n = strlen(out);
		if (n == 0 || out[0] == '\\' || out[n - 1] == '\\' || strstr(out, "\\\\") ||
		    strchr(out, '/'))
			abort();
		for (p = out; p; p = strchr(p, '\\')) {
			if (*p == '\\')
				p++;
			if ((p[0] == '.' && (p[1] == '\\' || !p[1])) ||
			    (p[0] == '.' && p[1] == '.' && (p[2] == '\\' || !p[2])))
				abort();
		}
	} else if (!err.msg[0]) {
		abort();
	}
	/* svcpath_check: strings terminated; a corrected line (when it fits
	 * LIMIT_PATH_LEN) has no problem left but the ones it cannot fix */
	{
		static struct svcpath_check c, again;
		char names[128];

		err_init(&err);
		if (svcpath_check(in, size & 1, &c, &err) == 0) {
			if (!memchr(c.path, 0, sizeof(c.path)) || !memchr(c.args, 0, sizeof(c.args)) ||
			    !memchr(c.corrected, 0, sizeof(c.corrected)) || !c.path[0])
				abort();
			if ((c.problems & SVCPATH_UNC) && c.corrected[0])
				abort();
			if (c.corrected[0] && strlen(c.corrected) <= LIMIT_PATH_LEN &&
			    svcpath_check(c.corrected, size & 1, &again, NULL) == 0 &&
			    (again.problems & (SVCPATH_FORWARD_SLASH | SVCPATH_RELATIVE)))
				abort();
			svcpath_problem_names(c.problems, names, sizeof(names));
		} else if (!err.msg[0]) {
			abort();
		}
	}
	free(in);
	return 0;
}
