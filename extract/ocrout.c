/* ocrout.c - see ocrout.h */
#include "ocrout.h"

#include <libxml/xmlwriter.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define ALTO_NS  "http://www.loc.gov/standards/alto/ns-v4#"
#define ALTO_XSD "http://www.loc.gov/alto/v4/alto-4-4.xsd"

int ocrout_parse_format(const char *name, enum ocrout_format *fmt)
{
	static const struct {
		const char *name;
		enum ocrout_format fmt;
	} names[] = {
	    {"text", OCROUT_TEXT}, {"txt", OCROUT_TEXT},  {"tsv", OCROUT_TSV},
	    {"alto", OCROUT_ALTO}, {"hocr", OCROUT_HOCR},
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (!strcmp(name, names[i].name)) {
			*fmt = names[i].fmt;
			return 0;
		}
	return -1;
}

static const struct doc_line *page_lines(const struct doc *d, int p, size_t *n)
{
	*n = d->pages[p].nlines;
	return d->lines + d->pages[p].first_line;
}

static void write_text(const struct doc *d, struct sb *out)
{
	for (int p = 0; p < d->npages; p++) {
		if (p)
			sb_addc(out, '\f');
		size_t n;
		const struct doc_line *l = page_lines(d, p, &n);
		for (size_t i = 0; i < n; i++) {
			sb_add(out, l[i].text, l[i].len);
			sb_addc(out, '\n');
		}
	}
}

static void write_tsv(const struct doc *d, struct sb *out)
{
	sb_adds(out, "page\tline\tword\tleft\ttop\twidth\theight\tconf\ttext\n");
	for (int p = 0; p < d->npages; p++) {
		size_t n;
		const struct doc_line *l = page_lines(d, p, &n);
		for (size_t i = 0; i < n; i++)
			for (size_t k = 0; k < l[i].nwords; k++) {
				const struct doc_word *w = &l[i].words[k];
				sb_addf(out, "%d\t%d\t%zu\t%d\t%d\t%d\t%d\t%.2f\t%.*s\n", p + 1,
				        l[i].lineno, k + 1, w->x0, w->y0, w->x1 - w->x0,
				        w->y1 - w->y0, w->conf, (int)w->len, l[i].orig + w->off);
			}
	}
}

/* ---- XML through libxml2's writer: escaping and encoding are its job -------- */

struct xw {
	xmlTextWriterPtr w;
	int failed;
};

static void xw_start(struct xw *x, const char *name)
{
	if (!x->failed && xmlTextWriterStartElement(x->w, BAD_CAST name) < 0)
		x->failed = 1;
}

static void xw_end(struct xw *x)
{
	if (!x->failed && xmlTextWriterEndElement(x->w) < 0)
		x->failed = 1;
}

static void xw_attr(struct xw *x, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void xw_attr(struct xw *x, const char *name, const char *fmt, ...)
{
	if (x->failed)
		return;
	va_list ap;
	va_start(ap, fmt);
	if (xmlTextWriterWriteVFormatAttribute(x->w, BAD_CAST name, fmt, ap) < 0)
		x->failed = 1;
	va_end(ap);
}

static void xw_attr_n(struct xw *x, const char *name, const char *s, size_t n)
{
	if (x->failed)
		return;
	if (xmlTextWriterWriteFormatAttribute(x->w, BAD_CAST name, "%.*s", (int)n, s) < 0)
		x->failed = 1;
}

static void xw_text(struct xw *x, const char *s, size_t n)
{
	if (!x->failed && xmlTextWriterWriteFormatString(x->w, "%.*s", (int)n, s) < 0)
		x->failed = 1;
}

static void xw_elem(struct xw *x, const char *name, const char *text)
{
	xw_start(x, name);
	xw_text(x, text, strlen(text));
	xw_end(x);
}

static void box_attrs(struct xw *x, int x0, int y0, int x1, int y1)
{
	xw_attr(x, "HPOS", "%d", x0);
	xw_attr(x, "VPOS", "%d", y0);
	xw_attr(x, "WIDTH", "%d", x1 - x0);
	xw_attr(x, "HEIGHT", "%d", y1 - y0);
}

/* An empty line separates paragraphs; it has no words and is not written. */
static int is_blank(const struct doc_line *l)
{
	return l->len == 0 && l->nwords == 0;
}

/* The paragraph starting at line i of l[0..n): returns the index after its
 * last line and its box (the union of its lines'). */
static size_t paragraph(const struct doc_line *l, size_t n, size_t i, int *x0, int *y0, int *x1,
                        int *y1)
{
	*x0 = l[i].x0, *y0 = l[i].y0, *x1 = l[i].x1, *y1 = l[i].y1;
	size_t end = i + 1;
	for (; end < n && !is_blank(&l[end]); end++) {
		*x0 = l[end].x0 < *x0 ? l[end].x0 : *x0;
		*y0 = l[end].y0 < *y0 ? l[end].y0 : *y0;
		*x1 = l[end].x1 > *x1 ? l[end].x1 : *x1;
		*y1 = l[end].y1 > *y1 ? l[end].y1 : *y1;
	}
	return end;
}

static void alto_line(struct xw *x, const struct doc_line *l, int page, size_t lineno)
{
	xw_start(x, "TextLine");
	xw_attr(x, "ID", "line_%d_%zu", page, lineno);
	box_attrs(x, l->x0, l->y0, l->x1, l->y1);
	if (!l->nwords) { /* a line without word geometry: one String */
		xw_start(x, "String");
		xw_attr_n(x, "CONTENT", l->text, l->len);
		xw_end(x);
	}
	for (size_t k = 0; k < l->nwords; k++) {
		const struct doc_word *w = &l->words[k];
		if (k) {
			xw_start(x, "SP");
			xw_end(x);
		}
		xw_start(x, "String");
		xw_attr(x, "ID", "string_%d_%zu_%zu", page, lineno, k + 1);
		box_attrs(x, w->x0, w->y0, w->x1, w->y1);
		xw_attr_n(x, "CONTENT", l->orig + w->off, w->len);
		if (w->conf >= 0)
			xw_attr(x, "WC", "%.2f", (w->conf > 100 ? 100 : w->conf) / 100.0);
		xw_end(x);
	}
	xw_end(x); /* TextLine */
}

static void write_alto(struct xw *x, const struct doc *d, const char *software)
{
	xw_start(x, "alto");
	xw_attr(x, "xmlns", "%s", ALTO_NS);
	xw_attr(x, "xmlns:xsi", "%s", "http://www.w3.org/2001/XMLSchema-instance");
	xw_attr(x, "xsi:schemaLocation", "%s %s", ALTO_NS, ALTO_XSD);
	xw_attr(x, "SCHEMAVERSION", "4.4");
	xw_start(x, "Description");
	xw_elem(x, "MeasurementUnit", "pixel");
	xw_start(x, "sourceImageInformation");
	xw_elem(x, "fileName", d->name);
	xw_end(x);
	xw_start(x, "Processing");
	xw_attr(x, "ID", "processing_1");
	xw_elem(x, "processingCategory", "contentGeneration");
	if (software) {
		xw_start(x, "processingSoftware");
		xw_elem(x, "softwareName", software);
		xw_end(x);
	}
	xw_end(x);
	xw_end(x); /* Description */
	xw_start(x, "Layout");
	for (int p = 0; p < d->npages; p++) {
		const struct doc_page *pg = &d->pages[p];
		size_t n;
		const struct doc_line *l = page_lines(d, p, &n);
		xw_start(x, "Page");
		xw_attr(x, "ID", "page_%d", p + 1);
		xw_attr(x, "PHYSICAL_IMG_NR", "%d", p + 1);
		if (pg->width > 0) {
			xw_attr(x, "WIDTH", "%d", pg->width);
			xw_attr(x, "HEIGHT", "%d", pg->height);
		}
		if (pg->rotation)
			xw_attr(x, "ROTATION", "%d", pg->rotation);
		xw_start(x, "PrintSpace");
		box_attrs(x, 0, 0, pg->width, pg->height);
		size_t block = 0;
		for (size_t i = 0, end; i < n; i = end) {
			if (is_blank(&l[i])) {
				end = i + 1;
				continue;
			}
			int bx0, by0, bx1, by1;
			end = paragraph(l, n, i, &bx0, &by0, &bx1, &by1);
			xw_start(x, "TextBlock");
			xw_attr(x, "ID", "block_%d_%zu", p + 1, ++block);
			box_attrs(x, bx0, by0, bx1, by1);
			for (size_t k = i; k < end; k++)
				alto_line(x, &l[k], p + 1, k + 1);
			xw_end(x); /* TextBlock */
		}
		xw_end(x); /* PrintSpace */
		xw_end(x); /* Page */
	}
	xw_end(x); /* Layout */
	xw_end(x); /* alto */
}

static void hocr_line(struct xw *x, const struct doc_line *l, int page, size_t lineno)
{
	xw_start(x, "span");
	xw_attr(x, "class", "ocr_line");
	xw_attr(x, "id", "line_%d_%zu", page, lineno);
	xw_attr(x, "title", "bbox %d %d %d %d", l->x0, l->y0, l->x1, l->y1);
	if (!l->nwords)
		xw_text(x, l->text, l->len);
	for (size_t k = 0; k < l->nwords; k++) {
		const struct doc_word *w = &l->words[k];
		if (k)
			xw_text(x, " ", 1);
		xw_start(x, "span");
		xw_attr(x, "class", "ocrx_word");
		xw_attr(x, "id", "word_%d_%zu_%zu", page, lineno, k + 1);
		if (w->conf >= 0)
			xw_attr(x, "title", "bbox %d %d %d %d; x_wconf %d", w->x0, w->y0, w->x1,
			        w->y1, (int)(w->conf + 0.5f));
		else
			xw_attr(x, "title", "bbox %d %d %d %d", w->x0, w->y0, w->x1, w->y1);
		xw_text(x, l->orig + w->off, w->len);
		xw_end(x);
	}
	xw_end(x);
	xw_text(x, "\n", 1);
}

static void write_hocr(struct xw *x, const struct doc *d, const char *software)
{
	if (!x->failed &&
	    xmlTextWriterWriteDTD(
	        x->w, BAD_CAST "html", BAD_CAST "-//W3C//DTD XHTML 1.0 Transitional//EN",
	        BAD_CAST "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd", NULL) < 0)
		x->failed = 1;
	xw_start(x, "html");
	xw_attr(x, "xmlns", "http://www.w3.org/1999/xhtml");
	xw_start(x, "head");
	xw_elem(x, "title", d->name);
	xw_start(x, "meta");
	xw_attr(x, "http-equiv", "Content-Type");
	xw_attr(x, "content", "text/html;charset=utf-8");
	xw_end(x);
	if (software) {
		xw_start(x, "meta");
		xw_attr(x, "name", "ocr-system");
		xw_attr(x, "content", "%s", software);
		xw_end(x);
	}
	xw_start(x, "meta");
	xw_attr(x, "name", "ocr-capabilities");
	xw_attr(x, "content", "ocr_page ocr_par ocr_line ocrx_word");
	xw_end(x);
	xw_end(x); /* head */
	xw_start(x, "body");
	for (int p = 0; p < d->npages; p++) {
		const struct doc_page *pg = &d->pages[p];
		size_t n;
		const struct doc_line *l = page_lines(d, p, &n);
		xw_start(x, "div");
		xw_attr(x, "class", "ocr_page");
		xw_attr(x, "id", "page_%d", p + 1);
		if (pg->dpi)
			xw_attr(x, "title",
			        "image \"%s\"; bbox 0 0 %d %d; ppageno %d; scan_res %d %d", d->name,
			        pg->width, pg->height, p, pg->dpi, pg->dpi);
		else
			xw_attr(x, "title", "image \"%s\"; bbox 0 0 %d %d; ppageno %d", d->name,
			        pg->width, pg->height, p);
		size_t par = 0;
		for (size_t i = 0, end; i < n; i = end) {
			if (is_blank(&l[i])) {
				end = i + 1;
				continue;
			}
			int bx0, by0, bx1, by1;
			end = paragraph(l, n, i, &bx0, &by0, &bx1, &by1);
			xw_start(x, "p");
			xw_attr(x, "class", "ocr_par");
			xw_attr(x, "id", "par_%d_%zu", p + 1, ++par);
			xw_attr(x, "title", "bbox %d %d %d %d", bx0, by0, bx1, by1);
			for (size_t k = i; k < end; k++)
				hocr_line(x, &l[k], p + 1, k + 1);
			xw_end(x); /* p */
		}
		xw_end(x);
	}
	xw_end(x); /* body */
	xw_end(x); /* html */
}

static int write_xml(const struct doc *d, enum ocrout_format fmt, const char *software,
                     struct sb *out, struct ex_error *err)
{
	xmlBufferPtr buf = xmlBufferCreate();
	xmlTextWriterPtr w = buf ? xmlNewTextWriterMemory(buf, 0) : NULL;
	if (!w) {
		if (buf)
			xmlBufferFree(buf);
		return ex_fail(err, EX_NOMEM, d->name, 0, 0, "out of memory");
	}
	struct xw x = {w, 0};
	xmlTextWriterSetIndent(w, fmt == OCROUT_ALTO);
	xmlTextWriterSetIndentString(w, BAD_CAST "  ");
	if (xmlTextWriterStartDocument(w, "1.0", "UTF-8", NULL) < 0)
		x.failed = 1;
	if (fmt == OCROUT_ALTO)
		write_alto(&x, d, software);
	else
		write_hocr(&x, d, software);
	if (!x.failed && xmlTextWriterEndDocument(w) < 0)
		x.failed = 1;
	xmlFreeTextWriter(w); /* flushes into buf */
	int rc = 0;
	if (x.failed)
		rc = ex_fail(err, EX_INTERNAL, d->name, 0, 0, "cannot write the %s document",
		             fmt == OCROUT_ALTO ? "ALTO" : "hOCR");
	else if (sb_add(out, xmlBufferContent(buf), (size_t)xmlBufferLength(buf)) < 0)
		rc = ex_fail(err, EX_NOMEM, d->name, 0, 0, "out of memory");
	xmlBufferFree(buf);
	return rc;
}

int ocrout_write(const struct doc *d, enum ocrout_format fmt, const char *software, struct sb *out,
                 struct ex_error *err)
{
	switch (fmt) {
	case OCROUT_TEXT:
		write_text(d, out);
		break;
	case OCROUT_TSV:
		write_tsv(d, out);
		break;
	case OCROUT_ALTO:
	case OCROUT_HOCR:
		return write_xml(d, fmt, software, out, err);
	}
	if (out->oom)
		return ex_fail(err, EX_NOMEM, d->name, 0, 0, "out of memory");
	return 0;
}
