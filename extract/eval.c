/* eval.c - see eval.h */
#include "eval.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "diff.h"
#include "rules.h"
#include "utf8.h"

/* ---- names ------------------------------------------------------------------ */

static const char *const mode_names[EVAL_NMODES] = {"strict", "soft", "levenshtein"};

const char *eval_mode_name(enum eval_mode m)
{
	return (unsigned)m < EVAL_NMODES ? mode_names[m] : "?";
}

int eval_mode_from_name(const char *name)
{
	for (int m = 0; m < EVAL_NMODES; m++)
		if (!strcmp(name, mode_names[m]))
			return m;
	return -1;
}

const char *eval_field_name(int f)
{
	switch (f) {
	case EVAL_F_SECTION_HEADING:
		return "sections/section/@heading";
	case EVAL_F_ATTACHMENT_N:
		return "attachments/attachment/@n";
	case EVAL_F_AMOUNT_SEK:
		return "amounts/amount/@sek";
	default:
		return f >= 0 && f < RF__COUNT ? record_field_path((enum rec_field)f) : "?";
	}
}

int eval_field_from_name(const char *name)
{
	for (int f = 0; f < EVAL_NFIELDS; f++)
		if (!strcmp(name, eval_field_name(f)))
			return f;
	return -1;
}

const char *eval_status_name(enum eval_status s)
{
	switch (s) {
	case EVAL_CASE_OK:
		return "ok";
	case EVAL_CASE_FAILED:
		return "failed";
	case EVAL_CASE_ERROR:
		return "error";
	}
	return "?";
}

/* ---- edit distance ------------------------------------------------------------ */

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
	return (a > b) - (a < b);
}

/* The index of v in the sorted set[0..n), or -1. */
static long find_u32(const uint32_t *set, size_t n, uint32_t v)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (set[mid] < v)
			lo = mid + 1;
		else if (set[mid] > v)
			hi = mid;
		else
			return (long)mid;
	}
	return -1;
}

/* Levenshtein distance by Myers' bit-vector algorithm in Hyyrö's
 * formulation, 64 rows of the dynamic-programming table at a time: time
 * O(n * m / 64), space O(m + symbols).  The pattern a (m > 0 symbols) is
 * down the table, the text b along it.  A symbol's match mask is built for
 * each text position from the list of its places in the pattern, so memory
 * does not grow with the alphabet (words for WER). */
static size_t bitparallel(const uint32_t *a, size_t m, const uint32_t *b, size_t n)
{
	size_t words = (m + 63) / 64, nsym = 0;
	uint32_t *sym = malloc(m * sizeof(uint32_t));
	size_t *start = NULL, *pos = NULL, *fill = NULL;
	uint64_t *vp = NULL, *vn = NULL, *eq = NULL;
	size_t dist = (size_t)-1;
	if (!sym)
		goto out;
	memcpy(sym, a, m * sizeof(uint32_t));
	qsort(sym, m, sizeof(uint32_t), cmp_u32);
	for (size_t i = 0; i < m; i++)
		if (!nsym || sym[nsym - 1] != sym[i])
			sym[nsym++] = sym[i];
	start = calloc(nsym + 1, sizeof(size_t));
	fill = calloc(nsym + 1, sizeof(size_t));
	pos = malloc(m * sizeof(size_t));
	vp = malloc(words * sizeof(uint64_t));
	vn = calloc(words, sizeof(uint64_t));
	eq = calloc(words, sizeof(uint64_t));
	if (!start || !fill || !pos || !vp || !vn || !eq)
		goto out;
	/* the places of each symbol in a, grouped by symbol */
	for (size_t i = 0; i < m; i++)
		start[find_u32(sym, nsym, a[i]) + 1]++;
	for (size_t k = 0; k < nsym; k++)
		start[k + 1] += start[k];
	for (size_t i = 0; i < m; i++) {
		long k = find_u32(sym, nsym, a[i]);
		pos[start[k] + fill[k]++] = i;
	}
	for (size_t w = 0; w < words; w++)
		vp[w] = ~(uint64_t)0;
	uint64_t last = (uint64_t)1 << ((m - 1) % 64);
	dist = m;
	for (size_t j = 0; j < n; j++) {
		long k = find_u32(sym, nsym, b[j]);
		if (k >= 0)
			for (size_t q = start[k]; q < start[k + 1]; q++)
				eq[pos[q] / 64] |= (uint64_t)1 << (pos[q] % 64);
		/* the top row grows by one each column: a +1 comes in from above */
		uint64_t hp_carry = 1, hn_carry = 0;
		for (size_t w = 0; w < words; w++) {
			uint64_t x = eq[w] | hn_carry, v_p = vp[w], v_n = vn[w];
			uint64_t d0 = (((x & v_p) + v_p) ^ v_p) | x | v_n;
			uint64_t hp = v_n | ~(d0 | v_p), hn = d0 & v_p;
			uint64_t hp_in = hp_carry, hn_in = hn_carry;
			if (w + 1 < words) {
				hp_carry = hp >> 63;
				hn_carry = hn >> 63;
			} else {
				hp_carry = (hp & last) != 0;
				hn_carry = (hn & last) != 0;
			}
			hp = (hp << 1) | hp_in;
			hn = (hn << 1) | hn_in;
			vp[w] = hn | ~(d0 | hp);
			vn[w] = hp & d0;
		}
		dist += hp_carry;
		dist -= hn_carry;
		if (k >= 0)
			for (size_t q = start[k]; q < start[k + 1]; q++)
				eq[pos[q] / 64] = 0;
	}
out:
	free(sym);
	free(start);
	free(fill);
	free(pos);
	free(vp);
	free(vn);
	free(eq);
	return dist;
}

size_t eval_distance(const uint32_t *a, size_t n, const uint32_t *b, size_t m, size_t max_dist)
{
	while (n && m && a[0] == b[0]) {
		a++;
		b++;
		n--;
		m--;
	}
	while (n && m && a[n - 1] == b[m - 1]) {
		n--;
		m--;
	}
	size_t gap = n > m ? n - m : m - n, longest = n > m ? n : m;
	if (max_dist && gap > max_dist)
		return max_dist + 1;
	size_t d = !n || !m ? longest : n <= m ? bitparallel(a, n, b, m) : bitparallel(b, m, a, n);
	if (d != (size_t)-1 && max_dist && d > max_dist)
		d = max_dist + 1;
	return d;
}

/* ---- folding ---------------------------------------------------------------- */

/* The code points of s[0..n); *len gets their number.  NULL on no memory. */
static uint32_t *decode(const char *s, size_t n, size_t *len)
{
	uint32_t *cp = malloc((n + 1) * sizeof(uint32_t));
	size_t k = 0, i = 0;
	if (!cp)
		return NULL;
	while (i < n)
		cp[k++] = utf8_next(s, n, &i);
	*len = k;
	return cp;
}

char *eval_soft_fold(const char *s, size_t n)
{
	size_t fl;
	char *f = utf8_casefold(s, n, &fl);
	if (!f)
		return NULL;
	size_t i = 0, o = 0;
	while (i < fl) {
		size_t st = i;
		uint32_t cp = utf8_next(f, fl, &i);
		if (utf8_is_alpha(cp) || utf8_is_digit(cp)) {
			memmove(f + o, f + st, i - st);
			o += i - st;
		}
	}
	f[o] = '\0';
	return f;
}

/* Whether two code point strings are within the Levenshtein cut-off. */
static int lev_close(const uint32_t *a, size_t n, const uint32_t *b, size_t m)
{
	size_t longest = n > m ? n : m;
	if (!longest)
		return 1;
	/* ratio = 1 - d / longest >= cutoff  <=>  d <= (1 - cutoff) * longest */
	size_t maxd = (size_t)floor((1.0 - EVAL_LEV_CUTOFF) * (double)longest + 1e-9);
	if (maxd == 0)
		return n == m && !memcmp(a, b, n * sizeof(uint32_t));
	size_t d = eval_distance(a, n, b, m, maxd);
	if (d == (size_t)-1)
		return -1;
	return d <= maxd;
}

double eval_lev_ratio(const char *a, const char *b)
{
	size_t n, m;
	uint32_t *ca = decode(a, strlen(a), &n), *cb = decode(b, strlen(b), &m);
	double r = -1;
	if (ca && cb) {
		size_t longest = n > m ? n : m;
		size_t d = eval_distance(ca, n, cb, m, 0);
		if (d != (size_t)-1)
			r = longest ? 1.0 - (double)d / (double)longest : 1.0;
	}
	free(ca);
	free(cb);
	return r;
}

int eval_values_match(enum eval_mode mode, const char *expected, const char *extracted)
{
	if (mode == EVAL_STRICT)
		return !strcmp(expected, extracted);
	char *fa = eval_soft_fold(expected, strlen(expected));
	char *fb = eval_soft_fold(extracted, strlen(extracted));
	int rc = -1;
	if (fa && fb) {
		if (mode == EVAL_SOFT || !strcmp(fa, fb)) {
			rc = !strcmp(fa, fb);
		} else {
			size_t n, m;
			uint32_t *ca = decode(fa, strlen(fa), &n), *cb = decode(fb, strlen(fb), &m);
			if (ca && cb)
				rc = lev_close(ca, n, cb, m);
			free(ca);
			free(cb);
		}
	}
	free(fa);
	free(fb);
	return rc;
}

/* ---- CER and WER ------------------------------------------------------------- */

/* NFC, white space runs to one space, none at the ends; as code points. */
static uint32_t *text_points(const char *s, size_t n, size_t *len)
{
	size_t nl;
	char *nfc = utf8_nfc(s, n, &nl);
	if (!nfc)
		return NULL;
	uint32_t *cp = malloc((nl + 1) * sizeof(uint32_t));
	if (!cp) {
		free(nfc);
		return NULL;
	}
	size_t k = 0, i = 0;
	int space = 0;
	while (i < nl) {
		uint32_t c = utf8_next(nfc, nl, &i);
		if (utf8_is_space(c) || c == '\n' || c == '\r' || c == '\t' || c == '\f' ||
		    c == '\v' || c == 0x2028 || c == 0x2029) {
			space = k > 0;
			continue;
		}
		if (space)
			cp[k++] = ' ';
		space = 0;
		cp[k++] = c;
	}
	free(nfc);
	*len = k;
	return cp;
}

