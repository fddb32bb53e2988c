/* `vssdoctor info`: what the source holds, without judging anything. */
#define _GNU_SOURCE
#include "info.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "bde.h"
#include "fs.h"
#include "image.h"
#include "registry.h"
#include "volume.h"
#include "windir.h"
#include "vshadow.h"

static void windows_of(struct fs *fs, const char *folder, json_t *vol)
{
	json_t *win = json_object();
	struct registry *reg = NULL;
	struct hive *h;
	struct err err;

	err_init(&err);
	if (registry_load_at(fs, folder, 1, &reg, &err) < 0) {
		json_object_set_new(win, "error", json_string(err.msg));
	} else {
		registry_windows_json(reg, win);
		json_object_set_new(win, "windows_dir", json_string(folder));
		if (reg->have_systemroot)
			json_object_set_new(win, "system_root", json_string(reg->systemroot));
		if (registry_system(reg, &h, &err) < 0 || registry_software(reg, &h, &err) < 0)
			json_object_set_new(win, "error", json_string(err.msg));
		if (reg->system.dirty || reg->software.dirty)
			json_object_set_new(win, "dirty_hives", json_string(
				reg->system.dirty && reg->software.dirty ? "SYSTEM, SOFTWARE" :
				reg->system.dirty ? "SYSTEM" : "SOFTWARE"));
	}
	registry_free(reg);
	json_object_set_new(vol, "windows", win);
}

/* The volume's shadow copies (issue 19): "shadow_copies" (one object per
 * store, libvshadow's order), or "shadow_copies_error". */
static void shadows_json(struct image *img, const struct volume_info *v,
			 json_t *o)
{
	struct vss *vss = NULL;
	struct err err;
	json_t *arr;
	unsigned i;
	int rc;

	err_init(&err);
	rc = vss_open(&vss, img, v->offset, v->size, &err);
	if (rc < 0) {
		json_object_set_new(o, "shadow_copies_error", json_string(err.msg));
		return;
	}
	arr = json_array();
	for (i = 0; i < vss_count(vss); i++) {
		const struct vss_store *st = vss_store_at(vss, i);

		json_array_append_new(arr, json_pack("{s:i, s:s, s:s, s:s, s:s, s:I}",
			"store", (int)st->number, "identifier", st->identifier,
			"copy_id", st->copy_id, "set_id", st->set_id,
			"created", st->created, "volume_size", (json_int_t)st->volume_size));
	}
	json_object_set_new(o, "shadow_copies", arr);
	if (vss && vss_warning(vss)[0])
		json_object_set_new(o, "shadow_copies_warning", json_string(vss_warning(vss)));
	vss_free(vss);
}

static void ntfs_json(json_t *o, struct image *img, uint64_t offset,
		      uint64_t size);

/* A BitLocker volume: its metadata, and the NTFS volume inside when a
 * secret opens it.  *locked is set when it stays closed (exit 2). */
static void bde_json(json_t *o, struct image *img, const struct volume_info *v,
		     int *locked)
{
	json_t *b = json_object(), *prots = json_array();
	struct image *inner = NULL;
	struct bde_info bi;
	struct err err;
	unsigned i;

	err_init(&err);
	if (bde_open(&inner, &bi, img, v->offset, v->size, &err) < 0) {
		json_object_set_new(o, "error", json_string(err.msg));
		fprintf(stderr, "vssdoctor: info: partition %d: %s\n", v->index, err.msg);
		*locked = 1;
	}
	if (bi.method[0])
		json_object_set_new(b, "encryption_method", json_string(bi.method));
	if (bi.volume_id[0])
		json_object_set_new(b, "volume_id", json_string(bi.volume_id));
	json_object_set_new(b, "description", json_string(bi.description));
	if (bi.state[0]) {
		json_object_set_new(b, "state", json_string(bi.state));
		json_object_set_new(b, "encrypted_bytes",
				    json_integer((json_int_t)bi.encrypted_size));
		json_object_set_new(b, "partially_encrypted", json_boolean(bi.partial));
	}
	for (i = 0; i < bi.nprotectors; i++) {
		json_t *p = json_object();

		json_object_set_new(p, "type", json_string(bi.protectors[i].type));
		json_object_set_new(p, "id", json_string(bi.protectors[i].id));
		json_array_append_new(prots, p);
	}
	json_object_set_new(b, "protectors", prots);
	json_object_set_new(b, "unlocked", json_boolean(inner != NULL));
	json_object_set_new(o, "bitlocker", b);
	if (!inner)
		return;
	json_object_set_new(o, "filesystem", json_string(
		volume_fs_name(volume_probe_fs(inner, 0))));
	if (volume_probe_fs(inner, 0) == VOLUME_FS_NTFS)
		ntfs_json(o, inner, 0, image_size(inner));
	image_free(inner);
}

