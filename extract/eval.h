/* eval.h - score extracted records against hand-checked ones (`tjx eval`).
 *
 * The scoring follows GROBID's end-to-end evaluation.  For every corpus case
 * the record the pipeline extracts is compared with the case's expected.xml,
 * field by field, in three match modes:
 *
 *   strict       the values are equal byte for byte (both are NFC, white
 *                space tidied by record_add());
 *   soft         equal after case folding (utf8_casefold) and dropping every
 *                code point that is not a letter or a digit: white space,
 *                punctuation and symbols ("Dnr: 1.7.1-8995/2021" soft-equals
 *                "dnr 1 7 1 8995 2021");
 *   levenshtein  the Levenshtein ratio of the two soft-folded values,
 *                1 - distance / max(length), in code points, is at least
 *                EVAL_LEV_CUTOFF (0.8, GROBID's cut-off).  Two empty values
 *                have ratio 1.  Each mode accepts whatever the stricter one
 *                accepts.
 *
 * The scored fields are the record's fields (record_field_path(): "title",
 * "officer/phone", "sections/section", "signatories/signatory/name", ...)
 * plus the qualifiers that carry content of their own, scored as fields:
 * "sections/section/@heading", "attachments/attachment/@n" and
 * "amounts/amount/@sek".  (A decision's @n is its place, checked by the
 * record's validation, and not scored.)  The source element is not scored.
 *
 * Repeated values.  A field's values are taken in record order, for fields
 * that repeat (decisions, sections, amounts, ...) and for the fields of
 * signatories and parties alike (all signatories' names form one list).
 * The values matched are the longest sequence of one-to-one pairs (expected,
 * extracted) that match in the mode and keep their order on both sides: a
 * longest common subsequence under the mode's comparison.  A value out of
 * its place counts as one missed and one spurious value.
 *
 * Figures.  For a field, over the cases scored:
 *   precision = matched / extracted   (0 when nothing was extracted)
 *   recall    = matched / expected    (0 when nothing was expected)
 *   f1        = 2 P R / (P + R)       (0 when P + R = 0)
 * A field is measured when some case expects or extracts a value of it.
 * The micro average sums matched, expected and extracted over every field;
 * the macro average is the mean of the measured fields' precision, recall
 * and f1.  Record accuracy is the share of cases whose every field matched
 * (matched = expected = extracted for each field) in the mode; a case whose
 * pipeline failed counts as extracting nothing.
 *
 * Text.  Where a case has truth.txt, the document's text as read (before
 * normalisation) and as normalised (after) are compared with it.  Both sides
 * are put in NFC and every run of white space (line breaks included) becomes
 * one space, with none at the ends; the text of a document is its lines
 * joined by line breaks.  CER is the Levenshtein distance over code points
 * divided by the number of code points of the truth; WER the same over words
 * (maximal runs of non-white-space, punctuation included, case kept).  Over
 * the corpus both are micro averages: total errors / total truth length.
 *
 * Every figure has a key, used by the thresholds file and the JSON output:
 *   <scope>.<mode>.<metric>    scope: micro, macro or a field name;
 *                              mode: strict, soft, levenshtein;
 *                              metric: precision, recall, f1
 *   record.<mode>.accuracy
 *   cer.before  cer.after  wer.before  wer.after
 *
 * Thresholds file: key = value lines; '#' starts a comment.  A key is a
 * figure's key followed by ".min" (scores) or ".max" (cer, wer); the value is
 * a fraction ("0.85") or a percentage ("85%").  Figures are compared as
 * printed, rounded to four decimals (two in percent).
 *
 * Ownership: an eval_report owns every string and array reachable from it.
 * Functions returning char * return a new string the caller frees.
 */
#ifndef TJX_EVAL_H
#define TJX_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "pipeline.h"
#include "record.h"
#include "strbuf.h"

enum eval_mode { EVAL_STRICT, EVAL_SOFT, EVAL_LEVENSHTEIN, EVAL_NMODES };

/* "strict", "soft", "levenshtein"; eval_mode_from_name() returns -1 for
 * anything else. */
const char *eval_mode_name(enum eval_mode m);
int eval_mode_from_name(const char *name);

#define EVAL_LEV_CUTOFF 0.8

/* The scored fields: the record's fields (enum rec_field), then these. */
enum {
	EVAL_F_SECTION_HEADING = RF__COUNT, /* sections/section/@heading */
	EVAL_F_ATTACHMENT_N,                /* attachments/attachment/@n */
	EVAL_F_AMOUNT_SEK,                  /* amounts/amount/@sek */
	EVAL_NFIELDS
};

