/* cmd_ocr.c - `tjx ocr [options] FILE`: a PDF or image to text, TSV, ALTO or hOCR */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cli.h"
#include "ocr.h"
#include "ocrout.h"
#include "pipeline.h"
#include "strbuf.h"

static const char ocr_help[] =
    "usage: tjx ocr [options] FILE\n\n"
    "Read a scanned PDF or a page image (TIFF, PNG, JPEG, PNM, ...; the type is\n"
    "found from the content, not the name) and print its text.  PDF pages that\n"
    "carry a text layer use it; other pages are cleaned (deskew, resolution,\n"
    "binarisation where the background is uneven) and recognised by Tesseract.\n"
    "The text is printed as read: 'tjx normalise' repairs it.\n\n"
    "Options:\n"
    "  -f, --format FMT       text (default; pages end with a form feed), tsv (one\n"
    "                         row per word: page, line, word, box, conf), alto\n"
    "                         (ALTO 4.4, WC in 0-1), hocr\n"
    "  -o, --output FILE      write there (atomically) instead of standard output\n"
    "      --ocr MODE         auto (default: OCR pages without a text layer),\n"
    "                         always, never\n"
    "  -l, --lang LANGS       Tesseract languages (default: swe; e.g. swe+eng)\n"
    "      --tessdata DIR     where the .traineddata files are\n"
    "      --page-timeout S   recognition deadline per page in seconds (default:\n"
    "                         120); a page that passes it is kept, marked partial\n"
    "      --rotate           detect and correct page orientation (osd)\n"
    "      --pages A[-B]      read only these pages\n"
    "      --max-pages N      refuse documents with more pages (default: no limit)\n"
    "      --max-pixels N     refuse page images larger than N pixels (default:\n"
    "                         100000000)\n"
    "  -v, --verbose          report each page on stderr: source, size, dpi, skew,\n"
    "                         time\n"
    "  -h, --help             this text\n\n";

static int parse_mode(const char *s, enum ocr_mode *m)
{
	if (!strcmp(s, "auto"))
		*m = OCR_AUTO;
	else if (!strcmp(s, "always"))
		*m = OCR_ALWAYS;
	else if (!strcmp(s, "never"))
		*m = OCR_NEVER;
	else
		return -1;
	return 0;
}

static int parse_pages(const char *s, int *from, int *to)
{
	char *end;
	long a = strtol(s, &end, 10), b = a;
	if (end == s || a < 1)
		return -1;
	if (*end == '-') {
		const char *t = end + 1;
		b = strtol(t, &end, 10);
		if (end == t || b < a)
			return -1;
	}
	if (*end || b > 1000000)
		return -1;
	*from = (int)a;
	*to = (int)b;
	return 0;
}

static const char *source_name(enum doc_page_source s)
{
	return s == DOC_PAGE_OCR ? "ocr" : s == DOC_PAGE_LAYER ? "text layer" : "text";
}

