/* mutate: targeted mutations of a fixture image, for the mutation campaign
 * (scripts/mutate-campaign.sh) and its regression tests.
 *
 *   mutate BASE OUT --seed N [--recipe-out FILE]
 *       copy BASE to OUT with one random mutation inside a structure found
 *       by signature: the NTFS boot sector, MFT records ("FILE"), index
 *       records ("INDX"), hive base block ("regf") and bins ("hbin"), EVTX
 *       file header ("ElfFile") and chunks ("ElfChnk"), and the VSS
 *       metadata of shadow copies (the volume header at 0x1e00, catalog,
 *       store headers, block lists, range lists, bitmaps: blocks with the
 *       VSS identifier; when there are any, half the mutations go there).
 *       BitLocker FVE metadata ("-FVE-FS-"; at 0 the BitLocker volume
 *       header is the first region).  Mutations: flip
 *       1-8 bits, a run of 1-64 bytes set to 00/FF/random, or a truncation
 *       inside the structure.  The recipe (what was done) goes to FILE.
 *   mutate BASE OUT --recipe FILE
 *       apply a recipe: lines "set WHERE HEXBYTES", "truncate WHERE" and
 *       comments.  WHERE is a byte offset, or KIND#N+OFFSET: OFFSET bytes
 *       into the Nth structure of that kind (hive-bin#0+0x24), which
 *       survives changes of the fixtures' layout.
 *
 * Everything is deterministic for a seed.  Exit 0, 1 on error. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

struct region {
	uint64_t off, len;
	const char *kind;
};

#define MAX_REGIONS 200000

static struct region *regions;
static size_t nregions;

static void add(uint64_t off, uint64_t len, const char *kind)
{
	if (nregions < MAX_REGIONS)
		regions[nregions++] = (struct region){ off, len, kind };
}

/* VSS identifier {3808876b-c176-4e48-b7ae-04046e6cc752} as stored */
static const uint8_t vss_id[16] = {
	0x6b, 0x87, 0x08, 0x38, 0x76, 0xc1, 0x48, 0x4e,
	0xb7, 0xae, 0x04, 0x04, 0x6e, 0x6c, 0xc7, 0x52,
};

static void add_vss(const uint8_t *q, uint64_t o)
{
	/* 0x14 record type (libyal's VSS format document) */
	switch (q[0x14]) {
	case 1: add(o, 512, "vss-volume-header"); break;
	case 2: add(o, 2048, "vss-catalog"); break;
	case 3: add(o, 2048, "vss-block-list"); break;
	case 4: add(o, 512, "vss-store-header"); break;
	case 5: add(o, 512, "vss-range-list"); break;
	case 6: add(o, 512, "vss-bitmap"); break;
	default: break;
	}
}

/* Structures start on 512-byte boundaries in our fixtures (clusters, MFT
 * records, hive bins, EVTX chunks, VSS blocks), so only those are probed. */
static void find_regions(const uint8_t *p, uint64_t size)
{
	uint64_t o;

	add(0, 512, "ntfs-boot");
	for (o = 512; o + 512 <= size; o += 512) {
		const uint8_t *q = p + o;

		if (memcmp(q, "FILE0", 5) == 0 || memcmp(q, "FILE", 4) == 0)
			add(o, 1024, "ntfs-mft-record");
		else if (memcmp(q, "INDX", 4) == 0)
			add(o, 4096, "ntfs-index-record");
		else if (memcmp(q, "regf", 4) == 0)
			add(o, 4096, "hive-base-block");
		else if (memcmp(q, "hbin", 4) == 0)
			add(o, 4096, "hive-bin");
		else if (memcmp(q, "ElfFile", 8) == 0)
			add(o, 4096, "evtx-header");
		else if (memcmp(q, "ElfChnk", 8) == 0)
			add(o, 65536, "evtx-chunk");
		else if (memcmp(q, vss_id, sizeof(vss_id)) == 0)
			add_vss(q, o);
		else if (memcmp(q, "-FVE-FS-", 8) == 0)
			add(o, 1024, "bde-metadata");   /* block header, header, entries */
	}
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64 */
	uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);

	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
	return z ^ (z >> 31);
}

static int copy_file(const char *in, const char *out, uint8_t **map, uint64_t *size)
{
	int fi = open(in, O_RDONLY), fo;
	struct stat st;
	uint8_t *src;

	if (fi < 0 || fstat(fi, &st) < 0) {
		perror(in);
		return -1;
	}
	*size = (uint64_t)st.st_size;
	fo = open(out, O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fo < 0 || ftruncate(fo, st.st_size) < 0) {
		perror(out);
		return -1;
	}
	src = mmap(NULL, *size, PROT_READ, MAP_PRIVATE, fi, 0);
	*map = mmap(NULL, *size, PROT_READ | PROT_WRITE, MAP_SHARED, fo, 0);
	if (src == MAP_FAILED || *map == MAP_FAILED) {
		perror("mmap");
		return -1;
	}
	/* copy only non-zero 4 KiB blocks: the output stays sparse */
	for (uint64_t o = 0; o < *size; o += 4096) {
		uint64_t n = *size - o < 4096 ? *size - o : 4096;
		uint64_t k;

		for (k = 0; k < n && src[o + k] == 0; k++)
			;
		if (k < n)
			memcpy(*map + o, src + o, n);
	}
	munmap(src, *size);
	close(fi);
	close(fo);
	return 0;
}

