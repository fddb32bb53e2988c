/* Matching the rules' "events" specs against a log's index
 * (events_log_collect, events.h): plain specs grouped by provider, id and
 * text; Service Control Manager history per service; display names; the
 * evidence's text and times. */
#define _GNU_SOURCE
#include "events_priv.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "capi2.h"
#include "filetime.h"
#include "limits.h"

/* ---- text -------------------------------------------------------------- */

/* Strings of rec joined by sep into buf (NUL-terminated, cut at cap - 1);
 * with a separator longer than one byte, empty strings are left out. */
static size_t join_strings(const struct events_log *log,
			   const struct events_record *rec, const char *sep,
			   char *buf, size_t cap)
{
	size_t len = 0, seplen = strlen(sep), n;
	const char *s;
	unsigned k;

	buf[0] = '\0';
	if (!(rec->flags & EVENTS_REC_TEXT) || !rec->nstrings)
		return 0;
	s = log->pool + rec->strings;
	for (k = 0; k < rec->nstrings; k++, s += strlen(s) + 1) {
		/* an empty item adds nothing to read but a separator */
		if (!*s && seplen > 1)
			continue;
		if ((seplen > 1 ? len : k) && len + seplen < cap) {
			memcpy(buf + len, sep, seplen);
			len += seplen;
		}
		n = strlen(s);
		if (len + n >= cap)
			n = cap - 1 - len;
		memcpy(buf + len, s, n);
		len += n;
		buf[len] = '\0';
	}
	return len;
}

/* Collapse blank runs (CR, LF, tabs) into one space, trim, and cut at max
 * bytes on a UTF-8 boundary. */
static void normalise(char *s, size_t max)
{
	char *w = s, *r = s;
	int blank = 1;

	for (; *r; r++) {
		unsigned char c = (unsigned char)*r;

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			if (!blank)
				*w++ = ' ';
			blank = 1;
			continue;
		}
		*w++ = (char)c;
		blank = 0;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = '\0';
	if ((size_t)(w - s) > max) {
		size_t n = max;

		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;
		s[n] = '\0';
	}
}

/* The binary data as text when it is printable ASCII or UTF-16LE (NULs
 * at the end allowed), else "" (the caller shows hex). */
static void binary_text(const uint8_t *b, size_t n, char *out, size_t cap)
{
	size_t i, len = 0;
	int utf16 = n >= 2 && n % 2 == 0;

	out[0] = '\0';
	for (i = 0; utf16 && i + 1 < n; i += 2) {
		if (b[i + 1] != 0 || (b[i] != 0 && (b[i] < 0x20 || b[i] > 0x7e) &&
				      b[i] != '\r' && b[i] != '\n' && b[i] != '\t'))
			utf16 = 0;
		else if (b[i] == 0 && i + 2 < n && b[i + 2] != 0)
			utf16 = 0;
	}
	for (i = 0; i < n && len + 1 < cap; i += utf16 ? 2 : 1) {
		uint8_t c = b[i];

		if (c == 0) {
			if (utf16)
				break;
			/* ASCII data may end with NULs */
			while (i < n && b[i] == 0)
				i++;
			if (i < n) {
				out[0] = '\0';
				return;
			}
			break;
		}
		if ((c < 0x20 || c > 0x7e) && c != '\r' && c != '\n' && c != '\t') {
			out[0] = '\0';
			return;
		}
		out[len++] = (char)c;
	}
	out[len] = '\0';
}

static void hex_text(const uint8_t *b, size_t n, char *out, size_t cap)
{
	static const char digits[] = "0123456789ABCDEF";
	size_t i, len = 0;

	for (i = 0; i < n && len + 3 < cap; i++) {
		out[len++] = digits[b[i] >> 4];
		out[len++] = digits[b[i] & 15];
	}
	out[len] = '\0';
}

/* The Service Control Manager's <Binary>: the service key name in
 * UTF-16LE, then "/" and a state digit for 7036, then a NUL.  1 and key
 * (ASCII) / *state (-1 when none) when it has that shape, else 0. */
