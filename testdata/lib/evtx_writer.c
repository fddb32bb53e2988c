/* EVTX writer for test fixtures (see evtx_writer.h).
 *
 * Layouts follow the libyal "Windows XML Event Log (EVTX)" format
 * document; the template shapes copy what Windows 7 and Server 2022 write
 * (checked against real System.evtx files with evtxexport).
 *
 * The whole file is kept in memory as header + chunks.  A record is built
 * in a scratch buffer at the chunk offset it will have (binary XML refers
 * to names and templates by chunk offset); when it does not fit, the names
 * and templates it added are dropped, the chunk is closed and the record
 * is built again at the start of a new chunk.  So every add is O(record)
 * plus a lookup among the chunk's few dozen names and templates. */
#define _GNU_SOURCE
#include "evtx_writer.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "err.h"

#define EVENT_NS "http://schemas.microsoft.com/win/2004/08/events/event"

/* binary XML tokens (libyal EVTX document, "Binary XML") */
#define TOK_EOF              0x00
#define TOK_OPEN_START       0x01 /* | 0x40 when attributes follow */
#define TOK_CLOSE_START      0x02
#define TOK_CLOSE_EMPTY      0x03
#define TOK_END_ELEMENT      0x04
#define TOK_VALUE            0x05
#define TOK_ATTRIBUTE        0x06 /* | 0x40 when more attributes follow */
#define TOK_TEMPLATE         0x0c
#define TOK_NORMAL_SUBST     0x0d
#define TOK_OPTIONAL_SUBST   0x0e
#define TOK_FRAGMENT         0x0f
#define TOK_MORE             0x40

#define NO_DEPENDENCY        0xffffu
#define DEFAULT_COMPUTER     "SRV01"
#define SYSTEM_SUBST_COUNT   20u   /* Windows' <System> template, 0..19 */
#define SUBST_EVENTDATA      19u
#define MAX_VALUE_SIZE       0xffffu /* substitution sizes are 16-bit */
/* libevtx 20181227 drops a record that ends less than 4 bytes before the
 * chunk's end (it wants room for a size copy after it); Windows never
 * fills a chunk to the last byte either. */
#define CHUNK_RECORDS_END    (EVTX_CHUNK_SIZE - 8)

/* ---- small helpers -------------------------------------------------- */

static uint32_t crc_table[256];
static int crc_ready;

static void crc_init(void)
{
	uint32_t i, j, c;

	for (i = 0; i < 256; i++) {
		c = i;
		for (j = 0; j < 8; j++)
			c = (c & 1) ? 0xedb88320u ^ (c >> 1) : c >> 1;
		crc_table[i] = c;
	}
	crc_ready = 1;
}

/* CRC-32 (ISO 3309, as zlib), continuing from crc */
static uint32_t crc32_update(uint32_t crc, const uint8_t *p, size_t n)
{
	if (!crc_ready)
		crc_init();
	crc = ~crc;
	while (n--)
		crc = crc_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/* Next code point of UTF-8 text; malformed bytes give U+FFFD. */
static uint32_t utf8_next(const unsigned char **ps)
{
	const unsigned char *s = *ps;
	uint32_t c = s[0], min;
	int n, i;

	if (c < 0x80) {
		*ps = s + 1;
		return c;
	}
	if ((c & 0xe0) == 0xc0) {
		n = 1; c &= 0x1f; min = 0x80;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2; c &= 0x0f; min = 0x800;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3; c &= 0x07; min = 0x10000;
	} else {
		*ps = s + 1;
		return 0xfffd;
	}
	for (i = 1; i <= n; i++) {
		if ((s[i] & 0xc0) != 0x80) {
			*ps = s + i;
			return 0xfffd;
		}
		c = (c << 6) | (s[i] & 0x3f);
	}
	*ps = s + n + 1;
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0xfffd;
	return c;
}

size_t evtx_utf16z(const char *text, uint8_t *out, size_t cap)
{
	const unsigned char *s = (const unsigned char *)(text ? text : "");
	size_t n = 0;
	uint32_t c;

	for (;;) {
		uint16_t u[2];
		int k = 1, i;

		c = *s ? utf8_next(&s) : 0;
		if (c >= 0x10000) {
			c -= 0x10000;
			u[0] = (uint16_t)(0xd800 | (c >> 10));
			u[1] = (uint16_t)(0xdc00 | (c & 0x3ff));
			k = 2;
		} else {
			u[0] = (uint16_t)c;
		}
		for (i = 0; i < k; i++, n += 2)
			if (n + 2 <= cap)
				put_le16(out + n, u[i]);
		if (c == 0)
			return n;
	}
}

/* ---- time ------------------------------------------------------------ */

#define FILETIME_UNIX_EPOCH 116444736000000000ull /* 1970-01-01 in 100 ns */

/* days since 1970-01-01 of a proleptic Gregorian date */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

static int parse_digits(const char **ps, int n, unsigned *v)
{
	const char *s = *ps;
	int i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		*v = *v * 10 + (unsigned)(s[i] - '0');
	}
	*ps = s + n;
	return 0;
}

uint64_t evtx_filetime(const char *iso8601)
{
	const char *s = iso8601;
	unsigned y, mo, d, h, mi, sec, frac = 0;
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t days;
	int fd = 0;

	if (!s)
		return 0;
	if (parse_digits(&s, 4, &y) || *s++ != '-' || parse_digits(&s, 2, &mo) ||
	    *s++ != '-' || parse_digits(&s, 2, &d) || (*s != 'T' && *s != ' '))
		return 0;
	s++;
	if (parse_digits(&s, 2, &h) || *s++ != ':' || parse_digits(&s, 2, &mi) ||
	    *s++ != ':' || parse_digits(&s, 2, &sec))
		return 0;
	if (*s == '.') {
		s++;
		while (*s >= '0' && *s <= '9') {
			if (fd < 7) {
				frac = frac * 10 + (unsigned)(*s - '0');
				fd++;
			}
			s++;
		}
		if (fd == 0)
			return 0;
		for (; fd < 7; fd++)
			frac *= 10;
	}
	if (*s == 'Z')
		s++;
	if (*s != '\0')
		return 0;
	if (y < 1601 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] ||
	    h > 23 || mi > 59 || sec > 60)
		return 0;
	if (mo == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 0;
	days = days_from_civil(y, mo, d);
	return (uint64_t)((days * 86400 + h * 3600 + mi * 60 + sec) * 10000000 +
	                  (int64_t)frac + (int64_t)FILETIME_UNIX_EPOCH);
}

/* SYSTEMTIME (MS-DTYP 2.3.13): eight 16-bit fields */
static void put_systemtime(uint8_t *p, uint64_t ft)
{
	int64_t t = (int64_t)(ft - FILETIME_UNIX_EPOCH) / 10000; /* ms */
	int64_t days, rem;
	unsigned m, d;
	int y;

	days = t / 86400000;
	rem = t % 86400000;
	if (rem < 0) {
		rem += 86400000;
		days--;
	}
	civil_from_days(days, &y, &m, &d);
	put_le16(p + 0x0, (uint16_t)y);
	put_le16(p + 0x2, (uint16_t)m);
	put_le16(p + 0x4, (uint16_t)(((days % 7) + 11) % 7)); /* 1970-01-01 was a Thursday */
	put_le16(p + 0x6, (uint16_t)d);
	put_le16(p + 0x8, (uint16_t)(rem / 3600000));
	put_le16(p + 0xa, (uint16_t)(rem / 60000 % 60));
	put_le16(p + 0xc, (uint16_t)(rem / 1000 % 60));
	put_le16(p + 0xe, (uint16_t)(rem % 1000));
}

/* ---- typed values ---------------------------------------------------- */

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-' || *s == ' ')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	if (errno || *end || *v > max)
		return -1;
	return 0;
}

/* "{00112233-4455-6677-8899-aabbccddeeff}" (braces optional) -> GUID in
 * its little-endian layout (MS-DTYP 2.3.4.2) */
static int parse_guid(const char *s, uint8_t g[16])
{
	static const int pos[16] = { 3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15 };
	uint8_t raw[16];
	int i = 0, br = 0;

	if (*s == '{') {
		br = 1;
		s++;
	}
	while (i < 16) {
		int hi, lo;

		if ((i == 4 || i == 6 || i == 8 || i == 10) && *s++ != '-')
			return -1;
		hi = hex_digit((unsigned char)s[0]);
		lo = hi < 0 ? -1 : hex_digit((unsigned char)s[1]);
		if (lo < 0)
			return -1;
		raw[i++] = (uint8_t)(hi << 4 | lo);
		s += 2;
	}
	if (br && *s++ != '}')
		return -1;
	if (*s)
		return -1;
	for (i = 0; i < 16; i++)
		g[pos[i]] = raw[i];
	return 0;
}

/* "S-1-5-21-1-2-3" -> binary SID (MS-DTYP 2.4.2.2); returns its size or -1 */
static int parse_sid(const char *s, uint8_t *out, size_t cap)
{
	uint64_t v, auth;
	char *end;
	int n = 0;

	if ((s[0] != 'S' && s[0] != 's') || s[1] != '-')
		return -1;
	s += 2;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end != '-' || v != 1)
		return -1;
	s = end + 1;
	auth = strtoull(s, &end, 0);
	if (errno || end == s || auth > 0xffffffffffffull)
		return -1;
	s = end;
	if (cap < 8)
		return -1;
	out[0] = 1;
	out[2] = (uint8_t)(auth >> 40);
	out[3] = (uint8_t)(auth >> 32);
	out[4] = (uint8_t)(auth >> 24);
	out[5] = (uint8_t)(auth >> 16);
	out[6] = (uint8_t)(auth >> 8);
	out[7] = (uint8_t)auth;
	while (*s == '-') {
		s++;
		v = strtoull(s, &end, 10);
		if (errno || end == s || v > 0xffffffffu || n >= 15 ||
		    (size_t)(8 + 4 * n + 4) > cap)
			return -1;
		put_le32(out + 8 + 4 * n, (uint32_t)v);
		n++;
		s = end;
	}
	if (*s)
		return -1;
	out[1] = (uint8_t)n;
	return 8 + 4 * n;
}

/* ---- the writer ------------------------------------------------------ */

struct name_ent {
	char *name;
	uint32_t off;                /* chunk offset of the name structure */
	uint16_t hash;
};

struct tmpl_ent {
	char *key;
	uint32_t keyhash;
	uint32_t off;                /* chunk offset of the definition */
	uint8_t guid[16];
};

struct evtx_writer {
	uint8_t *file;               /* header + chunks */
	size_t len, cap;
	size_t nchunks;
	size_t nrecords;
	uint64_t next_id;
	int dirty;

	/* the current (last) chunk */
	uint32_t free_off, last_rec_off;
	uint64_t first_id, last_id;
	size_t chunk_records;
	struct name_ent *names;
	size_t nnames, names_cap, names_kept;
	struct tmpl_ent *tmpls;
	size_t ntmpls, tmpls_cap, tmpls_kept;

	/* the record being built, at chunk offset base */
	uint8_t *sp;
	size_t slen, scap;
	uint32_t base;
	int oom;
	char keybuf[4096];

	/* spec defaults */
	char *computer;
	uint64_t last_time;

	struct err err;
};

static uint8_t *chunk_ptr(struct evtx_writer *w, size_t i)
{
	return w->file + EVTX_FILE_HEADER_SIZE + i * EVTX_CHUNK_SIZE;
}

/* -- scratch buffer -- */

