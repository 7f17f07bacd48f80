/* fields.c - see fields.h.
 *
 * How a document is read:
 *  1. Furniture.  Lines that are page furniture (fields/furniture.rules:
 *     page numbers, letterheads and footers; and any block of short lines
 *     that repeats an earlier one, such as the date and diarienummer printed
 *     again on every page) are set aside.
 *  2. Views.  The doc's lines are joined into texts the rules match against:
 *     `all` (every line), `body` (without furniture), `head` (the body up to
 *     the first structural heading) and `header` (head plus furniture: the
 *     letterhead, where organisation and department are printed).  Each view
 *     maps a byte offset back to page and line.
 *  3. Document type: the classifier rules (fields/doctype.rules) score each
 *     type; the highest wins.
 *  4. Pattern rules (every other *.rules file): PCRE2 patterns whose named
 *     groups name the fields they fill (`case_number`, `officer_name`, or
 *     `value` for the rule's own `field`).  The first rule to fill a field
 *     wins; `repeat = yes` rules collect every match (amounts, references),
 *     `group = yes` makes each match a new signatory or party, `pick =
 *     latest` keeps the match with the greatest value (the last date).
 *  5. Structure: the body is cut into blocks (runs of non-blank lines);
 *     headings (fields/headings.rules, or the shape of a heading) start
 *     parts whose role sends their text to the proposed decisions, the
 *     summary, the sections, the attachments or the distribution list.
 *     Signature blocks (fields/signatures.rules: a name line over a title
 *     line) give the signatories.
 *  6. Required fields (fields/required.rules) are checked for the type.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "fields.h"

#include <ctype.h>
#include <math.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "utf8.h"

/* ---- compiled rules ------------------------------------------------------ */

enum scope { SCOPE_ALL, SCOPE_BODY, SCOPE_HEAD, SCOPE_HEADER, SCOPE__COUNT };
static const char *const scope_names[] = {"all", "body", "head", "header"};

struct group_map {
	int number; /* capture group */
	int field;  /* enum rec_field */
};

struct prule {
	const struct rules_block *b;
	pcre2_code *re;
	enum scope scope;
	int repeat;    /* collect every match */
	int grouped;   /* each match is a new signatory / party */
	int latest;    /* of all matches, keep the one with the greatest value */
	int raw_group; /* group number of (?<raw>...), or 0 */
	struct group_map *groups;
	size_t ngroups;
};

struct doctype {
	const struct rules_block *b;
	const char *type;
	pcre2_code *re;
	enum scope scope;
	int weight;
};

enum role {
	ROLE_SECTION,
	ROLE_DECISIONS,
	ROLE_SUMMARY,
	ROLE_ATTACHMENTS,
	ROLE_DISTRIBUTION,
	ROLE_NOT_HEADING, /* a line that looks like a heading but is not one */
	ROLE_SIGNING,     /* an empty signature field ("Datum _____"): dropped */
	ROLE_SIGNATURES,  /* starts the signature area ("Stockholm 2020-06-09") */
	ROLE_PARTIES,     /* "Parter": the text is read by the party rules, no section */
	ROLE__COUNT
};
static const char *const role_names[] = {"section",     "decisions",    "summary",
                                         "attachments", "distribution", "none",
                                         "signing",     "signatures",   "parties"};

struct lrule { /* a rule matched against one line */
	const struct rules_block *b;
	pcre2_code *re;
	int kind; /* heading: enum role; signatures: enum sig_kind */
};

enum sig_kind { SIG_NAME, SIG_TITLE, SIG_TITLE_WORD, SIG_TITLE_PREFIX };

struct trule { /* a text clean-up rule */
	const struct rules_block *b;
	pcre2_code *re;
	const char *replace;
};

struct required {
	const struct rules_block *b;
	const char *type;
	int fields[RF__COUNT];
	size_t n;
};

struct month {
	char *name;
	int number;
};

struct unit {
	char *name;
	double factor;
};

struct fields {
	struct fields_options opt;
	struct rules_set set;
	struct doctype *types;
	size_t ntypes;
	struct prule *pats;
	size_t npats;
	struct lrule *heads;
	size_t nheads;
	struct lrule *furn;
	size_t nfurn;
	struct lrule *sigs;
	size_t nsigs;
	struct trule *texts;
	size_t ntexts;
	struct required *req;
	size_t nreq;
	struct month *months;
	size_t nmonths;
	struct unit *units;
	size_t nunits;
	pcre2_match_data *md;
	/* per-document cache of line classes (fields_extract fills it lazily):
	 * vocab role + 2, or 0 when not yet known; name/title: 1 no, 2 yes */
	const struct doc *cache_doc;
	signed char *cache_vocab, *cache_name, *cache_title;
	size_t cache_n;
	int *pitch; /* per page of the document being read: line_pitches() */
};

static int compile(const struct rules_block *b, const char *key, pcre2_code **out,
                   struct ex_error *err)
{
	const struct rules_entry *e = rules_entry(b, key);
	if (!e)
		return ex_fail(err, EX_RULE, b->file, 0, b->line, "rule '%s': no '%s'", b->id, key);
	int ec;
	PCRE2_SIZE eo;
	*out = pcre2_compile((PCRE2_SPTR)e->value, PCRE2_ZERO_TERMINATED,
	                     PCRE2_UTF | PCRE2_UCP | PCRE2_MULTILINE, &ec, &eo, NULL);
	if (!*out) {
		PCRE2_UCHAR msg[256];
		pcre2_get_error_message(ec, msg, sizeof(msg));
		return ex_fail(err, EX_RULE, b->file, 0, e->line, "rule '%s': %s at offset %zu",
		               b->id, (const char *)msg, (size_t)eo);
	}
	if (rules_jit_enabled())
		pcre2_jit_compile(*out, PCRE2_JIT_COMPLETE);
	return 0;
}

/* The value of `key`, which must be one of `names`; its index, or -1. */
static int pick(const struct rules_block *b, const char *key, const char *const *names, int n,
                int dflt, struct ex_error *err)
{
	const char *v = rules_get(b, key);
	if (!v)
		return dflt;
	for (int i = 0; i < n; i++)
		if (!strcmp(v, names[i]))
			return i;
	struct sb all = SB_INIT;
	for (int i = 0; i < n; i++)
		sb_addf(&all, "%s%s", i ? ", " : "", names[i]);
	ex_fail(err, EX_RULE, b->file, 0, rules_entry(b, key)->line,
	        "rule '%s': %s is one of %s, not '%s'", b->id, key, all.buf, v);
	sb_release(&all);
	return -1;
}

static int yes(const struct rules_block *b, const char *key)
{
	const char *v = rules_get(b, key);
	return v && !strcmp(v, "yes");
}

static int same_name(const char *path, const char *name)
{
	for (; *path && *name; path++, name++)
		if (!(*path == *name || ((*path == '/' || *path == '-') && *name == '_')))
			return 0;
	return !*path && !*name;
}

/* "officer_name" names the field "officer/name"; a field three deep may
 * leave out its container ("party_organisation_number"), since PCRE2 group
 * names are at most 32 characters. */
static int field_for_group(const char *name)
{
	for (int f = 0; f < RF__COUNT; f++) {
		const char *p = record_field_path(f), *slash = strchr(p, '/');
		if (same_name(p, name) ||
		    (slash && strchr(slash + 1, '/') && same_name(slash + 1, name)))
			return f;
	}
	return -1;
}