int evlog_scm_binary(const uint8_t *b, size_t n, char *key, size_t cap,
		     int *state)
{
	size_t i, len = 0;

	*state = -1;
	if (!b || n < 4 || n % 2)
		return 0;
	for (i = 0; i + 1 < n; i += 2) {
		uint8_t c = b[i];

		if (b[i + 1] != 0)
			return 0;
		if (c == 0)
			break;
		if (c == '/') {
			if (i + 3 < n && b[i + 2] >= '0' && b[i + 2] <= '9' && b[i + 3] == 0 &&
			    (i + 5 >= n || (b[i + 4] == 0 && b[i + 5] == 0))) {
				*state = b[i + 2] - '0';
				break;
			}
			return 0;
		}
		if (!(isalnum(c) || c == '_' || c == '-' || c == '.' || c == '$' ||
		      c == ' ' || c == '{' || c == '}' || c == '~' || c == '@'))
			return 0;
		if (len + 1 >= cap)
			return 0;
		key[len++] = (char)c;
	}
	key[len] = '\0';
	return len > 0;
}

static const char *state_name(int st)
{
	static const char *const names[] = { "unknown", "stopped", "start pending",
		"stop pending", "running", "continue pending", "pause pending", "paused" };

	return st >= 1 && st <= 7 ? names[st] : "unknown";
}

/* ---- display names ----------------------------------------------------- */

void events_names_free(struct events_names *names)
{
	size_t i;

	if (!names)
		return;
	for (i = 0; i < names->n; i++) {
		free(names->v[i].key);
		free(names->v[i].display);
	}
	free(names->v);
	free(names);
}

/* equal ignoring case and a trailing '.' / blanks on either side */
static int name_eq(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b);

	while (na && (a[na - 1] == '.' || isspace((unsigned char)a[na - 1])))
		na--;
	while (nb && (b[nb - 1] == '.' || isspace((unsigned char)b[nb - 1])))
		nb--;
	return na == nb && na > 0 && strncasecmp(a, b, na) == 0;
}

int events_map_display_name(const struct events_names *names,
			    const char *display, const char **key,
			    const char **how)
{
	size_t i;

	if (!names || !display || !*display)
		return 0;
	for (i = 0; i < names->n; i++) {
		if (names->v[i].display && name_eq(names->v[i].display, display)) {
			*key = names->v[i].key;
			*how = "matched on display name";
			return 1;
		}
	}
	for (i = 0; i < names->n; i++) {
		if (name_eq(names->v[i].key, display)) {
			*key = names->v[i].key;
			*how = "matched on key name";
			return 1;
		}
	}
	return 0;
}

/* ---- specs ------------------------------------------------------------- */

struct spec {
	const char *provider;
	uint16_t ids[LIMIT_EVENT_SPEC_IDS];
	size_t nids;
	int capi2;                  /* enum capi2_kind, -1 none */
	const char *text_contains;
	const char *label;
	json_t *services;           /* array of key names, or NULL */
};

static int spec_parse(json_t *j, struct spec *sp, struct err *err)
{
	json_t *ids, *v;
	size_t i;

	memset(sp, 0, sizeof(*sp));
	sp->capi2 = -1;
	sp->provider = json_string_value(json_object_get(j, "provider"));
	if (!sp->provider)
		return err_set(err, -E_USAGE, "event spec: no 'provider'");
	ids = json_object_get(j, "ids");
	if (!json_is_array(ids))
		return err_set(err, -E_USAGE, "event spec: 'ids' must be an array");
	if (json_array_size(ids) > LIMIT_EVENT_SPEC_IDS)
		return err_set(err, -E_LIMIT, "event spec: %zu ids > %u (LIMIT_EVENT_SPEC_IDS)",
			       json_array_size(ids), LIMIT_EVENT_SPEC_IDS);
	json_array_foreach(ids, i, v) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 0xffff)
			return err_set(err, -E_USAGE, "event spec: ids must be numbers 0..65535");
		sp->ids[sp->nids++] = (uint16_t)json_integer_value(v);
	}
	v = json_object_get(j, "capi2");
	if (v) {
		const char *name = json_string_value(v);

		sp->capi2 = capi2_kind_from_id(name);
		if (sp->capi2 < 0)
			return err_set(err, -E_USAGE, "event spec: unknown capi2 kind '%s'",
				       name ? name : "(not a string)");
	}
	v = json_object_get(j, "text_contains");
	if (v && !(sp->text_contains = json_string_value(v)))
		return err_set(err, -E_USAGE, "event spec: 'text_contains' must be a string");
	sp->label = json_string_value(json_object_get(j, "label"));
	v = json_object_get(j, "services");
	if (v) {
		if (!json_is_array(v))
			return err_set(err, -E_USAGE, "event spec: 'services' must be an array");
		json_array_foreach(v, i, ids)
			if (!json_is_string(ids))
				return err_set(err, -E_USAGE, "event spec: 'services' holds names");
		sp->services = v;
	}
	return 0;
}

