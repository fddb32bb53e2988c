/* Directory mode on a hostile tree (issue 14): a FIFO where a hive, a log
 * or a Web.config would be never hangs the scan and is refused with a
 * warning naming it; a link out of the tree (absolute, or climbing with
 * "..") is never followed: the item is "link leaves the source" and the
 * check it feeds says unknown, never the outside file's verdict; a
 * relative link that stays inside still works.
 *
 * The tree is a scenario volume's hives and logs copied out with ntfscat
 * (ntfs-3g's tool), so the files are what the image scan reads. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bytes.h"
#include "hivelog.h"
#include "scenario.h"
#include "testutil.h"

#define CFG  "Windows/System32/config"
#define LOGS "Windows/System32/winevt/Logs"
#define V2   "Windows/Microsoft.NET/Framework/v2.0.50727"

/* cause 3 broken on the tree; a healthy SYSTEM elsewhere (the outside
 * file a link would smuggle in) */
static const char broken[] =
	"break cause3\n"
	"webconfig v2.0.50727 \"<configuration><system.web><compilation tempDirectory=\\\"c:\\\\INSIDE\\\"/></system.web></configuration>\"\n"
	"event application provider=VSS id=8224 text=idle\n"
	"event system provider=EventLog id=6005\n";
static const char healthy[] =
	"event application provider=VSS id=8224 text=idle\n"
	"event system provider=EventLog id=6005\n";

static int have_ntfscat(void)
{
	if (tu_sh("command -v ntfscat >/dev/null") == 0)
		return 1;
	fprintf(stderr, "skip: confine: no ntfscat (package ntfs-3g) here\n");
	return 0;
}

/* Build the scenario and copy what a scan reads into dir/name; returns
 * that folder's path (malloc'd). */
static char *make_tree(const char *dir, const char *name, const char *text)
{
	char *img = NULL, *tree = NULL;
	struct err err;

	if (asprintf(&img, "%s/%s.img", dir, name) < 0)
		abort();
	err_init(&err);
	ck_assert_msg(scenario_build(text, img, &err) == 0, "%s", err.msg);
	ck_assert_int_eq(tu_sh(
		"set -e; cd '%s'; t=%s; mkdir -p \"$t/" CFG "\" \"$t/" LOGS "\" \"$t/" V2 "/CONFIG\" "
		"\"$t/Windows/WinSxS/FileMaps\" \"$t/Windows/WinSxS/Temp\"; "
		"for f in " CFG "/SYSTEM " CFG "/SOFTWARE " CFG "/SYSTEM.LOG1 " LOGS "/Application.evtx " LOGS "/System.evtx; do "
		"ntfscat '%s' \"$f\" > \"$t/$f\" 2>/dev/null || rm -f \"$t/$f\"; done; "
		"ntfscat '%s' " V2 "/CONFIG/Web.config > \"$t/" V2 "/CONFIG/Web.config\" || true; "
		": > \"$t/Windows/WinSxS/Temp/PendingRenames\"",
		dir, name, img, img), 0);
	free(img);
	if (asprintf(&tree, "%s/%s", dir, name) < 0)
		abort();
	return tree;
}

/* One test's tree: the scratch folder, the broken tree built in it, the
 * scan's run and report. */
struct tree {
	char *dir, *t;
	struct tu_run r;
	json_t *root;
};

/* Make the broken tree in a fresh folder named for tag; 0 when ntfscat is
 * missing (the test is skipped; tree_close still frees). */
static int tree_open(struct tree *tr, const char *tag)
{
	memset(tr, 0, sizeof(*tr));
	tr->dir = tu_tmpdir(tag);
	if (!have_ntfscat())
		return 0;
	tr->t = make_tree(tr->dir, "tree", broken);
	return 1;
}

/* Scan the tree as JSON. */
static void tree_scan(struct tree *tr)
{
	tr->root = tu_scan_json(tr->t, &tr->r);
}

/* Cause 3 judged present from the tree, exit status 1. */
static void assert_cause3_present(struct tree *tr)
{
	ck_assert_str_eq(tu_status(tr->root, "cause3"), "present");
	ck_assert_int_eq(tr->r.status, 1);
}

