/* diff.c - see diff.h */
#include "diff.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "eval.h"
#include "utf8.h"

const char *diff_kind_name(enum diff_kind k)
{
	switch (k) {
	case DIFF_ADDED:
		return "added";
	case DIFF_REMOVED:
		return "removed";
	case DIFF_CHANGED:
		return "changed";
	}
	return "?";
}

void diff_list_release(struct diff_list *l)
{
	if (!l)
		return;
	for (size_t i = 0; i < l->n; i++) {
		free(l->items[i].path);
		free(l->items[i].old_value);
		free(l->items[i].new_value);
	}
	free(l->items);
	l->items = NULL;
	l->n = l->alloc = 0;
}

/* The attribute that carries rec_value.qual for a field, or NULL.  A
 * decision's @n is its place (validation holds decisions to 1..n), which the
 * index already says: it is not compared. */
static const char *qual_attr(enum rec_field f)
{
	switch (f) {
	case RF_ATTACHMENT:
		return "n";
	case RF_SECTION:
		return "heading";
	case RF_AMOUNT:
		return "sek";
	default:
		return NULL;
	}
}

/* Fields inside a group element (signatories/signatory/name) have two
 * slashes in their path; consecutive ones with the same prefix form a group. */
static int is_grouped(enum rec_field f)
{
	const char *p = record_field_path(f), *s = strchr(p, '/');
	return s && strchr(s + 1, '/');
}

static size_t prefix_len(enum rec_field f)
{
	const char *p = record_field_path(f);
	return (size_t)(strrchr(p, '/') - p);
}

static int same_group(enum rec_field a, enum rec_field b)
{
	if (!is_grouped(a) || !is_grouped(b))
		return 0;
	size_t la = prefix_len(a), lb = prefix_len(b);
	return la == lb && !memcmp(record_field_path(a), record_field_path(b), la);
}

static const char *leaf_name(enum rec_field f)
{
	return strrchr(record_field_path(f), '/') + 1;
}

/* ---- building the list ---------------------------------------------------- */

struct ctx {
	struct diff_list *out;
	unsigned flags;
	int oom;
	int added;
};

static char *xstrdup(struct ctx *c, const char *s)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		c->oom = 1;
	return d;
}

static void emit(struct ctx *c, enum diff_kind kind, const char *path, const char *field,
                 const char *attr, int oi, int ni, const char *ov, const char *nv)
{
	if (c->oom)
		return;
	struct diff_list *l = c->out;
	if (l->n == l->alloc) {
		size_t na = l->alloc ? l->alloc * 2 : 16;
		struct diff_item *it = realloc(l->items, na * sizeof(*it));
		if (!it) {
			c->oom = 1;
			return;
		}
		l->items = it;
		l->alloc = na;
	}
	struct diff_item *it = &l->items[l->n];
	memset(it, 0, sizeof(*it));
	it->kind = kind;
	it->field = field;
	it->attr = attr;
	it->old_index = oi;
	it->new_index = ni;
	it->path = xstrdup(c, path);
	it->old_value = xstrdup(c, ov);
	it->new_value = xstrdup(c, nv);
	if (c->oom) {
		free(it->path);
		free(it->old_value);
		free(it->new_value);
		return;
	}
	l->n++;
	c->added++;
}

/* old/new strings (either may be NULL): added, removed, changed or nothing */
static void emit_pair(struct ctx *c, const char *path, const char *field, const char *attr, int oi,
                      int ni, const char *ov, const char *nv)
{
	if (!ov && !nv)
		return;
	if (ov && nv && !strcmp(ov, nv))
		return;
	enum diff_kind k = !ov ? DIFF_ADDED : !nv ? DIFF_REMOVED : DIFF_CHANGED;
	emit(c, k, path, field, attr, oi, ni, ov, nv);
}

static const char *str_or_empty(const char *s)
{
	return s ? s : "";
}

static int eq_str(const char *a, const char *b)
{
	return !strcmp(str_or_empty(a), str_or_empty(b));
}

/* Values equal for alignment: value and qualifier, and provenance when asked. */
static int eq_value(const struct rec_value *a, const struct rec_value *b, unsigned flags)
{
	if (!a || !b)
		return a == b;
	if (strcmp(a->value, b->value) || (qual_attr(a->field) && !eq_str(a->qual, b->qual)))
		return 0;
	if (flags & DIFF_PROVENANCE)
		return a->page == b->page && a->line == b->line && a->conf == b->conf &&
		       (a->raw == NULL) == (b->raw == NULL) && eq_str(a->raw, b->raw);
	return 1;
}

/* An integer attribute as a string, NULL when absent (0, or -1 for conf). */
static const char *int_str(char *buf, size_t size, int v, int absent)
{
	if (v == absent || (absent == 0 && v <= 0))
		return NULL;
	snprintf(buf, size, "%d", v);
	return buf;
}

/* Report how one value changed into another (either may be NULL: added or
 * removed); `base` is its path ("sections/section[3]"). */
static void compare_values(struct ctx *c, enum rec_field f, const char *base, int oi, int ni,
                           const struct rec_value *a, const struct rec_value *b)
{
	const char *field = record_field_path(f);
	const char *qa = qual_attr(f);
	struct sb p = SB_INIT;
	if (qa) {
		sb_addf(&p, "%s/@%s", base, qa);
		emit_pair(c, p.buf, field, qa, oi, ni, a ? a->qual : NULL, b ? b->qual : NULL);
	}
	emit_pair(c, base, field, NULL, oi, ni, a ? a->value : NULL, b ? b->value : NULL);
	if ((c->flags & DIFF_PROVENANCE) && a && b) {
		static const char *const attrs[] = {"page", "line", "conf", "raw"};
		for (int k = 0; k < 4; k++) {
			char ba[16], bb[16];
			const char *va, *vb;
			if (k == 0) {
				va = int_str(ba, sizeof(ba), a->page, 0);
				vb = int_str(bb, sizeof(bb), b->page, 0);
			} else if (k == 1) {
				va = int_str(ba, sizeof(ba), a->line, 0);
				vb = int_str(bb, sizeof(bb), b->line, 0);
			} else if (k == 2) {
				va = int_str(ba, sizeof(ba), a->conf, -1);
				vb = int_str(bb, sizeof(bb), b->conf, -1);
				if (a->conf < -1 || b->conf < -1) /* not expected; keep exact */
					va = va ? va : "", vb = vb ? vb : "";
			} else {
				va = a->raw;
				vb = b->raw;
			}
			sb_reset(&p);
			sb_addf(&p, "%s/@%s", base, attrs[k]);
			emit_pair(c, p.buf, field, attrs[k], oi, ni, va, vb);
		}
	}
	if (p.oom)
		c->oom = 1;
	sb_release(&p);
}

