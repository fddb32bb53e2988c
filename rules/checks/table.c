/* The table of checks rules can name.  Every `const struct check_def
 * check_def_NAME` defined in rules/checks is in it: the Makefile lists
 * them into checks_table.h (one CHECK(NAME) a line, like the test runner's
 * suites.h), so a new check is one new file and nothing to register by
 * hand. */
#include <string.h>

#include "checks.h"

#define CHECK(name) extern const struct check_def check_def_##name;
#include "checks_table.h"
#undef CHECK

static const struct check_def *const table[] = {
#define CHECK(name) &check_def_##name,
#include "checks_table.h"
#undef CHECK
};

const struct check_def *check_find(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strcmp(table[i]->name, name) == 0)
			return table[i];
	return NULL;
}
