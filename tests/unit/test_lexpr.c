/* test_lexpr.c — ClamAV logical expressions: compile, evaluate, reject.
 *
 * The expected truth values were observed with clamscan 1.4.6 (one .ldb per
 * expression, an input holding each subsignature n[i] times), so these tests
 * pin down ClamAV's behaviour, not only the documentation's wording. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sig/clam_lexpr.h"

struct lexpr_case {
    const char *expr;
    uint32_t counts[4];
    bool expect;
};

/* Compile for 4 subsignatures (or fewer when the expression needs it) and
 * evaluate. */
static bool run(const char *expr, uint32_t nsub, const uint32_t *counts)
{
    struct util_buf b = {0};
    char err[256];
    int rc = clam_lexpr_compile(expr, strlen(expr), nsub, &b, err, sizeof err);
    if (rc != 0)
        fail_msg("'%s' did not compile: %s", expr, err);
    bool r = clam_lexpr_eval(b.data, b.len, counts);
    util_buf_free(&b);
    return r;
}

static void check_cases(const struct lexpr_case *c, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        bool got = run(c[i].expr, 4, c[i].counts);
        if (got != c[i].expect)
            fail_msg("'%s' with counts [%u %u %u %u]: expected %s, got %s", c[i].expr, c[i].counts[0],
                     c[i].counts[1], c[i].counts[2], c[i].counts[3], c[i].expect ? "true" : "false",
                     got ? "true" : "false");
    }
}

#define CHECK(cases) check_cases(cases, sizeof cases / sizeof *cases)

static void test_basic(void **state)
{
    (void)state;
    static const struct lexpr_case cases[] = {
        {"0", {1}, true},
        {"0", {0}, false},
        {"3", {0, 0, 0, 7}, true},
        {"0&1", {1, 1}, true},
        {"0&1", {1, 0}, false},
        {"0|1", {0, 1}, true},
        {"0|1", {0, 0}, false},
        {"(0&1&2&3)", {1, 1, 1, 1}, true},
        {"(0&1&2&3)", {1, 1, 1, 0}, false},
        {"(0&1)|(2&3)", {0, 1, 1, 1}, true},
        {"(0&1)|(2&3)", {0, 1, 1, 0}, false},
        {"((0|1)&(2|3))", {0, 1, 1, 0}, true},
        {"(((0)))", {1}, true},
        {"01", {0, 1}, true},         /* leading zeros: index 1 */
        {" 0 & 1 ", {1, 1}, true},    /* blanks between tokens */
        {"0\t|\t1", {0, 1}, true},
    };
    CHECK(cases);
}

/* A=X, A>X, A<X on one subsignature: Y is ignored. */
static void test_single_modifiers(void **state)
{
    (void)state;
    static const struct lexpr_case cases[] = {
        {"0=2", {2}, true},
        {"0=2", {3}, false},
        {"0=0", {0}, true},
        {"0=0", {1}, false},
        {"0>0", {0}, false},
        {"0>1", {2}, true},
        {"0<1", {0}, true},
        {"0<3", {0}, true},
        {"0<3", {3}, false},
        {"0=2,3", {2}, true},        /* Y ignored for a single subsignature */
        {"0>1,5", {2}, true},
        {"0<3,5", {2}, true},
        {"0<3,3", {0}, true},
        {"0=4294967295", {1}, false},
        {"0=4294967295", {4294967295u}, true},
        {"0=0&1", {0, 1}, true},     /* the modifier binds to its operand: (0=0)&1 */
        {"0=0&1", {0, 0}, false},
        {"0&1=0", {1, 0}, true},     /* 0&(1=0) */
        {"0&1=0", {0, 0}, false},
    };
    CHECK(cases);
}

/* (A)=X,Y (A)>X,Y (A)<X,Y: X on the sum of counts, Y on distinct subsignatures. */
static void test_group_modifiers(void **state)
{
    (void)state;
    static const struct lexpr_case cases[] = {
        {"(0|1)=3", {2, 1}, true},
        {"(0|1)=3", {3, 0}, true},
        {"(0|1)=3", {2, 2}, false},
        {"(0|1)=3,2", {2, 1}, true},
        {"(0|1)=3,2", {3, 0}, false},
        {"(0|1)=3,1", {3, 0}, true},
        {"(0|1|2)=3,2", {1, 1, 1}, true},   /* at least Y distinct */
        {"(0|1|2)=3,3", {1, 1, 1}, true},
        {"(0|1|2)=3,4", {1, 1, 1}, false},
        {"(0|1)>2", {2, 1}, true},
        {"(0|1)>2", {2, 0}, false},
        {"(0|1)>2,2", {3, 0}, false},
        {"(0|1)>2,2", {2, 1}, true},
        {"(0|1)<3", {1, 1}, true},
        {"(0|1)<3", {2, 1}, false},
        {"(0|1)<3,2", {1, 1}, true},
        {"(0|1)<3,2", {2, 0}, false},
        {"(0|1)<3,1", {0, 0}, false},
        {"(0|1)<3", {0, 0}, true},
        {"(0|1)=0", {0, 0}, true},
        {"(0|1)=0", {0, 1}, false},
        {"(0|1)=1,2", {1, 0}, false},
        {"((0|1|2)>5,2)&(3|1)", {3, 3, 0, 1}, true},
        {"((0|1|2)>5,2)&(3|1)", {6, 0, 0, 1}, false},
    };
    CHECK(cases);
}

