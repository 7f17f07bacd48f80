/* image.c - see image.h */
#include "image.h"

#include <allheaders.h>
#include <libexif/exif-data.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "quiet.h"

/* Leptonica prints its errors on stderr unless told not to; tjx reports its
 * own, so Leptonica is silenced (idempotent, cheap). */
static void lept_quiet(void)
{
	setMsgSeverity(L_SEVERITY_NONE);
}

static uint64_t rd(const unsigned char *p, int size, int big)
{
	uint64_t v = 0;
	for (int i = 0; i < size; i++)
		v |= (uint64_t)p[big ? size - 1 - i : i] << (8 * i);
	return v;
}

/* A TIFF's directory chain, walked without decoding anything. */
struct tiff_walk {
	const unsigned char *d;
	size_t len;
	int big, bigtiff;
	size_t countsize, entrysize, nextsize;
	uint64_t next;    /* offset of the next directory, 0 at the chain's end */
	uint64_t maxdirs; /* more directories than this: the chain loops */
	int n;            /* directories walked */
};

/* Start a walk: NULL, or what is wrong with the header. */
static const char *tw_start(struct tiff_walk *t, const unsigned char *d, size_t len)
{
	if (len < 8)
		return "truncated TIFF header";
	t->d = d;
	t->len = len;
	t->big = d[0] == 'M';
	t->bigtiff = rd(d + 2, 2, t->big) == 43;
	if (t->bigtiff) {
		if (len < 16 || rd(d + 4, 2, t->big) != 8)
			return "damaged BigTIFF header";
		t->next = rd(d + 8, 8, t->big);
	} else {
		t->next = rd(d + 4, 4, t->big);
	}
	t->countsize = t->bigtiff ? 8 : 2;
	t->entrysize = t->bigtiff ? 20 : 12;
	t->nextsize = t->bigtiff ? 8 : 4;
	/* every directory takes at least countsize + nextsize bytes */
	t->maxdirs = len / (t->countsize + t->nextsize) + 1;
	t->n = 0;
	return NULL;
}

/* The next directory: 1 with its offset and entry count, 0 at the chain's
 * end, -1 with *why when the chain is damaged (at directory t->n + 1). */
static int tw_next(struct tiff_walk *t, uint64_t *ifd, uint64_t *entries, const char **why)
{
	if (t->next == 0)
		return 0;
	uint64_t off = t->next;
	*why = (uint64_t)t->n >= t->maxdirs ? "TIFF directory chain loops back on itself"
	       : off > t->len || t->len - off < t->countsize
	           ? "TIFF directory beyond the end of the file (truncated)"
	           : NULL;
	if (*why)
		return -1;
	*entries = rd(t->d + off, (int)t->countsize, t->big);
	uint64_t end = off + t->countsize + *entries * t->entrysize;
	if (*entries > t->len || end > t->len || t->len - end < t->nextsize) {
		*why = "TIFF directory runs past the end of the file (truncated)";
		return -1;
	}
	t->next = rd(t->d + end, (int)t->nextsize, t->big);
	t->n++;
	*ifd = off;
	return 1;
}

static int tiff_count(const char *name, const unsigned char *d, size_t len, int *pages,
                      struct ex_error *err)
{
	struct tiff_walk t;
	const char *why = tw_start(&t, d, len);
	if (why)
		return ex_fail(err, EX_INPUT, name, 0, 0, "%s", why);
	uint64_t ifd, entries;
	int r;
	while ((r = tw_next(&t, &ifd, &entries, &why)) == 1)
		;
	if (r < 0)
		return ex_fail(err, EX_INPUT, name, t.n + 1, 0, "%s", why);
	if (t.n == 0)
		return ex_fail(err, EX_INPUT, name, 0, 0, "TIFF file with no pages");
	*pages = t.n;
	return 0;
}

/* The Orientation tag (274) of page `page` (1-based) of a TIFF, 1 to 8; 1
 * when the page has none or the file is not what tiff_count() accepted. */
