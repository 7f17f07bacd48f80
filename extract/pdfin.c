/* pdfin.c - see pdfin.h */
#include "pdfin.h"

#include <allheaders.h>
#include <math.h>
#include <mupdf/fitz.h>
#include <mupdf/pdf.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strbuf.h"
#include "utf8.h"

#define PDF_DEFAULT_MEMORY ((size_t)1 << 30)  /* 1 GiB of MuPDF allocations */
#define PDF_STORE          ((size_t)64 << 20) /* MuPDF's cache of decoded resources */

/* ---- a MuPDF context whose allocations are counted and capped --------------- */

struct cap {
	size_t used, max;
	int hit; /* an allocation was refused */
};

/* Each block carries its size in a header as wide as the strictest alignment. */
#define CAP_HDR 16

static void *cap_malloc(void *user, size_t size)
{
	struct cap *c = user;
	if (size > c->max - c->used || size > SIZE_MAX - CAP_HDR) {
		c->hit = 1;
		return NULL;
	}
	unsigned char *p = malloc(size + CAP_HDR);
	if (!p)
		return NULL;
	memcpy(p, &size, sizeof(size));
	c->used += size;
	return p + CAP_HDR;
}

static void cap_free(void *user, void *ptr)
{
	struct cap *c = user;
	if (!ptr)
		return;
	unsigned char *p = (unsigned char *)ptr - CAP_HDR;
	size_t size;
	memcpy(&size, p, sizeof(size));
	c->used -= size;
	free(p);
}

static void *cap_realloc(void *user, void *old, size_t size)
{
	struct cap *c = user;
	if (!old)
		return cap_malloc(user, size);
	if (size == 0) {
		cap_free(user, old);
		return NULL;
	}
	unsigned char *p = (unsigned char *)old - CAP_HDR;
	size_t was;
	memcpy(&was, p, sizeof(was));
	if (size > was && (size - was > c->max - c->used || size > SIZE_MAX - CAP_HDR)) {
		c->hit = 1;
		return NULL;
	}
	unsigned char *q = realloc(p, size + CAP_HDR);
	if (!q)
		return NULL;
	memcpy(q, &size, sizeof(size));
	c->used = c->used - was + size;
	return q + CAP_HDR;
}

struct pdfin {
	struct cap cap;
	fz_alloc_context alloc;
	fz_context *ctx;
	fz_document *doc;
	char *name;
	int pages;
	int repaired;
	char lastmsg[256]; /* MuPDF's last error or warning */
};

struct pdfin_page {
	struct pdfin *pdf;
	int number;
	fz_page *page;
	fz_display_list *list;
	fz_rect bounds;
	fz_image *scan; /* the page's single full-page image, when it is one */
	fz_matrix scan_ctm;
	struct pdfin_page_info info;
};

static void keep_msg(void *user, const char *message)
{
	struct pdfin *p = user;
	snprintf(p->lastmsg, sizeof(p->lastmsg), "%s", message);
}

/* MuPDF's message for an exception, or a fallback. */
static const char *caught(struct pdfin *p)
{
	const char *m = fz_caught_message(p->ctx);
	if (m && *m)
		return m;
	return p->lastmsg[0] ? p->lastmsg : "unknown error";
}

