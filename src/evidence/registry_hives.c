/* One hive file of the volume (registry.h "the volume's registry"): read
 * in place or copied, its base block's dirty state, the transaction logs
 * beside it replayed in memory (parsers/hivelog.c), and that state as a
 * JSON evidence item. */
#define _GNU_SOURCE
#include "registry.h"
#include "registry_priv.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "hivelog.h"
#include "limits.h"
#include "windir.h"

void reg_warn(struct registry *reg, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	json_array_append_new(reg->warnings, json_string(buf));
}

static void add_log_name(struct reg_hive_info *hi, const char *suffix)
{
	size_t l = strlen(hi->logs);

	snprintf(hi->logs + l, sizeof(hi->logs) - l, "%s%s%s",
		 l ? ", " : "", hi->name, suffix);
}

int registry_read_log(struct fs *fs, const char *hive_path, const char *suffix,
		      uint8_t **buf, size_t *len, struct err *err)
{
	char path[LIMIT_WINDIR_LEN + 48];

	snprintf(path, sizeof(path), "%s%s", hive_path, suffix);
	return fs_read_file(fs, path, LIMIT_HIVELOG_SIZE, buf, len, err);
}

/* Read one log file beside the hive: 1 read, 0 absent, <0 error. */
static int read_log(struct fs *fs, const struct reg_hive_info *hi,
		    const char *suffix, uint8_t **buf, size_t *len,
		    struct err *err)
{
	return registry_read_log(fs, hi->path, suffix, buf, len, err);
}

/* Replay hi's logs onto data.  Returns the image to open (data itself
 * or the replayed copy, data then freed) and fills hi->view. */
static uint8_t *replay_logs(struct fs *fs, struct registry *reg,
			    struct reg_hive_info *hi, uint8_t *data,
			    size_t *len)
{
	uint8_t *l1 = NULL, *l2 = NULL;
	size_t l1len = 0, l2len = 0;
	struct hivelog_result res;
	struct err e;
	int rc;

	err_init(&e);
	/* XP keeps one old-format SYSTEM.LOG; Vista and later LOG1/LOG2 */
	rc = read_log(fs, hi, ".LOG1", &l1, &l1len, &e);
	if (rc == 0)
		rc = read_log(fs, hi, ".LOG", &l1, &l1len, &e);
	if (rc < 0)
		reg_warn(reg, "hive %s: cannot read its log: %s", hi->name, e.msg);
	err_init(&e);
	rc = read_log(fs, hi, ".LOG2", &l2, &l2len, &e);
	if (rc < 0)
		reg_warn(reg, "hive %s: cannot read %s.LOG2: %s", hi->name, hi->name, e.msg);
	err_init(&e);
	rc = hivelog_replay(data, *len, l1, l1len, l2, l2len, &res, &e);
	free(l1);
	free(l2);
	if (rc < 0) {
		snprintf(hi->view, sizeof(hi->view),
			 "the primary file only (log replay failed: %.180s)", e.msg);
	} else if (rc == 0 || !res.data) {
		snprintf(hi->view, sizeof(hi->view),
			 "the primary file only (no log entry applies: %.180s)",
			 res.stop[0] ? res.stop : "nothing to replay");
	} else {
		free(data);
		data = res.data;
		*len = res.len;
		res.data = NULL;
		hi->replayed = 1;
		hi->entries_applied = res.entries_applied;
		snprintf(hi->log_format, sizeof(hi->log_format), "%s", res.format);
		snprintf(hi->view, sizeof(hi->view),
			 "the hive replayed in memory with %s%s%s (%u %s-format log entr%s)",
			 (res.logs_used & HIVELOG_LOG1) ? "LOG1" : "",
			 (res.logs_used & HIVELOG_LOG1) && (res.logs_used & HIVELOG_LOG2) ? " and " : "",
			 (res.logs_used & HIVELOG_LOG2) ? "LOG2" : "",
			 res.entries_applied, res.format,
			 res.entries_applied == 1 ? "y" : "ies");
	}
	hivelog_result_release(&res);
	return data;
}

void reg_load_hive(struct fs *fs, struct registry *reg,
		   struct reg_hive_info *hi, const char *name, int replay)
{
	static const char *const suffixes[] = { ".LOG", ".LOG1", ".LOG2" };
	uint8_t *data = NULL, *primary = NULL;
	const uint8_t *lent = NULL;
	size_t len = 0, plen = 0, i;
	struct fs_data fd;
	struct fs_stat st;
	struct err e;
	int rc;

	snprintf(hi->name, sizeof(hi->name), "%s", name);
	snprintf(hi->path, sizeof(hi->path), "%s\\" WINDIR_CONFIG "\\%s", reg->windir, name);
	err_init(&hi->err);
	/* read in place when the volume allows (issue 22): no copy of a hive
	 * that is opened as it is; a dirty one is copied for the replay */
	rc = fs_read_file_ref(fs, hi->path, LIMIT_HIVE_SIZE, FS_READ_SLACK, &fd, &hi->err);
	data = fd.owned;
	len = fd.len;
	if (rc == 1 && !data)
		lent = fd.p;
	if (rc <= 0)
		fs_data_release(&fd);
	if (rc == 0) {
		hi->state = REG_HIVE_ABSENT;
		err_set(&hi->err, -E_NOTFOUND, "'%s' is absent", hi->path);
		reg_warn(reg, "hive %s: '%s' is absent", name, hi->path);
		return;
	}
	if (rc < 0) {
		hi->state = REG_HIVE_BAD;
		err_wrap(&hi->err, "'%s'", hi->path);
		reg_warn(reg, "hive %s cannot be read: %s", name, hi->err.msg);
		return;
	}
	hi->size = len;
	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
		char path[sizeof(hi->path) + 8];

