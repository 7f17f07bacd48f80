/* batch.c - see batch.h */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "strbuf.h"

const char *batch_status_name(enum batch_status s)
{
	switch (s) {
	case BATCH_OK:
		return "ok";
	case BATCH_PARTIAL:
		return "partial";
	case BATCH_FAILED:
		return "failed";
	case BATCH_SKIPPED:
		return "skipped";
	}
	return "?";
}

void batch_inputs_release(struct batch_inputs *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->items[i].path);
		free(in->items[i].name);
		free(in->items[i].out);
	}
	free(in->items);
	in->items = NULL;
	in->n = in->alloc = 0;
}

/* ---- walking ---------------------------------------------------------------- */

struct ignore {
	char **globs;
	size_t n;
};

struct walk {
	struct batch_inputs *in;
	void (*skip)(void *ctx, const char *path, const char *why);
	void *ctx;
	dev_t *devs;
	ino_t *inos;
	size_t ndirs;
};

static int add_input(struct batch_inputs *in, const char *path, const char *name)
{
	if (in->n == in->alloc) {
		size_t na = in->alloc ? in->alloc * 2 : 64;
		struct batch_input *ni = realloc(in->items, na * sizeof(*ni));
		if (!ni)
			return -1;
		in->items = ni;
		in->alloc = na;
	}
	struct batch_input *b = &in->items[in->n];
	b->path = strdup(path);
	b->name = strdup(name);
	b->out = NULL;
	if (!b->path || !b->name) {
		free(b->path);
		free(b->name);
		return -1;
	}
	in->n++;
	return 0;
}

static int read_ignore(const char *dir, struct ignore *ig)
{
	struct sb path = SB_INIT, buf = SB_INIT;
	sb_addf(&path, "%s/.tjxignore", dir);
	int rc = 0;
	if (sb_read_file(&buf, path.buf) == 0) {
		char *save = NULL;
		for (char *l = strtok_r(buf.buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
			while (*l == ' ' || *l == '\t')
				l++;
			size_t n = strlen(l);
			while (n && (l[n - 1] == ' ' || l[n - 1] == '\r' || l[n - 1] == '\t'))
				l[--n] = '\0';
			if (!*l || *l == '#')
				continue;
			char **ng = realloc(ig->globs, (ig->n + 1) * sizeof(char *));
			if (!ng || !(ng[ig->n] = strdup(l))) {
				if (ng)
					ig->globs = ng;
				rc = -1;
				break;
			}
			ig->globs = ng;
			ig->n++;
		}
	}
	sb_release(&path);
	sb_release(&buf);
	return rc;
}

static int ignored(const struct ignore *ig, const char *name)
{
	for (size_t i = 0; i < ig->n; i++)
		if (fnmatch(ig->globs[i], name, 0) == 0)
			return 1;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int walk_dir(struct walk *w, const char *dir, const char *rel, struct ignore *inherited,
		    struct ex_error *err)
{
	struct stat st;
	if (stat(dir, &st) < 0) {
		if (w->skip)
			w->skip(w->ctx, dir, strerror(errno));
		return 0;
	}
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->devs[i] == st.st_dev && w->inos[i] == st.st_ino) {
			if (w->skip)
				w->skip(w->ctx, dir, "folder already visited (symlink loop)");
			return 0;
		}
	dev_t *nd = realloc(w->devs, (w->ndirs + 1) * sizeof(dev_t));
	if (nd)
		w->devs = nd;
	ino_t *ni = realloc(w->inos, (w->ndirs + 1) * sizeof(ino_t));
	if (ni)
		w->inos = ni;
	if (!nd || !ni)
		return ex_fail(err, EX_NOMEM, dir, 0, 0, "out of memory");
	w->devs[w->ndirs] = st.st_dev;
	w->inos[w->ndirs] = st.st_ino;
	w->ndirs++;

	DIR *d = opendir(dir);
	if (!d) {
		if (w->skip)
			w->skip(w->ctx, dir, strerror(errno));
		return 0;
	}
	struct ignore ig = {0};
	for (size_t i = 0; i < inherited->n; i++) {
		char **ng = realloc(ig.globs, (ig.n + 1) * sizeof(char *));
		if (!ng)
			break;
		ig.globs = ng;
		ig.globs[ig.n] = strdup(inherited->globs[i]);
		if (ig.globs[ig.n])
			ig.n++;
	}
	read_ignore(dir, &ig);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.' || ignored(&ig, e->d_name))
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(char *));
		if (!nn)
			break;
		names = nn;
		if ((names[n] = strdup(e->d_name)))
			n++;
	}
	closedir(d);
	qsort(names, n, sizeof(char *), cmp_str);
	int rc = 0;
	struct sb path = SB_INIT, r = SB_INIT;
	for (size_t i = 0; i < n && rc == 0; i++) {
		sb_reset(&path);
		sb_addf(&path, "%s/%s", dir, names[i]);
		sb_reset(&r);
		sb_addf(&r, "%s%s%s", rel, *rel ? "/" : "", names[i]);
		if (stat(path.buf, &st) < 0) {
			/* a dangling link or an entry that went away */
			if (w->skip)
				w->skip(w->ctx, path.buf, strerror(errno));
			continue;
		}
		if (S_ISDIR(st.st_mode))
			rc = walk_dir(w, path.buf, r.buf, &ig, err);
		else if (S_ISREG(st.st_mode)) {
			if (add_input(w->in, path.buf, r.buf) < 0)
				rc = ex_fail(err, EX_NOMEM, dir, 0, 0, "out of memory");
		} else if (w->skip)
			w->skip(w->ctx, path.buf, "not a regular file");
	}
	sb_release(&path);
	sb_release(&r);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	for (size_t i = 0; i < ig.n; i++)
		free(ig.globs[i]);
	free(ig.globs);
	return rc;
}