static int sgrow(struct evtx_writer *w, size_t n)
{
	size_t ncap;
	uint8_t *p;

	if (w->oom)
		return -1;
	if (w->slen + n <= w->scap)
		return 0;
	ncap = w->scap ? w->scap : 4096;
	while (ncap < w->slen + n)
		ncap *= 2;
	p = realloc(w->sp, ncap);
	if (!p) {
		w->oom = 1;
		return -1;
	}
	w->sp = p;
	w->scap = ncap;
	return 0;
}

static void s_u8(struct evtx_writer *w, uint8_t v)
{
	if (sgrow(w, 1) == 0)
		w->sp[w->slen++] = v;
}

static void s_u16(struct evtx_writer *w, uint16_t v)
{
	if (sgrow(w, 2) == 0) {
		put_le16(w->sp + w->slen, v);
		w->slen += 2;
	}
}

static void s_u32(struct evtx_writer *w, uint32_t v)
{
	if (sgrow(w, 4) == 0) {
		put_le32(w->sp + w->slen, v);
		w->slen += 4;
	}
}

static void s_u64(struct evtx_writer *w, uint64_t v)
{
	if (sgrow(w, 8) == 0) {
		put_le64(w->sp + w->slen, v);
		w->slen += 8;
	}
}

static void s_bytes(struct evtx_writer *w, const void *p, size_t n)
{
	if (n && sgrow(w, n) == 0) {
		memcpy(w->sp + w->slen, p, n);
		w->slen += n;
	}
}

/* n zero bytes; returns their position (patched later) */
static size_t s_reserve(struct evtx_writer *w, size_t n)
{
	size_t pos = w->slen;

	if (sgrow(w, n) == 0) {
		memset(w->sp + w->slen, 0, n);
		w->slen += n;
	}
	return pos;
}

static void s_patch32(struct evtx_writer *w, size_t pos, uint32_t v)
{
	if (!w->oom)
		put_le32(w->sp + pos, v);
}

static void s_patch16(struct evtx_writer *w, size_t pos, uint16_t v)
{
	if (!w->oom)
		put_le16(w->sp + pos, v);
}

/* the chunk offset the next scratch byte will have */
static uint32_t s_here(const struct evtx_writer *w)
{
	return w->base + (uint32_t)w->slen;
}

/* UTF-16LE of text without terminator; returns the code units written */
static size_t s_utf16(struct evtx_writer *w, const char *text)
{
	const unsigned char *s = (const unsigned char *)text;
	size_t n = 0;

	while (*s) {
		uint32_t c = utf8_next(&s);

		if (c >= 0x10000) {
			c -= 0x10000;
			s_u16(w, (uint16_t)(0xd800 | (c >> 10)));
			s_u16(w, (uint16_t)(0xdc00 | (c & 0x3ff)));
			n += 2;
		} else {
			s_u16(w, (uint16_t)c);
			n++;
		}
	}
	return n;
}

/* -- chunk string table -- */

static uint16_t name_hash(const char *name)
{
	const unsigned char *s = (const unsigned char *)name;
	uint32_t h = 0;

	/* libyal EVTX document: hash = hash * 65599 + UTF-16 code unit */
	while (*s) {
		uint32_t c = utf8_next(&s);

		if (c >= 0x10000) {
			c -= 0x10000;
			h = h * 65599u + (0xd800 | (c >> 10));
			h = h * 65599u + (0xdc00 | (c & 0x3ff));
		} else {
			h = h * 65599u + c;
		}
	}
	return (uint16_t)h;
}

/* A name reference: the offset of an existing name structure in this
 * chunk, or a new one written inline right after the offset. */
static void s_name(struct evtx_writer *w, const char *name)
{
	uint16_t h = name_hash(name);
	size_t i, cpos;
	uint32_t here;
	char *copy;

	for (i = 0; i < w->nnames; i++)
		if (w->names[i].hash == h && strcmp(w->names[i].name, name) == 0) {
			s_u32(w, w->names[i].off);
			return;
		}
	here = s_here(w) + 4;
	s_u32(w, here);
	s_u32(w, 0);                   /* 0x00 next name in the bucket (finish) */
	s_u16(w, h);                   /* 0x04 hash */
	cpos = s_reserve(w, 2);        /* 0x06 characters */
	s_patch16(w, cpos, (uint16_t)s_utf16(w, name));
	s_u16(w, 0);                   /* terminator */
	if (w->nnames == w->names_cap) {
		size_t ncap = w->names_cap ? w->names_cap * 2 : 64;
		struct name_ent *p = realloc(w->names, ncap * sizeof(*p));

		if (!p) {
			w->oom = 1;
			return;
		}
		w->names = p;
		w->names_cap = ncap;
	}
	copy = strdup(name);
	if (!copy) {
		w->oom = 1;
		return;
	}
	w->names[w->nnames].name = copy;
	w->names[w->nnames].off = here;
	w->names[w->nnames].hash = h;
	w->nnames++;
}

/* -- binary XML pieces -- */

static void s_fragment_header(struct evtx_writer *w)
{
	s_u8(w, TOK_FRAGMENT);
	s_u8(w, 1);                    /* major version */
	s_u8(w, 1);                    /* minor version */
	s_u8(w, 0);                    /* flags */
}

/* <name: returns the position of the element's data size; *attrs gets the
 * position of the attribute list size when has_attrs */
static size_t s_open(struct evtx_writer *w, const char *name, uint16_t dep,
                     int has_attrs, size_t *attrs)
{
	size_t size_pos;

	s_u8(w, TOK_OPEN_START | (has_attrs ? TOK_MORE : 0));
	s_u16(w, dep);                 /* dependency identifier */
	size_pos = s_reserve(w, 4);    /* data size */
	s_name(w, name);
	if (has_attrs)
		*attrs = s_reserve(w, 4);
	return size_pos;
}

/* the size from just after the 4-byte field at pos to the current end */
static void s_close_size(struct evtx_writer *w, size_t pos)
{
	s_patch32(w, pos, (uint32_t)(w->slen - pos - 4));
}

static void s_attr(struct evtx_writer *w, const char *name, int more)
{
	s_u8(w, TOK_ATTRIBUTE | (more ? TOK_MORE : 0));
	s_name(w, name);
}

static void s_text(struct evtx_writer *w, const char *text)
{
	size_t cpos;

	s_u8(w, TOK_VALUE);
	s_u8(w, EVTX_VT_STRING);
	cpos = s_reserve(w, 2);
	s_patch16(w, cpos, (uint16_t)s_utf16(w, text ? text : ""));
}

static void s_subst(struct evtx_writer *w, int optional, uint16_t idx, uint8_t type)
{
	s_u8(w, optional ? TOK_OPTIONAL_SUBST : TOK_NORMAL_SUBST);
	s_u16(w, idx);
	s_u8(w, type);
}

/* <name>%idx</name>, left out by readers when the value is NULL */
static void s_elem_subst(struct evtx_writer *w, const char *name, uint16_t idx, uint8_t type)
{
	size_t sz = s_open(w, name, idx, 0, NULL);

	s_u8(w, TOK_CLOSE_START);
	s_subst(w, 1, idx, type);
	s_u8(w, TOK_END_ELEMENT);
	s_close_size(w, sz);
}

static void s_elem_text(struct evtx_writer *w, const char *name, const char *text)
{
	size_t sz = s_open(w, name, NO_DEPENDENCY, 0, NULL);

	s_u8(w, TOK_CLOSE_START);
	if (text && *text)
		s_text(w, text);
	s_u8(w, TOK_END_ELEMENT);
	s_close_size(w, sz);
}

/* libevtx fails on a record with an empty <Computer>; real ones never are */
static const char *computer_of(const struct evtx_writer *w, const struct evtx_event *ev)
{
	if (ev->computer && *ev->computer)
		return ev->computer;
	return w->computer ? w->computer : DEFAULT_COMPUTER;
}

/* The <Event><System> skeleton, substitution indexes as Windows has them:
 * 0 Level, 1 Opcode, 2 Task, 3 EventID, 4 Qualifiers, 5 Keywords,
 * 6 TimeCreated, 7 ActivityID, 8 ProcessID, 9 ThreadID, 10 EventRecordID,
 * 11 Version, 12 UserID, 18 RelatedActivityID, 19 EventData. */
static void s_system_template(struct evtx_writer *w, const struct evtx_event *ev)
{
	size_t ev_sz, ev_al, sys_sz, sz, al;

	s_fragment_header(w);
	ev_sz = s_open(w, "Event", NO_DEPENDENCY, 1, &ev_al);
	s_attr(w, "xmlns", 0);
	s_text(w, EVENT_NS);
	s_close_size(w, ev_al);
	s_u8(w, TOK_CLOSE_START);
	sys_sz = s_open(w, "System", NO_DEPENDENCY, 0, NULL);
	s_u8(w, TOK_CLOSE_START);

	sz = s_open(w, "Provider", NO_DEPENDENCY, 1, &al);
	s_attr(w, "Name", ev->provider_guid || ev->event_source_name);
	s_text(w, ev->provider);
	if (ev->provider_guid) {
		s_attr(w, "Guid", ev->event_source_name != NULL);
		s_text(w, ev->provider_guid);
	}
	if (ev->event_source_name) {
		s_attr(w, "EventSourceName", 0);
		s_text(w, ev->event_source_name);
	}
	s_close_size(w, al);
	s_u8(w, TOK_CLOSE_EMPTY);
	s_close_size(w, sz);

	sz = s_open(w, "EventID", 3, 1, &al);
	s_attr(w, "Qualifiers", 0);
	s_subst(w, 1, 4, EVTX_VT_UINT16);
	s_close_size(w, al);
	s_u8(w, TOK_CLOSE_START);
	s_subst(w, 1, 3, EVTX_VT_UINT16);
	s_u8(w, TOK_END_ELEMENT);
	s_close_size(w, sz);

	s_elem_subst(w, "Version", 11, EVTX_VT_UINT8);
	s_elem_subst(w, "Level", 0, EVTX_VT_UINT8);
	s_elem_subst(w, "Task", 2, EVTX_VT_UINT16);
	s_elem_subst(w, "Opcode", 1, EVTX_VT_UINT8);
	s_elem_subst(w, "Keywords", 5, EVTX_VT_HEX64);

	sz = s_open(w, "TimeCreated", NO_DEPENDENCY, 1, &al);
	s_attr(w, "SystemTime", 0);
	s_subst(w, 1, 6, EVTX_VT_FILETIME);
	s_close_size(w, al);
	s_u8(w, TOK_CLOSE_EMPTY);
	s_close_size(w, sz);

	s_elem_subst(w, "EventRecordID", 10, EVTX_VT_UINT64);

	sz = s_open(w, "Correlation", NO_DEPENDENCY, 1, &al);
	s_attr(w, "ActivityID", 1);
	s_subst(w, 1, 7, EVTX_VT_GUID);
	s_attr(w, "RelatedActivityID", 0);
	s_subst(w, 1, 18, EVTX_VT_GUID);
	s_close_size(w, al);
	s_u8(w, TOK_CLOSE_EMPTY);
	s_close_size(w, sz);

	sz = s_open(w, "Execution", NO_DEPENDENCY, 1, &al);
	s_attr(w, "ProcessID", 1);
	s_subst(w, 1, 8, EVTX_VT_UINT32);
	s_attr(w, "ThreadID", 0);
	s_subst(w, 1, 9, EVTX_VT_UINT32);
	s_close_size(w, al);
	s_u8(w, TOK_CLOSE_EMPTY);
	s_close_size(w, sz);

	s_elem_text(w, "Channel", ev->channel);
	s_elem_text(w, "Computer", computer_of(w, ev));

	sz = s_open(w, "Security", NO_DEPENDENCY, 1, &al);
	s_attr(w, "UserID", 0);
	s_subst(w, 1, 12, EVTX_VT_SID);
	s_close_size(w, al);
	s_u8(w, TOK_CLOSE_EMPTY);
	s_close_size(w, sz);

	s_u8(w, TOK_END_ELEMENT);      /* </System> */
	s_close_size(w, sys_sz);
	s_subst(w, 1, SUBST_EVENTDATA, EVTX_VT_BINXML);
	s_u8(w, TOK_END_ELEMENT);      /* </Event> */
	s_close_size(w, ev_sz);
	s_u8(w, TOK_EOF);
}

