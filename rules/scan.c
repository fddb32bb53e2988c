/* Orchestration: source -> volume -> fs -> rules -> results. */
#define _GNU_SOURCE
#include "scan.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "bde.h"
#include "checks.h"
#include "events.h"
#include "registry.h"
#include "rules.h"
#include "windir.h"

/* What makes a volume a Windows volume (windir.h): a top-level folder
 * holding this hive; named in messages. */
#define WINDOWS_MARKER "<folder>\\System32\\config\\SYSTEM"

uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

const char *status_name(enum status st)
{
	switch (st) {
	case STATUS_PRESENT: return "present";
	case STATUS_ABSENT: return "absent";
	default: return "unknown";
	}
}

void scan_warn(struct scan *s, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t i;
	json_t *w;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_foreach(s->warnings, i, w)
		if (strcmp(json_string_value(w), buf) == 0)
			return;   /* once each */
	json_array_append_new(s->warnings, json_string(buf));
}

void *scan_cache_get(struct scan *s, const char *key)
{
	size_t i;

	for (i = 0; i < SCAN_CACHE_MAX; i++)
		if (s->cache[i].key[0] && strcmp(s->cache[i].key, key) == 0)
			return s->cache[i].ptr;
	return NULL;
}

int scan_cache_put(struct scan *s, const char *key, void *ptr,
		   void (*free_fn)(void *))
{
	size_t i;

	for (i = 0; i < SCAN_CACHE_MAX; i++) {
		if (!s->cache[i].key[0]) {
			snprintf(s->cache[i].key, sizeof(s->cache[i].key), "%s", key);
			s->cache[i].ptr = ptr;
			s->cache[i].free_fn = free_fn;
			return 0;
		}
	}
	if (free_fn)
		free_fn(ptr);
	return -E_LIMIT;
}

/* Whether a volume holds Windows, and in which folder: windir_find(). */
static void warn_other_windirs(struct scan *s, unsigned others)
{
	if (others)
		scan_warn(s, "%u more top-level folder%s of this volume hold%s System32\\config\\SYSTEM: judging '%s'",
			  others, others == 1 ? "" : "s", others == 1 ? "s" : "", s->windir);
}

static int open_dir_source(struct scan *s, const char *source, struct err *err)
{
	unsigned others = 0;
	int rc;

	s->is_dir = 1;
	rc = fs_open_dir(&s->fs, source, err);
	if (rc < 0)
		return rc;
	rc = windir_find(s->fs, s->windir, sizeof(s->windir), &others, err);
	if (rc < 0)
		return rc;
	if (rc == 0)
		return err_set(err, -E_NOTFOUND,
			       "not a Windows volume (no %s)", WINDOWS_MARKER);
	s->vol.index = 0;
	snprintf(s->vol.type, sizeof(s->vol.type), "directory");
	s->vol.fs = VOLUME_FS_NTFS;
	warn_other_windirs(s, others);
	if (!fs_info(s->fs)->descriptors)
		scan_warn(s, "security descriptors unavailable: %s",
			  fs_info(s->fs)->descriptors_why);
	return 0;
}

/* Mount v; 1 = it holds Windows (kept mounted in s->fs), 0 = no, <0 error. */
static int try_volume(struct scan *s, const struct volume_info *v,
		      struct err *err)
{
	struct fs *fs = NULL;
	char folder[LIMIT_WINDIR_LEN];
	unsigned others = 0;
	int rc;

	struct image *inner = NULL;

