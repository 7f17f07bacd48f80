/* image.h - page images from image files (TIFF, PNG, JPEG, PNM, BMP, GIF,
 * WebP, JPEG 2000), read with Leptonica.
 *
 * The file's bytes are the caller's and are only borrowed: they must stay
 * valid while these functions run.  Each page's size is read from its header
 * and checked against the pixel limit before anything is decoded, so a small
 * file that decodes to a huge image (a decompression bomb) costs nothing.
 *
 * Pages are numbered from 1.  Errors name the file (`name`) and the page.
 */
#ifndef TJX_IMAGE_H
#define TJX_IMAGE_H

#include <stddef.h>

#include "error.h"

struct Pix;

/* Count the pages of an image file: the directories of a TIFF (classic or
 * BigTIFF), 1 for every other format.  EX_INPUT when the file is not an image
 * Leptonica can read, or a TIFF's directory chain is broken or empty. */
int img_count_pages(const char *name, const unsigned char *data, size_t len, int *pages,
                    struct ex_error *err);

/* Decode page `page` (1-based) into a new Pix the caller frees with
 * pixDestroy(); a JPEG is turned as its EXIF orientation tag says (libexif),
 * as a camera's picture of a page held sideways needs.  *res is the
 * resolution recorded in the file (pixels per inch), 0 when the file has
 * none.  *warn, when not NULL, receives a one-line note about damage the
 * decoder worked around, or the EXIF turn ("" when none).
 * EX_LIMIT when the page has more than max_pixels pixels (checked before
 * decoding), EX_INPUT when it is corrupt or truncated. */
int img_read_page(const char *name, const unsigned char *data, size_t len, int page,
                  long long max_pixels, struct Pix **out, int *res, char *warn, size_t warnsize,
                  struct ex_error *err);

#endif
