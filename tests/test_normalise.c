/* test_normalise.c - the normaliser: rules, word repair, hyphenation, the
 * document signal, the confidence guard, edit tracking. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "doc.h"
#include "normalise.h"
#include "strbuf.h"
#include "testutil.h"

static struct norm *nm;

static void setup(void)
{
	struct ex_error err;
	struct norm_options o = {.rules_dir = "rules"};
	cr_assert_eq(norm_new(&o, &nm, &err), 0, "norm_new: %s:%d: %s", err.file, err.line,
	             err.msg);
}

static void teardown(void)
{
	norm_free(nm);
}

TestSuite(normalise, .init = setup, .fini = teardown);

/* Normalise text as one document; returns the doc (caller frees). */
static struct doc *run(struct norm *n, const char *text, struct norm_stats *st)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(doc_from_text("t.txt", text, strlen(text), &d, &err), 0, "%s", err.msg);
	cr_assert_eq(norm_doc(n, d, st, &err), 0, "%s", err.msg);
	return d;
}

static char *joined(const struct doc *d)
{
	struct sb b = SB_INIT;
	for (size_t i = 0; i < d->nlines; i++) {
		sb_add(&b, d->lines[i].text, d->lines[i].len);
		sb_addc(&b, '\n');
	}
	return sb_detach(&b, NULL);
}

static char *norm_text(const char *in)
{
	struct doc *d = run(nm, in, NULL);
	char *s = joined(d);
	doc_free(d);
	return s;
}

/* A page of Swedish whose å/ä/ö were lost: enough letters for the signal. */
static const char *const lost_page =
    "Forvaltningen har bedomt att ett idéburet offentligt partnerskap ar en\n"
    "andamalsenlig avtalsform for samarbetet, bland annat da museet ar verksamhetens\n"
    "karna. Forvaltningen bedomer att den framtagna modellen for samarbetet bidrar\n"
    "till okad maluppfyllelse och ar ett komplement till skolornas verksamhet.\n"
    "Stiftelsen har ett specifikt arbetssatt och kompetens for att genomfora\n"
    "verksamheten. I foreslaget partnerskap finansierar utbildningsnamnden\n"
    "verksamheten med totalt 2,4 mnkr. Forvaltningen foreslar att namnden\n"
    "beslutar att inga partnerskap med stiftelsen och delegerar till\n"
    "utbildningsdirektoren att underteckna avtalet. Beslutet justeras omedelbart.\n"
    "Stockholms stad har i sina riktlinjer om idéburet offentligt partnerskap\n"
    "bedomt att en okad samverkan med den ideburna sektorn kan bidra till okad\n"
    "samhallsnytta. Utover detta har staden bedomt att det bor finnas utrymme\n"
    "for att inga idéburet offentligt partnerskap i vissa fall, och det ar\n"
    "darfor en viktig del for att skapa kunskap och intresse for amnesomradena.\n"
    "Under hosten ingick parterna en avsiktsforklaring for att gemensamt ta fram\n"
    "ett inspirerande innehall som fyller kraven for utvalda kurser.\n";

Test(normalise, repairs_lost_diacritics_and_keeps_lines)
{
	struct norm_stats st = {0};
	struct doc *d = run(nm, lost_page, &st);
	cr_expect(st.lost_diacritics, "the signal should fire on a page without å/ä/ö");
	cr_assert_eq(d->nlines, 16);
	cr_expect_str_eq(d->lines[0].text,
	                 "Förvaltningen har bedömt att ett idéburet offentligt partnerskap är en");
	cr_expect_str_eq(d->lines[1].text,
	                 "ändamålsenlig avtalsform för samarbetet, bland annat då museet är "
	                 "verksamhetens");
	cr_expect_str_eq(
	    d->lines[3].text,
	    "till ökad måluppfyllelse och är ett komplement till skolornas verksamhet.");
	/* "har" and "man" stay: their variants are not much commoner */
	cr_expect(strstr(d->lines[11].text, "Utöver detta har staden") != NULL, "%s",
	          d->lines[11].text);
	doc_free(d);
}

/* The project's rules fit the prefilters: a line's candidate rules are found
 * at once (a rule set that outgrew them would still work, rule by rule, but
 * at a fraction of the speed: this says so). */
Test(normalise, the_rules_fit_the_prefilters)
{
	struct norm_stats st = {0};
	struct doc *d = run(nm, "Forvaltningen foreslar att namnden beslutar.\n", &st);
	cr_assert_eq(st.prefiltered, 1);
	doc_free(d);
}

Test(normalise, explains_every_change_against_the_original)
{
	struct doc *d = run(nm, lost_page, NULL);
	const struct doc_line *l = &d->lines[0];
	cr_assert_gt(l->nedits, 0);
	/* rebuild the text from orig and the edits: must give l->text */
	struct sb b = SB_INIT;
	size_t o = 0;
	for (size_t i = 0; i < l->nedits; i++) {
		const struct doc_edit *e = &l->edits[i];
		cr_assert_geq(e->off, o);
		sb_add(&b, l->orig + o, e->off - o);
		cr_expect_eq(b.len, e->new_off);
		sb_add(&b, l->text + e->new_off, e->new_len);
		o = e->off + e->len;
		cr_expect_not_null(e->rule);
	}
	sb_add(&b, l->orig + o, l->orig_len - o);
	cr_expect_str_eq(b.buf, l->text);
	cr_expect_eq(strncmp(l->orig + l->edits[0].off, "Forvaltningen", l->edits[0].len), 0);
	cr_expect_str_eq(l->edits[0].rule, "word-repair");
	sb_release(&b);
	doc_free(d);
}

Test(normalise, known_words_stay_without_the_signal)
{
	/* a short text: no document-level evidence, so "for" and "ar" stay */
	char *s = norm_text("Det ar bra for alla. Forvaltningen har ett forslag.\n");
	cr_expect_str_eq(s, "Det ar bra for alla. Förvaltningen har ett förslag.\n");
	free(s);
}

Test(normalise, correct_swedish_is_untouched)
{
	const char *clean =
	    "Förvaltningen föreslår att nämnden beslutar att ingå ett idéburet offentligt\n"
	    "partnerskap med stiftelsen. Det är bra för alla på skolan, så länge man har\n"
	    "mått och steg. Sedan år 2003 har samarbetet pågått i tio år. Han for hem.\n";
	struct norm_stats st = {0};
	struct doc *d = run(nm, clean, &st);
	cr_expect_not(st.lost_diacritics);
	for (size_t i = 0; i < d->nlines; i++)
		cr_expect_eq(d->lines[i].nedits, 0, "line %zu changed: %s", i + 1,
		             d->lines[i].text);
	doc_free(d);
}

Test(normalise, symbols_the_swe_model_cannot_print)
{
	char *s =
	    norm_text("Handläggare Björn Rosborg\nBjorn.RosborgÖhuddinge.se\n"
	              "Kommunfullmäktige 2019-06-12, 8 87.\nökade med 12 ?o under 2023-2030.\n");
	cr_expect_str_eq(s,
	                 "Handläggare Björn Rosborg\nBjorn.Rosborg@huddinge.se\n"
	                 "Kommunfullmäktige 2019-06-12, § 87.\nökade med 12 % under 2023–2030.\n");
	free(s);
}

Test(normalise, dehyphenates_on_the_line_where_the_word_starts)
{
	char *s = norm_text("Ärendet har beretts med den fack-\nliga samverkansgruppen i maj.\n");
	cr_expect_str_eq(s, "Ärendet har beretts med den fackliga\nsamverkansgruppen i maj.\n");
	free(s);
}

Test(normalise, dehyphenates_onto_the_next_line_when_the_tail_is_alone)
{
	char *s = norm_text("(sammanträde 2020-11-19, dnr 1.7.1-\n7439/2020).\nNästa stycke.\n");
	cr_expect_str_eq(s, "(sammanträde 2020-11-19, dnr\n1.7.1-7439/2020).\nNästa stycke.\n");
	free(s);
}

