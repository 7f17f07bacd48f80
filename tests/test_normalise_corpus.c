/* test_normalise_corpus.c - the normaliser's figures on real OCR text.
 *
 * tests/data/normalise/eng/NAME.STYLE.txt is what Tesseract's English model
 * read from scans of tests/data/normalise/truth/NAME.txt (made by
 * tests/tools/eng-ocr.sh; see rules/normalise/README).  seed001, seed002 and
 * seed004 are the learning set of the confusion table (which also learnt from
 * cfi0, cfi1 and the legacy cases of those seeds); seed003 and heldout (a
 * text written for this purpose) were kept out of it and out of every choice
 * made while tuning until stop 10; from stop 11 on their misses were looked
 * at, so they are a second learning set now.  dev1..dev15 are the
 * development set, looked at word by word.  fresh1 and fresh2 (a
 * tjänsteskrivelse and an överenskommelse, written at stop 11 by a session
 * that did not tune the normaliser) are the held-out set, fresh3 and fresh4
 * (stop 12) a second one, fresh5 and fresh6 (stop 12's end) a third,
 * fresh7 and fresh8 (stop 13) a fourth, fresh9 and fresh10 (stop 14) a
 * fifth, fresh11 and fresh12 (stop 14's end) a sixth: only their totals are
 * ever looked at.  corpus/seed000-legacy is real legacy OCR
 * with a hand-corrected truth and damaged-word list.
 *
 * Figures, word by word against the truth (words = white-space separated):
 *   WER       word error rate (edit distance over the truth's length)
 *   repaired  of the words the OCR got wrong, the share now right
 *   changed   of the words the OCR got right, the share now wrong
 * Each test prints its figures to standard error. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doc.h"
#include "normalise.h"
#include "strbuf.h"

struct words {
	char **w;
	size_t n;
	char *buf;
};

static void split(char *text, struct words *ws)
{
	ws->buf = text;
	ws->w = NULL;
	ws->n = 0;
	size_t alloc = 0;
	for (char *p = strtok(text, " \t\n\f\r"); p; p = strtok(NULL, " \t\n\f\r")) {
		if (ws->n == alloc) {
			alloc = alloc ? alloc * 2 : 256;
			ws->w = realloc(ws->w, alloc * sizeof(*ws->w));
			cr_assert_not_null(ws->w);
		}
		ws->w[ws->n++] = p;
	}
}

static void words_free(struct words *ws)
{
	free(ws->w);
	free(ws->buf);
}

static char *read_all(const char *path)
{
	struct sb b = SB_INIT;
	cr_assert_eq(sb_read_file(&b, path), 0, "cannot read %s", path);
	return sb_detach(&b, NULL);
}

/* Word-level edit distance of a and b; map[i] = the b index aligned to a[i]
 * (as a substitution or match) or -1. */
static size_t align(const struct words *a, const struct words *b, long *map)
{
	size_t n = a->n, m = b->n;
	unsigned *d = malloc((n + 1) * (m + 1) * sizeof(*d));
	cr_assert_not_null(d);
#define D(i, j) d[(size_t)(i) * (m + 1) + (j)]
	for (size_t j = 0; j <= m; j++)
		D(0, j) = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		D(i, 0) = (unsigned)i;
		for (size_t j = 1; j <= m; j++) {
			unsigned sub = D(i - 1, j - 1) + (strcmp(a->w[i - 1], b->w[j - 1]) != 0);
			unsigned del = D(i - 1, j) + 1, ins = D(i, j - 1) + 1;
			D(i, j) = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
		}
	}
	for (size_t i = 0; i < n; i++)
		map[i] = -1;
	size_t i = n, j = m;
	while (i && j) {
		if (D(i, j) == D(i - 1, j - 1) + (strcmp(a->w[i - 1], b->w[j - 1]) != 0)) {
			map[i - 1] = (long)(j - 1);
			i--, j--;
		} else if (D(i, j) == D(i - 1, j) + 1) {
			i--;
		} else {
			j--;
		}
	}
	size_t dist = D(n, m);
#undef D
	free(d);
	return dist;
}

static char *normalised(struct norm *nm, const char *ocr)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(doc_from_text("ocr.txt", ocr, strlen(ocr), &d, &err), 0, "%s", err.msg);
	cr_assert_eq(norm_doc(nm, d, NULL, &err), 0, "%s", err.msg);
	struct sb b = SB_INIT;
	for (size_t i = 0; i < d->nlines; i++) {
		sb_add(&b, d->lines[i].text, d->lines[i].len);
		sb_addc(&b, '\n');
	}
	doc_free(d);
	return sb_detach(&b, NULL);
}

struct figures {
	size_t words, before, after, damaged, repaired, correct, changed;
};

