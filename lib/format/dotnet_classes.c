/* dotnet_classes.c — the classes of the CLI metadata (dotnet_internal.h):
 * each TypeDef with its visibility, flags, generic parameters, base types
 * and interfaces, and its methods with their parameters and return types,
 * within the parser's budgets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dotnet_internal.h"

static bool take_member(struct ctx *c)
{
    if (c->members >= FMT_DOTNET_MAX_MEMBERS) {
        c->out->truncated = true;
        return false;
    }
    c->members++;
    return true;
}

/* Generic parameter names of a TypeDef (method false) or MethodDef owner, in
 * table order. As YARA, one unreadable or empty name voids the whole list. */
static struct names generic_params(struct ctx *c, bool method, uint32_t owner)
{
    struct names gp = {NULL, 0};
    uint64_t key = (uint64_t)owner << 1 | (method ? 1 : 0);
    size_t at = dn_index_find(&c->generic_params, key), count = 0;
    for (size_t i = at; i < c->generic_params.n && c->generic_params.v[i].key == key; i++)
        count++;
    if (count == 0)
        return gp;
    char **v = dn_arena_alloc(c, count * sizeof *v);
    if (!v)
        return gp;
    uint32_t cols[MAX_COLS];
    for (size_t i = 0; i < count; i++) {
        const char *name = NULL;
        if (dn_read_row(c, T_GENERICPARAM, c->generic_params.v[at + i].row, cols))
            name = dn_heap_string(c, cols[GP_NAME]);
        if (!name || !*name || !take_member(c))
            return gp;
        v[i] = dn_arena_strdup(c, name);
    }
    gp.v = v;
    gp.n = count;
    return gp;
}

static const char *type_visibility(uint32_t flags)
{
    switch (flags & TYPE_VISIBILITY_MASK) {
    case 1: /* Public */
    case 2: return "public"; /* NestedPublic */
    case 3: return "private";
    case 4: return "protected";
    case 5: return "internal";
    case 6: return "private protected";
    case 7: return "protected internal";
    default: return "internal"; /* NotPublic */
    }
}

static const char *method_visibility(uint32_t flags)
{
    switch (flags & METHOD_ACCESS_MASK) {
    case 2: return "private protected"; /* FamANDAssem */
    case 3: return "internal";          /* Assem */
    case 4: return "protected";         /* Family */
    case 5: return "protected internal";/* FamORAssem */
    case 6: return "public";
    default: return "private";          /* Private, CompilerControlled */
    }
}

/* The parameters of a method from the rest of its signature. Names come from
 * the Param rows that follow the method's ParamList, one per parameter as
 * YARA takes them, or are "P_<i>" past the table. */
static void parse_parameters(struct ctx *c, struct fmt_dotnet_method *m, uint32_t param_list, uint32_t count,
                             struct sig *s, const struct names *cgp, const struct names *mgp)
{
    size_t left = (size_t)(s->end - s->p);
    if (count > left || count > FMT_DOTNET_MAX_PARAMS) {
        c->out->truncated |= count > FMT_DOTNET_MAX_PARAMS;
        count = (uint32_t)(left < FMT_DOTNET_MAX_PARAMS ? left : FMT_DOTNET_MAX_PARAMS);
    }
    if (count == 0)
        return;
    m->parameters = dn_arena_alloc(c, count * sizeof *m->parameters);
    if (!m->parameters)
        return;
    uint32_t cols[MAX_COLS];
    for (uint32_t i = 0; i < count && take_member(c); i++) {
        struct fmt_dotnet_param *p = &m->parameters[m->nparameters++];
        uint64_t row = (uint64_t)param_list + i;
        if (row <= c->t[T_PARAM].rows && c->t[T_PARAM].present) {
            if (dn_read_row(c, T_PARAM, (uint32_t)row, cols))
                p->name = dn_arena_strdup(c, dn_heap_string(c, cols[PARAM_NAME]));
        } else {
            char synthetic[24];
            snprintf(synthetic, sizeof synthetic, "P_%u", i);
            p->name = dn_arena_strdup(c, synthetic);
        }
        p->type = dn_signature_type(c, s, cgp, mgp);
    }
}

/* MethodDefSig: flags [generic count] param count, return type, params. */
static void parse_method_signature(struct ctx *c, struct fmt_dotnet_method *m, uint32_t blob_index,
                                   uint32_t param_list, const struct names *cgp, const struct names *mgp)
{
    struct sig s;
    uint32_t n, count, generic_count;
    if (!dn_heap_blob(c, blob_index, &s.p, &n))
        return;
    s.end = s.p + n;
    if (s.p >= s.end)
        return;
    uint8_t flags = *s.p++;
    if ((flags & SIG_GENERIC) && !dn_read_unsigned(&s.p, s.end, &generic_count))
        return;
    if (!dn_read_unsigned(&s.p, s.end, &count))
        return;
    char *ret = dn_signature_type(c, &s, cgp, mgp);
    /* Constructors have no return type (as YARA, after FileInfo). */
    if (strcmp(m->name, ".ctor") != 0 && strcmp(m->name, ".cctor") != 0)
        m->return_type = ret;
    parse_parameters(c, m, param_list, count, &s, cgp, mgp);
}

