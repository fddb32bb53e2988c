/* mkhive: build a registry hive file (REGF) from a text spec.
 *
 *   mkhive OUT.hive < SPEC
 *   mkhive SPEC OUT.hive          (SPEC may be "-" for standard input)
 *
 * The spec is line-oriented.  Blank lines and lines starting with '#' are
 * ignored.  Words are separated by spaces or tabs; a word holding spaces
 * is written in double quotes ("Temporary ASP.NET Files"), and "" is the
 * empty word (the default, unnamed value).  KEY is a '\'-separated path
 * below the root ("" is the root itself); keys are created with their
 * parents as needed and matched case-insensitively.
 *
 *   root NAME               root key name (default ROOT); before any key
 *   minor 3|5               format version 1.3 (default) or 1.5
 *   seq SEQ1 SEQ2           base block sequence numbers (default 1 1);
 *                           different numbers make a dirty hive
 *   time FILETIME           timestamp of keys and base block (decimal)
 *   key KEY                 create a key
 *   dword KEY NAME NUMBER   REG_DWORD (decimal or 0x hex)
 *   qword KEY NAME NUMBER   REG_QWORD
 *   sz KEY NAME TEXT        REG_SZ; TEXT is the rest of the line after one
 *                           separating space, verbatim (backslashes, quotes
 *                           and inner spaces kept; may be empty)
 *   expand_sz KEY NAME TEXT REG_EXPAND_SZ, same rules
 *   multi_sz KEY NAME A|B|C REG_MULTI_SZ; the rest of the line split on '|'
 *                           (nothing after NAME: no strings)
 *   hex KEY NAME HEX        REG_BINARY; hex digits, spaces allowed
 *   raw TYPE KEY NAME HEX   any value type (a number) with hex data
 *   delete KEY NAME         remove a value
 *
 * Example:
 *   root CsiTool-CreateHive-{00000000-0000-0000-0000-000000000000}
 *   minor 5
 *   dword Select Current 1
 *   expand_sz ControlSet001\Services\CryptSvc ImagePath %SystemRoot%\system32\svchost.exe -k NetworkService -p
 *   dword ControlSet001\Services\CryptSvc Start 2
 *   multi_sz ControlSet001\Services\CryptSvc DependOnService RpcSs
 *   hex ControlSet001\Services\CryptSvc\Security Security 01 00 14 80 ...
 *
 * Exit status 0, or 1 with "mkhive: SPEC:LINE: why" on stderr. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regf_writer.h"

struct spec {
	const char *file;
	unsigned line;
	char root[1024];
	unsigned minor;
	uint32_t seq1, seq2;
	uint64_t filetime;
	int have_time;
	struct regf_writer *w;
};

static int die(const struct spec *sp, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int die(const struct spec *sp, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "mkhive: %s:%u: ", sp->file, sp->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

/* Next word of *p (quoted or bare) into a malloc'd string; NULL at the end
 * of the line.  *p moves past the word and one separator. */
static char *word(char **p, int *bad)
{
	char *s = *p, *start, *out;
	size_t n;

	while (*s == ' ' || *s == '\t')
		s++;
	if (!*s) {
		*p = s;
		return NULL;
	}
	if (*s == '"') {
		start = ++s;
		while (*s && *s != '"')
			s++;
		if (*s != '"') {
			*bad = 1;
			return NULL;
		}
		n = (size_t)(s - start);
		s++;
	} else {
		start = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		n = (size_t)(s - start);
	}
	if (*s == ' ' || *s == '\t')
		s++;                    /* exactly one separator */
	*p = s;
	out = strndup(start, n);
	if (!out)
		*bad = 1;
	return out;
}

static int parse_u64(const char *s, uint64_t max, uint64_t *v)
{
	char *end;

	if (!s || !*s || *s == '-')
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return (errno || *end || *v > max) ? -1 : 0;
}