int pdfin_open(const char *name, const unsigned char *data, size_t len, size_t max_memory,
               struct pdfin **out, struct ex_error *err)
{
	*out = NULL;
	struct pdfin *p = calloc(1, sizeof(*p));
	if (!p || !(p->name = strdup(name ? name : ""))) {
		free(p);
		return ex_fail(err, EX_NOMEM, name, 0, 0, "out of memory");
	}
	p->cap.max = max_memory ? max_memory : PDF_DEFAULT_MEMORY;
	p->alloc = (fz_alloc_context){&p->cap, cap_malloc, cap_realloc, cap_free};
	p->ctx = fz_new_context(&p->alloc, NULL, PDF_STORE);
	if (!p->ctx) {
		free(p->name);
		free(p);
		return ex_fail(err, EX_NOMEM, name, 0, 0, "cannot start MuPDF: out of memory");
	}
	fz_set_error_callback(p->ctx, keep_msg, p);
	fz_set_warning_callback(p->ctx, keep_msg, p);
	int rc = 0;
	fz_stream *volatile stm = NULL;
	fz_try(p->ctx)
	{
		fz_register_document_handlers(p->ctx);
		stm = fz_open_memory(p->ctx, data, len);
		p->doc = fz_open_document_with_stream(p->ctx, "application/pdf", stm);
		if (fz_needs_password(p->ctx, p->doc)) {
			rc = ex_fail(err, EX_ENCRYPT, name, 0, 0,
			             "the PDF is encrypted and needs a password");
		} else {
			pdf_document *pd = pdf_document_from_fz_document(p->ctx, p->doc);
			p->pages = fz_count_pages(p->ctx, p->doc);
			p->repaired = pd ? pdf_was_repaired(p->ctx, pd) : 0;
		}
	}
	fz_always(p->ctx)
	{
		fz_drop_stream(p->ctx, stm);
	}
	fz_catch(p->ctx)
	{
		rc = ex_fail(err, p->cap.hit ? EX_LIMIT : EX_INPUT, name, 0, 0,
		             "not a readable PDF: %s", caught(p));
	}
	if (rc == 0 && p->pages <= 0)
		rc = ex_fail(err, EX_INPUT, name, 0, 0, "the PDF has no pages%s",
		             p->repaired ? " (it is damaged: truncated or corrupt)" : "");
	if (rc < 0) {
		pdfin_close(p);
		return rc;
	}
	*out = p;
	return 0;
}

void pdfin_close(struct pdfin *p)
{
	if (!p)
		return;
	if (p->ctx) {
		fz_drop_document(p->ctx, p->doc);
		fz_drop_context(p->ctx);
	}
	free(p->name);
	free(p);
}

int pdfin_count_pages(const struct pdfin *p)
{
	return p->pages;
}

int pdfin_repaired(const struct pdfin *p)
{
	return p->repaired;
}

/* ---- looking at a page: a device that only counts --------------------------- */

struct scan_dev {
	fz_device super;
	struct pdfin_page *pg;
	long long max_pixels;
	int too_big_w, too_big_h;
	float page_area;
	fz_image *only; /* kept */
	fz_matrix only_ctm;
};

static void count_text(struct scan_dev *d, const fz_text *text)
{
	for (const fz_text_span *s = text->head; s; s = s->next)
		for (int i = 0; i < s->len; i++) {
			int u = s->items[i].ucs;
			if (u == 0xFFFD || u <= 0)
				d->pg->info.unmapped++;
			else if (utf8_is_alpha((uint32_t)u) || utf8_is_digit((uint32_t)u))
				d->pg->info.chars++;
		}
}

static void dev_fill_text(fz_context *ctx, fz_device *dev, const fz_text *text, fz_matrix ctm,
                          fz_colorspace *cs, const float *color, float alpha, fz_color_params cp)
{
	(void)ctx, (void)ctm, (void)cs, (void)color, (void)alpha, (void)cp;
	struct scan_dev *d = (struct scan_dev *)dev;
	count_text(d, text);
	if (alpha > 0)
		d->pg->info.vector = 1;
}

static void dev_stroke_text(fz_context *ctx, fz_device *dev, const fz_text *text,
                            const fz_stroke_state *st, fz_matrix ctm, fz_colorspace *cs,
                            const float *color, float alpha, fz_color_params cp)
{
	(void)ctx, (void)st, (void)ctm, (void)cs, (void)color, (void)alpha, (void)cp;
	struct scan_dev *d = (struct scan_dev *)dev;
	count_text(d, text);
	if (alpha > 0)
		d->pg->info.vector = 1;
}

static void dev_clip_text(fz_context *ctx, fz_device *dev, const fz_text *text, fz_matrix ctm,
                          fz_rect scissor)
{
	(void)ctx, (void)ctm, (void)scissor;
	count_text((struct scan_dev *)dev, text);
}

static void dev_clip_stroke_text(fz_context *ctx, fz_device *dev, const fz_text *text,
                                 const fz_stroke_state *st, fz_matrix ctm, fz_rect scissor)
{
	(void)ctx, (void)st, (void)ctm, (void)scissor;
	count_text((struct scan_dev *)dev, text);
}

/* Invisible text (render mode 3): the usual text layer of a scanned page. */
static void dev_ignore_text(fz_context *ctx, fz_device *dev, const fz_text *text, fz_matrix ctm)
{
	(void)ctx, (void)ctm;
	count_text((struct scan_dev *)dev, text);
}

