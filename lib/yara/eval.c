/* eval.c — evaluating compiled condition nodes over one object (YARA 4.5
 * semantics).
 *
 * Values carry YARA's "undefined": a module field that was not set, a read
 * past the end of the data, a division by zero, @a[i] beyond the last match.
 * Undefined propagates through arithmetic and comparisons; `and`, `or`, `not`
 * and loops read it as false; `defined` tests it. */
#include <math.h>
#include <string.h>

#include "assay.h"
#include "yara/regex.h"
#include "yara/yscan.h"

static const struct yval undef = {.type = YV_UNDEF};
static struct yval read_int(const struct yscan *y, uint32_t which, struct yval off);

static struct yval int_val(int64_t i)
{
    return (struct yval){.type = YV_INT, .i = i};
}

static struct yval float_val(double f)
{
    return (struct yval){.type = YV_FLOAT, .f = f};
}

bool yval_true(struct yval v)
{
    switch (v.type) {
    case YV_INT: return v.i != 0;
    case YV_FLOAT: return v.f != 0.0;
    case YV_STRING: return v.n > 0;
    default: return false;
    }
}

static double as_float(struct yval v)
{
    return v.type == YV_FLOAT ? v.f : (double)v.i;
}

static const struct ynode *N(const struct yscan *y, uint32_t n)
{
    return &y->r->nodes.v[n];
}

static uint32_t K(const struct yscan *y, const struct ynode *nd, uint32_t k)
{
    return y->r->kids.v[nd->kid_first + k];
}

static uint32_t S(const struct yscan *y, const struct ynode *nd, uint32_t k)
{
    return y->r->kids.v[nd->set_first + k];
}

/* ---- module values ------------------------------------------------------------ */

static struct yval obj_val(struct yobj *o)
{
    if (!o)
        return undef;
    switch (o->decl->type) {
    case YOBJ_INT: return o->defined ? int_val(o->i) : undef;
    case YOBJ_FLOAT: return o->defined ? float_val(o->f) : undef;
    case YOBJ_STRING: return o->defined ? (struct yval){.type = YV_STRING, .s = o->s, .n = o->n} : undef;
    default: return (struct yval){.type = YV_OBJECT, .o = o};
    }
}

static struct yobj *module_root(struct yscan *y, uint32_t slot)
{
    if (y->modules_loaded & (1u << slot))
        return y->module_root[slot];
    y->modules_loaded |= 1u << slot;
    const struct yara_module *m = y->r->modules[slot];
    struct yobj *root = yobj_new(&y->arena, m->decl);
    if (!root) {
        y->error = ASSAY_ENOMEM;
        return NULL;
    }
    if (m->load && m->load(&y->arena, root, y->data, y->len, &y->module_state[slot]) == ASSAY_ENOMEM)
        y->error = ASSAY_ENOMEM;
    y->module_root[slot] = root;
    return root;
}

static struct yval call(struct yscan *y, const struct ynode *nd)
{
    struct yval fv = yeval(y, K(y, nd, 0));
    if (fv.type != YV_OBJECT)
        return undef;
    struct yobj_arg args[16];
    const struct ynode *fnode = N(y, K(y, nd, 0));
    struct yobj *self = NULL;
    if (fnode->op == YN_MEMBER) {
        struct yval parent = yeval(y, K(y, fnode, 0));
        self = parent.type == YV_OBJECT ? parent.o : NULL;
    }
    for (uint32_t i = 1; i < nd->kid_count; i++) {
        struct yval a = yeval(y, K(y, nd, i));
        if (a.type == YV_UNDEF)
            return undef;
        args[i - 1] = (struct yobj_arg){.i = a.i, .f = a.type == YV_INT ? (double)a.i : a.f, .s = a.s, .n = a.n,
                                        .regex = N(y, K(y, nd, i))->re};
    }
    struct yobj_call c = {.module_state = y->module_state[nd->mod], .self = self, .data = y->data, .len = y->len,
                          .arena = &y->arena, .log = y->log, .log_user = y->log_user};
    struct yobj_result out = {.type = nd->fn->result};
    nd->fn->fn(&c, args, &out);
    if (!out.defined)
        return undef;
    switch (out.type) {
    case YOBJ_FLOAT: return float_val(out.f);
    case YOBJ_STRING: return (struct yval){.type = YV_STRING, .s = out.s, .n = out.n};
    default: return int_val(out.i);
    }
}

/* ---- readers ----------------------------------------------------------------------- */

struct yval yeval_read(const struct yscan *y, uint32_t reader, int64_t offset)
{
    return read_int(y, reader, int_val(offset));
}

