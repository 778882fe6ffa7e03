/* clam_lexpr.c — ClamAV logical expressions: parse, compile to byte code,
 * evaluate (see clam_lexpr.h).
 *
 * Syntax
 *   operand  := INDEX [modifier] | '(' chain ')' [modifier]
 *   chain    := operand { ('&' | '|') operand }
 *   modifier := ('=' | '<' | '>') X [',' Y]
 * INDEX, X and Y are decimal (leading zeros allowed); INDEX < nsubsigs,
 * X and Y fit in 32 bits. Blanks (space, tab) may stand between tokens.
 *
 * Semantics (the documented ones, with the details ClamAV 1.4 fills in; every
 * rule below was checked against clamscan 1.4.6 on ~400,000 random
 * expression/count pairs, and tests/unit/test_lexpr.c pins the observed cases):
 *   Every operand yields a triple (true?, count, set of subsignatures).
 *   - i:          (n[i] > 0, n[i], {i} if n[i] > 0).
 *   - i op X[,Y]: holds when n[i] op X (Y is ignored for a single
 *                 subsignature); then (true, n[i], {i}) — {i} even when
 *                 n[i] == 0, as for "0=0" — otherwise (false, 0, {}).
 *   - (chain) op X[,Y]: with (t, c, S) the chain's triple, holds when c op X
 *                 and, if Y is given, |S| >= Y (Y distinct subsignatures);
 *                 then (true, c, {}) — a counted group hands its count up
 *                 but not its subsignatures — otherwise (false, 0, {}).
 *                 The parentheses must directly hold an '&' or '|': ClamAV
 *                 rejects "(0)=1" and "(0=1)=1", and so do we.
 *   - A|B:        (tA or tB, cA + cB, SA u SB).
 *   - A&B:        (true, cA + cB, SA u SB) when tA and tB, else (false, 0, {}).
 *   - mixing & and | without parentheses: ClamAV groups a chain inside
 *     parentheses from the left, (0|1&2) = ((0|1)&2), but the outermost chain
 *     (not inside any parentheses) from the right, 0|1&2 = 0|(1&2). We do the
 *     same; runs of one operator are associative, so only the grouping of
 *     alternating operators depends on it.
 *   The signature matches when the whole expression is true. Some are true
 *   with every count 0 ("0=0", "0<2", "(0|1)=0"): ClamAV reports those on
 *   files where no subsignature matched at all.
 *
 * Stricter than ClamAV (it accepts these, we reject them): trailing text after
 * a number ("0x1", "0=1,2,3"), an empty Y ("0=1,"), a second modifier on one
 * operand ("0>1>0"), numbers of more than 32 bits.
 *
 * Limits: parentheses nest at most CLAM_LEXPR_MAX_DEPTH (64) deep and the
 * evaluation stack holds at most CLAM_LEXPR_MAX_STACK (128) operands; deeper
 * or wider expressions are rejected when compiled. At most SIG_MAX_SUBSIGS (64)
 * subsignatures, so a set of subsignatures is one 64-bit mask.
 *
 * Byte code (postfix, position independent: no pointers, no absolute offsets)
 *   0x00..0x3f  LEAF i           push the triple of subsignature i (i = the byte)
 *   0x40        AND              pop B, pop A, push A&B
 *   0x41        OR               pop B, pop A, push A|B
 *   0x44+k      GROUP k X Y      pop, push (group) op X,Y; k: 0 '=', 1 '<', 2 '>'
 *                                (Y is 0 when absent: |S| >= 0 always holds)
 *   0x48+k      LEAFCMP k i X    push i op X; i is one byte
 *   X and Y are unsigned LEB128 (7 bits a byte, low bits first, at most 5
 *   bytes). A well-formed program leaves exactly one entry on the stack.
 *   clam_lexpr_eval checks all of this and answers false on anything else. */
#include "clam_lexpr.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sigdb.h"

#define CLAM_LEXPR_MAX_DEPTH 64
#define CLAM_LEXPR_MAX_STACK 128

enum {
    CLAM_OP_LEAF_MAX = 0x3f,
    CLAM_OP_AND = 0x40,
    CLAM_OP_OR = 0x41,
    CLAM_OP_GROUP = 0x44,   /* + comparison */
    CLAM_OP_LEAFCMP = 0x48, /* + comparison */
};

enum clam_cmp { CLAM_CMP_EQ = 0, CLAM_CMP_LT = 1, CLAM_CMP_GT = 2 };

