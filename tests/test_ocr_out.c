/* test_ocr_out.c - a recognised document written out (ocrout) and `tjx ocr`:
 * text, TSV, ALTO 4.4 (validated against the schema), hOCR */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "ocr_testutil.h"
#include "ocrout.h"

#define ALTO_XSD OT_DATA "schemas/alto-4-4.xsd"

/* One recognised document for all the tests of this file: 2 pages. */
static struct doc *scan2(void)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "scan2.pdf", NULL, &d, &err), 0, "%s", err.msg);
	return d;
}

static size_t count_words(const struct doc *d)
{
	size_t n = 0;
	for (size_t i = 0; i < d->nlines; i++)
		n += d->lines[i].nwords;
	return n;
}

/* 0 when xml validates against the ALTO 4.4 schema. */
static int alto_validate(const char *xml, size_t len)
{
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(ALTO_XSD);
	xmlSchemaPtr schema = pc ? xmlSchemaParse(pc) : NULL;
	cr_assert_not_null(schema, "cannot load %s", ALTO_XSD);
	xmlDocPtr doc = xmlReadMemory(xml, (int)len, "alto.xml", NULL, XML_PARSE_NONET);
	cr_assert_not_null(doc, "not well-formed XML");
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(schema);
	int rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	xmlFreeDoc(doc);
	xmlSchemaFree(schema);
	xmlSchemaFreeParserCtxt(pc);
	return rc;
}

static xmlXPathObjectPtr xpath(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr c = xmlXPathNewContext(doc);
	xmlXPathRegisterNs(c, BAD_CAST "a", BAD_CAST "http://www.loc.gov/standards/alto/ns-v4#");
	xmlXPathRegisterNs(c, BAD_CAST "h", BAD_CAST "http://www.w3.org/1999/xhtml");
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, c);
	xmlXPathFreeContext(c);
	return r;
}

Test(ocrout, format_names)
{
	enum ocrout_format f;
	cr_assert_eq(ocrout_parse_format("alto", &f), 0);
	cr_assert_eq(f, OCROUT_ALTO);
	cr_assert_eq(ocrout_parse_format("tsv", &f), 0);
	cr_assert_eq(f, OCROUT_TSV);
	cr_assert_eq(ocrout_parse_format("hocr", &f), 0);
	cr_assert_eq(f, OCROUT_HOCR);
	cr_assert_eq(ocrout_parse_format("text", &f), 0);
	cr_assert_eq(f, OCROUT_TEXT);
	cr_assert_lt(ocrout_parse_format("pdf", &f), 0);
}

