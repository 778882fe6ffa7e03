/* dotnet_types.c — type names of the CLI metadata (dotnet_internal.h): a
 * TypeDef's or TypeRef's name and namespace, nested types named through
 * their enclosing ones, and the types signatures hold (primitives, arrays,
 * generic instances and parameters, function pointers), as YARA writes them.
 * Every read is bounded; a signature's elements are counted against a budget
 * (a malformed one cannot recurse for ever). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dotnet_internal.h"
#include "util/buf.h"

/* "ns.name" (or the one that is not empty) cut at its first '`', as YARA
 * drops the generic arity of names. NULL when both are empty or on ENOMEM;
 * the caller frees. An empty name gives the namespace uncut. */
char *dn_full_name(const char *name, const char *ns)
{
    if (!name || !*name)
        return ns ? strdup(ns) : NULL;
    struct util_buf b = {0};
    int rc = 0;
    if (ns && *ns) {
        rc |= util_buf_append(&b, ns, strlen(ns));
        rc |= util_buf_append_byte(&b, '.');
    }
    rc |= util_buf_append(&b, name, strlen(name));
    rc |= util_buf_append_byte(&b, 0);
    if (rc != 0) {
        util_buf_free(&b);
        return NULL;
    }
    char *tick = strchr((char *)b.data, '`');
    if (tick)
        *tick = 0;
    return (char *)b.data;
}

static bool is_nested(uint32_t type_flags)
{
    return (type_flags & TYPE_VISIBILITY_MASK) >= 2; /* Nested* visibilities */
}

/* "outer.ns.name" for a type inside `outer` (freed here), as YARA names
 * nested types. */
static char *nested_name(const char *name, const char *ns, char *outer)
{
    char *scope = dn_full_name(ns, outer);
    char *result = dn_full_name(name, scope);
    free(outer);
    free(scope);
    return result;
}

/* The full name of the class enclosing TypeDef `nested` (NULL when it is not
 * nested, the enclosing class is <Module> or cannot be read). */
static char *enclosing_name(struct ctx *c, uint32_t nested, unsigned depth)
{
    if (depth > FMT_DOTNET_MAX_NEST_DEPTH)
        return NULL;
    size_t at = dn_index_find(&c->nesting, nested);
    if (at == c->nesting.n)
        return NULL;
    uint32_t cols[MAX_COLS], tcols[MAX_COLS];
    if (!dn_read_row(c, T_NESTEDCLASS, c->nesting.v[at].row, cols))
        return NULL;
    uint32_t enclosing = cols[NESTED_ENCLOSING];
    if (!dn_read_row(c, T_TYPEDEF, enclosing, tcols))
        return NULL;
    const char *name = dn_heap_string(c, tcols[TYPEDEF_NAME]);
    if (name && strcmp(name, "<Module>") == 0)
        return NULL;
    const char *ns = dn_heap_string(c, tcols[TYPEDEF_NAMESPACE]);
    if (is_nested(tcols[TYPEDEF_FLAGS]) && enclosing != nested)
        return nested_name(name, ns, enclosing_name(c, enclosing, depth + 1));
    return dn_full_name(name, ns);
}

/* Namespace of TypeDef row `index` with flags: its own, or for a nested class
 * the enclosing class's full name (then ".own" when it has one). */
char *dn_typedef_scope(struct ctx *c, uint32_t index, uint32_t flags, const char *ns)
{
    if (!is_nested(flags))
        return ns && *ns ? strdup(ns) : NULL;
    char *outer = enclosing_name(c, index, 1);
    char *scope = dn_full_name(ns, outer);
    free(outer);
    return scope;
}

static char *typedef_name(struct ctx *c, uint32_t index)
{
    uint32_t cols[MAX_COLS];
    if (!dn_read_row(c, T_TYPEDEF, index, cols))
        return NULL;
    const char *name = dn_heap_string(c, cols[TYPEDEF_NAME]);
    const char *ns = dn_heap_string(c, cols[TYPEDEF_NAMESPACE]);
    char *scope = dn_typedef_scope(c, index, cols[TYPEDEF_FLAGS], ns);
    char *result = dn_full_name(name, scope);
    free(scope);
    return result;
}

/* A TypeRef's full name; a reference to a nested type has the enclosing
 * TypeRef's full name as its namespace. */
static char *typeref_name(struct ctx *c, uint32_t index, unsigned depth)
{
    uint32_t cols[MAX_COLS];
    if (depth > FMT_DOTNET_MAX_NEST_DEPTH || !dn_read_row(c, T_TYPEREF, index, cols))
        return NULL;
    const char *name = dn_heap_string(c, cols[TYPEREF_NAME]);
    const char *ns = dn_heap_string(c, cols[TYPEREF_NAMESPACE]);
    uint32_t outer_row;
    if (dn_coded_table(C_RESOLUTIONSCOPE, cols[TYPEREF_SCOPE], &outer_row) == T_TYPEREF && outer_row != index) {
        char *outer = typeref_name(c, outer_row, depth + 1);
        if (outer)
            return nested_name(name, ns, outer);
    }
    return dn_full_name(name, ns);
}