Test(normalise, keeps_hyphen_before_conjunction_and_capital)
{
	char *s = norm_text("inom och mellan skol-\noch förskoleenheter\nBritt-\nMarie Lundberg\n");
	cr_expect_str_eq(s, "inom och mellan skol-\noch förskoleenheter\nBritt-\nMarie Lundberg\n");
	free(s);
}

Test(normalise, dehyphenation_explained_on_both_lines)
{
	struct doc *d = run(nm, "den fack-\nliga gruppen\n", NULL);
	cr_assert_eq(d->nlines, 2);
	cr_assert_eq(d->lines[0].nedits, 1);
	cr_assert_eq(d->lines[1].nedits, 1);
	cr_expect_str_eq(d->lines[0].edits[0].rule, "dehyphenate");
	cr_expect_str_eq(d->lines[1].edits[0].rule, "dehyphenate");
	cr_expect_str_eq(d->lines[1].text, "gruppen");
	doc_free(d);
}

Test(normalise, not_across_pages)
{
	char *s = norm_text("den fack-\fliga gruppen\n");
	cr_expect_str_eq(s, "den fack-\nliga gruppen\n");
	free(s);
}

Test(normalise, confidence_guard_keeps_a_confident_word)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(doc_from_text("t.txt", lost_page, strlen(lost_page), &d, &err), 0);
	/* line 2's "for" read with confidence 96, line 1's "ar" with 40 */
	struct doc_line *l2 = &d->lines[1], *l1 = &d->lines[0];
	size_t f = (size_t)(strstr(l2->orig, " for ") + 1 - l2->orig);
	size_t a = (size_t)(strstr(l1->orig, " ar ") + 1 - l1->orig);
	cr_assert_eq(doc_line_add_word(l2, f, 3, 0, 0, 10, 10, 96), 0);
	cr_assert_eq(doc_line_add_word(l1, a, 2, 0, 0, 10, 10, 40), 0);
	cr_assert_eq(norm_doc(nm, d, NULL, &err), 0);
	cr_expect(strstr(l2->text, "avtalsform for samarbetet") != NULL, "%s", l2->text);
	cr_expect(strstr(l1->text, "partnerskap är en") != NULL, "%s", l1->text);
	doc_free(d);
}

Test(normalise, forced_signal)
{
	struct norm *n2;
	struct ex_error err;
	struct norm_options o = {.rules_dir = "rules", .lost_diacritics = NORM_LOST_ALWAYS};
	cr_assert_eq(norm_new(&o, &n2, &err), 0);
	struct norm_stats st = {0};
	struct doc *d = run(n2, "Det ar bra for alla pa skolan.\n", &st);
	cr_expect(st.lost_diacritics);
	cr_expect_str_eq(d->lines[0].text, "Det är bra för alla på skolan.");
	doc_free(d);
	norm_free(n2);
}

Test(normalise, rules_only_without_lexicon)
{
	struct norm *n2;
	struct ex_error err;
	struct norm_options o = {.rules_dir = "rules", .no_lexicon = 1};
	cr_assert_eq(norm_new(&o, &n2, &err), 0);
	struct doc *d = run(n2, "Forvaltningen ﬁnansierar, xÖhuddinge.se\n", NULL);
	cr_expect_str_eq(d->lines[0].text, "Forvaltningen finansierar, x@huddinge.se");
	doc_free(d);
	norm_free(n2);
}

/* A document normalised as one that lost its diacritics (caller frees it). */
static struct doc *forced_doc(const char *text)
{
	struct norm *n2;
	struct ex_error err;
	struct norm_options o = {.rules_dir = "rules", .lost_diacritics = NORM_LOST_ALWAYS};
	cr_assert_eq(norm_new(&o, &n2, &err), 0, "%s", err.msg);
	struct doc *d = run(n2, text, NULL);
	norm_free(n2);
	return d;
}

/* The text of a document normalised as one that lost its diacritics. */
static char *forced(const char *text)
{
	struct doc *d = forced_doc(text);
	char *s = joined(d);
	doc_free(d);
	return s;
}

/* The text of `in` normalised, as a document that lost its diacritics
 * (lost) or as its own signal says, holds each of the texts that follow (a
 * NULL ends them). */
static void expect_text(int lost, const char *in, ...)
{
	char *s = lost ? forced(in) : norm_text(in);
	va_list ap;
	va_start(ap, in);
	for (const char *want = va_arg(ap, const char *); want; want = va_arg(ap, const char *))
		cr_expect(strstr(s, want) != NULL, "%s", s);
	va_end(ap);
	free(s);
}

Test(normalise, acronym_takes_the_letter_of_its_defining_word)
{
	char *s = forced("Parterna har tecknat en Overenskommelse (OK 2) om insatser.\n"
	                 "Enligt OK 2 ska huvudmannen redovisa.\n"
	                 "Det ar OK att vanta.\n");
	cr_expect(strstr(s, "Överenskommelse (ÖK 2)") != NULL, "%s", s);
	cr_expect(strstr(s, "Enligt ÖK 2 ska") != NULL, "%s", s);
	/* every use of the acronym in the document: the acronym is the word */
	cr_expect(strstr(s, "Det är ÖK att") != NULL, "%s", s);
	free(s);
	/* no definition, no change */
	s = forced("Det ar OK att vanta pa beslutet.\n");
	cr_expect(strstr(s, "OK att") != NULL, "%s", s);
	free(s);
}

Test(normalise, unrepaired_word_becomes_the_documents_own_word)
{
	/* "utbildningsomracet" (c for d, a for å) is no word and the table
	 * cannot repair it; the document has "utbildningsområdet" */
	char *s = forced("Inom utbildningsomradet finns mycket.\n"
	                 "Det galler hela utbildningsomracet i staden.\n");
	cr_expect(strstr(s, "hela utbildningsområdet i") != NULL, "%s", s);
	free(s);
	/* a genitive's "s" is no misread letter: "Lillbackens" is not the
	 * document's "Lillbäcken" */
	s = forced("Lillbaécken ligger norr om skolan, och Lillbackens gardar ar gamla.\n");
	cr_expect(strstr(s, "Lillbäcken ligger") != NULL, "%s", s);
	cr_expect(strstr(s, "Lillbackens gårdar") != NULL, "%s", s);
	free(s);
	/* without the word elsewhere, it stays as read */
	s = forced("Det galler hela utbildningsomracet i staden.\n");
	cr_expect(strstr(s, "utbildningsomracet") != NULL, "%s", s);
	free(s);
}

/* A name no list holds keeps the marks the engine printed for ö ("é",
 * "6"): document-marks reads them as the table's sure letter. */
Test(normalise, name_read_through_the_marks_the_table_is_sure_of)
{
	expect_text(1, "Bostader byggs pa fastigheten Sjéhaga 2:14 och vid Sj6haga.\n",
	            "fastigheten Sjöhaga 2:14 och vid Sjöhaga.", NULL);
	/* marks the table is not sure of, or a result that is no Swedish
	 * spelling, stay as read */
	expect_text(1, "Koden Q6x7z och Bxéqz galler idéella.\n",
	            "Koden Q6x7z och Bxéqz gäller idéella.", NULL);
	/* only in a document that lost its å/ä/ö */
	expect_text(0, "Bostäder byggs på fastigheten Sjéhaga 2:14 i år.\n",
	            "fastigheten Sjéhaga 2:14", NULL);
}

/* A name no list holds, made of place-name elements, gets back the å/ä/ö
 * its elements need (document-places); a word already made of elements as
 * read, or with no such reading, stays. */
