/* lexicon.h - is a string a Swedish word, and how common is it?
 *
 * The lexicon answers from four sources, all loaded once by lex_new():
 *   - hunspell sv_SE through libhunspell (Debian's hunspell-sv): inflections
 *     and compounds ("barnrättsperspektiv");
 *   - rules/lexicon/additions.words: place, board and municipal words hunspell
 *     lacks ("Funktionshinderrådet", "Södertörn"), one a line, '#' comments;
 *   - rules/lexicon/tesseract.words: Tesseract's own Swedish word list;
 *   - rules/lexicon/freq.tsv: word counts in Swedish prose, the frequency
 *     prior of word repair;
 *   - rules/lexicon/municipal.words: the word forms of municipal case
 *     documents, which that prose lacks or undervalues ("vård", "nämnden"):
 *     each counts LEX_MUNICIPAL_COUNT more.
 * (rules/lexicon/README says where each file comes from and how to remake it.)
 *
 * hunspell is slow next to a hash look-up (tens of microseconds for a
 * rejected compound), so every answer is cached: a word is asked of hunspell
 * at most once per lexicon (the cache is cleared when it grows past
 * LEX_CACHE_MAX entries).  A lexicon is not thread-safe: one per worker.
 *
 * Words are UTF-8 in NFC; case is handled as hunspell does (a lower-case word
 * may be written with a capital or in capitals, not the other way round).
 */
#ifndef TJX_LEXICON_H
#define TJX_LEXICON_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* How a word is known, weakest first. */
enum lex_tier {
	LEX_UNKNOWN = 0,  /* not a word */
	LEX_HUNSPELL = 1, /* accepted by hunspell only (often a compound it built) */
	LEX_LISTED = 2,   /* in Tesseract's word list as well (or hunspell's own stem list) */
	LEX_OURS = 3,     /* in our additions */
};

struct lex_options {
	const char *dir;      /* rules/lexicon */
	const char *dict_dir; /* hunspell dictionaries; NULL: /usr/share/hunspell */
	const char *lang;     /* NULL: "sv_SE" */
};

struct lex;

/* Load a lexicon.  Fails with EX_DEP when the hunspell dictionary or a list is
 * missing.  On success *out is the caller's, freed with lex_free(). */
int lex_new(const struct lex_options *opt, struct lex **out, struct ex_error *err);
void lex_free(struct lex *lx);

/* The tier of w[0..n) (enum lex_tier). */
int lex_check(struct lex *lx, const char *w, size_t n);

/* 1 when the lower-case w[0..n) is in one of the word lists (Tesseract's, the
 * prior's, our additions), without asking hunspell: a hash look-up.  (The
 * lists alone do not make a word: lex_check() has the final say.) */
int lex_listed(struct lex *lx, const char *w, size_t n);

/* 1 when w[0..n) is a compound of a listed head and a known, listed tail that
 * hunspell's compounding does not build ("undervisningsråd": "undervisnings"
 * is "undervisning" with its linking s, "råd" a word; "gymnasierådet"): the
 * head, of at least five letters, is a listed word or one and a linking
 * "s" (hunspell confirms one of fewer than seven letters; "gymnasie" is a
 * listed form it rejects); the tail, of at least three, a word the prior
 * has seen that hunspell accepts.  Word repair accepts such a compound as a candidate; it
 * never makes the word as read known. */
int lex_compound(struct lex *lx, const char *w, size_t n);

/* 1 when w[0..n) has the shape of an infinitive: it ends in "a" and hunspell
 * takes it for its own stem and no other ("stärka", "göra"; not "starka",
 * whose stem is "stark"); 2 when it ends in "a" and is its own stem and
 * another's form too, perhaps an infinitive ("gälla", also "gäll";
 * "fortsatta", also "fortsatt"); or 1 when it ends in e,
 * o, å, ä or ö, is its own only stem and has a present tense in r ("ingå",
 * "ingår"; not "grå", "små"); or it is such a word and an "s" ("göras").
 * Pronouns of the same shape ("inga", "båda") are word-pair's to exclude
 * (its not-infinitive list).  The context rules of word repair ("att göra",
 * "att ingå") use it.  Answers are cached. */