/* How counts and distinct subsignatures flow through nested groups. */
static void test_group_flow(void **state)
{
    (void)state;
    static const struct lexpr_case cases[] = {
        /* a false & contributes no count */
        {"(0&1)=0", {2, 0}, true},
        {"(0&1)=2", {2, 0}, false},
        {"(0&1)=3", {2, 1}, true},
        {"(0&1)>1", {3, 1}, true},
        {"(0&1)=2,2", {1, 1}, true},
        /* a satisfied modifier hands its operand's count up */
        {"((0>1)|1)=3", {2, 1}, true},
        {"((0>1)|1)=2", {2, 1}, false},
        {"((0>1)|1)=2", {2, 0}, true},
        {"((0>1)|1)=1", {1, 1}, true},       /* an unsatisfied one: nothing */
        {"((0=0)|1)=0", {0, 0}, true},
        {"((0=0)|1)=1", {0, 0}, false},
        {"(0=0)&1", {0, 1}, true},           /* a satisfied 0=0 is true */
        /* the same subsignature twice: counted twice, distinct once */
        {"(0|0)=2", {1}, true},
        {"(0|0)=1", {1}, false},
        {"(0|0)=2,2", {1}, false},
        {"(0|0)=1,2", {1}, false},
        /* a satisfied single-subsignature modifier counts it as distinct, even at 0 matches */
        {"((0=0)|1)=1,2", {0, 1}, true},
        {"((0=0)&1)=1,2", {0, 1}, true},
        {"((0=0)|(0=0))=0,2", {0}, false},
        {"((0=0)|(0=0))=0,1", {0}, true},
        {"((0=0)|(1=0))=0,2", {0, 0}, true},
        {"((0>0)|0)=2,2", {1}, false},
        {"((0>0)|0)=2,1", {1}, true},
        {"((0=1)|1)=1,2", {1, 0}, false},
        {"((0=1)|1)=1,1", {1, 0}, true},
        {"((0=1)|1)=0,1", {2, 0}, false},
        {"((0=1)|1)=0,0", {2, 0}, true},
        /* distinct subsignatures pass through plain nested groups ... */
        {"((0|1)|2)=3,3", {1, 1, 1}, true},
        /* ... but a counted group hands up its count only */
        {"((0|1)<5|2)=2", {1, 0, 1}, true},
        {"((0|1)<5|2)=2,1", {1, 0, 1}, true},
        {"((0|1)<5|2)=2,2", {1, 0, 1}, false},
        {"((0|1)=0|2)=1,1", {0, 0, 1}, true},
        {"((0|1)=0|2)=1,2", {0, 0, 1}, false},
        {"((0|1)>1|2)=3", {1, 1, 1}, true},
        {"((0|1)>1|2)=2", {1, 1, 1}, false},
    };
    CHECK(cases);
}

/* Mixed & and | without parentheses: the outermost chain groups from the
 * right, a chain inside parentheses from the left (as ClamAV does). */
static void test_associativity(void **state)
{
    (void)state;
    static const struct lexpr_case cases[] = {
        {"0|1&2", {1, 0, 0}, true},          /* 0|(1&2) */
        {"0|1&2", {0, 1, 0}, false},
        {"0|1&2", {0, 1, 1}, true},
        {"0&1|2", {0, 0, 1}, false},         /* 0&(1|2) */
        {"0&1|2", {1, 0, 1}, true},
        {"0&1|2", {1, 1, 0}, true},
        {"(0|1&2)", {1, 0, 0}, false},       /* (0|1)&2 */
        {"(0|1&2)", {0, 1, 1}, true},
        {"(0&1|2)", {0, 0, 1}, true},        /* (0&1)|2 */
        {"(0&1|2)", {1, 0, 0}, false},
        {"(0|1)|2&3", {1, 0, 0, 0}, true},
        {"(0|1)|2&3", {0, 0, 0, 1}, false},
        {"(0|1)&2|3", {1, 0, 0, 1}, true},
        {"(0|1)&2|3", {0, 0, 0, 1}, false},
        {"((0|1)|2&3)", {1, 0, 0, 0}, false},
        {"0|1&2&3", {1, 0, 0, 0}, true},     /* 0|((1&2)&3) */
        {"0|1&2&3", {0, 1, 1, 0}, false},
        {"0&1&2|3", {1, 1, 0, 1}, true},     /* (0&1)&(2|3) */
        {"0&1&2|3", {1, 1, 0, 0}, false},
        {"0&1|2&3", {1, 0, 1, 1}, true},     /* 0&(1|(2&3)) */
        {"0&1|2&3", {1, 0, 1, 0}, false},
        {"0|1=0&2", {0, 1, 1}, false},       /* 0|((1=0)&2) */
        {"0|1=0&2", {0, 0, 1}, true},
    };
    CHECK(cases);
}

