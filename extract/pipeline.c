/* pipeline.c - see pipeline.h */
#include "pipeline.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fields.h"
#include "normalise.h"
#include "ocr.h"

struct pipe {
	struct pipe_options opt;
	char *rules_dir;
	struct rec_schema *schema;
	struct norm *norm;
	struct fields *fields;
	struct ocr *ocr; /* its engine loads on the first page that needs OCR */
};

const char *pipe_default_rules_dir(void)
{
	static char dir[PATH_MAX];
	const char *env = getenv("TJX_RULES");
	if (env && *env)
		return env;
	char exe[PATH_MAX - 16];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = '\0';
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			struct stat st;
			snprintf(dir, sizeof(dir), "%s/../rules", exe);
			if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode))
				return dir;
		}
	}
	return "rules";
}

int pipe_new(const struct pipe_options *opt, struct pipe **out, struct ex_error *err)
{
	*out = NULL;
	struct pipe *p = calloc(1, sizeof(*p));
	if (!p)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	p->opt = *opt;
	p->rules_dir = strdup(opt->rules_dir ? opt->rules_dir : pipe_default_rules_dir());
	if (!p->rules_dir) {
		free(p);
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	p->opt.rules_dir = p->rules_dir;
	int rc;
	char xsd[PATH_MAX + 16];
	snprintf(xsd, sizeof(xsd), "%s/record.xsd", p->rules_dir);
	if ((rc = record_schema_load(xsd, &p->schema, err)) < 0)
		goto fail;
	if (!opt->no_normalise) {
		struct norm_options no = {.rules_dir = p->rules_dir};
		if ((rc = norm_new(&no, &p->norm, err)) < 0)
			goto fail;
	}
	struct fields_options fo = {.rules_dir = p->rules_dir, .lenient = opt->lenient};
	if ((rc = fields_new(&fo, &p->fields, err)) < 0)
		goto fail;
	struct ocr_options oo = {
	    .mode = opt->ocr == PIPE_OCR_ALWAYS  ? OCR_ALWAYS
	            : opt->ocr == PIPE_OCR_NEVER ? OCR_NEVER
	                                         : OCR_AUTO,
	    .lang = opt->lang,
	    .tessdata = opt->tessdata,
	    .page_timeout_ms = opt->page_timeout > 0 ? opt->page_timeout * 1000 : 0,
	    .rotate = opt->rotate,
	    .max_pages = opt->max_pages,
	    .max_pixels = opt->max_pixels,
	};
	if ((rc = ocr_new(&oo, &p->ocr, err)) < 0)
		goto fail;
	*out = p;
	return 0;
fail:
	pipe_free(p);
	return rc;
}

void pipe_free(struct pipe *p)
{
	if (!p)
		return;
	ocr_free(p->ocr);
	fields_free(p->fields);
	norm_free(p->norm);
	record_schema_free(p->schema);
	free(p->rules_dir);
	free(p);
}

int pipe_read_text(struct pipe *p, const char *buf, size_t len, const char *name, struct doc **out,
                   struct ex_error *err)
{
	(void)p;
	if (doc_from_text(name, buf, len, out, err) < 0)
		return -1;
	doc_sha256_hex(buf, len, (*out)->sha256);
	return 0;
}

int pipe_read(struct pipe *p, const char *path, const char *name, struct doc **out,
              struct ex_error *err)
{
	*out = NULL;
	enum ocr_type type = OCR_TYPE_TEXT;
	if (strcmp(path, "-") && ocr_detect_file(path, &type, err) < 0)
		return -1;
	if (type != OCR_TYPE_TEXT && type != OCR_TYPE_UNKNOWN)
		return ocr_read(p->ocr, path, name, out, err);
	struct sb buf = SB_INIT;
	if (sb_read_file(&buf, path) < 0) {
		int e = errno;
		sb_release(&buf);
		return ex_fail(err, e == ENOMEM ? EX_NOMEM : EX_IO, path, 0, 0, "cannot read: %s",
		               strerror(e));
	}
	int rc = pipe_read_text(p, buf.buf, buf.len, name, out, err);
	if (rc < 0)
		ex_context(err, path, 0, 0);
	sb_release(&buf);
	return rc;
}

int pipe_normalise(struct pipe *p, struct doc *d, struct ex_error *err)
{
	/* stray marks from noise on a degraded scan go first, normalised or not */
	if (doc_drop_specks(d) < 0)
		return ex_fail(err, EX_NOMEM, d->name, 0, 0, "out of memory");
	if (!p->norm)
		return 0;
	return norm_doc(p->norm, d, NULL, err);
}

int pipe_record(struct pipe *p, struct doc *d, struct sb *xml, struct sb *debug,
                struct ex_error *err)
{
	struct record *r = NULL;
	int rc = fields_extract(p->fields, d, &r, debug, err);
	if (rc < 0)
		return rc;
	unsigned flags = p->opt.no_provenance ? RECORD_NO_PROVENANCE : 0;
	rc = record_write(r, p->schema, flags, xml, NULL, err);
	record_free(r);
	return rc;
}

struct norm *pipe_norm(struct pipe *p)
{
	return p->norm;
}

struct fields *pipe_fields(struct pipe *p)
{
	return p->fields;
}

const struct rec_schema *pipe_schema(struct pipe *p)
{
	return p->schema;
}

/* ---- page by page ------------------------------------------------------------ */

struct pipe_input {
	char *name;
	struct doc *text;      /* a text document, read whole */
	struct ocr_input *ocr; /* or a PDF or image, read a page at a time */
};

int pipe_open(struct pipe *p, const char *path, const char *name, struct pipe_input **out,
              struct ex_error *err)
{
	*out = NULL;
	struct pipe_input *in = calloc(1, sizeof(*in));
	if (!in || !(in->name = strdup(name))) {
		free(in);
		return ex_fail(err, EX_NOMEM, path, 0, 0, "out of memory");
	}
	enum ocr_type type = OCR_TYPE_TEXT;
	int rc = ocr_detect_file(path, &type, err);
	if (rc == 0 && type != OCR_TYPE_TEXT && type != OCR_TYPE_UNKNOWN) {
		rc = ocr_open(p->ocr, path, name, &in->ocr, err); /* checks max_pages */
	} else if (rc == 0) {
		rc = pipe_read(p, path, name, &in->text, err);
		if (rc == 0 && p->opt.max_pages > 0 && in->text->npages > p->opt.max_pages)
			rc =
			    ex_fail(err, EX_LIMIT, path, 0, 0, "%d pages, more than --max-pages %d",
			            in->text->npages, p->opt.max_pages);
	}
	if (rc < 0) {
		pipe_close(in);
		return rc;
	}
	*out = in;
	return 0;
}

int pipe_input_pages(const struct pipe_input *in)
{
	return in->ocr ? ocr_input_pages(in->ocr) : in->text->npages;
}

struct doc *pipe_input_doc(const struct pipe_input *in)
{
	struct doc *d = doc_new(in->ocr ? DOC_IMAGE : in->text->kind, in->name);
	if (d)
		memcpy(d->sha256, in->ocr ? ocr_input_sha256(in->ocr) : in->text->sha256,
		       sizeof(d->sha256));
	return d;
}

/* Append page k of src to d: the page, its lines and their words. */
static int copy_page(const struct doc *src, int k, struct doc *d)
{
	const struct doc_page *sp = &src->pages[k - 1];
	struct doc_page *np = doc_add_page(d, sp->source);
	if (!np)
		return -1;
	size_t first = np->first_line;
	*np = *sp;
	np->first_line = first;
	np->nlines = 0;
	for (size_t i = 0; i < sp->nlines; i++) {
		const struct doc_line *sl = &src->lines[sp->first_line + i];
		struct doc_line *l = doc_add_line(d, sl->orig, sl->orig_len);
		if (!l)
			return -1;
		l->x0 = sl->x0, l->y0 = sl->y0, l->x1 = sl->x1, l->y1 = sl->y1;
		l->conf = sl->conf;
		for (size_t w = 0; w < sl->nwords; w++) {
			const struct doc_word *sw = &sl->words[w];
			if (doc_line_add_word(l, sw->off, sw->len, sw->x0, sw->y0, sw->x1, sw->y1,
			                      sw->conf) < 0)
				return -1;
		}
	}
	if (sp->partial)
		d->partial = 1;
	return 0;
}

int pipe_read_pages(struct pipe *p, struct pipe_input *in, int first, int last, struct doc *d,
                    struct ex_error *err)
{
	if (first < 1 || last > pipe_input_pages(in) || first > last)
		return ex_fail(err, EX_USAGE, in->name, 0, 0, "pages %d-%d of %d", first, last,
		               pipe_input_pages(in));
	if (in->ocr) {
		for (int k = first; k <= last; k++)
			if (ocr_page(p->ocr, in->ocr, k, d, err) < 0)
				return -1;
		d->kind = ocr_doc_kind(in->ocr, d);
		return 0;
	}
	const struct doc *src = in->text;
	if (first == 1)
		for (size_t i = 0; i < src->nwarnings; i++)
			if (doc_warn(d, 0, "%s", src->warnings[i]) < 0)
				return ex_fail(err, EX_NOMEM, in->name, 0, 0, "out of memory");
	for (int k = first; k <= last; k++)
		if (copy_page(src, k, d) < 0)
			return ex_fail(err, EX_NOMEM, in->name, k, 0, "out of memory");
	return 0;
}

void pipe_close(struct pipe_input *in)
{
	if (!in)
		return;
	ocr_close(in->ocr);
	doc_free(in->text);
	free(in->name);
	free(in);
}
