/* service-imagepath-invalid (KB 968247, KB 980794): the System Writer
 * walks every service and driver to list their binaries and gives up on
 * an ImagePath it cannot resolve: forward slashes, unbalanced quotes, a
 * relative path that is not Windows' own "system32\..." form, a network
 * (UNC) path, a drive letter that no volume of this machine has.  Every
 * service and driver is looked at, not only the writer's own; the forms
 * come from parsers/svcpath.c (svcpath_check), the drive letters from
 * SYSTEM\MountedDevices ("\DosDevices\X:" values: the letters this
 * Windows has assigned).
 *
 * Evidence names the service and the exact value; the fix is the reg add
 * (or sc config) with the corrected command line, when one can be told:
 * a relative path is looked up on the volume under the Windows folder,
 * System32 and System32\drivers; a missing drive's path on the system
 * volume when the file is there.  A UNC path or a drive with no copy of
 * the file has no guess: its fix line says what to decide. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "checks.h"
#include "limits.h"
#include "registry.h"
#include "registry_util.h"
#include "services.h"
#include "svcpath.h"
#include "windir.h"
#include "wsblogs.h"

#define JOIN_MAX 20

struct ip_ctx {
	const struct evidence *ev;
	struct registry *reg;
	struct result *res;
	char letters[27];          /* drive letters MountedDevices names */
	int have_letters;
	char sysdrive;             /* the Windows volume's letter */
	unsigned checked, unreadable;
	size_t nbad;
	char first_bad[600];
	json_t *service, *fix_service, *fix_reg, *manual_service, *manual_problem;
	char names[1024];
	size_t nnames;
};

/* "\DosDevices\X:" values of SYSTEM\MountedDevices: 1 read (letters
 * filled), 0 no such key or no letter, <0 error. */
struct md_ctx {
	char *letters;
	size_t n;
};

static int md_value(void *ctx, const char *name, const struct reg_value *v)
{
	struct md_ctx *m = ctx;

	(void)v;
	if (strncasecmp(name, "\\DosDevices\\", 12) == 0 && isalpha((unsigned char)name[12]) &&
	    name[13] == ':' && !name[14] && !strchr(m->letters, toupper((unsigned char)name[12])))
		m->letters[m->n++] = (char)toupper((unsigned char)name[12]);
	return 0;
}

static int mounted_letters(struct hive *sys, char letters[27], struct err *err)
{
	struct hkey *k = NULL;
	struct md_ctx m = { letters, 0 };
	int rc;

	memset(letters, 0, 27);
	rc = hive_key(sys, "MountedDevices", &k, err);
	if (rc <= 0)
		return rc;
	rc = hkey_foreach_value(k, md_value, &m, err);
	hkey_free(k);
	if (rc < 0)
		return rc;
	return m.n ? 1 : 0;
}

/* 1 when the volume holds the file value names (resolved like any
 * ImagePath), 0 when not or it cannot be resolved. */
static int on_volume(struct ip_ctx *c, const char *value)
{
	char vol[LIMIT_PATH_LEN + 1];
	struct fs_stat st;
	struct err e;

	err_init(&e);
	if (svcpath_normalize(value, c->reg->systemroot, vol, sizeof(vol), &e) < 0)
		return 0;
	return fs_stat(c->ev->fs, vol, &st, &e) == 1 && !st.is_dir;
}

/* "C:\x" -> "\"C:\x\" args" as a command line (quoted as svcpath_check
 * quotes its corrections). */
static void command_line(char *out, size_t size, const char *path, const char *args)
{
	int quote = strchr(path, ' ') != NULL || args[0];


	if ((size_t)snprintf(out, size, "%s%s%s%s%s", quote ? "\"" : "", path, quote ? "\"" : "",
			     args[0] ? " " : "", args) >= size)
		out[0] = '\0';   /* too long to print a fix for */
}

/* A relative path: where on the volume the file is. */
static int place_relative(struct ip_ctx *c, const struct svc *sv, const struct svcpath_check *pc,
			  char *out, size_t size)
{
	static const char *const services[] = { "%SystemRoot%\\", "%SystemRoot%\\System32\\", NULL };
	static const char *const drivers[] = { "%SystemRoot%\\", "%SystemRoot%\\System32\\",
					       "%SystemRoot%\\System32\\drivers\\", NULL };
	const char *const *pre = svc_is_driver(sv) ? drivers : services;
	char rel[SVCPATH_CHECK_MAX], cand[SVCPATH_CHECK_MAX + 64];
	size_t i;

	snprintf(rel, sizeof(rel), "%s", pc->path);
	for (i = 0; rel[i]; i++)
		if (rel[i] == '/')
			rel[i] = '\\';
	for (i = 0; pre[i]; i++) {
		snprintf(cand, sizeof(cand), "%s%s", pre[i], rel);
		if (!on_volume(c, cand))
			continue;
		if (svc_is_driver(sv))
			snprintf(cand, sizeof(cand), "\\SystemRoot\\%s%s", pre[i] + strlen("%SystemRoot%\\"), rel);
		command_line(out, size, cand, pc->args);
		return 1;
	}
	return 0;
}

