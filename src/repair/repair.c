/* `vssdoctor repair` (repair.h).
 *
 * What it fixes (first slice of issue 21), all in the SYSTEM hive of the
 * current control set:
 *   cause3                    Services\X\Security of CryptSvc/EventSystem
 *                             set to the rule's expected_sddl
 *   service-sd-blocks-writer  Services\X\Security set to the finding's
 *                             fixed_sddl (the writer's ACE appended)
 *   cause2                    Start = 4 (disabled) set back to the rule's
 *                             start type
 * Every other present cause or failing finding is listed as "not repaired
 * automatically yet" with its manual fix.
 *
 * How: the hive file is read whole, edited in memory (parsers/hiveedit.c:
 * same size, sequence numbers advanced, checksum), compared with the old
 * bytes cluster by cluster, and the changed clusters are written into a
 * qcow2 overlay of SOURCE (`qemu-img create -b`, `qemu-io write -s`) at the
 * disk offsets libntfs-3g's runlist gives.  SOURCE is only ever read. */
#define _GNU_SOURCE
#include "repair.h"

#include <errno.h>
#include <getopt.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "bde.h"
#include "bytes.h"
#include "fs.h"
#include "hiveedit.h"
#include "image.h"
#include "limits.h"
#include "registry.h"
#include "rules.h"
#include "scan.h"
#include "sddl.h"
#include "secdesc.h"

#define REPAIR_CHANGES_MAX 4096u      /* changes of one plan */
#define JOURNAL_MAX (64u * 1024 * 1024)

struct change {
	char cause[48];              /* rule id the change fixes */
	char service[256];
	char key[LIMIT_PATH_LEN];    /* below the SYSTEM root */
	char value[32];              /* "Security", "Start" */
	char *before, *after;        /* for people: SDDL or number (malloc'd) */
	uint8_t *data;               /* new value data (malloc'd) */
	uint32_t len;
};

struct plan {
	struct change *c;
	size_t n;
	json_t *manual;              /* [{id, title, fix: [...]}] */
	json_t *fixing;              /* ids of the causes/findings the plan fixes */
	char hive_path[LIMIT_WINDIR_LEN + 32];
	char control_set[16];
};

static void plan_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->n; i++) {
		free(p->c[i].before);
		free(p->c[i].after);
		free(p->c[i].data);
	}
	free(p->c);
	json_decref(p->manual);
	json_decref(p->fixing);
	memset(p, 0, sizeof(*p));
}