static void tree_close(struct tree *tr)
{
	json_decref(tr->root);
	tu_run_free(&tr->r);
	free(tr->t);
	free(tr->dir);
}

/* The report (stdout and stderr) never holds this text. */
static void assert_not_in(const struct tu_run *r, const char *text)
{
	ck_assert_msg(strstr(r->out, text) == NULL, "report holds '%s'", text);
	ck_assert_msg(strstr(r->err, text) == NULL, "stderr holds '%s'", text);
}

START_TEST(test_baseline_tree)
{
	struct tree tr;

	if (tree_open(&tr, "confine-base")) {
		tree_scan(&tr);
		assert_cause3_present(&tr);
	}
	tree_close(&tr);
}
END_TEST

/* A FIFO at each place: the scan ends (Check's timeout would fail it
 * otherwise), names the FIFO in a warning, and the check it feeds is not
 * judged from it. */
static const char *const fifo_at[] = { CFG "/SYSTEM", LOGS "/System.evtx",
				       V2 "/CONFIG/Web.config" };

START_TEST(test_fifo)
{
	struct tree tr;

	if (!tree_open(&tr, "confine-fifo"))
		goto out;
	ck_assert_int_eq(tu_sh("cd '%s' && rm -f '%s' && mkfifo '%s'", tr.t, fifo_at[_i], fifo_at[_i]), 0);
	tree_scan(&tr);
	ck_assert_msg(tu_has_warning(tr.root, "a FIFO, not a regular file: refused"),
		      "no warning names the FIFO: %s", tr.r.out);
	ck_assert_msg(tu_has_warning(tr.root, fifo_at[_i] + strlen(fifo_at[_i]) - 6), "%s", tr.r.out);
	if (_i == 0) {
		/* no SYSTEM hive: causes 2 and 3 cannot be judged */
		ck_assert_str_eq(tu_status(tr.root, "cause3"), "unknown");
		ck_assert_str_eq(tu_status(tr.root, "cause2"), "unknown");
		ck_assert_int_eq(tr.r.status, 3);
	} else {
		assert_cause3_present(&tr);
	}
	if (_i == 2)
		ck_assert_ptr_null(strstr(tr.r.out, "INSIDE"));
out:
	tree_close(&tr);
}
END_TEST

/* config/SYSTEM replaced by a link to another machine's (healthy) hive
 * outside the tree: absolute, or relative climbing above the root.  The
 * verdict must not come from it: cause 3 unknown, not absent. */
START_TEST(test_link_out)
{
	static const char *const how[] = { "abs", "dotdot" };
	struct tree tr;
	const char *t, *dir;

	if (!tree_open(&tr, "confine-out"))
		goto out;
	t = tr.t;
	dir = tr.dir;
	free(make_tree(dir, "other", healthy));
	ck_assert_int_eq(tu_sh(
		"cd '%s/" CFG "' && rm SYSTEM && if [ %s = abs ]; then ln -s '%s/other/" CFG "/SYSTEM' SYSTEM; "
		"else ln -s ../../../../other/" CFG "/SYSTEM SYSTEM; fi && "
		"cd '%s/" V2 "/CONFIG' && printf '<configuration><system.web><compilation tempDirectory=\"c:\\\\OUTSIDE\"/></system.web></configuration>' > '%s/outside.config' && "
		"rm -f Web.config && ln -s ../../../../../../outside.config Web.config",
		t, how[_i], dir, t, dir), 0);
	tree_scan(&tr);
	ck_assert_msg(tu_has_warning(tr.root, "link leaves the source"), "%s", tr.r.out);
	ck_assert_str_eq(tu_status(tr.root, "cause3"), "unknown");
	ck_assert_msg(strstr(json_string_value(json_object_get(tu_result(tr.root, "cause3"), "summary")),
			     "link leaves the source") != NULL, "%s",
		      json_string_value(json_object_get(tu_result(tr.root, "cause3"), "summary")));
	assert_not_in(&tr.r, "OUTSIDE");
	ck_assert_int_eq(tr.r.status, 3);
out:
	tree_close(&tr);
}
END_TEST

