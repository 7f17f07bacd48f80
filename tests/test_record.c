/* test_record.c - the record writer, reader and validator */
#include <criterion/criterion.h>
#include <string.h>

#include "record.h"
#include "testutil.h"

static struct rec_schema *schema;

static void setup(void)
{
	struct ex_error err;
	char path[512];
	snprintf(path, sizeof(path), "%s/record.xsd", tu_rules());
	cr_assert_eq(record_schema_load(path, &schema, &err), 0, "schema: %s", err.msg);
}

static void teardown(void)
{
	record_schema_free(schema);
}

TestSuite(record, .init = setup, .fini = teardown);

static const char SHA[] = "9508deb0b3017e403b45daf908d3493f0fdceb19c7b8298d95279d826ba72a5d";

static struct record *sample(void)
{
	struct record *r = record_new();
	record_set_source(r, "004.txt", SHA, "text", 3);
	/* added out of schema order on purpose: the writer orders them */
	record_add_simple(r, RF_DATE, "2021-08-11", 1, 6, -1, NULL);
	record_add_simple(r, RF_CASE_NUMBER, "KS-2021/1682.103", 1, 9, -1, "Dnr KS-2021/1682.103");
	record_add_simple(r, RF_OFFICER_EMAIL, "Bjorn.Rosborg@huddinge.se", 1, 14, 91, NULL);
	record_add_simple(r, RF_OFFICER_NAME, "Björn  Rosborg ", 1, 12, -1, NULL);
	struct rec_value d1 = {
	    .field = RF_DECISION, .value = "Avtalet godkänns.", .page = 1, .line = 24, .conf = -1};
	record_add(r, &d1);
	struct rec_value s = {
	    .field = RF_SIGNATORY_ROLE, .group = 1, .value = "Kommundirektör", .conf = -1};
	struct rec_value n2 = {
	    .field = RF_SIGNATORY_NAME, .group = 2, .value = "Patrik Forshage", .conf = -1};
	struct rec_value n1 = {
	    .field = RF_SIGNATORY_NAME, .group = 1, .value = "Camilla Broo", .conf = -1};
	record_add(r, &s);
	record_add(r, &n2);
	record_add(r, &n1);
	struct rec_value a = {
	    .field = RF_AMOUNT, .value = "2,4 mnkr", .qual = "2400000", .conf = -1};
	record_add(r, &a);
	return r;
}

static const char SAMPLE_XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<record xmlns=\"urn:tjx:record:1\" schema-version=\"1\">\n"
    "  <source file=\"004.txt\" sha256=\"9508deb0b3017e403b45daf908d3493f0fdceb19c7b8298d95279d8"
    "26ba72a5d\" kind=\"text\" pages=\"3\"/>\n"
    "  <case-number page=\"1\" line=\"9\" raw=\"Dnr "
    "KS-2021/1682.103\">KS-2021/1682.103</case-number>\n"
    "  <date page=\"1\" line=\"6\">2021-08-11</date>\n"
    "  <officer>\n"
    "    <name page=\"1\" line=\"12\">Björn Rosborg</name>\n"
    "    <email page=\"1\" line=\"14\" conf=\"91\">Bjorn.Rosborg@huddinge.se</email>\n"
    "  </officer>\n"
    "  <proposed-decisions>\n"
    "    <decision n=\"1\" page=\"1\" line=\"24\">Avtalet godkänns.</decision>\n"
    "  </proposed-decisions>\n"
    "  <signatories>\n"
    "    <signatory>\n"
    "      <name>Camilla Broo</name>\n"
    "      <role>Kommundirektör</role>\n"
    "    </signatory>\n"
    "    <signatory>\n"
    "      <name>Patrik Forshage</name>\n"
    "    </signatory>\n"
    "  </signatories>\n"
    "  <amounts>\n"
    "    <amount sek=\"2400000\">2,4 mnkr</amount>\n"
    "  </amounts>\n"
    "</record>\n";

Test(record, writes_schema_order_fixed_attributes_and_indent)
{
	struct record *r = sample();
	struct sb out = SB_INIT;
	struct ex_error err;
	cr_assert_eq(record_write(r, schema, 0, &out, NULL, &err), 0, "%s", err.msg);
	cr_assert_str_eq(out.buf, SAMPLE_XML);
	sb_release(&out);
	record_free(r);
}

Test(record, identical_input_gives_identical_bytes)
{
	struct sb a = SB_INIT, b = SB_INIT;
	struct ex_error err;
	struct record *r1 = sample(), *r2 = sample();
	cr_assert_eq(record_write(r1, schema, 0, &a, NULL, &err), 0);
	cr_assert_eq(record_write(r2, schema, 0, &b, NULL, &err), 0);
	cr_assert_eq(a.len, b.len);
	cr_assert_eq(memcmp(a.buf, b.buf, a.len), 0);
	sb_release(&a);
	sb_release(&b);
	record_free(r1);
	record_free(r2);
}

