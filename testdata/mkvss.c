/* mkvss [--damage KIND[:STORE]] LIVE.img TIME STATE.img [TIME STATE.img]...
 * Give the NTFS volume file LIVE.img (changed in place) shadow copies:
 * store N is STATE N's volume as it was at TIME (UTC, e.g.
 * 2019-06-04T23:43:01Z), oldest first; every STATE is a volume file of
 * LIVE's size (e.g. the same scenario before a `break` line).  See
 * testdata/lib/vss_writer.h.  --damage spoils the VSS metadata afterwards
 * (catalog-loop, catalog-past-end, catalog-garbage, list-loop,
 * list-past-end, data-past-end, header-garbage, store-info-huge; STORE is
 * 1-based, default 1).  Prints per store "store N TIME: B blocks".
 * Exit 0, or 1 with one line on stderr (2: usage). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vss_writer.h"

static int usage(void)
{
	fprintf(stderr, "usage: mkvss [--damage KIND[:STORE]] LIVE.img TIME STATE.img [TIME STATE.img]...\n");
	return 2;
}

int main(int argc, char **argv)
{
	struct vss_writer_layout lay;
	struct vss_writer *w = NULL;
	const char *damage = NULL, *live;
	char kind[64] = "";
	unsigned store = 1, i;
	struct err err;
	int a = 1;

	if (argc > 2 && strcmp(argv[1], "--damage") == 0) {
		const char *colon;

		damage = argv[2];
		colon = strchr(damage, ':');
		snprintf(kind, sizeof(kind), "%.*s",
			 (int)(colon ? (size_t)(colon - damage) : strlen(damage)), damage);
		if (colon && (sscanf(colon + 1, "%u", &store) != 1 || store == 0))
			return usage();
		a = 3;
	}
	if (argc - a < 3 || (argc - a - 1) % 2 != 0)
		return usage();
	live = argv[a++];
	err_init(&err);
	if (vss_writer_new(&w, live, &err) < 0)
		goto fail;
	for (; a < argc; a += 2) {
		uint64_t ft = vss_writer_filetime(argv[a]);

		if (ft == 0) {
			fprintf(stderr, "mkvss: '%s' is not a time (2019-06-04T23:43:01Z)\n", argv[a]);
			vss_writer_free(w);
			return 2;
		}
		if (vss_writer_add_state(w, argv[a + 1], ft, &err) < 0) {
			vss_writer_free(w);
			goto fail;
		}
	}
	if (vss_writer_finish(w, &lay, &err) < 0)
		goto fail;
	for (i = 0; i < lay.nstores; i++)
		printf("store %u %s: %u blocks\n", i + 1, argv[a - 2 * (lay.nstores - i)],
		       lay.store[i].blocks);
	if (damage && vss_writer_damage(live, &lay, kind, store - 1, &err) < 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "mkvss: %s: %s\n", live, err.msg);
	return 1;
}
