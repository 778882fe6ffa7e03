/* sizefilter.h — "is there a hash signature of this size?" in two bit tests.
 *
 * A million hash signatures sorted by size are 56 MB; a binary search per
 * file would, over a large scan, touch most of those pages (and make them
 * count in the process's memory). The filter — a bitset with two probes per
 * (scope, size), about 16 bits per signature — answers "no" for almost every
 * file while touching two cache lines; only on "maybe" is the sorted array
 * searched. False positives cost a search, never a wrong answer. */
#ifndef ASSAY_ENGINE_SIZEFILTER_H
#define ASSAY_ENGINE_SIZEFILTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

static inline uint64_t size_filter_mix(uint64_t x)
{
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    x ^= x >> 33;
    return x;
}

/* words: the bitset as 64-bit words; nwords is a power of two (0: no filter). */
static inline void size_filter_probes(uint64_t nwords, uint8_t scope, uint64_t size, uint64_t bit[2])
{
    uint64_t h = size_filter_mix(size * 2 + scope);
    uint64_t mask = nwords * 64 - 1;
    bit[0] = h & mask;
    bit[1] = (h >> 32 | h << 32) & mask;
}

static inline void size_filter_add(uint64_t *words, uint64_t nwords, uint8_t scope, uint64_t size)
{
    uint64_t bit[2];
    size_filter_probes(nwords, scope, size, bit);
    words[bit[0] >> 6] |= 1ull << (bit[0] & 63);
    words[bit[1] >> 6] |= 1ull << (bit[1] & 63);
}

static inline bool size_filter_maybe(const uint64_t *words, uint64_t nwords, uint8_t scope, uint64_t size)
{
    if (nwords == 0)
        return true;
    uint64_t bit[2];
    size_filter_probes(nwords, scope, size, bit);
    return (words[bit[0] >> 6] >> (bit[0] & 63) & 1) && (words[bit[1] >> 6] >> (bit[1] & 63) & 1);
}

#endif