/* ------------------------------------------------------------------------
 * Compiler
 * ---------------------------------------------------------------------- */

struct clam_lx {
    const char *s;
    size_t len;
    size_t pos;
    uint32_t nsubsigs;
    struct util_buf *out;
    unsigned depth;     /* open parentheses */
    unsigned sp;        /* operands the evaluator will hold at this point */
    char *err;
    size_t errlen;
};

static int clam_lx_fail_at(struct clam_lx *p, size_t at, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static int clam_lx_fail_at(struct clam_lx *p, size_t at, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (p->err && p->errlen)
        snprintf(p->err, p->errlen, "column %zu: %s", at + 1, what);
    return -1;
}

/* "'c'" for a printable character, "byte 0xNN" otherwise. */
static const char *clam_lx_show(char c, char buf[16])
{
    unsigned char u = (unsigned char)c;
    if (u >= 0x20 && u < 0x7f)
        snprintf(buf, 16, "'%c'", c);
    else
        snprintf(buf, 16, "byte 0x%02x", u);
    return buf;
}

static void clam_lx_blanks(struct clam_lx *p)
{
    while (p->pos < p->len && (p->s[p->pos] == ' ' || p->s[p->pos] == '\t'))
        p->pos++;
}

static int clam_lx_peek(struct clam_lx *p)
{
    clam_lx_blanks(p);
    return p->pos < p->len ? (unsigned char)p->s[p->pos] : -1;
}

static int clam_lx_emit(struct clam_lx *p, uint8_t byte)
{
    if (util_buf_append_byte(p->out, byte) != 0)
        return clam_lx_fail_at(p, p->pos, "out of memory");
    return 0;
}

static int clam_lx_emit_varint(struct clam_lx *p, uint32_t v)
{
    do {
        uint8_t b = v & 0x7f;
        v >>= 7;
        if (clam_lx_emit(p, v ? (uint8_t)(b | 0x80) : b) != 0)
            return -1;
    } while (v);
    return 0;
}

/* The evaluator's stack grows by one operand (a LEAF or LEAFCMP). */
static int clam_lx_push(struct clam_lx *p, size_t at)
{
    if (p->sp >= CLAM_LEXPR_MAX_STACK)
        return clam_lx_fail_at(p, at, "expression too complex (more than %d pending operands)",
                               CLAM_LEXPR_MAX_STACK);
    p->sp++;
    return 0;
}

static int clam_lx_emit_binop(struct clam_lx *p, char op)
{
    p->sp--;
    return clam_lx_emit(p, op == '&' ? CLAM_OP_AND : CLAM_OP_OR);
}

/* A decimal number at p->pos that fits in 32 bits. */
static int clam_lx_number(struct clam_lx *p, const char *what, uint32_t *out)
{
    clam_lx_blanks(p);
    size_t start = p->pos;
    uint64_t v = 0;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        v = v * 10 + (uint64_t)(p->s[p->pos] - '0');
        if (v > UINT32_MAX)
            return clam_lx_fail_at(p, start, "%s is too large", what);
        p->pos++;
    }
    if (p->pos == start) {
        if (p->pos >= p->len)
            return clam_lx_fail_at(p, p->pos, "expected %s, found the end of the expression", what);
        char b[16];
        return clam_lx_fail_at(p, p->pos, "expected %s, found %s", what, clam_lx_show(p->s[p->pos], b));
    }
    *out = (uint32_t)v;
    return 0;
}

/* Optional modifier after an operand: "=X", "<X", ">X", each with ",Y".
 * `leaf` is the subsignature index for a bare index operand, or -1 for a
 * parenthesised group; `group_ok` says the group held an operator. */
