/* compile_strings.c — YARA strings to the patterns the engine searches.
 *
 * Text strings become literals, one per variant: ascii and/or wide, each xor
 * key, each of the three base64 shifts (with the characters that depend on the
 * unknown neighbouring bytes trimmed, as YARA documents). Hex strings are
 * rewritten as YARA regular expressions (bytes, `.` for ??, nibbles as
 * classes, jumps as lazy `.{n,m}?`, alternatives as groups). Regular
 * expressions and hex strings are then split as YARA splits them: at each of
 * the atoms YARA would choose (regex.h, yara_regex_yara_atoms) into a forward
 * and a backward program, run by the Pike VM of regex_match.c from every hit
 * of the atom (yscan.c); see the section below for the rules this follows.
 * Limits: those of regex.h for each program; a program that does not compile
 * leaves its fragment without atoms (tried at every offset). Which bytes the
 * first pass searches is window_score.h's guess; which strings YARA warns
 * about, slow_strings.h's; a string defined as an earlier one copies its
 * patterns (string_share.c). */
#include <stdio.h>
#include <string.h>

#include "assay.h"
#include "sig/sigdb.h"
#include "util/error.h"
#include "yara/hex_regex.h"
#include "yara/regex.h"
#include "yara/regex_odds.h"
#include "yara/rules.h"
#include "yara/slow_strings.h"
#include "yara/window_score.h"

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

/* A greedy quantifier (any, {n} too, as YARA's parser flags it): later
 * matches at the same start replace earlier ones (YARA's rule for greedy
 * regular expressions). */
static bool has_greedy_repeat(const struct yara_regex_node *nodes, uint32_t idx)
{
    const struct yara_regex_node *n = &nodes[idx];
    if (n->kind == YARA_REGEX_REPEAT && n->greedy)
        return true;
    for (uint32_t c = n->first_child; c != YARA_REGEX_NONE && n->kind != YARA_REGEX_CLASS; c = nodes[c].next_sibling)
        if (has_greedy_repeat(nodes, c))
            return true;
    return false;
}