Test(normalise, name_made_of_place_elements)
{
	const char *in = "Samradet holls i Vanerhem med Lisa Okvist, som bor vid Sjoangen.\n"
	                 "Planen galler aven Bergsjon och Qzwxby.\n";
	expect_text(1, in, "i Vänerhem med Lisa Ökvist, som bor vid Sjöängen.", "och Qzwxby.",
	            NULL);
	/* a name of our additions is an element too */
	expect_text(1, "Justerare ar Lisa Goransdotter.\n", "Lisa Göransdotter.", NULL);
	/* a name does not end in a one-letter element ("Holmsund|å") */
	expect_text(1, "Planen galler Bergstranda och Holmsunda.\n", "Bergstranda och Holmsunda.",
	            NULL);
	/* only in a document that lost its å/ä/ö */
	expect_text(0, "Samrådet hölls i Vanerhem med Lisa Okvist i år.\n",
	            "i Vanerhem med Lisa Okvist i", NULL);
	/* a name hunspell takes for a compound of its own ("alv" + "badet") is
	 * looked at too; one made of elements as read ("stad|s|park|s|hallen")
	 * stays */
	expect_text(1, "Avgiften till Alvbadet och Stadsparkshallen hojs.\n",
	            "till Älvbadet och Stadsparkshallen höjs", NULL);
	/* word repair reads a name the same way when the lexicon has no word
	 * for it ("Tjärn|åsen", not the compound "Tjärn|ösen"); a surname's
	 * stress mark is no lost ö ("Holmér"; "Sjödén", not "Sjö|ön") */
	expect_text(1,
	            "Vagen gar fran Tjarnasen till Sérgarde.\n"
	            "Ordforande ar Eva Holmér och Holmérs forslag galler Per Sjédén.\n",
	            "från Tjärnåsen till Sörgärde.", "Eva Holmér och Holmérs förslag",
	            "gäller Per Sjödén.", NULL);
	/* a linking "a" joins two elements ("Hult|a|gård", "Äng|a|ryd|s|gatan"):
	 * one edit, where "Hult|å|gård" takes two; it never ends a name ("Södra",
	 * not "Sör|a") */
	expect_text(1, "Vagen fran Hultagard till Angarydsgatan och Sédra.\n",
	            "från Hultagård till Ängarydsgatan och Södra.", NULL);
	/* trees and a few more of the commonest elements ("Lärk|ängen",
	 * "Gull|vik|s|fjärden"); a name of elements is a better reading than
	 * a compound of other words ("Gärde|s|vägen", not "Gardes|vägen") */
	expect_text(1, "Husen vid Larkangen och Gullviksfjarden pa Gardesvagen.\n",
	            "vid Lärkängen och Gullviksfjärden på Gärdesvägen.", NULL);
	/* a name's first letter changes only by an å, ä or ö put back ("Miva
	 * AB" is no "Nivå AB"; "Kevin Mitnick" no "Nätnick") */
	expect_text(1, "Vattnet levereras av Miva AB och Kevin Mitnick.\n",
	            "av Miva AB och Kevin Mitnick.", NULL);
	/* a capital read for a small "å" is a capital still in a name made of
	 * elements ("Åkersbergsvägen"), not in a word ("åtaganden") */
	expect_text(1, "Flera boende pa Akersbergsvagen har Ataganden i Norra Akersberg.\n",
	            "på Åkersbergsvägen har åtaganden i Norra Åkersberg.", NULL);
	/* a name put back a small ö first is one where only å/ä/ö change:
	 * "Gringshammars" (G for an ö, an m for an n) is no "öringshamnars";
	 * "Onman" is still "Öhman" (a capital Ö) */
	expect_text(1, "Planen ligger norr om Gringshammars centrum, enligt Anna Onman.\n",
	            "om Gringshammars centrum, enligt Anna Öhman.", NULL);
	/* the commonest elements of village and farm names (-bo, -boda, -böle,
	 * -måla; "Äng|a|bo"); a listed word and an element as read stay
	 * ("Skara|gatan", not "Skär|a|gatan") */
	expect_text(1, "Vagen fran Angabo till Skaragatan och Kalvboda.\n",
	            "från Ängabo till Skaragatan och Kalvboda.", NULL);
	/* plants, churches and streets ("Säv|e|lund|s|vägen", "Kyrk|ängen",
	 * "Säv|ström"); "Vallonbruksleden" stays: "led" is no element, lest it
	 * be "Vall|ön|bruk|s|leden" */
	expect_text(1,
	            "Vagen fran Savelundsvagen till Kyrkangen, enligt Lars Savstrém vid "
	            "Vallonbruksleden.\n",
	            "från Sävelundsvägen till Kyrkängen, enligt Lars Sävström vid "
	            "Vallonbruksleden.",
	            NULL);
	/* schools and what a place was named for ("Åkerbergs|gymnasiet", a
	 * name, not the word "åkerbergsgymnasiet"; "Gök|åsen", "Moss|ängs|
	 * vägen") */
	expect_text(1, "Eleverna pa Akerbergsgymnasiet vid Gékasen och Mossangsvagen.\n",
	            "på Åkerbergsgymnasiet vid Gökåsen och Mossängsvägen.", NULL);
	/* a name of elements wins over another compound when hunspell takes
	 * both and the prior has seen neither ("Björk|ås|skolan", not "Björk|
	 * as|skolan", a carcass school) */
	expect_text(1, "Eleverna pa Bjorkasskolan.\n", "på Björkåsskolan.", NULL);
}

/* Words of municipal documents the prior undervalues or hunspell lacks are
 * rules/lexicon's: a soil ("silt") is no "sålt", a council is a "råd" (not a
 * "rad", a row), every municipality with å/ä/ö is a name. */
Test(normalise, municipal_words_and_municipalities)
{
	expect_text(1,
	            "Marken bestar av lera och silt.\n"
	            "Arendet har beretts i kommunens pensionarsrad och i Morbylanga kommun.\n",
	            "av lera och silt.", "kommunens pensionärsråd och i Mörbylånga kommun", NULL);
}

/* A quotation over a line's end that ” closes opened with ” too; a straight
 * pair stays straight. */
Test(normalise, quotation_over_a_line_end)
{
	const char *in = "Resultat från brukarundersökningen \"Vad tycker de äldre om\n"
	                 "äldreomsorgen?” 2023 visar detta.\n"
	                 "Målet \"God ekonomi och effektiv\n"
	                 "verksamhet\" har bäring på ”samarbetet”.\n";
	expect_text(0, in, "brukarundersökningen ”Vad tycker", "Målet \"God ekonomi", NULL);
}

/* A double name whose halves are words or names of their own ("par") takes
 * the å/ä/ö of the whole when our names list has it. */
Test(normalise, double_name_from_the_names_list)
{
	const char *in = "Yrkanden: Par-Olof Lind (S) och Anna-Karin Berg (M) bifaller.\n";
	expect_text(1, in, "Yrkanden: Pär-Olof Lind (S) och Anna-Karin Berg (M)", NULL);
	expect_text(0, "Yrkanden från Par-Olof Lind (S) och Anna-Karin Berg (M) i år.\n",
	            "från Par-Olof Lind", NULL);
}

Test(normalise, capital_read_for_a_small_letter_by_the_documents_vote)
{
	expect_text(1,
	            "Vi planerar for aldre personer i kommunen.\n"
	            "Fler aldre bor hemma, och behovet for Aldre okar.\n",
	            "behovet för äldre ökar", NULL);
	/* ... a tie too, for a short word (an adverb: no defined term) */
	expect_text(1,
	            "Vi informerar tidigt, sa att Aven de som bor langt bort kan delta.\n"
	            "Det galler aven foreningarna i kommunen.\n",
	            "så att även de som bor långt bort", NULL);
	/* a word the document capitalises as often as not stays capitalised */
	expect_text(1,
	            "Enligt Overenskommelsen ska parterna ses.\n"
	            "Av Overenskommelsen framgar det.\n"
	            "Den nya overenskommelsen galler.\n",
	            "Enligt Överenskommelsen", NULL);
	/* a word the document never has small: small when the lexicon knows it
	 * so and the document does not use it as a term; a name stays */
	expect_text(1,
	            "Kommunstyrelsen har gett namnden mojlighet att yttra sig over ett\n"
	            "forslag till Andrad oversiktsplan, och barn och unga Aven i framtiden.\n"
	            "Handlaggare ar Asa Akerstrom pa kontoret i Osteraker.\n",
	            "förslag till ändrad översiktsplan", "unga även i", "Åsa Åkerström",
	            "i Österåker", NULL);
	/* ... or uses it three times, in its forms */
	expect_text(1,
	            "Enligt Overenskommelse ska parterna ses.\n"
	            "Av Overenskommelsen framgar det, och av Overenskommelsen galler det.\n",
	            "Enligt Överenskommelse ska", NULL);
	/* a short word's forms are the word itself: "Ändring" is no "Ändrad" */
	expect_text(1, "Ett forslag till Andrad plan, en Andring av planen, och en Andring till.\n",
	            "till ändrad plan", NULL);
	/* a short word of the commonest kind is never a term, however often the
	 * engine capitalised it ("Även" for every word-initial ä) */
	expect_text(1,
	            "Havsnivan stiger, Aven om marken hojs, och Aven dar finns risker.\n"
	            "Skyfall blir vanligare Aven pa sommaren.\n",
	            "stiger, även om marken", "och även där", "vanligare även på", NULL);
	/* a verb is no term: a tie goes to the small letter */
	expect_text(1,
	            "Intakterna ska Oka fran 61 till 68 procent och kostnaderna beraknas oka "
	            "med 640 tkr.\n",
	            "Intäkterna ska öka från", NULL);
	/* a label line (the addressee of a tjänsteutlåtande) is no sentence */
	expect_text(1,
	            "Till Aldrenamnden\n"
	            "Aldrenamnden beslutar att godkanna forslaget om aldreomsorgen.\n",
	            "Till Äldrenämnden\n", NULL);
	/* nor is an agreement's numbered section's heading inside one */
	expect_text(1,
	            "§ 13 Andringar och tillagg\n"
	            "Parterna far gora andringar i bilagan, och andringar ska goras skriftligt av "
	            "bada parter.\n",
	            "§ 13 Ändringar och tillägg\n", NULL);
}