struct word {
	const uint32_t *s;
	size_t len;
	uint32_t *slot; /* where its id goes */
};

static int cmp_word(const void *x, const void *y)
{
	const struct word *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	for (size_t i = 0; i < n; i++)
		if (a->s[i] != b->s[i])
			return a->s[i] < b->s[i] ? -1 : 1;
	return (a->len > b->len) - (a->len < b->len);
}

/* Count the words of a normalised code point string. */
static size_t count_words(const uint32_t *cp, size_t n)
{
	size_t w = 0;
	for (size_t i = 0; i < n; i++)
		w += cp[i] != ' ' && (i == 0 || cp[i - 1] == ' ');
	return w;
}

static void fill_words(const uint32_t *cp, size_t n, struct word *w, uint32_t *ids)
{
	size_t k = 0;
	for (size_t i = 0; i < n;) {
		if (cp[i] == ' ') {
			i++;
			continue;
		}
		size_t st = i;
		while (i < n && cp[i] != ' ')
			i++;
		w[k] = (struct word){cp + st, i - st, &ids[k]};
		k++;
	}
}

int eval_text_compare(const char *truth, size_t tn, const char *text, size_t n,
                      struct eval_text_errors *out, struct ex_error *err)
{
	memset(out, 0, sizeof(*out));
	size_t ln = 0, lm = 0;
	uint32_t *a = text_points(truth, tn, &ln), *b = text_points(text, n, &lm);
	uint32_t *ia = NULL, *ib = NULL;
	struct word *w = NULL;
	int rc = -1;
	if (!a || !b)
		goto out;
	out->ref_chars = ln;
	out->char_errors = eval_distance(a, ln, b, lm, 0);
	if (out->char_errors == (size_t)-1)
		goto out;
	size_t wa = count_words(a, ln), wb = count_words(b, lm);
	ia = malloc((wa + 1) * sizeof(uint32_t));
	ib = malloc((wb + 1) * sizeof(uint32_t));
	w = malloc((wa + wb + 1) * sizeof(*w));
	if (!ia || !ib || !w)
		goto out;
	fill_words(a, ln, w, ia);
	fill_words(b, lm, w + wa, ib);
	/* number the distinct words */
	qsort(w, wa + wb, sizeof(*w), cmp_word);
	uint32_t id = 0;
	for (size_t i = 0; i < wa + wb; i++) {
		if (i && cmp_word(&w[i - 1], &w[i]))
			id++;
		*w[i].slot = id;
	}
	out->ref_words = wa;
	out->word_errors = eval_distance(ia, wa, ib, wb, 0);
	if (out->word_errors != (size_t)-1)
		rc = 0;
out:
	free(a);
	free(b);
	free(ia);
	free(ib);
	free(w);
	return rc < 0 ? ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory") : 0;
}

/* ---- scoring records ---------------------------------------------------------- */

struct sval {
	const char *s; /* the value as recorded */
	char *fold;    /* soft form */
	uint32_t *cp;  /* soft form as code points */
	size_t ncp;
};

struct slist {
	struct sval *v;
	size_t n;
};

static void slist_release(struct slist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->v[i].fold);
		free(l->v[i].cp);
	}
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* The values of scored field f in r, in record order. */
static int slist_of(const struct record *r, int f, struct slist *out)
{
	out->n = 0;
	size_t total = r ? record_count(r) : 0;
	out->v = calloc(total + 1, sizeof(*out->v));
	if (!out->v)
		return -1;
	for (size_t i = 0; i < total; i++) {
		const struct rec_value *v = record_get(r, i);
		const char *s = NULL;
		if (f < RF__COUNT)
			s = (int)v->field == f ? v->value : NULL;
		else if (f == EVAL_F_SECTION_HEADING)
			s = v->field == RF_SECTION ? v->qual : NULL;
		else if (f == EVAL_F_ATTACHMENT_N)
			s = v->field == RF_ATTACHMENT ? v->qual : NULL;
		else if (f == EVAL_F_AMOUNT_SEK)
			s = v->field == RF_AMOUNT ? v->qual : NULL;
		if (!s)
			continue;
		struct sval *sv = &out->v[out->n++];
		sv->s = s;
		sv->fold = eval_soft_fold(s, strlen(s));
		if (!sv->fold || !(sv->cp = decode(sv->fold, strlen(sv->fold), &sv->ncp)))
			return -1;
	}
	return 0;
}

static int sval_match(enum eval_mode m, const struct sval *a, const struct sval *b)
{
	if (!strcmp(a->s, b->s))
		return 1;
	if (m == EVAL_STRICT)
		return 0;
	if (!strcmp(a->fold, b->fold))
		return 1;
	if (m == EVAL_SOFT)
		return 0;
	return lev_close(a->cp, a->ncp, b->cp, b->ncp);
}

/* Longest order-keeping one-to-one matching of a and b under mode m. */
static long lcs_count(enum eval_mode m, const struct slist *a, const struct slist *b)
{
	if (!a->n || !b->n)
		return 0;
	size_t *prev = calloc(b->n + 1, sizeof(size_t)), *cur = calloc(b->n + 1, sizeof(size_t));
	long rc = -1;
	if (!prev || !cur)
		goto out;
	for (size_t i = 1; i <= a->n; i++) {
		cur[0] = 0;
		for (size_t j = 1; j <= b->n; j++) {
			size_t best = prev[j] > cur[j - 1] ? prev[j] : cur[j - 1];
			if (prev[j - 1] + 1 > best) {
				int mt = sval_match(m, &a->v[i - 1], &b->v[j - 1]);
				if (mt < 0)
					goto out;
				if (mt)
					best = prev[j - 1] + 1;
			}
			cur[j] = best;
		}
		size_t *t = prev;
		prev = cur;
		cur = t;
	}
	rc = (long)prev[b->n];
out:
	free(prev);
	free(cur);
	return rc;
}

int eval_score_records(const struct record *expected, const struct record *got,
                       struct eval_counts out[EVAL_NFIELDS], struct ex_error *err)
{
	memset(out, 0, sizeof(struct eval_counts) * EVAL_NFIELDS);
	for (int f = 0; f < EVAL_NFIELDS; f++) {
		struct slist a = {0}, b = {0};
		int rc = 0;
		if (slist_of(expected, f, &a) < 0 || slist_of(got, f, &b) < 0)
			rc = -1;
		out[f].expected = a.n;
		out[f].extracted = b.n;
		for (int m = 0; m < EVAL_NMODES && rc == 0; m++) {
			long c = lcs_count((enum eval_mode)m, &a, &b);
			if (c < 0)
				rc = -1;
			else
				out[f].matched[m] = (size_t)c;
		}
		slist_release(&a);
		slist_release(&b);
		if (rc < 0)
			return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	return 0;
}

struct eval_prf eval_prf(size_t expected, size_t extracted, size_t matched)
{
	struct eval_prf p = {0, 0, 0};
	if (extracted)
		p.precision = (double)matched / (double)extracted;
	if (expected)
		p.recall = (double)matched / (double)expected;
	if (p.precision + p.recall > 0)
		p.f1 = 2 * p.precision * p.recall / (p.precision + p.recall);
	return p;
}

/* ---- the report --------------------------------------------------------------- */

struct eval_report {
	char *corpus;
	char *thresholds_file;
	struct eval_case *cases;
	size_t n, alloc;
	struct eval_check *checks;
	size_t nchecks;
};

struct eval_report *eval_report_new(const char *corpus)
{
	struct eval_report *r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	if (!(r->corpus = strdup(corpus ? corpus : ""))) {
		free(r);
		return NULL;
	}
	return r;
}

static void case_release(struct eval_case *c)
{
	free(c->name);
	free(c->input);
	free(c->message);
	free(c->details);
}

static void checks_release(struct eval_report *r)
{
	for (size_t i = 0; i < r->nchecks; i++)
		free(r->checks[i].key);
	free(r->checks);
	r->checks = NULL;
	r->nchecks = 0;
	free(r->thresholds_file);
	r->thresholds_file = NULL;
}

void eval_report_free(struct eval_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		case_release(&r->cases[i]);
	free(r->cases);
	checks_release(r);
	free(r->corpus);
	free(r);
}

size_t eval_report_ncases(const struct eval_report *r)
{
	return r->n;
}

const struct eval_case *eval_report_case(const struct eval_report *r, size_t i)
{
	return i < r->n ? &r->cases[i] : NULL;
}

static int field_differs(const struct eval_counts *c, int m)
{
	return c->matched[m] != c->expected || c->matched[m] != c->extracted;
}

/* "officer/name, title" for the fields that differ in mode m; "" if none. */
static void differing(const struct eval_case *c, int m, struct sb *out)
{
	size_t k = 0;
	for (int f = 0; f < EVAL_NFIELDS; f++)
		if (field_differs(&c->counts[f], m))
			sb_addf(out, "%s%s", k++ ? ", " : "", eval_field_name(f));
}

/* The distinct places named by diff items, for a message. */
static void diff_places(const struct diff_list *l, struct sb *out)
{
	size_t start = out->len;
	for (size_t i = 0; i < l->n; i++) {
		struct sb one = SB_INIT;
		sb_adds(&one, l->items[i].field);
		if (l->items[i].attr)
			sb_addf(&one, "/@%s", l->items[i].attr);
		/* skip when already listed */
		int seen = 0;
		const char *p = out->buf + start;
		size_t ol = one.len;
		while (*p) {
			const char *e = strstr(p, ", ");
			size_t len = e ? (size_t)(e - p) : strlen(p);
			if (len == ol && !memcmp(p, one.buf, ol)) {
				seen = 1;
				break;
			}
			if (!e)
				break;
			p = e + 2;
		}
		if (!seen)
			sb_addf(out, "%s%s", out->len > start ? ", " : "", one.buf);
		sb_release(&one);
	}
}

int eval_report_add(struct eval_report *r, const struct eval_case_data *d, struct ex_error *err)
{
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 16;
		struct eval_case *nc = realloc(r->cases, na * sizeof(*nc));
		if (!nc)
			return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		r->cases = nc;
		r->alloc = na;
	}
	struct eval_case *c = &r->cases[r->n];
	memset(c, 0, sizeof(*c));
	c->match = d->match;
	c->name = strdup(d->name ? d->name : "");
	c->input = d->input ? strdup(d->input) : NULL;
	struct sb msg = SB_INIT, det = SB_INIT;
	struct diff_list dl = {0};
	int rc = 0;
	if (!c->name || (d->input && !c->input))
		goto nomem;
	if (d->expected) {
		c->scored = 1;
		if (eval_score_records(d->expected, d->got, c->counts, err) < 0)
			goto nomem;
	}
	if (d->truth && d->before && d->after) {
		if (eval_text_compare(d->truth, d->truth_len, d->before, d->before_len, &c->text[0],
		                      err) < 0)
			goto nomem;
		/* the normaliser changed nothing: the same figures */
		if (d->after_len == d->before_len && !memcmp(d->after, d->before, d->after_len))
			c->text[1] = c->text[0];
		else if (eval_text_compare(d->truth, d->truth_len, d->after, d->after_len,
		                           &c->text[1], err) < 0)
			goto nomem;
		c->has_text = 1;
	}
	if (d->expected && d->got) {
		if (diff_records(d->expected, d->got, 0, &dl, err) < 0)
			goto nomem;
		if (dl.n) {
			static const char *const kinds[3] = {"spurious", "missed", "wrong"};
			sb_adds(&det, "(- expected, + extracted)\n");
			diff_format_list_as(&dl, kinds, &det);
		}
	}
	if (!d->expected || !d->got) {
		c->status = EVAL_CASE_ERROR;
		sb_adds(&msg, d->error ? d->error : "no record");
	} else if (d->match == EVAL_MATCH_EXACT) {
		c->identical = d->expected_xml && d->got_xml && d->expected_len == d->got_len &&
		               !memcmp(d->expected_xml, d->got_xml, d->got_len);
		if (!c->identical) {
			c->status = EVAL_CASE_FAILED;
			sb_adds(&msg, "the record differs from expected.xml");
			if (dl.n) {
				sb_adds(&msg, ": ");
				diff_places(&dl, &msg);
			} else {
				sb_adds(&msg, " in layout only (every value is equal)");
			}
		}
	} else if (strcmp(record_source(d->expected)->sha256, record_source(d->got)->sha256)) {
		c->status = EVAL_CASE_FAILED;
		sb_addf(&msg,
		        "expected.xml is not about this input: its source/@sha256 is %s, the "
		        "input's %s",
		        record_source(d->expected)->sha256[0] ? record_source(d->expected)->sha256
		                                              : "empty",
		        record_source(d->got)->sha256);
	}
	if (msg.oom || det.oom)
		goto nomem;
	if (msg.len && !(c->message = sb_detach(&msg, NULL)))
		goto nomem;
	if (det.len && !(c->details = sb_detach(&det, NULL)))
		goto nomem;
	r->n++;
	goto out;
nomem:
	case_release(c);
	rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
out:
	diff_list_release(&dl);
	sb_release(&msg);
	sb_release(&det);
	return rc;
}

