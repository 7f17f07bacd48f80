/* test_ocr_input.c - what a file is, and how its pages are read: type
 * detection, PDF pages through MuPDF (pdfin), images through Leptonica
 * (image), library messages kept off stderr (quiet) */
#include <allheaders.h>
#include <criterion/criterion.h>
#include <fcntl.h>
#include <string.h>

#include "image.h"
#include "ocr.h"
#include "ocr_testutil.h"
#include "pdfin.h"
#include "quiet.h"

/* ---- type detection ------------------------------------------------------------ */

Test(detect, magic_numbers_not_names)
{
	static const struct {
		const char *bytes;
		size_t len;
		enum ocr_type type;
	} cases[] = {
	    {"%PDF-1.7\n%\xe2\xe3", 12, OCR_TYPE_PDF},
	    {"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16, OCR_TYPE_PNG},
	    {"\xff\xd8\xff\xe0\0\x10JFIF", 10, OCR_TYPE_JPEG},
	    {"II*\0\x08\0\0\0", 8, OCR_TYPE_TIFF},
	    {"MM\0*\0\0\0\x08", 8, OCR_TYPE_TIFF},
	    {"II+\0\x08\0\0\0", 8, OCR_TYPE_TIFF}, /* BigTIFF */
	    {"P5\n# scanner\n2480 3508\n255\n", 28, OCR_TYPE_PNM},
	    {"P4 2480 3508\n", 13, OCR_TYPE_PNM},
	    {"GIF89a\x10\0\x10\0", 10, OCR_TYPE_GIF},
	    {"RIFF\x24\0\0\0WEBPVP8 ", 16, OCR_TYPE_WEBP},
	    {"\0\0\0\x0cjP  \r\n\x87\n", 12, OCR_TYPE_JP2},
	    {"BM\x36\0\0\0\0\0\0\0\x36\0\0\0\x28\0\0\0\x10\0\0\0\x10\0\0\0", 26, OCR_TYPE_BMP},
	    {"Tjänsteutlåtande\nDnr 1.7.1-8995/2021\n", 39, OCR_TYPE_TEXT},
	    /* text that only starts like a PNM header */
	    {"P1 Parter\nSkolverket\n", 21, OCR_TYPE_TEXT},
	    /* a PDF header after a little junk (as Acrobat accepts) */
	    {"\r\n\r\n%PDF-1.4\n", 13, OCR_TYPE_PDF},
	    {"The %PDF- tag alone\n", 20, OCR_TYPE_TEXT},
	    {"\0\0\x01\x02\x03binary", 11, OCR_TYPE_UNKNOWN},
	    {"", 0, OCR_TYPE_UNKNOWN},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum ocr_type t = ocr_detect(cases[i].bytes, cases[i].len);
		cr_assert_eq(t, cases[i].type, "case %zu: %s, expected %s", i, ocr_type_name(t),
		             ocr_type_name(cases[i].type));
	}
	cr_assert_str_eq(ocr_type_name(OCR_TYPE_TIFF), "tiff");
	cr_assert_str_eq(ocr_type_name((enum ocr_type)999), "unknown");
}

Test(detect, files_by_content)
{
	static const struct {
		const char *file;
		enum ocr_type type;
	} cases[] = {
	    {"p2.tif", OCR_TYPE_TIFF},       {"skew.png", OCR_TYPE_PNG},
	    {"scan.jpg", OCR_TYPE_JPEG},     {"scan2.pdf", OCR_TYPE_PDF},
	    {"encrypted.pdf", OCR_TYPE_PDF}, {"scan.txt", OCR_TYPE_TEXT},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char path[128];
		snprintf(path, sizeof(path), OT_DATA "%s", cases[i].file);
		enum ocr_type t;
		struct ex_error err;
		cr_assert_eq(ocr_detect_file(path, &t, &err), 0, "%s", err.msg);
		cr_assert_eq(t, cases[i].type, "%s: %s", path, ocr_type_name(t));
	}
	enum ocr_type t;
	struct ex_error err;
	cr_assert_lt(ocr_detect_file(OT_DATA "missing.png", &t, &err), 0);
	cr_assert_eq(err.code, EX_IO);
}

/* ---- PDF pages (pdfin) --------------------------------------------------------- */

static struct pdfin *open_pdf(const char *file, char **bytes)
{
	size_t len;
	*bytes = ot_read(file, &len);
	cr_assert_not_null(*bytes);
	struct pdfin *p = NULL;
	struct ex_error err;
	cr_assert_eq(pdfin_open(file, (unsigned char *)*bytes, len, 0, &p, &err), 0, "%s", err.msg);
	return p;
}

Test(pdfin, scanned_pages_are_recognised_as_scans)
{
	char *bytes;
	struct pdfin *p = open_pdf(OT_DATA "scan2.pdf", &bytes);
	cr_assert_eq(pdfin_count_pages(p), 2);
	cr_assert_eq(pdfin_repaired(p), 0);
	static const int dpi[] = {300, 240};
	for (int k = 1; k <= 2; k++) {
		struct pdfin_page *pg = NULL;
		struct pdfin_page_info info;
		struct ex_error err;
		cr_assert_eq(pdfin_page_load(p, k, 0, &pg, &info, &err), 0, "%s", err.msg);
		cr_assert_eq(info.images, 1);
		cr_assert_eq(info.scan, 1);
		cr_assert_eq(info.scan_dpi, dpi[k - 1]);
		cr_assert_eq(info.chars, 0);
		cr_assert_eq(info.vector, 0);
		cr_assert_float_eq(info.image_cover, 1.0f, 0.01f);
		/* taken as it is when its resolution is in range ... */
		PIX *pix = NULL;
		int res, direct;
		cr_assert_eq(pdfin_page_image(pg, 300, 150, 600, 0, &pix, &res, &direct, &err), 0);
		cr_assert_eq(direct, 1);
		cr_assert_eq(res, dpi[k - 1]);
		/* page 1 is a bilevel G4 image, page 2 a greyscale JPEG */
		cr_assert_eq(pixGetDepth(pix), k == 1 ? 1 : 8);
		cr_assert_eq(pixGetXRes(pix), dpi[k - 1]);
		int w = pixGetWidth(pix);
		pixDestroy(&pix);
		/* ... rendered at the asked resolution otherwise */
		cr_assert_eq(pdfin_page_image(pg, 150, 400, 600, 0, &pix, &res, &direct, &err), 0);
		cr_assert_eq(direct, 0);
		cr_assert_eq(res, 150);
		cr_assert_lt(abs(pixGetWidth(pix) - w * 150 / dpi[k - 1]), 2);
		pixDestroy(&pix);
		/* no text layer */
		struct pdfin_text t;
		cr_assert_eq(pdfin_page_text(pg, 300, &t, &err), 0);
		cr_assert_eq(t.nlines, 0);
		pdfin_text_release(&t);
		pdfin_page_free(pg);
	}
	struct pdfin_page *pg = NULL;
	struct ex_error err;
	cr_assert_lt(pdfin_page_load(p, 3, 0, &pg, NULL, &err), 0);
	cr_assert_eq(err.code, EX_USAGE);
	pdfin_close(p);
	free(bytes);
}

Test(pdfin, text_layer_lines_and_word_boxes)
{
	char *bytes;
	struct pdfin *p = open_pdf(OT_DATA "layer.pdf", &bytes);
	struct pdfin_page *pg = NULL;
	struct pdfin_page_info info;
	struct ex_error err;
	cr_assert_eq(pdfin_page_load(p, 1, 0, &pg, &info, &err), 0, "%s", err.msg);
	cr_assert_gt(info.chars, 300);
	cr_assert_eq(info.unmapped, 0);
	cr_assert_eq(info.images, 1);
	struct pdfin_text t;
	cr_assert_eq(pdfin_page_text(pg, 300, &t, &err), 0, "%s", err.msg);
	cr_assert_eq(t.nlines, 5);
	float page_w = info.width * 300 / 72;
	for (size_t i = 0; i < t.nlines; i++) {
		const struct pdfin_line *l = &t.lines[i];
		cr_assert_gt(l->nwords, 5);
		if (i)
			cr_assert_gt(l->y0, t.lines[i - 1].y0, "lines top to bottom");
		for (size_t k = 0; k < l->nwords; k++) {
			const struct pdfin_word *w = &l->words[k];
			cr_assert_eq(strlen(w->text), w->len);
			cr_assert_null(strchr(w->text, ' '));
			cr_assert_lt(w->x0, w->x1);
			cr_assert_geq(w->x0, 0);
			cr_assert_leq(w->x1, page_w + 1);
			if (k)
				cr_assert_gt(w->x0, l->words[k - 1].x0);
		}
	}
	cr_assert_str_eq(t.lines[4].words[0].text, "samarbetsprojekt");
	pdfin_text_release(&t);
	cr_assert_eq(t.nlines, 0);
	pdfin_page_free(pg);
	pdfin_close(p);
	free(bytes);
}

Test(pdfin, bad_documents)
{
	char *bytes;
	size_t len;
	struct pdfin *p = NULL;
	struct ex_error err;
	bytes = ot_read(OT_DATA "encrypted.pdf", &len);
	cr_assert_lt(pdfin_open("encrypted.pdf", (unsigned char *)bytes, len, 0, &p, &err), 0);
	cr_assert_eq(err.code, EX_ENCRYPT);
	cr_assert_null(p);
	free(bytes);
	static const char junk[] = "%PDF-1.4\ngarbage";
	cr_assert_lt(
	    pdfin_open("junk.pdf", (const unsigned char *)junk, sizeof(junk) - 1, 0, &p, &err), 0);
	cr_assert_eq(err.code, EX_INPUT);
	cr_assert_str_eq(err.file, "junk.pdf");
	/* a cut-off PDF is repaired as far as it goes */
	bytes = ot_read(OT_DATA "mixed.pdf", &len);
	int rc = pdfin_open("cut.pdf", (unsigned char *)bytes, len - 200, 0, &p, &err);
	if (rc == 0) {
		cr_assert_eq(pdfin_repaired(p), 1);
		pdfin_close(p);
	} else {
		cr_assert_eq(err.code, EX_INPUT);
	}
	free(bytes);
}

Test(pdfin, memory_is_capped)
{
	/* 1 MiB for MuPDF cannot hold a page rendered at 300 dpi */
	size_t len;
	char *bytes = ot_read(OT_DATA "scan2.pdf", &len);
	struct pdfin *p = NULL;
	struct ex_error err;
	int rc = pdfin_open("scan2.pdf", (unsigned char *)bytes, len, 1 << 20, &p, &err);
	if (rc == 0) {
		struct pdfin_page *pg = NULL;
		rc = pdfin_page_load(p, 1, 0, &pg, NULL, &err);
		if (rc == 0) {
			PIX *pix = NULL;
			int res, direct;
			rc = pdfin_page_image(pg, 300, 1000, 1000, 0, &pix, &res, &direct, &err);
			pixDestroy(&pix);
			pdfin_page_free(pg);
		}
		pdfin_close(p);
	}
	cr_assert_lt(rc, 0);
	cr_assert_eq(err.code, EX_LIMIT, "%s: %s", ex_code_name(err.code), err.msg);
	free(bytes);
}

/* ---- image files (image) ------------------------------------------------------- */

Test(image, pages_resolution_and_limits)
{
	size_t len;
	char *tif = ot_read(OT_DATA "p2.tif", &len);
	int pages;
	struct ex_error err;
	cr_assert_eq(img_count_pages("p2.tif", (unsigned char *)tif, len, &pages, &err), 0);
	cr_assert_eq(pages, 2);
	int prev_h = 0;
	for (int k = 1; k <= 2; k++) {
		PIX *pix = NULL;
		int res;
		char warn[100];
		cr_assert_eq(img_read_page("p2.tif", (unsigned char *)tif, len, k, 0, &pix, &res,
		                           warn, sizeof(warn), &err),
		             0, "%s", err.msg);
		cr_assert_eq(res, 300);
		cr_assert_eq(pixGetDepth(pix), 1);
		cr_assert_str_eq(warn, "");
		cr_assert_neq(pixGetHeight(pix), prev_h, "page %d is another page", k);
		prev_h = pixGetHeight(pix);
		pixDestroy(&pix);
	}
	PIX *pix = NULL;
	int res;
	cr_assert_lt(
	    img_read_page("p2.tif", (unsigned char *)tif, len, 3, 0, &pix, &res, NULL, 0, &err), 0);
	cr_assert_eq(err.page, 3);
	/* a TIFF whose directory chain points back at itself */
	unsigned char loop[] = {'I', 'I', 42, 0, 8, 0, 0, 0, 0, 0, 8, 0, 0, 0};
	cr_assert_lt(img_count_pages("loop.tif", loop, sizeof(loop), &pages, &err), 0);
	cr_assert_eq(err.code, EX_INPUT);
	cr_assert_not_null(strstr(err.msg, "loops"));
	free(tif);

	char *png = ot_read(OT_DATA "nodpi.png", &len);
	cr_assert_eq(img_count_pages("nodpi.png", (unsigned char *)png, len, &pages, &err), 0);
	cr_assert_eq(pages, 1);
	cr_assert_eq(
	    img_read_page("nodpi.png", (unsigned char *)png, len, 1, 0, &pix, &res, NULL, 0, &err),
	    0);
	cr_assert_eq(res, 0, "no resolution in the file");
	int w = pixGetWidth(pix), h = pixGetHeight(pix);
	pixDestroy(&pix);
	/* one pixel fewer than the image has: refused before decoding */
	cr_assert_lt(img_read_page("nodpi.png", (unsigned char *)png, len, 1, (long long)w * h - 1,
	                           &pix, &res, NULL, 0, &err),
	             0);
	cr_assert_eq(err.code, EX_LIMIT);
	cr_assert_null(pix);
	cr_assert_eq(img_read_page("nodpi.png", (unsigned char *)png, len, 1, (long long)w * h,
	                           &pix, &res, NULL, 0, &err),
	             0);
	pixDestroy(&pix);
	free(png);
}

/* ---- library messages (quiet) ----------------------------------------------------- */

Test(quiet, stderr_is_kept_and_restored)
{
	struct quiet q;
	char msg[100];
	quiet_begin(&q);
	fprintf(stderr, "\nlibfoo error: it broke\nsecond line\n");
	quiet_end(&q, msg, sizeof(msg));
	cr_assert_str_eq(msg, "libfoo error: it broke");
	quiet_begin(&q);
	quiet_end(&q, msg, sizeof(msg));
	cr_assert_str_eq(msg, "");
	/* stderr works again */
	cr_assert_geq(fprintf(stderr, "%s", ""), 0);
	cr_assert_neq(fcntl(2, F_GETFD), -1);
}
