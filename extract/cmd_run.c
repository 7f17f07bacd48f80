/* cmd_run.c - `tjx run [options] PATH...` and `tjx run --retry-failed DIR` */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"

static const char run_help[] =
    "usage: tjx run [options] PATH...\n"
    "       tjx run [options] --retry-failed DIR\n\n"
    "Process files and folders: each document becomes one record,\n"
    "DIR/<relative folder>/<stem>.xml, written atomically (complete or absent).\n"
    "Folders are walked in name order; hidden entries and the globs listed in a\n"
    "folder's .tjxignore are skipped.  Documents are read by worker processes: a\n"
    "document that fails, crashes its worker, or passes a limit is reported (one\n"
    "line naming the file) and the batch goes on.  DIR/manifest.tsv gets a row per\n"
    "input (status ok, partial, failed or skipped; pages; seconds; error; record).\n"
    "Running the same command again skips the documents whose record is up to\n"
    "date (same input sha256, rules, schema and options) and does the rest.\n\n"
    "Options:\n"
    "  -o, --output DIR       where records and the manifest go (default: out)\n"
    "  -j, --jobs N           worker processes (default: 1)\n"
    "      --force            redo documents whose record is up to date\n"
    "      --retry-failed DIR take the inputs the manifest in DIR lists as failed\n"
    "      --shard K/N        do only the K-th of N shares of the inputs (by a hash\n"
    "                         of the path): N runs, on any machines, cover all\n"
    "      --timeout SEC      wall-clock limit per document; its worker is killed\n"
    "                         (default: 3600; 0: none)\n"
    "      --max-memory MB    memory a worker may add to what it holds loaded\n"
    "                         (RLIMIT_AS; default: 4096; 0: none)\n"
    "      --pages-per-job N  spread documents of more than N pages over the workers,\n"
    "                         N pages a job (default: 2; 0: a document a job)\n"
    "  -q, --quiet            no progress line and no warnings: failures and the\n"
    "                         summary only\n"
    "  -v, --verbose          a line for every document\n"
    "      --no-normalise     extract from the text as read\n"
    "      --no-provenance    leave out @page, @line, @conf and @raw\n"
    "      --lenient          a missing required field is not an error\n"
    "      --rules DIR        rule folder (default: $TJX_RULES, or rules/ beside bin/)\n"
    "  -h, --help             this text\n\n"
    "On a terminal a progress line shows documents and pages done, pages/s, the\n"
    "time left and the failures so far.  Ctrl-C (or SIGTERM) stops the workers,\n"
    "writes the manifest and exits with 130; run the command again to go on.\n\n";

enum {
	OPT_FORCE = 0x200,
	OPT_RETRY,
	OPT_SHARD,
	OPT_TIMEOUT,
	OPT_MAX_MEMORY,
	OPT_PAGES_PER_JOB,
	OPT_NO_NORMALISE,
	OPT_NO_PROVENANCE,
	OPT_LENIENT,
	OPT_RULES,
};

struct run_ctx {
	int quiet;
	int verbose;
	int progress;   /* stderr is a terminal and not --quiet */
	int line_shown; /* a progress line is on screen */
	size_t total;
};

static void clear_progress(struct run_ctx *ctx)
{
	if (ctx->line_shown) {
		fputs("\r\033[K", stderr);
		ctx->line_shown = 0;
	}
}

/* A path on one line: control characters escaped (\n, \t, \xNN). */
static void put_path(const char *s)
{
	char buf[4096];
	size_t n = 0;
	for (; *s && n < sizeof(buf) - 5; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n' || c == '\t' || c == '\r') {
			buf[n++] = '\\';
			buf[n++] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c < 0x20 || c == 0x7F) {
			n += (size_t)snprintf(buf + n, 5, "\\x%02X", c);
		} else {
			buf[n++] = (char)c;
		}
	}
	fwrite(buf, 1, n, stderr);
}

static void skip_report(void *vctx, const char *path, const char *why)
{
	struct run_ctx *ctx = vctx;
	if (ctx->quiet)
		return;
	fprintf(stderr, "%s: warning: ", cli_progname);
	put_path(path);
	fprintf(stderr, ": %s\n", why);
}