static struct yval read_int(const struct yscan *y, uint32_t which, struct yval off)
{
    static const uint8_t width[] = {1, 2, 4, 1, 2, 4, 1, 2, 4, 1, 2, 4};
    if (off.type != YV_INT || off.i < 0)
        return undef;
    size_t w = width[which];
    if ((uint64_t)off.i > y->len || y->len - (uint64_t)off.i < w)
        return undef;
    const uint8_t *p = y->data + off.i;
    bool be = which >= YR_INT8BE;
    uint32_t v = 0;
    for (size_t i = 0; i < w; i++)
        v |= (uint32_t)p[be ? i : w - 1 - i] << (8 * (w - 1 - i));
    bool is_signed = (which % 6) < 3;
    if (!is_signed)
        return int_val(v);
    if (w == 1)
        return int_val((int8_t)v);
    if (w == 2)
        return int_val((int16_t)v);
    return int_val((int32_t)v);
}

/* ---- strings ------------------------------------------------------------------------ */

static const struct ymatch_list *matches(struct yscan *y, uint32_t s)
{
    return yscan_matches(y, s == YRULES_NONE ? y->cur_string : s);
}

static bool found_at(const struct ymatch_list *l, uint64_t at)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].offset < at)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && l->v[lo].offset == at;
}

static int64_t count_in(const struct ymatch_list *l, int64_t lo, int64_t hi)
{
    int64_t c = 0;
    for (size_t i = 0; l && i < l->n; i++)
        if ((int64_t)l->v[i].offset >= lo && (int64_t)l->v[i].offset <= hi)
            c++;
    return c;
}

/* Does string s satisfy `of`'s anchor (none, at x, in lo..hi)? */
static bool string_holds(struct yscan *y, const struct ynode *nd, uint32_t s, struct yval a, struct yval b)
{
    const struct ymatch_list *l = matches(y, s);
    if (!l)
        return false;
    if (nd->anchor == 1)
        return a.type == YV_INT && a.i >= 0 && found_at(l, (uint64_t)a.i);
    if (nd->anchor == 2)
        return a.type == YV_INT && b.type == YV_INT && count_in(l, a.i, b.i) > 0;
    return true;
}

/* ---- quantifiers ------------------------------------------------------------------ */

struct quant {
    uint8_t kind;
    int64_t need;  /* COUNT/PERCENT: the number required */
    bool undefined;
};

static struct quant quant_of(struct yscan *y, const struct ynode *nd, int64_t total)
{
    struct quant q = {.kind = nd->quant};
    if (nd->quant == YQ_COUNT || nd->quant == YQ_PERCENT) {
        struct yval v = yeval(y, (uint32_t)nd->i);
        if (v.type != YV_INT) {
            q.undefined = true;
            return q;
        }
        q.need = nd->quant == YQ_COUNT ? v.i : (v.i * total + 99) / 100;
        if (nd->quant == YQ_COUNT && v.i == 0)
            q.kind = YQ_NONE; /* "0 of" means none of them (YARA 4.3+) */
    }
    return q;
}

/* Can the loop stop early? Returns 1 true, 0 false, -1 go on. */
static int quant_early(const struct quant *q, int64_t yes, int64_t no, int64_t total)
{
    switch (q->kind) {
    case YQ_ALL: return no > 0 ? 0 : -1;
    case YQ_ANY: return yes > 0 ? 1 : -1;
    case YQ_NONE: return yes > 0 ? 0 : -1;
    default:
        if (yes >= q->need)
            return 1;
        if (total - no < q->need)
            return 0;
        return -1;
    }
}

static bool quant_final(const struct quant *q, int64_t yes, int64_t total)
{
    switch (q->kind) {
    case YQ_ALL: return yes == total;
    case YQ_ANY: return yes > 0;
    case YQ_NONE: return yes == 0;
    default: return yes >= q->need;
    }
}

static struct yval of(struct yscan *y, const struct ynode *nd)
{
    int64_t total = nd->set_count;
    struct quant q = quant_of(y, nd, total);
    if (q.undefined)
        return int_val(0);
    struct yval a = undef, b = undef;
    if (nd->anchor >= 1)
        a = yeval(y, K(y, nd, 0));
    if (nd->anchor == 2)
        b = yeval(y, K(y, nd, 1));
    int64_t yes = 0, no = 0;
    for (uint32_t i = 0; i < nd->set_count; i++) {
        uint32_t item = S(y, nd, i);
        bool v;
        switch (nd->set_kind) {
        case YSET_STRINGS: v = string_holds(y, nd, item, a, b); break;
        case YSET_RULES: v = y->rule_state[item] == YRS_TRUE; break;
        default: v = yval_true(yeval(y, item)); break;
        }
        v ? yes++ : no++;
        int early = quant_early(&q, yes, no, total);
        if (early >= 0)
            return int_val(early);
    }
    return int_val(quant_final(&q, yes, total));
}