/* For reg.exe and sc.exe: '"' inside /d "..." written as \". */
static json_t *reg_quoted(const char *s)
{
	char buf[2 * SVCPATH_CHECK_MAX + 1];
	size_t n = 0;

	for (; *s && n + 3 < sizeof(buf); s++) {
		if (*s == '"')
			buf[n++] = '\\';
		buf[n++] = *s;
	}
	buf[n] = '\0';
	return json_string(buf);
}

static int ip_one(void *ctx, struct svc *sv)
{
	struct ip_ctx *c = ctx;
	struct svcpath_check *pc;
	char problems[256], corrected[SVCPATH_CHECK_MAX + 64] = "", note[300] = "";
	char drive;
	struct err e;
	json_t *ev, *plist;

	if (sv->unreadable) {
		if (!c->unreadable++)
			snprintf(c->first_bad, sizeof(c->first_bad), "%s: %s", sv->name, sv->bad);
		return 0;
	}
	if (!sv->image_path)
		return 0;
	c->checked++;
	pc = malloc(sizeof(*pc));
	if (!pc)
		return -E_NOMEM;
	err_init(&e);
	if (svcpath_check(sv->image_path, svc_is_driver(sv), pc, &e) < 0) {
		/* an empty value is the SCM's business (the default path) */
		free(pc);
		return 0;
	}
	drive = svcpath_drive(pc->path);
	plist = json_array();
	svcpath_problem_names(pc->problems, problems, sizeof(problems));
	if (pc->problems & SVCPATH_FORWARD_SLASH)
		json_array_append_new(plist, json_string("forward slashes"));
	if (pc->problems & SVCPATH_UNBALANCED_QUOTES)
		json_array_append_new(plist, json_string("unbalanced quotes"));
	if (pc->problems & SVCPATH_RELATIVE)
		json_array_append_new(plist, json_string("relative path"));
	if (pc->problems & SVCPATH_UNC)
		json_array_append_new(plist, json_string("UNC path"));
	snprintf(corrected, sizeof(corrected), "%s", pc->corrected);
	if (drive && c->have_letters && drive != c->sysdrive && !strchr(c->letters, drive)) {
		char d[80], alt[SVCPATH_CHECK_MAX + 64];
		const char *colon = strchr(pc->path, ':');
		size_t l = strlen(problems);

		snprintf(d, sizeof(d), "drive %c: that no volume has", drive);
		json_array_append_new(plist, json_string(d));
		snprintf(problems + l, sizeof(problems) - l, "%s%s", l ? ", " : "", d);
		/* the same path on the system volume, when the file is there */
		if (colon) {
			snprintf(alt, sizeof(alt), "%c%s", c->sysdrive, colon);
			if (on_volume(c, alt)) {
				command_line(corrected, sizeof(corrected), alt, pc->args);
				snprintf(note, sizeof(note), "the same file exists on %c:", c->sysdrive);
			} else {
				corrected[0] = '\0';
			}
		}
	}
	if (!json_array_size(plist)) {
		json_decref(plist);
		free(pc);
		return 0;
	}
	if ((pc->problems & SVCPATH_RELATIVE) && !(pc->problems & SVCPATH_UNC)) {
		if (!place_relative(c, sv, pc, corrected, sizeof(corrected)))
			snprintf(note, sizeof(note), "%s", "the file was not found under the Windows folder, "
				 "System32 or System32\\drivers: check where the binary is before applying the fix");
	}
	c->nbad++;
	json_array_append_new(c->service, json_string(sv->name));
	if (c->nnames < JOIN_MAX) {
		size_t l = strlen(c->names);

		snprintf(c->names + l, sizeof(c->names) - l, "%s%s", c->nnames ? ", " : "", sv->name);
	}
	c->nnames++;
	if (corrected[0]) {
		json_array_append_new(c->fix_service, json_string(sv->name));
		json_array_append_new(c->fix_reg, reg_quoted(corrected));
	} else {
		json_array_append_new(c->manual_service, json_string(sv->name));
		json_array_append_new(c->manual_problem, json_string(problems));
	}
	if (c->nbad <= LIMIT_EVIDENCE_ITEMS) {
		ev = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:b}", "kind", "registry", "hive", "SYSTEM",
			       "path", sv->key, "value", "ImagePath", "service", sv->name,
			       "data", sv->image_path, "problems", plist, "driver", svc_is_driver(sv));
		if (ev) {
			if (c->reg->system.replayed)
				json_object_set_new(ev, "replayed", json_true());
			json_object_set_new(ev, "corrected", corrected[0] ? json_string(corrected) : json_null());
			if (note[0])
				json_object_set_new(ev, "note", json_string(note));
			if (sv->display_name)
				json_object_set_new(ev, "display_name", json_string(sv->display_name));
			json_array_append_new(c->res->evidence, ev);
		}
	} else {
		json_decref(plist);
	}
	free(pc);
	return 0;
}

