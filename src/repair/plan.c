/* The repair plan: from a scan's results, the changes that fix them:
 *   cause3                    Services\X\Security of CryptSvc/EventSystem
 *                             set to the rule's expected_sddl
 *   service-sd-blocks-writer  Services\X\Security set to the finding's
 *                             fixed_sddl (the writer's ACE appended)
 *   cause2, the registry findings  plan_registry.c
 *   cause1, cause4            plan_files.c
 * Every other present cause or failing finding is listed as "not repaired
 * automatically yet" with its manual fix. */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bde.h"
#include "bytes.h"
#include "rules.h"
#include "sddl.h"
#include "secdesc.h"

void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->c[i].before);
		free(p->c[i].after);
		free(p->c[i].why);
		free(p->c[i].data);
	}
	free(p->c);
	hive_replays_free(p);
	bde_writer_free(p->bde);
	json_decref(p->manual);
	json_decref(p->fixing);
	memset(p, 0, sizeof(*p));
}

static int has_change(const struct plan *p, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcasecmp(p->c[i].key, key) == 0 && strcasecmp(p->c[i].value, value) == 0)
			return 1;
	return 0;
}

const char *repair_hive_name(enum repair_hive hive)
{
	return hive == HIVE_SOFTWARE ? "SOFTWARE" : "SYSTEM";
}

const char *plan_hive_path(const struct plan *p, enum repair_hive hive)
{
	return hive == HIVE_SOFTWARE ? p->software_path : p->hive_path;
}

struct change *change_add_at(struct plan *p, const char *cause, enum repair_hive hive,
			     enum change_kind kind, const char *key, const char *value)
{
	struct change *c, *grown;

	if (p->n >= REPAIR_CHANGES_MAX)
		return NULL;
	/* room for the next power of two (cause 1 plans thousands): grown
	 * when n is 0 or a power of two */
	if ((p->n & (p->n - 1)) == 0) {
		grown = realloc(p->c, (p->n ? 2 * p->n : 1) * sizeof(*p->c));
		if (!grown)
			return NULL;
		p->c = grown;
	}
	c = &p->c[p->n];
	memset(c, 0, sizeof(*c));
	c->kind = kind;
	c->hive = hive;
	snprintf(c->cause, sizeof(c->cause), "%s", cause);
	snprintf(c->key, sizeof(c->key), "%s", key);
	snprintf(c->value, sizeof(c->value), "%s", value);
	p->n++;
	return c;
}

/* a new change of service's value (CHANGE_VALUE, its key filled) */
static struct change *change_add(struct plan *p, const char *cause, const char *service,
				 const char *value)
{
	char key[LIMIT_PATH_LEN];
	struct change *c;

	snprintf(key, sizeof(key), "%s\\Services\\%s%s", p->control_set, service,
		 strcmp(value, "Security") == 0 ? "\\Security" : "");
	c = change_add_at(p, cause, HIVE_SYSTEM, CHANGE_VALUE, key, value);
	if (c)
		snprintf(c->service, sizeof(c->service), "%s", service);
	return c;
}

void fixing_add(struct plan *p, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(p->fixing, i, v)
		if (strcmp(json_string_value(v), id) == 0)
			return;
	json_array_append_new(p->fixing, json_string(id));
}

int sddl_binary(const char *sddl, uint8_t **bin, size_t *len, struct err *err)
{
	struct secdesc sd;
	int rc;

	memset(&sd, 0, sizeof(sd));
	rc = sddl_decode(sddl, &sd, NULL, err) < 0 || secdesc_encode(&sd, bin, len, err) < 0 ? -1 : 0;
	secdesc_release(&sd);
	return rc;
}

