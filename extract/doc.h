/* doc.h - the text of one document: pages of lines, with provenance.
 *
 * Every stage speaks this: the OCR stage (or the text reader) fills it, the
 * normaliser rewrites line text in place and records each edit, the field
 * extractor reads it and cites page and line.  It is plain data: callers
 * read the fields directly.
 *
 * Ownership: a doc owns every string and array reachable from it; doc_free()
 * releases all of it.  Strings passed to doc_* functions are copied unless
 * the comment says the function takes ownership.
 */
#ifndef TJX_DOC_H
#define TJX_DOC_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

enum doc_kind {
	DOC_TEXT,     /* a plain text file */
	DOC_PDF_TEXT, /* a PDF whose pages carry a text layer */
	DOC_PDF_SCAN, /* a PDF of page images, recognised by OCR */
	DOC_IMAGE,    /* TIFF, PNG, JPEG or PNM, recognised by OCR */
};

/* "text", "pdf-text", "pdf-scan", "image" as written in source/@kind. */
const char *doc_kind_name(enum doc_kind kind);

/* A word as the OCR engine saw it. */
struct doc_word {
	size_t off, len;    /* byte span in the line's `orig` text */
	int x0, y0, x1, y1; /* box in page pixels */
	float conf;         /* 0..100 */
};

struct doc_string {
	const char *src; /* the address doc_intern() was last given it at */
	char *copy;
};

/* One change the normaliser made to a line.  Offsets in 32 bits (a
 * document's edits are many: 24 bytes each, not 40), so the normaliser
 * takes lines of at most DOC_EDIT_LINE_MAX bytes. */
#define DOC_EDIT_LINE_MAX 0xFFFFFFFFu
struct doc_edit {
	uint32_t off, len;         /* replaced span in `orig` */
	uint32_t new_off, new_len; /* its replacement in `text` */
	const char *rule;          /* id of the rule that made it; owned by the
	                            * document (doc_intern) */
};

struct doc_line {
	char *text; /* current text (after normalisation): UTF-8, NFC, no newline;
	             * text, orig and edits are in the document's blocks */
	size_t len;
	char *orig; /* the text as read, before any normalisation */
	size_t orig_len;
	int page;               /* 1-based */
	int lineno;             /* 1-based line number within the page */
	int x0, y0, x1, y1;     /* line box in page pixels; all 0 without geometry */
	float conf;             /* mean word confidence 0..100; -1 when not from OCR */
	struct doc_word *words; /* OCR words, in reading order; offsets into orig */
	size_t nwords;
	struct doc_edit *edits; /* normaliser edits, ordered by position */
	size_t nedits;
};

enum doc_page_source {
	DOC_PAGE_TEXT,  /* from a text file */
	DOC_PAGE_LAYER, /* from a PDF text layer */
	DOC_PAGE_OCR,   /* recognised by OCR */
};

struct doc_page {
	enum doc_page_source source;
	int width, height; /* pixels as recognised; 0 without an image */
	int dpi;           /* resolution used; 0 without an image */
	float skew;        /* degrees of skew corrected */
	int rotation;      /* degrees turned before recognition (0, 90, 180, 270) */
	int partial;       /* recognition stopped early (deadline): text incomplete */
	double seconds;    /* time spent on the page */
	size_t first_line; /* index of the page's first line in doc->lines */
	size_t nlines;
};

struct doc {
	enum doc_kind kind;
	char *name;      /* the input as named in the record (source/@file) */
	char sha256[65]; /* of the input file's bytes, lowercase hex; "" until set */
	struct doc_page *pages;
	int npages;
	struct doc_line *lines; /* all pages' lines in reading order */
	size_t nlines;
	size_t lines_alloc;
	char **warnings; /* one line each, e.g. "page 2: no resolution, assumed 300 dpi" */
	size_t nwarnings;
	int partial;                /* some page is incomplete */
	struct doc_string *strings; /* doc_intern's copies */
	size_t nstrings;
	/* the lines' texts, originals and edits: carved from large blocks that
	 * doc_free() frees together (a 20 MB text is half a million lines; a
	 * malloc and a free for each of their strings cost a tenth of reading
	 * and repairing them).  A replaced text stays in its block until then. */
	struct doc_block *blocks;
};

