/* test_doc.c - reading text documents, line and page structure, offsets */
#include <criterion/criterion.h>
#include <string.h>

#include "doc.h"
#include "ocr_testutil.h"
#include "testutil.h"

static struct doc *read_text(const char *s, size_t n)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(doc_from_text("t.txt", s, n, &d, &err), 0, "%s", err.msg);
	return d;
}

Test(doc, lines_pages_and_line_numbers)
{
	const char s[] = "Datum\r\n2021-08-11\n\fSida 2\nslut\n\f";
	struct doc *d = read_text(s, sizeof(s) - 1);
	cr_assert_eq(d->npages, 2);
	cr_assert_eq(d->nlines, 4);
	cr_assert_str_eq(d->lines[1].text, "2021-08-11");
	cr_assert_eq(d->lines[2].page, 2);
	cr_assert_eq(d->lines[2].lineno, 1);
	cr_assert_str_eq(d->lines[3].text, "slut");
	cr_assert_eq(d->pages[1].first_line, 2);
	cr_assert_eq(d->pages[1].nlines, 2);
	doc_free(d);
}

/* Lines' texts live in the document's blocks: a line longer than a block
 * (here 300 kB) gets one of its own, and the lines around it, before and
 * after, keep their texts; replaced texts are copies. */
Test(doc, long_and_many_lines_keep_their_texts)
{
	size_t big = 300 * 1000, n = 20000;
	struct doc *d = doc_new(DOC_TEXT, "long.txt");
	cr_assert_not_null(d);
	char *line = malloc(big);
	cr_assert_not_null(line);
	char small[32];
	for (size_t i = 0; i < n; i++) {
		int k = snprintf(small, sizeof(small), "rad %zu", i);
		cr_assert_not_null(doc_add_line(d, small, (size_t)k));
		if (i == n / 2) {
			memset(line, 'x', big);
			line[big - 1] = 'y';
			cr_assert_not_null(doc_add_line(d, line, big));
		}
	}
	free(line);
	cr_assert_eq(d->nlines, n + 1);
	struct doc_line *l = &d->lines[n / 2 + 1];
	cr_assert_eq(l->len, big);
	cr_assert_eq(l->text[0], 'x');
	cr_assert_eq(l->text[big - 1], 'y');
	cr_assert_eq(l->text[big], 0);
	for (size_t i = 0; i < n; i++) {
		snprintf(small, sizeof(small), "rad %zu", i);
		cr_assert_str_eq(d->lines[i + (i > n / 2)].text, small);
		cr_assert_str_eq(d->lines[i + (i > n / 2)].orig, small);
	}
	char text[] = "ny rad";
	cr_assert_eq(doc_line_replace(d, &d->lines[0], text, 6, NULL, 0), 0);
	text[0] = 'N'; /* the line has its own copy */
	cr_assert_str_eq(d->lines[0].text, "ny rad");
	cr_assert_str_eq(d->lines[0].orig, "rad 0");
	doc_free(d);
}

Test(doc, blank_lines_count_like_an_editor)
{
	const char s[] = "a\n\n\nb";
	struct doc *d = read_text(s, sizeof(s) - 1);
	cr_assert_eq(d->nlines, 4);
	cr_assert_eq(d->lines[3].lineno, 4);
	doc_free(d);
}

Test(doc, latin1_is_converted_with_a_warning)
{
	const char s[] = "F\xf6rvaltningen \x96 n\xe4mnden\n";
	struct doc *d = read_text(s, sizeof(s) - 1);
	cr_assert_str_eq(d->lines[0].text, "Förvaltningen – nämnden");
	cr_assert_eq(d->nwarnings, 1);
	cr_assert_not_null(strstr(d->warnings[0], "not UTF-8"));
	doc_free(d);
}

Test(doc, nfc_bom_and_control_characters)
{
	/* o + combining diaeresis; a BOM; a bell and an escape */
	const char s[] = "\xEF\xBB\xBFGo\xCC\x88teborg\x07x\x1b\n";
	struct doc *d = read_text(s, sizeof(s) - 1);
	cr_assert_str_eq(d->lines[0].text, "Göteborg x ");
	cr_assert_eq(d->nwarnings, 0);
	doc_free(d);
}