static void measure(struct norm *nm, const char *truth_path, const char *ocr_path,
                    struct figures *f)
{
	struct words t, o, h;
	split(read_all(truth_path), &t);
	char *ocr = read_all(ocr_path);
	split(normalised(nm, ocr), &h);
	split(ocr, &o);
	long *to = malloc(t.n * sizeof(long)), *th = malloc(t.n * sizeof(long));
	cr_assert(to && th);
	size_t before = align(&t, &o, to), after = align(&t, &h, th);
	struct figures x = {t.n, before, after, 0, 0, 0, 0};
	for (size_t i = 0; i < t.n; i++) {
		if (to[i] < 0)
			continue;
		int right = th[i] >= 0 && !strcmp(h.w[th[i]], t.w[i]);
		if (strcmp(o.w[to[i]], t.w[i])) {
			x.damaged++;
			x.repaired += right;
		} else {
			x.correct++;
			x.changed += !right;
		}
	}
	fprintf(stderr, "  %-44s WER %5.1f%% -> %4.1f%%  repaired %4zu/%-4zu  changed %zu/%zu\n",
	        ocr_path, 100.0 * (double)before / (double)t.n, 100.0 * (double)after / (double)t.n,
	        x.repaired, x.damaged, x.changed, x.correct);
	f->words += x.words;
	f->before += x.before;
	f->after += x.after;
	f->damaged += x.damaged;
	f->repaired += x.repaired;
	f->correct += x.correct;
	f->changed += x.changed;
	free(to);
	free(th);
	words_free(&t);
	words_free(&o);
	words_free(&h);
}

static struct norm *nm;

static void setup(void)
{
	struct ex_error err;
	struct norm_options o = {.rules_dir = "rules"};
	cr_assert_eq(norm_new(&o, &nm, &err), 0, "norm_new: %s", err.msg);
}

static void teardown(void)
{
	norm_free(nm);
}

TestSuite(normalise_corpus, .init = setup, .fini = teardown, .timeout = 300);

static void measure_set(const char *const *names, const char *title, struct figures *f)
{
	static const char *const styles[] = {"clean", "copy", "fax"};
	char tp[256], op[256];
	memset(f, 0, sizeof(*f));
	fprintf(stderr, "%s\n", title);
	for (size_t i = 0; names[i]; i++)
		for (size_t s = 0; s < 3; s++) {
			snprintf(tp, sizeof(tp), "tests/data/normalise/truth/%s.txt", names[i]);
			snprintf(op, sizeof(op), "tests/data/normalise/eng/%s.%s.txt", names[i],
			         styles[s]);
			measure(nm, tp, op, f);
		}
	fprintf(stderr,
	        "  total: WER %.2f%% -> %.2f%%, repaired %.1f%% (%zu/%zu), changed %.2f%% "
	        "(%zu/%zu)\n",
	        100.0 * (double)f->before / (double)f->words,
	        100.0 * (double)f->after / (double)f->words,
	        100.0 * (double)f->repaired / (double)f->damaged, f->repaired, f->damaged,
	        100.0 * (double)f->changed / (double)f->correct, f->changed, f->correct);
}

/* Issue 3's targets: word error rate at most 2%, at least 98% of the damaged
 * words repaired, at most 0.2% of the correct words changed.  Where a set
 * meets a target, the target itself is asserted.  Where it does not yet
 * (rules/normalise/README, "Measured", says what is missed and why), the
 * figure measured when this was written is asserted, with a margin of a few
 * words, so that a change that makes things worse fails here; the issue's
 * target is named beside it.  Never tuned on the held-out set (fresh1,
 * fresh2). */
/* Measure a set and check it: the OCR damaged more than `damaged`% of its
 * words; a WER of at most `wer`/1000 (the target, 20, where the set
 * meets it) and the correct-words guard; at least `repaired`/1000 of the
 * damaged words repaired. */
static void check_set_wer(const char *const *names, const char *title, unsigned damaged,
                          unsigned repaired, unsigned wer)
{
	struct figures f;
	measure_set(names, title, &f);
	cr_expect_gt(f.before * 100, f.words * damaged, "the OCR should be badly damaged");
	cr_expect_leq(f.after * 1000, f.words * wer, "WER above %u.%u%% (issue target 2.0%%)",
	              wer / 10, wer % 10);
	cr_expect_leq(f.changed * 1000, f.correct * 2,
	              "more than 0.2%% of correct words changed (issue target)");
	cr_expect_geq(f.repaired * 1000, f.damaged * repaired, "fewer than %u.%u%% repaired",
	              repaired / 10, repaired % 10);
}

static void check_set(const char *const *names, const char *title, unsigned damaged,
                      unsigned repaired)
{
	check_set_wer(names, title, damaged, repaired, 20);
}

Test(normalise_corpus, learning_set)
{
	static const char *const names[] = {"seed001", "seed002", "seed004", NULL};
	/* the target; measured 98.3% (2205/2242) at stop 11's end, 98.8%
	 * (2214/2242) at stop 12's */
	check_set(names, "learning set (seed001, seed002, seed004 x clean, copy, fax)", 20, 980);
}

Test(normalise_corpus, second_learning_set)
{
	static const char *const names[] = {"seed003", "heldout", NULL};
	/* the target; measured 97.8% (1070/1094) at stop 11's end,
	 * 98.4% (1076/1094) at stop 12's */
	check_set(names,
	          "second learning set (seed003, heldout x clean, copy, fax; held out until "
	          "stop 10)",
	          25, 980);
}

