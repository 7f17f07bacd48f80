/* ocr.c - see ocr.h */
#include "ocr.h"

#include <allheaders.h>
#include <ctype.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <tesseract/capi.h>
#include <time.h>
#include <unistd.h>

#include "image.h"
#include "pdfin.h"
#include "quiet.h"
#include "strbuf.h"
#include "utf8.h"

/* A page image of a higher resolution is scaled down to the default (300
 * dpi) before recognition: Tesseract reads as well at 300, in a quarter of
 * the time of 600.  Lower resolutions are left as they are (with the true
 * resolution given to Tesseract): scaling a 150 dpi scan up was seen to
 * make things worse (a ring of å taken for a line of its own). */
#define OCR_MAX_DPI 400
/* An embedded scan finer than this is not decoded at its full size: the
 * page is rendered at the default resolution instead (MuPDF subsamples as it
 * decodes).  A coarser one is taken as it is, like an image file. */
#define SCAN_MAX_DPI 600
/* Resolutions a file may claim; outside them it has none worth believing. */
#define PLAUSIBLE_MIN_DPI 50
#define PLAUSIBLE_MAX_DPI 4800
/* Nor is one that makes the page larger than A2 (420 x 594 mm). */
#define PLAUSIBLE_MAX_INCHES_SHORT 17
#define PLAUSIBLE_MAX_INCHES_LONG  24
/* Deskew: Leptonica's threshold (skew.c) for a trustworthy angle, and the
 * smallest angle worth turning the page for.  Tesseract follows skewed lines
 * well up to about a degree (light corpus scans at 0.4-1 degrees read as
 * well unturned, and 10% faster: turning a bilevel page roughens its
 * glyphs); beyond, turning the page first cut the heavy scans' CER from
 * 3.5-5% to 2.4-3%. */
/* White kept around the ink when blank margins are cut off (pixels). */
#define CROP_BORDER 40
/* Marks smaller than this both ways are specks (pixels; a full stop in 10
 * point type at 300 dpi is about 5). */
#define CROP_SPECK 4
/* Despeckling bilevel pages: marks up to this many thousandths of an inch
 * both ways are grain (3 pixels at 300 dpi; a full stop in 8 point type is
 * about 4, in 10 point 5). */
#define SPECK_PER_INCH_1000 10
/* On a despeckled page, words read below this confidence are read again
 * from the page as scanned, and that reading wins when its confidence is
 * higher by REREAD_MARGIN. */
#define REREAD_BELOW   50
#define REREAD_MARGIN  10
#define SKEW_MIN_CONF  3.0f
#define SKEW_MIN_ANGLE 1.0f
/* A page whose background varies more than this (grey levels between the
 * lightest and darkest tile backgrounds), or whose background is darker
 * than BG_DARK, is background-normalised and binarised before Tesseract. */
#define BG_UNEVEN 60
#define BG_DARK   150
/* Orientation: the osd confidence needed to turn a page (OCRmyPDF's default
 * --rotate-pages-threshold). */
#define ROTATE_MIN_CONF 14.0f
/* Text layers: a page with fewer letters than this over a large image is a
 * scan with a stray text object (a stamp, a page number), not a text page. */
#define LAYER_MIN_CHARS 20

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- what a file is ---------------------------------------------------------- */

const char *ocr_type_name(enum ocr_type type)
{
	static const char *const names[] = {
	    [OCR_TYPE_UNKNOWN] = "unknown", [OCR_TYPE_TEXT] = "text", [OCR_TYPE_PDF] = "pdf",
	    [OCR_TYPE_TIFF] = "tiff",       [OCR_TYPE_PNG] = "png",   [OCR_TYPE_JPEG] = "jpeg",
	    [OCR_TYPE_PNM] = "pnm",         [OCR_TYPE_BMP] = "bmp",   [OCR_TYPE_GIF] = "gif",
	    [OCR_TYPE_WEBP] = "webp",       [OCR_TYPE_JP2] = "jp2",
	};
	if ((unsigned)type < sizeof(names) / sizeof(names[0]) && names[type])
		return names[type];
	return "unknown";
}

/* "P1".."P7", white space, then a number: a PNM header, not a line of text. */
static int is_pnm(const unsigned char *b, size_t len)
{
	if (len < 4 || b[0] != 'P' || b[1] < '1' || b[1] > '7' || !isspace(b[2]))
		return 0;
	size_t i = 2;
	while (i < len && (isspace(b[i]) || b[i] == '#')) {
		if (b[i] == '#')
			while (i < len && b[i] != '\n')
				i++;
		else
			i++;
	}
	if (b[1] == '7') /* PAM: "WIDTH 640" */
		return i + 5 < len && !memcmp(b + i, "WIDTH", 5);
	return i < len && isdigit(b[i]);
}

static int is_bmp(const unsigned char *b, size_t len)
{
	if (len < 26 || b[0] != 'B' || b[1] != 'M' || b[6] || b[7] || b[8] || b[9])
		return 0;
	unsigned hdr = b[14] | b[15] << 8 | (unsigned)b[16] << 16 | (unsigned)b[17] << 24;
	return hdr == 12 || hdr == 40 || hdr == 52 || hdr == 56 || hdr == 64 || hdr == 108 ||
	       hdr == 124;
}

/* NUL bytes or many control characters: binary, not text. */
static int is_binary(const unsigned char *b, size_t len)
{
	size_t ctl = 0;
	for (size_t i = 0; i < len; i++) {
		if (b[i] == 0)
			return 1;
		if (b[i] < 0x20 && b[i] != '\n' && b[i] != '\r' && b[i] != '\t' && b[i] != '\f')
			ctl++;
	}
	return ctl * 100 > len;
}

