/* test_doc.c - reading text documents, line and page structure, offsets */
#include <criterion/criterion.h>
#include <string.h>

#include "doc.h"
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
	struct doc *d = read_text("abc", 3);
	cr_assert_str_eq(d->sha256,
	                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	doc_free(d);
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
	e[0] = (struct doc_edit){1, 1, 1, 2, strdup("t")};
	e[1] = (struct doc_edit){14, 1, 15, 2, strdup("t")};
	doc_line_replace(l, strdup(nt), strlen(nt), e, 2);
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