/* A scored field's name ("officer/name", "sections/section/@heading"), and
 * the field for a name, or -1. */
const char *eval_field_name(int f);
int eval_field_from_name(const char *name);

/* ---- comparing strings ----------------------------------------------------- */

/* Levenshtein distance between two sequences of numbers (code points, word
 * ids), by Myers' bit-vector algorithm: time O(n m / 64).  With max_dist > 0
 * anything larger than max_dist is reported as max_dist + 1 (and lengths
 * that far apart are not compared); with 0 the distance is exact.  Returns
 * (size_t)-1 when memory runs out. */
size_t eval_distance(const uint32_t *a, size_t n, const uint32_t *b, size_t m, size_t max_dist);

/* The soft form of s[0..n): case folded, letters and digits only (see
 * above).  NULL when memory runs out. */
char *eval_soft_fold(const char *s, size_t n);

/* 1 - distance / max(length) of the code points of a and b, as given (no
 * folding); 1 when both are empty.  -1 when memory runs out. */
double eval_lev_ratio(const char *a, const char *b);

/* 1 when the two values match in the mode, 0 when not, -1 on no memory. */
int eval_values_match(enum eval_mode mode, const char *expected, const char *extracted);

/* Character and word errors of a text against its truth (see above). */
struct eval_text_errors {
	size_t ref_chars, char_errors; /* code points of the truth; edit distance */
	size_t ref_words, word_errors; /* words of the truth; edit distance over words */
};

int eval_text_compare(const char *truth, size_t tn, const char *text, size_t n,
                      struct eval_text_errors *out, struct ex_error *err);

/* ---- comparing records ------------------------------------------------------ */

struct eval_counts {
	size_t expected, extracted;
	size_t matched[EVAL_NMODES];
};

/* Score the values of `got` against `expected`, one eval_counts per scored
 * field (out is overwritten).  got may be NULL: nothing was extracted. */
int eval_score_records(const struct record *expected, const struct record *got,
                       struct eval_counts out[EVAL_NFIELDS], struct ex_error *err);

struct eval_prf {
	double precision, recall, f1;
};

/* Precision, recall and f1 from counts, as defined above. */
struct eval_prf eval_prf(size_t expected, size_t extracted, size_t matched);

/* ---- a corpus run ------------------------------------------------------------ */

enum eval_match {
	EVAL_MATCH_SCORED, /* case.conf: match = scored (the default) */
	EVAL_MATCH_EXACT,  /* match = exact: the record must equal expected.xml */
};

enum eval_status {
	EVAL_CASE_OK,
	EVAL_CASE_FAILED, /* an exact case whose record differs from expected.xml */
	EVAL_CASE_ERROR,  /* the case could not be run or scored (message says why) */
};

const char *eval_status_name(enum eval_status s); /* "ok", "failed", "error" */

struct eval_case {
	char *name;  /* the case folder's name */
	char *input; /* "input.txt", "input.pdf", ...; NULL when there is none */
	enum eval_match match;
	enum eval_status status;
	char *message; /* one line: why the case failed or erred; NULL when ok */
	char *details; /* the differing values, as `tjx diff` prints them (expected as old,
			  extracted as new) with the kinds named "missed", "spurious" and
			  "wrong"; NULL when none */
	int scored;    /* expected.xml was read, so counts[] mean something */
	int identical; /* exact cases: the record equals expected.xml byte for byte */
	struct eval_counts counts[EVAL_NFIELDS];
	int has_text;                    /* truth.txt was compared: text[] mean something */
	struct eval_text_errors text[2]; /* [0] before normalisation, [1] after */
};

/* What one case brings to eval_report_add().  Everything is borrowed. */
struct eval_case_data {
	const char *name;
	const char *input;
	enum eval_match match;
	const struct record *expected; /* NULL: expected.xml could not be read */
	const struct record *got;      /* NULL: the pipeline gave no record */
	const char *error;             /* why expected or got is missing; NULL when not */
	const char *expected_xml;      /* exact cases: the expected and the extracted */
	size_t expected_len;           /* record text, compared byte for byte */
	const char *got_xml;
	size_t got_len;
	const char *truth; /* truth.txt, or NULL */
	size_t truth_len;
	const char *before, *after;   /* the document's text before and after */
	size_t before_len, after_len; /* normalisation (with truth) */
};

struct eval_report;

/* A new empty report for the corpus at `corpus` (a name for the output). */
struct eval_report *eval_report_new(const char *corpus);
void eval_report_free(struct eval_report *r);

/* Score one case and add it to the report (cases are kept in the order
 * added).  Fails only when memory runs out. */
