/* The registry collector: SYSTEM and SOFTWARE hives from the volume, read
 * through libregf from memory (libbfio), never through temp files.
 *
 * Three layers, one header:
 * - struct hive / struct hkey: a hive image opened from a buffer and its
 *   keys (the libregf adapter; libregf names appear only in registry.c);
 * - struct reg_value: one value's type and raw bytes, decoded by our own
 *   code (REG_DWORD, REG_SZ / REG_EXPAND_SZ, REG_MULTI_SZ, FILETIME);
 * - struct registry: both hives of one volume with their state (absent,
 *   unreadable, dirty, replayed from the .LOG1/.LOG2 transaction logs),
 *   the current control set from SYSTEM\Select and the Windows version
 *   from SOFTWARE.  A scan keeps one in its cache (registry_get).
 *
 * Key paths are '\'-separated, relative to the hive root, looked up
 * case-insensitively.  Lookups return 1 found, 0 absent, <0 error. */
#ifndef VSSD_REGISTRY_H
#define VSSD_REGISTRY_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "fs.h"
#include "limits.h"
#include "mountdev.h"
#include "evidence.h"

/* ---- hives and keys (libregf adapter) ---------------------------------- */

struct hive;
struct hkey;

/* Registry value types (winnt.h) */
#define REGV_SZ          1u
#define REGV_EXPAND_SZ   2u
#define REGV_BINARY      3u
#define REGV_DWORD       4u
#define REGV_MULTI_SZ    7u
#define REGV_QWORD       11u

/* Open the hive image data[0..len) named name ("SYSTEM", for messages).
 * Takes ownership of data (malloc'd): it is freed by hive_free(), or here
 * on failure.  The root key is read up front, so a hive whose root cannot
 * be read fails here ("hive SYSTEM: unable to create root key: ...").
 * 0 or <0. */
int hive_open_memory(struct hive **out, const char *name, uint8_t *data,
		     size_t len, struct err *err);
/* Free a hive; every hkey of it must be freed first.  Accepts NULL. */
void hive_free(struct hive *h);
const char *hive_name(const struct hive *h);

/* One slot per hive for a collector that walks it again and again
 * (services.c): owner tells whose it is; freed with free_fn by
 * hive_free.  A hive belongs to one scan, on one thread. */
void *hive_cache_get(const struct hive *h, const void *owner);
void hive_cache_set(struct hive *h, const void *owner, void *p,
		    void (*free_fn)(void *));

/* The key at path ("" = the root).  *out is freed with hkey_free. */
int hive_key(struct hive *h, const char *path, struct hkey **out,
	     struct err *err);
/* The subkey at path below k. */
int hkey_subkey(struct hkey *k, const char *path, struct hkey **out,
		struct err *err);
void hkey_free(struct hkey *k);

/* The key's name (UTF-8) into buf.  0 or <0 (-E_LIMIT: buf too small). */
int hkey_name(struct hkey *k, char *buf, size_t size, struct err *err);

/* Call fn for each subkey of k in hive order; fn returns 0 to go on, >0
 * to stop (returned), <0 to fail (returned).  The subkey is freed after
 * fn returns.  Subkeys over LIMIT_REG_SUBKEYS fail with -E_LIMIT. */
typedef int (*hkey_fn)(void *ctx, struct hkey *sub, const char *name);
int hkey_foreach_subkey(struct hkey *k, hkey_fn fn, void *ctx,
			struct err *err);
int hkey_subkey_count(struct hkey *k, unsigned *count, struct err *err);

struct reg_value {
	uint32_t type;
	uint8_t *data;         /* malloc'd (NULL when len == 0) */
	size_t len;
};
void reg_value_release(struct reg_value *v);

/* The value named name ("" = the default value), data copied.  Values
 * larger than LIMIT_REG_VALUE fail with -E_LIMIT. */
int hkey_value(struct hkey *k, const char *name, struct reg_value *v,
	       struct err *err);

