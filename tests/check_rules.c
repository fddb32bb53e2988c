/* Rules as data: strict loading (file:line on every mistake) and the
 * remediation templates. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "testutil.h"

#define GOOD_RULE \
	"{\n" \
	"  \"id\": \"t1\",\n" \
	"  \"kind\": \"finding\",\n" \
	"  \"title\": \"a test\",\n" \
	"  \"check\": \"events\",\n" \
	"  \"remediation\": [\"fix {service}\"]\n" \
	"}\n"

static const struct {
	const char *name;
	const char *text;
	const char *want;      /* substring of the error, NULL = loads */
} vectors[] = {
	{ "good", GOOD_RULE, NULL },
	{ "not json", "{ \"id\": ", "t.json:1:" },
	{ "duplicate key", "{\n\"id\": \"a\",\n\"id\": \"b\"\n}\n", "t.json:3: duplicate object key" },
	{ "unknown key",
	  "{\n  \"id\": \"t1\",\n  \"kind\": \"finding\",\n  \"title\": \"x\",\n  \"check\": \"events\",\n  \"colour\": 1\n}\n",
	  "t.json:6: unknown key 'colour'" },
	{ "bad kind",
	  "{\"id\": \"t1\", \"kind\": \"maybe\", \"title\": \"x\", \"check\": \"events\"}",
	  "'kind' is \"cause\" or \"finding\"" },
	{ "unknown check",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"magic\"}",
	  "unknown check 'magic'" },
	{ "missing title",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"check\": \"events\"}",
	  "'title' must be a non-empty string" },
	{ "unknown param",
	  "{\"id\": \"c\", \"kind\": \"cause\", \"title\": \"x\", \"check\": \"framework_folders\",\n"
	  " \"params\": {\"limit\": 5,\n \"colour\": 2}}",
	  "t.json:3: unknown parameter 'colour'" },
	{ "param type",
	  "{\"id\": \"c\", \"kind\": \"cause\", \"title\": \"x\", \"check\": \"framework_folders\",\n"
	  " \"params\": {\"limit\": \"many\"}}",
	  "t.json:2: parameter 'limit' has the wrong type" },
	{ "remediation type",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\", \"remediation\": [1]}",
	  "'remediation' must be an array of strings" },
	{ "event spec key",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\",\n"
	  " \"events\": [{\"log\": \"System\", \"provider\": \"p\", \"ids\": [1],\n \"colour\": 1}]}",
	  "t.json:3: unknown key 'colour' in an event spec" },
	{ "event spec incomplete",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\",\n"
	  " \"events\": [{\"log\": \"System\"}]}",
	  "needs 'log', 'provider' and 'ids'" },
	{ "summary status",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\", \"summary\": {\"maybe\": \"x\"}}",
	  "'summary' maps present/absent/unknown" },
	{ "array root", "[]", "a rule is a JSON object" },
};

START_TEST(test_rule_vectors)
{
	struct rule r;
	struct err err;
	const char *text = vectors[_i].text;
	int rc;

	err_init(&err);
	rc = rule_parse("t.json", text, strlen(text), &r, &err);
	if (!vectors[_i].want) {
		ck_assert_msg(rc == 0, "%s: %s", vectors[_i].name, err.msg);
		rule_release(&r);
		return;
	}
	ck_assert_msg(rc < 0, "%s: loaded", vectors[_i].name);
	ck_assert_msg(strstr(err.msg, vectors[_i].want) != NULL, "%s: got '%s', want '%s'",
		      vectors[_i].name, err.msg, vectors[_i].want);
}
END_TEST

START_TEST(test_shipped_rules_load)
{
	struct rule *rules = NULL;
	size_t n = 0, i, causes = 0;
	struct err err;

	err_init(&err);
	ck_assert_msg(rules_load(tu_env("VSSD_RULES"), &rules, &n, &err) == 0, "%s", err.msg);
	ck_assert_int_ge(n, 4);
	for (i = 0; i < n; i++)
		causes += rules[i].kind == RULE_CAUSE;
	ck_assert_int_eq(causes, 4);
	/* causes first, in order */
	ck_assert_str_eq(rules[0].id, "cause1");
	ck_assert_str_eq(rules[3].id, "cause4");
	rules_free(rules, n);
}
END_TEST