Test(ocrout, alto_is_valid_alto_4_with_every_word)
{
	struct doc *d = scan2();
	struct sb out = SB_INIT;
	struct ex_error err;
	cr_assert_eq(ocrout_write(d, OCROUT_ALTO, "tjx test", &out, &err), 0, "%s", err.msg);
	cr_assert_eq(alto_validate(out.buf, out.len), 0, "ALTO output fails the schema");
	xmlDocPtr x = xmlReadMemory(out.buf, (int)out.len, "alto.xml", NULL, XML_PARSE_NONET);
	xmlXPathObjectPtr pages = xpath(x, "//a:Page");
	cr_assert_eq(pages->nodesetval->nodeNr, 2);
	xmlXPathFreeObject(pages);
	/* one TextBlock per paragraph, one TextLine per line that has text */
	size_t paras = 0, lines = 0;
	for (size_t i = 0; i < d->nlines; i++) {
		int text = d->lines[i].len > 0;
		lines += text;
		paras += text && (i == 0 || d->lines[i - 1].len == 0 ||
		                  d->lines[i - 1].page != d->lines[i].page);
	}
	xmlXPathObjectPtr blocks = xpath(x, "//a:TextBlock"), tl = xpath(x, "//a:TextLine");
	cr_assert_eq((size_t)blocks->nodesetval->nodeNr, paras);
	cr_assert_eq((size_t)tl->nodesetval->nodeNr, lines);
	cr_assert_gt(paras, 2);
	xmlXPathFreeObject(blocks);
	xmlXPathFreeObject(tl);
	xmlXPathObjectPtr s = xpath(x, "//a:String");
	cr_assert_eq((size_t)s->nodesetval->nodeNr, count_words(d));
	/* every word, in order, with its confidence in 0-1 */
	size_t k = 0;
	for (size_t i = 0; i < d->nlines; i++)
		for (size_t j = 0; j < d->lines[i].nwords; j++, k++) {
			const struct doc_word *w = &d->lines[i].words[j];
			xmlNodePtr n = s->nodesetval->nodeTab[k];
			xmlChar *content = xmlGetProp(n, BAD_CAST "CONTENT");
			xmlChar *wc = xmlGetProp(n, BAD_CAST "WC");
			xmlChar *hpos = xmlGetProp(n, BAD_CAST "HPOS");
			cr_assert_eq(strlen((char *)content), w->len);
			cr_assert_eq(memcmp(content, d->lines[i].orig + w->off, w->len), 0);
			double c = atof((char *)wc);
			cr_assert(c >= 0 && c <= 1, "WC %s", wc);
			cr_assert_float_eq(c, w->conf / 100.0, 0.006);
			cr_assert_eq(atoi((char *)hpos), w->x0);
			xmlFree(content);
			xmlFree(wc);
			xmlFree(hpos);
		}
	xmlXPathFreeObject(s);
	xmlFreeDoc(x);
	/* the same doc gives the same bytes */
	struct sb again = SB_INIT;
	cr_assert_eq(ocrout_write(d, OCROUT_ALTO, "tjx test", &again, &err), 0);
	cr_assert_str_eq(again.buf, out.buf);
	sb_release(&again);
	sb_release(&out);
	doc_free(d);
}

Test(ocrout, alto_of_a_text_layer_and_of_an_empty_page_validates)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(OT_DATA "layer.pdf", NULL, &d, &err), 0, "%s", err.msg);
	/* and a page with nothing on it, and a word needing escapes */
	cr_assert_not_null(doc_add_page(d, DOC_PAGE_OCR));
	cr_assert_not_null(doc_add_page(d, DOC_PAGE_OCR));
	struct doc_line *l = doc_add_line(d, "<&\"'>", 5);
	cr_assert_eq(doc_line_add_word(l, 0, 5, 1, 1, 9, 9, 42.5f), 0);
	struct sb out = SB_INIT;
	cr_assert_eq(ocrout_write(d, OCROUT_ALTO, NULL, &out, &err), 0);
	cr_assert_eq(alto_validate(out.buf, out.len), 0);
	/* text-layer words have no confidence: no WC */
	cr_assert_not_null(strstr(out.buf, "CONTENT=\"samarbetsprojekt\""));
	cr_assert_not_null(strstr(out.buf, "CONTENT=\"&lt;&amp;&quot;'&gt;\""));
	cr_assert_not_null(strstr(out.buf, "WC=\"0.42\"") ?: strstr(out.buf, "WC=\"0.43\""));
	const char *first = strstr(out.buf, "<String");
	cr_assert_not_null(first);
	cr_assert_null(memmem(first, (size_t)(strchr(first, '>') - first), "WC=", 3));
	sb_release(&out);
	doc_free(d);
}

