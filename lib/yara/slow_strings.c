/* slow_strings.c — YARA's "string may slow down scanning" warning
 * (slow_strings.h).
 *
 * YARA warns about strings whose best atom is poor. Our own measure, tuned on
 * YARA's expectations: the best window of up to 4 consecutive fixed tokens,
 * where an exact byte is worth 8 (2 for the filler bytes 00 20 90 CC FF), a
 * nibble 1 and a wildcard -4; a window of one filler byte repeated is worth 1.
 * Below SLOW_QUALITY the string is reported. For a regex, the tokens are its
 * best run of fixed bytes at the top level (\b and other zero-width nodes do
 * not end a run), and an unbounded repeat of (nearly) any byte is slow. */
#include "yara/slow_strings.h"

#include <ctype.h>
#include <limits.h>
#include <string.h>

#include "sig/sigdb.h"
#include "yara/window_score.h"

#define ATOM_MAX SIG_MAX_ATOM
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
    /* Two exact bytes that are not filler are worth 16: not slow, whatever
     * else the literal holds (the answer is all that is used). */
    for (size_t i = 1; i < n; i++)
        if (!filler(p[i - 1]) && !filler(p[i]))
            return 16;
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

/* A class that is one byte, or one letter in both cases. */
static bool fixed_byte(const uint8_t set[32], uint8_t *c)
{
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
    *c = count == 2 ? (uint8_t)tolower(first) : (uint8_t)first;
    return true;
}

struct fixed_runs {
    const struct yara_regex_node *nodes;
    uint8_t run[ATOM_MAX], best[ATOM_MAX];
    size_t run_len, best_len;
    int best_score;
};

static void close_run(struct fixed_runs *w)
{
    if (w->run_len == 0)
        return;
    int s = ywindow_score(w->run, w->run_len) - (w->run[0] == 0 ? 2 : 0);
    if (s > w->best_score) {
        memcpy(w->best, w->run, w->run_len);
        w->best_len = w->run_len;
        w->best_score = s;
    }
    w->run_len = 0;
}

static void walk_fixed(struct fixed_runs *w, uint32_t idx)
{
    const struct yara_regex_node *n = &w->nodes[idx];
    uint8_t c;
    if (n->kind == YARA_REGEX_CONCAT) {
        for (uint32_t k = n->first_child; k != YARA_REGEX_NONE; k = w->nodes[k].next_sibling)
            walk_fixed(w, k);
    } else if (n->kind == YARA_REGEX_CLASS && fixed_byte(n->set, &c)) {
        if (w->run_len == ATOM_MAX)
            close_run(w);
        w->run[w->run_len++] = c;
    } else if (n->kind != YARA_REGEX_ASSERT) {
        close_run(w);
    }
}

bool yslow_literal(const uint8_t *p, size_t n)
{
    return literal_quality(p, n) < SLOW_QUALITY;
}

bool yslow_hex(const struct yara_hex_seq *seq)
{
    return hex_quality(seq) < SLOW_QUALITY;
}

bool yslow_regex(const struct yara_regex *re)
{
    size_t count;
    uint32_t root;
    const struct yara_regex_node *nodes = yara_regex_nodes(re, &count, &root);
    struct fixed_runs w = {.nodes = nodes, .best_score = -1};
    walk_fixed(&w, root);
    close_run(&w);
    return unbounded_any(nodes, root) || (w.best_len ? literal_quality(w.best, w.best_len) : INT32_MIN) < SLOW_QUALITY;
}
