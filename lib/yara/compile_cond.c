/* compile_cond.c — a rule's condition (ast.h expressions) to typed nodes
 * (struct ynode in rules.h), with YARA's compile-time checks: identifiers
 * resolve to loop variables, earlier rules of the namespace, imported
 * modules or external variables; module members and function signatures are
 * checked against the module schemas (object.h); operand types are checked;
 * a quantifier larger than its set, `0 of` and several strings required at
 * one offset are reported as warnings, as YARA does. */
#include <fnmatch.h>
#include <stdio.h>
#include <string.h>

#include "assay.h"
#include "util/error.h"
#include "yara/regex.h"
#include "yara/rules.h"

#define MAX_SCOPE 64

struct var {
    const char *name;
    uint32_t slot;
    uint8_t type;
    uint8_t mod;
    const struct yobj_decl *decl;
};

struct cc {
    struct yrules *r;
    uint32_t rule;
    const struct yara_rule *ast;
    const struct yara_file *file;
    struct yara_diag *diag;
    struct var vars[MAX_SCOPE];
    size_t nvars;
    uint32_t next_slot;
    bool in_for_of;
};

static int fail(struct cc *c, enum yara_error_code code, struct yara_pos pos, const char *fmt, const char *arg)
{
    yara_diag_set(c->diag, code, pos, fmt, arg ? arg : "");
    return ASSAY_ESYNTAX;
}

static int oom(void)
{
    return util_error(ASSAY_ENOMEM, "out of memory");
}

static void warn(struct cc *c, struct yara_pos pos, const char *text)
{
    char msg[640];
    snprintf(msg, sizeof msg, "%s:%u:%u: warning: rule \"%s\": %s", pos.file ? pos.file : "<input>", pos.line,
             pos.column, c->ast->name, text);
    c->r->warnings++;
    if (c->r->warn)
        c->r->warn(c->r->warn_user, msg);
}

static int new_node(struct cc *c, uint8_t op, uint8_t type, uint32_t *out)
{
    struct ynode n = {.op = op, .type = type, .i = -1, .body = YRULES_NONE, .iter_node = YRULES_NONE};
    if (util_vec_push(&c->r->nodes, n) != 0)
        return oom();
    *out = (uint32_t)(c->r->nodes.n - 1);
    return ASSAY_OK;
}

static struct ynode *node(struct cc *c, uint32_t i)
{
    return &c->r->nodes.v[i];
}

static int set_kids(struct cc *c, uint32_t n, const uint32_t *kids, size_t count)
{
    if (util_vec_reserve(&c->r->kids, count) != 0)
        return oom();
    node(c, n)->kid_first = (uint32_t)c->r->kids.n;
    node(c, n)->kid_count = (uint32_t)count;
    for (size_t i = 0; i < count; i++)
        c->r->kids.v[c->r->kids.n++] = kids[i];
    return ASSAY_OK;
}

static const char *type_name(uint8_t t)
{
    switch (t) {
    case YV_INT: return "integer";
    case YV_FLOAT: return "float";
    case YV_STRING: return "string";
    case YV_REGEX: return "regular expression";
    case YV_OBJECT: return "structure";
    default: return "undefined";
    }
}

static int expr(struct cc *c, const struct yara_expr *e, uint32_t *out);
static void note_use(struct cc *c, uint32_t s, bool at_const, int64_t where);

static int expect_type(struct cc *c, const struct yara_expr *e, uint32_t n, uint8_t want, const char *what)
{
    uint8_t t = node(c, n)->type;
    if (t == want || (want == YV_FLOAT && t == YV_INT))
        return ASSAY_OK;
    char msg[200];
    snprintf(msg, sizeof msg, "wrong type for %s: %s where %s expected", what, type_name(t), type_name(want));
    return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "%s", msg);
}

static int typed(struct cc *c, const struct yara_expr *e, uint8_t want, const char *what, uint32_t *out)
{
    int rc = expr(c, e, out);
    return rc == ASSAY_OK ? expect_type(c, e, *out, want, what) : rc;
}

/* ---- strings and sets -------------------------------------------------------- */

static int string_index(struct cc *c, const struct yara_expr *e, const char *name, uint32_t *out)
{
    if (strcmp(name, "$") == 0) {
        if (!c->in_for_of)
            return fail(c, YARA_ERR_MISPLACED_ANONYMOUS_STRING, e->pos, "anonymous string outside a for..of loop%s", NULL);
        *out = YRULES_NONE;
        return ASSAY_OK;
    }
    const struct yrule *rule = &c->r->rules.v[c->rule];
    for (uint32_t i = 0; i < rule->string_count; i++)
        if (strcmp(c->r->strings.v[rule->string_first + i].ast->name, name) == 0) {
            *out = rule->string_first + i;
            return ASSAY_OK;
        }
    return fail(c, YARA_ERR_UNDEFINED_STRING, e->pos, "undefined string identifier \"%s\"", name);
}

static bool name_matches(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    if (n && pattern[n - 1] == '*')
        return strncmp(pattern, name, n - 1) == 0;
    return strcmp(pattern, name) == 0;
}

