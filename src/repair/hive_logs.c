/* A dirty hive repaired: its transaction logs replayed into TARGET.
 *
 * The scan reads a dirty SYSTEM or SOFTWARE hive through its logs
 * replayed in memory (parsers/hivelog.c, registry_hives.c); the repair
 * replays them the same way and writes the result as a clean hive:
 * primary sequence = secondary sequence, set one past every sequence
 * number the primary and its logs carry (hive_edit_seal adds the one),
 * the last written timestamp now, checksum and hive bins size right
 * (the plan's value edits go into the same bytes, apply.c).
 *
 * The .LOG1/.LOG2 (.LOG) files are left as they are.  Windows reads them
 * only to recover a dirty hive: a primary whose sequence numbers match and
 * whose checksum is right is loaded as it is (M. Suhanov, "Windows
 * registry file format specification", "Dirty state of a hive" and
 * "Format of transaction log files"; the libyal REGF document, "File
 * header" and "The transaction log variant 1 and 2 file").  Were the hive
 * dirty again later, a new-format log entry older than the primary's
 * secondary sequence number is not applied, and an old-format log written
 * before the primary's last written timestamp is not either: the hive
 * written here is newer than both.  Leaving them writes nothing more and
 * the undo journal has nothing more to give back.
 *
 * A dirty hive whose logs do not replay (absent, corrupt, older than the
 * primary) cannot be repaired offline: for SYSTEM, which the plan edits,
 * the repair is refused with one line naming the log and why. */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "fs.h"
#include "hivelog.h"
#include "registry.h"

/* The logs beside one hive, named as on the volume. */
struct hive_logs {
	uint8_t *l1, *l2;
	size_t l1len, l2len;
	char n1[24], n2[24];         /* "SYSTEM.LOG1", "" when absent */
};

static void logs_release(struct hive_logs *l)
{
	free(l->l1);
	free(l->l2);
}

/* LOG1 (XP: LOG) and LOG2; 0, or <0 when one cannot be read */
static int logs_read(struct fs *fs, const struct reg_hive_info *hi, struct hive_logs *l,
		     struct err *err)
{
	const char *suffix = ".LOG1";
	int rc;

	memset(l, 0, sizeof(*l));
	rc = registry_read_log(fs, hi->path, suffix, &l->l1, &l->l1len, err);
	if (rc == 0) {
		suffix = ".LOG";
		rc = registry_read_log(fs, hi->path, suffix, &l->l1, &l->l1len, err);
	}
	if (rc < 0)
		return err_wrap(err, "%s%s", hi->name, suffix);
	if (rc > 0)
		snprintf(l->n1, sizeof(l->n1), "%s%s", hi->name, suffix);
	rc = registry_read_log(fs, hi->path, ".LOG2", &l->l2, &l->l2len, err);
	if (rc < 0)
		return err_wrap(err, "%s.LOG2", hi->name);
	if (rc > 0)
		snprintf(l->n2, sizeof(l->n2), "%s.LOG2", hi->name);
	return 0;
}

/* res->stop with hivelog's "log1"/"log2" named as the files are */
static void stop_named(const struct hivelog_result *res, const struct hive_logs *l,
		       const char *hive, char *out, size_t size)
{
	const char *p = res->stop;
	char n1[24], n2[24];
	size_t n = 0;

	snprintf(n1, sizeof(n1), "%s", l->n1[0] ? l->n1 : hive);
	snprintf(n2, sizeof(n2), "%s.LOG2", hive);
	if (!l->n1[0])
		snprintf(n1 + strlen(n1), sizeof(n1) - strlen(n1), ".LOG1");
	while (*p && n + 1 < size) {
		const char *name = strncmp(p, "log1", 4) == 0 ? n1 :
				   strncmp(p, "log2", 4) == 0 ? n2 : NULL;

		if (name) {
			n += (size_t)snprintf(out + n, size - n, "%s", name);
			p += 4;
			if (n >= size)
				n = size - 1;
		} else {
			out[n++] = *p++;
		}
	}
	out[n] = '\0';
}

/* The highest sequence number of a log's base block, or of the primary */
static uint32_t seq_max(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b) < 0 ? b : a;
}

static uint32_t log_seq(const uint8_t *log, size_t len)
{
	return log && len >= 512 && memcmp(log, "regf", 4) == 0 ? seq_max(le32(log + 4), le32(log + 8)) : 0;
}

/* The result of a replay made ready to be sealed: sequence numbers set to
 * the highest of the primary, the logs and the entries applied (the seal
 * advances both by one, past all of them). */
static void replay_settle(const struct hivelog_result *res, const struct hive_logs *l,
			  struct hive_replay *r)
{
	uint32_t seq = seq_max(res->primary_seq1, res->primary_seq2);

	seq = seq_max(seq, res->last_seq);
	seq = seq_max(seq, le32(r->data + 4));
	seq = seq_max(seq, log_seq(l->l1, l->l1len));
	seq = seq_max(seq, log_seq(l->l2, l->l2len));
	put_le32(r->data + 0x04, seq);                    /* 0x04 primary sequence */
	put_le32(r->data + 0x08, seq);                    /* 0x08 secondary sequence */
	put_le32(r->data + 0x1fc, hivelog_checksum(r->data));
}

