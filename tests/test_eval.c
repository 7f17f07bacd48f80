/* test_eval.c - scoring (strict, soft, Levenshtein; repeated values; micro and
 * macro averages), CER/WER, thresholds, the JSON and JUnit output, and
 * `tjx eval` on the synthetic corpus in tests/data/eval/corpus, with intact
 * and with deliberately broken rules. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval.h"
#include "record.h"
#include "strbuf.h"
#include "utf8.h"

#define CORPUS     "tests/data/eval/corpus"
#define THRESHOLDS "tests/data/eval/thresholds"

/* ---- helpers ------------------------------------------------------------------ */

static void add(struct record *r, enum rec_field f, const char *value, const char *qual, int group)
{
	struct rec_value v = {
	    .field = f, .group = group, .value = (char *)value, .qual = (char *)qual, .conf = -1};
	cr_assert_eq(record_add(r, &v), 0);
}

static struct record *new_rec(void)
{
	struct record *r = record_new();
	cr_assert_not_null(r);
	cr_assert_eq(record_set_source(r, "input.txt", "ab", "text", 1), 0);
	return r;
}

static int close_to(double a, double b)
{
	return fabs(a - b) < 1e-9;
}

/* Plain dynamic-programming Levenshtein distance, the reference. */
static size_t ref_distance(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
	size_t *row = malloc((m + 1) * sizeof(size_t));
	for (size_t j = 0; j <= m; j++)
		row[j] = j;
	for (size_t i = 1; i <= n; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= m; j++) {
			size_t up = row[j];
			size_t d = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < d)
				d = up + 1;
			if (row[j - 1] + 1 < d)
				d = row[j - 1] + 1;
			row[j] = d;
			diag = up;
		}
	}
	size_t r = row[m];
	free(row);
	return r;
}

/* Run a shell command; its stdout (and, with merge, its stderr) goes to
 * *out.  Returns the exit status (or -1). */
static int run_cmd(const char *cmd, int merge, struct sb *out)
{
	char full[8192];
	snprintf(full, sizeof(full), "%s%s", cmd, merge ? " 2>&1" : "");
	FILE *p = popen(full, "r");
	if (!p)
		return -1;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		sb_add(out, buf, n);
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int run(const char *cmd, struct sb *out)
{
	return run_cmd(cmd, 1, out);
}

static const char *tjx(void)
{
	const char *b = getenv("TJX_BIN");
	return b && *b ? b : "bin/tjx";
}

/* A test's temporary folder, removed by remove_tmp() (the .fini of the
 * tests that make one) even when an assertion failed on the way. */
static char tmp_path[64];

static char *tmpdir(void)
{
	snprintf(tmp_path, sizeof(tmp_path), "/tmp/tjx-test-eval-XXXXXX");
	cr_assert_not_null(mkdtemp(tmp_path));
	return tmp_path;
}

static void remove_tmp(void)
{
	if (!tmp_path[0])
		return;
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp_path);
	if (system(cmd) != 0)
		cr_log_warn("could not remove %s", tmp_path);
	tmp_path[0] = '\0';
}

/* A small JSON syntax checker: returns the position after one value, or NULL. */
static const char *json_ws(const char *p)
{
	while (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')
		p++;
	return p;
}

static const char *json_value(const char *p);

static const char *json_string(const char *p)
{
	if (*p != '"')
		return NULL;
	for (p++; *p && *p != '"'; p++) {
		if ((unsigned char)*p < 0x20)
			return NULL;
		if (*p == '\\') {
			p++;
			if (*p == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || !p[i])
						return NULL;
				p += 4;
			} else if (!*p || !strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		}
	}
	return *p == '"' ? p + 1 : NULL;
}

static const char *json_value(const char *p)
{
	p = json_ws(p);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		int obj = *p == '{';
		p = json_ws(p + 1);
		if (*p == close)
			return p + 1;
		for (;;) {
			if (obj) {
				p = json_string(json_ws(p));
				if (!p)
					return NULL;
				p = json_ws(p);
				if (*p++ != ':')
					return NULL;
			}
			p = json_value(p);
			if (!p)
				return NULL;
			p = json_ws(p);
			if (*p == ',') {
				p++;
				continue;
			}
			return *p == close ? p + 1 : NULL;
		}
	}
	if (*p == '"')
		return json_string(p);
	if (!strncmp(p, "true", 4))
		return p + 4;
	if (!strncmp(p, "false", 5))
		return p + 5;
	if (!strncmp(p, "null", 4))
		return p + 4;
	char *end;
	strtod(p, &end);
	return end > p ? end : NULL;
}

static int json_valid(const char *s)
{
	const char *p = json_value(s);
	return p && *json_ws(p) == '\0';
}

/* ---- matching strings ------------------------------------------------------------ */

Test(eval, strict_soft_levenshtein_on_known_values)
{
	/* strict: byte for byte */
	cr_assert_eq(eval_values_match(EVAL_STRICT, "Linda Folke", "Linda Folke"), 1);
	cr_assert_eq(eval_values_match(EVAL_STRICT, "Linda Folke", "linda folke"), 0);
	/* soft: case, white space, punctuation and symbols folded */
	cr_assert_eq(eval_values_match(EVAL_SOFT, "linda folke", "LINDA  FOLKE"), 1);
	cr_assert_eq(eval_values_match(EVAL_SOFT, "Dnr: 1.7.1-8995/2021", "dnr 1 7 1 8995 2021"),
	             1);
	cr_assert_eq(eval_values_match(EVAL_SOFT, "08 – 5782 91 28", "08-5782 91 28"), 1);
	/* diacritics are letters: soft keeps them apart */
	cr_assert_eq(eval_values_match(EVAL_SOFT, "Förvaltningen", "Forvaltningen"), 0);
	/* but the Levenshtein ratio (1 - 1/13) is above the cut-off */
	cr_assert_eq(eval_values_match(EVAL_LEVENSHTEIN, "Förvaltningen", "Forvaltningen"), 1);
	cr_assert_eq(eval_values_match(EVAL_LEVENSHTEIN, "Utbildningsnämnden", "Kommunstyrelsen"),
	             0);
	/* the cut-off itself: 10 letters, 2 edits = 0.8 matches, 3 edits = 0.7 does not */
	cr_assert_eq(eval_values_match(EVAL_LEVENSHTEIN, "abcdefghij", "abcdefghXY"), 1);
	cr_assert_eq(eval_values_match(EVAL_LEVENSHTEIN, "abcdefghij", "abcdefgXYZ"), 0);
	/* levenshtein compares the soft forms: case and punctuation are free */
	cr_assert_eq(eval_values_match(EVAL_LEVENSHTEIN, "ABCDEFGHIJ", "a.b.c.d.e.f.g.h.X.Y"), 1);
	/* empty against empty matches in every mode; empty against text does not */
	cr_assert_eq(eval_values_match(EVAL_STRICT, "", ""), 1);
	cr_assert_eq(eval_values_match(EVAL_LEVENSHTEIN, "", "x"), 0);
}

