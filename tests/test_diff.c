/* test_diff.c - field-level differences: one field, provenance only, repeated
 * fields and groups, folder pairing by sha256 and by name, the XML format,
 * and the `tjx diff` command's exit codes. */
#include <criterion/criterion.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "diff.h"
#include "record.h"
#include "strbuf.h"

#define DATA "tests/data/eval/diff"

static struct record *load(const char *path)
{
	struct sb b = SB_INIT;
	cr_assert_eq(sb_read_file(&b, path), 0, "cannot read %s", path);
	struct record *r = NULL;
	struct ex_error err;
	cr_assert_eq(record_parse(b.buf, b.len, path, &r, &err), 0, "%s", err.msg);
	sb_release(&b);
	return r;
}

static void diff_of(const char *a, const char *b, unsigned flags, struct diff_list *l)
{
	struct record *ra = load(a), *rb = load(b);
	memset(l, 0, sizeof(*l));
	cr_assert_geq(diff_records(ra, rb, flags, l, NULL), 0);
	record_free(ra);
	record_free(rb);
}

static void item_is(const struct diff_item *it, enum diff_kind kind, const char *path,
                    const char *old_value, const char *new_value)
{
	cr_assert_eq(it->kind, kind, "%s: kind %s", it->path, diff_kind_name(it->kind));
	cr_assert_str_eq(it->path, path);
	if (old_value)
		cr_assert_str_eq(it->old_value, old_value);
	else
		cr_assert_null(it->old_value, "%s: old value %s", path, it->old_value);
	if (new_value)
		cr_assert_str_eq(it->new_value, new_value);
	else
		cr_assert_null(it->new_value, "%s: new value %s", path, it->new_value);
}

Test(diff, equal_records)
{
	struct diff_list l;
	diff_of(DATA "/base.xml", DATA "/base.xml", DIFF_PROVENANCE, &l);
	cr_assert_eq(l.n, 0);
	diff_list_release(&l);
}

Test(diff, one_field)
{
	struct diff_list l;
	diff_of(DATA "/base.xml", DATA "/one-field.xml", 0, &l);
	cr_assert_eq(l.n, 1);
	item_is(&l.items[0], DIFF_CHANGED, "title", "Förlängt avtal för skolskjuts",
	        "Forlangt avtal for skolskjuts");
	cr_assert_str_eq(l.items[0].field, "title");
	cr_assert_null(l.items[0].attr);
	cr_assert_eq(l.items[0].old_index, 0);
	struct sb out = SB_INIT;
	cr_assert_eq(diff_format_list(&l, &out), 0);
	cr_assert_str_eq(out.buf, "changed title\n"
	                          "  - Förlängt avtal för skolskjuts\n"
	                          "  + Forlangt avtal for skolskjuts\n");
	sb_release(&out);
	diff_list_release(&l);
	/* the other way round: old and new swap */
	diff_of(DATA "/one-field.xml", DATA "/base.xml", 0, &l);
	cr_assert_eq(l.n, 1);
	item_is(&l.items[0], DIFF_CHANGED, "title", "Forlangt avtal for skolskjuts",
	        "Förlängt avtal för skolskjuts");
	diff_list_release(&l);
}

Test(diff, provenance_only)
{
	struct diff_list l;
	/* @line, @raw and @conf differ; the values do not */
	diff_of(DATA "/base.xml", DATA "/provenance.xml", 0, &l);
	cr_assert_eq(l.n, 0, "provenance counted without --provenance: %s",
	             l.n ? l.items[0].path : "");
	diff_list_release(&l);
	diff_of(DATA "/base.xml", DATA "/provenance.xml", DIFF_PROVENANCE, &l);
	cr_assert_eq(l.n, 3);
	item_is(&l.items[0], DIFF_CHANGED, "case-number/@raw", "Dnr: 0456/23", "Dnr 0456/23");
	cr_assert_str_eq(l.items[0].attr, "raw");
	item_is(&l.items[1], DIFF_CHANGED, "officer/name/@line", "9", "8");
	item_is(&l.items[2], DIFF_ADDED, "title/@conf", NULL, "91");
	cr_assert_str_eq(l.items[2].field, "title");
	diff_list_release(&l);
}