static int clam_lx_modifier(struct clam_lx *p, int leaf, bool group_ok, size_t operand_at)
{
    int c = clam_lx_peek(p);
    if (c != '=' && c != '<' && c != '>') {
        if (leaf >= 0) {
            if (clam_lx_push(p, operand_at) != 0)
                return -1;
            return clam_lx_emit(p, (uint8_t)leaf);
        }
        return 0;
    }
    size_t mod_at = p->pos;
    if (leaf < 0 && !group_ok)
        return clam_lx_fail_at(p, mod_at, "'%c' after parentheses needs '&' or '|' directly inside them",
                               c);
    enum clam_cmp cmp = c == '=' ? CLAM_CMP_EQ : c == '<' ? CLAM_CMP_LT : CLAM_CMP_GT;
    p->pos++;
    uint32_t x, y = 0;
    if (clam_lx_number(p, "a count after the comparison", &x) != 0)
        return -1;
    if (clam_lx_peek(p) == ',') {
        p->pos++;
        if (clam_lx_number(p, "a number of distinct subsignatures after ','", &y) != 0)
            return -1;
    }
    c = clam_lx_peek(p);
    if (c == '=' || c == '<' || c == '>')
        return clam_lx_fail_at(p, p->pos, "only one modifier per operand");
    if (leaf >= 0) {
        /* Y is meaningless for a single subsignature (ClamAV ignores it). */
        if (clam_lx_push(p, operand_at) != 0 || clam_lx_emit(p, (uint8_t)(CLAM_OP_LEAFCMP + cmp)) != 0 ||
            clam_lx_emit(p, (uint8_t)leaf) != 0)
            return -1;
        return clam_lx_emit_varint(p, x);
    }
    if (clam_lx_emit(p, (uint8_t)(CLAM_OP_GROUP + cmp)) != 0 || clam_lx_emit_varint(p, x) != 0)
        return -1;
    return clam_lx_emit_varint(p, y);
}

static int clam_lx_chain(struct clam_lx *p, bool outermost, bool *has_op);

static int clam_lx_operand(struct clam_lx *p)
{
    int c = clam_lx_peek(p);
    size_t at = p->pos;
    if (c == '(') {
        if (p->depth >= CLAM_LEXPR_MAX_DEPTH)
            return clam_lx_fail_at(p, at, "parentheses nested deeper than %d", CLAM_LEXPR_MAX_DEPTH);
        p->depth++;
        p->pos++;
        bool has_op = false;
        if (clam_lx_chain(p, false, &has_op) != 0)
            return -1;
        if (clam_lx_peek(p) != ')') {
            if (p->pos >= p->len)
                return clam_lx_fail_at(p, p->pos, "missing ')' for the '(' at column %zu", at + 1);
            char b[16];
            return clam_lx_fail_at(p, p->pos, "expected '&', '|' or ')', found %s", clam_lx_show(p->s[p->pos], b));
        }
        p->pos++;
        p->depth--;
        return clam_lx_modifier(p, -1, has_op, at);
    }
    if (c < '0' || c > '9') {
        if (c < 0)
            return clam_lx_fail_at(p, p->pos, "expected a subsignature index or '(', found the end of the expression");
        char b[16];
        return clam_lx_fail_at(p, p->pos, "expected a subsignature index or '(', found %s", clam_lx_show((char)c, b));
    }
    uint32_t idx;
    if (clam_lx_number(p, "a subsignature index", &idx) != 0)
        return -1;
    if (idx >= p->nsubsigs)
        return clam_lx_fail_at(p, at, "subsignature %u does not exist (the signature has %u)", idx,
                               p->nsubsigs);
    return clam_lx_modifier(p, (int)idx, false, at);
}

/* A chain of operands joined by & and |, up to ')' or the end. Inside
 * parentheses it groups from the left; the outermost chain groups from the
 * right, except that a run of one operator is folded from the left (the same
 * value, fewer pending operands). `pending` holds the operators still waiting
 * for their right operand, at most one per change of operator. */
static int clam_lx_chain(struct clam_lx *p, bool outermost, bool *has_op)
{
    char pending[CLAM_LEXPR_MAX_STACK];
    size_t npending = 0;
    if (clam_lx_operand(p) != 0)
        return -1;
    for (;;) {
        int c = clam_lx_peek(p);
        if (c != '&' && c != '|')
            break;
        *has_op = true;
        p->pos++;
        if (!outermost) {
            if (clam_lx_operand(p) != 0 || clam_lx_emit_binop(p, (char)c) != 0)
                return -1;
            continue;
        }
        if (npending > 0 && pending[npending - 1] == c) {
            if (clam_lx_emit_binop(p, (char)c) != 0)
                return -1;
        } else {
            if (npending >= sizeof pending)
                return clam_lx_fail_at(p, p->pos - 1, "expression too complex");
            pending[npending++] = (char)c;
        }
        if (clam_lx_operand(p) != 0)
            return -1;
    }
    while (npending > 0)
        if (clam_lx_emit_binop(p, pending[--npending]) != 0)
            return -1;
    return 0;
}

