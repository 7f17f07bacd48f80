/* batch.c - see batch.h
 *
 * The supervisor and its workers speak in frames over one socket pair per
 * worker: a header { u32 type, u32 length } and `length` bytes of payload,
 * built from u32/i32/f64 values and strings (u32 length + bytes), in the
 * host's byte order (both ends are the same binary).
 *
 *	supervisor -> worker                     worker -> supervisor
 *	JOB_DOC    doc, path, name, out,         R_DONE   doc, status, code, pages,
 *	           prev sha256, pages per job             seconds, sha256, message, bye
 *	                                         R_SPLIT  doc, pages, sha256, seconds
 *	JOB_PAGES  doc, range, path, name,       R_PAGES  doc, range, code, message,
 *	           first, last                            seconds, kind, pages (below)
 *	JOB_FINISH doc, name, out, sha256, kind,  R_DONE
 *	           the ranges' pages in order
 *
 * A JOB_DOC whose document has more pages than `pages per job` (and more
 * than one worker to share them) is answered with R_SPLIT; the supervisor
 * then queues a JOB_PAGES per range of pages ahead of every other document,
 * collects the ranges' pages, and queues a JOB_FINISH with all of them in
 * page order.  Pages travel as plain data (text, boxes, confidences, words,
 * warnings): what the reader produced, before normalisation, so the record
 * is the same as when one worker reads the document whole.
 */
#include "batch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <mupdf/fitz/crypt.h>

#include "rules.h"
#include "strbuf.h"

/* The record schema version written in every record (record.c). */
#define SCHEMA_VERSION RECORD_SCHEMA_VERSION

static const char manifest_header[] =
    "input\tname\tstatus\tpages\tseconds\terror\trecord\tsha256\trules\tschema\toptions\n";
#define MANIFEST_COLUMNS 11

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

int batch_status_from_name(const char *s)
{
	for (int i = BATCH_OK; i <= BATCH_SKIPPED; i++)
		if (!strcmp(s, batch_status_name((enum batch_status)i)))
			return i;
	return -1;
}

void batch_inputs_release(struct batch_inputs *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->items[i].path);
		free(in->items[i].name);
		free(in->items[i].out);
		free(in->items[i].fail);
	}
	free(in->items);
	in->items = NULL;
	in->n = in->alloc = 0;
}

static char *dup_or_null(const char *s, int *bad)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*bad = 1;
	return d;
}

int batch_inputs_add(struct batch_inputs *in, const char *path, const char *name, const char *out,
                     const char *fail)
{
	if (in->n == in->alloc) {
		size_t na = in->alloc ? in->alloc * 2 : 64;
		struct batch_input *ni = realloc(in->items, na * sizeof(*ni));
		if (!ni)
			return -1;
		in->items = ni;
		in->alloc = na;
	}
	int bad = 0;
	struct batch_input *b = &in->items[in->n];
	b->path = dup_or_null(path, &bad);
	b->name = dup_or_null(name, &bad);
	b->out = dup_or_null(out, &bad);
	b->fail = dup_or_null(fail, &bad);
	if (bad) {
		free(b->path);
		free(b->name);
		free(b->out);
		free(b->fail);
		return -1;
	}
	in->n++;
	return 0;
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
	struct visited {
		dev_t dev;
		ino_t ino;
		int open; /* an ancestor of the folder being walked */
	} * dirs;
	size_t ndirs;
	struct stat outdir; /* st_ino 0 when it does not exist yet */
};

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

/* An entry the walk cannot take: reported, and kept as a failed input. */
static int walk_fail(struct walk *w, const char *path, const char *name, const char *why,
                     struct ex_error *err)
{
	if (batch_inputs_add(w->in, path, name, NULL, why) < 0)
		return ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	return 0;
}

static int walk_dir(struct walk *w, const char *dir, const char *rel, struct ignore *inherited,
                    struct ex_error *err)
{
	struct stat st;
	if (stat(dir, &st) < 0)
		return walk_fail(w, dir, rel, strerror(errno), err);
	if (w->outdir.st_ino && st.st_dev == w->outdir.st_dev && st.st_ino == w->outdir.st_ino) {
		if (w->skip)
			w->skip(w->ctx, dir, "the output folder is not an input");
		return 0;
	}
	for (size_t i = 0; i < w->ndirs; i++)
		if (w->dirs[i].dev == st.st_dev && w->dirs[i].ino == st.st_ino) {
			if (w->dirs[i].open)
				return walk_fail(w, dir, rel,
				                 "symlink loop: the folder contains itself", err);
			if (w->skip)
				w->skip(w->ctx, dir, "already walked under another name");
			return 0;
		}
	struct visited *nd = realloc(w->dirs, (w->ndirs + 1) * sizeof(*nd));
	if (!nd)
		return ex_fail(err, EX_NOMEM, dir, 0, 0, "out of memory");
	w->dirs = nd;
	size_t me = w->ndirs++;
	w->dirs[me] = (struct visited){st.st_dev, st.st_ino, 1};

	DIR *d = opendir(dir);
	if (!d) {
		int rc = walk_fail(w, dir, rel, strerror(errno), err);
		w->dirs[me].open = 0;
		return rc;
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
		if (stat(path.buf, &st) < 0)
			/* a dangling link, a link loop, or an entry that went away */
			rc = walk_fail(w, path.buf, r.buf, strerror(errno), err);
		else if (S_ISDIR(st.st_mode))
			rc = walk_dir(w, path.buf, r.buf, &ig, err);
		else if (S_ISREG(st.st_mode)) {
			if (batch_inputs_add(w->in, path.buf, r.buf, NULL, NULL) < 0)
				rc = ex_fail(err, EX_NOMEM, dir, 0, 0, "out of memory");
		} else
			rc = walk_fail(w, path.buf, r.buf,
			               S_ISFIFO(st.st_mode) ? "not a regular file (a FIFO)"
			                                    : "not a regular file",
			               err);
	}
	w->dirs[me].open = 0;
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

struct cand {
	char *rel; /* record path below outdir, without ".xml" */
	size_t i;
};

static int cmp_cand(const void *a, const void *b)
{
	const struct cand *x = a, *y = b;
	int c = strcmp(x->rel, y->rel);
	return c ? c : (x->i < y->i ? -1 : x->i > y->i);
}

/* Record paths: the stem, or the full name when two stems are the same, and
 * "~2", "~3" after the second and later of identical names. */
static int record_paths(struct batch_inputs *in, size_t from, const char *outdir)
{
	size_t n = in->n - from;
	struct cand *c = calloc(n ? n : 1, sizeof(*c));
	if (!c)
		return -1;
	int rc = 0;
	for (size_t k = 0; k < n && rc == 0; k++) {
		c[k].i = from + k;
		if (!(c[k].rel = strip_ext(in->items[from + k].name)))
			rc = -1;
	}
	for (int pass = 0; pass < 2 && rc == 0; pass++) {
		qsort(c, n, sizeof(*c), cmp_cand);
		for (size_t a = 0; a < n && rc == 0;) {
			size_t b = a + 1;
			while (b < n && !strcmp(c[a].rel, c[b].rel))
				b++;
			for (size_t k = a; b - a > 1 && k < b && rc == 0; k++) {
				struct sb s = SB_INIT;
				if (pass == 0)
					sb_adds(&s, in->items[c[k].i].name);
				else if (k == a)
					sb_adds(&s, c[k].rel);
				else
					sb_addf(&s, "%s~%zu", c[k].rel, k - a + 1);
				char *nr = sb_detach(&s, NULL);
				if (!nr)
					rc = -1;
				else {
					free(c[k].rel);
					c[k].rel = nr;
				}
			}
			a = b;
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (rc == 0) {
			struct sb s = SB_INIT;
			sb_addf(&s, "%s/%s.xml", outdir, c[k].rel);
			free(in->items[c[k].i].out);
			if (!(in->items[c[k].i].out = sb_detach(&s, NULL)))
				rc = -1;
		}
		free(c[k].rel);
	}
	free(c);
	return rc;
}

static const char *base_name(const char *p)
{
	size_t n = strlen(p);
	while (n > 1 && p[n - 1] == '/')
		n--;
	const char *s = p + n;
	while (s > p && s[-1] != '/')
		s--;
	return *s ? s : p;
}

int batch_collect(char *const *paths, int npaths, const char *outdir, struct batch_inputs *in,
                  void (*skip)(void *ctx, const char *path, const char *why), void *ctx,
                  struct ex_error *err)
{
	struct walk w = {in, skip, ctx, NULL, 0, {0}};
	if (stat(outdir, &w.outdir) < 0 || !S_ISDIR(w.outdir.st_mode))
		w.outdir.st_ino = 0;
	struct ignore none = {0};
	size_t from = in->n;
	int rc = 0;
	for (int i = 0; i < npaths && rc == 0; i++) {
		struct stat st;
		const char *p = paths[i];
		if (stat(p, &st) < 0) {
			rc = walk_fail(&w, p, base_name(p), strerror(errno), err);
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
		} else if (!S_ISREG(st.st_mode)) {
			rc = walk_fail(&w, p, base_name(p),
			               S_ISFIFO(st.st_mode) ? "not a regular file (a FIFO)"
			                                    : "not a regular file",
			               err);
		} else if (batch_inputs_add(in, p, base_name(p), NULL, NULL) < 0)
			rc = ex_fail(err, EX_NOMEM, p, 0, 0, "out of memory");
	}
	free(w.dirs);
	if (rc < 0)
		return rc;
	if (record_paths(in, from, outdir) < 0)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	return 0;
}

/* ---- shards ------------------------------------------------------------------- */

int batch_shard_of(const char *path, int n)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (const unsigned char *s = (const unsigned char *)path; *s; s++) {
		h ^= *s;
		h *= 0x100000001b3ULL;
	}
	return n > 0 ? (int)(h % (uint64_t)n) + 1 : 1;
}

void batch_inputs_shard(struct batch_inputs *in, int k, int n)
{
	size_t j = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (batch_shard_of(in->items[i].path, n) == k) {
			in->items[j++] = in->items[i];
			continue;
		}
		free(in->items[i].path);
		free(in->items[i].name);
		free(in->items[i].out);
		free(in->items[i].fail);
	}
	in->n = j;
}

