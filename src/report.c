#define _GNU_SOURCE
#include "report.h"

#include <libxml/xmlwriter.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rules.h"

static const char *const seed_titles[4] = {
	"File permissions lost under WinSxS",
	"A service the System Writer needs is not running",
	"Service security descriptors lost",
	"Too many folders under the .NET Framework directory",
};

static const char *title_of(const struct result *r, size_t i)
{
	if (r->rule)
		return r->rule->title;
	return i < 4 ? seed_titles[i] : "";
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
	json_t *root = json_object(), *tool, *src, *causes, *findings;
	size_t i;

	json_object_set_new(root, "schema", json_string("vssdoctor/1"));
	tool = json_pack("{s:s, s:s}", "name", "vssdoctor", "version", VSSD_VERSION);
	json_object_set_new(root, "tool", tool);
	src = json_object();
	json_object_set_new(src, "path", json_string(s->source ? s->source : ""));
	json_object_set_new(src, "format", json_string(s->is_dir ? "directory" :
				s->img ? image_format(s->img) : "unknown"));
	json_object_set_new(src, "size", json_integer(s->img ? (json_int_t)image_size(s->img) : 0));
	if (s->fs) {
		json_t *vol = json_object();

		json_object_set_new(vol, "index", json_integer(s->vol.index));
		json_object_set_new(vol, "offset", json_integer((json_int_t)s->vol.offset));
		json_object_set_new(vol, "filesystem", json_string(s->is_dir ? "directory" : "ntfs"));
		json_object_set_new(vol, "label", json_string(fs_info(s->fs)->label));
		json_object_set_new(vol, "dirty", json_boolean(fs_info(s->fs)->dirty));
		json_object_set_new(src, "volume", vol);
	}
	if (s->windows && json_object_size(s->windows))
		json_object_set(src, "windows", s->windows);
	json_object_set_new(root, "source", src);
	if (s->open_failed)
		json_object_set_new(root, "error", json_string(s->open_err.msg));

	causes = json_array();
	findings = json_array();
	if (s->open_failed) {
		for (i = 0; i < 4; i++) {
			struct result r;

			memset(&r, 0, sizeof(r));
			r.status = STATUS_UNKNOWN;
			r.summary = (char *)"the source could not be read";
			json_array_append_new(causes, result_json(&r, i));
		}
	}
	for (i = 0; i < s->nresults; i++)
		json_array_append_new(i < 4 ? causes : findings,
				      result_json(&s->results[i], i));
	json_object_set_new(root, "causes", causes);
	json_object_set_new(root, "findings", findings);
	if (s->shadow_copies)
		json_object_set(root, "shadow_copies", s->shadow_copies);
	if (s->history)
		json_object_set(root, "history", s->history);
	json_object_set_new(root, "warnings",
			    s->warnings ? json_incref(s->warnings) : json_array());
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

/* --- text */
struct colors {
	const char *red, *green, *yellow, *bold, *dim, *off;
};

static const struct colors colors_on = { "\033[31m", "\033[32m", "\033[33m", "\033[1m", "\033[2m", "\033[0m" };
static const struct colors colors_off = { "", "", "", "", "", "" };

static void human_size(uint64_t n, char *buf, size_t size)
{
	const char *u[] = { "bytes", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)n;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, size, "%llu bytes", (unsigned long long)n);
	else
		snprintf(buf, size, "%.1f %s", v, u[i]);
}

static void print_scalar(FILE *f, json_t *v)
{
	if (json_is_string(v))
		fputs(json_string_value(v), f);
	else if (json_is_integer(v))
		fprintf(f, "%lld", (long long)json_integer_value(v));
	else if (json_is_true(v))
		fputs("yes", f);
	else if (json_is_false(v))
		fputs("no", f);
	else {
		char *d = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		if (d)
			fputs(d, f);
		free(d);
	}
}

/* An evidence item: "kind path" then its other fields, one a line. */
static void print_evidence(FILE *f, json_t *e, const struct colors *c)
{
	const char *k;
	json_t *v, *kind = json_object_get(e, "kind");
	json_t *path = json_object_get(e, "path");

	fprintf(f, "      - %s", json_is_string(kind) ? json_string_value(kind) : "item");
	if (json_is_string(path))
		fprintf(f, " %s", json_string_value(path));
	else if (json_is_string(json_object_get(e, "log")))
		fprintf(f, " %s", json_string_value(json_object_get(e, "log")));
	fputc('\n', f);
	json_object_foreach(e, k, v) {
		if (strcmp(k, "kind") == 0 || strcmp(k, "path") == 0 ||
		    (strcmp(k, "log") == 0 && !json_is_string(path)))
			continue;
		if (json_is_array(v) && json_array_size(v) > 0 &&
		    (json_is_object(json_array_get(v, 0)) || json_array_size(v) > 4)) {
			size_t i;
			json_t *it;

			fprintf(f, "        %s%s:%s\n", c->dim, k, c->off);
			json_array_foreach(v, i, it) {
				fputs("          ", f);
				if (json_is_object(it)) {
					const char *k2;
					json_t *v2;
					int first = 1;

					json_object_foreach(it, k2, v2) {
						fprintf(f, "%s%s=", first ? "" : ", ", k2);
						print_scalar(f, v2);
						first = 0;
					}
				} else {
					print_scalar(f, it);
				}
				fputc('\n', f);
			}
			continue;
		}
		fprintf(f, "        %s%s:%s ", c->dim, k, c->off);
		print_scalar(f, v);
		fputc('\n', f);
	}
}