/* ---- alignment ------------------------------------------------------------ */

enum op_kind { OP_SAME, OP_CHANGE, OP_DEL, OP_ADD };

struct op {
	enum op_kind kind;
	size_t i, j; /* indices into old and new; the one not used is 0 */
};

typedef int (*cmp_fn)(void *ctx, size_t i, size_t j);

/* LCS table of old[ia[0..an)] against new[ib[0..bm)] under pred:
 * L[i * (bm + 1) + j] = LCS length of the suffixes from i and j. */
static unsigned *lcs_table(const size_t *ia, size_t an, const size_t *ib, size_t bm, cmp_fn pred,
                           void *ctx)
{
	size_t w = bm + 1;
	unsigned *L = calloc((an + 1) * w, sizeof(*L));
	if (!L)
		return NULL;
	for (size_t i = an; i-- > 0;)
		for (size_t j = bm; j-- > 0;) {
			unsigned d = L[(i + 1) * w + j], r = L[i * w + j + 1];
			unsigned best = d >= r ? d : r;
			if (L[(i + 1) * w + j + 1] + 1 > best && pred(ctx, ia[i], ib[j]))
				best = L[(i + 1) * w + j + 1] + 1;
			L[i * w + j] = best;
		}
	return L;
}

/* Emit a run of unmatched old and new items: paired in place (k-th with
 * k-th) when there are as many of each, else removals then additions. */
static void flush_plain(struct op *ops, size_t *nops, const size_t *dels, size_t nd,
                        const size_t *adds, size_t na)
{
	if (nd == na) {
		for (size_t k = 0; k < nd; k++)
			ops[(*nops)++] = (struct op){OP_CHANGE, dels[k], adds[k]};
		return;
	}
	for (size_t k = 0; k < nd; k++)
		ops[(*nops)++] = (struct op){OP_DEL, dels[k], 0};
	for (size_t k = 0; k < na; k++)
		ops[(*nops)++] = (struct op){OP_ADD, 0, adds[k]};
}

/* A run of differing items: pair the similar ones (an order-keeping
 * matching under sim), the rest as flush_plain() does between them. */
static int flush_gap(struct op *ops, size_t *nops, const size_t *dels, size_t nd,
                     const size_t *adds, size_t na, cmp_fn sim, void *ctx)
{
	if (!nd || !na || (nd == 1 && na == 1)) {
		flush_plain(ops, nops, dels, nd, adds, na);
		return 0;
	}
	unsigned *L = lcs_table(dels, nd, adds, na, sim, ctx);
	if (!L)
		return -1;
	size_t w = na + 1, i = 0, j = 0, si = 0, sj = 0;
	while (i < nd || j < na) {
		int pair = i < nd && j < na && L[i * w + j] == L[(i + 1) * w + j + 1] + 1 &&
		           sim(ctx, dels[i], adds[j]);
		if (pair || (i == nd && j == na)) {
			flush_plain(ops, nops, dels + si, i - si, adds + sj, j - sj);
			ops[(*nops)++] = (struct op){OP_CHANGE, dels[i], adds[j]};
			si = ++i;
			sj = ++j;
		} else if (j == na || (i < nd && L[(i + 1) * w + j] >= L[i * w + j + 1])) {
			i++;
		} else {
			j++;
		}
	}
	flush_plain(ops, nops, dels + si, nd - si, adds + sj, na - sj);
	free(L);
	return 0;
}

/* Align old[0..n) with new[0..m): the longest common subsequence of equal
 * items (eq) is kept; each run of differing items between two kept ones is
 * handed to flush_gap().  *ops gets at most n + m entries. */
static int align(size_t n, size_t m, cmp_fn eq, cmp_fn sim, void *ctx, struct op **ops_out,
                 size_t *nops_out)
{
	struct op *ops = malloc((n + m + 1) * sizeof(*ops));
	size_t *ia = malloc((n + 1) * sizeof(size_t)), *ib = malloc((m + 1) * sizeof(size_t));
	size_t *dels = malloc((n + 1) * sizeof(size_t)), *adds = malloc((m + 1) * sizeof(size_t));
	unsigned *L = NULL;
	int rc = -1;
	if (!ops || !ia || !ib || !dels || !adds)
		goto out;
	size_t nops = 0;
	/* a common prefix and suffix need no table */
	size_t pre = 0;
	while (pre < n && pre < m && eq(ctx, pre, pre))
		pre++;
	size_t suf = 0;
	while (suf < n - pre && suf < m - pre && eq(ctx, n - 1 - suf, m - 1 - suf))
		suf++;
	size_t an = n - pre - suf, bm = m - pre - suf;
	for (size_t k = 0; k < an; k++)
		ia[k] = pre + k;
	for (size_t k = 0; k < bm; k++)
		ib[k] = pre + k;
	if (!(L = lcs_table(ia, an, ib, bm, eq, ctx)))
		goto out;
	for (size_t k = 0; k < pre; k++)
		ops[nops++] = (struct op){OP_SAME, k, k};
	size_t w = bm + 1, nd = 0, na = 0, i = 0, j = 0;
	for (;;) {
		int same = i < an && j < bm && L[i * w + j] == L[(i + 1) * w + j + 1] + 1 &&
		           eq(ctx, ia[i], ib[j]);
		if (same || (i == an && j == bm)) {
			if (flush_gap(ops, &nops, dels, nd, adds, na, sim, ctx) < 0)
				goto out;
			nd = na = 0;
			if (!same)
				break;
			ops[nops++] = (struct op){OP_SAME, ia[i], ib[j]};
			i++;
			j++;
		} else if (j == bm || (i < an && L[(i + 1) * w + j] >= L[i * w + j + 1])) {
			dels[nd++] = ia[i++];
		} else {
			adds[na++] = ib[j++];
		}
	}
	for (size_t k = 0; k < suf; k++)
		ops[nops++] = (struct op){OP_SAME, n - suf + k, m - suf + k};
	*ops_out = ops;
	*nops_out = nops;
	ops = NULL;
	rc = 0;
out:
	free(ops);
	free(ia);
	free(ib);
	free(dels);
	free(adds);
	free(L);
	return rc;
}

