/* Helpers shared by the test suites, one place for all of them: where
 * things are (from the environment the Makefile sets), running the
 * program, files, parser vectors (testutil.c); scenario volumes scanned
 * end to end and their JSON reports, fault-injection runs
 * (testutil_scan.c); hives read back with libregf (testutil_regf.c). */
#ifndef VSSD_TESTUTIL_H
#define VSSD_TESTUTIL_H

#include <check.h>
#include <jansson.h>
#include <libbfio.h>
#include <libregf.h>
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

/* r's stdout parsed as JSON (caller json_decref); the test fails on bad
 * JSON, naming what (may be NULL), the exit status and the start of
 * stdout and stderr. */
json_t *tu_json_out(const struct tu_run *r, const char *what);
/* Scan source with the test rules (JSON report): the parsed report
 * (caller json_decref; the test fails on bad JSON) and r (caller
 * tu_run_free). */
json_t *tu_scan_json(const char *source, struct tu_run *r);
/* A JSON report without what differs between two scans of the same
 * volume (source, timing_ms); NULL when text is not JSON. */
json_t *tu_normalise(const char *text);
/* Scan img as JSON: the normalised report (NULL on exit 2 or bad JSON);
 * *status gets the exit status, *err_out stderr (malloc'd) when not NULL. */
json_t *tu_scan_normalised(const char *img, int *status, char **err_out);
/* The test fails unless the reports are equal, showing where they part
 * ("NAME: report differs from REF at byte N"; name may be NULL). */
void tu_assert_same_report(json_t *got, json_t *want, const char *name, const char *ref);
/* The cause or finding id of a report (the test fails when absent), and
 * its status. */
json_t *tu_result(json_t *root, const char *id);
const char *tu_status(json_t *root, const char *id);

/* ---- end to end: scenario volumes scanned into JSON reports ---------- */

/* A scanned volume: the JSON report (caller json_decref) and the exit
 * status. */
struct tu_scan {
	json_t *root;
	int status;
};

/* Build the scenario text into a fresh image (tu_tmpdir(tag)/vol.img,
 * malloc'd); the test fails when the scenario does not build. */
char *tu_build(const char *tag, const char *text);
/* `vssdoctor scan --format json [OPTION...] --rules RULES img`, the options
 * NULL-terminated after status: the parsed report (the test fails on bad
 * JSON); *status gets the exit status when status is not NULL. */
json_t *tu_scan_image(const char *img, int *status, ...);
/* Build text (tu_build) and scan it into out. */
void tu_scan_run(const char *tag, const char *text, struct tu_scan *out);
/* The status and the summary of result id (tu_result), and the test's assertion on it
 * (its summary in the message). */
const char *tu_scan_status(const struct tu_scan *sc, const char *id);
const char *tu_scan_summary(const struct tu_scan *sc, const char *id);
void tu_scan_assert(const struct tu_scan *sc, const char *id, const char *want);
/* The evidence item of result id whose string key equals value: NULL when
 * there is none; the must_ form fails the test instead. */
json_t *tu_scan_evidence(const struct tu_scan *sc, const char *id, const char *key,
			 const char *value);
json_t *tu_scan_must_evidence(const struct tu_scan *sc, const char *id, const char *key,
			      const char *value);
/* How many remediation lines of result id contain text; the assert_ form
 * fails the test when none does. */
int tu_scan_fixes(const struct tu_scan *sc, const char *id, const char *text);
void tu_scan_assert_fix(const struct tu_scan *sc, const char *id, const char *text);

/* The string (the integer) o[key]; the test fails when it is not one. */
const char *tu_str(json_t *o, const char *key);
long long tu_num(json_t *o, const char *key);
/* The evidence item of result res of kind whose path is path (NULL: any
 * path), or NULL. */
json_t *tu_evidence(json_t *res, const char *kind, const char *path);
/* 1 when one of the report's warnings contains part. */
int tu_has_warning(json_t *root, const char *part);
/* 1 when the JSON array holds a string containing text. */
int tu_array_has(json_t *arr, const char *text);

/* ---- fault injection ($VSSD_FAULT_BIN, tests/fault) ------------------ */

/* Scan img (-v, with --shadows when shadows) with var=1 set (NULL: none);
 * the number after pattern on stderr (the test fails without it). */
unsigned long long tu_fault_count(const char *img, const char *var, const char *pattern,
				  int shadows, int timeout_s);
/* Scan img (--format format, with --shadows when shadows) with var=n set
 * and the sanitizers' own exit codes; the test fails unless the exit is
 * 0-3 with no sanitizer report, and an exit 2 says one clean line. */
