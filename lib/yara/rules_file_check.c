/* rules_file_check.c — the checks of the condition trees of a loaded rule
 * set (check_conditions, called last by the loader in rules_file.c), which
 * make what loads safe for the evaluator (eval.c): every node reached from a
 * rule's condition is referenced once (trees: nothing shared, no cycles), no
 * deeper than YRULES_FILE_MAX_DEPTH, with the operand count its operator
 * reads, and each rule's tree is type-checked the way the compiler built
 * it: module members, indexes, lookups and calls are applied to values of
 * the schema entry they name, function arguments have the types of the
 * overload's signature, loop variables are used only inside the loop that
 * binds them. Anything else is ASSAY_EFORMAT.
 *
 * Limits: the walk recurses once per level, so at most YRULES_FILE_MAX_DEPTH
 * deep; calls of up to 16 arguments. */
#include <stdlib.h>
#include <string.h>

#include "yara/rules_file.h"
#include "yara/rules_file_internal.h"

/* ---- condition trees: shape and types ----------------------------------------------------
 * What the evaluator may meet: every node reached from a rule's condition is
 * reached once (a tree), and each value is used as the compiler would have
 * typed it. The static type of a node (struct ty) is what its value is
 * whenever it is not undefined. */

struct ty {
    uint8_t t;                    /* enum yval_type; YV_UNDEF: always undefined */
    uint8_t mod;                  /* OBJECT: module slot */
    const struct yobj_decl *decl; /* OBJECT: its schema entry */
};

struct binding {
    bool active;
    struct ty ty;
};

struct checker {
    const struct yrules *r;
    uint8_t *refs;          /* per node: how many times it is referenced (saturates) */
    struct binding *vars;   /* per loop variable slot */
    uint32_t in_for_of;
};

static bool ref_node(struct checker *c, uint32_t n)
{
    if (n >= c->r->nodes.n)
        return false;
    if (c->refs[n] < 2)
        c->refs[n]++;
    return true;
}

static bool quantified(const struct ynode *nd)
{
    return (nd->op == YN_OF || nd->op == YN_FOR_OF || nd->op == YN_FOR_IN) &&
           (nd->quant == YQ_COUNT || nd->quant == YQ_PERCENT);
}

/* Count the references of every node: kids, expression sets, quantities,
 * loop bodies, rule conditions. Any node referenced twice is refused. */
static int count_refs(struct checker *c)
{
    const struct yrules *r = c->r;
    for (size_t i = 0; i < r->nodes.n; i++) {
        const struct ynode *nd = &r->nodes.v[i];
        bool ok = true;
        for (uint32_t k = 0; k < nd->kid_count && ok; k++)
            ok = ref_node(c, r->kids.v[nd->kid_first + k]);
        if ((nd->op == YN_OF || nd->op == YN_FOR_OF) && nd->set_kind == YSET_EXPRS)
            for (uint32_t k = 0; k < nd->set_count && ok; k++)
                ok = ref_node(c, r->kids.v[nd->set_first + k]);
        if (ok && quantified(nd))
            ok = nd->i >= 0 && nd->i < (int64_t)r->nodes.n && ref_node(c, (uint32_t)nd->i);
        if (ok && (nd->op == YN_FOR_OF || nd->op == YN_FOR_IN))
            ok = ref_node(c, nd->body);
        if (!ok)
            return bad("condition node reference");
    }
    for (size_t i = 0; i < r->rules.n; i++)
        ref_node(c, r->rules.v[i].cond);
    for (size_t i = 0; i < r->nodes.n; i++)
        if (c->refs[i] > 1)
            return bad("condition node shared or in a cycle");
    return ASSAY_OK;
}

static struct ty scalar(uint8_t t)
{
    return (struct ty){.t = t};
}

static struct ty of_decl(const struct yobj_decl *d, uint8_t mod)
{
    switch (d->type) {
    case YOBJ_INT: return scalar(YV_INT);
    case YOBJ_FLOAT: return scalar(YV_FLOAT);
    case YOBJ_STRING: return scalar(YV_STRING);
    default: return (struct ty){.t = YV_OBJECT, .mod = mod, .decl = d};
    }
}

static bool is_object(const struct ty *t, enum yobj_type type)
{
    return t->t == YV_OBJECT && t->decl && t->decl->type == type;
}

static int walk(struct checker *c, uint32_t n, unsigned depth, struct ty *out);

static uint32_t kid(const struct checker *c, const struct ynode *nd, uint32_t k)
{
    return c->r->kids.v[nd->kid_first + k];
}

