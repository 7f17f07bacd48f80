/* batch.h - run the pipeline over many inputs into an output folder,
 * unattended: isolated workers, limits, resume, a manifest, shards.
 *
 * Inputs.  Files and folders; folders are walked recursively in name order,
 * skipping hidden entries and whatever a `.tjxignore` file in a walked folder
 * lists (shell globs, one a line, matched against names in that folder and
 * below).  What the walk cannot take (a symlink loop, a dangling link, a FIFO,
 * an unreadable folder) becomes an input that fails with that reason, so the
 * manifest names it.  Each input gives one record, OUTDIR/<relative
 * folder>/<stem>.xml; two inputs that would share a record path are told
 * apart ("a.xml", "a.txt.xml", "a.txt~2.xml").
 *
 * Process model.  batch_run() is a supervisor: it loads the pipeline once
 * (rules, schema, lexicon: a broken rule stops the batch before it starts),
 * then forks `jobs` long-lived worker processes that inherit it and keep it
 * (and the Tesseract engine each loads on its first scanned page) for every
 * document they take.  Each worker talks to the supervisor over its own
 * socket pair in frames (see batch.c): the supervisor hands out one job at a
 * time to whichever worker is idle; a job is a whole document, a range of
 * pages of a long document, or the last step of such a document (normalise,
 * extract, write the record from the pages, in page order).  A worker that
 * crashes, passes the document's deadline (--timeout: it is killed) or runs
 * out of memory (--max-memory, RLIMIT_AS) is replaced and the document is
 * reported failed with the signal or limit; the batch goes on.
 *
 * Nothing half-written.  Records are written to a temporary file in their
 * folder, fsynced and renamed into place.  The manifest (OUTDIR/manifest.tsv,
 * a row per input) is rewritten the same way at the end of a run, also when
 * it is interrupted; while the run goes on, each finished row is appended to
 * a journal beside it (OUTDIR/.manifest.tsv.journal), so a run killed with
 * SIGKILL loses no finished document: the next run reads the journal.
 *
 * Resume.  A document whose manifest row says ok/partial/skipped, whose
 * record exists, and whose input sha256, rules digest, schema version and
 * output options are the same is skipped (status "skipped"); `force` redoes
 * it.
 *
 * Ownership: batch_inputs owns its strings; a batch_manifest owns its rows.
 * Nothing here prints: results and progress go to the caller's callbacks.
 */
#ifndef TJX_BATCH_H
#define TJX_BATCH_H

#include <stddef.h>

#include "error.h"
#include "pipeline.h"
#include "strbuf.h"

/* One input and where its record goes. */
struct batch_input {
	char *path; /* as found: the argument, or argument/relative path */
	char *name; /* source/@file: relative to the folder argument, or the base name */
	char *out;  /* record path: outdir/relative/stem.xml */
	char *fail; /* NULL, or why the walk could not take it (reported as failed) */
};

struct batch_inputs {
	struct batch_input *items;
	size_t n, alloc;
};

void batch_inputs_release(struct batch_inputs *in);

/* Append an input (strings copied; out and fail may be NULL). */
int batch_inputs_add(struct batch_inputs *in, const char *path, const char *name, const char *out,
                     const char *fail);

/* Collect the inputs under paths (files or folders) into in, with record
 * paths under outdir.  What the walk cannot take is added with `fail` set.
 * A folder reached a second time under another name (not a loop) is walked
 * once and reported through `skip` (may be NULL).  Fails only when memory
 * runs out. */
int batch_collect(char *const *paths, int npaths, const char *outdir, struct batch_inputs *in,
                  void (*skip)(void *ctx, const char *path, const char *why), void *ctx,
                  struct ex_error *err);

/* --shard K/N: which shard (1..n) an input path belongs to.  A hash
 * (FNV-1a, 64 bits) of the path as given, so the N shards of the same
 * command line cover every input exactly once, on any machine. */
int batch_shard_of(const char *path, int n);
/* Keep only the inputs of shard k of n (1 <= k <= n). */
void batch_inputs_shard(struct batch_inputs *in, int k, int n);
/* Parse "K/N"; EX_USAGE unless 1 <= K <= N. */
int batch_parse_shard(const char *s, int *k, int *n, struct ex_error *err);

enum batch_status {
	BATCH_OK,
	BATCH_PARTIAL, /* a record was written, but some page is incomplete */
	BATCH_FAILED,
	BATCH_SKIPPED, /* the record is up to date */
};

const char *batch_status_name(enum batch_status s);
/* The status for a name, or -1. */
int batch_status_from_name(const char *s);

/* ---- the manifest ------------------------------------------------------------ */