static int load_pattern_rule(struct fields *fs, const struct rules_block *b, struct ex_error *err)
{
	static const char *const keys[] = {"why",   "field", "pattern", "scope", "repeat",
	                                   "group", "pick",  "test",    NULL};
	static const char *const req[] = {"why", "pattern", NULL};
	int rc = rules_check_keys(b, keys, req, err);
	if (rc < 0)
		return rc;
	struct prule *r = &fs->pats[fs->npats];
	memset(r, 0, sizeof(*r));
	r->b = b;
	int sc = pick(b, "scope", scope_names, SCOPE__COUNT, SCOPE_ALL, err);
	if (sc < 0)
		return -EX_RULE;
	r->scope = (enum scope)sc;
	r->repeat = yes(b, "repeat");
	r->grouped = yes(b, "group");
	static const char *const picks[] = {"first", "latest"};
	int pk = pick(b, "pick", picks, 2, 0, err);
	if (pk < 0)
		return -EX_RULE;
	r->latest = pk == 1;
	int own = -1;
	const char *fname = rules_get(b, "field");
	if (fname && (own = record_field_from_path(fname)) < 0)
		return ex_fail(err, EX_RULE, b->file, 0, rules_entry(b, "field")->line,
		               "rule '%s': no field '%s' in the record schema", b->id, fname);
	if ((rc = compile(b, "pattern", &r->re, err)) < 0)
		return rc;
	fs->npats++; /* from here on fields_free releases it */
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table;
	pcre2_pattern_info(r->re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(r->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(r->re, PCRE2_INFO_NAMETABLE, &table);
	r->groups = calloc(count ? count : 1, sizeof(*r->groups));
	if (!r->groups)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	int pline = rules_entry(b, "pattern")->line;
	for (uint32_t i = 0; i < count; i++) {
		PCRE2_SPTR e = table + i * size;
		int num = (e[0] << 8) | e[1];
		const char *name = (const char *)e + 2;
		int f;
		if (!strcmp(name, "raw")) {
			r->raw_group = num;
			continue;
		}
		if (!strcmp(name, "value")) {
			if (own < 0)
				return ex_fail(err, EX_RULE, b->file, 0, pline,
				               "rule '%s': (?<value>...) needs a 'field'", b->id);
			f = own;
		} else if (name[0] == 'x' && name[1] == '_') {
			continue; /* helper group, not a field */
		} else if ((f = field_for_group(name)) < 0) {
			return ex_fail(err, EX_RULE, b->file, 0, pline,
			               "rule '%s': group '%s' names no field (write officer/name "
			               "as officer_name; x_ starts a helper group)",
			               b->id, name);
		}
		r->groups[r->ngroups++] = (struct group_map){num, f};
	}
	if (!r->ngroups)
		return ex_fail(err, EX_RULE, b->file, 0, b->line,
		               "rule '%s': the pattern captures no field", b->id);
	return 0;
}

static int load_doctype(struct fields *fs, const struct rules_block *b, struct ex_error *err)
{
	static const char *const keys[] = {"why", "type", "pattern", "scope", "weight", NULL};
	static const char *const req[] = {"why", "type", "pattern", NULL};
	int rc = rules_check_keys(b, keys, req, err);
	if (rc < 0)
		return rc;
	struct doctype *t = &fs->types[fs->ntypes];
	memset(t, 0, sizeof(*t));
	t->b = b;
	t->type = rules_get(b, "type");
	const char *w = rules_get(b, "weight");
	t->weight = w ? atoi(w) : 1;
	int sc = pick(b, "scope", scope_names, SCOPE__COUNT, SCOPE_ALL, err);
	if (sc < 0)
		return -EX_RULE;
	t->scope = (enum scope)sc;
	if ((rc = compile(b, "pattern", &t->re, err)) < 0)
		return rc;
	fs->ntypes++;
	return 0;
}

static int load_line_rule(struct lrule *arr, size_t *n, const struct rules_block *b,
                          const char *kind_key, const char *const *kinds, int nkinds,
                          struct ex_error *err)
{
	static const char *const keys[] = {"why", "pattern", "role", "kind", "test", NULL};
	const char *req[] = {"why", "pattern", kind_key, NULL};
	int rc = rules_check_keys(b, keys, kind_key ? req : req, err);
	if (rc < 0)
		return rc;
	struct lrule *l = &arr[*n];
	memset(l, 0, sizeof(*l));
	l->b = b;
	if (kind_key) {
		l->kind = pick(b, kind_key, kinds, nkinds, 0, err);
		if (l->kind < 0)
			return -EX_RULE;
	}
	if ((rc = compile(b, "pattern", &l->re, err)) < 0)
		return rc;
	(*n)++;
	return 0;
}

static int load_text_rule(struct fields *fs, const struct rules_block *b, struct ex_error *err)
{
	static const char *const keys[] = {"why", "pattern", "replace", "test", NULL};
	static const char *const req[] = {"why", "pattern", "replace", NULL};
	int rc = rules_check_keys(b, keys, req, err);
	if (rc < 0)
		return rc;
	struct trule *t = &fs->texts[fs->ntexts];
	t->b = b;
	t->replace = rules_get(b, "replace");
	if ((rc = compile(b, "pattern", &t->re, err)) < 0)
		return rc;
	fs->ntexts++;
	return 0;
}

static int load_required(struct fields *fs, const struct rules_block *b, struct ex_error *err)
{
	static const char *const keys[] = {"why", "type", "require", NULL};
	static const char *const req[] = {"why", "type", "require", NULL};
	int rc = rules_check_keys(b, keys, req, err);
	if (rc < 0)
		return rc;
	struct required *r = &fs->req[fs->nreq];
	memset(r, 0, sizeof(*r));
	r->b = b;
	r->type = rules_get(b, "type");
	char *list = strdup(rules_get(b, "require")), *save = NULL;
	if (!list)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	for (char *t = strtok_r(list, " \t\n,", &save); t; t = strtok_r(NULL, " \t\n,", &save)) {
		int f = record_field_from_path(t);
		if (f < 0 || r->n >= RF__COUNT) {
			rc = ex_fail(err, EX_RULE, b->file, 0, rules_entry(b, "require")->line,
			             "rule '%s': no field '%s' in the record schema", b->id, t);
			break;
		}
		r->fields[r->n++] = f;
	}
	free(list);
	if (rc == 0)
		fs->nreq++;
	return rc;
}

static int month_line(void *ctx, char *line, int lineno)
{
	struct fields *fs = ctx;
	char name[64];
	int num;
	if (sscanf(line, "%63s %d", name, &num) != 2 || num < 1 || num > 12)
		return -1000 - lineno;
	struct month *m = realloc(fs->months, (fs->nmonths + 1) * sizeof(*m));
	if (!m)
		return -EX_NOMEM;
	fs->months = m;
	m[fs->nmonths].name = strdup(name);
	m[fs->nmonths].number = num;
	if (!m[fs->nmonths].name)
		return -EX_NOMEM;
	fs->nmonths++;
	return 0;
}

/* "mnkr 1000000": a unit of money and its value in kronor.  Multi-word units
 * are written with underscores ("miljoner_kronor"). */
static int unit_line(void *ctx, char *line, int lineno)
{
	struct fields *fs = ctx;
	char name[64];
	double factor;
	if (sscanf(line, "%63s %lf", name, &factor) != 2 || factor <= 0)
		return -1000 - lineno;
	for (char *p = name; *p; p++)
		if (*p == '_')
			*p = ' ';
	struct unit *u = realloc(fs->units, (fs->nunits + 1) * sizeof(*u));
	if (!u)
		return -EX_NOMEM;
	fs->units = u;
	u[fs->nunits].name = strdup(name);
	u[fs->nunits].factor = factor;
	if (!u[fs->nunits].name)
		return -EX_NOMEM;
	fs->nunits++;
	return 0;
}

static int load_list(struct fields *fs, const char *file, int (*fn)(void *, char *, int),
                     const char *what, struct ex_error *err)
{
	struct sb path = SB_INIT;
	sb_addf(&path, "%s/fields/%s", fs->opt.rules_dir, file);
	int rc = rules_read_lines(path.buf, fn, fs, err);
	if (rc <= -1000)
		rc = ex_fail(err, EX_RULE, path.buf, 0, -rc - 1000, "expected %s", what);
	else if (rc == -EX_NOMEM)
		rc = ex_fail(err, EX_NOMEM, path.buf, 0, 0, "out of memory");
	sb_release(&path);
	return rc;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int fields_new(const struct fields_options *opt, struct fields **out, struct ex_error *err)
{
	static const char *const sig_kinds[] = {"name", "title", "title-word", "title-prefix"};
	*out = NULL;
	struct fields *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	fs->opt = *opt;
	struct sb dir = SB_INIT;
	sb_addf(&dir, "%s/fields", opt->rules_dir);
	int rc = rules_load_dir(&fs->set, dir.buf, ".rules", err);
	sb_release(&dir);
	size_t n = fs->set.nblocks ? fs->set.nblocks : 1;
	if (rc == 0) {
		fs->types = calloc(n, sizeof(*fs->types));
		fs->pats = calloc(n, sizeof(*fs->pats));
		fs->heads = calloc(n, sizeof(*fs->heads));
		fs->furn = calloc(n, sizeof(*fs->furn));
		fs->sigs = calloc(n, sizeof(*fs->sigs));
		fs->texts = calloc(n, sizeof(*fs->texts));
		fs->req = calloc(n, sizeof(*fs->req));
		fs->md = pcre2_match_data_create(64, NULL);
		if (!fs->types || !fs->pats || !fs->heads || !fs->furn || !fs->sigs || !fs->texts ||
		    !fs->req || !fs->md)
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < fs->set.nblocks && rc == 0; i++) {
		const struct rules_block *b = &fs->set.blocks[i];
		const char *f = base(b->file);
		if (!strcmp(f, "doctype.rules"))
			rc = load_doctype(fs, b, err);
		else if (!strcmp(f, "headings.rules"))
			rc = load_line_rule(fs->heads, &fs->nheads, b, "role", role_names,
			                    ROLE__COUNT, err);
		else if (!strcmp(f, "furniture.rules"))
			rc = load_line_rule(fs->furn, &fs->nfurn, b, NULL, NULL, 0, err);
		else if (!strcmp(f, "signatures.rules"))
			rc = load_line_rule(fs->sigs, &fs->nsigs, b, "kind", sig_kinds, 4, err);
		else if (!strcmp(f, "text.rules"))
			rc = load_text_rule(fs, b, err);
		else if (!strcmp(f, "required.rules"))
			rc = load_required(fs, b, err);
		else
			rc = load_pattern_rule(fs, b, err);
	}
	if (rc == 0)
		rc = load_list(fs, "months.list", month_line, "'monthname number'", err);
	if (rc == 0)
		rc = load_list(fs, "units.list", unit_line, "'unit kronor'", err);
	if (rc < 0) {
		fields_free(fs);
		return rc;
	}
	*out = fs;
	return 0;
}

static void free_lrules(struct lrule *l, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pcre2_code_free(l[i].re);
	free(l);
}

void fields_free(struct fields *fs)
{
	if (!fs)
		return;
	for (size_t i = 0; i < fs->ntypes; i++)
		pcre2_code_free(fs->types[i].re);
	for (size_t i = 0; i < fs->npats; i++) {
		pcre2_code_free(fs->pats[i].re);
		free(fs->pats[i].groups);
	}
	for (size_t i = 0; i < fs->ntexts; i++)
		pcre2_code_free(fs->texts[i].re);
	free_lrules(fs->heads, fs->nheads);
	free_lrules(fs->furn, fs->nfurn);
	free_lrules(fs->sigs, fs->nsigs);
	for (size_t i = 0; i < fs->nmonths; i++)
		free(fs->months[i].name);
	for (size_t i = 0; i < fs->nunits; i++)
		free(fs->units[i].name);
	free(fs->months);
	free(fs->units);
	free(fs->types);
	free(fs->pats);
	free(fs->texts);
	free(fs->req);
	free(fs->cache_vocab);
	free(fs->cache_name);
	free(fs->cache_title);
	pcre2_match_data_free(fs->md);
	rules_set_release(&fs->set);
	free(fs);
}

/* ---- views ------------------------------------------------------------------- */

struct view {
	struct sb text;
	size_t *start; /* byte offset of each view line in text */
	size_t *line;  /* the doc line it shows */
	size_t n;
};

static void view_release(struct view *v)
{
	sb_release(&v->text);
	free(v->start);
	free(v->line);
	memset(v, 0, sizeof(*v));
}

/* Build a view of the doc lines for which keep[i] is set (all when NULL). */
static int view_build(struct view *v, const struct doc *d, const char *keep)
{
	memset(v, 0, sizeof(*v));
	sb_init(&v->text);
	v->start = malloc((d->nlines + 1) * sizeof(size_t));
	v->line = malloc((d->nlines + 1) * sizeof(size_t));
	if (!v->start || !v->line)
		return -1;
	for (size_t i = 0; i < d->nlines; i++) {
		if (keep && !keep[i])
			continue;
		if (v->n)
			sb_addc(&v->text, '\n');
		v->start[v->n] = v->text.len;
		v->line[v->n] = i;
		v->n++;
		sb_add(&v->text, d->lines[i].text, d->lines[i].len);
	}
	return v->text.oom ? -1 : 0;
}

/* The view line holding byte offset off. */
static size_t view_line_at(const struct view *v, size_t off)
{
	size_t lo = 0, hi = v->n;
	while (hi - lo > 1) {
		size_t mid = (lo + hi) / 2;
		if (v->start[mid] <= off)
			lo = mid;
		else
			hi = mid;
	}
	return lo;
}

/* ---- small text helpers ------------------------------------------------------ */

/* Copy s[0..n) with white space collapsed and ends trimmed. */
static char *squeeze(const char *s, size_t n)
{
	struct sb b = SB_INIT;
	int sp = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
			sp = b.len > 0;
			continue;
		}
		if (sp)
			sb_addc(&b, ' ');
		sp = 0;
		sb_addc(&b, c);
	}
	return sb_detach(&b, NULL);
}

/* Is s[i] a mark a degraded scan glues to a name or a title: a quote, a
 * colon, a comma, a point?  Its length in bytes, or 0. */
static size_t glued_mark(const char *s)
{
	static const char *const marks[] = {"\"",     "'",      ":",      ";",      ",",     ".",
	                                    "\u201C", "\u201D", "\u2019", "\u00BB", "\u00AB"};
	for (size_t k = 0; k < sizeof(marks) / sizeof(marks[0]); k++)
		if (!strncmp(s, marks[k], strlen(marks[k])))
			return strlen(marks[k]);
	return 0;
}

/* A squeezed name or title without the marks glued to its words ('"Annika
 * Holmgren', 'Kjell Hedwall:', '.Gymnasiedirektör'): marks before a word go,
 * and after it, except a point after a word with a point inside ("T.f.").
 * In place. */
static void unglue_marks(char *s)
{
	char *out = s;
	const char *p = s;
	while (*p) {
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		const char *a = w, *z = p;
		size_t k;
		while (a < z && (k = glued_mark(a)) != 0)
			a += k;
		for (;;) {
			/* the start of the word's last character */
			const char *last = z - 1;
			while (last > a && ((unsigned char)*last & 0xC0) == 0x80)
				last--;
			if (last < a || !(k = glued_mark(last)) || last + k != z)
				break;
			if (*last == '.' && memchr(a, '.', (size_t)(last - a)))
				break;
			z = last;
		}
		if (z > a) {
			if (out != s)
				*out++ = ' ';
			memmove(out, a, (size_t)(z - a));
			out += z - a;
		}
		while (*p == ' ')
			p++;
	}
	*out = '\0';
}

static void strip_trailing(char *s, const char *chars)
{
	size_t n = strlen(s);
	while (n && (strchr(chars, s[n - 1]) || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Replace every occurrence of `from` by `to` in a new string. */
static char *replace_all(const char *s, const char *from, const char *to)
{
	struct sb b = SB_INIT;
	size_t fl = strlen(from);
	for (const char *p = s; *p;) {
		if (!strncmp(p, from, fl)) {
			sb_adds(&b, to);
			p += fl;
		} else {
			sb_addc(&b, *p++);
		}
	}
	return sb_detach(&b, NULL);
}

/* Remove spaces next to the separators of a number: "7.4.2- 2019:830". */
static char *tighten(const char *s, const char *seps)
{
	struct sb b = SB_INIT;
	size_t n = strlen(s);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == ' ') {
			int before = i + 1 < n && strchr(seps, s[i + 1]);
			int after = b.len && strchr(seps, b.buf[b.len - 1]);
			if (before || after)
				continue;
		}
		sb_addc(&b, s[i]);
	}
	return sb_detach(&b, NULL);
}

static int is_blank_text(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (s[i] != ' ' && s[i] != '\t')
			return 0;
	return 1;
}

/* The first code point of s after leading blanks. */
static uint32_t first_cp(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i < n ? utf8_next(s, n, &i) : 0;
}

/* The bytes of a quote mark opening s (after blanks) when s has no other
 * quote mark: a speck read as '"' and glued to a heading on a degraded scan
 * ('"Samverkan i arbetet med ...'); a quotation closes.  0 when there is
 * none. */
static size_t stray_quote(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t q = i < n && s[i] == '"'                                                         ? 1
	           : i + 3 <= n && (!memcmp(s + i, "\u201C", 3) || !memcmp(s + i, "\u201D", 3)) ? 3
	                                                                                        : 0;
	if (!q)
		return 0;
	for (size_t k = i + q; k < n; k++)
		if (s[k] == '"' ||
		    (k + 3 <= n && (!memcmp(s + k, "\u201C", 3) || !memcmp(s + k, "\u201D", 3))))
			return 0;
	return i + q;
}

/* The last byte of s before trailing blanks, or 0. */
static char last_char(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n ? s[n - 1] : 0;
}

static size_t trimmed_len(const char *s, size_t n)
{
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	size_t i = 0, count = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (; i < n; i++)
		count += ((unsigned char)s[i] & 0xC0) != 0x80; /* not a continuation byte */
	return count;
}

/* ---- value conversion -------------------------------------------------------- */

static int month_number(const struct fields *fs, const char *name)
{
	char low[64];
	size_t len = strlen(name);
	if (len >= sizeof(low))
		return 0;
	char *l = utf8_lower(name, len, NULL);
	if (!l)
		return 0;
	snprintf(low, sizeof(low), "%s", l);
	free(l);
	for (size_t i = 0; i < fs->nmonths; i++)
		if (!strcmp(fs->months[i].name, low))
			return fs->months[i].number;
	return 0;
}

/* "2021-08-11", "2021 -08-11", "11 augusti 2021", "den 9 juni 2020" -> ISO. */
static char *to_iso_date(const struct fields *fs, const char *s)
{
	int y = 0, m = 0, d = 0;
	char buf[64];
	size_t k = 0;
	for (const char *p = s; *p && k + 1 < sizeof(buf); p++)
		if (*p != ' ')
			buf[k++] = *p;
	buf[k] = '\0';
	char tail;
	if (sscanf(buf, "%4d-%2d-%2d%c", &y, &m, &d, &tail) == 3 && strlen(buf) == 10)
		goto ok;
	char word[64];
	const char *p = s;
	if (!strncmp(p, "den ", 4))
		p += 4;
	if (sscanf(p, "%d %63s %d", &d, word, &y) == 3 && (m = month_number(fs, word)) > 0)
		goto ok;
	return NULL;
ok:;
	char iso[32];
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
	return record_check_date(iso) ? strdup(iso) : NULL;
}

/* ALL CAPS names become "Title Case"; others are kept. */
static char *name_case(const char *s)
{
	size_t n = strlen(s), i = 0;
	int lower = 0;
	while (i < n)
		if (utf8_is_lower(utf8_next(s, n, &i)))
			lower = 1;
	if (lower)
		return strdup(s);
	struct sb b = SB_INIT;
	int start = 1;
	i = 0;
	while (i < n) {
		uint32_t cp = utf8_next(s, n, &i);
		char enc[4];
		int alpha = utf8_is_alpha(cp);
		uint32_t o = alpha ? (start ? cp : utf8_cp_lower(cp)) : cp;
		sb_add(&b, enc, (size_t)utf8_encode(o, enc));
		start = !alpha;
	}
	return sb_detach(&b, NULL);
}

/* "2,4 mnkr" -> 2400000; "500 000 kronor" -> 500000.  The sum as a decimal
 * string in kronor, or NULL when the text names no unit we know. */
static char *amount_sek(const struct fields *fs, const char *s)
{
	char num[64];
	size_t k = 0;
	int dec = 0;
	const char *p = s;
#define DIG(c) ((c) >= '0' && (c) <= '9')
	for (; *p && k + 1 < sizeof(num); p++) {
		if (DIG(*p))
			num[k++] = *p;
		else if (*p == ' ' && k && !dec && DIG(p[1]))
			continue; /* "500 000" */
		else if (*p == '.' && k && !dec && DIG(p[1]) && DIG(p[2]) && DIG(p[3]) &&
		         !DIG(p[4]))
			continue; /* "1.200.000" */
		else if ((*p == ',' || *p == '.') && k && !dec && DIG(p[1])) {
			num[k++] = '.';
			dec = 1;
		} else
			break;
	}
#undef DIG
	num[k] = '\0';
	if (!k)
		return NULL;
	while (*p == ' ')
		p++;
	double factor = 0;
	size_t best = 0, rest = strlen(p);
	for (size_t i = 0; i < fs->nunits; i++) {
		size_t l = strlen(fs->units[i].name);
		if (l <= best || l > rest || strncasecmp(p, fs->units[i].name, l))
			continue;
		size_t at = l;
		if (at < rest && utf8_is_alpha(utf8_next(p, rest, &at)))
			continue; /* "kr" in "kronor" is not the unit */
		best = l;
		factor = fs->units[i].factor;
	}
	if (!best)
		return NULL;
	double v = strtod(num, NULL) * factor;
	char out[64];
	if (fabs(v - floor(v + 0.5)) < 1e-6)
		snprintf(out, sizeof(out), "%.0f", floor(v + 0.5));
	else
		snprintf(out, sizeof(out), "%.2f", v);
	return strdup(out);
}

/* Apply the text clean-up rules (fields/text.rules) to s in place. */
static char *clean_text(struct fields *fs, char *s)
{
	for (size_t i = 0; i < fs->ntexts && s; i++) {
		PCRE2_SIZE outlen = strlen(s) * 2 + 64;
		char *out = malloc(outlen);
		if (!out)
			break;
		int rc = pcre2_substitute(fs->texts[i].re, (PCRE2_SPTR)s, PCRE2_ZERO_TERMINATED, 0,
		                          PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_EXTENDED |
		                              PCRE2_SUBSTITUTE_UNSET_EMPTY,
		                          NULL, NULL, (PCRE2_SPTR)fs->texts[i].replace,
		                          PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)out, &outlen);
		if (rc < 0) {
			free(out);
			continue;
		}
		free(s);
		s = out;
	}
	return s;
}

/* Turn a captured text into the value of field f; NULL when it is not one. */
static char *convert(struct fields *fs, int f, const char *s, size_t n)
{
	char *v = squeeze(s, n), *t;
	if (!v)
		return NULL;
	switch (f) {
	case RF_DATE:
	case RF_MEETING_DATE:
		t = to_iso_date(fs, v);
		free(v);
		return t;
	case RF_CASE_NUMBER:
	case RF_REFERENCE:
		t = tighten(v, "-/:");
		free(v);
		if (t)
			strip_trailing(t, ".,;:)");
		return t;
	case RF_OFFICER_PHONE:
		t = replace_all(v, "–", "-");
		free(v);
		v = t ? replace_all(t, "—", "-") : NULL;
		free(t);
		t = v ? tighten(v, "-") : NULL;
		free(v);
		return t;
	case RF_OFFICER_EMAIL:
		strip_trailing(v, ".,;:");
		return v;
	case RF_OFFICER_NAME:
	case RF_SIGNATORY_NAME:
		t = name_case(v);
		free(v);
		return t;
	case RF_PARTY_ADDRESS: {
		/* address lines joined by ", " */
		struct sb b = SB_INIT;
		const char *p = s, *end = s + n;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			if (!nl)
				nl = end;
			char *part = squeeze(p, (size_t)(nl - p));
			if (part && *part) {
				if (b.len && b.buf[b.len - 1] != ',')
					sb_addc(&b, ',');
				if (b.len)
					sb_addc(&b, ' ');
				sb_adds(&b, part);
			}
			free(part);
			p = nl + 1;
		}
		free(v);
		t = sb_detach(&b, NULL);
		if (t)
			strip_trailing(t, ".,;:");
		return t;
	}
	case RF_SUMMARY:
	case RF_SECTION:
		return v;
	default:
		v = clean_text(fs, v);
		if (v)
			strip_trailing(v, ".,;:");
		return v;
	}
}

