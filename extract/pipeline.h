/* pipeline.h - one document through every stage: read (or OCR), normalise,
 * extract fields, write a validated record.
 *
 * A `struct pipe` holds what is loaded once per process: the record schema,
 * the compiled normaliser and field rules, and (once the first scanned page
 * needs it) the OCR engine.  It is not thread-safe: one per worker process.
 */
#ifndef TJX_PIPELINE_H
#define TJX_PIPELINE_H

#include "doc.h"
#include "error.h"
#include "record.h"
#include "strbuf.h"

/* The program's version: printed by --version, and part of what a batch
 * manifest records a record was made with (a new version redoes records). */
#define TJX_VERSION "0.1.0"

enum pipe_ocr_mode {
	PIPE_OCR_AUTO,   /* OCR pages without text; use a text layer where there is one */
	PIPE_OCR_ALWAYS, /* OCR every page, ignoring text layers */
	PIPE_OCR_NEVER,  /* use text layers only; a page without text is an error */
};

struct pipe_options {
	const char *rules_dir; /* the rules/ folder */
	int no_normalise;      /* skip the normaliser */
	int no_provenance;     /* leave @page/@line/@conf/@raw out of records */
	int lenient;           /* a missing required field is not an error */
	enum pipe_ocr_mode ocr;
	const char *lang;     /* Tesseract languages; NULL: "swe" */
	const char *tessdata; /* tessdata folder; NULL: Tesseract's default */
	int page_timeout;     /* seconds per page; 0: the default (120) */
	int rotate;           /* detect page orientation (osd) */
	int max_pages;        /* 0: no limit */
	long long max_pixels; /* per page; 0: the default */
};

struct pipe;

int pipe_new(const struct pipe_options *opt, struct pipe **out, struct ex_error *err);
void pipe_free(struct pipe *p);

/* Read the input file at path, whatever its type (found from its content),
 * into a new doc named `name` (source/@file).  Text files are read as text,
 * PDFs and images through the OCR stage. */
int pipe_read(struct pipe *p, const char *path, const char *name, struct doc **out,
              struct ex_error *err);

/* A document opened to be read page by page, so that the pages of a long
 * document can be spread over several workers and put back in order.
 * pipe_open() reads what it must to count the pages (EX_LIMIT past
 * max_pages); pipe_read_pages() appends pages first..last (1-based) to d,
 * and with first == 1 the warnings about the whole document too.  The input
 * is the caller's, closed with pipe_close(). */
struct pipe_input;
int pipe_open(struct pipe *p, const char *path, const char *name, struct pipe_input **out,
              struct ex_error *err);
int pipe_input_pages(const struct pipe_input *in);
/* A new empty doc (the caller's) of the input's kind, named as opened. */
struct doc *pipe_input_doc(const struct pipe_input *in);
int pipe_read_pages(struct pipe *p, struct pipe_input *in, int first, int last, struct doc *d,
                    struct ex_error *err);
void pipe_close(struct pipe_input *in);

/* Read a text document from memory (for stdin and the tests). */
int pipe_read_text(struct pipe *p, const char *buf, size_t len, const char *name, struct doc **out,
                   struct ex_error *err);

/* Normalise d in place (unless the options say not to). */
int pipe_normalise(struct pipe *p, struct doc *d, struct ex_error *err);

/* Extract the fields of a (normalised) d and append the validated record XML
 * to xml.  debug, when not NULL, receives the extractor's explanation. */
int pipe_record(struct pipe *p, struct doc *d, struct sb *xml, struct sb *debug,
                struct ex_error *err);

/* The loaded parts, for commands that need one stage only. */
struct norm *pipe_norm(struct pipe *p);
struct fields *pipe_fields(struct pipe *p);
const struct rec_schema *pipe_schema(struct pipe *p);

/* Where the rules are: $TJX_RULES, else ../rules beside the executable, else
 * ./rules.  Returns a static string. */
const char *pipe_default_rules_dir(void);

#endif
