/* The evidence of one scan (evidence.h): its lifetime, its warnings and
 * the baseline document. */
#define _GNU_SOURCE
#include "evidence.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "events.h"
#include "framework.h"
#include "registry.h"
#include "wsblogs.h"

int evidence_init(struct evidence *ev, const char *source)
{
	memset(ev, 0, sizeof(*ev));
	ev->source = source;
	ev->threshold_aspnet = -1;
	ev->cache = calloc(1, sizeof(*ev->cache));
	ev->windows = json_object();
	if (ev->cache)
		ev->cache->warnings = json_array();
	if (!ev->cache || !ev->windows || !ev->cache->warnings)
		return -E_NOMEM;
	return 0;
}

void evidence_release(struct evidence *ev)
{
	struct evidence_cache *c = ev->cache;
	size_t i;

	if (c) {
		registry_free(c->registry);
		wsblogs_free(c->wsblogs);
		event_logs_release(c);
		for (i = 0; i < 26; i++)
			fs_free(c->letter_fs[i]);
		framework_scan_free(c->framework);
		json_decref(c->baseline);
		json_decref(c->warnings);
		free(c);
	}
	fs_free(ev->fs);
	image_free(ev->bde_img);
	image_free(ev->img);
	json_decref(ev->windows);
	json_decref(ev->event_specs);
	memset(ev, 0, sizeof(*ev));
}

void evidence_warn(const struct evidence *ev, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	size_t i;
	json_t *w;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_foreach(ev->cache->warnings, i, w)
		if (strcmp(json_string_value(w), buf) == 0)
			return;   /* once each */
	json_array_append_new(ev->cache->warnings, json_string(buf));
}

int evidence_baseline_load(const char *path, json_t **doc, struct err *err)
{
	json_error_t je;
	json_t *d = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	const char *schema;

	*doc = NULL;
	if (!d)
		return err_set(err, -E_USAGE, "%s:%d: %s", path, je.line, je.text);
	schema = json_string_value(json_object_get(d, "schema"));
	if (!schema || strcmp(schema, BASELINE_SCHEMA) != 0 ||
	    !json_is_object(json_object_get(d, "state"))) {
		json_decref(d);
		return err_set(err, -E_USAGE, "%s: not a %s baseline", path, BASELINE_SCHEMA);
	}
	*doc = d;
	return 0;
}

int evidence_baseline(const struct evidence *ev, json_t **out,
		      struct err *err)
{
	*out = NULL;
	if (!ev->baseline)
		return 0;
	if (!ev->cache->baseline &&
	    evidence_baseline_load(ev->baseline, &ev->cache->baseline, err) < 0)
		return err->code;
	*out = ev->cache->baseline;
	return 1;
}
