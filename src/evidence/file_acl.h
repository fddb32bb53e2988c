/* File ACL lookups: a file's or folder's security descriptor on the
 * Windows volume, read and parsed (parsers/secdesc.h).  The judges of
 * cause 1 and the baseline go through here, never to the file system
 * themselves. */
#ifndef VSSD_FILE_ACL_H
#define VSSD_FILE_ACL_H

#include <stdint.h>

#include "evidence.h"
#include "secdesc.h"

/* The descriptor of path on ev's volume (by_inode: of inode, from a
 * directory listing of an image, with no path lookup).  1 (sd filled:
 * secdesc_release it), 0 (no such object), <0 (unreadable or invalid: err
 * says why; sd needs no release). */
int file_acl_read(const struct evidence *ev, const char *path, uint64_t inode,
		  int by_inode, struct secdesc *sd, struct err *err);

#endif
