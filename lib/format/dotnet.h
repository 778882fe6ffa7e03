/* dotnet.h — a bounds-checked parse of the CLI (.NET) metadata of a PE image
 * into plain C data: the metadata root and its streams (#~ or #-, #Strings,
 * #US, #Blob, #GUID), the tables YARA's `dotnet` module reads (Module,
 * TypeRef, TypeDef, MethodDef, Param, InterfaceImpl, MemberRef, Constant,
 * CustomAttribute, ModuleRef, TypeSpec, FieldRVA, Assembly, AssemblyRef,
 * ManifestResource, NestedClass, GenericParam; the others are only sized to
 * find the tables after them) and the classes with their methods, parameters
 * and generic parameters, with type names written as YARA 4.5 writes them.
 *
 * The input is untrusted. Every read is checked against the file (offsets are
 * 64-bit, so offset + size cannot wrap); a table row outside the file is not
 * read; a value that cannot be read is left undefined (NULL / has_* false),
 * as YARA leaves it. As YARA, the walk of the tables stops at a table that
 * claims more than 10,000 rows (it and the later tables are absent, and the
 * classes are not read). Limits of our own (a reached cap sets `truncated`):
 *   - FMT_DOTNET_MAX_MEMBERS classes + methods + parameters + generic
 *     parameters + base types in total (crafted MethodList ranges can make
 *     every class claim every method);
 *   - FMT_DOTNET_MAX_ITEMS entries in each flat list (user strings,
 *     constants, resources, module and assembly references, field offsets);
 *   - type names: FMT_DOTNET_MAX_TYPE_DEPTH nested signature elements,
 *     FMT_DOTNET_MAX_NAME bytes (a longer name is undefined),
 *     FMT_DOTNET_MAX_NEST_DEPTH enclosing classes, FMT_DOTNET_MAX_TYPE_STEPS
 *     signature elements per name (a name that needs more is undefined);
 *   - parameters of one method: no more than the bytes left in its
 *     signature, and FMT_DOTNET_MAX_PARAMS;
 *   - a #Strings entry longer than FMT_DOTNET_MAX_STRING is unreadable, and
 *     at most FMT_DOTNET_MAX_BYTES of strings and blobs are copied in total
 *     (the same long name or blob can be referenced by every row).
 * Loops over tables are linear: the lookups classes need (interfaces, nesting,
 * generic parameters) go through indexes built once per file.
 *
 * Every string and array is owned by the struct (an arena); nothing points
 * into the input. fmt_dotnet_free releases everything. */
#ifndef ASSAY_FORMAT_DOTNET_H
#define ASSAY_FORMAT_DOTNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "format/pe.h"
#include "util/arena.h"

#define FMT_DOTNET_MAX_MEMBERS (1u << 20)
#define FMT_DOTNET_MAX_ITEMS (1u << 20)
#define FMT_DOTNET_MAX_TYPE_DEPTH 16
#define FMT_DOTNET_MAX_NEST_DEPTH 16
#define FMT_DOTNET_MAX_TYPE_STEPS 4096
#define FMT_DOTNET_MAX_NAME 4096
#define FMT_DOTNET_MAX_PARAMS 4096
#define FMT_DOTNET_MAX_STRING 65536       /* longest #Strings entry read (else undefined) */
#define FMT_DOTNET_MAX_BYTES (64u << 20)  /* bytes of strings and blobs copied in total */
#define FMT_DOTNET_MAX_GUIDS 16          /* as YARA: the first 256 bytes of #GUID */
#define FMT_DOTNET_STREAM_NAME 32        /* stream names are at most 32 bytes */

/* Bytes that may hold NULs (user strings, constants, keys); p NULL = undefined. */
struct fmt_dotnet_bytes {
    const uint8_t *p;
    size_t n;
};

struct fmt_dotnet_version {
    uint16_t major, minor, build_number, revision_number;
};

struct fmt_dotnet_stream {
    char name[FMT_DOTNET_STREAM_NAME + 1];
    uint64_t offset;             /* file offset: metadata root + the header's offset */
    uint32_t size;
};

