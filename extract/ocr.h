/* ocr.h - the OCR stage: PDFs and page images to text with word boxes and
 * confidences, in a struct doc.
 *
 * Inputs are recognised by their content, never by their name: PDF (MuPDF),
 * TIFF (multi-page), PNG, JPEG, PNM, BMP, GIF, WebP, JPEG 2000 (Leptonica).
 * A PDF page that carries a text layer uses it (--ocr=auto, like OCRmyPDF's
 * skip-text); a page without one, and every image, is cleaned with Leptonica
 * (greyscale, resolution, orientation, deskew, binarisation where the
 * background is uneven) and recognised by Tesseract through its C API.
 *
 *	struct ocr *o;  ocr_new(&opt, &o, err);           // cheap: no model yet
 *	struct ocr_input *in;  ocr_open(o, path, name, &in, err);
 *	for (int k = 1; k <= ocr_input_pages(in); k++)
 *		ocr_page(o, in, k, d, err);               // page k appended to d
 *	d->kind = ocr_doc_kind(in, d);
 *	ocr_close(in);  ...  ocr_free(o);
 *
 * or all of it at once with ocr_read().  Pages are independent: a caller may
 * recognise any page of an open input on its own (a worker pool can spread
 * the pages of a long document and put them back in order); only one page
 * is held decoded at a time.
 *
 * A `struct ocr` holds the Tesseract engine, created on the first page that
 * needs it and reused for every later page (the model is loaded once).  It is
 * not thread-safe: one per worker process.  Recognition runs on the calling
 * thread only, as with OMP_THREAD_LIMIT=1 (Tesseract's OpenMP threads would
 * only compete with the other workers), unless the environment sets
 * OMP_THREAD_LIMIT or OMP_NUM_THREADS.
 *
 * Ownership: every object returned is the caller's and is freed with the
 * matching *_free()/ocr_close(); strings passed in are copied.
 */
#ifndef TJX_OCR_H
#define TJX_OCR_H

#include <stddef.h>

#include "doc.h"
#include "error.h"

/* What a file is, found from its first bytes. */
enum ocr_type {
	OCR_TYPE_UNKNOWN, /* binary, or empty: not something tjx reads */
	OCR_TYPE_TEXT,    /* no magic number and no binary bytes: read as text */
	OCR_TYPE_PDF,
	OCR_TYPE_TIFF,
	OCR_TYPE_PNG,
	OCR_TYPE_JPEG,
	OCR_TYPE_PNM,
	OCR_TYPE_BMP,
	OCR_TYPE_GIF,
	OCR_TYPE_WEBP,
	OCR_TYPE_JP2,
};

/* "pdf", "tiff", "png", ... */
const char *ocr_type_name(enum ocr_type type);

/* The type of a file from its first bytes (at most the first 1024 are
 * looked at; pass what you have). */
enum ocr_type ocr_detect(const void *buf, size_t len);

/* The type of the file at path, read from its first bytes.  EX_IO when it
 * cannot be read. */
int ocr_detect_file(const char *path, enum ocr_type *type, struct ex_error *err);

enum ocr_mode {
	OCR_AUTO,   /* recognise pages without a text layer; use the layer where there is one */
	OCR_ALWAYS, /* recognise every page, ignoring text layers */
	OCR_NEVER,  /* text layers only: a page that would need OCR is an error */
};

#define OCR_DEFAULT_LANG       "swe"
#define OCR_DEFAULT_TIMEOUT_MS 120000
#define OCR_DEFAULT_DPI        300
#define OCR_DEFAULT_MAX_PIXELS 100000000LL /* 100 megapixels: A0 at 250 dpi */

struct ocr_options {
	enum ocr_mode mode;
	const char *lang;     /* Tesseract languages, e.g. "swe+eng"; NULL: "swe" */
	const char *tessdata; /* tessdata folder; NULL: $TESSDATA_PREFIX or Tesseract's own */
	int page_timeout_ms;  /* recognition deadline per page; 0: 120 s; < 0: none */
	int rotate;           /* detect page orientation (Tesseract's osd model) */
	int max_pages;        /* more pages is EX_LIMIT; 0: no limit */
	long long max_pixels; /* pixels per page image; 0: OCR_DEFAULT_MAX_PIXELS */
	int dpi;              /* rendering resolution, and assumed when an image has
				   none; 0: 300 */
};

struct ocr;
struct ocr_input;

/* Set up the stage.  Checks the options (EX_USAGE for a malformed language
 * list) but loads no model: that happens on the first page needing OCR,
 * which fails with EX_DEP when the language data is missing. */
int ocr_new(const struct ocr_options *opt, struct ocr **out, struct ex_error *err);
void ocr_free(struct ocr *o);

/* Tesseract's version, e.g. "5.3.0". */
const char *ocr_engine_version(void);

/* Load the Tesseract model now rather than on the first page (to report a
 * missing language before a batch starts, or to time recognition alone). */
int ocr_engine_load(struct ocr *o, struct ex_error *err);

/* Open the file at path (mapped, not copied) as a PDF or image.  `name`
 * (may be NULL: the path) is the document's name in messages and records.
 * Fails with EX_IO (unreadable), EX_INPUT (not a PDF or image, corrupt,
 * truncated, no pages), EX_ENCRYPT (password needed), EX_LIMIT (more than
 * max_pages pages). */
int ocr_open(struct ocr *o, const char *path, const char *name, struct ocr_input **out,
             struct ex_error *err);
void ocr_close(struct ocr_input *in);

int ocr_input_pages(const struct ocr_input *in);
enum ocr_type ocr_input_type(const struct ocr_input *in);
/* SHA-256 of the file's bytes, 64 lowercase hex digits. */
const char *ocr_input_sha256(const struct ocr_input *in);

/* Read page k (1-based) of `in` and append it to d as d's next page: a page
 * from the text layer (DOC_PAGE_LAYER) or recognised (DOC_PAGE_OCR), with one
 * doc_line per text line, its words (byte offsets into the line's orig text,
 * box in page pixels, confidence 0-100; -1 for text-layer words), and the
 * page's size, dpi, skew, rotation and seconds.  Warnings (no resolution,
 * deadline passed, damaged data) go to d with page k.  A page that passes its
 * deadline keeps what was recognised, is marked partial (page and doc) and is
 * not an error.  Errors: EX_INPUT, EX_LIMIT, EX_DEP (language data), EX_NOMEM;
 * d is then unchanged but for warnings. */
int ocr_page(struct ocr *o, struct ocr_input *in, int k, struct doc *d, struct ex_error *err);

/* The kind of a document read from `in`: DOC_IMAGE for images; for PDFs
 * DOC_PDF_SCAN when any page of d was recognised, else DOC_PDF_TEXT. */
enum doc_kind ocr_doc_kind(const struct ocr_input *in, const struct doc *d);

/* Open path, read every page in order and close it: *out is a new doc (the
 * caller's, doc_free()) with its kind, name and sha256 set. */
int ocr_read(struct ocr *o, const char *path, const char *name, struct doc **out,
             struct ex_error *err);

#endif
