#define _GNU_SOURCE
#include "report.h"

#include <libxml/xmlwriter.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report_priv.h"
#include "rules.h"

static const char *title_of(const struct result *r, size_t i)
{
	if (r->rule)
		return r->rule->title;
	return i < SEED_CAUSES ? seed_causes[i].title : "";
}

static json_t *result_json(const struct result *r, size_t i)
{
	json_t *o = json_object();

	json_object_set_new(o, "id", json_string(result_id(r, i)));
	json_object_set_new(o, "title", json_string(title_of(r, i)));
	json_object_set_new(o, "status", json_string(status_name(r->status)));
	json_object_set_new(o, "summary", json_string(r->summary ? r->summary : ""));
	/* borrowed arrays are increfed; missing ones are new empty arrays */
	json_object_set_new(o, "evidence", r->evidence ? json_incref(r->evidence) : json_array());
	json_object_set_new(o, "remediation",
			    r->remediation ? json_incref(r->remediation) : json_array());
	json_object_set_new(o, "references", r->rule && r->rule->references ?
			    json_incref(r->rule->references) : json_array());
	if (r->last_good)
		json_object_set(o, "last_good", r->last_good);
	return o;
}

json_t *report_json_build(const struct scan *s)
{
	const struct scan_source *si = &s->source_info;
	json_t *root = json_object(), *tool, *src, *causes, *findings;
	size_t i;

	json_object_set_new(root, "schema", json_string("vssdoctor/1"));
	tool = json_pack("{s:s, s:s}", "name", "vssdoctor", "version", VSSD_VERSION);
	json_object_set_new(root, "tool", tool);
	src = json_object();
	json_object_set_new(src, "path", json_string(s->source ? s->source : ""));
	json_object_set_new(src, "format", json_string(si->format));
	json_object_set_new(src, "size", json_integer((json_int_t)si->size));
	if (si->mounted) {
		json_t *vol = json_object();

		json_object_set_new(vol, "index", json_integer(si->vol.index));
		json_object_set_new(vol, "offset", json_integer((json_int_t)si->vol.offset));
		json_object_set_new(vol, "filesystem", json_string(si->is_dir ? "directory" : "ntfs"));
		json_object_set_new(vol, "label", json_string(si->vol.label));
		json_object_set_new(vol, "dirty", json_boolean(si->vol.dirty));
		if (si->vol.letter)
			json_object_set_new(vol, "letter", json_sprintf("%c:", si->vol.letter));
		json_object_set_new(src, "volume", vol);
	}
	if (si->nvolumes) {
		/* every volume of the image, with its drive letter */
		json_t *vols = json_array();
		unsigned k;

		for (k = 0; vols && k < si->nvolumes; k++) {
			const struct scan_source_volume *v = &si->volumes[k];
			json_t *o = json_object();

			json_object_set_new(o, "index", json_integer(v->index));
			json_object_set_new(o, "offset", json_integer((json_int_t)v->offset));
			json_object_set_new(o, "size", json_integer((json_int_t)v->size));
			json_object_set_new(o, "filesystem", json_string(v->filesystem));
			if (v->letter)
				json_object_set_new(o, "letter", json_sprintf("%c:", v->letter));
			json_object_set_new(o, "windows", json_boolean(v->windows));
			json_array_append_new(vols, o);
		}
		json_object_set_new(src, "volumes", vols);
	}
	if (s->ev.windows && json_object_size(s->ev.windows))
		json_object_set(src, "windows", s->ev.windows);
	json_object_set_new(root, "source", src);
	if (s->open_failed)
		json_object_set_new(root, "error", json_string(s->open_err.msg));

	causes = json_array();
	findings = json_array();
	if (s->open_failed) {
		for (i = 0; i < SEED_CAUSES; i++) {
			struct result r;

			memset(&r, 0, sizeof(r));
			r.status = STATUS_UNKNOWN;
			r.summary = (char *)"the source could not be read";
			json_array_append_new(causes, result_json(&r, i));
		}
	}
	for (i = 0; i < s->nresults; i++)
		json_array_append_new(i < SEED_CAUSES ? causes : findings,
				      result_json(&s->results[i], i));
	json_object_set_new(root, "causes", causes);
	json_object_set_new(root, "findings", findings);
	if (s->shadow_copies)
		json_object_set(root, "shadow_copies", s->shadow_copies);
	if (s->history)
		json_object_set(root, "history", s->history);
	json_object_set_new(root, "warnings",
			    scan_warnings(s) ? json_incref(scan_warnings(s)) : json_array());
	json_object_set_new(root, "timing_ms",
			    json_pack("{s:I}", "total", (json_int_t)s->t_total_ms));
	return root;
}

int report_json(FILE *f, const struct scan *s, int compact)
{
	json_t *root = report_json_build(s);
	int rc = json_dumpf(root, f, (compact ? JSON_COMPACT : JSON_INDENT(2)) |
			    JSON_PRESERVE_ORDER);

	fputc('\n', f);
	json_decref(root);
	return rc < 0 ? -E_IO : 0;
}

/* --- the -q line */
int report_verdict(FILE *f, const struct scan *s)
{
	char *v = view_verdict(s);

	if (!v)
		return -E_NOMEM;
	fprintf(f, "%s: ", s->source);
	text_put(f, v);
	fprintf(f, " (exit status %d)\n", scan_exit_status(s));
	free(v);
	return 0;
}

/* --- JUnit: the schema Jenkins and GitLab read (testsuites > testsuite >
 * testcase with failure / skipped / error) */
static void w_attr_int(xmlTextWriterPtr w, const char *name, long long v)
{
	xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%lld", v);
}

/* The evidence of result i for a CI log: the tables of the text
 * report's -v, and the fix. */