/* Mark a string YARA warns about ("may slow down scanning"). */
static void note_slow(struct yrules *r, uint32_t string, bool slow)
{
    if (slow)
        r->strings.v[string].slow = true;
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
        note_slow(r, string, yslow_literal(lit, n));
    struct ypattern p = {.string = string, .kind = YP_LITERAL, .flags = (uint8_t)flags, .xor_key = xor_key,
                         .lit_len = (uint32_t)n, .atom_nocase = (flags & YPF_NOCASE) != 0};
    size_t alen, aoff = ywindow_best(lit, n, &alen);
    int rc = add_bytes(r, lit, n, &p.lit);
    if (rc != ASSAY_OK)
        return rc;
    p.atom = p.lit + (uint32_t)aoff;
    p.atom_len = (uint32_t)alen;
    p.pre_min = (uint32_t)aoff;
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

static bool hex_has_alt(const struct yara_hex_seq *seq)
{
    for (size_t i = 0; i < seq->count; i++)
        if (seq->tokens[i].kind == YARA_HEX_ALT)
            return true;
    return false;
}

/* ---- regular expressions and hex strings: YARA's split at its atoms ------------
 * YARA runs a regex or hex string from each of its atoms (regex.h,
 * yara_regex_yara_atoms): forwards from the atom's node with the regex's
 * priorities (hex strings without alternatives: the shortest match), and
 * backwards from it, every start the part before allows being a match. A
 * string with an ascii and a wide form is verified in both forms at each hit
 * (YARA 4.5; 4.2 tried the wide form only when the ascii forward part failed).
 * Without an atom YARA tries every offset with the code of the whole string,
 * in which a leading optional `x?` is mandatory (the code YARA points at
 * starts after the optional jump). Lazy jumps longer than 200 bytes at the top
 * level cut a string into fragments matched on their own and chained
 * (yscan.c). */

#define CHAIN_THRESHOLD 200

struct u32_vec {                     /* a UTIL_VEC(uint32_t) with a name */
    uint32_t *v;
    size_t n, cap;
};

struct frag {                        /* one fragment of a string, on its AST */
    const struct yara_regex_node *nodes;
    const uint32_t *items;           /* its top-level sequence */
    size_t nitems;
    const uint32_t *parent;          /* per node: its parent, NONE at the top level */
};

struct rx_string {                   /* the regex or hex string being compiled */
    struct yrules *r;
    uint32_t string;
    const struct yara_string *ys;
    bool ascii, wide, hex, fast, nocase;
    uint8_t flags;                   /* YPF_FULLWORD, YPF_GREEDY */
    uint8_t frag;                    /* index of the fragment being compiled */
    bool chained;                    /* cut into fragments (see CHAIN_THRESHOLD) */
    bool single_atom;                /* the fragment has one atom */
};

static size_t item_index(const struct frag *f, uint32_t x)
{
    size_t i = 0;
    while (i < f->nitems && f->items[i] != x)
        i++;
    return i;
}

/* The forward and backward programs are built from parts of the fragment's
 * AST (regex_build.c), a half at a time. */
struct half {
    struct yara_regex *re;
    struct yara_regex_list items;    /* its top-level sequence */
    bool wide;
};

static void put_node(struct half *h, const struct frag *f, uint32_t idx, bool reverse)
{
    yara_regex_append_copy(h->re, &h->items, f->nodes, idx, h->wide, reverse);
}

static void put_seq(struct half *h, const struct frag *f, size_t from, size_t to, bool reverse)
{
    for (size_t i = from; i < to; i++)
        put_node(h, f, f->items[reverse ? to - 1 - (i - from) : i], reverse);
}

/* What is left of a repeat whose first iteration holds the split point:
 * `+` may loop on (both ways); {n,m} has n-1..m-1 more iterations, after it
 * only (YARA's code of a counted repeat puts an atom in its first copy). */
static void put_repeat_rest(struct half *h, const struct frag *f, uint32_t rep, bool reverse)
{
    const struct yara_regex_node *n = &f->nodes[rep];
    uint32_t lo = 0, hi = YARA_REGEX_INF;
    if (n->ykind != YARA_YK_PLUS) {
        if (reverse || n->min == 0 || n->max == 1)
            return;
        lo = n->min - 1;
        hi = n->max == YARA_REGEX_INF ? YARA_REGEX_INF : n->max - 1;
    }
    uint32_t child = yara_regex_add_copy(h->re, f->nodes, n->first_child, h->wide, reverse);
    yara_regex_list_append(h->re, &h->items,
                           yara_regex_add_repeat(h->re, child, lo, hi, n->greedy, YARA_YK_BRACES));
}

/* The forward part after node x: the rest of each enclosing sequence, outwards. */
static void put_continuation(struct half *h, const struct frag *f, uint32_t x)
{
    for (uint32_t p = f->parent[x];; x = p, p = f->parent[x]) {
        if (p == YARA_REGEX_NONE) {
            put_seq(h, f, item_index(f, x) + 1, f->nitems, false);
            return;
        }
        if (f->nodes[p].kind == YARA_REGEX_CONCAT)
            for (uint32_t c = f->nodes[x].next_sibling; c != YARA_REGEX_NONE; c = f->nodes[c].next_sibling)
                put_node(h, f, c, false);
        else if (f->nodes[p].kind == YARA_REGEX_REPEAT)
            put_repeat_rest(h, f, p, false);
    }
}

/* The part before node x, reversed: nearest first, outwards. */
static void put_prefix(struct half *h, const struct frag *f, uint32_t x)
{
    for (uint32_t p = f->parent[x];; x = p, p = f->parent[x]) {
        if (p == YARA_REGEX_NONE) {
            put_seq(h, f, 0, item_index(f, x), true);
            return;
        }
        if (f->nodes[p].kind == YARA_REGEX_CONCAT) {
            struct u32_vec before = {0};
            for (uint32_t c = f->nodes[p].first_child; c != x; c = f->nodes[c].next_sibling)
                if (util_vec_push(&before, c) != 0)
                    h->items.failed = true;
            for (size_t i = before.n; i-- > 0;)
                put_node(h, f, before.v[i], true);
            util_vec_free(&before);
        } else if (f->nodes[p].kind == YARA_REGEX_REPEAT) {
            put_repeat_rest(h, f, p, true);
        }
    }
}

/* YARA's code from the start it records for node idx: the node itself,
 * except that the optional jump of an `x?` (or x{0,1}) at the very start is
 * skipped, which makes that x mandatory. */
static void put_recorded_start(struct half *h, const struct frag *f, uint32_t idx)
{
    const struct yara_regex_node *n = &f->nodes[idx];
    if (n->kind == YARA_REGEX_CONCAT) {
        put_recorded_start(h, f, n->first_child);
        for (uint32_t c = f->nodes[n->first_child].next_sibling; c != YARA_REGEX_NONE; c = f->nodes[c].next_sibling)
            put_node(h, f, c, false);
        return;
    }
    if (n->kind != YARA_REGEX_REPEAT || n->ykind == YARA_YK_STAR ||
        (n->ykind != YARA_YK_PLUS && f->nodes[n->first_child].ykind == YARA_YK_ANY) || /* a jump */
        (n->ykind != YARA_YK_PLUS && n->min == 0 && n->max != 1)) {
        put_node(h, f, idx, false);
        return;
    }
    put_recorded_start(h, f, n->first_child);
    put_repeat_rest(h, f, idx, false);
}

/* The half's program, kept in r->regexes: ASSAY_OK, or the error of
 * yara_regex_finish (a size limit) with *out NULL and *err filled. */
static int finish_half(struct rx_string *s, struct half *h, struct yara_regex **out, struct yara_regex_error *err)
{
    uint32_t root = yara_regex_list_close(h->re, &h->items, YARA_REGEX_CONCAT);
    int rc = yara_regex_finish(h->re, root, err);
    if (rc == ASSAY_OK && util_vec_push(&s->r->regexes, h->re) != 0)
        rc = oom();
    if (rc != ASSAY_OK) {
        yara_regex_free(h->re);
        h->re = NULL;
    }
    *out = h->re;
    return rc;
}

static int start_half(struct half *h, unsigned flags, bool wide)
{
    *h = (struct half){.re = yara_regex_new(flags), .wide = wide};
    return h->re ? ASSAY_OK : oom();
}

/* The forward and backward programs of one form, split at node x (NONE: the
 * whole fragment from YARA's recorded start, nothing before). */
static int form_programs(struct rx_string *s, const struct frag *f, uint32_t x, bool wide, struct yara_regex **fwd,
                         struct yara_regex **pre)
{
    struct yara_regex_error err;
    struct half fh, ph;
    unsigned flags = wide ? YARA_REGEX_WIDE_WORD : 0;
    *fwd = *pre = NULL;
    int rc = start_half(&fh, flags | (s->fast ? YARA_REGEX_SHORTEST : 0), wide);
    if (rc != ASSAY_OK)
        return rc;
    if (x == YARA_REGEX_NONE) {
        put_recorded_start(&fh, f, f->items[0]);
        put_seq(&fh, f, 1, f->nitems, false);
    } else {
        put_node(&fh, f, x, false);
        put_continuation(&fh, f, x);
    }
    rc = finish_half(s, &fh, fwd, &err);
    if (rc != ASSAY_OK || x == YARA_REGEX_NONE)
        return rc;
    rc = start_half(&ph, flags, wide);
    if (rc != ASSAY_OK)
        return rc;
    put_prefix(&ph, f, x);
    if (ph.items.count == 0 && !ph.items.failed) {
        yara_regex_free(ph.re);
        return ASSAY_OK;
    }
    return finish_half(s, &ph, pre, &err);
}

/* ---- a rarer literal than YARA's atom -------------------------------------------
 * YARA's atoms are at most 4 bytes; common ones (`48 89 44 24`: x86 code)
 * hit millions of times in ordinary binaries, and Vectorscan's literal pass
 * slows down with short literals. Every match verified from an atom covers
 * the items of the string's top level around it; where those items have a
 * fixed length, their bytes sit at fixed distances from the atom in every
 * match. Vectorscan looks for the best such window instead: a run of exact
 * bytes (a literal), or, when no long run exists and YARA's atom gives a
 * literal of three bytes or less, a window of exact, nibble and any bytes
 * (a masked window, searched as a fixed-width regex). The hit is moved back
 * to the atom (back, end_adj): the same split points are verified as from
 * YARA's atom, in the same order per pattern. Only where the order of hits
 * across patterns cannot change a match: no wide form, not chained, and a
 * greedy regex (whose later match at a start replaces the earlier) only
 * with a single atom. A nocase string's literal is searched without case,
 * so its letters (classes of both cases) count as exact bytes; it gets no
 * masked window. */

#define RELOCATE_REACH 64 /* bytes looked at on either side of the atom */
#define RELOCATE_MAX 32   /* longest literal */
#define RELOCATE_MIN 5    /* shorter runs are no better than YARA's atom */
#define MASKED_MAX 8      /* positions of a masked window */
#define MASKED_MIN_BITS 28 /* what a masked window must pin down (3.5 bytes) */

struct relocation {
    uint8_t bytes[RELOCATE_MAX];   /* literal; masked: values then masks */
    size_t len;                    /* bytes, or positions of a masked window */
    int32_t off;                   /* from the atom's first node to the window */
    bool masked;
};

/* The byte positions around an atom: pos[RELOCATE_REACH + d] is d bytes after
 * the atom's start, [lo, hi) those inside fixed-length items. */
struct fixed_span {
    uint8_t value[2 * RELOCATE_REACH + YARA_ATOM_LEN];
    uint8_t mask[2 * RELOCATE_REACH + YARA_ATOM_LEN];  /* 0xFF exact, 0xF0/0x0F a nibble, 0 any */
    size_t lo, hi;
};

/* A letter in both cases (what a nocase regex makes of one): the lowercase. */
static bool letter_pair(const uint8_t set[32], unsigned n, int last, uint8_t *value)
{
    uint8_t lower = (uint8_t)(last | 0x20), upper = (uint8_t)(lower & ~0x20);
    if (n != 2 || lower < 'a' || lower > 'z' || !((set[lower >> 3] >> (lower & 7)) & 1) ||
        !((set[upper >> 3] >> (upper & 7)) & 1))
        return false;
    *value = lower;
    return true;
}

/* A class as (value, mask): exact, a nibble, or any byte; false otherwise.
 * `caseless`: the literal will be searched without case, so a letter in
 * both cases is exact too. */
static bool class_mask(const uint8_t set[32], bool caseless, uint8_t *value, uint8_t *mask)
{
    int last;
    unsigned n = set_count(set, &last);
    if (caseless && letter_pair(set, n, last, value)) {
        *mask = 0xFF;
        return true;
    }
    if (n == 1 || n == 256) {
        *value = n == 1 ? (uint8_t)last : 0;
        *mask = n == 1 ? 0xFF : 0;
        return true;
    }
    if (n != 16)
        return false;
    for (int m = 0; m < 2; m++) {
        uint8_t keep = m ? 0x0F : 0xF0, v = (uint8_t)(last & keep);
        bool all = true;
        for (unsigned x = 0; x < 16 && all; x++) {
            unsigned b = m ? (x << 4) | v : v | x;
            all = (set[b >> 3] >> (b & 7)) & 1;
        }
        if (all) {
            *value = v;
            *mask = keep;
            return true;
        }
    }
    return false;
}

/* The length of a fixed-length top-level item and its bytes as (value,
 * mask) into v/m (room for `room`); false: variable length or a class that
 * is not a mask (the span stops there). */
static bool fixed_item(const struct yara_regex_node *nodes, uint32_t idx, bool caseless, size_t *len, uint8_t *v,
                       uint8_t *m, size_t room)
{
    const struct yara_regex_node *n = &nodes[idx];
    if (n->kind == YARA_REGEX_CLASS) {
        *len = 1;
        return room > 0 && class_mask(n->set, caseless, &v[0], &m[0]);
    }
    if (n->kind == YARA_REGEX_REPEAT && n->min == n->max && n->min <= room &&
        nodes[n->first_child].kind == YARA_REGEX_CLASS) {
        uint8_t cv, cm;
        if (!class_mask(nodes[n->first_child].set, caseless, &cv, &cm))
            return false;
        *len = n->min;
        for (size_t i = 0; i < n->min; i++) {
            v[i] = cv;
            m[i] = cm;
        }
        return true;
    }
    return false;
}

static void fixed_span_around(const struct frag *f, size_t k, bool caseless, struct fixed_span *w)
{
    size_t span = sizeof w->value;
    w->lo = w->hi = RELOCATE_REACH;
    for (size_t i = k; i < f->nitems; i++) {
        size_t len;
        if (!fixed_item(f->nodes, f->items[i], caseless, &len, w->value + w->hi, w->mask + w->hi, span - w->hi))
            break;
        w->hi += len;
    }
    for (size_t i = k; i-- > 0;) {
        uint8_t v[RELOCATE_REACH], m[RELOCATE_REACH];
        size_t len;
        if (!fixed_item(f->nodes, f->items[i], caseless, &len, v, m, w->lo) || len > w->lo)
            break;
        w->lo -= len;
        memcpy(w->value + w->lo, v, len);
        memcpy(w->mask + w->lo, m, len);
    }
}

/* Best run of exact bytes in the span: the best-scoring YARA_LITERAL_MAX
 * window of a run of at least RELOCATE_MIN bytes. */
static bool best_run(const struct fixed_span *w, size_t *off, size_t *len, int *score)
{
    bool found = false;
    *score = -1;
    for (size_t i = w->lo; i < w->hi;) {
        size_t j = i;
        while (j < w->hi && w->mask[j] == 0xFF)
            j++;
        if (j - i >= RELOCATE_MIN) {
            size_t wl = j - i > YARA_LITERAL_MAX ? YARA_LITERAL_MAX : j - i;
            for (size_t k = i; k + wl <= j; k++) {
                int sc = ywindow_score(w->value + k, wl) - (w->value[k] == 0 ? 2 : 0);
                if (sc > *score) {
                    *score = sc;
                    *off = k;
                    *len = wl;
                    found = true;
                }
            }
        }
        i = j + 1;
    }
    return found;
}

static int mask_bits(uint8_t m)
{
    return __builtin_popcount(m);
}

/* The masked window of at most MASKED_MAX positions pinning down the most
 * bits (first and last positions not `any`). */
static bool best_masked(const struct fixed_span *w, size_t *off, size_t *len, int *bits)
{
    *bits = 0;
    for (size_t i = w->lo; i < w->hi; i++) {
        if (!w->mask[i])
            continue;
        int b = 0;
        for (size_t j = i; j < w->hi && j < i + MASKED_MAX; j++) {
            b += mask_bits(w->mask[j]);
            if (w->mask[j] && b > *bits) {
                *bits = b;
                *off = i;
                *len = j + 1 - i;
            }
        }
    }
    return *bits > 0;
}

/* `lit_bits`: what the literal from YARA's atom pins down (8 per byte). */
static bool relocate_literal(const struct rx_string *s, const struct frag *f, const struct yara_regex_atom *a,
                             int atom_score, int lit_bits, struct relocation *out)
{
    if (s->wide || !s->ascii || ((s->flags & YPF_GREEDY) && !s->single_atom) || s->chained ||
        f->parent[a->node] != YARA_REGEX_NONE)
        return false;
    size_t k = item_index(f, a->node);
    if (k >= f->nitems)
        return false;
    struct fixed_span w;
    fixed_span_around(f, k, s->nocase, &w);
    if (w.hi - RELOCATE_REACH < a->len)
        return false; /* the atom is not all fixed items: leave it */
    size_t off = 0, len = 0;
    int score;
    if (best_run(&w, &off, &len, &score) && score > atom_score) {
        memcpy(out->bytes, w.value + off, len);
        out->masked = false;
    } else if (!s->nocase && lit_bits <= 24 && best_masked(&w, &off, &len, &score) && score >= MASKED_MIN_BITS &&
               score > lit_bits + 4) {
        memcpy(out->bytes, w.value + off, len);
        memcpy(out->bytes + len, w.mask + off, len);
        out->masked = true;
    } else {
        return false;
    }
    out->len = len;
    out->off = (int32_t)off - RELOCATE_REACH;
    return true;
}

/* One literal for Vectorscan: `back` bytes after the split point (negative:
 * before it); YARA's atom ends `end_adj` bytes after the literal. */
static int add_physical(struct rx_string *s, const struct ypattern *tmpl, const uint8_t *bytes, size_t n,
                        bool wide, int32_t back, int32_t end_adj)
{
    uint8_t w[2 * RELOCATE_MAX];
    if (n > RELOCATE_MAX)
        n = RELOCATE_MAX;
    for (size_t i = 0; i < n; i++) {
        w[wide ? 2 * i : i] = bytes[i];
        if (wide)
            w[2 * i + 1] = 0;
    }
    struct ypattern p = *tmpl;
    p.atom_len = (uint32_t)(wide ? 2 * n : n);
    p.back = wide ? 2 * back : back;
    p.end_adj = wide ? 2 * end_adj : end_adj;
    int rc = add_bytes(s->r, w, p.atom_len, &p.atom);
    return rc == ASSAY_OK ? push_pattern(s->r, &p) : rc;
}

/* A masked window: its values then its masks in yrules.bytes (atom_len
 * positions, YPF_MASKED). */
static int add_masked(struct rx_string *s, const struct ypattern *tmpl, const struct relocation *rl,
                      int32_t end_adj)
{
    struct ypattern p = *tmpl;
    p.flags |= YPF_MASKED;
    p.atom_len = (uint32_t)rl->len;
    p.back = rl->off;
    p.end_adj = end_adj;
    int rc = add_bytes(s->r, rl->bytes, 2 * rl->len, &p.atom);
    return rc == ASSAY_OK ? push_pattern(s->r, &p) : rc;
}

/* The literals Vectorscan looks for, for one YARA atom: its longest run of
 * exact bytes (the last on ties; `back` bytes after the split point), or the
 * 16 values of its first byte, a nibble. Wide: YARA's wide atom, the first
 * two bytes of the atom each followed by 00. Finding more places than YARA
 * is harmless: a match there needs the whole atom. */
static int add_atom_patterns(struct rx_string *s, const struct frag *f, const struct ypattern *tmpl,
                             const struct yara_regex_atom *a, bool wide)
{
    size_t len = wide && a->len > 2 ? 2 : a->len, best_off = 0, best_len = 0, run = 0;
    for (size_t i = 0; i < len; i++) {
        run = a->mask[i] == 0xFF ? run + 1 : 0;
        if (run && run >= best_len) {
            best_len = run;
            best_off = i + 1 - run;
        }
    }
    struct relocation rl;
    if (!wide && relocate_literal(s, f, a, best_len ? ywindow_score(a->bytes + best_off, best_len) : 0,
                                  8 * (int)best_len, &rl)) {
        int32_t end_adj = (int32_t)(best_len ? best_off + best_len : 1) - (rl.off + (int32_t)rl.len);
        return rl.masked ? add_masked(s, tmpl, &rl, end_adj)
                         : add_physical(s, tmpl, rl.bytes, rl.len, false, rl.off, end_adj);
    }
    if (best_len > 0)
        return add_physical(s, tmpl, a->bytes + best_off, best_len, wide, (int32_t)best_off, 0);
    int rc = ASSAY_OK;
    for (unsigned v = 0; v < 16 && rc == ASSAY_OK; v++) {
        uint8_t b = (uint8_t)(a->bytes[0] | (a->mask[0] == 0xF0 ? v : v << 4));
        rc = add_physical(s, tmpl, &b, 1, wide, 0, 0);
    }
    return rc;
}

/* Bytes a match of node idx can start with (OR-ed into set); returns whether
 * the node can match the empty string. */
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

/* The bytes a SCAN_ALL pattern's forward programs can start with, unless
 * nearly any byte can. */
static int note_first_bytes(struct yrules *r, struct ypattern *p)
{
    struct ybyteset s = {{0}};
    p->first = YRULES_NONE;
    for (int form = 0; form < 2; form++) {
        if (!p->fwd[form])
            continue;
        size_t count;
        uint32_t root;
        const struct yara_regex_node *nodes = yara_regex_nodes(p->fwd[form], &count, &root);
        if (first_bytes(nodes, root, s.bits))
            return ASSAY_OK; /* can match empty: any start */
    }
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

/* No atom: a SCAN_ALL pattern per form, each running both forms' programs;
 * `whole` ([0] ascii, [1] wide) is the form's full expression, for the
 * engine's prefilter. */
static int scan_all_patterns(struct rx_string *s, const struct frag *f, struct yara_regex *const whole[2])
{
    struct ypattern p = {.string = s->string, .kind = YP_SCAN_ALL, .flags = s->flags, .frag = s->frag};
    int rc = ASSAY_OK;
    for (int form = 0; form < 2 && rc == ASSAY_OK; form++)
        if (form ? s->wide : s->ascii)
            rc = form_programs(s, f, YARA_REGEX_NONE, form == 1, &p.fwd[form], &p.pre[form]);
    if (rc == ASSAY_OK)
        rc = note_first_bytes(s->r, &p);
    for (int form = 0; form < 2 && rc == ASSAY_OK; form++) {
        if (!(form ? s->wide : s->ascii))
            continue;
        p.re = whole[form];
        rc = push_pattern(s->r, &p);
    }
    return rc;
}

/* The patterns of one atom: both forms' programs split at its node, and the
 * literals of the atom in each form. */
static int atom_patterns(struct rx_string *s, const struct frag *f, const struct yara_regex_atom *a)
{
    struct ypattern p = {.string = s->string, .kind = YP_REGEX, .flags = s->flags, .frag = s->frag,
                         .atom_nocase = s->nocase};
    int rc = ASSAY_OK;
    for (int form = 0; form < 2 && rc == ASSAY_OK; form++)
        if (form ? s->wide : s->ascii)
            rc = form_programs(s, f, a->node, form == 1, &p.fwd[form], &p.pre[form]);
    if (rc == ASSAY_OK && s->ascii)
        rc = add_atom_patterns(s, f, &p, a, false);
    if (rc == ASSAY_OK && s->wide)
        rc = add_atom_patterns(s, f, &p, a, true);
    return rc;
}

/* Per node of an AST: its parent; the items of the top level have none. */
static uint32_t *parents_of(const struct yara_regex_node *nodes, size_t count, const uint32_t *items, size_t nitems)
{
    uint32_t *parent = malloc((count ? count : 1) * sizeof *parent);
    if (!parent)
        return NULL;
    for (size_t i = 0; i < count; i++) {
        parent[i] = YARA_REGEX_NONE;
        if (nodes[i].kind == YARA_REGEX_CLASS)
            continue;
        for (uint32_t c = nodes[i].first_child; c != YARA_REGEX_NONE; c = nodes[c].next_sibling)
            parent[c] = (uint32_t)i;
    }
    for (size_t i = 0; i < nitems; i++)
        parent[items[i]] = YARA_REGEX_NONE;
    return parent;
}

/* A fragment of literal bytes only, which YARA matches as a literal string. */
static bool literal_only(const struct frag *f)
{
    for (size_t i = 0; i < f->nitems; i++) {
        const struct yara_regex_node *n = &f->nodes[f->items[i]];
        if (n->kind != YARA_REGEX_CLASS || n->ykind != YARA_YK_LITERAL)
            return false;
    }
    return true;
}

static int whole_programs(struct rx_string *s, struct yara_regex *ascii, const uint32_t *items, size_t nitems,
                          bool all, struct yara_regex *whole[2], struct yara_diag *diag);

/* One fragment: YARA's atoms and the patterns for them. A half that does not
 * compile (a size limit) leaves the fragment without atoms. `all`: the
 * fragment is the whole of re. */
static int compile_fragment(struct rx_string *s, struct yara_regex *re, const uint32_t *items, size_t nitems,
                            bool all, struct yara_diag *diag)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(re, &count, &root);
    uint32_t *parent = parents_of(nodes, count, items, nitems);
    struct yara_regex_atom *atoms = NULL;
    size_t natoms = 0;
    if (!parent || yara_regex_yara_atoms(re, items, nitems, s->hex, &atoms, &natoms) != 0) {
        free(parent);
        return oom();
    }
    struct frag f = {.nodes = nodes, .items = items, .nitems = nitems, .parent = parent};
    if (s->frag == 0)
        s->r->strings.v[s->string].yara_literal = literal_only(&f);
    size_t mark = s->r->patterns.n;
    int rc = ASSAY_OK;
    s->single_atom = natoms == 1;
    for (size_t i = 0; i < natoms && rc == ASSAY_OK; i++)
        rc = atom_patterns(s, &f, &atoms[i]);
    if (rc == ASSAY_OK && s->r->patterns.n > mark) {
        uint8_t bits = yara_regex_match_bits(f.nodes, f.items, f.nitems);
        for (size_t p = mark; p < s->r->patterns.n; p++)
            s->r->patterns.v[p].match_bits = bits;
    }
    if (rc != ASSAY_OK && rc != ASSAY_ENOMEM) {
        s->r->patterns.n = mark; /* the programs stay in r->regexes, freed with it */
        natoms = 0;
        rc = ASSAY_OK;
    }
    struct yara_regex *whole[2];
    if (rc == ASSAY_OK && natoms == 0)
        rc = whole_programs(s, re, items, nitems, all, whole, diag);
    if (rc == ASSAY_OK && natoms == 0)
        rc = scan_all_patterns(s, &f, whole);
    free(atoms);
    free(parent);
    return rc;
}

static int regex_failure(const struct yara_string *ys, int rc, const struct yara_regex_error *err,
                         struct yara_diag *diag)
{
    if (rc == ASSAY_ENOMEM)
        return rc;
    yara_diag_set(diag, ys->kind == YARA_STR_HEX ? YARA_ERR_INVALID_HEX_STRING : YARA_ERR_INVALID_REGEX, ys->pos,
                  "invalid %s \"%s\": %s", ys->kind == YARA_STR_HEX ? "hex string" : "regular expression", ys->name,
                  err->message);
    return ASSAY_ESYNTAX;
}

static int build_program(const struct yara_string *ys, struct yara_regex *re, struct yara_diag *diag)
{
    struct yara_regex_error err = {0};
    int rc = yara_regex_build_program(re, &err);
    return rc == ASSAY_OK ? rc : regex_failure(ys, rc, &err, diag);
}

static int compile_program(struct yrules *r, const struct yara_string *ys, const char *src, size_t len,
                           unsigned re_flags, struct yara_regex **out, struct yara_diag *diag)
{
    struct yara_regex_error err = {0};
    int rc = yara_regex_compile(src, len, re_flags, out, &err);
    if (rc != ASSAY_OK)
        return regex_failure(ys, rc, &err, diag);
    if (util_vec_push(&r->regexes, *out) != 0) {
        yara_regex_free(*out);
        return oom();
    }
    return ASSAY_OK;
}

/* The full expression of a fragment in each form: the ascii AST itself (when
 * the fragment is all of it) or recompiled from its text. */
static int whole_programs(struct rx_string *s, struct yara_regex *ascii, const uint32_t *items, size_t nitems,
                          bool all, struct yara_regex *whole[2], struct yara_diag *diag)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(ascii, &count, &root);
    struct frag f = {.nodes = nodes, .items = items, .nitems = nitems};
    whole[0] = whole[1] = NULL;
    int rc = ASSAY_OK;
    for (int form = 0; form < 2 && rc == ASSAY_OK; form++) {
        if (!(form ? s->wide : s->ascii))
            continue;
        if (form == 0 && all) { /* a hex fragment was only parsed (compile_hex_fragments) */
            whole[0] = ascii;
            rc = build_program(s->ys, ascii, diag);
            continue;
        }
        struct half h;
        struct yara_regex_error err;
        rc = start_half(&h, YARA_REGEX_DOTALL | (form ? YARA_REGEX_WIDE_WORD : 0), form == 1);
        if (rc != ASSAY_OK)
            break;
        put_seq(&h, &f, 0, nitems, false);
        rc = finish_half(s, &h, &whole[form], &err);
        if (rc != ASSAY_OK)
            rc = regex_failure(s->ys, rc, &err, diag);
    }
    return rc;
}

