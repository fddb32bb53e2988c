/* Loading the event-log index (events_log_load, events.h).  This file
 * is the libevtx adapter: libevtx_ and libbfio_ names appear only here;
 * the index itself (records, pool, providers) is events_index.c.
 *
 * libevtx 20181227 parses each record's binary XML as the record is read
 * (about 20 us a record, mostly its own allocations), and CRCs and lists
 * every chunk when it opens a file, so the index reads each record once,
 * keeps a compact struct for the providers and event ids the rules ask
 * about plus the boot markers, and closes the file: nothing of libevtx
 * outlives events_log_load().  A skim of the raw bytes (evtx_skim.c)
 * decides which records libevtx reads at all, reads the ones that need
 * no strings itself, and, when the log is sound, which chunks libevtx is
 * shown at all (load_fast).  That library version shows an event's
 * <Binary> as one more string in upper-case hex; the index turns such a
 * trailing string back into bytes. */
#define _GNU_SOURCE
#include "events_priv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libbfio.h>
#include <libevtx.h>

#include "bytes.h"
#include "gpt.h"
#include "limits.h"
#include "yal_err.h"

/* ---- libevtx errors ---------------------------------------------------- */

static int evtx_err(struct err *err, libevtx_error_t **le, int code,
		    const char *what)
{
	char msg[256] = "";

	yal_err_take(le, libevtx_error_sprint, NULL, libevtx_error_free, msg, sizeof(msg));
	return yal_err_first(err, code, what, msg);
}

/* ---- hex and binary ---------------------------------------------------- */

/* libevtx 20181227 renders <Binary> as a string of hex digits; a real
 * string of 8 or more hex digits and nothing else is rare enough. */
static int looks_hex(const char *s, size_t n)
{
	size_t i;

	if (n < 8 || n % 2)
		return 0;
	for (i = 0; i < n; i++)
		if (hex_digit((unsigned char)s[i]) < 0)
			return 0;
	return 1;
}

/* ---- loading ----------------------------------------------------------- */

static int add_string(struct events_log *log, libevtx_record_t *r, int k,
		      struct err *err)
{
	libevtx_error_t *le = NULL;
	size_t size = 0;
	int rc;

	rc = libevtx_record_get_utf8_string_size(r, k, &size, &le);
	if (rc != 1) {
		libevtx_error_free(&le);
		size = 0;
	}
	/* an empty string has size 0 and makes get_utf8_string fail; an
	 * oversized one is kept empty rather than cut in a UTF-8 sequence */
	if (size <= 1 || size > LIMIT_EVTX_STRING_LEN) {
		if (evlog_pool_reserve(log, 1, err) < 0)
			return err->code;
		log->pool[log->pool_len++] = '\0';
		return 0;
	}
	if (evlog_pool_reserve(log, size, err) < 0)
		return err->code;
	rc = libevtx_record_get_utf8_string(r, k, (uint8_t *)log->pool + log->pool_len,
					    size, &le);
	if (rc != 1) {
		libevtx_error_free(&le);
		log->pool[log->pool_len++] = '\0';
		return 0;
	}
	log->pool[log->pool_len + size - 1] = '\0';
	log->pool_len += strlen(log->pool + log->pool_len) + 1;
	return 0;
}

static int add_text(struct events_log *log, libevtx_record_t *r,
		    struct events_record *e, struct err *err)
{
	libevtx_error_t *le = NULL;
	int n = 0, k, rc;
	size_t dsize = 0, last = 0;

