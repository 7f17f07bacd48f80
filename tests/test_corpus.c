/* test_corpus.c - the corpus cases: every clean text case gives its
 * hand-written record byte for byte, and every field of every text case
 * points (@page, @line) at a line of the input where it was read. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <string.h>

#include "pipeline.h"
#include "testutil.h"
#include "utf8.h"

#define MAX_CASES 128

struct kase {
	char dir[256];
	char input[320];
	int exact;
};

/* The text cases of corpus/, in name order. */
static size_t list_cases(struct kase *out, size_t max)
{
	DIR *d = opendir("corpus");
	size_t n = 0;
	if (!d)
		return 0;
	struct dirent *e;
	while ((e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		struct kase k = {0};
		snprintf(k.dir, sizeof(k.dir), "corpus/%.240s", e->d_name);
		snprintf(k.input, sizeof(k.input), "%s/input.txt", k.dir);
		if (access(k.input, R_OK) != 0)
			continue;
		char conf[320];
		snprintf(conf, sizeof(conf), "%s/case.conf", k.dir);
		char *c = tu_read(conf, NULL);
		k.exact = c && strstr(c, "match = exact") != NULL;
		free(c);
		out[n++] = k;
	}
	closedir(d);
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && strcmp(out[b - 1].dir, out[b].dir) > 0; b--) {
			struct kase t = out[b];
			out[b] = out[b - 1];
			out[b - 1] = t;
		}
	return n;
}

ParameterizedTestParameters(corpus, text_cases)
{
	static struct kase all[MAX_CASES];
	size_t n = list_cases(all, MAX_CASES);
	struct kase *cases = cr_malloc(sizeof(struct kase) * (n ? n : 1));
	memcpy(cases, all, sizeof(struct kase) * n);
	return cr_make_param_array(struct kase, cases, n, NULL);
}

Test(corpus, has_the_seed_text_cases)
{
	struct kase all[MAX_CASES];
	size_t n = list_cases(all, MAX_CASES), exact = 0;
	for (size_t i = 0; i < n; i++)
		exact += all[i].exact;
	cr_assert_geq(exact, 4, "the four clean seed texts are exact cases (found %zu)", exact);
}

/* Does line `line` of page `page` of the input hold the first word of text
 * (as read, or as normalised; case aside)? */
static int line_has(const struct doc *d, int page, int line, const char *text)
{
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *l = &d->lines[i];
		if (l->page != page || l->lineno != line)
			continue;
		char probe[64];
		size_t n = strcspn(text, " \n");
		if (n >= sizeof(probe))
			n = sizeof(probe) - 1;
		while (n && ((unsigned char)text[n] & 0xC0) == 0x80) /* whole characters */
			n--;
		memcpy(probe, text, n);
		probe[n] = '\0';
		return strcasestr(l->orig, probe) != NULL || strcasestr(l->text, probe) != NULL;
	}
	return 0;
}

ParameterizedTest(struct kase *k, corpus, text_cases)
{
	struct ex_error err;
	struct pipe_options po = {.rules_dir = tu_rules()};
	struct pipe *p = NULL;
	cr_assert_eq(pipe_new(&po, &p, &err), 0, "%s", err.msg);
	struct doc *d = NULL;
	const char *name = k->input + strlen("corpus/");
	cr_assert_eq(pipe_read(p, k->input, name, &d, &err), 0, "%s", err.msg);
	cr_assert_eq(pipe_normalise(p, d, &err), 0, "%s", err.msg);
	struct sb xml = SB_INIT;
	cr_assert_eq(pipe_record(p, d, &xml, NULL, &err), 0, "%s: %s", k->dir, err.msg);
	struct record *r = NULL;
	cr_assert_eq(record_parse(xml.buf, xml.len, name, &r, &err), 0, "%s", err.msg);
	/* provenance: each field cites a line that holds what was read (a
	 * section: its heading) */
	size_t checked = 0;
	for (size_t i = 0; i < record_count(r); i++) {
		const struct rec_value *v = record_get(r, i);
		if (v->field == RF_DOCUMENT_TYPE)
			continue; /* a judgement on the whole document, not read from a line */
		cr_assert(v->page > 0 && v->line > 0, "%s: %s has no @page/@line", k->dir,
		          record_field_path(v->field));
		const char *printed = v->field == RF_SECTION ? v->qual : v->raw ? v->raw : v->value;
		/* a raw span may begin with its label: then the value will do */
		cr_assert(line_has(d, v->page, v->line, printed) ||
		              line_has(d, v->page, v->line, v->value),
		          "%s: %s '%s' is not on page %d line %d", k->dir,
		          record_field_path(v->field), printed, v->page, v->line);
		checked++;
	}
	cr_assert_gt(checked, 3, "%s: too few fields with provenance", k->dir);
	if (k->exact) {
		char path[320];
		snprintf(path, sizeof(path), "%s/expected.xml", k->dir);
		char *want = tu_read(path, NULL);
		cr_assert_not_null(want, "%s", path);
		struct sb bare = SB_INIT;
		cr_assert_eq(
		    record_write(r, pipe_schema(p), RECORD_NO_PROVENANCE, &bare, NULL, &err), 0,
		    "%s", err.msg);
		cr_assert_str_eq(bare.buf, want, "%s: the record differs from expected.xml",
		                 k->dir);
		sb_release(&bare);
		free(want);
	}
	record_free(r);
	sb_release(&xml);
	doc_free(d);
	pipe_free(p);
}