static int add_gap(struct yrules *r, int64_t min, int64_t max)
{
    struct ygap g = {min, max};
    return util_vec_push(&r->chain_gaps, g) == 0 ? ASSAY_OK : oom();
}

/* The top-level sequence of an AST: the children of a root concatenation, or
 * the root alone. */

static int top_items(const struct yara_regex *re, struct u32_vec *items)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(re, &count, &root);
    if (nodes[root].kind != YARA_REGEX_CONCAT)
        return util_vec_push(items, root) == 0 ? ASSAY_OK : oom();
    for (uint32_t c = nodes[root].first_child; c != YARA_REGEX_NONE; c = nodes[c].next_sibling)
        if (util_vec_push(items, c) != 0)
            return oom();
    return ASSAY_OK;
}

/* Is top-level item i a chaining point: a lazy jump `.{n,m}?` with n or m over
 * the threshold, neither first nor last? */
static bool chain_point(const struct yara_regex_node *nodes, const uint32_t *items, size_t n, size_t i)
{
    const struct yara_regex_node *x = &nodes[items[i]];
    return i > 0 && i + 1 < n && x->kind == YARA_REGEX_REPEAT && x->ykind == YARA_YK_BRACES && !x->greedy &&
           nodes[x->first_child].ykind == YARA_YK_ANY &&
           (x->min > CHAIN_THRESHOLD || x->max > CHAIN_THRESHOLD);
}