/* dev1 and dev2 (a samrådsredogörelse and a protokollsutdrag, written at
 * stop 11 to look at word by word), dev3 and dev4 (a tjänsteutlåtande on a
 * lokalförsörjningsplan and an avsiktsförklaring, stop 12), dev5 and dev6
 * (a protokollsutdrag and a kultur- och fritidsförvaltning's tjänsteskrivelse,
 * stop 12), dev7..dev12 (stop 13), dev13..dev15 (stop 14), dev16..dev21
 * (stop 15), dev22..dev27 (stop 16), dev28..dev30 (stop 17), dev31..dev33
 * (stop 18), dev34..dev36 (stop 19), dev37..dev42 (stop 20), dev43..dev51
 * (stop 21), dev52..dev54 (stop 22): the development set */
Test(normalise_corpus, development_set)
{
	static const char *const names[] = {
	    "dev1",  "dev2",  "dev3",  "dev4",  "dev5",  "dev6",  "dev7",  "dev8",
	    "dev9",  "dev10", "dev11", "dev12", "dev13", "dev14", "dev15", "dev16",
	    "dev17", "dev18", "dev19", "dev20", "dev21", "dev22", "dev23", "dev24",
	    "dev25", "dev26", "dev27", "dev28", "dev29", "dev30", "dev31", "dev32",
	    "dev33", "dev34", "dev35", "dev36", "dev37", "dev38", "dev39", "dev40",
	    "dev41", "dev42", "dev43", "dev44", "dev45", "dev46", "dev47", "dev48",
	    "dev49", "dev50", "dev51", "dev52", "dev53", "dev54", NULL};
	/* issue target 98%; dev1 and dev2 measured 94.4% (1208/1280) when they
	 * were made, 95.6% (1224/1280) at stop 11's end; with dev3 and dev4
	 * 95.9% (2443/2548) when they were made; with dev5 and dev6 95.4%
	 * (3861/4048) when they were made, 96.9% (3923/4048) at stop 12's end;
	 * dev7..dev9 (a kommunfullmäktige protokoll, a planbeskrivning, a
	 * socialförvaltning's tjänsteutlåtande, stop 13) measured 92.7%
	 * (2028/2188) with 9 correct words changed when they were made; dev10..dev12
	 * (a kommunstyrelse protokollsutdrag, a kultur- och fritidsförvaltning's
	 * tjänsteskrivelse, a miljö- och byggnämnd protokollsutdrag, stop 13)
	 * 95.8% (2512/2622), 9 changed, when they were made (on stop 13's code
	 * of that hour); 97.3% (8623/8858), WER 0.88%, changed 0.02% (3/18596:
	 * "En förälder sa", read "så") at stop 13's end; dev13..dev15 (a vård-
	 * och omsorgsförvaltning's tjänsteutlåtande, a kommunstyrelsens
	 * arbetsutskott protokollsutdrag, a plan för klimatanpassning, stop 14)
	 * measured 94.6% (2528/2671), 12 changed, when they were made; all
	 * fifteen 97.8% (11277/11529), WER 0.74%, changed 9 at stop 14's end;
	 * dev16..dev18 (a samhällsbyggnadsförvaltning's tjänsteskrivelse on a
	 * VA-taxa, a kommunstyrelse protokollsutdrag with a vote, an
	 * äldrenämnd's tjänsteutlåtande, stop 15) 95.8% (2619/2733), 3 changed,
	 * when they were made, 97.2% after; all eighteen 97.8% (13946/14262),
	 * WER 0.75%, changed 10; dev19..dev21 (a miljö- och byggnadsnämnd's
	 * delegationsbeslut on strandskyddsdispens, a planbeskrivning, an
	 * individ- och familjeomsorgsnämnd's remissvar, stop 15) 95.2% with 10
	 * changed on their clean and copy renditions when they were made, 96.0%
	 * (2925/3046) with 6 changed after; all twenty-one 97.5% (16868/17308),
	 * WER 0.85%, changed 16 at stop 15's end; dev22..dev24 (a barn- och
	 * utbildningsförvaltning's tjänsteskrivelse with names both with and
	 * without å/ä/ö, a miljö- och byggnadsnämnd protokollsutdrag full of
	 * short words that are words either way, an avsiktsförklaring on shared
	 * IT, stop 16) 93.3% (2454/2631), WER 2.07%, no word changed, when they
	 * were made, 94.8% (2493/2631), WER 1.59%, after; dev25..dev27 (a
	 * miljöförvaltning's tjänsteutlåtande on a tillsynsplan, a
	 * kommunfullmäktige protokollsutdrag of three items, an överenskommelse
	 * between a Region and a kommun on hemsjukvård, stop 16) 95.8%
	 * (2543/2654), WER 1.34%, 3 changed, when they were made, 96.9% after;
	 * dev28..dev30 (a planbeskrivning for a detaljplan, a socialförvaltning's
	 * tjänsteskrivelse on riktlinjer för ekonomiskt bistånd, an
	 * avsiktsförklaring on public charging for electric cars, stop 17)
	 * 94.3% (2877/3050), WER 1.86%, 3 changed, when they were made, 95.7%
	 * (2920/3050), WER 1.39%, none changed, after their rules, 95.8%
	 * (2923/3050), WER 1.36%, at the stop's end; all thirty 97.2%
	 * (24933/25643), WER 0.91%, changed 14 (0.02%) at stop 17's end;
	 * dev31..dev33 (a kommunledningsförvaltning's tjänsteskrivelse on a risk-
	 * och sårbarhetsanalys, a gymnasie- och vuxenutbildningsnämnd's
	 * protokollsutdrag with a vote and both Marta and Märta, an
	 * överenskommelse between a kommun and Polismyndigheten, stop 18) 96.1%
	 * (2571/2676), WER 1.21%, none changed, when they were made (on stop 17's
	 * final code), 96.8% (2590/2676), WER 1.00%, none changed, at the stop's
	 * end; all thirty-three 97.1% (27504/28319), WER 0.94%, then, 97.3%
	 * (27564/28319), WER 0.87%, changed 14 (0.02%) at stop 18's end;
	 * dev34..dev36 (a socialnämnd's tjänsteskrivelse on riktlinjer för
	 * ekonomiskt bistånd, an avsiktsförklaring on an idrottshall between a
	 * kultur- och fritidsnämnd and two clubs, a planbeskrivning by a lake
	 * with both Marta and Märta, stop 19) 96.9% (2761/2850), WER 1.08%, 9
	 * changed ("en fullstor håll", "kan bära användas"), when they were
	 * made (on this stop's code of that hour), 97.1% (2767/2850), WER 0.95%,
	 * 3 changed, after their rules; all thirty-six 97.6% (30411/31169), WER
	 * 0.80%, changed 17 (0.02%) at stop 19's end; dev37..dev39 (a miljö- och
	 * hälsoskyddsnämnd's protokollsutdrag on an enskilt avlopp with vite,
	 * a tekniska nämnd's VA- and renhållningstaxa with tables, a kultur- och
	 * fritidsförvaltning's föreningsbidrag, stop 20) 95.8% (2670/2787), WER
	 * 1.59%, none changed, when they were made (stop 19's final code);
	 * dev40..dev42 (a vård- och omsorgsförvaltning's tjänsteutlåtande on
	 * särskilt boende, a kommunstyrelse's protokollsutdrag on a
	 * bredbandsstrategi with a vote and reservations, a räddningstjänst's
	 * handlingsprogram, stop 20) 96.5% (2586/2680), WER 1.16%, 7 changed
	 * ("(SD)" read "(SÅ)" by document-confusion, three times), when they
	 * were made (on this stop's code of that hour); at stop 20's end
	 * dev37..dev39 96.7% (2696/2787), dev40..dev42 97.2% (2604/2680),
	 * dev1..dev36 97.6% (30435/31169), all forty-two 97.5% (35735/36636),
	 * WER 0.82%, changed 18 (0.02%); dev43..dev45 (a byggnadsnämnd's
	 * tjänsteskrivelse on tillsyn and a byggsanktionsavgift, a
	 * gymnasienämnd's protokollsutdrag on programutbud with a vote, an
	 * energi- och klimatplan's section with tables, stop 21) 93.7%
	 * (2314/2470), 15 changed ("T4." made "Tå.", a sum's x made ×), when
	 * they were made (stop 20's final code); dev46..dev48 (a socialnämnd's
	 * protokollsutdrag on an LSS gruppbostad with a vote, a tekniska
	 * förvaltning's tjänsteskrivelse on vinterväghållning and LED lighting,
	 * an avsiktsförklaring between a kommun and its bostadsbolag) 96.4%
	 * (2496/2588, tests/tools/eval-normalise.py), 7 changed, when they were
	 * made; dev49..dev51 (a miljö- och hälsoskyddsförvaltning's
	 * tjänsteskrivelse on a föreläggande against noise, a kommunstyrelse's
	 * protokollsutdrag on a budget with a vote, an översiktsplan's chapter
	 * on grönstruktur) 97.0%, 98.1% and 96.1% (dev51 on two renditions),
	 * none changed, when they were made; at stop 21's end dev1..dev42 97.7%
	 * (35798/36636), dev43..dev45 95.1% (2350/2470), dev46..dev48 97.1%
	 * (2512/2588), dev49..dev51 97.8% (2826/2889), all fifty-one 97.5%
	 * (43486/44583), WER 0.85%, changed 5 (0.00%); dev52..dev54 (a vård- och
	 * omsorgsförvaltning's tjänsteskrivelse on trygghetsboende, a
	 * samverkansavtal between two kommuner on a räddningstjänstförbund's
	 * övningsfält and höjdfordon, a planbeskrivning's chapter by a lake,
	 * stop 22) 96.5% (2895/3001), WER 1.35%, 12 changed ("Sandviksvägen"
	 * made "Sandviksvågen", "Gékasen" made "öökösen"), when they were made
	 * (on this stop's code of that hour) */
	check_set(names, "development set (dev1..dev54 x clean, copy, fax)", 25, 975);
}

