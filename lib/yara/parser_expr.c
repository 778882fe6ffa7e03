/* parser_expr.c — YARA conditions by precedence climbing, loosest first:
 *   or < and < not/defined < == != contains icontains startswith istartswith
 *   endswith iendswith iequals matches < < <= > >= < | < ^ < & < << >> < + - <
 *   * \ % < unary - ~ < postfix . [] () < primaries.
 * `N of`, `N% of` and `any/all/none of` take an arithmetic quantifier and sit
 * at the comparison operand level. Integer constant sub-expressions are
 * folded with overflow checks as YARA does. Nesting is bounded by
 * YARA_MAX_DEPTH. */
#include "yara/parser_internal.h"

#include <string.h>

static struct yara_expr *parse_expr(struct parser *p);
static struct yara_expr *parse_bitor(struct parser *p);

static struct yara_expr *new_expr(struct parser *p, enum yara_expr_kind kind, struct yara_pos pos)
{
    struct yara_expr *e = parser_alloc(p, sizeof *e);
    if (e != NULL) {
        e->kind = kind;
        e->pos = pos;
    }
    return e;
}

static bool enter(struct parser *p)
{
    if (++p->depth > YARA_MAX_DEPTH) {
        parser_error(p, YARA_ERR_NESTING_TOO_DEEP, p->tok.pos, "condition nested deeper than %d levels",
                     YARA_MAX_DEPTH);
        return false;
    }
    return true;
}

static bool is_int(const struct yara_expr *e) { return e->kind == YARA_EXPR_INT; }

/* ---- string references ------------------------------------------------- */

static bool string_matches(const char *name, const char *pattern)
{
    size_t n = strlen(pattern);
    if (n > 0 && pattern[n - 1] == '*')
        return strncmp(name, pattern, n - 1) == 0;
    return strcmp(name, pattern) == 0;
}

/* Mark the strings `pattern` ("$a", "$a*", or NULL for them) names; error if none. */
static int reference_strings(struct parser *p, const char *pattern, struct yara_pos pos)
{
    if (pattern != NULL && strcmp(pattern, "$") == 0) {
        if (p->anonymous_ok == 0)
            return parser_error(p, YARA_ERR_MISPLACED_ANONYMOUS_STRING, pos,
                                "anonymous string \"$\" used outside a for..of loop");
        return 0;
    }
    struct yara_string *s = p->strings.v;
    size_t hits = 0;
    for (size_t i = 0; i < p->strings.n; i++)
        if (pattern == NULL || string_matches(s[i].name, pattern)) {
            s[i].referenced = true;
            hits++;
        }
    if (hits == 0)
        return parser_error(p, YARA_ERR_UNDEFINED_STRING, pos, "undefined string identifier \"%s\"",
                            pattern ? pattern : "them");
    return 0;
}

/* "#a" "@a" "!a" -> "$a" */
static const char *string_name_of(struct parser *p)
{
    const char *t = parser_token_text(p);
    if (t == NULL)
        return NULL;
    char *s = util_arena_strndup(p->sh->arena, t, strlen(t));
    if (s != NULL)
        s[0] = '$';
    return s;
}

/* ---- constant folding -------------------------------------------------- */

static int fold_error(struct parser *p, struct yara_pos pos)
{
    return parser_error(p, YARA_ERR_INTEGER_OVERFLOW, pos, "integer overflow in constant expression");
}

/* Fold `a op b` over integer constants into *out; 1 when folded, 0 when not
 * foldable, -1 on error. */
