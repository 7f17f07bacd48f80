/* lexicon.c - see lexicon.h */
#include "lexicon.h"

#include <errno.h>
#include <hunspell/hunspell.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "rules.h"
#include "strbuf.h"
#include "utf8.h"

#define LEX_CACHE_MAX     (1u << 20)
#define LEX_TRUSTED_COUNT 5 /* prose count from which a listed word is taken on trust */

/* ---- the map ---------------------------------------------------------------- */

struct slot {
	uint64_t hash; /* 0: empty */
	uint32_t koff, klen, voff, vlen;
	uint32_t num;
};

struct lex_map {
	struct slot *slots;
	size_t cap, count; /* cap a power of two */
	char *arena;
	size_t alen, aalloc;
};

/* A key's hash, eight bytes at a step (a multiply and a shift each) rather
 * than FNV-1a's one.  The bytes are read little-end first whatever the
 * machine, so a table's order (lex_map_next) is the same everywhere. */
static uint64_t load_le(const char *s, size_t n)
{
	uint64_t v = 0;
	memcpy(&v, s, n);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* load_le() of the n < 8 bytes at s, in two loads that may overlap (byte
 * copies into a word and a load of it would wait on each other). */
static uint64_t load_tail(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	if (n >= 4)
		return load_le(s, 4) | load_le(s + n - 4, 4) << (8 * (n - 4));
	if (n)
		return (uint64_t)u[0] | (uint64_t)u[n / 2] << (8 * (n / 2)) |
		       (uint64_t)u[n - 1] << (8 * (n - 1));
	return 0;
}

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0x9E3779B97F4A7C15ull ^ (n * 0xFF51AFD7ED558CCDull);
	for (; n >= 8; s += 8, n -= 8) {
		h = (h ^ load_le(s, 8)) * 0xBF58476D1CE4E5B9ull;
		h ^= h >> 31;
	}
	h = (h ^ load_tail(s, n)) * 0x94D049BB133111EBull;
	h ^= h >> 29;
	return h ? h : 1;
}

struct lex_map *lex_map_new(void)
{
	struct lex_map *m = calloc(1, sizeof(*m));
	if (!m)
		return NULL;
	m->cap = 64;
	m->slots = calloc(m->cap, sizeof(*m->slots));
	if (!m->slots) {
		free(m);
		return NULL;
	}
	return m;
}

void lex_map_free(struct lex_map *m)
{
	if (!m)
		return;
	free(m->slots);
	free(m->arena);
	free(m);
}

void lex_map_clear(struct lex_map *m)
{
	memset(m->slots, 0, m->cap * sizeof(*m->slots));
	m->count = 0;
	m->alen = 0;
}

size_t lex_map_count(const struct lex_map *m)
{
	return m->count;
}

static struct slot *map_find(const struct lex_map *m, const char *key, size_t klen, uint64_t h)
{
	size_t mask = m->cap - 1;
	for (size_t i = h & mask;; i = (i + 1) & mask) {
		struct slot *s = &m->slots[i];
		if (!s->hash)
			return s;
		if (s->hash == h && s->klen == klen && !memcmp(m->arena + s->koff, key, klen))
			return s;
	}
}

int lex_map_get(const struct lex_map *m, const char *key, size_t klen, uint32_t *num,
                const char **val, size_t *vlen)
{
	struct slot *s = map_find(m, key, klen, hash_bytes(key, klen));
	if (!s->hash)
		return 0;
	if (num)
		*num = s->num;
	if (val)
		*val = m->arena + s->voff;
	if (vlen)
		*vlen = s->vlen;
	return 1;
}

int lex_map_ref(struct lex_map *m, const char *key, size_t klen, uint32_t **num, const char **val,
                size_t *vlen)
{
	struct slot *s = map_find(m, key, klen, hash_bytes(key, klen));
	if (!s->hash)
		return 0;
	*num = &s->num;
	if (val)
		*val = m->arena + s->voff;
	if (vlen)
		*vlen = s->vlen;
	return 1;
}

