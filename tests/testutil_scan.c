/* Shared test helpers (testutil.h), end to end: scenario volumes built and
 * scanned, the JSON reports read, fault-injection runs. */
#define _GNU_SOURCE
#include "testutil.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario.h"

json_t *tu_json_out(const struct tu_run *r, const char *what)
{
	json_error_t je;
	json_t *root = json_loads(r->out ? r->out : "", 0, &je);

	ck_assert_msg(root != NULL, "%s%sexit %d, bad JSON (%s): %.300s %.300s", what ? what : "",
		      what ? ": " : "", r->status, je.text, r->out ? r->out : "", r->err ? r->err : "");
	return root;
}

json_t *tu_scan_json(const char *source, struct tu_run *r)
{
	tu_vssdoctor(r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"),
		     source, NULL);
	return tu_json_out(r, NULL);
}

json_t *tu_normalise(const char *text)
{
	json_error_t je;
	json_t *d = json_loads(text, 0, &je);

	if (!d)
		return NULL;
	json_object_del(d, "source");
	json_object_del(d, "timing_ms");
	return d;
}

json_t *tu_scan_normalised(const char *img, int *status, char **err_out)
{
	struct tu_run r;
	json_t *d;

	tu_vssdoctor(&r, "scan", "--format", "json", "--rules", tu_env("VSSD_RULES"), img, NULL);
	*status = r.status;
	d = r.status == 2 ? NULL : tu_normalise(r.out);
	if (err_out)
		*err_out = strdup(r.err);
	tu_run_free(&r);
	return d;
}

void tu_assert_same_report(json_t *got, json_t *want, const char *name, const char *ref)
{
	char *a, *b;
	size_t k = 0;

	if (json_equal(got, want))
		return;
	a = json_dumps(got, JSON_COMPACT);
	b = json_dumps(want, JSON_COMPACT);
	while (a[k] && a[k] == b[k])
		k++;
	ck_abort_msg("%s%sreport differs from %s at byte %zu:\n  got  ...%.200s\n  want ...%.200s",
		     name ? name : "", name ? ": " : "", ref, k, a + (k > 60 ? k - 60 : 0),
		     b + (k > 60 ? k - 60 : 0));
}

json_t *tu_result(json_t *root, const char *id)
{
	const char *where[] = { "causes", "findings" };
	size_t i, k;
	json_t *v;

	for (k = 0; k < 2; k++)
		json_array_foreach(json_object_get(root, where[k]), i, v)
			if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
				return v;
	ck_abort_msg("no result '%s'", id);
	return NULL;
}

const char *tu_status(json_t *root, const char *id)
{
	return json_string_value(json_object_get(tu_result(root, id), "status"));
}

char *tu_build(const char *tag, const char *text)
{
	struct err err;
	char *dir = tu_tmpdir(tag), *img = NULL;

	if (asprintf(&img, "%s/vol.img", dir) < 0)
		abort();
	free(dir);
	err_init(&err);
	ck_assert_msg(scenario_build(text, img, &err) == 0, "scenario: %s", err.msg);
	return img;
}

json_t *tu_scan_image(const char *img, int *status, ...)
{
	char *argv[64];
	struct tu_run r;
	json_error_t je;
	json_t *root;
	const char *a;
	int n = 0;
	va_list ap;

	argv[n++] = (char *)tu_env("VSSD_BIN");
	argv[n++] = (char *)"scan";
	argv[n++] = (char *)"--format";
	argv[n++] = (char *)"json";
	va_start(ap, status);
	while ((a = va_arg(ap, const char *)) && n < 60)
		argv[n++] = (char *)a;
	va_end(ap);
	argv[n++] = (char *)"--rules";
	argv[n++] = (char *)tu_env("VSSD_RULES");
	argv[n++] = (char *)img;
	argv[n] = NULL;
	ck_assert_int_eq(tu_run(argv, 300, &r), 0);
	root = json_loads(r.out, 0, &je);
	ck_assert_msg(root != NULL, "exit %d, bad JSON (%s): %s", r.status, je.text, r.err);
	if (status)
		*status = r.status;
	tu_run_free(&r);
	return root;
}

void tu_scan_run(const char *tag, const char *text, struct tu_scan *out)
{
	char *img = tu_build(tag, text);

	out->root = tu_scan_image(img, &out->status, NULL);
	free(img);
}

const char *tu_scan_status(const struct tu_scan *sc, const char *id)
{
	return tu_status(sc->root, id);
}

const char *tu_scan_summary(const struct tu_scan *sc, const char *id)
{
	return json_string_value(json_object_get(tu_result(sc->root, id), "summary"));
}

void tu_scan_assert(const struct tu_scan *sc, const char *id, const char *want)
{
	const char *st = tu_scan_status(sc, id);

	ck_assert_msg(st != NULL, "%s: no status", id);
	ck_assert_msg(strcmp(st, want) == 0, "%s: %s (want %s): %s", id, st, want,
		      tu_scan_summary(sc, id));
}

json_t *tu_scan_evidence(const struct tu_scan *sc, const char *id, const char *key,
			 const char *value)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(tu_result(sc->root, id), "evidence"), i, e) {
		const char *s = json_string_value(json_object_get(e, key));

		if (s && strcmp(s, value) == 0)
			return e;
	}
	return NULL;
}

