/* cmd_eval.c - `tjx eval [options] CORPUS`: score the pipeline on a corpus */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "cli.h"
#include "eval.h"

static const char eval_help[] =
    "usage: tjx eval [options] CORPUS\n\n"
    "Run the pipeline over every case of a corpus (CORPUS/<case>/ with one input.*,\n"
    "expected.xml, and optionally truth.txt and case.conf; cases in name order)\n"
    "and score the records against expected.xml, as GROBID's end-to-end\n"
    "evaluation does: per field precision, recall and F1 in three match modes,\n"
    "micro and macro averages, whole-record accuracy, and, where truth.txt\n"
    "exists, CER and WER of the text before and after normalisation.\n\n"
    "Match modes:\n"
    "  strict       the values are equal\n"
    "  soft         equal after case folding, with white space, punctuation and\n"
    "               symbols dropped\n"
    "  levenshtein  1 - distance/length of the soft forms is at least 0.80\n"
    "Repeated values (decisions, sections, signatories, amounts, ...) are aligned\n"
    "in document order: the longest order-keeping one-to-one matching counts.\n"
    "CER/WER: Levenshtein distance over code points / words of the text with\n"
    "white space runs made one space, divided by the length of truth.txt.\n\n"
    "A case with 'match = exact' in case.conf fails unless its record (without\n"
    "provenance) is byte for byte expected.xml.  A case whose input cannot be\n"
    "processed is an error, scored as extracting nothing.\n\n"
    "Options:\n"
    "      --thresholds FILE  check the figures against FILE (key = value lines:\n"
    "                         <field|micro|macro>.<mode>.<precision|recall|f1>.min,\n"
    "                         record.<mode>.accuracy.min, <cer|wer>.<before|after>.max;\n"
    "                         values 0.85 or 85%)\n"
    "      --raise-thresholds with --thresholds: raise each threshold in FILE to the\n"
    "                         figure measured (never lower one), keeping the rest\n"
    "      --json             print the report as JSON instead of a table\n"
    "      --junit FILE       also write JUnit XML: a testcase per case, one per threshold\n"
    "  -q, --quiet            no progress lines on stderr\n"
    "      --no-normalise     extract from the text as read\n"
    "      --rules DIR        rule folder (default: $TJX_RULES, or rules/ beside bin/)\n"
    "  -h, --help             this text\n\n"
    "Exit status: 0 every case passed and every threshold held; 1 a case failed or\n"
    "erred, or a figure is past its threshold; 2 usage (also: a malformed thresholds\n"
    "file, a corpus without cases); 3 rules, schema or OCR data missing or broken.\n";

struct progress_ctx {
	int quiet;
};

static void progress(void *vctx, const struct eval_case *c, size_t i, size_t n, double seconds)
{
	struct progress_ctx *ctx = vctx;
	if (c->status == EVAL_CASE_ERROR)
		fprintf(stderr, "%s: error: %s: %s\n", cli_progname, c->name,
		        c->message ? c->message : "");
	else if (c->status == EVAL_CASE_FAILED)
		fprintf(stderr, "%s: eval: %s: failed: %s\n", cli_progname, c->name,
		        c->message ? c->message : "");
	if (!ctx->quiet)
		fprintf(stderr, "%s: eval: [%zu/%zu] %s %s (%.2f s)\n", cli_progname, i + 1, n,
		        c->name, eval_status_name(c->status), seconds);
}

/* A fraction in percent, rounded as the report rounds it. */
static double pct(double v)
{
	return (double)llround(v * 10000.0) / 100.0;
}

static int write_file(const char *path, const struct sb *b)
{
	struct ex_error err;
	ex_clear(&err);
	if (!strcmp(path, "-")) {
		if (cli_write_all(1, b->buf, b->len) == 0)
			return 0;
		ex_fail(&err, EX_IO, "stdout", 0, 0, "cannot write: %m");
	} else if (batch_write_atomic(path, b->buf, b->len, &err) == 0) {
		return 0;
	}
	cli_error(&err);
	return -1;
}