/* One row of manifest.tsv.  Columns, in order, with a header line:
 *   input name status pages seconds error record sha256 rules schema options
 * Fields are TSV-escaped (\\, \t, \n, \r), so any file name fits. */
struct batch_row {
	char *input; /* path as given */
	char *name;  /* source/@file */
	enum batch_status status;
	int pages;
	double seconds;
	char *error;     /* the error (failed) or the warnings (ok, partial); "" when none */
	char *record;    /* record path */
	char sha256[65]; /* of the input; "" when it could not be read */
	char *rules;     /* rules digest */
	char *schema;    /* record schema version */
	char *options;   /* the options that shape the record, e.g. "normalise=1 provenance=1" */
};

struct batch_manifest {
	struct batch_row *rows;
	size_t n, alloc;
};

void batch_manifest_release(struct batch_manifest *m);

/* The manifest file name in OUTDIR: "manifest.tsv", or with a shard
 * "manifest-K-of-N.tsv" (so shards may share OUTDIR).  Static storage. */
const char *batch_manifest_name(int shard_k, int shard_n);

/* Read a manifest and its journal (the journal's rows win; a torn last line
 * is ignored).  A missing file is an empty manifest.  EX_INPUT when the
 * header is not tjx's. */
int batch_manifest_read(const char *path, struct batch_manifest *m, struct ex_error *err);

/* Serialise rows (sorted by input) as TSV into out. */
int batch_manifest_format(const struct batch_manifest *m, struct sb *out);

/* Escape s for one TSV field (appended to out); unescape in place. */
void batch_tsv_escape(struct sb *out, const char *s);
void batch_tsv_unescape(char *s);

/* ---- running ------------------------------------------------------------------ */

struct batch_result {
	const struct batch_input *input;
	enum batch_status status;
	enum ex_code code; /* for BATCH_FAILED */
	int pages;
	double seconds;
	char message[1024]; /* the error, or the warnings, on one line (file names escaped) */
};

struct batch_progress {
	size_t docs_total, docs_done, failed, skipped;
	size_t pages_done;
	double elapsed;      /* seconds since the start */
	double busy_elapsed; /* seconds spent on documents that were not skipped */
	size_t docs_worked;  /* documents done that were not skipped */
};

struct batch_options {
	const char *outdir;
	const char *manifest; /* file name in outdir; NULL: "manifest.tsv" */
	int jobs;             /* worker processes; 0 or 1: one */
	int force;            /* redo up-to-date documents */
	int timeout;          /* seconds a document may take (wall clock); 0: no limit */
	long long max_memory; /* bytes a worker may add to what it holds loaded; 0: none */
	int pages_per_job;    /* split documents longer than this over the workers; 0: never */
	struct pipe_options pipe;
};

struct batch_summary {
	size_t ok, partial, failed, skipped;
	size_t pages;
	double seconds;
	int interrupted;     /* SIGINT or SIGTERM stopped the run */
	char manifest[1024]; /* the manifest's path */
};

/* Process every input.  fn (may be NULL) is called in the supervisor, in
 * completion order, once per finished input; tick (may be NULL) about four
 * times a second.  SIGINT and SIGTERM (handled for the duration of the call)
 * stop the run: workers are stopped, the manifest is written and
 * sum->interrupted is set.  Returns 0 when the batch ran (whatever happened
 * to single documents: see the summary), or a negative error when it could
 * not start: EX_IO when the output folder cannot be written (or another run
 * holds its manifest), EX_RULE/EX_DEP when the pipeline cannot be loaded.
 *
 * Test hook: the environment variable TJX_TEST_FAULT="crash:TEXT",
 * "hang:TEXT", "hog:TEXT" or "leak:TEXT" makes a worker crash (SIGSEGV),
 * hang, allocate without end, or keep 128 MB on an input whose name contains
 * TEXT ("crash-range:TEXT": crash reading any page range but the first), so
 * the tests can check that such a document is contained. */
int batch_run(const struct batch_options *opt, const struct batch_inputs *in,
              void (*fn)(void *ctx, const struct batch_result *r),
              void (*tick)(void *ctx, const struct batch_progress *p), void *ctx,
              struct batch_summary *sum, struct ex_error *err);

/* Take the failed rows of the manifest at path as inputs (path, name and
 * record path as they were). */
int batch_inputs_from_manifest(const char *path, struct batch_inputs *in, struct ex_error *err);

/* Write data to path atomically: a temporary file in the same folder
 * (".<name>.tmp-XXXXXX"), fsync, rename, fsync of the folder.  Creates
 * missing folders. */
int batch_write_atomic(const char *path, const char *data, size_t len, struct ex_error *err);

#endif
