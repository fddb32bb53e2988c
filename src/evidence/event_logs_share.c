/* The event logs shared by the scans of one --shadows run
 * (events_share_begin, events.h). */
#define _GNU_SOURCE
#include "event_logs_priv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A shadow copy's log is often byte for byte the live one's or an older
 * copy's.  Between events_share_begin and events_share_end, an index is
 * built once per content (bytes compared in full) and filter, and every
 * scan whose log has those bytes uses it.  At most
 * LIMIT_EVENTS_SHARE_BYTES of log bytes are kept for the comparison. */
struct shared_log {
	char *file;
	uint8_t *bytes;
	size_t len;
	char *filter;               /* what the index keeps (evlogs_share_sig) */
	struct events_log *log;
	unsigned refs;              /* cached_logs using it */
	struct shared_log *next;
};

static struct {
	int on;
	size_t bytes;
	struct shared_log *head;
	pthread_mutex_t mu;
} share = { 0, 0, NULL, PTHREAD_MUTEX_INITIALIZER };

static void shared_free(struct shared_log *e)
{
	events_log_free(e->log);
	free(e->bytes);
	free(e->file);
	free(e->filter);
	free(e);
}

/* Drop the entries nobody uses once sharing is off (share.mu held). */
static void share_sweep(void)
{
	struct shared_log **pp = &share.head;

	while (*pp) {
		struct shared_log *e = *pp;

		if (!share.on && e->refs == 0) {
			*pp = e->next;
			share.bytes -= e->len;
			shared_free(e);
		} else {
			pp = &e->next;
		}
	}
}

void events_share_begin(void)
{
	pthread_mutex_lock(&share.mu);
	share.on = 1;
	pthread_mutex_unlock(&share.mu);
}

void events_share_end(void)
{
	pthread_mutex_lock(&share.mu);
	share.on = 0;
	share_sweep();
	pthread_mutex_unlock(&share.mu);
}

int evlogs_share_enabled(void)
{
	int on;

	pthread_mutex_lock(&share.mu);
	on = share.on;
	pthread_mutex_unlock(&share.mu);
	return on;
}

static void shared_put(struct shared_log *e)
{
	pthread_mutex_lock(&share.mu);
	e->refs--;
	share_sweep();
	pthread_mutex_unlock(&share.mu);
}

/* c gives up its log (its own, or its share of an entry's). */
void evlogs_cached_drop(struct cached_log *c)
{
	if (c->shared)
		shared_put(c->shared);
	else
		events_log_free(c->log);
	c->shared = NULL;
	c->log = NULL;
}

/* What j's index keeps, as one string (for sharing). */
char *evlogs_share_sig(const struct load_job *j)
{
	char *sig = NULL;
	size_t len = 0, i;
	FILE *f = open_memstream(&sig, &len);

	if (!f)
		return NULL;
	if (j->keep_all) {
		fputs("*", f);
	} else {
		for (i = 0; i < j->f.nproviders; i++)
			fprintf(f, "p%s\x1f", j->f.providers[i]);
		for (i = 0; j->f.services && i < j->f.nservices; i++)
			fprintf(f, "s%s\x1f", j->f.services[i]);
	}
	/* the rules' filter: providers, each with its ids (none: every id) */
	for (i = 0; j->rprov && i < j->nrprov; i++) {
		size_t k;

		fprintf(f, "r%s\x1f", j->rprov[i]);
		for (k = 0; j->rids && j->rids[i] && k < j->rnids[i]; k++)
			fprintf(f, "%u,", (unsigned)j->rids[i][k]);
		fputc('\x1e', f);
	}
	if (fclose(f) != 0) {
		free(sig);
		return NULL;
	}
	return sig;
}

/* An entry with j's bytes and filter, taken for j->c; 1 found, else 0. */
int evlogs_share_find(struct load_job *j, const char *sig)
{
	struct shared_log *e;
	int found = 0;

	pthread_mutex_lock(&share.mu);
	for (e = share.head; e && !found; e = e->next) {
		if (e->len != j->data.len || strcmp(e->file, j->d->file) != 0 ||
		    strcmp(e->filter, sig) != 0 || memcmp(e->bytes, j->data.p, j->data.len) != 0)
			continue;
		e->refs++;
		j->c->shared = e;
		j->c->log = e->log;
		found = 1;
	}
	pthread_mutex_unlock(&share.mu);
	return found;
}

/* Keep j's new index and a copy of its bytes for the scans after this
 * one (the bytes may be lent by the volume: they are copied). */
void evlogs_share_add(struct load_job *j, char *sig)
{
	struct shared_log *e = calloc(1, sizeof(*e));

	if (!e || !(e->file = strdup(j->d->file))) {
		free(e);
		free(sig);
		return;
	}
	e->filter = sig;
	e->len = j->data.len;
	e->log = j->c->log;
	e->refs = 1;
	pthread_mutex_lock(&share.mu);
	if (!share.on || share.bytes + j->data.len > LIMIT_EVENTS_SHARE_BYTES ||
	    !(e->bytes = malloc(j->data.len ? j->data.len : 1))) {
		pthread_mutex_unlock(&share.mu);
		e->log = NULL;
		shared_free(e);
		return;
	}
	memcpy(e->bytes, j->data.p, j->data.len);
	share.bytes += j->data.len;
	e->next = share.head;
	share.head = e;
	j->c->shared = e;
	pthread_mutex_unlock(&share.mu);
}

