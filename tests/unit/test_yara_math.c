/* test_yara_math.c — the math module's computations against the values
 * YARA's own tests assert (../shared/yara-tests/cases-math.json). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "yara/mod_math.h"

#define BYTES(s) (const uint8_t *)(s), sizeof(s) - 1

static void ranges(void **unused)
{
    (void)unused;
    size_t start, n;
    assert_true(yara_math_range(7, 0, 3, &start, &n));
    assert_int_equal(n, 3);
    assert_true(yara_math_range(7, 4, 10, &start, &n)); /* clipped */
    assert_int_equal(start, 4);
    assert_int_equal(n, 3);
    assert_false(yara_math_range(7, 10, 3, &start, &n));
    assert_false(yara_math_range(7, 0, -3, &start, &n));
    assert_false(yara_math_range(7, -1, 3, &start, &n));
}

static void counts_percentage_mode(void **unused)
{
    (void)unused;
    uint64_t c[256];
    const uint8_t data[] = {0x41, 0x41, 0x42, 0x41, 0x41, 0x42, 0x00};
    yara_math_histogram(data, 3, c); /* math.count(0x41, 0, 3) == 2 */
    assert_int_equal(c[0x41], 2);
    size_t start, n;
    assert_true(yara_math_range(sizeof data, 4, 10, &start, &n));
    yara_math_histogram(data + start, n, c); /* math.count(0x41, 4, 10) == 1 */
    assert_int_equal(c[0x41], 1);
    const uint8_t p[] = {0x41, 0x42, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x00};
    yara_math_histogram(p, 4, c); /* math.percentage(0x41, 0, 4) == 0.5 */
    assert_true((double)c[0x41] / 4 == 0.5);
    const uint8_t m[] = {0x43, 0x43, 0x41, 0x42, 0x41, 0x43, 0x43, 0x00};
    assert_int_equal(yara_math_mode(m + 2, 3), 0x41); /* math.mode(2, 3) == 0x41 */
    const uint8_t tie[] = {0x41, 0x42, 0x41, 0x42, 0x00};
    assert_int_equal(yara_math_mode(tie, sizeof tie), 0x41);
    assert_int_equal(yara_math_mode(tie, 0), -1);
}

static void statistics(void **unused)
{
    (void)unused;
    assert_true(yara_math_entropy(BYTES("AAAAA")) == 0.0);
    assert_true(yara_math_entropy(BYTES("")) == 0.0);
    assert_true(yara_math_entropy(BYTES("AABB")) == 1.0);
    assert_true(yara_math_deviation(BYTES("AAAAA"), 0.0) == 65.0);
    assert_true(yara_math_deviation(BYTES("ABAB"), 65.0) == 0.5);
    assert_true(yara_math_mean(BYTES("ABCABC")) == 66.0);
    assert_true(yara_math_serial_correlation(BYTES("BCA")) == -0.5);
    double err;
    assert_true(yara_math_monte_carlo_pi(BYTES("ABCDEF123456987"), &err));
    assert_true(err < 0.3);
    assert_false(yara_math_monte_carlo_pi(BYTES("ABCDE"), &err));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ranges),
        cmocka_unit_test(counts_percentage_mode),
        cmocka_unit_test(statistics),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
