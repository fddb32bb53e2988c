/* The text report: the verdict on one screen.
 *
 *   Source:   PATH (raw image, 96.0 MiB)
 *   Windows:  Windows Server 2008 R2 Standard 6.1 build 7601, ControlSet001
 *   Verdict:  ... (exit status N)
 *
 *   PRESENT  cause1  TITLE (KB ...)
 *            what is wrong, in words (one or two lines)
 *            the decisive event: count and last date
 *     fix:   the commands, one a line
 *   absent   cause2  TITLE
 *   unknown  cause3  why, in a few words
 *
 * -v adds, under each result, its evidence as aligned tables. */
#define _GNU_SOURCE
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "report.h"
#include "report_priv.h"
#include "rules.h"

struct colors {
	const char *red, *green, *yellow, *bold, *dim, *off;
};

static const struct colors colors_on = { "\033[31m", "\033[32m", "\033[33m", "\033[1m", "\033[2m", "\033[0m" };
static const struct colors colors_off = { "", "", "", "", "", "" };

/* The margin: status tags and labels live in the first MARGIN columns. */
#define MARGIN 9

/* Bytes of the UTF-8 character at p (1 for a stray byte). */
static size_t char_len(const char *p)
{
	unsigned char c = (unsigned char)*p;
	size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1, i;

	for (i = 1; i < n; i++)
		if (((unsigned char)p[i] & 0xc0) != 0x80)
			return 1;
	return n;
}

static void text_putn(FILE *f, const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c == 0x7f) {
			fputc(c == '\t' ? ' ' : '?', f);
			i++;
		} else if (c == 0xc2 && i + 1 < len && (unsigned char)s[i + 1] >= 0x80 &&
			   (unsigned char)s[i + 1] <= 0x9f) {
			/* C1 controls (0x9b is a CSI on some terminals) */
			fputc('?', f);
			i += 2;
		} else {
			fputc(c, f);
			i++;
		}
	}
}

void text_put(FILE *f, const char *s)
{
	if (s)
		text_putn(f, s, strlen(s));
}

/* The next line of s, at most width characters: its length in bytes;
 * *next is where the following line starts.  Lines break after a space,
 * a comma, a ')' or a '|', else anywhere. */
static size_t wrap_line(const char *s, size_t width, const char **next)
{
	size_t n = 0, bytes = 0, brk = 0, brk_next = 0;
	const char *p = s;

	if (width < 1)
		width = 1;
	while (*p && n < width) {
		size_t cl = char_len(p);

		if (*p == '\n' || *p == '\r') {
			*next = p + 1;
			return bytes;
		}
		if (*p == ' ') {
			brk = bytes;
			brk_next = bytes + 1;
		}
		bytes += cl;
		p += cl;
		n++;
		if (strchr(",)|", p[-1]) && p[-1]) {
			brk = bytes;
			brk_next = bytes;
		}
	}
	if (!*p) {
		*next = p;
		return bytes;
	}
	if (*p == ' ' || *p == '\n' || *p == '\r') {
		brk = bytes;
		brk_next = bytes + 1;
	}
	if (brk == 0) {
		*next = s + bytes;
		return bytes;
	}
	*next = s + brk_next;
	while (**next == ' ')
		(*next)++;
	return brk;
}

static void pad(FILE *f, size_t n)
{
	while (n--)
		fputc(' ', f);
}

/* text wrapped at width, the first line after whatever the caller
 * printed (first_col columns in), the others indent columns in. */
static void put_wrapped(FILE *f, const char *text, size_t first_col, size_t indent, size_t width)
{
	const char *p = text ? text : "", *next;
	size_t col = first_col;
	int first = 1;

	do {
		size_t len = wrap_line(p, width > col ? width - col : 10, &next);

		if (!first) {
			fputc('\n', f);
			pad(f, indent);
		}
		text_putn(f, p, len);
		first = 0;
		col = indent;
		p = next;
	} while (*p);
	fputc('\n', f);
}