int lex_map_next(const struct lex_map *m, size_t *it, const char **key, size_t *klen, uint32_t *num)
{
	while (*it < m->cap) {
		const struct slot *s = &m->slots[(*it)++];
		if (!s->hash)
			continue;
		*key = m->arena + s->koff;
		*klen = s->klen;
		if (num)
			*num = s->num;
		return 1;
	}
	return 0;
}

static int arena_add(struct lex_map *m, const char *s, size_t n, uint32_t *off)
{
	if (m->alen + n + 1 > m->aalloc) {
		size_t na = m->aalloc ? m->aalloc * 2 : 4096;
		while (na < m->alen + n + 1)
			na *= 2;
		if (na > UINT32_MAX)
			return -1;
		char *a = realloc(m->arena, na);
		if (!a)
			return -1;
		m->arena = a;
		m->aalloc = na;
	}
	*off = (uint32_t)m->alen;
	if (n)
		memcpy(m->arena + m->alen, s, n);
	m->arena[m->alen + n] = '\0';
	m->alen += n + 1;
	return 0;
}

static int map_grow(struct lex_map *m)
{
	size_t ncap = m->cap * 2;
	struct slot *ns = calloc(ncap, sizeof(*ns));
	if (!ns)
		return -1;
	for (size_t i = 0; i < m->cap; i++) {
		struct slot *s = &m->slots[i];
		if (!s->hash)
			continue;
		size_t j = s->hash & (ncap - 1);
		while (ns[j].hash)
			j = (j + 1) & (ncap - 1);
		ns[j] = *s;
	}
	free(m->slots);
	m->slots = ns;
	m->cap = ncap;
	return 0;
}

int lex_map_put(struct lex_map *m, const char *key, size_t klen, uint32_t num, const char *val,
                size_t vlen)
{
	if ((m->count + 1) * 4 > m->cap * 3 && map_grow(m) < 0)
		return -1;
	uint64_t h = hash_bytes(key, klen);
	struct slot *s = map_find(m, key, klen, h);
	uint32_t voff = 0;
	if (arena_add(m, val ? val : "", val ? vlen : 0, &voff) < 0)
		return -1;
	if (!s->hash) {
		uint32_t koff;
		if (arena_add(m, key, klen, &koff) < 0)
			return -1;
		s->hash = h;
		s->koff = koff;
		s->klen = (uint32_t)klen;
		m->count++;
	}
	s->num = num;
	s->voff = voff;
	s->vlen = val ? (uint32_t)vlen : 0;
	return 0;
}

/* ---- case ------------------------------------------------------------------- */

size_t lex_lower(const char *w, size_t n, char *out)
{
	size_t o = 0;
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)w[i];
		if (c < 0x80) {
			out[o++] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
			i++;
		} else if (c == 0xC3 && i + 1 < n) {
			unsigned char d = (unsigned char)w[i + 1];
			out[o++] = (char)c;
			/* À..Þ except × lower to à..þ */
			out[o++] = (char)(d >= 0x80 && d <= 0x9E && d != 0x97 ? d + 0x20 : d);
			i += 2;
		} else {
			size_t j = i;
			uint32_t cp = utf8_next(w, n, &j);
			char buf[4];
			int k = utf8_encode(utf8_cp_lower(cp), buf);
			if ((size_t)k > j - i + (j - i)) /* keep within the 2n bound */
				k = utf8_encode(cp, buf);
			memcpy(out + o, buf, (size_t)k);
			o += (size_t)k;
			i = j;
		}
	}
	out[o] = '\0';
	return o;
}

/* ---- the lexicon -------------------------------------------------------------- */

#define TRI_BITS (1u << 22)

