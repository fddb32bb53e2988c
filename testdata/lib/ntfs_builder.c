#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ntfs-3g/types.h>
#include <ntfs-3g/attrib.h>
#include <ntfs-3g/dir.h>
#include <ntfs-3g/inode.h>
#include <ntfs-3g/layout.h>
#include <ntfs-3g/logging.h>
#include <ntfs-3g/reparse.h>
#include <ntfs-3g/security.h>
#include <ntfs-3g/unistr.h>
#include <ntfs-3g/volume.h>

#include "ntfs_builder.h"
#include "sdbin.h"

struct ntfs_builder {
	ntfs_volume *vol;
	char *path;
	int dirty;      /* leave the volume marked dirty */
	int unclean;    /* leave $LogFile's restart area not clean */
};

static int b_errno(struct err *err, const char *what, const char *path)
{
	return err_set(err, -E_IO, "%s '%s': %s", what, path, strerror(errno));
}

int ntfs_builder_new(struct ntfs_builder **out, const char *path,
		     uint64_t size, const char *label, struct err *err)
{
	struct ntfs_builder *b;
	char *cmd = NULL;
	int fd, st;

	*out = NULL;
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return b_errno(err, "create", path);
	if (ftruncate(fd, (off_t)size) < 0) {
		close(fd);
		return b_errno(err, "size", path);
	}
	close(fd);
	/* -Q quick (no zeroing), -F a file is fine, -f skip checks */
	if (asprintf(&cmd, "mkntfs -q -Q -F -L '%s' '%s' >/dev/null 2>&1",
		     label ? label : "Fixture", path) < 0)
		return err_set(err, -E_NOMEM, "out of memory");
	st = system(cmd);
	free(cmd);
	if (st != 0)
		return err_set(err, -E_IO, "mkntfs '%s' failed (status %d)", path, st);
	ntfs_log_set_handler(ntfs_log_handler_null);
	b = calloc(1, sizeof(*b));
	if (!b || !(b->path = strdup(path))) {
		free(b);
		return err_set(err, -E_NOMEM, "out of memory");
	}
	b->vol = ntfs_mount(path, 0);
	if (!b->vol) {
		int rc = b_errno(err, "mount", path);
		free(b->path);
		free(b);
		return rc;
	}
	*out = b;
	return 0;
}

/* $LogFile's two restart pages as after a crash: a log client in use and
 * RESTART_VOLUME_IS_CLEAN not set, which libntfs-3g's
 * ntfs_is_logfile_clean() reads as "unclean file system" (a read-write
 * mount refuses it).  Layout as libntfs-3g's layout.h/logfile.h give it:
 * page header "RSTR", update sequence array at 0x1e (9 entries for a 4096
 * byte page), system and log page size 4096, version 1.1, restart area at
 * 0x30; in it log_clients 1, client_free_list none, client_in_use_list 0,
 * flags 0, seq_number_bits 67 - bits(file size), one client record
 * ("NTFS") at 0x40.  libntfs-3g's rw mount had emptied the log (0xff). */
