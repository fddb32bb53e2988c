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
#define SYSTEM_SUBST_COUNT   20u   /* Windows' <System> template, 0..19 */
#define SUBST_EVENTDATA      19u
#define MAX_VALUE_SIZE       0xffffu /* substitution sizes are 16-bit */

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

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
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
		hi = hexval((unsigned char)s[0]);
		lo = hi < 0 ? -1 : hexval((unsigned char)s[1]);
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
	s_elem_text(w, "Computer", ev->computer);

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

static size_t system_key(char *buf, size_t cap, const struct evtx_event *ev)
{
	size_t len;

	memcpy(buf, "S1\x1f", 4);
	len = 3;
	len = key_add(buf, len, cap, ev->provider);
	len = key_add(buf, len, cap, ev->provider_guid);
	len = key_add(buf, len, cap, ev->event_source_name);
	len = key_add(buf, len, cap, ev->channel ? ev->channel : "");
	len = key_add(buf, len, cap, ev->computer ? ev->computer : "");
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
			int hi = hexval((unsigned char)text[k]);
			int lo = hexval((unsigned char)text[k + 1]);

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
	keylen = system_key(w->keybuf, sizeof(w->keybuf), ev);
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
	free(w);
}

int evtx_writer_add(struct evtx_writer *w, const struct evtx_event *ev)
{
	uint64_t id;
	int rc, fresh = 0;

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
	if (w->nchunks == 0) {
		rc = new_chunk(w);
		if (rc < 0)
			return rc;
		fresh = 1;
	}
	for (;;) {
		rc = build_record(w, ev, id, w->free_off);
		if (rc == 0 && w->free_off + w->slen <= EVTX_CHUNK_SIZE)
			break;
		drop_tables(w, w->names_kept, w->tmpls_kept);
		if (rc < 0)
			return err_wrap(&w->err, "event %u", ev->event_id);
		if (fresh || w->chunk_records == 0)
			return err_set(&w->err, -E_LIMIT, "event %u: record of %zu bytes does not fit in a chunk",
			               ev->event_id, w->slen);
		rc = new_chunk(w);
		if (rc < 0)
			return rc;
		fresh = 1;
	}
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
	return 0;
}

void evtx_writer_set_dirty(struct evtx_writer *w, int dirty)
{
	if (w)
		w->dirty = dirty != 0;
}

/* Closes the current chunk and fills the file header (libyal EVTX
 * document, "File header"). */
static void finish_file(struct evtx_writer *w)
{
	uint8_t *h = w->file;

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
}

int evtx_writer_serialize(struct evtx_writer *w, uint8_t **out, size_t *len)
{
	if (!w || !out || !len)
		return -E_USAGE;
	err_init(&w->err);
	finish_file(w);
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
	finish_file(w);
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
