/* Rule loading and remediation templates. */
#define _GNU_SOURCE
#include "rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capi2.h"
#include "events.h"
#include "limits.h"
#include "sddl.h"
#include "sid.h"

static const char *const top_keys[] = {
	"id", "kind", "title", "check", "params", "summary", "remediation",
	"references", "events", "description", "severity", NULL,
};

static const char *const event_keys[] = {
	"log", "provider", "ids", "capi2", "text_contains", "makes_present",
	"label", "services", NULL,
};

/* The line of the first occurrence of "key" used as a key after pos. */
static unsigned line_of_key(const char *text, size_t len, const char *key)
{
	char pat[300];
	const char *p;
	unsigned line = 1;
	size_t i;

	snprintf(pat, sizeof(pat), "\"%s\"", key);
	p = memmem(text, len, pat, strlen(pat));
	if (!p)
		return 0;
	for (i = 0; text + i < p; i++)
		if (text[i] == '\n')
			line++;
	return line;
}

static int in_list(const char *k, const char *const *list)
{
	for (; *list; list++)
		if (strcmp(k, *list) == 0)
			return 1;
	return 0;
}

static int bad(struct err *err, const char *file, const char *text, size_t len,
	       const char *key, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

static int bad(struct err *err, const char *file, const char *text, size_t len,
	       const char *key, const char *fmt, ...)
{
	char why[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return err_set(err, -E_USAGE, "%s:%u: %s", file,
		       key ? line_of_key(text, len, key) : 1, why);
}

static int string_array(json_t *v)
{
	size_t i;
	json_t *e;

	if (!json_is_array(v))
		return 0;
	json_array_foreach(v, i, e)
		if (!json_is_string(e))
			return 0;
	return 1;
}

static int param_type_ok(json_t *v, enum param_type t)
{
	switch (t) {
	case PARAM_STRING: return json_is_string(v);
	case PARAM_INT: return json_is_integer(v);
	case PARAM_BOOL: return json_is_boolean(v);
	case PARAM_ARRAY: return json_is_array(v);
	case PARAM_OBJECT: return json_is_object(v);
	}
	return 0;
}

/* ---- shapes (struct param_def.shape) ------------------------------------ */

struct vctx {
	const char *file, *text;
	size_t len;
	const char *key;          /* for the line number */
	struct err *err;
};

static int expected(const struct vctx *c, const char *path, const char *what)
{
	return err_set(c->err, -E_USAGE, "%s:%u: %s: expected %s", c->file,
		       line_of_key(c->text, c->len, c->key), path, what);
}

/* Skip one shape: "s", "[X]", "{X}". */
static const char *shape_skip(const char *sh)
{
	if (*sh == '[' || *sh == '{') {
		sh = shape_skip(sh + 1);
		return *sh ? sh + 1 : sh;
	}
	return *sh ? sh + 1 : sh;
}

static int sddl_ok(const char *text, char *why, size_t size)
{
	struct secdesc sd;
	struct err e;
	int rc;

	err_init(&e);
	rc = sddl_decode(text, &sd, NULL, &e);
	secdesc_release(&sd);
	if (rc < 0)
		snprintf(why, size, "%s", e.msg);
	return rc == 0;
}

/* Check v against the shape at *sh (advanced past it); path names v. */
static int shape_check(const struct vctx *c, json_t *v, const char **sh,
		       char *path, size_t psize)
{
	const char kind = **sh;
	size_t used = strlen(path), i;
	char why[ERR_MSG_MAX], buf[LIMIT_SDDL_LEN + ERR_MSG_MAX];
	const char *k, *inner;
	json_t *e;
	int rc;

	switch (kind) {
	case '[':
	case '{':
		inner = *sh + 1;
		*sh = shape_skip(*sh);
		if (kind == '[' ? !json_is_array(v) : !json_is_object(v))
			return expected(c, path, kind == '[' ? "an array" : "an object");
		if (kind == '[') {
			json_array_foreach(v, i, e) {
				const char *p = inner;

				snprintf(path + used, psize - used, "[%zu]", i);
				rc = shape_check(c, e, &p, path, psize);
				if (rc < 0)
					return rc;
			}
		} else {
			json_object_foreach(v, k, e) {
				const char *p = inner;

				snprintf(path + used, psize - used, ".%s", k);
				rc = shape_check(c, e, &p, path, psize);
				if (rc < 0)
					return rc;
			}
		}
		path[used] = '\0';
		return 0;
	case 'i':
		(*sh)++;
		return json_is_integer(v) && json_integer_value(v) >= 0 ? 0 :
		       expected(c, path, "a whole number (0 or more)");
	case 'b':
		(*sh)++;
		return json_is_boolean(v) ? 0 : expected(c, path, "true or false");
	default:
		break;
	}
	(*sh)++;
	if (!json_is_string(v))
		return expected(c, path, "a string");
	if (kind == 't') {
		const char *t = json_string_value(v);
		struct sid sid;
		struct err e2;

		err_init(&e2);
		if ((strncmp(t, "service:", 8) == 0 && t[8]) ||
		    sid_from_string(t, &sid, &e2) == 0)
			return 0;
		return expected(c, path, "a SID (\"S-1-5-20\") or \"service:NAME\"");
	}
	if (kind == 'd' && !sddl_ok(json_string_value(v), why, sizeof(why))) {
		snprintf(buf, sizeof(buf), "a descriptor in SDDL (%s)", why);
		return expected(c, path, buf);
	}
	if (kind == 'r') {
		snprintf(buf, sizeof(buf), "D:(A;;%s;;;SY)", json_string_value(v));
		if (!*json_string_value(v) || !sddl_ok(buf, why, sizeof(why)))
			return expected(c, path, "access rights in SDDL (\"CCLCRPWP\")");
	}
	return 0;
}

/* Every "{name}" of a template must be a variable the check sets. */
static int check_placeholders(const struct vctx *c, const struct rule *r,
			      const char *tmpl, const char *path)
{
	const char *p = tmpl, *q;

	while ((p = strchr(p, '{'))) {
		char name[64];
		size_t n;
		const char *const *v;

		for (q = p + 1; (*q >= 'a' && *q <= 'z') || *q == '_' ||
				(q > p + 1 && *q >= '0' && *q <= '9'); q++)
			;
		n = (size_t)(q - p - 1);
		if (*q != '}' || n == 0 || n >= sizeof(name)) {
			p++;
			continue;                 /* not a placeholder: text */
		}
		memcpy(name, p + 1, n);
		name[n] = '\0';
		for (v = r->check->vars; v && *v; v++)
			if (strcmp(*v, name) == 0)
				break;
		if (!v || !*v) {
			char what[256 + 64];
			size_t used = 0;

			used += (size_t)snprintf(what, sizeof(what), "only variables of check '%s' (",
						 r->check->name);
			for (v = r->check->vars; v && *v && used < sizeof(what); v++)
				used += (size_t)snprintf(what + used, sizeof(what) - used, "%s%s",
							 v == r->check->vars ? "" : " ", *v);
			if (used < sizeof(what))
				snprintf(what + used, sizeof(what) - used, "%s), not {%s}",
					 r->check->vars && *r->check->vars ? "" : "none", name);
			return expected(c, path, what);
		}
		p = q + 1;
	}
	return 0;
}

/* An id is a lowercase word with dashes (it names a JUnit case and a
 * baseline key); the four seed causes are the only causes (the report's
 * "causes" holds exactly them), and their ids are not findings'. */
static int check_id(const struct rule *r, const char *file, const char *text,
		    size_t len, struct err *err)
{
	struct vctx c = { file, text, len, "id", err };
	int seed = 0;
	const char *p;
	size_t k;

	for (k = 0; k < SEED_CAUSES; k++)
		if (strcmp(r->id, seed_causes[k].id) == 0)
			seed = 1;

	for (p = r->id; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '-'))
			return expected(&c, "id", "lowercase letters, digits and '-'");
	if (strlen(r->id) > 64)
		return expected(&c, "id", "at most 64 characters");
	if (r->kind == RULE_CAUSE && !seed)
		return expected(&c, "id", "cause1, cause2, cause3 or cause4 for a rule of kind \"cause\" "
				"(others are findings)");
	if (r->kind == RULE_FINDING && seed)
		return expected(&c, "kind", "\"cause\" for the seed cause ids cause1..cause4");
	return 0;
}

static int check_templates(const struct rule *r, const char *file,
			   const char *text, size_t len, struct err *err)
{
	struct vctx c = { file, text, len, "remediation", err };
	char path[64];
	const char *k;
	size_t i;
	json_t *v;
	int rc;

	json_array_foreach(r->remediation, i, v) {
		snprintf(path, sizeof(path), "remediation[%zu]", i);
		rc = check_placeholders(&c, r, json_string_value(v), path);
		if (rc < 0)
			return rc;
	}
	c.key = "summary";
	json_object_foreach(r->summary, k, v) {
		snprintf(path, sizeof(path), "summary.%s", k);
		rc = check_placeholders(&c, r, json_string_value(v), path);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int check_params(const struct rule *r, const char *file,
			const char *text, size_t len, struct err *err)
{
	const struct param_def *d;
	const char *k;
	json_t *v;

	json_object_foreach(r->params, k, v) {
		for (d = r->check->params; d && d->name; d++)
			if (strcmp(d->name, k) == 0)
				break;
		if (!d || !d->name)
			return bad(err, file, text, len, k,
				   "unknown parameter '%s' for this check", k);
		if (!param_type_ok(v, d->type))
			return bad(err, file, text, len, k,
				   "parameter '%s' has the wrong type", k);
		if (d->shape) {
			struct vctx c = { file, text, len, k, err };
			char path[512];
			const char *sh = d->shape;
			int rc;

			snprintf(path, sizeof(path), "%s", k);
			rc = shape_check(&c, v, &sh, path, sizeof(path));
			if (rc < 0)
				return rc;
		}
	}
	for (d = r->check->params; d && d->name; d++)
		if (d->required && !json_object_get(r->params, d->name))
			return bad(err, file, text, len, "params",
				   "missing parameter '%s'", d->name);
	return 0;
}

/* One event spec's values: a log the engine reads, ids that are event ids,
 * a CAPI2 classification it knows (a typo would silently match nothing). */
static int check_event_spec(json_t *e, size_t n, const char *file,
			    const char *text, size_t len, struct err *err)
{
	char path[64], what[512];
	struct vctx c = { file, text, len, "events", err };
	const char *sh;
	json_t *v;
	size_t i, used;
	int rc;

	v = json_object_get(e, "log");
	if (!events_log_known(json_string_value(v))) {
		snprintf(path, sizeof(path), "events[%zu].log", n);
		c.key = json_string_value(v);
		return expected(&c, path, "\"Application\", \"System\" or \"CAPI2\"");
	}
	v = json_object_get(e, "ids");
	if (json_array_size(v) == 0 || json_array_size(v) > LIMIT_EVENT_SPEC_IDS) {
		snprintf(path, sizeof(path), "events[%zu].ids", n);
		snprintf(what, sizeof(what), "1 to %u event ids", LIMIT_EVENT_SPEC_IDS);
		return expected(&c, path, what);
	}
	{
		json_t *id;

		json_array_foreach(v, i, id) {
			if (!json_is_integer(id) || json_integer_value(id) < 0 ||
			    json_integer_value(id) > 0xffff) {
				snprintf(path, sizeof(path), "events[%zu].ids[%zu]", n, i);
				return expected(&c, path, "an event id 0..65535");
			}
		}
	}
	v = json_object_get(e, "capi2");
	if (v && capi2_kind_from_id(json_string_value(v)) < 0) {
		snprintf(path, sizeof(path), "events[%zu].capi2", n);
		used = (size_t)snprintf(what, sizeof(what), "one of");
		for (i = 0; capi2_kind_ids(i) && used < sizeof(what); i++)
			used += (size_t)snprintf(what + used, sizeof(what) - used, "%s %s",
						 i ? "," : "", capi2_kind_ids(i));
		c.key = json_is_string(v) ? json_string_value(v) : "capi2";
		return expected(&c, path, what);
	}
	{
		static const struct { const char *key; const char *shape; } keys[] = {
			{ "provider", "s" }, { "text_contains", "s" }, { "label", "s" },
			{ "makes_present", "b" }, { "services", "[s]" },
		};

		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
			v = json_object_get(e, keys[i].key);
			if (!v)
				continue;
			snprintf(path, sizeof(path), "events[%zu].%s", n, keys[i].key);
			c.key = keys[i].key;
			sh = keys[i].shape;
			rc = shape_check(&c, v, &sh, path, sizeof(path));
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

static int check_events(json_t *events, const char *file, const char *text,
			size_t len, struct err *err)
{
	size_t i;
	json_t *e, *v;
	const char *k;
	int rc;

	if (!json_is_array(events))
		return bad(err, file, text, len, "events", "%s", "'events' must be an array");
	json_array_foreach(events, i, e) {
		if (!json_is_object(e))
			return bad(err, file, text, len, "events", "%s",
				   "each event spec must be an object");
		json_object_foreach(e, k, v) {
			if (!in_list(k, event_keys))
				return bad(err, file, text, len, k,
					   "unknown key '%s' in an event spec", k);
		}
		if (!json_is_string(json_object_get(e, "log")) ||
		    !json_is_string(json_object_get(e, "provider")) ||
		    !json_is_array(json_object_get(e, "ids")))
			return bad(err, file, text, len, "events", "%s",
				   "an event spec needs 'log', 'provider' and 'ids'");
		rc = check_event_spec(e, i, file, text, len, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int rule_parse(const char *file, const char *text, size_t len, struct rule *r,
	       struct err *err)
{
	json_error_t je;
	json_t *root, *v;
	const char *k;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	root = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return err_set(err, -E_USAGE, "%s:%d: %s", file, je.line, je.text);
	if (!json_is_object(root)) {
		rc = bad(err, file, text, len, NULL, "%s", "a rule is a JSON object");
		goto out;
	}
	json_object_foreach(root, k, v) {
		if (!in_list(k, top_keys)) {
			rc = bad(err, file, text, len, k, "unknown key '%s'", k);
			goto out;
		}
	}
#define NEED_STRING(name) do { \
		v = json_object_get(root, name); \
		if (!json_is_string(v) || !*json_string_value(v)) { \
			rc = bad(err, file, text, len, v ? name : NULL, \
				 "'%s' must be a non-empty string", name); \
			goto out; \
		} } while (0)
	NEED_STRING("id");
	r->id = strdup(json_string_value(v));
	NEED_STRING("kind");
	if (strcmp(json_string_value(v), "cause") == 0) {
		r->kind = RULE_CAUSE;
	} else if (strcmp(json_string_value(v), "finding") == 0) {
		r->kind = RULE_FINDING;
	} else {
		rc = bad(err, file, text, len, "kind", "%s",
			 "'kind' is \"cause\" or \"finding\"");
		goto out;
	}
	NEED_STRING("title");
	r->title = strdup(json_string_value(v));
	NEED_STRING("check");
	r->check = check_find(json_string_value(v));
	if (!r->check) {
		rc = bad(err, file, text, len, "check", "unknown check '%s'",
			 json_string_value(v));
		goto out;
	}
#undef NEED_STRING
	v = json_object_get(root, "severity");
	if (v && (!json_is_string(v) || (strcmp(json_string_value(v), "info") &&
					  strcmp(json_string_value(v), "failure")))) {
		rc = bad(err, file, text, len, "severity", "%s",
			 "'severity' is \"info\" or \"failure\"");
		goto out;
	}
	/* causes always fail the scan; findings only when they say so */
	r->fails = r->kind == RULE_CAUSE ||
		   (v && strcmp(json_string_value(v), "failure") == 0);
	r->file = strdup(file);
	if (!r->id || !r->title || !r->file) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	v = json_object_get(root, "params");
	if (v && !json_is_object(v)) {
		rc = bad(err, file, text, len, "params", "%s", "'params' must be an object");
		goto out;
	}
	r->params = v ? json_incref(v) : json_object();
	rc = check_params(r, file, text, len, err);
	if (rc < 0)
		goto out;
	v = json_object_get(root, "summary");
	if (v) {
		json_t *s;
		json_object_foreach(v, k, s) {
			if ((strcmp(k, "present") && strcmp(k, "absent") &&
			     strcmp(k, "unknown")) || !json_is_string(s)) {
				rc = bad(err, file, text, len, k, "%s",
					 "'summary' maps present/absent/unknown to strings");
				goto out;
			}
		}
		if (!json_is_object(v)) {
			rc = bad(err, file, text, len, "summary", "%s", "'summary' must be an object");
			goto out;
		}
	}
	r->summary = v ? json_incref(v) : json_object();
	v = json_object_get(root, "remediation");
	if (v && !string_array(v)) {
		rc = bad(err, file, text, len, "remediation", "%s",
			 "'remediation' must be an array of strings");
		goto out;
	}
	r->remediation = v ? json_incref(v) : json_array();
	v = json_object_get(root, "references");
	if (v && !string_array(v)) {
		rc = bad(err, file, text, len, "references", "%s",
			 "'references' must be an array of strings");
		goto out;
	}
	r->references = v ? json_incref(v) : json_array();
	v = json_object_get(root, "events");
	if (v) {
		rc = check_events(v, file, text, len, err);
		if (rc < 0)
			goto out;
		r->events = json_incref(v);
	}
	rc = check_templates(r, file, text, len, err);
	if (rc == 0)
		rc = check_id(r, file, text, len, err);
out:
	json_decref(root);
	if (rc < 0)
		rule_release(r);
	return rc;
}

void rule_release(struct rule *r)
{
	if (!r)
		return;
	free(r->id);
	free(r->file);
	free(r->title);
	json_decref(r->params);
	json_decref(r->summary);
	json_decref(r->remediation);
	json_decref(r->references);
	json_decref(r->events);
	memset(r, 0, sizeof(*r));
}

void rules_free(struct rule *rules, size_t count)
{
	size_t i;

	for (i = 0; rules && i < count; i++)
		rule_release(&rules[i]);
	free(rules);
}

static int rule_order(const void *a, const void *b)
{
	const struct rule *x = a, *y = b;

	if (x->kind != y->kind)
		return x->kind == RULE_CAUSE ? -1 : 1;
	return strcmp(x->id, y->id);
}

static int json_name(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return n > 5 && strcmp(d->d_name + n - 5, ".json") == 0 &&
	       d->d_name[0] != '.';
}

int rules_load(const char *dir, struct rule **rules, size_t *count,
	       struct err *err)
{
	struct dirent **names = NULL;
	struct rule *out = NULL;
	size_t n = 0, i, j;
	int nn, rc = 0;

	*rules = NULL;
	*count = 0;
	nn = scandir(dir, &names, json_name, alphasort);
	if (nn < 0)
		return err_set(err, -E_USAGE, "rules '%s': %s", dir, strerror(errno));
	if ((unsigned)nn > LIMIT_RULES) {
		rc = err_set(err, -E_LIMIT, "rules '%s': more than %u rules", dir, LIMIT_RULES);
		goto out;
	}
	out = calloc((size_t)nn + 1, sizeof(*out));
	if (!out) {
		rc = err_set(err, -E_NOMEM, "out of memory");
		goto out;
	}
	for (i = 0; i < (size_t)nn; i++) {
		char path[4096];
		struct stat st;
		char *text;
		size_t got;
		ssize_t nr;
		long sz;
		int fd;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		/* a rules folder edited by hand: a FIFO or device named
		 * *.json must not block or act, so look before reading */
		fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			rc = err_set(err, -E_USAGE, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
			close(fd);
			rc = err_set(err, -E_USAGE, "%s: not a regular file: refused", path);
			goto out;
		}
		sz = (long)st.st_size;
		if (sz < 0 || (unsigned long)sz > LIMIT_RULE_FILE_SIZE) {
			close(fd);
			rc = err_set(err, -E_LIMIT, "%s: larger than %u bytes", path,
				     LIMIT_RULE_FILE_SIZE);
			goto out;
		}
		text = malloc((size_t)sz + 1);
		for (got = 0; text && got < (size_t)sz; got += (size_t)nr) {
			nr = read(fd, text + got, (size_t)sz - got);
			if (nr <= 0 && !(nr < 0 && errno == EINTR))
				break;
			if (nr < 0)
				nr = 0;
		}
		close(fd);
		if (!text || got != (size_t)sz) {
			free(text);
			rc = err_set(err, -E_IO, "%s: cannot read", path);
			goto out;
		}
		text[sz] = '\0';
		rc = rule_parse(path, text, (size_t)sz, &out[n], err);
		free(text);
		if (rc < 0)
			goto out;
		for (j = 0; j < n; j++) {
			if (strcmp(out[j].id, out[n].id) == 0) {
				rc = err_set(err, -E_USAGE, "%s: rule id '%s' already used by %s",
					     path, out[n].id, out[j].file);
				rule_release(&out[n]);
				goto out;
			}
		}
		n++;
	}
	qsort(out, n, sizeof(*out), rule_order);
	*rules = out;
	*count = n;
	out = NULL;
out:
	for (i = 0; names && i < (size_t)nn; i++)
		free(names[i]);
	free(names);
	if (out)
		rules_free(out, n);
	return rc;
}
