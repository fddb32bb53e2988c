/* Markdown and HTML documents over a batch (report.h): each scan is
 * rendered when it is added, so a batch of many images holds only their
 * rendered bodies; the summary table goes first at the end.
 *
 * One walker over the view decides what a document says and in what
 * order, for both formats; each format's emitter (struct doc_fmt:
 * report_md.c, report_html.c) says how: escaping, headings, lists, table
 * rows and cells, and what only it has (HTML's charts). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"

struct report_doc {
	const struct doc_fmt *fmt;
	int verbose;
	size_t nsources;         /* as announced: several give a summary table */
	size_t n, cap;
	struct doc_row *rows;
	char **bodies;
};

struct report_doc *report_doc_new(enum report_format format, size_t nsources, int verbose)
{
	struct report_doc *d;

	if (format != FORMAT_MARKDOWN && format != FORMAT_HTML)
		return NULL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->fmt = format == FORMAT_MARKDOWN ? &doc_md : &doc_html;
	d->nsources = nsources;
	d->verbose = verbose;
	return d;
}

void doc_put(FILE *f, const char *s, size_t (*char_len)(const unsigned char *p),
	     void (*ascii)(FILE *f, unsigned char c))
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n = char_len(p);

		if (n == 0) {
			fputc('?', f);
			p++;
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			fputc('?', f);        /* C1 controls */
			p += 2;
		} else if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
		} else {
			ascii(f, *p++);
		}
	}
}

/* ---- the walker over the view: one scan, in any format of doc_fmt */

static void item(FILE *f, const struct doc_fmt *F, const char *prefix, const char *text)
{
	fputs(F->item_open, f);
	fputs(prefix, f);
	F->put(f, text);
	fputs(F->item_close, f);
}

static void heading(FILE *f, const struct doc_fmt *F, int level, const char *text)
{
	F->heading_open(f, level);
	F->put(f, text);
	F->heading_close(f, level);
}

static void head_cell(FILE *f, const struct doc_fmt *F, const char *text)
{
	F->cell_open(f, CELL_HEAD, NULL, 0);
	F->put(f, text);
	F->cell_close(f, CELL_HEAD);
}

/* A key/value row, left open after the value's cell opens. */
static void kv_open(FILE *f, const struct doc_fmt *F, const char *key, enum doc_cell kind,
		    long long n)
{
	fputs(F->row_open, f);
	F->cell_open(f, CELL_KEY, NULL, 0);
	fputs(key, f);
	F->cell_close(f, CELL_KEY);
	F->cell_open(f, kind, NULL, n);
}

static void kv_close(FILE *f, const struct doc_fmt *F, enum doc_cell kind)
{
	F->cell_close(f, kind);
	fputs(F->row_close, f);
}

/* The title and the table of the source, image, Windows and verdict. */
static void doc_source(FILE *f, const struct doc_fmt *F, const struct vscan *v, int level)
{
	F->heading_open(f, level);
	if (level == 1) {
		fputs("vssdoctor: ", f);
	} else {
		F->put(f, v->source);
		fputs(": ", f);
	}
	F->title_verdict(f, v);
	F->heading_close(f, level);
	F->table_open(f, NULL, TABLE_NO_HEAD, 2);
	kv_open(f, F, "source", CELL_PLAIN, 0);
	F->put(f, v->source);
	if (*v->image) {
		fputs(" (", f);
		F->put(f, v->image);
		fputc(')', f);
	}
	kv_close(f, F, CELL_PLAIN);
	if (*v->volume) {
		kv_open(f, F, "volume", CELL_PLAIN, 0);
		F->put(f, v->volume);
		kv_close(f, F, CELL_PLAIN);
	}
	if (v->windows) {
		kv_open(f, F, "Windows", CELL_PLAIN, 0);
		F->put(f, v->windows);
		if (*v->system_root) {
			fputs(", in ", f);
			F->put(f, v->system_root);
		}
		kv_close(f, F, CELL_PLAIN);
	}
	if (*v->drives) {
		kv_open(f, F, "drives", CELL_PLAIN, 0);
		F->put(f, v->drives);
		kv_close(f, F, CELL_PLAIN);
	}
	kv_open(f, F, "verdict", CELL_EXIT, v->exit_status);
	F->put(f, v->verdict);
	fprintf(f, " (exit status %d)", v->exit_status);
	kv_close(f, F, CELL_EXIT);
	F->table_close(f, TABLE_NO_HEAD);
}