int lex_infinitive(struct lex *lx, const char *w, size_t n);

/* 1 when our additions write w[0..n) (in any case) with a capital and never
 * in lower case: a name ("Österåker", "Södertörn"), which hunspell may yet
 * take in lower case as a compound ("öster" + "åker"). */
int lex_name(struct lex *lx, const char *w, size_t n);

/* 1 when the lower-case low[0..n) is the beginning of a name of lex_name()
 * (or a whole one), on a letter's boundary: what lets a search that builds
 * a name letter by letter stop early.  The beginnings are made on the first
 * call (a few thousand hash entries, freed by lex_free()); should that fail
 * for want of memory, every text is taken for a beginning. */
int lex_name_prefix(struct lex *lx, const char *low, size_t n);

/* 0 when w[0..n) cannot be a Swedish word because it has a sequence of three
 * letters (counting the word's start and end as letters) that no word of
 * hunspell's stem list or the lists has, or more than one such sequence of
 * four (one is a compound's joint); 1 otherwise.  loose: a compound whose
 * joint makes rare letter sequences ("industri|ändamål": "riä") passes
 * with one unseen sequence of three and three of four.  A few nanoseconds:
 * word repair asks this before it asks hunspell about a candidate. */
int lex_plausible(const struct lex *lx, const char *w, size_t n, int loose);

/* How often the lower-case form of w[0..n) was seen in the prior's prose;
 * 0 when never.  Our additions count as LEX_ADDITION_COUNT; the word forms
 * of municipal.words LEX_MUNICIPAL_COUNT more than the prose gave them. */
uint32_t lex_freq(struct lex *lx, const char *w, size_t n);
#define LEX_ADDITION_COUNT  20
#define LEX_MUNICIPAL_COUNT 50

/* Statistics for the bench and the tests. */
struct lex_stats {
	size_t hunspell_calls; /* cache misses that went to hunspell */
	size_t lookups;        /* lex_check() calls */
	size_t words;          /* words in the lists */
};
void lex_get_stats(const struct lex *lx, struct lex_stats *st);

/* ---- a string-keyed map ------------------------------------------------------
 * Open addressing, keys and values copied into an arena the map owns.  Used
 * for the lexicon's lists and caches and by the normaliser's repair cache. */
struct lex_map;

/* A new empty map, NULL when out of memory. */
struct lex_map *lex_map_new(void);
void lex_map_free(struct lex_map *m);
void lex_map_clear(struct lex_map *m);
size_t lex_map_count(const struct lex_map *m);

/* Find key: 1 and *num (and *val, *vlen when not NULL) filled, or 0.  *val
 * points into the map and stays valid until the map is cleared or freed. */
int lex_map_get(const struct lex_map *m, const char *key, size_t klen, uint32_t *num,
                const char **val, size_t *vlen);
/* Insert or overwrite.  val may be NULL (vlen 0).  Returns 0 or -1 (memory). */
int lex_map_put(struct lex_map *m, const char *key, size_t klen, uint32_t num, const char *val,
                size_t vlen);

/* Like lex_map_get(), but *num points at the entry's number, which the caller
 * may change in place (valid until the next put, clear or free). */
int lex_map_ref(struct lex_map *m, const char *key, size_t klen, uint32_t **num, const char **val,
                size_t *vlen);

/* Walk the entries: start with *it = 0; each call fills the next entry and
 * returns 1, or returns 0 at the end.  Order is the table's, not insertion's. */
int lex_map_next(const struct lex_map *m, size_t *it, const char **key, size_t *klen,
                 uint32_t *num);

/* Lower-case w[0..n) into out (which must hold 2n+1 bytes: lower case can be
 * longer); returns the length.  Fast for ASCII and Latin-1 letters. */
size_t lex_lower(const char *w, size_t n, char *out);

#endif