/* The members of a set: string, rule or node indices. */
static int compile_set(struct cc *c, const struct yara_expr *e, uint32_t n)
{
    const struct yara_set *set = &e->set;
    UTIL_VEC(uint32_t) items = {0};
    int rc = ASSAY_OK;
    const struct yrule *rule = &c->r->rules.v[c->rule];
    struct ynode *nd = node(c, n);
    switch (set->kind) {
    case YARA_SET_THEM:
        nd->set_kind = YSET_STRINGS;
        for (uint32_t i = 0; i < rule->string_count && rc == ASSAY_OK; i++)
            rc = util_vec_push(&items, rule->string_first + i) == 0 ? ASSAY_OK : oom();
        if (rc == ASSAY_OK && items.n == 0)
            rc = fail(c, YARA_ERR_UNDEFINED_STRING, e->pos, "\"them\" in a rule without strings%s", NULL);
        break;
    case YARA_SET_STRINGS:
        nd->set_kind = YSET_STRINGS;
        for (size_t k = 0; k < set->count && rc == ASSAY_OK; k++) {
            bool any = false;
            for (uint32_t i = 0; i < rule->string_count && rc == ASSAY_OK; i++)
                if (name_matches(set->items[k], c->r->strings.v[rule->string_first + i].ast->name)) {
                    any = true;
                    rc = util_vec_push(&items, rule->string_first + i) == 0 ? ASSAY_OK : oom();
                }
            if (rc == ASSAY_OK && !any)
                rc = fail(c, YARA_ERR_UNDEFINED_STRING, e->pos, "undefined string identifier \"%s\"", set->items[k]);
        }
        break;
    case YARA_SET_RULES:
        nd->set_kind = YSET_RULES;
        for (size_t k = 0; k < set->count && rc == ASSAY_OK; k++) {
            bool any = false;
            /* A wildcard also covers the rule being defined (false while it is evaluated). */
            size_t wild = strchr(set->items[k], '*') != NULL;
            for (uint32_t i = 0; i < c->rule + wild && rc == ASSAY_OK; i++) {
                const struct yrule *other = &c->r->rules.v[i];
                if (other->ns_index == rule->ns_index && name_matches(set->items[k], other->ast->name)) {
                    any = true;
                    rc = util_vec_push(&items, i) == 0 ? ASSAY_OK : oom();
                }
            }
            if (rc == ASSAY_OK && !any)
                rc = fail(c, YARA_ERR_UNDEFINED_IDENTIFIER, e->pos, "undefined identifier \"%s\"", set->items[k]);
        }
        break;
    case YARA_SET_EXPRS:
        nd->set_kind = YSET_EXPRS;
        for (size_t k = 0; k < set->count && rc == ASSAY_OK; k++) {
            uint32_t x;
            rc = expr(c, set->exprs[k], &x);
            if (rc == ASSAY_OK)
                rc = util_vec_push(&items, x) == 0 ? ASSAY_OK : oom();
        }
        break;
    }
    if (nd->set_kind == YSET_STRINGS)
        for (size_t i = 0; i < items.n; i++)
            note_use(c, items.v[i], false, 0);
    if (rc == ASSAY_OK) {
        if (util_vec_reserve(&c->r->kids, items.n) != 0) {
            rc = oom();
        } else {
            nd = node(c, n);
            nd->set_first = (uint32_t)c->r->kids.n;
            nd->set_count = (uint32_t)items.n;
            for (size_t i = 0; i < items.n; i++)
                c->r->kids.v[c->r->kids.n++] = items.v[i];
        }
    }
    util_vec_free(&items);
    return rc;
}

/* Quantifier of `of` / `for .. of`; warns about quantities that can never hold. */
static int compile_quant(struct cc *c, const struct yara_expr *e, uint32_t n, int64_t *constant)
{
    *constant = -1;
    switch (e->quant.kind) {
    case YARA_QUANT_ALL: node(c, n)->quant = YQ_ALL; return ASSAY_OK;
    case YARA_QUANT_ANY: node(c, n)->quant = YQ_ANY; return ASSAY_OK;
    case YARA_QUANT_NONE: node(c, n)->quant = YQ_NONE; return ASSAY_OK;
    default: break;
    }
    bool percent = e->quant.kind == YARA_QUANT_PERCENT;
    node(c, n)->quant = percent ? YQ_PERCENT : YQ_COUNT;
    uint32_t q;
    int rc = expr(c, e->quant.expr, &q);
    if (rc != ASSAY_OK)
        return rc;
    const struct ynode *qn = node(c, q);
    if (qn->type != YV_INT)
        return fail(c, YARA_ERR_INVALID_VALUE, e->quant.expr->pos, "the quantity must be an integer%s", NULL);
    if (qn->op == YN_INT) {
        if (qn->i < 0)
            return fail(c, YARA_ERR_INVALID_VALUE, e->quant.expr->pos, "negative quantity%s", NULL);
        if (percent && (qn->i < 1 || qn->i > 100))
            return fail(c, YARA_ERR_INVALID_PERCENTAGE, e->quant.expr->pos, "percentage must be between 1 and 100%s",
                        NULL);
        *constant = qn->i;
    }
    node(c, n)->i = q;
    return ASSAY_OK;
}

static void quant_warnings(struct cc *c, const struct yara_expr *e, uint32_t n, int64_t constant, bool at)
{
    const struct ynode *nd = node(c, n);
    if (nd->quant == YQ_COUNT && constant == 0)
        warn(c, e->pos, "consider using \"none\" instead of \"0 of\" (it means the same)");
    else if (nd->quant == YQ_COUNT && constant > (int64_t)nd->set_count)
        warn(c, e->pos, "the quantity exceeds the number of items in the set: the expression is always false");
    int64_t need = nd->quant == YQ_ALL ? (int64_t)nd->set_count : nd->quant == YQ_COUNT ? constant : 0;
    if (at && need > 1)
        warn(c, e->pos, "several different strings required at one offset: the expression is always false");
}

/* ---- identifiers and module members -------------------------------------------- */

static const struct var *find_var(struct cc *c, const char *name)
{
    for (size_t i = c->nvars; i-- > 0;)
        if (strcmp(c->vars[i].name, name) == 0)
            return &c->vars[i];
    return NULL;
}

