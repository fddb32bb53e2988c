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
static void html_put(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");

	while (*p) {
		size_t n = utf8_len(p);

		if (n == 0) {
			fputc('?', f);
			p++;
			continue;
		}
		if (n == 2 && p[0] == 0xc2 && p[1] < 0xa0) {
			fputc('?', f);        /* C1 controls */
			p += 2;
			continue;
		}
		if (n > 1) {
			fwrite(p, 1, n, f);
			p += n;
			continue;
		}
		switch (*p) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		case '\n': case '\t': fputc(*p, f); break;
		case '\r': break;
		default:
			fputc(*p < 0x20 || *p == 0x7f ? '?' : *p, f);
		}
		p++;
	}
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

/* --- one scan */

static void results_table(FILE *f, const struct vscan *v, int causes, int verbose, const char *anchor)
{
	size_t i, n = 0;

	for (i = 0; i < v->nres; i++) {
		const struct vresult *r = &v->res[i];
		size_t k;

		if (r->is_cause != causes || (!causes && r->status == STATUS_ABSENT && !verbose))
			continue;
		if (n++ == 0)
			fprintf(f, "<table class=\"results\"><thead><tr><th>status</th><th>%s</th>"
				"<th>why</th><th>see</th></tr></thead><tbody>\n", causes ? "cause" : "finding");
		fprintf(f, "<tr><td class=\"st %s\">%s</td><td><a href=\"#%s-%zu\"><code>",
			status_class(r->status), status_tag(r->status), anchor, i);
		html_put(f, r->id);
		fputs("</code></a> ", f);
		html_put(f, r->title);
		fputs("</td><td>", f);
		if (r->status == STATUS_PRESENT && r->words[0]) {
			for (k = 0; k < 2 && r->words[k]; k++) {
				if (k)
					fputs("<br/>", f);
				html_put(f, r->words[k]);
			}
		} else {
			html_put(f, r->summary);
		}
		fputs("</td><td class=\"see\">", f);
		html_put(f, r->refs ? r->refs : "");
		fputs("</td></tr>\n", f);
	}
	if (n)
		fputs("</tbody></table>\n", f);
}