struct eval_counts eval_report_field(const struct eval_report *r, int field)
{
	struct eval_counts t;
	memset(&t, 0, sizeof(t));
	if (field < 0 || field >= EVAL_NFIELDS)
		return t;
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_case *c = &r->cases[i];
		if (!c->scored)
			continue;
		t.expected += c->counts[field].expected;
		t.extracted += c->counts[field].extracted;
		for (int m = 0; m < EVAL_NMODES; m++)
			t.matched[m] += c->counts[field].matched[m];
	}
	return t;
}

static struct eval_counts micro_counts(const struct eval_report *r)
{
	struct eval_counts t;
	memset(&t, 0, sizeof(t));
	for (int f = 0; f < EVAL_NFIELDS; f++) {
		struct eval_counts c = eval_report_field(r, f);
		t.expected += c.expected;
		t.extracted += c.extracted;
		for (int m = 0; m < EVAL_NMODES; m++)
			t.matched[m] += c.matched[m];
	}
	return t;
}

/* The macro average in mode m; returns the number of fields measured. */
static int macro_prf(const struct eval_report *r, int m, struct eval_prf *out)
{
	int k = 0;
	struct eval_prf sum = {0, 0, 0};
	for (int f = 0; f < EVAL_NFIELDS; f++) {
		struct eval_counts c = eval_report_field(r, f);
		if (!c.expected && !c.extracted)
			continue;
		struct eval_prf p = eval_prf(c.expected, c.extracted, c.matched[m]);
		sum.precision += p.precision;
		sum.recall += p.recall;
		sum.f1 += p.f1;
		k++;
	}
	if (k) {
		sum.precision /= k;
		sum.recall /= k;
		sum.f1 /= k;
	}
	*out = sum;
	return k;
}

/* Cases scored, and of them those whose every field matched in mode m. */
static void record_accuracy(const struct eval_report *r, int m, size_t *scored, size_t *correct)
{
	*scored = *correct = 0;
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_case *c = &r->cases[i];
		if (!c->scored)
			continue;
		(*scored)++;
		int ok = 1;
		for (int f = 0; f < EVAL_NFIELDS && ok; f++)
			ok = !field_differs(&c->counts[f], m);
		*correct += ok;
	}
}

/* Text totals: [0] before, [1] after; returns the number of cases. */
static size_t text_totals(const struct eval_report *r, struct eval_text_errors t[2])
{
	size_t k = 0;
	memset(t, 0, 2 * sizeof(*t));
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_case *c = &r->cases[i];
		if (!c->has_text)
			continue;
		k++;
		for (int s = 0; s < 2; s++) {
			t[s].ref_chars += c->text[s].ref_chars;
			t[s].char_errors += c->text[s].char_errors;
			t[s].ref_words += c->text[s].ref_words;
			t[s].word_errors += c->text[s].word_errors;
		}
	}
	return k;
}

static int prf_metric(const char *name)
{
	if (!strcmp(name, "precision"))
		return 0;
	if (!strcmp(name, "recall"))
		return 1;
	if (!strcmp(name, "f1"))
		return 2;
	return -1;
}

static double prf_get(const struct eval_prf *p, int metric)
{
	return metric == 0 ? p->precision : metric == 1 ? p->recall : p->f1;
}

/* Split a key into at most 4 dot-separated parts (copies in buf). */
static int split_key(const char *key, char *buf, size_t size, char *parts[4])
{
	if (strlen(key) >= size)
		return -1;
	strcpy(buf, key);
	int n = 0;
	char *p = buf;
	for (;;) {
		if (n == 4)
			return -1;
		parts[n++] = p;
		char *dot = strchr(p, '.');
		if (!dot)
			break;
		*dot = '\0';
		p = dot + 1;
	}
	for (int i = 0; i < n; i++)
		if (!*parts[i])
			return -1;
	return n;
}

int eval_report_figure(const struct eval_report *r, const char *key, double *v)
{
	char buf[256];
	char *p[4];
	int n = split_key(key, buf, sizeof(buf), p);
	if (n == 2 && (!strcmp(p[0], "cer") || !strcmp(p[0], "wer"))) {
		int side = !strcmp(p[1], "before") ? 0 : !strcmp(p[1], "after") ? 1 : -1;
		if (side < 0)
			return -1;
		struct eval_text_errors t[2];
		if (!r || !text_totals(r, t))
			return 0;
		size_t ref = p[0][0] == 'c' ? t[side].ref_chars : t[side].ref_words;
		size_t errs = p[0][0] == 'c' ? t[side].char_errors : t[side].word_errors;
		if (!ref)
			return 0;
		*v = (double)errs / (double)ref;
		return 1;
	}
	if (n != 3)
		return -1;
	int m = eval_mode_from_name(p[1]);
	if (m < 0)
		return -1;
	if (!strcmp(p[0], "record")) {
		if (strcmp(p[2], "accuracy"))
			return -1;
		size_t scored, correct;
		if (!r)
			return 0;
		record_accuracy(r, m, &scored, &correct);
		if (!scored)
			return 0;
		*v = (double)correct / (double)scored;
		return 1;
	}
	int metric = prf_metric(p[2]);
	if (metric < 0)
		return -1;
	if (!strcmp(p[0], "micro")) {
		if (!r)
			return 0;
		struct eval_counts c = micro_counts(r);
		if (!c.expected && !c.extracted)
			return 0;
		struct eval_prf pr = eval_prf(c.expected, c.extracted, c.matched[m]);
		*v = prf_get(&pr, metric);
		return 1;
	}
	if (!strcmp(p[0], "macro")) {
		struct eval_prf pr;
		if (!r || !macro_prf(r, m, &pr))
			return 0;
		*v = prf_get(&pr, metric);
		return 1;
	}
	int f = eval_field_from_name(p[0]);
	if (f < 0)
		return -1;
	if (!r)
		return 0;
	struct eval_counts c = eval_report_field(r, f);
	if (!c.expected && !c.extracted)
		return 0;
	struct eval_prf pr = eval_prf(c.expected, c.extracted, c.matched[m]);
	*v = prf_get(&pr, metric);
	return 1;
}

int eval_key_check(const char *key, struct ex_error *err)
{
	double v;
	if (eval_report_figure(NULL, key, &v) >= 0)
		return 0;
	return ex_fail(
	    err, EX_USAGE, NULL, 0, 0,
	    "'%s' names no figure: expected <field|micro|macro>.<strict|soft|levenshtein>."
	    "<precision|recall|f1>, record.<mode>.accuracy, or <cer|wer>.<before|after>",
	    key);
}

/* ---- thresholds ---------------------------------------------------------------- */

void eval_thresholds_release(struct eval_thresholds *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++)
		free(t->items[i].key);
	free(t->items);
	free(t->file);
	memset(t, 0, sizeof(*t));
}

static int is_rate(const char *key)
{
	return !strncmp(key, "cer.", 4) || !strncmp(key, "wer.", 4);
}

