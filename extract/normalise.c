/* normalise.c - see normalise.h.
 *
 * Rules live in the .rules files of rules/normalise and run in file-name order, top to
 * bottom.  A rule is either
 *	find    = literal text          (PCRE2_LITERAL)
 * or
 *	pattern = regular expression    (PCRE2_UTF | PCRE2_UCP)
 * with `replace` (PCRE2 extended substitution: $1, ${name}, \x{..}) and any
 * number of `test = input => expected` lines, checked by `tjx check-rules`
 * (`test-lost` lines are run as if the document had lost its å/ä/ö), or
 *	builtin = word-repair | dehyphenate
 * which places one of the two steps that need more than a regular expression
 * (the lexicon, or the next line) at that point of the sequence.  A rule with
 * `when = lost-diacritics` runs only on a document that has lost å/ä/ö.
 *
 * Edits are tracked as a list of segments per line: a segment is either text
 * copied from the line as read, or replacement text standing for a span of
 * it.  Each rule application rewrites the segment list, so the final edit
 * list always refers to the original text, however many rules touched it.
 *
 * Word repair (see normalise.h for the policy): a token the lexicon rejects
 * gets candidates from the confusion table (rules/normalise/confusion.tsv),
 * each a set of at most MAX_EDITS substitutions; candidates are tried in
 * order of cost (-ln p of each substitution, relative to reading the
 * characters as printed) and the accepted one with the best score
 *	ln(freq + 1) - cost + tier bonus
 * wins.  Answers are cached per token, so a document (and a batch) pays for
 * each distinct damaged word once.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "normalise.h"

#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lexicon.h"
#include "rules.h"
#include "strbuf.h"
#include "utf8.h"

enum rule_kind {
	RK_REGEX,
	RK_WORDS,
	RK_PAIRS,
	RK_HYPHEN,
	RK_DOC_ACRONYM,
	RK_DOC_VOCAB,
	RK_DOC_MARKS,
	RK_DOC_PLACES,
	RK_DOC_CASE,
	RK_DOC_PARA_END,
	RK_DOC_CONFUSION,
	RK_DOC_HEADING_NUMBER,
	RK_DOC_LIST_I,
	RK_DOC_LIST_NUMBER,
	RK_DOC_QUOTES,
	RK_DOC_CHANNEL,
	RK_DOC_SPELLING,
	RK_DOC_SHAPE_CASE
};

#define MAX_NEEDS  8 /* 'needs' lines of one rule */
#define MASK_WORDS 3 /* rules the prefilter bit sets cover: 64 a word */
/* The three prefilters a rule passes on a line: one of the bytes a match may
 * begin with, the byte every match needs (both struct norm's mask_byte), one
 * of its `needs` texts (struct needs_dfa). */
enum { MASK_FIRST, MASK_NEED, MASK_TEXT, NMASK };

/* The `needs` texts of all line rules as one automaton (Aho-Corasick, its
 * table complete over classes of bytes): one pass over a line finds every
 * rule one of whose texts the line contains. */
struct needs_dfa {
	unsigned char cls[256]; /* a byte's class; 0: in no text */
	unsigned nclass, nstates;
	unsigned stride; /* a state's row in step: state * stride (nclass, made even) */
	/* step[state * stride + class]: the state after a byte of the class, as
	 * its row (state * stride, even), plus 1 when a text ends there.  16 bits
	 * an entry, so that the table stays near the first-level cache: a line's
	 * pass waits on each look-up.  (Rows were a power of two long until stop
	 * 19: a 65th class doubled the table past 16 bits) */
	uint16_t *step;
	/* the same in 32 bits, instead, when the table has more than 65536
	 * entries (more rules' texts, more distinct bytes in them): twice the
	 * cache, but the rules still prefiltered */
	uint32_t *step32;
	uint64_t (*rules)[MASK_WORDS]; /* [state]: the rules whose text ends there */
	/* ceil(2^32 / stride): a row's state is (row * recip) >> 32, exact for
	 * the rows of a table of at most 2^31 entries (a multiply, not a divide,
	 * on each text found) */
	uint32_t recip;
	/* the bytes as classes of the first two prefilters (bytes that let the
	 * same rules through MASK_FIRST and MASK_NEED are one class):
	 * mask_bit[b], byte b's class as a bit of two words, so that a line's
	 * pass gathers its classes in two registers */
	uint64_t mask_bit[256][2];
};

struct nrule {
	const struct rules_block *b; /* owned by norm->set */
	enum rule_kind kind;
	int when_lost;        /* only when the document lost its å/ä/ö */
	const char *when_has; /* only when the document contains this text */
	int has;              /* ... and it does (set per document) */
	pcre2_code *re;
	int jit; /* re has JIT code: matched with pcre2_jit_match() */
	PCRE2_SPTR replace;
	/* PCRE2's own start-up knowledge, used to skip a line without calling it:
	 * the bytes a match can start with (all when `any`), and a byte every
	 * match contains (when `need`) */
	uint64_t first[4];
	int any;
	int need;   /* -1: none */
	int need2;  /* the other case of `need`, or -1 */
	int across; /* 'across = line-end': lookbehinds see the line above's last word */
	/* 'needs = TEXT' lines: a line with none of the TEXTs is skipped unasked
	 * (the TEXTs, \x20 read as a space, owned) */
	char *needs[MAX_NEEDS];
	size_t needs_len[MAX_NEEDS];
	int nneeds;
};

/* One line of the confusion table: OCR printed `ocr`, the source had `truth`. */
struct conf {
	uint32_t ocr[2];
	int nocr;
	char truth[16];
	int tlen;
	double cost;   /* -ln p, less the cost of reading the OCR text as printed */
	int diacritic; /* truth is ocr with a diacritic added (a→ä, O→Ö) */
	int implied;   /* not a line of the table: another line in the other case */
	double p;      /* the table's p */
	int swedish;   /* truth is one letter å, ä or ö (either case) */
};

#define MAX_EDITS      4    /* substitutions in one repaired word */
#define MAX_PAIR_EDITS 2    /* ... in a word the lexicon knows (lost diacritics) */
#define MAX_CANDS      1000 /* candidates enumerated for one word (fewest edits first) */
#define MAX_LISTED     200  /* candidates looked up in the word lists, cheapest first */
#define MAX_TRIES      40   /* hunspell look-ups for one word's compounds */
#define MAX_WORD       64   /* code points; longer tokens are left alone */
/* places and rows of one word's substitutions (an unsigned char indexes them) */
#define MAX_SITES          250
#define LEX_COMPOUND_PRIOR 2.5 /* ln of a compound's best prior (head/10) + bonus */
/* a known word changes only when its variant is this much more likely */
#define PAIR_RATIO 1.0
/* how much less a word known only as hunspell's compound counts as a reading */
#define HUNSPELL_ONLY_DOUBT 1.5
/* how much better a name's reading made of place-name elements is than a
 * compound of other words (about an edit: "Gärde|s|vägen", not the guard's
 * "Gardes|vägen") */
#define PLACE_BONUS 2.5
/* how much less a compound only lex_compound() accepts counts */
#define OWN_COMPOUND_DOUBT 2.5

struct cand;

#define CONF_INDEX_CPS 0x400 /* code points the confusion index covers */

/* A set of a document's lines, by number: a bit each (a batch's document of
 * half a million lines costs 62 kB, where a list of them cost megabytes). */
struct lineset {
	uint64_t *w;
	size_t nw;
};

struct norm {
	/* the confusion table's rows that can apply where the OCR printed code
	 * point c < CONF_INDEX_CPS, in table order: cx[cx_start[c] ..
	 * cx_start[c + 1]) (rows whose OCR text begins with c, and those that
	 * put back a dropped letter); cx_ins: the latter alone */
	uint16_t *cx, *cx_ins;
	uint32_t cx_start[CONF_INDEX_CPS + 1];
	size_t ncx_ins;
	/* word repair's candidate arrays, kept from one search to the next: a
	 * search never runs inside another */
	struct cand *cbuf, *cout;
	size_t cbuf_alloc, cout_alloc;
	struct rules_set set;
	struct nrule *rules;
	size_t nrules;
	pcre2_match_data *md;
	float conf_guard;
	int force_lost;  /* -1 auto, 0 never, 1 always */
	struct lex *lex; /* NULL without the lexicon */
	struct conf *conf;
	size_t nconf;
	struct lex_map *memo;      /* token -> repair ("" = none), per mode */
	uint64_t wordish_ascii[2]; /* ASCII non-letters the table turns into letters */
	const char *keep_before;   /* dehyphenate: words that keep the hyphen */
	struct sb scratch;
	/* the line memo (repair_line_both): line -> edits and what the document
	 * phase was told, the bytes it holds, a key, and while a line goes the
	 * full way, what collect() and note_case() were asked, to be asked
	 * again when the line comes back (NULL: not recording) */
	struct lex_map *lines;
	size_t line_bytes;
	struct sb line_key, *rec;
	/* the document being normalised (see norm_doc): */
	struct doc *doc;
	int doc_words;         /* collect its vocabulary and leftovers */
	int doc_habits;        /* count its word repairs' confusions, note unseen words */
	uint32_t docgen;       /* stamps memo entries already collected for it */
	int leftover;          /* set by word_core: a word neither known nor repaired */
	int lost;              /* the document being normalised lost its å/ä/ö: word
				  repair reads names as document-places does (the
				  memos' keys say so) */
	struct lex_map *vocab; /* lower-case word with å/ä/ö word-repair made -> count */
	struct leftover *left; /* chunks with such a word, where they are */
	size_t nleft, aleft;
	struct lineset acr; /* lines with a chunk that may hold an acronym */
	/* the lines each word the lexicon knows and the prior never saw stands
	 * on (wl[i] for the word unseen_words numbers i + 1) */
	struct wordlines {
		size_t *v;
		size_t n, cap;
	} * wl;
	size_t nwl, awl;
	/* lines the document steps look at, noted as the line pass finishes them
	 * (note_line): so that no step walks every line of a long document (the
	 * document steps before them make no such lines; marked_lines also
	 * takes their edits, line_edit) */
	struct lineset comma_items;  /* opening with a number and a comma (list-number) */
	struct lineset quote_lines;  /* with a straight quotation mark (quotes) */
	struct lineset bar_items;    /* list items opening with "|" or "{" as read (list-i) */
	struct lineset marked_lines; /* with an edit by a rule other than word repair
	                                that puts in å/ä/ö (spelling) */
	const char *repair_interned; /* word repair's id as the document's edits have it */
	const char *pair_interned;   /* word pair's */
	char unfiltered[200]; /* why the rules do not fit the prefilters (when they do not) */
	struct lex_map *unseen_words; /* those words -> their number in wl */
	struct lineset rare_lines;    /* lines where word repair mended a word with a rare_self */
	struct lex_map *lower;        /* words repaired to a small å/ä/ö first letter */
	struct leftover *caps;        /* ... and to a capital one inside a sentence */
	size_t ncaps, acaps;
	uint64_t confusable[16]; /* code points < 0x400 read for å/ä/ö (vocab_dist) */
	struct {
		char w[8]; /* CTX_MAX */
		unsigned char len;
		char kind; /* 'A' an infinitive follows, 'D' none does */
	} ctx_words[96];   /* word-pair's infinitive-after, no-infinitive-after */
	size_t nctx_words;
	unsigned char ctx_slot[256]; /* hash of a folded word -> index + 1 */
	unsigned ctx_lens;           /* bit k: some context word has k letters */
	int ctx;                     /* 'A', 'D' or 0: the context of the word searched */
	struct lex_map *rule_ids;    /* rule id -> index in rules */
	struct lex_map *not_inf;     /* word-pair's not-infinitive: "inga", "båda" */
	struct lex_map *places;      /* document-places' elements: "sjö", "ängen" */
	struct lex_map *place_pre;   /* ... and their beginnings ("sj", "än") */
	size_t *next_run[2];         /* [lost][i]: the first rule from i on that runs over
	                        lines in this document (plan_rules), nrules: none */
	/* The line rules' prefilters as bit sets over rule indexes, so that a
	 * line's candidates are found once for its bytes, not rule by rule:
	 * mask_byte[b][f], the rules byte b lets through prefilter f (MASK_FIRST
	 * or MASK_NEED); needs, the rules MASK_TEXT lets through; mask_base[f],
	 * those f lets through on any line (a match that may begin anywhere,
	 * needs no byte, has no `needs`; the builtins); plan, those of next_run.
	 * Used when there are at most 64 * MASK_WORDS rules, and mask_nibble
	 * the same for the bytes' classes (needs_dfa.mask_bit), of which there
	 * may be 128, four classes at a time: mask_nibble[g][v], the rules the
	 * classes 4g + i let through, for each bit i of v.  A line's classes are
	 * then or'ed in at most 32 look-ups, not one a class (a line has some
	 * thirty: it was 40% of the prefilter's instructions). */
	int mask;
	uint64_t mask_byte[256][MASK_TEXT][MASK_WORDS], mask_base[NMASK][MASK_WORDS];
	uint64_t mask_nibble[32][16][MASK_TEXT][MASK_WORDS];
	struct needs_dfa needs;
	uint64_t plan[2][MASK_WORDS];
	struct norm_rule_profile *prof; /* per rule, when counting (norm_profile) */
	size_t lines_edited;            /* lines the document steps changed, so far */
	/* characters the table says are almost never themselves (é), with that
	 * probability, and their first UTF-8 bytes (document-channel) */
	struct {
		uint32_t cp;
		double keep;
	} rare_self[16];
	size_t nrare_self;
	unsigned char rare_first[256];
	/* the confusions the document's word repairs used (count_confusions) */
	struct dconf {
		uint32_t from, to; /* lower case: the printed character, the letter */
		unsigned words;    /* distinct words */
	} dc[64];
	size_t ndc;
	struct lex_map *dc_seen; /* the pairs and words counted */
};

/* A whitespace-delimited chunk of line `line` with a word the lexicon
 * rejects and word-repair could not repair. */
struct leftover {
	size_t line;
	char *chunk;
	size_t len;
};

static int confusable_slow(const struct norm *n, uint32_t c);
static int ctx_load(struct norm *n, const char *list, char kind);
static int words_load(struct lex_map *m, const char *list);
static int beginnings(const struct lex_map *from, struct lex_map *to);

static const char *const rule_keys[] = {"why",
                                        "find",
                                        "pattern",
                                        "replace",
                                        "test",
                                        "test-lost",
                                        "when",
                                        "builtin",
                                        "table",
                                        "keep-before",
                                        "infinitive-after",
                                        "no-infinitive-after",
                                        "not-infinitive",
                                        "across",
                                        "look-alike",
                                        "needs",
                                        "elements",
                                        NULL};
static const char *const rule_required[] = {"why", NULL};

static void set_byte(uint64_t *bits, unsigned c)
{
	bits[c >> 6] |= 1ull << (c & 63);
	if ((c | 32) >= 'a' && (c | 32) <= 'z') /* either case: caseless patterns */
		bits[(c ^ 32) >> 6] |= 1ull << ((c ^ 32) & 63);
}

static void rule_prefilter(struct nrule *r)
{
	uint32_t type = 0, unit = 0;
	const uint8_t *bitmap = NULL;
	r->any = 1;
	r->need = r->need2 = -1;
	memset(r->first, 0, sizeof(r->first));
	if (pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTCODETYPE, &type) == 0 && type == 1 &&
	    pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTCODEUNIT, &unit) == 0) {
		set_byte(r->first, unit & 0xFF);
		r->any = 0;
	} else if (type == 0 && pcre2_pattern_info(r->re, PCRE2_INFO_FIRSTBITMAP, &bitmap) == 0 &&
	           bitmap) {
		for (unsigned c = 0; c < 256; c++)
			if (bitmap[c >> 3] & (1u << (c & 7)))
				set_byte(r->first, c);
		r->any = 0;
	}
	if (pcre2_pattern_info(r->re, PCRE2_INFO_LASTCODETYPE, &type) == 0 && type == 1 &&
	    pcre2_pattern_info(r->re, PCRE2_INFO_LASTCODEUNIT, &unit) == 0) {
		r->need = (int)(unit & 0xFF);
		if ((r->need | 32) >= 'a' && (r->need | 32) <= 'z')
			r->need2 = r->need ^ 32;
	}
}

/* Whether s[0..n) contains t[0..tl) (tl >= 1): memchr for its first byte,
 * then a compare; for the short texts of `needs`, cheaper than memmem. */
static int has_text(const char *s, size_t n, const char *t, size_t tl)
{
	const char *p = s, *end = s + n;
	while ((size_t)(end - p) >= tl && (p = memchr(p, t[0], (size_t)(end - p) - tl + 1))) {
		if (!memcmp(p, t, tl))
			return 1;
		p++;
	}
	return 0;
}

/* Can rule r match a line whose bytes are `present`? */
static int rule_may_match(const struct nrule *r, const uint64_t *present)
{
	if (r->need >= 0 && !((present[r->need >> 6] >> (r->need & 63)) & 1) &&
	    !(r->need2 >= 0 && ((present[r->need2 >> 6] >> (r->need2 & 63)) & 1)))
		return 0;
	if (r->any)
		return 1;
	return ((r->first[0] & present[0]) | (r->first[1] & present[1]) |
	        (r->first[2] & present[2]) | (r->first[3] & present[3])) != 0;
}

static int compile_rule(struct nrule *r, const struct rules_block *b, struct ex_error *err)
{
	const char *when = rules_get(b, "when");
	r->b = b;
	if (when) {
		if (!strncmp(when, "document-has ", 13) && when[13])
			r->when_has = when + 13;
		else if (!strcmp(when, "lost-diacritics"))
			r->when_lost = 1;
		else
			return ex_fail(
			    err, EX_RULE, b->file, 0, rules_entry(b, "when")->line,
			    "rule '%s': 'when' is 'lost-diacritics' or 'document-has TEXT'", b->id);
	}
	const char *builtin = rules_get(b, "builtin");
	if (builtin) {
		if (!strcmp(builtin, "word-repair"))
			r->kind = RK_WORDS;
		else if (!strcmp(builtin, "word-pair"))
			r->kind = RK_PAIRS;
		else if (!strcmp(builtin, "dehyphenate"))
			r->kind = RK_HYPHEN;
		else if (!strcmp(builtin, "document-acronym"))
			r->kind = RK_DOC_ACRONYM;
		else if (!strcmp(builtin, "document-vocabulary"))
			r->kind = RK_DOC_VOCAB;
		else if (!strcmp(builtin, "document-marks"))
			r->kind = RK_DOC_MARKS;
		else if (!strcmp(builtin, "document-places"))
			r->kind = RK_DOC_PLACES;
		else if (!strcmp(builtin, "document-case"))
			r->kind = RK_DOC_CASE;
		else if (!strcmp(builtin, "document-paragraph-end"))
			r->kind = RK_DOC_PARA_END;
		else if (!strcmp(builtin, "document-confusion"))
			r->kind = RK_DOC_CONFUSION;
		else if (!strcmp(builtin, "document-heading-number"))
			r->kind = RK_DOC_HEADING_NUMBER;
		else if (!strcmp(builtin, "document-list-i"))
			r->kind = RK_DOC_LIST_I;
		else if (!strcmp(builtin, "document-list-number"))
			r->kind = RK_DOC_LIST_NUMBER;
		else if (!strcmp(builtin, "document-quotes"))
			r->kind = RK_DOC_QUOTES;
		else if (!strcmp(builtin, "document-channel"))
			r->kind = RK_DOC_CHANNEL;
		else if (!strcmp(builtin, "document-spelling"))
			r->kind = RK_DOC_SPELLING;
		else if (!strcmp(builtin, "document-shape-case"))
			r->kind = RK_DOC_SHAPE_CASE;
		else
			return ex_fail(
			    err, EX_RULE, b->file, 0, rules_entry(b, "builtin")->line,
			    "rule '%s': unknown builtin '%s' (word-repair, word-pair, "
			    "dehyphenate, document-acronym, document-vocabulary, "
			    "document-marks, document-places, document-case, "
			    "document-paragraph-end, "
			    "document-confusion, "
			    "document-heading-number, document-list-i, document-channel, "
			    "document-quotes, document-spelling, document-list-number, "
			    "document-shape-case)",
			    b->id, builtin);
		if (rules_get(b, "find") || rules_get(b, "pattern"))
			return ex_fail(err, EX_RULE, b->file, 0, b->line,
			               "rule '%s': a builtin has no 'find' or 'pattern'", b->id);
		return 0;
	}
	r->kind = RK_REGEX;
	const struct rules_entry *find = rules_entry(b, "find");
	const struct rules_entry *pat = rules_entry(b, "pattern");
	if (!!find == !!pat)
		return ex_fail(err, EX_RULE, b->file, 0, b->line,
		               "rule '%s': give exactly one of 'find' and 'pattern'", b->id);
	if (!rules_get(b, "replace"))
		return ex_fail(err, EX_RULE, b->file, 0, b->line, "rule '%s': no 'replace'", b->id);
	const struct rules_entry *e = find ? find : pat;
	uint32_t opts = find ? (PCRE2_LITERAL | PCRE2_UTF) : (PCRE2_UTF | PCRE2_UCP);
	for (size_t k = 0; k < b->nentries; k++) {
		const struct rules_entry *ne = &b->entries[k];
		if (strcmp(ne->key, "needs"))
			continue;
		if (!*ne->value || r->nneeds == MAX_NEEDS)
			return ex_fail(err, EX_RULE, b->file, 0, ne->line,
			               "rule '%s': 'needs' is a text, on at most %d lines", b->id,
			               MAX_NEEDS);
		/* a space at the text's ends, which the rule file's format trims,
		 * is written \x20 (" r " is "\x20r\x20") */
		char *t = malloc(strlen(ne->value) + 1);
		if (!t)
			return ex_fail(err, EX_NOMEM, b->file, 0, ne->line, "out of memory");
		size_t tl = 0;
		for (const char *v = ne->value; *v;)
			if (!strncmp(v, "\\x20", 4)) {
				t[tl++] = ' ';
				v += 4;
			} else {
				t[tl++] = *v++;
			}
		t[tl] = '\0';
		r->needs[r->nneeds] = t;
		r->needs_len[r->nneeds++] = tl;
	}
	const struct rules_entry *ac = rules_entry(b, "across");
	if (ac) {
		if (strcmp(ac->value, "line-end") || find)
			return ex_fail(err, EX_RULE, b->file, 0, ac->line,
			               "rule '%s': 'across' is 'line-end', with a 'pattern'",
			               b->id);
		/* the line above's last word and a newline come first: ^ still
		 * means the line's start, and \s in a lookbehind meets the newline */
		r->across = 1;
		opts |= PCRE2_MULTILINE;
	}
	int ecode;
	PCRE2_SIZE eoff;
	r->replace = (PCRE2_SPTR)rules_get(b, "replace");
	r->re =
	    pcre2_compile((PCRE2_SPTR)e->value, PCRE2_ZERO_TERMINATED, opts, &ecode, &eoff, NULL);
	if (!r->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		return ex_fail(err, EX_RULE, b->file, 0, e->line, "rule '%s': %s at offset %zu",
		               b->id, (const char *)msg, (size_t)eoff);
	}
	/* JIT is an optimisation: without it PCRE2 interprets, correctly. */
	r->jit = rules_jit_enabled() && pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE) == 0;
	rule_prefilter(r);
	return 0;
}

/* ---- the confusion table ---------------------------------------------------- */

struct conf_ctx {
	struct norm *n;
	const char *path;
	struct ex_error *err;
	size_t alloc;
};

static int conf_push(struct conf_ctx *c, const struct conf *e)
{
	struct norm *n = c->n;
	/* the first (likelier) line wins; a line of the table always wins over
	 * a confusion implied by another line's case (the learnt "o"→"ö" over
	 * the "o"→"ö" implied by "O"→"Ö") */
	for (size_t i = 0; i < n->nconf; i++)
		if (n->conf[i].nocr == e->nocr && !memcmp(n->conf[i].ocr, e->ocr, sizeof(e->ocr)) &&
		    !strcmp(n->conf[i].truth, e->truth)) {
			if (n->conf[i].implied && !e->implied)
				n->conf[i] = *e;
			return 0;
		}
	if (n->nconf == c->alloc) {
		c->alloc = c->alloc ? c->alloc * 2 : 64;
		struct conf *nc = realloc(n->conf, c->alloc * sizeof(*nc));
		if (!nc)
			return -1;
		n->conf = nc;
	}
	n->conf[n->nconf++] = *e;
	return 0;
}

/* Decode at most max code points of s into cps; returns the count, or -1 when
 * there are more. */
static int decode(const char *s, size_t len, uint32_t *cps, int max)
{
	int k = 0;
	for (size_t i = 0; i < len;) {
		if (k == max)
			return -1;
		cps[k++] = utf8_next(s, len, &i);
	}
	return k;
}

/* The same text with its letters in the other case, or 0 when none changes. */
static int flip_case(const uint32_t *in, int n, uint32_t *out, int upper)
{
	int changed = 0;
	for (int i = 0; i < n; i++) {
		out[i] = upper ? utf8_cp_upper(in[i]) : utf8_cp_lower(in[i]);
		changed |= out[i] != in[i];
	}
	return changed;
}

/* Whether c is å, ä or ö (small). */
static int swedish_cp(uint32_t c)
{
	return c == 0xE5 || c == 0xE4 || c == 0xF6;
}

static int conf_line(void *vctx, char *line, int lineno)
{
	struct conf_ctx *c = vctx;
	char *f[4];
	int nf = 0;
	for (char *p = line; nf < 4; nf++) {
		f[nf] = p;
		p = strchr(p, '\t');
		if (!p) {
			nf++;
			break;
		}
		*p++ = '\0';
	}
	if (nf != 4)
		return ex_fail(c->err, EX_RULE, c->path, 0, lineno,
		               "expected 'ocr<TAB>source<TAB>seen<TAB>p'");
	char *end;
	double p = strtod(f[3], &end);
	if (*end || !(p > 0 && p <= 1))
		return ex_fail(c->err, EX_RULE, c->path, 0, lineno, "bad probability '%s'", f[3]);
	struct conf e = {0};
	uint32_t t[4];
	int nt = decode(f[1], strlen(f[1]), t, 2);
	/* "∅": a letter the OCR dropped */
	e.nocr = !strcmp(f[0], "\xe2\x88\x85") ? 0 : decode(f[0], strlen(f[0]), e.ocr, 2);
	if (e.nocr < 0 || (e.nocr == 0 && f[0][0] != '\xe2') || nt <= 0 ||
	    strlen(f[1]) >= sizeof(e.truth))
		return ex_fail(c->err, EX_RULE, c->path, 0, lineno,
		               "each side is one or two characters");
	e.tlen = (int)strlen(f[1]);
	memcpy(e.truth, f[1], (size_t)e.tlen + 1);
	/* cost relative to keeping the printed text, whose probability is what
	 * the table leaves over for it (never less than 1e-3) */
	e.cost = -log(p);
	e.p = p;
	e.swedish = nt == 1 && swedish_cp(utf8_cp_lower(t[0]));
	e.diacritic = e.nocr == 1 && nt == 1 && e.ocr[0] < 0x80 && t[0] >= 0x80 &&
	              strchr("aoAO", (int)e.ocr[0]) != NULL;
	if (conf_push(c, &e) < 0)
		return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	/* The same confusion in the other case: "a"→"ä" learnt, "A"→"Ä" implied
	 * (at the same cost), unless the table says otherwise. */
	for (int up = 0; up < 2; up++) {
		struct conf v = e;
		v.implied = 1;
		uint32_t vt[2];
		if (!flip_case(e.ocr, e.nocr, v.ocr, up) || !flip_case(t, nt, vt, up))
			continue;
		/* only letter-for-letter confusions carry over */
		int ok = 1;
		for (int i = 0; i < e.nocr; i++)
			ok &= utf8_is_alpha(e.ocr[i]);
		if (!ok)
			continue;
		int o = 0;
		for (int i = 0; i < nt; i++)
			o += utf8_encode(vt[i], v.truth + o);
		v.truth[o] = '\0';
		v.tlen = o;
		if (conf_push(c, &v) < 0)
			return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	}
	return 0;
}

/* After loading: make each cost relative to reading the printed character
 * as itself, whose probability is what the table leaves over for it. */
static int conf_relative(struct norm *n)
{
	/* every keep cost from the table's own p, before any cost is changed */
	double *keep = calloc(n->nconf ? n->nconf : 1, sizeof(*keep));
	if (!keep)
		return -1;
	for (size_t i = 0; i < n->nconf; i++) {
		const struct conf *e = &n->conf[i];
		for (int k = 0; k < e->nocr; k++) {
			double left = 1;
			for (size_t j = 0; j < n->nconf; j++)
				if (n->conf[j].nocr == 1 && n->conf[j].ocr[0] == e->ocr[k])
					left -= exp(-n->conf[j].cost);
			keep[i] += -log(left > 1e-3 ? left : 1e-3);
		}
	}
	for (size_t i = 0; i < n->nconf; i++)
		n->conf[i].cost -= keep[i];
	free(keep);
	return 0;
}

/* document-channel reweighs only characters the table says are almost
 * never themselves (é: 0.1%). */
#define DOC_CHANNEL_MAX_KEEP 0.1

/* After loading: the characters the table says are almost never
 * themselves, with the probability that they are (what their lines leave). */
static void rare_self_find(struct norm *n)
{
	n->nrare_self = 0;
	memset(n->rare_first, 0, sizeof(n->rare_first));
	for (size_t i = 0; i < n->nconf; i++) {
		if (n->conf[i].nocr != 1)
			continue;
		uint32_t x = n->conf[i].ocr[0];
		size_t k = 0;
		while (k < n->nrare_self && n->rare_self[k].cp != x)
			k++;
		if (k < n->nrare_self)
			continue; /* counted */
		double left = 1;
		for (size_t j = 0; j < n->nconf; j++)
			if (n->conf[j].nocr == 1 && n->conf[j].ocr[0] == x)
				left -= n->conf[j].p;
		if (left > DOC_CHANNEL_MAX_KEEP || n->nrare_self == 16)
			continue;
		n->rare_self[n->nrare_self].cp = x;
		n->rare_self[n->nrare_self++].keep = left > 0 ? left : 0;
		char enc[8];
		utf8_encode(x, enc);
		n->rare_first[(unsigned char)enc[0]] = 1;
	}
}

static int load_confusion(struct norm *n, const struct rules_block *b, struct ex_error *err)
{
	/* `table` names one or more files, relative to the rule file's folder */
	const char *table = rules_get(b, "table");
	const char *slash = strrchr(b->file, '/');
	struct sb path = SB_INIT;
	struct conf_ctx c = {n, NULL, err, 0};
	int rc = 0;
	for (const char *p = table; *p && rc >= 0;) {
		size_t l = strcspn(p, " \t\n");
		if (l) {
			sb_reset(&path);
			if (slash && p[0] != '/')
				sb_add(&path, b->file, (size_t)(slash - b->file + 1));
			sb_add(&path, p, l);
			c.path = path.buf;
			rc = path.oom ? ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory")
			              : rules_read_lines(path.buf, conf_line, &c, err);
		}
		p += l;
		p += strspn(p, " \t\n");
	}
	sb_release(&path);
	if (rc >= 0 && conf_relative(n) < 0) /* once every line is in */
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	for (size_t i = 0; i < n->nconf; i++)
		if (n->conf[i].nocr == 1 && n->conf[i].ocr[0] < 0x80)
			n->wordish_ascii[n->conf[i].ocr[0] >> 6] |= 1ull
			                                            << (n->conf[i].ocr[0] & 63);
	rare_self_find(n);
	return rc;
}

/* Build n->cx (see struct norm) once the table is in. */
static int conf_index(struct norm *n)
{
	size_t ins = 0, total = 0;
	for (size_t j = 0; j < n->nconf; j++)
		ins += n->conf[j].nocr == 0;
	for (uint32_t c = 0; c < CONF_INDEX_CPS; c++) {
		n->cx_start[c] = (uint32_t)total;
		for (size_t j = 0; j < n->nconf; j++)
			total += n->conf[j].nocr == 0 || n->conf[j].ocr[0] == c;
	}
	n->cx_start[CONF_INDEX_CPS] = (uint32_t)total;
	n->cx = malloc((total ? total : 1) * sizeof(*n->cx));
	n->cx_ins = malloc((ins ? ins : 1) * sizeof(*n->cx_ins));
	if (!n->cx || !n->cx_ins || n->nconf > 0xFFFF)
		return -1;
	size_t k = 0;
	for (uint32_t c = 0; c < CONF_INDEX_CPS; c++)
		for (size_t j = 0; j < n->nconf; j++)
			if (n->conf[j].nocr == 0 || n->conf[j].ocr[0] == c)
				n->cx[k++] = (uint16_t)j;
	for (size_t j = 0; j < n->nconf; j++)
		if (n->conf[j].nocr == 0)
			n->cx_ins[n->ncx_ins++] = (uint16_t)j;
	return 0;
}

/* The confusion rows that can apply where the OCR printed cp, in table order
 * (past a word's end, end: only those that put back a dropped letter):
 * *nrows indices into n->conf, or NULL for all n->nconf rows (a code point
 * the index does not cover). */
static const uint16_t *conf_rows(const struct norm *n, uint32_t cp, int end, size_t *nrows)
{
	if (end) {
		*nrows = n->ncx_ins;
		return n->cx_ins;
	}
	if (cp >= CONF_INDEX_CPS) {
		*nrows = n->nconf;
		return NULL;
	}
	*nrows = n->cx_start[cp + 1] - n->cx_start[cp];
	return n->cx + n->cx_start[cp];
}

static int mask_rules(struct norm *n);
static void memo_clear(struct norm *n);