struct fmt_dotnet_assembly_ref {
    struct fmt_dotnet_version version;
    struct fmt_dotnet_bytes public_key_or_token; /* undefined when empty */
    char *name;
};

struct fmt_dotnet_resource {
    uint64_t offset;             /* file offset of the data (after its length word) */
    uint32_t length;
    char *name;
};

struct fmt_dotnet_param {
    char *name;                  /* from the Param table, else "P_<index>" */
    char *type;                  /* NULL when the signature cannot be read */
};

struct fmt_dotnet_method {
    char *name;
    const char *visibility;      /* "public", "private", ... (static text) */
    bool is_static, is_virtual, is_final, is_abstract;
    char *return_type;           /* NULL for constructors and unreadable signatures */
    char **generic_parameters;
    size_t ngeneric_parameters;
    struct fmt_dotnet_param *parameters;
    size_t nparameters;
};

struct fmt_dotnet_class {
    char *fullname;
    char *name;
    char *namespace_;            /* NULL when empty */
    const char *visibility;      /* static text */
    const char *type;            /* "class" or "interface" */
    bool is_abstract, is_sealed;
    char **generic_parameters;
    size_t ngeneric_parameters;
    char **base_types;
    size_t nbase_types;
    bool has_methods;            /* number_of_methods is defined (MethodList != 0) */
    struct fmt_dotnet_method *methods;
    size_t nmethods;
};

struct fmt_dotnet {
    bool is_pe;                  /* a PE: is_dotnet is defined */
    bool is_dotnet;              /* CLI header and metadata root with a valid version length */
    char *version;               /* metadata root version string */
    char *module_name;

    bool has_streams;
    struct fmt_dotnet_stream *streams;
    size_t nstreams;

    bool has_guids;
    char (*guids)[37];
    size_t nguids;

    bool has_user_strings;
    struct fmt_dotnet_bytes *user_strings;   /* UTF-16LE, without the final flag byte */
    size_t nuser_strings;

    bool has_assembly;
    struct fmt_dotnet_version assembly_version;
    char *assembly_name;
    char *assembly_culture;      /* NULL when empty */

    bool has_assembly_refs;
    struct fmt_dotnet_assembly_ref *assembly_refs;
    size_t nassembly_refs;

    bool has_resources;
    struct fmt_dotnet_resource *resources;
    size_t nresources;

    bool has_modulerefs;
    char **modulerefs;
    size_t nmodulerefs;

    bool has_constants;
    struct fmt_dotnet_bytes *constants;      /* string constants (UTF-16LE) */
    size_t nconstants;

    char *typelib;               /* the assembly's GuidAttribute, or NULL */

    bool has_field_offsets;
    uint64_t *field_offsets;
    size_t nfield_offsets;

    bool has_classes;            /* the tables were read: number_of_classes is defined */
    struct fmt_dotnet_class *classes;
    size_t nclasses;

    bool truncated;              /* a documented cap was reached */
    struct util_arena arena_;    /* private: owns everything above */
};

/* Parse the .NET metadata of the `len` bytes at `data`, already parsed as a
 * PE into `pe` (fmt_pe_parse*: headers and sections are all it uses). Returns
 * ASSAY_OK (out->is_dotnet tells whether metadata was found; a damaged part is
 * left undefined) or ASSAY_ENOMEM. Call fmt_dotnet_free after any return. */
int fmt_dotnet_parse_pe(const struct fmt_pe *pe, const uint8_t *data, size_t len, struct fmt_dotnet *out);

/* The same from the raw bytes (parses the PE headers itself): ASSAY_OK, or
 * ASSAY_EFORMAT when the bytes are not a PE (out->is_pe false), ASSAY_ENOMEM. */
int fmt_dotnet_parse(const uint8_t *data, size_t len, struct fmt_dotnet *out);

void fmt_dotnet_free(struct fmt_dotnet *dn);

#endif