int batch_parse_shard(const char *s, int *k, int *n, struct ex_error *err)
{
	char *end;
	errno = 0;
	long a = strtol(s, &end, 10);
	if (end == s || *end != '/' || errno)
		goto bad;
	const char *t = end + 1;
	long b = strtol(t, &end, 10);
	if (end == t || *end || errno || b < 1 || b > 1000000 || a < 1 || a > b)
		goto bad;
	*k = (int)a;
	*n = (int)b;
	return 0;
bad:
	return ex_fail(err, EX_USAGE, NULL, 0, 0,
	               "--shard takes K/N with 1 <= K <= N (e.g. 2/8), not '%s'", s);
}

/* ---- the manifest ------------------------------------------------------------- */

void batch_tsv_escape(struct sb *out, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '\\':
			sb_adds(out, "\\\\");
			break;
		case '\t':
			sb_adds(out, "\\t");
			break;
		case '\n':
			sb_adds(out, "\\n");
			break;
		case '\r':
			sb_adds(out, "\\r");
			break;
		default:
			sb_addc(out, *s);
		}
	}
}

void batch_tsv_unescape(char *s)
{
	char *o = s;
	for (; *s; s++) {
		if (*s != '\\' || !s[1]) {
			*o++ = *s;
			continue;
		}
		s++;
		*o++ = *s == 't' ? '\t' : *s == 'n' ? '\n' : *s == 'r' ? '\r' : *s;
	}
	*o = '\0';
}

static void row_release(struct batch_row *r)
{
	free(r->input);
	free(r->name);
	free(r->error);
	free(r->record);
	free(r->rules);
	free(r->schema);
	free(r->options);
	memset(r, 0, sizeof(*r));
}

void batch_manifest_release(struct batch_manifest *m)
{
	for (size_t i = 0; i < m->n; i++)
		row_release(&m->rows[i]);
	free(m->rows);
	m->rows = NULL;
	m->n = m->alloc = 0;
}

const char *batch_manifest_name(int k, int n)
{
	static char buf[64];
	if (n <= 1)
		return "manifest.tsv";
	snprintf(buf, sizeof(buf), "manifest-%d-of-%d.tsv", k, n);
	return buf;
}

/* Parse one line (without its newline) into r; -1 when it is not a row. */
static int parse_row(char *line, struct batch_row *r)
{
	char *f[MANIFEST_COLUMNS];
	int n = 0;
	for (char *p = line;; p++) {
		if (n == MANIFEST_COLUMNS)
			return -1;
		f[n++] = p;
		p = strchr(p, '\t');
		if (!p)
			break;
		*p = '\0';
	}
	if (n != MANIFEST_COLUMNS)
		return -1;
	for (int i = 0; i < n; i++)
		batch_tsv_unescape(f[i]);
	int st = batch_status_from_name(f[2]);
	if (st < 0 || !*f[0] || strlen(f[7]) > 64)
		return -1;
	memset(r, 0, sizeof(*r));
	r->status = (enum batch_status)st;
	r->pages = atoi(f[3]);
	r->seconds = atof(f[4]);
	memcpy(r->sha256, f[7], strlen(f[7]) + 1);
	int bad = 0;
	r->input = dup_or_null(f[0], &bad);
	r->name = dup_or_null(f[1], &bad);
	r->error = dup_or_null(f[5], &bad);
	r->record = dup_or_null(f[6], &bad);
	r->rules = dup_or_null(f[8], &bad);
	r->schema = dup_or_null(f[9], &bad);
	r->options = dup_or_null(f[10], &bad);
	if (bad) {
		row_release(r);
		return -1;
	}
	return 0;
}

/* An index of rows by input path (open addressing), for merging and lookup. */
struct rowmap {
	size_t *slot; /* row index + 1; 0 = empty */
	size_t cap;
};

static size_t hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return (size_t)h;
}

static void rowmap_release(struct rowmap *m)
{
	free(m->slot);
	m->slot = NULL;
	m->cap = 0;
}

/* The slot for key: where it is, or where it would go. */
static size_t *rowmap_slot(struct rowmap *m, const struct batch_manifest *man, const char *key)
{
	size_t i = hash_str(key) & (m->cap - 1);
	while (m->slot[i] && strcmp(man->rows[m->slot[i] - 1].input, key))
		i = (i + 1) & (m->cap - 1);
	return &m->slot[i];
}

static int rowmap_build(struct rowmap *m, const struct batch_manifest *man, size_t extra)
{
	size_t cap = 64;
	while (cap < 2 * (man->n + extra) + 1)
		cap *= 2;
	m->slot = calloc(cap, sizeof(size_t));
	if (!m->slot)
		return -1;
	m->cap = cap;
	for (size_t i = 0; i < man->n; i++)
		*rowmap_slot(m, man, man->rows[i].input) = i + 1;
	return 0;
}

/* Add r (taken over) to m, replacing the row of the same input. */
static int manifest_put(struct batch_manifest *m, struct rowmap *map, struct batch_row *r)
{
	size_t *slot = NULL;
	if (map) {
		slot = rowmap_slot(map, m, r->input);
		if (*slot) {
			row_release(&m->rows[*slot - 1]);
			m->rows[*slot - 1] = *r;
			return 0;
		}
	}
	if (m->n == m->alloc) {
		size_t na = m->alloc ? m->alloc * 2 : 64;
		struct batch_row *nr = realloc(m->rows, na * sizeof(*nr));
		if (!nr)
			return -1;
		m->rows = nr;
		m->alloc = na;
	}
	m->rows[m->n++] = *r;
	if (slot)
		*slot = m->n;
	return 0;
}

static int read_rows(const char *path, int header, struct batch_manifest *m, struct rowmap *map,
                     struct ex_error *err)
{
	struct sb b = SB_INIT;
	if (sb_read_file(&b, path) < 0) {
		int e = errno;
		sb_release(&b);
		if (e == ENOENT)
			return 0;
		return ex_fail(err, EX_IO, path, 0, 0, "cannot read the manifest: %s", strerror(e));
	}
	char *p = b.buf, *end = b.buf + b.len;
	if (header) {
		size_t hl = sizeof(manifest_header) - 1;
		if (b.len < hl || memcmp(b.buf, manifest_header, hl)) {
			sb_release(&b);
			return ex_fail(err, EX_INPUT, path, 1, 0, "not a tjx run manifest");
		}
		p += hl;
	}
	int rc = 0;
	while (p < end && rc == 0) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			break; /* a torn last line */
		*nl = '\0';
		struct batch_row r;
		if (parse_row(p, &r) == 0 && manifest_put(m, map, &r) < 0) {
			row_release(&r);
			rc = ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
		}
		p = nl + 1;
	}
	sb_release(&b);
	return rc;
}

static char *journal_path(const char *manifest)
{
	struct sb s = SB_INIT;
	const char *slash = strrchr(manifest, '/');
	if (slash)
		sb_addf(&s, "%.*s/.%s.journal", (int)(slash - manifest), manifest, slash + 1);
	else
		sb_addf(&s, ".%s.journal", manifest);
	return sb_detach(&s, NULL);
}

static int manifest_read(const char *path, struct batch_manifest *m, struct rowmap *map,
                         struct ex_error *err)
{
	if (read_rows(path, 1, m, NULL, err) < 0)
		return -1;
	/* the journal (rows of a run that was stopped) may repeat inputs */
	if (rowmap_build(map, m, 0) < 0)
		return ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	char *jp = journal_path(path);
	if (!jp)
		return ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	struct batch_manifest j = {0};
	int rc = read_rows(jp, 0, &j, NULL, err);
	free(jp);
	if (rc == 0 && j.n) {
		rowmap_release(map);
		if (rowmap_build(map, m, j.n) < 0)
			rc = ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
		for (size_t i = 0; i < j.n && rc == 0; i++) {
			if (manifest_put(m, map, &j.rows[i]) < 0)
				rc = ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
			else
				memset(&j.rows[i], 0, sizeof(j.rows[i]));
		}
	}
	batch_manifest_release(&j);
	return rc;
}