static int fold_binary(struct parser *p, const char *op, int64_t a, int64_t b, int64_t *out, struct yara_pos pos)
{
    bool ovf = false;
    switch (op[0]) {
    case '+': ovf = __builtin_add_overflow(a, b, out); break;
    case '-': ovf = __builtin_sub_overflow(a, b, out); break;
    case '*': /* YARA also rejects a product of exactly INT64_MIN */
        ovf = __builtin_mul_overflow(a, b, out) || *out == INT64_MIN;
        break;
    case '\\':
    case '%':
        if (b == 0)
            return parser_error(p, YARA_ERR_DIVISION_BY_ZERO, pos, "division by zero");
        if (a == INT64_MIN && b == -1)
            return fold_error(p, pos);
        *out = op[0] == '%' ? a % b : a / b;
        break;
    case '&': *out = a & b; break;
    case '|': *out = a | b; break;
    case '^': *out = a ^ b; break;
    case '<':
    case '>':
        if (op[1] != op[0])
            return 0;
        if (b < 0)
            return parser_error(p, YARA_ERR_INVALID_OPERAND, pos, "negative shift count");
        if (b >= 64)
            *out = 0;
        else
            *out = op[0] == '<' ? (int64_t)((uint64_t)a << b) : a >> b;
        break;
    default: return 0;
    }
    if (ovf)
        return fold_error(p, pos);
    return 1;
}

static struct yara_expr *make_binary(struct parser *p, const char *op, struct yara_expr *l, struct yara_expr *r,
                                     struct yara_pos pos)
{
    if ((strcmp(op, "<<") == 0 || strcmp(op, ">>") == 0) && is_int(r) && r->integer < 0) {
        parser_error(p, YARA_ERR_INVALID_OPERAND, pos, "negative shift count");
        return NULL;
    }
    if ((strcmp(op, "\\") == 0 || strcmp(op, "%") == 0) && is_int(r) && r->integer == 0) {
        parser_error(p, YARA_ERR_DIVISION_BY_ZERO, pos, "division by zero");
        return NULL;
    }
    if (is_int(l) && is_int(r)) {
        int64_t v = 0;
        int rc = fold_binary(p, op, l->integer, r->integer, &v, pos);
        if (rc < 0)
            return NULL;
        if (rc == 1) {
            l->integer = v;
            return l;
        }
    }
    struct yara_expr *e = new_expr(p, YARA_EXPR_BINARY, pos);
    if (e != NULL) {
        e->op = op;
        e->left = l;
        e->right = r;
    }
    return e;
}

/* ---- sets, ranges, quantifiers ----------------------------------------- */

/* YARA 4.5 checks a range only when both bounds are constants: (-1..filesize)
 * is accepted. */
static int check_range(struct parser *p, const struct yara_expr *r)
{
    if (is_int(r->left) && is_int(r->right) && r->left->integer < 0)
        return parser_error(p, YARA_ERR_INVALID_VALUE, r->left->pos, "negative lower bound in range");
    if (is_int(r->left) && is_int(r->right) && r->left->integer > r->right->integer)
        return parser_error(p, YARA_ERR_INVALID_VALUE, r->pos, "range lower bound exceeds upper bound");
    return 0;
}

/* "(" E ".." E ")" with the "(" already current. */
static struct yara_expr *parse_range(struct parser *p)
{
    struct yara_expr *r = new_expr(p, YARA_EXPR_RANGE, p->tok.pos);
    if (r == NULL || parser_expect(p, YT_LPAREN) < 0 || (r->left = parse_bitor(p)) == NULL ||
        parser_expect(p, YT_DOTDOT) < 0 || (r->right = parse_bitor(p)) == NULL ||
        parser_expect(p, YT_RPAREN) < 0 || check_range(p, r) < 0)
        return NULL;
    return r;
}

static int parse_string_set(struct parser *p, struct yara_set *set)
{
    struct avec items = {0};
    set->kind = YARA_SET_STRINGS;
    for (;;) {
        if (p->tok.kind != YT_STRING_ID && p->tok.kind != YT_STRING_ID_WILD)
            return parser_unexpected(p, "string identifier");
        const char *name = parser_token_text(p);
        if (name == NULL || reference_strings(p, name, p->tok.pos) < 0 ||
            avec_push(p, &items, &name, sizeof name) < 0 || parser_next(p) < 0)
            return -1;
        if (p->tok.kind != YT_COMMA)
            break;
        if (parser_next(p) < 0)
            return -1;
    }
    set->items = items.v;
    set->count = items.n;
    return parser_expect(p, YT_RPAREN);
}

