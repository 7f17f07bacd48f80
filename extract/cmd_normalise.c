/* cmd_normalise.c - `tjx normalise [--explain] [FILE|-]` */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "doc.h"
#include "normalise.h"
#include "pipeline.h"
#include "strbuf.h"
#include "utf8.h"

static const char normalise_help[] =
    "usage: tjx normalise [options] [FILE|-]\n\n"
    "Repair OCR text: lost å/ä/ö (\"Forvaltningen\" -> \"Förvaltningen\"), characters the\n"
    "Swedish OCR model cannot emit (@ § % –), hyphenation, ligatures.  Reads FILE (or\n"
    "standard input), writes the repaired text to standard output; line N of the\n"
    "output is line N of the input.\n\n"
    "Options:\n"
    "  -e, --explain       print every change instead of the text, one a line:\n"
    "                      'LINE:COL old → new (rule id)'\n"
    "  -o, --output FILE   write the text to FILE (with --explain too)\n"
    "      --no-lexicon    rules only: no word repair with the Swedish lexicon\n"
    "      --lost-diacritics=auto|yes|no\n"
    "                      whether the text lost its å/ä/ö (default auto: decided per\n"
    "                      document, from its letters); 'yes' lets the pair rules\n"
    "                      (for/för, ar/är) work on short texts too\n"
    "      --stats         print to standard error what was done and how fast\n"
    "      --profile       print to standard error, per rule in the order the rules\n"
    "                      run, the lines it ran on (past its prefilters; documents,\n"
    "                      for a document step), the lines it changed and the time\n"
    "                      it took: for rule authors\n"
    "      --rules DIR     rule folder (default: $TJX_RULES, or rules/ beside bin/)\n"
    "  -h, --help          this text\n\n";

/* Column of byte offset off in s, 1-based, in characters. */
static size_t column(const char *s, size_t off)
{
	return utf8_count(s, off) + 1;
}

/* --profile: a table of what each rule cost, on standard error. */
static void print_profile(const struct norm *n)
{
	const struct norm_rule_profile *p;
	size_t np = norm_profile_get(n, &p);
	double total = 0;
	for (size_t i = 0; i < np; i++)
		total += p[i].seconds;
	fprintf(stderr, "%-28s %-22s %9s %9s %9s %6s\n", "rule", "file", "asked", "changed", "ms",
	        "share");
	for (size_t i = 0; i < np; i++) {
		const char *f = strrchr(p[i].file, '/');
		fprintf(stderr, "%-28s %-22s %9zu %9zu %9.1f %5.1f%%\n", p[i].id,
		        f ? f + 1 : p[i].file, p[i].asked, p[i].changed, 1000 * p[i].seconds,
		        total > 0 ? 100.0 * p[i].seconds / total : 0.0);
	}
	fprintf(stderr, "%-28s %-22s %9s %9s %9.1f\n", "total", "", "", "", 1000 * total);
	fprintf(stderr, "(where word-pair runs within word-repair's pass, in a document that lost "
	                "its å/ä/ö, both are counted as word-repair)\n");
}