/* WHERE: "123" or "kind#n+0x24"; -1 when the structure is not there */
static int64_t where(const char *w)
{
	char kind[64];
	unsigned n;
	unsigned long long off;
	size_t i, seen = 0;

	if (sscanf(w, "%63[a-z-]#%u+%lli", kind, &n, (long long *)&off) == 3) {
		for (i = 0; i < nregions; i++)
			if (strcmp(regions[i].kind, kind) == 0 && seen++ == n)
				return (int64_t)(regions[i].off + off);
		return -1;
	}
	return (int64_t)strtoull(w, NULL, 0);
}

static int apply_recipe(const char *out, uint8_t *map, uint64_t size, FILE *r)
{
	char line[8192];
	uint64_t trunc = 0;

	while (fgets(line, sizeof(line), r)) {
		unsigned long long off;
		char hex[8000], at[128];
		int64_t w;

		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "set %127s %7999s", at, hex) == 2 && (w = where(at)) >= 0) {
			off = (unsigned long long)w;
			size_t i, n = strlen(hex) / 2;

			for (i = 0; i < n && off + i < size; i++) {
				unsigned v;
				sscanf(hex + 2 * i, "%2x", &v);
				map[off + i] = (uint8_t)v;
			}
		} else if (sscanf(line, "truncate %127s", at) == 1 && (w = where(at)) >= 0) {
			trunc = (uint64_t)w;
		} else {
			fprintf(stderr, "mutate: bad recipe line: %s", line);
			return -1;
		}
	}
	munmap(map, size);
	if (trunc && trunc < size && truncate(out, (off_t)trunc) < 0) {
		perror(out);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	uint8_t *map;
	uint64_t size;
	const char *recipe_out = NULL;
	FILE *rec;
	int i, seeded = 0;

	if (argc < 5) {
		fprintf(stderr, "usage: mutate BASE OUT --seed N [--recipe-out FILE] | --recipe FILE\n");
		return 1;
	}
	if (copy_file(argv[1], argv[2], &map, &size) < 0)
		return 1;
	regions = calloc(MAX_REGIONS, sizeof(*regions));
	if (!regions)
		return 1;
	find_regions(map, size);
	for (i = 3; i + 1 < argc; i += 2) {
		if (strcmp(argv[i], "--seed") == 0) {
			rng_state = strtoull(argv[i + 1], NULL, 0) * 0x2545F4914F6CDD1Dull + 1;
			seeded = 1;
		} else if (strcmp(argv[i], "--recipe-out") == 0) {
			recipe_out = argv[i + 1];
		} else if (strcmp(argv[i], "--recipe") == 0) {
			FILE *f = fopen(argv[i + 1], "r");
			int rc;

			if (!f) {
				perror(argv[i + 1]);
				return 1;
			}
			rc = apply_recipe(argv[2], map, size, f);
			fclose(f);
			return rc < 0;
		}
	}
	if (!seeded)
		return 1;
	rec = recipe_out ? fopen(recipe_out, "w") : stdout;
	if (!rec)
		return 1;
	{
		size_t gi = rnd() % nregions, idx = 0, r_i, nvss = 0;
		struct region *g;

		for (r_i = 0; r_i < nregions; r_i++)
			nvss += strncmp(regions[r_i].kind, "vss-", 4) == 0;
		if (nvss && rnd() % 2) {        /* one of the VSS blocks */
			size_t want = rnd() % nvss;

			for (gi = 0; gi < nregions; gi++)
				if (strncmp(regions[gi].kind, "vss-", 4) == 0 && want-- == 0)
					break;
		}
		g = &regions[gi];
		uint64_t len = g->len > size - g->off ? size - g->off : g->len;
		uint64_t at = g->off + rnd() % len;
		unsigned op = (unsigned)(rnd() % 10);
		size_t n, k;
		char at_s[128];

		for (r_i = 0; r_i < gi; r_i++)
			idx += strcmp(regions[r_i].kind, g->kind) == 0;
		snprintf(at_s, sizeof(at_s), "%s#%zu+%llu", g->kind, idx,
			 (unsigned long long)(at - g->off));
		fprintf(rec, "# region %s at %llu, seed %s\n", g->kind,
			(unsigned long long)g->off, argv[4]);
		if (op < 5) {                       /* flip 1-8 bits in 1-4 bytes */
			n = 1 + rnd() % 4;
			fprintf(rec, "set %s ", at_s);
			for (k = 0; k < n && at + k < size; k++) {
				uint8_t b = map[at + k];
				unsigned bits = 1 + (unsigned)(rnd() % 8), j;

				for (j = 0; j < bits; j++)
					b ^= (uint8_t)(1u << (rnd() % 8));
				map[at + k] = b;
				fprintf(rec, "%02x", b);
			}
			fputc('\n', rec);
		} else if (op < 9) {                /* a run of bytes */
			unsigned kind = (unsigned)(rnd() % 3);

			n = 1 + rnd() % 64;
			fprintf(rec, "set %s ", at_s);
			for (k = 0; k < n && at + k < size; k++) {
				uint8_t b = kind == 0 ? 0x00 : kind == 1 ? 0xFF : (uint8_t)rnd();

				map[at + k] = b;
				fprintf(rec, "%02x", b);
			}
			fputc('\n', rec);
		} else {                            /* truncate inside it */
			fprintf(rec, "truncate %s\n", at_s);
			munmap(map, size);
			if (rec != stdout)
				fclose(rec);
			return truncate(argv[2], (off_t)at) < 0;
		}
	}
	munmap(map, size);
	if (rec != stdout)
		fclose(rec);
	free(regions);
	return 0;
}