Test(ocrout, hocr_is_xhtml_with_words_boxes_and_confidences)
{
	struct doc *d = scan2();
	struct sb out = SB_INIT;
	struct ex_error err;
	cr_assert_eq(ocrout_write(d, OCROUT_HOCR, "tjx test", &out, &err), 0);
	xmlDocPtr x = xmlReadMemory(out.buf, (int)out.len, "page.html", NULL, XML_PARSE_NONET);
	cr_assert_not_null(x, "hOCR is not well-formed");
	xmlXPathObjectPtr w = xpath(x, "//h:span[@class='ocrx_word']");
	cr_assert_eq((size_t)w->nodesetval->nodeNr, count_words(d));
	xmlChar *title = xmlGetProp(w->nodesetval->nodeTab[0], BAD_CAST "title");
	const struct doc_word *w0 = &d->lines[0].words[0];
	char expect[100];
	snprintf(expect, sizeof(expect), "bbox %d %d %d %d; x_wconf %d", w0->x0, w0->y0, w0->x1,
	         w0->y1, (int)(w0->conf + 0.5f));
	cr_assert_str_eq((char *)title, expect);
	xmlFree(title);
	xmlXPathFreeObject(w);
	xmlXPathObjectPtr p = xpath(x, "//h:div[@class='ocr_page']");
	cr_assert_eq(p->nodesetval->nodeNr, 2);
	xmlXPathFreeObject(p);
	xmlFreeDoc(x);
	sb_release(&out);
	doc_free(d);
}

Test(ocrout, tsv_has_one_row_per_word)
{
	struct doc *d = scan2();
	struct sb out = SB_INIT;
	struct ex_error err;
	cr_assert_eq(ocrout_write(d, OCROUT_TSV, NULL, &out, &err), 0);
	char *save = NULL, *row = strtok_r(out.buf, "\n", &save);
	cr_assert_str_eq(row, "page\tline\tword\tleft\ttop\twidth\theight\tconf\ttext");
	size_t k = 0;
	for (size_t i = 0; i < d->nlines; i++)
		for (size_t j = 0; j < d->lines[i].nwords; j++, k++) {
			row = strtok_r(NULL, "\n", &save);
			cr_assert_not_null(row);
			const struct doc_line *l = &d->lines[i];
			const struct doc_word *w = &l->words[j];
			int page, line, word, left, top, width, height, n = 0;
			float conf;
			cr_assert_eq(sscanf(row, "%d\t%d\t%d\t%d\t%d\t%d\t%d\t%f\t%n", &page, &line,
			                    &word, &left, &top, &width, &height, &conf, &n),
			             8);
			cr_assert_eq(page, l->page);
			cr_assert_eq(line, l->lineno);
			cr_assert_eq((size_t)word, j + 1);
			cr_assert_eq(left, w->x0);
			cr_assert_eq(width, w->x1 - w->x0);
			cr_assert_float_eq(conf, w->conf, 0.01);
			cr_assert_eq(strlen(row + n), w->len);
			cr_assert_eq(memcmp(row + n, l->orig + w->off, w->len), 0);
		}
	cr_assert_null(strtok_r(NULL, "\n", &save));
	sb_release(&out);
	doc_free(d);
}

Test(ocrout, text_reads_back_page_for_page)
{
	struct doc *d = scan2();
	struct sb out = SB_INIT;
	struct ex_error err;
	cr_assert_eq(ocrout_write(d, OCROUT_TEXT, NULL, &out, &err), 0);
	/* pages are separated by a form feed, which the text reader takes as a
	 * page break: `tjx ocr x.pdf | tjx fields -` keeps the pages */
	struct doc *back = NULL;
	cr_assert_eq(doc_from_text("back", out.buf, out.len, &back, &err), 0, "%s", err.msg);
	cr_assert_eq(back->npages, d->npages);
	cr_assert_eq(back->nlines, d->nlines);
	for (size_t i = 0; i < d->nlines; i++) {
		cr_assert_str_eq(back->lines[i].text, d->lines[i].text);
		cr_assert_eq(back->lines[i].page, d->lines[i].page);
	}
	doc_free(back);
	sb_release(&out);
	doc_free(d);
}

/* ---- the command ------------------------------------------------------------- */

/* Run `tjx ocr ARGS` with its output in a file; returns the exit status and
 * the output (caller frees). */