static char *trim(char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
	return s;
}

/* Parse "0.85" or "85%" into a fraction; -1 when malformed or out of range. */
static int parse_fraction(const char *s, double *out, int *percent)
{
	char *end;
	errno = 0;
	double v = strtod(s, &end);
	if (end == s || errno)
		return -1;
	*percent = 0;
	if (*end == '%') {
		*percent = 1;
		v /= 100;
		end++;
	}
	while (*end == ' ' || *end == '\t')
		end++;
	if (*end || !(v >= 0 && v <= 1))
		return -1;
	*out = v;
	return 0;
}

/* One "key = value" line of a thresholds file: the figure key, the bound and
 * the limit.  Returns 0, or -1 with msg filled. */
static int parse_threshold(char *line, struct eval_threshold *t, int *percent, char *msg,
                           size_t msize)
{
	char *eq = strchr(line, '=');
	if (!eq) {
		snprintf(msg, msize, "expected 'key = value', got '%s'", line);
		return -1;
	}
	*eq = '\0';
	char *key = trim(line), *val = trim(eq + 1);
	size_t kl = strlen(key);
	int is_max;
	if (kl > 4 && !strcmp(key + kl - 4, ".min"))
		is_max = 0;
	else if (kl > 4 && !strcmp(key + kl - 4, ".max"))
		is_max = 1;
	else {
		snprintf(msg, msize, "'%s': a threshold key ends in .min or .max", key);
		return -1;
	}
	key[kl - 4] = '\0';
	struct ex_error e;
	ex_clear(&e);
	if (eval_key_check(key, &e) < 0) {
		snprintf(msg, msize, "%s", e.msg);
		return -1;
	}
	if (is_rate(key) != is_max) {
		snprintf(msg, msize, "'%s' is %s: its threshold is a .%s", key,
		         is_max ? "a score" : "an error rate", is_max ? "min" : "max");
		return -1;
	}
	if (parse_fraction(val, &t->limit, percent) < 0) {
		snprintf(msg, msize,
		         "'%s': the value must be a fraction from 0 to 1 or a percentage", val);
		return -1;
	}
	t->is_max = is_max;
	t->key = key; /* points into line; the caller copies */
	return 0;
}

struct tload {
	struct eval_thresholds *t;
	const char *path;
	struct ex_error *err;
};

static int threshold_line(void *vctx, char *line, int lineno)
{
	struct tload *c = vctx;
	struct eval_threshold th;
	int percent;
	char msg[600];
	if (parse_threshold(line, &th, &percent, msg, sizeof(msg)) < 0)
		return ex_fail(c->err, EX_USAGE, c->path, 0, lineno, "%s", msg);
	for (size_t i = 0; i < c->t->n; i++)
		if (!strcmp(c->t->items[i].key, th.key) && c->t->items[i].is_max == th.is_max)
			return ex_fail(c->err, EX_USAGE, c->path, 0, lineno,
			               "'%s.%s' is already set on line %d", th.key,
			               th.is_max ? "max" : "min", c->t->items[i].line);
	struct eval_threshold *ni = realloc(c->t->items, (c->t->n + 1) * sizeof(*ni));
	if (!ni)
		return ex_fail(c->err, EX_NOMEM, NULL, 0, 0, "out of memory");
	c->t->items = ni;
	th.line = lineno;
	if (!(th.key = strdup(th.key)))
		return ex_fail(c->err, EX_NOMEM, NULL, 0, 0, "out of memory");
	c->t->items[c->t->n++] = th;
	return 0;
}

int eval_thresholds_load(const char *path, struct eval_thresholds *t, struct ex_error *err)
{
	memset(t, 0, sizeof(*t));
	if (!(t->file = strdup(path)))
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	struct tload c = {t, path, err};
	int rc = rules_read_lines(path, threshold_line, &c, err);
	if (rc < 0) {
		if (err && (err->code == EX_DEP || err->code == EX_IO))
			err->code = EX_USAGE; /* a thresholds file named on the command line */
		eval_thresholds_release(t);
		return err ? -(int)err->code : rc;
	}
	return 0;
}

/* Figures are compared as printed: rounded to four decimals. */
static long long r4(double x)
{
	return llround(x * 10000.0);
}

int eval_report_check(struct eval_report *r, const struct eval_thresholds *t, struct ex_error *err)
{
	checks_release(r);
	if (t->file && !(r->thresholds_file = strdup(t->file)))
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	r->checks = calloc(t->n + 1, sizeof(*r->checks));
	if (!r->checks)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	int failed = 0;
	for (size_t i = 0; i < t->n; i++) {
		const struct eval_threshold *th = &t->items[i];
		struct eval_check *c = &r->checks[i];
		if (!(c->key = strdup(th->key)))
			return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		r->nchecks++;
		c->is_max = th->is_max;
		c->limit = th->limit;
		double v = 0;
		c->measured = eval_report_figure(r, th->key, &v) == 1;
		c->value = v;
		c->pass =
		    c->measured && (th->is_max ? r4(v) <= r4(th->limit) : r4(v) >= r4(th->limit));
		failed += !c->pass;
	}
	return failed;
}

size_t eval_report_nchecks(const struct eval_report *r)
{
	return r->nchecks;
}

const struct eval_check *eval_report_get_check(const struct eval_report *r, size_t i)
{
	return i < r->nchecks ? &r->checks[i] : NULL;
}

int eval_report_passed(const struct eval_report *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->cases[i].status != EVAL_CASE_OK)
			return 0;
	for (size_t i = 0; i < r->nchecks; i++)
		if (!r->checks[i].pass)
			return 0;
	return 1;
}

int eval_thresholds_raise(const struct eval_report *r, const char *text, size_t len, struct sb *out,
                          size_t *changed, struct ex_error *err)
{
	size_t nchanged = 0;
	const char *p = text, *end = text + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t ll = nl ? (size_t)(nl - p) : (size_t)(end - p);
		/* the part before a comment */
		size_t code = 0;
		while (code < ll && p[code] != '#')
			code++;
		char *line = strndup(p, code);
		if (!line)
			return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		struct eval_threshold th;
		int percent = 0;
		char msg[600];
		const char *eq = memchr(p, '=', code);
		int rewritten = 0;
		if (*trim(line) && eq &&
		    parse_threshold(line, &th, &percent, msg, sizeof(msg)) == 0) {
			double v;
			if (eval_report_figure(r, th.key, &v) == 1 &&
			    (th.is_max ? r4(v) < r4(th.limit) : r4(v) > r4(th.limit))) {
				/* keep the text up to the value, and what follows it */
				const char *vs = eq + 1;
				while (vs < p + code && (*vs == ' ' || *vs == '\t'))
					vs++;
				const char *ve = p + code;
				while (ve > vs &&
				       (ve[-1] == ' ' || ve[-1] == '\t' || ve[-1] == '\r'))
					ve--;
				sb_add(out, p, (size_t)(vs - p));
				if (percent)
					sb_addf(out, "%.2f%%", (double)r4(v) / 100.0);
				else
					sb_addf(out, "%.4f", (double)r4(v) / 10000.0);
				sb_add(out, ve, (size_t)(p + ll - ve));
				rewritten = 1;
				nchanged++;
			}
		}
		free(line);
		if (!rewritten)
			sb_add(out, p, ll);
		if (nl)
			sb_addc(out, '\n');
		p = nl ? nl + 1 : end;
	}
	if (changed)
		*changed = nchanged;
	return out->oom ? ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory") : 0;
}

/* ---- output: table --------------------------------------------------------------- */

static void pct(struct sb *out, double v)
{
	sb_addf(out, "%7.2f", (double)r4(v) / 100.0);
}

static void case_f1(const struct eval_case *c, int m, struct sb *out)
{
	struct eval_counts t;
	memset(&t, 0, sizeof(t));
	for (int f = 0; f < EVAL_NFIELDS; f++) {
		t.expected += c->counts[f].expected;
		t.extracted += c->counts[f].extracted;
		t.matched[m] += c->counts[f].matched[m];
	}
	if (!t.expected && !t.extracted) {
		sb_adds(out, "      -");
		return;
	}
	pct(out, eval_prf(t.expected, t.extracted, t.matched[m]).f1);
}

static size_t name_width(const struct eval_report *r)
{
	size_t w = 4;
	for (size_t i = 0; i < r->n; i++) {
		size_t l = strlen(r->cases[i].name);
		if (l > w)
			w = l;
	}
	return w > 40 ? 40 : w;
}

static void rate(struct sb *out, size_t errs, size_t ref)
{
	if (!ref)
		sb_adds(out, "      -");
	else
		pct(out, (double)errs / (double)ref);
}

