/* strbuf.h - a growable, always NUL-terminated byte buffer (after git's strbuf).
 *
 *	struct sb b = SB_INIT;
 *	sb_addf(&b, "%d pages", n);
 *	puts(b.buf);
 *	sb_release(&b);
 *
 * `buf` is never NULL: an empty buffer points at a static "".  Allocation
 * failure is reported by the return value (-1) and leaves the buffer as it
 * was; `oom` records that it happened, so a long chain of appends can be
 * checked once at the end.
 */
#ifndef TJX_STRBUF_H
#define TJX_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sb {
	char *buf;
	size_t len;
	size_t alloc; /* 0 while buf points at the static empty string */
	int oom;      /* set once an append failed */
};

extern char sb_empty[];
#define SB_INIT                                                                                    \
	{                                                                                          \
		sb_empty, 0, 0, 0                                                                  \
	}

void sb_init(struct sb *b);
/* Free the contents; the struct can be reused after sb_init(). */
void sb_release(struct sb *b);
/* Make room for `extra` more bytes. */
int sb_grow(struct sb *b, size_t extra);
int sb_add(struct sb *b, const void *data, size_t len);
int sb_adds(struct sb *b, const char *s);
int sb_addc(struct sb *b, char c);
int sb_addf(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int sb_vaddf(struct sb *b, const char *fmt, va_list ap);
void sb_reset(struct sb *b); /* length 0, memory kept */
void sb_setlen(struct sb *b, size_t len);
/* Remove trailing ASCII white space. */
void sb_rtrim(struct sb *b);
/* Hand the string to the caller, who must free() it; the buffer is left
 * empty.  Never returns NULL unless allocation fails. */
char *sb_detach(struct sb *b, size_t *len);

/* Read a whole file (or stdin when path is "-") into `b`.  Returns 0, or -1
 * with errno set. */
int sb_read_file(struct sb *b, const char *path);

#endif
