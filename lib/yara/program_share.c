/* program_share.c — one program for the patterns whose programs are the
 * same (rules.h yrules_share_program). Rule sets repeat strings across rules
 * (and hex strings repeat runs of bytes): of signature-base's 18 MB of
 * programs, 6 MB are different. Entries are never removed: one left by a rule
 * that was rolled back may name an index now holding another regex, so a
 * candidate is always compared whole, and only below `valid`. */
#include <stdint.h>

#include "yara/regex.h"
#include "yara/rules.h"

struct yara_regex *yrules_share_program(struct yrules *r, struct yara_regex *re, size_t index, size_t valid)
{
    uint64_t hash = yara_regex_program_hash(re);
    const struct util_hashslots *t = &r->programs;
    for (size_t k = util_hashslots_first(t, hash); k != SIZE_MAX; k = util_hashslots_next(t, hash, k)) {
        size_t candidate = t->slots[k].value - 1;
        if (candidate < valid && yara_regex_same_program(r->regexes.v[candidate], re))
            return r->regexes.v[candidate];
    }
    /* Out of memory: this one is not shared, which only costs memory. */
    (void)util_hashslots_add(&r->programs, hash, (uint32_t)index);
    return NULL;
}