void tu_fault_run(const char *img, const char *var, unsigned long long n, const char *format,
		  int shadows, int timeout_s);

/* ---- table-driven parser tests ------------------------------------- */

/* Hex text to bytes, at most size; the number of bytes written. */
size_t tu_unhex(const char *h, uint8_t *out, size_t size);
/* Bytes to lower-case hex text (malloc'd). */
char *tu_hex(const uint8_t *p, size_t n);

/* An input a parser must refuse: the code it returns and a part of its
 * message. */
struct tu_bad {
	const char *in;
	int code;
	const char *msg;
};
/* The test's assertion on v refused with rc and the message msg. */
void tu_assert_refused(const struct tu_bad *v, int rc, const char *msg);

/* Descriptors from the real Windows samples, shared by the suites. */
/* DOMAIN.md, cause 3: the SCM default */
#define TU_SCM_DEFAULT_SDDL "D:(A;;CCLCSWRPWPDTLOCRRC;;;SY)(A;;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;BA)" \
	"(A;;CCLCSWLOCRRC;;;IU)(A;;CCLCSWLOCRRC;;;SU)S:(AU;FA;CCDCLCSWRPWPDTLOCRSDRCWDWO;;;WD)"
/* SYSTEM_win10_1709, ControlSet001\Services\CryptSvc\Security (240 bytes) */
#define TU_W10_CRYPTSVC_HEX \
	"01000480d8000000e400000000000000140000000200c4000700000000001400fd01020001010000" \
	"000000051200000000001800ff010f0001020000000000052000000020020000000014008d010200" \
	"010100000000000504000000000014008d01020001010000000000050600000000001800fd010200" \
	"01020000000000052000000025020000000018008d000200010200000000000f0200000001000000" \
	"000038008d000200010a00000000000f03000000000400008543efbe8867637e4d7a39abdefa6072" \
	"9ff69fa85772dbfe9e1ca32d96ba04a4010100000000000512000000010100000000000512000000"
/* SYSTEM_win10_1709, MsLldp\Security: no grant for the writer's token
 * (KB 3209092) */
#define TU_W10_MSLLDP_HEX \
	"01000480a0000000ac000000000000001400000002008c000500000001001800ff010f0001020000" \
	"00000005200000002202000000001400ff010f0001010000000000051200000000001800df010f00" \
	"0102000000000005200000002002000000001800fd01020001020000000000052000000025020000" \
	"0000280034000000010600000000000550000000443e41bb45baa87a6cbd9268f4ad648fd5e670e9" \
	"010100000000000512000000010100000000000512000000"

/* SHA-256 of a file as 64 hex chars + NUL into hex; 0 or -1. */
int tu_sha256_file(const char *path, char hex[65]);

/* Write len bytes to path; 0 or -1. */
int tu_write_file(const char *path, const void *buf, size_t len);
/* Read a whole file (malloc'd, NUL-terminated); NULL on failure. */
char *tu_read_file(const char *path, size_t *len);

/* The absolute path of a program found in $PATH (malloc'd) or NULL. */
char *tu_which(const char *prog);

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

/* ---- hives read back with libregf from memory (the way the program
 * reads real hives) --------------------------------------------------- */
struct tu_regf {
	libbfio_handle_t *h;
	libregf_file_t *f;
};

/* Open the hive in buf (borrowed until tu_regf_close); 0 or -1. */
int tu_regf_open(struct tu_regf *l, uint8_t *buf, size_t len);
void tu_regf_close(struct tu_regf *l);
/* The key at path (relative to the root, "" = root), or NULL; the caller
 * frees it with libregf_key_free. */
libregf_key_t *tu_regf_key(struct tu_regf *l, const char *path);
/* The value name of that key ("": the default value) or NULL; the caller
 * frees it with libregf_value_free. */
libregf_value_t *tu_regf_value(struct tu_regf *l, const char *path, const char *name);
/* REG_SZ/EXPAND_SZ text (malloc'd) or NULL; *type gets the value's type
 * when type is not NULL. */
char *tu_regf_sz(struct tu_regf *l, const char *path, const char *name, uint32_t *type);
/* The REG_DWORD into *out; 0 or -1. */
int tu_regf_dword(struct tu_regf *l, const char *path, const char *name, uint32_t *out);
/* The value's raw data (malloc'd, *len bytes) or NULL. */
uint8_t *tu_regf_data(struct tu_regf *l, const char *path, const char *name, size_t *len);
/* 1 when the key exists; the number of its subkeys (-1: no key). */
int tu_regf_has_key(struct tu_regf *l, const char *path);
int tu_regf_nsub(struct tu_regf *l, const char *path);

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
