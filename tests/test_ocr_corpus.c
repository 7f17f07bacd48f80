/* test_ocr_corpus.c - the OCR stage on the corpus scans (made from the seeds
 * by tests/tools/mkscan, truth.txt beside each): character error rate with
 * swe at most 1% on the light scans, 1.5% on the heavy ones (2.4-2.9% before
 * bilevel pages were despeckled, 0.1-0.9% after); a scan with an
 * old OCR text layer keeps its layer. */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <string.h>

#include "ocr_testutil.h"

#define MAX_SCANS 64

enum level { LIGHT, HEAVY, LAYER };

struct scan {
	char dir[200];
	char input[260];
	enum level level;
};

/* The scanned cases of corpus/ (case.conf says how mkscan made them). */
static size_t list_scans(struct scan *out, size_t max)
{
	static const char *const inputs[] = {"input.pdf", "input.tif", "input.png"};
	DIR *d = opendir("corpus");
	size_t n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)) && n < max) {
		if (e->d_name[0] == '.')
			continue;
		struct scan s = {0};
		snprintf(s.dir, sizeof(s.dir), "corpus/%.180s", e->d_name);
		char conf[260];
		snprintf(conf, sizeof(conf), "%s/case.conf", s.dir);
		char *c = ot_read(conf, NULL);
		const char *made = c ? strstr(c, "made = tests/tools/mkscan") : NULL;
		if (made) {
			s.level = strstr(made, "--legacy-pdf")    ? LAYER
			          : strstr(made, "--level heavy") ? HEAVY
			                                          : LIGHT;
			for (size_t i = 0; i < 3 && !s.input[0]; i++) {
				snprintf(s.input, sizeof(s.input), "%s/%s", s.dir, inputs[i]);
				if (access(s.input, R_OK) != 0)
					s.input[0] = '\0';
			}
			if (s.input[0])
				out[n++] = s;
		}
		free(c);
	}
	if (d)
		closedir(d);
	return n;
}

ParameterizedTestParameters(ocr_corpus, scans)
{
	static struct scan all[MAX_SCANS];
	size_t n = list_scans(all, MAX_SCANS);
	struct scan *cases = cr_malloc(sizeof(struct scan) * (n ? n : 1));
	memcpy(cases, all, sizeof(struct scan) * n);
	return cr_make_param_array(struct scan, cases, n, NULL);
}

ParameterizedTest(struct scan *s, ocr_corpus, scans, .timeout = 600)
{
	char path[260];
	snprintf(path, sizeof(path), "%s/truth.txt", s->dir);
	char *truth = ot_read(path, NULL);
	cr_assert_not_null(truth, "%s", path);
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(ot_read_doc(s->input, NULL, &d, &err), 0, "%s: %s", s->input, err.msg);
	struct sb text = SB_INIT;
	for (size_t i = 0; i < d->nlines; i++)
		sb_addf(&text, "%s\n", d->lines[i].text);
	double cer = ot_cer(truth, text.buf);
	switch (s->level) {
	case LIGHT:
		cr_assert_leq(cer, 0.01, "%s: CER %.4f on a light scan", s->input, cer);
		break;
	case HEAVY:
		cr_assert_leq(cer, 0.015, "%s: CER %.4f on a heavy scan", s->input, cer);
		break;
	case LAYER:
		/* the layer, made without Swedish, is taken as it is */
		cr_assert_eq(d->kind, DOC_PDF_TEXT, "%s", s->input);
		for (int p = 0; p < d->npages; p++)
			cr_assert_eq(d->pages[p].source, DOC_PAGE_LAYER);
		cr_assert_gt(cer, 0.01, "%s: CER %.4f: not the old layer", s->input, cer);
		break;
	}
	if (s->level != LAYER) {
		cr_assert_neq(d->kind, DOC_PDF_TEXT);
		for (int p = 0; p < d->npages; p++)
			cr_assert_eq(d->pages[p].source, DOC_PAGE_OCR);
	}
	sb_release(&text);
	free(truth);
	doc_free(d);
}

Test(ocr_corpus, has_light_and_heavy_scans)
{
	struct scan all[MAX_SCANS];
	size_t n = list_scans(all, MAX_SCANS), light = 0, heavy = 0;
	for (size_t i = 0; i < n; i++) {
		light += all[i].level == LIGHT;
		heavy += all[i].level == HEAVY;
	}
	cr_assert_geq(light, 2, "the corpus has %zu light scans", light);
	cr_assert_geq(heavy, 2, "the corpus has %zu heavy scans", heavy);
}