/* The headline, before and after of the plan's change for r. */
static int replay_change(struct plan *p, const struct hive_replay *r,
			 const struct hivelog_result *res, const struct hive_logs *l,
			 const struct reg_hive_info *hi)
{
	struct change *c = change_add_at(p, "hive-dirty", r->hive, CHANGE_HIVE_LOGS, r->path,
					 "transaction logs");
	char used[64];

	if (!c)
		return -1;
	snprintf(used, sizeof(used), "%s%s%s",
		 (res->logs_used & HIVELOG_LOG1) ? l->n1 : "",
		 (res->logs_used & HIVELOG_LOG1) && (res->logs_used & HIVELOG_LOG2) ? " and " : "",
		 (res->logs_used & HIVELOG_LOG2) ? l->n2 : "");
	if (asprintf(&c->why, "hive %s: %u dirty page%s from %s replayed (%u %s-format log entr%s)",
		     r->name, res->pages_applied, res->pages_applied == 1 ? "" : "s", used,
		     res->entries_applied, res->format, res->entries_applied == 1 ? "y" : "ies") < 0)
		c->why = NULL;
	if (asprintf(&c->before, "dirty (sequence numbers %u/%u%s), %zu bytes; its newest data only in %s",
		     hi->seq1, hi->seq2, hi->checksum_bad ? ", bad checksum" : "", r->primary_len,
		     used) < 0)
		c->before = NULL;
	if (asprintf(&c->after, "clean (sequence numbers %u/%u, past every log entry), %zu bytes%s; "
		     "%s%s%s left as %s (Windows replays logs only into a dirty hive)",
		     le32(r->data + 4) + 1, le32(r->data + 4) + 1, r->len,
		     r->len > r->primary_len ? " (the file grows)" : "",
		     l->n1, l->n1[0] && l->n2[0] ? " and " : "", l->n2,
		     l->n1[0] && l->n2[0] ? "they are" : "it is") < 0)
		c->after = NULL;
	return c->why && c->before && c->after ? 0 : -1;
}

/* Replay hi's logs into *r: 1 done, 0 they do not replay (why says which
 * log and why, one line), <0 out of memory */
static int replay_one(struct scan *s, const struct reg_hive_info *hi, struct hive_replay *r,
		      struct hivelog_result *res, struct hive_logs *l, char *why, size_t whylen)
{
	uint8_t *prim = NULL;
	size_t plen = 0;
	struct err err;
	int rc;

	hivelog_result_init(res);
	memset(r, 0, sizeof(*r));
	err_init(&err);
	if (fs_read_file(s->ev.fs, hi->path, LIMIT_HIVE_SIZE, &prim, &plen, &err) <= 0 ||
	    logs_read(s->ev.fs, hi, l, &err) < 0) {
		free(prim);
		snprintf(why, whylen, "%.300s", err.msg);
		return 0;
	}
	if (!l->n1[0] && !l->n2[0]) {
		free(prim);
		snprintf(why, whylen, "no transaction logs beside it");
		return 0;
	}
	rc = hivelog_replay(prim, plen, l->l1, l->l1len, l->l2, l->l2len, res, &err);
	free(prim);
	if (rc < 0) {
		snprintf(why, whylen, "%.300s", err.msg);
		return err.code == -E_NOMEM ? -1 : 0;
	}
	if (rc == 0 || !res->data) {
		stop_named(res, l, hi->name, why, whylen);
		return 0;
	}
	snprintf(r->name, sizeof(r->name), "%s", hi->name);
	snprintf(r->path, sizeof(r->path), "%s", hi->path);
	r->data = res->data;
	r->len = res->len;
	r->primary_len = plen;
	res->data = NULL;
	replay_settle(res, l, r);
	return 1;
}

int hive_logs_prepare(struct scan *s, struct plan *p)
{
	struct registry *reg = NULL;
	struct err err;
	int k;

	err_init(&err);
	if (registry_get(&s->ev, &reg, &err) < 0)
		return repair_refuse("the registry cannot be read: %s", err.msg);
	for (k = 0; k < 2; k++) {
		const struct reg_hive_info *hi = k == 0 ? &reg->system : &reg->software;
		struct hive_replay *r = &p->replay[p->nreplay];
		struct hivelog_result res;
		struct hive_logs l;
		char why[320];
		int rc;

		if (hi->state != REG_HIVE_OK || !hi->dirty)
			continue;
		rc = replay_one(s, hi, r, &res, &l, why, sizeof(why));
		r->hive = k == 0 ? HIVE_SYSTEM : HIVE_SOFTWARE;
		if (rc > 0 && replay_change(p, r, &res, &l, hi) < 0)
			rc = -1;
		if (rc > 0)
			p->nreplay++;
		hivelog_result_release(&res);
		logs_release(&l);
		if (rc < 0) {
			free(r->data);
			r->data = NULL;
			fprintf(stderr, "vssdoctor: repair: out of memory\n");
			return 2;
		}
		if (rc == 0 && k == 0)
			return repair_refuse("the SYSTEM hive is dirty and its transaction logs do not replay (%s): boot Windows once, or restore the hive",
					     why);
		if (rc == 0)
			p->unreplayed = 1;
	}
	return 0;
}

void plan_hive_logs(struct plan *p)
{
	if (p->nreplay && !p->unreplayed)
		fixing_add(p, "hive-dirty");
}

const struct hive_replay *hive_replay_of(const struct plan *p, const char *path)
{
	size_t i;

	for (i = 0; i < p->nreplay; i++)
		if (strcasecmp(p->replay[i].path, path) == 0)
			return &p->replay[i];
	return NULL;
}

void hive_replays_free(struct plan *p)
{
	size_t i;

	for (i = 0; i < p->nreplay; i++)
		free(p->replay[i].data);
	p->nreplay = 0;
}