static json_t *volume_json(struct image *img, const struct volume_info *v,
			   int *locked)
{
	json_t *o = json_object();

	json_object_set_new(o, "index", json_integer(v->index));
	json_object_set_new(o, "offset", json_integer((json_int_t)v->offset));
	json_object_set_new(o, "size", json_integer((json_int_t)v->size));
	json_object_set_new(o, "type", json_string(v->type));
	json_object_set_new(o, "filesystem", json_string(volume_fs_name(v->fs)));
	if (v->fs == VOLUME_FS_BITLOCKER)
		bde_json(o, img, v, locked);
	if (v->letter)
		json_object_set_new(o, "letter", json_sprintf("%c:", v->letter));
	if (v->fs != VOLUME_FS_NTFS)
		return o;
	ntfs_json(o, img, v->offset, v->size);
	shadows_json(img, v, o);
	return o;
}

static void ntfs_json(json_t *o, struct image *img, uint64_t offset,
		      uint64_t size)
{
	struct fs *fs = NULL;
	struct err err;
	char folder[LIMIT_WINDIR_LEN];

	err_init(&err);
	if (fs_open_ntfs(&fs, img, offset, size, &err) < 0) {
		json_object_set_new(o, "error", json_string(err.msg));
		return;
	}
	json_object_set_new(o, "label", json_string(fs_info(fs)->label));
	json_object_set_new(o, "dirty", json_boolean(fs_info(fs)->dirty));
	err_init(&err);
	if (windir_find(fs, folder, sizeof(folder), NULL, &err) == 1) {
		json_object_set_new(o, "holds_windows", json_true());
		windows_of(fs, folder, o);
	} else {
		json_object_set_new(o, "holds_windows", json_false());
	}
	fs_free(fs);
}

/* The drive letters: from the MountedDevices of the system volume's
 * registry (with several Windows volumes, the one that is the system
 * volume of its own registry; else the first). */
static void assign_letters(struct image *img, struct volume_table *vt)
{
	unsigned k, first = vt->count, chosen = vt->count;
	char folder[LIMIT_WINDIR_LEN], letter = 0, name[LIMIT_WINDIR_LEN];
	struct registry *reg = NULL;
	struct fs *fs = NULL;
	struct err err;

	for (k = 0; k < vt->count; k++) {
		if (vt->v[k].fs != VOLUME_FS_NTFS)
			continue;
		err_init(&err);
		if (fs_open_ntfs(&fs, img, vt->v[k].offset, vt->v[k].size, &err) < 0)
			continue;
		if (windir_find(fs, folder, sizeof(folder), NULL, &err) == 1) {
			if (first == vt->count)
				first = k;
			if (chosen == vt->count &&
			    windir_is_system_volume(fs, folder, vt, &vt->v[k], &err) == 1)
				chosen = k;
		}
		fs_free(fs);
		fs = NULL;
	}
	if (chosen == vt->count)
		chosen = first;
	if (chosen == vt->count)
		return;
	err_init(&err);
	if (fs_open_ntfs(&fs, img, vt->v[chosen].offset, vt->v[chosen].size, &err) < 0)
		return;
	if (windir_find(fs, folder, sizeof(folder), NULL, &err) == 1 &&
	    registry_load_at(fs, folder, 1, &reg, &err) == 0) {
		if (reg->have_mounted)
			volume_assign_letters(vt, reg->mounted, reg->nmounted);
		if (reg->have_systemroot)
			windir_split(reg->systemroot, &letter, name, sizeof(name));
		/* a bare volume (or another disk signature): the Windows
		 * volume is the one SystemRoot names */
		if (!vt->v[chosen].letter && !volume_by_letter(vt, letter ? letter : 'C'))
			vt->v[chosen].letter = letter ? letter : 'C';
	}
	registry_free(reg);
	fs_free(fs);
}

