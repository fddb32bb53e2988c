/* A differencing VHDX over its parent gives the same verdicts (issue 3).
 *
 * qemu-img makes the dynamic VHDX parent but cannot make a differencing
 * VHDX; testdata/lib/vhdx_writer.c writes the child.  The chain must read
 * like the raw disk it came from, child data must win over the parent's
 * sector by sector, and a missing or replaced parent must stop the scan
 * with one line.  The writer's files are cross-checked with vhdiinfo
 * (libvhdi-utils) and, with HasParent cleared, with qemu-img check. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "image.h"
#include "scenario.h"
#include "testutil.h"
#include "vhdx_writer.h"

#define MIB (1024ull * 1024)
#define GIB (1024 * MIB)

/* --- the scenario chain: vol.img -> disk.raw (GPT) -> parent.vhdx (qemu)
 * -> child.vhdx (ours, empty: every sector from the parent) */
static char *dir, *raw, *parent, *child;
static uint64_t raw_size, part_off[2], part_len[2];
static uint8_t *rawref;  /* disk.raw's bytes; tests overlay child data */
static uint64_t dense;   /* a 4 KiB boundary in the Windows volume with 8
			  * non-zero sectors either side */
static json_t *want;     /* disk.raw's report without source and timing */

static char *in(const char *d, const char *name)
{
	char *p = NULL;

	if (asprintf(&p, "%s/%s", d, name) < 0)
		abort();
	return p;
}

/* 1 when every sector of disk.raw in [from, to) holds a non-zero byte */
static int sectors_nonzero(uint64_t from, uint64_t to)
{
	uint64_t sct;
	unsigned i;

	for (sct = from; sct < to; sct += 512) {
		for (i = 0; i < 512 && !rawref[sct + i]; i++)
			;
		if (i == 512)
			return 0;
	}
	return 1;
}