/* document-shape-case: a capital K (and C, O, S, V, W, X, Z) inside a
 * sentence where the document writes the word small more often, twice at
 * least, is the small letter the engine took for it; a word capitalised as
 * often, a line's first word, a label, a compound's first part and a name's
 * first word stay. */
Test(normalise, capital_of_the_same_shape_by_the_documents_vote)
{
	static const char *const both =
	    "Kommunstyrelsen beslutar att overlamna arendet till kommunstyrelsen\n"
	    "och att skicka det till Kommunstyrelsen for kannedom. Det ar\n"
	    "kommunstyrelsen som ska folja upp det och kommunstyrelsen ska ocksa.\n"
	    "Kommunstyrelsen ar ansvarig. Kommunen: Per Svensson och Vard- och\n"
	    "omsorgsnamnden, dar vard- och omsorg och vard- och skola ingar.\n";
	expect_text(1, both, "skicka det till kommunstyrelsen för", "Kommunstyrelsen beslutar",
	            "Kommunstyrelsen är ansvarig", "Kommunen: Per", "Vård- och", NULL);
	/* as often capitalised as small: a term of the document */
	expect_text(1,
	            "Avtalet galler mellan Kommunen och regionen, och Kommunen ska\n"
	            "betala det som kommunen och regionen kommit overens om i kommunen.\n",
	            "mellan Kommunen och", "och Kommunen ska", NULL);
	/* the first of a name's words ("Stiftelsen Tekniska museet") */
	expect_text(1,
	            "Avtalet med stiftelsen galler, och stiftelsen ska betala.\n"
	            "Forvaltningen och Stiftelsen Tekniska museet har ett avtal.\n",
	            "och Stiftelsen Tekniska museet", NULL);
	/* once small is not enough */
	expect_text(1,
	            "Arendet gick till Kommunstyrelsen for kannedom, och\n"
	            "kommunstyrelsen tog del av det.\n",
	            "till Kommunstyrelsen för", NULL);
}

/* A word repaired at a sentence's start keeps its capital, inside one not,
 * whatever the normaliser met before, in this document or an earlier one:
 * a record does not depend on what else its worker read. */
Test(normalise, a_repair_does_not_depend_on_what_came_before)
{
	struct norm *n2;
	struct ex_error err;
	struct norm_options o = {.rules_dir = "rules", .lost_diacritics = NORM_LOST_ALWAYS};
	cr_assert_eq(norm_new(&o, &n2, &err), 0, "%s", err.msg);
	struct doc *d = run(n2, "Vi har en Atgardsplan nu.\nAtgardsplan for skolan.\n", NULL);
	char *s = joined(d);
	cr_expect(strstr(s, "en åtgärdsplan nu") != NULL, "%s", s);
	cr_expect(strstr(s, "Åtgärdsplan för skolan") != NULL, "%s", s);
	free(s);
	doc_free(d);
	d = run(n2, "Atgardsplan for skolan.\n", NULL);
	s = joined(d);
	cr_expect(strstr(s, "Åtgärdsplan för skolan") != NULL, "%s", s);
	free(s);
	doc_free(d);
	norm_free(n2);
	/* a line's first word goes on with the sentence above */
	s = forced("Marken ar ungefar 4,6 hektar stort och\nAgs huvudsakligen av kommunen.\n");
	cr_expect(strstr(s, "\nägs huvudsakligen") != NULL, "%s", s);
	free(s);
	/* ... but not after a heading */
	s = forced("Forslag till beslut\nAtgardsplanen godkanns.\n");
	cr_expect(strstr(s, "\nÅtgärdsplanen godkänns") != NULL, "%s", s);
	free(s);
	/* "ar" after "den" (a determiner's context) is not the memo's "Dar"
	 * met before with no context: it had come out "den Där känd" */
	s = forced("Det framgar av rapporten. Dar framgar bland annat att\n"
	           "kvalitet och att den ar kand i hela organisationen.\n");
	cr_expect(strstr(s, "Där framgår") != NULL, "%s", s);
	cr_expect(strstr(s, "att den är känd") != NULL, "%s", s);
	free(s);
}

/* The line memo: a line met again in a document gets the edits it got the
 * first time, and a document that repeats lines comes out the same from a
 * normaliser that has seen them in an earlier document as from a new one. */
Test(normalise, a_line_met_again_comes_out_the_same)
{
	static const char para[] = "Forslag till beslut\n"
	                           "Namnden foreslas besluta att ga vidare med arendet.\n"
	                           "Arendet bedoms inte ha nagra konsekvenser for barn och\n"
	                           "Aldre personer far stod av forvaltningen.\n\n";
	struct sb text = SB_INIT;
	for (int i = 0; i < 3; i++)
		sb_add(&text, para, sizeof(para) - 1);
	struct norm *n2;
	struct ex_error err;
	struct norm_options o = {.rules_dir = "rules", .lost_diacritics = NORM_LOST_ALWAYS};
	cr_assert_eq(norm_new(&o, &n2, &err), 0, "%s", err.msg);
	char *out[2];
	for (int k = 0; k < 2; k++) {
		struct doc *d = run(n2, text.buf, NULL);
		out[k] = joined(d);
		/* each copy's lines and edits as the first copy's */
		cr_assert_eq(d->nlines % 3, 0);
		size_t per = d->nlines / 3;
		for (size_t i = per; i < d->nlines; i++) {
			const struct doc_line *a = &d->lines[i % per], *b = &d->lines[i];
			cr_assert_eq(a->len, b->len);
			cr_assert(!memcmp(a->text, b->text, a->len), "line %zu", i + 1);
			cr_assert_eq(a->nedits, b->nedits, "line %zu", i + 1);
			for (size_t e = 0; e < a->nedits; e++)
				cr_assert_str_eq(a->edits[e].rule, b->edits[e].rule);
		}
		doc_free(d);
	}
	cr_assert(strstr(out[0], "Nämnden föreslås besluta att gå vidare med ärendet.") != NULL,
	          "%s", out[0]);
	cr_assert_str_eq(out[0], out[1]);
	free(out[0]);
	free(out[1]);
	norm_free(n2);
	sb_release(&text);
}

Test(normalise, context_of_the_word_before)
{
	char *s = forced("Det ar viktigt att gra det och de ska gras skriftligen.\n"
	                 "Vi tar fram en plan for fortsatta insatser.\n");
	cr_expect(strstr(s, "att göra det") != NULL, "%s", s);
	cr_expect(strstr(s, "ska göras skriftligen") != NULL, "%s", s);
	cr_expect(strstr(s, "för fortsatta insatser") != NULL, "%s", s);
	free(s);
}

/* The same context across a line's end: the last word of the line before
 * counts for the first word of the next. */