Test(doc, sha256_of_the_bytes)
{
	char hex[65];
	doc_sha256_hex("abc", 3, hex);
	cr_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

Test(doc, empty_binary_and_blank_files_fail_clearly)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_lt(doc_from_text("e.txt", "", 0, &d, &err), 0);
	cr_assert_eq(err.code, EX_INPUT);
	cr_assert_str_eq(err.msg, "empty file");
	cr_assert_str_eq(err.file, "e.txt");
	const char bin[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
	cr_assert_lt(doc_from_text("b.txt", bin, sizeof(bin) - 1, &d, &err), 0);
	cr_assert_eq(err.code, EX_INPUT);
	cr_assert_lt(doc_from_text("w.txt", " \n\t\n", 4, &d, &err), 0);
	cr_assert_str_eq(err.msg, "no text in the file");
	cr_assert_null(d);
}

Test(doc, orig_offsets_and_confidence_follow_edits)
{
	struct doc *d = doc_new(DOC_IMAGE, "scan.png");
	doc_add_page(d, DOC_PAGE_OCR);
	struct doc_line *l = doc_add_line(d, "Forvaltningen ar bra", 20);
	doc_line_add_word(l, 0, 13, 0, 0, 10, 10, 55);
	doc_line_add_word(l, 14, 2, 0, 0, 10, 10, 95);
	doc_line_add_word(l, 18, 3, 0, 0, 10, 10, 97);
	/* "Forvaltningen ar bra" -> "Förvaltningen är bra": o->ö at 1, a->ä at 14 */
	const char *nt = "Förvaltningen är bra";
	struct doc_edit *e = calloc(2, sizeof(*e));
	e[0] = (struct doc_edit){1, 1, 1, 2, doc_intern(d, "t")};
	e[1] = (struct doc_edit){14, 1, 15, 2, doc_intern(d, "t")};
	cr_assert_not_null(e[0].rule);
	cr_assert_eq(e[0].rule, e[1].rule); /* one copy */
	/* an address that holds another string now is another string */
	char buf[8] = "abc";
	const char *x = doc_intern(d, buf);
	strcpy(buf, "xyz");
	const char *y = doc_intern(d, buf);
	cr_assert_str_eq(x, "abc");
	cr_assert_str_eq(y, "xyz");
	cr_assert_eq(doc_line_replace(d, l, nt, strlen(nt), e, 2), 0);
	free(e); /* (the line has its own copy) */
	cr_assert_eq(doc_line_orig_off(l, 0, 0), 0);
	cr_assert_eq(doc_line_orig_off(l, 3, 0), 2);   /* 'r' after ö */
	cr_assert_eq(doc_line_orig_off(l, 17, 0), 15); /* the r of är */
	cr_assert_eq(doc_line_orig_off(l, 16, 0), 14); /* inside ä */
	cr_assert_eq(doc_line_orig_off(l, 22, 1), 20); /* end */
	cr_assert_eq(doc_line_orig_off(l, 2, 0), 1);   /* inside ö: start of its span */
	cr_assert_eq(doc_line_orig_off(l, 2, 1), 2);   /* ... and its end */
	cr_assert_float_eq(doc_line_conf(l, 0, 14), 55, 0.01);
	cr_assert_float_eq(doc_line_conf(l, 15, 22), 95, 0.01);
	cr_assert_float_eq(doc_line_conf(l, 19, 22), 97, 0.01);
	doc_free(d);
}

/* Boxes and confidences as seed004-scan-heavy's page 1 has them. */
Test(doc, specks_smears_bars_and_edge_marks_go_dashes_and_small_words_stay)
{
	struct doc *d = doc_new(DOC_IMAGE, "scan.tif");
	doc_add_page(d, DOC_PAGE_OCR);
	/* a smear under the heading read as "ee" (79 x 8), a speck read as "|" */
	const char *w1[] = {"Förslag", "till", "beslut", "|", "ee"};
	const int b1[][4] = {{299, 1313, 445, 1385},
	                     {459, 1313, 511, 1350},
	                     {528, 1271, 644, 1368},
	                     {679, 1307, 682, 1310},
	                     {1140, 1280, 1219, 1288}};
	const float c1[] = {96.6f, 96.6f, 96.2f, 91.6f, 41.4f};
	cr_assert_not_null(ot_line(d, w1, b1, c1, 5));
	/* a scan's edge read as "|" (6 x 25) before a heading */
	const char *w2[] = {"|", "Bakgrund"};
	const int b2[][4] = {{270, 1628, 276, 1653}, {299, 1645, 491, 1694}};
	const float c2[] = {64.2f, 94.7f};
	cr_assert_not_null(ot_line(d, w2, b2, c2, 2));
	/* a dash between dates is flat too, but no letter: it stays; so do
	 * small words with no ascender ("om", "se") */
	const char *w3[] = {"perioden", "2020-05-15", "–", "2022-06-30", "om", "se"};
	const int b3[][4] = {{300, 900, 500, 960},  {520, 905, 760, 950},   {780, 928, 810, 933},
	                     {830, 905, 1070, 950}, {1090, 925, 1140, 950}, {1160, 925, 1200, 950}};
	const float c3[] = {95, 95, 90, 95, 95, 95};
	cr_assert_not_null(ot_line(d, w3, b3, c3, 6));
	/* marks alone at either end of a line (seed003-scan-heavy) go */
	const char *w4[] = {":", "Britt-Marie", "Lundberg", "Björk", "="};
	const int b4[][4] = {{282, 1879, 286, 1903},
	                     {299, 1872, 520, 1917},
	                     {535, 1872, 720, 1917},
	                     {735, 1872, 860, 1917},
	                     {887, 1857, 899, 1919}};
	const float c4[] = {82.9f, 96, 96, 96, 50.6f};
	cr_assert_not_null(ot_line(d, w4, b4, c4, 5));
	/* a bar before a lower-case word is the normaliser's "I"; a list
	 * item's "~" is its "-": both stay */
	const char *w5[] = {"|", "det", "arbetet", "~", "x"};
	const int b5[][4] = {{300, 2000, 306, 2040},
	                     {320, 2000, 380, 2040},
	                     {395, 2000, 520, 2050},
	                     {540, 2010, 560, 2020},
	                     {580, 2010, 600, 2040}};
	const float c5[] = {80, 96, 96, 90, 90};
	cr_assert_not_null(ot_line(d, w5, b5, c5, 5));
	cr_assert_eq(doc_drop_specks(d), 5);
	cr_assert_str_eq(d->lines[0].text, "Förslag till beslut");
	cr_assert_str_eq(d->lines[1].text, "Bakgrund");
	cr_assert_str_eq(d->lines[2].text, "perioden 2020-05-15 – 2022-06-30 om se");
	cr_assert_str_eq(d->lines[3].text, "Britt-Marie Lundberg Björk");
	cr_assert_str_eq(d->lines[4].text, "| det arbetet ~ x");
	doc_free(d);
	/* a text layer's bar is left to the normaliser (it may be "I") */
	d = doc_new(DOC_PDF_TEXT, "legacy.pdf");
	doc_add_page(d, DOC_PAGE_LAYER);
	cr_assert_not_null(ot_line(d, w2, b2, c2, 2));
	cr_assert_eq(doc_drop_specks(d), 0);
	cr_assert_str_eq(d->lines[0].text, "| Bakgrund");
	doc_free(d);
}

/* seed001-scan-heavy, page 3: "i" read at 12% in the left margin before a
 * numbered heading.  A confident word there (an outdented number) stays. */
Test(doc, low_confidence_word_in_the_left_margin_goes)
{
	struct doc *d = doc_new(DOC_IMAGE, "scan.tif");
	doc_add_page(d, DOC_PAGE_OCR);
	const float c[] = {95, 95, 95};
	for (int k = 0; k < 5; k++) {
		const char *w[] = {"Resultatet", "av", "samverkan"};
		const int b[][4] = {{298, 1000 + 55 * k, 500, 1040 + 55 * k},
		                    {515, 1010 + 55 * k, 550, 1040 + 55 * k},
		                    {565, 1000 + 55 * k, 760, 1040 + 55 * k}};
		cr_assert_not_null(ot_line(d, w, b, c, 3));
	}
	const char *w1[] = {"i", "7", "Slutredovisning"};
	const int b1[][4] = {
	    {271, 1963, 284, 2020}, {298, 1947, 324, 2013}, {336, 1951, 648, 2032}};
	const float c1[] = {11.67f, 96.6f, 91.7f};
	cr_assert_not_null(ot_line(d, w1, b1, c1, 3));
	const char *w2[] = {"1.", "Bakgrund", "och", "syfte"};
	const int b2[][4] = {{250, 2100, 280, 2140},
	                     {298, 2100, 480, 2140},
	                     {495, 2110, 550, 2140},
	                     {565, 2100, 660, 2150}};
	const float c2[] = {93, 96, 96, 96};
	cr_assert_not_null(ot_line(d, w2, b2, c2, 4));
	cr_assert_eq(doc_drop_specks(d), 1);
	cr_assert_str_eq(d->lines[5].text, "7 Slutredovisning");
	cr_assert_str_eq(d->lines[6].text, "1. Bakgrund och syfte");
	doc_free(d);
}

Test(doc, last_word_of_a_line)
{
	const char *t = "Förslag till beslut  \n   \nett\n";
	struct doc *d = read_text(t, strlen(t));
	size_t a, e;
	doc_line_last_word(&d->lines[0], &a, &e);
	cr_assert_eq(a, 14);
	cr_assert_eq(e, 20);
	doc_line_last_word(&d->lines[1], &a, &e);
	cr_assert_eq(a, e, "a blank line has no last word");
	doc_line_last_word(&d->lines[2], &a, &e);
	cr_assert_eq(a, 0);
	cr_assert_eq(e, 3);
	doc_free(d);
}
