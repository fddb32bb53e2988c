/* The reports people read (issue 16): the text report on one screen, its
 * -v evidence, Markdown for tickets, one self-contained HTML file, and
 * `vssdoctor sddl --format`.  Every assertion is about what a reader
 * sees, checked against the JSON report of the same image (the
 * contract): the fix commands, the statuses, the counts. */
#define _GNU_SOURCE
#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <png.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "scan.h"
#include "scenario.h"
#include "testutil.h"

static char *dir;
static char *demo_img;        /* what `vssdoctor demo DIR` builds */
static char *all_img;         /* every cause and most findings present */
static char *healthy_img;
static char *w2003_img;
static char *golden_json;     /* a baseline of healthy_img */

static char *build(const char *name, const char *text)
{
	struct err err;
	char *img = NULL;

	if (asprintf(&img, "%s/%s.img", dir, name) < 0)
		abort();
	err_init(&err);
	if (scenario_build(text, img, &err) < 0) {
		fprintf(stderr, "fixture %s: %s\n", name, err.msg);
		abort();
	}
	return img;
}

static void build_fixtures(void)
{
	struct tu_run r;
	char *demo_dir = NULL;

	dir = tu_tmpdir("reports");
	if (asprintf(&demo_dir, "%s/demo", dir) < 0 ||
	    asprintf(&demo_img, "%s/demo-win2008r2.img", demo_dir) < 0 ||
	    asprintf(&golden_json, "%s/golden.json", dir) < 0)
		abort();
	/* the demo's image, built by the demo command itself */
	tu_vssdoctor(&r, "demo", demo_dir, NULL);
	if (r.status != 1) {
		fprintf(stderr, "fixture demo: exit %d: %s\n", r.status, r.err);
		abort();
	}
	tu_run_free(&r);
	free(demo_dir);
	all_img = build("all", tu_scenario("reports/all"));
	healthy_img = build("healthy", tu_scenario("reports/healthy"));
	w2003_img = build("w2003", tu_scenario("causes23/2003"));
	tu_vssdoctor(&r, "scan", "-q", "--save-baseline", golden_json, healthy_img, NULL);
	if (r.status == 2) {
		fprintf(stderr, "fixture baseline: %s\n", r.err);
		abort();
	}
	tu_run_free(&r);
}

static void free_fixtures(void)
{
	free(demo_img);
	free(all_img);
	free(healthy_img);
	free(w2003_img);
	free(golden_json);
	free(dir);
}

/* ---- helpers ------------------------------------------------------------ */

static json_t *scan_json(const char *img)
{
	struct tu_run r;
	json_error_t je;
	json_t *root;

	tu_vssdoctor(&r, "scan", "--format", "json", img, NULL);
	ck_assert_msg(r.status == 0 || r.status == 1 || r.status == 3, "exit %d: %s", r.status, r.err);
	root = json_loads(r.out, 0, &je);
	ck_assert_msg(root != NULL, "not JSON: %s", je.text);
	tu_run_free(&r);
	return root;
}

static json_t *result_of(json_t *root, const char *id)
{
	const char *arrays[] = { "causes", "findings" };
	size_t a, i;
	json_t *v;

	for (a = 0; a < 2; a++)
		json_array_foreach(json_object_get(root, arrays[a]), i, v)
			if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
				return v;
	return NULL;
}

/* Whether line (without its newline) is one of the report's remediation
 * lines, printed after the 9-column margin. */
static int is_fix_line(json_t *root, const char *line)
{
	const char *arrays[] = { "causes", "findings" };
	size_t a, i, k;
	json_t *v, *fix;

	if (strlen(line) < 9)
		return 0;
	for (a = 0; a < 2; a++)
		json_array_foreach(json_object_get(root, arrays[a]), i, v)
			json_array_foreach(json_object_get(v, "remediation"), k, fix)
				if (strcmp(line + 9, json_string_value(fix)) == 0)
					return 1;
	return 0;
}

