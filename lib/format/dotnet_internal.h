/* dotnet_internal.h — what the parts of the CLI metadata parser share:
 * dotnet.c (the metadata root, streams, tables and bounded reads, and the
 * assembly-level values), dotnet_types.c (type names from tables and
 * signatures) and dotnet_classes.c (classes, their methods, parameters and
 * base types). Not for use outside lib/format/dotnet*.c. */
#ifndef ASSAY_FORMAT_DOTNET_INTERNAL_H
#define ASSAY_FORMAT_DOTNET_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dotnet.h"

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

#define MAX_COLS 9

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

/* A signature blob being read (ECMA-335 II.23.2). */
struct sig {
    const uint8_t *p, *end;
};

/* ---- dotnet.c: bounded reads, heaps and rows ----------------------------------------- */

/* Memory from the result's arena (NULL, and c->oom set, when out of memory). */
void *dn_arena_alloc(struct ctx *c, size_t size);
/* A copy of s in the arena, counted against FMT_DOTNET_MAX_BYTES (NULL for
 * a NULL s, over the budget, or out of memory). */
char *dn_arena_strdup(struct ctx *c, const char *s);
/* Append one zeroed element to *arr (n elements, room for *cap); returns it,
 * or NULL on ENOMEM with the array unchanged. */
void *dn_push(struct ctx *c, void **arr, size_t *n, size_t *cap, size_t elem);
#define PUSH(c, arr, n, cap) dn_push((c), (void **)&(arr), &(n), &(cap), sizeof *(arr))

/* The NUL-terminated string at `index` of the #Strings heap (as YARA 4.2,
 * the index is not checked against the heap's size; the terminator must
 * come before the end of the file), NULL when there is none. */
const char *dn_heap_string(const struct ctx *c, uint32_t index);
/* The blob at `index` of the #Blob heap: its length header and data must
 * lie inside the file. */
bool dn_heap_blob(const struct ctx *c, uint32_t index, const uint8_t **p, uint32_t *n);
/* A compressed unsigned or signed integer of a signature (ECMA-335 II.23.2),
 * *p moved past it; false when it runs past `end`. */
bool dn_read_unsigned(const uint8_t **p, const uint8_t *end, uint32_t *v);
bool dn_read_signed(const uint8_t **p, const uint8_t *end, int32_t *v);
/* Row `index` (1-based) of table `id` into cols[]; false when the index is
 * out of range or the row is not inside the file. */
bool dn_read_row(const struct ctx *c, enum table_id id, uint32_t index, uint32_t cols[MAX_COLS]);
/* Split a coded index into its table (or -1 when the tag names none) and row. */
int dn_coded_table(enum coded_id id, uint32_t value, uint32_t *row);
/* Index the readable rows of `id` by column `col`; the position of the
 * first entry with `key` in such an index (ix->n when none). */
void dn_build_index(struct ctx *c, enum table_id id, unsigned col, struct row_index *ix);
size_t dn_index_find(const struct row_index *ix, uint64_t key);

/* ---- dotnet_types.c: type names ------------------------------------------------------ */

/* "ns.name" (or the one that is not empty) cut at its first '`', as YARA
 * drops the generic arity of names; malloc'ed, NULL when both are empty or
 * on ENOMEM. An empty name gives the namespace uncut. */
char *dn_full_name(const char *name, const char *ns);
/* Namespace of TypeDef row `index` with flags: its own, or for a nested
 * class the enclosing class's full name (then ".own" when it has one);
 * malloc'ed, NULL when there is none. */
char *dn_typedef_scope(struct ctx *c, uint32_t index, uint32_t flags, const char *ns);
/* A whole type name from a signature at s->p, as YARA writes it, in the
 * arena; NULL when unreadable. cgp and mgp name the class's and the
 * method's generic parameters. */
char *dn_signature_type(struct ctx *c, struct sig *s, const struct names *cgp, const struct names *mgp);
/* The name a TypeDefOrRef index refers to (base types), in the arena. */
char *dn_type_ref_name(struct ctx *c, uint32_t coded, const struct names *cgp);

/* ---- dotnet_classes.c ------------------------------------------------------------------ */

/* The classes of the TypeDef table into c->out. */
void dn_parse_classes(struct ctx *c);

#endif