enum ocr_type ocr_detect(const void *buf, size_t len)
{
	const unsigned char *b = buf;
	if (len > 1024)
		len = 1024;
	if (len == 0)
		return OCR_TYPE_UNKNOWN;
	if (len >= 8 && !memcmp(b, "\x89PNG\r\n\x1a\n", 8))
		return OCR_TYPE_PNG;
	if (len >= 3 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF)
		return OCR_TYPE_JPEG;
	if (len >= 4 && ((b[0] == 'I' && b[1] == 'I' && (b[2] == 42 || b[2] == 43) && !b[3]) ||
	                 (b[0] == 'M' && b[1] == 'M' && !b[2] && (b[3] == 42 || b[3] == 43))))
		return OCR_TYPE_TIFF;
	if (len >= 6 && (!memcmp(b, "GIF87a", 6) || !memcmp(b, "GIF89a", 6)))
		return OCR_TYPE_GIF;
	if (len >= 12 && !memcmp(b, "RIFF", 4) && !memcmp(b + 8, "WEBP", 4))
		return OCR_TYPE_WEBP;
	if ((len >= 12 && !memcmp(b, "\0\0\0\x0cjP  \r\n\x87\n", 12)) ||
	    (len >= 4 && !memcmp(b, "\xff\x4f\xff\x51", 4)))
		return OCR_TYPE_JP2;
	if (is_bmp(b, len))
		return OCR_TYPE_BMP;
	if (is_pnm(b, len))
		return OCR_TYPE_PNM;
	/* A PDF may have up to 1024 bytes of anything before its header (as
	 * Acrobat allows): "%PDF-" and a version digit. */
	for (size_t i = 0; i + 6 <= len; i++)
		if (b[i] == '%' && !memcmp(b + i, "%PDF-", 5) && isdigit(b[i + 5]))
			return OCR_TYPE_PDF;
	return is_binary(b, len) ? OCR_TYPE_UNKNOWN : OCR_TYPE_TEXT;
}

