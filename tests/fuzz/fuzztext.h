/* The fuzz input as C text: targets whose parser takes a string. */
#ifndef VSSD_FUZZTEXT_H
#define VSSD_FUZZTEXT_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* data as a NUL-terminated copy (malloc'd; NULL when out of memory). */
static inline char *fuzz_text(const uint8_t *data, size_t size)
{
	char *text = malloc(size + 1);

	if (text) {
		memcpy(text, data, size);
		text[size] = '\0';
	}
	return text;
}

#endif
