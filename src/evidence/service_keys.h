/* What the registry holds about services beyond their Services\<name>
 * keys (services.h): the svchost groups of SOFTWARE, the VSS System
 * Writer's diagnostic log (Services\VSS\Diag\System Writer) and the COM+
 * Event System's subscriptions.  Readers only: what they mean is the
 * judges' (rules/checks). */
#ifndef VSSD_SERVICE_KEYS_H
#define VSSD_SERVICE_KEYS_H

#include <jansson.h>
#include <stdint.h>

#include "registry.h"

#define SVCHOST_KEY "Microsoft\\Windows NT\\CurrentVersion\\Svchost"
#define SUBSCRIPTIONS_KEY "Microsoft\\EventSystem\\{26c409cc-ae86-11d1-b616-00805fc79216}\\Subscriptions"

/* SOFTWARE\...\Svchost, opened on first use (caller storage; zero it with
 * svchost_groups_init, free with svchost_groups_release). */
struct svchost_groups {
	struct registry *reg;
	int state;                 /* -1 not opened, 0 SOFTWARE unusable,
				    * 1 opened, 2 no Svchost key */
	struct hkey *key;
	struct err err;            /* why a group could not be read */
};

void svchost_groups_init(struct svchost_groups *g, struct registry *reg);
void svchost_groups_release(struct svchost_groups *g);
/* Whether the REG_MULTI_SZ value group lists name (case-insensitively):
 * 1 listed, 0 not listed, -1 the group does not exist, -2 unknown
 * (g->err says why). */
int svchost_groups_lists(struct svchost_groups *g, const char *group,
			 const char *name);

/* Services\VSS\Diag\System Writer of control set cs: one value per writer
 * event, its FILETIME at byte 8. */
struct vss_diag {
	char path[128];            /* "ControlSet001\Services\VSS\Diag\System Writer" */
	json_t *events;            /* [{"event", "time"}], the first LIMIT_EVIDENCE_ITEMS */
	uint64_t last;             /* the newest event's time */
	char last_name[256];
	unsigned n;                /* events with a time */
};

/* 1 read (release with vss_diag_release), 0 no such key, no event or
 * unreadable. */
int vss_diag_read(struct hive *sys, const char *cs, struct vss_diag *out);
void vss_diag_release(struct vss_diag *d);

/* The Event System's subscriptions (SOFTWARE\SUBSCRIPTIONS_KEY): how many
 * subkeys, and values below them. */
struct subscriptions {
	int exists;                /* 1, 0, -1 unknown (the lookup failed) */
	unsigned subs, values;
};

/* 0, or <0 when the key or its subkeys could not be read (err says why,
 * out holds what was counted). */
int subscriptions_count(struct hive *sw, struct subscriptions *out,
			struct err *err);

#endif