/* A Security value set to sddl (already judged by the scan). */
static int plan_sd(struct plan *p, const char *cause, const char *service,
		   const char *before, const char *sddl, const char *why, struct err *err)
{
	struct change *c;
	uint8_t *bin = NULL;
	size_t len = 0;

	if (strlen(service) >= 200)
		return err_set(err, -E_LIMIT, "service name of %zu bytes", strlen(service));
	{
		char key[LIMIT_PATH_LEN];

		snprintf(key, sizeof(key), "%s\\Services\\%s\\Security", p->control_set, service);
		if (has_change(p, key, "Security"))
			return 0;
	}
	if (sddl_binary(sddl, &bin, &len, err) < 0)
		return err_wrap(err, "%s: expected descriptor", service);
	c = change_add(p, cause, service, "Security");
	if (!c) {
		free(bin);
		return err_set(err, -E_NOMEM, "out of memory or too many changes");
	}
	c->data = bin;
	c->len = (uint32_t)len;
	c->before = strdup(before ? before : "(not a valid descriptor)");
	c->after = strdup(sddl);
	c->why = why ? strdup(why) : NULL;
	fixing_add(p, cause);
	return 0;
}

/* The last good descriptor of service from the shadow copies (scan
 * --shadows: history.c's last_good), with *why saying where it comes from
 * (malloc'd); NULL when none (or when the SCM default applied then). */
static const char *last_good_sddl(const struct result *res, const char *service, char **why)
{
	json_t *lg;
	size_t i;

	*why = NULL;
	json_array_foreach(res->last_good, i, lg) {
		const char *kind = json_string_value(json_object_get(lg, "kind"));
		const char *svc = json_string_value(json_object_get(lg, "service"));
		const char *sddl = json_string_value(json_object_get(lg, "sddl"));

		if (!kind || strcmp(kind, "service_descriptor") != 0 || !svc || !sddl ||
		    strcasecmp(svc, service) != 0)
			continue;
		if (asprintf(why, "the last good value, from shadow copy store %d created %s",
			     (int)json_integer_value(json_object_get(lg, "store")),
			     json_string_value(json_object_get(lg, "created")) ?
			     json_string_value(json_object_get(lg, "created")) : "?") < 0)
			*why = NULL;
		return *why ? sddl : NULL;
	}
	return NULL;
}

/* cause3 / service-sd-blocks-writer: each broken service descriptor set
 * to the last good value from the shadow copies when there is one, else
 * to the rule's expected SDDL (cause3) or the finding's fixed SDDL.
 * 1 planned something, 0 nothing, <0 error. */
static int plan_descriptors(struct plan *p, const struct result *res, const char *id,
			    int *rest, struct err *err)
{
	const char *exp = json_string_value(json_object_get(res->vars, "expected_sddl"));
	json_t *ev;
	size_t k;
	int handled = 0;

	json_array_foreach(res->evidence, k, ev) {
		const char *svc = json_string_value(json_object_get(ev, "service"));
		const char *verdict = json_string_value(json_object_get(ev, "verdict"));
		const char *fixed = json_string_value(json_object_get(ev, "fixed_sddl"));
		const char *want = strcmp(id, "cause3") == 0 ? exp : fixed, *good;
		char *why = NULL;
		int rc;

		if (!svc)
			continue;
		if (json_is_false(json_object_get(ev, "exists"))) {
			*rest = 1;      /* a missing service: cause2's */
			continue;
		}
		if (strcmp(id, "cause3") == 0 && (!verdict || strcmp(verdict, "ok") == 0))
			continue;
		good = last_good_sddl(res, svc, &why);
		if (good)
			want = good;
		if (!want) {
			*rest = 1;
			continue;
		}
		rc = plan_sd(p, id, svc, json_string_value(json_object_get(ev, "sddl")), want, why, err);
		free(why);
		if (rc < 0)
			return -1;
		handled = 1;
	}
	return handled;
}