/* A regular expression: its fragments (cut at chaining jumps) on one AST. */
static int compile_regex_fragments(struct rx_string *s, struct yara_regex *ascii, struct yara_diag *diag)
{
    struct u32_vec items = {0};
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(ascii, &count, &root);
    int rc = top_items(ascii, &items);
    size_t start = 0;
    struct ystring *st = &s->r->strings.v[s->string];
    st->chain_first = (uint32_t)s->r->chain_gaps.n;
    for (size_t i = 0; rc == ASSAY_OK && i < items.n && !s->chained; i++)
        s->chained = chain_point(nodes, items.v, items.n, i);
    for (size_t i = 0; rc == ASSAY_OK && i <= items.n; i++) {
        if (i < items.n && !chain_point(nodes, items.v, items.n, i))
            continue;
        rc = compile_fragment(s, ascii, items.v + start, i - start, start == 0 && i == items.n, diag);
        if (rc == ASSAY_OK && i < items.n) {
            const struct yara_regex_node *j = &nodes[items.v[i]];
            rc = add_gap(s->r, j->min, j->max == YARA_REGEX_INF ? INT32_MAX : j->max);
            s->frag++;
        }
        start = i + 1;
    }
    util_vec_free(&items);
    st = &s->r->strings.v[s->string];
    st->nfrag = (uint32_t)s->frag + 1;
    return rc;
}