/* Counts far beyond 32 bits when summed must not wrap. */
static void test_large_counts(void **state)
{
    (void)state;
    uint32_t big[4] = {UINT32_MAX, UINT32_MAX, UINT32_MAX, UINT32_MAX};
    assert_true(run("(0|1|2|3)>4294967295", 4, big));
    assert_false(run("(0|1|2|3)<4294967295", 4, big));
    assert_true(run("((0|1)|(2|3))>4294967295,4", 4, big));
}

/* The byte code is documented in clam_lexpr.c; it lives in database files,
 * so its encoding is part of the format. */
static void test_encoding(void **state)
{
    (void)state;
    struct {
        const char *expr;
        uint32_t nsub;
        uint8_t code[12];
        size_t len;
    } const cases[] = {
        {"0&1", 2, {0x00, 0x01, 0x40}, 3},
        {"0|1", 2, {0x00, 0x01, 0x41}, 3},
        {"(0|1)>2,1", 2, {0x00, 0x01, 0x41, 0x46, 0x02, 0x01}, 6},
        {"(0|1)=3", 2, {0x00, 0x01, 0x41, 0x44, 0x03, 0x00}, 6},
        {"0=300", 1, {0x48, 0x00, 0xac, 0x02}, 4},
        {"63<1", 64, {0x49, 0x3f, 0x01}, 3},
        {"0|1&2", 3, {0x00, 0x01, 0x02, 0x40, 0x41}, 5},
        {"(0|1&2)", 3, {0x00, 0x01, 0x41, 0x02, 0x40}, 5},
        {"0&1&2", 3, {0x00, 0x01, 0x40, 0x02, 0x40}, 5},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct util_buf b = {0};
        assert_int_equal(util_buf_append(&b, "xy", 2), 0); /* code is appended */
        char err[128];
        assert_int_equal(clam_lexpr_compile(cases[i].expr, strlen(cases[i].expr), cases[i].nsub, &b, err,
                                            sizeof err), 0);
        assert_int_equal(b.len, 2 + cases[i].len);
        assert_memory_equal(b.data, "xy", 2);
        assert_memory_equal(b.data + 2, cases[i].code, cases[i].len);
        util_buf_free(&b);
    }
}

struct bad_case {
    const char *expr;
    uint32_t nsub;
    const char *message; /* expected to be contained in the error */
};