/* Two values are alike enough to be one value changed, rather than one
 * removed and another added: same text, same qualifier, or a Levenshtein
 * ratio of at least one half. */
static int similar_value(const struct rec_value *a, const struct rec_value *b)
{
	if (!a || !b)
		return 0;
	if (!strcmp(a->value, b->value))
		return 1;
	if (qual_attr(a->field) && a->qual && b->qual && *a->qual && !strcmp(a->qual, b->qual))
		return 1;
	size_t la = strlen(a->value), lb = strlen(b->value), n = 0, m = 0;
	uint32_t *ca = malloc((la + 1) * sizeof(uint32_t)),
	         *cb = malloc((lb + 1) * sizeof(uint32_t));
	int alike = 0;
	if (ca && cb) {
		for (size_t i = 0; i < la;)
			ca[n++] = utf8_next(a->value, la, &i);
		for (size_t i = 0; i < lb;)
			cb[m++] = utf8_next(b->value, lb, &i);
		size_t longest = n > m ? n : m, half = longest / 2;
		/* ratio = 1 - d / longest >= 1/2  <=>  d <= longest / 2 */
		alike = half > 0 && eval_distance(ca, n, cb, m, half) <= half;
	}
	free(ca);
	free(cb);
	return alike;
}

/* ---- plain and repeated fields -------------------------------------------- */

struct vlist {
	const struct rec_value **v;
	size_t n;
};

static int collect(const struct record *r, enum rec_field f, struct vlist *out)
{
	size_t n = record_count(r);
	out->v = malloc((n + 1) * sizeof(*out->v));
	out->n = 0;
	if (!out->v)
		return -1;
	for (size_t i = 0; i < n; i++) {
		const struct rec_value *v = record_get(r, i);
		if (v->field == f)
			out->v[out->n++] = v;
	}
	return 0;
}

struct list_eq {
	struct vlist *a, *b;
	unsigned flags;
};

static int list_eq(void *vctx, size_t i, size_t j)
{
	struct list_eq *e = vctx;
	return eq_value(e->a->v[i], e->b->v[j], e->flags);
}

static int list_sim(void *vctx, size_t i, size_t j)
{
	struct list_eq *e = vctx;
	return similar_value(e->a->v[i], e->b->v[j]);
}

static void diff_field(struct ctx *c, const struct record *a, const struct record *b,
                       enum rec_field f)
{
	struct vlist la, lb;
	if (collect(a, f, &la) < 0) {
		c->oom = 1;
		return;
	}
	if (collect(b, f, &lb) < 0) {
		free(la.v);
		c->oom = 1;
		return;
	}
	int indexed = record_field_repeats(f) || la.n > 1 || lb.n > 1;
	struct list_eq e = {&la, &lb, c->flags};
	struct op *ops = NULL;
	size_t nops = 0;
	if (align(la.n, lb.n, list_eq, list_sim, &e, &ops, &nops) < 0) {
		c->oom = 1;
		goto out;
	}
	const char *path = record_field_path(f);
	struct sb base = SB_INIT;
	for (size_t k = 0; k < nops; k++) {
		const struct op *o = &ops[k];
		if (o->kind == OP_SAME)
			continue;
		int oi = o->kind == OP_ADD ? 0 : (int)o->i + 1;
		int ni = o->kind == OP_DEL ? 0 : (int)o->j + 1;
		sb_reset(&base);
		if (indexed)
			sb_addf(&base, "%s[%d]", path, o->kind == OP_ADD ? ni : oi);
		else
			sb_adds(&base, path);
		compare_values(c, f, base.buf, indexed ? oi : 0, indexed ? ni : 0,
		               o->kind == OP_ADD ? NULL : la.v[o->i],
		               o->kind == OP_DEL ? NULL : lb.v[o->j]);
	}
	if (base.oom)
		c->oom = 1;
	sb_release(&base);
out:
	free(ops);
	free(la.v);
	free(lb.v);
}

/* ---- groups (signatories, parties) ----------------------------------------- */

#define MAX_LEAVES 8

struct group {
	int id;
	const struct rec_value *leaf[MAX_LEAVES];
};

struct glist {
	struct group *g;
	size_t n;
};

static int cmp_int(const void *x, const void *y)
{
	int a = *(const int *)x, b = *(const int *)y;
	return (a > b) - (a < b);
}

/* The groups of fields [first, first + nleaves) in r, in group order. */
static int collect_groups(const struct record *r, enum rec_field first, int nleaves,
                          struct glist *out)
{
	size_t n = record_count(r), k = 0;
	int *ids = malloc((n + 1) * sizeof(int));
	out->g = calloc(n + 1, sizeof(*out->g));
	out->n = 0;
	if (!ids || !out->g) {
		free(ids);
		free(out->g);
		out->g = NULL;
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rec_value *v = record_get(r, i);
		if ((int)v->field >= (int)first && (int)v->field < (int)first + nleaves)
			ids[k++] = v->group;
	}
	qsort(ids, k, sizeof(int), cmp_int);
	for (size_t i = 0; i < k; i++)
		if (i == 0 || ids[i] != ids[i - 1])
			out->g[out->n++].id = ids[i];
	for (size_t i = 0; i < n; i++) {
		const struct rec_value *v = record_get(r, i);
		if ((int)v->field < (int)first || (int)v->field >= (int)first + nleaves)
			continue;
		for (size_t q = 0; q < out->n; q++)
			if (out->g[q].id == v->group) {
				int l = (int)v->field - (int)first;
				if (!out->g[q].leaf[l])
					out->g[q].leaf[l] = v;
				break;
			}
	}
	free(ids);
	return 0;
}

