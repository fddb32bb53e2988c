/* The Service Control Manager history of a spec with "services"
 * (events_log_collect, events.h): the last boot and orderly shutdown,
 * each service's last state change and start type changes, and the
 * failures after the last boot that no later start repaired.  Also the
 * service key in an SCM <Binary> and the service display names. */
#define _GNU_SOURCE
#include "events_match_priv.h"

#include "filetime.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* One spec's analysis: the boot, the shutdown after it, and per
 * service (in sp->services) its history. */
struct scm_run {
	const struct events_log *log;
	const struct spec *sp;
	const char *file;
	uint32_t p_scm, p_el, p_kg, p_u32;  /* providers, UINT32_MAX absent */
	long boot, shutdown;        /* record indexes, -1 none */
	struct svc_state *sv;
	size_t nsvc;
	int *rec_svc;               /* per record: its service, -1 none */
};

/* The last boot (EventLog 6005 / 6009 or Kernel-General 12) and the
 * first orderly shutdown after it. */
static void find_boot(struct scm_run *h)
{
	const struct events_log *log = h->log;
	size_t i;

	h->p_scm = h->p_el = h->p_kg = h->p_u32 = UINT32_MAX;
	h->boot = h->shutdown = -1;
	evlog_provider_find(log, h->sp->provider, &h->p_scm);
	evlog_provider_find(log, PROV_EVENTLOG, &h->p_el);
	evlog_provider_find(log, PROV_KERNEL_GENERAL, &h->p_kg);
	evlog_provider_find(log, PROV_USER32, &h->p_u32);
	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];

		if ((rec->provider == h->p_el && (rec->event_id == 6005 || rec->event_id == 6009)) ||
		    (rec->provider == h->p_kg && rec->event_id == 12))
			h->boot = (long)i;
	}
	for (i = h->boot < 0 ? 0 : (size_t)h->boot + 1; i < log->nrec; i++)
		if (is_shutdown(&log->rec[i], h->p_el, h->p_kg, h->p_u32)) {
			h->shutdown = (long)i;
			break;
		}
}

/* Pass 1: each SCM record's service and the per-service history. */
static void history_pass(struct scm_run *h, const struct events_env *env)
{
	const struct events_log *log = h->log;
	const struct events_names *names = NULL;
	int names_tried = 0;
	size_t i;

	for (i = 0; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		struct svc_state *sv;
		const char *how;
		int st, s;

		h->rec_svc[i] = -1;
		if (rec->provider != h->p_scm || !evmatch_spec_has_id(h->sp, rec->event_id))
			continue;
		s = scm_service(log, rec, h->sp, env, &names, &names_tried, &st, &how);
		if (s < 0)
			continue;
		h->rec_svc[i] = s;
		sv = &h->sv[s];
		if (rec->event_id == 7036) {
			sv->changes++;
			if ((long)i > h->boot)
				sv->since_boot++;
			sv->last = (long)i;
			sv->last_state = st;
			if (st == 4)
				sv->last_running = (long)i;
		} else if (rec->event_id == 7040) {
			sv->config_changes++;
			sv->last_config = (long)i;
		} else if (is_failure_id(rec->event_id) && (long)i <= h->boot) {
			sv->failures_before++;
		}
	}
}

/* Pass 2: the failures after the last boot, grouped by service, id,
 * repaired and text; *failures counts those not repaired.  0 or <0. */
static int failures_pass(struct scm_run *h, struct groups *g,
			 struct scratch *sc, int *failures, struct err *err)
{
	const struct events_log *log = h->log;
	size_t i;

	for (i = h->boot < 0 ? 0 : (size_t)h->boot + 1; i < log->nrec; i++) {
		const struct events_record *rec = &log->rec[i];
		struct group *gr;
		int created, s = h->rec_svc[i], repaired;

		if (s < 0 || !is_failure_id(rec->event_id))
			continue;
		repaired = h->sv[s].last_running > (long)i;
		evmatch_record_text(log, rec, sc);
		snprintf(sc->key, sc->cap + 64, "%d:%u:%d:%s", s, rec->event_id, repaired, sc->text);
		gr = evmatch_group_for(g, sc, rec, &created);
		if (!gr)
			return err_set(err, -E_NOMEM, "out of memory");
		if (created) {
			gr->after_boot = 1;
			gr->repaired = repaired;
			snprintf(gr->service, sizeof(gr->service), "%s", h->sv[s].name);
		}
		evmatch_group_add(gr, rec);
		if (!repaired)
			(*failures)++;
	}
	return 0;
}

