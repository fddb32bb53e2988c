/* The Windows directory: where the installation lives on its volume, how
 * Windows spells it (SystemRoot, e.g. "C:\WINNT"), and which drive letter
 * each volume of the image had.  One helper for every check that needs
 * %SystemRoot% (causes 1 and 4, the service binaries, the event logs,
 * the baseline, every fix command).
 *
 * Found as Windows finds it: the boot loader starts the installation
 * whose hive is <folder>\System32\config\SYSTEM, and SOFTWARE
 * Microsoft\Windows NT\CurrentVersion SystemRoot names it ("C:\WINNT").
 * So a volume holds Windows when a top-level folder holds that hive
 * (names compared case-insensitively, as NTFS does); SystemRoot confirms
 * the folder and gives its drive letter (without it, a Windows Boot Loader
 * of the volume's Boot\BCD naming the folder does: registry_load.c
 * load_bcd_root); SYSTEM\MountedDevices gives the
 * letters of the other volumes (parsers/mountdev.h). */
#ifndef VSSD_WINDIR_H
#define VSSD_WINDIR_H

#include <stddef.h>

#include "fs.h"
#include "limits.h"
#include "evidence.h"
#include "volume.h"

/* Below the Windows folder: the hives and the event logs. */
#define WINDIR_CONFIG "System32\\config"
/* What makes a top-level folder a Windows folder: this hive below it
 * (named in messages as "<folder>\\" WINDIR_MARKER). */
#define WINDIR_MARKER WINDIR_CONFIG "\\SYSTEM"
#define WINDIR_LOGS "System32\\winevt\\Logs"

struct windir_list {
	unsigned count;          /* names[0..count), sorted case-insensitively */
	unsigned skipped;        /* more than LIMIT_WINDIR_CANDIDATES, a name
				  * longer than LIMIT_WINDIR_LEN, or folders
				  * past LIMIT_WINDIR_ROOT_DIRS (not looked at) */
	int truncated;           /* the root holds more than
				  * LIMIT_WINDIR_ROOT_DIRS folders */
	char names[LIMIT_WINDIR_CANDIDATES][LIMIT_WINDIR_LEN];
};

/* The top-level folders of fs that hold System32\config\SYSTEM as a file
 * (the names as stored on the volume).  0, or <0 when the root cannot be
 * listed.  A folder that cannot be looked into is not a candidate. */
int windir_candidates(struct fs *fs, struct windir_list *out,
		      struct err *err);

/* The installation of fs: 1 found (folder: its name as on the volume),
 * 0 none, <0 error (-E_LIMIT: none among the first
 * LIMIT_WINDIR_ROOT_DIRS top-level folders, and there are more).  With several candidates the one whose own SOFTWARE
 * hive names it in SystemRoot wins (else the first); *others gets how
 * many were passed over (others may be NULL). */
int windir_find(struct fs *fs, char *folder, size_t size, unsigned *others,
		struct err *err);

/* Split a SystemRoot value ("C:\WINNT", "\WINNT", "WINNT\") into its
 * drive letter (uppercase; 0 when it names none) and its folder below the
 * volume root without separators at either end ("" when none). */
void windir_split(const char *system_root, char *letter, char *folder,
		  size_t size);

/* path with a leading %SystemRoot% or %windir% (case-insensitive) made
 * relative to the volume: "%SystemRoot%\WinSxS\FileMaps" with folder
 * "WINNT" -> "WINNT\WinSxS\FileMaps".  Other paths are copied unchanged.
 * 0, or -E_LIMIT when out is too small. */
int windir_expand(const char *folder, const char *path, char *out,
		  size_t size, struct err *err);

/* The Windows folder on the evidence's volume ("WINNT"; "Windows" before
 * one was found) and its SystemRoot as Windows spells it ("C:\WINNT"). */
const char *evidence_windir(const struct evidence *ev);
const char *evidence_system_root(const struct evidence *ev);

/* evidence_windir(s) + '\' + rest ("System32\winevt\Logs\System.evtx")
 * into out.  0 or -E_LIMIT. */
int evidence_windir_path(const struct evidence *ev, const char *rest, char *out,
		     size_t size, struct err *err);

/* The drive letter of a SystemRoot ("C:\WINNT" -> 'C'; 'C' when it names
 * none). */
char windir_drive(const char *system_root);

/* dir + '\' + name into buf (no '\' when dir is ""); 0, or -E_LIMIT when
 * longer than size or LIMIT_PATH_LEN. */
int windir_join(char *buf, size_t size, const char *dir, const char *name,
		struct err *err);

/* After the registry is loaded: confirm the folder with SystemRoot, fill
 * s->system_root and s->system_letter, give the image's volumes their
 * drive letters from MountedDevices, and add system_root, windows_dir and
 * drive_letters to s->windows (warnings for what disagrees).  Never fails
 * the scan. */
void windir_settle(struct evidence *ev);

/* The file system of the volume with drive letter letter: 1 (*out
 * borrowed until evidence_release; the Windows volume for its own letter),
 * 0 (no volume of the image has that letter: err says "volume not in the
 * image"), <0 (that volume cannot be read: BitLocker, no NTFS, damaged;
 * err says why). */
int evidence_volume_fs(const struct evidence *ev, char letter, struct fs **out,
		   struct err *err);

/* With several volumes holding Windows: 1 when the installation in
 * folder on fs (volume v of vt) is the system volume of its own registry
 * (MountedDevices gives v the letter of its SystemRoot), 0 when not or
 * when it cannot tell, <0 out of memory. */
int windir_is_system_volume(struct fs *fs, const char *folder,
			    const struct volume_table *vt,
			    const struct volume_info *v, struct err *err);

#endif
