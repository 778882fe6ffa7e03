/* test_yara_hash.c — the hash and string module computations against the
 * values YARA's own tests assert (../shared/yara-tests). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "yara/mod_hash.h"
#include "yara/mod_math.h"

static void digests(void **unused)
{
    (void)unused;
    char hex[65];
    const uint8_t *abcde = (const uint8_t *)"abcde";
    assert_true(yara_hash_hex(YARA_MD5, abcde, 5, hex));
    assert_string_equal(hex, "ab56b4d92b40713acc5af89985d4b786");
    size_t start, n;
    assert_true(yara_math_range(5, 1, 5, &start, &n)); /* hash.md5(1, filesize) */
    assert_true(yara_hash_hex(YARA_MD5, abcde + start, n, hex));
    assert_string_equal(hex, "e02cfbe5502b64aa5ae9f2d0d69eaa8d");
    assert_true(yara_hash_hex(YARA_SHA1, abcde, 5, hex));
    assert_string_equal(hex, "03de6c570bfe24bfc328ccd7ca46b76eadaf4334");
    assert_true(yara_hash_hex(YARA_SHA256, abcde + 1, 4, hex));
    assert_string_equal(hex, "aaaaf2863e043b9df604158ad5c16ff1adaf3fd7e9fcea5dcb322b6762b3b59a");
    assert_int_equal(yara_hash_crc32(abcde, 5), 0x8587d865);
    assert_int_equal(yara_hash_checksum32(abcde, 5), 0x1ef);
    const uint8_t *t = (const uint8_t *)"TEST STRING";
    assert_true(yara_hash_hex(YARA_SHA256, t, 11, hex));
    assert_string_equal(hex, "fb6ca29024bd42f1894620ffa45fd976217e72d988b04ee02bb4793ab9d0c862");
    assert_int_equal(yara_hash_crc32(t, 11), 0x51f9be31);
    assert_int_equal(yara_hash_checksum32(t, 11), 0x337);
}

static bool to_int(const char *s, int base, int64_t *v)
{
    return yara_string_to_int(s, strlen(s), base, v);
}

static void string_to_int(void **unused)
{
    (void)unused;
    int64_t v;
    assert_true(to_int("1234", 0, &v) && v == 1234);
    assert_true(to_int("-1", 0, &v) && v == -1);
    assert_true(to_int(" +1", 0, &v) && v == 1);
    assert_true(to_int("0x10", 0, &v) && v == 16);
    assert_true(to_int("010", 0, &v) && v == 8);
    assert_true(to_int("10", 8, &v) && v == 8);
    assert_true(to_int("10", 0, &v) && v == 10);
    assert_true(to_int("9223372036854775807", 0, &v) && v == INT64_MAX);
    assert_true(to_int("-9223372036854775808", 0, &v) && v == INT64_MIN);
    assert_false(to_int("1", -1, &v));
    assert_false(to_int("1", 1, &v));
    assert_false(to_int("1", 37, &v));
    assert_false(to_int("9223372036854775808", 0, &v));
    assert_false(to_int("-9223372036854775809", 0, &v));
    assert_false(to_int("FOO", 0, &v));
    assert_false(to_int("10A20", 0, &v));
    assert_false(to_int("", 0, &v));
    assert_false(to_int("   -", 0, &v));
    assert_false(to_int(" +0x", 0, &v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(digests),
        cmocka_unit_test(string_to_int),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
