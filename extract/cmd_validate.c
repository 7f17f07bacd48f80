/* cmd_validate.c - `tjx validate FILE.xml|- ...` */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"
#include "record.h"
#include "strbuf.h"

static const char validate_help[] =
    "usage: tjx validate [options] FILE.xml|- ...\n\n"
    "Check records against the schema (rules/record.xsd) and the semantic rules:\n"
    "dates exist in the calendar, organisation numbers pass the Luhn check, e-mail\n"
    "addresses and phone numbers are well formed, decisions run 1..n without gaps,\n"
    "text is in Unicode NFC.  Each problem is printed as\n"
    "'FILE:LINE: /record/element/path: message'.  Exit 0 only when every file is valid.\n\n"
    "Options:\n"
    "  -q, --quiet      print nothing; the exit status tells\n"
    "      --rules DIR  rule folder (default: $TJX_RULES, or rules/ beside bin/)\n"
    "  -h, --help       this text\n\n";

int cmd_validate(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"quiet", no_argument, NULL, 'q'},
	    {"rules", required_argument, NULL, 'R'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	const char *rules = NULL;
	int quiet = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q':
			quiet = 1;
			break;
		case 'R':
			rules = optarg;
			break;
		case 'h':
			fputs(validate_help, stdout);
			fputs(cli_exit_help, stdout);
			return EXIT_DONE;
		default:
			return cli_usage_error("validate", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage_error("validate", "no file given (use - for standard input)");
	struct ex_error err;
	ex_clear(&err);
	char xsd[PATH_MAX];
	snprintf(xsd, sizeof(xsd), "%s/record.xsd", rules ? rules : pipe_default_rules_dir());
	struct rec_schema *s = NULL;
	if (record_schema_load(xsd, &s, &err) < 0) {
		cli_error(&err);
		return cli_exit_for(err.code);
	}
	int invalid = 0, unreadable = 0;
	for (int i = optind; i < argc; i++) {
		const char *path = argv[i], *name = strcmp(path, "-") ? path : "stdin";
		struct sb buf = SB_INIT;
		if (sb_read_file(&buf, path) < 0) {
			ex_fail(&err, EX_IO, name, 0, 0, "cannot read: %m");
			if (!quiet)
				cli_error(&err);
			unreadable++;
			sb_release(&buf);
			continue;
		}
		struct rec_problems probs = {0};
		if (record_validate(buf.buf, buf.len, name, s, &probs, &err) < 0) {
			invalid++;
			for (size_t k = 0; !quiet && k < probs.n; k++) {
				if (probs.items[k].line)
					fprintf(stderr, "%s:%d: %s: %s\n", name,
					        probs.items[k].line, probs.items[k].path,
					        probs.items[k].msg);
				else
					fprintf(stderr, "%s: %s: %s\n", name, probs.items[k].path,
					        probs.items[k].msg);
			}
		} else if (!quiet && argc - optind > 1) {
			printf("%s: valid\n", name);
		}
		rec_problems_release(&probs);
		sb_release(&buf);
	}
	record_schema_free(s);
	if (invalid)
		return EXIT_INVALID;
	return unreadable ? EXIT_SOME_FAILED : EXIT_DONE;
}