static int refuse(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int refuse(const char *fmt, ...)
{
	va_list ap;

	fputs("vssdoctor: repair refused: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

static int has_change(const struct plan *p, const char *key, const char *value)
{
	size_t i;

	for (i = 0; i < p->n; i++)
		if (strcasecmp(p->c[i].key, key) == 0 && strcasecmp(p->c[i].value, value) == 0)
			return 1;
	return 0;
}

static struct change *change_add(struct plan *p, const char *cause,
				 const char *service, const char *value)
{
	struct change *c, *grown;

	if (p->n >= REPAIR_CHANGES_MAX)
		return NULL;
	grown = realloc(p->c, (p->n + 1) * sizeof(*p->c));
	if (!grown)
		return NULL;
	p->c = grown;
	c = &p->c[p->n];
	memset(c, 0, sizeof(*c));
	snprintf(c->cause, sizeof(c->cause), "%s", cause);
	snprintf(c->service, sizeof(c->service), "%s", service);
	snprintf(c->key, sizeof(c->key), "%s\\Services\\%s%s", p->control_set, service,
		 strcmp(value, "Security") == 0 ? "\\Security" : "");
	snprintf(c->value, sizeof(c->value), "%s", value);
	p->n++;
	return c;
}

static void fixing_add(struct plan *p, const char *id)
{
	size_t i;
	json_t *v;

	json_array_foreach(p->fixing, i, v)
		if (strcmp(json_string_value(v), id) == 0)
			return;
	json_array_append_new(p->fixing, json_string(id));
}

/* A Security value set to sddl (already judged by the scan). */
static int plan_sd(struct plan *p, const char *cause, const char *service,
		   const char *before, const char *sddl, struct err *err)
{
	struct secdesc sd;
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
	memset(&sd, 0, sizeof(sd));
	if (sddl_decode(sddl, &sd, NULL, err) < 0 || secdesc_encode(&sd, &bin, &len, err) < 0) {
		secdesc_release(&sd);
		return err_wrap(err, "%s: expected descriptor", service);
	}
	secdesc_release(&sd);
	c = change_add(p, cause, service, "Security");
	if (!c) {
		free(bin);
		return err_set(err, -E_NOMEM, "out of memory or too many changes");
	}
	c->data = bin;
	c->len = (uint32_t)len;
	c->before = strdup(before ? before : "(not a valid descriptor)");
	c->after = strdup(sddl);
	fixing_add(p, cause);
	return 0;
}

static int start_code(const char *name)
{
	static const char *const names[] = { "boot", "system", "auto", "demand", "disabled" };
	int i;

	for (i = 0; i < 5; i++)
		if (name && strcmp(name, names[i]) == 0)
			return i;
	return -1;
}

static int plan_build(struct scan *s, struct plan *p, struct err *err)
{
	size_t i, k;
	json_t *ev;

	p->manual = json_array();
	p->fixing = json_array();
	for (i = 0; i < s->nresults; i++) {
		struct result *res = &s->results[i];
		const char *id = result_id(res, i);
		int handled = 0, rest = 0;

		if (res->status != STATUS_PRESENT || !scan_result_fails(s, i))
			continue;
		if (strcmp(id, "cause3") == 0 || strcmp(id, "service-sd-blocks-writer") == 0) {
			const char *exp = json_string_value(json_object_get(res->vars, "expected_sddl"));

			json_array_foreach(res->evidence, k, ev) {
				const char *svc = json_string_value(json_object_get(ev, "service"));
				const char *verdict = json_string_value(json_object_get(ev, "verdict"));
				const char *fixed = json_string_value(json_object_get(ev, "fixed_sddl"));
				const char *want = strcmp(id, "cause3") == 0 ? exp : fixed;

				if (!svc)
					continue;
				if (json_is_false(json_object_get(ev, "exists"))) {
					rest = 1;      /* a missing service: cause2's */
					continue;
				}
				if (strcmp(id, "cause3") == 0 && (!verdict || strcmp(verdict, "ok") == 0))
					continue;
				if (!want) {
					rest = 1;
					continue;
				}
				if (plan_sd(p, id, svc, json_string_value(json_object_get(ev, "sddl")),
					    want, err) < 0)
					return -1;
				handled = 1;
			}
		} else if (strcmp(id, "cause2") == 0) {
			json_t *types = res->rule ? json_object_get(res->rule->params, "start_types") : NULL;

			json_array_foreach(res->evidence, k, ev) {
				const char *svc = json_string_value(json_object_get(ev, "service"));
				json_t *problems = json_object_get(ev, "problems");
				int want = svc ? start_code(json_string_value(json_object_get(types, svc))) : -1;
				struct change *c;
				char buf[32];

				if (!svc || !problems)
					continue;
				if (json_integer_value(json_object_get(ev, "start")) != 4 ||
				    !json_is_integer(json_object_get(ev, "start")) || want < 0) {
					rest = 1;
					continue;
				}
				if (json_array_size(problems) > 1)
					rest = 1;
				c = change_add(p, id, svc, "Start");
				if (!c || !(c->data = malloc(4)))
					return err_set(err, -E_NOMEM, "out of memory or too many changes");
				put_le32(c->data, (uint32_t)want);
				c->len = 4;
				c->before = strdup("4 (disabled)");
				snprintf(buf, sizeof(buf), "%d (%s)", want,
					 json_string_value(json_object_get(types, svc)));
				c->after = strdup(buf);
				fixing_add(p, id);
				handled = 1;
			}
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

static json_t *change_json(const struct change *c)
{
	return json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "fixes", c->cause,
			 "hive", "SYSTEM", "service", c->service, "key", c->key,
			 "value", c->value, "before", c->before ? c->before : "",
			 "after", c->after ? c->after : "");
}

static void plan_print(FILE *f, const struct plan *p, int json, const char *source)
{
	size_t i;
	json_t *m;

	if (json) {
		json_t *root = json_object(), *arr = json_array();

		for (i = 0; i < p->n; i++)
			json_array_append_new(arr, change_json(&p->c[i]));
		json_object_set_new(root, "source", json_string(source));
		json_object_set_new(root, "hive", json_string(p->hive_path));
		json_object_set_new(root, "changes", arr);
		json_object_set(root, "fixes", p->fixing);
		json_object_set(root, "not_repaired", p->manual);
		json_dumpf(root, f, JSON_INDENT(2));
		fputc('\n', f);
		json_decref(root);
		return;
	}
	fprintf(f, "repair plan for %s (%zu change%s, nothing written)\n", source, p->n,
		p->n == 1 ? "" : "s");
	for (i = 0; i < p->n; i++) {
		const struct change *c = &p->c[i];

		fprintf(f, "\n  [%s] HKLM\\SYSTEM\\%s  value %s\n    before: %s\n    after:  %s\n",
			c->cause, c->key, c->value, c->before, c->after);
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

/* ---- hive bytes -------------------------------------------------------- */

static int hive_apply(struct plan *p, uint8_t *buf, size_t len, struct err *err)
{
	struct hive_edit h;
	size_t i;
	struct timespec ts;

	if (hive_edit_open(&h, buf, len, err) < 0)
		return -1;
	for (i = 0; i < p->n; i++) {
		struct change *c = &p->c[i];
		uint32_t nk, vk, type, olen;
		const uint8_t *old;
		int rc = hive_edit_find_key(&h, c->key, &nk, err);

		if (rc == 0)
			return err_set(err, -E_NOTFOUND, "key %s is absent", c->key);
		if (rc < 0 || (rc = hive_edit_find_value(&h, nk, c->value, &vk, err)) < 0)
			return err_wrap(err, "%s", c->key);
		if (rc == 0)
			return err_set(err, -E_NOTFOUND, "%s has no value %s", c->key, c->value);
		if (hive_edit_value(&h, vk, &type, &old, &olen, err) < 0 ||
		    hive_edit_set_value(&h, vk, c->data, c->len, err) < 0)
			return err_wrap(err, "%s\\%s", c->key, c->value);
		/* read back what was written */
		if (hive_edit_value(&h, vk, &type, &old, &olen, err) < 0)
			return err_wrap(err, "%s\\%s", c->key, c->value);
		if (olen != c->len || memcmp(old, c->data, olen) != 0)
			return err_set(err, -E_INTERNAL, "%s\\%s did not read back", c->key, c->value);
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	hive_edit_seal(&h, ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull +
		       (uint64_t)ts.tv_nsec / 100);
	return 0;
}

/* ---- running qemu-img / qemu-io --------------------------------------- */

static int run(const char *const argv[])
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		int fd = open("/dev/null", 0);

		if (fd >= 0) {
			dup2(fd, 1);
			close(fd);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	if (waitpid(pid, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

/* Write len bytes at disk offset off of the qcow2 TARGET. */
static int overlay_write(const char *target, uint64_t off, const uint8_t *data,
			 size_t len, struct err *err)
{
	char tmp[] = "/tmp/vssdoctor-repair-XXXXXX", cmd[128];
	int fd = mkstemp(tmp), rc;
	FILE *f;

	if (fd < 0 || !(f = fdopen(fd, "wb")))
		return err_set(err, -E_IO, "temporary file: %s", strerror(errno));
	rc = fwrite(data, 1, len, f) == len ? 0 : -1;
	if (fclose(f) != 0 || rc < 0) {
		unlink(tmp);
		return err_set(err, -E_IO, "temporary file: %s", strerror(errno));
	}
	snprintf(cmd, sizeof(cmd), "write -s %s %llu %zu", tmp, (unsigned long long)off, len);
	{
		const char *argv[] = { "qemu-io", "-f", "qcow2", "-c", cmd, target, NULL };

		rc = run(argv);
	}
	unlink(tmp);
	if (rc != 0)
		return err_set(err, -E_IO, "qemu-io could not write %zu bytes at %llu into '%s' (exit %d)",
			       len, (unsigned long long)off, target, rc);
	return 0;
}

static const char *qemu_format(const char *fmt)
{
	if (strcmp(fmt, "raw") == 0 || strcmp(fmt, "qcow2") == 0 || strcmp(fmt, "qcow") == 0 ||
	    strcmp(fmt, "vmdk") == 0 || strcmp(fmt, "vhdx") == 0)
		return fmt;
	if (strcmp(fmt, "vhd") == 0)
		return "vpc";
	return NULL;
}

static char *hex_of(const uint8_t *p, size_t n)
{
	static const char d[] = "0123456789abcdef";
	char *s = malloc(n * 2 + 1);
	size_t i;

	if (!s)
		return NULL;
	for (i = 0; i < n; i++) {
		s[2 * i] = d[p[i] >> 4];
		s[2 * i + 1] = d[p[i] & 15];
	}
	s[2 * n] = '\0';
	return s;
}

static uint8_t *unhex(const char *s, size_t *n)
{
	size_t len = s ? strlen(s) : 0, i;
	uint8_t *p;

	if (len % 2 || !(p = malloc(len / 2 + 1)))
		return NULL;
	for (i = 0; i < len / 2; i++) {
		int hi = hex_digit(s[2 * i]), lo = hex_digit(s[2 * i + 1]);

		if (hi < 0 || lo < 0) {
			free(p);
			return NULL;
		}
		p[i] = (uint8_t)(hi << 4 | lo);
	}
	*n = len / 2;
	return p;
}

/* ---- the scan --------------------------------------------------------- */

static int scan_source(struct scan *s, struct scan_opts *o, const char *src,
		       const struct rule *rules, size_t nrules)
{
	struct err err;

	err_init(&err);
	if (scan_open(s, src, o, &err) < 0) {
		if (strstr(err.msg, "BitLocker"))
			return refuse("'%s' is a BitLocker volume without its secret (give --recovery-password and the like): %s",
				      src, err.msg);
		fprintf(stderr, "vssdoctor: cannot read '%s': %s\n", src, err.msg);
		return 2;
	}
	err_init(&err);
	if (scan_run(s, rules, nrules, &err) < 0) {
		fprintf(stderr, "vssdoctor: '%s': %s\n", src, err.msg);
		return 2;
	}
	return 0;
}

/* The cause ids of p->fixing still present in s: a JSON object id ->
 * status, and whether any is present. */
static json_t *statuses(struct scan *s, json_t *ids, int *any_present)
{
	json_t *o = json_object(), *v;
	size_t i, k;

	json_array_foreach(ids, k, v) {
		const char *id = json_string_value(v);

		for (i = 0; i < s->nresults; i++)
			if (strcmp(result_id(&s->results[i], i), id) == 0) {
				json_object_set_new(o, id, json_string(status_name(s->results[i].status)));
				if (s->results[i].status != STATUS_ABSENT)
					*any_present = 1;
			}
	}
	return o;
}

/* ---- apply ------------------------------------------------------------ */

struct range {
	uint64_t file_off, disk_off, len;
};

static int do_apply(struct scan *s, struct plan *p, const char *source,
		    const char *target, struct scan_opts *o,
		    const struct rule *rules, size_t nrules, int json)
{
	struct err err;
	uint8_t *old = NULL, *neu = NULL;
	size_t len = 0, nruns = 0, i, nr = 0;
	struct fs_extent *runs = NULL;
	uint64_t alloc = 0;
	struct range *ranges = NULL;
	const char *qfmt = qemu_format(image_format(s->ev.img));
	char journal[LIMIT_PATH_LEN + 16], abs_src[LIMIT_PATH_LEN];
	json_t *jr = NULL, *jranges, *before = NULL, *after = NULL;
	struct scan *t = NULL;
	int rc = 2, present = 0, dummy = 0;
	uint64_t written = 0;

	if (!qfmt)
		return refuse("a %s source cannot back a qcow2 overlay and is never modified in place (E01 is evidence); a raw copy target is not implemented yet",
			      image_format(s->ev.img));
	if (!realpath(source, abs_src))
		return refuse("'%s': %s", source, strerror(errno));
	snprintf(journal, sizeof(journal), "%s.undo.json", target);
	err_init(&err);
	if (fs_read_file(s->ev.fs, p->hive_path, LIMIT_HIVE_SIZE, &old, &len, &err) <= 0) {
		fprintf(stderr, "vssdoctor: cannot read %s: %s\n", p->hive_path, err.msg);
		goto out;
	}
	neu = malloc(len ? len : 1);
	if (!neu)
		goto out;
	memcpy(neu, old, len);
	err_init(&err);
	if (hive_apply(p, neu, len, &err) < 0) {
		rc = refuse("%s: %s", p->hive_path, err.msg);
		goto out;
	}
	err_init(&err);
	if (fs_file_extents(s->ev.fs, p->hive_path, &runs, &nruns, &alloc, &err) <= 0) {
		rc = refuse("%s: %s", p->hive_path, err.msg);
		goto out;
	}
	/* changed bytes, widened to 4096-byte pages, split at run boundaries */
	ranges = calloc(len / 4096 + nruns + 1, sizeof(*ranges));
	if (!ranges)
		goto out;
	for (i = 0; i < nruns; i++) {
		uint64_t off;

		for (off = 0; off < runs[i].len; off += 4096) {
			uint64_t fo = runs[i].file_off + off, n = 4096;

			if (fo >= len)
				break;
			if (n > runs[i].len - off)     /* clusters under 4 KiB */
				n = runs[i].len - off;
			if (n > len - fo)
				n = len - fo;
			if (memcmp(old + fo, neu + fo, n) == 0)
				continue;
			if (nr && ranges[nr - 1].file_off + ranges[nr - 1].len == fo &&
			    ranges[nr - 1].disk_off + ranges[nr - 1].len ==
			    s->ev.vol.offset + runs[i].vol_off + off) {
				ranges[nr - 1].len += n;
			} else {
				ranges[nr].file_off = fo;
				ranges[nr].disk_off = s->ev.vol.offset + runs[i].vol_off + off;
				ranges[nr].len = n;
				nr++;
			}
		}
	}
	/* the journal first: what will change, old and new */
	jr = json_object();
	jranges = json_array();
	json_object_set_new(jr, "journal", json_string("vssdoctor repair undo journal"));
	json_object_set_new(jr, "version", json_integer(1));
	json_object_set_new(jr, "source", json_string(abs_src));
	json_object_set_new(jr, "target", json_string(target));
	json_object_set_new(jr, "hive", json_string(p->hive_path));
	{
		json_t *vals = json_array();

		for (i = 0; i < p->n; i++)
			json_array_append_new(vals, change_json(&p->c[i]));
		json_object_set_new(jr, "values", vals);
	}
	for (i = 0; i < nr; i++) {
		char *oh = hex_of(old + ranges[i].file_off, ranges[i].len);
		char *nh = hex_of(neu + ranges[i].file_off, ranges[i].len);

		if (!oh || !nh) {
			free(oh);
			free(nh);
			goto out;
		}
		json_array_append_new(jranges, json_pack("{s:I,s:I,s:I,s:s,s:s}",
			"hive_offset", (json_int_t)ranges[i].file_off,
			"disk_offset", (json_int_t)ranges[i].disk_off,
			"length", (json_int_t)ranges[i].len, "old", oh, "new", nh));
		free(oh);
		free(nh);
	}
	json_object_set_new(jr, "ranges", jranges);
	{
		const char *argv[] = { "qemu-img", "create", "-q", "-f", "qcow2", "-b", abs_src,
				 "-F", (char *)qfmt, target, NULL };

		if (run(argv) != 0) {
			fprintf(stderr, "vssdoctor: qemu-img could not create the overlay '%s'\n", target);
			goto out;
		}
	}
	if (json_dump_file(jr, journal, JSON_INDENT(1)) != 0) {
		fprintf(stderr, "vssdoctor: cannot write the journal '%s'\n", journal);
		unlink(target);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		err_init(&err);
		if (overlay_write(target, ranges[i].disk_off, neu + ranges[i].file_off,
				  ranges[i].len, &err) < 0) {
			fprintf(stderr, "vssdoctor: %s\n", err.msg);
			goto out;
		}
		written += ranges[i].len;
	}
	/* rescan TARGET */
	before = statuses(s, p->fixing, &dummy);
	t = calloc(1, sizeof(*t));
	if (!t || scan_source(t, o, target, rules, nrules) != 0)
		goto out;
	after = statuses(t, p->fixing, &present);
	if (json) {
		json_t *root = json_object(), *arr = json_array();

		for (i = 0; i < p->n; i++)
			json_array_append_new(arr, change_json(&p->c[i]));
		json_object_set_new(root, "source", json_string(source));
		json_object_set_new(root, "target", json_string(target));
		json_object_set_new(root, "journal", json_string(journal));
		json_object_set_new(root, "changes", arr);
		json_object_set_new(root, "ranges_written", json_integer((json_int_t)nr));
		json_object_set_new(root, "bytes_written", json_integer((json_int_t)written));
		json_object_set(root, "before", before);
		json_object_set(root, "after", after);
		json_object_set(root, "not_repaired", p->manual);
		json_object_set_new(root, "fixed", json_boolean(!present));
		json_dumpf(root, stdout, JSON_INDENT(2));
		fputc('\n', stdout);
		json_decref(root);
	} else {
		const char *id;
		json_t *v;

		plan_print(stdout, p, 0, source);
		printf("\nwritten into %s (%llu bytes in %zu range%s of the SYSTEM hive); undo journal %s\n",
		       target, (unsigned long long)written, nr, nr == 1 ? "" : "s", journal);
		json_object_foreach(after, id, v)
			printf("  %-26s before: %-8s after: %s\n", id,
			       json_string_value(json_object_get(before, id)), json_string_value(v));
	}
	rc = present ? 1 : 0;
out:
	if (t) {
		scan_release(t);
		free(t);
	}
	json_decref(before);
	json_decref(after);
	json_decref(jr);
	free(ranges);
	free(runs);
	free(old);
	free(neu);
	return rc;
}

/* ---- undo ------------------------------------------------------------- */

static int do_undo(const char *journal, const char *target)
{
	json_error_t je;
	json_t *jr = json_load_file(journal, 0, &je), *r;
	struct image *img = NULL;
	struct err err;
	size_t i;
	int rc = 2;

	if (!jr || !json_is_array(json_object_get(jr, "ranges")))
		return refuse("'%s' is not a repair journal: %s", journal, jr ? "no ranges" : je.text);
	err_init(&err);
	if (image_open(&img, target, &err) < 0 || strcmp(image_format(img), "qcow2") != 0) {
		rc = refuse("'%s': %s", target, img ? "not a qcow2 overlay" : err.msg);
		goto out;
	}
	/* every range must still hold what the repair wrote */
	json_array_foreach(json_object_get(jr, "ranges"), i, r) {
		size_t on = 0, nn = 0;
		uint8_t *o = unhex(json_string_value(json_object_get(r, "old")), &on);
		uint8_t *n = unhex(json_string_value(json_object_get(r, "new")), &nn);
		uint8_t *cur = NULL;
		json_int_t off = json_integer_value(json_object_get(r, "disk_offset"));
		int bad = !o || !n || on != nn || on == 0 || off < 0 || on > JOURNAL_MAX ||
			  !(cur = malloc(on));

		err_init(&err);
		if (!bad && image_read(img, (uint64_t)off, cur, on, &err) < 0)
			bad = 2;
		if (!bad && memcmp(cur, n, on) != 0)
			bad = memcmp(cur, o, on) == 0 ? 4 : 3;
		free(o);
		free(n);
		free(cur);
		if (bad) {
			if (bad == 4)
				rc = refuse("'%s' already holds the journal's old bytes (range %zu): undone before", target, i);
			else if (bad == 3)
				rc = refuse("'%s' changed since the repair (range %zu): not undone", target, i);
			else
				rc = refuse("range %zu of the journal '%s' is unusable", i, journal);
			goto out;
		}
	}
	image_free(img);
	img = NULL;
	json_array_foreach(json_object_get(jr, "ranges"), i, r) {
		size_t on = 0;
		uint8_t *o = unhex(json_string_value(json_object_get(r, "old")), &on);

		err_init(&err);
		if (!o || overlay_write(target, (uint64_t)json_integer_value(json_object_get(r, "disk_offset")),
					o, on, &err) < 0) {
			free(o);
			fprintf(stderr, "vssdoctor: undo: %s\n", err.msg);
			goto out;
		}
		free(o);
	}
	printf("restored %zu range%s of %s in %s\n", json_array_size(json_object_get(jr, "ranges")),
	       json_array_size(json_object_get(jr, "ranges")) == 1 ? "" : "s",
	       json_string_value(json_object_get(jr, "hive")), target);
	rc = 0;
out:
	if (img)
		image_free(img);
	json_decref(jr);
	return rc;
}

/* ---- the command ------------------------------------------------------ */

int cmd_repair(int argc, char **argv)
{
	enum { O_PLAN = 256, O_APPLY, O_UNDO, O_FORMAT, O_RULES, O_PARTITION,
	       O_OFFSET, O_IN_PLACE, O_BDE };
	static const struct option longopts[] = {
		{ "plan", no_argument, NULL, O_PLAN },
		{ "apply", no_argument, NULL, O_APPLY },
		{ "undo", required_argument, NULL, O_UNDO },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, O_FORMAT },
		{ "rules", required_argument, NULL, O_RULES },
		{ "partition", required_argument, NULL, O_PARTITION },
		{ "offset", required_argument, NULL, O_OFFSET },
		{ "in-place", no_argument, NULL, O_IN_PLACE },
		{ "recovery-password", required_argument, NULL, O_BDE },
		{ "recovery-password-file", required_argument, NULL, O_BDE },
		{ "password", required_argument, NULL, O_BDE },
		{ "password-file", required_argument, NULL, O_BDE },
		{ "key-file", required_argument, NULL, O_BDE },
		{ "fvek", required_argument, NULL, O_BDE },
		{ "fvek-file", required_argument, NULL, O_BDE },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct scan_opts o;
	struct rule *rules = NULL;
	size_t nrules = 0;
	struct scan *s = NULL;
	struct plan p;
	struct registry *reg = NULL;
	struct err err;
	const char *undo = NULL, *target = NULL, *source;
	char rulesbuf[4096];
	int c, plan = 0, apply = 0, json = 0, in_place = 0, rc = 2, li = 0;
	struct stat st;

	memset(&o, 0, sizeof(o));
	memset(&p, 0, sizeof(p));
	o.partition = -1;
	o.offset = -1;
	o.threshold_aspnet = -1;
	o.quiet = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, &li)) != -1) {
		switch (c) {
		case O_PLAN: plan = 1; break;
		case O_APPLY: apply = 1; break;
		case O_UNDO: undo = optarg; break;
		case 'o': target = optarg; break;
		case O_FORMAT:
			if (strcmp(optarg, "json") == 0)
				json = 1;
			else if (strcmp(optarg, "text") != 0)
				goto usage;
			break;
		case O_RULES: o.rules_dir = optarg; break;
		case O_PARTITION: o.partition = atoi(optarg); break;
		case O_OFFSET: o.offset = atoll(optarg); break;
		case O_IN_PLACE: in_place = 1; break;
		case O_BDE:
			err_init(&err);
			if (bde_secret_option_parse(longopts[li].name, optarg, &err) < 0) {
				fprintf(stderr, "vssdoctor: %s\n", err.msg);
				return 2;
			}
			break;
		case 'h':
			puts("usage: vssdoctor repair --plan [--format text|json] SOURCE\n"
			     "       vssdoctor repair --apply --output TARGET [--format text|json] SOURCE\n"
			     "       vssdoctor repair --undo JOURNAL TARGET");
			return 0;
		default: goto usage;
		}
	}
	if (undo) {
		if (argc - optind != 1)
			goto usage;
		return do_undo(undo, argv[optind]);
	}
	if (argc - optind != 1 || plan + apply != 1 || (apply && !target && !in_place))
		goto usage;
	source = argv[optind];
	err_init(&err);
	if (bde_secrets_from_env(&err) < 0) {
		fprintf(stderr, "vssdoctor: %s\n", err.msg);
		return 2;
	}
	if (apply && target && (lstat(target, &st) == 0 || errno != ENOENT))
		return refuse("TARGET '%s' exists already (it is never overwritten)", target);
	if (apply && target) {
		char journal[LIMIT_PATH_LEN + 16];

		snprintf(journal, sizeof(journal), "%s.undo.json", target);
		if (lstat(journal, &st) == 0)
			return refuse("the journal '%s' exists already", journal);
	}
	if (!o.rules_dir)
		o.rules_dir = rules_default_dir(rulesbuf, sizeof(rulesbuf));
	err_init(&err);
	if (rules_load(o.rules_dir, &rules, &nrules, &err) < 0) {
		fprintf(stderr, "vssdoctor: rules: %s\n", err.msg);
		return 2;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	rc = scan_source(s, &o, source, rules, nrules);
	if (rc != 0)
		goto out;
	rc = 2;
	if (in_place) {
		rc = s->ev.img && strcmp(image_format(s->ev.img), "e01") == 0 ?
		     refuse("'%s' is an E01 image: evidence is never modified in place", source) :
		     refuse("--in-place is not implemented yet: use --output TARGET (a qcow2 overlay)");
		goto out;
	}
	if (s->ev.is_dir && apply) {
		rc = refuse("'%s' is a directory: repair needs the disk or volume image", source);
		goto out;
	}
	if (s->ev.bde_img && apply) {
		rc = refuse("'%s' is a BitLocker volume: writing through BitLocker is not implemented yet", source);
		goto out;
	}
	if (!s->ev.fs) {
		rc = refuse("'%s': no file system was mounted", source);
		goto out;
	}
	if (fs_info(s->ev.fs)->dirty) {
		rc = refuse("the NTFS volume is marked dirty (not shut down cleanly): run chkdsk from Windows first");
		goto out;
	}
	if (fs_info(s->ev.fs)->hibernated) {
		rc = refuse("Windows is hibernated on this volume (hiberfil.sys in use): resume and shut it down first");
		goto out;
	}
	err_init(&err);
	if (registry_get(&s->ev, &reg, &err) < 0 || reg->system.state != REG_HIVE_OK) {
		rc = refuse("the SYSTEM hive cannot be read: %s", reg ? reg->system.err.msg : err.msg);
		goto out;
	}
	if (reg->system.dirty) {
		rc = refuse("the SYSTEM hive is dirty (its transaction logs were not replayed): boot Windows once or replay the logs first");
		goto out;
	}
	snprintf(p.hive_path, sizeof(p.hive_path), "%s", reg->system.path);
	snprintf(p.control_set, sizeof(p.control_set), "%s", reg->control_set);
	err_init(&err);
	if (plan_build(s, &p, &err) < 0) {
		fprintf(stderr, "vssdoctor: repair plan: %s\n", err.msg);
		goto out;
	}
	if (plan) {
		plan_print(stdout, &p, json, source);
		rc = 0;
		goto out;
	}
	if (p.n == 0) {
		rc = refuse("nothing to repair automatically in '%s' (see 'repair --plan')", source);
		goto out;
	}
	rc = do_apply(s, &p, source, target, &o, rules, nrules, json);
out:
	plan_free(&p);
	if (s) {
		scan_release(s);
		free(s);
	}
	rules_free(rules, nrules);
	return rc;
usage:
	fprintf(stderr, "vssdoctor: repair: --plan SOURCE, --apply --output TARGET SOURCE or --undo JOURNAL TARGET (see 'vssdoctor --help')\n");
	return 2;
}
