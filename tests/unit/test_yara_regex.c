/* test_yara_regex.c — unit tests of lib/yara/regex*: the YARA compatibility
 * cases of kind assert_true_regexp / assert_false_regexp /
 * assert_regexp_syntax_error from $ASSAY_SHARED/yara-tests/cases.json, plus
 * hand-written cases for lazy vs greedy, anchors, \b, nocase, dot-all, error
 * columns, limits and literal extraction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "yara/regex.h"

/* ---- helpers ------------------------------------------------------------ */

static struct yara_regex *compile_ok(const char *src, unsigned flags)
{
    struct yara_regex *re = NULL;
    struct yara_regex_error err;
    int rc = yara_regex_compile(src, strlen(src), flags, &re, &err);
    if (rc != 0)
        fprintf(stderr, "compile /%s/ failed: col %zu %s\n", src, err.column, err.message);
    assert_int_equal(rc, 0);
    return re;
}

/* First match of src over data: its bytes in out (NUL-terminated), or -1. */
static int first_match(const char *src, unsigned flags, const char *data, char *out)
{
    struct yara_regex *re = compile_ok(src, flags);
    size_t ms, ml;
    int rc = -1;
    if (yara_regex_search(re, (const uint8_t *)data, strlen(data), 0, &ms, &ml)) {
        memcpy(out, data + ms, ml);
        out[ml] = '\0';
        rc = (int)ms;
    }
    yara_regex_free(re);
    return rc;
}

#define ASSERT_FIRST(re, flags, data, expect)                       \
    do {                                                            \
        char buf_[256];                                             \
        assert_true(first_match(re, flags, data, buf_) >= 0);       \
        assert_string_equal(buf_, expect);                          \
    } while (0)

#define ASSERT_NONE(re, flags, data)                                \
    do {                                                            \
        char buf_[256];                                             \
        assert_int_equal(first_match(re, flags, data, buf_), -1);   \
    } while (0)

static size_t error_column(const char *src)
{
    struct yara_regex *re = NULL;
    struct yara_regex_error err;
    int rc = yara_regex_compile(src, strlen(src), 0, &re, &err);
    assert_int_not_equal(rc, 0);
    assert_null(re);
    return err.column;
}

/* ---- the yara-tests cases ------------------------------------------------ */

static int unhex(const char *h, uint8_t **out, size_t *n)
{
    size_t l = strlen(h);
    *n = l / 2;
    *out = malloc(*n + 1);
    if (!*out)
        return -1;
    for (size_t i = 0; i < *n; i++) {
        unsigned v;
        if (sscanf(h + 2 * i, "%2x", &v) != 1)
            return -1;
        (*out)[i] = (uint8_t)v;
    }
    return 0;
}

/* Split "rule test { strings: $a = /RE/flags condition: $a }". */
static int extract_regex(const char *rule, char **re, unsigned *flags)
{
    const char *a = strstr(rule, "= /");
    const char *cond = strstr(rule, " condition:");
    if (!a || !cond)
        return -1;
    a += 3;
    const char *z = cond;
    while (z > a && z[-1] != '/')
        z--;
    if (z <= a)
        return -1;
    *flags = 0;
    for (const char *f = z; f < cond; f++) {
        if (*f == 'i')
            *flags |= YARA_REGEX_NOCASE;
        if (*f == 's')
            *flags |= YARA_REGEX_DOTALL;
    }
    size_t n = (size_t)(z - 1 - a);
    *re = malloc(n + 1);
    if (!*re)
        return -1;
    memcpy(*re, a, n);
    (*re)[n] = '\0';
    return 0;
}

struct tally {
    int pass, total;
};

/* YARA's own assert_true_regexp passes when any reported match (one per start
 * offset) equals the capture; *first tells whether the first one does. */
static bool run_true(const struct yara_regex *re, const uint8_t *d, size_t n, const char *cap,
                     bool *first)
{
    size_t cl = strlen(cap), ms, ml;
    *first = yara_regex_search(re, d, n, 0, &ms, &ml) && ml == cl && memcmp(d + ms, cap, cl) == 0;
    for (size_t s = 0; s <= n; s++)
        if (yara_regex_match_at(re, d, n, s, &ml) && ml == cl && memcmp(d + s, cap, cl) == 0)
            return true;
    return false;
}

