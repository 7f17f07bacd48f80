/* cmd_run.c - `tjx run [-o DIR] [-j N] PATH...` */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cli.h"

static const char run_help[] =
	"usage: tjx run [options] PATH...\n\n"
	"Process files and folders: each document becomes one record,\n"
	"DIR/<relative folder>/<stem>.xml, written atomically (complete or absent).\n"
	"Folders are walked in name order; hidden entries and the globs listed in a\n"
	"folder's .tjxignore are skipped.  A document that fails is reported and the\n"
	"batch goes on.\n\n"
	"Options:\n"
	"  -o, --output DIR     where records go (default: out)\n"
	"  -j, --jobs N         worker processes (default: 1)\n"
	"      --force          redo documents whose record is up to date\n"
	"  -q, --quiet          report failures and the summary only\n"
	"      --no-normalise   extract from the text as read\n"
	"      --no-provenance  leave out @page, @line, @conf and @raw\n"
	"      --lenient        a missing required field is not an error\n"
	"      --rules DIR      rule folder (default: $TJX_RULES, or rules/ beside bin/)\n"
	"  -h, --help           this text\n\n";

struct run_ctx {
	int quiet;
};

static void skip_report(void *ctx, const char *path, const char *why)
{
	(void)ctx;
	cli_warn("%s: skipped: %s", path, why);
}

static void report(void *vctx, const struct batch_result *r)
{
	struct run_ctx *ctx = vctx;
	if (r->status == BATCH_FAILED) {
		fprintf(stderr, "%s: error: %s\n", cli_progname, r->message);
		return;
	}
	if (r->message[0])
		cli_warn("%s: %s", r->input->path, r->message);
	if (!ctx->quiet)
		fprintf(stderr, "%s: %s -> %s (%s, %d page%s, %.2f s)\n", cli_progname,
			r->input->path, r->input->out, batch_status_name(r->status), r->pages,
			r->pages == 1 ? "" : "s", r->seconds);
}

int cmd_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"output", required_argument, NULL, 'o'},
		{"jobs", required_argument, NULL, 'j'},
		{"force", no_argument, NULL, 'f'},
		{"quiet", no_argument, NULL, 'q'},
		{"no-normalise", no_argument, NULL, 'N'},
		{"no-normalize", no_argument, NULL, 'N'},
		{"no-provenance", no_argument, NULL, 'P'},
		{"lenient", no_argument, NULL, 'l'},
		{"rules", required_argument, NULL, 'R'},
		CLI_OCR_OPTIONS,
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct batch_options bo = {.outdir = "out", .jobs = 1};
	struct run_ctx ctx = {0};
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "o:j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'o':
			bo.outdir = optarg;
			break;
		case 'j': {
			char *end;
			long j = strtol(optarg, &end, 10);
			if (*end || j < 1 || j > 256)
				return cli_usage_error("run", "--jobs takes a number from 1 to 256");
			bo.jobs = (int)j;
			break;
		}
		case 'f':
			bo.force = 1;
			break;
		case 'q':
			ctx.quiet = 1;
			break;
		case 'N':
			bo.pipe.no_normalise = 1;
			break;
		case 'P':
			bo.pipe.no_provenance = 1;
			break;
		case 'l':
			bo.pipe.lenient = 1;
			break;
		case 'R':
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
	if (optind >= argc)
		return cli_usage_error("run", "no input given");
	struct ex_error err;
	ex_clear(&err);
	struct batch_inputs in = {0};
	if (batch_collect(argv + optind, argc - optind, bo.outdir, &in, skip_report, &ctx, &err) <
	    0) {
		cli_error(&err);
		batch_inputs_release(&in);
		return cli_exit_for(err.code);
	}
	struct batch_summary sum;
	if (batch_run(&bo, &in, report, &ctx, &sum, &err) < 0) {
		cli_error(&err);
		batch_inputs_release(&in);
		return err.code == EX_IO ? EXIT_OUTPUT : cli_exit_for(err.code);
	}
	fprintf(stderr, "%s: %zu document%s: %zu ok, %zu partial, %zu failed, %zu skipped; %zu page%s\n",
		cli_progname, in.n, in.n == 1 ? "" : "s", sum.ok, sum.partial, sum.failed,
		sum.skipped, sum.pages, sum.pages == 1 ? "" : "s");
	batch_inputs_release(&in);
	return sum.failed ? EXIT_SOME_FAILED : EXIT_DONE;
}
