/* pdfin.h - PDF pages through MuPDF: what a page holds, its text layer, and its
 * image (the embedded scan itself, or the page rendered).
 *
 * A `struct pdfin` is one open document with its own MuPDF context, whose
 * allocations are capped (a page that needs more fails with EX_LIMIT instead
 * of exhausting the machine) and whose messages are kept rather than printed.
 * Pages are loaded one at a time and freed before the next: a document is
 * never held rendered in memory.
 *
 * Ownership: pdfin_open() borrows the bytes (they must outlive the pdf); every
 * object returned is the caller's and is freed with the matching *_free() or
 * *_release().  Pages are numbered from 1; errors name the file and page.
 */
#ifndef TJX_PDFIN_H
#define TJX_PDFIN_H

#include <stddef.h>

#include "error.h"

struct Pix;
struct pdfin;
struct pdfin_page;

/* Open a PDF held in data[0..len).  `name` is used in messages.  max_memory
 * caps MuPDF's allocations (0: 1 GiB).  Fails with EX_ENCRYPT when a
 * password is needed, EX_INPUT when the file is not a readable PDF or has no
 * pages.  A damaged file MuPDF could repair opens; pdfin_repaired() says so. */
int pdfin_open(const char *name, const unsigned char *data, size_t len, size_t max_memory,
               struct pdfin **out, struct ex_error *err);
void pdfin_close(struct pdfin *p);
int pdfin_count_pages(const struct pdfin *p);
int pdfin_repaired(const struct pdfin *p);

/* What a page holds, found from its content without rendering it. */
struct pdfin_page_info {
	float width, height; /* in points (1/72 inch), page rotation applied */
	size_t chars;        /* text-layer characters that are letters or digits */
	size_t unmapped;     /* characters without a Unicode mapping */
	int images;          /* images drawn (image masks included) */
	float image_cover;   /* fraction of the page the largest image covers */
	int vector;          /* paths, shadings or visible text drawn */
	int scan;            /* one upright image covering the page, nothing else visible */
	int scan_dpi;        /* that image's resolution on the page (pixels per inch) */
};

/* Load page `page` and look at it.  EX_LIMIT when an image on it has more
 * than max_pixels pixels (checked before anything is decoded), EX_INPUT when
 * the page cannot be read. */
int pdfin_page_load(struct pdfin *p, int page, long long max_pixels, struct pdfin_page **out,
                    struct pdfin_page_info *info, struct ex_error *err);
void pdfin_page_free(struct pdfin_page *pg);

/* A text layer: lines of words, each word with its box. */
struct pdfin_word {
	char *text; /* UTF-8, no white space; owned */
	size_t len;
	float x0, y0, x1, y1; /* in pixels at the requested resolution */
};

struct pdfin_line {
	struct pdfin_word *words; /* owned */
	size_t nwords;
	float x0, y0, x1, y1;
	int block_start; /* the first line of a block of text (a paragraph) */
};

struct pdfin_text {
	struct pdfin_line *lines; /* owned, in the order of the page's content */
	size_t nlines;
};

void pdfin_text_release(struct pdfin_text *t);

/* The page's text layer, boxes scaled to `dpi`.  On success t is filled
 * (the caller releases it with pdfin_text_release()). */
int pdfin_page_text(struct pdfin_page *pg, int dpi, struct pdfin_text *t, struct ex_error *err);

/* The page as a greyscale image for OCR.  When the page is one scanned image
 * (info.scan) of between min_dpi and max_dpi, that image is taken as it is,
 * at its own resolution; otherwise the page is rendered at `dpi`.  *out_dpi
 * is the resolution of the image returned; *direct is 1 when it is the
 * embedded image.  EX_LIMIT when the image would exceed max_pixels.
 * The Pix is the caller's (pixDestroy()). */
int pdfin_page_image(struct pdfin_page *pg, int dpi, int min_dpi, int max_dpi, long long max_pixels,
                     struct Pix **out, int *out_dpi, int *direct, struct ex_error *err);

#endif
