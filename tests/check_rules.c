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
	"  \"check\": \"service_descriptors\",\n" \
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
	/* issue 14: every value checked at load, with its JSON path */
	{ "writer_token number",
	  "{\"id\": \"c\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"baseline_drift\",\n"
	  " \"params\": {\"writer_token\": [5], \"needed_services\": [\"VSS\"],\n"
	  " \"scm_default_sddl\": \"D:(A;;CC;;;SY)\"}}",
	  "t.json:2: writer_token[0]: expected a string" },
	{ "writer_token not a SID",
	  "{\"id\": \"c\", \"kind\": \"cause\", \"title\": \"x\", \"check\": \"service_descriptors\",\n"
	  " \"params\": {\"writer_token\": [\"S-1-5-20\", \"NETWORK SERVICE\"]}}",
	  "writer_token[1]: expected a SID (\"S-1-5-20\") or \"service:NAME\"" },
	{ "expected_sddl not SDDL",
	  "{\"id\": \"c\", \"kind\": \"cause\", \"title\": \"x\", \"check\": \"service_descriptors\",\n"
	  " \"params\": {\"expected_sddl\": \"D:(A;;CCLC;;;SY\"}}",
	  "expected_sddl: expected a descriptor in SDDL" },
	{ "require rights",
	  "{\"id\": \"c\", \"kind\": \"cause\", \"title\": \"x\", \"check\": \"service_descriptors\",\n"
	  " \"params\": {\"require\": {\"SY\": [\"CCLC\", \"QQ\"]}}}",
	  "require.SY[1]: expected access rights in SDDL" },
	{ "limit negative",
	  "{\"id\": \"c\", \"kind\": \"cause\", \"title\": \"x\", \"check\": \"framework_folders\",\n"
	  " \"params\": {\"limit\": -1}}",
	  "limit: expected a whole number" },
	{ "capi2 typo",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\",\n"
	  " \"events\": [{\"log\": \"Application\", \"provider\": \"p\", \"ids\": [513],\n"
	  " \"capi2\": \"core_csi_acess_denied\"}]}",
	  "t.json:3: events[0].capi2: expected one of core_csi_access_denied" },
	{ "log typo",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\",\n"
	  " \"events\": [{\"log\": \"System\", \"provider\": \"p\", \"ids\": [1]}, {\"log\": \"Aplication\", \"provider\": \"p\", \"ids\": [1]}]}",
	  "t.json:2: events[1].log: expected \"Application\", \"System\" or \"CAPI2\"" },
	{ "event id range",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\",\n"
	  " \"events\": [{\"log\": \"System\", \"provider\": \"p\", \"ids\": [7036, 70000]}]}",
	  "events[0].ids[1]: expected an event id 0..65535" },
	{ "makes_present type",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\",\n"
	  " \"events\": [{\"log\": \"System\", \"provider\": \"p\", \"ids\": [1], \"makes_present\": \"yes\"}]}",
	  "events[0].makes_present: expected true or false" },
	{ "unknown placeholder",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"win2003\",\n"
	  " \"remediation\": [\"see KB 940184\", \"reinstall {prodcut}\"]}",
	  "remediation[1]: expected only variables of check 'win2003' (product), not {prodcut}" },
	{ "placeholder in summary",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\",\n"
	  " \"summary\": {\"present\": \"{service} failed\"}}",
	  "summary.present: expected only variables of check 'events' (none), not {service}" },
	{ "cause id",
	  "{\"id\": \"cause5\", \"kind\": \"cause\", \"title\": \"x\", \"check\": \"events\"}",
	  "t.json:1: id: expected cause1, cause2, cause3 or cause4 for a rule of kind \"cause\"" },
	{ "seed id as finding",
	  "{\"id\": \"cause2\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\"}",
	  "kind: expected \"cause\" for the seed cause ids" },
	{ "id characters",
	  "{\"id\": \"My Rule\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\"}",
	  "id: expected lowercase letters, digits and '-'" },
	{ "braces that are text",
	  "{\"id\": \"t1\", \"kind\": \"finding\", \"title\": \"x\", \"check\": \"events\",\n"
	  " \"remediation\": [\"writer {E8132975-6F93-4464-A53E-1050253AE220} {} {2x}\"]}",
	  NULL },
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