Test(normalise, context_of_the_word_before_across_a_line_end)
{
	char *s = forced("Det ar viktigt att\ngra det och de ska\n"
	                 "gras skriftligen. Vi tar fram en plan for\nfortsatta insatser.\n");
	cr_expect_str_eq(s, "Det är viktigt att\ngöra det och de ska\n"
	                    "göras skriftligen. Vi tar fram en plan för\nfortsatta insatser.\n");
	free(s);
}

/* A rule with 'across = line-end' (pair-year) reads the line above's last
 * word: "tio" / "ar." is "tio år."; a rule without it, and a line after a
 * blank one, does not. */
Test(normalise, year_after_a_number_on_the_line_above)
{
	char *s = forced("Samarbetet har pagatt under mer an tio\nar. Sedan\nar 2003 har det "
	                 "vuxit. Det\nar bra.\n\nar bra.\n");
	cr_expect_str_eq(s, "Samarbetet har pågått under mer än tio\når. Sedan\når 2003 har det "
	                    "vuxit. Det\när bra.\n\när bra.\n");
	free(s);
}

/* pair-year-phrase's preposition ending the line above ("platser i" /
 * "området år 2028"), and the subject that is no phrase ("Målet" / "är
 * 2030" is the verb). */
Test(normalise, year_phrase_over_a_line_end)
{
	char *s =
	    forced("Det saknas 90 platser i\nomradet ar 2028 om inget gors. Malet\nar 2030.\n");
	cr_expect_str_eq(
	    s, "Det saknas 90 platser i\nområdet år 2028 om inget görs. Målet\när 2030.\n");
	free(s);
}

/* ... and the next line's first word, as read: "från ar" / "2027" is "från
 * år", "bor" / "påbörjas" is "bör", "svara" / "att" after "är" is "svåra";
 * a match is only ever the line's own, and a line before a blank one sees
 * nothing below. */
Test(normalise, word_after_on_the_line_below)
{
	char *s = forced("Rekrytering bor\npaborjas i januari. Helger ar svara\natt tacka fran ar\n"
	                 "2027 och framat. De bor\ni Vallby och ar svara\n\natt na.\n");
	cr_expect_str_eq(s,
	                 "Rekrytering bör\npåbörjas i januari. Helger är svåra\natt täcka från år\n"
	                 "2027 och framåt. De bor\ni Vallby och är svara\n\natt nå.\n");
	free(s);
}

/* Ranges and units broken over a line's end (rules/normalise/45-ranges.rules,
 * after the hyphenation step): a year range the hyphenation rejoined, a count
 * whose unit opens the next line, an area whose number ends the line above;
 * a phone number's hyphen and an "m2" after a word stay. */
Test(normalise, range_and_unit_over_a_line_end)
{
	char *s = forced("Arbetet pagar under 2025-\n2027. Barn i aldern 7-20\nar och hus i 2-4\n"
	                 "vaningar. Byggnadsarean blir 191\nm2 per tomt. Ring 0510-77\n"
	                 "14 62 om\nm2 saknas.\n");
	cr_expect_str_eq(s, "Arbetet pågår under 2025–2027.\nBarn i åldern 7–20\når och hus i 2–4\n"
	                    "våningar. Byggnadsarean blir 191\nm² per tomt. Ring 0510-77\n"
	                    "14 62 om\nm2 saknas.\n");
	free(s);
}

/* What the swe model itself gets wrong on light scans of seeds 001 and 002:
 * a diacritic the print does not have.  A word the lexicon knows with its
 * diacritic, and a name it does not know, keep theirs. */
Test(normalise, diacritic_the_print_does_not_have)
{
	char *s = norm_text("- Anälys av insatserna till unga\n"
	                    "Huvudmannen och berörda skölenheter ska\n"
	                    "Hägerström och Lindström är nöjda med lådan.\n");
	cr_expect_str_eq(s, "- Analys av insatserna till unga\n"
	                    "Huvudmannen och berörda skolenheter ska\n"
	                    "Hägerström och Lindström är nöjda med lådan.\n");
	free(s);
}

/* Confusions beyond the learnt table: "vv" read as "w" or "wv", "ä" as "d4"
 * or "A4"; and a
 * compound whose joint makes letters no listed word has together, found by
 * the loosened second search. */
Test(normalise, vv_read_as_w_and_a_rare_joint)
{
	const char *in = "Inga awikelser eller awvikelser och Avwvikelser i War Games.\n"
	                 "Marken ska anvandas for industriandamal.\n";
	expect_text(1, in, "Inga avvikelser eller avvikelser och Avvikelser i War Games.",
	            "för industriändamål.", NULL);
	/* "ä" read as a letter and a "4" */
	expect_text(1, "Planen ar A4ndrad och hemtjd4nsten far mer resurser.\n",
	            "Planen är ändrad och hemtjänsten får", NULL);
	/* a compound whose joint makes the unseen letters ("elev|ökningen":
	 * "vök") beats one without a joint ("elevåkningen"); a word that is two
	 * listed words as read keeps its joint ("lov|projekt", not "löv|projekt") */
	expect_text(1, "Den stora elevékningen ger fler lovprojekt.\n",
	            "Den stora elevökningen ger fler lovprojekt.", NULL);
	/* ... unless the prior has seen its head ten times less often than
	 * the candidate's ("gang|ytor": "gång|ytor") */
	expect_text(1, "Parken far nya gangytor och lovprojekt.\n",
	            "Parken får nya gångytor och lovprojekt.", NULL);
	/* "vl" read as "vil"; a word with "vi" is left ("vila") */
	expect_text(1, "Aviloppet ar tatt och vi vilar.\n", "Avloppet är tätt och vi vilar.", NULL);
	/* "b" read as "o" after l, t or r (a fax's "b" without its stem); a
	 * foreign word with "o" elsewhere is left ("Doom" is no "Öbon") */
	expect_text(1,
	            "Ansokan om tilloyggnad av ett fleroostadshus ryms i driftoudget.\n"
	            "Han spelade dataspelet Doom hela kvallen.\n",
	            "Ansökan om tillbyggnad av ett flerbostadshus ryms i driftbudget.",
	            "dataspelet Doom hela kvällen.", NULL);
	/* shapes of a lost å/ä/ö learnt from the development set's scans
	 * (confusion-extra.tsv, seen > 0): "ié" for ö, "aA" for ä, "€a" and
	 * "éa" for å */
	expect_text(1,
	            "Ledamiéterna och RaAddningstjansten ser till att hush€allet och "
	            "klimatméal nas.\n",
	            "Ledamöterna och Räddningstjänsten ser till att hushållet och klimatmål nås.",
	            NULL);
	/* "@" for å and ä inside a word; an address, whole or broken at the
	 * line's end, is left */
	expect_text(1,
	            "Arbetet pag@r och det @r klart. Skriv till anna.berg@kommun.se eller a@\n"
	            "kommun.se.\n",
	            "Arbetet pågår och det är klart. Skriv till anna.berg@kommun.se eller a@\n",
	            NULL);
	/* "]" for a word's l, "w" for v */
	expect_text(1, "Forvaltningen har ]amnat ett yttrande om awgifter.\n",
	            "Förvaltningen har lämnat ett yttrande om avgifter.", NULL);
	/* "f" and "j" read as "i" */
	expect_text(1, "Kommunens aviallschef mater slagliud som en folid av kontrollirekvensen.\n",
	            "Kommunens avfallschef mäter slagljud som en följd av kontrollfrekvensen.",
	            NULL);
	/* "f" read as "t", "t" as "i" */
	expect_text(1, "Avialet om linjetratik galler i normaltallet.\n",
	            "Avtalet om linjetrafik gäller i normalfallet.", NULL);
	/* a speck read as an "i" after f or n, a y read twice; an acronym keeps
	 * its letters ("ILANA") */
	expect_text(1, "Syfite: studeniter i tryygghetsboende hos ILANA.\n",
	            "Syfte: studenter i trygghetsboende hos ILANA.", NULL);
}

