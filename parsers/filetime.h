/* FILETIME (100 ns intervals since 1601-01-01 UTC) as ISO 8601 text: the
 * one copy.  Pure arithmetic (proleptic Gregorian calendar, no time_t, no
 * locale), whole seconds: the 100 ns remainder is cut off. */
#ifndef VSSD_FILETIME_H
#define VSSD_FILETIME_H

#include <stddef.h>
#include <stdint.h>

/* 11644473600 s between 1601-01-01 and 1970-01-01, in FILETIME units */
#define FILETIME_UNIX_EPOCH 116444736000000000ull

enum filetime_flags {
	/* only 1970-01-01T00:00:00Z .. 9999-12-31T23:59:59Z, what a time_t
	 * and strftime's four-digit year print: anything else is refused */
	FILETIME_1970_9999 = 1 << 0,
	/* refuse the 1970 epoch itself too (a value written as "unset") */
	FILETIME_EPOCH_UNSET = 1 << 1,
};

/* ft as "2024-06-01T10:00:00Z" into buf (NUL-terminated within size; 21
 * bytes hold any year up to 9999, 22 any FILETIME).  Without flags every
 * value prints (0 is "1601-01-01T00:00:00Z", the largest a year past
 * 9999); a value the flags refuse leaves "".  Returns buf. */
const char *filetime_iso8601(uint64_t ft, unsigned flags, char *buf, size_t size);

#endif