int norm_new(const struct norm_options *opt, struct norm **out, struct ex_error *err)
{
	*out = NULL;
	struct norm *n = calloc(1, sizeof(*n));
	if (!n)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	sb_init(&n->scratch);
	n->conf_guard = opt->conf_guard > 0 ? opt->conf_guard : 90;
	n->force_lost = opt->lost_diacritics == NORM_LOST_NEVER    ? 0
	                : opt->lost_diacritics == NORM_LOST_ALWAYS ? 1
	                                                           : -1;
	struct sb dir = SB_INIT;
	sb_addf(&dir, "%s/normalise", opt->rules_dir);
	int rc = rules_load_dir(&n->set, dir.buf, ".rules", err);
	sb_release(&dir);
	if (rc < 0)
		goto fail;
	n->rules = calloc(n->set.nblocks ? n->set.nblocks : 1, sizeof(*n->rules));
	n->memo = lex_map_new();
	n->lines = lex_map_new();
	n->vocab = lex_map_new();
	n->rule_ids = lex_map_new();
	n->not_inf = lex_map_new();
	n->places = lex_map_new();
	n->place_pre = lex_map_new();
	n->next_run[0] = calloc(n->set.nblocks + 1, sizeof(size_t));
	n->next_run[1] = calloc(n->set.nblocks + 1, sizeof(size_t));
	n->lower = lex_map_new();
	n->dc_seen = lex_map_new();
	n->unseen_words = lex_map_new();
	if (!n->rules || !n->memo || !n->lines || !n->vocab || !n->rule_ids || !n->lower ||
	    !n->dc_seen || !n->unseen_words || !n->not_inf || !n->places || !n->place_pre ||
	    !n->next_run[0] || !n->next_run[1]) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n->set.nblocks; i++) {
		const struct rules_block *b = &n->set.blocks[i];
		rc = rules_check_keys(b, rule_keys, rule_required, err);
		if (rc < 0)
			goto fail;
		rc = compile_rule(&n->rules[n->nrules], b, err);
		n->nrules++; /* (norm_free() frees what a failed rule holds) */
		if (rc < 0)
			goto fail;
		if (rules_get(b, "table") && !opt->no_lexicon && !n->nconf &&
		    (rc = load_confusion(n, b, err)) < 0)
			goto fail;
		if (n->rules[n->nrules - 1].kind == RK_HYPHEN)
			n->keep_before = rules_get(b, "keep-before");
		if (n->rules[n->nrules - 1].kind == RK_PAIRS &&
		    (ctx_load(n, rules_get(b, "infinitive-after"), 'A') < 0 ||
		     ctx_load(n, rules_get(b, "no-infinitive-after"), 'D') < 0)) {
			rc = ex_fail(err, EX_RULE, b->file, 0, b->line,
			             "rule '%s': more than 96 context words", b->id);
			goto fail;
		}
		if ((n->rules[n->nrules - 1].kind == RK_PAIRS &&
		     words_load(n->not_inf, rules_get(b, "not-infinitive")) < 0) ||
		    (n->rules[n->nrules - 1].kind == RK_DOC_PLACES &&
		     (words_load(n->places, rules_get(b, "elements")) < 0 ||
		      beginnings(n->places, n->place_pre) < 0))) {
			rc = ex_fail(err, EX_NOMEM, b->file, 0, b->line, "out of memory");
			goto fail;
		}
	}
	if (mask_rules(n) < 0) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}
	for (uint32_t c = 0; c < 0x400; c++)
		if (confusable_slow(n, c))
			n->confusable[c >> 6] |= 1ull << (c & 63);
	if (conf_index(n) < 0) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n->nrules; i++)
		if (lex_map_put(n->rule_ids, n->rules[i].b->id, strlen(n->rules[i].b->id),
		                (uint32_t)i, NULL, 0) < 0) {
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			goto fail;
		}
	if (!opt->no_lexicon) {
		struct sb ldir = SB_INIT;
		sb_addf(&ldir, "%s/lexicon", opt->rules_dir);
		struct lex_options lo = {.dir = ldir.buf, .dict_dir = opt->dict_dir};
		rc = lex_new(&lo, &n->lex, err);
		sb_release(&ldir);
		if (rc < 0)
			goto fail;
	}
	n->md = pcre2_match_data_create(32, NULL);
	if (!n->md) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}
	*out = n;
	return 0;
fail:
	norm_free(n);
	return rc;
}

void norm_free(struct norm *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nrules; i++) {
		pcre2_code_free(n->rules[i].re);
		for (int k = 0; k < n->rules[i].nneeds; k++)
			free(n->rules[i].needs[k]);
	}
	free(n->rules);
	free(n->needs.step);
	free(n->needs.step32);
	free(n->needs.rules);
	pcre2_match_data_free(n->md);
	rules_set_release(&n->set);
	lex_free(n->lex);
	free(n->cbuf);
	free(n->cout);
	free(n->cx);
	free(n->cx_ins);
	lex_map_free(n->memo);
	lex_map_free(n->lines);
	lex_map_free(n->vocab);
	lex_map_free(n->rule_ids);
	lex_map_free(n->not_inf);
	lex_map_free(n->places);
	lex_map_free(n->place_pre);
	free(n->next_run[0]);
	free(n->next_run[1]);
	free(n->prof);
	for (size_t i = 0; i < n->nleft; i++)
		free(n->left[i].chunk);
	free(n->left);
	free(n->acr.w);
	for (size_t i = 0; i < n->awl; i++)
		free(n->wl[i].v);
	free(n->wl);
	free(n->comma_items.w);
	free(n->quote_lines.w);
	free(n->bar_items.w);
	free(n->marked_lines.w);
	lex_map_free(n->unseen_words);
	free(n->rare_lines.w);
	lex_map_free(n->dc_seen);
	lex_map_free(n->lower);
	for (size_t i = 0; i < n->ncaps; i++)
		free(n->caps[i].chunk);
	free(n->caps);
	free(n->conf);
	sb_release(&n->scratch);
	sb_release(&n->line_key);
	free(n);
}

/* ---- segments ------------------------------------------------------------- */

/* A piece of the current text.  rule == NULL: a copy of orig[off, off+len).
 * Otherwise: `text` replaces orig[off, off+len). */
struct seg {
	size_t off, len;
	char *text;
	size_t tlen;
	const char *rule;
};

/* Room in the array *arr points at (arr: the address of a T *; elements of
 * `size` bytes, *alloc of them) for element n:
 * when it is full, twice the room (at first `first`), the new part zeroed.
 * 0, or -1 when out of memory (*arr unchanged). */
static int room_grow(void *arr, size_t *alloc, size_t size, size_t first)
{
	size_t na = *alloc ? *alloc * 2 : first;
	void *old; /* (*arr is some T *: read and written as bytes, not as a void *) */
	memcpy(&old, arr, sizeof(old));
	char *nb = realloc(old, na * size);
	if (!nb)
		return -1;
	memset(nb + *alloc * size, 0, (na - *alloc) * size);
	memcpy(arr, &nb, sizeof(nb));
	*alloc = na;
	return 0;
}

static inline int room_for(void *arr, size_t *alloc, size_t n, size_t size, size_t first)
{
	return n < *alloc ? 0 : room_grow(arr, alloc, size, first);
}

struct segs {
	struct seg *s;
	size_t n, alloc;
};

static int segs_push(struct segs *ss, struct seg sg)
{
	if (room_for(&ss->s, &ss->alloc, ss->n, sizeof(*ss->s), 8) < 0)
		return -1;
	ss->s[ss->n++] = sg;
	return 0;
}

static void segs_release(struct segs *ss)
{
	for (size_t i = 0; i < ss->n; i++)
		free(ss->s[i].text);
	free(ss->s);
	ss->s = NULL;
	ss->n = ss->alloc = 0;
}

static size_t seg_len(const struct seg *s)
{
	return s->rule ? s->tlen : s->len;
}

/* Whether a segment's text differs from what was read there (a later rule
 * may put back what an earlier one changed: pair-knyta-an's "an" that
 * word-pair had made "än"; that is no edit). */
static int seg_changed(const struct seg *s, const char *orig)
{
	return s->rule && (s->tlen != s->len || memcmp(s->text, orig + s->off, s->len));
}

static const char *seg_str(const struct seg *s, const char *orig)
{
	return s->rule ? s->text : orig + s->off;
}

/* The current text of the segments into b. */
static void segs_text(const struct segs *ss, const char *orig, struct sb *b)
{
	sb_reset(b);
	for (size_t i = 0; i < ss->n; i++)
		sb_add(b, seg_str(&ss->s[i], orig), seg_len(&ss->s[i]));
}

/* One replacement of cur[a, b) by text, made by rule. */
struct repl {
	size_t a, b;
	char *text;
	size_t tlen;
	const char *rule; /* NULL: the rule of the whole list */
};

static int segs_insert(struct segs *ss, size_t at, struct seg sg)
{
	if (segs_push(ss, sg) < 0)
		return -1;
	memmove(&ss->s[at + 1], &ss->s[at], (ss->n - 1 - at) * sizeof(*ss->s));
	ss->s[at] = sg;
	return 0;
}

/* Split the copy segment i at `cut` bytes into it. */
static int segs_split(struct segs *ss, size_t i, size_t cut)
{
	struct seg rest = {ss->s[i].off + cut, ss->s[i].len - cut, NULL, 0, NULL};
	ss->s[i].len = cut;
	return segs_insert(ss, i + 1, rest);
}

/* Replace cur[a, b) by t.  Where the span cuts into an earlier edit, the new
 * edit absorbs it whole (its text around the span is kept), so each edit maps
 * a span of the original to a span of the current text. */
static int segs_replace(struct segs *ss, const char *orig, size_t a, size_t b, const char *t,
                        size_t tl, const char *rule)
{
	size_t i = 0, pos = 0;
	while (i < ss->n && pos + seg_len(&ss->s[i]) <= a && !(a == b && pos == a)) {
		pos += seg_len(&ss->s[i]);
		i++;
	}
	struct sb nt = SB_INIT;
	if (i < ss->n && pos < a) {
		if (ss->s[i].rule) {
			sb_add(&nt, ss->s[i].text, a - pos); /* head of the edit */
		} else {
			if (segs_split(ss, i, a - pos) < 0)
				return -1;
			pos = a;
			i++;
		}
	}
	sb_add(&nt, t, tl);
	size_t j = i, end = pos; /* segments i..j-1 are replaced */
	if (b > a || (i < ss->n && pos < a)) {
		while (j < ss->n && end < b) {
			size_t l = seg_len(&ss->s[j]);
			if (end + l > b) {
				if (ss->s[j].rule) {
					sb_add(&nt, ss->s[j].text + (b - end), end + l - b);
				} else if (segs_split(ss, j, b - end) < 0) {
					sb_release(&nt);
					return -1;
				}
			}
			end += seg_len(&ss->s[j]);
			j++;
		}
	}
	size_t ostart, oend;
	if (j > i) {
		ostart = ss->s[i].off;
		oend = ss->s[j - 1].off + ss->s[j - 1].len;
	} else {
		ostart = oend = i < ss->n ? ss->s[i].off
		                : ss->n   ? ss->s[ss->n - 1].off + ss->s[ss->n - 1].len
		                          : 0;
	}
	if (nt.oom) {
		sb_release(&nt);
		return -1;
	}
	for (size_t k = i; k < j; k++)
		free(ss->s[k].text);
	size_t ntl = nt.len;
	struct seg sg = {ostart, oend - ostart, sb_detach(&nt, NULL), ntl, rule};
	if (!sg.text)
		return -1;
	if (j > i) {
		ss->s[i] = sg;
		memmove(&ss->s[i + 1], &ss->s[j], (ss->n - j) * sizeof(*ss->s));
		ss->n -= j - i - 1;
		return 0;
	}
	if (segs_insert(ss, i, sg) < 0) {
		free(sg.text);
		return -1;
	}
	(void)orig;
	return 0;
}

/* Apply replacements sorted by position and not overlapping: last first, so
 * the positions of the others stay valid. */
static int segs_apply(struct segs *ss, const char *orig, struct repl *rp, size_t nrp,
                      const char *rule)
{
	for (size_t k = nrp; k-- > 0;)
		if (segs_replace(ss, orig, rp[k].a, rp[k].b, rp[k].text, rp[k].tlen,
		                 rp[k].rule ? rp[k].rule : rule) < 0)
			return -1;
	return 0;
}

/* Apply one rule to text[0..len); collect replacements. */
static int rule_matches(struct norm *n, const struct nrule *r, const char *text, size_t len,
                        size_t from, struct repl **rp, size_t *nrp)
{
	*rp = NULL;
	*nrp = 0;
	size_t alloc = 0, start = from;
	while (start <= len) {
		/* text is valid UTF-8: doc lines are sanitised (doc_add_line), rule
		 * files checked when read, and every replacement is UTF-8 */
		/* pcre2_jit_match() skips pcre2_match()'s checks of its
		 * arguments: this is the loop every line goes through */
		int m = r->jit
		            ? pcre2_jit_match(r->re, (PCRE2_SPTR)text, len, start, 0, n->md, NULL)
		            : pcre2_match(r->re, (PCRE2_SPTR)text, len, start, PCRE2_NO_UTF_CHECK,
		                          n->md, NULL);
		if (m < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(n->md);
		size_t a = ov[0], b = ov[1];
		PCRE2_UCHAR buf[1024];
		PCRE2_SIZE blen = sizeof(buf);
		int s =
		    pcre2_substitute(r->re, (PCRE2_SPTR)text, len, start,
		                     PCRE2_SUBSTITUTE_MATCHED | PCRE2_SUBSTITUTE_REPLACEMENT_ONLY |
		                         PCRE2_SUBSTITUTE_EXTENDED | PCRE2_SUBSTITUTE_UNSET_EMPTY |
		                         PCRE2_NO_UTF_CHECK,
		                     n->md, NULL, r->replace, PCRE2_ZERO_TERMINATED, buf, &blen);
		if (s < 0)
			return -1;
		if (!(b - a == blen && !memcmp(text + a, buf, blen))) {
			if (*nrp == alloc) {
				alloc = alloc ? alloc * 2 : 4;
				struct repl *nr = realloc(*rp, alloc * sizeof(*nr));
				if (!nr)
					return -1;
				*rp = nr;
			}
			char *t = malloc(blen + 1);
			if (!t)
				return -1;
			memcpy(t, buf, blen);
			t[blen] = '\0';
			(*rp)[(*nrp)++] = (struct repl){a, b, t, blen, NULL};
		}
		if (b == a) {
			if (b >= len)
				break;
			size_t i = b;
			utf8_next(text, len, &i);
			start = i;
		} else {
			start = b;
		}
	}
	return 0;
}

static void repl_free(struct repl *rp, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rp[i].text);
	free(rp);
}

/* Where current-text offset pos of a line falls in its original text. */
static size_t segs_orig_off(const struct segs *ss, size_t pos)
{
	size_t at = 0;
	for (size_t i = 0; i < ss->n; i++) {
		size_t l = seg_len(&ss->s[i]);
		if (pos < at + l || i + 1 == ss->n)
			return ss->s[i].rule ? ss->s[i].off
			                     : ss->s[i].off + (pos - at < l ? pos - at : l);
		at += l;
	}
	return 0;
}

/* ---- one line's state ---------------------------------------------------------- */

struct lstate {
	struct segs ss;
	struct sb cur;
	const char *orig;
	size_t olen;
	const struct doc_line *l; /* NULL for rule tests */
	unsigned gen;             /* bumped whenever cur changes */
	/* as of prefilter_gen: the rules whose prefilters cur passes (norm.mask),
	 * or without the bit sets, the bytes of cur */
	uint64_t cand[MASK_WORDS];
	uint64_t present[4];
	unsigned prefilter_gen;
	struct doc_edit *edits; /* finish_line's, edits_alloc of them */
	size_t edits_alloc;
};

static int ls_start(struct lstate *ls, const char *orig, size_t olen, const struct doc_line *l)
{
	for (size_t i = 0; i < ls->ss.n; i++)
		free(ls->ss.s[i].text);
	ls->ss.n = 0;
	ls->orig = orig;
	ls->olen = olen;
	ls->l = l;
	if (olen && segs_push(&ls->ss, (struct seg){0, olen, NULL, 0, NULL}) < 0)
		return -1;
	segs_text(&ls->ss, orig, &ls->cur);
	ls->gen++;
	return ls->cur.oom ? -1 : 0;
}

static void ls_release(struct lstate *ls)
{
	segs_release(&ls->ss);
	sb_release(&ls->cur);
	free(ls->edits);
}

/* One pass of the needs automaton over s[0, n), its step table's entries of
 * type T: the classes of the bytes of s into classes (two words of bits,
 * needs_dfa.mask_bit), the rules one of whose texts s holds or'ed into acc.
 * (In locals, which the stores into classes and acc cannot alias: the loop
 * then keeps them in registers.) */
#define NEEDS_SCAN(T, table)                                                                       \
	do {                                                                                       \
		const T *step = (table);                                                           \
		const unsigned char *cls = a->cls, *p = (const unsigned char *)s, *e = p + n;      \
		const uint64_t recip = a->recip;                                                   \
		const uint64_t(*bit)[2] = a->mask_bit;                                             \
		uint64_t c0 = 0, c1 = 0;                                                           \
		uint64_t got[MASK_WORDS];                                                          \
		memcpy(got, acc, sizeof(got));                                                     \
		unsigned at = 0;                                                                   \
		for (; p < e; p++) {                                                               \
			unsigned c = *p;                                                           \
			c0 |= bit[c][0];                                                           \
			c1 |= bit[c][1];                                                           \
			unsigned t = step[at + cls[c]];                                            \
			at = t & ~1u;                                                              \
			if (t & 1)                                                                 \
				for (unsigned w = 0; w < MASK_WORDS; w++)                          \
					got[w] |= a->rules[(at * recip) >> 32][w];                 \
		}                                                                                  \
		classes[0] = c0;                                                                   \
		classes[1] = c1;                                                                   \
		memcpy(acc, got, sizeof(got));                                                     \
	} while (0)

static void needs_scan(const struct needs_dfa *a, const char *s, size_t n, uint64_t *classes,
                       uint64_t *acc)
{
	if (a->step)
		NEEDS_SCAN(uint16_t, a->step);
	else
		NEEDS_SCAN(uint32_t, a->step32);
}

/* Apply replacements (sorted, not overlapping) and refresh the text. */
static int ls_apply(struct lstate *ls, struct repl *rp, size_t nrp, const char *rule)
{
	if (!nrp)
		return 0;
	if (segs_apply(&ls->ss, ls->orig, rp, nrp, rule) < 0)
		return -1;
	segs_text(&ls->ss, ls->orig, &ls->cur);
	ls->gen++; /* (the prefilters are redone when next asked) */
	return ls->cur.oom ? -1 : 0;
}

/* Whether ls's line has one of the texts of rule r's `needs` lines (when
 * there are too many rules for the prefilters' bit sets). */
static int has_needs(const struct nrule *r, const struct lstate *ls)
{
	for (int i = 0; i < r->nneeds; i++)
		if (has_text(ls->cur.buf, ls->cur.len, r->needs[i], r->needs_len[i]))
			return 1;
	return 0;
}

static int has_lower(const char *w, size_t len)
{
	for (size_t i = 0; i < len;)
		if (utf8_is_lower(utf8_next(w, len, &i)))
			return 1;
	return 0;
}

static int all_caps(const char *w, size_t len)
{
	for (size_t i = 0; i < len;)
		if (!utf8_is_upper(utf8_next(w, len, &i)))
			return 0;
	return 1;
}

/* Whether w[0, len) is a word in capitals whose marks the engine printed
 * where its Å/Ä/Ö were ("SJ6ANGSBACKEN", "TJÉNSTEUTLATANDE"): two capitals
 * or more, and no small letter but an é. */
static int caps_read(const char *w, size_t len)
{
	int up = 0;
	for (size_t i = 0; i < len;) {
		uint32_t c = utf8_next(w, len, &i);
		if (utf8_is_upper(c))
			up++;
		else if (utf8_is_lower(c) && c != 0xE9)
			return 0;
	}
	return up >= 2;
}

/* Append v[0, vl) to out in a word's case: all capitals, or a capital first
 * letter, or as it is. */
static void put_cased(struct sb *out, const char *v, size_t vl, int first_cap, int all)
{
	for (size_t j = 0; j < vl;) {
		int first = j == 0;
		uint32_t c = utf8_next(v, vl, &j);
		char enc[8];
		if (all || (first && first_cap))
			c = utf8_cp_upper(c);
		sb_add(out, enc, (size_t)utf8_encode(c, enc));
	}
}

/* ---- word repair ------------------------------------------------------------------ */

struct site {
	int pos, len; /* code points of the word replaced */
	const struct conf *e;
};

struct cand {
	double cost;
	unsigned seq; /* order of enumeration */
	int k;
	int inserted; /* a dropped letter was put back */
	unsigned char idx[MAX_EDITS];
};

struct search {
	const struct site *sites;
	const unsigned char *next; /* next[i]: the first site after i that an edit
	                            * at site i leaves room for */
	/* least[r][i]: the least r sites from i on can add (HUGE_VAL where fewer
	 * than r are left) */
	const double (*least)[MAX_SITES + 1];
	int nsites;
	int max_edits;
	struct cand *c;
	size_t n, alloc, limit;
	unsigned seq; /* sets enumerated so far: a set's seq */
	/* the level being enumerated: its sets from c[base] on; once trimmed
	 * (keep_trim), a set dearer than bound, or as dear, no longer comes in */
	size_t base;
	double bound;
	int failed; /* out of memory: the search takes what it has */
};

static int cand_less(const struct cand *a, const struct cand *b)
{
	return a->cost < b->cost || (a->cost == b->cost && a->seq < b->seq);
}

/* Reorder a[0..n) so that its k least (cand_less) come first, the k-th of
 * them last (a[k - 1], the dearest), the others in no order; 0 < k < n.  (Quickselect; the total order of cand_less makes the set the
 * same on every machine.) */
static void cand_select(struct cand *a, size_t n, size_t k)
{
	size_t lo = 0, hi = n; /* the k-th least is in a[lo..hi) */
	while (hi - lo > 1) {
		struct cand p = a[lo + (hi - 1 - lo) / 2], t; /* (never the last) */
		size_t i = lo, j = hi - 1;
		for (;;) { /* Hoare's partition around p */
			while (cand_less(&a[i], &p))
				i++;
			while (cand_less(&p, &a[j]))
				j--;
			if (i >= j)
				break;
			t = a[i];
			a[i] = a[j];
			a[j] = t;
			i++;
			j--;
		}
		/* a[lo..j] <= p <= a[j+1..hi) */
		if (k - 1 <= j)
			hi = j + 1;
		else
			lo = j + 1;
	}
}

/* A level's sets gather past s->base; when there are more than the room the
 * limit leaves (enumerate() lets them grow to twice that), the cheapest
 * that fit stay and the dearest of them bounds what is taken next. */
static void keep_trim(struct search *s)
{
	size_t room = s->limit - s->base;
	struct cand *h = s->c + s->base;
	if (s->n - s->base <= room)
		return;
	cand_select(h, s->n - s->base, room);
	s->n = s->base + room;
	s->bound = h[room - 1].cost;
}

/* All sets of exactly `want` substitutions (at distinct places, in order),
 * extending cur.  Called for want = 1, 2, ... so that the words with fewest
 * edits are all in; where a level has more sets than the limit leaves room
 * for, its cheapest (keep_trim), not its first (a long compound's third edit
 * far into the word: "lantmäteriförrättning"): a set that cannot beat the
 * dearest kept is not followed. */
static void enumerate(struct search *s, int from, struct cand cur, int want)
{
	for (int i = from; i < s->nsites && !s->failed; i++) {
		/* at most one dropped letter put back, and never two edits at one
		 * place after it */
		if (s->sites[i].len == 0 && cur.inserted)
			continue;
		struct cand c = cur;
		c.idx[c.k++] = (unsigned char)i;
		c.cost += s->sites[i].e->cost;
		c.inserted |= s->sites[i].len == 0;
		if (c.k < want) {
			if (c.cost + s->least[want - c.k][s->next[i]] < s->bound)
				enumerate(s, s->next[i], c, want);
			continue;
		}
		c.seq = s->seq++;
		if (s->n - s->base == 2 * (s->limit - s->base))
			keep_trim(s);
		if (c.cost >= s->bound)
			continue;
		if (s->n == s->alloc) {
			size_t na = s->alloc ? s->alloc * 2 : 256;
			struct cand *nc = realloc(s->c, na * sizeof(*nc));
			if (!nc) {
				s->failed = 1; /* stop: search what we have */
				return;
			}
			s->c = nc;
			s->alloc = na;
		}
		s->c[s->n++] = c;
	}
}

/* Candidates in order of cost (then of enumeration, so that ties are
 * broken the same way on every machine), taken lazily from a min-heap: the
 * passes mostly stop after a few. */
struct cand_order {
	struct cand *h; /* the heap, h[0..hn) */
	size_t hn;
	struct cand *out; /* out[0..sorted): the cheapest, in order */
	size_t sorted;
};

