/* The command line (DESIGN.md "Command line": a contract). */
#define _GNU_SOURCE
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>

#include "baseline.h"
#include "bde.h"
#include "info.h"
#include "report.h"
#include "rules.h"
#include "scan.h"
#include "demo.h"
#include "history.h"
#include "sddl_cmd.h"
#include "cmd_repair.h"

static void usage(FILE *f)
{
	fputs("usage: vssdoctor scan [options] SOURCE...  diagnose a Windows disk offline\n"
	      "       vssdoctor info [--format text|json] [BitLocker options] SOURCE\n"
	      "                                          format, partitions, volumes, Windows\n"
	      "       vssdoctor sddl [--kind K] [--format text|json|sddl] HEX|@FILE|SDDL\n"
	      "                                          decode a descriptor, effective rights\n"
	      "       vssdoctor demo [DIR]               build a small broken image and scan it\n"
	      "       vssdoctor repair --plan SOURCE     the changes that would fix what scan found\n"
	      "       vssdoctor repair --apply --output TARGET SOURCE\n"
	      "                                          write them into TARGET, a qcow2 overlay of\n"
	      "                                          SOURCE (never written); rescan; undo journal\n"
	      "                                          (--copy: a sparse raw copy; --in-place\n"
	      "                                          --i-have-a-backup: SOURCE itself, raw only)\n"
	      "       vssdoctor repair --undo JOURNAL TARGET  put the old bytes back\n"
	      "       vssdoctor --version | --help\n"
	      "\n"
	      "SOURCE: a raw disk or volume image, a block device, VHD/VHDX, E01, VMDK,\n"
	      "QCOW2, or the root directory of a mounted Windows volume.  Opened read-only.\n"
	      "\n"
	      "scan options:\n"
	      "  --format FORMAT           text (default), json, junit, markdown (for a\n"
	      "                            ticket) or html (one self-contained file)\n"
	      "  -o FILE                   write the report to FILE (default stdout)\n"
	      "  --partition N             use partition N (see 'vssdoctor info')\n"
	      "  --offset BYTES            use the NTFS volume at this byte offset\n"
	      "  --rules DIR               rules to use instead of the installed ones\n"
	      "  --baseline FILE           compare against a golden-image baseline\n"
	      "  --save-baseline FILE      write this image's state as a baseline\n"
	      "  --threshold-aspnet N      cause 4's folder limit (default from the rule: 1000)\n"
	      "  --no-replay               judge dirty hives without replaying their logs\n"
	      "  --shadows                 also run every check on each shadow copy of the\n"
	      "                            volume (oldest first): history and last good values\n"
	      "  --shadow N                the same with shadow copy store N only ('info' lists them)\n"
	      "  -q                        quiet: the verdict line only (text)\n"
	      "  -v                        more evidence; timings and bytes read on stderr\n"
	      "  --no-color                no colour even on a terminal\n"
	      "  --progress                progress lines on stderr\n"
	      "  -j N                      scan N sources at a time (default: the number of\n"
	      "                            cores; -j 1 one after the other); reports keep\n"
	      "                            the order of the SOURCEs\n"
	      "\n"
	      "BitLocker (scan and info; each also --OPTION-file PATH, first line, or\n"
	      "the environment variable shown; nothing decrypted is written anywhere):\n"
	      "  --recovery-password DIGITS  48-digit recovery password  VSSD_RECOVERY_PASSWORD\n"
	      "  --password PW             user password                 VSSD_PASSWORD\n"
	      "  --key-file FILE.BEK       startup or recovery key file  VSSD_KEY_FILE\n"
	      "  --fvek HEX                full volume encryption key    VSSD_FVEK\n"
	      "\n"
	      "exit status: 0 no cause present and every check ran; 1 at least one cause\n"
	      "(or a finding of severity failure, e.g. baseline drift) present; 2 bad\n"
	      "usage or unreadable source; 3 nothing present but some checks could not run.\n", f);
}

static int die_usage(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static int die_usage(const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "vssdoctor: %s (see 'vssdoctor --help')\n", msg);
	return 2;
}

static int parse_long(const char *s, long long min, long long *out)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno || end == s || *end || v < min)
		return -1;
	*out = v;
	return 0;
}

/* Installed rules, else the source tree's rules beside the binary (a
 * build tree: build/vssdoctor -> rules/). */