START_TEST(test_duplicate_ids)
{
	char *dir = tu_tmpdir("rules-dup");
	struct rule *rules = NULL;
	size_t n = 0;
	struct err err;
	char *p = NULL;

	if (asprintf(&p, "%s/a.json", dir) < 0)
		abort();
	tu_write_file(p, GOOD_RULE, strlen(GOOD_RULE));
	free(p);
	if (asprintf(&p, "%s/b.json", dir) < 0)
		abort();
	tu_write_file(p, GOOD_RULE, strlen(GOOD_RULE));
	free(p);
	err_init(&err);
	ck_assert_int_lt(rules_load(dir, &rules, &n, &err), 0);
	ck_assert_msg(strstr(err.msg, "rule id 't1' already used") != NULL, "%s", err.msg);
	free(dir);
}
END_TEST

START_TEST(test_missing_cause_rule_is_unknown)
{
	char *dir = tu_tmpdir("rules-partial");
	struct tu_run r;
	char *img = NULL;
	struct err err;

	ck_assert_int_eq(tu_sh("cp '%s/cause1.json' '%s/'", tu_env("VSSD_RULES"), dir), 0);
	if (asprintf(&img, "%s/v.img", dir) < 0)
		abort();
	ck_assert_int_eq(tu_sh("printf 'os 2008r2\\n' | '%s/mkscenario' '%s' -", tu_env("VSSD_TOOLS"), img), 0);
	err_init(&err);
	tu_vssdoctor(&r, "scan", "--format", "json", "--rules", dir, img, NULL);
	ck_assert_int_ne(r.status, 2);
	ck_assert_ptr_nonnull(strstr(r.out, "no rule for cause2 in the rules folder"));
	ck_assert_ptr_nonnull(strstr(r.out, "\"id\": \"cause4\""));
	tu_run_free(&r);
	free(img);
	free(dir);
}
END_TEST

START_TEST(test_bad_rules_dir_fails_scan)
{
	char *dir = tu_tmpdir("rules-bad");
	struct tu_run r;
	char *p = NULL;

	if (asprintf(&p, "%s/x.json", dir) < 0)
		abort();
	tu_write_file(p, "{\"id\": 1}", 9);
	tu_vssdoctor(&r, "scan", "--rules", dir, p, NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "x.json:1:") != NULL, "%s", r.err);
	tu_run_free(&r);
	free(p);
	free(dir);
}
END_TEST

START_TEST(test_templates)
{
	json_t *vars = json_pack("{s:[s,s], s:s, s:i}", "service", "CryptSvc", "EventSystem",
				 "sddl", "D:(A;;CC;;;SY)", "n", 3);
	char *s;

	s = rule_fill("sc sdset {service} {sddl} ({n}) {nothing} {}", vars, 1);
	ck_assert_str_eq(s, "sc sdset EventSystem D:(A;;CC;;;SY) (3) {nothing} {}");
	free(s);
	{
		struct rule r;
		struct result res;
		struct err err;
		const char *text = GOOD_RULE;

		err_init(&err);
		ck_assert_int_eq(rule_parse("t.json", text, strlen(text), &r, &err), 0);
		memset(&res, 0, sizeof(res));
		res.vars = vars;
		ck_assert_int_eq(rule_expand_remediation(&r, &res, &err), 0);
		ck_assert_int_eq(json_array_size(res.remediation), 2);
		ck_assert_str_eq(json_string_value(json_array_get(res.remediation, 0)), "fix CryptSvc");
		ck_assert_str_eq(json_string_value(json_array_get(res.remediation, 1)), "fix EventSystem");
		json_decref(res.remediation);
		rule_release(&r);
	}
	json_decref(vars);
}
END_TEST

Suite *rules_suite(void);
Suite *rules_suite(void)
{
	Suite *s = suite_create("rules");
	TCase *tc = tcase_create("load");

	tcase_set_timeout(tc, TEST_TIMEOUT);
	tcase_add_loop_test(tc, test_rule_vectors, 0, (int)(sizeof(vectors) / sizeof(vectors[0])));
	tcase_add_test(tc, test_shipped_rules_load);
	tcase_add_test(tc, test_duplicate_ids);
	tcase_add_test(tc, test_missing_cause_rule_is_unknown);
	tcase_add_test(tc, test_bad_rules_dir_fails_scan);
	tcase_add_test(tc, test_templates);
	suite_add_tcase(s, tc);
	return s;
}