static void cand_sift(struct cand *h, size_t n, size_t i)
{
	for (;;) {
		size_t l = 2 * i + 1, m = i;
		if (l < n && cand_less(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && cand_less(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		struct cand t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

static void cand_heapify(struct cand_order *o)
{
	for (size_t i = o->hn / 2; i-- > 0;)
		cand_sift(o->h, o->hn, i);
}

/* The i-th cheapest candidate; i < the number of candidates, and out has
 * room for them all. */
static const struct cand *cand_at(struct cand_order *o, size_t i)
{
	while (o->sorted <= i) {
		o->out[o->sorted++] = o->h[0];
		o->h[0] = o->h[--o->hn];
		cand_sift(o->h, o->hn, 0);
	}
	return &o->out[i];
}

/* The word cps[0..n) with candidate c's substitutions made, into out. */
static void cand_text(const uint32_t *cps, int n, const struct site *sites, const struct cand *c,
                      struct sb *out)
{
	sb_reset(out);
	int k = 0;
	for (int i = 0; i <= n;) {
		if (k < c->k && sites[c->idx[k]].pos == i && sites[c->idx[k]].len == 0) {
			const struct site *s = &sites[c->idx[k++]];
			sb_add(out, s->e->truth, (size_t)s->e->tlen);
			continue;
		}
		if (i == n)
			break;
		if (k < c->k && sites[c->idx[k]].pos == i) {
			const struct site *s = &sites[c->idx[k++]];
			sb_add(out, s->e->truth, (size_t)s->e->tlen);
			i += s->len;
			continue;
		}
		char buf[4];
		sb_add(out, buf, (size_t)utf8_encode(cps[i], buf));
		i++;
	}
}

/* Does every edit of c put back an å, ä or ö? */
static int cand_swedish(const struct site *sites, const struct cand *c)
{
	for (int k = 0; k < c->k; k++)
		if (!sites[c->idx[k]].e->swedish)
			return 0;
	return 1;
}

/* Does c keep a capital first letter cps[0] the letter it is, but for an
 * å, ä or ö put back or an "I" read for an "l" (one glyph in a sans-serif
 * face: "Ijudnivan")?  A name's first letter is what the reader sees
 * first: "Miva" (a company) is no "Nivå".  And where a small å/ä/ö is put
 * back there, c puts back only å/ä/ö elsewhere too: a name is no small word
 * misread twice ("Gringshammars" is no "öringshamnars", its G an ö and an
 * m an n; "Onman" is still "Öhman"). */
static int cand_keeps_initial(const struct site *sites, const struct cand *c, const uint32_t *cps)
{
	if (!utf8_is_upper(cps[0]) || cps[0] == 'I')
		return 1;
	for (int k = 0; k < c->k; k++) {
		const struct conf *e = sites[c->idx[k]].e;
		if (sites[c->idx[k]].pos == 0 &&
		    (!e->swedish ||
		     (!utf8_is_upper(utf8_next(e->truth, (size_t)e->tlen, &(size_t){0})) &&
		      !cand_swedish(sites, c))))
			return 0;
	}
	return 1;
}

static int accented_surname(const uint32_t *c, int nc);

/* Does c keep the stress mark of a surname as read ("Bjérkén": the last
 * "é" is Björkén's, not the "ö" of an island, "Björkön"; accented_surname())?
 * Its other marks may still be read as letters. */
static int cand_keeps_stress(const struct site *sites, const struct cand *c, const uint32_t *cps,
                             int nc)
{
	if (!accented_surname(cps, nc))
		return 1;
	int end = cps[nc - 1] == 's' ? nc - 1 : nc;
	int at = cps[end - 2] == 0xE9 ? end - 2 : end - 3; /* "-én", "-éer" */
	for (int k = 0; k < c->k; k++) {
		const struct site *si = &sites[c->idx[k]];
		if (si->pos <= at && at < si->pos + si->len)
			return 0;
	}
	return 1;
}

/* Whether w[0..len), which the n-gram filter finds implausible, passes its
 * loosened form (one unseen sequence of three letters, three of four) and
 * is two words of the word lists (the first of three letters or more, the
 * rest of four or more): a compound whose joint makes the unseen letters
 * ("elev|ökningen": "vök"), which the first search may take where the
 * second would ("elevåkningen", a ride, no joint) */
/* The next place past letter *k (byte *i) of w[0..len), nc letters, that
 * splits it into two listed words, the first of three letters or more, the
 * rest of four or more: 1 with *i and *k there, or 0 when there is none. */
static int next_listed_split(struct norm *n, const char *w, size_t len, int nc, size_t *i, int *k)
{
	while (*i < len && nc - *k > 4) {
		utf8_next(w, len, i);
		++*k;
		if (*k >= 3 && lex_listed(n->lex, w, *i) && lex_listed(n->lex, w + *i, len - *i))
			return 1;
	}
	return 0;
}

static int joint_plausible(struct norm *n, const char *w, size_t len)
{
	size_t i = 0;
	int k = 0;
	return lex_plausible(n->lex, w, len, 1) &&
	       next_listed_split(n, w, len, (int)utf8_count(w, len), &i, &k);
}

/* Whether the word as read, w[0..len), is two listed words whose joint the
 * candidate c[0..clen) keeps: then the joint is the document's and nothing
 * is put back there ("lov|projekt").  A split whose head the prior has seen
 * ten times less often than the candidate's head at the same letter does
 * not hold: "gang|ytor" is "gång|ytor" (3 against 116 in the prior). */
static int read_joint_holds(struct norm *n, const char *w, size_t len, const char *c, size_t clen)
{
	size_t i = 0, ci = 0;
	int k = 0, ck = 0, nc = (int)utf8_count(w, len);
	int same = nc == (int)utf8_count(c, clen);
	while (next_listed_split(n, w, len, nc, &i, &k)) {
		if (!same)
			return 1;
		for (; ck < k; ck++) /* the candidate's same letter */
			utf8_next(c, clen, &ci);
		if (!lex_listed(n->lex, c, ci) || !lex_listed(n->lex, c + ci, clen - ci) ||
		    lex_freq(n->lex, c, ci) <= 10.0 * lex_freq(n->lex, w, i))
			return 1;
	}
	return 0;
}

static double tier_bonus(int tier)
{
	return tier >= LEX_OURS ? 2 : tier >= LEX_LISTED ? 1 : 0;
}

/* How a word scores as a reading: log prior plus how the lexicon knows it. */
/* How often a word is seen.  A compound the prior never saw is taken at a
 * tenth of its head, the longest final part (of at least three letters) the
 * prior knows: Swedish compounds inflect and mean by their last part, so
 * "barnrätt" is as likely as "rätt" is, and "barnratt" as "ratt".  Head
 * and rest have at least three and five letters ("staden" is not "den"),
 * and the head is a listed word, or one and a linking s. */
static double word_freq(struct norm *n, const char *w, size_t len)
{
	uint32_t f = lex_freq(n->lex, w, len);
	if (f)
		return f;
	size_t i = 0, k = 0;
	uint32_t cps = (uint32_t)utf8_count(w, len);
	while (i < len && cps - k > 4) {
		utf8_next(w, len, &i);
		k++;
		if (k < 3)
			continue;
		f = lex_freq(n->lex, w + i, len - i);
		/* a real joint: the head is a word, or one and a linking s
		 * ("utbildnings|direktör", not "utbildningsdi|rektor") */
		if (f && (lex_listed(n->lex, w, i) ||
		          (k > 3 && w[i - 1] == 's' && lex_listed(n->lex, w, i - 1))))
			return f / 10.0;
	}
	return 0;
}

static double word_score(struct norm *n, const char *w, size_t len, int tier)
{
	return log(word_freq(n, w, len) + 1) + tier_bonus(tier);
}

/* Find the best repair of w[0..len) into out.  pairs: w is a known word and
 * only likely substitutions of a lost diacritic are tried; the variant must
 * beat w itself by PAIR_RATIO.  insert: a dropped letter may be put back;
 * loose: pass 2's n-gram filter loosened; stress: a surname's stress mark is
 * kept (cand_keeps_stress).  Returns 1 when out holds a repair. */
static int search_round(struct norm *n, const char *w, size_t len, const uint32_t *cps, int nc,
                        int pairs, int insert, int loose, int stress, struct sb *out,
                        double *bestp);
static double ctx_score(struct norm *n, const char *w, size_t len);

static int place_parts(const struct norm *n, const char *low, size_t len);

/* Whether cps[0..nc) has an å, ä or ö, in either case. */
static int has_swedish(const uint32_t *cps, int nc)
{
	for (int i = 0; i < nc; i++)
		if (swedish_cp(utf8_cp_lower(cps[i])))
			return 1;
	return 0;
}

/* Whether w[0..len), all letters, is one of our compounds (lex_compound) or,
 * capitalised, a name of place-name elements (place_parts) as read. */
static int known_as_read(struct norm *n, const char *w, size_t len, const uint32_t *cps, int nc)
{
	if (nc < 6 || len >= 100)
		return 0;
	for (int i = 0; i < nc; i++)
		if (!utf8_is_alpha(cps[i]) || (i > 0 && !utf8_is_lower(cps[i])))
			return 0;
	char low[256];
	return lex_compound(n->lex, w, len) || (utf8_is_upper(cps[0]) && lex_map_count(n->places) &&
	                                        place_parts(n, low, lex_lower(w, len, low)));
}

static int search_word(struct norm *n, const char *w, size_t len, int pairs, struct sb *out)
{
	uint32_t cps[MAX_WORD];
	int nc = decode(w, len, cps, MAX_WORD);
	if (nc <= 0)
		return 0;
	/* A dropped letter is the last resort: looked for only when a word of
	 * up to eight letters has no repair without one ("verens" for
	 * "överens"), or where an infinitive is expected after a word of up to
	 * five ("att gra" is "att göra", not "att grå"); with at most two other
	 * edits */
	double best = -1e9;
	/* A word with its å/ä/ö that is a compound of ours or a name of
	 * place-name elements as it stands ("Sandviksvägen": "Sandviks" and
	 * "vägen", "sand|vik|s|vägen") is left: a reading that trades one of
	 * them for another is no repair ("Sandviksvågen") */
	if (!pairs && has_swedish(cps, nc) && known_as_read(n, w, len, cps, nc))
		return 0;
	/* A surname's stress mark ("Bjérkén", read with its ö as é too): the
	 * reading that keeps it, when that is a name of our additions
	 * ("Björkén", not the island "Björkön"); else as any word ("Lillsjén"
	 * is the lake "Lillsjön"); only for a word of a surname's length: a
	 * long one is a title or a compound ("Kommundirektér"), whose search
	 * with its last "é" held would run through every reading for nothing */
	if (!pairs && nc <= 10 && accented_surname(cps, nc)) {
		int rs = search_round(n, w, len, cps, nc, pairs, 0, 0, 1, out, &best);
		if (rs == 1 && lex_name(n->lex, out->buf, out->len))
			return 1;
		sb_reset(out);
		best = -1e9;
	}
	int r = search_round(n, w, len, cps, nc, pairs, 0, 0, 0, out, &best);
	if (!pairs && nc >= 2 && ((r == 0 && nc <= 8) || (n->ctx == 'A' && nc <= 5))) {
		struct sb o2 = SB_INIT;
		double b2 = best;
		int r2 = search_round(n, w, len, cps, nc, pairs, 1, 0, 0, &o2, &b2);
		if (r2 == 1 && b2 > best) {
			sb_reset(out);
			sb_add(out, o2.buf, o2.len);
			r = out->oom ? 0 : 1;
		}
		sb_release(&o2);
	}
	/* A long word with no repair may be a compound whose joint makes letter
	 * sequences no listed word has ("industriandamal": "industri|ändamål"):
	 * searched once more with pass 2's filter loosened */
	if (r == 0 && !pairs && nc >= 12)
		r = search_round(n, w, len, cps, nc, pairs, 0, 1, 0, out, &best);
	/* The word "i" glued to the next ("isamverkan"): split, when what
	 * follows the "i" is a word of prose, or repairs to one; and when it is
	 * a word of prose and the repair found is one prose never has (a
	 * compound: "iregionen" is "i regionen", not "öregionen") */
	if ((r == 0 || (r == 1 && !lex_freq(n->lex, out->buf, out->len))) && !pairs && nc >= 5 &&
	    (cps[0] == 'i' || cps[0] == 'I') && utf8_is_lower(cps[1])) {
		struct sb rest = SB_INIT;
		int ok = lex_check(n->lex, w + 1, len - 1) != LEX_UNKNOWN &&
		         lex_freq(n->lex, w + 1, len - 1) > 0;
		if (ok)
			sb_add(&rest, w + 1, len - 1);
		else if (r == 0)
			ok = search_word(n, w + 1, len - 1, 0, &rest) == 1;
		if (ok) {
			sb_reset(out);
			sb_addc(out, (char)cps[0]);
			sb_addc(out, ' ');
			sb_add(out, rest.buf, rest.len);
			r = out->oom ? 0 : 1;
		}
		sb_release(&rest);
	}
	return r;
}

/* The context's say on a reading: an infinitive is likelier after "att" or
 * "ska", unlikely after "det" or "för" (word-pair's infinitive-after and
 * no-infinitive-after); half as much for a word that may be another's form
 * too ("gälla", also "gäll"). */
#define CTX_WEIGHT 5.0
static double ctx_score(struct norm *n, const char *w, size_t len)
{
	char low[256];
	int inf;
	if (!n->ctx || len >= 100 ||
	    lex_map_get(n->not_inf, low, lex_lower(w, len, low), NULL, NULL, NULL) ||
	    !(inf = lex_infinitive(n->lex, w, len)))
		return 0;
	double weight = inf == 1 ? CTX_WEIGHT : CTX_WEIGHT / 2;
	return n->ctx == 'A' ? weight : -weight;
}

/* Whether cps[0..nc) is shaped like a name (a capital, then small letters,
 * five or more) that is not made of document-places' elements as read. */
static int place_shaped(const struct norm *n, const char *w, size_t len, const uint32_t *cps,
                        int nc)
{
	if (nc < 5 || len >= 100 || !utf8_is_upper(cps[0]) || !lex_map_count(n->places) ||
	    accented_surname(cps, nc))
		return 0;
	for (int i = 1; i < nc; i++)
		if (!utf8_is_lower(cps[i]))
			return 0;
	char low[256];
	return !place_parts(n, low, lex_lower(w, len, low));
}

/* Whether pass 2 looks at w[0..len), a word of the lists: when hunspell
 * rejected it in pass 1 (the lists are noisy: Tesseract's has "åsvägen"),
 * for what a compound or a place's elements make of it; and it keeps the
 * capital of the word as read, whose first letter is initial ("Akesson" is
 * no "åkesson"). */
static int listed_rejected(struct norm *n, const char *w, size_t len, uint32_t initial)
{
	size_t k = 0;
	return lex_check(n->lex, w, len) == LEX_UNKNOWN &&
	       (!utf8_is_upper(initial) || utf8_is_upper(utf8_next(w, len, &k)));
}

/* least[r][i] = the sum of the r cheapest of sites[i..ns) (HUGE_VAL where
 * fewer than r are left), for enumerate()'s bound: the r cheapest costs
 * kept in order while i goes down. */
static void sites_least(const struct site *sites, int ns, double least[][MAX_SITES + 1])
{
	double low[MAX_EDITS];
	int nlow = 0;
	for (int i = ns; i >= 0; i--) {
		if (i < ns) {
			double x = sites[i].e->cost;
			int j = nlow < MAX_EDITS ? nlow++ : MAX_EDITS;
			while (j > 0 && low[j - 1] > x) {
				if (j < MAX_EDITS)
					low[j] = low[j - 1];
				j--;
			}
			if (j < MAX_EDITS)
				low[j] = x;
		}
		double sum = 0;
		least[0][i] = 0;
		for (int r = 1; r <= MAX_EDITS; r++) {
			sum += r <= nlow ? low[r - 1] : 0;
			least[r][i] = r <= nlow ? sum : HUGE_VAL;
		}
	}
}

static int search_round(struct norm *n, const char *w, size_t len, const uint32_t *cps, int nc,
                        int pairs, int insert, int loose, int stress, struct sb *out, double *bestp)
{
	struct site sites[MAX_SITES];
	int ns = 0;
	for (int i = 0; i <= nc; i++) {
		/* the rows that can apply here, in table order (conf_index) */
		size_t nrows;
		const uint16_t *rows = conf_rows(n, i < nc ? cps[i] : 0, i == nc, &nrows);
		for (size_t jj = 0; jj < nrows && ns < MAX_SITES; jj++) {
			const struct conf *e = &n->conf[rows ? rows[jj] : jj];
			if (e->nocr == 0) {
				/* a dropped letter, put back: not in a known word, not in
				 * a word of fewer than two letters, and near its start,
				 * where the engine drops them most ("verens", "frebygga"),
				 * or anywhere in a word of six letters or more ("erhllit") */
				if (insert && (i <= 2 || (nc >= 6 && i < nc)))
					sites[ns++] = (struct site){i, 0, e};
				continue;
			}
			if (i == nc || e->ocr[0] != cps[i] ||
			    (e->nocr == 2 && (i + 1 >= nc || e->ocr[1] != cps[i + 1])))
				continue;
			/* a word of up to three letters: only likely confusions (any
			 * rare one makes some short word: "ti" is no "tå") */
			if (nc <= 3 && e->p < 0.001)
				continue;
			/* a known word: only likely letter-for-letter substitutions */
			if (pairs && (e->cost > 5 || e->nocr != 1 ||
			              utf8_count(e->truth, (size_t)e->tlen) != 1))
				continue;
			sites[ns++] = (struct site){i, e->nocr, e};
		}
	}
	if (!ns)
		return 0;
	/* the sites are in the order of their places: the first site after i
	 * at or past the place after i's edit */
	unsigned char next[MAX_SITES];
	double least[MAX_EDITS + 1][MAX_SITES + 1];
	sites_least(sites, ns, least);
	for (int i = 0; i < ns; i++) {
		int after = sites[i].pos + sites[i].len + !sites[i].len, j = i + 1;
		while (j < ns && sites[j].pos < after)
			j++;
		next[i] = (unsigned char)j;
	}
	struct search s = {.sites = sites,
	                   .next = next,
	                   .least = least,
	                   .nsites = ns,
	                   .max_edits = pairs    ? MAX_PAIR_EDITS
	                                : insert ? MAX_EDITS - 1
	                                         : MAX_EDITS,
	                   .c = n->cbuf,
	                   .alloc = n->cbuf_alloc,
	                   .limit = MAX_CANDS};
	for (int want = 1; want <= s.max_edits && s.n < s.limit && !s.failed; want++) {
		s.base = s.n;
		s.bound = HUGE_VAL;
		enumerate(&s, 0, (struct cand){0, 0, 0, 0, {0}}, want);
		keep_trim(&s);
	}
	n->cbuf = s.c;
	n->cbuf_alloc = s.alloc;
	/* cheapest first: a heap, from which candidates are taken as the passes
	 * reach them (they mostly stop after a few) */
	if (n->cout_alloc < s.n) {
		struct cand *o = realloc(n->cout, s.alloc * sizeof(*o));
		if (!o)
			return 0;
		n->cout = o;
		n->cout_alloc = s.alloc;
	}
	struct cand_order ord = {s.c, s.n, n->cout, 0};
	cand_heapify(&ord);
	double base = -1e9, best = -1e9;
	if (pairs) {
		int tier = lex_check(n->lex, w, len);
		base = word_score(n, w, len, tier) + log(PAIR_RATIO);
		/* a compound only hunspell's compounding accepts, never seen as a
		 * whole, is a weak reading in a text that lost its diacritics
		 * ("valutvecklad"): a listed variant ("välutvecklad") may win */
		if (tier == LEX_HUNSPELL && !lex_freq(n->lex, w, len))
			base -= HUNSPELL_ONLY_DOUBT;
		/* where an infinitive is expected, the word as read gains as its
		 * variants do; where none is, only a change into one is doubted */
		if (n->ctx == 'A')
			base += ctx_score(n, w, len);
	}
	if (*bestp > best)
		best = *bestp; /* an earlier round's winner to beat */
	struct sb t = SB_INIT;
	int found = 0, tries = 0, caps = nc >= 2 && all_caps(w, len);
	int place = -1; /* place_shaped(), asked when first needed */
	/* Pass 1: candidates in the word lists (a hash look-up each), in cost
	 * order, confirmed by hunspell.  Pass 2: the rest, which only hunspell can
	 * accept (compounds): each costs a hunspell call, so pass 2 stops where
	 * even a compound's best prior (LEX_COMPOUND_PRIOR) cannot catch up. */
	for (int pass = loose ? 2 : 1; pass <= 2; pass++) {
		double lift = pass == 1 ? 10 : LEX_COMPOUND_PRIOR, extra = 0;
		/* a name's reading of place-name elements may gain PLACE_BONUS:
		 * past where no other candidate can win, only those are asked */
		if (pass == 2 && !pairs && n->lost) {
			if (place < 0)
				place = place_shaped(n, w, len, cps, nc);
			extra = place ? PLACE_BONUS : 0;
		}
		size_t limit = pass == 1 && s.n > MAX_LISTED ? MAX_LISTED : s.n;
		for (size_t i = 0; i < limit && tries < MAX_TRIES; i++) {
			const struct cand *ci = cand_at(&ord, i);
			if (found && -ci->cost + lift + extra < best)
				break;
			int beyond = found && -ci->cost + lift < best;
			/* a known word's compound variant must beat the word as read:
			 * past the one whose best prior cannot, none can */
			if (pairs && pass == 2 &&
			    -ci->cost + lift + (n->ctx == 'A' ? CTX_WEIGHT : 0) < base)
				break;
			cand_text(cps, nc, sites, ci, &t);
			if (t.oom)
				break;
			/* a word in capitals is repaired in capitals ("TJANSTEUTLATANDE"
			 * is no "TJäNSTEUTLATANDE") */
			if (caps && has_lower(t.buf, t.len))
				continue;
			if (!cand_keeps_initial(sites, ci, cps) ||
			    (stress && !cand_keeps_stress(sites, ci, cps, nc)))
				continue;
			int listed = lex_listed(n->lex, t.buf, t.len);
			if (pass == 1 ? !listed
			              : listed && !listed_rejected(n, t.buf, t.len, cps[0]))
				continue;
			if (beyond) {
				char low[256];
				if (ci->inserted || t.len >= 100 || !cand_swedish(sites, ci) ||
				    !place_parts(n, low, lex_lower(t.buf, t.len, low)))
					continue;
			}
			if (pass == 2 && !lex_plausible(n->lex, t.buf, t.len, loose)) {
				if (loose || pairs || !cand_swedish(sites, ci))
					continue;
				if (read_joint_holds(n, w, len, t.buf, t.len) ||
				    !joint_plausible(n, t.buf, t.len))
					continue;
			}
			tries += pass == 2;
			int tier = lex_check(n->lex, t.buf, t.len);
			double doubt = 0;
			/* an own compound only for a word that lost its å/ä/ö: every
			 * edit puts one back ("Undervisningsrad"; not "Klirmat", whose
			 * m made "rn" would give "Klirrnät") */
			if (tier == LEX_UNKNOWN && pass == 2 && cand_swedish(sites, ci) &&
			    lex_compound(n->lex, t.buf, t.len))
				tier = LEX_HUNSPELL, doubt = OWN_COMPOUND_DOUBT;
			/* a name made of place-name elements once its å/ä/ö are back
			 * ("Tjärn|åsen", "Gärde|s|vägen"), as document-places reads
			 * them, also where lex_compound() or hunspell builds it (and
			 * the prior never saw it): PLACE_BONUS better than a compound
			 * that is not elements ("Gardes|vägen", a guard's road;
			 * "Björk|as|skolan") */
			if ((tier == LEX_UNKNOWN || doubt > 0 ||
			     (tier == LEX_HUNSPELL && !lex_freq(n->lex, t.buf, t.len))) &&
			    pass == 2 && !pairs && n->lost && cand_swedish(sites, ci)) {
				if (place < 0)
					place = place_shaped(n, w, len, cps, nc);
				char low[256];
				if (place && !ci->inserted && t.len < 100 &&
				    place_parts(n, low, lex_lower(t.buf, t.len, low)))
					tier = LEX_HUNSPELL, doubt = -PLACE_BONUS;
			}
			if (tier == LEX_UNKNOWN)
				continue;
			/* a letter put back makes a short word only when the prior has
			 * seen it ("fr" is "för", but "vx" is no "väx") */
			if (ci->inserted && t.len < 8 && !lex_freq(n->lex, t.buf, t.len))
				continue;
			double sc = word_score(n, t.buf, t.len, tier) - ci->cost - doubt +
			            ctx_score(n, t.buf, t.len);
			if (sc > best && sc > base) {
				best = sc;
				found = 1;
				sb_reset(out);
				sb_add(out, t.buf, t.len);
			}
		}
	}
	sb_release(&t);
	if (found)
		*bestp = best;
	return found && !out->oom;
}

/* The memo's key for token w[0, len) in mode: the mode (its high bit when
 * the document lost its diacritics), the context of the word before, always
 * a byte ("." for none: with no byte, "ar" after a determiner, 'D', had the
 * key of "Dar" with no context, and came out "den Där känd"), the token. */
static void token_key(const struct norm *n, struct sb *key, int mode, const char *w, size_t len)
{
	sb_reset(key);
	sb_addc(key, (char)(n->lost ? mode | 0x80 : mode));
	sb_addc(key, n->ctx ? (char)n->ctx : '.');
	sb_add(key, w, len);
}

/* Memoised repair of one token.  mode: 'N' a word the lexicon rejects,
 * 'P' a known word in a document that lost its diacritics. */
static int repair_token(struct norm *n, const char *w, size_t len, int mode, const char **rep,
                        size_t *replen)
{
	struct sb *key = &n->scratch;
	token_key(n, key, mode, w, len);
	uint32_t has;
	if (lex_map_get(n->memo, key->buf, key->len, &has, rep, replen))
		return (int)has;
	struct sb out = SB_INIT;
	int r = search_word(n, w, len, mode == 'P', &out);
	if (lex_map_count(n->memo) > (1u << 20))
		memo_clear(n);
	token_key(n, key, mode, w, len); /* (search_word used the scratch buffer) */
	int rc = lex_map_put(n->memo, key->buf, key->len, (uint32_t)r, out.buf, out.len);
	sb_release(&out);
	if (rc < 0 || key->oom)
		return -1;
	lex_map_get(n->memo, key->buf, key->len, &has, rep, replen);
	return r;
}

/* Characters that can be part of a word as OCR printed it: letters, and the
 * non-letters the confusion table turns into letters ("6kad", "&r"). */
static int wordish(const struct norm *n, uint32_t cp)
{
	if (cp < 0x80) {
		if ((cp | 32) >= 'a' && (cp | 32) <= 'z')
			return 1;
		return (n->wordish_ascii[cp >> 6] >> (cp & 63)) & 1;
	}
	if (utf8_is_alpha(cp))
		return 1;
	for (size_t i = 0; i < n->nconf; i++)
		if (n->conf[i].ocr[0] == cp && n->conf[i].nocr == 1)
			return 1;
	return 0;
}

static int has_guard(const struct norm *n, const struct lstate *ls, size_t a, size_t b)
{
	const struct doc_line *l = ls->l;
	if (!l || !l->nwords)
		return 0;
	size_t oa = segs_orig_off(&ls->ss, a), ob = segs_orig_off(&ls->ss, b);
	if (ob <= oa)
		ob = oa + 1;
	for (size_t i = 0; i < l->nwords; i++) {
		const struct doc_word *w = &l->words[i];
		if (w->off < ob && w->off + w->len > oa && w->conf >= n->conf_guard)
			return 1;
	}
	return 0;
}

struct rlist {
	struct repl *r;
	size_t n, alloc;
};

static int rlist_add(struct rlist *rl, size_t a, size_t b, const char *t, size_t tl)
{
	if (room_for(&rl->r, &rl->alloc, rl->n, sizeof(*rl->r), 8) < 0)
		return -1;
	char *c = malloc(tl + 1);
	if (!c)
		return -1;
	memcpy(c, t, tl);
	c[tl] = '\0';
	rl->r[rl->n++] = (struct repl){a, b, c, tl, NULL};
	return 0;
}

/* Does the word at s[a] begin a sentence, a line or a list item?  (Quotes and
 * brackets before it are looked through.) */
static int sentence_start(const char *s, size_t a)
{
	while (a > 0 && strchr("\"'(*[", s[a - 1]))
		a--;
	while (a >= 3 &&
	       (!memcmp(s + a - 3, "\xe2\x80\x9d", 3) || !memcmp(s + a - 3, "\xe2\x80\x9c", 3)))
		a -= 3;
	size_t p = a;
	while (p > 0 && s[p - 1] == ' ')
		p--;
	if (p == 0)
		return 1;
	if (strchr(".!?:", s[p - 1]))
		return p < a;
	/* "- " or "• " opening the line */
	if (p < a && (s[p - 1] == '-' || s[p - 1] == '~' || s[p - 1] == '*') && p == 1)
		return 1;
	if (p < a && p == 3 && !memcmp(s, "\xe2\x80\xa2", 3))
		return 1;
	/* a heading's number: "10 Ändringar" at the line's start, "Bilaga 1 Åtgärdsplan",
	 * "§ 13 Ändringar" */
	size_t q = p;
	while (q > 0 && ((s[q - 1] >= '0' && s[q - 1] <= '9') || s[q - 1] == '.'))
		q--;
	if (q == p || p == a || !(s[q] >= '0' && s[q] <= '9'))
		return 0;
	if (q == 0)
		return 1;
	if (s[q - 1] != ' ')
		return 0;
	size_t w = q - 1;
	while (w > 0 && s[w - 1] != ' ')
		w--;
	/* ... and an agreement's section: "§ 13 Ändringar och tillägg" */
	if (w == 0 && !memcmp(s, "\xc2\xa7", 2))
		return 1;
	return s[w] >= 'A' && s[w] <= 'Z';
}

static const struct doc_line *above(const struct norm *n, const struct doc_line *l, size_t *a,
                                    size_t *e);

/* Whether the word at a of text s of line l begins a sentence
 * (sentence_start), where a line's first word goes on with the sentence of
 * the line above when that ends in a comma, or in a small letter after six
 * words or more, ten when it opens a paragraph (a heading is shorter; the
 * engine reads a small å/ä/ö as a capital: "och" / "Ags huvudsakligen av"). */
static int line_begins_sentence(const struct norm *n, const struct doc_line *l, const char *s,
                                size_t a)
{
	if (!sentence_start(s, a))
		return 0;
	size_t p = a;
	while (p > 0 && s[p - 1] == ' ')
		p--;
	size_t x, e;
	const struct doc_line *pl = p == 0 ? above(n, l, &x, &e) : NULL;
	if (!pl)
		return 1;
	if (pl->text[e - 1] == ',')
		return 0;
	size_t k = e - 1;
	while (k > x && ((unsigned char)pl->text[k] & 0xC0) == 0x80)
		k--;
	size_t kk = k;
	if (!utf8_is_lower(utf8_next(pl->text, e, &kk)))
		return 1;
	int words = 0, in = 0;
	for (size_t i = 0; i < e && words < 10; i++) {
		int sp = pl->text[i] == ' ' || pl->text[i] == '\t';
		words += !sp && !in;
		in = !sp;
	}
	/* a line of a few words with nothing above it that ends in a word of
	 * five letters or more (no "och", "att", "för") is a heading
	 * ("Konsekvenser för barn, jämställdhet och tillgänglighet") */
	size_t y, f;
	return words < 6 ||
	       (words < 10 && utf8_count(pl->text + x, e - x) >= 5 && !above(n, pl, &y, &f));
}

static int begins_sentence(const struct norm *n, const struct lstate *ls, size_t a)
{
	return line_begins_sentence(n, ls->l, ls->cur.buf, a);
}

/* "hälso- och sjukvården": a compound's first part and a hyphen, then "och"
 * or "eller" and a compound that shares its tail.  When the chunk that ends
 * at b of ls's line is such a first part, the next compound is at [*ta, *te)
 * (its letters; ta and te may be NULL) and 1 is returned. */
static int shared_tail(const struct lstate *ls, size_t b, size_t *ta, size_t *te)
{
	const char *s = ls->cur.buf;
	size_t len = ls->cur.len, p = b + 1;
	if (b < 3 || s[b - 1] != '-' || b >= len || s[b] != ' ')
		return 0;
	if (p + 4 <= len && !memcmp(s + p, "och ", 4))
		p += 4;
	else if (p + 6 <= len && !memcmp(s + p, "eller ", 6))
		p += 6;
	else
		return 0;
	size_t q = p;
	while (q < len && s[q] != ' ' && s[q] != '\t')
		q++;
	while (q > p && (unsigned char)s[q - 1] < 0x80 && !isalpha((unsigned char)s[q - 1]))
		q--;
	if (q - p < 5)
		return 0;
	if (ta) {
		*ta = p;
		*te = q;
	}
	return 1;
}

static int repair_token(struct norm *n, const char *w, size_t len, int mode, const char **rep,
                        size_t *replen);

/* The compound at [ta, te) of ls's line after a first part and "- och",
 * as word repair makes it, into next (nothing when it cannot); -1 on
 * error. */
static int next_compound(struct norm *n, const struct lstate *ls, size_t ta, size_t te,
                         struct sb *next)
{
	const char *s = ls->cur.buf;
	if (lex_check(n->lex, s + ta, te - ta) != LEX_UNKNOWN) {
		sb_add(next, s + ta, te - ta);
		return 0;
	}
	const char *y;
	size_t yl;
	int ctx = n->ctx; /* after "och": no context */
	n->ctx = 0;
	int r = repair_token(n, s + ta, te - ta, 'N', &y, &yl);
	n->ctx = ctx;
	if (r == 1)
		sb_add(next, y, yl);
	return r < 0 ? -1 : 0;
}

/* The next tail of the compound next, from *k on, that may end a part of len
 * bytes: on a letter's boundary, of four bytes or more, a word, the whole at
 * most 40 bytes.  Its length (*k moved past it), 0 when none is left. */
static size_t next_tail(struct norm *n, const struct sb *next, size_t len, size_t *k)
{
	for (; *k + 4 <= next->len && !next->oom; (*k)++) {
		size_t tl = next->len - *k;
		if (((unsigned char)next->buf[*k] & 0xC0) != 0x80 && len + tl <= 40 &&
		    lex_check(n->lex, next->buf + *k, tl) != LEX_UNKNOWN) {
			(*k)++;
			return tl;
		}
	}
	return 0;
}

/* Whether the first part w[0..len) before "- och" makes a known word with
 * a tail of the compound at [ta, te) as word repair makes it ("far-" /
 * "och morforalder": "farförälder"): a part no misreading there, which
 * word-pair leaves as read ("får"). */
static int head_known(struct norm *n, const struct lstate *ls, const char *w, size_t len, size_t ta,
                      size_t te)
{
	struct sb next = SB_INIT, whole = SB_INIT;
	int known = next_compound(n, ls, ta, te, &next);
	size_t k = 1, tl;
	while (known == 0 && (tl = next_tail(n, &next, len, &k)) > 0) {
		sb_reset(&whole);
		sb_add(&whole, w, len);
		sb_add(&whole, next.buf + next.len - tl, tl);
		known = !whole.oom && lex_check(n->lex, whole.buf, whole.len) != LEX_UNKNOWN;
	}
	sb_release(&next);
	sb_release(&whole);
	return known;
}

/* The first part w[0..len) of a compound before "- och" whose tail the next
 * compound at [ta, te) of ls's line shares: repaired as part of the whole
 * it makes with a tail of that compound as word repair makes it ("halso" +
 * "vården" of "sjukvården" is "hälsovården": "hälso"), into out.  1 when it
 * was, 0 when not, -1 on error.  Only tails that are words are tried. */
static int repair_head(struct norm *n, const struct lstate *ls, const char *w, size_t len,
                       size_t ta, size_t te, struct sb *out)
{
	struct sb next = SB_INIT, whole = SB_INIT, rep = SB_INIT;
	int found = next_compound(n, ls, ta, te, &next);
	size_t hc = utf8_count(w, len);
	/* the longest tail first */
	size_t k = 1, tl;
	while (found == 0 && (tl = next_tail(n, &next, len, &k)) > 0) {
		const char *tail = next.buf + next.len - tl;
		sb_reset(&whole);
		sb_add(&whole, w, len);
		sb_add(&whole, tail, tl);
		if (whole.oom || lex_check(n->lex, whole.buf, whole.len) != LEX_UNKNOWN)
			continue; /* a known whole: the part is no misreading there */
		sb_reset(&rep);
		/* letter for letter, the tail as it was: the part is the rest */
		if (search_word(n, whole.buf, whole.len, 0, &rep) == 1 && rep.len > tl &&
		    !memcmp(rep.buf + rep.len - tl, tail, tl) &&
		    utf8_count(rep.buf, rep.len - tl) == hc) {
			sb_reset(out);
			sb_add(out, rep.buf, rep.len - tl);
			found = out->oom ? -1 : 1;
		}
	}
	sb_release(&next);
	sb_release(&whole);
	sb_release(&rep);
	return found;
}

/* Whether w[0..len) is one to three ASCII letters and a number of one or
 * two digits: a detailed plan's designation of use or property ("n1", "e1",
 * "BE2").  Not with a 0, 4, 6 or 8, which an engine without Swedish prints
 * for a letter ("p4" is "på", "s4" "så"). */
static int designation(const char *w, size_t len)
{
	size_t i = 0, j;
	while (i < len && ((w[i] >= 'a' && w[i] <= 'z') || (w[i] >= 'A' && w[i] <= 'Z')))
		i++;
	for (j = i; j < len && w[j] >= '1' && w[j] <= '9' && !strchr("468", w[j]);)
		j++;
	return i >= 1 && i <= 3 && j == len && j - i >= 1 && j - i <= 2;
}

/* Whether cur[a, b) is a list item's label: a capital and one or two digits
 * opening a sentence before a point, comma, colon or bracket ("T4. Kommunen
 * ska", "F4, Fastigheter"), which an engine without Swedish prints as it is;
 * "Tå.", "Få," would be no sentence.  (Decided on what the chunk memo's key
 * holds: the chunk and whether it begins a sentence.) */
static int item_label(const struct norm *n, const struct lstate *ls, size_t a, size_t b)
{
	const char *s = ls->cur.buf;
	if (b - a < 2 || b - a > 3 || b >= ls->cur.len || !strchr(".,:)", s[b]) || !s[b] ||
	    s[a] < 'A' || s[a] > 'Z')
		return 0;
	for (size_t i = a + 1; i < b; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	return begins_sentence(n, ls, a);
}

/* One candidate core cur[a, b): repair it when the lexicon says so. */
static int word_core(struct norm *n, struct lstate *ls, size_t a, size_t b, int pairs,
                     struct rlist *rl)
{
	const char *w = ls->cur.buf + a;
	size_t len = b - a;
	int letters = 0, others = 0, plain = 1;
	for (size_t i = 0; i < len;) {
		uint32_t cp = utf8_next(w, len, &i);
		if (utf8_is_alpha(cp))
			letters++;
		else if (wordish(n, cp))
			others++, plain = 0;
		else
			return 0; /* "t.ex", "2,4", "KS-2021": not a word */
	}
	if (!letters || others > letters || letters + others > MAX_WORD)
		return 0;
	if ((b < ls->cur.len && ls->cur.buf[b] >= '0' && ls->cur.buf[b] <= '9') ||
	    (a > 0 && ls->cur.buf[a - 1] >= '0' && ls->cur.buf[a - 1] <= '9'))
		return 0; /* a digit on either side: part of a code ("P87/14") */
	if (letters <= 4 && !others && all_caps(w, len))
		return 0; /* an acronym ("IOP", "SISAB" is five): not ours to judge */
	if (letters <= 3 && designation(w, len))
		return 0; /* a plan's designation ("n1", "E1", "BE2"), no "ni" */
	if (letters == 1 && item_label(n, ls, a, b))
		return 0; /* "T4." opening a sentence: a label, no "Tå" */
	int tier = lex_check(n->lex, w, len);
	const char *rep;
	size_t rl_len;
	int r;
	size_t ta, te;
	if (tier == LEX_UNKNOWN) {
		if (pairs)
			return 0;
		r = repair_token(n, w, len, 'N', &rep, &rl_len);
		/* a first part before "- och": repaired in its compound */
		if (r == 0 && plain && shared_tail(ls, b + 1, &ta, &te)) {
			struct sb head = SB_INIT;
			int ok = repair_head(n, ls, w, len, ta, te, &head);
			int rc = ok > 0 ? rlist_add(rl, a, b, head.buf, head.len) : ok;
			sb_release(&head);
			if (ok)
				return rc;
		}
		if (r == 0 && letters >= 4)
			n->leftover = 1;
	} else {
		/* a capitalised compound only hunspell builds ("Alvbadet": "alv" +
		 * "badet") may be a place name that lost its å/ä/ö: document-places
		 * looks at it again */
		if (!pairs && plain && tier == LEX_HUNSPELL && n->lost && letters >= 5 &&
		    letters <= MAX_WORD && utf8_is_upper(utf8_next(w, len, &(size_t){0})) &&
		    !lex_freq(n->lex, w, len)) {
			uint32_t cps[MAX_WORD];
			int nc = decode(w, len, cps, MAX_WORD);
			if (place_shaped(n, w, len, cps, nc))
				n->leftover = 1;
		}
		if (!pairs || !plain || has_guard(n, ls, a, b))
			return 0;
		for (size_t i = 0; i < len; i++)
			if ((unsigned char)w[i] >= 0x80)
				return 0; /* has its diacritics (or was given them) */
		if (shared_tail(ls, b + 1, &ta, &te)) {
			int k = head_known(n, ls, w, len, ta, te);
			if (k != 0)
				return k < 0 ? -1 : 0;
		}
		r = repair_token(n, w, len, 'P', &rep, &rl_len);
	}
	if (r < 0)
		return -1;
	if (r == 1 && (rl_len != len || memcmp(rep, w, len))) {
		/* The engine reads a small "å" as "A" ("Ataganden" for "åtaganden"):
		 * a capital repaired to a small letter stays a capital where a
		 * sentence, a line or a list item begins ("Atgardsplan" is
		 * "Åtgärdsplan" there), and where the word is a name: made of
		 * place-name elements and never seen small by the prior
		 * ("Akersbergsvagen" is "Åkersbergsvägen") */
		size_t i = 0, j = 0;
		uint32_t c0 = utf8_next(w, len, &i), r0 = utf8_next(rep, rl_len, &j);
		char low[256];
		if (utf8_is_upper(c0) && utf8_is_lower(r0) &&
		    (begins_sentence(n, ls, a) ||
		     (rl_len < sizeof(low) && !lex_freq(n->lex, rep, rl_len) &&
		      place_parts(n, low, lex_lower(rep, rl_len, low))))) {
			char buf[4];
			int k = utf8_encode(utf8_cp_upper(r0), buf);
			struct sb up = SB_INIT;
			sb_add(&up, buf, (size_t)k);
			sb_add(&up, rep + j, rl_len - j);
			int rc = up.oom ? -1 : rlist_add(rl, a, b, up.buf, up.len);
			sb_release(&up);
			return rc;
		}
		return rlist_add(rl, a, b, rep, rl_len);
	}
	return 0;
}

/* The words of one whitespace-delimited chunk cur[a, b). */
/* A double name ("Par-Olof": a capital and small letters, a hyphen, the
 * same again, as an engine without Swedish prints it) whose reading with
 * one or two å/ä/ö put back is a name of our additions ("Pär-Olof"): each
 * half alone is a word or a name of its own ("par"), so only the whole
 * decides.  Into rl; 1 when found. */
static int double_name(struct norm *n, const char *s, size_t a, size_t b, struct rlist *rl)
{
	while (a < b && s[a] == '(')
		a++;
	while (b > a && strchr(".,;:)", s[b - 1]))
		b--;
	size_t len = b - a, h = 0;
	if (len < 5 || len > 60)
		return 0;
	for (size_t i = 0; i < len; i++) {
		char c = s[a + i];
		int up = c >= 'A' && c <= 'Z', low = c >= 'a' && c <= 'z';
		if (c == '-' && !h && i >= 2)
			h = i;
		else if (!((i == 0 || (h && i == h + 1)) ? up : low))
			return 0;
	}
	if (!h || h + 2 >= len)
		return 0;
	/* the letters that may have lost a diacritic, and what they may be */
	static const char *const from = "aoAO";
	static const char *const to[4][3] = {{"\xc3\xa4", "\xc3\xa5", NULL},
	                                     {"\xc3\xb6", NULL, NULL},
	                                     {"\xc3\x84", "\xc3\x85", NULL},
	                                     {"\xc3\x96", NULL, NULL}};
	size_t pos[8];
	int npos = 0;
	for (size_t i = 0; i < len && npos < 8; i++)
		if (strchr(from, s[a + i]))
			pos[npos++] = i;
	/* one letter changed, then two, in reading order */
	for (int two = 0; two <= 1; two++)
		for (int x = 0; x < npos; x++)
			for (int y = two ? x + 1 : x; y < (two ? npos : x + 1); y++) {
				const char *const *tx = to[strchr(from, s[a + pos[x]]) - from];
				const char *const *ty = to[strchr(from, s[a + pos[y]]) - from];
				for (int i = 0; tx[i]; i++)
					for (int j = 0; x == y ? j == 0 : ty[j] != NULL; j++) {
						char w[200];
						size_t k = 0;
						for (size_t c = 0; c < len; c++) {
							const char *r = c == pos[x]   ? tx[i]
							                : c == pos[y] ? ty[j]
							                              : NULL;
							if (r) {
								memcpy(w + k, r, 2);
								k += 2;
							} else {
								w[k++] = s[a + c];
							}
						}
						if (lex_name(n->lex, w, k))
							return rlist_add(rl, a, b, w, k) < 0 ? -1
							                                     : 1;
					}
			}
	return 0;
}

/* The length of the mark at s[q] (before b) that parts a chunk into words
 * of their own: '/', '-', an en dash or an em dash ("Mölndal–Härryda",
 * "Tallåsen—Lillbäcken": two names, a route or a pair); 0 when none. */
static size_t piece_mark(const char *s, size_t q, size_t b)
{
	if (s[q] == '/' || s[q] == '-')
		return 1;
	if (q + 3 <= b && (unsigned char)s[q] == 0xE2 && (unsigned char)s[q + 1] == 0x80 &&
	    ((unsigned char)s[q + 2] == 0x93 || (unsigned char)s[q + 2] == 0x94))
		return 3;
	return 0;
}

static int repair_chunk(struct norm *n, struct lstate *ls, size_t a, size_t b, int pairs,
                        struct rlist *rl)
{
	const char *s = ls->cur.buf;
	int rc = 0;
	/* addresses are not words: an "@" with a dot after it or closing the
	 * token (an address broken at the line's end), "://", "www." (an "@"
	 * with letters and no domain after it is a letter misread: "ber@rts",
	 * "pag@r") */
	const char *at = memchr(s + a, '@', b - a), *dot = NULL;
	for (const char *p = at; p && p + 1 < s + b && !dot; p++)
		if (*p == '.' && ((p[1] | 32) >= 'a' && (p[1] | 32) <= 'z'))
			dot = p;
	if (dot || (at && at + 1 == s + b) || (b - a > 3 && memmem(s + a, b - a, "://", 3)) ||
	    (b - a > 4 && !strncmp(s + a, "www.", 4)))
		return 0;
	if (pairs && memchr(s + a, '-', b - a)) {
		int dn = double_name(n, s, a, b, rl);
		if (dn)
			return dn < 0 ? -1 : 0;
	}
	/* pieces between '/', '-' and dashes are words of their own */
	for (size_t p = a; p < b && rc == 0;) {
		size_t q = p;
		while (q < b && !piece_mark(s, q, b))
			q++;
		/* trim what cannot be part of a word at either end */
		size_t x = p, y = q;
		while (x < y) {
			size_t k = x;
			if (wordish(n, utf8_next(s, y, &k)) &&
			    (s[x] < '0' || s[x] > '9' || x + 1 < y))
				break;
			x = k;
		}
		while (y > x) {
			size_t k = y - 1;
			while (k > x && ((unsigned char)s[k] & 0xC0) == 0x80)
				k--;
			size_t kk = k;
			if (wordish(n, utf8_next(s, y, &kk)))
				break;
			y = k;
		}
		if (y > x)
			rc = word_core(n, ls, x, y, pairs, rl);
		p = q < b ? q + piece_mark(s, q, b) : b;
	}
	return rc;
}

/* repair_chunk() through the memo: a chunk met before costs one look-up.  One
 * memo entry per chunk text ('W' + chunk) holds the edits of both passes
 * (word-repair, word-pair), each as a count (255: not yet known) followed by
 * (offset, length, replacement length, replacement) records.  Lines with OCR
 * word confidences bypass it, as the confidence guard depends on them.  A
 * compound's first part before "- och" is keyed with the next word too
 * (memo_key). */
#define MEMO_LEFTOVER 1  /* flag: the chunk has a word neither known nor repaired */
#define MEMO_ACRONYM  2  /* flag: the chunk has a run of capitals that begins A or O */
#define MEMO_UNSEEN   4  /* flag: its word the lexicon knows and the prior never saw */
#define MEMO_CTX_A    8  /* flag: an infinitive is likely after it (context_of 'A') */
#define MEMO_CTX_D    16 /* flag: none is (context_of 'D') */
#define MEMO_FLAGS    32 /* flag: the flags were found (an entry word-pair made has none) */

/* Could s[0..len) hold an acronym that lost its Å/Ä/Ö ("(OK", "ÅF")? */
static int acronym_like(const char *s, size_t len)
{
	for (size_t k = 0; k + 1 < len; k++) {
		if ((s[k] != 'A' && s[k] != 'O') ||
		    (k > 0 && (((s[k - 1] | 32) >= 'a' && (s[k - 1] | 32) <= 'z') ||
		               (unsigned char)s[k - 1] >= 0x80)))
			continue;
		size_t e = k + 1;
		while (e < len && s[e] >= 'A' && s[e] <= 'Z')
			e++;
		if (e - k >= 2 && e - k <= 5 &&
		    (e == len ||
		     !(((s[e] | 32) >= 'a' && (s[e] | 32) <= 'z') || (unsigned char)s[e] >= 0x80)))
			return 1;
	}
	return 0;
}

static int ascii_letter(char c)
{
	return ((c | 32) >= 'a' && (c | 32) <= 'z');
}

/* The word of chunk s[p, q) as document-confusion reads it: its letters
 * between the marks at its ends, at [*a, *b).  1 when they are 2 to 60 ASCII
 * letters and the chunk has 3 bytes or more. */
static int plain_core(const char *s, size_t p, size_t q, size_t *a, size_t *b)
{
	size_t x = p, y = q;
	if (q - p < 3)
		return 0;
	while (x < y && !ascii_letter(s[x]))
		x++;
	while (y > x && !ascii_letter(s[y - 1]))
		y--;
	if (y - x < 2 || y - x > 60)
		return 0;
	for (size_t k = x; k < y; k++)
		if (!ascii_letter(s[k]))
			return 0;
	*a = x;
	*b = y;
	return 1;
}

/* Whether chunk s[0, len)'s word is one the lexicon knows but the prior
 * never saw ("lirare"): what document-confusion may read again. */
static int unseen_word(const struct norm *n, const char *s, size_t len)
{
	size_t a, b;
	return n->lex && plain_core(s, 0, len, &a, &b) && !lex_freq(n->lex, s + a, b - a) &&
	       lex_check(n->lex, s + a, b - a) != LEX_UNKNOWN;
}

static int context_of(const struct norm *n, const char *s, size_t pa, size_t pb);

static int chunk_flags(const struct norm *n, const char *s, size_t len)
{
	int ctx = context_of(n, s, 0, len);
	return MEMO_FLAGS | (n->leftover ? MEMO_LEFTOVER : 0) |
	       (acronym_like(s, len) ? MEMO_ACRONYM : 0) |
	       (unseen_word(n, s, len) ? MEMO_UNSEEN : 0) |
	       (ctx == 'A'   ? MEMO_CTX_A
	        : ctx == 'D' ? MEMO_CTX_D
	                     : 0);
}

/* The context chunk flags say the chunk makes for the next one, or -1 when
 * they do not say. */
static int flags_context(int flags)
{
	if (!(flags & MEMO_FLAGS))
		return -1;
	return flags & MEMO_CTX_A ? 'A' : flags & MEMO_CTX_D ? 'D' : 0;
}

/* Note line `line` in set, which grows to hold it. */
static int add_line(struct lineset *set, size_t line)
{
	size_t w = line >> 6;
	if (w >= set->nw) {
		size_t nw = set->nw ? set->nw : 16;
		while (nw <= w)
			nw *= 2;
		uint64_t *nb = realloc(set->w, nw * sizeof(*nb));
		if (!nb)
			return -1;
		memset(nb + set->nw, 0, (nw - set->nw) * sizeof(*nb));
		set->w = nb;
		set->nw = nw;
	}
	set->w[w] |= 1ull << (line & 63);
	return 0;
}

/* The first line of set at or after *line: 1 with it in *line, or 0. */
static int next_line(const struct lineset *set, size_t *line)
{
	size_t w = *line >> 6;
	if (w >= set->nw)
		return 0;
	uint64_t m = set->w[w] & (~0ull << (*line & 63));
	while (!m) {
		if (++w == set->nw)
			return 0;
		m = set->w[w];
	}
	*line = (w << 6) + (size_t)__builtin_ctzll(m);
	return 1;
}

static void lineset_clear(struct lineset *set)
{
	if (set->nw)
		memset(set->w, 0, set->nw * sizeof(*set->w));
}

/* Whether s[0..n) has a byte set in `set`. */
static int any_byte(const char *s, size_t n, const unsigned char *set)
{
	for (size_t i = 0; i < n; i++)
		if (set[(unsigned char)s[i]])
			return 1;
	return 0;
}

/* Count the confusions of word repair's edit of old[0, ol) into new[0, nl):
 * per pair (x printed for the Swedish letter y, lower case) the distinct
 * words, lower case, it was used in, into n->dc (document-channel and
 * document-confusion read them). */
static int count_confusions(struct norm *n, const char *old, size_t ol, const char *new, size_t nl)
{
	if (ol > 120 || nl > 120 || !memchr(new, 0xC3, nl))
		return 0; /* (å, ä, ö and their capitals are C3 xx in UTF-8) */
	uint32_t a[64], b[64];
	int na = decode(old, ol, a, 64);
	int nb = decode(new, nl, b, 64);
	if (na <= 0 || na != nb)
		return 0;
	char key[300]; /* two letters and a word of up to 120 bytes, lower-cased */
	for (int j = 0; j < na; j++) {
		uint32_t x = utf8_cp_lower(a[j]), y = utf8_cp_lower(b[j]);
		if (x == y || !swedish_cp(y) || swedish_cp(x))
			continue;
		int kl = utf8_encode(x, key);
		kl += utf8_encode(y, key + kl);
		kl += (int)lex_lower(new, nl, key + kl);
		if (lex_map_get(n->dc_seen, key, (size_t)kl, NULL, NULL, NULL))
			continue;
		if (lex_map_put(n->dc_seen, key, (size_t)kl, 0, NULL, 0) < 0)
			return -1;
		size_t c = 0;
		while (c < n->ndc && !(n->dc[c].from == x && n->dc[c].to == y))
			c++;
		if (c == n->ndc) {
			if (n->ndc == sizeof(n->dc) / sizeof(*n->dc))
				continue;
			n->dc[n->ndc++] = (struct dconf){x, y, 0};
		}
		n->dc[c].words++;
	}
	return 0;
}

static const char *memo_part(const char *v, size_t vl, int pairs)
{
	const char *end = v + vl;
	v++; /* the flags */
	if (!pairs)
		return v;
	unsigned cnt = (unsigned char)*v++;
	if (cnt == 255)
		return v;
	for (unsigned i = 0; i < cnt && v + 3 <= end; i++)
		v += 3 + (unsigned char)v[2];
	return v;
}

/* Whether the document phase wants collect() to see word repair's chunks. */
static int collecting(const struct norm *n)
{
	return n->doc_words || n->doc_habits;
}

/* v as two bytes, low first, for the line memo's records. */
static void rec_u16(struct sb *b, size_t v)
{
	unsigned char h[2] = {(unsigned char)(v & 0xFF), (unsigned char)(v >> 8)};
	if (v > 0xFFFF)
		b->oom = 1; /* (the line is then not remembered) */
	sb_add(b, h, 2);
}

/* Note that word w[0, len), which the lexicon knows and the prior never saw,
 * stands on line `line` (n->unseen_words, n->wl). */
static int unseen_note(struct norm *n, const char *w, size_t len, size_t line)
{
	uint32_t *num;
	size_t i;
	if (lex_map_ref(n->unseen_words, w, len, &num, NULL, NULL)) {
		i = *num - 1;
	} else {
		if (room_for(&n->wl, &n->awl, n->nwl, sizeof(*n->wl), 64) < 0)
			return -1;
		i = n->nwl++;
		if (lex_map_put(n->unseen_words, w, len, (uint32_t)i + 1, NULL, 0) < 0)
			return -1;
	}
	struct wordlines *e = &n->wl[i];
	if (e->n && e->v[e->n - 1] == line)
		return 0;
	if (room_for(&e->v, &e->cap, e->n, sizeof(*e->v), 4) < 0)
		return -1;
	e->v[e->n++] = line;
	return 0;
}

/* What the document phase needs of a chunk of line ls->l (word-repair's
 * edits of it are rl->r[from..]): the lines with a word the lexicon knows
 * and the prior never saw, and with an acronym; where words neither known
 * nor repaired are; and, the first time the chunk is met in this document,
 * the confusions its repair used and the words word-repair gave å/ä/ö (the
 * document's vocabulary). */
static int collect(struct norm *n, struct lstate *ls, size_t a, size_t b, const struct rlist *rl,
                   size_t from, int flags, int first)
{
	if (n->rec) {
		sb_addc(n->rec, 'C');
		rec_u16(n->rec, a);
		rec_u16(n->rec, b);
		rec_u16(n->rec, from);
		rec_u16(n->rec, rl->n);
		sb_addc(n->rec, (char)flags);
	}
	if (!ls->l || !collecting(n))
		return 0;
	size_t line = (size_t)(ls->l - n->doc->lines);
	if (n->doc_habits) {
		size_t x, y;
		if ((flags & MEMO_UNSEEN) && plain_core(ls->cur.buf, a, b, &x, &y) &&
		    unseen_note(n, ls->cur.buf + x, y - x, line) < 0)
			return -1;
		for (size_t i = from; i < rl->n; i++) {
			const char *old = ls->cur.buf + rl->r[i].a;
			size_t ol = rl->r[i].b - rl->r[i].a;
			if ((first &&
			     count_confusions(n, old, ol, rl->r[i].text, rl->r[i].tlen) < 0) ||
			    (any_byte(old, ol, n->rare_first) &&
			     add_line(&n->rare_lines, line) < 0))
				return -1;
		}
	}
	if (!n->doc_words)
		return 0;
	if ((flags & MEMO_ACRONYM) && add_line(&n->acr, line) < 0)
		return -1;
	if (flags & MEMO_LEFTOVER) {
		/* the chunk as word repair leaves it, which is what the document
		 * steps find on the line ("Tallåsen–Lillbacken": a piece repaired,
		 * a piece neither known nor repaired) */
		struct sb c = SB_INIT;
		size_t at = a;
		for (size_t i = from; i < rl->n; i++) {
			const struct repl *r = &rl->r[i];
			if (r->a < at || r->b > b)
				continue;
			sb_add(&c, ls->cur.buf + at, r->a - at);
			sb_add(&c, r->text, r->tlen);
			at = r->b;
		}
		sb_add(&c, ls->cur.buf + at, b - at);
		size_t cl;
		char *cs = c.oom ? NULL : sb_detach(&c, &cl);
		sb_release(&c);
		if (!cs || room_for(&n->left, &n->aleft, n->nleft, sizeof(*n->left), 16) < 0) {
			free(cs);
			return -1;
		}
		n->left[n->nleft++] = (struct leftover){(size_t)(ls->l - n->doc->lines), cs, cl};
	}
	if (!first)
		return 0;
	for (size_t i = from; i < rl->n; i++) {
		const struct repl *r = &rl->r[i];
		int diacritic = 0;
		for (size_t k = 0; k < r->tlen; k++)
			diacritic |= (unsigned char)r->text[k] >= 0x80;
		if (!diacritic || r->tlen > 60)
			continue;
		char low[128];
		size_t ll = lex_lower(r->text, r->tlen, low);
		uint32_t *cnt;
		if (lex_map_ref(n->vocab, low, ll, &cnt, NULL, NULL))
			(*cnt)++;
		else if (lex_map_put(n->vocab, low, ll, 1, NULL, 0) < 0)
			return -1;
	}
	return 0;
}

/* The chunk memo's key prefix: a chunk's answer depends on its context, and
 * one that begins with a capital on whether it begins a sentence (word_core
 * writes a repair that is a small word with a capital there). */
static char memo_kind(const struct norm *n, const struct lstate *ls, size_t a)
{
	unsigned char c = (unsigned char)ls->cur.buf[a];
	int start = ((c >= 'A' && c <= 'Z') || c == 0xC3 || (c < 0x80 && !isalnum(c))) &&
	            begins_sentence(n, ls, a);
	char k = start ? (n->ctx == 'A'   ? 's'
	                  : n->ctx == 'D' ? 't'
	                                  : 'S')
	               : (n->ctx == 'A'   ? 'w'
	                  : n->ctx == 'D' ? 'x'
	                                  : 'W');
	return n->lost ? (char)(k | 0x80) : k;
}

/* The memo's key for chunk [a, b) of ls's line, into key: memo_kind, the
 * chunk, and for a compound's first part before "- och" the compound after it
 * (shared_tail), on which its repair depends. */
static void memo_key_tail(const struct lstate *ls, size_t b, struct sb *key)
{
	size_t ta, te;
	if (shared_tail(ls, b, &ta, &te)) {
		sb_addc(key, '\x01');
		sb_add(key, ls->cur.buf + ta, te - ta);
	}
}

static inline void memo_key(const struct norm *n, const struct lstate *ls, size_t a, size_t b,
                            struct sb *key)
{
	/* written in place, once there is room: a key for every chunk of every
	 * line, the hot path of a repeated text */
	size_t len = b - a + 1;
	sb_reset(key);
	key->oom = 0;
	if (key->alloc < len + 1 && sb_grow(key, len) < 0) {
		key->oom = 1;
		return;
	}
	key->buf[0] = memo_kind(n, ls, a);
	memcpy(key->buf + 1, ls->cur.buf + a, b - a);
	key->buf[len] = '\0';
	key->len = len;
	if (ls->cur.buf[b - 1] == '-')
		memo_key_tail(ls, b, key);
}

/* word-repair's answer for the chunk and, when it has no edits, word-pair's,
 * from one look-up of the memo: *which is 'N' or 'P' for the part whose
 * edits were added to rl, *ctx the context the chunk makes for the next
 * (flags_context) when the memo has the chunk.  Returns 1 when the memo had
 * what was needed, 0 when the caller must ask repair_chunk_memo() (once or
 * twice), -1 on error. */
static int repair_chunk_both(struct norm *n, struct lstate *ls, size_t a, size_t b,
                             struct rlist *rl, int *which, int *ctx)
{
	if ((ls->l && ls->l->nwords) || b - a > 200)
		return 0;
	struct sb *key = &n->scratch;
	memo_key(n, ls, a, b, key);
	if (key->oom)
		return -1;
	const char *v = NULL;
	size_t vl = 0;
	uint32_t *stamp = NULL;
	if (!lex_map_ref(n->memo, key->buf, key->len, &stamp, &v, &vl))
		return 0;
	*ctx = flags_context((unsigned char)v[0]);
	const char *p = memo_part(v, vl, 0);
	unsigned cnt = (unsigned char)*p++;
	if (cnt == 255)
		return 0;
	const char *q = p;
	if (cnt == 0) {
		q = memo_part(v, vl, 1);
		if ((unsigned char)*q == 255)
			return 0; /* word-pair not yet known for it */
		cnt = (unsigned char)*q++;
		*which = 'P';
	} else {
		*which = 'N';
	}
	size_t before = rl->n;
	for (unsigned i = 0; i < cnt; i++) {
		size_t off = (unsigned char)q[0], l = (unsigned char)q[1], tl = (unsigned char)q[2];
		if (rlist_add(rl, a + off, a + off + l, q + 3, tl) < 0)
			return -1;
		q += 3 + tl;
	}
	if (!collecting(n))
		return 1;
	int first = *stamp != n->docgen;
	*stamp = n->docgen;
	/* the document phase collects from word-repair's edits only */
	return collect(n, ls, a, b, rl, *which == 'N' ? before : rl->n, (unsigned char)v[0],
	               first) < 0
	           ? -1
	           : 1;
}

static int repair_chunk_memo(struct norm *n, struct lstate *ls, size_t a, size_t b, int pairs,
                             struct rlist *rl)
{
	size_t before = rl->n;
	if ((ls->l && ls->l->nwords) || b - a > 200) {
		n->leftover = 0;
		int rc = repair_chunk(n, ls, a, b, pairs, rl);
		if (rc == 0 && !pairs)
			rc = collect(n, ls, a, b, rl, before,
			             chunk_flags(n, ls->cur.buf + a, b - a), 1);
		return rc;
	}
	struct sb *key = &n->scratch;
	memo_key(n, ls, a, b, key);
	if (key->oom)
		return -1;
	const char *v = NULL;
	size_t vl = 0;
	uint32_t *stamp = NULL;
	int have = lex_map_ref(n->memo, key->buf, key->len, &stamp, &v, &vl);
	if (have) {
		const char *p = memo_part(v, vl, pairs);
		unsigned cnt = (unsigned char)*p++;
		if (cnt != 255) {
			for (unsigned i = 0; i < cnt; i++) {
				size_t off = (unsigned char)p[0], l = (unsigned char)p[1],
				       tl = (unsigned char)p[2];
				if (rlist_add(rl, a + off, a + off + l, p + 3, tl) < 0)
					return -1;
				p += 3 + tl;
			}
			if (pairs || !collecting(n))
				return 0;
			int first = *stamp != n->docgen;
			*stamp = n->docgen;
			return collect(n, ls, a, b, rl, before, (unsigned char)v[0], first);
		}
	}
	int oldflags = have ? (unsigned char)v[0] : 0; /* v dies with the next put */
	n->leftover = 0;
	int rc = repair_chunk(n, ls, a, b, pairs, rl);
	if (rc < 0)
		return rc;
	int flags = pairs ? oldflags : chunk_flags(n, ls->cur.buf + a, b - a);
	struct sb part = SB_INIT, val = SB_INIT;
	int fits = rl->n - before < 255;
	sb_addc(&part, (char)(rl->n - before));
	for (size_t i = before; i < rl->n && fits; i++) {
		const struct repl *r = &rl->r[i];
		if (r->b - a > 255 || r->tlen > 255) {
			fits = 0;
			break;
		}
		unsigned char h[3] = {(unsigned char)(r->a - a), (unsigned char)(r->b - r->a),
		                      (unsigned char)r->tlen};
		sb_add(&part, h, 3);
		sb_add(&part, r->text, r->tlen);
	}
	if (fits) {
		/* the other pass's part as it was (or unknown) */
		memo_key(n, ls, a, b, key);
		have = !key->oom && lex_map_get(n->memo, key->buf, key->len, NULL, &v, &vl);
		const char *c0 = have ? v + 1 : "\xff";
		const char *d0 = have ? memo_part(v, vl, 1) : "\xff";
		size_t clen = have ? (size_t)(d0 - (v + 1)) : 1;
		size_t dlen = have ? (size_t)(v + vl - d0) : 1;
		sb_addc(&val, (char)flags);
		if (pairs) {
			sb_add(&val, c0, clen);
			sb_add(&val, part.buf, part.len);
		} else {
			sb_add(&val, part.buf, part.len);
			sb_add(&val, d0, dlen);
		}
		if (lex_map_count(n->memo) > (1u << 20))
			memo_clear(n);
		if (val.oom || key->oom ||
		    lex_map_put(n->memo, key->buf, key->len, n->docgen, val.buf, val.len) < 0)
			rc = -1;
	}
	sb_release(&part);
	sb_release(&val);
	if (rc == 0 && !pairs)
		rc = collect(n, ls, a, b, rl, before, flags, 1);
	return rc;
}

/* Walk the words of the current line and repair them.  Words are separated
 * by spaces and tabs (other white space became spaces in 10-characters). */
static int repair_line(struct norm *n, struct lstate *ls, int pairs, const char *rule)
{
	struct rlist rl = {0};
	const char *s = ls->cur.buf;
	size_t len = ls->cur.len, i = 0;
	int rc = 0;
	while (i < len && rc == 0) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t a = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (a == i)
			break;
		rc = repair_chunk_memo(n, ls, a, i, pairs, &rl);
	}
	if (rc == 0)
		rc = ls_apply(ls, rl.r, rl.n, rule);
	repl_free(rl.r, rl.n);
	return rc;
}

/* Fold a word as the OCR of a document without å/ä/ö prints it: å ä → a,
 * ö → o, capitals small.  Returns the length, 0 when it does not fit in
 * out[max] or has other non-ASCII letters. */
static size_t fold_word(const char *s, size_t len, char *out, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < len;) {
		if (n == max)
			return 0;
		unsigned char c = (unsigned char)s[i];
		if (c == 0xC3 && i + 1 < len) {
			unsigned char d = (unsigned char)s[i + 1] | 0x20;
			if (d != 0xA5 && d != 0xA4 && d != 0xB6)
				return 0;
			out[n++] = d == 0xB6 ? 'o' : 'a';
			i += 2;
		} else if (c >= 0x80) {
			return 0;
		} else {
			out[n++] = (char)((c >= 'A' && c <= 'Z') ? c + 32 : c);
			i++;
		}
	}
	return n;
}

#define CTX_MAX 8 /* longest context word, folded */

static unsigned ctx_hash(const char *w, size_t k)
{
	unsigned h = 2166136261u;
	for (size_t i = 0; i < k; i++)
		h = (h ^ (unsigned char)w[i]) * 16777619u;
	return (h ^ (h >> 8) ^ (h >> 16)) & 255;
}

/* Every beginning (whole letters) of every key of `from`, into `to`. */
static int beginnings(const struct lex_map *from, struct lex_map *to)
{
	size_t it = 0, kl;
	const char *key;
	while (lex_map_next(from, &it, &key, &kl, NULL))
		for (size_t i = 1; i <= kl; i++)
			if ((i == kl || ((unsigned char)key[i] & 0xC0) != 0x80) &&
			    lex_map_put(to, key, i, 1, NULL, 0) < 0)
				return -1;
	return 0;
}

/* Put the words of a white-space separated list, lower-cased, into m. */
static int words_load(struct lex_map *m, const char *list)
{
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t\n");
		size_t l = strcspn(p, " \t\n");
		char low[256];
		if (l && l < 100 && lex_map_put(m, low, lex_lower(p, l, low), 1, NULL, 0) < 0)
			return -1;
		p += l;
	}
	return 0;
}

/* Load a list of context words (white-space separated) into n->ctx_words. */
static int ctx_load(struct norm *n, const char *list, char kind)
{
	for (const char *p = list; p && *p;) {
		p += strspn(p, " \t\n");
		size_t l = strcspn(p, " \t\n");
		char w[CTX_MAX];
		size_t k = l ? fold_word(p, l, w, CTX_MAX) : 0;
		if (k) {
			if (n->nctx_words == sizeof(n->ctx_words) / sizeof(*n->ctx_words))
				return -1;
			memcpy(n->ctx_words[n->nctx_words].w, w, k);
			n->ctx_words[n->nctx_words].len = (unsigned char)k;
			n->ctx_words[n->nctx_words].kind = kind;
			n->nctx_words++;
			unsigned h = ctx_hash(w, k);
			while (n->ctx_slot[h])
				h = (h + 1) & 255;
			n->ctx_slot[h] = (unsigned char)n->nctx_words; /* index + 1 */
			n->ctx_lens |= 1u << k;
		}
		p += l;
	}
	return 0;
}

/* The context the chunk s[pa, pb) makes for the chunk after it: 'A' (an
 * infinitive is likely), 'D' (none is) or 0. */
static int context_of(const struct norm *n, const char *s, size_t pa, size_t pb)
{
	size_t l = pb - pa;
	if (pb <= pa || l > 2 * CTX_MAX)
		return 0;
	char w[CTX_MAX];
	size_t k = fold_word(s + pa, l, w, CTX_MAX);
	if (!k || !((n->ctx_lens >> k) & 1))
		return 0;
	for (unsigned h = ctx_hash(w, k);; h = (h + 1) & 255) {
		unsigned char i = n->ctx_slot[h];
		if (!i)
			return 0;
		if (n->ctx_words[i - 1].len == k && !memcmp(n->ctx_words[i - 1].w, w, k))
			return n->ctx_words[i - 1].kind;
	}
}

/* The line above ls's line, on the same page and not blank, with its last
 * word at [*a, *e) of its text; NULL when there is none (a page's top, a
 * blank line above, rule tests). */
static const struct doc_line *above(const struct norm *n, const struct doc_line *l, size_t *a,
                                    size_t *e)
{
	const struct doc *d = n->doc;
	if (!d || !l || l <= d->lines || l >= d->lines + d->nlines)
		return NULL;
	const struct doc_line *p = l - 1;
	if (p->page != l->page)
		return NULL;
	doc_line_last_word(p, a, e);
	return *a < *e ? p : NULL;
}

static const struct doc_line *line_above(const struct norm *n, const struct lstate *ls, size_t *a,
                                         size_t *e)
{
	return above(n, ls->l, a, e);
}

/* The line after ls's on the same page and its first word [*a, *e), as
 * read (the rules have not reached it yet), or NULL. */
static const struct doc_line *line_below(const struct norm *n, const struct lstate *ls, size_t *a,
                                         size_t *e)
{
	const struct doc *d = n->doc;
	const struct doc_line *l = ls->l;
	if (!d || !l || l < d->lines || l + 1 >= d->lines + d->nlines || l[1].page != l->page)
		return NULL;
	const struct doc_line *p = l + 1;
	size_t i = 0;
	while (i < p->len && (p->text[i] == ' ' || p->text[i] == '\t'))
		i++;
	*a = i;
	while (i < p->len && p->text[i] != ' ' && p->text[i] != '\t')
		i++;
	*e = i;
	return *a < *e ? p : NULL;
}

/* The context the last word of the line before makes for the first word of
 * ls's line ("att" at a line's end, "göra" on the next): that line is done
 * when this one reaches the word rules.  0 at a page's top, for rule tests,
 * and after a blank line. */
static int line_start_context(const struct norm *n, const struct lstate *ls)
{
	size_t a, e;
	const struct doc_line *p = line_above(n, ls, &a, &e);
	return p ? context_of(n, p->text, a, e) : 0;
}

/* repair_chunk_memo() in the chunk's context (n->ctx): the memo keeps one
 * answer per context. */
static int repair_chunk_ctx(struct norm *n, struct lstate *ls, size_t a, size_t b, int pairs,
                            struct rlist *rl)
{
	return repair_chunk_memo(n, ls, a, b, pairs, rl);
}

/* For the document phase's case vote: a word repaired to a small å/ä/ö
 * first letter ("över"), and a capital one inside a sentence where the OCR
 * printed A or O ("till Over" -> "Över": the engine reads a small å/ä/ö as
 * a capital). */
static int note_case(struct norm *n, struct lstate *ls, const struct rlist *rl, size_t from)
{
	if (n->rec) {
		sb_addc(n->rec, 'N');
		rec_u16(n->rec, from);
		rec_u16(n->rec, rl->n);
	}
	for (size_t k = from; k < rl->n; k++) {
		const struct repl *r = &rl->r[k];
		const unsigned char *t = (const unsigned char *)r->text;
		if (r->tlen < 3 || r->tlen > 60 || t[0] != 0xC3)
			continue;
		if (t[1] == 0xA5 || t[1] == 0xA4 || t[1] == 0xB6) {
			uint32_t *cnt;
			if (lex_map_ref(n->lower, r->text, r->tlen, &cnt, NULL, NULL))
				*cnt += 1;
			else if (lex_map_put(n->lower, r->text, r->tlen, 1, NULL, 0) < 0)
				return -1;
			continue;
		}
		if ((t[1] != 0x85 && t[1] != 0x84 && t[1] != 0x96) ||
		    (ls->cur.buf[r->a] != 'A' && ls->cur.buf[r->a] != 'O') ||
		    begins_sentence(n, ls, r->a))
			continue;
		if (room_for(&n->caps, &n->acaps, n->ncaps, sizeof(*n->caps), 16) < 0)
			return -1;
		char *c = malloc(r->tlen + 1);
		if (!c)
			return -1;
		memcpy(c, r->text, r->tlen);
		c[r->tlen] = '\0';
		n->caps[n->ncaps++] =
		    (struct leftover){(size_t)(ls->l - n->doc->lines), c, r->tlen};
	}
	return 0;
}

static void rec_edits(struct sb *v, const struct rlist *rl, const char *rule_d);

/* word-repair immediately followed by word-pair, in a document that lost its
 * diacritics: one walk, one memo look-up per chunk.  A chunk word-repair
 * changed is looked at again by word-pair afterwards, in its new text, as if
 * the two ran one after the other.  The first chunk's context is carried
 * from the line above; with val, the edits of both passes are written into
 * it (rec_edits(), twice) for the line memo. */
static int repair_line_words(struct norm *n, struct lstate *ls, const char *rule_c,
                             const char *rule_d, int carried, struct sb *val)
{
	struct rlist rl = {0};
	const char *s = ls->cur.buf;
	size_t len = ls->cur.len, i = 0;
	int rc = 0;
	/* chunks word-repair changed: their range in the text after it */
	size_t *again = NULL, nagain = 0, aalloc = 0;
	long delta = 0;
	size_t pa = 0, pb = 0; /* the chunk before */
	int pctx = -1;         /* its context, when the memo said (-1: not) */
	while (i < len && rc == 0) {
		while (i < len && (s[i] == ' ' || s[i] == '\t'))
			i++;
		size_t a = i;
		while (i < len && s[i] != ' ' && s[i] != '\t')
			i++;
		if (a == i)
			break;
		size_t before = rl.n;
		n->ctx = pb > pa ? (pctx >= 0 ? pctx : context_of(n, s, pa, pb)) : carried;
		pa = a, pb = i;
		int which = 0;
		pctx = -1;
		int got = repair_chunk_both(n, ls, a, i, &rl, &which, &pctx);
		if (got < 0) {
			rc = -1;
			break;
		}
		if (!got) {
			rc = repair_chunk_ctx(n, ls, a, i, 0, &rl);
			which = rl.n == before ? 0 : 'N';
		}
		if (rc < 0)
			break;
		if (which != 'N') {
			if (!which)
				rc = repair_chunk_ctx(n, ls, a, i, 1, &rl);
			for (size_t k = before; k < rl.n; k++)
				rl.r[k].rule = rule_d;
			for (size_t k = before; k < rl.n; k++)
				delta += (long)rl.r[k].tlen - (long)(rl.r[k].b - rl.r[k].a);
			if (rc == 0 && n->doc_words && ls->l && rl.n > before)
				rc = note_case(n, ls, &rl, before);
			continue;
		}
		if (n->doc_words && ls->l && (rc = note_case(n, ls, &rl, before)) < 0)
			break;
		long d0 = delta;
		for (size_t k = before; k < rl.n; k++) {
			rl.r[k].rule = rule_c;
			delta += (long)rl.r[k].tlen - (long)(rl.r[k].b - rl.r[k].a);
		}
		if (nagain + 2 > aalloc) {
			aalloc = aalloc ? aalloc * 2 : 16;
			size_t *na = realloc(again, aalloc * sizeof(*na));
			if (!na) {
				rc = -1;
				break;
			}
			again = na;
		}
		again[nagain++] = (size_t)((long)a + d0);
		again[nagain++] = (size_t)((long)i + delta);
	}
	n->ctx = 0;
	if (val)
		rec_edits(val, &rl, rule_d);
	if (rc == 0)
		rc = ls_apply(ls, rl.r, rl.n, rule_c);
	repl_free(rl.r, rl.n);
	struct rlist r2 = {0};
	if (rc == 0 && nagain) {
		for (size_t k = 0; k < nagain && rc == 0; k += 2)
			rc = repair_chunk_memo(n, ls, again[k], again[k + 1], 1, &r2);
		if (rc == 0)
			rc = ls_apply(ls, r2.r, r2.n, rule_d);
	}
	if (val)
		rec_edits(val, &r2, rule_d);
	repl_free(r2.r, r2.n);
	free(again);
	return rc;
}

/* The line memo.  A line's word passes depend on its text, the context the
 * line above makes for its first word, whether that word begins a sentence,
 * and whether the document lost its å/ä/ö; a line met again in the same
 * document with all of these the same gets the same edits, and the
 * document phase is told what it was told the first time (collect(),
 * note_case(), with nothing new to count).  A repeated letterhead, footer or
 * boilerplate paragraph costs one look-up a line instead of one a word. */
#define LINE_MEMO_MAX   200        /* the longest line remembered, in bytes */
#define LINE_MEMO_BYTES (16 << 20) /* what the line memo may hold before it starts over */

/* Forget the memos (they grew too big): the line memo with the chunk memo,
 * whose stamps its replays rely on. */
static void lines_clear(struct norm *n)
{
	lex_map_clear(n->lines);
	n->line_bytes = 0;
}

static void memo_clear(struct norm *n)
{
	lex_map_clear(n->memo);
	lines_clear(n);
}

/* rl's edits into v: how many, then each one's place, rule ('c' rule_c, 'd'
 * rule_d, 'n' the list's) and text. */
static void rec_edits(struct sb *v, const struct rlist *rl, const char *rule_d)
{
	rec_u16(v, rl->n);
	for (size_t k = 0; k < rl->n; k++) {
		const struct repl *r = &rl->r[k];
		rec_u16(v, r->a);
		rec_u16(v, r->b);
		sb_addc(v, !r->rule ? 'n' : r->rule == rule_d ? 'd' : 'c');
		if (r->tlen > 255)
			v->oom = 1;
		sb_addc(v, (char)r->tlen);
		sb_add(v, r->text, r->tlen);
	}
}

static size_t get_u16(const unsigned char *p)
{
	return p[0] | (size_t)p[1] << 8;
}

/* The edits rec_edits() wrote at *p, into rl; *p moves past them.  Their
 * texts are not copied: rl's point into the memo's value (which outlives rl;
 * free rl.r alone, not with repl_free()). */
static int read_edits(const unsigned char **p, struct rlist *rl, const char *rule_c,
                      const char *rule_d)
{
	size_t cnt = get_u16(*p);
	*p += 2;
	for (size_t k = 0; k < cnt; k++) {
		const unsigned char *e = *p;
		size_t tl = e[5];
		if (room_for(&rl->r, &rl->alloc, rl->n, sizeof(*rl->r), 8) < 0)
			return -1;
		rl->r[rl->n++] = (struct repl){get_u16(e), get_u16(e + 2), (char *)e + 6, tl,
		                               e[4] == 'd'   ? rule_d
		                               : e[4] == 'c' ? rule_c
		                                             : NULL};
		*p += 6 + tl;
	}
	return 0;
}

/* Do again what a remembered line's value v says: its edits, and what the
 * document phase was told. */
static int line_replay(struct norm *n, struct lstate *ls, const char *v, const char *rule_c,
                       const char *rule_d)
{
	const unsigned char *ev = (const unsigned char *)v + 2,
	                    *eve = ev + get_u16((const unsigned char *)v);
	const unsigned char *p = eve;
	struct rlist rl = {0}, r2 = {0};
	int rc = read_edits(&p, &rl, rule_c, rule_d);
	if (rc == 0)
		rc = read_edits(&p, &r2, rule_c, rule_d);
	while (rc == 0 && ev < eve) {
		if (*ev == 'C') {
			struct rlist seen = {rl.r, get_u16(ev + 7), 0};
			rc = collect(n, ls, get_u16(ev + 1), get_u16(ev + 3), &seen,
			             get_u16(ev + 5), ev[9], 0);
			ev += 10;
		} else {
			struct rlist seen = {rl.r, get_u16(ev + 3), 0};
			rc = note_case(n, ls, &seen, get_u16(ev + 1));
			ev += 5;
		}
	}
	if (rc == 0)
		rc = ls_apply(ls, rl.r, rl.n, rule_c);
	if (rc == 0)
		rc = ls_apply(ls, r2.r, r2.n, rule_d);
	free(rl.r); /* (their texts are the memo's) */
	free(r2.r);
	return rc;
}

static int repair_line_both(struct norm *n, struct lstate *ls, const char *rule_c,
                            const char *rule_d)
{
	int carried = line_start_context(n, ls);
	const char *s = ls->cur.buf;
	size_t len = ls->cur.len;
	if (!ls->l || ls->l->nwords || len > LINE_MEMO_MAX)
		return repair_line_words(n, ls, rule_c, rule_d, carried, NULL);
	size_t f = 0;
	while (f < len && (s[f] == ' ' || s[f] == '\t'))
		f++;
	struct sb *key = &n->line_key;
	sb_reset(key);
	key->oom = 0;
	/* whether the line's first word begins a sentence, the one thing the
	 * line above decides; asked only of a word that begins with a capital,
	 * an å/ä/ö or a mark (memo_kind, word_core), never of one that begins
	 * with a small letter or a digit */
	int first_asked = f < len && !(s[f] >= 'a' && s[f] <= 'z') && !(s[f] >= '0' && s[f] <= '9');
	sb_addc(key, (char)(1 | (n->lost ? 2 : 0) |
	                    (first_asked && line_begins_sentence(n, ls->l, s, f) ? 4 : 0)));
	sb_addc(key, carried ? (char)carried : '-');
	sb_add(key, s, len);
	if (key->oom)
		return -1;
	const char *v = NULL;
	uint32_t *stamp = NULL;
	if (lex_map_ref(n->lines, key->buf, key->len, &stamp, &v, NULL) && *stamp == n->docgen)
		return line_replay(n, ls, v, rule_c, rule_d);
	/* the full way, remembered */
	struct sb edits = SB_INIT, events = SB_INIT, val = SB_INIT;
	n->rec = &events;
	int rc = repair_line_words(n, ls, rule_c, rule_d, carried, &edits);
	n->rec = NULL;
	if (rc == 0 && !edits.oom && !events.oom) {
		/* the events, then both passes' edits */
		rec_u16(&val, events.len);
		sb_add(&val, events.buf, events.len);
		sb_add(&val, edits.buf, edits.len);
		if (n->line_bytes + key->len + val.len > LINE_MEMO_BYTES)
			lines_clear(n); /* (the chunk memo may stay) */
		n->line_bytes += key->len + val.len;
		if (!val.oom &&
		    lex_map_put(n->lines, key->buf, key->len, n->docgen, val.buf, val.len) < 0)
			rc = -1;
	}
	sb_release(&edits);
	sb_release(&events);
	sb_release(&val);
	return rc;
}

/* ---- what each rule costs (norm_profile) ---------------------------------------- */

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int norm_profile(struct norm *n, int on)
{
	free(n->prof);
	n->prof = NULL;
	if (!on)
		return 0;
	n->prof = calloc(n->nrules ? n->nrules : 1, sizeof(*n->prof));
	if (!n->prof)
		return -1;
	for (size_t i = 0; i < n->nrules; i++) {
		n->prof[i].id = n->rules[i].b->id;
		n->prof[i].file = n->rules[i].b->file;
	}
	return 0;
}

size_t norm_profile_get(const struct norm *n, const struct norm_rule_profile **out)
{
	*out = n->prof;
	return n->prof ? n->nrules : 0;
}

/* Count rule i's run on a line that started at t0 with generation g. */
static void profile_line(struct norm *n, size_t i, double t0, const struct lstate *ls, unsigned g)
{
	n->prof[i].asked++;
	n->prof[i].changed += ls->gen != g;
	n->prof[i].seconds += now() - t0;
}

/* ---- the rules over a line ---------------------------------------------------------- */

/* Which rules run over lines, for a document that lost its å/ä/ö and for
 * one that did not, once the rules' `has` are set: run_rules() then steps
 * from one to the next, not through every rule at every line. */
static void plan_rules(struct norm *n)
{
	for (int lost = 0; lost < 2; lost++) {
		size_t next = n->nrules;
		n->next_run[lost][n->nrules] = next;
		memset(n->plan[lost], 0, sizeof(n->plan[lost]));
		for (size_t i = n->nrules; i-- > 0;) {
			const struct nrule *r = &n->rules[i];
			if (!(r->when_lost && !lost) && !(r->when_has && !r->has) &&
			    (r->kind == RK_WORDS || r->kind == RK_PAIRS || r->kind == RK_REGEX)) {
				next = i;
				if (n->mask)
					n->plan[lost][i >> 6] |= 1ull << (i & 63);
			}
			n->next_run[lost][i] = next;
		}
	}
}

/* Build the automaton of the rules' `needs` texts (struct needs_dfa).
 * Returns 1 when its table would not fit (the rules are then asked one by
 * one), -1 when out of memory. */
static int needs_build(struct norm *n)
{
	struct needs_dfa *a = &n->needs;
	size_t max = 1;
	for (size_t i = 0; i < n->nrules; i++)
		for (int k = 0; k < n->rules[i].nneeds; k++) {
			const char *t = n->rules[i].needs[k];
			for (size_t j = 0; j < n->rules[i].needs_len[k]; j++)
				if (!a->cls[(unsigned char)t[j]])
					a->cls[(unsigned char)t[j]] = (unsigned char)++a->nclass;
			max += n->rules[i].needs_len[k];
		}
	a->nclass++; /* and class 0 */
	unsigned k = a->nclass;
	a->stride = k + (k & 1); /* even: a row's low bit is free for "a text ends" */
	a->recip = (uint32_t)(((1ull << 32) + a->stride - 1) / a->stride);
	/* next[state * k + class]: the state after a byte of the class; in the
	 * trie, 0 is no child yet (the root is no one's child) */
	uint32_t *next = calloc(max * k, sizeof(*next)), *fail = calloc(max, sizeof(*fail)),
	         *queue = calloc(max, sizeof(*queue));
	a->rules = calloc(max, sizeof(*a->rules));
	int rc = -1;
	if (!next || !fail || !queue || !a->rules)
		goto done;
	a->nstates = 1;
	for (size_t i = 0; i < n->nrules; i++)
		for (int t = 0; t < n->rules[i].nneeds; t++) {
			uint32_t st = 0;
			for (size_t j = 0; j < n->rules[i].needs_len[t]; j++) {
				unsigned c = a->cls[(unsigned char)n->rules[i].needs[t][j]];
				if (!next[st * k + c])
					next[st * k + c] = a->nstates++;
				st = next[st * k + c];
			}
			a->rules[st][i >> 6] |= 1ull << (i & 63);
		}
	/* breadth first: a state's fallback (the longest proper suffix of its
	 * text that is a state), the rules of the texts ending there, and the
	 * moves it lacks, from its fallback's */
	size_t qh = 0, qt = 0;
	for (unsigned c = 0; c < k; c++)
		if (next[c])
			queue[qt++] = next[c];
	while (qh < qt) {
		uint32_t st = queue[qh++];
		for (unsigned w = 0; w < MASK_WORDS; w++)
			a->rules[st][w] |= a->rules[fail[st]][w];
		for (unsigned c = 0; c < k; c++) {
			uint32_t to = next[st * k + c], via = next[fail[st] * k + c];
			if (to) {
				fail[to] = via;
				queue[qt++] = to;
			} else {
				next[st * k + c] = via;
			}
		}
	}
	/* 16 bits an entry while the rows fit, else 32; a table past that: the
	 * rules one by one */
	size_t entries = (size_t)a->nstates * a->stride;
	rc = 1;
	if (entries > 0x80000000u)
		goto done;
	rc = -1;
	if (entries <= 0x10000)
		a->step = calloc(entries, sizeof(*a->step));
	else
		a->step32 = calloc(entries, sizeof(*a->step32));
	if (!a->step && !a->step32)
		goto done;
	for (size_t st = 0; st < a->nstates; st++)
		for (unsigned c = 0; c < k; c++) {
			uint32_t to = next[st * k + c], hit = 0;
			for (unsigned w = 0; w < MASK_WORDS; w++)
				hit |= a->rules[to][w] != 0;
			if (a->step)
				a->step[st * a->stride + c] = (uint16_t)(to * a->stride | hit);
			else
				a->step32[st * a->stride + c] = to * a->stride | hit;
		}
	rc = 0;
done:
	free(next);
	free(fail);
	free(queue);
	return rc;
}

/* Build the prefilters' bit sets (norm.mask_byte ...) from the rules'. */
static int mask_rules(struct norm *n)
{
	n->mask = n->nrules <= 64 * MASK_WORDS;
	int rc = n->mask ? needs_build(n) : 0;
	if (!n->mask)
		snprintf(n->unfiltered, sizeof(n->unfiltered),
		         "%zu rules, more than the prefilters' %d", n->nrules, 64 * MASK_WORDS);
	if (rc != 0) {
		n->mask = 0;
		if (rc > 0)
			snprintf(n->unfiltered, sizeof(n->unfiltered),
			         "the 'needs' texts' automaton has %u states of %u byte classes, "
			         "more than its table's 2^31 entries",
			         n->needs.nstates, n->needs.nclass);
		return rc < 0 ? -1 : 0;
	}
	for (size_t i = 0; i < n->nrules; i++) {
		const struct nrule *r = &n->rules[i];
		uint64_t bit = 1ull << (i & 63);
		size_t w = i >> 6;
		if (r->kind != RK_REGEX || r->any)
			n->mask_base[MASK_FIRST][w] |= bit;
		else
			for (unsigned c = 0; c < 256; c++)
				if ((r->first[c >> 6] >> (c & 63)) & 1)
					n->mask_byte[c][MASK_FIRST][w] |= bit;
		if (r->kind != RK_REGEX || r->need < 0) {
			n->mask_base[MASK_NEED][w] |= bit;
		} else {
			n->mask_byte[r->need][MASK_NEED][w] |= bit;
			if (r->need2 >= 0)
				n->mask_byte[r->need2][MASK_NEED][w] |= bit;
		}
		if (r->kind != RK_REGEX || !r->nneeds)
			n->mask_base[MASK_TEXT][w] |= bit;
	}
	/* the bytes' classes: bytes that let the same rules through are one */
	unsigned ncls = 0;
	unsigned char first_of[128]; /* a byte of each class */
	memset(n->needs.mask_bit, 0, sizeof(n->needs.mask_bit));
	for (unsigned c = 0; c < 256; c++) {
		unsigned k = 0;
		while (k < ncls &&
		       memcmp(n->mask_byte[c], n->mask_byte[first_of[k]], sizeof(n->mask_byte[c])))
			k++;
		if (k == ncls) {
			if (ncls == 128) {
				n->mask = 0;
				snprintf(
				    n->unfiltered, sizeof(n->unfiltered),
				    "the rules' first and needed bytes make more than 128 classes");
				return 0;
			}
			first_of[ncls++] = (unsigned char)c;
		}
		n->needs.mask_bit[c][k >> 6] = 1ull << (k & 63);
	}
	memset(n->mask_nibble, 0, sizeof(n->mask_nibble));
	for (unsigned k = 0; k < ncls; k++)
		for (unsigned v = 0; v < 16; v++)
			if ((v >> (k & 3)) & 1)
				for (unsigned f = 0; f < MASK_TEXT; f++)
					for (unsigned w = 0; w < MASK_WORDS; w++)
						n->mask_nibble[k >> 2][v][f][w] |=
						    n->mask_byte[first_of[k]][f][w];
	return 0;
}

/* Bring ls's candidate rules (or without the bit sets, its present bytes)
 * up to date with its text. */
static void ls_prefilter(const struct norm *n, struct lstate *ls)
{
	if (ls->prefilter_gen == ls->gen)
		return;
	ls->prefilter_gen = ls->gen;
	if (!n->mask) {
		memset(ls->present, 0, sizeof(ls->present));
		for (size_t k = 0; k < ls->cur.len; k++) {
			unsigned c = (unsigned char)ls->cur.buf[k];
			ls->present[c >> 6] |= 1ull << (c & 63);
		}
		return;
	}
	uint64_t pass[NMASK][MASK_WORDS]; /* the rules each prefilter lets through */
	uint64_t classes[2];              /* the classes of the line's bytes */
	memcpy(pass, n->mask_base, sizeof(pass));
	needs_scan(&n->needs, ls->cur.buf, ls->cur.len, classes, pass[MASK_TEXT]);
	for (unsigned w = 0; w < 2; w++)
		for (uint64_t m = classes[w], g = w * 16; m; m >>= 4, g++) {
			const uint64_t(*t)[MASK_WORDS] = n->mask_nibble[g][m & 15];
			for (unsigned f = 0; f < MASK_TEXT; f++)
				for (unsigned k = 0; k < MASK_WORDS; k++)
					pass[f][k] |= t[f][k];
		}
	for (unsigned k = 0; k < MASK_WORDS; k++)
		ls->cand[k] = pass[MASK_FIRST][k] & pass[MASK_NEED][k] & pass[MASK_TEXT][k];
}

/* The first rule from i on, before `to`, that runs over ls's line: planned
 * for the document and, when masks are kept, passing its prefilter. */
static size_t next_rule(struct norm *n, struct lstate *ls, size_t i, size_t to, int lost)
{
	if (!n->mask)
		return n->next_run[lost][i];
	ls_prefilter(n, ls);
	for (size_t w = i >> 6; w < MASK_WORDS && (w << 6) < to; w++) {
		uint64_t m = n->plan[lost][w] & ls->cand[w];
		if (w == i >> 6)
			m &= ~0ull << (i & 63);
		if (m)
			return (w << 6) + (size_t)__builtin_ctzll(m);
	}
	return n->nrules;
}

/* Run rules [from, to) over ls's line.  after_hy: the line above is done
 * (the rules after the hyphenation step), so 'across' rules may read it. */
static int run_rules(struct norm *n, struct lstate *ls, size_t from, size_t to, int lost,
                     int after_hy)
{
	lost = lost != 0;
	for (size_t i = next_rule(n, ls, from, to, lost); i < to;
	     i = next_rule(n, ls, i + 1, to, lost)) {
		const struct nrule *r = &n->rules[i];
		if (r->kind == RK_WORDS || r->kind == RK_PAIRS) {
			if (!n->lex || !n->nconf)
				continue;
			double t0 = n->prof ? now() : 0;
			unsigned g = ls->gen;
			int both = r->kind == RK_WORDS && i + 1 < to &&
			           n->rules[i + 1].kind == RK_PAIRS && lost;
			if (both ? repair_line_both(n, ls, r->b->id, n->rules[i + 1].b->id) < 0
			         : repair_line(n, ls, r->kind == RK_PAIRS, r->b->id) < 0)
				return -1;
			if (n->prof)
				profile_line(n, i, t0, ls, g);
			i += both;
			continue;
		}
		if (!n->mask) { /* (next_rule() used the bit sets) */
			ls_prefilter(n, ls);
			if (!rule_may_match(r, ls->present) || (r->nneeds && !has_needs(r, ls)))
				continue;
		}
		/* (what the prefilters cost is the loop's, not the rule's) */
		double t0 = n->prof ? now() : 0;
		unsigned g = ls->gen;
		struct repl *rp = NULL;
		size_t nrp = 0;
		const struct doc_line *pl = NULL, *nl = NULL;
		size_t pa, pe, na, ne;
		if (r->across && after_hy &&
		    ((pl = line_above(n, ls, &pa, &pe)) != NULL ||
		     (nl = line_below(n, ls, &na, &ne)) != NULL)) {
			/* match between "<last word above>\n" and "\n<first word
			 * below>" and shift back (in the scratch buffer: no
			 * allocation a line once it has grown); a match outside the
			 * line is the other line's */
			if (pl)
				nl = line_below(n, ls, &na, &ne);
			struct sb *t = &n->scratch;
			sb_reset(t);
			t->oom = 0;
			if (pl) {
				sb_add(t, pl->text + pa, pe - pa);
				sb_addc(t, '\n');
			}
			size_t plen = t->len, end = plen + ls->cur.len;
			sb_add(t, ls->cur.buf, ls->cur.len);
			if (nl) {
				sb_addc(t, '\n');
				sb_add(t, nl->text + na, ne - na);
			}
			int bad = t->oom || rule_matches(n, r, t->buf, t->len, plen, &rp, &nrp) < 0;
			size_t kept = 0;
			for (size_t k = 0; !bad && k < nrp; k++) {
				if (rp[k].b > end) {
					free(rp[k].text);
					continue;
				}
				rp[kept] = rp[k];
				rp[kept].a -= plen;
				rp[kept++].b -= plen;
			}
			if (!bad)
				nrp = kept;
			if (bad || ls_apply(ls, rp, nrp, r->b->id) < 0) {
				repl_free(rp, nrp);
				return -1;
			}
		} else if (rule_matches(n, r, ls->cur.buf, ls->cur.len, 0, &rp, &nrp) < 0 ||
		           ls_apply(ls, rp, nrp, r->b->id) < 0) {
			repl_free(rp, nrp);
			return -1;
		}
		repl_free(rp, nrp);
		if (n->prof)
			profile_line(n, i, t0, ls, g);
	}
	return 0;
}

/* ---- hyphenation across lines --------------------------------------------------------- */

static int is_keep_word(const struct norm *n, const char *w, size_t len)
{
	const char *k = n->keep_before;
	while (k && *k) {
		while (*k == ' ' || *k == '\n' || *k == ',')
			k++;
		size_t l = strcspn(k, " \n,");
		if (l && l == len && !strncmp(k, w, len))
			return 1;
		k += l;
	}
	return 0;
}

/* Rejoin a word broken with a hyphen at the end of line a and continued at the
 * start of line b: "fack-" / "liga i" becomes "fackliga" / "i".  The joined
 * word goes to the line where it starts, unless that would leave the next line
 * empty: then it goes to the next line ("... dnr 1.7.1-" / "7439/2020)." becomes
 * "... dnr" / "1.7.1-7439/2020).").  The hyphen stays after a digit, after a
 * one- or two-letter or capitalised head ("e-post", "EU-projekt"), and before a
 * conjunction ("skol-" / "och"), which is not joined at all. */
static int dehyphenate(struct norm *n, struct lstate *a, struct lstate *b, const char *rule)
{
	const char *s = a->cur.buf, *t = b->cur.buf;
	size_t al = a->cur.len, bl = b->cur.len;
	size_t e = al;
	while (e > 0 && (s[e - 1] == ' ' || s[e - 1] == '\t'))
		e--;
	if (e < 3 || s[e - 1] != '-')
		return 0;
	size_t h = e - 1; /* the hyphen */
	size_t hs = h;    /* start of the head chunk */
	while (hs > 0 && s[hs - 1] != ' ' && s[hs - 1] != '\t')
		hs--;
	if (hs == h)
		return 0;
	size_t k = h - 1;
	while (k > hs && ((unsigned char)s[k] & 0xC0) == 0x80)
		k--;
	size_t kk = k;
	uint32_t last = utf8_next(s, h, &kk);
	int digit = last >= '0' && last <= '9';
	if (!digit && !utf8_is_alpha(last))
		return 0;
	size_t ts = 0;
	while (ts < bl && (t[ts] == ' ' || t[ts] == '\t'))
		ts++;
	size_t te = ts;
	while (te < bl && t[te] != ' ' && t[te] != '\t')
		te++;
	if (te == ts)
		return 0;
	size_t j = ts;
	uint32_t first = utf8_next(t, bl, &j);
	if (digit ? !(first >= '0' && first <= '9') : !utf8_is_lower(first))
		return 0;
	/* the tail's word without trailing punctuation */
	size_t tw = te;
	while (tw > ts && strchr(".,;:!?)]\"'", t[tw - 1]))
		tw--;
	if (is_keep_word(n, t + ts, tw - ts))
		return 0;
	/* keep the hyphen?  A digit, a short head, a head with a capital after
	 * its first letter */
	int keep = digit;
	if (!keep) {
		size_t letters = utf8_count(s + hs, h - hs);
		int caps = 0;
		for (size_t i = hs; i < h;) {
			uint32_t cp = utf8_next(s, h, &i);
			caps += utf8_is_upper(cp) && i > hs + 1;
		}
		keep = letters <= 2 || caps;
		if (!keep && n->lex) {
			/* both spellings known to the lexicon but only the hyphenated one
			 * as a whole: keep it */
			struct sb w = SB_INIT;
			sb_add(&w, s + hs, h - hs);
			sb_add(&w, t + ts, tw - ts);
			int joined = lex_check(n->lex, w.buf, w.len);
			sb_release(&w);
			(void)joined;
		}
	}
	struct sb word = SB_INIT;
	sb_add(&word, s + hs, keep ? e - hs : h - hs);
	sb_add(&word, t + ts, te - ts);
	if (word.oom) {
		sb_release(&word);
		return -1;
	}
	size_t rest = te; /* what follows the tail on line b */
	while (rest < bl && (t[rest] == ' ' || t[rest] == '\t'))
		rest++;
	int up = rest < bl;
	size_t before = hs; /* line a without the head and the spaces before it */
	while (before > 0 && (s[before - 1] == ' ' || s[before - 1] == '\t'))
		before--;
	if (!up && before == 0)
		up = 1; /* both lines hold nothing but the word: it goes up */
	int rc;
	if (up) {
		rc = segs_replace(&a->ss, a->orig, hs, al, word.buf, word.len, rule);
		if (rc == 0)
			rc = segs_replace(&b->ss, b->orig, 0, rest, "", 0, rule);
	} else {
		rc = segs_replace(&a->ss, a->orig, before, al, "", 0, rule);
		if (rc == 0)
			rc = segs_replace(&b->ss, b->orig, 0, te, word.buf, word.len, rule);
	}
	sb_release(&word);
	if (rc < 0)
		return -1;
	segs_text(&a->ss, a->orig, &a->cur);
	segs_text(&b->ss, b->orig, &b->cur);
	a->gen++;
	b->gen++;
	return a->cur.oom || b->cur.oom ? -1 : 1;
}

/* ---- the document ----------------------------------------------------------------------- */

/* The document-level signal: hundreds of letters of Swedish text (at least 3%
 * of the words are "och", "att", "som", ...) with no å/ä/ö among them (less
 * than one in a thousand letters) means the OCR engine lost them all.  In
 * Swedish about one letter in 25 is å, ä or ö, so 600 letters without any
 * happen by chance with a probability below 1e-10. */
#define LOST_MIN_LETTERS 600
#define LOST_SAMPLE      200000 /* letters enough to decide; a long document stops there */
/* Is s[0..n) one of the commonest Swedish words (och, att, som, ...)? */
static int function_word(const char *s, size_t n)
{
	switch (n) {
	case 2:
		return !memcmp(s, "av", 2) || !memcmp(s, "om", 2);
	case 3:
		return !memcmp(s, "och", 3) || !memcmp(s, "att", 3) || !memcmp(s, "som", 3) ||
		       !memcmp(s, "med", 3) || !memcmp(s, "den", 3) || !memcmp(s, "det", 3) ||
		       !memcmp(s, "ett", 3);
	case 4:
		return !memcmp(s, "till", 4) || !memcmp(s, "inte", 4);
	}
	return 0;
}

static int lost_diacritics(const struct doc *d)
{
	size_t letters = 0, swedish = 0, words = 0, hits = 0;
	for (size_t li = 0; li < d->nlines && letters < LOST_SAMPLE; li++) {
		const unsigned char *s = (const unsigned char *)d->lines[li].orig;
		size_t len = d->lines[li].orig_len, ws = 0, i = 0;
		int inword = 0;
		while (i <= len) {
			size_t at = i;
			int alpha;
			if (i == len) {
				alpha = 0;
				i++;
			} else if (s[i] < 0x80) {
				alpha = ((s[i] | 32) >= 'a' && (s[i] | 32) <= 'z');
				i++;
			} else if (s[i] == 0xC3 && i + 1 < len && s[i + 1] >= 0x80 &&
			           s[i + 1] <= 0xBF && s[i + 1] != 0x97 && s[i + 1] != 0xB7) {
				/* À..ÿ but × ÷: Latin-1 letters, å ä ö among them */
				unsigned c = s[i + 1] | 0x20;
				alpha = 1;
				swedish += c == 0xA5 || c == 0xA4 || c == 0xB6;
				i += 2;
			} else {
				alpha = utf8_is_alpha(utf8_next((const char *)s, len, &i));
			}
			if (alpha) {
				letters++;
				if (!inword)
					ws = at;
				inword = 1;
			} else if (inword) {
				inword = 0;
				words++;
				hits += function_word((const char *)s + ws, at - ws);
			}
		}
	}
	return letters >= LOST_MIN_LETTERS && swedish * 1000 < letters && hits * 100 >= words * 3;
}

static int finish_line(struct doc *d, struct lstate *ls, struct doc_line *l,
                       struct norm_stats *stats)
{
	size_t nedits = 0;
	for (size_t i = 0; i < ls->ss.n; i++)
		nedits += seg_changed(&ls->ss.s[i], ls->orig);
	/* unchanged, and the line was never normalised: its text is its orig */
	if (!nedits && !l->nedits && l->len == l->orig_len && !memcmp(l->text, l->orig, l->len))
		return 0;
	if (ls->cur.len > DOC_EDIT_LINE_MAX)
		return -1;
	if (nedits > ls->edits_alloc) {
		struct doc_edit *e = realloc(ls->edits, nedits * 2 * sizeof(*e));
		if (!e)
			return -1;
		ls->edits = e;
		ls->edits_alloc = nedits * 2;
	}
	struct doc_edit *edits = ls->edits;
	size_t k = 0, pos = 0;
	for (size_t i = 0; i < ls->ss.n; i++) {
		if (seg_changed(&ls->ss.s[i], ls->orig)) {
			edits[k] = (struct doc_edit){
			    (uint32_t)ls->ss.s[i].off, (uint32_t)ls->ss.s[i].len, (uint32_t)pos,
			    (uint32_t)ls->ss.s[i].tlen, doc_intern(d, ls->ss.s[i].rule)};
			if (!edits[k].rule)
				return -1;
			k++;
		}
		pos += seg_len(&ls->ss.s[i]);
	}
	if (doc_line_replace(d, l, ls->cur.buf ? ls->cur.buf : "", ls->cur.len, edits, nedits) < 0)
		return -1;
	if (stats)
		stats->changed += nedits;
	return 0;
}

/* ---- the document phase ------------------------------------------------------------- */

/* The rule id string of the rule named id (edits point at the document's
 * copy, doc_intern; segments at the rule's own). */
static const char *rule_id(const struct norm *n, const char *id)
{
	uint32_t i;
	if (lex_map_get(n->rule_ids, id, strlen(id), &i, NULL, NULL))
		return n->rules[i].b->id;
	return NULL;
}

/* Rebuild a line's state from its finished text and edits. */
static int ls_reopen(struct norm *n, struct lstate *ls, struct doc_line *l)
{
	if (ls_start(ls, l->orig, 0, l) < 0)
		return -1;
	ls->olen = l->orig_len;
	size_t o = 0;
	for (size_t i = 0; i < l->nedits; i++) {
		const struct doc_edit *e = &l->edits[i];
		const char *id = rule_id(n, e->rule);
		char *t = malloc(e->new_len + 1);
		if (!id || !t) {
			free(t);
			return -1;
		}
		memcpy(t, l->text + e->new_off, e->new_len);
		t[e->new_len] = '\0';
		if ((e->off > o &&
		     segs_push(&ls->ss, (struct seg){o, e->off - o, NULL, 0, NULL}) < 0) ||
		    segs_push(&ls->ss, (struct seg){e->off, e->len, t, e->new_len, id}) < 0) {
			free(t);
			return -1;
		}
		o = e->off + e->len;
	}
	if (o < l->orig_len &&
	    segs_push(&ls->ss, (struct seg){o, l->orig_len - o, NULL, 0, NULL}) < 0)
		return -1;
	segs_text(&ls->ss, ls->orig, &ls->cur);
	ls->gen++;
	return ls->cur.oom ? -1 : 0;
}

/* Replace text[a, b) of finished line l by t, made by rule. */
/* The word of l's text around [a, b): letters and the bytes of other
 * characters, at [*x, *y). */
static void word_around(const struct doc_line *l, size_t a, size_t b, size_t *x, size_t *y)
{
	while (a > 0 && (ascii_letter(l->text[a - 1]) || (unsigned char)l->text[a - 1] >= 0x80))
		a--;
	while (b < l->len && (ascii_letter(l->text[b]) || (unsigned char)l->text[b] >= 0x80))
		b++;
	*x = a;
	*y = b;
}

/* Whether the word t[x, y) begins with a capital (ASCII, or Latin-1's in
 * two bytes: Å, Ä, Ö, É ...). */
static int opens_capital(const char *t, size_t x, size_t y)
{
	unsigned char c0 = (unsigned char)t[x];
	return (c0 >= 'A' && c0 <= 'Z') ||
	       (c0 == 0xC3 && x + 1 < y && (unsigned char)t[x + 1] >= 0x80 &&
	        (unsigned char)t[x + 1] < 0xA0);
}

/* Whether edit e of l, by a rule other than word repair and word-pair (whose
 * words are in the document's vocabulary, or seen by the prior), put å/ä/ö
 * (or another letter of two bytes) into a word: 0 when not; else the word is
 * at [*x, *y), and 2 when it begins with a capital, 1 when not.  Where
 * document-spelling reads the document's other spellings of its names. */
static int marked_word(const struct norm *n, const struct doc_line *l, const struct doc_edit *e,
                       size_t *x, size_t *y)
{
	if (e->rule == n->repair_interned || e->rule == n->pair_interned ||
	    !memchr(l->text + e->new_off, 0xC3, e->new_len))
		return 0;
	word_around(l, e->new_off, e->new_off + e->new_len, x, y);
	return opens_capital(l->text, *x, *y) ? 2 : 1;
}

/* Whether one of l's edits is a marked_word() that begins with a capital. */
static int marked_capital(const struct norm *n, const struct doc_line *l)
{
	size_t x, y;
	for (size_t k = 0; k < l->nedits; k++)
		if (marked_word(n, l, &l->edits[k], &x, &y) == 2)
			return 1;
	return 0;
}

static int line_edit(struct norm *n, struct lstate *ls, struct doc_line *l, struct repl *rp,
                     size_t nrp, const char *rule, struct norm_stats *stats)
{
	if (ls_reopen(n, ls, l) < 0 || ls_apply(ls, rp, nrp, rule) < 0)
		return -1;
	size_t old = l->nedits;
	if (finish_line(n->doc, ls, l, stats) < 0)
		return -1;
	if (stats)
		stats->changed -= old;
	n->lines_edited++;
	/* (document-spelling sees the å/ä/ö a document step put in too) */
	return marked_capital(n, l) ? add_line(&n->marked_lines, (size_t)(l - n->doc->lines)) : 0;
}

/* A document step's edits of line l, collected in rl: applied when rc is
 * still 0, and released either way.  Returns the new rc. */
static int flush_edits(struct norm *n, struct lstate *ls, struct doc_line *l, struct rlist *rl,
                       const char *rule, struct norm_stats *stats, int rc)
{
	if (rc == 0 && rl->n)
		rc = line_edit(n, ls, l, rl->r, rl->n, rule, stats);
	repl_free(rl->r, rl->n);
	return rc;
}

/* An acronym defined in the document by the word before it ("Överenskommelse
 * (OK 2)"): an engine without Swedish loses its Å, Ä or Ö as it loses the
 * word's, but word repair cannot tell an acronym's ("OK" is a word).  When
 * the word, as repaired, begins with Å/Ä/Ö where the acronym has A/O, and the
 * acronym's other letters come in order in that word or the words before it,
 * the acronym takes the letter, wherever the document uses it. */
static int repl_cmp(const void *x, const void *y)
{
	size_t a = ((const struct repl *)x)->a, b = ((const struct repl *)y)->a;
	return a < b ? -1 : a > b;
}

static int doc_acronyms(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	struct lex_map *acr = lex_map_new();
	if (!acr)
		return -1;
	int rc = 0;
	for (size_t li = 0; rc == 0 && next_line(&n->acr, &li); li++) {
		const char *t = d->lines[li].text;
		size_t len = d->lines[li].len;
		for (const char *p = memchr(t, '(', len); p;
		     p = memchr(p + 1, '(', (size_t)(t + len - p - 1))) {
			size_t a = (size_t)(p - t) + 1, b = a;
			while (b < len && t[b] >= 'A' && t[b] <= 'Z')
				b++;
			if (b - a < 2 || b - a > 5 || (b < len && t[b] != ')' && t[b] != ' '))
				continue;
			if (t[a] != 'A' && t[a] != 'O')
				continue;
			/* the defining words: up to four before the bracket */
			size_t e = (size_t)(p - t);
			while (e > 0 && t[e - 1] == ' ')
				e--;
			size_t ws = e;
			while (ws > 0 && t[ws - 1] != ' ')
				ws--;
			if (ws == e || (unsigned char)t[ws] != 0xC3 || ws + 1 >= e)
				continue;
			unsigned char c = (unsigned char)t[ws + 1];
			/* Å 0x85, Ä 0x84, Ö 0x96; å ä ö 0xA5 0xA4 0xB6 */
			char up;
			if (c == 0x85 || c == 0xA5)
				up = 'A', c = 0x85;
			else if (c == 0x84 || c == 0xA4)
				up = 'A', c = 0x84;
			else if (c == 0x96 || c == 0xB6)
				up = 'O', c = 0x96;
			else
				continue;
			if (up != t[a])
				continue;
			/* the other letters in order in the phrase (from its start) */
			size_t q = ws + 2, k = a + 1;
			size_t from = ws;
			for (int back = 0; back < 3 && from > 0; back++) {
				size_t f = from - 1;
				while (f > 0 && t[f - 1] != ' ')
					f--;
				if (f == from - 1)
					break;
				from = f;
			}
			(void)from;
			while (k < b && q < e) {
				if ((t[q] | 32) == (t[k] | 32))
					k++;
				q++;
			}
			if (k < b)
				continue;
			char val[16];
			val[0] = (char)0xC3;
			val[1] = (char)c;
			memcpy(val + 2, t + a + 1, b - a - 1);
			if (lex_map_put(acr, t + a, b - a, 0, val, b - a + 1) < 0) {
				rc = -1;
				break;
			}
		}
	}
	/* the acronyms defined, then every line that uses one */
	struct {
		const char *k, *v;
		size_t kl, vl;
	} def[16];
	size_t ndef = 0, it = 0, kl;
	const char *k;
	while (rc == 0 && ndef < 16 && lex_map_next(acr, &it, &k, &kl, NULL)) {
		def[ndef].k = k;
		def[ndef].kl = kl;
		lex_map_get(acr, k, kl, NULL, &def[ndef].v, &def[ndef].vl);
		ndef++;
	}
	struct lstate ls = {.cur = SB_INIT};
	for (size_t li = 0; rc == 0 && ndef && next_line(&n->acr, &li); li++) {
		struct doc_line *l = &d->lines[li];
		struct rlist rl = {0};
		for (size_t q = 0; q < ndef && rc == 0; q++) {
			const char *t = l->text;
			size_t at = 0;
			for (const char *h;
			     (h = memmem(t + at, l->len - at, def[q].k, def[q].kl));) {
				size_t a = (size_t)(h - t), b = a + def[q].kl;
				at = b;
				/* a whole word: no letter (nor a byte of one) either side */
				if ((a > 0 &&
				     ((unsigned char)t[a - 1] >= 0x80 ||
				      ((t[a - 1] | 32) >= 'a' && (t[a - 1] | 32) <= 'z'))) ||
				    (b < l->len && ((unsigned char)t[b] >= 0x80 ||
				                    ((t[b] | 32) >= 'a' && (t[b] | 32) <= 'z'))))
					continue;
				if ((rc = rlist_add(&rl, a, b, def[q].v, def[q].vl)) < 0)
					break;
			}
		}
		if (rc == 0 && rl.n > 1)
			qsort(rl.r, rl.n, sizeof(*rl.r), repl_cmp);
		rc = flush_edits(n, &ls, l, &rl, rule, stats, rc);
	}
	ls_release(&ls);
	lex_map_free(acr);
	return rc;
}

/* The document's own words (vocabulary): a word neither known nor repaired
 * ("genomfiras", "md&nskliga") is the word the document spells with å/ä/ö
 * elsewhere that it most resembles, when the difference is only letters an
 * engine without Swedish confuses with å/ä/ö, at most three of them, and no
 * other word of the document is as close.  Costs: a letter of the word read
 * for å/ä/ö 1, such a letter too many or an å/ä/ö missing 1; anything else is
 * not allowed. */
static int confusable_cp(const struct norm *n, uint32_t c)
{
	if (c < 0x400)
		return (n->confusable[c >> 6] >> (c & 63)) & 1;
	return confusable_slow(n, c);
}

/* (the table's answer, from which norm_new fills n->confusable) */
static int confusable_slow(const struct norm *n, uint32_t c)
{
	if (swedish_cp(c) || c == 'a' || c == 'o')
		return 1;
	for (size_t i = 0; i < n->nconf; i++) {
		const struct conf *e = &n->conf[i];
		if (e->nocr == 0 || (e->ocr[0] != c && utf8_cp_lower(e->ocr[0]) != c &&
		                     (e->nocr < 2 || e->ocr[1] != c)))
			continue;
		uint32_t t[2];
		int nt = decode(e->truth, (size_t)e->tlen, t, 2);
		for (int k = 0; k < nt; k++)
			if (swedish_cp(utf8_cp_lower(t[k])))
				return 1;
	}
	return 0;
}

#define VOCAB_MAX_COST 3 /* for a word of ten letters or more; fewer for shorter */

static int vocab_dist(const struct norm *n, const uint32_t *a, int na, const uint32_t *b, int nb)
{
	int d[MAX_WORD + 1][MAX_WORD + 1];
	const int INF = 1000;
	/* in a long word, one other letter may differ too (cost 2): "omracet" */
	int other = na >= 10 ? 2 : INF;
	for (int i = 0; i <= na; i++)
		for (int j = 0; j <= nb; j++) {
			if (!i && !j) {
				d[0][0] = 0;
				continue;
			}
			int best = INF;
			if (i && j) {
				int c = a[i - 1] == b[j - 1] ? 0
				        : swedish_cp(b[j - 1]) && confusable_cp(n, a[i - 1])
				            ? 1
				            : other;
				if (d[i - 1][j - 1] + c < best)
					best = d[i - 1][j - 1] + c;
			}
			if (i) {
				int c = confusable_cp(n, a[i - 1]) ? 1 : other;
				if (d[i - 1][j] + c < best)
					best = d[i - 1][j] + c;
			}
			if (j) {
				int c = swedish_cp(b[j - 1]) ? 1 : other;
				if (d[i][j - 1] + c < best)
					best = d[i][j - 1] + c;
			}
			d[i][j] = best;
		}
	return d[na][nb];
}

/* The document's word for w[0..len), into out; 1 when there is one. */
static int vocab_match(struct norm *n, const char *w, size_t len, struct sb *out)
{
	uint32_t a[MAX_WORD], b[MAX_WORD];
	int na = decode(w, len, a, MAX_WORD);
	if (na < 4)
		return 0;
	uint32_t orig0 = a[0];
	for (int i = 0; i < na; i++)
		a[i] = utf8_cp_lower(a[i]);
	size_t it = 0, kl;
	const char *k;
	int best = VOCAB_MAX_COST + 1, ties = 0;
	const char *bk = NULL;
	size_t bl = 0;
	while (lex_map_next(n->vocab, &it, &k, &kl, NULL)) {
		/* bytes are a cheap bound on letters: most differences are one
		 * byte against two (é, ä) */
		if (kl + 8 < len || kl > len + 8)
			continue;
		/* the first letters must agree, or both be å/ä/ö readings */
		size_t z = 0;
		uint32_t k0 = utf8_next(k, kl, &z);
		if (k0 != a[0] && !(swedish_cp(k0) && confusable_cp(n, a[0])))
			continue;
		int nb = decode(k, kl, b, MAX_WORD);
		if (nb < 0 || nb < na - 3 || nb > na + 2)
			continue;
		/* a genitive's "s" is no letter misread ("Lillbackens" is not
		 * "Lillbäcken") */
		if ((nb == na - 1 && a[na - 1] == 's' && b[nb - 1] != 's') ||
		    (nb == na + 1 && b[nb - 1] == 's' && a[na - 1] != 's'))
			continue;
		int dd = vocab_dist(n, a, na, b, nb);
		if (dd < best) {
			best = dd, ties = 0, bk = k, bl = kl;
		} else if (dd == best && (kl != bl || memcmp(k, bk, kl))) {
			ties++;
		}
	}
	/* one difference in a short word, two from six letters, three from ten */
	if (!bk || ties || best > (na >= 10 ? 3 : na >= 6 ? 2 : 1))
		return 0;
	/* the case of the word as read: a capital first letter, or all capitals */
	sb_reset(out);
	put_cased(out, bk, bl, utf8_is_upper(orig0), caps_read(w, len));
	return !out->oom;
}

/* Whether c[0..nc) is a surname whose "é" is the stress mark Swedish
 * surnames carry in their last syllable ("Holmér", "Modéer", "Sjödén";
 * "Holmérs"): an "-ér" or "-én" is read as it is printed, although an
 * island's "-ön" may come out so too ("Gräsén"): a person's name spelt
 * wrong is worse than a place left as read. */
static int accented_surname(const uint32_t *c, int nc)
{
	if (nc > 0 && c[nc - 1] == 's')
		nc--;
	return nc >= 4 && utf8_is_upper(c[0]) && (c[nc - 1] == 'r' || c[nc - 1] == 'n') &&
	       (c[nc - 2] == 0xE9 || (c[nc - 2] == 'e' && c[nc - 3] == 0xE9));
}

/* A word neither known nor repaired whose marks an engine without Swedish
 * prints for å, ä or ö and for nothing else ("é", "6" and "&" inside a word,
 * "aé"): each read as the table's likeliest letter for it, when the table
 * is sure of that (p >= MARKS_SURE) and what comes out is all letters and
 * spelt as Swedish words are (lex_plausible, loosely: names join their parts
 * freely), and no "é" may be one ("idéella").  For names and places no list
 * holds: "Sjéhaga" is "Sjöhaga". */
#define MARKS_SURE 0.75
static int marks_match(struct norm *n, const char *w, size_t len, struct sb *out)
{
	uint32_t c[MAX_WORD];
	int nc = decode(w, len, c, MAX_WORD), marks = 0;
	if (nc < 4 || accented_surname(c, nc))
		return 0;
	sb_reset(out);
	for (int i = 0; i < nc;) {
		const struct conf *best = NULL;
		size_t nrows;
		const uint16_t *rows = conf_rows(n, c[i], 0, &nrows);
		for (size_t j = 0; j < nrows; j++) {
			const struct conf *e = &n->conf[rows ? rows[j] : j];
			if (!e->swedish || e->p < MARKS_SURE || e->nocr == 0 || i + e->nocr > nc ||
			    e->ocr[0] != c[i] || (e->nocr == 2 && e->ocr[1] != c[i + 1]))
				continue;
			int mark = 0; /* the OCR side has a character no Swedish word has */
			for (int k = 0; k < e->nocr; k++)
				mark |= !utf8_is_alpha(e->ocr[k]) || e->ocr[k] == 0xE9; /* é */
			if (mark && (!best || e->nocr > best->nocr ||
			             (e->nocr == best->nocr && e->p > best->p)))
				best = e;
		}
		if (best) {
			sb_add(out, best->truth, (size_t)best->tlen);
			i += best->nocr;
			marks++;
			continue;
		}
		if (!utf8_is_alpha(c[i]) || c[i] == 0xE9)
			return 0; /* a mark the table is not sure of */
		char buf[4];
		sb_add(out, buf, (size_t)utf8_encode(c[i], buf));
		i++;
	}
	if (!marks || out->oom || !lex_plausible(n->lex, out->buf, out->len, 1))
		return 0;
	/* an "é" that may be one ("idéella": "ideella" is a word) */
	struct sb e = SB_INIT;
	for (int i = 0; i < nc; i++) {
		char buf[4];
		sb_add(&e, buf, (size_t)utf8_encode(c[i] == 0xE9 ? 'e' : c[i], buf));
	}
	int known = e.oom || lex_check(n->lex, e.buf, e.len) != LEX_UNKNOWN;
	sb_release(&e);
	return !known;
}

/* Whether c joins two elements of a place name: "Gärde|s|vägen", "Hult|a|
 * gård" (an "s" may also end a name, in its genitive; an "a" may not). */
static int linking(char c)
{
	return c == 's' || c == 'a';
}

/* Whether low[0..len) (lower case) is two or more of document-places'
 * elements or names of our additions ("Göran|sson"), a linking "s" allowed
 * after one ("Öregrund|s|grepen"), and a linking "a" before another ("Hult|a|
 * gård", "Äng|a|ryd": not "Hult|å|gård"), the last of two letters or more. */
static int place_parts(const struct norm *n, const char *low, size_t len)
{
	unsigned char reach[256] = {1}; /* reach[i]: low[0..i) is elements */
	if (len >= sizeof(reach))
		return 0;
	for (size_t i = 0; i < len; i++) {
		if (!reach[i])
			continue;
		for (size_t j = i + 1; j <= len; j++) {
			if ((i == 0 && j == len) || ((unsigned char)low[j - 1] & 0xC0) == 0xC0 ||
			    (j < len && ((unsigned char)low[j] & 0xC0) == 0x80))
				continue; /* the whole word is no compound; whole letters */
			if (j == len && utf8_count(low + i, j - i) < 2)
				continue; /* nor does it end in a letter ("Norr|å") */
			if (!lex_map_get(n->places, low + i, j - i, NULL, NULL, NULL) &&
			    (j - i < 4 || !lex_name(n->lex, low + i, j - i)))
				continue; /* an element, or a name of our additions */
			reach[j] = 1;
			if (j < len && linking(low[j]) && (low[j] == 's' || j + 1 < len))
				reach[j + 1] = 1;
		}
	}
	return reach[len];
}

/* A capitalised word neither known nor repaired that, with the å, ä and ö the
 * table says it may have lost put back, is made of place-name elements
 * ("Alvbadet": "älv" + "badet"; "Okvist": "ö" + "kvist"): the cheapest such
 * reading, when no other comes within PLACE_MARGIN of it and the word as
 * read is none. */
#define PLACE_EDITS  3
#define PLACE_MARGIN 1.0
struct place_search {
	const struct norm *n;
	const uint32_t *c;
	int nc;
	uint32_t v[MAX_WORD]; /* the reading being built, code points */
	int nv;
	/* ... in lower case, UTF-8: v[k] starts at low[off[k]]; end[k]: an
	 * element or a name ends at letter k, done[k]: low[0..off[k]) is
	 * elements (with their linking s) */
	char low[4 * MAX_WORD + 4];
	size_t off[MAX_WORD + 1];
	unsigned char end[MAX_WORD + 1], done[MAX_WORD + 1];
	double best, second;
	uint32_t won[MAX_WORD];
	int nwon, tried;
	char wonlow[256]; /* won in lower case, UTF-8 */
	size_t nwonlow;
};

/* Whether low[a, b) is an element or a name of our additions (the names
 * four bytes or more, as place_parts() takes them). */
static int place_part(const struct place_search *ps, size_t a, size_t b)
{
	return lex_map_get(ps->n->places, ps->low + a, b - a, NULL, NULL, NULL) ||
	       (b - a >= 4 && lex_name(ps->n->lex, ps->low + a, b - a));
}

/* Append cp to the reading; 0 when no reading that begins so can be made of
 * elements and names (a part so far that begins none), and then nothing
 * was appended.  A necessary condition only: place_parts() has the final
 * say on a whole reading. */
static int place_push(struct place_search *ps, uint32_t cp)
{
	int k = ps->nv + 1;
	size_t at = ps->off[ps->nv];
	if (ps->nv >= MAX_WORD - 2)
		return 0;
	size_t b = at + (size_t)utf8_encode(utf8_cp_lower(cp), ps->low + at);
	ps->off[k] = b;
	ps->end[k] = 0;
	for (int i = 0; i < k && !ps->end[k]; i++)
		ps->end[k] = ps->done[i] && place_part(ps, ps->off[i], b);
	ps->done[k] = ps->end[k] || (linking(ps->low[at]) && ps->end[k - 1]);
	int viable = ps->done[k];
	for (int i = 0; i < k && !viable; i++)
		viable = ps->done[i] &&
		         (lex_map_get(ps->n->place_pre, ps->low + ps->off[i], b - ps->off[i], NULL,
		                      NULL, NULL) ||
		          lex_name_prefix(ps->n->lex, ps->low + ps->off[i], b - ps->off[i]));
	if (!viable)
		return 0;
	ps->v[ps->nv++] = cp;
	return 1;
}

static void place_try(struct place_search *ps, int i, int edits, double cost)
{
	if (++ps->tried > 20000 || cost >= ps->second)
		return;
	if (i == ps->nc) {
		if (!edits)
			return;
		const char *low = ps->low;
		size_t ll = ps->off[ps->nv];
		if (!place_parts(ps->n, low, ll))
			return;
		/* the same reading by another row of the table ("A" for "Ä" or
		 * for "ä") is no rival */
		int same = ll == ps->nwonlow && !memcmp(low, ps->wonlow, ll);
		if (cost < ps->best) {
			if (!same)
				ps->second = ps->best;
			ps->best = cost;
			memcpy(ps->won, ps->v, (size_t)ps->nv * sizeof(*ps->v));
			ps->nwon = ps->nv;
			memcpy(ps->wonlow, low, ll);
			ps->nwonlow = ll;
		} else if (cost < ps->second && !same) {
			ps->second = cost;
		}
		return;
	}
	if (place_push(ps, ps->c[i])) { /* as read */
		place_try(ps, i + 1, edits, cost);
		ps->nv--;
	}
	if (edits == PLACE_EDITS)
		return;
	size_t nrows;
	const uint16_t *rows = conf_rows(ps->n, ps->c[i], 0, &nrows);
	for (size_t j = 0; j < nrows; j++) {
		const struct conf *e = &ps->n->conf[rows ? rows[j] : j];
		if (!e->swedish || e->nocr == 0 || i + e->nocr > ps->nc || e->ocr[0] != ps->c[i] ||
		    (e->nocr == 2 && e->ocr[1] != ps->c[i + 1]))
			continue;
		uint32_t t[4];
		int nt = decode(e->truth, (size_t)e->tlen, t, 4);
		/* a name's capital stays its first letter, and only there ("Gékasen"
		 * is no "öökösen") */
		if (nt != 1 || (i == 0 ? !utf8_is_upper(t[0]) : utf8_is_upper(t[0])))
			continue;
		if (!place_push(ps, t[0]))
			continue;
		place_try(ps, i + e->nocr, edits + 1, cost + e->cost);
		ps->nv--;
	}
}

static int place_match(struct norm *n, const char *w, size_t len, struct sb *out)
{
	struct place_search ps = {.n = n, .best = 1e9, .second = 1e9, .done = {1}};
	uint32_t c[MAX_WORD];
	ps.c = c;
	ps.nc = decode(w, len, c, MAX_WORD);
	if (ps.nc < 5 || !utf8_is_upper(c[0]) || !lex_map_count(n->places) ||
	    accented_surname(c, ps.nc))
		return 0;
	for (int i = 1; i < ps.nc; i++)
		if (!utf8_is_lower(c[i]) && c[i] != 0xE9 && !(c[i] >= '0' && c[i] <= '9') &&
		    c[i] != '&')
			return 0; /* a name: one capital, then small letters or marks */
	char low[256];
	size_t ll;
	if (len >= 100 || place_parts(n, low, (ll = lex_lower(w, len, low))))
		return 0; /* made of elements as read */
	/* ... or of a listed word and an element, as read ("Skara|gatan", not
	 * "Skär|a|gatan") */
	for (size_t i = 4; i + 2 <= ll; i++)
		if (((unsigned char)low[i] & 0xC0) != 0x80 &&
		    lex_map_get(n->places, low + i, ll - i, NULL, NULL, NULL) &&
		    lex_listed(n->lex, low, i))
			return 0;
	place_try(&ps, 0, 0, 0);
	if (ps.best >= 1e9 || ps.second < ps.best + PLACE_MARGIN)
		return 0;
	sb_reset(out);
	for (int k = 0; k < ps.nwon; k++) {
		char buf[4];
		sb_add(out, buf, (size_t)utf8_encode(ps.won[k], buf));
	}
	return !out->oom;
}

/* Words neither known nor repaired, each given match()'s word for it. */
static int doc_leftovers(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats,
                         int (*match)(struct norm *, const char *, size_t, struct sb *))
{
	if (!n->nleft || !n->lex || (match == vocab_match && !lex_map_count(n->vocab)))
		return 0;
	struct lex_map *fix = lex_map_new(); /* chunk -> its words' fixes, as repl records */
	struct lstate ls = {.cur = SB_INIT}, tmp = {.cur = SB_INIT};
	struct sb w = SB_INIT;
	int rc = fix ? 0 : -1;
	size_t last_line = (size_t)-1;
	for (size_t i = 0; i < n->nleft && rc == 0; i++) {
		const struct leftover *lo = &n->left[i];
		if (lo->line == last_line && i > 0 && n->left[i - 1].len == lo->len &&
		    !memcmp(n->left[i - 1].chunk, lo->chunk, lo->len))
			continue; /* the same chunk twice on a line: done at once */
		last_line = lo->line;
		const char *v;
		size_t vl;
		if (!lex_map_get(fix, lo->chunk, lo->len, NULL, &v, &vl)) {
			/* the chunk's words, as word repair saw them */
			struct rlist rl = {0};
			if (ls_start(&tmp, lo->chunk, lo->len, NULL) < 0) {
				rc = -1;
				break;
			}
			struct sb rec = SB_INIT;
			const char *s = tmp.cur.buf;
			size_t b = tmp.cur.len;
			for (size_t p = 0; p < b;) {
				size_t q = p;
				while (q < b && !piece_mark(s, q, b))
					q++;
				size_t x = p, y = q;
				while (x < y) {
					size_t kk = x;
					if (wordish(n, utf8_next(s, y, &kk)) &&
					    (s[x] < '0' || s[x] > '9' || x + 1 < y))
						break;
					x = kk;
				}
				while (y > x) {
					size_t kk = y - 1;
					while (kk > x && ((unsigned char)s[kk] & 0xC0) == 0x80)
						kk--;
					size_t k2 = kk;
					if (wordish(n, utf8_next(s, y, &k2)))
						break;
					y = kk;
				}
				int t = y > x ? lex_check(n->lex, s + x, y - x) : LEX_OURS;
				if ((t == LEX_UNKNOWN ||
				     (t == LEX_HUNSPELL && match == place_match)) &&
				    match(n, s + x, y - x, &w) && y - x < 256 && w.len < 256) {
					unsigned char h[3] = {(unsigned char)x,
					                      (unsigned char)(y - x),
					                      (unsigned char)w.len};
					sb_add(&rec, h, 3);
					sb_add(&rec, w.buf, w.len);
				}
				p = q < b ? q + piece_mark(s, q, b) : b;
			}
			repl_free(rl.r, rl.n);
			if (rec.oom ||
			    lex_map_put(fix, lo->chunk, lo->len, 0, rec.buf, rec.len) < 0) {
				sb_release(&rec);
				rc = -1;
				break;
			}
			sb_release(&rec);
			lex_map_get(fix, lo->chunk, lo->len, NULL, &v, &vl);
		}
		if (!vl)
			continue;
		/* every whitespace-delimited occurrence of the chunk on its line */
		struct doc_line *l = &d->lines[lo->line];
		struct rlist rl = {0};
		for (size_t at = 0; at + lo->len <= l->len && rc == 0;) {
			const char *hit = memmem(l->text + at, l->len - at, lo->chunk, lo->len);
			if (!hit)
				break;
			size_t a = (size_t)(hit - l->text);
			at = a + 1;
			if ((a > 0 && l->text[a - 1] != ' ' && l->text[a - 1] != '\t') ||
			    (a + lo->len < l->len && l->text[a + lo->len] != ' ' &&
			     l->text[a + lo->len] != '\t'))
				continue;
			for (const char *p = v; p + 3 <= v + vl && rc == 0;) {
				size_t off = (unsigned char)p[0], ln = (unsigned char)p[1],
				       tl = (unsigned char)p[2];
				rc = rlist_add(&rl, a + off, a + off + ln, p + 3, tl);
				p += 3 + tl;
			}
			at = a + lo->len;
		}
		rc = flush_edits(n, &ls, l, &rl, rule, stats, rc);
	}
	sb_release(&w);
	ls_release(&ls);
	ls_release(&tmp);
	lex_map_free(fix);
	return rc;
}

/* The words a document capitalises inside sentences, lower-cased, in order,
 * with how often: term_uses() counts a term's uses in all its forms. */
struct capword {
	char w[128];
	size_t len;
	uint32_t uses;
};

static int capword_cmp(const void *x, const void *y)
{
	const struct capword *a = x, *b = y;
	int c = memcmp(a->w, b->w, a->len < b->len ? a->len : b->len);
	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* How many times the document capitalises the term low[0..ll) inside
 * sentences, counting its inflections: the words of cw[0..n) (sorted) that
 * begin with low less its last two letters when it has eight or more
 * ("Överenskommelse", "Överenskommelsen"; "Ändrad" is not "Ändring"). */
#define DOC_CASE_TERM 3
/* ... and a word of five letters or fewer the prior has seen this often is
 * never one */
#define DOC_CASE_COMMON 100
static unsigned term_uses(const struct capword *cw, size_t n, const char *low, size_t ll)
{
	size_t k = ll;
	for (int drop = 0; drop < 2 && k > 0 && utf8_count(low, ll) >= 8; drop++) {
		k--;
		while (k > 0 && ((unsigned char)low[k] & 0xC0) == 0x80)
			k--;
	}
	size_t lo = 0, hi = n; /* the first word not below the prefix */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		size_t m = cw[mid].len < k ? cw[mid].len : k;
		int c = memcmp(cw[mid].w, low, m);
		if (c < 0 || (c == 0 && cw[mid].len < k))
			lo = mid + 1;
		else
			hi = mid;
	}
	unsigned uses = 0;
	for (size_t i = lo; i < n && cw[i].len >= k && !memcmp(cw[i].w, low, k); i++)
		uses += cw[i].uses;
	return uses;
}

/* The case vote: a word repaired to a capital Å/Ä/Ö inside a sentence where
 * the OCR printed a capital A or O ("Aldre", "Over") is written small when
 * the same document has the word repaired small elsewhere more often
 * ("äldre"): the engine reads a small å/ä/ö as a capital, but a word the
 * document capitalises more often than not ("Överenskommelsen", a defined
 * term) stays as it is.  A word the document never has small is written
 * small when the lexicon knows it in lower case, the prior has seen it and
 * it is not a name of our additions ("Österåker", a compound hunspell takes
 * in lower case too), and the document capitalises it, in all its
 * forms, fewer than DOC_CASE_TERM times ("till Andrad översiktsplan", "unga
 * Aven i"). */
/* A line of at most three words without punctuation is a label or a
 * heading, not a sentence ("Till Äldrenämnden", the addressee of a
 * tjänsteutlåtande): its capitals are the writer's. */
static int label_line(const struct doc_line *l)
{
	int words = 0, in = 0;
	for (size_t i = 0; i < l->len; i++) {
		char ch = l->text[i];
		if (strchr(".,;!?", ch))
			return 0;
		int sp = ch == ' ' || ch == '\t';
		words += !sp && !in;
		in = !sp;
	}
	return words <= 3;
}

static int doc_case(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	struct lstate ls = {.cur = SB_INIT};
	/* how often each is written with a capital inside a sentence */
	struct lex_map *big = lex_map_new();
	int rc = big ? 0 : -1;
	for (size_t i = 0; i < n->ncaps && rc == 0; i++) {
		uint32_t *cnt;
		if (lex_map_ref(big, n->caps[i].chunk, n->caps[i].len, &cnt, NULL, NULL))
			(*cnt)++;
		else
			rc = lex_map_put(big, n->caps[i].chunk, n->caps[i].len, 1, NULL, 0);
	}
	/* ... and the same lower-cased, in order, for the terms' uses */
	size_t ncw = 0, it = 0;
	struct capword *cw = calloc(lex_map_count(big) + 1, sizeof(*cw));
	const char *key;
	size_t kl;
	uint32_t uses;
	if (!cw)
		rc = -1;
	while (rc == 0 && lex_map_next(big, &it, &key, &kl, &uses))
		if (kl < 60) {
			cw[ncw].len = lex_lower(key, kl, cw[ncw].w);
			cw[ncw++].uses = uses;
		}
	if (cw)
		qsort(cw, ncw, sizeof(*cw), capword_cmp);
	for (size_t i = 0; i < n->ncaps && rc == 0; i++) {
		const struct leftover *c = &n->caps[i];
		if (i > 0 && n->caps[i - 1].line == c->line && n->caps[i - 1].len == c->len &&
		    !memcmp(n->caps[i - 1].chunk, c->chunk, c->len))
			continue; /* done with the first */
		char low[128];
		size_t ll = lex_lower(c->chunk, c->len, low);
		uint32_t small = 0, capital = 0;
		lex_map_get(n->lower, low, ll, &small, NULL, NULL);
		lex_map_get(big, c->chunk, c->len, &capital, NULL, NULL);
		/* a verb in -a is no term, nor is a short word (an adverb, a
		 * preposition: "så att Även de", "även" once elsewhere): a tie goes
		 * to the small letter ("ska Öka", "öka" once elsewhere) */
		int verb = small && small == capital &&
		           (utf8_count(low, ll) <= 5 ||
		            (ll > 2 && low[ll - 1] == 'a' && lex_infinitive(n->lex, low, ll) == 1));
		/* a short word of the commonest kind (an adverb, a preposition:
		 * "havsnivåer, Även om", the engine reading every word-initial ä
		 * as A) is no term, however often the document capitalises it */
		int common = utf8_count(low, ll) <= 5 &&
		             lex_freq(n->lex, low, ll) >= DOC_CASE_COMMON &&
		             !lex_name(n->lex, low, ll);
		if (!common && (small ? small <= capital && !verb
		                      : c->len >= 60 || !lex_freq(n->lex, low, ll) ||
		                            lex_name(n->lex, low, ll) ||
		                            lex_check(n->lex, low, ll) == LEX_UNKNOWN ||
		                            term_uses(cw, ncw, low, ll) >= DOC_CASE_TERM))
			continue; /* the document capitalises it as often, or more */
		struct doc_line *l = &d->lines[c->line];
		if (label_line(l))
			continue;
		struct rlist rl = {0};
		for (size_t at = 0; at + c->len <= l->len && rc == 0;) {
			const char *h = memmem(l->text + at, l->len - at, c->chunk, c->len);
			if (!h)
				break;
			size_t a = (size_t)(h - l->text), b = a + c->len;
			at = b;
			if ((b < l->len &&
			     ((unsigned char)l->text[b] >= 0x80 ||
			      ((l->text[b] | 32) >= 'a' && (l->text[b] | 32) <= 'z'))) ||
			    line_begins_sentence(n, l, l->text, a))
				continue;
			/* a term an acronym is defined for ("Överenskommelse (ÖK)") */
			if (!small && b + 3 <= l->len && !memcmp(l->text + b, " (", 2) &&
			    utf8_is_upper(utf8_next(l->text, l->len, &(size_t){b + 2})))
				continue;
			rc = rlist_add(&rl, a, b, low, ll);
		}
		rc = flush_edits(n, &ls, l, &rl, rule, stats, rc);
	}
	ls_release(&ls);
	lex_map_free(big);
	free(cw);
	return rc;
}

/* ---- document-shape-case ------------------------------------------------------ */

static int has_ocr_page(const struct doc *d);
static int guarded_word(const struct norm *n, const struct doc_line *l, const char *w, size_t len);

/* The bytes of a document document-shape-case votes over (its first lines'):
 * some 80 pages of text. */
#define SHAPE_SPAN (256u * 1024)

/* The letters whose capital is their small letter made larger: an engine
 * reading a blurred or faxed page tells them apart by size alone. */
static const char shape_caps[] = "CKOSVWXZ";

/* The word that begins at a of l's text when its first letter is one of
 * shape_caps, in either case, and the rest (two letters or more) small: its
 * end into *b, and 1 for a capital, 2 for a small letter; else 0. */
static int shape_word(const struct doc_line *l, size_t a, size_t *b)
{
	const unsigned char *t = (const unsigned char *)l->text;
	size_t len = l->len;
	if (a > 0 && (isalnum(t[a - 1]) || t[a - 1] >= 0x80 || t[a - 1] == '-'))
		return 0;
	unsigned char c = t[a];
	int kind = strchr(shape_caps, c) ? 1 : c >= 'a' && strchr(shape_caps, c - 32) ? 2 : 0;
	if (!kind)
		return 0;
	size_t i = a + 1, letters = 0;
	for (;;) {
		if (i < len && t[i] >= 'a' && t[i] <= 'z')
			i++;
		else if (i + 1 < len && t[i] == 0xC3 && t[i + 1] >= 0xA0 && t[i + 1] <= 0xBF)
			i += 2;
		else
			break;
		letters++;
	}
	/* a word of small letters ends there: not "KOMMUN", "KlK", "Kr3"; nor
	 * a compound's first part ("Vård- och omsorgsförvaltningen", a name) or
	 * a label ("Kommunen: Mikael Sjöholm") */
	if (letters < 2 ||
	    (i < len && (isalnum(t[i]) || t[i] >= 0x80 || t[i] == '-' || t[i] == ':')))
		return 0;
	*b = i;
	return kind;
}

/* The next word from `from` of l's text that shape_word() finds with a
 * capital, of fewer than lowsz bytes: its place into *a and *b and its
 * text, first letter made small, into low; the text after it, where the
 * search goes on, is returned (NULL when there is none). */
static const char *next_shape_capital(const struct doc_line *l, const char *from, size_t *a,
                                      size_t *b, char *low, size_t lowsz)
{
	for (const char *p = strpbrk(from, shape_caps); p; p = strpbrk(p + 1, shape_caps)) {
		size_t s = (size_t)(p - l->text), e;
		if (shape_word(l, s, &e) != 1 || e - s >= lowsz)
			continue;
		memcpy(low, l->text + s, e - s);
		low[0] |= 32;
		*a = s;
		*b = e;
		return l->text + e;
	}
	return NULL;
}

/* Whether the word at a of l's text opens its line or follows a stop, a
 * colon or a semicolon with only spaces and closing marks between
 * ("*Sysselsättning:* Samverkan"), which sentence_start() does not look
 * through. */
static int after_stop(const struct doc_line *l, size_t a)
{
	size_t p = a, f = 0;
	while (f < l->len && l->text[f] == ' ')
		f++;
	if (a <= f)
		return 1; /* a line's first word: the line above may end anything */
	while (p > 0 && (l->text[p - 1] == ' ' || strchr("*\"')]", l->text[p - 1])))
		p--;
	if (p >= 3 && !memcmp(l->text + p - 3, "\xe2\x80\x9d", 3))
		p -= 3;
	return p > 0 && strchr(".!?:;", l->text[p - 1]);
}

/* Whether the word after b of l's text (a space between) begins with a
 * capital: then the word that ends at b is the first of a name's words
 * ("Stiftelsen Tekniska museet"), capitalised as the name is. */
static int before_capital(const struct doc_line *l, size_t b)
{
	const unsigned char *t = (const unsigned char *)l->text;
	if (b >= l->len || t[b] != ' ')
		return 0;
	while (b < l->len && t[b] == ' ')
		b++;
	return b < l->len &&
	       ((t[b] >= 'A' && t[b] <= 'Z') ||
	        (t[b] == 0xC3 && b + 1 < l->len && t[b + 1] >= 0x80 && t[b + 1] <= 0x9E));
}

/* document-shape-case: a word written inside a sentence with a capital
 * C, K, O, S, V, W, X or Z and small letters after it, which the same
 * document writes small more often (twice at least), is that word: the
 * engine took the small letter for the capital ("till Kommunstyrelsen",
 * "kommunstyrelsen" four times elsewhere).  A word the document capitalises
 * as often ("Kommunen", a party of an agreement) stays, and so does one the
 * OCR read with confidence.  Only in a document that lost its å/ä/ö or was
 * recognised here: a text layer's capitals are its writer's. */
static int doc_shape_case(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	/* (it asks the lexicon which words prose writes small: none with
	 * --no-lexicon) */
	if (!n->lex || (!n->lost && !has_ocr_page(d)))
		return 0;
	/* the words with such a capital inside a sentence that the lexicon
	 * knows small and are no names, with how often (the high 16 bits of a
	 * count; a word not taken: all bits set), their lines, lengths and
	 * first letters; then how often the document has them small (the low
	 * 16 bits).  (The capitals are found with strpbrk(), a vector search;
	 * the second pass looks only where the first two bytes of a word taken
	 * stand, a bit of `pairs` each.)  The vote is over the document's first
	 * SHAPE_SPAN bytes, all of any case document but the longest: its two
	 * passes touch every byte, which on a text of megabytes costs more than
	 * a word's vote is worth. */
	struct lex_map *seen = lex_map_new();
	struct lineset lines = {0};
	uint64_t lens = 0;
	uint64_t pairs[65536 / 64];
	int rc = seen ? 0 : -1, any = 0, cleared = 0;
	char low[64];
	size_t span = 0, nl = 0;
	while (nl < d->nlines && span < SHAPE_SPAN)
		span += d->lines[nl++].len + 1;
	for (size_t li = 0; li < nl && rc == 0; li++) {
		const struct doc_line *l = &d->lines[li];
		int label = -1; /* label_line(), asked when first needed */
		size_t a, b;
		for (const char *p = l->text;
		     rc == 0 && (p = next_shape_capital(l, p, &a, &b, low, sizeof(low)));) {
			uint32_t *cnt;
			if (!lex_map_ref(seen, low, b - a, &cnt, NULL, NULL)) {
				int take = lex_check(n->lex, low, b - a) != LEX_UNKNOWN &&
				           !lex_name(n->lex, low, b - a);
				if (lex_map_put(seen, low, b - a, take ? 0 : UINT32_MAX, NULL, 0) <
				        0 ||
				    !lex_map_ref(seen, low, b - a, &cnt, NULL, NULL)) {
					rc = -1;
					break;
				}
				if (take) {
					if (!cleared)
						memset(pairs, 0, sizeof(pairs)), cleared = 1;
					unsigned k = (unsigned char)low[0] | (unsigned char)low[1]
					                                         << 8;
					lens |= 1ull << (b - a);
					pairs[k >> 6] |= 1ull << (k & 63);
				}
			}
			if (*cnt == UINT32_MAX || after_stop(l, a) ||
			    (label < 0 ? (label = label_line(l)) : label) ||
			    line_begins_sentence(n, l, l->text, a))
				continue;
			if ((*cnt >> 16) < 0xFFFF)
				*cnt += 1u << 16;
			any = 1;
			rc = add_line(&lines, li);
		}
	}
	for (size_t li = 0; li < nl && rc == 0 && any; li++) {
		const struct doc_line *l = &d->lines[li];
		const unsigned char *t = (const unsigned char *)l->text;
		for (size_t a = 0, b; a + 1 < l->len; a++) {
			unsigned k = t[a] | (unsigned)t[a + 1] << 8;
			if (!((pairs[k >> 6] >> (k & 63)) & 1) ||
			    (a > 0 && (isalnum(t[a - 1]) || t[a - 1] >= 0x80)) ||
			    shape_word(l, a, &b) != 2)
				continue;
			uint32_t *cnt;
			if (b - a < 64 && ((lens >> (b - a)) & 1) &&
			    lex_map_ref(seen, l->text + a, b - a, &cnt, NULL, NULL) &&
			    *cnt != UINT32_MAX && (*cnt & 0xFFFF) < 0xFFFF)
				(*cnt)++;
			a = b;
		}
	}
	struct lstate ls = {.cur = SB_INIT};
	for (size_t li = 0; rc == 0 && any && next_line(&lines, &li); li++) {
		struct doc_line *l = &d->lines[li];
		struct rlist rl = {0};
		if (label_line(l))
			continue;
		size_t a, b;
		for (const char *p = l->text;
		     rc == 0 && (p = next_shape_capital(l, p, &a, &b, low, sizeof(low)));) {
			uint32_t cnt = 0;
			lex_map_get(seen, low, b - a, &cnt, NULL, NULL);
			uint32_t small = cnt & 0xFFFF, capital = cnt >> 16;
			if (cnt != UINT32_MAX && small >= 2 && small > capital &&
			    !after_stop(l, a) && !before_capital(l, b) &&
			    !line_begins_sentence(n, l, l->text, a) &&
			    !guarded_word(n, l, l->text + a, b - a))
				rc = rlist_add(&rl, a, a + 1, low, 1);
		}
		rc = flush_edits(n, &ls, l, &rl, rule, stats, rc);
	}
	ls_release(&ls);
	free(lines.w);
	lex_map_free(seen);
	return rc;
}

/* Replace the one byte at `at` of l's text with c, as an edit of `rule`. */
static int edit_byte(struct norm *n, struct lstate *ls, struct doc_line *l, size_t at, char c,
                     const char *rule, struct norm_stats *stats)
{
	char t[2] = {c, 0};
	struct repl one = {at, at + 1, strdup(t), 1, NULL};
	int rc = one.text ? line_edit(n, ls, l, &one, 1, rule, stats) : -1;
	free(one.text);
	return rc;
}

/* Whether any page of d was recognised by OCR. */
static int has_ocr_page(const struct doc *d)
{
	for (int p = 0; p < d->npages; p++)
		if (d->pages[p].source == DOC_PAGE_OCR)
			return 1;
	return 0;
}

/* ---- the document's own confusions ------------------------------------------ */

/* How many distinct words word repair must have repaired with a confusion
 * before document-confusion takes it for this document's engine's habit. */
#define DOC_CONF_MIN_WORDS 3
/* ... and a variant must have been seen this often in the prior. */
#define DOC_CONF_MIN_FREQ 2

/* The table's confusion of the single letter `from` for the letter `to`
 * (lower case), or NULL. */
static const struct conf *conf_find(const struct norm *n, uint32_t from, uint32_t to)
{
	char t[8];
	int tl = utf8_encode(to, t);
	for (size_t i = 0; i < n->nconf; i++) {
		const struct conf *e = &n->conf[i];
		if (e->nocr == 1 && e->ocr[0] == from && e->tlen == tl &&
		    !memcmp(e->truth, t, (size_t)tl))
			return e;
	}
	return NULL;
}

/* A word the OCR read at or above the confidence guard, spelt w. */
static int guarded_word(const struct norm *n, const struct doc_line *l, const char *w, size_t len)
{
	for (size_t i = 0; i < l->nwords; i++)
		if (l->words[i].conf >= n->conf_guard && l->words[i].len >= len &&
		    memmem(l->orig + l->words[i].off, l->words[i].len, w, len))
			return 1;
	return 0;
}

/* Rewrite each word the lexicon knows and the prior never saw that var
 * maps (word as written -> new spelling), on the lines word repair met it
 * on (n->wl), where no rule has edited it and the OCR did not read it with
 * confidence.  lens and first: the keys' lengths (bit set) and first bytes,
 * which spare most chunks a look-up. */
static int unseen_rewrite(struct norm *n, struct doc *d, const struct lex_map *var, uint64_t lens,
                          const unsigned char *first, const char *rule, struct norm_stats *stats)
{
	int rc = 0;
	struct lstate ls = {.cur = SB_INIT};
	struct lineset lines = {0};
	size_t it = 0, kl;
	const char *k;
	while (rc == 0 && lex_map_next(var, &it, &k, &kl, NULL)) {
		uint32_t num;
		if (!lex_map_get(n->unseen_words, k, kl, &num, NULL, NULL))
			continue;
		for (size_t j = 0; j < n->wl[num - 1].n && rc == 0; j++)
			rc = add_line(&lines, n->wl[num - 1].v[j]);
	}
	for (size_t li = 0; rc == 0 && next_line(&lines, &li); li++) {
		struct doc_line *l = &d->lines[li];
		struct rlist rl = {0};
		size_t ke = 0; /* the edits before the chunk (they are in order) */
		for (size_t p = 0; p < l->len && rc == 0;) {
			while (p < l->len && (l->text[p] == ' ' || l->text[p] == '\t'))
				p++;
			size_t q = p;
			while (q < l->len && l->text[q] != ' ' && l->text[q] != '\t')
				q++;
			size_t a = p, b, c0 = p;
			p = q;
			while (a < q && !ascii_letter(l->text[a]))
				a++;
			if (a == q || !first[(unsigned char)l->text[a]] ||
			    !plain_core(l->text, c0, q, &a, &b) || !((lens >> (b - a)) & 1))
				continue;
			/* a word some rule made is left as made */
			while (ke < l->nedits && l->edits[ke].new_off + l->edits[ke].new_len <= a)
				ke++;
			if (ke < l->nedits && l->edits[ke].new_off < q)
				continue;
			const char *mv;
			size_t ml;
			if (lex_map_get(var, l->text + a, b - a, NULL, &mv, &ml) &&
			    !guarded_word(n, l, l->text + a, b - a))
				rc = rlist_add(&rl, a, b, mv, ml);
		}
		rc = flush_edits(n, &ls, l, &rl, rule, stats, rc);
	}
	free(lines.w);
	ls_release(&ls);
	return rc;
}

/* document-confusion: an engine without Swedish has habits of its own
 * beyond the confusion table's likely ones (seed 000's read ä as i in
 * "kirna", "giller", "samhille", "barnrittsperspektiv").  Once word repair
 * has used such an unlikely confusion (table p below e^-5) in at least
 * DOC_CONF_MIN_WORDS distinct words of the document, a word the lexicon
 * knows but the prior never saw, which word-pair therefore left alone, is
 * read through it too when that gives a word the prior has seen
 * DOC_CONF_MIN_FREQ times or more ("lirare" -> "lärare", "ritt" -> "rätt").
 * The likely confusions (a for ä) are word-pair's, with its prior. */
static int doc_confusion(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	if (!n->lex || !n->repair_interned || !lex_map_count(n->unseen_words))
		return 0;
	struct dconf dc[64];
	size_t use = 0;
	for (size_t c = 0; c < n->ndc; c++) {
		const struct dconf *x = &n->dc[c];
		const struct conf *e = conf_find(n, x->from, x->to);
		if (x->from < 0x80 && utf8_is_alpha(x->from) && x->words >= DOC_CONF_MIN_WORDS &&
		    (!e || e->cost > 5))
			dc[use++] = *x;
	}
	if (!use)
		return 0;
	/* each word word repair met that the lexicon knows and the prior never
	 * saw (collect), read through the habits: word -> its variant, for the
	 * words that have one; and their lengths and first bytes, which spare
	 * the walk below a look-up for most chunks */
	struct lex_map *var = lex_map_new();
	struct sb v = SB_INIT, best = SB_INIT;
	int rc = var ? 0 : -1;
	uint64_t lens = 0;
	unsigned char first[256] = {0};
	size_t it = 0;
	const char *w;
	size_t wl;
	while (rc == 0 && lex_map_next(n->unseen_words, &it, &w, &wl, NULL)) {
		uint32_t bestf = 0;
		sb_reset(&best);
		/* an abbreviation of two to four capitals is no word the habit
		 * misread ("Emma Karlsson (SD)" is not "(SÅ)", "KD", "LSS") */
		size_t caps = 0;
		while (caps < wl && w[caps] >= 'A' && w[caps] <= 'Z')
			caps++;
		if (caps == wl && wl >= 2 && wl <= 4)
			continue;
		for (size_t k = 0; k < wl; k++)
			for (size_t c = 0; c < use; c++) {
				uint32_t ch = (unsigned char)w[k];
				if (utf8_cp_lower(ch) != dc[c].from)
					continue;
				char enc[8];
				uint32_t to =
				    utf8_is_upper(ch) ? utf8_cp_upper(dc[c].to) : dc[c].to;
				int el = utf8_encode(to, enc);
				sb_reset(&v);
				sb_add(&v, w, k);
				sb_add(&v, enc, (size_t)el);
				sb_add(&v, w + k + 1, wl - k - 1);
				if (v.oom)
					continue;
				uint32_t f = lex_freq(n->lex, v.buf, v.len);
				if (f >= DOC_CONF_MIN_FREQ && f > bestf &&
				    lex_check(n->lex, v.buf, v.len) != LEX_UNKNOWN) {
					bestf = f;
					sb_reset(&best);
					sb_add(&best, v.buf, v.len);
				}
			}
		if (!bestf)
			continue;
		if (best.oom || lex_map_put(var, w, wl, 0, best.buf, best.len) < 0)
			rc = -1;
		lens |= 1ull << wl;
		first[(unsigned char)w[0]] = 1;
	}
	sb_release(&v);
	sb_release(&best);
	if (rc == 0)
		rc = unseen_rewrite(n, d, var, lens, first, rule, stats);
	lex_map_free(var);
	return rc;
}

/* document-spelling's note of a word w[0, wl) (small letters) with
 * å/ä/ö the document has: the name in names (folded -> spelling, the
 * number how many spellings, 2 for more than one) it is a spelling of,
 * if any, counts it.  lens and first: the names' lengths and first letters. */
static int spelling_seen(struct lex_map *names, uint64_t lens, const unsigned char *first,
                         const char *w, size_t wl)
{
	char f[64];
	size_t fl = fold_word(w, wl, f, sizeof f);
	uint32_t *cnt;
	const char *v;
	size_t vl;
	if (!fl || fl >= 64 || !((lens >> fl) & 1) || !first[(unsigned char)f[0]] ||
	    !memchr(w, 0xC3, wl) || !lex_map_ref(names, f, fl, &cnt, &v, &vl))
		return 0;
	if (*cnt == 0)
		return lex_map_put(names, f, fl, 1, w, wl);
	if (vl != wl || memcmp(v, w, wl))
		*cnt = 2;
	return 0;
}

/* document-spelling: a name hunspell builds as a compound ("Kvarnbacken":
 * kvarn + backen) is a word to the lexicon, so word repair leaves it alone
 * when the OCR lost its å/ä/ö, even where the same document has it with them
 * elsewhere: repaired from a mark the engine printed ("Kvarnbicken" ->
 * "Kvarnbäcken") or by a rule ("till Kvarnbäcken", pair-back).  A word with
 * a capital that the lexicon knows and the prior never saw (n->unseen_words),
 * spelt as such a word of the document with its å/ä/ö taken away, is spelt
 * as that word (its own capitals kept), when the document has no other
 * spelling of it with å/ä/ö, the prior has not seen that spelling either
 * (a word it has seen is word-pair's to decide) and word-pair would not
 * change the word. */
static int unseen_spelling(struct norm *n, struct doc *d, const char *rule,
                           struct norm_stats *stats)
{
	if (!n->lex || !lex_map_count(n->unseen_words))
		return 0;
	/* the capitalised ones, small (the map's number: how many spellings
	 * with å/ä/ö the document has for it, 2 for more than one), with their
	 * lengths and first letters, which spare the walk below most look-ups */
	struct lex_map *names = lex_map_new(), *var = lex_map_new();
	int rc = names && var ? 0 : -1;
	uint64_t lens = 0;
	unsigned char first[256] = {0};
	size_t it = 0;
	const char *w;
	size_t wl;
	while (rc == 0 && lex_map_next(n->unseen_words, &it, &w, &wl, NULL)) {
		char low[130];
		if (w[0] < 'A' || w[0] > 'Z' || wl >= 64)
			continue;
		rc = lex_map_put(names, low, lex_lower(w, wl, low), 0, NULL, 0);
		lens |= 1ull << wl;
		first[(unsigned char)w[0] | 32] = 1;
	}
	/* the spellings of them with å/ä/ö the document has: the words word
	 * repair gave å/ä/ö (its vocabulary), and those the other rules did
	 * ("till Kvarnbäcken", pair-back), from their edits */
	it = 0;
	while (rc == 0 && lex_map_count(names) && lex_map_next(n->vocab, &it, &w, &wl, NULL))
		rc = spelling_seen(names, lens, first, w, wl);
	for (size_t li = 0; rc == 0 && lex_map_count(names) && next_line(&n->marked_lines, &li);
	     li++) {
		const struct doc_line *l = &d->lines[li];
		size_t done = 0; /* the end of the last word looked at */
		for (size_t k = 0; k < l->nedits && rc == 0; k++) {
			const struct doc_edit *e = &l->edits[k];
			size_t x, y;
			int m = e->new_off < done ? 0 : marked_word(n, l, e, &x, &y);
			if (!m)
				continue;
			done = y;
			if (m < 2)
				continue; /* no capital: no name */
			char low[130];
			if (y - x < 64)
				rc = spelling_seen(names, lens, first, low,
				                   lex_lower(l->text + x, y - x, low));
		}
	}
	/* each name with one such spelling: name -> that spelling, its own
	 * capitals kept */
	struct sb out = SB_INIT;
	lens = 0;
	memset(first, 0, sizeof first);
	it = 0;
	while (rc == 0 && lex_map_count(names) &&
	       lex_map_next(n->unseen_words, &it, &w, &wl, NULL)) {
		char low[130];
		uint32_t cnt;
		const char *v;
		size_t vl;
		/* a spelling the prior has seen is word-pair's to make (it made
		 * "Mål" of "Mal" wherever it could) */
		if (w[0] < 'A' || w[0] > 'Z' || wl >= 64 ||
		    !lex_map_get(names, low, lex_lower(w, wl, low), &cnt, &v, &vl) || cnt != 1 ||
		    lex_freq(n->lex, v, vl))
			continue;
		/* a word word-pair changes is word-pair's ("Kommundirektor" is
		 * "Kommundirektör" wherever it stands) */
		const char *pr;
		size_t pl;
		int ctx = n->ctx;
		n->ctx = 0;
		int pair = repair_token(n, w, wl, 'P', &pr, &pl);
		n->ctx = ctx;
		if (pair < 0) {
			rc = -1;
			break;
		}
		if (pair == 1 && (pl != wl || memcmp(pr, w, wl)))
			continue;
		/* w is ASCII (plain_core) */
		sb_reset(&out);
		for (size_t i = 0, k = 0; i < wl && k < vl; i++) {
			uint32_t c = utf8_next(v, vl, &k);
			char enc[8];
			if (w[i] >= 'A' && w[i] <= 'Z')
				c = utf8_cp_upper(c);
			sb_add(&out, enc, (size_t)utf8_encode(c, enc));
		}
		if (out.oom || lex_map_put(var, w, wl, 0, out.buf, out.len) < 0) {
			rc = -1;
			break;
		}
		lens |= 1ull << wl;
		first[(unsigned char)w[0]] = 1;
	}
	sb_release(&out);
	if (rc == 0)
		rc = unseen_rewrite(n, d, var, lens, first, rule, stats);
	lex_map_free(names);
	lex_map_free(var);
	return rc;
}

/* Whether w[0, wl) is v[0, vl) with some of its å/ä/ö taken away, and not
 * all of what v has: both folded alike, and each å/ä/ö of w one of v's in
 * its place ("sjöängsbacken" of "sjöängsbäcken").  Lower case, UTF-8. */
static int fewer_marks(const char *w, size_t wl, const char *v, size_t vl)
{
	size_t i = 0, k = 0;
	int fewer = 0;
	while (i < wl && k < vl) {
		uint32_t a = utf8_next(w, wl, &i), b = utf8_next(v, vl, &k);
		if (a == b)
			continue;
		if ((b != 0xE5 && b != 0xE4 && b != 0xF6) || a != (b == 0xF6 ? 'o' : 'a'))
			return 0;
		fewer = 1;
	}
	return fewer && i == wl && k == vl;
}

/* The next word of line l (from edit *k on) that an edit made and that has
 * å/ä/ö, at [*x, *y); 0 when there is none. */
static int next_marked(const struct doc_line *l, size_t *k, size_t *x, size_t *y)
{
	size_t done = *k ? *y : 0;
	for (; *k < l->nedits; (*k)++) {
		const struct doc_edit *e = &l->edits[*k];
		if (e->new_off < done || !memchr(l->text + e->new_off, 0xC3, e->new_len))
			continue;
		word_around(l, e->new_off, e->new_off + e->new_len, x, y);
		(*k)++;
		return 1;
	}
	return 0;
}

/* document-spelling's second part: a word the rules gave some of its å/ä/ö
 * but not all ("Sj6angsbacken" -> "Sjöängsbacken", "tatortsnaéra" ->
 * "tatortsnära": the engine printed a mark for one letter and none for the
 * other), which the lexicon takes only as a compound it builds and the prior
 * never saw, is spelt as the rules gave it all of them elsewhere in the
 * document ("Sjöängsbäcken", "tätortsnära"; its own capitals kept), when
 * that is the one spelling of the document's with more: a document spells
 * its names one way. */
static int marks_spelling(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	if (!n->lex)
		return 0;
	/* the words edits gave å/ä/ö, as written, with how often (a look-up
	 * each: a document repeats its words) */
	struct lex_map *seen = lex_map_new(), *uses = lex_map_new(), *groups = lex_map_new(),
	               *var = lex_map_new();
	int rc = seen && uses && groups && var ? 0 : -1;
	for (size_t li = 0; li < d->nlines && rc == 0; li++) {
		const struct doc_line *l = &d->lines[li];
		size_t k = 0, x = 0, y = 0;
		while (rc == 0 && next_marked(l, &k, &x, &y)) {
			uint32_t *cnt;
			if (y - x < 2 || y - x > 120)
				continue;
			if (lex_map_ref(seen, l->text + x, y - x, &cnt, NULL, NULL))
				(*cnt)++;
			else
				rc = lex_map_put(seen, l->text + x, y - x, 1, NULL, 0);
		}
	}
	/* ... in small letters, with how often, and by folded form: folded ->
	 * its spellings, each preceded by its length (a byte) */
	struct sb g = SB_INIT;
	size_t it = 0;
	const char *w, *v;
	size_t wl, vl;
	uint32_t num;
	while (rc == 0 && lex_map_next(seen, &it, &w, &wl, &num)) {
		char low[256], f[64];
		size_t ll = lex_lower(w, wl, low), fl = fold_word(low, ll, f, sizeof f);
		uint32_t *cnt;
		if (!fl)
			continue;
		if (lex_map_ref(uses, low, ll, &cnt, NULL, NULL)) {
			*cnt += num;
			continue; /* a spelling its group has */
		}
		sb_reset(&g);
		if (lex_map_get(groups, f, fl, NULL, &v, &vl))
			sb_add(&g, v, vl);
		sb_addc(&g, (char)ll);
		sb_add(&g, low, ll);
		rc = g.oom || lex_map_put(uses, low, ll, num, NULL, 0) < 0
		         ? -1
		         : lex_map_put(groups, f, fl, 0, g.buf, g.len);
	}
	sb_release(&g);
	/* each group's fullest spelling, of which every other is one with fewer
	 * marks: the others the prior never saw and no list holds, and that the
	 * document does not use more often -> it (a context rule's guess,
	 * "utmed Ängsbäcken", does not outvote three readings) */
	it = 0;
	while (rc == 0 && lex_map_next(groups, &it, &w, &wl, NULL)) {
		lex_map_get(groups, w, wl, NULL, &v, &vl);
		if ((size_t)(unsigned char)v[0] + 1 == vl)
			continue; /* one spelling */
		const char *full = NULL;
		size_t fl = 0;
		for (size_t p = 0; p < vl && !full; p += 1 + (unsigned char)v[p]) {
			const char *c = v + p + 1;
			size_t cl = (unsigned char)v[p];
			int all = 1;
			for (size_t q = 0; q < vl && all; q += 1 + (unsigned char)v[q])
				all = q == p || fewer_marks(v + q + 1, (unsigned char)v[q], c, cl);
			if (all) {
				full = c;
				fl = cl;
			}
		}
		uint32_t uf = 0;
		if (full)
			lex_map_get(uses, full, fl, &uf, NULL, NULL);
		for (size_t q = 0; full && q < vl && rc == 0; q += 1 + (unsigned char)v[q]) {
			const char *c = v + q + 1;
			size_t cl = (unsigned char)v[q];
			uint32_t uc = 0;
			lex_map_get(uses, c, cl, &uc, NULL, NULL);
			if (c != full && uf >= uc && !lex_freq(n->lex, c, cl) &&
			    !lex_listed(n->lex, c, cl))
				rc = lex_map_put(var, c, cl, 0, full, fl);
		}
	}
	lex_map_free(uses);
	lex_map_free(groups);
	/* each word as written so mapped -> its new spelling, in the word's own
	 * capitals (its first letter, or all) */
	struct lex_map *to = lex_map_new();
	struct sb out = SB_INIT;
	rc = rc == 0 && !to ? -1 : rc;
	it = 0;
	while (rc == 0 && lex_map_count(var) && lex_map_next(seen, &it, &w, &wl, NULL)) {
		char low[256];
		const char *mv;
		size_t ml, i = 0;
		if (!lex_map_get(var, low, lex_lower(w, wl, low), NULL, &mv, &ml))
			continue;
		int caps = utf8_is_upper(utf8_next(w, wl, &i)), all = caps;
		while (i < wl && all)
			all = utf8_is_upper(utf8_next(w, wl, &i));
		sb_reset(&out);
		put_cased(&out, mv, ml, caps, all);
		rc = out.oom ? -1 : lex_map_put(to, w, wl, 0, out.buf, out.len);
	}
	sb_release(&out);
	lex_map_free(var);
	lex_map_free(seen);
	/* ... wherever an edit made it */
	struct lstate ls = {.cur = SB_INIT};
	for (size_t li = 0; rc == 0 && lex_map_count(to) && li < d->nlines; li++) {
		struct doc_line *l = &d->lines[li];
		struct rlist rl = {0};
		size_t k = 0, x = 0, y = 0;
		while (rc == 0 && next_marked(l, &k, &x, &y)) {
			const char *mv;
			size_t ml;
			if (lex_map_get(to, l->text + x, y - x, NULL, &mv, &ml) &&
			    !guarded_word(n, l, l->text + x, y - x))
				rc = rlist_add(&rl, x, y, mv, ml);
		}
		rc = flush_edits(n, &ls, l, &rl, rule, stats, rc);
	}
	ls_release(&ls);
	lex_map_free(to);
	return rc;
}

static int doc_spelling(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	int rc = unseen_spelling(n, d, rule, stats);
	return rc ? rc : marks_spelling(n, d, rule, stats);
}

/* ---- the document's own channel ----------------------------------------------- */

/* How many distinct words word repair must have repaired through a character
 * the OCR printed for a Swedish letter before document-channel reweighs it,
 * and how many words' worth of weight the table's own p keeps. */
#define DOC_CHANNEL_MIN_WORDS 10
#define DOC_CHANNEL_PRIOR     5.0

/* The context (context_of) the chunk before the one at text offset `at` of
 * l makes: the line's previous chunk, or the last word of the line above. */
static int edit_context(const struct norm *n, const struct doc_line *l, size_t at)
{
	const char *t = l->text;
	size_t p = at;
	while (p > 0 && t[p - 1] != ' ' && t[p - 1] != '\t')
		p--; /* the start of the edit's chunk */
	while (p > 0 && (t[p - 1] == ' ' || t[p - 1] == '\t'))
		p--;
	if (p > 0) {
		size_t a = p;
		while (a > 0 && t[a - 1] != ' ' && t[a - 1] != '\t')
			a--;
		return context_of(n, t, a, p);
	}
	size_t a, e;
	const struct doc_line *up = above(n, l, &a, &e);
	return up ? context_of(n, up->text, a, e) : 0;
}

/* document-channel's answer for one word-repair edit, old[0, ol) read and
 * new[0, nl) made: 1 with the word repaired again through the reweighed
 * table in *out (the case of the repair as made), 0 when it stays, -1 on
 * error.  memo: the searches, word as read -> repair ("" none). */
static int channel_repair(struct norm *n, struct lex_map *memo, const unsigned *total,
                          const char *old, size_t ol, const char *new, size_t nl, struct sb *out)
{
	int has = 0;
	uint32_t a[64], b[64];
	int na = decode(old, ol, a, 64);
	int nb = decode(new, nl, b, 64);
	if (na <= 0 || na != nb)
		return 0;
	/* only an edit that put å/ä/ö back and nothing else: one where another
	 * rule's change shares the span ("Strémavist", read "Strömqvist" with
	 * qvist-misread's q) is more than the search would find again */
	for (int j = 0; j < na; j++)
		if (a[j] != b[j] && !swedish_cp(utf8_cp_lower(b[j])))
			return 0;
	for (int j = 0; j < na && !has; j++)
		for (size_t r = 0; r < n->nrare_self && !has; r++)
			has = a[j] == n->rare_self[r].cp && total[r] >= DOC_CHANNEL_MIN_WORDS;
	if (!has)
		return 0;
	/* each word searched once in each context (n->ctx) */
	const char *mv;
	size_t ml;
	char key[130];
	key[0] = n->ctx ? (char)n->ctx : '-';
	memcpy(key + 1, old, ol); /* ol <= 120: doc_channel */
	sb_reset(out);
	if (lex_map_get(memo, key, ol + 1, NULL, &mv, &ml)) {
		if (!ml)
			return 0;
		sb_add(out, mv, ml);
	} else {
		int found = search_word(n, old, ol, 0, out) == 1;
		if (out->oom || lex_map_put(memo, key, ol + 1, 0, found ? out->buf : NULL,
		                            found ? out->len : 0) < 0)
			return -1;
		if (!found)
			return 0;
	}
	uint32_t o[64];
	if (decode(out->buf, out->len, o, 64) != na)
		return 0;
	/* the case of the repair as made (a capital kept where a sentence
	 * begins), the letters of the new one */
	int same = 1;
	for (int j = 0; j < na; j++) {
		o[j] = utf8_is_upper(b[j]) ? utf8_cp_upper(o[j]) : utf8_cp_lower(o[j]);
		same &= o[j] == b[j];
	}
	if (same)
		return 0;
	sb_reset(out);
	for (int j = 0; j < na; j++) {
		char enc[8];
		sb_add(out, enc, (size_t)utf8_encode(o[j], enc));
	}
	return out->oom ? -1 : 1;
}

/* document-channel: the confusion table says what an engine without
 * Swedish usually printed for å, ä and ö; one document's engine may have had
 * other habits.  Seed 000's read ä as é in 15 of the words word repair
 * mended and ö only in 5, where the table (é for ö 95%) would have "rétt"
 * be "rött" and "innehéll" "innehöll".  For a character the table says is
 * almost never itself, once word repair has mended DOC_CHANNEL_MIN_WORDS
 * distinct words through it, its probabilities are estimated again from the
 * document's own repairs (the table's p weighing as DOC_CHANNEL_PRIOR words)
 * and every word repaired through it is repaired again with them: "rétt" is
 * "rätt", "innehéll" "innehåll", as the prior then decides. */
static int doc_channel(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	if (!n->lex || !n->repair_interned || !n->nrare_self)
		return 0;
	/* words mended through each character almost never itself */
	unsigned total[16] = {0};
	for (size_t c = 0; c < n->ndc; c++)
		for (size_t r = 0; r < n->nrare_self; r++)
			total[r] += n->rare_self[r].cp == n->dc[c].from ? n->dc[c].words : 0;
	int rc = 0;
	/* reweigh: cost = -ln p_doc less what the table's keep costs (as in
	 * conf_relative, which subtracted it from every line of x) */
	double *saved = calloc(n->nconf ? n->nconf : 1, sizeof(*saved));
	int any = 0;
	if (!saved)
		rc = -1;
	for (size_t j = 0; rc == 0 && j < n->nconf; j++) {
		struct conf *e = &n->conf[j];
		saved[j] = e->cost;
		if (e->nocr != 1 || !e->swedish)
			continue;
		size_t r = 0;
		while (r < n->nrare_self && n->rare_self[r].cp != e->ocr[0])
			r++;
		if (r == n->nrare_self || total[r] < DOC_CHANNEL_MIN_WORDS)
			continue;
		size_t k = 0;
		uint32_t y = utf8_cp_lower(utf8_next(e->truth, (size_t)e->tlen, &k));
		unsigned cnt = 0;
		for (size_t c = 0; c < n->ndc; c++)
			if (n->dc[c].from == e->ocr[0] && n->dc[c].to == y)
				cnt = n->dc[c].words;
		double kp = n->rare_self[r].keep;
		double keep_cost = -log(kp > 1e-3 ? kp : 1e-3);
		double pd = ((double)cnt + DOC_CHANNEL_PRIOR * e->p) /
		            ((double)total[r] + DOC_CHANNEL_PRIOR) * (1 - kp);
		e->cost = -log(pd > 1e-9 ? pd : 1e-9) - keep_cost;
		any = 1;
	}
	struct lstate ls = {.cur = SB_INIT};
	struct sb out = SB_INIT, key = SB_INIT;
	struct lex_map *memo = any ? lex_map_new() : NULL; /* word -> repair, "" none */
	struct lex_map *done = any ? lex_map_new() : NULL; /* edit -> answer, "" none */
	if (any && (!memo || !done))
		rc = -1;
	int ctx = n->ctx;
	n->ctx = 0;
	/* the lines word repair mended such a word on (collect) */
	for (size_t li = 0; any && rc == 0 && next_line(&n->rare_lines, &li); li++) {
		struct doc_line *l = &d->lines[li];
		struct rlist rl = {0};
		for (size_t k = 0; k < l->nedits && rc == 0; k++) {
			const struct doc_edit *e = &l->edits[k];
			if (e->rule != n->repair_interned || e->len > 120 || e->new_len > 120 ||
			    !any_byte(l->orig + e->off, e->len, n->rare_first))
				continue;
			/* in the context of the word before ("att férsta" is "att
			 * förstå"), as word repair saw it */
			n->ctx = edit_context(n, l, e->new_off);
			/* each edit's answer ("" none) remembered: the context, the
			 * word as read and as word repair made it */
			sb_reset(&key);
			sb_addc(&key, n->ctx ? (char)n->ctx : '-');
			sb_add(&key, l->orig + e->off, e->len);
			sb_addc(&key, '\x01');
			sb_add(&key, l->text + e->new_off, e->new_len);
			const char *mv;
			size_t ml;
			if (key.oom) {
				rc = -1;
				break;
			}
			if (!lex_map_get(done, key.buf, key.len, NULL, &mv, &ml)) {
				int ch = channel_repair(n, memo, total, l->orig + e->off, e->len,
				                        l->text + e->new_off, e->new_len, &out);
				if (ch < 0 ||
				    lex_map_put(done, key.buf, key.len, 0, ch ? out.buf : NULL,
				                ch ? out.len : 0) < 0) {
					rc = -1;
					break;
				}
				lex_map_get(done, key.buf, key.len, NULL, &mv, &ml);
			}
			if (ml)
				rc = rlist_add(&rl, e->new_off, e->new_off + e->new_len, mv, ml);
		}
		rc = flush_edits(n, &ls, l, &rl, rule, stats, rc);
	}
	n->ctx = ctx;
	for (size_t j = 0; saved && j < n->nconf; j++)
		n->conf[j].cost = saved[j];
	free(saved);
	lex_map_free(memo);
	lex_map_free(done);
	sb_release(&out);
	sb_release(&key);
	ls_release(&ls);
	return rc;
}

/* ---- numbered headings on recognised pages ---------------------------------- */

/* A numbered heading's shape: "9 Utvärdering", "5.1.2 Ansvar för insatsen":
 * one or two digits (then more groups), a space, a capital, at most 80
 * bytes, no closing mark.  *num is the first group. */
static int heading_number(const struct doc_line *l, int *num)
{
	const char *s = l->text;
	size_t n = l->len, i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t d0 = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i == d0 || i - d0 > 2 || n > 80)
		return 0;
	*num = atoi(s + d0);
	while (i + 1 < n && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
		i++;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && s[i] == '.')
		i++;
	if (i >= n || s[i] != ' ')
		return 0;
	while (i < n && s[i] == ' ')
		i++;
	size_t k = i;
	if (i >= n || !utf8_is_upper(utf8_next(s, n, &k)))
		return 0;
	char last = s[n - 1];
	return !strchr(".,;:!?", last);
}

/* document-heading-number: the numbered headings of a recognised document
 * count up (1, 2, 2.1, 3 ...); one whose number breaks the count where the
 * expected number is a look-alike of the one read ("3" for "9" after "8", the
 * rule's `look-alike` pairs) and the next heading goes on from the expected
 * number (or there is none) had its digit misread. */
static int doc_heading_number(struct norm *n, struct doc *d, const struct rules_block *b,
                              struct norm_stats *stats)
{
	const char *look = rules_get(b, "look-alike");
	if (!look || !has_ocr_page(d))
		return 0;
	size_t *at = malloc((d->nlines ? d->nlines : 1) * sizeof(*at));
	int *num = malloc((d->nlines ? d->nlines : 1) * sizeof(*num));
	if (!at || !num) {
		free(at), free(num);
		return -1;
	}
	size_t nh = 0;
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *l = &d->lines[i];
		if (l->conf >= 0 && l->nwords && heading_number(l, &num[nh]))
			at[nh++] = i;
	}
	struct lstate ls = {.cur = SB_INIT};
	int rc = 0;
	for (size_t h = 1; h < nh && rc == 0; h++) {
		int prev = num[h - 1], want = prev + 1, got = num[h];
		if (got == prev || got == want || want > 9 || got > 9)
			continue;
		char pair[3] = {(char)('0' + got), (char)('0' + want), 0};
		char rpair[3] = {pair[1], pair[0], 0};
		if (!strstr(look, pair) && !strstr(look, rpair))
			continue;
		if (h + 1 < nh && num[h + 1] != want && num[h + 1] != want + 1)
			continue;
		struct doc_line *l = &d->lines[at[h]];
		size_t a = 0;
		while (a < l->len && (l->text[a] == ' ' || l->text[a] == '\t'))
			a++;
		char t = (char)('0' + want);
		rc = edit_byte(n, &ls, l, a, t, b->id, stats);
		num[h] = want;
	}
	ls_release(&ls);
	free(at), free(num);
	return rc;
}

/* ---- "i" or "I" opening a list item ------------------------------------------- */

static char last_char_of(const struct doc_line *l)
{
	size_t e = l->len;
	while (e > 0 && (l->text[e - 1] == ' ' || l->text[e - 1] == '\t'))
		e--;
	return e ? l->text[e - 1] : 0;
}

/* Where line l's text after its list mark ("- ", "– ", "• ") starts, or 0
 * when it has none. */
static size_t after_mark(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i + 1 < n && s[i] == '-' && s[i + 1] == ' ')
		return i + 2;
	if (i + 3 < n && (!memcmp(s + i, "\xe2\x80\x93 ", 4) || !memcmp(s + i, "\xe2\x80\xa2 ", 4)))
		return i + 4;
	return 0;
}

