/* `vssdoctor repair`: the command line (cmd_repair.h); the work is
 * src/repair. */
#define _GNU_SOURCE
#include "cmd_repair.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "bde.h"
#include "cli.h"
#include "limits.h"
#include "repair.h"

enum { O_PLAN = 256, O_APPLY, O_UNDO, O_FORMAT, O_RULES, O_PARTITION, O_OFFSET,
       O_IN_PLACE, O_BDE, O_BACKUP, O_COPY, O_SHADOWS };

static const struct option longopts[] = {
	{ "plan", no_argument, NULL, O_PLAN },
	{ "apply", no_argument, NULL, O_APPLY },
	{ "undo", required_argument, NULL, O_UNDO },
	{ "output", required_argument, NULL, 'o' },
	{ "format", required_argument, NULL, O_FORMAT },
	{ "rules", required_argument, NULL, O_RULES },
	{ "partition", required_argument, NULL, O_PARTITION },
	{ "offset", required_argument, NULL, O_OFFSET },
	{ "in-place", no_argument, NULL, O_IN_PLACE },
	{ "i-have-a-backup", no_argument, NULL, O_BACKUP },
	{ "copy", no_argument, NULL, O_COPY },
	{ "shadows", no_argument, NULL, O_SHADOWS },
	{ "recovery-password", required_argument, NULL, O_BDE },
	{ "recovery-password-file", required_argument, NULL, O_BDE },
	{ "password", required_argument, NULL, O_BDE },
	{ "password-file", required_argument, NULL, O_BDE },
	{ "key-file", required_argument, NULL, O_BDE },
	{ "fvek", required_argument, NULL, O_BDE },
	{ "fvek-file", required_argument, NULL, O_BDE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

static int usage(void)
{
	fprintf(stderr, "vssdoctor: repair: --plan SOURCE, --apply --output TARGET SOURCE or --undo JOURNAL TARGET (see 'vssdoctor --help')\n");
	return 2;
}

/* A TARGET or its journal that exists already: the refusal's status. */
static int target_exists(const char *target)
{
	char journal[LIMIT_PATH_LEN + 16];
	struct stat st;

	if (lstat(target, &st) == 0 || errno != ENOENT)
		return repair_refuse("TARGET '%s' exists already (it is never overwritten)", target);
	snprintf(journal, sizeof(journal), "%s.undo.json", target);
	if (lstat(journal, &st) == 0)
		return repair_refuse("the journal '%s' exists already", journal);
	return 0;
}

/* One option into o; 0, 1 for --help (printed), -1 bad usage, -2 bad
 * secret (said). */
static int parse_option(int c, int li, struct repair_opts *o, int *plan, int *apply,
			const char **undo)
{
	struct err err;

	switch (c) {
	case O_PLAN: *plan = 1; return 0;
	case O_APPLY: *apply = 1; return 0;
	case O_UNDO: *undo = optarg; return 0;
	case 'o': o->target = optarg; return 0;
	case O_FORMAT:
		if (strcmp(optarg, "json") == 0)
			o->json = 1;
		else if (strcmp(optarg, "text") != 0)
			return -1;
		return 0;
	case O_RULES: o->scan.rules_dir = optarg; return 0;
	case O_PARTITION: o->scan.partition = atoi(optarg); return 0;
	case O_OFFSET: o->scan.offset = atoll(optarg); return 0;
	case O_IN_PLACE: o->in_place = 1; return 0;
	case O_BACKUP: o->have_backup = 1; return 0;
	case O_COPY: o->copy = 1; return 0;
	case O_SHADOWS: o->scan.shadows = -1; return 0;
	case O_BDE:
		err_init(&err);
		if (bde_secret_option_parse(longopts[li].name, optarg, &err) < 0) {
			fprintf(stderr, "vssdoctor: %s\n", err.msg);
			return -2;
		}
		return 0;
	case 'h':
		puts("usage: vssdoctor repair --plan [--shadows] [--format text|json] SOURCE\n"
		     "       vssdoctor repair --apply --output TARGET [--copy] [--shadows] [--format text|json] SOURCE\n"
		     "       vssdoctor repair --apply --in-place --i-have-a-backup [--shadows] SOURCE\n"
		     "       vssdoctor repair --undo JOURNAL TARGET");
		return 1;
	default:
		return -1;
	}
}

int cmd_repair(int argc, char **argv)
{
	struct repair_opts o;
	struct err err;
	const char *undo = NULL;
	char rulesbuf[4096];
	int c, plan = 0, apply = 0, li = 0, rc;

	memset(&o, 0, sizeof(o));
	o.scan.partition = -1;
	o.scan.offset = -1;
	o.scan.threshold_aspnet = -1;
	o.scan.quiet = 1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:h", longopts, &li)) != -1) {
		rc = parse_option(c, li, &o, &plan, &apply, &undo);
		if (rc == 1)
			return 0;
		if (rc == -2)
			return 2;
		if (rc < 0)
			return usage();
	}
	if (undo)
		return argc - optind != 1 ? usage() : repair_undo(undo, argv[optind]);
	if (argc - optind != 1 || plan + apply != 1 || (apply && !o.target == !o.in_place) ||
	    (o.copy && !o.target))
		return usage();
	o.source = argv[optind];
	o.mode = apply ? REPAIR_APPLY : REPAIR_PLAN;
	err_init(&err);
	if (bde_secrets_from_env(&err) < 0) {
		fprintf(stderr, "vssdoctor: %s\n", err.msg);
		return 2;
	}
	if (apply && o.target && (rc = target_exists(o.target)) != 0)
		return rc;
	if (!o.scan.rules_dir)
		o.scan.rules_dir = rules_default_dir(rulesbuf, sizeof(rulesbuf));
	return repair_run(&o);
}
