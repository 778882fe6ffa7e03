/* dotnet.c — the CLI metadata parser (see dotnet.h for what it reads and its
 * limits).
 *
 * Layout (ECMA-335 partition II): the PE's COM descriptor directory points at
 * the CLI header, whose MetaData entry points at the metadata root: magic
 * "BSJB", a version string, then stream headers {offset, size, name}. The #~
 * (or unoptimized #-) stream holds the tables: a header with heap index sizes
 * and a 64-bit mask of the tables present, one row count per present table,
 * then the rows of each table in table-number order. Row sizes depend on the
 * heap index sizes and on the row counts (table and coded indexes are 2 or 4
 * bytes), so every present table is sized, known or not.
 *
 * Where YARA's behaviour is peculiar it is followed and said so in a comment:
 * the number of streams is one byte, public keys and string constants lose
 * their last byte, culture is undefined when empty, a nil
 * TypeDefOrRef index names the first row, type names lose their generic
 * arity suffix ("List`1" is "List"), constructors have no return type. */
#include "dotnet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "util/buf.h"

/* ---- tables and their columns ------------------------------------------------- */

enum table_id {
    T_MODULE = 0x00, T_TYPEREF = 0x01, T_TYPEDEF = 0x02, T_FIELDPTR = 0x03, T_FIELD = 0x04,
    T_METHODPTR = 0x05, T_METHODDEF = 0x06, T_PARAMPTR = 0x07, T_PARAM = 0x08, T_INTERFACEIMPL = 0x09,
    T_MEMBERREF = 0x0a, T_CONSTANT = 0x0b, T_CUSTOMATTRIBUTE = 0x0c, T_FIELDMARSHAL = 0x0d,
    T_DECLSECURITY = 0x0e, T_CLASSLAYOUT = 0x0f, T_FIELDLAYOUT = 0x10, T_STANDALONESIG = 0x11,
    T_EVENTMAP = 0x12, T_EVENTPTR = 0x13, T_EVENT = 0x14, T_PROPERTYMAP = 0x15, T_PROPERTYPTR = 0x16,
    T_PROPERTY = 0x17, T_METHODSEMANTICS = 0x18, T_METHODIMPL = 0x19, T_MODULEREF = 0x1a,
    T_TYPESPEC = 0x1b, T_IMPLMAP = 0x1c, T_FIELDRVA = 0x1d, T_ENCLOG = 0x1e, T_ENCMAP = 0x1f,
    T_ASSEMBLY = 0x20, T_ASSEMBLYPROCESSOR = 0x21, T_ASSEMBLYOS = 0x22, T_ASSEMBLYREF = 0x23,
    T_ASSEMBLYREFPROCESSOR = 0x24, T_ASSEMBLYREFOS = 0x25, T_FILE = 0x26, T_EXPORTEDTYPE = 0x27,
    T_MANIFESTRESOURCE = 0x28, T_NESTEDCLASS = 0x29, T_GENERICPARAM = 0x2a, T_METHODSPEC = 0x2b,
    T_GENERICPARAMCONSTRAINT = 0x2c, NTABLES = 0x2d,
};

/* Coded indexes: a tag in the low bits names one of several tables. */
enum coded_id {
    C_TYPEDEFORREF, C_HASCONSTANT, C_HASCUSTOMATTRIBUTE, C_HASFIELDMARSHAL, C_HASDECLSECURITY,
    C_MEMBERREFPARENT, C_HASSEMANTICS, C_METHODDEFORREF, C_MEMBERFORWARDED, C_IMPLEMENTATION,
    C_CUSTOMATTRIBUTETYPE, C_RESOLUTIONSCOPE, C_TYPEORMETHODDEF, NCODED,
};

#define NONE (-1) /* a tag value no table uses */

static const struct coded_def {
    uint8_t bits;
    uint8_t ntables;
    int8_t tables[22];
} coded_defs[NCODED] = {
    [C_TYPEDEFORREF] = {2, 3, {T_TYPEDEF, T_TYPEREF, T_TYPESPEC}},
    [C_HASCONSTANT] = {2, 3, {T_FIELD, T_PARAM, T_PROPERTY}},
    [C_HASCUSTOMATTRIBUTE] = {5, 22, {T_METHODDEF, T_FIELD, T_TYPEREF, T_TYPEDEF, T_PARAM, T_INTERFACEIMPL,
                                      T_MEMBERREF, T_MODULE, T_DECLSECURITY, T_PROPERTY, T_EVENT,
                                      T_STANDALONESIG, T_MODULEREF, T_TYPESPEC, T_ASSEMBLY, T_ASSEMBLYREF,
                                      T_FILE, T_EXPORTEDTYPE, T_MANIFESTRESOURCE, T_GENERICPARAM,
                                      T_GENERICPARAMCONSTRAINT, T_METHODSPEC}},
    [C_HASFIELDMARSHAL] = {1, 2, {T_FIELD, T_PARAM}},
    [C_HASDECLSECURITY] = {2, 3, {T_TYPEDEF, T_METHODDEF, T_ASSEMBLY}},
    [C_MEMBERREFPARENT] = {3, 5, {T_TYPEDEF, T_TYPEREF, T_MODULEREF, T_METHODDEF, T_TYPESPEC}},
    [C_HASSEMANTICS] = {1, 2, {T_EVENT, T_PROPERTY}},
    [C_METHODDEFORREF] = {1, 2, {T_METHODDEF, T_MEMBERREF}},
    [C_MEMBERFORWARDED] = {1, 2, {T_FIELD, T_METHODDEF}},
    [C_IMPLEMENTATION] = {2, 3, {T_FILE, T_ASSEMBLYREF, T_EXPORTEDTYPE}},
    [C_CUSTOMATTRIBUTETYPE] = {3, 5, {NONE, NONE, T_METHODDEF, T_MEMBERREF, NONE}},
    [C_RESOLUTIONSCOPE] = {2, 4, {T_MODULE, T_MODULEREF, T_ASSEMBLYREF, T_TYPEREF}},
    [C_TYPEORMETHODDEF] = {1, 2, {T_TYPEDEF, T_METHODDEF}},
};

enum col_kind { K_END = 0, K_U8, K_U16, K_U32, K_STR, K_GUID, K_BLOB, K_TAB, K_CODED };

struct col {
    uint8_t kind;
    uint8_t arg; /* K_TAB: a table_id; K_CODED: a coded_id */
};

#define MAX_COLS 9
#define U8 {K_U8, 0}
#define U16 {K_U16, 0}
#define U32 {K_U32, 0}
#define STR {K_STR, 0}
#define GUID {K_GUID, 0}
#define BLOB {K_BLOB, 0}
#define TAB(t) {K_TAB, t}
#define CODED(c) {K_CODED, c}