static void print_shadows(json_t *v)
{
	json_t *arr = json_object_get(v, "shadow_copies"), *st;
	size_t i;

	if (json_is_string(json_object_get(v, "shadow_copies_error")))
		printf("        shadow copies: cannot be read: %s\n",
		       json_string_value(json_object_get(v, "shadow_copies_error")));
	if (json_array_size(arr) == 0) {
		if (json_is_string(json_object_get(v, "shadow_copies_warning")))
			printf("        shadow copies: none readable: %s\n",
			       json_string_value(json_object_get(v, "shadow_copies_warning")));
		return;
	}
	printf("        shadow copies: %zu\n", json_array_size(arr));
	printf("          %-5s %-36s  %-20s  %s\n", "store", "identifier", "created (UTC)", "volume size");
	json_array_foreach(arr, i, st)
		printf("          %-5lld %-36s  %-20s  %lld\n",
		       (long long)json_integer_value(json_object_get(st, "store")),
		       json_string_value(json_object_get(st, "identifier")),
		       json_string_value(json_object_get(st, "created")),
		       (long long)json_integer_value(json_object_get(st, "volume_size")));
	if (json_is_string(json_object_get(v, "shadow_copies_warning")))
		printf("          warning: %s\n",
		       json_string_value(json_object_get(v, "shadow_copies_warning")));
}

static void print_text(json_t *root)
{
	json_t *vols = json_object_get(root, "volumes"), *v, *w;
	size_t i;

	printf("Source:     %s\n", json_string_value(json_object_get(root, "path")));
	printf("Format:     %s\n", json_string_value(json_object_get(root, "format")));
	printf("Size:       %lld bytes\n", (long long)json_integer_value(json_object_get(root, "size")));
	printf("Partitions: %s", json_string_value(json_object_get(root, "scheme")));
	if (json_is_string(json_object_get(root, "disk_signature")))
		printf(" (disk signature %s)", json_string_value(json_object_get(root, "disk_signature")));
	putchar('\n');
	if (json_is_string(json_object_get(root, "warning")))
		printf("Warning:    %s\n", json_string_value(json_object_get(root, "warning")));
	printf("\n  %-5s %-6s %-14s %-14s %-22s %-10s %s\n", "index", "letter", "offset", "size", "type", "fs", "label / Windows");
	json_array_foreach(vols, i, v) {
		const char *label = json_string_value(json_object_get(v, "label"));

		const char *letter = json_string_value(json_object_get(v, "letter"));

		printf("  %-5lld %-6s %-14lld %-14lld %-22s %-10s %s%s\n",
		       (long long)json_integer_value(json_object_get(v, "index")),
		       letter ? letter : "-",
		       (long long)json_integer_value(json_object_get(v, "offset")),
		       (long long)json_integer_value(json_object_get(v, "size")),
		       json_string_value(json_object_get(v, "type")),
		       json_string_value(json_object_get(v, "filesystem")),
		       label ? label : "",
		       json_is_true(json_object_get(v, "holds_windows")) ? "  [Windows]" : "");
		if (json_is_string(json_object_get(v, "error")))
			printf("        error: %s\n", json_string_value(json_object_get(v, "error")));
		w = json_object_get(v, "bitlocker");
		if (w) {
			json_t *p;
			size_t j;

			printf("        BitLocker: %s, volume %s, %s\n",
			       json_string_value(json_object_get(w, "encryption_method")) ?
			       json_string_value(json_object_get(w, "encryption_method")) : "method unknown",
			       json_string_value(json_object_get(w, "volume_id")) ?
			       json_string_value(json_object_get(w, "volume_id")) : "?",
			       json_is_true(json_object_get(w, "unlocked")) ? "unlocked" : "locked");
			if (json_is_string(json_object_get(w, "state")))
				printf("        state: %s%s\n",
				       json_string_value(json_object_get(w, "state")),
				       json_is_true(json_object_get(w, "partially_encrypted")) ?
				       " (partly encrypted: the clear part is read as clear)" : "");
			if (json_string_length(json_object_get(w, "description")))
				printf("        description: %s\n",
				       json_string_value(json_object_get(w, "description")));
			json_array_foreach(json_object_get(w, "protectors"), j, p)
				printf("        protector: %s {%s}\n",
				       json_string_value(json_object_get(p, "type")),
				       json_string_value(json_object_get(p, "id")));
		}
		w = json_object_get(v, "windows");
		if (w) {
			const char *k;
			json_t *x;

			json_object_foreach(w, k, x)
				if (json_is_string(x))
					printf("        %s: %s\n", k, json_string_value(x));
		}
		print_shadows(v);
	}
}