static void test_errors(void **state)
{
    (void)state;
    static const struct bad_case cases[] = {
        {"", 1, "column 1: expected a subsignature index or '(', found the end"},
        {"(", 1, "column 2: expected a subsignature index or '('"},
        {"(0", 1, "column 3: missing ')' for the '(' at column 1"},
        {"0)", 1, "column 2: ')' without a matching '('"},
        {"0&", 1, "column 3: expected a subsignature index"},
        {"&0", 1, "column 1: expected a subsignature index or '(', found '&'"},
        {"()", 1, "column 2: expected a subsignature index or '(', found ')'"},
        {"0=", 1, "column 3: expected a count after the comparison"},
        {"0=1,", 1, "column 5: expected a number of distinct subsignatures"},
        {"0=x", 1, "column 3: expected a count after the comparison, found 'x'"},
        {"0x1", 1, "column 2: unexpected 'x' after a complete expression"},
        {"0 1", 2, "column 3: unexpected '1'"},
        {"0=1,2,3", 1, "column 6: unexpected ','"},
        {"2", 2, "column 1: subsignature 2 does not exist (the signature has 2)"},
        {"0&(1|5)", 5, "column 6: subsignature 5 does not exist"},
        {"99999999999", 1, "column 1: a subsignature index is too large"},
        {"0=4294967296", 1, "column 3: a count after the comparison is too large"},
        {"(0)=1", 1, "column 4: '=' after parentheses needs '&' or '|' directly inside them"},
        {"((0|1))=1", 2, "column 8: '=' after parentheses"},
        {"(0=1)=1", 1, "column 6: '=' after parentheses"},
        {"0>1>0", 1, "column 4: only one modifier per operand"},
        {"(0|1)=1<2", 2, "column 8: only one modifier per operand"},
        {"(0|1(", 2, "column 5: expected '&', '|' or ')', found '('"},
        {"0|\x01", 1, "column 3: expected a subsignature index or '(', found byte 0x01"},
        {"0", 65, "column 1: more than 64 subsignatures"},
        {"0;1", 2, "column 2: unexpected ';'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct util_buf b = {0};
        assert_int_equal(util_buf_append(&b, "keep", 4), 0);
        char err[256];
        int rc = clam_lexpr_compile(cases[i].expr, strlen(cases[i].expr), cases[i].nsub, &b, err, sizeof err);
        if (rc != -1)
            fail_msg("'%s' compiled but should not", cases[i].expr);
        if (!strstr(err, cases[i].message))
            fail_msg("'%s': message '%s' lacks '%s'", cases[i].expr, err, cases[i].message);
        assert_int_equal(b.len, 4); /* nothing left behind */
        util_buf_free(&b);
    }
}

/* Nesting is bounded at 64 parentheses, the evaluation stack at 128. */
static void test_limits(void **state)
{
    (void)state;
    char text[512];
    size_t n = 0;
    for (int i = 0; i < 64; i++)
        text[n++] = '(';
    text[n++] = '0';
    for (int i = 0; i < 64; i++)
        text[n++] = ')';
    uint32_t one[1] = {1};
    struct util_buf b = {0};
    char err[256];
    assert_int_equal(clam_lexpr_compile(text, n, 1, &b, err, sizeof err), 0);
    assert_true(clam_lexpr_eval(b.data, b.len, one));
    util_buf_free(&b);

    n = 0;
    for (int i = 0; i < 65; i++)
        text[n++] = '(';
    text[n++] = '0';
    for (int i = 0; i < 65; i++)
        text[n++] = ')';
    assert_int_equal(clam_lexpr_compile(text, n, 1, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "column 65: parentheses nested deeper than 64"));
    assert_int_equal(b.len, 0);

    /* 0|(0&(0|(0&...))) alternating at the top level keeps every operand
     * pending; 128 fit, 129 do not. */
    n = 0;
    for (int i = 0; i < 128; i++) {
        if (i)
            text[n++] = i % 2 ? '&' : '|';
        text[n++] = '0';
    }
    assert_int_equal(clam_lexpr_compile(text, n, 1, &b, err, sizeof err), 0);
    assert_true(clam_lexpr_eval(b.data, b.len, one));
    util_buf_free(&b);
    text[n++] = '|';
    text[n++] = '0';
    assert_int_equal(clam_lexpr_compile(text, n, 1, &b, err, sizeof err), -1);
    assert_non_null(strstr(err, "expression too complex"));

    /* A long run of one operator stays shallow. */
    n = 0;
    for (int i = 0; i < 200; i++) {
        if (i)
            text[n++] = '|';
        text[n++] = '0';
    }
    assert_int_equal(clam_lexpr_compile(text, n, 1, &b, err, sizeof err), 0);
    util_buf_free(&b);
}

/* The evaluator reads code from a mapped file: malformed code is false. */
static void test_eval_malformed(void **state)
{
    (void)state;
    uint32_t c[2] = {1, 1};
    static const uint8_t empty[1] = {0};
    static const uint8_t two[] = {0x00, 0x01};              /* two results */
    static const uint8_t underflow[] = {0x00, 0x40};
    static const uint8_t unknown[] = {0x00, 0x7f};
    static const uint8_t cut_varint[] = {0x00, 0x44, 0x81};
    static const uint8_t long_varint[] = {0x48, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01};
    static const uint8_t bad_leaf[] = {0x48, 0x40, 0x01};
    static const uint8_t good[] = {0x00, 0x01, 0x40};
    assert_false(clam_lexpr_eval(empty, 0, c));
    assert_false(clam_lexpr_eval(two, sizeof two, c));
    assert_false(clam_lexpr_eval(underflow, sizeof underflow, c));
    assert_false(clam_lexpr_eval(unknown, sizeof unknown, c));
    assert_false(clam_lexpr_eval(cut_varint, sizeof cut_varint, c));
    assert_false(clam_lexpr_eval(long_varint, sizeof long_varint, c));
    assert_false(clam_lexpr_eval(bad_leaf, sizeof bad_leaf, c));
    assert_false(clam_lexpr_eval(NULL, 0, c));
    assert_true(clam_lexpr_eval(good, sizeof good, c));
    uint8_t deep[200];
    memset(deep, 0x00, sizeof deep);                        /* 200 pushes */
    assert_false(clam_lexpr_eval(deep, sizeof deep, c));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic),
        cmocka_unit_test(test_single_modifiers),
        cmocka_unit_test(test_group_modifiers),
        cmocka_unit_test(test_group_flow),
        cmocka_unit_test(test_associativity),
        cmocka_unit_test(test_large_counts),
        cmocka_unit_test(test_encoding),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_eval_malformed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
