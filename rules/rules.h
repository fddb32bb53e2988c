/* Rules as data (DESIGN.md "Rules as data"): one JSON file per rule under
 * rules/, read strictly (duplicate keys, unknown keys and wrong types are
 * errors naming file and line).  rules/README.md is the schema. */
#ifndef VSSD_RULES_H
#define VSSD_RULES_H

#include <jansson.h>
#include <stddef.h>

#include "err.h"
#include "evidence.h"

enum status { STATUS_ABSENT = 0, STATUS_PRESENT = 1, STATUS_UNKNOWN = 2 };
const char *status_name(enum status st);

struct rule;

/* What a judge decides for one rule on one scan's evidence. */
struct result {
	const struct rule *rule;
	enum status status;
	char *summary;               /* one sentence, malloc'd */
	json_t *evidence;            /* array of evidence objects */
	json_t *vars;                /* placeholder values for the remediation */
	json_t *remediation;         /* expanded lines, filled by the engine */
	json_t *last_good;           /* --shadows: array of values as they were
				      * in the newest shadow copy where this
				      * was right (history.c), or NULL */
	char *by_events;             /* present only through the event logs,
				      * the rule's own disk check having found
				      * it absent: which, "LABEL (n events)"
				      * (scan.c's run_events), malloc'd; else
				      * NULL */
};


enum rule_kind { RULE_CAUSE, RULE_FINDING };

/* The seed's four causes (causes.c): the first SEED_CAUSES results of
 * every scan are theirs, in this order, with these ids and titles when the
 * rules folder has no rule for one. */
#define SEED_CAUSES 4
struct seed_cause {
	const char *id;
	const char *title;
};
extern const struct seed_cause seed_causes[SEED_CAUSES];

struct check_def;

struct rule {
	char *id;                    /* "cause1", "service-sd-blocks-writer" */
	char *file;                  /* where it came from */
	enum rule_kind kind;
	char *title;
	const struct check_def *check;
	json_t *params;              /* validated by the check's param table */
	json_t *summary;             /* {"present": "...", "absent": "...", "unknown": "..."} */
	json_t *remediation;         /* array of template lines */
	json_t *references;          /* array of strings */
	json_t *events;              /* array of event specs, may be NULL */
	int fails;                   /* present => exit status 1 (causes, and
				      * findings with "severity": "failure") */
};

/* A check returns this when its rule does not apply to this scan (e.g. the
 * drift check without --baseline): the result is left out of the report. */
#define CHECK_NOT_APPLICABLE 1

/* A check, the judgment of one kind of rule (rules/checks/): it reads the
 * evidence through its collectors (src/evidence/, each loading what it
 * needs on first use) and fills res->status, res->summary (optional: the
 * rule's summary template is used when NULL), res->evidence and res->vars.
 * It returns 0, or <0 when the check could not run (the engine turns that
 * into `unknown` with err's message). */
typedef int (*check_fn)(const struct evidence *ev, const struct rule *r,
			struct result *res, struct err *err);

enum param_type { PARAM_STRING, PARAM_INT, PARAM_BOOL, PARAM_ARRAY, PARAM_OBJECT };

/* shape: what the value must hold, checked at load with the JSON path
 * of the first mistake ("writer_token[0]: expected a string"):
 *   s string   i integer   b boolean   [X] array of X   {X} object of X
 *   t a writer-token entry: a SID string ("S-1-5-20") or "service:NAME"
 *   d a descriptor in SDDL   r service rights in SDDL ("CCLC")
 * NULL: only the type is checked. */
struct param_def {
	const char *name;
	enum param_type type;
	int required;
	const char *shape;
};

enum check_flags {
	/* decided by the rule's "events" specs alone: its "absent" sentence
	 * is about the logs, and unreadable logs make it unknown (scan.c) */
	CHECK_EVENTS_ONLY = 1 << 0,
};

struct check_def {
	const char *name;
	check_fn fn;
	const struct param_def *params;   /* NULL-name terminated */
	const char *const *vars;          /* template variables it sets, NULL-terminated */
	unsigned flags;                   /* enum check_flags */
};

/* The rules folder when the user names none: $VSSDOCTOR_RULES, else the
 * source tree's rules/ beside a built binary (build/vssdoctor), else the
 * installed share/vssdoctor/rules beside bin/, else VSSD_RULES_DIR. */
const char *rules_default_dir(char *buf, size_t size);

/* The table of every check the engine knows (checks/table.c). */
const struct check_def *check_find(const char *name);

/* Load every *.json of dir, sorted: the causes cause1..cause4 first in that
 * order, then the findings by id.  Returns 0 (*rules malloc'd array) or <0
 * with "file:line: why". */
int rules_load(const char *dir, struct rule **rules, size_t *count,
	       struct err *err);
/* Load one rule file (used by rules_load and the fuzz target). */
int rule_parse(const char *file, const char *text, size_t len, struct rule *r,
	       struct err *err);
void rules_free(struct rule *rules, size_t count);
void rule_release(struct rule *r);

/* Param accessors (validated at load, so types are right). */
const char *rule_param_str(const struct rule *r, const char *name, const char *def);
long long rule_param_int(const struct rule *r, const char *name, long long def);
json_t *rule_param(const struct rule *r, const char *name);

/* Expand the rule's remediation templates with res->vars into
 * res->remediation: "{name}" is replaced by the var's value; a line naming
 * an array var is repeated once per element. */
int rule_expand_remediation(const struct rule *r, struct result *res,
			    struct err *err);

/* Fill "{name}" placeholders of tmpl from vars (strings and numbers). */
char *rule_fill(const char *tmpl, json_t *vars, size_t index);

#endif