static int tiff_orientation(const unsigned char *d, size_t len, int page)
{
	struct tiff_walk t;
	uint64_t ifd = 0, entries = 0;
	const char *why;
	if (tw_start(&t, d, len))
		return 1;
	while (t.n < page)
		if (tw_next(&t, &ifd, &entries, &why) != 1)
			return 1;
	for (uint64_t e = 0; e < entries; e++) {
		const unsigned char *p = d + ifd + t.countsize + e * t.entrysize;
		/* tag, type SHORT (3), one value, held in the entry */
		if (rd(p, 2, t.big) == 274 && rd(p + 2, 2, t.big) == 3) {
			uint64_t v = rd(p + (t.bigtiff ? 12 : 8), 2, t.big);
			return v >= 1 && v <= 8 ? (int)v : 1;
		}
	}
	return 1;
}

static int is_tiff(const unsigned char *d, size_t len)
{
	return len >= 4 && ((d[0] == 'I' && d[1] == 'I' && (d[2] == 42 || d[2] == 43) && !d[3]) ||
	                    (d[0] == 'M' && d[1] == 'M' && !d[2] && (d[3] == 42 || d[3] == 43)));
}

static int is_jpeg(const unsigned char *d, size_t len)
{
	return len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF;
}

int img_count_pages(const char *name, const unsigned char *data, size_t len, int *pages,
                    struct ex_error *err)
{
	lept_quiet();
	*pages = 0;
	if (is_tiff(data, len))
		return tiff_count(name, data, len, pages, err);
	l_int32 format = IFF_UNKNOWN;
	if (len < 12 || findFileFormatBuffer(data, &format) || format == IFF_UNKNOWN)
		return ex_fail(err, EX_INPUT, name, 0, 0, "not an image format tjx can read");
	*pages = 1;
	return 0;
}

/* A JPEG ends with an EOI marker; scanners and cameras may append a few
 * padding bytes after it. */
static int jpeg_complete(const unsigned char *d, size_t len)
{
	size_t from = len > 4096 ? len - 4096 : 2;
	for (size_t i = len - 1; i > from; i--)
		if (d[i] == 0xD9 && d[i - 1] == 0xFF)
			return 1;
	return 0;
}

/* The EXIF orientation (1-8) a JPEG's APP1 segment records, read with
 * libexif; 1 (as stored) when it records none. */
static int jpeg_orientation(const unsigned char *data, size_t len)
{
	if (len > UINT_MAX)
		return 1;
	ExifData *ed = exif_data_new_from_data(data, (unsigned int)len);
	if (!ed)
		return 1;
	int o = 1;
	ExifEntry *e = exif_data_get_entry(ed, EXIF_TAG_ORIENTATION);
	if (e && e->format == EXIF_FORMAT_SHORT && e->components >= 1 && e->data && e->size >= 2)
		o = exif_get_short(e->data, exif_data_get_byte_order(ed));
	exif_data_unref(ed);
	return o >= 1 && o <= 8 ? o : 1;
}

/* Turn a camera's picture the way its EXIF orientation says it is to be
 * shown: 2 mirror it, 3 turn it upside down, 4 mirror it top to bottom, 5
 * transpose it, 6 turn it a quarter clockwise, 7 transverse it, 8 turn it a
 * quarter anticlockwise.  Returns the new Pix, or NULL out of memory; pix is
 * the caller's still. */
static PIX *orient(PIX *pix, int o)
{
	PIX *r = NULL, *t = NULL;
	switch (o) {
	case 2:
		return pixFlipLR(NULL, pix);
	case 3:
		return pixRotate180(NULL, pix);
	case 4:
		return pixFlipTB(NULL, pix);
	case 5: /* transpose: a quarter clockwise, then mirrored */
		t = pixRotate90(pix, 1);
		r = t ? pixFlipLR(NULL, t) : NULL;
		pixDestroy(&t);
		return r;
	case 6:
		return pixRotate90(pix, 1);
	case 7: /* transverse: a quarter clockwise, then top to bottom */
		t = pixRotate90(pix, 1);
		r = t ? pixFlipTB(NULL, t) : NULL;
		pixDestroy(&t);
		return r;
	case 8:
		return pixRotate90(pix, -1);
	default:
		return pixClone(pix);
	}
}