int batch_manifest_read(const char *path, struct batch_manifest *m, struct ex_error *err)
{
	struct rowmap map = {0};
	int rc = manifest_read(path, m, &map, err);
	rowmap_release(&map);
	return rc;
}

static void format_row(struct sb *o, const struct batch_row *r)
{
	batch_tsv_escape(o, r->input);
	sb_addc(o, '\t');
	batch_tsv_escape(o, r->name);
	sb_addf(o, "\t%s\t%d\t%.3f\t", batch_status_name(r->status), r->pages, r->seconds);
	batch_tsv_escape(o, r->error);
	sb_addc(o, '\t');
	batch_tsv_escape(o, r->record);
	sb_addf(o, "\t%s\t", r->sha256);
	batch_tsv_escape(o, r->rules);
	sb_addc(o, '\t');
	batch_tsv_escape(o, r->schema);
	sb_addc(o, '\t');
	batch_tsv_escape(o, r->options);
	sb_addc(o, '\n');
}

static int cmp_row_ptr(const void *a, const void *b)
{
	const struct batch_row *x = *(const struct batch_row *const *)a;
	const struct batch_row *y = *(const struct batch_row *const *)b;
	return strcmp(x->input, y->input);
}

int batch_manifest_format(const struct batch_manifest *m, struct sb *out)
{
	const struct batch_row **v = malloc((m->n ? m->n : 1) * sizeof(*v));
	if (!v)
		return -1;
	for (size_t i = 0; i < m->n; i++)
		v[i] = &m->rows[i];
	qsort(v, m->n, sizeof(*v), cmp_row_ptr);
	sb_adds(out, manifest_header);
	for (size_t i = 0; i < m->n; i++)
		format_row(out, v[i]);
	free(v);
	return out->oom ? -1 : 0;
}

int batch_inputs_from_manifest(const char *path, struct batch_inputs *in, struct ex_error *err)
{
	struct stat st;
	if (stat(path, &st) < 0)
		return ex_fail(err, EX_IO, path, 0, 0, "no run manifest: %s", strerror(errno));
	struct batch_manifest m = {0};
	int rc = batch_manifest_read(path, &m, err);
	for (size_t i = 0; i < m.n && rc == 0; i++) {
		const struct batch_row *r = &m.rows[i];
		if (r->status != BATCH_FAILED)
			continue;
		if (batch_inputs_add(in, r->input, *r->name ? r->name : base_name(r->input),
		                     r->record, NULL) < 0)
			rc = ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	}
	batch_manifest_release(&m);
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

int batch_write_atomic(const char *path, const char *data, size_t len, struct ex_error *err)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
	if (!dir)
		return ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	struct sb tmp = SB_INIT;
	sb_addf(&tmp, "%s/.%s.tmp-XXXXXX", dir, slash ? slash + 1 : path);
	int rc = 0;
	if (mkdirs(dir) < 0) {
		rc = ex_fail(err, EX_IO, path, 0, 0, "cannot create folder: %s", strerror(errno));
		goto out;
	}
	int fd = mkstemp(tmp.buf);
	if (fd < 0) {
		rc = ex_fail(err, EX_IO, path, 0, 0, "cannot write: %s", strerror(errno));
		goto out;
	}
	fchmod(fd, 0644);
	if (write_full(fd, data, len) < 0)
		rc = ex_fail(err, EX_IO, path, 0, 0, "cannot write: %s", strerror(errno));
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

/* ---- frames --------------------------------------------------------------------- */

enum {
	JOB_DOC = 1,
	JOB_PAGES,
	JOB_FINISH,
	R_DONE = 10,
	R_SPLIT,
	R_PAGES,
};

#define FRAME_MAX (1u << 30)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void put_u32(struct sb *b, uint32_t v)
{
	sb_add(b, &v, sizeof(v));
}

static void put_i32(struct sb *b, int32_t v)
{
	sb_add(b, &v, sizeof(v));
}

static void put_u64(struct sb *b, uint64_t v)
{
	sb_add(b, &v, sizeof(v));
}

static void put_f64(struct sb *b, double v)
{
	sb_add(b, &v, sizeof(v));
}

static void put_mem(struct sb *b, const void *p, size_t n)
{
	put_u32(b, (uint32_t)n);
	sb_add(b, p, n);
}

static void put_str(struct sb *b, const char *s)
{
	put_mem(b, s ? s : "", s ? strlen(s) : 0);
}

static void frame_begin(struct sb *b, uint32_t type)
{
	sb_reset(b);
	put_u32(b, type);
	put_u32(b, 0);
}

/* Fill in the length; -1 when the frame could not be built. */
static int frame_end(struct sb *b)
{
	if (b->oom || b->len - 8 > FRAME_MAX)
		return -1;
	uint32_t len = (uint32_t)(b->len - 8);
	memcpy(b->buf + 4, &len, 4);
	return 0;
}

struct rd {
	const char *p;
	size_t n, off;
	int bad;
};

static const void *get_raw(struct rd *r, size_t n)
{
	if (r->bad || n > r->n - r->off) {
		r->bad = 1;
		return NULL;
	}
	const void *p = r->p + r->off;
	r->off += n;
	return p;
}

/* Copy the next n bytes into v, or leave v as it is (zero) when short. */
static void get_into(struct rd *r, void *v, size_t n)
{
	const void *p = get_raw(r, n);
	if (p)
		memcpy(v, p, n);
}

static uint32_t get_u32(struct rd *r)
{
	uint32_t v = 0;
	get_into(r, &v, sizeof(v));
	return v;
}

static int32_t get_i32(struct rd *r)
{
	int32_t v = 0;
	get_into(r, &v, sizeof(v));
	return v;
}

static uint64_t get_u64(struct rd *r)
{
	uint64_t v = 0;
	get_into(r, &v, sizeof(v));
	return v;
}

static double get_f64(struct rd *r)
{
	double v = 0;
	get_into(r, &v, sizeof(v));
	return v;
}

/* A string in the frame: points into it, *len bytes (not NUL-terminated). */
static const char *get_mem(struct rd *r, size_t *len)
{
	*len = get_u32(r);
	const char *p = get_raw(r, *len);
	if (!p)
		*len = 0;
	return p ? p : "";
}

/* A string as a new NUL-terminated copy ("" on a short frame, bad set). */
static char *get_str(struct rd *r)
{
	size_t n;
	const char *p = get_mem(r, &n);
	char *s = malloc(n + 1);
	if (!s) {
		r->bad = 1;
		return NULL;
	}
	memcpy(s, p, n);
	s[n] = '\0';
	return s;
}

/* Pages of a doc as data: what the reader produced, before normalisation. */
static void put_pages(struct sb *b, const struct doc *d)
{
	put_i32(b, d->partial);
	put_u32(b, (uint32_t)d->nwarnings);
	for (size_t i = 0; i < d->nwarnings; i++)
		put_str(b, d->warnings[i]);
	put_i32(b, d->npages);
	for (int k = 0; k < d->npages; k++) {
		const struct doc_page *pg = &d->pages[k];
		put_i32(b, pg->source);
		put_i32(b, pg->width);
		put_i32(b, pg->height);
		put_i32(b, pg->dpi);
		put_f64(b, pg->skew);
		put_i32(b, pg->rotation);
		put_i32(b, pg->partial);
		put_f64(b, pg->seconds);
		put_u32(b, (uint32_t)pg->nlines);
		for (size_t i = 0; i < pg->nlines; i++) {
			const struct doc_line *l = &d->lines[pg->first_line + i];
			put_mem(b, l->orig, l->orig_len);
			put_i32(b, l->x0);
			put_i32(b, l->y0);
			put_i32(b, l->x1);
			put_i32(b, l->y1);
			put_f64(b, l->conf);
			put_u32(b, (uint32_t)l->nwords);
			for (size_t w = 0; w < l->nwords; w++) {
				const struct doc_word *wd = &l->words[w];
				put_u64(b, wd->off);
				put_u64(b, wd->len);
				put_i32(b, wd->x0);
				put_i32(b, wd->y0);
				put_i32(b, wd->x1);
				put_i32(b, wd->y1);
				put_f64(b, wd->conf);
			}
		}
	}
}

/* Append the pages in r to d.  -1 on a malformed frame or no memory. */
static int get_pages(struct rd *r, struct doc *d)
{
	if (get_i32(r))
		d->partial = 1;
	uint32_t nw = get_u32(r);
	for (uint32_t i = 0; i < nw && !r->bad; i++) {
		size_t n;
		const char *s = get_mem(r, &n);
		if (doc_warn(d, 0, "%.*s", (int)n, s) < 0)
			return -1;
	}
	int np = get_i32(r);
	for (int k = 0; k < np && !r->bad; k++) {
		struct doc_page *pg = doc_add_page(d, (enum doc_page_source)get_i32(r));
		if (!pg)
			return -1;
		pg->width = get_i32(r);
		pg->height = get_i32(r);
		pg->dpi = get_i32(r);
		pg->skew = (float)get_f64(r);
		pg->rotation = get_i32(r);
		pg->partial = get_i32(r);
		pg->seconds = get_f64(r);
		uint32_t nl = get_u32(r);
		for (uint32_t i = 0; i < nl && !r->bad; i++) {
			size_t n;
			const char *s = get_mem(r, &n);
			struct doc_line *l = doc_add_line(d, s, n);
			if (!l)
				return -1;
			l->x0 = get_i32(r);
			l->y0 = get_i32(r);
			l->x1 = get_i32(r);
			l->y1 = get_i32(r);
			l->conf = (float)get_f64(r);
			uint32_t nwords = get_u32(r);
			for (uint32_t w = 0; w < nwords && !r->bad; w++) {
				uint64_t off = get_u64(r), len = get_u64(r);
				int x0 = get_i32(r), y0 = get_i32(r), x1 = get_i32(r),
				    y1 = get_i32(r);
				float conf = (float)get_f64(r);
				if (off > l->orig_len || len > l->orig_len - off) {
					r->bad = 1;
					break;
				}
				if (doc_line_add_word(l, off, len, x0, y0, x1, y1, conf) < 0)
					return -1;
			}
		}
	}
	return r->bad ? -1 : 0;
}

/* Take n more bytes written past b->len into the buffer (after sb_grow). */
static void sb_took(struct sb *b, size_t n)
{
	if (!n)
		return;
	b->len += n;
	b->buf[b->len] = '\0';
}

/* Read one whole frame (blocking).  0, or -1 at end of file or on error. */
static int read_frame(int fd, uint32_t *type, struct sb *payload)
{
	uint32_t h[2];
	char *p = (char *)h;
	size_t got = 0;
	while (got < sizeof(h)) {
		ssize_t n = read(fd, p + got, sizeof(h) - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	if (h[1] > FRAME_MAX)
		return -1;
	sb_reset(payload);
	if (sb_grow(payload, h[1]) < 0)
		return -1;
	got = 0;
	while (got < h[1]) {
		ssize_t n = read(fd, payload->buf + got, h[1] - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		got += (size_t)n;
	}
	sb_took(payload, h[1]);
	*type = h[0];
	return 0;
}

/* ---- the worker ------------------------------------------------------------------- */

/* The process's address space in bytes (what RLIMIT_AS limits); 0 if unknown. */
static unsigned long long address_space(void)
{
	unsigned long long pages = 0;
	FILE *f = fopen("/proc/self/statm", "r");
	if (f) {
		if (fscanf(f, "%llu", &pages) != 1)
			pages = 0;
		fclose(f);
	}
	return pages * (unsigned long long)sysconf(_SC_PAGESIZE);
}

struct worker_ctx {
	struct pipe *p;
	const struct batch_options *opt;
	int fd;
	char fault[16];              /* TJX_TEST_FAULT kind */
	const char *fault_text;      /* and the text a name must contain */
	struct sb out;               /* the frame being sent */
	unsigned long long as_limit; /* RLIMIT_AS set for --max-memory; 0: none */
};

/* A name or path on one line: control characters as \n, \t, \r, \xNN. */
static void add_escaped(struct sb *b, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '\n')
			sb_adds(b, "\\n");
		else if (c == '\t')
			sb_adds(b, "\\t");
		else if (c == '\r')
			sb_adds(b, "\\r");
		else if (c < 0x20 || c == 0x7F)
			sb_addf(b, "\\x%02X", c);
		else
			sb_addc(b, (char)c);
	}
}

/* An error as one line, without the input's own path (the caller names it). */
static void format_error(const struct ex_error *e, const char *path, const char *name, char *buf,
                         size_t size)
{
	struct sb s = SB_INIT;
	if (e->file[0] && strcmp(e->file, path) && strcmp(e->file, name)) {
		add_escaped(&s, e->file);
		if (e->line)
			sb_addf(&s, ":%d", e->line);
		sb_adds(&s, ": ");
	}
	if (e->page)
		sb_addf(&s, "page %d: ", e->page);
	sb_adds(&s, e->msg[0] ? e->msg : ex_code_name(e->code));
	snprintf(buf, size, "%s", s.buf);
	sb_release(&s);
	for (char *c = buf; *c; c++)
		if (*c == '\n' || *c == '\r' || *c == '\t')
			*c = ' ';
}

static int hash_file(const char *path, char out[65], struct ex_error *err)
{
	out[0] = '\0';
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return ex_fail(err, EX_IO, path, 0, 0, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		int dir = S_ISDIR(st.st_mode);
		close(fd);
		return ex_fail(err, EX_IO, path, 0, 0, "%s",
		               dir ? "a folder, not a file" : "not a regular file");
	}
	fz_sha256 h;
	fz_sha256_init(&h);
	unsigned char buf[65536];
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			return ex_fail(err, EX_IO, path, 0, 0, "cannot read: %s", strerror(e));
		}
		if (n == 0)
			break;
		fz_sha256_update(&h, buf, (size_t)n);
	}
	close(fd);
	unsigned char dig[32];
	fz_sha256_final(&h, dig);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", dig[i]);
	return 0;
}

