/* regex_internal.h — the layout of struct yara_regex shared by the parser
 * (regex_parse.c), the compiler and matcher (regex_match.c) and the literal
 * extractor (regex_literals.c). Not part of the public API. */
#ifndef ASSAY_YARA_REGEX_INTERNAL_H
#define ASSAY_YARA_REGEX_INTERNAL_H

#include <string.h>

#include "util/buf.h"
#include "yara/regex.h"

enum re_op {
    RE_OP_SET = 1, /* consume one byte in sets[x] */
    RE_OP_SPLIT,   /* continue at x (preferred) and at y */
    RE_OP_JMP,     /* continue at x */
    RE_OP_ASSERT,  /* zero-width check arg (enum yara_regex_assert) */
    RE_OP_MATCH,
    RE_OP_BYTE,    /* consume the byte x (most classes are one byte: no set for them) */
};

struct re_inst {
    uint8_t op;
    uint8_t arg;
    uint32_t x, y;
};

struct re_set {
    uint8_t bits[32];
};

struct yara_regex {
    unsigned flags;
    bool unknown_escape;
    uint32_t root;
    UTIL_VEC(struct yara_regex_node) nodes;
    UTIL_VEC(struct re_inst) prog;
    UTIL_VEC(struct re_set) sets;
    /* Derived by yara_regex_prepare_: the program starts with `prefix`
     * consuming instructions in a row (every match reads its first `prefix`
     * bytes through them, a cheap test before the VM); `linear`: it is only
     * consuming instructions then MATCH, so it has exactly one match length. */
    uint32_t prefix;
    bool linear;
};

static inline bool re_set_has(const uint8_t *set, uint8_t c)
{
    return (set[c >> 3] >> (c & 7)) & 1;
}

/* Members of a 256-bit set and the lowest one (-1 when empty), a word at a time. */
static inline unsigned re_set_members(const uint8_t *set, int *lowest)
{
    unsigned count = 0;
    *lowest = -1;
    for (int w = 3; w >= 0; w--) {
        uint64_t word;
        memcpy(&word, set + 8 * w, 8);
        if (word) {
            count += (unsigned)__builtin_popcountll(word);
            *lowest = 64 * w + __builtin_ctzll(word);
        }
    }
    return count;
}

/* Does consuming instruction in (RE_OP_SET or RE_OP_BYTE) take byte c? */
static inline bool re_takes(const struct re_set *sets, const struct re_inst *in, uint8_t c)
{
    return in->op == RE_OP_BYTE ? in->x == c : re_set_has(sets[in->x].bits, c);
}

/* regex_match.c: compile re->nodes into re->prog; 0 or an ASSAY_E* code with
 * the column of the node that overflowed in *column. */
int yara_regex_compile_program_(struct yara_regex *re, size_t *column);

/* regex_match.c: derive what the matcher precomputes from flags, prog and
 * sets (called after compiling, and by a loader that restored only those
 * three). 0 or ASSAY_ENOMEM. */
int yara_regex_prepare_(struct yara_regex *re);

#endif
