/* regex_literals.c — required-literal extraction from the regex AST for the
 * engine's prefilter (see yara_regex_literals in regex.h).
 *
 * Each node is summarised by `struct lit_info`: either `exact` (the node
 * matches exactly one string, held in pre) or three required strings: pre
 * (every match starts with it), suf (every match ends with it) and best (every
 * match contains it, the longest found). Strings are capped at
 * YARA_REGEX_LITERAL_MAX bytes: a capped prefix keeps its start, a capped
 * suffix its end, so the guarantees still hold. */
#include "yara/regex_internal.h"

#include <string.h>

#include "assay.h"

struct lit {
    uint8_t b[YARA_REGEX_LITERAL_MAX];
    size_t n;
};

struct lit_info {
    bool exact;
    struct lit pre, suf, best;
};

static void lit_clear(struct lit *l)
{
    l->n = 0;
}

/* a = a + b keeping the start (prefix semantics). */
static void lit_cat_head(struct lit *a, const struct lit *b)
{
    size_t room = YARA_REGEX_LITERAL_MAX - a->n;
    size_t k = b->n < room ? b->n : room;
    memcpy(a->b + a->n, b->b, k);
    a->n += k;
}

/* r = a + b keeping the end (suffix semantics). */
static void lit_cat_tail(struct lit *r, const struct lit *a, const struct lit *b)
{
    uint8_t tmp[2 * YARA_REGEX_LITERAL_MAX];
    memcpy(tmp, a->b, a->n);
    memcpy(tmp + a->n, b->b, b->n);
    size_t n = a->n + b->n;
    size_t k = n < YARA_REGEX_LITERAL_MAX ? n : YARA_REGEX_LITERAL_MAX;
    memcpy(r->b, tmp + n - k, k);
    r->n = k;
}

static void lit_keep_longer(struct lit *best, const struct lit *cand)
{
    if (cand->n > best->n)
        *best = *cand;
}

static void info_none(struct lit_info *i)
{
    i->exact = false;
    lit_clear(&i->pre);
    lit_clear(&i->suf);
    lit_clear(&i->best);
}

static void info_exact(struct lit_info *i, const uint8_t *s, size_t n)
{
    i->exact = true;
    if (n > YARA_REGEX_LITERAL_MAX)
        n = YARA_REGEX_LITERAL_MAX;
    if (n > 0)
        memcpy(i->pre.b, s, n);
    i->pre.n = n;
    i->suf = i->pre;
    i->best = i->pre;
}

/* The byte a class stands for, or -1: one member, or (nocase) one letter in
 * both cases, returned lower-case. */
static int class_byte(const uint8_t *set, bool nocase)
{
    int found = -1, count = 0;
    for (int c = 0; c < 256; c++) {
        if (!re_set_has(set, (uint8_t)c))
            continue;
        if (nocase && c >= 'A' && c <= 'Z')
            continue; /* its lower-case twin is counted */
        found = c;
        count++;
    }
    return count == 1 ? found : -1;
}

/* Sequence b after the accumulated a (a is updated in place). */
static void info_concat(struct lit_info *a, const struct lit_info *b)
{
    struct lit joined;
    if (a->exact && b->exact) {
        if (a->pre.n + b->pre.n > YARA_REGEX_LITERAL_MAX) {
            lit_cat_tail(&a->suf, &a->pre, &b->pre);
            lit_cat_head(&a->pre, &b->pre);
            a->best = a->pre;
            a->exact = false;
            return;
        }
        lit_cat_head(&a->pre, &b->pre);
        a->suf = a->best = a->pre;
        return;
    }
    if (a->exact) {
        joined = a->pre;
        lit_cat_head(&joined, &b->pre);
        a->best = b->best;
        lit_keep_longer(&a->best, &joined);
        a->pre = joined;
        a->suf = b->suf;
        a->exact = false;
        return;
    }
    if (b->exact) {
        lit_cat_tail(&joined, &a->suf, &b->pre);
        lit_keep_longer(&a->best, &joined);
        a->suf = joined;
        return;
    }
    joined = a->suf;
    lit_cat_head(&joined, &b->pre);
    lit_keep_longer(&a->best, &b->best);
    lit_keep_longer(&a->best, &joined);
    a->suf = b->suf;
}