int ocr_detect_file(const char *path, enum ocr_type *type, struct ex_error *err)
{
	*type = OCR_TYPE_UNKNOWN;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return ex_fail(err, EX_IO, path, 0, 0, "cannot read: %s", strerror(errno));
	unsigned char buf[1024];
	size_t n = 0;
	while (n < sizeof(buf)) {
		ssize_t r = read(fd, buf + n, sizeof(buf) - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			close(fd);
			return ex_fail(err, EX_IO, path, 0, 0, "cannot read: %s", strerror(e));
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	*type = ocr_detect(buf, n);
	return 0;
}

/* ---- the stage --------------------------------------------------------------- */

struct ocr {
	struct ocr_options opt;
	char *lang;
	char *tessdata;
	TessBaseAPI *api;         /* created on the first page that needs OCR */
	TessBaseAPI *osd;         /* orientation detection, with --rotate */
	struct ex_error load_err; /* why the engine could not be loaded */
	int load_failed;
};

struct ocr_input {
	char *path;
	char *name;
	enum ocr_type type;
	unsigned char *data; /* the file, mapped read-only */
	size_t len;
	struct pdfin *pdf;
	int pages;
	char sha256[65];
};

/* Language lists are names joined by '+': "swe", "swe+eng", "script/Latin". */
static int lang_ok(const char *s)
{
	if (!*s)
		return 0;
	for (const char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '+' && *p != '-' && *p != '/')
			return 0;
	return s[0] != '+' && s[strlen(s) - 1] != '+' && !strstr(s, "++") && !strstr(s, "..");
}

int ocr_new(const struct ocr_options *opt, struct ocr **out, struct ex_error *err)
{
	*out = NULL;
	const char *lang = opt->lang && *opt->lang ? opt->lang : OCR_DEFAULT_LANG;
	if (!lang_ok(lang))
		return ex_fail(err, EX_USAGE, NULL, 0, 0,
		               "'%s' is not a Tesseract language list (e.g. swe or swe+eng)", lang);
	struct ocr *o = calloc(1, sizeof(*o));
	if (!o)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	o->opt = *opt;
	o->lang = strdup(lang);
	o->tessdata = opt->tessdata && *opt->tessdata ? strdup(opt->tessdata) : NULL;
	if (!o->lang || (opt->tessdata && *opt->tessdata && !o->tessdata)) {
		ocr_free(o);
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	o->opt.lang = o->lang;
	o->opt.tessdata = o->tessdata;
	if (!o->opt.page_timeout_ms)
		o->opt.page_timeout_ms = OCR_DEFAULT_TIMEOUT_MS;
	if (o->opt.max_pixels <= 0)
		o->opt.max_pixels = OCR_DEFAULT_MAX_PIXELS;
	if (o->opt.dpi <= 0)
		o->opt.dpi = OCR_DEFAULT_DPI;
	setMsgSeverity(L_SEVERITY_NONE); /* Leptonica: tjx reports errors itself */
	*out = o;
	return 0;
}

void ocr_free(struct ocr *o)
{
	if (!o)
		return;
	if (o->api) {
		TessBaseAPIEnd(o->api);
		TessBaseAPIDelete(o->api);
	}
	if (o->osd) {
		TessBaseAPIEnd(o->osd);
		TessBaseAPIDelete(o->osd);
	}
	free(o->lang);
	free(o->tessdata);
	free(o);
}

/* Tesseract writes its reasons for failing to initialise on stderr, before
 * any variable could send them elsewhere: they are kept and turned into the
 * error message. */
static TessBaseAPI *tess_create(const char *datapath, const char *lang, TessOcrEngineMode oem,
                                char *why, size_t whysize)
{
	TessBaseAPI *api = TessBaseAPICreate();
	if (!api) {
		snprintf(why, whysize, "out of memory");
		return NULL;
	}
	char *vars[] = {"debug_file"};
	char *vals[] = {"/dev/null"};
	struct quiet q;
	quiet_begin(&q);
	int rc = TessBaseAPIInit4(api, datapath, lang, oem, NULL, 0, vars, vals, 1, 0);
	quiet_end(&q, why, whysize);
	if (rc != 0) {
		if (!why[0])
			snprintf(why, whysize, "Tesseract could not initialise");
		TessBaseAPIDelete(api);
		return NULL;
	}
	return api;
}

/* Tesseract parallelises its network with OpenMP (up to 4 threads a page).
 * tjx runs one engine per worker process, where those threads only compete
 * for the same cores, and spin while they wait: so, as OMP_THREAD_LIMIT=1
 * would, every OpenMP region runs on the calling thread alone, unless the
 * caller set OMP_THREAD_LIMIT or OMP_NUM_THREADS.  (The environment is read
 * by the OpenMP runtime when it loads, before main(): setting it here would
 * be too late, hence the runtime call, found without linking libgomp.) */
static void limit_openmp(void)
{
	if (getenv("OMP_THREAD_LIMIT") || getenv("OMP_NUM_THREADS"))
		return;
	void (*set_levels)(int) = (void (*)(int))dlsym(RTLD_DEFAULT, "omp_set_max_active_levels");
	if (set_levels)
		set_levels(0);
}

const char *ocr_engine_version(void)
{
	return TessVersion();
}

int ocr_engine_load(struct ocr *o, struct ex_error *err)
{
	if (o->api)
		return 0;
	if (o->load_failed) {
		if (err)
			*err = o->load_err;
		return -(int)o->load_err.code;
	}
	char why[600];
	limit_openmp();
	o->api = tess_create(o->tessdata, o->lang, OEM_DEFAULT, why, sizeof(why));
	if (!o->api) {
		char first[64];
		snprintf(first, sizeof(first), "%.*s", (int)strcspn(o->lang, "+"), o->lang);
		o->load_failed = 1;
		ex_fail(&o->load_err, EX_DEP, o->tessdata, 0, 0,
		        "cannot load the Tesseract language '%s': %s (install its traineddata, "
		        "e.g. tesseract-ocr-%s, or give --tessdata)",
		        o->lang, why, first);
		if (err)
			*err = o->load_err;
		return -(int)EX_DEP;
	}
	TessBaseAPISetPageSegMode(o->api, PSM_AUTO);
	return 0;
}

/* ---- opening ----------------------------------------------------------------- */

void ocr_close(struct ocr_input *in)
{
	if (!in)
		return;
	pdfin_close(in->pdf);
	if (in->data)
		munmap(in->data, in->len);
	free(in->path);
	free(in->name);
	free(in);
}

int ocr_open(struct ocr *o, const char *path, const char *name, struct ocr_input **out,
             struct ex_error *err)
{
	*out = NULL;
	if (!name)
		name = path;
	struct ocr_input *in = calloc(1, sizeof(*in));
	if (!in || !(in->path = strdup(path)) || !(in->name = strdup(name))) {
		ocr_close(in);
		return ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	}
	int rc = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		rc = ex_fail(err, EX_IO, path, 0, 0, "cannot read: %s", strerror(errno));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = ex_fail(err, EX_INPUT, path, 0, 0, "not a regular file");
		goto out;
	}
	if (st.st_size == 0) {
		rc = ex_fail(err, EX_INPUT, path, 0, 0, "empty file");
		goto out;
	}
	in->len = (size_t)st.st_size;
	in->data = mmap(NULL, in->len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (in->data == MAP_FAILED) {
		in->data = NULL;
		rc = ex_fail(err, errno == ENOMEM ? EX_NOMEM : EX_IO, path, 0, 0, "cannot read: %s",
		             strerror(errno));
		goto out;
	}
	in->type = ocr_detect(in->data, in->len);
	doc_sha256_hex(in->data, in->len, in->sha256);
	switch (in->type) {
	case OCR_TYPE_UNKNOWN:
	case OCR_TYPE_TEXT:
		rc = ex_fail(err, EX_INPUT, path, 0, 0, "not a PDF or an image tjx can read");
		goto out;
	case OCR_TYPE_PDF:
		if ((rc = pdfin_open(path, in->data, in->len, 0, &in->pdf, err)) < 0)
			goto out;
		in->pages = pdfin_count_pages(in->pdf);
		break;
	default:
		if ((rc = img_count_pages(path, in->data, in->len, &in->pages, err)) < 0)
			goto out;
	}
	if (o->opt.max_pages > 0 && in->pages > o->opt.max_pages)
		rc = ex_fail(err, EX_LIMIT, path, 0, 0,
		             "%d pages, more than the limit of %d (--max-pages)", in->pages,
		             o->opt.max_pages);
out:
	if (fd >= 0)
		close(fd);
	if (rc < 0) {
		ocr_close(in);
		return rc;
	}
	*out = in;
	return 0;
}

int ocr_input_pages(const struct ocr_input *in)
{
	return in->pages;
}

enum ocr_type ocr_input_type(const struct ocr_input *in)
{
	return in->type;
}

const char *ocr_input_sha256(const struct ocr_input *in)
{
	return in->sha256;
}

/* ---- lines of words, collected before they go into the doc ------------------ */

struct pw {
	size_t off, len; /* in the line's text */
	int x0, y0, x1, y1;
	float conf;
};

struct pline {
	struct sb text; /* words joined by single spaces, each NFC and clean */
	struct pw *words;
	size_t nwords;
	int x0, y0, x1, y1;
	int para; /* the first line of a paragraph */
};

struct ppage {
	struct pline *lines;
	size_t nlines;
};

static void ppage_release(struct ppage *pp)
{
	for (size_t i = 0; i < pp->nlines; i++) {
		sb_release(&pp->lines[i].text);
		free(pp->lines[i].words);
	}
	free(pp->lines);
	pp->lines = NULL;
	pp->nlines = 0;
}

static struct pline *ppage_line(struct ppage *pp, int para, int x0, int y0, int x1, int y1)
{
	struct pline *l = realloc(pp->lines, (pp->nlines + 1) * sizeof(*l));
	if (!l)
		return NULL;
	pp->lines = l;
	l = &l[pp->nlines++];
	memset(l, 0, sizeof(*l));
	sb_init(&l->text);
	l->x0 = x0, l->y0 = y0, l->x1 = x1, l->y1 = y1;
	l->para = para;
	return l;
}

/* Add a word: control characters and U+FEFF are dropped and the rest put in
 * NFC, as doc_add_line() would, so that offsets index the stored text. */
static int pline_word(struct pline *l, const char *s, size_t n, int x0, int y0, int x1, int y1,
                      float conf)
{
	struct sb clean = SB_INIT;
	size_t i = 0;
	while (i < n) {
		size_t at = i;
		uint32_t cp = utf8_next(s, n, &i);
		if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp < 0xA0) || cp == 0xFEFF ||
		    cp == 0xFFFE || cp == 0xFFFF || utf8_is_space(cp))
			continue;
		sb_add(&clean, s + at, i - at);
	}
	if (clean.oom) {
		sb_release(&clean);
		return -1;
	}
	if (!clean.len)
		return 0;
	size_t nlen;
	char *nfc = utf8_nfc(clean.buf, clean.len, &nlen);
	sb_release(&clean);
	if (!nfc)
		return -1;
	struct pw *w = realloc(l->words, (l->nwords + 1) * sizeof(*w));
	if (!w) {
		free(nfc);
		return -1;
	}
	l->words = w;
	if (l->text.len)
		sb_addc(&l->text, ' ');
	w[l->nwords++] = (struct pw){l->text.len, nlen, x0, y0, x1, y1, conf};
	sb_add(&l->text, nfc, nlen);
	free(nfc);
	return l->text.oom ? -1 : 0;
}

/* Append pp's lines to d's last page.  Paragraphs are separated by an empty
 * line, as in the text the tesseract command writes (and as readers of
 * plain text expect); an empty line has no words and no box. */
static int ppage_commit(struct ppage *pp, struct doc *d, int ocr)
{
	int lines = 0, para = 0;
	for (size_t i = 0; i < pp->nlines; i++) {
		struct pline *pl = &pp->lines[i];
		para |= pl->para;
		if (!pl->nwords)
			continue;
		if (para && lines && !doc_add_line(d, "", 0))
			return -1;
		para = 0;
		lines++;
		struct doc_line *l = doc_add_line(d, pl->text.buf, pl->text.len);
		if (!l)
			return -1;
		int same =
		    l->orig_len == pl->text.len && !memcmp(l->orig, pl->text.buf, l->orig_len);
		size_t from = 0;
		double sum = 0;
		for (size_t k = 0; k < pl->nwords; k++) {
			struct pw *w = &pl->words[k];
			size_t off = w->off;
			if (!same) {
				/* the doc changed the text after all: find each word in it */
				const char *at = memmem(l->orig + from, l->orig_len - from,
				                        pl->text.buf + w->off, w->len);
				if (!at)
					continue;
				off = (size_t)(at - l->orig);
			}
			from = off + w->len;
			if (doc_line_add_word(l, off, w->len, w->x0, w->y0, w->x1, w->y1,
			                      ocr ? w->conf : -1) < 0)
				return -1;
			sum += w->conf;
		}
		l->x0 = pl->x0, l->y0 = pl->y0, l->x1 = pl->x1, l->y1 = pl->y1;
		l->conf = ocr && l->nwords ? (float)(sum / (double)l->nwords) : -1;
	}
	return 0;
}

/* ---- preprocessing ----------------------------------------------------------- */

struct prep {
	int dpi;     /* resolution of the image handed to Tesseract */
	int assumed; /* 1: the file had no resolution, 2: not a believable one (claimed);
			    the default was assumed */
	int claimed;
	float skew;        /* degrees turned to deskew */
	int rotation;      /* degrees turned clockwise (osd) */
	int width, height; /* the page as prepared */
	int x, y;          /* where the part given to Tesseract starts in it */
	PIX *raw;          /* the page before despeckling, cut as the page is (NULL when it was
	             not despeckled); owned by prepare()'s caller */
};

/* Take ownership of *pix's replacement: destroy the old one. */
static int swap_pix(PIX **pix, PIX *next)
{
	if (!next)
		return -1;
	pixDestroy(pix);
	*pix = next;
	return 0;
}

/* Lightest-background spread over a coarse grid of tiles: the background of
 * a tile is its 90th-percentile grey.  Returns the darkest and lightest
 * tile backgrounds. */
static void background_range(PIX *grey, int *darkest, int *lightest)
{
	*darkest = 255;
	*lightest = 0;
	PIX *small = pixScaleByIntSampling(grey, 4);
	if (!small)
		return;
	l_int32 w, h;
	pixGetDimensions(small, &w, &h, NULL);
	const int tiles = 8;
	l_uint32 *data = pixGetData(small);
	int wpl = pixGetWpl(small);
	for (int ty = 0; ty < tiles; ty++)
		for (int tx = 0; tx < tiles; tx++) {
			int x0 = w * tx / tiles, x1 = w * (tx + 1) / tiles;
			int y0 = h * ty / tiles, y1 = h * (ty + 1) / tiles;
			unsigned hist[256] = {0}, n = 0;
			for (int y = y0; y < y1; y++) {
				l_uint32 *row = data + (size_t)y * wpl;
				for (int x = x0; x < x1; x++, n++)
					hist[GET_DATA_BYTE(row, x)]++;
			}
			if (!n)
				continue;
			unsigned acc = 0;
			int v = 0;
			while (v < 255 && (acc += hist[v]) < n * 9 / 10)
				v++;
			if (v < *darkest)
				*darkest = v;
			if (v > *lightest)
				*lightest = v;
		}
	pixDestroy(&small);
}

static int detect_rotation(struct ocr *o, PIX *pix, int dpi, int *quads, struct ex_error *err);

/* Blank margins cost Tesseract time (thresholding, connected components and
 * line finding go over every pixel) and hold nothing: the page is cut to the
 * box around all its ink, plus a white border Tesseract likes.  Boxes found
 * in the cut page are moved back by (pr->x, pr->y). */
static void crop_margins(PIX **pix, struct prep *pr)
{
	PIX *bin = pixGetDepth(*pix) == 1 ? pixClone(*pix) : pixConvertTo1(*pix, 160);
	/* specks (scanner grain, dust) are not ink worth keeping margins for;
	 * the smallest mark of print (a full stop) is larger */
	PIX *marks = bin ? pixSelectBySize(bin, CROP_SPECK, CROP_SPECK, 8, L_SELECT_IF_EITHER,
	                                   L_SELECT_IF_GTE, NULL)
	                 : NULL;
	pixDestroy(&bin);
	BOX *ink = NULL;
	if (!marks || pixClipToForeground(marks, NULL, &ink) || !ink) {
		pixDestroy(&marks);
		return; /* no ink at all: nothing to gain */
	}
	pixDestroy(&marks);
	l_int32 x, y, w, h;
	boxGetGeometry(ink, &x, &y, &w, &h);
	boxDestroy(&ink);
	int x0 = x - CROP_BORDER < 0 ? 0 : x - CROP_BORDER;
	int y0 = y - CROP_BORDER < 0 ? 0 : y - CROP_BORDER;
	int x1 = x + w + CROP_BORDER > pr->width ? pr->width : x + w + CROP_BORDER;
	int y1 = y + h + CROP_BORDER > pr->height ? pr->height : y + h + CROP_BORDER;
	if ((double)(x1 - x0) * (y1 - y0) > 0.9 * (double)pr->width * pr->height)
		return; /* margins too thin to bother */
	BOX *keep = boxCreate(x0, y0, x1 - x0, y1 - y0);
	PIX *cut = keep ? pixClipRectangle(*pix, keep, NULL) : NULL;
	PIX *rawcut = keep && pr->raw ? pixClipRectangle(pr->raw, keep, NULL) : NULL;
	boxDestroy(&keep);
	if (pr->raw && !rawcut)
		pixDestroy(&cut); /* both cut, or neither: their words must line up */
	if (swap_pix(pix, cut) == 0) {
		pr->x = x0;
		pr->y = y0;
		if (rawcut)
			swap_pix(&pr->raw, rawcut);
	}
}

/* Turn the page image into what Tesseract reads best.  Takes ownership of
 * *pix and leaves the result there. */
/* A bilevel page (scanned so, or binarised above) loses its specks: marks
 * no larger than SPECK_PER_INCH_1000 thousandths of an inch both ways.  Grain that size next
 * to a word is what Tesseract reads as a stray point, quote or colon
 * ("I'samarbete", "med."); the smallest mark of print, a full stop in 8
 * point type, is larger (unpaper, OCRmyPDF's --clean, deletes clusters of up
 * to 4 pixels by default).  Grey pages are left to Tesseract's own
 * binarisation.  On the heavy corpus scans this took CER from 2.4-2.9% to
 * 0.1-0.9%. */
static void despeckle(PIX **pix, int dpi, PIX **raw)
{
	if (pixGetDepth(*pix) != 1)
		return;
	int keep = (dpi * SPECK_PER_INCH_1000 + 999) / 1000 + 1; /* smallest kept size */
	PIX *clean =
	    pixSelectBySize(*pix, keep, keep, 8, L_SELECT_IF_EITHER, L_SELECT_IF_GTE, NULL);
	if (!clean)
		return; /* out of memory: read the page as it is */
	*raw = *pix;
	*pix = clean;
}

static int prepare(struct ocr *o, PIX **pix, int file_dpi, struct prep *pr, struct ex_error *err)
{
	memset(pr, 0, sizeof(*pr));
	pr->dpi = file_dpi;
	l_int32 w = pixGetWidth(*pix), h = pixGetHeight(*pix);
	if (file_dpi < PLAUSIBLE_MIN_DPI || file_dpi > PLAUSIBLE_MAX_DPI) {
		pr->dpi = o->opt.dpi;
		pr->assumed = 1;
	} else if ((w < h ? w : h) > PLAUSIBLE_MAX_INCHES_SHORT * file_dpi ||
	           (w < h ? h : w) > PLAUSIBLE_MAX_INCHES_LONG * file_dpi) {
		/* "72 dpi" written by a tool that knew no better: a page that
		 * size would be a poster */
		pr->dpi = o->opt.dpi;
		pr->assumed = 2;
		pr->claimed = file_dpi;
	}
	if (pixGetColormap(*pix) &&
	    swap_pix(pix, pixRemoveColormap(*pix, REMOVE_CMAP_TO_GRAYSCALE)) < 0)
		goto nomem;
	if (pixGetSpp(*pix) == 4 && swap_pix(pix, pixAlphaBlendUniform(*pix, 0xffffff00)) < 0)
		goto nomem;
	int depth = pixGetDepth(*pix);
	if (depth != 1 && depth != 8 && swap_pix(pix, pixConvertTo8(*pix, 0)) < 0)
		goto nomem;
	/* resolution: scale very fine scans down to the default */
	if (!pr->assumed && pr->dpi > OCR_MAX_DPI) {
		float scale = (float)o->opt.dpi / (float)pr->dpi;
		PIX *next = pixGetDepth(*pix) == 1 ? pixScaleToGray(*pix, scale) /* smooth grey */
		                                   : pixScale(*pix, scale, scale);
		if (swap_pix(pix, next) < 0)
			goto nomem;
		pr->dpi = o->opt.dpi;
	}
	pixSetResolution(*pix, pr->dpi, pr->dpi);
	if (o->opt.rotate) {
		int quads = 0;
		if (detect_rotation(o, *pix, pr->dpi, &quads, err) < 0)
			return -1;
		if (quads && swap_pix(pix, pixRotateOrth(*pix, quads)) < 0)
			goto nomem;
		pr->rotation = 90 * quads;
	}
	/* deskew, measured on a binary copy */
	PIX *bin = pixGetDepth(*pix) == 1 ? pixClone(*pix) : pixConvertTo1(*pix, 160);
	l_float32 angle = 0, conf = 0;
	if (bin && pixFindSkew(bin, &angle, &conf) == 0 && conf >= SKEW_MIN_CONF &&
	    fabsf(angle) >= SKEW_MIN_ANGLE) {
		int type = pixGetDepth(*pix) == 1 ? L_ROTATE_SAMPLING : L_ROTATE_AREA_MAP;
		PIX *rot = pixRotate(*pix, (l_float32)(angle * M_PI / 180.0), type,
		                     L_BRING_IN_WHITE, 0, 0);
		if (rot) {
			swap_pix(pix, rot);
			pr->skew = angle;
		}
	}
	pixDestroy(&bin);
	/* uneven or dark background: normalise it and binarise here, where
	 * Tesseract's single global threshold would lose text */
	if (pixGetDepth(*pix) == 8) {
		int darkest, lightest;
		background_range(*pix, &darkest, &lightest);
		if (lightest - darkest > BG_UNEVEN || darkest < BG_DARK) {
			l_int32 thresh;
			PIX *b = pixOtsuThreshOnBackgroundNorm(*pix, NULL, 10, 15, 100, 50, 255, 2,
			                                       2, 0.1f, &thresh);
			if (b)
				swap_pix(pix, b);
		}
	}
	pixSetResolution(*pix, pr->dpi, pr->dpi);
	despeckle(pix, pr->dpi, &pr->raw);
	pr->width = pixGetWidth(*pix);
	pr->height = pixGetHeight(*pix);
	crop_margins(pix, pr);
	return 0;
nomem:
	return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory preparing the page image");
}

static int detect_rotation(struct ocr *o, PIX *pix, int dpi, int *quads, struct ex_error *err)
{
	*quads = 0;
	if (!o->osd) {
		char why[600];
		o->osd = tess_create(o->tessdata, "osd", OEM_TESSERACT_ONLY, why, sizeof(why));
		if (!o->osd)
			return ex_fail(err, EX_DEP, o->tessdata, 0, 0,
			               "--rotate needs Tesseract's osd data: %s (install "
			               "tesseract-ocr-osd)",
			               why);
		TessBaseAPISetPageSegMode(o->osd, PSM_OSD_ONLY);
	}
	TessBaseAPISetImage2(o->osd, pix);
	TessBaseAPISetSourceResolution(o->osd, dpi);
	int deg = 0;
	float conf = 0, sconf = 0;
	const char *script = NULL;
	if (TessBaseAPIDetectOrientationScript(o->osd, &deg, &conf, &script, &sconf) &&
	    conf >= ROTATE_MIN_CONF) {
		/* deg: how far the page is turned anticlockwise; turn it back */
		*quads = ((360 - deg) % 360) / 90;
	}
	/* script points into the osd model's tables: not ours to free (whatever
	 * capi.h says, Tesseract 5 hands out a borrowed pointer) */
	TessBaseAPIClear(o->osd);
	return 0;
}

/* ---- recognition -------------------------------------------------------------- */

struct deadline {
	double at;
	int passed;
};

static bool past_deadline(void *p, int words)
{
	(void)words;
	struct deadline *d = p;
	if (d->at > 0 && now() >= d->at)
		d->passed = 1;
	return d->passed;
}

/* Collect Tesseract's result into pp: one line per text line, its words with
 * boxes and confidences. */
static int collect_words(TessBaseAPI *api, int dx, int dy, struct ppage *pp)
{
	TessResultIterator *ri = TessBaseAPIGetIterator(api);
	if (!ri)
		return 0; /* nothing recognised */
	TessPageIterator *pi = TessResultIteratorGetPageIterator(ri);
	struct pline *l = NULL;
	int rc = 0;
	do {
		int x0, y0, x1, y1;
		if (!l || TessPageIteratorIsAtBeginningOf(pi, RIL_TEXTLINE)) {
			if (!TessPageIteratorBoundingBox(pi, RIL_TEXTLINE, &x0, &y0, &x1, &y1))
				x0 = y0 = x1 = y1 = 0;
			int para = TessPageIteratorIsAtBeginningOf(pi, RIL_PARA);
			if (!(l = ppage_line(pp, para, x0 + dx, y0 + dy, x1 + dx, y1 + dy))) {
				rc = -1;
				break;
			}
		}
		char *w = TessResultIteratorGetUTF8Text(ri, RIL_WORD);
		if (!w)
			continue;
		float conf = TessResultIteratorConfidence(ri, RIL_WORD);
		if (!TessPageIteratorBoundingBox(pi, RIL_WORD, &x0, &y0, &x1, &y1))
			x0 = y0 = x1 = y1 = 0;
		conf = conf < 0 ? 0 : conf > 100 ? 100 : conf;
		rc = pline_word(l, w, strlen(w), x0 + dx, y0 + dy, x1 + dx, y1 + dy, conf);
		TessDeleteText(w);
	} while (rc == 0 && TessResultIteratorNext(ri, RIL_WORD));
	TessResultIteratorDelete(ri);
	return rc;
}

/* Copy word w of line from into line to. */
static int copy_word(struct pline *to, const struct pline *from, size_t w)
{
	const struct pw *x = &from->words[w];
	return pline_word(to, from->text.buf + x->off, x->len, x->x0, x->y0, x->x1, x->y1, x->conf);
}

/* Read the box (page coordinates) again from pr->raw as one line of text, into
 * alt; *mean is the words' mean confidence.  Returns 0, or -1 out of memory. */
static int read_span(struct ocr *o, const struct prep *pr, int x0, int y0, int x1, int y1,
                     struct ppage *alt, double *mean)
{
	int w = pixGetWidth(pr->raw), h = pixGetHeight(pr->raw);
	int pad = pr->dpi / 30; /* a little white around the words */
	int left = x0 - pr->x - pad, top = y0 - pr->y - pad;
	int right = x1 - pr->x + pad, bottom = y1 - pr->y + pad;
	left = left < 0 ? 0 : left, top = top < 0 ? 0 : top;
	right = right > w ? w : right, bottom = bottom > h ? h : bottom;
	*mean = -1;
	if (right <= left || bottom <= top)
		return 0;
	TessBaseAPISetRectangle(o->api, left, top, right - left, bottom - top);
	if (TessBaseAPIRecognize(o->api, NULL) != 0)
		return 0;
	/* the iterator's boxes are in the image's coordinates, not the rectangle's */
	if (collect_words(o->api, pr->x, pr->y, alt) < 0)
		return -1;
	double sum = 0;
	size_t n = 0;
	for (size_t i = 0; i < alt->nlines; i++)
		for (size_t k = 0; k < alt->lines[i].nwords; k++, n++)
			sum += alt->lines[i].words[k].conf;
	if (n)
		*mean = sum / (double)n;
	return 0;
}

/* A despeckled page: a run of words read below REREAD_BELOW is read again
 * from the page as it was before despeckling, and that reading is taken when
 * Tesseract is surer of it by REREAD_MARGIN.  Despeckling also takes off
 * pieces of letters the blur broke apart ("Dokurmenterna", "K5S-2021"); the
 * grain left in for the second reading is what the first one was spared.
 * pp is replaced by the result.  Returns 0, or -1 out of memory. */
static int reread_doubtful(struct ocr *o, const struct prep *pr, struct ppage *pp)
{
	int any = 0;
	for (size_t i = 0; i < pp->nlines && !any; i++)
		for (size_t k = 0; k < pp->lines[i].nwords && !any; k++)
			any = pp->lines[i].words[k].conf < REREAD_BELOW;
	if (!any)
		return 0;
	TessPageSegMode psm = TessBaseAPIGetPageSegMode(o->api);
	TessBaseAPISetImage2(o->api, pr->raw);
	TessBaseAPISetSourceResolution(o->api, pr->dpi);
	TessBaseAPISetPageSegMode(o->api, PSM_SINGLE_LINE);
	struct ppage out = {0};
	int rc = 0;
	for (size_t i = 0; i < pp->nlines && rc == 0; i++) {
		const struct pline *l = &pp->lines[i];
		struct pline *nl = ppage_line(&out, l->para, l->x0, l->y0, l->x1, l->y1);
		if (!nl) {
			rc = -1;
			break;
		}
		size_t at = out.nlines - 1; /* nl moves when alt's lines are added: none are */
		for (size_t w = 0; w < l->nwords && rc == 0;) {
			if (l->words[w].conf >= REREAD_BELOW) {
				rc = copy_word(&out.lines[at], l, w++);
				continue;
			}
			size_t e = w;
			int x0 = l->words[w].x0, y0 = l->words[w].y0, x1 = l->words[w].x1,
			    y1 = l->words[w].y1;
			double old = 0;
			for (; e < l->nwords && l->words[e].conf < REREAD_BELOW; e++) {
				const struct pw *x = &l->words[e];
				x0 = x->x0 < x0 ? x->x0 : x0, y0 = x->y0 < y0 ? x->y0 : y0;
				x1 = x->x1 > x1 ? x->x1 : x1, y1 = x->y1 > y1 ? x->y1 : y1;
				old += x->conf;
			}
			old /= (double)(e - w);
			struct ppage alt = {0};
			double mean;
			rc = read_span(o, pr, x0, y0, x1, y1, &alt, &mean);
			if (rc == 0 && mean >= old + REREAD_MARGIN)
				for (size_t a = 0; a < alt.nlines && rc == 0; a++)
					for (size_t k = 0; k < alt.lines[a].nwords && rc == 0; k++)
						rc = copy_word(&out.lines[at], &alt.lines[a], k);
			else
				for (size_t k = w; k < e && rc == 0; k++)
					rc = copy_word(&out.lines[at], l, k);
			ppage_release(&alt);
			w = e;
		}
	}
	TessBaseAPIClear(o->api);
	TessBaseAPISetPageSegMode(o->api, psm);
	if (rc < 0) {
		ppage_release(&out);
		return -1;
	}
	ppage_release(pp);
	*pp = out;
	return 0;
}

/* Recognise one page image (ownership of pix taken) as page k of d. */
static int recognise(struct ocr *o, struct ocr_input *in, int k, PIX *pix, int file_dpi, double t0,
                     struct doc *d, struct ex_error *err)
{
	struct ppage pp = {0};
	struct prep pr = {0};
	int rc = ocr_engine_load(o, err);
	if (rc == 0)
		rc = prepare(o, &pix, file_dpi, &pr, err);
	if (rc < 0) {
		pixDestroy(&pix);
		pixDestroy(&pr.raw);
		return ex_context(err, in->path, k, 0);
	}
	TessBaseAPISetImage2(o->api, pix);
	TessBaseAPISetSourceResolution(o->api, pr.dpi);
	ETEXT_DESC *mon = TessMonitorCreate();
	struct deadline dl = {0, 0};
	if (o->opt.page_timeout_ms > 0)
		dl.at = now() + o->opt.page_timeout_ms / 1000.0;
	if (mon) {
		TessMonitorSetCancelFunc(mon, past_deadline);
		TessMonitorSetCancelThis(mon, &dl);
	}
	int trc = TessBaseAPIRecognize(o->api, mon);
	TessMonitorDelete(mon);
	if (trc != 0 && !dl.passed) {
		TessBaseAPIClear(o->api);
		pixDestroy(&pix);
		pixDestroy(&pr.raw);
		return ex_fail(err, EX_INTERNAL, in->path, k, 0, "Tesseract failed on the page");
	}
	rc = collect_words(o->api, pr.x, pr.y, &pp);
	TessBaseAPIClear(o->api);
	if (rc == 0 && pr.raw && !dl.passed)
		rc = reread_doubtful(o, &pr, &pp);
	pixDestroy(&pr.raw);
	struct doc_page *p = rc < 0 ? NULL : doc_add_page(d, DOC_PAGE_OCR);
	if (!p || ppage_commit(&pp, d, 1) < 0) {
		ppage_release(&pp);
		pixDestroy(&pix);
		return ex_fail(err, EX_NOMEM, in->path, k, 0, "out of memory");
	}
	ppage_release(&pp);
	p = &d->pages[d->npages - 1];
	p->width = pr.width;
	p->height = pr.height;
	pixDestroy(&pix);
	p->dpi = pr.dpi;
	p->skew = pr.skew;
	p->rotation = pr.rotation;
	p->seconds = now() - t0;
	if (pr.assumed == 1)
		doc_warn(d, k, "no resolution in the image: assumed %d dpi", o->opt.dpi);
	else if (pr.assumed == 2)
		doc_warn(d, k,
		         "the image claims %d dpi, which would make the page %.0fx%.0f mm: "
		         "assumed %d dpi",
		         pr.claimed, p->width * 25.4 / pr.claimed, p->height * 25.4 / pr.claimed,
		         o->opt.dpi);
	if (pr.skew)
		doc_warn(d, k, "the page was skewed: turned %.1f degrees", pr.skew);
	if (pr.rotation)
		doc_warn(d, k, "the page was upside down or sideways: turned %d degrees",
		         pr.rotation);
	if (dl.passed) {
		p->partial = 1;
		d->partial = 1;
		doc_warn(d, k,
		         "recognition stopped at the %g s deadline (--page-timeout): the page's "
		         "text is incomplete",
		         o->opt.page_timeout_ms / 1000.0);
	}
	if (p->nlines == 0 && !dl.passed)
		doc_warn(d, k, "no text recognised on the page");
	return 0;
}

/* ---- pages ------------------------------------------------------------------- */

/* Should this PDF page be read from its text layer? */
static int use_layer(const struct ocr *o, const struct pdfin_page_info *info, int k, struct doc *d,
                     struct ex_error *err, const char *path)
{
	size_t all = info->chars + info->unmapped;
	int readable = info->chars > 0 && info->unmapped * 10 <= all;
	int blank = all == 0 && info->images == 0 && !info->vector;
	switch (o->opt.mode) {
	case OCR_ALWAYS:
		return 0;
	case OCR_NEVER:
		if (all == 0 && !blank)
			return ex_fail(err, EX_INPUT, path, k, 0,
			               "the page has no text layer and --ocr=never was given");
		if (!readable && all)
			doc_warn(d, k,
			         "the text layer has no Unicode mapping for %zu of %zu "
			         "characters",
			         info->unmapped, all);
		return 1;
	case OCR_AUTO:
		break;
	}
	if (blank)
		return 1;
	if (!readable) {
		if (all)
			doc_warn(d, k,
			         "the text layer has no Unicode mapping for %zu of %zu "
			         "characters: the page was recognised by OCR instead",
			         info->unmapped, all);
		return 0;
	}
	return !(info->image_cover >= 0.5f && info->chars < LAYER_MIN_CHARS);
}

/* The line of pp that layer line tl goes on, or NULL for a line of its own.
 * A text layer (old OCR engines' above all) may cut one printed line in two
 * at a wide space ("personalförsörjning." | "I kommunens Mål ..."): a line
 * that starts to the right of the last one, less than one and a half line
 * heights after it, and shares at least half its height, goes on it.  Text
 * columns stand further apart. */
static struct pline *layer_line_goes_on(struct ppage *pp, const struct pdfin_line *tl)
{
	if (!pp->nlines)
		return NULL;
	struct pline *p = &pp->lines[pp->nlines - 1];
	int x0 = (int)floorf(tl->x0), y0 = (int)floorf(tl->y0), y1 = (int)ceilf(tl->y1);
	int h = p->y1 - p->y0, th = y1 - y0;
	if (!p->nwords || h <= 0 || th <= 0 || x0 <= p->x1 || (x0 - p->x1) * 2 >= h * 3)
		return NULL;
	int top = y0 > p->y0 ? y0 : p->y0, bottom = y1 < p->y1 ? y1 : p->y1;
	int least = h < th ? h : th;
	return (bottom - top) * 2 >= least ? p : NULL;
}

static int pdf_page_read(struct ocr *o, struct ocr_input *in, int k, double t0, struct doc *d,
                         struct ex_error *err)
{
	struct pdfin_page *pg = NULL;
	struct pdfin_page_info info;
	int rc = pdfin_page_load(in->pdf, k, o->opt.max_pixels, &pg, &info, err);
	if (rc < 0)
		return rc;
	if (k == 1 && pdfin_repaired(in->pdf))
		doc_warn(d, 0,
		         "the PDF is damaged (broken cross-reference table): read as repaired");
	rc = use_layer(o, &info, k, d, err, in->path);
	if (rc < 0) {
		pdfin_page_free(pg);
		return rc;
	}
	if (rc == 1) {
		struct pdfin_text t;
		struct ppage pp = {0};
		int dpi = o->opt.dpi;
		rc = pdfin_page_text(pg, dpi, &t, err);
		pdfin_page_free(pg);
		if (rc < 0)
			return rc;
		for (size_t i = 0; i < t.nlines && rc == 0; i++) {
			const struct pdfin_line *tl = &t.lines[i];
			struct pline *l = layer_line_goes_on(&pp, tl);
			if (l) {
				l->x1 = (int)ceilf(tl->x1);
				l->y0 = (int)floorf(tl->y0) < l->y0 ? (int)floorf(tl->y0) : l->y0;
				l->y1 = (int)ceilf(tl->y1) > l->y1 ? (int)ceilf(tl->y1) : l->y1;
			} else {
				l = ppage_line(&pp, tl->block_start, (int)floorf(tl->x0),
				               (int)floorf(tl->y0), (int)ceilf(tl->x1),
				               (int)ceilf(tl->y1));
			}
			if (!l)
				rc = -1;
			for (size_t w = 0; l && w < tl->nwords && rc == 0; w++) {
				const struct pdfin_word *pw = &tl->words[w];
				rc = pline_word(l, pw->text, pw->len, (int)floorf(pw->x0),
				                (int)floorf(pw->y0), (int)ceilf(pw->x1),
				                (int)ceilf(pw->y1), -1);
			}
		}
		pdfin_text_release(&t);
		struct doc_page *p = rc < 0 ? NULL : doc_add_page(d, DOC_PAGE_LAYER);
		if (!p || ppage_commit(&pp, d, 0) < 0) {
			ppage_release(&pp);
			return ex_fail(err, EX_NOMEM, in->path, k, 0, "out of memory");
		}
		ppage_release(&pp);
		p = &d->pages[d->npages - 1];
		p->width = (int)ceilf(info.width * dpi / 72.0f);
		p->height = (int)ceilf(info.height * dpi / 72.0f);
		p->dpi = dpi;
		p->seconds = now() - t0;
		return 0;
	}
	PIX *pix = NULL;
	int dpi = 0, direct = 0;
	rc = pdfin_page_image(pg, o->opt.dpi, PLAUSIBLE_MIN_DPI, SCAN_MAX_DPI, o->opt.max_pixels,
	                      &pix, &dpi, &direct, err);
	pdfin_page_free(pg);
	if (rc < 0)
		return rc;
	return recognise(o, in, k, pix, dpi, t0, d, err);
}

static int image_page_read(struct ocr *o, struct ocr_input *in, int k, double t0, struct doc *d,
                           struct ex_error *err)
{
	if (o->opt.mode == OCR_NEVER)
		return ex_fail(
		    err, EX_INPUT, in->path, k, 0,
		    "an image has no text layer: it needs OCR, and --ocr=never was given");
	PIX *pix = NULL;
	int res = 0;
	char warn[200];
	int rc = img_read_page(in->path, in->data, in->len, k, o->opt.max_pixels, &pix, &res, warn,
	                       sizeof(warn), err);
	if (rc < 0)
		return rc;
	if (warn[0])
		doc_warn(d, k, "%s", warn);
	return recognise(o, in, k, pix, res, t0, d, err);
}

int ocr_page(struct ocr *o, struct ocr_input *in, int k, struct doc *d, struct ex_error *err)
{
	if (k < 1 || k > in->pages)
		return ex_fail(err, EX_USAGE, in->path, k, 0, "no page %d (the document has %d)", k,
		               in->pages);
	double t0 = now();
	if (in->type == OCR_TYPE_PDF)
		return pdf_page_read(o, in, k, t0, d, err);
	return image_page_read(o, in, k, t0, d, err);
}

enum doc_kind ocr_doc_kind(const struct ocr_input *in, const struct doc *d)
{
	if (in->type != OCR_TYPE_PDF)
		return DOC_IMAGE;
	for (int i = 0; i < d->npages; i++)
		if (d->pages[i].source == DOC_PAGE_OCR)
			return DOC_PDF_SCAN;
	return DOC_PDF_TEXT;
}

int ocr_read(struct ocr *o, const char *path, const char *name, struct doc **out,
             struct ex_error *err)
{
	*out = NULL;
	struct ocr_input *in = NULL;
	int rc = ocr_open(o, path, name, &in, err);
	if (rc < 0)
		return rc;
	struct doc *d = doc_new(DOC_IMAGE, name ? name : path);
	if (!d) {
		ocr_close(in);
		return ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	}
	memcpy(d->sha256, in->sha256, sizeof(d->sha256));
	for (int k = 1; k <= in->pages && rc == 0; k++)
		rc = ocr_page(o, in, k, d, err);
	d->kind = ocr_doc_kind(in, d);
	ocr_close(in);
	if (rc < 0) {
		doc_free(d);
		return rc;
	}
	*out = d;
	return 0;
}