/* ---- extraction state ------------------------------------------------------ */

struct found {
	struct record *rec;
	int have[RF__COUNT];
	const char *rule[RF__COUNT]; /* the rule that filled each field */
	int ngroups[RF__COUNT];      /* groups used per grouped field family */
	struct sb *debug;
};

/* Provenance of text[a..b) of view v. */
static void provenance(const struct doc *d, const struct view *v, size_t a, size_t b,
                       struct rec_value *rv, char **raw)
{
	size_t vl = view_line_at(v, a);
	const struct doc_line *l = &d->lines[v->line[vl]];
	/* a span starting at a line break belongs to the next line */
	if (a == v->start[vl] + l->len && vl + 1 < v->n) {
		vl++;
		l = &d->lines[v->line[vl]];
		a = v->start[vl];
	}
	rv->page = l->page;
	rv->line = l->lineno;
	size_t la = a - v->start[vl];
	size_t lb = b > v->start[vl] ? b - v->start[vl] : 0;
	if (lb > l->len)
		lb = l->len;
	float c = doc_line_conf(l, la, lb);
	rv->conf = c < 0 ? -1 : (int)(c + 0.5f);
	*raw = NULL;
	/* the printed text, where normalisation changed it (same-line spans) */
	if (b <= v->start[vl] + l->len && l->nedits && lb > la) {
		size_t oa = doc_line_orig_off(l, la, 0), ob = doc_line_orig_off(l, lb, 1);
		if (ob > oa)
			*raw = strndup(l->orig + oa, ob - oa);
	}
}

static int add_value(struct found *fd, struct fields *fs, const struct doc *d, const struct view *v,
                     int f, int group, size_t a, size_t b, const char *qual, const char *rule_raw)
{
	char *val = convert(fs, f, v->text.buf + a, b - a);
	if (!val || !*val) {
		if (fd->debug)
			sb_addf(fd->debug, "  %s: '%.*s' is not a valid value, skipped\n",
			        record_field_path(f), (int)(b - a), v->text.buf + a);
		free(val);
		return 0;
	}
	char *sek = NULL;
	if (f == RF_AMOUNT) {
		sek = amount_sek(fs, val);
		if (!sek) {
			if (fd->debug)
				sb_addf(fd->debug, "  amounts/amount: no sum in '%s', skipped\n",
				        val);
			free(val);
			return 0;
		}
		qual = sek;
	}
	struct rec_value rv = {.field = f, .group = group, .value = val, .qual = (char *)qual};
	char *raw = NULL;
	provenance(d, v, a, b, &rv, &raw);
	char *printed = squeeze(v->text.buf + a, b - a);
	if (rule_raw)
		rv.raw = (char *)rule_raw;
	else if (raw)
		rv.raw = raw;
	else if (printed && strcmp(printed, val))
		rv.raw = printed;
	int rc = record_add(fd->rec, &rv);
	free(raw);
	free(printed);
	free(val);
	free(sek);
	if (rc == 0)
		fd->have[f] = 1;
	return rc;
}

/* ---- classifier ---------------------------------------------------------------- */

static const char *classify(struct fields *fs, const struct view *views[], struct sb *debug)
{
	int best = 0;
	const char *type = NULL;
	for (size_t i = 0; i < fs->ntypes; i++) {
		int first = 1;
		for (size_t k = 0; k < i && first; k++)
			first = strcmp(fs->types[k].type, fs->types[i].type) != 0;
		if (!first)
			continue; /* counted with the type's first rule */
		int score = 0;
		for (size_t k = i; k < fs->ntypes; k++) {
			if (strcmp(fs->types[k].type, fs->types[i].type))
				continue;
			const struct view *v = views[fs->types[k].scope];
			if (pcre2_match(fs->types[k].re, (PCRE2_SPTR)v->text.buf, v->text.len, 0, 0,
			                fs->md, NULL) >= 0) {
				score += fs->types[k].weight;
				if (debug)
					sb_addf(debug, "  %s +%d (rule '%s')\n", fs->types[k].type,
					        fs->types[k].weight, fs->types[k].b->id);
			}
		}
		if (score > best) {
			best = score;
			type = fs->types[i].type;
		}
	}
	if (debug)
		sb_addf(debug, "  => %s\n", type ? type : "(none)");
	return type;
}

/* ---- pattern rules --------------------------------------------------------------- */

static int is_grouped(int f)
{
	return f == RF_SIGNATORY_NAME || f == RF_SIGNATORY_ROLE || f == RF_PARTY_NAME ||
	       f == RF_PARTY_ORGNR || f == RF_PARTY_ADDRESS;
}

/* The first field of the family a grouped field belongs to. */
static int family(int f)
{
	return f <= RF_SIGNATORY_ROLE && f >= RF_SIGNATORY_NAME ? RF_SIGNATORY_NAME : RF_PARTY_NAME;
}

/* pick = latest: the match whose first field has the greatest value (ISO
 * dates compare as strings). */