int cmd_ocr(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"format", required_argument, NULL, 'f'},
	    {"output", required_argument, NULL, 'o'},
	    {"ocr", required_argument, NULL, 'M'},
	    {"lang", required_argument, NULL, 'l'},
	    {"tessdata", required_argument, NULL, 'T'},
	    {"page-timeout", required_argument, NULL, 't'},
	    {"rotate", no_argument, NULL, 'r'},
	    {"pages", required_argument, NULL, 'p'},
	    {"max-pages", required_argument, NULL, 'P'},
	    {"max-pixels", required_argument, NULL, 'X'},
	    {"verbose", no_argument, NULL, 'v'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	struct ocr_options oo = {0};
	enum ocrout_format fmt = OCROUT_TEXT;
	const char *output = NULL;
	int verbose = 0, from = 0, to = 0, c;
	char *end;
	optind = 1;
	while ((c = getopt_long(argc, argv, "f:o:l:vh", opts, NULL)) != -1) {
		switch (c) {
		case 'f':
			if (ocrout_parse_format(optarg, &fmt) < 0)
				return cli_usage_error("ocr",
				                       "--format is text, tsv, alto or hocr");
			break;
		case 'o':
			output = optarg;
			break;
		case 'M':
			if (parse_mode(optarg, &oo.mode) < 0)
				return cli_usage_error("ocr", "--ocr is auto, always or never");
			break;
		case 'l':
			oo.lang = optarg;
			break;
		case 'T':
			oo.tessdata = optarg;
			break;
		case 't': {
			double s = strtod(optarg, &end);
			if (*end || !(s > 0) || s > 86400)
				return cli_usage_error("ocr", "--page-timeout takes seconds (> 0)");
			oo.page_timeout_ms = s * 1000 < 1 ? 1 : (int)(s * 1000);
			break;
		}
		case 'r':
			oo.rotate = 1;
			break;
		case 'p':
			if (parse_pages(optarg, &from, &to) < 0)
				return cli_usage_error("ocr", "--pages takes N or N-M (from 1)");
			break;
		case 'P': {
			long n = strtol(optarg, &end, 10);
			if (*end || n < 1 || n > 10000000)
				return cli_usage_error("ocr", "--max-pages takes a number (> 0)");
			oo.max_pages = (int)n;
			break;
		}
		case 'X': {
			long long n = strtoll(optarg, &end, 10);
			if (*end || n < 1)
				return cli_usage_error("ocr", "--max-pixels takes a number (> 0)");
			oo.max_pixels = n;
			break;
		}
		case 'v':
			verbose = 1;
			break;
		case 'h':
			fputs(ocr_help, stdout);
			fputs(cli_exit_help, stdout);
			return EXIT_DONE;
		default:
			return cli_usage_error("ocr", "unknown option");
		}
	}
	if (argc - optind != 1)
		return cli_usage_error("ocr", "one input file");
	const char *path = argv[optind];

	struct ex_error err;
	ex_clear(&err);
	struct ocr *o = NULL;
	struct ocr_input *in = NULL;
	struct doc *d = NULL;
	struct sb out = SB_INIT, sw = SB_INIT;
	int rc = EXIT_DONE;
	if (ocr_new(&oo, &o, &err) < 0 || ocr_open(o, path, cli_base_name(path), &in, &err) < 0)
		goto fail;
	int pages = ocr_input_pages(in);
	if (!from) {
		from = 1;
		to = pages;
	}
	if (from > pages) {
		ex_fail(&err, EX_USAGE, path, 0, 0, "--pages %d: the document has %d page%s", from,
		        pages, pages == 1 ? "" : "s");
		goto fail;
	}
	if (to > pages)
		to = pages;
	if (!(d = doc_new(DOC_IMAGE, cli_base_name(path)))) {
		ex_fail(&err, EX_NOMEM, path, 0, 0, "out of memory");
		goto fail;
	}
	memcpy(d->sha256, ocr_input_sha256(in), sizeof(d->sha256));
	for (int k = from; k <= to; k++) {
		if (ocr_page(o, in, k, d, &err) < 0)
			goto fail;
		const struct doc_page *p = &d->pages[d->npages - 1];
		if (verbose)
			cli_msg("%s: page %d: %s, %dx%d px, %d dpi, skew %.2f°, rotated %d°, %zu "
			        "lines, %.2f s%s",
			        path, k, source_name(p->source), p->width, p->height, p->dpi,
			        p->skew, p->rotation, p->nlines, p->seconds,
			        p->partial ? ", partial" : "");
	}
	d->kind = ocr_doc_kind(in, d);
	for (size_t i = 0; i < d->nwarnings; i++)
		cli_warn("%s: %s", path, d->warnings[i]);
	sb_addf(&sw, "tjx (tesseract %s, %s)", ocr_engine_version(), oo.lang ? oo.lang : "swe");
	if (ocrout_write(d, fmt, sw.buf, &out, &err) < 0)
		goto fail;
	if (output && strcmp(output, "-")) {
		if (batch_write_atomic(output, out.buf, out.len, &err) < 0)
			goto fail;
	} else if (cli_write_all(1, out.buf, out.len) < 0) {
		ex_fail(&err, EX_IO, "stdout", 0, 0, "cannot write: %m");
		goto fail;
	}
	goto done;
fail:
	cli_error(&err);
	rc = cli_exit_for(err.code);
done:
	doc_free(d);
	ocr_close(in);
	ocr_free(o);
	sb_release(&out);
	sb_release(&sw);
	return rc;
}

/* ---- the OCR options of 'tjx run' and 'tjx fields' (cli.h) ------------------ */

const char cli_ocr_help[] =
    "OCR (PDFs and images; the type is found from the content):\n"
    "      --ocr MODE         auto (default: OCR pages without a text layer, use\n"
    "                         the layer where there is one), always, never\n"
    "      --lang LANGS       Tesseract languages (default: swe; e.g. swe+eng)\n"
    "      --tessdata DIR     where the .traineddata files are\n"
    "      --page-timeout S   recognition deadline per page, in seconds (default:\n"
    "                         120); a page past it is kept and its record partial\n"
    "      --rotate           detect and correct page orientation (osd)\n"
    "      --max-pages N      refuse documents with more pages (default: no limit)\n"
    "      --max-pixels N     refuse page images larger than N pixels (default:\n"
    "                         100000000)\n\n";

int cli_ocr_option(const char *cmd, int c, const char *arg, struct pipe_options *po)
{
	char *end;
	switch (c) {
	case CLI_OPT_OCR: {
		enum ocr_mode m;
		if (parse_mode(arg, &m) < 0)
			return cli_usage_error(cmd, "--ocr is auto, always or never");
		po->ocr = m == OCR_ALWAYS  ? PIPE_OCR_ALWAYS
		          : m == OCR_NEVER ? PIPE_OCR_NEVER
		                           : PIPE_OCR_AUTO;
		return 0;
	}
	case CLI_OPT_LANG:
		po->lang = arg;
		return 0;
	case CLI_OPT_TESSDATA:
		po->tessdata = arg;
		return 0;
	case CLI_OPT_PAGE_TIMEOUT: {
		long s = strtol(arg, &end, 10);
		if (*end || s < 1 || s > 86400)
			return cli_usage_error(cmd,
			                       "--page-timeout takes whole seconds (1 or more)");
		po->page_timeout = (int)s;
		return 0;
	}
	case CLI_OPT_ROTATE:
		po->rotate = 1;
		return 0;
	case CLI_OPT_MAX_PAGES: {
		long n = strtol(arg, &end, 10);
		if (*end || n < 1 || n > 10000000)
			return cli_usage_error(cmd, "--max-pages takes a number (> 0)");
		po->max_pages = (int)n;
		return 0;
	}
	case CLI_OPT_MAX_PIXELS: {
		long long n = strtoll(arg, &end, 10);
		if (*end || n < 1)
			return cli_usage_error(cmd, "--max-pixels takes a number (> 0)");
		po->max_pixels = n;
		return 0;
	}
	}
	return 1;
}
