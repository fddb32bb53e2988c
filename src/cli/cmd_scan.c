/* vssdoctor scan: the options, the -j worker pool, and the reports in the
 * order of the SOURCEs (DESIGN.md "Command line"). */
#define _GNU_SOURCE
#include "cli_priv.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "baseline.h"
#include "bde.h"
#include "history.h"
#include "report.h"
#include "rules.h"
#include "scan.h"

static int exit_rank(int st)
{
	/* worst first: unreadable, cause present, unknown, clean */
	switch (st) {
	case 2: return 3;
	case 1: return 2;
	case 3: return 1;
	default: return 0;
	}
}

static void verbose_stats_to(FILE *f, const struct scan *s)
{
	if (s->ev.img)
		fprintf(f, "vssdoctor: '%s': read %llu bytes in %llu reads from a %llu-byte %s image; %llu ms\n",
			s->source, (unsigned long long)image_bytes_read(s->ev.img),
			(unsigned long long)image_read_calls(s->ev.img),
			(unsigned long long)image_size(s->ev.img), image_format(s->ev.img),
			(unsigned long long)s->t_total_ms);
	else
		fprintf(f, "vssdoctor: '%s': %llu ms\n", s->source,
			(unsigned long long)s->t_total_ms);
}

#define SCAN_JOBS_MAX 64

/* One source of a batch: scanned (on any thread), its report and its
 * stderr lines rendered into memory, printed by the main thread in the
 * order of the SOURCEs, so -j N writes what -j 1 writes. */
struct scan_job {
	const char *src;
	size_t index, nsrc;
	struct scan *s;              /* kept for JUnit, else released */
	char *out, *err;             /* rendered stdout and stderr */
	size_t outlen, errlen;
	int status;                  /* the source's exit status */
	int failed;                  /* rc 2: out of memory, baseline */
	int done;
};

struct scan_batch {
	const struct scan_opts *o;
	const struct rule *rules;
	size_t nrules;
	struct scan_job *jobs;
	size_t njobs;
	size_t next;                 /* the next job to start */
	pthread_mutex_t lock;
	pthread_cond_t cond;         /* a job is done */
};

static void scan_one(struct scan_batch *b, struct scan_job *j)
{
	const struct scan_opts *o = b->o;
	FILE *out = open_memstream(&j->out, &j->outlen);
	FILE *errf = open_memstream(&j->err, &j->errlen);
	struct scan *s = calloc(1, sizeof(*s));
	struct err err;

	if (!out || !errf || !s) {
		if (out)
			fclose(out);
		if (errf)
			fclose(errf);
		free(s);
		free(j->out);
		free(j->err);
		j->out = j->err = NULL;
		j->outlen = j->errlen = 0;
		j->failed = 1;
		j->status = 2;
		fprintf(stderr, "vssdoctor: out of memory\n");
		return;
	}
	j->s = s;
	if (o->progress)
		fprintf(stderr, "vssdoctor: scanning '%s' (%zu/%zu)\n", j->src, j->index + 1, j->nsrc);
	err_init(&err);
	if (scan_open(s, j->src, o, &err) < 0) {
		fprintf(errf, "vssdoctor: cannot read '%s': %s\n", j->src, err.msg);
	} else {
		err_init(&err);
		if ((o->shadows ? history_scan(s, b->rules, b->nrules, &err) :
		     scan_run(s, b->rules, b->nrules, &err)) < 0) {
			fprintf(errf, "vssdoctor: '%s': %s\n", j->src, err.msg);
			s->open_failed = 1;
			s->open_err = err;
		}
	}
	if (o->save_baseline && !s->open_failed) {
		json_t *doc = NULL;

		err_init(&err);
		if (baseline_collect(&s->ev, &doc, &err) < 0 ||
		    baseline_save(o->save_baseline, doc, &err) < 0) {
			fprintf(errf, "vssdoctor: --save-baseline: %s\n", err.msg);
			j->failed = 1;
		} else if (!o->quiet) {
			fprintf(errf, "vssdoctor: baseline of '%s' written to '%s'\n",
				j->src, o->save_baseline);
		}
		json_decref(doc);
	}
	j->status = scan_exit_status(s);
	if (o->verbose) {
		fflush(errf);
		verbose_stats_to(errf, s);
	}
	/* text and JSON Lines are streamed as each source finishes */
	if (o->format == FORMAT_JSON && (j->nsrc > 1 || !s->open_failed))
		report_json(out, s, j->nsrc > 1);
	else if (o->format == FORMAT_TEXT && !s->open_failed) {
		if (o->quiet) {
			report_verdict(out, s);
		} else {
			if (j->index > 0)
				fputc('\n', out);
			report_text(out, s, o->color, o->verbose);
		}
	}
	fclose(out);
	fclose(errf);
	/* JUnit, markdown and html are written by the main thread */
	if (o->format != FORMAT_JUNIT && o->format != FORMAT_MARKDOWN && o->format != FORMAT_HTML) {
		scan_release(s);
		free(s);
		j->s = NULL;
	}
}

