/* fields.c - see fields.h.
 *
 * How a document is read:
 *  1. Views.  The doc's lines are joined into texts the rules match against:
 *     `all` (every line), `body` (page furniture removed: repeated header
 *     blocks, page numbers, letterheads) and `head` (the body up to the first
 *     structural heading).  Each view maps a byte offset back to page and line.
 *  2. Document type: the classifier rules (fields/doctype.rules) score each
 *     type; the highest wins.
 *  3. Pattern rules (fields/header.rules): PCRE2 patterns whose named groups
 *     name the fields they fill (`case_number`, `officer_name`, or `value`
 *     for the rule's own `field`).  The first rule to fill a field wins;
 *     `repeat = yes` rules collect every match (amounts, references).
 *  4. Structure: headings (fields/headings.rules and the shape of a heading)
 *     cut the body into parts; the part's role decides where its text goes:
 *     proposed decisions, summary, sections, attachments, distribution.
 *  5. Required fields (fields/required.rules) are checked for the type.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "fields.h"

#include <ctype.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules.h"
#include "utf8.h"

/* ---- compiled rules ------------------------------------------------------ */

enum scope { SCOPE_ALL, SCOPE_BODY, SCOPE_HEAD };

struct group_map {
	int number; /* capture group */
	int field;  /* enum rec_field */
};

struct prule {
	const struct rules_block *b;
	pcre2_code *re;
	enum scope scope;
	int repeat;
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
	ROLE_SIGNATURES,
};

struct heading {
	const struct rules_block *b;
	pcre2_code *re;
	enum role role;
};