/* WER measured 2.08% when the set was made, 1.55% at stop 11's end, 0.95%
 * at stop 12's */
Test(normalise_corpus, fresh_held_out_set)
{
	static const char *const names[] = {"fresh1", "fresh2", NULL};
	/* issue target 98%; measured 93.8% (1231/1312) when the set was made,
	 * 95.3% (1250/1312) with municipal.words, 95.4% (1252/1312) at stop 11's
	 * end, 97.3% (1276/1312) at stop 12's, 97.6% (1280/1312), WER 0.85% at
	 * stop 14's */
	check_set(names, "fresh held-out set (fresh1, fresh2 x clean, copy, fax)", 25, 965);
}

/* fresh3 and fresh4 (a tjänsteskrivelse and a protokollsutdrag, written at
 * stop 12 by a session that did not tune the normaliser): a second held-out
 * set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_2)
{
	static const char *const names[] = {"fresh3", "fresh4", NULL};
	/* issue targets WER 2%, 98% repaired; measured WER 3.26%, 90.2%
	 * (1212/1344) when the set was made, WER 2.27%, 93.2% (1252/1344) at stop
	 * 12's end, WER 2.08%, 93.8% (1260/1344) at stop 13's, WER 1.85%, 94.4%
	 * (1269/1344) at stop 14's (a stop that never looked at it); at stop 18's end WER
	 * 1.70%, 94.9% (1275/1344) */
	check_set_wer(names, "second held-out set (fresh3, fresh4 x clean, copy, fax)", 25, 940,
	              20);
}

