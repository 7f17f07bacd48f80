/* batch.h - run the pipeline over many inputs into an output folder.
 *
 * Inputs are files and folders; folders are walked recursively in name
 * order, skipping hidden entries and whatever a `.tjxignore` file in a walked
 * folder lists (shell globs, one a line, matched against names in that folder
 * and below).  Each input gives one record, OUTDIR/<relative folder>/<stem>.xml,
 * written atomically (temporary file, fsync, rename): a record is either
 * complete or absent.
 */
#ifndef TJX_BATCH_H
#define TJX_BATCH_H

#include <stddef.h>

#include "error.h"
#include "pipeline.h"

/* One input and where its record goes. */
struct batch_input {
	char *path; /* as found: the argument, or argument/relative path */
	char *name; /* source/@file: relative to the folder argument, or the base name */
	char *out;  /* record path: outdir/relative/stem.xml */
};

struct batch_inputs {
	struct batch_input *items;
	size_t n, alloc;
};

void batch_inputs_release(struct batch_inputs *in);

/* Collect the inputs under paths (files or folders) into in, with record
 * paths under outdir.  Unreadable folders and symlink loops are not fatal:
 * each is reported through `skip` (may be NULL) and the walk goes on. */
int batch_collect(char *const *paths, int npaths, const char *outdir, struct batch_inputs *in,
		  void (*skip)(void *ctx, const char *path, const char *why), void *ctx,
		  struct ex_error *err);

enum batch_status {
	BATCH_OK,
	BATCH_PARTIAL, /* a record was written, but some page is incomplete */
	BATCH_FAILED,
	BATCH_SKIPPED, /* the record is up to date */
};

const char *batch_status_name(enum batch_status s);

struct batch_result {
	const struct batch_input *input;
	enum batch_status status;
	enum ex_code code; /* for BATCH_FAILED */
	int pages;
	double seconds;
	char message[600]; /* the error, or the warnings, on one line */
};

struct batch_options {
	const char *outdir;
	int jobs; /* worker processes; 0 or 1: one */
	int force;
	struct pipe_options pipe;
};

struct batch_summary {
	size_t ok, partial, failed, skipped;
	size_t pages;
};

/* Process every input.  fn (may be NULL) is called in the parent, in
 * completion order, once per input.  Returns 0 when the batch ran (whatever
 * happened to single documents: see the summary), or a negative error when
 * it could not start (rules broken, output folder not writable). */
int batch_run(const struct batch_options *opt, const struct batch_inputs *in,
	      void (*fn)(void *ctx, const struct batch_result *r), void *ctx,
	      struct batch_summary *sum, struct ex_error *err);

/* Write data to path atomically: a temporary file in the same folder,
 * fsync, rename, fsync of the folder.  Creates missing folders. */
int batch_write_atomic(const char *path, const char *data, size_t len, struct ex_error *err);

#endif