/* The top-level tokens with adjacent jumps made one ([2][3-4] is [5-6]), as
 * YARA 4.5 reads them (4.2 could abort on such a string). */
static int merge_jumps(const struct yara_hex_seq *in, struct yara_hex_seq *out)
{
    out->count = 0;
    out->tokens = malloc((in->count ? in->count : 1) * sizeof *out->tokens);
    if (!out->tokens)
        return oom();
    for (size_t i = 0; i < in->count; i++) {
        const struct yara_hex_token *t = &in->tokens[i];
        struct yara_hex_token *last = out->count ? &out->tokens[out->count - 1] : NULL;
        if (t->kind == YARA_HEX_JUMP && last && last->kind == YARA_HEX_JUMP) {
            int64_t min = (int64_t)last->jump_min + t->jump_min, max = (int64_t)last->jump_max + t->jump_max;
            last->jump_min = min > INT32_MAX ? INT32_MAX : (int32_t)min;
            last->jump_max = last->jump_max < 0 || t->jump_max < 0 ? -1 : max > INT32_MAX ? INT32_MAX : (int32_t)max;
            continue;
        }
        out->tokens[out->count++] = *t;
    }
    return ASSAY_OK;
}

/* Is token i of a hex string a jump YARA cuts the string at? */
static bool hex_chain_point(const struct yara_hex_seq *seq, size_t i)
{
    const struct yara_hex_token *t = &seq->tokens[i];
    return i > 0 && i + 1 < seq->count && t->kind == YARA_HEX_JUMP &&
           (t->jump_min > CHAIN_THRESHOLD || t->jump_max > CHAIN_THRESHOLD || t->jump_max < 0);
}