static int spec_has_id(const struct spec *sp, uint16_t id)
{
	size_t i;

	for (i = 0; i < sp->nids; i++)
		if (sp->ids[i] == id)
			return 1;
	return 0;
}

/* ---- groups ------------------------------------------------------------ */

struct group {
	char *key;
	char *text;
	char *binary;               /* of the first record, or NULL */
	char service[128];
	const char *mapping;        /* how service was found, static */
	struct capi2_details *capi2;
	uint64_t first, last;       /* FILETIME */
	uint64_t nums[LIMIT_EVENT_RECORD_NUMBERS];
	size_t nnums, count, recovered;
	uint32_t provider;
	uint16_t event_id;
	uint8_t level;
	int after_boot;             /* services: -1 n/a, 0/1 */
	int repaired;               /* services: a later "running" */
};

struct groups {
	struct group *v;
	size_t n, cap;
	uint32_t *slots;
	size_t nslots;
};

static void groups_release(struct groups *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->v[i].key);
		free(g->v[i].text);
		free(g->v[i].binary);
		free(g->v[i].capi2);
	}
	free(g->v);
	free(g->slots);
	memset(g, 0, sizeof(*g));
}

static uint32_t hash_bytes(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++) {
		h ^= (uint8_t)*s;
		h *= 16777619u;
	}
	return h;
}

/* The group for key, created (with text) when new; NULL out of memory. */
static struct group *group_get(struct groups *g, const char *key,
			       const char *text, const char *bin, int *created)
{
	uint32_t h = hash_bytes(key);
	size_t slot, i;
	struct group *gr;

	*created = 0;
	if (g->nslots) {
		for (slot = h & (g->nslots - 1); g->slots[slot];
		     slot = (slot + 1) & (g->nslots - 1))
			if (strcmp(g->v[g->slots[slot] - 1].key, key) == 0)
				return &g->v[g->slots[slot] - 1];
	}
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		struct group *p = realloc(g->v, cap * sizeof(*p));

		if (!p)
			return NULL;
		g->v = p;
		g->cap = cap;
	}
	if ((g->n + 1) * 2 > g->nslots) {
		size_t n = g->nslots ? g->nslots * 2 : 64;
		uint32_t *s = calloc(n, sizeof(*s));

		if (!s)
			return NULL;
		for (i = 0; i < g->n; i++) {
			for (slot = hash_bytes(g->v[i].key) & (n - 1); s[slot];
			     slot = (slot + 1) & (n - 1))
				;
			s[slot] = (uint32_t)i + 1;
		}
		free(g->slots);
		g->slots = s;
		g->nslots = n;
	}
	gr = &g->v[g->n];
	memset(gr, 0, sizeof(*gr));
	gr->key = strdup(key);
	gr->text = strdup(text);
	gr->binary = bin && bin[0] ? strdup(bin) : NULL;
	if (!gr->key || !gr->text || (bin && bin[0] && !gr->binary)) {
		free(gr->key);
		free(gr->text);
		free(gr->binary);
		return NULL;
	}
	gr->after_boot = -1;
	for (slot = h & (g->nslots - 1); g->slots[slot]; slot = (slot + 1) & (g->nslots - 1))
		;
	g->slots[slot] = (uint32_t)g->n + 1;
	g->n++;
	*created = 1;
	return gr;
}

