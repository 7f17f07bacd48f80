/* testutil.h - helpers shared by the Criterion tests (header-only).
 *
 * Tests run from the repository root (make test does so).  The binary under
 * test is $TJX_BIN (bin/tjx, or bin/asan/tjx for the sanitizer run).
 */
#ifndef TJX_TESTUTIL_H
#define TJX_TESTUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "strbuf.h"

static inline const char *tu_bin(void)
{
	const char *b = getenv("TJX_BIN");
	return b && *b ? b : "bin/tjx";
}

static inline const char *tu_rules(void)
{
	const char *r = getenv("TJX_RULES");
	return r && *r ? r : "rules";
}

/* The text of a file; aborts the test (returns NULL) when unreadable. */
static inline char *tu_read(const char *path, size_t *len)
{
	struct sb b = SB_INIT;
	if (sb_read_file(&b, path) < 0) {
		sb_release(&b);
		return NULL;
	}
	return sb_detach(&b, len);
}

static inline int tu_write(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	size_t n = fwrite(data, 1, len, f);
	return fclose(f) == 0 && n == len ? 0 : -1;
}

/* The path of the first file in dir whose name starts with prefix
 * (seeds are named 000_<hash>.txt).  Caller frees. */
static inline char *tu_seed(const char *num)
{
	static const char *dirs[] = {"../shared/seeds", "/work/shared/seeds"};
	for (size_t d = 0; d < 2; d++) {
		char cmd[256];
		snprintf(cmd, sizeof(cmd), "ls %s/%s_*.txt 2>/dev/null | head -n 1", dirs[d], num);
		FILE *p = popen(cmd, "r");
		if (!p)
			continue;
		char buf[512] = "";
		char *ok = fgets(buf, sizeof(buf), p);
		pclose(p);
		if (ok && *buf) {
			buf[strcspn(buf, "\n")] = '\0';
			return strdup(buf);
		}
	}
	return NULL;
}

/* The text of seed num (NULL when missing).  Caller frees. */
static inline char *tu_seed_text(const char *num)
{
	char *path = tu_seed(num);
	size_t n;
	char *text = path ? tu_read(path, &n) : NULL;
	free(path);
	return text;
}

struct tu_result {
	int status; /* exit status, or 128+signal */
	char *out;
	char *err;
};

static inline void tu_result_free(struct tu_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

/* Run `sh -c cmd` with stdin fed from `in` (may be NULL), capturing stdout
 * and stderr through temporary files. */
static inline struct tu_result tu_run(const char *in, const char *fmt, ...)
{
	struct tu_result r = {-1, NULL, NULL};
	char cmd[4096];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	char inp[] = "/tmp/tjx-test-in-XXXXXX", outp[] = "/tmp/tjx-test-out-XXXXXX",
	     errp[] = "/tmp/tjx-test-err-XXXXXX";
	int fi = mkstemp(inp), fo = mkstemp(outp), fe = mkstemp(errp);
	if (fi < 0 || fo < 0 || fe < 0)
		return r;
	if (in && write(fi, in, strlen(in)) < 0)
		return r;
	lseek(fi, 0, SEEK_SET);
	pid_t pid = fork();
	if (pid == 0) {
		dup2(fi, 0);
		dup2(fo, 1);
		dup2(fe, 2);
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	int st = 0;
	waitpid(pid, &st, 0);
	r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
	close(fi);
	close(fo);
	close(fe);
	r.out = tu_read(outp, NULL);
	r.err = tu_read(errp, NULL);
	unlink(inp);
	unlink(outp);
	unlink(errp);
	return r;
}

/* Run a shell command for its effect; returns its exit status. */
#define tu_sh(...)                                                                                 \
	({                                                                                         \
		struct tu_result tu_r_ = tu_run(NULL, __VA_ARGS__);                                \
		tu_result_free(&tu_r_);                                                            \
		tu_r_.status;                                                                      \
	})

/* A fresh temporary folder; caller frees the path (and may rm -rf it). */
static inline char *tu_tmpdir(void)
{
	char tmpl[] = "/tmp/tjx-test-XXXXXX";
	char *d = mkdtemp(tmpl);
	return d ? strdup(d) : NULL;
}

static inline int tu_count_lines(const char *s)
{
	int n = 0;
	for (; s && *s; s++)
		n += *s == '\n';
	return n;
}

#endif