	e->strings = (uint32_t)log->pool_len;
	e->binary = NO_OFFSET;
	if (libevtx_record_get_number_of_strings(r, &n, &le) != 1) {
		libevtx_error_free(&le);
		n = 0;
	}
	if (n < 0)
		n = 0;
	if ((unsigned)n > LIMIT_EVTX_STRINGS)
		n = LIMIT_EVTX_STRINGS;
	for (k = 0; k < n; k++) {
		last = log->pool_len;
		rc = add_string(log, r, k, err);
		if (rc < 0)
			return rc;
	}
	e->nstrings = (uint16_t)n;
	/* the binary data: from libevtx when it gives it, else the trailing
	 * hex string (decoded in place of that string) */
	rc = libevtx_record_get_data_size(r, &dsize, &le);
	if (rc == 1 && dsize > 0 && dsize <= LIMIT_EVTX_STRING_LEN) {
		if (evlog_pool_reserve(log, dsize, err) < 0)
			return err->code;
		if (libevtx_record_get_data(r, (uint8_t *)log->pool + log->pool_len,
					    dsize, &le) == 1) {
			e->binary = (uint32_t)log->pool_len;
			e->binary_len = (uint32_t)dsize;
			log->pool_len += dsize;
			return 0;
		}
	}
	libevtx_error_free(&le);
	if (n > 0) {
		const char *s = log->pool + last;
		size_t len = strlen(s), i;

		if (looks_hex(s, len)) {
			char *dst = log->pool + last;

			for (i = 0; i < len / 2; i++)
				dst[i] = (char)(hex_digit((unsigned char)s[2 * i]) << 4 |
						hex_digit((unsigned char)s[2 * i + 1]));
			e->binary = (uint32_t)last;
			e->binary_len = (uint32_t)(len / 2);
			log->pool_len = last + len / 2;
			e->nstrings--;
		}
	}
	return 0;
}

static int add_record(struct events_log *log, libevtx_record_t *r,
		      int recovered, struct err *err)
{
	libevtx_error_t *le = NULL;
	char name[LIMIT_EVTX_PROVIDER_LEN];
	struct events_record e;
	uint32_t id = 0, q = 0, prov = 0;
	uint8_t level = 0;
	size_t size = 0;
	int rc;

	memset(&e, 0, sizeof(e));
	name[0] = '\0';
	rc = libevtx_record_get_utf8_source_name_size(r, &size, &le);
	if (rc == 1 && size > 0) {
		if (size > sizeof(name) ||
		    libevtx_record_get_utf8_source_name(r, (uint8_t *)name, sizeof(name), &le) != 1) {
			libevtx_error_free(&le);
			log->st.unreadable++;
			return 0;
		}
	}
	libevtx_error_free(&le);
	rc = evlog_provider_intern(log, name, &prov, err);
	if (rc < 0)
		return rc;
	if (log->prov_keep[prov] == KEEP_SKIP)
		return 0;
	if (libevtx_record_get_identifier(r, &e.number, &le) != 1 ||
	    libevtx_record_get_event_identifier(r, &id, &le) != 1) {
		libevtx_error_free(&le);
		log->st.unreadable++;
		return 0;
	}
	if (libevtx_record_get_written_time(r, &e.filetime, &le) != 1) {
		libevtx_error_free(&le);
		e.filetime = 0;
	}
	if (libevtx_record_get_event_identifier_qualifiers(r, &q, &le) != 1) {
		libevtx_error_free(&le);
		q = 0;
	}
	if (libevtx_record_get_event_level(r, &level, &le) != 1) {
		libevtx_error_free(&le);
		level = 0;
	}
	/* a classic event id may come with its qualifiers folded into the
	 * upper 16 bits */
	if (id > 0xffffu) {
		if (!q)
			q = id >> 16;
		id &= 0xffffu;
	}
	e.event_id = (uint16_t)id;
	e.qualifiers = (uint16_t)q;
	e.level = level;
	e.provider = prov;
	e.strings = NO_OFFSET;
	e.binary = NO_OFFSET;
	e.flags = recovered ? EVENTS_REC_RECOVERED : 0;
	if (log->prov_keep[prov] == KEEP_TEXT) {
		rc = add_text(log, r, &e, err);
		if (rc < 0)
			return rc;
		e.flags |= EVENTS_REC_TEXT;
		log->st.kept++;
	}
	return evlog_push_record(log, &e, err);
}