json_t *tu_scan_must_evidence(const struct tu_scan *sc, const char *id, const char *key,
			      const char *value)
{
	json_t *e = tu_scan_evidence(sc, id, key, value);

	ck_assert_msg(e != NULL, "%s: no evidence with %s = '%s'", id, key, value);
	return e;
}

int tu_scan_fixes(const struct tu_scan *sc, const char *id, const char *text)
{
	size_t i;
	json_t *l;
	int n = 0;

	json_array_foreach(json_object_get(tu_result(sc->root, id), "remediation"), i, l)
		if (strstr(json_string_value(l), text))
			n++;
	return n;
}

void tu_scan_assert_fix(const struct tu_scan *sc, const char *id, const char *text)
{
	ck_assert_msg(tu_scan_fixes(sc, id, text) > 0, "%s: no remediation line with '%s'", id, text);
}

const char *tu_str(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	ck_assert_msg(s != NULL, "no string '%s'", key);
	return s;
}

long long tu_num(json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	ck_assert_msg(json_is_integer(v), "no integer '%s'", key);
	return (long long)json_integer_value(v);
}

json_t *tu_evidence(json_t *res, const char *kind, const char *path)
{
	size_t i;
	json_t *e;

	json_array_foreach(json_object_get(res, "evidence"), i, e) {
		const char *k = json_string_value(json_object_get(e, "kind"));
		const char *p = json_string_value(json_object_get(e, "path"));

		if (k && strcmp(k, kind) == 0 && (!path || (p && strcmp(p, path) == 0)))
			return e;
	}
	return NULL;
}

int tu_has_warning(json_t *root, const char *part)
{
	size_t i;
	json_t *w;

	json_array_foreach(json_object_get(root, "warnings"), i, w)
		if (strstr(json_string_value(w), part))
			return 1;
	return 0;
}

int tu_array_has(json_t *arr, const char *text)
{
	size_t i;
	json_t *v;

	json_array_foreach(arr, i, v)
		if (json_is_string(v) && strstr(json_string_value(v), text))
			return 1;
	return 0;
}

unsigned long long tu_fault_count(const char *img, const char *var, const char *pattern,
				  int shadows, int timeout_s)
{
	char *argv[10];
	struct tu_run r;
	unsigned long long n;
	const char *p;
	int k = 0;

	if (var)
		setenv(var, "1", 1);
	argv[k++] = (char *)tu_env("VSSD_FAULT_BIN");
	argv[k++] = (char *)"scan";
	argv[k++] = (char *)"-v";
	if (shadows)
		argv[k++] = (char *)"--shadows";
	argv[k++] = (char *)"--rules";
	argv[k++] = (char *)tu_env("VSSD_RULES");
	argv[k++] = (char *)img;
	argv[k] = NULL;
	ck_assert_int_eq(tu_run(argv, timeout_s, &r), 0);
	if (var)
		unsetenv(var);
	p = strstr(r.err, pattern);
	ck_assert_msg(p != NULL, "no '%s' in: %s", pattern, r.err);
	n = strtoull(p + strlen(pattern), NULL, 10);
	tu_run_free(&r);
	return n;
}

void tu_fault_run(const char *img, const char *var, unsigned long long n, const char *format,
		  int shadows, int timeout_s)
{
	char val[32], *argv[10];
	struct tu_run r;
	int k = 0;

	snprintf(val, sizeof(val), "%llu", n);
	setenv(var, val, 1);
	argv[k++] = (char *)tu_env("VSSD_FAULT_BIN");
	argv[k++] = (char *)"scan";
	if (shadows)
		argv[k++] = (char *)"--shadows";
	argv[k++] = (char *)"--format";
	argv[k++] = (char *)format;
	argv[k++] = (char *)"--rules";
	argv[k++] = (char *)tu_env("VSSD_RULES");
	argv[k++] = (char *)img;
	argv[k] = NULL;
	/* sanitizer reports get their own exit codes, apart from ours; set
	 * only around these runs (fixtures run in the runner's process) */
	setenv("ASAN_OPTIONS", "exitcode=86:detect_leaks=1:fast_unwind_on_malloc=0", 1);
	setenv("UBSAN_OPTIONS", "halt_on_error=1:exitcode=87", 1);
	ck_assert_int_eq(tu_run(argv, timeout_s, &r), 0);
	unsetenv("ASAN_OPTIONS");
	unsetenv("UBSAN_OPTIONS");
	unsetenv(var);
	ck_assert_msg(r.status <= 3, "%s=%llu: exit %d\n%s", var, n, r.status, r.err);
	ck_assert_msg(!strstr(r.err, "Sanitizer") && !strstr(r.err, "runtime error"),
		      "%s=%llu: %s", var, n, r.err);
	if (r.status == 2) {
		char *nl = strchr(r.err, '\n');

		ck_assert_msg(strncmp(r.err, "vssdoctor: ", 11) == 0 && nl && !nl[1],
			      "%s=%llu: not one clean line: %s", var, n, r.err);
	}
	tu_run_free(&r);
}
