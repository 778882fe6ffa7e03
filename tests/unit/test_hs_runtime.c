/* test_hs_runtime.c — Vectorscan's code path (lib/engine/hs_runtime.h):
 * regexes Debian 12's Vectorscan misses in its AVX-512 code are found at
 * every buffer alignment, directly and as the YARA strings they come from.
 * On a CPU without AVX-512 this passes whatever the path. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "engine/hs_runtime.h"
#include "test_support.h"

#define ALIGNMENTS 64

struct missed_case {
    const char *regex;
    const char *prefix; /* repeated PREFIX_REPEAT times before the tail */
    const char *tail;
    size_t tail_len;
};

#define PREFIX_REPEAT 80

/* The first: the last byte of a 65-byte buffer (YARA's prefilter of an
 * atom-less string); the second: a masked window without a run of exact bytes. */
static const struct missed_case cases[] = {
    {"k.*", "\x01", "k", 1},
    {"\\x64.\\x90[\\x70-\\x7f]", "x", "d:\x90pk\xccpry", 9},
};

static int count_hit(unsigned id, unsigned long long from, unsigned long long to, unsigned flags, void *ctx)
{
    (void)id, (void)from, (void)to, (void)flags;
    ++*(int *)ctx;
    return 0;
}

static size_t build_input(const struct missed_case *c, uint8_t *out)
{
    size_t n = 0;
    for (int i = 0; i < PREFIX_REPEAT; i++)
        out[n++] = (uint8_t)c->prefix[0];
    memcpy(out + n, c->tail, c->tail_len);
    return n + c->tail_len;
}

static void regexes_found_at_every_alignment(void **state)
{
    (void)state;
    static _Alignas(64) uint8_t buf[ALIGNMENTS + 256];
    uint8_t input[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        hs_database_t *db = NULL;
        hs_compile_error_t *err = NULL;
        hs_scratch_t *scratch = NULL;
        assert_int_equal(hs_compile(cases[i].regex, HS_FLAG_DOTALL, HS_MODE_BLOCK, engine_hs_platform(), &db, &err),
                         HS_SUCCESS);
        assert_int_equal(hs_alloc_scratch(db, &scratch), HS_SUCCESS);
        size_t n = build_input(&cases[i], input);
        for (int k = 0; k < ALIGNMENTS; k++) {
            memcpy(buf + k, input, n);
            int hits = 0;
            assert_int_equal(engine_hs_scan(db, (const char *)buf + k, (unsigned)n, scratch, count_hit, &hits),
                             HS_SUCCESS);
            if (hits == 0)
                fail_msg("%s: no match at alignment %d", cases[i].regex, k);
        }
        hs_free_scratch(scratch);
        hs_free_database(db);
    }
}

static const char rules[] = "rule Window { strings: $w = { 64 ?A 90 7? ?B CC } condition: $w }\n"
                            "rule Prefiltered { strings: $k = /[k]((4*9{0,}|g*8|z)p*)/i condition: $k }\n";

static void yara_strings_found_at_every_alignment(void **state)
{
    (void)state;
    const char *pairs[] = {"h.yar", rules, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    static _Alignas(64) uint8_t buf[ALIGNMENTS + 256];
    uint8_t input[256];
    const char *rule_of[] = {"Prefiltered", "Window"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t n = build_input(&cases[i], input);
        for (int k = 0; k < ALIGNMENTS; k++) {
            memcpy(buf + k, input, n);
            struct ts_results r;
            ts_scan(db, "aligned", buf + k, n, &r);
            if (!ts_find(&r, rule_of[i]))
                fail_msg("%s: no match at alignment %d", rule_of[i], k);
        }
    }
    assay_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(regexes_found_at_every_alignment),
        cmocka_unit_test(yara_strings_found_at_every_alignment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
