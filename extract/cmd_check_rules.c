/* cmd_check_rules.c - `tjx check-rules`: compile every rule, run its tests */
#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "fields.h"
#include "normalise.h"
#include "pipeline.h"

static const char check_rules_help[] =
    "usage: tjx check-rules [--rules DIR]\n\n"
    "Compile every rule under the rules folder and run each rule's 'test' lines,\n"
    "so that an edited rule file can be checked without building anything.\n"
    "Prints each failing test as 'FILE:LINE: message'.  Exit 0 when all pass,\n"
    "1 when a test fails, 3 when a rule does not compile.  Warns (exit status\n"
    "unchanged) when the normaliser's line rules outgrow its prefilters, which\n"
    "would make it several times slower.\n\n";

static void report(void *ctx, const char *file, int line, const char *msg)
{
	(void)ctx;
	fprintf(stderr, "%s:%d: %s\n", file, line, msg);
}

int cmd_check_rules(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"rules", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *rules = NULL;
	int c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'R':
			rules = optarg;
			break;
		case 'h':
			fputs(check_rules_help, stdout);
			fputs(cli_exit_help, stdout);
			return EXIT_DONE;
		default:
			return cli_usage_error("check-rules", "unknown option");
		}
	}
	struct ex_error err;
	ex_clear(&err);
	struct pipe_options po = {.rules_dir = rules};
	struct pipe *p = NULL;
	if (pipe_new(&po, &p, &err) < 0) {
		cli_error(&err);
		return cli_exit_for(err.code);
	}
	int nf = norm_check_rules(pipe_norm(p), report, NULL, &err);
	int ff = nf < 0 ? 0 : fields_check_rules(pipe_fields(p), report, NULL, &err);
	const char *why = norm_unfiltered(pipe_norm(p));
	if (why)
		cli_msg("warning: the normaliser's line rules do not fit its prefilters (%s); "
		        "they will run on every line, at a fraction of the speed",
		        why);
	pipe_free(p);
	if (nf < 0 || ff < 0) {
		cli_error(&err);
		return cli_exit_for(err.code);
	}
	if (nf + ff) {
		cli_msg("%d rule test(s) failed", nf + ff);
		return EXIT_SOME_FAILED;
	}
	printf("all rule tests pass\n");
	return EXIT_DONE;
}
