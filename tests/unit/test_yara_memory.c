/* test_yara_memory.c — what compiled rules keep. A rule file's syntax tree
 * after its rules are compiled (lib/yara/ast_compact.c): names, positions,
 * tags, metadata and string identifiers stay, the rules still match, and the
 * conditions' string constants (copied out of the tree) still compare. And
 * patterns running the same program share it (lib/yara/program_share.c),
 * also across a rule that failed and was rolled back. */
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

static const struct yara_regex *fwd_of(const struct yrules *r, uint32_t rule, uint32_t string)
{
    const struct ystring *s = &r->strings.v[r->rules.v[rule].string_first + string];
    return r->patterns.v[s->pattern_first].fwd[0];
}

static void same_programs_are_shared(void **state)
{
    (void)state;
    const char text[] =
        "rule A { strings: $h = { 4D 5A ?? 00 [2-4] 50 45 } condition: $h }\n"
        "rule Bad { strings: $h = { 4D 5A ?? 00 [2-4] 50 45 } $x = { 11 22 33 44 ?? 55 } condition: $h and nothing }\n"
        "rule B { strings: $x = { 11 22 33 44 ?? 55 } $h = { 4D 5A ?? 00 [2-4] 50 45 } condition: all of them }\n"
        "rule C { strings: $h = { 4D 5A ?? 01 [2-4] 50 45 } condition: $h }\n";
    struct yrules r;
    yrules_init(&r);
    struct yrules_load_options o = {.skip_bad_rules = true};
    assert_int_equal(yrules_add_text(&r, "s.yar", text, sizeof text - 1, &o), ASSAY_OK);
    assert_int_equal(r.rules.n, 3); /* Bad rolled back */
    assert_non_null(fwd_of(&r, 0, 0));
    assert_ptr_equal(fwd_of(&r, 0, 0), fwd_of(&r, 1, 1));     /* A's $h and B's $h */
    assert_ptr_not_equal(fwd_of(&r, 0, 0), fwd_of(&r, 2, 0)); /* C's differs by a byte */
    size_t owned = 0; /* each program once among the regexes yrules frees */
    for (size_t i = 0; i < r.regexes.n; i++)
        owned += r.regexes.v[i] == fwd_of(&r, 0, 0);
    assert_int_equal(owned, 1);
    yrules_free(&r);

    assay_db *db = assay_db_new();
    struct assay_load_options lo = {.skip_bad_signatures = true};
    assert_int_equal(assay_db_load_text(db, "s.yar", text, sizeof text - 1, &lo), ASSAY_OK);
    assert_int_equal(assay_db_finalize(db), ASSAY_OK);
    struct ts_results res;
    const uint8_t data[] = "MZ\x90\x00..PE and \x11\x22\x33\x44\x99\x55";
    ts_scan(db, "d", data, sizeof data - 1, &res);
    assert_non_null(ts_find(&res, "A"));
    assert_int_equal(ts_evidence_of(&res, "B"), 2);
    assert_null(ts_find(&res, "C"));
    assay_db *back = ts_recompiled(db); /* frees db; a saved database keeps one copy too */
    assert_non_null(back);
    ts_scan(back, "d", data, sizeof data - 1, &res);
    assert_non_null(ts_find(&res, "A"));
    assert_int_equal(ts_evidence_of(&res, "B"), 2);
    assay_db_free(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compact_tree_keeps_what_is_reported),
        cmocka_unit_test(compacted_rules_still_match),
        cmocka_unit_test(same_programs_are_shared),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