static int parse_hex(const char *s, uint8_t **out, size_t *len)
{
	size_t n = 0, cap = strlen(s) / 2 + 1;
	uint8_t *b = malloc(cap);
	int hi = -1;

	if (!b)
		return -1;
	for (; *s; s++) {
		int d;

		if (*s == ' ' || *s == '\t')
			continue;
		if (*s >= '0' && *s <= '9')
			d = *s - '0';
		else if (*s >= 'a' && *s <= 'f')
			d = *s - 'a' + 10;
		else if (*s >= 'A' && *s <= 'F')
			d = *s - 'A' + 10;
		else
			goto bad;
		if (hi < 0) {
			hi = d;
		} else {
			b[n++] = (uint8_t)(hi << 4 | d);
			hi = -1;
		}
	}
	if (hi >= 0)
		goto bad;
	*out = b;
	*len = n;
	return 0;
bad:
	free(b);
	return -1;
}

static int ensure_writer(struct spec *sp)
{
	if (sp->w)
		return 0;
	sp->w = regf_writer_new(sp->root);
	if (!sp->w)
		return die(sp, "cannot create a hive with root '%s'", sp->root);
	if (sp->have_time)
		regf_writer_set_time(sp->w, sp->filetime);
	return 0;
}

static int do_line(struct spec *sp, char *line)
{
	char *p = line, *cmd, *a = NULL, *b = NULL, *c = NULL;
	int bad = 0, rc = -1;
	uint64_t v;

	cmd = word(&p, &bad);
	if (!cmd || cmd[0] == '#')
		goto out_ok;

	if (strcmp(cmd, "root") == 0 || strcmp(cmd, "minor") == 0 ||
	    strcmp(cmd, "seq") == 0 || strcmp(cmd, "time") == 0) {
		a = word(&p, &bad);
		if (!a) {
			die(sp, "'%s' needs an argument", cmd);
			goto out;
		}
		if (strcmp(cmd, "root") == 0) {
			if (sp->w) {
				die(sp, "'root' must come before keys and values");
				goto out;
			}
			if (strlen(a) >= sizeof(sp->root)) {
				die(sp, "root name too long");
				goto out;
			}
			strcpy(sp->root, a);
		} else if (strcmp(cmd, "minor") == 0) {
			if (parse_u64(a, 5, &v) < 0 || (v != 3 && v != 5)) {
				die(sp, "minor must be 3 or 5, not '%s'", a);
				goto out;
			}
			sp->minor = (unsigned)v;
		} else if (strcmp(cmd, "time") == 0) {
			if (parse_u64(a, UINT64_MAX, &v) < 0) {
				die(sp, "bad FILETIME '%s'", a);
				goto out;
			}
			sp->filetime = v;
			sp->have_time = 1;
			if (sp->w)
				regf_writer_set_time(sp->w, v);
		} else {
			b = word(&p, &bad);
			if (parse_u64(a, UINT32_MAX, &v) < 0) {
				die(sp, "bad sequence number '%s'", a);
				goto out;
			}
			sp->seq1 = (uint32_t)v;
			if (parse_u64(b, UINT32_MAX, &v) < 0) {
				die(sp, "bad sequence number '%s'", b ? b : "");
				goto out;
			}
			sp->seq2 = (uint32_t)v;
		}
		goto out_ok;
	}

	if (ensure_writer(sp) < 0)
		goto out;
	if (strcmp(cmd, "key") == 0) {
		a = word(&p, &bad);
		if (!a || bad) {
			die(sp, "usage: key KEY");
			goto out;
		}
		rc = regf_writer_add_key(sp->w, a);
	} else if (strcmp(cmd, "raw") == 0) {
		char *t = word(&p, &bad);
		uint8_t *data;
		size_t len;

		a = word(&p, &bad);
		b = word(&p, &bad);
		if (!t || !a || !b || bad || parse_u64(t, UINT32_MAX, &v) < 0) {
			free(t);
			die(sp, "usage: raw TYPE KEY NAME HEX");
			goto out;
		}
		free(t);
		if (parse_hex(p, &data, &len) < 0) {
			die(sp, "bad hex data");
			goto out;
		}
		rc = regf_writer_set_value(sp->w, a, b, (uint32_t)v, data, len);
		free(data);
	} else {
		a = word(&p, &bad);
		b = word(&p, &bad);
		if (!a || !b || bad) {
			die(sp, "usage: %s KEY NAME ...", cmd);
			goto out;
		}
		if (strcmp(cmd, "dword") == 0 || strcmp(cmd, "qword") == 0) {
			const int q = cmd[0] == 'q';

			c = word(&p, &bad);
			if (parse_u64(c, q ? UINT64_MAX : UINT32_MAX, &v) < 0) {
				die(sp, "bad number '%s'", c ? c : "");
				goto out;
			}
			rc = q ? regf_writer_set_qword(sp->w, a, b, v)
			       : regf_writer_set_dword(sp->w, a, b, (uint32_t)v);
		} else if (strcmp(cmd, "sz") == 0) {
			rc = regf_writer_set_sz(sp->w, a, b, p);
		} else if (strcmp(cmd, "expand_sz") == 0) {
			rc = regf_writer_set_expand_sz(sp->w, a, b, p);
		} else if (strcmp(cmd, "multi_sz") == 0) {
			const char **strs = NULL;
			size_t n = 0;
			char *s = p;

			if (*s) {
				for (char *q = s; *q; q++)
					n += *q == '|';
				n++;
				strs = calloc(n, sizeof(*strs));
				if (!strs) {
					die(sp, "out of memory");
					goto out;
				}
				n = 0;
				for (;;) {
					char *bar = strchr(s, '|');

					strs[n++] = s;
					if (!bar)
						break;
					*bar = '\0';
					s = bar + 1;
				}
			}
			rc = regf_writer_set_multi_sz(sp->w, a, b, strs, n);
			free(strs);
		} else if (strcmp(cmd, "hex") == 0) {
			uint8_t *data;
			size_t len;

			if (parse_hex(p, &data, &len) < 0) {
				die(sp, "bad hex data");
				goto out;
			}
			rc = regf_writer_set_binary(sp->w, a, b, data, len);
			free(data);
		} else if (strcmp(cmd, "delete") == 0) {
			rc = regf_writer_delete_value(sp->w, a, b);
			if (rc > 0)
				rc = 0;
		} else {
			die(sp, "unknown command '%s'", cmd);
			goto out;
		}
	}
	if (rc < 0) {
		die(sp, "%s", regf_writer_error(sp->w));
		goto out;
	}
out_ok:
	if (bad) {
		die(sp, "unterminated quote");
		goto out;
	}
	rc = 0;
out:
	free(cmd);
	free(a);
	free(b);
	free(c);
	return rc;
}