Test(diff, repeated_fields_and_groups)
{
	struct diff_list l;
	diff_of(DATA "/base.xml", DATA "/repeated.xml", 0, &l);
	struct sb out = SB_INIT;
	diff_format_list(&l, &out);
	cr_assert_eq(l.n, 7, "%s", out.buf);
	/* decision 2 reworded, decision 3 added (its @n is its place: not reported) */
	item_is(&l.items[0], DIFF_CHANGED, "proposed-decisions/decision[2]",
	        "Beslutet justeras omedelbart.", "Beslutet justeras genast.");
	cr_assert_eq(l.items[0].old_index, 2);
	cr_assert_eq(l.items[0].new_index, 2);
	item_is(&l.items[1], DIFF_ADDED, "proposed-decisions/decision[3]", NULL,
	        "Ärendet anmäls till kommunfullmäktige.");
	cr_assert_eq(l.items[1].old_index, 0);
	cr_assert_eq(l.items[1].new_index, 3);
	/* a section inserted at 2: heading and text added; the old second section
	 * (same text) keeps its text and changes its heading, moving to 3 */
	item_is(&l.items[2], DIFF_ADDED, "sections/section[2]/@heading", NULL, "Ärendet");
	item_is(&l.items[3], DIFF_ADDED, "sections/section[2]", NULL,
	        "Skolskjutsen upphandlades 2019.");
	item_is(&l.items[4], DIFF_CHANGED, "sections/section[2]/@heading", "Ekonomi",
	        "Ekonomiska konsekvenser");
	cr_assert_eq(l.items[4].old_index, 2);
	cr_assert_eq(l.items[4].new_index, 3);
	cr_assert_str_eq(l.items[4].attr, "heading");
	/* the first signatory removed, as a whole */
	item_is(&l.items[5], DIFF_REMOVED, "signatories/signatory[1]/name", "Anna Berg", NULL);
	item_is(&l.items[6], DIFF_REMOVED, "signatories/signatory[1]/role", "Stadsdirektör", NULL);
	cr_assert_str_eq(l.items[6].field, "signatories/signatory/role");
	/* and the index move is shown in text */
	cr_assert_not_null(strstr(out.buf, "changed sections/section[2]/@heading (now [3])\n"));
	sb_release(&out);
	diff_list_release(&l);
}

Test(diff, built_records_groups_and_source)
{
	struct record *a = record_new(), *b = record_new();
	record_set_source(a, "a.txt", "aa", "text", 1);
	record_set_source(b, "a.txt", "aa", "pdf-scan", 2);
	struct rec_value v = {.field = RF_SIGNATORY_NAME, .value = "Anna Berg", .conf = -1};
	record_add(a, &v);
	record_add(b, &v);
	v.field = RF_SIGNATORY_ROLE;
	v.value = "Direktör";
	record_add(a, &v);
	v.value = "Stadsdirektör";
	record_add(b, &v);
	/* a second signatory only in b */
	v.group = 1;
	v.field = RF_SIGNATORY_NAME;
	v.value = "Sören Åberg";
	record_add(b, &v);
	/* section text with two lines */
	record_add_simple(a, RF_SUMMARY, "Rad ett.\nRad två.", 0, 0, -1, NULL);
	record_add_simple(b, RF_SUMMARY, "Rad ett.\nRad tre.", 0, 0, -1, NULL);
	struct diff_list l = {0};
	cr_assert_eq(diff_records(a, b, 0, &l, NULL), 5);
	item_is(&l.items[0], DIFF_CHANGED, "source/@kind", "text", "pdf-scan");
	item_is(&l.items[1], DIFF_CHANGED, "source/@pages", "1", "2");
	item_is(&l.items[2], DIFF_CHANGED, "summary", "Rad ett.\nRad två.", "Rad ett.\nRad tre.");
	item_is(&l.items[3], DIFF_CHANGED, "signatories/signatory[1]/role", "Direktör",
	        "Stadsdirektör");
	item_is(&l.items[4], DIFF_ADDED, "signatories/signatory[2]/name", NULL, "Sören Åberg");
	struct sb out = SB_INIT;
	diff_format_list(&l, &out);
	cr_assert_not_null(strstr(out.buf, "changed summary\n"
	                                   "  = 1 line as before\n"
	                                   "  - Rad två.\n"
	                                   "  + Rad tre.\n"),
	                   "%s", out.buf);
	sb_release(&out);
	diff_list_release(&l);
	record_free(a);
	record_free(b);
}

