/* test_ocr.c - the OCR stage: recognition quality, page order, text layers,
 * deadlines, resolution, orientation, bad inputs, the page-by-page API */
#include <allheaders.h>
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "ocr.h"
#include "ocr_testutil.h"
#include "pipeline.h"

/* ---- recognition quality (swe, light scans) -------------------------------- */

Test(ocr, tiff_pages_read_in_order_with_low_cer)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "p2.tif", NULL, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->kind, DOC_IMAGE);
	cr_assert_eq(d->npages, 2);
	double c1 = ot_page_cer(d, 1, "p2-1.txt"), c2 = ot_page_cer(d, 2, "p2-2.txt");
	cr_assert_leq(c1, 0.01, "page 1 CER %.4f", c1);
	cr_assert_leq(c2, 0.01, "page 2 CER %.4f", c2);
	/* and each page is its own text, not the other's */
	cr_assert_gt(ot_page_cer(d, 1, "p2-2.txt"), 0.5);
	cr_assert_gt(ot_page_cer(d, 2, "p2-1.txt"), 0.5);
	/* boxes are in page pixels: the fixture's text starts 90 px from the
	 * top left corner (the blank margins Tesseract is not given do not
	 * shift them) */
	const struct doc_word *w0 = &d->lines[0].words[0];
	cr_assert(w0->x0 >= 88 && w0->x0 <= 96, "x0 %d", w0->x0);
	cr_assert(w0->y0 >= 88 && w0->y0 <= 96, "y0 %d", w0->y0);
	cr_assert_eq(d->pages[0].width, 2175);
	cr_assert_eq(d->pages[0].height, 781);
	/* page 2: a heading, then two paragraphs, each after an empty line */
	const struct doc_line *l2 = &d->lines[d->pages[1].first_line];
	cr_assert_str_eq(l2[0].text, "Sammanfattning");
	cr_assert_str_eq(l2[1].text, "");
	cr_assert_eq(strncmp(l2[2].text, "Innovationer och utveckling", 27), 0);
	for (int p = 0; p < 2; p++) {
		cr_assert_eq(d->pages[p].source, DOC_PAGE_OCR);
		cr_assert_eq(d->pages[p].dpi, 300);
		cr_assert_gt(d->pages[p].nlines, 3);
		cr_assert_eq(d->pages[p].partial, 0);
	}
	/* lines are numbered per page, in order */
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *l = &d->lines[i];
		const struct doc_page *pg = &d->pages[l->page - 1];
		cr_assert_eq((size_t)l->lineno, i - pg->first_line + 1);
	}
	cr_assert_eq(d->partial, 0);
	doc_free(d);
}

Test(ocr, skewed_noisy_scan_is_deskewed_and_read)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "skew.png", NULL, &d, &err), 0, "%s", err.msg);
	/* the page was turned 2.5 degrees anticlockwise: deskewing turns it back */
	cr_assert_lt(fabsf(d->pages[0].skew + 2.5f), 0.3f, "skew %.2f", d->pages[0].skew);
	cr_assert(ot_warned(d, "page 1: the page was skewed: turned -2.5 degrees"));
	double c = ot_page_cer(d, 1, "skew.txt");
	cr_assert_leq(c, 0.01, "CER %.4f", c);
	doc_free(d);
}

/* uneven.png is lit from one side: with one global threshold (the tesseract
 * command's) a third of its characters come out wrong */
Test(ocr, jpeg_and_uneven_background_read)
{
	const char *files[][2] = {{"scan.jpg", "scan.txt"}, {"uneven.png", "uneven.txt"}};
	for (size_t i = 0; i < 2; i++) {
		char path[128];
		snprintf(path, sizeof(path), OT_DATA "%s", files[i][0]);
		struct doc *d = NULL;
		struct ex_error err;
		cr_assert_eq(ot_read_doc(path, NULL, &d, &err), 0, "%s: %s", path, err.msg);
		double c = ot_page_cer(d, 1, files[i][1]);
		cr_assert_leq(c, 0.01, "%s: CER %.4f", path, c);
		cr_assert_eq(d->nwarnings, 0, "%s: %s", path, d->nwarnings ? d->warnings[0] : "");
		doc_free(d);
	}
}

/* A page stored sideways (the pixels a quarter turn anticlockwise) whose
 * file says to turn it: read as upright, the page says so (`warning`).  Like
 * scan.jpg, an excerpt of a few lines: wider than tall once turned. */