static void report(void *vctx, const struct batch_result *r)
{
	struct run_ctx *ctx = vctx;
	clear_progress(ctx);
	if (r->status == BATCH_FAILED) {
		fprintf(stderr, "%s: error: ", cli_progname);
		put_path(r->input->path);
		fprintf(stderr, ": %s\n", r->message);
		return;
	}
	if (r->message[0] && !ctx->quiet) {
		fprintf(stderr, "%s: warning: ", cli_progname);
		put_path(r->input->path);
		fprintf(stderr, ": %s\n", r->message);
	}
	if (ctx->verbose) {
		fprintf(stderr, "%s: ", cli_progname);
		put_path(r->input->path);
		fputs(" -> ", stderr);
		put_path(r->input->out);
		fprintf(stderr, " (%s, %d page%s, %.2f s)\n", batch_status_name(r->status),
		        r->pages, r->pages == 1 ? "" : "s", r->seconds);
	}
}

static void duration(char *buf, size_t size, double s)
{
	long t = (long)(s + 0.5);
	if (t >= 3600)
		snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, size, "%lds", t);
}

static void tick(void *vctx, const struct batch_progress *p)
{
	struct run_ctx *ctx = vctx;
	if (!ctx->progress)
		return;
	char eta[32] = "--";
	size_t worked = p->docs_worked;
	size_t left = p->docs_total - p->docs_done;
	if (worked && p->elapsed > 0)
		duration(eta, sizeof(eta), p->elapsed / (double)p->docs_done * (double)left);
	fprintf(stderr,
	        "\r\033[K%s: %zu/%zu documents, %zu pages, %.1f pages/s, ETA %s, %zu failed",
	        cli_progname, p->docs_done, p->docs_total, p->pages_done,
	        p->elapsed > 0 ? (double)p->pages_done / p->elapsed : 0.0, eta, p->failed);
	fflush(stderr);
	ctx->line_shown = 1;
}