static struct yval for_of(struct yscan *y, const struct ynode *nd)
{
    int64_t total = nd->set_count;
    struct quant q = quant_of(y, nd, total);
    if (q.undefined)
        return int_val(0);
    uint32_t saved = y->cur_string;
    int64_t yes = 0, no = 0;
    int early = -1;
    for (uint32_t i = 0; i < nd->set_count && early < 0; i++) {
        y->cur_string = S(y, nd, i);
        yval_true(yeval(y, nd->body)) ? yes++ : no++;
        early = quant_early(&q, yes, no, total);
    }
    y->cur_string = saved;
    return int_val(early >= 0 ? early : quant_final(&q, yes, total));
}

static struct yval for_in(struct yscan *y, const struct ynode *nd)
{
    int64_t lo = 0, hi = -1, total = 0;
    struct yobj *container = NULL;
    switch (nd->iter_kind) {
    case YIT_RANGE: {
        struct yval a = yeval(y, K(y, nd, 0)), b = yeval(y, K(y, nd, 1));
        if (a.type != YV_INT || b.type != YV_INT)
            return int_val(0);
        lo = a.i;
        hi = b.i;
        if (hi < lo)
            return int_val(0); /* an empty range: the loop is false, whatever its quantifier (YARA) */
        total = hi - lo + 1;
        break;
    }
    case YIT_LIST:
        total = nd->kid_count;
        break;
    default: {
        struct yval c = yeval(y, K(y, nd, 0));
        if (c.type != YV_OBJECT)
            return int_val(0);
        container = c.o;
        total = (int64_t)container->n;
        break;
    }
    }
    struct quant q = quant_of(y, nd, total);
    if (q.undefined)
        return int_val(0);
    int64_t yes = 0, no = 0;
    int early = -1;
    for (int64_t i = 0; i < total && early < 0; i++) {
        struct yval *var = &y->vars[nd->a];
        switch (nd->iter_kind) {
        case YIT_RANGE: *var = int_val(lo + i); break;
        case YIT_LIST: *var = yeval(y, K(y, nd, (uint32_t)i)); break;
        case YIT_ARRAY: *var = obj_val(&container->items[i]); break;
        default:
            *var = (struct yval){.type = YV_STRING, .s = (const uint8_t *)container->keys[i],
                                 .n = strlen(container->keys[i])};
            y->vars[nd->a + 1] = obj_val(&container->items[i]);
            break;
        }
        yval_true(yeval(y, nd->body)) ? yes++ : no++;
        early = quant_early(&q, yes, no, total);
        if (y->error)
            return undef;
    }
    return int_val(early >= 0 ? early : quant_final(&q, yes, total));
}

/* ---- operators ------------------------------------------------------------------------ */

static bool bytes_eq_nocase(const uint8_t *a, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t x = a[i], z = b[i];
        if (x >= 'A' && x <= 'Z')
            x = (uint8_t)(x + 32);
        if (z >= 'A' && z <= 'Z')
            z = (uint8_t)(z + 32);
        if (x != z)
            return false;
    }
    return true;
}

static bool find_sub(struct yval h, struct yval n, bool nocase)
{
    if (n.n == 0)
        return true;
    for (size_t i = 0; i + n.n <= h.n; i++)
        if (nocase ? bytes_eq_nocase(h.s + i, n.s, n.n) : memcmp(h.s + i, n.s, n.n) == 0)
            return true;
    return false;
}

static struct yval string_op(struct yscan *y, const struct ynode *nd, struct yval a, struct yval b)
{
    if (a.type != YV_STRING)
        return undef;
    if (nd->op == YN_MATCHES) {
        const struct yara_regex *re = N(y, K(y, nd, 1))->re;
        return int_val(re && yara_regex_search(re, a.s, a.n, 0, NULL, NULL));
    }
    if (b.type != YV_STRING)
        return undef;
    switch (nd->op) {
    case YN_CONTAINS: return int_val(find_sub(a, b, false));
    case YN_ICONTAINS: return int_val(find_sub(a, b, true));
    case YN_STARTSWITH: return int_val(a.n >= b.n && memcmp(a.s, b.s, b.n) == 0);
    case YN_ISTARTSWITH: return int_val(a.n >= b.n && bytes_eq_nocase(a.s, b.s, b.n));
    case YN_ENDSWITH: return int_val(a.n >= b.n && memcmp(a.s + a.n - b.n, b.s, b.n) == 0);
    case YN_IENDSWITH: return int_val(a.n >= b.n && bytes_eq_nocase(a.s + a.n - b.n, b.s, b.n));
    default: return int_val(a.n == b.n && bytes_eq_nocase(a.s, b.s, a.n)); /* IEQUALS */
    }
}

