/* fuzz_fields.c - the field extractor on any (normalised) text.
 *
 * Invariant besides memory safety: every value's provenance points at a page
 * and line that exist. */
#include <stdint.h>
#include <stdlib.h>

#include "doc.h"
#include "fields.h"
#include "fuzz.h"
#include "record.h"

static struct fields *fields;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct ex_error err;
	struct fields_options o = {.rules_dir = fz_rules(), .lenient = 1};
	fz_need(fields_new(&o, &fields, &err), &err, "the field rules");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc *d = NULL;
	struct ex_error err;
	if (doc_from_text("fuzz.txt", (const char *)data, size, &d, &err) < 0)
		return 0;
	struct record *r = NULL;
	if (fields_extract(fields, d, &r, NULL, &err) == 0) {
		for (size_t i = 0; i < record_count(r); i++) {
			const struct rec_value *v = record_get(r, i);
			if (v->page < 0 || v->page > d->npages || v->line < 0)
				abort();
			if (v->page > 0 && v->line > 0 &&
			    (size_t)v->line > d->pages[v->page - 1].nlines)
				abort();
		}
	}
	record_free(r);
	doc_free(d);
	return 0;
}