static uint8_t decl_type(const struct yobj_decl *d)
{
    switch (d->type) {
    case YOBJ_INT: return YV_INT;
    case YOBJ_FLOAT: return YV_FLOAT;
    case YOBJ_STRING: return YV_STRING;
    default: return YV_OBJECT;
    }
}

static int module_slot(struct cc *c, const struct yara_module *m, uint32_t *slot)
{
    for (uint32_t i = 0; i < c->r->module_count; i++)
        if (c->r->modules[i] == m) {
            *slot = i;
            return ASSAY_OK;
        }
    if (c->r->module_count == YRULES_MAX_MODULES)
        return util_error(ASSAY_ELIMIT, "more than %d YARA modules", YRULES_MAX_MODULES);
    c->r->modules[c->r->module_count] = m;
    *slot = c->r->module_count++;
    return ASSAY_OK;
}

static int ident(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    const struct var *v = find_var(c, e->name);
    int rc;
    if (v) {
        rc = new_node(c, YN_VAR, v->type, out);
        if (rc == ASSAY_OK) {
            node(c, *out)->a = v->slot;
            node(c, *out)->decl = v->decl;
            node(c, *out)->mod = v->mod;
        }
        return rc;
    }
    const struct yrule *rule = &c->r->rules.v[c->rule];
    bool maybe_rule = yrules_may_have_rule(c->r, rule->ns_index, e->name);
    for (uint32_t i = maybe_rule ? c->rule : 0; i-- > 0;) {
        const struct yrule *other = &c->r->rules.v[i];
        if (other->ns_index == rule->ns_index && strcmp(other->ast->name, e->name) == 0) {
            rc = new_node(c, YN_RULE, YV_INT, out);
            if (rc == ASSAY_OK)
                node(c, *out)->a = i;
            return rc;
        }
    }
    for (size_t i = 0; i < c->file->import_count; i++)
        if (strcmp(c->file->imports[i].module, e->name) == 0) {
            const struct yara_module *m = yara_module_find(e->name);
            if (!m)
                return fail(c, YARA_ERR_UNKNOWN_MODULE, e->pos, "unknown module \"%s\"", e->name);
            uint32_t slot = 0;
            if ((rc = module_slot(c, m, &slot)) != ASSAY_OK || (rc = new_node(c, YN_MODULE, YV_OBJECT, out)) != ASSAY_OK)
                return rc;
            node(c, *out)->a = slot;
            node(c, *out)->mod = (uint8_t)slot;
            node(c, *out)->decl = m->decl;
            c->r->rules.v[c->rule].modules |= 1u << slot;
            return ASSAY_OK;
        }
    for (size_t i = 0; i < c->r->externals.n; i++)
        if (strcmp(c->r->externals.v[i].name, e->name) == 0) {
            uint8_t t = c->r->externals.v[i].value.type;
            rc = new_node(c, YN_EXTERNAL, t, out);
            if (rc == ASSAY_OK)
                node(c, *out)->a = (uint32_t)i;
            return rc;
        }
    return fail(c, YARA_ERR_UNDEFINED_IDENTIFIER, e->pos, "undefined identifier \"%s\"", e->name);
}

static int member(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    uint32_t left;
    int rc = expr(c, e->left, &left);
    if (rc != ASSAY_OK)
        return rc;
    const struct yobj_decl *d = node(c, left)->decl;
    if (node(c, left)->type != YV_OBJECT || !d || d->type != YOBJ_STRUCT)
        return fail(c, YARA_ERR_NOT_A_STRUCTURE, e->pos, "not a structure: cannot access \"%s\"", e->name);
    const struct yobj_decl *m = yobj_decl_member(d, e->name);
    if (!m)
        return fail(c, YARA_ERR_INVALID_FIELD_NAME, e->pos, "invalid field name \"%s\"", e->name);
    if ((rc = new_node(c, YN_MEMBER, decl_type(m), out)) != ASSAY_OK)
        return rc;
    node(c, *out)->a = (uint32_t)(m - d->members);
    node(c, *out)->decl = m;
    node(c, *out)->mod = node(c, left)->mod;
    return set_kids(c, *out, &left, 1);
}

static int indexed(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    uint32_t k[2];
    int rc = expr(c, e->left, &k[0]);
    if (rc != ASSAY_OK)
        return rc;
    const struct yobj_decl *d = node(c, k[0])->decl;
    if (node(c, k[0])->type != YV_OBJECT || !d || (d->type != YOBJ_ARRAY && d->type != YOBJ_DICT))
        return fail(c, YARA_ERR_NOT_INDEXABLE, e->pos, "not an array or dictionary%s", NULL);
    bool dict = d->type == YOBJ_DICT;
    if ((rc = typed(c, e->right, dict ? YV_STRING : YV_INT, dict ? "a dictionary key" : "an array index", &k[1])) !=
        ASSAY_OK)
        return rc;
    if (node(c, k[1])->type == YV_FLOAT)
        return fail(c, YARA_ERR_WRONG_TYPE, e->right->pos, "array index must be an integer%s", NULL);
    if ((rc = new_node(c, dict ? YN_LOOKUP : YN_INDEX, decl_type(d->element), out)) != ASSAY_OK)
        return rc;
    node(c, *out)->decl = d->element;
    node(c, *out)->mod = node(c, k[0])->mod;
    return set_kids(c, *out, k, 2);
}