int cmd_normalise(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"explain", no_argument, NULL, 'e'},
	    {"output", required_argument, NULL, 'o'},
	    {"no-lexicon", no_argument, NULL, 'L'},
	    {"rules", required_argument, NULL, 'R'},
	    {"lost-diacritics", required_argument, NULL, 'D'},
	    {"stats", no_argument, NULL, 'S'},
	    {"profile", no_argument, NULL, 'P'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int explain = 0, no_lexicon = 0, stats = 0, profile = 0, c;
	enum norm_lost lost = NORM_LOST_AUTO;
	const char *rules = NULL, *output = NULL;
	optind = 1;
	while ((c = getopt_long(argc, argv, "eo:h", opts, NULL)) != -1) {
		switch (c) {
		case 'e':
			explain = 1;
			break;
		case 'o':
			output = optarg;
			break;
		case 'L':
			no_lexicon = 1;
			break;
		case 'R':
			rules = optarg;
			break;
		case 'S':
			stats = 1;
			break;
		case 'P':
			profile = 1;
			break;
		case 'D':
			if (!strcmp(optarg, "auto"))
				lost = NORM_LOST_AUTO;
			else if (!strcmp(optarg, "yes"))
				lost = NORM_LOST_ALWAYS;
			else if (!strcmp(optarg, "no"))
				lost = NORM_LOST_NEVER;
			else
				return cli_usage_error("normalise",
				                       "--lost-diacritics takes auto, yes or no");
			break;
		case 'h':
			fputs(normalise_help, stdout);
			fputs(cli_exit_help, stdout);
			return EXIT_DONE;
		default:
			return cli_usage_error("normalise", "unknown option");
		}
	}
	if (argc - optind > 1)
		return cli_usage_error("normalise", "one input at a time");
	const char *path = optind < argc ? argv[optind] : "-";

	struct ex_error err;
	ex_clear(&err);
	struct norm_options no = {.rules_dir = rules ? rules : pipe_default_rules_dir(),
	                          .no_lexicon = no_lexicon,
	                          .lost_diacritics = lost};
	struct norm *n = NULL;
	struct sb in = SB_INIT, out = SB_INIT;
	struct doc *d = NULL;
	int rc = EXIT_DONE;
	if (norm_new(&no, &n, &err) < 0) {
		cli_error(&err);
		return cli_exit_for(err.code);
	}
	if (sb_read_file(&in, path) < 0) {
		ex_fail(&err, EX_IO, path, 0, 0, "cannot read: %m");
		goto fail;
	}
	if (doc_from_text(strcmp(path, "-") ? path : "stdin", in.buf, in.len, &d, &err) < 0)
		goto fail;
	for (size_t i = 0; i < d->nwarnings; i++)
		cli_warn("%s: %s", path, d->warnings[i]);
	if (profile && norm_profile(n, 1) < 0) {
		ex_fail(&err, EX_NOMEM, NULL, 0, 0, "out of memory");
		goto fail;
	}
	struct norm_stats st = {0};
	struct timespec t0, t1;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t0);
	if (norm_doc(n, d, &st, &err) < 0)
		goto fail;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t1);
	if (stats) {
		double sec =
		    (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
		size_t words = 0; /* white-space separated, as read */
		for (size_t li = 0; li < d->nlines; li++) {
			const char *s = d->lines[li].orig;
			int in = 0;
			for (size_t i = 0; i < d->lines[li].orig_len; i++) {
				int sp = s[i] == ' ' || s[i] == '\t';
				words += !sp && !in;
				in = !sp;
			}
		}
		fprintf(stderr,
		        "normalise: %zu lines, %zu words, %zu changes, lost diacritics: %s, "
		        "rules prefiltered: %s, lexicon look-ups: %zu (%zu asked of hunspell); "
		        "%zu bytes in %.3f s of CPU (%.1f MB/s)\n",
		        st.lines, words, st.changed, st.lost_diacritics ? "yes" : "no",
		        st.prefiltered ? "yes" : "no", st.lex_lookups, st.hunspell_calls, in.len,
		        sec, sec > 0 ? (double)in.len / 1e6 / sec : 0.0);
	}

	if (profile)
		print_profile(n);

	struct sb text = SB_INIT;
	for (size_t i = 0; i < d->nlines; i++) {
		const struct doc_line *l = &d->lines[i];
		if (i && l->page != d->lines[i - 1].page)
			sb_addc(&text, '\f');
		sb_add(&text, l->text, l->len);
		sb_addc(&text, '\n');
		for (size_t k = 0; explain && k < l->nedits; k++) {
			const struct doc_edit *e = &l->edits[k];
			sb_addf(&out, "%zu:%zu %.*s → %.*s (%s)\n", i + 1, column(l->orig, e->off),
			        (int)e->len, l->orig + e->off, (int)e->new_len,
			        l->text + e->new_off, e->rule);
		}
	}
	if (output) {
		FILE *f = fopen(output, "w");
		if (!f || fwrite(text.buf, 1, text.len, f) != text.len || fclose(f) != 0) {
			ex_fail(&err, EX_IO, output, 0, 0, "cannot write: %m");
			sb_release(&text);
			goto fail;
		}
	}
	const struct sb *show = explain ? &out : &text;
	if ((explain || !output) && cli_write_all(1, show->buf, show->len) < 0) {
		ex_fail(&err, EX_IO, "stdout", 0, 0, "cannot write: %m");
		sb_release(&text);
		goto fail;
	}
	sb_release(&text);
	goto done;
fail:
	cli_error(&err);
	rc = cli_exit_for(err.code);
done:
	doc_free(d);
	norm_free(n);
	sb_release(&in);
	sb_release(&out);
	return rc;
}
