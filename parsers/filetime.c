/* FILETIME to ISO 8601 (see filetime.h). */
#include "filetime.h"

#include <stdio.h>

#define FILETIME_PER_SEC 10000000ull
#define SECS_1601_TO_1970 11644473600ll
#define SECS_1970_TO_10000 253402300800ll   /* 10000-01-01T00:00:00Z */

/* days since 1970-01-01 -> civil date (H. Hinnant's algorithm) */
static void civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doy = z - era * 146097;                               /* day of era */
	yoe = (doy - doy / 1460 + doy / 36524 - doy / 146096) / 365;
	*y = yoe + era * 400;
	doy = doy - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	*m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	if (*m <= 2)
		(*y)++;
}

const char *filetime_iso8601(uint64_t ft, unsigned flags, char *buf, size_t size)
{
	int64_t secs = (int64_t)(ft / FILETIME_PER_SEC) - SECS_1601_TO_1970;
	int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
	int64_t rem = secs - days * 86400, y;
	unsigned m, d;

	if (size)
		buf[0] = '\0';
	if ((flags & FILETIME_1970_9999) && (secs < 0 || secs >= SECS_1970_TO_10000))
		return buf;
	if ((flags & FILETIME_EPOCH_UNSET) && ft == FILETIME_UNIX_EPOCH)
		return buf;
	civil_from_days(days, &y, &m, &d);
	snprintf(buf, size, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)y, m, d,
		 (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60));
	return buf;
}