/* A relative link that stays inside the tree keeps working. */
START_TEST(test_link_inside)
{
	struct tree tr;

	if (tree_open(&tr, "confine-in")) {
		ck_assert_int_eq(tu_sh(
			"cd '%s' && mkdir -p hives && mv " CFG "/SYSTEM hives/SYSTEM && "
			"ln -s ../../../hives/SYSTEM " CFG "/SYSTEM", tr.t), 0);
		tree_scan(&tr);
		assert_cause3_present(&tr);
	}
	tree_close(&tr);
}
END_TEST

/* Peak RSS (KiB) of a scan of source, and its exit status. */
static long scan_rss(const char *source, int *status)
{
	struct rusage ru;
	int st = 0;
	pid_t pid = fork();

	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		int fd = open("/dev/null", O_WRONLY);

		dup2(fd, 1);
		dup2(fd, 2);
		execl(tu_env("VSSD_BIN"), "vssdoctor", "scan", "--format", "json", "--rules",
		      tu_env("VSSD_RULES"), source, (char *)NULL);
		_exit(127);
	}
	ck_assert_int_eq(wait4(pid, &st, 0, &ru), pid);
	*status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	return ru.ru_maxrss;
}

/* Issue 14: a crafted SYSTEM.LOG1 whose entries declare ~512 MB of hive
 * bins (the last entry, pages ordinary; or every entry, with a page at the
 * far end).  The scan stays far below 256 MB and judges the hive. */
START_TEST(test_crafted_log_rss)
{
	char *dir = tu_tmpdir("confine-log"), *t = NULL, *logp = NULL;
	uint8_t *log;
	size_t len, off, last = 0;
	long rss;
	int st;

	if (!have_ntfscat())
		goto out;
	t = make_tree(dir, "tree", "break cause3\nlog system new\nreg system dword ControlSet001\\Services\\VSS Probe 7\n"
		      "event system provider=EventLog id=6005\n");
	if (asprintf(&logp, "%s/" CFG "/SYSTEM.LOG1", t) < 0)
		abort();
	log = (uint8_t *)tu_read_file(logp, &len);
	ck_assert_msg(log != NULL && len > 1024, "no SYSTEM.LOG1 in the tree");
	for (off = 512; off + 0x30 <= len && memcmp(log + off, "HvLE", 4) == 0 &&
	     le32(log + off + 4) >= 512 && off + le32(log + off + 4) <= len;
	     off += le32(log + off + 4)) {
		uint8_t *en = log + off;

		last = off;
		if (_i == 1) {
			put_le32(en + 0x10, 0x1FFFE000);
			put_le32(en + 0x28, 0x1FFFD000);
			put_le64(en + 0x18, hivelog_marvin32(en + 0x28, le32(en + 4) - 0x28,
							     HIVELOG_MARVIN_SEED));
			put_le64(en + 0x20, hivelog_marvin32(en, 0x20, HIVELOG_MARVIN_SEED));
		}
	}
	ck_assert_uint_gt(last, 0);
	if (_i == 0) {
		put_le32(log + last + 0x10, 0x1FFFE000);
		put_le64(log + last + 0x20, hivelog_marvin32(log + last, 0x20, HIVELOG_MARVIN_SEED));
	}
	ck_assert_int_eq(tu_write_file(logp, log, len), 0);
	free(log);
	rss = scan_rss(t, &st);
	fprintf(stderr, "confine: crafted %zu-byte LOG1 (%s): scan peak RSS %ld KiB, exit %d\n",
		len, _i ? "far page" : "huge size", rss, st);
	ck_assert_int_lt(rss, 256 * 1024);
	ck_assert_int_eq(st, 1);              /* cause 3 is still judged */
out:
	free(logp);
	free(t);
	free(dir);
}
END_TEST

Suite *confine_suite(void);
Suite *confine_suite(void)
{
	Suite *s = suite_create("confine");
	TCase *tc = tcase_create("confine");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_baseline_tree);
	tcase_add_loop_test(tc, test_fifo, 0, 3);
	tcase_add_loop_test(tc, test_link_out, 0, 2);
	tcase_add_test(tc, test_link_inside);
	tcase_add_loop_test(tc, test_crafted_log_rss, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}