static int compare_strings(struct yval a, struct yval b)
{
    size_t n = a.n < b.n ? a.n : b.n;
    int c = n ? memcmp(a.s, b.s, n) : 0;
    if (c)
        return c;
    return a.n < b.n ? -1 : a.n > b.n ? 1 : 0;
}

static struct yval compare(uint8_t op, struct yval a, struct yval b)
{
    if (a.type == YV_UNDEF || b.type == YV_UNDEF)
        return undef;
    int c;
    if (a.type == YV_STRING || b.type == YV_STRING) {
        if (a.type != b.type)
            return undef;
        c = compare_strings(a, b);
    } else if (a.type == YV_FLOAT || b.type == YV_FLOAT) {
        double x = as_float(a), z = as_float(b);
        c = x < z ? -1 : x > z ? 1 : x == z ? 0 : 2;
        if (c == 2)
            return int_val(op == YN_NE);
    } else {
        c = a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    }
    switch (op) {
    case YN_LT: return int_val(c < 0);
    case YN_LE: return int_val(c <= 0);
    case YN_GT: return int_val(c > 0);
    case YN_GE: return int_val(c >= 0);
    case YN_EQ: return int_val(c == 0);
    default: return int_val(c != 0);
    }
}

static struct yval arith(uint8_t op, struct yval a, struct yval b)
{
    if (a.type == YV_UNDEF || b.type == YV_UNDEF)
        return undef;
    if (a.type == YV_FLOAT || b.type == YV_FLOAT) {
        double x = as_float(a), z = as_float(b);
        switch (op) {
        case YN_ADD: return float_val(x + z);
        case YN_SUB: return float_val(x - z);
        case YN_MUL: return float_val(x * z);
        default: return z == 0.0 ? undef : float_val(x / z);
        }
    }
    uint64_t x = (uint64_t)a.i, z = (uint64_t)b.i;
    switch (op) {
    case YN_ADD: return int_val((int64_t)(x + z));
    case YN_SUB: return int_val((int64_t)(x - z));
    case YN_MUL: return int_val((int64_t)(x * z));
    case YN_DIV:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1))
            return undef;
        return int_val(a.i / b.i);
    case YN_MOD:
        if (b.i == 0 || (a.i == INT64_MIN && b.i == -1))
            return undef;
        return int_val(a.i % b.i);
    case YN_SHL: return b.i < 0 ? undef : b.i >= 64 ? int_val(0) : int_val((int64_t)(x << b.i));
    case YN_SHR: return b.i < 0 ? undef : b.i >= 64 ? int_val(0) : int_val(a.i >> b.i);
    case YN_BAND: return int_val(a.i & b.i);
    case YN_BOR: return int_val(a.i | b.i);
    default: return int_val(a.i ^ b.i); /* BXOR */
    }
}

/* ---- the evaluator ------------------------------------------------------------------- */

