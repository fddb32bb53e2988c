/* The volume's registry (registry.h): both hives (registry_hives.c), the
 * current control set from SYSTEM\Select, the drive letters from
 * MountedDevices, the Windows version and SystemRoot from SOFTWARE, else
 * from the boot configuration (BCD); the scan's copy (registry_get) and
 * what info and the report show of it. */
#define _GNU_SOURCE
#include "registry.h"
#include "registry_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "windir.h"

#define CURRENT_VERSION "Microsoft\\Windows NT\\CurrentVersion"

static void copy_str(struct hkey *k, const char *name, char *buf, size_t size)
{
	struct err e;
	char *v = NULL;

	err_init(&e);
	if (hkey_get_string(k, name, &v, &e) == 1)
		snprintf(buf, size, "%s", v);
	free(v);
}

static void load_select(struct registry *reg)
{
	struct reg_hive_info *hi = &reg->system;
	struct hkey *k = NULL;
	struct err e;
	uint32_t v;
	int rc;

	err_init(&e);
	rc = hive_key(hi->hive, "Select", &k, &e);
	if (rc == 1) {
		if (hkey_get_dword(k, "Current", &v, &e) == 1) {
			reg->have_select = 1;
			reg->current = v;
		}
		if (hkey_get_dword(k, "Default", &v, &e) == 1)
			reg->def = v;
		if (hkey_get_dword(k, "LastKnownGood", &v, &e) == 1)
			reg->last_known_good = v;
		hkey_free(k);
		k = NULL;
	}
	if (reg->have_select && reg->current > 0 && reg->current < 1000) {
		snprintf(reg->control_set, sizeof(reg->control_set), "ControlSet%03u", reg->current);
	} else {
		reg->have_select = 0;
		snprintf(reg->control_set, sizeof(reg->control_set), "ControlSet001");
		reg_warn(reg, "hive SYSTEM: no usable Select\\Current; trying ControlSet001");
	}
	err_init(&e);
	rc = hive_key(hi->hive, reg->control_set, &k, &e);
	hkey_free(k);
	if (rc == 1) {
		if (reg->have_select &&
		    ((reg->def && reg->def != reg->current) ||
		     (reg->last_known_good && reg->last_known_good != reg->current)))
			reg_warn(reg, "control sets differ: Current=%u, Default=%u, LastKnownGood=%u; judging %s",
				 reg->current, reg->def, reg->last_known_good, reg->control_set);
		return;
	}
	/* the hive opened but its control set cannot be used */
	hi->state = REG_HIVE_BAD;
	if (rc < 0)
		err_set(&hi->err, e.code, "hive SYSTEM: %s: %s", reg->control_set, e.msg);
	else
		err_set(&hi->err, -E_NOTFOUND, "hive SYSTEM: no %s (Select\\Current = %u)",
			reg->control_set, reg->current);
	reg_warn(reg, "hive SYSTEM cannot be used: %s", hi->err.msg);
	reg->control_set[0] = '\0';
}

/* No SystemRoot known: the folder that holds the hives, on C:. */
static void default_root(struct registry *reg)
{
	snprintf(reg->systemroot, sizeof(reg->systemroot), "C:\\%.*s", (int)sizeof(reg->systemroot) - 4,
		 reg->windir);
	reg->systemroot_from[0] = '\0';
}

/* ---- the boot configuration (BCD) -------------------------------------
 * Boot\BCD is a registry hive: Objects\{GUID}\Elements\<type>\Element.
 * A Windows Boot Loader object (Description\Type 0x10200003) holds its
 * SystemRoot as element 0x22000002 (a string: "\WINNT"); the loader
 * starts the installation whose hive lives under that folder.  The
 * volume's own Boot\BCD is read first (BIOS installs without a separate
 * system partition keep it there), then that of each other NTFS volume of
 * the image (a "System Reserved" partition); the element naming the folder
 * that holds the hives gives SystemRoot on C:.  An EFI system partition
 * (FAT) is not read. */

struct bcd_ctx {
	const char *windir;
	char found[260];
	unsigned loaders;
};