	if (v->fs == VOLUME_FS_BITLOCKER) {
		/* the decrypted view (bde.h); its NTFS volume starts at 0 */
		rc = bde_open(&inner, NULL, s->img, v->offset, v->size, err);
		if (rc < 0)
			return err_wrap(err, "partition %d", v->index);
		rc = fs_open_ntfs(&fs, inner, 0, image_size(inner), err);
		if (rc < 0) {
			/* unlocked, but no NTFS volume can be read through it (the
			 * Windows-made samples are trimmed: their $MFT is zeros):
			 * no Windows installation is readable there (issue 20).
			 * Returns 0 with err saying why. */
			image_free(inner);
			return err_wrap(err, "partition %d: BitLocker unlocked, but its NTFS volume cannot be mounted",
					v->index), 0;
		}
	} else {
		rc = fs_open_ntfs(&fs, s->img, v->offset, v->size, err);
	}
	if (rc < 0) {
		image_free(inner);
		return rc;
	}
	rc = windir_find(fs, folder, sizeof(folder), &others, err);
	if (rc <= 0) {
		fs_free(fs);
		image_free(inner);
		return rc;
	}
	if (!s->fs) {
		s->fs = fs;
		s->bde_img = inner;
		s->vol = *v;
		snprintf(s->windir, sizeof(s->windir), "%s", folder);
		warn_other_windirs(s, others);
		snprintf(s->vol.label, sizeof(s->vol.label), "%s", fs_info(fs)->label);
	} else {
		fs_free(fs);
		image_free(inner);
	}
	return 1;
}

/* Several volumes hold Windows: judge the one whose own registry makes it
 * the system volume (MountedDevices gives it SystemRoot's letter).
 * Returns the position in idx of the volume chosen, or -1 (keep the
 * first). */
static int choose_system_volume(struct scan *s, const unsigned *idx,
				unsigned n)
{
	unsigned k;

	for (k = 0; k < n; k++) {
		const struct volume_info *v = &s->vt.v[idx[k]];
		char folder[LIMIT_WINDIR_LEN];
		struct fs *fs = NULL;
		struct err e;

		err_init(&e);
		if (fs_open_ntfs(&fs, s->img, v->offset, v->size, &e) < 0)
			continue;
		if (windir_find(fs, folder, sizeof(folder), NULL, &e) != 1 ||
		    windir_is_system_volume(fs, folder, &s->vt, v, &e) != 1) {
			fs_free(fs);
			continue;
		}
		if (v->index == s->vol.index && v->offset == s->vol.offset) {
			fs_free(fs);
			return (int)k;
		}
		fs_free(s->fs);
		s->fs = fs;
		s->vol = *v;
		snprintf(s->windir, sizeof(s->windir), "%s", folder);
		snprintf(s->vol.label, sizeof(s->vol.label), "%s", fs_info(fs)->label);
		return (int)k;
	}
	return -1;
}

/* Test hook (issue 8): VSSD_FAULT_READ_AFTER=N fails every read after the
 * Nth, VSSD_FAULT_READ_OFFSET=X any read touching byte X, with EIO.  Reads
 * only ever fail: nothing can be written through this. */
static void fault_from_env(struct image *img)
{
	const char *after = getenv("VSSD_FAULT_READ_AFTER");
	const char *off = getenv("VSSD_FAULT_READ_OFFSET");

	if ((after && *after) || (off && *off))
		image_set_fault(img, off && *off ? strtoull(off, NULL, 0) : UINT64_MAX,
				after && *after ? strtoull(after, NULL, 0) : 0);
}

