/* fuzz_normalise.c - the normaliser (rules and lexicon) on any text.
 *
 * Invariants checked besides memory safety: line N out is line N in; every
 * edit lies inside its line's orig and text; the text stays valid UTF-8. */
#include <stdint.h>
#include <stdlib.h>

#include "doc.h"
#include "fuzz.h"
#include "normalise.h"
#include "utf8.h"

static struct norm *norm;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct ex_error err;
	struct norm_options o = {.rules_dir = fz_rules()};
	fz_need(norm_new(&o, &norm, &err), &err, "the normaliser");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc *d = NULL;
	struct ex_error err;
	if (doc_from_text("fuzz.txt", (const char *)data, size, &d, &err) < 0)
		return 0;
	size_t lines = d->nlines;
	if (norm_doc(norm, d, NULL, &err) == 0) {
		if (d->nlines != lines)
			abort();
		for (size_t i = 0; i < d->nlines; i++) {
			const struct doc_line *l = &d->lines[i];
			if (!utf8_valid(l->text, l->len))
				abort();
			for (size_t e = 0; e < l->nedits; e++) {
				const struct doc_edit *ed = &l->edits[e];
				if (ed->off + ed->len > l->orig_len ||
				    ed->new_off + ed->new_len > l->len)
					abort();
			}
		}
	}
	doc_free(d);
	return 0;
}
