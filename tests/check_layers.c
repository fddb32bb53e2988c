/* make layers (scripts/layers.py): in a small tree laid out like the
 * product (the Makefile's LAYERS, lowest first), each planted violation
 * fails the check with its one line, and a clean tree passes.  The
 * script and the layer order come from the source tree ($VSSD_SRC). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

#define MAX_LAYERS 32

static char *layers[MAX_LAYERS];
static size_t nlayers;

/* The Makefile's `LAYERS := ...` line, so the test follows the order
 * `make layers` uses. */
static void read_layers(void)
{
	char *mk = NULL, *path = NULL, *line, *save = NULL, *tok;

	if (asprintf(&path, "%s/Makefile", tu_env("VSSD_SRC")) < 0)
		abort();
	mk = tu_read_file(path, NULL);
	ck_assert_msg(mk != NULL, "cannot read '%s'", path);
	for (line = strtok_r(mk, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
		if (strncmp(line, "LAYERS", 6) == 0 && strstr(line, ":="))
			break;
	ck_assert_msg(line != NULL, "no LAYERS := line in '%s'", path);
	nlayers = 0;
	for (tok = strtok_r(strstr(line, ":=") + 2, " \t", &save); tok && nlayers < MAX_LAYERS;
	     tok = strtok_r(NULL, " \t", &save))
		layers[nlayers++] = strdup(tok);
	ck_assert_uint_ge(nlayers, 2);
	free(mk);
	free(path);
}

/* The last part of a layer's folder: its module name in the tree. */
static const char *modname(const char *layer)
{
	const char *s = strrchr(layer, '/');

	return s ? s + 1 : layer;
}

static void put(const char *root, const char *rel, const char *text)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", root, rel) < 0)
		abort();
	ck_assert_msg(tu_write_file(p, text, strlen(text)) == 0, "cannot write '%s'", p);
	free(p);
}

/* text of n lines: the head, then fill lines, then the tail lines. */
static char *lines_of(const char *head, size_t n, const char *fill, const char *tail)
{
	size_t hl = 0, tl = 0, i;
	const char *c;
	char *b, *w;

	for (c = head; *c; c++)
		hl += *c == '\n';
	for (c = tail; *c; c++)
		tl += *c == '\n';
	ck_assert_uint_ge(n, hl + tl);
	b = malloc(strlen(head) + strlen(tail) + strlen(fill) * n + 1);
	if (!b)
		abort();
	w = stpcpy(b, head);
	for (i = hl + tl; i < n; i++)
		w = stpcpy(w, fill);
	strcpy(w, tail);
	return b;
}

/* A clean tree: in each layer NAME.h and NAME.c, which includes its own
 * header and the layer below's; a file of exactly 700 lines and a
 * function of exactly 120; testdata/lib/scenario.h beside the product. */
static char *clean_tree(const char *tag)
{
	char *root = tu_tmpdir(tag), *rel = NULL, *text = NULL;
	size_t i;

	for (i = 0; i < nlayers; i++) {
		const char *m = modname(layers[i]);

		ck_assert_int_eq(tu_sh("mkdir -p '%s/%s'", root, layers[i]), 0);
		if (asprintf(&rel, "%s/%s.h", layers[i], m) < 0 ||
		    asprintf(&text, "#ifndef %s_H\n#define %s_H\nint %s_fn(void);\n#endif\n", m, m, m) < 0)
			abort();
		put(root, rel, text);
		free(rel);
		free(text);
		if (asprintf(&rel, "%s/%s.c", layers[i], m) < 0 ||
		    asprintf(&text, "#include <stdio.h>\n#include \"%s.h\"\n%s%s%s\nint %s_fn(void)\n{\n\treturn 0;\n}\n",
			     m, i ? "#include \"" : "", i ? modname(layers[i - 1]) : "",
			     i ? ".h\"" : "", m) < 0)
			abort();
		put(root, rel, text);
		free(rel);
		free(text);
	}
	text = lines_of("/* as long as a file may be:\n", 700, " * a line\n", " */\n");
	if (asprintf(&rel, "%s/edge_file.c", layers[1]) < 0)
		abort();
	put(root, rel, text);
	free(rel);
	free(text);
	text = lines_of("int edge_fn(int x)\n{\n", 121, "\tx++;\n", "\treturn x;\n}\n");
	if (asprintf(&rel, "%s/edge_fn.c", layers[nlayers - 1]) < 0)
		abort();
	put(root, rel, text);
	free(rel);
	free(text);
	ck_assert_int_eq(tu_sh("mkdir -p '%s/testdata/lib'", root), 0);
	put(root, "testdata/lib/scenario.h", "int scenario_build(void);\n");
	return root;
}

/* The number of product files clean_tree writes. */
static size_t clean_files(void)
{
	return 2 * nlayers + 2;
}

/* Run the source tree's scripts/layers.py on root; the exit status, and
 * the report (stdout) and the summary (stderr) compared in full. */
static void expect(const char *root, int status, const char *out, size_t files, size_t nbad)
{
	char *script = NULL, *summary = NULL;
	char *argv[MAX_LAYERS + 5];
	struct tu_run r;
	size_t i, n = 0;

	if (asprintf(&script, "%s/scripts/layers.py", tu_env("VSSD_SRC")) < 0 ||
	    asprintf(&summary, "layers: %zu files in %zu layers, %zu against the order or the sizes\n",
		     files, nlayers, nbad) < 0)
		abort();
	argv[n++] = (char *)"/usr/bin/python3";
	argv[n++] = script;
	argv[n++] = (char *)"--root";
	argv[n++] = (char *)root;
	for (i = 0; i < nlayers; i++)
		argv[n++] = layers[i];
	argv[n] = NULL;
	ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	ck_assert_msg(r.status == status, "exit %d, not %d: %s%s", r.status, status, r.out, r.err);
	ck_assert_str_eq(r.out, out);
	ck_assert_str_eq(r.err, summary);
	tu_run_free(&r);
	free(script);
	free(summary);
}

/* A clean tree with one more file, rel, holding text: one violation,
 * reported as line. */
static void planted(const char *tag, const char *rel, const char *text, const char *line)
{
	char *root, *out = NULL;

	read_layers();
	root = clean_tree(tag);
	put(root, rel, text);
	if (asprintf(&out, "%s\n", line) < 0)
		abort();
	expect(root, 1, out, clean_files() + 1, 1);
	tu_sh("rm -rf '%s'", root);
	free(out);
	free(root);
}

START_TEST(test_clean_tree_passes)
{
	char *root;

	read_layers();
	root = clean_tree("layers-clean");
	expect(root, 0, "", clean_files(), 0);
	tu_sh("rm -rf '%s'", root);
	free(root);
}
END_TEST

START_TEST(test_upward_include)
{
	planted("layers-up", "parsers/sid_name.c",
		"/* a parser reaching up into the engine */\n#include \"rules.h\"\n",
		"parsers/sid_name.c:2: \"rules.h\" is in rules, a layer above parsers");
}
END_TEST

START_TEST(test_sideways_up_include)
{
	planted("layers-side", "src/report/report_fix.c",
		"#include \"report.h\"\n#include \"repair.h\"\n",
		"src/report/report_fix.c:2: \"repair.h\" is in src/repair, a layer above src/report");
}
END_TEST

START_TEST(test_testdata_header)
{
	planted("layers-td", "src/cli/demo.c",
		"#include \"cli.h\"\n#include \"scenario.h\"\n",
		"src/cli/demo.c:2: \"scenario.h\" is in no layer (testdata and tests are not the product)");
}
END_TEST

START_TEST(test_file_too_long)
{
	char *text = lines_of("/* one line too many:\n", 701, " * a line\n", " */\n");

	planted("layers-701", "src/evidence/events_big.c", text,
		"src/evidence/events_big.c: 701 lines (at most 700)");
	free(text);
}
END_TEST

START_TEST(test_function_too_long)
{
	char *text = lines_of("/* one function too long */\nstatic int judge_all(int x)\n{\n", 123,
			      "\tx++;\n", "\treturn x;\n}\n");

	planted("layers-121", "rules/checks/judge_all.c", text,
		"rules/checks/judge_all.c:2: function judge_all: 121 lines (at most 120)");
	free(text);
}
END_TEST

START_TEST(test_json_in_parsers)
{
	planted("layers-json", "parsers/sddl_json.c",
		"#include <stdio.h>\n#include <jansson.h>\n#include \"parsers.h\"\n",
		"parsers/sddl_json.c:2: <jansson.h>: parsers/ hold no JSON");
}
END_TEST

Suite *layers_suite(void);
Suite *layers_suite(void)
{
	Suite *s = suite_create("layers");
	TCase *tc = tcase_create("layers");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_test(tc, test_clean_tree_passes);
	tcase_add_test(tc, test_upward_include);
	tcase_add_test(tc, test_sideways_up_include);
	tcase_add_test(tc, test_testdata_header);
	tcase_add_test(tc, test_file_too_long);
	tcase_add_test(tc, test_function_too_long);
	tcase_add_test(tc, test_json_in_parsers);
	suite_add_tcase(s, tc);
	return s;
}
