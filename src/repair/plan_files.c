/* File changes of the repair, written through libntfs-3g (src/fs's
 * writer) into a block map over SOURCE:
 *   cause1  WinSxS\FileMaps, WinSxS\Temp\PendingRenames and what they
 *           hold, denied to the System Writer (every one cause 1's walk
 *           finds, not only those the scan lists): the descriptor set as
 *           KB 2009272's commands leave it (owner TrustedInstaller, as
 *           Windows installs WinSxS; icacls /grant
 *           SYSTEM:(RX), NT Service\TrustedInstaller:(F),
 *           BUILTIN\Users:(RX): the SID's explicit allow ACE set to
 *           that, or a new explicit ACE before the inherited ones), and
 *           every deny ACE that takes a right the writer needs from a SID
 *           of the writer's or LocalSystem's token removed (the KB's
 *           grants would leave it in force), said in the change's note.
 *           Other ACEs are kept.  At most REPAIR_CHANGES_MAX objects: more
 *           are left to the manual fix, with one line saying so.
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

#include "acl_util.h"
#include "file_acl.h"
#include "fs.h"
#include "fs_write.h"
#include "image.h"
#include "rules.h"
#include "sddl.h"
#include "secdesc.h"

#define KB_RX 0x001200a9u             /* FILE_GENERIC_READ | FILE_EXECUTE */
#define KB_F  0x001f01ffu             /* FILE_ALL_ACCESS */
#define SID_TRUSTED_INSTALLER "S-1-5-80-956008885-3418522649-1831038044-1853292631-2271478464"
#define PLAN_TEXT_FILES 10u           /* file changes of one folder printed in full */

static const struct {
	const char *sid;
	uint32_t mask;
} kb_grants[] = {
	{ "S-1-5-18", KB_RX },
	{ SID_TRUSTED_INSTALLER, KB_F },
	{ "S-1-5-32-545", KB_RX },
};

static void ace_remove(struct acl *a, unsigned i)
{
	free(a->aces[i].appdata);
	memmove(&a->aces[i], &a->aces[i + 1], (a->count - i - 1) * sizeof(*a->aces));
	a->count--;
}

/* One grant into sd's DACL as icacls /grant:r SID:(rights) makes it: the
 * SID's first explicit allow ACE gets exactly mask (its inheritance flags
 * kept), its other explicit allow ACEs go; none: a new explicit ACE before
 * the inherited ones. */