/* Choose the Windows volume of s->img and mount it. */
static int open_volumes(struct scan *s, struct err *err)
{
	const struct scan_opts *o = s->opts;
	struct err verr;
	unsigned i, found = 0, ntfs = 0, win[LIMIT_PARTITIONS];
	int rc, last_rc = 0, chosen = -1;
	char others[256] = "", why[sizeof(verr.msg)] = "";

	fault_from_env(s->img);
	if (o && o->offset >= 0) {
		struct volume_info v;

		memset(&v, 0, sizeof(v));
		v.index = -1;
		v.offset = (uint64_t)o->offset;
		if (v.offset >= image_size(s->img))
			return err_set(err, -E_USAGE, "--offset %lld is past the end of the image",
				       (long long)o->offset);
		v.size = image_size(s->img) - v.offset;
		v.fs = volume_probe_fs(s->img, v.offset);
		snprintf(v.type, sizeof(v.type), "offset");
		rc = try_volume(s, &v, err);
		if (rc < 0)
			return rc;
		if (rc == 0)
			return err_set(err, -E_NOTFOUND, "no Windows installation at offset %lld (no %s)",
				       (long long)o->offset, WINDOWS_MARKER);
		return 0;
	}
	rc = volume_scan(s->img, &s->vt, err);
	if (rc < 0)
		return rc;
	if (s->vt.warning[0])
		scan_warn(s, "%s", s->vt.warning);
	for (i = 0; i < s->vt.count; i++) {
		const struct volume_info *v = &s->vt.v[i];

		if (o && o->partition >= 0 && v->index != o->partition)
			continue;
		if (v->fs != VOLUME_FS_NTFS && v->fs != VOLUME_FS_BITLOCKER &&
		    !(o && o->partition >= 0))
			continue;
		ntfs++;
		err_init(&verr);
		rc = try_volume(s, v, &verr);
		if (rc == 0 && v->fs == VOLUME_FS_BITLOCKER && verr.msg[0] && !why[0])
			snprintf(why, sizeof(why), "%s", verr.msg);
		if (rc < 0) {
			last_rc = rc;
			*err = verr;
			continue;
		}
		if (rc == 1)
			win[found++] = i;
	}
	if (found > 1 && !(o && o->partition >= 0))
		chosen = choose_system_volume(s, win, found);
	for (i = 0; found > 1 && i < found; i++) {
		size_t l = strlen(others);

		if (s->vt.v[win[i]].index == s->vol.index && s->vt.v[win[i]].offset == s->vol.offset)
			continue;
		snprintf(others + l, sizeof(others) - l, "%s%d", l ? ", " : "",
			 s->vt.v[win[i]].index);
	}
	if (others[0] && chosen >= 0)
		scan_warn(s, "several volumes hold Windows; using partition %d, the system volume its registry names (also: %s); choose with --partition",
			  s->vol.index, others);
	else if (others[0])
		scan_warn(s, "several volumes hold Windows; using partition %d (also: %s); choose with --partition",
			  s->vol.index, others);
	if (found)
		return 0;
	if (o && o->partition >= 0 && ntfs == 0)
		return err_set(err, -E_USAGE, "no partition %d", o->partition);
	if (last_rc < 0)
		return last_rc;
	if (ntfs == 0)
		rc = err_set(err, -E_NOTFOUND, "no NTFS volume found");
	else
		rc = err_set(err, -E_NOTFOUND, "no Windows volume (no NTFS volume holds %s)",
			     WINDOWS_MARKER);
	if (why[0]) {
		size_t l = strlen(err->msg);

		snprintf(err->msg + l, sizeof(err->msg) - l, " (%s)", why);
	}
	/* what the partition table said may be why (a partition past the end) */
	if (s->vt.warning[0]) {
		size_t l = strlen(err->msg);

		snprintf(err->msg + l, sizeof(err->msg) - l, " (%s)", s->vt.warning);
	}
	return rc;
}

static int open_image_source(struct scan *s, const char *source,
			     struct err *err)
{
	int rc = image_open(&s->img, source, err);

	if (rc < 0)
		return rc;
	return open_volumes(s, err);
}

static void scan_init(struct scan *s, const char *source,
		      const struct scan_opts *opts)
{
	memset(s, 0, sizeof(*s));
	s->t_start_ns = now_ns();
	s->opts = opts;
	s->source = source;
	s->warnings = json_array();
	s->windows = json_object();
}

static int scan_opened(struct scan *s, int rc, struct err *err)
{
	if (rc < 0) {
		s->open_failed = 1;
		s->open_err = *err;
		scan_source_fill(s);
		return rc;
	}
	if (fs_info(s->fs)->dirty)
		scan_warn(s, "NTFS volume is marked dirty (not cleanly shut down): read-only view of its last consistent state");
	if (fs_info(s->fs)->hibernated)
		scan_warn(s, "Windows is hibernated on this volume: recent changes may sit in hiberfil.sys");
	registry_fill_windows(s);
	windir_settle(s);
	scan_source_fill(s);
	return 0;
}

int scan_open_image(struct scan *s, struct image *img, const char *name,
		    const struct scan_opts *opts, struct err *err)
{
	scan_init(s, name, opts);
	s->img = img;
	if (!s->warnings || !s->windows)
		return scan_opened(s, err_set(err, -E_NOMEM, "out of memory"), err);
	return scan_opened(s, open_volumes(s, err), err);
}