int cmd_info(int argc, char **argv)
{
	struct image *img = NULL;
	struct volume_table *vt;
	struct err err;
	json_t *root, *vols;
	const char *src = NULL;
	int json = 0, i, locked = 0, rc;
	unsigned k;
	struct stat st;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			i++;
			if (strcmp(argv[i], "json") == 0)
				json = 1;
			else if (strcmp(argv[i], "text") != 0) {
				fprintf(stderr, "vssdoctor: info: --format is text or json\n");
				return 2;
			}
		} else if (argv[i][0] == '-' && argv[i][1] == '-' &&
			   (rc = bde_secret_option_parse(argv[i] + 2,
							 i + 1 < argc ? argv[i + 1] : NULL,
							 &err)) != 0) {
			if (rc < 0) {
				fprintf(stderr, "vssdoctor: info: %s\n", err.msg);
				bde_secrets_clear();
				return 2;
			}
			i++;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "vssdoctor: info: unknown option '%s'\n", argv[i]);
			return 2;
		} else if (!src) {
			src = argv[i];
		} else {
			fprintf(stderr, "vssdoctor: info: one SOURCE only\n");
			return 2;
		}
	}
	err_init(&err);
	if (bde_secrets_from_env(&err) < 0) {
		fprintf(stderr, "vssdoctor: info: %s\n", err.msg);
		bde_secrets_clear();
		return 2;
	}
	if (!src) {
		fprintf(stderr, "vssdoctor: info: no SOURCE given\n");
		return 2;
	}
	if (stat(src, &st) == 0 && S_ISDIR(st.st_mode)) {
		fprintf(stderr, "vssdoctor: info: '%s' is a directory: info describes disk images (scan reads directories)\n", src);
		return 2;
	}
	err_init(&err);
	if (image_open(&img, src, &err) < 0) {
		fprintf(stderr, "vssdoctor: cannot read '%s': %s\n", src, err.msg);
		return 2;
	}
	vt = calloc(1, sizeof(*vt));
	if (!vt || volume_scan(img, vt, &err) < 0) {
		fprintf(stderr, "vssdoctor: cannot read '%s': %s\n", src, vt ? err.msg : "out of memory");
		free(vt);
		image_free(img);
		return 2;
	}
	root = json_object();
	json_object_set_new(root, "path", json_string(src));
	json_object_set_new(root, "format", json_string(image_format(img)));
	json_object_set_new(root, "size", json_integer((json_int_t)image_size(img)));
	json_object_set_new(root, "scheme", json_string(vt->scheme));
	/* what MountedDevices names an MBR disk by */
	if (strcmp(vt->scheme, "mbr") == 0)
		json_object_set_new(root, "disk_signature", json_sprintf("%08X", (unsigned)vt->disk_signature));
	if (vt->warning[0])
		json_object_set_new(root, "warning", json_string(vt->warning));
	assign_letters(img, vt);
	vols = json_array();
	for (k = 0; k < vt->count; k++)
		json_array_append_new(vols, volume_json(img, &vt->v[k], &locked));
	bde_secrets_clear();
	json_object_set_new(root, "volumes", vols);
	if (json) {
		json_dumpf(root, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
		putchar('\n');
	} else {
		print_text(root);
	}
	json_decref(root);
	free(vt);
	image_free(img);
	return locked ? 2 : 0;
}