int eval_format_table(const struct eval_report *r, struct sb *out)
{
	size_t nexact = 0, nfail = 0, nerr = 0;
	for (size_t i = 0; i < r->n; i++) {
		nexact += r->cases[i].match == EVAL_MATCH_EXACT;
		nfail += r->cases[i].status == EVAL_CASE_FAILED;
		nerr += r->cases[i].status == EVAL_CASE_ERROR;
	}
	sb_addf(out, "tjx eval %s: %zu case%s (%zu exact, %zu scored), %zu failed, %zu error%s\n\n",
	        r->corpus, r->n, r->n == 1 ? "" : "s", nexact, r->n - nexact, nfail, nerr,
	        nerr == 1 ? "" : "s");

	/* cases */
	int w = (int)name_width(r);
	sb_adds(out, "Cases (figures in percent)\n");
	sb_addf(out, "%-*s  %-6s  %-6s  %7s %7s %7s  %7s %7s\n", w, "case", "match", "status",
	        "strict", "soft", "lev", "CER", "CER");
	sb_addf(out, "%-*s  %-6s  %-6s  %7s %7s %7s  %7s %7s\n", w, "", "", "", "F1", "F1", "F1",
	        "before", "after");
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_case *c = &r->cases[i];
		sb_addf(out, "%-*s  %-6s  %-6s ", w, c->name,
		        c->match == EVAL_MATCH_EXACT ? "exact" : "scored",
		        eval_status_name(c->status));
		for (int m = 0; m < EVAL_NMODES; m++) {
			sb_addc(out, ' ');
			if (c->scored)
				case_f1(c, m, out);
			else
				sb_adds(out, "      -");
		}
		sb_addc(out, ' ');
		for (int s = 0; s < 2; s++) {
			sb_addc(out, ' ');
			if (c->has_text)
				rate(out, c->text[s].char_errors, c->text[s].ref_chars);
			else
				sb_adds(out, "      -");
		}
		sb_addc(out, '\n');
		if (c->message)
			sb_addf(out, "%*s  %s\n", w, "", c->message);
	}

	/* fields, one block per mode */
	static const char *const titles[EVAL_NMODES] = {
	    "values equal",
	    "case, white space and punctuation folded",
	    "Levenshtein ratio of the soft forms >= 0.80",
	};
	for (int m = 0; m < EVAL_NMODES; m++) {
		sb_addf(out, "\n%s matching (%s; percent)\n",
		        m == 0   ? "Strict"
		        : m == 1 ? "Soft"
		                 : "Levenshtein",
		        titles[m]);
		sb_addf(out, "%-34s %8s %9s %7s %9s %7s %7s\n", "field", "expected", "extracted",
		        "matched", "precision", "recall", "f1");
		for (int f = 0; f < EVAL_NFIELDS; f++) {
			struct eval_counts c = eval_report_field(r, f);
			if (!c.expected && !c.extracted)
				continue;
			struct eval_prf p = eval_prf(c.expected, c.extracted, c.matched[m]);
			sb_addf(out, "%-34s %8zu %9zu %7zu  ", eval_field_name(f), c.expected,
			        c.extracted, c.matched[m]);
			pct(out, p.precision);
			sb_adds(out, " ");
			pct(out, p.recall);
			sb_adds(out, " ");
			pct(out, p.f1);
			sb_addc(out, '\n');
		}
		struct eval_counts t = micro_counts(r);
		struct eval_prf p = eval_prf(t.expected, t.extracted, t.matched[m]);
		sb_addf(out, "%-34s %8zu %9zu %7zu  ", "micro average", t.expected, t.extracted,
		        t.matched[m]);
		pct(out, p.precision);
		sb_adds(out, " ");
		pct(out, p.recall);
		sb_adds(out, " ");
		pct(out, p.f1);
		sb_addc(out, '\n');
		struct eval_prf mp;
		int k = macro_prf(r, m, &mp);
		char label[64];
		snprintf(label, sizeof(label), "macro average (%d fields)", k);
		sb_addf(out, "%-34s %8s %9s %7s  ", label, "", "", "");
		pct(out, mp.precision);
		sb_adds(out, " ");
		pct(out, mp.recall);
		sb_adds(out, " ");
		pct(out, mp.f1);
		sb_addc(out, '\n');
	}

	/* records */
	sb_adds(out, "\nRecord accuracy (every field right)\n");
	for (int m = 0; m < EVAL_NMODES; m++) {
		size_t scored, correct;
		record_accuracy(r, m, &scored, &correct);
		sb_addf(out, "  %-12s %3zu of %3zu  ", mode_names[m], correct, scored);
		if (scored)
			pct(out, (double)correct / (double)scored);
		else
			sb_adds(out, "      -");
		sb_addc(out, '\n');
	}

	/* text */
	struct eval_text_errors t[2];
	size_t nt = text_totals(r, t);
	sb_addf(out, "\nText against truth.txt (%zu case%s, %zu characters, %zu words)\n", nt,
	        nt == 1 ? "" : "s", t[0].ref_chars, t[0].ref_words);
	sb_addf(out, "  %-12s %7s %7s\n", "", "before", "after");
	sb_addf(out, "  %-12s ", "CER");
	rate(out, t[0].char_errors, t[0].ref_chars);
	sb_adds(out, " ");
	rate(out, t[1].char_errors, t[1].ref_chars);
	sb_addf(out, "\n  %-12s ", "WER");
	rate(out, t[0].word_errors, t[0].ref_words);
	sb_adds(out, " ");
	rate(out, t[1].word_errors, t[1].ref_words);
	sb_addc(out, '\n');

	/* thresholds */
	if (r->thresholds_file) {
		size_t nf = 0;
		for (size_t i = 0; i < r->nchecks; i++)
			nf += !r->checks[i].pass;
		sb_addf(out, "\nThresholds (%s): %zu checked, %zu not met\n", r->thresholds_file,
		        r->nchecks, nf);
		for (size_t i = 0; i < r->nchecks; i++) {
			const struct eval_check *c = &r->checks[i];
			if (c->pass)
				continue;
			if (!c->measured)
				sb_addf(out, "  %s.%s: not measured (no values in the corpus)\n",
				        c->key, c->is_max ? "max" : "min");
			else
				sb_addf(out, "  %s.%s: %.2f%% is %s the %s %.2f%%\n", c->key,
				        c->is_max ? "max" : "min", (double)r4(c->value) / 100.0,
				        c->is_max ? "above" : "below",
				        c->is_max ? "maximum" : "minimum",
				        (double)r4(c->limit) / 100.0);
		}
	}
	sb_addf(out, "\n%s\n", eval_report_passed(r) ? "PASS" : "FAIL");
	return out->oom ? -1 : 0;
}

/* ---- output: JSON ----------------------------------------------------------------- */

static void json_str(struct sb *out, const char *s)
{
	if (!s) {
		sb_adds(out, "null");
		return;
	}
	sb_addc(out, '"');
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t st = i;
		uint32_t cp = utf8_next(s, n, &i);
		switch (cp) {
		case '"':
			sb_adds(out, "\\\"");
			break;
		case '\\':
			sb_adds(out, "\\\\");
			break;
		case '\n':
			sb_adds(out, "\\n");
			break;
		case '\r':
			sb_adds(out, "\\r");
			break;
		case '\t':
			sb_adds(out, "\\t");
			break;
		default:
			if (cp < 0x20)
				sb_addf(out, "\\u%04x", (unsigned)cp);
			else if (cp == 0xFFFD && i - st != 3)
				sb_adds(out, "\\ufffd");
			else
				sb_add(out, s + st, i - st);
		}
	}
	sb_addc(out, '"');
}

static void json_num(struct sb *out, double v)
{
	sb_addf(out, "%.4f", (double)r4(v) / 10000.0);
}

static void json_prf(struct sb *out, const struct eval_prf *p)
{
	sb_adds(out, "{\"precision\": ");
	json_num(out, p->precision);
	sb_adds(out, ", \"recall\": ");
	json_num(out, p->recall);
	sb_adds(out, ", \"f1\": ");
	json_num(out, p->f1);
	sb_addc(out, '}');
}

static void json_rate(struct sb *out, size_t errs, size_t ref)
{
	if (ref)
		json_num(out, (double)errs / (double)ref);
	else
		sb_adds(out, "null");
}

static void json_text(struct sb *out, const struct eval_text_errors t[2])
{
	sb_addf(out, "{\"chars\": %zu, \"words\": %zu, \"cer\": {\"before\": ", t[0].ref_chars,
	        t[0].ref_words);
	json_rate(out, t[0].char_errors, t[0].ref_chars);
	sb_adds(out, ", \"after\": ");
	json_rate(out, t[1].char_errors, t[1].ref_chars);
	sb_adds(out, "}, \"wer\": {\"before\": ");
	json_rate(out, t[0].word_errors, t[0].ref_words);
	sb_adds(out, ", \"after\": ");
	json_rate(out, t[1].word_errors, t[1].ref_words);
	sb_adds(out, "}}");
}

/* {"expected": E, "extracted": X, "<mode>": {"matched", "precision",
 * "recall", "f1"}, ...} for one set of counts (a field's, or the micro sum). */
static void json_counts(struct sb *out, const struct eval_counts *c)
{
	sb_addf(out, "{\"expected\": %zu, \"extracted\": %zu", c->expected, c->extracted);
	for (int m = 0; m < EVAL_NMODES; m++) {
		struct eval_prf p = eval_prf(c->expected, c->extracted, c->matched[m]);
		sb_addf(out, ", \"%s\": {\"matched\": %zu, \"precision\": ", mode_names[m],
		        c->matched[m]);
		json_num(out, p.precision);
		sb_adds(out, ", \"recall\": ");
		json_num(out, p.recall);
		sb_adds(out, ", \"f1\": ");
		json_num(out, p.f1);
		sb_addc(out, '}');
	}
	sb_addc(out, '}');
}