Test(diff, unrelated_values_are_removed_and_added)
{
	struct record *a = record_new(), *b = record_new();
	record_set_source(a, "a.txt", "aa", "text", 1);
	record_set_source(b, "a.txt", "aa", "text", 1);
	const char *old[] = {"KS-2020/1", "Helt annat ärende om vägar", "KS-2020/3"};
	const char *new[] = {"KS-2020/1", "Xyz", "Qrs", "KS-2020/3"};
	for (int i = 0; i < 3; i++)
		record_add_simple(a, RF_REFERENCE, old[i], 0, 0, -1, NULL);
	for (int i = 0; i < 4; i++)
		record_add_simple(b, RF_REFERENCE, new[i], 0, 0, -1, NULL);
	struct diff_list l = {0};
	cr_assert_eq(diff_records(a, b, 0, &l, NULL), 3);
	item_is(&l.items[0], DIFF_REMOVED, "references/case-number[2]",
	        "Helt annat ärende om vägar", NULL);
	item_is(&l.items[1], DIFF_ADDED, "references/case-number[2]", NULL, "Xyz");
	item_is(&l.items[2], DIFF_ADDED, "references/case-number[3]", NULL, "Qrs");
	diff_list_release(&l);
	record_free(a);
	record_free(b);
}

Test(diff, folders_pair_by_sha256_then_name)
{
	struct diff_report r;
	struct ex_error err;
	cr_assert_eq(diff_folders(DATA "/folders/a", DATA "/folders/b", 0, &r, &err), 0, "%s",
	             err.msg);
	cr_assert_eq(r.npairs, 4);
	/* pairs in the order of a's names */
	cr_assert_str_eq(r.pairs[0].a, "dup2.xml");
	cr_assert_str_eq(r.pairs[0].b, "dup2.xml");
	cr_assert_eq(r.pairs[0].by, DIFF_BY_SHA256);
	cr_assert_eq(r.pairs[0].diffs.n, 0);
	cr_assert_str_eq(r.pairs[1].a, "sub/y.xml");
	cr_assert_eq(r.pairs[1].by, DIFF_BY_SHA256);
	/* renamed: the same input, found by its sha256 */
	cr_assert_str_eq(r.pairs[2].a, "x.xml");
	cr_assert_str_eq(r.pairs[2].b, "renamed.xml");
	cr_assert_eq(r.pairs[2].by, DIFF_BY_SHA256);
	cr_assert_eq(r.pairs[2].diffs.n, 1);
	cr_assert_str_eq(r.pairs[2].diffs.items[0].path, "title");
	/* z.xml: different inputs under the same name */
	cr_assert_str_eq(r.pairs[3].a, "z.xml");
	cr_assert_eq(r.pairs[3].by, DIFF_BY_NAME);
	cr_assert_str_eq(r.pairs[3].diffs.items[0].path, "source/@sha256");
	/* unpaired: dup1 shares its sha256 with dup2, which is taken */
	cr_assert_eq(r.nonly_a, 2);
	cr_assert_str_eq(r.only_a[0], "dup1.xml");
	cr_assert_str_eq(r.only_a[1], "only-a.xml");
	cr_assert_eq(r.nonly_b, 1);
	cr_assert_str_eq(r.only_b[0], "only-b.xml");
	cr_assert_eq(r.nproblems, 0); /* notes.txt is not a record and not read */
	cr_assert_eq(diff_report_equal(&r), 0);
	cr_assert_eq(diff_report_ndiffer(&r), 2);
	struct sb out = SB_INIT;
	cr_assert_eq(diff_format_text(&r, &out), 0);
	cr_assert_not_null(strstr(out.buf, "diff " DATA "/folders/a/x.xml " DATA
	                                   "/folders/b/renamed.xml (same source sha256)\n"
	                                   "changed title\n"));
	cr_assert_not_null(strstr(out.buf, "only in A: dup1.xml\nonly in A: only-a.xml\n"
	                                   "only in B: only-b.xml\n"
	                                   "4 records compared: 2 differ, 2 equal; 2 only in A, 1 "
	                                   "only in B\n"));
	sb_release(&out);
	diff_report_release(&r);
	/* a folder against itself is equal */
	cr_assert_eq(diff_folders(DATA "/folders/a", DATA "/folders/a", DIFF_PROVENANCE, &r, &err),
	             0);
	cr_assert_eq(diff_report_equal(&r), 1);
	cr_assert_eq(r.npairs, 6);
	diff_report_release(&r);
}