static int number(const char *opt, const char *arg, long long lo, long long hi, long long *out)
{
	char *end;
	long long v = strtoll(arg, &end, 10);
	if (end == arg || *end || v < lo || v > hi)
		return cli_usage_error("run", "%s takes a number from %lld to %lld, not '%s'", opt,
		                       lo, hi, arg);
	*out = v;
	return 0;
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"output", required_argument, NULL, 'o'},
	    {"jobs", required_argument, NULL, 'j'},
	    {"force", no_argument, NULL, OPT_FORCE},
	    {"retry-failed", required_argument, NULL, OPT_RETRY},
	    {"shard", required_argument, NULL, OPT_SHARD},
	    {"timeout", required_argument, NULL, OPT_TIMEOUT},
	    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
	    {"pages-per-job", required_argument, NULL, OPT_PAGES_PER_JOB},
	    {"quiet", no_argument, NULL, 'q'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"no-normalise", no_argument, NULL, OPT_NO_NORMALISE},
	    {"no-normalize", no_argument, NULL, OPT_NO_NORMALISE},
	    {"no-provenance", no_argument, NULL, OPT_NO_PROVENANCE},
	    {"lenient", no_argument, NULL, OPT_LENIENT},
	    {"rules", required_argument, NULL, OPT_RULES},
	    CLI_OCR_OPTIONS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct batch_options bo = {
	    .outdir = NULL,
	    .jobs = 1,
	    .timeout = 3600,
	    .max_memory = 4096LL << 20,
	    .pages_per_job = 2,
	};
	struct run_ctx ctx = {0};
	const char *retry = NULL, *shard = NULL;
	long long v;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:qvh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			bo.outdir = optarg;
			break;
		case 'j':
			if (number("--jobs", optarg, 1, 256, &v))
				return EXIT_USAGE;
			bo.jobs = (int)v;
			break;
		case OPT_FORCE:
			bo.force = 1;
			break;
		case OPT_RETRY:
			retry = optarg;
			break;
		case OPT_SHARD:
			shard = optarg;
			break;
		case OPT_TIMEOUT:
			if (number("--timeout", optarg, 0, INT_MAX, &v))
				return EXIT_USAGE;
			bo.timeout = (int)v;
			break;
		case OPT_MAX_MEMORY:
			if (number("--max-memory", optarg, 0, 1LL << 30, &v))
				return EXIT_USAGE;
			bo.max_memory = v << 20;
			break;
		case OPT_PAGES_PER_JOB:
			if (number("--pages-per-job", optarg, 0, INT_MAX, &v))
				return EXIT_USAGE;
			bo.pages_per_job = (int)v;
			break;
		case 'q':
			ctx.quiet = 1;
			break;
		case 'v':
			ctx.verbose = 1;
			break;
		case OPT_NO_NORMALISE:
			bo.pipe.no_normalise = 1;
			break;
		case OPT_NO_PROVENANCE:
			bo.pipe.no_provenance = 1;
			break;
		case OPT_LENIENT:
			bo.pipe.lenient = 1;
			break;
		case OPT_RULES:
			bo.pipe.rules_dir = optarg;
			break;
		case 'h':
			fputs(run_help, stdout);
			fputs(cli_ocr_help, stdout);
			fputs(cli_exit_help, stdout);
			return EXIT_DONE;
		default: {
			int r = cli_ocr_option("run", c, optarg, &bo.pipe);
			if (r == 0)
				break;
			return r == 1 ? cli_usage_error("run", "unknown option") : r;
		}
		}
	}
	struct ex_error err;
	ex_clear(&err);
	int shard_k = 1, shard_n = 1;
	if (shard && batch_parse_shard(shard, &shard_k, &shard_n, &err) < 0)
		return cli_usage_error("run", "%s", err.msg);
	if (retry) {
		if (optind < argc)
			return cli_usage_error("run", "--retry-failed takes no PATH: the manifest "
			                              "names the inputs");
		if (bo.outdir && strcmp(bo.outdir, retry))
			return cli_usage_error("run", "--retry-failed %s writes to %s, not to %s",
			                       retry, retry, bo.outdir);
		bo.outdir = retry;
		bo.force = 1;
	} else if (optind >= argc) {
		return cli_usage_error("run", "no input given");
	}
	if (!bo.outdir)
		bo.outdir = "out";
	bo.manifest = batch_manifest_name(shard_k, shard_n);
	ctx.progress = !ctx.quiet && isatty(2);

	struct batch_inputs in = {0};
	int rc;
	if (retry) {
		char path[PATH_MAX];
		snprintf(path, sizeof(path), "%s/%s", retry, bo.manifest);
		rc = batch_inputs_from_manifest(path, &in, &err);
	} else {
		rc = batch_collect(argv + optind, argc - optind, bo.outdir, &in, skip_report, &ctx,
		                   &err);
	}
	if (rc < 0) {
		cli_error(&err);
		batch_inputs_release(&in);
		return err.code == EX_IO ? EXIT_USAGE : cli_exit_for(err.code);
	}
	if (shard_n > 1)
		batch_inputs_shard(&in, shard_k, shard_n);
	ctx.total = in.n;
	struct batch_summary sum;
	if (batch_run(&bo, &in, report, tick, &ctx, &sum, &err) < 0) {
		clear_progress(&ctx);
		cli_error(&err);
		batch_inputs_release(&in);
		return err.code == EX_IO ? EXIT_OUTPUT : cli_exit_for(err.code);
	}
	clear_progress(&ctx);
	char took[32];
	duration(took, sizeof(took), sum.seconds);
	size_t done = sum.ok + sum.partial + sum.failed + sum.skipped;
	if (sum.interrupted)
		fprintf(stderr,
		        "%s: interrupted: %zu of %zu documents done; run the same command again "
		        "to go on\n",
		        cli_progname, done, in.n);
	fprintf(stderr,
	        "%s: %zu document%s: %zu ok, %zu partial, %zu failed, %zu skipped; %zu page%s in "
	        "%s (%.2f pages/s); manifest %s\n",
	        cli_progname, done, done == 1 ? "" : "s", sum.ok, sum.partial, sum.failed,
	        sum.skipped, sum.pages, sum.pages == 1 ? "" : "s", took,
	        sum.seconds > 0 ? (double)sum.pages / sum.seconds : 0.0, sum.manifest);
	batch_inputs_release(&in);
	if (sum.interrupted)
		return EXIT_INTERRUPTED;
	return sum.failed ? EXIT_SOME_FAILED : EXIT_DONE;
}
