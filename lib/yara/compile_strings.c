/* compile_strings.c — YARA strings to the patterns the engine searches.
 *
 * Text strings become literals, one per variant: ascii and/or wide, each xor
 * key, each of the three base64 shifts (with the characters that depend on the
 * unknown neighbouring bytes trimmed, as YARA documents). Hex strings are
 * rewritten as YARA regular expressions (bytes and nibbles as classes, jumps
 * as lazy `.{n,m}?`, alternatives as groups) and, like regular expressions,
 * run by the Pike VM of regex_match.c at candidate starts. The candidate
 * starts come from an atom: the best run of fixed bytes at the top level of
 * the expression, at a known distance range from the start; failing that, a
 * required literal of regex_literals.c anywhere in the match. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "assay.h"
#include "sig/sigdb.h"
#include "util/error.h"
#include "yara/regex.h"
#include "yara/rules.h"

#define ATOM_MAX SIG_MAX_ATOM

static int oom(void)
{
    return util_error(ASSAY_ENOMEM, "out of memory");
}

static int add_bytes(struct yrules *r, const uint8_t *p, size_t n, uint32_t *off)
{
    if (r->bytes.len + n > UINT32_MAX)
        return util_error(ASSAY_ELIMIT, "YARA strings exceed 4 GiB in all");
    *off = (uint32_t)r->bytes.len;
    return util_buf_append(&r->bytes, p, n) == 0 ? ASSAY_OK : oom();
}

/* ---- atoms ---------------------------------------------------------------- */

/* How much a byte narrows the search: common filler bytes are poor atoms. */
static int byte_score(uint8_t c)
{
    switch (c) {
    case 0x00: return 1;
    case 0xff: case 0x20: case 0xcc: case 0x90: return 2;
    default: return 4;
    }
}

/* The best window of at most ATOM_MAX bytes of p[0..n): its offset. */
static size_t best_window(const uint8_t *p, size_t n, size_t *len)
{
    size_t w = n < ATOM_MAX ? n : ATOM_MAX, best = 0;
    int best_score = -1;
    for (size_t i = 0; i + w <= n; i++) {
        int s = 0;
        for (size_t k = 0; k < w; k++)
            s += byte_score(p[i + k]);
        if (p[i] == 0) /* a leading 00 needs the slower regex database */
            s -= 2;
        if (s > best_score) {
            best_score = s;
            best = i;
        }
    }
    *len = w;
    return best;
}

static int window_score(const uint8_t *p, size_t n)
{
    int s = 0;
    for (size_t i = 0; i < n; i++)
        s += byte_score(p[i]);
    return s;
}

/* ---- "may slow down scanning" ----------------------------------------------
 * YARA warns about strings whose best atom is poor. Our own measure, tuned on
 * YARA's expectations: the best window of up to 4 consecutive fixed tokens,
 * where an exact byte is worth 8 (2 for the filler bytes 00 20 90 CC FF), a
 * nibble 1 and a wildcard -4; a window of one filler byte repeated is worth 1.
 * Below SLOW_QUALITY the string is reported. */
#define SLOW_QUALITY 12
#define QWIN 4

static bool filler(uint8_t c)
{
    return c == 0x00 || c == 0x20 || c == 0x90 || c == 0xcc || c == 0xff;
}

struct qtok {
    int kind; /* 0 exact, 1 nibble, 2 wildcard, 3 negated */
    uint8_t c;
};

static int window_quality(const struct qtok *t, size_t n)
{
    int q = 0;
    bool same_filler = n > 0;
    for (size_t i = 0; i < n; i++) {
        switch (t[i].kind) {
        case 0: q += filler(t[i].c) ? 2 : 8; break;
        case 1: q += 1; break;
        case 2: q -= 4; break;
        default: q -= 3; break;
        }
        same_filler &= t[i].kind == 0 && filler(t[i].c) && t[i].c == t[0].c;
    }
    return same_filler ? 1 : q;
}

static int best_quality(const struct qtok *t, size_t n)
{
    int best = INT32_MIN;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 1; k <= QWIN && i + k <= n; k++) {
            int q = window_quality(t + i, k);
            if (q > best)
                best = q;
        }
    return best;
}

static int literal_quality(const uint8_t *p, size_t n)
{
    struct qtok t[64];
    int best = INT32_MIN;
    for (size_t i = 0; i < n; i += 60) { /* windows of 4 inside blocks overlapping by 4 */
        size_t m = n - i < 64 ? n - i : 64;
        for (size_t k = 0; k < m; k++)
            t[k] = (struct qtok){0, p[i + k]};
        int q = best_quality(t, m);
        if (q > best)
            best = q;
        if (i + m >= n)
            break;
    }
    return best;
}