int scan_open(struct scan *s, const char *source, const struct scan_opts *opts,
	      struct err *err)
{
	struct stat st;
	int rc;

	scan_init(s, source, opts);
	if (!s->warnings || !s->windows)
		return scan_opened(s, err_set(err, -E_NOMEM, "out of memory"), err);
	if (stat(source, &st) < 0)
		rc = err_set(err, -E_IO, "%s", strerror(errno));
	else if (S_ISDIR(st.st_mode))
		rc = open_dir_source(s, source, err);
	else
		rc = open_image_source(s, source, err);
	return scan_opened(s, rc, err);
}

static void summary_from_rule(const struct rule *r, struct result *res)
{
	json_t *t = json_object_get(r->summary, status_name(res->status));

	if (res->summary)
		return;
	if (json_is_string(t))
		res->summary = rule_fill(json_string_value(t), res->vars, 0);
	if (!res->summary)
		res->summary = strdup(res->status == STATUS_PRESENT ? "the disk shows this cause" :
				      res->status == STATUS_ABSENT ? "checked: not present" :
				      "could not be checked");
}

/* Attach event evidence; a spec with makes_present upgrades the status. */
static void run_events(struct scan *s, const struct rule *r, struct result *res)
{
	size_t i;
	json_t *spec;
	int read_any = 0, failed = 0;

	if (!r->events)
		return;
	json_array_foreach(r->events, i, spec) {
		struct err e;
		int n;

		err_init(&e);
		n = events_collect(s, spec, res->evidence, &e);
		if (n < 0) {
			failed++;
			/* an unreadable log was warned about once where it was
			 * read; anything else is said here, not dropped */
			if (e.code != -E_IO && e.code != -E_NOTFOUND && e.code != -E_CORRUPT &&
			    e.code != -E_FORMAT)
				scan_warn(s, "rule %s: events[%zu]: %s", r->id, i, e.msg);
			continue;
		}
		read_any = 1;
		if (n > 0 && json_is_true(json_object_get(spec, "makes_present")) &&
		    res->status != STATUS_PRESENT) {
			/* the disk's own checks did not show it, the logs do: say
			 * so rather than fill the rule's sentence for the disk */
			const char *label = json_string_value(json_object_get(spec, "label"));
			char *was = res->summary;

			/* an events-only rule has no disk check of its own: its
			 * "absent" sentence is about these very logs */
			if (r->check == &check_def_events) {
				free(was);
				was = NULL;
			}

			res->status = STATUS_PRESENT;
			if (asprintf(&res->summary, "the event logs show it: %s (%d event%s)%s%s",
				     label ? label : json_string_value(json_object_get(spec, "provider")),
				     n, n == 1 ? "" : "s",
				     was ? "; on the disk: " : "", was ? was : "") < 0)
				res->summary = NULL;
			free(was);
		}
	}
	/* an events-only finding whose logs could not be read is unknown */
	if (r->check == &check_def_events && !read_any && failed) {
		res->status = STATUS_UNKNOWN;
		free(res->summary);
		res->summary = strdup("the event logs could not be read");
	}
}

static int run_rule(struct scan *s, const struct rule *r, struct result *res)
{
	struct err e;
	int rc;

	memset(res, 0, sizeof(*res));
	res->rule = r;
	res->status = STATUS_UNKNOWN;
	res->evidence = json_array();
	res->vars = json_object();
	res->remediation = json_array();
	if (!res->evidence || !res->vars || !res->remediation)
		return -E_NOMEM;
	err_init(&e);
	rc = r->check->fn(s, r, res, &e);
	if (rc == CHECK_NOT_APPLICABLE)
		return CHECK_NOT_APPLICABLE;
	if (rc < 0) {
		res->status = STATUS_UNKNOWN;
		free(res->summary);
		if (asprintf(&res->summary, "could not be checked: %s",
			     e.msg[0] ? e.msg : err_code_name(rc)) < 0)
			res->summary = NULL;
	}
	summary_from_rule(r, res);
	run_events(s, r, res);
	summary_from_rule(r, res);
	if (res->status == STATUS_PRESENT) {
		err_init(&e);
		if (rule_expand_remediation(r, res, &e) < 0)
			return e.code;
	}
	return 0;
}