/* A new empty document; NULL when out of memory. */
struct doc *doc_new(enum doc_kind kind, const char *name);
void doc_free(struct doc *d);

/* Start a new page; returns the new page (owned by d) or NULL. */
struct doc_page *doc_add_page(struct doc *d, enum doc_page_source source);

/* Append a line to the last page.  The text is sanitised (control characters
 * become spaces) and put in NFC.  Returns the line (owned by d) or NULL.
 * The pointer is valid until the next doc_add_line(). */
struct doc_line *doc_add_line(struct doc *d, const char *text, size_t len);

/* Add an OCR word to a line: off/len index the line's orig text. */
int doc_line_add_word(struct doc_line *l, size_t off, size_t len, int x0, int y0, int x1, int y1,
                      float conf);

/* A copy of s owned by d, one for all equal strings: the rule ids of its
 * lines' edits.  Looked for first at the address it was last given at (a
 * caller passes the same pointer for the same id), so it costs a few
 * compares.  NULL when out of memory. */
const char *doc_intern(struct doc *d, const char *s);

/* Replace the text and edits of a line of d with copies of text[0..len) and
 * edits[0..nedits) (the caller keeps its own); the rule strings inside are
 * d's (doc_intern): edits must be relative to orig and the new text.
 * Returns 0, or -1 when out of memory (the line is then unchanged). */
int doc_line_replace(struct doc *d, struct doc_line *l, const char *text, size_t len,
                     const struct doc_edit *edits, size_t nedits);

/* Remove the OCR words of a line for which drop[i] is set, before any
 * normalisation (the line must have no edits).  The line's text becomes the
 * remaining words joined by single spaces (empty when none is left: the line
 * itself stays, so line numbers do not move).  Returns 0, or -1 when out of
 * memory (the line is then unchanged). */
int doc_line_drop_words(struct doc *d, struct doc_line *l, const char *drop);

/* Remove specks: OCR "words" whose box is a few pixels in both directions
 * (less than an eighth of their line's height), which noise on a degraded
 * scan turns into stray marks (". | ' i"), and "letters" less than a quarter
 * as tall as the line's other letters (the median of its words with a letter
 * or digit), a rule line or smear read as "ee", on pages read by OCR words
 * that are only vertical bars (a scan's edge or a table rule read as "|")
 * unless a lower-case word follows (then "|" is "I"), and words of marks
 * alone (quotes, ":", ".", "=", ...; not dashes, bullets, "~" or "|") at
 * either end of a line that has a letter or digit ("Björk ="), and on pages
 * read by OCR a first word read below 50% confidence that stands wholly in
 * the page's left margin (the median left edge of its lines) before the
 * line's text ("i 7 Slutredovisning").  Returns the number removed, or -1. */
int doc_drop_specks(struct doc *d);

/* Map a byte offset in l->text to the corresponding offset in l->orig.  An
 * offset inside an edited span maps to the start (or, with `end` set, the
 * end) of the span it replaced. */
size_t doc_line_orig_off(const struct doc_line *l, size_t off, int end);

/* The line's last word: the bytes [*a, *e) of its text between the last
 * blank before it and the trailing blanks (*a == *e on a blank line). */
void doc_line_last_word(const struct doc_line *l, size_t *a, size_t *e);

/* The lowest OCR confidence among the words overlapping text[a..b), or -1
 * when the line has no OCR words there. */
float doc_line_conf(const struct doc_line *l, size_t a, size_t b);

/* Record a warning about the document (page 0: the whole document). */
int doc_warn(struct doc *d, int page, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Read a text document from buf[0..len).  UTF-8 is expected; text that is not
 * valid UTF-8 is read as Windows-1252 (Latin-1) with a warning.  CR LF and CR
 * end lines, a form feed starts a new page, a leading BOM is dropped.  Fails
 * (EX_INPUT) on an empty file, a file that is binary, or one with no text.
 * On success *out is a new doc the caller frees with doc_free(). */
int doc_from_text(const char *name, const char *buf, size_t len, struct doc **out,
                  struct ex_error *err);

/* SHA-256 of buf as 64 lowercase hex digits plus NUL. */
void doc_sha256_hex(const void *buf, size_t len, char out[65]);

#endif