static int hex_quality(const struct yara_hex_seq *seq)
{
    int best = INT32_MIN;
    struct qtok run[64];
    size_t n = 0;
    for (size_t i = 0; i <= seq->count; i++) {
        const struct yara_hex_token *t = i < seq->count ? &seq->tokens[i] : NULL;
        if (t && t->kind == YARA_HEX_BYTE && n < 64) {
            run[n++] = (struct qtok){t->negated ? 3 : t->mask == 0xff ? 0 : t->mask == 0 ? 2 : 1, t->value};
            continue;
        }
        int q = n ? best_quality(run, n) : INT32_MIN;
        if (q > best)
            best = q;
        n = 0;
        if (t && t->kind == YARA_HEX_BYTE)
            run[n++] = (struct qtok){t->negated ? 3 : t->mask == 0xff ? 0 : t->mask == 0 ? 2 : 1, t->value};
        if (t && t->kind == YARA_HEX_ALT) {
            int alt = INT32_MAX;
            for (size_t k = 0; k < t->alt_count; k++) {
                int b = hex_quality(&t->alts[k]);
                if (b < alt)
                    alt = b;
            }
            if (alt > best)
                best = alt;
        }
    }
    return best;
}

/* A regex with an unbounded repeat of (nearly) any byte: YARA calls it slow. */
static bool unbounded_any(const struct yara_regex_node *nodes, uint32_t idx)
{
    const struct yara_regex_node *n = &nodes[idx];
    if (n->kind == YARA_REGEX_REPEAT && n->max == YARA_REGEX_INF) {
        const struct yara_regex_node *c = &nodes[n->first_child];
        if (c->kind == YARA_REGEX_CLASS) {
            unsigned count = 0;
            for (unsigned b = 0; b < 256; b++)
                count += (c->set[b >> 3] >> (b & 7)) & 1;
            bool newline = (c->set['\n' >> 3] >> ('\n' & 7)) & 1;
            if (count == 256 || (count == 255 && !newline)) /* . with or without /s */
                return true;
        }
    }
    for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && n->kind != YARA_REGEX_CLASS; c = nodes[c].next_sibling)
        if (unbounded_any(nodes, c))
            return true;
    return false;
}

/* A greedy repeat of varying count: later, longer matches at the same start
 * replace earlier ones (YARA's rule for greedy regular expressions). */
static bool has_greedy_repeat(const struct yara_regex_node *nodes, uint32_t idx)
{
    const struct yara_regex_node *n = &nodes[idx];
    if (n->kind == YARA_REGEX_REPEAT && n->greedy && n->max != n->min)
        return true;
    for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && n->kind != YARA_REGEX_CLASS; c = nodes[c].next_sibling)
        if (has_greedy_repeat(nodes, c))
            return true;
    return false;
}

static void note_quality(struct yrules *r, uint32_t string, int q)
{
    struct ystring *st = &r->strings.v[string];
    if (q < SLOW_QUALITY)
        st->slow = true;
}

/* ---- text strings ---------------------------------------------------------- */

static int push_pattern(struct yrules *r, struct ypattern *p)
{
    return util_vec_push(&r->patterns, *p) == 0 ? ASSAY_OK : oom();
}

static int add_literal(struct yrules *r, uint32_t string, const uint8_t *lit, size_t n, unsigned flags,
                       uint8_t xor_key)
{
    if (n == 0)
        return ASSAY_OK;
    if (!(flags & YPF_NOCASE) || n < 2)
        note_quality(r, string, literal_quality(lit, n));
    struct ypattern p = {.string = string, .kind = YP_LITERAL, .flags = (uint8_t)flags, .xor_key = xor_key,
                         .lit_len = (uint32_t)n, .atom_nocase = (flags & YPF_NOCASE) != 0};
    size_t alen, aoff = best_window(lit, n, &alen);
    int rc = add_bytes(r, lit, n, &p.lit);
    if (rc != ASSAY_OK)
        return rc;
    p.atom = p.lit + (uint32_t)aoff;
    p.atom_len = (uint32_t)alen;
    p.pre_min = p.pre_max = (uint32_t)aoff;
    return push_pattern(r, &p);
}

static uint8_t *widen(const uint8_t *s, size_t n)
{
    uint8_t *w = malloc(2 * n + 1);
    if (!w)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        w[2 * i] = s[i];
        w[2 * i + 1] = 0;
    }
    return w;
}