static int bcd_object(void *ctx, struct hkey *obj, const char *name)
{
	struct bcd_ctx *c = ctx;
	struct hkey *el = NULL;
	char *v = NULL, letter, folder[LIMIT_WINDIR_LEN];
	struct err e;

	(void)name;
	err_init(&e);
	if (hkey_subkey(obj, "Elements\\22000002", &el, &e) == 1 &&
	    hkey_get_string(el, "Element", &v, &e) == 1 && v[0]) {
		c->loaders++;
		windir_split(v, &letter, folder, sizeof(folder));
		if (!c->found[0] && folder[0] && strcasecmp(folder, c->windir) == 0)
			snprintf(c->found, sizeof(c->found), "C:\\%.*s", (int)sizeof(c->found) - 4, folder);
	}
	free(v);
	hkey_free(el);
	return 0;
}

static void load_bcd_root(struct fs *fs, struct registry *reg, const char *where)
{
	struct bcd_ctx c = { reg->windir, "", 0 };
	struct hive *h = NULL;
	struct hkey *objs = NULL;
	uint8_t *data = NULL;
	size_t len = 0;
	struct err e;

	err_init(&e);
	if (fs_read_file(fs, "Boot\\BCD", LIMIT_BCD_SIZE, &data, &len, &e) != 1)
		return;
	if (hive_open_memory(&h, "BCD", data, len, &e) < 0) {
		reg_warn(reg, "boot configuration %s cannot be read: %s", where, e.msg);
		return;
	}
	if (hive_key(h, "Objects", &objs, &e) == 1 &&
	    hkey_foreach_subkey(objs, bcd_object, &c, &e) < 0)
		reg_warn(reg, "boot configuration %s: %s", where, e.msg);
	hkey_free(objs);
	hive_free(h);
	if (c.found[0]) {
		snprintf(reg->systemroot, sizeof(reg->systemroot), "%s", c.found);
		snprintf(reg->systemroot_from, sizeof(reg->systemroot_from), "BCD");
		reg->have_systemroot = 1;
	} else if (c.loaders) {
		reg_warn(reg, "boot configuration %s: none of its %u Windows loader(s) names '%s' as SystemRoot",
			 where, c.loaders, reg->windir);
	}
}

static void load_version(struct registry *reg)
{
	struct hkey *k = NULL;
	struct err e;
	uint32_t v;

	err_init(&e);
	if (hive_key(reg->software.hive, CURRENT_VERSION, &k, &e) != 1)
		return;
	copy_str(k, "ProductName", reg->product_name, sizeof(reg->product_name));
	copy_str(k, "CurrentVersion", reg->current_version, sizeof(reg->current_version));
	copy_str(k, "CurrentBuildNumber", reg->build, sizeof(reg->build));
	if (!reg->build[0])
		copy_str(k, "CurrentBuild", reg->build, sizeof(reg->build));
	reg->systemroot[0] = '\0';
	copy_str(k, "SystemRoot", reg->systemroot, sizeof(reg->systemroot));
	reg->have_systemroot = reg->systemroot[0] != '\0';
	if (reg->have_systemroot)
		snprintf(reg->systemroot_from, sizeof(reg->systemroot_from), "SOFTWARE");
	else
		default_root(reg);
	if (hkey_get_dword(k, "CurrentMajorVersionNumber", &v, &e) == 1 && v < 1000)
		reg->major = (int)v;
	if (hkey_get_dword(k, "CurrentMinorVersionNumber", &v, &e) == 1 && v < 1000)
		reg->minor = (int)v;
	hkey_free(k);
}

struct mounted_walk {
	struct mountdev *out;
	unsigned max, n;
};

/* Value callback: keep each drive letter's entry (the first per letter). */
static int mounted_one(void *ctx, const char *name, const struct reg_value *v)
{
	struct mounted_walk *w = ctx;
	struct mountdev m;
	unsigned i;

	if (mountdev_parse(name, v->data, v->len, &m) != 1)
		return 0;
	for (i = 0; i < w->n; i++)
		if (w->out[i].letter == m.letter)
			return 0;
	if (w->n < w->max)
		w->out[w->n++] = m;
	return 0;
}

int registry_mounted_devices(struct hive *sys, struct mountdev *out,
			     unsigned max, unsigned *n, struct err *err)
{
	struct mounted_walk w = { out, max, 0 };
	struct hkey *k = NULL;
	int rc;

	*n = 0;
	rc = hive_key(sys, "MountedDevices", &k, err);
	if (rc <= 0)
		return rc < 0 ? err_wrap(err, "MountedDevices") : 0;
	rc = hkey_foreach_value(k, mounted_one, &w, err);
	hkey_free(k);
	if (rc < 0)
		return err_wrap(err, "MountedDevices");
	*n = w.n;
	return 1;
}