/* Tokens [from, to) of a hex string as a regex AST, kept in r->regexes. */
static int hex_fragment(struct rx_string *s, const struct yara_hex_seq *seq, size_t from, size_t to,
                        struct yara_regex **out, struct yara_diag *diag)
{
    struct yara_regex_error err;
    int rc = yara_hex_regex(seq, from, to, out, &err);
    if (rc != ASSAY_OK)
        return regex_failure(s->ys, rc, &err, diag);
    if (util_vec_push(&s->r->regexes, *out) != 0) {
        yara_regex_free(*out);
        *out = NULL;
        return oom();
    }
    return ASSAY_OK;
}

/* A hex string: YARA cuts it at its long jumps before anything else; each
 * fragment is compiled as a hex string of its own. */
static int compile_hex_fragments(struct rx_string *s, struct yara_diag *diag)
{
    struct yara_hex_seq merged;
    if (merge_jumps(&s->ys->hex, &merged) != ASSAY_OK)
        return ASSAY_ENOMEM;
    const struct yara_hex_seq *seq = &merged;
    struct ystring *st = &s->r->strings.v[s->string];
    st->chain_first = (uint32_t)s->r->chain_gaps.n;
    note_slow(s->r, s->string, yslow_hex(&s->ys->hex));
    size_t start = 0;
    int rc = ASSAY_OK;
    for (size_t i = 0; i < seq->count && !s->chained; i++)
        s->chained = hex_chain_point(seq, i);
    for (size_t i = 0; rc == ASSAY_OK && i <= seq->count; i++) {
        const struct yara_hex_token *t = i < seq->count ? &seq->tokens[i] : NULL;
        if (t && !hex_chain_point(seq, i))
            continue;
        struct yara_regex *re = NULL;
        struct u32_vec items = {0};
        rc = hex_fragment(s, seq, start, i, &re, diag);
        if (rc == ASSAY_OK)
            rc = top_items(re, &items);
        if (rc == ASSAY_OK)
            rc = compile_fragment(s, re, items.v, items.n, true, diag);
        util_vec_free(&items);
        if (rc == ASSAY_OK && t) {
            rc = add_gap(s->r, t->jump_min, t->jump_max < 0 ? INT32_MAX : t->jump_max);
            s->frag++;
        }
        start = i + 1;
    }
    st = &s->r->strings.v[s->string];
    st->nfrag = (uint32_t)s->frag + 1;
    free(merged.tokens);
    return rc;
}

