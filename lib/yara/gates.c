/* gates.c — choosing the cheapest gate of a rule's condition (gates.h).
 *
 * The analysis is conservative: a node gets a gate only when its truth
 * implies a match of one of the gate's strings, whatever the object; every
 * other node (`not`, arithmetic, module calls, loops over integers) has
 * none, and an `and` takes the cheaper gate of its two sides. */
#include <stdlib.h>
#include <string.h>

#include "gates.h"

struct gates {
    const struct yrules *r;
    ygate_cost_fn cost;
    void *ctx;
};

static const struct ynode *node_at(const struct gates *g, uint32_t n)
{
    return &g->r->nodes.v[n];
}

static uint32_t kid(const struct gates *g, const struct ynode *nd, uint32_t k)
{
    return g->r->kids.v[nd->kid_first + k];
}

static void none(struct ygate *out)
{
    out->n = 0;
    out->cost = 0;
}

static void single(const struct gates *g, uint32_t string, struct ygate *out)
{
    none(out);
    double c = g->cost(g->ctx, string);
    if (c < 0)
        return;
    out->n = 1;
    out->strings[0] = string;
    out->cost = c;
}

/* Either side true means one of its gate's strings matched. */
static void union_of(const struct gates *g, const struct ygate *a, const struct ygate *b, struct ygate *out)
{
    struct ygate u = *a;
    for (uint32_t i = 0; i < b->n; i++) {
        bool seen = false;
        for (uint32_t j = 0; j < a->n && !seen; j++)
            seen = a->strings[j] == b->strings[i];
        if (seen)
            continue;
        if (u.n == YGATE_MAX_STRINGS) {
            none(out);
            return;
        }
        u.strings[u.n++] = b->strings[i];
        u.cost += g->cost(g->ctx, b->strings[i]);
    }
    *out = u;
}

/* `#a > 0`, `#a >= 1`, `#a == 3`, `1 <= #a`, `#a in (lo..hi) > 0`: true
 * only when $a has a match (*string is YRULES_NONE for `#` in a for-of loop). */
static bool count_needs_match(const struct gates *g, const struct ynode *nd, uint32_t *string)
{
    if (nd->op < YN_LT || nd->op > YN_NE)
        return false;
    const struct ynode *x = node_at(g, kid(g, nd, 0)), *c = node_at(g, kid(g, nd, 1));
    uint8_t op = nd->op;
    if (c->op != YN_INT) { /* constant on the left: mirror the comparison */
        const struct ynode *t = x;
        x = c;
        c = t;
        op = op == YN_LT ? YN_GT : op == YN_GT ? YN_LT : op == YN_LE ? YN_GE : op == YN_GE ? YN_LE : op;
    }
    if (c->op != YN_INT || (x->op != YN_STR_COUNT && x->op != YN_STR_COUNT_IN))
        return false;
    *string = x->a;
    return (op == YN_GT && c->i >= 0) || (op == YN_GE && c->i >= 1) || (op == YN_EQ && c->i >= 1);
}

/* How many members of an `of` set must hold: 0 when unknown or none. */
static int64_t needed(const struct gates *g, const struct ynode *nd)
{
    int64_t total = nd->set_count, k = 0;
    switch (nd->quant) {
    case YQ_ANY: k = 1; break;
    case YQ_ALL: k = total; break;
    case YQ_COUNT:
    case YQ_PERCENT: {
        const struct ynode *q = node_at(g, (uint32_t)nd->i);
        if (nd->i < 0 || q->op != YN_INT || q->i <= 0 || q->i > 1000000)
            return 0;
        k = nd->quant == YQ_COUNT ? q->i : (q->i * total + 99) / 100;
        break;
    }
    default: return 0;
    }
    return k > total ? total : k; /* more than all can never hold: all is a safe bound */
}

struct costed {
    uint32_t string;
    double cost;
};