struct group_eq {
	struct glist *a, *b;
	int nleaves;
	unsigned flags;
};

static int group_eq(void *vctx, size_t i, size_t j)
{
	struct group_eq *e = vctx;
	for (int l = 0; l < e->nleaves; l++)
		if (!eq_value(e->a->g[i].leaf[l], e->b->g[j].leaf[l], e->flags))
			return 0;
	return 1;
}

/* Groups are alike when some leaf is. */
static int group_sim(void *vctx, size_t i, size_t j)
{
	struct group_eq *e = vctx;
	for (int l = 0; l < e->nleaves; l++)
		if (similar_value(e->a->g[i].leaf[l], e->b->g[j].leaf[l]))
			return 1;
	return 0;
}

static void diff_groups(struct ctx *c, const struct record *a, const struct record *b,
                        enum rec_field first, int nleaves)
{
	struct glist ga = {0}, gb = {0};
	if (collect_groups(a, first, nleaves, &ga) < 0 ||
	    collect_groups(b, first, nleaves, &gb) < 0) {
		free(ga.g);
		c->oom = 1;
		return;
	}
	struct group_eq e = {&ga, &gb, nleaves, c->flags};
	struct op *ops = NULL;
	size_t nops = 0;
	if (align(ga.n, gb.n, group_eq, group_sim, &e, &ops, &nops) < 0) {
		c->oom = 1;
		goto out;
	}
	const char *fp = record_field_path(first);
	int plen = (int)prefix_len(first);
	struct sb base = SB_INIT;
	for (size_t k = 0; k < nops; k++) {
		const struct op *o = &ops[k];
		if (o->kind == OP_SAME)
			continue;
		int oi = o->kind == OP_ADD ? 0 : (int)o->i + 1;
		int ni = o->kind == OP_DEL ? 0 : (int)o->j + 1;
		for (int l = 0; l < nleaves; l++) {
			enum rec_field f = (enum rec_field)((int)first + l);
			sb_reset(&base);
			sb_addf(&base, "%.*s[%d]/%s", plen, fp, o->kind == OP_ADD ? ni : oi,
			        leaf_name(f));
			compare_values(c, f, base.buf, oi, ni,
			               o->kind == OP_ADD ? NULL : ga.g[o->i].leaf[l],
			               o->kind == OP_DEL ? NULL : gb.g[o->j].leaf[l]);
		}
	}
	if (base.oom)
		c->oom = 1;
	sb_release(&base);
out:
	free(ops);
	free(ga.g);
	free(gb.g);
}

int diff_records(const struct record *a, const struct record *b, unsigned flags,
                 struct diff_list *out, struct ex_error *err)
{
	struct ctx c = {out, flags, 0, 0};
	const struct rec_source *sa = record_source(a), *sb = record_source(b);
	char pa[16], pb[16];
	snprintf(pa, sizeof(pa), "%d", sa->pages);
	snprintf(pb, sizeof(pb), "%d", sb->pages);
	emit_pair(&c, "source/@file", "source", "file", 0, 0, str_or_empty(sa->file),
	          str_or_empty(sb->file));
	emit_pair(&c, "source/@sha256", "source", "sha256", 0, 0, sa->sha256, sb->sha256);
	emit_pair(&c, "source/@kind", "source", "kind", 0, 0, str_or_empty(sa->kind),
	          str_or_empty(sb->kind));
	emit_pair(&c, "source/@pages", "source", "pages", 0, 0, pa, pb);
	for (int f = 0; f < RF__COUNT && !c.oom; f++) {
		if (!is_grouped((enum rec_field)f)) {
			diff_field(&c, a, b, (enum rec_field)f);
			continue;
		}
		int n = 1;
		while (f + n < RF__COUNT && same_group((enum rec_field)f, (enum rec_field)(f + n)))
			n++;
		if (n > MAX_LEAVES)
			return ex_fail(err, EX_INTERNAL, NULL, 0, 0, "a group has %d fields", n);
		diff_groups(&c, a, b, (enum rec_field)f, n);
		f += n - 1;
	}
	if (c.oom)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	return c.added;
}

/* ---- text output ----------------------------------------------------------- */

static void add_lines(struct sb *out, const char *mark, const char *v)
{
	const char *s = v;
	for (;;) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		sb_addf(out, "  %s", mark);
		if (len) {
			sb_addc(out, ' ');
			sb_add(out, s, len);
		}
		sb_addc(out, '\n');
		if (!nl)
			break;
		s = nl + 1;
	}
}

struct lines {
	const char **s;
	size_t *len;
	size_t n;
};