struct furniture {
	const struct rules_block *b;
	pcre2_code *re;
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

struct fields {
	struct fields_options opt;
	struct rules_set set;
	struct doctype *types;
	size_t ntypes;
	struct prule *pats;
	size_t npats;
	struct heading *heads;
	size_t nheads;
	struct furniture *furn;
	size_t nfurn;
	struct required *req;
	size_t nreq;
	struct month *months;
	size_t nmonths;
	pcre2_match_data *md;
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

static int parse_scope(const struct rules_block *b, enum scope *s, struct ex_error *err)
{
	const char *v = rules_get(b, "scope");
	*s = SCOPE_ALL;
	if (!v || !strcmp(v, "all"))
		return 0;
	if (!strcmp(v, "body"))
		*s = SCOPE_BODY;
	else if (!strcmp(v, "head"))
		*s = SCOPE_HEAD;
	else
		return ex_fail(err, EX_RULE, b->file, 0, rules_entry(b, "scope")->line,
			       "rule '%s': scope is all, body or head, not '%s'", b->id, v);
	return 0;
}

/* "officer_name" matches the field path "officer/name". */
static int field_for_group(const char *name)
{
	for (int f = 0; f < RF__COUNT; f++) {
		const char *p = record_field_path(f), *q = name;
		/* a group may name the last part only when it is unique
		 * ("email" for officer/email is not allowed: be explicit) */
		for (; *p && *q; p++, q++)
			if (!(*p == *q || ((*p == '/' || *p == '-') && *q == '_')))
				break;
		if (!*p && !*q)
			return f;
	}
	return -1;
}

static int load_pattern_rule(struct fields *fs, const struct rules_block *b, struct ex_error *err)
{
	static const char *const keys[] = {"why", "field", "pattern", "scope", "repeat", "test",
					   NULL};
	static const char *const req[] = {"why", "pattern", NULL};
	int rc = rules_check_keys(b, keys, req, err);
	if (rc < 0)
		return rc;
	struct prule *r = &fs->pats[fs->npats];
	memset(r, 0, sizeof(*r));
	r->b = b;
	if ((rc = parse_scope(b, &r->scope, err)) < 0)
		return rc;
	const char *rep = rules_get(b, "repeat");
	r->repeat = rep && !strcmp(rep, "yes");
	int own = -1;
	const char *fname = rules_get(b, "field");
	if (fname && (own = record_field_from_path(fname)) < 0)
		return ex_fail(err, EX_RULE, b->file, 0, rules_entry(b, "field")->line,
			       "rule '%s': no field '%s' in the record schema", b->id, fname);
	if ((rc = compile(b, "pattern", &r->re, err)) < 0)
		return rc;
	fs->npats++; /* from here on norm_free releases it */
	uint32_t count = 0, size = 0;
	PCRE2_SPTR table;
	pcre2_pattern_info(r->re, PCRE2_INFO_NAMECOUNT, &count);
	pcre2_pattern_info(r->re, PCRE2_INFO_NAMEENTRYSIZE, &size);
	pcre2_pattern_info(r->re, PCRE2_INFO_NAMETABLE, &table);
	r->groups = calloc(count ? count : 1, sizeof(*r->groups));
	if (!r->groups)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
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
				return ex_fail(err, EX_RULE, b->file, 0,
					       rules_entry(b, "pattern")->line,
					       "rule '%s': (?<value>...) needs a 'field'", b->id);
			f = own;
		} else if (name[0] == 'x' && name[1] == '_') {
			continue; /* helper group, not a field */
		} else if ((f = field_for_group(name)) < 0) {
			return ex_fail(err, EX_RULE, b->file, 0, rules_entry(b, "pattern")->line,
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
	if ((rc = parse_scope(b, &t->scope, err)) < 0)
		return rc;
	if ((rc = compile(b, "pattern", &t->re, err)) < 0)
		return rc;
	fs->ntypes++;
	return 0;
}

static int load_heading(struct fields *fs, const struct rules_block *b, struct ex_error *err)
{
	static const char *const keys[] = {"why", "pattern", "role", "test", NULL};
	static const char *const req[] = {"why", "pattern", "role", NULL};
	static const char *const roles[] = {"section", "decisions", "summary",
					    "attachments", "distribution", "signatures"};
	int rc = rules_check_keys(b, keys, req, err);
	if (rc < 0)
		return rc;
	struct heading *h = &fs->heads[fs->nheads];
	memset(h, 0, sizeof(*h));
	h->b = b;
	const char *role = rules_get(b, "role");
	size_t i;
	for (i = 0; i < sizeof(roles) / sizeof(roles[0]); i++)
		if (!strcmp(role, roles[i]))
			break;
	if (i == sizeof(roles) / sizeof(roles[0]))
		return ex_fail(err, EX_RULE, b->file, 0, rules_entry(b, "role")->line,
			       "rule '%s': unknown role '%s'", b->id, role);
	h->role = (enum role)i;
	if ((rc = compile(b, "pattern", &h->re, err)) < 0)
		return rc;
	fs->nheads++;
	return 0;
}

static int load_furniture(struct fields *fs, const struct rules_block *b, struct ex_error *err)
{
	static const char *const keys[] = {"why", "pattern", "test", NULL};
	static const char *const req[] = {"why", "pattern", NULL};
	int rc = rules_check_keys(b, keys, req, err);
	if (rc < 0)
		return rc;
	struct furniture *f = &fs->furn[fs->nfurn];
	f->b = b;
	if ((rc = compile(b, "pattern", &f->re, err)) < 0)
		return rc;
	fs->nfurn++;
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
		return -lineno;
	struct month *m = realloc(fs->months, (fs->nmonths + 1) * sizeof(*m));
	if (!m)
		return -1;
	fs->months = m;
	m[fs->nmonths].name = strdup(name);
	m[fs->nmonths].number = num;
	if (!m[fs->nmonths].name)
		return -1;
	fs->nmonths++;
	return 0;
}

static const char *base(const char *path)
{
	const char *s = strrchr(path, '/');
	return s ? s + 1 : path;
}

int fields_new(const struct fields_options *opt, struct fields **out, struct ex_error *err)
{
	*out = NULL;
	struct fields *fs = calloc(1, sizeof(*fs));
	if (!fs)
		return ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	fs->opt = *opt;
	struct sb dir = SB_INIT;
	sb_addf(&dir, "%s/fields", opt->rules_dir);
	int rc = rules_load_dir(&fs->set, dir.buf, ".rules", err);
	size_t n = fs->set.nblocks ? fs->set.nblocks : 1;
	if (rc == 0) {
		fs->types = calloc(n, sizeof(*fs->types));
		fs->pats = calloc(n, sizeof(*fs->pats));
		fs->heads = calloc(n, sizeof(*fs->heads));
		fs->furn = calloc(n, sizeof(*fs->furn));
		fs->req = calloc(n, sizeof(*fs->req));
		fs->md = pcre2_match_data_create(64, NULL);
		if (!fs->types || !fs->pats || !fs->heads || !fs->furn || !fs->req || !fs->md)
			rc = ex_fail(err, EX_NOMEM, NULL, 0, 0, "out of memory");
	}
	for (size_t i = 0; i < fs->set.nblocks && rc == 0; i++) {
		const struct rules_block *b = &fs->set.blocks[i];
		const char *f = base(b->file);
		if (!strcmp(f, "doctype.rules"))
			rc = load_doctype(fs, b, err);
		else if (!strcmp(f, "headings.rules"))
			rc = load_heading(fs, b, err);
		else if (!strcmp(f, "furniture.rules"))
			rc = load_furniture(fs, b, err);
		else if (!strcmp(f, "required.rules"))
			rc = load_required(fs, b, err);
		else
			rc = load_pattern_rule(fs, b, err);
	}
	if (rc == 0) {
		sb_reset(&dir);
		sb_addf(&dir, "%s/fields/months.list", opt->rules_dir);
		rc = rules_read_lines(dir.buf, month_line, fs, err);
		if (rc < 0 && rc != -(int)EX_DEP && rc != -(int)EX_IO && rc != -(int)EX_NOMEM)
			rc = ex_fail(err, EX_RULE, dir.buf, 0, -rc, "expected 'monthname number'");
	}
	sb_release(&dir);
	if (rc < 0) {
		fields_free(fs);
		return rc;
	}
	*out = fs;
	return 0;
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
	for (size_t i = 0; i < fs->nheads; i++)
		pcre2_code_free(fs->heads[i].re);
	for (size_t i = 0; i < fs->nfurn; i++)
		pcre2_code_free(fs->furn[i].re);
	for (size_t i = 0; i < fs->nmonths; i++)
		free(fs->months[i].name);
	free(fs->months);
	free(fs->types);
	free(fs->pats);
	free(fs->heads);
	free(fs->furn);
	free(fs->req);
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

/* Build a view of the doc lines for which keep[i] is set (all when NULL),
 * up to line `end` (exclusive). */
static int view_build(struct view *v, const struct doc *d, const char *keep, size_t end)
{
	memset(v, 0, sizeof(*v));
	sb_init(&v->text);
	v->start = malloc((d->nlines + 1) * sizeof(size_t));
	v->line = malloc((d->nlines + 1) * sizeof(size_t));
	if (!v->start || !v->line)
		return -1;
	for (size_t i = 0; i < d->nlines && i < end; i++) {
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

/* ---- value conversion -------------------------------------------------------- */

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

static void strip_trailing(char *s, const char *chars)
{
	size_t n = strlen(s);
	while (n && strchr(chars, s[n - 1]))
		s[--n] = '\0';
	while (n && s[n - 1] == ' ')
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

static int month_number(const struct fields *fs, const char *name, size_t len)
{
	char low[64];
	if (len >= sizeof(low))
		return 0;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)tolower((unsigned char)name[i]);
	low[len] = '\0';
	for (size_t i = 0; i < fs->nmonths; i++)
		if (!strcmp(fs->months[i].name, low))
			return fs->months[i].number;
	return 0;
}

/* "2021-08-11", "2021 -08-11", "11 augusti 2021", "11/8 2021" -> ISO or NULL. */
static char *to_iso_date(const struct fields *fs, const char *s)
{
	int y = 0, m = 0, d = 0;
	char buf[64];
	size_t k = 0;
	for (const char *p = s; *p && k + 1 < sizeof(buf); p++)
		if (*p != ' ')
			buf[k++] = *p;
	buf[k] = '\0';
	if (sscanf(buf, "%4d-%2d-%2d", &y, &m, &d) == 3 && strlen(buf) == 10)
		goto ok;
	if (sscanf(buf, "%2d/%2d%4d", &d, &m, &y) == 3)
		goto ok;
	/* day month-name year */
	{
		char word[64];
		if (sscanf(s, "%d %63s %d", &d, word, &y) == 3 &&
		    (m = month_number(fs, word, strlen(word))) > 0)
			goto ok;
	}
	return NULL;
ok:;
	char iso[16];
	snprintf(iso, sizeof(iso), "%04d-%02d-%02d", y, m, d);
	return record_check_date(iso) ? strdup(iso) : NULL;
}

/* ALL CAPS names become "Title Case"; others are kept. */
static char *name_case(const char *s)
{
	size_t n = strlen(s), i = 0;
	int lower = 0;
	while (i < n) {
		uint32_t cp = utf8_next(s, n, &i);
		if (utf8_is_lower(cp))
			lower = 1;
	}
	if (lower)
		return strdup(s);
	struct sb b = SB_INIT;
	int start = 1;
	i = 0;
	while (i < n) {
		uint32_t cp = utf8_next(s, n, &i);
		char enc[4];
		int alpha = utf8_is_alpha(cp);
		uint32_t out = alpha ? (start ? cp : utf8_cp_lower(cp)) : cp;
		sb_add(&b, enc, (size_t)utf8_encode(out, enc));
		start = !alpha;
	}
	return sb_detach(&b, NULL);
}

/* Turn a captured text into the value of field f; NULL when it is not one. */
static char *convert(const struct fields *fs, int f, const char *s, size_t n)
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
	case RF_SUMMARY:
	case RF_SECTION:
		return v;
	default:
		strip_trailing(v, ".,;:");
		return v;
	}
}

/* ---- extraction state ------------------------------------------------------ */

struct found {
	struct record *rec;
	int have[RF__COUNT];
	const char *rule[RF__COUNT]; /* the rule that filled each field */
	struct sb *debug;
};

/* Provenance of text[a..b) of view v. */
static void provenance(const struct doc *d, const struct view *v, size_t a, size_t b,
		       struct rec_value *rv, char **raw)
{
	size_t vl = view_line_at(v, a);
	const struct doc_line *l = &d->lines[v->line[vl]];
	rv->page = l->page;
	rv->line = l->lineno;
	size_t la = a - v->start[vl];
	size_t lb = b - v->start[vl];
	if (lb > l->len)
		lb = l->len;
	float c = doc_line_conf(l, la, lb);
	rv->conf = c < 0 ? -1 : (int)(c + 0.5f);
	*raw = NULL;
	/* the printed text, where normalisation changed it (same-line spans) */
	if (b <= v->start[vl] + l->len && l->nedits) {
		size_t oa = doc_line_orig_off(l, la, 0), ob = doc_line_orig_off(l, lb, 1);
		if (ob > oa)
			*raw = strndup(l->orig + oa, ob - oa);
	}
}

static int add_value(struct found *fd, const struct fields *fs, const struct doc *d,
		     const struct view *v, int f, int group, size_t a, size_t b, const char *qual,
		     const char *rule_raw)
{
	char *val = convert(fs, f, v->text.buf + a, b - a);
	if (!val || !*val) {
		if (fd->debug)
			sb_addf(fd->debug, "  %s: '%.*s' is not a valid value, skipped\n",
				record_field_path(f), (int)(b - a), v->text.buf + a);
		free(val);
		return 0;
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
	if (rc == 0)
		fd->have[f] = 1;
	return rc;
}

/* ---- classifier ---------------------------------------------------------------- */

static const char *classify(struct fields *fs, const struct view *views[], struct sb *debug)
{
	int best = 0;
	const char *type = NULL;
	/* sum the weights of the matching rules per type */
	for (size_t i = 0; i < fs->ntypes; i++) {
		int score = 0;
		for (size_t k = 0; k < fs->ntypes; k++) {
			if (strcmp(fs->types[k].type, fs->types[i].type))
				continue;
			if (k < i)
				goto next; /* counted with its first rule */
			const struct view *v = views[fs->types[k].scope];
			if (pcre2_match(fs->types[k].re, (PCRE2_SPTR)v->text.buf, v->text.len, 0, 0,
					fs->md, NULL) >= 0)
				score += fs->types[k].weight;
		}
		if (debug && score)
			sb_addf(debug, "  %s: score %d\n", fs->types[i].type, score);
		if (score > best) {
			best = score;
			type = fs->types[i].type;
		}
	next:;
	}
	return type;
}

/* ---- pattern rules --------------------------------------------------------------- */

static int run_pattern(struct fields *fs, const struct prule *r, const struct doc *d,
		       const struct view *v, struct found *fd)
{
	size_t start = 0;
	int any = 0;
	while (start <= v->text.len) {
		int m = pcre2_match(r->re, (PCRE2_SPTR)v->text.buf, v->text.len, start, 0, fs->md,
				    NULL);
		if (m < 0)
			break;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(fs->md);
		size_t mend = ov[1];
		char *rule_raw = NULL;
		if (r->raw_group && r->raw_group < m && ov[2 * r->raw_group] != PCRE2_UNSET)
			rule_raw = squeeze(v->text.buf + ov[2 * r->raw_group],
					   ov[2 * r->raw_group + 1] - ov[2 * r->raw_group]);
		for (size_t g = 0; g < r->ngroups; g++) {
			int num = r->groups[g].number, f = r->groups[g].field;
			if (num >= m || ov[2 * num] == PCRE2_UNSET)
				continue;
			if (fd->have[f] && !r->repeat)
				continue;
			size_t a = ov[2 * num], b = ov[2 * num + 1];
			if (add_value(fd, fs, d, v, f, 0, a, b, NULL, rule_raw) < 0) {
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
		if (!r->repeat && any)
			break;
		start = mend > ov[0] ? mend : ov[0] + 1;
	}
	return 0;
}

/* ---- structure --------------------------------------------------------------------- */

/* The role of a line if it is a heading, or -1. */
static int heading_role(struct fields *fs, const char *text, size_t len)
{
	for (size_t i = 0; i < fs->nheads; i++)
		if (pcre2_match(fs->heads[i].re, (PCRE2_SPTR)text, len, 0, 0, fs->md, NULL) >= 0)
			return (int)fs->heads[i].role;
	return -1;
}

static int blank(const struct doc_line *l)
{
	for (size_t i = 0; i < l->len; i++)
		if (l->text[i] != ' ' && l->text[i] != '\t')
			return 0;
	return 1;
}

/* Proposed decisions: the lines after the decisions heading up to the next
 * heading.  Numbered items ("1. ...") are decisions; without numbers, each
 * paragraph that ends a sentence is one. */
static int extract_decisions(struct fields *fs, const struct doc *d, const char *keep,
			     struct found *fd)
{
	size_t i = 0;
	for (; i < d->nlines; i++)
		if (keep[i] && heading_role(fs, d->lines[i].text, d->lines[i].len) == ROLE_DECISIONS)
			break;
	if (i == d->nlines) {
		if (fd->debug)
			sb_addf(fd->debug, "  proposed-decisions: no decisions heading\n");
		return 0;
	}
	struct view v;
	char *sel = calloc(d->nlines, 1);
	if (!sel)
		return -1;
	size_t k;
	for (k = i + 1; k < d->nlines; k++) {
		if (!keep[k])
			continue;
		if (heading_role(fs, d->lines[k].text, d->lines[k].len) >= 0)
			break;
		sel[k] = 1;
	}
	int rc = view_build(&v, d, sel, d->nlines);
	free(sel);
	if (rc < 0) {
		view_release(&v);
		return -1;
	}
	/* paragraphs: runs of non-blank lines */
	size_t p = 0;
	int n = 0;
	while (p < v.n && rc == 0) {
		while (p < v.n && blank(&d->lines[v.line[p]]))
			p++;
		if (p >= v.n)
			break;
		size_t q = p;
		while (q + 1 < v.n && !blank(&d->lines[v.line[q + 1]]))
			q++;
		size_t a = v.start[p], b = v.start[q] + d->lines[v.line[q]].len;
		const char *t = v.text.buf + a;
		/* "1. text" */
		int num = 0;
		size_t skip = 0;
		while (skip < b - a && t[skip] >= '0' && t[skip] <= '9')
			num = num * 10 + (t[skip++] - '0');
		int numbered = skip > 0 && skip < b - a && (t[skip] == '.' || t[skip] == ')');
		char last = b > a ? v.text.buf[b - 1] : 0;
		if (numbered || last == '.' || last == '!') {
			char qual[16];
			snprintf(qual, sizeof(qual), "%d", numbered ? num : n + 1);
			size_t va = numbered ? a + skip + 1 : a;
			while (va < b && (v.text.buf[va] == ' ' || v.text.buf[va] == '\t'))
				va++;
			struct rec_value rv = {.field = RF_DECISION, .qual = qual};
			char *raw = NULL;
			provenance(d, &v, va, va, &rv, &raw);
			free(raw);
			char *val = squeeze(v.text.buf + va, b - va);
			rv.value = val;
			rv.raw = NULL;
			if (!val || record_add(fd->rec, &rv) < 0)
				rc = -1;
			free(val);
			n++;
		}
		p = q + 1;
	}
	view_release(&v);
	if (n)
		fd->have[RF_DECISION] = 1;
	if (fd->debug)
		sb_addf(fd->debug, "  proposed-decisions: %d under the heading at %d:%d\n", n,
			d->lines[i].page, d->lines[i].lineno);
	return rc;
}

/* ---- the extractor ------------------------------------------------------------------ */

/* Page furniture: lines matched by fields/furniture.rules. */
static void mark_furniture(struct fields *fs, const struct doc *d, char *keep)
{
	struct view all;
	if (view_build(&all, d, NULL, d->nlines) < 0) {
		view_release(&all);
		return;
	}
	for (size_t r = 0; r < fs->nfurn; r++) {
		size_t start = 0;
		while (start <= all.text.len) {
			if (pcre2_match(fs->furn[r].re, (PCRE2_SPTR)all.text.buf, all.text.len, start,
					0, fs->md, NULL) < 0)
				break;
			PCRE2_SIZE *ov = pcre2_get_ovector_pointer(fs->md);
			if (ov[1] > ov[0]) {
				size_t a = view_line_at(&all, ov[0]), b = view_line_at(&all, ov[1] - 1);
				for (size_t k = a; k <= b; k++)
					keep[all.line[k]] = 0;
			}
			start = ov[1] > ov[0] ? ov[1] : ov[0] + 1;
		}
	}
	view_release(&all);
}

int fields_extract(struct fields *fs, const struct doc *d, struct record **out, struct sb *debug,
		   struct ex_error *err)
{
	*out = NULL;
	struct found fd = {.debug = debug};
	struct view all = {0}, body = {0}, head = {0};
	char *keep = malloc(d->nlines ? d->nlines : 1);
	int rc = 0;
	if (!keep || !(fd.rec = record_new()))
		goto nomem;
	if (record_set_source(fd.rec, d->name, d->sha256, doc_kind_name(d->kind),
			      d->npages ? d->npages : 1) < 0)
		goto nomem;
	memset(keep, 1, d->nlines);
	mark_furniture(fs, d, keep);
	size_t first_heading = d->nlines;
	for (size_t i = 0; i < d->nlines; i++)
		if (keep[i] && heading_role(fs, d->lines[i].text, d->lines[i].len) >= 0) {
			first_heading = i;
			break;
		}
	if (view_build(&all, d, NULL, d->nlines) < 0 || view_build(&body, d, keep, d->nlines) < 0 ||
	    view_build(&head, d, keep, first_heading) < 0)
		goto nomem;
	if (debug) {
		sb_addf(debug, "== text the rules saw (furniture removed) ==\n%s\n", body.text.buf);
		sb_addf(debug, "== document type ==\n");
	}
	const struct view *views[] = {[SCOPE_ALL] = &all, [SCOPE_BODY] = &body,
				      [SCOPE_HEAD] = &head};
	const char *type = classify(fs, views, debug);
	if (type) {
		record_add_simple(fd.rec, RF_DOCUMENT_TYPE, type, 0, 0, -1, NULL);
		fd.have[RF_DOCUMENT_TYPE] = 1;
	}
	if (debug)
		sb_addf(debug, "== fields ==\n");
	for (size_t i = 0; i < fs->npats; i++)
		if (run_pattern(fs, &fs->pats[i], d, views[fs->pats[i].scope], &fd) < 0)
			goto nomem;
	if (extract_decisions(fs, d, keep, &fd) < 0)
		goto nomem;
	if (debug)
		for (int f = 0; f < RF__COUNT; f++)
			if (!fd.have[f])
				sb_addf(debug, "  %s: no rule matched\n", record_field_path(f));
	/* required fields for the type */
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
	record_free(fd.rec);
	view_release(&all);
	view_release(&body);
	view_release(&head);
	free(keep);
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

int fields_check_rules(struct fields *fs,
		       void (*fn)(void *ctx, const char *file, int line, const char *msg),
		       void *ctx, struct ex_error *err)
{
	int failures = 0;
	for (size_t i = 0; i < fs->npats; i++) {
		const struct prule *r = &fs->pats[i];
		for (size_t k = 0; k < r->b->nentries; k++) {
			const struct rules_entry *e = &r->b->entries[k];
			if (strcmp(e->key, "test"))
				continue;
			const char *arrow = strstr(e->value, " => ");
			if (!arrow)
				return ex_fail(err, EX_RULE, r->b->file, 0, e->line,
					       "rule '%s': a test reads 'input => field=value; ...'",
					       r->b->id);
			char *input = unescape(e->value, (size_t)(arrow - e->value));
			struct doc *d = NULL;
			struct ex_error e2;
			if (!input || doc_from_text("test", input, strlen(input), &d, &e2) < 0) {
				free(input);
				failures++;
				if (fn)
					fn(ctx, r->b->file, e->line, "test input is not text");
				continue;
			}
			free(input);
			struct found fd = {.rec = record_new()};
			struct view v;
			int ok = fd.rec && view_build(&v, d, NULL, d->nlines) == 0;
			if (ok)
				ok = run_pattern(fs, r, d, &v, &fd) == 0;
			/* compare "field=value; field=value" */
			struct sb got = SB_INIT;
			for (int f = 0; ok && f < RF__COUNT; f++)
				for (size_t j = 0; j < record_count(fd.rec); j++) {
					const struct rec_value *rv = record_get(fd.rec, j);
					if ((int)rv->field != f)
						continue;
					sb_addf(&got, "%s%s=%s", got.len ? "; " : "",
						record_field_path(rv->field), rv->value);
				}
			if (strcmp(got.buf, arrow + 4)) {
				failures++;
				struct sb msg = SB_INIT;
				sb_addf(&msg, "rule '%s': got '%s', expected '%s'", r->b->id, got.buf,
					arrow + 4);
				if (fn)
					fn(ctx, r->b->file, e->line, msg.buf);
				sb_release(&msg);
			}
			sb_release(&got);
			view_release(&v);
			record_free(fd.rec);
			doc_free(d);
		}
	}
	return failures;
}