static void group_add(struct group *gr, const struct events_record *rec)
{
	if (gr->count == 0 || rec->filetime < gr->first)
		gr->first = rec->filetime;
	if (gr->count == 0 || rec->filetime > gr->last)
		gr->last = rec->filetime;
	if (gr->nnums < LIMIT_EVENT_RECORD_NUMBERS)
		gr->nums[gr->nnums++] = rec->number;
	if (rec->flags & EVENTS_REC_RECOVERED)
		gr->recovered++;
	gr->count++;
}

static int set_new(json_t *o, const char *k, json_t *v)
{
	return v ? json_object_set_new(o, k, v) : -1;
}

static json_t *group_json(const struct events_log *log, const char *file,
			  const struct spec *sp, const struct group *gr)
{
	json_t *o = json_object(), *nums = json_array();
	char t[40];
	size_t i;

	if (!o || !nums) {
		json_decref(o);
		json_decref(nums);
		return NULL;
	}
	set_new(o, "kind", json_string("event"));
	set_new(o, "log", json_string(file));
	set_new(o, "provider", json_string(log->prov[gr->provider]));
	set_new(o, "event_id", json_integer(gr->event_id));
	set_new(o, "level", json_integer(gr->level));
	set_new(o, "count", json_integer((json_int_t)gr->count));
	set_new(o, "first", json_string(filetime_iso8601(gr->first, 0, t, sizeof(t))));
	set_new(o, "last", json_string(filetime_iso8601(gr->last, 0, t, sizeof(t))));
	for (i = 0; i < gr->nnums; i++)
		json_array_append_new(nums, json_integer((json_int_t)gr->nums[i]));
	set_new(o, "records", nums);
	if (gr->recovered)
		set_new(o, "recovered", json_integer((json_int_t)gr->recovered));
	set_new(o, "text", json_string(gr->text));
	if (gr->binary)
		set_new(o, "binary", json_string(gr->binary));
	if (gr->capi2) {
		set_new(o, "capi2", json_string(capi2_kind_name(gr->capi2->kind)));
		if (capi2_kind_finding(gr->capi2->kind))
			set_new(o, "proves", json_string(capi2_kind_finding(gr->capi2->kind)));
		set_new(o, "function", json_string(gr->capi2->function));
		if (gr->capi2->subject[0])
			set_new(o, "subject", json_string(gr->capi2->subject));
		if (gr->capi2->system_error[0])
			set_new(o, "system_error", json_string(gr->capi2->system_error));
	}
	if (gr->service[0])
		set_new(o, "service", json_string(gr->service));
	if (gr->mapping)
		set_new(o, "service_mapping", json_string(gr->mapping));
	if (gr->after_boot >= 0) {
		set_new(o, "after_last_boot", json_boolean(gr->after_boot));
		set_new(o, "repaired", json_boolean(gr->repaired));
	}
	if (sp->label)
		set_new(o, "label", json_string(sp->label));
	return o;
}

/* Append the groups (first LIMIT_EVIDENCE_ITEMS) to out. */
static int emit_groups(const struct events_log *log, const char *file,
		       const struct spec *sp, const struct groups *g, json_t *out,
		       struct err *err)
{
	size_t i;

	for (i = 0; i < g->n && i < LIMIT_EVIDENCE_ITEMS; i++) {
		json_t *o = group_json(log, file, sp, &g->v[i]);

		if (!o || json_array_append_new(out, o) < 0)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	if (g->n > LIMIT_EVIDENCE_ITEMS) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:I}", "kind", "note", "log", file,
				      "text", "more event groups not listed",
				      "count", (json_int_t)(g->n - LIMIT_EVIDENCE_ITEMS));

		if (!o || json_array_append_new(out, o) < 0)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	return 0;
}

/* ---- plain specs ------------------------------------------------------- */

struct scratch {
	char *raw;       /* LIMIT_CAPI2_TEXT: strings joined by "\n" */
	char *text;      /* normalised text + binary text */
	char *key;
	char *bin;       /* LIMIT_EVENT_TEXT + 1: the binary data shown */
	size_t cap;
};

