/* The Markdown report, for tickets (GitHub, GitLab, Jira's markdown):
 *
 *   # vssdoctor: VERDICT (exit status N)
 *   | | | table: source, image, Windows
 *   ## Causes       | status | cause | why | see |
 *   ### cause1: TITLE (PRESENT)
 *   - what is wrong, the decisive event
 *   ```fix commands```
 *   <details><summary>Evidence</summary> tables </details>
 *
 * Evidence is hostile: every string from it is escaped so that it stays
 * text (no link, no HTML, no table cell or code block broken), and
 * control characters are shown as '?'. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"
#include "rules.h"

/* Bytes of the UTF-8 character at p, 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (*p < 0x80)
		return 1;
	n = *p >= 0xf0 && *p <= 0xf4 ? 4 : *p >= 0xe0 ? 3 : *p >= 0xc2 && *p < 0xe0 ? 2 : 0;
	if (n == 0 || (*p >= 0xf0 && n != 4))
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/* s as Markdown inline text: the ASCII punctuation that can make markup
 * there (emphasis, links, HTML, entities, table cells, mentions and issue
 * references, math) backslash-escaped, line breaks as spaces, control characters (C0, DEL,
 * C1) and broken UTF-8 as '?'. */
static void md_put(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			fputc('?', f);
			p++;
		} else if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			fputc('?', f);
			p += 2;
		} else if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
		} else if (*p == '\n' || *p == '\r' || *p == '\t') {
			fputc(' ', f);
			p++;
		} else if (*p < 0x20 || *p == 0x7f) {
			fputc('?', f);
			p++;
		} else {
			if (strchr("\\`*_[]<>|~&#@$", *p))
				fputc('\\', f);
			fputc(*p, f);
			p++;
		}
	}
}

/* A fenced code block: the fence is longer than any run of backticks in
 * the lines, so no line can close it. */
static void md_code(FILE *f, json_t *lines)
{
	size_t i, run, longest = 0;
	json_t *l;
	const char *p;

	json_array_foreach(lines, i, l)
		for (p = json_string_value(l), run = 0; p && *p; p++) {
			run = *p == '`' ? run + 1 : 0;
			if (run > longest)
				longest = run;
		}
	for (i = 0; i < (longest < 3 ? 3 : longest + 1); i++)
		fputc('`', f);
	fputc('\n', f);
	json_array_foreach(lines, i, l) {
		const unsigned char *q = (const unsigned char *)json_string_value(l);

		for (; q && *q; q++) {
			if (*q < 0x20 || *q == 0x7f)
				fputc(*q == '\t' ? ' ' : '?', f);
			else if (*q == 0xc2 && q[1] >= 0x80 && q[1] < 0xa0) {
				fputc('?', f);
				q++;
			} else
				fputc(*q, f);
		}
		fputc('\n', f);
	}
	for (i = 0; i < (longest < 3 ? 3 : longest + 1); i++)
		fputc('`', f);
	fputs("\n\n", f);
}

static void md_heading(FILE *f, int level)
{
	while (level-- > 0)
		fputc('#', f);
	fputc(' ', f);
}

static const char *status_word(enum status st)
{
	return st == STATUS_PRESENT ? "**PRESENT**" : st == STATUS_ABSENT ? "absent" : "*unknown*";
}

static void md_table(FILE *f, const struct vtable *t)
{
	size_t i, r;

	if (!t->ncols)
		return;
	if (t->caption) {
		fputs("**", f);
		md_put(f, t->caption);
		fputs("**\n\n", f);
	}
	fputc('|', f);
	for (i = 0; i < t->ncols; i++) {
		fputc(' ', f);
		md_put(f, t->head ? t->head[i] : "");
		fputs(" |", f);
	}
	fputs("\n|", f);
	for (i = 0; i < t->ncols; i++)
		fputs(" --- |", f);
	fputc('\n', f);
	for (r = 0; r < t->nrows; r++) {
		fputc('|', f);
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * t->ncols + i];
			int strong = t->kv && i == 0;

			fputc(' ', f);
			if (strong && *c)
				fputs("**", f);
			md_put(f, c);
			if (strong && *c)
				fputs("**", f);
			fputs(" |", f);
		}
		fputc('\n', f);
	}
	fputc('\n', f);
}

