/* test_lexicon.c - the Swedish lexicon: hunspell sv_SE, our lists, the prior. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "lexicon.h"

static struct lex *lx;

static void setup(void)
{
	struct ex_error err;
	struct lex_options o = {.dir = "rules/lexicon"};
	cr_assert_eq(lex_new(&o, &lx, &err), 0, "lex_new: %s", err.msg);
}

static void teardown(void)
{
	lex_free(lx);
}

static int check(const char *w)
{
	return lex_check(lx, w, strlen(w));
}

TestSuite(lexicon, .init = setup, .fini = teardown);

Test(lexicon, hunspell_words_and_compounds)
{
	cr_expect_neq(check("förvaltningen"), LEX_UNKNOWN);
	cr_expect_neq(check("Förvaltningen"), LEX_UNKNOWN);
	cr_expect_neq(check("FÖRVALTNINGEN"), LEX_UNKNOWN);
	cr_expect_neq(check("barnrättsperspektiv"), LEX_UNKNOWN);
	cr_expect_neq(check("utbildningsnämnden"), LEX_UNKNOWN);
}

Test(lexicon, rejects_ocr_damage)
{
	cr_expect_eq(check("Forvaltningen"), LEX_UNKNOWN);
	cr_expect_eq(check("ndmnden"), LEX_UNKNOWN);
	cr_expect_eq(check("6kad"), LEX_UNKNOWN);
	/* in Tesseract's list, which has web text without diacritics, but not Swedish */
	cr_expect_eq(check("forslag"), LEX_UNKNOWN);
	/* case as hunspell has it: a lower-case word may be capitalised, not mixed */
	cr_expect_eq(check("fÖrvaltningen"), LEX_UNKNOWN);
}

Test(lexicon, additions_are_ours)
{
	cr_expect_eq(check("Funktionshinderrådet"), LEX_OURS);
	cr_expect_eq(check("Kärrtorps"), LEX_OURS);
	cr_expect_eq(check("Södertörn"), LEX_OURS);
	cr_expect_geq(lex_freq(lx, "funktionshinderrådet", strlen("funktionshinderrådet")),
	              LEX_ADDITION_COUNT);
}

/* a name of our additions, in any case; a word also written small is none */
Test(lexicon, names_of_our_additions)
{
	cr_expect(lex_name(lx, "Österåker", strlen("Österåker")));
	cr_expect(lex_name(lx, "österåker", strlen("österåker")));
	cr_expect(lex_name(lx, "Södertörn", strlen("Södertörn")));
	cr_expect_not(lex_name(lx, "även", strlen("även")));
	cr_expect_not(lex_name(lx, "mnkr", strlen("mnkr")));
	/* a name is ours with its capital, not in lower case ("åsa") */
	cr_expect_eq(check("Åsa"), LEX_OURS);
	cr_expect_eq(check("ÅSA"), LEX_OURS);
	cr_expect_neq(check("åsa"), LEX_OURS);
	/* the beginnings of names, on a letter's boundary */
	cr_expect(lex_name_prefix(lx, "österå", strlen("österå")));
	cr_expect(lex_name_prefix(lx, "söder", strlen("söder")));
	cr_expect(lex_name_prefix(lx, "österåker", strlen("österåker")));
	cr_expect_not(lex_name_prefix(lx, "ö", 1)); /* half a letter */
	cr_expect_not(lex_name_prefix(lx, "qzx", 3));
	cr_expect_not(lex_name_prefix(lx, "mnk", 3)); /* "mnkr" is no name */
}

static int inf(const char *w)
{
	return lex_infinitive(lx, w, strlen(w));
}

/* the shape of an infinitive: -a and its own only stem, or a long vowel and
 * a present tense in r beside it ("två" is a verb too: "tvår"); a passive
 * of one */