static int run_ocr(const char *args, char **out, char **errtext)
{
	char dir[] = "/tmp/tjx-ocr-cli-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "%s ocr %s >%s/out 2>%s/err", ot_bin(), args, dir, dir);
	int st = system(cmd);
	char path[128];
	snprintf(path, sizeof(path), "%s/out", dir);
	*out = ot_read(path, NULL);
	unlink(path);
	snprintf(path, sizeof(path), "%s/err", dir);
	*errtext = ot_read(path, NULL);
	unlink(path);
	rmdir(dir);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(ocr_cli, alto_output_validates_and_errors_have_exit_codes)
{
	char *out, *e;
	cr_assert_eq(run_ocr("--format alto " OT_DATA "scan2.pdf", &out, &e), 0, "%s", e);
	cr_assert_eq(alto_validate(out, strlen(out)), 0);
	cr_assert_not_null(strstr(out, "<fileName>scan2.pdf</fileName>"));
	free(out);
	free(e);
	/* --pages, -v, text */
	cr_assert_eq(run_ocr("-v --pages 2 " OT_DATA "scan2.pdf", &out, &e), 0, "%s", e);
	cr_assert_not_null(strstr(out, "Samverkan för en trygg och säker stad"));
	cr_assert_null(strstr(out, "Beskrivning av ärendet"));
	cr_assert_not_null(strstr(e, "page 2: ocr"));
	cr_assert_not_null(strstr(e, "240 dpi"));
	free(out);
	free(e);
	/* the warning names the file and page */
	cr_assert_eq(run_ocr(OT_DATA "nodpi.png", &out, &e), 0);
	cr_assert_not_null(strstr(e, "warning: " OT_DATA "nodpi.png: page 1: no resolution"));
	free(out);
	free(e);
	/* bad input: one line naming the file, exit 1, nothing on stdout */
	cr_assert_eq(run_ocr(OT_DATA "encrypted.pdf", &out, &e), 1);
	cr_assert_str_eq(out, "");
	cr_assert_str_eq(e, "tjx: error: " OT_DATA "encrypted.pdf: the PDF is encrypted and needs "
	                    "a password\n");
	free(out);
	free(e);
	cr_assert_eq(run_ocr(OT_DATA "bomb.png", &out, &e), 1);
	cr_assert_not_null(strstr(e, "bomb.png: page 1: "));
	free(out);
	free(e);
	/* a missing language is a dependency error (3); usage errors are 2 */
	cr_assert_eq(run_ocr("-l xyz " OT_DATA "scan.jpg", &out, &e), 3);
	free(out);
	free(e);
	cr_assert_eq(run_ocr("--format pdf " OT_DATA "scan.jpg", &out, &e), 2);
	free(out);
	free(e);
	cr_assert_eq(run_ocr("--pages 5 " OT_DATA "scan.jpg", &out, &e), 2);
	free(out);
	free(e);
}

Test(ocr_cli, output_file_is_written_whole)
{
	char dir[] = "/tmp/tjx-ocr-o-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char args[256], *out, *e;
	snprintf(args, sizeof(args), "--format tsv -o %s/sub/p.tsv " OT_DATA "p2.tif", dir);
	cr_assert_eq(run_ocr(args, &out, &e), 0, "%s", e);
	cr_assert_str_eq(out, "");
	char path[128];
	snprintf(path, sizeof(path), "%s/sub/p.tsv", dir);
	char *tsv = ot_read(path, NULL);
	cr_assert_not_null(tsv);
	cr_assert_eq(strncmp(tsv, "page\tline\tword", 14), 0);
	cr_assert_not_null(strstr(tsv, "\n2\t1\t1\t"), "page 2's first word");
	free(tsv);
	free(out);
	free(e);
	unlink(path);
	snprintf(path, sizeof(path), "%s/sub", dir);
	rmdir(path);
	/* a failed read leaves no file behind */
	snprintf(args, sizeof(args), "-o %s/bad.txt " OT_DATA "encrypted.pdf", dir);
	cr_assert_eq(run_ocr(args, &out, &e), 1);
	snprintf(path, sizeof(path), "%s/bad.txt", dir);
	cr_assert_neq(access(path, F_OK), 0);
	free(out);
	free(e);
	cr_assert_eq(rmdir(dir), 0, "the folder holds nothing else");
}
