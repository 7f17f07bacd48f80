/* fields.h - the field extractor: a normalised doc in, a record out.
 *
 * The extractor is driven by the files in rules/fields/: the document-type
 * classifier, per-field PCRE2 patterns with named groups, the vocabulary of
 * section headings, page furniture, and the fields each document type
 * requires.  A `struct fields` compiles them once; it is not thread-safe
 * (one per worker).
 */
#ifndef TJX_FIELDS_H
#define TJX_FIELDS_H

#include "doc.h"
#include "error.h"
#include "record.h"
#include "strbuf.h"

struct fields_options {
	const char *rules_dir; /* the rules/ folder */
	int lenient;           /* 1: a missing required field is not an error */
};

struct fields;

int fields_new(const struct fields_options *opt, struct fields **out, struct ex_error *err);
void fields_free(struct fields *f);

/* Extract the fields of d.  On success *out is a new record (the caller frees
 * it with record_free()) whose source element is filled from d.  When a field
 * the document type requires is missing the call fails with EX_FIELD naming
 * it, and *out is NULL, unless the options say lenient.  With `debug` not
 * NULL, the text the rules saw and, for each field, the rule that matched
 * (or why none did) are appended to it. */
int fields_extract(struct fields *f, const struct doc *d, struct record **out, struct sb *debug,
                   struct ex_error *err);

/* Run the `test` lines of the field rules; like norm_check_rules(). */
int fields_check_rules(struct fields *f,
                       void (*fn)(void *ctx, const char *file, int line, const char *msg),
                       void *ctx, struct ex_error *err);

#endif