/* The evidence of the boot and the shutdown after it.  0 or <0. */
static int boot_json(const struct scm_run *h, json_t *out, struct err *err)
{
	const struct events_log *log = h->log;
	char t[40];
	json_t *o;

	o = json_pack("{s:s, s:s}", "kind", "boot", "log", h->file);
	if (!o)
		return err_set(err, -E_NOMEM, "out of memory");
	if (h->boot >= 0) {
		set_new(o, "last_boot", json_string(filetime_iso8601(log->rec[h->boot].filetime, 0, t, sizeof(t))));
		set_new(o, "last_boot_record", json_integer((json_int_t)log->rec[h->boot].number));
	} else {
		set_new(o, "last_boot", json_null());
		set_new(o, "note", json_string("no boot event (EventLog 6005, Kernel-General 12) in the log: every event counts as after the last boot"));
	}
	if (h->shutdown >= 0) {
		set_new(o, "shutdown", json_string("orderly"));
		set_new(o, "shutdown_at", json_string(filetime_iso8601(log->rec[h->shutdown].filetime, 0, t, sizeof(t))));
		set_new(o, "shutdown_record", json_integer((json_int_t)log->rec[h->shutdown].number));
	} else {
		set_new(o, "shutdown", json_string("none recorded after the last boot"));
	}
	if (h->sp->label)
		set_new(o, "label", json_string(h->sp->label));
	json_array_append_new(out, o);
	return 0;
}

/* A stop inside an orderly shutdown: after the User32 1074 that started
 * it, or shortly before the EventLog 6006 / Kernel-General 13 that ends
 * it. */
static int stopped_at_shutdown(const struct scm_run *h, const struct svc_state *s)
{
	const struct events_log *log = h->log;
	const struct events_record *rec = &log->rec[s->last];
	int at_shutdown = 0;
	size_t i;

	for (i = h->boot < 0 ? 0 : (size_t)h->boot + 1; (long)i < s->last; i++)
		if (log->rec[i].provider == h->p_u32 && log->rec[i].event_id == 1074)
			at_shutdown = 1;
	for (i = (size_t)s->last + 1; !at_shutdown && i < log->nrec; i++) {
		const struct events_record *r2 = &log->rec[i];

		if (!is_shutdown(r2, h->p_el, h->p_kg, UINT32_MAX))
			continue;
		at_shutdown = r2->filetime >= rec->filetime &&
			r2->filetime - rec->filetime <= SHUTDOWN_WINDOW;
		break;
	}
	return at_shutdown;
}

/* The evidence of one service's state.  0 or <0. */
static int state_json(const struct scm_run *h, const struct svc_state *s,
		      json_t *out, struct err *err)
{
	const struct events_log *log = h->log;
	const struct spec *sp = h->sp;
	char t[40];
	json_t *o;

	o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:I}", "kind", "service_state",
		      "log", h->file, "service", s->name, "provider", sp->provider,
		      "event_id", 7036, "count", (json_int_t)s->changes,
		      "since_last_boot", (json_int_t)s->since_boot);
	if (!o)
		return err_set(err, -E_NOMEM, "out of memory");
	if (s->last >= 0) {
		const struct events_record *rec = &log->rec[s->last];

		set_new(o, "last_state", json_string(state_name(s->last_state)));
		set_new(o, "last_at", json_string(filetime_iso8601(rec->filetime, 0, t, sizeof(t))));
		set_new(o, "last_record", json_integer((json_int_t)rec->number));
		if (s->last_state == 1 || s->last_state == 3) {
			int at_shutdown = stopped_at_shutdown(h, s);

			set_new(o, "at_shutdown", json_boolean(at_shutdown));
			if (at_shutdown)
				set_new(o, "note", json_string("stopped during an orderly shutdown (normal)"));
		}
		set_new(o, "after_last_boot", json_boolean(s->last > h->boot));
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
	return 0;
}

int evmatch_collect_services(const struct events_log *log, const char *file,
			     const struct spec *sp, const struct events_env *env,
			     json_t *out, struct err *err)
{
	struct scm_run h;
	struct groups g;
	struct scratch sc;
	int failures = 0, rc = 0;
	size_t k;

	memset(&h, 0, sizeof(h));
	h.log = log;
	h.sp = sp;
	h.file = file;
	h.nsvc = json_array_size(sp->services);
	find_boot(&h);
	h.sv = calloc(h.nsvc ? h.nsvc : 1, sizeof(*h.sv));
	h.rec_svc = malloc((log->nrec ? log->nrec : 1) * sizeof(*h.rec_svc));
	memset(&g, 0, sizeof(g));
	if (!h.sv || !h.rec_svc) {
		free(h.sv);
		free(h.rec_svc);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	if (evmatch_scratch_init(&sc, err) < 0) {
		free(h.sv);
		free(h.rec_svc);
		return err->code;
	}
	for (k = 0; k < h.nsvc; k++) {
		h.sv[k].name = json_string_value(json_array_get(sp->services, k));
		h.sv[k].last = h.sv[k].last_config = h.sv[k].last_running = -1;
		h.sv[k].last_state = -1;
	}
	history_pass(&h, env);
	rc = failures_pass(&h, &g, &sc, &failures, err);
	/* evidence: the boot, each service's state, the failures */
	if (rc == 0)
		rc = boot_json(&h, out, err);
	for (k = 0; rc == 0 && k < h.nsvc; k++)
		rc = state_json(&h, &h.sv[k], out, err);
	if (rc == 0)
		rc = evmatch_emit_groups(log, file, sp, &g, out, err);
	evmatch_groups_release(&g);
	evmatch_scratch_release(&sc);
	free(h.sv);
	free(h.rec_svc);
	return rc < 0 ? rc : failures;
}