static void print_table(FILE *f, const struct vtable *t, size_t indent, size_t width)
{
	size_t nc = t->ncols, i, r, sum = 0, avail;
	int pass;
	size_t *w, *minw;
	const char **cur;

	if (!nc)
		return;
	w = calloc(nc, sizeof(*w));
	minw = calloc(nc, sizeof(*minw));
	cur = calloc(nc, sizeof(*cur));
	if (!w || !minw || !cur)
		goto out;
	for (i = 0; i < nc; i++) {
		if (t->head)
			w[i] = view_width(t->head[i] ? t->head[i] : "");
		for (r = 0; r < t->nrows; r++) {
			const char *c = t->cells[r * nc + i];
			size_t cw = view_width(c ? c : "");

			if (cw > w[i])
				w[i] = cw;
		}
		if (w[i] == 0)
			w[i] = 1;
	}
	avail = width > indent + 2 * (nc - 1) + nc ? width - indent - 2 * (nc - 1) : nc;
	/* shrink the widest column first; columns keep 20 characters (a
	 * date) when they can, 10 when they must */
	for (pass = 0; pass < 2; pass++) {
		size_t keep = pass == 0 ? 20 : 10;

		for (i = 0; i < nc; i++)
			minw[i] = t->kv && i == 0 ? w[i] : w[i] < keep ? w[i] : keep;
		for (;;) {
			size_t widest = nc;

			for (sum = 0, i = 0; i < nc; i++)
				sum += w[i];
			if (sum <= avail)
				break;
			for (i = 0; i < nc; i++)
				if (w[i] > minw[i] && (widest == nc || w[i] > w[widest]))
					widest = i;
			if (widest == nc)
				break;
			w[widest]--;
		}
		if (sum <= avail)
			break;
	}
	for (r = t->head ? 0 : 1; r <= t->nrows; r++) {
		int more;
		int rule = r == 0;

		for (i = 0; i < nc; i++) {
			const char *c = r == 0 ? t->head[i] : t->cells[(r - 1) * nc + i];

			cur[i] = c ? c : "";
		}
		do {
			more = 0;
			pad(f, indent);
			for (i = 0; i < nc; i++) {
				const char *next;
				size_t len = *cur[i] ? wrap_line(cur[i], w[i], &next) : 0;
				size_t shown;
				char *chunk;

				if (!*cur[i])
					next = cur[i];
				chunk = strndup(cur[i], len);
				shown = chunk ? view_width(chunk) : 0;
				if (chunk)
					text_put(f, chunk);
				free(chunk);
				cur[i] = next;
				if (*next)
					more = 1;
				if (i + 1 < nc)
					pad(f, w[i] - (shown < w[i] ? shown : w[i]) + 2);
			}
			fputc('\n', f);
		} while (more);
		if (rule) {
			pad(f, indent);
			for (i = 0; i < nc; i++) {
				size_t k;

				for (k = 0; k < w[i]; k++)
					fputc('-', f);
				if (i + 1 < nc)
					pad(f, 2);
			}
			fputc('\n', f);
		}
	}
out:
	free(w);
	free(minw);
	free(cur);
}

void text_tables(FILE *f, const struct vresult *r, int indent, int width)
{
	size_t i;

	for (i = 0; i < r->ntables; i++) {
		const struct vtable *t = &r->tables[i];

		if (t->caption) {
			pad(f, (size_t)indent);
			put_wrapped(f, t->caption, (size_t)indent, (size_t)indent + 2, (size_t)width);
		}
		print_table(f, t, (size_t)indent + 2, (size_t)width);
	}
}

static const char *tag_of(const struct vresult *r)
{
	return r->status == STATUS_PRESENT ? "PRESENT" : r->status == STATUS_ABSENT ? "absent" : "unknown";
}

static const char *color_of(const struct vresult *r, const struct colors *c)
{
	return r->status == STATUS_PRESENT ? c->red : r->status == STATUS_ABSENT ? c->green : c->yellow;
}

/* "PRESENT  cause1  Title (KB ...)": the references go on the heading
 * when they fit, else at the end of the first words line, else only in
 * -v.  Returns whether they were placed. */
