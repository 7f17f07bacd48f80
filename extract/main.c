/* main.c - tjx: scanned Swedish municipal case documents to validated XML.
 *
 * Dispatches to the subcommands (cmd_*.c) and holds the CLI helpers they
 * share.  Only this layer prints or exits.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "pipeline.h"

const char *cli_progname = "tjx";

const char cli_exit_help[] =
    "Exit status:\n"
    "  0    success\n"
    "  1    some inputs failed and the rest were done (diff: the records differ;\n"
    "       eval: a score fell below its threshold)\n"
    "  2    usage error\n"
    "  3    missing dependency or data (tessdata, dictionary, rules), or a broken rule\n"
    "  4    an output failed validation\n"
    "  5    the output folder cannot be written\n"
    "  130  interrupted (SIGINT/SIGTERM); finished records and the manifest are kept\n";

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

static const struct cmd commands[] = {
    {"run", cmd_run, "process files and folders into one record each"},
    {"normalise", cmd_normalise, "repair OCR text (lost å/ä/ö, @ § % –) and explain each change"},
    {"ocr", cmd_ocr, "read a scanned PDF or image: text, TSV, ALTO or hOCR"},
    {"fields", cmd_fields, "extract the fields of one text document as a record"},
    {"validate", cmd_validate, "check records against the schema and the semantic rules"},
    {"check-rules", cmd_check_rules, "compile every rule file and run its test lines"},
    {"eval", cmd_eval, "score the pipeline on a corpus against hand-checked records"},
    {"diff", cmd_diff, "field-level differences between two records or two folders"},
};

static void usage(FILE *f)
{
	fprintf(f, "usage: tjx <command> [options] [args]\n"
	           "       tjx --help | --version\n\n"
	           "Turns scanned Swedish municipal case documents into validated XML records.\n\n"
	           "Commands:\n");
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		fprintf(f, "  %-12s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'tjx <command> --help' describes a command.\n\n%s", cli_exit_help);
}

int cli_exit_for(enum ex_code code)
{
	switch (code) {
	case EX_OK:
		return EXIT_DONE;
	case EX_USAGE:
		return EXIT_USAGE;
	case EX_DEP:
	case EX_RULE:
		return EXIT_DEPENDENCY;
	case EX_INVALID:
		return EXIT_INVALID;
	default:
		return EXIT_SOME_FAILED;
	}
}

void cli_error(const struct ex_error *err)
{
	char buf[1200];
	ex_format(err, buf, sizeof(buf));
	fprintf(stderr, "%s: error: %s\n", cli_progname, buf);
}

void cli_msg(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: ", cli_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s: warning: ", cli_progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fprintf(stderr, "%s %s: ", cli_progname, cmd);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, "\nTry '%s %s --help'.\n", cli_progname, cmd);
	va_end(ap);
	return EXIT_USAGE;
}

int cli_write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

const char *cli_base_name(const char *path)
{
	if (!strcmp(path, "-"))
		return "stdin";
	const char *s = strrchr(path, '/');
	return s && s[1] ? s + 1 : path;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *c = argv[1];
	if (!strcmp(c, "--help") || !strcmp(c, "-h") || !strcmp(c, "help")) {
		usage(stdout);
		return EXIT_DONE;
	}
	if (!strcmp(c, "--version") || !strcmp(c, "version")) {
		printf("tjx %s (record schema 1)\n", TJX_VERSION);
		return EXIT_DONE;
	}
	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (!strcmp(c, commands[i].name))
			return commands[i].fn(argc - 1, argv + 1);
	if (!strcmp(c, "normalize"))
		return cmd_normalise(argc - 1, argv + 1);
	fprintf(stderr, "%s: '%s' is not a command. See '%s --help'.\n", cli_progname, c,
	        cli_progname);
	return EXIT_USAGE;
}
