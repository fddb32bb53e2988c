/* A minimal Windows XML Event Log (EVTX) writer for test fixtures.
 *
 * It writes what Windows writes (the libyal "Windows XML Event Log (EVTX)"
 * format document): a 4 KiB file header, 64 KiB chunks with their string
 * and template tables, event records whose body is binary XML built from
 * templates.  Like Windows 7 and later, each record is one template
 * instance of the <Event><System>... skeleton (provider, channel and
 * computer are literal text in it, the rest are 20 substitutions), and
 * the <EventData> part is a nested binary-XML substitution with its own
 * template: for classic events (only unnamed string items) Windows' one
 * shared template with all strings in one string array plus the binary
 * data; otherwise one <Data Name=".."> per item, typed as asked.  A
 * template is defined inline by the first record of a chunk that needs
 * it; later records in that chunk refer to it by offset, so repeated
 * events cost a few hundred bytes.
 *
 * Test code only: the input is trusted, but a bad event is refused with an
 * error, never written half-way. */
#ifndef VSSD_EVTX_WRITER_H
#define VSSD_EVTX_WRITER_H

#include <stddef.h>
#include <stdint.h>

#define EVTX_MAX_DATA 16               /* <Data> items in one event */
#define EVTX_FILE_HEADER_SIZE 4096u
#define EVTX_CHUNK_SIZE 65536u
#define EVTX_CHUNK_HEADER_SIZE 512u

/* Substitution value types (libyal EVTX document, "Value types").  Used
 * in evtx_event.data_types[] to type a <Data> item; 0 means string. */
enum evtx_value_type {
	EVTX_VT_NULL = 0x00,
	EVTX_VT_STRING = 0x01,         /* UTF-16LE, no terminator */
	EVTX_VT_UINT8 = 0x04,
	EVTX_VT_UINT16 = 0x06,
	EVTX_VT_UINT32 = 0x08,
	EVTX_VT_UINT64 = 0x0a,
	EVTX_VT_BINARY = 0x0e,         /* text: hex digits */
	EVTX_VT_GUID = 0x0f,           /* text: {xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx} */
	EVTX_VT_FILETIME = 0x11,       /* text: 2024-06-01T10:00:00[.fffffff]Z */
	EVTX_VT_SYSTEMTIME = 0x12,     /* text: same as FILETIME */
	EVTX_VT_SID = 0x13,            /* text: S-1-5-18 */
	EVTX_VT_HEX32 = 0x14,          /* text: a number (0x... or decimal) */
	EVTX_VT_HEX64 = 0x15,
	EVTX_VT_BINXML = 0x21,
	EVTX_VT_STRING_ARRAY = 0x81,   /* NUL-terminated UTF-16LE strings */
};

struct evtx_event {
	const char *provider;        /* "Microsoft-Windows-CAPI2", "Service Control Manager", "VSS", "EventLog", "Microsoft-Windows-Kernel-General", "User32", "Microsoft-Windows-Backup" */
	const char *provider_guid;   /* "{5bbca4a8-b209-48dc-a8c7-b23d3e5216fb}" or NULL (classic providers use EventSourceName + Qualifiers) */
	uint16_t event_id;
	uint16_t qualifiers;         /* e.g. 16384 for SCM 7036, 49152 for errors; 0 = omit (shown as "0" for classic events, see below) */
	uint8_t level;               /* 2 error, 3 warning, 4 information */
	uint64_t filetime;           /* TimeCreated SystemTime */
	uint64_t record_id;          /* 0 = assign sequentially */
	const char *channel;         /* "Application" / "System" */
	const char *computer;        /* NULL or "": "SRV01" (or the spec's "computer") */
	/* EventData: unnamed <Data> strings (classic) or named ones */
	size_t ndata;
	const char *data_names[EVTX_MAX_DATA];  /* NULL entries = unnamed <Data> */
	const char *data[EVTX_MAX_DATA];        /* UTF-8 text; NULL: a named item is left out
	                                           (a NULL value), an unnamed one is "" */
	const uint8_t *binary; size_t binary_len;   /* <Binary> (SCM 7036 carries "CryptSvc/4" as UTF-16LE) */

	/* Optional; zero means the default in brackets. */
	const char *event_source_name; /* Provider EventSourceName attribute [none] */
	uint8_t data_types[EVTX_MAX_DATA]; /* enum evtx_value_type per item [string] */
	uint64_t keywords;           /* [0x8000000000000000 with a GUID, else 0x0080000000000000] */
	uint16_t task;
	uint8_t opcode, version;
	uint32_t process_id, thread_id;
	const char *user_sid;        /* Security UserID, e.g. "S-1-5-18" [<Security/>] */
	uint64_t written_time;       /* record header FILETIME [filetime] */
};
/* Qualifiers: Windows shows the attribute for every event logged through
 * the classic API (no provider GUID, or an EventSourceName), "0" included,
 * and never for manifest events; so qualifiers == 0 omits it only for
 * manifest events (a GUID and no EventSourceName). */

struct evtx_writer;

/* A new, empty log (clean header).  NULL when out of memory. */
struct evtx_writer *evtx_writer_new(void);
/* Frees w (NULL is fine). */
void evtx_writer_free(struct evtx_writer *w);

/* Appends one record; starts a new chunk when the current one is full.
 * Returns 0, or a negative enum err_code (the event is not written;
 * evtx_writer_errmsg() says why): -E_USAGE for a bad event (missing
 * provider, a bad typed value, too many items), -E_LIMIT when the record
 * cannot fit in an empty chunk, -E_NOMEM. */
