/* cmd_diff.c - `tjx diff [options] A B`: field-level differences between records */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "diff.h"

static const char diff_help[] =
    "usage: tjx diff [options] A B\n\n"
    "Compare two records, or two folders of records (A old, B new), field by\n"
    "field: each value added, removed or changed, with its old and new text and\n"
    "its place (\"sections/section[3]/@heading\", \"signatories/signatory[2]/role\").\n"
    "Repeated values are aligned in order; provenance (@page, @line, @conf, @raw)\n"
    "is ignored unless --provenance.  Folders: every *.xml below each is read;\n"
    "records are paired by source/@sha256 (the same input), then by relative file\n"
    "name; the rest are listed as only in A or only in B.\n\n"
    "Options:\n"
    "      --format FMT   text (default) or xml (namespace urn:tjx:diff:1: <diff>\n"
    "                     holding <pair a b paired-by equal> with <added>, <removed>,\n"
    "                     <changed path field [attribute] [old-index] [new-index]>\n"
    "                     around <old>/<new>, then <only-in-a file>, <only-in-b file>,\n"
    "                     <error file message>)\n"
    "      --provenance   compare @page, @line, @conf and @raw too\n"
    "  -q, --quiet        print nothing; the exit status tells\n"
    "  -h, --help         this text\n\n"
    "Exit status: 0 the records are equal; 1 they differ (or a record is unpaired);\n"
    "2 usage, or an input that cannot be read or is not a record.\n";

static int is_dir(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

int cmd_diff(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"provenance", no_argument, NULL, 'p'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	unsigned flags = 0;
	int xml = 0, quiet = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "qh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (!strcmp(optarg, "xml"))
				xml = 1;
			else if (!strcmp(optarg, "text"))
				xml = 0;
			else
				return cli_usage_error("diff", "--format is text or xml, not '%s'",
				                       optarg);
			break;
		case 'p':
			flags |= DIFF_PROVENANCE;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			fputs(diff_help, stdout);
			return EXIT_DONE;
		default:
			return cli_usage_error("diff", "unknown option");
		}
	}
	if (argc - optind != 2)
		return cli_usage_error("diff", "two records or two folders are needed");
	const char *a = argv[optind], *b = argv[optind + 1];
	int da = is_dir(a), db = is_dir(b);
	if (da != db)
		return cli_usage_error("diff",
		                       "'%s' is a folder and '%s' is not: compare two "
		                       "records or two folders",
		                       da ? a : b, da ? b : a);

	struct ex_error err;
	ex_clear(&err);
	struct diff_report r;
	if ((da ? diff_folders(a, b, flags, &r, &err) : diff_files(a, b, flags, &r, &err)) < 0) {
		cli_error(&err);
		return err.code == EX_NOMEM ? EXIT_SOME_FAILED : EXIT_USAGE;
	}
	for (size_t i = 0; i < r.nproblems; i++)
		fprintf(stderr, "%s: error: %s: %s\n", cli_progname, r.problems[i].file,
		        r.problems[i].msg);
	int rc = r.nproblems ? EXIT_USAGE : diff_report_equal(&r) ? EXIT_DONE : EXIT_SOME_FAILED;
	if (!quiet) {
		struct sb out = SB_INIT;
		if ((xml ? diff_format_xml(&r, &out) : diff_format_text(&r, &out)) < 0 ||
		    cli_write_all(1, out.buf, out.len) < 0) {
			ex_fail(&err, EX_IO, "stdout", 0, 0, "cannot write the differences");
			cli_error(&err);
			rc = EXIT_OUTPUT;
		}
		sb_release(&out);
	}
	diff_report_release(&r);
	return rc;
}
