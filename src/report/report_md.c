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
static void md_ascii(FILE *f, unsigned char c)
{
	if (c == '\n' || c == '\r' || c == '\t') {
		fputc(' ', f);
	} else if (c < 0x20 || c == 0x7f) {
		fputc('?', f);
	} else {
		if (strchr("\\`*_[]<>|~&#@$", c))
			fputc('\\', f);
		fputc(c, f);
	}
}

static void md_put(FILE *f, const char *s)
{
	doc_put(f, s, utf8_len, md_ascii);
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

/* "|" and a " --- |" per column: under a table's head row. */
static void md_rule(FILE *f, size_t ncols)
{
	fputc('|', f);
	while (ncols-- > 0)
		fputs(" --- |", f);
	fputc('\n', f);
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
	fputc('\n', f);
	md_rule(f, t->ncols);
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

/* ---- the emitter of the walker (report_doc.c) */

static void md_heading_close(FILE *f, int level)
{
	(void)level;
	fputs("\n\n", f);
}

static void md_list_open(FILE *f, const char *cls)
{
	(void)f;
	(void)cls;
}

static void md_table_open(FILE *f, const char *cls, int head, size_t ncols)
{
	size_t i;

	(void)cls;
	if (head != TABLE_NO_HEAD)
		return;
	/* Markdown tables need a head row: an empty one */
	fputc('|', f);
	for (i = 0; i < ncols; i++)
		fputs(" |", f);
	fputc('\n', f);
	md_rule(f, ncols);
}

static void md_head_close(FILE *f, int head, size_t ncols)
{
	(void)head;
	fputc('\n', f);
	md_rule(f, ncols);
}

static void md_table_close(FILE *f, int head)
{
	(void)head;
	fputc('\n', f);
}

static void md_cell_open(FILE *f, enum doc_cell kind, const char *arg, long long n)
{
	(void)arg;
	(void)n;
	fputs(kind == CELL_KEY ? " **" : " ", f);
}

static void md_cell_close(FILE *f, enum doc_cell kind)
{
	fputs(kind == CELL_KEY ? "** |" : " |", f);
}

static void md_ref_open(FILE *f, const char *anchor, size_t i)
{
	(void)anchor;
	(void)i;
	fputc('`', f);
}

static void md_scan_open(FILE *f, const char *anchor)
{
	(void)f;
	(void)anchor;
}

static void md_title_verdict(FILE *f, const struct vscan *v)
{
	md_put(f, v->verdict);
	fprintf(f, " (exit status %d)", v->exit_status);
}

static void md_result_open(FILE *f, const struct vresult *r, int level, const char *anchor)
{
	(void)anchor;
	md_heading(f, level);
	md_put(f, r->id);
	fputs(": ", f);
	md_put(f, r->title);
	fprintf(f, " (%s)\n\n", r->status == STATUS_PRESENT ? "PRESENT" :
		r->status == STATUS_ABSENT ? "absent" : "unknown");
}

static void md_fix(FILE *f, json_t *lines)
{
	fputs("Fix:\n\n", f);
	md_code(f, lines);
}

static void md_evidence_open(FILE *f, const struct vresult *r)
{
	(void)r;
	fputs("<details><summary>Evidence</summary>\n\n", f);
}

static void md_doc_open(FILE *f, const struct doc_row *rows, size_t n, int summary)
{
	(void)f;
	(void)rows;
	(void)n;
	(void)summary;
}

static void md_doc_close(FILE *f)
{
	(void)f;
}

const struct doc_fmt doc_md = {
	.put = md_put,
	.heading_open = md_heading,
	.heading_close = md_heading_close,
	.list_open = md_list_open,
	.list_close = "\n",
	.item_open = "- ",
	.item_close = "\n",
	.table_open = md_table_open,
	.head_close = md_head_close,
	.table_close = md_table_close,
	.row_open = "|",
	.row_close = "\n",
	.cell_open = md_cell_open,
	.cell_close = md_cell_close,
	.ref_open = md_ref_open,
	.ref_close = "` ",
	.why_sep = "; ",
	.wordless_summary = 0,
	.check_head = { "check", "check" },
	.status_word = status_word,
	.scan_open = md_scan_open,
	.scan_close = "",
	.title_verdict = md_title_verdict,
	.charts = NULL,
	.details_heading = 0,
	.result_level = 1,
	.result_open = md_result_open,
	.result_close = "",
	.fix = md_fix,
	.evidence_open = md_evidence_open,
	.evidence_close = "</details>\n\n",
	.table = md_table,
	.doc_open = md_doc_open,
	.doc_close = md_doc_close,
};
