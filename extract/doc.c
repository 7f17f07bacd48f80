/* doc.c - see doc.h */
#include "doc.h"

#include <mupdf/fitz/crypt.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

const char *doc_kind_name(enum doc_kind kind)
{
	switch (kind) {
	case DOC_TEXT:
		return "text";
	case DOC_PDF_TEXT:
		return "pdf-text";
	case DOC_PDF_SCAN:
		return "pdf-scan";
	case DOC_IMAGE:
		return "image";
	}
	return "text";
}

struct doc *doc_new(enum doc_kind kind, const char *name)
{
	struct doc *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->kind = kind;
	d->name = strdup(name ? name : "");
	if (!d->name) {
		free(d);
		return NULL;
	}
	return d;
}

struct doc_block {
	struct doc_block *next;
	size_t used, size;
	max_align_t data[]; /* size bytes */
};

#define DOC_BLOCK_SIZE ((size_t)256 * 1024)

/* n bytes from d's blocks, aligned for any type; NULL when out of memory */
static void *doc_alloc(struct doc *d, size_t n)
{
	if (n > SIZE_MAX / 2)
		return NULL;
	n = (n + sizeof(max_align_t) - 1) / sizeof(max_align_t) * sizeof(max_align_t);
	struct doc_block *b = d->blocks;
	if (!b || b->size - b->used < n) {
		int large = n > DOC_BLOCK_SIZE / 4;
		size_t size = large ? n : DOC_BLOCK_SIZE;
		struct doc_block *nb = malloc(sizeof(*nb) + size);
		if (!nb)
			return NULL;
		nb->used = 0;
		nb->size = size;
		if (b && large) {
			/* a large one of its own behind the current block, whose
			 * room stays in use */
			nb->next = b->next;
			b->next = nb;
		} else {
			nb->next = b;
			d->blocks = nb;
		}
		b = nb;
	}
	void *p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

/* a copy of s[0..n) and a terminating NUL in d's blocks */
static char *doc_strndup(struct doc *d, const char *s, size_t n)
{
	if (n == SIZE_MAX)
		return NULL;
	char *c = doc_alloc(d, n + 1);
	if (c) {
		memcpy(c, s, n);
		c[n] = 0;
	}
	return c;
}

void doc_free(struct doc *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->nlines; i++)
		free(d->lines[i].words);
	free(d->lines);
	while (d->blocks) {
		struct doc_block *next = d->blocks->next;
		free(d->blocks);
		d->blocks = next;
	}
	free(d->pages);
	for (size_t i = 0; i < d->nwarnings; i++)
		free(d->warnings[i]);
	free(d->warnings);
	for (size_t i = 0; i < d->nstrings; i++)
		free(d->strings[i].copy);
	free(d->strings);
	free(d->name);
	free(d);
}

const char *doc_intern(struct doc *d, const char *s)
{
	for (size_t i = 0; i < d->nstrings; i++)
		if (d->strings[i].src == s && !strcmp(d->strings[i].copy, s))
			return d->strings[i].copy; /* (the address may hold another string now) */
	for (size_t i = 0; i < d->nstrings; i++)
		if (!strcmp(d->strings[i].copy, s)) {
			d->strings[i].src = s;
			return d->strings[i].copy;
		}
	struct doc_string *ns = realloc(d->strings, (d->nstrings + 1) * sizeof(*ns));
	if (!ns)
		return NULL;
	d->strings = ns;
	char *c = strdup(s);
	if (!c)
		return NULL;
	d->strings[d->nstrings++] = (struct doc_string){s, c};
	return c;
}

struct doc_page *doc_add_page(struct doc *d, enum doc_page_source source)
{
	struct doc_page *p = realloc(d->pages, sizeof(*p) * (size_t)(d->npages + 1));
	if (!p)
		return NULL;
	d->pages = p;
	p = &d->pages[d->npages++];
	memset(p, 0, sizeof(*p));
	p->source = source;
	p->first_line = d->nlines;
	return p;
}

/* Whether s[0..n) may hold a control character, a BOM, a surrogate or a
 * noncharacter (all start with a byte below 0x20, 0x7F, C2 80..9F, ED or
 * EF): most lines hold none. */
static int may_need_sanitising(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x20 || c == 0x7F || c == 0xEF || c == 0xED ||
		    (c == 0xC2 && i + 1 < n && (unsigned char)s[i + 1] < 0xA0))
			return 1;
	}
	return 0;
}

