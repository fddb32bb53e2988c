/* What the parts of the registry collector share (registry.c,
 * registry_hives.c, registry_load.c); not for other files. */
#ifndef VSSD_REGISTRY_PRIV_H
#define VSSD_REGISTRY_PRIV_H

#include "registry.h"

/* A hive read in place (fs_read_file_ref): data stays the volume's, valid
 * FS_READ_SLACK bytes past len, and is only read.  0 or <0. */
int hive_open_lent(struct hive **out, const char *name,
		   const uint8_t *data, size_t len, struct err *err);

/* A warning line for reg->warnings (printf style). */
void reg_warn(struct registry *reg, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Read hive name ("SYSTEM") of reg->windir into hi: its state, dirty
 * state and logs, replayed in memory when replay is set and logs are
 * there.  Problems go to hi->err and reg->warnings. */
void reg_load_hive(struct fs *fs, struct registry *reg,
		   struct reg_hive_info *hi, const char *name, int replay);

#endif
