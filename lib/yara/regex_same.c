/* regex_same.c — telling regex programs apart (regex.h yara_regex_program_hash,
 * yara_regex_same_program): rule sets repeat strings, and a rule set's
 * patterns share one program wherever theirs are the same (signature-base:
 * 18 MB of programs, 6 MB of them different). */
#include <string.h>

#include "regex_internal.h"

static uint64_t mix(uint64_t h, uint64_t v)
{
    return (h ^ v) * 1099511628211ull; /* FNV-1a, a word at a time */
}

uint64_t yara_regex_program_hash(const struct yara_regex *re)
{
    uint64_t h = mix(1469598103934665603ull, re->flags);
    for (size_t i = 0; i < re->prog.n; i++) {
        const struct re_inst *in = &re->prog.v[i];
        h = mix(h, (uint64_t)in->op | (uint64_t)in->arg << 8 | (uint64_t)in->x << 16);
        h = mix(h, in->y);
    }
    for (size_t i = 0; i < re->sets.n; i++) {
        uint64_t w[4];
        memcpy(w, re->sets.v[i].bits, sizeof w);
        for (int k = 0; k < 4; k++)
            h = mix(h, w[k]);
    }
    return h;
}

/* Field by field: struct re_inst has padding. */
bool yara_regex_same_program(const struct yara_regex *a, const struct yara_regex *b)
{
    if (a->flags != b->flags || a->unknown_escape != b->unknown_escape || a->prog.n != b->prog.n ||
        a->sets.n != b->sets.n || a->prefix != b->prefix || a->linear != b->linear)
        return false;
    for (size_t i = 0; i < a->prog.n; i++) {
        const struct re_inst *x = &a->prog.v[i], *y = &b->prog.v[i];
        if (x->op != y->op || x->arg != y->arg || x->x != y->x || x->y != y->y)
            return false;
    }
    return a->sets.n == 0 || memcmp(a->sets.v, b->sets.v, a->sets.n * sizeof *a->sets.v) == 0;
}
