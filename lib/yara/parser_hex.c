/* parser_hex.c — parses the inside of a YARA hex string ({ 4D 5A ?? [2-4]
 * (AA | BB CC) ~0F }) into the token tree of ast.h and checks it: every
 * sequence (the whole string and each alternative) starts and ends with a
 * byte or an alternation, unbounded jumps are not allowed inside
 * alternations, jump bounds are ordered, at most INT32_MAX and not [0],
 * `~` negates one byte that is not `??`. */
#include "yara/parser_internal.h"

#include <string.h>
#include "../util/buf.h"
#include "../util/hexdigit.h"

struct hex_scan {
    struct parser *p;
    const char *s;
    size_t len, off;
    struct yara_pos pos;
    unsigned depth;
};

static int hs_peek(const struct hex_scan *h)
{
    return h->off < h->len ? (unsigned char)h->s[h->off] : -1;
}

static void hs_advance(struct hex_scan *h)
{
    if (h->off >= h->len)
        return;
    if (h->s[h->off] == '\n') {
        h->pos.line++;
        h->pos.column = 1;
    } else {
        h->pos.column++;
    }
    h->off++;
}

static void hs_skip_space(struct hex_scan *h)
{
    for (;;) {
        int c = hs_peek(h);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
            hs_advance(h);
        } else if (c == '/' && h->off + 1 < h->len && h->s[h->off + 1] == '/') {
            while (hs_peek(h) != -1 && hs_peek(h) != '\n')
                hs_advance(h);
        } else if (c == '/' && h->off + 1 < h->len && h->s[h->off + 1] == '*') {
            hs_advance(h);
            hs_advance(h);
            while (hs_peek(h) != -1 && !(hs_peek(h) == '*' && h->off + 1 < h->len && h->s[h->off + 1] == '/'))
                hs_advance(h);
            hs_advance(h);
            hs_advance(h);
        } else {
            return;
        }
    }
}

static int hex_error(struct hex_scan *h, const char *what)
{
    return parser_error(h->p, YARA_ERR_INVALID_HEX_STRING, h->pos, "invalid hex string: %s", what);
}

static int nibble(int c)
{
    return c == '?' ? 16 : util_hex_digit(c);
}

static int parse_byte(struct hex_scan *h, struct yara_hex_token *t)
{
    t->kind = YARA_HEX_BYTE;
    if (hs_peek(h) == '~') {
        t->negated = true;
        hs_advance(h);
        hs_skip_space(h);
    }
    int hi = nibble(hs_peek(h));
    if (hi < 0)
        return hex_error(h, t->negated ? "\"~\" must be followed by a byte" : "unexpected character");
    hs_advance(h);
    int lo = nibble(hs_peek(h));
    if (lo < 0)
        return hex_error(h, "a byte needs two digits");
    hs_advance(h);
    if (t->negated && hi == 16 && lo == 16)
        return hex_error(h, "\"~??\" is not allowed");
    t->value = (uint8_t)((hi == 16 ? 0 : hi << 4) | (lo == 16 ? 0 : lo));
    t->mask = (uint8_t)((hi == 16 ? 0 : 0xf0) | (lo == 16 ? 0 : 0x0f));
    return 0;
}

/* A decimal jump bound; -1 when there is none. */
static int parse_jump_number(struct hex_scan *h, int64_t *out)
{
    hs_skip_space(h);
    *out = -1;
    while (hs_peek(h) >= '0' && hs_peek(h) <= '9') {
        int64_t v = (*out < 0 ? 0 : *out) * 10 + (hs_peek(h) - '0');
        if (v > INT32_MAX)
            return hex_error(h, "jump too large");
        *out = v;
        hs_advance(h);
    }
    hs_skip_space(h);
    return 0;
}