Test(eval, soft_fold)
{
	char *f =
	    eval_soft_fold("Dnr: KS-2021/1682.103 ÅÄÖ é", strlen("Dnr: KS-2021/1682.103 ÅÄÖ é"));
	cr_assert_str_eq(f, "dnrks20211682103åäöé");
	free(f);
	/* decomposed input folds like the composed form */
	f = eval_soft_fold("Go\xcc\x88teborg", strlen("Go\xcc\x88teborg"));
	cr_assert_str_eq(f, "göteborg");
	free(f);
}

Test(eval, levenshtein_ratio)
{
	cr_assert(close_to(eval_lev_ratio("kitten", "sitting"), 1.0 - 3.0 / 7.0));
	cr_assert(close_to(eval_lev_ratio("", ""), 1.0));
	cr_assert(close_to(eval_lev_ratio("å", "a"), 0.0));
	cr_assert(close_to(eval_lev_ratio("nämnden", "namnden"), 1.0 - 1.0 / 7.0));
}

Test(eval, distance_matches_the_plain_algorithm)
{
	/* pseudo-random strings over a small alphabet, of many lengths, with and
	 * without a bound: the banded algorithm must agree with the plain one */
	unsigned seed = 12345;
	for (int t = 0; t < 600; t++) {
		uint32_t a[300], b[300];
		seed = seed * 1103515245u + 12345u;
		size_t n = (seed >> 8) % 300;
		seed = seed * 1103515245u + 12345u;
		size_t m = t % 4 == 0 ? n : (seed >> 8) % 300;
		/* block edges: 63, 64, 65, 128 symbols */
		if (t % 7 == 0)
			n = 63 + (size_t)(t % 3), m = t % 2 ? 128 : n;
		for (size_t i = 0; i < n; i++) {
			seed = seed * 1103515245u + 12345u;
			/* small alphabets, and now and then a large one */
			a[i] = t % 5 == 0 ? 0x10000 + (seed >> 12) % 70000 : 'a' + (seed >> 16) % 4;
		}
		for (size_t j = 0; j < m; j++) {
			seed = seed * 1103515245u + 12345u;
			/* half the time b is a light edit of a */
			b[j] =
			    (t % 2 && j < n && (seed >> 16) % 10) ? a[j] : 'a' + (seed >> 20) % 4;
		}
		size_t want = ref_distance(a, n, b, m);
		cr_assert_eq(eval_distance(a, n, b, m, 0), want, "t=%d n=%zu m=%zu", t, n, m);
		size_t bound = (size_t)(t % 50) + 1;
		size_t got = eval_distance(a, n, b, m, bound);
		cr_assert_eq(got, want <= bound ? want : bound + 1, "t=%d bound=%zu", t, bound);
	}
	uint32_t k[] = {'k', 'i', 't', 't', 'e', 'n'}, s[] = {'s', 'i', 't', 't', 'i', 'n', 'g'};
	cr_assert_eq(eval_distance(k, 6, s, 7, 0), 3);
	cr_assert_eq(eval_distance(k, 6, s, 7, 2), 3); /* bound 2: "more than 2" */
	cr_assert_eq(eval_distance(k, 0, s, 7, 0), 7);
}

/* ---- CER and WER ---------------------------------------------------------------- */

Test(eval, cer_wer_on_known_strings)
{
	struct eval_text_errors t;
	const char *truth = "Förvaltningen föreslår att nämnden beslutar";
	const char *ocr = "Forvaltningen foreslar att namnden beslutar";
	cr_assert_eq(eval_text_compare(truth, strlen(truth), ocr, strlen(ocr), &t, NULL), 0);
	cr_assert_eq(t.ref_chars, 43);
	cr_assert_eq(t.char_errors, 4); /* ö, ö, å, ä */
	cr_assert_eq(t.ref_words, 5);
	cr_assert_eq(t.word_errors, 3);

	/* white space: runs (line breaks too) are one space, ends do not count */
	const char *a = "Datum\n2021-08-11\n\nDiarienummer  KS-2021/1682";
	const char *b = "  Datum 2021-08-11 Diarienummer\tKS-2021/1682\n";
	cr_assert_eq(eval_text_compare(a, strlen(a), b, strlen(b), &t, NULL), 0);
	cr_assert_eq(t.char_errors, 0);
	cr_assert_eq(t.word_errors, 0);
	cr_assert_eq(t.ref_chars, strlen("Datum 2021-08-11 Diarienummer KS-2021/1682"));
	cr_assert_eq(t.ref_words, 4);

	/* NFC: a decomposed ö is the same character */
	const char *c = "Go\xcc\x88teborg";
	cr_assert_eq(eval_text_compare("Göteborg", strlen("Göteborg"), c, strlen(c), &t, NULL), 0);
	cr_assert_eq(t.char_errors, 0);
	cr_assert_eq(t.ref_chars, 8);

	/* what the swe model does to symbols: "12 %" read "12 ?o", "§ 112" read "8 112" */
	const char *d = "höjs med 12 % enligt § 112";
	const char *e = "höjs med 12 ?o enligt 8 112";
	cr_assert_eq(eval_text_compare(d, strlen(d), e, strlen(e), &t, NULL), 0);
	cr_assert_eq(t.char_errors, 3); /* %->?, +o, §->8 */
	cr_assert_eq(t.word_errors, 2);
	cr_assert_eq(t.ref_words, 7);

	/* a missing text is all deletions */
	cr_assert_eq(eval_text_compare("a b c", 5, "", 0, &t, NULL), 0);
	cr_assert_eq(t.char_errors, 5);
	cr_assert_eq(t.word_errors, 3);
}