/* fresh5 and fresh6 (a tjänsteskrivelse and a miljö- och byggnämnd
 * protokollsutdrag, written at stop 12's end by a session that did not tune
 * the normaliser, measured once on the stop's final code): a third held-out
 * set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_3)
{
	static const char *const names[] = {"fresh5", "fresh6", NULL};
	/* issue targets WER 2%, 98% repaired; measured WER 2.57%, 92.5%
	 * (1221/1320), changed 0.11% (3/2730) at stop 12's end; at stop 13's end
	 * (a stop of development that never looked at it) WER 2.00%, 94.2%
	 * (1244/1320), changed 0.11%; at stop 14's end WER 1.88%, 94.6%
	 * (1249/1320), changed 0.11%; at stop 18's end WER 1.43%, 95.8% (1264/1320) */
	check_set_wer(names, "third held-out set (fresh5, fresh6 x clean, copy, fax)", 25, 940, 20);
}

/* fresh7 and fresh8 (a barn- och utbildningsförvaltning's tjänsteutlåtande
 * and an överenskommelse between a kommun and a region, written at stop 13
 * by a session that did not tune the normaliser, kept off the branch until
 * the stop's last change and measured once, on its final code): a fourth
 * held-out set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_4)
{
	static const char *const names[] = {"fresh7", "fresh8", NULL};
	/* the WER target; 98% repaired not met: measured WER 30.1% ->
	 * 1.26%, 95.9% (1717/1790), changed 0.00% (0/4175); at stop 14's end
	 * (a second measurement) WER 1.24%, 96.0% (1718/1790), changed 0 */
	check_set_wer(names, "fourth held-out set (fresh7, fresh8 x clean, copy, fax)", 25, 950,
	              20);
}

/* fresh9 and fresh10 (a samhällsbyggnadsförvaltning's tjänsteskrivelse to a
 * tekniska nämnd on trafiksäkerhet, an avsiktsförklaring between three
 * kommuner on IT-drift, written at stop 14 by a session that did not tune
 * the normaliser, kept off the branch until the stop's last change and
 * measured once, on its final code): a fifth held-out set, only its totals
 * ever looked at */
Test(normalise_corpus, fresh_held_out_set_5)
{
	static const char *const names[] = {"fresh9", "fresh10", NULL};
	/* issue targets WER 2%, 98% repaired, neither met: measured WER 31.08% ->
	 * 2.10%, 93.6% (1783/1905), changed 0.00% (0/4251); at the stop's end
	 * (a second measurement, after five more changes) WER 2.00%, 93.9%
	 * (1789/1905); at stop 18's end WER 1.64%, 95.1% (1811/1905) */
	check_set_wer(names, "fifth held-out set (fresh9, fresh10 x clean, copy, fax)", 25, 960,
	              13);
}

/* fresh11 and fresh12 (a socialförvaltning's tjänsteutlåtande on
 * placements of children and young people, a kommunfullmäktige
 * protokollsutdrag with a vote and reservations, written at stop 14 by a
 * session that did not tune the normaliser, kept off the branch until the
 * stop's last change and measured once, on its final code): a sixth
 * held-out set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_6)
{
	static const char *const names[] = {"fresh11", "fresh12", NULL};
	/* the WER target; 98% repaired not met: measured WER 28.66% ->
	 * 0.88%, 97.0% (1928/1988), changed 0.00% (0/4951); at stop 18's end WER 0.73%,
	 * 97.5% (1938/1988) */
	check_set_wer(names, "sixth held-out set (fresh11, fresh12 x clean, copy, fax)", 25, 965,
	              20);
}

/* fresh13 and fresh14 (a miljö- och hälsoskyddsnämnd's tjänsteskrivelse on
 * a tillsynsprojekt for enskilda avlopp, an överenskommelse between a kommun
 * and a region on barn och unga med psykisk ohälsa, written at stop 14's end
 * by a session that did not tune the normaliser, merged as data only and
 * measured once at stop 15's start, on stop 14's final code): a seventh
 * held-out set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_7)
{
	static const char *const names[] = {"fresh13", "fresh14", NULL};
	/* the WER target; 98% repaired not met: measured WER 32.72% ->
	 * 1.72%, 95.1% (1826/1920), changed 0.15% (6/3951: one word in each
	 * text) */
	check_set_wer(names, "seventh held-out set (fresh13, fresh14 x clean, copy, fax)", 25, 945,
	              20);
}

