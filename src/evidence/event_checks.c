/* The event-log collector (stub until it lands) and the events-only check. */
#include "checks.h"
#include "events.h"

int events_collect(struct scan *s, json_t *spec, json_t *out, struct err *err)
{
	(void)s; (void)spec; (void)out;
	return err_set(err, -E_UNSUPPORTED, "not implemented: event log collector");
}

/* A finding decided by its "events" specs alone: the engine upgrades it to
 * present when a spec that makes_present matches. */
static int events_only(struct scan *s, const struct rule *r, struct result *res,
		       struct err *err)
{
	res->status = STATUS_ABSENT;
	return 0;
}

const struct check_def check_def_events = { "events", events_only, NULL };