/* The test hook (batch.h): crash, hang or eat memory on a chosen input. */
static void test_fault(struct worker_ctx *w, const char *name, int range)
{
	if (!w->fault_text || !*w->fault_text || !strstr(name, w->fault_text))
		return;
	if (!strcmp(w->fault, range ? "crash-range" : "crash"))
		raise(SIGSEGV);
	if (!range && !strcmp(w->fault, "hang"))
		for (;;)
			pause();
	if (!range && !strcmp(w->fault, "leak")) {
		/* memory a library keeps: 128 MB, touched, never freed */
		char *p = malloc(128 << 20);
		if (!p)
			abort(); /* as a library would, on a failed allocation */
		memset(p, 1, 128 << 20);
		return;
	}
	if (!range && !strcmp(w->fault, "hog"))
		for (;;) {
			char *p = malloc(64 << 20);
			if (!p)
				abort(); /* as a library would, on a failed allocation */
			memset(p, 1, 64 << 20);
		}
}

static int send_frame(struct worker_ctx *w)
{
	if (frame_end(&w->out) < 0)
		return -1;
	return write_full(w->fd, w->out.buf, w->out.len);
}

/* Send the result of a document.  A worker whose address space has grown to
 * within a quarter of --max-memory of its limit (what libraries keep or
 * fragment over thousands of documents) says goodbye after it, and the
 * supervisor starts a fresh one.  Returns -1 when the worker must stop. */
static int send_done(struct worker_ctx *w, uint32_t doc, enum batch_status st, enum ex_code code,
                     int pages, double seconds, const char *sha, const char *msg, int bye)
{
	if (w->as_limit &&
	    address_space() + (unsigned long long)w->opt->max_memory / 4 > w->as_limit)
		bye = 1;
	frame_begin(&w->out, R_DONE);
	put_u32(&w->out, doc);
	put_u32(&w->out, st);
	put_u32(&w->out, code);
	put_i32(&w->out, pages);
	put_f64(&w->out, seconds);
	put_str(&w->out, sha);
	put_str(&w->out, msg);
	put_i32(&w->out, bye);
	return send_frame(w) < 0 || bye ? -1 : 0;
}

static int send_failed(struct worker_ctx *w, uint32_t doc, const struct ex_error *e,
                       const char *path, const char *name, double t0, const char *sha)
{
	char msg[1024];
	format_error(e, path, name, msg, sizeof(msg));
	int bye = e->code == EX_NOMEM;
	if (bye && w->opt->max_memory > 0) {
		size_t l = strlen(msg);
		snprintf(msg + l, sizeof(msg) - l, " (--max-memory %lld MB)",
		         w->opt->max_memory >> 20);
	}
	return send_done(w, doc, BATCH_FAILED, e->code, 0, now() - t0, sha, msg, bye);
}

/* Normalise, extract and write the record of a doc read whole. */
static int finish_doc(struct worker_ctx *w, uint32_t doc, struct doc *d, const char *path,
                      const char *out, double t0)
{
	struct ex_error err;
	ex_clear(&err);
	struct sb xml = SB_INIT;
	int rc = pipe_normalise(w->p, d, &err);
	if (rc == 0)
		rc = pipe_record(w->p, d, &xml, NULL, &err);
	if (rc == 0) {
		/* a SIGTERM waits until the record is in place */
		sigset_t term, old;
		sigemptyset(&term);
		sigaddset(&term, SIGTERM);
		sigprocmask(SIG_BLOCK, &term, &old);
		rc = batch_write_atomic(out, xml.buf, xml.len, &err);
		sigprocmask(SIG_SETMASK, &old, NULL);
	}
	sb_release(&xml);
	if (rc < 0)
		return send_failed(w, doc, &err, path, d->name, t0, d->sha256);
	struct sb warn = SB_INIT;
	for (size_t i = 0; i < d->nwarnings; i++) {
		if (i)
			sb_adds(&warn, "; ");
		add_escaped(&warn, d->warnings[i]);
	}
	rc = send_done(w, doc, d->partial ? BATCH_PARTIAL : BATCH_OK, EX_OK, d->npages, now() - t0,
	               d->sha256, warn.buf, 0);
	sb_release(&warn);
	return rc;
}