static uint8_t data_type(const struct evtx_event *ev, size_t i)
{
	return ev->data_types[i] ? ev->data_types[i] : EVTX_VT_STRING;
}

/* Events logged through the classic API (ReportEvent) with unnamed
 * strings: Windows gives them all one template, the strings as one string
 * array (readers show one <Data> per string) and the binary data with its
 * length:  <EventData><Data>%0</Data><Binary>%2</Binary></EventData>,
 * 0 string array, 1 binary length (uint32), 2 binary. */
static int classic_layout(const struct evtx_event *ev)
{
	size_t i;

	for (i = 0; i < ev->ndata; i++)
		if (ev->data_names[i] || data_type(ev, i) != EVTX_VT_STRING)
			return 0;
	return 1;
}

static void s_classic_template(struct evtx_writer *w, const struct evtx_event *ev)
{
	size_t ed_sz;

	(void)ev;
	s_fragment_header(w);
	ed_sz = s_open(w, "EventData", NO_DEPENDENCY, 0, NULL);
	s_u8(w, TOK_CLOSE_START);
	s_elem_subst(w, "Data", 0, EVTX_VT_STRING_ARRAY);
	s_elem_subst(w, "Binary", 2, EVTX_VT_BINARY);
	s_u8(w, TOK_END_ELEMENT);
	s_close_size(w, ed_sz);
	s_u8(w, TOK_EOF);
}

/* <EventData><Data [Name=".."]>%i</Data>...<Binary>%n</Binary></EventData>
 * as manifest events have it; a NULL item is an optional substitution,
 * which readers leave out. */
static void s_eventdata_template(struct evtx_writer *w, const struct evtx_event *ev)
{
	size_t ed_sz, sz, al, i;

	s_fragment_header(w);
	ed_sz = s_open(w, "EventData", NO_DEPENDENCY, 0, NULL);
	s_u8(w, TOK_CLOSE_START);
	for (i = 0; i < ev->ndata; i++) {
		const char *nm = ev->data_names[i];

		sz = s_open(w, "Data", NO_DEPENDENCY, nm != NULL, &al);
		if (nm) {
			s_attr(w, "Name", 0);
			s_text(w, nm);
			s_close_size(w, al);
		}
		s_u8(w, TOK_CLOSE_START);
		s_subst(w, ev->data[i] == NULL, (uint16_t)i, data_type(ev, i));
		s_u8(w, TOK_END_ELEMENT);
		s_close_size(w, sz);
	}
	if (ev->binary) {
		sz = s_open(w, "Binary", NO_DEPENDENCY, 0, NULL);
		s_u8(w, TOK_CLOSE_START);
		s_subst(w, 0, (uint16_t)ev->ndata, EVTX_VT_BINARY);
		s_u8(w, TOK_END_ELEMENT);
		s_close_size(w, sz);
	}
	s_u8(w, TOK_END_ELEMENT);
	s_close_size(w, ed_sz);
	s_u8(w, TOK_EOF);
}

/* -- templates -- */

static uint64_t fnv1a64(const char *s, size_t n, uint64_t h)
{
	while (n--) {
		h ^= (unsigned char)*s++;
		h *= 0x100000001b3ull;
	}
	return h;
}

/* A key naming a template's shape; fields separated by 0x1f, absent
 * ones marked 0x01.  Returns its length or 0 when too long. */
static size_t key_add(char *buf, size_t len, size_t cap, const char *s)
{
	size_t n = s ? strlen(s) : 1;

	if (len == 0 || len + n + 2 > cap)
		return 0;
	memcpy(buf + len, s ? s : "\x01", n);
	buf[len + n] = '\x1f';
	buf[len + n + 1] = '\0';
	return len + n + 1;
}

static size_t system_key(char *buf, size_t cap, const struct evtx_event *ev,
                         const char *computer)
{
	size_t len;

	memcpy(buf, "S1\x1f", 4);
	len = 3;
	len = key_add(buf, len, cap, ev->provider);
	len = key_add(buf, len, cap, ev->provider_guid);
	len = key_add(buf, len, cap, ev->event_source_name);
	len = key_add(buf, len, cap, ev->channel ? ev->channel : "");
	len = key_add(buf, len, cap, computer);
	return len;
}

static size_t eventdata_key(char *buf, size_t cap, const struct evtx_event *ev)
{
	char t[4];
	size_t len, i;

	memcpy(buf, "D1\x1f", 4);
	len = 3;
	for (i = 0; i < ev->ndata; i++) {
		t[0] = (char)('A' + data_type(ev, i) % 26);
		t[1] = (char)('A' + data_type(ev, i) / 26);
		t[2] = ev->data[i] ? 'v' : 'o';
		t[3] = '\0';
		len = key_add(buf, len, cap, t);
		len = key_add(buf, len, cap, ev->data_names[i]);
	}
	len = key_add(buf, len, cap, ev->binary ? "B" : "-");
	return len;
}

/* A template instance of the shape key: a reference to the chunk's
 * definition, or a new definition inline (write_def writes its body). */
static void s_template_instance(struct evtx_writer *w, const char *key, size_t keylen,
                                void (*write_def)(struct evtx_writer *, const struct evtx_event *),
                                const struct evtx_event *ev)
{
	uint64_t h1 = fnv1a64(key, keylen, 0xcbf29ce484222325ull);
	uint64_t h2 = fnv1a64(key, keylen, 0x84222325cbf29ce4ull);
	uint32_t kh = (uint32_t)h1, here;
	struct tmpl_ent *t;
	uint8_t guid[16];
	size_t i, size_pos;
	char *copy;

	for (i = 0; i < w->ntmpls; i++) {
		t = &w->tmpls[i];
		if (t->keyhash == kh && strcmp(t->key, key) == 0) {
			s_u8(w, TOK_TEMPLATE);
			s_u8(w, 1);            /* unknown, always 1 */
			s_u32(w, le32(t->guid)); /* template identifier */
			s_u32(w, t->off);      /* definition offset */
			return;
		}
	}
	/* Windows' template GUIDs are hashes too: the same shape gets the
	 * same GUID in every chunk. */
	put_le64(guid, h1);
	put_le64(guid + 8, h2);
	s_u8(w, TOK_TEMPLATE);
	s_u8(w, 1);
	s_u32(w, le32(guid));
	here = s_here(w) + 4;
	s_u32(w, here);                /* the definition follows */
	s_u32(w, 0);                   /* 0x00 next definition in the bucket (finish) */
	s_bytes(w, guid, 16);          /* 0x04 GUID */
	size_pos = s_reserve(w, 4);    /* 0x14 data size */
	write_def(w, ev);
	s_close_size(w, size_pos);

	if (w->ntmpls == w->tmpls_cap) {
		size_t ncap = w->tmpls_cap ? w->tmpls_cap * 2 : 16;
		struct tmpl_ent *p = realloc(w->tmpls, ncap * sizeof(*p));

		if (!p) {
			w->oom = 1;
			return;
		}
		w->tmpls = p;
		w->tmpls_cap = ncap;
	}
	copy = strdup(key);
	if (!copy) {
		w->oom = 1;
		return;
	}
	t = &w->tmpls[w->ntmpls++];
	t->key = copy;
	t->keyhash = kh;
	t->off = here;
	memcpy(t->guid, guid, 16);
}

/* -- substitution values -- */

/* Writes the value of one <Data> item; returns its size or <0. */
static long s_data_value(struct evtx_writer *w, const struct evtx_event *ev, size_t i)
{
	const char *text = ev->data[i];
	uint8_t type = data_type(ev, i), tmp[80];
	size_t start = w->slen;
	uint64_t v = 0, ft;
	long n = 0;

	if (!text)
		return 0;
	switch (type) {
	case EVTX_VT_STRING:
		s_utf16(w, text);
		return (long)(w->slen - start);
	case EVTX_VT_BINARY: {
		size_t k, len = strlen(text);

		if (len % 2)
			return -1;
		for (k = 0; k < len; k += 2) {
			int hi = hex_digit((unsigned char)text[k]);
			int lo = hex_digit((unsigned char)text[k + 1]);

			if (hi < 0 || lo < 0)
				return -1;
			s_u8(w, (uint8_t)(hi << 4 | lo));
		}
		return (long)(len / 2);
	}
	case EVTX_VT_UINT8:
		if (parse_u64(text, 0xff, &v))
			return -1;
		s_u8(w, (uint8_t)v);
		return 1;
	case EVTX_VT_UINT16:
		if (parse_u64(text, 0xffff, &v))
			return -1;
		s_u16(w, (uint16_t)v);
		return 2;
	case EVTX_VT_UINT32:
	case EVTX_VT_HEX32:
		if (parse_u64(text, 0xffffffffu, &v))
			return -1;
		s_u32(w, (uint32_t)v);
		return 4;
	case EVTX_VT_UINT64:
	case EVTX_VT_HEX64:
		if (parse_u64(text, UINT64_MAX, &v))
			return -1;
		s_u64(w, v);
		return 8;
	case EVTX_VT_FILETIME:
		ft = evtx_filetime(text);
		if (!ft)
			return -1;
		s_u64(w, ft);
		return 8;
	case EVTX_VT_SYSTEMTIME:
		ft = evtx_filetime(text);
		if (!ft)
			return -1;
		put_systemtime(tmp, ft);
		s_bytes(w, tmp, 16);
		return 16;
	case EVTX_VT_GUID:
		if (parse_guid(text, tmp))
			return -1;
		s_bytes(w, tmp, 16);
		return 16;
	case EVTX_VT_SID:
		n = parse_sid(text, tmp, sizeof(tmp));
		if (n < 0)
			return -1;
		s_bytes(w, tmp, (size_t)n);
		return n;
	default:
		return -2;
	}
}

static const char *type_name(uint8_t t)
{
	switch (t) {
	case EVTX_VT_STRING: return "string";
	case EVTX_VT_UINT8: return "uint8";
	case EVTX_VT_UINT16: return "uint16";
	case EVTX_VT_UINT32: return "uint32";
	case EVTX_VT_UINT64: return "uint64";
	case EVTX_VT_BINARY: return "binary";
	case EVTX_VT_GUID: return "guid";
	case EVTX_VT_FILETIME: return "filetime";
	case EVTX_VT_SYSTEMTIME: return "systemtime";
	case EVTX_VT_SID: return "sid";
	case EVTX_VT_HEX32: return "hex32";
	case EVTX_VT_HEX64: return "hex64";
	default: return "unknown type";
	}
}

