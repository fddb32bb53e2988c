/* Matching the rules' "events" specs against a log's index
 * (events_log_collect, events.h): plain specs grouped by provider, id and
 * text; the evidence's text and times.  The Service Control Manager
 * history per service and the display names are events_scm.c. */
#define _GNU_SOURCE
#include "events_match_priv.h"

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

/* ---- specs ------------------------------------------------------------- */

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

int evmatch_spec_has_id(const struct spec *sp, uint16_t id)
{
	size_t i;

	for (i = 0; i < sp->nids; i++)
		if (sp->ids[i] == id)
			return 1;
	return 0;
}

/* ---- groups ------------------------------------------------------------ */

void evmatch_groups_release(struct groups *g)
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

struct group *evmatch_group_for(struct groups *g, const struct scratch *sc,
				const struct events_record *rec, int *created)
{
	struct group *gr = group_get(g, sc->key, sc->text, sc->bin, created);

	if (gr && *created) {
		gr->provider = rec->provider;
		gr->event_id = rec->event_id;
		gr->level = rec->level;
	}
	return gr;
}

void evmatch_group_add(struct group *gr, const struct events_record *rec)
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
int evmatch_emit_groups(const struct events_log *log, const char *file,
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

int evmatch_scratch_init(struct scratch *sc, struct err *err)
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

void evmatch_scratch_release(struct scratch *sc)
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
void evmatch_record_text(const struct events_log *log,
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
	if (evmatch_scratch_init(&sc, err) < 0)
		return err->code;
	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		struct capi2_details cd;
		struct group *gr;
		int created;

		if (rec->provider != prov || !evmatch_spec_has_id(sp, rec->event_id))
			continue;
		evmatch_record_text(log, rec, &sc);
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
		gr = evmatch_group_for(&g, &sc, rec, &created);
		if (!gr) {
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		if (created) {
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
		evmatch_group_add(gr, rec);
		matched++;
	}
	rc = evmatch_emit_groups(log, file, sp, &g, out, err);
out:
	evmatch_groups_release(&g);
	evmatch_scratch_release(&sc);
	return rc < 0 ? rc : matched;
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
		return evmatch_collect_services(log, file, &sp, env, out, err);
	return collect_plain(log, file, &sp, env, out, err);
}
