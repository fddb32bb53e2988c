/* File changes of the repair, written through libntfs-3g (src/fs's
 * writer) into a block map over SOURCE:
 *   cause1  WinSxS\FileMaps, WinSxS\Temp\PendingRenames and what they
 *           hold, denied to the System Writer: the descriptor set as
 *           KB 2009272's commands set it (takeown /a: owner
 *           Administrators; icacls /grant SYSTEM:(RX),
 *           NT Service\TrustedInstaller:(F), BUILTIN\Users:(RX): each
 *           right added to the SID's explicit allow ACE, or a new explicit
 *           ACE before the inherited ones).  A deny ACE stays: the KB does
 *           not remove one, and the rescan then still finds the cause.
 *   cause4  the Temporary ASP.NET Files folder that puts a Framework
 *           version over the folder limit emptied (KB 2009272: "move or
 *           delete the contents"; ASP.NET rebuilds them); the folder
 *           itself stays.  The undo journal holds every metadata block
 *           the deletion changed, so undo gives the folders back as long
 *           as TARGET was not used (clusters freed by the deletion are
 *           then still unwritten). */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "fs.h"
#include "fs_write.h"
#include "image.h"
#include "sddl.h"
#include "secdesc.h"

#define KB_RX 0x001200a9u             /* FILE_GENERIC_READ | FILE_EXECUTE */
#define KB_F  0x001f01ffu             /* FILE_ALL_ACCESS */

static const struct {
	const char *sid;
	uint32_t mask;
} kb_grants[] = {
	{ "S-1-5-18", KB_RX },
	{ "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464", KB_F },
	{ "S-1-5-32-545", KB_RX },
};

/* One grant into sd's DACL (icacls /grant SID:(rights)). */
static int kb_grant(struct secdesc *sd, const struct sid *sid, uint32_t mask, struct err *err)
{
	struct acl *a = &sd->dacl;
	struct ace *grown;
	unsigned i, at = a->count;

	for (i = 0; i < a->count; i++) {
		struct ace *e = &a->aces[i];

		if (e->type == ACE_ACCESS_ALLOWED && !(e->flags & (ACE_INHERITED | ACE_INHERIT_ONLY)) &&
		    sid_equal(&e->sid, sid)) {
			e->mask |= mask;
			return 0;
		}
		if ((e->flags & ACE_INHERITED) && at == a->count)
			at = i;
	}
	if (a->count >= 1024)
		return err_set(err, -E_LIMIT, "%u ACEs", a->count);
	grown = realloc(a->aces, (a->count + 1) * sizeof(*a->aces));
	if (!grown)
		return err_set(err, -E_NOMEM, "out of memory");
	a->aces = grown;
	memmove(&a->aces[at + 1], &a->aces[at], (a->count - at) * sizeof(*a->aces));
	memset(&a->aces[at], 0, sizeof(*a->aces));
	a->aces[at].type = ACE_ACCESS_ALLOWED;
	a->aces[at].mask = mask;
	a->aces[at].sid = *sid;
	a->count++;
	return 0;
}

/* sd as KB 2009272 leaves it. */
static int kb_descriptor(struct secdesc *sd, struct err *err)
{
	size_t i;

	if (sid_from_string("S-1-5-32-544", &sd->owner, err) < 0)
		return -1;
	sd->has_owner = 1;
	if (!sd->has_dacl) {                 /* a NULL DACL becomes a DACL */
		sd->has_dacl = 1;
		sd->dacl.revision = 2;
	}
	sd->control |= SE_DACL_PRESENT;
	for (i = 0; i < sizeof(kb_grants) / sizeof(kb_grants[0]); i++) {
		struct sid sid;

		if (sid_from_string(kb_grants[i].sid, &sid, err) < 0 ||
		    kb_grant(sd, &sid, kb_grants[i].mask, err) < 0)
			return -1;
	}
	return 0;
}