static int split_lines(const char *v, struct lines *l)
{
	size_t n = 1;
	for (const char *p = v; *p; p++)
		n += *p == '\n';
	l->s = malloc(n * sizeof(*l->s));
	l->len = malloc(n * sizeof(*l->len));
	l->n = 0;
	if (!l->s || !l->len)
		return -1;
	for (const char *p = v;;) {
		const char *nl = strchr(p, '\n');
		l->s[l->n] = p;
		l->len[l->n++] = nl ? (size_t)(nl - p) : strlen(p);
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

struct lines_pair {
	struct lines *a, *b;
};

static int line_eq(void *vctx, size_t i, size_t j)
{
	struct lines_pair *c = vctx;
	return c->a->len[i] == c->b->len[j] && !memcmp(c->a->s[i], c->b->s[j], c->a->len[i]);
}

static int never(void *vctx, size_t i, size_t j)
{
	(void)vctx;
	(void)i;
	(void)j;
	return 0;
}

static void add_line(struct sb *out, const char *mark, const char *s, size_t len)
{
	sb_addf(out, "  %s", mark);
	if (len) {
		sb_addc(out, ' ');
		sb_add(out, s, len);
	}
	sb_addc(out, '\n');
}

/* A changed value of several lines (paragraphs of a summary or section):
 * the lines that differ, with runs of equal lines counted, not repeated. */
static int add_changed_lines(struct sb *out, const char *old, const char *new)
{
	struct lines a = {0}, b = {0};
	struct lines_pair c = {&a, &b};
	struct op *ops = NULL;
	size_t nops = 0;
	int rc = -1;
	if (split_lines(old, &a) < 0 || split_lines(new, &b) < 0 ||
	    align(a.n, b.n, line_eq, never, &c, &ops, &nops) < 0)
		goto out;
	for (size_t k = 0; k < nops;) {
		if (ops[k].kind == OP_SAME) {
			size_t run = 0;
			while (k < nops && ops[k].kind == OP_SAME)
				run++, k++;
			sb_addf(out, "  = %zu line%s as before\n", run, run == 1 ? "" : "s");
			continue;
		}
		/* a run of differing lines: the old ones, then the new ones */
		size_t end = k;
		while (end < nops && ops[end].kind != OP_SAME)
			end++;
		for (size_t q = k; q < end; q++)
			if (ops[q].kind != OP_ADD)
				add_line(out, "-", a.s[ops[q].i], a.len[ops[q].i]);
		for (size_t q = k; q < end; q++)
			if (ops[q].kind != OP_DEL)
				add_line(out, "+", b.s[ops[q].j], b.len[ops[q].j]);
		k = end;
	}
	rc = 0;
out:
	free(a.s);
	free(a.len);
	free(b.s);
	free(b.len);
	free(ops);
	return rc;
}

int diff_format_list(const struct diff_list *l, struct sb *out)
{
	static const char *const kinds[3] = {"added", "removed", "changed"};
	return diff_format_list_as(l, kinds, out);
}

int diff_format_list_as(const struct diff_list *l, const char *const kinds[3], struct sb *out)
{
	for (size_t i = 0; i < l->n; i++) {
		const struct diff_item *it = &l->items[i];
		sb_addf(out, "%s %s", kinds[it->kind], it->path);
		if (it->kind == DIFF_CHANGED && it->old_index && it->new_index &&
		    it->old_index != it->new_index)
			sb_addf(out, " (now [%d])", it->new_index);
		sb_addc(out, '\n');
		if (it->old_value && it->new_value &&
		    (strchr(it->old_value, '\n') || strchr(it->new_value, '\n'))) {
			if (add_changed_lines(out, it->old_value, it->new_value) < 0)
				return -1;
			continue;
		}
		if (it->old_value)
			add_lines(out, "-", it->old_value);
		if (it->new_value)
			add_lines(out, "+", it->new_value);
	}
	return out->oom ? -1 : 0;
}

static void join_path(struct sb *out, const char *root, const char *rel)
{
	sb_adds(out, root);
	if (out->len && out->buf[out->len - 1] != '/')
		sb_addc(out, '/');
	sb_adds(out, rel);
}

int diff_format_text(const struct diff_report *r, struct sb *out)
{
	for (size_t i = 0; i < r->npairs; i++) {
		const struct diff_pair *p = &r->pairs[i];
		if (!p->diffs.n)
			continue;
		sb_adds(out, "diff ");
		if (r->folders) {
			join_path(out, r->a, p->a);
			sb_addc(out, ' ');
			join_path(out, r->b, p->b);
			if (strcmp(p->a, p->b))
				sb_adds(out,
				        p->by == DIFF_BY_SHA256 ? " (same source sha256)" : "");
		} else {
			sb_addf(out, "%s %s", p->a, p->b);
		}
		sb_addc(out, '\n');
		diff_format_list(&p->diffs, out);
	}
	for (size_t i = 0; i < r->nonly_a; i++)
		sb_addf(out, "only in A: %s\n", r->only_a[i]);
	for (size_t i = 0; i < r->nonly_b; i++)
		sb_addf(out, "only in B: %s\n", r->only_b[i]);
	if (r->folders) {
		size_t nd = diff_report_ndiffer(r);
		sb_addf(
		    out,
		    "%zu record%s compared: %zu differ, %zu equal; %zu only in A, %zu only in B",
		    r->npairs, r->npairs == 1 ? "" : "s", nd, r->npairs - nd, r->nonly_a,
		    r->nonly_b);
		if (r->nproblems)
			sb_addf(out, "; %zu unreadable", r->nproblems);
		sb_addc(out, '\n');
	}
	return out->oom ? -1 : 0;
}

/* ---- XML output ------------------------------------------------------------ */

int diff_xml_escape(struct sb *out, const char *s, int attr)
{
	size_t n = strlen(s), i = 0;
	while (i < n) {
		size_t st = i;
		uint32_t cp = utf8_next(s, n, &i);
		switch (cp) {
		case '&':
			sb_adds(out, "&amp;");
			continue;
		case '<':
			sb_adds(out, "&lt;");
			continue;
		case '>':
			sb_adds(out, "&gt;");
			continue;
		case '"':
			sb_adds(out, "&quot;");
			continue;
		case '\t':
		case '\n':
		case '\r':
			if (attr || cp == '\r')
				sb_addf(out, "&#%u;", (unsigned)cp);
			else
				sb_addc(out, (char)cp);
			continue;
		default:
			break;
		}
		int bad =
		    cp < 0x20 || cp == 0xFFFE || cp == 0xFFFF || (cp >= 0xD800 && cp <= 0xDFFF);
		/* a malformed byte decodes as U+FFFD from one byte: write it encoded */
		if (bad || (cp == 0xFFFD && i - st != 3))
			sb_adds(out, "\xEF\xBF\xBD");
		else
			sb_add(out, s + st, i - st);
	}
	return out->oom ? -1 : 0;
}

static void xml_attr(struct sb *out, const char *name, const char *v)
{
	sb_addf(out, " %s=\"", name);
	diff_xml_escape(out, v, 1);
	sb_addc(out, '"');
}

static const char *pairing_name(enum diff_pairing p)
{
	switch (p) {
	case DIFF_BY_ARGUMENTS:
		return "arguments";
	case DIFF_BY_SHA256:
		return "sha256";
	case DIFF_BY_NAME:
		return "name";
	}
	return "?";
}

int diff_format_xml(const struct diff_report *r, struct sb *out)
{
	sb_adds(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<diff xmlns=\"urn:tjx:diff:1\"");
	xml_attr(out, "a", r->a);
	xml_attr(out, "b", r->b);
	xml_attr(out, "mode", r->folders ? "folders" : "files");
	xml_attr(out, "provenance", (r->flags & DIFF_PROVENANCE) ? "yes" : "no");
	xml_attr(out, "equal", diff_report_equal(r) ? "yes" : "no");
	sb_adds(out, ">\n");
	for (size_t i = 0; i < r->npairs; i++) {
		const struct diff_pair *p = &r->pairs[i];
		sb_adds(out, "  <pair");
		xml_attr(out, "a", p->a);
		xml_attr(out, "b", p->b);
		xml_attr(out, "paired-by", pairing_name(p->by));
		xml_attr(out, "equal", p->diffs.n ? "no" : "yes");
		if (!p->diffs.n) {
			sb_adds(out, "/>\n");
			continue;
		}
		sb_adds(out, ">\n");
		for (size_t k = 0; k < p->diffs.n; k++) {
			const struct diff_item *it = &p->diffs.items[k];
			const char *kn = diff_kind_name(it->kind);
			sb_addf(out, "    <%s", kn);
			xml_attr(out, "path", it->path);
			xml_attr(out, "field", it->field);
			if (it->attr)
				xml_attr(out, "attribute", it->attr);
			if (it->old_index)
				sb_addf(out, " old-index=\"%d\"", it->old_index);
			if (it->new_index)
				sb_addf(out, " new-index=\"%d\"", it->new_index);
			sb_addc(out, '>');
			if (it->old_value) {
				sb_adds(out, "<old>");
				diff_xml_escape(out, it->old_value, 0);
				sb_adds(out, "</old>");
			}
			if (it->new_value) {
				sb_adds(out, "<new>");
				diff_xml_escape(out, it->new_value, 0);
				sb_adds(out, "</new>");
			}
			sb_addf(out, "</%s>\n", kn);
		}
		sb_adds(out, "  </pair>\n");
	}
	for (size_t i = 0; i < r->nonly_a; i++) {
		sb_adds(out, "  <only-in-a");
		xml_attr(out, "file", r->only_a[i]);
		sb_adds(out, "/>\n");
	}
	for (size_t i = 0; i < r->nonly_b; i++) {
		sb_adds(out, "  <only-in-b");
		xml_attr(out, "file", r->only_b[i]);
		sb_adds(out, "/>\n");
	}
	for (size_t i = 0; i < r->nproblems; i++) {
		sb_adds(out, "  <error");
		xml_attr(out, "file", r->problems[i].file);
		xml_attr(out, "message", r->problems[i].msg);
		sb_adds(out, "/>\n");
	}
	sb_adds(out, "</diff>\n");
	return out->oom ? -1 : 0;
}

/* ---- reports --------------------------------------------------------------- */

void diff_report_release(struct diff_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npairs; i++) {
		free(r->pairs[i].a);
		free(r->pairs[i].b);
		diff_list_release(&r->pairs[i].diffs);
	}
	free(r->pairs);
	for (size_t i = 0; i < r->nonly_a; i++)
		free(r->only_a[i]);
	for (size_t i = 0; i < r->nonly_b; i++)
		free(r->only_b[i]);
	free(r->only_a);
	free(r->only_b);
	for (size_t i = 0; i < r->nproblems; i++) {
		free(r->problems[i].file);
		free(r->problems[i].msg);
	}
	free(r->problems);
	free(r->a);
	free(r->b);
	memset(r, 0, sizeof(*r));
}

size_t diff_report_ndiffer(const struct diff_report *r)
{
	size_t n = 0;
	for (size_t i = 0; i < r->npairs; i++)
		n += r->pairs[i].diffs.n > 0;
	return n;
}

int diff_report_equal(const struct diff_report *r)
{
	return !diff_report_ndiffer(r) && !r->nonly_a && !r->nonly_b && !r->nproblems;
}

static int read_record(const char *path, struct record **out, struct ex_error *err)
{
	struct sb buf = SB_INIT;
	*out = NULL;
	if (sb_read_file(&buf, path) < 0) {
		int e = errno;
		sb_release(&buf);
		return ex_fail(err, e == ENOMEM ? EX_NOMEM : EX_IO, path, 0, 0, "cannot read: %s",
		               strerror(e));
	}
	int rc = record_parse(buf.buf, buf.len, path, out, err);
	sb_release(&buf);
	return rc;
}

static int report_init(struct diff_report *r, const char *a, const char *b, unsigned flags,
                       int folders, struct ex_error *err)
{
	memset(r, 0, sizeof(*r));
	r->a = strdup(a);
	r->b = strdup(b);
	r->flags = flags;
	r->folders = folders;
	if (!r->a || !r->b) {
		diff_report_release(r);
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	return 0;
}

static int add_pair(struct diff_report *r, const char *a, const char *b, enum diff_pairing by,
                    struct diff_list *diffs)
{
	struct diff_pair *np = realloc(r->pairs, (r->npairs + 1) * sizeof(*np));
	if (!np)
		return -1;
	r->pairs = np;
	struct diff_pair *p = &r->pairs[r->npairs];
	p->a = strdup(a);
	p->b = strdup(b);
	p->by = by;
	if (!p->a || !p->b) {
		free(p->a);
		free(p->b);
		return -1;
	}
	p->diffs = *diffs;
	memset(diffs, 0, sizeof(*diffs));
	r->npairs++;
	return 0;
}

int diff_files(const char *a, const char *b, unsigned flags, struct diff_report *out,
               struct ex_error *err)
{
	if (report_init(out, a, b, flags, 0, err) < 0)
		return -err->code;
	struct record *ra = NULL, *rb = NULL;
	struct diff_list l = {0};
	int rc;
	if ((rc = read_record(a, &ra, err)) < 0 || (rc = read_record(b, &rb, err)) < 0)
		goto out;
	if ((rc = diff_records(ra, rb, flags, &l, err)) < 0)
		goto out;
	rc = 0;
	if (add_pair(out, a, b, DIFF_BY_ARGUMENTS, &l) < 0)
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
out:
	diff_list_release(&l);
	record_free(ra);
	record_free(rb);
	if (rc < 0)
		diff_report_release(out);
	return rc;
}

/* ---- folders --------------------------------------------------------------- */

struct entry {
	char *rel;
	char sha[65];
	int ok;     /* read as a record */
	int paired; /* index of the partner + 1, or 0 */
};

struct entries {
	struct entry *e;
	size_t n, alloc;
};

static void entries_release(struct entries *es)
{
	for (size_t i = 0; i < es->n; i++)
		free(es->e[i].rel);
	free(es->e);
	memset(es, 0, sizeof(*es));
}

static int cmp_str(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);
	return n >= k && !strcmp(s + n - k, suffix);
}

static int add_problem(struct diff_report *r, const char *file, const struct ex_error *e)
{
	struct diff_problem *np = realloc(r->problems, (r->nproblems + 1) * sizeof(*np));
	if (!np)
		return -1;
	r->problems = np;
	char msg[600];
	if (e->line)
		snprintf(msg, sizeof(msg), "line %d: %s", e->line, e->msg);
	else
		snprintf(msg, sizeof(msg), "%s", e->msg);
	np[r->nproblems].file = strdup(file);
	np[r->nproblems].msg = strdup(msg);
	if (!np[r->nproblems].file || !np[r->nproblems].msg) {
		free(np[r->nproblems].file);
		free(np[r->nproblems].msg);
		return -1;
	}
	r->nproblems++;
	return 0;
}

/* Collect the relative paths of the *.xml files below root/rel.  A folder
 * below the top that cannot be read is a problem, and the walk goes on. */
static int walk(struct diff_report *r, const char *root, const char *rel, struct entries *es,
                int depth, struct ex_error *err)
{
	if (depth > 64)
		return 0; /* deeper than any output tree: a link loop */
	struct sb dir = SB_INIT;
	if (*rel)
		sb_addf(&dir, "%s/%s", root, rel);
	else
		sb_adds(&dir, root);
	DIR *d = opendir(dir.buf);
	if (!d) {
		struct ex_error e;
		ex_clear(&e);
		int rc = ex_fail(&e, EX_IO, dir.buf, 0, 0, "cannot read the folder: %s",
		                 strerror(errno));
		if (depth > 0)
			rc = add_problem(r, dir.buf, &e) < 0
			         ? ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory")
			         : 0;
		else if (err)
			*err = e;
		sb_release(&dir);
		return rc;
	}
	char **names = NULL;
	size_t nn = 0, na = 0;
	struct dirent *e;
	int rc = 0;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		if (nn == na) {
			na = na ? na * 2 : 32;
			char **nw = realloc(names, na * sizeof(*nw));
			if (!nw) {
				rc = -1;
				break;
			}
			names = nw;
		}
		if (!(names[nn] = strdup(e->d_name))) {
			rc = -1;
			break;
		}
		nn++;
	}
	closedir(d);
	if (rc == 0 && nn > 1)
		qsort(names, nn, sizeof(*names), cmp_str);
	struct sb child = SB_INIT, full = SB_INIT;
	for (size_t i = 0; i < nn && rc == 0; i++) {
		sb_reset(&child);
		sb_reset(&full);
		if (*rel)
			sb_addf(&child, "%s/", rel);
		sb_adds(&child, names[i]);
		sb_addf(&full, "%s/%s", dir.buf, names[i]);
		struct stat st;
		if (stat(full.buf, &st) < 0)
			continue; /* a dangling link: nothing to compare */
		if (S_ISDIR(st.st_mode)) {
			rc = walk(r, root, child.buf, es, depth + 1, err);
		} else if (S_ISREG(st.st_mode) && ends_with(names[i], ".xml")) {
			if (es->n == es->alloc) {
				size_t a2 = es->alloc ? es->alloc * 2 : 64;
				struct entry *ne = realloc(es->e, a2 * sizeof(*ne));
				if (!ne) {
					rc = -1;
					break;
				}
				es->e = ne;
				es->alloc = a2;
			}
			struct entry *en = &es->e[es->n];
			memset(en, 0, sizeof(*en));
			if (!(en->rel = strdup(child.buf))) {
				rc = -1;
				break;
			}
			es->n++;
		}
	}
	if (rc == -1 || child.oom || full.oom)
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	for (size_t i = 0; i < nn; i++)
		free(names[i]);
	free(names);
	sb_release(&child);
	sb_release(&full);
	sb_release(&dir);
	return rc;
}