struct lex {
	Hunhandle *hun;
	uint64_t *tri;            /* bitset of hashed lower-case letter trigrams */
	struct lex_map *known;    /* lower-case word -> tier (LEX_LISTED, LEX_OURS) */
	struct lex_map *freq;     /* lower-case word -> count */
	struct lex_map *cache;    /* word as written -> tier */
	struct lex_map *inf;      /* word as written -> lex_infinitive's answer */
	struct lex_map *names;    /* lower case -> 1: our additions write it with a capital */
	struct lex_map *name_pre; /* the names' beginnings (lex_name_prefix), made when asked */
	int name_pre_failed;
	struct lex_stats st;
	char *buf; /* scratch for lower-casing */
	size_t bufsz;
	/* a blocked Bloom filter of the words of known and freq (bloom_test):
	 * (bloom_mask + 1) blocks of eight words; NULL when there was no memory
	 * for it (lex_listed then asks the maps alone) */
	uint64_t *bloom;
	size_t bloom_mask;
};

/* Letter 3- and 4-grams of a word, lower-cased, with its start and end as
 * letters (0): "nämnd" has the 4-grams ^^^n ^^nä ^näm nämn ämnd mnd$ and the
 * 3-grams ^^n ^nä näm ... .  A word is plausible when every one of its
 * 3-grams and all but one of its 4-grams occur in some known word (one, for
 * the joint of a compound). */
static uint32_t gram_hash(uint32_t a, uint32_t b, uint32_t c, uint32_t d)
{
	uint64_t h = (uint64_t)a * 0x9E3779B97F4A7C15ull ^ (uint64_t)b * 0xC2B2AE3D27D4EB4Full ^
	             (uint64_t)c * 0x165667B19E3779F9ull ^ (uint64_t)d * 0x27D4EB2F165667C5ull;
	h ^= h >> 31;
	h *= 0x94D049BB133111EBull;
	h ^= h >> 29;
	return (uint32_t)(h % TRI_BITS);
}

#define GRAM3 0xFFFFFFFFu /* stands for "no letter" in a 3-gram's hash */

static int bit(const uint64_t *bits, uint32_t h)
{
	return (bits[h >> 6] >> (h & 63)) & 1;
}

/* add: set the grams of w.  Otherwise: return the number of unseen 4-grams
 * plus 100 for each unseen 3-gram, or as soon as that passes limit, a number
 * above it. */
static int tri_walk(const char *w, size_t n, uint64_t *bits, int add, int limit)
{
	uint32_t a = 0, b = 0, c = 0;
	size_t i = 0;
	int miss = 0;
	for (;;) {
		uint32_t d;
		if (i < n) {
			d = (unsigned char)w[i];
			if (d < 0x80) {
				i++;
				if (d >= 'A' && d <= 'Z')
					d += 32;
			} else {
				d = utf8_cp_lower(utf8_next(w, n, &i));
			}
		} else {
			d = 0;
		}
		if (c || d) {
			uint32_t h4 = gram_hash(a, b, c, d), h3 = gram_hash(GRAM3, b, c, d);
			if (add) {
				bits[h4 >> 6] |= 1ull << (h4 & 63);
				bits[h3 >> 6] |= 1ull << (h3 & 63);
			} else {
				miss += !bit(bits, h3) * 100 + !bit(bits, h4);
				if (miss > limit)
					return miss;
			}
		}
		if (!d)
			return miss;
		a = b;
		b = c;
		c = d;
	}
}

int lex_plausible(const struct lex *lx, const char *w, size_t n, int loose)
{
	int limit = loose ? 103 : 1;
	return tri_walk(w, n, lx->tri, 0, limit) <= limit;
}

/* Every stem of hunspell's .dic (before the '/' of its flags). */
static int tri_from_dic(struct lex *lx, const char *path, struct ex_error *err)
{
	struct sb f = SB_INIT;
	if (sb_read_file(&f, path) < 0) {
		sb_release(&f);
		return ex_fail(err, EX_DEP, path, 0, 0, "cannot read: %s", strerror(errno));
	}
	char *p = f.buf, *end = f.buf + f.len;
	int first = 1;
	while (p < end) {
		char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		size_t l = strcspn(p, "/\t\n");
		if (l > (size_t)(nl - p))
			l = (size_t)(nl - p);
		if (!first && l)
			tri_walk(p, l, lx->tri, 1, 0);
		first = 0; /* the first line is the word count */
		p = nl + 1;
	}
	sb_release(&f);
	return 0;
}