static int compile_regex(struct yrules *r, uint32_t string, const struct yara_string *ys, struct yara_diag *diag)
{
    bool wide = ys->modifiers & YARA_MOD_WIDE;
    struct rx_string s = {.r = r, .string = string, .ys = ys, .wide = wide && ys->kind != YARA_STR_HEX,
                          .ascii = (ys->modifiers & YARA_MOD_ASCII) || !wide || ys->kind == YARA_STR_HEX,
                          .hex = ys->kind == YARA_STR_HEX,
                          .flags = ys->modifiers & YARA_MOD_FULLWORD ? YPF_FULLWORD : 0};
    if (s.hex) {
        /* Hex strings without alternatives run YARA's fast matcher: shortest match. */
        s.fast = !hex_has_alt(&ys->hex);
        return compile_hex_fragments(&s, diag);
    }
    unsigned re_flags = (ys->regex_flags & YARA_RE_NOCASE ? YARA_REGEX_NOCASE : 0) |
                        (ys->regex_flags & YARA_RE_DOTALL ? YARA_REGEX_DOTALL : 0) |
                        (ys->modifiers & YARA_MOD_NOCASE ? YARA_REGEX_NOCASE : 0);
    struct yara_regex *ascii = NULL;
    int rc = compile_program(r, ys, (const char *)ys->text, ys->text_len, re_flags, &ascii, diag);
    if (rc != ASSAY_OK)
        return rc;
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(ascii, &count, &root);
    s.nocase = re_flags & YARA_REGEX_NOCASE;
    if (has_greedy_repeat(nodes, root))
        s.flags |= YPF_GREEDY;
    note_slow(r, string, yslow_regex(ascii));
    return compile_regex_fragments(&s, ascii, diag);
}