/* The columns of every table (ECMA-335 II.22), in row order. */
static const struct col schemas[NTABLES][MAX_COLS] = {
    [T_MODULE] = {U16, STR, GUID, GUID, GUID},
    [T_TYPEREF] = {CODED(C_RESOLUTIONSCOPE), STR, STR},
    [T_TYPEDEF] = {U32, STR, STR, CODED(C_TYPEDEFORREF), TAB(T_FIELD), TAB(T_METHODDEF)},
    [T_FIELDPTR] = {TAB(T_FIELD)},
    [T_FIELD] = {U16, STR, BLOB},
    [T_METHODPTR] = {TAB(T_METHODDEF)},
    [T_METHODDEF] = {U32, U16, U16, STR, BLOB, TAB(T_PARAM)},
    [T_PARAMPTR] = {TAB(T_PARAM)},
    [T_PARAM] = {U16, U16, STR},
    [T_INTERFACEIMPL] = {TAB(T_TYPEDEF), CODED(C_TYPEDEFORREF)},
    [T_MEMBERREF] = {CODED(C_MEMBERREFPARENT), STR, BLOB},
    [T_CONSTANT] = {U8, U8, CODED(C_HASCONSTANT), BLOB},
    [T_CUSTOMATTRIBUTE] = {CODED(C_HASCUSTOMATTRIBUTE), CODED(C_CUSTOMATTRIBUTETYPE), BLOB},
    [T_FIELDMARSHAL] = {CODED(C_HASFIELDMARSHAL), BLOB},
    [T_DECLSECURITY] = {U16, CODED(C_HASDECLSECURITY), BLOB},
    [T_CLASSLAYOUT] = {U16, U32, TAB(T_TYPEDEF)},
    [T_FIELDLAYOUT] = {U32, TAB(T_FIELD)},
    [T_STANDALONESIG] = {BLOB},
    [T_EVENTMAP] = {TAB(T_TYPEDEF), TAB(T_EVENT)},
    [T_EVENTPTR] = {TAB(T_EVENT)},
    [T_EVENT] = {U16, STR, CODED(C_TYPEDEFORREF)},
    [T_PROPERTYMAP] = {TAB(T_TYPEDEF), TAB(T_PROPERTY)},
    [T_PROPERTYPTR] = {TAB(T_PROPERTY)},
    [T_PROPERTY] = {U16, STR, BLOB},
    [T_METHODSEMANTICS] = {U16, TAB(T_METHODDEF), CODED(C_HASSEMANTICS)},
    [T_METHODIMPL] = {TAB(T_TYPEDEF), CODED(C_METHODDEFORREF), CODED(C_METHODDEFORREF)},
    [T_MODULEREF] = {STR},
    [T_TYPESPEC] = {BLOB},
    [T_IMPLMAP] = {U16, CODED(C_MEMBERFORWARDED), STR, TAB(T_MODULEREF)},
    [T_FIELDRVA] = {U32, TAB(T_FIELD)},
    [T_ENCLOG] = {U32, U32},
    [T_ENCMAP] = {U32},
    [T_ASSEMBLY] = {U32, U16, U16, U16, U16, U32, BLOB, STR, STR},
    [T_ASSEMBLYPROCESSOR] = {U32},
    [T_ASSEMBLYOS] = {U32, U32, U32},
    [T_ASSEMBLYREF] = {U16, U16, U16, U16, U32, BLOB, STR, STR, BLOB},
    [T_ASSEMBLYREFPROCESSOR] = {U32, TAB(T_ASSEMBLYREF)},
    [T_ASSEMBLYREFOS] = {U32, U32, U32, TAB(T_ASSEMBLYREF)},
    [T_FILE] = {U32, STR, BLOB},
    [T_EXPORTEDTYPE] = {U32, U32, STR, STR, CODED(C_IMPLEMENTATION)},
    [T_MANIFESTRESOURCE] = {U32, U32, STR, CODED(C_IMPLEMENTATION)},
    [T_NESTEDCLASS] = {TAB(T_TYPEDEF), TAB(T_TYPEDEF)},
    [T_GENERICPARAM] = {U16, U16, CODED(C_TYPEORMETHODDEF), STR},
    [T_METHODSPEC] = {CODED(C_METHODDEFORREF), BLOB},
    [T_GENERICPARAMCONSTRAINT] = {TAB(T_GENERICPARAM), CODED(C_TYPEDEFORREF)},
};

/* Column positions used below. */
enum { MODULE_NAME = 1 };
enum { TYPEREF_SCOPE = 0, TYPEREF_NAME = 1, TYPEREF_NAMESPACE = 2 };
enum { TYPEDEF_FLAGS = 0, TYPEDEF_NAME, TYPEDEF_NAMESPACE, TYPEDEF_EXTENDS, TYPEDEF_FIELDS, TYPEDEF_METHODS };
enum { METHOD_FLAGS = 2, METHOD_NAME = 3, METHOD_SIGNATURE = 4, METHOD_PARAMS = 5 };
enum { PARAM_NAME = 2 };
enum { IFACE_CLASS = 0, IFACE_INTERFACE = 1 };
enum { MEMBERREF_CLASS = 0 };
enum { CONSTANT_TYPE = 0, CONSTANT_PADDING = 1, CONSTANT_VALUE = 3 };
enum { CA_PARENT = 0, CA_TYPE = 1, CA_VALUE = 2 };
enum { TYPESPEC_SIGNATURE = 0 };
enum { FIELDRVA_RVA = 0 };
enum { ASM_MAJOR = 1, ASM_MINOR, ASM_BUILD, ASM_REVISION, ASM_NAME = 7, ASM_CULTURE = 8 };
enum { ASMREF_MAJOR = 0, ASMREF_MINOR, ASMREF_BUILD, ASMREF_REVISION, ASMREF_KEY = 5, ASMREF_NAME = 6 };
enum { RES_OFFSET = 0, RES_NAME = 2, RES_IMPLEMENTATION = 3 };
enum { NESTED_NESTED = 0, NESTED_ENCLOSING = 1 };
enum { GP_OWNER = 2, GP_NAME = 3 };

/* TypeDef and MethodDef attribute bits. */
#define TYPE_VISIBILITY_MASK 0x7
#define TYPE_INTERFACE 0x20
#define TYPE_ABSTRACT 0x80
#define TYPE_SEALED 0x100
#define METHOD_ACCESS_MASK 0x7
#define METHOD_STATIC 0x10
#define METHOD_FINAL 0x20
#define METHOD_VIRTUAL 0x40
#define METHOD_ABSTRACT 0x400

#define ELEMENT_TYPE_STRING 0x0e
#define METADATA_MAGIC 0x424a5342u /* "BSJB" */
#define SIG_GENERIC 0x10

/* ---- parse state ------------------------------------------------------------------ */

struct table {
    bool present;
    uint32_t rows;       /* as stored */
    uint32_t readable;   /* rows that lie inside the file */
    uint64_t offset;     /* file offset of the first row */
    uint32_t row_size;
    uint8_t col_off[MAX_COLS];
    uint8_t col_size[MAX_COLS];
};

/* Rows of a table grouped by one key column, in row order within a key. */
struct key_row {
    uint64_t key;
    uint32_t row;
};
struct row_index {
    struct key_row *v;
    size_t n;
};

/* Generic parameter names of a class or a method. */
struct names {
    char **v;
    size_t n;
};