static void dev_fill_path(fz_context *ctx, fz_device *dev, const fz_path *path, int even_odd,
                          fz_matrix ctm, fz_colorspace *cs, const float *color, float alpha,
                          fz_color_params cp)
{
	(void)ctx, (void)path, (void)even_odd, (void)ctm, (void)cs, (void)color, (void)cp;
	if (alpha > 0)
		((struct scan_dev *)dev)->pg->info.vector = 1;
}

static void dev_stroke_path(fz_context *ctx, fz_device *dev, const fz_path *path,
                            const fz_stroke_state *st, fz_matrix ctm, fz_colorspace *cs,
                            const float *color, float alpha, fz_color_params cp)
{
	(void)ctx, (void)path, (void)st, (void)ctm, (void)cs, (void)color, (void)cp;
	if (alpha > 0)
		((struct scan_dev *)dev)->pg->info.vector = 1;
}

static void dev_fill_shade(fz_context *ctx, fz_device *dev, fz_shade *shd, fz_matrix ctm,
                           float alpha, fz_color_params cp)
{
	(void)ctx, (void)shd, (void)ctm, (void)cp;
	if (alpha > 0)
		((struct scan_dev *)dev)->pg->info.vector = 1;
}

/* Count an image and refuse one that would decode to too many pixels. */
static void see_image(fz_context *ctx, struct scan_dev *d, fz_image *img, fz_matrix ctm)
{
	struct pdfin_page_info *in = &d->pg->info;
	in->images++;
	if (d->max_pixels > 0 && (long long)img->w * img->h > d->max_pixels) {
		d->too_big_w = img->w;
		d->too_big_h = img->h;
		fz_throw(ctx, FZ_ERROR_GENERIC, "image too large");
	}
	fz_rect r = fz_intersect_rect(fz_transform_rect(fz_unit_rect, ctm), d->pg->bounds);
	float area = fz_is_empty_rect(r) ? 0 : (r.x1 - r.x0) * (r.y1 - r.y0);
	float cover = d->page_area > 0 ? area / d->page_area : 0;
	if (cover > in->image_cover)
		in->image_cover = cover;
}

static void dev_fill_image(fz_context *ctx, fz_device *dev, fz_image *img, fz_matrix ctm,
                           float alpha, fz_color_params cp)
{
	(void)cp;
	struct scan_dev *d = (struct scan_dev *)dev;
	see_image(ctx, d, img, ctm);
	if (alpha <= 0)
		return;
	if (d->pg->info.images == 1) {
		d->only = fz_keep_image(ctx, img);
		d->only_ctm = ctm;
	}
}

static void dev_fill_image_mask(fz_context *ctx, fz_device *dev, fz_image *img, fz_matrix ctm,
                                fz_colorspace *cs, const float *color, float alpha,
                                fz_color_params cp)
{
	(void)cs, (void)color, (void)cp;
	struct scan_dev *d = (struct scan_dev *)dev;
	see_image(ctx, d, img, ctm);
	if (alpha > 0)
		d->pg->info.vector = 1; /* a stencil: drawn in a colour, not a scan as it is */
}

static void dev_clip_image_mask(fz_context *ctx, fz_device *dev, fz_image *img, fz_matrix ctm,
                                fz_rect scissor)
{
	(void)scissor;
	struct scan_dev *d = (struct scan_dev *)dev;
	see_image(ctx, d, img, ctm);
	d->pg->info.images--; /* a clip, not a picture */
}

/* Is the page one upright image over the whole page, and at what dpi? */
static void judge_scan(struct scan_dev *d)
{
	struct pdfin_page *pg = d->pg;
	struct pdfin_page_info *in = &pg->info;
	if (!d->only || in->images != 1 || in->vector || in->image_cover < 0.9f)
		return;
	fz_image *img = d->only;
	fz_matrix m = d->only_ctm;
	if (fabsf(m.b) > 1e-3f * fabsf(m.a) || fabsf(m.c) > 1e-3f * fabsf(m.d) || m.a <= 0 ||
	    m.d <= 0 || img->mask || img->orientation > 1)
		return;
	float xdpi = img->w * 72.0f / m.a, ydpi = img->h * 72.0f / m.d;
	if (fabsf(xdpi - ydpi) > 0.02f * xdpi)
		return; /* pixels not square: render instead */
	in->scan = 1;
	in->scan_dpi = (int)lrintf(xdpi);
	pg->scan = fz_keep_image(pg->pdf->ctx, img);
	pg->scan_ctm = m;
}