static const char b64_standard[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The characters of base64(k zero bytes + s) whose 6 bits all come from s:
 * char j covers input bits [6j, 6j+6); keep those inside [8k, 8(k+n)). */
static size_t base64_shift(const uint8_t *s, size_t n, unsigned k, const char *alphabet, uint8_t *out)
{
    size_t total = k + n, bits = 8 * total, m = 0;
    size_t first = (8 * k + 5) / 6;
    for (size_t j = first; 6 * j + 6 <= bits; j++) {
        unsigned v = 0;
        for (unsigned b = 0; b < 6; b++) {
            size_t bit = 6 * j + b, byte = bit / 8;
            uint8_t c = byte < k ? 0 : s[byte - k];
            v = (v << 1) | ((c >> (7 - bit % 8)) & 1);
        }
        out[m++] = (uint8_t)alphabet[v];
    }
    return m;
}

static int add_base64(struct yrules *r, uint32_t string, const uint8_t *s, size_t n, const char *alphabet,
                      bool wide_out)
{
    uint8_t *enc = malloc(2 * n + 8);
    if (!enc)
        return oom();
    int rc = ASSAY_OK;
    for (unsigned k = 0; k < 3 && rc == ASSAY_OK; k++) {
        size_t m = base64_shift(s, n, k, alphabet ? alphabet : b64_standard, enc);
        if (!wide_out) {
            rc = add_literal(r, string, enc, m, 0, 0);
            continue;
        }
        uint8_t *w = widen(enc, m);
        rc = w ? add_literal(r, string, w, 2 * m, 0, 0) : oom();
        free(w);
    }
    free(enc);
    return rc;
}

/* One form (the ascii or the wide bytes) of a text string. */
static int text_form(struct yrules *r, uint32_t string, const struct yara_string *ys, const uint8_t *s, size_t n,
                     bool wide)
{
    unsigned m = ys->modifiers;
    unsigned flags = (m & YARA_MOD_NOCASE ? YPF_NOCASE : 0) | (m & YARA_MOD_FULLWORD ? YPF_FULLWORD : 0) |
                     (wide ? YPF_WIDE : 0);
    int rc = ASSAY_OK;
    if (m & (YARA_MOD_BASE64 | YARA_MOD_BASE64WIDE)) {
        if (m & YARA_MOD_BASE64)
            rc = add_base64(r, string, s, n, ys->base64_alphabet, false);
        if (rc == ASSAY_OK && (m & YARA_MOD_BASE64WIDE))
            rc = add_base64(r, string, s, n, ys->base64_alphabet, true);
        return rc;
    }
    if (!(m & YARA_MOD_XOR))
        return add_literal(r, string, s, n, flags, 0);
    uint8_t *x = malloc(n ? n : 1);
    if (!x)
        return oom();
    for (unsigned key = ys->xor_min; key <= ys->xor_max && rc == ASSAY_OK; key++) {
        for (size_t i = 0; i < n; i++)
            x[i] = s[i] ^ (uint8_t)key;
        rc = add_literal(r, string, x, n, flags, (uint8_t)key);
    }
    free(x);
    return rc;
}

static int compile_text(struct yrules *r, uint32_t string, const struct yara_string *ys)
{
    bool wide = ys->modifiers & YARA_MOD_WIDE;
    bool ascii = (ys->modifiers & YARA_MOD_ASCII) || !wide;
    int rc = ASSAY_OK;
    if (ascii)
        rc = text_form(r, string, ys, ys->text, ys->text_len, false);
    if (rc == ASSAY_OK && wide) {
        uint8_t *w = widen(ys->text, ys->text_len);
        rc = w ? text_form(r, string, ys, w, 2 * ys->text_len, true) : oom();
        free(w);
    }
    return rc;
}

/* ---- regular expressions and hex strings ------------------------------------ */

static int emit_byte(struct util_buf *out, uint8_t c)
{
    static const char hex[] = "0123456789abcdef";
    char t[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
    return util_buf_append(out, t, 4);
}

/* Members of a 256-bit set, and the highest one (-1 when empty). */
static unsigned set_count(const uint8_t set[32], int *last)
{
    unsigned count = 0;
    *last = -1;
    for (int w = 0; w < 4; w++) {
        uint64_t word;
        memcpy(&word, set + 8 * w, 8);
        if (word) {
            count += (unsigned)__builtin_popcountll(word);
            *last = 64 * w + 63 - __builtin_clzll(word);
        }
    }
    return count;
}

static int emit_set(struct util_buf *out, const uint8_t set[32])
{
    int last;
    unsigned count = set_count(set, &last);
    if (count == 256)
        return util_buf_printf(out, "[\\x00-\\xff]");
    if (count == 1)
        return emit_byte(out, (uint8_t)last);
    int rc = util_buf_printf(out, "[");
    for (unsigned c = 0; c < 256 && rc == 0;) {
        if (!((set[c >> 3] >> (c & 7)) & 1)) {
            c++;
            continue;
        }
        unsigned e = c;
        while (e + 1 < 256 && ((set[(e + 1) >> 3] >> ((e + 1) & 7)) & 1))
            e++;
        rc = e == c ? util_buf_printf(out, "\\x%02x", c) : util_buf_printf(out, "\\x%02x-\\x%02x", c, e);
        c = e + 1;
    }
    return rc == 0 ? util_buf_printf(out, "]") : rc;
}

static int hex_seq_regex(const struct yara_hex_seq *seq, struct util_buf *out);

static int hex_token_regex(const struct yara_hex_token *t, struct util_buf *out)
{
    switch (t->kind) {
    case YARA_HEX_BYTE: {
        if (t->mask == 0xff && !t->negated)
            return emit_byte(out, t->value);
        uint8_t set[32] = {0};
        for (unsigned c = 0; c < 256; c++)
            if ((((uint8_t)c & t->mask) == t->value) != t->negated)
                set[c >> 3] |= (uint8_t)(1u << (c & 7));
        return emit_set(out, set);
    }
    case YARA_HEX_JUMP:
        if (t->jump_max < 0)
            return t->jump_min ? util_buf_printf(out, "[\\x00-\\xff]{%lld,}?", (long long)t->jump_min)
                               : util_buf_printf(out, "[\\x00-\\xff]*?");
        if (t->jump_min == t->jump_max)
            return util_buf_printf(out, "[\\x00-\\xff]{%lld}", (long long)t->jump_min);
        return util_buf_printf(out, "[\\x00-\\xff]{%lld,%lld}?", (long long)t->jump_min, (long long)t->jump_max);
    case YARA_HEX_ALT: {
        int rc = util_buf_printf(out, "(");
        for (size_t i = 0; i < t->alt_count && rc == 0; i++) {
            if (i)
                rc = util_buf_printf(out, "|");
            if (rc == 0)
                rc = hex_seq_regex(&t->alts[i], out);
        }
        return rc == 0 ? util_buf_printf(out, ")") : rc;
    }
    }
    return -1;
}

static int hex_seq_regex(const struct yara_hex_seq *seq, struct util_buf *out)
{
    for (size_t i = 0; i < seq->count; i++)
        if (hex_token_regex(&seq->tokens[i], out) != 0)
            return -1;
    return 0;
}

/* Regex text of an AST: `wide` puts \x00 after every consuming class (the
 * wide form of a regular expression); `reverse` writes it backwards (for
 * matching right to left: sequences reversed, ^ and $ swapped). */
static int ast_text(const struct yara_regex_node *nodes, uint32_t idx, struct util_buf *out, bool wide, bool reverse)
{
    const struct yara_regex_node *n = &nodes[idx];
    int rc = 0;
    switch (n->kind) {
    case YARA_REGEX_CLASS:
        rc = emit_set(out, n->set);
        return rc == 0 && wide ? util_buf_printf(out, "\\x00") : rc;
    case YARA_REGEX_EMPTY:
        return 0;
    case YARA_REGEX_ASSERT: {
        uint8_t k = n->assert_kind;
        if (reverse && (k == YARA_REGEX_BOL || k == YARA_REGEX_EOL))
            k = k == YARA_REGEX_BOL ? YARA_REGEX_EOL : YARA_REGEX_BOL;
        return util_buf_printf(out, "%s", k == YARA_REGEX_BOL     ? "^"
                                          : k == YARA_REGEX_EOL   ? "$"
                                          : k == YARA_REGEX_WORDB ? "\\b"
                                                                  : "\\B");
    }
    case YARA_REGEX_CONCAT: {
        UTIL_VEC(uint32_t) kids = {0};
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && rc == 0; c = nodes[c].next_sibling)
            rc = util_vec_push(&kids, c);
        if (rc == 0)
            rc = util_buf_printf(out, "(");
        for (size_t i = 0; i < kids.n && rc == 0; i++)
            rc = ast_text(nodes, kids.v[reverse ? kids.n - 1 - i : i], out, wide, reverse);
        util_vec_free(&kids);
        return rc == 0 ? util_buf_printf(out, ")") : rc;
    }
    case YARA_REGEX_ALT:
        rc = util_buf_printf(out, "(");
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && rc == 0; c = nodes[c].next_sibling) {
            if (c != n->first_child)
                rc = util_buf_printf(out, "|");
            if (rc == 0)
                rc = ast_text(nodes, c, out, wide, reverse);
        }
        return rc == 0 ? util_buf_printf(out, ")") : rc;
    case YARA_REGEX_REPEAT:
        rc = util_buf_printf(out, "(");
        if (rc == 0)
            rc = ast_text(nodes, n->first_child, out, wide, reverse);
        if (rc == 0)
            rc = n->max == YARA_REGEX_INF ? util_buf_printf(out, "){%u,}", n->min)
                                          : util_buf_printf(out, "){%u,%u}", n->min, n->max);
        return rc == 0 && !n->greedy ? util_buf_printf(out, "?") : rc;
    }
    return -1;
}