static void run_instead(struct yrules *r, size_t first_pattern, const struct yara_regex *re, struct yara_regex *same)
{
    for (size_t i = first_pattern; i < r->patterns.n; i++) {
        struct ypattern *p = &r->patterns.v[i];
        for (int f = 0; f < 2; f++) {
            if (p->fwd[f] == re)
                p->fwd[f] = same;
            if (p->pre[f] == re)
                p->pre[f] = same;
        }
    }
}

/* After a string is compiled: the programs its patterns run keep no AST
 * and are shared with earlier patterns running the same one
 * (yrules_share_program), and the regexes none of them uses (the whole
 * expression, parsed for its atoms) are freed. Only a SCAN_ALL pattern's
 * `re` keeps its AST (the engine turns it into a Vectorscan prefilter). */
static void release_string_regexes(struct yrules *r, size_t first_regex, size_t first_pattern)
{
    size_t kept = first_regex;
    for (size_t k = first_regex; k < r->regexes.n; k++) {
        struct yara_regex *re = r->regexes.v[k];
        bool whole = false, run = false;
        for (size_t i = first_pattern; i < r->patterns.n; i++) {
            const struct ypattern *p = &r->patterns.v[i];
            whole |= p->re == re;
            run |= p->fwd[0] == re || p->fwd[1] == re || p->pre[0] == re || p->pre[1] == re;
        }
        if (!whole && !run) {
            yara_regex_free(re);
            continue;
        }
        if (!whole) {
            yara_regex_drop_ast(re);
            struct yara_regex *same = yrules_share_program(r, re, kept, kept);
            if (same) {
                run_instead(r, first_pattern, re, same);
                yara_regex_free(re);
                continue;
            }
        }
        r->regexes.v[kept++] = re;
    }
    r->regexes.n = kept;
}

/* String `string` gets copies of the patterns of `twin`, defined as it is
 * (yrules_string_twin), and what compiling told of it. Not a chained string:
 * each one's gaps hold the state of its own matching (yscan.chain). */
static int copy_twin(struct yrules *r, uint32_t string, uint32_t twin)
{
    const struct ystring t = r->strings.v[twin];
    if (util_vec_reserve(&r->patterns, t.pattern_count) != 0)
        return oom();
    for (uint32_t k = 0; k < t.pattern_count; k++) {
        struct ypattern p = r->patterns.v[t.pattern_first + k];
        p.string = string;
        r->patterns.v[r->patterns.n++] = p;
    }
    struct ystring *st = &r->strings.v[string];
    if (st->ast->kind != YARA_STR_TEXT) /* as compile_regex leaves it */
        st->chain_first = (uint32_t)r->chain_gaps.n;
    st->pattern_count = t.pattern_count;
    st->yara_literal = t.yara_literal;
    st->slow = t.slow;
    return ASSAY_OK;
}

int ycompile_string(struct yrules *r, uint32_t string_index, struct yara_diag *diag)
{
    size_t first_regex = r->regexes.n;
    struct ystring *st = &r->strings.v[string_index];
    const struct yara_string *ys = st->ast;
    st->pattern_first = (uint32_t)r->patterns.n;
    st->is_private = ys->modifiers & YARA_MOD_PRIVATE;
    st->is_hex = ys->kind == YARA_STR_HEX;
    st->chain_first = 0;
    st->nfrag = 1;
    uint32_t twin = yrules_string_twin(r, string_index);
    if (twin != YRULES_NONE && r->strings.v[twin].nfrag == 1)
        return copy_twin(r, string_index, twin);
    int rc = ys->kind == YARA_STR_TEXT ? compile_text(r, string_index, ys) : compile_regex(r, string_index, ys, diag);
    r->strings.v[string_index].pattern_count = (uint32_t)(r->patterns.n - r->strings.v[string_index].pattern_first);
    if (rc == ASSAY_OK)
        release_string_regexes(r, first_regex, r->strings.v[string_index].pattern_first);
    return rc;
}