/* ---- scoring records ------------------------------------------------------------- */

Test(eval, single_fields)
{
	struct record *e = new_rec(), *g = new_rec();
	add(e, RF_TITLE, "Avtal om partnerskap", NULL, 0);
	add(e, RF_DATE, "2021-08-11", NULL, 0);
	add(e, RF_OFFICER_NAME, "Björn Rosborg", NULL, 0);
	add(g, RF_TITLE, "AVTAL OM PARTNERSKAP.", NULL, 0); /* soft match */
	add(g, RF_DATE, "2021-08-11", NULL, 0);             /* strict match */
	add(g, RF_OFFICER_NAME, "Bjorn Rosborg", NULL, 0);  /* Levenshtein only */
	add(g, RF_ADDRESSEE, "Kommunstyrelsen", NULL, 0);   /* spurious */
	struct eval_counts c[EVAL_NFIELDS];
	cr_assert_eq(eval_score_records(e, g, c, NULL), 0);
	cr_assert_eq(c[RF_DATE].matched[EVAL_STRICT], 1);
	cr_assert_eq(c[RF_TITLE].matched[EVAL_STRICT], 0);
	cr_assert_eq(c[RF_TITLE].matched[EVAL_SOFT], 1);
	cr_assert_eq(c[RF_TITLE].matched[EVAL_LEVENSHTEIN], 1);
	cr_assert_eq(c[RF_OFFICER_NAME].matched[EVAL_SOFT], 0);
	cr_assert_eq(c[RF_OFFICER_NAME].matched[EVAL_LEVENSHTEIN], 1);
	cr_assert_eq(c[RF_ADDRESSEE].expected, 0);
	cr_assert_eq(c[RF_ADDRESSEE].extracted, 1);
	cr_assert_eq(c[RF_ADDRESSEE].matched[EVAL_LEVENSHTEIN], 0);
	cr_assert_eq(c[RF_SUMMARY].expected + c[RF_SUMMARY].extracted, 0);

	/* nothing extracted: every expected value is missed */
	cr_assert_eq(eval_score_records(e, NULL, c, NULL), 0);
	cr_assert_eq(c[RF_TITLE].expected, 1);
	cr_assert_eq(c[RF_TITLE].extracted, 0);
	cr_assert_eq(c[RF_TITLE].matched[EVAL_LEVENSHTEIN], 0);
	record_free(e);
	record_free(g);
}

Test(eval, repeated_values_are_aligned_in_order)
{
	struct record *e = new_rec(), *g = new_rec();
	/* decisions: A B C expected, A C D extracted: A and C match */
	add(e, RF_DECISION, "Nämnden godkänner avtalet.", NULL, 0);
	add(e, RF_DECISION, "Beslutet justeras omedelbart.", NULL, 0);
	add(e, RF_DECISION, "Ärendet anmäls till fullmäktige.", NULL, 0);
	add(g, RF_DECISION, "Nämnden godkänner avtalet.", NULL, 0);
	add(g, RF_DECISION, "Ärendet anmäls till fullmäktige.", NULL, 0);
	add(g, RF_DECISION, "Något helt annat.", NULL, 0);
	/* sections out of order: only one of the two can keep its order */
	add(e, RF_SECTION, "Text om bakgrunden.", "Bakgrund", 0);
	add(e, RF_SECTION, "Text om ekonomin.", "Ekonomi", 0);
	add(g, RF_SECTION, "Text om ekonomin.", "Ekonomi", 0);
	add(g, RF_SECTION, "Text om bakgrunden.", "Bakgrund", 0);
	/* amounts: a repeat counts as many times as it is printed */
	add(e, RF_AMOUNT, "1,2 mnkr", "1200000", 0);
	add(e, RF_AMOUNT, "1,2 mnkr", "1200000", 0);
	add(g, RF_AMOUNT, "1,2 mnkr", "1200000", 0);
	/* signatories: each leaf is its own list */
	add(e, RF_SIGNATORY_NAME, "Anna Berg", NULL, 0);
	add(e, RF_SIGNATORY_ROLE, "Stadsdirektör", NULL, 0);
	add(e, RF_SIGNATORY_NAME, "Sören Åberg", NULL, 1);
	add(g, RF_SIGNATORY_NAME, "Soren Aberg", NULL, 0);
	add(g, RF_SIGNATORY_ROLE, "Stadsdirektör", NULL, 0);
	struct eval_counts c[EVAL_NFIELDS];
	cr_assert_eq(eval_score_records(e, g, c, NULL), 0);

	cr_assert_eq(c[RF_DECISION].expected, 3);
	cr_assert_eq(c[RF_DECISION].extracted, 3);
	cr_assert_eq(c[RF_DECISION].matched[EVAL_STRICT], 2);
	cr_assert_eq(c[RF_DECISION].matched[EVAL_LEVENSHTEIN], 2);

	cr_assert_eq(c[RF_SECTION].matched[EVAL_STRICT], 1);
	cr_assert_eq(c[EVAL_F_SECTION_HEADING].expected, 2);
	cr_assert_eq(c[EVAL_F_SECTION_HEADING].matched[EVAL_STRICT], 1);

	cr_assert_eq(c[RF_AMOUNT].expected, 2);
	cr_assert_eq(c[RF_AMOUNT].matched[EVAL_STRICT], 1);
	cr_assert_eq(c[EVAL_F_AMOUNT_SEK].expected, 2);
	cr_assert_eq(c[EVAL_F_AMOUNT_SEK].extracted, 1);
	cr_assert_eq(c[EVAL_F_AMOUNT_SEK].matched[EVAL_STRICT], 1);

	/* names: "Anna Berg" is missed and "Soren Aberg" is Sören Åberg only
	 * under Levenshtein, which then cannot also pair Anna Berg */
	cr_assert_eq(c[RF_SIGNATORY_NAME].expected, 2);
	cr_assert_eq(c[RF_SIGNATORY_NAME].matched[EVAL_STRICT], 0);
	cr_assert_eq(c[RF_SIGNATORY_NAME].matched[EVAL_LEVENSHTEIN], 1);
	cr_assert_eq(c[RF_SIGNATORY_ROLE].matched[EVAL_STRICT], 1);

	struct eval_prf p = eval_prf(3, 3, 2);
	cr_assert(close_to(p.precision, 2.0 / 3));
	cr_assert(close_to(p.recall, 2.0 / 3));
	cr_assert(close_to(p.f1, 2.0 / 3));
	p = eval_prf(2, 0, 0);
	cr_assert(close_to(p.precision, 0) && close_to(p.recall, 0) && close_to(p.f1, 0));
	record_free(e);
	record_free(g);
}