static int reference_rule(struct parser *p, const char *name, bool wildcard, struct yara_pos pos)
{
    struct yara_rule **rules = p->sh->rules.v;
    size_t n = strlen(name);
    for (size_t i = 0; i <= p->sh->rules.n; i++) {
        /* the rule being declared counts too, as in YARA */
        const struct yara_rule *r = i < p->sh->rules.n ? rules[i] : p->rule;
        if (r != NULL && (wildcard ? strncmp(r->name, name, n) == 0 : strcmp(r->name, name) == 0))
            return wildcard ? avec_push(p, &p->sh->wildcards, &name, sizeof name) : 0;
    }
    if (p->sh->opts && p->sh->opts->external_rules)
        return wildcard ? avec_push(p, &p->sh->wildcards, &name, sizeof name) : 0;
    return parser_error(p, YARA_ERR_UNDEFINED_IDENTIFIER, pos, "undefined identifier \"%s%s\"", name,
                        wildcard ? "*" : "");
}

/* Try "(rule, prefix*, ...)"; returns 1 when it is one, 0 when the
 * parenthesis holds expressions (state restored), -1 on error. */
static int try_rule_set(struct parser *p, struct yara_set *set)
{
    struct yara_lexer saved_lx = p->lx;
    struct yara_token saved_tok = p->tok;
    struct avec items = {0}, positions = {0}, wild = {0};
    for (;;) {
        if (p->tok.kind != YT_IDENT)
            goto not_rules;
        const char *name = parser_token_text(p);
        struct yara_pos pos = p->tok.pos;
        if (name == NULL || parser_next(p) < 0)
            goto not_rules;
        bool w = p->tok.kind == YT_STAR;
        if (w && parser_next(p) < 0)
            goto not_rules;
        if (avec_push(p, &items, &name, sizeof name) < 0 || avec_push(p, &positions, &pos, sizeof pos) < 0 ||
            avec_push(p, &wild, &w, sizeof w) < 0)
            return -1;
        if (p->tok.kind == YT_RPAREN)
            break;
        if (p->tok.kind != YT_COMMA || parser_next(p) < 0)
            goto not_rules;
    }
    for (size_t i = 0; i < items.n; i++)
        if (reference_rule(p, ((const char **)items.v)[i], ((bool *)wild.v)[i],
                           ((struct yara_pos *)positions.v)[i]) < 0)
            return -1;
    for (size_t i = 0; i < items.n; i++)
        if (((bool *)wild.v)[i]) {
            const char *n = ((const char **)items.v)[i];
            char *s = util_arena_alloc(p->sh->arena, strlen(n) + 2);
            if (s == NULL)
                return -1;
            strcpy(s, n);
            strcat(s, "*");
            ((const char **)items.v)[i] = s;
        }
    set->kind = YARA_SET_RULES;
    set->items = items.v;
    set->count = items.n;
    return parser_next(p) < 0 ? -1 : 1;
not_rules:
    p->lx = saved_lx;
    p->tok = saved_tok;
    return 0;
}

static int parse_expr_set(struct parser *p, struct yara_set *set)
{
    struct avec exprs = {0};
    set->kind = YARA_SET_EXPRS;
    for (;;) {
        struct yara_expr *e = parse_expr(p);
        if (e == NULL || avec_push(p, &exprs, &e, sizeof e) < 0)
            return -1;
        if (p->tok.kind != YT_COMMA)
            break;
        if (parser_next(p) < 0)
            return -1;
    }
    set->exprs = exprs.v;
    set->count = exprs.n;
    return parser_expect(p, YT_RPAREN);
}

static int parse_set(struct parser *p, struct yara_set *set)
{
    if (p->tok.kind == YT_THEM) {
        set->kind = YARA_SET_THEM;
        if (reference_strings(p, NULL, p->tok.pos) < 0)
            return -1;
        return parser_next(p);
    }
    if (p->tok.kind != YT_LPAREN)
        return parser_unexpected(p, "them or \"(\"");
    if (parser_next(p) < 0)
        return -1;
    if (p->tok.kind == YT_STRING_ID || p->tok.kind == YT_STRING_ID_WILD)
        return parse_string_set(p, set);
    int rc = try_rule_set(p, set);
    if (rc != 0)
        return rc < 0 ? -1 : 0;
    return parse_expr_set(p, set);
}