static int cmp_stem(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* "a/b/c.pdf" -> "a/b/c" */
static char *strip_ext(const char *name)
{
	char *s = strdup(name);
	if (!s)
		return NULL;
	char *slash = strrchr(s, '/'), *dot = strrchr(s, '.');
	if (dot && (!slash || dot > slash + 1) && dot != s)
		*dot = '\0';
	return s;
}

int batch_collect(char *const *paths, int npaths, const char *outdir, struct batch_inputs *in,
		  void (*skip)(void *ctx, const char *path, const char *why), void *ctx,
		  struct ex_error *err)
{
	struct walk w = {in, skip, ctx, NULL, NULL, 0};
	struct ignore none = {0};
	int rc = 0;
	for (int i = 0; i < npaths && rc == 0; i++) {
		struct stat st;
		const char *p = paths[i];
		if (stat(p, &st) < 0) {
			/* keep it: the batch reports it as failed, nothing is lost */
			if (add_input(in, p, strrchr(p, '/') ? strrchr(p, '/') + 1 : p) < 0)
				rc = ex_fail(err, EX_NOMEM, p, 0, 0, "out of memory");
			continue;
		}
		if (S_ISDIR(st.st_mode)) {
			size_t l = strlen(p);
			char *trimmed = strdup(p);
			if (!trimmed)
				return ex_fail(err, EX_NOMEM, p, 0, 0, "out of memory");
			while (l > 1 && trimmed[l - 1] == '/')
				trimmed[--l] = '\0';
			rc = walk_dir(&w, trimmed, "", &none, err);
			free(trimmed);
		} else {
			const char *base = strrchr(p, '/');
			if (add_input(in, p, base && base[1] ? base + 1 : p) < 0)
				rc = ex_fail(err, EX_NOMEM, p, 0, 0, "out of memory");
		}
	}
	free(w.devs);
	free(w.inos);
	if (rc < 0)
		return rc;
	/* record paths; a stem shared by two inputs keeps the full name.  Sort
	 * the stems to find the shared ones: n log n, for folders of 100,000. */
	struct stem {
		char *stem;
		size_t i;
	} *st = calloc(in->n ? in->n : 1, sizeof(*st));
	if (!st)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	for (size_t i = 0; i < in->n; i++) {
		st[i].stem = strip_ext(in->items[i].name);
		st[i].i = i;
		if (!st[i].stem)
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	if (rc == 0)
		qsort(st, in->n, sizeof(*st), cmp_stem);
	for (size_t k = 0; k < in->n && rc == 0; k++) {
		int clash = (k > 0 && !strcmp(st[k].stem, st[k - 1].stem)) ||
			    (k + 1 < in->n && !strcmp(st[k].stem, st[k + 1].stem));
		struct batch_input *b = &in->items[st[k].i];
		struct sb out = SB_INIT;
		sb_addf(&out, "%s/%s.xml", outdir, clash ? b->name : st[k].stem);
		b->out = sb_detach(&out, NULL);
		if (!b->out)
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < in->n; i++)
		free(st[i].stem);
	free(st);
	return rc;
}

/* ---- writing ---------------------------------------------------------------- */

static int mkdirs(const char *dir)
{
	char *d = strdup(dir);
	if (!d)
		return -1;
	for (char *p = d + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(d, 0777) < 0 && errno != EEXIST) {
			free(d);
			return -1;
		}
		*p = '/';
	}
	int rc = mkdir(d, 0777) < 0 && errno != EEXIST ? -1 : 0;
	free(d);
	return rc;
}

int batch_write_atomic(const char *path, const char *data, size_t len, struct ex_error *err)
{
	char *dir = strdup(path);
	if (!dir)
		return ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	char *slash = strrchr(dir, '/');
	if (slash)
		*slash = '\0';
	else
		strcpy(dir, ".");
	if (mkdirs(dir) < 0) {
		int rc = ex_fail(err, EX_IO, dir, 0, 0, "cannot create folder: %s", strerror(errno));
		free(dir);
		return rc;
	}
	struct sb tmp = SB_INIT;
	sb_addf(&tmp, "%s/.tjx-tmp-XXXXXX", dir);
	int fd = mkstemp(tmp.buf);
	int rc = 0;
	if (fd < 0) {
		rc = ex_fail(err, EX_IO, path, 0, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	fchmod(fd, 0644);
	size_t off = 0;
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = ex_fail(err, EX_IO, path, 0, 0, "cannot write: %s", strerror(errno));
			break;
		}
		off += (size_t)n;
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = ex_fail(err, EX_IO, path, 0, 0, "cannot sync: %s", strerror(errno));
	if (close(fd) < 0 && rc == 0)
		rc = ex_fail(err, EX_IO, path, 0, 0, "cannot write: %s", strerror(errno));
	if (rc == 0 && rename(tmp.buf, path) < 0)
		rc = ex_fail(err, EX_IO, path, 0, 0, "cannot rename into place: %s",
			     strerror(errno));
	if (rc < 0) {
		unlink(tmp.buf);
	} else {
		int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
	}
out:
	sb_release(&tmp);
	free(dir);
	return rc;
}

/* ---- running ---------------------------------------------------------------- */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void one_line(char *s)
{
	for (; *s; s++)
		if (*s == '\n' || *s == '\r' || *s == '\t')
			*s = ' ';
}

/* Process one input in this process. */
static void process(struct pipe *p, const struct batch_input *in, struct batch_result *r)
{
	struct ex_error err;
	ex_clear(&err);
	struct doc *d = NULL;
	struct sb xml = SB_INIT;
	double t0 = now();
	memset(r, 0, sizeof(*r));
	r->input = in;
	r->status = BATCH_FAILED;
	if (pipe_read(p, in->path, in->name, &d, &err) < 0 || pipe_normalise(p, d, &err) < 0 ||
	    pipe_record(p, d, &xml, NULL, &err) < 0 ||
	    batch_write_atomic(in->out, xml.buf, xml.len, &err) < 0) {
		ex_context(&err, in->path, 0, 0);
		r->code = err.code;
		ex_format(&err, r->message, sizeof(r->message));
	} else {
		r->status = d->partial ? BATCH_PARTIAL : BATCH_OK;
		r->pages = d->npages;
		struct sb w = SB_INIT;
		for (size_t i = 0; i < d->nwarnings; i++)
			sb_addf(&w, "%s%s", i ? "; " : "", d->warnings[i]);
		snprintf(r->message, sizeof(r->message), "%s", w.buf);
		sb_release(&w);
	}
	one_line(r->message);
	r->seconds = now() - t0;
	doc_free(d);
	sb_release(&xml);
}

/* What a worker sends back for each input. */
struct wire {
	size_t index;
	enum batch_status status;
	enum ex_code code;
	int pages;
	double seconds;
	char message[600];
};

static int write_full(int fd, const void *buf, size_t len)
{
	const char *p = buf;
	while (len) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;
	while (len) {
		ssize_t n = read(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int batch_run(const struct batch_options *opt, const struct batch_inputs *in,
	      void (*fn)(void *ctx, const struct batch_result *r), void *ctx,
	      struct batch_summary *sum, struct ex_error *err)
{
	memset(sum, 0, sizeof(*sum));
	if (mkdirs(opt->outdir) < 0 || access(opt->outdir, W_OK) < 0)
		return ex_fail(err, EX_IO, opt->outdir, 0, 0, "output folder cannot be written: %s",
			       strerror(errno));
	/* load everything once, before forking: workers share it copy-on-write */
	struct pipe *p = NULL;
	if (pipe_new(&opt->pipe, &p, err) < 0)
		return -1;
	int jobs = opt->jobs > 1 ? opt->jobs : 1;
	if ((size_t)jobs > in->n)
		jobs = in->n ? (int)in->n : 1;
	int fds[2];
	if (pipe(fds) < 0) {
		pipe_free(p);
		return ex_fail(err, EX_IO, NULL, 0, 0, "pipe: %s", strerror(errno));
	}
	pid_t *pids = calloc((size_t)jobs, sizeof(pid_t));
	char *seen = calloc(in->n ? in->n : 1, 1);
	if (!pids || !seen) {
		free(pids);
		free(seen);
		close(fds[0]);
		close(fds[1]);
		pipe_free(p);
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	fflush(NULL);
	for (int k = 0; k < jobs; k++) {
		pids[k] = fork();
		if (pids[k] == 0) {
			close(fds[0]);
			free(pids);
			free(seen);
			int rc = 0;
			for (size_t i = (size_t)k; i < in->n && rc == 0; i += (size_t)jobs) {
				struct batch_result r;
				process(p, &in->items[i], &r);
				struct wire w = {i, r.status, r.code, r.pages, r.seconds, ""};
				memcpy(w.message, r.message, sizeof(w.message));
				rc = write_full(fds[1], &w, sizeof(w));
			}
			pipe_free(p);
			_exit(rc < 0 ? 1 : 0);
		}
	}
	close(fds[1]);
	struct wire w;
	while (read_full(fds[0], &w, sizeof(w)) == 0) {
		if (w.index >= in->n)
			continue;
		seen[w.index] = 1;
		struct batch_result r = {&in->items[w.index], w.status, w.code, w.pages, w.seconds,
					 ""};
		memcpy(r.message, w.message, sizeof(r.message));
		sum->pages += (size_t)r.pages;
		if (r.status == BATCH_OK)
			sum->ok++;
		else if (r.status == BATCH_PARTIAL)
			sum->partial++;
		else
			sum->failed++;
		if (fn)
			fn(ctx, &r);
	}
	close(fds[0]);
	for (int k = 0; k < jobs; k++)
		if (pids[k] > 0)
			waitpid(pids[k], NULL, 0);
	/* an input whose worker died before answering failed */
	for (size_t i = 0; i < in->n; i++) {
		if (seen[i])
			continue;
		struct batch_result r = {&in->items[i], BATCH_FAILED, EX_INTERNAL, 0, 0,
					 "the worker processing it stopped unexpectedly"};
		sum->failed++;
		if (fn)
			fn(ctx, &r);
	}
	free(pids);
	free(seen);
	pipe_free(p);
	return 0;
}
