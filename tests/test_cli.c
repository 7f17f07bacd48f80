/* test_cli.c - the command line: exit codes, stdin/stdout, error lines */
#include <criterion/criterion.h>
#include <dirent.h>
#include <string.h>

#include "testutil.h"

Test(cli, version_help_and_unknown_command)
{
	struct tu_result r = tu_run(NULL, "%s --version", tu_bin());
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "record schema 1"));
	tu_result_free(&r);
	r = tu_run(NULL, "%s --help", tu_bin());
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, "Exit status:"));
	tu_result_free(&r);
	r = tu_run(NULL, "%s frobnicate", tu_bin());
	cr_assert_eq(r.status, 2);
	cr_assert_not_null(strstr(r.err, "'frobnicate' is not a command"));
	tu_result_free(&r);
	r = tu_run(NULL, "%s", tu_bin());
	cr_assert_eq(r.status, 2);
	tu_result_free(&r);
}

Test(cli, every_command_has_help_with_exit_codes)
{
	const char *cmds[] = {"run", "normalise", "fields", "validate", "check-rules"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		struct tu_result r = tu_run(NULL, "%s %s --help", tu_bin(), cmds[i]);
		cr_assert_eq(r.status, 0, "%s --help", cmds[i]);
		cr_assert_not_null(strstr(r.out, "usage: tjx"), "%s", cmds[i]);
		cr_assert_not_null(strstr(r.out, "Exit status:"), "%s", cmds[i]);
		tu_result_free(&r);
		r = tu_run(NULL, "%s %s --no-such-option", tu_bin(), cmds[i]);
		cr_assert_eq(r.status, 2, "%s with a bad option", cmds[i]);
		tu_result_free(&r);
	}
}

/* Issue 2's acceptance: fields of seed 004 through validate on a pipe. */
Test(cli, fields_of_seed_004_validates_on_a_pipe)
{
	char *seed = tu_seed("004");
	cr_assert_not_null(seed);
	struct tu_result r =
	    tu_run(NULL, "%s fields '%s' | %s validate -", tu_bin(), seed, tu_bin());
	cr_assert_eq(r.status, 0, "stderr: %s", r.err);
	tu_result_free(&r);
	r = tu_run(NULL, "%s fields '%s'", tu_bin(), seed);
	cr_assert_eq(r.status, 0);
	cr_assert_not_null(strstr(r.out, ">KS-2021/1682.103</case-number>"));
	cr_assert_not_null(strstr(r.out, ">2021-08-11</date>"));
	cr_assert_not_null(strstr(r.out, ">Björn Rosborg</name>"));
	tu_result_free(&r);
	free(seed);
}

Test(cli, fields_reads_stdin_and_names_it)
{
	char *text = tu_seed_text("004");
	cr_assert_not_null(text);
	struct tu_result r = tu_run(text, "%s fields -", tu_bin());
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_not_null(strstr(r.out, "file=\"stdin\""));
	tu_result_free(&r);
	free(text);
}

Test(cli, validate_exit_codes_and_element_paths)
{
	char *dir = tu_tmpdir();
	char good[512], bad[512];
	snprintf(good, sizeof(good), "%s/good.xml", dir);
	snprintf(bad, sizeof(bad), "%s/bad.xml", dir);
	char *seed = tu_seed("004");
	struct tu_result r = tu_run(NULL, "%s fields '%s' > %s", tu_bin(), seed, good);
	cr_assert_eq(r.status, 0);
	tu_result_free(&r);
	/* break the date: 2021-08-11 -> 2021-02-30 */
	r = tu_run(NULL, "sed 's/>2021-08-11</>2021-02-30</' %s > %s", good, bad);
	tu_result_free(&r);
	r = tu_run(NULL, "%s validate %s", tu_bin(), good);
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
	r = tu_run(NULL, "%s validate %s %s", tu_bin(), good, bad);
	cr_assert_eq(r.status, 4);
	cr_assert_not_null(strstr(r.err, "/date"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "bad.xml:"));
	cr_assert_not_null(strstr(r.out, "good.xml: valid"));
	tu_result_free(&r);
	r = tu_run(NULL, "%s validate %s/missing.xml", tu_bin(), dir);
	cr_assert_eq(r.status, 1);
	cr_assert_not_null(strstr(r.err, "missing.xml"));
	tu_result_free(&r);
	r = tu_run("not xml at all", "%s validate -", tu_bin());
	cr_assert_eq(r.status, 4);
	tu_result_free(&r);
	r = tu_run(NULL, "%s validate", tu_bin());
	cr_assert_eq(r.status, 2);
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(dir);
	free(seed);
}