static const char *const seed_causes[4] = { "cause1", "cause2", "cause3", "cause4" };

int scan_run(struct scan *s, const struct rule *rules, size_t nrules,
	     struct err *err)
{
	size_t i, k, n = 0;
	int rc;

	s->rules = rules;
	s->nrules = nrules;
	s->results = calloc(nrules + 4, sizeof(*s->results));
	if (!s->results)
		return err_set(err, -E_NOMEM, "out of memory");
	/* the four seed causes always, in order, even when a rule is missing */
	for (k = 0; k < 4; k++) {
		const struct rule *r = NULL;

		for (i = 0; i < nrules; i++)
			if (rules[i].kind == RULE_CAUSE && strcmp(rules[i].id, seed_causes[k]) == 0)
				r = &rules[i];
		if (!r) {
			struct result *res = &s->results[n++];

			memset(res, 0, sizeof(*res));
			res->status = STATUS_UNKNOWN;
			if (asprintf(&res->summary, "no rule for %s in the rules folder",
				     seed_causes[k]) < 0)
				res->summary = NULL;
			res->evidence = json_array();
			res->vars = json_object();
			res->remediation = json_array();
			s->nresults = n;
			continue;
		}
		rc = run_rule(s, r, &s->results[n++]);
		s->nresults = n;
		if (rc < 0)
			return err_set(err, rc, "rule '%s' failed", r->id);
	}
	for (i = 0; i < nrules; i++) {
		int seed = 0;

		for (k = 0; k < 4; k++)
			if (strcmp(rules[i].id, seed_causes[k]) == 0)
				seed = 1;
		if (seed)
			continue;
		rc = run_rule(s, &rules[i], &s->results[n++]);
		if (rc == CHECK_NOT_APPLICABLE) {
			struct result *res = &s->results[--n];

			free(res->summary);
			json_decref(res->evidence);
			json_decref(res->vars);
			json_decref(res->remediation);
			memset(res, 0, sizeof(*res));
			continue;
		}
		s->nresults = n;
		if (rc < 0)
			return err_set(err, rc, "rule '%s' failed", rules[i].id);
	}
	s->nresults = n;
	s->t_total_ms = (now_ns() - s->t_start_ns) / 1000000;
	/* a mapped raw file that shrank under the scan read as zeros since
	 * (image_map.c): nothing of it can be trusted */
	if (s->img && image_damaged(s->img))
		return err_set(err, -E_IO, "the source changed size while it was being read: scan again");
	return 0;
}

const char *result_id(const struct result *res, size_t index)
{
	if (res->rule)
		return res->rule->id;
	return index < 4 ? seed_causes[index] : "unknown";
}

int scan_result_fails(const struct scan *s, size_t i)
{
	return i < 4 || (s->results[i].rule && s->results[i].rule->fails);
}

int scan_exit_status(const struct scan *s)
{
	size_t i;
	int present = 0, unknown = 0;

	if (s->open_failed)
		return 2;
	for (i = 0; i < s->nresults; i++) {
		const struct result *res = &s->results[i];

		if (scan_result_fails(s, i) && res->status == STATUS_PRESENT)
			present = 1;
		if (res->status == STATUS_UNKNOWN)
			unknown = 1;
	}
	return present ? 1 : unknown ? 3 : 0;
}

void scan_release(struct scan *s)
{
	size_t i;

	for (i = 0; i < s->nresults; i++) {
		free(s->results[i].summary);
		json_decref(s->results[i].evidence);
		json_decref(s->results[i].vars);
		json_decref(s->results[i].remediation);
		json_decref(s->results[i].last_good);
	}
	free(s->results);
	for (i = 0; i < SCAN_CACHE_MAX; i++)
		if (s->cache[i].key[0] && s->cache[i].free_fn)
			s->cache[i].free_fn(s->cache[i].ptr);
	fs_free(s->fs);
	image_free(s->bde_img);
	image_free(s->img);
	json_decref(s->warnings);
	json_decref(s->windows);
	json_decref(s->history);
	json_decref(s->shadow_copies);
	memset(s, 0, sizeof(*s));
}