/* Read every entry's sha256; unreadable records become problems. */
static int read_shas(struct diff_report *r, const char *root, struct entries *es,
                     struct ex_error *err)
{
	struct sb path = SB_INIT;
	for (size_t i = 0; i < es->n; i++) {
		sb_reset(&path);
		join_path(&path, root, es->e[i].rel);
		if (path.oom)
			break;
		struct record *rec = NULL;
		struct ex_error e;
		ex_clear(&e);
		if (read_record(path.buf, &rec, &e) < 0) {
			if (e.code == EX_NOMEM || add_problem(r, path.buf, &e) < 0) {
				sb_release(&path);
				return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			}
			continue;
		}
		es->e[i].ok = 1;
		snprintf(es->e[i].sha, sizeof(es->e[i].sha), "%s", record_source(rec)->sha256);
		record_free(rec);
	}
	int oom = path.oom;
	sb_release(&path);
	return oom ? ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory") : 0;
}

static const struct entries *sort_es;

static int cmp_by_sha(const void *x, const void *y)
{
	const struct entry *a = &sort_es->e[*(const size_t *)x],
	                   *b = &sort_es->e[*(const size_t *)y];
	int c = strcmp(a->sha, b->sha);
	return c ? c : strcmp(a->rel, b->rel);
}