Test(lexicon, infinitive_shapes)
{
	cr_expect(inf("stärka"));
	cr_expect(inf("göras"));
	cr_expect(inf("ingå"));
	cr_expect(inf("gå"));
	cr_expect(inf("förstå"));
	cr_expect_not(inf("starka"));
	/* its own stem and another's form: perhaps */
	cr_expect_eq(inf("gälla"), 2);
	cr_expect_eq(inf("stärka"), 1);
	cr_expect_not(inf("grå"));
	cr_expect_not(inf("små"));
	cr_expect_not(inf("insats"));
	cr_expect_eq(inf("ingå"), inf("ingå")); /* cached: the same answer */
}

/* municipal.words adds to the prior; where both readings of a pair are
 * listed, the prose still decides between them */
Test(lexicon, municipal_words_add_to_the_prior)
{
	cr_expect_eq(lex_freq(lx, "vård", strlen("vård")), LEX_MUNICIPAL_COUNT);
	cr_expect_eq(lex_freq(lx, "nämnden", strlen("nämnden")), LEX_MUNICIPAL_COUNT);
	cr_expect_neq(check("nämnden"), LEX_UNKNOWN);
	cr_expect_gt(lex_freq(lx, "stod", 4), LEX_MUNICIPAL_COUNT);
	cr_expect_gt(lex_freq(lx, "stöd", strlen("stöd")), lex_freq(lx, "stod", 4));
}

static int plausible(const char *w, int loose)
{
	return lex_plausible(lx, w, strlen(w), loose);
}

Test(lexicon, plausible_spelling)
{
	cr_expect(plausible("förvaltningen", 0));
	cr_expect(plausible("Barnrättsperspektiv", 0));
	cr_expect_not(plausible("fxrvqltningen", 0));
	cr_expect_not(plausible("fxrvqltningen", 1));
	/* a compound's joint with letters no listed word has together ("riä") */
	cr_expect_not(plausible("industriändamål", 0));
	cr_expect(plausible("industriändamål", 1));
}

Test(lexicon, listed_tier)
{
	cr_expect_eq(check("kommun"), LEX_LISTED);
}

/* lex_listed() finds every word of every list, in any case (its filter in
 * front of the maps never says no to a listed word), and says no to words
 * of no list: of 20,000 made by changing a listed word's last letter to
 * "q" or appending "qx", none is listed. */
Test(lexicon, listed_finds_every_list_word)
{
	static const char *const files[] = {"tesseract.words", "additions.words", "municipal.words",
	                                    "freq.tsv"};
	size_t words = 0, made = 0, passed = 0;
	char line[512], up[1100];
	for (size_t f = 0; f < sizeof(files) / sizeof(*files); f++) {
		char path[256];
		snprintf(path, sizeof(path), "rules/lexicon/%s", files[f]);
		FILE *fp = fopen(path, "r");
		cr_assert_not_null(fp, "%s", path);
		while (fgets(line, sizeof(line), fp)) {
			size_t n = strcspn(line, " \t\r\n#"); /* (a line may end in a comment) */
			if (!n || line[0] == '#')
				continue;
			line[n] = 0;
			cr_expect(lex_listed(lx, line, n), "%s: '%s' not listed", files[f], line);
			words++;
			if (words % 997 == 0) { /* the same in capitals, now and then */
				size_t un = 0;
				for (size_t i = 0; i < n; i++)
					up[un++] = (line[i] >= 'a' && line[i] <= 'z')
					               ? (char)(line[i] - 32)
					               : line[i];
				cr_expect(lex_listed(lx, up, un), "'%.*s' not listed", (int)un, up);
			}
			if (made < 20000 && n + 3 < sizeof(line) &&
			    (unsigned char)line[n - 1] < 0x80) {
				line[n - 1] = 'q';
				memcpy(line + n, "qx", 3);
				passed += lex_listed(lx, line, n + 2);
				made++;
			}
		}
		fclose(fp);
	}
	cr_expect_gt(words, 150000);
	cr_expect_eq(made, 20000);
	cr_expect_eq(passed, 0, "%zu made-up words listed", passed);
}

/* Compounds hunspell's compounding does not build: a listed head (or one and
 * a linking s) and a tail the prior has seen; the head a base form, never an
 * inflection ("söker" is "söka": "sökerställa" is no word, the OCR's
 * "sékerstalla" is "säkerställa"). */