static void build(void)
{
	char *vol = NULL, *table = NULL, *text;
	unsigned long long t[4];
	struct stat st;
	struct err err;
	int st_scan;

	dir = tu_tmpdir("vhdxdiff");
	vol = in(dir, "vol.img");
	raw = in(dir, "disk.raw");
	parent = in(dir, "parent.vhdx");
	child = in(dir, "child.vhdx");
	table = in(dir, "table.txt");
	err_init(&err);
	if (scenario_build("size 40M\nos 2012r2\nbreak cause1 cause3\n", vol, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
	if (tu_sh("'%s/mkdisk' --gpt --before-mib 100 --volume '%s' --out '%s' > '%s'",
		  tu_env("VSSD_TOOLS"), vol, raw, table) != 0 ||
	    tu_sh("qemu-img convert -q -f raw -O vhdx -o subformat=dynamic '%s' '%s'", raw, parent) != 0) {
		fprintf(stderr, "fixture: mkdisk or qemu-img failed\n");
		abort();
	}
	/* mkdisk's table: "index offset size [windows]" per partition */
	text = tu_read_file(table, NULL);
	if (!text || sscanf(text, "%*d %llu %llu %*d %llu %llu", &t[0], &t[1], &t[2], &t[3]) != 4)
		abort();
	part_off[0] = t[0];
	part_len[0] = t[1];
	part_off[1] = t[2];
	part_len[1] = t[3];
	free(text);
	if (stat(raw, &st) < 0)
		abort();
	raw_size = (uint64_t)st.st_size;
	rawref = (uint8_t *)tu_read_file(raw, NULL);
	if (!rawref)
		abort();
	for (dense = part_off[1] + 64 * 1024; dense + 4096 < part_off[1] + part_len[1]; dense += 4096)
		if (sectors_nonzero(dense - 4096, dense + 4096))
			break;
	if (dense + 4096 >= part_off[1] + part_len[1])
		abort();
	if (vhdx_write_diff(child, parent, "parent.vhdx", 0, NULL, 0, &err) < 0) {
		fprintf(stderr, "fixture: %s\n", err.msg);
		abort();
	}
	want = tu_scan_normalised(raw, &st_scan, NULL);
	if (!want || st_scan != 1)
		abort();
	free(table);
	free(vol);
}

static void unbuild(void)
{
	json_decref(want);
	free(rawref);
	free(child);
	free(parent);
	free(raw);
	free(dir);
}

/* Put len bytes of child data over the reference at at; restore()
 * takes the returned copy of what was there. */
static uint8_t *overlay(uint64_t at, const uint8_t *data, size_t len)
{
	uint8_t *old = malloc(len);

	ck_assert_ptr_nonnull(old);
	memcpy(old, rawref + at, len);
	memcpy(rawref + at, data, len);
	return old;
}

static void restore(uint64_t at, uint8_t *old, size_t len)
{
	memcpy(rawref + at, old, len);
	free(old);
}

static void make_pattern(uint8_t *p, size_t len, unsigned seed)
{
	uint32_t x = 2463534242u ^ seed;
	size_t i;

	for (i = 0; i < len; i++) {
		x ^= x << 13;
		x ^= x >> 17;
		x ^= x << 5;
		p[i] = (uint8_t)(x | 1);    /* never zero: a zero read is wrong */
	}
}

static struct image *open_ok(const char *path)
{
	struct image *img = NULL;
	struct err err;
	int rc;

	err_init(&err);
	rc = image_open(&img, path, &err);
	ck_assert_msg(rc == 0, "%s: %s", path, err.msg);
	ck_assert_str_eq(image_format(img), "vhdx");
	return img;
}

/* img must read exactly rawref[off..off+len) in one image_read. */
static void expect_read(struct image *img, uint64_t off, size_t len)
{
	uint8_t *buf = malloc(len);
	struct err err;
	size_t k = 0;

	ck_assert_ptr_nonnull(buf);
	err_init(&err);
	ck_assert_msg(image_read(img, off, buf, len, &err) == 0, "read %zu at %llu: %s",
		      len, (unsigned long long)off, err.msg);
	if (memcmp(buf, rawref + off, len) != 0) {
		while (buf[k] == rawref[off + k])
			k++;
		ck_abort_msg("read %zu at %llu differs first at %llu (got %02x want %02x)",
			     len, (unsigned long long)off, (unsigned long long)(off + k),
			     buf[k], rawref[off + k]);
	}
	free(buf);
}

/* The whole image in 4 MiB reads, then sector by sector around each
 * offset in near[]. */
static void expect_all(struct image *img, const uint64_t *near, unsigned nnear)
{
	uint64_t off;
	unsigned i;

	ck_assert_uint_eq(image_size(img), raw_size);
	for (off = 0; off < raw_size; off += 4 * MIB)
		expect_read(img, off, raw_size - off < 4 * MIB ? (size_t)(raw_size - off) : 4 * MIB);
	for (i = 0; i < nnear; i++)
		for (off = near[i] - 8 * 512; off < near[i] + 8 * 512; off += 512)
			if (off < raw_size)
				expect_read(img, off, 512);
}

/* --- chain: geometry, reads, verdicts */

START_TEST(test_child_copies_parent_geometry)
{
	struct vhdx_info p, c;
	struct err err;

	err_init(&err);
	/* qemu-img's parent passes our CRC-32C checks of both headers and
	 * the region table: the checksum code agrees with qemu's */
	ck_assert_msg(vhdx_read_info(parent, &p, &err) == 0, "%s", err.msg);
	ck_assert_msg(vhdx_read_info(child, &c, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(p.has_parent, 0);
	ck_assert_int_eq(c.has_parent, 1);
	ck_assert_uint_eq(p.virtual_size, raw_size);
	ck_assert_uint_eq(c.virtual_size, p.virtual_size);
	ck_assert_uint_eq(c.block_size, p.block_size);
	ck_assert_uint_eq(c.logical_sector, p.logical_sector);
	ck_assert_uint_eq(c.physical_sector, p.physical_sector);
	ck_assert_str_eq(c.parent_linkage, p.data_write_text);
	ck_assert_str_eq(c.parent_path, "parent.vhdx");
	ck_assert_mem_ne(c.data_write_guid, p.data_write_guid, 16);
}
END_TEST

START_TEST(test_child_reads_like_raw)
{
	struct image *img = open_ok(child);
	const uint64_t near[] = {
		512,                                   /* GPT header */
		part_off[0], part_off[0] + part_len[0], /* EFI partition edges */
		part_off[1], part_off[1] + part_len[1], /* Windows volume edges */
		8 * MIB, 104 * MIB,                    /* 8 MiB block boundaries */
		raw_size - 512,                        /* backup GPT header */
	};

	expect_all(img, near, sizeof(near) / sizeof(near[0]));
	/* reads that cross a partition edge and a block boundary at once */
	expect_read(img, part_off[1] - 3 * 512, 16 * 1024);
	expect_read(img, 104 * MIB - 1000, 3000);
	image_free(img);
}
END_TEST

START_TEST(test_child_same_verdicts)
{
	json_t *got;
	int st;

	got = tu_scan_normalised(child, &st, NULL);
	ck_assert_msg(got != NULL, "exit %d", st);
	ck_assert_int_eq(st, 1);
	tu_assert_same_report(got, want, NULL, "disk.raw's");
	json_decref(got);
}
END_TEST


/* Child data where the parent's sectors around it are all non-zero, so
 * that a sector wrongly taken from the child (zero) or from the parent
 * shows: 3 sectors end one bitmap byte, 2 start the next.  Then a region
 * that fills a whole 8 MiB block (FULLY_PRESENT) with partial blocks on
 * both sides. */
START_TEST(test_child_data_wins)
{
	char *c = in(dir, "child-data.vhdx");
	const uint64_t at = dense - 1536, big_at = 16 * MIB - 512;
	const size_t big_len = 8 * MIB + 1024;
	const uint64_t near[] = { dense, 16 * MIB, 24 * MIB, 24 * MIB + 512 };
	uint8_t patch[2560], *big = malloc(big_len), *old;
	struct image *img;
	struct err err;
	json_t *got;
	int st;

	make_pattern(patch, sizeof(patch), 7);
	err_init(&err);
	ck_assert_msg(vhdx_write_diff(c, parent, "parent.vhdx", at, patch,
				      sizeof(patch), &err) == 0, "%s", err.msg);
	old = overlay(at, patch, sizeof(patch));
	img = open_ok(c);
	expect_read(img, dense - 4096, 8192);
	expect_all(img, near, 1);
	image_free(img);
	restore(at, old, sizeof(patch));
	/* the data sits in the volume: the verdicts may change, but the scan
	 * must still read the chain */
	got = tu_scan_normalised(c, &st, NULL);
	ck_assert_msg(st == 0 || st == 1, "exit %d", st);
	json_decref(got);

	ck_assert_ptr_nonnull(big);
	make_pattern(big, big_len, 11);
	ck_assert_msg(vhdx_write_diff(c, parent, "parent.vhdx", big_at, big, big_len,
				      &err) == 0, "%s", err.msg);
	old = overlay(big_at, big, big_len);
	img = open_ok(c);
	expect_all(img, near + 1, 3);
	image_free(img);
	restore(big_at, old, big_len);
	free(big);
	free(c);
}
END_TEST

/* Two generations: gen2.vhdx over gen1.vhdx over parent.vhdx.  gen2's
 * sectors win over gen1's, gen1's over the parent's; gen2's last sector
 * falls where gen1 holds nothing. */
START_TEST(test_grandchild)
{
	char *g1 = in(dir, "gen1.vhdx"), *g2 = in(dir, "gen2.vhdx");
	uint8_t a[2560], b[2048], *old_a, *old_b;
	const uint64_t at_a = dense - 1536, at_b = dense - 512;
	const uint64_t near[] = { dense };
	struct vhdx_info i1, i2;
	struct image *img;
	struct err err;
	json_t *got;
	int st;

	make_pattern(a, sizeof(a), 21);
	make_pattern(b, sizeof(b), 22);
	err_init(&err);
	ck_assert_msg(vhdx_write_diff(g1, parent, "parent.vhdx", at_a, a, sizeof(a), &err) == 0,
		      "%s", err.msg);
	ck_assert_msg(vhdx_write_diff(g2, g1, "gen1.vhdx", at_b, b, sizeof(b), &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(vhdx_read_info(g1, &i1, &err), 0);
	ck_assert_int_eq(vhdx_read_info(g2, &i2, &err), 0);
	ck_assert_str_eq(i2.parent_linkage, i1.data_write_text);
	old_a = overlay(at_a, a, sizeof(a));
	old_b = overlay(at_b, b, sizeof(b));
	img = open_ok(g2);
	expect_read(img, dense - 4096, 8192);
	expect_all(img, near, 1);
	image_free(img);
	restore(at_b, old_b, sizeof(b));
	restore(at_a, old_a, sizeof(a));
	got = tu_scan_normalised(g2, &st, NULL);
	ck_assert_msg(st == 0 || st == 1, "exit %d", st);
	json_decref(got);
	free(g2);
	free(g1);
}
END_TEST

/* --- chain: parents that are gone or not the right one */

static void expect_one_line(const char *img, const char *want_text)
{
	char *err = NULL, *nl;
	int st;
	json_t *d = tu_scan_normalised(img, &st, &err);

	ck_assert_msg(st == 2, "%s: exit %d (%s)", img, st, err);
	nl = strchr(err, '\n');
	ck_assert_msg(strncmp(err, "vssdoctor: ", 11) == 0 && nl && !nl[1], "%s: %s", img, err);
	ck_assert_msg(strstr(err, want_text) != NULL, "%s: wanted '%s' in: %s", img, want_text, err);
	json_decref(d);
	free(err);
}

START_TEST(test_missing_parent)
{
	char *d = in(dir, "orphan"), *c = NULL;
	struct image *img = NULL;
	struct err err;

	ck_assert_int_eq(tu_sh("mkdir -p '%s' && cp --sparse=always '%s' '%s/child.vhdx'", d, child, d), 0);
	c = in(d, "child.vhdx");
	expect_one_line(c, "parent.vhdx");
	err_init(&err);
	ck_assert_int_eq(image_open(&img, c, &err), -E_NOTFOUND);
	ck_assert_ptr_nonnull(strstr(err.msg, "parent.vhdx' does not exist"));
	free(c);
	free(d);
}
END_TEST

/* The same disk converted again: same bytes, a new DataWriteGuid.  The
 * child's parent_linkage names the old one: refused (MS-VHDX 2.6.2.6.3
 * "MUST verify that the DataWriteGuid field of the parent's header
 * matches"), not read as a mix of two disks. */
START_TEST(test_wrong_parent)
{
	char *d = in(dir, "other"), *c = NULL, *p = NULL;
	struct vhdx_info old, now;
	struct image *img = NULL;
	struct err err;

	p = in(d, "parent.vhdx");
	ck_assert_int_eq(tu_sh("mkdir -p '%s' && cp --sparse=always '%s' '%s/child.vhdx' && "
			       "qemu-img convert -q -f raw -O vhdx -o subformat=dynamic '%s' '%s'",
			       d, child, d, raw, p), 0);
	err_init(&err);
	ck_assert_int_eq(vhdx_read_info(parent, &old, &err), 0);
	ck_assert_int_eq(vhdx_read_info(p, &now, &err), 0);
	ck_assert_str_ne(old.data_write_text, now.data_write_text);
	c = in(d, "child.vhdx");
	expect_one_line(c, "identifier mismatch");
	ck_assert_int_eq(image_open(&img, c, &err), -E_CORRUPT);
	ck_assert_ptr_nonnull(strstr(err.msg, "is not the one the differencing disk was made from"));
	free(c);
	free(p);
	free(d);
}
END_TEST

/* A child whose BAT the adapter now reads itself: a state that is no
 * payload state, and a BAT cut off by the end of the file, stop the scan
 * with one line (exit 2), never a crash or a guess. */
START_TEST(test_hostile_bat)
{
	char *d = in(dir, "hostile"), *c = NULL;
	struct vhdx_info ci;
	struct err err;
	uint8_t bad[8] = { 4, 0, 0, 0, 0, 0, 0, 0 };
	int fd;

	ck_assert_int_eq(tu_sh("mkdir -p '%s' && cp --sparse=always '%s' '%s/child.vhdx' && "
			       "cp --sparse=always '%s' '%s/parent.vhdx'", d, child, d, parent, d), 0);
	c = in(d, "child.vhdx");
	err_init(&err);
	ck_assert_int_eq(vhdx_read_info(c, &ci, &err), 0);
	/* block 0 (the partition table's) gets state 4 */
	fd = open(c, O_WRONLY);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(pwrite(fd, bad, sizeof(bad), (off_t)ci.bat_offset), (ssize_t)sizeof(bad));
	close(fd);
	expect_one_line(c, "BAT state 4 is not a payload state");
	/* the file ends inside the BAT's first entry */
	ck_assert_int_eq(truncate(c, (off_t)ci.bat_offset + 4), 0);
	expect_one_line(c, "vssdoctor: cannot read");
	free(c);
	free(d);
}
END_TEST

/* --- other readers of the files we write */

START_TEST(test_vhdiinfo_agrees)
{
	struct vhdx_info p;
	struct err err;
	char exe[] = "/usr/bin/vhdiinfo", *line = NULL;
	char *argv[] = { exe, child, NULL };
	struct tu_run r;

	err_init(&err);
	ck_assert_int_eq(vhdx_read_info(parent, &p, &err), 0);
	ck_assert_int_eq(tu_run(argv, 60, &r), 0);
	ck_assert_msg(r.status == 0, "vhdiinfo: %s", r.err);
	ck_assert_ptr_nonnull(strstr(r.out, "Disk type\t\t: Differential"));
	ck_assert_ptr_nonnull(strstr(r.out, "Parent filename\t\t: parent.vhdx"));
	/* libvhdi prints the parent identifier without braces */
	ck_assert_int_ge(asprintf(&line, "Parent identifier\t: %.36s", p.data_write_text + 1), 0);
	ck_assert_msg(strstr(r.out, line) != NULL, "no '%s' in:\n%s", line, r.out);
	tu_run_free(&r);
	free(line);
}
END_TEST

/* qemu-img 7.2 opens no differencing VHDX ("Operation not supported");
 * should a later one read them, it must name the parent.  The same layout
 * with HasParent cleared passes qemu-img check: headers, region tables
 * (CRC-32C), metadata and BAT are right for an independent reader. */
START_TEST(test_qemu_img)
{
	char *flat = in(dir, "flat.vhdx");
	uint8_t *data = malloc(8 * MIB);
	struct vhdx_diff_spec s;
	struct tu_run r;
	struct err err;
	char exe[] = "/usr/bin/qemu-img", info[] = "info", check[] = "check";
	char *argv_info[] = { exe, info, child, NULL };
	char *argv_check[] = { exe, check, flat, NULL };

	ck_assert_int_eq(tu_run(argv_info, 60, &r), 0);
	if (r.status == 0)
		ck_assert_msg(strstr(r.out, "backing file") != NULL, "qemu-img info:\n%s", r.out);
	else
		ck_assert_msg(strstr(r.err, "not supported") != NULL, "qemu-img info: %s", r.err);
	tu_run_free(&r);

	ck_assert_ptr_nonnull(data);
	make_pattern(data, 8 * MIB, 3);
	memset(&s, 0, sizeof(s));
	s.child = flat;
	s.parent = parent;
	s.name = "parent.vhdx";
	s.at = 8 * MIB;
	s.data = data;
	s.len = 8 * MIB;                     /* one FULLY_PRESENT block */
	s.flags = VHDX_DIFF_NO_PARENT;
	err_init(&err);
	ck_assert_msg(vhdx_write_diff_spec(&s, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tu_run(argv_check, 60, &r), 0);
	ck_assert_msg(r.status == 0 && strstr(r.out, "No errors were found"),
		      "qemu-img check: %d\n%s%s", r.status, r.out, r.err);
	tu_run_free(&r);
	/* and qemu finds the block where the BAT says it is */
	ck_assert_int_eq(tu_sh("qemu-img convert -q -f vhdx -O raw '%s' '%s.raw'", flat, flat), 0);
	{
		char *fr = NULL;
		uint8_t *got;
		size_t n = 0;

		ck_assert_int_ge(asprintf(&fr, "%s.raw", flat), 0);
		got = (uint8_t *)tu_read_file(fr, &n);
		ck_assert_ptr_nonnull(got);
		ck_assert_uint_eq(n, raw_size);
		ck_assert_mem_eq(got + 8 * MIB, data, 8 * MIB);
		ck_assert(got[8 * MIB - 1] == 0 && got[16 * MIB] == 0);
		free(got);
		unlink(fr);
		free(fr);
	}
	free(data);
	free(flat);
}
END_TEST

/* mkdisk --vhdx-diff: the same writer from the command line */
START_TEST(test_mkdisk_vhdx_diff)
{
	char *cli = in(dir, "cli.vhdx"), *dat = in(dir, "cli.dat");
	uint8_t patch[4096], *old;
	const uint64_t near[] = { dense };
	struct image *img;

	make_pattern(patch, sizeof(patch), 31);
	ck_assert_int_eq(tu_write_file(dat, patch, sizeof(patch)), 0);
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --vhdx-diff '%s' --parent-name 'C:\\VMs\\parent.vhdx' "
			       "--out '%s' --at %llu --data '%s'", tu_env("VSSD_TOOLS"), parent, cli,
			       (unsigned long long)(dense - 2048), dat), 0);
	old = overlay(dense - 2048, patch, sizeof(patch));
	img = open_ok(cli);
	expect_read(img, dense - 4096, 8192);
	expect_all(img, near, 1);
	image_free(img);
	restore(dense - 2048, old, sizeof(patch));
	/* usage errors exit 2, a sector-unaligned offset 1 */
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --vhdx-diff '%s' --parent-name p.vhdx 2>/dev/null",
			       tu_env("VSSD_TOOLS"), parent), 2);
	ck_assert_int_eq(tu_sh("'%s/mkdisk' --vhdx-diff '%s' --parent-name p.vhdx --out '%s' --at 100 --data '%s' 2>/dev/null",
			       tu_env("VSSD_TOOLS"), parent, cli, dat), 1);
	free(dat);
	free(cli);
}
END_TEST

/* --- geometry: 1 MiB blocks make a chunk 4096 blocks (4 GiB at 512-byte
 * sectors, MS-VHDX 2.5), so a 4 GiB + 64 MiB disk has two chunks, two
 * sector bitmap blocks and a BAT interleaving both. */
static char *gdir, *graw, *gparent;
#define G_SIZE (4 * GIB + 64 * MIB)
#define G_LO (4 * GIB - 4 * MIB)      /* the patterned window in the parent */
#define G_HI (4 * GIB + 4 * MIB)

static void gbuild(void)
{
	uint8_t *pat = malloc(G_HI - G_LO);
	int fd;

	gdir = tu_tmpdir("vhdxdiff-geo");
	graw = in(gdir, "big.raw");
	gparent = in(gdir, "parent.vhdx");
	if (!pat)
		abort();
	make_pattern(pat, G_HI - G_LO, 1);
	fd = open(graw, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0 || ftruncate(fd, (off_t)G_SIZE) < 0 ||
	    pwrite(fd, pat, G_HI - G_LO, (off_t)G_LO) != (ssize_t)(G_HI - G_LO) ||
	    pwrite(fd, pat, 1 * MIB, 0) != (ssize_t)MIB || close(fd) < 0)
		abort();
	free(pat);
	if (tu_sh("qemu-img convert -q -f raw -O vhdx -o subformat=dynamic,block_size=1M '%s' '%s'",
		  graw, gparent) != 0)
		abort();
}

static void gunbuild(void)
{
	free(gparent);
	free(graw);
	free(gdir);
}

/* the parent's bytes in [lo, hi) with patch at at */
static uint8_t *window(uint64_t lo, uint64_t hi, uint64_t at, const uint8_t *patch,
		       size_t len)
{
	uint8_t *b = malloc(hi - lo);
	int fd = open(graw, O_RDONLY | O_CLOEXEC);

	ck_assert_ptr_nonnull(b);
	ck_assert_int_eq(pread(fd, b, hi - lo, (off_t)lo), (ssize_t)(hi - lo));
	close(fd);
	if (len) {
		ck_assert(at >= lo && at + len <= hi);
		memcpy(b + (at - lo), patch, len);
	}
	return b;
}

/* ref is the bytes of [lo, hi): check them through img, 1 MiB at a time
 * and sector by sector around each of near[] */
static void expect_window(struct image *img, const uint8_t *ref, uint64_t lo,
			  uint64_t hi, const uint64_t *near, unsigned nnear)
{
	uint8_t *buf = malloc(MIB);
	struct err err;
	uint64_t off;
	unsigned i;

	ck_assert_ptr_nonnull(buf);
	err_init(&err);
	for (off = lo; off < hi; off += MIB) {
		size_t k = 0;

		ck_assert_msg(image_read(img, off, buf, MIB, &err) == 0, "%s", err.msg);
		while (k < MIB && buf[k] == ref[off - lo + k])
			k++;
		ck_assert_msg(k == MIB, "1 MiB at %llu differs first at %llu (sector %llu of the MiB)",
			      (unsigned long long)off, (unsigned long long)(off + k),
			      (unsigned long long)(k / 512));
	}
	for (i = 0; i < nnear; i++)
		for (off = near[i] - 4096; off < near[i] + 4096; off += 512) {
			ck_assert_int_eq(image_read(img, off, buf, 512, &err), 0);
			ck_assert_msg(memcmp(buf, ref + (off - lo), 512) == 0,
				      "sector at %llu differs", (unsigned long long)off);
		}
	free(buf);
}

/* BAT entry index of path (MS-VHDX 2.5.1: state in bits 0-2) */
static unsigned bat_state(const char *path, const struct vhdx_info *vi, uint64_t index)
{
	uint8_t e[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ck_assert_uint_lt(8 * index, vi->bat_length);
	ck_assert_int_eq(pread(fd, e, 8, (off_t)(vi->bat_offset + 8 * index)), 8);
	close(fd);
	return e[0] & 7;
}

START_TEST(test_two_chunks)
{
	char *c = in(gdir, "child.vhdx");
	/* blocks 4094 (last 3 sectors), 4095 and 4096 (full, one in each
	 * chunk), 4097 (first 2 sectors) */
	const uint64_t at = 4 * GIB - 1 * MIB - 1536;
	const size_t len = 2 * MIB + 2560;
	const uint64_t near[] = { 4 * GIB - MIB, 4 * GIB, 4 * GIB + MIB };
	uint8_t *patch = malloc(len), *ref, head[4096];
	struct vhdx_info ci;
	struct image *img;
	struct err err;

	ck_assert_ptr_nonnull(patch);
	make_pattern(patch, len, 5);
	err_init(&err);
	ck_assert_msg(vhdx_write_diff(c, gparent, "parent.vhdx", at, patch, len, &err) == 0,
		      "%s", err.msg);
	ck_assert_int_eq(vhdx_read_info(c, &ci, &err), 0);
	ck_assert_uint_eq(ci.block_size, 1 * MIB);
	ck_assert_uint_eq(ci.virtual_size, G_SIZE);
	ck_assert_uint_eq(ci.chunk_ratio, 4096);
	/* payload block b is BAT entry b + b / 4096; chunk k's sector bitmap
	 * entry is (k + 1) * 4097 - 1 (MS-VHDX 2.5 interleaving) */
	ck_assert_uint_eq(bat_state(c, &ci, 4093), 0);          /* NOT_PRESENT */
	ck_assert_uint_eq(bat_state(c, &ci, 4094), 7);          /* PARTIALLY_PRESENT */
	ck_assert_uint_eq(bat_state(c, &ci, 4095), 6);          /* FULLY_PRESENT */
	ck_assert_uint_eq(bat_state(c, &ci, 4096), 6);          /* SB_BLOCK_PRESENT */
	ck_assert_uint_eq(bat_state(c, &ci, 4097), 6);          /* block 4096 */
	ck_assert_uint_eq(bat_state(c, &ci, 4098), 7);          /* block 4097 */
	ck_assert_uint_eq(bat_state(c, &ci, 4099), 0);
	ck_assert_uint_eq(bat_state(c, &ci, 2 * 4097 - 1), 6);  /* chunk 1's SB */
	img = open_ok(c);
	ck_assert_uint_eq(image_size(img), G_SIZE);
	ref = window(G_LO, G_HI, at, patch, len);
	expect_window(img, ref, G_LO, G_HI, near, 3);
	free(ref);
	/* outside the window: the parent's pattern at 0, zeros at the end */
	ref = window(0, 2 * MIB, 0, NULL, 0);
	expect_window(img, ref, 0, 2 * MIB, NULL, 0);
	free(ref);
	ck_assert_int_eq(image_read(img, G_SIZE - sizeof(head), head, sizeof(head), &err), 0);
	ck_assert(head[0] == 0 && !memcmp(head, head + 1, sizeof(head) - 1));
	image_free(img);
	free(patch);
	free(c);
}
END_TEST

/* --- known gaps (skipped unless VSSD_VHDX_GAPS=1): valid differencing
 * VHDX files the adapter reads wrongly today.  Each asserts what MS-VHDX
 * requires; they join the default run once src/image/vhdi.c handles them. */
static int gaps_wanted(const char *what)
{
	if (getenv("VSSD_VHDX_GAPS"))
		return 1;
	fprintf(stderr, "skip: vhdx_diff known gap: %s (set VSSD_VHDX_GAPS=1)\n", what);
	return 0;
}

static char *write_spec(const char *name, struct vhdx_diff_spec *sp)
{
	char *c = in(gdir, name);
	struct err err;

	sp->child = c;
	sp->parent = gparent;
	sp->name = "parent.vhdx";
	err_init(&err);
	ck_assert_msg(vhdx_write_diff_spec(sp, &err) == 0, "%s", err.msg);
	return c;
}

/* A chunk whose blocks are all NOT_PRESENT may have no sector bitmap
 * block (SB_BLOCK_NOT_PRESENT, MS-VHDX 2.5.1.2; a fresh Hyper-V child has
 * none at all).  libvhdi 20210425 still takes that chunk's bitmaps from
 * file offset 0 + 256 * block: block 0 gets the bits of "vhdxfile" and
 * its sectors 1, 2, 4, 5, 6 ... were read from the child's first bytes
 * instead of the parent.  src/image/vhdi.c now reads VHDX children's BAT
 * itself. */
START_TEST(test_missing_bitmap_block)
{
	uint8_t patch[1024], *ref;
	struct vhdx_diff_spec sp;
	struct image *img;
	char *c;

	make_pattern(patch, sizeof(patch), 9);
	memset(&sp, 0, sizeof(sp));
	sp.at = 4 * GIB + 512;           /* chunk 1 only: chunk 0 has no SB block */
	sp.data = patch;
	sp.len = sizeof(patch);
	sp.flags = VHDX_DIFF_LAZY_BITMAPS;
	c = write_spec("lazy.vhdx", &sp);
	img = open_ok(c);
	ref = window(0, 2 * MIB, 0, NULL, 0);
	expect_window(img, ref, 0, 2 * MIB, NULL, 0);
	free(ref);
	ref = window(G_LO, G_HI, sp.at, patch, sizeof(patch));
	expect_window(img, ref, G_LO, G_HI, NULL, 0);
	free(ref);
	image_free(img);
	free(c);
}
END_TEST

/* MS-VHDX 2.6.2.6.3: "evaluate the paths in a specific order to locate
 * the parent: relative_path, volume_path and then absolute_path".
 * libvhdi returns absolute_win32_path first; the adapter reads the
 * locator itself (src/image/vhdx_info.c). */
START_TEST(test_relative_path_first)
{
	struct vhdx_diff_spec sp;
	struct image *img = NULL;
	struct err err;
	char *c;

	memset(&sp, 0, sizeof(sp));
	sp.relative_path = "parent.vhdx";
	sp.volume_path = "";
	sp.absolute_win32_path = "\\\\?\\C:\\VMs\\old-name.vhdx";
	c = write_spec("paths.vhdx", &sp);
	err_init(&err);
	ck_assert_msg(image_open(&img, c, &err) == 0, "%s", err.msg);
	image_free(img);
	free(c);
}
END_TEST

/* The spec asks for a lowercase parent_linkage but prints an upper-case
 * example; libvhdi parses it with a lowercase-only GUID parser, ignores
 * the failure and compares zeros, so the right parent is refused as an
 * "identifier mismatch".  The adapter's own check compares without case,
 * but libvhdi_file_set_parent_file() itself still refuses the parent. */
START_TEST(test_gap_upper_case_linkage)
{
	struct vhdx_diff_spec sp;
	struct image *img = NULL;
	struct err err;
	char *c;

	if (!gaps_wanted("upper-case parent_linkage"))
		return;
	memset(&sp, 0, sizeof(sp));
	sp.flags = VHDX_DIFF_UPPER_LINKAGE;
	c = write_spec("upper.vhdx", &sp);
	err_init(&err);
	ck_assert_msg(image_open(&img, c, &err) == 0, "%s", err.msg);
	image_free(img);
	free(c);
}
END_TEST

Suite *vhdx_diff_suite(void);
Suite *vhdx_diff_suite(void)
{
	Suite *s = suite_create("vhdx_diff");
	TCase *chain = tcase_create("chain");
	TCase *geo = tcase_create("geometry");
	TCase *gaps = tcase_create("known-gaps");

	tcase_add_unchecked_fixture(chain, build, unbuild);
	tcase_set_timeout(chain, 120);
	tcase_add_test(chain, test_child_copies_parent_geometry);
	tcase_add_test(chain, test_child_reads_like_raw);
	tcase_add_test(chain, test_child_same_verdicts);
	tcase_add_test(chain, test_child_data_wins);
	tcase_add_test(chain, test_grandchild);
	tcase_add_test(chain, test_missing_parent);
	tcase_add_test(chain, test_wrong_parent);
	tcase_add_test(chain, test_hostile_bat);
	tcase_add_test(chain, test_vhdiinfo_agrees);
	tcase_add_test(chain, test_qemu_img);
	tcase_add_test(chain, test_mkdisk_vhdx_diff);
	suite_add_tcase(s, chain);

	tcase_add_unchecked_fixture(geo, gbuild, gunbuild);
	tcase_set_timeout(geo, 120);
	tcase_add_test(geo, test_two_chunks);
	tcase_add_test(geo, test_missing_bitmap_block);
	tcase_add_test(geo, test_relative_path_first);
	suite_add_tcase(s, geo);

	tcase_add_unchecked_fixture(gaps, gbuild, gunbuild);
	tcase_set_timeout(gaps, 120);
	tcase_add_test(gaps, test_gap_upper_case_linkage);
	suite_add_tcase(s, gaps);
	return s;
}
