/* ocrout.h - a recognised document written out: plain text, TSV, ALTO 4.4,
 * hOCR.
 *
 * Every writer reads a struct doc (as ocr_read() fills it) and appends to a
 * strbuf; none keeps anything.  Output is a function of the doc alone (no
 * dates, no hosts): the same doc gives the same bytes.
 *
 *   text  the lines of each page, one per line; pages separated by a form
 *         feed (as the tesseract command writes, and as `tjx fields -` reads)
 *   tsv   a header, then one row per word: page, line, word, left, top,
 *         width, height, conf (0-100; -1 for text-layer words), text
 *   alto  ALTO 4.4 (http://www.loc.gov/standards/alto/ns-v4#): one Page per
 *         page, one TextBlock per paragraph, TextLine and String with boxes
 *         in pixels, String/@WC the word confidence in 0-1
 *   hocr  XHTML hOCR 1.2: ocr_page, ocr_par, ocr_line, ocrx_word with bbox
 *         and x_wconf
 *
 * Paragraphs are separated in a doc by an empty line (no text, no words), as
 * the OCR stage writes them; the XML formats turn them into blocks.
 */
#ifndef TJX_OCROUT_H
#define TJX_OCROUT_H

#include "doc.h"
#include "error.h"
#include "strbuf.h"

enum ocrout_format {
	OCROUT_TEXT,
	OCROUT_TSV,
	OCROUT_ALTO,
	OCROUT_HOCR,
};

/* "text", "tsv", "alto", "hocr" to a format; -1 when unknown. */
int ocrout_parse_format(const char *name, enum ocrout_format *fmt);

/* Append d in format fmt to out.  `software` (may be NULL) names what made
 * the text, for ALTO's processingSoftware and hOCR's ocr-system, e.g.
 * "tjx 0.1.0 (tesseract 5.3.0, swe)". */
int ocrout_write(const struct doc *d, enum ocrout_format fmt, const char *software, struct sb *out,
                 struct ex_error *err);

#endif