static void md_evidence(FILE *f, const struct vresult *r, int open)
{
	size_t i;

	if (!r->ntables)
		return;
	fprintf(f, "<details%s><summary>Evidence</summary>\n\n", open ? " open" : "");
	for (i = 0; i < r->ntables; i++)
		md_table(f, &r->tables[i]);
	fputs("</details>\n\n", f);
}

/* The table of causes or findings: status, id and title, why, see. */
static void md_results(FILE *f, const struct vscan *v, int causes, int verbose)
{
	size_t i, n = 0;

	for (i = 0; i < v->nres; i++) {
		const struct vresult *r = &v->res[i];

		if (r->is_cause != causes || (!causes && r->status == STATUS_ABSENT && !verbose))
			continue;
		if (n++ == 0)
			fputs("| status | check | why | see |\n| --- | --- | --- | --- |\n", f);
		fprintf(f, "| %s | ", status_word(r->status));
		fputc('`', f);
		md_put(f, r->id);
		fputs("` ", f);
		md_put(f, r->title);
		fputs(" | ", f);
		if (r->status == STATUS_PRESENT && r->words[0]) {
			size_t k;

			for (k = 0; k < 2 && r->words[k]; k++) {
				if (k)
					fputs("; ", f);
				md_put(f, r->words[k]);
			}
		} else {
			md_put(f, r->summary);
		}
		fputs(" | ", f);
		md_put(f, r->refs ? r->refs : "");
		fputs(" |\n", f);
	}
	if (n)
		fputc('\n', f);
}

