/* The Windows directory and the drive letters (windir.h). */
#define _GNU_SOURCE
#include "windir.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry.h"

#define HIVE_REL "\\" WINDIR_CONFIG "\\SYSTEM"

/* ---- finding the installation ------------------------------------------- */

struct cand_walk {
	struct fs *fs;
	struct windir_list *out;
	unsigned looked;
};

static int cand_entry(void *ctx, const struct fs_dirent *e)
{
	struct cand_walk *w = ctx;
	char path[LIMIT_WINDIR_LEN + sizeof(HIVE_REL)];
	struct fs_stat st;
	struct err e2;
	size_t n = strlen(e->name);

	if (!e->is_dir || e->is_reparse)
		return 0;
	/* a hostile root with a million folders: stop looking (the hive
	 * lookups are what costs) */
	if (++w->looked > LIMIT_WINDIR_ROOT_DIRS) {
		w->out->skipped++;
		w->out->truncated = 1;
		return 1;
	}
	if (n >= LIMIT_WINDIR_LEN) {
		w->out->skipped++;
		return 0;
	}
	memcpy(path, e->name, n);
	memcpy(path + n, HIVE_REL, sizeof(HIVE_REL));
	err_init(&e2);
	if (fs_stat(w->fs, path, &st, &e2) != 1 || st.is_dir)
		return 0;
	if (w->out->count >= LIMIT_WINDIR_CANDIDATES) {
		w->out->skipped++;
		return 0;
	}
	memcpy(w->out->names[w->out->count++], e->name, n + 1);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	int c = strcasecmp(a, b);

	return c ? c : strcmp(a, b);
}

int windir_candidates(struct fs *fs, struct windir_list *out, struct err *err)
{
	struct cand_walk w = { fs, out, 0 };
	int rc;

	memset(out, 0, sizeof(*out));
	rc = fs_readdir(fs, "", cand_entry, &w, err);
	if (rc < 0)
		return err_wrap(err, "the volume's root folder");
	/* NTFS lists in its collation order, a directory in any order */
	qsort(out->names, out->count, sizeof(out->names[0]), name_cmp);
	return 0;
}

int windir_find(struct fs *fs, char *folder, size_t size, unsigned *others,
		struct err *err)
{
	struct windir_list *l = malloc(sizeof(*l));
	unsigned i, pick = 0;
	int rc;

	if (others)
		*others = 0;
	if (!l)
		return err_set(err, -E_NOMEM, "out of memory");
	rc = windir_candidates(fs, l, err);
	if (rc == 0 && l->count == 0 && l->truncated)
		rc = err_set(err, -E_LIMIT, "the volume's root holds more than LIMIT_WINDIR_ROOT_DIRS (%u) folders, none of the first holds System32\\config\\SYSTEM",
			     LIMIT_WINDIR_ROOT_DIRS);
	if (rc < 0 || l->count == 0) {
		free(l);
		return rc < 0 ? rc : 0;
	}
	/* several: the one its own SOFTWARE names (a copied or an older
	 * installation beside the running one names another folder) */
	for (i = 0; l->count > 1 && i < l->count; i++) {
		char root[LIMIT_WINDIR_LEN + 4], letter, name[LIMIT_WINDIR_LEN];

		if (registry_system_root_at(fs, l->names[i], root, sizeof(root)) != 1)
			continue;
		windir_split(root, &letter, name, sizeof(name));
		if (strcasecmp(name, l->names[i]) == 0) {
			pick = i;
			break;
		}
	}
	snprintf(folder, size, "%s", l->names[pick]);
	if (others)
		*others = l->count - 1 + l->skipped;
	free(l);
	return 1;
}

/* ---- spelling --------------------------------------------------------- */

void windir_split(const char *system_root, char *letter, char *folder,
		  size_t size)
{
	const char *p = system_root ? system_root : "";
	size_t n;

	*letter = 0;
	while (*p == ' ' || *p == '"')
		p++;
	if (isalpha((unsigned char)p[0]) && p[1] == ':') {
		*letter = (char)toupper((unsigned char)p[0]);
		p += 2;
	}
	while (*p == '\\' || *p == '/')
		p++;
	snprintf(folder, size, "%s", p);
	n = strlen(folder);
	while (n > 0 && (folder[n - 1] == '\\' || folder[n - 1] == '/' ||
			 folder[n - 1] == ' ' || folder[n - 1] == '"'))
		folder[--n] = '\0';
	for (; n > 0; n--)
		if (folder[n - 1] == '/')
			folder[n - 1] = '\\';
}