/* fresh15 and fresh16 (a kultur- och fritidsförvaltning's tjänsteskrivelse
 * on fees for sports facilities, an avsiktsförklaring between two kommuner
 * and an energy company, written at stop 15 by a session that did not tune
 * the normaliser, kept off the branch until the stop's last change and
 * measured once, on its final code): an eighth held-out set, only its totals
 * ever looked at */
Test(normalise_corpus, fresh_held_out_set_8)
{
	static const char *const names[] = {"fresh15", "fresh16", NULL};
	/* the WER target; 98% repaired not met: measured WER 27.89% ->
	 * 1.46%, 95.4% (1857/1947), changed 0.18% (9/5046: the guard's 0.2%
	 * nearly reached); at stop 18's end WER 1.24%, 96.1% (1872/1947) */
	check_set_wer(names, "eighth held-out set (fresh15, fresh16 x clean, copy, fax)", 25, 950,
	              20);
}

/* fresh17 and fresh18 (a vård- och omsorgsförvaltning's tjänsteutlåtande
 * on a trygghetsboende and boendestöd, an överenskommelse between
 * Trafikverket and a kommun on a road through a village, written at stop 16
 * by a session that did not tune the normaliser, kept off the branch until
 * the stop's last change to the normaliser and measured once, on that
 * code): a ninth held-out set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_9)
{
	static const char *const names[] = {"fresh17", "fresh18", NULL};
	/* neither target met when measured, mid-stop: WER 31.51% -> 2.39% (the
	 * issue's 2.0% missed), 93.0% (1744/1876) repaired, no correct word
	 * changed; the stop's later rules (from dev25..dev27, and a section's
	 * heading) left it at 2.34%, 93.1%; stop 17's rules and lexicon at 2.25%,
	 * 93.4%; at stop 18's end WER 2.24%, 93.4% (1753/1876); at stop 25's end
	 * 1.59%, 95.5% (1792/1876), after its place-name elements */
	check_set_wer(names, "ninth held-out set (fresh17, fresh18 x clean, copy, fax)", 25, 945,
	              18);
}

/* fresh19 and fresh20 (a kommunstyrelseförvaltning's tjänsteskrivelse on a
 * delårsrapport with a table of nämnder, a kultur- och fritidsnämnd's
 * protokollsutdrag on the future of a badhus, written at stop 16 by a session
 * that did not tune the normaliser, kept off the branch until the stop's
 * last change to the normaliser and measured once, on its final code): a
 * tenth held-out set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_10)
{
	static const char *const names[] = {"fresh19", "fresh20", NULL};
	/* the WER target; 98% repaired not met: measured WER 28.52% ->
	 * 1.27%, 95.7% (1764/1844), no correct word changed; at stop 18's end WER 1.23%,
	 * 95.8% (1766/1844) */
	check_set_wer(names, "tenth held-out set (fresh19, fresh20 x clean, copy, fax)", 25, 952,
	              20);
}

/* fresh21 and fresh22 (an utbildningsförvaltning's tjänsteskrivelse on a new
 * förskola, an avsiktsförklaring between a kommun and its housing company on
 * a trygghetsboende, written at stop 17 by a session that did not tune the
 * normaliser, kept off the branch until the stop's last change to the
 * normaliser and measured once, on its final code): an eleventh held-out
 * set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_11)
{
	static const char *const names[] = {"fresh21", "fresh22", NULL};
	/* both of the targets met, the first held-out set to reach 98%:
	 * measured WER 31.00% -> 0.63%, 98.1% (1799/1833), changed 0.07%
	 * (3/4080); 97.3%, WER 0.88% without the 718 localities stop 17 added to
	 * additions.words (one of them, a tätort, is the set's); at stop 18's end WER
	 * 0.61%, 98.2% (1800/1833) */
	check_set_wer(names, "eleventh held-out set (fresh21, fresh22 x clean, copy, fax)", 25, 978,
	              20);
}

Test(normalise_corpus, seed000_real_legacy_ocr)
{
	struct figures f = {0};
	fprintf(stderr, "seed 000 (real legacy OCR, hand-corrected truth)\n");
	measure(nm, "corpus/seed000-legacy/truth.txt", "corpus/seed000-legacy/input.txt", &f);
	cr_expect_gt(f.before * 100, f.words * 20);
	cr_expect_leq(f.after * 1000, f.words * 20, "WER above 2.0%% (issue target)");
	/* measured 99.5% (203/204) */
	cr_expect_geq(f.repaired * 1000, f.damaged * 980,
	              "fewer than 98%% repaired (issue target)");
	/* issue target 0.2% (1 of 732); the 2 measured are one edit: the
	 * dehyphenation that joins "1.7.1-" / "7439/2020)." as the record
	 * conventions ask, counted as two words against the line-faithful truth */
	cr_expect_leq(f.changed, 2, "correct words changed");
}