static void check_turned(const char *file, const char *truth, const char *warning)
{
	struct doc *d = NULL;
	struct ex_error err;
	char path[256];
	snprintf(path, sizeof(path), OT_DATA "%s", file);
	cr_assert_eq(ot_read_doc(path, NULL, &d, &err), 0, "%s", err.msg);
	double c = ot_page_cer(d, 1, truth);
	cr_assert_leq(c, 0.01, "CER %.4f", c);
	cr_assert(ot_warned(d, warning));
	cr_assert_gt(d->pages[0].width, d->pages[0].height);
	doc_free(d);
}

/* A camera's JPEG of a page held sideways, EXIF Orientation 6: turned
 * before anything else. */
Test(ocr, jpeg_turned_as_its_exif_orientation_says)
{
	check_turned("photo.jpg", "photo.txt", "EXIF orientation (6)");
}

/* A scanner's TIFF of a page fed sideways, TIFF Orientation 6: Leptonica
 * turns it; its header's width and height are the stored ones, which is no
 * corrupt file. */
Test(ocr, tiff_turned_as_its_orientation_tag_says)
{
	check_turned("sideways.tif", "sideways.txt", "TIFF orientation (6)");
}

Test(ocr, image_without_resolution_warns_and_reads_at_300)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "nodpi.png", NULL, &d, &err), 0, "%s", err.msg);
	cr_assert(ot_warned(d, "no resolution"), "no warning about the missing dpi");
	cr_assert(ot_warned(d, "300 dpi"));
	cr_assert_eq(d->pages[0].dpi, 300);
	double c = ot_page_cer(d, 1, "nodpi.txt");
	cr_assert_leq(c, 0.01, "CER %.4f", c);
	doc_free(d);
	/* an image that has its resolution gets no such warning */
	cr_assert_eq(ot_read_doc(OT_DATA "p2.tif", NULL, &d, &err), 0);
	cr_assert_not(ot_warned(d, "no resolution"));
	doc_free(d);
}

/* nodpi.png written again with the given resolution and scale. */
static char *with_resolution(int dpi, float scale)
{
	PIX *pix = pixRead(OT_DATA "nodpi.png");
	cr_assert_not_null(pix);
	if (scale != 1) {
		PIX *s = pixScale(pix, scale, scale);
		pixDestroy(&pix);
		pix = s;
	}
	pixSetResolution(pix, dpi, dpi);
	l_uint8 *data = NULL;
	size_t len = 0;
	cr_assert_eq(pixWriteMem(&data, &len, pix, IFF_PNG), 0);
	pixDestroy(&pix);
	char *p = ot_tmpfile("page.png", data, len);
	free(data);
	return p;
}

Test(ocr, resolutions_are_believed_only_when_believable)
{
	/* "72 dpi" on a 2093 px wide page (29 inches): a tool's default, not a
	 * scan's resolution; the page is read as it is, at 300 dpi */
	char *p = with_resolution(72, 1);
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(p, NULL, &d, &err), 0, "%s", err.msg);
	cr_assert(ot_warned(d, "claims 72 dpi"));
	cr_assert_eq(d->pages[0].dpi, 300);
	cr_assert_eq(d->pages[0].width, 2093, "not scaled up");
	cr_assert_leq(ot_page_cer(d, 1, "nodpi.txt"), 0.01);
	doc_free(d);
	ot_unlink(p);
	/* a real 150 dpi scan (a fax) is read at its own resolution */
	p = with_resolution(150, 0.5f);
	cr_assert_eq(ot_read_doc(p, NULL, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->nwarnings, 0, "%s", d->nwarnings ? d->warnings[0] : "");
	cr_assert_eq(d->pages[0].dpi, 150);
	cr_assert_eq(d->pages[0].width, 1046);
	cr_assert_leq(ot_page_cer(d, 1, "nodpi.txt"), 0.01);
	doc_free(d);
	ot_unlink(p);
	/* a 600 dpi scan is scaled down to 300 */
	p = with_resolution(600, 2.0f);
	cr_assert_eq(ot_read_doc(p, NULL, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->pages[0].dpi, 300);
	cr_assert_lt(abs(d->pages[0].width - 2093), 3, "width %d", d->pages[0].width);
	cr_assert_leq(ot_page_cer(d, 1, "nodpi.txt"), 0.01);
	doc_free(d);
	ot_unlink(p);
}

Test(ocr, upside_down_page_is_turned_with_rotate)
{
	struct ocr_options opt = {.rotate = 1};
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "rotated.png", &opt, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->pages[0].rotation, 180);
	cr_assert(ot_warned(d, "turned 180 degrees"));
	double c = ot_page_cer(d, 1, "rotated.txt");
	cr_assert_leq(c, 0.01, "CER %.4f", c);
	doc_free(d);
	/* without --rotate the same page is unreadable */
	cr_assert_eq(ot_read_doc(OT_DATA "rotated.png", NULL, &d, &err), 0);
	cr_assert_eq(d->pages[0].rotation, 0);
	cr_assert_gt(ot_page_cer(d, 1, "rotated.txt"), 0.5);
	doc_free(d);
}

