/* Where the rule files are when the user does not say (--rules). */
#define _GNU_SOURCE
#include "rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Installed rules, else the source tree's rules beside the binary (a
 * build tree: build/vssdoctor -> rules/). */
const char *rules_default_dir(char *buf, size_t size)
{
	const char *env = getenv("VSSDOCTOR_RULES");
	char exe[2048];
	struct stat st;
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			snprintf(buf, size, "%s/../rules", exe);
			if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode) &&
			    strcmp(exe, "/usr/bin") != 0 && strcmp(exe, "/usr/local/bin") != 0)
				return buf;
			snprintf(buf, size, "%s/../share/vssdoctor/rules", exe);
			if (stat(buf, &st) == 0 && S_ISDIR(st.st_mode))
				return buf;
		}
	}
	return VSSD_RULES_DIR;
}