/* Read the records libevtx lists (or recovers); with sk, only those the
 * skim wants.  1 when the skim's enumeration turned out not to match
 * libevtx's (the caller reads everything again), 0, or <0. */
static int read_records(struct events_log *log, libevtx_file_t *file,
			int recovered, const struct evtx_skim *sk, struct err *err)
{
	libevtx_error_t *le = NULL;
	int n = 0, i, rc;

	rc = recovered ? libevtx_file_get_number_of_recovered_records(file, &n, &le)
		       : libevtx_file_get_number_of_records(file, &n, &le);
	if (rc != 1)
		return evtx_err(err, &le, -E_CORRUPT, "cannot count the records");
	if (n < 0 || (unsigned)n > LIMIT_EVTX_RECORDS)
		return err_set(err, -E_LIMIT, "%d records > %u (LIMIT_EVTX_RECORDS)",
			       n, LIMIT_EVTX_RECORDS);
	if (!recovered)
		log->st.records = (size_t)n;
	if (sk && sk->n != (size_t)n)
		return 1;
	for (i = 0; i < n; i++) {
		libevtx_record_t *r = NULL;

		if (sk && sk->want[i] != SK_READ) {
			log->st.skimmed++;
			continue;
		}
		rc = recovered ? libevtx_file_get_recovered_record_by_index(file, i, &r, &le)
			       : libevtx_file_get_record_by_index(file, i, &r, &le);
		if (rc == 1 && sk) {
			uint64_t num = 0;

			if (libevtx_record_get_identifier(r, &num, &le) != 1 || num != sk->number[i]) {
				libevtx_error_free(&le);
				libevtx_record_free(&r, NULL);
				return 1;
			}
		}
		if (rc != 1) {
			libevtx_error_free(&le);
			libevtx_record_free(&r, NULL);
			/* a recovered fragment that does not parse is noise */
			if (!recovered)
				log->st.unreadable++;
			continue;
		}
		rc = add_record(log, r, recovered, err);
		libevtx_record_free(&r, NULL);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* libevtx 20181227 fills its CRC-32 table on first use without a lock
 * (libevtx_checksum.c): two threads opening their first logs at once
 * would both write it.  Opening a bare file header once, before any load
 * (under a mutex, which race checkers such as helgrind understand where
 * they do not see pthread_once's fast path), fills the table and the
 * library's other first-use state; after that, loads on separate threads
 * share nothing: each has its own libbfio handle and libevtx file. */
static pthread_mutex_t evtx_warm_lock = PTHREAD_MUTEX_INITIALIZER;
static int evtx_warmed;

static void evtx_warm(void)
{
	uint8_t *hdr = calloc(1, EVTX_FIRST_CHUNK);
	libbfio_handle_t *h = NULL;
	libevtx_file_t *file = NULL;

	if (!hdr)
		return;
	/* libyal EVTX document, "File header" */
	memcpy(hdr, "ElfFile", 8);                     /* 0x00 signature */
	put_le32(hdr + 0x20, 128);                     /* 0x20 header size */
	put_le16(hdr + 0x24, 1);                       /* 0x24 minor version */
	put_le16(hdr + 0x26, 3);                       /* 0x26 major version */
	put_le16(hdr + 0x28, EVTX_FIRST_CHUNK);        /* 0x28 header block size */
	if (libbfio_memory_range_initialize(&h, NULL) == 1 &&
	    libbfio_memory_range_set(h, hdr, EVTX_FIRST_CHUNK, NULL) == 1 &&
	    libevtx_file_initialize(&file, NULL) == 1) {
		if (libevtx_file_open_file_io_handle(file, h, LIBEVTX_OPEN_READ, NULL) == 1)
			libevtx_file_close(file, NULL);
		libevtx_file_free(&file, NULL);
	}
	libbfio_handle_free(&h, NULL);
	free(hdr);
}

/* A libevtx file over the memory buf (borrowed: it must outlive *file). */
static int evtx_open(const uint8_t *buf, size_t len, libbfio_handle_t **h,
		     libevtx_file_t **file, struct err *err)
{
	libevtx_error_t *le = NULL;
	uint8_t *data;

	/* libbfio wants a writable pointer; a memory range only reads it */
	memcpy(&data, &buf, sizeof(data));
	if (libbfio_memory_range_initialize(h, NULL) != 1 ||
	    libbfio_memory_range_set(*h, data, len, NULL) != 1)
		return err_set(err, -E_NOMEM, "cannot set up a memory range");
	if (libevtx_file_initialize(file, &le) != 1)
		return evtx_err(err, &le, -E_NOMEM, "cannot set up libevtx");
	if (libevtx_file_open_file_io_handle(*file, *h, LIBEVTX_OPEN_READ, &le) != 1) {
		libevtx_file_free(file, NULL);
		return evtx_err(err, &le, -E_CORRUPT, "not a readable EVTX log");
	}
	return 0;
}

static void evtx_close(libbfio_handle_t **h, libevtx_file_t **file)
{
	if (*file) {
		libevtx_file_close(*file, NULL);
		libevtx_file_free(file, NULL);
	}
	libbfio_handle_free(h, NULL);
}

/* The fast load of an exact skim (evtx_skim.c): libevtx is shown only
 * the chunks that hold records to read (and those it recovers records
 * from), behind a copy of the file header counting them; the records
 * it lists there must be the skim's, number for number.  0 done, 1 not
 * possible (the caller loads the whole file instead), <0. */
static int load_fast(const uint8_t *buf, size_t len, struct events_log *log,
		     const struct evtx_skim *sk, struct err *err)
{
	libbfio_handle_t *h = NULL;
	libevtx_file_t *file = NULL;
	libevtx_error_t *le = NULL;
	uint8_t *mini = NULL;
	const uint8_t *view = buf;
	size_t k, m = 0, listed = 0, shown = 0, j, vlen;
	int n = 0, i, rc = 0;

	for (k = 0; k < sk->nchunks; k++) {
		if (sk->chunk_state[k] == CHUNK_READ)
			listed++;
		if (sk->chunk_state[k] >= CHUNK_READ)
			m++;
	}
	log->st.dirty = sk->dirty;
	for (j = 0; j < sk->n; j++) {
		uint8_t cs = sk->chunk_state[sk->chunk[j]];

		if (cs == CHUNK_OTHER)  /* past the header's count: recovered */
			continue;
		log->st.records++;
		if (cs == CHUNK_READ)
			shown++;
		if (cs != CHUNK_READ || sk->want[j] != SK_READ)
			log->st.skimmed++;
	}
	if (m == 0) {
		evlog_sort_dedup(log);
		return 0;
	}
	vlen = EVTX_FIRST_CHUNK + m * (size_t)EVTX_CHUNK;
	if (m < sk->nchunks) {
		size_t at = EVTX_FIRST_CHUNK;

		mini = malloc(vlen);
		if (!mini)
			return err_set(err, -E_NOMEM, "out of memory");
		memcpy(mini, buf, EVTX_FIRST_CHUNK);
		/* libyal EVTX document, "File header": 0x08 first and 0x10 last
		 * chunk number, 0x2a chunk count, 0x7c CRC-32 of the first 120
		 * bytes (a mismatch would only flag the file) */
		put_le64(mini + 0x08, 0);
		put_le64(mini + 0x10, listed ? listed - 1 : 0);
		put_le16(mini + 0x2a, (uint16_t)listed);
		put_le32(mini + 0x7c, gpt_crc32(mini, 120));
		for (k = 0; k < sk->nchunks; k++) {
			if (sk->chunk_state[k] < CHUNK_READ)
				continue;
			memcpy(mini + at, buf + EVTX_FIRST_CHUNK + k * (size_t)EVTX_CHUNK, EVTX_CHUNK);
			at += EVTX_CHUNK;
		}
		view = mini;
	}
	/* whatever libevtx refuses here, the whole file's load says best */
	if (evtx_open(view, vlen, &h, &file, err) < 0) {
		err_init(err);
		rc = 1;
		goto out;
	}
	if (libevtx_file_get_number_of_records(file, &n, &le) != 1 ||
	    n < 0 || (size_t)n != shown) {
		libevtx_error_free(&le);
		rc = 1;
		goto out;
	}
	for (i = 0, j = 0; i < n; i++, j++) {
		libevtx_record_t *r = NULL;
		uint64_t num = 0;

		while (sk->chunk_state[sk->chunk[j]] != CHUNK_READ)
			j++;
		if (sk->want[j] != SK_READ)
			continue;
		if (libevtx_file_get_record_by_index(file, i, &r, &le) != 1) {
			libevtx_error_free(&le);
			libevtx_record_free(&r, NULL);
			log->st.unreadable++;
			continue;
		}
		if (libevtx_record_get_identifier(r, &num, &le) != 1 || num != sk->number[j]) {
			libevtx_error_free(&le);
			libevtx_record_free(&r, NULL);
			rc = 1;
			goto out;
		}
		rc = add_record(log, r, 0, err);
		libevtx_record_free(&r, NULL);
		if (rc < 0)
			goto out;
	}
	rc = read_records(log, file, 1, NULL, err);
	if (rc == 0)
		evlog_sort_dedup(log);
out:
	evtx_close(&h, &file);
	free(mini);
	return rc;
}

/* The whole file shown to libevtx (guarded, padded to whole chunks);
 * with sk, only the records it wants are read when its listing turns out
 * to be libevtx's, else all.  0 or <0. */
static int load_full(const uint8_t *buf, size_t len, struct events_log *log,
		     struct evtx_skim *sk, struct err *err)
{
	libbfio_handle_t *h = NULL;
	libevtx_file_t *file = NULL;
	libevtx_error_t *le = NULL;
	struct evtx_guard g;
	uint8_t *copy = NULL;
	size_t k, padded;
	uint32_t flags = 0;
	int rc;

	rc = evtx_guard_file(buf, len, &g, err);
	if (rc < 0)
		return rc;
	for (k = 0; k < g.nchunks && !g.nfix; k++)
		if (evtx_guard_blank(&g, k))
			break;
	/* libbfio 20170123's memory range reads past its end when asked for
	 * more than is left (libevtx reads a 4 KiB header and 64 KiB chunks
	 * whole): a file cut short is padded with zeros to whole chunks */
	padded = len < EVTX_FIRST_CHUNK ? EVTX_FIRST_CHUNK :
		 EVTX_FIRST_CHUNK + g.nchunks * (size_t)EVTX_CHUNK;
	if (g.nfix || k < g.nchunks || padded != len) {
		copy = calloc(1, padded);
		if (!copy) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		memcpy(copy, buf, len);
		for (k = 0; k < g.nfix; k++)
			put_le32(copy + g.fix[k], 0);
		for (k = 0; k < g.nchunks; k++)
			if (evtx_guard_blank(&g, k))
				memset(copy + EVTX_FIRST_CHUNK + k * EVTX_CHUNK, 0,
				       len - EVTX_FIRST_CHUNK - k * EVTX_CHUNK < EVTX_CHUNK ?
				       len - EVTX_FIRST_CHUNK - k * EVTX_CHUNK : EVTX_CHUNK);
		log->st.guarded = g.nfix;
		buf = copy;
		len = padded;
		/* the skim reads what libevtx will read */
		if (sk) {
			evlog_index_reset(log);
			evtx_skim_release(sk);
			rc = evtx_skim_file(buf, len, log, sk, err);
			if (rc < 0)
				goto out;
		}
	}
	rc = evtx_open(buf, len, &h, &file, err);
	if (rc < 0)
		goto out;
	if (libevtx_file_get_flags(file, &flags, &le) != 1)
		libevtx_error_free(&le);
	log->st.dirty = (flags & 0x1) != 0;
	rc = sk ? read_records(log, file, 0, sk, err) : 1;
	if (rc == 1) {
		/* no filter, or the skim did not match libevtx: read all */
		evlog_index_reset(log);
		log->st.skim_mismatch = sk != NULL;
		rc = read_records(log, file, 0, NULL, err);
	}
	if (rc == 0)
		rc = read_records(log, file, 1, NULL, err);
	if (rc == 0)
		evlog_sort_dedup(log);
out:
	evtx_close(&h, &file);
	evtx_guard_release(&g);
	free(copy);
	return rc;
}

int events_log_load(const uint8_t *buf, size_t len, const struct events_filter *filter,
		    struct events_log **out, struct err *err)
{
	return events_log_load_ids(buf, len, filter, NULL, out, err);
}

int events_log_load_ids(const uint8_t *buf, size_t len,
			const struct events_filter *filter,
			const struct events_ids *ids, struct events_log **out,
			struct err *err)
{
	static const struct events_filter all = { NULL, 0, NULL, 0 };
	struct evtx_skim sk;
	struct events_log *log;
	int rc = 0;

	*out = NULL;
	memset(&sk, 0, sizeof(sk));
	pthread_mutex_lock(&evtx_warm_lock);
	if (!evtx_warmed) {
		evtx_warm();
		evtx_warmed = 1;
	}
	pthread_mutex_unlock(&evtx_warm_lock);
	if (!buf || len == 0)
		return err_set(err, -E_CORRUPT, "empty file: not an EVTX log");
	if (len > LIMIT_EVTX_SIZE)
		return err_set(err, -E_LIMIT, "%zu bytes > %u (LIMIT_EVTX_SIZE)",
			       len, LIMIT_EVTX_SIZE);
	log = calloc(1, sizeof(*log));
	if (!log)
		return err_set(err, -E_NOMEM, "out of memory");
	log->filter = filter ? filter : &all;
	log->st.keep_all = filter == NULL;
	rc = evlog_copy_filter(log, filter, ids, err);
	if (rc == 0 && filter) {
		/* the fast load is for a log the guard leaves as it is; what
		 * it would change, the skim must read changed (load_full) */
		struct evtx_guard g;
		size_t k;
		int clean = 0;

		rc = evtx_guard_file(buf, len, &g, err);
		if (rc == 0) {
			for (k = 0; k < g.nchunks && !evtx_guard_blank(&g, k); k++)
				;
			clean = !g.nfix && k == g.nchunks;
			evtx_guard_release(&g);
		}
		if (rc == 0 && clean)
			rc = evtx_skim_file(buf, len, log, &sk, err);
		/* VSSD_EVTX_FULL (tests, measurements): the whole file to
		 * libevtx, which reads every record the skim does not build
		 * from numbers alone */
		if (rc == 0 && clean && sk.exact && !getenv("VSSD_EVTX_FULL")) {
			rc = load_fast(buf, len, log, &sk, err);
			if (rc == 1) {
				/* libevtx did not list what the skim did */
				evlog_index_reset(log);
				log->st.records = log->st.dirty = log->st.guarded = 0;
				evtx_skim_release(&sk);
				rc = evtx_skim_file(buf, len, log, &sk, err);
				if (rc == 0)
					rc = 1;
			}
		} else if (rc == 0) {
			/* !clean: load_full skims the guarded copy */
			rc = 1;
		}
	} else if (rc == 0) {
		rc = 1;
	}
	if (rc == 1)
		rc = load_full(buf, len, log, filter ? &sk : NULL, err);
	evtx_skim_release(&sk);
	/* the filter is borrowed during the call only */
	log->filter = NULL;
	if (rc < 0) {
		events_log_free(log);
		return rc;
	}
	*out = log;
	return 0;
}