#define PUNCT "\"'()[],.;:!?\xe2\x80\x9d\xe2\x80\x9c"

/* w is `word` with punctuation around it */
static int is_word(const char *w, const char *word)
{
	size_t pre = strspn(w, PUNCT), l = strlen(word);
	if (strncmp(w + pre, word, l))
		return 0;
	return strspn(w + pre + l, PUNCT) == strlen(w + pre + l);
}

/* corpus/seed000-legacy/words.tsv lists each damaged word of seed 000 in
 * reading order with its correction.  Find each in the input, in order, and
 * look at what the normaliser made of it. */
Test(normalise_corpus, seed000_word_list)
{
	struct words in, out;
	char *input = read_all("corpus/seed000-legacy/input.txt");
	split(normalised(nm, input), &out);
	split(input, &in);
	char *tsv = read_all("corpus/seed000-legacy/words.tsv");
	long *map = malloc(in.n * sizeof(long));
	cr_assert_not_null(map);
	align(&in, &out, map);
	size_t total = 0, right = 0, at = 0;
	struct sb wrong = SB_INIT;
	for (char *line = strtok(tsv, "\n"), *next; line; line = next) {
		next = strtok(NULL, "\n");
		char *tab = strchr(line, '\t');
		if (!tab || line[0] == '#')
			continue;
		*tab = '\0';
		const char *bad = line, *good = tab + 1;
		/* the next input word that is it (punctuation around it allowed) */
		size_t k = at;
		while (k < in.n && !is_word(in.w[k], bad))
			k++;
		cr_assert_lt(k, in.n, "'%s' not found in the input after word %zu", bad, at);
		at = k + 1;
		total++;
		const char *o = map[k] >= 0 ? out.w[map[k]] : "";
		/* compare the word in the output at the same place within its chunk */
		size_t pre = strspn(in.w[k], PUNCT);
		int ok = strlen(o) >= pre && !strncmp(o + pre, good, strlen(good));
		right += ok;
		if (!ok)
			sb_addf(&wrong, " %s->%s(%s)", bad, o, good);
	}
	fprintf(stderr, "seed 000 word list: %zu/%zu repaired (%.1f%%); missed:%s\n", right, total,
	        100.0 * (double)right / (double)total, wrong.buf);
	cr_expect_geq(total, 150);
	/* measured 98.5% (201/204) */
	cr_expect_geq(right * 1000, total * 980,
	              "fewer than 98%% of the listed words repaired (issue target)");
	sb_release(&wrong);
	free(map);
	free(tsv);
	words_free(&in);
	words_free(&out);
}

/* fresh23 and fresh24 (a samhällsbyggnadsförvaltning's tjänsteskrivelse to
 * a teknisk nämnd on a renhållningsordning and avfallsplan 2027–2030, a miljö-
 * och byggnadsnämnd's protokollsutdrag of three items: a bygglov, a
 * föreläggande with vite, a strandskyddsdispens; written at stop 18 by a
 * session that did not tune the normaliser, kept off the branch until the
 * stop's normaliser changes were in and measured once, on that code): a
 * twelfth held-out set, only its totals ever looked at */
Test(normalise_corpus, fresh_held_out_set_12)
{
	static const char *const names[] = {"fresh23", "fresh24", NULL};
	/* the WER target; 98% repaired not met: measured WER 32.15% ->
	 * 1.60%, 95.3% (1966/2064), changed 0.07% (3/4365); stop 17's final code
	 * measured the same totals (this stop's changes did not touch it) */
	check_set_wer(names, "twelfth held-out set (fresh23, fresh24 x clean, copy, fax)", 25, 950,
	              20);
}

/* fresh25 (an äldrenämnd's tjänsteutlåtande on turning a vård- och
 * omsorgsboende into a trygghetsboende and more hemtjänst) and fresh26 (a
 * kommunstyrelse's protokollsutdrag on an investeringsbudget with yrkanden,
 * a vote, a reservation), written by a helper at stop 19's start and kept
 * off the branch until this stop's last normaliser change */
Test(normalise_corpus, fresh_held_out_set_13)
{
	static const char *const names[] = {"fresh25", "fresh26", NULL};
	/* the WER target; 98% repaired not met: measured WER 31.89% ->
	 * 1.91%, 94.3% (1850/1961), changed 0.10% (4/4205; fresh26, the vote,
	 * 91.5%); stop 18's final code measured 1.96%, 94.2% (1847/1961); the
	 * rules this stop made after it did not move it */
	check_set_wer(names, "thirteenth held-out set (fresh25, fresh26 x clean, copy, fax)", 25,
	              950, 17);
}

/* fresh27 (a barn- och utbildningsförvaltning's tjänsteskrivelse on closing a
 * rural F-6 skola, with an elevprognos table) and fresh28 (a samverkansavtal
 * between a kommun and a region on hälso- och sjukvård in särskilt boende),
 * written by a helper in the middle of stop 19 and kept off the branch until
 * the stop's last normaliser change */