/* SYSTEM\MountedDevices: the drive letters Windows gave its volumes. */
static void load_mounted(struct registry *reg)
{
	struct err e;
	int rc;

	err_init(&e);
	rc = registry_mounted_devices(reg->system.hive, reg->mounted,
				      sizeof(reg->mounted) / sizeof(reg->mounted[0]),
				      &reg->nmounted, &e);
	if (rc < 0)
		reg_warn(reg, "hive SYSTEM: %s", e.msg);
	reg->have_mounted = rc == 1;
}

void registry_free(struct registry *reg)
{
	if (!reg)
		return;
	hive_free(reg->system.hive);
	hive_free(reg->software.hive);
	json_decref(reg->warnings);
	free(reg);
}

int registry_load(struct fs *fs, int replay, struct registry **out,
		  struct err *err)
{
	char folder[LIMIT_WINDIR_LEN];
	struct err e;

	err_init(&e);
	if (windir_find(fs, folder, sizeof(folder), NULL, &e) != 1)
		snprintf(folder, sizeof(folder), "Windows");
	return registry_load_at(fs, folder, replay, out, err);
}

int registry_load_at(struct fs *fs, const char *windir, int replay,
		     struct registry **out, struct err *err)
{
	struct registry *reg = calloc(1, sizeof(*reg));