static int check_quantifier(struct parser *p, const struct yara_quant *q)
{
    const struct yara_expr *e = q->expr;
    if (q->kind == YARA_QUANT_PERCENT && is_int(e) && (e->integer < 1 || e->integer > 100))
        return parser_error(p, YARA_ERR_INVALID_PERCENTAGE, e->pos, "percentage must be between 1 and 100");
    if (q->kind == YARA_QUANT_EXPR && is_int(e) && e->integer < 0)
        return parser_error(p, YARA_ERR_INVALID_VALUE, e->pos, "invalid quantifier %lld", (long long)e->integer);
    if ((q->kind == YARA_QUANT_EXPR || q->kind == YARA_QUANT_PERCENT) &&
        (e->kind == YARA_EXPR_TEXT || e->kind == YARA_EXPR_REGEX || e->kind == YARA_EXPR_FLOAT ||
         e->kind == YARA_EXPR_BOOL))
        return parser_error(p, YARA_ERR_INVALID_VALUE, e->pos, "quantifier must be an integer");
    return 0;
}

/* any / all / none, or an arithmetic expression optionally followed by %. */
static int parse_quantifier(struct parser *p, struct yara_quant *q)
{
    switch (p->tok.kind) {
    case YT_ALL: q->kind = YARA_QUANT_ALL; return parser_next(p);
    case YT_ANY: q->kind = YARA_QUANT_ANY; return parser_next(p);
    case YT_NONE: q->kind = YARA_QUANT_NONE; return parser_next(p);
    default: break;
    }
    q->kind = YARA_QUANT_EXPR;
    if ((q->expr = parse_bitor(p)) == NULL)
        return -1;
    if (p->tok.kind == YT_PERCENT) {
        q->kind = YARA_QUANT_PERCENT;
        if (parser_next(p) < 0)
            return -1;
    }
    return check_quantifier(p, q);
}

/* quant "of" set ["at" E | "in" range], the quantifier already parsed. */
static struct yara_expr *parse_of(struct parser *p, struct yara_quant q, struct yara_pos pos)
{
    struct yara_expr *e = new_expr(p, YARA_EXPR_OF, pos);
    if (e == NULL || parser_expect(p, YT_OF) < 0 || parse_set(p, &e->set) < 0)
        return NULL;
    e->quant = q;
    if (e->set.kind == YARA_SET_STRINGS || e->set.kind == YARA_SET_THEM) {
        if (p->tok.kind == YT_AT) {
            if (parser_next(p) < 0 || (e->left = parse_bitor(p)) == NULL)
                return NULL;
            if (e->left->kind == YARA_EXPR_TEXT || e->left->kind == YARA_EXPR_REGEX || e->left->kind == YARA_EXPR_FLOAT) {
                parser_error(p, YARA_ERR_INVALID_VALUE, e->left->pos, "offset must be an integer");
                return NULL;
            }
        } else if (p->tok.kind == YT_IN) {
            if (parser_next(p) < 0 || (e->left = parse_range(p)) == NULL)
                return NULL;
        }
    }
    return e;
}

/* ---- for loops --------------------------------------------------------- */

static int parse_loop_body(struct parser *p, struct yara_expr *e)
{
    if (parser_expect(p, YT_COLON) < 0 || parser_expect(p, YT_LPAREN) < 0 || (e->body = parse_expr(p)) == NULL)
        return -1;
    return parser_expect(p, YT_RPAREN);
}