struct ctx {
    const uint8_t *data;
    size_t len;
    const struct fmt_pe *pe;
    struct fmt_dotnet *out;
    bool oom;

    uint64_t metadata_root;
    uint32_t resources_rva;

    bool has_strings, has_blob;      /* heap positions below are set */
    uint64_t strings_off, blob_off;  /* file offsets of #Strings and #Blob */
    uint8_t string_index_size, guid_index_size, blob_index_size;

    struct table t[NTABLES];

    struct row_index generic_params; /* by TypeOrMethodDef coded owner */
    struct row_index interfaces;     /* by class (TypeDef index) */
    struct row_index nesting;        /* by nested class (TypeDef index) */

    size_t members;                  /* FMT_DOTNET_MAX_MEMBERS budget used */
    size_t bytes;                    /* FMT_DOTNET_MAX_BYTES budget used */
    unsigned steps;                  /* signature elements for the current name */
};

/* ---- bounded reads ------------------------------------------------------------------ */

static bool fits(const struct ctx *c, uint64_t off, uint64_t n)
{
    return off <= c->len && n <= c->len - off;
}

static uint16_t rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void *arena_alloc(struct ctx *c, size_t size)
{
    void *p = util_arena_alloc(&c->out->arena_, size ? size : 1);
    if (!p)
        c->oom = true;
    return p;
}

/* Count `n` copied bytes against FMT_DOTNET_MAX_BYTES. */
static bool take_bytes(struct ctx *c, size_t n)
{
    if (n > FMT_DOTNET_MAX_BYTES - c->bytes) {
        c->out->truncated = true;
        return false;
    }
    c->bytes += n;
    return true;
}

static char *arena_strndup(struct ctx *c, const char *s, size_t n)
{
    if (!take_bytes(c, n + 1))
        return NULL;
    char *p = util_arena_strndup(&c->out->arena_, s, n);
    if (!p)
        c->oom = true;
    return p;
}

static char *arena_strdup(struct ctx *c, const char *s)
{
    return s ? arena_strndup(c, s, strlen(s)) : NULL;
}

static struct fmt_dotnet_bytes arena_bytes(struct ctx *c, const uint8_t *p, size_t n)
{
    struct fmt_dotnet_bytes b = {NULL, 0};
    uint8_t *copy = take_bytes(c, n) ? arena_alloc(c, n) : NULL;
    if (copy) {
        memcpy(copy, p, n);
        b.p = copy;
        b.n = n;
    }
    return b;
}

/* Make room for one more element in an arena-backed array of *cap elements
 * (doubling); returns the (possibly moved) array or NULL on ENOMEM. */
static void *grow(struct ctx *c, void *v, size_t n, size_t *cap, size_t elem)
{
    if (n < *cap)
        return v;
    size_t ncap = *cap ? *cap * 2 : 8;
    void *nv = util_arena_alloc(&c->out->arena_, ncap * elem);
    if (!nv) {
        c->oom = true;
        return NULL;
    }
    if (n)
        memcpy(nv, v, n * elem);
    *cap = ncap;
    return nv;
}

/* Append one zeroed element to *arr (n elements, room for *cap); returns it,
 * or NULL on ENOMEM with the array unchanged. */
static void *push(struct ctx *c, void **arr, size_t *n, size_t *cap, size_t elem)
{
    void *v = grow(c, *arr, *n, cap, elem);
    if (!v)
        return NULL;
    *arr = v;
    return (char *)v + (*n)++ * elem;
}

#define PUSH(c, arr, n, cap) push((c), (void **)&(arr), &(n), &(cap), sizeof *(arr))

/* A NUL-terminated string at `index` in the #Strings heap. As YARA 4.2, the
 * index is not checked against the heap's size: the string may start
 * anywhere in the file, its terminator must come before the end of the file
 * (and, here, within FMT_DOTNET_MAX_STRING bytes). */
static const char *heap_string(const struct ctx *c, uint32_t index)
{
    if (!c->has_strings)
        return NULL;
    uint64_t off = c->strings_off + index;
    if (off >= c->len)
        return NULL;
    const char *s = (const char *)c->data + off;
    size_t avail = c->len - (size_t)off;
    return memchr(s, 0, avail < FMT_DOTNET_MAX_STRING ? avail : FMT_DOTNET_MAX_STRING) ? s : NULL;
}

/* A compressed unsigned integer (ECMA-335 II.23.2) at *p, not past end. */
static bool read_compressed(const uint8_t **p, const uint8_t *end, uint32_t *v, unsigned *nbytes)
{
    const uint8_t *q = *p;
    if (q >= end)
        return false;
    if ((q[0] & 0x80) == 0) {
        *v = q[0];
        *nbytes = 1;
    } else if ((q[0] & 0xc0) == 0x80) {
        if (end - q < 2)
            return false;
        *v = (uint32_t)(q[0] & 0x3f) << 8 | q[1];
        *nbytes = 2;
    } else if ((q[0] & 0xe0) == 0xc0) {
        if (end - q < 4)
            return false;
        *v = (uint32_t)(q[0] & 0x1f) << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        *nbytes = 4;
    } else {
        return false;
    }
    *p = q + *nbytes;
    return true;
}

static bool read_unsigned(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    unsigned n;
    return read_compressed(p, end, v, &n);
}

/* A compressed signed integer: the sign is in the low bit of the rotated value. */
static bool read_signed(const uint8_t **p, const uint8_t *end, int32_t *v)
{
    uint32_t u;
    unsigned n;
    if (!read_compressed(p, end, &u, &n))
        return false;
    int32_t magnitude = (int32_t)(u >> 1);
    if (u & 1) {
        int32_t bias = n == 1 ? 0x40 : n == 2 ? 0x2000 : 0x10000000;
        magnitude -= bias;
    }
    *v = magnitude;
    return true;
}

/* A blob of the #Blob heap: its length header and data must lie inside the file. */
static bool heap_blob(const struct ctx *c, uint32_t index, const uint8_t **p, uint32_t *n)
{
    if (!c->has_blob)
        return false;
    uint64_t off = c->blob_off + index;
    if (off >= c->len)
        return false;
    const uint8_t *q = c->data + off, *end = c->data + c->len;
    uint32_t length;
    if (!read_unsigned(&q, end, &length) || (uint64_t)(end - q) < length)
        return false;
    *p = q;
    *n = length;
    return true;
}

/* A blob read the way YARA reads the blobs of its flat values (public keys,
 * constants): its length one less than stored, as if every blob ended with
 * the flag byte of a #US string. YARA 4.2 to 4.5 drop that last byte. */
static bool heap_blob_short(const struct ctx *c, uint32_t index, const uint8_t **p, uint32_t *n)
{
    if (!c->has_blob)
        return false;
    uint64_t off = c->blob_off + index;
    if (off >= c->len)
        return false;
    const uint8_t *q = c->data + off, *end = c->data + c->len;
    uint32_t length;
    if (!read_unsigned(&q, end, &length))
        return false;
    if (length > 0)
        length--;
    if ((uint64_t)(end - q) < length)
        return false;
    *p = q;
    *n = length;
    return true;
}

/* ---- table rows ----------------------------------------------------------------------- */

