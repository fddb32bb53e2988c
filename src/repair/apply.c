/* Applying a plan: the hive file is read whole, edited in memory
 * (parsers/hiveedit.c: same size, sequence numbers advanced, checksum),
 * compared with the old bytes cluster by cluster, and the changed clusters
 * are written into a qcow2 overlay of SOURCE at the disk offsets
 * libntfs-3g's runlist gives; then TARGET is scanned again. */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fs.h"
#include "hiveedit.h"
#include "image.h"

/* One change c written into the open hive h and read back. */
static int hive_change(struct hive_edit *h, const struct change *c, struct err *err)
{
	uint32_t nk, vk, type, olen;
	const uint8_t *old;
	int rc = hive_edit_find_key(h, c->key, &nk, err);

	if (rc == 0)
		return err_set(err, -E_NOTFOUND, "key %s is absent", c->key);
	if (rc < 0)
		return err_wrap(err, "%s", c->key);
	if (c->kind == CHANGE_KEY_SD) {
		if (hive_edit_set_key_sd(h, nk, c->data, c->len, err) < 0 ||
		    hive_edit_key_sd(h, nk, &old, &olen, err) < 0)
			return err_wrap(err, "%s (its security)", c->key);
	} else {
		rc = hive_edit_find_value(h, nk, c->value, &vk, err);
		if (rc < 0)
			return err_wrap(err, "%s", c->key);
		if (rc == 0 && !c->create)
			return err_set(err, -E_NOTFOUND, "%s has no value %s", c->key, c->value);
		if (rc == 1 && hive_edit_set_value(h, vk, c->data, c->len, err) < 0)
			return err_wrap(err, "%s\\%s", c->key, c->value);
		if (rc == 0 && hive_edit_add_value(h, nk, c->value, c->type, c->data, c->len,
						   &vk, err) < 0)
			return err_wrap(err, "%s\\%s", c->key, c->value);
		/* read back what was written */
		if (hive_edit_value(h, vk, &type, &old, &olen, err) < 0)
			return err_wrap(err, "%s\\%s", c->key, c->value);
	}
	if (olen != c->len || memcmp(old, c->data, olen) != 0)
		return err_set(err, -E_INTERNAL, "%s\\%s did not read back", c->key, c->value);
	return 0;
}

/* The changes of p to hive made in buf (that hive's file, len bytes),
 * then the hive sealed. */
static int hive_apply(struct plan *p, enum repair_hive hive, uint8_t *buf, size_t len,
		      struct err *err)
{
	struct hive_edit h;
	size_t i;
	struct timespec ts;

	if (hive_edit_open(&h, buf, len, err) < 0)
		return -1;
	for (i = 0; i < p->n; i++) {
		struct change *c = &p->c[i];

		if (change_in_hive(c) && c->hive == hive &&
		    hive_change(&h, c, err) < 0)
			return -1;
	}
	clock_gettime(CLOCK_REALTIME, &ts);
	hive_edit_seal(&h, ((uint64_t)ts.tv_sec + 11644473600ull) * 10000000ull +
		       (uint64_t)ts.tv_nsec / 100);
	return 0;
}

/* The changed bytes of old -> neu (len bytes of a file laid out in runs on
 * a volume at vol_off on the disk), widened to 4096-byte pages, split at
 * run boundaries.  *nr ranges, malloc'd; NULL out of memory. */
