/* The HTML report: one self-contained file to hand over.  No script, no
 * external URL (styles inline, charts as inline SVG), readable without
 * JavaScript, printable (present results' evidence open).  The markup is
 * also well-formed XML (XHTML syntax), so tools can parse it.
 *
 *   title: the verdict; table: source, image, Windows
 *   summary table of the causes and findings (status, why, see)
 *   per result: what is wrong, the decisive event, the fix, its evidence
 *   (descriptor differences side by side, missing and extra ACEs marked)
 *   charts: the Framework folder counts against the limit; the events
 *   that matter on a time line
 *
 * Evidence is hostile: every string goes through html_put (entities for
 * & < > " ', '?' for control characters and broken UTF-8). */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>

#include "report.h"
#include "report_priv.h"
#include "rules.h"

static const char style[] =
	"body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;"
	"margin:1.5em auto;max-width:1150px;padding:0 1em;color:#1b1f24;line-height:1.4}"
	"h1{font-size:1.5em;margin-bottom:.3em}h2{font-size:1.25em;margin-top:1.6em;"
	"border-bottom:1px solid #d0d7de;padding-bottom:.2em}h3{font-size:1.08em;margin-top:1.4em}"
	"table{border-collapse:collapse;margin:.4em 0 1em 0}"
	"th,td{border:1px solid #d0d7de;padding:.25em .55em;text-align:left;vertical-align:top}"
	"th{background:#f3f5f7}td.k{font-weight:600;white-space:nowrap;background:#f8f9fa}"
	"td.num{text-align:right}td.see{min-width:7em;max-width:16em}"
	".st{font-weight:700;white-space:nowrap}.present{color:#b42318}.absent{color:#1a7f37}"
	".unknown{color:#9a6700}.ex0{color:#1a7f37}.ex1{color:#b42318}.ex2,.ex3{color:#9a6700}"
	"tr.missing td{background:#ffebe9}tr.extra td{background:#fff1e0}"
	"tr.changed td{background:#fff8c5}tr.bad td{background:#fff5f5}tr.ok td{background:#f4fbf6}"
	"td.mark{font-weight:700;white-space:nowrap}"
	"pre{background:#f6f8fa;border:1px solid #d0d7de;padding:.6em;overflow-x:auto;"
	"white-space:pre-wrap;word-break:break-all}"
	"code,pre{font-family:ui-monospace,'Cascadia Mono',Consolas,'DejaVu Sans Mono',monospace;"
	"font-size:.92em}"
	"details{margin:.4em 0 1em 0}summary{cursor:pointer;font-weight:600}"
	"caption{text-align:left;font-weight:600;padding:.2em 0}"
	"ul{margin:.3em 0}.result{border-left:4px solid #d0d7de;padding-left:.9em;margin:1em 0}"
	".result.present{border-color:#b42318;color:inherit}.result.unknown{border-color:#9a6700;color:inherit}"
	".result.absent{border-color:#1a7f37;color:inherit}"
	"figure{margin:.5em 0 1em 0}figure svg{width:100%;max-width:880px;height:auto;font-family:inherit}.legend span{margin-right:1em}"
	"@media print{body{max-width:none;margin:0}details>summary{list-style:none}"
	"h2,h3{page-break-after:avoid}tr,.result{page-break-inside:avoid}}";

/* Bytes of the UTF-8 character at p, 0 when it is not valid UTF-8. */
static size_t utf8_len(const unsigned char *p)
{
	size_t n, i;

	if (*p < 0x80)
		return 1;
	if (*p >= 0xc2 && *p < 0xe0)
		n = 2;
	else if (*p >= 0xe0 && *p < 0xf0)
		n = 3;
	else if (*p >= 0xf0 && *p <= 0xf4)
		n = 4;
	else
		return 0;
	for (i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n == 3 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] >= 0xa0)))
		return 0;          /* overlong, surrogates */
	if (n == 3 && p[0] == 0xef && p[1] == 0xbf && p[2] >= 0xbe)
		return 0;          /* U+FFFE, U+FFFF: not XML characters */
	if (n == 4 && ((p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] >= 0x90)))
		return 0;
	return n;
}