static int s_classic_eventdata(struct evtx_writer *w, const struct evtx_event *ev)
{
	static const char key[] = "C1\x1f";
	size_t desc, start, i;

	s_fragment_header(w);
	s_template_instance(w, key, sizeof(key) - 1, s_classic_template, ev);
	s_u32(w, 3);
	desc = s_reserve(w, 4 * 3);
	if (ev->ndata) {
		/* each string with its terminator, one after the other */
		start = w->slen;
		for (i = 0; i < ev->ndata; i++) {
			s_utf16(w, ev->data[i] ? ev->data[i] : "");
			s_u16(w, 0);
		}
		if (w->slen - start > MAX_VALUE_SIZE)
			return err_set(&w->err, -E_LIMIT, "strings: %zu bytes > %u",
			               w->slen - start, MAX_VALUE_SIZE);
		s_patch16(w, desc, (uint16_t)(w->slen - start));
		if (!w->oom)
			w->sp[desc + 2] = EVTX_VT_STRING_ARRAY;
	}
	s_u32(w, (uint32_t)ev->binary_len);
	s_patch16(w, desc + 4, 4);
	if (!w->oom)
		w->sp[desc + 4 + 2] = EVTX_VT_UINT32;
	if (ev->binary) {
		if (ev->binary_len > MAX_VALUE_SIZE)
			return err_set(&w->err, -E_LIMIT, "binary: %zu bytes > %u",
			               ev->binary_len, MAX_VALUE_SIZE);
		s_bytes(w, ev->binary, ev->binary_len);
		s_patch16(w, desc + 8, (uint16_t)ev->binary_len);
		if (!w->oom)
			w->sp[desc + 8 + 2] = EVTX_VT_BINARY;
	}
	s_u8(w, TOK_EOF);
	return 0;
}

/* The nested <EventData> fragment (substitution 19's value). */
static int s_eventdata(struct evtx_writer *w, const struct evtx_event *ev)
{
	size_t n = ev->ndata + (ev->binary ? 1 : 0), desc, i, keylen;

	if (classic_layout(ev))
		return s_classic_eventdata(w, ev);
	keylen = eventdata_key(w->keybuf, sizeof(w->keybuf), ev);
	if (!keylen)
		return err_set(&w->err, -E_LIMIT, "data names too long");
	s_fragment_header(w);
	s_template_instance(w, w->keybuf, keylen, s_eventdata_template, ev);
	s_u32(w, (uint32_t)n);
	desc = s_reserve(w, 4 * n);
	for (i = 0; i < n; i++) {
		uint8_t type;
		long sz;

		if (i < ev->ndata) {
			type = ev->data[i] ? data_type(ev, i) : EVTX_VT_NULL;
			sz = s_data_value(w, ev, i);
			if (sz == -2)
				return err_set(&w->err, -E_USAGE, "data %zu: value type 0x%02x not supported",
				               i, data_type(ev, i));
			if (sz < 0)
				return err_set(&w->err, -E_USAGE, "data %zu: '%s' is not a %s",
				               i, ev->data[i], type_name(data_type(ev, i)));
		} else {
			type = EVTX_VT_BINARY;
			s_bytes(w, ev->binary, ev->binary_len);
			sz = (long)ev->binary_len;
		}
		if (sz > (long)MAX_VALUE_SIZE)
			return err_set(&w->err, -E_LIMIT, "data %zu: %ld bytes > %u", i, sz, MAX_VALUE_SIZE);
		s_patch16(w, desc + 4 * i, (uint16_t)sz);  /* 0x00 size */
		if (!w->oom) {
			w->sp[desc + 4 * i + 2] = type;       /* 0x02 type */
			w->sp[desc + 4 * i + 3] = 0;
		}
	}
	s_u8(w, TOK_EOF);
	return 0;
}

static uint64_t default_keywords(const struct evtx_event *ev)
{
	if (ev->keywords)
		return ev->keywords;
	return ev->provider_guid ? 0x8000000000000000ull : 0x0080000000000000ull;
}

/* The record at chunk offset base into the scratch buffer. */
static int build_record(struct evtx_writer *w, const struct evtx_event *ev,
                        uint64_t id, uint32_t base)
{
	uint8_t sid[80];
	int sidlen = 0, classic, rc;
	size_t keylen, desc, total, i, v0;

	w->slen = 0;
	w->base = base;
	w->oom = 0;
	if (ev->user_sid) {
		sidlen = parse_sid(ev->user_sid, sid, sizeof(sid));
		if (sidlen < 0)
			return err_set(&w->err, -E_USAGE, "user sid '%s' is not a SID", ev->user_sid);
	}
	keylen = system_key(w->keybuf, sizeof(w->keybuf), ev, computer_of(w, ev));
	if (!keylen)
		return err_set(&w->err, -E_LIMIT, "provider, channel or computer name too long");

	/* event record (libyal EVTX document, "Event record") */
	s_u32(w, 0x00002a2a);          /* 0x00 "**\0\0" */
	s_reserve(w, 4);               /* 0x04 size */
	s_u64(w, id);                  /* 0x08 identifier */
	s_u64(w, ev->written_time ? ev->written_time : ev->filetime); /* 0x10 written */
	s_fragment_header(w);          /* 0x18 binary XML */
	s_template_instance(w, w->keybuf, keylen, s_system_template, ev);

	/* substitution array: count, (size, type) descriptors, values */
	s_u32(w, SYSTEM_SUBST_COUNT);
	desc = s_reserve(w, 4 * SYSTEM_SUBST_COUNT);
#define DESC(i, size, type) do { \
		s_patch16(w, desc + 4 * (i), (uint16_t)(size)); \
		if (!w->oom) w->sp[desc + 4 * (i) + 2] = (type); \
	} while (0)
	classic = ev->provider_guid == NULL || ev->event_source_name != NULL;
	s_u8(w, ev->level);             DESC(0, 1, EVTX_VT_UINT8);
	s_u8(w, ev->opcode);            DESC(1, 1, EVTX_VT_UINT8);
	s_u16(w, ev->task);             DESC(2, 2, EVTX_VT_UINT16);
	s_u16(w, ev->event_id);         DESC(3, 2, EVTX_VT_UINT16);
	if (classic || ev->qualifiers) {
		s_u16(w, ev->qualifiers);
		DESC(4, 2, EVTX_VT_UINT16);
	}
	s_u64(w, default_keywords(ev)); DESC(5, 8, EVTX_VT_HEX64);
	s_u64(w, ev->filetime);         DESC(6, 8, EVTX_VT_FILETIME);
	s_u32(w, ev->process_id);       DESC(8, 4, EVTX_VT_UINT32);
	s_u32(w, ev->thread_id);        DESC(9, 4, EVTX_VT_UINT32);
	s_u64(w, id);                   DESC(10, 8, EVTX_VT_UINT64);
	s_u8(w, ev->version);           DESC(11, 1, EVTX_VT_UINT8);
	if (sidlen > 0) {
		s_bytes(w, sid, (size_t)sidlen);
		DESC(12, sidlen, EVTX_VT_SID);
	}
	/* every real record has an <EventData> (or <UserData>), if empty;
	 * a NULL here would make libevtx fail on the record */
	v0 = w->slen;
	rc = s_eventdata(w, ev);
	if (rc < 0)
		return rc;
	if (w->slen - v0 > MAX_VALUE_SIZE)
		return err_set(&w->err, -E_LIMIT, "event data %zu bytes > %u",
		               w->slen - v0, MAX_VALUE_SIZE);
	DESC(SUBST_EVENTDATA, w->slen - v0, EVTX_VT_BINXML);
#undef DESC
	s_u8(w, TOK_EOF);
	/* Windows pads records to 8 bytes */
	total = (w->slen + 4 + 7) & ~(size_t)7;
	for (i = w->slen + 4; i < total; i++)
		s_u8(w, 0);
	s_u32(w, (uint32_t)total);     /* copy of the size */
	s_patch32(w, 4, (uint32_t)total);
	if (w->oom)
		return err_set(&w->err, -E_NOMEM, "out of memory");
	return 0;
}

/* -- chunks -- */

static void drop_tables(struct evtx_writer *w, size_t keep_names, size_t keep_tmpls)
{
	while (w->nnames > keep_names)
		free(w->names[--w->nnames].name);
	while (w->ntmpls > keep_tmpls)
		free(w->tmpls[--w->ntmpls].key);
}

/* Chunk header, tables and checksums of the current chunk (libyal EVTX
 * document, "Chunk header"); can run again after more records. */
static void finish_chunk(struct evtx_writer *w)
{
	uint8_t *c;
	uint32_t crc;
	size_t i;

	if (w->nchunks == 0)
		return;
	c = chunk_ptr(w, w->nchunks - 1);
	/* hash chains: each bucket points at its newest entry, which points
	 * at the one before (as Windows leaves them) */
	memset(c + 0x80, 0, 0x180);
	for (i = 0; i < w->nnames; i++) {
		uint8_t *bucket = c + 0x80 + 4 * (w->names[i].hash % 64);

		put_le32(c + w->names[i].off, le32(bucket));
		put_le32(bucket, w->names[i].off);
	}
	for (i = 0; i < w->ntmpls; i++) {
		/* which bucket Windows picks is not documented; any works */
		uint8_t *bucket = c + 0x180 + 4 * (le32(w->tmpls[i].guid) % 32);

		put_le32(c + w->tmpls[i].off, le32(bucket));
		put_le32(bucket, w->tmpls[i].off);
	}
	memcpy(c, "ElfChnk", 8);                    /* 0x00 signature */
	put_le64(c + 0x08, w->first_id);            /* first record number */
	put_le64(c + 0x10, w->last_id);             /* last record number */
	put_le64(c + 0x18, w->first_id);            /* first record identifier */
	put_le64(c + 0x20, w->last_id);             /* last record identifier */
	put_le32(c + 0x28, 128);                    /* header size */
	put_le32(c + 0x2c, w->last_rec_off);        /* last record offset */
	put_le32(c + 0x30, w->free_off);            /* free space offset */
	put_le32(c + 0x34, crc32_update(0, c + EVTX_CHUNK_HEADER_SIZE,
	                                w->free_off - EVTX_CHUNK_HEADER_SIZE));
	put_le32(c + 0x78, 1);                      /* flags, 1 in every real log */
	crc = crc32_update(0, c, 120);              /* header: 0-120 and 128-512 */
	crc = crc32_update(crc, c + 128, EVTX_CHUNK_HEADER_SIZE - 128);
	put_le32(c + 0x7c, crc);
}

static int new_chunk(struct evtx_writer *w)
{
	size_t need = EVTX_FILE_HEADER_SIZE + (w->nchunks + 1) * EVTX_CHUNK_SIZE;

	if (w->nchunks >= 0xffff)
		return err_set(&w->err, -E_LIMIT, "more than 65535 chunks");
	finish_chunk(w);
	if (need > w->cap) {
		size_t ncap = w->cap * 2;
		uint8_t *p;

		while (ncap < need)
			ncap *= 2;
		p = realloc(w->file, ncap);
		if (!p)
			return err_set(&w->err, -E_NOMEM, "out of memory");
		w->file = p;
		w->cap = ncap;
	}
	memset(w->file + w->len, 0, EVTX_CHUNK_SIZE);
	memcpy(w->file + w->len, "ElfChnk", 8);
	w->len = need;
	w->nchunks++;
	drop_tables(w, 0, 0);
	w->names_kept = w->tmpls_kept = 0;
	w->free_off = EVTX_CHUNK_HEADER_SIZE;
	w->last_rec_off = 0;
	w->first_id = w->last_id = 0;
	w->chunk_records = 0;
	return 0;
}

/* ---- public ---------------------------------------------------------- */

struct evtx_writer *evtx_writer_new(void)
{
	struct evtx_writer *w = calloc(1, sizeof(*w));