Test(diff, xml_format_is_well_formed)
{
	struct diff_report r;
	cr_assert_eq(diff_folders(DATA "/folders/a", DATA "/folders/b", 0, &r, NULL), 0);
	struct sb out = SB_INIT, again = SB_INIT;
	cr_assert_eq(diff_format_xml(&r, &out), 0);
	cr_assert_eq(diff_format_xml(&r, &again), 0);
	cr_assert_str_eq(out.buf, again.buf);
	xmlDocPtr doc = xmlReadMemory(out.buf, (int)out.len, "diff.xml", NULL, XML_PARSE_NONET);
	cr_assert_not_null(doc, "%s", out.buf);
	xmlNodePtr root = xmlDocGetRootElement(doc);
	cr_assert_str_eq((const char *)root->name, "diff");
	cr_assert_str_eq((const char *)root->ns->href, "urn:tjx:diff:1");
	int pairs = 0, changed = 0, only_a = 0, only_b = 0;
	for (xmlNodePtr n = root->children; n; n = n->next) {
		if (n->type != XML_ELEMENT_NODE)
			continue;
		if (!strcmp((const char *)n->name, "pair")) {
			pairs++;
			for (xmlNodePtr c = n->children; c; c = c->next)
				if (c->type == XML_ELEMENT_NODE &&
				    !strcmp((const char *)c->name, "changed"))
					changed++;
		}
		only_a += !strcmp((const char *)n->name, "only-in-a");
		only_b += !strcmp((const char *)n->name, "only-in-b");
	}
	cr_assert_eq(pairs, 4);
	cr_assert_eq(changed, 2);
	cr_assert_eq(only_a, 2);
	cr_assert_eq(only_b, 1);
	xmlFreeDoc(doc);
	sb_release(&out);
	sb_release(&again);
	diff_report_release(&r);
}

Test(diff, xml_escape)
{
	struct sb out = SB_INIT;
	diff_xml_escape(&out, "a<b>&\"c\"\n\x01\xff", 1);
	cr_assert_str_eq(out.buf, "a&lt;b&gt;&amp;&quot;c&quot;&#10;\xEF\xBF\xBD\xEF\xBF\xBD");
	sb_reset(&out);
	diff_xml_escape(&out, "rad\nrad\r", 0);
	cr_assert_str_eq(out.buf, "rad\nrad&#13;");
	sb_release(&out);
}

