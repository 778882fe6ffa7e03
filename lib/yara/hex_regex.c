/* hex_regex.c — a hex string's tokens as a regular expression AST, the shape
 * YARA's own hex parser gives it (it reads a hex string as a regex): a byte is
 * a literal, `??` is `.` (any byte), nibbles and `~` bytes are classes, a jump
 * [n-m] is the lazy `.{n,m}?` ([n] a fixed `.{n}`), an alternation is a group
 * of branches. A sequence of one item is that item; longer ones are a
 * concatenation. Built directly (regex_build.c): no regex text to parse. */
#include <stdio.h>
#include <string.h>

#include "yara/hex_regex.h"
#include "util/error.h"
#include "yara/regex_internal.h"

#define STR_(x) #x
#define STR(x) STR_(x) /* the limits in the messages the regex parser gives for them */

struct hex_build {
    struct yara_regex *re;
    struct yara_regex_error *err;
    int status;
};

static uint32_t fail(struct hex_build *b, int status, const char *message)
{
    if (b->status == 0) {
        b->status = status;
        b->err->column = 0;
        snprintf(b->err->message, sizeof b->err->message, "%s", message);
    }
    return YARA_REGEX_NONE;
}

static uint32_t class_node(struct hex_build *b, const uint8_t set[32], uint8_t ykind)
{
    if (b->re->nodes.n >= YARA_REGEX_MAX_NODES)
        return fail(b, ASSAY_ELIMIT, "regular expression too complex (more than " STR(YARA_REGEX_MAX_NODES) " nodes)");
    struct yara_regex_node n;
    memset(&n, 0, sizeof n);
    n.kind = YARA_REGEX_CLASS;
    n.ykind = ykind;
    n.first_child = n.next_sibling = YARA_REGEX_NONE;
    memcpy(n.set, set, 32);
    uint32_t k = yara_regex_add(b->re, &n);
    return k == YARA_REGEX_NONE ? fail(b, ASSAY_ENOMEM, "out of memory") : k;
}

static uint32_t any_byte(struct hex_build *b)
{
    uint8_t all[32];
    memset(all, 0xFF, sizeof all);
    return class_node(b, all, YARA_YK_ANY);
}

static uint32_t byte_node(struct hex_build *b, const struct yara_hex_token *t)
{
    uint8_t set[32] = {0};
    if (t->mask == 0xFF && !t->negated) {
        set[t->value >> 3] = (uint8_t)(1u << (t->value & 7));
        return class_node(b, set, YARA_YK_LITERAL);
    }
    if (t->mask == 0 && !t->negated)
        return any_byte(b);
    for (unsigned c = 0; c < 256; c++)
        if ((((uint8_t)c & t->mask) == t->value) != t->negated)
            set[c >> 3] |= (uint8_t)(1u << (c & 7));
    return class_node(b, set, YARA_YK_CLASS);
}

static uint32_t jump_node(struct hex_build *b, const struct yara_hex_token *t)
{
    if (t->jump_min > YARA_REGEX_MAX_REPEAT || t->jump_max > YARA_REGEX_MAX_REPEAT)
        return fail(b, ASSAY_ESYNTAX, "repeat interval too large (maximum " STR(YARA_REGEX_MAX_REPEAT) ")");
    uint32_t any = any_byte(b);
    bool fixed = t->jump_min == t->jump_max;
    uint32_t max = t->jump_max < 0 ? YARA_REGEX_INF : (uint32_t)t->jump_max;
    uint32_t n = yara_regex_add_repeat(b->re, any, (uint32_t)t->jump_min, max, fixed, YARA_YK_BRACES);
    return n == YARA_REGEX_NONE && any != YARA_REGEX_NONE ? fail(b, ASSAY_ENOMEM, "out of memory") : n;
}

static uint32_t seq_node(struct hex_build *b, const struct yara_hex_seq *seq, size_t from, size_t to);

static uint32_t alt_node(struct hex_build *b, const struct yara_hex_token *t)
{
    struct yara_regex_list alts = {0};
    for (size_t i = 0; i < t->alt_count && b->status == 0; i++)
        yara_regex_list_append(b->re, &alts, seq_node(b, &t->alts[i], 0, t->alts[i].count));
    if (b->status)
        return YARA_REGEX_NONE;
    uint32_t n = yara_regex_list_close(b->re, &alts, YARA_REGEX_ALT);
    return n == YARA_REGEX_NONE ? fail(b, ASSAY_ENOMEM, "out of memory") : n;
}

static uint32_t token_node(struct hex_build *b, const struct yara_hex_token *t)
{
    switch (t->kind) {
    case YARA_HEX_BYTE:
        return byte_node(b, t);
    case YARA_HEX_JUMP:
        return jump_node(b, t);
    case YARA_HEX_ALT:
        return alt_node(b, t);
    }
    return fail(b, ASSAY_ESYNTAX, "bad hex token");
}

static uint32_t seq_node(struct hex_build *b, const struct yara_hex_seq *seq, size_t from, size_t to)
{
    struct yara_regex_list items = {0};
    for (size_t i = from; i < to && b->status == 0; i++)
        yara_regex_list_append(b->re, &items, token_node(b, &seq->tokens[i]));
    if (b->status)
        return YARA_REGEX_NONE;
    if (items.count == 0)
        return fail(b, ASSAY_ESYNTAX, "empty regular expression or alternative");
    uint32_t n = yara_regex_list_close(b->re, &items, YARA_REGEX_CONCAT);
    return n == YARA_REGEX_NONE ? fail(b, ASSAY_ENOMEM, "out of memory") : n;
}

int yara_hex_regex(const struct yara_hex_seq *seq, size_t from, size_t to, struct yara_regex **out,
                   struct yara_regex_error *err)
{
    struct hex_build b = {.re = yara_regex_new(YARA_REGEX_DOTALL), .err = err};
    *out = NULL;
    err->column = 0;
    err->message[0] = '\0';
    if (!b.re)
        return fail(&b, ASSAY_ENOMEM, "out of memory"), ASSAY_ENOMEM;
    uint32_t root = seq_node(&b, seq, from, to);
    if (b.status) {
        yara_regex_free(b.re);
        return b.status;
    }
    b.re->root = root;
    *out = b.re;
    return ASSAY_OK;
}
