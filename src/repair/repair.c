/* Offline repair (repair.h): scan SOURCE, refuse what is unsafe, then plan
 * (plan.c) or apply (apply.c).  SOURCE is only ever read. */
#define _GNU_SOURCE
#include "repair_priv.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "fs.h"
#include "history.h"
#include "image.h"
#include "registry.h"
#include "rules.h"

int repair_refuse(const char *fmt, ...)
{
	va_list ap;

	fputs("vssdoctor: repair refused: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return 2;
}

int repair_scan_source(struct scan *s, const struct scan_opts *o, const char *src,
		       struct image *img, const struct rule *rules, size_t nrules)
{
	struct err err;

	err_init(&err);
	if ((img ? scan_open_image(s, img, src, o, &err) : scan_open(s, src, o, &err)) < 0) {
		/* the locked line names the protectors and the options that
		 * open it (bde.h), never a secret */
		if (strstr(err.msg, "BitLocker volume is locked"))
			return repair_refuse("'%s' is a BitLocker volume without its secret: %s",
					     src, err.msg);
		fprintf(stderr, "vssdoctor: cannot read '%s': %s\n", src, err.msg);
		return 2;
	}
	err_init(&err);
	if ((o->shadows ? history_scan(s, rules, nrules, &err) :
	     scan_run(s, rules, nrules, &err)) < 0) {
		fprintf(stderr, "vssdoctor: '%s': %s\n", src, err.msg);
		return 2;
	}
	return 0;
}

/* 0 when SOURCE as scanned can be repaired as asked, else the refusal's
 * exit status (said).  Fills the plan's hive path and control set. */
static int repair_safe(struct scan *s, const struct repair_opts *o, struct plan *p)
{
	struct registry *reg = NULL;
	struct err err;
	int apply = o->mode == REPAIR_APPLY;

	if (o->in_place && s->ev.img && strcmp(image_format(s->ev.img), "e01") == 0)
		return repair_refuse("'%s' is an E01 image: evidence is never modified in place", o->source);
	if (s->ev.is_dir && apply)
		return repair_refuse("'%s' is a directory: repair needs the disk or volume image", o->source);
	if (s->ev.bde_img && apply && repair_bde_check(s, p) != 0)
		return 2;                /* said */
	if (!s->ev.fs)
		return repair_refuse("'%s': no file system was mounted", o->source);
	if (fs_info(s->ev.fs)->dirty)
		return repair_refuse("the NTFS volume is marked dirty (not shut down cleanly): run chkdsk from Windows first");
	if (fs_info(s->ev.fs)->hibernated)
		return repair_refuse("Windows is hibernated on this volume (hiberfil.sys in use): resume and shut it down first");
	if (fs_journal_unclean(s->ev.fs))
		return repair_refuse("the NTFS journal ($LogFile) is not clean (Windows stopped without closing the volume): boot Windows once or run chkdsk first");
	err_init(&err);
	if (registry_get(&s->ev, &reg, &err) < 0 || reg->system.state != REG_HIVE_OK)
		return repair_refuse("the SYSTEM hive cannot be read: %s", reg ? reg->system.err.msg : err.msg);
	snprintf(p->hive_path, sizeof(p->hive_path), "%s", reg->system.path);
	snprintf(p->control_set, sizeof(p->control_set), "%s", reg->control_set);
	if (reg->software.path[0])
		snprintf(p->software_path, sizeof(p->software_path), "%s", reg->software.path);
	/* a dirty hive: its logs replayed into TARGET, else refused */
	return hive_logs_prepare(s, p);
}

int repair_run(const struct repair_opts *o)
{
	struct rule *rules = NULL;
	size_t nrules = 0;
	struct scan *s = NULL;
	struct plan p;
	struct err err;
	int rc = 2;

	memset(&p, 0, sizeof(p));
	err_init(&err);
	if (rules_load(o->scan.rules_dir, &rules, &nrules, &err) < 0) {
		fprintf(stderr, "vssdoctor: rules: %s\n", err.msg);
		return 2;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		goto out;
	rc = repair_scan_source(s, &o->scan, o->source, NULL, rules, nrules);
	if (rc != 0 || (rc = repair_safe(s, o, &p)) != 0)
		goto out;
	rc = 2;
	err_init(&err);
	if (plan_build(s, &p, &err) < 0) {
		fprintf(stderr, "vssdoctor: repair plan: %s\n", err.msg);
		goto out;
	}
	plan_hive_logs(&p);
	if (o->mode == REPAIR_PLAN) {
		plan_print(stdout, &p, o->json, o->source, NULL);
		rc = 0;
	} else if (p.n == 0) {
		rc = repair_refuse("nothing to repair automatically in '%s' (see 'repair --plan')", o->source);
	} else {
		rc = repair_apply(s, &p, o, rules, nrules);
	}
out:
	plan_free(&p);
	if (s) {
		scan_release(s);
		free(s);
	}
	rules_free(rules, nrules);
	return rc;
}
