/* clam_hex.c — ClamAV extended hex signatures into pattern nodes (see clam_hex.h).
 *
 * The parser is a single left-to-right pass that appends nodes to db->nodes.
 * After the pass it merges adjacent gaps, applies the wide transform if asked,
 * and picks the prefilter atom: the longest run of exact bytes, cut to
 * SIG_MAX_ATOM. Runs shorter than CLAM_MIN_ATOM are too common in real data to
 * be worth a prefilter; such signatures are matched by the fallback path
 * (anchored: checked directly; floating: a Vectorscan regex). */
#include "clam_hex.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "../util/hexdigit.h"

#define CLAM_MIN_ATOM 3
#define CLAM_MAX_ALT_OPTIONS 256
#define CLAM_MAX_GAP 0x7fffffffu

struct hex_parser {
    struct sigdb *db;
    const char *s;
    size_t len;
    size_t pos;
    char *err;
    size_t errlen;
};

static int fail(struct hex_parser *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int fail(struct hex_parser *p, const char *fmt, ...)
{
    char what[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    snprintf(p->err, p->errlen, "column %zu: %s", p->pos + 1, what);
    return -1;
}

static int hexdigit(char c)
{
    return util_hex_digit(c);
}

static int push_node(struct hex_parser *p, struct pat_node n)
{
    if (util_vec_push(&p->db->nodes, n) != 0)
        return fail(p, "out of memory");
    return 0;
}

/* One byte token: "4d", "??", "4?", "?d". */
static int parse_byte_token(struct hex_parser *p, struct pat_node *out)
{
    if (p->pos + 2 > p->len)
        return fail(p, "incomplete hex byte");
    char hi = p->s[p->pos], lo = p->s[p->pos + 1];
    int h = hexdigit(hi), l = hexdigit(lo);
    struct pat_node n = {.kind = PN_BYTE};
    if (hi == '?' && lo == '?') {
        n.mask = 0;
    } else if (hi == '?' && l >= 0) {
        n.value = (uint8_t)l;
        n.mask = 0x0f;
    } else if (h >= 0 && lo == '?') {
        n.value = (uint8_t)(h << 4);
        n.mask = 0xf0;
    } else if (h >= 0 && l >= 0) {
        n.value = (uint8_t)(h << 4 | l);
        n.mask = 0xff;
    } else {
        return fail(p, "invalid hex byte '%c%c'", hi, lo);
    }
    p->pos += 2;
    *out = n;
    return 0;
}

static int parse_number(struct hex_parser *p, uint32_t *out)
{
    size_t start = p->pos;
    uint64_t v = 0;
    while (p->pos < p->len && isdigit((unsigned char)p->s[p->pos])) {
        v = v * 10 + (uint64_t)(p->s[p->pos] - '0');
        if (v > CLAM_MAX_GAP)
            return fail(p, "number too large");
        p->pos++;
    }
    if (p->pos == start)
        return fail(p, "expected a number");
    *out = (uint32_t)v;
    return 0;
}

/* {n} {-n} {n-} {n-m} and [n-m]; the opening bracket is at p->pos. */
static int parse_gap(struct hex_parser *p)
{
    char close = p->s[p->pos] == '{' ? '}' : ']';
    bool square = close == ']';
    p->pos++;
    uint32_t lo = 0, hi = SIG_GAP_INF;
    bool have_lo = false;
    if (p->pos < p->len && isdigit((unsigned char)p->s[p->pos])) {
        if (parse_number(p, &lo) != 0)
            return -1;
        have_lo = true;
    }
    if (p->pos < p->len && p->s[p->pos] == '-') {
        p->pos++;
        if (p->pos < p->len && isdigit((unsigned char)p->s[p->pos])) {
            if (parse_number(p, &hi) != 0)
                return -1;
        } else if (!have_lo) {
            return fail(p, "empty range");
        }
    } else {
        if (!have_lo)
            return fail(p, "expected a number or '-'");
        hi = lo;
    }
    if (p->pos >= p->len || p->s[p->pos] != close)
        return fail(p, "expected '%c'", close);
    p->pos++;
    if (hi < lo)
        return fail(p, "range %u-%u is reversed", lo, hi);
    if (square && hi == SIG_GAP_INF)
        return fail(p, "[n-m] needs both bounds");
    return push_node(p, (struct pat_node){.kind = PN_GAP, .a = lo, .b = hi});
}

static void class_set(struct pat_class *c, uint8_t byte)
{
    c->bits[byte >> 3] |= (uint8_t)(1u << (byte & 7));
}

/* (aa|bb|cc) or !(aa|bb); p->pos is at '(' (negation consumed by the caller). */
static int parse_alternatives(struct hex_parser *p, bool negated)
{
    struct sigdb *db = p->db;
    size_t opt_first = db->altopts.n;
    size_t bytes_mark = db->altbytes.len;
    size_t open = p->pos;
    p->pos++;
    bool all_single = true;
    uint32_t first_len = 0;
    for (;;) {
        struct pat_altopt opt = {.offset = (uint32_t)db->altbytes.len, .len = 0};
        while (p->pos < p->len && p->s[p->pos] != '|' && p->s[p->pos] != ')') {
            struct pat_node n;
            if (parse_byte_token(p, &n) != 0)
                return -1;
            if (n.mask != 0xff)
                return fail(p, "wildcards inside alternatives are not supported");
            if (util_buf_append_byte(&db->altbytes, n.value) != 0)
                return fail(p, "out of memory");
            opt.len++;
        }
        if (p->pos >= p->len)
            return fail(p, "unterminated alternative opened at column %zu", open + 1);
        if (opt.len == 0)
            return fail(p, "empty alternative");
        if (db->altopts.n - opt_first == 0)
            first_len = opt.len;
        if (opt.len != 1)
            all_single = false;
        if (negated && opt.len != first_len)
            return fail(p, "negated alternatives must all have the same length");
        if (db->altopts.n - opt_first >= CLAM_MAX_ALT_OPTIONS)
            return fail(p, "more than %d alternatives", CLAM_MAX_ALT_OPTIONS);
        if (util_vec_push(&db->altopts, opt) != 0)
            return fail(p, "out of memory");
        if (p->s[p->pos++] == ')')
            break;
    }
    size_t nopts = db->altopts.n - opt_first;
    if (all_single) {
        /* Single-byte alternatives are a byte class: cheaper to match. */
        struct pat_class c = {0};
        for (size_t i = 0; i < nopts; i++)
            class_set(&c, db->altbytes.data[db->altopts.v[opt_first + i].offset]);
        if (negated)
            for (size_t i = 0; i < 32; i++)
                c.bits[i] = (uint8_t)~c.bits[i];
        db->altopts.n = opt_first;
        db->altbytes.len = bytes_mark;
        if (util_vec_push(&db->classes, c) != 0)
            return fail(p, "out of memory");
        return push_node(p, (struct pat_node){.kind = PN_CLASS, .a = (uint32_t)(db->classes.n - 1)});
    }
    return push_node(p, (struct pat_node){.kind = PN_ALT, .negated = negated,
                                          .a = (uint32_t)opt_first, .b = (uint32_t)nopts});
}

static int parse_tokens(struct hex_parser *p)
{
    while (p->pos < p->len) {
        char c = p->s[p->pos];
        if (c == '*') {
            p->pos++;
            if (push_node(p, (struct pat_node){.kind = PN_GAP, .a = 0, .b = SIG_GAP_INF}) != 0)
                return -1;
        } else if (c == '{' || c == '[') {
            if (parse_gap(p) != 0)
                return -1;
        } else if (c == '!') {
            p->pos++;
            if (p->pos >= p->len || p->s[p->pos] != '(')
                return fail(p, "'!' must be followed by '('");
            if (parse_alternatives(p, true) != 0)
                return -1;
        } else if (c == '(') {
            if (p->pos + 2 < p->len && p->s[p->pos + 2] == ')' && strchr("BLW", p->s[p->pos + 1]))
                return fail(p, "boundary anchor (%c) is not supported yet", p->s[p->pos + 1]);
            if (parse_alternatives(p, false) != 0)
                return -1;
        } else {
            struct pat_node n;
            if (parse_byte_token(p, &n) != 0)
                return -1;
            if (push_node(p, n) != 0)
                return -1;
        }
    }
    return 0;
}

static uint32_t sat_add(uint32_t a, uint32_t b)
{
    return (a == SIG_GAP_INF || b == SIG_GAP_INF || a > SIG_GAP_INF - b) ? SIG_GAP_INF : a + b;
}

/* Merge runs of gaps ("{2}*{3}" is one gap 5..inf). */
static void merge_gaps(struct sigdb *db, size_t first)
{
    size_t w = first;
    for (size_t r = first; r < db->nodes.n; r++) {
        struct pat_node n = db->nodes.v[r];
        if (n.kind == PN_GAP && w > first && db->nodes.v[w - 1].kind == PN_GAP) {
            struct pat_node *prev = &db->nodes.v[w - 1];
            prev->a = sat_add(prev->a, n.a);
            prev->b = sat_add(prev->b, n.b);
            continue;
        }
        db->nodes.v[w++] = n;
    }
    db->nodes.n = w;
}

/* UTF-16LE: every byte (?? included) becomes byte, 00. Gaps keep their
 * lengths: ClamAV widens only the bytes of a ::w subsignature (checked with
 * clamscan 1.4.6), so {n} still counts raw bytes. */
static int widen(struct hex_parser *p, size_t first)
{
    struct sigdb *db = p->db;
    size_t count = db->nodes.n - first;
    struct pat_node *orig = malloc(count * sizeof *orig);
    if (!orig)
        return fail(p, "out of memory");
    memcpy(orig, db->nodes.v + first, count * sizeof *orig);
    db->nodes.n = first;
    int rc = 0;
    for (size_t i = 0; i < count && rc == 0; i++) {
        struct pat_node n = orig[i];
        if (n.kind == PN_GAP) {
            rc = push_node(p, n);
        } else if (n.kind == PN_ALT) {
            /* Rewrite each option interleaved with zero bytes. */
            for (uint32_t k = 0; k < n.b && rc == 0; k++) {
                struct pat_altopt *o = &db->altopts.v[n.a + k];
                uint32_t off = (uint32_t)db->altbytes.len;
                for (uint32_t j = 0; j < o->len && rc == 0; j++) {
                    uint8_t pair[2] = {db->altbytes.data[o->offset + j], 0};
                    rc = util_buf_append(&db->altbytes, pair, 2);
                }
                o->offset = off;
                o->len *= 2;
            }
            if (rc == 0)
                rc = push_node(p, n);
        } else {
            rc = push_node(p, n);
            if (rc == 0)
                rc = push_node(p, (struct pat_node){.kind = PN_BYTE, .value = 0, .mask = 0xff});
        }
    }
    free(orig);
    return rc;
}

static uint32_t node_min_len(const struct sigdb *db, const struct pat_node *n)
{
    switch (n->kind) {
    case PN_GAP:
        return n->a;
    case PN_ALT: {
        uint32_t m = UINT32_MAX;
        for (uint32_t k = 0; k < n->b; k++)
            if (db->altopts.v[n->a + k].len < m)
                m = db->altopts.v[n->a + k].len;
        return m;
    }
    default:
        return 1;
    }
}

static bool is_exact_byte(const struct pat_node *n)
{
    return n->kind == PN_BYTE && n->mask == 0xff;
}

/* Score a candidate atom: longer is better, but runs of one repeated byte
 * (00 00 00, 90 90 90) occur everywhere and make poor prefilters. */
static unsigned atom_score(const struct pat_node *n, uint32_t len)
{
    /* Vectorscan's literal API refuses literals that start with 00; such
     * atoms take a slower path (build.c), so prefer any other window. */
    unsigned distinct = n[0].value == 0 ? 0 : 2;
    bool seen[256] = {false};
    for (uint32_t i = 0; i < len; i++)
        if (!seen[n[i].value]) {
            seen[n[i].value] = true;
            distinct++;
        }
    return len * 4 + distinct * 8;
}

static void choose_atom(const struct sigdb *db, struct sig_body *b)
{
    const struct pat_node *n = db->nodes.v + b->node_first;
    uint32_t best_at = 0, best_len = 0;
    unsigned best_score = 0;
    for (uint32_t i = 0; i < b->node_count;) {
        if (!is_exact_byte(&n[i])) {
            i++;
            continue;
        }
        uint32_t j = i;
        while (j < b->node_count && is_exact_byte(&n[j]))
            j++;
        /* Consider every window of the run at its maximal length. */
        uint32_t run = j - i;
        uint32_t w = run > SIG_MAX_ATOM ? SIG_MAX_ATOM : run;
        for (uint32_t s = i; run >= CLAM_MIN_ATOM && s + w <= j; s++) {
            unsigned score = atom_score(&n[s], w);
            if (score > best_score) {
                best_score = score;
                best_at = s;
                best_len = w;
            }
            if (run > 4 * SIG_MAX_ATOM && s > i + 2 * SIG_MAX_ATOM)
                break; /* long runs: a good window is found early; bound the work */
        }
        i = j;
    }
    if (best_len >= CLAM_MIN_ATOM) {
        b->atom_first = best_at;
        b->atom_len = best_len;
    } else {
        b->atom_first = 0;
        b->atom_len = 0;
    }
}

int clam_hex_parse(struct sigdb *db, const char *hex, size_t len, unsigned flags,
                   struct sig_body *body, char *err, size_t errlen)
{
    struct hex_parser p = {.db = db, .s = hex, .len = len, .err = err, .errlen = errlen};
    size_t first = db->nodes.n;
    size_t classes_mark = db->classes.n, opts_mark = db->altopts.n, bytes_mark = db->altbytes.len;
    if (len == 0) {
        snprintf(err, errlen, "empty hex signature");
        return -1;
    }
    int rc = parse_tokens(&p);
    if (rc == 0) {
        merge_gaps(db, first);
        if (flags & SIG_F_WIDE)
            rc = widen(&p, first);
    }
    if (rc == 0) {
        size_t count = db->nodes.n - first;
        bool has_fixed = false;
        for (size_t i = first; i < db->nodes.n; i++)
            if (db->nodes.v[i].kind != PN_GAP)
                has_fixed = true;
        if (!has_fixed) {
            p.pos = 0;
            rc = fail(&p, "signature has no bytes to match");
        } else if (count > UINT32_MAX / 2) {
            rc = fail(&p, "signature too long");
        }
    }
    if (rc != 0) {
        db->nodes.n = first;
        db->classes.n = classes_mark;
        db->altopts.n = opts_mark;
        db->altbytes.len = bytes_mark;
        return -1;
    }
    body->node_first = (uint32_t)first;
    body->node_count = (uint32_t)(db->nodes.n - first);
    body->flags |= (uint8_t)(flags & (SIG_F_WIDE | SIG_F_NOCASE | SIG_F_FULLWORD | SIG_F_ASCII));
    uint32_t min_len = 0;
    for (uint32_t i = 0; i < body->node_count; i++)
        min_len = sat_add(min_len, node_min_len(db, &db->nodes.v[first + i]));
    body->min_len = min_len;
    choose_atom(db, body);
    return 0;
}
