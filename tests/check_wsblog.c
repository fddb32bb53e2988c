/* Windows Server Backup text logs (parsers/wsblog.c): UTF-16LE lines to
 * failed paths, codes, and the finding each proves. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "limits.h"
#include "wsblog.h"

/* text as UTF-16LE with a BOM (ASCII and Latin-1 only), malloc'd. */
static uint8_t *utf16(const char *text, int bom, size_t *len)
{
	size_t n = strlen(text), i, k = 0;
	uint8_t *b = malloc(2 * n + 2);

	if (bom) {
		b[k++] = 0xff;
		b[k++] = 0xfe;
	}
	for (i = 0; i < n; i++) {
		b[k++] = (uint8_t)text[i];
		b[k++] = 0;
	}
	*len = k;
	return b;
}

struct got {
	struct wsblog_entry e[8];
	int n;
};

static int keep(void *ctx, const struct wsblog_entry *e)
{
	struct got *g = ctx;

	if (g->n < 8)
		g->e[g->n] = *e;
	g->n++;
	return 0;
}

static const struct {
	const char *what, *text;
	int entries;
	unsigned line;
	const char *path, *op;
	uint32_t code;
	const char *message, *proves;
} vec[] = {
	{ "a driver path the writer could not parse (KB 968247)",
	  "Error in backup of C:\\windows\\\\systemroot\\ during enumerate: Error [0x8007007b] The filename, "
	  "directory name, or volume label syntax is incorrect.\r\n",
	  1, 1, "C:\\windows\\\\systemroot\\", "enumerate", 0x8007007Bu,
	  "The filename, directory name, or volume label syntax is incorrect.", "service-imagepath-invalid" },
	{ "WinSxS access denied (cause 1)",
	  "Backup of System State started\r\n\r\n"
	  "Error in backup of C:\\Windows\\WinSxS\\Temp\\PendingRenames during read: Error [0x80070005] Access is denied.\r\n",
	  1, 3, "C:\\Windows\\WinSxS\\Temp\\PendingRenames", "read", 0x80070005u, "Access is denied.", "cause1" },
	{ "WinSxS itself",
	  "Error in backup of C:\\Windows\\winsxs during enumerate: Error [0x80070005] Access is denied.\n",
	  1, 1, "C:\\Windows\\winsxs", "enumerate", 0x80070005u, "Access is denied.", "cause1" },
	{ "a missing binary",
	  "Error in backup of C:\\Program Files\\Foo\\agent.exe during read: Error [0x80070002] The system cannot "
	  "find the file specified.\n",
	  1, 1, "C:\\Program Files\\Foo\\agent.exe", "read", 0x80070002u,
	  "The system cannot find the file specified.", "service-binary-missing" },
	{ "access denied outside WinSxS proves nothing",
	  "Error in backup of C:\\ProgramData\\x.dat during read: Error [0x80070005] Access is denied.\n",
	  1, 1, "C:\\ProgramData\\x.dat", "read", 0x80070005u, "Access is denied.", NULL },
	{ "a forward-slash path the writer built",
	  "Error in backup of C:/Program Files/Foo Agent/agent.exe during enumerate: Error [0x80070057] The parameter is incorrect.\n",
	  1, 1, "C:/Program Files/Foo Agent/agent.exe", "enumerate", 0x80070057u, "The parameter is incorrect.",
	  "service-imagepath-invalid" },
	{ "other wording: a path and a code",
	  "Failed to back up D:\\Data\\db.mdf: Error [0x80070020] The process cannot access the file.\n",
	  1, 1, "D:\\Data\\db.mdf", "", 0x80070020u, "The process cannot access the file.", NULL },
	{ "other wording: a UNC path and a bare HRESULT",
	  "Cannot read \\\\srv\\share\\tool.exe: 0x8007007B\n",
	  1, 1, "\\\\srv\\share\\tool.exe", "", 0x8007007Bu, "", "service-imagepath-invalid" },
	{ "lines that are not failures",
	  "Backup of volume C: succeeded.\r\nSystem State backup completed at 10:00 (0 errors)\r\n\r\n"
	  "Error in backup of nothing\r\n0x12 without a path\r\n",
	  0, 0, NULL, NULL, 0, NULL, NULL },
	{ "empty", "", 0, 0, NULL, NULL, 0, NULL, NULL },
};