Test(record, no_provenance_drops_page_line_conf_raw)
{
	struct record *r = sample();
	struct sb out = SB_INIT;
	struct ex_error err;
	cr_assert_eq(record_write(r, schema, RECORD_NO_PROVENANCE, &out, NULL, &err), 0);
	cr_assert_null(strstr(out.buf, "page=\"1\""));
	cr_assert_null(strstr(out.buf, "raw="));
	cr_assert_null(strstr(out.buf, "conf="));
	cr_assert_not_null(strstr(out.buf, "<case-number>KS-2021/1682.103</case-number>"));
	/* the qualifier is not provenance: it stays */
	cr_assert_not_null(strstr(out.buf, "<amount sek=\"2400000\">"));
	sb_release(&out);
	record_free(r);
}

Test(record, escapes_markup_and_keeps_utf8)
{
	struct record *r = record_new();
	record_set_source(r, "a & b <c>.txt", SHA, "text", 1);
	record_add_simple(r, RF_TITLE, "Avtal om \"A & B\" <bilaga> för Södertörn", 0, 0, -1, NULL);
	struct sb out = SB_INIT;
	struct ex_error err;
	cr_assert_eq(record_write(r, schema, 0, &out, NULL, &err), 0, "%s", err.msg);
	cr_assert_not_null(strstr(out.buf, "file=\"a &amp; b &lt;c&gt;.txt\""));
	cr_assert_not_null(
	    strstr(out.buf, "<title>Avtal om \"A &amp; B\" &lt;bilaga&gt; för Södertörn</title>"));
	/* and it reads back to the same values */
	struct record *back = NULL;
	cr_assert_eq(record_parse(out.buf, out.len, "t", &back, &err), 0, "%s", err.msg);
	cr_assert_str_eq(record_find(back, RF_TITLE)->value,
	                 "Avtal om \"A & B\" <bilaga> för Södertörn");
	cr_assert_str_eq(record_source(back)->file, "a & b <c>.txt");
	record_free(back);
	sb_release(&out);
	record_free(r);
}

Test(record, parse_round_trip_keeps_values_groups_and_provenance)
{
	struct record *r = sample();
	struct sb out = SB_INIT, again = SB_INIT;
	struct ex_error err;
	cr_assert_eq(record_write(r, schema, 0, &out, NULL, &err), 0);
	struct record *back = NULL;
	cr_assert_eq(record_parse(out.buf, out.len, "t", &back, &err), 0, "%s", err.msg);
	cr_assert_eq(record_count(back), record_count(r));
	const struct rec_value *cn = record_find(back, RF_CASE_NUMBER);
	cr_assert_str_eq(cn->raw, "Dnr KS-2021/1682.103");
	cr_assert_eq(cn->line, 9);
	cr_assert_eq(record_find(back, RF_OFFICER_EMAIL)->conf, 91);
	cr_assert_eq(record_find(back, RF_DATE)->conf, -1);
	/* writing what was read gives the same bytes */
	cr_assert_eq(record_write(back, schema, 0, &again, NULL, &err), 0);
	cr_assert_str_eq(again.buf, out.buf);
	record_free(back);
	record_free(r);
	sb_release(&out);
	sb_release(&again);
}

/* Write a record with one bad value; expect EX_INVALID and a problem whose
 * path and message are as given. */
static void expect_invalid(struct record *r, const char *path, const char *msg_part)
{
	struct sb out = SB_INIT;
	struct ex_error err;
	struct rec_problems probs = {0};
	cr_assert_lt(record_write(r, schema, 0, &out, &probs, &err), 0);
	cr_assert_eq(err.code, EX_INVALID);
	cr_assert_eq(out.len, 0, "nothing is written for an invalid record");
	int found = 0;
	for (size_t i = 0; i < probs.n; i++)
		if (strstr(probs.items[i].path, path) && strstr(probs.items[i].msg, msg_part))
			found = 1;
	cr_assert(found, "no problem at %s mentioning '%s' (first: %s: %s)", path, msg_part,
	          probs.n ? probs.items[0].path : "-", probs.n ? probs.items[0].msg : "-");
	rec_problems_release(&probs);
	record_free(r);
}

static struct record *minimal(void)
{
	struct record *r = record_new();
	record_set_source(r, "x.txt", SHA, "text", 1);
	return r;
}

Test(record, date_must_exist_in_the_calendar)
{
	struct record *r = minimal();
	record_add_simple(r, RF_DATE, "2021-02-29", 0, 0, -1, NULL);
	expect_invalid(r, "/date", "calendar");
	cr_assert(record_check_date("2020-02-29"));
	cr_assert_not(record_check_date("2100-02-29"));
	cr_assert(record_check_date("2000-02-29"));
	cr_assert_not(record_check_date("2021-04-31"));
	cr_assert_not(record_check_date("2021-4-03"));
}