static int call(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    uint32_t kids[17];
    if (e->arg_count > 16)
        return fail(c, YARA_ERR_WRONG_ARGUMENTS, e->pos, "too many arguments%s", NULL);
    int rc = expr(c, e->left, &kids[0]);
    if (rc != ASSAY_OK)
        return rc;
    const struct yobj_decl *d = node(c, kids[0])->decl;
    if (node(c, kids[0])->type != YV_OBJECT || !d || d->type != YOBJ_FUNC)
        return fail(c, YARA_ERR_NOT_A_FUNCTION, e->pos, "not a function%s", NULL);
    char sig[17];
    for (size_t i = 0; i < e->arg_count; i++) {
        if ((rc = expr(c, e->args[i], &kids[i + 1])) != ASSAY_OK)
            return rc;
        switch (node(c, kids[i + 1])->type) {
        case YV_INT: sig[i] = 'i'; break;
        case YV_FLOAT: sig[i] = 'f'; break;
        case YV_STRING: sig[i] = 's'; break;
        case YV_REGEX: sig[i] = 'r'; break;
        default: return fail(c, YARA_ERR_WRONG_ARGUMENTS, e->args[i]->pos, "invalid argument%s", NULL);
        }
    }
    sig[e->arg_count] = 0;
    const struct yobj_overload *o = yobj_decl_overload(d, sig);
    if (!o)
        return fail(c, YARA_ERR_WRONG_ARGUMENTS, e->pos, "wrong arguments for function \"%s\"", d->name);
    if ((rc = new_node(c, YN_CALL, o->result == YOBJ_FLOAT ? YV_FLOAT : o->result == YOBJ_STRING ? YV_STRING : YV_INT,
                       out)) != ASSAY_OK)
        return rc;
    node(c, *out)->fn = o;
    node(c, *out)->decl = d;
    node(c, *out)->mod = node(c, kids[0])->mod;
    return set_kids(c, *out, kids, e->arg_count + 1);
}

/* ---- operators ---------------------------------------------------------------- */

struct binop {
    const char *text;
    uint8_t op;
    uint8_t kind; /* 0 arithmetic, 1 integer only, 2 comparison, 3 string, 4 boolean */
};

static const struct binop binops[] = {
    {"and", YN_AND, 4}, {"or", YN_OR, 4},
    {"+", YN_ADD, 0}, {"-", YN_SUB, 0}, {"*", YN_MUL, 0}, {"\\", YN_DIV, 0}, {"%", YN_MOD, 1},
    {"<<", YN_SHL, 1}, {">>", YN_SHR, 1}, {"&", YN_BAND, 1}, {"|", YN_BOR, 1}, {"^", YN_BXOR, 1},
    {"<", YN_LT, 2}, {"<=", YN_LE, 2}, {">", YN_GT, 2}, {">=", YN_GE, 2}, {"==", YN_EQ, 2}, {"!=", YN_NE, 2},
    {"contains", YN_CONTAINS, 3}, {"icontains", YN_ICONTAINS, 3}, {"startswith", YN_STARTSWITH, 3},
    {"istartswith", YN_ISTARTSWITH, 3}, {"endswith", YN_ENDSWITH, 3}, {"iendswith", YN_IENDSWITH, 3},
    {"iequals", YN_IEQUALS, 3}, {"matches", YN_MATCHES, 3},
};

static bool numeric(uint8_t t)
{
    return t == YV_INT || t == YV_FLOAT;
}

static int binary(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    const struct binop *b = NULL;
    for (size_t i = 0; i < sizeof binops / sizeof binops[0]; i++)
        if (strcmp(binops[i].text, e->op) == 0)
            b = &binops[i];
    if (!b)
        return fail(c, YARA_ERR_SYNTAX, e->pos, "unknown operator \"%s\"", e->op);
    uint32_t k[2];
    int rc = expr(c, e->left, &k[0]);
    if (rc == ASSAY_OK)
        rc = expr(c, e->right, &k[1]);
    if (rc != ASSAY_OK)
        return rc;
    uint8_t lt = node(c, k[0])->type, rt = node(c, k[1])->type, type = YV_INT;
    char msg[160];
    snprintf(msg, sizeof msg, "wrong type for operator \"%s\": %s and %s", e->op, type_name(lt), type_name(rt));
    switch (b->kind) {
    case 0:
        if (!numeric(lt) || !numeric(rt))
            return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "%s", msg);
        type = lt == YV_FLOAT || rt == YV_FLOAT ? YV_FLOAT : YV_INT;
        break;
    case 1:
        if (lt != YV_INT || rt != YV_INT)
            return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "%s", msg);
        if ((b->op == YN_SHL || b->op == YN_SHR) && node(c, k[1])->op == YN_INT && node(c, k[1])->i < 0)
            return fail(c, YARA_ERR_INVALID_OPERAND, e->right->pos, "negative shift count%s", NULL);
        break;
    case 2:
        if (!((numeric(lt) && numeric(rt)) || (lt == YV_STRING && rt == YV_STRING)))
            return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "%s", msg);
        break;
    case 3:
        if (lt != YV_STRING || rt != (b->op == YN_MATCHES ? YV_REGEX : YV_STRING))
            return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "%s", msg);
        break;
    case 4:
        if (lt == YV_REGEX || rt == YV_REGEX || lt == YV_OBJECT || rt == YV_OBJECT)
            return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "%s", msg);
        break;
    }
    if ((rc = new_node(c, b->op, type, out)) != ASSAY_OK)
        return rc;
    return set_kids(c, *out, k, 2);
}

static int unary(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    uint32_t k;
    int rc = expr(c, e->left, &k);
    if (rc != ASSAY_OK)
        return rc;
    uint8_t t = node(c, k)->type, op, type = YV_INT;
    if (strcmp(e->op, "-") == 0) {
        if (!numeric(t))
            return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "wrong type for unary minus%s", NULL);
        op = YN_NEG;
        type = t;
    } else if (strcmp(e->op, "~") == 0) {
        if (t != YV_INT)
            return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "wrong type for \"~\"%s", NULL);
        op = YN_BITNOT;
    } else if (strcmp(e->op, "not") == 0) {
        if (t == YV_REGEX || t == YV_OBJECT)
            return fail(c, YARA_ERR_WRONG_TYPE, e->pos, "wrong type for \"not\"%s", NULL);
        op = YN_NOT;
    } else {
        op = YN_DEFINED;
    }
    if ((rc = new_node(c, op, type, out)) != ASSAY_OK)
        return rc;
    return set_kids(c, *out, &k, 1);
}

