/* diff.h - field-level differences between records (`tjx diff`).
 *
 * Two records are compared field by field, in schema order:
 *
 *   - source/@file, @sha256, @kind and @pages;
 *   - each field's values.  A field that does not repeat is added, removed
 *     or changed.  The values of a repeated field (decisions, sections,
 *     attachments, recipients, amounts, references) are aligned in order:
 *     the longest common subsequence of equal values is kept; within each
 *     run of differing values, values that are alike (the same text, the
 *     same qualifier, or a Levenshtein ratio of at least 0.5) are paired as
 *     changes, keeping their order, and between those, runs with as many old
 *     as new values are paired in place; the rest are removals and
 *     additions.  Signatories and parties are aligned the same way as whole
 *     groups (name, role / name, organisation number, address; alike when a
 *     leaf is), and a changed group is reported leaf by leaf;
 *   - qualifiers (a section's @heading, an attachment's @n, an amount's
 *     @sek) belong to the value they qualify: a change to one is reported
 *     as a change of ".../@heading".  A decision's @n is its place, which
 *     the index says, and is not compared;
 *   - provenance (@page, @line, @conf, @raw) only with DIFF_PROVENANCE;
 *     then it also takes part in the alignment.
 *
 * Paths name where a difference is: "officer/name", "sections/section[3]",
 * "sections/section[3]/@heading", "signatories/signatory[2]/role",
 * "source/@sha256".  Indices are 1-based places in the repeated field (or
 * among the groups): the old place for removed and changed values, the new
 * place for added ones.  A single, non-repeating field has no index.
 *
 * Folders: every *.xml file below each folder (recursively, names not
 * starting with '.') is read.  Records are paired by source/@sha256 (the
 * same input processed into both folders, whatever its name), then the rest
 * by relative file name; the remainder are listed as only in A or only in B.
 * When several records on one side share a sha256, those with the same
 * relative name are paired first, then the others in name order.
 *
 * Output, text (--format text):
 *
 *	diff A/x.xml B/x.xml
 *	changed officer/name
 *	  - Linda Folke
 *	  + Linda Fo1ke
 *	added references/case-number[2]
 *	  + KS-2021/1682
 *	removed sections/section[3]
 *	  - first line of the old text
 *	  - second line
 *	only in A: y.xml
 *	only in B: z.xml
 *	3 records compared: 1 differ, 2 equal; 1 only in A, 1 only in B
 *
 * Equal pairs print nothing; a changed value whose index moved adds
 * "(now [N])".  A changed value of several lines (the paragraphs of a
 * summary or section) shows the lines that differ, old then new, and a run
 * of equal lines as "= N lines as before".  A pair found by sha256 under
 * another name adds "(same source sha256)" to its "diff" line.  The last
 * line is printed in folder mode only.
 *
 * Output, XML (--format xml), namespace urn:tjx:diff:1:
 *
 *	<diff xmlns="urn:tjx:diff:1" a="A" b="B" mode="files|folders"
 *	      provenance="yes|no" equal="yes|no">
 *	  <pair a="x.xml" b="x.xml" paired-by="sha256|name|arguments" equal="no">
 *	    <changed path="officer/name" field="officer/name">
 *	      <old>Linda Folke</old><new>Linda Fo1ke</new></changed>
 *	    <added path="references/case-number[2]" field="references/case-number"
 *	           new-index="2"><new>KS-2021/1682</new></added>
 *	    <removed path="..." field="..." attribute="heading" old-index="3"><old>..</old></removed>
 *	  </pair>
 *	  <only-in-a file="y.xml"/>
 *	  <only-in-b file="z.xml"/>
 *	  <error file="A/bad.xml" message="..."/>
 *	</diff>
 *
 * `field` is the record field's path (or "source"), `attribute` the
 * qualifier or provenance attribute when the difference is in one; every
 * pair is listed, equal ones empty.  Elements and attributes come in the
 * order shown; the output is the same for the same inputs.
 *
 * Ownership: lists and reports own all their strings; release them with
 * diff_list_release() and diff_report_release().
 */