static int parse_jump(struct hex_scan *h, struct yara_hex_token *t)
{
    hs_advance(h); /* [ */
    t->kind = YARA_HEX_JUMP;
    int64_t lo, hi;
    if (parse_jump_number(h, &lo) < 0)
        return -1;
    if (hs_peek(h) == '-') {
        hs_advance(h);
        if (parse_jump_number(h, &hi) < 0)
            return -1;
        t->jump_min = lo < 0 ? 0 : (int32_t)lo;
        t->jump_max = (int32_t)hi;
        if (hi >= 0 && t->jump_min > hi)
            return hex_error(h, "jump lower bound exceeds upper bound");
    } else {
        if (lo < 0)
            return hex_error(h, "empty jump");
        if (lo == 0)
            return hex_error(h, "jump of zero bytes");
        t->jump_min = t->jump_max = (int32_t)lo;
    }
    if (hs_peek(h) != ']')
        return hex_error(h, "expecting \"]\"");
    hs_advance(h);
    return 0;
}

static int parse_seq(struct hex_scan *h, struct yara_hex_seq *seq, bool in_alt);

static int parse_alt(struct hex_scan *h, struct yara_hex_token *t)
{
    if (++h->depth > YARA_MAX_HEX_DEPTH)
        return hex_error(h, "alternations nested too deeply");
    hs_advance(h); /* ( */
    struct avec alts = {0};
    for (;;) {
        struct yara_hex_seq seq;
        if (parse_seq(h, &seq, true) < 0 || avec_push(h->p, &alts, &seq, sizeof seq) < 0)
            return -1;
        if (hs_peek(h) == '|') {
            hs_advance(h);
            continue;
        }
        if (hs_peek(h) != ')')
            return hex_error(h, "expecting \")\" or \"|\"");
        hs_advance(h);
        break;
    }
    h->depth--;
    t->kind = YARA_HEX_ALT;
    t->alts = alts.v;
    t->alt_count = alts.n;
    return 0;
}

static int check_seq(struct hex_scan *h, const struct yara_hex_seq *seq, bool in_alt)
{
    if (seq->count == 0)
        return hex_error(h, in_alt ? "empty alternative" : "empty hex string");
    if (seq->tokens[0].kind == YARA_HEX_JUMP || seq->tokens[seq->count - 1].kind == YARA_HEX_JUMP)
        return hex_error(h, "a jump cannot start or end a sequence");
    for (size_t i = 0; in_alt && i < seq->count; i++)
        if (seq->tokens[i].kind == YARA_HEX_JUMP && seq->tokens[i].jump_max < 0)
            return hex_error(h, "unbounded jumps are not allowed inside alternations");
    return 0;
}

/* Tokens are gathered on the heap and copied once into the file's arena at
 * their final size: hex strings of thousands of bytes would otherwise leave
 * every smaller copy behind in the arena. */
static int parse_seq(struct hex_scan *h, struct yara_hex_seq *seq, bool in_alt)
{
    UTIL_VEC(struct yara_hex_token) toks = {0};
    for (;;) {
        hs_skip_space(h);
        int c = hs_peek(h);
        if (c == -1 || c == '|' || c == ')')
            break;
        struct yara_hex_token t = {0};
        int rc = c == '[' ? parse_jump(h, &t) : c == '(' ? parse_alt(h, &t) : parse_byte(h, &t);
        if (rc == 0 && util_vec_push(&toks, t) != 0)
            rc = yara_diag_set(h->p->sh->diag, YARA_ERR_NOMEM, h->pos, "out of memory");
        if (rc < 0) {
            util_vec_free(&toks);
            return -1;
        }
    }
    seq->count = toks.n;
    seq->tokens = toks.n ? parser_alloc(h->p, toks.n * sizeof *toks.v) : NULL;
    if (toks.n && !seq->tokens) {
        util_vec_free(&toks);
        return -1;
    }
    if (toks.n)
        memcpy(seq->tokens, toks.v, toks.n * sizeof *toks.v);
    util_vec_free(&toks);
    return check_seq(h, seq, in_alt);
}

int parser_hex(struct parser *p, const struct yara_token *t, struct yara_hex_seq *out)
{
    struct hex_scan h = {.p = p, .s = (const char *)t->text, .len = t->text_len, .pos = t->pos};
    h.pos.column++; /* past the brace */
    if (parse_seq(&h, out, false) < 0)
        return -1;
    if (hs_peek(&h) != -1)
        return hex_error(&h, hs_peek(&h) == '|' ? "\"|\" outside an alternation" : "unbalanced \")\"");
    return 0;
}
