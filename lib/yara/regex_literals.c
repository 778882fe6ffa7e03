/* regex_literals.c — literals of a regex AST: the required literals of
 * yara_regex_literals (regex.h), and the atoms YARA itself would choose
 * (yara_regex_yara_atoms, the last section: its walk is bounded by the AST
 * size, YARA_REGEX_MAX_NODES).
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

/* ---- YARA's atoms -------------------------------------------------------------
 * A re-implementation of how libyara picks the atoms of a regex or hex string
 * (its atom tree), which YARA's results depend on: the part of a string after
 * its atom is matched forwards with the regex's priorities, the part before
 * it backwards, every start being a match. Quality: 20 points a byte (18 for
 * letters, 12 for 00 20 CC FF), 4 a nibble, -10 a wildcard, plus 2 per
 * distinct byte; an atom of one repeated common byte loses 10 a byte. */

#define YQ_MAX 255
#define YQ_BASE (YQ_MAX - 22 * YARA_ATOM_LEN)

struct yatom_raw {
    uint8_t len;
    uint8_t bytes[YARA_ATOM_LEN], mask[YARA_ATOM_LEN];
    uint32_t nodes[YARA_ATOM_LEN];
};

enum { AT_LEAF, AT_AND, AT_OR };

struct atree {
    uint8_t type;
    struct yatom_raw atom;           /* AT_LEAF */
    uint32_t first, last, next;      /* children (AND, OR) and the next sibling */
    int quality;                     /* of YARA's choice in this subtree, -1 until known */
};

struct xitem {                       /* a pending step of the tree walk */
    uint32_t node;                   /* YARA_REGEX_NONE: none */
    uint32_t appending;              /* YARA_REGEX_NONE: keep the current OR node */
};

struct xwalk {
    const struct yara_regex *re;
    bool hex;
    UTIL_VEC(struct atree) tree;
    UTIL_VEC(struct xitem) stack;
    bool oom;
};

static int yatom_quality(const struct yatom_raw *a)
{
    bool seen[256] = {false};
    int q = 0, unique = 0;
    for (unsigned i = 0; i < a->len; i++) {
        uint8_t b = a->bytes[i];
        switch (a->mask[i]) {
        case 0x00: q -= 10; break;
        case 0x0F: case 0xF0: q += 4; break;
        default:
            if (b == 0x00 || b == 0x20 || b == 0xCC || b == 0xFF)
                q += 12;
            else
                q += ((b | 0x20) >= 'a' && (b | 0x20) <= 'z') ? 18 : 20;
            if (!seen[b]) {
                seen[b] = true;
                unique++;
            }
        }
    }
    if (unique == 1 && (seen[0x00] || seen[0x20] || seen[0x90] || seen[0xCC] || seen[0xFF]))
        q -= 10 * a->len;
    else
        q += 2 * unique;
    return YQ_BASE + q;
}

/* Drop leading and trailing wildcards; an atom with as many wildcards as
 * known bytes is cut to its first byte. */
static void yatom_trim(struct yatom_raw *a)
{
    unsigned left = 0, known = 0, wild = 0;
    while (left < a->len && a->mask[left] == 0)
        left++;
    while (a->len > left && a->mask[a->len - 1] == 0)
        a->len--;
    a->len = (uint8_t)(a->len - left);
    if (a->len == 0)
        return;
    for (unsigned i = 0; i < a->len; i++) {
        known += a->mask[left + i] == 0xFF;
        wild += a->mask[left + i] == 0x00;
    }
    if (wild >= known)
        a->len = 1;
    for (unsigned i = 0; left && i + left < YARA_ATOM_LEN; i++) {
        a->bytes[i] = a->bytes[i + left];
        a->mask[i] = a->mask[i + left];
        a->nodes[i] = a->nodes[i + left];
    }
}

/* A class of the 16 bytes that share one nibble: a masked hex byte. */
static bool nibble_class(const uint8_t *set, uint8_t *value, uint8_t *mask)
{
    int first;
    if (re_set_members(set, &first) != 16)
        return false;
    static const uint8_t masks[2] = {0xF0, 0x0F};
    for (int m = 0; m < 2; m++) {
        bool all = true;
        for (unsigned c = 0; c < 256 && all; c++)
            if (((c & masks[m]) == ((unsigned)first & masks[m])) != re_set_has(set, (uint8_t)c))
                all = false;
        if (all) {
            *mask = masks[m];
            *value = (uint8_t)(first & masks[m]);
            return true;
        }
    }
    return false;
}

/* A node YARA makes a byte of an atom: a literal, a masked byte or `.`. */
static bool atom_byte(const struct xwalk *w, const struct yara_regex_node *n, uint8_t *value, uint8_t *mask)
{
    if (n->kind != YARA_REGEX_CLASS)
        return false;
    switch (n->ykind) {
    case YARA_YK_LITERAL: {
        int lowest;
        re_set_members(n->set, &lowest);
        *value = lowest < 0 ? 0 : (uint8_t)lowest;
        *mask = 0xFF;
        return true;
    }
    case YARA_YK_ANY:
        *value = 0;
        *mask = 0;
        return true;
    case YARA_YK_CLASS:
        return w->hex && nibble_class(n->set, value, mask);
    default:
        return false;
    }
}

