/* record.c - see record.h.  The one file that knows libxml2. */
#include "record.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlschemas.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "utf8.h"

#define NS "urn:tjx:record:1"

/* How each field is laid out in XML.  The order is the schema's. */
struct fdef {
	const char *path;      /* below <record> */
	const char *container; /* wrapping element, or NULL */
	const char *group;     /* per-group element inside the container, or NULL */
	const char *leaf;      /* the element holding the value */
	const char *qual_attr; /* attribute carrying rec_value.qual, or NULL */
	int repeats;
	int multiline;
};

static const struct fdef fdefs[RF__COUNT] = {
    [RF_DOCUMENT_TYPE] = {"document-type", NULL, NULL, "document-type", NULL, 0, 0},
    [RF_ORGANISATION] = {"organisation", NULL, NULL, "organisation", NULL, 0, 0},
    [RF_DEPARTMENT] = {"department", NULL, NULL, "department", NULL, 0, 0},
    [RF_UNIT] = {"unit", NULL, NULL, "unit", NULL, 0, 0},
    [RF_CASE_NUMBER] = {"case-number", NULL, NULL, "case-number", NULL, 0, 0},
    [RF_DATE] = {"date", NULL, NULL, "date", NULL, 0, 0},
    [RF_OFFICER_NAME] = {"officer/name", "officer", NULL, "name", NULL, 0, 0},
    [RF_OFFICER_PHONE] = {"officer/phone", "officer", NULL, "phone", NULL, 0, 0},
    [RF_OFFICER_EMAIL] = {"officer/email", "officer", NULL, "email", NULL, 0, 0},
    [RF_ADDRESSEE] = {"addressee", NULL, NULL, "addressee", NULL, 0, 0},
    [RF_MEETING_DATE] = {"meeting-date", NULL, NULL, "meeting-date", NULL, 0, 0},
    [RF_TITLE] = {"title", NULL, NULL, "title", NULL, 0, 0},
    [RF_DECISION] = {"proposed-decisions/decision", "proposed-decisions", NULL, "decision", "n", 1,
                     0},
    [RF_SUMMARY] = {"summary", NULL, NULL, "summary", NULL, 0, 1},
    [RF_SECTION] = {"sections/section", "sections", NULL, "section", "heading", 1, 1},
    [RF_SIGNATORY_NAME] = {"signatories/signatory/name", "signatories", "signatory", "name", NULL,
                           0, 0},
    [RF_SIGNATORY_ROLE] = {"signatories/signatory/role", "signatories", "signatory", "role", NULL,
                           0, 0},
    [RF_ATTACHMENT] = {"attachments/attachment", "attachments", NULL, "attachment", "n", 1, 0},
    [RF_RECIPIENT] = {"distribution/recipient", "distribution", NULL, "recipient", NULL, 1, 0},
    [RF_PARTY_NAME] = {"parties/party/name", "parties", "party", "name", NULL, 0, 0},
    [RF_PARTY_ORGNR] = {"parties/party/organisation-number", "parties", "party",
                        "organisation-number", NULL, 0, 0},
    [RF_PARTY_ADDRESS] = {"parties/party/address", "parties", "party", "address", NULL, 0, 0},
    [RF_AMOUNT] = {"amounts/amount", "amounts", NULL, "amount", "sek", 1, 0},
    [RF_REFERENCE] = {"references/case-number", "references", NULL, "case-number", NULL, 1, 0},
};

const char *record_field_path(enum rec_field f)
{
	return (unsigned)f < RF__COUNT ? fdefs[f].path : "?";
}

int record_field_from_path(const char *path)
{
	for (int i = 0; i < RF__COUNT; i++)
		if (!strcmp(fdefs[i].path, path))
			return i;
	return -1;
}

int record_field_repeats(enum rec_field f)
{
	return (unsigned)f < RF__COUNT && (fdefs[f].repeats || fdefs[f].group);
}

/* ---- the in-memory record ---------------------------------------------- */

struct record {
	struct rec_source src;
	struct rec_value *v;
	size_t n, alloc;
};

struct record *record_new(void)
{
	return calloc(1, sizeof(struct record));
}

static void value_release(struct rec_value *v)
{
	free(v->value);
	free(v->qual);
	free(v->raw);
}

void record_free(struct record *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->n; i++)
		value_release(&r->v[i]);
	free(r->v);
	free(r->src.file);
	free(r->src.kind);
	free(r);
}