/* The change for path: its descriptor read and rewritten. */
static int plan_file_sd(struct scan *s, struct plan *p, const char *path, struct err *err)
{
	struct secdesc sd;
	struct change *c;
	uint8_t *buf = NULL, *bin = NULL;
	size_t len = 0, blen = 0;
	char *before = NULL, *after = NULL;
	int rc = fs_get_security(s->ev.fs, path, &buf, &len, err);

	memset(&sd, 0, sizeof(sd));
	if (rc == 0)
		rc = err_set(err, -E_NOTFOUND, "vanished");
	if (rc < 0 || secdesc_parse(buf, len, &sd, err) < 0 ||
	    sddl_encode(&sd, SDDL_RIGHTS_FILE, &before, err) < 0 || kb_descriptor(&sd, err) < 0 ||
	    sddl_encode(&sd, SDDL_RIGHTS_FILE, &after, err) < 0 ||
	    secdesc_encode(&sd, &bin, &blen, err) < 0) {
		rc = err_wrap(err, "'%s': descriptor", path);
		goto out;
	}
	rc = -1;
	c = change_add(p, "cause1", "", "security descriptor");
	if (!c) {
		err_set(err, -E_NOMEM, "out of memory or too many changes");
		goto out;
	}
	c->kind = CHANGE_FILE_SD;
	snprintf(c->key, sizeof(c->key), "%s", path);
	c->before = before;
	c->after = after;
	c->data = bin;
	c->len = (uint32_t)blen;
	before = after = NULL;
	bin = NULL;
	rc = 0;
out:
	secdesc_release(&sd);
	free(buf);
	free(before);
	free(after);
	free(bin);
	return rc;
}

int plan_winsxs(struct scan *s, struct plan *p, const struct result *res, int *rest,
		struct err *err)
{
	json_t *ev;
	size_t k;
	int handled = 0;

	json_array_foreach(res->evidence, k, ev) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		const char *verdict = json_string_value(json_object_get(ev, "verdict"));
		const char *path = json_string_value(json_object_get(ev, "path"));

		if (kind && strcmp(kind, "summary") == 0 &&
		    json_integer_value(json_object_get(ev, "denied")) >
		    json_integer_value(json_object_get(ev, "denied_listed")))
			*rest = 1;           /* more denied than listed */
		if (!kind || strcmp(kind, "file") != 0 || !verdict || !path)
			continue;
		if (strcmp(verdict, "unreadable") == 0)
			*rest = 1;
		if (strcmp(verdict, "denied") != 0)
			continue;
		if (plan_file_sd(s, p, path, err) < 0)
			return -1;
		handled = 1;
	}
	if (handled)
		fixing_add(p, "cause1");
	return handled;
}

/* One Temporary ASP.NET Files folder of a count evidence: its change. */
static int plan_aspnet_one(struct plan *p, const char *root, json_t *top, struct err *err)
{
	const char *sub = json_string_value(json_object_get(top, "path"));
	json_int_t n = json_integer_value(json_object_get(top, "folders"));
	const char *last = sub ? strrchr(sub, '\\') : NULL;
	struct change *c;
	char buf[64];

	if (!sub || n <= 0 || strcasecmp(last ? last + 1 : sub, "Temporary ASP.NET Files") != 0)
		return 0;
	c = change_add(p, "cause4", "", "contents deleted");
	if (!c || !(c->before = malloc(64)) || !(c->after = strdup("(empty folder)")))
		return err_set(err, -E_NOMEM, "out of memory or too many changes");
	c->kind = CHANGE_EMPTY_DIR;
	c->why = strdup("repair --undo gives them back as long as TARGET was not used; "
			"once Windows ran on it, they are gone");
	if (!c->why)
		return err_set(err, -E_NOMEM, "out of memory");
	if (snprintf(c->key, sizeof(c->key), "%s\\%s", root, sub) >= (int)sizeof(c->key))
		return err_set(err, -E_LIMIT, "'%s\\%s': path too long", root, sub);
	snprintf(buf, sizeof(buf), "%lld folder%s (and their files)", (long long)n, n == 1 ? "" : "s");
	memcpy(c->before, buf, strlen(buf) + 1);
	return 1;
}