/* The case of the first letter of list item line k: 'l', 'u', or 0 (no
 * item, or one that itself opens with a bar). */
static char item_case(const struct doc_line *l)
{
	size_t a = after_mark(l->text, l->len);
	if (!a || a >= l->len || l->text[a] == '|' || l->text[a] == '{')
		return 0;
	if ((l->text[a] == 'I' || l->text[a] == 'i') && a + 1 < l->len && l->text[a + 1] == ' ') {
		size_t oa = after_mark(l->orig, l->orig_len);
		if (oa && oa < l->orig_len && (l->orig[oa] == '|' || l->orig[oa] == '{'))
			return 0; /* a bar this step decides on */
	}
	size_t k = a;
	uint32_t c = utf8_next(l->text, l->len, &k);
	return utf8_is_lower(c) ? 'l' : utf8_is_upper(c) ? 'u' : 0;
}

/* document-list-i: "|" or "{" opening a list item before a word in lower
 * case is the word "i" or "I" ("- | samverkan med", "- { samverkan"); which
 * of them, the list's other items tell: items that go on the sentence above
 * begin in lower case ("- ge stöd", "- i samverkan"), items that are
 * sentences of their own with a capital ("- I samarbete med"). The nearest
 * item above decides, or, when there is none before the list's lead-in
 * line (one ending in ":"), the nearest below. */