/* Two cases with known counts; see the comments for the figures. */
static struct eval_report *two_case_report(void)
{
	struct eval_report *r = eval_report_new("synthetic");
	cr_assert_not_null(r);
	/* case 1: title right, date missed */
	struct record *e1 = new_rec(), *g1 = new_rec();
	add(e1, RF_TITLE, "Ny taxa för bygglov", NULL, 0);
	add(e1, RF_DATE, "2022-11-03", NULL, 0);
	add(g1, RF_TITLE, "Ny taxa för bygglov", NULL, 0);
	/* case 2: title differs in case only, date right, a spurious case number */
	struct record *e2 = new_rec(), *g2 = new_rec();
	add(e2, RF_TITLE, "Förlängt avtal för skolskjuts", NULL, 0);
	add(e2, RF_DATE, "2023-02-14", NULL, 0);
	add(g2, RF_TITLE, "FÖRLÄNGT AVTAL FÖR SKOLSKJUTS", NULL, 0);
	add(g2, RF_DATE, "2023-02-14", NULL, 0);
	add(g2, RF_CASE_NUMBER, "0456/23", NULL, 0);
	struct eval_case_data d1 = {.name = "one", .input = "input.txt", .expected = e1, .got = g1};
	struct eval_case_data d2 = {.name = "two", .input = "input.txt", .expected = e2, .got = g2};
	cr_assert_eq(eval_report_add(r, &d1, NULL), 0);
	cr_assert_eq(eval_report_add(r, &d2, NULL), 0);
	record_free(e1);
	record_free(g1);
	record_free(e2);
	record_free(g2);
	return r;
}

static double fig(const struct eval_report *r, const char *key)
{
	double v = -1;
	cr_assert_eq(eval_report_figure(r, key, &v), 1, "%s not measured", key);
	return v;
}

Test(eval, micro_macro_and_record_accuracy)
{
	struct eval_report *r = two_case_report();
	/* title: 2 expected, 2 extracted, 1 strict / 2 soft matches
	 * date: 2 expected, 1 extracted, 1 match
	 * case-number: 0 expected, 1 extracted, 0 matches */
	cr_assert(close_to(fig(r, "title.strict.precision"), 0.5));
	cr_assert(close_to(fig(r, "title.soft.f1"), 1.0));
	cr_assert(close_to(fig(r, "date.strict.precision"), 1.0));
	cr_assert(close_to(fig(r, "date.strict.recall"), 0.5));
	cr_assert(close_to(fig(r, "date.strict.f1"), 2.0 / 3));
	cr_assert(close_to(fig(r, "case-number.strict.f1"), 0.0));
	/* micro, strict: 4 expected, 4 extracted, 2 matched */
	cr_assert(close_to(fig(r, "micro.strict.precision"), 0.5));
	cr_assert(close_to(fig(r, "micro.strict.recall"), 0.5));
	/* micro, soft: 3 matched */
	cr_assert(close_to(fig(r, "micro.soft.f1"), 0.75));
	/* macro, strict: mean over title, date, case-number */
	cr_assert(close_to(fig(r, "macro.strict.precision"), (0.5 + 1.0 + 0.0) / 3));
	cr_assert(close_to(fig(r, "macro.strict.recall"), (0.5 + 0.5 + 0.0) / 3));
	cr_assert(close_to(fig(r, "macro.strict.f1"), (0.5 + 2.0 / 3 + 0.0) / 3));
	/* records: case 1 misses its date, case 2 has a spurious field */
	cr_assert(close_to(fig(r, "record.strict.accuracy"), 0.0));
	cr_assert(close_to(fig(r, "record.levenshtein.accuracy"), 0.0));
	/* not measured: no values, no truth */
	double v;
	cr_assert_eq(eval_report_figure(r, "summary.strict.f1", &v), 0);
	cr_assert_eq(eval_report_figure(r, "cer.after", &v), 0);
	/* names that are no figure */
	cr_assert_eq(eval_report_figure(r, "title.fuzzy.f1", &v), -1);
	cr_assert_eq(eval_report_figure(r, "title.strict.accuracy", &v), -1);
	cr_assert_eq(eval_report_figure(r, "nofield.strict.f1", &v), -1);
	cr_assert_eq(eval_report_figure(r, "cer.during", &v), -1);
	cr_assert_eq(eval_report_figure(r, "micro..f1", &v), -1);
	eval_report_free(r);
}