int yara_regex_pcre(const struct yara_regex *re, struct util_buf *out)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(re, &count, &root);
    if (ast_text(nodes, root, out, false, false) != 0)
        return -1;
    return util_buf_append_byte(out, 0);
}

/* Shortest and longest match of a node (YARA_REGEX_INF: unbounded). */
static void node_span(const struct yara_regex_node *nodes, uint32_t idx, uint64_t *lo, uint64_t *hi)
{
    const struct yara_regex_node *n = &nodes[idx];
    uint64_t a, b;
    switch (n->kind) {
    case YARA_REGEX_CLASS: *lo = *hi = 1; return;
    case YARA_REGEX_EMPTY: case YARA_REGEX_ASSERT: *lo = *hi = 0; return;
    case YARA_REGEX_CONCAT:
        *lo = *hi = 0;
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE; c = nodes[c].next_sibling) {
            node_span(nodes, c, &a, &b);
            *lo += a;
            *hi = (*hi == YARA_REGEX_INF || b == YARA_REGEX_INF) ? YARA_REGEX_INF : *hi + b;
        }
        return;
    case YARA_REGEX_ALT:
        *lo = UINT64_MAX;
        *hi = 0;
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE; c = nodes[c].next_sibling) {
            node_span(nodes, c, &a, &b);
            if (a < *lo)
                *lo = a;
            if (b == YARA_REGEX_INF || (*hi != YARA_REGEX_INF && b > *hi))
                *hi = b;
        }
        if (*lo == UINT64_MAX)
            *lo = 0;
        return;
    case YARA_REGEX_REPEAT:
        node_span(nodes, n->first_child, &a, &b);
        *lo = a * n->min;
        *hi = (n->max == YARA_REGEX_INF || b == YARA_REGEX_INF) ? (b == 0 ? 0 : YARA_REGEX_INF) : b * n->max;
        if (*hi != YARA_REGEX_INF && *hi > YARA_REGEX_SCAN_LIMIT)
            *hi = YARA_REGEX_INF;
        return;
    }
    *lo = 0;
    *hi = YARA_REGEX_INF;
}