int windir_expand(const char *folder, const char *path, char *out,
		  size_t size, struct err *err)
{
	static const char *const vars[] = { "%SystemRoot%", "%windir%" };
	const char *rest = NULL;
	size_t i;
	int n;

	for (i = 0; i < sizeof(vars) / sizeof(vars[0]); i++) {
		size_t l = strlen(vars[i]);

		if (strncasecmp(path, vars[i], l) == 0 &&
		    (path[l] == '\0' || path[l] == '\\' || path[l] == '/')) {
			rest = path + l;
			break;
		}
	}
	n = rest ? snprintf(out, size, "%s%s", folder, rest)
		 : snprintf(out, size, "%s", path);
	if (n < 0 || (size_t)n >= size)
		return err_set(err, -E_LIMIT, "'%s': path longer than %zu bytes", path, size);
	return 0;
}

const char *scan_windir(const struct scan *s)
{
	return s && s->windir[0] ? s->windir : "Windows";
}

const char *scan_system_root(const struct scan *s)
{
	return s && s->system_root[0] ? s->system_root : "C:\\Windows";
}

int scan_windir_path(const struct scan *s, const char *rest, char *out,
		     size_t size, struct err *err)
{
	int n = snprintf(out, size, "%s\\%s", scan_windir(s), rest);

	if (n < 0 || (size_t)n >= size)
		return err_set(err, -E_LIMIT, "'%s\\%s': path longer than %zu bytes",
			       scan_windir(s), rest, size);
	return 0;
}

/* ---- after the registry is loaded --------------------------------------- */

/* What a letter's volume is, for the report's drive_letters. */
static json_t *letter_json(const struct scan *s, const struct mountdev *m)
{
	const struct volume_info *v = s->is_dir ? NULL : volume_by_letter(&s->vt, m->letter);
	char what[96];

	if (v && v->index == 0)
		return json_string("the bare volume");
	if (v)
		return json_sprintf("partition %d", v->index);
	if (m->letter == s->system_letter)
		return json_string(s->is_dir ? "the directory" : "the Windows volume");
	mountdev_describe(m, what, sizeof(what));
	return json_sprintf("not in the image (%s)", what);
}

void windir_settle(struct scan *s)
{
	struct registry *reg = NULL;
	struct volume_info *mine = NULL;
	char letter = 0, folder[LIMIT_WINDIR_LEN];
	struct err e;
	unsigned i;

	if (!s->fs)
		return;
	if (!s->windir[0])
		snprintf(s->windir, sizeof(s->windir), "Windows");
	err_init(&e);
	if (registry_get(s, &reg, &e) < 0)
		reg = NULL;                 /* registry_fill_windows said why */
	for (i = 0; !s->is_dir && i < s->vt.count; i++)
		if (s->vt.v[i].index == s->vol.index && s->vt.v[i].offset == s->vol.offset)
			mine = &s->vt.v[i];
	if (reg && reg->have_mounted && !s->is_dir) {
		volume_assign_letters(&s->vt, reg->mounted, reg->nmounted);
		if (mine)
			s->vol.letter = mine->letter;
	}
	if (reg && reg->have_systemroot) {
		windir_split(reg->systemroot, &letter, folder, sizeof(folder));
		if (strcasecmp(folder, s->windir) == 0) {
			size_t n;

			snprintf(s->system_root, sizeof(s->system_root), "%s", reg->systemroot);
			n = strlen(s->system_root);
			while (n > 3 && (s->system_root[n - 1] == '\\' || s->system_root[n - 1] == '/'))
				s->system_root[--n] = '\0';
		} else {
			scan_warn(s, "SOFTWARE's SystemRoot '%s' names another folder than the one holding the hives ('%s'): judging '%s'",
				  reg->systemroot, s->windir, s->windir);
		}
	}
	if (!letter)
		letter = s->vol.letter ? s->vol.letter : 'C';
	if (s->vol.letter && s->vol.letter != letter)
		scan_warn(s, "MountedDevices gives this volume %c:, SystemRoot names %c:: paths on %c: are taken from this volume",
			  s->vol.letter, letter, letter);
	s->system_letter = letter;
	if (!s->system_root[0])
		snprintf(s->system_root, sizeof(s->system_root), "%c:\\%s", letter, s->windir);
	/* a bare volume or a directory has no table to match, and a cloned
	 * disk may carry another signature: the volume Windows runs from is
	 * the one SystemRoot names */
	if (reg && reg->have_mounted && !s->is_dir && strcmp(s->vt.scheme, "none") != 0 &&
	    !s->vol.letter) {
		for (i = 0; i < s->vt.count && !s->vt.v[i].letter; i++)
			;
		if (i == s->vt.count)
			scan_warn(s, "MountedDevices names none of this disk's volumes (another disk signature or partition GUIDs): only %c:, the Windows volume, is known",
				  letter);
	}
	if (!s->vol.letter && (s->is_dir || !volume_by_letter(&s->vt, letter))) {
		s->vol.letter = letter;
		if (mine)
			mine->letter = letter;
	}
	json_object_set_new(s->windows, "system_root", json_string(s->system_root));
	json_object_set_new(s->windows, "windows_dir", json_string(s->windir));
	if (reg && reg->have_mounted) {
		json_t *dl = json_object();

		for (i = 0; dl && i < reg->nmounted; i++) {
			char k[2] = { reg->mounted[i].letter, 0 };

			json_object_set_new(dl, k, letter_json(s, &reg->mounted[i]));
		}
		json_object_set_new(s->windows, "drive_letters", dl);
	}
}

