/* ocr_testutil.h - helpers for the OCR stage's Criterion tests (header-only).
 *
 * Tests run from the repository root (make test does so); fixtures are in
 * tests/data/ocr (see its mkfixtures), each scan beside NAME.txt, the text it
 * shows.
 */
#ifndef TJX_OCR_TESTUTIL_H
#define TJX_OCR_TESTUTIL_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "doc.h"
#include "ocr.h"
#include "strbuf.h"
#include "utf8.h"

#define OT_DATA "tests/data/ocr/"

/* A line of OCR words added to d's last page: its text the words joined by
 * single spaces, boxes[i] = {x0, y0, x1, y1} of word i, the line's box their
 * union.  NULL when out of memory or over 15 words. */
static inline struct doc_line *ot_line(struct doc *d, const char *const *words,
                                       const int (*boxes)[4], const float *conf, size_t n)
{
	char text[512] = "";
	size_t off[16], len = 0;
	if (n > 15)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t wl = strlen(words[i]);
		if (len + wl + 2 > sizeof(text))
			return NULL;
		if (i)
			text[len++] = ' ';
		off[i] = len;
		memcpy(text + len, words[i], wl);
		len += wl;
		text[len] = '\0';
	}
	struct doc_line *l = doc_add_line(d, text, len);
	if (!l)
		return NULL;
	l->x0 = l->y0 = 1 << 30;
	l->x1 = l->y1 = 0;
	for (size_t i = 0; i < n; i++) {
		const int *b = boxes[i];
		if (doc_line_add_word(l, off[i], strlen(words[i]), b[0], b[1], b[2], b[3],
		                      conf[i]) < 0)
			return NULL;
		l->x0 = b[0] < l->x0 ? b[0] : l->x0;
		l->y0 = b[1] < l->y0 ? b[1] : l->y0;
		l->x1 = b[2] > l->x1 ? b[2] : l->x1;
		l->y1 = b[3] > l->y1 ? b[3] : l->y1;
	}
	return l;
}

static inline const char *ot_bin(void)
{
	const char *b = getenv("TJX_BIN");
	return b && *b ? b : "bin/tjx";
}

/* A whole file, NUL-terminated; NULL when unreadable. */
static inline char *ot_read(const char *path, size_t *len)
{
	struct sb b = SB_INIT;
	if (sb_read_file(&b, path) < 0) {
		sb_release(&b);
		return NULL;
	}
	return sb_detach(&b, len);
}

/* Write data to a new temporary file named .../NAME (NAME may carry any
 * extension); returns the path (caller frees; unlink when done). */
static inline char *ot_tmpfile(const char *name, const void *data, size_t len)
{
	char dir[] = "/tmp/tjx-ocr-test-XXXXXX";
	if (!mkdtemp(dir))
		return NULL;
	struct sb p = SB_INIT;
	sb_addf(&p, "%s/%s", dir, name);
	FILE *f = fopen(p.buf, "wb");
	if (!f || fwrite(data, 1, len, f) != len) {
		if (f)
			fclose(f);
		sb_release(&p);
		return NULL;
	}
	fclose(f);
	return sb_detach(&p, NULL);
}

static inline void ot_unlink(char *path)
{
	if (!path)
		return;
	unlink(path);
	char *slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path);
	}
	free(path);
}

/* Code points of s with every run of white space made one space and the
 * ends trimmed: CER is measured on the text, not on its line breaks. */
static inline uint32_t *ot_codepoints(const char *s, size_t n, size_t *count)
{
	uint32_t *cp = malloc((n + 1) * sizeof(*cp));
	size_t k = 0, i = 0;
	int space = 0;
	while (cp && i < n) {
		uint32_t c = utf8_next(s, n, &i);
		if (utf8_is_space(c) || c == '\f') {
			space = k > 0;
			continue;
		}
		if (space)
			cp[k++] = ' ';
		space = 0;
		cp[k++] = c;
	}
	*count = k;
	return cp;
}

/* Character error rate of hyp against truth: Levenshtein distance over code
 * points (NFC, white space collapsed) divided by the truth's length. */
static inline double ot_cer(const char *truth, const char *hyp)
{
	size_t tl0 = strlen(truth), hl0 = strlen(hyp), tn, hn, a, b;
	char *tnfc = utf8_nfc(truth, tl0, &a), *hnfc = utf8_nfc(hyp, hl0, &b);
	uint32_t *t = ot_codepoints(tnfc, a, &tn), *h = ot_codepoints(hnfc, b, &hn);
	free(tnfc);
	free(hnfc);
	size_t *prev = malloc((hn + 1) * sizeof(size_t)), *cur = malloc((hn + 1) * sizeof(size_t));
	for (size_t j = 0; j <= hn; j++)
		prev[j] = j;
	for (size_t i = 1; i <= tn; i++) {
		cur[0] = i;
		for (size_t j = 1; j <= hn; j++) {
			size_t sub = prev[j - 1] + (t[i - 1] != h[j - 1]);
			size_t del = prev[j] + 1, ins = cur[j - 1] + 1;
			cur[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
		size_t *x = prev;
		prev = cur;
		cur = x;
	}
	double cer = tn ? (double)prev[hn] / (double)tn : (hn ? 1.0 : 0.0);
	free(prev);
	free(cur);
	free(t);
	free(h);
	return cer;
}

/* The text of page p (1-based) of d, lines joined with '\n'; caller frees. */
static inline char *ot_page_text(const struct doc *d, int p)
{
	struct sb b = SB_INIT;
	const struct doc_page *pg = &d->pages[p - 1];
	for (size_t i = 0; i < pg->nlines; i++) {
		const struct doc_line *l = &d->lines[pg->first_line + i];
		sb_add(&b, l->text, l->len);
		sb_addc(&b, '\n');
	}
	return sb_detach(&b, NULL);
}

/* CER of page p of d against the fixture text NAME.txt. */
static inline double ot_page_cer(const struct doc *d, int p, const char *truth_file)
{
	char path[256];
	snprintf(path, sizeof(path), OT_DATA "%s", truth_file);
	char *truth = ot_read(path, NULL);
	char *text = ot_page_text(d, p);
	double cer = truth && text ? ot_cer(truth, text) : 1.0;
	free(truth);
	free(text);
	return cer;
}

/* Some warning of d contains s. */
static inline int ot_warned(const struct doc *d, const char *s)
{
	for (size_t i = 0; i < d->nwarnings; i++)
		if (strstr(d->warnings[i], s))
			return 1;
	return 0;
}

/* Read a fixture with the given options (NULL: defaults). */
static inline int ot_read_doc(const char *path, const struct ocr_options *opt, struct doc **d,
                              struct ex_error *err)
{
	struct ocr_options def = {0};
	struct ocr *o = NULL;
	int rc = ocr_new(opt ? opt : &def, &o, err);
	if (rc == 0)
		rc = ocr_read(o, path, NULL, d, err);
	ocr_free(o);
	return rc;
}

#endif