static int scratch_init(struct scratch *sc, struct err *err)
{
	sc->cap = LIMIT_CAPI2_TEXT;
	sc->raw = malloc(sc->cap);
	sc->text = malloc(sc->cap);
	sc->key = malloc(sc->cap + 64);
	sc->bin = malloc(LIMIT_EVENT_TEXT + 1);
	if (!sc->raw || !sc->text || !sc->key || !sc->bin) {
		free(sc->raw);
		free(sc->text);
		free(sc->key);
		free(sc->bin);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	return 0;
}

static void scratch_release(struct scratch *sc)
{
	free(sc->raw);
	free(sc->text);
	free(sc->key);
	free(sc->bin);
}

static int contains_ci(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	if (!n)
		return 1;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return 1;
	return 0;
}

/* Text of rec for grouping and evidence: strings joined by " | ", blanks
 * collapsed, into sc->text; the binary data as text when printable, else
 * its first bytes in hex, into sc->bin ("" when none).  The binary data
 * stays out of the grouping: it carries process and thread ids. */
static void record_text(const struct events_log *log,
			const struct events_record *rec, struct scratch *sc)
{
	const uint8_t *b = events_log_binary(log, rec);

	join_strings(log, rec, " | ", sc->text, sc->cap);
	normalise(sc->text, LIMIT_EVENT_TEXT);
	sc->bin[0] = '\0';
	if (b && rec->binary_len) {
		binary_text(b, rec->binary_len, sc->bin, LIMIT_EVENT_TEXT + 1);
		if (sc->bin[0])
			normalise(sc->bin, LIMIT_EVENT_TEXT);
		else
			hex_text(b, rec->binary_len < 64 ? rec->binary_len : 64, sc->bin,
				 LIMIT_EVENT_TEXT + 1);
	}
}

static int collect_plain(const struct events_log *log, const char *file,
			 const struct spec *sp, const struct events_env *env,
			 json_t *out, struct err *err)
{
	struct groups g;
	struct scratch sc;
	uint32_t prov;
	size_t i;
	int matched = 0, rc = 0;
	const struct events_names *names = NULL;
	const char *names_why = NULL;
	int names_tried = 0;

	if (!evlog_provider_find(log, sp->provider, &prov))
		return 0;
	memset(&g, 0, sizeof(g));
	if (scratch_init(&sc, err) < 0)
		return err->code;
	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		struct capi2_details cd;
		struct group *gr;
		int created;

		if (rec->provider != prov || !spec_has_id(sp, rec->event_id))
			continue;
		record_text(log, rec, &sc);
		if (sp->text_contains && !contains_ci(sc.text, sp->text_contains) &&
		    !contains_ci(sc.bin, sp->text_contains))
			continue;
		if (sp->capi2 >= 0) {
			struct err e2;

			err_init(&e2);
			join_strings(log, rec, "\n", sc.raw, sc.cap);
			if (capi2_parse(sc.raw, &cd, &e2) < 0 || (int)cd.kind != sp->capi2)
				continue;
			snprintf(sc.key, sc.cap + 64, "%u:%u:%s", rec->provider,
				 rec->event_id, cd.subject);
		} else {
			snprintf(sc.key, sc.cap + 64, "%u:%u:%s", rec->provider,
				 rec->event_id, sc.text);
		}
		gr = group_get(&g, sc.key, sc.text, sc.bin, &created);
		if (!gr) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		if (created) {
			gr->provider = rec->provider;
			gr->event_id = rec->event_id;
			gr->level = rec->level;
			if (sp->capi2 >= 0) {
				gr->capi2 = malloc(sizeof(*gr->capi2));
				if (!gr->capi2) {
					rc = err_set(err, -E_NOMEM, "out of memory");
					goto out;
				}
				*gr->capi2 = cd;
			}
			if (sp->capi2 == CAPI2_LEGACY_DRIVER_ACCESS_DENIED ||
			    sp->capi2 == CAPI2_LEGACY_DRIVER_NOT_FOUND ||
			    sp->capi2 == CAPI2_LEGACY_DRIVER_BAD_PATH) {
				const char *key = NULL, *how = NULL;

				if (!names_tried && env && env->names) {
					names = env->names(env->ctx, &names_why);
					names_tried = 1;
				}
				if (!cd.subject[0]) {
					gr->mapping = "no display name in the event text";
				} else if (!names) {
					gr->mapping = names_why ? names_why :
						"not mapped: the service names could not be read";
				} else if (events_map_display_name(names, cd.subject, &key, &how)) {
					snprintf(gr->service, sizeof(gr->service), "%s", key);
					gr->mapping = how;
				} else {
					gr->mapping = names->indirect ?
						"not mapped: no service has this display name (indirect @file,-id display names were not resolved)" :
						"not mapped: no service has this display name";
				}
			}
		}
		group_add(gr, rec);
		matched++;
	}
	rc = emit_groups(log, file, sp, &g, out, err);
out:
	groups_release(&g);
	scratch_release(&sc);
	return rc < 0 ? rc : matched;
}