static int doc_list_i(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	struct lstate ls = {.cur = SB_INIT};
	int rc = 0;
	for (size_t i = 0; rc == 0 && next_line(&n->bar_items, &i); i++) {
		struct doc_line *l = &d->lines[i];
		size_t oa = after_mark(l->orig, l->orig_len);
		if (!oa || oa + 1 >= l->orig_len || (l->orig[oa] != '|' && l->orig[oa] != '{'))
			continue;
		size_t ta = after_mark(l->text, l->len);
		if (!ta || ta + 2 >= l->len || !strchr("|{Ii", l->text[ta]) ||
		    l->text[ta + 1] != ' ')
			continue;
		size_t w = ta + 2;
		if (!utf8_is_lower(utf8_next(l->text, l->len, &w)))
			continue;
		char c = 0;
		for (size_t k = i; k > 0 && i - k < 30 && !c;) {
			k--;
			const struct doc_line *m = &d->lines[k];
			c = item_case(m);
			if (!c && !after_mark(m->text, m->len) && last_char_of(m) == ':')
				break; /* the list's lead-in */
		}
		for (size_t k = i + 1; k < d->nlines && k - i < 30 && !c; k++)
			c = item_case(&d->lines[k]);
		if (!c)
			continue;
		char want = c == 'l' ? 'i' : 'I';
		if (l->text[ta] == want)
			continue;
		rc = edit_byte(n, &ls, l, ta, want, rule, stats);
	}
	ls_release(&ls);
	return rc;
}