static const char *default_rules_dir(char *buf, size_t size)
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

const char *cli_default_rules_dir(char *buf, size_t size)
{
	return default_rules_dir(buf, size);
}

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
	if (s->img)
		fprintf(f, "vssdoctor: '%s': read %llu bytes in %llu reads from a %llu-byte %s image; %llu ms\n",
			s->source, (unsigned long long)image_bytes_read(s->img),
			(unsigned long long)image_read_calls(s->img),
			(unsigned long long)image_size(s->img), image_format(s->img),
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
		if (baseline_collect(s, &doc, &err) < 0 ||
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

int cli_main_scan(int argc, char **argv)
{
	enum { O_FORMAT = 256, O_PARTITION, O_OFFSET, O_RULES, O_BASELINE,
	       O_SAVE_BASELINE, O_THRESHOLD, O_NO_COLOR, O_PROGRESS, O_NO_REPLAY,
	       O_BDE_SECRET, O_SHADOWS, O_SHADOW };
	static const struct option longopts[] = {
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
	struct scan_opts o;
	struct rule *rules = NULL;
	size_t nrules = 0, nsrc, i;
	struct scan **scans = NULL;
	struct report_doc *rdoc = NULL;
	struct scan_batch batch;
	pthread_t workers[SCAN_JOBS_MAX];
	size_t nworkers = 0;
	struct err err;
	char rulesbuf[4096];
	FILE *out = stdout;
	int c, no_color = 0, worst = 0, rc = 0, li = 0;
	long long v, jobs = 0;

	memset(&o, 0, sizeof(o));
	o.partition = -1;
	o.offset = -1;
	o.threshold_aspnet = -1;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:qvhj:", longopts, &li)) != -1) {
		switch (c) {
		case O_FORMAT:
			if (strcmp(optarg, "text") == 0)
				o.format = FORMAT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				o.format = FORMAT_JSON;
			else if (strcmp(optarg, "junit") == 0)
				o.format = FORMAT_JUNIT;
			else if (strcmp(optarg, "markdown") == 0 || strcmp(optarg, "md") == 0)
				o.format = FORMAT_MARKDOWN;
			else if (strcmp(optarg, "html") == 0)
				o.format = FORMAT_HTML;
			else
				return die_usage("--format: '%s' is not text, json, junit, markdown or html",
						 optarg);
			break;
		case 'o': o.output = optarg; break;
		case O_PARTITION:
			if (parse_long(optarg, 0, &v) < 0 || v > INT_MAX)
				return die_usage("--partition: '%s' is not a partition number", optarg);
			o.partition = (int)v;
			break;
		case O_OFFSET:
			if (parse_long(optarg, 0, &v) < 0)
				return die_usage("--offset: '%s' is not a byte offset", optarg);
			o.offset = v;
			break;
		case O_RULES: o.rules_dir = optarg; break;
		case O_BASELINE: o.baseline = optarg; break;
		case O_SAVE_BASELINE: o.save_baseline = optarg; break;
		case O_THRESHOLD:
			if (parse_long(optarg, 1, &v) < 0 || v > INT_MAX)
				return die_usage("--threshold-aspnet: '%s' is not a positive number", optarg);
			o.threshold_aspnet = (long)v;
			break;
		case O_NO_COLOR: no_color = 1; break;
		case O_PROGRESS: o.progress = 1; break;
		case O_NO_REPLAY: o.no_replay = 1; break;
		case O_BDE_SECRET:
			err_init(&err);
			if (bde_secret_option_parse(longopts[li].name, optarg, &err) < 0)
				return die_usage("%s", err.msg);
			break;
		case O_SHADOWS: o.shadows = -1; break;
		case O_SHADOW:
			if (parse_long(optarg, 1, &v) < 0 || v > INT_MAX)
				return die_usage("--shadow: '%s' is not a store number (see 'vssdoctor info')", optarg);
			o.shadows = (int)v;
			break;
		case 'q': o.quiet = 1; break;
		case 'v': o.verbose = 1; break;
		case 'j':
			if (parse_long(optarg, 1, &jobs) < 0 || jobs > SCAN_JOBS_MAX)
				return die_usage("-j: '%s' is not a number of jobs (1..%d)", optarg,
						 SCAN_JOBS_MAX);
			break;
		case 'h': usage(stdout); return 0;
		default: return die_usage("%s", "bad option");
		}
	}
	nsrc = (size_t)(argc - optind);
	if (nsrc == 0)
		return die_usage("%s", "scan: no SOURCE given");
	if (o.partition >= 0 && o.offset >= 0)
		return die_usage("%s", "--partition and --offset exclude each other");
	err_init(&err);
	if (bde_secrets_from_env(&err) < 0)
		return die_usage("%s", err.msg);
	if (o.save_baseline && nsrc > 1)
		return die_usage("%s", "--save-baseline takes one SOURCE");
	if (o.baseline) {
		json_t *doc = NULL;

		err_init(&err);
		if (baseline_load(o.baseline, &doc, &err) < 0) {
			fprintf(stderr, "vssdoctor: --baseline: %s\n", err.msg);
			return 2;
		}
		json_decref(doc);
	}
	if (!o.rules_dir)
		o.rules_dir = default_rules_dir(rulesbuf, sizeof(rulesbuf));
	o.color = !no_color && o.format == FORMAT_TEXT && !o.output &&
		  isatty(STDOUT_FILENO) && !getenv("NO_COLOR");
	if (!o.progress)
		o.progress = 0;

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
		nsrc = 0;
	}
	for (i = 0; i < nsrc; i++) {
		batch.jobs[i].src = argv[optind + (int)i];
		batch.jobs[i].index = i;
		batch.jobs[i].nsrc = nsrc;
	}
	pthread_mutex_init(&batch.lock, NULL);
	pthread_cond_init(&batch.cond, NULL);
	if (!jobs)
		jobs = default_jobs();
	/* one source, or -j 1: on this thread, as it always was */
	if (jobs > 1 && nsrc > 1) {
		/* libxml2 (Web.config, JUnit) wants its one-time set-up done
		 * before threads use it */
		xmlInitParser();
		while (nworkers < (size_t)jobs && nworkers < nsrc &&
		       pthread_create(&workers[nworkers], NULL, scan_worker, &batch) == 0)
			nworkers++;
	}
	for (i = 0; i < nsrc; i++) {
		struct scan_job *j = &batch.jobs[i];

		if (nworkers) {
			pthread_mutex_lock(&batch.lock);
			while (!j->done)
				pthread_cond_wait(&batch.cond, &batch.lock);
			pthread_mutex_unlock(&batch.lock);
		} else {
			scan_one(&batch, j);
		}
		if (j->errlen)
			fwrite(j->err, 1, j->errlen, stderr);
		if (j->outlen)
			fwrite(j->out, 1, j->outlen, out);
		fflush(out);
		free(j->out);
		free(j->err);
		j->out = j->err = NULL;
		scans[i] = j->s;
		if (rdoc && j->s && (nsrc > 1 || !j->s->open_failed)) {
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
			scans[i] = j->s = NULL;
		}
		if (j->failed)
			rc = 2;
		if (exit_rank(j->status) > exit_rank(worst))
			worst = j->status;
	}
	for (i = 0; i < nworkers; i++)
		pthread_join(workers[i], NULL);
	pthread_mutex_destroy(&batch.lock);
	pthread_cond_destroy(&batch.cond);
	free(batch.jobs);
	if (o.format == FORMAT_JUNIT && rc == 0)
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
	rules_free(rules, nrules);
	if (out != stdout && fclose(out) != 0) {
		fprintf(stderr, "vssdoctor: cannot write '%s': %s\n", o.output, strerror(errno));
		return 2;
	}
	return rc ? rc : worst;
}

int cli_main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "-V") == 0) {
		printf("vssdoctor %s\n", VSSD_VERSION);
		return 0;
	}
	if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "scan") == 0)
		return cli_main_scan(argc - 1, argv + 1);
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	if (strcmp(argv[1], "sddl") == 0)
		return cmd_sddl(argc - 1, argv + 1);
	if (strcmp(argv[1], "demo") == 0)
		return cmd_demo(argc - 1, argv + 1);
	if (strcmp(argv[1], "repair") == 0)
		return cmd_repair(argc - 1, argv + 1);
	fprintf(stderr, "vssdoctor: unknown command '%s' (see 'vssdoctor --help')\n", argv[1]);
	return 2;
}

