/* File ACL lookups (file_acl.h). */
#include "file_acl.h"

#include <stdlib.h>
#include <string.h>

int file_acl_read(const struct evidence *ev, const char *path, uint64_t inode,
		  int by_inode, struct secdesc *sd, struct err *err)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	int rc;

	memset(sd, 0, sizeof(*sd));
	rc = by_inode ? fs_get_security_inode(ev->fs, inode, &buf, &len, err)
		      : fs_get_security(ev->fs, path, &buf, &len, err);
	if (rc <= 0)
		return rc;
	rc = secdesc_parse(buf, len, sd, err);
	free(buf);
	if (rc < 0) {
		secdesc_release(sd);
		memset(sd, 0, sizeof(*sd));
		return rc;
	}
	return 1;
}
