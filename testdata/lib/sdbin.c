#include "sdbin.h"

#include <string.h>

#include "sddl.h"
#include "secdesc.h"

int sdbin_from_sddl(const char *sddl, uint8_t **bin, size_t *len, struct err *err)
{
	struct secdesc sd;
	size_t off = 0;
	int rc;

	*bin = NULL;
	*len = 0;
	memset(&sd, 0, sizeof(sd));
	rc = sddl_decode(sddl, &sd, &off, err);
	if (rc >= 0)
		rc = secdesc_encode(&sd, bin, len, err);
	secdesc_release(&sd);
	return rc < 0 ? err_wrap(err, "sddl '%s'", sddl) : 0;
}