/* Issue 14: a hand-edited rules folder: a FIFO named *.json is refused
 * without blocking; a number in drift.json's writer_token stops the scan
 * with one line naming file and path (it crashed a baseline comparison). */
START_TEST(test_hostile_rules_dir)
{
	char *dir = tu_tmpdir("rules-hostile");
	struct rule *rules = NULL;
	size_t n = 0;
	struct tu_run r;
	struct err err;

	ck_assert_int_eq(tu_sh("cp '%s'/*.json '%s/' && mkfifo '%s/zz.json'", tu_env("VSSD_RULES"),
			       dir, dir), 0);
	err_init(&err);
	ck_assert_int_lt(rules_load(dir, &rules, &n, &err), 0);
	ck_assert_msg(strstr(err.msg, "zz.json: not a regular file: refused") != NULL, "%s", err.msg);

	ck_assert_int_eq(tu_sh("rm '%s/zz.json' && sed -i 's/\"S-1-5-20\",/5,/' '%s/drift.json'",
			       dir, dir), 0);
	tu_vssdoctor(&r, "scan", "--rules", dir, "/nonexistent", NULL);
	ck_assert_int_eq(r.status, 2);
	ck_assert_msg(strstr(r.err, "drift.json:") && strstr(r.err, ": writer_token[0]: expected a string\n"),
		      "%s", r.err);
	ck_assert_msg(strchr(r.err, '\n') == r.err + r.err_len - 1, "not one line: %s", r.err);
	tu_run_free(&r);
	free(dir);
}
END_TEST

/* Every shipped rule passes the JSON Schema (schema/rules.schema.json),
 * checked by python3-jsonschema: the schema and the C loader agree. */
START_TEST(test_shipped_rules_schema)
{
	if (tu_sh("python3 -c 'import jsonschema' 2>/dev/null") != 0) {
		fprintf(stderr, "skip: rules schema: python3-jsonschema is not installed\n");
		return;
	}
	ck_assert_int_eq(tu_sh("cd '%s' && python3 -c '"
			       "import json,sys,glob,jsonschema\n"
			       "s=json.load(open(\"schema/rules.schema.json\"))\n"
			       "jsonschema.Draft7Validator.check_schema(s)\n"
			       "v=jsonschema.Draft7Validator(s)\n"
			       "bad=0\n"
			       "for f in sorted(glob.glob(\"rules/*.json\")):\n"
			       "  for e in v.iter_errors(json.load(open(f))):\n"
			       "    print(f, list(e.path), e.message); bad+=1\n"
			       "d=json.load(open(\"rules/drift.json\")); d[\"params\"][\"writer_token\"][0]=5\n"
			       "assert not v.is_valid(d), \"schema accepts a number as writer token\"\n"
			       "e=json.load(open(\"rules/cause1.json\")); e[\"events\"][0][\"log\"]=\"Aplication\"\n"
			       "assert not v.is_valid(e), \"schema accepts log Aplication\"\n"
			       "e=json.load(open(\"rules/cause1.json\")); e[\"events\"][0][\"capi2\"]=\"core_csi_acess_denied\"\n"
			       "assert not v.is_valid(e), \"schema accepts a capi2 typo\"\n"
			       "sys.exit(1 if bad else 0)'", tu_env("VSSD_SRC")), 0);
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
	tcase_add_test(tc, test_hostile_rules_dir);
	tcase_add_test(tc, test_shipped_rules_schema);
	suite_add_tcase(s, tc);
	return s;
}