static int job_doc(struct worker_ctx *w, struct rd *r)
{
	double t0 = now();
	uint32_t doc = get_u32(r);
	char *path = get_str(r), *name = get_str(r), *out = get_str(r), *prev = get_str(r);
	int split = get_i32(r);
	int rc = -1;
	if (r->bad)
		goto out;
	struct ex_error err;
	ex_clear(&err);
	char sha[65];
	test_fault(w, name, 0);
	if (hash_file(path, sha, &err) < 0) {
		rc = send_failed(w, doc, &err, path, name, t0, "");
		goto out;
	}
	if (*prev && !strcmp(prev, sha)) {
		rc = send_done(w, doc, BATCH_SKIPPED, EX_OK, -1, now() - t0, sha, "", 0);
		goto out;
	}
	struct pipe_input *in = NULL;
	if (pipe_open(w->p, path, name, &in, &err) < 0) {
		rc = send_failed(w, doc, &err, path, name, t0, sha);
		goto out;
	}
	int pages = pipe_input_pages(in);
	if (split > 0 && pages > split) {
		pipe_close(in);
		frame_begin(&w->out, R_SPLIT);
		put_u32(&w->out, doc);
		put_i32(&w->out, pages);
		put_str(&w->out, sha);
		put_f64(&w->out, now() - t0);
		rc = send_frame(w);
		goto out;
	}
	struct doc *d = pipe_input_doc(in);
	if (!d) {
		pipe_close(in);
		ex_fail(&err, EX_NOMEM, path, 0, 0, "out of memory");
		rc = send_failed(w, doc, &err, path, name, t0, sha);
		goto out;
	}
	memcpy(d->sha256, sha, sizeof(d->sha256));
	int rrc = pipe_read_pages(w->p, in, 1, pages, d, &err);
	pipe_close(in);
	if (rrc < 0)
		rc = send_failed(w, doc, &err, path, name, t0, sha);
	else
		rc = finish_doc(w, doc, d, path, out, t0);
	doc_free(d);
out:
	free(path);
	free(name);
	free(out);
	free(prev);
	return rc;
}

static int job_pages(struct worker_ctx *w, struct rd *r)
{
	double t0 = now();
	uint32_t doc = get_u32(r), range = get_u32(r);
	char *path = get_str(r), *name = get_str(r);
	int first = get_i32(r), last = get_i32(r);
	int rc = -1;
	if (r->bad)
		goto out;
	struct ex_error err;
	ex_clear(&err);
	test_fault(w, name, first > 1);
	struct pipe_input *in = NULL;
	struct doc *d = NULL;
	if (pipe_open(w->p, path, name, &in, &err) == 0) {
		if (!(d = pipe_input_doc(in)))
			ex_fail(&err, EX_NOMEM, path, 0, 0, "out of memory");
		else if (pipe_read_pages(w->p, in, first, last, d, &err) < 0) {
			doc_free(d);
			d = NULL;
		}
		pipe_close(in);
	}
	char msg[1024] = "";
	if (!d)
		format_error(&err, path, name, msg, sizeof(msg));
	frame_begin(&w->out, R_PAGES);
	put_u32(&w->out, doc);
	put_u32(&w->out, range);
	put_u32(&w->out, d ? EX_OK : err.code);
	put_str(&w->out, msg);
	put_f64(&w->out, now() - t0);
	put_i32(&w->out, d ? (int)d->kind : 0);
	if (d)
		put_pages(&w->out, d);
	rc = send_frame(w);
	if (!d && err.code == EX_NOMEM)
		rc = -1; /* start afresh */
	doc_free(d);
out:
	free(path);
	free(name);
	return rc;
}

static int job_finish(struct worker_ctx *w, struct rd *r)
{
	double t0 = now();
	uint32_t doc = get_u32(r);
	char *path = get_str(r), *name = get_str(r), *out = get_str(r), *sha = get_str(r);
	int kind = get_i32(r);
	uint32_t nparts = get_u32(r);
	int rc = -1;
	struct doc *d = NULL;
	if (r->bad || !(d = doc_new((enum doc_kind)kind, name)))
		goto out;
	snprintf(d->sha256, sizeof(d->sha256), "%s", sha);
	for (uint32_t i = 0; i < nparts; i++) {
		size_t n;
		const char *p = get_mem(r, &n);
		struct rd part = {p, n, 0, r->bad};
		if (get_pages(&part, d) < 0) {
			struct ex_error err;
			ex_fail(&err, EX_INTERNAL, path, 0, 0, "pages lost between workers");
			rc = send_failed(w, doc, &err, path, name, t0, sha);
			goto out;
		}
	}
	rc = finish_doc(w, doc, d, path, out, t0);
out:
	doc_free(d);
	free(path);
	free(name);
	free(out);
	free(sha);
	return rc;
}

static unsigned long long limit_memory(long long add)
{
	if (add <= 0)
		return 0;
	struct rlimit rl;
	rl.rlim_cur = rl.rlim_max = (rlim_t)address_space() + (rlim_t)add;
	return setrlimit(RLIMIT_AS, &rl) == 0 ? (unsigned long long)rl.rlim_cur : 0;
}

static void worker_main(struct pipe *p, const struct batch_options *opt, int fd, pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(0);
	signal(SIGINT, SIG_IGN); /* Ctrl-C is the supervisor's to handle */
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	struct worker_ctx w = {p, opt, fd, "", NULL, SB_INIT, 0};
	w.as_limit = limit_memory(opt->max_memory);
	const char *fault = getenv("TJX_TEST_FAULT");
	if (fault && strchr(fault, ':') && strchr(fault, ':') - fault < (long)sizeof(w.fault)) {
		memcpy(w.fault, fault, (size_t)(strchr(fault, ':') - fault));
		w.fault_text = strchr(fault, ':') + 1;
	}
	struct sb in = SB_INIT;
	uint32_t type;
	int rc = 0;
	while (rc == 0 && read_frame(fd, &type, &in) == 0) {
		struct rd r = {in.buf, in.len, 0, 0};
		if (type == JOB_DOC)
			rc = job_doc(&w, &r);
		else if (type == JOB_PAGES)
			rc = job_pages(&w, &r);
		else if (type == JOB_FINISH)
			rc = job_finish(&w, &r);
		else
			rc = -1;
	}
	sb_release(&in);
	sb_release(&w.out);
	pipe_free(p);
	_exit(0);
}

/* ---- the supervisor ----------------------------------------------------------------- */

struct job {
	int type;
	size_t doc;
	int range, first, last;
};

struct worker {
	pid_t pid;
	int fd;
	int busy;
	struct job job;
	struct sb in; /* bytes received, not yet a whole frame */
};

enum { D_PENDING, D_RUNNING, D_DONE };

struct dstate {
	unsigned char state;
	int pages, nranges, left, kind;
	double start, seconds;
	char sha[65];
	struct sb *parts; /* the ranges' pages, while a split document is read */
};

struct sup {
	const struct batch_options *opt;
	const struct batch_inputs *in;
	void (*fn)(void *ctx, const struct batch_result *r);
	void (*tick)(void *ctx, const struct batch_progress *p);
	void *ctx;
	struct batch_summary *sum;
	struct pipe *pipe;
	struct worker *w;
	int nw;
	struct dstate *d;
	size_t next;   /* the next input not yet handed out */
	struct job *q; /* ranges and finishing steps, ahead of new documents */
	size_t qhead, qn, qalloc;
	struct batch_manifest man; /* the previous rows, then this run's */
	struct rowmap map;
	struct batch_row *rows; /* this run's row per input (input NULL: none yet) */
	char rules[65];
	char options[256];
	int journal;
	int split;
	size_t done;
	struct batch_progress prog;
	double t0;
	int idle_deaths;
	struct sb frame;
};

static volatile sig_atomic_t stop_signal;
static int stop_pipe[2] = {-1, -1};

static void on_stop(int sig)
{
	int e = errno;
	stop_signal = sig;
	if (stop_pipe[1] >= 0 && write(stop_pipe[1], "x", 1) < 0) {
		/* the pipe is full: a wake-up is already pending */
	}
	errno = e;
}

static const struct batch_row *old_row(struct sup *s, const char *input)
{
	if (!s->map.slot)
		return NULL;
	size_t *slot = rowmap_slot(&s->map, &s->man, input);
	return *slot ? &s->man.rows[*slot - 1] : NULL;
}

/* The previous row, when it says the document's record is up to date. */
static const struct batch_row *up_to_date(struct sup *s, size_t i)
{
	const struct batch_input *in = &s->in->items[i];
	const struct batch_row *r = old_row(s, in->path);
	struct stat st;
	if (!r || s->opt->force || r->status == BATCH_FAILED || !r->sha256[0] ||
	    strcmp(r->rules, s->rules) || strcmp(r->schema, SCHEMA_VERSION) ||
	    strcmp(r->options, s->options) || strcmp(r->record, in->out) ||
	    stat(in->out, &st) < 0 || !S_ISREG(st.st_mode))
		return NULL;
	return r;
}