/* Call fn for each value of k: its name (UTF-8) and value (owned by the
 * caller of fn, released after it returns).  Return as hkey_foreach_subkey. */
typedef int (*hvalue_fn)(void *ctx, const char *name,
			 const struct reg_value *v);
int hkey_foreach_value(struct hkey *k, hvalue_fn fn, void *ctx,
		       struct err *err);

/* The key's own security descriptor (the hive's sk cell the key points
 * to: self-relative, MS-DTYP 2.4.6), malloc'd into *sd (caller frees).
 * 1 read, 0 the key has none, <0 error (a descriptor over LIMIT_SD_SIZE
 * is -E_LIMIT). */
int hkey_security(struct hkey *k, uint8_t **sd, size_t *len, struct err *err);

/* ---- decoding values (our code, no libregf) ---------------------------- */

/* REG_DWORD (also a 4-byte REG_BINARY).  0, or -E_CORRUPT for another
 * type or size. */
int reg_value_dword(const struct reg_value *v, uint32_t *out, struct err *err);
/* REG_SZ / REG_EXPAND_SZ (UTF-16LE, up to the first NUL) as UTF-8,
 * malloc'd.  Invalid UTF-16 becomes U+FFFD.  0 or <0. */
int reg_value_string(const struct reg_value *v, char **out, struct err *err);
/* REG_MULTI_SZ as a NULL-terminated, malloc'd array of malloc'd UTF-8
 * strings (empty strings skipped; free with reg_strv_free).  A REG_SZ is
 * taken as a one-element list. */
int reg_value_multi(const struct reg_value *v, char ***out, size_t *n,
		    struct err *err);
void reg_strv_free(char **v);

/* Shortcuts: 1 found and decoded, 0 absent, <0 error (a value of the
 * wrong type is -E_CORRUPT, message naming the value). */
int hkey_get_dword(struct hkey *k, const char *name, uint32_t *out,
		   struct err *err);
int hkey_get_string(struct hkey *k, const char *name, char **out,
		    struct err *err);
int hkey_get_multi(struct hkey *k, const char *name, char ***out, size_t *n,
		   struct err *err);

/* ---- the volume's registry --------------------------------------------- */

enum reg_hive_state { REG_HIVE_OK = 0, REG_HIVE_ABSENT, REG_HIVE_BAD };

struct reg_hive_info {
	char name[16];             /* "SYSTEM", "SOFTWARE" */
	char path[LIMIT_WINDIR_LEN + 32]; /* "Windows\System32\config\SYSTEM" */
	enum reg_hive_state state;
	struct err err;            /* ABSENT / BAD: why (one line) */
	struct hive *hive;         /* state OK */
	size_t size;               /* bytes of the primary file */
	int dirty;                 /* sequence numbers differ or checksum bad */
	int checksum_bad;
	uint32_t seq1, seq2;       /* base block sequence numbers */
	char logs[96];             /* logs beside it: "SYSTEM.LOG1, SYSTEM.LOG2" */
	int replayed;              /* hive holds the primary + replayed logs */
	unsigned entries_applied;  /* replay: log entries applied */
	char log_format[8];        /* replay: "new" / "old" */
	char view[256];            /* where verdicts come from, for people */
};

