/* program_share.c — one program for the patterns whose programs are the
 * same (rules.h yrules_share_program). Rule sets repeat strings across rules
 * (and hex strings repeat runs of bytes): of signature-base's 18 MB of
 * programs, 6 MB are different. Slots are never removed: one left by a rule
 * that was rolled back may name an index now holding another regex, so a
 * candidate is always compared whole, and only below `valid`. */
#include <stdlib.h>

#include "yara/regex.h"
#include "yara/rules.h"

static struct yara_regex *find(const struct yrules *r, const struct yara_regex *re, uint64_t hash, size_t valid)
{
    size_t mask = r->programs.cap - 1;
    for (size_t k = hash & mask; r->programs.slots[k].regex; k = (k + 1) & mask) {
        const struct yprogram_slot *s = &r->programs.slots[k];
        if (s->hash == hash && s->regex - 1 < valid && yara_regex_same_program(r->regexes.v[s->regex - 1], re))
            return r->regexes.v[s->regex - 1];
    }
    return NULL;
}

static void put(struct yprogram_slot *slots, size_t cap, struct yprogram_slot s)
{
    size_t k = s.hash & (cap - 1);
    while (slots[k].regex)
        k = (k + 1) & (cap - 1);
    slots[k] = s;
}

static bool grow(struct yrules *r)
{
    size_t cap = r->programs.cap ? 2 * r->programs.cap : 1024;
    struct yprogram_slot *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t k = 0; k < r->programs.cap; k++)
        if (r->programs.slots[k].regex)
            put(slots, cap, r->programs.slots[k]);
    free(r->programs.slots);
    r->programs.slots = slots;
    r->programs.cap = cap;
    return true;
}

struct yara_regex *yrules_share_program(struct yrules *r, struct yara_regex *re, size_t index, size_t valid)
{
    uint64_t hash = yara_regex_program_hash(re);
    struct yara_regex *same = r->programs.cap ? find(r, re, hash, valid) : NULL;
    if (same)
        return same;
    if (2 * (r->programs.used + 1) > r->programs.cap && !grow(r))
        return NULL; /* out of memory: not shared, which only costs memory */
    put(r->programs.slots, r->programs.cap, (struct yprogram_slot){.hash = hash, .regex = (uint32_t)index + 1});
    r->programs.used++;
    return NULL;
}