int record_set_source(struct record *r, const char *file, const char *sha256, const char *kind,
                      int pages)
{
	char *f = strdup(file ? file : ""), *k = strdup(kind ? kind : "text");
	if (!f || !k) {
		free(f);
		free(k);
		return -1;
	}
	free(r->src.file);
	free(r->src.kind);
	r->src.file = f;
	r->src.kind = k;
	snprintf(r->src.sha256, sizeof(r->src.sha256), "%s", sha256 ? sha256 : "");
	r->src.pages = pages;
	return 0;
}

const struct rec_source *record_source(const struct record *r)
{
	return &r->src;
}

/* Collapse white space: runs of blanks become one space, ends are trimmed;
 * with `multiline`, line breaks survive (one between non-empty lines). */
static char *tidy(const char *s, int multiline)
{
	if (!s)
		return NULL;
	/* already tidy: no leading, trailing or double blanks, no tabs, line
	 * breaks only where kept, none at the ends */
	size_t n0 = strlen(s), k;
	int clean =
	    n0 == 0 || (s[0] != ' ' && s[0] != '\n' && s[n0 - 1] != ' ' && s[n0 - 1] != '\n');
	for (k = 0; clean && k < n0; k++) {
		char c = s[k];
		if (c == '\t' || c == '\r' ||
		    (c == '\n' && (!multiline || s[k + 1] == '\n' || s[k + 1] == ' ' ||
		                   (k && s[k - 1] == ' '))) ||
		    (c == ' ' && s[k + 1] == ' ') || (unsigned char)c == 0xC2)
			clean = 0; /* 0xC2: maybe a no-break space */
	}
	if (clean)
		return utf8_nfc(s, n0, NULL);
	struct sb b = SB_INIT;
	int space = 0, nl = 0;
	size_t i = 0, n = strlen(s);
	while (i < n) {
		size_t st = i;
		uint32_t cp = utf8_next(s, n, &i);
		if (cp == '\n' && multiline) {
			nl = b.len > 0;
			space = 0;
			continue;
		}
		if (utf8_is_space(cp) || cp == '\n' || cp == '\r' || cp == '\t') {
			space = b.len > 0;
			continue;
		}
		if (nl)
			sb_addc(&b, '\n');
		else if (space)
			sb_addc(&b, ' ');
		nl = space = 0;
		sb_add(&b, s + st, i - st);
	}
	if (b.oom) {
		sb_release(&b);
		return NULL;
	}
	char *out = utf8_nfc(b.buf, b.len, NULL);
	sb_release(&b);
	return out;
}

int record_add(struct record *r, const struct rec_value *v)
{
	if ((unsigned)v->field >= RF__COUNT || !v->value)
		return -1;
	if (r->n == r->alloc) {
		size_t na = r->alloc ? r->alloc * 2 : 32;
		struct rec_value *nv = realloc(r->v, na * sizeof(*nv));
		if (!nv)
			return -1;
		r->v = nv;
		r->alloc = na;
	}
	struct rec_value *d = &r->v[r->n];
	*d = *v;
	d->value = tidy(v->value, fdefs[v->field].multiline);
	d->qual = v->qual ? tidy(v->qual, 0) : NULL;
	d->raw = v->raw ? tidy(v->raw, 0) : NULL;
	if (!d->value || (v->qual && !d->qual) || (v->raw && !d->raw)) {
		value_release(d);
		return -1;
	}
	if (d->raw && !strcmp(d->raw, d->value)) {
		free(d->raw);
		d->raw = NULL;
	}
	r->n++;
	return 0;
}

int record_add_simple(struct record *r, enum rec_field f, const char *value, int page, int line,
                      int conf, const char *raw)
{
	struct rec_value v = {.field = f,
	                      .value = (char *)value,
	                      .raw = (char *)raw,
	                      .page = page,
	                      .line = line,
	                      .conf = conf};
	return record_add(r, &v);
}

size_t record_count(const struct record *r)
{
	return r->n;
}

const struct rec_value *record_get(const struct record *r, size_t i)
{
	return i < r->n ? &r->v[i] : NULL;
}

const struct rec_value *record_find(const struct record *r, enum rec_field f)
{
	for (size_t i = 0; i < r->n; i++)
		if (r->v[i].field == f)
			return &r->v[i];
	return NULL;
}