/* The number a line's text opens a numbered item with ("4. att", "4, att"):
 * one or two digits, then `mark` and a space and a letter; -1 when none. */
static int item_number(const struct doc_line *l, char mark)
{
	const char *t = l->text;
	size_t i = 0, n = l->len;
	while (i < n && (t[i] == ' ' || t[i] == '\t'))
		i++;
	int num = 0, digits = 0;
	while (i < n && t[i] >= '0' && t[i] <= '9' && digits < 3)
		num = num * 10 + (t[i++] - '0'), digits++;
	if (!digits || digits > 2 || i + 2 >= n || t[i] != mark || t[i + 1] != ' ')
		return -1;
	size_t k = i + 2;
	return utf8_is_alpha(utf8_next(t, n, &k)) ? num : -1;
}

/* document-list-number: the point after a numbered item's number read as a
 * comma ("4, att analysen ska rapporteras"): a line that opens with a number,
 * a comma and a word, where the line above is blank or ends a sentence or
 * an item (".", ",", ";", ":"; a line that goes on from the one above, "enligt
 * bilaga" / "1, att gälla", is left alone), is item N of its list when item
 * N-1 ("3. ") opens one of the LIST_REACH lines above on the page, or item
 * N+1 one of those below: its comma is a point. */
#define LIST_REACH 30
static int doc_list_number(struct norm *n, struct doc *d, const char *rule,
                           struct norm_stats *stats)
{
	struct lstate ls = {.cur = SB_INIT};
	int rc = 0;
	/* the lines that open so, noted as the line pass finished them */
	for (size_t i = 0; rc == 0 && next_line(&n->comma_items, &i); i++) {
		struct doc_line *l = &d->lines[i];
		int num = item_number(l, ',');
		if (num < 0)
			continue;
		char above =
		    i > 0 && d->lines[i - 1].page == l->page ? last_char_of(&d->lines[i - 1]) : 0;
		if (above && !strchr(".,;:", above))
			continue; /* the line above runs on into it (a blank line ends in 0) */
		int seq = 0;
		for (size_t k = i; k > 0 && i - k < LIST_REACH && !seq;) {
			k--;
			if (d->lines[k].page != l->page)
				break;
			seq = num > 0 && item_number(&d->lines[k], '.') == num - 1;
		}
		for (size_t k = i + 1; k < d->nlines && k - i <= LIST_REACH && !seq; k++) {
			if (d->lines[k].page != l->page)
				break;
			seq = item_number(&d->lines[k], '.') == num + 1;
		}
		if (!seq)
			continue;
		size_t c = 0;
		while (l->text[c] != ',')
			c++;
		rc = edit_byte(n, &ls, l, c, '.', rule, stats);
	}
	ls_release(&ls);
	return rc;
}

