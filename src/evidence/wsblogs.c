/* Windows Server Backup's logs of a scan (see wsblogs.h). */
#define _GNU_SOURCE
#include "wsblogs.h"
#include "windir.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "limits.h"
#include "wsblog.h"

void wsblogs_free(struct wsblogs *w)
{
	if (!w)
		return;
	json_decref(w->entries);
	free(w);
}

struct names {
	char **v;
	size_t n;
	unsigned over;
};

static int add_name(void *ctx, const struct fs_dirent *e)
{
	struct names *nm = ctx;
	size_t l = strlen(e->name);
	char **p;

	if (e->is_dir || l < 5 || strcasecmp(e->name + l - 4, ".log") != 0)
		return 0;
	if (nm->n >= LIMIT_WSBLOG_FILES) {
		nm->over++;
		return 0;
	}
	p = realloc(nm->v, (nm->n + 1) * sizeof(*p));
	if (!p)
		return -E_NOMEM;
	nm->v = p;
	nm->v[nm->n] = strdup(e->name);
	if (!nm->v[nm->n])
		return -E_NOMEM;
	nm->n++;
	return 0;
}

static int cmp_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

struct file_ctx {
	struct wsblogs *w;
	const char *log;
};

static int add_entry(void *ctx, const struct wsblog_entry *e)
{
	struct file_ctx *f = ctx;
	const char *proves = wsblog_proves(e);
	json_t *o;

	f->w->total++;
	if (json_array_size(f->w->entries) >= LIMIT_WSBLOG_ENTRIES)
		return 0;
	o = json_pack("{s:s, s:s, s:i, s:s, s:s, s:s}", "kind", "wsb_log", "path", f->log,
		      "line", (int)e->line, "file_path", e->path, "operation", e->operation,
		      "message", e->message);
	if (!o)
		return -E_NOMEM;
	json_object_set_new(o, "code", e->code ? json_sprintf("0x%08X", (unsigned)e->code) : json_null());
	json_object_set_new(o, "proves", proves ? json_string(proves) : json_null());
	return json_array_append_new(f->w->entries, o) < 0 ? -E_NOMEM : 0;
}

static int load(const struct evidence *ev, struct wsblogs *w, struct err *err)
{
	struct names nm = { NULL, 0, 0 };
	struct fs_stat st;
	size_t i;
	int rc;

	rc = evidence_windir_path(ev, WSBLOGS_DIR, w->dir, sizeof(w->dir), err);
	if (rc < 0)
		return rc;
	rc = fs_stat(ev->fs, w->dir, &st, err);
	if (rc < 0)
		return err_wrap(err, "'%s'", w->dir);
	if (rc == 0 || !st.is_dir)
		return 0;
	w->folder = 1;
	rc = fs_readdir(ev->fs, w->dir, add_name, &nm, err);
	if (rc < 0) {
		if (rc == -E_NOMEM && !err->msg[0])
			err_set(err, rc, "out of memory");
		goto out;
	}
	if (nm.over) {
		w->skipped += nm.over;
		snprintf(w->skipped_why, sizeof(w->skipped_why), "%u log(s) past LIMIT_WSBLOG_FILES (%u)",
			 nm.over, LIMIT_WSBLOG_FILES);
	}
	qsort(nm.v, nm.n, sizeof(*nm.v), cmp_name);
	for (i = 0; i < nm.n; i++) {
		char path[LIMIT_PATH_LEN];
		uint8_t *buf = NULL;
		size_t len = 0;
		struct file_ctx f;
		struct err e;

		snprintf(path, sizeof(path), "%s\\%s", w->dir, nm.v[i]);
		err_init(&e);
		rc = fs_read_file(ev->fs, path, LIMIT_WSBLOG_SIZE, &buf, &len, &e);
		if (rc <= 0) {
			free(buf);
			w->skipped++;
			if (!w->skipped_why[0])
				snprintf(w->skipped_why, sizeof(w->skipped_why), "%.100s: %.150s", nm.v[i],
					 rc == 0 ? "vanished" : e.msg);
			continue;
		}
		f.w = w;
		f.log = path;
		w->files++;
		rc = wsblog_parse(buf, len, add_entry, &f, &e);
		free(buf);
		if (rc == -E_NOMEM) {
			err_set(err, rc, "out of memory");
			goto out;
		}
		if (rc < 0) {
			w->skipped++;
			if (!w->skipped_why[0])
				snprintf(w->skipped_why, sizeof(w->skipped_why), "%.100s: %.150s", nm.v[i], e.msg);
		}
	}
	rc = 0;
out:
	for (i = 0; i < nm.n; i++)
		free(nm.v[i]);
	free(nm.v);
	return rc;
}

int wsblogs_get(const struct evidence *ev, const struct wsblogs **out, struct err *err)
{
	struct wsblogs *w = ev->cache->wsblogs;
	int rc;

	*out = NULL;
	if (!w) {
		if (!ev->fs)
			return err_set(err, -E_USAGE, "no volume mounted");
		w = calloc(1, sizeof(*w));
		if (!w || !(w->entries = json_array())) {
			free(w);
			return err_set(err, -E_NOMEM, "out of memory");
		}
		rc = load(ev, w, err);
		if (rc < 0) {
			wsblogs_free(w);
			return rc;
		}
		ev->cache->wsblogs = w;
	}
	*out = w;
	return 0;
}