static void analyse(const struct yara_regex *re, uint32_t idx, struct lit_info *out)
{
    const struct yara_regex_node *n = &re->nodes.v[idx];
    bool nocase = re->flags & YARA_REGEX_NOCASE;
    switch (n->kind) {
    case YARA_REGEX_CLASS: {
        int c = class_byte(n->set, nocase);
        uint8_t b = (uint8_t)c;
        if (c < 0)
            info_none(out);
        else
            info_exact(out, &b, 1);
        return;
    }
    case YARA_REGEX_EMPTY:
    case YARA_REGEX_ASSERT:
        info_exact(out, NULL, 0);
        return;
    case YARA_REGEX_CONCAT: {
        info_exact(out, NULL, 0);
        for (uint32_t ch = n->first_child; ch != YARA_REGEX_NONE; ch = re->nodes.v[ch].next_sibling) {
            struct lit_info ci;
            analyse(re, ch, &ci);
            info_concat(out, &ci);
        }
        return;
    }
    case YARA_REGEX_REPEAT: {
        if (n->min == 0) {
            info_none(out);
            return;
        }
        struct lit_info ci;
        analyse(re, n->first_child, &ci);
        if (!ci.exact) {
            *out = ci; /* the first iteration's prefix, the last one's suffix */
            return;
        }
        struct lit_info one = ci;
        info_exact(out, NULL, 0);
        for (uint32_t i = 0; i < n->min && out->exact && ci.pre.n > 0; i++)
            info_concat(out, &one);
        if (n->max != n->min) /* more copies may follow; pre, suf, best stay true */
            out->exact = false;
        return;
    }
    default: /* ALT: keep only what every branch shares exactly */
        break;
    }
    bool first = true, same = true;
    struct lit_info ci, acc;
    info_none(&acc);
    for (uint32_t ch = n->first_child; ch != YARA_REGEX_NONE; ch = re->nodes.v[ch].next_sibling) {
        analyse(re, ch, &ci);
        if (first)
            acc = ci;
        else if (!ci.exact || !acc.exact || ci.pre.n != acc.pre.n ||
                 memcmp(ci.pre.b, acc.pre.b, ci.pre.n) != 0)
            same = false;
        first = false;
    }
    if (same && acc.exact)
        *out = acc;
    else
        info_none(out);
}

static void add_literal(struct yara_regex_literals *out, const struct lit *l)
{
    memcpy(out->v[out->n].bytes, l->b, l->n);
    out->v[out->n].len = l->n;
    out->n++;
}

int yara_regex_literals(const struct yara_regex *re, struct yara_regex_literals *out)
{
    memset(out, 0, sizeof *out);
    if (!re)
        return ASSAY_EINVAL;
    out->nocase = re->flags & YARA_REGEX_NOCASE;
    struct lit_info top;
    analyse(re, re->root, &top);
    if (top.best.n > 0) {
        add_literal(out, &top.best);
        return 0;
    }
    const struct yara_regex_node *n = &re->nodes.v[re->root];
    if (n->kind != YARA_REGEX_ALT)
        return 0;
    for (uint32_t ch = n->first_child; ch != YARA_REGEX_NONE; ch = re->nodes.v[ch].next_sibling) {
        struct lit_info ci;
        analyse(re, ch, &ci);
        if (ci.best.n == 0 || out->n == YARA_REGEX_LITERALS_MAX) {
            out->n = 0;
            return 0;
        }
        add_literal(out, &ci.best);
    }
    return 0;
}
