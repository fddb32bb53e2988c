/* Applying a plan: each hive file it touches is read whole (a dirty one
 * as its logs make it, hive_logs.c), edited in memory (parsers/hiveedit.c:
 * same size, sequence numbers advanced, checksum), compared with the old
 * bytes cluster by cluster, and the changed clusters are written into a
 * qcow2 overlay of SOURCE at the disk offsets libntfs-3g's runlist gives;
 * a hive the replay made longer than its file is written through
 * libntfs-3g instead (plan_files_apply: the file grows, NTFS stays
 * consistent).  Then TARGET is scanned again. */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <string.h>
#include <strings.h>
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

static int hive_apply(struct plan *p, const char *path, uint8_t *buf, size_t len,
		      struct err *err)
{
	struct hive_edit h;
	size_t i;
	struct timespec ts;

	if (hive_edit_open(&h, buf, len, err) < 0)
		return -1;
	for (i = 0; i < p->n; i++) {
		const struct change *c = &p->c[i];

		if (change_in_hive(c) && strcasecmp(plan_hive_path(p, c->hive), path) == 0 &&
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
/* The statuses of ids in s's results, *any_present set when one is not
 * absent.  With events (the rescan of TARGET): a cause that its own disk
 * check finds absent but that old events still make present counts as
 * absent, the events named in events[id] (they predate the repair: it
 * wrote no log, and TARGET has not run). */
static json_t *statuses(struct scan *s, json_t *ids, int *any_present, json_t *events)
{
	json_t *o = json_object(), *v;
	size_t i, k;

	json_array_foreach(ids, k, v) {
		const char *id = json_string_value(v);

		for (i = 0; i < s->nresults; i++) {
			const struct result *r = &s->results[i];
			enum status st = r->status;

			if (strcmp(result_id(r, i), id) != 0)
				continue;
			if (events && st == STATUS_PRESENT && r->by_events) {
				st = STATUS_ABSENT;
				json_object_set_new(events, id, json_string(r->by_events));
			}
			json_object_set_new(o, id, json_string(status_name(st)));
			if (st != STATUS_ABSENT)
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

/* What was written and the causes before and after, on stdout. */
static void apply_report(const struct plan *p, const struct repair_opts *o, const struct dest *d,
			 const char *hives, size_t nh, size_t nf, uint64_t written, json_t *before, json_t *after,
			 json_t *events, int present)
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
		if (p->nwrite) {             /* hives that grew: through libntfs-3g */
			json_t *grown = json_array();

			for (i = 0; i < p->nwrite; i++)
				json_array_append_new(grown, json_pack("{s:s,s:I}", "path", p->write[i].path,
								       "bytes", (json_int_t)p->write[i].len));
			json_object_set_new(root, "files_grown", grown);
		}
		json_object_set(root, "before", before);
		json_object_set(root, "after", after);
		if (json_object_size(events))
			json_object_set(root, "events_remain", events);
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
			printf(" of %s", hives);
		else
			printf(": %zu of %s, %zu of NTFS metadata", nh, hives, nf);
		printf("); undo journal %s\n", d->journal);
		for (i = 0; i < p->nwrite; i++)
			printf("  %s grew to %zu bytes: written through libntfs-3g (those ranges)\n",
			       p->write[i].path, p->write[i].len);
		json_object_foreach(after, id, v) {
			json_t *ev = json_object_get(events, id);

			printf("  %-26s before: %-8s after: %s%s%s\n", id,
			       json_string_value(json_object_get(before, id)), json_string_value(v),
			       ev ? " on the disk; the events from before the repair stay in the logs: " : "",
			       ev ? json_string_value(ev) : "");
		}
	}
}

/* One hive file the plan writes: as on the volume and as the plan makes
 * it, and the changed stretches when it keeps its size. */
struct hive_bytes {
	const char *path;
	enum repair_hive hive;
	uint8_t *old, *neu;
	size_t olen, len;
	struct range *r;
	size_t nr;
};

/* The hive at hb->path as it is (hb->old) and as the plan makes it
 * (hb->neu: its logs replayed when it was dirty, the plan's values set,
 * sealed), malloc'd; 0, else the exit status (said). */
static int hive_edit_copy(struct scan *s, struct plan *p, struct hive_bytes *hb)
{
	const struct hive_replay *r = hive_replay_of(p, hb->path);
	struct err err;

	err_init(&err);
	if (!hb->path[0])
		return repair_refuse("the %s hive was not found", repair_hive_name(hb->hive));
	if (fs_read_file(s->ev.fs, hb->path, LIMIT_HIVE_SIZE, &hb->old, &hb->olen, &err) <= 0) {
		fprintf(stderr, "vssdoctor: cannot read %s: %s\n", hb->path, err.msg);
		return 2;
	}
	if (r && r->primary_len != hb->olen)
		return repair_refuse("%s changed size since its logs were replayed", hb->path);
	hb->len = r ? r->len : hb->olen;
	hb->neu = malloc(hb->len ? hb->len : 1);
	if (!hb->neu)
		return 2;
	memcpy(hb->neu, r ? r->data : hb->old, hb->len);
	err_init(&err);
	if (hive_apply(p, hb->path, hb->neu, hb->len, &err) < 0)
		return repair_refuse("%s: %s", hb->path, err.msg);
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

/* The hive's changed ranges, or, when it grew, a whole file write for
 * plan_files_apply (p->write); 0, else the exit status (said). */
static int hive_ranges(struct scan *s, struct plan *p, struct hive_bytes *hb)
{
	struct fs_extent *runs = NULL;
	size_t nruns = 0, i;
	uint64_t alloc = 0, vol_off, vol_size;
	struct image *vol;
	struct err err;
	int rc;

	rc = hive_edit_copy(s, p, hb);
	if (rc != 0)
		return rc;
	if (hb->len != hb->olen) {
		if (p->nwrite >= PLAN_HIVES_MAX)
			return 2;
		p->write[p->nwrite].path = hb->path;
		p->write[p->nwrite].data = hb->neu;
		p->write[p->nwrite].len = hb->len;
		p->nwrite++;
		return 0;
	}
	err_init(&err);
	if (fs_file_extents(s->ev.fs, hb->path, &runs, &nruns, &alloc, &err) <= 0)
		return repair_refuse("%s: %s", hb->path, err.msg);
	repair_volume(s, &vol, &vol_off, &vol_size);
	hb->r = changed_ranges(hb->old, hb->neu, hb->len, runs, nruns, vol_off, &hb->nr);
	free(runs);
	if (!hb->r)
		return 2;
	for (i = 0; i < hb->nr; i++)
		hb->r[i].hive = hb->hive;
	return 0;
}

/* hive's file at path added to hb[*n] unless it is there */
static void hive_once(struct hive_bytes *hb, size_t *n, const char *path, enum repair_hive hive)
{
	size_t k;

	for (k = 0; k < *n && strcasecmp(hb[k].path, path) != 0; k++)
		;
	if (k == *n && *n < PLAN_HIVES_MAX) {
		hb[*n].hive = hive;
		hb[(*n)++].path = path;
	}
}

/* The hive files the plan writes: the ones its values are in, and every
 * hive whose logs it replays; *n of them. */
static size_t plan_hives(const struct plan *p, struct hive_bytes *hb)
{
	size_t n = 0, i;

	for (i = 0; i < p->n; i++)
		if (change_in_hive(&p->c[i]))
			hive_once(hb, &n, plan_hive_path(p, p->c[i].hive), p->c[i].hive);
	for (i = 0; i < p->nreplay; i++)
		hive_once(hb, &n, p->replay[i].path, p->replay[i].hive);
	return n;
}

/* "the SYSTEM hive", "the SOFTWARE hive" or both: the n that plan_hives
 * gave */
static const char *hives_label(const struct hive_bytes *hb, size_t n)
{
	int in[HIVE_COUNT] = { 0 };
	size_t i;

	for (i = 0; i < n; i++)
		in[hb[i].hive] = 1;
	return !in[HIVE_SOFTWARE] ? "the SYSTEM hive" :
	       in[HIVE_SYSTEM] ? "the SYSTEM and SOFTWARE hives" : "the SOFTWARE hive";
}

struct apply_bytes {
	struct hive_bytes hive[PLAN_HIVES_MAX];
	size_t nhives, nh;               /* nh: hive ranges, all hives */
	uint8_t *fold, *fneu;
	struct range *files, *all;
	size_t nf;
	/* through BitLocker: all as the disk holds it (apply_bde.c) */
	uint8_t *eold, *eneu;
	struct range *enc;
};

static void apply_bytes_free(struct apply_bytes *b)
{
	size_t i;

	for (i = 0; i < b->nhives; i++) {
		free(b->hive[i].old);
		free(b->hive[i].neu);
		free(b->hive[i].r);
	}
	free(b->fold);
	free(b->fneu);
	free(b->files);
	free(b->all);
	free(b->eold);
	free(b->eneu);
	free(b->enc);
}

/* The ranges to write: b->all, or through BitLocker b->all encrypted (nh
 * and nf then count its pieces); 0, else the exit status (said). */
static int disk_ranges(struct scan *s, const struct plan *p, struct apply_bytes *b,
		       const struct range **r, size_t *nr)
{
	size_t i;
	int rc;

	*r = b->all;
	*nr = b->nh + b->nf;
	if (!s->ev.bde_img)
		return 0;
	if (!p->bde)
		return repair_refuse("BitLocker: no writer for the volume");
	rc = repair_bde_ranges(s, p->bde, b->all, b->nh + b->nf, &b->enc, nr, &b->eold, &b->eneu);
	if (rc != 0)
		return rc;
	*r = b->enc;
	for (i = b->nf = 0; i < *nr; i++)
		b->nf += b->enc[i].ntfs;
	b->nh = *nr - b->nf;
	return 0;
}

/* The ranges of every hive and of the file changes in one array
 * (b->all); -1 when out of memory or when two overlap (said) */
static int ranges_merge(struct apply_bytes *b)
{
	size_t i, k, n = 0;

	for (i = 0; i < b->nhives; i++)
		b->nh += b->hive[i].nr;
	b->all = malloc((b->nh + b->nf + 1) * sizeof(*b->all));
	if (!b->all)
		return -1;
	for (i = 0; i < b->nhives; i++) {
		if (b->hive[i].nr)
			memcpy(b->all + n, b->hive[i].r, b->hive[i].nr * sizeof(*b->all));
		n += b->hive[i].nr;
	}
	if (b->nf)
		memcpy(b->all + n, b->files, b->nf * sizeof(*b->all));
	n += b->nf;
	for (i = 0; i < n; i++)
		for (k = i + 1; k < n; k++)
			if (b->all[k].disk_off < b->all[i].disk_off + b->all[i].len &&
			    b->all[i].disk_off < b->all[k].disk_off + b->all[k].len) {
				fprintf(stderr, "vssdoctor: repair: the hive and NTFS changes overlap at %llu\n",
					(unsigned long long)b->all[k].disk_off);
				return -1;
			}
	return 0;
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
	const struct range *w;
	struct dest d;
	uint64_t written = 0;
	size_t nw = 0;
	json_t *before = NULL, *after = NULL, *events = NULL;
	struct scan *t = NULL;
	size_t i;
	int rc, present = 0, dummy = 0;

	rc = dest_decide(s, o, &d);
	if (rc != 0)
		return rc;
	if (!o->json)                    /* what will change, before writing */
		plan_print(stdout, p, 0, o->source, d.path);
	memset(&b, 0, sizeof(b));
	b.nhives = plan_hives(p, b.hive);
	for (i = 0, rc = 0; i < b.nhives && rc == 0; i++)
		rc = hive_ranges(s, p, &b.hive[i]);
	if (rc == 0)
		rc = plan_files_apply(s, p, &b.files, &b.nf, &b.fold, &b.fneu);
	if (rc != 0)
		goto out;
	rc = 2;
	if (ranges_merge(&b) < 0 || (rc = disk_ranges(s, p, &b, &w, &nw)) != 0)
		goto out;
	rc = 2;
	if (write_target(s, p, o, &d, w, nw, &written) != 0)
		goto out;
	/* rescan TARGET */
	before = statuses(s, p->fixing, &dummy, NULL);
	t = calloc(1, sizeof(*t));
	if (!t || rescan(t, o, &d, rules, nrules) != 0)
		goto out;
	events = json_object();
	after = statuses(t, p->fixing, &present, events);
	apply_report(p, o, &d, hives_label(b.hive, b.nhives), b.nh, b.nf, written, before, after,
		     events, present);
	rc = present ? 1 : 0;
out:
	if (t) {
		scan_release(t);
		free(t);
	}
	json_decref(before);
	json_decref(after);
	json_decref(events);
	apply_bytes_free(&b);
	return rc;
}
