/* test_fields.c - the field extractor on the seeds and on header layouts no
 * seed shows.  Expected values are read off the documents. */
#include <criterion/criterion.h>
#include <string.h>

#include "fields.h"
#include "ocr_testutil.h"
#include "testutil.h"

static struct fields *fs;

static void setup(void)
{
	struct fields_options o = {.rules_dir = tu_rules()};
	struct ex_error err;
	cr_assert_eq(fields_new(&o, &fs, &err), 0, "%s", err.msg);
}

static void teardown(void)
{
	fields_free(fs);
}

TestSuite(fields, .init = setup, .fini = teardown);

static struct record *extract_text(const char *text, struct ex_error *err)
{
	struct doc *d = NULL;
	cr_assert_eq(doc_from_text("t.txt", text, strlen(text), &d, err), 0, "%s", err->msg);
	struct record *r = NULL;
	fields_extract(fs, d, &r, NULL, err);
	doc_free(d);
	return r;
}

static struct record *extract_seed(const char *num)
{
	char *path = tu_seed(num);
	cr_assert_not_null(path, "seed %s", num);
	size_t n;
	char *text = tu_read(path, &n);
	struct ex_error err;
	struct record *r = extract_text(text, &err);
	cr_assert_not_null(r, "seed %s: %s", num, err.msg);
	free(text);
	free(path);
	return r;
}

static const char *value(const struct record *r, enum rec_field f)
{
	const struct rec_value *v = record_find(r, f);
	return v ? v->value : "(none)";
}

/* The k-th (0-based) value of field f, or NULL. */
static const struct rec_value *nth(const struct record *r, enum rec_field f, int k)
{
	for (size_t i = 0; i < record_count(r); i++) {
		const struct rec_value *v = record_get(r, i);
		if (v->field == f && k-- == 0)
			return v;
	}
	return NULL;
}

static int count(const struct record *r, enum rec_field f)
{
	int n = 0;
	for (size_t i = 0; i < record_count(r); i++)
		n += record_get(r, i)->field == f;
	return n;
}

Test(fields, seed_004_header_and_provenance)
{
	struct record *r = extract_seed("004");
	cr_assert_str_eq(value(r, RF_DOCUMENT_TYPE), "Tjänsteutlåtande");
	cr_assert_str_eq(value(r, RF_CASE_NUMBER), "KS-2021/1682.103");
	cr_assert_str_eq(value(r, RF_DATE), "2021-08-11");
	cr_assert_str_eq(value(r, RF_OFFICER_NAME), "Björn Rosborg");
	cr_assert_str_eq(value(r, RF_OFFICER_PHONE), "08-535 302 09");
	cr_assert_str_eq(value(r, RF_OFFICER_EMAIL), "Bjorn.Rosborg@huddinge.se");
	cr_assert_str_eq(value(r, RF_ADDRESSEE), "Kommunstyrelsen");
	cr_assert_str_eq(value(r, RF_ORGANISATION), "Huddinge kommun");
	cr_assert_str_eq(value(r, RF_DEPARTMENT), "Kommunstyrelsens förvaltning");
	cr_assert_str_eq(value(r, RF_TITLE), "Förslag till avtal om strategiskt partnerskap mellan "
	                                     "Södertörns högskola och Huddinge kommun");
	/* provenance: the file's own line numbers */
	const struct rec_value *cn = record_find(r, RF_CASE_NUMBER);
	cr_assert_eq(cn->page, 1);
	cr_assert_eq(cn->line, 9);
	cr_assert_eq(record_find(r, RF_DATE)->line, 6);
	cr_assert_eq(cn->conf, -1, "text input has no OCR confidence");
	record_free(r);
}