static int run_pattern_latest(struct fields *fs, const struct prule *r, const struct doc *d,
                              const struct view *v, struct found *fd)
{
	int f = r->groups[0].field, num = r->groups[0].number;
	if (fd->have[f])
		return 0;
	size_t start = 0, ba = 0, bb = 0;
	char *best = NULL;
	while (start <= v->text.len) {
		int m = pcre2_match(r->re, (PCRE2_SPTR)v->text.buf, v->text.len, start, 0, fs->md,
		                    NULL);
		if (m < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(fs->md);
		size_t m0 = ov[0], m1 = ov[1];
		if (num < m && ov[2 * num] != PCRE2_UNSET) {
			size_t a = ov[2 * num], b = ov[2 * num + 1];
			char *val = convert(fs, f, v->text.buf + a, b - a);
			if (val && (!best || strcmp(val, best) > 0)) {
				free(best);
				best = val;
				ba = a;
				bb = b;
			} else {
				free(val);
			}
		}
		start = m1 > m0 ? m1 : m0 + 1;
	}
	if (!best)
		return 0;
	free(best);
	if (add_value(fd, fs, d, v, f, 0, ba, bb, NULL, NULL) < 0)
		return -1;
	if (fd->have[f] && !fd->rule[f]) {
		fd->rule[f] = r->b->id;
		if (fd->debug)
			sb_addf(fd->debug, "  %s: rule '%s' (%s:%d), the latest of its matches\n",
			        record_field_path(f), r->b->id, r->b->file, r->b->line);
	}
	return 0;
}

static int run_pattern(struct fields *fs, const struct prule *r, const struct doc *d,
                       const struct view *v, struct found *fd)
{
	size_t start = 0;
	int any = 0;
	if (r->latest)
		return run_pattern_latest(fs, r, d, v, fd);
	while (start <= v->text.len) {
		int m = pcre2_match(r->re, (PCRE2_SPTR)v->text.buf, v->text.len, start, 0, fs->md,
		                    NULL);
		if (m < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(fs->md);
		PCRE2_SIZE m0 = ov[0], m1 = ov[1];
		char *rule_raw = NULL;
		if (r->raw_group && r->raw_group < m && ov[2 * r->raw_group] != PCRE2_UNSET)
			rule_raw = squeeze(v->text.buf + ov[2 * r->raw_group],
			                   ov[2 * r->raw_group + 1] - ov[2 * r->raw_group]);
		/* copy the spans first: add_value runs other patterns */
		size_t spans[64][2];
		size_t ng = r->ngroups < 64 ? r->ngroups : 64;
		for (size_t g = 0; g < ng; g++) {
			int num = r->groups[g].number;
			spans[g][0] = num < m ? ov[2 * num] : PCRE2_UNSET;
			spans[g][1] = num < m ? ov[2 * num + 1] : PCRE2_UNSET;
		}
		int group_of[RF__COUNT];
		for (int f = 0; f < RF__COUNT; f++)
			group_of[f] = -1;
		for (size_t g = 0; g < ng; g++) {
			int f = r->groups[g].field;
			if (spans[g][0] == PCRE2_UNSET)
				continue;
			if (fd->have[f] && !r->repeat && !r->grouped)
				continue;
			int group = 0;
			if (is_grouped(f)) {
				int fam = family(f);
				if (group_of[fam] < 0)
					group_of[fam] = fd->ngroups[fam]++;
				group = group_of[fam];
			}
			if (add_value(fd, fs, d, v, f, group, spans[g][0], spans[g][1], NULL,
			              rule_raw) < 0) {
				free(rule_raw);
				return -1;
			}
			if (fd->have[f] && !fd->rule[f]) {
				fd->rule[f] = r->b->id;
				if (fd->debug)
					sb_addf(fd->debug, "  %s: rule '%s' (%s:%d)\n",
					        record_field_path(f), r->b->id, r->b->file,
					        r->b->line);
			}
			any = 1;
		}
		free(rule_raw);
		if (!r->repeat && !r->grouped && any)
			break;
		start = m1 > m0 ? m1 : m0 + 1;
	}
	return 0;
}

/* ---- line rules -------------------------------------------------------------------- */

static int match_line(struct fields *fs, const struct lrule *r, const char *s, size_t n)
{
	return pcre2_match(r->re, (PCRE2_SPTR)s, n, 0, 0, fs->md, NULL) >= 0;
}

/* The role of a line from the heading vocabulary, or -1. */
static int vocab_role(struct fields *fs, const char *s, size_t n)
{
	for (size_t i = 0; i < fs->nheads; i++)
		if (match_line(fs, &fs->heads[i], s, n))
			return fs->heads[i].kind;
	return -1;
}

static int sig_match(struct fields *fs, enum sig_kind k, const char *s, size_t n)
{
	for (size_t i = 0; i < fs->nsigs; i++)
		if (fs->sigs[i].kind == (int)k && match_line(fs, &fs->sigs[i], s, n))
			return 1;
	return 0;
}

/* The length of line l without a stray mark at its end: a last word of one
 * or two characters that the OCR read with a confidence below 25, after a
 * space ("Sammanfattning es": noise beside a heading on a degraded scan).
 * The whole length when there is none. */
static size_t without_stray_mark(const struct doc_line *l)
{
	size_t a, n;
	doc_line_last_word(l, &a, &n);
	if (!a || a == n || utf8_count(l->text + a, n - a) > 2)
		return l->len;
	float c = doc_line_conf(l, a, n);
	return c >= 0 && c < 25 ? a : l->len;
}

/* The vocabulary role of line i, tolerating a stray mark at its end. */
static int line_role(struct fields *fs, const struct doc *d, size_t i)
{
	const struct doc_line *l = &d->lines[i];
	int r = vocab_role(fs, l->text, l->len);
	if (r < 0 && l->nwords) {
		size_t n = without_stray_mark(l);
		if (n < l->len)
			r = vocab_role(fs, l->text, n);
	}
	return r;
}

/* The same, for line i of the document being read, remembered. */
static int line_vocab(struct fields *fs, const struct doc *d, size_t i)
{
	if (fs->cache_doc != d || i >= fs->cache_n)
		return line_role(fs, d, i);
	if (!fs->cache_vocab[i])
		fs->cache_vocab[i] = (signed char)(line_role(fs, d, i) + 2);
	return fs->cache_vocab[i] - 2;
}

static int line_sig(struct fields *fs, const struct doc *d, size_t i, enum sig_kind k)
{
	signed char *c = k == SIG_NAME ? fs->cache_name : k == SIG_TITLE ? fs->cache_title : NULL;
	if (!c || fs->cache_doc != d || i >= fs->cache_n)
		return sig_match(fs, k, d->lines[i].text, d->lines[i].len);
	if (!c[i])
		c[i] = (signed char)(sig_match(fs, k, d->lines[i].text, d->lines[i].len) + 1);
	return c[i] - 1;
}

/* Make the line cache fit d. */
static int cache_for(struct fields *fs, const struct doc *d)
{
	if (d->nlines > fs->cache_n) {
		size_t n = d->nlines;
		signed char *a = realloc(fs->cache_vocab, n), *b = realloc(fs->cache_name, n),
		            *c = realloc(fs->cache_title, n);
		if (a)
			fs->cache_vocab = a;
		if (b)
			fs->cache_name = b;
		if (c)
			fs->cache_title = c;
		if (!a || !b || !c) {
			fs->cache_doc = NULL;
			return -1;
		}
		fs->cache_n = n;
	}
	memset(fs->cache_vocab, 0, fs->cache_n);
	memset(fs->cache_name, 0, fs->cache_n);
	memset(fs->cache_title, 0, fs->cache_n);
	fs->cache_doc = d;
	return 0;
}

/* ---- furniture --------------------------------------------------------------------- */

/* Lines matched by fields/furniture.rules, and later repeats of a block of
 * two or more short lines (a header printed on every page). */
static void mark_furniture(struct fields *fs, const struct doc *d, char *keep)
{
	struct view all;
	if (view_build(&all, d, NULL) == 0) {
		for (size_t r = 0; r < fs->nfurn; r++) {
			size_t start = 0;
			while (start <= all.text.len) {
				if (pcre2_match(fs->furn[r].re, (PCRE2_SPTR)all.text.buf,
				                all.text.len, start, 0, fs->md, NULL) < 0)
					break;
				PCRE2_SIZE *ov = pcre2_get_ovector_pointer(fs->md);
				if (ov[1] > ov[0]) {
					size_t a = view_line_at(&all, ov[0]);
					size_t b = view_line_at(&all, ov[1] - 1);
					for (size_t k = a; k <= b; k++)
						keep[all.line[k]] = 0;
				}
				start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
			}
		}
	}
	view_release(&all);
	/* repeated blocks: runs of non-blank short lines (blank lines inside a
	 * run are allowed when the other run has them too) */
	size_t n = d->nlines;
	char *edge = calloc(n ? n : 1, 1); /* first or last text line of its page */
	if (edge && d->npages > 1)
		for (int p = 0; p < d->npages; p++) {
			const struct doc_page *pg = &d->pages[p];
			size_t a0 = pg->first_line, z = pg->first_line + pg->nlines;
			while (a0 < z && is_blank_text(d->lines[a0].text, d->lines[a0].len))
				a0++;
			while (z > a0 && is_blank_text(d->lines[z - 1].text, d->lines[z - 1].len))
				z--;
			if (a0 < z) {
				edge[a0] = 1;
				edge[z - 1] = 1;
			}
		}
	for (size_t i = 0; i < n; i++) {
		if (!keep[i] || is_blank_text(d->lines[i].text, d->lines[i].len))
			continue;
		/* does a block starting at i repeat one starting earlier at j? */
		for (size_t j = 0; j < i; j++) {
			size_t a = i, b = j, matched = 0, last = i;
			int digits = 0, at_edge = 0;
			while (a < n && b < i) {
				const struct doc_line *la = &d->lines[a], *lb = &d->lines[b];
				int ba = is_blank_text(la->text, la->len);
				int bb = is_blank_text(lb->text, lb->len);
				if (ba && bb) {
					a++;
					b++;
					continue;
				}
				/* running heads and feet (at a page edge both times) may be
				 * long; other repeats are short */
				int both = edge && edge[a] && edge[b];
				size_t lim = both ? 200 : 60;
				if (ba || bb || la->len != lb->len || la->len > lim ||
				    memcmp(la->text, lb->text, la->len))
					break;
				matched++;
				last = a;
				at_edge |= both;
				for (size_t c = 0; c < la->len && !digits; c++)
					digits = la->text[c] >= '0' && la->text[c] <= '9';
				a++;
				b++;
			}
			/* next to a page number or at a page's top or foot: furniture
			 * (a letterhead, a running foot); elsewhere three lines, or
			 * two with a number (date, dnr), or one header-like line with
			 * a number and no full stop -- a name and title signing twice
			 * are not furniture */
			size_t after = last + 1;
			while (after < n &&
			       is_blank_text(d->lines[after].text, d->lines[after].len))
				after++;
			int by_furniture = after < n && !keep[after];
			const struct doc_line *ll = &d->lines[last];
			int header_like = matched == 1 && digits && ll->len <= 80 &&
			                  !strchr(".!?", last_char(ll->text, ll->len));
			if (matched >= 3 || (matched >= 2 && (digits || by_furniture)) ||
			    (matched >= 1 && at_edge) || header_like) {
				for (size_t k = i; k <= last; k++)
					keep[k] = 0;
				break;
			}
		}
	}
	free(edge);
}

/* ---- structure ----------------------------------------------------------------------- */

enum bkind { B_PARA, B_HEADING, B_SIGNATURE, B_SIGAREA };

/* A block: lines [first, last] of the doc (body lines only, no blanks at the
 * ends; blank or furniture lines inside are skipped). */
struct block {
	enum bkind kind;
	int role;  /* for headings */
	int vocab; /* a heading named by fields/headings.rules, or numbered: not by
			  its shape alone */
	size_t first, last;
	size_t nlines;
};

struct blocks {
	struct block *b;
	size_t n;
};

/* Words that cannot end a heading: it goes on. */
static int ends_with_function_word(const char *s, size_t n)
{
	static const char *const words[] = {"och", "eller", "samt", "för", "av",  "i",  "till",
	                                    "om",  "att",   "som",  "på",  "med", "en", "ett",
	                                    "de",  "den",   "det",  "vid", "mot", NULL};
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	size_t st = n;
	while (st && s[st - 1] != ' ')
		st--;
	for (int i = 0; words[i]; i++)
		if (strlen(words[i]) == n - st && !memcmp(s + st, words[i], n - st))
			return 1;
	return 0;
}

static int starts_with_bullet(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i + 1 < n && (s[i] == '-' || s[i] == '*') && s[i + 1] == ' ')
		return 1;
	if (i + 3 < n && (!memcmp(s + i, "•", 3) || !memcmp(s + i, "–", 3)))
		return 1;
	return 0;
}

/* "1. text" or "1) text": a numbered list item. */
static int starts_with_item_number(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t d = i;
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i > d && i - d <= 2 && i + 1 < n && (s[i] == '.' || s[i] == ')') && s[i + 1] == ' ';
}

/* A line's baseline as its words show it: the median of the words'
 * bottoms (a line box grows with every speck and descender noise adds; words
 * hardly do, and most words end on the baseline, while their tops differ
 * with ascenders, and blur on a degraded scan swells them upwards).  -1
 * without geometry. */
static int core_base(const struct doc_line *l)
{
	int t[64];
	size_t n = 0;
	for (size_t i = 0; i < l->nwords && n < 64; i++)
		if (l->words[i].y1 > l->words[i].y0)
			t[n++] = l->words[i].y1;
	if (!n)
		return l->y1 > l->y0 ? l->y1 : -1;
	for (size_t a = 1; a < n; a++)
		for (size_t b = a; b > 0 && t[b - 1] > t[b]; b--) {
			int x = t[b];
			t[b] = t[b - 1];
			t[b - 1] = x;
		}
	return t[n / 2];
}

/* The usual distance from one line's baseline to the next on each
 * recognised page, so that a blank line can be told from line spacing
 * however noise inflates single boxes.  0 for pages without geometry. */
static int *line_pitches(const struct doc *d)
{
	int *pitch = calloc((size_t)(d->npages > 0 ? d->npages : 1), sizeof(int));
	int *v = malloc((d->nlines + 1) * sizeof(int));
	if (!pitch || !v) {
		free(v);
		return pitch;
	}
	for (int p = 0; p < d->npages; p++) {
		const struct doc_page *pg = &d->pages[p];
		size_t n = 0;
		int prev = -1;
		for (size_t i = pg->first_line; i < pg->first_line + pg->nlines; i++) {
			int top = core_base(&d->lines[i]);
			if (top < 0 || !d->lines[i].len)
				continue;
			if (prev >= 0 && top > prev)
				v[n++] = top - prev;
			prev = top;
		}
		for (size_t a = 1; a < n; a++) /* insertion sort: a page has few lines */
			for (size_t b = a; b > 0 && v[b - 1] > v[b]; b--) {
				int t = v[b];
				v[b] = v[b - 1];
				v[b - 1] = t;
			}
		/* the lower quartile: steps within paragraphs, not across the
		 * blank lines of a page of short blocks */
		pitch[p] = n >= 3 ? v[n / 4] : 0;
	}
	free(v);
	return pitch;
}

/* On a recognised page, a step down of one and a half lines or more from
 * one line to the next is a blank line the OCR engine did not write: a
 * paragraph ends. */
static int vgap_break_p(const struct doc *d, const int *pitch, size_t prev, size_t cur)
{
	const struct doc_line *p = &d->lines[prev], *c = &d->lines[cur];
	if (p->page != c->page || p->y1 <= p->y0 || c->y1 <= c->y0)
		return 0;
	int pp = pitch ? pitch[p->page - 1] : 0;
	if (pp > 0)
		return (core_base(c) - core_base(p)) * 2 > pp * 3;
	int h = p->y1 - p->y0, gap = c->y0 - p->y1;
	return h > 0 && gap * 10 > h * 9;
}

#define vgap_break(d, a, b) vgap_break_p((d), fs->pitch, (a), (b))

/* Two recognised lines of one page that follow each other down the page. */
static int same_column(const struct doc *d, size_t a, size_t b)
{
	const struct doc_line *p = &d->lines[a], *c = &d->lines[b];
	return p->page == c->page && p->y1 > p->y0 && c->y1 > c->y0 && c->y0 >= p->y0;
}

/* "5.1.2 Ansvar för insatsen", "10 Ändringar och tillägg": a numbered
 * heading, short, capitalised after its number, no closing full stop.  Such
 * a line is a heading wherever it stands, even glued to the text around it
 * (OCR drops the blank lines around headings). */
static int numbered_heading(const char *s, size_t n)
{
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	size_t d0 = i;
	int groups = 0;
	for (;;) {
		size_t g = i;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
		if (i == g || i - g > 2)
			return 0;
		groups++;
		if (i < n && s[i] == '.' && i + 1 < n && s[i + 1] >= '0' && s[i + 1] <= '9') {
			i++;
			continue;
		}
		break;
	}
	if (groups == 1 && i < n && (s[i] == '.' || s[i] == ')'))
		return 0; /* "1. Text": a list item */
	if (groups > 1 && i < n && s[i] == '.')
		i++;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (i >= n || i == d0 || !utf8_is_upper(first_cp(s + i, n - i)))
		return 0;
	char lc = last_char(s, n);
	return trimmed_len(s, n) <= 100 && lc != '.' && lc != ',' && lc != ';' && lc != ':';
}

/* Could the block be a heading by its shape: one or two short lines, no
 * closing punctuation, capitalised or numbered, not a list item? */
static int heading_shape(const struct doc *d, size_t first, size_t last, size_t nlines)
{
	if (nlines > 2)
		return 0;
	const struct doc_line *a = &d->lines[first], *z = &d->lines[last];
	size_t len =
	    trimmed_len(a->text, a->len) + (nlines == 2 ? trimmed_len(z->text, z->len) : 0);
	if (len > 100 || len < 3)
		return 0;
	char lc = last_char(z->text, z->len);
	if (lc == '.' || lc == ':' || lc == ';' || lc == ',' || lc == '!' || lc == '_' || lc == '-')
		return 0;
	if (starts_with_bullet(a->text, a->len) || starts_with_item_number(a->text, a->len))
		return 0;
	size_t q = stray_quote(a->text, a->len);
	uint32_t c = first_cp(a->text + q, a->len - q);
	if (!(utf8_is_upper(c) || (c >= '0' && c <= '9')))
		return 0;
	/* a heading broken over two lines goes on in lower case */
	if (nlines == 2 && !utf8_is_lower(first_cp(z->text, z->len)))
		return 0;
	/* a date or a number alone is not a heading */
	int letters = 0;
	for (size_t i = 0; i < a->len; i++)
		letters += ((unsigned char)a->text[i] >= 'A');
	return letters >= 3;
}

static int add_block(struct blocks *bs, enum bkind k, int role, int vocab, size_t first,
                     size_t last, size_t nlines)
{
	struct block *nb = realloc(bs->b, (bs->n + 1) * sizeof(*nb));
	if (!nb)
		return -1;
	bs->b = nb;
	bs->b[bs->n++] = (struct block){k, role, vocab, first, last, nlines};
	return 0;
}

#define NO_LINE ((size_t)-1)

/* A paragraph whose last line is who is to sign, glued to the text above it
 * where the blank line between was lost (plain text, old OCR layers):
 * "... ställer sig bakom denna avsiktsförklaring:" / "Botkyrka kommun", then
 * "Datum _____".  The last line is short, ends in no mark, and the line
 * above it ends a sentence.  Returns that line above, or NO_LINE when the
 * paragraph is not so. */
static size_t party_glued(const struct doc *d, const char *keep, const struct block *pb)
{
	const struct doc_line *l = &d->lines[pb->last];
	if (trimmed_len(l->text, l->len) > 60 || !last_char(l->text, l->len) ||
	    strchr(".:;!?,", last_char(l->text, l->len)))
		return NO_LINE;
	for (size_t k = pb->last; k > pb->first;) {
		k--;
		if (keep[k] && !is_blank_text(d->lines[k].text, d->lines[k].len))
			return strchr(".:;!?", last_char(d->lines[k].text, d->lines[k].len))
			           ? k
			           : NO_LINE;
	}
	return NO_LINE;
}

/* Cut the body lines [from, to) into blocks. */
static int make_blocks(struct fields *fs, const struct doc *d, const char *keep, size_t from,
                       size_t to, struct blocks *bs)
{
	size_t i = from;
	while (i < to) {
		if (!keep[i] || is_blank_text(d->lines[i].text, d->lines[i].len)) {
			i++;
			continue;
		}
		const struct doc_line *l = &d->lines[i];
		int vr = line_vocab(fs, d, i);
		if (vr == ROLE_SIGNING) {
			/* "Datum" over a date is a header label, not a field */
			size_t nd = i + 1;
			while (nd < to &&
			       (!keep[nd] || is_blank_text(d->lines[nd].text, d->lines[nd].len)))
				nd++;
			uint32_t c0 = nd < to ? first_cp(d->lines[nd].text, d->lines[nd].len) : 0;
			if (c0 >= '0' && c0 <= '9')
				vr = -1;
		}
		if (vr == ROLE_SIGNING) {
			/* "Datum _____": an empty signature field.  The short lines
			 * just before it (who is to sign) and everything up to the
			 * next named heading are a signature area, not text. */
			size_t from = i;
			while (bs->n) {
				struct block *pb = &bs->b[bs->n - 1];
				if (pb->kind == B_SIGAREA) {
					from = pb->first;
					bs->n--;
					break;
				}
				const struct doc_line *pl = &d->lines[pb->last];
				size_t above = pb->kind == B_PARA && pb->nlines >= 2
				                   ? party_glued(d, keep, pb)
				                   : NO_LINE;
				if (above != NO_LINE) {
					/* the party's line goes with the signatures */
					from = pb->last;
					pb->last = above;
					pb->nlines--;
					break;
				}
				if (pb->nlines > 2 || (pb->kind == B_HEADING && pb->vocab) ||
				    strchr(".:;!?", last_char(pl->text, pl->len)) ||
				    trimmed_len(pl->text, pl->len) > 60)
					break;
				from = pb->first;
				bs->n--;
			}
			size_t e = i + 1, last = i;
			for (; e < to; e++) {
				if (!keep[e] || is_blank_text(d->lines[e].text, d->lines[e].len))
					continue;
				int r = line_vocab(fs, d, e);
				if ((r >= 0 && r <= ROLE_DISTRIBUTION) || r == ROLE_PARTIES)
					break;
				last = e;
			}
			if (add_block(bs, B_SIGAREA, -1, 0, from, last, last - from + 1) < 0)
				return -1;
			i = e;
			continue;
		}
		if (vr == ROLE_SIGNATURES) {
			/* the signature area runs to the next named heading */
			size_t e = i + 1, last = i;
			for (; e < to; e++) {
				if (!keep[e] || is_blank_text(d->lines[e].text, d->lines[e].len))
					continue;
				int r = line_vocab(fs, d, e);
				if ((r >= 0 && r <= ROLE_DISTRIBUTION) || r == ROLE_PARTIES)
					break;
				last = e;
			}
			if (add_block(bs, B_SIGAREA, -1, 0, i, last, last - i + 1) < 0)
				return -1;
			i = e;
			continue;
		}
		if (vr >= 0 && vr != ROLE_NOT_HEADING) {
			if (add_block(bs, B_HEADING, vr, 1, i, i, 1) < 0)
				return -1;
			i++;
			continue;
		}
		/* a signature: a name line over a title line */
		size_t nx = i + 1;
		while (nx < to && !keep[nx])
			nx++;
		if (nx < to && line_sig(fs, d, i, SIG_NAME) && line_sig(fs, d, nx, SIG_TITLE)) {
			if (add_block(bs, B_SIGNATURE, -1, 0, i, nx, 2) < 0)
				return -1;
			i = nx + 1;
			continue;
		}
		/* a run of non-blank lines up to a blank line, a vocabulary
		 * heading or a signature */
		size_t last = i, n = 1, k = i + 1;
		for (; k < to; k++) {
			if (!keep[k])
				continue;
			const struct doc_line *m = &d->lines[k];
			if (is_blank_text(m->text, m->len)) {
				/* on a recognised page the engine's paragraph breaks
				 * count only where the page shows a gap */
				size_t k2 = k + 1;
				while (k2 < to && (!keep[k2] || is_blank_text(d->lines[k2].text,
				                                              d->lines[k2].len)))
					k2++;
				if (k2 < to && same_column(d, last, k2) &&
				    !vgap_break(d, last, k2) &&
				    !numbered_heading(d->lines[k2].text, d->lines[k2].len) &&
				    line_vocab(fs, d, k2) < 0) {
					k = k2 - 1;
					continue;
				}
				break;
			}
			if (vgap_break(d, last, k))
				break;
			/* a page break after a full stop ends the paragraph */
			if (d->lines[k].page != d->lines[last].page &&
			    strchr(".!?:", last_char(d->lines[last].text, d->lines[last].len)))
				break;
			/* an indented line after a full stop starts a new paragraph */
			const struct doc_line *pl = &d->lines[last];
			if ((m->text[0] == ' ' || m->text[0] == '\t') &&
			    strchr(".!?", last_char(pl->text, pl->len)))
				break;
			int r = line_vocab(fs, d, k);
			if (r >= 0 && r != ROLE_NOT_HEADING)
				break; /* a heading or a signing line ends the run */
			if (numbered_heading(m->text, m->len))
				break;
			size_t k2 = k + 1;
			while (k2 < to && !keep[k2])
				k2++;
			if (k2 < to && line_sig(fs, d, k, SIG_NAME) &&
			    line_sig(fs, d, k2, SIG_TITLE))
				break;
			last = k;
			n++;
		}
		/* a heading glued to its text: a short first line that does not
		 * end a sentence, followed by a capitalised line */
		enum bkind kind = B_PARA;
		size_t hl = (size_t)-1;
		int numbered = numbered_heading(l->text, l->len);
		if (n >= 2 && numbered)
			hl = i;
		else if (n >= 2) {
			size_t second = i + 1;
			while (!keep[second] ||
			       is_blank_text(d->lines[second].text, d->lines[second].len))
				second++;
			const struct doc_line *s2 = &d->lines[second];
			/* ... or by a list */
			int list = starts_with_bullet(s2->text, s2->len);
			if (heading_shape(d, i, i, 1) && trimmed_len(l->text, l->len) <= 60 &&
			    !ends_with_function_word(l->text, l->len) && vr != ROLE_NOT_HEADING &&
			    (list || utf8_is_upper(first_cp(s2->text, s2->len))) &&
			    !line_sig(fs, d, i, SIG_NAME) &&
			    (list || trimmed_len(s2->text, s2->len) > 40))
				hl = i;
		}
		if (hl != (size_t)-1) {
			if (add_block(bs, B_HEADING, ROLE_SECTION, numbered, i, i, 1) < 0)
				return -1;
			size_t s = i + 1;
			while (!keep[s] || is_blank_text(d->lines[s].text, d->lines[s].len))
				s++;
			if (add_block(bs, B_PARA, -1, 0, s, last, n - 1) < 0)
				return -1;
		} else {
			/* text that goes on in lower case after the run (over a
			 * page break) is not under a heading: the run is text */
			size_t nk = k;
			while (nk < to &&
			       (!keep[nk] || is_blank_text(d->lines[nk].text, d->lines[nk].len)))
				nk++;
			/* ... also a list whose items go on in lower case: the line
			 * is the lead-in of a sentence ("Huvudmannen ansvarar för
			 * att" over "- frigöra tid ...") */
			int continued = 0;
			if (nk < to) {
				const struct doc_line *nl = &d->lines[nk];
				size_t off = 0;
				while (off < nl->len &&
				       (nl->text[off] == ' ' || nl->text[off] == '\t'))
					off++;
				if (starts_with_bullet(nl->text, nl->len)) {
					off += !strncmp(nl->text + off, "•", 3) ||
					               !strncmp(nl->text + off, "–", 3)
					           ? 3
					           : 1;
					while (off < nl->len && nl->text[off] == ' ')
						off++;
				}
				continued = utf8_is_lower(first_cp(nl->text + off, nl->len - off));
			}
			if (vr != ROLE_NOT_HEADING &&
			    (numbered || (!continued && heading_shape(d, i, last, n) &&
			                  !line_sig(fs, d, i, SIG_NAME))))
				kind = B_HEADING;
			if (add_block(bs, kind, kind == B_HEADING ? ROLE_SECTION : -1,
			              kind == B_HEADING && numbered, i, last, n) < 0)
				return -1;
		}
		i = k;
	}
	return 0;
}

/* A heading found by its shape must lead to text: either paragraphs follow
 * it, or the heading after it does (a heading over a sub-heading).  Lines
 * that only look like headings (a list of names standing alone) are text. */
static void demote_empty_headings(struct blocks *bs)
{
	int next_ok = 0; /* does the next heading lead to text? */
	int text_after = 0;
	for (size_t k = bs->n; k-- > 0;) {
		struct block *b = &bs->b[k];
		if (b->kind == B_PARA) {
			text_after = 1;
			continue;
		}
		if (b->kind != B_HEADING)
			continue;
		int ok = b->vocab || text_after || next_ok;
		if (!ok) {
			/* text now, but not the kind that makes the heading
			 * before it a heading */
			b->kind = B_PARA;
			b->role = -1;
			continue;
		}
		next_ok = ok;
		text_after = 0;
	}
}

/* The document's usual line length: lines at least this long are wrapped
 * lines of a paragraph. */
static size_t wrap_width(const struct doc *d, const char *keep)
{
	size_t *lens = malloc((d->nlines + 1) * sizeof(size_t)), n = 0;
	if (!lens)
		return 60;
	for (size_t i = 0; i < d->nlines; i++)
		if (keep[i] && !is_blank_text(d->lines[i].text, d->lines[i].len))
			lens[n++] = trimmed_len(d->lines[i].text, d->lines[i].len);
	size_t w = 60;
	if (n) {
		/* the 90th percentile, by counting */
		for (size_t a = 1; a < n; a++)
			for (size_t b = a; b > 0 && lens[b - 1] > lens[b]; b--) {
				size_t t = lens[b];
				lens[b] = lens[b - 1];
				lens[b - 1] = t;
			}
		w = lens[n * 9 / 10 < n ? n * 9 / 10 : n - 1] * 3 / 4;
	}
	free(lens);
	return w < 20 ? 20 : w;
}

static int is_conjunction(const char *s, size_t n)
{
	static const char *const words[] = {"och", "eller", "samt", "respektive", "till", NULL};
	size_t i = 0;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	for (int k = 0; words[k]; k++) {
		size_t l = strlen(words[k]);
		if (n - i >= l && !memcmp(s + i, words[k], l) &&
		    (n - i == l || s[i + l] == ' ' || s[i + l] == ',' || s[i + l] == '.'))
			return 1;
	}
	return 0;
}

/* Append line text t to paragraph b, joining a word broken at the line end. */
static void join_line(struct sb *b, const char *t, size_t n)
{
	while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	while (n && (*t == ' ' || *t == '\t')) {
		t++;
		n--;
	}
	if (!b->len) {
		sb_add(b, t, n);
		return;
	}
	if (b->buf[b->len - 1] == '/') {
		sb_add(b, t, n); /* "förvaltningschefer/" + "gymnasiechefer" */
		return;
	}
	if (b->buf[b->len - 1] == '-' && b->len >= 2) {
		char prev = b->buf[b->len - 2];
		uint32_t c = first_cp(t, n);
		if (prev >= '0' && prev <= '9' && c >= '0' && c <= '9') {
			sb_add(b, t, n); /* "1.7.1-" + "7439/2020" */
			return;
		}
		if (prev != ' ' && utf8_is_lower(c) && !is_conjunction(t, n)) {
			sb_setlen(b, b->len - 1); /* "fack-" + "liga" */
			sb_add(b, t, n);
			return;
		}
	}
	sb_addc(b, ' ');
	sb_add(b, t, n);
}

/* Normalise a list marker at the start of a paragraph to "- ". */
static void bullet(struct sb *p)
{
	const char *s = p->buf;
	size_t skip = 0;
	if (!strncmp(s, "• ", 4) || !strncmp(s, "– ", 4))
		skip = 4;
	else if (!strncmp(s, "* ", 2))
		skip = 2;
	if (!skip)
		return;
	struct sb t = SB_INIT;
	sb_adds(&t, "- ");
	sb_adds(&t, s + skip);
	sb_release(p);
	*p = t;
}

/* The paragraphs of blocks [from, to) as text, paragraphs separated by "\n".
 * *first_line gets the doc line of the first text. */
/* The line each paragraph of block_text() starts on. */
struct plines {
	size_t *at;
	size_t n, alloc;
};

static void plines_push(struct plines *pl, size_t line)
{
	if (!pl)
		return;
	if (pl->n == pl->alloc) {
		size_t na = pl->alloc ? pl->alloc * 2 : 16;
		size_t *nat = realloc(pl->at, na * sizeof(size_t));
		if (!nat)
			return;
		pl->at = nat;
		pl->alloc = na;
	}
	pl->at[pl->n++] = line;
}

static char *block_text(struct fields *fs, const struct doc *d, const char *keep,
                        const struct blocks *bs, size_t from, size_t to, size_t width,
                        size_t *first_line, struct plines *pl)
{
	struct sb out = SB_INIT, para = SB_INIT;
	size_t pstart = (size_t)-1; /* the line the paragraph being built starts on */
	*first_line = (size_t)-1;
#define FLUSH()                                                                                    \
	do {                                                                                       \
		bullet(&para);                                                                     \
		if (out.len)                                                                       \
			sb_addc(&out, '\n');                                                       \
		sb_add(&out, para.buf, para.len);                                                  \
		sb_reset(&para);                                                                   \
		plines_push(pl, pstart);                                                           \
	} while (0)
	for (size_t k = from; k < to; k++) {
		const struct block *b = &bs->b[k];
		if (b->kind != B_PARA)
			continue;
		if (*first_line == (size_t)-1)
			*first_line = b->first;
		/* a block that goes on in lower case continues the last paragraph */
		const struct doc_line *fl = &d->lines[b->first];
		int cont = out.len && utf8_is_lower(first_cp(fl->text, fl->len)) &&
		           !strchr(".!?:", out.buf[out.len - 1]);
		if (cont) {
			/* reopen the last paragraph */
			const char *nl = out.len ? memrchr(out.buf, '\n', out.len) : NULL;
			size_t at = nl ? (size_t)(nl - out.buf) + 1 : 0;
			sb_reset(&para);
			sb_add(&para, out.buf + at, out.len - at);
			sb_setlen(&out, at ? at - 1 : 0);
			if (pl && pl->n)
				pstart = pl->at[--pl->n];
		}
		size_t prev = (size_t)-1;
		for (size_t i = b->first; i <= b->last; i++) {
			const struct doc_line *l = &d->lines[i];
			if (!keep[i] || is_blank_text(l->text, l->len))
				continue;
			int wrapped = 0;
			if (prev != (size_t)-1) {
				const struct doc_line *p = &d->lines[prev];
				char lc = last_char(p->text, p->len);
				uint32_t c = first_cp(l->text, l->len);
				/* a full line that ends a list item's sentence, then a
				 * capital: the list has ended ("... enligt
				 * överenskommelsen." / "När slutredovisningen ...") */
				int item_end = starts_with_bullet(para.buf, para.len) &&
				               strchr(".!?", lc) && utf8_is_upper(c);
				wrapped = !starts_with_bullet(l->text, l->len) &&
				          !starts_with_item_number(l->text, l->len) &&
				          !vgap_break(d, prev, i) &&
				          ((trimmed_len(p->text, p->len) >= width && !item_end) ||
				           ((utf8_is_lower(c) || utf8_is_digit(c)) &&
				            !strchr(".!?", lc)) ||
				           lc == '-');
			}
			if (prev != (size_t)-1 && !wrapped)
				FLUSH();
			if (!para.len)
				pstart = i;
			join_line(&para, l->text, l->len);
			prev = i;
		}
		if (para.len)
			FLUSH();
	}
#undef FLUSH
	sb_release(&para);
	char *s = sb_detach(&out, NULL);
	return clean_text(fs, s);
}

/* Text of a heading block (one or two lines) on one line. */
static char *heading_text(const struct doc *d, const struct block *b)
{
	struct sb t = SB_INIT;
	for (size_t i = b->first; i <= b->last; i++) {
		size_t q = i == b->first ? stray_quote(d->lines[i].text, d->lines[i].len) : 0;
		join_line(&t, d->lines[i].text + q, d->lines[i].len - q);
	}
	if (t.len && t.buf[t.len - 1] == '.')
		sb_setlen(&t, t.len - 1); /* the title of an enclosed document */
	return sb_detach(&t, NULL);
}

static int add_text_value(struct found *fd, const struct doc *d, int f, char *text, size_t line,
                          const char *qual)
{
	struct rec_value rv = {.field = f, .value = text, .qual = (char *)qual, .conf = -1};
	if (line != (size_t)-1 && line < d->nlines) {
		rv.page = d->lines[line].page;
		rv.line = d->lines[line].lineno;
		rv.conf = d->lines[line].conf < 0 ? -1 : (int)(d->lines[line].conf + 0.5f);
	}
	int rc = record_add(fd->rec, &rv);
	if (rc == 0)
		fd->have[f] = 1;
	return rc;
}

/* Proposed decisions from the paragraphs of a part. */
static int decisions(struct fields *fs, const struct doc *d, const char *keep,
                     const struct blocks *bs, size_t from, size_t to, size_t width,
                     struct found *fd)
{
	int n = 0;
	for (size_t k = from; k < to; k++) {
		const struct block *b = &bs->b[k];
		if (b->kind != B_PARA)
			continue;
		size_t fl;
		char *text = block_text(fs, d, keep, bs, k, k + 1, width, &fl, NULL);
		if (!text)
			return -1;
		/* one decision a paragraph; numbered items keep their number */
		char *save = NULL;
		size_t lineidx = b->first;
		for (char *p = strtok_r(text, "\n", &save); p; p = strtok_r(NULL, "\n", &save)) {
			size_t len = strlen(p);
			int num = 0;
			size_t skip = 0;
			while (skip < len && p[skip] >= '0' && p[skip] <= '9') {
				if (num < 100000000) /* no overflow on a long digit run */
					num = num * 10 + (p[skip] - '0');
				skip++;
			}
			int numbered = skip > 0 && skip + 1 < len &&
			               (p[skip] == '.' || p[skip] == ')') && p[skip + 1] == ' ';
			char lc = last_char(p, len);
			if (!numbered && lc != '.' && lc != '!')
				continue; /* a lead-in, a name, a department: not a decision */
			char qual[16];
			snprintf(qual, sizeof(qual), "%d", numbered ? num : n + 1);
			char *v = numbered ? p + skip + 2 : p;
			/* find the line the item starts on, for provenance */
			for (size_t i = lineidx; i <= b->last; i++) {
				if (!keep[i])
					continue;
				const struct doc_line *l = &d->lines[i];
				if (l->len >= 8 && !strncmp(l->text + (l->text[0] == ' '), p, 8)) {
					lineidx = i;
					break;
				}
			}
			if (add_text_value(fd, d, RF_DECISION, v, lineidx, qual) < 0) {
				free(text);
				return -1;
			}
			n++;
		}
		free(text);
	}
	return n;
}

/* Attachments or recipients: one a paragraph line. */
static int list_items(struct fields *fs, const struct doc *d, const char *keep,
                      const struct blocks *bs, size_t from, size_t to, size_t width, int f,
                      struct found *fd)
{
	size_t fl, item = 0;
	struct plines pl = {0};
	char *text = block_text(fs, d, keep, bs, from, to, width, &fl, &pl);
	if (!text) {
		free(pl.at);
		return -1;
	}
	char *save = NULL;
	int pos = 0, rc = 0;
	for (char *p = strtok_r(text, "\n", &save); p && rc == 0;
	     p = strtok_r(NULL, "\n", &save), item++) {
		size_t line = item < pl.n ? pl.at[item] : fl;
		if (!strncmp(p, "- ", 2))
			p += 2;
		char qual[16] = "";
		if (f == RF_ATTACHMENT && !strncasecmp(p, "Bilaga ", 7)) {
			char *q = p + 7;
			int num = 0;
			while (*q >= '0' && *q <= '9') {
				if (num < 100000000) /* no overflow on a long digit run */
					num = num * 10 + (*q - '0');
				q++;
			}
			if (q > p + 7) {
				snprintf(qual, sizeof(qual), "%d", num);
				while (*q == '.' || *q == ':' || *q == ' ' || *q == '-')
					q++;
				p = q;
			}
		}
		strip_trailing(p, ".,;");
		if (!*p)
			continue;
		pos++;
		if (f == RF_ATTACHMENT && !*qual)
			snprintf(qual, sizeof(qual), "%d", pos);
		rc = add_text_value(fd, d, f, p, line, f == RF_ATTACHMENT ? qual : NULL);
	}
	free(text);
	free(pl.at);
	return rc;
}

/* Split "Utbildningsdirektör Gymnasiedirektör" into titles: a title ends
 * at a word that ends one (fields/signatures.rules, kind title-word);
 * trailing words belong to the last title. */
static size_t split_titles(struct fields *fs, const char *s, char titles[][128], size_t max)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", s);
	size_t n = 0;
	struct sb cur = SB_INIT;
	char *save = NULL;
	for (char *w = strtok_r(buf, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
		if (cur.len)
			sb_addc(&cur, ' ');
		sb_adds(&cur, w);
		if (sig_match(fs, SIG_TITLE_WORD, w, strlen(w)) && n < max) {
			snprintf(titles[n++], 128, "%s", cur.buf);
			sb_reset(&cur);
		}
	}
	if (cur.len) {
		if (n) {
			size_t l = strlen(titles[n - 1]);
			snprintf(titles[n - 1] + l, 128 - l, " %s", cur.buf);
		} else if (max) {
			snprintf(titles[n++], 128, "%s", cur.buf);
		}
	}
	sb_release(&cur);
	return n;
}

/* Add a signatory's name or role (field f) in group `group`, from line l.
 * The value is copied; NULL (out of memory earlier) fails. */
static int add_signatory(struct found *fd, enum rec_field f, int group, const char *value,
                         const struct doc_line *l)
{
	struct rec_value rv = {.field = f,
	                       .group = group,
	                       .value = (char *)value,
	                       .page = l->page,
	                       .line = l->lineno,
	                       .conf = -1};
	return value ? record_add(fd->rec, &rv) : -1;
}

static int signatories(struct fields *fs, const struct doc *d, const struct block *b,
                       struct found *fd)
{
	const struct doc_line *nl = &d->lines[b->first], *tl = &d->lines[b->last];
	char *names = squeeze(nl->text, nl->len), *title = squeeze(tl->text, tl->len);
	if (names)
		unglue_marks(names);
	if (title)
		unglue_marks(title);
	char titles[8][128];
	size_t k = split_titles(fs, title, titles, 8);
	/* as many names as titles: split the name words evenly */
	char *words[32];
	size_t nw = 0;
	char *save = NULL;
	for (char *w = strtok_r(names, " ", &save); w && nw < 32; w = strtok_r(NULL, " ", &save))
		words[nw++] = w;
	if (k < 1 || nw % k)
		k = 1;
	int rc = 0;
	for (size_t g = 0; g < k && rc == 0; g++) {
		struct sb nm = SB_INIT;
		for (size_t w = g * (nw / k); w < (g + 1) * (nw / k); w++)
			sb_addf(&nm, "%s%s", nm.len ? " " : "", words[w]);
		char *name = name_case(nm.buf);
		sb_release(&nm);
		int group = fd->ngroups[RF_SIGNATORY_NAME]++;
		rc = add_signatory(fd, RF_SIGNATORY_NAME, group, name, nl);
		free(name);
		if (rc == 0 && k >= 1 && titles[g][0])
			rc = add_signatory(fd, RF_SIGNATORY_ROLE, group, k == 1 ? title : titles[g],
			                   tl);
	}
	if (rc == 0)
		fd->have[RF_SIGNATORY_NAME] = fd->have[RF_SIGNATORY_ROLE] = 1;
	free(names);
	free(title);
	return rc;
}

/* A signature area, as a layout read across by OCR leaves it: names, titles,
 * places and dates, party names.  A name directly over a title is a pair;
 * the names and titles left over are paired in reading order. */
static int signature_area(struct fields *fs, const struct doc *d, const char *keep,
                          const struct block *b, struct found *fd)
{
	enum { O_OTHER, O_NAME, O_TITLE };
	size_t n = b->last - b->first + 1;
	int *kind = calloc(n, sizeof(int));
	size_t *tline = calloc(n, sizeof(size_t)); /* a title's first line (prefix) */
	int *pair = calloc(n, sizeof(int));        /* name -> title line index + 1 */
	int *used = calloc(n, sizeof(int));
	size_t *tword = calloc(n, sizeof(size_t)); /* title = the line's words from here */
	int rc = 0;
	if (!kind || !tline || !pair || !used || !tword) {
		rc = -1;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		size_t li = b->first + i;
		const struct doc_line *l = &d->lines[li];
		tline[i] = li;
		if (!keep[li] || is_blank_text(l->text, l->len) || line_vocab(fs, d, li) >= 0)
			continue;
		if (line_sig(fs, d, li, SIG_TITLE))
			kind[i] = O_TITLE;
		else if (line_sig(fs, d, li, SIG_NAME))
			kind[i] = O_NAME;
	}
	/* "Vikarierande" over "Gymnasiedirektör": one title */
	for (size_t i = 0; i + 1 < n; i++) {
		size_t li = b->first + i;
		const struct doc_line *l = &d->lines[li];
		if (kind[i + 1] == O_TITLE && kind[i] != O_TITLE &&
		    sig_match(fs, SIG_TITLE_PREFIX, l->text, l->len)) {
			kind[i] = O_OTHER;
			tline[i + 1] = li;
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (kind[i] != O_NAME)
			continue;
		size_t j;
		/* a prefix line counts as the start of its title */
		for (j = i + 1;
		     j < n && (!keep[b->first + j] || is_blank_text(d->lines[b->first + j].text,
		                                                    d->lines[b->first + j].len));
		     j++)
			;
		if (j < n && kind[j] == O_OTHER && j + 1 < n && tline[j + 1] == b->first + j)
			j++;
		if (j < n && kind[j] == O_TITLE && !used[j]) {
			pair[i] = (int)j + 1;
			used[j] = 1;
		}
	}
	/* "... granskats av enhetschef" over a name: the title ends the line */
	for (size_t i = 0; i + 1 < n; i++) {
		if (kind[i] != O_OTHER)
			continue;
		const struct doc_line *l = &d->lines[b->first + i];
		size_t j;
		for (j = i + 1;
		     j < n && (!keep[b->first + j] || is_blank_text(d->lines[b->first + j].text,
		                                                    d->lines[b->first + j].len));
		     j++)
			;
		if (j >= n || kind[j] != O_NAME || pair[j])
			continue;
		size_t e = l->len;
		while (e && (l->text[e - 1] == ' ' || l->text[e - 1] == '\t'))
			e--;
		size_t w = e;
		while (w && l->text[w - 1] != ' ')
			w--;
		if (w == 0 || e == w || !sig_match(fs, SIG_TITLE_WORD, l->text + w, e - w))
			continue;
		kind[i] = O_TITLE;
		pair[j] = (int)i + 1;
		used[i] = 1;
		tword[i] = w + 1;
	}
	/* leftovers in reading order */
	size_t t = 0;
	for (size_t i = 0; i < n; i++) {
		if (kind[i] != O_NAME || pair[i])
			continue;
		while (t < n && (kind[t] != O_TITLE || used[t]))
			t++;
		if (t < n) {
			pair[i] = (int)t + 1;
			used[t] = 1;
		}
	}
	for (size_t i = 0; i < n && rc == 0; i++) {
		if (kind[i] != O_NAME)
			continue;
		const struct doc_line *nl = &d->lines[b->first + i];
		char *raw = squeeze(nl->text, nl->len);
		if (raw)
			unglue_marks(raw);
		char *name = raw ? name_case(raw) : NULL;
		int group = fd->ngroups[RF_SIGNATORY_NAME]++;
		rc = add_signatory(fd, RF_SIGNATORY_NAME, group, name, nl);
		if (rc == 0 && pair[i]) {
			size_t ti = (size_t)pair[i] - 1;
			struct sb title = SB_INIT;
			const struct doc_line *tl;
			if (tword[ti]) {
				/* the last word of a sentence, capitalised */
				size_t w = tword[ti] - 1;
				tl = &d->lines[b->first + ti];
				char *word = squeeze(tl->text + w, tl->len - w);
				char *up = word ? utf8_upper(word, strlen(word), NULL) : NULL;
				if (word && up) {
					size_t k1 = 0;
					utf8_next(up, strlen(up), &k1);
					sb_add(&title, up, k1);
					sb_adds(&title, word + k1);
				}
				free(word);
				free(up);
			} else {
				for (size_t li = tline[ti]; li <= b->first + ti; li++)
					if (keep[li] &&
					    !is_blank_text(d->lines[li].text, d->lines[li].len))
						join_line(&title, d->lines[li].text,
						          d->lines[li].len);
				tl = &d->lines[tline[ti]];
			}
			if (title.len)
				unglue_marks(title.buf);
			rc = add_signatory(fd, RF_SIGNATORY_ROLE, group, title.buf, tl);
			sb_release(&title);
		}
		free(raw);
		free(name);
		fd->have[RF_SIGNATORY_NAME] = 1;
	}
out:
	free(kind);
	free(tword);
	free(tline);
	free(pair);
	free(used);
	return rc;
}

/* The first block of the body that starts the document's structure: the
 * first "Förslag till beslut" or "Sammanfattning", or failing that the first
 * heading after the title (or the title itself, when it stands as a heading
 * over text: a plan section's lead paragraph). */
static size_t first_structural(const struct blocks *bs)
{
	for (size_t k = 0; k < bs->n; k++)
		if (bs->b[k].kind == B_HEADING &&
		    (bs->b[k].role == ROLE_DECISIONS || bs->b[k].role == ROLE_SUMMARY))
			return k;
	/* a title standing as a heading over text opens the first section */
	if (bs->n > 1 && bs->b[0].kind == B_HEADING && bs->b[1].kind == B_PARA)
		return 0;
	for (size_t k = 1; k < bs->n; k++)
		if (bs->b[k].kind == B_HEADING)
			return k;
	return bs->n;
}

static int structure(struct fields *fs, const struct doc *d, const char *keep,
                     const struct blocks *bs, struct found *fd)
{
	size_t width = wrap_width(d, keep);
	size_t start = first_structural(bs);
	int took_decisions = 0, took_summary = 0, rc = 0;
	size_t k = start;
	/* signatures anywhere after the header */
	for (size_t j = start; j < bs->n && rc == 0; j++) {
		if (bs->b[j].kind == B_SIGNATURE)
			rc = signatories(fs, d, &bs->b[j], fd);
		else if (bs->b[j].kind == B_SIGAREA)
			rc = signature_area(fs, d, keep, &bs->b[j], fd);
	}
	while (k < bs->n && rc == 0) {
		const struct block *h = &bs->b[k];
		if (h->kind != B_HEADING) {
			k++;
			continue;
		}
		int role = h->role;
		if ((role == ROLE_DECISIONS && took_decisions) ||
		    (role == ROLE_SUMMARY && took_summary))
			role = ROLE_SECTION;
		/* the part runs to the next heading; the decisions run on past
		 * headings found by shape only (a lead-in such as "Kommunstyrelsens
		 * förslag till kommunfullmäktige") up to the next named one */
		size_t end = k + 1;
		while (end < bs->n &&
		       (bs->b[end].kind != B_HEADING ||
		        ((role == ROLE_DECISIONS || role == ROLE_PARTIES) && !bs->b[end].vocab)))
			end++;
		size_t fl;
		char *text;
		switch (role) {
		case ROLE_DECISIONS: {
			int n = decisions(fs, d, keep, bs, k + 1, end, width, fd);
			if (n < 0)
				rc = -1;
			took_decisions = 1;
			if (fd->debug)
				sb_addf(fd->debug,
				        "  proposed-decisions: %d under the heading at %d:%d\n", n,
				        d->lines[h->first].page, d->lines[h->first].lineno);
			break;
		}
		case ROLE_SUMMARY:
			text = block_text(fs, d, keep, bs, k + 1, end, width, &fl, NULL);
			if (!text)
				rc = -1;
			else if (*text)
				rc = add_text_value(fd, d, RF_SUMMARY, text, fl, NULL);
			free(text);
			took_summary = 1;
			break;
		case ROLE_ATTACHMENTS:
			rc = list_items(fs, d, keep, bs, k + 1, end, width, RF_ATTACHMENT, fd);
			break;
		case ROLE_PARTIES:
			break; /* read by the party rules (fields/parties.rules) */
		case ROLE_DISTRIBUTION:
			rc = list_items(fs, d, keep, bs, k + 1, end, width, RF_RECIPIENT, fd);
			break;
		default: {
			char *head = heading_text(d, h);
			text = block_text(fs, d, keep, bs, k + 1, end, width, &fl, NULL);
			if (!head || !text) {
				rc = -1;
			} else {
				struct rec_value rv = {.field = RF_SECTION,
				                       .value = text,
				                       .qual = head,
				                       .page = d->lines[h->first].page,
				                       .line = d->lines[h->first].lineno,
				                       .conf = -1};
				rc = record_add(fd->rec, &rv);
				fd->have[RF_SECTION] = 1;
			}
			free(head);
			free(text);
		}
		}
		k = end;
	}
	return rc;
}

/* ---- the extractor ------------------------------------------------------------------ */

/* References: drop the document's own case number and repeats. */
static void tidy_references(struct record *r)
{
	const struct rec_value *own = record_find(r, RF_CASE_NUMBER);
	char *ownv = own ? strdup(own->value) : NULL;
	/* rebuild the list without the unwanted ones */
	size_t n = record_count(r);
	struct rec_value *keep = calloc(n ? n : 1, sizeof(*keep));
	size_t nk = 0;
	if (!keep) {
		free(ownv);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct rec_value *v = record_get(r, i);
		if (v->field != RF_REFERENCE)
			continue;
		int dup = ownv && !strcmp(v->value, ownv);
		for (size_t j = 0; j < nk && !dup; j++)
			dup = !strcmp(keep[j].value, v->value);
		if (dup)
			continue;
		keep[nk] = *v;
		keep[nk].value = strdup(v->value);
		keep[nk].raw = v->raw ? strdup(v->raw) : NULL;
		keep[nk].qual = NULL;
		nk++;
	}
	record_remove(r, RF_REFERENCE);
	for (size_t j = 0; j < nk; j++) {
		record_add(r, &keep[j]);
		free(keep[j].value);
		free(keep[j].raw);
	}
	free(keep);
	free(ownv);
}

int fields_extract(struct fields *fs, const struct doc *d, struct record **out, struct sb *debug,
                   struct ex_error *err)
{
	*out = NULL;
	struct found fd = {.debug = debug};
	struct view views[SCOPE__COUNT] = {0};
	struct blocks bs = {0};
	size_t n = d->nlines ? d->nlines : 1;
	char *keep = malloc(n), *head = malloc(n), *header = malloc(n);
	int rc = 0;
	if (!keep || !head || !header || !(fd.rec = record_new()))
		goto nomem;
	if (record_set_source(fd.rec, d->name, d->sha256, doc_kind_name(d->kind),
	                      d->npages ? d->npages : 1) < 0)
		goto nomem;
	memset(keep, 1, n);
	cache_for(fs, d);
	free(fs->pitch);
	fs->pitch = line_pitches(d);
	mark_furniture(fs, d, keep);
	if (make_blocks(fs, d, keep, 0, d->nlines, &bs) < 0)
		goto nomem;
	demote_empty_headings(&bs);
	size_t st = first_structural(&bs);
	size_t head_end = st < bs.n ? bs.b[st].first : d->nlines;
	for (size_t i = 0; i < d->nlines; i++) {
		head[i] = keep[i] && i < head_end;
		header[i] = head[i] || !keep[i];
	}
	if (view_build(&views[SCOPE_ALL], d, NULL) < 0 ||
	    view_build(&views[SCOPE_BODY], d, keep) < 0 ||
	    view_build(&views[SCOPE_HEAD], d, head) < 0 ||
	    view_build(&views[SCOPE_HEADER], d, header) < 0)
		goto nomem;
	if (debug) {
		sb_addf(debug, "== text the rules saw (furniture removed) ==\n%s\n",
		        views[SCOPE_BODY].text.buf);
		sb_addf(debug, "== blocks ==\n");
		for (int p = 0; fs->pitch && p < d->npages; p++)
			if (fs->pitch[p])
				sb_addf(debug, "  page %d: lines every %d pixels\n", p + 1,
				        fs->pitch[p]);
		for (size_t k = 0; k < bs.n; k++)
			sb_addf(debug, "  %d:%d-%d %s%s%s\n", d->lines[bs.b[k].first].page,
			        d->lines[bs.b[k].first].lineno, d->lines[bs.b[k].last].lineno,
			        bs.b[k].kind == B_HEADING     ? "heading "
			        : bs.b[k].kind == B_SIGNATURE ? "signature"
			        : bs.b[k].kind == B_SIGAREA   ? "signature area"
			                                      : "paragraph",
			        bs.b[k].kind == B_HEADING ? role_names[bs.b[k].role] : "",
			        k == st ? " (structure starts)" : "");
		sb_addf(debug, "== document type ==\n");
	}
	const struct view *vp[SCOPE__COUNT];
	for (int s = 0; s < SCOPE__COUNT; s++)
		vp[s] = &views[s];
	const char *type = classify(fs, vp, debug);
	if (type) {
		record_add_simple(fd.rec, RF_DOCUMENT_TYPE, type, 0, 0, -1, NULL);
		fd.have[RF_DOCUMENT_TYPE] = 1;
	}
	if (debug)
		sb_addf(debug, "== fields ==\n");
	for (size_t i = 0; i < fs->npats; i++)
		if (run_pattern(fs, &fs->pats[i], d, vp[fs->pats[i].scope], &fd) < 0)
			goto nomem;
	if (structure(fs, d, keep, &bs, &fd) < 0)
		goto nomem;
	tidy_references(fd.rec);
	if (debug)
		for (int f = 0; f < RF__COUNT; f++)
			if (!fd.have[f])
				sb_addf(debug, "  %s: not found\n", record_field_path(f));
	for (size_t i = 0; i < fs->nreq && !fs->opt.lenient; i++) {
		if (!type || strcmp(fs->req[i].type, type))
			continue;
		for (size_t k = 0; k < fs->req[i].n; k++)
			if (!fd.have[fs->req[i].fields[k]]) {
				rc = ex_fail(err, EX_FIELD, d->name, 0, 0,
				             "required field '%s' of a %s not found (rule '%s', "
				             "%s:%d)",
				             record_field_path(fs->req[i].fields[k]), type,
				             fs->req[i].b->id, fs->req[i].b->file,
				             fs->req[i].b->line);
				goto out;
			}
	}
	*out = fd.rec;
	fd.rec = NULL;
	goto out;
nomem:
	rc = ex_fail(err, EX_NOMEM, d->name, 0, 0, "out of memory");
out:
	fs->cache_doc = NULL;
	free(fs->pitch);
	fs->pitch = NULL;
	record_free(fd.rec);
	for (int s = 0; s < SCOPE__COUNT; s++)
		view_release(&views[s]);
	free(bs.b);
	free(keep);
	free(head);
	free(header);
	return rc;
}

/* ---- rule tests ---------------------------------------------------------------------- */

/* "a\nb" in a test line stands for a line break. */
static char *unescape(const char *s, size_t n)
{
	struct sb b = SB_INIT;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'n') {
			sb_addc(&b, '\n');
			i++;
		} else {
			sb_addc(&b, s[i]);
		}
	}
	return sb_detach(&b, NULL);
}