int eval_format_json(const struct eval_report *r, struct sb *out)
{
	size_t nexact = 0, nfail = 0, nerr = 0;
	for (size_t i = 0; i < r->n; i++) {
		nexact += r->cases[i].match == EVAL_MATCH_EXACT;
		nfail += r->cases[i].status == EVAL_CASE_FAILED;
		nerr += r->cases[i].status == EVAL_CASE_ERROR;
	}
	sb_adds(out, "{\n  \"corpus\": ");
	json_str(out, r->corpus);
	sb_addf(out, ",\n  \"passed\": %s,\n", eval_report_passed(r) ? "true" : "false");
	sb_adds(out, "  \"levenshtein_cutoff\": ");
	json_num(out, EVAL_LEV_CUTOFF);
	sb_addf(out,
	        ",\n  \"summary\": {\"cases\": %zu, \"exact\": %zu, \"scored\": %zu, \"ok\": %zu, "
	        "\"failed\": %zu, \"errors\": %zu},\n",
	        r->n, nexact, r->n - nexact, r->n - nfail - nerr, nfail, nerr);

	sb_adds(out, "  \"cases\": [");
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_case *c = &r->cases[i];
		sb_adds(out, i ? ",\n    {" : "\n    {");
		sb_adds(out, "\"name\": ");
		json_str(out, c->name);
		sb_adds(out, ", \"input\": ");
		json_str(out, c->input);
		sb_addf(out, ", \"match\": \"%s\", \"status\": \"%s\", \"message\": ",
		        c->match == EVAL_MATCH_EXACT ? "exact" : "scored",
		        eval_status_name(c->status));
		json_str(out, c->message);
		sb_adds(out, ",\n     \"identical\": ");
		sb_adds(out, c->match != EVAL_MATCH_EXACT || c->status == EVAL_CASE_ERROR ? "null"
		             : c->identical                                               ? "true"
		                            : "false");
		sb_adds(out, ", \"scores\": ");
		if (!c->scored) {
			sb_adds(out, "null, \"differing_fields\": null, \"fields\": null");
		} else {
			struct eval_counts t;
			memset(&t, 0, sizeof(t));
			for (int f = 0; f < EVAL_NFIELDS; f++) {
				t.expected += c->counts[f].expected;
				t.extracted += c->counts[f].extracted;
				for (int m = 0; m < EVAL_NMODES; m++)
					t.matched[m] += c->counts[f].matched[m];
			}
			sb_addc(out, '{');
			for (int m = 0; m < EVAL_NMODES; m++) {
				struct eval_prf p = eval_prf(t.expected, t.extracted, t.matched[m]);
				sb_addf(out, "%s\"%s\": ", m ? ", " : "", mode_names[m]);
				json_prf(out, &p);
			}
			sb_adds(out, "},\n     \"differing_fields\": {");
			for (int m = 0; m < EVAL_NMODES; m++) {
				sb_addf(out, "%s\"%s\": [", m ? ", " : "", mode_names[m]);
				int k = 0;
				for (int f = 0; f < EVAL_NFIELDS; f++)
					if (field_differs(&c->counts[f], m)) {
						sb_adds(out, k++ ? ", " : "");
						json_str(out, eval_field_name(f));
					}
				sb_addc(out, ']');
			}
			sb_adds(out, "},\n     \"fields\": {");
			int k = 0;
			for (int f = 0; f < EVAL_NFIELDS; f++) {
				const struct eval_counts *fc = &c->counts[f];
				if (!fc->expected && !fc->extracted)
					continue;
				sb_adds(out, k++ ? ", " : "");
				json_str(out, eval_field_name(f));
				sb_addf(out,
				        ": {\"expected\": %zu, \"extracted\": %zu, \"matched\": "
				        "{\"strict\": %zu, \"soft\": %zu, \"levenshtein\": %zu}}",
				        fc->expected, fc->extracted, fc->matched[EVAL_STRICT],
				        fc->matched[EVAL_SOFT], fc->matched[EVAL_LEVENSHTEIN]);
			}
			sb_addc(out, '}');
		}
		sb_adds(out, ",\n     \"text\": ");
		if (c->has_text)
			json_text(out, c->text);
		else
			sb_adds(out, "null");
		sb_adds(out, ",\n     \"differences\": ");
		json_str(out, c->details);
		sb_addc(out, '}');
	}
	sb_adds(out, r->n ? "\n  ],\n" : "],\n");

	sb_adds(out, "  \"fields\": {");
	int k = 0;
	for (int f = 0; f < EVAL_NFIELDS; f++) {
		struct eval_counts c = eval_report_field(r, f);
		if (!c.expected && !c.extracted)
			continue;
		sb_adds(out, k++ ? ",\n    " : "\n    ");
		json_str(out, eval_field_name(f));
		sb_adds(out, ": ");
		json_counts(out, &c);
	}
	sb_adds(out, k ? "\n  },\n" : "},\n");

	struct eval_counts t = micro_counts(r);
	sb_adds(out, "  \"micro\": ");
	json_counts(out, &t);
	sb_adds(out, ",\n");
	struct eval_prf mp;
	int nf = macro_prf(r, 0, &mp);
	sb_addf(out, "  \"macro\": {\"fields\": %d", nf);
	for (int m = 0; m < EVAL_NMODES; m++) {
		macro_prf(r, m, &mp);
		sb_addf(out, ", \"%s\": ", mode_names[m]);
		json_prf(out, &mp);
	}
	sb_adds(out, "},\n");

	size_t scored, correct;
	record_accuracy(r, 0, &scored, &correct);
	sb_addf(out, "  \"records\": {\"scored\": %zu", scored);
	for (int m = 0; m < EVAL_NMODES; m++) {
		record_accuracy(r, m, &scored, &correct);
		sb_addf(out, ", \"%s\": {\"correct\": %zu, \"accuracy\": ", mode_names[m], correct);
		if (scored)
			json_num(out, (double)correct / (double)scored);
		else
			sb_adds(out, "null");
		sb_addc(out, '}');
	}
	sb_adds(out, "},\n");

	struct eval_text_errors te[2];
	size_t nt = text_totals(r, te);
	sb_addf(out, "  \"text\": {\"cases\": %zu, \"totals\": ", nt);
	json_text(out, te);
	sb_adds(out, "},\n");

	sb_adds(out, "  \"thresholds\": ");
	if (!r->thresholds_file) {
		sb_adds(out, "null\n}\n");
		return out->oom ? -1 : 0;
	}
	size_t nfailed = 0;
	for (size_t i = 0; i < r->nchecks; i++)
		nfailed += !r->checks[i].pass;
	sb_adds(out, "{\"file\": ");
	json_str(out, r->thresholds_file);
	sb_addf(out, ", \"checked\": %zu, \"failed\": %zu, \"checks\": [", r->nchecks, nfailed);
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct eval_check *c = &r->checks[i];
		sb_adds(out, i ? ",\n    {\"key\": " : "\n    {\"key\": ");
		json_str(out, c->key);
		sb_addf(out, ", \"bound\": \"%s\", \"limit\": ", c->is_max ? "max" : "min");
		json_num(out, c->limit);
		sb_adds(out, ", \"value\": ");
		if (c->measured)
			json_num(out, c->value);
		else
			sb_adds(out, "null");
		sb_addf(out, ", \"pass\": %s}", c->pass ? "true" : "false");
	}
	sb_adds(out, r->nchecks ? "\n  ]}\n}\n" : "]}\n}\n");
	return out->oom ? -1 : 0;
}

/* ---- output: JUnit ------------------------------------------------------------------ */

static void check_message(const struct eval_check *c, struct sb *out)
{
	if (!c->measured)
		sb_addf(out, "%s could not be measured: the corpus has no values for it", c->key);
	else
		sb_addf(out, "%s is %.2f%%, %s the %s %.2f%%", c->key, (double)r4(c->value) / 100.0,
		        c->pass     ? "within"
		        : c->is_max ? "above"
		                    : "below",
		        c->is_max ? "maximum" : "minimum", (double)r4(c->limit) / 100.0);
}

static void case_summary(const struct eval_case *c, struct sb *out)
{
	if (c->scored) {
		for (int m = 0; m < EVAL_NMODES; m++) {
			struct sb d = SB_INIT;
			differing(c, m, &d);
			sb_addf(out, "%s: %s\n", mode_names[m],
			        d.len ? d.buf : "every field matches");
			sb_release(&d);
		}
	}
	if (c->has_text)
		sb_addf(out, "CER before %.2f%%, after %.2f%%; WER before %.2f%%, after %.2f%%\n",
		        c->text[0].ref_chars
		            ? 100.0 * (double)c->text[0].char_errors / (double)c->text[0].ref_chars
		            : 0.0,
		        c->text[1].ref_chars
		            ? 100.0 * (double)c->text[1].char_errors / (double)c->text[1].ref_chars
		            : 0.0,
		        c->text[0].ref_words
		            ? 100.0 * (double)c->text[0].word_errors / (double)c->text[0].ref_words
		            : 0.0,
		        c->text[1].ref_words
		            ? 100.0 * (double)c->text[1].word_errors / (double)c->text[1].ref_words
		            : 0.0);
	if (c->details)
		sb_adds(out, c->details);
}

int eval_format_junit(const struct eval_report *r, struct sb *out)
{
	size_t nfail = 0, nerr = 0, tfail = 0;
	for (size_t i = 0; i < r->n; i++) {
		nfail += r->cases[i].status == EVAL_CASE_FAILED;
		nerr += r->cases[i].status == EVAL_CASE_ERROR;
	}
	for (size_t i = 0; i < r->nchecks; i++)
		tfail += !r->checks[i].pass;
	struct sb tmp = SB_INIT;
	sb_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	sb_addf(out,
	        "<testsuites name=\"tjx eval\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\">\n",
	        r->n + r->nchecks, nfail + tfail, nerr);
	sb_adds(out, "  <testsuite name=\"");
	diff_xml_escape(out, r->corpus, 1);
	sb_addf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" skipped=\"0\">\n", r->n,
	        nfail, nerr);
	for (size_t i = 0; i < r->n; i++) {
		const struct eval_case *c = &r->cases[i];
		sb_adds(out, "    <testcase classname=\"tjx.eval.cases\" name=\"");
		diff_xml_escape(out, c->name, 1);
		sb_adds(out, "\">\n");
		if (c->status != EVAL_CASE_OK) {
			const char *el = c->status == EVAL_CASE_ERROR ? "error" : "failure";
			sb_addf(out, "      <%s type=\"%s\" message=\"", el,
			        c->status == EVAL_CASE_ERROR   ? "error"
			        : c->match == EVAL_MATCH_EXACT ? "exact"
			                                       : "source");
			diff_xml_escape(out, c->message ? c->message : "", 1);
			sb_adds(out, "\">");
			if (c->details)
				diff_xml_escape(out, c->details, 0);
			sb_addf(out, "</%s>\n", el);
		}
		sb_reset(&tmp);
		case_summary(c, &tmp);
		if (tmp.len) {
			sb_adds(out, "      <system-out>");
			diff_xml_escape(out, tmp.buf, 0);
			sb_adds(out, "</system-out>\n");
		}
		sb_adds(out, "    </testcase>\n");
	}
	sb_adds(out, "  </testsuite>\n");
	sb_adds(out, "  <testsuite name=\"thresholds");
	if (r->thresholds_file) {
		sb_adds(out, " (");
		diff_xml_escape(out, r->thresholds_file, 1);
		sb_addc(out, ')');
	}
	sb_addf(out, "\" tests=\"%zu\" failures=\"%zu\" errors=\"0\" skipped=\"0\">\n", r->nchecks,
	        tfail);
	for (size_t i = 0; i < r->nchecks; i++) {
		const struct eval_check *c = &r->checks[i];
		sb_adds(out, "    <testcase classname=\"tjx.eval.thresholds\" name=\"");
		diff_xml_escape(out, c->key, 1);
		sb_addf(out, ".%s\"", c->is_max ? "max" : "min");
		sb_reset(&tmp);
		check_message(c, &tmp);
		if (c->pass) {
			sb_adds(out, ">\n      <system-out>");
			diff_xml_escape(out, tmp.buf, 0);
			sb_adds(out, "</system-out>\n    </testcase>\n");
		} else {
			sb_adds(out, ">\n      <failure type=\"threshold\" message=\"");
			diff_xml_escape(out, tmp.buf, 1);
			sb_adds(out, "\"/>\n    </testcase>\n");
		}
	}
	sb_adds(out, "  </testsuite>\n</testsuites>\n");
	int oom = tmp.oom;
	sb_release(&tmp);
	return out->oom || oom ? -1 : 0;
}

