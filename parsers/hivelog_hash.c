/* The two hashes of registry hives and their logs (see hivelog.h): the
 * base block's XOR checksum (REGF "File header", offset 508) and Marvin32,
 * the hash of HvLE log entries ([SHUANOV15] "Format of transaction log
 * files"). */
#include "hivelog.h"

#include "bytes.h"

static uint32_t rotl32(uint32_t x, unsigned n)
{
	return (x << n) | (x >> (32 - n));
}

static void marvin_block(uint32_t *lo, uint32_t *hi)
{
	*hi ^= *lo;
	*lo = rotl32(*lo, 20);
	*lo += *hi;
	*hi = rotl32(*hi, 9);
	*hi ^= *lo;
	*lo = rotl32(*lo, 27);
	*lo += *hi;
	*hi = rotl32(*hi, 19);
}

/* Marvin32 (Microsoft SymCrypt; .NET's string hashing): 4-byte words
 * added into lo and mixed, the 0-3 tail bytes padded with 0x80, two final
 * mixes; the result is both 32-bit registers. */
uint64_t hivelog_marvin32(const uint8_t *data, size_t len, uint64_t seed)
{
	uint32_t lo = (uint32_t)seed, hi = (uint32_t)(seed >> 32), fin = 0x80;

	while (len >= 4) {
		lo += le32(data);
		marvin_block(&lo, &hi);
		data += 4;
		len -= 4;
	}
	switch (len) {
	case 3:
		fin = (fin << 8) | data[2];
		/* fall through */
	case 2:
		fin = (fin << 8) | data[1];
		/* fall through */
	case 1:
		fin = (fin << 8) | data[0];
		break;
	default:
		break;
	}
	lo += fin;
	marvin_block(&lo, &hi);
	marvin_block(&lo, &hi);
	return ((uint64_t)hi << 32) | lo;
}

uint32_t hivelog_checksum(const uint8_t *bb)
{
	uint32_t x = 0;
	size_t i;

	for (i = 0; i < 508; i += 4)
		x ^= le32(bb + i);
	if (x == 0)
		return 1;
	if (x == 0xffffffffu)
		return 0xfffffffeu;
	return x;
}
