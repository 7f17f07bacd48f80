/* fuzz_record.c - text to record, the whole text path of a worker: read,
 * normalise, extract, write the validated XML.
 *
 * Invariant besides memory safety: a record the writer accepts validates
 * again when read back, and parses into the same number of values. */
#include <stdint.h>
#include <stdlib.h>

#include "fuzz.h"
#include "pipeline.h"
#include "record.h"
#include "strbuf.h"

static struct pipe *pipe_;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	struct ex_error err;
	struct pipe_options o = {.rules_dir = fz_rules(), .lenient = 1};
	fz_need(pipe_new(&o, &pipe_, &err), &err, "the pipeline");
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct doc *d = NULL;
	struct ex_error err;
	if (pipe_read_text(pipe_, (const char *)data, size, "fuzz.txt", &d, &err) < 0)
		return 0;
	struct sb xml = SB_INIT;
	if (pipe_normalise(pipe_, d, &err) == 0 && pipe_record(pipe_, d, &xml, NULL, &err) == 0) {
		if (record_validate(xml.buf, xml.len, "fuzz.xml", pipe_schema(pipe_), NULL, &err) <
		    0)
			abort();
		struct record *r = NULL;
		if (record_parse(xml.buf, xml.len, "fuzz.xml", &r, &err) < 0)
			abort();
		record_free(r);
	}
	sb_release(&xml);
	doc_free(d);
	return 0;
}