static struct range *changed_ranges(const uint8_t *old, const uint8_t *neu, size_t len,
				    const struct fs_extent *runs, size_t nruns,
				    uint64_t vol_off, size_t *nr)
{
	struct range *ranges = calloc(len / 4096 + nruns + 1, sizeof(*ranges));
	size_t i, n = 0;

	if (!ranges)
		return NULL;
	for (i = 0; i < nruns; i++) {
		uint64_t off;

		for (off = 0; off < runs[i].len; off += 4096) {
			uint64_t fo = runs[i].file_off + off, sz = 4096;
			uint64_t disk = vol_off + runs[i].vol_off + off;

			if (fo >= len)
				break;
			if (sz > runs[i].len - off)    /* clusters under 4 KiB */
				sz = runs[i].len - off;
			if (sz > len - fo)
				sz = len - fo;
			if (memcmp(old + fo, neu + fo, sz) == 0)
				continue;
			if (n && ranges[n - 1].file_off + ranges[n - 1].len == fo &&
			    ranges[n - 1].disk_off + ranges[n - 1].len == disk) {
				ranges[n - 1].len += sz;
			} else {
				ranges[n].file_off = fo;
				ranges[n].disk_off = disk;
				ranges[n].len = sz;
				ranges[n].old = old + fo;
				ranges[n].neu = neu + fo;
				n++;
			}
		}
	}
	*nr = n;
	return ranges;
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

/* Where and how the repair writes. */
struct dest {
	const char *path;            /* TARGET, or SOURCE in place */
	int raw;                     /* pwrite (--copy, --in-place), else qemu-io */
	char journal[LIMIT_PATH_LEN + 16];
	char abs_src[LIMIT_PATH_LEN];
};

/* "the SYSTEM hive", "the SOFTWARE hive" or both: those p changes */
static const char *hives_label(const struct plan *p)
{
	int in[HIVE_COUNT] = { 0 };
	size_t i;

	for (i = 0; i < p->n; i++)
		if (change_in_hive(&p->c[i]))
			in[p->c[i].hive] = 1;
	return !in[HIVE_SOFTWARE] ? "the SYSTEM hive" :
	       in[HIVE_SYSTEM] ? "the SYSTEM and SOFTWARE hives" : "the SOFTWARE hive";
}

/* What was written and the causes before and after, on stdout. */
static void apply_report(const struct plan *p, const struct repair_opts *o, const struct dest *d,
			 size_t nh, size_t nf, uint64_t written, json_t *before, json_t *after,
			 int present)
{
	size_t nr = nh + nf;
	size_t i;

	if (o->json) {
		json_t *root = json_object(), *arr = json_array();

		for (i = 0; i < p->n; i++)
			json_array_append_new(arr, change_json(&p->c[i]));
		json_object_set_new(root, "source", json_string(o->source));
		json_object_set_new(root, "target", json_string(d->path));
		json_object_set_new(root, "target_format", json_string(d->raw ? "raw" : "qcow2"));
		json_object_set_new(root, "journal", json_string(d->journal));
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

		printf("\nwritten into %s (%llu bytes in %zu range%s", d->path,
		       (unsigned long long)written, nr, nr == 1 ? "" : "s");
		if (nf == 0)
			printf(" of %s", hives_label(p));
		else
			printf(": %zu of %s, %zu of NTFS metadata", nh, hives_label(p), nf);
		printf("); undo journal %s\n", d->journal);
		json_object_foreach(after, id, v)
			printf("  %-26s before: %-8s after: %s\n", id,
			       json_string_value(json_object_get(before, id)), json_string_value(v));
	}
}

/* The hive as it is (*old) and as the plan makes it (*neu), both *len
 * bytes, malloc'd; 0, else the exit status (said). */
static int hive_edit_copy(struct scan *s, struct plan *p, enum repair_hive hive,
			  uint8_t **old, uint8_t **neu, size_t *len)
{
	const char *path = plan_hive_path(p, hive);
	struct err err;

	err_init(&err);
	if (!path[0])
		return repair_refuse("the %s hive was not found", repair_hive_name(hive));
	if (fs_read_file(s->ev.fs, path, LIMIT_HIVE_SIZE, old, len, &err) <= 0) {
		fprintf(stderr, "vssdoctor: cannot read %s: %s\n", path, err.msg);
		return 2;
	}
	*neu = malloc(*len ? *len : 1);
	if (!*neu)
		return 2;
	memcpy(*neu, *old, *len);
	err_init(&err);
	if (hive_apply(p, hive, *neu, *len, &err) < 0)
		return repair_refuse("%s: %s", path, err.msg);
	return 0;
}


/* 0 with d filled, else the refusal's exit status (said). */
static int dest_decide(struct scan *s, const struct repair_opts *o, struct dest *d)
{
	const char *fmt = image_format(s->ev.img), *base = strrchr(o->source, '/');
	struct stat st;

	memset(d, 0, sizeof(*d));
	if (!realpath(o->source, d->abs_src))
		return repair_refuse("'%s': %s", o->source, strerror(errno));
	d->path = o->target;
	d->raw = o->copy;
	if (o->in_place) {
		if (!o->have_backup)
			return repair_refuse("--in-place writes SOURCE itself: make a backup, then add --i-have-a-backup");
		if (strcmp(fmt, "raw") != 0)
			return repair_refuse("--in-place writes only a raw image or block device, '%s' is %s (use --output TARGET)",
					     o->source, fmt);
		d->path = o->source;
		d->raw = 1;
		/* a block device's journal goes to the current folder */
		if (stat(o->source, &st) == 0 && S_ISREG(st.st_mode))
			snprintf(d->journal, sizeof(d->journal), "%s.undo.json", o->source);
		else
			snprintf(d->journal, sizeof(d->journal), "%s.undo.json", base ? base + 1 : o->source);
		if (lstat(d->journal, &st) == 0)
			return repair_refuse("the journal '%s' exists already", d->journal);
		return 0;
	}
	if (!o->copy && !qemu_format(fmt))
		return repair_refuse("a %s source cannot back a qcow2 overlay and is never modified in place (E01 is evidence): use --copy for a raw copy",
				     fmt);
	snprintf(d->journal, sizeof(d->journal), "%s.undo.json", o->target);
	return 0;
}

/* The journal beside TARGET, then TARGET, then the ranges into it; 0 or
 * the exit status (said). */
static int write_target(struct scan *s, const struct plan *p, const struct repair_opts *o,
			const struct dest *d, const struct range *ranges, size_t nr,
			uint64_t *written)
{
	json_t *jr = journal_new(p, d->abs_src, d->path, ranges, nr);
	struct err err;
	size_t i;
	int rc = 2;

	if (!jr)
		return 2;
	json_object_set_new(jr, "target_format", json_string(d->raw ? "raw" : "qcow2"));
	json_object_set_new(jr, "in_place", json_boolean(o->in_place));
	err_init(&err);
	if (o->copy && target_copy_sparse(s->ev.img, d->path, &err) < 0) {
		fprintf(stderr, "vssdoctor: cannot copy '%s' to '%s': %s\n", o->source, d->path, err.msg);
		goto out;
	}
	if (!d->raw && overlay_create(d->path, d->abs_src, qemu_format(image_format(s->ev.img))) < 0)
		goto out;
	if (json_dump_file(jr, d->journal, JSON_INDENT(1)) != 0) {
		fprintf(stderr, "vssdoctor: cannot write the journal '%s'\n", d->journal);
		if (!o->in_place)
			unlink(d->path);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		err_init(&err);
		if (target_write(d->path, d->raw, ranges[i].disk_off, ranges[i].neu,
				 ranges[i].len, &err) < 0) {
			fprintf(stderr, "vssdoctor: %s\n", err.msg);
			goto out;
		}
		*written += ranges[i].len;
	}
	rc = 0;
out:
	json_decref(jr);
	return rc;
}

/* One hive's changed ranges (none when the plan changes nothing of it):
 * 0, else the exit status (said).  *old and *neu hold the hive's bytes. */
static int hive_ranges(struct scan *s, struct plan *p, enum repair_hive hive,
		       struct range **ranges, size_t *nr, uint8_t **old, uint8_t **neu)
{
	struct fs_extent *runs = NULL;
	size_t len = 0, nruns = 0, i;
	uint64_t alloc = 0;
	struct err err;
	int rc;

	for (i = 0; i < p->n; i++)
		if (change_in_hive(&p->c[i]) && p->c[i].hive == hive)
			break;
	if (i == p->n)
		return 0;
	rc = hive_edit_copy(s, p, hive, old, neu, &len);
	if (rc != 0)
		return rc;
	err_init(&err);
	if (fs_file_extents(s->ev.fs, plan_hive_path(p, hive), &runs, &nruns, &alloc, &err) <= 0)
		return repair_refuse("%s: %s", plan_hive_path(p, hive), err.msg);
	*ranges = changed_ranges(*old, *neu, len, runs, nruns, s->ev.vol.offset, nr);
	free(runs);
	if (!*ranges)
		return 2;
	for (i = 0; i < *nr; i++)
		(*ranges)[i].hive = hive;
	return 0;
}

/* a and b, sorted by disk offset, into one array (malloc'd); NULL when
 * out of memory or when two overlap (said) */
static struct range *ranges_merge(const struct range *a, size_t na, const struct range *b,
				  size_t nb)
{
	struct range *all = malloc((na + nb + 1) * sizeof(*all));
	size_t i;

	if (!all)
		return NULL;
	if (na)
		memcpy(all, a, na * sizeof(*a));
	if (nb)
		memcpy(all + na, b, nb * sizeof(*b));
	for (i = 0; i < na + nb; i++) {
		size_t k;

		for (k = i + 1; k < na + nb; k++)
			if (all[k].disk_off < all[i].disk_off + all[i].len &&
			    all[i].disk_off < all[k].disk_off + all[k].len) {
				fprintf(stderr, "vssdoctor: repair: the hive and NTFS changes overlap at %llu\n",
					(unsigned long long)all[k].disk_off);
				free(all);
				return NULL;
			}
	}
	return all;
}

struct apply_bytes {
	uint8_t *hold[HIVE_COUNT], *hneu[HIVE_COUNT], *fold, *fneu;
	struct range *hive, *files, *all;
	size_t nh, nf;
};

/* Every hive's changed ranges into b->hive (b->nh of them): 0, else the
 * exit status (said). */
static int hives_ranges(struct scan *s, struct plan *p, struct apply_bytes *b)
{
	int h, rc;

	for (h = 0; h < HIVE_COUNT; h++) {
		struct range *r = NULL, *grown;
		size_t n = 0;

		rc = hive_ranges(s, p, (enum repair_hive)h, &r, &n, &b->hold[h], &b->hneu[h]);
		if (rc != 0)
			return rc;
		if (!n) {
			free(r);
			continue;
		}
		grown = realloc(b->hive, (b->nh + n) * sizeof(*grown));
		if (!grown) {
			free(r);
			return 2;
		}
		b->hive = grown;
		memcpy(b->hive + b->nh, r, n * sizeof(*r));
		b->nh += n;
		free(r);
	}
	return 0;
}

static void apply_bytes_free(struct apply_bytes *b)
{
	int h;

	for (h = 0; h < HIVE_COUNT; h++) {
		free(b->hold[h]);
		free(b->hneu[h]);
	}
	free(b->fold);
	free(b->fneu);
	free(b->hive);
	free(b->files);
	free(b->all);
}

/* TARGET scanned as a user would, its overlay's backing file being
 * SOURCE wherever TARGET lies. */
static int rescan(struct scan *t, const struct repair_opts *o, const struct dest *d,
		  const struct rule *rules, size_t nrules)
{
	struct image *img = NULL;
	struct err err;

	err_init(&err);
	if (repair_target_open(&img, d->path, d->raw, d->abs_src, &err) < 0) {
		fprintf(stderr, "vssdoctor: cannot read '%s': %s\n", d->path, err.msg);
		return 2;
	}
	return repair_scan_source(t, &o->scan, d->path, img, rules, nrules);
}

int repair_apply(struct scan *s, struct plan *p, const struct repair_opts *o,
		 const struct rule *rules, size_t nrules)
{
	struct apply_bytes b;
	struct dest d;
	uint64_t written = 0;
	json_t *before = NULL, *after = NULL;
	struct scan *t = NULL;
	int rc, present = 0, dummy = 0;

	rc = dest_decide(s, o, &d);
	if (rc != 0)
		return rc;
	if (!o->json)                    /* what will change, before writing */
		plan_print(stdout, p, 0, o->source, d.path);
	memset(&b, 0, sizeof(b));
	rc = hives_ranges(s, p, &b);
	if (rc == 0)
		rc = plan_files_apply(s, p, &b.files, &b.nf, &b.fold, &b.fneu);
	if (rc != 0)
		goto out;
	rc = 2;
	b.all = ranges_merge(b.hive, b.nh, b.files, b.nf);
	if (!b.all || write_target(s, p, o, &d, b.all, b.nh + b.nf, &written) != 0)
		goto out;
	/* rescan TARGET */
	before = statuses(s, p->fixing, &dummy);
	t = calloc(1, sizeof(*t));
	if (!t || rescan(t, o, &d, rules, nrules) != 0)
		goto out;
	after = statuses(t, p->fixing, &present);
	apply_report(p, o, &d, b.nh, b.nf, written, before, after, present);
	rc = present ? 1 : 0;
out:
	if (t) {
		scan_release(t);
		free(t);
	}
	json_decref(before);
	json_decref(after);
	apply_bytes_free(&b);
	return rc;
}