/* s as HTML text or attribute value. */
static void html_ascii(FILE *f, unsigned char c)
{
	switch (c) {
	case '&': fputs("&amp;", f); break;
	case '<': fputs("&lt;", f); break;
	case '>': fputs("&gt;", f); break;
	case '"': fputs("&quot;", f); break;
	case '\'': fputs("&#39;", f); break;
	case '\n': case '\t': fputc(c, f); break;
	case '\r': break;
	default:
		fputc(c < 0x20 || c == 0x7f ? '?' : c, f);
	}
}

static void html_put(FILE *f, const char *s)
{
	doc_put(f, s, utf8_len, html_ascii);
}

static const char *status_class(enum status st)
{
	return st == STATUS_PRESENT ? "present" : st == STATUS_ABSENT ? "absent" : "unknown";
}

static const char *status_tag(enum status st)
{
	return st == STATUS_PRESENT ? "PRESENT" : st == STATUS_ABSENT ? "absent" : "unknown";
}

static const char *mark_class(enum vmark m)
{
	switch (m) {
	case VMARK_BAD: return "bad";
	case VMARK_OK: return "ok";
	case VMARK_MISSING: return "missing";
	case VMARK_EXTRA: return "extra";
	case VMARK_CHANGED: return "changed";
	default: return NULL;
	}
}

static void html_table(FILE *f, const struct vtable *t)
{
	size_t i, r;

	if (!t->ncols)
		return;
	fputs("<table>", f);
	if (t->caption) {
		fputs("<caption>", f);
		html_put(f, t->caption);
		fputs("</caption>", f);
	}
	fputc('\n', f);
	if (t->head) {
		fputs("<thead><tr>", f);
		if (t->diff)
			fputs("<th></th>", f);
		for (i = 0; i < t->ncols; i++) {
			fputs("<th>", f);
			html_put(f, t->head[i]);
			fputs("</th>", f);
		}
		fputs("</tr></thead>\n", f);
	}
	fputs("<tbody>\n", f);
	for (r = 0; r < t->nrows; r++) {
		const char *mc = mark_class(t->marks[r]);

		if (mc)
			fprintf(f, "<tr class=\"%s\">", mc);
		else
			fputs("<tr>", f);
		if (t->diff)
			/* the mark in a cell too: it survives printing in black */
			fprintf(f, "<td class=\"mark\">%s</td>",
				t->marks[r] == VMARK_MISSING ? "&#8722; missing" :
				t->marks[r] == VMARK_EXTRA ? "+ extra" :
				t->marks[r] == VMARK_CHANGED ? "&#8800; changed" : "");
		for (i = 0; i < t->ncols; i++) {
			const char *c = t->cells[r * t->ncols + i];

			fputs(t->kv && i == 0 ? "<td class=\"k\">" : "<td>", f);
			html_put(f, c);
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n", f);
}

/* --- the charts */

/* 1200 -> "1,200" */
static void count_words(long long v, char *buf, size_t size)
{
	char raw[32];
	size_t len, i, o = 0;
	int neg = v < 0;

	snprintf(raw, sizeof(raw), "%lld", neg ? -v : v);
	len = strlen(raw);
	if (neg && o + 1 < size)
		buf[o++] = '-';
	for (i = 0; i < len && o + 1 < size; i++) {
		if (i && (len - i) % 3 == 0 && o + 2 < size)
			buf[o++] = ',';
		buf[o++] = raw[i];
	}
	buf[o] = 0;
}

/* The Framework folder counts, one bar each, against their limit. */
static void bar_chart(FILE *f, const struct vscan *v)
{
	const int left = 210, width = 460, bar_h = 22, gap = 12, top = 28;
	long long max = 1;
	size_t i;
	int h = top + (int)v->nbars * (bar_h + gap) + 24;

	for (i = 0; i < v->nbars; i++) {
		if (v->bars[i].folders > max)
			max = v->bars[i].folders;
		if (v->bars[i].limit > max)
			max = v->bars[i].limit;
	}
	max += max / 10;
	fprintf(f, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", left + width + 120, h,
		left + width + 120, h);
	fputs("<title>Folders under each .NET Framework version folder, against the limit</title>\n", f);
	fprintf(f, "<text x=\"0\" y=\"16\" font-size=\"13\" font-weight=\"600\">Folders per "
		".NET Framework version folder (dashed: the limit)</text>\n");
	for (i = 0; i < v->nbars; i++) {
		const struct vbar *b = &v->bars[i];
		int y = top + (int)i * (bar_h + gap);
		int w = (int)((double)(b->folders < 0 ? 0 : b->folders) * width / (double)max);
		int lx = left + (int)((double)b->limit * width / (double)max);
		int over = b->limit > 0 && b->folders >= b->limit;
		char n[32], l[32];

		count_words(b->folders, n, sizeof(n));
		count_words(b->limit, l, sizeof(l));
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">", left - 8,
			y + bar_h / 2 + 4);
		html_put(f, b->name);
		fputs("</text>\n", f);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"%s\"><title>",
			left, y, w > 0 ? w : 1, bar_h, over ? "#d1242f" : "#4c8bf5");
		html_put(f, b->name);
		fprintf(f, ": %s folders, limit %s</title></rect>\n", n, l);
		if (b->limit > 0)
			fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#1b1f24\" "
				"stroke-width=\"2\" stroke-dasharray=\"4 3\"/>\n", lx, y - 4, lx, y + bar_h + 4);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\"%s>%s%s</text>\n",
			left + (w > 0 ? w : 1) + 6, y + bar_h / 2 + 4, over ? " fill=\"#b42318\" font-weight=\"600\"" : "",
			n, over ? " (over the limit)" : "");
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#57606a\">0</text>\n", left, h - 6);
	{
		char m[32];

		count_words(max, m, sizeof(m));
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#57606a\" text-anchor=\"end\">%s</text>\n",
			left + width, h - 6, m);
	}
	fputs("</svg>\n</figure>\n", f);
}

