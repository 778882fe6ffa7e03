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
#include "dotnet_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "util/buf.h"

/* ---- tables and their columns ------------------------------------------------- */

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



#define ELEMENT_TYPE_STRING 0x0e
#define METADATA_MAGIC 0x424a5342u /* "BSJB" */


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

void *dn_arena_alloc(struct ctx *c, size_t size)
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

char *dn_arena_strdup(struct ctx *c, const char *s)
{
    return s ? arena_strndup(c, s, strlen(s)) : NULL;
}

static struct fmt_dotnet_bytes arena_bytes(struct ctx *c, const uint8_t *p, size_t n)
{
    struct fmt_dotnet_bytes b = {NULL, 0};
    uint8_t *copy = take_bytes(c, n) ? dn_arena_alloc(c, n) : NULL;
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
void *dn_push(struct ctx *c, void **arr, size_t *n, size_t *cap, size_t elem)
{
    void *v = grow(c, *arr, *n, cap, elem);
    if (!v)
        return NULL;
    *arr = v;
    return (char *)v + (*n)++ * elem;
}


/* A NUL-terminated string at `index` in the #Strings heap. As YARA 4.2, the
 * index is not checked against the heap's size: the string may start
 * anywhere in the file, its terminator must come before the end of the file
 * (and, here, within FMT_DOTNET_MAX_STRING bytes). */
const char *dn_heap_string(const struct ctx *c, uint32_t index)
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

bool dn_read_unsigned(const uint8_t **p, const uint8_t *end, uint32_t *v)
{
    unsigned n;
    return read_compressed(p, end, v, &n);
}

/* A compressed signed integer: the sign is in the low bit of the rotated value. */
bool dn_read_signed(const uint8_t **p, const uint8_t *end, int32_t *v)
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
bool dn_heap_blob(const struct ctx *c, uint32_t index, const uint8_t **p, uint32_t *n)
{
    if (!c->has_blob)
        return false;
    uint64_t off = c->blob_off + index;
    if (off >= c->len)
        return false;
    const uint8_t *q = c->data + off, *end = c->data + c->len;
    uint32_t length;
    if (!dn_read_unsigned(&q, end, &length) || (uint64_t)(end - q) < length)
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
    if (!dn_read_unsigned(&q, end, &length))
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
bool dn_read_row(const struct ctx *c, enum table_id id, uint32_t index, uint32_t cols[MAX_COLS])
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
int dn_coded_table(enum coded_id id, uint32_t value, uint32_t *row)
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
void dn_build_index(struct ctx *c, enum table_id id, unsigned col, struct row_index *ix)
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
        if (dn_read_row(c, id, r, cols))
            ix->v[ix->n++] = (struct key_row){cols[col], r};
    qsort(ix->v, ix->n, sizeof *ix->v, cmp_key_row);
}

/* The position of the first entry with `key` (ix->n when none). */
size_t dn_index_find(const struct row_index *ix, uint64_t key)
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
    out->streams = dn_arena_alloc(c, (count ? count : 1) * sizeof *out->streams);
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
    out->guids = dn_arena_alloc(c, FMT_DOTNET_MAX_GUIDS * sizeof *out->guids);
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
    bool ok = dn_read_row(c, id, 1, cols);
    if (t->rows == 0)
        t->readable = 0;
    return ok;
}

static void parse_module(struct ctx *c)
{
    uint32_t cols[MAX_COLS];
    if (read_first_row(c, T_MODULE, cols))
        c->out->module_name = dn_arena_strdup(c, dn_heap_string(c, cols[MODULE_NAME]));
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
    out->assembly_name = dn_arena_strdup(c, dn_heap_string(c, cols[ASM_NAME]));
    const char *culture = dn_heap_string(c, cols[ASM_CULTURE]);
    if (culture && *culture) /* YARA leaves an empty culture undefined */
        out->assembly_culture = dn_arena_strdup(c, culture);
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
    for (uint32_t r = 1; r <= t->readable && dn_read_row(c, T_ASSEMBLYREF, r, cols) && !c->oom; r++) {
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
        ref->name = dn_arena_strdup(c, dn_heap_string(c, cols[ASMREF_NAME]));
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
    for (uint32_t r = 1; r <= t->readable && dn_read_row(c, T_MANIFESTRESOURCE, r, cols) && !c->oom; r++) {
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
        res->name = dn_arena_strdup(c, dn_heap_string(c, cols[RES_NAME]));
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
    for (uint32_t r = 1; r <= t->readable && dn_read_row(c, T_MODULEREF, r, cols) && !c->oom; r++) {
        const char *name = dn_heap_string(c, cols[0]);
        if (!name)
            continue;
        if (out->nmodulerefs >= FMT_DOTNET_MAX_ITEMS) {
            out->truncated = true;
            break;
        }
        char **slot = PUSH(c, out->modulerefs, out->nmodulerefs, cap);
        if (slot)
            *slot = dn_arena_strdup(c, name);
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
    for (uint32_t r = 1; r <= t->readable && dn_read_row(c, T_CONSTANT, r, cols) && !c->oom; r++) {
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
    for (uint32_t r = 1; r <= t->readable && dn_read_row(c, T_FIELDRVA, r, cols) && !c->oom; r++) {
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
    for (uint32_t r = 1; t->present && r <= t->readable && dn_read_row(c, T_CUSTOMATTRIBUTE, r, cols); r++) {
        uint32_t row, member, typeref;
        if (dn_coded_table(C_HASCUSTOMATTRIBUTE, cols[CA_PARENT], &row) != T_ASSEMBLY ||
            dn_coded_table(C_CUSTOMATTRIBUTETYPE, cols[CA_TYPE], &member) != T_MEMBERREF ||
            !dn_read_row(c, T_MEMBERREF, member, mcols) ||
            dn_coded_table(C_MEMBERREFPARENT, mcols[MEMBERREF_CLASS], &typeref) != T_TYPEREF ||
            !dn_read_row(c, T_TYPEREF, typeref, tcols))
            continue;
        /* As YARA: an unreadable type name does not rule the attribute out. */
        const char *name = dn_heap_string(c, tcols[TYPEREF_NAME]);
        if (name && strncmp(name, "GuidAttribute", 13) != 0)
            continue;
        /* Value: prolog 0x0001, a one-byte string length, the string. */
        const uint8_t *v;
        uint32_t n;
        if (!dn_heap_blob(c, cols[CA_VALUE], &v, &n) || !fits(c, (uint64_t)(v - c->data), 3) || rd16(v) != 1)
            continue;
        uint8_t str_len = v[2];
        if (!fits(c, (uint64_t)(v - c->data) + 3, str_len))
            continue;
        const char *s = (const char *)v + 3;
        if (str_len == 0 || str_len == 0xff) /* empty or null string */
            c->out->typelib = dn_arena_strdup(c, "");
        else
            c->out->typelib = arena_strndup(c, s, strnlen(s, str_len));
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
        dn_parse_classes(c);
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