	*out = NULL;
	if (!reg)
		return err_set(err, -E_NOMEM, "out of memory");
	reg->warnings = json_array();
	if (!reg->warnings) {
		free(reg);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	reg->major = reg->minor = -1;
	snprintf(reg->windir, sizeof(reg->windir), "%s", windir && *windir ? windir : "Windows");
	default_root(reg);
	reg_load_hive(fs, reg, &reg->system, "SYSTEM", replay);
	if (reg->system.state == REG_HIVE_OK)
		load_mounted(reg);
	if (reg->system.state == REG_HIVE_OK)
		load_select(reg);
	reg_load_hive(fs, reg, &reg->software, "SOFTWARE", replay);
	if (reg->software.state == REG_HIVE_OK)
		load_version(reg);
	if (!reg->have_systemroot)
		load_bcd_root(fs, reg, "Boot\\BCD");
	*out = reg;
	return 0;
}

/* SystemRoot from the Boot\BCD of the image's other NTFS volumes (a
 * System Reserved partition), when neither SOFTWARE nor the Windows
 * volume gave it. */
static void bcd_other_volumes(const struct evidence *ev, struct registry *reg)
{
	unsigned i;

	for (i = 0; ev->img && i < ev->vt.count && !reg->have_systemroot; i++) {
		const struct volume_info *v = &ev->vt.v[i];
		struct fs *fs = NULL;
		char where[64];
		struct err e;

		if (v->fs != VOLUME_FS_NTFS || v->offset == ev->vol.offset)
			continue;
		err_init(&e);
		if (fs_open_ntfs(&fs, ev->img, v->offset, v->size, &e) < 0)
			continue;
		snprintf(where, sizeof(where), "partition %d's Boot\\BCD", v->index);
		load_bcd_root(fs, reg, where);
		fs_free(fs);
	}
}

int registry_get(const struct evidence *ev, struct registry **out, struct err *err)
{
	struct registry *reg = ev->cache->registry;
	int rc;

	if (reg) {
		*out = reg;
		return 0;
	}
	rc = registry_load_at(ev->fs, evidence_windir(ev), !(ev->no_replay),
			      &reg, err);
	if (rc < 0)
		return rc;
	if (!reg->have_systemroot)
		bcd_other_volumes(ev, reg);
	ev->cache->registry = reg;
	*out = reg;
	return 0;
}

static int hive_of(struct reg_hive_info *hi, struct hive **out,
		   struct err *err)
{
	*out = NULL;
	if (hi->state == REG_HIVE_OK) {
		*out = hi->hive;
		return 0;
	}
	if (strncmp(hi->err.msg, "hive ", 5) == 0)
		return err_set(err, hi->err.code ? hi->err.code : -E_CORRUPT, "%s", hi->err.msg);
	return err_set(err, hi->err.code ? hi->err.code : -E_CORRUPT, "hive %s: %s",
		       hi->name, hi->err.msg);
}

int registry_system(struct registry *reg, struct hive **out, struct err *err)
{
	return hive_of(&reg->system, out, err);
}

int registry_software(struct registry *reg, struct hive **out,
		      struct err *err)
{
	return hive_of(&reg->software, out, err);
}

int registry_system_root_at(struct fs *fs, const char *windir, char *buf,
			    size_t size)
{
	char path[LIMIT_WINDIR_LEN + 32];
	uint8_t *data = NULL;
	size_t len = 0;
	struct hive *h = NULL;
	struct hkey *k = NULL;
	struct err e;
	char *v = NULL;
	int rc;

	if (size)
		buf[0] = '\0';
	err_init(&e);
	snprintf(path, sizeof(path), "%s\\" WINDIR_CONFIG "\\SOFTWARE", windir);
	if (fs_read_file(fs, path, LIMIT_HIVE_SIZE, &data, &len, &e) != 1)
		return 0;
	if (hive_open_memory(&h, "SOFTWARE", data, len, &e) < 0)
		return 0;
	rc = hive_key(h, CURRENT_VERSION, &k, &e);
	if (rc == 1 && hkey_get_string(k, "SystemRoot", &v, &e) == 1 && v[0]) {
		snprintf(buf, size, "%s", v);
		rc = 1;
	} else {
		rc = 0;
	}
	free(v);
	hkey_free(k);
	hive_free(h);
	return rc;
}

void registry_windows_json(const struct registry *reg, json_t *out)
{
	if (reg->product_name[0])
		json_object_set_new(out, "product_name", json_string(reg->product_name));
	if (reg->current_version[0])
		json_object_set_new(out, "current_version", json_string(reg->current_version));
	if (reg->major >= 0) {
		char v[32];

		snprintf(v, sizeof(v), "%d.%d", reg->major, reg->minor >= 0 ? reg->minor : 0);
		json_object_set_new(out, "version", json_string(v));
	}
	if (reg->build[0])
		json_object_set_new(out, "build", json_string(reg->build));
	if (reg->control_set[0])
		json_object_set_new(out, "control_set", json_string(reg->control_set));
	if (reg->have_select) {
		char cs[16];

		if (reg->def && reg->def != reg->current) {
			snprintf(cs, sizeof(cs), "ControlSet%03u", reg->def % 1000);
			json_object_set_new(out, "default", json_string(cs));
		}
		if (reg->last_known_good && reg->last_known_good != reg->current) {
			snprintf(cs, sizeof(cs), "ControlSet%03u", reg->last_known_good % 1000);
			json_object_set_new(out, "last_known_good", json_string(cs));
		}
	}
}

int registry_windows_info_fs(struct fs *fs, json_t *out, struct err *err)
{
	struct registry *reg = NULL;
	int rc = registry_load(fs, 1, &reg, err);

	if (rc < 0)
		return rc;
	registry_windows_json(reg, out);
	if (reg->system.state != REG_HIVE_OK && reg->software.state != REG_HIVE_OK) {
		struct hive *none;

		rc = hive_of(&reg->system, &none, err);
		registry_free(reg);
		return rc;
	}
	if (reg->system.state != REG_HIVE_OK)
		json_object_set_new(out, "error", json_string(reg->system.err.msg));
	else if (reg->software.state != REG_HIVE_OK)
		json_object_set_new(out, "error", json_string(reg->software.err.msg));
	if (reg->system.dirty || reg->software.dirty)
		json_object_set_new(out, "dirty_hives", json_string(
			reg->system.dirty && reg->software.dirty ? "SYSTEM, SOFTWARE" :
			reg->system.dirty ? "SYSTEM" : "SOFTWARE"));
	registry_free(reg);
	return 0;
}

void registry_fill_windows(const struct evidence *ev)
{
	struct registry *reg = NULL;
	struct err e;
	size_t i;
	json_t *w;

	err_init(&e);
	if (!ev->fs || registry_get(ev, &reg, &e) < 0) {
		evidence_warn(ev, "registry: %s", e.msg);
		return;
	}
	json_array_foreach(reg->warnings, i, w)
		evidence_warn(ev, "%s", json_string_value(w));
	registry_windows_json(reg, ev->windows);
}