/* The events that matter, a lane each, on one time axis. */
static void timeline(FILE *f, const struct vscan *v)
{
	const int left = 250, width = 620, lane_h = 26, top = 30;
	char lanes[24][80];
	size_t nl = 0, i, k;
	int64_t t0 = 0, t1 = 0, span;
	int h;
	char a[64], b[64];

	for (i = 0; i < v->nevents; i++) {
		const struct vevent *e = &v->events[i];

		for (k = 0; k < nl; k++)
			if (!strcmp(lanes[k], e->lane))
				break;
		if (k == nl && nl < sizeof(lanes) / sizeof(lanes[0]))
			snprintf(lanes[nl++], sizeof(lanes[0]), "%s", e->lane);
		if (i == 0 || e->first < t0)
			t0 = e->first;
		if (i == 0 || e->last > t1)
			t1 = e->last;
	}
	if (v->boot && v->boot < t0 && t0 - v->boot < 90LL * 86400)
		t0 = v->boot;
	if (v->boot > t1 && v->boot - t1 < 90LL * 86400)
		t1 = v->boot;
	span = t1 - t0;
	if (span < 3600) {
		t0 -= 1800;
		t1 += 1800;
		span = t1 - t0;
	}
	t0 -= span / 20;
	t1 += span / 20;
	span = t1 - t0;
	h = top + (int)nl * lane_h + 40;
#define TX(t) (left + (int)((double)((t) - t0) * width / (double)span))
	fprintf(f, "<figure>\n<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" "
		"width=\"%d\" height=\"%d\" viewBox=\"0 0 %d %d\">\n", left + width + 20, h,
		left + width + 20, h);
	fputs("<title>The events that matter, on a time line</title>\n", f);
	fputs("<text x=\"0\" y=\"16\" font-size=\"13\" font-weight=\"600\">The events that matter "
	      "(red: errors; the number: how many)</text>\n", f);
	for (k = 0; k < nl; k++) {
		int y = top + (int)k * lane_h;

		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">", left - 10,
			y + lane_h / 2 + 4);
		html_put(f, lanes[k]);
		fputs("</text>\n", f);
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#d0d7de\"/>\n",
			left, y + lane_h / 2, left + width, y + lane_h / 2);
	}
	if (v->boot >= t0 && v->boot <= t1) {
		view_format_time(v->boot, a, sizeof(a));
		fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#57606a\" "
			"stroke-dasharray=\"3 3\"><title>last boot %s</title></line>\n", TX(v->boot),
			top - 4, TX(v->boot), top + (int)nl * lane_h, a);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#57606a\" "
			"text-anchor=\"middle\">boot</text>\n", TX(v->boot), top + (int)nl * lane_h + 12);
	}
	for (i = 0; i < v->nevents; i++) {
		const struct vevent *e = &v->events[i];
		const char *col = e->bad ? "#d1242f" : "#4c8bf5";
		int y, x0 = TX(e->first), x1 = TX(e->last);

		for (k = 0; k < nl; k++)
			if (!strcmp(lanes[k], e->lane))
				break;
		if (k == nl)
			continue;
		y = top + (int)k * lane_h + lane_h / 2;
		view_format_time(e->first, a, sizeof(a));
		view_format_time(e->last, b, sizeof(b));
		if (x1 - x0 >= 4)
			fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"10\" rx=\"3\" fill=\"%s\">",
				x0, y - 5, x1 - x0, col);
		else
			fprintf(f, "<circle cx=\"%d\" cy=\"%d\" r=\"6\" fill=\"%s\">", x0, y, col);
		fputs("<title>", f);
		html_put(f, e->what);
		fprintf(f, ": %lld, %s%s%s</title>", e->count, a, strcmp(a, b) ? " to " : "",
			strcmp(a, b) ? b : "");
		fputs(x1 - x0 >= 4 ? "</rect>\n" : "</circle>\n", f);
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\">%lld</text>\n", x1 + 9, y + 4,
			e->count);
	}
	view_format_time(t0, a, sizeof(a));
	view_format_time(t1, b, sizeof(b));
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#57606a\">%s</text>\n", left,
		h - 8, a);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#57606a\" text-anchor=\"end\">%s</text>\n",
		left + width, h - 8, b);
	fputs("</svg>\n</figure>\n", f);
