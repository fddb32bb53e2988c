/* Helpers shared by the test suites: where things are (from the
 * environment the Makefile sets), running the program, hashing files. */
#ifndef VSSD_TESTUTIL_H
#define VSSD_TESTUTIL_H

#include <check.h>
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Every case gets this timeout (seconds) unless a suite says otherwise. */
#define TEST_TIMEOUT 120

/* $VSSD_BIN, $VSSD_TOOLS, $VSSD_RULES, $VSSD_SAMPLES, $VSSD_TMP, $VSSD_SRC */
const char *tu_env(const char *name);

/* A fresh scratch directory under $VSSD_TMP named after tag (made, empty);
 * returns a static buffer's copy (malloc'd; caller frees). */
char *tu_tmpdir(const char *tag);

/* The samples folder's file (malloc'd path) or NULL when the samples are
 * absent; prints "skip: ..." once per call in that case. */
char *tu_sample(const char *rel);

struct tu_run {
	int status;            /* exit status, or 128+signal */
	char *out;             /* stdout, NUL-terminated (malloc'd) */
	size_t out_len;
	char *err;             /* stderr */
	size_t err_len;
};

/* Run argv (argv[0] is a path) with a time limit; capture both streams.
 * Returns 0 or -1 (could not run).  Free with tu_run_free. */
int tu_run(char *const argv[], int timeout_s, struct tu_run *r);
void tu_run_free(struct tu_run *r);

/* Run vssdoctor with the given arguments (NULL-terminated). */
int tu_vssdoctor(struct tu_run *r, const char *arg, ...);

/* Scan source with the test rules (JSON report): the parsed report
 * (caller json_decref; the test fails on bad JSON) and r (caller
 * tu_run_free). */
json_t *tu_scan_json(const char *source, struct tu_run *r);
/* The cause or finding id of a report (the test fails when absent), and
 * its status. */
json_t *tu_result(json_t *root, const char *id);
const char *tu_status(json_t *root, const char *id);

/* SHA-256 of a file as 64 hex chars + NUL into hex; 0 or -1. */
int tu_sha256_file(const char *path, char hex[65]);

/* Write len bytes to path; 0 or -1. */
int tu_write_file(const char *path, const void *buf, size_t len);
/* Read a whole file (malloc'd, NUL-terminated); NULL on failure. */
char *tu_read_file(const char *path, size_t *len);

/* Run a shell command line (for fixture tools); returns exit status. */
int tu_sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The image formats the suites wrap a fixture volume in (mbr, mbr-logical,
 * gpt-p3, gpt-4k, vhd-dynamic, vhd-fixed, vhd-differencing, vhdx-dynamic,
 * vhdx-fixed, e01, e01-split, vmdk, vmdk-split, qcow2). */
struct tu_format {
	const char *name;
	const char *make;       /* sh -c MAKE sh VOLUME STEM TOOLS */
	const char *ext;        /* the image is STEM + ext */
};
extern const struct tu_format tu_formats[];
extern const size_t tu_nformats;
/* The format called name, or NULL. */
const struct tu_format *tu_format_named(const char *name);
/* Wrap the bare volume vol as f; the image's path (malloc'd) or NULL. */
char *tu_wrap(const struct tu_format *f, const char *vol, const char *stem);

/* The scenarios the end-to-end suites build (testdata/lib/scenario.h's
 * language), one table: the suites that define them take their text from
 * it by name, and check_bde judges every one through BitLocker.  name is
 * "suite/what"; disk says how the volume is laid out when a suite judges
 * it inside a disk (mkdisk's options, with --data-volume DATA first when
 * data is set; NULL: GPT after a 100 MiB EFI partition; "bare": the
 * volume alone); data, when set, is a second volume (testdata/mkfixture
 * spec) placed before the Windows one. */
struct tu_scenario {
	const char *name;
	const char *text;
	const char *disk;
	const char *data;
};
extern const struct tu_scenario tu_scenarios[];
extern const size_t tu_nscenarios;
/* The text of the scenario called name (the test fails when there is
 * none). */
const char *tu_scenario(const char *name);

#endif
