/* regex_build.c — regular expressions assembled from nodes instead of parsed
 * from text: hex strings from their tokens (hex_regex.c) and the forward and
 * backward programs of a string split at an atom, from parts of its AST
 * (compile_strings.c). Writing those as regex text only to parse it again
 * took a third of the time to compile a rule set of hex strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "yara/regex_internal.h"

struct yara_regex *yara_regex_new(unsigned flags)
{
    struct yara_regex *re = calloc(1, sizeof *re);
    if (!re)
        return NULL;
    re->flags = flags & ~YARA_REGEX_PARSE_ONLY;
    re->root = YARA_REGEX_NONE;
    return re;
}

uint32_t yara_regex_add(struct yara_regex *re, const struct yara_regex_node *n)
{
    if (re->nodes.n >= YARA_REGEX_BUILD_MAX_NODES || util_vec_push(&re->nodes, *n) != 0)
        return YARA_REGEX_NONE;
    return (uint32_t)(re->nodes.n - 1);
}

static uint32_t add_kind(struct yara_regex *re, uint8_t kind)
{
    struct yara_regex_node n;
    memset(&n, 0, sizeof n);
    n.kind = kind;
    n.first_child = n.next_sibling = YARA_REGEX_NONE;
    return yara_regex_add(re, &n);
}

void yara_regex_list_append(struct yara_regex *re, struct yara_regex_list *l, uint32_t node)
{
    if (node == YARA_REGEX_NONE) {
        l->failed = true;
        return;
    }
    if (l->count == 0)
        l->first = node;
    else
        re->nodes.v[l->last].next_sibling = node;
    l->last = node;
    l->count++;
}

uint32_t yara_regex_list_close(struct yara_regex *re, struct yara_regex_list *l, uint8_t kind)
{
    if (l->failed || l->count == 0)
        return YARA_REGEX_NONE;
    if (l->count == 1)
        return l->first;
    uint32_t n = add_kind(re, kind);
    if (n != YARA_REGEX_NONE)
        re->nodes.v[n].first_child = l->first;
    return n;
}

uint32_t yara_regex_add_repeat(struct yara_regex *re, uint32_t child, uint32_t min, uint32_t max, bool greedy,
                               uint8_t ykind)
{
    if (child == YARA_REGEX_NONE)
        return YARA_REGEX_NONE;
    uint32_t n = add_kind(re, YARA_REGEX_REPEAT);
    if (n == YARA_REGEX_NONE)
        return n;
    struct yara_regex_node *r = &re->nodes.v[n];
    r->first_child = child;
    r->min = min;
    r->max = max;
    r->greedy = greedy;
    r->ykind = ykind;
    return n;
}

/* The wide form of a class: the class, then a 00 byte (read backwards: 00 first). */
static void append_wide_class(struct yara_regex *re, struct yara_regex_list *l, uint32_t cls, bool reverse)
{
    struct yara_regex_node zero;
    memset(&zero, 0, sizeof zero);
    zero.kind = YARA_REGEX_CLASS;
    zero.ykind = YARA_YK_LITERAL;
    zero.set[0] = 1;
    zero.first_child = zero.next_sibling = YARA_REGEX_NONE;
    uint32_t z = yara_regex_add(re, &zero);
    yara_regex_list_append(re, l, reverse ? z : cls);
    yara_regex_list_append(re, l, reverse ? cls : z);
}

static void copy_into(struct yara_regex *re, struct yara_regex_list *out, const struct yara_regex_node *src,
                      uint32_t idx, bool wide, bool reverse);

/* A copy of src[idx] as one node. */
static uint32_t copy_one(struct yara_regex *re, const struct yara_regex_node *src, uint32_t idx, bool wide,
                         bool reverse)
{
    struct yara_regex_list l = {0};
    copy_into(re, &l, src, idx, wide, reverse);
    if (l.count == 0 && !l.failed)
        return add_kind(re, YARA_REGEX_EMPTY);
    return yara_regex_list_close(re, &l, YARA_REGEX_CONCAT);
}

/* Append a copy of src[idx] to a sequence (a concatenation's children are
 * appended one by one, in reverse order when reversed). */
static void copy_into(struct yara_regex *re, struct yara_regex_list *out, const struct yara_regex_node *src,
                      uint32_t idx, bool wide, bool reverse)
{
    const struct yara_regex_node *n = &src[idx];
    switch (n->kind) {
    case YARA_REGEX_CLASS: {
        struct yara_regex_node c = *n;
        c.next_sibling = YARA_REGEX_NONE;
        uint32_t k = yara_regex_add(re, &c);
        if (wide && k != YARA_REGEX_NONE)
            append_wide_class(re, out, k, reverse);
        else
            yara_regex_list_append(re, out, k);
        return;
    }
    case YARA_REGEX_EMPTY:
        return;
    case YARA_REGEX_ASSERT: {
        struct yara_regex_node a = *n;
        a.next_sibling = YARA_REGEX_NONE;
        if (reverse && (a.assert_kind == YARA_REGEX_BOL || a.assert_kind == YARA_REGEX_EOL))
            a.assert_kind = a.assert_kind == YARA_REGEX_BOL ? YARA_REGEX_EOL : YARA_REGEX_BOL;
        yara_regex_list_append(re, out, yara_regex_add(re, &a));
        return;
    }
    case YARA_REGEX_CONCAT: {
        if (!reverse) {
            for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && !out->failed; c = src[c].next_sibling)
                copy_into(re, out, src, c, wide, reverse);
            return;
        }
        uint32_t kids[64], count = 0;
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE; c = src[c].next_sibling)
            count++;
        uint32_t *v = count <= 64 ? kids : malloc(count * sizeof *v);
        if (!v) {
            out->failed = true;
            return;
        }
        count = 0;
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE; c = src[c].next_sibling)
            v[count++] = c;
        while (count-- > 0 && !out->failed)
            copy_into(re, out, src, v[count], wide, reverse);
        if (v != kids)
            free(v);
        return;
    }
    case YARA_REGEX_ALT: {
        struct yara_regex_list alts = {0};
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && !alts.failed; c = src[c].next_sibling)
            yara_regex_list_append(re, &alts, copy_one(re, src, c, wide, reverse));
        uint32_t a = alts.failed ? YARA_REGEX_NONE : add_kind(re, YARA_REGEX_ALT);
        if (a != YARA_REGEX_NONE)
            re->nodes.v[a].first_child = alts.first;
        yara_regex_list_append(re, out, a);
        return;
    }
    case YARA_REGEX_REPEAT:
        yara_regex_list_append(re, out,
                               yara_regex_add_repeat(re, copy_one(re, src, n->first_child, wide, reverse), n->min,
                                                     n->max, n->greedy, n->ykind));
        return;
    default:
        out->failed = true;
        return;
    }
}

void yara_regex_append_copy(struct yara_regex *re, struct yara_regex_list *out, const struct yara_regex_node *src,
                            uint32_t idx, bool wide, bool reverse)
{
    if (!out->failed)
        copy_into(re, out, src, idx, wide, reverse);
}

uint32_t yara_regex_add_copy(struct yara_regex *re, const struct yara_regex_node *src, uint32_t idx, bool wide,
                             bool reverse)
{
    return copy_one(re, src, idx, wide, reverse);
}

int yara_regex_finish(struct yara_regex *re, uint32_t root, struct yara_regex_error *err)
{
    if (root == YARA_REGEX_NONE) {
        if (err) {
            err->column = 0;
            snprintf(err->message, sizeof err->message, "out of memory");
        }
        return ASSAY_ENOMEM;
    }
    re->root = root;
    return yara_regex_build_program(re, err);
}