/* ---- PDFs: scans, text layers, --ocr modes --------------------------------- */

Test(ocr, scanned_pdf_pages_in_order_embedded_images_taken_as_they_are)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "scan2.pdf", NULL, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->kind, DOC_PDF_SCAN);
	cr_assert_eq(d->npages, 2);
	cr_assert_leq(ot_page_cer(d, 1, "scan2-1.txt"), 0.01);
	cr_assert_leq(ot_page_cer(d, 2, "scan2-2.txt"), 0.01);
	/* page 2 is a 240 dpi JPEG: recognised at its own resolution, not
	 * re-rendered at 300 */
	cr_assert_eq(d->pages[0].dpi, 300);
	cr_assert_eq(d->pages[1].dpi, 240);
	doc_free(d);
}

Test(ocr, text_layer_is_used_in_auto_mode)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "layer.pdf", NULL, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->kind, DOC_PDF_TEXT);
	cr_assert_eq(d->pages[0].source, DOC_PAGE_LAYER);
	cr_assert_gt(d->pages[0].nlines, 3);
	/* the layer was made by an engine without Swedish: it is taken as it is
	 * (the normaliser repairs it), so it is far from the page's true text */
	double c = ot_page_cer(d, 1, "layer.txt");
	cr_assert_gt(c, 0.03, "CER %.4f: the text layer was not used", c);
	char *text = ot_page_text(d, 1);
	cr_assert_not_null(strstr(text, "samarbetsprojekt vilket"));
	free(text);
	/* text-layer words have boxes but no confidence */
	const struct doc_line *l = &d->lines[0];
	cr_assert_gt(l->nwords, 3);
	cr_assert_eq(l->words[0].conf, -1);
	cr_assert_eq(l->conf, -1);
	cr_assert_gt(l->words[0].x1, l->words[0].x0);
	cr_assert_gt(l->words[0].y1, l->words[0].y0);
	doc_free(d);
}

Test(ocr, ocr_always_recognises_pages_that_have_a_layer)
{
	struct ocr_options opt = {.mode = OCR_ALWAYS};
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "layer.pdf", &opt, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->kind, DOC_PDF_SCAN);
	cr_assert_eq(d->pages[0].source, DOC_PAGE_OCR);
	double c = ot_page_cer(d, 1, "layer.txt");
	cr_assert_leq(c, 0.01, "CER %.4f", c);
	doc_free(d);
}

Test(ocr, mixed_pdf_uses_the_layer_and_recognises_the_rest)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "mixed.pdf", NULL, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->npages, 2);
	cr_assert_eq(d->pages[0].source, DOC_PAGE_LAYER);
	cr_assert_eq(d->pages[1].source, DOC_PAGE_OCR);
	cr_assert_eq(d->kind, DOC_PDF_SCAN);
	cr_assert_leq(ot_page_cer(d, 2, "scan2-1.txt"), 0.01);
	doc_free(d);
}

