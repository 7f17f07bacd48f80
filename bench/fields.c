/* bench/fields.c - documents per second through the text pipeline on one
 * thread: read text, normalise, extract fields, validate and serialise the
 * record.  Reading the files and loading the rules are outside the timing.
 *
 *	bin/bench-fields [--no-normalise] ROUNDS FILE...
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline.h"
#include "strbuf.h"

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	struct pipe_options po = {0};
	int a = 1;
	if (a < argc && !strcmp(argv[a], "--no-normalise")) {
		po.no_normalise = 1;
		a++;
	}
	if (argc - a < 2) {
		fprintf(stderr, "usage: bench-fields [--no-normalise] ROUNDS FILE...\n");
		return 2;
	}
	int rounds = atoi(argv[a++]);
	int nfiles = argc - a;
	struct sb *texts = calloc((size_t)nfiles, sizeof(*texts));
	size_t bytes = 0;
	for (int i = 0; i < nfiles; i++) {
		sb_init(&texts[i]);
		if (sb_read_file(&texts[i], argv[a + i]) < 0) {
			perror(argv[a + i]);
			return 1;
		}
		bytes += texts[i].len;
	}
	struct ex_error err;
	struct pipe *p = NULL;
	if (pipe_new(&po, &p, &err) < 0) {
		fprintf(stderr, "bench-fields: %s\n", err.msg);
		return 3;
	}
	long docs = 0, failed = 0;
	struct sb xml = SB_INIT;
	double t0 = now();
	for (int r = 0; r < rounds; r++)
		for (int i = 0; i < nfiles; i++) {
			struct doc *d = NULL;
			sb_reset(&xml);
			if (pipe_read_text(p, texts[i].buf, texts[i].len, "bench.txt", &d, &err) <
			        0 ||
			    pipe_normalise(p, d, &err) < 0 ||
			    pipe_record(p, d, &xml, NULL, &err) < 0)
				failed++;
			doc_free(d);
			docs++;
		}
	double t = now() - t0;
	printf("%ld documents (%d files x %d rounds, %.1f KB each on average) in %.2f s: "
	       "%.0f documents/s, %.2f MB/s%s\n",
	       docs, nfiles, rounds, bytes / 1024.0 / nfiles, t, docs / t,
	       (double)bytes * rounds / t / 1e6, failed ? " (some failed)" : "");
	sb_release(&xml);
	for (int i = 0; i < nfiles; i++)
		sb_release(&texts[i]);
	free(texts);
	pipe_free(p);
	return failed ? 1 : 0;
}
