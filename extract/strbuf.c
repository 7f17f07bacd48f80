/* strbuf.c - see strbuf.h */
#include "strbuf.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

char sb_empty[1];

void sb_init(struct sb *b)
{
	b->buf = sb_empty;
	b->len = 0;
	b->alloc = 0;
	b->oom = 0;
}

void sb_release(struct sb *b)
{
	if (b->alloc)
		free(b->buf);
	sb_init(b);
}

int sb_grow(struct sb *b, size_t extra)
{
	if (b->len + extra + 1 <= b->alloc)
		return 0;
	if (extra > ((size_t)-1) / 2 - b->len) {
		b->oom = 1;
		return -1;
	}
	size_t want = b->len + extra + 1;
	size_t n = b->alloc ? b->alloc : 64;
	while (n < want)
		n = n / 2 * 3 + 16;
	char *p = b->alloc ? realloc(b->buf, n) : malloc(n);
	if (!p) {
		b->oom = 1;
		return -1;
	}
	if (!b->alloc)
		p[0] = '\0';
	b->buf = p;
	b->alloc = n;
	return 0;
}

int sb_add(struct sb *b, const void *data, size_t len)
{
	if (sb_grow(b, len) < 0)
		return -1;
	if (len)
		memmove(b->buf + b->len, data, len);
	b->len += len;
	b->buf[b->len] = '\0';
	return 0;
}

int sb_adds(struct sb *b, const char *s)
{
	return sb_add(b, s, strlen(s));
}

int sb_addc(struct sb *b, char c)
{
	return sb_add(b, &c, 1);
}

int sb_vaddf(struct sb *b, const char *fmt, va_list ap)
{
	va_list cp;
	va_copy(cp, ap);
	int n = vsnprintf(NULL, 0, fmt, cp);
	va_end(cp);
	if (n < 0 || sb_grow(b, (size_t)n) < 0)
		return -1;
	vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
	b->len += (size_t)n;
	return 0;
}

int sb_addf(struct sb *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = sb_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

void sb_reset(struct sb *b)
{
	sb_setlen(b, 0);
}

void sb_setlen(struct sb *b, size_t len)
{
	if (!b->alloc)
		return;
	if (len > b->len)
		len = b->len;
	b->len = len;
	b->buf[len] = '\0';
}

void sb_rtrim(struct sb *b)
{
	size_t n = b->len;
	while (n && (b->buf[n - 1] == ' ' || b->buf[n - 1] == '\t' || b->buf[n - 1] == '\n' ||
	             b->buf[n - 1] == '\r'))
		n--;
	sb_setlen(b, n);
}

char *sb_detach(struct sb *b, size_t *len)
{
	char *s;
	if (len)
		*len = b->len;
	if (b->alloc)
		s = b->buf;
	else
		s = calloc(1, 1);
	sb_init(b);
	return s;
}

int sb_read_file(struct sb *b, const char *path)
{
	int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : 0;
	if (fd < 0)
		return -1;
	for (;;) {
		if (sb_grow(b, 65536) < 0) {
			if (fd)
				close(fd);
			errno = ENOMEM;
			return -1;
		}
		ssize_t n = read(fd, b->buf + b->len, b->alloc - b->len - 1);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			int e = errno;
			if (fd)
				close(fd);
			errno = e;
			return -1;
		}
		if (n == 0)
			break;
		b->len += (size_t)n;
		b->buf[b->len] = '\0';
	}
	if (fd)
		close(fd);
	return 0;
}