/* ---- Service Control Manager history ----------------------------------- */

struct svc_state {
	const char *name;           /* from the spec */
	size_t changes, since_boot, failures_before, config_changes;
	long last;                  /* index of the last 7036, -1 */
	int last_state;
	long last_config;           /* index of the last 7040, -1 */
	long last_running;          /* index of the last 7036 running, -1 */
};

static int is_failure_id(uint16_t id)
{
	switch (id) {
	case 7000: case 7001: case 7009: case 7011: case 7022: case 7023:
	case 7024: case 7026: case 7031: case 7034:
		return 1;
	default:
		return 0;
	}
}

static int svc_index(json_t *services, const char *key)
{
	size_t i;
	json_t *v;

	json_array_foreach(services, i, v)
		if (strcasecmp(json_string_value(v), key) == 0)
			return (int)i;
	return -1;
}

/* The service index (in sp->services) that rec is about, -1 when none of
 * them; *state for 7036, *how when the key came from a display name. */
static int scm_service(const struct events_log *log, const struct events_record *rec,
		       const struct spec *sp, const struct events_env *env,
		       const struct events_names **names, int *names_tried,
		       int *state, const char **how)
{
	char key[256];
	const char *k, *mapped;
	int idx;

	*state = -1;
	*how = NULL;
	if (evlog_scm_binary(events_log_binary(log, rec), rec->binary_len, key, sizeof(key), state))
		return svc_index(sp->services, key);
	if (rec->event_id == 7040 && rec->nstrings >= 4)
		return svc_index(sp->services, events_log_string(log, rec, 3));
	if (rec->event_id == 7026) {
		/* boot-start drivers that failed to load, one a line */
		char list[1024], *save = NULL, *t;

		snprintf(list, sizeof(list), "%s", events_log_string(log, rec, 0));
		for (t = strtok_r(list, "\r\n ", &save); t; t = strtok_r(NULL, "\r\n ", &save))
			if ((idx = svc_index(sp->services, t)) >= 0)
				return idx;
		return -1;
	}
	/* no binary (Windows Server 2008 and older): the display name */
	k = events_log_string(log, rec, 0);
	if (!*k)
		return -1;
	if (!*names_tried && env && env->names) {
		const char *why;

		*names = env->names(env->ctx, &why);
		*names_tried = 1;
	}
	if (!*names || !events_map_display_name(*names, k, &mapped, how))
		return -1;
	if (rec->event_id == 7036 && *state < 0) {
		const char *st = events_log_string(log, rec, 1);

		*state = strcasecmp(st, "running") == 0 ? 4 :
			 strcasecmp(st, "stopped") == 0 ? 1 : -1;
	}
	return svc_index(sp->services, mapped);
}

static int is_shutdown(const struct events_record *rec, uint32_t p_el,
		       uint32_t p_kg, uint32_t p_u32)
{
	return (rec->provider == p_el && rec->event_id == 6006) ||
	       (rec->provider == p_kg && rec->event_id == 13) ||
	       (rec->provider == p_u32 && rec->event_id == 1074);
}

#define SHUTDOWN_WINDOW (10ull * 60 * 10000000) /* 10 minutes in FILETIME */