Test(ocr, ocr_never_refuses_pages_without_text)
{
	struct ocr_options opt = {.mode = OCR_NEVER};
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_lt(ot_read_doc(OT_DATA "mixed.pdf", &opt, &d, &err), 0);
	cr_assert_eq(err.code, EX_INPUT);
	cr_assert_eq(err.page, 2);
	cr_assert_not_null(strstr(err.msg, "--ocr=never"));
	cr_assert_lt(ot_read_doc(OT_DATA "scan.jpg", &opt, &d, &err), 0);
	cr_assert_eq(err.code, EX_INPUT);
	/* a page that has its layer reads */
	cr_assert_eq(ot_read_doc(OT_DATA "layer.pdf", &opt, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->kind, DOC_PDF_TEXT);
	doc_free(d);
}

/* ---- words and their offsets ------------------------------------------------ */

Test(ocr, words_index_the_stored_line_text)
{
	const char *files[] = {OT_DATA "p2.tif", OT_DATA "layer.pdf"};
	for (size_t f = 0; f < 2; f++) {
		struct doc *d = NULL;
		struct ex_error err;
		cr_assert_eq(ot_read_doc(files[f], NULL, &d, &err), 0, "%s", err.msg);
		size_t words = 0;
		size_t blanks = 0;
		for (size_t i = 0; i < d->nlines; i++) {
			const struct doc_line *l = &d->lines[i];
			struct sb joined = SB_INIT;
			double sum = 0;
			if (l->len == 0) {
				/* a paragraph break: never first or last on its page,
				 * never two in a row */
				const struct doc_page *pg = &d->pages[l->page - 1];
				cr_assert_eq(l->nwords, 0);
				cr_assert_gt(i, pg->first_line);
				cr_assert_lt(i + 1, pg->first_line + pg->nlines);
				cr_assert_gt(d->lines[i + 1].len, 0);
				blanks++;
				continue;
			}
			cr_assert_gt(l->nwords, 0);
			for (size_t k = 0; k < l->nwords; k++) {
				const struct doc_word *w = &l->words[k];
				cr_assert_leq(w->off + w->len, l->orig_len);
				cr_assert_gt(w->len, 0);
				cr_assert_null(memchr(l->orig + w->off, ' ', w->len));
				if (k)
					cr_assert_gt(w->off, l->words[k - 1].off);
				/* the word's box lies in its line's box */
				cr_assert_geq(w->x0, l->x0 - 1);
				cr_assert_leq(w->x1, l->x1 + 1);
				sb_addf(&joined, "%s%.*s", k ? " " : "", (int)w->len,
				        l->orig + w->off);
				sum += w->conf;
			}
			/* the line is its words joined by single spaces, in NFC */
			cr_assert_str_eq(joined.buf, l->orig);
			size_t nl;
			char *nfc = utf8_nfc(l->orig, l->orig_len, &nl);
			cr_assert_str_eq(nfc, l->orig);
			free(nfc);
			if (d->pages[l->page - 1].source == DOC_PAGE_OCR) {
				cr_assert_float_eq(l->conf, sum / (double)l->nwords, 0.01);
				cr_assert_gt(l->conf, 50);
			}
			sb_release(&joined);
			words += l->nwords;
		}
		cr_assert_gt(words, 50);
		cr_assert_gt(blanks, 0, "%s: paragraphs are separated", files[f]);
		doc_free(d);
	}
}

/* ---- the deadline ------------------------------------------------------------ */

Test(ocr, page_past_its_deadline_is_kept_and_marked_partial)
{
	struct ocr_options opt = {.page_timeout_ms = 1};
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "p2.tif", &opt, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->npages, 2, "the batch goes on after a page times out");
	cr_assert_eq(d->partial, 1);
	cr_assert_eq(d->pages[0].partial, 1);
	cr_assert_eq(d->pages[1].partial, 1);
	cr_assert(ot_warned(d, "deadline"));
	cr_assert(ot_warned(d, "page 1:"));
	cr_assert(ot_warned(d, "page 2:"));
	/* it stopped early: far less than the whole text */
	cr_assert_gt(ot_page_cer(d, 2, "p2-2.txt"), 0.5);
	doc_free(d);
}

/* The number of threads of this process. */
static int threads(void)
{
	char *status = ot_read("/proc/self/status", NULL);
	cr_assert_not_null(status);
	const char *t = strstr(status, "\nThreads:");
	int n = t ? atoi(t + 9) : -1;
	free(status);
	return n;
}

Test(ocr, recognition_runs_on_one_thread)
{
	cr_assert_null(getenv("OMP_NUM_THREADS"), "run the tests without OpenMP settings");
	cr_assert_null(getenv("OMP_THREAD_LIMIT"), "run the tests without OpenMP settings");
	int before = threads();
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "scan.jpg", NULL, &d, &err), 0, "%s", err.msg);
	doc_free(d);
	/* OpenMP keeps the threads of its pool once started: none were */
	cr_assert_eq(threads(), before);
}