static void print_result(FILE *f, const struct result *r, size_t i,
			 const struct colors *c, int verbose)
{
	const char *col = r->status == STATUS_PRESENT ? c->red :
			  r->status == STATUS_ABSENT ? c->green : c->yellow;
	const char *tag = r->status == STATUS_PRESENT ? "PRESENT" :
			  r->status == STATUS_ABSENT ? "absent " : "unknown";
	size_t k;
	json_t *v;

	fprintf(f, "  %s[%s]%s %s%s%s  %s\n", col, tag, c->off, c->bold,
		result_id(r, i), c->off, title_of(r, i));
	if (r->summary && *r->summary)
		fprintf(f, "            %s\n", r->summary);
	if (json_array_size(r->evidence) &&
	    (r->status != STATUS_ABSENT || verbose)) {
		fprintf(f, "    Evidence:\n");
		json_array_foreach(r->evidence, k, v)
			print_evidence(f, v, c);
	}
	if (json_array_size(r->remediation)) {
		fprintf(f, "    Fix");
		if (r->rule && json_array_size(r->rule->references)) {
			fprintf(f, " (");
			json_array_foreach(r->rule->references, k, v)
				fprintf(f, "%s%s", k ? ", " : "", json_string_value(v));
			fprintf(f, ")");
		}
		fprintf(f, ":\n");
		json_array_foreach(r->remediation, k, v)
			fprintf(f, "      %s\n", json_string_value(v));
	}
	/* --shadows: the value as it was when it was right */
	json_array_foreach(r->last_good, k, v)
		fprintf(f, "    Last good: %s\n", json_string_value(json_object_get(v, "text")));
}

/* A present result that fails the scan (counted as a JUnit failure). */
static int result_fails(const struct scan *s, size_t i)
{
	return s->results[i].status == STATUS_PRESENT && scan_result_fails(s, i);
}

/* What the exit status stands for, in words: the causes present and the
 * failing findings (a finding can fail the scan with no cause present). */
static void verdict_line(FILE *f, const struct scan *s, const struct colors *c)
{
	size_t i, ncause = 0, nfail = 0;
	int st = scan_exit_status(s);

	for (i = 0; i < s->nresults; i++)
		if (result_fails(s, i))
			*(i < 4 ? &ncause : &nfail) += 1;
	if (st == 1) {
		fputs(c->red, f);
		if (ncause) {
			fprintf(f, "%zu cause%s present:", ncause, ncause == 1 ? "" : "s");
			for (i = 0; i < 4 && i < s->nresults; i++)
				if (s->results[i].status == STATUS_PRESENT)
					fprintf(f, " %s", result_id(&s->results[i], i));
		} else {
			fprintf(f, "no cause present");
		}
		if (nfail) {
			fprintf(f, "%s failing finding%s:", ncause ? ";" : ", but",
				nfail == 1 ? "" : "s");
			for (i = 4; i < s->nresults; i++)
				if (result_fails(s, i))
					fprintf(f, " %s", result_id(&s->results[i], i));
		}
		fputs(c->off, f);
	} else if (st == 3) {
		fprintf(f, "%sno cause found, but some checks could not run%s", c->yellow, c->off);
	} else {
		fprintf(f, "%sno cause present; every check ran%s", c->green, c->off);
	}
}

int report_verdict(FILE *f, const struct scan *s)
{
	fprintf(f, "%s: ", s->source);
	verdict_line(f, s, &colors_off);
	fprintf(f, " (exit status %d)\n", scan_exit_status(s));
	return 0;
}

