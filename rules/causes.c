/* The four causes of the seed (DOMAIN.md): always judged, always in the
 * report, in this order, even when the rules folder lacks one (rules.h). */
#include "rules.h"

const struct seed_cause seed_causes[SEED_CAUSES] = {
	{ "cause1", "File permissions lost under WinSxS" },
	{ "cause2", "A service the System Writer needs is not running" },
	{ "cause3", "Service security descriptors lost" },
	{ "cause4", "Too many folders under the .NET Framework directory" },
};
