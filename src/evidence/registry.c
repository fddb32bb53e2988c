/* Registry collector (stub until issue 4 lands). */
#include "registry.h"

int registry_windows_info_fs(struct fs *fs, json_t *out, struct err *err)
{
	(void)fs; (void)out;
	return err_set(err, -E_UNSUPPORTED, "not implemented: registry collector");
}

void registry_fill_windows(struct scan *s)
{
	(void)s;
}
