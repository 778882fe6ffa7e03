/* guard_classes.c — choosing the header classes of YARA literals (guard_classes.h). */
#include <stdlib.h>
#include <string.h>

#include "../util/error.h"
#include "guard_classes.h"

/* The bytes a header check compares (at most 4, from `offset`): false when
 * the value is out of the reader's range (the check never holds). */
static bool check_bytes(uint32_t reader, int64_t value, uint8_t bytes[4], uint32_t *width)
{
    static const uint8_t widths[] = {1, 2, 4, 1, 2, 4, 1, 2, 4, 1, 2, 4};
    if (reader > YR_UINT32BE)
        return false;
    uint32_t w = widths[reader];
    bool is_signed = reader < YR_UINT8 || (reader >= YR_INT8BE && reader < YR_UINT8BE);
    int64_t lo = is_signed ? -((int64_t)1 << (8 * w - 1)) : 0;
    int64_t hi = is_signed ? ((int64_t)1 << (8 * w - 1)) - 1 : ((int64_t)1 << (8 * w)) - 1;
    if (value < lo || value > hi)
        return false;
    uint64_t u = (uint64_t)value;
    bool big_endian = reader >= YR_INT8BE;
    for (uint32_t i = 0; i < w; i++)
        bytes[big_endian ? w - 1 - i : i] = (uint8_t)(u >> (8 * i));
    *width = w;
    return true;
}

/* Does `a == ...` holding mean `b == ...` holds (every byte b compares is
 * one a compares, with the same value)? */
static bool implies(const struct engine_guard_class *a, const struct engine_guard_class *b)
{
    uint8_t ab[4], bb[4];
    uint32_t aw, bw;
    if (!check_bytes(a->reader, a->value, ab, &aw) || !check_bytes(b->reader, b->value, bb, &bw))
        return false;
    if (b->offset < a->offset || (uint64_t)b->offset + bw > (uint64_t)a->offset + aw)
        return false;
    return memcmp(ab + (b->offset - a->offset), bb, bw) == 0;
}

static bool check_implies(const struct yguard_header *h, const struct engine_guard_class *c)
{
    struct engine_guard_class hc = {h->reader, h->offset, h->value};
    return h->op == YN_EQ && (memcmp(&hc, c, sizeof hc) == 0 || implies(&hc, c));
}

static bool guard_has(const struct yguard *g, const struct engine_guard_class *c)
{
    for (uint8_t h = 0; h < g->nheader; h++)
        if (check_implies(&g->header[h], c))
            return true;
    return false;
}

static const struct yguard *pattern_guard(const struct yrules *y, uint32_t p)
{
    return &y->rules.v[y->strings.v[y->patterns.v[p].string].rule].guard;
}

/* Every distinct `==` header check of the rules' guards. */
static int list_checks(const struct yrules *y, struct engine_guard_class **out, size_t *n)
{
    UTIL_VEC(struct engine_guard_class) checks = {0};
    for (uint32_t r = 0; r < y->rules.n; r++) {
        const struct yguard *g = &y->rules.v[r].guard;
        for (uint8_t h = 0; h < g->nheader; h++) {
            struct engine_guard_class c = {g->header[h].reader, g->header[h].offset, g->header[h].value};
            size_t k = 0;
            while (k < checks.n && memcmp(&checks.v[k], &c, sizeof c) != 0)
                k++;
            if (g->header[h].op == YN_EQ && k == checks.n && util_vec_push(&checks, c) != 0) {
                util_vec_free(&checks);
                return util_error(ASSAY_ENOMEM, "out of memory");
            }
        }
    }
    *out = checks.v;
    *n = checks.n;
    return ASSAY_OK;
}

/* Per rule: how many of its patterns have an atom. */
static size_t *atom_patterns_per_rule(const struct yrules *y)
{
    size_t *n = calloc(y->rules.n ? y->rules.n : 1, sizeof *n);
    for (uint32_t p = 0; n && p < y->patterns.n; p++)
        if (y->patterns.v[p].atom_len)
            n[y->strings.v[y->patterns.v[p].string].rule]++;
    return n;
}

/* The patterns (with an atom) whose rule requires check c, directly or through a stricter one. */
static size_t patterns_requiring(const struct yrules *y, const size_t *per_rule, const struct engine_guard_class *c)
{
    size_t n = 0;
    for (uint32_t r = 0; r < y->rules.n; r++)
        if (per_rule[r] && guard_has(&y->rules.v[r].guard, c))
            n += per_rule[r];
    return n;
}

int engine_choose_guard_classes(struct engine *e)
{
    const struct yrules *y = &e->yara;
    struct engine_guard_class *checks = NULL;
    size_t nchecks = 0;
    e->nclasses = 0;
    int rc = list_checks(y, &checks, &nchecks);
    if (rc != ASSAY_OK)
        return rc;
    size_t *count = calloc(nchecks ? nchecks : 1, sizeof *count), *per_rule = atom_patterns_per_rule(y);
    if (!count || !per_rule) {
        free(count);
        free(per_rule);
        free(checks);
        return util_error(ASSAY_ENOMEM, "out of memory");
    }
    for (size_t k = 0; k < nchecks; k++)
        count[k] = patterns_requiring(y, per_rule, &checks[k]);
    free(per_rule);
    /* The most required first; a check implying a chosen class adds nothing:
     * its rules' literals already go to that class. */
    while (e->nclasses < ENGINE_GUARD_CLASSES) {
        size_t best = nchecks;
        for (size_t k = 0; k < nchecks; k++)
            if (count[k] >= ENGINE_GUARD_CLASS_MIN && (best == nchecks || count[k] > count[best]))
                best = k;
        if (best == nchecks)
            break;
        count[best] = 0;
        bool covered = false;
        for (uint32_t c = 0; c < e->nclasses && !covered; c++)
            covered = implies(&checks[best], &e->classes[c]);
        if (!covered)
            e->classes[e->nclasses++] = checks[best];
    }
    free(count);
    free(checks);
    return ASSAY_OK;
}

uint32_t engine_literal_class(const struct engine *e, uint32_t head)
{
    const struct yrules *y = &e->yara;
    for (uint32_t c = 0; c < e->nclasses; c++) {
        bool all = true;
        for (uint32_t p = head; p != YRULES_NONE && all; p = e->yara_atom_next.v[p])
            all = guard_has(pattern_guard(y, p), &e->classes[c]);
        if (all)
            return c;
    }
    return e->nclasses;
}