int plan_aspnet(struct plan *p, const struct result *res, int *rest, struct err *err)
{
	json_t *ev, *top;
	size_t k, t;
	int handled = 0;

	json_array_foreach(res->evidence, k, ev) {
		const char *kind = json_string_value(json_object_get(ev, "kind"));
		const char *path = json_string_value(json_object_get(ev, "path"));
		const char *cut = path ? strrchr(path, '\\') : NULL;
		json_int_t folders = json_integer_value(json_object_get(ev, "folders"));
		json_int_t limit = json_integer_value(json_object_get(ev, "limit"));
		char root[LIMIT_PATH_LEN];

		if (!kind || strcmp(kind, "count") != 0 || !cut || folders < limit ||
		    (size_t)(cut - path) >= sizeof(root))
			continue;
		memcpy(root, path, (size_t)(cut - path));   /* top paths start at the version */
		root[cut - path] = '\0';
		json_array_foreach(json_object_get(ev, "top"), t, top) {
			int rc = plan_aspnet_one(p, root, top, err);

			if (rc < 0)
				return -1;
			if (rc > 0) {
				folders -= json_integer_value(json_object_get(top, "folders"));
				handled = 1;
			}
		}
		if (folders >= limit)
			*rest = 1;               /* other folders keep it over */
	}
	if (handled)
		fixing_add(p, "cause4");
	return handled;
}

/* The changed blocks of w against SOURCE as ranges (disk offsets),
 * adjacent ones joined; their bytes in *old and *neu. */
static int writer_ranges(struct scan *s, struct fs_writer *w, struct range **ranges,
			 size_t *nr, uint8_t **old, uint8_t **neu, struct err *err)
{
	size_t n, total = 0, k = 0, at = 0, len;
	uint64_t off;
	const uint8_t *data;

	for (n = 0; fs_writer_block(w, n, &off, &data, &len); n++)
		total += len;
	*old = malloc(total ? total : 1);
	*neu = malloc(total ? total : 1);
	*ranges = calloc(n + 1, sizeof(**ranges));
	if (!*old || !*neu || !*ranges)
		return err_set(err, -E_NOMEM, "out of memory");
	for (n = 0; fs_writer_block(w, n, &off, &data, &len); n++) {
		uint64_t disk = s->ev.vol.offset + off;

		if (image_read(s->ev.img, disk, *old + at, len, err) < 0)
			return -1;
		if (memcmp(*old + at, data, len) == 0)
			continue;
		memcpy(*neu + at, data, len);
		if (k && (*ranges)[k - 1].disk_off + (*ranges)[k - 1].len == disk &&
		    (*ranges)[k - 1].old + (*ranges)[k - 1].len == *old + at) {
			(*ranges)[k - 1].len += len;
		} else {
			(*ranges)[k].ntfs = 1;
			(*ranges)[k].disk_off = disk;
			(*ranges)[k].len = len;
			(*ranges)[k].old = *old + at;
			(*ranges)[k].neu = *neu + at;
			k++;
		}
		at += len;
	}
	*nr = k;
	return 0;
}

int plan_files_apply(struct scan *s, const struct plan *p, struct range **ranges,
		     size_t *nr, uint8_t **old, uint8_t **neu)
{
	struct fs_writer *w = NULL;
	struct err err;
	size_t i;
	int rc = 0, any = 0;

	for (i = 0; i < p->n; i++)
		any |= !change_in_hive(&p->c[i]);
	if (!any)
		return 0;
	err_init(&err);
	if (fs_writer_open(&w, s->ev.img, s->ev.vol.offset, s->ev.vol.size, &err) < 0)
		return repair_refuse("the NTFS volume: %s", err.msg);
	for (i = 0; i < p->n && rc >= 0; i++) {
		const struct change *c = &p->c[i];
		unsigned long gone = 0;

		if (change_in_hive(c))
			continue;
		rc = c->kind == CHANGE_FILE_SD ? fs_writer_set_security(w, c->key, c->data, c->len, &err) :
		     fs_writer_delete_tree(w, c->key, 1, &gone, &err);
		if (rc == 0)
			rc = err_set(&err, -E_NOTFOUND, "absent");
		if (rc < 0)
			err_wrap(&err, "'%s'", c->key);
	}
	if (rc >= 0)
		rc = fs_writer_close(w, &err);
	if (rc >= 0)
		rc = writer_ranges(s, w, ranges, nr, old, neu, &err);
	fs_writer_free(w);
	if (rc < 0) {
		fprintf(stderr, "vssdoctor: repair: %s\n", err.msg);
		return 2;
	}
	return 0;
}