static bool parse_type(struct ctx *c, struct sig *s, const struct names *cgp, const struct names *mgp,
                       unsigned depth, struct util_buf *out);

static bool append(struct util_buf *out, const char *s)
{
    return util_buf_append(out, s, strlen(s)) == 0 && out->len <= FMT_DOTNET_MAX_NAME;
}

static bool append_owned(struct util_buf *out, char *s)
{
    bool ok = s && append(out, s);
    free(s);
    return ok;
}

/* Append the name a TypeDefOrRef(OrSpec) coded index refers to. As YARA, a
 * nil row index names the table's first row. */
static bool append_type_ref(struct ctx *c, uint32_t coded, const struct names *cgp, const struct names *mgp,
                            unsigned depth, struct util_buf *out)
{
    uint32_t row;
    int table = dn_coded_table(C_TYPEDEFORREF, coded, &row);
    if (row == 0)
        row = 1;
    if (table == T_TYPEDEF)
        return append_owned(out, typedef_name(c, row));
    if (table == T_TYPEREF)
        return append_owned(out, typeref_name(c, row, 0));
    if (table != T_TYPESPEC)
        return false;
    uint32_t cols[MAX_COLS];
    struct sig spec;
    uint32_t n;
    if (!dn_read_row(c, T_TYPESPEC, row, cols) || !dn_heap_blob(c, cols[TYPESPEC_SIGNATURE], &spec.p, &n))
        return false;
    spec.end = spec.p + n;
    return parse_type(c, &spec, cgp, mgp, depth + 1, out);
}

/* Generic argument names of an element type VAR / MVAR. */
static bool append_generic_var(struct sig *s, const struct names *gp, struct util_buf *out)
{
    uint32_t index;
    if (!dn_read_unsigned(&s->p, s->end, &index) || !gp || index >= gp->n)
        return false;
    return append(out, gp->v[index]);
}

/* ARRAY: type rank numsizes size* numlobounds lobound*, written
 * "T[lo...hi,size,,]": per dimension "lo...lo+size-1" when it has a non-zero
 * lower bound ("lo..." without a size), the size alone otherwise. */
static bool append_array(struct ctx *c, struct sig *s, const struct names *cgp, const struct names *mgp,
                         unsigned depth, struct util_buf *out)
{
    if (!parse_type(c, s, cgp, mgp, depth + 1, out))
        return false;
    uint32_t rank, nsizes, nlo;
    if (!dn_read_unsigned(&s->p, s->end, &rank) || !dn_read_unsigned(&s->p, s->end, &nsizes))
        return false;
    if (nsizes > (size_t)(s->end - s->p)) /* each takes at least a byte */
        return false;
    uint32_t *sizes = malloc(((size_t)nsizes + 1) * sizeof *sizes);
    int32_t *lo = NULL;
    bool ok = sizes != NULL;
    for (uint32_t i = 0; ok && i < nsizes; i++)
        ok = dn_read_unsigned(&s->p, s->end, &sizes[i]);
    ok = ok && dn_read_unsigned(&s->p, s->end, &nlo) && nlo <= (size_t)(s->end - s->p);
    if (ok)
        ok = (lo = malloc(((size_t)nlo + 1) * sizeof *lo)) != NULL;
    for (uint32_t i = 0; ok && i < nlo; i++)
        ok = dn_read_signed(&s->p, s->end, &lo[i]);
    ok = ok && append(out, "[");
    for (uint32_t i = 0; ok && i < rank; i++) {
        char dim[48] = "";
        if (i < nlo && lo[i] != 0) {
            if (i < nsizes)
                snprintf(dim, sizeof dim, "%d...%lld", lo[i], (long long)lo[i] + sizes[i] - 1);
            else
                snprintf(dim, sizeof dim, "%d...", lo[i]);
        } else if (i < nsizes) {
            snprintf(dim, sizeof dim, "%u", sizes[i]);
        }
        ok = append(out, dim) && (i + 1 == rank || append(out, ","));
    }
    free(sizes);
    free(lo);
    return ok && append(out, "]");
}

/* GENERICINST: CLASS|VALUETYPE token count type*, written "T<A,B>". */
static bool append_generic_inst(struct ctx *c, struct sig *s, const struct names *cgp, const struct names *mgp,
                                unsigned depth, struct util_buf *out)
{
    uint32_t count;
    if (!parse_type(c, s, cgp, mgp, depth + 1, out) || !dn_read_unsigned(&s->p, s->end, &count) ||
        count > (size_t)(s->end - s->p) || !append(out, "<"))
        return false;
    for (uint32_t i = 0; i < count; i++)
        if ((i && !append(out, ",")) || !parse_type(c, s, cgp, mgp, depth + 1, out))
            return false;
    return append(out, ">");
}