static uint8_t coded_size(const struct ctx *c, enum coded_id id)
{
    const struct coded_def *d = &coded_defs[id];
    uint32_t max = 0;
    for (unsigned i = 0; i < d->ntables; i++)
        if (d->tables[i] != NONE && c->t[d->tables[i]].rows > max)
            max = c->t[d->tables[i]].rows;
    return max < (1u << (16 - d->bits)) ? 2 : 4;
}

static uint8_t column_size(const struct ctx *c, struct col col)
{
    switch (col.kind) {
    case K_U8: return 1;
    case K_U16: return 2;
    case K_U32: return 4;
    case K_STR: return c->string_index_size;
    case K_GUID: return c->guid_index_size;
    case K_BLOB: return c->blob_index_size;
    case K_TAB: return c->t[col.arg].rows > 0xffff ? 4 : 2;
    case K_CODED: return coded_size(c, (enum coded_id)col.arg);
    default: return 0;
    }
}

static void size_table(struct ctx *c, enum table_id id)
{
    struct table *t = &c->t[id];
    uint32_t off = 0;
    for (unsigned i = 0; i < MAX_COLS && schemas[id][i].kind != K_END; i++) {
        t->col_off[i] = (uint8_t)off;
        t->col_size[i] = column_size(c, schemas[id][i]);
        off += t->col_size[i];
    }
    t->row_size = off;
}

/* Row `index` (1-based) of table `id` into cols[]; false when the index is
 * out of range or the row is not inside the file. */
static bool read_row(const struct ctx *c, enum table_id id, uint32_t index, uint32_t cols[MAX_COLS])
{
    const struct table *t = &c->t[id];
    if (!t->present || index == 0 || index > t->readable)
        return false;
    const uint8_t *row = c->data + t->offset + (uint64_t)(index - 1) * t->row_size;
    for (unsigned i = 0; i < MAX_COLS && schemas[id][i].kind != K_END; i++) {
        const uint8_t *p = row + t->col_off[i];
        switch (t->col_size[i]) {
        case 1: cols[i] = p[0]; break;
        case 2: cols[i] = rd16(p); break;
        default: cols[i] = rd32(p); break;
        }
    }
    return true;
}

/* Split a coded index into its table (or NONE) and row. */
static int coded_table(enum coded_id id, uint32_t value, uint32_t *row)
{
    const struct coded_def *d = &coded_defs[id];
    uint32_t tag = value & ((1u << d->bits) - 1);
    *row = value >> d->bits;
    return tag < d->ntables ? d->tables[tag] : NONE;
}

/* ---- row indexes -------------------------------------------------------------------------- */

static int cmp_key_row(const void *a, const void *b)
{
    const struct key_row *x = a, *y = b;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->row < y->row ? -1 : x->row > y->row;
}

/* Index the readable rows of `id` by column `col`. */
static void build_index(struct ctx *c, enum table_id id, unsigned col, struct row_index *ix)
{
    uint32_t n = c->t[id].present ? c->t[id].readable : 0;
    if (n == 0)
        return;
    ix->v = malloc((size_t)n * sizeof *ix->v);
    if (!ix->v) {
        c->oom = true;
        return;
    }
    uint32_t cols[MAX_COLS];
    for (uint32_t r = 1; r <= n; r++)
        if (read_row(c, id, r, cols))
            ix->v[ix->n++] = (struct key_row){cols[col], r};
    qsort(ix->v, ix->n, sizeof *ix->v, cmp_key_row);
}

