/* The Windows directory and the drive letters (windir.h). */
#define _GNU_SOURCE
#include "windir.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "registry.h"

#define HIVE_REL "\\" WINDIR_MARKER

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
		rc = err_set(err, -E_LIMIT, "the volume's root holds more than LIMIT_WINDIR_ROOT_DIRS (%u) folders, none of the first holds " WINDIR_MARKER,
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

const char *evidence_windir(const struct evidence *ev)
{
	return ev && ev->windir[0] ? ev->windir : "Windows";
}

const char *evidence_system_root(const struct evidence *ev)
{
	return ev && ev->system_root[0] ? ev->system_root : "C:\\Windows";
}

int evidence_windir_path(const struct evidence *ev, const char *rest, char *out,
		     size_t size, struct err *err)
{
	int n = snprintf(out, size, "%s\\%s", evidence_windir(ev), rest);

	if (n < 0 || (size_t)n >= size)
		return err_set(err, -E_LIMIT, "'%s\\%s': path longer than %zu bytes",
			       evidence_windir(ev), rest, size);
	return 0;
}

/* ---- after the registry is loaded --------------------------------------- */

/* What a letter's volume is, for the report's drive_letters. */
static json_t *letter_json(const struct evidence *ev, const struct mountdev *m)
{
	const struct volume_info *v = ev->is_dir ? NULL : volume_by_letter(&ev->vt, m->letter);
	char what[96];

	if (v && v->index == 0)
		return json_string("the bare volume");
	if (v)
		return json_sprintf("partition %d", v->index);
	if (m->letter == ev->system_letter)
		return json_string(ev->is_dir ? "the directory" : "the Windows volume");
	mountdev_describe(m, what, sizeof(what));
	return json_sprintf("not in the image (%s)", what);
}

void windir_settle(struct evidence *ev)
{
	struct registry *reg = NULL;
	struct volume_info *mine = NULL;
	char letter = 0, folder[LIMIT_WINDIR_LEN];
	struct err e;
	unsigned i;

	if (!ev->fs)
		return;
	if (!ev->windir[0])
		snprintf(ev->windir, sizeof(ev->windir), "Windows");
	err_init(&e);
	if (registry_get(ev, &reg, &e) < 0)
		reg = NULL;                 /* registry_fill_windows said why */
	for (i = 0; !ev->is_dir && i < ev->vt.count; i++)
		if (ev->vt.v[i].index == ev->vol.index && ev->vt.v[i].offset == ev->vol.offset)
			mine = &ev->vt.v[i];
	if (reg && reg->have_mounted && !ev->is_dir) {
		volume_assign_letters(&ev->vt, reg->mounted, reg->nmounted);
		if (mine)
			ev->vol.letter = mine->letter;
	}
	if (reg && reg->have_systemroot) {
		windir_split(reg->systemroot, &letter, folder, sizeof(folder));
		if (strcasecmp(folder, ev->windir) == 0) {
			size_t n;

			snprintf(ev->system_root, sizeof(ev->system_root), "%s", reg->systemroot);
			n = strlen(ev->system_root);
			while (n > 3 && (ev->system_root[n - 1] == '\\' || ev->system_root[n - 1] == '/'))
				ev->system_root[--n] = '\0';
		} else {
			evidence_warn(ev, "SOFTWARE's SystemRoot '%s' names another folder than the one holding the hives ('%s'): judging '%s'",
				  reg->systemroot, ev->windir, ev->windir);
		}
	}
	if (reg && !reg->have_systemroot)
		evidence_warn(ev, "neither SOFTWARE nor the boot configuration (Boot\\BCD) names SystemRoot: taking %c:\\%s, the folder that holds the hives",
			  ev->vol.letter ? ev->vol.letter : 'C', ev->windir);
	if (!letter)
		letter = ev->vol.letter ? ev->vol.letter : 'C';
	if (ev->vol.letter && ev->vol.letter != letter)
		evidence_warn(ev, "MountedDevices gives this volume %c:, SystemRoot names %c:: paths on %c: are taken from this volume",
			  ev->vol.letter, letter, letter);
	ev->system_letter = letter;
	if (!ev->system_root[0])
		snprintf(ev->system_root, sizeof(ev->system_root), "%c:\\%s", letter, ev->windir);
	/* a bare volume or a directory has no table to match, and a cloned
	 * disk may carry another signature: the volume Windows runs from is
	 * the one SystemRoot names */
	if (reg && reg->have_mounted && !ev->is_dir && strcmp(ev->vt.scheme, "none") != 0 &&
	    !ev->vol.letter) {
		for (i = 0; i < ev->vt.count && !ev->vt.v[i].letter; i++)
			;
		if (i == ev->vt.count)
			evidence_warn(ev, "MountedDevices names none of this disk's volumes (another disk signature or partition GUIDs): only %c:, the Windows volume, is known",
				  letter);
	}
	if (!ev->vol.letter && (ev->is_dir || !volume_by_letter(&ev->vt, letter))) {
		ev->vol.letter = letter;
		if (mine)
			mine->letter = letter;
	}
	json_object_set_new(ev->windows, "system_root", json_string(ev->system_root));
	json_object_set_new(ev->windows, "windows_dir", json_string(ev->windir));
	json_object_set_new(ev->windows, "system_root_from",
			    json_string(reg && reg->have_systemroot && reg->systemroot_from[0] ?
					reg->systemroot_from : "folder"));
	if (reg && reg->have_mounted) {
		json_t *dl = json_object();

		for (i = 0; dl && i < reg->nmounted; i++) {
			char k[2] = { reg->mounted[i].letter, 0 };

			json_object_set_new(dl, k, letter_json(ev, &reg->mounted[i]));
		}
		json_object_set_new(ev->windows, "drive_letters", dl);
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

char windir_drive(const char *system_root)
{
	if (isalpha((unsigned char)system_root[0]) && system_root[1] == ':')
		return (char)toupper((unsigned char)system_root[0]);
	return 'C';
}

int windir_join(char *buf, size_t size, const char *dir, const char *name,
		struct err *err)
{
	int n = snprintf(buf, size, "%s%s%s", dir, dir[0] ? "\\" : "", name);

	if (n < 0 || (size_t)n >= size || (size_t)n > LIMIT_PATH_LEN)
		return err_set(err, -E_LIMIT, "'%s\\%s': path longer than %u bytes (LIMIT_PATH_LEN)",
			       dir, name, LIMIT_PATH_LEN);
	return 0;
}

/* ---- the other volumes -------------------------------------------------- */

int evidence_volume_fs(const struct evidence *ev, char letter, struct fs **out,
		   struct err *err)
{
	const struct volume_info *v;
	struct fs *fs;
	int rc;

	*out = NULL;
	letter = (char)toupper((unsigned char)letter);
	if (letter == (ev->system_letter ? ev->system_letter : 'C')) {
		*out = ev->fs;
		return ev->fs ? 1 : 0;
	}
	v = ev->is_dir || !ev->img ? NULL : volume_by_letter(&ev->vt, letter);
	if (!v) {
		err_set(err, -E_NOTFOUND, "volume not in the image");
		return 0;
	}
	if (v->index == ev->vol.index && v->offset == ev->vol.offset) {
		*out = ev->fs;
		return 1;
	}
	fs = letter >= 'A' && letter <= 'Z' ? ev->cache->letter_fs[letter - 'A'] : NULL;
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
	rc = fs_open_ntfs(&fs, ev->img, v->offset, v->size, err);
	if (rc < 0)
		return err_wrap(err, "volume %c: (partition %d)", letter, v->index);
	if (letter < 'A' || letter > 'Z') {
		fs_free(fs);
		return err_set(err, -E_USAGE, "drive letter '%c'", letter);
	}
	ev->cache->letter_fs[letter - 'A'] = fs;
	*out = fs;
	return 1;
}
