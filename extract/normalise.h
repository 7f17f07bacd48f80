/* normalise.h - repair Swedish OCR text: rules (PCRE2) and a lexicon (hunspell).
 *
 * A `struct norm` is built once per process from the files under rules/ (all
 * patterns compiled and JIT-compiled up front; a broken rule fails the build
 * with EX_RULE at file:line) and then applied to any number of documents.
 * It is not thread-safe: use one per worker.
 *
 * norm_doc() rewrites each line of a doc in place: l->text becomes the
 * repaired text, l->orig keeps the text as read and l->edits lists every
 * change with the id of the rule that made it.  Line structure is kept:
 * line N out is line N in.
 */
#ifndef TJX_NORMALISE_H
#define TJX_NORMALISE_H

#include <stddef.h>

#include "doc.h"
#include "error.h"

struct norm_options {
	const char *rules_dir; /* the rules/ folder */
	const char *dict_dir;  /* hunspell dictionaries; NULL: /usr/share/hunspell */
	int no_lexicon;        /* 1: rules only, no word repair (no hunspell needed) */
	float conf_guard;      /* a lexicon word read with at least this OCR confidence is
				  left alone; 0 = the default (see normalise.c) */
};

struct norm_stats {
	size_t lines;      /* lines seen */
	size_t words;      /* words seen */
	size_t changed;    /* edits made */
	int lost_diacritics; /* the document-level signal fired: å/ä/ö were lost */
};

struct norm;

/* Build a normaliser.  On success *out is the caller's, freed with norm_free(). */
int norm_new(const struct norm_options *opt, struct norm **out, struct ex_error *err);
void norm_free(struct norm *n);

/* Normalise every line of d in place (see above).  stats may be NULL. */
int norm_doc(struct norm *n, struct doc *d, struct norm_stats *stats, struct ex_error *err);

/* Run every `test` line of every rule.  For each failing test, fn is called
 * with the rule's file, line and a one-line message; returns the number of
 * failures (0 = all pass) or a negative error. */
int norm_check_rules(struct norm *n,
		     void (*fn)(void *ctx, const char *file, int line, const char *msg), void *ctx,
		     struct ex_error *err);

#endif
