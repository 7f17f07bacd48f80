/* cli.h - the command-line layer: the only code that prints or exits.
 *
 * Each subcommand is a cmd_<name>(argc, argv) in its own cmd_<name>.c,
 * registered in main.c's table (git's builtin/ pattern).  A command returns
 * its exit code; main() returns it.
 */
#ifndef TJX_CLI_H
#define TJX_CLI_H

#include <stdio.h>

#include "error.h"

/* Exit codes: documented in `tjx --help` and the README. */
enum cli_exit {
	EXIT_DONE = 0, /* success */
	EXIT_SOME_FAILED =
	    1,               /* some inputs failed and the rest were done (or: differences found) */
	EXIT_USAGE = 2,      /* the command line is wrong */
	EXIT_DEPENDENCY = 3, /* missing dependency or data, or a broken rule file */
	EXIT_INVALID = 4,    /* an output failed validation */
	EXIT_OUTPUT = 5,     /* the output folder cannot be written */
	EXIT_INTERRUPTED = 130, /* stopped by SIGINT or SIGTERM */
};

extern const char *cli_progname;

/* The exit code for an error of a single-document command. */
int cli_exit_for(enum ex_code code);

/* Print "tjx: error: <file:page:line: message>" on stderr (one line). */
void cli_error(const struct ex_error *err);
/* Print "tjx: <fmt>" on stderr. */
void cli_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print "tjx: warning: <fmt>" on stderr. */
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a usage error and a hint, return EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Write all of buf to fd, or to the file at path ("-": stdout).  0 or -1. */
int cli_write_all(int fd, const char *buf, size_t len);

/* The name a file is given in its record: its base name. */
const char *cli_base_name(const char *path);

/* The exit-code table, for --help texts. */
extern const char cli_exit_help[];

/* The OCR options 'tjx run' and 'tjx fields' take (cmd_ocr.c): put
 * CLI_OCR_OPTIONS in the getopt_long table, cli_ocr_help in --help, and
 * hand every option code to cli_ocr_option(), which returns 0 when it was
 * one of them and applied, 1 when it is not one of them, or EXIT_USAGE
 * after printing what is wrong. */
enum {
	CLI_OPT_OCR = 0x100,
	CLI_OPT_LANG,
	CLI_OPT_TESSDATA,
	CLI_OPT_PAGE_TIMEOUT,
	CLI_OPT_ROTATE,
	CLI_OPT_MAX_PAGES,
	CLI_OPT_MAX_PIXELS,
};
/* clang-format off */
#define CLI_OCR_OPTIONS \
	{"ocr", required_argument, NULL, CLI_OPT_OCR}, \
	{"lang", required_argument, NULL, CLI_OPT_LANG}, \
	{"tessdata", required_argument, NULL, CLI_OPT_TESSDATA}, \
	{"page-timeout", required_argument, NULL, CLI_OPT_PAGE_TIMEOUT}, \
	{"rotate", no_argument, NULL, CLI_OPT_ROTATE}, \
	{"max-pages", required_argument, NULL, CLI_OPT_MAX_PAGES}, \
	{"max-pixels", required_argument, NULL, CLI_OPT_MAX_PIXELS}
/* clang-format on */
struct pipe_options;
extern const char cli_ocr_help[];
int cli_ocr_option(const char *cmd, int c, const char *arg, struct pipe_options *po);

int cmd_normalise(int argc, char **argv);
int cmd_fields(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_check_rules(int argc, char **argv);
int cmd_ocr(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_diff(int argc, char **argv);

#endif