Test(fields, seed_004_decisions_sections_signatories_lists)
{
	struct record *r = extract_seed("004");
	cr_assert_eq(count(r, RF_DECISION), 1);
	cr_assert(strstr(value(r, RF_DECISION), "godkänns."));
	/* the lead-in line is not a decision nor a section */
	for (int k = 0; nth(r, RF_SECTION, k); k++)
		cr_assert_str_neq(nth(r, RF_SECTION, k)->qual,
		                  "Kommunstyrelsens förslag till kommunfullmäktige");
	cr_assert_str_eq(nth(r, RF_SECTION, 0)->qual, "Bakgrund");
	cr_assert_str_eq(nth(r, RF_SECTION, 0)->value, "", "a heading right above another");
	cr_assert_str_eq(nth(r, RF_SECTION, 1)->qual, "Inledning");
	/* page furniture: the repeated date/diarienummer block is in no section */
	for (int k = 0; nth(r, RF_SECTION, k); k++)
		cr_assert_null(strstr(nth(r, RF_SECTION, k)->value, "KS-2021/1682.103"));
	cr_assert_null(strstr(value(r, RF_SUMMARY), "Postadress"), "the footer is furniture");
	/* emphasis markers of the text export are dropped */
	cr_assert(strstr(nth(r, RF_SECTION, 1)->value, "(bilaga 2)"));
	cr_assert_eq(count(r, RF_SIGNATORY_NAME), 2);
	cr_assert_str_eq(nth(r, RF_SIGNATORY_NAME, 0)->value, "Camilla Broo");
	cr_assert_str_eq(nth(r, RF_SIGNATORY_ROLE, 1)->value, "Biträdande kommundirektör");
	cr_assert_eq(count(r, RF_ATTACHMENT), 2);
	cr_assert_str_eq(nth(r, RF_ATTACHMENT, 1)->value, "Strategi för samverkan med akademierna");
	cr_assert_str_eq(nth(r, RF_ATTACHMENT, 1)->qual, "2");
	cr_assert_eq(count(r, RF_RECIPIENT), 2);
	cr_assert_str_eq(nth(r, RF_RECIPIENT, 1)->value, "Samtliga nämnder och bolag");
	record_free(r);
}

Test(fields, seed_003_tjansteskrivelse)
{
	struct record *r = extract_seed("003");
	cr_assert_str_eq(value(r, RF_DOCUMENT_TYPE), "Tjänsteskrivelse");
	cr_assert_str_eq(value(r, RF_ORGANISATION), "Tyresö kommun");
	cr_assert_str_eq(value(r, RF_DEPARTMENT), "Utvecklingsförvaltningen");
	cr_assert_str_eq(value(r, RF_CASE_NUMBER), "2008 GAN 009");
	cr_assert_str_eq(value(r, RF_DATE), "2008-03-10");
	cr_assert_str_eq(value(r, RF_OFFICER_NAME), "Britt-Marie Lundberg Björk");
	/* "Tel 08 – 5782 91 28": dash normalised, printed text kept as @raw */
	cr_assert_str_eq(value(r, RF_OFFICER_PHONE), "08-5782 91 28");
	cr_assert_str_eq(record_find(r, RF_OFFICER_PHONE)->raw, "08 – 5782 91 28");
	cr_assert_eq(count(r, RF_DECISION), 1);
	cr_assert_str_eq(nth(r, RF_SIGNATORY_ROLE, 0)->value, "Förvaltningschef");
	/* empty signature fields ("Datum _____") are not text */
	for (int k = 0; nth(r, RF_SECTION, k); k++)
		cr_assert_null(strstr(nth(r, RF_SECTION, k)->value, "_____"));
	record_free(r);
}

