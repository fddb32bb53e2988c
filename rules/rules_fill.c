/* What a judge reads of its rule (rule_param*) and the remediation it
 * fills in: "{name}" placeholders from a result's vars, a line repeated
 * per element of an array it names (rules.h). */
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

json_t *rule_param(const struct rule *r, const char *name)
{
	return json_object_get(r->params, name);
}

const char *rule_param_str(const struct rule *r, const char *name, const char *def)
{
	json_t *v = rule_param(r, name);

	return json_is_string(v) ? json_string_value(v) : def;
}

long long rule_param_int(const struct rule *r, const char *name, long long def)
{
	json_t *v = rule_param(r, name);

	return json_is_integer(v) ? (long long)json_integer_value(v) : def;
}

struct sbuf {
	char *p;
	size_t len, cap;
};

static int sb_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = (b->len + n + 1) * 2;
		char *np = realloc(b->p, cap);

		if (!np)
			return -1;
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return 0;
}

static int sb_value(struct sbuf *b, json_t *v)
{
	char num[64];

	if (json_is_string(v))
		return sb_add(b, json_string_value(v), strlen(json_string_value(v)));
	if (json_is_integer(v)) {
		snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
		return sb_add(b, num, strlen(num));
	}
	if (json_is_real(v)) {
		snprintf(num, sizeof(num), "%g", json_real_value(v));
		return sb_add(b, num, strlen(num));
	}
	return 0;
}

char *rule_fill(const char *tmpl, json_t *vars, size_t index)
{
	struct sbuf b = { NULL, 0, 0 };
	const char *p = tmpl, *open, *close;

	if (sb_add(&b, "", 0) < 0)
		return NULL;
	while ((open = strchr(p, '{')) && (close = strchr(open, '}'))) {
		char name[128];
		size_t n = (size_t)(close - open - 1);
		json_t *v;

		if (sb_add(&b, p, (size_t)(open - p)) < 0)
			goto fail;
		if (n == 0 || n >= sizeof(name)) {
			if (sb_add(&b, open, (size_t)(close - open + 1)) < 0)
				goto fail;
			p = close + 1;
			continue;
		}
		memcpy(name, open + 1, n);
		name[n] = '\0';
		v = vars ? json_object_get(vars, name) : NULL;
		if (json_is_array(v))
			v = json_array_get(v, index);
		if (v) {
			if (sb_value(&b, v) < 0)
				goto fail;
		} else if (sb_add(&b, open, n + 2) < 0) {
			goto fail;   /* unknown placeholder stays visible */
		}
		p = close + 1;
	}
	if (sb_add(&b, p, strlen(p)) < 0)
		goto fail;
	return b.p;
fail:
	free(b.p);
	return NULL;
}

/* How many times a template line repeats: the length of the array vars it
 * names (the shortest, if several), else 1. */
static size_t repeat_count(const char *tmpl, json_t *vars)
{
	const char *p = tmpl, *open, *close;
	size_t reps = 1;
	int has_array = 0;

	while ((open = strchr(p, '{')) && (close = strchr(open, '}'))) {
		char name[128];
		size_t n = (size_t)(close - open - 1);
		json_t *v;

		p = close + 1;
		if (n == 0 || n >= sizeof(name))
			continue;
		memcpy(name, open + 1, n);
		name[n] = '\0';
		v = vars ? json_object_get(vars, name) : NULL;
		if (json_is_array(v)) {
			if (!has_array || json_array_size(v) < reps)
				reps = json_array_size(v);
			has_array = 1;
		}
	}
	return reps;
}

int rule_expand_remediation(const struct rule *r, struct result *res,
			    struct err *err)
{
	size_t i, k, reps;
	json_t *line;

	if (!res->remediation)
		res->remediation = json_array();
	if (!res->remediation)
		return err_set(err, -E_NOMEM, "out of memory");
	json_array_foreach(r->remediation, i, line) {
		const char *tmpl = json_string_value(line);

		reps = repeat_count(tmpl, res->vars);
		for (k = 0; k < reps; k++) {
			char *s = rule_fill(tmpl, res->vars, k);

			if (!s)
				return err_set(err, -E_NOMEM, "out of memory");
			json_array_append_new(res->remediation, json_string(s));
			free(s);
		}
	}
	return 0;
}
