/* normalise.h - repair Swedish OCR text: rules (PCRE2) and a lexicon (hunspell).
 *
 * A `struct norm` is built once per process from the files under rules/ (all
 * patterns compiled and JIT-compiled up front, the confusion table and the
 * lexicon loaded; a broken rule fails the build with EX_RULE at file:line) and
 * then applied to any number of documents.  It is not thread-safe: use one
 * per worker.  Repairs are cached inside it, so later documents with the same
 * words cost less.
 *
 * norm_doc() rewrites each line of a doc in place: l->text becomes the
 * repaired text, l->orig keeps the text as read and l->edits lists every
 * change with the id of the rule that made it.  Line structure is kept:
 * line N out is line N in.  A word hyphenated across a line end ("fack-" /
 * "liga") is rejoined on the line where it starts, its tail removed from the
 * next line; when that would leave the next line empty, the joined word goes
 * to the next line instead and its head is removed from the first (both
 * edits carry the rule id `dehyphenate`).
 *
 * Policy of word repair (rules/normalise/README has the whole story):
 *  - a token is a candidate only when the lexicon rejects it; its candidates
 *    come from the confusion table and are kept only when the lexicon accepts
 *    them; the best by edit cost and frequency prior wins; case and
 *    surrounding punctuation are kept;
 *  - a word the lexicon accepts changes only in a document that lost its
 *    å/ä/ö (the document-level signal: over a thousand letters of Swedish
 *    text with no å/ä/ö), and then only to a variant the prior makes several
 *    times likelier ("for" -> "för", never "har" -> "här"), or by a context rule;
 *  - such a word is left alone when the OCR read it with a confidence of at
 *    least conf_guard (doc_line.words).
 */
#ifndef TJX_NORMALISE_H
#define TJX_NORMALISE_H

#include <stddef.h>

#include "doc.h"
#include "error.h"

enum norm_lost {
	NORM_LOST_AUTO = 0, /* decide per document */
	NORM_LOST_NEVER,    /* the text has its diacritics (e.g. our own swe OCR) */
	NORM_LOST_ALWAYS,   /* the text lost them (a known legacy layer) */
};

struct norm_options {
	const char *rules_dir; /* the rules/ folder */
	const char *dict_dir;  /* hunspell dictionaries; NULL: /usr/share/hunspell */
	int no_lexicon;        /* 1: rules only, no word repair (no hunspell needed) */
	float conf_guard;      /* a lexicon word read with at least this OCR confidence is
				  left alone; 0 = the default (90) */
	enum norm_lost lost_diacritics;
};

struct norm_stats {
	size_t lines;        /* lines seen */
	size_t changed;      /* edits made */
	int lost_diacritics; /* the document-level signal fired: å/ä/ö were lost */
	/* the line rules a line may need were found for it at once (the rules'
	 * prefilters as bit sets and their `needs` texts as one automaton), not
	 * asked rule by rule: so when the rules fit (at most 128 line rules) */
	int prefiltered;
	/* the lexicon's work for this document: its look-ups (lex_check) and,
	 * of those, the ones no cache answered, asked of hunspell; 0 without a
	 * lexicon */
	size_t lex_lookups, hunspell_calls;
};

struct norm;

/* Build a normaliser.  On success *out is the caller's, freed with norm_free(). */
int norm_new(const struct norm_options *opt, struct norm **out, struct ex_error *err);
void norm_free(struct norm *n);

/* Normalise every line of d in place (see above).  stats may be NULL. */
int norm_doc(struct norm *n, struct doc *d, struct norm_stats *stats, struct ex_error *err);

/* What each rule cost, for rule authors (`tjx normalise --profile`). */
struct norm_rule_profile {
	const char *id, *file; /* the rule's; owned by the normaliser */
	size_t asked;          /* lines it ran on (past its prefilters); documents, for a
	                          document step */
	size_t changed;        /* lines it changed */
	double seconds;        /* wall-clock time in it */
};

/* Count, from now on, what each rule costs in norm_doc() (on != 0), or stop
 * and forget (on == 0).  Off by default: the clock costs a little per rule
 * and line.  Where word-pair runs within word-repair's pass (a document that
 * lost its å/ä/ö), both are counted as word-repair.  Returns -1 when out of
 * memory. */
int norm_profile(struct norm *n, int on);

/* The counts, one per rule, in the order the rules run; *out is the
 * normaliser's, valid until norm_profile() or norm_free().  0 when off. */
size_t norm_profile_get(const struct norm *n, const struct norm_rule_profile **out);

/* NULL when the line rules fit the prefilters (see norm_stats.prefiltered);
 * else why not, one line: the rules then run on every line one by one, at a
 * fraction of the speed.  Owned by n. */
const char *norm_unfiltered(const struct norm *n);

/* Run every `test` (and `test-lost`: as in a document that lost its
 * diacritics) line of every rule.  For each failing test, fn is called with
 * the rule's file, line and a one-line message; returns the number of
 * failures (0 = all pass) or a negative error.  Word-repair tests are skipped
 * when the normaliser was built without the lexicon. */
int norm_check_rules(struct norm *n,
                     void (*fn)(void *ctx, const char *file, int line, const char *msg), void *ctx,
                     struct ex_error *err);

#endif