/* ---- quotations over a line's end ------------------------------------------- */

static int blank_line(const struct doc_line *l);

/* The quotation mark at t[k] ('"', 'c' for ”, 'o' for “, 0 for none) and
 * its length in *len. */
static int quote_at(const char *t, size_t n, size_t k, size_t *len)
{
	*len = 1;
	if (t[k] == '"')
		return '"';
	if (k + 2 < n && (unsigned char)t[k] == 0xE2 && (unsigned char)t[k + 1] == 0x80 &&
	    ((unsigned char)t[k + 2] == 0x9D || (unsigned char)t[k + 2] == 0x9C)) {
		*len = 3;
		return (unsigned char)t[k + 2] == 0x9D ? 'c' : 'o';
	}
	return 0;
}

/* document-quotes: a straight " opening a word, the line's last quotation
 * mark, whose quotation the next lines of the paragraph close with ” (the
 * next mark met) was that ” read as " (quote-straight-opening does it within
 * a line). */
static int doc_quotes(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	struct lstate ls = {.cur = SB_INIT};
	int rc = 0;
	for (size_t i = 0; rc == 0 && next_line(&n->quote_lines, &i); i++) {
		struct doc_line *l = &d->lines[i];
		size_t at = 0, ql;
		int last = 0;
		const char *dq = memchr(l->text, '"', l->len);
		if (!dq)
			continue; /* the line's last mark is no straight one */
		for (size_t k = (size_t)(dq - l->text); k < l->len; k++) {
			int q = quote_at(l->text, l->len, k, &ql);
			if (q) {
				last = q;
				at = k;
				k += ql - 1;
			}
		}
		if (last != '"' || at + 1 >= l->len ||
		    (at > 0 && l->text[at - 1] != ' ' && l->text[at - 1] != '\t' &&
		     l->text[at - 1] != '('))
			continue;
		size_t w = at + 1;
		if (!utf8_is_alpha(utf8_next(l->text, l->len, &w)))
			continue;
		int next = 0; /* the next mark on the paragraph's next lines */
		for (size_t j = i + 1; j < d->nlines && j <= i + 3 && !next; j++) {
			const struct doc_line *m = &d->lines[j];
			if (m->page != l->page || blank_line(m))
				break;
			for (size_t k = 0; k < m->len && !next; k++)
				next = quote_at(m->text, m->len, k, &ql);
		}
		if (next != 'c')
			continue;
		struct rlist rl = {0};
		rc = rlist_add(&rl, at, at + 1, "\xe2\x80\x9d", 3);
		rc = flush_edits(n, &ls, l, &rl, rule, stats, rc);
	}
	ls_release(&ls);
	return rc;
}