int pdfin_page_load(struct pdfin *p, int page, long long max_pixels, struct pdfin_page **out,
                    struct pdfin_page_info *info, struct ex_error *err)
{
	*out = NULL;
	if (page < 1 || page > p->pages)
		return ex_fail(err, EX_USAGE, p->name, page, 0, "no page %d (the PDF has %d)", page,
		               p->pages);
	struct pdfin_page *pg = calloc(1, sizeof(*pg));
	if (!pg)
		return ex_fail(err, EX_NOMEM, p->name, page, 0, "out of memory");
	pg->pdf = p;
	pg->number = page;
	fz_context *ctx = p->ctx;
	struct scan_dev *volatile dev = NULL;
	int rc = 0;
	p->cap.hit = 0;
	fz_try(ctx)
	{
		pg->page = fz_load_page(ctx, p->doc, page - 1);
		pg->bounds = fz_bound_page(ctx, pg->page);
		pg->info.width = pg->bounds.x1 - pg->bounds.x0;
		pg->info.height = pg->bounds.y1 - pg->bounds.y0;
		pg->list = fz_new_display_list_from_page(ctx, pg->page);
		dev = fz_new_derived_device(ctx, struct scan_dev);
		dev->pg = pg;
		dev->max_pixels = max_pixels;
		dev->page_area = pg->info.width * pg->info.height;
		dev->super.fill_text = dev_fill_text;
		dev->super.stroke_text = dev_stroke_text;
		dev->super.clip_text = dev_clip_text;
		dev->super.clip_stroke_text = dev_clip_stroke_text;
		dev->super.ignore_text = dev_ignore_text;
		dev->super.fill_path = dev_fill_path;
		dev->super.stroke_path = dev_stroke_path;
		dev->super.fill_shade = dev_fill_shade;
		dev->super.fill_image = dev_fill_image;
		dev->super.fill_image_mask = dev_fill_image_mask;
		dev->super.clip_image_mask = dev_clip_image_mask;
		fz_run_display_list(ctx, pg->list, &dev->super, fz_identity, fz_infinite_rect,
		                    NULL);
		fz_close_device(ctx, &dev->super);
		judge_scan(dev);
	}
	fz_always(ctx)
	{
		if (dev) {
			fz_drop_image(ctx, dev->only);
			fz_drop_device(ctx, &dev->super);
		}
	}
	fz_catch(ctx)
	{
		if (dev && dev->too_big_w)
			rc = ex_fail(err, EX_LIMIT, p->name, page, 0,
			             "an image on the page is %dx%d pixels (%.3g megapixels), more "
			             "than the limit of %.3g megapixels (--max-pixels)",
			             dev->too_big_w, dev->too_big_h,
			             (double)dev->too_big_w * dev->too_big_h / 1e6,
			             (double)max_pixels / 1e6);
		else if (p->cap.hit)
			rc = ex_fail(err, EX_LIMIT, p->name, page, 0,
			             "the page needs more memory than allowed (%zu MiB): %s",
			             p->cap.max >> 20, caught(p));
		else
			rc = ex_fail(err, EX_INPUT, p->name, page, 0, "cannot read the page: %s",
			             caught(p));
	}
	if (rc < 0) {
		pdfin_page_free(pg);
		return rc;
	}
	if (info)
		*info = pg->info;
	*out = pg;
	return 0;
}

void pdfin_page_free(struct pdfin_page *pg)
{
	if (!pg)
		return;
	fz_context *ctx = pg->pdf->ctx;
	fz_drop_image(ctx, pg->scan);
	fz_drop_display_list(ctx, pg->list);
	fz_drop_page(ctx, pg->page);
	free(pg);
}

/* ---- the text layer --------------------------------------------------------- */

static void line_release(struct pdfin_line *l)
{
	for (size_t k = 0; k < l->nwords; k++)
		free(l->words[k].text);
	free(l->words);
}

void pdfin_text_release(struct pdfin_text *t)
{
	for (size_t i = 0; i < t->nlines; i++)
		line_release(&t->lines[i]);
	free(t->lines);
	t->lines = NULL;
	t->nlines = 0;
}

static int is_blank(int c)
{
	return c == ' ' || c == '\t' || c == 0xA0 || c == 0x3000 || (c >= 0x2000 && c <= 0x200B) ||
	       c == 0x202F || c == 0x205F || c == '\n' || c == '\r';
}

