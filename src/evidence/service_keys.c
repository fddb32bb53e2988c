/* Service registrations beyond Services\<name> (service_keys.h). */
#include "service_keys.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "bytes.h"
#include "filetime.h"
#include "limits.h"

/* ---- svchost groups ------------------------------------------------------ */

void svchost_groups_init(struct svchost_groups *g, struct registry *reg)
{
	memset(g, 0, sizeof(*g));
	g->reg = reg;
	g->state = -1;
}

void svchost_groups_release(struct svchost_groups *g)
{
	hkey_free(g->key);
	g->key = NULL;
}

int svchost_groups_lists(struct svchost_groups *g, const char *group,
			 const char *name)
{
	char **list = NULL;
	size_t n = 0, i;
	struct err e;
	int rc;

	if (g->state < 0) {
		struct hive *sw;

		g->state = 0;
		err_init(&g->err);
		if (registry_software(g->reg, &sw, &g->err) == 0) {
			rc = hive_key(sw, SVCHOST_KEY, &g->key, &g->err);
			if (rc == 1)
				g->state = 1;
			else if (rc == 0)
				g->state = 2;   /* no Svchost key at all */
		}
	}
	if (g->state == 0)
		return -2;
	if (g->state == 2)
		return -1;
	err_init(&e);
	rc = hkey_get_multi(g->key, group, &list, &n, &e);
	if (rc < 0) {
		g->err = e;
		return -2;
	}
	if (rc == 0)
		return -1;
	rc = 0;
	for (i = 0; i < n; i++)
		if (strcasecmp(list[i], name) == 0)
			rc = 1;
	reg_strv_free(list);
	return rc;
}

/* ---- VSS Diag\System Writer ---------------------------------------------- */

static int diag_value(void *ctx, const char *name, const struct reg_value *v)
{
	struct vss_diag *d = ctx;
	char when[32];
	uint64_t ft;

	if (v->len < 16)
		return 0;
	ft = le64(v->data + 8);
	filetime_iso8601(ft, FILETIME_1970_9999 | FILETIME_EPOCH_UNSET, when,
			 sizeof(when));
	if (!when[0])
		return 0;
	if (ft > d->last) {
		d->last = ft;
		snprintf(d->last_name, sizeof(d->last_name), "%s", name);
	}
	if (d->n++ < LIMIT_EVIDENCE_ITEMS)
		json_array_append_new(d->events, json_pack("{s:s,s:s}", "event", name, "time", when));
	return 0;
}

int vss_diag_read(struct hive *sys, const char *cs, struct vss_diag *out)
{
	struct hkey *k = NULL;
	struct err e;

	memset(out, 0, sizeof(*out));
	snprintf(out->path, sizeof(out->path), "%s\\Services\\VSS\\Diag\\System Writer", cs);
	err_init(&e);
	if (hive_key(sys, out->path, &k, &e) != 1)
		return 0;
	out->events = json_array();
	if (hkey_foreach_value(k, diag_value, out, &e) < 0 || out->n == 0) {
		json_decref(out->events);
		out->events = NULL;
		hkey_free(k);
		return 0;
	}
	hkey_free(k);
	return 1;
}

void vss_diag_release(struct vss_diag *d)
{
	json_decref(d->events);
	d->events = NULL;
}

/* ---- Event System subscriptions ------------------------------------------ */

static int count_value(void *ctx, const char *name, const struct reg_value *v)
{
	(void)name;
	(void)v;
	(*(unsigned *)ctx)++;
	return 0;
}

static int count_subscription(void *ctx, struct hkey *sub, const char *name)
{
	struct subscriptions *sc = ctx;
	struct err e;

	(void)name;
	sc->subs++;
	err_init(&e);
	/* a subscription whose values cannot be listed counts what was read */
	(void)hkey_foreach_value(sub, count_value, &sc->values, &e);
	return 0;
}

int subscriptions_count(struct hive *sw, struct subscriptions *out,
			struct err *err)
{
	struct hkey *k = NULL;
	int rc;

	memset(out, 0, sizeof(*out));
	rc = hive_key(sw, SUBSCRIPTIONS_KEY, &k, err);
	out->exists = rc == 1 ? 1 : rc == 0 ? 0 : -1;
	if (rc == 1)
		rc = hkey_foreach_subkey(k, count_subscription, out, err);
	hkey_free(k);
	return rc < 0 ? rc : 0;
}