static int logfile_unclean(ntfs_volume *vol)
{
	uint8_t page[4096], *ra = page + 0x30, *cr = ra + 0x40;
	ntfs_inode *ni = ntfs_inode_open(vol, FILE_LogFile);
	ntfs_attr *na = ni ? ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0) : NULL;
	uint64_t fsize = na ? (uint64_t)na->data_size : 0;
	unsigned bits = 0, i, k;
	int rc = na ? 0 : -1;

	for (; fsize; fsize >>= 1)
		bits++;
	for (k = 0; rc == 0 && k < 2; k++) {
		memset(page, 0, sizeof(page));
		memcpy(page, "RSTR", 4);
		page[0x04] = 0x1e;                          /* usa_ofs */
		page[0x06] = 9;                             /* usa_count */
		page[0x11] = 0x10;                          /* system_page_size 4096 */
		page[0x15] = 0x10;                          /* log_page_size 4096 */
		page[0x18] = 0x30;                          /* restart_area_offset */
		page[0x1a] = 1;                             /* minor_ver */
		page[0x1c] = 1;                             /* major_ver */
		ra[0x00] = 0x10 + (uint8_t)k;               /* current_lsn */
		ra[0x08] = 1;                               /* log_clients */
		ra[0x0a] = ra[0x0b] = 0xff;                 /* client_free_list: none */
		ra[0x10] = (uint8_t)(67 - bits);            /* seq_number_bits */
		ra[0x14] = 0x40 + 0xa0;                     /* restart_area_length */
		ra[0x16] = 0x40;                            /* client_array_offset */
		for (i = 0; i < 8; i++)                     /* file_size */
			ra[0x18 + i] = (uint8_t)((uint64_t)na->data_size >> (8 * i));
		ra[0x24] = 0x30;                            /* log_record_header_length */
		ra[0x26] = 0x30;                            /* log_page_data_offset */
		cr[0x10] = cr[0x11] = cr[0x12] = cr[0x13] = 0xff;  /* prev, next */
		cr[0x1c] = 8;                               /* client_name_length */
		memcpy(cr + 0x20, "N\0T\0F\0S\0", 8);
		/* multi-sector protection: USN 1 at each sector's end */
		page[0x1e] = 1;
		for (i = 1; i <= 8; i++) {
			page[0x1e + 2 * i] = page[512 * i - 2];
			page[0x1e + 2 * i + 1] = page[512 * i - 1];
			page[512 * i - 2] = 1;
			page[512 * i - 1] = 0;
		}
		if (ntfs_attr_pwrite(na, 4096 * k, sizeof(page), page) != (s64)sizeof(page))
			rc = -1;
	}
	if (na)
		ntfs_attr_close(na);
	if (ni)
		ntfs_inode_close(ni);
	return rc;
}

int ntfs_builder_finish(struct ntfs_builder *b, struct err *err)
{
	int rc = 0;

	if (!b)
		return 0;
	if (b->unclean && logfile_unclean(b->vol) < 0)
		rc = b_errno(err, "write $LogFile", b->path);
	if (b->dirty &&
	    ntfs_volume_write_flags(b->vol, b->vol->flags | VOLUME_IS_DIRTY) < 0)
		rc = b_errno(err, "mark dirty", b->path);
	if (ntfs_umount(b->vol, FALSE) < 0)
		rc = b_errno(err, "unmount", b->path);
	free(b->path);
	free(b);
	return rc;
}

static void to_slash(const char *in, char *out, size_t size)
{
	size_t n = 0;

	while (*in == '\\' || *in == '/')
		in++;
	for (; *in && n + 1 < size; in++)
		out[n++] = *in == '\\' ? '/' : *in;
	while (n > 0 && out[n - 1] == '/')
		n--;
	out[n] = '\0';
}

/* Open (creating when asked) one path component under dir. */
static ntfs_inode *child(ntfs_volume *vol, ntfs_inode *dir, const char *name,
			 int create, mode_t type)
{
	ntfschar *uname = NULL;
	int ulen = ntfs_mbstoucs(name, &uname);
	u64 mref;
	ntfs_inode *ni = NULL;

	if (ulen < 0)
		return NULL;
	mref = ntfs_inode_lookup_by_name(dir, uname, ulen);
	if (mref != (u64)-1)
		ni = ntfs_inode_open(vol, MREF(mref));
	else if (create)
		ni = ntfs_create(dir, const_cpu_to_le32(0), uname, (u8)ulen, type);
	free(uname);
	return ni;
}

/* Walk path; create missing folders (and the last element as type). */
static ntfs_inode *walk(struct ntfs_builder *b, const char *path, int create,
			mode_t last_type)
{
	char p[4096];
	char *save = NULL, *tok, *next;
	ntfs_inode *cur, *nx;

	to_slash(path, p, sizeof(p));
	cur = ntfs_inode_open(b->vol, FILE_root);
	if (!cur || !p[0])
		return cur;
	tok = strtok_r(p, "/", &save);
	while (tok) {
		next = strtok_r(NULL, "/", &save);
		nx = child(b->vol, cur, tok, create, next ? S_IFDIR : last_type);
		ntfs_inode_close(cur);
		if (!nx)
			return NULL;
		cur = nx;
		tok = next;
	}
	return cur;
}