/* A document is finished: row, journal, caller, counters. */
static void finish(struct sup *s, size_t i, enum batch_status st, enum ex_code code, int pages,
                   double seconds, const char *sha, const char *msg)
{
	struct dstate *d = &s->d[i];
	if (d->state == D_DONE)
		return;
	d->state = D_DONE;
	if (d->parts) {
		for (int k = 0; k < d->nranges; k++)
			sb_release(&d->parts[k]);
		free(d->parts);
		d->parts = NULL;
	}
	const struct batch_input *in = &s->in->items[i];
	const struct batch_row *prev = st == BATCH_SKIPPED ? old_row(s, in->path) : NULL;
	if (prev && pages < 0)
		pages = prev->pages;
	if (pages < 0)
		pages = 0;
	struct batch_result r = {in, st, code, pages, seconds, ""};
	snprintf(r.message, sizeof(r.message), "%s", msg ? msg : "");
	if (s->fn)
		s->fn(s->ctx, &r);
	s->done++;
	s->prog.docs_done++;
	switch (st) {
	case BATCH_OK:
		s->sum->ok++;
		break;
	case BATCH_PARTIAL:
		s->sum->partial++;
		break;
	case BATCH_FAILED:
		s->sum->failed++;
		s->prog.failed++;
		break;
	case BATCH_SKIPPED:
		s->sum->skipped++;
		s->prog.skipped++;
		break;
	}
	if (st != BATCH_SKIPPED) {
		s->sum->pages += (size_t)pages;
		s->prog.pages_done += (size_t)pages;
		s->prog.docs_worked++;
	}
	struct batch_row *row = &s->rows[i];
	int bad = 0;
	row->input = dup_or_null(in->path, &bad);
	row->name = dup_or_null(in->name, &bad);
	row->status = st;
	row->pages = pages;
	row->seconds = seconds;
	row->error = dup_or_null(r.message, &bad);
	row->record = dup_or_null(in->out, &bad);
	snprintf(row->sha256, sizeof(row->sha256), "%s", sha ? sha : "");
	row->rules = dup_or_null(s->rules, &bad);
	row->schema = dup_or_null(SCHEMA_VERSION, &bad);
	row->options = dup_or_null(s->options, &bad);
	if (bad) {
		row_release(row);
		return;
	}
	if (s->journal >= 0) {
		struct sb line = SB_INIT;
		format_row(&line, row);
		if (!line.oom && write_full(s->journal, line.buf, line.len) < 0) {
			/* the manifest at the end still has the row */
		}
		sb_release(&line);
	}
}

static int next_job(struct sup *s, struct job *j)
{
	while (s->qhead < s->qn) {
		*j = s->q[s->qhead++];
		if (s->qhead == s->qn)
			s->qhead = s->qn = 0;
		if (s->d[j->doc].state != D_DONE)
			return 1;
	}
	while (s->next < s->in->n) {
		size_t i = s->next++;
		if (s->d[i].state != D_PENDING)
			continue;
		*j = (struct job){JOB_DOC, i, 0, 0, 0};
		return 1;
	}
	return 0;
}

static int queue_job(struct sup *s, const struct job *j)
{
	if (s->qn == s->qalloc) {
		size_t na = s->qalloc ? s->qalloc * 2 : 16;
		struct job *nq = realloc(s->q, na * sizeof(*nq));
		if (!nq)
			return -1;
		s->q = nq;
		s->qalloc = na;
	}
	s->q[s->qn++] = *j;
	return 0;
}

static int send_all(int fd, const char *p, size_t len)
{
	while (len) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static int spawn(struct sup *s, struct worker *w)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		close(sv[0]);
		close(sv[1]);
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		for (int k = 0; k < s->nw; k++)
			if (s->w[k].pid > 0 && s->w[k].fd >= 0)
				close(s->w[k].fd);
		if (s->journal >= 0)
			close(s->journal);
		close(stop_pipe[0]);
		close(stop_pipe[1]);
		worker_main(s->pipe, s->opt, sv[1], parent);
	}
	close(sv[1]);
	w->pid = pid;
	w->fd = sv[0];
	w->busy = 0;
	sb_reset(&w->in);
	return 0;
}

/* Why a worker stopped, as the failure of the document it held. */
static void death_message(struct sup *s, int status, char *buf, size_t size)
{
	if (WIFSIGNALED(status))
		snprintf(buf, size, "the worker reading it was killed by signal %d (%s)",
		         WTERMSIG(status), strsignal(WTERMSIG(status)));
	else if (WIFEXITED(status) && WEXITSTATUS(status))
		snprintf(buf, size, "the worker reading it exited with status %d",
		         WEXITSTATUS(status));
	else
		snprintf(buf, size, "the worker reading it stopped without an answer");
	/* how a failed allocation ends: abort(), a non-zero exit, the OOM killer */
	int sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	if (s->opt->max_memory > 0 && (sig == SIGABRT || sig == SIGKILL || sig == SIGBUS ||
	                               (WIFEXITED(status) && WEXITSTATUS(status)))) {
		size_t l = strlen(buf);
		snprintf(buf + l, size - l, "; it may have reached --max-memory (%lld MB)",
		         s->opt->max_memory >> 20);
	}
}

static void range_prefix(const struct job *j, char *buf, size_t size)
{
	if (j->type == JOB_PAGES)
		snprintf(buf, size, "pages %d-%d: ", j->first, j->last);
	else
		buf[0] = '\0';
}

/* A worker is gone (status from waitpid): fail what it held, start another. */
static void replace(struct sup *s, struct worker *w, int status, const char *why, enum ex_code code)
{
	close(w->fd);
	w->fd = -1;
	w->pid = -1;
	if (w->busy) {
		struct dstate *d = &s->d[w->job.doc];
		if (d->state != D_DONE) {
			char msg[512], pre[64];
			if (!why) {
				death_message(s, status, msg, sizeof(msg));
				why = msg;
			}
			range_prefix(&w->job, pre, sizeof(pre));
			char full[600];
			snprintf(full, sizeof(full), "%s%s", pre, why);
			finish(s, w->job.doc, BATCH_FAILED, code, 0, d->seconds + now() - d->start,
			       d->sha, full);
		}
		s->idle_deaths = 0;
	} else if (code != EX_OK) {
		s->idle_deaths++; /* not a worker that said goodbye */
	}
	w->busy = 0;
	if (!stop_signal && s->idle_deaths < 8 && s->done < s->in->n)
		spawn(s, w);
}

static void reap(struct sup *s, struct worker *w, const char *why, enum ex_code code)
{
	int status = 0;
	if (why)
		kill(w->pid, SIGKILL);
	while (waitpid(w->pid, &status, 0) < 0 && errno == EINTR)
		;
	replace(s, w, status, why, code);
}

static int send_job(struct sup *s, struct worker *w, const struct job *j)
{
	const struct batch_input *in = &s->in->items[j->doc];
	struct dstate *d = &s->d[j->doc];
	struct sb *f = &s->frame;
	frame_begin(f, (uint32_t)j->type);
	put_u32(f, (uint32_t)j->doc);
	if (j->type == JOB_DOC) {
		const struct batch_row *r = up_to_date(s, j->doc);
		put_str(f, in->path);
		put_str(f, in->name);
		put_str(f, in->out);
		put_str(f, r ? r->sha256 : "");
		put_i32(f, s->split);
		d->state = D_RUNNING;
		d->start = now();
	} else if (j->type == JOB_PAGES) {
		put_u32(f, (uint32_t)j->range);
		put_str(f, in->path);
		put_str(f, in->name);
		put_i32(f, j->first);
		put_i32(f, j->last);
	} else {
		put_str(f, in->path);
		put_str(f, in->name);
		put_str(f, in->out);
		put_str(f, d->sha);
		put_i32(f, d->kind);
		put_u32(f, (uint32_t)d->nranges);
		for (int k = 0; k < d->nranges; k++)
			put_mem(f, d->parts[k].buf, d->parts[k].len);
	}
	if (frame_end(f) < 0) {
		finish(s, j->doc, BATCH_FAILED, EX_NOMEM, 0, 0, d->sha,
		       "out of memory handing the document to a worker");
		return 0;
	}
	w->busy = 1;
	w->job = *j;
	if (j->type == JOB_FINISH) {
		for (int k = 0; k < d->nranges; k++)
			sb_release(&d->parts[k]);
		free(d->parts);
		d->parts = NULL;
	}
	if (send_all(w->fd, f->buf, f->len) < 0)
		reap(s, w, NULL, EX_INTERNAL);
	return 0;
}