static void tri_from_map(struct lex *lx, const struct lex_map *m)
{
	for (size_t i = 0; i < m->cap; i++)
		if (m->slots[i].hash)
			tri_walk(m->arena + m->slots[i].koff, m->slots[i].klen, lx->tri, 1, 0);
}

/* lex_listed()'s question is mostly answered "no" (word repair asks it of
 * every candidate reading, most of which are no words), and a hash table's
 * "no" costs a cache miss in each of two tables.  A blocked Bloom filter
 * answers most of them from one 64-byte block of a table small enough to
 * stay in cache: the block chosen by the word's hash, six of its 512 bits
 * by the rest of it (about 14 bits a word: some 1% of the words not listed
 * pass, and the maps answer for them).  set: add h; otherwise 1 when h may
 * be a listed word's hash, 0 when it is none. */
static int bloom_test(const struct lex *lx, uint64_t h, int set)
{
	uint64_t *b = lx->bloom + ((h >> 40) & lx->bloom_mask) * 8;
	uint64_t g = h * 0x9E3779B97F4A7C15ull;
	for (int k = 0; k < 6; k++, g <<= 9) {
		unsigned i = (unsigned)(g >> 55); /* 9 bits: one of the block's 512 */
		uint64_t m = (uint64_t)1 << (i & 63);
		if (set)
			b[i >> 6] |= m;
		else if (!(b[i >> 6] & m))
			return 0;
	}
	return 1;
}

static void bloom_from_maps(struct lex *lx)
{
	size_t n = lex_map_count(lx->known) + lex_map_count(lx->freq), blocks = 64;
	while (blocks < n / 40 && blocks < ((size_t)1 << 24))
		blocks *= 2;
	lx->bloom = calloc(blocks * 8, sizeof(uint64_t));
	if (!lx->bloom)
		return; /* (slower, not wrong) */
	lx->bloom_mask = blocks - 1;
	const struct lex_map *maps[] = {lx->known, lx->freq};
	for (int k = 0; k < 2; k++)
		for (size_t i = 0; i < maps[k]->cap; i++)
			if (maps[k]->slots[i].hash)
				bloom_test(lx, maps[k]->slots[i].hash, 1);
}

struct load_ctx {
	struct lex *lx;
	const char *path;
	int tier;
	struct ex_error *err;
};

static int scratch(struct lex *lx, size_t n)
{
	if (2 * n + 1 <= lx->bufsz)
		return 0;
	size_t nb = 2 * n + 64;
	char *b = realloc(lx->buf, nb);
	if (!b)
		return -1;
	lx->buf = b;
	lx->bufsz = nb;
	return 0;
}

/* Whether every letter of s[0..n) is a capital ("IVO", "KSAU"). */
static int all_upper(const char *s, size_t n)
{
	for (size_t i = 0; i < n;) {
		uint32_t c = utf8_next(s, n, &i);
		if (utf8_is_alpha(c) && !utf8_is_upper(c))
			return 0;
	}
	return 1;
}

