/* Helpers the judges share (judge_util.h). */
#define _GNU_SOURCE
#include "judge_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "limits.h"
#include "windir.h"

const char *judge_vol_path(const struct evidence *ev, const char *p, char *buf,
			   size_t size, struct err *err)
{
	return windir_expand(evidence_windir(ev), p, buf, size, err) < 0 ? NULL : buf;
}

json_t *judge_real_path(const char *windir, const char *vol_path)
{
	char buf[LIMIT_PATH_LEN + 8];

	while (*vol_path == '\\' || *vol_path == '/')
		vol_path++;
	snprintf(buf, sizeof(buf), "%c:\\%s", windir_drive(windir), vol_path);
	return json_string(buf);
}

json_t *judge_param_list(const struct rule *r, const char *name,
			 const char *const *def, size_t ndef)
{
	json_t *v = rule_param(r, name), *a;
	size_t i;

	if (json_is_array(v))
		return json_incref(v);
	a = json_array();
	for (i = 0; a && i < ndef; i++)
		json_array_append_new(a, json_string(def[i]));
	return a;
}

char *judge_vprintf(const char *fmt, va_list ap)
{
	char *p = NULL;

	if (vasprintf(&p, fmt, ap) < 0)
		p = NULL;
	return p;
}

char *judge_printf(const char *fmt, ...)
{
	va_list ap;
	char *p;

	va_start(ap, fmt);
	p = judge_vprintf(fmt, ap);
	va_end(ap);
	return p;
}

int judge_verdict(struct result *res, int bad, int unreadable,
		  const struct err *why, struct err *err)
{
	if (bad) {
		res->status = STATUS_PRESENT;
		return 0;
	}
	if (unreadable)
		return err_set(err, why->code ? why->code : -E_CORRUPT, "%s", why->msg);
	res->status = STATUS_ABSENT;
	return 0;
}
