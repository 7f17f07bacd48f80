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

int pipe_read_text(struct pipe *p, const char *buf, size_t len, const char *name,
		   struct doc **out, struct ex_error *err)
{
	(void)p;
	return doc_from_text(name, buf, len, out, err);
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