static int parse_iterable(struct parser *p, struct yara_iterable *it)
{
    if (p->tok.kind != YT_LPAREN) {
        it->kind = YARA_ITER_EXPR;
        it->expr = parse_bitor(p);
        return it->expr == NULL ? -1 : 0;
    }
    struct yara_pos pos = p->tok.pos;
    if (parser_next(p) < 0)
        return -1;
    struct yara_expr *first = parse_bitor(p);
    if (first == NULL)
        return -1;
    if (p->tok.kind == YT_DOTDOT) {
        struct yara_expr *r = new_expr(p, YARA_EXPR_RANGE, pos);
        if (r == NULL || parser_next(p) < 0 || (r->right = parse_bitor(p)) == NULL)
            return -1;
        r->left = first;
        it->kind = YARA_ITER_RANGE;
        it->expr = r;
        return check_range(p, r) < 0 ? -1 : parser_expect(p, YT_RPAREN);
    }
    struct avec items = {0};
    if (avec_push(p, &items, &first, sizeof first) < 0)
        return -1;
    while (p->tok.kind == YT_COMMA) {
        struct yara_expr *e;
        if (parser_next(p) < 0 || (e = parse_bitor(p)) == NULL || avec_push(p, &items, &e, sizeof e) < 0)
            return -1;
        if (e->kind != first->kind && (e->kind == YARA_EXPR_TEXT || first->kind == YARA_EXPR_TEXT))
            return parser_error(p, YARA_ERR_WRONG_TYPE, e->pos, "mixed types in enumeration");
    }
    it->kind = YARA_ITER_LIST;
    it->exprs = items.v;
    it->count = items.n;
    return parser_expect(p, YT_RPAREN);
}

static struct yara_expr *parse_for(struct parser *p)
{
    struct yara_expr *e = new_expr(p, YARA_EXPR_FOR_OF, p->tok.pos);
    if (e == NULL || parser_next(p) < 0 || parse_quantifier(p, &e->quant) < 0)
        return NULL;
    if (p->tok.kind == YT_OF) {
        if (parser_next(p) < 0 || parse_set(p, &e->set) < 0)
            return NULL;
        if (e->set.kind == YARA_SET_RULES || e->set.kind == YARA_SET_EXPRS) {
            parser_error(p, YARA_ERR_SYNTAX, e->pos, "syntax error, for..of needs a string set");
            return NULL;
        }
        p->anonymous_ok++;
        int rc = parse_loop_body(p, e);
        p->anonymous_ok--;
        return rc < 0 ? NULL : e;
    }
    e->kind = YARA_EXPR_FOR_IN;
    if (e->quant.kind == YARA_QUANT_PERCENT) {
        parser_unexpected(p, "of");
        return NULL;
    }
    struct avec vars = {0};
    for (;;) {
        if (p->tok.kind != YT_IDENT) {
            parser_unexpected(p, "identifier");
            return NULL;
        }
        const char *v = parser_token_text(p);
        if (v == NULL || avec_push(p, &vars, &v, sizeof v) < 0 || parser_next(p) < 0)
            return NULL;
        if (p->tok.kind != YT_COMMA)
            break;
        if (parser_next(p) < 0)
            return NULL;
    }
    e->vars = vars.v;
    e->var_count = vars.n;
    if (parser_expect(p, YT_IN) < 0 || parse_iterable(p, &e->iter) < 0)
        return NULL;
    if (e->var_count > 2 || (e->var_count == 2 && e->iter.kind != YARA_ITER_EXPR)) {
        parser_error(p, YARA_ERR_SYNTAX, e->pos, "syntax error, too many loop variables");
        return NULL;
    }
    return parse_loop_body(p, e) < 0 ? NULL : e;
}

/* ---- primaries --------------------------------------------------------- */

static struct yara_expr *parse_string_ref(struct parser *p)
{
    enum yara_tok kind = p->tok.kind;
    struct yara_pos pos = p->tok.pos;
    enum yara_expr_kind ek = kind == YT_STRING_ID ? YARA_EXPR_STR_MATCH
                             : kind == YT_STRING_COUNT ? YARA_EXPR_STR_COUNT
                             : kind == YT_STRING_OFFSET ? YARA_EXPR_STR_OFFSET
                                                        : YARA_EXPR_STR_LENGTH;
    struct yara_expr *e = new_expr(p, ek, pos);
    if (e == NULL || (e->name = string_name_of(p)) == NULL || reference_strings(p, e->name, pos) < 0 ||
        parser_next(p) < 0)
        return NULL;
    if (ek == YARA_EXPR_STR_MATCH && p->tok.kind == YT_AT) {
        e->kind = YARA_EXPR_STR_AT;
        if (parser_next(p) < 0 || (e->left = parse_bitor(p)) == NULL)
            return NULL;
    } else if ((ek == YARA_EXPR_STR_MATCH || ek == YARA_EXPR_STR_COUNT) && p->tok.kind == YT_IN) {
        if (ek == YARA_EXPR_STR_MATCH)
            e->kind = YARA_EXPR_STR_IN;
        if (parser_next(p) < 0 || (e->left = parse_range(p)) == NULL)
            return NULL;
    } else if ((ek == YARA_EXPR_STR_OFFSET || ek == YARA_EXPR_STR_LENGTH) && p->tok.kind == YT_LBRACKET) {
        if (parser_next(p) < 0 || (e->left = parse_expr(p)) == NULL || parser_expect(p, YT_RBRACKET) < 0)
            return NULL;
    }
    return e;
}