int report_text(FILE *f, const struct scan *s, int color, int verbose)
{
	const struct colors *c = color ? &colors_on : &colors_off;
	char sz[32];
	size_t i, nfind = 0;
	json_t *v;
	int st = scan_exit_status(s);

	fprintf(f, "%svssdoctor %s%s: System Writer diagnosis\n", c->bold, VSSD_VERSION, c->off);
	fprintf(f, "Source:   %s", s->source);
	if (s->img) {
		human_size(image_size(s->img), sz, sizeof(sz));
		fprintf(f, " (%s, %s)", image_format(s->img), sz);
	} else if (s->is_dir) {
		fprintf(f, " (mounted volume directory)");
	}
	fputc('\n', f);
	if (s->fs && !s->is_dir) {
		if (s->vol.index > 0)
			fprintf(f, "Volume:   partition %d (%s), NTFS at offset %llu",
				s->vol.index, s->vol.type, (unsigned long long)s->vol.offset);
		else
			fprintf(f, "Volume:   %s NTFS volume at offset %llu",
				s->vol.index == 0 ? "bare" : "--offset",
				(unsigned long long)s->vol.offset);
		fprintf(f, ", label \"%s\"%s\n", fs_info(s->fs)->label,
			fs_info(s->fs)->dirty ? ", dirty" : "");
	}
	if (json_object_size(s->windows)) {
		json_t *pn = json_object_get(s->windows, "product_name");
		json_t *cv = json_object_get(s->windows, "current_version");
		json_t *b = json_object_get(s->windows, "build");
		json_t *cs = json_object_get(s->windows, "control_set");

		fprintf(f, "Windows:  %s%s%s%s%s%s%s\n",
			json_is_string(pn) ? json_string_value(pn) : "?",
			json_is_string(cv) ? " " : "", json_is_string(cv) ? json_string_value(cv) : "",
			json_is_string(b) ? " build " : "", json_is_string(b) ? json_string_value(b) : "",
			json_is_string(cs) ? ", " : "", json_is_string(cs) ? json_string_value(cs) : "");
	}
	if (s->open_failed) {
		fprintf(f, "\nCannot read the source: %s\n", s->open_err.msg);
		return 0;
	}
	fprintf(f, "\nCauses:\n");
	for (i = 0; i < s->nresults && i < 4; i++)
		print_result(f, &s->results[i], i, c, verbose);
	for (i = 4; i < s->nresults; i++)
		if (verbose || s->results[i].status != STATUS_ABSENT)
			nfind++;
	if (nfind) {
		fprintf(f, "\nFindings:\n");
		for (i = 4; i < s->nresults; i++)
			if (verbose || s->results[i].status != STATUS_ABSENT)
				print_result(f, &s->results[i], i, c, verbose);
	}
	if (s->history) {
		/* --shadows: one line per cause and finding that changed */
		size_t nchanged = 0;

		json_array_foreach(s->history, i, v)
			nchanged += json_is_true(json_object_get(v, "changed"));
		fprintf(f, "\nHistory (%zu shadow cop%s):%s\n", json_array_size(s->shadow_copies),
			json_array_size(s->shadow_copies) == 1 ? "y" : "ies",
			nchanged ? "" : " no cause or finding changed");
		json_array_foreach(s->history, i, v)
			if (json_is_true(json_object_get(v, "changed")))
				fprintf(f, "  %s\n", json_string_value(json_object_get(v, "summary")));
	}
	if (json_array_size(s->warnings)) {
		fprintf(f, "\nWarnings:\n");
		json_array_foreach(s->warnings, i, v)
			fprintf(f, "  - %s\n", json_string_value(v));
	}
	fprintf(f, "\nVerdict:  ");
	verdict_line(f, s, c);
	fprintf(f, " (exit status %d, %llu ms)\n", st, (unsigned long long)s->t_total_ms);
	return 0;
}

/* --- JUnit: the schema Jenkins and GitLab read (testsuites > testsuite >
 * testcase with failure / skipped / error) */
static void w_attr_int(xmlTextWriterPtr w, const char *name, long long v)
{
	xmlTextWriterWriteFormatAttribute(w, BAD_CAST name, "%lld", v);
}

static char *evidence_text(const struct result *r)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	size_t k;
	json_t *v;

	if (!m)
		return NULL;
	json_array_foreach(r->evidence, k, v)
		print_evidence(m, v, &colors_off);
	if (json_array_size(r->remediation)) {
		fprintf(m, "Fix:\n");
		json_array_foreach(r->remediation, k, v)
			fprintf(m, "  %s\n", json_string_value(v));
	}
	fclose(m);
	return buf;
}



static void junit_suite(xmlTextWriterPtr w, const struct scan *s)
{
	size_t i, failures = 0, skipped = 0;
	char ts[32], host[256] = "localhost";
	time_t now = time(NULL);
	struct tm tm;

	gmtime_r(&now, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%S", &tm);
	gethostname(host, sizeof(host) - 1);
	for (i = 0; i < s->nresults; i++) {
		failures += result_fails(s, i);
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
					    BAD_CAST(i < 4 ? "vssdoctor.cause" : "vssdoctor.finding"));
		xmlTextWriterWriteAttribute(w, BAD_CAST "name", BAD_CAST name);
		xmlTextWriterWriteAttribute(w, BAD_CAST "time", BAD_CAST "0");
		if (r->status == STATUS_PRESENT && !scan_result_fails(s, i)) {
			/* an informational finding: passes, evidence for the log */
			char *text = evidence_text(r);

			xmlTextWriterStartElement(w, BAD_CAST "system-out");
			xmlTextWriterWriteFormatString(w, "%s\n%s", r->summary ? r->summary : "",
						       text ? text : "");
			xmlTextWriterEndElement(w);
			free(text);
		} else if (r->status == STATUS_PRESENT) {
			char *text = evidence_text(r);

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
			failures += result_fails(scans[i], j);
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
