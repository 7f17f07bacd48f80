/* error.h - error values: what failed, where, and why.
 *
 * Every function that can fail takes a `struct ex_error *err` as its last
 * argument, fills it on failure and returns a negative status (the code,
 * negated).  Nothing below the CLI layer prints or exits: the caller decides
 * what to do with the error.  A NULL `err` is allowed and discards the detail.
 *
 *	if (rules_load(path, &set, err) < 0)
 *		return -1;              // err already says what and where
 *	...
 *	return ex_fail(err, EX_INPUT, path, page, 0, "no text on the page");
 */
#ifndef TJX_ERROR_H
#define TJX_ERROR_H

#include <stdarg.h>

/* What kind of failure; the CLI maps these to exit codes (main.c, README). */
enum ex_code {
	EX_OK = 0,
	EX_USAGE,    /* the caller asked for something impossible */
	EX_IO,       /* a file could not be read or written */
	EX_INPUT,    /* the input is corrupt, truncated, empty or of the wrong type */
	EX_ENCRYPT,  /* the input is encrypted */
	EX_LIMIT,    /* the input exceeds a limit (--max-pages, --max-pixels, ...) */
	EX_TIMEOUT,  /* a deadline passed */
	EX_DEP,      /* a dependency or data file is missing (tessdata, dictionary) */
	EX_RULE,     /* a rule file is broken */
	EX_FIELD,    /* a required field was not found */
	EX_INVALID,  /* a record failed validation */
	EX_NOMEM,    /* out of memory */
	EX_INTERNAL, /* a library reported something that should not happen */
};

/* Filled by ex_fail(); plain data, lives wherever the caller puts it. */
struct ex_error {
	enum ex_code code;
	char file[512]; /* the input or rule file concerned; "" when none */
	int page;       /* 1-based page; 0 when not applicable */
	int line;       /* 1-based line; 0 when not applicable */
	char msg[512];  /* lowercase, no full stop, no newline */
};

/* Reset `err` to "no error". */
void ex_clear(struct ex_error *err);

/* Fill `err` (when not NULL) and return -code.  `file` may be NULL.  Any CR
 * or LF in the formatted message is replaced by a space so that an error is
 * always one line. */
int ex_fail(struct ex_error *err, enum ex_code code, const char *file, int page, int line,
            const char *fmt, ...) __attribute__((format(printf, 6, 7)));
int ex_vfail(struct ex_error *err, enum ex_code code, const char *file, int page, int line,
             const char *fmt, va_list ap);

/* Add context to an existing error: set file/page/line where they are still
 * unset.  Returns -err->code, so it can be the last word of a failure path. */
int ex_context(struct ex_error *err, const char *file, int page, int line);

/* A short lowercase name for the code ("io", "input", "timeout", ...). */
const char *ex_code_name(enum ex_code code);

/* Format `err` as one editor-clickable line, "file:page:line: message", into
 * buf (always NUL-terminated).  Page and line are left out when 0. */
void ex_format(const struct ex_error *err, char *buf, unsigned long size);

#endif
