/* yara_literal.h — the literal Vectorscan searches for a YARA pattern. */
#ifndef ASSAY_ENGINE_YARA_LITERAL_H
#define ASSAY_ENGINE_YARA_LITERAL_H

#include "../yara/rules.h"

/* The literal handed to Vectorscan for a YARA pattern's atom: leading 00
 * bytes are dropped when enough remains (the hit still ends where the atom
 * ends, and the verifier checks the whole string); otherwise an atom
 * starting with 00 goes to the slower regex database. A masked window
 * (YPF_MASKED) is its values then its masks, 2 * atom_len bytes. */
static inline const uint8_t *engine_yara_literal(const struct yrules *y, const struct ypattern *p, uint32_t *len)
{
    const uint8_t *a = yrules_bytes(y, p->atom);
    uint32_t alen = p->atom_len, skip = 0;
    if (p->flags & YPF_MASKED) {
        *len = 2 * alen;
        return a;
    }
    while (skip < alen && a[skip] == 0)
        skip++;
    if (skip > 0 && alen - skip >= 2) {
        a += skip;
        alen -= skip;
    }
    *len = alen;
    return a;
}

/* A masked window (YPF_MASKED: n values, then n masks) is searched by its
 * longest run of exact bytes when that run has 2 bytes or more and does not
 * start with 00: the literal databases find it much faster than a regex
 * database finds the window, and the engine compares the rest of the window
 * at each hit (match.c). False: the window goes to the regex database whole. */
static inline bool engine_window_run(const uint8_t *window, uint32_t n, uint32_t *off, uint32_t *len)
{
    const uint8_t *value = window, *mask = window + n;
    uint32_t best = 0, best_len = 0;
    for (uint32_t i = 0; i < n;) {
        uint32_t j = i;
        while (j < n && mask[j] == 0xFF)
            j++;
        if (j - i > best_len && value[i] != 0) {
            best = i;
            best_len = j - i;
        }
        i = j + 1;
    }
    *off = best;
    *len = best_len;
    return best_len >= 2;
}

#endif