static int add_known(void *vctx, char *line, int lineno)
{
	struct load_ctx *c = vctx;
	size_t n = strlen(line);
	if (scratch(c->lx, n) < 0)
		return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	size_t ln = lex_lower(line, n, c->lx->buf);
	uint32_t old = 0;
	lex_map_get(c->lx->known, c->lx->buf, ln, &old, NULL, NULL);
	if ((int)old < c->tier &&
	    lex_map_put(c->lx->known, c->lx->buf, ln, (uint32_t)c->tier, NULL, 0) < 0)
		return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	if (c->tier == LEX_OURS) {
		/* a name: written with a capital and not also in lower case */
		size_t k = 0;
		uint32_t first = utf8_next(line, n, &k), was;
		int cap = utf8_is_upper(first) && !all_upper(line, n);
		int seen = lex_map_get(c->lx->names, c->lx->buf, ln, &was, NULL, NULL);
		if ((!seen || (was && !cap)) &&
		    lex_map_put(c->lx->names, c->lx->buf, ln, (uint32_t)cap, NULL, 0) < 0)
			return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
		uint32_t f = 0;
		lex_map_get(c->lx->freq, c->lx->buf, ln, &f, NULL, NULL);
		if (f < LEX_ADDITION_COUNT &&
		    lex_map_put(c->lx->freq, c->lx->buf, ln, LEX_ADDITION_COUNT, NULL, 0) < 0)
			return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	}
	return 0;
}

static int add_freq(void *vctx, char *line, int lineno)
{
	struct load_ctx *c = vctx;
	char *tab = strchr(line, '\t');
	char *end;
	if (!tab)
		return ex_fail(c->err, EX_RULE, c->path, 0, lineno, "expected 'word<TAB>count'");
	*tab = '\0';
	errno = 0;
	unsigned long v = strtoul(tab + 1, &end, 10);
	if (errno || *end || end == tab + 1 || v > UINT32_MAX)
		return ex_fail(c->err, EX_RULE, c->path, 0, lineno, "bad count '%s'", tab + 1);
	size_t n = strlen(line);
	if (scratch(c->lx, n) < 0)
		return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	size_t ln = lex_lower(line, n, c->lx->buf);
	uint32_t old = 0;
	lex_map_get(c->lx->freq, c->lx->buf, ln, &old, NULL, NULL);
	if (lex_map_put(c->lx->freq, c->lx->buf, ln, old + (uint32_t)v, NULL, 0) < 0)
		return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	return 0;
}

/* A municipal word form: LEX_MUNICIPAL_COUNT more in the prior than the
 * prose gave it, and listed (a word on trust, as a prose count gives it: see
 * lex_check).  Run after freq.tsv is loaded.  Where both readings of a pair
 * are municipal the list has both ("stöd", "stod"), and the prose still
 * decides between them. */
static int add_municipal(void *vctx, char *line, int lineno)
{
	struct load_ctx *c = vctx;
	size_t n = strlen(line);
	if (strchr(line, ' ') || strchr(line, '\t'))
		return ex_fail(c->err, EX_RULE, c->path, 0, lineno, "one word a line");
	if (scratch(c->lx, n) < 0)
		return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	size_t ln = lex_lower(line, n, c->lx->buf);
	uint32_t old = 0;
	lex_map_get(c->lx->freq, c->lx->buf, ln, &old, NULL, NULL);
	if (lex_map_put(c->lx->freq, c->lx->buf, ln, old + LEX_MUNICIPAL_COUNT, NULL, 0) < 0)
		return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	uint32_t tier = 0;
	lex_map_get(c->lx->known, c->lx->buf, ln, &tier, NULL, NULL);
	if ((int)tier < LEX_LISTED &&
	    lex_map_put(c->lx->known, c->lx->buf, ln, LEX_LISTED, NULL, 0) < 0)
		return ex_fail(c->err, EX_NOMEM, c->path, 0, lineno, "out of memory");
	return 0;
}

static int load_list(struct lex *lx, const char *dir, const char *name,
                     int (*fn)(void *, char *, int), int tier, struct ex_error *err)
{
	struct sb path = SB_INIT;
	sb_addf(&path, "%s/%s", dir, name);
	struct load_ctx c = {lx, path.buf, tier, err};
	int rc = path.oom ? ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory")
	                  : rules_read_lines(path.buf, fn, &c, err);
	sb_release(&path);
	return rc;
}