#undef TX
	/* the same as a table: for printing, copying and screen readers */
	fputs("<details><summary>The events as a table</summary>\n<table><thead><tr><th>event</th>"
	      "<th>count</th><th>first</th><th>last</th><th>what</th></tr></thead><tbody>\n", f);
	for (i = 0; i < v->nevents; i++) {
		const struct vevent *e = &v->events[i];

		view_format_time(e->first, a, sizeof(a));
		view_format_time(e->last, b, sizeof(b));
		fprintf(f, "<tr%s><td>", e->bad ? " class=\"bad\"" : "");
		html_put(f, e->lane);
		fprintf(f, "</td><td class=\"num\">%lld</td><td>%s</td><td>%s</td><td>", e->count, a, b);
		html_put(f, e->what);
		fputs("</td></tr>\n", f);
	}
	fputs("</tbody></table></details>\n", f);
}

/* ---- the emitter of the walker (report_doc.c) */

static void html_heading_open(FILE *f, int level)
{
	fprintf(f, "<h%d>", level);
}

static void html_heading_close(FILE *f, int level)
{
	fprintf(f, "</h%d>\n", level);
}

static void html_list_open(FILE *f, const char *cls)
{
	if (cls)
		fprintf(f, "<ul class=\"%s\">\n", cls);
	else
		fputs("<ul>\n", f);
}

static void html_table_open(FILE *f, const char *cls, int head, size_t ncols)
{
	(void)ncols;
	fputs("<table", f);
	if (cls)
		fprintf(f, " class=\"%s\"", cls);
	fputs(head == TABLE_THEAD ? "><thead>" : ">\n", f);
}

static void html_head_close(FILE *f, int head, size_t ncols)
{
	(void)ncols;
	fputs(head == TABLE_THEAD ? "</tr></thead><tbody>\n" : "</tr>\n", f);
}

static void html_table_close(FILE *f, int head)
{
	fputs(head == TABLE_THEAD ? "</tbody></table>\n" : "</table>\n", f);
}

static void html_cell_open(FILE *f, enum doc_cell kind, const char *arg, long long n)
{
	(void)arg;
	switch (kind) {
	case CELL_HEAD: fputs("<th>", f); break;
	case CELL_KEY: fputs("<td class=\"k\">", f); break;
	case CELL_CODE: fputs("<td><code>", f); break;
	case CELL_STATUS: fprintf(f, "<td class=\"st %s\">", status_class((enum status)n)); break;
	case CELL_EXIT: fprintf(f, "<td class=\"ex%lld\">", n); break;
	case CELL_SEE: fputs("<td class=\"see\">", f); break;
	case CELL_LINK: fprintf(f, "<td><a href=\"#s%lld\">", n); break;
	default: fputs("<td>", f);
	}
}