static int heading(FILE *f, const struct vresult *r, const struct colors *c, int with_refs)
{
	size_t len = MARGIN + view_width(r->id) + 2 + view_width(r->title);
	int named = r->refs && strstr(r->title, r->refs) != NULL;   /* the title has them */
	int refs = with_refs && r->refs && !named && len + 3 + view_width(r->refs) <= TEXT_WIDTH;

	fprintf(f, "%s%s%s", color_of(r, c), tag_of(r), c->off);
	pad(f, MARGIN - strlen(tag_of(r)));
	fprintf(f, "%s", c->bold);
	text_put(f, r->id);
	fprintf(f, "%s  ", c->off);
	text_put(f, r->title);
	if (refs) {
		fputs(" (", f);
		text_put(f, r->refs);
		fputc(')', f);
	}
	fputc('\n', f);
	return refs || named;
}

static void present_result(FILE *f, const struct vscan *v, const struct vresult *r,
			   const struct colors *c, int verbose)
{
	const struct result *res = &v->s->results[r->index];
	int refs_done = heading(f, r, c, 1);
	size_t k;
	json_t *line;

	for (k = 0; k < 2 && r->words[k]; k++) {
		pad(f, MARGIN);
		if (!refs_done && r->refs && k == 0 &&
		    MARGIN + view_width(r->words[0]) + 3 + view_width(r->refs) <= TEXT_WIDTH) {
			text_put(f, r->words[0]);
			fputs(" (", f);
			text_put(f, r->refs);
			fputs(")\n", f);
			refs_done = 1;
			continue;
		}
		put_wrapped(f, r->words[k], MARGIN, MARGIN, TEXT_WIDTH);
	}
	if (r->event) {
		pad(f, MARGIN);
		if (!refs_done && r->refs &&
		    MARGIN + view_width(r->event) + 3 + view_width(r->refs) <= TEXT_WIDTH) {
			text_put(f, r->event);
			fputs(" (", f);
			text_put(f, r->refs);
			fputs(")\n", f);
			refs_done = 1;
		} else {
			put_wrapped(f, r->event, MARGIN, MARGIN, TEXT_WIDTH);
		}
	}
	json_array_foreach(res->remediation, k, line) {
		if (k == 0)
			fputs("  fix:", f);
		pad(f, k == 0 ? MARGIN - 6 : MARGIN);
		/* commands are never wrapped: they are copied as they are */
		text_put(f, json_string_value(line));
		fputc('\n', f);
	}
	/* --shadows: the value as it was when it was right (never wrapped:
	 * it ends in a command) */
	json_array_foreach(res->last_good, k, line) {
		fputs("  Last good: ", f);
		text_put(f, json_string_value(json_object_get(line, "text")));
		fputc('\n', f);
	}
	if (verbose) {
		if (!refs_done && r->refs) {
			fputs("  see:", f);
			pad(f, MARGIN - 6);
			put_wrapped(f, r->refs, MARGIN, MARGIN, TEXT_WIDTH);
		}
		if (r->ntables) {
			fputs("  evidence:\n", f);
			text_tables(f, r, 4, TEXT_WIDTH);
		}
	}
}

static void other_result(FILE *f, const struct vresult *r, const struct colors *c, int verbose)
{
	if (r->status == STATUS_ABSENT && !verbose) {
		heading(f, r, c, 0);
		return;
	}
	if (r->status == STATUS_ABSENT) {
		heading(f, r, c, 1);
		pad(f, MARGIN);
		put_wrapped(f, r->summary, MARGIN, MARGIN, TEXT_WIDTH);
	} else {
		/* unknown: the reason in a few words instead of the title */
		size_t room = TEXT_WIDTH - MARGIN - view_width(r->id) - 2;
		char *why = strdup(r->summary);

		fprintf(f, "%s%s%s", color_of(r, c), tag_of(r), c->off);
		pad(f, MARGIN - strlen(tag_of(r)));
		fprintf(f, "%s", c->bold);
		text_put(f, r->id);
		fprintf(f, "%s  ", c->off);
		if (why && !verbose && view_width(why) > room) {
			/* cut at a character boundary, "..." at the end */
			size_t n = 0;
			char *p;

			for (p = why; *p; p += char_len(p))
				if (++n > room - 3)
					break;
			strcpy(p, "...");
		}
		if (verbose)
			put_wrapped(f, why ? why : r->summary, MARGIN + view_width(r->id) + 2, MARGIN,
				    TEXT_WIDTH);
		else {
			text_put(f, why ? why : r->summary);
			fputc('\n', f);
		}
		free(why);
	}
	if (verbose && r->ntables) {
		fputs("  evidence:\n", f);
		text_tables(f, r, 4, TEXT_WIDTH);
	}
}

