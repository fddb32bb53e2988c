/* The source of a scan as plain data for the reports: scan_source.h. */
#include "scan_source.h"

#include <stdio.h>
#include <string.h>

#include "scan.h"

static void fill_volumes(struct scan_source *src, const struct scan *s)
{
	unsigned k;

	for (k = 0; k < s->ev.vt.count && k < LIMIT_PARTITIONS; k++) {
		const struct volume_info *v = &s->ev.vt.v[k];
		struct scan_source_volume *o = &src->volumes[k];

		o->index = v->index;
		o->offset = v->offset;
		o->size = v->size;
		snprintf(o->filesystem, sizeof(o->filesystem), "%s", volume_fs_name(v->fs));
		o->letter = v->letter;
		o->windows = v->index == s->ev.vol.index && v->offset == s->ev.vol.offset;
	}
	src->nvolumes = k;
}

void scan_source_fill(struct scan *s)
{
	struct scan_source *src = &s->source_info;

	memset(src, 0, sizeof(*src));
	snprintf(src->format, sizeof(src->format), "%s", s->ev.is_dir ? "directory" :
		 s->ev.img ? image_format(s->ev.img) : "unknown");
	src->size = s->ev.img ? image_size(s->ev.img) : 0;
	src->is_image = s->ev.img != NULL;
	src->is_dir = s->ev.is_dir;
	if (!s->ev.fs)
		return;
	src->mounted = 1;
	src->vol.index = s->ev.vol.index;
	src->vol.offset = s->ev.vol.offset;
	snprintf(src->vol.type, sizeof(src->vol.type), "%s", s->ev.vol.type);
	snprintf(src->vol.label, sizeof(src->vol.label), "%s", fs_info(s->ev.fs)->label);
	src->vol.dirty = fs_info(s->ev.fs)->dirty;
	src->vol.letter = s->ev.vol.letter;
	if (!s->ev.is_dir)
		fill_volumes(src, s);
}