/* ---- running a corpus ------------------------------------------------------------ */

static int cmp_strp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int is_file(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

struct names {
	char **v;
	size_t n;
};

static void names_release(struct names *n)
{
	for (size_t i = 0; i < n->n; i++)
		free(n->v[i]);
	free(n->v);
	n->v = NULL;
	n->n = 0;
}

/* The entries of dir not starting with '.', that are folders (want_dirs)
 * or whose names start with `prefix` (files), sorted by name. */
static int list_dir(const char *dir, int want_dirs, const char *prefix, struct names *out,
                    struct ex_error *err)
{
	out->v = NULL;
	out->n = 0;
	DIR *d = opendir(dir);
	if (!d)
		return ex_fail(err, errno == ENOENT || errno == ENOTDIR ? EX_USAGE : EX_IO, dir, 0,
		               0, "cannot read the folder: %s", strerror(errno));
	struct dirent *e;
	struct sb path = SB_INIT;
	int rc = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		sb_reset(&path);
		sb_addf(&path, "%s/%s", dir, e->d_name);
		if (want_dirs ? !is_dir(path.buf)
		              : strncmp(e->d_name, prefix, strlen(prefix)) || !is_file(path.buf))
			continue;
		char **nv = realloc(out->v, (out->n + 1) * sizeof(*nv));
		if (!nv || !(nv[out->n] = strdup(e->d_name))) {
			if (nv)
				out->v = nv;
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			break;
		}
		out->v = nv;
		out->n++;
	}
	closedir(d);
	sb_release(&path);
	if (rc < 0) {
		names_release(out);
		return rc;
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(char *), cmp_strp);
	return 0;
}

struct conf_ctx {
	enum eval_match match;
	const char *path;
	struct ex_error *err;
};

static int conf_line(void *vctx, char *line, int lineno)
{
	struct conf_ctx *c = vctx;
	char *eq = strchr(line, '=');
	if (!eq)
		return ex_fail(c->err, EX_INPUT, c->path, 0, lineno,
		               "expected 'key = value', got '%s'", line);
	*eq = '\0';
	char *key = trim(line), *val = trim(eq + 1);
	if (strcmp(key, "match"))
		return 0; /* seed, made, note: for people */
	if (!strcmp(val, "exact"))
		c->match = EVAL_MATCH_EXACT;
	else if (!strcmp(val, "scored"))
		c->match = EVAL_MATCH_SCORED;
	else
		return ex_fail(c->err, EX_INPUT, c->path, 0, lineno,
		               "match is 'exact' or 'scored', not '%s'", val);
	return 0;
}

/* The document's text, lines joined by line feeds: as read (orig) or now. */
static int doc_text(const struct doc *d, int orig, struct sb *out)
{
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *l = &d->lines[i];
		if (orig)
			sb_add(out, l->orig, l->orig_len);
		else
			sb_add(out, l->text, l->len);
		sb_addc(out, '\n');
	}
	return out->oom ? -1 : 0;
}