/* What is wrong (the words) or why (the summary). */
static void why(FILE *f, const struct doc_fmt *F, const struct vresult *r)
{
	size_t k;

	if (r->status == STATUS_PRESENT && r->words[0]) {
		for (k = 0; k < 2 && r->words[k]; k++) {
			if (k)
				fputs(F->why_sep, f);
			F->put(f, r->words[k]);
		}
	} else {
		F->put(f, r->summary);
	}
}

/* The table of causes or findings: status, id and title, why, see. */
static void doc_results(FILE *f, const struct doc_fmt *F, const struct vscan *v, int causes,
			int verbose, const char *anchor)
{
	size_t i, n = 0;

	for (i = 0; i < v->nres; i++) {
		const struct vresult *r = &v->res[i];

		if (r->is_cause != causes || (!causes && r->status == STATUS_ABSENT && !verbose))
			continue;
		if (n++ == 0) {
			F->table_open(f, "results", TABLE_THEAD, 4);
			fputs(F->row_open, f);
			head_cell(f, F, "status");
			head_cell(f, F, F->check_head[causes]);
			head_cell(f, F, "why");
			head_cell(f, F, "see");
			F->head_close(f, TABLE_THEAD, 4);
		}
		fputs(F->row_open, f);
		F->cell_open(f, CELL_STATUS, NULL, r->status);
		fputs(F->status_word(r->status), f);
		F->cell_close(f, CELL_STATUS);
		F->cell_open(f, CELL_PLAIN, NULL, 0);
		F->ref_open(f, anchor, i);
		F->put(f, r->id);
		fputs(F->ref_close, f);
		F->put(f, r->title);
		F->cell_close(f, CELL_PLAIN);
		F->cell_open(f, CELL_PLAIN, NULL, 0);
		why(f, F, r);
		F->cell_close(f, CELL_PLAIN);
		F->cell_open(f, CELL_SEE, NULL, 0);
		F->put(f, r->refs ? r->refs : "");
		F->cell_close(f, CELL_SEE);
		fputs(F->row_close, f);
	}
	if (n)
		F->table_close(f, TABLE_THEAD);
}

/* A result that needs a look: what is wrong, its fix and evidence. */
static void doc_result(FILE *f, const struct doc_fmt *F, const struct vscan *v,
		       const struct vresult *r, int level, const char *anchor)
{
	const struct result *res = &v->s->results[r->index];
	size_t k;
	json_t *lg;

	F->result_open(f, r, level, anchor);
	F->list_open(f, NULL);
	if (r->status == STATUS_PRESENT && (r->words[0] || !F->wordless_summary)) {
		for (k = 0; k < 2 && r->words[k]; k++)
			item(f, F, "", r->words[k]);
	} else {
		item(f, F, "", r->summary);
	}
	if (r->event)
		item(f, F, "", r->event);
	if (r->refs)
		item(f, F, "see ", r->refs);
	fputs(F->list_close, f);
	if (r->status == STATUS_PRESENT && json_array_size(res->remediation))
		F->fix(f, res->remediation);
	if (r->status == STATUS_PRESENT && json_array_size(res->last_good)) {
		/* --shadows: the value as it was when it was right */
		F->list_open(f, "last-good");
		json_array_foreach(res->last_good, k, lg)
			item(f, F, "Last good: ", json_string_value(json_object_get(lg, "text")));
		fputs(F->list_close, f);
	}
	if (r->ntables) {
		F->evidence_open(f, r);
		for (k = 0; k < r->ntables; k++)
			F->table(f, &r->tables[k]);
		fputs(F->evidence_close, f);
	}
	fputs(F->result_close, f);
}

/* --shadows: a row per check that changed, a column per store (oldest
 * first) then the live volume. */