/* Control characters cannot appear in XML 1.0 and mean nothing in a line of
 * text: they become spaces, so that columns stay where they were. */
static char *sanitise(const char *s, size_t n, size_t *outlen)
{
	if (!may_need_sanitising(s, n) && utf8_valid(s, n))
		return utf8_nfc(s, n, outlen);
	struct sb b = SB_INIT;
	size_t i = 0;
	sb_grow(&b, n);
	while (i < n) {
		size_t start = i;
		uint32_t cp = utf8_next(s, n, &i);
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xFFFE ||
		    cp == 0xFFFF || (cp >= 0xD800 && cp < 0xE000)) {
			sb_addc(&b, cp == '\t' ? '\t' : ' ');
			continue;
		}
		if (cp == 0xFEFF) /* BOM or zero-width no-break space */
			continue;
		sb_add(&b, s + start, i - start);
	}
	if (b.oom) {
		sb_release(&b);
		return NULL;
	}
	char *nfc = utf8_nfc(b.buf, b.len, outlen);
	sb_release(&b);
	return nfc;
}

struct doc_line *doc_add_line(struct doc *d, const char *text, size_t len)
{
	if (d->npages == 0 && !doc_add_page(d, DOC_PAGE_TEXT))
		return NULL;
	if (d->nlines == d->lines_alloc) {
		size_t n = d->lines_alloc ? d->lines_alloc * 2 : 64;
		struct doc_line *l = realloc(d->lines, n * sizeof(*l));
		if (!l)
			return NULL;
		d->lines = l;
		d->lines_alloc = n;
	}
	struct doc_line *l = &d->lines[d->nlines];
	memset(l, 0, sizeof(*l));
	/* the text is the orig until the normaliser changes it; nearly every
	 * line is clean NFC already and is copied as it is */
	size_t n = len;
	if (!may_need_sanitising(text, len) && utf8_valid(text, len) &&
	    utf8_surely_nfc(text, len)) {
		l->orig = l->text = doc_strndup(d, text, len);
	} else {
		char *clean = sanitise(text, len, &n);
		if (!clean)
			return NULL;
		l->orig = l->text = doc_strndup(d, clean, n);
		free(clean);
	}
	if (!l->orig)
		return NULL;
	l->orig_len = l->len = n;
	struct doc_page *p = &d->pages[d->npages - 1];
	l->page = d->npages;
	l->lineno = (int)p->nlines + 1;
	l->conf = -1;
	p->nlines++;
	d->nlines++;
	return l;
}

int doc_line_add_word(struct doc_line *l, size_t off, size_t len, int x0, int y0, int x1, int y1,
                      float conf)
{
	struct doc_word *w = realloc(l->words, sizeof(*w) * (l->nwords + 1));
	if (!w)
		return -1;
	l->words = w;
	w = &l->words[l->nwords++];
	w->off = off;
	w->len = len;
	w->x0 = x0;
	w->y0 = y0;
	w->x1 = x1;
	w->y1 = y1;
	w->conf = conf;
	return 0;
}

int doc_line_replace(struct doc *d, struct doc_line *l, const char *text, size_t len,
                     const struct doc_edit *edits, size_t nedits)
{
	char *t = doc_strndup(d, text, len);
	struct doc_edit *e = NULL;
	if (t && nedits) {
		e = nedits <= SIZE_MAX / sizeof(*e) ? doc_alloc(d, nedits * sizeof(*e)) : NULL;
		if (e)
			memcpy(e, edits, nedits * sizeof(*e));
	}
	if (!t || (nedits && !e))
		return -1; /* (what was taken stays in the blocks until doc_free) */
	l->text = t;
	l->len = len;
	l->edits = e;
	l->nedits = nedits;
	return 0;
}

