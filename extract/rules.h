/* rules.h - read the rule files under rules/ into plain structs.
 *
 * A rule file is a list of blocks an archivist can read and edit:
 *
 *	# comment
 *	[rule-id]
 *	why     = what the rule is for
 *	pattern = (?<value>\d{4}-\d{2}-\d{2})
 *	test    = Datum 2021-08-11 => 2021-08-11
 *
 * A key may repeat (several `test` lines); a line that starts with white
 * space continues the previous value (joined with a newline).  This module
 * only parses: compiling patterns is the business of the module that uses
 * them (normalise.c, fields.c), which reports errors as file:line.
 *
 * Ownership: a rules_set owns every string in it; rules_set_release() frees
 * them.  Pointers into a set stay valid until it is released.
 */
#ifndef TJX_RULES_H
#define TJX_RULES_H

#include <stddef.h>

#include "error.h"

struct rules_entry {
	char *key;
	char *value;
	int line; /* line of the key in the file */
};

struct rules_block {
	char *id;
	char *file; /* the file it came from, as opened */
	int line;   /* line of the [id] header */
	struct rules_entry *entries;
	size_t nentries;
};

struct rules_set {
	struct rules_block *blocks;
	size_t nblocks;
};

#define RULES_SET_INIT                                                                             \
	{                                                                                          \
		NULL, 0                                                                            \
	}

void rules_set_release(struct rules_set *set);

/* Append the blocks of one file.  Duplicate ids within the set are an error. */
int rules_load_file(struct rules_set *set, const char *path, struct ex_error *err);

/* Append every `*<suffix>` file of `dir`, in name order. */
int rules_load_dir(struct rules_set *set, const char *dir, const char *suffix,
                   struct ex_error *err);

/* The first value of `key` in the block, or NULL. */
const char *rules_get(const struct rules_block *b, const char *key);
/* The entry of the first value of `key`, or NULL (for its line number). */
const struct rules_entry *rules_entry(const struct rules_block *b, const char *key);

/* Fail (EX_RULE, file:line) when the block has a key not in the NULL-ended
 * `allowed` list, or lacks one of the NULL-ended `required` keys. */
int rules_check_keys(const struct rules_block *b, const char *const *allowed,
                     const char *const *required, struct ex_error *err);

/* Call fn for each non-blank line of a list file with comments ('#' to the end
 * of the line, unless escaped as '\#') and surrounding white space removed.
 * A negative return from fn stops the walk and is returned. */
int rules_read_lines(const char *path, int (*fn)(void *ctx, char *line, int lineno), void *ctx,
                     struct ex_error *err);

/* Whether patterns should be JIT-compiled: yes unless the environment sets
 * TJX_JIT=0.  JIT code is correct but confuses memory checkers such as
 * valgrind (Debian's PCRE2 is built without valgrind support), so the
 * valgrind test runs with TJX_JIT=0. */
int rules_jit_enabled(void);

/* A digest (hex SHA-256) of every file under dir, by name and content, so a
 * run manifest can tell when the rules changed. */
int rules_digest(const char *dir, char out[65], struct ex_error *err);

#endif