static void doc_history_table(FILE *f, const struct doc_fmt *F, const struct vscan *v)
{
	json_t *pts = json_object_get(json_array_get(v->s->history, 0), "statuses"), *pt, *h;
	size_t i, k, nrow = 0, ncols = json_array_size(pts) + 1;

	json_array_foreach(v->s->history, i, h)
		nrow += json_is_true(json_object_get(h, "changed"));
	if (!nrow || !json_array_size(pts))
		return;
	F->table_open(f, "history", TABLE_HEAD, ncols);
	fputs(F->row_open, f);
	head_cell(f, F, "check");
	json_array_foreach(pts, k, pt) {
		json_t *st = json_object_get(pt, "store");

		F->cell_open(f, CELL_HEAD, NULL, 0);
		if (json_is_integer(st))
			fprintf(f, "store %lld ", (long long)json_integer_value(st));
		F->put(f, json_is_string(json_object_get(pt, "created")) ?
		       json_string_value(json_object_get(pt, "created")) : "live");
		F->cell_close(f, CELL_HEAD);
	}
	F->head_close(f, TABLE_HEAD, ncols);
	json_array_foreach(v->s->history, i, h) {
		if (!json_is_true(json_object_get(h, "changed")))
			continue;
		fputs(F->row_open, f);
		F->cell_open(f, CELL_CODE, NULL, 0);
		F->put(f, json_string_value(json_object_get(h, "id")));
		F->cell_close(f, CELL_CODE);
		json_array_foreach(json_object_get(h, "statuses"), k, pt) {
			F->cell_open(f, CELL_PLAIN, NULL, 0);
			F->put(f, json_string_value(json_object_get(pt, "status")));
			F->cell_close(f, CELL_PLAIN);
		}
		fputs(F->row_close, f);
	}
	F->table_close(f, TABLE_HEAD);
}

/* --shadows: the causes and findings that changed; the warnings. */
static void doc_history_warnings(FILE *f, const struct doc_fmt *F, const struct vscan *v, int level)
{
	char head[128];
	size_t i;
	json_t *h;

	if (view_history_head(v, head, sizeof(head))) {
		heading(f, F, level, head);
		F->list_open(f, "history");
		json_array_foreach(v->s->history, i, h)
			if (json_is_true(json_object_get(h, "changed")))
				item(f, F, "", json_string_value(json_object_get(h, "summary")));
		fputs(F->list_close, f);
		doc_history_table(f, F, v);
	}
	if (v->nwarnings) {
		heading(f, F, level, "Warnings");
		F->list_open(f, NULL);
		for (i = 0; i < v->nwarnings; i++)
			item(f, F, "", v->warnings[i]);
		fputs(F->list_close, f);
	}
}

/* One scan: its title is a heading of level (1 alone, 2 in a batch);
 * index is its place in the batch (anchors s1, s2...).  Absent findings'
 * evidence only when verbose. */
static void doc_scan(FILE *f, const struct doc_fmt *F, const struct vscan *v, size_t index,
		     int level, int verbose)
{
	size_t i;
	int findings = 0;
	char anchor[32];

	/* ids unique over a batch */
	snprintf(anchor, sizeof(anchor), "s%zu", index + 1);
	F->scan_open(f, anchor);
	doc_source(f, F, v, level);
	if (v->unreadable) {
		fputs(F->scan_close, f);
		return;
	}
	heading(f, F, level + 1, "Causes");
	doc_results(f, F, v, 1, verbose, anchor);
	for (i = 0; i < v->nres; i++)
		if (!v->res[i].is_cause && (v->res[i].status != STATUS_ABSENT || verbose))
			findings = 1;
	if (findings) {
		heading(f, F, level + 1, "Findings");
		doc_results(f, F, v, 0, verbose, anchor);
	}
	if (F->charts && (v->nbars || v->nevents)) {
		heading(f, F, level + 1, "Charts");
		F->charts(f, v);
	}
	if (F->details_heading)
		heading(f, F, level + 1, "Details");
	for (i = 0; i < v->nres; i++) {
		const struct vresult *r = &v->res[i];

		if (r->status == STATUS_ABSENT && (!r->ntables || !(verbose || r->is_cause)))
			continue;
		doc_result(f, F, v, r, level + F->result_level, anchor);
	}
	doc_history_warnings(f, F, v, level + 1);
	fputs(F->scan_close, f);
}