static size_t utf8_width(const char *s, size_t len)
{
	size_t n = 0, i;

	for (i = 0; i < len; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			n++;
	return n;
}

/* Lines of text; each wider than 100 columns must be a fix command. */
static int check_lines(const char *text, json_t *root, const char *what)
{
	const char *p = text, *nl;
	int lines = 0;

	for (; *p; p = nl + 1) {
		char *line;

		nl = strchr(p, '\n');
		ck_assert_msg(nl != NULL, "%s: last line without a newline", what);
		line = strndup(p, (size_t)(nl - p));
		ck_assert_msg(utf8_width(p, (size_t)(nl - p)) <= 100 || is_fix_line(root, line),
			      "%s: line %d wider than 100 columns and not a fix command: '%s'",
			      what, lines + 1, line);
		free(line);
		lines++;
	}
	return lines;
}

static char *text_of(const char *img, const char *opt)
{
	struct tu_run r;
	char *out;

	if (opt)
		tu_vssdoctor(&r, "scan", opt, img, NULL);
	else
		tu_vssdoctor(&r, "scan", img, NULL);
	ck_assert_msg(r.status == 0 || r.status == 1 || r.status == 3, "exit %d: %s", r.status, r.err);
	out = r.out;
	r.out = NULL;
	tu_run_free(&r);
	return out;
}

/* ---- the text report ---------------------------------------------------- */

/* `vssdoctor demo DIR` prints the demo's report: one screen (45 lines of
 * at most 100 columns, fix commands excepted), the verdict first, then
 * what is wrong in words with the decisive event and the fix. */
START_TEST(test_demo_one_screen)
{
	struct tu_run r;
	char *ddir = NULL, *p;
	json_t *root = scan_json(demo_img), *fix;
	size_t i;
	int lines;

	if (asprintf(&ddir, "%s/demo-again", dir) < 0)
		abort();
	tu_vssdoctor(&r, "demo", ddir, NULL);
	ck_assert_int_eq(r.status, 1);
	fprintf(stderr, "---- the demo's report ----\n%s----\n", r.out);
	lines = check_lines(r.out, root, "demo");
	ck_assert_msg(lines <= 45, "the demo's report is %d lines", lines);
	/* the source, the Windows version and the verdict, in that order */
	ck_assert_msg(strncmp(r.out, "Source:   ", 10) == 0, "%s", r.out);
	p = strstr(r.out, "\nWindows:  Windows Server 2008 R2 Standard 6.1 build 7601");
	ck_assert_ptr_nonnull(p);
	p = strstr(p, "\nVerdict:  3 causes present: cause1 cause3 cause4;");
	ck_assert_ptr_nonnull(p);
	ck_assert_ptr_nonnull(strstr(p, "failing finding: service-sd-blocks-writer (exit status 1)\n"));
	/* what is wrong, in words */
	ck_assert_ptr_nonnull(strstr(r.out, "\nPRESENT  cause1  File permissions lost under WinSxS"));
	ck_assert_ptr_nonnull(strstr(r.out, "PendingRenames: owner Administrators; the writer's token cannot read it\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "CryptSvc's descriptor lost SYSTEM, INTERACTIVE and SERVICE"));
	ck_assert_ptr_nonnull(strstr(r.out, "Framework\\v2.0.50727: 1,200 folders (limit 1,000), 1,200 in Temporary ASP.NET Files"));
	ck_assert_ptr_nonnull(strstr(r.out, "MsLldp (driver): the writer's token cannot query it"));
	/* the decisive evidence: the 513 event's count and date */
	ck_assert_ptr_nonnull(strstr(r.out, "CAPI2 513 (AddCoreCsiFiles: Access is denied): 1 event, 2024-06-03 23:00 UTC\n"));
	ck_assert_ptr_nonnull(strstr(r.out, "VSS 8193 (XML document is too long): 1 event, 2024-06-04 23:00 UTC\n"));
	/* a finding that informs without failing the scan: one line */
	ck_assert_ptr_nonnull(strstr(r.out, "\nPRESENT  writer-timeout  the event logs hold writer error codes: 0x80780102"));
	ck_assert_ptr_null(strstr(r.out, "\nPRESENT  writer-timeout  Writer errors"));
	/* a one-line finding that does not fit is cut between words, never
	 * inside a date or a number ("...: 1 event, 2..." was half a date) */
	{
		const char *l = strstr(r.out, "\nPRESENT  writer-timeout  "), *e;

		ck_assert_ptr_nonnull(l);
		e = strchr(l + 1, '\n');
		ck_assert_ptr_nonnull(e);
		ck_assert_int_le(e - l - 1, 100);	/* TEXT_WIDTH */
		if (strncmp(e - 3, "...", 3) == 0)
			ck_assert_msg(e[-4] == ' ', "cut inside a word: %.*s", (int)(e - l - 1), l + 1);
	}
	/* absent causes one line each */
	ck_assert_ptr_nonnull(strstr(r.out, "\nabsent   cause2  A service the System Writer needs cannot run\nPRESENT  cause3"));
	/* every fix command of the JSON report, verbatim, one a line */
	json_array_foreach(json_object_get(result_of(root, "cause1"), "remediation"), i, fix) {
		char *want = NULL;

		ck_assert_int_ge(asprintf(&want, "%s%s\n", i ? "         " : "  fix:   ", json_string_value(fix)), 0);
		ck_assert_msg(strstr(r.out, want) != NULL, "fix line missing: %s", want);
		free(want);
	}
	json_array_foreach(json_object_get(result_of(root, "cause3"), "remediation"), i, fix)
		ck_assert_ptr_nonnull(strstr(r.out, json_string_value(fix)));
	/* no raw JSON, no evidence dump */
	ck_assert_ptr_null(strstr(r.out, "{\""));
	ck_assert_ptr_null(strstr(r.out, "effective:"));
	tu_run_free(&r);
	json_decref(root);
	free(ddir);
}
END_TEST

/* The scenario suite, text and -v: never raw JSON, every line within
 * 100 columns but the fix commands. */
START_TEST(test_text_no_json)
{
	const char *imgs[] = { demo_img, all_img, healthy_img, w2003_img };
	const char *opts[] = { NULL, "-v" };
	size_t i, k;

	for (i = 0; i < sizeof(imgs) / sizeof(imgs[0]); i++) {
		json_t *root = scan_json(imgs[i]);

		for (k = 0; k < 2; k++) {
			char *out = text_of(imgs[i], opts[k]);

			ck_assert_msg(strstr(out, "{\"") == NULL, "%s %s: raw JSON in the text report:\n%s",
				      imgs[i], opts[k] ? opts[k] : "", out);
			/* every evidence table is named by what it shows */
			ck_assert_msg(strstr(out, "    ?: ") == NULL, "%s %s: an unnamed table:\n%s",
				      imgs[i], opts[k] ? opts[k] : "", out);
			check_lines(out, root, imgs[i]);
			free(out);
		}
		json_decref(root);
	}
	/* and with a baseline: the drift table */
	{
		struct tu_run r;
		json_error_t je;
		json_t *root;

		tu_vssdoctor(&r, "scan", "--format", "json", "--baseline", golden_json, all_img, NULL);
		root = json_loads(r.out, 0, &je);
		ck_assert_ptr_nonnull(root);
		tu_run_free(&r);
		tu_vssdoctor(&r, "scan", "-v", "--baseline", golden_json, all_img, NULL);
		ck_assert_int_eq(r.status, 1);
		ck_assert_ptr_null(strstr(r.out, "{\""));
		check_lines(r.out, root, "drift");
		ck_assert_ptr_nonnull(strstr(r.out, "\nPRESENT  drift  "));
		ck_assert_ptr_nonnull(strstr(r.out, "Changes since the baseline"));
		ck_assert_ptr_nonnull(strstr(r.out, "services\\CryptSvc\\start"));
		ck_assert_ptr_nonnull(strstr(r.out, "FAILURE"));
		tu_run_free(&r);
		json_decref(root);
	}
}
END_TEST

/* -v: the evidence for people: aligned tables, rights in words, the
 * descriptor difference as an expected/actual table. */
START_TEST(test_verbose_evidence)
{
	char *out = text_of(demo_img, "-v");
	const char *p, *q;

	/* the ACE difference of CryptSvc: a header with expected and actual,
	 * SYSTEM missing, Administrators the same */
	p = strstr(out, "CryptSvc: expected and actual ACEs\n");
	ck_assert_ptr_nonnull(p);
	p = strchr(p, '\n') + 1;
	ck_assert_msg(strncmp(p, "      account ", 14) == 0 && strstr(p, " expected ") &&
		      strstr(p, " actual "), "%.300s", p);
	q = strstr(p, "      NT AUTHORITY\\SYSTEM ");
	ck_assert_ptr_nonnull(q);
	ck_assert_msg(strstr(q, "allow: query config, query status") < strstr(q, "MISSING"), "%.300s", q);
	ck_assert_ptr_nonnull(strstr(p, "BUILTIN\\Administrators    allow: full control"));
	/* access masks as words: 0x1200a9 is read & execute */
	ck_assert_ptr_nonnull(strstr(out, "allow  NT AUTHORITY\\SYSTEM          read & execute  this folder, subfolders and files"));
	ck_assert_ptr_nonnull(strstr(out, "the writer's token has  none\n"));
	ck_assert_ptr_nonnull(strstr(out, "it lacks                read data, read attributes\n"));
	/* the folder counts, aligned */
	ck_assert_ptr_nonnull(strstr(out, "Framework\\v2.0.50727    1,200    1,000  Temporary ASP.NET Files  1,200  AT/OVER LIMIT"));
	/* events as a table with dates */
	ck_assert_ptr_nonnull(strstr(out, "CAPI2 513  1      2024-06-03 23:00 UTC"));
	/* absent results show what was checked */
	ck_assert_ptr_nonnull(strstr(out, "\nabsent   cause2  "));
	ck_assert_ptr_nonnull(strstr(out, "CryptSvc, EventSystem, VSS and swprv are configured to run"));
	free(out);
}
END_TEST

/* Evidence is hostile: an event's text with terminal escapes must not
 * reach the terminal. */
START_TEST(test_text_hostile)
{
	char *img = build("hostile-text",
			  "os 2008r2\n"
			  "event application provider=Microsoft-Windows-Backup id=517 time=2024-06-04T23:01:00Z "
			  "\"data=ErrorMessage:\033[31mred\033]0;title\007 0x80780102 \302\233 2J\"\n");
	char *out = text_of(img, "-v");

	ck_assert_ptr_nonnull(strstr(out, "PRESENT  backup-writer-missing"));
	ck_assert_msg(strchr(out, '\033') == NULL && strchr(out, '\007') == NULL, "%s", out);
	ck_assert_msg(strstr(out, "\302\233") == NULL, "C1 CSI reached the output");
	ck_assert_ptr_nonnull(strstr(out, "?[31mred"));
	free(out);
	free(img);
}
END_TEST


/* ---- Markdown ------------------------------------------------------------ */

/* The evidence strings a hostile disk can carry into a report: markup for
 * Markdown and HTML, a mention, table and code breakers, terminal
 * controls. */
#define HOSTILE_MSG "<script>alert(1)</script><img src=x onerror=alert(2)> [click](http://evil.example/) " \
	"0x80780102 **bold** | cell ``` @admin #123 &amp; 'a' \033[31mred\007 \302\233 end"

static char *hostile_img(void)
{
	static char *img;

	if (!img)
		img = build("hostile-doc",
			    "os 2008r2\n"
			    "event application provider=Microsoft-Windows-Backup id=517 time=2024-06-04T23:01:00Z "
			    "\"data=ErrorMessage:" HOSTILE_MSG "\"\n"
			    /* a driver whose name lands in the fix commands */
			    "reg system sddl \"ControlSet001\\Services\\Ev```x<b>y\\Security\" Security "
			    "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)\n"
			    "reg system dword \"ControlSet001\\Services\\Ev```x<b>y\" Type 1\n"
			    "reg system dword \"ControlSet001\\Services\\Ev```x<b>y\" Start 2\n");
	return img;
}

static char *doc_of(const char *format, int expect_status, const char *img, const char *img2)
{
	struct tu_run r;
	char *out;

	if (img2)
		tu_vssdoctor(&r, "scan", "--format", format, img, img2, NULL);
	else
		tu_vssdoctor(&r, "scan", "--format", format, img, NULL);
	/* -1: any verdict (0, 1 or 3) */
	ck_assert_msg(expect_status < 0 ? r.status == 0 || r.status == 1 || r.status == 3 : r.status == expect_status,
		      "--format %s %s: exit %d (want %d): %s", format, img, r.status, expect_status, r.err);
	out = r.out;
	r.out = NULL;
	tu_run_free(&r);
	return out;
}

/* Unescaped '|' in a Markdown table row. */
static size_t md_pipes(const char *line, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (line[i] == '\\') {
			i++;
			continue;
		}
		n += line[i] == '|';
	}
	return n;
}

/* Every table row has as many cells as its header; code fences and
 * <details> balanced; no terminal control character. */
static void md_well_formed(const char *md)
{
	const char *p = md, *nl;
	size_t head_pipes = 0, open = 0, close = 0, fence = 0;
	int in_table = 0;

	for (; *p; p = nl + 1) {
		size_t len, ticks;

		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		len = (size_t)(nl - p);
		ticks = strspn(p, "`");
		/* CommonMark: a fence of n backticks is closed by a line of at
		 * least n backticks and nothing else */
		if (!fence && ticks >= 3) {
			fence = ticks;
			continue;
		}
		if (fence) {
			if (ticks >= fence && ticks == len)
				fence = 0;
			continue;
		}
		if (len && p[0] == '|') {
			if (!in_table)
				head_pipes = md_pipes(p, len);
			ck_assert_msg(md_pipes(p, len) == head_pipes, "a row with other cells than its header: %.*s",
				      (int)len, p);
			in_table = 1;
		} else {
			in_table = 0;
		}
		open += !strncmp(p, "<details", 8);
		close += !strncmp(p, "</details>", 10);
	}
	ck_assert_msg(fence == 0, "a code block left open");
	ck_assert_uint_eq(open, close);
	for (p = md; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n', "control character 0x%02x", *p);
	ck_assert_ptr_null(strstr(md, "\302\233"));
}

static xmlDocPtr html_parse(const char *html);

/* md without its code blocks (their lines emptied): what is rendered as
 * Markdown. */
static char *md_prose(const char *md)
{
	char *out = strdup(md), *p, *nl;
	size_t fence = 0;

	ck_assert_ptr_nonnull(out);
	for (p = out; *p; p = nl + 1) {
		size_t ticks = strspn(p, "`"), len;

		nl = strchr(p, '\n');
		ck_assert_ptr_nonnull(nl);
		len = (size_t)(nl - p);
		if (!fence && ticks >= 3) {
			fence = ticks;
		} else if (fence) {
			if (ticks >= fence && ticks == len)
				fence = 0;
			else
				memset(p, ' ', len);
		}
	}
	return out;
}

/* --format markdown for a ticket: a heading with the verdict, the causes
 * as a table (status, why, KB), every fix command in a fenced block,
 * evidence in <details>. */
START_TEST(test_markdown_demo)
{
	json_t *root = scan_json(demo_img), *v, *fix;
	char *md = doc_of("markdown", 1, demo_img, NULL), *want = NULL, *block;
	size_t i, k;

	md_well_formed(md);
	want = strdup("# vssdoctor: 3 causes present: cause1 cause3 cause4; failing finding: "
		      "service-sd-blocks-writer (exit status 1)\n\n");
	ck_assert_msg(!strncmp(md, want, strlen(want)), "%.200s", md);
	ck_assert_ptr_nonnull(strstr(md, "| **Windows** | Windows Server 2008 R2 Standard 6.1 build 7601, ControlSet001, "
				     "in C:\\\\Windows |\n"));
	ck_assert_ptr_nonnull(strstr(md, "\n| status | check | why | see |\n| --- | --- | --- | --- |\n"));
	/* a row per cause, with the status of the JSON report */
	json_array_foreach(json_object_get(root, "causes"), i, v) {
		const char *st = json_string_value(json_object_get(v, "status"));

		free(want);
		ck_assert_int_ge(asprintf(&want, "\n| %s | `%s` ", !strcmp(st, "present") ? "**PRESENT**" :
					  !strcmp(st, "absent") ? "absent" : "*unknown*",
					  json_string_value(json_object_get(v, "id"))), 0);
		ck_assert_msg(strstr(md, want) != NULL, "no row %s", want);
	}
	ck_assert_ptr_nonnull(strstr(md, "`cause1` File permissions lost under WinSxS | PendingRenames: owner Administrators; "
				     "the writer's token cannot read it | KB 2009272 |\n"));
	/* the fix commands, verbatim, in a fenced block after the result's heading */
	json_array_foreach(json_object_get(root, "causes"), i, v) {
		if (strcmp(json_string_value(json_object_get(v, "status")), "present"))
			continue;
		free(want);
		ck_assert_int_ge(asprintf(&want, "\n## %s: ", json_string_value(json_object_get(v, "id"))), 0);
		block = strstr(md, want);
		ck_assert_msg(block != NULL, "no section %s", want);
		block = strstr(block, "Fix:\n\n```\n");
		ck_assert_ptr_nonnull(block);
		json_array_foreach(json_object_get(v, "remediation"), k, fix) {
			char *line = NULL;

			ck_assert_int_ge(asprintf(&line, "\n%s\n", json_string_value(fix)), 0);
			ck_assert_msg(strstr(block, line) != NULL && strstr(block, line) < strstr(block + 10, "\n```\n"),
				      "fix line not in the block: %s", line);
			free(line);
		}
	}
	/* evidence in <details>, rendered as tables, never as JSON */
	block = strstr(md, "\n## cause3: ");
	ck_assert_ptr_nonnull(block);
	block = strstr(block, "\n<details><summary>Evidence</summary>\n\n");
	ck_assert_ptr_nonnull(block);
	ck_assert_msg(strstr(block, "\n**CryptSvc: expected and actual ACEs**\n\n| account | expected | actual | difference |\n") <
		      strstr(block, "\n</details>\n"), "%.400s", block);
	ck_assert_ptr_nonnull(strstr(md, "| NT AUTHORITY\\\\SYSTEM | allow: query config, query status"));
	ck_assert_ptr_nonnull(strstr(md, "| (none) | MISSING |\n"));
	ck_assert_ptr_null(strstr(md, "{\""));
	free(want);
	free(md);
	json_decref(root);
}
END_TEST

/* Hostile evidence stays text in Markdown: no HTML, link, emphasis,
 * mention, extra table cell or terminal control. */
START_TEST(test_markdown_hostile)
{
	char *md = doc_of("markdown", -1, hostile_img(), NULL), *prose;
	const char *row, *p;

	md_well_formed(md);
	row = strstr(md, "\n| Backup 517 | 1 | 2024-06-04 23:01 UTC | ");
	ck_assert_msg(row != NULL, "%.3000s", md);
	/* every '<' and '[' of the evidence escaped: only the report's own
	 * <details> and <summary> are HTML, no link can form */
	for (p = prose = md_prose(md); (p = strpbrk(p, "<[")) != NULL; p++)
		ck_assert_msg((p > prose && p[-1] == '\\') || !strncmp(p, "<details", 8) || !strncmp(p, "</details>", 10) ||
			      !strncmp(p, "<summary>", 9) ||
			      !strncmp(p, "</summary>", 10),
			      "unescaped markup: %.60s", p);
	ck_assert_ptr_nonnull(strstr(md, "\\<script\\>alert(1)\\</script\\>"));
	ck_assert_ptr_nonnull(strstr(md, "\\[click\\](http://evil.example/)"));
	ck_assert_ptr_nonnull(strstr(md, "0x80780102 \\*\\*bold\\*\\* \\| cell \\`\\`\\` \\@admin \\#123 \\&amp;"));
	ck_assert_ptr_nonnull(strstr(md, "?\\[31mred? ? end"));
	/* the fix commands verbatim in a block no backtick run can close */
	ck_assert_ptr_nonnull(strstr(md, "\n````\nsc sdshow Ev```x<b>y > Ev```x<b>y.txt\nsc sdset Ev```x<b>y D:"));
	free(prose);
	free(md);
}
END_TEST

/* Several sources: one summary table first (a row per image: verdict,
 * causes, Windows), then each image under its own heading. */
START_TEST(test_markdown_batch)
{
	char *md = doc_of("markdown", 1, healthy_img, demo_img);
	char *row1 = NULL, *row2 = NULL, *h1 = NULL, *h2 = NULL;
	const char *p1, *p2;

	md_well_formed(md);
	ck_assert_msg(!strncmp(md, "# vssdoctor: 2 sources\n\n| source | verdict | causes | Windows |\n", 63), "%.200s", md);
	ck_assert_int_ge(asprintf(&row1, "\n| %s | no cause found, but some checks could not run (exit status 3) | "
				  "none | Windows Server 2008 R2 Standard (build 7601) |\n", healthy_img), 0);
	ck_assert_int_ge(asprintf(&row2, "\n| %s | 3 causes present: cause1 cause3 cause4; failing finding: "
				  "service-sd-blocks-writer (exit status 1) | cause1, cause3, cause4 | "
				  "Windows Server 2008 R2 Standard (build 7601) |\n", demo_img), 0);
	ck_assert_int_ge(asprintf(&h1, "\n## %s: no cause found", healthy_img), 0);
	ck_assert_int_ge(asprintf(&h2, "\n## %s: 3 causes present", demo_img), 0);
	p1 = strstr(md, row1);
	p2 = strstr(md, row2);
	ck_assert_msg(p1 && p2 && p1 < p2, "summary rows:\n%.1200s", md);
	ck_assert_ptr_nonnull(strstr(md, h1));
	ck_assert_msg(strstr(md, h1) < strstr(md, h2) && p2 < strstr(md, h1), "order");
	ck_assert_ptr_nonnull(strstr(strstr(md, h2), "\n### Causes\n"));
	free(row1);
	free(row2);
	free(h1);
	free(h2);
	free(md);
}
END_TEST

/* An unreadable source: alone, its error line and no document (as text
 * and JSON); in a batch, its row says so and the others are reported. */
START_TEST(test_doc_unreadable)
{
	const char *formats[] = { "markdown", "html" };
	char *missing = NULL;
	size_t i;

	if (asprintf(&missing, "%s/no-such.img", dir) < 0)
		abort();
	for (i = 0; i < 2; i++) {
		struct tu_run r;

		tu_vssdoctor(&r, "scan", "--format", formats[i], missing, NULL);
		ck_assert_int_eq(r.status, 2);
		ck_assert_uint_eq(r.out_len, 0);
		ck_assert_ptr_nonnull(strstr(r.err, "cannot read"));
		tu_run_free(&r);
		tu_vssdoctor(&r, "scan", "--format", formats[i], missing, demo_img, NULL);
		ck_assert_int_eq(r.status, 2);
		ck_assert_msg(strstr(r.out, "the source could not be read: No such file or directory (exit status 2)") != NULL &&
			      strstr(r.out, "3 causes present: cause1 cause3 cause4") != NULL, "%s: %.2000s",
			      formats[i], r.out);
		if (i == 1)
			xmlFreeDoc(html_parse(r.out));
		tu_run_free(&r);
	}
	free(missing);
}
END_TEST

/* ---- HTML ---------------------------------------------------------------- */

static xmlDocPtr html_parse(const char *html)
{
	xmlDocPtr doc = xmlReadMemory(html, (int)strlen(html), "report.html", "UTF-8",
				      XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);

	ck_assert_msg(doc != NULL, "the HTML report is not well-formed");
	return doc;
}

static int attr_is_external(const char *name, const char *value)
{
	if (!strcmp(name, "href") || !strcmp(name, "src") || !strcmp(name, "action") ||
	    !strcmp(name, "poster") || !strcmp(name, "data") || !strcmp(name, "srcset"))
		return value[0] != '#';
	if (!strcmp(name, "style"))
		return strstr(value, "url(") != NULL;
	return 0;
}

/* No script, no element or attribute that would load anything. */
static void html_no_external(xmlNodePtr n, size_t *elements)
{
	static const char *const banned[] = { "script", "link", "img", "iframe", "object", "embed",
					      "base", "image", "use", "audio", "video", "source", "form" };
	size_t i;

	for (; n; n = n->next) {
		xmlAttrPtr a;

		if (n->type != XML_ELEMENT_NODE)
			continue;
		(*elements)++;
		for (i = 0; i < sizeof(banned) / sizeof(banned[0]); i++)
			ck_assert_msg(strcmp((const char *)n->name, banned[i]) != 0, "<%s> in the report", n->name);
		if (!strcmp((const char *)n->name, "style")) {
			xmlChar *css = xmlNodeGetContent(n);

			ck_assert_ptr_null(strstr((char *)css, "url("));
			ck_assert_ptr_null(strstr((char *)css, "@import"));
			xmlFree(css);
		}
		for (a = n->properties; a; a = a->next) {
			xmlChar *v = xmlNodeListGetString(n->doc, a->children, 1);

			ck_assert_msg(strncmp((const char *)a->name, "on", 2) != 0, "event handler %s", a->name);
			ck_assert_msg(!attr_is_external((const char *)a->name, v ? (const char *)v : ""),
				      "external reference %s=\"%s\"", a->name, v);
			xmlFree(v);
		}
		html_no_external(n->children, elements);
	}
}

/* The text of the first element called name whose text contains want. */
static int html_has(xmlNodePtr n, const char *name, const char *cls, const char *want)
{
	for (; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, name)) {
			xmlChar *c = xmlGetProp(n, BAD_CAST "class");
			xmlChar *t = xmlNodeGetContent(n);
			int ok = (!cls || (c && !strcmp((char *)c, cls))) && t && strstr((char *)t, want);

			xmlFree(c);
			xmlFree(t);
			if (ok)
				return 1;
		}
		if (html_has(n->children, name, cls, want))
			return 1;
	}
	return 0;
}

/* --format html: one well-formed, self-contained file: the verdict, the
 * causes table, the descriptor difference with its missing ACEs marked,
 * the folder-count bar chart against the limit and the events' time
 * line, as inline SVG. */
START_TEST(test_html_demo)
{
	char *html = doc_of("html", 1, demo_img, NULL);
	xmlDocPtr doc = html_parse(html);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	size_t elements = 0;

	ck_assert_str_eq((const char *)root->name, "html");
	html_no_external(root, &elements);
	ck_assert_uint_gt(elements, 100);
	ck_assert_ptr_nonnull(strstr(html, "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none';"));
	ck_assert(html_has(root, "h1", NULL, "vssdoctor: 3 causes present: cause1 cause3 cause4; failing finding: service-sd-blocks-writer"));
	ck_assert(html_has(root, "td", NULL, "Windows Server 2008 R2 Standard 6.1 build 7601"));
	ck_assert(html_has(root, "tr", NULL, "PRESENTcause1 File permissions lost under WinSxSPendingRenames: owner Administrators"));
	ck_assert(html_has(root, "tr", NULL, "absentcause2 A service the System Writer needs cannot run"));
	/* the difference: SYSTEM's ACE missing, marked */
	ck_assert(html_has(root, "tr", "missing", "NT AUTHORITY\\SYSTEM"));
	ck_assert(html_has(root, "tr", "missing", "missing"));
	ck_assert(!html_has(root, "tr", "missing", "BUILTIN\\Administrators"));
	/* the fix, verbatim */
	ck_assert(html_has(root, "pre", NULL, "sc sdset CryptSvc D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)"));
	/* the charts */
	ck_assert(html_has(root, "svg", NULL, "Framework\\v2.0.50727"));
	ck_assert(html_has(root, "rect", NULL, "Framework\\v2.0.50727: 1,200 folders, limit 1,000"));
	ck_assert(html_has(root, "svg", NULL, "CAPI2 513"));
	ck_assert(html_has(root, "svg", NULL, "VSS 8193"));
	ck_assert(html_has(root, "svg", NULL, "Backup 517"));
	xmlFreeDoc(doc);
	free(html);
}
END_TEST

/* Every event family the time line is for: CAPI2 513, VSS 8193, 8194,
 * 12289, Backup 517, and the SCM's stops of the writer's services. */
START_TEST(test_html_timeline)
{
	char *html = doc_of("html", 1, all_img, NULL);
	xmlDocPtr doc = html_parse(html);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	const char *lanes[] = { "CAPI2 513", "VSS 8193", "VSS 8194", "VSS 12289", "Backup 517", "SCM: VSS stopped" };
	size_t i, elements = 0;

	html_no_external(root, &elements);
	for (i = 0; i < sizeof(lanes) / sizeof(lanes[0]); i++)
		ck_assert_msg(html_has(root, "svg", NULL, lanes[i]), "no lane %s on the time line", lanes[i]);
	ck_assert(html_has(root, "circle", NULL, "2 events") || html_has(root, "rect", NULL, "2024-06-03 23:00 UTC to 2024-06-04 23:00 UTC"));
	/* 1,100 folders against 1,000: the bar over the limit */
	ck_assert(html_has(root, "svg", NULL, "(over the limit)"));
	xmlFreeDoc(doc);
	free(html);
}
END_TEST

/* Hostile evidence stays text in HTML (the document still parses, no
 * element comes from it), control characters never reach the file. */
START_TEST(test_html_hostile)
{
	char *html = doc_of("html", -1, hostile_img(), NULL);
	xmlDocPtr doc = html_parse(html);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	size_t elements = 0;
	const char *p;

	html_no_external(root, &elements);
	ck_assert(html_has(root, "td", NULL, "<script>alert(1)</script><img src=x onerror=alert(2)> [click](http://evil.example/)"));
	ck_assert_ptr_nonnull(strstr(html, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	ck_assert(html_has(root, "pre", NULL, "sc sdset Ev```x<b>y D:"));
	for (p = html; *p; p++)
		ck_assert_msg((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t', "control character 0x%02x", *p);
	ck_assert_ptr_null(strstr(html, "\302\233"));
	xmlFreeDoc(doc);
	free(html);
}
END_TEST

/* Several sources: the summary table first, a row per image linking to it. */
START_TEST(test_html_batch)
{
	char *html = doc_of("html", 1, healthy_img, demo_img);
	xmlDocPtr doc = html_parse(html);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	const char *sum = strstr(html, "<table class=\"summary\">"), *a1, *a2;

	ck_assert(html_has(root, "h1", NULL, "vssdoctor: 2 sources"));
	ck_assert_ptr_nonnull(sum);
	ck_assert(html_has(root, "tr", NULL, "no cause found, but some checks could not run (exit status 3)none"));
	ck_assert(html_has(root, "tr", NULL, "(exit status 1)cause1, cause3, cause4Windows Server 2008 R2 Standard (build 7601)"));
	a1 = strstr(html, "<article id=\"s1\">");
	a2 = strstr(html, "<article id=\"s2\">");
	ck_assert_msg(a1 && a2 && sum < a1 && a1 < a2, "order");
	ck_assert_ptr_nonnull(strstr(sum, "<a href=\"#s2\">"));
	xmlFreeDoc(doc);
	free(html);
}
END_TEST

static char *find_chromium(void)
{
	const char *names[] = { "chromium", "chromium-browser" };
	const char *path = getenv("PATH");
	size_t i;

	for (i = 0; i < 2 && path; i++) {
		char *copy = strdup(path), *dirp, *save = NULL;

		for (dirp = strtok_r(copy, ":", &save); dirp; dirp = strtok_r(NULL, ":", &save)) {
			char *f = NULL;

			if (asprintf(&f, "%s/%s", dirp, names[i]) < 0)
				abort();
			if (access(f, X_OK) == 0) {
				free(copy);
				return f;
			}
			free(f);
		}
		free(copy);
	}
	return NULL;
}

/* The PNG's pixels: how many are not white-ish, and how many red (the
 * PRESENT marks and the bar over the limit). */
static void png_stats(const char *path, unsigned *w, unsigned *h, size_t *ink, size_t *red)
{
	png_image img;
	png_bytep buf;
	size_t i;

	memset(&img, 0, sizeof(img));
	img.version = PNG_IMAGE_VERSION;
	ck_assert_msg(png_image_begin_read_from_file(&img, path), "%s: %s", path, img.message);
	img.format = PNG_FORMAT_RGB;
	buf = malloc(PNG_IMAGE_SIZE(img));
	ck_assert_ptr_nonnull(buf);
	ck_assert_msg(png_image_finish_read(&img, NULL, buf, 0, NULL), "%s: %s", path, img.message);
	*w = img.width;
	*h = img.height;
	*ink = *red = 0;
	for (i = 0; i < (size_t)img.width * img.height; i++) {
		png_byte r = buf[3 * i], g = buf[3 * i + 1], b = buf[3 * i + 2];

		*ink += r < 200 || g < 200 || b < 200;
		*red += r > 170 && g < 90 && b < 90;
	}
	free(buf);
}

/* The oracle for rendering: headless Chromium renders the report to a PNG
 * that is not blank, and asks for no resource (the page's policy blocks
 * every load and Chromium would log it). */
START_TEST(test_html_chromium)
{
	char *chromium = find_chromium(), *html, *hpath = NULL, *png = NULL, *shot = NULL,
	     *udir = NULL, *url = NULL, *size = NULL;
	struct tu_run r;
	unsigned w, h;
	size_t ink, red;

	if (!chromium) {
		fprintf(stderr, "skip: test_html_chromium: no chromium in PATH (scripts/deps.sh installs it)\n");
		return;
	}
	html = doc_of("html", 1, all_img, NULL);
	if (asprintf(&hpath, "%s/all.html", dir) < 0 || asprintf(&png, "%s/reports-html.png", tu_env("VSSD_TMP")) < 0 ||
	    asprintf(&shot, "--screenshot=%s", png) < 0 || asprintf(&udir, "--user-data-dir=%s/chromium", dir) < 0 ||
	    asprintf(&url, "file://%s", hpath) < 0 || asprintf(&size, "--window-size=%d,%d", 1280, 2400) < 0)
		abort();
	ck_assert_int_eq(tu_write_file(hpath, html, strlen(html)), 0);
	unlink(png);
	{
		char *argv[] = { chromium, (char *)"--headless", (char *)"--no-sandbox", (char *)"--disable-gpu",
				 (char *)"--hide-scrollbars", (char *)"--no-first-run", (char *)"--enable-logging=stderr",
				 (char *)"--v=0", udir, size, shot, url, NULL };

		ck_assert_int_eq(tu_run(argv, 90, &r), 0);
	}
	ck_assert_msg(r.status == 0, "chromium: exit %d: %s", r.status, r.err);
	ck_assert_msg(strstr(r.err, "Content Security Policy") == NULL && strstr(r.err, "Failed to load") == NULL &&
		      strstr(r.err, "net::ERR_") == NULL && strstr(r.err, "Uncaught") == NULL,
		      "chromium reports a failed or blocked resource:\n%s", r.err);
	tu_run_free(&r);
	png_stats(png, &w, &h, &ink, &red);
	fprintf(stderr, "the HTML report rendered by chromium: %s (%ux%u, %zu inked pixels, %zu red)\n", png, w, h, ink, red);
	ck_assert_uint_eq(w, 1280);
	ck_assert_uint_eq(h, 2400);
	ck_assert_msg(ink > (size_t)w * h / 100, "the page is blank: %zu inked pixels", ink);
	ck_assert_msg(red > 500, "no red PRESENT marks or bar: %zu red pixels", red);
	{
		/* printed (the page's print style): a PDF of at least one page */
		char *pdf = NULL, *arg = NULL, *bytes;
		size_t n;

		if (asprintf(&pdf, "%s/reports-html.pdf", tu_env("VSSD_TMP")) < 0 ||
		    asprintf(&arg, "--print-to-pdf=%s", pdf) < 0)
			abort();
		unlink(pdf);
		{
			char *argv[] = { chromium, (char *)"--headless", (char *)"--no-sandbox",
					 (char *)"--disable-gpu", (char *)"--no-first-run",
					 (char *)"--no-pdf-header-footer", udir, arg, url, NULL };

			ck_assert_int_eq(tu_run(argv, 90, &r), 0);
		}
		ck_assert_msg(r.status == 0, "chromium --print-to-pdf: exit %d: %s", r.status, r.err);
		tu_run_free(&r);
		bytes = tu_read_file(pdf, &n);
		ck_assert_msg(bytes && n > 4096 && memcmp(bytes, "%PDF", 4) == 0, "no PDF printed: %s", pdf);
		fprintf(stderr, "the HTML report printed by chromium: %s (%zu bytes)\n", pdf, n);
		free(bytes);
		free(pdf);
		free(arg);
	}
	free(chromium);
	free(html);
	free(hpath);
	free(png);
	free(shot);
	free(udir);
	free(url);
	free(size);
}
END_TEST

/* ---- sddl --format ------------------------------------------------------- */

/* json for scripts: owner, group, control flags, ACEs with rights named
 * and in words, effective rights of SYSTEM and the writer; sddl: the
 * string alone; text unchanged. */
START_TEST(test_sddl_formats)
{
	const char *in = "O:BAG:SYD:PAI(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(D;;RP;;;AU)";
	struct tu_run r;
	json_error_t je;
	json_t *root, *aces, *ace, *eff;

	tu_vssdoctor(&r, "sddl", "--format", "sddl", in, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "O:BAG:SYD:PAI(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)(D;;RP;;;AU)\n");
	tu_run_free(&r);

	tu_vssdoctor(&r, "sddl", "--format=json", in, NULL);
	ck_assert_int_eq(r.status, 0);
	root = json_loads(r.out, 0, &je);
	ck_assert_msg(root != NULL, "not JSON: %s\n%s", je.text, r.out);
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "owner"), "name")), "BUILTIN\\Administrators");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(root, "group"), "sid")), "S-1-5-18");
	{
		json_t *flags = json_object_get(json_object_get(root, "control"), "flags"), *fl;
		size_t i;
		int prot = 0;

		json_array_foreach(flags, i, fl)
			prot |= !strcmp(json_string_value(fl), "DACL_PROTECTED");
		ck_assert_msg(prot, "no DACL_PROTECTED in the control flags");
	}
	aces = json_object_get(json_object_get(root, "dacl"), "aces");
	ck_assert_uint_eq(json_array_size(aces), 3);
	ace = json_array_get(aces, 2);
	ck_assert_str_eq(json_string_value(json_object_get(ace, "type")), "deny");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ace, "sid"), "alias")), "AU");
	ck_assert_str_eq(json_string_value(json_array_get(json_object_get(json_object_get(ace, "access"), "rights"), 0)), "START");
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(ace, "access"), "words")), "start");
	ck_assert(json_is_null(json_object_get(root, "sacl")));
	eff = json_object_get(root, "effective");
	/* SYSTEM keeps its allow; the writer's token holds AU: start denied, nothing allowed */
	ck_assert_ptr_nonnull(strstr(json_string_value(json_object_get(json_object_get(eff, "SYSTEM"), "words")), "query config"));
	ck_assert_str_eq(json_string_value(json_object_get(json_object_get(eff, "writer"), "words")), "none");
	ck_assert_uint_eq(json_array_size(json_object_get(json_object_get(eff, "writer"), "rights")), 0);
	json_decref(root);
	tu_run_free(&r);

	/* the 5-byte stub: no descriptor */
	tu_vssdoctor(&r, "sddl", "--format", "sddl", "00000e0001", NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_str_eq(r.out, "\n");
	tu_run_free(&r);
	tu_vssdoctor(&r, "sddl", "--format", "json", "00000e0001", NULL);
	root = json_loads(r.out, 0, &je);
	ck_assert_ptr_nonnull(root);
	ck_assert(json_is_true(json_object_get(root, "stub")));
	json_decref(root);
	tu_run_free(&r);

	/* text stays the default; a bad format is bad usage */
	tu_vssdoctor(&r, "sddl", in, NULL);
	ck_assert_int_eq(r.status, 0);
	ck_assert_ptr_nonnull(strstr(r.out, "effective rights ("));
	tu_run_free(&r);
	tu_vssdoctor(&r, "sddl", "--format", "xml", in, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.err, "unknown --format 'xml'"));
	tu_run_free(&r);
}
END_TEST

