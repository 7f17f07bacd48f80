/* cmd_fields.c - `tjx fields [FILE|-]`: one document in, one record out */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "pipeline.h"
#include "strbuf.h"

static const char fields_help[] =
    "usage: tjx fields [options] [FILE|-]\n\n"
    "Extract the fields of one document and print its record (XML, schema\n"
    "urn:tjx:record:1) on standard output.  The text is normalised first, as\n"
    "'tjx run' does; the record is validated before it is printed.\n\n"
    "Options:\n"
    "      --debug          print the text the rules saw and, for each field, the\n"
    "                       rule that matched or why none did (on stderr)\n"
    "      --no-normalise   extract from the text as read\n"
    "      --no-provenance  leave out @page, @line, @conf and @raw\n"
    "      --lenient        a missing required field is not an error\n"
    "      --rules DIR      rule folder (default: $TJX_RULES, or rules/ beside bin/)\n"
    "  -h, --help           this text\n\n";

int cmd_fields(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"debug", no_argument, NULL, 'd'},
	    {"no-normalise", no_argument, NULL, 'N'},
	    {"no-normalize", no_argument, NULL, 'N'},
	    {"no-provenance", no_argument, NULL, 'P'},
	    {"lenient", no_argument, NULL, 'l'},
	    {"rules", required_argument, NULL, 'R'},
	    CLI_OCR_OPTIONS,
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct pipe_options po = {0};
	int debug = 0, c;
	optind = 1;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			debug = 1;
			break;
		case 'N':
			po.no_normalise = 1;
			break;
		case 'P':
			po.no_provenance = 1;
			break;
		case 'l':
			po.lenient = 1;
			break;
		case 'R':
			po.rules_dir = optarg;
			break;
		case 'h':
			fputs(fields_help, stdout);
			fputs(cli_ocr_help, stdout);
			fputs(cli_exit_help, stdout);
			return EXIT_DONE;
		default: {
			int r = cli_ocr_option("fields", c, optarg, &po);
			if (r == 0)
				break;
			return r == 1 ? cli_usage_error("fields", "unknown option") : r;
		}
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("fields", "one input at a time ('tjx run' takes many)");
	const char *path = optind < argc ? argv[optind] : "-";

	struct ex_error err;
	ex_clear(&err);
	struct pipe *p = NULL;
	struct doc *d = NULL;
	struct sb xml = SB_INIT, dbg = SB_INIT, in = SB_INIT;
	int rc = EXIT_DONE;
	if (pipe_new(&po, &p, &err) < 0)
		goto fail;
	if (!strcmp(path, "-")) {
		if (sb_read_file(&in, "-") < 0) {
			ex_fail(&err, EX_IO, "stdin", 0, 0, "cannot read: %m");
			goto fail;
		}
		if (pipe_read_text(p, in.buf, in.len, "stdin", &d, &err) < 0)
			goto fail;
	} else if (pipe_read(p, path, cli_base_name(path), &d, &err) < 0) {
		goto fail;
	}
	for (size_t i = 0; i < d->nwarnings; i++)
		cli_warn("%s: %s", path, d->warnings[i]);
	if (pipe_normalise(p, d, &err) < 0)
		goto fail;
	int xr = pipe_record(p, d, &xml, debug ? &dbg : NULL, &err);
	if (debug)
		fwrite(dbg.buf, 1, dbg.len, stderr);
	if (xr < 0)
		goto fail;
	if (cli_write_all(1, xml.buf, xml.len) < 0) {
		ex_fail(&err, EX_IO, "stdout", 0, 0, "cannot write: %m");
		goto fail;
	}
	goto done;
fail:
	cli_error(&err);
	rc = cli_exit_for(err.code);
done:
	doc_free(d);
	pipe_free(p);
	sb_release(&xml);
	sb_release(&dbg);
	sb_release(&in);
	return rc;
}