int lex_new(const struct lex_options *opt, struct lex **out, struct ex_error *err)
{
	*out = NULL;
	struct lex *lx = calloc(1, sizeof(*lx));
	if (!lx)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	int rc = 0;
	lx->known = lex_map_new();
	lx->freq = lex_map_new();
	lx->cache = lex_map_new();
	lx->inf = lex_map_new();
	lx->names = lex_map_new();
	if (!lx->known || !lx->freq || !lx->cache || !lx->inf || !lx->names) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}
	const char *dd = opt->dict_dir ? opt->dict_dir : "/usr/share/hunspell";
	const char *lang = opt->lang ? opt->lang : "sv_SE";
	struct sb aff = SB_INIT, dic = SB_INIT;
	sb_addf(&aff, "%s/%s.aff", dd, lang);
	sb_addf(&dic, "%s/%s.dic", dd, lang);
	if (access(aff.buf, R_OK) < 0 || access(dic.buf, R_OK) < 0) {
		rc = ex_fail(err, EX_DEP, access(aff.buf, R_OK) < 0 ? aff.buf : dic.buf, 0, 0,
		             "hunspell dictionary missing (Debian package hunspell-sv)");
	} else if (!(lx->hun = Hunspell_create(aff.buf, dic.buf))) {
		rc = ex_fail(err, EX_DEP, dic.buf, 0, 0, "hunspell could not load the dictionary");
	} else if (!(lx->tri = calloc(TRI_BITS / 64, sizeof(uint64_t)))) {
		rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	} else {
		rc = tri_from_dic(lx, dic.buf, err);
	}
	sb_release(&aff);
	sb_release(&dic);
	if (rc < 0)
		goto fail;
	if ((rc = load_list(lx, opt->dir, "tesseract.words", add_known, LEX_LISTED, err)) < 0 ||
	    (rc = load_list(lx, opt->dir, "freq.tsv", add_freq, 0, err)) < 0 ||
	    (rc = load_list(lx, opt->dir, "municipal.words", add_municipal, 0, err)) < 0 ||
	    (rc = load_list(lx, opt->dir, "additions.words", add_known, LEX_OURS, err)) < 0)
		goto fail;
	lx->st.words = lex_map_count(lx->known);
	tri_from_map(lx, lx->known);
	tri_from_map(lx, lx->freq);
	bloom_from_maps(lx);
	*out = lx;
	return 0;
fail:
	lex_free(lx);
	return rc;
}

void lex_free(struct lex *lx)
{
	if (!lx)
		return;
	if (lx->hun)
		Hunspell_destroy(lx->hun);
	lex_map_free(lx->known);
	lex_map_free(lx->freq);
	lex_map_free(lx->cache);
	lex_map_free(lx->inf);
	lex_map_free(lx->names);
	lex_map_free(lx->name_pre);
	free(lx->tri);
	free(lx->bloom);
	free(lx->buf);
	free(lx);
}

/* The case shapes hunspell accepts for a lower-case list word: all lower,
 * a capital first, or all capitals. */
static int plain_case(const char *w, size_t n)
{
	int upper_after_first = 0, lower = 0;
	size_t i = 0, k = 0;
	while (i < n) {
		uint32_t cp = utf8_next(w, n, &i);
		if (utf8_is_upper(cp)) {
			if (k)
				upper_after_first = 1;
		} else if (utf8_is_lower(cp)) {
			lower = 1;
		}
		k++;
	}
	return !(upper_after_first && lower);
}

