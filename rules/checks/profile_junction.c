/* profile-junction: C:\Users or C:\ProgramData moved to another volume and
 * left behind as a junction or symbolic link.  The System Writer's
 * AddCoreCsiFiles then fails in RtlConvertNtFilePathToWin32Path with
 * 0xC0000039 (STATUS_OBJECT_PATH_INVALID), CAPI2 513 (DOMAIN.md "Beyond
 * the four causes"); Windows does not support these folders on another
 * volume (KB 949977).  The 513 text is classified to this finding by
 * parsers/capi2.c, never to cause 1.
 *
 * Evidence: the reparse point (type, tag) and its target, and whether the
 * target's volume is in this image: its drive letter looked up in SYSTEM
 * MountedDevices ("\DosDevices\D:": 12 bytes of MBR disk signature and
 * partition offset, or "DMIO:ID:" and the GPT partition GUID) and matched
 * against the image's partition table. */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "checks.h"
#include "gpt.h"
#include "limits.h"
#include "registry.h"

static const char *const default_paths[] = { "Users", "ProgramData", NULL };

/* The drive letter a link target names ("D:\Users", "\??\D:\Users"), 0
 * when none. */
static char target_drive(const char *t)
{
	if (strncmp(t, "\\??\\", 4) == 0 || strncmp(t, "\\\\?\\", 4) == 0)
		t += 4;
	if (isalpha((unsigned char)t[0]) && t[1] == ':')
		return (char)toupper((unsigned char)t[0]);
	return 0;
}

/* Where the volume of drive letter d is: fills o with target_volume_in_image
 * (true / false / null) and the reason. */
static void locate_volume(const struct evidence *ev, char d, char sysdrive, json_t *o)
{
	struct registry *reg = NULL;
	struct hive *sys = NULL;
	struct hkey *k = NULL;
	struct reg_value v;
	struct err e;
	char name[32], why[300] = "";
	int in = -1;
	unsigned i;

	memset(&v, 0, sizeof(v));
	err_init(&e);
	if (!d) {
		snprintf(why, sizeof(why), "%s", "the target names no drive letter");
	} else if (d == sysdrive) {
		in = 1;
		snprintf(why, sizeof(why), "%c: is the Windows volume", d);
	} else if (!ev->img) {
		snprintf(why, sizeof(why), "%s", "a directory source has no partition table to look in");
	} else if (strcmp(ev->vt.scheme, "none") == 0) {
		in = 0;
		snprintf(why, sizeof(why), "the image holds one bare volume, the Windows volume: %c: is not in it", d);
	} else if (registry_get(ev, &reg, &e) < 0 || registry_system(reg, &sys, &e) < 0 ||
		   hive_key(sys, "MountedDevices", &k, &e) != 1) {
		snprintf(why, sizeof(why), "%s", "SYSTEM\\MountedDevices could not be read");
	} else {
		snprintf(name, sizeof(name), "\\DosDevices\\%c:", d);
		if (hkey_value(k, name, &v, &e) != 1) {
			snprintf(why, sizeof(why), "MountedDevices has no %c: (the volume was never seen by this Windows, or is gone)", d);
		} else if (v.len == 12) {
			/* MBR: disk signature, then the partition's byte offset */
			uint64_t off = le64(v.data + 4);

			in = 0;
			for (i = 0; i < ev->vt.count; i++)
				if (ev->vt.v[i].offset == off && strcmp(ev->vt.scheme, "mbr") == 0)
					in = 1;
			snprintf(why, sizeof(why), "MountedDevices: %c: is the MBR partition at byte %llu of disk 0x%08x; "
				 "%s", d, (unsigned long long)off, (unsigned)le32(v.data),
				 in ? "this image holds a partition there" : "this image has no partition there");
		} else if (v.len == 24 && memcmp(v.data, "DMIO:ID:", 8) == 0) {
			char guid[GPT_GUID_STR];

			gpt_guid_format(v.data + 8, guid);
			in = 0;
			for (i = 0; i < ev->vt.count; i++)
				if (strcasecmp(ev->vt.v[i].guid, guid) == 0)
					in = 1;
			snprintf(why, sizeof(why), "MountedDevices: %c: is the GPT partition {%s}; %s", d, guid,
				 in ? "this image holds it" : "this image does not hold it");
		} else {
			snprintf(why, sizeof(why), "MountedDevices: %c: is a %zu-byte device name (removable or virtual "
				 "volume), not a partition of this disk", d, v.len);
			in = 0;
		}
	}
	reg_value_release(&v);
	hkey_free(k);
	json_object_set_new(o, "target_volume_in_image", in < 0 ? json_null() : json_boolean(in));
	json_object_set_new(o, "target_volume", json_string(why));
}