int main(int argc, char **argv)
{
	struct spec sp;
	const char *out_path;
	FILE *in = stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 1;

	memset(&sp, 0, sizeof(sp));
	strcpy(sp.root, "ROOT");
	sp.minor = 3;
	sp.seq1 = sp.seq2 = 1;
	sp.file = "<stdin>";
	if (argc == 2) {
		out_path = argv[1];
	} else if (argc == 3) {
		out_path = argv[2];
		if (strcmp(argv[1], "-") != 0) {
			sp.file = argv[1];
			in = fopen(argv[1], "r");
			if (!in) {
				fprintf(stderr, "mkhive: cannot open '%s': %s\n", argv[1], strerror(errno));
				return 1;
			}
		}
	} else {
		fprintf(stderr, "usage: mkhive OUT.hive < SPEC\n       mkhive SPEC OUT.hive\n");
		return 2;
	}
	while ((n = getline(&line, &cap, in)) >= 0) {
		sp.line++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (do_line(&sp, line) < 0)
			goto out;
	}
	if (ensure_writer(&sp) < 0)
		goto out;
	if (regf_writer_write_file(sp.w, out_path, sp.minor, sp.seq1, sp.seq2) < 0) {
		fprintf(stderr, "mkhive: %s\n", regf_writer_error(sp.w));
		goto out;
	}
	rc = 0;
out:
	free(line);
	if (in != stdin)
		fclose(in);
	regf_writer_free(sp.w);
	return rc;
}
