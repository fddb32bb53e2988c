#define _GNU_SOURCE
#include "baseline.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "access.h"
#include "file_acl.h"
#include "limits.h"
#include "registry.h"
#include "framework.h"
#include "sddl.h"
#include "secdesc.h"
#include "services.h"
#include "windir.h"

/* --- services: every service and driver of the current control set */
struct svc_state_ctx {
	json_t *services;
};

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static int svc_state_one(void *ctx, struct svc *v)
{
	struct svc_state_ctx *c = ctx;
	json_t *o = json_object();
	char *sddl = NULL;

	if (v->unreadable) {
		json_object_set_new(o, "unreadable", json_string(v->bad));
		json_object_set_new(c->services, v->name, o);
		return 0;
	}
	json_object_set_new(o, "start", v->has_start ? json_integer(v->start) : json_null());
	json_object_set_new(o, "type", v->has_type ? json_integer(v->type) : json_null());
	json_object_set_new(o, "image_path", str_or_null(v->image_path));
	json_object_set_new(o, "service_dll", str_or_null(v->service_dll));
	json_object_set_new(o, "object_name", str_or_null(v->object_name));
	if (v->sd_state == SVC_SD_PRESENT) {
		struct secdesc sd;
		struct err e;

		memset(&sd, 0, sizeof(sd));
		err_init(&e);
		if (secdesc_parse(v->sd, v->sd_len, &sd, &e) == 0 &&
		    sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &sddl, &e) == 0)
			json_object_set_new(o, "sddl", json_string(sddl));
		else
			json_object_set_new(o, "sddl_error", json_string(e.msg));
		free(sddl);
		secdesc_release(&sd);
	} else {
		json_object_set_new(o, "sddl", json_null());   /* SCM default */
	}
	json_object_set_new(c->services, v->name, o);
	return 0;
}

static int vac_one(void *ctx, const char *name, const struct reg_value *v)
{
	uint32_t d;
	struct err e;

	err_init(&e);
	if (reg_value_dword(v, &d, &e) == 0)
		json_object_set_new(ctx, name, json_integer(d));
	else
		json_object_set_new(ctx, name, json_null());
	return 0;
}

static int state_registry(const struct evidence *ev, json_t *state, json_t *unreadable,
			  struct err *err)
{
	struct registry *reg;
	struct hive *sys;
	struct svc_state_ctx c;
	struct hkey *k = NULL;
	char path[128];
	unsigned bad = 0;
	int rc;

	if (registry_get(ev, &reg, err) < 0 || registry_system(reg, &sys, err) < 0 ||
	    !reg->control_set[0]) {
		json_array_append_new(unreadable, json_string("services"));
		return 0;
	}
	json_object_set_new(state, "control_set", json_string(reg->control_set));
	c.services = json_object();
	rc = svc_foreach(sys, reg->control_set, svc_state_one, &c, &bad, err);
	if (rc < 0) {
		json_decref(c.services);
		json_array_append_new(unreadable, json_string("services"));
		return 0;
	}
	json_object_set_new(state, "services", c.services);
	/* VssAccessControl: account -> DWORD */
	snprintf(path, sizeof(path), "%s\\Services\\VSS\\VssAccessControl", reg->control_set);
	if (hive_key(sys, path, &k, err) == 1) {
		json_t *acl = json_object();

		hkey_foreach_value(k, vac_one, acl, err);
		hkey_free(k);
		json_object_set_new(state, "vss_access_control", acl);
	}
	return 0;
}

/* --- WinSxS descriptors: the folder, PendingRenames, and FileMaps' files
 * grouped by descriptor */
static char *sddl_of(const struct evidence *ev, const char *path, uint64_t inode,
		     int by_inode, struct err *err)
{
	struct secdesc sd;
	char *out = NULL;

	if (file_acl_read(ev, path, inode, by_inode, &sd, err) <= 0)
		return NULL;
	sddl_encode(&sd, SDDL_RIGHTS_FILE, &out, err);
	secdesc_release(&sd);
	return out;
}