int img_read_page(const char *name, const unsigned char *data, size_t len, int page,
                  long long max_pixels, struct Pix **out, int *res, char *warn, size_t warnsize,
                  struct ex_error *err)
{
	lept_quiet();
	*out = NULL;
	*res = 0;
	if (warn && warnsize)
		warn[0] = '\0';
	l_int32 w = 0, h = 0, bps = 0, spp = 0, cmap = 0, format = 0, r = 0;
	int tiff = is_tiff(data, len);
	if (tiff) {
		if (readHeaderMemTiff(data, len, page - 1, &w, &h, &bps, &spp, &r, &cmap, &format))
			return ex_fail(err, EX_INPUT, name, page, 0,
			               "unreadable TIFF page header (corrupt or truncated)");
	} else {
		if (page != 1)
			return ex_fail(err, EX_USAGE, name, page, 0, "the image has one page");
		if (pixReadHeaderMem(data, len, &format, &w, &h, &bps, &spp, &cmap))
			return ex_fail(err, EX_INPUT, name, page, 0,
			               "unreadable image header (corrupt or truncated)");
	}
	if (w <= 0 || h <= 0)
		return ex_fail(err, EX_INPUT, name, page, 0, "the image has no pixels (%dx%d)", w,
		               h);
	if (max_pixels > 0 && (long long)w * h > max_pixels)
		return ex_fail(
		    err, EX_LIMIT, name, page, 0,
		    "the image is %dx%d pixels (%.3g megapixels), more than the limit of "
		    "%.3g megapixels (--max-pixels)",
		    w, h, (double)w * h / 1e6, (double)max_pixels / 1e6);
	if (is_jpeg(data, len) && !jpeg_complete(data, len))
		return ex_fail(err, EX_INPUT, name, page, 0,
		               "truncated JPEG (the data ends before the image does)");
	/* the decoders (libpng, libjpeg, libtiff) report on stderr: keep it */
	PIX *pix = NULL;
	char why[300];
	struct quiet q;
	quiet_begin(&q);
	if (tiff) {
		pix = pixReadMemTiff(data, len, page - 1);
	} else if (is_jpeg(data, len)) {
		l_int32 nwarn = 0;
		pix = pixReadMemJpeg(data, len, 0, 1, &nwarn, 0);
		if (pix && nwarn && warn)
			snprintf(warn, warnsize,
			         "damaged JPEG data (%d decoder warnings): read as decoded", nwarn);
	} else {
		pix = pixReadMem(data, len);
	}
	quiet_end(&q, why, sizeof(why));
	if (!pix)
		return ex_fail(err, EX_INPUT, name, page, 0,
		               "cannot decode the image (corrupt or truncated)%s%s",
		               why[0] ? ": " : "", why);
	l_int32 pw, ph, pd;
	pixGetDimensions(pix, &pw, &ph, &pd);
	/* Leptonica turns a TIFF page as its Orientation tag says: 5 to 8 swap
	 * its width and height (a scanner's page stored sideways) */
	int to = tiff ? tiff_orientation(data, len, page) : 1;
	if (to >= 5 && pw == h && ph == w)
		pw = w, ph = h;
	if (pw != w || ph != h) {
		pixDestroy(&pix);
		return ex_fail(err, EX_INPUT, name, page, 0,
		               "the image decodes to %dx%d pixels but its header says %dx%d", pw,
		               ph, w, h);
	}
	*res = pixGetXRes(pix);
	if (*res <= 0 && tiff)
		*res = r;
	if (to != 1 && warn && warnsize) {
		size_t wl = strlen(warn);
		snprintf(warn + wl, warnsize - wl, "%sturned as its TIFF orientation (%d) says",
		         wl ? "; " : "", to);
	}
	int o = is_jpeg(data, len) ? jpeg_orientation(data, len) : 1;
	if (o != 1) {
		PIX *turned = orient(pix, o);
		pixDestroy(&pix);
		if (!turned)
			return ex_fail(err, EX_NOMEM, name, page, 0, "out of memory");
		pix = turned;
		pixSetResolution(pix, *res, *res);
		if (warn && warnsize) {
			size_t wl = strlen(warn);
			snprintf(warn + wl, warnsize - wl,
			         "%sturned as its EXIF orientation (%d) says", wl ? "; " : "", o);
		}
	}
	*out = pix;
	return 0;
}