static struct yara_expr *parse_call_args(struct parser *p, struct yara_expr *callee)
{
    struct yara_expr *e = new_expr(p, YARA_EXPR_CALL, p->tok.pos);
    struct avec args = {0};
    if (e == NULL || parser_next(p) < 0)
        return NULL;
    e->left = callee;
    while (p->tok.kind != YT_RPAREN) {
        struct yara_expr *a = parse_expr(p);
        if (a == NULL || avec_push(p, &args, &a, sizeof a) < 0)
            return NULL;
        if (p->tok.kind != YT_COMMA)
            break;
        if (parser_next(p) < 0)
            return NULL;
    }
    e->args = args.v;
    e->arg_count = args.n;
    return parser_expect(p, YT_RPAREN) < 0 ? NULL : e;
}

/* identifier followed by any of .name [index] (args). */
static struct yara_expr *parse_identifier(struct parser *p)
{
    struct yara_expr *e = new_expr(p, YARA_EXPR_IDENT, p->tok.pos);
    if (e == NULL || (e->name = parser_token_text(p)) == NULL || parser_next(p) < 0)
        return NULL;
    for (;;) {
        struct yara_pos pos = p->tok.pos;
        if (p->tok.kind == YT_DOT) {
            struct yara_expr *m = new_expr(p, YARA_EXPR_MEMBER, pos);
            if (m == NULL || parser_next(p) < 0)
                return NULL;
            if (p->tok.kind != YT_IDENT) {
                parser_unexpected(p, "identifier");
                return NULL;
            }
            if ((m->name = parser_token_text(p)) == NULL || parser_next(p) < 0)
                return NULL;
            m->left = e;
            e = m;
        } else if (p->tok.kind == YT_LBRACKET) {
            struct yara_expr *x = new_expr(p, YARA_EXPR_INDEX, pos);
            if (x == NULL || parser_next(p) < 0 || (x->right = parse_expr(p)) == NULL ||
                parser_expect(p, YT_RBRACKET) < 0)
                return NULL;
            x->left = e;
            e = x;
        } else if (p->tok.kind == YT_LPAREN) {
            if ((e = parse_call_args(p, e)) == NULL)
                return NULL;
        } else {
            return e;
        }
    }
}

static struct yara_expr *parse_literal(struct parser *p, enum yara_expr_kind kind)
{
    struct yara_expr *e = new_expr(p, kind, p->tok.pos);
    if (e == NULL)
        return NULL;
    e->integer = p->tok.kind == YT_TRUE ? 1 : p->tok.integer;
    e->real = p->tok.real;
    e->text = p->tok.text;
    e->text_len = p->tok.text_len;
    e->regex_flags = p->tok.regex_flags;
    return parser_next(p) < 0 ? NULL : e;
}

