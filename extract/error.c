/* error.c - see error.h */
#include "error.h"

#include <stdio.h>
#include <string.h>

void ex_clear(struct ex_error *err)
{
	if (!err)
		return;
	memset(err, 0, sizeof(*err));
}

static void copy_file(struct ex_error *err, const char *file)
{
	if (file)
		snprintf(err->file, sizeof(err->file), "%s", file);
	else
		err->file[0] = '\0';
}

int ex_vfail(struct ex_error *err, enum ex_code code, const char *file, int page, int line,
             const char *fmt, va_list ap)
{
	if (!err)
		return -(int)code;
	err->code = code;
	copy_file(err, file);
	err->page = page;
	err->line = line;
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	for (char *p = err->msg; *p; p++)
		if (*p == '\n' || *p == '\r')
			*p = ' ';
	return -(int)code;
}

int ex_fail(struct ex_error *err, enum ex_code code, const char *file, int page, int line,
            const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = ex_vfail(err, code, file, page, line, fmt, ap);
	va_end(ap);
	return rc;
}

int ex_context(struct ex_error *err, const char *file, int page, int line)
{
	if (!err)
		return -(int)EX_INTERNAL;
	if (!err->file[0] && file)
		copy_file(err, file);
	if (!err->page)
		err->page = page;
	if (!err->line)
		err->line = line;
	if (err->code == EX_OK)
		err->code = EX_INTERNAL;
	return -(int)err->code;
}

const char *ex_code_name(enum ex_code code)
{
	switch (code) {
	case EX_OK:
		return "ok";
	case EX_USAGE:
		return "usage";
	case EX_IO:
		return "io";
	case EX_INPUT:
		return "input";
	case EX_ENCRYPT:
		return "encrypted";
	case EX_LIMIT:
		return "limit";
	case EX_TIMEOUT:
		return "timeout";
	case EX_DEP:
		return "dependency";
	case EX_RULE:
		return "rule";
	case EX_FIELD:
		return "field";
	case EX_INVALID:
		return "invalid";
	case EX_NOMEM:
		return "nomem";
	case EX_INTERNAL:
		return "internal";
	}
	return "unknown";
}

void ex_format(const struct ex_error *err, char *buf, unsigned long size)
{
	if (!size)
		return;
	if (!err) {
		snprintf(buf, size, "unknown error");
		return;
	}
	char where[600] = "";
	if (err->file[0]) {
		if (err->page && err->line)
			snprintf(where, sizeof(where), "%s:%d:%d: ", err->file, err->page,
			         err->line);
		else if (err->line)
			snprintf(where, sizeof(where), "%s:%d: ", err->file, err->line);
		else if (err->page)
			snprintf(where, sizeof(where), "%s: page %d: ", err->file, err->page);
		else
			snprintf(where, sizeof(where), "%s: ", err->file);
	}
	snprintf(buf, size, "%s%s", where, err->msg[0] ? err->msg : ex_code_name(err->code));
}