static int imagepaths(const struct evidence *ev, const struct rule *r, struct result *res, struct err *err)
{
	struct ip_ctx c;
	struct hive *sys = NULL;
	unsigned unreadable = 0;
	char path[64];
	json_t *sum;
	struct err e;
	int rc;

	(void)r;
	memset(&c, 0, sizeof(c));
	c.ev = ev;
	c.res = res;
	if ((rc = registry_get(ev, &c.reg, err)) < 0 || (rc = registry_system(c.reg, &sys, err)) < 0)
		return rc;
	c.sysdrive = isalpha((unsigned char)c.reg->systemroot[0]) && c.reg->systemroot[1] == ':' ?
		(char)toupper((unsigned char)c.reg->systemroot[0]) : 'C';
	err_init(&e);
	c.have_letters = mounted_letters(sys, c.letters, &e) == 1;
	c.service = json_array();
	c.fix_service = json_array();
	c.fix_reg = json_array();
	c.manual_service = json_array();
	c.manual_problem = json_array();
	rc = svc_foreach(sys, c.reg->control_set, ip_one, &c, &unreadable, err);
	if (rc < 0) {
		if (rc == -E_NOMEM && !err->msg[0])
			err_set(err, rc, "out of memory");
		goto out;
	}
	if (c.nnames > JOIN_MAX) {
		size_t l = strlen(c.names);

		snprintf(c.names + l, sizeof(c.names) - l, " and %zu more", c.nnames - JOIN_MAX);
	}
	snprintf(path, sizeof(path), "%s\\Services", c.reg->control_set);
	sum = json_pack("{s:s, s:s, s:s, s:I, s:I}", "kind", "registry", "hive", "SYSTEM", "path", path,
			"image_paths", (json_int_t)c.checked, "invalid", (json_int_t)c.nbad);
	if (sum) {
		if (c.have_letters) {
			json_object_set_new(sum, "drive_letters", json_string(c.letters));
		} else {
			json_object_set_new(sum, "drive_letters", json_null());
			json_object_set_new(sum, "drive_letters_note", json_string(
				"SYSTEM\\MountedDevices names no drive letter: paths on other drives were not judged"));
		}
		json_array_append_new(res->evidence, sum);
	}
	/* Windows Server Backup's own log lines that point here */
	{
		const struct wsblogs *w = NULL;
		struct err we;
		size_t i, listed = 0;
		json_t *it;

		err_init(&we);
		if (wsblogs_get(ev, &w, &we) == 0) {
			json_array_foreach(w->entries, i, it) {
				const char *p = json_string_value(json_object_get(it, "proves"));

				if (p && strcmp(p, "service-imagepath-invalid") == 0 &&
				    listed++ < LIMIT_EVIDENCE_ITEMS)
					json_array_append(res->evidence, it);
			}
		}
	}
	json_object_set_new(res->vars, "service", json_incref(c.service));
	json_object_set_new(res->vars, "fix_service", json_incref(c.fix_service));
	json_object_set_new(res->vars, "fix_reg", json_incref(c.fix_reg));
	json_object_set_new(res->vars, "manual_service", json_incref(c.manual_service));
	json_object_set_new(res->vars, "manual_problem", json_incref(c.manual_problem));
	json_object_set_new(res->vars, "count", json_integer((json_int_t)c.nbad));
	json_object_set_new(res->vars, "services", json_string(c.names));
	json_object_set_new(res->vars, "control_set", json_string(c.reg->control_set));
	json_object_set_new(res->vars, "windows_dir", json_string(evidence_windir(ev)));
	rc = checks_services_verdict(res, c.nbad != 0, c.unreadable + unreadable, c.first_bad, err);
out:
	json_decref(c.service);
	json_decref(c.fix_service);
	json_decref(c.fix_reg);
	json_decref(c.manual_service);
	json_decref(c.manual_problem);
	return rc;
}

static const struct param_def imagepath_params[] = {
	{ NULL, 0, 0, NULL },
};

static const char *const service_imagepaths_vars[] = { "service", "services", "count", "control_set", "fix_service", "fix_reg", "manual_service", "manual_problem", "windows_dir", NULL };
const struct check_def check_def_service_imagepaths = {
	"service_imagepaths", imagepaths, imagepath_params, service_imagepaths_vars, 0,
};