/* Append the word being built in w (box: its extent) to l; 0 or -1. */
static int end_word(struct pdfin_line *l, struct sb *w, fz_rect *box)
{
	if (w->oom)
		return -1;
	if (!w->len)
		return 0;
	struct pdfin_word *nw = realloc(l->words, (l->nwords + 1) * sizeof(*nw));
	if (!nw)
		return -1;
	l->words = nw;
	size_t len;
	char *s = sb_detach(w, &len);
	if (!s)
		return -1;
	nw[l->nwords++] = (struct pdfin_word){s, len, box->x0, box->y0, box->x1, box->y1};
	*box = fz_empty_rect;
	return 0;
}

/* One MuPDF line into words split at white space; 0 or -1 (out of memory,
 * l then holds what was collected and must be released). */
static int collect_line(const fz_stext_line *ln, struct pdfin_line *l, struct sb *w)
{
	fz_rect box = fz_empty_rect;
	for (const fz_stext_char *ch = ln->first_char; ch; ch = ch->next) {
		if (is_blank(ch->c)) {
			if (end_word(l, w, &box) < 0)
				return -1;
			continue;
		}
		char u[4];
		int n = utf8_encode((uint32_t)(ch->c > 0 ? ch->c : 0xFFFD), u);
		sb_add(w, u, (size_t)n);
		box = fz_union_rect(box, fz_rect_from_quad(ch->quad));
	}
	if (end_word(l, w, &box) < 0)
		return -1;
	fz_rect lb = fz_empty_rect;
	for (size_t i = 0; i < l->nwords; i++)
		lb = fz_union_rect(
		    lb, (fz_rect){l->words[i].x0, l->words[i].y0, l->words[i].x1, l->words[i].y1});
	l->x0 = lb.x0, l->y0 = lb.y0, l->x1 = lb.x1, l->y1 = lb.y1;
	return 0;
}

static int collect_text(const fz_stext_page *st, struct pdfin_text *t)
{
	struct sb w = SB_INIT;
	for (const fz_stext_block *b = st->first_block; b; b = b->next) {
		if (b->type != FZ_STEXT_BLOCK_TEXT)
			continue;
		int first = 1;
		for (const fz_stext_line *ln = b->u.t.first_line; ln; ln = ln->next) {
			struct pdfin_line l = {0};
			l.block_start = first;
			struct pdfin_line *nl = NULL;
			if (collect_line(ln, &l, &w) < 0 ||
			    (l.nwords &&
			     !(nl = realloc(t->lines, (t->nlines + 1) * sizeof(*nl))))) {
				line_release(&l);
				sb_release(&w);
				return -1;
			}
			if (!l.nwords)
				continue;
			first = 0;
			t->lines = nl;
			t->lines[t->nlines++] = l;
		}
	}
	sb_release(&w);
	return 0;
}

int pdfin_page_text(struct pdfin_page *pg, int dpi, struct pdfin_text *t, struct ex_error *err)
{
	struct pdfin *p = pg->pdf;
	fz_context *ctx = p->ctx;
	memset(t, 0, sizeof(*t));
	fz_matrix ctm = fz_scale(dpi / 72.0f, dpi / 72.0f);
	fz_stext_page *volatile st = NULL;
	fz_device *volatile dev = NULL;
	int rc = 0;
	fz_try(ctx)
	{
		fz_stext_options opts = {FZ_STEXT_MEDIABOX_CLIP, 1};
		st = fz_new_stext_page(ctx, fz_transform_rect(pg->bounds, ctm));
		dev = fz_new_stext_device(ctx, st, &opts);
		fz_run_display_list(ctx, pg->list, dev, ctm, fz_infinite_rect, NULL);
		fz_close_device(ctx, dev);
		if (collect_text(st, t) < 0)
			rc = ex_fail(err, EX_NOMEM, p->name, pg->number, 0, "out of memory");
	}
	fz_always(ctx)
	{
		fz_drop_device(ctx, dev);
		fz_drop_stext_page(ctx, st);
	}
	fz_catch(ctx)
	{
		rc = ex_fail(err, p->cap.hit ? EX_LIMIT : EX_INPUT, p->name, pg->number, 0,
		             "cannot extract the page's text: %s", caught(p));
	}
	if (rc < 0)
		pdfin_text_release(t);
	return rc;
}

/* ---- the page as an image --------------------------------------------------- */