	if (!w)
		return NULL;
	w->cap = EVTX_FILE_HEADER_SIZE + 4 * EVTX_CHUNK_SIZE;
	w->file = calloc(1, w->cap);
	if (!w->file) {
		free(w);
		return NULL;
	}
	w->len = EVTX_FILE_HEADER_SIZE;
	w->next_id = 1;
	err_init(&w->err);
	return w;
}

void evtx_writer_free(struct evtx_writer *w)
{
	if (!w)
		return;
	drop_tables(w, 0, 0);
	free(w->names);
	free(w->tmpls);
	free(w->sp);
	free(w->file);
	free(w->computer);
	free(w);
}

/* Builds the record as the first of a new, empty chunk without touching
 * the current chunk's tables: 0 when it fits there, <0 otherwise. */
static int fits_fresh_chunk(struct evtx_writer *w, const struct evtx_event *ev, uint64_t id)
{
	struct name_ent *names = w->names;
	struct tmpl_ent *tmpls = w->tmpls;
	size_t nn = w->nnames, nc = w->names_cap, tn = w->ntmpls, tc = w->tmpls_cap;
	int rc;

	w->names = NULL;
	w->tmpls = NULL;
	w->nnames = w->names_cap = w->ntmpls = w->tmpls_cap = 0;
	rc = build_record(w, ev, id, EVTX_CHUNK_HEADER_SIZE);
	if (rc == 0 && EVTX_CHUNK_HEADER_SIZE + w->slen > CHUNK_RECORDS_END)
		rc = err_set(&w->err, -E_LIMIT, "record of %zu bytes does not fit in a chunk", w->slen);
	drop_tables(w, 0, 0);
	free(w->names);
	free(w->tmpls);
	w->names = names;
	w->tmpls = tmpls;
	w->nnames = nn;
	w->names_cap = nc;
	w->ntmpls = tn;
	w->tmpls_cap = tc;
	return rc;
}

int evtx_writer_add(struct evtx_writer *w, const struct evtx_event *ev)
{
	uint64_t id;
	int rc;

	if (!w || !ev)
		return -E_USAGE;
	err_init(&w->err);
	if (!ev->provider || !*ev->provider)
		return err_set(&w->err, -E_USAGE, "event %u: no provider name", ev->event_id);
	if (ev->ndata > EVTX_MAX_DATA)
		return err_set(&w->err, -E_USAGE, "event %u: %zu data items > %d",
		               ev->event_id, ev->ndata, EVTX_MAX_DATA);
	if (!ev->binary && ev->binary_len)
		return err_set(&w->err, -E_USAGE, "event %u: binary_len without binary", ev->event_id);
	id = ev->record_id ? ev->record_id : w->next_id;
	if (w->nchunks > 0) {
		rc = build_record(w, ev, id, w->free_off);
		if (rc == 0 && w->free_off + w->slen <= CHUNK_RECORDS_END)
			goto commit;
		drop_tables(w, w->names_kept, w->tmpls_kept);
		if (rc < 0)
			return err_wrap(&w->err, "event %u", ev->event_id);
		if (w->chunk_records == 0)
			return err_set(&w->err, -E_LIMIT, "event %u: record of %zu bytes does not fit in a chunk",
			               ev->event_id, w->slen);
	}
	/* a new chunk only for a record that fits in one: a refused event
	 * leaves the file as it was */
	rc = fits_fresh_chunk(w, ev, id);
	if (rc < 0)
		return err_wrap(&w->err, "event %u", ev->event_id);
	rc = new_chunk(w);
	if (rc < 0)
		return rc;
	rc = build_record(w, ev, id, w->free_off);
	if (rc < 0 || w->free_off + w->slen > CHUNK_RECORDS_END) {
		drop_tables(w, w->names_kept, w->tmpls_kept);
		return rc < 0 ? err_wrap(&w->err, "event %u", ev->event_id) :
		       err_set(&w->err, -E_INTERNAL, "event %u: record grew", ev->event_id);
	}
commit:
	memcpy(chunk_ptr(w, w->nchunks - 1) + w->free_off, w->sp, w->slen);
	w->names_kept = w->nnames;
	w->tmpls_kept = w->ntmpls;
	w->last_rec_off = w->free_off;
	w->free_off += (uint32_t)w->slen;
	if (w->chunk_records++ == 0)
		w->first_id = id;
	w->last_id = id;
	w->nrecords++;
	w->next_id = id + 1;
	w->last_time = ev->filetime;
	return 0;
}

void evtx_writer_set_dirty(struct evtx_writer *w, int dirty)
{
	if (w)
		w->dirty = dirty != 0;
}

/* Closes the current chunk and fills the file header (libyal EVTX
 * document, "File header"). */
static int finish_file(struct evtx_writer *w)
{
	uint8_t *h;
	int rc;

	/* libevtx calls a log without chunks corrupted; an empty chunk is
	 * fine (first and last record numbers 0) */
	if (w->nchunks == 0 && (rc = new_chunk(w)) < 0)
		return rc;
	h = w->file;
	finish_chunk(w);
	memset(h, 0, EVTX_FILE_HEADER_SIZE);
	memcpy(h, "ElfFile", 8);                               /* 0x00 signature */
	put_le64(h + 0x08, 0);                                 /* first chunk number */
	put_le64(h + 0x10, w->nchunks ? w->nchunks - 1 : 0);   /* last chunk number */
	put_le64(h + 0x18, w->next_id);                        /* next record identifier */
	put_le32(h + 0x20, 128);                               /* header size */
	put_le16(h + 0x24, 1);                                 /* minor version */
	put_le16(h + 0x26, 3);                                 /* major version */
	put_le16(h + 0x28, EVTX_FILE_HEADER_SIZE);             /* header block size */
	put_le16(h + 0x2a, (uint16_t)w->nchunks);              /* number of chunks */
	put_le32(h + 0x78, w->dirty ? 0x1 : 0);                /* flags: 0x1 dirty */
	put_le32(h + 0x7c, crc32_update(0, h, 120));           /* checksum */
	return 0;
}

int evtx_writer_serialize(struct evtx_writer *w, uint8_t **out, size_t *len)
{
	if (!w || !out || !len)
		return -E_USAGE;
	err_init(&w->err);
	if (finish_file(w) < 0)
		return w->err.code;
	*out = malloc(w->len);
	if (!*out)
		return err_set(&w->err, -E_NOMEM, "out of memory");
	memcpy(*out, w->file, w->len);
	*len = w->len;
	return 0;
}

int evtx_writer_write_file(struct evtx_writer *w, const char *path)
{
	FILE *f;
	int ok;

	if (!w || !path)
		return -E_USAGE;
	err_init(&w->err);
	if (finish_file(w) < 0)
		return w->err.code;
	f = fopen(path, "wb");
	if (!f)
		return err_set(&w->err, -E_IO, "'%s': %s", path, strerror(errno));
	ok = fwrite(w->file, 1, w->len, f) == w->len;
	if (fclose(f) != 0)
		ok = 0;
	if (!ok)
		return err_set(&w->err, -E_IO, "'%s': write failed", path);
	return 0;
}

size_t evtx_writer_record_count(const struct evtx_writer *w)
{
	return w ? w->nrecords : 0;
}

size_t evtx_writer_chunk_count(const struct evtx_writer *w)
{
	return w ? w->nchunks : 0;
}

const char *evtx_writer_errmsg(const struct evtx_writer *w)
{
	return w ? w->err.msg : "";
}

/* ---- known providers and events -------------------------------------- */

/* From real logs (Windows 7, 10, Server 2022; see samples/MANIFEST.tsv). */
static const struct evtx_provider_info providers[] = {
	{ "Service Control Manager", "{555908d1-a6d7-4695-8e1e-26931d2012f4}",
	  "Service Control Manager", 0x8080000000000000ull, "System" },
	{ "Microsoft-Windows-CAPI2", "{5bbca4a8-b209-48dc-a8c7-b23d3e5216fb}",
	  "Microsoft-Windows-CAPI2", 0x8080000000000000ull, "Application" },
	{ "VSS", NULL, NULL, 0x0080000000000000ull, "Application" },
	{ "EventLog", NULL, NULL, 0x0080000000000000ull, "System" },
	{ "Microsoft-Windows-Kernel-General", "{A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D}",
	  NULL, 0x8000000000000000ull, "System" },
	{ "User32", "{b0aa8734-56f7-41cc-b2f4-de228e98b946}", "User32",
	  0x8080000000000000ull, "System" },
	{ "Microsoft-Windows-Backup", "{1db28f2e-8f80-4027-8c5a-a11f7f10f62d}",
	  NULL, 0x8000000000000000ull, "Application" },
	{ "volsnap", NULL, NULL, 0x0080000000000000ull, "System" },
	{ "swprv", NULL, NULL, 0x0080000000000000ull, "Application" },
	{ "Microsoft-Windows-Eventlog", "{fc65ddd8-d6ef-4962-83d5-6e5cfe9ce148}",
	  NULL, 0x8000000000000000ull, "System" },
};

struct known_event {
	const char *provider;
	uint16_t id;
	uint8_t level;
	uint16_t qualifiers;
};

static const struct known_event known_events[] = {
	{ "Service Control Manager", 7000, 2, 49152 },
	{ "Service Control Manager", 7001, 2, 49152 },
	{ "Service Control Manager", 7009, 2, 49152 },
	{ "Service Control Manager", 7011, 2, 49152 },
	{ "Service Control Manager", 7022, 2, 49152 },
	{ "Service Control Manager", 7023, 2, 49152 },
	{ "Service Control Manager", 7024, 2, 49152 },
	{ "Service Control Manager", 7026, 2, 49152 },
	{ "Service Control Manager", 7031, 2, 49152 },
	{ "Service Control Manager", 7034, 2, 49152 },
	{ "Service Control Manager", 7036, 4, 16384 },
	{ "Service Control Manager", 7040, 4, 16384 },
	{ "Service Control Manager", 7045, 4, 16384 },
	{ "Microsoft-Windows-CAPI2", 512, 2, 0 },
	{ "Microsoft-Windows-CAPI2", 513, 2, 0 },
	{ "VSS", 8193, 2, 0 },
	{ "VSS", 8194, 2, 0 },
	{ "VSS", 8213, 2, 0 },
	{ "VSS", 12289, 2, 0 },
	{ "VSS", 12292, 2, 0 },
	{ "VSS", 12302, 2, 0 },
	{ "VSS", 8224, 4, 0 },
	{ "swprv", 11, 2, 0 },
	{ "volsnap", 11, 2, 49158 },
	{ "volsnap", 36, 2, 49158 },
	{ "EventLog", 6005, 4, 32768 },
	{ "EventLog", 6006, 4, 32768 },
	{ "EventLog", 6008, 2, 32768 },
	{ "EventLog", 6009, 4, 32768 },
	{ "EventLog", 6013, 4, 32768 },
	{ "User32", 1074, 4, 32768 },
	{ "Microsoft-Windows-Kernel-General", 12, 4, 0 },
	{ "Microsoft-Windows-Kernel-General", 13, 4, 0 },
	{ "Microsoft-Windows-Backup", 517, 2, 0 },
	{ "Microsoft-Windows-Backup", 521, 2, 0 },
};

const struct evtx_provider_info *evtx_provider_lookup(const char *name)
{
	size_t i;

	if (!name)
		return NULL;
	for (i = 0; i < sizeof(providers) / sizeof(providers[0]); i++)
		if (strcmp(providers[i].name, name) == 0)
			return &providers[i];
	return NULL;
}