START_TEST(test_vectors)
{
	struct got g;
	size_t len;
	uint8_t *b;
	int form, rc;

	/* UTF-16LE with and without its BOM, and 8-bit text */
	for (form = 0; form < 3; form++) {
		memset(&g, 0, sizeof(g));
		if (form < 2) {
			b = utf16(vec[_i].text, form == 0, &len);
		} else {
			len = strlen(vec[_i].text);
			b = malloc(len + 1);
			memcpy(b, vec[_i].text, len + 1);
		}
		rc = wsblog_parse(b, len, keep, &g, NULL);
		free(b);
		ck_assert_msg(rc == vec[_i].entries, "%s (form %d): %d entries", vec[_i].what, form, rc);
		ck_assert_int_eq(g.n, vec[_i].entries);
		if (!vec[_i].entries)
			continue;
		ck_assert_uint_eq(g.e[0].line, vec[_i].line);
		ck_assert_str_eq(g.e[0].path, vec[_i].path);
		ck_assert_str_eq(g.e[0].operation, vec[_i].op);
		ck_assert_uint_eq(g.e[0].code, vec[_i].code);
		ck_assert_str_eq(g.e[0].message, vec[_i].message);
		if (vec[_i].proves)
			ck_assert_str_eq(wsblog_proves(&g.e[0]), vec[_i].proves);
		else
			ck_assert_ptr_null(wsblog_proves(&g.e[0]));
	}
}
END_TEST

START_TEST(test_hostile)
{
	static const uint8_t odd[] = { 0xff, 0xfe, 'E', 0, 'r', 0, 0x00, 0xd8, 'x' };
	static const uint8_t lone_low[] = { 0xff, 0xfe, 0x00, 0xdc, 'C', 0, ':', 0, '\\', 0, 'a', 0, ' ', 0,
					    '0', 0, 'x', 0, '8', 0, '0', 0, '0', 0, '7', 0, '0', 0, '0', 0,
					    '0', 0, '5', 0 };
	struct got g;
	struct err err;
	uint8_t *big;
	size_t i;

	err_init(&err);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(wsblog_parse(odd, sizeof(odd), keep, &g, &err), 0);
	ck_assert_int_eq(wsblog_parse(lone_low, sizeof(lone_low), keep, &g, &err), 1);
	ck_assert_str_eq(g.e[0].path, "C:\\a");
	ck_assert_uint_eq(g.e[0].code, 0x80070005u);
	ck_assert_int_eq(wsblog_parse(NULL, 0, keep, &g, &err), 0);
	ck_assert_int_eq(wsblog_parse(NULL, 4, keep, &g, &err), -E_CORRUPT);
	big = malloc(LIMIT_WSBLOG_SIZE + 2);
	ck_assert_int_eq(wsblog_parse(big, LIMIT_WSBLOG_SIZE + 1, keep, &g, &err), -E_LIMIT);
	ck_assert_ptr_nonnull(strstr(err.msg, "LIMIT_WSBLOG_SIZE"));
	/* a line far longer than LIMIT_WSBLOG_LINE is cut, never overflowed */
	memcpy(big, "Error in backup of C:\\", 22);
	for (i = 22; i < 3 * LIMIT_WSBLOG_LINE; i++)
		big[i] = 'a';
	memcpy(big + i, " during read: Error [0x80070005] Access is denied.\n", 51);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(wsblog_parse(big, i + 51, keep, &g, &err), 0);
	memcpy(big + 100, " during read: Error [0x80070005] x\n", 35);
	memset(&g, 0, sizeof(g));
	ck_assert_int_eq(wsblog_parse(big, 135, keep, &g, &err), 1);
	ck_assert_uint_eq(strlen(g.e[0].path), 100 - 19);
	free(big);
}
END_TEST

static int stop_at_second(void *ctx, const struct wsblog_entry *e)
{
	(void)e;
	return ++*(int *)ctx == 2 ? 7 : 0;
}

START_TEST(test_stop)
{
	const char *t = "C:\\a: Error [0x80070005]\nC:\\b: Error [0x80070005]\nC:\\c: Error [0x80070005]\n";
	int seen = 0;

	ck_assert_int_eq(wsblog_parse((const uint8_t *)t, strlen(t), stop_at_second, &seen, NULL), 7);
	ck_assert_int_eq(seen, 2);
}
END_TEST

Suite *wsblog_suite(void);
Suite *wsblog_suite(void)
{
	Suite *s = suite_create("wsblog");
	TCase *tc = tcase_create("parse");

	tcase_set_timeout(tc, 10);
	tcase_add_loop_test(tc, test_vectors, 0, (int)(sizeof(vec) / sizeof(vec[0])));
	tcase_add_test(tc, test_hostile);
	tcase_add_test(tc, test_stop);
	suite_add_tcase(s, tc);
	return s;
}