Test(cli, missing_input_is_one_line_naming_the_file)
{
	struct tu_result r = tu_run(NULL, "%s fields /nonexistent/x.txt", tu_bin());
	cr_assert_eq(r.status, 1);
	cr_assert_eq(tu_count_lines(r.err), 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "/nonexistent/x.txt"));
	tu_result_free(&r);
}

Test(cli, broken_rules_exit_3_with_file_and_line)
{
	char *dir = tu_tmpdir();
	struct tu_result r = tu_run(NULL,
	                            "cp -r %s %s/rules && printf '[bad]\\nwhy = x\\npattern = "
	                            "(unclosed\\nreplace = y\\n' > %s/rules/normalise/99-bad.rules",
	                            tu_rules(), dir, dir);
	cr_assert_eq(r.status, 0);
	tu_result_free(&r);
	r = tu_run("Datum 2021-08-11\n", "%s normalise --rules %s/rules -", tu_bin(), dir);
	cr_assert_eq(r.status, 3);
	cr_assert_not_null(strstr(r.err, "99-bad.rules:3:"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "missing closing parenthesis"), "%s", r.err);
	tu_result_free(&r);
	r = tu_run(NULL, "%s check-rules --rules %s/rules", tu_bin(), dir);
	cr_assert_eq(r.status, 3);
	tu_result_free(&r);
	r = tu_run(NULL, "%s fields --rules %s/nowhere -", tu_bin(), dir);
	cr_assert_eq(r.status, 3);
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(dir);
}

Test(cli, check_rules_passes_on_the_shipped_rules)
{
	struct tu_result r = tu_run(NULL, "%s check-rules", tu_bin());
	cr_assert_eq(r.status, 0, "%s", r.err);
	tu_result_free(&r);
}

Test(cli, normalise_keeps_line_count_stdin_to_stdout)
{
	char *text = tu_seed_text("000");
	cr_assert_not_null(text);
	struct tu_result r = tu_run(text, "%s normalise -", tu_bin());
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_eq(tu_count_lines(r.out), tu_count_lines(text));
	tu_result_free(&r);
	free(text);
}

/* --no-lexicon: the rules alone (a lost "i", a hyphenated word rejoined),
 * no word repaired, on a document that lost its å/ä/ö, whose document steps
 * ask the lexicon (document-shape-case once dereferenced the missing one);
 * --stats counts the lexicon's look-ups and those hunspell answered. */
Test(cli, normalise_without_lexicon_and_its_stats)
{
	char *text = tu_seed_text("000");
	cr_assert_not_null(text);
	/* with the lexicon: look-ups, most answered by its cache */
	struct tu_result w = tu_run(text, "%s normalise --stats -", tu_bin());
	cr_assert_eq(w.status, 0, "%s", w.err);
	cr_expect(strstr(w.out, "Förvaltningens förslag till beslut") != NULL);
	size_t lookups = 0, asked = 0;
	const char *l = strstr(w.err, "lexicon look-ups: ");
	cr_assert_not_null(l, "%s", w.err);
	cr_assert_eq(sscanf(l, "lexicon look-ups: %zu (%zu asked of hunspell)", &lookups, &asked),
	             2);
	cr_expect_gt(asked, 0);
	cr_expect_gt(lookups, asked);
	/* without: the rules alone, the same lines */
	struct tu_result r = tu_run(text, "%s normalise --no-lexicon --stats -", tu_bin());
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_expect_eq(tu_count_lines(r.out), tu_count_lines(text));
	cr_expect(strstr(r.out, "Forvaltningens forslag till beslut") != NULL);
	cr_expect(strstr(r.err, "lost diacritics: yes") != NULL, "%s", r.err);
	cr_expect(strstr(r.err, "lexicon look-ups: 0 (0 asked of hunspell)") != NULL, "%s", r.err);
	struct tu_result e = tu_run(text, "%s normalise --no-lexicon --explain -", tu_bin());
	cr_assert_eq(e.status, 0, "%s", e.err);
	cr_expect(strstr(e.out, "(dehyphenate)") != NULL, "%s", e.out);
	cr_expect(strstr(e.out, "(word-repair)") == NULL, "%s", e.out);
	tu_result_free(&w);
	tu_result_free(&e);
	tu_result_free(&r);
	free(text);
}

/* --profile: a row per rule on standard error, in the order the rules run,
 * with the lines each ran on and changed; the text on standard output is the
 * same as without it. */
