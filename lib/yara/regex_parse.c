/* regex_parse.c — recursive-descent parser from YARA regex syntax to the AST
 * described in regex.h, plus the object's lifetime and accessors. */
#include "yara/regex_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "../util/hexdigit.h"

struct parser {
    const uint8_t *s;
    size_t len, pos;
    struct yara_regex *re;
    int status;
    size_t err_col;
    char err_msg[128];
};

static uint32_t fail(struct parser *p, int code, size_t col, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static uint32_t fail(struct parser *p, int code, size_t col, const char *fmt, ...)
{
    if (p->status == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err_msg, sizeof p->err_msg, fmt, ap);
        va_end(ap);
        p->status = code;
        p->err_col = col;
    }
    return YARA_REGEX_NONE;
}

static int peek(const struct parser *p)
{
    return p->pos < p->len ? p->s[p->pos] : -1;
}

static uint32_t new_node(struct parser *p, uint8_t kind, size_t col)
{
    struct yara_regex_node n;
    memset(&n, 0, sizeof n);
    n.kind = kind;
    n.first_child = n.next_sibling = YARA_REGEX_NONE;
    n.column = (uint32_t)col;
    if (p->re->nodes.n >= YARA_REGEX_MAX_NODES)
        return fail(p, ASSAY_ELIMIT, col, "regular expression too complex (more than %d nodes)",
                    YARA_REGEX_MAX_NODES);
    if (util_vec_push(&p->re->nodes, n) != 0)
        return fail(p, ASSAY_ENOMEM, col, "out of memory");
    return (uint32_t)(p->re->nodes.n - 1);
}

static void set_add(uint8_t *set, unsigned c)
{
    set[c >> 3] |= (uint8_t)(1u << (c & 7));
}

static void set_add_range(uint8_t *set, unsigned lo, unsigned hi)
{
    for (unsigned c = lo; c <= hi;) {
        if ((c & 7) == 0 && c + 7 <= hi) { /* a whole byte of the set at once */
            set[c >> 3] = 0xFF;
            c += 8;
        } else {
            set_add(set, c++);
        }
    }
}