static void result_section(FILE *f, const struct vscan *v, const struct vresult *r, int level,
			   const char *anchor)
{
	const struct result *res = &v->s->results[r->index];
	size_t k;
	json_t *line;

	fprintf(f, "<section class=\"result %s\" id=\"%s-%zu\">\n<h%d><span class=\"st %s\">%s</span> "
		"<code>", status_class(r->status), anchor, r->index, level, status_class(r->status),
		status_tag(r->status));
	html_put(f, r->id);
	fputs("</code> ", f);
	html_put(f, r->title);
	fprintf(f, "</h%d>\n<ul>\n", level);
	if (r->status == STATUS_PRESENT && r->words[0]) {
		for (k = 0; k < 2 && r->words[k]; k++) {
			fputs("<li>", f);
			html_put(f, r->words[k]);
			fputs("</li>\n", f);
		}
	} else {
		fputs("<li>", f);
		html_put(f, r->summary);
		fputs("</li>\n", f);
	}
	if (r->event) {
		fputs("<li>", f);
		html_put(f, r->event);
		fputs("</li>\n", f);
	}
	if (r->refs) {
		fputs("<li>see ", f);
		html_put(f, r->refs);
		fputs("</li>\n", f);
	}
	fputs("</ul>\n", f);
	if (r->status == STATUS_PRESENT && json_array_size(res->remediation)) {
		fputs("<p>Fix:</p>\n<pre>", f);
		json_array_foreach(res->remediation, k, line) {
			html_put(f, json_string_value(line));
			fputc('\n', f);
		}
		fputs("</pre>\n", f);
	}
	if (r->status == STATUS_PRESENT && json_array_size(res->last_good)) {
		/* --shadows: the value as it was when it was right */
		fputs("<ul class=\"last-good\">\n", f);
		json_array_foreach(res->last_good, k, line) {
			fputs("<li>Last good: ", f);
			html_put(f, json_string_value(json_object_get(line, "text")));
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	if (r->ntables) {
		fprintf(f, "<details%s><summary>Evidence</summary>\n",
			r->status == STATUS_PRESENT ? " open=\"open\"" : "");
		for (k = 0; k < r->ntables; k++)
			html_table(f, &r->tables[k]);
		fputs("</details>\n", f);
	}
	fputs("</section>\n", f);
}

/* --shadows: a row per check that changed, a column per store (oldest
 * first) then the live volume. */
static void history_table(FILE *f, const struct vscan *v)
{
	json_t *pts = json_object_get(json_array_get(v->s->history, 0), "statuses"), *pt, *h;
	size_t i, k, nrow = 0;

	json_array_foreach(v->s->history, i, h)
		nrow += json_is_true(json_object_get(h, "changed"));
	if (!nrow || !json_array_size(pts))
		return;
	fputs("<table class=\"history\">\n<tr><th>check</th>", f);
	json_array_foreach(pts, k, pt) {
		json_t *st = json_object_get(pt, "store");

		fputs("<th>", f);
		if (json_is_integer(st))
			fprintf(f, "store %lld ", (long long)json_integer_value(st));
		html_put(f, json_is_string(json_object_get(pt, "created")) ?
			 json_string_value(json_object_get(pt, "created")) : "live");
		fputs("</th>", f);
	}
	fputs("</tr>\n", f);
	json_array_foreach(v->s->history, i, h) {
		if (!json_is_true(json_object_get(h, "changed")))
			continue;
		fputs("<tr><td><code>", f);
		html_put(f, json_string_value(json_object_get(h, "id")));
		fputs("</code></td>", f);
		json_array_foreach(json_object_get(h, "statuses"), k, pt) {
			fputs("<td>", f);
			html_put(f, json_string_value(json_object_get(pt, "status")));
			fputs("</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table>\n", f);
}

void html_scan(FILE *f, const struct vscan *v, size_t index, int level, int verbose)
{
	size_t i;
	int findings = 0;
	char anchor[32], head[128];

	/* ids unique over a batch */
	snprintf(anchor, sizeof(anchor), "s%zu", index + 1);
	fprintf(f, "<article id=\"%s\">\n<h%d>", anchor, level);
	if (level == 1) {
		fputs("vssdoctor: ", f);
	} else {
		html_put(f, v->source);
		fputs(": ", f);
	}
	fprintf(f, "<span class=\"ex%d\">", v->exit_status);
	html_put(f, v->verdict);
	fprintf(f, "</span></h%d>\n<table>\n<tr><td class=\"k\">source</td><td>", level);
	html_put(f, v->source);
	if (*v->image) {
		fputs(" (", f);
		html_put(f, v->image);
		fputc(')', f);
	}
	fputs("</td></tr>\n", f);
	if (*v->volume) {
		fputs("<tr><td class=\"k\">volume</td><td>", f);
		html_put(f, v->volume);
		fputs("</td></tr>\n", f);
	}
	if (v->windows) {
		fputs("<tr><td class=\"k\">Windows</td><td>", f);
		html_put(f, v->windows);
		if (*v->system_root) {
			fputs(", in ", f);
			html_put(f, v->system_root);
		}
		fputs("</td></tr>\n", f);
	}
	if (*v->drives) {
		fputs("<tr><td class=\"k\">drives</td><td>", f);
		html_put(f, v->drives);
		fputs("</td></tr>\n", f);
	}
	fprintf(f, "<tr><td class=\"k\">verdict</td><td class=\"ex%d\">", v->exit_status);
	html_put(f, v->verdict);
	fprintf(f, " (exit status %d)</td></tr>\n</table>\n", v->exit_status);
	if (v->unreadable) {
		fputs("</article>\n", f);
		return;
	}
	fprintf(f, "<h%d>Causes</h%d>\n", level + 1, level + 1);
	results_table(f, v, 1, verbose, anchor);
	for (i = 0; i < v->nres; i++)
		if (!v->res[i].is_cause && (v->res[i].status != STATUS_ABSENT || verbose))
			findings = 1;
	if (findings) {
		fprintf(f, "<h%d>Findings</h%d>\n", level + 1, level + 1);
		results_table(f, v, 0, verbose, anchor);
	}
	if (v->nbars || v->nevents) {
		fprintf(f, "<h%d>Charts</h%d>\n", level + 1, level + 1);
		if (v->nbars)
			bar_chart(f, v);
		if (v->nevents)
			timeline(f, v);
	}
	fprintf(f, "<h%d>Details</h%d>\n", level + 1, level + 1);
	for (i = 0; i < v->nres; i++) {
		const struct vresult *r = &v->res[i];

		if (r->status == STATUS_ABSENT && (!r->ntables || !(verbose || r->is_cause)))
			continue;
		result_section(f, v, r, level + 2, anchor);
	}
	if (view_history_head(v, head, sizeof(head))) {
		/* --shadows: the causes and findings that changed */
		json_t *h;

		fprintf(f, "<h%d>", level + 1);
		html_put(f, head);
		fprintf(f, "</h%d>\n<ul class=\"history\">\n", level + 1);
		json_array_foreach(v->s->history, i, h) {
			if (!json_is_true(json_object_get(h, "changed")))
				continue;
			fputs("<li>", f);
			html_put(f, json_string_value(json_object_get(h, "summary")));
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
		history_table(f, v);
	}
	if (v->nwarnings) {
		fprintf(f, "<h%d>Warnings</h%d>\n<ul>\n", level + 1, level + 1);
		for (i = 0; i < v->nwarnings; i++) {
			fputs("<li>", f);
			html_put(f, v->warnings[i]);
			fputs("</li>\n", f);
		}
		fputs("</ul>\n", f);
	}
	fputs("</article>\n", f);
}

void html_document(FILE *f, const struct doc_row *rows, char *const *bodies, size_t n, int summary)
{
	size_t i;

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
	if (summary) {
		fprintf(f, "<h1>vssdoctor: %zu source%s</h1>\n<table class=\"summary\"><thead><tr>"
			"<th>source</th><th>verdict</th><th>causes</th><th>Windows</th></tr></thead><tbody>\n",
			n, n == 1 ? "" : "s");
		for (i = 0; i < n; i++) {
			fprintf(f, "<tr><td><a href=\"#s%zu\">", i + 1);
			html_put(f, rows[i].source);
			fprintf(f, "</a></td><td class=\"ex%d\">", rows[i].exit_status);
			html_put(f, rows[i].verdict);
			fprintf(f, " (exit status %d)</td><td>", rows[i].exit_status);
			html_put(f, rows[i].causes);
			fputs("</td><td>", f);
			html_put(f, rows[i].windows);
			fputs("</td></tr>\n", f);
		}
		fputs("</tbody></table>\n", f);
	}
	for (i = 0; i < n; i++)
		fputs(bodies[i], f);
	fprintf(f, "<footer><p><small>vssdoctor %s</small></p></footer>\n</body>\n</html>\n", VSSD_VERSION);
}