static int profile_junction(const struct evidence *ev, const struct rule *r, struct result *res,
			    struct err *err)
{
	json_t *paths = rule_param(r, "paths"), *plist = json_array(), *tlist = json_array();
	json_t *llist = json_array();
	struct registry *reg = NULL;
	char joined[1024] = "", sysdrive = 'C';
	unsigned errors = 0;
	struct err first, e;
	size_t i, n;

	err_init(&first);
	err_init(&e);
	if (registry_get(ev, &reg, &e) == 0 && isalpha((unsigned char)reg->systemroot[0]) &&
	    reg->systemroot[1] == ':')
		sysdrive = (char)toupper((unsigned char)reg->systemroot[0]);
	n = json_is_array(paths) ? json_array_size(paths) : 2;
	for (i = 0; i < n; i++) {
		const char *p = json_is_array(paths) ? json_string_value(json_array_get(paths, i)) :
			default_paths[i];
		char target[LIMIT_PATH_LEN], link[LIMIT_PATH_LEN + 8];
		struct fs_stat st;
		json_t *o;
		int rc;

		if (!p || strlen(p) > LIMIT_PATH_LEN)
			continue;
		err_init(&e);
		rc = fs_stat(ev->fs, p, &st, &e);
		if (rc < 0) {
			if (!errors++) {
				first = e;
				err_wrap(&first, "'%s'", p);
			}
			continue;
		}
		if (rc == 0 || !st.is_reparse)
			continue;
		/* dedup, WOF and cloud-file reparse points do not redirect */
		if (fs_info(ev->fs)->kind == FS_NTFS && st.reparse_tag != FS_REPARSE_MOUNT_POINT &&
		    st.reparse_tag != FS_REPARSE_SYMLINK)
			continue;
		err_init(&e);
		if (fs_reparse_target(ev->fs, p, target, sizeof(target), &e) != 1)
			snprintf(target, sizeof(target), "(unknown)");
		o = json_pack("{s:s, s:s, s:s, s:s}", "kind", "junction", "path", p,
			      "type", st.reparse_tag == FS_REPARSE_MOUNT_POINT ? "junction" : "symlink",
			      "target", target);
		if (!o)
			continue;
		json_object_set_new(o, "reparse_tag", json_sprintf("0x%08x", (unsigned)st.reparse_tag));
		locate_volume(ev, target_drive(target), sysdrive, o);
		json_array_append_new(res->evidence, o);
		snprintf(link, sizeof(link), "%c:\\%s", sysdrive, p);
		json_array_append_new(plist, json_string(p));
		json_array_append_new(tlist, json_string(target));
		json_array_append_new(llist, json_string(link));
		{
			size_t l = strlen(joined);

			if ((size_t)snprintf(joined + l, sizeof(joined) - l, "%s%s -> %s",
					     json_array_size(plist) > 1 ? ", " : "", p, target) >= sizeof(joined) - l)
				joined[l] = '\0';   /* the evidence has it whole */
		}
	}
	json_object_set_new(res->vars, "path", plist);
	json_object_set_new(res->vars, "target", tlist);
	json_object_set_new(res->vars, "link", llist);
	json_object_set_new(res->vars, "count", json_integer((json_int_t)json_array_size(plist)));
	json_object_set_new(res->vars, "paths", json_string(joined));
	if (json_array_size(plist)) {
		res->status = STATUS_PRESENT;
		return 0;
	}
	if (errors)
		return err_set(err, first.code ? first.code : -E_IO, "%s", first.msg);
	res->status = STATUS_ABSENT;
	return 0;
}

static const struct param_def profile_params[] = {
	{ "paths", PARAM_ARRAY, 0, "[s]" },
	{ NULL, 0, 0, NULL },
};

static const char *const profile_junction_vars[] = { "path", "target", "link", "count", "paths", NULL };
const struct check_def check_def_profile_junction = {
	"profile_junction", profile_junction, profile_params, profile_junction_vars, 0,
};