static void *scan_worker(void *arg)
{
	struct scan_batch *b = arg;

	for (;;) {
		struct scan_job *j;

		pthread_mutex_lock(&b->lock);
		j = b->next < b->njobs ? &b->jobs[b->next++] : NULL;
		pthread_mutex_unlock(&b->lock);
		if (!j)
			return NULL;
		scan_one(b, j);
		pthread_mutex_lock(&b->lock);
		j->done = 1;
		pthread_cond_broadcast(&b->cond);
		pthread_mutex_unlock(&b->lock);
	}
}

/* The default -j: the cores this process may run on. */
static long default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n < 1 ? 1 : n > SCAN_JOBS_MAX ? SCAN_JOBS_MAX : n;
}

enum { O_FORMAT = 256, O_PARTITION, O_OFFSET, O_RULES, O_BASELINE,
       O_SAVE_BASELINE, O_THRESHOLD, O_NO_COLOR, O_PROGRESS, O_NO_REPLAY,
       O_BDE_SECRET, O_SHADOWS, O_SHADOW };

static const struct option scan_longopts[] = {
	{ "format", required_argument, NULL, O_FORMAT },
	{ "output", required_argument, NULL, 'o' },
	{ "partition", required_argument, NULL, O_PARTITION },
	{ "offset", required_argument, NULL, O_OFFSET },
	{ "rules", required_argument, NULL, O_RULES },
	{ "baseline", required_argument, NULL, O_BASELINE },
	{ "save-baseline", required_argument, NULL, O_SAVE_BASELINE },
	{ "threshold-aspnet", required_argument, NULL, O_THRESHOLD },
	{ "no-color", no_argument, NULL, O_NO_COLOR },
	{ "progress", no_argument, NULL, O_PROGRESS },
	{ "no-replay", no_argument, NULL, O_NO_REPLAY },
	{ "recovery-password", required_argument, NULL, O_BDE_SECRET },
	{ "recovery-password-file", required_argument, NULL, O_BDE_SECRET },
	{ "password", required_argument, NULL, O_BDE_SECRET },
	{ "password-file", required_argument, NULL, O_BDE_SECRET },
	{ "key-file", required_argument, NULL, O_BDE_SECRET },
	{ "fvek", required_argument, NULL, O_BDE_SECRET },
	{ "fvek-file", required_argument, NULL, O_BDE_SECRET },
	{ "shadows", no_argument, NULL, O_SHADOWS },
	{ "shadow", required_argument, NULL, O_SHADOW },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "jobs", required_argument, NULL, 'j' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* --format's argument into o->format: 0, or the exit status. */
static int scan_format(const char *arg, struct scan_opts *o)
{
	if (strcmp(arg, "text") == 0)
		o->format = FORMAT_TEXT;
	else if (strcmp(arg, "json") == 0)
		o->format = FORMAT_JSON;
	else if (strcmp(arg, "junit") == 0)
		o->format = FORMAT_JUNIT;
	else if (strcmp(arg, "markdown") == 0 || strcmp(arg, "md") == 0)
		o->format = FORMAT_MARKDOWN;
	else if (strcmp(arg, "html") == 0)
		o->format = FORMAT_HTML;
	else
		return cli_die_usage("--format: '%s' is not text, json, junit, markdown or html",
				     arg);
	return 0;
}

/* The options of scan into o, *jobs and *no_color; optind is left at the
 * first SOURCE.  -1 to go on, else the exit status. */
static int scan_options(int argc, char **argv, struct scan_opts *o,
			long long *jobs, int *no_color)
{
	struct err err;
	long long v;
	int c, li = 0;

	memset(o, 0, sizeof(*o));
	o->partition = -1;
	o->offset = -1;
	o->threshold_aspnet = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qvhj:", scan_longopts, &li)) != -1) {
		switch (c) {
		case O_FORMAT:
			if (scan_format(optarg, o) != 0)
				return 2;
			break;
		case 'o': o->output = optarg; break;
		case O_PARTITION:
			if (cli_parse_long(optarg, 0, &v) < 0 || v > INT_MAX)
				return cli_die_usage("--partition: '%s' is not a partition number", optarg);
			o->partition = (int)v;
			break;
		case O_OFFSET:
			if (cli_parse_long(optarg, 0, &v) < 0)
				return cli_die_usage("--offset: '%s' is not a byte offset", optarg);
			o->offset = v;
			break;
		case O_RULES: o->rules_dir = optarg; break;
		case O_BASELINE: o->baseline = optarg; break;
		case O_SAVE_BASELINE: o->save_baseline = optarg; break;
		case O_THRESHOLD:
			if (cli_parse_long(optarg, 1, &v) < 0 || v > INT_MAX)
				return cli_die_usage("--threshold-aspnet: '%s' is not a positive number", optarg);
			o->threshold_aspnet = (long)v;
			break;
		case O_NO_COLOR: *no_color = 1; break;
		case O_PROGRESS: o->progress = 1; break;
		case O_NO_REPLAY: o->no_replay = 1; break;
		case O_BDE_SECRET:
			err_init(&err);
			if (bde_secret_option_parse(scan_longopts[li].name, optarg, &err) < 0)
				return cli_die_usage("%s", err.msg);
			break;
		case O_SHADOWS: o->shadows = -1; break;
		case O_SHADOW:
			if (cli_parse_long(optarg, 1, &v) < 0 || v > INT_MAX)
				return cli_die_usage("--shadow: '%s' is not a store number (see 'vssdoctor info')", optarg);
			o->shadows = (int)v;
			break;
		case 'q': o->quiet = 1; break;
		case 'v': o->verbose = 1; break;
		case 'j':
			if (cli_parse_long(optarg, 1, jobs) < 0 || *jobs > SCAN_JOBS_MAX)
				return cli_die_usage("-j: '%s' is not a number of jobs (1..%d)", optarg,
						     SCAN_JOBS_MAX);
			break;
		case 'h': cli_usage(stdout); return 0;
		default: return cli_die_usage("%s", "bad option");
		}
	}
	return -1;
}