static uint32_t tree_new(struct xwalk *w, uint8_t type)
{
    struct atree t = {.type = type, .first = YARA_REGEX_NONE, .last = YARA_REGEX_NONE, .next = YARA_REGEX_NONE,
                      .quality = -1};
    if (util_vec_push(&w->tree, t) != 0) {
        w->oom = true;
        return YARA_REGEX_NONE;
    }
    return (uint32_t)(w->tree.n - 1);
}

static void tree_append(struct xwalk *w, uint32_t parent, uint32_t child)
{
    if (parent == YARA_REGEX_NONE || child == YARA_REGEX_NONE)
        return;
    struct atree *p = &w->tree.v[parent];
    if (p->first == YARA_REGEX_NONE)
        p->first = child;
    else
        w->tree.v[p->last].next = child;
    p->last = child;
}

static void push(struct xwalk *w, uint32_t node, uint32_t appending)
{
    struct xitem it = {node, appending};
    if (util_vec_push(&w->stack, it) != 0)
        w->oom = true;
}

/* Push the children of node, the first on top; each with appending node
 * first_or + i when first_or is set (one OR per branch), else none. */
static void push_children(struct xwalk *w, uint32_t node, uint32_t first_or)
{
    UTIL_VEC(uint32_t) kids = {0};
    for (uint32_t c = w->re->nodes.v[node].first_child; c != YARA_REGEX_NONE && !w->oom;
         c = w->re->nodes.v[c].next_sibling)
        if (util_vec_push(&kids, c) != 0)
            w->oom = true;
    for (size_t i = kids.n; i-- > 0 && !w->oom;)
        push(w, kids.v[i], first_or == YARA_REGEX_NONE ? YARA_REGEX_NONE : first_or + (uint32_t)i);
    util_vec_free(&kids);
}

/* The current run of atom bytes and the best window seen in it. */
struct xrun {
    uint32_t current;                /* the OR node leaves go to */
    struct yatom_raw recent, best;
    int best_quality;
};

static void run_flush(struct xwalk *w, struct xrun *r)
{
    if (r->recent.len == 0)
        return;
    struct yatom_raw a = r->recent;
    yatom_trim(&a);
    uint32_t leaf = tree_new(w, AT_LEAF);
    if (leaf == YARA_REGEX_NONE)
        return;
    w->tree.v[leaf].atom = yatom_quality(&a) > r->best_quality ? a : r->best;
    tree_append(w, r->current, leaf);
    r->recent.len = 0;
}

static void run_add(struct xrun *r, uint32_t node, uint8_t value, uint8_t mask)
{
    struct yatom_raw *a = &r->recent;
    if (a->len < YARA_ATOM_LEN) {
        a->bytes[a->len] = value;
        a->mask[a->len] = mask;
        a->nodes[a->len] = node;
        a->len++;
        r->best = *a;
        return;
    }
    if (r->best_quality >= YQ_MAX)
        return;
    struct yatom_raw t = *a;
    yatom_trim(&t);
    int q = yatom_quality(&t);
    if (q > r->best_quality) {
        r->best = t;
        r->best_quality = q;
    }
    for (unsigned i = 1; i < YARA_ATOM_LEN; i++) {
        a->bytes[i - 1] = a->bytes[i];
        a->mask[i - 1] = a->mask[i];
        a->nodes[i - 1] = a->nodes[i];
    }
    a->bytes[YARA_ATOM_LEN - 1] = value;
    a->mask[YARA_ATOM_LEN - 1] = mask;
    a->nodes[YARA_ATOM_LEN - 1] = node;
}

/* One node of the walk (YARA's switch on the node type). */
static void walk_node(struct xwalk *w, struct xrun *r, const struct xitem *it)
{
    const struct yara_regex *re = w->re;
    const struct yara_regex_node *n = &re->nodes.v[it->node];
    uint8_t value, mask;
    if (atom_byte(w, n, &value, &mask)) {
        run_add(r, it->node, value, mask);
        return;
    }
    switch (n->kind) {
    case YARA_REGEX_CONCAT:
        push_children(w, it->node, YARA_REGEX_NONE);
        return;
    case YARA_REGEX_ALT: {
        /* YARA's alternation is binary and left-nested, (a|b)|c, which gives
         * the same choice as one AND of an OR per branch. */
        uint32_t and_node = tree_new(w, AT_AND), first_or = YARA_REGEX_NONE;
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && !w->oom; c = re->nodes.v[c].next_sibling) {
            uint32_t o = tree_new(w, AT_OR);
            first_or = first_or == YARA_REGEX_NONE ? o : first_or;
            tree_append(w, and_node, o);
        }
        tree_append(w, r->current, and_node);
        push(w, YARA_REGEX_NONE, r->current);
        if (first_or != YARA_REGEX_NONE)
            push_children(w, it->node, first_or);
        return;
    }
    case YARA_REGEX_REPEAT: {
        const struct yara_regex_node *c = &re->nodes.v[n->first_child];
        uint32_t times = 0;
        if (n->ykind == YARA_YK_PLUS)
            times = 1;
        else if ((n->ykind == YARA_YK_BRACES || n->ykind == YARA_YK_OPT) &&
                 !(c->kind == YARA_REGEX_CLASS && c->ykind == YARA_YK_ANY))
            times = n->min < YARA_ATOM_LEN ? n->min : YARA_ATOM_LEN; /* `.{n,m}`, `.?`: jumps */
        push(w, YARA_REGEX_NONE, r->current);
        for (uint32_t i = 0; i < times; i++)
            push(w, n->first_child, YARA_REGEX_NONE);
        return;
    }
    default: /* classes, anchors, \b, the empty string: the run ends */
        push(w, YARA_REGEX_NONE, r->current);
        return;
    }
}