void record_remove(struct record *r, enum rec_field f)
{
	size_t o = 0;
	for (size_t i = 0; i < r->n; i++) {
		if (r->v[i].field == f)
			value_release(&r->v[i]);
		else
			r->v[o++] = r->v[i];
	}
	r->n = o;
}

void rec_problems_release(struct rec_problems *p)
{
	if (!p)
		return;
	free(p->items);
	p->items = NULL;
	p->n = 0;
}

static void add_problem(struct rec_problems *p, const char *path, int line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void add_problem(struct rec_problems *p, const char *path, int line, const char *fmt, ...)
{
	if (!p)
		return;
	struct rec_problem *ni = realloc(p->items, sizeof(*ni) * (p->n + 1));
	if (!ni)
		return;
	p->items = ni;
	struct rec_problem *q = &p->items[p->n++];
	snprintf(q->path, sizeof(q->path), "%s", path ? path : "/");
	q->line = line;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(q->msg, sizeof(q->msg), fmt, ap);
	va_end(ap);
	/* one line, no trailing full stop or newline (libxml2 ends with "\n") */
	for (char *c = q->msg; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	size_t l = strlen(q->msg);
	while (l && (q->msg[l - 1] == ' ' || q->msg[l - 1] == '.'))
		q->msg[--l] = '\0';
}

/* ---- semantic checks ------------------------------------------------------ */

int record_check_date(const char *s)
{
	int y, m, d;
	char tail;
	if (!s || strlen(s) != 10 || sscanf(s, "%4d-%2d-%2d%c", &y, &m, &d, &tail) != 3)
		return 0;
	for (int i = 0; i < 10; i++)
		if ((i == 4 || i == 7) ? s[i] != '-' : (s[i] < '0' || s[i] > '9'))
			return 0;
	static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
	if (y < 1 || m < 1 || m > 12 || d < 1)
		return 0;
	int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	int max = mdays[m - 1] + (m == 2 && leap);
	return d <= max;
}

int record_check_orgnr(const char *s)
{
	if (!s || strlen(s) != 11 || s[6] != '-')
		return 0;
	int digits[10], k = 0;
	for (int i = 0; i < 11; i++) {
		if (i == 6)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return 0;
		digits[k++] = s[i] - '0';
	}
	/* Luhn over the ten digits: double every other digit from the left. */
	int sum = 0;
	for (int i = 0; i < 10; i++) {
		int v = digits[i] * (i % 2 == 0 ? 2 : 1);
		sum += v > 9 ? v - 9 : v;
	}
	return sum % 10 == 0;
}

static int is_ascii_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int record_check_email(const char *s)
{
	if (!s)
		return 0;
	const char *at = strchr(s, '@');
	if (!at || at == s || strchr(at + 1, '@'))
		return 0;
	/* local part: printable, no spaces, no leading/trailing/double dot */
	if (*s == '.' || at[-1] == '.')
		return 0;
	for (const char *p = s; p < at; p++) {
		unsigned char c = (unsigned char)*p;
		if (c <= ' ' || c == '(' || c == ')' || c == ',' || c == ';' || c == ':' ||
		    c == '<' || c == '>' || c == '[' || c == ']' || c == '"' || c == '\\')
			return 0;
		if (c == '.' && p[1] == '.')
			return 0;
	}
	/* domain: labels of letters, digits, hyphens (or UTF-8), at least two */
	const char *d = at + 1;
	int labels = 0;
	size_t lablen = 0;
	const char *labstart = d;
	for (const char *p = d;; p++) {
		if (*p == '.' || *p == '\0') {
			if (lablen == 0 || *labstart == '-' || p[-1] == '-')
				return 0;
			labels++;
			if (*p == '\0')
				break;
			lablen = 0;
			labstart = p + 1;
			continue;
		}
		unsigned char c = (unsigned char)*p;
		if (!(is_ascii_alnum(*p) || c == '-' || c >= 0x80))
			return 0;
		lablen++;
	}
	if (labels < 2)
		return 0;
	/* top-level domain: at least two letters */
	const char *tld = strrchr(d, '.') + 1;
	if (strlen(tld) < 2)
		return 0;
	for (const char *p = tld; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
			return 0;
	return 1;
}

int record_check_phone(const char *s)
{
	if (!s || !*s)
		return 0;
	int digits = 0, plus = 0, open = 0;
	for (const char *p = s; *p; p++) {
		if (*p >= '0' && *p <= '9')
			digits++;
		else if (*p == '+' && p == s)
			plus = 1;
		else if (*p == '(' && !open)
			open = 1;
		else if (*p == ')' && open == 1)
			open = 2;
		else if (*p != ' ' && *p != '-')
			return 0;
	}
	if (open == 1)
		return 0;
	/* Swedish numbers have 7 to 10 digits with the leading 0; international
	 * ones up to 15 (E.164). */
	return plus ? digits >= 8 && digits <= 15 : digits >= 7 && digits <= 13 && s[0] == '0';
}

/* ---- XML ------------------------------------------------------------------ */

struct rec_schema {
	xmlSchemaPtr schema;
};

/* "/record/proposed-decisions/decision[3]": element names without the
 * namespace (libxml2 writes a star for namespaced ones), with
 * a position where siblings share the name. */
static xmlChar *node_path(xmlNodePtr n)
{
	char buf[256] = "";
	for (; n && n->type == XML_ELEMENT_NODE; n = n->parent) {
		int pos = 0, same = 0;
		for (xmlNodePtr s = n->parent ? n->parent->children : NULL; s; s = s->next) {
			if (s->type != XML_ELEMENT_NODE ||
			    strcmp((const char *)s->name, (const char *)n->name))
				continue;
			same++;
			if (s == n)
				pos = same;
		}
		char part[96], rest[256];
		if (same > 1)
			snprintf(part, sizeof(part), "/%s[%d]", (const char *)n->name, pos);
		else
			snprintf(part, sizeof(part), "/%s", (const char *)n->name);
		snprintf(rest, sizeof(rest), "%s%s", part, buf);
		memcpy(buf, rest, sizeof(buf));
	}
	return xmlStrdup(BAD_CAST(buf[0] ? buf : "/"));
}

/* libxml2 reports parse and schema errors through callbacks; collect them. */
struct err_ctx {
	struct rec_problems *probs;
	int count;
};

static void structured_error(void *ctx, xmlErrorPtr e)
{
	struct err_ctx *c = ctx;
	if (!e || e->level == XML_ERR_WARNING)
		return;
	c->count++;
	char path[256] = "/";
	if (e->node && ((xmlNodePtr)e->node)->type == XML_ELEMENT_NODE) {
		xmlChar *p = node_path((xmlNodePtr)e->node);
		if (p) {
			snprintf(path, sizeof(path), "%s", (const char *)p);
			xmlFree(p);
		}
	}
	add_problem(c->probs, path, e->line, "%s", e->message ? e->message : "error");
}

int record_schema_load(const char *xsd_path, struct rec_schema **out, struct ex_error *err)
{
	*out = NULL;
	struct rec_problems probs = {0};
	struct err_ctx ec = {&probs, 0};
	xmlSchemaParserCtxtPtr pc = xmlSchemaNewParserCtxt(xsd_path);
	if (!pc)
		return ex_fail(err, EX_NOMEM, xsd_path, 0, 0, "out of memory");
	xmlSchemaSetParserStructuredErrors(pc, structured_error, &ec);
	xmlSchemaPtr sch = xmlSchemaParse(pc);
	xmlSchemaFreeParserCtxt(pc);
	if (!sch) {
		int rc = ex_fail(err, EX_DEP, xsd_path, 0, probs.n ? probs.items[0].line : 0,
		                 "cannot load the record schema: %s",
		                 probs.n ? probs.items[0].msg : "unreadable");
		rec_problems_release(&probs);
		return rc;
	}
	rec_problems_release(&probs);
	struct rec_schema *s = calloc(1, sizeof(*s));
	if (!s) {
		xmlSchemaFree(sch);
		return ex_fail(err, EX_NOMEM, xsd_path, 0, 0, "out of memory");
	}
	s->schema = sch;
	*out = s;
	return 0;
}

void record_schema_free(struct rec_schema *s)
{
	if (!s)
		return;
	xmlSchemaFree(s->schema);
	free(s);
}

static xmlNodePtr add_elem(xmlNodePtr parent, xmlNsPtr ns, const char *name)
{
	return xmlNewChild(parent, ns, BAD_CAST name, NULL);
}

static void set_int_attr(xmlNodePtr n, const char *name, int v)
{
	char buf[32];
	snprintf(buf, sizeof(buf), "%d", v);
	xmlNewProp(n, BAD_CAST name, BAD_CAST buf);
}

/* One value element, attributes in the fixed order: qualifier, page, line,
 * conf, raw. */
static xmlNodePtr add_value(xmlNodePtr parent, xmlNsPtr ns, const struct rec_value *v,
                            const char *qual, unsigned flags)
{
	const struct fdef *fd = &fdefs[v->field];
	xmlNodePtr n = add_elem(parent, ns, fd->leaf);
	if (!n)
		return NULL;
	xmlNodeAddContent(n, BAD_CAST v->value);
	if (fd->qual_attr && qual)
		xmlNewProp(n, BAD_CAST fd->qual_attr, BAD_CAST qual);
	if (!(flags & RECORD_NO_PROVENANCE)) {
		if (v->page > 0)
			set_int_attr(n, "page", v->page);
		if (v->line > 0)
			set_int_attr(n, "line", v->line);
		if (v->conf >= 0)
			set_int_attr(n, "conf", v->conf > 100 ? 100 : v->conf);
		if (v->raw)
			xmlNewProp(n, BAD_CAST "raw", BAD_CAST v->raw);
	}
	return n;
}

static int cmp_int(const void *a, const void *b)
{
	int x = *(const int *)a, y = *(const int *)b;
	return (x > y) - (x < y);
}

static xmlDocPtr build_doc(const struct record *r, unsigned flags)
{
	xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
	xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "record");
	xmlNsPtr ns = xmlNewNs(root, BAD_CAST NS, NULL);
	xmlSetNs(root, ns);
	xmlDocSetRootElement(doc, root);
	xmlNewProp(root, BAD_CAST "schema-version", BAD_CAST RECORD_SCHEMA_VERSION);

	xmlNodePtr src = add_elem(root, ns, "source");
	xmlNewProp(src, BAD_CAST "file", BAD_CAST(r->src.file ? r->src.file : ""));
	xmlNewProp(src, BAD_CAST "sha256", BAD_CAST r->src.sha256);
	xmlNewProp(src, BAD_CAST "kind", BAD_CAST(r->src.kind ? r->src.kind : "text"));
	set_int_attr(src, "pages", r->src.pages);

	for (int f = 0; f < RF__COUNT; f++) {
		const struct fdef *fd = &fdefs[f];
		/* a container is written once, when its first field comes up */
		if (fd->container && f > 0 && fdefs[f - 1].container &&
		    !strcmp(fdefs[f - 1].container, fd->container))
			continue;
		int last = f;
		while (fd->container && last + 1 < RF__COUNT && fdefs[last + 1].container &&
		       !strcmp(fdefs[last + 1].container, fd->container))
			last++;
		size_t count = 0;
		for (size_t i = 0; i < r->n; i++)
			count += (int)r->v[i].field >= f && (int)r->v[i].field <= last;
		if (!count)
			continue;
		if (!fd->container) {
			for (size_t i = 0; i < r->n; i++)
				if ((int)r->v[i].field == f)
					add_value(root, ns, &r->v[i], NULL, flags);
			continue;
		}
		xmlNodePtr cont = add_elem(root, ns, fd->container);
		if (!fd->group) {
			/* officer: fields in order; lists: values in the order added */
			int pos = 0;
			for (int g = f; g <= last; g++)
				for (size_t i = 0; i < r->n; i++) {
					if ((int)r->v[i].field != g)
						continue;
					char nbuf[16];
					const char *q = r->v[i].qual;
					if (fdefs[g].qual_attr && !q &&
					    !strcmp(fdefs[g].qual_attr, "n")) {
						snprintf(nbuf, sizeof(nbuf), "%d", pos + 1);
						q = nbuf;
					}
					pos++;
					add_value(cont, ns, &r->v[i], q, flags);
				}
			continue;
		}
		/* signatories, parties: one element per group, in group order */
		int *groups = malloc(count * sizeof(int));
		size_t ng = 0;
		if (!groups)
			continue;
		for (size_t i = 0; i < r->n; i++)
			if ((int)r->v[i].field >= f && (int)r->v[i].field <= last)
				groups[ng++] = r->v[i].group;
		qsort(groups, ng, sizeof(int), cmp_int);
		for (size_t k = 0; k < ng; k++) {
			if (k && groups[k] == groups[k - 1])
				continue;
			xmlNodePtr ge = add_elem(cont, ns, fd->group);
			for (int g = f; g <= last; g++)
				for (size_t i = 0; i < r->n; i++)
					if ((int)r->v[i].field == g && r->v[i].group == groups[k])
						add_value(ge, ns, &r->v[i], r->v[i].qual, flags);
		}
		free(groups);
	}
	return doc;
}

static const char *node_text(xmlNodePtr n, xmlChar **hold)
{
	*hold = xmlNodeGetContent(n);
	return *hold ? (const char *)*hold : "";
}

static int is_elem(xmlNodePtr n, const char *name)
{
	return n && n->type == XML_ELEMENT_NODE && !strcmp((const char *)n->name, name);
}

/* The checks the schema cannot express.  Walks the tree of a record. */
static void semantic_checks(xmlDocPtr doc, struct rec_problems *probs, int *count)
{
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root)
		return;
	xmlChar *hold = NULL;
	/* every text node in NFC */
	for (xmlNodePtr n = root; n;) {
		if (n->type == XML_TEXT_NODE && n->content) {
			size_t len = strlen((const char *)n->content), nl;
			char *nfc = utf8_nfc((const char *)n->content, len, &nl);
			if (nfc && (nl != len || memcmp(nfc, n->content, len))) {
				xmlChar *p = node_path(n->parent);
				add_problem(probs, (const char *)p, n->parent->line,
				            "text is not in Unicode normalisation form C");
				xmlFree(p);
				(*count)++;
			}
			free(nfc);
		}
		if (n->children && n->type == XML_ELEMENT_NODE) {
			n = n->children;
			continue;
		}
		while (n && !n->next && n != root)
			n = n->parent;
		if (!n || n == root)
			break;
		n = n->next;
	}
	for (xmlNodePtr c = root->children; c; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		xmlChar *path = node_path(c);
		if (is_elem(c, "date") || is_elem(c, "meeting-date")) {
			const char *t = node_text(c, &hold);
			if (!record_check_date(t)) {
				add_problem(probs, (const char *)path, c->line,
				            "'%s' is not a date in the calendar", t);
				(*count)++;
			}
			xmlFree(hold);
		} else if (is_elem(c, "officer")) {
			for (xmlNodePtr o = c->children; o; o = o->next) {
				xmlChar *op = NULL;
				const char *t;
				if (is_elem(o, "email")) {
					t = node_text(o, &hold);
					if (!record_check_email(t)) {
						op = node_path(o);
						add_problem(
						    probs, (const char *)op, o->line,
						    "'%s' is not a well-formed e-mail address", t);
						(*count)++;
					}
					xmlFree(hold);
				} else if (is_elem(o, "phone")) {
					t = node_text(o, &hold);
					if (!record_check_phone(t)) {
						op = node_path(o);
						add_problem(
						    probs, (const char *)op, o->line,
						    "'%s' is not a well-formed phone number", t);
						(*count)++;
					}
					xmlFree(hold);
				}
				xmlFree(op);
			}
		} else if (is_elem(c, "proposed-decisions")) {
			long want = 1;
			for (xmlNodePtr d = c->children; d; d = d->next) {
				if (!is_elem(d, "decision"))
					continue;
				xmlChar *nv = xmlGetProp(d, BAD_CAST "n");
				long got = nv ? strtol((const char *)nv, NULL, 10) : 0;
				if (got != want) {
					xmlChar *dp = node_path(d);
					add_problem(probs, (const char *)dp, d->line,
					            "decision numbered %s where %ld was expected: "
					            "decisions run 1..n without gaps",
					            nv ? (const char *)nv : "(none)", want);
					xmlFree(dp);
					(*count)++;
				}
				xmlFree(nv);
				want++;
			}
		} else if (is_elem(c, "parties")) {
			for (xmlNodePtr p = c->children; p; p = p->next)
				for (xmlNodePtr q = p->children; q; q = q->next) {
					if (!is_elem(q, "organisation-number"))
						continue;
					const char *t = node_text(q, &hold);
					if (!record_check_orgnr(t)) {
						xmlChar *qp = node_path(q);
						add_problem(
						    probs, (const char *)qp, q->line,
						    "organisation number '%s' fails the Luhn "
						    "check",
						    t);
						xmlFree(qp);
						(*count)++;
					}
					xmlFree(hold);
				}
		}
		xmlFree(path);
	}
}

/* Schema plus semantic checks on a tree; returns the number of problems. */
static int check_doc(xmlDocPtr doc, const struct rec_schema *s, struct rec_problems *probs)
{
	struct err_ctx ec = {probs, 0};
	xmlSchemaValidCtxtPtr vc = xmlSchemaNewValidCtxt(s->schema);
	if (!vc) {
		add_problem(probs, "/", 0, "out of memory");
		return 1;
	}
	xmlSchemaSetValidStructuredErrors(vc, structured_error, &ec);
	int rc = xmlSchemaValidateDoc(vc, doc);
	xmlSchemaFreeValidCtxt(vc);
	if (rc != 0 && ec.count == 0) {
		add_problem(probs, "/", 0, "schema validation failed");
		ec.count++;
	}
	semantic_checks(doc, probs, &ec.count);
	return ec.count;
}

static int fail_invalid(struct ex_error *err, const char *name, struct rec_problems *probs,
                        size_t first)
{
	if (probs && probs->n > first)
		return ex_fail(err, EX_INVALID, name, 0, probs->items[first].line, "%s: %s",
		               probs->items[first].path, probs->items[first].msg);
	return ex_fail(err, EX_INVALID, name, 0, 0, "record is not valid");
}

int record_write(const struct record *r, const struct rec_schema *s, unsigned flags, struct sb *out,
                 struct rec_problems *probs, struct ex_error *err)
{
	struct rec_problems local = {0};
	struct rec_problems *pp = probs ? probs : &local;
	size_t first = pp->n;
	xmlDocPtr doc = build_doc(r, flags);
	if (!doc)
		return ex_fail(err, EX_NOMEM, r->src.file, 0, 0, "out of memory");
	int rc = 0;
	if (check_doc(doc, s, pp) > 0) {
		rc = fail_invalid(err, r->src.file, pp, first);
	} else {
		xmlChar *mem = NULL;
		int size = 0;
		xmlDocDumpFormatMemoryEnc(doc, &mem, &size, "UTF-8", 1);
		if (!mem || sb_add(out, mem, (size_t)size) < 0)
			rc = ex_fail(err, EX_NOMEM, r->src.file, 0, 0, "out of memory");
		xmlFree(mem);
	}
	xmlFreeDoc(doc);
	rec_problems_release(&local);
	return rc;
}

static xmlDocPtr parse_xml(const char *xml, size_t len, const char *name,
                           struct rec_problems *probs, int *count)
{
	struct err_ctx ec = {probs, 0};
	xmlParserCtxtPtr pc = xmlNewParserCtxt();
	if (!pc)
		return NULL;
	xmlSetStructuredErrorFunc(&ec, structured_error);
	if (len > INT_MAX)
		len = INT_MAX;
	xmlDocPtr doc = xmlCtxtReadMemory(pc, xml, (int)len, name, NULL, XML_PARSE_NONET);
	xmlSetStructuredErrorFunc(NULL, NULL);
	xmlFreeParserCtxt(pc);
	*count = ec.count;
	return doc;
}

int record_validate(const char *xml, size_t len, const char *name, const struct rec_schema *s,
                    struct rec_problems *probs, struct ex_error *err)
{
	struct rec_problems local = {0};
	struct rec_problems *pp = probs ? probs : &local;
	size_t first = pp->n;
	int perr = 0;
	xmlDocPtr doc = parse_xml(xml, len, name, pp, &perr);
	int rc = 0;
	if (!doc || perr) {
		if (pp->n == first)
			add_problem(pp, "/", 0, "not well-formed XML");
		rc = fail_invalid(err, name, pp, first);
	} else if (check_doc(doc, s, pp) > 0) {
		rc = fail_invalid(err, name, pp, first);
	}
	xmlFreeDoc(doc);
	rec_problems_release(&local);
	return rc;
}

static int add_parsed(struct record *r, enum rec_field f, int group, xmlNodePtr n)
{
	xmlChar *content = xmlNodeGetContent(n);
	xmlChar *page = xmlGetProp(n, BAD_CAST "page");
	xmlChar *line = xmlGetProp(n, BAD_CAST "line");
	xmlChar *conf = xmlGetProp(n, BAD_CAST "conf");
	xmlChar *raw = xmlGetProp(n, BAD_CAST "raw");
	xmlChar *qual = fdefs[f].qual_attr ? xmlGetProp(n, BAD_CAST fdefs[f].qual_attr) : NULL;
	struct rec_value v = {
	    .field = f,
	    .group = group,
	    .value = (char *)(content ? content : BAD_CAST ""),
	    .qual = (char *)qual,
	    .raw = (char *)raw,
	    .page = page ? atoi((const char *)page) : 0,
	    .line = line ? atoi((const char *)line) : 0,
	    .conf = conf ? atoi((const char *)conf) : -1,
	};
	int rc = record_add(r, &v);
	xmlFree(content);
	xmlFree(page);
	xmlFree(line);
	xmlFree(conf);
	xmlFree(raw);
	xmlFree(qual);
	return rc;
}

/* The field whose container (or top-level element) and leaf match. */
static int field_of(const char *container, const char *group, const char *leaf)
{
	for (int f = 0; f < RF__COUNT; f++) {
		const struct fdef *fd = &fdefs[f];
		if ((container == NULL) != (fd->container == NULL))
			continue;
		if (container && strcmp(container, fd->container))
			continue;
		if ((group == NULL) != (fd->group == NULL))
			continue;
		if (group && strcmp(group, fd->group))
			continue;
		if (!strcmp(leaf, fd->leaf))
			return f;
	}
	return -1;
}

int record_parse(const char *xml, size_t len, const char *name, struct record **out,
                 struct ex_error *err)
{
	*out = NULL;
	struct rec_problems probs = {0};
	int perr = 0;
	xmlDocPtr doc = parse_xml(xml, len, name, &probs, &perr);
	if (!doc || perr) {
		int rc = ex_fail(err, EX_INPUT, name, 0, probs.n ? probs.items[0].line : 0,
		                 "not well-formed XML: %s", probs.n ? probs.items[0].msg : "");
		rec_problems_release(&probs);
		xmlFreeDoc(doc);
		return rc;
	}
	rec_problems_release(&probs);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	if (!root || !is_elem(root, "record") || !root->ns ||
	    strcmp((const char *)root->ns->href, NS)) {
		int line = root ? root->line : 0;
		xmlFreeDoc(doc);
		return ex_fail(err, EX_INPUT, name, 0, line,
		               "not a tjx record: the root must be <record xmlns=\"%s\">", NS);
	}
	struct record *r = record_new();
	if (!r) {
		xmlFreeDoc(doc);
		return ex_fail(err, EX_NOMEM, name, 0, 0, "out of memory");
	}
	int rc = 0;
	for (xmlNodePtr c = root->children; c && rc == 0; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		const char *cn = (const char *)c->name;
		if (!strcmp(cn, "source")) {
			xmlChar *f = xmlGetProp(c, BAD_CAST "file");
			xmlChar *h = xmlGetProp(c, BAD_CAST "sha256");
			xmlChar *k = xmlGetProp(c, BAD_CAST "kind");
			xmlChar *p = xmlGetProp(c, BAD_CAST "pages");
			rc = record_set_source(r, (const char *)f, (const char *)h, (const char *)k,
			                       p ? atoi((const char *)p) : 0);
			xmlFree(f);
			xmlFree(h);
			xmlFree(k);
			xmlFree(p);
			continue;
		}
		int f = field_of(NULL, NULL, cn);
		if (f >= 0) {
			rc = add_parsed(r, f, 0, c);
			continue;
		}
		int group = 0;
		for (xmlNodePtr d = c->children; d && rc == 0; d = d->next) {
			if (d->type != XML_ELEMENT_NODE)
				continue;
			f = field_of(cn, NULL, (const char *)d->name);
			if (f >= 0) {
				rc = add_parsed(r, f, 0, d);
				continue;
			}
			int any = 0;
			for (xmlNodePtr e = d->children; e && rc == 0; e = e->next) {
				if (e->type != XML_ELEMENT_NODE)
					continue;
				f = field_of(cn, (const char *)d->name, (const char *)e->name);
				if (f >= 0) {
					rc = add_parsed(r, f, group, e);
					any = 1;
				}
			}
			group += any;
		}
	}
	xmlFreeDoc(doc);
	if (rc < 0) {
		record_free(r);
		return ex_fail(err, EX_NOMEM, name, 0, 0, "out of memory");
	}
	*out = r;
	return 0;
}