static char *evidence_text(const struct vscan *v, size_t i)
{
	const struct result *r = &v->s->results[i];
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	size_t k;
	json_t *line;

	if (!m)
		return NULL;
	if (i < v->nres)
		text_tables(m, &v->res[i], 0, TEXT_WIDTH);
	if (json_array_size(r->remediation)) {
		fprintf(m, "Fix:\n");
		json_array_foreach(r->remediation, k, line) {
			fputs("  ", m);
			text_put(m, json_string_value(line));
			fputc('\n', m);
		}
	}
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void junit_suite(xmlTextWriterPtr w, const struct scan *s)
{
	struct vscan v;
	int have_view = vscan_build(&v, s) == 0;
	size_t i, failures = 0, skipped = 0;
	char ts[32], host[256] = "localhost";
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	gethostname(host, sizeof(host) - 1);
	for (i = 0; i < s->nresults; i++) {
		failures += view_result_fails(s, i);
		skipped += s->results[i].status == STATUS_UNKNOWN;
	}
	xmlTextWriterStartElement(w, BAD_CAST "testsuite");
	xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST s->source);
	w_attr_int(w, "tests", s->open_failed ? 1 : (long long)s->nresults);
	w_attr_int(w, "failures", (long long)failures);
	w_attr_int(w, "errors", s->open_failed ? 1 : 0);
	w_attr_int(w, "skipped", (long long)skipped);
	xmlTextWriterWriteFormatAttribute(w, BAD_CAST "time", "%.3f", s->t_total_ms / 1000.0);
	xmlTextWriterWriteAttribute(w, BAD_CAST "timestamp", BAD_CAST ts);
	xmlTextWriterWriteAttribute(w, BAD_CAST "hostname", BAD_CAST host);
	if (s->open_failed) {
		xmlTextWriterStartElement(w, BAD_CAST "testcase");
		xmlTextWriterWriteAttribute(w, BAD_CAST "classname", BAD_CAST "vssdoctor.source");
		xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "open");
		xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST "0");
		xmlTextWriterStartElement(w, BAD_CAST "error");
		xmlTextWriterWriteAttribute(w, BAD_CAST "message", BAD_CAST s->open_err.msg);
		xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "unreadable");
		xmlTextWriterEndElement(w);
		xmlTextWriterEndElement(w);
	}
	for (i = 0; i < s->nresults; i++) {
		const struct result *r = &s->results[i];
		char name[512];

		snprintf(name, sizeof(name), "%s: %s", result_id(r, i), title_of(r, i));
		xmlTextWriterStartElement(w, BAD_CAST "testcase");
		xmlTextWriterWriteAttribute(w, BAD_CAST "classname",
					    BAD_CAST(i < SEED_CAUSES ? "vssdoctor.cause" : "vssdoctor.finding"));
		xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name);
		xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST "0");
		if (r->status == STATUS_PRESENT && !scan_result_fails(s, i)) {
			/* an informational finding: passes, evidence for the log */
			char *text = have_view ? evidence_text(&v, i) : NULL;

			xmlTextWriterStartElement(w, BAD_CAST "system-out");
			xmlTextWriterWriteFormatString(w, "%s\n%s", r->summary ? r->summary : "",
						       text ? text : "");
			xmlTextWriterEndElement(w);
			free(text);
		} else if (r->status == STATUS_PRESENT) {
			char *text = have_view ? evidence_text(&v, i) : NULL;

			xmlTextWriterStartElement(w, BAD_CAST "failure");
			xmlTextWriterWriteAttribute(w, BAD_CAST "message",
						    BAD_CAST(r->summary ? r->summary : ""));
			xmlTextWriterWriteAttribute(w, BAD_CAST "type", BAD_CAST "present");
			if (text)
				xmlTextWriterWriteString(w, BAD_CAST text);
			xmlTextWriterEndElement(w);
			free(text);
		} else if (r->status == STATUS_UNKNOWN) {
			xmlTextWriterStartElement(w, BAD_CAST "skipped");
			xmlTextWriterWriteAttribute(w, BAD_CAST "message",
						    BAD_CAST(r->summary ? r->summary : ""));
			xmlTextWriterEndElement(w);
		}
		xmlTextWriterEndElement(w);
	}
	xmlTextWriterEndElement(w);
	if (have_view)
		vscan_release(&v);
}

int report_junit(FILE *f, struct scan *const *scans, size_t n)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w;
	size_t i, j, tests = 0, failures = 0, errors = 0, skipped = 0;

	if (!buf)
		return -E_NOMEM;
	w = xmlNewTextWriterMemory(buf, 0);
	if (!w) {
		xmlBufferFree(buf);
		return -E_NOMEM;
	}
	xmlTextWriterSetIndent(w, 1);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL);
	xmlTextWriterStartElement(w, BAD_CAST "testsuites");
	for (i = 0; i < n; i++) {
		tests += scans[i]->open_failed ? 1 : scans[i]->nresults;
		errors += scans[i]->open_failed;
		for (j = 0; j < scans[i]->nresults; j++) {
			failures += view_result_fails(scans[i], j);
			skipped += scans[i]->results[j].status == STATUS_UNKNOWN;
		}
	}
	xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST "vssdoctor");
	w_attr_int(w, "tests", (long long)tests);
	w_attr_int(w, "failures", (long long)failures);
	w_attr_int(w, "errors", (long long)errors);
	w_attr_int(w, "skipped", (long long)skipped);
	for (i = 0; i < n; i++)
		junit_suite(w, scans[i]);
	xmlTextWriterEndElement(w);
	xmlTextWriterEndDocument(w);
	xmlFreeTextWriter(w);
	fwrite(xmlBufferContent(buf), 1, (size_t)xmlBufferLength(buf), f);
	xmlBufferFree(buf);
	return 0;
}