/* ---- several Windows volumes -------------------------------------------- */

int windir_is_system_volume(struct fs *fs, const char *folder,
			    const struct volume_table *vt,
			    const struct volume_info *v, struct err *err)
{
	struct registry *reg = NULL;
	struct volume_table *copy;
	const struct volume_info *mine;
	char letter = 0, name[LIMIT_WINDIR_LEN];
	unsigned i;
	int rc;

	rc = registry_load_at(fs, folder, 1, &reg, err);
	if (rc < 0)
		return rc;
	if (!reg->have_mounted) {
		registry_free(reg);
		return 0;
	}
	if (reg->have_systemroot)
		windir_split(reg->systemroot, &letter, name, sizeof(name));
	if (!letter)
		letter = 'C';
	copy = malloc(sizeof(*copy));
	if (!copy) {
		registry_free(reg);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	*copy = *vt;
	volume_assign_letters(copy, reg->mounted, reg->nmounted);
	rc = 0;
	for (i = 0; i < copy->count; i++) {
		mine = &copy->v[i];
		if (mine->index == v->index && mine->offset == v->offset)
			rc = mine->letter == letter;
	}
	free(copy);
	registry_free(reg);
	return rc;
}

/* ---- the other volumes -------------------------------------------------- */

static void fs_free_void(void *p)
{
	fs_free(p);
}

int scan_volume_fs(struct scan *s, char letter, struct fs **out,
		   struct err *err)
{
	const struct volume_info *v;
	char key[16];
	struct fs *fs;
	int rc;

	*out = NULL;
	letter = (char)toupper((unsigned char)letter);
	if (letter == (s->system_letter ? s->system_letter : 'C')) {
		*out = s->fs;
		return s->fs ? 1 : 0;
	}
	v = s->is_dir || !s->img ? NULL : volume_by_letter(&s->vt, letter);
	if (!v) {
		err_set(err, -E_NOTFOUND, "volume not in the image");
		return 0;
	}
	if (v->index == s->vol.index && v->offset == s->vol.offset) {
		*out = s->fs;
		return 1;
	}
	snprintf(key, sizeof(key), "fs:%c", letter);
	fs = scan_cache_get(s, key);
	if (fs) {
		*out = fs;
		return 1;
	}
	if (v->fs == VOLUME_FS_BITLOCKER)
		return err_set(err, -E_UNSUPPORTED, "volume %c: (partition %d) is BitLocker-encrypted",
			       letter, v->index);
	if (v->fs != VOLUME_FS_NTFS)
		return err_set(err, -E_UNSUPPORTED, "volume %c: (partition %d) holds no NTFS file system (%s)",
			       letter, v->index, volume_fs_name(v->fs));
	rc = fs_open_ntfs(&fs, s->img, v->offset, v->size, err);
	if (rc < 0)
		return err_wrap(err, "volume %c: (partition %d)", letter, v->index);
	rc = scan_cache_put(s, key, fs, fs_free_void);
	if (rc < 0)
		return err_set(err, rc, "scan cache full (SCAN_CACHE_MAX)");
	*out = fs;
	return 1;
}
