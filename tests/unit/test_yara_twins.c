/* test_yara_twins.c — a string defined word for word as an earlier one gets
 * copies of its patterns instead of being compiled again
 * (lib/yara/string_share.c): only when the definitions are the same, never
 * from a string a failed rule left behind, never for a chained string; and
 * every copy still matches, as its own rule's string, wherever the original
 * does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "test_support.h"
#include "yara/rules.h"

#define HEX "{ 4D 5A ?? 00 [2-4] 50 45 ( 01 | 02 ) 7? }"
#define RE "/ba[a-z]+on\\d{2}/ nocase"
#define TEXT "\"twin-text\" wide ascii"

static const char first[] = "rule A { strings: $h = " HEX " $r = " RE " $t = " TEXT " condition: any of them }\n";
static const char again[] = "rule B { strings: $x = " TEXT " $y = " HEX " $z = " RE " private condition: any of them }\n"
                            "rule C { strings: $h = " HEX " $r = /ba[a-z]+on\\d{2}/ $t = \"twin-text\" wide "
                            "condition: any of them }\n";

static void add(struct yrules *r, const char *text, bool skip_bad)
{
    struct yrules_load_options o = {.skip_bad_rules = skip_bad};
    int rc = yrules_add_text(r, "t.yar", text, strlen(text), &o);
    if (rc != ASSAY_OK && !skip_bad)
        fail_msg("%s", assay_last_error());
}

/* Are string b's patterns string a's, for string b? */
static bool copies(const struct yrules *r, uint32_t a, uint32_t b)
{
    const struct ystring *sa = &r->strings.v[a], *sb = &r->strings.v[b];
    if (sa->pattern_count != sb->pattern_count || sa->pattern_first == sb->pattern_first)
        return false;
    for (uint32_t k = 0; k < sa->pattern_count; k++) {
        const struct ypattern *p = &r->patterns.v[sa->pattern_first + k], *q = &r->patterns.v[sb->pattern_first + k];
        if (p->string != a || q->string != b || p->kind != q->kind || p->flags != q->flags || p->lit != q->lit ||
            p->lit_len != q->lit_len || p->atom != q->atom || p->atom_len != q->atom_len || p->back != q->back ||
            p->end_adj != q->end_adj || p->fwd[0] != q->fwd[0] || p->fwd[1] != q->fwd[1] || p->pre[0] != q->pre[0] ||
            p->pre[1] != q->pre[1] || p->re != q->re || p->match_bits != q->match_bits)
            return false;
    }
    return sa->yara_literal == sb->yara_literal && sa->slow == sb->slow && sa->nfrag == sb->nfrag;
}

static void same_definitions_are_copied(void **state)
{
    (void)state;
    struct yrules r;
    yrules_init(&r);
    add(&r, first, false);
    size_t regexes = r.regexes.n, bytes = r.bytes.len;
    add(&r, again, false);
    assert_int_equal(r.strings.n, 9);
    assert_true(copies(&r, 2, 3)); /* TEXT */
    assert_true(copies(&r, 0, 4)); /* HEX */
    assert_true(copies(&r, 1, 5)); /* RE, private: its matches hidden, its patterns the same */
    assert_true(r.strings.v[5].is_private);
    /* rule C: other modifiers, other patterns */
    assert_true(copies(&r, 0, 6));
    assert_false(copies(&r, 1, 7));
    assert_false(copies(&r, 2, 8));
    /* B compiled nothing: C's two new strings did */
    assert_true(r.regexes.n > regexes || r.bytes.len > bytes);
    yrules_free(&r);

    yrules_init(&r);
    add(&r, first, false);
    regexes = r.regexes.n;
    bytes = r.bytes.len;
    add(&r, "rule B { strings: $x = " TEXT " $y = " HEX " $z = " RE " condition: any of them }", false);
    assert_int_equal(r.regexes.n, regexes);
    assert_int_equal(r.bytes.len, bytes);
    yrules_free(&r);
}

/* Rule Bad's strings are compiled before its condition fails (the parser
 * cannot know pe's fields); rolled back,
 * their place is taken by Good's, which must be compiled, not copied from
 * what is gone. */
static void a_rolled_back_string_is_no_twin(void **state)
{
    (void)state;
    struct yrules r;
    yrules_init(&r);
    add(&r, "import \"pe\"\n"
            "rule Bad { strings: $a = " HEX " condition: $a and pe.no_such_field == 1 }\n"
            "rule Good { strings: $b = /other[0-9]/ $a = " HEX " condition: $a or $b }\n"
            "rule Later { strings: $a = " HEX " condition: $a }\n",
        true);
    assert_int_equal(r.rules.n, 2);
    assert_int_equal(r.strings.n, 3);
    assert_false(copies(&r, 0, 1));
    assert_true(copies(&r, 1, 2));
    yrules_free(&r);
}

/* Long jumps cut a string into fragments chained at scan time, each
 * string's chain with its own state: such strings are compiled each time. */
static void chained_strings_are_compiled_each(void **state)
{
    (void)state;
    struct yrules r;
    yrules_init(&r);
    const char *chained = "{ 41 42 43 44 45 [300-400] 46 47 48 49 4A }";
    char text[512];
    snprintf(text, sizeof text, "rule A { strings: $a = %s condition: $a }\nrule B { strings: $a = %s condition: $a }",
             chained, chained);
    add(&r, text, false);
    assert_true(r.strings.v[0].nfrag > 1);
    assert_true(r.strings.v[1].nfrag > 1);
    assert_true(r.strings.v[0].chain_first != r.strings.v[1].chain_first);
    yrules_free(&r);
}

static void copies_match_as_their_own_strings(void **state)
{
    (void)state;
    char rules[2048];
    snprintf(rules, sizeof rules, "%s%s"
             "rule D { strings: $c = { 41 42 43 44 45 [300-400] 46 47 48 49 4A } condition: $c }\n"
             "rule E { strings: $c = { 41 42 43 44 45 [300-400] 46 47 48 49 4A } condition: #c == 1 }\n",
             first, again);
    const char *pairs[] = {"t.yar", rules, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    static uint8_t data[1024];
    memset(data, '.', sizeof data);
    memcpy(data + 10, "MZ\x90\x00\x01\x02\x03PE\x02\x77", 11);
    static const char words[] = "xx BaLLoon42 t\0w\0i\0n\0-\0t\0e\0x\0t\0 twin-text";
    memcpy(data + 40, words, sizeof words - 1);
    memcpy(data + 100, "ABCDE", 5);
    memcpy(data + 450, "FGHIJ", 5);
    struct ts_results res;
    for (int pass = 0; pass < 2; pass++) {
        ts_scan(db, "d", data, sizeof data, &res);
        assert_int_equal(ts_evidence_of(&res, "A"), 4); /* hex, regex, wide and ascii text */
        assert_int_equal(ts_evidence_of(&res, "B"), 3); /* its regex private */
        assert_int_equal(ts_evidence_of(&res, "C"), 2); /* hex, wide text: its regex is not nocase */
        assert_int_equal(ts_evidence_of(&res, "D"), 1);
        assert_int_equal(ts_evidence_of(&res, "E"), 1);
        db = ts_recompiled(db); /* and loaded from a compiled file */
        assert_non_null(db);
    }
    assay_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(same_definitions_are_copied),
        cmocka_unit_test(a_rolled_back_string_is_no_twin),
        cmocka_unit_test(chained_strings_are_compiled_each),
        cmocka_unit_test(copies_match_as_their_own_strings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