int lex_check(struct lex *lx, const char *w, size_t n)
{
	lx->st.lookups++;
	uint32_t t;
	if (lex_map_get(lx->cache, w, n, &t, NULL, NULL))
		return (int)t;
	if (scratch(lx, n) < 0)
		return LEX_UNKNOWN;
	int tier = LEX_UNKNOWN;
	if (plain_case(w, n)) {
		size_t ln = lex_lower(w, n, lx->buf);
		if (lex_map_get(lx->known, lx->buf, ln, &t, NULL, NULL))
			tier = (int)t;
		/* a name of our additions is no word in lower case ("Åsa" is not
		 * "åsa"): only hunspell may know that */
		uint32_t nm = 0;
		size_t k0 = 0;
		if (tier == LEX_OURS && utf8_is_lower(utf8_next(w, n, &k0)) &&
		    lex_map_get(lx->names, lx->buf, ln, &nm, NULL, NULL) && nm)
			tier = LEX_UNKNOWN;
	}
	/* A word seen often in Swedish prose is a word: no need to ask hunspell */
	uint32_t f = 0;
	if (tier == LEX_LISTED && plain_case(w, n))
		lex_map_get(lx->freq, lx->buf, lex_lower(w, n, lx->buf), &f, NULL, NULL);
	if (tier != LEX_OURS && f < LEX_TRUSTED_COUNT) {
		/* hunspell wants a NUL-terminated string */
		memcpy(lx->buf, w, n);
		lx->buf[n] = '\0';
		lx->st.hunspell_calls++;
		int ok = Hunspell_spell(lx->hun, lx->buf) != 0;
		if (!ok)
			tier = LEX_UNKNOWN; /* a list word hunspell rejects: the lists are
					       noisy (Tesseract's has "forslag") */
		else if (tier == LEX_UNKNOWN)
			tier = LEX_HUNSPELL;
	}
	if (lex_map_count(lx->cache) >= LEX_CACHE_MAX)
		lex_map_clear(lx->cache);
	lex_map_put(lx->cache, w, n, (uint32_t)tier, NULL, 0);
	return tier;
}

int lex_listed(struct lex *lx, const char *w, size_t n)
{
	if (scratch(lx, n) < 0)
		return 0;
	size_t ln = lex_lower(w, n, lx->buf);
	uint64_t h = hash_bytes(lx->buf, ln);
	if (lx->bloom && !bloom_test(lx, h, 0))
		return 0;
	return map_find(lx->known, lx->buf, ln, h)->hash ||
	       map_find(lx->freq, lx->buf, ln, h)->hash;
}

/* How many stems hunspell gives w[0..n), and in *self whether w itself
 * (lower case) is one of them; -1 for a word too long to ask about. */
static int stems(struct lex *lx, const char *w, size_t n, int *self)
{
	*self = 0;
	if (n > 100)
		return -1;
	char low[256]; /* lex_lower() needs 2n + 1 */
	lex_lower(w, n, low);
	char **list = NULL;
	int k = Hunspell_stem(lx->hun, &list, low);
	for (int i = 0; i < k && !*self; i++)
		*self = !strcmp(list[i], low);
	if (list)
		Hunspell_free_list(lx->hun, &list, k);
	return k;
}

/* 0 when hunspell knows w[0..n) only as an inflection of another word
 * ("söker" is "söka"): Swedish builds compounds on a base form
 * ("undervisning|s|råd"), never on a verb's present tense or a definite
 * form.  A word hunspell has no stem for (a listed compound form such as
 * "gymnasie") passes. */
static int base_form(struct lex *lx, const char *w, size_t n)
{
	int self;
	int k = stems(lx, w, n, &self);
	return k <= 0 || self;
}

int lex_compound(struct lex *lx, const char *w, size_t n)
{
	size_t cps = utf8_count(w, n), k = 0;
	for (size_t i = 0; i < n;) {
		utf8_next(w, n, &i);
		k++;
		if (k < 5 || cps - k < 3)
			continue;
		/* tail w[i..n): a word of prose that hunspell accepts */
		if (!lex_freq(lx, w + i, n - i) || lex_check(lx, w + i, n - i) == LEX_UNKNOWN)
			continue;
		/* head: a listed word, or one and a linking s; hunspell confirms a
		 * head of fewer than seven letters */
		size_t h = i;
		if (!lex_listed(lx, w, h) && !(w[i - 1] == 's' && i > 4 && lex_listed(lx, w, --h)))
			continue;
		if ((k >= 7 || lex_check(lx, w, h) != LEX_UNKNOWN) && base_form(lx, w, h))
			return 1;
	}
	return 0;
}