static int cmp_by_rel(const void *x, const void *y)
{
	return strcmp(sort_es->e[*(const size_t *)x].rel, sort_es->e[*(const size_t *)y].rel);
}

/* Indices of the entries that are ok, have a sha256 (when by_sha) and are
 * unpaired, sorted by (sha256, name) or by name. */
static size_t *sorted(const struct entries *es, int by_sha, size_t *n)
{
	size_t *ix = malloc((es->n + 1) * sizeof(size_t));
	*n = 0;
	if (!ix)
		return NULL;
	for (size_t i = 0; i < es->n; i++)
		if (es->e[i].ok && !es->e[i].paired && (!by_sha || es->e[i].sha[0]))
			ix[(*n)++] = i;
	sort_es = es;
	qsort(ix, *n, sizeof(size_t), by_sha ? cmp_by_sha : cmp_by_rel);
	sort_es = NULL;
	return ix;
}

static void mark(struct entries *ea, size_t i, struct entries *eb, size_t j, enum diff_pairing by,
                 enum diff_pairing *how)
{
	ea->e[i].paired = (int)j + 1;
	eb->e[j].paired = (int)i + 1;
	how[i] = by;
}

static int pair_up(struct entries *ea, struct entries *eb, enum diff_pairing *how)
{
	size_t na, nb;
	size_t *ia = sorted(ea, 1, &na), *ib = sorted(eb, 1, &nb);
	if (!ia || !ib) {
		free(ia);
		free(ib);
		return -1;
	}
	/* by sha256: walk runs of equal sha256 on both sides */
	size_t i = 0, j = 0;
	while (i < na && j < nb) {
		int c = strcmp(ea->e[ia[i]].sha, eb->e[ib[j]].sha);
		if (c < 0) {
			i++;
			continue;
		}
		if (c > 0) {
			j++;
			continue;
		}
		size_t i2 = i, j2 = j;
		while (i2 < na && !strcmp(ea->e[ia[i2]].sha, ea->e[ia[i]].sha))
			i2++;
		while (j2 < nb && !strcmp(eb->e[ib[j2]].sha, ea->e[ia[i]].sha))
			j2++;
		/* same names first, then the rest in name order */
		for (size_t x = i; x < i2; x++)
			for (size_t y = j; y < j2; y++)
				if (!eb->e[ib[y]].paired &&
				    !strcmp(ea->e[ia[x]].rel, eb->e[ib[y]].rel)) {
					mark(ea, ia[x], eb, ib[y], DIFF_BY_SHA256, how);
					break;
				}
		size_t y = j;
		for (size_t x = i; x < i2; x++) {
			if (ea->e[ia[x]].paired)
				continue;
			while (y < j2 && eb->e[ib[y]].paired)
				y++;
			if (y == j2)
				break;
			mark(ea, ia[x], eb, ib[y], DIFF_BY_SHA256, how);
		}
		i = i2;
		j = j2;
	}
	free(ia);
	free(ib);
	/* the rest by relative name */
	ia = sorted(ea, 0, &na);
	ib = sorted(eb, 0, &nb);
	if (!ia || !ib) {
		free(ia);
		free(ib);
		return -1;
	}
	for (i = 0, j = 0; i < na && j < nb;) {
		int c = strcmp(ea->e[ia[i]].rel, eb->e[ib[j]].rel);
		if (c == 0)
			mark(ea, ia[i++], eb, ib[j++], DIFF_BY_NAME, how);
		else if (c < 0)
			i++;
		else
			j++;
	}
	free(ia);
	free(ib);
	return 0;
}