static void report(void (*fn)(void *, const char *, int, const char *), void *ctx,
                   const struct rules_block *b, int line, const char *got, const char *want)
{
	struct sb msg = SB_INIT;
	sb_addf(&msg, "rule '%s': got '%s', expected '%s'", b->id, got, want);
	if (fn)
		fn(ctx, b->file, line, msg.buf);
	sb_release(&msg);
}

/* Run a pattern rule on a test input; "field=value; ..." in field order. */
static int test_pattern(struct fields *fs, const struct prule *r, const char *input, struct sb *got)
{
	struct doc *d = NULL;
	struct ex_error e2;
	if (doc_from_text("test", input, strlen(input), &d, &e2) < 0)
		return -1;
	struct found fd = {.rec = record_new()};
	struct view v;
	int ok = fd.rec && view_build(&v, d, NULL) == 0 && run_pattern(fs, r, d, &v, &fd) == 0;
	for (int f = 0; ok && f < RF__COUNT; f++)
		for (size_t j = 0; j < record_count(fd.rec); j++) {
			const struct rec_value *rv = record_get(fd.rec, j);
			if ((int)rv->field != f)
				continue;
			sb_addf(got, "%s%s=%s", got->len ? "; " : "", record_field_path(rv->field),
			        rv->value);
			if (rv->qual)
				sb_addf(got, " [%s]", rv->qual);
		}
	view_release(&v);
	record_free(fd.rec);
	doc_free(d);
	return ok ? 0 : -1;
}