static void on_frame(struct sup *s, struct worker *w, uint32_t type, struct rd *r)
{
	size_t i = get_u32(r);
	if (r->bad || i >= s->in->n || !w->busy || i != w->job.doc) {
		reap(s, w, "the worker sent a malformed answer", EX_INTERNAL);
		return;
	}
	struct dstate *d = &s->d[i];
	w->busy = 0;
	if (type == R_DONE) {
		enum batch_status st = (enum batch_status)get_u32(r);
		enum ex_code code = (enum ex_code)get_u32(r);
		int pages = get_i32(r);
		double sec = get_f64(r);
		char *sha = get_str(r), *msg = get_str(r);
		int bye = get_i32(r);
		if (!r->bad) {
			snprintf(d->sha, sizeof(d->sha), "%s", sha);
			finish(s, i, st, code, pages, d->seconds + sec, sha, msg);
		}
		free(sha);
		free(msg);
		if (r->bad)
			reap(s, w, "the worker sent a malformed answer", EX_INTERNAL);
		else if (bye)
			reap(s, w, NULL, EX_OK);
		return;
	}
	if (type == R_SPLIT) {
		int pages = get_i32(r);
		char *sha = get_str(r);
		double sec = get_f64(r);
		if (r->bad || pages < 1 || s->split < 1) {
			free(sha);
			reap(s, w, "the worker sent a malformed answer", EX_INTERNAL);
			return;
		}
		snprintf(d->sha, sizeof(d->sha), "%s", sha);
		free(sha);
		d->seconds += sec;
		d->pages = pages;
		d->nranges = (pages + s->split - 1) / s->split;
		d->left = d->nranges;
		d->kind = 0;
		d->parts = calloc((size_t)d->nranges, sizeof(struct sb));
		int bad = !d->parts;
		for (int k = 0; k < d->nranges && !bad; k++) {
			int last = (k + 1) * s->split;
			struct job j = {JOB_PAGES, i, k, k * s->split + 1,
			                last < pages ? last : pages};
			sb_init(&d->parts[k]);
			bad = queue_job(s, &j) < 0;
		}
		if (bad)
			finish(s, i, BATCH_FAILED, EX_NOMEM, 0, d->seconds, d->sha,
			       "out of memory");
		return;
	}
	if (type == R_PAGES) {
		int range = (int)get_u32(r);
		enum ex_code code = (enum ex_code)get_u32(r);
		char *msg = get_str(r);
		double sec = get_f64(r);
		int kind = get_i32(r);
		if (r->bad || d->state == D_DONE || !d->parts || range < 0 || range >= d->nranges) {
			free(msg);
			if (r->bad)
				reap(s, w, "the worker sent a malformed answer", EX_INTERNAL);
			return;
		}
		d->seconds += sec;
		if (code != EX_OK) {
			finish(s, i, BATCH_FAILED, code, 0, d->seconds, d->sha, msg);
			free(msg);
			return;
		}
		free(msg);
		if (kind > d->kind)
			d->kind = kind;
		if (sb_add(&d->parts[range], r->p + r->off, r->n - r->off) < 0) {
			finish(s, i, BATCH_FAILED, EX_NOMEM, 0, d->seconds, d->sha,
			       "out of memory");
			return;
		}
		if (--d->left == 0) {
			struct job j = {JOB_FINISH, i, 0, 0, 0};
			if (queue_job(s, &j) < 0)
				finish(s, i, BATCH_FAILED, EX_NOMEM, 0, d->seconds, d->sha,
				       "out of memory");
		}
		return;
	}
	reap(s, w, "the worker sent a malformed answer", EX_INTERNAL);
}

/* Read what a worker sent; handle each whole frame. */
static void on_readable(struct sup *s, struct worker *w)
{
	for (;;) {
		if (sb_grow(&w->in, 65536) < 0) {
			reap(s, w, "out of memory reading the worker's answer", EX_NOMEM);
			return;
		}
		ssize_t n =
		    recv(w->fd, w->in.buf + w->in.len, w->in.alloc - w->in.len - 1, MSG_DONTWAIT);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			reap(s, w, NULL, EX_INTERNAL);
			return;
		}
		sb_took(&w->in, (size_t)n);
	}
	/* on_frame() may reap the worker, or reap and replace it (a worker
	 * grown near --max-memory is restarted when it is done with a
	 * document): then w->in is the new worker's and nothing here is left
	 * to read */
	pid_t pid = w->pid;
	size_t off = 0;
	while (w->pid > 0 && w->pid == pid && w->in.len - off >= 8) {
		uint32_t h[2];
		memcpy(h, w->in.buf + off, sizeof(h));
		if (h[1] > FRAME_MAX) {
			reap(s, w, "the worker sent a malformed answer", EX_INTERNAL);
			return;
		}
		if (w->in.len - off - 8 < h[1])
			break;
		struct rd r = {w->in.buf + off + 8, h[1], 0, 0};
		off += 8 + h[1];
		on_frame(s, w, h[0], &r);
	}
	if (w->pid > 0 && w->pid == pid && off) {
		memmove(w->in.buf, w->in.buf + off, w->in.len - off);
		sb_setlen(&w->in, w->in.len - off);
	}
}

/* Remove temporary files that a killed run left beside records it was
 * writing: ".<record>.tmp-XXXXXX" for our records and manifest. */
static void clean_stale(struct sup *s, const char *manifest)
{
	size_t n = s->in->n + 1;
	struct batch_manifest tmp = {0};
	struct batch_row *rows = calloc(n, sizeof(*rows));
	char **dirs = calloc(n, sizeof(*dirs));
	if (!rows || !dirs)
		goto out;
	tmp.rows = rows;
	for (size_t i = 0; i < n; i++)
		rows[i].input = (char *)(i < s->in->n ? s->in->items[i].out : manifest);
	tmp.n = n;
	struct rowmap set = {0};
	if (rowmap_build(&set, &tmp, 0) < 0)
		goto out;
	size_t nd = 0;
	for (size_t i = 0; i < n; i++) {
		const char *slash = strrchr(rows[i].input, '/');
		if (slash && (dirs[nd] = strndup(rows[i].input, (size_t)(slash - rows[i].input))))
			nd++;
	}
	qsort(dirs, nd, sizeof(char *), cmp_str);
	struct sb target = SB_INIT, victim = SB_INIT;
	for (size_t k = 0; k < nd; k++) {
		if (k && !strcmp(dirs[k], dirs[k - 1]))
			continue;
		DIR *dp = opendir(dirs[k]);
		struct dirent *e;
		while (dp && (e = readdir(dp))) {
			const char *t = strstr(e->d_name, ".tmp-");
			if (e->d_name[0] != '.' || !t || strlen(t) != 11)
				continue;
			sb_reset(&target);
			sb_addf(&target, "%s/%.*s", dirs[k], (int)(t - e->d_name - 1),
			        e->d_name + 1);
			if (*rowmap_slot(&set, &tmp, target.buf)) {
				sb_reset(&victim);
				sb_addf(&victim, "%s/%s", dirs[k], e->d_name);
				unlink(victim.buf);
			}
		}
		if (dp)
			closedir(dp);
	}
	sb_release(&target);
	sb_release(&victim);
	rowmap_release(&set);
out:
	if (dirs)
		for (size_t i = 0; i < n; i++)
			free(dirs[i]);
	free(dirs);
	free(rows);
}

static void stop_workers(struct sup *s)
{
	for (int k = 0; k < s->nw; k++)
		if (s->w[k].pid > 0)
			kill(s->w[k].pid, SIGTERM);
	double until = now() + 3;
	for (int k = 0; k < s->nw; k++) {
		struct worker *w = &s->w[k];
		if (w->pid <= 0)
			continue;
		int st;
		while (waitpid(w->pid, &st, WNOHANG) == 0) {
			if (now() > until) {
				kill(w->pid, SIGKILL);
				waitpid(w->pid, &st, 0);
				break;
			}
			struct timespec ts = {0, 20 * 1000 * 1000};
			nanosleep(&ts, NULL);
		}
		close(w->fd);
		w->pid = -1;
		w->fd = -1;
	}
}

static void options_string(const struct batch_options *o, char *buf, size_t size)
{
	const struct pipe_options *p = &o->pipe;
	snprintf(buf, size, "tjx=%s normalise=%d provenance=%d lenient=%d ocr=%s lang=%s rotate=%d",
	         TJX_VERSION, !p->no_normalise, !p->no_provenance, p->lenient,
	         p->ocr == PIPE_OCR_ALWAYS  ? "always"
	         : p->ocr == PIPE_OCR_NEVER ? "never"
	                                    : "auto",
	         p->lang ? p->lang : "swe", p->rotate);
}

static void do_tick(struct sup *s)
{
	if (!s->tick)
		return;
	s->prog.elapsed = now() - s->t0;
	s->tick(s->ctx, &s->prog);
}