int doc_line_drop_words(struct doc *d, struct doc_line *l, const char *drop)
{
	if (l->nedits)
		return -1;
	struct sb t = SB_INIT;
	struct doc_word *w = malloc((l->nwords ? l->nwords : 1) * sizeof(*w));
	size_t n = 0;
	if (!w)
		return -1;
	for (size_t i = 0; i < l->nwords; i++) {
		if (drop[i])
			continue;
		if (t.len)
			sb_addc(&t, ' ');
		w[n] = l->words[i];
		w[n].off = t.len;
		sb_add(&t, l->orig + l->words[i].off, l->words[i].len);
		n++;
	}
	char *orig = t.oom ? NULL : doc_strndup(d, t.buf ? t.buf : "", t.len);
	size_t olen = t.len;
	sb_release(&t);
	if (!orig) {
		free(w);
		return -1;
	}
	free(l->words);
	l->orig = l->text = orig;
	l->orig_len = l->len = olen;
	l->words = w;
	l->nwords = n;
	return 0;
}

/* Does the word hold a letter or a digit? */
static int has_alnum(const struct doc_line *l, const struct doc_word *w)
{
	if (w->off > l->orig_len)
		return 0;
	const char *s = l->orig + w->off;
	size_t n = w->len < l->orig_len - w->off ? w->len : l->orig_len - w->off, i = 0;
	while (i < n) {
		uint32_t c = utf8_next(s, n, &i);
		if ((c >= '0' && c <= '9') || utf8_is_alpha(c))
			return 1;
	}
	return 0;
}

/* Is the word nothing but vertical bars? */
static int only_bars(const struct doc_line *l, const struct doc_word *w)
{
	if (!w->len || w->off + w->len > l->orig_len)
		return 0;
	for (size_t k = 0; k < w->len; k++)
		if (l->orig[w->off + k] != '|')
			return 0;
	return 1;
}

/* Is the word nothing but marks OCR makes of noise: quotes, colons, points,
 * "=" and the like (no letter or digit; no dash, bullet, "~" or "|": the
 * normaliser reads those as list items and "I")? */
static int only_marks(const struct doc_line *l, const struct doc_word *w)
{
	static const uint32_t marks[] = {'=',    '"',    '\'',   '`',    '^',   '_',  ':',
	                                 ';',    ',',    '.',    '<',    '>',   0xAB, 0xBB,
	                                 0x2018, 0x2019, 0x201C, 0x201D, 0x201E};
	if (!w->len || w->off + w->len > l->orig_len)
		return 0;
	const char *s = l->orig + w->off;
	size_t i = 0;
	while (i < w->len) {
		uint32_t c = utf8_next(s, w->len, &i);
		size_t k = 0;
		while (k < sizeof(marks) / sizeof(marks[0]) && marks[k] != c)
			k++;
		if (k == sizeof(marks) / sizeof(marks[0]))
			return 0;
	}
	return 1;
}

/* Does the word begin with a lower-case letter? */
static int starts_lower(const struct doc_line *l, const struct doc_word *w)
{
	if (!w->len || w->off + w->len > l->orig_len)
		return 0;
	size_t i = 0;
	return utf8_is_lower(utf8_next(l->orig + w->off, w->len, &i));
}