/* The exit status is the same whatever the format (a contract). */
START_TEST(test_format_exit_status)
{
	const char *formats[] = { "text", "json", "junit", "markdown", "html" };
	const char *imgs[] = { demo_img, healthy_img, w2003_img };
	size_t i, k;

	for (k = 0; k < sizeof(imgs) / sizeof(imgs[0]); k++) {
		struct tu_run r;
		int want;

		tu_vssdoctor(&r, "scan", "--format", "json", imgs[k], NULL);
		want = r.status;
		tu_run_free(&r);
		ck_assert_msg(want == 0 || want == 1 || want == 3, "%s: exit %d", imgs[k], want);
		for (i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
			free(doc_of(formats[i], want, imgs[k], NULL));
	}
	{
		struct tu_run r;

		tu_vssdoctor(&r, "scan", "--format", "pdf", demo_img, NULL);
		ck_assert_int_eq(r.status, 2);
		ck_assert_ptr_nonnull(strstr(r.err, "markdown or html"));
		tu_run_free(&r);
	}
}
END_TEST

/* The reports read what the scan recorded about its source when it
 * opened (issue 15: src/report reads results only): with the image and
 * the file system out of its reach, the JSON and text reports say the
 * same about the source. */
static char *report_of(const struct scan *s, int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);

	ck_assert_ptr_nonnull(m);
	if (json) {
		json_t *root = report_json_build(s);

		/* the source only: timings differ between two runs */
		ck_assert_int_eq(json_dumpf(json_object_get(root, "source"), m,
					    JSON_INDENT(2) | JSON_PRESERVE_ORDER), 0);
		json_decref(root);
	} else {
		ck_assert_int_eq(report_text(m, s, 0, 1), 0);
	}
	ck_assert_int_eq(fclose(m), 0);
	return buf;
}

