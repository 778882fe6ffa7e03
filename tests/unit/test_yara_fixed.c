/* test_yara_fixed.c — strings used only as `$s at N` (YARA records their
 * matches at N only): the engine keeps their patterns out of every Vectorscan
 * database and checks each at N (lib/yara/yscan.c yscan_fixed_ends,
 * lib/engine/match.c fixed_offset_pass). Matches, gates and compiled files
 * must be as if they had been searched for. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/db.h"
#include "test_support.h"
#include "yara/rules.h"

static const char fixed_rules[] =
    "rule Gzip { strings: $g = { 1F 8B 08 08 00 00 75 70 64 61 74 65 } condition: $g at 0 }\n"
    "rule Text { strings: $t = \"update\" wide ascii nocase condition: $t at 4 }\n"
    "rule Full { strings: $f = \"word\" fullword condition: $f at 2 }\n"
    "rule Twice { strings: $x = \"twice\" condition: $x at 0 or $x at 10 }\n"
    "rule Gated { strings: $a = { F1 E2 D3 C4 B5 A6 97 88 } $b = \"gated text\" condition: $a at 0 and $b }\n";

static assay_db *fixed_db(void)
{
    const char *pairs[] = {"f.yar", fixed_rules, NULL};
    return ts_db(pairs);
}

/* Is every pattern of string `name` (of any rule) checked in place? */
static bool string_is_fixed(const assay_db *db, const char *name)
{
    const struct engine *e = &db->engine;
    const struct yrules *y = &e->yara;
    bool any = false;
    for (uint32_t p = 0; p < y->patterns.n; p++) {
        if (strcmp(y->strings.v[y->patterns.v[p].string].ast->name, name) != 0)
            continue;
        bool found = false;
        for (size_t k = 0; k < e->yara_fixed.n; k++)
            found |= e->yara_fixed.v[k].pattern == p;
        if (!found)
            return false;
        any = true;
    }
    return any;
}

static void check_fixed_scans(const assay_db *db)
{
    struct ts_results r;
    const uint8_t gzip[] = "\x1F\x8B\x08\x08\x00\x00update ... \x1F\x8B\x08\x08\x00\x00update";
    ts_scan(db, "data", gzip, sizeof gzip - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Gzip"), 1); /* at 0 only, as YARA records it */
    assert_int_equal(r.f[0].ev0.offset, 0);
    const uint8_t moved[] = "...\x1F\x8B\x08\x08\x00\x00update";
    ts_scan(db, "data", moved, sizeof moved - 1, &r);
    assert_null(ts_find(&r, "Gzip"));

    ts_scan(db, "data", "xxxxUPDATE", 10, &r);
    assert_int_equal(ts_evidence_of(&r, "Text"), 1);
    ts_scan(db, "data", "xxxxu\0p\0d\0a\0t\0e\0", 16, &r);
    assert_int_equal(ts_evidence_of(&r, "Text"), 1);
    ts_scan(db, "data", "xxxxxupdate", 11, &r);
    assert_null(ts_find(&r, "Text"));

    ts_scan(db, "data", "a word", 6, &r);
    assert_non_null(ts_find(&r, "Full"));
    ts_scan(db, "data", "aaword", 6, &r);
    assert_null(ts_find(&r, "Full"));

    ts_scan(db, "data", "0123456789twice", 15, &r);
    assert_non_null(ts_find(&r, "Twice"));

    const uint8_t gated[] = "\xF1\xE2\xD3\xC4\xB5\xA6\x97\x88 and gated text";
    ts_scan(db, "data", gated, sizeof gated - 1, &r);
    assert_int_equal(ts_evidence_of(&r, "Gated"), 2);
    const uint8_t late[] = "  \xF1\xE2\xD3\xC4\xB5\xA6\x97\x88 and gated text";
    ts_scan(db, "data", late, sizeof late - 1, &r);
    assert_null(ts_find(&r, "Gated"));
}

static void fixed_strings_are_not_searched(void **state)
{
    (void)state;
    assay_db *db = fixed_db();
    assert_non_null(db);
    assert_true(string_is_fixed(db, "$g"));
    assert_true(string_is_fixed(db, "$t"));
    assert_true(string_is_fixed(db, "$f"));
    assert_true(string_is_fixed(db, "$a"));
    assert_false(string_is_fixed(db, "$x")); /* two offsets: searched */
    assert_false(string_is_fixed(db, "$b"));
    check_fixed_scans(db);
    assay_db_free(db);
}

static void fixed_strings_survive_compiling(void **state)
{
    (void)state;
    assay_db *db = fixed_db();
    assert_non_null(db);
    size_t n = db->engine.yara_fixed.n;
    assay_db *back = ts_recompiled(db);
    assert_non_null(back);
    assert_int_equal(back->engine.yara_fixed.n, n);
    assert_true(string_is_fixed(back, "$g"));
    check_fixed_scans(back);
    assay_db_free(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fixed_strings_are_not_searched),
        cmocka_unit_test(fixed_strings_survive_compiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