		err_init(&e);
		snprintf(path, sizeof(path), "%s%s", hi->path, suffixes[i]);
		if (fs_stat(fs, path, &st, &e) == 1 && !st.is_dir && st.size > 0)
			add_log_name(hi, suffixes[i]);
	}
	snprintf(hi->view, sizeof(hi->view), "the primary file");
	if (len >= 4096 && memcmp(lent ? lent : data, "regf", 4) == 0) {
		const uint8_t *b = lent ? lent : data;

		/* base block (REGF format document, "File header"):
		 * 0x04 primary sequence number, 0x08 secondary sequence
		 * number, 0x1fc XOR-32 checksum of the first 508 bytes */
		hi->seq1 = le32(b + 0x04);
		hi->seq2 = le32(b + 0x08);
		hi->checksum_bad = le32(b + 0x1FC) != hivelog_checksum(b);
		hi->dirty = hi->seq1 != hi->seq2 || hi->checksum_bad;
	}
	if (lent && hi->dirty && replay && hi->logs[0]) {
		/* the replay path works on a copy, as it always did */
		data = calloc(1, len + FS_READ_SLACK);
		if (!data) {
			hi->state = REG_HIVE_BAD;
			err_set(&hi->err, -E_NOMEM, "out of memory");
			reg_warn(reg, "hive %s cannot be read: %s", name, hi->err.msg);
			return;
		}
		memcpy(data, lent, len);
		lent = NULL;
	}
	if (hi->dirty) {
		if (!replay)
			snprintf(hi->view, sizeof(hi->view), "the primary file only (--no-replay)");
		else if (!hi->logs[0])
			snprintf(hi->view, sizeof(hi->view),
				 "the primary file only (no transaction logs beside it)");
		else {
			/* keep the primary in case the replayed image does
			 * not open */
			primary = malloc(len);
			if (primary) {
				memcpy(primary, data, len);
				plen = len;
			}
			data = replay_logs(fs, reg, hi, data, &len);
		}
	}
	err_init(&hi->err);
	if (lent)
		rc = hive_open_lent(&hi->hive, name, lent, len, &hi->err);
	else
		rc = hive_open_memory(&hi->hive, name, data, len, &hi->err);
	if (rc < 0 && hi->replayed && primary) {
		reg_warn(reg, "hive %s: the replayed hive cannot be opened (%s); using the primary file",
			 name, hi->err.msg);
		hi->replayed = 0;
		snprintf(hi->view, sizeof(hi->view),
			 "the primary file only (the replayed hive did not open)");
		err_init(&hi->err);
		rc = hive_open_memory(&hi->hive, name, primary, plen, &hi->err);
		primary = NULL;
	}
	free(primary);
	if (rc < 0) {
		hi->state = REG_HIVE_BAD;
		{
			/* "hive SYSTEM: why" -> "hive SYSTEM cannot be read: why" */
			const char *why = hi->err.msg;
			size_t pl = strlen(name) + 7;

			if (strncmp(why, "hive ", 5) == 0 && strlen(why) > pl)
				why += pl;
			reg_warn(reg, "hive %s cannot be read: %s", name, why);
		}
		return;
	}
	hi->state = REG_HIVE_OK;
	if (hi->dirty)
		reg_warn(reg, "hive %s is dirty (sequence numbers %u/%u%s; logs: %s): verdicts come from %s",
			 name, hi->seq1, hi->seq2, hi->checksum_bad ? ", bad checksum" : "",
			 hi->logs[0] ? hi->logs : "none", hi->view);
}

json_t *registry_hive_json(const struct reg_hive_info *hi)
{
	static const char *const states[] = { "ok", "absent", "unreadable" };
	json_t *ev = json_object(), *logs = json_array();
	char tmp[96], *save = NULL, *t;

	json_object_set_new(ev, "kind", json_string("hive"));
	json_object_set_new(ev, "hive", json_string(hi->name));
	json_object_set_new(ev, "path", json_string(hi->path));
	json_object_set_new(ev, "state", json_string(states[hi->state]));
	if (hi->state != REG_HIVE_OK)
		json_object_set_new(ev, "error", json_string(hi->err.msg));
	if (hi->size) {
		json_object_set_new(ev, "dirty", json_boolean(hi->dirty));
		json_object_set_new(ev, "sequence", json_pack("[I,I]", (json_int_t)hi->seq1,
							      (json_int_t)hi->seq2));
		json_object_set_new(ev, "checksum_ok", json_boolean(!hi->checksum_bad));
	}
	snprintf(tmp, sizeof(tmp), "%s", hi->logs);
	for (t = strtok_r(tmp, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
		json_array_append_new(logs, json_string(t));
	json_object_set_new(ev, "logs", logs);
	if (hi->dirty) {
		json_object_set_new(ev, "replayed", json_boolean(hi->replayed));
		if (hi->replayed) {
			json_object_set_new(ev, "log_format", json_string(hi->log_format));
			json_object_set_new(ev, "entries_applied", json_integer(hi->entries_applied));
		}
		json_object_set_new(ev, "view", json_string(hi->view));
	}
	return ev;
}