struct filemaps_ctx {
	const struct evidence *ev;
	const char *dir;             /* FileMaps on the volume */
	json_t *by_sddl;
	unsigned long n;
	int use_inode;
};

static int filemaps_one(void *ctx, const struct fs_dirent *e)
{
	struct filemaps_ctx *c = ctx;
	char path[LIMIT_PATH_LEN];
	struct err e2;
	char *sddl;
	json_t *cur;

	if (e->is_dir)
		return 0;
	err_init(&e2);
	snprintf(path, sizeof(path), "%s\\%s", c->dir, e->name);
	sddl = sddl_of(c->ev, path, e->inode, c->use_inode, &e2);
	cur = json_object_get(c->by_sddl, sddl ? sddl : "(unreadable)");
	json_object_set_new(c->by_sddl, sddl ? sddl : "(unreadable)",
			    json_integer(cur ? json_integer_value(cur) + 1 : 1));
	free(sddl);
	c->n++;
	return 0;
}

static int state_winsxs(const struct evidence *ev, json_t *state, json_t *unreadable)
{
	static const char *const paths[] = {
		"Windows\\WinSxS\\FileMaps", "Windows\\WinSxS\\Temp\\PendingRenames",
	};
	json_t *w = json_object();
	struct filemaps_ctx c;
	struct err err;
	char vpath[2][LIMIT_WINDIR_LEN + 64];
	size_t i;

	if (!fs_info(ev->fs)->descriptors) {
		json_decref(w);
		json_array_append_new(unreadable, json_string("winsxs"));
		return 0;
	}
	/* the keys say "Windows\\" whatever the folder's name (baselines of
	 * C:\\Windows and C:\\WINNT servers compare); the files are read in
	 * the Windows folder found on the volume (windir.h) */
	for (i = 0; i < 2; i++) {
		char *sddl;

		err_init(&err);
		if (evidence_windir_path(ev, paths[i] + strlen("Windows\\"), vpath[i],
				     sizeof(vpath[i]), &err) < 0)
			vpath[i][0] = '\0';
		sddl = vpath[i][0] ? sddl_of(ev, vpath[i], 0, 0, &err) : NULL;
		json_object_set_new(w, paths[i], sddl ? json_string(sddl) : json_null());
		free(sddl);
	}
	c.ev = ev;
	c.dir = vpath[0];
	c.by_sddl = json_object();
	c.n = 0;
	c.use_inode = fs_info(ev->fs)->kind == FS_NTFS;
	err_init(&err);
	if (vpath[0][0] && fs_readdir(ev->fs, vpath[0], filemaps_one, &c, &err) == 0)
		json_object_set_new(w, "Windows\\WinSxS\\FileMaps\\*", c.by_sddl);
	else
		json_decref(c.by_sddl);
	json_object_set_new(state, "winsxs", w);
	return 0;
}

/* --- .NET Framework counts and Web.config, from cause 4's walk
 * (framework_collect: the roots cause 4 walked in this scan) */
static void fw_item(json_t *e, json_t *fw, json_t *wc)
{
	const char *kind = json_string_value(json_object_get(e, "kind"));
	const char *path = json_string_value(json_object_get(e, "path"));

	if (!kind || !path)
		return;
	if (strcmp(kind, "count") == 0 && json_is_integer(json_object_get(e, "folders")))
		json_object_set(fw, path, json_object_get(e, "folders"));
	else if (strcmp(kind, "webconfig") == 0 || strcmp(kind, "file") == 0) {
		json_t *td = json_object_get(e, "temp_directory");

		if (td)
			json_object_set(wc, path, td);
	}
}