static int int_cmp(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

/* The median box height of the line's words that hold a letter or a digit
 * (punctuation and bars left out), or 0 when fewer than two have one: the
 * height real text has on this line, whatever a tall smear did to the line's
 * own box. */
static int letter_height(const struct doc_line *l)
{
	int buf[64], n = 0;
	for (size_t i = 0; i < l->nwords && n < 64; i++) {
		const struct doc_word *w = &l->words[i];
		if (w->y1 > w->y0 && has_alnum(l, w))
			buf[n++] = w->y1 - w->y0;
	}
	if (n < 2)
		return 0;
	qsort(buf, (size_t)n, sizeof(int), int_cmp);
	return buf[n / 2];
}

/* The page's left text margin: the median left edge of its lines of two
 * words or more (most lines start there; indented ones are fewer), or -1. */
static int left_margin(const struct doc *d, int page)
{
	if (page < 1 || page > d->npages)
		return -1;
	const struct doc_page *pg = &d->pages[page - 1];
	int *x = malloc((pg->nlines + 1) * sizeof(int));
	if (!x)
		return -1;
	size_t n = 0;
	for (size_t i = pg->first_line; i < pg->first_line + pg->nlines && i < d->nlines; i++)
		if (d->lines[i].nwords >= 2)
			x[n++] = d->lines[i].words[0].x0;
	int m = -1;
	if (n >= 5) {
		qsort(x, n, sizeof(int), int_cmp);
		m = x[n / 2];
	}
	free(x);
	return m;
}

int doc_drop_specks(struct doc *d)
{
	int dropped = 0;
	int mpage = 0, margin = -1;
	for (size_t li = 0; li < d->nlines; li++) {
		struct doc_line *l = &d->lines[li];
		int h = l->y1 - l->y0;
		if (!l->nwords || h <= 0 || l->nedits)
			continue;
		char *drop = calloc(l->nwords, 1);
		if (!drop)
			return -1;
		int any = 0;
		int ref = letter_height(l);
		int ocr = l->page >= 1 && l->page <= d->npages &&
		          d->pages[l->page - 1].source == DOC_PAGE_OCR;
		for (size_t i = 0; i < l->nwords; i++) {
			const struct doc_word *w = &l->words[i];
			int ww = w->x1 - w->x0, wh = w->y1 - w->y0;
			if (ww >= 0 && wh >= 0 && ww * 8 < h && wh * 8 < h)
				drop[i] = any = 1;
			/* letters a quarter as tall as the line's letters: a rule line
			 * or a smear read as "ee" */
			else if (ref > 0 && wh >= 0 && wh * 4 < ref && has_alnum(l, w))
				drop[i] = any = 1;
			/* on a page we read, a bar alone is a scan's edge or a table
			 * rule, unless a lower-case word follows: then it is the "I"
			 * the normaliser makes of it ("| det arbetet") */
			else if (ocr && only_bars(l, w) &&
			         !(i + 1 < l->nwords && starts_lower(l, &l->words[i + 1])))
				drop[i] = any = 1;
		}
		/* a word of low confidence standing wholly in the page's left
		 * margin, before the line's text: noise at the scan's edge
		 * ("i 7 Slutredovisning") */
		if (ocr && l->page != mpage) {
			mpage = l->page;
			margin = left_margin(d, l->page);
		}
		if (ocr && margin > 0 && l->nwords >= 2 && !drop[0] && l->words[0].conf < 50 &&
		    l->words[0].x1 < margin && l->words[1].x1 > margin)
			drop[0] = any = 1;
		/* marks standing alone at either end of a line of text: noise
		 * beside a word ("Björk =", ": Björn Rosborg"); dashes and bullets
		 * stay, they open list items and stand in ranges */
		size_t first = 0, last = l->nwords;
		while (first < last && drop[first])
			first++;
		while (last > first && drop[last - 1])
			last--;
		int text = 0;
		for (size_t i = first; i < last; i++)
			text |= has_alnum(l, &l->words[i]);
		while (text && first < last && only_marks(l, &l->words[first]))
			drop[first++] = any = 1;
		while (text && last > first && only_marks(l, &l->words[last - 1]))
			drop[--last] = any = 1;
		if (any) {
			int n = 0;
			for (size_t i = 0; i < l->nwords; i++)
				n += drop[i];
			if (doc_line_drop_words(d, l, drop) < 0) {
				free(drop);
				return -1;
			}
			dropped += n;
		}
		free(drop);
	}
	return dropped;
}

size_t doc_line_orig_off(const struct doc_line *l, size_t off, int end)
{
	/* Between edits, text and orig advance together; the shift is the
	 * length difference accumulated over the edits already passed. */
	long shift = 0;
	for (size_t i = 0; i < l->nedits; i++) {
		const struct doc_edit *e = &l->edits[i];
		if (off <= e->new_off)
			break;
		if (off < e->new_off + e->new_len)
			return end ? e->off + e->len : e->off;
		shift = (long)(e->off + e->len) - (long)(e->new_off + e->new_len);
	}
	long o = (long)off + shift;
	if (o < 0)
		o = 0;
	if ((size_t)o > l->orig_len)
		o = (long)l->orig_len;
	return (size_t)o;
}

void doc_line_last_word(const struct doc_line *l, size_t *a, size_t *e)
{
	size_t z = l->len;
	while (z && (l->text[z - 1] == ' ' || l->text[z - 1] == '\t'))
		z--;
	size_t s = z;
	while (s && l->text[s - 1] != ' ' && l->text[s - 1] != '\t')
		s--;
	*a = s;
	*e = z;
}

float doc_line_conf(const struct doc_line *l, size_t a, size_t b)
{
	if (!l->nwords)
		return -1;
	size_t oa = doc_line_orig_off(l, a, 0), ob = doc_line_orig_off(l, b, 1);
	float best = -1;
	for (size_t i = 0; i < l->nwords; i++) {
		const struct doc_word *w = &l->words[i];
		if (w->off + w->len <= oa || w->off >= ob)
			continue;
		if (best < 0 || w->conf < best)
			best = w->conf;
	}
	return best;
}

int doc_warn(struct doc *d, int page, const char *fmt, ...)
{
	struct sb b = SB_INIT;
	va_list ap;
	if (page > 0)
		sb_addf(&b, "page %d: ", page);
	va_start(ap, fmt);
	sb_vaddf(&b, fmt, ap);
	va_end(ap);
	char **w = realloc(d->warnings, sizeof(*w) * (d->nwarnings + 1));
	if (b.oom || !w) {
		if (w)
			d->warnings = w;
		sb_release(&b);
		return -1;
	}
	d->warnings = w;
	for (size_t i = 0; i < b.len; i++)
		if (b.buf[i] == '\n' || b.buf[i] == '\r')
			b.buf[i] = ' ';
	d->warnings[d->nwarnings++] = sb_detach(&b, NULL);
	return 0;
}

void doc_sha256_hex(const void *buf, size_t len, char out[65])
{
	fz_sha256 st;
	unsigned char dig[32];
	fz_sha256_init(&st);
	fz_sha256_update(&st, buf, len);
	fz_sha256_final(&st, dig);
	for (int i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", dig[i]);
}

/* A text file holds few control characters; NUL bytes or many controls mean
 * the file is binary and was not meant as text. */
static int looks_binary(const char *buf, size_t len)
{
	size_t ctl = 0, n = len < 65536 ? len : 65536;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)buf[i];
		if (c == 0)
			return 1;
		if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f')
			ctl++;
	}
	return ctl > 4 && ctl * 20 > n;
}

