#define _GNU_SOURCE
#include <stdio.h>

#include "checks.h"

int check_not_implemented(struct result *res, const char *what)
{
	res->status = STATUS_UNKNOWN;
	if (asprintf(&res->summary, "not implemented: %s", what) < 0)
		res->summary = NULL;
	return 0;
}
