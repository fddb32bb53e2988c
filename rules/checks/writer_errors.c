/* writer-timeout: the VSS and Windows Server Backup error codes that name a
 * writer failure or time-out (DOMAIN.md "Beyond the four causes": writer
 * errors and timeouts), collected from the event logs with their dates and
 * explained one code at a time.
 *
 * The codes and what each means come from the rule (params "codes"); the
 * logs and providers to search from params "sources" (event specs without
 * text_contains).  For every code and source the check asks the event
 * collector for the records whose strings or binary data hold the code
 * (events_collect, matched on provider + id + the hexadecimal code, never
 * on localised text), so the evidence is the collector's usual grouped
 * event items, preceded by one "writer_error" item per code found: code,
 * name, meaning, KB, count, first and last. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checks.h"
#include "events.h"
#include "limits.h"

#define CODES_MAX 32u

/* The defaults when the rule names no codes (rules/writer-timeout.json
 * spells the same table out). */
static const struct {
	const char *code, *name, *meaning, *kb;
} default_codes[] = {
	{ "0x800423F2", "VSS_E_WRITERERROR_TIMEOUT",
	  "a writer did not answer VSS in time (the freeze or thaw window ran out)",
	  "KB 2996928 (Windows Server 2012 R2)" },
	{ "0x800423F3", "VSS_E_WRITERERROR_RETRYABLE",
	  "a writer failed with a transient error: the backup may succeed when retried", "" },
	{ "0x800423F4", "VSS_E_WRITERERROR_NONRETRYABLE",
	  "a writer failed with a permanent error: its own events say which and why", "" },
	{ "0x80780102", "Windows Server Backup: System writer is not found in the backup",
	  "the System Writer was missing when the backup ran (the symptom itself)", "KB 2009272" },
	{ "0x807800A1", "Windows Server Backup: a Volume Shadow Copy Service operation failed",
	  "the shadow copy of the backup failed; the VSS events of that time say which writer", "" },
};

#define NDEFAULT (sizeof(default_codes) / sizeof(default_codes[0]))

static json_t *default_sources(void)
{
	return json_pack("[{s:s, s:s, s:[i,i,i,i,i,i,i,i,i,i,i,i]},"
			 " {s:s, s:s, s:[i,i,i,i,i,i]}]",
			 "log", "Application", "provider", "VSS", "ids",
			 8193, 8194, 8220, 8229, 12289, 12290, 12292, 12293, 12297, 12298, 12302, 12310,
			 "log", "Application", "provider", "Microsoft-Windows-Backup", "ids",
			 517, 521, 545, 546, 561, 753);
}

static const char *str_of(json_t *o, const char *k, const char *def)
{
	const char *v = json_string_value(json_object_get(o, k));

	return v ? v : def;
}

/* One code's search over every source: the event items go to items, the
 * matches are returned (>= 0); *read_any / *failed count the sources whose
 * log could / could not be read. */
static int collect_code(const struct evidence *ev, json_t *sources, const char *code,
			const char *label, json_t *items, int *read_any,
			int *failed, struct err *last)
{
	size_t i;
	json_t *src;
	int total = 0;

	json_array_foreach(sources, i, src) {
		json_t *spec = json_deep_copy(src);
		struct err e;
		int n;

		if (!spec || !json_is_object(spec)) {
			json_decref(spec);
			(*failed)++;
			err_set(last, -E_USAGE, "sources: element %zu is not an event spec", i);
			continue;
		}
		json_object_set_new(spec, "text_contains", json_string(code));
		json_object_set_new(spec, "label", json_string(label));
		err_init(&e);
		n = events_collect(ev, spec, items, &e);
		json_decref(spec);
		if (n < 0) {
			(*failed)++;
			*last = e;
			continue;
		}
		(*read_any)++;
		total += n;
	}
	return total;
}

/* first / last over the event items (ISO 8601 strings sort by time). */
static void span_of(json_t *items, char *first, char *last, size_t size)
{
	size_t i;
	json_t *e;

	first[0] = last[0] = '\0';
	json_array_foreach(items, i, e) {
		const char *f = json_string_value(json_object_get(e, "first"));
		const char *l = json_string_value(json_object_get(e, "last"));

		if (f && (!first[0] || strcmp(f, first) < 0))
			snprintf(first, size, "%s", f);
		if (l && (!last[0] || strcmp(l, last) > 0))
			snprintf(last, size, "%s", l);
	}
}