int clam_lexpr_compile(const char *text, size_t len, uint32_t nsubsigs, struct util_buf *out,
                       char *err, size_t errlen)
{
    struct clam_lx p = {.s = text, .len = len, .nsubsigs = nsubsigs, .out = out, .err = err,
                        .errlen = errlen};
    size_t mark = out->len;
    if (err && errlen)
        err[0] = '\0';
    int rc = 0;
    if (nsubsigs > SIG_MAX_SUBSIGS)
        rc = clam_lx_fail_at(&p, 0, "more than %d subsignatures", SIG_MAX_SUBSIGS);
    if (rc == 0) {
        bool has_op = false;
        rc = clam_lx_chain(&p, true, &has_op);
    }
    if (rc == 0 && clam_lx_peek(&p) >= 0) {
        if (p.s[p.pos] == ')')
            rc = clam_lx_fail_at(&p, p.pos, "')' without a matching '('");
        else {
            char b[16];
            rc = clam_lx_fail_at(&p, p.pos, "unexpected %s after a complete expression", clam_lx_show(p.s[p.pos], b));
        }
    }
    if (rc != 0) {
        out->len = mark;
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------
 * Evaluator
 * ---------------------------------------------------------------------- */

struct clam_val {
    uint64_t count;
    uint64_t set;       /* bit i: subsignature i counted as distinct */
    bool truth;
};

static bool clam_read_varint(const uint8_t *code, size_t len, size_t *pc, uint32_t *out)
{
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 35; shift += 7) {
        if (*pc >= len)
            return false;
        uint8_t b = code[(*pc)++];
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) {
            if (v > UINT32_MAX)
                return false;
            *out = (uint32_t)v;
            return true;
        }
    }
    return false;
}

static bool clam_compare(unsigned cmp, uint64_t count, uint32_t x)
{
    switch (cmp) {
    case CLAM_CMP_EQ: return count == x;
    case CLAM_CMP_LT: return count < x;
    default: return count > x;
    }
}

static uint64_t clam_sat_add(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static struct clam_val clam_combine(uint8_t op, struct clam_val a, struct clam_val b)
{
    struct clam_val r = {.count = clam_sat_add(a.count, b.count), .set = a.set | b.set};
    if (op == CLAM_OP_OR) {
        r.truth = a.truth || b.truth;
        return r;
    }
    if (a.truth && b.truth) {
        r.truth = true;
        return r;
    }
    return (struct clam_val){0};
}

bool clam_lexpr_eval(const uint8_t *code, size_t len, const uint32_t *counts)
{
    struct clam_val st[CLAM_LEXPR_MAX_STACK];
    size_t sp = 0, pc = 0;
    if (!code || !counts)
        return false;
    while (pc < len) {
        uint8_t op = code[pc++];
        if (op <= CLAM_OP_LEAF_MAX) {
            if (sp >= CLAM_LEXPR_MAX_STACK)
                return false;
            uint32_t n = counts[op];
            st[sp++] = (struct clam_val){.count = n, .set = n ? (uint64_t)1 << op : 0, .truth = n > 0};
        } else if (op == CLAM_OP_AND || op == CLAM_OP_OR) {
            if (sp < 2)
                return false;
            st[sp - 2] = clam_combine(op, st[sp - 2], st[sp - 1]);
            sp--;
        } else if (op >= CLAM_OP_GROUP && op <= CLAM_OP_GROUP + CLAM_CMP_GT) {
            uint32_t x, y;
            if (sp < 1 || !clam_read_varint(code, len, &pc, &x) || !clam_read_varint(code, len, &pc, &y))
                return false;
            struct clam_val *v = &st[sp - 1];
            unsigned distinct = (unsigned)__builtin_popcountll(v->set);
            if (clam_compare(op - CLAM_OP_GROUP, v->count, x) && distinct >= y)
                *v = (struct clam_val){.count = v->count, .set = 0, .truth = true};
            else
                *v = (struct clam_val){0};
        } else if (op >= CLAM_OP_LEAFCMP && op <= CLAM_OP_LEAFCMP + CLAM_CMP_GT) {
            uint32_t x;
            if (sp >= CLAM_LEXPR_MAX_STACK || pc >= len)
                return false;
            uint8_t i = code[pc++];
            if (i > CLAM_OP_LEAF_MAX || !clam_read_varint(code, len, &pc, &x))
                return false;
            uint32_t n = counts[i];
            if (clam_compare(op - CLAM_OP_LEAFCMP, n, x))
                st[sp++] = (struct clam_val){.count = n, .set = (uint64_t)1 << i, .truth = true};
            else
                st[sp++] = (struct clam_val){0};
        } else {
            return false;
        }
    }
    return sp == 1 && st[0].truth;
}
