/* test_rules.c - the rule-file reader */
#include <criterion/criterion.h>
#include <string.h>

#include "rules.h"
#include "testutil.h"

static char *write_tmp(const char *content)
{
	char *dir = tu_tmpdir();
	char *path = malloc(strlen(dir) + 16);
	sprintf(path, "%s/t.rules", dir);
	cr_assert_eq(tu_write(path, content, strlen(content)), 0);
	free(dir);
	return path;
}

Test(rules, blocks_keys_repeats_and_continuations)
{
	char *p = write_tmp("# comment\n"
	                    "[first]\n"
	                    "why     = because\n"
	                    "pattern = (?x) a\n"
	                    "          b   # continued\n"
	                    "test    = a => b\n"
	                    "test    = c => d\n"
	                    "\n"
	                    "[second]\n"
	                    "why=x\n");
	struct rules_set set = RULES_SET_INIT;
	struct ex_error err;
	cr_assert_eq(rules_load_file(&set, p, &err), 0, "%s", err.msg);
	cr_assert_eq(set.nblocks, 2);
	cr_assert_str_eq(set.blocks[0].id, "first");
	cr_assert_eq(set.blocks[0].line, 2);
	cr_assert_str_eq(rules_get(&set.blocks[0], "pattern"), "(?x) a\nb   # continued");
	cr_assert_eq(set.blocks[0].nentries, 4);
	cr_assert_eq(rules_entry(&set.blocks[0], "test")->line, 6);
	cr_assert_str_eq(rules_get(&set.blocks[1], "why"), "x");
	cr_assert_null(rules_get(&set.blocks[1], "pattern"));
	rules_set_release(&set);
	free(p);
}

Test(rules, errors_name_file_and_line)
{
	struct rules_set set = RULES_SET_INIT;
	struct ex_error err;
	char *p = write_tmp("[a]\nwhy = x\n\n[a]\nwhy = y\n");
	cr_assert_lt(rules_load_file(&set, p, &err), 0);
	cr_assert_eq(err.code, EX_RULE);
	cr_assert_eq(err.line, 4);
	cr_assert_str_eq(err.file, p);
	cr_assert_not_null(strstr(err.msg, "already defined"));
	rules_set_release(&set);
	free(p);

	p = write_tmp("why = orphan\n");
	cr_assert_lt(rules_load_file(&set, p, &err), 0);
	cr_assert_eq(err.line, 1);
	rules_set_release(&set);
	free(p);

	p = write_tmp("[b]\nno equals sign here\n");
	cr_assert_lt(rules_load_file(&set, p, &err), 0);
	cr_assert_eq(err.line, 2);
	rules_set_release(&set);
	free(p);
}

Test(rules, check_keys_reports_unknown_and_missing)
{
	char *p = write_tmp("[r]\nwhy = x\npatern = typo\n");
	struct rules_set set = RULES_SET_INIT;
	struct ex_error err;
	cr_assert_eq(rules_load_file(&set, p, &err), 0);
	static const char *const allowed[] = {"why", "pattern", NULL};
	static const char *const required[] = {"why", "pattern", NULL};
	cr_assert_lt(rules_check_keys(&set.blocks[0], allowed, NULL, &err), 0);
	cr_assert_eq(err.line, 3);
	cr_assert_not_null(strstr(err.msg, "unknown key 'patern'"));
	static const char *const allowed2[] = {"why", "patern", NULL};
	cr_assert_lt(rules_check_keys(&set.blocks[0], allowed2, required, &err), 0);
	cr_assert_not_null(strstr(err.msg, "no 'pattern'"));
	rules_set_release(&set);
	free(p);
}

static int collect(void *ctx, char *line, int lineno)
{
	struct sb *b = ctx;
	sb_addf(b, "%d:%s|", lineno, line);
	return 0;
}

Test(rules, list_files_strip_comments)
{
	char *p = write_tmp("# header\nFunktionshinderrådet  # a board\n\n  Södertörn\nC\\#\n");
	struct sb b = SB_INIT;
	struct ex_error err;
	cr_assert_eq(rules_read_lines(p, collect, &b, &err), 0);
	cr_assert_str_eq(b.buf, "2:Funktionshinderrådet|4:Södertörn|5:C#|");
	sb_release(&b);
	free(p);
}

Test(rules, digest_changes_when_a_rule_changes)
{
	char *dir = tu_tmpdir();
	char path[512];
	snprintf(path, sizeof(path), "%s/a.rules", dir);
	tu_write(path, "[x]\nwhy = 1\n", 12);
	char d1[65], d2[65], d3[65];
	struct ex_error err;
	cr_assert_eq(rules_digest(dir, d1, &err), 0);
	cr_assert_eq(rules_digest(dir, d2, &err), 0);
	cr_assert_str_eq(d1, d2);
	tu_write(path, "[x]\nwhy = 2\n", 12);
	cr_assert_eq(rules_digest(dir, d3, &err), 0);
	cr_assert_str_neq(d1, d3);
	free(dir);
}