static void state_framework(const struct evidence *ev, json_t *state, json_t *unreadable)
{
	json_t *fw = json_object(), *wc = json_object(), *e;
	const struct framework_scan *f = NULL;
	struct err err;
	size_t k;

	err_init(&err);
	if (ev->fs && framework_collect(ev, NULL, &f, &err) == 0 && f->rc == 0) {
		json_array_foreach(f->items, k, e)
			fw_item(e, fw, wc);
		if (f->worst_ev && !f->worst_listed)
			fw_item(f->worst_ev, fw, wc);
	} else {
		json_array_append_new(unreadable, json_string("framework"));
	}
	json_object_set_new(state, "framework", fw);
	json_object_set_new(state, "webconfig", wc);
}

/* --- the state behind issue 18's findings: the descriptors of
 * Services\VSS\Diag and its subkeys, the machine-wide COM permissions,
 * and whether Users and ProgramData are real folders. */

/* A descriptor as SDDL (a JSON string), or null when it cannot be read. */
static json_t *sd_json(const uint8_t *bytes, size_t len)
{
	struct secdesc sd;
	struct err e;
	char *sddl = NULL;
	json_t *out = NULL;

	memset(&sd, 0, sizeof(sd));
	err_init(&e);
	if (secdesc_parse(bytes, len, &sd, &e) == 0 &&
	    sddl_encode(&sd, SDDL_RIGHTS_SERVICE, &sddl, &e) == 0)
		out = json_string(sddl);
	free(sddl);
	secdesc_release(&sd);
	return out ? out : json_null();
}

static json_t *key_sd_json(struct hkey *k)
{
	uint8_t *bytes = NULL;
	size_t len = 0;
	struct err e;
	json_t *out;

	err_init(&e);
	if (hkey_security(k, &bytes, &len, &e) != 1)
		return json_null();
	out = sd_json(bytes, len);
	free(bytes);
	return out;
}

struct diag_ctx {
	json_t *o;
	const char *base;
	unsigned n;
};

static int diag_sub(void *ctx, struct hkey *sub, const char *name)
{
	struct diag_ctx *c = ctx;
	char path[600];

	if (c->n++ >= LIMIT_EVIDENCE_ITEMS)
		return 1;
	snprintf(path, sizeof(path), "%s\\%s", c->base, name);
	json_object_set_new(c->o, path, key_sd_json(sub));
	return 0;
}

static void state_diag(const struct evidence *ev, json_t *state)
{
	struct registry *reg;
	struct hive *sys;
	struct hkey *k = NULL;
	char path[128];
	struct err e;
	struct diag_ctx c;

	err_init(&e);
	if (registry_get(ev, &reg, &e) < 0 || registry_system(reg, &sys, &e) < 0 ||
	    !reg->control_set[0])
		return;                     /* "services" says unreadable */
	snprintf(path, sizeof(path), "%s\\Services\\VSS\\Diag", reg->control_set);
	c.o = json_object();
	c.base = "Services\\VSS\\Diag";
	c.n = 0;
	if (hive_key(sys, path, &k, &e) == 1) {
		json_object_set_new(c.o, c.base, key_sd_json(k));
		hkey_foreach_subkey(k, diag_sub, &c, &e);
	}
	hkey_free(k);
	json_object_set_new(state, "vss_diag", c.o);
}