static bool run_case(json_t *c, const char *kind, int *first_ok)
{
    const char *rule = json_string_value(json_object_get(c, "rule"));
    char *src = NULL;
    unsigned flags;
    if (!rule || extract_regex(rule, &src, &flags) != 0) {
        free(src);
        return false;
    }
    struct yara_regex *re = NULL;
    int rc = yara_regex_compile(src, strlen(src), flags, &re, NULL);
    bool ok = false;
    if (strcmp(kind, "assert_regexp_syntax_error") == 0) {
        ok = rc != 0;
    } else if (rc == 0) {
        uint8_t *d = NULL;
        size_t n = 0;
        const char *hex = json_string_value(json_object_get(c, "data"));
        if (unhex(hex ? hex : "", &d, &n) == 0) {
            if (strcmp(kind, "assert_true_regexp") == 0) {
                const char *cap = json_string_value(json_object_get(c, "capture"));
                bool first = false;
                ok = cap && run_true(re, d, n, cap, &first);
                *first_ok += first;
            } else {
                size_t ms, ml;
                ok = !yara_regex_search(re, d, n, 0, &ms, &ml);
            }
        }
        free(d);
    }
    if (!ok)
        printf("  FAIL %s line %d: /%s/ rc=%d\n", kind,
               (int)json_integer_value(json_object_get(c, "line")), src, rc);
    yara_regex_free(re);
    free(src);
    return ok;
}

static void test_yara_cases(void **state)
{
    (void)state;
    const char *dir = getenv("ASSAY_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/cases.json", dir ? dir : "../shared");
    json_error_t jerr;
    json_t *root = json_load_file(path, 0, &jerr);
    if (!root) {
        printf("cannot load %s: %s (skipped)\n", path, jerr.text);
        skip();
    }
    static const char *kinds[] = {"assert_true_regexp", "assert_false_regexp",
                                  "assert_regexp_syntax_error"};
    struct tally t[3] = {{0, 0}, {0, 0}, {0, 0}};
    int first_ok = 0;
    size_t i;
    json_t *c;
    json_array_foreach(root, i, c) {
        const char *kind = json_string_value(json_object_get(c, "kind"));
        for (int k = 0; k < 3 && kind; k++) {
            if (strcmp(kind, kinds[k]) != 0)
                continue;
            t[k].total++;
            t[k].pass += run_case(c, kind, &first_ok);
        }
    }
    int pass = 0, total = 0;
    for (int k = 0; k < 3; k++) {
        printf("%s: %d/%d pass\n", kinds[k], t[k].pass, t[k].total);
        pass += t[k].pass;
        total += t[k].total;
    }
    printf("assert_true_regexp whose first match equals the capture: %d/%d\n", first_ok,
           t[0].total);
    printf("total: %d/%d\n", pass, total);
    json_decref(root);
    assert_true(total > 0);
    assert_true(pass * 100 >= total * 98);
}

/* ---- hand-written ------------------------------------------------------- */

static void test_greedy_lazy(void **state)
{
    (void)state;
    ASSERT_FIRST("ab*", 0, "abbbc", "abbb");
    ASSERT_FIRST("ab*?", 0, "abbbc", "a");
    ASSERT_FIRST("ab+?", 0, "abbbc", "ab");
    ASSERT_FIRST("ab{2,3}?", 0, "abbbc", "abb");
    ASSERT_FIRST("ab{2,}", 0, "abbbbc", "abbbb");
    ASSERT_FIRST("a.*c", 0, "abcbc", "abcbc");
    ASSERT_FIRST("a.*?c", 0, "abcbc", "abc");
    ASSERT_FIRST("(a|ab)", 0, "ab", "a"); /* priority, like YARA's fibers */
    ASSERT_FIRST("x{0}y", 0, "xy", "y");
    ASSERT_FIRST("(a*)*b", 0, "aab", "aab");
}

static void test_anchors(void **state)
{
    (void)state;
    ASSERT_FIRST("^abc", 0, "abcabc", "abc");
    ASSERT_NONE("^bc", 0, "abc");
    ASSERT_FIRST("bc$", 0, "abcbc", "bc");
    ASSERT_NONE("ab$", 0, "abc");
    ASSERT_FIRST("\\bfoo\\b", 0, "xfoo foo", "foo");
    ASSERT_NONE("\\bfoo\\b", 0, "xfoo_");
    ASSERT_FIRST("\\Boo", 0, "foo", "oo");
    size_t ml;
    struct yara_regex *re = compile_ok("\\bb", 0);
    assert_false(yara_regex_match_at(re, (const uint8_t *)"ab", 2, 1, &ml));
    assert_true(yara_regex_match_at(re, (const uint8_t *)"-b", 2, 1, &ml));
    assert_int_equal(ml, 1);
    yara_regex_free(re);
}

static void test_nocase_dotall(void **state)
{
    (void)state;
    ASSERT_FIRST("abc", YARA_REGEX_NOCASE, "xAbC", "AbC");
    ASSERT_NONE("abc", 0, "xAbC");
    ASSERT_FIRST("[a-c]+", YARA_REGEX_NOCASE, "xAbCd", "AbC");
    ASSERT_FIRST("[^a]+", YARA_REGEX_NOCASE, "bAc", "b");
    ASSERT_NONE("a.b", 0, "a\nb");
    ASSERT_FIRST("a.b", YARA_REGEX_DOTALL, "a\nb", "a\nb");
    ASSERT_FIRST("a[^x]b", 0, "a\nb", "a\nb");
}