/* FNPTR: a method signature, written "FnPtr<R(A, B)>". */
static bool append_fnptr(struct ctx *c, struct sig *s, const struct names *cgp, const struct names *mgp,
                         unsigned depth, struct util_buf *out)
{
    uint32_t count;
    if (s->p >= s->end)
        return false;
    s->p++; /* calling convention */
    if (!dn_read_unsigned(&s->p, s->end, &count) || count > (size_t)(s->end - s->p) || !append(out, "FnPtr<") ||
        !parse_type(c, s, cgp, mgp, depth + 1, out) || !append(out, "("))
        return false;
    for (uint32_t i = 0; i < count; i++)
        if ((i && !append(out, ", ")) || !parse_type(c, s, cgp, mgp, depth + 1, out))
            return false;
    return append(out, ")>");
}

static const char *primitive_name(uint8_t element)
{
    switch (element) {
    case 0x01: return "void";
    case 0x02: return "bool";
    case 0x03: return "char";
    case 0x04: return "sbyte";
    case 0x05: return "byte";
    case 0x06: return "short";
    case 0x07: return "ushort";
    case 0x08: return "int";
    case 0x09: return "uint";
    case 0x0a: return "long";
    case 0x0b: return "ulong";
    case 0x0c: return "float";
    case 0x0d: return "double";
    case 0x0e: return "string";
    case 0x16: return "TypedReference";
    case 0x18: return "IntPtr";
    case 0x19: return "UIntPtr";
    case 0x1c: return "object";
    default: return NULL;
    }
}

/* One type of a signature (ECMA-335 II.23.2.12), appended as YARA writes it. */
static bool parse_type(struct ctx *c, struct sig *s, const struct names *cgp, const struct names *mgp,
                       unsigned depth, struct util_buf *out)
{
    if (depth > FMT_DOTNET_MAX_TYPE_DEPTH || ++c->steps > FMT_DOTNET_MAX_TYPE_STEPS || s->p >= s->end)
        return false;
    uint8_t element = *s->p++;
    const char *primitive = primitive_name(element);
    if (primitive)
        return append(out, primitive);
    uint32_t token;
    switch (element) {
    case 0x0f: /* PTR */
        return append(out, "Ptr<") && parse_type(c, s, cgp, mgp, depth + 1, out) && append(out, ">");
    case 0x10: /* BYREF */
        return append(out, "ref ") && parse_type(c, s, cgp, mgp, depth + 1, out);
    case 0x11: /* VALUETYPE */
    case 0x12: /* CLASS */
        return dn_read_unsigned(&s->p, s->end, &token) && append_type_ref(c, token, cgp, mgp, depth, out);
    case 0x13: /* VAR */
        return append_generic_var(s, cgp, out);
    case 0x1e: /* MVAR */
        return append_generic_var(s, mgp, out);
    case 0x14: /* ARRAY */
        return append_array(c, s, cgp, mgp, depth, out);
    case 0x15: /* GENERICINST */
        return append_generic_inst(c, s, cgp, mgp, depth, out);
    case 0x1b: /* FNPTR */
        return append_fnptr(c, s, cgp, mgp, depth, out);
    case 0x1d: /* SZARRAY */
        return parse_type(c, s, cgp, mgp, depth + 1, out) && append(out, "[]");
    case 0x1f: /* CMOD_REQD */
    case 0x20: /* CMOD_OPT: the modifier is not written */
        return dn_read_unsigned(&s->p, s->end, &token) && parse_type(c, s, cgp, mgp, depth + 1, out);
    default:
        return false;
    }
}

/* A whole type name from a signature, in the arena; NULL when unreadable. */
char *dn_signature_type(struct ctx *c, struct sig *s, const struct names *cgp, const struct names *mgp)
{
    struct util_buf b = {0};
    c->steps = 0;
    char *result = NULL;
    if (parse_type(c, s, cgp, mgp, 0, &b) && util_buf_append_byte(&b, 0) == 0)
        result = dn_arena_strdup(c, (char *)b.data);
    util_buf_free(&b);
    return result;
}

/* The name a TypeDefOrRef index refers to (base types), in the arena. */
char *dn_type_ref_name(struct ctx *c, uint32_t coded, const struct names *cgp)
{
    struct util_buf b = {0};
    c->steps = 0;
    char *result = NULL;
    if (append_type_ref(c, coded, cgp, NULL, 0, &b) && util_buf_append_byte(&b, 0) == 0)
        result = dn_arena_strdup(c, (char *)b.data);
    util_buf_free(&b);
    return result;
}
