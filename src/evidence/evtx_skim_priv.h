/* Shared by the skim's files (events_priv.h, "evtx_skim.c"): the chunk
 * walk and each record's verdict (evtx_skim.c), the templates and
 * substitution values (evtx_template.c) and the strings libevtx would
 * give (evtx_skim_text.c). */
#ifndef VSSD_EVTX_SKIM_PRIV_H
#define VSSD_EVTX_SKIM_PRIV_H

#include <stddef.h>
#include <stdint.h>

#include "events_priv.h"
#include "limits.h"

#define SKIM_TEMPLATES 256u          /* templates cached per chunk */
#define SKIM_VALUES 64u              /* substitution values looked at */
#define SKIM_DEPTH 32                /* element nesting in a template */
#define TOK_TEMPLATE_INSTANCE 0x0c
#define VT_NULL 0x00
#define VT_STRING 0x01
#define VT_UINT8 0x04
#define VT_UINT16 0x06
#define VT_BINARY 0x0e
#define VT_BINXML 0x21

enum skim_elem { EL_OTHER, EL_SYSTEM, EL_PROVIDER, EL_EVENTID, EL_LEVEL,
		 EL_EVENTDATA, EL_BINARY, EL_DATA };

#define SKIM_LEAVES 64u              /* <Data> and <Binary> of an <EventData> */
#define SKIM_TEXT (128u * 1024)      /* UTF-8 of one record's strings */
#define VT_STRING_ARRAY 0x81
enum skim_attr { AT_NONE, AT_OTHER, AT_NAME, AT_SOURCE, AT_QUALIFIERS };

/* Where a template takes one field from: n places (more than one is
 * ambiguous), the last a substitution (sub >= 0, opt: optional) or a
 * literal (sub < 0). */
struct skim_field {
	int n, sub, opt;
};

/* One child of a simple <EventData>: a <Data> (any literal attributes)
 * or the last <Binary>, whose content is one substitution. */
struct skim_leaf {
	uint16_t sub;
	uint8_t binary, opt;
};

struct skim_tmpl {
	uint32_t off;                /* definition offset in the chunk */
	int ok;                      /* the template body parsed */
	struct skim_field name, source, id, qual, level, binary;
	/* its <EventData>: 0 none, 1 simple (the leaves), -1 anything else
	 * (a second one, <UserData>, literal text, nested elements...) */
	int ed;
	unsigned nleaf;
	struct skim_leaf leaf[SKIM_LEAVES];
	char name_lit[LIMIT_EVTX_PROVIDER_LEN];   /* literal Provider Name */
	char source_lit[LIMIT_EVTX_PROVIDER_LEN]; /* literal EventSourceName */
};

#define KEEP_CACHE 8u                /* providers' keep levels remembered */

/* The skim of one chunk (its templates cached while in it). */
struct skim {
	const uint8_t *c;            /* the chunk */
	size_t clen;
	struct skim_tmpl *t;         /* SKIM_TEMPLATES */
	size_t nt;
	struct events_log *log;      /* its filter decides; built records go in */
	/* keep levels of the last providers seen (name, level) */
	char kname[KEEP_CACHE][LIMIT_EVTX_PROVIDER_LEN];
	uint8_t klevel[KEEP_CACHE];
	unsigned knext;
	int no_text;                 /* VSSD_EVTX_FULL: libevtx reads all text */
	char *text;                  /* SKIM_TEXT: the strings of a record */
};

/* What the skim read of one record. */
struct skim_rec {
	char provider[LIMIT_EVTX_PROVIDER_LEN];
	unsigned id, qualifiers, level;
	const uint8_t *bin;
	size_t bin_len;
	size_t nstrings, text_len;   /* SK_TEXT: sk->text holds the strings */
};


struct skim_values {
	size_t n;
	size_t off[SKIM_VALUES];
	uint16_t size[SKIM_VALUES];
	uint8_t type[SKIM_VALUES];
};

/* ---- evtx_template.c ---- */

/* The template at definition offset def, read once per chunk (cached in
 * sk); NULL when the cache is full. */
const struct skim_tmpl *skim_template_get(struct skim *sk, size_t def);
/* The template instance of the fragment at off (ending by end): its
 * definition offset and values.  0 when it is not one we can read. */
int skim_instance(const struct skim *sk, size_t off, size_t end,
		  size_t *def_out, struct skim_values *v);
/* The provider name as libevtx gives it into out; 0 when unsure. */
int skim_provider(const struct skim *sk, const struct skim_tmpl *t,
		  const struct skim_values *v, char *out, size_t cap);
/* A number field of type (size bytes) into *out; 0 when unsure. */
int skim_number(const struct skim *sk, const struct skim_field *f,
		const struct skim_values *v, uint8_t type, size_t size,
		int required, unsigned *out);
/* The record's one <Binary>; 0 when none or not certain. */
int skim_binary(struct skim *sk, const struct skim_tmpl *t,
		const struct skim_values *v, const uint8_t **bin, size_t *len);

/* ---- evtx_skim_text.c ---- */

/* The record's strings as libevtx would give them, into sk->text (r's
 * nstrings, text_len, and bin when a hex string is its binary data); 0
 * when the skim leaves them to libevtx. */
int skim_text(struct skim *sk, const struct skim_tmpl *t,
	      const struct skim_values *v, struct skim_rec *r);

#endif