int cmd_eval(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"thresholds", required_argument, NULL, 't'},
	    {"raise-thresholds", no_argument, NULL, 'r'},
	    {"json", no_argument, NULL, 'O'},
	    {"junit", required_argument, NULL, 'J'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"no-normalise", no_argument, NULL, 'N'},
	    {"no-normalize", no_argument, NULL, 'N'},
	    {"rules", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct eval_options eo;
	memset(&eo, 0, sizeof(eo));
	struct progress_ctx pc = {0};
	const char *thresholds = NULL, *junit = NULL;
	int json = 0, raise = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "j:qh", opts, NULL)) != -1) {
		switch (c) {
		case 't':
			thresholds = optarg;
			break;
		case 'r':
			raise = 1;
			break;
		case 'O':
			json = 1;
			break;
		case 'J':
			junit = optarg;
			break;
		case 'q':
			pc.quiet = 1;
			break;
		case 'j': {
			char *end;
			long j = strtol(optarg, &end, 10);
			if (*end || j < 1 || j > 256)
				return cli_usage_error("eval",
				                       "--jobs takes a number from 1 to 256");
			eo.jobs = (int)j;
			break;
		}
		case 'N':
			eo.pipe.no_normalise = 1;
			break;
		case 'R':
			eo.pipe.rules_dir = optarg;
			break;
		case 'h':
			fputs(eval_help, stdout);
			return EXIT_DONE;
		default:
			return cli_usage_error("eval", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("eval", "no corpus given");
	if (argc - optind > 1)
		return cli_usage_error("eval", "one corpus at a time");
	if (raise && !thresholds)
		return cli_usage_error("eval", "--raise-thresholds needs --thresholds FILE");
	const char *corpus = argv[optind];

	struct ex_error err;
	ex_clear(&err);
	struct eval_thresholds th = {0};
	struct eval_report *r = NULL;
	struct sb out = SB_INIT, tx = SB_INIT, nt = SB_INIT;
	int rc = EXIT_DONE;
	/* read the thresholds first: a typo should not cost a corpus run */
	if (thresholds && eval_thresholds_load(thresholds, &th, &err) < 0) {
		cli_error(&err);
		rc = err.code == EX_USAGE ? EXIT_USAGE : cli_exit_for(err.code);
		goto out;
	}
	eo.progress = progress;
	eo.ctx = &pc;
	if (eval_corpus(corpus, &eo, &r, &err) < 0) {
		cli_error(&err);
		rc = err.code == EX_USAGE ? EXIT_USAGE : cli_exit_for(err.code);
		goto out;
	}
	if (thresholds && eval_report_check(r, &th, &err) < 0) {
		cli_error(&err);
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	for (size_t i = 0; i < eval_report_nchecks(r); i++) {
		const struct eval_check *ch = eval_report_get_check(r, i);
		if (ch->pass)
			continue;
		if (!ch->measured)
			fprintf(stderr, "%s: eval: threshold not met: %s.%s: not measured\n",
			        cli_progname, ch->key, ch->is_max ? "max" : "min");
		else
			fprintf(stderr, "%s: eval: threshold not met: %s.%s: %.2f%% is %s %.2f%%\n",
			        cli_progname, ch->key, ch->is_max ? "max" : "min", pct(ch->value),
			        ch->is_max ? "above" : "below", pct(ch->limit));
	}
	if ((json ? eval_format_json(r, &out) : eval_format_table(r, &out)) < 0) {
		ex_fail(&err, EX_NOMEM, NULL, 0, 0, "out of memory");
		cli_error(&err);
		rc = EXIT_SOME_FAILED;
		goto out;
	}
	if (write_file("-", &out) < 0) {
		rc = EXIT_OUTPUT;
		goto out;
	}
	if (junit) {
		sb_reset(&out);
		if (eval_format_junit(r, &out) < 0 || write_file(junit, &out) < 0) {
			rc = EXIT_OUTPUT;
			goto out;
		}
	}
	if (raise) {
		size_t changed = 0;
		if (sb_read_file(&tx, thresholds) < 0) {
			ex_fail(&err, EX_IO, thresholds, 0, 0, "cannot read: %m");
			cli_error(&err);
			rc = EXIT_OUTPUT;
			goto out;
		}
		if (eval_thresholds_raise(r, tx.buf, tx.len, &nt, &changed, &err) < 0) {
			cli_error(&err);
			rc = EXIT_SOME_FAILED;
			goto out;
		}
		if (changed && write_file(thresholds, &nt) < 0) {
			rc = EXIT_OUTPUT;
			goto out;
		}
		fprintf(stderr, "%s: eval: %zu threshold%s raised in %s\n", cli_progname, changed,
		        changed == 1 ? "" : "s", thresholds);
	}
	rc = eval_report_passed(r) ? EXIT_DONE : EXIT_SOME_FAILED;
out:
	eval_report_free(r);
	eval_thresholds_release(&th);
	sb_release(&out);
	sb_release(&tx);
	sb_release(&nt);
	return rc;
}
