/* File ACL lookups: a file's or folder's security descriptor on the
 * Windows volume, read and parsed (parsers/secdesc.h), and cause 1's walk
 * of the WinSxS objects the System Writer enumerates.  The judges of
 * cause 1 and the baseline, and the repair of cause 1, go through here,
 * never to the file system themselves. */
#ifndef VSSD_FILE_ACL_H
#define VSSD_FILE_ACL_H

#include <jansson.h>
#include <stdint.h>

#include "access.h"
#include "evidence.h"
#include "secdesc.h"

/* The descriptor of path on ev's volume (by_inode: of inode, from a
 * directory listing of an image, with no path lookup).  1 (sd filled:
 * secdesc_release it), 0 (no such object), <0 (unreadable or invalid: err
 * says why; sd needs no release). */
int file_acl_read(const struct evidence *ev, const char *path, uint64_t inode,
		  int by_inode, struct secdesc *sd, struct err *err);

/* What the System Writer needs (rules/README.md "cause1"):
 * - a folder it enumerates: FILE_LIST_DIRECTORY (FindFirstFile opens it
 *   with FILE_LIST_DIRECTORY | SYNCHRONIZE and reads the entries, their
 *   attributes included, from the folder's index) and FILE_TRAVERSE (it
 *   then opens what it found by full path); READ_ATTRIBUTES of the folder
 *   itself is not asked for;
 * - a file: FILE_READ_DATA and FILE_READ_ATTRIBUTES (it opens and hashes
 *   the file for the backup's metadata). */
#define FILE_ACL_NEED_FOLDER (FILE_READ_DATA | FILE_EXECUTE)
#define FILE_ACL_NEED_FILE   (FILE_READ_DATA | FILE_READ_ATTRIBUTES)

/* NULL-terminated defaults of rules/cause1.json's params: the paths
 * walked, the writer's token (CryptSvc as NETWORK SERVICE), and
 * LocalSystem's token (SYSTEM, Administrators, Everyone, Authenticated
 * Users). */
extern const char *const file_acl_winsxs_paths[];
extern const char *const file_acl_writer_token[];
extern const char *const file_acl_system_token[];

enum file_acl_seen {
	FILE_ACL_OBJECT,             /* sd read: need and writer filled */
	FILE_ACL_ABSENT,             /* a walked path that is not on the volume */
	FILE_ACL_UNREADABLE,         /* error says why */
};

/* One object of the walk, valid during the callback only. */
struct file_acl_obj {
	enum file_acl_seen seen;
	const char *path;            /* on the volume; the raw path when it
				      * could not be expanded */
	int top;                     /* one of the walked paths itself */
	int is_dir;
	const struct secdesc *sd;
	uint32_t need;               /* FILE_ACL_NEED_FOLDER or _FILE */
	uint32_t writer;             /* the writer token's effective rights */
	const struct token *token;   /* the writer's token */
	const struct err *error;
};

/* 0 to go on, <0 to stop the walk (err set). */
typedef int (*file_acl_fn)(void *ctx, const struct file_acl_obj *o, struct err *err);

/* Cause 1's walk: each of paths (a JSON array of strings that may start
 * with %SystemRoot%; not an array: file_acl_winsxs_paths), then, for a
 * folder that is no reparse point, each of its entries (by inode on an
 * image), judged against the token of writer (a JSON array as
 * acl_token_from takes; not an array: file_acl_writer_token).  Streams:
 * nothing is kept.  0, or <0 (writer invalid, or fn stopped it: err). */
int file_acl_winsxs_walk(const struct evidence *ev, json_t *paths, json_t *writer,
			 file_acl_fn fn, void *ctx, struct err *err);

#endif