/* A class that is one byte, or one letter in both cases. */
static bool fixed_byte(const uint8_t set[32], uint8_t *c, bool *nocase)
{
    int highest;
    if (set_count(set, &highest) > 2)
        return false;
    int first = -1, count = 0;
    for (unsigned b = 0; b < 256; b++)
        if ((set[b >> 3] >> (b & 7)) & 1) {
            if (++count > 2)
                return false;
            if (first < 0)
                first = (int)b;
            else if (tolower(first) != tolower((int)b) || first == (int)b)
                return false;
        }
    if (count == 0)
        return false;
    *c = (uint8_t)tolower(first);
    *nocase = count == 2;
    if (count == 1)
        *c = (uint8_t)first;
    return true;
}

struct atom_pick {
    uint8_t bytes[ATOM_MAX];
    size_t len;
    bool nocase;
    uint64_t pre_min, pre_max;
    int score;
    size_t item;           /* index in the flattened top-level sequence where the run starts */
};

struct atom_walk {
    const struct yara_regex_node *nodes;
    uint64_t lo, hi;       /* span of the prefix before the current node */
    uint8_t run[ATOM_MAX];
    size_t run_len;
    bool run_nocase;
    uint64_t run_lo, run_hi;
    size_t run_item;
    struct atom_pick best;
    UTIL_VEC(uint32_t) items;  /* the flattened top-level sequence */
    bool oom;
};

static void close_run(struct atom_walk *w)
{
    if (w->run_len == 0)
        return;
    int s = window_score(w->run, w->run_len);
    if (w->run[0] == 0)
        s -= 2;
    if (s > w->best.score) {
        memcpy(w->best.bytes, w->run, w->run_len);
        w->best.len = w->run_len;
        w->best.nocase = w->run_nocase;
        w->best.pre_min = w->run_lo;
        w->best.pre_max = w->run_hi;
        w->best.score = s;
        w->best.item = w->run_item;
    }
    w->run_len = 0;
}

static void add_span(struct atom_walk *w, uint64_t a, uint64_t b)
{
    w->lo += a;
    w->hi = (w->hi == YARA_REGEX_INF || b == YARA_REGEX_INF) ? YARA_REGEX_INF : w->hi + b;
}

/* Walk the top-level sequence (nested concatenations flattened). */
static void walk_seq(struct atom_walk *w, uint32_t idx)
{
    const struct yara_regex_node *n = &w->nodes[idx];
    if (n->kind == YARA_REGEX_CONCAT) {
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE; c = w->nodes[c].next_sibling)
            walk_seq(w, c);
        return;
    }
    uint8_t c;
    bool nc;
    if (util_vec_push(&w->items, idx) != 0)
        w->oom = true;
    if (n->kind == YARA_REGEX_CLASS && fixed_byte(n->set, &c, &nc)) {
        if (w->run_len == ATOM_MAX)
            close_run(w);
        if (w->run_len == 0) {
            w->run_lo = w->lo;
            w->run_hi = w->hi;
            w->run_nocase = false;
            w->run_item = w->items.n - 1;
        }
        w->run[w->run_len++] = c;
        w->run_nocase |= nc;
        add_span(w, 1, 1);
        return;
    }
    if (n->kind == YARA_REGEX_ASSERT)
        return; /* zero width: a run may go on across \b */
    close_run(w);
    uint64_t a, b;
    node_span(w->nodes, idx, &a, &b);
    add_span(w, a, b);
}

