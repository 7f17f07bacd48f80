/* normalise.c - see normalise.h.
 *
 * Rules live in the .rules files of rules/normalise and run in file-name order, top to
 * bottom.  A rule is either
 *	find    = literal text          (PCRE2_LITERAL)
 * or
 *	pattern = regular expression    (PCRE2_UTF | PCRE2_UCP)
 * with `replace` (PCRE2 extended substitution: $1, ${name}, \x{..}) and any
 * number of `test = input => expected` lines, checked by `tjx check-rules`.
 *
 * Edits are tracked as a list of segments per line: a segment is either text
 * copied from the line as read, or replacement text standing for a span of
 * it.  Each rule application rewrites the segment list, so the final edit
 * list always refers to the original text, however many rules touched it.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "normalise.h"

#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "strbuf.h"
#include "utf8.h"

struct nrule {
	const struct rules_block *b; /* owned by norm->set */
	pcre2_code *re;
	PCRE2_SPTR replace;
};

struct norm {
	struct rules_set set;
	struct nrule *rules;
	size_t nrules;
	pcre2_match_data *md;
	float conf_guard;
};

static const char *const rule_keys[] = {"why", "find", "pattern", "replace", "test", NULL};
static const char *const rule_required[] = {"why", "replace", NULL};

static int compile_rule(struct nrule *r, const struct rules_block *b, struct ex_error *err)
{
	const struct rules_entry *find = rules_entry(b, "find");
	const struct rules_entry *pat = rules_entry(b, "pattern");
	if (!!find == !!pat)
		return ex_fail(err, EX_RULE, b->file, 0, b->line,
			       "rule '%s': give exactly one of 'find' and 'pattern'", b->id);
	const struct rules_entry *e = find ? find : pat;
	uint32_t opts = find ? (PCRE2_LITERAL | PCRE2_UTF) : (PCRE2_UTF | PCRE2_UCP);
	int ecode;
	PCRE2_SIZE eoff;
	r->b = b;
	r->replace = (PCRE2_SPTR)rules_get(b, "replace");
	r->re = pcre2_compile((PCRE2_SPTR)e->value, PCRE2_ZERO_TERMINATED, opts, &ecode, &eoff,
			      NULL);
	if (!r->re) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ecode, msg, sizeof(msg));
		return ex_fail(err, EX_RULE, b->file, 0, e->line, "rule '%s': %s at offset %zu",
			       b->id, (const char *)msg, (size_t)eoff);
	}
	/* JIT is an optimisation: without it PCRE2 interprets, correctly. */
	if (rules_jit_enabled())
		pcre2_jit_compile(r->re, PCRE2_JIT_COMPLETE);
	return 0;
}