static struct yara_expr *parse_primary_inner(struct parser *p)
{
    switch (p->tok.kind) {
    case YT_INT: return parse_literal(p, YARA_EXPR_INT);
    case YT_FLOAT: return parse_literal(p, YARA_EXPR_FLOAT);
    case YT_TEXT: return parse_literal(p, YARA_EXPR_TEXT);
    case YT_REGEX: return parse_literal(p, YARA_EXPR_REGEX);
    case YT_TRUE:
    case YT_FALSE: return parse_literal(p, YARA_EXPR_BOOL);
    case YT_FILESIZE: return parse_literal(p, YARA_EXPR_FILESIZE);
    case YT_ENTRYPOINT: return parse_literal(p, YARA_EXPR_ENTRYPOINT);
    case YT_IDENT: return parse_identifier(p);
    case YT_STRING_ID:
    case YT_STRING_COUNT:
    case YT_STRING_OFFSET:
    case YT_STRING_LENGTH: return parse_string_ref(p);
    case YT_FOR: return parse_for(p);
    case YT_INT_READER: {
        struct yara_expr *e = new_expr(p, YARA_EXPR_INT_READ, p->tok.pos);
        if (e == NULL || (e->name = parser_token_text(p)) == NULL || parser_next(p) < 0 ||
            parser_expect(p, YT_LPAREN) < 0 || (e->left = parse_bitor(p)) == NULL ||
            parser_expect(p, YT_RPAREN) < 0)
            return NULL;
        return e;
    }
    case YT_LPAREN: {
        struct yara_expr *e;
        if (parser_next(p) < 0 || (e = parse_expr(p)) == NULL || parser_expect(p, YT_RPAREN) < 0)
            return NULL;
        return e;
    }
    default:
        parser_unexpected(p, NULL);
        return NULL;
    }
}

static struct yara_expr *parse_primary(struct parser *p)
{
    if (!enter(p))
        return NULL;
    struct yara_expr *e = parse_primary_inner(p);
    p->depth--;
    return e;
}

/* ---- operator levels --------------------------------------------------- */

static struct yara_expr *parse_unary(struct parser *p)
{
    if (p->tok.kind != YT_MINUS && p->tok.kind != YT_TILDE)
        return parse_primary(p);
    const char *op = p->tok.kind == YT_MINUS ? "-" : "~";
    struct yara_pos pos = p->tok.pos;
    struct yara_expr *operand;
    if (!enter(p) || parser_next(p) < 0 || (operand = parse_unary(p)) == NULL)
        return NULL;
    p->depth--;
    if (is_int(operand)) {
        /* YARA negates in two's complement: -INT64_MIN is INT64_MIN, no error */
        operand->integer = op[0] == '-' ? (int64_t)(0 - (uint64_t)operand->integer) : ~operand->integer;
        operand->pos = pos;
        return operand;
    }
    if (op[0] == '-' && operand->kind == YARA_EXPR_FLOAT) {
        operand->real = -operand->real;
        return operand;
    }
    struct yara_expr *e = new_expr(p, YARA_EXPR_UNARY, pos);
    if (e != NULL) {
        e->op = op;
        e->left = operand;
    }
    return e;
}

struct binop {
    enum yara_tok tok;
    const char *op;
};

/* Does `%` begin `% of`? (then it closes a quantifier, not a modulo) */
static bool percent_of_follows(struct parser *p)
{
    struct yara_lexer saved = p->lx;
    struct yara_token tok;
    bool of = yara_lex(&p->lx, &tok, false) == 0 && tok.kind == YT_OF;
    p->lx = saved;
    return of;
}

static const struct binop *find_op(const struct binop *ops, enum yara_tok kind)
{
    for (; ops->op != NULL; ops++)
        if (ops->tok == kind)
            return ops;
    return NULL;
}

typedef struct yara_expr *(*level_fn)(struct parser *p);

/* left-associative `next (op next)*` */
static struct yara_expr *parse_level(struct parser *p, const struct binop *ops, level_fn next)
{
    struct yara_expr *l = next(p);
    const struct binop *b;
    while (l != NULL && (b = find_op(ops, p->tok.kind)) != NULL) {
        if (b->tok == YT_PERCENT && percent_of_follows(p))
            break;
        struct yara_pos pos = p->tok.pos;
        struct yara_expr *r;
        if (parser_next(p) < 0 || (r = next(p)) == NULL)
            return NULL;
        l = make_binary(p, b->op, l, r, pos);
    }
    return l;
}

