/* test_yara_compact.c — a rule file's syntax tree after its rules are
 * compiled (lib/yara/ast_compact.c): names, positions, tags, metadata and
 * string identifiers stay, the rules still match, and the conditions' string
 * constants (copied out of the tree) still compare. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "engine/db.h"
#include "test_support.h"
#include "yara/rules.h"

static const char rules_text[] =
    "import \"math\"\n"
    "rule First : tag1 tag2 {\n"
    "  meta: description = \"text with a \\\"quote\\\"\" score = 75 active = true\n"
    "  strings: $text = \"needle\" $hex = { 6E 65 ?? 64 } $re = /ne+dle/\n"
    "  condition: all of them and \"abc\" contains \"b\" and math.entropy(0, 1) >= 0\n"
    "}\n"
    "rule Bad { condition: undefined_thing }\n" /* an error: the rule is left out */
    "rule Second { strings: $a = \"other\" condition: $a and First }\n";

static void print_warning(void *user, const char *message)
{
    (void)user;
    fprintf(stderr, "warning: %s\n", message);
}

static void compact_tree_keeps_what_is_reported(void **state)
{
    (void)state;
    struct yrules r;
    yrules_init(&r);
    r.warn = print_warning;
    struct yrules_load_options o = {.skip_bad_rules = true};
    if (yrules_add_text(&r, "c.yar", rules_text, sizeof rules_text - 1, &o) != 0) /* Bad is skipped */
        fail_msg("%s", assay_last_error());
    assert_int_equal(r.files.n, 1);
    assert_int_equal(r.rules.n, 2);
    const struct yara_file *f = r.files.v[0];
    assert_string_equal(f->name, "c.yar");
    assert_int_equal(f->import_count, 1);
    assert_string_equal(f->imports[0].module, "math");
    assert_int_equal(f->error_count, 0);

    const struct yrule *first = &r.rules.v[0], *second = &r.rules.v[1];
    assert_ptr_equal(first->file, f);
    assert_ptr_equal(second->file, f);
    assert_ptr_equal(first->ast, f->rules[0]);
    assert_ptr_equal(second->ast, f->rules[2]);
    assert_string_equal(first->ast->name, "First");
    assert_string_equal(first->ast->pos.file, "c.yar");
    assert_int_equal(first->ast->pos.line, 2);
    assert_int_equal(first->ast->tag_count, 2);
    assert_string_equal(first->ast->tags[1], "tag2");
    assert_int_equal(first->ast->meta_count, 3);
    assert_string_equal((const char *)first->ast->metas[0].str, "text with a \"quote\"");
    assert_int_equal(first->ast->metas[1].integer, 75);
    assert_int_equal(first->ast->metas[2].integer, 1);
    assert_null(first->ast->condition);          /* left out */
    assert_null(first->ast->strings[0].text);    /* compiled into the patterns */

    const struct ystring *hex = &r.strings.v[first->string_first + 1];
    assert_ptr_equal(hex->ast, &first->ast->strings[1]);
    assert_string_equal(hex->ast->name, "$hex");
    assert_int_equal(hex->ast->kind, YARA_STR_HEX);
    assert_int_equal(hex->ast->pos.line, 4);
    assert_string_equal(r.strings.v[second->string_first].ast->name, "$a");
    yrules_free(&r);
}

static void compacted_rules_still_match(void **state)
{
    (void)state;
    const char text[] =
        "rule First { meta: m = \"v\" strings: $text = \"needle\" $re = /ne+dle/\n"
        "  condition: $text and $re and \"abc\" contains \"b\" and not (\"abc\" == \"abd\") }\n"
        "rule Second { strings: $a = \"other\" condition: $a and First }\n";
    const char *pairs[] = {"m.yar", text, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    struct ts_results res;
    const char data[] = "a needle and the other";
    ts_scan(db, "d", data, sizeof data - 1, &res);
    assert_non_null(ts_find(&res, "First"));
    const struct ts_found *second = ts_find(&res, "Second");
    assert_non_null(second);
    assert_string_equal(second->source, "m.yar");
    assert_int_equal(second->line, 3);
    assert_string_equal(second->ev0.string_id, "$a");
    assay_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_tree_keeps_what_is_reported),
        cmocka_unit_test(compacted_rules_still_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