void evtx_event_apply_defaults(struct evtx_event *ev)
{
	const struct evtx_provider_info *p;
	size_t i;

	if (!ev || !(p = evtx_provider_lookup(ev->provider)))
		return;
	if (!ev->provider_guid)
		ev->provider_guid = p->guid;
	if (!ev->event_source_name)
		ev->event_source_name = p->event_source_name;
	if (!ev->keywords)
		ev->keywords = p->keywords;
	if (!ev->channel)
		ev->channel = p->channel;
	for (i = 0; i < sizeof(known_events) / sizeof(known_events[0]); i++) {
		if (known_events[i].id != ev->event_id ||
		    strcmp(known_events[i].provider, ev->provider) != 0)
			continue;
		if (!ev->level)
			ev->level = known_events[i].level;
		if (!ev->qualifiers)
			ev->qualifiers = known_events[i].qualifiers;
		break;
	}
	if (!ev->level)
		ev->level = 4;
}

/* ---- the spec language ----------------------------------------------- */

#define DEFAULT_START "2024-06-01T10:00:00Z"
#define SECOND 10000000ull             /* FILETIME units */

/* The next word of *ps, unescaped into *out (advanced past its NUL).
 * Returns 1, 0 at the end of the line, or -1 for a bad escape/quote. */
static int next_word(const char **ps, char **out, const char **word)
{
	const char *s = *ps;
	char *o = *out;
	int quoted = 0;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s || *s == '\n' || *s == '\r')
		return 0;
	*word = o;
	while (*s && *s != '\n' && (quoted || (*s != ' ' && *s != '\t' && *s != '\r'))) {
		if (*s == '"') {
			quoted = !quoted;
			s++;
			continue;
		}
		if (*s != '\\') {
			*o++ = *s++;
			continue;
		}
		s++;
		switch (*s) {
		case 'n': *o++ = '\n'; break;
		case 'r': *o++ = '\r'; break;
		case 't': *o++ = '\t'; break;
		case '\\': case '"': case ' ': case '\'': *o++ = *s; break;
		case 'x': {
			int hi = hex_digit((unsigned char)s[1]);
			int lo = hi < 0 ? -1 : hex_digit((unsigned char)s[2]);

			if (lo < 0)
				return -1;
			*o++ = (char)(hi << 4 | lo);
			s += 2;
			break;
		}
		default:
			return -1;
		}
		s++;
	}
	if (quoted)
		return -1;
	*o++ = '\0';
	*out = o;
	*ps = s;
	return 1;
}

static int type_by_name(const char *name, size_t len)
{
	static const uint8_t types[] = {
		EVTX_VT_STRING, EVTX_VT_UINT8, EVTX_VT_UINT16, EVTX_VT_UINT32,
		EVTX_VT_UINT64, EVTX_VT_HEX32, EVTX_VT_HEX64, EVTX_VT_FILETIME,
		EVTX_VT_SYSTEMTIME, EVTX_VT_SID, EVTX_VT_GUID, EVTX_VT_BINARY,
	};
	size_t i;

	for (i = 0; i < sizeof(types); i++) {
		const char *n = type_name(types[i]);

		if (strlen(n) == len && strncmp(n, name, len) == 0)
			return types[i];
	}
	return -1;
}

static int field_num(struct evtx_writer *w, const char *key, const char *v,
                     uint64_t max, uint64_t *out)
{
	if (parse_u64(v, max, out))
		return err_set(&w->err, -E_USAGE, "%s: '%s' is not a number up to %llu",
		               key, v, (unsigned long long)max);
	return 0;
}