static int kb_grant(struct secdesc *sd, const struct sid *sid, uint32_t mask, struct err *err)
{
	struct acl *a = &sd->dacl;
	struct ace *grown;
	unsigned i, at = a->count;
	int done = 0;

	for (i = 0; i < a->count; i++) {
		struct ace *e = &a->aces[i];

		if (e->type == ACE_ACCESS_ALLOWED && !(e->flags & (ACE_INHERITED | ACE_INHERIT_ONLY)) &&
		    sid_equal(&e->sid, sid)) {
			if (done) {
				ace_remove(a, i--);
				continue;
			}
			e->mask = mask;
			done = 1;
		}
		if ((e->flags & ACE_INHERITED) && at == a->count)
			at = i;
	}
	if (done)
		return 0;
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

/* The tokens whose deny ACEs the repair removes: the System Writer's (as
 * the scan judged it) and LocalSystem's. */
struct kb_tokens {
	const struct token *writer;
	struct token system;
};

/* Every deny ACE of sd that takes from a SID of either token a right the
 * writer needs (an inherit-only one: that it would need of what the
 * folder holds) removed, each said in *note (malloc'd, NULL when none). */
static int kb_drop_denies(struct secdesc *sd, const struct kb_tokens *t, int is_dir,
			  char **note, struct err *err)
{
	enum access_object obj = is_dir ? ACCESS_DIRECTORY : ACCESS_FILE;
	struct acl *a = &sd->dacl;
	unsigned i;

	for (i = 0; sd->has_dacl && i < a->count; i++) {
		const struct ace *e = &a->aces[i];
		uint32_t need = (e->flags & ACE_INHERIT_ONLY) ? FILE_ACL_NEED_FOLDER | FILE_ACL_NEED_FILE :
				is_dir ? FILE_ACL_NEED_FOLDER : FILE_ACL_NEED_FILE;
		int w = token_has(t->writer, &e->sid), y = token_has(&t->system, &e->sid);
		char ace[SDDL_ACE_MAX], who[SID_STR_MAX + 64], rights[256], *grown = NULL;
		uint32_t m = access_map_generic(e->mask, obj) & need;

		if (!ace_type_is_deny(e->type) || !(w || y) || !m)
			continue;
		if (sddl_ace_encode(e, SDDL_RIGHTS_FILE, ace, sizeof(ace)) < 0)
			snprintf(ace, sizeof(ace), "(deny ACE %u)", i);
		if (sid_name(&e->sid))
			snprintf(who, sizeof(who), "%s", sid_name(&e->sid));
		else
			sid_to_string(&e->sid, who, sizeof(who));
		access_rights_names(m, obj, rights, sizeof(rights));
		if (asprintf(&grown, "%s%sdeny ACE %s removed: it takes %s, which the System Writer needs, "
			     "from %s (in %s); KB 2009272's grants alone leave it in force",
			     *note ? *note : "", *note ? "; " : "", ace, rights, who,
			     w && y ? "the writer's and LocalSystem's tokens" : w ? "the writer's token" :
			     "LocalSystem's token") < 0)
			return err_set(err, -E_NOMEM, "out of memory");
		free(*note);
		*note = grown;
		ace_remove(a, i--);
	}
	return 0;
}

/* sd as KB 2009272 leaves it, its removed deny ACEs said in *note. */
static int kb_descriptor(struct secdesc *sd, const struct kb_tokens *t, int is_dir, char **note,
			 struct err *err)
{
	size_t i;

	/* owner: TrustedInstaller, as Windows installs WinSxS (the KB's
	 * takeown /a only lets the administrator run icacls; offline there is
	 * no need to) */
	if (sid_from_string(SID_TRUSTED_INSTALLER, &sd->owner, err) < 0)
		return -1;
	sd->has_owner = 1;
	if (!sd->has_dacl) {                 /* a NULL DACL becomes a DACL */
		sd->has_dacl = 1;
		sd->dacl.revision = 2;
	}
	sd->control |= SE_DACL_PRESENT;
	if (kb_drop_denies(sd, t, is_dir, note, err) < 0)
		return -1;
	for (i = 0; i < sizeof(kb_grants) / sizeof(kb_grants[0]); i++) {
		struct sid sid;

		if (sid_from_string(kb_grants[i].sid, &sid, err) < 0 ||
		    kb_grant(sd, &sid, kb_grants[i].mask, err) < 0)
			return -1;
	}
	return 0;
}

/* The change for one object the walk read: its descriptor rewritten. */
static int plan_file_sd(struct plan *p, const struct file_acl_obj *o, const struct kb_tokens *t,
			struct err *err)
{
	struct secdesc sd;
	struct change *c;
	uint8_t *bin = NULL;
	size_t blen = 0;
	char *before = NULL, *after = NULL, *note = NULL;
	int rc;

	memset(&sd, 0, sizeof(sd));
	if (secdesc_copy(&sd, o->sd, err) < 0 ||
	    sddl_encode(o->sd, SDDL_RIGHTS_FILE, &before, err) < 0 ||
	    kb_descriptor(&sd, t, o->is_dir, &note, err) < 0 ||
	    sddl_encode(&sd, SDDL_RIGHTS_FILE, &after, err) < 0 ||
	    secdesc_encode(&sd, &bin, &blen, err) < 0) {
		rc = err_wrap(err, "'%s': descriptor", o->path);
		goto out;
	}
	rc = -1;
	c = change_add_at(p, "cause1", HIVE_SYSTEM, CHANGE_FILE_SD, o->path, "security descriptor");
	if (!c) {
		err_set(err, -E_NOMEM, "out of memory or too many changes");
		goto out;
	}
	c->before = before;
	c->after = after;
	c->why = note;
	c->data = bin;
	c->len = (uint32_t)blen;
	before = after = note = NULL;
	bin = NULL;
	rc = 0;
out:
	secdesc_release(&sd);
	free(before);
	free(after);
	free(note);
	free(bin);
	return rc;
}

/* What cause 1's walk hands the plan. */
struct winsxs_plan {
	struct plan *p;
	struct kb_tokens t;
	unsigned long denied, unreadable;
	int over;                    /* more than REPAIR_CHANGES_MAX changes */
};

static int winsxs_seen(void *ctx, const struct file_acl_obj *o, struct err *err)
{
	struct winsxs_plan *w = ctx;

	if (o->seen == FILE_ACL_UNREADABLE)
		w->unreadable++;
	if (o->seen != FILE_ACL_OBJECT || !(o->need & ~o->writer))
		return 0;
	w->denied++;
	if (w->p->n >= REPAIR_CHANGES_MAX)
		w->over = 1;             /* counted on, to say how many */
	if (w->over)
		return 0;
	w->t.writer = o->token;
	return plan_file_sd(w->p, o, &w->t, err);
}

/* p's changes from n0 on dropped. */
static void plan_truncate(struct plan *p, size_t n0)
{
	while (p->n > n0) {
		struct change *c = &p->c[--p->n];

		free(c->before);
		free(c->after);
		free(c->why);
		free(c->data);
	}
}

int plan_winsxs(struct scan *s, struct plan *p, const struct result *res, int *rest,
		struct err *err)
{
	struct winsxs_plan w;
	size_t n0 = p->n;

	/* every denied object, from cause 1's walk itself: the result's
	 * evidence lists only the first LIMIT_EVIDENCE_ITEMS */
	memset(&w, 0, sizeof(w));
	w.p = p;
	if (acl_token_from(NULL, file_acl_system_token, "LocalSystem", &w.t.system, err) < 0 ||
	    file_acl_winsxs_walk(&s->ev, rule_param(res->rule, "paths"),
				 rule_param(res->rule, "writer_token"), winsxs_seen, &w, err) < 0) {
		plan_truncate(p, n0);
		return -1;
	}
	if (w.unreadable)
		*rest = 1;
	if (w.over) {
		plan_truncate(p, n0);
		fprintf(stderr, "vssdoctor: repair: cause1 left to the manual fix: %lu WinSxS objects "
			"to change, over the limit of %u changes of one repair\n", w.denied,
			REPAIR_CHANGES_MAX);
		*rest = 1;
		return 0;
	}
	if (p->n == n0)
		return 0;
	fixing_add(p, "cause1");
	return 1;
}

/* The folder part of a volume path (its length). */
static size_t folder_len(const char *path)
{
	const char *cut = strrchr(path, '\\');

	return cut ? (size_t)(cut - path) : 0;
}

static int same_folder(const struct change *a, const struct change *b)
{
	size_t n = folder_len(a->key);

	return a->kind == b->kind && n == folder_len(b->key) && strncasecmp(a->key, b->key, n) == 0 &&
	       strcmp(a->cause, b->cause) == 0;
}

void plan_print_file(FILE *f, const struct plan *p, size_t i)
{
	const struct change *c = &p->c[i], *last = NULL;
	size_t j, k = 0, more = 0, same = 1;

	for (j = 0; c->kind == CHANGE_FILE_SD && j < i && k <= PLAN_TEXT_FILES; j++)
		if (same_folder(&p->c[j], c)) {
			last = &p->c[j];
			k++;
		}
	if (k < PLAN_TEXT_FILES) {
		fprintf(f, "\n  [%s] %s  %s\n    before: %s\n    after:  %s\n",
			c->cause, c->key, c->value, c->before, c->after);
		if (c->why)
			fprintf(f, "            (%s)\n", c->why);
		return;
	}
	if (k > PLAN_TEXT_FILES)
		return;
	/* the first past the limit: one line for the rest of its folder,
	 * "the same change" when each is the last one printed */
	for (j = i; j < p->n; j++) {
		if (!same_folder(&p->c[j], c))
			continue;
		more++;
		if (strcmp(p->c[j].before, last->before) != 0 || strcmp(p->c[j].after, last->after) != 0)
			same = 0;
	}
	fprintf(f, "\n  [%s] ... and %zu more object%s under %.*s %s (--format json and the undo "
		"journal list each)\n", c->cause, more, more == 1 ? "" : "s", (int)folder_len(c->key),
		c->key, same ? "with the same change" : "each changed as above");
}

/* One Temporary ASP.NET Files folder of a count evidence: its change. */
static int plan_aspnet_one(struct plan *p, const char *root, json_t *top, struct err *err)
{
	const char *sub = json_string_value(json_object_get(top, "path"));
	json_int_t n = json_integer_value(json_object_get(top, "folders"));
	const char *last = sub ? strrchr(sub, '\\') : NULL;
	struct change *c;
	char buf[64], path[sizeof(c->key)];

	if (!sub || n <= 0 || strcasecmp(last ? last + 1 : sub, "Temporary ASP.NET Files") != 0)
		return 0;
	if (snprintf(path, sizeof(path), "%s\\%s", root, sub) >= (int)sizeof(path))
		return err_set(err, -E_LIMIT, "'%s\\%s': path too long", root, sub);
	c = change_add_at(p, "cause4", HIVE_SYSTEM, CHANGE_EMPTY_DIR, path, "contents deleted");
	if (!c || !(c->before = malloc(64)) || !(c->after = strdup("(empty folder)")))
		return err_set(err, -E_NOMEM, "out of memory or too many changes");
	c->why = strdup("repair --undo gives them back as long as TARGET was not used; "
			"once Windows ran on it, they are gone");
	if (!c->why)
		return err_set(err, -E_NOMEM, "out of memory");
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
	uint64_t off, vol_off, vol_size;
	const uint8_t *data;
	struct image *vol;

	for (n = 0; fs_writer_block(w, n, &off, &data, &len); n++)
		total += len;
	*old = malloc(total ? total : 1);
	*neu = malloc(total ? total : 1);
	*ranges = calloc(n + 1, sizeof(**ranges));
	if (!*old || !*neu || !*ranges)
		return err_set(err, -E_NOMEM, "out of memory");
	repair_volume(s, &vol, &vol_off, &vol_size);
	for (n = 0; fs_writer_block(w, n, &off, &data, &len); n++) {
		uint64_t disk = vol_off + off;

		if (image_read(vol, disk, *old + at, len, err) < 0)
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
	struct image *vol;
	uint64_t vol_off, vol_size;
	struct err err;
	size_t i;
	int rc = 0, any = 0;

	for (i = 0; i < p->n; i++)
		any |= change_is_file(&p->c[i]);
	if (!any && p->nwrite == 0)
		return 0;
	err_init(&err);
	repair_volume(s, &vol, &vol_off, &vol_size);
	if (fs_writer_open(&w, vol, vol_off, vol_size, &err) < 0)
		return repair_refuse("the NTFS volume: %s", err.msg);
	for (i = 0; i < p->n && rc >= 0; i++) {
		const struct change *c = &p->c[i];
		unsigned long gone = 0;

		if (!change_is_file(c))
			continue;
		rc = c->kind == CHANGE_FILE_SD ? fs_writer_set_security(w, c->key, c->data, c->len, &err) :
		     fs_writer_delete_tree(w, c->key, 1, &gone, &err);
		if (rc == 0)
			rc = err_set(&err, -E_NOTFOUND, "absent");
		if (rc < 0)
			err_wrap(&err, "'%s'", c->key);
	}
	for (i = 0; i < p->nwrite && rc >= 0; i++) {   /* a hive that grew */
		rc = fs_writer_write_file(w, p->write[i].path, p->write[i].data, p->write[i].len, &err);
		if (rc == 0)
			rc = err_set(&err, -E_NOTFOUND, "absent");
		if (rc < 0)
			err_wrap(&err, "'%s'", p->write[i].path);
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