int ntfs_builder_mkdir(struct ntfs_builder *b, const char *path, struct err *err)
{
	ntfs_inode *ni = walk(b, path, 1, S_IFDIR);

	if (!ni)
		return b_errno(err, "mkdir", path);
	ntfs_inode_close(ni);
	return 0;
}

int ntfs_builder_write(struct ntfs_builder *b, const char *path,
		       const void *data, size_t len, struct err *err)
{
	ntfs_inode *ni = walk(b, path, 1, S_IFREG);
	ntfs_attr *na;
	s64 done = 0;

	if (!ni)
		return b_errno(err, "create", path);
	na = ntfs_attr_open(ni, AT_DATA, AT_UNNAMED, 0);
	if (!na) {
		ntfs_inode_close(ni);
		return b_errno(err, "open data", path);
	}
	if (ntfs_attr_truncate(na, 0) < 0)
		goto fail;
	while ((size_t)done < len) {
		s64 n = ntfs_attr_pwrite(na, done, (s64)len - done,
					 (const char *)data + done);
		if (n <= 0)
			goto fail;
		done += n;
	}
	ntfs_attr_close(na);
	ntfs_inode_close(ni);
	return 0;
fail:
	ntfs_attr_close(na);
	ntfs_inode_close(ni);
	return b_errno(err, "write", path);
}

int ntfs_builder_set_sd(struct ntfs_builder *b, const char *path,
			const void *sd, size_t len, struct err *err)
{
	struct SECURITY_CONTEXT scx;
	ntfs_inode *ni = walk(b, path, 0, S_IFREG);
	int rc;

	if (!ni)
		return b_errno(err, "open", path);
	memset(&scx, 0, sizeof(scx));
	scx.vol = b->vol;
	rc = ntfs_set_ntfs_acl(&scx, ni, sd, len, 0);
	ntfs_inode_close(ni);
	if (rc < 0)
		return b_errno(err, "set descriptor", path);
	return 0;
}

int ntfs_builder_junction(struct ntfs_builder *b, const char *path,
			  const char *target, struct err *err)
{
	/* MS-FSCC 2.1.2.5 mount point: substitute name "\??\C:\x", print name
	 * "C:\x", both UTF-16LE */
	uint8_t buf[4096];
	size_t tl = strlen(target), i, sub_len, pr_len, off;
	ntfs_inode *ni;
	int rc;

	if (tl > 900)
		return err_set(err, -E_LIMIT, "junction target too long");
	sub_len = (tl + 4) * 2;
	pr_len = tl * 2;
	memset(buf, 0, sizeof(buf));
	buf[0] = 0x03; buf[1] = 0x00; buf[2] = 0x00; buf[3] = 0xA0;
	off = 16;
	{
		size_t data_len = 8 + sub_len + 2 + pr_len + 2;
		buf[4] = (uint8_t)data_len; buf[5] = (uint8_t)(data_len >> 8);
	}
	buf[8] = 0; buf[9] = 0;                                 /* subst offset */
	buf[10] = (uint8_t)sub_len; buf[11] = (uint8_t)(sub_len >> 8);
	buf[12] = (uint8_t)(sub_len + 2); buf[13] = (uint8_t)((sub_len + 2) >> 8);
	buf[14] = (uint8_t)pr_len; buf[15] = (uint8_t)(pr_len >> 8);
	{
		const char *pre = "\\??\\";
		for (i = 0; i < 4; i++)
			buf[off + 2 * i] = (uint8_t)pre[i];
		for (i = 0; i < tl; i++)
			buf[off + 8 + 2 * i] = (uint8_t)target[i];
		off += sub_len + 2;
		for (i = 0; i < tl; i++)
			buf[off + 2 * i] = (uint8_t)target[i];
		off += pr_len + 2;
	}
	ni = walk(b, path, 1, S_IFDIR);
	if (!ni)
		return b_errno(err, "junction", path);
	rc = ntfs_set_ntfs_reparse_data(ni, (const char *)buf, off, 0);
	ntfs_inode_close(ni);
	if (rc < 0)
		return b_errno(err, "set reparse data", path);
	return 0;
}