/* A range's two bounds; constant ones must be ordered and not negative (for
 * offsets and loops alike, as in YARA 4.5). */
static int range_pair(struct cc *c, const struct yara_expr *range, uint32_t k[2])
{
    int rc = typed(c, range->left, YV_INT, "a range bound", &k[0]);
    if (rc == ASSAY_OK)
        rc = typed(c, range->right, YV_INT, "a range bound", &k[1]);
    if (rc != ASSAY_OK)
        return rc;
    const struct ynode *lo = node(c, k[0]), *hi = node(c, k[1]);
    if (lo->type != YV_INT || hi->type != YV_INT)
        return fail(c, YARA_ERR_WRONG_TYPE, range->pos, "range bounds must be integers%s", NULL);
    if (lo->op == YN_INT && hi->op == YN_INT && (lo->i > hi->i || lo->i < 0))
        return fail(c, YARA_ERR_INVALID_VALUE, range->pos, "invalid range%s", NULL);
    return ASSAY_OK;
}

/* ---- string operators, of, loops ------------------------------------------------ */

/* How string st is used: `$s at N` with a constant N, or otherwise. */
static void note_one_use(struct ystring *st, bool at_const, int64_t where)
{
    if (!at_const) {
        st->use = 2;
    } else if (st->use == 0) {
        st->use = 1;
        st->fixed_offset = where;
    } else if (st->use == 1 && st->fixed_offset != where) {
        st->use = 2;
    }
}

/* Note how string s is used: `$s at N` with a constant N, or otherwise. An
 * anonymous string inside `for .. of` (s == YRULES_NONE: `$`, `#`, `@`, `!`)
 * counts as a use of every string of the rule, whatever the loop's set: YARA
 * does not know which strings it will stand for. */
static void note_use(struct cc *c, uint32_t s, bool at_const, int64_t where)
{
    if (s != YRULES_NONE) {
        note_one_use(&c->r->strings.v[s], at_const, where);
        return;
    }
    const struct yrule *rule = &c->r->rules.v[c->rule];
    for (uint32_t i = 0; i < rule->string_count; i++)
        note_one_use(&c->r->strings.v[rule->string_first + i], at_const, where);
}

/* String s (every string of the rule for an anonymous one) is used other
 * than as `$s`: `at`, `in`, #, @, !. YARA then keeps all its matches in fast
 * mode (-f), not just the first. */
static void note_all_matches(struct cc *c, uint32_t s)
{
    const struct yrule *rule = &c->r->rules.v[c->rule];
    if (s != YRULES_NONE) {
        c->r->strings.v[s].all_matches = true;
        return;
    }
    for (uint32_t i = 0; i < rule->string_count; i++)
        c->r->strings.v[rule->string_first + i].all_matches = true;
}

static int string_op(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    uint32_t s, k[2];
    int rc = string_index(c, e, e->name, &s);
    if (rc != ASSAY_OK)
        return rc;
    uint8_t op;
    size_t nk = 0;
    switch (e->kind) {
    case YARA_EXPR_STR_MATCH: op = YN_STR_FOUND; break;
    case YARA_EXPR_STR_AT:
        op = YN_STR_AT;
        rc = typed(c, e->left, YV_INT, "the offset of \"at\"", &k[0]);
        if (rc == ASSAY_OK && node(c, k[0])->type != YV_INT)
            rc = fail(c, YARA_ERR_WRONG_TYPE, e->left->pos, "offset must be an integer%s", NULL);
        nk = 1;
        break;
    case YARA_EXPR_STR_IN:
        op = YN_STR_IN;
        rc = range_pair(c, e->left, k);
        nk = 2;
        break;
    case YARA_EXPR_STR_COUNT:
        op = e->left ? YN_STR_COUNT_IN : YN_STR_COUNT;
        if (e->left) {
            rc = range_pair(c, e->left, k);
            nk = 2;
        }
        break;
    default:
        op = e->kind == YARA_EXPR_STR_OFFSET ? YN_STR_OFFSET : YN_STR_LENGTH;
        if (e->left) {
            rc = typed(c, e->left, YV_INT, "a match index", &k[0]);
        } else {
            rc = new_node(c, YN_INT, YV_INT, &k[0]);
            if (rc == ASSAY_OK)
                node(c, k[0])->i = 1;
        }
        nk = 1;
        break;
    }
    if (op != YN_STR_FOUND)
        note_all_matches(c, s);
    if (rc == ASSAY_OK)
        note_use(c, s, op == YN_STR_AT && node(c, k[0])->op == YN_INT, op == YN_STR_AT ? node(c, k[0])->i : 0);
    if (rc == ASSAY_OK)
        rc = new_node(c, op, YV_INT, out);
    if (rc == ASSAY_OK) {
        node(c, *out)->a = s;
        rc = set_kids(c, *out, k, nk);
    }
    return rc;
}

/* The part `of` and `for .. of` share: the node, its quantifier, its set. */
static int quantified_set(struct cc *c, const struct yara_expr *e, uint8_t op, uint32_t *out, int64_t *constant)
{
    int rc = new_node(c, op, YV_INT, out);
    if (rc == ASSAY_OK)
        rc = compile_quant(c, e, *out, constant);
    if (rc == ASSAY_OK)
        rc = compile_set(c, e, *out);
    return rc;
}