/* The table of the batch: a row per scan. */
static void doc_summary(FILE *f, const struct doc_fmt *F, const struct doc_row *rows, size_t n)
{
	size_t i;

	F->heading_open(f, 1);
	fprintf(f, "vssdoctor: %zu source%s", n, n == 1 ? "" : "s");
	F->heading_close(f, 1);
	F->table_open(f, "summary", TABLE_THEAD, 4);
	fputs(F->row_open, f);
	head_cell(f, F, "source");
	head_cell(f, F, "verdict");
	head_cell(f, F, "causes");
	head_cell(f, F, "Windows");
	F->head_close(f, TABLE_THEAD, 4);
	for (i = 0; i < n; i++) {
		fputs(F->row_open, f);
		F->cell_open(f, CELL_LINK, NULL, (long long)i + 1);
		F->put(f, rows[i].source);
		F->cell_close(f, CELL_LINK);
		F->cell_open(f, CELL_EXIT, NULL, rows[i].exit_status);
		F->put(f, rows[i].verdict);
		fprintf(f, " (exit status %d)", rows[i].exit_status);
		F->cell_close(f, CELL_EXIT);
		F->cell_open(f, CELL_PLAIN, NULL, 0);
		F->put(f, rows[i].causes);
		F->cell_close(f, CELL_PLAIN);
		F->cell_open(f, CELL_PLAIN, NULL, 0);
		F->put(f, rows[i].windows);
		F->cell_close(f, CELL_PLAIN);
		fputs(F->row_close, f);
	}
	F->table_close(f, TABLE_THEAD);
}

/* "cause1, cause3" (present causes), "none"; unknown ones after. */
static char *causes_words(const struct vscan *v)
{
	char *buf = NULL;
	size_t len = 0, i, np = 0, nu = 0;
	FILE *m = open_memstream(&buf, &len);

	if (!m)
		return NULL;
	for (i = 0; i < v->nres; i++)
		if (v->res[i].is_cause && v->res[i].status == STATUS_PRESENT)
			fprintf(m, "%s%s", np++ ? ", " : "", v->res[i].id);
	if (!np)
		fputs("none", m);
	for (i = 0; i < v->nres; i++)
		if (v->res[i].is_cause && v->res[i].status == STATUS_UNKNOWN)
			fprintf(m, "%s%s", nu++ ? ", " : "; unknown: ", v->res[i].id);
	if (fclose(m) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

static void row_release(struct doc_row *r)
{
	free(r->source);
	free(r->verdict);
	free(r->causes);
	free(r->windows);
}

int report_doc_add(struct report_doc *d, const struct scan *s)
{
	struct vscan v;
	struct doc_row *r;
	char *body = NULL;
	size_t len = 0;
	FILE *m;
	int level = d->nsources > 1 ? 2 : 1;

	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 4;
		struct doc_row *nr = realloc(d->rows, cap * sizeof(*nr));
		char **nb;

		if (!nr)
			return -E_NOMEM;
		d->rows = nr;
		nb = realloc(d->bodies, cap * sizeof(*nb));
		if (!nb)
			return -E_NOMEM;
		d->bodies = nb;
		d->cap = cap;
	}
	if (vscan_build(&v, s) < 0)
		return -E_NOMEM;
	m = open_memstream(&body, &len);
	if (!m) {
		vscan_release(&v);
		return -E_NOMEM;
	}
	doc_scan(m, d->fmt, &v, d->n, level, d->verbose);
	if (fclose(m) != 0) {
		free(body);
		vscan_release(&v);
		return -E_NOMEM;
	}
	r = &d->rows[d->n];
	memset(r, 0, sizeof(*r));
	r->exit_status = v.exit_status;
	r->source = strdup(v.source);
	r->verdict = strdup(v.verdict);
	r->causes = v.unreadable ? strdup("could not be read") : causes_words(&v);
	r->windows = strdup(v.windows_short);
	vscan_release(&v);
	if (!r->source || !r->verdict || !r->causes || !r->windows) {
		row_release(r);
		free(body);
		return -E_NOMEM;
	}
	d->bodies[d->n++] = body;
	return 0;
}

int report_doc_write(struct report_doc *d, FILE *f)
{
	int summary = d->nsources > 1 || d->n != 1;
	size_t i;

	if (d->n == 0)
		return 0;        /* nothing was added: no document */
	d->fmt->doc_open(f, d->rows, d->n, summary);
	if (summary)
		doc_summary(f, d->fmt, d->rows, d->n);
	for (i = 0; i < d->n; i++)
		fputs(d->bodies[i], f);
	d->fmt->doc_close(f);
	return ferror(f) ? -E_IO : 0;
}

void report_doc_free(struct report_doc *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->n; i++) {
		row_release(&d->rows[i]);
		free(d->bodies[i]);
	}
	free(d->rows);
	free(d->bodies);
	free(d);
}