Test(normalise, dropped_letter_and_glued_i)
{
	/* after "att" too, where short words are also tried as infinitives; an
	 * abbreviation is no word missing a letter */
	expect_text(1,
	            "Parterna ar verens om att arbeta isamverkan med skolan.\n"
	            "Telefon (vx) 08-123 45 67.\n"
	            "Arbetet syftar till att frebygga diskriminering.\n",
	            "är överens om", "att förebygga", "arbeta i samverkan", "(vx)", NULL);
}

/* A surname's stress mark in its last syllable is kept when that gives a
 * name of our additions ("Bjérkén": Björkén, not the island Björkön); a
 * word that is no name reads the "é" as the lost "ö" ("Lillsjén": the lake
 * Lillsjön). */
Test(normalise, surname_keeps_its_stress_mark)
{
	expect_text(1, "Ledamoter Lars Bjérkén och Eva Kallén. Vattnet rinner till Lillsjén.\n",
	            "Lars Björkén och Eva Källén", "till Lillsjön", NULL);
}

Test(normalise, item_label_opening_a_sentence)
{
	/* "T4." and "F4," open a list's items: the 4 is a number, not the "å" of
	 * "Tå" or "Få"; the same 4 inside a word is still read ("p4" is "på") */
	expect_text(1,
	            "T4. Kommunen ska verka for tatare turer p4 linjerna.\n"
	            "F4, Fastigheter som varms med olja. T5. Fler pendlare.\n",
	            "T4. Kommunen", "F4, Fastigheter", "T5. Fler", "turer på linjerna", NULL);
	/* nor is a letter and a digit inside a code ("P87/14": no "På7/14") */
	expect_text(1, "Detaljplan Tallasen 1 (akt 1862-P87/14), laga kraft 1987.\n",
	            "(akt 1862-P87/14)", "Tallåsen", NULL);
}

Test(normalise, every_rule_test_passes)
{
	cr_expect_eq(norm_check_rules(nm, NULL, NULL, NULL), 0);
}

/* A rule folder in /tmp holding normalise/10-x.rules with `text`; the
 * caller gives it to rules_dir_remove(). */
static char *rules_dir_with(const char *text)
{
	char *dir = tu_tmpdir();
	cr_assert_not_null(dir);
	char p[256];
	snprintf(p, sizeof(p), "%s/normalise", dir);
	cr_assert_eq(mkdir(p, 0700), 0);
	snprintf(p, sizeof(p), "%s/normalise/10-x.rules", dir);
	cr_assert_eq(tu_write(p, text, strlen(text)), 0);
	return dir;
}

static void rules_dir_remove(char *dir)
{
	tu_sh("rm -rf %s", dir);
	free(dir);
}

/* A normaliser of dir's rules alone (no lexicon), asserted to load. */
static struct norm *rules_norm(const char *dir)
{
	struct norm *n = NULL;
	struct ex_error err;
	struct norm_options o = {.rules_dir = dir, .no_lexicon = 1};
	cr_assert_eq(norm_new(&o, &n, &err), 0, "%s", err.msg);
	return n;
}

Test(normalise_rules, broken_rule_is_reported_at_its_line)
{
	char *dir = rules_dir_with("# a comment\n[ok]\nwhy = fine\nfind = a\nreplace = b\n\n"
	                           "[broken]\nwhy = unbalanced\npattern = (abc\nreplace = x\n");
	struct norm *n2 = NULL;
	struct ex_error err;
	struct norm_options o = {.rules_dir = dir, .no_lexicon = 1};
	cr_assert_lt(norm_new(&o, &n2, &err), 0);
	cr_expect_eq(err.code, EX_RULE);
	cr_expect_eq(err.line, 9);
	cr_expect(strstr(err.file, "10-x.rules") != NULL);
	cr_expect(strstr(err.msg, "broken") != NULL, "%s", err.msg);
	cr_expect(strstr(err.msg, "missing closing parenthesis") != NULL, "%s", err.msg);
	rules_dir_remove(dir);
}

/* A later rule that puts back what an earlier one changed leaves no edit:
 * the line is as read there, and --explain has nothing to say of it. */
Test(normalise_rules, a_change_undone_is_no_edit)
{
	char *dir = rules_dir_with("[to-an]\nwhy = one\npattern = \\ban\\b\nreplace = än\n\n"
	                           "[back]\nwhy = two\npattern = knyter \\Kän\\b\nreplace = an\n");
	struct norm *n2 = rules_norm(dir);
	struct doc *d = run(n2, "strategin knyter an till\nmer an tidigare\n", NULL);
	cr_expect_str_eq(d->lines[0].text, "strategin knyter an till");
	cr_expect_eq(d->lines[0].nedits, 0);
	cr_expect_str_eq(d->lines[1].text, "mer än tidigare");
	cr_assert_eq(d->lines[1].nedits, 1);
	cr_expect_str_eq(d->lines[1].edits[0].rule, "to-an");
	doc_free(d);
	norm_free(n2);
	rules_dir_remove(dir);
}

Test(normalise_rules, failing_rule_test_is_counted)
{
	char *dir =
	    rules_dir_with("[x]\nwhy = w\nfind = a\nreplace = b\ntest = aa => bb\ntest = a => c\n");
	struct norm *n2 = rules_norm(dir);
	struct ex_error err;
	cr_expect_eq(norm_check_rules(n2, NULL, NULL, &err), 1);
	norm_free(n2);
	rules_dir_remove(dir);
}

/* A rule file must be UTF-8 (one saved as Latin-1 would never match "ä"):
 * the line that is not is named. */
Test(normalise_rules, rule_file_not_utf8_is_reported_at_its_line)
{
	char *dir = rules_dir_with("[x]\nwhy = w\nfind = n\xe4mnd\nreplace = b\n");
	struct norm *n2 = NULL;
	struct ex_error err;
	struct norm_options o = {.rules_dir = dir, .no_lexicon = 1};
	cr_assert_lt(norm_new(&o, &n2, &err), 0);
	cr_expect_eq(err.code, EX_RULE);
	cr_expect_eq(err.line, 3);
	cr_expect(strstr(err.msg, "UTF-8") != NULL, "%s", err.msg);
	rules_dir_remove(dir);
}

/* A rule's `needs` lines: a line with any one of their texts is asked, a
 * line with none is not (the pattern would match it); at most eight; \x20
 * is a space. */
/* Rules whose `needs` texts hold many distinct bytes make the automaton's
 * table outgrow 16-bit entries (128 texts of eight bytes of 70: 1025 states
 * of 72 entries): it is then built with 32-bit ones, and the rules are
 * still prefiltered, and still right. */