static int of_expr(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    int64_t constant;
    int rc = quantified_set(c, e, YN_OF, out, &constant);
    if (rc != ASSAY_OK)
        return rc;
    bool at = false;
    if (e->left) {
        if (node(c, *out)->set_kind != YSET_STRINGS)
            return fail(c, YARA_ERR_SYNTAX, e->pos, "\"at\" and \"in\" apply to sets of strings%s", NULL);
        uint32_t k[2];
        if (e->left->kind == YARA_EXPR_RANGE) {
            rc = range_pair(c, e->left, k);
            node(c, *out)->anchor = 2;
            if (rc == ASSAY_OK)
                rc = set_kids(c, *out, k, 2);
        } else {
            rc = expr(c, e->left, &k[0]);
            if (rc == ASSAY_OK && node(c, k[0])->type != YV_INT)
                rc = fail(c, YARA_ERR_INVALID_VALUE, e->left->pos, "the offset of \"at\" must be an integer%s", NULL);
            node(c, *out)->anchor = 1;
            at = true;
            if (rc == ASSAY_OK)
                rc = set_kids(c, *out, k, 1);
        }
    }
    if (rc == ASSAY_OK)
        quant_warnings(c, e, *out, constant, at);
    return rc;
}

static int push_var(struct cc *c, const struct yara_expr *e, const char *name, uint8_t type,
                    const struct yobj_decl *decl, uint8_t mod, uint32_t *slot)
{
    if (c->nvars == MAX_SCOPE)
        return fail(c, YARA_ERR_NESTING_TOO_DEEP, e->pos, "too many nested loops%s", NULL);
    if (find_var(c, name))
        return fail(c, YARA_ERR_DUPLICATED_IDENTIFIER, e->pos, "duplicated loop variable \"%s\"", name);
    *slot = c->next_slot++;
    if (c->next_slot > c->r->max_vars)
        c->r->max_vars = c->next_slot;
    c->vars[c->nvars++] = (struct var){name, *slot, type, mod, decl};
    return ASSAY_OK;
}

static int for_of(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    int64_t constant;
    int rc = quantified_set(c, e, YN_FOR_OF, out, &constant);
    if (rc != ASSAY_OK)
        return rc;
    if (node(c, *out)->set_kind != YSET_STRINGS)
        return fail(c, YARA_ERR_SYNTAX, e->pos, "\"for .. of\" needs a set of strings%s", NULL);
    bool saved = c->in_for_of;
    c->in_for_of = true;
    uint32_t body;
    rc = expr(c, e->body, &body);
    c->in_for_of = saved;
    if (rc == ASSAY_OK) {
        node(c, *out)->body = body;
        quant_warnings(c, e, *out, constant, false);
    }
    return rc;
}

static int for_in(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    int rc = new_node(c, YN_FOR_IN, YV_INT, out);
    int64_t constant;
    if (rc == ASSAY_OK)
        rc = compile_quant(c, e, *out, &constant);
    if (rc != ASSAY_OK)
        return rc;
    uint8_t var_type[2] = {YV_INT, YV_UNDEF};
    const struct yobj_decl *var_decl[2] = {NULL, NULL};
    size_t nvars_needed = 1;
    uint8_t mod = 0;
    uint32_t k[2];
    const struct yara_iterable *it = &e->iter;
    switch (it->kind) {
    case YARA_ITER_RANGE:
        node(c, *out)->iter_kind = YIT_RANGE;
        rc = range_pair(c, it->expr, k);
        if (rc == ASSAY_OK)
            rc = set_kids(c, *out, k, 2);
        break;
    case YARA_ITER_LIST: {
        node(c, *out)->iter_kind = YIT_LIST;
        UTIL_VEC(uint32_t) items = {0};
        uint8_t t = YV_UNDEF;
        for (size_t i = 0; i < it->count && rc == ASSAY_OK; i++) {
            uint32_t x;
            rc = expr(c, it->exprs[i], &x);
            if (rc != ASSAY_OK)
                break;
            uint8_t xt = node(c, x)->type;
            if (xt != YV_INT && xt != YV_STRING)
                rc = fail(c, YARA_ERR_WRONG_TYPE, it->exprs[i]->pos, "loop items must be integers or strings%s", NULL);
            else if (t != YV_UNDEF && xt != t)
                rc = fail(c, YARA_ERR_WRONG_TYPE, it->exprs[i]->pos, "loop items must all have the same type%s", NULL);
            else if (util_vec_push(&items, x) != 0)
                rc = oom();
            t = xt;
        }
        var_type[0] = t;
        if (rc == ASSAY_OK)
            rc = set_kids(c, *out, items.v, items.n);
        util_vec_free(&items);
        break;
    }
    case YARA_ITER_EXPR:
        rc = expr(c, it->expr, &k[0]);
        if (rc != ASSAY_OK)
            break;
        {
            const struct yobj_decl *d = node(c, k[0])->decl;
            if (node(c, k[0])->type != YV_OBJECT || !d || (d->type != YOBJ_ARRAY && d->type != YOBJ_DICT)) {
                rc = fail(c, YARA_ERR_WRONG_TYPE, it->expr->pos, "not an iterable: an array or dictionary expected%s",
                          NULL);
                break;
            }
            mod = node(c, k[0])->mod;
            if (d->type == YOBJ_ARRAY) {
                node(c, *out)->iter_kind = YIT_ARRAY;
                var_type[0] = decl_type(d->element);
                var_decl[0] = d->element;
            } else {
                node(c, *out)->iter_kind = YIT_DICT;
                nvars_needed = 2;
                var_type[0] = YV_STRING;
                var_type[1] = decl_type(d->element);
                var_decl[1] = d->element;
            }
            rc = set_kids(c, *out, k, 1);
        }
        break;
    }
    if (rc != ASSAY_OK)
        return rc;
    if (e->var_count != nvars_needed)
        return fail(c, YARA_ERR_SYNTAX, e->pos, "wrong number of loop variables%s", NULL);
    size_t saved_vars = c->nvars;
    uint32_t saved_slot = c->next_slot, slot0 = 0, slot = 0;
    for (size_t i = 0; i < e->var_count && rc == ASSAY_OK; i++) {
        rc = push_var(c, e, e->vars[i], var_type[i], var_decl[i], mod, &slot);
        if (i == 0)
            slot0 = slot;
    }
    uint32_t body = 0;
    if (rc == ASSAY_OK)
        rc = expr(c, e->body, &body);
    c->nvars = saved_vars;
    c->next_slot = saved_slot;
    if (rc == ASSAY_OK) {
        node(c, *out)->a = slot0;
        node(c, *out)->nvars = (uint8_t)e->var_count;
        node(c, *out)->body = body;
        quant_warnings(c, e, *out, constant, false);
    }
    return rc;
}

