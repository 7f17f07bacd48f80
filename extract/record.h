/* record.h - a record: the fields catalogued from one document, as XML.
 *
 * In memory a record is a flat, ordered list of values, each naming its field
 * ("officer/email", "signatories/signatory/name") and carrying provenance.
 * record_write() turns it into XML in schema order (rules/record.xsd,
 * namespace urn:tjx:record:1), validates it and serialises it the same way
 * every time; record_parse() reads such XML back into the same list, which is
 * what `tjx diff` and `tjx eval` compare.  libxml2 stays inside record.c.
 *
 * Ownership: a record owns copies of everything given to it.  record_get()
 * pointers are valid until the record is changed or freed.
 */
#ifndef TJX_RECORD_H
#define TJX_RECORD_H

#include <stddef.h>

#include "error.h"
#include "strbuf.h"

/* The version written in record/@schema-version (rules/record.xsd fixes it). */
#define RECORD_SCHEMA_VERSION "1"

/* The fields of schema v1, in schema order. */
enum rec_field {
	RF_DOCUMENT_TYPE,
	RF_ORGANISATION,
	RF_DEPARTMENT,
	RF_UNIT,
	RF_CASE_NUMBER,
	RF_DATE,
	RF_OFFICER_NAME,
	RF_OFFICER_PHONE,
	RF_OFFICER_EMAIL,
	RF_ADDRESSEE,
	RF_MEETING_DATE,
	RF_TITLE,
	RF_DECISION, /* proposed-decisions/decision, repeated; qual unused (n is its place) */
	RF_SUMMARY,
	RF_SECTION,        /* sections/section, repeated; qual = heading */
	RF_SIGNATORY_NAME, /* signatories/signatory/name; group = which signatory */
	RF_SIGNATORY_ROLE,
	RF_ATTACHMENT, /* attachments/attachment, repeated; qual = n as printed, or NULL */
	RF_RECIPIENT,  /* distribution/recipient, repeated */
	RF_PARTY_NAME, /* parties/party/name; group = which party */
	RF_PARTY_ORGNR,
	RF_PARTY_ADDRESS,
	RF_AMOUNT,    /* amounts/amount, repeated; qual = sek */
	RF_REFERENCE, /* references/case-number, repeated */
	RF__COUNT
};

/* The field's path below <record>: "officer/email", "proposed-decisions/decision". */
const char *record_field_path(enum rec_field f);
/* The field for a path, or -1. */
int record_field_from_path(const char *path);
/* 1 for fields that repeat (decision, section, attachment, ...). */
int record_field_repeats(enum rec_field f);

/* One value. Strings are NUL-terminated UTF-8. */
struct rec_value {
	enum rec_field field;
	int group;      /* for signatory and party fields: which one (0-based) */
	char *value;    /* the value, NFC */
	char *qual;     /* section heading, amount in SEK, attachment number; else NULL */
	char *raw;      /* the printed text where it differs from value; else NULL */
	int page, line; /* provenance, 1-based; 0 = unknown */
	int conf;       /* 0..100; -1 = not from OCR */
};

struct rec_source {
	char *file;
	char sha256[65];
	char *kind; /* "text", "pdf-text", "pdf-scan", "image" */
	int pages;
};

struct record;

struct record *record_new(void);
void record_free(struct record *r);

/* Set source/@file, @sha256, @kind, @pages (copied). */
int record_set_source(struct record *r, const char *file, const char *sha256, const char *kind,
                      int pages);
const struct rec_source *record_source(const struct record *r);

/* Append a copy of v.  Values are kept in the order added; the writer puts
 * them in schema order (stable within a field).  White space in a value is
 * tidied: runs of spaces become one, ends are trimmed; line breaks are kept
 * only in summary and section text. */
int record_add(struct record *r, const struct rec_value *v);
/* Shorthand for a value without group or qualifier. */
int record_add_simple(struct record *r, enum rec_field f, const char *value, int page, int line,
                      int conf, const char *raw);

size_t record_count(const struct record *r);
const struct rec_value *record_get(const struct record *r, size_t i);
/* The first value of field f, or NULL. */
const struct rec_value *record_find(const struct record *r, enum rec_field f);
/* Remove every value of field f. */
void record_remove(struct record *r, enum rec_field f);

/* The schema, loaded once from rules/record.xsd; shared by every record. */
struct rec_schema;
int record_schema_load(const char *xsd_path, struct rec_schema **out, struct ex_error *err);
void record_schema_free(struct rec_schema *s);

/* One problem found by validation. */
struct rec_problem {
	char path[256]; /* element path, e.g. /record/officer/email */
	int line;       /* line in the XML text; 0 when unknown */
	char msg[384];
};

struct rec_problems {
	struct rec_problem *items;
	size_t n;
};
void rec_problems_release(struct rec_problems *p);

/* Flags for record_write(). */
enum {
	RECORD_NO_PROVENANCE = 1, /* leave out @page, @line, @conf and @raw */
};

/* Serialise r as XML into out (appended), after validating it against the
 * schema and the semantic checks.  When the record is invalid nothing is
 * appended, the problems are listed in probs (when not NULL) and the call
 * fails with EX_INVALID naming the first problem. */
int record_write(const struct record *r, const struct rec_schema *s, unsigned flags, struct sb *out,
                 struct rec_problems *probs, struct ex_error *err);

/* Check an XML text: well-formedness, the schema, the semantic checks.
 * Returns 0 when valid; otherwise EX_INVALID with every problem in probs. */
int record_validate(const char *xml, size_t len, const char *name, const struct rec_schema *s,
                    struct rec_problems *probs, struct ex_error *err);

/* Read a record from XML (which need not be valid, but must be well-formed
 * and in the record namespace).  *out is a new record for the caller to free. */
int record_parse(const char *xml, size_t len, const char *name, struct record **out,
                 struct ex_error *err);

/* Semantic checks, exported for the extractor and the tests. */
int record_check_date(const char *iso); /* 1 when YYYY-MM-DD exists in the calendar */
int record_check_orgnr(const char *nr); /* 1 when NNNNNN-NNNN passes the Luhn check */
int record_check_email(const char *s);  /* 1 when well formed */
int record_check_phone(const char *s);  /* 1 when a plausible Swedish or international number */

#endif