static bool is_word_byte(unsigned c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

static bool is_space_byte(unsigned c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* Add the bytes of the shorthand class letter k (w W s S d D) to set. */
static void set_add_shorthand(uint8_t *set, int k)
{
    for (unsigned c = 0; c < 256; c++) {
        bool in;
        switch (k) {
        case 'w': in = is_word_byte(c); break;
        case 'W': in = !is_word_byte(c); break;
        case 's': in = is_space_byte(c); break;
        case 'S': in = !is_space_byte(c); break;
        case 'd': in = c >= '0' && c <= '9'; break;
        default: in = !(c >= '0' && c <= '9'); break;
        }
        if (in)
            set_add(set, c);
    }
}

static void set_fold_case(uint8_t *set)
{
    for (unsigned c = 'a'; c <= 'z'; c++) {
        if (re_set_has(set, (uint8_t)c) || re_set_has(set, (uint8_t)(c - 32))) {
            set_add(set, c);
            set_add(set, c - 32);
        }
    }
}

static int hex_val(int c)
{
    return util_hex_digit(c);
}

/* Parse the escape whose backslash is at p->pos. Returns the byte (0..255), or
 * -('w') style negative codes for shorthand classes and -('b')/-('B') for
 * boundaries, or -1000 after an error. */
static int parse_escape(struct parser *p)
{
    size_t col = p->pos + 1;
    p->pos++;
    if (p->pos >= p->len) {
        fail(p, ASSAY_ESYNTAX, col, "trailing backslash");
        return -1000;
    }
    int c = p->s[p->pos++];
    switch (c) {
    case 'n': return '\n';
    case 't': return '\t';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'a': return '\a';
    case 'w': case 'W': case 's': case 'S': case 'd': case 'D': case 'b': case 'B':
        return -c;
    case 'x': {
        int h1 = p->pos < p->len ? hex_val(p->s[p->pos]) : -1;
        int h2 = p->pos + 1 < p->len ? hex_val(p->s[p->pos + 1]) : -1;
        if (h1 < 0 || h2 < 0) {
            fail(p, ASSAY_ESYNTAX, col, "illegal escape sequence: \\x needs two hex digits");
            return -1000;
        }
        p->pos += 2;
        return h1 * 16 + h2;
    }
    default:
        if (!strchr("\\^$.|?*+()[]{}/-", c))
            p->re->unknown_escape = true;
        return c;
    }
}

static uint32_t class_node(struct parser *p, const uint8_t *set, size_t col, uint8_t ykind)
{
    uint32_t n = new_node(p, YARA_REGEX_CLASS, col);
    if (n == YARA_REGEX_NONE)
        return n;
    struct yara_regex_node *node = &p->re->nodes.v[n];
    node->ykind = ykind;
    memcpy(node->set, set, 32);
    if (p->re->flags & YARA_REGEX_NOCASE)
        set_fold_case(node->set);
    return n;
}

/* One member of a bracket class: a byte (>= 0), a shorthand (< 0), -1000 on error. */
static int class_member(struct parser *p)
{
    if (p->s[p->pos] == '\\') {
        int e = parse_escape(p);
        if (e == -'b')
            return '\b';
        if (e == -'B')
            return 'B';
        return e;
    }
    return p->s[p->pos++];
}

static uint32_t parse_class(struct parser *p)
{
    size_t col = p->pos + 1;
    uint8_t set[32] = {0};
    bool negate = false;
    p->pos++; /* '[' */
    if (peek(p) == '^') {
        negate = true;
        p->pos++;
    }
    bool first = true;
    for (;;) {
        if (p->pos >= p->len)
            return fail(p, ASSAY_ESYNTAX, col, "missing terminating ] for character class");
        if (p->s[p->pos] == ']' && !first)
            break;
        first = false;
        size_t mcol = p->pos + 1;
        int lo = class_member(p);
        if (lo == -1000)
            return YARA_REGEX_NONE;
        if (lo < 0) {
            set_add_shorthand(set, -lo);
            continue;
        }
        if (peek(p) == '-' && p->pos + 1 < p->len && p->s[p->pos + 1] != ']') {
            size_t save = p->pos;
            p->pos++;
            int hi = class_member(p);
            if (hi == -1000)
                return YARA_REGEX_NONE;
            if (hi < 0) { /* [a-\w]: '-' is literal, re-read the shorthand */
                p->pos = save;
                set_add(set, (unsigned)lo);
                continue;
            }
            if (hi < lo)
                return fail(p, ASSAY_ESYNTAX, mcol, "bad character range");
            set_add_range(set, (unsigned)lo, (unsigned)hi);
            continue;
        }
        set_add(set, (unsigned)lo);
    }
    p->pos++; /* ']' */
    if (p->re->flags & YARA_REGEX_NOCASE)
        set_fold_case(set);
    if (negate)
        for (int i = 0; i < 32; i++)
            set[i] = (uint8_t)~set[i];
    return class_node(p, set, col, YARA_YK_CLASS);
}

static void skip_blanks(struct parser *p)
{
    while (p->pos < p->len && p->s[p->pos] == ' ')
        p->pos++;
}

/* Parse digits; returns -1 when there are none, -2 when too large. */
static int64_t parse_count(struct parser *p)
{
    int64_t v = -1;
    while (p->pos < p->len && p->s[p->pos] >= '0' && p->s[p->pos] <= '9') {
        if (v < 0)
            v = 0;
        if (v <= YARA_REGEX_MAX_REPEAT)
            v = v * 10 + (p->s[p->pos] - '0');
        p->pos++;
    }
    return v > YARA_REGEX_MAX_REPEAT ? -2 : v;
}

/* At '{': parse "{n}", "{n,}", "{,m}", "{n,m}" (blanks allowed). Returns 1 and
 * the bounds when well formed, 0 (position restored) when '{' is a literal,
 * -1 after an error. */
static int parse_braces(struct parser *p, uint32_t *min, uint32_t *max)
{
    size_t start = p->pos, col = p->pos + 1;
    p->pos++;
    skip_blanks(p);
    int64_t lo = parse_count(p);
    int64_t hi;
    skip_blanks(p);
    bool comma = peek(p) == ',';
    if (comma) {
        p->pos++;
        skip_blanks(p);
        hi = parse_count(p);
        skip_blanks(p);
    } else {
        hi = lo;
    }
    if (peek(p) != '}' || (lo == -1 && hi == -1) || (!comma && lo == -1)) {
        p->pos = start;
        return 0;
    }
    p->pos++;
    if (lo == -2 || hi == -2) {
        fail(p, ASSAY_ESYNTAX, col, "repeat interval too large (maximum %d)", YARA_REGEX_MAX_REPEAT);
        return -1;
    }
    *min = lo < 0 ? 0 : (uint32_t)lo;
    *max = hi < 0 ? YARA_REGEX_INF : (uint32_t)hi;
    if (*max != YARA_REGEX_INF && *min > *max) {
        fail(p, ASSAY_ESYNTAX, col, "bad repeat interval");
        return -1;
    }
    return 1;
}

/* At a quantifier? Returns 1 with bounds, 0 if none, -1 on error. */
static int parse_quantifier(struct parser *p, uint32_t *min, uint32_t *max)
{
    switch (peek(p)) {
    case '*': p->pos++; *min = 0; *max = YARA_REGEX_INF; return 1;
    case '+': p->pos++; *min = 1; *max = YARA_REGEX_INF; return 1;
    case '?': p->pos++; *min = 0; *max = 1; return 1;
    case '{': return parse_braces(p, min, max);
    default: return 0;
    }
}

static uint32_t parse_alt(struct parser *p, unsigned depth);

static uint32_t assert_node(struct parser *p, uint8_t kind, size_t col)
{
    uint32_t n = new_node(p, YARA_REGEX_ASSERT, col);
    if (n != YARA_REGEX_NONE)
        p->re->nodes.v[n].assert_kind = kind;
    return n;
}

/* One atom; *repeatable is cleared for anchors. */
static uint32_t parse_atom(struct parser *p, unsigned depth, bool *repeatable)
{
    size_t col = p->pos + 1;
    int c = p->s[p->pos];
    uint8_t set[32] = {0};
    uint32_t mn, mx;
    *repeatable = true;
    switch (c) {
    case '(': {
        if (depth + 1 > YARA_REGEX_MAX_DEPTH)
            return fail(p, ASSAY_ELIMIT, col, "regular expression nested too deeply (more than %d)",
                        YARA_REGEX_MAX_DEPTH);
        p->pos++;
        uint32_t n = parse_alt(p, depth + 1);
        if (n == YARA_REGEX_NONE)
            return n;
        if (peek(p) != ')')
            return fail(p, ASSAY_ESYNTAX, col, "unbalanced parenthesis: missing )");
        p->pos++;
        return n;
    }
    case '[':
        return parse_class(p);
    case '.':
        p->pos++;
        set_add_range(set, 0, 255);
        if (!(p->re->flags & YARA_REGEX_DOTALL))
            set[1] &= (uint8_t)~(1u << 2); /* '\n' == 10 */
        return class_node(p, set, col, YARA_YK_ANY);
    case '^':
        p->pos++;
        *repeatable = false;
        return assert_node(p, YARA_REGEX_BOL, col);
    case '$':
        p->pos++;
        *repeatable = false;
        return assert_node(p, YARA_REGEX_EOL, col);
    case '*': case '+': case '?':
        return fail(p, ASSAY_ESYNTAX, col, "nothing to repeat");
    case '{': {
        int q = parse_braces(p, &mn, &mx);
        if (q < 0)
            return YARA_REGEX_NONE;
        if (q > 0)
            return fail(p, ASSAY_ESYNTAX, col, "nothing to repeat");
        p->pos++;
        set_add(set, '{');
        return class_node(p, set, col, YARA_YK_LITERAL);
    }
    case '\\': {
        int e = parse_escape(p);
        if (e == -1000)
            return YARA_REGEX_NONE;
        if (e == -'b' || e == -'B') {
            *repeatable = false;
            return assert_node(p, e == -'b' ? YARA_REGEX_WORDB : YARA_REGEX_NWORDB, col);
        }
        if (e < 0)
            set_add_shorthand(set, -e);
        else
            set_add(set, (unsigned)e);
        return class_node(p, set, col, e < 0 ? YARA_YK_CLASS : YARA_YK_LITERAL);
    }
    default:
        p->pos++;
        set_add(set, (unsigned)c);
        return class_node(p, set, col, YARA_YK_LITERAL);
    }
}

static uint32_t parse_repeat(struct parser *p, unsigned depth)
{
    bool repeatable;
    uint32_t atom = parse_atom(p, depth, &repeatable);
    if (atom == YARA_REGEX_NONE)
        return atom;
    size_t qcol = p->pos + 1;
    int qchar = peek(p);
    uint32_t mn, mx;
    int q = parse_quantifier(p, &mn, &mx);
    if (q < 0)
        return YARA_REGEX_NONE;
    if (q == 0)
        return atom;
    if (!repeatable)
        return fail(p, ASSAY_ESYNTAX, qcol, "nothing to repeat");
    bool greedy = true;
    if (peek(p) == '?') {
        greedy = false;
        p->pos++;
    }
    uint32_t n = new_node(p, YARA_REGEX_REPEAT, qcol);
    if (n == YARA_REGEX_NONE)
        return n;
    struct yara_regex_node *node = &p->re->nodes.v[n];
    node->min = mn;
    node->max = mx;
    node->greedy = greedy;
    node->first_child = atom;
    node->ykind = qchar == '*' ? YARA_YK_STAR : qchar == '+' ? YARA_YK_PLUS : qchar == '?' ? YARA_YK_OPT
                                                                               : YARA_YK_BRACES;
    /* A second quantifier (a** or a{2}{3}) has nothing to repeat. */
    size_t save = p->pos, col2 = p->pos + 1;
    int q2 = parse_quantifier(p, &mn, &mx);
    if (q2 < 0)
        return YARA_REGEX_NONE;
    if (q2 > 0)
        return fail(p, ASSAY_ESYNTAX, col2, "nothing to repeat");
    p->pos = save;
    return n;
}

static bool at_branch_end(const struct parser *p)
{
    int c = peek(p);
    return c == -1 || c == '|' || c == ')';
}

static uint32_t parse_concat(struct parser *p, unsigned depth)
{
    size_t col = p->pos + 1;
    if (at_branch_end(p)) {
        if (peek(p) == ')' && depth == 0)
            return fail(p, ASSAY_ESYNTAX, col, "unbalanced parenthesis: unexpected )");
        return fail(p, ASSAY_ESYNTAX, col, "empty regular expression or alternative");
    }
    uint32_t first = YARA_REGEX_NONE, last = YARA_REGEX_NONE, count = 0;
    while (!at_branch_end(p)) {
        uint32_t n = parse_repeat(p, depth);
        if (n == YARA_REGEX_NONE)
            return n;
        if (last == YARA_REGEX_NONE)
            first = n;
        else
            p->re->nodes.v[last].next_sibling = n;
        last = n;
        count++;
    }
    if (count == 1)
        return first;
    uint32_t c = new_node(p, YARA_REGEX_CONCAT, col);
    if (c != YARA_REGEX_NONE)
        p->re->nodes.v[c].first_child = first;
    return c;
}

static uint32_t parse_alt(struct parser *p, unsigned depth)
{
    size_t col = p->pos + 1;
    uint32_t first = parse_concat(p, depth);
    if (first == YARA_REGEX_NONE || peek(p) != '|')
        return first;
    uint32_t last = first;
    while (peek(p) == '|') {
        p->pos++;
        uint32_t n = at_branch_end(p) ? new_node(p, YARA_REGEX_EMPTY, p->pos + 1)
                                      : parse_concat(p, depth);
        if (n == YARA_REGEX_NONE)
            return n;
        p->re->nodes.v[last].next_sibling = n;
        last = n;
    }
    uint32_t a = new_node(p, YARA_REGEX_ALT, col);
    if (a != YARA_REGEX_NONE)
        p->re->nodes.v[a].first_child = first;
    return a;
}

static int report(struct parser *p, struct yara_regex_error *err)
{
    if (err) {
        err->column = p->err_col;
        snprintf(err->message, sizeof err->message, "%s", p->err_msg);
    }
    return util_error(p->status, "regex column %zu: %s", p->err_col, p->err_msg);
}

static void program(struct parser *p)
{
    size_t col = 0;
    int rc = yara_regex_compile_program_(p->re, &col);
    if (rc != 0)
        fail(p, rc, col, "%s", rc == ASSAY_ENOMEM ? "out of memory" : "regular expression too large to compile");
}

int yara_regex_build_program(struct yara_regex *re, struct yara_regex_error *err)
{
    if (re->prog.n)
        return 0;
    struct parser p;
    memset(&p, 0, sizeof p);
    p.re = re;
    if (err) {
        err->column = 0;
        err->message[0] = '\0';
    }
    program(&p);
    return p.status ? report(&p, err) : 0;
}

int yara_regex_compile(const char *src, size_t len, unsigned flags, struct yara_regex **out,
                       struct yara_regex_error *err)
{
    struct parser p;
    memset(&p, 0, sizeof p);
    *out = NULL;
    if (err) {
        err->column = 0;
        err->message[0] = '\0';
    }
    p.s = (const uint8_t *)src;
    p.len = len;
    p.re = calloc(1, sizeof *p.re);
    if (!p.re)
        return util_error(ASSAY_ENOMEM, "out of memory");
    p.re->flags = flags;
    uint32_t root = parse_alt(&p, 0);
    if (root != YARA_REGEX_NONE && p.pos < p.len)
        fail(&p, ASSAY_ESYNTAX, p.pos + 1, "unbalanced parenthesis: unexpected )");
    if (p.status == 0) {
        p.re->root = root;
        p.re->flags &= ~YARA_REGEX_PARSE_ONLY;
        if (!(flags & YARA_REGEX_PARSE_ONLY))
            program(&p);
    }
    if (p.status != 0) {
        yara_regex_free(p.re);
        return report(&p, err);
    }
    *out = p.re;
    return 0;
}

void yara_regex_free(struct yara_regex *re)
{
    if (!re)
        return;
    util_vec_free(&re->nodes);
    util_vec_free(&re->prog);
    util_vec_free(&re->sets);
    free(re);
}

const struct yara_regex_node *yara_regex_nodes(const struct yara_regex *re, size_t *count,
                                               uint32_t *root)
{
    if (count)
        *count = re->nodes.n;
    if (root)
        *root = re->root;
    return re->nodes.v;
}

void yara_regex_drop_ast(struct yara_regex *re)
{
    util_vec_free(&re->nodes);
    re->root = YARA_REGEX_NONE;
}

bool yara_regex_has_unknown_escape(const struct yara_regex *re)
{
    return re->unknown_escape;
}

size_t yara_regex_program_size(const struct yara_regex *re)
{
    return re->prog.n;
}

unsigned yara_regex_flags(const struct yara_regex *re)
{
    return re ? re->flags : 0;
}

void yara_regex_add_flags(struct yara_regex *re, unsigned flags)
{
    if (re)
        re->flags |= flags & YARA_REGEX_SHORTEST;
}