static const struct binop mul_ops[] = {{YT_STAR, "*"}, {YT_BACKSLASH, "\\"}, {YT_PERCENT, "%"}, {0, NULL}};
static const struct binop add_ops[] = {{YT_PLUS, "+"}, {YT_MINUS, "-"}, {0, NULL}};
static const struct binop shift_ops[] = {{YT_SHL, "<<"}, {YT_SHR, ">>"}, {0, NULL}};
static const struct binop and_ops[] = {{YT_AMP, "&"}, {0, NULL}};
static const struct binop xor_ops[] = {{YT_CARET, "^"}, {0, NULL}};
static const struct binop or_ops[] = {{YT_PIPE, "|"}, {0, NULL}};
static const struct binop rel_ops[] = {{YT_LT, "<"}, {YT_LE, "<="}, {YT_GT, ">"}, {YT_GE, ">="}, {0, NULL}};
static const struct binop eq_ops[] = {
    {YT_EQ, "=="}, {YT_NEQ, "!="}, {YT_CONTAINS, "contains"}, {YT_ICONTAINS, "icontains"},
    {YT_STARTSWITH, "startswith"}, {YT_ISTARTSWITH, "istartswith"}, {YT_ENDSWITH, "endswith"},
    {YT_IENDSWITH, "iendswith"}, {YT_IEQUALS, "iequals"}, {YT_MATCHES, "matches"}, {0, NULL}};
static const struct binop land_ops[] = {{YT_AND, "and"}, {0, NULL}};
static const struct binop lor_ops[] = {{YT_OR, "or"}, {0, NULL}};

static struct yara_expr *parse_mul(struct parser *p) { return parse_level(p, mul_ops, parse_unary); }
static struct yara_expr *parse_add(struct parser *p) { return parse_level(p, add_ops, parse_mul); }
static struct yara_expr *parse_shift(struct parser *p) { return parse_level(p, shift_ops, parse_add); }
static struct yara_expr *parse_bitand(struct parser *p) { return parse_level(p, and_ops, parse_shift); }
static struct yara_expr *parse_bitxor(struct parser *p) { return parse_level(p, xor_ops, parse_bitand); }
static struct yara_expr *parse_bitor(struct parser *p) { return parse_level(p, or_ops, parse_bitxor); }

/* An arithmetic operand, or a quantified `of` expression. */
static struct yara_expr *parse_operand(struct parser *p)
{
    struct yara_pos pos = p->tok.pos;
    if (p->tok.kind == YT_ALL || p->tok.kind == YT_ANY || p->tok.kind == YT_NONE) {
        struct yara_quant q = {0};
        if (parse_quantifier(p, &q) < 0)
            return NULL;
        return parse_of(p, q, pos);
    }
    struct yara_expr *e = parse_bitor(p);
    if (e == NULL)
        return NULL;
    if (p->tok.kind == YT_OF || (p->tok.kind == YT_PERCENT && percent_of_follows(p))) {
        struct yara_quant q = {.kind = YARA_QUANT_EXPR, .expr = e};
        if (p->tok.kind == YT_PERCENT) {
            q.kind = YARA_QUANT_PERCENT;
            if (parser_next(p) < 0)
                return NULL;
        }
        if (check_quantifier(p, &q) < 0)
            return NULL;
        return parse_of(p, q, pos);
    }
    return e;
}

static struct yara_expr *parse_relational(struct parser *p) { return parse_level(p, rel_ops, parse_operand); }
static struct yara_expr *parse_equality(struct parser *p) { return parse_level(p, eq_ops, parse_relational); }

static struct yara_expr *parse_not(struct parser *p)
{
    if (p->tok.kind != YT_NOT && p->tok.kind != YT_DEFINED)
        return parse_equality(p);
    struct yara_expr *e = new_expr(p, YARA_EXPR_UNARY, p->tok.pos);
    if (e == NULL || !enter(p))
        return NULL;
    e->op = p->tok.kind == YT_NOT ? "not" : "defined";
    if (parser_next(p) < 0 || (e->left = parse_not(p)) == NULL)
        return NULL;
    p->depth--;
    return e;
}

static struct yara_expr *parse_and(struct parser *p) { return parse_level(p, land_ops, parse_not); }

static struct yara_expr *parse_expr(struct parser *p)
{
    if (!enter(p))
        return NULL;
    struct yara_expr *e = parse_level(p, lor_ops, parse_and);
    p->depth--;
    return e;
}

struct yara_expr *parser_condition(struct parser *p)
{
    p->depth = 0;
    p->anonymous_ok = 0;
    return parse_expr(p);
}