struct yval yeval(struct yscan *y, uint32_t n)
{
    const struct ynode *nd = N(y, n);
    struct yval a, b;
    const struct ymatch_list *l;
    if (y->error)
        return undef;
    switch (nd->op) {
    case YN_INT: return int_val(nd->i);
    case YN_FLOAT: return float_val(nd->f);
    case YN_STRING: return (struct yval){.type = YV_STRING, .s = nd->s, .n = nd->n};
    case YN_REGEX: return (struct yval){.type = YV_REGEX};
    case YN_FILESIZE: return int_val((int64_t)y->len);
    case YN_ENTRYPOINT: return y->has_ep ? int_val((int64_t)y->entrypoint) : undef;
    case YN_EXTERNAL: return y->r->externals.v[nd->a].value;
    case YN_RULE: return int_val(y->rule_state[nd->a] == YRS_TRUE);
    case YN_VAR: return y->vars[nd->a];
    case YN_MODULE: {
        struct yobj *root = module_root(y, nd->a);
        return root ? (struct yval){.type = YV_OBJECT, .o = root} : undef;
    }
    case YN_MEMBER:
        a = yeval(y, K(y, nd, 0));
        if (a.type != YV_OBJECT || !a.o->members)
            return undef;
        return obj_val(&a.o->members[nd->a]);
    case YN_INDEX:
        a = yeval(y, K(y, nd, 0));
        b = yeval(y, K(y, nd, 1));
        if (a.type != YV_OBJECT || b.type != YV_INT)
            return undef;
        return obj_val(yobj_index(a.o, b.i));
    case YN_LOOKUP:
        a = yeval(y, K(y, nd, 0));
        b = yeval(y, K(y, nd, 1));
        if (a.type != YV_OBJECT || b.type != YV_STRING)
            return undef;
        return obj_val(yobj_lookup(a.o, b.s, b.n));
    case YN_CALL: return call(y, nd);
    case YN_READ: return read_int(y, nd->a, yeval(y, K(y, nd, 0)));
    case YN_STR_FOUND: return int_val(matches(y, nd->a) != NULL);
    case YN_STR_AT:
        a = yeval(y, K(y, nd, 0));
        l = matches(y, nd->a);
        if (a.type != YV_INT)
            return undef;
        return int_val(l && a.i >= 0 && found_at(l, (uint64_t)a.i));
    case YN_STR_IN:
        a = yeval(y, K(y, nd, 0));
        b = yeval(y, K(y, nd, 1));
        if (a.type != YV_INT || b.type != YV_INT)
            return undef;
        return int_val(count_in(matches(y, nd->a), a.i, b.i) > 0);
    case YN_STR_COUNT:
        l = matches(y, nd->a);
        return int_val(l ? (int64_t)l->n : 0);
    case YN_STR_COUNT_IN:
        a = yeval(y, K(y, nd, 0));
        b = yeval(y, K(y, nd, 1));
        if (a.type != YV_INT || b.type != YV_INT)
            return undef;
        return int_val(count_in(matches(y, nd->a), a.i, b.i));
    case YN_STR_OFFSET:
    case YN_STR_LENGTH:
        a = yeval(y, K(y, nd, 0));
        l = matches(y, nd->a);
        if (a.type != YV_INT || !l || a.i < 1 || (uint64_t)a.i > l->n)
            return undef;
        return int_val(nd->op == YN_STR_OFFSET ? (int64_t)l->v[a.i - 1].offset : (int64_t)l->v[a.i - 1].length);
    case YN_NEG:
        a = yeval(y, K(y, nd, 0));
        if (a.type == YV_FLOAT)
            return float_val(-a.f);
        return a.type == YV_INT ? int_val((int64_t)(0 - (uint64_t)a.i)) : undef;
    case YN_BITNOT:
        a = yeval(y, K(y, nd, 0));
        return a.type == YV_INT ? int_val(~a.i) : undef;
    case YN_NOT:
        a = yeval(y, K(y, nd, 0));
        return a.type == YV_UNDEF ? undef : int_val(!yval_true(a));
    case YN_DEFINED:
        a = yeval(y, K(y, nd, 0));
        return int_val(a.type != YV_UNDEF);
    case YN_AND:
        return int_val(yval_true(yeval(y, K(y, nd, 0))) && yval_true(yeval(y, K(y, nd, 1))));
    case YN_OR:
        return int_val(yval_true(yeval(y, K(y, nd, 0))) || yval_true(yeval(y, K(y, nd, 1))));
    case YN_ADD: case YN_SUB: case YN_MUL: case YN_DIV: case YN_MOD:
    case YN_SHL: case YN_SHR: case YN_BAND: case YN_BOR: case YN_BXOR:
        return arith(nd->op, yeval(y, K(y, nd, 0)), yeval(y, K(y, nd, 1)));
    case YN_LT: case YN_LE: case YN_GT: case YN_GE: case YN_EQ: case YN_NE:
        return compare(nd->op, yeval(y, K(y, nd, 0)), yeval(y, K(y, nd, 1)));
    case YN_CONTAINS: case YN_ICONTAINS: case YN_STARTSWITH: case YN_ISTARTSWITH:
    case YN_ENDSWITH: case YN_IENDSWITH: case YN_IEQUALS:
        return string_op(y, nd, yeval(y, K(y, nd, 0)), yeval(y, K(y, nd, 1)));
    case YN_MATCHES:
        return string_op(y, nd, yeval(y, K(y, nd, 0)), undef);
    case YN_OF: return of(y, nd);
    case YN_FOR_OF: return for_of(y, nd);
    case YN_FOR_IN: return for_in(y, nd);
    }
    return undef;
}