static size_t shortest_literal(const struct yara_regex_literals *lits)
{
    size_t shortest = lits->n ? SIZE_MAX : 0;
    for (size_t i = 0; i < lits->n; i++)
        if (lits->v[i].len < shortest)
            shortest = lits->v[i].len;
    return shortest;
}

/* The best top-level alternative whose every branch has a required literal:
 * e.g. the (powershell|cmd|...) of /=[^\r]*(powershell|cmd|...)\.exe/. */
static void alternative_literals(const struct atom_walk *w, unsigned flags, struct yara_regex_literals *out)
{
    struct yara_regex_literals best = {.n = 0};
    size_t best_short = 0;
    for (size_t i = 0; i < w->items.n; i++) {
        if (w->nodes[w->items.v[i]].kind != YARA_REGEX_ALT)
            continue;
        struct util_buf text = {0};
        struct yara_regex *alt = NULL;
        struct yara_regex_literals l;
        if (ast_text(w->nodes, w->items.v[i], &text, false, false) == 0 &&
            yara_regex_compile(text.data ? (const char *)text.data : "", text.len, flags & YARA_REGEX_NOCASE, &alt,
                               NULL) == ASSAY_OK &&
            yara_regex_literals(alt, &l) == 0 && l.n > 0 && shortest_literal(&l) > best_short) {
            best = l;
            best_short = shortest_literal(&l);
        }
        yara_regex_free(alt);
        util_buf_free(&text);
    }
    *out = best;
}

/* The halves are written with explicit classes; only wide \b and the
 * shortest-match rule matter. */
static unsigned unsigned_flags_of(const struct yara_regex *re)
{
    return yara_regex_flags(re) & (YARA_REGEX_WIDE_WORD | YARA_REGEX_SHORTEST);
}

/* Compile the two halves of a regex around its atom: the items from the run
 * on (forward) and the items before it, reversed (matched backwards). */
static int split_at_atom(struct yrules *r, const struct atom_walk *w, unsigned flags, struct ypattern *p)
{
    if (w->best.item == 0) {
        /* The atom starts the expression: the forward half is all of it. */
        p->fwd_re = p->re;
        p->pre_re = NULL;
        return ASSAY_OK;
    }
    struct util_buf pre = {0}, fwd = {0};
    int rc = 0;
    for (size_t i = w->best.item; i < w->items.n && rc == 0; i++)
        rc = ast_text(w->nodes, w->items.v[i], &fwd, false, false);
    for (size_t i = w->best.item; i-- > 0 && rc == 0;)
        rc = ast_text(w->nodes, w->items.v[i], &pre, false, true);
    struct yara_regex *re = NULL;
    struct yara_regex_error err;
    int out = rc == 0 ? ASSAY_OK : oom();
    if (out == ASSAY_OK) {
        out = yara_regex_compile(fwd.data ? (const char *)fwd.data : "", fwd.len, flags, &re, &err);
        if (out == ASSAY_OK && util_vec_push(&r->regexes, re) != 0) {
            yara_regex_free(re);
            out = oom();
        }
        p->fwd_re = out == ASSAY_OK ? re : NULL;
    }
    if (out == ASSAY_OK && pre.len) {
        out = yara_regex_compile((const char *)pre.data, pre.len, flags, &re, &err);
        if (out == ASSAY_OK && util_vec_push(&r->regexes, re) != 0) {
            yara_regex_free(re);
            out = oom();
        }
        p->pre_re = out == ASSAY_OK ? re : NULL;
    }
    util_buf_free(&pre);
    util_buf_free(&fwd);
    /* A half that does not compile (a limit) leaves the whole-regex path. */
    if (out != ASSAY_OK && out != ASSAY_ENOMEM) {
        p->fwd_re = p->pre_re = NULL;
        out = ASSAY_OK;
    }
    return out;
}

/* The bytes a match of node idx can start with (OR-ed into set); returns
 * whether the node can match the empty string. */