static int add_only(char ***list, size_t *n, const char *rel)
{
	char **nl = realloc(*list, (*n + 1) * sizeof(*nl));
	if (!nl)
		return -1;
	*list = nl;
	if (!(nl[*n] = strdup(rel)))
		return -1;
	(*n)++;
	return 0;
}

int diff_folders(const char *a, const char *b, unsigned flags, struct diff_report *out,
                 struct ex_error *err)
{
	if (report_init(out, a, b, flags, 1, err) < 0)
		return -err->code;
	struct entries ea = {0}, eb = {0};
	enum diff_pairing *how = NULL;
	struct sb pa = SB_INIT, pb = SB_INIT;
	int rc;
	if ((rc = walk(out, a, "", &ea, 0, err)) < 0 || (rc = walk(out, b, "", &eb, 0, err)) < 0)
		goto out;
	if ((rc = read_shas(out, a, &ea, err)) < 0 || (rc = read_shas(out, b, &eb, err)) < 0)
		goto out;
	how = calloc(ea.n + 1, sizeof(*how));
	if (!how || pair_up(&ea, &eb, how) < 0) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	/* the pairs in the byte order of a's relative names */
	size_t *order = malloc((ea.n + 1) * sizeof(size_t));
	if (!order) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < ea.n; i++)
		order[i] = i;
	sort_es = &ea;
	qsort(order, ea.n, sizeof(size_t), cmp_by_rel);
	sort_es = NULL;
	for (size_t k = 0; k < ea.n && rc >= 0; k++) {
		struct entry *x = &ea.e[order[k]];
		if (!x->paired)
			continue;
		struct entry *y = &eb.e[x->paired - 1];
		sb_reset(&pa);
		sb_reset(&pb);
		join_path(&pa, a, x->rel);
		join_path(&pb, b, y->rel);
		struct record *ra = NULL, *rb = NULL;
		struct diff_list l = {0};
		struct ex_error e;
		ex_clear(&e);
		if (read_record(pa.buf, &ra, &e) < 0 || read_record(pb.buf, &rb, &e) < 0) {
			/* changed under our feet since the first read */
			if (e.code == EX_NOMEM || add_problem(out, e.file, &e) < 0)
				rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		} else if ((rc = diff_records(ra, rb, flags, &l, err)) >= 0) {
			rc = 0;
			if (add_pair(out, x->rel, y->rel, how[order[k]], &l) < 0)
				rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		}
		diff_list_release(&l);
		record_free(ra);
		record_free(rb);
	}
	free(order);
	if (rc < 0)
		goto out;
	/* the unpaired, in name order (problems are listed apart) */
	struct entries *sides[2] = {&ea, &eb};
	for (int s = 0; s < 2; s++) {
		size_t n;
		size_t *ix = sorted(sides[s], 0, &n);
		if (!ix) {
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			goto out;
		}
		for (size_t k = 0; k < n; k++) {
			const char *rel = sides[s]->e[ix[k]].rel;
			if ((s == 0 ? add_only(&out->only_a, &out->nonly_a, rel)
			            : add_only(&out->only_b, &out->nonly_b, rel)) < 0) {
				rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
				break;
			}
		}
		free(ix);
		if (rc < 0)
			goto out;
	}
	rc = 0;
out:
	free(how);
	entries_release(&ea);
	entries_release(&eb);
	sb_release(&pa);
	sb_release(&pb);
	if (rc < 0)
		diff_report_release(out);
	return rc;
}