int plan_build(struct scan *s, struct plan *p, struct err *err)
{
	size_t i;

	p->manual = json_array();
	p->fixing = json_array();
	for (i = 0; i < s->nresults; i++) {
		struct result *res = &s->results[i];
		const char *id = result_id(res, i);
		int handled = 0, rest = 0;

		if (res->status != STATUS_PRESENT || !scan_result_fails(s, i))
			continue;
		if (strcmp(id, "cause3") == 0 || strcmp(id, "service-sd-blocks-writer") == 0) {
			handled = plan_descriptors(p, res, id, &rest, err);
			if (handled < 0)
				return -1;
		} else if (plan_registry_knows(id)) {
			handled = plan_registry(s, p, res, id, &rest, err);
			if (handled < 0)
				return -1;
		} else if (strcmp(id, "cause1") == 0 || strcmp(id, "cause4") == 0) {
			handled = strcmp(id, "cause1") == 0 ? plan_winsxs(s, p, res, &rest, err) :
				  plan_aspnet(p, res, &rest, err);
			if (handled < 0)
				return -1;
		} else {
			rest = 1;
		}
		if (rest || !handled)
			json_array_append_new(p->manual, json_pack("{s:s,s:s,s:s,s:O}", "id", id,
				"title", res->rule && res->rule->title ? res->rule->title : id,
				"summary", res->summary ? res->summary : "",
				"fix", res->remediation ? res->remediation : json_array()));
	}
	return 0;
}

json_t *change_json(const struct change *c)
{
	json_t *o;

	if (!change_in_hive(c)) {
		o = json_pack("{s:s,s:s,s:s,s:s,s:s}", "fixes", c->cause,
			      "path", c->key, "value", c->value,
			      "before", c->before ? c->before : "",
			      "after", c->after ? c->after : "");
		if (o && c->why)
			json_object_set_new(o, "note", json_string(c->why));
		return o;
	}
	o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "fixes", c->cause,
		      "hive", repair_hive_name(c->hive), "service", c->service, "key", c->key,
		      "value", c->value, "before", c->before ? c->before : "",
		      "after", c->after ? c->after : "");
	if (o && c->why)
		json_object_set_new(o, "after_from", json_string(c->why));
	if (o && c->create)
		json_object_set_new(o, "created", json_true());
	return o;
}

void plan_print(FILE *f, const struct plan *p, int json, const char *source, const char *into)
{
	size_t i;
	json_t *m;

	if (json) {
		json_t *root = json_object(), *arr = json_array();

		for (i = 0; i < p->n; i++)
			json_array_append_new(arr, change_json(&p->c[i]));
		json_object_set_new(root, "source", json_string(source));
		json_object_set_new(root, "hive", json_string(p->hive_path));
		if (p->software_path[0])
			json_object_set_new(root, "software_hive", json_string(p->software_path));
		json_object_set_new(root, "changes", arr);
		json_object_set(root, "fixes", p->fixing);
		json_object_set(root, "not_repaired", p->manual);
		json_dumpf(root, f, JSON_INDENT(2));
		fputc('\n', f);
		json_decref(root);
		return;
	}
	if (into)
		fprintf(f, "repair of %s into %s (%zu change%s)\n", source, into, p->n,
			p->n == 1 ? "" : "s");
	else
		fprintf(f, "repair plan for %s (%zu change%s, nothing written)\n", source, p->n,
			p->n == 1 ? "" : "s");
	for (i = 0; i < p->n; i++) {
		const struct change *c = &p->c[i];

		if (c->kind == CHANGE_HIVE_LOGS) {
			fprintf(f, "\n  [%s] %s\n    before: %s\n    after:  %s\n",
				c->cause, c->why, c->before, c->after);
			continue;
		}
		if (change_is_file(c)) {
			plan_print_file(f, p, i);
			continue;
		}
		if (c->kind == CHANGE_KEY_SD)
			fprintf(f, "\n  [%s] HKLM\\%s\\%s  %s\n    before: %s\n    after:  %s\n",
				c->cause, repair_hive_name(c->hive), c->key, c->value, c->before, c->after);
		else
			fprintf(f, "\n  [%s] HKLM\\%s\\%s  value %s\n    before: %s\n    after:  %s\n",
				c->cause, repair_hive_name(c->hive), c->key, c->value, c->before, c->after);
		if (c->why)
			fprintf(f, "            (%s)\n", c->why);
	}
	json_array_foreach(p->manual, i, m) {
		size_t k;
		json_t *line;

		fprintf(f, "\n  [%s] not repaired automatically yet: %s\n",
			json_string_value(json_object_get(m, "id")),
			json_string_value(json_object_get(m, "summary")));
		json_array_foreach(json_object_get(m, "fix"), k, line)
			fprintf(f, "    manual fix: %s\n", json_string_value(line));
	}
}