static void walk_atoms(struct xwalk *w, const uint32_t *items, size_t nitems, uint32_t root_or)
{
    struct xrun r = {.current = root_or, .best_quality = -1};
    push(w, YARA_REGEX_NONE, root_or);
    for (size_t k = nitems; k-- > 0;)
        push(w, items[k], YARA_REGEX_NONE);
    while (w->stack.n > 0 && !w->oom) {
        struct xitem it = w->stack.v[--w->stack.n];
        if (it.appending != YARA_REGEX_NONE) {
            run_flush(w, &r);
            r.current = it.appending;
            r.best_quality = -1;
        }
        if (it.node != YARA_REGEX_NONE)
            walk_node(w, &r, &it);
    }
}

/* YARA's choice in a subtree: the quality of the atoms it would take
 * (remembered per tree node). */
static int choose_quality(struct xwalk *w, uint32_t t)
{
    struct atree *n = &w->tree.v[t];
    int best, q;
    if (n->quality >= 0)
        return n->quality;
    switch (n->type) {
    case AT_LEAF: {
        struct yatom_raw a = n->atom;
        yatom_trim(&a);
        best = a.len > 0 ? yatom_quality(&a) : 0;
        break;
    }
    case AT_OR:
        best = 0;
        for (uint32_t c = n->first; c != YARA_REGEX_NONE && best < YQ_MAX; c = w->tree.v[c].next)
            if ((q = choose_quality(w, c)) > best)
                best = q;
        break;
    default:
        best = YQ_MAX;
        for (uint32_t c = n->first; c != YARA_REGEX_NONE; c = w->tree.v[c].next)
            if ((q = choose_quality(w, c)) < best)
                best = q;
        break;
    }
    w->tree.v[t].quality = best;
    return best;
}

struct atom_list {
    UTIL_VEC(struct yara_regex_atom) v;
};

static int collect_atoms(struct xwalk *w, uint32_t t, struct atom_list *out)
{
    const struct atree *n = &w->tree.v[t];
    int best = 0, q;
    uint32_t pick = YARA_REGEX_NONE;
    switch (n->type) {
    case AT_LEAF: {
        struct yatom_raw a = n->atom;
        yatom_trim(&a);
        if (a.len == 0)
            return 0;
        struct yara_regex_atom x = {.len = a.len, .node = a.nodes[0]};
        memcpy(x.bytes, a.bytes, a.len);
        memcpy(x.mask, a.mask, a.len);
        return util_vec_push(&out->v, x) == 0 ? 0 : ASSAY_ENOMEM;
    }
    case AT_OR:
        for (uint32_t c = n->first; c != YARA_REGEX_NONE && best < YQ_MAX; c = w->tree.v[c].next)
            if ((q = choose_quality(w, c)) > best) {
                best = q;
                pick = c;
            }
        return pick == YARA_REGEX_NONE ? 0 : collect_atoms(w, pick, out);
    default:
        for (uint32_t c = n->first; c != YARA_REGEX_NONE; c = w->tree.v[c].next)
            if (collect_atoms(w, c, out) != 0)
                return ASSAY_ENOMEM;
        return 0;
    }
}

int yara_regex_yara_atoms(const struct yara_regex *re, const uint32_t *items, size_t nitems, bool hex,
                          struct yara_regex_atom **out, size_t *count)
{
    struct xwalk w = {.re = re, .hex = hex};
    struct atom_list atoms = {{0}};
    *out = NULL;
    *count = 0;
    uint32_t root_or = tree_new(&w, AT_OR);
    if (root_or != YARA_REGEX_NONE)
        walk_atoms(&w, items, nitems, root_or);
    int rc = w.oom ? ASSAY_ENOMEM : collect_atoms(&w, root_or, &atoms);
    util_vec_free(&w.tree);
    util_vec_free(&w.stack);
    if (rc != 0) {
        util_vec_free(&atoms.v);
        return ASSAY_ENOMEM;
    }
    *out = atoms.v.v;
    *count = atoms.v.n;
    return 0;
}