Test(eval, record_accuracy_counts_whole_records)
{
	struct eval_report *r = eval_report_new("x");
	struct record *e = new_rec(), *g = new_rec(), *h = new_rec();
	add(e, RF_TITLE, "Ny taxa", NULL, 0);
	add(g, RF_TITLE, "Ny taxa", NULL, 0);
	add(h, RF_TITLE, "ny taxa", NULL, 0);
	struct eval_case_data a = {.name = "a", .expected = e, .got = g};
	struct eval_case_data b = {.name = "b", .expected = e, .got = h};
	struct eval_case_data c = {.name = "c", .expected = e, .got = NULL, .error = "boom"};
	cr_assert_eq(eval_report_add(r, &a, NULL), 0);
	cr_assert_eq(eval_report_add(r, &b, NULL), 0);
	cr_assert_eq(eval_report_add(r, &c, NULL), 0);
	cr_assert(close_to(fig(r, "record.strict.accuracy"), 1.0 / 3));
	cr_assert(close_to(fig(r, "record.soft.accuracy"), 2.0 / 3));
	/* the failed pipeline is an error case, scored as extracting nothing */
	cr_assert_eq(eval_report_case(r, 2)->status, EVAL_CASE_ERROR);
	cr_assert_str_eq(eval_report_case(r, 2)->message, "boom");
	cr_assert(close_to(fig(r, "title.strict.recall"), 1.0 / 3));
	cr_assert_eq(eval_report_passed(r), 0);
	record_free(e);
	record_free(g);
	record_free(h);
	eval_report_free(r);
}

Test(eval, exact_cases_compare_bytes)
{
	struct eval_report *r = eval_report_new("x");
	struct record *e = new_rec(), *g = new_rec();
	add(e, RF_TITLE, "Ny taxa", NULL, 0);
	add(e, RF_DATE, "2022-11-03", NULL, 0);
	add(g, RF_TITLE, "Ny taxa för bygglov", NULL, 0);
	add(g, RF_DATE, "2022-11-03", NULL, 0);
	const char *x1 = "<record>same</record>\n", *x2 = "<record>other</record>\n";
	struct eval_case_data same = {.name = "same",
	                              .match = EVAL_MATCH_EXACT,
	                              .expected = e,
	                              .got = e,
	                              .expected_xml = x1,
	                              .expected_len = strlen(x1),
	                              .got_xml = x1,
	                              .got_len = strlen(x1)};
	struct eval_case_data differ = {.name = "differ",
	                                .match = EVAL_MATCH_EXACT,
	                                .expected = e,
	                                .got = g,
	                                .expected_xml = x1,
	                                .expected_len = strlen(x1),
	                                .got_xml = x2,
	                                .got_len = strlen(x2)};
	struct eval_case_data layout = {.name = "layout",
	                                .match = EVAL_MATCH_EXACT,
	                                .expected = e,
	                                .got = e,
	                                .expected_xml = x1,
	                                .expected_len = strlen(x1),
	                                .got_xml = x2,
	                                .got_len = strlen(x2)};
	cr_assert_eq(eval_report_add(r, &same, NULL), 0);
	cr_assert_eq(eval_report_add(r, &differ, NULL), 0);
	cr_assert_eq(eval_report_add(r, &layout, NULL), 0);
	const struct eval_case *c = eval_report_case(r, 0);
	cr_assert_eq(c->status, EVAL_CASE_OK);
	cr_assert_eq(c->identical, 1);
	c = eval_report_case(r, 1);
	cr_assert_eq(c->status, EVAL_CASE_FAILED);
	cr_assert_str_eq(c->message, "the record differs from expected.xml: title");
	cr_assert_not_null(
	    strstr(c->details, "wrong title\n  - Ny taxa\n  + Ny taxa för bygglov\n"));
	c = eval_report_case(r, 2);
	cr_assert_eq(c->status, EVAL_CASE_FAILED);
	cr_assert_not_null(strstr(c->message, "layout only"));
	record_free(e);
	record_free(g);
	eval_report_free(r);
}

/* ---- thresholds -------------------------------------------------------------------- */

Test(eval, thresholds_load_and_check)
{
	struct eval_thresholds t;
	struct ex_error err;
	cr_assert_eq(eval_thresholds_load(THRESHOLDS "/case-number.conf", &t, &err), 0);
	cr_assert_eq(t.n, 2);
	cr_assert_str_eq(t.items[0].key, "case-number.strict.f1");
	cr_assert_eq(t.items[0].is_max, 0);
	cr_assert(close_to(t.items[1].limit, 1.0)); /* "100%" */
	cr_assert_eq(t.items[1].line, 3);

	struct eval_report *r = two_case_report();
	/* case-number f1 is 0 (fails), date f1 is 2/3 (fails 100%) */
	cr_assert_eq(eval_report_check(r, &t, &err), 2);
	cr_assert_eq(eval_report_passed(r), 0);
	eval_thresholds_release(&t);

	/* rounding: a limit written as the printed figure holds */
	char path[] = "/tmp/tjx-test-thr-XXXXXX";
	int fd = mkstemp(path);
	cr_assert_geq(fd, 0);
	const char *text = "date.strict.f1.min = 0.6667  # two thirds, as printed\n"
	                   "macro.strict.f1.min = 38.89%\n"
	                   "title.soft.f1.min = 1\n";
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	cr_assert_eq(eval_thresholds_load(path, &t, &err), 0);
	cr_assert_eq(eval_report_check(r, &t, &err), 0);
	cr_assert_eq(eval_report_passed(r), 1);
	cr_assert_eq(eval_report_nchecks(r), 3);
	cr_assert(eval_report_get_check(r, 0)->pass);
	eval_thresholds_release(&t);
	unlink(path);
	eval_report_free(r);
}

Test(eval, thresholds_reject_mistakes)
{
	struct eval_thresholds t;
	struct ex_error err;
	ex_clear(&err);
	cr_assert_lt(eval_thresholds_load(THRESHOLDS "/bad-key.conf", &t, &err), 0);
	cr_assert_eq(err.code, EX_USAGE);
	cr_assert_eq(err.line, 3);
	cr_assert_not_null(strstr(err.msg, "officer/shoe-size"));
	cr_assert_lt(eval_thresholds_load(THRESHOLDS "/bad-bound.conf", &t, &err), 0);
	cr_assert_not_null(strstr(err.msg, ".max"), "%s", err.msg);
	cr_assert_lt(eval_thresholds_load(THRESHOLDS "/bad-value.conf", &t, &err), 0);
	cr_assert_not_null(strstr(err.msg, "1.5"), "%s", err.msg);
	cr_assert_lt(eval_thresholds_load(THRESHOLDS "/does-not-exist.conf", &t, &err), 0);
	cr_assert_eq(err.code, EX_USAGE);
}