/* ---- paragraph ends on recognised pages ------------------------------------ */

static int blank_line(const struct doc_line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->text[i] != ' ' && l->text[i] != '\t')
			return 0;
	return 1;
}

/* The paragraph around line i: [*a, *b], bounded by blank lines (a page
 * break goes on: "kompetens-" / "utvecklingen." over two pages). */
static void para_span(const struct doc *d, size_t i, size_t *a, size_t *b)
{
	*a = *b = i;
	while (*a > 0 && !blank_line(&d->lines[*a - 1]))
		(*a)--;
	while (*b + 1 < d->nlines && !blank_line(&d->lines[*b + 1]))
		(*b)++;
}

/* The next (dir 1) or previous (dir -1) paragraph's first (dir 1) or last
 * (dir -1) line after or before line i, over blank lines; -1 when none. */
static long para_beyond(const struct doc *d, size_t i, int dir)
{
	long k = (long)i + dir;
	while (k >= 0 && (size_t)k < d->nlines && blank_line(&d->lines[k]))
		k += dir;
	return k >= 0 && (size_t)k < d->nlines ? k : -1;
}

static int list_item(const struct doc_line *l)
{
	return after_mark(l->text, l->len) != 0;
}

static size_t count_words(const char *s, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += s[i] != ' ' && s[i] != '\t' && (i == 0 || s[i - 1] == ' ' || s[i - 1] == '\t');
	return w;
}

/* How line l ends: 'l' a letter and a comma, ',' another comma, '.' a full
 * stop, 0 anything else. */
static char end_mark(const struct doc_line *l)
{
	size_t e = l->len;
	while (e > 0 && (l->text[e - 1] == ' ' || l->text[e - 1] == '\t'))
		e--;
	if (!e)
		return 0;
	char c = l->text[e - 1];
	if (c != ',' && c != '.')
		return 0;
	/* 'l': a comma after a letter, the comma a blurred point may be */
	if (c == ',' && e >= 2 &&
	    ((unsigned char)l->text[e - 2] >= 0x80 ||
	     ((l->text[e - 2] | 32) >= 'a' && (l->text[e - 2] | 32) <= 'z')))
		return 'l';
	return c;
}

/* document-paragraph-end: on a recognised page the swe model reads a blurred
 * full stop as a comma.  Prose never ends a paragraph with a comma: the last
 * line of a paragraph that ends in a letter and a comma, with the next
 * paragraph not going on in lower case, ends with a full stop.  A list item
 * ("- ...") does so only when the other items of its list end with full stops
 * more often than with commas (lists of short items end each with a comma).
 * A paragraph of one line of up to four words keeps its comma (a greeting,
 * "Med vänlig hälsning,"). */
static int doc_para_end(struct norm *n, struct doc *d, const char *rule, struct norm_stats *stats)
{
	if (!has_ocr_page(d))
		return 0;
	struct lstate ls = {.cur = SB_INIT};
	int rc = 0;
	for (size_t i = 0; i < d->nlines && rc == 0; i++) {
		struct doc_line *l = &d->lines[i];
		if (l->conf < 0 || !l->nwords || end_mark(l) != 'l')
			continue;
		size_t a, b;
		para_span(d, i, &a, &b);
		if (b != i)
			continue; /* not the paragraph's last line */
		if (a == i && count_words(l->text, l->len) <= 4)
			continue; /* a line alone: "Med vänlig hälsning," */
		long nx = para_beyond(d, i, 1);
		if (nx >= 0) {
			const struct doc_line *m = &d->lines[nx];
			size_t k = 0;
			while (k < m->len && (m->text[k] == ' ' || m->text[k] == '\t'))
				k++;
			if (k < m->len && utf8_is_lower(utf8_next(m->text, m->len, &k)))
				continue; /* the sentence goes on */
		}
		if (list_item(&d->lines[a])) {
			/* the list: the items before and after this one */
			int points = 0, commas = 0;
			for (int dir = -1; dir <= 1; dir += 2) {
				size_t from = dir < 0 ? a : i;
				for (;;) {
					long k = para_beyond(d, from, dir);
					if (k < 0)
						break;
					size_t pa, pb;
					para_span(d, (size_t)k, &pa, &pb);
					if (!list_item(&d->lines[pa]))
						break;
					/* "Skolverket.," is a comma list's item too */
					char c = end_mark(&d->lines[pb]);
					points += c == '.', commas += c == ',' || c == 'l';
					from = dir < 0 ? pa : pb;
				}
			}
			/* an item alone is taken as prose */
			if (points + commas > 0 && points <= commas)
				continue;
		}
		size_t e = l->len;
		while (e > 0 && (l->text[e - 1] == ' ' || l->text[e - 1] == '\t'))
			e--;
		rc = edit_byte(n, &ls, l, e - 1, '.', rule, stats);
	}
	ls_release(&ls);
	return rc;
}

/* Note line i, just finished by the line pass, in the line sets of the
 * document steps that look only at such lines. */
static int note_line(struct norm *n, struct doc *d, size_t i)
{
	const struct doc_line *l = &d->lines[i];
	if (item_number(l, ',') >= 0 && add_line(&n->comma_items, i) < 0)
		return -1;
	if (memchr(l->text, '"', l->len) && add_line(&n->quote_lines, i) < 0)
		return -1;
	size_t oa = after_mark(l->orig, l->orig_len);
	if (oa && oa < l->orig_len && (l->orig[oa] == '|' || l->orig[oa] == '{') &&
	    add_line(&n->bar_items, i) < 0)
		return -1;
	return marked_capital(n, l) ? add_line(&n->marked_lines, i) : 0;
}

int norm_doc(struct norm *n, struct doc *d, struct norm_stats *stats, struct ex_error *err)
{
	/* edits keep 32-bit offsets; a repair may lengthen a line (an "a" made
	 * "ä" takes two bytes), so a line may take up a quarter of them */
	for (size_t li = 0; li < d->nlines; li++)
		if (d->lines[li].orig_len > DOC_EDIT_LINE_MAX / 4)
			return ex_fail(err, EX_LIMIT, d->name, d->lines[li].page,
			               d->lines[li].lineno,
			               "a line of %zu bytes, more than the normaliser's %u",
			               d->lines[li].orig_len, DOC_EDIT_LINE_MAX / 4);
	int signal = lost_diacritics(d);
	int lost = n->force_lost >= 0 ? n->force_lost : signal;
	n->lost = lost;
	struct lex_stats lex0 = {0};
	if (stats && n->lex)
		lex_get_stats(n->lex, &lex0);
	if (stats) {
		stats->lost_diacritics = lost;
		stats->prefiltered = n->mask;
	}
	/* the document-wide conditions and collections */
	int doc_rules = 0, doc_steps = 0, habits = 0;
	for (size_t i = 0; i < n->nrules; i++) {
		struct nrule *r = &n->rules[i];
		if (r->when_has) {
			/* one search per text, however many rules ask */
			size_t j = 0;
			while (j < i && !(n->rules[j].when_has &&
			                  !strcmp(n->rules[j].when_has, r->when_has)))
				j++;
			if (j < i) {
				r->has = n->rules[j].has;
			} else {
				size_t hl = strlen(r->when_has);
				r->has = 0;
				for (size_t li = 0; li < d->nlines && !r->has; li++)
					r->has = memmem(d->lines[li].orig, d->lines[li].orig_len,
					                r->when_has, hl) != NULL;
			}
		}
		doc_rules |= (r->kind == RK_DOC_ACRONYM || r->kind == RK_DOC_VOCAB ||
		              r->kind == RK_DOC_MARKS || r->kind == RK_DOC_PLACES ||
		              r->kind == RK_DOC_CASE || r->kind == RK_DOC_SPELLING) &&
		             !(r->when_lost && !lost);
		habits |= (r->kind == RK_DOC_CONFUSION || r->kind == RK_DOC_CHANNEL ||
		           r->kind == RK_DOC_SPELLING) &&
		          !(r->when_lost && !lost);
		doc_steps |= (r->kind == RK_DOC_PARA_END || r->kind == RK_DOC_CONFUSION ||
		              r->kind == RK_DOC_HEADING_NUMBER || r->kind == RK_DOC_LIST_I ||
		              r->kind == RK_DOC_LIST_NUMBER || r->kind == RK_DOC_CHANNEL ||
		              r->kind == RK_DOC_QUOTES || r->kind == RK_DOC_SHAPE_CASE) &&
		             !(r->when_lost && !lost);
	}
	plan_rules(n);
	n->doc = d;
	n->docgen++;
	n->doc_words = doc_rules && n->lex && n->nconf;
	n->doc_habits = habits && n->lex && n->nconf;
	doc_steps |= doc_rules;
	n->ndc = 0;
	lex_map_clear(n->dc_seen);
	for (size_t i = 0; i < n->nwl; i++)
		n->wl[i].n = 0;
	n->nwl = 0;
	lineset_clear(&n->comma_items);
	lineset_clear(&n->quote_lines);
	lineset_clear(&n->bar_items);
	lineset_clear(&n->marked_lines);
	/* word repair's and word-pair's ids as the document's edits will have
	 * them (document steps tell their edits by them) */
	n->repair_interned = n->pair_interned = NULL;
	int interned = 1;
	for (size_t i = 0; i < n->nrules; i++) {
		const char **id = n->rules[i].kind == RK_WORDS   ? &n->repair_interned
		                  : n->rules[i].kind == RK_PAIRS ? &n->pair_interned
		                                                 : NULL;
		if (id && !*id)
			interned &= (*id = doc_intern(d, n->rules[i].b->id)) != NULL;
	}
	if (!interned) {
		n->doc = NULL;
		return ex_fail(err, EX_NOMEM, d->name, 0, 0, "out of memory");
	}
	lex_map_clear(n->unseen_words);
	lineset_clear(&n->rare_lines);
	lex_map_clear(n->vocab);
	for (size_t i = 0; i < n->nleft; i++)
		free(n->left[i].chunk);
	n->nleft = 0;
	lineset_clear(&n->acr);
	lex_map_clear(n->lower);
	for (size_t i = 0; i < n->ncaps; i++)
		free(n->caps[i].chunk);
	n->ncaps = 0;
	size_t hy = n->nrules; /* the dehyphenate step, if any */
	for (size_t i = 0; i < n->nrules; i++)
		if (n->rules[i].kind == RK_HYPHEN && !(n->rules[i].when_lost && !lost)) {
			hy = i;
			break;
		}
	/* Lines go through the rules before the hyphenation step one at a time;
	 * a line meets its successor there, then goes through the rest. */
	struct lstate st[2] = {{.cur = SB_INIT}, {.cur = SB_INIT}};
	struct lstate *prev = &st[0], *cur = &st[1];
	int have_prev = 0, rc = 0;
	size_t pi = 0;
	for (size_t li = 0; li <= d->nlines && rc == 0; li++) {
		if (li < d->nlines) {
			struct doc_line *l = &d->lines[li];
			if (stats)
				stats->lines++;
			if (ls_start(cur, l->orig, l->orig_len, l) < 0 ||
			    run_rules(n, cur, 0, hy, lost, 0) < 0) {
				rc = -1;
				break;
			}
			if (have_prev && hy < n->nrules && d->lines[pi].page == l->page) {
				double t0 = n->prof ? now() : 0;
				unsigned g = prev->gen;
				if (dehyphenate(n, prev, cur, n->rules[hy].b->id) < 0) {
					rc = -1;
					break;
				}
				if (n->prof)
					profile_line(n, hy, t0, prev, g);
			}
		}
		if (have_prev) {
			if (run_rules(n, prev, hy < n->nrules ? hy + 1 : hy, n->nrules, lost, 1) <
			        0 ||
			    finish_line(d, prev, &d->lines[pi], stats) < 0 ||
			    note_line(n, d, pi) < 0) {
				rc = -1;
				break;
			}
		}
		struct lstate *tmp = prev;
		prev = cur;
		cur = tmp;
		pi = li;
		have_prev = li < d->nlines;
	}
	ls_release(&st[0]);
	ls_release(&st[1]);
	/* then the steps that need the whole document */
	for (size_t i = 0; i < n->nrules && rc == 0 && doc_steps; i++) {
		const struct nrule *r = &n->rules[i];
		if ((r->when_lost && !lost) || (r->when_has && !r->has) || r->kind == RK_REGEX ||
		    r->kind == RK_WORDS || r->kind == RK_PAIRS || r->kind == RK_HYPHEN)
			continue;
		if ((r->kind == RK_DOC_ACRONYM || r->kind == RK_DOC_VOCAB ||
		     r->kind == RK_DOC_MARKS || r->kind == RK_DOC_PLACES ||
		     r->kind == RK_DOC_CASE || r->kind == RK_DOC_SPELLING) &&
		    !n->doc_words)
			continue;
		double t0 = n->prof ? now() : 0;
		size_t edited = n->lines_edited;
		if (r->kind == RK_DOC_ACRONYM)
			rc = doc_acronyms(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_VOCAB)
			rc = doc_leftovers(n, d, r->b->id, stats, vocab_match);
		else if (r->kind == RK_DOC_MARKS)
			rc = doc_leftovers(n, d, r->b->id, stats, marks_match);
		else if (r->kind == RK_DOC_PLACES)
			rc = doc_leftovers(n, d, r->b->id, stats, place_match);
		else if (r->kind == RK_DOC_CASE)
			rc = doc_case(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_PARA_END)
			rc = doc_para_end(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_CONFUSION)
			rc = doc_confusion(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_HEADING_NUMBER)
			rc = doc_heading_number(n, d, r->b, stats);
		else if (r->kind == RK_DOC_LIST_I)
			rc = doc_list_i(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_LIST_NUMBER)
			rc = doc_list_number(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_QUOTES)
			rc = doc_quotes(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_CHANNEL)
			rc = doc_channel(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_SPELLING)
			rc = doc_spelling(n, d, r->b->id, stats);
		else if (r->kind == RK_DOC_SHAPE_CASE)
			rc = doc_shape_case(n, d, r->b->id, stats);
		if (n->prof) {
			n->prof[i].asked++;
			n->prof[i].changed += n->lines_edited - edited;
			n->prof[i].seconds += now() - t0;
		}
	}
	n->doc = NULL;
	n->doc_words = 0;
	n->doc_habits = 0;
	if (stats && n->lex) {
		struct lex_stats lex1;
		lex_get_stats(n->lex, &lex1);
		stats->lex_lookups = lex1.lookups - lex0.lookups;
		stats->hunspell_calls = lex1.hunspell_calls - lex0.hunspell_calls;
	}
	if (rc < 0)
		return ex_fail(err, EX_NOMEM, d->name, 0, 0, "out of memory");
	return 0;
}

const char *norm_unfiltered(const struct norm *n)
{
	return n->mask ? NULL : n->unfiltered;
}

int norm_check_rules(struct norm *n,
                     void (*fn)(void *ctx, const char *file, int line, const char *msg), void *ctx,
                     struct ex_error *err)
{
	int failures = 0;
	struct lstate ls = {.cur = SB_INIT};
	struct sb msg = SB_INIT;
	for (size_t i = 0; i < n->nrules; i++) {
		const struct rules_block *b = n->rules[i].b;
		for (size_t k = 0; k < b->nentries; k++) {
			const struct rules_entry *e = &b->entries[k];
			int lost = !strcmp(e->key, "test-lost");
			if (strcmp(e->key, "test") && !lost)
				continue;
			const char *arrow = strstr(e->value, " => ");
			if (!arrow) {
				ls_release(&ls);
				sb_release(&msg);
				return ex_fail(err, EX_RULE, b->file, 0, e->line,
				               "rule '%s': a test reads 'input => expected'",
				               b->id);
			}
			if ((n->rules[i].kind == RK_WORDS || n->rules[i].kind == RK_PAIRS) &&
			    !n->lex)
				continue; /* no lexicon loaded: nothing to test */
			size_t inlen = (size_t)(arrow - e->value);
			const char *want = arrow + 4;
			/* a test is a document of one line */
			for (size_t k2 = 0; k2 < n->nrules; k2++)
				if (n->rules[k2].when_has)
					n->rules[k2].has =
					    memmem(e->value, inlen, n->rules[k2].when_has,
					           strlen(n->rules[k2].when_has)) != NULL;
			plan_rules(n);
			n->lost = lost;
			if (ls_start(&ls, e->value, inlen, NULL) < 0 ||
			    run_rules(n, &ls, 0, n->nrules, lost, 0) < 0) {
				ls_release(&ls);
				sb_release(&msg);
				return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			}
			if (strcmp(ls.cur.buf, want)) {
				failures++;
				sb_reset(&msg);
				sb_addf(&msg, "rule '%s': '%.*s' gave '%s', expected '%s'", b->id,
				        (int)inlen, e->value, ls.cur.buf, want);
				if (fn)
					fn(ctx, b->file, e->line, msg.buf);
			}
		}
	}
	ls_release(&ls);
	sb_release(&msg);
	return failures;
}