/* What the options say together, for nsrc SOURCEs; the defaults filled
 * in (rules_buf holds the rules folder found).  -1 to go on, else the
 * exit status. */
static int scan_settle(struct scan_opts *o, size_t nsrc, int no_color,
		       char *rules_buf, size_t rules_size)
{
	struct err err;

	if (nsrc == 0)
		return cli_die_usage("%s", "scan: no SOURCE given");
	if (o->partition >= 0 && o->offset >= 0)
		return cli_die_usage("%s", "--partition and --offset exclude each other");
	err_init(&err);
	if (bde_secrets_from_env(&err) < 0)
		return cli_die_usage("%s", err.msg);
	if (o->save_baseline && nsrc > 1)
		return cli_die_usage("%s", "--save-baseline takes one SOURCE");
	if (o->baseline) {
		json_t *doc = NULL;

		err_init(&err);
		if (evidence_baseline_load(o->baseline, &doc, &err) < 0) {
			fprintf(stderr, "vssdoctor: --baseline: %s\n", err.msg);
			return 2;
		}
		json_decref(doc);
	}
	if (!o->rules_dir)
		o->rules_dir = rules_default_dir(rules_buf, rules_size);
	o->color = !no_color && o->format == FORMAT_TEXT && !o->output &&
		   isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if (!o->progress)
		o->progress = 0;
	return -1;
}

/* A source's job done: its stderr and report written in the order of
 * the SOURCEs, its scan kept in scans[i] (JUnit) or added to rdoc
 * (markdown, html).  Returns 2 on a failure, else 0; *worst the worst
 * exit status so far. */
static int scan_job_emit(struct scan_job *j, FILE *out, struct scan **scans,
			 struct report_doc *rdoc, int *worst)
{
	int rc = 0;

	if (j->errlen)
		fwrite(j->err, 1, j->errlen, stderr);
	if (j->outlen)
		fwrite(j->out, 1, j->outlen, out);
	fflush(out);
	free(j->out);
	free(j->err);
	j->out = j->err = NULL;
	scans[j->index] = j->s;
	if (rdoc && j->s && (j->nsrc > 1 || !j->s->open_failed)) {
		/* markdown and html: added here, in the order given (one
		 * unreadable source: its error line only, as in text and
		 * JSON; in a batch it gets its row) */
		if (report_doc_add(rdoc, j->s) < 0) {
			fprintf(stderr, "vssdoctor: out of memory\n");
			rc = 2;
		}
	}
	if (rdoc && j->s) {
		scan_release(j->s);
		free(j->s);
		scans[j->index] = j->s = NULL;
	}
	if (j->failed)
		rc = 2;
	if (exit_rank(j->status) > exit_rank(*worst))
		*worst = j->status;
	return rc;
}

/* The batch b run with up to jobs threads (one source or -j 1: on this
 * thread, as it always was), each job emitted in order.  Returns 2 on a
 * failure, else 0. */