START_TEST(test_source_read_once)
{
	struct scan_opts o = { .partition = -1, .offset = -1, .threshold_aspnet = -1 };
	struct scan s;
	struct err err;
	struct image *img;
	struct fs *fs;
	char *json, *text, *json2, *text2;

	err_init(&err);
	ck_assert_msg(scan_open(&s, healthy_img, &o, &err) == 0, "%s", err.msg);
	json = report_of(&s, 1);
	text = report_of(&s, 0);
	ck_assert_ptr_nonnull(strstr(json, "\"format\": \"raw\""));
	ck_assert_ptr_nonnull(strstr(json, "\"volume\": {"));
	ck_assert_ptr_nonnull(strstr(text, "raw image, "));
	ck_assert_ptr_nonnull(strstr(text, "NTFS volume at offset"));
	img = s.ev.img;
	fs = s.ev.fs;
	s.ev.img = NULL;
	s.ev.fs = NULL;
	json2 = report_of(&s, 1);
	text2 = report_of(&s, 0);
	s.ev.img = img;
	s.ev.fs = fs;
	ck_assert_str_eq(json2, json);
	ck_assert_str_eq(text2, text);
	free(json);
	free(text);
	free(json2);
	free(text2);
	scan_release(&s);
}
END_TEST

Suite *reports_suite(void);
Suite *reports_suite(void)
{
	Suite *s = suite_create("reports");
	TCase *tc = tcase_create("text");

	tcase_add_unchecked_fixture(tc, build_fixtures, free_fixtures);
	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_demo_one_screen);
	tcase_add_test(tc, test_text_no_json);
	tcase_add_test(tc, test_verbose_evidence);
	tcase_add_test(tc, test_text_hostile);
	tcase_add_test(tc, test_markdown_demo);
	tcase_add_test(tc, test_markdown_hostile);
	tcase_add_test(tc, test_markdown_batch);
	tcase_add_test(tc, test_doc_unreadable);
	tcase_add_test(tc, test_html_demo);
	tcase_add_test(tc, test_html_timeline);
	tcase_add_test(tc, test_html_hostile);
	tcase_add_test(tc, test_html_batch);
	tcase_add_test(tc, test_html_chromium);
	tcase_add_test(tc, test_sddl_formats);
	tcase_add_test(tc, test_format_exit_status);
	tcase_add_test(tc, test_source_read_once);
	suite_add_tcase(s, tc);
	return s;
}
