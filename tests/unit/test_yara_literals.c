/* test_yara_literals.c — which 8 bytes of a long text string the first pass
 * searches for (lib/yara/window_score.c ywindow_best). A run of one byte,
 * a single common word and the start of every string sharing a prefix are
 * poor choices: each is hit far more often than the string matches, and a
 * literal shared by many strings is confirmed for each of them on every hit.
 * Whatever window is chosen, the string still matches where it is. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "test_support.h"
#include "yara/rules.h"

static const char rules_text[] =
    "rule Dashes { strings: $a = \"--------------------x9\" condition: $a }\n"
    "rule Words { strings: $a = \"program version netid\" condition: $a }\n"
    "rule Binary { strings: $a = { 00 00 00 00 00 00 00 00 41 42 43 44 } condition: $a }\n"
    /* YARA's atoms are 4 bytes; the literal searched is the longer run
     * around: without case for a nocase regex, also for a greedy one */
    "rule Nocase { strings: $a = /module\\s?version/ nocase condition: $a }\n"
    "rule Greedy { strings: $a = /[0-9]+=key_of_zz/ condition: $a }\n"
    /* pop r12 .. pop r15 ends countless x86-64 functions: not that */
    "rule Code { strings: $a = { 41 5C 41 5D 41 5E 41 5F C3 67 0F BE 17 39 F2 74 12 } condition: $a }\n";

/* The bytes searched for the first pattern of string `s`, and how many. */
static size_t searched(const struct yrules *r, uint32_t s, char *out, size_t cap)
{
    for (size_t i = 0; i < r->patterns.n; i++) {
        const struct ypattern *p = &r->patterns.v[i];
        if (p->string != s)
            continue;
        size_t n = p->atom_len < cap - 1 ? p->atom_len : cap - 1;
        memcpy(out, yrules_bytes(r, p->atom), n);
        out[n] = 0;
        return n;
    }
    fail_msg("string %u has no pattern", s);
    return 0;
}

static void windows_avoid_runs_and_single_words(void **state)
{
    (void)state;
    struct yrules r;
    yrules_init(&r);
    struct yrules_load_options o = {0};
    if (yrules_add_text(&r, "l.yar", rules_text, sizeof rules_text - 1, &o) != 0)
        fail_msg("%s", assay_last_error());
    char w[16];
    searched(&r, 0, w, sizeof w);
    assert_non_null(strstr(w, "x9")); /* not eight dashes */
    searched(&r, 1, w, sizeof w);
    assert_int_equal(strlen(w), 8);
    assert_null(strstr(w, "program ")); /* the end of one word and the start of the next */
    assert_non_null(strchr(w, ' '));
    assert_true(w[0] != ' ' && w[7] != ' ');
    assert_int_equal(searched(&r, 2, w, sizeof w), 8);
    assert_non_null(memmem(w, 8, "ABCD", 4)); /* not eight 00s */
    assert_int_equal(searched(&r, 3, w, sizeof w), 6);
    assert_string_equal(w, "module");
    assert_true(r.patterns.v[r.strings.v[3].pattern_first].atom_nocase);
    assert_int_equal(searched(&r, 4, w, sizeof w), 8);
    assert_non_null(strstr("=key_of_zz", w));
    assert_int_equal(searched(&r, 5, w, sizeof w), 8);
    assert_null(memmem(w, 8, "\x41\x5C\x41\x5D", 4));
    yrules_free(&r);
}

static void strings_still_match(void **state)
{
    (void)state;
    const char *pairs[] = {"l.yar", rules_text, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    static const char data[] = "xx--------------------x9 the program version netid\x00\x00\x00\x00\x00\x00\x00\x00"
                               "ABCD yy";
    struct ts_results res;
    ts_scan(db, "d", data, sizeof data - 1, &res);
    assert_non_null(ts_find(&res, "Dashes"));
    assert_non_null(ts_find(&res, "Words"));
    assert_non_null(ts_find(&res, "Binary"));
    assert_null(ts_find(&res, "Nocase"));
    ts_scan(db, "d", "a MODULE\tVersion, 123=key_of_zz", 32, &res);
    assert_non_null(ts_find(&res, "Nocase"));
    assert_non_null(ts_find(&res, "Greedy"));
    ts_scan(db, "d", "the program version net", 23, &res);
    assert_null(ts_find(&res, "Words"));
    static const uint8_t code[] = {0x90, 0x41, 0x5C, 0x41, 0x5D, 0x41, 0x5E, 0x41, 0x5F,
                                   0xC3, 0x67, 0x0F, 0xBE, 0x17, 0x39, 0xF2, 0x74, 0x12};
    ts_scan(db, "d", code, sizeof code, &res);
    assert_int_equal(ts_evidence_of(&res, "Code"), 1);
    ts_scan(db, "d", code, sizeof code - 1, &res);
    assert_null(ts_find(&res, "Code"));
    assay_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(windows_avoid_runs_and_single_words),
        cmocka_unit_test(strings_still_match),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