int evtx_writer_add(struct evtx_writer *w, const struct evtx_event *ev);

/* Sets or clears the file header's dirty flag (0x1), as a log that was
 * open when Windows stopped has it. */
void evtx_writer_set_dirty(struct evtx_writer *w, int dirty);

/* The whole file in *out (malloc'd, the caller frees) and its length.
 * Records can still be added afterwards.  0 or a negative err_code. */
int evtx_writer_serialize(struct evtx_writer *w, uint8_t **out, size_t *len);

/* Serializes to path (created or truncated).  0 or a negative err_code. */
int evtx_writer_write_file(struct evtx_writer *w, const char *path);

/* Records and chunks written so far. */
size_t evtx_writer_record_count(const struct evtx_writer *w);
size_t evtx_writer_chunk_count(const struct evtx_writer *w);

/* The last error's message ("" when none); valid until the next call. */
const char *evtx_writer_errmsg(const struct evtx_writer *w);

/* helper: FILETIME from "2024-06-01T10:00:00Z" (also "...:00.1234567Z",
 * a space for the T, no Z).  0 when the text is not such a time. */
uint64_t evtx_filetime(const char *iso8601);

/* Note for readers: libevtx 20181227 shows <Binary> as one more string
 * (upper-case hex) and fails libevtx_record_get_utf8_string() on empty
 * strings (their size is 0), as on real logs. */

/* Known providers: GUID, EventSourceName, keywords and channel as Windows
 * writes them (from real logs).  NULL when the name is not known. */
struct evtx_provider_info {
	const char *name;
	const char *guid;            /* NULL: classic */
	const char *event_source_name;
	uint64_t keywords;
	const char *channel;
};
const struct evtx_provider_info *evtx_provider_lookup(const char *name);

/* Fills what ev leaves empty (provider_guid, event_source_name, keywords,
 * channel) from evtx_provider_lookup(ev->provider); unknown providers are
 * left alone (clear a field after the call to drop it).  Also fills level
 * (4 when the id is not known) and qualifiers for the known event ids
 * (SCM, CAPI2, VSS, EventLog, User32...) when they are 0. */
void evtx_event_apply_defaults(struct evtx_event *ev);

/* ---- the spec language (mkevtx, scenarios) ----
 * One instruction a line; '#' starts a comment line; words are split on
 * blanks, "double quotes" group, and \n \r \t \\ \" \<space> \xHH
 * are escapes (inside quotes too).
 *
 *   computer NAME        default Computer for the lines below (SRV01)
 *   dirty 1|0            the header's dirty flag
 *   event FIELDS...      one record, fields KEY=VALUE:
 *       provider=NAME    (required) known providers get their GUID,
 *                        EventSourceName, keywords and channel, known
 *                        event ids their level and qualifiers
 *       id=N level=N qualifiers=N task=N opcode=N version=N keywords=N
 *       guid={..}|none   source=NAME|none (EventSourceName)
 *       time=2024-06-01T10:00:00Z (default: the previous event + 1 s)
 *       written=TIME     record header time (default: time)
 *       record=N         EventRecordID (default: the next one)
 *       channel=NAME computer=NAME pid=N tid=N user=S-1-5-18
 *       data=NAME:TEXT   a named <Data Name="NAME">TEXT</Data>
 *       text=TEXT        an unnamed <Data>TEXT</Data> (classic)
 *       data.TYPE=NAME:TEXT, text.TYPE=TEXT   a typed item; TYPE is
 *                        string uint8 uint16 uint32 uint64 hex32 hex64
 *                        filetime systemtime sid guid binary
 *       binary=HEX       <Binary>
 *       binary_utf16=TEXT  <Binary> of TEXT as UTF-16LE plus NUL (SCM)
 *   bulk N [seed=S] [start=TIME] [computer=NAME]
 *                        N realistic records: boots (EventLog 6009/6005,
 *                        Kernel-General 12, SCM 7036 running), a working
 *                        day (SCM 7036 for many services, 7040, SCM
 *                        errors, CAPI2 513/512, VSS 8193/8194/8213/12289/
 *                        12292/12302, swprv 11, volsnap 36, Backup
 *                        517/521, EventLog 6013) and shutdowns (User32
 *                        1074, SCM 7036 stopped, Kernel-General 13,
 *                        EventLog 6006); the same seed gives the same log
 * Example:
 *   event provider="Service Control Manager" id=7036 data=param1:Cryptographic\ Services
 *         data=param2:running binary_utf16=CryptSvc/4
 */

/* Adds one event from spec FIELDS ("provider=VSS id=8193 text=..."). */
int evtx_writer_add_fields(struct evtx_writer *w, const char *fields);
/* Adds n generated records (see "bulk" above); start 0 means after the
 * last record (or 2024-06-01T10:00:00Z); computer NULL: the default. */
int evtx_writer_add_bulk(struct evtx_writer *w, size_t n, uint64_t seed,
                         uint64_t start, const char *computer);
/* Runs a whole spec text; errors name the line ("line 3: ..."). */
int evtx_writer_apply_spec(struct evtx_writer *w, const char *text);

/* UTF-16LE bytes of text plus a NUL character, as SCM's <Binary> carries
 * "CryptSvc/4" (7036) or "CryptSvc" (7000, 7023...).  Writes at most cap
 * bytes to out; returns the length needed. */
size_t evtx_utf16z(const char *text, uint8_t *out, size_t cap);

#endif
