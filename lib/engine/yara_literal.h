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

#endif