Test(fields, seed_001_agreement_parties_and_signature_area)
{
	struct record *r = extract_seed("001");
	cr_assert_str_eq(value(r, RF_DOCUMENT_TYPE), "Överenskommelse");
	cr_assert_str_eq(value(r, RF_CASE_NUMBER), "7.4.2-2019:830");
	cr_assert_str_eq(record_find(r, RF_CASE_NUMBER)->raw, "Dnr: 7.4.2- 2019:830");
	cr_assert_eq(count(r, RF_PARTY_NAME), 2);
	cr_assert_str_eq(nth(r, RF_PARTY_NAME, 1)->value, "Stockholms kommun");
	cr_assert_str_eq(nth(r, RF_PARTY_ORGNR, 0)->value, "202100-4185");
	cr_assert_str_eq(nth(r, RF_PARTY_ORGNR, 1)->value, "212000-0142");
	cr_assert_str_eq(nth(r, RF_PARTY_ADDRESS, 0)->value, "Box 4002, 171 04 Solna");
	/* "1 Parter" is read for the parties, not kept as a section; numbered
	 * headings keep their numbers */
	cr_assert_str_eq(nth(r, RF_SECTION, 0)->qual, "2 Bakgrund till Överenskommelsen");
	/* dated by the latest complete signature date */
	cr_assert_str_eq(value(r, RF_DATE), "2020-06-23");
	int found = 0;
	for (int k = 0; nth(r, RF_SECTION, k); k++)
		found |= !strcmp(nth(r, RF_SECTION, k)->qual, "5.1.2 Ansvar för insatsen");
	cr_assert(found);
	/* an all-caps name in the signature area is written normally */
	found = 0;
	for (int k = 0; nth(r, RF_SIGNATORY_NAME, k); k++)
		found |= !strcmp(nth(r, RF_SIGNATORY_NAME, k)->value, "Ilana Hart");
	cr_assert(found);
	/* "Överenskommelsen har granskats av enhetschef" over "Ulrika Lundqvist" */
	int last = count(r, RF_SIGNATORY_NAME) - 1;
	cr_assert_str_eq(nth(r, RF_SIGNATORY_NAME, last)->value, "Ulrika Lundqvist");
	cr_assert_str_eq(nth(r, RF_SIGNATORY_ROLE, count(r, RF_SIGNATORY_ROLE) - 1)->value,
	                 "Enhetschef");
	/* a lead-in over a list that goes on in lower case is not a heading */
	for (int k = 0; nth(r, RF_SECTION, k); k++)
		cr_assert_str_neq(nth(r, RF_SECTION, k)->qual, "Huvudmannen ansvarar för att");
	cr_assert_str_eq(nth(r, RF_REFERENCE, 0)->value, "U2019/03786/S");
	cr_assert_eq(count(r, RF_ORGANISATION), 0, "an agreement's organisations are its parties");
	record_free(r);
}

Test(fields, seed_000_legacy_text_structure)
{
	/* seed 000 as read (not normalised): structure does not depend on å/ä/ö */
	struct record *r = extract_seed("000");
	cr_assert_str_eq(value(r, RF_CASE_NUMBER), "1.7.1-8995/2021");
	cr_assert_str_eq(value(r, RF_DATE), "2022-05-18");
	cr_assert_str_eq(value(r, RF_OFFICER_EMAIL), "linda.folke@edu.stockholm.se");
	/* "2,4 mnkr", "1,2 mnkr per ldsdr" (läsår, lost), "2,4 mnkr" */
	cr_assert_geq(count(r, RF_AMOUNT), 3);
	cr_assert_str_eq(nth(r, RF_AMOUNT, 0)->qual, "2400000");
	/* "dnr 1.7.1-\n7439/2020" over a line end */
	cr_assert_str_eq(value(r, RF_REFERENCE), "1.7.1-7439/2020");
	/* a heading broken over two lines */
	int found = 0;
	for (int k = 0; nth(r, RF_SECTION, k); k++)
		found |= !strncmp(nth(r, RF_SECTION, k)->qual, "Konsekvenser for barn", 21) &&
		         strstr(nth(r, RF_SECTION, k)->qual, "jamstalldhet") != NULL;
	cr_assert(found);
	record_free(r);
}