Test(normalise_rules, needs_automaton_past_sixteen_bits)
{
	static const char alpha[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                            "0123456789.,;:-+%&";
	struct sb r = SB_INIT;
	unsigned seed = 7;
	char first[9] = "";
	for (int i = 0; i < 16; i++) {
		sb_addf(&r, "[r%d]\nwhy = w\npattern = \\bq%d\\b\nreplace = Q%d\n", i, i, i);
		for (int k = 0; k < 8; k++) {
			char t[9];
			for (int j = 0; j < 8; j++) {
				seed = seed * 1103515245u + 12345u;
				t[j] = alpha[(seed >> 16) % (sizeof(alpha) - 1)];
			}
			t[8] = '\0';
			if (i == 0 && k == 0)
				memcpy(first, t, 9);
			sb_addf(&r, "needs = %s\n", t);
		}
	}
	char *dir = rules_dir_with(r.buf);
	sb_release(&r);
	struct norm *n2 = rules_norm(dir);
	cr_expect_null(norm_unfiltered(n2), "%s", norm_unfiltered(n2));
	char text[64];
	snprintf(text, sizeof(text), "x %s q0 y\nx q0 y\n", first);
	struct norm_stats st = {0};
	struct doc *d = run(n2, text, &st);
	cr_expect_eq(st.prefiltered, 1);
	cr_expect(strstr(d->lines[0].text, " Q0 ") != NULL, "%s", d->lines[0].text);
	cr_expect_str_eq(d->lines[1].text, "x q0 y");
	doc_free(d);
	norm_free(n2);
	rules_dir_remove(dir);
}

Test(normalise_rules, needs_any_of_its_texts)
{
	char *dir =
	    rules_dir_with("[x]\nwhy = w\npattern = x\nreplace = y\nneeds = a b\nneeds = cd\n"
	                   "test = x a b => y a b\ntest = x cd => y cd\ntest = x ab c => x ab c\n"
	                   "test = x => x\n");
	struct norm *n2 = rules_norm(dir);
	struct ex_error err;
	cr_expect_eq(norm_check_rules(n2, NULL, NULL, &err), 0);
	norm_free(n2);
	rules_dir_remove(dir);

	/* a space at a text's ends, which the format trims, written \x20: " r "
	 * asks "a r b", not "bar b" */
	dir = rules_dir_with("[x]\nwhy = w\npattern = r\nreplace = R\nneeds = \\x20r\\x20\n"
	                     "test = a r b => a R b\ntest = bar b => bar b\n");
	n2 = rules_norm(dir);
	cr_expect_eq(norm_check_rules(n2, NULL, NULL, &err), 0, "%s", err.msg);
	norm_free(n2);
	rules_dir_remove(dir);

	dir = rules_dir_with("[x]\nwhy = w\npattern = x\nreplace = y\nneeds = 1\nneeds = 2\n"
	                     "needs = 3\nneeds = 4\nneeds = 5\nneeds = 6\nneeds = 7\nneeds = 8\n"
	                     "needs = 9\n");
	struct norm_options o = {.rules_dir = dir, .no_lexicon = 1};
	n2 = NULL;
	cr_assert_lt(norm_new(&o, &n2, &err), 0);
	cr_expect_eq(err.code, EX_RULE);
	cr_expect_eq(err.line, 13);
	cr_expect(strstr(err.msg, "'needs'") != NULL, "%s", err.msg);
	rules_dir_remove(dir);
}

/* Make d as if recognised by OCR: its pages, and every non-blank line (a
 * word, confidence 90). */
static void as_ocr(struct doc *d)
{
	for (int p = 0; p < d->npages; p++)
		d->pages[p].source = DOC_PAGE_OCR;
	for (size_t i = 0; i < d->nlines; i++)
		if (d->lines[i].orig_len) {
			cr_assert_eq(doc_line_add_word(&d->lines[i], 0, 1, 0, 0, 10, 10, 90), 0);
			d->lines[i].conf = 90;
		}
}

/* Normalise text as one document recognised by OCR (see as_ocr). */
static struct doc *run_ocr(const char *text)
{
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(doc_from_text("t.txt", text, strlen(text), &d, &err), 0, "%s", err.msg);
	as_ocr(d);
	cr_assert_eq(norm_doc(nm, d, NULL, &err), 0, "%s", err.msg);
	return d;
}

/* The swe model reads a blurred full stop as a comma (heavy scans of seeds
 * 002 and 004): a paragraph that ends in a comma on a recognised page ends
 * with a full stop, unless the text goes on in lower case, the other items
 * of its list end with commas, or it is a short line alone. */
Test(normalise, comma_closing_a_paragraph_on_a_recognised_page)
{
	static const char text[] =
	    "I strategin anges att det finns flera skäl till att samverka:\n"
	    "\n"
	    "- Verksamhetsutveckling: Kommunen och akademierna kan dra nytta av\n"
	    "varandras kompetenser som gynnar verksamheten,\n"
	    "\n"
	    "- Personalförsörjning: Närheten till forskare och studenter bör underlätta\n"
	    "möjligheterna att rekrytera nya kompetenta medarbetare,\n"
	    "\n"
	    "- Attraktiv arbetsgivare: Medarbetares drivkraft är avgörande för\n"
	    "kompetensutvecklingen.\n"
	    "\n"
	    "- Sysselsättning och tillväxt: Samverkan är central ur ett\n"
	    "tillväxtperspektiv.\n"
	    "\n"
	    "Huvudmannen ska redovisa följande:\n"
	    "\n"
	    "- Genomförda insatser,\n"
	    "\n"
	    "- Vilka som berörts av insatsen,\n"
	    "\n"
	    "- Hur Huvudmannen tar ansvar för arbetet.\n"
	    "\n"
	    "Informationstillfällen ska genomföras med fokus på verksamheten snarare\n"
	    "än allmän EU-information,\n"
	    "\n"
	    "och det gäller även nämnderna och deras verksamhet i stort,\n"
	    "\n"
	    "Med vänlig hälsning,\n"
	    "\n"
	    "Anna Andersson\n";
	struct doc *d = run_ocr(text);
	char *s = joined(d);
	cr_expect(strstr(s, "gynnar verksamheten.\n") != NULL, "%s", s);
	cr_expect(strstr(s, "kompetenta medarbetare.\n") != NULL, "%s", s);
	cr_expect(strstr(s, "- Genomförda insatser,\n") != NULL, "%s", s);
	cr_expect(strstr(s, "- Vilka som berörts av insatsen,\n") != NULL, "%s", s);
	cr_expect(strstr(s, "än allmän EU-information,\n") != NULL, "goes on in lower case: %s", s);
	cr_expect(strstr(s, "verksamhet i stort.\n") != NULL, "%s", s);
	cr_expect(strstr(s, "Med vänlig hälsning,\n") != NULL, "%s", s);
	/* each change explained */
	const struct doc_line *l = &d->lines[3];
	cr_assert_eq(l->nedits, 1, "%zu edits on '%s'", l->nedits, l->text);
	cr_expect_str_eq(l->edits[0].rule, "paragraph-end-point");
	free(s);
	doc_free(d);
	/* the same text as a text file: its commas are the print's */
	s = norm_text(text);
	cr_expect(strstr(s, "gynnar verksamheten,\n") != NULL, "%s", s);
	free(s);
}

/* Seed 000's engine read ä as i, a confusion the table holds unlikely: once
 * word repair has used it in three words of the document ("kirna", "giller",
 * "samhille", "dir"), a known word the prior never saw is read through it
 * when that gives a word the prior has seen ("ritt" -> "rätt", "lirare" ->
 * "lärare").  Without that evidence the same words stay. */
Test(normalise, the_documents_own_confusion)
{
	char *s = forced("Stiftelsen ar verksamhetens kirna och det giller alla i ett\n"
	                 "samhille dir barn har ritt till utbildning och en lirare.\n");
	cr_expect(strstr(s, "har rätt till") != NULL, "%s", s);
	cr_expect(strstr(s, "en lärare.") != NULL, "%s", s);
	free(s);
	s = forced("Stiftelsen ar verksamhetens hjarta och det galler alla barn som\n"
	           "har ritt till utbildning och en lirare.\n");
	cr_expect(strstr(s, "har ritt till") != NULL, "%s", s);
	cr_expect(strstr(s, "en lirare.") != NULL, "%s", s);
	free(s);
}

/* A name hunspell builds as a compound ("Kvarnbacken": kvarn + backen) is
 * spelt as the same document spells it with å/ä/ö elsewhere, where word
 * repair mended a mark the engine printed ("Kvarnbicken"); without such a
 * spelling in the document it stays as read. */
Test(normalise, a_name_spelt_as_the_document_spells_it_elsewhere)
{
	expect_text(1,
	            "Dagvattnet leds till Kvarnbicken norr om omradet.\n"
	            "Planen omfattar Kvarnbacken och skolan.\n",
	            "till Kvarnbäcken norr", "omfattar Kvarnbäcken och", NULL);
	expect_text(1,
	            "Dagvattnet leds till diket norr om omradet.\n"
	            "Planen omfattar Kvarnbacken och skolan.\n",
	            "omfattar Kvarnbacken och", NULL);
}

/* A word the rules gave some of its å/ä/ö but not all ("Sj6angsbacken":
 * the engine printed a mark for the ö and none for the a's) is spelt as the
 * document spells it with all of them ("Sjöängsbäcken", where a sentence
 * about water says it is the stream), when the document uses that spelling
 * as often or more; a guess a context rule made once does not outvote a
 * spelling the document has three times. */
Test(normalise, a_word_with_some_of_its_marks_spelt_as_the_document_spells_it)
{
	const char *in = "Dagvattnet leds till Sjéangsbacken och Sjéangsbacken rinner vidare.\n"
	                 "Omradet vid Sj6angsbacken planeras.\n";
	struct doc *d = forced_doc(in);
	char *s = joined(d);
	cr_expect(strstr(s, "vid Sjöängsbäcken planeras") != NULL, "%s", s);
	const struct doc_line *l = &d->lines[1];
	int spelt = 0;
	for (size_t k = 0; k < l->nedits; k++)
		spelt |= !strcmp(l->edits[k].rule, "document-spelling");
	cr_expect(spelt, "the change is document-spelling's: %s", s);
	free(s);
	doc_free(d);
	/* "utmed Ängsbäcken" is pair-back's guess; the name is read three times
	 * as "Ängsbacken" */
	expect_text(1,
	            "Angsbacken ligger norr om skolan.\n"
	            "Vagen till Angsbacken och stigen over Angsbacken.\n"
	            "Dagvattnet leds i ett dike utmed Angsbacken.\n",
	            "Ängsbacken ligger", "till Ängsbacken och", "över Ängsbacken.", NULL);
}

/* Words joined by a dash are words of their own ("Mölndal–Härryda", a route
 * between two places), and a word repair leaves in such a chunk is the
 * document's own word where the document has it ("Lillbäcken"). */
Test(normalise, words_joined_by_a_dash_are_repaired_each)
{
	expect_text(1,
	            "Linjen Mélndal—Harryda och Tallasen–Lillbacken.\n"
	            "Skolan i Lillbaécken har 60 platser.\n",
	            "Mölndal–Härryda", "Tallåsen–Lillbäcken", NULL);
	/* a word in capitals stays in capitals when the document's word is
	 * put in ("SJ6ANGSBACKEN": a heading) */
	expect_text(1,
	            "SJ6ANGSBACKEN\n"
	            "Vattnet i Sjoangsbicken rinner till sjon.\n",
	            "SJÖÄNGSBÄCKEN\n", NULL);
}

/* A numbered item's point read as a comma is put back where the item
 * before it ("3.") or after it ("5.") is near on the page, and the line
 * above does not run on into it. */
Test(normalise, list_number_read_with_a_comma)
{
	expect_text(0,
	            "Förvaltningen föreslår nämnden besluta\n"
	            "3. att godkänna planen,\n"
	            "4, att analysen ska rapporteras till länsstyrelsen,\n"
	            "5. att uppdra åt förvaltningen att följa upp.\n",
	            "\n4. att analysen", NULL);
	/* a number that goes on from the line above keeps its comma, and so
	 * does one with no item next to it */
	expect_text(0,
	            "Nämnden antar reglerna enligt bilaga\n"
	            "1, att gälla från och med den 1 juli 2025.\n"
	            "2. att uppdra åt förvaltningen att följa upp.\n",
	            "\n1, att gälla", NULL);
	expect_text(0, "Så blev det.\n4, att analysen ska göras.\n", "\n4, att analysen", NULL);
}

/* Numbered headings count up; on a recognised page one that breaks the count
 * with a look-alike of the number expected had its digit misread. */
Test(normalise, heading_number_misread_on_a_recognised_page)
{
	static const char text[] = "7 Slutredovisning\n"
	                           "Huvudmannen ska redovisa insatserna.\n"
	                           "8 Brister och återkrav\n"
	                           "Skolverket kan avbryta samverkan.\n"
	                           "3 Utvärdering\n"
	                           "Huvudmannen ska bidra till utvärderingen.\n";
	struct doc *d = run_ocr(text);
	cr_expect_str_eq(d->lines[4].text, "9 Utvärdering");
	cr_assert_eq(d->lines[4].nedits, 1);
	cr_expect_str_eq(d->lines[4].edits[0].rule, "heading-number");
	cr_expect_str_eq(d->lines[0].text, "7 Slutredovisning");
	doc_free(d);
	/* the next heading goes on from the number read: a new count, kept */
	static const char again[] = "8 Brister och återkrav\n"
	                            "Skolverket kan avbryta samverkan.\n"
	                            "3 Utvärdering\n"
	                            "Text.\n"
	                            "4 Övrigt\n";
	d = run_ocr(again);
	cr_expect_str_eq(d->lines[2].text, "3 Utvärdering");
	doc_free(d);
	/* a text file prints its own numbers */
	char *s = norm_text(text);
	cr_expect(strstr(s, "\n3 Utvärdering\n") != NULL, "%s", s);
	free(s);
}

/* "|" or "{" opening a list item: "i" in a list whose items go on the
 * sentence above, "I" in one whose items are sentences of their own. */
Test(normalise, bar_opening_a_list_item_takes_the_lists_case)
{
	char *s = forced("Skolverket ska under samverkansperioden:\n"
	                 "- ge stod och vagledning i uppfoljningen,\n"
	                 "- { samverkan med rektorerna planera uppfoljningsmoten,\n"
	                 "- erbjuda motesplatser for larande.\n"
	                 "Forvaltningen arbetar sa har:\n"
	                 "- Stockholms stads program ska implementeras.\n"
	                 "- | samarbete med kommunstyrelsen planeras en ovning.\n");
	cr_expect(strstr(s, "- i samverkan med") != NULL, "%s", s);
	cr_expect(strstr(s, "- I samarbete med") != NULL, "%s", s);
	free(s);
}

/* The table has é for ö (95%); a document whose own repairs read ä as é in
 * ten or more words gets é reweighed from them, and the words repaired
 * through it are repaired again ("rétt": "rött" by the table, "rätt" by this
 * document).  With fewer such words the table decides. */
Test(normalise, the_documents_own_channel)
{
	char *s = forced("Det ar tillgénglig och samhéllsnytta med mervérde, godként och\n"
	                 "sérskilt for lérare i vérlden, ménniskor som véxer, véljer och\n"
	                 "kénner barns rétt till utbildning.\n");
	cr_expect(strstr(s, "barns rätt till") != NULL, "%s", s);
	cr_expect(strstr(s, "tillgänglig och samhällsnytta") != NULL, "%s", s);
	free(s);
	/* a word read again in its context, here the line above's "att" */
	s = forced("Det ar tillgénglig och samhéllsnytta med mervérde, godként och\n"
	           "sérskilt for lérare i vérlden, ménniskor som véxer, véljer och\n"
	           "kénner barns rétt till utbildning, men det ar svart att férsta\n"
	           "dem och den férsta av dem.\n");
	cr_expect(strstr(s, "svårt att förstå\ndem och den första av") != NULL, "%s", s);
	free(s);
	s = forced("Det ar tillgénglig och samhéllsnytta med mervérde, godként och\n"
	           "barns rétt till utbildning.\n");
	cr_expect(strstr(s, "barns rött till") != NULL, "%s", s);
	free(s);
}

/* A word that has its å/ä/ö and is a compound of ours or a name of
 * place-name elements as read is left: "Sandviksvägen" ("Sandviks" and
 * "vägen") had become "Sandviksvågen", one ö/ä/å traded for another.  A
 * name's reading by document-places keeps its capital first and only there:
 * "Gékasen" had become "öökösen" (a capital G read for a small ö); it is
 * "Gökåsen" ("gök" an element since stop 25). */
Test(normalise, known_word_with_its_diacritics_kept)
{
	expect_text(1,
	            "Omradet ligger mellan Sandviksvagen och Vanerns strand.\n"
	            "Infarten fran Sandviksvägen ar kommunal.\n"
	            "Forbundet har anvant ovningsfaltet vid Gékasen sedan 2019.\n",
	            "mellan Sandviksvägen och Vänerns", "från Sandviksvägen är", "vid Gökåsen",
	            NULL);
}

/* "|" read for the "I" that opens a sentence, the wrap having put it last
 * on its line: an I when the sentence goes on in lower case on the next
 * line; a table's column rule before a capital stays. */
Test(normalise, bar_for_capital_i_at_line_end)
{
	expect_text(1,
	            "Hyran ar i dag 6 840 kronor per manad. |\n"
	            "trygghetsboende kommer hyran att sattas enligt bruksvardet.\n"
	            "Summa 12. |\n"
	            "Summa 14. |\n",
	            "per månad. I\ntrygghetsboende kommer", "Summa 12. |\nSumma 14. |", NULL);
}
