/* The undo journal (JSON beside TARGET): every changed value, old and new
 * for people, and the changed byte ranges of the hive, old and new, which
 * `repair --undo` writes back after checking TARGET still holds the new
 * ones. */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "image.h"

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

/* The journal object (new reference), NULL out of memory. */
json_t *journal_new(const struct plan *p, const char *abs_src, const char *target,
		    const struct range *ranges, size_t nr)
{
	json_t *jr = json_object(), *jranges = json_array(), *vals = json_array();
	size_t i;

	json_object_set_new(jr, "journal", json_string("vssdoctor repair undo journal"));
	json_object_set_new(jr, "version", json_integer(1));
	json_object_set_new(jr, "source", json_string(abs_src));
	json_object_set_new(jr, "target", json_string(target));
	json_object_set_new(jr, "hive", json_string(p->hive_path));
	if (p->software_path[0])
		json_object_set_new(jr, "software_hive", json_string(p->software_path));
	for (i = 0; i < p->n; i++)
		json_array_append_new(vals, change_json(&p->c[i]));
	json_object_set_new(jr, "values", vals);
	json_object_set_new(jr, "ranges", jranges);
	for (i = 0; i < nr; i++) {
		char *oh = hex_of(ranges[i].old, ranges[i].len);
		char *nh = hex_of(ranges[i].neu, ranges[i].len);
		json_t *r;

		if (!oh || !nh) {
			free(oh);
			free(nh);
			json_decref(jr);
			return NULL;
		}
		r = ranges[i].ntfs ? json_pack("{s:s}", "ntfs", "metadata") :
		    json_pack("{s:s,s:I}", "hive_name", repair_hive_name(ranges[i].hive),
			      "hive_offset", (json_int_t)ranges[i].file_off);
		json_object_update_missing_new(r, json_pack("{s:I,s:I,s:s,s:s}",
			"disk_offset", (json_int_t)ranges[i].disk_off,
			"length", (json_int_t)ranges[i].len, "old", oh, "new", nh));
		json_array_append_new(jranges, r);
		free(oh);
		free(nh);
	}
	return jr;
}

/* 0 when every range of the journal still holds its new bytes in img,
 * else the refusal's exit status (said). */
static int undo_check(const char *journal, const char *target, json_t *jr, struct image *img)
{
	struct err err;
	json_t *r;
	size_t i;

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
		if (bad == 4)
			return repair_refuse("'%s' already holds the journal's old bytes (range %zu): undone before", target, i);
		if (bad == 3)
			return repair_refuse("'%s' changed since the repair (range %zu): not undone", target, i);
		if (bad)
			return repair_refuse("range %zu of the journal '%s' is unusable", i, journal);
	}
	return 0;
}

int repair_undo(const char *journal, const char *target)
{
	json_error_t je;
	json_t *jr = json_load_file(journal, 0, &je), *r;
	struct image *img = NULL;
	struct err err;
	size_t i, ntfs = 0, soft = 0;
	const char *hives;
	int rc = 2, raw;

	if (!jr || !json_is_array(json_object_get(jr, "ranges")))
		return repair_refuse("'%s' is not a repair journal: %s", journal, jr ? "no ranges" : je.text);
	raw = json_is_string(json_object_get(jr, "target_format")) &&
	      strcmp(json_string_value(json_object_get(jr, "target_format")), "raw") == 0;
	err_init(&err);
	if (repair_target_open(&img, target, raw, json_string_value(json_object_get(jr, "source")) ?
			       json_string_value(json_object_get(jr, "source")) : "", &err) < 0 ||
	    strcmp(image_format(img), raw ? "raw" : "qcow2") != 0) {
		rc = repair_refuse("'%s': %s", target, !img ? err.msg :
				   raw ? "not a raw image" : "not a qcow2 overlay");
		goto out;
	}
	rc = undo_check(journal, target, jr, img);
	if (rc != 0)
		goto out;
	rc = 2;
	image_free(img);
	img = NULL;
	json_array_foreach(json_object_get(jr, "ranges"), i, r) {
		size_t on = 0;
		uint8_t *o = unhex(json_string_value(json_object_get(r, "old")), &on);

		err_init(&err);
		if (!o || target_write(target, raw, (uint64_t)json_integer_value(json_object_get(r, "disk_offset")),
				       o, on, &err) < 0) {
			free(o);
			fprintf(stderr, "vssdoctor: undo: %s\n", err.msg);
			goto out;
		}
		free(o);
	}
	json_array_foreach(json_object_get(jr, "ranges"), i, r) {
		const char *hn = json_string_value(json_object_get(r, "hive_name"));

		ntfs += json_object_get(r, "ntfs") != NULL;
		soft += hn && strcmp(hn, "SOFTWARE") == 0;
	}
	i = json_array_size(json_object_get(jr, "ranges"));
	hives = !soft ? json_string_value(json_object_get(jr, "hive")) :
		soft == i - ntfs ? json_string_value(json_object_get(jr, "software_hive")) :
		"the SYSTEM and SOFTWARE hives";
	if (!hives)
		hives = "the hive";
	if (ntfs == 0)
		printf("restored %zu range%s of %s in %s\n", i, i == 1 ? "" : "s", hives, target);
	else
		printf("restored %zu range%s in %s (%zu of %s, %zu of NTFS metadata)\n", i,
		       i == 1 ? "" : "s", target, i - ntfs, hives, ntfs);
	rc = 0;
out:
	if (img)
		image_free(img);
	json_decref(jr);
	return rc;
}