static void test_errors(void **state)
{
    (void)state;
    assert_int_equal(error_column(")"), 1);
    assert_int_equal(error_column("ab)"), 3);
    assert_int_equal(error_column("a(bc"), 2);
    assert_int_equal(error_column("ab{3,2}"), 3);
    assert_int_equal(error_column("*a"), 1);
    assert_int_equal(error_column("a**"), 3);
    assert_int_equal(error_column("^*"), 2);
    assert_int_equal(error_column("ab\\x4"), 3);
    assert_int_equal(error_column("ab\\"), 3);
    assert_int_equal(error_column("a[b-a]"), 3);
    assert_int_equal(error_column("a[bc"), 2);
    assert_int_equal(error_column("a{32768}"), 2);
    assert_int_equal(error_column("(|a)"), 2);
    assert_int_equal(error_column(""), 1);
    assert_int_equal(error_column("a()"), 3);
    (void)error_column("(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                       "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                       "(((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
                       "a");
    (void)error_column("(a{1000}){1000}"); /* program too large */
    struct yara_regex *re = compile_ok("a{32767}", 0);
    yara_regex_free(re);
    re = compile_ok("ab{x}", 0); /* literal brace */
    yara_regex_free(re);
    re = compile_ok("a\\qb", 0);
    assert_true(yara_regex_has_unknown_escape(re));
    yara_regex_free(re);
}

static void test_scan_limit(void **state)
{
    (void)state;
    size_t n = YARA_REGEX_SCAN_LIMIT * 2, ml;
    uint8_t *d = malloc(n);
    assert_non_null(d);
    memset(d, 'a', n);
    struct yara_regex *re = compile_ok("a+", 0);
    assert_true(yara_regex_match_at(re, d, n, 0, &ml));
    assert_int_equal(ml, YARA_REGEX_SCAN_LIMIT);
    yara_regex_free(re);
    free(d);
}

static void test_match_at_empty(void **state)
{
    (void)state;
    size_t ml = 99;
    struct yara_regex *re = compile_ok("a{,0}", 0);
    assert_true(yara_regex_match_at(re, (const uint8_t *)"x", 1, 0, &ml));
    assert_int_equal(ml, 0);
    assert_true(yara_regex_match_at(re, (const uint8_t *)"x", 1, 1, &ml));
    yara_regex_free(re);
}

/* Literals as a "|"-joined string, "" when there are none. */
static void literals_of(const char *src, unsigned flags, char *out)
{
    struct yara_regex *re = compile_ok(src, flags);
    struct yara_regex_literals l;
    assert_int_equal(yara_regex_literals(re, &l), 0);
    out[0] = '\0';
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            strcat(out, "|");
        strncat(out, (const char *)l.v[i].bytes, l.v[i].len);
    }
    assert_int_equal(l.nocase, (flags & YARA_REGEX_NOCASE) != 0);
    yara_regex_free(re);
}

#define ASSERT_LITS(re, flags, expect)            \
    do {                                          \
        char lb_[2048];                           \
        literals_of(re, flags, lb_);              \
        assert_string_equal(lb_, expect);         \
    } while (0)

static void test_literals(void **state)
{
    (void)state;
    ASSERT_LITS("abc", 0, "abc");
    ASSERT_LITS("ab.*cdef", 0, "cdef");
    ASSERT_LITS("a(bc)+d", 0, "abc");
    ASSERT_LITS("x(bc){2}y", 0, "xbcbcy");
    ASSERT_LITS("(ab|ab)c", 0, "abc");
    ASSERT_LITS("foo|barz", 0, "foo|barz");
    ASSERT_LITS("foo|b?", 0, "");
    ASSERT_LITS(".*", 0, "");
    ASSERT_LITS("a?", 0, "");
    ASSERT_LITS("[ab]", 0, "");
    ASSERT_LITS("\\bMZ\\x90\\b", 0, "MZ\x90");
    ASSERT_LITS("AbC[dD]", YARA_REGEX_NOCASE, "abcd");
    ASSERT_LITS("ab[cC]", 0, "ab");
    ASSERT_LITS("a{100}", 0,
                "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_yara_cases),   cmocka_unit_test(test_greedy_lazy),
        cmocka_unit_test(test_anchors),      cmocka_unit_test(test_nocase_dotall),
        cmocka_unit_test(test_errors),       cmocka_unit_test(test_scan_limit),
        cmocka_unit_test(test_match_at_empty), cmocka_unit_test(test_literals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