Test(eval, thresholds_raise_keeps_the_file)
{
	struct eval_report *r = two_case_report();
	const char *text = "# comment stays\n"
	                   "date.strict.f1.min = 0.5   # raised to 0.6667\n"
	                   "micro.soft.f1.min   = 90%\n"
	                   "title.strict.f1.min = 10%\n"
	                   "summary.strict.f1.min = 0.1\n";
	struct sb out = SB_INIT;
	size_t changed = 0;
	cr_assert_eq(eval_thresholds_raise(r, text, strlen(text), &out, &changed, NULL), 0);
	cr_assert_eq(changed, 2);
	cr_assert_str_eq(out.buf, "# comment stays\n"
	                          "date.strict.f1.min = 0.6667   # raised to 0.6667\n"
	                          "micro.soft.f1.min   = 90%\n"
	                          "title.strict.f1.min = 50.00%\n"
	                          "summary.strict.f1.min = 0.1\n");
	sb_release(&out);
	eval_report_free(r);
}

/* ---- output ---------------------------------------------------------------------- */

static struct eval_report *report_with_awkward_text(void)
{
	struct eval_report *r = eval_report_new("corpus <&> \"x\"");
	struct record *e = new_rec(), *g = new_rec();
	add(e, RF_TITLE, "Avtal <med> \"citat\" & mer", NULL, 0);
	add(g, RF_TITLE, "Avtal", NULL, 0);
	const char *x1 = "a", *x2 = "b";
	struct eval_case_data d = {.name = "case <1> & \"2\"",
	                           .input = "input.txt",
	                           .match = EVAL_MATCH_EXACT,
	                           .expected = e,
	                           .got = g,
	                           .expected_xml = x1,
	                           .expected_len = 1,
	                           .got_xml = x2,
	                           .got_len = 1,
	                           .truth = "Avtal med",
	                           .truth_len = 9,
	                           .before = "Avta1 med",
	                           .before_len = 9,
	                           .after = "Avtal med",
	                           .after_len = 9};
	struct eval_case_data d2 = {.name = "broken\x01input",
	                            .expected = e,
	                            .got = NULL,
	                            .error = "input.pdf: not a PDF \x02 <really>"};
	cr_assert_eq(eval_report_add(r, &d, NULL), 0);
	cr_assert_eq(eval_report_add(r, &d2, NULL), 0);
	struct eval_thresholds t = {0};
	struct eval_threshold items[] = {
	    {.key = "title.strict.f1", .limit = 0.5},
	    {.key = "cer.after", .is_max = 1, .limit = 0.0},
	};
	t.items = items;
	t.n = 2;
	t.file = "thresholds <test>.conf";
	cr_assert_eq(eval_report_check(r, &t, NULL), 1);
	record_free(e);
	record_free(g);
	return r;
}

Test(eval, junit_is_well_formed_and_names_fields)
{
	struct eval_report *r = report_with_awkward_text();
	struct sb out = SB_INIT;
	cr_assert_eq(eval_format_junit(r, &out), 0);
	xmlDocPtr doc = xmlReadMemory(out.buf, (int)out.len, "junit.xml", NULL, XML_PARSE_NONET);
	cr_assert_not_null(doc, "JUnit output is not well-formed:\n%s", out.buf);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	cr_assert_str_eq((const char *)root->name, "testsuites");
	/* two suites: the cases and the thresholds */
	int suites = 0, cases = 0, failures = 0, errors = 0;
	int named_title = 0, threshold_failure = 0;
	for (xmlNodePtr s = root->children; s; s = s->next) {
		if (s->type != XML_ELEMENT_NODE)
			continue;
		suites++;
		for (xmlNodePtr c = s->children; c; c = c->next) {
			if (c->type != XML_ELEMENT_NODE)
				continue;
			cases++;
			for (xmlNodePtr f = c->children; f; f = f->next) {
				if (f->type != XML_ELEMENT_NODE)
					continue;
				xmlChar *msg = xmlGetProp(f, BAD_CAST "message");
				if (!strcmp((const char *)f->name, "failure")) {
					failures++;
					if (msg && strstr((const char *)msg, "differs from "
					                                     "expected.xml: title"))
						named_title = 1;
					if (msg && strstr((const char *)msg, "title.strict.f1 is "
					                                     "0.00%, below"))
						threshold_failure = 1;
				}
				if (!strcmp((const char *)f->name, "error"))
					errors++;
				xmlFree(msg);
			}
		}
	}
	cr_assert_eq(suites, 2);
	cr_assert_eq(cases, 4);
	cr_assert_eq(failures, 2);
	cr_assert_eq(errors, 1);
	cr_assert(named_title);
	cr_assert(threshold_failure);
	xmlChar *tests = xmlGetProp(root, BAD_CAST "tests");
	cr_assert_str_eq((const char *)tests, "4");
	xmlFree(tests);
	xmlFreeDoc(doc);
	/* the same report gives the same bytes */
	struct sb again = SB_INIT;
	cr_assert_eq(eval_format_junit(r, &again), 0);
	cr_assert_str_eq(out.buf, again.buf);
	sb_release(&out);
	sb_release(&again);
	eval_report_free(r);
}

Test(eval, json_is_valid_and_stable)
{
	struct eval_report *r = report_with_awkward_text();
	struct sb out = SB_INIT, again = SB_INIT;
	cr_assert_eq(eval_format_json(r, &out), 0);
	cr_assert(json_valid(out.buf), "not JSON:\n%s", out.buf);
	cr_assert_eq(eval_format_json(r, &again), 0);
	cr_assert_str_eq(out.buf, again.buf);
	/* keys in their fixed order */
	const char *keys[] = {"\"corpus\"",  "\"passed\": false", "\"levenshtein_cutoff\": 0.8000",
	                      "\"summary\"", "\"cases\"",         "\"fields\"",
	                      "\"micro\"",   "\"macro\"",         "\"records\"",
	                      "\"text\"",    "\"thresholds\""};
	const char *at = out.buf;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *k = strstr(at, keys[i]);
		cr_assert_not_null(k, "%s missing or out of order", keys[i]);
		at = k;
	}
	/* the CER of the one case with truth: "Avta1 med" against "Avtal med" */
	cr_assert_not_null(strstr(out.buf, "\"cer\": {\"before\": 0.1111, \"after\": 0.0000}"));
	sb_release(&out);
	sb_release(&again);
	eval_report_free(r);
}