static int collect_services(const struct events_log *log, const char *file,
			    const struct spec *sp, const struct events_env *env,
			    json_t *out, struct err *err)
{
	size_t nsvc = json_array_size(sp->services), i, k;
	struct svc_state *sv;
	struct groups g;
	struct scratch sc;
	uint32_t p_scm = UINT32_MAX, p_el = UINT32_MAX, p_kg = UINT32_MAX, p_u32 = UINT32_MAX;
	long boot = -1, shutdown = -1;
	int *rec_svc = NULL, failures = 0, rc = 0, names_tried = 0;
	const struct events_names *names = NULL;
	char t[40];
	json_t *o;

	evlog_provider_find(log, sp->provider, &p_scm);
	evlog_provider_find(log, PROV_EVENTLOG, &p_el);
	evlog_provider_find(log, PROV_KERNEL_GENERAL, &p_kg);
	evlog_provider_find(log, PROV_USER32, &p_u32);
	/* the last boot: EventLog 6005 / 6009 or Kernel-General 12 */
	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];

		if ((rec->provider == p_el && (rec->event_id == 6005 || rec->event_id == 6009)) ||
		    (rec->provider == p_kg && rec->event_id == 12))
			boot = (long)i;
	}
	for (i = boot < 0 ? 0 : (size_t)boot + 1; i < log->nrec; i++)
		if (is_shutdown(&log->rec[i], p_el, p_kg, p_u32)) {
			shutdown = (long)i;
			break;
		}
	sv = calloc(nsvc ? nsvc : 1, sizeof(*sv));
	rec_svc = malloc((log->nrec ? log->nrec : 1) * sizeof(*rec_svc));
	memset(&g, 0, sizeof(g));
	if (!sv || !rec_svc) {
		free(sv);
		free(rec_svc);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	if (scratch_init(&sc, err) < 0) {
		free(sv);
		free(rec_svc);
		return err->code;
	}
	for (k = 0; k < nsvc; k++) {
		sv[k].name = json_string_value(json_array_get(sp->services, k));
		sv[k].last = sv[k].last_config = sv[k].last_running = -1;
		sv[k].last_state = -1;
	}
	/* pass 1: each SCM record's service and the per-service history */
	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		const char *how;
		int st, s;

		rec_svc[i] = -1;
		if (rec->provider != p_scm || !spec_has_id(sp, rec->event_id))
			continue;
		s = scm_service(log, rec, sp, env, &names, &names_tried, &st, &how);
		if (s < 0)
			continue;
		rec_svc[i] = s;
		if (rec->event_id == 7036) {
			sv[s].changes++;
			if ((long)i > boot)
				sv[s].since_boot++;
			sv[s].last = (long)i;
			sv[s].last_state = st;
			if (st == 4)
				sv[s].last_running = (long)i;
		} else if (rec->event_id == 7040) {
			sv[s].config_changes++;
			sv[s].last_config = (long)i;
		} else if (is_failure_id(rec->event_id) && (long)i <= boot) {
			sv[s].failures_before++;
		}
	}
	/* pass 2: failures after the last boot, grouped */
	for (i = boot < 0 ? 0 : (size_t)boot + 1; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		struct group *gr;
		int created, s = rec_svc[i], repaired;

		if (s < 0 || !is_failure_id(rec->event_id))
			continue;
		repaired = sv[s].last_running > (long)i;
		record_text(log, rec, &sc);
		snprintf(sc.key, sc.cap + 64, "%d:%u:%d:%s", s, rec->event_id, repaired, sc.text);
		gr = group_get(&g, sc.key, sc.text, sc.bin, &created);
		if (!gr) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		if (created) {
			gr->provider = rec->provider;
			gr->event_id = rec->event_id;
			gr->level = rec->level;
			gr->after_boot = 1;
			gr->repaired = repaired;
			snprintf(gr->service, sizeof(gr->service), "%s", sv[s].name);
		}
		group_add(gr, rec);
		if (!repaired)
			failures++;
	}
	/* evidence: the boot, each service's state, the failures */
	o = json_pack("{s:s, s:s}", "kind", "boot", "log", file);
	if (!o) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	if (boot >= 0) {
		set_new(o, "last_boot", json_string(filetime_iso8601(log->rec[boot].filetime, 0, t, sizeof(t))));
		set_new(o, "last_boot_record", json_integer((json_int_t)log->rec[boot].number));
	} else {
		set_new(o, "last_boot", json_null());
		set_new(o, "note", json_string("no boot event (EventLog 6005, Kernel-General 12) in the log: every event counts as after the last boot"));
	}
	if (shutdown >= 0) {
		set_new(o, "shutdown", json_string("orderly"));
		set_new(o, "shutdown_at", json_string(filetime_iso8601(log->rec[shutdown].filetime, 0, t, sizeof(t))));
		set_new(o, "shutdown_record", json_integer((json_int_t)log->rec[shutdown].number));
	} else {
		set_new(o, "shutdown", json_string("none recorded after the last boot"));
	}
	if (sp->label)
		set_new(o, "label", json_string(sp->label));
	json_array_append_new(out, o);
	for (k = 0; k < nsvc; k++) {
		struct svc_state *s = &sv[k];

		o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I}", "kind", "service_state",
			      "log", file, "service", s->name, "provider", sp->provider,
			      "event_id", 7036, "count", (json_int_t)s->changes,
			      "since_last_boot", (json_int_t)s->since_boot);
		if (!o) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		if (s->last >= 0) {
			const struct events_record *rec = &log->rec[s->last];
			int at_shutdown = 0;

			set_new(o, "last_state", json_string(state_name(s->last_state)));
			set_new(o, "last_at", json_string(filetime_iso8601(rec->filetime, 0, t, sizeof(t))));
			set_new(o, "last_record", json_integer((json_int_t)rec->number));
			if (s->last_state == 1 || s->last_state == 3) {
				/* a stop inside an orderly shutdown: after the User32
				 * 1074 that started it, or shortly before the EventLog
				 * 6006 / Kernel-General 13 that ends it */
				for (i = boot < 0 ? 0 : (size_t)boot + 1; (long)i < s->last; i++)
					if (log->rec[i].provider == p_u32 && log->rec[i].event_id == 1074)
						at_shutdown = 1;
				for (i = (size_t)s->last + 1; !at_shutdown && i < log->nrec; i++) {
					const struct events_record *r2 = &log->rec[i];

					if (!is_shutdown(r2, p_el, p_kg, UINT32_MAX))
						continue;
					at_shutdown = r2->filetime >= rec->filetime &&
						r2->filetime - rec->filetime <= SHUTDOWN_WINDOW;
					break;
				}
				set_new(o, "at_shutdown", json_boolean(at_shutdown));
				if (at_shutdown)
					set_new(o, "note", json_string("stopped during an orderly shutdown (normal)"));
			}
			set_new(o, "after_last_boot", json_boolean(s->last > boot));
		} else {
			set_new(o, "last_state", json_string("unknown"));
			set_new(o, "note", json_string("no state change of this service in the log"));
		}
		if (s->config_changes) {
			const struct events_record *rec = &log->rec[s->last_config];

			set_new(o, "start_type_changes", json_integer((json_int_t)s->config_changes));
			if (rec->nstrings >= 3)
				set_new(o, "last_start_type", json_string(events_log_string(log, rec, 2)));
		}
		if (s->failures_before)
			set_new(o, "failures_before_last_boot", json_integer((json_int_t)s->failures_before));
		if (sp->label)
			set_new(o, "label", json_string(sp->label));
		json_array_append_new(out, o);
	}
	rc = emit_groups(log, file, sp, &g, out, err);
out:
	groups_release(&g);
	scratch_release(&sc);
	free(sv);
	free(rec_svc);
	return rc < 0 ? rc : failures;
}

int events_log_collect(const struct events_log *log, const char *file,
		       json_t *spec, const struct events_env *env, json_t *out,
		       struct err *err)
{
	struct spec sp;
	int rc;

	rc = spec_parse(spec, &sp, err);
	if (rc < 0)
		return rc;
	if (sp.services)
		return collect_services(log, file, &sp, env, out, err);
	return collect_plain(log, file, &sp, env, out, err);
}