int eval_report_add(struct eval_report *r, const struct eval_case_data *c, struct ex_error *err);

size_t eval_report_ncases(const struct eval_report *r);
const struct eval_case *eval_report_case(const struct eval_report *r, size_t i);

/* The corpus totals of one field (summed over the scored cases). */
struct eval_counts eval_report_field(const struct eval_report *r, int field);

/* A figure by its key (see above).  Returns 1 and sets *v when the figure
 * was measured, 0 when it was not (no values of the field, no truth.txt),
 * -1 when the key names no figure. */
int eval_report_figure(const struct eval_report *r, const char *key, double *v);

/* Check that a key names a figure: 0, or EX_USAGE with a message. */
int eval_key_check(const char *key, struct ex_error *err);

/* ---- thresholds ------------------------------------------------------------- */

struct eval_threshold {
	char *key;  /* the figure's key, without .min/.max */
	int is_max; /* 1: the figure may not exceed limit; 0: may not fall below */
	double limit;
	int line; /* in the thresholds file */
};

struct eval_thresholds {
	char *file;
	struct eval_threshold *items;
	size_t n;
};

/* Read a thresholds file.  A malformed line, an unknown key or a bound of
 * the wrong kind (cer.after.min) fails with EX_USAGE at file:line. */
int eval_thresholds_load(const char *path, struct eval_thresholds *t, struct ex_error *err);
void eval_thresholds_release(struct eval_thresholds *t);

/* The outcome of one threshold, kept in the report. */
struct eval_check {
	char *key; /* the figure's key */
	int is_max;
	double limit;
	int measured; /* 0: the figure could not be measured, which fails */
	double value;
	int pass;
};

/* Check every threshold against the report and keep the outcomes in it (a
 * second call replaces them).  Returns the number that failed, or a
 * negative error. */
int eval_report_check(struct eval_report *r, const struct eval_thresholds *t, struct ex_error *err);
size_t eval_report_nchecks(const struct eval_report *r);
const struct eval_check *eval_report_get_check(const struct eval_report *r, size_t i);

/* 1 when the run passed: no case failed or erred and every threshold held. */
int eval_report_passed(const struct eval_report *r);

/* Raise the thresholds in the text of a thresholds file to what the report
 * measured: each min that the figure exceeds is set to the figure, each max
 * the figure is under is lowered to it; comments, order and every other
 * line are kept.  The new text is appended to out; *changed (may be NULL)
 * counts the lines rewritten. */
int eval_thresholds_raise(const struct eval_report *r, const char *text, size_t len, struct sb *out,
                          size_t *changed, struct ex_error *err);

/* ---- output ------------------------------------------------------------------ */

/* The report as a table for people, as JSON (keys in a fixed order), and as
 * JUnit XML (a testsuite of the cases, a testcase each, and one of the
 * thresholds).  Appended to out; -1 when memory runs out. */
int eval_format_table(const struct eval_report *r, struct sb *out);
int eval_format_json(const struct eval_report *r, struct sb *out);
int eval_format_junit(const struct eval_report *r, struct sb *out);

/* ---- running a corpus ------------------------------------------------------- */

struct eval_options {
	struct pipe_options pipe; /* rules, OCR options; provenance and lenience are set by eval */
	int jobs;                 /* worker processes; 0 or 1: the cases run in this process */
	/* Called after each case (may be NULL), with its place and the count. */
	void (*progress)(void *ctx, const struct eval_case *c, size_t i, size_t n, double seconds);
	void *ctx;
};

/* Run the pipeline over every case of the corpus folder and score it.
 * Cases are the folder's sub-folders not starting with '.', in byte order
 * of their names (a folder holding expected.xml is a corpus of one case).
 * Each holds one input.* file, expected.xml, optionally truth.txt and
 * case.conf (key = value lines: match = exact|scored, and keys eval does
 * not read: seed, made, note).  The input is named "<case>/input.<ext>" in
 * its record (source/@file), as `tjx run CORPUS` names it.  A case that
 * cannot be run is an error case
 * in the report, and the run goes on.  With jobs > 1 each case's pipeline
 * runs in a worker process of its own (a crash is then an error case too);
 * the report is the same either way.  Fails, with *out NULL, when the
 * corpus cannot be read or has no cases (EX_USAGE, EX_IO), or when the
 * rules, the schema or OCR data are missing or broken (EX_DEP, EX_RULE):
 * then no figure would mean anything. */
int eval_corpus(const char *corpus, const struct eval_options *opt, struct eval_report **out,
                struct ex_error *err);

#endif