Test(fields, header_in_another_order_and_other_labels)
{
	const char *text = "Vår beteckning: BUN 2023/77\n"
	                   "\n"
	                   "Handläggare: Anna Berg\n"
	                   "\n"
	                   "Datum\n"
	                   "\n"
	                   "3 februari 2023\n"
	                   "\n"
	                   "Till: Barn- och utbildningsnämnden\n"
	                   "\n"
	                   "Skolskjuts för gymnasieelever\n"
	                   "\n"
	                   "Förslag till beslut\n"
	                   "\n"
	                   "1. Nämnden godkänner riktlinjerna.\n"
	                   "2. Beslutet justeras omedelbart.\n";
	struct ex_error err;
	struct record *r = extract_text(text, &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_str_eq(value(r, RF_CASE_NUMBER), "BUN 2023/77");
	cr_assert_str_eq(value(r, RF_OFFICER_NAME), "Anna Berg");
	cr_assert_str_eq(value(r, RF_DATE), "2023-02-03");
	cr_assert_str_eq(value(r, RF_TITLE), "Skolskjuts för gymnasieelever");
	cr_assert_eq(count(r, RF_DECISION), 2);
	cr_assert_str_eq(nth(r, RF_DECISION, 1)->value, "Beslutet justeras omedelbart.");
	cr_assert_str_eq(nth(r, RF_DECISION, 1)->qual, "2");
	record_free(r);
}

Test(fields, letterhead_and_page_numbers_repeated_on_every_page)
{
	const char *text = "Sida 1 (2)\n"
	                   "Datum 2021-08-11\n"
	                   "Dnr KS-2021/5\n"
	                   "\n"
	                   "Bygglov för skola\n"
	                   "\n"
	                   "Förslag till beslut\n"
	                   "\n"
	                   "Nämnden beviljar bygglov.\n"
	                   "\n"
	                   "Bakgrund\n"
	                   "\n"
	                   "Skolan behöver fler\n"
	                   "\f"
	                   "Sida 2 (2)\n"
	                   "Datum 2021-08-11\n"
	                   "Dnr KS-2021/5\n"
	                   "\n"
	                   "klassrum inför hösten.\n";
	struct ex_error err;
	struct record *r = extract_text(text, &err);
	cr_assert_not_null(r, "%s", err.msg);
	const struct rec_value *s = nth(r, RF_SECTION, 0);
	cr_assert_not_null(s);
	cr_assert_str_eq(s->qual, "Bakgrund");
	/* the header repeated on page 2 is furniture; the paragraph runs on */
	cr_assert_str_eq(s->value, "Skolan behöver fler klassrum inför hösten.");
	record_free(r);
}

Test(fields, missing_required_field_fails_naming_it)
{
	const char *text = "TJÄNSTESKRIVELSE\n\nDatum 2021-08-11\n\nTitel utan dnr\n\n"
	                   "Förslag till beslut\n\nNämnden beslutar.\n";
	struct ex_error err;
	struct record *r = extract_text(text, &err);
	cr_assert_null(r);
	cr_assert_eq(err.code, EX_FIELD);
	cr_assert_not_null(strstr(err.msg, "'case-number'"), "%s", err.msg);
	cr_assert_not_null(strstr(err.msg, "Tjänsteskrivelse"), "%s", err.msg);
}

Test(fields, debug_explains_rules_and_misses)
{
	char *path = tu_seed("004");
	size_t n;
	char *text = tu_read(path, &n);
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(doc_from_text("t", text, n, &d, &err), 0);
	struct record *r = NULL;
	struct sb dbg = SB_INIT;
	cr_assert_eq(fields_extract(fs, d, &r, &dbg, &err), 0);
	cr_assert_not_null(strstr(dbg.buf, "case-number: rule 'case-number-label'"), "%s", dbg.buf);
	cr_assert_not_null(strstr(dbg.buf, "meeting-date: not found"));
	cr_assert_not_null(strstr(dbg.buf, "== text the rules saw"));
	sb_release(&dbg);
	record_free(r);
	doc_free(d);
	free(text);
	free(path);
}

Test(fields, amounts_in_kronor)
{
	const char *text = "Avsiktsförklaring om samarbete\n\n1 Bakgrund\n\n"
	                   "Kostnaden är 500 000 kronor, därtill 1,5 miljoner kronor per år och "
	                   "300 tkr i bidrag.\n";
	struct ex_error err;
	struct record *r = extract_text(text, &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_eq(count(r, RF_AMOUNT), 3);
	cr_assert_str_eq(nth(r, RF_AMOUNT, 0)->qual, "500000");
	cr_assert_str_eq(nth(r, RF_AMOUNT, 1)->value, "1,5 miljoner kronor per år");
	cr_assert_str_eq(nth(r, RF_AMOUNT, 1)->qual, "1500000");
	cr_assert_str_eq(nth(r, RF_AMOUNT, 2)->qual, "300000");
	record_free(r);
}

Test(fields, broken_field_rule_is_reported_at_its_line)
{
	char *dir = tu_tmpdir();
	cr_assert_eq(
	    tu_sh("cp -r %s %s/rules && printf '[x]\\nwhy = y\\npattern = (?<nofield>a)\\n' "
	          ">> %s/rules/fields/header.rules",
	          tu_rules(), dir, dir),
	    0);
	char rules[600];
	snprintf(rules, sizeof(rules), "%s/rules", dir);
	struct fields_options o = {.rules_dir = rules};
	struct fields *f2 = NULL;
	struct ex_error err;
	cr_assert_lt(fields_new(&o, &f2, &err), 0);
	cr_assert_eq(err.code, EX_RULE);
	cr_assert_not_null(strstr(err.file, "header.rules"));
	cr_assert_not_null(strstr(err.msg, "'nofield' names no field"), "%s", err.msg);
	cr_assert_gt(err.line, 0);
	tu_sh("rm -rf %s", dir);
	free(dir);
}

/* Seed 004 with "Sammanfattning" read as on seed004-scan-heavy, with a stray
 * mark beside it ("Sammanfattning es"), the mark's OCR confidence given. */
static struct record *summary_with_mark(float conf, char **summary)
{
	char *path = tu_seed("004");
	size_t n;
	char *text = tu_read(path, &n);
	char *at = strstr(text, "\nSammanfattning\n");
	cr_assert_not_null(at);
	struct sb b = SB_INIT;
	sb_add(&b, text, (size_t)(at - text) + 15);
	sb_adds(&b, " es");
	sb_adds(&b, at + 15);
	struct doc *d = NULL;
	struct ex_error err;
	cr_assert_eq(doc_from_text("t.txt", b.buf, b.len, &d, &err), 0, "%s", err.msg);
	struct doc_line *l = NULL;
	for (size_t i = 0; i < d->nlines && !l; i++)
		if (!strcmp(d->lines[i].text, "Sammanfattning es"))
			l = &d->lines[i];
	cr_assert_not_null(l);
	cr_assert_eq(doc_line_add_word(l, 0, 14, 298, 1727, 626, 1810, 96.6f), 0);
	cr_assert_eq(doc_line_add_word(l, 15, 2, 634, 1750, 670, 1799, conf), 0);
	struct record *r = NULL;
	cr_assert_eq(fields_extract(fs, d, &r, NULL, &err), 0, "%s", err.msg);
	const struct rec_value *v = record_find(r, RF_SUMMARY);
	*summary = v ? strdup(v->value) : NULL;
	doc_free(d);
	sb_release(&b);
	free(text);
	free(path);
	return r;
}

Test(fields, heading_beside_a_stray_mark_read_with_low_confidence)
{
	struct record *plain = extract_seed("004");
	char *s = NULL;
	struct record *r = summary_with_mark(7.2f, &s);
	cr_assert_not_null(s, "the summary was not found beside a mark read at 7%%");
	cr_assert_str_eq(s, value(plain, RF_SUMMARY));
	free(s);
	record_free(r);
	/* read with confidence, "es" is text: the line is no summary heading */
	r = summary_with_mark(90, &s);
	cr_assert_null(s, "a word read at 90%% was taken for a stray mark");
	record_free(r);
	record_free(plain);
}

/* A recognised line: its words laid out from x = 300 on, each box from `top`
 * (where the word's letters begin, blur included) down to the baseline. */
static void scan_line(struct doc *d, const char *text, int top, int base)
{
	char buf[512];
	snprintf(buf, sizeof(buf), "%s", text);
	const char *w[16];
	int b[16][4];
	float c[16];
	size_t n = 0;
	int x = 300;
	char *save = NULL;
	for (char *t = strtok_r(buf, " ", &save); t && n < 15; t = strtok_r(NULL, " ", &save)) {
		int wl = (int)strlen(t) * 18;
		w[n] = t;
		b[n][0] = x, b[n][1] = top, b[n][2] = x + wl, b[n][3] = base;
		c[n++] = 95;
		x += wl + 16;
	}
	cr_assert_not_null(ot_line(d, w, (const int(*)[4])b, c, n));
}

/* seed002-scan-heavy, page 1: the engine wrote no blank line before the
 * heading "Samverkan för en hållbar stadsutveckling", blur swelled its
 * words upwards, so their tops stand only 1.45 lines below the line above;
 * its baseline stands two lines below (111 pixels at 55 a line): a
 * paragraph ends there and the heading is found. */
Test(fields, a_heading_a_blank_line_below_by_its_baseline_on_a_blurred_scan)
{
	struct doc *d = doc_new(DOC_IMAGE, "scan.tif");
	doc_add_page(d, DOC_PAGE_OCR);
	scan_line(d, "Inledning", 900, 945);
	scan_line(d, "I samråd med kommunstyrelsen planeras för en krisledningsövning", 1015, 1055);
	scan_line(d, "och en fortsatt utveckling av skolornas krisledningsarbete med", 1070, 1110);
	scan_line(d, "förebyggande insatser mot att barn och unga i riskmiljöer", 1125, 1165);
	scan_line(d, "rekryteras till kriminalitet och andra brott i staden", 1180, 1220);
	scan_line(d, "Samverkan för en hållbar stadsutveckling", 1260, 1331);
	scan_line(d, "Arbetet inom Samordnad skolplanering fortsätter och utvecklas", 1402, 1442);
	scan_line(d, "för att kunna bistå stadsdelsnämnderna i deras planering", 1457, 1497);
	struct record *r = NULL;
	struct ex_error err;
	cr_assert_eq(fields_extract(fs, d, &r, NULL, &err), 0, "%s", err.msg);
	int found = 0;
	for (size_t i = 0; i < record_count(r); i++) {
		const struct rec_value *v = record_get(r, i);
		if (v->field == RF_SECTION && v->qual &&
		    !strcmp(v->qual, "Samverkan för en hållbar stadsutveckling")) {
			found = 1;
			cr_expect(!strncmp(v->value, "Arbetet inom Samordnad", 22), "%s", v->value);
		}
		if (v->field == RF_SECTION)
			cr_expect_null(strstr(v->value, "Samverkan för en hållbar"),
			               "the heading was glued to the text above: %s", v->value);
	}
	cr_expect(found, "no section under the heading");
	record_free(r);
	doc_free(d);
}

/* Marks a degraded scan glues to names and titles (seed001-scan-heavy's
 * signature page): the lines are still signatures, the values without them. */
Test(fields, signatures_with_marks_glued_to_names_and_titles)
{
	struct ex_error err;
	struct record *r =
	    extract_text("Bakgrund\n\nNämnden godkänner avtalet om samverkan mellan parterna.\n\n"
	                 "\"Annika Holmgren\nUndervisningsråd\n\nKjell Hedwall:\n"
	                 "\"Avdelningschef\n",
	                 &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_eq(count(r, RF_SIGNATORY_NAME), 2);
	cr_assert_eq(count(r, RF_SIGNATORY_ROLE), 2);
	cr_expect_str_eq(nth(r, RF_SIGNATORY_NAME, 0)->value, "Annika Holmgren");
	cr_expect_str_eq(nth(r, RF_SIGNATORY_ROLE, 0)->value, "Undervisningsråd");
	cr_expect_str_eq(nth(r, RF_SIGNATORY_NAME, 1)->value, "Kjell Hedwall");
	cr_expect_str_eq(nth(r, RF_SIGNATORY_ROLE, 1)->value, "Avdelningschef");
	record_free(r);
}

/* A speck read as '"' glued to a heading (seed002-scan-heavy): a quote that
 * never closes does not stop the line being a heading, and is left out of
 * it; a quotation standing alone stays text. */
Test(fields, heading_with_a_quote_that_never_closes)
{
	struct ex_error err;
	struct record *r = extract_text(
	    "Bakgrund\n\nNämnden godkänner avtalet om samverkan mellan parterna.\n\n"
	    "\"Samverkan i arbetet med mänskliga rättigheter\n\n"
	    "I samarbete med stadsledningskontoret implementeras programmen.\n\n"
	    "\"God ekonomi och effektiv verksamhet\"\n\nDetta är målet för alla nämnder.\n",
	    &err);
	cr_assert_not_null(r, "%s", err.msg);
	cr_assert_eq(count(r, RF_SECTION), 2);
	const struct rec_value *s = nth(r, RF_SECTION, 1);
	cr_expect_str_eq(s->qual, "Samverkan i arbetet med mänskliga rättigheter");
	cr_expect_str_eq(s->value,
	                 "I samarbete med stadsledningskontoret implementeras programmen.\n"
	                 "\"God ekonomi och effektiv verksamhet\"\n"
	                 "Detta är målet för alla nämnder.");
	record_free(r);
}

/* Seed num's text (caller frees) with the blank line between a line ending
 * in `before` (its newline included) and one starting with `after` taken out,
 * as plain text and old OCR layers lose it. */
static char *seed_without_blank_line(const char *num, const char *before, const char *after)
{
	char *path = tu_seed(num);
	cr_assert_not_null(path, "seed %s", num);
	size_t n;
	char *text = tu_read(path, &n);
	free(path);
	cr_assert_not_null(text);
	size_t bl = strlen(before);
	char *at = strstr(text, before);
	while (at && (at[bl] != '\n' || strncmp(at + bl + 1, after, strlen(after))))
		at = strstr(at + 1, before);
	cr_assert_not_null(at, "seed %s: no blank line between '%s' and '%s'", num, before, after);
	memmove(at + bl, at + bl + 1, strlen(at + bl + 1) + 1);
	return text;
}

/* Plain text and old OCR layers lose blank lines: who is to sign ("Botkyrka
 * kommun") glued under the last paragraph, then "Datum _____" fields.  The
 * party's line goes with the signature area, not into the section. */
Test(fields, signing_party_glued_to_the_text_above)
{
	char *text = seed_without_blank_line("003", "avsiktsförklaring:\n", "Botkyrka kommun\n");
	struct ex_error err;
	struct record *r = extract_text(text, &err);
	cr_assert_not_null(r, "%s", err.msg);
	int sections = count(r, RF_SECTION);
	cr_assert_gt(sections, 0);
	const char *last = nth(r, RF_SECTION, sections - 1)->value;
	const char *end = "avsiktsförklaring:";
	size_t ll = strlen(last), el = strlen(end);
	cr_assert(ll > el && !strcmp(last + ll - el, end), "last section ends '%s'",
	          ll > 40 ? last + ll - 40 : last);
	for (int k = 0; k < sections; k++)
		cr_assert_null(strstr(nth(r, RF_SECTION, k)->value, "Botkyrka kommun"));
	cr_assert_str_eq(nth(r, RF_SIGNATORY_ROLE, 0)->value, "Förvaltningschef");
	record_free(r);
	free(text);
}

/* A list's last item, then a paragraph, with no blank line between (plain
 * text, old OCR layers): the item's line is full and ends a sentence, the
 * next begins with a capital and no list mark.  The paragraph is its own. */
Test(fields, paragraph_after_a_list_without_a_blank_line)
{
	char *text =
	    seed_without_blank_line("001", "enligt överenskommelsen.\n", "När slutredovisningen");
	struct ex_error err;
	struct record *r = extract_text(text, &err);
	cr_assert_not_null(r, "%s", err.msg);
	const char *sec = NULL;
	for (int k = 0; nth(r, RF_SECTION, k) && !sec; k++)
		if (strstr(nth(r, RF_SECTION, k)->value, "När slutredovisningen"))
			sec = nth(r, RF_SECTION, k)->value;
	cr_assert_not_null(sec);
	cr_assert_not_null(strstr(sec, "enligt överenskommelsen.\nNär slutredovisningen"), "%s",
	                   sec);
	record_free(r);
	free(text);
}