static const char *const reader_names[] = {
    "int8", "int16", "int32", "uint8", "uint16", "uint32",
    "int8be", "int16be", "int32be", "uint8be", "uint16be", "uint32be",
};

static int expr(struct cc *c, const struct yara_expr *e, uint32_t *out)
{
    int rc;
    switch (e->kind) {
    case YARA_EXPR_BOOL:
    case YARA_EXPR_INT:
        if ((rc = new_node(c, YN_INT, YV_INT, out)) == ASSAY_OK)
            node(c, *out)->i = e->integer;
        return rc;
    case YARA_EXPR_FLOAT:
        if ((rc = new_node(c, YN_FLOAT, YV_FLOAT, out)) == ASSAY_OK)
            node(c, *out)->f = e->real;
        return rc;
    case YARA_EXPR_TEXT: {
        uint8_t *copy = util_arena_alloc(&c->r->consts, e->text_len + 1); /* zeroed: NUL-terminated */
        if (!copy)
            return oom();
        if (e->text_len)
            memcpy(copy, e->text, e->text_len);
        if ((rc = new_node(c, YN_STRING, YV_STRING, out)) == ASSAY_OK) {
            node(c, *out)->s = copy;
            node(c, *out)->n = e->text_len;
        }
        return rc;
    }
    case YARA_EXPR_REGEX: {
        struct yara_regex *re;
        struct yara_regex_error err = {0};
        unsigned flags = (e->regex_flags & YARA_RE_NOCASE ? YARA_REGEX_NOCASE : 0) |
                         (e->regex_flags & YARA_RE_DOTALL ? YARA_REGEX_DOTALL : 0);
        rc = yara_regex_compile((const char *)e->text, strlen((const char *)e->text), flags, &re, &err);
        if (rc == ASSAY_ENOMEM)
            return rc;
        if (rc != ASSAY_OK)
            return fail(c, YARA_ERR_INVALID_REGEX, e->pos, "invalid regular expression: %s", err.message);
        if (util_vec_push(&c->r->regexes, re) != 0) {
            yara_regex_free(re);
            return oom();
        }
        if (yara_regex_has_unknown_escape(re))
            warn(c, e->pos, "unknown escape sequence in a regular expression");
        if ((rc = new_node(c, YN_REGEX, YV_REGEX, out)) == ASSAY_OK)
            node(c, *out)->re = re;
        return rc;
    }
    case YARA_EXPR_FILESIZE: return new_node(c, YN_FILESIZE, YV_INT, out);
    case YARA_EXPR_ENTRYPOINT: return new_node(c, YN_ENTRYPOINT, YV_INT, out);
    case YARA_EXPR_IDENT: return ident(c, e, out);
    case YARA_EXPR_MEMBER: return member(c, e, out);
    case YARA_EXPR_INDEX: return indexed(c, e, out);
    case YARA_EXPR_CALL: return call(c, e, out);
    case YARA_EXPR_INT_READ: {
        uint32_t k;
        uint32_t which = 0;
        while (which < 12 && strcmp(reader_names[which], e->name) != 0)
            which++;
        if (which == 12)
            return fail(c, YARA_ERR_UNDEFINED_IDENTIFIER, e->pos, "unknown function \"%s\"", e->name);
        if ((rc = typed(c, e->left, YV_INT, "an offset", &k)) != ASSAY_OK)
            return rc;
        if ((rc = new_node(c, YN_READ, YV_INT, out)) != ASSAY_OK)
            return rc;
        node(c, *out)->a = which;
        return set_kids(c, *out, &k, 1);
    }
    case YARA_EXPR_STR_MATCH:
    case YARA_EXPR_STR_AT:
    case YARA_EXPR_STR_IN:
    case YARA_EXPR_STR_COUNT:
    case YARA_EXPR_STR_OFFSET:
    case YARA_EXPR_STR_LENGTH:
        return string_op(c, e, out);
    case YARA_EXPR_UNARY: return unary(c, e, out);
    case YARA_EXPR_BINARY: return binary(c, e, out);
    case YARA_EXPR_RANGE: return fail(c, YARA_ERR_SYNTAX, e->pos, "a range is not a value%s", NULL);
    case YARA_EXPR_OF: return of_expr(c, e, out);
    case YARA_EXPR_FOR_OF: return for_of(c, e, out);
    case YARA_EXPR_FOR_IN: return for_in(c, e, out);
    }
    return fail(c, YARA_ERR_SYNTAX, e->pos, "unsupported expression%s", NULL);
}