Test(record, organisation_numbers_pass_luhn)
{
	cr_assert(record_check_orgnr("202100-4185")); /* Skolverket, seed 001 */
	cr_assert(record_check_orgnr("212000-0142")); /* Stockholms kommun, seed 001 */
	cr_assert_not(record_check_orgnr("202100-4184"));
	cr_assert_not(record_check_orgnr("2021004185"));
	struct record *r = minimal();
	struct rec_value n = {.field = RF_PARTY_NAME, .value = "Skolverket", .conf = -1};
	struct rec_value o = {.field = RF_PARTY_ORGNR, .value = "202100-4186", .conf = -1};
	record_add(r, &n);
	record_add(r, &o);
	expect_invalid(r, "/parties/party/organisation-number", "Luhn");
}

Test(record, email_and_phone_syntax)
{
	cr_assert(record_check_email("Bjorn.Rosborg@huddinge.se"));
	cr_assert(record_check_email("linda.folke@edu.stockholm.se"));
	cr_assert_not(record_check_email("Bjorn.RosborgÖhuddinge.se"));
	cr_assert_not(record_check_email("a@b"));
	cr_assert_not(record_check_email("a..b@c.se"));
	cr_assert(record_check_phone("08-535 302 09"));
	cr_assert(record_check_phone("08-5782 91 28"));
	cr_assert(record_check_phone("+46 8 535 302 09"));
	cr_assert_not(record_check_phone("535"));
	cr_assert_not(record_check_phone("08-535 302 09 ext"));
	struct record *r = minimal();
	record_add_simple(r, RF_OFFICER_PHONE, "8-535 30", 0, 0, -1, NULL);
	expect_invalid(r, "/officer/phone", "phone");
	r = minimal();
	record_add_simple(r, RF_OFFICER_EMAIL, "x@y@z.se", 0, 0, -1, NULL);
	expect_invalid(r, "/officer/email", "e-mail");
}

Test(record, decisions_run_one_to_n_without_gaps)
{
	struct record *r = minimal();
	const char *ns[] = {"1", "2", "4"};
	for (int i = 0; i < 3; i++) {
		struct rec_value d = {
		    .field = RF_DECISION, .value = "Beslut.", .qual = (char *)ns[i], .conf = -1};
		record_add(r, &d);
	}
	expect_invalid(r, "/proposed-decisions/decision", "without gaps");
}

Test(record, empty_field_is_refused_not_written)
{
	struct record *r = minimal();
	record_add_simple(r, RF_TITLE, "   ", 0, 0, -1, NULL);
	expect_invalid(r, "/title", "");
}

Test(record, validate_reports_every_problem_with_path_and_line)
{
	const char *xml =
	    "<?xml version=\"1.0\"?>\n"
	    "<record xmlns=\"urn:tjx:record:1\" schema-version=\"1\">\n"
	    "  <source file=\"x\" sha256=\"9508deb0b3017e403b45daf908d3493f0fdceb19c7b829"
	    "8d95279d826ba72a5d\" kind=\"text\" pages=\"1\"/>\n"
	    "  <date>2021-13-01</date>\n"
	    "  <officer><email>nope</email></officer>\n"
	    "</record>\n";
	struct rec_problems probs = {0};
	struct ex_error err;
	cr_assert_lt(record_validate(xml, strlen(xml), "t.xml", schema, &probs, &err), 0);
	cr_assert_geq(probs.n, 2);
	int date = 0, email = 0;
	for (size_t i = 0; i < probs.n; i++) {
		if (!strcmp(probs.items[i].path, "/*/*[2]") || strstr(probs.items[i].path, "date"))
			date = probs.items[i].line == 4;
		if (strstr(probs.items[i].path, "email"))
			email = probs.items[i].line == 5;
	}
	cr_assert(date && email, "problems: %s: %s", probs.items[0].path, probs.items[0].msg);
	rec_problems_release(&probs);
}

Test(record, validate_rejects_malformed_xml_and_foreign_roots)
{
	struct rec_problems probs = {0};
	struct ex_error err;
	const char *bad = "<record xmlns=\"urn:tjx:record:1\"><source></record>";
	cr_assert_lt(record_validate(bad, strlen(bad), "b.xml", schema, &probs, &err), 0);
	cr_assert_eq(err.code, EX_INVALID);
	rec_problems_release(&probs);
	struct record *r = NULL;
	const char *other = "<x xmlns=\"urn:other\"/>";
	cr_assert_lt(record_parse(other, strlen(other), "o.xml", &r, &err), 0);
	cr_assert_null(r);
	cr_assert_not_null(strstr(err.msg, "not a tjx record"));
}

Test(record, field_paths_round_trip)
{
	for (int f = 0; f < RF__COUNT; f++)
		cr_assert_eq(record_field_from_path(record_field_path(f)), f);
	cr_assert_eq(record_field_from_path("officer/fax"), -1);
	cr_assert(record_field_repeats(RF_SECTION));
	cr_assert_not(record_field_repeats(RF_TITLE));
}