Test(normalise_corpus, fresh_held_out_set_14)
{
	static const char *const names[] = {"fresh27", "fresh28", NULL};
	/* neither issue target met: measured WER 32.51% -> 2.58% (fresh27 3.3%,
	 * its table), 94.1% (1921/2042), no correct word changed; stop 18's final
	 * code 2.60%, 94.0% (1920/2042), and the code set 13 was measured on the
	 * same 94.1%: the stop's later rules did not move it */
	check_set_wer(names, "fourteenth held-out set (fresh27, fresh28 x clean, copy, fax)", 25,
	              940, 26);
}

/* fresh29 (a byggnadsnämnd's planbesked for housing and a förskola on an old
 * industriområde) and fresh30 (a socialnämnd's protokollsutdrag on a lex
 * Sarah-rapport and hemtjänst, with a vote), written by a helper at the end
 * of stop 19 and kept off the branch until stop 20's last normaliser change */
Test(normalise_corpus, fresh_held_out_set_15)
{
	static const char *const names[] = {"fresh29", "fresh30", NULL};
	/* neither issue target met: measured WER 32.00% -> 2.32% (fresh30 2.6%
	 * to 3.1%), 92.8% (1841/1983), no correct word changed; stop 19's final
	 * code the same 1841 words, WER 2.34%, one correct word changed: stop
	 * 20's rules did not move it; at stop 25's end under the WER target,
	 * 1.84%, 94.4% (1871/1983): "Björk|ås|skolan" over "Björk|as|skolan" */
	check_set_wer(names, "fifteenth held-out set (fresh29, fresh30 x clean, copy, fax)", 25,
	              935, 20);
}

/* fresh31 (a utbildningsförvaltning's tjänsteskrivelse on a
 * lokalförsörjningsplan for grundskolan, with an elevprognos table) and
 * fresh32 (an överenskommelse between a kommun and a region on samverkan
 * kring personer med psykisk funktionsnedsättning), written by a helper at
 * stop 20 and kept off the branch until stop 21's last normaliser change */
Test(normalise_corpus, fresh_held_out_set_16)
{
	static const char *const names[] = {"fresh31", "fresh32", NULL};
	/* the WER target met, not the repaired one: measured WER 27.99% ->
	 * 1.30%, 95.7% (1687/1762), three correct words changed (0.07%, one in
	 * each of fresh31's renditions); stop 20's final code WER 1.33%, 95.5%
	 * (1682/1762), none changed */
	check_set_wer(names, "sixteenth held-out set (fresh31, fresh32 x clean, copy, fax)", 25,
	              955, 14);
}

/* fresh33 (a kultur- och fritidsförvaltning's tjänsteskrivelse on a
 * bibliotek and medborgarkontor) and fresh34 (a miljö- och byggnadsnämnd's
 * protokollsutdrag on a detaljplan by a lake), written by a helper at stop 21
 * and kept off the branch until stop 22's last normaliser change */
Test(normalise_corpus, fresh_held_out_set_17)
{
	static const char *const names[] = {"fresh33", "fresh34", NULL};
	/* all three issue targets met: measured WER 32.19% -> 0.70%, 98.2%
	 * (1931/1966), six correct words changed (0.14%, two in each of
	 * fresh34's renditions); stop 21's final code WER 0.72%, 98.2%
	 * (1930/1966), the same six changed */
	check_set_wer(names, "seventeenth held-out set (fresh33, fresh34 x clean, copy, fax)", 25,
	              980, 8);
}

/* fresh35 (a vård- och omsorgsförvaltning's tjänsteskrivelse on
 * trygghetskameror for night-time supervision in hemtjänsten) and fresh36 (a
 * samverkansavtal between a kommun, a bostadsbolag and a föreningsråd on
 * leisure and safety in two districts), written by a helper at stop 24 and
 * kept off the branch until stop 24's word-repair changes were done */
Test(normalise_corpus, fresh_held_out_set_18)
{
	static const char *const names[] = {"fresh35", "fresh36", NULL};
	/* the WER target met, not the repaired one: first measured WER 26.72%
	 * -> 1.11%, 96.4% (1684/1747), three correct words changed (0.06%); stop
	 * 22's final code (this stop's start) WER 1.13%, 96.3% (1683/1747), the
	 * same three changed; 1.08%, 96.5% (1686/1747) after the shapes of a
	 * lost å/ä/ö learnt from the development set */
	check_set_wer(names, "eighteenth held-out set (fresh35, fresh36 x clean, copy, fax)", 25,
	              960, 13);
}

/* fresh37 (a kultur- och fritidsförvaltning's tjänsteskrivelse on
 * renovating spontanidrottsplatser) and fresh38 (an överenskommelse between
 * a kommun and a region on running a ungdomsmottagning), written by a helper
 * at stop 25 and kept off the branch until the stop's last normaliser
 * change */
Test(normalise_corpus, fresh_held_out_set_19)
{
	static const char *const names[] = {"fresh37", "fresh38", NULL};
	/* the WER target met, not the repaired one: measured once WER 27.83% ->
	 * 1.03%, 97.1% (1203/1239), six correct words changed (0.19%, under the
	 * 0.2% guard); stop 24's final code the same 1203 words and six */
	check_set_wer(names, "nineteenth held-out set (fresh37, fresh38 x clean, copy, fax)", 25,
	              965, 12);
}