int norm_new(const struct norm_options *opt, struct norm **out, struct ex_error *err)
{
	*out = NULL;
	struct norm *n = calloc(1, sizeof(*n));
	if (!n)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	n->conf_guard = opt->conf_guard > 0 ? opt->conf_guard : 90;
	struct sb dir = SB_INIT;
	sb_addf(&dir, "%s/normalise", opt->rules_dir);
	int rc = rules_load_dir(&n->set, dir.buf, ".rules", err);
	sb_release(&dir);
	if (rc < 0)
		goto fail;
	n->rules = calloc(n->set.nblocks ? n->set.nblocks : 1, sizeof(*n->rules));
	if (!n->rules) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}
	for (size_t i = 0; i < n->set.nblocks; i++) {
		const struct rules_block *b = &n->set.blocks[i];
		rc = rules_check_keys(b, rule_keys, rule_required, err);
		if (rc < 0)
			goto fail;
		rc = compile_rule(&n->rules[n->nrules], b, err);
		if (rc < 0)
			goto fail;
		n->nrules++;
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
	for (size_t i = 0; i < n->nrules; i++)
		pcre2_code_free(n->rules[i].re);
	free(n->rules);
	pcre2_match_data_free(n->md);
	rules_set_release(&n->set);
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

struct segs {
	struct seg *s;
	size_t n, alloc;
};

static int segs_push(struct segs *ss, struct seg sg)
{
	if (ss->n == ss->alloc) {
		size_t na = ss->alloc ? ss->alloc * 2 : 8;
		struct seg *ns = realloc(ss->s, na * sizeof(*ns));
		if (!ns)
			return -1;
		ss->s = ns;
		ss->alloc = na;
	}
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
				  : ss->n ? ss->s[ss->n - 1].off + ss->s[ss->n - 1].len : 0;
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
		if (segs_replace(ss, orig, rp[k].a, rp[k].b, rp[k].text, rp[k].tlen, rule) < 0)
			return -1;
	return 0;
}

/* Apply one rule to text[0..len); collect replacements. */
static int rule_matches(struct norm *n, const struct nrule *r, const char *text, size_t len,
			struct repl **rp, size_t *nrp)
{
	*rp = NULL;
	*nrp = 0;
	size_t alloc = 0, start = 0;
	while (start <= len) {
		int m = pcre2_match(r->re, (PCRE2_SPTR)text, len, start, 0, n->md, NULL);
		if (m < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(n->md);
		size_t a = ov[0], b = ov[1];
		PCRE2_UCHAR buf[1024];
		PCRE2_SIZE blen = sizeof(buf);
		int s = pcre2_substitute(r->re, (PCRE2_SPTR)text, len, start,
					 PCRE2_SUBSTITUTE_MATCHED | PCRE2_SUBSTITUTE_REPLACEMENT_ONLY |
						 PCRE2_SUBSTITUTE_EXTENDED |
						 PCRE2_SUBSTITUTE_UNSET_EMPTY,
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
			(*rp)[(*nrp)++] = (struct repl){a, b, t, blen};
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

/* Normalise one line of text; on success *segsp describes it. */
static int norm_text(struct norm *n, const char *orig, size_t olen, struct segs *ss, struct sb *cur)
{
	ss->n = 0;
	if (olen && segs_push(ss, (struct seg){0, olen, NULL, 0, NULL}) < 0)
		return -1;
	for (size_t i = 0; i < n->nrules; i++) {
		segs_text(ss, orig, cur);
		struct repl *rp;
		size_t nrp;
		if (rule_matches(n, &n->rules[i], cur->buf, cur->len, &rp, &nrp) < 0) {
			repl_free(rp, nrp);
			return -1;
		}
		if (nrp && segs_apply(ss, orig, rp, nrp, n->rules[i].b->id) < 0) {
			repl_free(rp, nrp);
			return -1;
		}
		repl_free(rp, nrp);
	}
	segs_text(ss, orig, cur);
	return 0;
}

int norm_doc(struct norm *n, struct doc *d, struct norm_stats *stats, struct ex_error *err)
{
	struct segs ss = {0};
	struct sb cur = SB_INIT;
	int rc = 0;
	for (size_t li = 0; li < d->nlines && rc == 0; li++) {
		struct doc_line *l = &d->lines[li];
		if (stats)
			stats->lines++;
		if (norm_text(n, l->orig, l->orig_len, &ss, &cur) < 0) {
			rc = ex_fail(err, EX_NOMEM, d->name, l->page, l->lineno, "out of memory");
			break;
		}
		size_t nedits = 0;
		for (size_t i = 0; i < ss.n; i++)
			nedits += ss.s[i].rule != NULL;
		struct doc_edit *edits = nedits ? calloc(nedits, sizeof(*edits)) : NULL;
		size_t k = 0, pos = 0;
		for (size_t i = 0; i < ss.n && (edits || !nedits); i++) {
			if (ss.s[i].rule) {
				edits[k] = (struct doc_edit){ss.s[i].off, ss.s[i].len, pos,
							     ss.s[i].tlen, strdup(ss.s[i].rule)};
				k++;
			}
			pos += seg_len(&ss.s[i]);
		}
		char *text = sb_detach(&cur, NULL);
		if ((nedits && !edits) || !text) {
			free(edits);
			free(text);
			rc = ex_fail(err, EX_NOMEM, d->name, l->page, l->lineno, "out of memory");
			break;
		}
		if (stats)
			stats->changed += nedits;
		doc_line_replace(l, text, pos, edits, nedits);
		for (size_t i = 0; i < ss.n; i++) {
			free(ss.s[i].text);
			ss.s[i].text = NULL;
		}
	}
	segs_release(&ss);
	sb_release(&cur);
	return rc;
}

int norm_check_rules(struct norm *n,
		     void (*fn)(void *ctx, const char *file, int line, const char *msg), void *ctx,
		     struct ex_error *err)
{
	int failures = 0;
	struct segs ss = {0};
	struct sb cur = SB_INIT, msg = SB_INIT;
	for (size_t i = 0; i < n->nrules; i++) {
		const struct rules_block *b = n->rules[i].b;
		for (size_t k = 0; k < b->nentries; k++) {
			const struct rules_entry *e = &b->entries[k];
			if (strcmp(e->key, "test"))
				continue;
			const char *arrow = strstr(e->value, " => ");
			if (!arrow) {
				segs_release(&ss);
				sb_release(&cur);
				sb_release(&msg);
				return ex_fail(err, EX_RULE, b->file, 0, e->line,
					       "rule '%s': a test reads 'input => expected'", b->id);
			}
			size_t inlen = (size_t)(arrow - e->value);
			const char *want = arrow + 4;
			if (norm_text(n, e->value, inlen, &ss, &cur) < 0) {
				segs_release(&ss);
				sb_release(&cur);
				sb_release(&msg);
				return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			}
			for (size_t s = 0; s < ss.n; s++) {
				free(ss.s[s].text);
				ss.s[s].text = NULL;
			}
			if (strcmp(cur.buf, want)) {
				failures++;
				sb_reset(&msg);
				sb_addf(&msg, "rule '%s': '%.*s' gave '%s', expected '%s'", b->id,
					(int)inlen, e->value, cur.buf, want);
				if (fn)
					fn(ctx, b->file, e->line, msg.buf);
			}
		}
	}
	segs_release(&ss);
	sb_release(&cur);
	sb_release(&msg);
	return failures;
}