static int hex_bytes(const char *hex, uint8_t **out, size_t *len)
{
	size_t n = strlen(hex), i;

	if (n % 2)
		return -1;
	*out = malloc(n / 2 + 1);
	if (!*out)
		return -1;
	for (i = 0; i < n; i += 2) {
		int hi = hex_digit((unsigned char)hex[i]), lo = hex_digit((unsigned char)hex[i + 1]);

		if (hi < 0 || lo < 0) {
			free(*out);
			*out = NULL;
			return -1;
		}
		(*out)[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	*len = n / 2;
	return 0;
}

static int parse_fields(struct evtx_writer *w, const char *fields, char *buf,
                        struct evtx_event *ev, uint8_t **bin)
{
	const char *s = fields, *word;
	int rc, no_guid = 0, no_source = 0;
	uint64_t v;

	memset(ev, 0, sizeof(*ev));
	while ((rc = next_word(&s, &buf, &word)) == 1) {
		const char *eq = strchr(word, '='), *val, *dot;
		size_t klen;

		if (!eq)
			return err_set(&w->err, -E_USAGE, "'%s': not KEY=VALUE", word);
		klen = (size_t)(eq - word);
		val = eq + 1;
		dot = memchr(word, '.', klen);
#define KEY(k) (klen == sizeof(k) - 1 && strncmp(word, k, klen) == 0)
		if (KEY("provider")) {
			ev->provider = val;
		} else if (KEY("guid")) {
			no_guid = strcmp(val, "none") == 0;
			ev->provider_guid = no_guid ? NULL : val;
		} else if (KEY("source")) {
			no_source = strcmp(val, "none") == 0;
			ev->event_source_name = no_source ? NULL : val;
		} else if (KEY("id")) {
			if ((rc = field_num(w, "id", val, 0xffff, &v)) < 0)
				return rc;
			ev->event_id = (uint16_t)v;
		} else if (KEY("qualifiers")) {
			if ((rc = field_num(w, "qualifiers", val, 0xffff, &v)) < 0)
				return rc;
			ev->qualifiers = (uint16_t)v;
		} else if (KEY("level")) {
			if ((rc = field_num(w, "level", val, 0xff, &v)) < 0)
				return rc;
			ev->level = (uint8_t)v;
		} else if (KEY("task")) {
			if ((rc = field_num(w, "task", val, 0xffff, &v)) < 0)
				return rc;
			ev->task = (uint16_t)v;
		} else if (KEY("opcode")) {
			if ((rc = field_num(w, "opcode", val, 0xff, &v)) < 0)
				return rc;
			ev->opcode = (uint8_t)v;
		} else if (KEY("version")) {
			if ((rc = field_num(w, "version", val, 0xff, &v)) < 0)
				return rc;
			ev->version = (uint8_t)v;
		} else if (KEY("keywords")) {
			if ((rc = field_num(w, "keywords", val, UINT64_MAX, &v)) < 0)
				return rc;
			ev->keywords = v;
		} else if (KEY("record")) {
			if ((rc = field_num(w, "record", val, UINT64_MAX, &v)) < 0)
				return rc;
			ev->record_id = v;
		} else if (KEY("pid")) {
			if ((rc = field_num(w, "pid", val, 0xffffffffu, &v)) < 0)
				return rc;
			ev->process_id = (uint32_t)v;
		} else if (KEY("tid")) {
			if ((rc = field_num(w, "tid", val, 0xffffffffu, &v)) < 0)
				return rc;
			ev->thread_id = (uint32_t)v;
		} else if (KEY("time") || KEY("written")) {
			uint64_t ft = evtx_filetime(val);

			if (!ft)
				return err_set(&w->err, -E_USAGE, "%.*s: '%s' is not a time like %s",
				               (int)klen, word, val, DEFAULT_START);
			if (word[0] == 't')
				ev->filetime = ft;
			else
				ev->written_time = ft;
		} else if (KEY("channel")) {
			ev->channel = val;
		} else if (KEY("computer")) {
			ev->computer = val;
		} else if (KEY("user")) {
			ev->user_sid = val;
		} else if (KEY("binary") || KEY("binary_utf16")) {
			size_t n;

			if (*bin)
				return err_set(&w->err, -E_USAGE, "more than one binary");
			if (klen == 6) {
				if (hex_bytes(val, bin, &n))
					return err_set(&w->err, -E_USAGE, "binary: '%s' is not hex bytes", val);
			} else {
				n = evtx_utf16z(val, NULL, 0);
				*bin = malloc(n);
				if (!*bin)
					return err_set(&w->err, -E_NOMEM, "out of memory");
				evtx_utf16z(val, *bin, n);
			}
			ev->binary = *bin;
			ev->binary_len = n;
		} else if ((dot ? (size_t)(dot - word) : klen) == 4 &&
		           (strncmp(word, "data", 4) == 0 || strncmp(word, "text", 4) == 0)) {
			int type = EVTX_VT_STRING;

			if (dot) {
				type = type_by_name(dot + 1, klen - 5);
				if (type < 0)
					return err_set(&w->err, -E_USAGE, "'%.*s': unknown value type",
					               (int)klen, word);
			}
			if (ev->ndata == EVTX_MAX_DATA)
				return err_set(&w->err, -E_USAGE, "more than %d data items", EVTX_MAX_DATA);
			if (word[0] == 'd') {
				char *colon = strchr(val, ':');

				if (!colon)
					return err_set(&w->err, -E_USAGE, "data: '%s' is not NAME:TEXT", val);
				*colon = '\0';  /* val points into our own buffer */
				ev->data_names[ev->ndata] = val;
				val = colon + 1;
			}
			ev->data[ev->ndata] = val;
			ev->data_types[ev->ndata] = (uint8_t)(type == EVTX_VT_STRING ? 0 : type);
			ev->ndata++;
		} else {
			return err_set(&w->err, -E_USAGE, "unknown field '%.*s'", (int)klen, word);
		}
#undef KEY
	}
	if (rc < 0)
		return err_set(&w->err, -E_USAGE, "bad escape or unclosed quote");
	if (!ev->provider)
		return err_set(&w->err, -E_USAGE, "no provider=");
	evtx_event_apply_defaults(ev);
	if (no_guid)
		ev->provider_guid = NULL;
	if (no_source)
		ev->event_source_name = NULL;
	if (!ev->computer)
		ev->computer = w->computer ? w->computer : DEFAULT_COMPUTER;
	if (!ev->filetime)
		ev->filetime = w->last_time ? w->last_time + SECOND : evtx_filetime(DEFAULT_START);
	return 0;
}

int evtx_writer_add_fields(struct evtx_writer *w, const char *fields)
{
	struct evtx_event ev;
	uint8_t *bin = NULL;
	char *buf;
	int rc;

	if (!w || !fields)
		return -E_USAGE;
	err_init(&w->err);
	buf = malloc(2 * strlen(fields) + 2);
	if (!buf)
		return err_set(&w->err, -E_NOMEM, "out of memory");
	rc = parse_fields(w, fields, buf, &ev, &bin);
	if (rc == 0)
		rc = evtx_writer_add(w, &ev);
	free(bin);
	free(buf);
	return rc;
}

/* -- the bulk generator -- */

struct svc {
	const char *key, *name;
	int demand;                  /* starts and stops during the day */
};

static const struct svc services[] = {
	{ "CryptSvc", "Cryptographic Services", 0 },
	{ "EventSystem", "COM+ Event System", 0 },
	{ "VSS", "Volume Shadow Copy", 1 },
	{ "swprv", "Microsoft Software Shadow Copy Provider", 1 },
	{ "BITS", "Background Intelligent Transfer Service", 1 },
	{ "TrustedInstaller", "Windows Modules Installer", 1 },
	{ "WinHttpAutoProxySvc", "WinHTTP Web Proxy Auto-Discovery Service", 1 },
	{ "wuauserv", "Windows Update", 0 },
	{ "Spooler", "Print Spooler", 0 },
	{ "W32Time", "Windows Time", 0 },
	{ "Dhcp", "DHCP Client", 0 },
	{ "Dnscache", "DNS Client", 0 },
	{ "LanmanServer", "Server", 0 },
	{ "LanmanWorkstation", "Workstation", 0 },
	{ "RemoteRegistry", "Remote Registry", 1 },
	{ "sppsvc", "Software Protection", 1 },
	{ "WinRM", "Windows Remote Management (WS-Management)", 0 },
	{ "wmiApSrv", "WMI Performance Adapter", 1 },
	{ "Winmgmt", "Windows Management Instrumentation", 0 },
	{ "gpsvc", "Group Policy Client", 0 },
	{ "netprofm", "Network List Service", 0 },
	{ "NlaSvc", "Network Location Awareness", 0 },
	{ "Schedule", "Task Scheduler", 0 },
	{ "SENS", "System Event Notification Service", 0 },
	{ "TermService", "Remote Desktop Services", 0 },
	{ "COMSysApp", "COM+ System Application", 1 },
	{ "msiserver", "Windows Installer", 1 },
	{ "MSDTC", "Distributed Transaction Coordinator", 0 },
	{ "iphlpsvc", "IP Helper", 0 },
	{ "KeyIso", "CNG Key Isolation", 1 },
	{ "WerSvc", "Windows Error Reporting Service", 1 },
	{ "PerfHost", "Performance Counter DLL Host", 1 },
	{ "Appinfo", "Application Information", 1 },
	{ "AeLookupSvc", "Application Experience", 1 },
	{ "ProfSvc", "User Profile Service", 0 },
	{ "wbengine", "Block Level Backup Engine Service", 1 },
};
#define NSVC (sizeof(services) / sizeof(services[0]))

static const char *const capi2_513[] = {
	"Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Microsoft Link-Layer Discovery Protocol.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n",
	"Details:\r\nAddCoreCsiFiles : BeginFileEnumeration() failed.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n",
	"Details:\r\nAddCoreCsiFiles : RtlConvertNtFilePathToWin32Path() failed.\r\n\r\nSystem Error:\r\n0xC0000039\r\n",
	"Details:\r\nAddLegacyDriverFiles: Unable to back up image of binary Intel(R) PRO/1000 MT Network Connection.\r\n\r\nSystem Error:\r\nThe system cannot find the file specified.\r\n",
};

static const char *const scm_errors[] = {
	"The service did not respond to the start or control request in a timely fashion.",
	"The system cannot find the file specified.",
	"Access is denied.",
	"The dependency service or group failed to start.",
	"The service cannot be started, either because it is disabled or because it has no enabled devices associated with it.",
};

struct gen {
	struct evtx_writer *w;
	uint64_t s, t;
	const char *computer;
	size_t left;
	int running[NSVC];
	char txt[EVTX_MAX_DATA][640];
	uint8_t bin[512];
};

static uint64_t rnd(struct gen *g)
{
	/* splitmix64 */
	uint64_t z = (g->s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static unsigned below(struct gen *g, unsigned n)
{
	return (unsigned)(rnd(g) % n);
}

static void gen_event(struct gen *g, struct evtx_event *ev, const char *provider, uint16_t id)
{
	memset(ev, 0, sizeof(*ev));
	ev->provider = provider;
	ev->event_id = id;
	ev->filetime = g->t;
	ev->computer = g->computer;
	ev->process_id = 500 + 4 * below(g, 40);
	ev->thread_id = 1000 + 4 * below(g, 2000);
}

/* item i: TEXT formatted into the generator's buffer i */
static void gen_data(struct gen *g, struct evtx_event *ev, const char *name,
                     uint8_t type, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void gen_data(struct gen *g, struct evtx_event *ev, const char *name,
                     uint8_t type, const char *fmt, ...)
{
	va_list ap;
	size_t i = ev->ndata++;

	va_start(ap, fmt);
	vsnprintf(g->txt[i], sizeof(g->txt[i]), fmt, ap);
	va_end(ap);
	ev->data_names[i] = name;
	ev->data[i] = g->txt[i];
	ev->data_types[i] = type;
}

static void gen_time_text(uint64_t ft, char *buf, size_t cap)
{
	int64_t secs = (int64_t)((ft - FILETIME_UNIX_EPOCH) / SECOND);
	int64_t days = secs / 86400, rem = secs % 86400;
	unsigned m, d;
	int y;

	civil_from_days(days, &y, &m, &d);
	snprintf(buf, cap, "%04d-%02u-%02uT%02u:%02u:%02u.%07uZ", y, m, d,
	         (unsigned)(rem / 3600), (unsigned)(rem / 60 % 60), (unsigned)(rem % 60),
	         (unsigned)((ft - FILETIME_UNIX_EPOCH) % SECOND));
}

static int gen_add(struct gen *g, struct evtx_event *ev)
{
	int rc;

	if (g->left == 0)
		return 0;
	evtx_event_apply_defaults(ev);
	if (strcmp(ev->provider, "Service Control Manager") == 0)
		ev->process_id = 548;
	rc = evtx_writer_add(g->w, ev);
	if (rc < 0)
		return rc;
	g->left--;
	return 0;
}

static int gen_7036(struct gen *g, size_t si, int running)
{
	struct evtx_event ev;
	char state[64];

	gen_event(g, &ev, "Service Control Manager", 7036);
	gen_data(g, &ev, "param1", 0, "%s", services[si].name);
	gen_data(g, &ev, "param2", 0, "%s", running ? "running" : "stopped");
	snprintf(state, sizeof(state), "%s/%d", services[si].key, running ? 4 : 1);
	ev.binary = g->bin;
	ev.binary_len = evtx_utf16z(state, g->bin, sizeof(g->bin));
	g->running[si] = running;
	return gen_add(g, &ev);
}

static int gen_boot(struct gen *g)
{
	struct evtx_event ev;
	char tb[64];
	size_t i;
	int rc;

	gen_event(g, &ev, "EventLog", 6009);
	gen_data(g, &ev, NULL, 0, "6.01.");
	gen_data(g, &ev, NULL, 0, "7601");
	gen_data(g, &ev, NULL, 0, "Service Pack 1");
	gen_data(g, &ev, NULL, 0, "Multiprocessor Free");
	gen_data(g, &ev, NULL, 0, "17514");
	if ((rc = gen_add(g, &ev)) < 0)
		return rc;
	gen_event(g, &ev, "EventLog", 6005);
	memset(g->bin, 0, 24);
	put_systemtime(g->bin, g->t);
	ev.binary = g->bin;
	ev.binary_len = 24;
	if ((rc = gen_add(g, &ev)) < 0)
		return rc;
	gen_event(g, &ev, "Microsoft-Windows-Kernel-General", 12);
	ev.process_id = 4;
	ev.thread_id = 8;
	ev.user_sid = "S-1-5-18";
	gen_data(g, &ev, "MajorVersion", EVTX_VT_UINT32, "6");
	gen_data(g, &ev, "MinorVersion", EVTX_VT_UINT32, "1");
	gen_data(g, &ev, "BuildVersion", EVTX_VT_UINT32, "7601");
	gen_data(g, &ev, "QfeVersion", EVTX_VT_UINT32, "17514");
	gen_data(g, &ev, "ServiceVersion", EVTX_VT_UINT32, "1");
	gen_data(g, &ev, "BootMode", EVTX_VT_UINT32, "0");
	gen_time_text(g->t - 30 * SECOND, tb, sizeof(tb));
	gen_data(g, &ev, "StartTime", EVTX_VT_FILETIME, "%s", tb);
	if ((rc = gen_add(g, &ev)) < 0)
		return rc;
	for (i = 0; i < NSVC; i++) {
		g->running[i] = 0;
		if (services[i].demand)
			continue;
		g->t += 500000 + below(g, 20000000);
		if ((rc = gen_7036(g, i, 1)) < 0)
			return rc;
	}
	return 0;
}

static int gen_shutdown(struct gen *g)
{
	struct evtx_event ev;
	char tb[64];
	size_t i;
	int rc;

	gen_event(g, &ev, "User32", 1074);
	ev.user_sid = "S-1-5-18";
	gen_data(g, &ev, "param1", 0, "C:\\Windows\\system32\\winlogon.exe (%s)", g->computer);
	gen_data(g, &ev, "param2", 0, "%s", g->computer);
	gen_data(g, &ev, "param3", 0, "Operating System: Upgrade (Planned)");
	gen_data(g, &ev, "param4", 0, "0x80020003");
	gen_data(g, &ev, "param5", 0, "restart");
	gen_data(g, &ev, "param6", 0, "%s", "");
	gen_data(g, &ev, "param7", 0, "NT AUTHORITY\\SYSTEM");
	if ((rc = gen_add(g, &ev)) < 0)
		return rc;
	for (i = 0; i < NSVC; i++) {
		if (!g->running[i] || below(g, 3) == 0)
			continue;
		g->t += 100000 + below(g, 5000000);
		if ((rc = gen_7036(g, i, 0)) < 0)
			return rc;
	}
	g->t += SECOND + below(g, 10 * SECOND);
	gen_event(g, &ev, "Microsoft-Windows-Kernel-General", 13);
	ev.process_id = 4;
	gen_time_text(g->t, tb, sizeof(tb));
	gen_data(g, &ev, "StopTime", EVTX_VT_FILETIME, "%s", tb);
	if ((rc = gen_add(g, &ev)) < 0)
		return rc;
	gen_event(g, &ev, "EventLog", 6006);
	put_le32(g->bin, 1);
	put_le32(g->bin + 4, 0x000264a1 + below(g, 100000));
	ev.binary = g->bin;
	ev.binary_len = 8;
	return gen_add(g, &ev);
}

static int gen_vss_binary(struct gen *g, struct evtx_event *ev)
{
	int n = snprintf((char *)g->bin, sizeof(g->bin),
	                 "- Code:  SYSWRTRC%08u- Call:  SYSWRTRC%08u- PID:  %08u- TID:  %08u- CMD:  C:\\Windows\\system32\\vssvc.exe   - User: Name: NT AUTHORITY\\SYSTEM, SID:S-1-5-18 ",
	                 below(g, 1000), below(g, 1000), 3680 + below(g, 100), 3692 + below(g, 100));

	ev->binary = g->bin;
	ev->binary_len = (size_t)n;
	return 0;
}

/* one event of a working day */
static int gen_day_event(struct gen *g)
{
	static const uint16_t scm_err_ids[] = { 7000, 7001, 7009, 7011, 7022, 7023, 7024, 7026, 7031, 7034 };
	struct evtx_event ev;
	unsigned r = below(g, 1000);
	size_t si = below(g, NSVC);
	char tb[64];

	if (r < 700) {
		/* demand services come and go */
		while (!services[si].demand)
			si = (si + 1) % NSVC;
		return gen_7036(g, si, !g->running[si]);
	}
	if (r < 740) {
		int to_auto = below(g, 2);

		gen_event(g, &ev, "Service Control Manager", 7040);
		ev.user_sid = "S-1-5-18";
		gen_data(g, &ev, "param1", 0, "%s", services[si].name);
		gen_data(g, &ev, "param2", 0, "%s", to_auto ? "demand start" : "auto start");
		gen_data(g, &ev, "param3", 0, "%s", to_auto ? "auto start" : "demand start");
		gen_data(g, &ev, "param4", 0, "%s", services[si].key);
		return gen_add(g, &ev);
	}
	if (r < 780) {
		gen_event(g, &ev, "Microsoft-Windows-CAPI2", 513);
		ev.process_id = 0;
		ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "%s", capi2_513[below(g, 4)]);
		return gen_add(g, &ev);
	}
	if (r < 790) {
		gen_event(g, &ev, "Microsoft-Windows-CAPI2", 512);
		gen_data(g, &ev, NULL, 0, "Details:\r\nAddCoreCsiFiles : BeginFileEnumeration() failed.\r\n\r\nSystem Error:\r\nAccess is denied.\r\n");
		return gen_add(g, &ev);
	}
	if (r < 830) {
		int xml = below(g, 2);

		gen_event(g, &ev, "VSS", 8193);
		ev.process_id = ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "%s", xml ? "XML document is too long" : "CoCreateInstance");
		gen_data(g, &ev, NULL, 0, "%s", xml ? "0x80070018, The data is invalid.\r\n" :
		         "0x8007045b, A system shutdown is in progress.\r\n");
		gen_data(g, &ev, NULL, 0, "%s", "");
		gen_vss_binary(g, &ev);
		return gen_add(g, &ev);
	}
	if (r < 845) {
		gen_event(g, &ev, "VSS", 8194);
		ev.process_id = ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "0x80070005, Access is denied.\r\n");
		gen_data(g, &ev, NULL, 0, "%s", "");
		gen_vss_binary(g, &ev);
		return gen_add(g, &ev);
	}
	if (r < 855) {
		gen_event(g, &ev, "VSS", 8213);
		ev.process_id = ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "0x80070539, The security ID structure is invalid.\r\n");
		gen_data(g, &ev, NULL, 0, "NT AUTHORITY\\NETWORK SERVICE");
		gen_vss_binary(g, &ev);
		return gen_add(g, &ev);
	}
	if (r < 865) {
		gen_event(g, &ev, "VSS", 12289);
		ev.process_id = ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "\\\\?\\Volume{%08x-0000-0000-0000-100000000000}\\ - 0000000000000%03X,0x0053c008,0000000000000000,0,0000000000000000,4096,0",
		         (unsigned)rnd(g), below(g, 4096));
		gen_data(g, &ev, NULL, 0, "0x80070001, Incorrect function.\r\n");
		gen_vss_binary(g, &ev);
		return gen_add(g, &ev);
	}
	if (r < 875) {
		gen_event(g, &ev, "VSS", 12292);
		ev.process_id = ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "{65ee1dba-8ff4-4a58-ac1c-3470ee2f376a}");
		gen_data(g, &ev, NULL, 0, "0x80040154, Class not registered\r\n");
		gen_vss_binary(g, &ev);
		return gen_add(g, &ev);
	}
	if (r < 880) {
		gen_event(g, &ev, "VSS", 12302);
		ev.process_id = ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "0x8000ffff, Catastrophic failure\r\n");
		gen_vss_binary(g, &ev);
		return gen_add(g, &ev);
	}
	if (r < 890) {
		gen_event(g, &ev, "swprv", 11);
		ev.process_id = ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "{65ee1dba-8ff4-4a58-ac1c-3470ee2f376a}");
		gen_data(g, &ev, NULL, 0, "IVssSoftwareSnapshotProvider");
		gen_data(g, &ev, NULL, 0, "0x8007007e, The specified module could not be found.\r\n");
		return gen_add(g, &ev);
	}
	if (r < 900) {
		gen_event(g, &ev, "volsnap", 36);
		ev.process_id = ev.thread_id = 0;
		gen_data(g, &ev, NULL, 0, "\\Device\\HarddiskVolumeShadowCopy%u", 1 + below(g, 30));
		gen_data(g, &ev, NULL, 0, "C:");
		memset(g->bin, 0, 40);
		put_le32(g->bin + 4, 0x00300002);
		put_le32(g->bin + 12, 0xc0060024);
		put_le32(g->bin + 16, 2);
		ev.binary = g->bin;
		ev.binary_len = 40;
		return gen_add(g, &ev);
	}
	if (r < 960) {
		uint16_t id = scm_err_ids[below(g, 10)];

		gen_event(g, &ev, "Service Control Manager", id);
		switch (id) {
		case 7000: case 7023: case 7024:
			gen_data(g, &ev, "param1", 0, "%s", services[si].name);
			gen_data(g, &ev, "param2", 0, "%s", id == 7024 ? "%%2147942405" : scm_errors[below(g, 5)]);
			break;
		case 7001:
			gen_data(g, &ev, "param1", 0, "%s", services[si].name);
			gen_data(g, &ev, "param2", 0, "%s", services[(si + 1) % NSVC].name);
			gen_data(g, &ev, "param3", 0, "%s", scm_errors[below(g, 5)]);
			break;
		case 7009: case 7011:
			gen_data(g, &ev, "param1", 0, "%u", id == 7009 ? 30000u : 30000u + 1000u * below(g, 60));
			gen_data(g, &ev, "param2", 0, "%s", services[si].name);
			break;
		case 7022:
			gen_data(g, &ev, "param1", 0, "%s", services[si].name);
			break;
		case 7026:
			gen_data(g, &ev, "param1", 0, "\r\nnetbt\r\ntdx");
			break;
		case 7031:
			gen_data(g, &ev, "param1", 0, "%s", services[si].name);
			gen_data(g, &ev, "param2", 0, "%u", 1 + below(g, 3));
			gen_data(g, &ev, "param3", 0, "%u", 60000u);
			gen_data(g, &ev, "param4", 0, "%u", 1u);
			gen_data(g, &ev, "param5", 0, "Restart the service");
			break;
		default: /* 7034 */
			gen_data(g, &ev, "param1", 0, "%s", services[si].name);
			gen_data(g, &ev, "param2", 0, "%u", 1 + below(g, 3));
			break;
		}
		if (id != 7026) {
			ev.binary = g->bin;
			ev.binary_len = evtx_utf16z(services[si].key, g->bin, sizeof(g->bin));
		}
		if (id == 7031 || id == 7034)
			g->running[si] = 0;
		return gen_add(g, &ev);
	}
	if (r < 980) {
		uint16_t id = below(g, 2) ? 517 : 521;

		gen_event(g, &ev, "Microsoft-Windows-Backup", id);
		gen_time_text(g->t - 600 * SECOND, tb, sizeof(tb));
		gen_data(g, &ev, "BackupTime", 0, "%s", tb);
		gen_data(g, &ev, "ErrorCode", 0, "%s", id == 517 ? "2155348226" : "2155348129");
		gen_data(g, &ev, "ErrorMessage", 0, "%s", id == 517 ? "%%2155348226" : "%%2155348129");
		return gen_add(g, &ev);
	}
	gen_event(g, &ev, "EventLog", 6013);
	gen_data(g, &ev, NULL, 0, "%s", "");
	gen_data(g, &ev, NULL, 0, "%s", "");
	gen_data(g, &ev, NULL, 0, "%s", "");
	gen_data(g, &ev, NULL, 0, "%s", "");
	gen_data(g, &ev, NULL, 0, "%u", below(g, 2000000));
	gen_data(g, &ev, NULL, 0, "60");
	gen_data(g, &ev, NULL, 0, "0 Coordinated Universal Time");
	return gen_add(g, &ev);
}

