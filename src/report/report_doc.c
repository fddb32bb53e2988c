/* Markdown and HTML documents over a batch (report.h): each scan is
 * rendered when it is added, so a batch of many images holds only their
 * rendered bodies; the summary table goes first at the end. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"

struct report_doc {
	enum report_format format;
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
	d->format = format;
	d->nsources = nsources;
	d->verbose = verbose;
	return d;
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
	if (d->format == FORMAT_MARKDOWN)
		md_scan(m, &v, level, d->verbose);
	else
		html_scan(m, &v, d->n, level, d->verbose);
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

	if (d->n == 0)
		return 0;        /* nothing was added: no document */
	if (d->format == FORMAT_MARKDOWN)
		md_document(f, d->rows, d->bodies, d->n, summary);
	else
		html_document(f, d->rows, d->bodies, d->n, summary);
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