static bool first_bytes(const struct yara_regex_node *nodes, uint32_t idx, uint8_t set[32])
{
    const struct yara_regex_node *n = &nodes[idx];
    bool nullable;
    switch (n->kind) {
    case YARA_REGEX_CLASS:
        for (int i = 0; i < 32; i++)
            set[i] |= n->set[i];
        return false;
    case YARA_REGEX_CONCAT:
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE; c = nodes[c].next_sibling)
            if (!first_bytes(nodes, c, set))
                return false;
        return true;
    case YARA_REGEX_ALT:
        nullable = false;
        for (uint32_t c = n->first_child; c != YARA_REGEX_NONE; c = nodes[c].next_sibling)
            nullable |= first_bytes(nodes, c, set);
        return nullable;
    case YARA_REGEX_REPEAT:
        nullable = first_bytes(nodes, n->first_child, set);
        return nullable || n->min == 0;
    default: /* EMPTY, ASSERT */
        return true;
    }
}

/* Record the start-byte set of a regex pattern, unless any byte can start it. */
static int note_first_bytes(struct yrules *r, const struct yara_regex *re, struct ypattern *p)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(re, &count, &root);
    struct ybyteset s = {{0}};
    p->first = YRULES_NONE;
    if (first_bytes(nodes, root, s.bits))
        return ASSAY_OK; /* can match empty: any start */
    int members = 0;
    for (int i = 0; i < 32; i++)
        members += __builtin_popcount(s.bits[i]);
    if (members >= 200)
        return ASSAY_OK; /* filters too little to be worth a lookup */
    if (util_vec_push(&r->first_sets, s) != 0)
        return oom();
    p->first = (uint32_t)(r->first_sets.n - 1);
    return ASSAY_OK;
}

static int compile_regex_form(struct yrules *r, uint32_t string, struct yara_regex *re, unsigned flags)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(re, &count, &root);
    struct atom_walk w = {.nodes = nodes, .best = {.score = -1}};
    walk_seq(&w, root);
    close_run(&w);
    if (w.oom) {
        util_vec_free(&w.items);
        return oom();
    }
    struct ypattern p = {.string = string, .kind = YP_REGEX, .flags = (uint8_t)flags, .re = re,
                         .group = r->groups++};
    if (note_first_bytes(r, re, &p) != ASSAY_OK) {
        util_vec_free(&w.items);
        return oom();
    }
    if (unbounded_any(nodes, root))
        r->strings.v[string].slow = true;
    if (!r->strings.v[string].is_hex && has_greedy_repeat(nodes, root))
        p.flags |= YPF_GREEDY;
    if (!r->strings.v[string].is_hex)
        note_quality(r, string, w.best.len ? literal_quality(w.best.bytes, w.best.len) : INT32_MIN);
    uint64_t mlo, mhi;
    node_span(nodes, root, &mlo, &mhi);
    uint64_t window = mhi == YARA_REGEX_INF || mhi > YARA_REGEX_SCAN_LIMIT ? YARA_REGEX_SCAN_LIMIT : mhi;
    /* A required literal anywhere may beat a short positioned run: of the
     * whole expression, or one per branch of a top-level alternative. */
    struct yara_regex_literals lits;
    if (w.best.len < 3 && (yara_regex_literals(re, &lits) != 0 || shortest_literal(&lits) < 3))
        alternative_literals(&w, yara_regex_flags(re), &lits);
    if (w.best.len < 3 && lits.n > 0) {
        size_t shortest = shortest_literal(&lits);
        if (shortest > w.best.len) {
            int rc = ASSAY_OK;
            for (size_t i = 0; i < lits.n && rc == ASSAY_OK; i++) {
                size_t alen, aoff = best_window(lits.v[i].bytes, lits.v[i].len, &alen);
                struct ypattern q = p;
                rc = add_bytes(r, lits.v[i].bytes + aoff, alen, &q.atom);
                q.atom_len = (uint32_t)alen;
                q.atom_nocase = lits.nocase;
                q.pre_min = 0;
                q.pre_max = window > alen ? (uint32_t)(window - alen) : 0;
                if (rc == ASSAY_OK)
                    rc = push_pattern(r, &q);
            }
            util_vec_free(&w.items);
            return rc;
        }
    }
    if (w.best.len == 0) {
        util_vec_free(&w.items);
        p.kind = YP_SCAN_ALL;
        return push_pattern(r, &p);
    }
    int rc = split_at_atom(r, &w, unsigned_flags_of(re), &p);
    if (rc == ASSAY_OK)
        rc = add_bytes(r, w.best.bytes, w.best.len, &p.atom);
    util_vec_free(&w.items);
    p.atom_len = (uint32_t)w.best.len;
    p.atom_nocase = w.best.nocase;
    p.pre_min = (uint32_t)(w.best.pre_min > YARA_REGEX_SCAN_LIMIT ? YARA_REGEX_SCAN_LIMIT : w.best.pre_min);
    p.pre_max = (uint32_t)(w.best.pre_max > YARA_REGEX_SCAN_LIMIT ? YARA_REGEX_SCAN_LIMIT : w.best.pre_max);
    return rc == ASSAY_OK ? push_pattern(r, &p) : rc;
}