/* A finding present but not failing the scan (information), without -v:
 * one line, "PRESENT  id  what it saw" cut to the width. */
static void info_result(FILE *f, const struct vresult *r, const struct colors *c)
{
	const char *what = r->words[0] ? r->words[0] : r->event ? r->event : r->summary;
	size_t room = TEXT_WIDTH - MARGIN - view_width(r->id) - 2, n = 0;
	const char *p;

	fprintf(f, "%s%s%s", color_of(r, c), tag_of(r), c->off);
	pad(f, MARGIN - strlen(tag_of(r)));
	fprintf(f, "%s", c->bold);
	text_put(f, r->id);
	fprintf(f, "%s  ", c->off);
	if (view_width(what) <= room) {
		text_put(f, what);
	} else {
		/* cut at the last word boundary that fits, never inside a
		 * date or a number ("1 event, 2..." was half a date) */
		const char *cut = NULL;

		for (p = what; *p; p += char_len(p)) {
			if (++n > room - 3)
				break;
			if (*p == ' ')
				cut = p;
		}
		if (cut) {
			/* no dangling separator before the "..." */
			while (cut > what && (cut[-1] == ',' || cut[-1] == ';' || cut[-1] == ':' ||
					      cut[-1] == ' '))
				cut--;
			if (cut > what)
				p = cut;
		}
		text_putn(f, what, (size_t)(p - what));
		fputs(p == cut ? " ..." : "...", f);
	}
	fputc('\n', f);
}

/* Source, image, volume, Windows and drives: a line each. */
static void text_source(FILE *f, const struct vscan *v, int verbose)
{
	fputs("Source:   ", f);
	text_put(f, v->source);
	if (*v->image && MARGIN + 1 + view_width(v->source) + 3 + view_width(v->image) <= TEXT_WIDTH) {
		fputs(" (", f);
		text_put(f, v->image);
		fputc(')', f);
	} else if (*v->image && verbose) {
		/* a long path: the image on its own line */
		fputs("\nImage:    ", f);
		text_put(f, v->image);
	}
	fputc('\n', f);
	/* the volume when it has a drive letter on a disk of several */
	if ((verbose || (v->s->source_info.vol.letter && v->s->source_info.nvolumes > 1)) && *v->volume) {
		fputs("Volume:   ", f);
		put_wrapped(f, v->volume, MARGIN + 1, MARGIN + 1, TEXT_WIDTH);
	}
	if (v->windows) {
		fputs("Windows:  ", f);
		put_wrapped(f, v->windows, MARGIN + 1, MARGIN + 1, TEXT_WIDTH);
		/* where Windows lives, when it is not the usual \Windows */
		if (*v->system_root && (verbose || strlen(v->system_root) < 8 ||
					strcasecmp(v->system_root + strlen(v->system_root) - 8, "\\Windows"))) {
			pad(f, MARGIN + 1);
			fputs("in ", f);
			text_put(f, v->system_root);
			fputc('\n', f);
		}
	}
	if (*v->drives) {
		fputs("Drives:   ", f);
		put_wrapped(f, v->drives, MARGIN + 1, MARGIN + 1, TEXT_WIDTH);
	}
}

/* The verdict, broken after its ';' when it does not fit.  0 or
 * -E_NOMEM. */