static void state_com(const struct evidence *ev, json_t *state, json_t *unreadable)
{
	static const char *const ole[] = {
		"DefaultAccessPermission", "DefaultLaunchPermission",
		"MachineAccessRestriction", "MachineLaunchRestriction",
	};
	static const char *const policy[] = { "MachineAccessRestriction", "MachineLaunchRestriction" };
	struct registry *reg;
	struct hive *sw;
	struct hkey *k = NULL;
	struct err e;
	json_t *o;
	size_t i;

	err_init(&e);
	if (registry_get(ev, &reg, &e) < 0 || registry_software(reg, &sw, &e) < 0) {
		json_array_append_new(unreadable, json_string("com_security"));
		return;
	}
	o = json_object();
	if (hive_key(sw, "Microsoft\\Ole", &k, &e) == 1) {
		for (i = 0; i < sizeof(ole) / sizeof(ole[0]); i++) {
			struct reg_value v;
			char key[96];

			memset(&v, 0, sizeof(v));
			snprintf(key, sizeof(key), "Microsoft\\Ole\\%s", ole[i]);
			if (hkey_value(k, ole[i], &v, &e) == 1)
				json_object_set_new(o, key, sd_json(v.data, v.len));
			reg_value_release(&v);
		}
	}
	hkey_free(k);
	k = NULL;
	/* the Group Policy copies are SDDL strings */
	if (hive_key(sw, "Policies\\Microsoft\\Windows NT\\DCOM", &k, &e) == 1) {
		for (i = 0; i < sizeof(policy) / sizeof(policy[0]); i++) {
			char *sddl = NULL, key[128];

			snprintf(key, sizeof(key), "Policies\\Microsoft\\Windows NT\\DCOM\\%s", policy[i]);
			if (hkey_get_string(k, policy[i], &sddl, &e) == 1)
				json_object_set_new(o, key, json_string(sddl));
			free(sddl);
		}
	}
	hkey_free(k);
	json_object_set_new(state, "com_security", o);
}

static void state_profiles(const struct evidence *ev, json_t *state)
{
	static const char *const paths[] = { "Users", "ProgramData" };
	json_t *o = json_object();
	size_t i;

	for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		char target[LIMIT_PATH_LEN];
		struct fs_stat st;
		struct err e;

		err_init(&e);
		if (fs_stat(ev->fs, paths[i], &st, &e) != 1)
			continue;
		if (!st.is_reparse) {
			json_object_set_new(o, paths[i], json_string(st.is_dir ? "folder" : "file"));
			continue;
		}
		if (fs_reparse_target(ev->fs, paths[i], target, sizeof(target), &e) != 1)
			snprintf(target, sizeof(target), "(unknown)");
		json_object_set_new(o, paths[i], json_sprintf("%s -> %s",
			st.reparse_tag == FS_REPARSE_MOUNT_POINT ? "junction" :
			st.reparse_tag == FS_REPARSE_SYMLINK ? "symlink" : "reparse point", target));
	}
	json_object_set_new(state, "profile_folders", o);
}

int baseline_collect(const struct evidence *ev, json_t **doc, struct err *err)
{
	json_t *d = json_object(), *state = json_object(), *unreadable = json_array();
	json_t *src = json_object();

	*doc = NULL;
	if (!d || !state || !unreadable || !src) {
		json_decref(d); json_decref(state); json_decref(unreadable); json_decref(src);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	json_object_set_new(d, "schema", json_string(BASELINE_SCHEMA));
	json_object_set_new(d, "tool", json_pack("{s:s, s:s}", "name", "vssdoctor",
						 "version", VSSD_VERSION));
	json_object_set_new(src, "path", json_string(ev->source));
	json_object_set_new(src, "format", json_string(ev->is_dir ? "directory" :
						       image_format(ev->img)));
	json_object_set_new(d, "source", src);
	{
		/* drive letters come and go with USB sticks: not a baseline's */
		json_t *w = json_copy(ev->windows);

		if (w)
			json_object_del(w, "drive_letters");
		json_object_set_new(d, "windows", w ? w : json_object());
	}
	state_registry(ev, state, unreadable, err);
	state_winsxs(ev, state, unreadable);
	state_framework(ev, state, unreadable);
	if (ev->fs) {
		state_diag(ev, state);
		state_com(ev, state, unreadable);
		state_profiles(ev, state);
	}
	json_object_set_new(d, "state", state);
	json_object_set_new(d, "unreadable", unreadable);
	*doc = d;
	return 0;
}

int baseline_save(const char *path, json_t *doc, struct err *err)
{
	if (json_dump_file(doc, path, JSON_INDENT(2) | JSON_SORT_KEYS) < 0)
		return err_set(err, -E_IO, "cannot write '%s': %s", path, strerror(errno));
	return 0;
}