/* Walk every kid; their types in t[] (up to max). */
static int walk_kids(struct checker *c, const struct ynode *nd, unsigned depth, struct ty *t, uint32_t max)
{
    for (uint32_t k = 0; k < nd->kid_count; k++) {
        struct ty tmp;
        int rc = walk(c, kid(c, nd, k), depth + 1, k < max ? &t[k] : &tmp);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

static bool string_ref_ok(const struct checker *c, uint32_t s)
{
    return s < c->r->strings.n || (s == YRULES_NONE && c->in_for_of > 0);
}

/* The node count each operator reads (-1: decided elsewhere). */
static int kids_wanted(uint8_t op)
{
    switch (op) {
    case YN_INT: case YN_FLOAT: case YN_STRING: case YN_REGEX: case YN_FILESIZE: case YN_ENTRYPOINT:
    case YN_EXTERNAL: case YN_RULE: case YN_VAR: case YN_MODULE: case YN_STR_FOUND: case YN_STR_COUNT:
    case YN_FOR_OF:
        return 0;
    case YN_MEMBER: case YN_READ: case YN_STR_AT: case YN_STR_OFFSET: case YN_STR_LENGTH: case YN_NEG:
    case YN_BITNOT: case YN_NOT: case YN_DEFINED:
        return 1;
    case YN_CALL: case YN_OF: case YN_FOR_IN:
        return -1;
    default:
        return 2;
    }
}

static bool arg_ok(const struct checker *c, const struct ynode *arg, const struct ty *t, char want)
{
    (void)c;
    switch (want) {
    case 'i': return t->t == YV_INT;
    case 'f': return t->t == YV_INT || t->t == YV_FLOAT;
    case 's': return t->t == YV_STRING;
    case 'r': return arg->op == YN_REGEX && arg->re != NULL;
    default: return false;
    }
}

static int walk_call(struct checker *c, const struct ynode *nd, unsigned depth, struct ty *out)
{
    struct ty t[17];
    if (nd->kid_count < 1 || nd->kid_count > 17 || !nd->fn)
        return bad("function call");
    int rc = walk_kids(c, nd, depth, t, 17);
    if (rc != ASSAY_OK)
        return rc;
    const struct ynode *f = &c->r->nodes.v[kid(c, nd, 0)];
    const char *sig = nd->fn->args;
    if (f->op != YN_MEMBER || !is_object(&t[0], YOBJ_FUNC) || t[0].decl != nd->decl || t[0].mod != nd->mod ||
        strlen(sig) != nd->kid_count - 1)
        return bad("function call");
    for (uint32_t k = 1; k < nd->kid_count; k++)
        if (!arg_ok(c, &c->r->nodes.v[kid(c, nd, k)], &t[k], sig[k - 1]))
            return bad("function argument");
    *out = scalar(nd->fn->result == YOBJ_FLOAT ? YV_FLOAT : nd->fn->result == YOBJ_STRING ? YV_STRING : YV_INT);
    return ASSAY_OK;
}

/* of / for..of: the set, the quantity, the anchor. */
static int walk_set(struct checker *c, const struct ynode *nd, unsigned depth)
{
    const struct yrules *r = c->r;
    struct ty t;
    int rc = ASSAY_OK;
    if (nd->quant < YQ_ALL || nd->quant > YQ_PERCENT || nd->set_kind < YSET_STRINGS || nd->set_kind > YSET_EXPRS)
        return bad("quantifier");
    if (quantified(nd) && (rc = walk(c, (uint32_t)nd->i, depth + 1, &t)) != ASSAY_OK)
        return rc;
    for (uint32_t k = 0; k < nd->set_count && rc == ASSAY_OK; k++) {
        uint32_t item = r->kids.v[nd->set_first + k];
        if (nd->set_kind == YSET_STRINGS && item >= r->strings.n)
            rc = bad("string set");
        else if (nd->set_kind == YSET_RULES && item >= r->rules.n)
            rc = bad("rule set");
        else if (nd->set_kind == YSET_EXPRS)
            rc = walk(c, item, depth + 1, &t);
    }
    return rc;
}

static int bind(struct checker *c, uint32_t slot, struct ty t)
{
    if (slot >= c->r->max_vars || c->vars[slot].active)
        return bad("loop variable");
    c->vars[slot] = (struct binding){true, t};
    return ASSAY_OK;
}

static int walk_for_in(struct checker *c, const struct ynode *nd, unsigned depth)
{
    struct ty t[2] = {{0}, {0}}, item = scalar(YV_UNDEF), var2 = scalar(YV_UNDEF);
    int rc = ASSAY_OK;
    if (nd->quant < YQ_ALL || nd->quant > YQ_PERCENT)
        return bad("quantifier");
    if (quantified(nd) && (rc = walk(c, (uint32_t)nd->i, depth + 1, &t[0])) != ASSAY_OK)
        return rc;
    uint8_t nvars = 1;
    switch (nd->iter_kind) {
    case YIT_RANGE:
        if (nd->kid_count != 2)
            return bad("loop range");
        rc = walk_kids(c, nd, depth, t, 2);
        item = scalar(YV_INT);
        break;
    case YIT_LIST:
        for (uint32_t k = 0; k < nd->kid_count && rc == ASSAY_OK; k++) {
            rc = walk(c, kid(c, nd, k), depth + 1, &t[0]);
            if (rc == ASSAY_OK && ((t[0].t != YV_INT && t[0].t != YV_STRING) || (k > 0 && t[0].t != item.t)))
                rc = bad("loop list");
            item = t[0];
        }
        break;
    case YIT_ARRAY:
    case YIT_DICT:
        if (nd->kid_count != 1)
            return bad("loop iterable");
        rc = walk_kids(c, nd, depth, t, 1);
        if (rc == ASSAY_OK && !is_object(&t[0], nd->iter_kind == YIT_ARRAY ? YOBJ_ARRAY : YOBJ_DICT))
            return bad("loop iterable");
        if (rc == ASSAY_OK && nd->iter_kind == YIT_ARRAY) {
            item = of_decl(t[0].decl->element, t[0].mod);
        } else if (rc == ASSAY_OK) {
            item = scalar(YV_STRING);
            var2 = of_decl(t[0].decl->element, t[0].mod);
            nvars = 2;
        }
        break;
    default:
        return bad("loop kind");
    }
    if (rc == ASSAY_OK && nd->nvars != nvars)
        rc = bad("loop variables");
    if (rc == ASSAY_OK)
        rc = bind(c, nd->a, item);
    if (rc == ASSAY_OK && nvars == 2 && (rc = bind(c, nd->a + 1, var2)) != ASSAY_OK)
        c->vars[nd->a].active = false;
    if (rc != ASSAY_OK)
        return rc;
    rc = walk(c, nd->body, depth + 1, &t[0]);
    c->vars[nd->a].active = false;
    if (nvars == 2)
        c->vars[nd->a + 1].active = false;
    return rc;
}

/* Module values: the schema entry each node reaches must be the one the
 * evaluator will find in the value tree. */
static int walk_object(struct checker *c, const struct ynode *nd, unsigned depth, struct ty *out)
{
    struct ty t[2];
    int rc = nd->op == YN_MODULE ? ASSAY_OK : walk_kids(c, nd, depth, t, 2);
    if (rc != ASSAY_OK)
        return rc;
    switch (nd->op) {
    case YN_MODULE:
        if (nd->a >= c->r->module_count || nd->mod != nd->a || nd->decl != c->r->modules[nd->a]->decl)
            return bad("module");
        *out = of_decl(nd->decl, (uint8_t)nd->a);
        return ASSAY_OK;
    case YN_MEMBER:
        if (!is_object(&t[0], YOBJ_STRUCT) || nd->a >= member_count(t[0].decl) ||
            nd->decl != &t[0].decl->members[nd->a])
            return bad("module member");
        *out = of_decl(nd->decl, t[0].mod);
        return ASSAY_OK;
    default: /* INDEX, LOOKUP */
        if (!is_object(&t[0], nd->op == YN_INDEX ? YOBJ_ARRAY : YOBJ_DICT) || nd->decl != t[0].decl->element)
            return bad("module index");
        *out = of_decl(nd->decl, t[0].mod);
        return ASSAY_OK;
    }
}

static int walk_leaf(struct checker *c, const struct ynode *nd, struct ty *out)
{
    const struct yrules *r = c->r;
    switch (nd->op) {
    case YN_INT: case YN_FILESIZE: case YN_ENTRYPOINT: *out = scalar(YV_INT); return ASSAY_OK;
    case YN_FLOAT: *out = scalar(YV_FLOAT); return ASSAY_OK;
    case YN_STRING: *out = scalar(YV_STRING); return ASSAY_OK;
    case YN_REGEX:
        *out = scalar(YV_REGEX);
        return nd->re ? ASSAY_OK : bad("regular expression constant");
    case YN_EXTERNAL:
        if (nd->a >= r->externals.n)
            return bad("external variable reference");
        *out = scalar(r->externals.v[nd->a].value.type);
        return ASSAY_OK;
    case YN_RULE:
        *out = scalar(YV_INT);
        return nd->a < r->rules.n ? ASSAY_OK : bad("rule reference");
    default: /* VAR */
        if (nd->a >= r->max_vars || !c->vars[nd->a].active ||
            (c->vars[nd->a].ty.t == YV_OBJECT && nd->decl != c->vars[nd->a].ty.decl))
            return bad("loop variable reference");
        *out = c->vars[nd->a].ty;
        return ASSAY_OK;
    }
}

static int walk_strings(struct checker *c, const struct ynode *nd, unsigned depth, struct ty *out)
{
    struct ty t[2];
    if (!string_ref_ok(c, nd->a))
        return bad("string reference");
    *out = scalar(YV_INT);
    return walk_kids(c, nd, depth, t, 2);
}

static int walk(struct checker *c, uint32_t n, unsigned depth, struct ty *out)
{
    if (depth > YRULES_FILE_MAX_DEPTH)
        return bad("condition nested too deep");
    const struct ynode *nd = &c->r->nodes.v[n];
    int want = kids_wanted(nd->op);
    if (want >= 0 && nd->kid_count != (uint32_t)want)
        return bad("condition node operands");
    struct ty t[2];
    int rc;
    switch (nd->op) {
    case YN_INT: case YN_FLOAT: case YN_STRING: case YN_REGEX: case YN_FILESIZE: case YN_ENTRYPOINT:
    case YN_EXTERNAL: case YN_RULE: case YN_VAR:
        return walk_leaf(c, nd, out);
    case YN_MODULE: case YN_MEMBER: case YN_INDEX: case YN_LOOKUP:
        return walk_object(c, nd, depth, out);
    case YN_CALL:
        return walk_call(c, nd, depth, out);
    case YN_READ:
        *out = scalar(YV_INT);
        return nd->a < RF_READERS ? walk_kids(c, nd, depth, t, 2) : bad("integer reader");
    case YN_STR_FOUND: case YN_STR_AT: case YN_STR_IN: case YN_STR_COUNT: case YN_STR_COUNT_IN:
    case YN_STR_OFFSET: case YN_STR_LENGTH:
        return walk_strings(c, nd, depth, out);
    case YN_NEG:
        if ((rc = walk_kids(c, nd, depth, t, 2)) == ASSAY_OK)
            *out = scalar(t[0].t == YV_INT || t[0].t == YV_FLOAT ? t[0].t : YV_UNDEF);
        return rc;
    case YN_ADD: case YN_SUB: case YN_MUL: case YN_DIV: case YN_MOD:
    case YN_SHL: case YN_SHR: case YN_BAND: case YN_BOR: case YN_BXOR:
        if ((rc = walk_kids(c, nd, depth, t, 2)) == ASSAY_OK)
            *out = scalar(t[0].t == YV_FLOAT || t[1].t == YV_FLOAT ? YV_FLOAT : YV_INT);
        return rc;
    case YN_MATCHES:
        rc = walk_kids(c, nd, depth, t, 2);
        *out = scalar(YV_INT);
        return rc == ASSAY_OK && c->r->nodes.v[kid(c, nd, 1)].op != YN_REGEX ? bad("matches") : rc;
    case YN_OF:
        *out = scalar(YV_INT);
        if (nd->anchor > 2 || nd->kid_count != nd->anchor)
            return bad("of");
        rc = walk_set(c, nd, depth);
        return rc == ASSAY_OK ? walk_kids(c, nd, depth, t, 2) : rc;
    case YN_FOR_OF:
        *out = scalar(YV_INT);
        if (nd->set_kind != YSET_STRINGS)
            return bad("for..of");
        rc = walk_set(c, nd, depth);
        c->in_for_of++;
        if (rc == ASSAY_OK)
            rc = nd->body < c->r->nodes.n ? walk(c, nd->body, depth + 1, &t[0]) : bad("for..of");
        c->in_for_of--;
        return rc;
    case YN_FOR_IN:
        *out = scalar(YV_INT);
        return walk_for_in(c, nd, depth);
    default: /* unary and binary operators whose result is an integer */
        *out = scalar(YV_INT);
        return walk_kids(c, nd, depth, t, 2);
    }
}

int check_conditions(const struct yrules *r)
{
    struct checker c = {.r = r};
    c.refs = calloc(r->nodes.n ? r->nodes.n : 1, 1);
    c.vars = calloc(r->max_vars ? r->max_vars : 1, sizeof *c.vars);
    int rc = c.refs && c.vars ? count_refs(&c) : oom();
    for (size_t i = 0; i < r->rules.n && rc == ASSAY_OK; i++) {
        struct ty t;
        rc = walk(&c, r->rules.v[i].cond, 0, &t);
        if (rc == ASSAY_OK && (t.t == YV_REGEX || t.t == YV_OBJECT))
            rc = bad("a condition is not a boolean");
    }
    free(c.refs);
    free(c.vars);
    return rc;
}
