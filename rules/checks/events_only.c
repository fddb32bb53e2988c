/* The events-only check: a finding decided by its rule's "events" specs
 * alone (rules/scan.c runs them after every check). */
#include "checks.h"

/* A finding decided by its "events" specs alone: the engine upgrades it to
 * present when a spec that makes_present matches. */
static int events_only(const struct evidence *ev, const struct rule *r, struct result *res,
		       struct err *err)
{
	res->status = STATUS_ABSENT;
	return 0;
}

static const char *const events_vars[] = { NULL };
const struct check_def check_def_events = {
	"events", events_only, NULL, events_vars, CHECK_EVENTS_ONLY,
};