Test(lexicon, own_compounds_need_a_base_form_head)
{
	cr_assert_eq(lex_check(lx, "gymnasierådet", strlen("gymnasierådet")), LEX_UNKNOWN);
	cr_assert(lex_compound(lx, "gymnasierådet", strlen("gymnasierådet")));
	cr_assert_eq(lex_check(lx, "sökerställa", strlen("sökerställa")), LEX_UNKNOWN);
	cr_assert_not(lex_compound(lx, "sökerställa", strlen("sökerställa")));
}

Test(lexicon, prior_prefers_the_common_spelling)
{
	cr_expect_gt(lex_freq(lx, "för", 4), 10 * lex_freq(lx, "for", 3));
	cr_expect_gt(lex_freq(lx, "är", 3), 10 * lex_freq(lx, "ar", 2));
	cr_expect_gt(lex_freq(lx, "har", 3), 0);
	cr_expect_eq(lex_freq(lx, "FÖR", 4), lex_freq(lx, "för", 4));
}

Test(lexicon, answers_are_cached)
{
	struct lex_stats a, b;
	check("samverkansgruppen");
	lex_get_stats(lx, &a);
	for (int i = 0; i < 100; i++)
		check("samverkansgruppen");
	lex_get_stats(lx, &b);
	cr_expect_eq(b.hunspell_calls, a.hunspell_calls);
	cr_expect_eq(b.lookups, a.lookups + 100);
	cr_expect_gt(a.words, 100000);
}

Test(lexicon, missing_dictionary_is_a_dependency_error)
{
	struct lex *x = NULL;
	struct ex_error err;
	struct lex_options o = {.dir = "rules/lexicon", .dict_dir = "/nonexistent"};
	cr_assert_lt(lex_new(&o, &x, &err), 0);
	cr_expect_eq(err.code, EX_DEP);
	cr_expect(strstr(err.file, "/nonexistent/sv_SE") != NULL, "%s", err.file);
	cr_expect_null(x);
}

Test(lex_map, put_get_grow_clear)
{
	struct lex_map *m = lex_map_new();
	cr_assert_not_null(m);
	char k[32], v[32];
	for (int i = 0; i < 5000; i++) {
		int kl = snprintf(k, sizeof(k), "ord%d", i),
		    vl = snprintf(v, sizeof(v), "v%d", i * 7);
		cr_assert_eq(lex_map_put(m, k, (size_t)kl, (uint32_t)i, v, (size_t)vl), 0);
	}
	cr_expect_eq(lex_map_count(m), 5000);
	for (int i = 0; i < 5000; i += 37) {
		int kl = snprintf(k, sizeof(k), "ord%d", i);
		uint32_t num;
		const char *val;
		size_t vl;
		cr_assert(lex_map_get(m, k, (size_t)kl, &num, &val, &vl));
		cr_expect_eq(num, (uint32_t)i);
		snprintf(v, sizeof(v), "v%d", i * 7);
		cr_expect_eq(vl, strlen(v));
		cr_expect_eq(memcmp(val, v, vl), 0);
	}
	cr_expect_not(lex_map_get(m, "ord5000", 7, NULL, NULL, NULL));
	cr_expect_eq(lex_map_put(m, "ord1", 4, 99, NULL, 0), 0); /* overwrite */
	uint32_t num;
	cr_assert(lex_map_get(m, "ord1", 4, &num, NULL, NULL));
	cr_expect_eq(num, 99);
	cr_expect_eq(lex_map_count(m), 5000);
	lex_map_clear(m);
	cr_expect_eq(lex_map_count(m), 0);
	cr_expect_not(lex_map_get(m, "ord1", 4, NULL, NULL, NULL));
	lex_map_free(m);
}

Test(lex_lower, swedish_letters)
{
	char out[64];
	size_t n = lex_lower("ÅÄÖ Éé ÜBER Ωx", strlen("ÅÄÖ Éé ÜBER Ωx"), out);
	cr_expect_str_eq(out, "åäö éé über ωx");
	cr_expect_eq(n, strlen("åäö éé über ωx"));
}