/* Is node n false whenever no string of the rule matched? (conservative) */
static bool needs_match(const struct yrules *r, uint32_t n)
{
    const struct ynode *nd = &r->nodes.v[n];
    switch (nd->op) {
    case YN_STR_FOUND:
    case YN_STR_AT:
    case YN_STR_IN:
        return nd->a != YRULES_NONE;
    case YN_AND:
        return needs_match(r, r->kids.v[nd->kid_first]) || needs_match(r, r->kids.v[nd->kid_first + 1]);
    case YN_OR:
        return needs_match(r, r->kids.v[nd->kid_first]) && needs_match(r, r->kids.v[nd->kid_first + 1]);
    case YN_OF:
        if (nd->set_kind != YSET_STRINGS || nd->set_count == 0)
            return false;
        if (nd->quant == YQ_ANY || nd->quant == YQ_ALL)
            return true;
        if (nd->quant == YQ_COUNT || nd->quant == YQ_PERCENT) {
            const struct ynode *q = &r->nodes.v[nd->i];
            return q->op == YN_INT && q->i >= 1;
        }
        return false;
    default:
        return false;
    }
}

/* ---- guards ---------------------------------------------------------------------- */

static bool const_int(const struct yrules *r, uint32_t n, int64_t *v)
{
    const struct ynode *nd = &r->nodes.v[n];
    if (nd->op != YN_INT)
        return false;
    *v = nd->i;
    return true;
}

/* `x OP c` or `c OP x` with the constant moved to the right. */
static uint8_t flip(uint8_t op)
{
    switch (op) {
    case YN_LT: return YN_GT;
    case YN_LE: return YN_GE;
    case YN_GT: return YN_LT;
    case YN_GE: return YN_LE;
    default: return op;
    }
}

static void guard_conjunct(const struct yrules *r, uint32_t n, struct yguard *g)
{
    const struct ynode *nd = &r->nodes.v[n];
    if (nd->op == YN_AND) {
        guard_conjunct(r, r->kids.v[nd->kid_first], g);
        guard_conjunct(r, r->kids.v[nd->kid_first + 1], g);
        return;
    }
    if (nd->op < YN_LT || nd->op > YN_NE)
        return;
    uint32_t x = r->kids.v[nd->kid_first], y = r->kids.v[nd->kid_first + 1];
    uint8_t op = nd->op;
    int64_t c;
    if (!const_int(r, y, &c)) {
        if (!const_int(r, x, &c))
            return;
        uint32_t t = x;
        x = y;
        y = t;
        op = flip(op);
    }
    const struct ynode *xn = &r->nodes.v[x];
    if (xn->op == YN_FILESIZE) {
        uint64_t lo = 0, hi = UINT64_MAX;
        switch (op) {
        case YN_LT: if (c <= 0) { lo = 1; hi = 0; } else hi = (uint64_t)c - 1; break;
        case YN_LE: if (c < 0) { lo = 1; hi = 0; } else hi = (uint64_t)c; break;
        case YN_GT: lo = c < 0 ? 0 : (uint64_t)c + 1; break;
        case YN_GE: lo = c < 0 ? 0 : (uint64_t)c; break;
        case YN_EQ: if (c < 0) { lo = 1; hi = 0; } else lo = hi = (uint64_t)c; break;
        default: return;
        }
        if (lo > g->size_min)
            g->size_min = lo;
        if (hi < g->size_max)
            g->size_max = hi;
        return;
    }
    int64_t off;
    if (xn->op == YN_READ && (op == YN_EQ || op == YN_NE) && g->nheader < YGUARD_MAX_HEADER &&
        const_int(r, r->kids.v[xn->kid_first], &off) && off >= 0 && off <= UINT32_MAX)
        g->header[g->nheader++] = (struct yguard_header){(uint8_t)xn->a, op, (uint32_t)off, c};
}

int ycompile_condition(struct yrules *r, uint32_t rule_index, struct yara_diag *diag)
{
    struct yrule *rule = &r->rules.v[rule_index];
    struct cc c = {.r = r, .rule = rule_index, .ast = rule->ast, .file = rule->file, .diag = diag};
    for (uint32_t i = 0; i < rule->string_count; i++) {
        r->strings.v[rule->string_first + i].use = 0;
        r->strings.v[rule->string_first + i].fixed_offset = -1;
        r->strings.v[rule->string_first + i].all_matches = false;
    }
    uint32_t root;
    int rc = expr(&c, rule->ast->condition, &root);
    for (uint32_t i = 0; rc == ASSAY_OK && i < rule->string_count; i++) {
        struct ystring *st = &r->strings.v[rule->string_first + i];
        /* YARA applies it to literal strings only: text (not base64), hex
         * strings and regexes of plain bytes (see ystring.yara_literal); not
         * to other regexes or hex with wildcards. */
        bool literal = (st->ast->kind == YARA_STR_TEXT &&
                        !(st->ast->modifiers & (YARA_MOD_BASE64 | YARA_MOD_BASE64WIDE))) ||
                       st->yara_literal;
        if (st->use != 1 || st->fixed_offset < 0 || !literal)
            st->fixed_offset = -1;
    }
    if (rc == ASSAY_OK) {
        uint8_t t = r->nodes.v[root].type;
        if (t == YV_REGEX || t == YV_OBJECT)
            rc = fail(&c, YARA_ERR_WRONG_TYPE, rule->ast->condition->pos, "a condition must be a boolean%s", NULL);
    }
    if (rc == ASSAY_OK) {
        r->rules.v[rule_index].cond = root;
        r->rules.v[rule_index].needs_match = needs_match(r, root);
        struct yguard *g = &r->rules.v[rule_index].guard;
        *g = (struct yguard){.size_min = 0, .size_max = UINT64_MAX};
        guard_conjunct(r, root, g);
    }
    return rc;
}
