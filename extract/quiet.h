/* quiet.h - run library code that writes its messages on stderr, and keep
 * them instead.
 *
 * libpng, libjpeg, libtiff and Tesseract's initialisation print errors and
 * warnings on the process's standard error, where no caller asked for them.
 * Between quiet_begin() and quiet_end() file descriptor 2 points at a
 * temporary file; quiet_end() puts it back and returns the first line that
 * was written (the library's reason, for an error message).  Not for use by
 * several threads at once; tjx's workers are processes.
 */
#ifndef TJX_QUIET_H
#define TJX_QUIET_H

#include <stddef.h>
#include <stdio.h>

struct quiet {
	FILE *tmp;
	int saved; /* the real stderr, or -1 */
};

/* Send stderr to a temporary file (when that fails, stderr stays as it is). */
void quiet_begin(struct quiet *q);

/* Restore stderr.  When msg is not NULL it receives the first non-empty line
 * that was written ("" when none), without its newline. */
void quiet_end(struct quiet *q, char *msg, size_t size);

#endif