/* The position of the first entry with `key` (ix->n when none). */
static size_t index_find(const struct row_index *ix, uint64_t key)
{
    size_t lo = 0, hi = ix->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (ix->v[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < ix->n && ix->v[lo].key == key ? lo : ix->n;
}

/* ---- metadata root and streams ---------------------------------------------------------- */

struct stream_ref {
    bool present;
    uint32_t offset, size; /* offset relative to the metadata root */
};

struct streams {
    struct stream_ref tilde, strings, blob, us, guid;
};

static void parse_stream_headers(struct ctx *c, uint64_t off, unsigned count, struct streams *s)
{
    struct fmt_dotnet *out = c->out;
    out->streams = arena_alloc(c, (count ? count : 1) * sizeof *out->streams);
    if (!out->streams)
        return;
    unsigned i;
    for (i = 0; i < count; i++) {
        /* Header {offset, size} then a name YARA reads only when 32 bytes
         * are in the file and it ends within them. */
        if (!fits(c, off, 8 + FMT_DOTNET_STREAM_NAME))
            break;
        const uint8_t *h = c->data + off;
        const char *name = (const char *)h + 8;
        const char *nul = memchr(name, 0, FMT_DOTNET_STREAM_NAME);
        if (!nul)
            break;
        size_t name_len = (size_t)(nul - name);
        struct fmt_dotnet_stream *st = &out->streams[i];
        memcpy(st->name, name, name_len);
        st->offset = c->metadata_root + rd32(h);
        st->size = rd32(h + 4);
        struct stream_ref ref = {true, rd32(h), rd32(h + 4)};
        /* The first of each kind wins, but the last #GUID. */
        if ((strncmp(name, "#~", 2) == 0 || strncmp(name, "#-", 2) == 0) && !s->tilde.present)
            s->tilde = ref;
        else if (strncmp(name, "#GUID", 5) == 0)
            s->guid = ref;
        else if (strncmp(name, "#Strings", 8) == 0 && !s->strings.present)
            s->strings = ref;
        else if (strncmp(name, "#Blob", 5) == 0 && !s->blob.present)
            s->blob = ref;
        else if (strncmp(name, "#US", 3) == 0 && !s->us.present)
            s->us = ref;
        off += 8 + ((name_len + 4) & ~(size_t)3); /* the name is padded to 4 bytes */
    }
    out->nstreams = i;
    out->has_streams = true;
}

static void parse_guids(struct ctx *c, const struct stream_ref *g)
{
    struct fmt_dotnet *out = c->out;
    out->guids = arena_alloc(c, FMT_DOTNET_MAX_GUIDS * sizeof *out->guids);
    if (!out->guids)
        return;
    uint64_t off = c->metadata_root + g->offset;
    uint32_t size = g->size < FMT_DOTNET_MAX_GUIDS * 16 ? g->size : FMT_DOTNET_MAX_GUIDS * 16;
    while (size >= 16 && fits(c, off, 16)) {
        const uint8_t *p = c->data + off;
        snprintf(out->guids[out->nguids], sizeof out->guids[0],
                 "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x", rd32(p), rd16(p + 4), rd16(p + 6), p[8],
                 p[9], p[10], p[11], p[12], p[13], p[14], p[15]);
        out->nguids++;
        size -= 16;
        off += 16;
    }
    out->has_guids = true;
}

/* #US: blobs of UTF-16LE text, each followed by a flag byte that is not
 * part of the string. The heap starts with an empty entry (one NUL byte).
 * As YARA, a blob's length is taken one short and the flag byte is then read
 * as the header of an empty blob (0x00 and 0x01 both read as empty). */
static void parse_user_strings(struct ctx *c, const struct stream_ref *us)
{
    struct fmt_dotnet *out = c->out;
    uint64_t off = c->metadata_root + us->offset;
    if (!fits(c, off, us->size) || !fits(c, off, 1) || c->data[off] != 0)
        return;
    uint64_t end = off + us->size;
    size_t cap = 0;
    off++;
    while (off < end && !c->oom) {
        const uint8_t *p = c->data + off;
        uint32_t length;
        unsigned hdr;
        if (!read_compressed(&p, c->data + c->len, &length, &hdr))
            break;
        off += hdr;
        if (length > 0)
            length--;
        if (length > 0 && fits(c, off, length)) {
            if (out->nuser_strings >= FMT_DOTNET_MAX_ITEMS) {
                out->truncated = true;
                break;
            }
            struct fmt_dotnet_bytes *b = PUSH(c, out->user_strings, out->nuser_strings, cap);
            if (b)
                *b = arena_bytes(c, c->data + off, length);
            off += length;
        }
    }
    out->has_user_strings = true;
}

/* ---- the #~ stream: table directory ------------------------------------------------------ */

#define MAX_TABLE_ROWS 10000 /* YARA stops at a table that claims more rows */

/* Locate every present table. False when the header is not in the file or
 * the walk stopped at a table with too many rows (the tables before it are
 * still located). */
static bool locate_tables(struct ctx *c, uint64_t tilde_off)
{
    if (!fits(c, tilde_off, 24))
        return false;
    const uint8_t *h = c->data + tilde_off;
    uint8_t heap_sizes = h[6];
    uint64_t valid = (uint64_t)rd32(h + 8) | (uint64_t)rd32(h + 12) << 32;
    c->string_index_size = heap_sizes & 0x01 ? 4 : 2;
    c->guid_index_size = heap_sizes & 0x02 ? 4 : 2;
    c->blob_index_size = heap_sizes & 0x04 ? 4 : 2;

    /* One row count per present table, known or not. */
    uint64_t off = tilde_off + 24;
    for (unsigned bit = 0; bit < 64; bit++) {
        if (!(valid >> bit & 1))
            continue;
        if (!fits(c, off, 4)) {
            for (unsigned k = 0; k < NTABLES; k++)
                c->t[k].present = false;
            return false;
        }
        if (bit < NTABLES) {
            c->t[bit].present = true;
            c->t[bit].rows = rd32(c->data + off);
        }
        off += 4;
    }
    for (unsigned id = 0; id < NTABLES; id++)
        if (c->t[id].present)
            size_table(c, (enum table_id)id);

    /* The rows follow in table order. As YARA, a table of more than
     * MAX_TABLE_ROWS rows ends the walk: it and the tables after it are
     * absent, and the classes are not read. */
    for (unsigned id = 0; id < NTABLES; id++) {
        struct table *t = &c->t[id];
        if (!t->present)
            continue;
        if (t->rows > MAX_TABLE_ROWS) {
            for (unsigned k = id; k < NTABLES; k++)
                c->t[k].present = false;
            return false;
        }
        t->offset = off;
        uint64_t fit = off < c->len ? (c->len - off) / t->row_size : 0;
        t->readable = t->rows < fit ? t->rows : (uint32_t)fit;
        off += (uint64_t)t->rows * t->row_size;
    }
    return true;
}

/* ---- flat tables -------------------------------------------------------------------------- */

/* The first row of a one-row table (Module, Assembly): YARA reads it even
 * when the table claims no rows, as long as the table is present. */
static bool read_first_row(struct ctx *c, enum table_id id, uint32_t cols[MAX_COLS])
{
    struct table *t = &c->t[id];
    if (t->present && t->rows == 0 && fits(c, t->offset, t->row_size))
        t->readable = 1; /* only for this read */
    bool ok = read_row(c, id, 1, cols);
    if (t->rows == 0)
        t->readable = 0;
    return ok;
}

static void parse_module(struct ctx *c)
{
    uint32_t cols[MAX_COLS];
    if (read_first_row(c, T_MODULE, cols))
        c->out->module_name = arena_strdup(c, heap_string(c, cols[MODULE_NAME]));
}

static void parse_assembly(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    uint32_t cols[MAX_COLS];
    if (!read_first_row(c, T_ASSEMBLY, cols))
        return;
    out->has_assembly = true;
    out->assembly_version = (struct fmt_dotnet_version){(uint16_t)cols[ASM_MAJOR], (uint16_t)cols[ASM_MINOR],
                                                        (uint16_t)cols[ASM_BUILD], (uint16_t)cols[ASM_REVISION]};
    out->assembly_name = arena_strdup(c, heap_string(c, cols[ASM_NAME]));
    const char *culture = heap_string(c, cols[ASM_CULTURE]);
    if (culture && *culture) /* YARA leaves an empty culture undefined */
        out->assembly_culture = arena_strdup(c, culture);
}

static void parse_assembly_refs(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    const struct table *t = &c->t[T_ASSEMBLYREF];
    if (!t->present)
        return;
    out->has_assembly_refs = true;
    size_t cap = 0;
    uint32_t cols[MAX_COLS];
    for (uint32_t r = 1; r <= t->readable && read_row(c, T_ASSEMBLYREF, r, cols) && !c->oom; r++) {
        if (out->nassembly_refs >= FMT_DOTNET_MAX_ITEMS) {
            out->truncated = true;
            break;
        }
        struct fmt_dotnet_assembly_ref *ref = PUSH(c, out->assembly_refs, out->nassembly_refs, cap);
        if (!ref)
            break;
        ref->version = (struct fmt_dotnet_version){(uint16_t)cols[ASMREF_MAJOR], (uint16_t)cols[ASMREF_MINOR],
                                                   (uint16_t)cols[ASMREF_BUILD], (uint16_t)cols[ASMREF_REVISION]};
        const uint8_t *key;
        uint32_t key_len;
        if (!heap_blob_short(c, cols[ASMREF_KEY], &key, &key_len))
            continue; /* YARA reads neither the key nor the name then */
        if (key_len > 0)
            ref->public_key_or_token = arena_bytes(c, key, key_len);
        ref->name = arena_strdup(c, heap_string(c, cols[ASMREF_NAME]));
    }
}

/* Resources embedded in this file (Implementation 0): their data lies at the
 * CLI header's Resources RVA + Offset, as a 32-bit length and the bytes. */
static void parse_resources(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    const struct table *t = &c->t[T_MANIFESTRESOURCE];
    if (!t->present)
        return;
    out->has_resources = true;
    /* An unmapped Resources RVA is -1 to YARA, which still adds the offsets. */
    uint64_t mapped;
    int64_t base = fmt_pe_rva_offset(c->pe, c->resources_rva, &mapped) ? (int64_t)mapped : -1;
    size_t cap = 0;
    uint32_t cols[MAX_COLS];
    for (uint32_t r = 1; r <= t->readable && read_row(c, T_MANIFESTRESOURCE, r, cols) && !c->oom; r++) {
        int64_t at = base + (int64_t)cols[RES_OFFSET];
        uint64_t off = (uint64_t)at;
        if (cols[RES_IMPLEMENTATION] != 0 || at < 0 || !fits(c, off, 4))
            continue;
        uint32_t length = rd32(c->data + off);
        if (!fits(c, off + 4, length))
            continue;
        if (out->nresources >= FMT_DOTNET_MAX_ITEMS) {
            out->truncated = true;
            break;
        }
        struct fmt_dotnet_resource *res = PUSH(c, out->resources, out->nresources, cap);
        if (!res)
            break;
        res->offset = off + 4;
        res->length = length;
        res->name = arena_strdup(c, heap_string(c, cols[RES_NAME]));
    }
}

static void parse_modulerefs(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    const struct table *t = &c->t[T_MODULEREF];
    if (!t->present)
        return;
    out->has_modulerefs = true;
    size_t cap = 0;
    uint32_t cols[MAX_COLS];
    for (uint32_t r = 1; r <= t->readable && read_row(c, T_MODULEREF, r, cols) && !c->oom; r++) {
        const char *name = heap_string(c, cols[0]);
        if (!name)
            continue;
        if (out->nmodulerefs >= FMT_DOTNET_MAX_ITEMS) {
            out->truncated = true;
            break;
        }
        char **slot = PUSH(c, out->modulerefs, out->nmodulerefs, cap);
        if (slot)
            *slot = arena_strdup(c, name);
    }
}

/* String constants: their value blobs (UTF-16LE). */
static void parse_constants(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    const struct table *t = &c->t[T_CONSTANT];
    if (!t->present)
        return;
    out->has_constants = true;
    size_t cap = 0;
    uint32_t cols[MAX_COLS];
    for (uint32_t r = 1; r <= t->readable && read_row(c, T_CONSTANT, r, cols) && !c->oom; r++) {
        const uint8_t *v;
        uint32_t n;
        /* YARA compares the type with its padding byte as one 16-bit word. */
        uint32_t type = cols[CONSTANT_TYPE] | cols[CONSTANT_PADDING] << 8;
        if (type != ELEMENT_TYPE_STRING || !heap_blob_short(c, cols[CONSTANT_VALUE], &v, &n))
            continue;
        /* YARA wants the blob to end before the last byte of the file. */
        if ((uint64_t)(v - c->data) + n >= c->len)
            continue;
        if (out->nconstants >= FMT_DOTNET_MAX_ITEMS) {
            out->truncated = true;
            break;
        }
        struct fmt_dotnet_bytes *b = PUSH(c, out->constants, out->nconstants, cap);
        if (b)
            *b = arena_bytes(c, v, n);
    }
}

static void parse_field_offsets(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    const struct table *t = &c->t[T_FIELDRVA];
    if (!t->present)
        return;
    out->has_field_offsets = true;
    size_t cap = 0;
    uint32_t cols[MAX_COLS];
    for (uint32_t r = 1; r <= t->readable && read_row(c, T_FIELDRVA, r, cols) && !c->oom; r++) {
        uint64_t off;
        if (!fmt_pe_rva_offset(c->pe, cols[FIELDRVA_RVA], &off))
            continue;
        if (out->nfield_offsets >= FMT_DOTNET_MAX_ITEMS) {
            out->truncated = true;
            break;
        }
        uint64_t *slot = PUSH(c, out->field_offsets, out->nfield_offsets, cap);
        if (slot)
            *slot = off;
    }
}

/* The typelib: the value of a GuidAttribute on the assembly (a custom
 * attribute whose parent is the Assembly row and whose constructor is a
 * MemberRef of a TypeRef named "GuidAttribute"). The last one wins. Its
 * value: prolog 0x0001, a one-byte length (0 or 0xff: empty), the text. */
static void parse_typelib(struct ctx *c)
{
    const struct table *t = &c->t[T_CUSTOMATTRIBUTE];
    uint32_t cols[MAX_COLS], mcols[MAX_COLS], tcols[MAX_COLS];
    for (uint32_t r = 1; t->present && r <= t->readable && read_row(c, T_CUSTOMATTRIBUTE, r, cols); r++) {
        uint32_t row, member, typeref;
        if (coded_table(C_HASCUSTOMATTRIBUTE, cols[CA_PARENT], &row) != T_ASSEMBLY ||
            coded_table(C_CUSTOMATTRIBUTETYPE, cols[CA_TYPE], &member) != T_MEMBERREF ||
            !read_row(c, T_MEMBERREF, member, mcols) ||
            coded_table(C_MEMBERREFPARENT, mcols[MEMBERREF_CLASS], &typeref) != T_TYPEREF ||
            !read_row(c, T_TYPEREF, typeref, tcols))
            continue;
        /* As YARA: an unreadable type name does not rule the attribute out. */
        const char *name = heap_string(c, tcols[TYPEREF_NAME]);
        if (name && strncmp(name, "GuidAttribute", 13) != 0)
            continue;
        /* Value: prolog 0x0001, a one-byte string length, the string. */
        const uint8_t *v;
        uint32_t n;
        if (!heap_blob(c, cols[CA_VALUE], &v, &n) || !fits(c, (uint64_t)(v - c->data), 3) || rd16(v) != 1)
            continue;
        uint8_t str_len = v[2];
        if (!fits(c, (uint64_t)(v - c->data) + 3, str_len))
            continue;
        const char *s = (const char *)v + 3;
        if (str_len == 0 || str_len == 0xff) /* empty or null string */
            c->out->typelib = arena_strdup(c, "");
        else
            c->out->typelib = arena_strndup(c, s, strnlen(s, str_len));
    }
}

/* ---- type names ------------------------------------------------------------------------ */

/* "ns.name" (or the one that is not empty) cut at its first '`', as YARA
 * drops the generic arity of names. NULL when both are empty or on ENOMEM;
 * the caller frees. An empty name gives the namespace uncut. */
static char *full_name(const char *name, const char *ns)
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

/* The full name of the class enclosing TypeDef `nested` (NULL when it is not
 * nested, the enclosing class is <Module> or cannot be read). */
static char *enclosing_name(struct ctx *c, uint32_t nested, unsigned depth)
{
    if (depth > FMT_DOTNET_MAX_NEST_DEPTH)
        return NULL;
    size_t at = index_find(&c->nesting, nested);
    if (at == c->nesting.n)
        return NULL;
    uint32_t cols[MAX_COLS], tcols[MAX_COLS];
    if (!read_row(c, T_NESTEDCLASS, c->nesting.v[at].row, cols))
        return NULL;
    uint32_t enclosing = cols[NESTED_ENCLOSING];
    if (!read_row(c, T_TYPEDEF, enclosing, tcols))
        return NULL;
    const char *name = heap_string(c, tcols[TYPEDEF_NAME]);
    if (name && strcmp(name, "<Module>") == 0)
        return NULL;
    const char *ns = heap_string(c, tcols[TYPEDEF_NAMESPACE]);
    if (is_nested(tcols[TYPEDEF_FLAGS]) && enclosing != nested) {
        char *outer = enclosing_name(c, enclosing, depth + 1);
        char *scope = full_name(ns, outer);
        char *result = full_name(name, scope);
        free(outer);
        free(scope);
        return result;
    }
    return full_name(name, ns);
}

/* Namespace of TypeDef row `index` with flags: its own, or for a nested class
 * the enclosing class's full name (then ".own" when it has one). */
static char *typedef_scope(struct ctx *c, uint32_t index, uint32_t flags, const char *ns)
{
    if (!is_nested(flags))
        return ns && *ns ? strdup(ns) : NULL;
    char *outer = enclosing_name(c, index, 1);
    char *scope = full_name(ns, outer);
    free(outer);
    return scope;
}

static char *typedef_name(struct ctx *c, uint32_t index)
{
    uint32_t cols[MAX_COLS];
    if (!read_row(c, T_TYPEDEF, index, cols))
        return NULL;
    const char *name = heap_string(c, cols[TYPEDEF_NAME]);
    const char *ns = heap_string(c, cols[TYPEDEF_NAMESPACE]);
    char *scope = typedef_scope(c, index, cols[TYPEDEF_FLAGS], ns);
    char *result = full_name(name, scope);
    free(scope);
    return result;
}

/* A TypeRef's full name; a reference to a nested type has the enclosing
 * TypeRef's full name as its namespace. */
static char *typeref_name(struct ctx *c, uint32_t index, unsigned depth)
{
    uint32_t cols[MAX_COLS];
    if (depth > FMT_DOTNET_MAX_NEST_DEPTH || !read_row(c, T_TYPEREF, index, cols))
        return NULL;
    const char *name = heap_string(c, cols[TYPEREF_NAME]);
    const char *ns = heap_string(c, cols[TYPEREF_NAMESPACE]);
    uint32_t outer_row;
    if (coded_table(C_RESOLUTIONSCOPE, cols[TYPEREF_SCOPE], &outer_row) == T_TYPEREF && outer_row != index) {
        char *outer = typeref_name(c, outer_row, depth + 1);
        if (outer) {
            char *scope = full_name(ns, outer);
            char *result = full_name(name, scope);
            free(outer);
            free(scope);
            return result;
        }
    }
    return full_name(name, ns);
}

struct sig {
    const uint8_t *p, *end;
};

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
    int table = coded_table(C_TYPEDEFORREF, coded, &row);
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
    if (!read_row(c, T_TYPESPEC, row, cols) || !heap_blob(c, cols[TYPESPEC_SIGNATURE], &spec.p, &n))
        return false;
    spec.end = spec.p + n;
    return parse_type(c, &spec, cgp, mgp, depth + 1, out);
}

/* Generic argument names of an element type VAR / MVAR. */
static bool append_generic_var(struct sig *s, const struct names *gp, struct util_buf *out)
{
    uint32_t index;
    if (!read_unsigned(&s->p, s->end, &index) || !gp || index >= gp->n)
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
    if (!read_unsigned(&s->p, s->end, &rank) || !read_unsigned(&s->p, s->end, &nsizes))
        return false;
    if (nsizes > (size_t)(s->end - s->p)) /* each takes at least a byte */
        return false;
    uint32_t *sizes = malloc(((size_t)nsizes + 1) * sizeof *sizes);
    int32_t *lo = NULL;
    bool ok = sizes != NULL;
    for (uint32_t i = 0; ok && i < nsizes; i++)
        ok = read_unsigned(&s->p, s->end, &sizes[i]);
    ok = ok && read_unsigned(&s->p, s->end, &nlo) && nlo <= (size_t)(s->end - s->p);
    if (ok)
        ok = (lo = malloc(((size_t)nlo + 1) * sizeof *lo)) != NULL;
    for (uint32_t i = 0; ok && i < nlo; i++)
        ok = read_signed(&s->p, s->end, &lo[i]);
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
    if (!parse_type(c, s, cgp, mgp, depth + 1, out) || !read_unsigned(&s->p, s->end, &count) ||
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
    if (!read_unsigned(&s->p, s->end, &count) || count > (size_t)(s->end - s->p) || !append(out, "FnPtr<") ||
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
        return read_unsigned(&s->p, s->end, &token) && append_type_ref(c, token, cgp, mgp, depth, out);
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
        return read_unsigned(&s->p, s->end, &token) && parse_type(c, s, cgp, mgp, depth + 1, out);
    default:
        return false;
    }
}

/* A whole type name from a signature, in the arena; NULL when unreadable. */
static char *signature_type(struct ctx *c, struct sig *s, const struct names *cgp, const struct names *mgp)
{
    struct util_buf b = {0};
    c->steps = 0;
    char *result = NULL;
    if (parse_type(c, s, cgp, mgp, 0, &b) && util_buf_append_byte(&b, 0) == 0)
        result = arena_strdup(c, (char *)b.data);
    util_buf_free(&b);
    return result;
}

/* The name a TypeDefOrRef index refers to (base types), in the arena. */
static char *type_ref_name(struct ctx *c, uint32_t coded, const struct names *cgp)
{
    struct util_buf b = {0};
    c->steps = 0;
    char *result = NULL;
    if (append_type_ref(c, coded, cgp, NULL, 0, &b) && util_buf_append_byte(&b, 0) == 0)
        result = arena_strdup(c, (char *)b.data);
    util_buf_free(&b);
    return result;
}

/* ---- classes --------------------------------------------------------------------------- */

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
    size_t at = index_find(&c->generic_params, key), count = 0;
    for (size_t i = at; i < c->generic_params.n && c->generic_params.v[i].key == key; i++)
        count++;
    if (count == 0)
        return gp;
    char **v = arena_alloc(c, count * sizeof *v);
    if (!v)
        return gp;
    uint32_t cols[MAX_COLS];
    for (size_t i = 0; i < count; i++) {
        const char *name = NULL;
        if (read_row(c, T_GENERICPARAM, c->generic_params.v[at + i].row, cols))
            name = heap_string(c, cols[GP_NAME]);
        if (!name || !*name || !take_member(c))
            return gp;
        v[i] = arena_strdup(c, name);
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
    m->parameters = arena_alloc(c, count * sizeof *m->parameters);
    if (!m->parameters)
        return;
    uint32_t cols[MAX_COLS];
    for (uint32_t i = 0; i < count && take_member(c); i++) {
        struct fmt_dotnet_param *p = &m->parameters[m->nparameters++];
        uint64_t row = (uint64_t)param_list + i;
        if (row <= c->t[T_PARAM].rows && c->t[T_PARAM].present) {
            if (read_row(c, T_PARAM, (uint32_t)row, cols))
                p->name = arena_strdup(c, heap_string(c, cols[PARAM_NAME]));
        } else {
            char synthetic[24];
            snprintf(synthetic, sizeof synthetic, "P_%u", i);
            p->name = arena_strdup(c, synthetic);
        }
        p->type = signature_type(c, s, cgp, mgp);
    }
}

/* MethodDefSig: flags [generic count] param count, return type, params. */
static void parse_method_signature(struct ctx *c, struct fmt_dotnet_method *m, uint32_t blob_index,
                                   uint32_t param_list, const struct names *cgp, const struct names *mgp)
{
    struct sig s;
    uint32_t n, count, generic_count;
    if (!heap_blob(c, blob_index, &s.p, &n))
        return;
    s.end = s.p + n;
    if (s.p >= s.end)
        return;
    uint8_t flags = *s.p++;
    if ((flags & SIG_GENERIC) && !read_unsigned(&s.p, s.end, &generic_count))
        return;
    if (!read_unsigned(&s.p, s.end, &count))
        return;
    char *ret = signature_type(c, &s, cgp, mgp);
    /* Constructors have no return type (as YARA, after FileInfo). */
    if (strcmp(m->name, ".ctor") != 0 && strcmp(m->name, ".cctor") != 0)
        m->return_type = ret;
    parse_parameters(c, m, param_list, count, &s, cgp, mgp);
}

static bool parse_method(struct ctx *c, struct fmt_dotnet_method *m, uint32_t index, const struct names *cgp)
{
    uint32_t cols[MAX_COLS];
    if (!read_row(c, T_METHODDEF, index, cols))
        return false;
    const char *name = heap_string(c, cols[METHOD_NAME]);
    if (!name || !*name)
        return false;
    uint32_t flags = cols[METHOD_FLAGS];
    m->name = arena_strdup(c, name);
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
    if (index < c->t[T_TYPEDEF].rows && read_row(c, T_TYPEDEF, index + 1, next))
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
    char *parent = type_ref_name(c, extends, cgp);
    if (parent && take_member(c)) {
        char **slot = PUSH(c, cls->base_types, cls->nbase_types, cap);
        if (slot)
            *slot = parent;
    }
    uint32_t cols[MAX_COLS];
    for (size_t i = index_find(&c->interfaces, index); i < c->interfaces.n && c->interfaces.v[i].key == index;
         i++) {
        if (!read_row(c, T_INTERFACEIMPL, c->interfaces.v[i].row, cols))
            continue;
        char *iface = type_ref_name(c, cols[IFACE_INTERFACE], cgp);
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
    char *scope = typedef_scope(c, index, flags, ns);
    char *full = full_name(name, scope);
    cls->fullname = arena_strdup(c, full);
    cls->name = arena_strdup(c, name);
    cls->namespace_ = arena_strdup(c, scope);
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
static void parse_classes(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    build_index(c, T_GENERICPARAM, GP_OWNER, &c->generic_params);
    build_index(c, T_INTERFACEIMPL, IFACE_CLASS, &c->interfaces);
    build_index(c, T_NESTEDCLASS, NESTED_NESTED, &c->nesting);
    out->has_classes = true;
    size_t cap = 0;
    uint32_t cols[MAX_COLS];
    const struct table *t = &c->t[T_TYPEDEF];
    for (uint32_t r = 1; t->present && r <= t->readable && !c->oom; r++) {
        if (!read_row(c, T_TYPEDEF, r, cols))
            continue;
        const char *name = heap_string(c, cols[TYPEDEF_NAME]);
        if (!name || strcmp(name, "<Module>") == 0)
            continue;
        if (!take_member(c))
            break;
        struct fmt_dotnet_class *cls = PUSH(c, out->classes, out->nclasses, cap);
        if (!cls)
            break;
        parse_class(c, cls, r, cols, name, heap_string(c, cols[TYPEDEF_NAMESPACE]));
    }
}

/* ---- top level ------------------------------------------------------------------------ */

static void parse_tables(struct ctx *c, const struct streams *s)
{
    c->has_strings = true;
    c->strings_off = c->metadata_root + s->strings.offset;
    c->has_blob = true;
    c->blob_off = c->metadata_root + s->blob.offset;
    bool complete = locate_tables(c, c->metadata_root + s->tilde.offset);
    parse_module(c);
    parse_field_offsets(c);
    parse_constants(c);
    parse_typelib(c);
    parse_assembly(c);
    parse_assembly_refs(c);
    parse_resources(c);
    parse_modulerefs(c);
    if (complete)
        parse_classes(c);
}

/* CLI header -> metadata root -> version, streams, and what they hold. */
static void parse_cli(struct ctx *c)
{
    struct fmt_dotnet *out = c->out;
    const struct fmt_pe_data_directory *dir = &c->pe->data_directories[FMT_PE_DIR_CLR];
    uint64_t cli, root;
    /* CLI header: cb, runtime version, MetaData {rva, size}, flags, entry
     * point, Resources {rva, size}, ... (72 bytes). */
    if (!fmt_pe_rva_offset(c->pe, dir->virtual_address, &cli) || !fits(c, cli, 72) ||
        rd32(c->data + cli) != 72) /* YARA wants cb to be the header's size */
        return;
    c->resources_rva = rd32(c->data + cli + 24);
    if (!fmt_pe_rva_offset(c->pe, rd32(c->data + cli + 8), &root) || !fits(c, root, 16) ||
        rd32(c->data + root) != METADATA_MAGIC)
        return;
    c->metadata_root = root;
    /* Version length: 1..255, a multiple of 4, inside the file. */
    uint32_t vlen = rd32(c->data + root + 12);
    if (vlen == 0 || vlen > 255 || vlen % 4 != 0 || !fits(c, root + 16, vlen))
        return;
    out->is_dotnet = true;
    const char *version = (const char *)c->data + root + 16;
    const char *nul = memchr(version, 0, vlen);
    if (nul)
        out->version = arena_strndup(c, version, (size_t)(nul - version));

    /* Flags (2 bytes), then the number of streams: YARA reads one byte of it. */
    uint64_t off = root + 16 + vlen + 2;
    if (!fits(c, off, 2))
        return;
    struct streams s = {0};
    parse_stream_headers(c, off + 2, c->data[off], &s);
    if (s.guid.present)
        parse_guids(c, &s.guid);
    if (s.tilde.present && s.strings.present && s.blob.present)
        parse_tables(c, &s);
    if (s.us.present)
        parse_user_strings(c, &s.us);
}

int fmt_dotnet_parse_pe(const struct fmt_pe *pe, const uint8_t *data, size_t len, struct fmt_dotnet *out)
{
    memset(out, 0, sizeof *out);
    if (!pe || !pe->is_pe || !data)
        return ASSAY_OK;
    out->is_pe = true;
    struct ctx c = {.data = data, .len = len, .pe = pe, .out = out};
    parse_cli(&c);
    free(c.generic_params.v);
    free(c.interfaces.v);
    free(c.nesting.v);
    return c.oom ? ASSAY_ENOMEM : ASSAY_OK;
}

int fmt_dotnet_parse(const uint8_t *data, size_t len, struct fmt_dotnet *out)
{
    memset(out, 0, sizeof *out);
    struct fmt_pe pe;
    /* Headers and sections are all the metadata needs. */
    const struct fmt_pe_options opt = {.attribution_only = true};
    int rc = fmt_pe_parse_with(data, len, &opt, &pe);
    if (rc == ASSAY_OK)
        rc = fmt_dotnet_parse_pe(&pe, data, len, out);
    fmt_pe_free(&pe);
    return rc;
}

void fmt_dotnet_free(struct fmt_dotnet *dn)
{
    if (dn)
        util_arena_free(&dn->arena_);
}