static bool parse_method(struct ctx *c, struct fmt_dotnet_method *m, uint32_t index, const struct names *cgp)
{
    uint32_t cols[MAX_COLS];
    if (!dn_read_row(c, T_METHODDEF, index, cols))
        return false;
    const char *name = dn_heap_string(c, cols[METHOD_NAME]);
    if (!name || !*name)
        return false;
    uint32_t flags = cols[METHOD_FLAGS];
    m->name = dn_arena_strdup(c, name);
    if (!m->name)
        return false;
    m->visibility = method_visibility(flags);
    m->is_static = flags & METHOD_STATIC;
    m->is_final = flags & METHOD_FINAL;
    m->is_virtual = flags & METHOD_VIRTUAL;
    m->is_abstract = flags & METHOD_ABSTRACT;
    struct names mgp = generic_params(c, true, index);
    m->generic_parameters = mgp.v;
    m->ngeneric_parameters = mgp.n;
    parse_method_signature(c, m, cols[METHOD_SIGNATURE], cols[METHOD_PARAMS], cgp, &mgp);
    return true;
}

/* Methods of TypeDef row `index`: MethodList up to the next row's MethodList
 * (or the end of the MethodDef table); rows outside the table are skipped. */
static void parse_methods(struct ctx *c, struct fmt_dotnet_class *cls, uint32_t index, uint32_t method_list,
                          const struct names *cgp)
{
    if (method_list == 0)
        return;
    cls->has_methods = true;
    const struct table *md = &c->t[T_METHODDEF];
    uint32_t count = md->rows + 1 - method_list; /* unsigned, as YARA computes it */
    uint32_t next[MAX_COLS];
    if (index < c->t[T_TYPEDEF].rows && dn_read_row(c, T_TYPEDEF, index + 1, next))
        count = next[TYPEDEF_METHODS] - method_list;
    uint64_t end = (uint64_t)method_list + count;
    if (end > (uint64_t)md->readable + 1)
        end = (uint64_t)md->readable + 1;
    size_t cap = 0;
    for (uint64_t r = method_list; r < end && !c->oom; r++) {
        if (!take_member(c))
            break;
        struct fmt_dotnet_method m = {0};
        if (!parse_method(c, &m, (uint32_t)r, cgp))
            continue;
        struct fmt_dotnet_method *slot = PUSH(c, cls->methods, cls->nmethods, cap);
        if (slot)
            *slot = m;
    }
}

/* Base types: the Extends type, then each interface the class implements. */
static void parse_base_types(struct ctx *c, struct fmt_dotnet_class *cls, uint32_t index, uint32_t extends,
                             const struct names *cgp)
{
    size_t cap = 0;
    char *parent = dn_type_ref_name(c, extends, cgp);
    if (parent && take_member(c)) {
        char **slot = PUSH(c, cls->base_types, cls->nbase_types, cap);
        if (slot)
            *slot = parent;
    }
    uint32_t cols[MAX_COLS];
    for (size_t i = dn_index_find(&c->interfaces, index); i < c->interfaces.n && c->interfaces.v[i].key == index;
         i++) {
        if (!dn_read_row(c, T_INTERFACEIMPL, c->interfaces.v[i].row, cols))
            continue;
        char *iface = dn_type_ref_name(c, cols[IFACE_INTERFACE], cgp);
        if (!iface || !take_member(c))
            continue;
        char **slot = PUSH(c, cls->base_types, cls->nbase_types, cap);
        if (slot)
            *slot = iface;
    }
}

static void parse_class(struct ctx *c, struct fmt_dotnet_class *cls, uint32_t index, const uint32_t cols[MAX_COLS],
                        const char *name, const char *ns)
{
    uint32_t flags = cols[TYPEDEF_FLAGS];
    char *scope = dn_typedef_scope(c, index, flags, ns);
    char *full = dn_full_name(name, scope);
    cls->fullname = dn_arena_strdup(c, full);
    cls->name = dn_arena_strdup(c, name);
    cls->namespace_ = dn_arena_strdup(c, scope);
    free(full);
    free(scope);
    cls->visibility = type_visibility(flags);
    cls->type = flags & TYPE_INTERFACE ? "interface" : "class";
    cls->is_abstract = flags & TYPE_ABSTRACT;
    cls->is_sealed = flags & TYPE_SEALED;
    struct names cgp = generic_params(c, false, index);
    cls->generic_parameters = cgp.v;
    cls->ngeneric_parameters = cgp.n;
    parse_base_types(c, cls, index, cols[TYPEDEF_EXTENDS], &cgp);
    parse_methods(c, cls, index, cols[TYPEDEF_METHODS], &cgp);
}

/* Every TypeDef but the <Module> pseudo-class. */
void dn_parse_classes(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    dn_build_index(c, T_GENERICPARAM, GP_OWNER, &c->generic_params);
    dn_build_index(c, T_INTERFACEIMPL, IFACE_CLASS, &c->interfaces);
    dn_build_index(c, T_NESTEDCLASS, NESTED_NESTED, &c->nesting);
    out->has_classes = true;
    size_t cap = 0;
    uint32_t cols[MAX_COLS];
    const struct table *t = &c->t[T_TYPEDEF];
    for (uint32_t r = 1; t->present && r <= t->readable && !c->oom; r++) {
        if (!dn_read_row(c, T_TYPEDEF, r, cols))
            continue;
        const char *name = dn_heap_string(c, cols[TYPEDEF_NAME]);
        if (!name || strcmp(name, "<Module>") == 0)
            continue;
        if (!take_member(c))
            break;
        struct fmt_dotnet_class *cls = PUSH(c, out->classes, out->nclasses, cap);
        if (!cls)
            break;
        parse_class(c, cls, r, cols, name, dn_heap_string(c, cols[TYPEDEF_NAMESPACE]));
    }
}