struct registry {
	struct reg_hive_info system, software;
	/* SYSTEM\Select; control_set is "" when SYSTEM is not usable */
	int have_select;
	uint32_t current, def, last_known_good;
	char control_set[16];      /* "ControlSet001" */
	/* SOFTWARE\Microsoft\Windows NT\CurrentVersion ("" when absent) */
	char product_name[128];
	char current_version[16];  /* "6.1"; Windows 10+ keep "6.3" here */
	char build[16];            /* CurrentBuildNumber, else CurrentBuild */
	int major, minor;          /* CurrentMajor/MinorVersionNumber, -1 absent */
	char systemroot[260];      /* SystemRoot; "C:\<windir>" when neither
				    * SOFTWARE nor the boot configuration names it */
	json_t *warnings;          /* array of strings, for the report */
	/* where the hives were read: the Windows folder as on the volume
	 * ("WINNT"), and whether SOFTWARE had a SystemRoot value */
	char windir[LIMIT_WINDIR_LEN];
	int have_systemroot;
	/* where systemroot came from: "SOFTWARE" (CurrentVersion SystemRoot),
	 * "BCD" (the volume's \Boot\BCD: a Windows Boot Loader object's
	 * SystemRoot element, 0x22000002, naming windir), "" (neither) */
	char systemroot_from[16];
	/* SYSTEM\MountedDevices: one entry per drive letter (have_mounted
	 * is 0 when the key is absent or SYSTEM unusable) */
	int have_mounted;
	unsigned nmounted;
	struct mountdev mounted[26];
};

/* The transaction log beside a hive file: hive_path + suffix (".LOG1",
 * ".LOG", ".LOG2"), at most LIMIT_HIVELOG_SIZE bytes, into *buf
 * (malloc'd).  1 read, 0 absent, <0 error. */
int registry_read_log(struct fs *fs, const char *hive_path, const char *suffix,
		      uint8_t **buf, size_t *len, struct err *err);

/* Read both hives from fs (replaying dirty ones in memory when replay is
 * set and logs are present), the control set and the Windows version.
 * Problems with a hive are kept in its reg_hive_info and in warnings, not
 * returned: <0 only when out of memory.  Free with registry_free. */
int registry_load(struct fs *fs, int replay, struct registry **out,
		  struct err *err);
/* The same with the hives read from windir\System32\config (windir: the
 * Windows folder on the volume, "WINNT"); registry_load finds it with
 * windir_find ("Windows" when no folder holds a SYSTEM hive). */
int registry_load_at(struct fs *fs, const char *windir, int replay,
		     struct registry **out, struct err *err);

/* SYSTEM\MountedDevices of sys: the drive letters (one entry each, at
 * most max) into out[0..*n).  1 read, 0 no such key, <0 error. */
int registry_mounted_devices(struct hive *sys, struct mountdev *out,
			     unsigned max, unsigned *n, struct err *err);

/* SystemRoot from windir\System32\config\SOFTWARE on fs, read alone (no
 * log replay) into buf: 1 found, 0 absent or unreadable. */
int registry_system_root_at(struct fs *fs, const char *windir, char *buf,
			    size_t size);
void registry_free(struct registry *reg);

/* The scan's registry (loaded once, kept in the scan cache). */
int registry_get(const struct evidence *ev, struct registry **out, struct err *err);

/* The SYSTEM / SOFTWARE hive, or <0 with "hive SYSTEM: <why>" when it
 * is absent or could not be read.  Borrowed: valid until registry_free. */
int registry_system(struct registry *reg, struct hive **out, struct err *err);
int registry_software(struct registry *reg, struct hive **out,
		      struct err *err);

/* Fill out with product_name, current_version, build, control_set (and
 * default/last_known_good when they differ) from the hives on fs.
 * Returns 0 or <0. */
int registry_windows_info_fs(struct fs *fs, json_t *out, struct err *err);
/* The same from a loaded registry (what info and the report show). */
void registry_windows_json(const struct registry *reg, json_t *out);

/* The state of one hive as a JSON evidence item ({"kind": "hive",
 * "hive", "path", "state", "dirty", "sequence", "logs", "view", ...});
 * a new reference. */
json_t *registry_hive_json(const struct reg_hive_info *hi);

/* Called once by scan_open() after the volume is mounted: fill s->windows
 * (product_name, current_version, build, control_set) and add warnings
 * (dirty hives, control sets that differ).  Never fails the scan. */
void registry_fill_windows(const struct evidence *ev);

#endif