/* A greyscale MuPDF pixmap of a bilevel image (samples 0 or 255) into a new
 * 1 bpp Pix (1 = black): an eighth of the memory, and nothing to threshold. */
static PIX *pix1_from_pixmap(const fz_pixmap *pm)
{
	PIX *pix = pixCreate(pm->w, pm->h, 1);
	if (!pix)
		return NULL;
	l_uint32 *data = pixGetData(pix);
	int wpl = pixGetWpl(pix);
	for (int y = 0; y < pm->h; y++) {
		const unsigned char *s = pm->samples + (size_t)y * pm->stride;
		l_uint32 *line = data + (size_t)y * wpl;
		for (int x = 0; x < pm->w; x++)
			if (s[x] < 128)
				SET_DATA_BIT(line, x);
	}
	return pix;
}

/* A greyscale MuPDF pixmap into a new 8 bpp Pix. */
static PIX *pix_from_pixmap(const fz_pixmap *pm)
{
	PIX *pix = pixCreate(pm->w, pm->h, 8);
	if (!pix)
		return NULL;
	l_uint32 *data = pixGetData(pix);
	int wpl = pixGetWpl(pix);
	for (int y = 0; y < pm->h; y++)
		memcpy(data + (size_t)y * wpl, pm->samples + (size_t)y * pm->stride, (size_t)pm->w);
	pixEndianByteSwap(pix); /* Leptonica keeps bytes in big-endian words */
	return pix;
}

int pdfin_page_image(struct pdfin_page *pg, int dpi, int min_dpi, int max_dpi, long long max_pixels,
                     struct Pix **out, int *out_dpi, int *direct, struct ex_error *err)
{
	struct pdfin *p = pg->pdf;
	fz_context *ctx = p->ctx;
	*out = NULL;
	*direct = 0;
	int use_scan = pg->scan && pg->info.scan_dpi >= min_dpi && pg->info.scan_dpi <= max_dpi;
	double w = use_scan ? pg->scan->w : ceil(pg->info.width * dpi / 72.0);
	double h = use_scan ? pg->scan->h : ceil(pg->info.height * dpi / 72.0);
	if (max_pixels > 0 && w * h > (double)max_pixels)
		return ex_fail(err, EX_LIMIT, p->name, pg->number, 0,
		               "the page is %.0fx%.0f mm: %.3g megapixels at %d dpi, more than "
		               "the limit of %.3g megapixels (--max-pixels)",
		               pg->info.width * 25.4 / 72, pg->info.height * 25.4 / 72, w * h / 1e6,
		               use_scan ? pg->info.scan_dpi : dpi, (double)max_pixels / 1e6);
	fz_pixmap *volatile pm = NULL, *volatile grey = NULL;
	const fz_matrix ctm = fz_scale(dpi / 72.0f, dpi / 72.0f);
	volatile int res = use_scan ? pg->info.scan_dpi : dpi;
	int rc = 0;
	p->cap.hit = 0;
	fz_try(ctx)
	{
		if (use_scan) {
			pm = fz_get_pixmap_from_image(ctx, pg->scan, NULL, NULL, NULL, NULL);
			if (pm->n - pm->alpha != 1 || pm->alpha)
				grey = fz_convert_pixmap(ctx, pm, fz_device_gray(ctx), NULL, NULL,
				                         fz_default_color_params, 0);
		} else {
			pm = fz_new_pixmap_from_display_list(ctx, pg->list, ctm,
			                                     fz_device_gray(ctx), 0);
		}
	}
	fz_catch(ctx)
	{
		rc = ex_fail(err, p->cap.hit ? EX_LIMIT : EX_INPUT, p->name, pg->number, 0,
		             "cannot %s the page: %s", use_scan ? "decode the image of" : "render",
		             caught(p));
	}
	if (rc == 0) {
		int bilevel = use_scan && pg->scan->bpc == 1 && !grey;
		*out = bilevel ? pix1_from_pixmap(pm) : pix_from_pixmap(grey ? grey : pm);
		if (!*out)
			rc = ex_fail(err, EX_NOMEM, p->name, pg->number, 0, "out of memory");
	}
	fz_drop_pixmap(ctx, grey);
	fz_drop_pixmap(ctx, pm);
	if (rc < 0)
		return rc;
	pixSetResolution(*out, res, res);
	*out_dpi = res;
	*direct = use_scan;
	return 0;
}