int ntfs_builder_set_dirty(struct ntfs_builder *b, struct err *err)
{
	b->dirty = 1;
	(void)err;
	return 0;
}

int ntfs_builder_fill(struct ntfs_builder *b, const char *path,
		      unsigned long count, const char *prefix, int files,
		      struct err *err)
{
	ntfs_inode *dir = walk(b, path, 1, S_IFDIR);
	unsigned long i;

	if (!dir)
		return b_errno(err, "mkdir", path);
	for (i = 1; i <= count; i++) {
		char name[256];
		ntfs_inode *ni;

		snprintf(name, sizeof(name), "%s%05lu", prefix, i);
		ni = child(b->vol, dir, name, 1, files ? S_IFREG : S_IFDIR);
		if (!ni) {
			ntfs_inode_close(dir);
			return b_errno(err, "create", name);
		}
		ntfs_inode_close(ni);
	}
	ntfs_inode_close(dir);
	return 0;
}

/* --- the spec language */
static uint64_t parse_size(const char *s)
{
	char *end;
	uint64_t v = strtoull(s, &end, 10);

	switch (*end) {
	case 'k': case 'K': return v << 10;
	case 'm': case 'M': return v << 20;
	case 'g': case 'G': return v << 30;
	default: return v;
	}
}

/* Unescape \n \r \t \\ in place. */
static void unescape(char *s)
{
	char *o = s;

	for (; *s; s++) {
		if (*s == '\\' && s[1]) {
			s++;
			*o++ = *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s == 't' ? '\t' : *s;
		} else {
			*o++ = *s;
		}
	}
	*o = '\0';
}

static int read_host(const char *base, const char *rel, uint8_t **buf,
		     size_t *len, struct err *err)
{
	char path[4096];
	FILE *f;
	long sz;

	if (rel[0] == '/' || !base)
		snprintf(path, sizeof(path), "%s", rel);
	else
		snprintf(path, sizeof(path), "%s/%s", base, rel);
	f = fopen(path, "rb");
	if (!f)
		return b_errno(err, "open", path);
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	*buf = malloc(sz > 0 ? (size_t)sz : 1);
	if (!*buf || (sz > 0 && fread(*buf, 1, (size_t)sz, f) != (size_t)sz)) {
		fclose(f);
		free(*buf);
		return b_errno(err, "read", path);
	}
	fclose(f);
	*len = (size_t)sz;
	return 0;
}

static int set_sddl(struct ntfs_builder *b, const char *path, const char *sddl,
		    struct err *err)
{
	uint8_t *bin = NULL;
	size_t len = 0;
	int rc = sdbin_from_sddl(sddl, &bin, &len, err);

	if (rc < 0)
		return err_wrap(err, "'%s'", path);
	rc = ntfs_builder_set_sd(b, path, bin, len, err);
	free(bin);
	return rc;
}