/* ---- the page-by-page API ----------------------------------------------------- */

Test(ocr, any_page_can_be_read_on_its_own)
{
	struct ocr_options opt = {0};
	struct ocr *o = NULL;
	struct ocr_input *in = NULL;
	struct ex_error err;
	cr_assert_eq(ocr_new(&opt, &o, &err), 0);
	cr_assert_eq(ocr_open(o, OT_DATA "p2.tif", "p2.tif", &in, &err), 0, "%s", err.msg);
	cr_assert_eq(ocr_input_pages(in), 2);
	cr_assert_eq(ocr_input_type(in), OCR_TYPE_TIFF);
	size_t len;
	char *bytes = ot_read(OT_DATA "p2.tif", &len);
	char sha[65];
	doc_sha256_hex(bytes, len, sha);
	cr_assert_str_eq(ocr_input_sha256(in), sha);
	free(bytes);
	/* page 2 alone, then page 1 after it: each is what it is */
	struct doc *d = doc_new(DOC_IMAGE, "p2.tif");
	cr_assert_eq(ocr_page(o, in, 2, d, &err), 0, "%s", err.msg);
	cr_assert_eq(ocr_page(o, in, 1, d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->npages, 2);
	cr_assert_leq(ot_page_cer(d, 1, "p2-2.txt"), 0.01);
	cr_assert_leq(ot_page_cer(d, 2, "p2-1.txt"), 0.01);
	cr_assert_eq(ocr_doc_kind(in, d), DOC_IMAGE);
	/* no page 3 (and d is left as it was) */
	cr_assert_lt(ocr_page(o, in, 3, d, &err), 0);
	cr_assert_eq(err.code, EX_USAGE);
	cr_assert_lt(ocr_page(o, in, 0, d, &err), 0);
	cr_assert_eq(d->npages, 2);
	doc_free(d);
	ocr_close(in);
	ocr_free(o);
}

Test(ocr, engine_loads_lazily_and_missing_languages_are_dependency_errors)
{
	struct ocr_options opt = {.lang = "xyz"};
	struct ocr *o = NULL;
	struct ex_error err;
	/* nothing is loaded yet: a text-layer page needs no engine */
	cr_assert_eq(ocr_new(&opt, &o, &err), 0);
	struct doc *d = NULL;
	cr_assert_eq(ocr_read(o, OT_DATA "layer.pdf", NULL, &d, &err), 0, "%s", err.msg);
	doc_free(d);
	/* a page that needs OCR does */
	cr_assert_lt(ocr_read(o, OT_DATA "scan.jpg", NULL, &d, &err), 0);
	cr_assert_eq(err.code, EX_DEP);
	cr_assert_not_null(strstr(err.msg, "xyz"));
	cr_assert_lt(ocr_engine_load(o, &err), 0);
	cr_assert_eq(err.code, EX_DEP);
	ocr_free(o);
	/* a malformed language list is refused at once */
	opt.lang = "swe;rm -rf";
	cr_assert_lt(ocr_new(&opt, &o, &err), 0);
	cr_assert_eq(err.code, EX_USAGE);
	opt.lang = "swe+eng";
	cr_assert_eq(ocr_new(&opt, &o, &err), 0);
	cr_assert_eq(ocr_engine_load(o, &err), 0, "%s", err.msg);
	ocr_free(o);
}

/* ---- bad input ---------------------------------------------------------------- */

static void expect_error(const char *path, const struct ocr_options *opt, enum ex_code code,
                         int page, const char *words)
{
	struct doc *d = NULL;
	struct ex_error err;
	ex_clear(&err);
	cr_assert_lt(ot_read_doc(path, opt, &d, &err), 0, "%s was read", path);
	cr_assert_null(d);
	cr_assert_eq(err.code, code, "%s: code %s: %s", path, ex_code_name(err.code), err.msg);
	cr_assert_eq(err.page, page, "%s: page %d: %s", path, err.page, err.msg);
	cr_assert_str_eq(err.file, path);
	cr_assert_not_null(strstr(err.msg, words), "%s: '%s' lacks '%s'", path, err.msg, words);
}

/* A fixture cut short, as a temporary file with the given name. */
static char *truncated(const char *fixture, size_t keep, const char *name)
{
	size_t len;
	char *bytes = ot_read(fixture, &len);
	cr_assert_not_null(bytes);
	cr_assert_lt(keep, len);
	char *p = ot_tmpfile(name, bytes, keep);
	free(bytes);
	return p;
}

Test(ocr_bad, encrypted_pdf)
{
	expect_error(OT_DATA "encrypted.pdf", NULL, EX_ENCRYPT, 0, "password");
}

Test(ocr_bad, corrupt_truncated_and_empty_pdfs)
{
	static const char junk[] = "%PDF-1.7\n\x01\x02 not a PDF at all \xff\xfe\n";
	char *p = ot_tmpfile("junk.pdf", junk, sizeof(junk) - 1);
	expect_error(p, NULL, EX_INPUT, 0, "PDF");
	ot_unlink(p);
	p = truncated(OT_DATA "scan2.pdf", 4000, "cut.pdf");
	expect_error(p, NULL, EX_INPUT, 0, "damaged");
	ot_unlink(p);
	static const char zero[] = "%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n"
	                           "2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n"
	                           "trailer\n<< /Root 1 0 R >>\n%%EOF\n";
	p = ot_tmpfile("zero.pdf", zero, sizeof(zero) - 1);
	expect_error(p, NULL, EX_INPUT, 0, "no pages");
	ot_unlink(p);
	p = ot_tmpfile("empty.pdf", "", 0);
	expect_error(p, NULL, EX_INPUT, 0, "empty");
	ot_unlink(p);
}

Test(ocr_bad, truncated_images_name_the_page)
{
	char *p = truncated(OT_DATA "p2.tif", 20000, "cut.tif");
	expect_error(p, NULL, EX_INPUT, 2, "truncated");
	ot_unlink(p);
	p = truncated(OT_DATA "skew.png", 20000, "cut.png");
	expect_error(p, NULL, EX_INPUT, 1, "corrupt or truncated");
	ot_unlink(p);
	p = truncated(OT_DATA "scan.jpg", 30000, "cut.jpg");
	expect_error(p, NULL, EX_INPUT, 1, "truncated JPEG");
	ot_unlink(p);
}

Test(ocr_bad, limits)
{
	/* a decompression bomb: refused from its header, before decoding */
	expect_error(OT_DATA "bomb.png", NULL, EX_LIMIT, 1, "400 megapixels");
	struct ocr_options opt = {.max_pages = 1};
	expect_error(OT_DATA "p2.tif", &opt, EX_LIMIT, 0, "--max-pages");
	expect_error(OT_DATA "scan2.pdf", &opt, EX_LIMIT, 0, "2 pages");
	struct ocr_options px = {.max_pixels = 100000};
	expect_error(OT_DATA "scan2.pdf", &px, EX_LIMIT, 1, "--max-pixels");
	expect_error(OT_DATA "scan.jpg", &px, EX_LIMIT, 1, "--max-pixels");
}

Test(ocr_bad, not_an_image_and_missing_file)
{
	expect_error(OT_DATA "scan.txt", NULL, EX_INPUT, 0, "not a PDF or an image");
	expect_error(OT_DATA "no-such-file.pdf", NULL, EX_IO, 0, "cannot read");
	static const char bin[] = "\x00\x01\x02\x03 binary";
	char *p = ot_tmpfile("blob.tif", bin, sizeof(bin) - 1);
	expect_error(p, NULL, EX_INPUT, 0, "not a PDF or an image");
	ot_unlink(p);
}

/* ---- type by content, through the pipeline ---------------------------------- */

Test(ocr, a_jpeg_named_pdf_is_read_as_a_jpeg)
{
	size_t len;
	char *bytes = ot_read(OT_DATA "scan.jpg", &len);
	char *p = ot_tmpfile("scan.pdf", bytes, len);
	free(bytes);
	enum ocr_type t;
	struct ex_error err;
	cr_assert_eq(ocr_detect_file(p, &t, &err), 0);
	cr_assert_eq(t, OCR_TYPE_JPEG);
	struct pipe_options po = {.rules_dir = "rules", .no_normalise = 1};
	struct pipe *pp = NULL;
	cr_assert_eq(pipe_new(&po, &pp, &err), 0, "%s", err.msg);
	struct doc *d = NULL;
	cr_assert_eq(pipe_read(pp, p, "scan.pdf", &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->kind, DOC_IMAGE);
	cr_assert_str_eq(d->name, "scan.pdf");
	cr_assert_leq(ot_page_cer(d, 1, "scan.txt"), 0.01);
	doc_free(d);
	/* and a text file still goes the text way */
	cr_assert_eq(pipe_read(pp, OT_DATA "scan.txt", "scan.txt", &d, &err), 0, "%s", err.msg);
	cr_assert_eq(d->kind, DOC_TEXT);
	doc_free(d);
	pipe_free(pp);
	ot_unlink(p);
}

/* A despeckled page: despeckling takes off pieces of letters the blur broke
 * apart, and Tesseract reads seed004-scan-heavy's diarienummer
 * "KS-2021/1682.103" as "K5S-2021/1682.103" at 29%.  Words read below 50% are
 * read again from the page as scanned; that reading, surer, is taken, and its
 * words keep boxes in the page's coordinates. */
Test(ocr, doubtful_words_on_a_despeckled_page_are_read_again)
{
	struct ocr_options opt = {0};
	struct ocr *o = NULL;
	struct ocr_input *in = NULL;
	struct ex_error err;
	const char *path = "corpus/seed004-scan-heavy/input.tif";
	cr_assert_eq(ocr_new(&opt, &o, &err), 0);
	cr_assert_eq(ocr_open(o, path, "input.tif", &in, &err), 0, "%s", err.msg);
	struct doc *d = doc_new(DOC_IMAGE, "input.tif");
	cr_assert_eq(ocr_page(o, in, 1, d, &err), 0, "%s", err.msg);
	const struct doc_word *dnr = NULL;
	const struct doc_line *line = NULL;
	for (size_t i = 0; i < d->nlines && !dnr; i++)
		for (size_t k = 0; k < d->lines[i].nwords && !dnr; k++) {
			const struct doc_word *w = &d->lines[i].words[k];
			if (strstr(d->lines[i].orig + w->off, "2021/1682.103") ==
			    d->lines[i].orig + w->off + w->len - strlen("2021/1682.103"))
				dnr = w, line = &d->lines[i];
		}
	cr_assert_not_null(dnr, "no word ends in the diarienummer's digits");
	cr_assert_eq(dnr->len, strlen("KS-2021/1682.103"), "read '%.*s'", (int)dnr->len,
	             line->orig + dnr->off);
	cr_assert_eq(strncmp(line->orig + dnr->off, "KS-2021/1682.103", dnr->len), 0);
	cr_assert_geq(dnr->conf, 50.0f);
	/* its box: on the page, inside its line's (where the first reading put it) */
	cr_assert(dnr->x0 >= line->x0 - 10 && dnr->x1 <= line->x1 + 10, "x %d-%d, line %d-%d",
	          dnr->x0, dnr->x1, line->x0, line->x1);
	cr_assert(dnr->y0 >= line->y0 - 10 && dnr->y1 <= line->y1 + 10, "y %d-%d, line %d-%d",
	          dnr->y0, dnr->y1, line->y0, line->y1);
	cr_assert(dnr->x1 <= d->pages[0].width && dnr->y1 <= d->pages[0].height);
	doc_free(d);
	ocr_close(in);
	ocr_free(o);
}

/* A text layer that cuts a printed line in two at a wide space: the legacy
 * layer of corpus/seed004-legacy-pdf has "personalférs6rjning." and "I
 * kommunens Mal ..." as two lines at one height on page 3.  They are one
 * line, and the line's box holds both; lines of their own stay apart. */
Test(ocr, a_layer_line_cut_in_two_is_one_line)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc("corpus/seed004-legacy-pdf/input.pdf", NULL, &d, &err), 0, "%s",
	             err.msg);
	const struct doc_line *l = NULL;
	for (size_t i = 0; i < d->nlines && !l; i++)
		if (strstr(d->lines[i].orig, "personalférs6rjning."))
			l = &d->lines[i];
	cr_assert_not_null(l);
	cr_assert_not_null(strstr(l->orig, "personalférs6rjning. I kommunens Mal"), "line '%s'",
	                   l->orig);
	cr_assert_eq(l->page, 3);
	cr_assert_eq(l->x0, l->words[0].x0);
	cr_assert_eq(l->x1, l->words[l->nwords - 1].x1);
	/* the line before it is a line of its own, above it */
	const struct doc_line *above = l - 1;
	cr_assert_lt(above->y1, l->y1);
	cr_assert_not_null(strstr(above->orig, "professionell"));
	doc_free(d);
}