static void md_result(FILE *f, const struct vscan *v, const struct vresult *r, int level)
{
	const struct result *res = &v->s->results[r->index];
	size_t k;

	md_heading(f, level);
	md_put(f, r->id);
	fputs(": ", f);
	md_put(f, r->title);
	fprintf(f, " (%s)\n\n", r->status == STATUS_PRESENT ? "PRESENT" :
		r->status == STATUS_ABSENT ? "absent" : "unknown");
	if (r->status == STATUS_PRESENT) {
		for (k = 0; k < 2 && r->words[k]; k++) {
			fputs("- ", f);
			md_put(f, r->words[k]);
			fputc('\n', f);
		}
	} else {
		fputs("- ", f);
		md_put(f, r->summary);
		fputc('\n', f);
	}
	if (r->event) {
		fputs("- ", f);
		md_put(f, r->event);
		fputc('\n', f);
	}
	if (r->refs) {
		fputs("- see ", f);
		md_put(f, r->refs);
		fputc('\n', f);
	}
	fputc('\n', f);
	if (r->status == STATUS_PRESENT && json_array_size(res->remediation)) {
		fputs("Fix:\n\n", f);
		md_code(f, res->remediation);
	}
	if (r->status == STATUS_PRESENT && json_array_size(res->last_good)) {
		/* --shadows: the value as it was when it was right */
		json_t *lg;

		json_array_foreach(res->last_good, k, lg) {
			fputs("- Last good: ", f);
			md_put(f, json_string_value(json_object_get(lg, "text")));
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	md_evidence(f, r, 0);
}

void md_scan(FILE *f, const struct vscan *v, int level, int verbose)
{
	size_t i;
	int findings = 0;
	char head[128];

	md_heading(f, level);
	if (level == 1)
		fputs("vssdoctor: ", f);
	else {
		md_put(f, v->source);
		fputs(": ", f);
	}
	md_put(f, v->verdict);
	fprintf(f, " (exit status %d)\n\n", v->exit_status);
	fputs("| | |\n| --- | --- |\n| **source** | ", f);
	md_put(f, v->source);
	if (*v->image) {
		fputs(" (", f);
		md_put(f, v->image);
		fputc(')', f);
	}
	fputs(" |\n", f);
	if (*v->volume) {
		fputs("| **volume** | ", f);
		md_put(f, v->volume);
		fputs(" |\n", f);
	}
	if (v->windows) {
		fputs("| **Windows** | ", f);
		md_put(f, v->windows);
		if (*v->system_root) {
			fputs(", in ", f);
			md_put(f, v->system_root);
		}
		fputs(" |\n", f);
	}
	if (*v->drives) {
		fputs("| **drives** | ", f);
		md_put(f, v->drives);
		fputs(" |\n", f);
	}
	fputs("| **verdict** | ", f);
	md_put(f, v->verdict);
	fprintf(f, " (exit status %d) |\n\n", v->exit_status);
	if (v->unreadable)
		return;

	md_heading(f, level + 1);
	fputs("Causes\n\n", f);
	md_results(f, v, 1, verbose);
	for (i = 0; i < v->nres; i++)
		if (!v->res[i].is_cause && (v->res[i].status != STATUS_ABSENT || verbose))
			findings = 1;
	if (findings) {
		md_heading(f, level + 1);
		fputs("Findings\n\n", f);
		md_results(f, v, 0, verbose);
	}
	/* the results that need a look, each with its fix and evidence */
	for (i = 0; i < v->nres; i++) {
		const struct vresult *r = &v->res[i];

		if (r->status == STATUS_ABSENT && !(verbose || r->is_cause))
			continue;
		if (r->status == STATUS_ABSENT && !r->ntables)
			continue;
		md_result(f, v, r, level + 1);
	}
	if (view_history_head(v, head, sizeof(head))) {
		/* --shadows: the causes and findings that changed */
		json_t *h;

		md_heading(f, level + 1);
		md_put(f, head);
		fputs("\n\n", f);
		json_t *pts = json_object_get(json_array_get(v->s->history, 0), "statuses"), *pt;
		size_t k, nrow = 0;

		json_array_foreach(v->s->history, i, h) {
			if (!json_is_true(json_object_get(h, "changed")))
				continue;
			fputs("- ", f);
			md_put(f, json_string_value(json_object_get(h, "summary")));
			fputc('\n', f);
			nrow++;
		}
		fputc('\n', f);
		if (nrow && json_array_size(pts)) {
			/* the table: a row per check that changed, a column per store */
			fputs("| check |", f);
			json_array_foreach(pts, k, pt) {
				json_t *st = json_object_get(pt, "store");

				fputc(' ', f);
				if (json_is_integer(st))
					fprintf(f, "store %lld ", (long long)json_integer_value(st));
				md_put(f, json_is_string(json_object_get(pt, "created")) ?
				       json_string_value(json_object_get(pt, "created")) : "live");
				fputs(" |", f);
			}
			fputs("\n| --- |", f);
			json_array_foreach(pts, k, pt)
				fputs(" --- |", f);
			fputc('\n', f);
			json_array_foreach(v->s->history, i, h) {
				if (!json_is_true(json_object_get(h, "changed")))
					continue;
				fputs("| ", f);
				md_put(f, json_string_value(json_object_get(h, "id")));
				fputs(" |", f);
				json_array_foreach(json_object_get(h, "statuses"), k, pt) {
					fputc(' ', f);
					md_put(f, json_string_value(json_object_get(pt, "status")));
					fputs(" |", f);
				}
				fputc('\n', f);
			}
			fputc('\n', f);
		}
	}
	if (v->nwarnings) {
		md_heading(f, level + 1);
		fputs("Warnings\n\n", f);
		for (i = 0; i < v->nwarnings; i++) {
			fputs("- ", f);
			md_put(f, v->warnings[i]);
			fputc('\n', f);
		}
		fputc('\n', f);
	}
}

void md_document(FILE *f, const struct doc_row *rows, char *const *bodies, size_t n, int summary)
{
	size_t i;

	if (summary) {
		fprintf(f, "# vssdoctor: %zu source%s\n\n", n, n == 1 ? "" : "s");
		fputs("| source | verdict | causes | Windows |\n| --- | --- | --- | --- |\n", f);
		for (i = 0; i < n; i++) {
			fputs("| ", f);
			md_put(f, rows[i].source);
			fputs(" | ", f);
			md_put(f, rows[i].verdict);
			fprintf(f, " (exit status %d) | ", rows[i].exit_status);
			md_put(f, rows[i].causes);
			fputs(" | ", f);
			md_put(f, rows[i].windows);
			fputs(" |\n", f);
		}
		fputc('\n', f);
	}
	for (i = 0; i < n; i++)
		fputs(bodies[i], f);
}