/* ---- the command ------------------------------------------------------------------ */

static int run(const char *args, struct sb *out)
{
	const char *bin = getenv("TJX_BIN");
	char cmd[4096];
	snprintf(cmd, sizeof(cmd), "%s diff %s 2>&1", bin && *bin ? bin : "bin/tjx", args);
	FILE *p = popen(cmd, "r");
	cr_assert_not_null(p);
	char buf[4096];
	size_t n;
	sb_reset(out);
	while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
		sb_add(out, buf, n);
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

Test(diff_cli, exit_codes_and_formats)
{
	struct sb out = SB_INIT;
	cr_assert_eq(run(DATA "/base.xml " DATA "/base.xml", &out), 0);
	cr_assert_str_eq(out.buf, "");
	cr_assert_eq(run(DATA "/base.xml " DATA "/provenance.xml", &out), 0);
	cr_assert_eq(run("--provenance " DATA "/base.xml " DATA "/provenance.xml", &out), 1);
	cr_assert_not_null(strstr(out.buf, "changed officer/name/@line\n  - 9\n  + 8\n"));
	cr_assert_eq(run(DATA "/base.xml " DATA "/one-field.xml", &out), 1);
	cr_assert_str_eq(out.buf, "diff " DATA "/base.xml " DATA "/one-field.xml\n"
	                          "changed title\n"
	                          "  - Förlängt avtal för skolskjuts\n"
	                          "  + Forlangt avtal for skolskjuts\n");
	cr_assert_eq(run("-q " DATA "/base.xml " DATA "/one-field.xml", &out), 1);
	cr_assert_str_eq(out.buf, "");
	cr_assert_eq(run("--format xml " DATA "/base.xml " DATA "/one-field.xml", &out), 1);
	cr_assert_not_null(strstr(out.buf, "<changed path=\"title\" field=\"title\"><old>"));
	cr_assert_eq(run("--format xml " DATA "/folders/a " DATA "/folders/b", &out), 1);
	cr_assert_not_null(strstr(out.buf, "paired-by=\"sha256\""));
	/* usage */
	cr_assert_eq(run(DATA "/base.xml", &out), 2);
	cr_assert_eq(run("--format json " DATA "/base.xml " DATA "/base.xml", &out), 2);
	cr_assert_eq(run(DATA "/folders/a " DATA "/base.xml", &out), 2);
	/* unreadable or not a record */
	cr_assert_eq(run(DATA "/base.xml " DATA "/no-such.xml", &out), 2);
	cr_assert_not_null(strstr(out.buf, "no-such.xml"));
	cr_assert_eq(run(DATA "/base.xml " DATA "/folders/a/notes.txt", &out), 2);
	sb_release(&out);
}

Test(diff_cli, unreadable_record_in_a_folder)
{
	char dir[] = "/tmp/tjx-test-diff-XXXXXX";
	cr_assert_not_null(mkdtemp(dir));
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
	         "cp -r " DATA "/folders/a '%s/a' && cp -r " DATA "/folders/a '%s/b' && "
	         "echo '<record' > '%s/b/broken.xml'",
	         dir, dir, dir);
	cr_assert_eq(system(cmd), 0);
	struct sb out = SB_INIT;
	char args[600];
	snprintf(args, sizeof(args), "'%s/a' '%s/b'", dir, dir);
	int rc = run(args, &out);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_assert_eq(system(cmd), 0);
	cr_assert_eq(rc, 2, "%s", out.buf);
	cr_assert_not_null(strstr(out.buf, "broken.xml: "), "%s", out.buf);
	cr_assert_not_null(strstr(out.buf, "6 records compared: 0 differ, 6 equal; 0 only in A, 0 "
	                                   "only in B; 1 unreadable"),
	                   "%s", out.buf);
	sb_release(&out);
}