static void html_cell_close(FILE *f, enum doc_cell kind)
{
	fputs(kind == CELL_HEAD ? "</th>" : kind == CELL_CODE ? "</code></td>" :
	      kind == CELL_LINK ? "</a></td>" : "</td>", f);
}

static void html_ref_open(FILE *f, const char *anchor, size_t i)
{
	fprintf(f, "<a href=\"#%s-%zu\"><code>", anchor, i);
}

static void html_scan_open(FILE *f, const char *anchor)
{
	fprintf(f, "<article id=\"%s\">\n", anchor);
}

static void html_title_verdict(FILE *f, const struct vscan *v)
{
	fprintf(f, "<span class=\"ex%d\">", v->exit_status);
	html_put(f, v->verdict);
	fputs("</span>", f);
}

static void html_charts(FILE *f, const struct vscan *v)
{
	if (v->nbars)
		bar_chart(f, v);
	if (v->nevents)
		timeline(f, v);
}

static void html_result_open(FILE *f, const struct vresult *r, int level, const char *anchor)
{
	fprintf(f, "<section class=\"result %s\" id=\"%s-%zu\">\n<h%d><span class=\"st %s\">%s</span> "
		"<code>", status_class(r->status), anchor, r->index, level, status_class(r->status),
		status_tag(r->status));
	html_put(f, r->id);
	fputs("</code> ", f);
	html_put(f, r->title);
	fprintf(f, "</h%d>\n", level);
}

static void html_fix(FILE *f, json_t *lines)
{
	size_t k;
	json_t *line;

	fputs("<p>Fix:</p>\n<pre>", f);
	json_array_foreach(lines, k, line) {
		html_put(f, json_string_value(line));
		fputc('\n', f);
	}
	fputs("</pre>\n", f);
}

static void html_evidence_open(FILE *f, const struct vresult *r)
{
	fprintf(f, "<details%s><summary>Evidence</summary>\n",
		r->status == STATUS_PRESENT ? " open=\"open\"" : "");
}

static void html_doc_open(FILE *f, const struct doc_row *rows, size_t n, int summary)
{
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\"/>\n<title>vssdoctor: ", f);
	if (summary || n != 1)
		fprintf(f, "%zu sources", n);
	else
		html_put(f, rows[0].verdict);
	fprintf(f, "</title>\n<meta name=\"generator\" content=\"vssdoctor %s\"/>\n<style>", VSSD_VERSION);
	fputs(style, f);
	fputs("</style>\n</head>\n<body>\n", f);
}

static void html_doc_close(FILE *f)
{
	fprintf(f, "<footer><p><small>vssdoctor %s</small></p></footer>\n</body>\n</html>\n", VSSD_VERSION);
}

const struct doc_fmt doc_html = {
	.put = html_put,
	.heading_open = html_heading_open,
	.heading_close = html_heading_close,
	.list_open = html_list_open,
	.list_close = "</ul>\n",
	.item_open = "<li>",
	.item_close = "</li>\n",
	.table_open = html_table_open,
	.head_close = html_head_close,
	.table_close = html_table_close,
	.row_open = "<tr>",
	.row_close = "</tr>\n",
	.cell_open = html_cell_open,
	.cell_close = html_cell_close,
	.ref_open = html_ref_open,
	.ref_close = "</code></a> ",
	.why_sep = "<br/>",
	.wordless_summary = 1,
	.check_head = { "finding", "cause" },
	.status_word = status_tag,
	.scan_open = html_scan_open,
	.scan_close = "</article>\n",
	.title_verdict = html_title_verdict,
	.charts = html_charts,
	.details_heading = 1,
	.result_level = 2,
	.result_open = html_result_open,
	.result_close = "</section>\n",
	.fix = html_fix,
	.evidence_open = html_evidence_open,
	.evidence_close = "</details>\n",
	.table = html_table,
	.doc_open = html_doc_open,
	.doc_close = html_doc_close,
};