static int read_file(const char *path, struct sb *out, struct ex_error *err)
{
	if (sb_read_file(out, path) < 0)
		return ex_fail(err, errno == ENOMEM ? EX_NOMEM : EX_IO, path, 0, 0,
		               "cannot read: %s", strerror(errno));
	return 0;
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What the pipeline made of one case's input. */
struct run_out {
	struct ex_error e; /* e.code != EX_OK: the pipeline failed (or no input) */
	int has_doc;       /* the input was read: before and after hold its text */
	struct sb input;   /* the input's file name, "" when there is none */
	struct sb xml, before, after;
};

static void run_out_release(struct run_out *o)
{
	sb_release(&o->input);
	sb_release(&o->xml);
	sb_release(&o->before);
	sb_release(&o->after);
}

/* The one input.* file of a case folder (its name into *name), or an error. */
static int find_input(const char *dir, struct sb *name, struct ex_error *err)
{
	struct names inputs = {0};
	int rc = list_dir(dir, 0, "input.", &inputs, err);
	if (rc == 0 && inputs.n != 1)
		rc = ex_fail(err, EX_INPUT, dir, 0, 0,
		             inputs.n ? "more than one input.* file" : "no input.* file");
	if (rc == 0 && sb_adds(name, inputs.v[0]) < 0)
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	names_release(&inputs);
	return rc;
}

/* Run the pipeline on the case's input: read, normalise, extract.  The
 * input is named "<case>/<input>" in its record, as `tjx run CORPUS` names
 * it. */
static void run_pipeline(struct pipe *p, const char *dir, const char *name, struct run_out *o)
{
	struct doc *d = NULL;
	struct sb path = SB_INIT, source = SB_INIT;
	ex_clear(&o->e);
	if (find_input(dir, &o->input, &o->e) < 0)
		goto out;
	sb_addf(&path, "%s/%s", dir, o->input.buf);
	sb_addf(&source, "%s/%s", name, o->input.buf);
	if (path.oom || source.oom) {
		ex_fail(&o->e, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	if (pipe_read(p, path.buf, source.buf, &d, &o->e) < 0)
		goto out;
	if (doc_text(d, 1, &o->before) < 0 || pipe_normalise(p, d, &o->e) < 0)
		goto out;
	if (doc_text(d, 0, &o->after) < 0)
		goto out;
	o->has_doc = 1;
	pipe_record(p, d, &o->xml, NULL, &o->e);
out:
	if (o->e.code == EX_OK && (o->before.oom || o->after.oom || o->xml.oom))
		ex_fail(&o->e, EX_NOMEM, NULL, 0, 0, "out of memory");
	doc_free(d);
	sb_release(&path);
	sb_release(&source);
}

/* A child's results travel through a file: one line "code page line
 * has_doc len(input) len(xml) len(before) len(after) len(file) len(msg)",
 * then those strings, back to back. */
static int run_out_save(const struct run_out *o, const char *path)
{
	FILE *f = fopen(path, "wb");
	if (!f)
		return -1;
	const char *parts[] = {o->input.buf, o->xml.buf, o->before.buf,
	                       o->after.buf, o->e.file,  o->e.msg};
	size_t lens[] = {o->input.len, o->xml.len,        o->before.len,
	                 o->after.len, strlen(o->e.file), strlen(o->e.msg)};
	fprintf(f, "%d %d %d %d", (int)o->e.code, o->e.page, o->e.line, o->has_doc);
	for (int i = 0; i < 6; i++)
		fprintf(f, " %zu", lens[i]);
	fputc('\n', f);
	for (int i = 0; i < 6; i++)
		fwrite(parts[i], 1, lens[i], f);
	int bad = ferror(f);
	return fclose(f) == 0 && !bad ? 0 : -1;
}

static int run_out_load(struct run_out *o, const char *path)
{
	struct sb b = SB_INIT;
	if (sb_read_file(&b, path) < 0)
		return -1;
	int code, page, line, has_doc, used = 0;
	size_t lens[6];
	int rc = -1;
	if (sscanf(b.buf, "%d %d %d %d %zu %zu %zu %zu %zu %zu\n%n", &code, &page, &line, &has_doc,
	           &lens[0], &lens[1], &lens[2], &lens[3], &lens[4], &lens[5], &used) < 10 ||
	    !used)
		goto out;
	size_t off = (size_t)used, total = 0;
	for (int i = 0; i < 6; i++)
		total += lens[i];
	if (off + total != b.len || lens[4] >= sizeof(o->e.file) || lens[5] >= sizeof(o->e.msg))
		goto out;
	struct sb *dst[] = {&o->input, &o->xml, &o->before, &o->after};
	for (int i = 0; i < 4; i++) {
		sb_add(dst[i], b.buf + off, lens[i]);
		off += lens[i];
	}
	memcpy(o->e.file, b.buf + off, lens[4]);
	o->e.file[lens[4]] = '\0';
	off += lens[4];
	memcpy(o->e.msg, b.buf + off, lens[5]);
	o->e.msg[lens[5]] = '\0';
	o->e.code = (enum ex_code)code;
	o->e.page = page;
	o->e.line = line;
	o->has_doc = has_doc;
	rc = o->input.oom || o->xml.oom || o->before.oom || o->after.oom ? -1 : 0;
out:
	sb_release(&b);
	return rc;
}

/* Score one case from what the pipeline made of it and add it to the
 * report.  Returns 0 when the case was added (whatever its outcome),
 * negative when the whole run must stop (no memory, missing OCR data). */
static int score_case(struct eval_report *r, const char *dir, const char *name, struct run_out *o,
                      struct ex_error *err)
{
	if (o->e.code == EX_DEP || o->e.code == EX_RULE || o->e.code == EX_NOMEM) {
		/* no OCR data, no memory: nothing after this would mean anything */
		if (err)
			*err = o->e;
		return -(int)o->e.code;
	}
	struct eval_case_data cd;
	memset(&cd, 0, sizeof(cd));
	cd.name = name;
	cd.input = o->input.len ? o->input.buf : NULL;
	struct sb path = SB_INIT, msg = SB_INIT, exp = SB_INIT, truth = SB_INIT;
	struct record *expected = NULL, *got = NULL;
	struct ex_error e = o->e;
	int rc = 0;

	/* case.conf, expected.xml, truth.txt: a broken one makes an error case */
	sb_addf(&path, "%s/case.conf", dir);
	struct ex_error ce;
	ex_clear(&ce);
	struct conf_ctx cc = {EVAL_MATCH_SCORED, path.buf, &ce};
	if (is_file(path.buf) && rules_read_lines(path.buf, conf_line, &cc, &ce) < 0)
		goto case_error_ce;
	cd.match = cc.match;
	sb_reset(&path);
	sb_addf(&path, "%s/expected.xml", dir);
	if (read_file(path.buf, &exp, &ce) < 0 ||
	    record_parse(exp.buf, exp.len, path.buf, &expected, &ce) < 0)
		goto case_error_ce;
	cd.expected = expected;
	cd.expected_xml = exp.buf;
	cd.expected_len = exp.len;
	sb_reset(&path);
	sb_addf(&path, "%s/truth.txt", dir);
	if (is_file(path.buf)) {
		if (read_file(path.buf, &truth, &ce) < 0)
			goto case_error_ce;
		if (!utf8_valid(truth.buf, truth.len)) {
			ex_fail(&ce, EX_INPUT, path.buf, 0, 0, "not UTF-8");
			goto case_error_ce;
		}
		if (o->has_doc) {
			cd.truth = truth.buf;
			cd.truth_len = truth.len;
			cd.before = o->before.buf;
			cd.before_len = o->before.len;
			cd.after = o->after.buf;
			cd.after_len = o->after.len;
		}
	}
	/* the record */
	if (e.code == EX_OK &&
	    record_parse(o->xml.buf, o->xml.len, cd.input ? cd.input : name, &got, &e) == 0) {
		cd.got = got;
		cd.got_xml = o->xml.buf;
		cd.got_len = o->xml.len;
		goto add;
	}
	goto case_error;
case_error_ce:
	e = ce;
case_error : {
	if (e.code == EX_NOMEM)
		goto nomem;
	char buf[1200];
	ex_format(&e, buf, sizeof(buf));
	sb_adds(&msg, buf);
	if (msg.oom)
		goto nomem;
	cd.error = msg.buf;
}
add:
	rc = eval_report_add(r, &cd, err);
	goto out;
nomem:
	rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
out:
	sb_release(&path);
	sb_release(&msg);
	sb_release(&exp);
	sb_release(&truth);
	record_free(expected);
	record_free(got);
	return rc;
}

/* One case of a run. */
struct job {
	char *dir;
	const char *name;
	struct run_out out;
	pid_t pid; /* its worker, while it runs */
	int done;  /* out is filled */
	double t0, seconds;
};

/* Score the finished cases that are next in name order. */
static int score_ready(struct eval_report *r, struct job *jobs, size_t n, size_t *next,
                       const struct eval_options *opt, struct ex_error *err)
{
	while (*next < n && jobs[*next].done) {
		struct job *j = &jobs[*next];
		int rc = score_case(r, j->dir, j->name, &j->out, err);
		run_out_release(&j->out);
		if (rc < 0)
			return rc;
		if (opt->progress)
			opt->progress(opt->ctx, &r->cases[r->n - 1], *next, n, j->seconds);
		(*next)++;
	}
	return 0;
}

static int run_serial(struct eval_report *r, struct pipe *p, struct job *jobs, size_t n,
                      const struct eval_options *opt, struct ex_error *err)
{
	size_t next = 0;
	for (size_t i = 0; i < n; i++) {
		double t0 = now();
		run_pipeline(p, jobs[i].dir, jobs[i].name, &jobs[i].out);
		jobs[i].seconds = now() - t0;
		jobs[i].done = 1;
		int rc = score_ready(r, jobs, n, &next, opt, err);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Each case's pipeline in a worker process of its own (at most opt->jobs
 * at a time): the cases run side by side, and one that crashes is an error
 * case rather than the end of the run.  Results come back through files in
 * a private temporary folder; scoring stays in this process, in name order. */
static int run_parallel(struct eval_report *r, struct pipe *p, struct job *jobs, size_t n,
                        const struct eval_options *opt, struct ex_error *err)
{
	const char *tmpdir = getenv("TMPDIR");
	struct sb tmp = SB_INIT, file = SB_INIT;
	sb_addf(&tmp, "%s/tjx-eval-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (tmp.oom || !mkdtemp(tmp.buf)) {
		int rc = ex_fail(err, EX_IO, tmp.buf, 0, 0, "cannot make a temporary folder: %s",
		                 strerror(errno));
		sb_release(&tmp);
		return rc;
	}
	size_t launched = 0, running = 0, next = 0;
	int rc = 0;
	for (;;) {
		while (rc == 0 && running < (size_t)opt->jobs && launched < n) {
			struct job *j = &jobs[launched];
			sb_reset(&file);
			sb_addf(&file, "%s/%zu", tmp.buf, launched);
			j->t0 = now();
			fflush(NULL);
			pid_t pid = fork();
			if (pid < 0) {
				rc = ex_fail(err, EX_INTERNAL, NULL, 0, 0,
				             "cannot start a worker: %s", strerror(errno));
				break;
			}
			if (pid == 0) {
				run_pipeline(p, j->dir, j->name, &j->out);
				_exit(run_out_save(&j->out, file.buf) == 0 ? 0 : 1);
			}
			j->pid = pid;
			launched++;
			running++;
		}
		if (!running)
			break;
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			rc = ex_fail(err, EX_INTERNAL, NULL, 0, 0, "waiting for a worker: %s",
			             strerror(errno));
			break;
		}
		size_t k = 0;
		while (k < launched && (jobs[k].done || jobs[k].pid != w))
			k++;
		if (k == launched)
			continue; /* not one of ours */
		struct job *j = &jobs[k];
		running--;
		j->done = 1;
		j->seconds = now() - j->t0;
		sb_reset(&file);
		sb_addf(&file, "%s/%zu", tmp.buf, k);
		if (WIFEXITED(st) && WEXITSTATUS(st) == 0 && run_out_load(&j->out, file.buf) == 0) {
			/* loaded */
		} else if (WIFSIGNALED(st)) {
			ex_fail(&j->out.e, EX_INTERNAL, j->dir, 0, 0,
			        "the pipeline crashed (signal %d)", WTERMSIG(st));
		} else {
			ex_fail(&j->out.e, EX_INTERNAL, j->dir, 0, 0,
			        "the worker could not report its results");
		}
		unlink(file.buf);
		if (rc == 0)
			rc = score_ready(r, jobs, n, &next, opt, err);
	}
	/* after a failure, wait for the workers still running */
	while (running) {
		int st;
		pid_t w = waitpid(-1, &st, 0);
		if (w < 0 && errno != EINTR)
			break;
		for (size_t k = 0; w > 0 && k < launched; k++)
			if (!jobs[k].done && jobs[k].pid == w) {
				jobs[k].done = 1;
				running--;
				sb_reset(&file);
				sb_addf(&file, "%s/%zu", tmp.buf, k);
				unlink(file.buf);
			}
	}
	rmdir(tmp.buf);
	sb_release(&tmp);
	sb_release(&file);
	return rc;
}

int eval_corpus(const char *corpus, const struct eval_options *opt, struct eval_report **out,
                struct ex_error *err)
{
	*out = NULL;
	if (!is_dir(corpus))
		return ex_fail(err, EX_USAGE, corpus, 0, 0, "not a folder");
	struct names cases = {0};
	struct sb path = SB_INIT;
	int single = 0;
	sb_addf(&path, "%s/expected.xml", corpus);
	if (is_file(path.buf)) {
		/* a case folder given alone: the case is named after it */
		single = 1;
		char *nm = strdup(corpus);
		cases.v = malloc(sizeof(char *));
		if (!cases.v || !nm) {
			free(nm);
			free(cases.v);
			sb_release(&path);
			return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		}
		size_t l = strlen(nm);
		while (l > 1 && nm[l - 1] == '/')
			nm[--l] = '\0';
		char *slash = strrchr(nm, '/');
		if (slash && slash[1])
			memmove(nm, slash + 1, strlen(slash + 1) + 1);
		cases.v[0] = nm;
		cases.n = 1;
	} else if (list_dir(corpus, 1, "", &cases, err) < 0) {
		sb_release(&path);
		return -err->code;
	}
	if (!cases.n) {
		sb_release(&path);
		names_release(&cases);
		return ex_fail(err, EX_USAGE, corpus, 0, 0, "no cases: no sub-folders");
	}
	struct pipe_options po = opt->pipe;
	po.no_provenance = 1; /* expected.xml carries none */
	po.lenient = 1;       /* score what was found, even when a required field is missing */
	struct pipe *p = NULL;
	struct eval_report *r = NULL;
	struct job *jobs = NULL;
	int rc = pipe_new(&po, &p, err);
	if (rc < 0)
		goto out;
	if (!(r = eval_report_new(corpus)) || !(jobs = calloc(cases.n, sizeof(*jobs)))) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cases.n; i++) {
		sb_reset(&path);
		if (single)
			sb_adds(&path, corpus);
		else
			sb_addf(&path, "%s/%s", corpus, cases.v[i]);
		jobs[i].name = cases.v[i];
		sb_init(&jobs[i].out.input);
		sb_init(&jobs[i].out.xml);
		sb_init(&jobs[i].out.before);
		sb_init(&jobs[i].out.after);
		if (path.oom || !(jobs[i].dir = strdup(path.buf))) {
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			goto out;
		}
	}
	if (opt->jobs > 1 && cases.n > 1)
		rc = run_parallel(r, p, jobs, cases.n, opt, err);
	else
		rc = run_serial(r, p, jobs, cases.n, opt, err);
	if (rc < 0)
		goto out;
	*out = r;
	r = NULL;
	rc = 0;
out:
	if (jobs)
		for (size_t i = 0; i < cases.n; i++) {
			free(jobs[i].dir);
			run_out_release(&jobs[i].out);
		}
	free(jobs);
	eval_report_free(r);
	pipe_free(p);
	names_release(&cases);
	sb_release(&path);
	return rc;
}
