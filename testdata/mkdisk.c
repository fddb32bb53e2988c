/* mkdisk: wrap a volume file in an MBR or GPT disk image (sparse), or make
 * a differencing VHD or VHDX.
 *
 *   mkdisk --mbr|--gpt [--before-mib N]... --volume FILE --out DISK
 *          [--windows-index K] [--logical] [--sector-size 512|4096]
 *          [--tail-mib N] [--corrupt-gpt-primary] [--entry-past-end K]
 *
 *     --before-mib N    one more partition of N MiB (repeatable).  GPT: the
 *                       first is "EFI system" (with a FAT32 boot sector),
 *                       the second "Microsoft reserved", the others
 *                       "Windows Recovery".  MBR: the first is 0x07
 *                       "System Reserved" (active), the others 0x27.
 *     --volume FILE     the Windows volume, copied into its partition
 *                       (GPT "Basic data", MBR 0x07)
 *     --data-volume FILE one more partition holding FILE (GPT "Basic
 *                       data", MBR 0x07; repeatable; in order with the
 *                       --before-mib ones, before the Windows volume
 *                       unless --windows-index says otherwise)
 *     --mbr-signature HEX  the MBR disk signature (default 44535356)
 *     --windows-index K where the volume goes among the partitions
 *                       (1-based; default: after every --before-mib one)
 *     --logical         MBR: the volume and everything after it become
 *                       logical partitions in an extended partition (5, 6..)
 *     --sector-size     GPT only: 4096 makes a 4K-sector disk
 *     --tail-mib N      free space after the last partition
 *     --corrupt-gpt-primary  break the primary GPT header's CRC afterwards
 *     --entry-past-end K     point partition K past the end afterwards
 *
 *   mkdisk --vhd-diff PARENT.vhd --parent-name NAME --out CHILD.vhd
 *          [--at BYTES --data FILE]
 *     a differencing VHD over PARENT that records NAME as its parent and
 *     holds FILE's bytes at offset BYTES (multiples of 512)
 *
 *   mkdisk --vhdx-diff PARENT.vhdx --parent-name NAME --out CHILD.vhdx
 *          [--at BYTES --data FILE]
 *     the same for a differencing VHDX (testdata/lib/vhdx_writer.h): NAME
 *     goes into the parent locator's path entries, BYTES and FILE's size
 *     are multiples of the parent's logical sector size
 *
 * Prints the partition table ("index offset size") on stdout.  GPT
 * partition GUIDs are 56535344-0000-4000-8000-00000000000N for entry N
 * (what a scenario's "letter X: gpt GUID" names).  Exit 0, or
 * 1 with one line on stderr, 2 for bad usage. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "disk_writer.h"
#include "gpt.h"
#include "vhdx_writer.h"

#define MIB (1024ull * 1024)

static int usage(const char *why)
{
	fprintf(stderr, "mkdisk: %s\n"
		"usage: mkdisk --mbr|--gpt [--before-mib N]... --volume FILE --out DISK\n"
		"              [--windows-index K] [--logical] [--sector-size 512|4096]\n"
		"              [--tail-mib N] [--corrupt-gpt-primary] [--entry-past-end K]\n"
		"       mkdisk --vhd-diff PARENT --parent-name NAME --out CHILD [--at BYTES --data FILE]\n"
		"       mkdisk --vhdx-diff PARENT --parent-name NAME --out CHILD [--at BYTES --data FILE]\n",
		why);
	return 2;
}

static int parse_u64(const char *s, unsigned long long *v)
{
	char *end;

	if (!s || !*s)
		return -1;
	*v = strtoull(s, &end, 10);
	return *end ? -1 : 0;
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *b;
	long n;

	if (!f)
		return NULL;
	if (fseek(f, 0, SEEK_END) < 0 || (n = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) < 0 || !(b = malloc((size_t)n + 1))) {
		fclose(f);
		return NULL;
	}
	*len = fread(b, 1, (size_t)n, f);
	fclose(f);
	return b;
}

/* --vhd-diff and --vhdx-diff (vhdx set) */
static int vhd_diff(int argc, char **argv, int vhdx)
{
	const char *parent = NULL, *name = NULL, *out = NULL, *datafile = NULL;
	unsigned long long at = 0;
	char *data = NULL;
	size_t len = 0;
	struct err err;
	int i, rc;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, vhdx ? "--vhdx-diff" : "--vhd-diff") == 0 && v)
			parent = argv[++i];
		else if (strcmp(a, "--parent-name") == 0 && v)
			name = argv[++i];
		else if (strcmp(a, "--out") == 0 && v)
			out = argv[++i];
		else if (strcmp(a, "--data") == 0 && v)
			datafile = argv[++i];
		else if (strcmp(a, "--at") == 0 && v && parse_u64(v, &at) == 0)
			i++;
		else
			return usage("bad argument");
	}
	if (!parent || !name || !out)
		return usage(vhdx ? "--vhdx-diff needs --parent-name and --out" :
			     "--vhd-diff needs --parent-name and --out");
	if (datafile && !(data = slurp(datafile, &len))) {
		fprintf(stderr, "mkdisk: cannot read '%s'\n", datafile);
		return 1;
	}
	err_init(&err);
	rc = vhdx ? vhdx_write_diff(out, parent, name, at, data, len, &err) :
	     disk_write_vhd_diff(out, parent, name, at, data, len, &err);
	free(data);
	if (rc < 0) {
		fprintf(stderr, "mkdisk: %s\n", err.msg);
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct disk_layout l;
	unsigned long long before[DISK_MAX_PARTS], v, past_end = 0, winidx = 0;
	const char *before_file[DISK_MAX_PARTS] = { NULL };
	unsigned nbefore = 0, i, b, corrupt = 0, logical = 0;
	const char *volume = NULL, *out = NULL;
	struct err err;
	int rc;

	for (i = 1; i < (unsigned)argc; i++)
		if (strcmp(argv[i], "--vhd-diff") == 0 ||
		    strcmp(argv[i], "--vhdx-diff") == 0)
			return vhd_diff(argc, argv, argv[i][5] == 'x');
	for (i = 1; i < (unsigned)argc; i++) {
		const char *a = argv[i];
		const char *val = i + 1 < (unsigned)argc ? argv[i + 1] : NULL;

		if (strcmp(a, "--mbr") == 0) {
			l.scheme = DISK_MBR;
		} else if (strcmp(a, "--gpt") == 0) {
			l.scheme = DISK_GPT;
		} else if (strcmp(a, "--logical") == 0) {
			logical = 1;
		} else if (strcmp(a, "--corrupt-gpt-primary") == 0) {
			corrupt = 1;
		} else if (strcmp(a, "--volume") == 0 && val) {
			volume = argv[++i];
		} else if (strcmp(a, "--out") == 0 && val) {
			out = argv[++i];
		} else if (strcmp(a, "--data-volume") == 0 && val) {
			if (nbefore + 1 >= DISK_MAX_PARTS)
				return usage("too many partitions");
			before_file[nbefore] = val;
			before[nbefore++] = 0;
			i++;
		} else if (strcmp(a, "--mbr-signature") == 0 && val) {
			char *end;

			l.mbr_signature = (uint32_t)strtoul(val, &end, 16);
			if (*end || !*val)
				return usage("--mbr-signature takes 8 hex digits");
			i++;
		} else if (parse_u64(val, &v) < 0) {
			return usage("bad argument");
		} else if (strcmp(a, "--before-mib") == 0 && v > 0) {
			if (nbefore + 1 >= DISK_MAX_PARTS)
				return usage("too many --before-mib");
			before[nbefore++] = v;
			i++;
		} else if (strcmp(a, "--windows-index") == 0 && v > 0) {
			winidx = v;
			i++;
		} else if (strcmp(a, "--sector-size") == 0) {
			l.sector_size = (unsigned)v;
			i++;
		} else if (strcmp(a, "--tail-mib") == 0) {
			l.tail = v * MIB;
			i++;
		} else if (strcmp(a, "--entry-past-end") == 0 && v > 0) {
			past_end = v;
			i++;
		} else {
			return usage("bad argument");
		}
	}
	if (!l.scheme || !volume || !out)
		return usage("need --mbr or --gpt, --volume and --out");
	if (!winidx)
		winidx = nbefore + 1;
	if (winidx > nbefore + 1)
		return usage("--windows-index is larger than the number of partitions");
	if (logical && l.scheme != DISK_MBR)
		return usage("--logical is for --mbr");
	l.count = nbefore + 1;
	for (i = 0, b = 0; i < l.count; i++) {
		struct disk_part *p = &l.part[i];

		if (i + 1 == winidx) {
			p->volume = volume;
			p->mbr_type = 0x07;
			p->gpt_type = GPT_TYPE_BASIC_DATA;
			p->name = "Basic data partition";
		} else if (before_file[i - (i + 1 > winidx ? 1 : 0)]) {
			p->volume = before_file[i - (i + 1 > winidx ? 1 : 0)];
			p->mbr_type = 0x07;
			p->gpt_type = GPT_TYPE_BASIC_DATA;
			p->name = "Basic data partition";
		} else {
			p->size = before[i - (i + 1 > winidx ? 1 : 0)] * MIB;
			if (l.scheme == DISK_GPT) {
				p->gpt_type = b == 0 ? GPT_TYPE_EFI_SYSTEM :
					      b == 1 ? GPT_TYPE_MS_RESERVED :
					      GPT_TYPE_WINDOWS_RECOVERY;
				p->name = b == 0 ? "EFI system partition" :
					  b == 1 ? "Microsoft reserved partition" :
					  "Windows Recovery";
				p->fat_stub = b == 0;
			} else {
				p->mbr_type = b == 0 ? 0x07 : 0x27;
				p->active = b == 0;
			}
			b++;
		}
		p->logical = logical && i + 1 >= winidx;
	}
	err_init(&err);
	rc = disk_write(out, &l, &err);
	if (rc == 0 && corrupt)
		rc = disk_corrupt_gpt_primary(out, l.sector_size ? l.sector_size : 512, &err);
	if (rc == 0 && past_end)
		rc = disk_set_entry_past_end(out, (unsigned)past_end,
					     l.sector_size ? l.sector_size : 512, &err);
	if (rc < 0) {
		fprintf(stderr, "mkdisk: %s\n", err.msg);
		return 1;
	}
	for (i = 0; i < l.count; i++)
		printf("%d %llu %llu%s\n", l.part[i].index,
		       (unsigned long long)l.part[i].offset,
		       (unsigned long long)l.part[i].size,
		       i + 1 == winidx ? " windows" : "");
	return 0;
}