static int writer_errors(const struct evidence *ev, const struct rule *r, struct result *res,
			 struct err *err)
{
	json_t *codes = rule_param(r, "codes"), *sources = rule_param(r, "sources");
	json_t *own_sources = NULL, *v_code, *v_name, *v_meaning, *v_kb, *v_see;
	char found[512] = "";
	size_t i, ncodes, nfound = 0;
	int read_any = 0, failed = 0, rc = 0;
	struct err last;

	err_init(&last);
	if (!json_is_array(sources)) {
		sources = own_sources = default_sources();
		if (!sources)
			return err_set(err, -E_NOMEM, "out of memory");
	}
	ncodes = json_is_array(codes) ? json_array_size(codes) : NDEFAULT;
	if (ncodes > CODES_MAX) {
		json_decref(own_sources);
		return err_set(err, -E_USAGE, "codes: %zu entries, at most %u", ncodes, CODES_MAX);
	}
	v_code = json_array();
	v_name = json_array();
	v_meaning = json_array();
	v_kb = json_array();
	v_see = json_array();
	for (i = 0; i < ncodes; i++) {
		json_t *c = json_is_array(codes) ? json_array_get(codes, i) : NULL;
		const char *code = c ? str_of(c, "code", NULL) : default_codes[i].code;
		const char *name = c ? str_of(c, "name", "") : default_codes[i].name;
		const char *meaning = c ? str_of(c, "meaning", "") : default_codes[i].meaning;
		const char *kb = c ? str_of(c, "kb", "") : default_codes[i].kb;
		json_t *items, *o, *it;
		char label[600], first[40], lastt[40];
		size_t k;
		int n;

		if (!code || !code[0]) {
			rc = err_set(err, -E_USAGE, "codes: element %zu has no \"code\"", i);
			goto out;
		}
		items = json_array();
		snprintf(label, sizeof(label), "%s%s%s", code, name[0] ? " " : "", name);
		n = collect_code(ev, sources, code, label, items, &read_any, &failed, &last);
		if (n <= 0) {
			json_decref(items);
			continue;
		}
		span_of(items, first, lastt, sizeof(first));
		o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s}", "kind", "writer_error",
			      "code", code, "name", name, "meaning", meaning, "count", n,
			      "first", first, "last", lastt);
		if (o && kb[0])
			json_object_set_new(o, "kb", json_string(kb));
		if (!o || json_array_append_new(res->evidence, o) < 0) {
			json_decref(items);
			rc = err_set(err, -E_NOMEM, "out of memory");
			goto out;
		}
		json_array_foreach(items, k, it)
			json_array_append(res->evidence, it);
		json_decref(items);
		json_array_append_new(v_code, json_string(code));
		json_array_append_new(v_name, json_string(name));
		json_array_append_new(v_meaning, json_string(meaning));
		json_array_append_new(v_kb, json_string(kb));
		{
			char see[300];

			snprintf(see, sizeof(see), "%s%s", kb[0] ? "; see " : "", kb);
			json_array_append_new(v_see, json_string(see));
		}
		{
			size_t l = strlen(found);

			snprintf(found + l, sizeof(found) - l, "%s%s (%d, last %s)", nfound ? ", " : "",
				 code, n, lastt);
		}
		nfound++;
	}
	json_object_set_new(res->vars, "code", json_incref(v_code));
	json_object_set_new(res->vars, "name", json_incref(v_name));
	json_object_set_new(res->vars, "meaning", json_incref(v_meaning));
	json_object_set_new(res->vars, "kb", json_incref(v_kb));
	json_object_set_new(res->vars, "see", json_incref(v_see));
	json_object_set_new(res->vars, "codes", json_string(found));
	json_object_set_new(res->vars, "count", json_integer((json_int_t)nfound));
	if (nfound)
		res->status = STATUS_PRESENT;
	else if (!read_any && failed)
		rc = err_set(err, last.code ? last.code : -E_IO, "%s", last.msg);
	else
		res->status = STATUS_ABSENT;
out:
	json_decref(v_code);
	json_decref(v_name);
	json_decref(v_meaning);
	json_decref(v_kb);
	json_decref(v_see);
	json_decref(own_sources);
	return rc;
}

static const struct param_def writer_error_params[] = {
	{ "codes", PARAM_ARRAY, 0, "[{s}]" },
	{ "sources", PARAM_ARRAY, 0, NULL },
	{ NULL, 0, 0, NULL },
};

static const char *const writer_errors_vars[] = { "code", "codes", "count", "kb", "meaning", "name", "see", NULL };
const struct check_def check_def_writer_errors = {
	"writer_errors", writer_errors, writer_error_params, writer_errors_vars, 0,
};