#ifndef TJX_DIFF_H
#define TJX_DIFF_H

#include <stddef.h>

#include "error.h"
#include "record.h"
#include "strbuf.h"

enum diff_kind { DIFF_ADDED, DIFF_REMOVED, DIFF_CHANGED };

const char *diff_kind_name(enum diff_kind k); /* "added", "removed", "changed" */

/* Flags. */
enum {
	DIFF_PROVENANCE = 1, /* compare @page, @line, @conf and @raw too */
};

struct diff_item {
	enum diff_kind kind;
	char *path;        /* see above */
	const char *field; /* record_field_path() of the field, or "source" (static) */
	const char *attr;  /* NULL for the value itself, else "heading", "n", "sek", "page",
				"line", "conf", "raw" or a source attribute (static) */
	int old_index;     /* 1-based place among the old values; 0 when added or single */
	int new_index;     /* 1-based place among the new values; 0 when removed or single */
	char *old_value;   /* NULL when added */
	char *new_value;   /* NULL when removed */
};

struct diff_list {
	struct diff_item *items;
	size_t n, alloc;
};

void diff_list_release(struct diff_list *l);

/* Append the differences from a (old) to b (new) to out.  Returns the
 * number appended, or a negative error (out of memory). */
int diff_records(const struct record *a, const struct record *b, unsigned flags,
                 struct diff_list *out, struct ex_error *err);

/* The differences in text, as in the example above, without the "diff"
 * header. */
int diff_format_list(const struct diff_list *l, struct sb *out);
/* The same with other words for the kinds, indexed by enum diff_kind
 * (eval says "spurious", "missed", "wrong"). */
int diff_format_list_as(const struct diff_list *l, const char *const kinds[3], struct sb *out);

enum diff_pairing {
	DIFF_BY_ARGUMENTS, /* two files named on the command line */
	DIFF_BY_SHA256,
	DIFF_BY_NAME,
};

struct diff_pair {
	char *a, *b; /* paths relative to the folders (file mode: as given) */
	enum diff_pairing by;
	struct diff_list diffs;
};

struct diff_problem {
	char *file; /* as opened */
	char *msg;  /* one line */
};

struct diff_report {
	char *a, *b; /* the arguments */
	int folders; /* 1: folder mode */
	unsigned flags;
	struct diff_pair *pairs; /* in the order of a's relative names */
	size_t npairs;
	char **only_a, **only_b; /* relative names, sorted */
	size_t nonly_a, nonly_b;
	struct diff_problem *problems; /* records that could not be read (folder mode) */
	size_t nproblems;
};

/* Compare two record files.  A file that cannot be read or is not a record
 * fails (EX_IO, EX_INPUT) naming it. */
int diff_files(const char *a, const char *b, unsigned flags, struct diff_report *out,
               struct ex_error *err);

/* Compare two folders of records (see above).  A record that cannot be read
 * is listed in problems and the comparison goes on; a folder that cannot be
 * walked fails (EX_IO). */
int diff_folders(const char *a, const char *b, unsigned flags, struct diff_report *out,
                 struct ex_error *err);

void diff_report_release(struct diff_report *r);

/* 1 when every pair is equal and nothing is unpaired or unreadable. */
int diff_report_equal(const struct diff_report *r);
/* The number of pairs that differ. */
size_t diff_report_ndiffer(const struct diff_report *r);

int diff_format_text(const struct diff_report *r, struct sb *out);
int diff_format_xml(const struct diff_report *r, struct sb *out);

/* Append s to out escaped for XML: &, <, > and " always, and with `attr`
 * also tab, line feed and carriage return (as character references, so an
 * attribute keeps them).  Bytes that are not UTF-8 and characters XML 1.0
 * cannot carry become U+FFFD.  Shared with eval's JUnit output. */
int diff_xml_escape(struct sb *out, const char *s, int attr);

#endif