Test(cli, normalise_profile_counts_each_rule)
{
	char *text = tu_seed_text("000");
	cr_assert_not_null(text);
	struct tu_result plain = tu_run(text, "%s normalise -", tu_bin());
	struct tu_result r = tu_run(text, "%s normalise --profile -", tu_bin());
	cr_assert_eq(r.status, 0, "%s", r.err);
	cr_assert_str_eq(r.out, plain.out);
	cr_assert(strstr(r.err, "rule ") == r.err, "%s", r.err);
	/* word repair ran on every line of the document and changed some */
	const char *w = strstr(r.err, "\nword-repair ");
	cr_assert_not_null(w, "%s", r.err);
	char file[64];
	size_t asked = 0, changed = 0;
	cr_assert_eq(sscanf(w + 1, "word-repair %63s %zu %zu", file, &asked, &changed), 3);
	cr_expect_str_eq(file, "50-words.rules");
	cr_expect_eq(asked, (size_t)tu_count_lines(text));
	cr_expect_gt(changed, 10);
	cr_expect_lt(changed, asked);
	/* a document step runs once a document */
	const char *c = strstr(r.err, "\ndocument-case ");
	cr_assert_not_null(c, "%s", r.err);
	cr_assert_eq(sscanf(c + 1, "document-case %63s %zu", file, &asked), 2);
	cr_expect_eq(asked, 1);
	/* the soft hyphen's rule: never past its prefilter on this text */
	cr_expect(strstr(r.err, "\nsoft-hyphen ") != NULL);
	cr_expect(strstr(r.err, "\ntotal ") != NULL);
	tu_result_free(&r);
	tu_result_free(&plain);
	free(text);
}

Test(cli, run_writes_records_for_good_inputs_and_goes_on_past_bad_ones)
{
	char *dir = tu_tmpdir();
	char *s3 = tu_seed("003"), *s4 = tu_seed("004");
	struct tu_result r =
	    tu_run(NULL,
	           "mkdir -p %s/in/sub && cp '%s' %s/in/a.txt && cp '%s' '%s/in/sub/b c.txt' && "
	           ": > %s/in/empty.txt && printf '\\x89PNG\\r\\n\\x1a\\n\\0\\0' > %s/in/bin.txt",
	           dir, s3, dir, s4, dir, dir, dir);
	cr_assert_eq(r.status, 0);
	tu_result_free(&r);
	r = tu_run(NULL, "%s run -q -j 2 -o %s/out %s/in", tu_bin(), dir, dir);
	cr_assert_eq(r.status, 1, "%s", r.err);
	cr_assert_not_null(strstr(r.err, "empty.txt: empty file"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "2 ok"), "%s", r.err);
	cr_assert_not_null(strstr(r.err, "2 failed"), "%s", r.err);
	char p[600];
	snprintf(p, sizeof(p), "%s/out/a.xml", dir);
	cr_assert_eq(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/out/sub/b c.xml", dir);
	cr_assert_eq(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/out/empty.xml", dir);
	cr_assert_neq(access(p, R_OK), 0, "no record for a failed input");
	tu_result_free(&r);
	/* nothing half-written: no temporary files left */
	r = tu_run(NULL, "find %s/out -name '.*.tmp-*' | wc -l", dir);
	cr_assert_eq(atoi(r.out), 0);
	tu_result_free(&r);
	/* the record names the file relative to the folder given */
	snprintf(p, sizeof(p), "%s/out/sub/b c.xml", dir);
	char *xml = tu_read(p, NULL);
	cr_assert_not_null(strstr(xml, "file=\"sub/b c.txt\""));
	free(xml);
	tu_sh("rm -rf %s", dir);
	free(dir);
	free(s3);
	free(s4);
}

Test(cli, run_is_deterministic_across_jobs)
{
	char *dir = tu_tmpdir();
	struct tu_result r = tu_run(NULL,
	                            "mkdir -p %s/in && cp ../shared/seeds/00[134]_*.txt %s/in/ "
	                            "2>/dev/null || cp /work/shared/seeds/00[134]_*.txt %s/in/",
	                            dir, dir, dir);
	tu_result_free(&r);
	r = tu_run(NULL,
	           "%s run -q -j 1 -o %s/o1 %s/in && %s run -q -j 2 -o %s/o2 %s/in && diff -r -x "
	           "manifest.tsv -x '.*' %s/o1 %s/o2",
	           tu_bin(), dir, dir, tu_bin(), dir, dir, dir, dir);
	cr_assert_eq(r.status, 0, "%s%s", r.out, r.err);
	tu_result_free(&r);
	tu_sh("rm -rf %s", dir);
	free(dir);
}