/* One line: verb and up to two arguments, the last taking the rest. */
int ntfs_builder_run_line(struct ntfs_builder *b, char *line, const char *base,
			   struct err *err)
{
	char *verb, *a1, *rest;
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	line[strcspn(line, "\r\n")] = '\0';
	verb = strtok(line, " \t");
	a1 = verb ? strtok(NULL, " \t") : NULL;
	rest = a1 ? strtok(NULL, "") : NULL;
	if (rest) {
		size_t rl = strlen(rest);
		while (rl > 0 && (rest[rl - 1] == '\n' || rest[rl - 1] == '\r'))
			rest[--rl] = '\0';
	}
	while (rest && (*rest == ' ' || *rest == '\t'))
		rest++;
	if (!verb || !a1)
		return err_set(err, -E_USAGE, "expected 'VERB PATH ...'");
	if (strcmp(verb, "dir") == 0)
		return ntfs_builder_mkdir(b, a1, err);
	if (strcmp(verb, "flag") == 0 && strcmp(a1, "dirty") == 0)
		return ntfs_builder_set_dirty(b, err);
	if (strcmp(verb, "flag") == 0 && strcmp(a1, "journal-unclean") == 0) {
		b->unclean = 1;
		return 0;
	}
	if (strcmp(verb, "file") == 0) {
		char *text = rest ? rest : (char *)"";
		unescape(text);
		return ntfs_builder_write(b, a1, text, strlen(text), err);
	}
	if (strcmp(verb, "copy") == 0) {
		if (!rest)
			return err_set(err, -E_USAGE, "copy PATH HOSTFILE");
		rc = read_host(base, rest, &buf, &len, err);
		if (rc == 0)
			rc = ntfs_builder_write(b, a1, buf, len, err);
		free(buf);
		return rc;
	}
	if (strcmp(verb, "sddl") == 0) {
		if (!rest)
			return err_set(err, -E_USAGE, "sddl PATH SDDL");
		return set_sddl(b, a1, rest, err);
	}
	if (strcmp(verb, "sddl-all") == 0) {
		/* every entry directly inside folder a1 */
		return err_set(err, -E_USAGE, "sddl-all is not supported");
	}
	if (strcmp(verb, "junction") == 0) {
		if (!rest)
			return err_set(err, -E_USAGE, "junction PATH TARGET");
		return ntfs_builder_junction(b, a1, rest, err);
	}
	if (strcmp(verb, "dirs") == 0 || strcmp(verb, "files") == 0) {
		char *n = rest ? strtok(rest, " \t") : NULL;
		char *prefix = n ? strtok(NULL, " \t") : NULL;

		if (!n)
			return err_set(err, -E_USAGE, "%s PATH COUNT [PREFIX]", verb);
		return ntfs_builder_fill(b, a1, strtoul(n, NULL, 10),
					 prefix ? prefix : (verb[0] == 'd' ? "dir" : "file"),
					 verb[0] == 'f', err);
	}
	return err_set(err, -E_USAGE, "unknown verb '%s'", verb);
}

int ntfs_builder_run_spec(const char *out_path, const char *spec,
			  const char *base_dir, struct err *err)
{
	struct ntfs_builder *b = NULL;
	char *copy = strdup(spec), *save = NULL, *line;
	uint64_t size = 64ull << 20;
	char label[64] = "Windows";
	unsigned lineno = 0;
	int rc = 0;

	if (!copy)
		return err_set(err, -E_NOMEM, "out of memory");
	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save)) {
		lineno++;
		while (*line == ' ' || *line == '\t')
			line++;
		if (!*line || *line == '#')
			continue;
		if (strncmp(line, "size ", 5) == 0 && !b) {
			size = parse_size(line + 5);
			continue;
		}
		if (strncmp(line, "label ", 6) == 0 && !b) {
			snprintf(label, sizeof(label), "%s", line + 6);
			continue;
		}
		if (!b) {
			rc = ntfs_builder_new(&b, out_path, size, label, err);
			if (rc < 0)
				break;
		}
		rc = ntfs_builder_run_line(b, line, base_dir, err);
		if (rc < 0) {
			err_wrap(err, "line %u", lineno);
			break;
		}
	}
	if (!b && rc == 0)
		rc = ntfs_builder_new(&b, out_path, size, label, err);
	if (b) {
		struct err e2;
		err_init(&e2);
		if (ntfs_builder_finish(b, &e2) < 0 && rc == 0) {
			*err = e2;
			rc = e2.code;
		}
	}
	free(copy);
	return rc;
}