static int compile_program(struct yrules *r, const struct yara_string *ys, const char *src, size_t len,
                           unsigned re_flags, struct yara_regex **out, struct yara_diag *diag)
{
    struct yara_regex_error err = {0};
    int rc = yara_regex_compile(src, len, re_flags, out, &err);
    if (rc != ASSAY_OK) {
        if (rc == ASSAY_ENOMEM)
            return rc;
        yara_diag_set(diag, ys->kind == YARA_STR_HEX ? YARA_ERR_INVALID_HEX_STRING : YARA_ERR_INVALID_REGEX,
                      ys->pos, "invalid %s \"%s\": %s", ys->kind == YARA_STR_HEX ? "hex string" : "regular expression",
                      ys->name, err.message);
        return ASSAY_ESYNTAX;
    }
    if (util_vec_push(&r->regexes, *out) != 0) {
        yara_regex_free(*out);
        return oom();
    }
    return ASSAY_OK;
}

static int compile_regex(struct yrules *r, uint32_t string, const struct yara_string *ys, struct yara_diag *diag)
{
    struct ystring *st = &r->strings.v[string];
    struct util_buf text = {0};
    unsigned re_flags = 0;
    const char *src;
    size_t len;
    if (ys->kind == YARA_STR_HEX) {
        note_quality(r, string, hex_quality(&ys->hex));
        if (hex_seq_regex(&ys->hex, &text) != 0) {
            util_buf_free(&text);
            return oom();
        }
        src = (const char *)text.data;
        len = text.len;
        re_flags = YARA_REGEX_DOTALL;
    } else {
        src = (const char *)ys->text;
        len = ys->text_len;
        re_flags = (ys->regex_flags & YARA_RE_NOCASE ? YARA_REGEX_NOCASE : 0) |
                   (ys->regex_flags & YARA_RE_DOTALL ? YARA_REGEX_DOTALL : 0) |
                   (ys->modifiers & YARA_MOD_NOCASE ? YARA_REGEX_NOCASE : 0);
    }
    struct yara_regex *ascii = NULL;
    int rc = compile_program(r, ys, src ? src : "", len, re_flags, &ascii, diag);
    util_buf_free(&text);
    if (rc != ASSAY_OK)
        return rc;
    /* Without a greedy repeat YARA ends a match at the first place it can. */
    size_t ncount;
    uint32_t nroot;
    const struct yara_regex_node *anodes = yara_regex_nodes(ascii, &ncount, &nroot);
    unsigned shortest = ys->kind == YARA_STR_HEX || !has_greedy_repeat(anodes, nroot) ? YARA_REGEX_SHORTEST : 0;
    yara_regex_add_flags(ascii, shortest);
    unsigned fw = ys->modifiers & YARA_MOD_FULLWORD ? YPF_FULLWORD : 0;
    bool wide = ys->modifiers & YARA_MOD_WIDE;
    bool want_ascii = (ys->modifiers & YARA_MOD_ASCII) || !wide;
    st->re[0] = ascii;
    if (want_ascii)
        rc = compile_regex_form(r, string, ascii, fw);
    if (rc == ASSAY_OK && wide) {
        size_t count;
        uint32_t root;
        const struct yara_regex_node *nodes = yara_regex_nodes(ascii, &count, &root);
        struct util_buf w = {0};
        struct yara_regex *wre = NULL;
        rc = ast_text(nodes, root, &w, true, false) == 0 ? ASSAY_OK : oom();
        if (rc == ASSAY_OK)
            rc = compile_program(r, ys, w.data ? (const char *)w.data : "", w.len, YARA_REGEX_DOTALL | YARA_REGEX_WIDE_WORD, &wre, diag);
        if (rc == ASSAY_OK)
            yara_regex_add_flags(wre, shortest);
        util_buf_free(&w);
        if (rc == ASSAY_OK) {
            st->re[1] = wre;
            rc = compile_regex_form(r, string, wre, fw | YPF_WIDE);
        }
    }
    return rc;
}

int ycompile_string(struct yrules *r, uint32_t string_index, struct yara_diag *diag)
{
    struct ystring *st = &r->strings.v[string_index];
    const struct yara_string *ys = st->ast;
    st->pattern_first = (uint32_t)r->patterns.n;
    st->is_private = ys->modifiers & YARA_MOD_PRIVATE;
    st->is_hex = ys->kind == YARA_STR_HEX;
    int rc = ys->kind == YARA_STR_TEXT ? compile_text(r, string_index, ys) : compile_regex(r, string_index, ys, diag);
    r->strings.v[string_index].pattern_count = (uint32_t)(r->patterns.n - r->strings.v[string_index].pattern_first);
    return rc;
}
