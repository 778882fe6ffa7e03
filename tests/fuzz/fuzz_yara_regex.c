/* fuzz_yara_regex.c — libFuzzer target for lib/yara/regex*.
 *
 * Input: byte 0 = flags (bit 0 nocase, bit 1 dot-all), then the regex text up
 * to the first NUL (at most 200 bytes), then the data to scan. When the regex
 * compiles, the target checks that search agrees with match_at (same length
 * at the reported start, no match at any earlier start), that the match fits
 * the data, and that the match contains one of the prefilter literals.
 *
 *   clang -std=c17 -g -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *       lib/util/buf.c lib/util/error.c lib/yara/regex*.c tests/fuzz/fuzz_yara_regex.c \
 *       -o fuzz_yara_regex */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yara/regex.h"

static int lower(int c)
{
    return c >= 'A' && c <= 'Z' ? c + 32 : c;
}

static int contains(const uint8_t *h, size_t hn, const uint8_t *n, size_t nn, int nocase)
{
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn && (nocase ? lower(h[i + k]) == lower(n[k]) : h[i + k] == n[k]))
            k++;
        if (k == nn)
            return 1;
    }
    return 0;
}

static void check(const struct yara_regex *re, const uint8_t *d, size_t n)
{
    size_t ms = 0, ml = 0, l2 = 0;
    int found = yara_regex_search(re, d, n, 0, &ms, &ml);
    size_t limit = found ? ms : n + 1;
    if (limit > 64)
        limit = 64;
    for (size_t s = 0; s < limit; s++)
        if (yara_regex_match_at(re, d, n, s, &l2))
            abort(); /* search missed an earlier start */
    if (!found)
        return;
    if (ms > n || ml > n - ms)
        abort();
    if (ml < YARA_REGEX_SCAN_LIMIT) {
        if (!yara_regex_match_at(re, d, n, ms, &l2) || l2 != ml)
            abort();
    }
    struct yara_regex_literals lits;
    if (yara_regex_literals(re, &lits) != 0 || lits.n == 0)
        return;
    for (size_t i = 0; i < lits.n; i++)
        if (contains(d + ms, ml, lits.v[i].bytes, lits.v[i].len, lits.nocase))
            return;
    abort(); /* a match without any required literal */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    unsigned flags = data[0] & 3u;
    data++;
    size--;
    const uint8_t *nul = memchr(data, 0, size < 200 ? size : 200);
    size_t rlen = nul ? (size_t)(nul - data) : (size < 200 ? size : 200);
    const uint8_t *rest = data + rlen + (nul ? 1 : 0);
    size_t rest_n = size - (size_t)(rest - data);
    struct yara_regex *re = NULL;
    if (yara_regex_compile((const char *)data, rlen, flags, &re, NULL) != 0)
        return 0;
    check(re, rest, rest_n);
    yara_regex_free(re);
    return 0;
}