static int text_verdict(FILE *f, const struct vscan *v, const struct colors *c)
{
	const char *vc = v->exit_status == 1 ? c->red : v->exit_status == 0 ? c->green : c->yellow;
	const char *semi = strchr(v->verdict, ';');
	char tail[48], *rest;

	snprintf(tail, sizeof(tail), " (exit status %d)", v->exit_status);
	fprintf(f, "Verdict:  %s", vc);
	if (MARGIN + 1 + view_width(v->verdict) + strlen(tail) <= TEXT_WIDTH) {
		text_put(f, v->verdict);
		fputs(tail, f);
		fprintf(f, "%s\n", c->off);
		return 0;
	}
	if (semi && MARGIN + 1 + (size_t)(semi - v->verdict) + 1 <= TEXT_WIDTH) {
		text_putn(f, v->verdict, (size_t)(semi - v->verdict) + 1);
		fputc('\n', f);
		pad(f, MARGIN + 1);
		semi += 2;
	} else {
		semi = v->verdict;
	}
	if (asprintf(&rest, "%s%s", semi, tail) < 0)
		return -E_NOMEM;
	/* put_wrapped ends the line: the colour goes off first */
	fputs(c->off, f);
	fputs(vc, f);
	put_wrapped(f, rest, MARGIN + 1, MARGIN + 1, TEXT_WIDTH);
	free(rest);
	fputs(c->off, f);
	return 0;
}

/* The nabsent absent findings: their ids on one line, "+N more (-v)"
 * when they do not fit. */
static void text_absent(FILE *f, const struct vscan *v, const struct colors *c, size_t nabsent)
{
	size_t shown = 0, col, i;

	fprintf(f, "%sabsent%s", c->green, c->off);
	pad(f, MARGIN - 6);
	col = MARGIN;
	for (i = 0; i < v->nres; i++) {
		const struct vresult *r = &v->res[i];
		size_t w = view_width(r->id), left = nabsent - shown - 1;
		char more[40];

		if (r->is_cause || r->status != STATUS_ABSENT)
			continue;
		/* room for this id and, if others follow, ", +N more (-v)" */
		snprintf(more, sizeof(more), ", +%zu more (-v)", left + 1);
		if (col + (shown ? 2 : 0) + w + (left ? strlen(more) : 0) > TEXT_WIDTH) {
			fputs(shown ? more : more + 2, f);
			break;
		}
		if (shown)
			fputs(", ", f);
		text_put(f, r->id);
		col += (shown ? 2 : 0) + w;
		shown++;
	}
	fputc('\n', f);
}

/* --shadows: one line per cause and finding that changed; the
 * warnings. */
static void text_history_warnings(FILE *f, const struct vscan *v)
{
	char head[128];
	size_t i;

	if (view_history_head(v, head, sizeof(head))) {
		json_t *h;

		fputs(head, f);
		fputc('\n', f);
		json_array_foreach(v->s->history, i, h) {
			if (!json_is_true(json_object_get(h, "changed")))
				continue;
			fputs("  ", f);
			text_put(f, json_string_value(json_object_get(h, "summary")));
			fputc('\n', f);
		}
	}
	if (v->nwarnings) {
		fputs("Warnings:\n", f);
		for (i = 0; i < v->nwarnings; i++) {
			fputs("  - ", f);
			put_wrapped(f, v->warnings[i], 4, 4, TEXT_WIDTH);
		}
	}
}

static int text_scan(FILE *f, const struct vscan *v, int color, int verbose)
{
	const struct colors *c = color ? &colors_on : &colors_off;
	size_t i, nabsent = 0;
	int findings = 0;

	text_source(f, v, verbose);
	if (text_verdict(f, v, c) < 0)
		return -E_NOMEM;
	if (v->unreadable)
		return 0;
	fputc('\n', f);

	for (i = 0; i < v->nres; i++) {
		const struct vresult *r = &v->res[i];

		if (!r->is_cause && !findings) {
			findings = 1;
			fputs("Findings:\n", f);
		}
		if (!r->is_cause && r->status == STATUS_ABSENT && !verbose) {
			nabsent++;
			continue;
		}
		if (r->status == STATUS_PRESENT && !r->is_cause && !r->fails && !verbose)
			info_result(f, r, c);
		else if (r->status == STATUS_PRESENT)
			present_result(f, v, r, c, verbose);
		else
			other_result(f, r, c, verbose);
	}
	if (nabsent)
		text_absent(f, v, c, nabsent);
	text_history_warnings(f, v);
	return 0;
}

int report_text(FILE *f, const struct scan *s, int color, int verbose)
{
	struct vscan v;
	int rc = vscan_build(&v, s);

	if (rc < 0)
		return rc;
	rc = text_scan(f, &v, color, verbose);
	vscan_release(&v);
	return rc;
}