static int cmp_costed(const void *pa, const void *pb)
{
    const struct costed *a = pa, *b = pb;
    if (a->cost != b->cost)
        return a->cost < b->cost ? -1 : 1;
    return a->string < b->string ? -1 : a->string > b->string;
}

/* At least k of the n set items hold: any n - k + 1 of them is a gate (if
 * they all fail, fewer than k hold); take the cheapest ones. */
static void k_of_strings(const struct gates *g, const struct ynode *nd, int64_t k, struct ygate *out)
{
    none(out);
    int64_t want = (int64_t)nd->set_count - k + 1;
    if (k <= 0 || want <= 0 || want > YGATE_MAX_STRINGS)
        return;
    struct costed *c = malloc(nd->set_count * sizeof *c);
    if (!c)
        return;
    uint32_t n = 0;
    for (uint32_t i = 0; i < nd->set_count; i++) {
        uint32_t s = g->r->kids.v[nd->set_first + i];
        double cost = g->cost(g->ctx, s);
        if (cost >= 0)
            c[n++] = (struct costed){s, cost};
    }
    if (n >= want) {
        qsort(c, n, sizeof *c, cmp_costed);
        for (int64_t i = 0; i < want; i++) {
            if (i > 0 && c[i].string == c[i - 1].string)
                continue; /* a string listed twice is one gate string */
            out->strings[out->n++] = c[i].string;
            out->cost += c[i].cost;
        }
    }
    free(c);
}

/* Does the body of a `for .. of` loop need a match of the loop's string? */
static bool needs_current(const struct gates *g, uint32_t n)
{
    const struct ynode *nd = node_at(g, n);
    uint32_t s;
    switch (nd->op) {
    case YN_STR_FOUND:
    case YN_STR_AT:
    case YN_STR_IN:
        return nd->a == YRULES_NONE;
    case YN_AND:
        return needs_current(g, kid(g, nd, 0)) || needs_current(g, kid(g, nd, 1));
    case YN_OR:
        return needs_current(g, kid(g, nd, 0)) && needs_current(g, kid(g, nd, 1));
    default:
        return count_needs_match(g, nd, &s) && s == YRULES_NONE;
    }
}

static void gate_of(const struct gates *g, uint32_t n, struct ygate *out, unsigned depth)
{
    const struct ynode *nd = node_at(g, n);
    struct ygate a, b;
    uint32_t s;
    none(out);
    if (depth > 64) /* deep conditions simply get no gate */
        return;
    switch (nd->op) {
    case YN_STR_FOUND:
    case YN_STR_AT:
    case YN_STR_IN:
        if (nd->a != YRULES_NONE)
            single(g, nd->a, out);
        return;
    case YN_AND:
        gate_of(g, kid(g, nd, 0), &a, depth + 1);
        gate_of(g, kid(g, nd, 1), &b, depth + 1);
        if (a.n && (!b.n || a.cost <= b.cost))
            *out = a;
        else if (b.n)
            *out = b;
        return;
    case YN_OR:
        gate_of(g, kid(g, nd, 0), &a, depth + 1);
        gate_of(g, kid(g, nd, 1), &b, depth + 1);
        if (a.n && b.n)
            union_of(g, &a, &b, out);
        return;
    case YN_OF:
        if (nd->set_kind == YSET_STRINGS)
            k_of_strings(g, nd, needed(g, nd), out);
        return;
    case YN_FOR_OF:
        if (nd->set_kind == YSET_STRINGS && needs_current(g, nd->body))
            k_of_strings(g, nd, needed(g, nd), out);
        return;
    default:
        if (count_needs_match(g, nd, &s) && s != YRULES_NONE)
            single(g, s, out);
        return;
    }
}

void ygate_choose(const struct yrules *r, uint32_t rule, ygate_cost_fn cost, void *ctx, struct ygate *gate)
{
    struct gates g = {.r = r, .cost = cost, .ctx = ctx};
    gate_of(&g, r->rules.v[rule].cond, gate, 0);
}