static int scan_batch_run(struct scan_batch *b, long long jobs, FILE *out,
			  struct scan **scans, struct report_doc *rdoc,
			  int *worst)
{
	pthread_t workers[SCAN_JOBS_MAX];
	size_t nworkers = 0, i;
	int rc = 0;

	pthread_mutex_init(&b->lock, NULL);
	pthread_cond_init(&b->cond, NULL);
	if (!jobs)
		jobs = default_jobs();
	if (jobs > 1 && b->njobs > 1) {
		/* libxml2 (Web.config, JUnit) wants its one-time set-up done
		 * before threads use it */
		xmlInitParser();
		while (nworkers < (size_t)jobs && nworkers < b->njobs &&
		       pthread_create(&workers[nworkers], NULL, scan_worker, b) == 0)
			nworkers++;
	}
	for (i = 0; i < b->njobs; i++) {
		struct scan_job *j = &b->jobs[i];

		if (nworkers) {
			pthread_mutex_lock(&b->lock);
			while (!j->done)
				pthread_cond_wait(&b->cond, &b->lock);
			pthread_mutex_unlock(&b->lock);
		} else {
			scan_one(b, j);
		}
		if (scan_job_emit(j, out, scans, rdoc, worst) != 0)
			rc = 2;
	}
	for (i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	pthread_mutex_destroy(&b->lock);
	pthread_cond_destroy(&b->cond);
	return rc;
}

/* The reports written after the batch (JUnit, markdown, html) and what
 * the batch kept freed.  Returns rc, or 2 on a failure. */
static int scan_finish(int rc, const struct scan_opts *o, FILE *out,
		       struct scan **scans, size_t nsrc, struct report_doc *rdoc)
{
	size_t i;

	if (o->format == FORMAT_JUNIT && rc == 0)
		report_junit(out, scans, nsrc);
	if (rdoc && rc == 0 && report_doc_write(rdoc, out) < 0) {
		fprintf(stderr, "vssdoctor: out of memory\n");
		rc = 2;
	}
	report_doc_free(rdoc);
	for (i = 0; i < nsrc; i++) {
		if (scans[i]) {
			scan_release(scans[i]);
			free(scans[i]);
		}
	}
	free(scans);
	return rc;
}

int cli_main_scan(int argc, char **argv)
{
	struct scan_opts o;
	struct rule *rules = NULL;
	size_t nrules = 0, nsrc, i;
	struct scan **scans = NULL;
	struct report_doc *rdoc = NULL;
	struct scan_batch batch;
	struct err err;
	char rulesbuf[4096];
	FILE *out = stdout;
	int no_color = 0, worst = 0, rc = 0;
	long long jobs = 0;

	rc = scan_options(argc, argv, &o, &jobs, &no_color);
	if (rc >= 0)
		return rc;
	nsrc = (size_t)(argc - optind);
	rc = scan_settle(&o, nsrc, no_color, rulesbuf, sizeof(rulesbuf));
	if (rc >= 0)
		return rc;
	rc = 0;
	err_init(&err);
	if (rules_load(o.rules_dir, &rules, &nrules, &err) < 0) {
		fprintf(stderr, "vssdoctor: rules: %s\n", err.msg);
		return 2;
	}
	scans = calloc(nsrc, sizeof(*scans));
	if (!scans) {
		rules_free(rules, nrules);
		fprintf(stderr, "vssdoctor: out of memory\n");
		return 2;
	}
	if (o.format == FORMAT_MARKDOWN || o.format == FORMAT_HTML) {
		rdoc = report_doc_new(o.format, nsrc, o.verbose);
		if (!rdoc) {
			rules_free(rules, nrules);
			free(scans);
			fprintf(stderr, "vssdoctor: out of memory\n");
			return 2;
		}
	}
	if (o.output) {
		out = fopen(o.output, "w");
		if (!out) {
			fprintf(stderr, "vssdoctor: cannot write '%s': %s\n", o.output, strerror(errno));
			rules_free(rules, nrules);
			free(scans);
			report_doc_free(rdoc);
			return 2;
		}
	}
	memset(&batch, 0, sizeof(batch));
	batch.o = &o;
	batch.rules = rules;
	batch.nrules = nrules;
	batch.njobs = nsrc;
	batch.jobs = calloc(nsrc, sizeof(*batch.jobs));
	if (!batch.jobs) {
		fprintf(stderr, "vssdoctor: out of memory\n");
		rc = 2;
		nsrc = batch.njobs = 0;
	}
	for (i = 0; i < nsrc; i++) {
		batch.jobs[i].src = argv[optind + (int)i];
		batch.jobs[i].index = i;
		batch.jobs[i].nsrc = nsrc;
	}
	if (scan_batch_run(&batch, jobs, out, scans, rdoc, &worst) != 0)
		rc = 2;
	free(batch.jobs);
	rc = scan_finish(rc, &o, out, scans, nsrc, rdoc);
	rules_free(rules, nrules);
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "vssdoctor: cannot write '%s': %s\n", o.output, strerror(errno));
		return 2;
	}
	return rc ? rc : worst;
}