int fields_check_rules(struct fields *fs,
                       void (*fn)(void *ctx, const char *file, int line, const char *msg),
                       void *ctx, struct ex_error *err)
{
	int failures = 0;
	for (size_t i = 0; i < fs->set.nblocks; i++) {
		const struct rules_block *b = &fs->set.blocks[i];
		for (size_t k = 0; k < b->nentries; k++) {
			const struct rules_entry *e = &b->entries[k];
			if (strcmp(e->key, "test"))
				continue;
			const char *arrow = strstr(e->value, " => ");
			if (!arrow)
				return ex_fail(err, EX_RULE, b->file, 0, e->line,
				               "rule '%s': a test reads 'input => expected'",
				               b->id);
			char *input = unescape(e->value, (size_t)(arrow - e->value));
			const char *want = arrow + 4;
			struct sb got = SB_INIT;
			if (!input) {
				sb_release(&got);
				return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
			}
			/* which kind of rule is it? */
			const struct prule *pr = NULL;
			for (size_t p = 0; p < fs->npats; p++)
				if (fs->pats[p].b == b)
					pr = &fs->pats[p];
			const struct trule *tr = NULL;
			for (size_t p = 0; p < fs->ntexts; p++)
				if (fs->texts[p].b == b)
					tr = &fs->texts[p];
			if (pr) {
				if (test_pattern(fs, pr, input, &got) < 0)
					sb_adds(&got, "(error)");
			} else if (tr) {
				char *s = strdup(input);
				struct trule *saved = fs->texts;
				size_t savedn = fs->ntexts;
				fs->texts = (struct trule *)tr;
				fs->ntexts = 1;
				s = clean_text(fs, s);
				fs->texts = saved;
				fs->ntexts = savedn;
				sb_adds(&got, s ? s : "(error)");
				free(s);
			} else {
				/* a line rule: does it match? */
				pcre2_code *re = NULL;
				for (size_t p = 0; p < fs->nheads && !re; p++)
					if (fs->heads[p].b == b)
						re = fs->heads[p].re;
				for (size_t p = 0; p < fs->nsigs && !re; p++)
					if (fs->sigs[p].b == b)
						re = fs->sigs[p].re;
				for (size_t p = 0; p < fs->nfurn && !re; p++)
					if (fs->furn[p].b == b)
						re = fs->furn[p].re;
				int m = re && pcre2_match(re, (PCRE2_SPTR)input, strlen(input), 0,
				                          0, fs->md, NULL) >= 0;
				sb_adds(&got, m ? "match" : "no match");
			}
			if (strcmp(got.buf, want)) {
				failures++;
				report(fn, ctx, b, e->line, got.buf, want);
			}
			sb_release(&got);
			free(input);
		}
	}
	return failures;
}