static int run_batch(const struct batch_options *opt, const struct batch_inputs *in,
                     void (*fn)(void *ctx, const struct batch_result *r),
                     void (*tick)(void *ctx, const struct batch_progress *p), void *ctx,
                     struct batch_summary *sum, struct ex_error *err)
{
	double t0 = now();
	const char *mname = opt->manifest ? opt->manifest : "manifest.tsv";
	snprintf(sum->manifest, sizeof(sum->manifest), "%s/%s", opt->outdir, mname);
	/* the output folder must take a file: try one (access() says yes to root) */
	if (mkdirs(opt->outdir) < 0)
		return ex_fail(err, EX_IO, opt->outdir, 0, 0, "output folder cannot be written: %s",
		               strerror(errno));
	struct sb probe = SB_INIT;
	sb_addf(&probe, "%s/.tjx-probe-XXXXXX", opt->outdir);
	int pfd = mkstemp(probe.buf);
	if (pfd < 0) {
		int e = errno;
		sb_release(&probe);
		return ex_fail(err, EX_IO, opt->outdir, 0, 0, "output folder cannot be written: %s",
		               strerror(e));
	}
	close(pfd);
	unlink(probe.buf);
	sb_reset(&probe);
	/* one run at a time writes a manifest */
	sb_addf(&probe, "%s/.%s.lock", opt->outdir, mname);
	int lock = open(probe.buf, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (lock < 0 || flock(lock, LOCK_EX | LOCK_NB) < 0) {
		int e = errno;
		if (lock >= 0)
			close(lock);
		sb_release(&probe);
		return ex_fail(err, EX_IO, opt->outdir, 0, 0, "%s",
		               e == EWOULDBLOCK ? "another tjx run is writing to this folder"
		                                : strerror(e));
	}
	sb_release(&probe);

	struct sup S = {0}, *s = &S;
	s->opt = opt;
	s->in = in;
	s->fn = fn;
	s->tick = tick;
	s->ctx = ctx;
	s->sum = sum;
	s->journal = -1;
	s->t0 = t0;
	s->prog.docs_total = in->n;
	int rc = 0;
	const char *rules_dir =
	    opt->pipe.rules_dir ? opt->pipe.rules_dir : pipe_default_rules_dir();
	if (rules_digest(rules_dir, s->rules, err) < 0 ||
	    manifest_read(sum->manifest, &s->man, &s->map, err) < 0) {
		rc = -1;
		goto out;
	}
	options_string(opt, s->options, sizeof(s->options));
	s->d = calloc(in->n ? in->n : 1, sizeof(*s->d));
	s->rows = calloc(in->n ? in->n : 1, sizeof(*s->rows));
	if (!s->d || !s->rows) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	clean_stale(s, sum->manifest);
	/* load everything once, before forking: workers inherit it */
	if (pipe_new(&opt->pipe, &s->pipe, err) < 0) {
		rc = -1;
		goto out;
	}
	char *jp = journal_path(sum->manifest);
	if (jp)
		s->journal = open(jp, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
	free(jp);

	/* what the walk could not take fails at once */
	size_t work = 0;
	for (size_t i = 0; i < in->n; i++) {
		if (in->items[i].fail)
			finish(s, i, BATCH_FAILED, EX_IO, 0, 0, "", in->items[i].fail);
		else
			work++;
	}
	int jobs = opt->jobs > 1 ? opt->jobs : 1;
	/* more workers than documents help only to share a long one's pages */
	if (opt->pages_per_job <= 0 && (size_t)jobs > work)
		jobs = (int)work;
	if (!work)
		jobs = 0;
	s->split = jobs > 1 ? opt->pages_per_job : 0;
	s->w = calloc((size_t)(jobs ? jobs : 1), sizeof(*s->w));
	if (!s->w) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	for (int k = 0; k < jobs; k++) {
		s->w[k].pid = -1;
		s->w[k].fd = -1;
		sb_init(&s->w[k].in);
	}
	s->nw = jobs;
	for (int k = 0; k < jobs; k++)
		if (spawn(s, &s->w[k]) < 0) {
			rc = ex_fail(err, EX_INTERNAL, NULL, 0, 0, "cannot start a worker: %s",
			             strerror(errno));
			stop_signal = -1;
			break;
		}
	struct pollfd *pfds = calloc((size_t)jobs + 1, sizeof(*pfds));
	double last_tick = 0;
	while (pfds && !stop_signal && s->done < in->n) {
		for (int k = 0; k < s->nw; k++) {
			struct worker *w = &s->w[k];
			struct job j;
			if (w->pid > 0 && !w->busy && next_job(s, &j))
				send_job(s, w, &j);
		}
		int alive = 0;
		double wait = 0.25, t = now();
		pfds[0] = (struct pollfd){stop_pipe[0], POLLIN, 0};
		for (int k = 0; k < s->nw; k++) {
			struct worker *w = &s->w[k];
			pfds[k + 1] = (struct pollfd){w->pid > 0 ? w->fd : -1, POLLIN, 0};
			alive += w->pid > 0;
			if (w->pid > 0 && w->busy && opt->timeout > 0) {
				double left = s->d[w->job.doc].start + opt->timeout - t;
				if (left < wait)
					wait = left > 0 ? left : 0;
			}
		}
		if (!alive) {
			/* every worker keeps dying before it takes a document */
			for (size_t i = 0; i < in->n; i++)
				if (s->d[i].state != D_DONE)
					finish(s, i, BATCH_FAILED, EX_INTERNAL, 0, 0, "",
					       "no worker could be started to read it");
			break;
		}
		if (poll(pfds, (nfds_t)s->nw + 1, (int)(wait * 1000) + 1) < 0 && errno != EINTR)
			break;
		char drain[64];
		while (read(stop_pipe[0], drain, sizeof(drain)) > 0)
			;
		for (int k = 0; k < s->nw; k++)
			if (s->w[k].pid > 0 && (pfds[k + 1].revents & (POLLIN | POLLHUP | POLLERR)))
				on_readable(s, &s->w[k]);
		t = now();
		for (int k = 0; k < s->nw && opt->timeout > 0; k++) {
			struct worker *w = &s->w[k];
			if (w->pid > 0 && w->busy && t >= s->d[w->job.doc].start + opt->timeout) {
				char why[128];
				snprintf(why, sizeof(why), "timed out after %d s (--timeout)",
				         opt->timeout);
				reap(s, w, why, EX_TIMEOUT);
			}
		}
		if (t - last_tick >= 0.25) {
			last_tick = t;
			do_tick(s);
		}
	}
	free(pfds);
	if (stop_signal > 0)
		sum->interrupted = 1;
	stop_workers(s);
	do_tick(s);

	/* the manifest: the previous rows, with this run's in their place */
	if (rc == 0) {
		rowmap_release(&s->map);
		if (rowmap_build(&s->map, &s->man, in->n) < 0)
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		for (size_t i = 0; i < in->n && rc == 0; i++) {
			if (!s->rows[i].input)
				continue;
			if (manifest_put(&s->man, &s->map, &s->rows[i]) < 0)
				rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			else
				memset(&s->rows[i], 0, sizeof(s->rows[i]));
		}
		struct sb text = SB_INIT;
		if (rc == 0 && batch_manifest_format(&s->man, &text) < 0)
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		if (rc == 0 && batch_write_atomic(sum->manifest, text.buf, text.len, err) < 0)
			rc = -1;
		sb_release(&text);
		if (rc == 0 && (jp = journal_path(sum->manifest))) {
			unlink(jp);
			free(jp);
		}
	}
out:
	sum->seconds = now() - t0;
	if (s->journal >= 0)
		close(s->journal);
	for (int k = 0; k < s->nw; k++)
		sb_release(&s->w[k].in);
	free(s->w);
	if (s->d)
		for (size_t i = 0; i < in->n; i++)
			if (s->d[i].parts) {
				for (int k = 0; k < s->d[i].nranges; k++)
					sb_release(&s->d[i].parts[k]);
				free(s->d[i].parts);
			}
	free(s->d);
	if (s->rows)
		for (size_t i = 0; i < in->n; i++)
			row_release(&s->rows[i]);
	free(s->rows);
	free(s->q);
	sb_release(&s->frame);
	batch_manifest_release(&s->man);
	rowmap_release(&s->map);
	pipe_free(s->pipe);
	close(lock);
	return rc;
}

int batch_run(const struct batch_options *opt, const struct batch_inputs *in,
              void (*fn)(void *ctx, const struct batch_result *r),
              void (*tick)(void *ctx, const struct batch_progress *p), void *ctx,
              struct batch_summary *sum, struct ex_error *err)
{
	memset(sum, 0, sizeof(*sum));
	/* Ctrl-C is handled from the start: while the rules load, too */
	if (pipe(stop_pipe) < 0)
		return ex_fail(err, EX_INTERNAL, NULL, 0, 0, "pipe: %s", strerror(errno));
	for (int k = 0; k < 2; k++) {
		fcntl(stop_pipe[k], F_SETFL, O_NONBLOCK);
		fcntl(stop_pipe[k], F_SETFD, FD_CLOEXEC);
	}
	stop_signal = 0;
	struct sigaction sa = {0}, old_int, old_term, old_pipe;
	sa.sa_handler = on_stop;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, &old_pipe);
	int rc = run_batch(opt, in, fn, tick, ctx, sum, err);
	if (rc < 0 && stop_signal > 0)
		sum->interrupted = 1;
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(stop_pipe[0]);
	close(stop_pipe[1]);
	stop_pipe[0] = stop_pipe[1] = -1;
	return rc;
}