/* lex_infinitive() without its cache. */
static int infinitive(struct lex *lx, const char *w, size_t n)
{
	if (n < 3 || n > 100)
		return 0;
	if (w[n - 1] == 's') /* a passive: "göras" is "göra" and an s */
		return w[n - 2] == 'a' && lex_infinitive(lx, w, n - 1);
	int vowel = w[n - 1] == 'e' || w[n - 1] == 'o' ||
	            ((unsigned char)w[n - 2] == 0xC3 &&
	             ((unsigned char)w[n - 1] == 0xA5 || (unsigned char)w[n - 1] == 0xA4 ||
	              (unsigned char)w[n - 1] == 0xB6));
	if (w[n - 1] != 'a' && !vowel)
		return 0;
	/* its own stem and no other: "starka" is "stark"; its own and another's
	 * too ("gälla", also "gäll"): perhaps */
	int self, k = stems(lx, w, n, &self);
	if (k < 1 || !self)
		return 0;
	if (!vowel)
		return k == 1 ? 1 : 2;
	if (k != 1)
		return 0;
	/* a verb whose stem ends in a long vowel ("gå", "ingå", "klä", "bo")
	 * has a present tense in r ("ingår"), which "grå" and "små" have not */
	char pres[104];
	memcpy(pres, w, n);
	pres[n] = 'r';
	return lex_check(lx, pres, n + 1) != LEX_UNKNOWN;
}

int lex_name(struct lex *lx, const char *w, size_t n)
{
	uint32_t v = 0;
	if (scratch(lx, n) < 0)
		return 0;
	size_t ln = lex_lower(w, n, lx->buf);
	return lex_map_get(lx->names, lx->buf, ln, &v, NULL, NULL) && v;
}

/* The beginnings of every name (whole letters), from the names map. */
static int make_name_prefixes(struct lex *lx)
{
	lx->name_pre = lex_map_new();
	if (!lx->name_pre)
		return -1;
	size_t it = 0, kl;
	const char *key;
	uint32_t cap;
	while (lex_map_next(lx->names, &it, &key, &kl, &cap)) {
		if (!cap)
			continue;
		for (size_t i = 1; i <= kl; i++)
			if ((i == kl || ((unsigned char)key[i] & 0xC0) != 0x80) &&
			    lex_map_put(lx->name_pre, key, i, 1, NULL, 0) < 0)
				return -1;
	}
	return 0;
}

int lex_name_prefix(struct lex *lx, const char *low, size_t n)
{
	if (!lx->name_pre && !lx->name_pre_failed && make_name_prefixes(lx) < 0) {
		lex_map_free(lx->name_pre);
		lx->name_pre = NULL;
		lx->name_pre_failed = 1;
	}
	if (lx->name_pre_failed)
		return 1; /* out of memory: every beginning may be one */
	return lex_map_get(lx->name_pre, low, n, NULL, NULL, NULL);
}

int lex_infinitive(struct lex *lx, const char *w, size_t n)
{
	uint32_t v;
	if (lex_map_get(lx->inf, w, n, &v, NULL, NULL))
		return (int)v;
	int r = infinitive(lx, w, n);
	if (lex_map_count(lx->inf) >= LEX_CACHE_MAX)
		lex_map_clear(lx->inf);
	lex_map_put(lx->inf, w, n, (uint32_t)r, NULL, 0);
	return r;
}

uint32_t lex_freq(struct lex *lx, const char *w, size_t n)
{
	if (scratch(lx, n) < 0)
		return 0;
	size_t ln = lex_lower(w, n, lx->buf);
	uint32_t f = 0;
	lex_map_get(lx->freq, lx->buf, ln, &f, NULL, NULL);
	return f;
}

void lex_get_stats(const struct lex *lx, struct lex_stats *st)
{
	*st = lx->st;
}