int evtx_writer_add_bulk(struct evtx_writer *w, size_t n, uint64_t seed,
                         uint64_t start, const char *computer)
{
	struct gen *g;
	int rc = 0, first = 1;

	if (!w)
		return -E_USAGE;
	err_init(&w->err);
	g = calloc(1, sizeof(*g));
	if (!g)
		return err_set(&w->err, -E_NOMEM, "out of memory");
	g->w = w;
	g->s = seed;
	g->left = n;
	g->computer = computer ? computer : w->computer ? w->computer : DEFAULT_COMPUTER;
	g->t = start ? start : w->last_time ? w->last_time + SECOND : evtx_filetime(DEFAULT_START);
	while (g->left > 0 && rc == 0) {
		size_t day = 100 + below(g, 1500);

		if (!first)
			g->t += 60 * SECOND + below(g, 3600) * SECOND;
		first = 0;
		rc = gen_boot(g);
		while (rc == 0 && day-- > 0 && g->left > 0) {
			g->t += SECOND / 10 + below(g, 900) * SECOND + below(g, (unsigned)SECOND);
			rc = gen_day_event(g);
		}
		if (rc == 0)
			rc = gen_shutdown(g);
	}
	free(g);
	if (rc < 0)
		return err_wrap(&w->err, "bulk");
	return 0;
}

int evtx_writer_apply_spec(struct evtx_writer *w, const char *text)
{
	const char *line = text, *next;
	unsigned lineno = 0;
	char *buf = NULL;
	int rc = 0;

	if (!w || !text)
		return -E_USAGE;
	while (*line && rc == 0) {
		const char *s, *word;
		char *b;
		size_t len;

		lineno++;
		next = strchr(line, '\n');
		len = next ? (size_t)(next - line) : strlen(line);
		free(buf);
		buf = malloc(2 * len + 2);
		if (!buf)
			return err_set(&w->err, -E_NOMEM, "out of memory");
		s = line;
		b = buf;
		err_init(&w->err);
		rc = next_word(&s, &b, &word);
		if (rc < 0) {
			rc = err_set(&w->err, -E_USAGE, "bad escape or unclosed quote");
		} else if (rc == 0 || word[0] == '#') {
			rc = 0;
		} else if (strcmp(word, "event") == 0) {
			char *fields = strndup(s, len - (size_t)(s - line));

			rc = fields ? evtx_writer_add_fields(w, fields) : err_set(&w->err, -E_NOMEM, "out of memory");
			free(fields);
		} else if (strcmp(word, "dirty") == 0 || strcmp(word, "computer") == 0) {
			const char *arg = NULL;

			rc = next_word(&s, &b, &arg);
			if (rc != 1) {
				rc = err_set(&w->err, -E_USAGE, "%s: missing argument", word);
			} else if (word[0] == 'd') {
				rc = 0;
				if (strcmp(arg, "0") && strcmp(arg, "1"))
					rc = err_set(&w->err, -E_USAGE, "dirty: '%s' is not 0 or 1", arg);
				else
					evtx_writer_set_dirty(w, arg[0] == '1');
			} else {
				free(w->computer);
				w->computer = strdup(arg);
				rc = w->computer ? 0 : err_set(&w->err, -E_NOMEM, "out of memory");
			}
		} else if (strcmp(word, "bulk") == 0) {
			const char *arg = NULL, *computer = NULL;
			uint64_t n = 0, seed = 1, start = 0;
			int nw;

			rc = next_word(&s, &b, &arg);
			if (rc != 1 || parse_u64(arg, 100000000, &n))
				rc = err_set(&w->err, -E_USAGE, "bulk: the first argument is a count");
			else
				rc = 0;
			while (rc == 0 && (nw = next_word(&s, &b, &arg)) != 0) {
				if (nw < 0)
					rc = err_set(&w->err, -E_USAGE, "bad escape or unclosed quote");
				else if (strncmp(arg, "seed=", 5) == 0)
					rc = field_num(w, "seed", arg + 5, UINT64_MAX, &seed);
				else if (strncmp(arg, "start=", 6) == 0 && !(start = evtx_filetime(arg + 6)))
					rc = err_set(&w->err, -E_USAGE, "start: '%s' is not a time", arg + 6);
				else if (strncmp(arg, "computer=", 9) == 0)
					computer = arg + 9;
				else if (strncmp(arg, "start=", 6) != 0)
					rc = err_set(&w->err, -E_USAGE, "bulk: unknown argument '%s'", arg);
			}
			if (rc == 0)
				rc = evtx_writer_add_bulk(w, (size_t)n, seed, start, computer);
		} else {
			rc = err_set(&w->err, -E_USAGE, "unknown instruction '%s'", word);
		}
		if (rc < 0)
			rc = err_wrap(&w->err, "line %u", lineno);
		line = next ? next + 1 : line + len;
	}
	free(buf);
	return rc;
}