int doc_from_text(const char *name, const char *buf, size_t len, struct doc **out,
                  struct ex_error *err)
{
	*out = NULL;
	if (len == 0)
		return ex_fail(err, EX_INPUT, name, 0, 0, "empty file");
	if (looks_binary(buf, len))
		return ex_fail(err, EX_INPUT, name, 0, 0,
		               "not a text file and not a PDF or image tjx can read");
	struct doc *d = doc_new(DOC_TEXT, name);
	if (!d)
		return ex_fail(err, EX_NOMEM, name, 0, 0, "out of memory");

	char *conv = NULL;
	const char *s = buf;
	size_t n = len;
	if (n >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3)) {
		s += 3;
		n -= 3;
	}
	if (!utf8_valid(s, n)) {
		conv = utf8_from_cp1252(s, n, &n);
		if (!conv) {
			doc_free(d);
			return ex_fail(err, EX_NOMEM, name, 0, 0, "out of memory");
		}
		s = conv;
		doc_warn(d, 0, "not UTF-8: read as Windows-1252 (Latin-1) and converted");
	}
	if (!doc_add_page(d, DOC_PAGE_TEXT))
		goto nomem;
	size_t i = 0, letters = 0;
	while (i <= n) {
		if (i < n && s[i] == '\f') {
			if (!doc_add_page(d, DOC_PAGE_TEXT))
				goto nomem;
			i++;
			continue;
		}
		size_t j = i;
		while (j < n && s[j] != '\n' && s[j] != '\r' && s[j] != '\f')
			j++;
		if (i == n && (n == 0 || s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == '\f'))
			break; /* no empty line after the final newline */
		if (!doc_add_line(d, s + i, j - i))
			goto nomem;
		for (size_t k = i; k < j; k++)
			if (s[k] != ' ' && s[k] != '\t')
				letters++;
		if (j >= n)
			break;
		if (s[j] == '\r' && j + 1 < n && s[j + 1] == '\n')
			j++;
		i = s[j] == '\f' ? j : j + 1; /* a form feed starts the next page */
	}
	/* A final form feed does not start a page of its own. */
	if (d->npages > 1 && d->pages[d->npages - 1].nlines == 0)
		d->npages--;
	free(conv);
	if (!letters) {
		doc_free(d);
		return ex_fail(err, EX_INPUT, name, 0, 0, "no text in the file");
	}
	*out = d;
	return 0;
nomem:
	free(conv);
	doc_free(d);
	return ex_fail(err, EX_NOMEM, name, 0, 0, "out of memory");
}
