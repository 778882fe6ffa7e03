/* fuzz_yara_regex.c — libFuzzer target for lib/yara/regex*.
 *
 * Input: byte 0 = flags (bit 0 nocase, bit 1 dot-all), then the regex text up
 * to the first NUL (at most 200 bytes), then the data to scan. When the regex
 * compiles, the target checks that search agrees with match_at (same length
 * at the reported start, no match at any earlier start), that the match fits
 * the data, that the match contains one of the prefilter literals, and that
 * a copy of the AST assembled node by node matches as the regex does.
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

/* A copy of the AST assembled node by node (regex_build.c) must match
 * exactly as the parsed regex does, at every start. */
static void check_copy(const struct yara_regex *re, const uint8_t *d, size_t n)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(re, &count, &root);
    struct yara_regex *copy = yara_regex_new(yara_regex_flags(re));
    if (!copy)
        return;
    struct yara_regex_list top = {0};
    yara_regex_append_copy(copy, &top, nodes, root, false, false);
    uint32_t r = top.count ? yara_regex_list_close(copy, &top, YARA_REGEX_CONCAT) : YARA_REGEX_NONE;
    if (r != YARA_REGEX_NONE && yara_regex_finish(copy, r, NULL) == 0) {
        for (size_t s = 0; s <= n && s < 64; s++) {
            size_t l1 = 0, l2 = 0;
            bool a = yara_regex_match_at(re, d, n, s, &l1), b = yara_regex_match_at(copy, d, n, s, &l2);
            if (a != b || (a && l1 != l2))
                abort(); /* the copy matches differently */
        }
    }
    yara_regex_free(copy);
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
    check_copy(re, rest, rest_n);
    yara_regex_free(re);
    return 0;
}