Test(eval, table_names_what_failed)
{
	struct eval_report *r = report_with_awkward_text();
	struct sb out = SB_INIT;
	cr_assert_eq(eval_format_table(r, &out), 0);
	cr_assert_not_null(strstr(out.buf, "the record differs from expected.xml: title"));
	cr_assert_not_null(
	    strstr(out.buf, "title.strict.f1.min: 0.00% is below the minimum 50.00%"));
	cr_assert_not_null(strstr(out.buf, "\nFAIL\n"));
	sb_release(&out);
	eval_report_free(r);
}

/* ---- a corpus ------------------------------------------------------------------------ */

Test(eval, corpus_runs_in_name_order)
{
	struct eval_options o;
	memset(&o, 0, sizeof(o));
	o.pipe.rules_dir = "rules";
	struct eval_report *r = NULL;
	struct ex_error err;
	cr_assert_eq(eval_corpus(CORPUS, &o, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(eval_report_ncases(r), 2);
	const struct eval_case *a = eval_report_case(r, 0), *b = eval_report_case(r, 1);
	cr_assert_str_eq(a->name, "01-header-exact");
	cr_assert_str_eq(b->name, "02-legacy-ocr");
	cr_assert_eq(a->match, EVAL_MATCH_EXACT);
	cr_assert_eq(a->status, EVAL_CASE_OK, "%s", a->message ? a->message : "");
	cr_assert_eq(a->identical, 1);
	cr_assert_eq(b->match, EVAL_MATCH_SCORED);
	cr_assert_str_eq(b->input, "input.txt");
	/* the legacy-OCR input lost its diacritics: its text is far from the truth */
	cr_assert(b->has_text);
	cr_assert_gt(b->text[0].char_errors, 20);
	cr_assert_eq(b->text[0].ref_chars, 391); /* code points, white space runs as one */
	cr_assert_eq(b->text[0].ref_words, 50);
	/* truth.txt of the exact case is its input: no errors before normalising */
	cr_assert_eq(a->text[0].char_errors, 0);
	cr_assert_eq(a->counts[RF_CASE_NUMBER].matched[EVAL_STRICT], 1);
	cr_assert_eq(b->counts[RF_CASE_NUMBER].matched[EVAL_STRICT], 1);
	/* the legacy case cannot have its Swedish officer name right in strict mode
	 * unless the normaliser repaired it; either way it was expected */
	cr_assert_eq(b->counts[RF_OFFICER_NAME].expected, 1);
	eval_report_free(r);
}

Test(eval, exact_case_fails_when_expected_differs, .fini = remove_tmp)
{
	char *d = tmpdir();
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
	         "cp -r " CORPUS "/01-header-exact '%s/' && "
	         "sed -i 's|<title>Ny taxa för bygglov</title>|<title>Ny taxa</title>|' "
	         "'%s/01-header-exact/expected.xml'",
	         d, d);
	cr_assert_eq(system(cmd), 0);
	struct eval_options o;
	memset(&o, 0, sizeof(o));
	o.pipe.rules_dir = "rules";
	struct eval_report *r = NULL;
	struct ex_error err;
	cr_assert_eq(eval_corpus(d, &o, &r, &err), 0, "%s", err.msg);
	const struct eval_case *c = eval_report_case(r, 0);
	cr_assert_eq(c->status, EVAL_CASE_FAILED);
	cr_assert_str_eq(c->message, "the record differs from expected.xml: title");
	cr_assert_eq(eval_report_passed(r), 0);
	eval_report_free(r);

	/* the case folder alone is a corpus of one */
	char one[600];
	snprintf(one, sizeof(one), "%s/01-header-exact/", d);
	cr_assert_eq(eval_corpus(one, &o, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(eval_report_ncases(r), 1);
	cr_assert_str_eq(eval_report_case(r, 0)->name, "01-header-exact");
	eval_report_free(r);
}

Test(eval, broken_cases_are_errors_and_the_run_goes_on, .fini = remove_tmp)
{
	char *d = tmpdir();
	char cmd[2048];
	snprintf(cmd, sizeof(cmd),
	         "cp -r " CORPUS
	         "/01-header-exact '%s/a-no-input' && rm '%s/a-no-input/input.txt' && "
	         "cp -r " CORPUS "/01-header-exact '%s/b-bad-expected' && "
	         "echo '<record' > '%s/b-bad-expected/expected.xml' && "
	         "cp -r " CORPUS "/01-header-exact '%s/c-binary' && "
	         "printf '\\000\\001\\002binary' > '%s/c-binary/input.txt' && "
	         "cp -r " CORPUS "/01-header-exact '%s/d-fine' && "
	         "sed -i 's|01-header-exact/input|d-fine/input|' '%s/d-fine/expected.xml' && "
	         "cp -r " CORPUS "/01-header-exact '%s/e-bad-conf' && "
	         "echo 'match = sometimes' > '%s/e-bad-conf/case.conf' && mkdir '%s/.hidden'",
	         d, d, d, d, d, d, d, d, d, d, d);
	cr_assert_eq(system(cmd), 0);
	struct eval_options o;
	memset(&o, 0, sizeof(o));
	o.pipe.rules_dir = "rules";
	struct eval_report *r = NULL;
	struct ex_error err;
	cr_assert_eq(eval_corpus(d, &o, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(eval_report_ncases(r), 5);
	cr_assert_eq(eval_report_case(r, 0)->status, EVAL_CASE_ERROR);
	cr_assert_not_null(strstr(eval_report_case(r, 0)->message, "no input"));
	/* its expected values count as missed */
	cr_assert_eq(eval_report_case(r, 0)->scored, 1);
	cr_assert_eq(eval_report_case(r, 0)->counts[RF_TITLE].expected, 1);
	cr_assert_eq(eval_report_case(r, 0)->counts[RF_TITLE].extracted, 0);
	/* a broken expected.xml cannot be scored */
	cr_assert_eq(eval_report_case(r, 1)->scored, 0);
	cr_assert_eq(eval_report_case(r, 1)->status, EVAL_CASE_ERROR);
	cr_assert_not_null(strstr(eval_report_case(r, 1)->message, "expected.xml"));
	/* the input is unreadable: scored as extracting nothing */
	cr_assert_eq(eval_report_case(r, 2)->status, EVAL_CASE_ERROR);
	cr_assert_eq(eval_report_case(r, 2)->scored, 1);
	cr_assert_eq(eval_report_case(r, 2)->counts[RF_TITLE].extracted, 0);
	cr_assert_eq(eval_report_case(r, 3)->status, EVAL_CASE_OK);
	cr_assert_eq(eval_report_case(r, 4)->status, EVAL_CASE_ERROR);
	cr_assert_not_null(strstr(eval_report_case(r, 4)->message, "sometimes"));
	/* in worker processes, the report is the same */
	struct sb one = SB_INIT, par = SB_INIT;
	cr_assert_eq(eval_format_json(r, &one), 0);
	eval_report_free(r);
	o.jobs = 3;
	cr_assert_eq(eval_corpus(d, &o, &r, &err), 0, "%s", err.msg);
	cr_assert_eq(eval_format_json(r, &par), 0);
	cr_assert_str_eq(one.buf, par.buf);
	sb_release(&one);
	sb_release(&par);
	eval_report_free(r);
}

/* ---- the command ------------------------------------------------------------------ */

Test(eval_cli, fails_when_a_rule_is_broken, .fini = remove_tmp)
{
	char cmd[4096];
	struct sb out = SB_INIT;
	/* with the rules as they are, the synthetic corpus meets its thresholds */
	snprintf(cmd, sizeof(cmd), "%s eval -q --rules rules --thresholds %s/case-number.conf %s",
	         tjx(), THRESHOLDS, CORPUS);
	int rc = run(cmd, &out);
	cr_assert_eq(rc, 0, "intact rules: exit %d\n%s", rc, out.buf);

	/* break the case-number rules: "(?!)" in front of the group can never
	 * match, so the pattern compiles but finds nothing */
	char *d = tmpdir();
	snprintf(
	    cmd, sizeof(cmd),
	    "cp -r rules '%s/rules' && sed -i 's/(?<case_number>/(?<case_number>(?!)/g' "
	    "'%s'/rules/fields/*.rules && grep -q -F '(?<case_number>(?!)' -r '%s/rules/fields'",
	    d, d, d);
	cr_assert_eq(system(cmd), 0, "the rule could not be broken: has its format changed?");
	sb_reset(&out);
	snprintf(cmd, sizeof(cmd),
	         "%s eval -q --rules '%s/rules' --thresholds %s/case-number.conf --junit "
	         "'%s/junit.xml' %s",
	         tjx(), d, THRESHOLDS, d, CORPUS);
	rc = run(cmd, &out);
	cr_assert_eq(rc, 1, "broken rule: exit %d\n%s", rc, out.buf);
	cr_assert_not_null(strstr(out.buf, "threshold not met: case-number.strict.f1.min: 0.00% is "
	                                   "below 100.00%"),
	                   "%s", out.buf);
	/* the exact case fails too, naming the field */
	cr_assert_not_null(strstr(out.buf, "01-header-exact: failed: the record differs from "
	                                   "expected.xml: case-number"),
	                   "%s", out.buf);
	/* and the JUnit file says so */
	char path[600];
	snprintf(path, sizeof(path), "%s/junit.xml", d);
	xmlDocPtr doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
	cr_assert_not_null(doc);
	xmlFreeDoc(doc);
	struct sb junit = SB_INIT;
	cr_assert_eq(sb_read_file(&junit, path), 0);
	cr_assert_not_null(strstr(junit.buf, "name=\"case-number.strict.f1.min\""));
	cr_assert_not_null(strstr(junit.buf, "expected.xml: case-number\""));
	sb_release(&junit);
	sb_release(&out);
}

Test(eval_cli, exit_codes, .fini = remove_tmp)
{
	char cmd[2048];
	struct sb out = SB_INIT;
	snprintf(cmd, sizeof(cmd), "%s eval", tjx());
	cr_assert_eq(run(cmd, &out), 2);
	snprintf(cmd, sizeof(cmd), "%s eval --bogus %s", tjx(), CORPUS);
	cr_assert_eq(run(cmd, &out), 2);
	snprintf(cmd, sizeof(cmd), "%s eval tests/data/eval/no-such-corpus", tjx());
	cr_assert_eq(run(cmd, &out), 2);
	sb_reset(&out);
	snprintf(cmd, sizeof(cmd), "%s eval --thresholds %s/bad-key.conf %s", tjx(), THRESHOLDS,
	         CORPUS);
	cr_assert_eq(run(cmd, &out), 2);
	cr_assert_not_null(strstr(out.buf, "bad-key.conf:3:"), "%s", out.buf);
	/* rules missing: exit 3 */
	sb_reset(&out);
	snprintf(cmd, sizeof(cmd), "%s eval --rules tests/data/eval/no-rules-here %s", tjx(),
	         CORPUS);
	cr_assert_eq(run(cmd, &out), 3, "%s", out.buf);
	/* a corpus with no cases */
	char *d = tmpdir();
	snprintf(cmd, sizeof(cmd), "%s eval '%s'", tjx(), d);
	int rc = run(cmd, &out);
	remove_tmp();
	cr_assert_eq(rc, 2);
	/* --json gives JSON on stdout and nothing else there */
	sb_reset(&out);
	snprintf(cmd, sizeof(cmd), "%s eval -q --json %s 2>/dev/null", tjx(), CORPUS);
	cr_assert_eq(run_cmd(cmd, 0, &out), 0);
	cr_assert(json_valid(out.buf), "%s", out.buf);
	sb_release(&out);
}
