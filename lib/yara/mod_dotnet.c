/* mod_dotnet.c — YARA's `dotnet` module (YARA 4.5 semantics) over
 * format/dotnet.h: the schema and the load step.
 *
 * What YARA exposes, and when:
 *   - nothing for a file that is not a PE; is_dotnet = 0 for a PE without
 *     readable CLI metadata, 1 once the metadata root and its version length
 *     check out (the rest may still be undefined);
 *   - version when the version string is NUL-terminated within its length;
 *   - streams (number_of_streams) once the stream count is read; guids when
 *     there is a #GUID stream; user_strings when #US starts with its empty
 *     entry;
 *   - the table values (module_name, assembly, assembly_refs, resources,
 *     modulerefs, constants, typelib, field_offsets, classes) only when #~
 *     (or #-), #Strings and #Blob are all present; each number_of_* only when
 *     its table is present (number_of_classes whenever the tables are read).
 * Like YARA (4.2 to 4.5), public_key_or_token and constants lack the last
 * byte of their blob. classes and number_of_classes exist only in 4.3+. */
#include <string.h>

#include "assay.h"
#include "format/dotnet.h"
#include "module.h"

/* ---- schema ------------------------------------------------------------------ */

#define INT(idx, n) [idx] = {.name = n, .type = YOBJ_INT}
#define STR(idx, n) [idx] = {.name = n, .type = YOBJ_STRING}
#define STRUCT(idx, n, m) [idx] = {.name = n, .type = YOBJ_STRUCT, .members = m}
#define ARRAY(idx, n, e) [idx] = {.name = n, .type = YOBJ_ARRAY, .element = e}

static const struct yobj_decl string_item = {.name = "item", .type = YOBJ_STRING};
static const struct yobj_decl int_item = {.name = "item", .type = YOBJ_INT};

enum { VER_MAJOR, VER_MINOR, VER_BUILD, VER_REVISION, VER_N };
static const struct yobj_decl version_members[VER_N + 1] = {
    INT(VER_MAJOR, "major"),
    INT(VER_MINOR, "minor"),
    INT(VER_BUILD, "build_number"),
    INT(VER_REVISION, "revision_number"),
};

enum { STREAM_NAME, STREAM_OFFSET, STREAM_SIZE, STREAM_N };
static const struct yobj_decl stream_members[STREAM_N + 1] = {
    STR(STREAM_NAME, "name"),
    INT(STREAM_OFFSET, "offset"),
    INT(STREAM_SIZE, "size"),
};
static const struct yobj_decl stream = {.name = "streams", .type = YOBJ_STRUCT, .members = stream_members};

enum { RES_OFFSET, RES_LENGTH, RES_NAME, RES_N };
static const struct yobj_decl resource_members[RES_N + 1] = {
    INT(RES_OFFSET, "offset"),
    INT(RES_LENGTH, "length"),
    STR(RES_NAME, "name"),
};
static const struct yobj_decl resource = {.name = "resources", .type = YOBJ_STRUCT, .members = resource_members};

enum { PARAM_NAME, PARAM_TYPE, PARAM_N };
static const struct yobj_decl param_members[PARAM_N + 1] = {
    STR(PARAM_NAME, "name"),
    STR(PARAM_TYPE, "type"),
};
static const struct yobj_decl param = {.name = "parameters", .type = YOBJ_STRUCT, .members = param_members};

enum {
    M_GENERIC_PARAMETERS, M_NUMBER_OF_GENERIC_PARAMETERS, M_PARAMETERS, M_NUMBER_OF_PARAMETERS, M_RETURN_TYPE,
    M_ABSTRACT, M_FINAL, M_VIRTUAL, M_STATIC, M_VISIBILITY, M_NAME, M_N
};
static const struct yobj_decl method_members[M_N + 1] = {
    ARRAY(M_GENERIC_PARAMETERS, "generic_parameters", &string_item),
    INT(M_NUMBER_OF_GENERIC_PARAMETERS, "number_of_generic_parameters"),
    ARRAY(M_PARAMETERS, "parameters", &param),
    INT(M_NUMBER_OF_PARAMETERS, "number_of_parameters"),
    STR(M_RETURN_TYPE, "return_type"),
    INT(M_ABSTRACT, "abstract"),
    INT(M_FINAL, "final"),
    INT(M_VIRTUAL, "virtual"),
    INT(M_STATIC, "static"),
    STR(M_VISIBILITY, "visibility"),
    STR(M_NAME, "name"),
};
static const struct yobj_decl method = {.name = "methods", .type = YOBJ_STRUCT, .members = method_members};

enum {
    C_FULLNAME, C_NAME, C_NAMESPACE, C_VISIBILITY, C_TYPE, C_ABSTRACT, C_SEALED, C_NUMBER_OF_GENERIC_PARAMETERS,
    C_GENERIC_PARAMETERS, C_NUMBER_OF_BASE_TYPES, C_BASE_TYPES, C_NUMBER_OF_METHODS, C_METHODS, C_N
};
static const struct yobj_decl class_members[C_N + 1] = {
    STR(C_FULLNAME, "fullname"),
    STR(C_NAME, "name"),
    STR(C_NAMESPACE, "namespace"),
    STR(C_VISIBILITY, "visibility"),
    STR(C_TYPE, "type"),
    INT(C_ABSTRACT, "abstract"),
    INT(C_SEALED, "sealed"),
    INT(C_NUMBER_OF_GENERIC_PARAMETERS, "number_of_generic_parameters"),
    ARRAY(C_GENERIC_PARAMETERS, "generic_parameters", &string_item),
    INT(C_NUMBER_OF_BASE_TYPES, "number_of_base_types"),
    ARRAY(C_BASE_TYPES, "base_types", &string_item),
    INT(C_NUMBER_OF_METHODS, "number_of_methods"),
    ARRAY(C_METHODS, "methods", &method),
};
static const struct yobj_decl class_decl = {.name = "classes", .type = YOBJ_STRUCT, .members = class_members};

enum { AREF_VERSION, AREF_PUBLIC_KEY_OR_TOKEN, AREF_NAME, AREF_N };
static const struct yobj_decl assembly_ref_members[AREF_N + 1] = {
    STRUCT(AREF_VERSION, "version", version_members),
    STR(AREF_PUBLIC_KEY_OR_TOKEN, "public_key_or_token"),
    STR(AREF_NAME, "name"),
};
static const struct yobj_decl assembly_ref = {.name = "assembly_refs", .type = YOBJ_STRUCT,
                                              .members = assembly_ref_members};

enum { ASM_VERSION, ASM_NAME, ASM_CULTURE, ASM_N };
static const struct yobj_decl assembly_members[ASM_N + 1] = {
    STRUCT(ASM_VERSION, "version", version_members),
    STR(ASM_NAME, "name"),
    STR(ASM_CULTURE, "culture"),
};

enum {
    R_VERSION, R_MODULE_NAME, R_STREAMS, R_NUMBER_OF_STREAMS, R_GUIDS, R_NUMBER_OF_GUIDS, R_RESOURCES,
    R_NUMBER_OF_RESOURCES, R_CLASSES, R_NUMBER_OF_CLASSES, R_ASSEMBLY_REFS, R_NUMBER_OF_ASSEMBLY_REFS, R_ASSEMBLY,
    R_MODULEREFS, R_NUMBER_OF_MODULEREFS, R_USER_STRINGS, R_NUMBER_OF_USER_STRINGS, R_TYPELIB, R_CONSTANTS,
    R_NUMBER_OF_CONSTANTS, R_FIELD_OFFSETS, R_NUMBER_OF_FIELD_OFFSETS, R_IS_DOTNET, R_N
};
static const struct yobj_decl dotnet_members[R_N + 1] = {
    STR(R_VERSION, "version"),
    STR(R_MODULE_NAME, "module_name"),
    ARRAY(R_STREAMS, "streams", &stream),
    INT(R_NUMBER_OF_STREAMS, "number_of_streams"),
    ARRAY(R_GUIDS, "guids", &string_item),
    INT(R_NUMBER_OF_GUIDS, "number_of_guids"),
    ARRAY(R_RESOURCES, "resources", &resource),
    INT(R_NUMBER_OF_RESOURCES, "number_of_resources"),
    ARRAY(R_CLASSES, "classes", &class_decl),
    INT(R_NUMBER_OF_CLASSES, "number_of_classes"),
    ARRAY(R_ASSEMBLY_REFS, "assembly_refs", &assembly_ref),
    INT(R_NUMBER_OF_ASSEMBLY_REFS, "number_of_assembly_refs"),
    STRUCT(R_ASSEMBLY, "assembly", assembly_members),
    ARRAY(R_MODULEREFS, "modulerefs", &string_item),
    INT(R_NUMBER_OF_MODULEREFS, "number_of_modulerefs"),
    ARRAY(R_USER_STRINGS, "user_strings", &string_item),
    INT(R_NUMBER_OF_USER_STRINGS, "number_of_user_strings"),
    STR(R_TYPELIB, "typelib"),
    ARRAY(R_CONSTANTS, "constants", &string_item),
    INT(R_NUMBER_OF_CONSTANTS, "number_of_constants"),
    ARRAY(R_FIELD_OFFSETS, "field_offsets", &int_item),
    INT(R_NUMBER_OF_FIELD_OFFSETS, "number_of_field_offsets"),
    INT(R_IS_DOTNET, "is_dotnet"),
};

static const struct yobj_decl dotnet_decl = {.name = "dotnet", .type = YOBJ_STRUCT, .members = dotnet_members};

/* ---- load ------------------------------------------------------------------- */

static int set_str(struct yobj_arena *a, struct yobj *o, const char *s)
{
    return s ? yobj_set_string(a, o, s, strlen(s)) : ASSAY_OK;
}

static int set_bytes(struct yobj_arena *a, struct yobj *o, struct fmt_dotnet_bytes b)
{
    return b.p ? yobj_set_string(a, o, b.p, b.n) : ASSAY_OK;
}

/* A string array and, when `count` is set, its number_of_* member. */
static int fill_strings(struct yobj_arena *a, struct yobj *arr, struct yobj *count, char *const *v, size_t n)
{
    if (count)
        yobj_set_int(count, (int64_t)n);
    struct yobj *items = yobj_array_resize(a, arr, n);
    if (!items && n)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (set_str(a, &items[i], v[i]) != ASSAY_OK)
            return ASSAY_ENOMEM;
    return ASSAY_OK;
}

static int fill_byte_strings(struct yobj_arena *a, struct yobj *arr, struct yobj *count,
                             const struct fmt_dotnet_bytes *v, size_t n)
{
    yobj_set_int(count, (int64_t)n);
    struct yobj *items = yobj_array_resize(a, arr, n);
    if (!items && n)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < n; i++)
        if (set_bytes(a, &items[i], v[i]) != ASSAY_OK)
            return ASSAY_ENOMEM;
    return ASSAY_OK;
}

static void fill_version(struct yobj *v, const struct fmt_dotnet_version *ver)
{
    yobj_set_int(&v->members[VER_MAJOR], ver->major);
    yobj_set_int(&v->members[VER_MINOR], ver->minor);
    yobj_set_int(&v->members[VER_BUILD], ver->build_number);
    yobj_set_int(&v->members[VER_REVISION], ver->revision_number);
}

static int fill_method(struct yobj_arena *a, struct yobj *m, const struct fmt_dotnet_method *src)
{
    struct yobj *f = m->members;
    int rc = set_str(a, &f[M_NAME], src->name);
    rc |= set_str(a, &f[M_VISIBILITY], src->visibility);
    rc |= set_str(a, &f[M_RETURN_TYPE], src->return_type);
    yobj_set_int(&f[M_STATIC], src->is_static);
    yobj_set_int(&f[M_VIRTUAL], src->is_virtual);
    yobj_set_int(&f[M_FINAL], src->is_final);
    yobj_set_int(&f[M_ABSTRACT], src->is_abstract);
    rc |= fill_strings(a, &f[M_GENERIC_PARAMETERS], &f[M_NUMBER_OF_GENERIC_PARAMETERS], src->generic_parameters,
                       src->ngeneric_parameters);
    yobj_set_int(&f[M_NUMBER_OF_PARAMETERS], (int64_t)src->nparameters);
    struct yobj *items = yobj_array_resize(a, &f[M_PARAMETERS], src->nparameters);
    if (!items && src->nparameters)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < src->nparameters && rc == ASSAY_OK; i++) {
        rc |= set_str(a, &items[i].members[PARAM_NAME], src->parameters[i].name);
        rc |= set_str(a, &items[i].members[PARAM_TYPE], src->parameters[i].type);
    }
    return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

static int fill_class(struct yobj_arena *a, struct yobj *o, const struct fmt_dotnet_class *src)
{
    struct yobj *f = o->members;
    int rc = set_str(a, &f[C_FULLNAME], src->fullname);
    rc |= set_str(a, &f[C_NAME], src->name);
    rc |= set_str(a, &f[C_NAMESPACE], src->namespace_);
    rc |= set_str(a, &f[C_VISIBILITY], src->visibility);
    rc |= set_str(a, &f[C_TYPE], src->type);
    yobj_set_int(&f[C_ABSTRACT], src->is_abstract);
    yobj_set_int(&f[C_SEALED], src->is_sealed);
    rc |= fill_strings(a, &f[C_GENERIC_PARAMETERS], &f[C_NUMBER_OF_GENERIC_PARAMETERS], src->generic_parameters,
                       src->ngeneric_parameters);
    rc |= fill_strings(a, &f[C_BASE_TYPES], &f[C_NUMBER_OF_BASE_TYPES], src->base_types, src->nbase_types);
    if (src->has_methods) {
        yobj_set_int(&f[C_NUMBER_OF_METHODS], (int64_t)src->nmethods);
        struct yobj *items = yobj_array_resize(a, &f[C_METHODS], src->nmethods);
        if (!items && src->nmethods)
            return ASSAY_ENOMEM;
        for (size_t i = 0; i < src->nmethods && rc == ASSAY_OK; i++)
            rc |= fill_method(a, &items[i], &src->methods[i]);
    }
    return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

static int fill_streams(struct yobj_arena *a, struct yobj *r, const struct fmt_dotnet *dn)
{
    yobj_set_int(&r[R_NUMBER_OF_STREAMS], (int64_t)dn->nstreams);
    struct yobj *items = yobj_array_resize(a, &r[R_STREAMS], dn->nstreams);
    if (!items && dn->nstreams)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < dn->nstreams; i++) {
        struct yobj *m = items[i].members;
        if (set_str(a, &m[STREAM_NAME], dn->streams[i].name) != ASSAY_OK)
            return ASSAY_ENOMEM;
        yobj_set_int(&m[STREAM_OFFSET], (int64_t)dn->streams[i].offset);
        yobj_set_int(&m[STREAM_SIZE], dn->streams[i].size);
    }
    return ASSAY_OK;
}

static int fill_guids(struct yobj_arena *a, struct yobj *r, const struct fmt_dotnet *dn)
{
    yobj_set_int(&r[R_NUMBER_OF_GUIDS], (int64_t)dn->nguids);
    struct yobj *items = yobj_array_resize(a, &r[R_GUIDS], dn->nguids);
    if (!items && dn->nguids)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < dn->nguids; i++)
        if (set_str(a, &items[i], dn->guids[i]) != ASSAY_OK)
            return ASSAY_ENOMEM;
    return ASSAY_OK;
}

static int fill_assembly(struct yobj_arena *a, struct yobj *r, const struct fmt_dotnet *dn)
{
    struct yobj *m = r[R_ASSEMBLY].members;
    fill_version(&m[ASM_VERSION], &dn->assembly_version);
    int rc = set_str(a, &m[ASM_NAME], dn->assembly_name);
    rc |= set_str(a, &m[ASM_CULTURE], dn->assembly_culture);
    return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

static int fill_assembly_refs(struct yobj_arena *a, struct yobj *r, const struct fmt_dotnet *dn)
{
    yobj_set_int(&r[R_NUMBER_OF_ASSEMBLY_REFS], (int64_t)dn->nassembly_refs);
    struct yobj *items = yobj_array_resize(a, &r[R_ASSEMBLY_REFS], dn->nassembly_refs);
    if (!items && dn->nassembly_refs)
        return ASSAY_ENOMEM;
    int rc = ASSAY_OK;
    for (size_t i = 0; i < dn->nassembly_refs; i++) {
        struct yobj *m = items[i].members;
        fill_version(&m[AREF_VERSION], &dn->assembly_refs[i].version);
        rc |= set_bytes(a, &m[AREF_PUBLIC_KEY_OR_TOKEN], dn->assembly_refs[i].public_key_or_token);
        rc |= set_str(a, &m[AREF_NAME], dn->assembly_refs[i].name);
    }
    return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

static int fill_resources(struct yobj_arena *a, struct yobj *r, const struct fmt_dotnet *dn)
{
    yobj_set_int(&r[R_NUMBER_OF_RESOURCES], (int64_t)dn->nresources);
    struct yobj *items = yobj_array_resize(a, &r[R_RESOURCES], dn->nresources);
    if (!items && dn->nresources)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < dn->nresources; i++) {
        struct yobj *m = items[i].members;
        yobj_set_int(&m[RES_OFFSET], (int64_t)dn->resources[i].offset);
        yobj_set_int(&m[RES_LENGTH], dn->resources[i].length);
        if (set_str(a, &m[RES_NAME], dn->resources[i].name) != ASSAY_OK)
            return ASSAY_ENOMEM;
    }
    return ASSAY_OK;
}

static int fill_field_offsets(struct yobj_arena *a, struct yobj *r, const struct fmt_dotnet *dn)
{
    yobj_set_int(&r[R_NUMBER_OF_FIELD_OFFSETS], (int64_t)dn->nfield_offsets);
    struct yobj *items = yobj_array_resize(a, &r[R_FIELD_OFFSETS], dn->nfield_offsets);
    if (!items && dn->nfield_offsets)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < dn->nfield_offsets; i++)
        yobj_set_int(&items[i], (int64_t)dn->field_offsets[i]);
    return ASSAY_OK;
}

static int fill_classes(struct yobj_arena *a, struct yobj *r, const struct fmt_dotnet *dn)
{
    yobj_set_int(&r[R_NUMBER_OF_CLASSES], (int64_t)dn->nclasses);
    struct yobj *items = yobj_array_resize(a, &r[R_CLASSES], dn->nclasses);
    if (!items && dn->nclasses)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < dn->nclasses; i++)
        if (fill_class(a, &items[i], &dn->classes[i]) != ASSAY_OK)
            return ASSAY_ENOMEM;
    return ASSAY_OK;
}

static int fill(struct yobj_arena *a, struct yobj *root, const struct fmt_dotnet *dn)
{
    struct yobj *r = root->members;
    yobj_set_int(&r[R_IS_DOTNET], dn->is_dotnet);
    int rc = set_str(a, &r[R_VERSION], dn->version);
    rc |= set_str(a, &r[R_MODULE_NAME], dn->module_name);
    rc |= set_str(a, &r[R_TYPELIB], dn->typelib);
    if (dn->has_streams)
        rc |= fill_streams(a, r, dn);
    if (dn->has_guids)
        rc |= fill_guids(a, r, dn);
    if (dn->has_user_strings)
        rc |= fill_byte_strings(a, &r[R_USER_STRINGS], &r[R_NUMBER_OF_USER_STRINGS], dn->user_strings,
                                dn->nuser_strings);
    if (dn->has_assembly)
        rc |= fill_assembly(a, r, dn);
    if (dn->has_assembly_refs)
        rc |= fill_assembly_refs(a, r, dn);
    if (dn->has_resources)
        rc |= fill_resources(a, r, dn);
    if (dn->has_modulerefs)
        rc |= fill_strings(a, &r[R_MODULEREFS], &r[R_NUMBER_OF_MODULEREFS], dn->modulerefs, dn->nmodulerefs);
    if (dn->has_constants)
        rc |= fill_byte_strings(a, &r[R_CONSTANTS], &r[R_NUMBER_OF_CONSTANTS], dn->constants, dn->nconstants);
    if (dn->has_field_offsets)
        rc |= fill_field_offsets(a, r, dn);
    if (dn->has_classes)
        rc |= fill_classes(a, r, dn);
    return rc ? ASSAY_ENOMEM : ASSAY_OK;
}

static int dotnet_load(struct yobj_arena *a, struct yobj *root, const uint8_t *data, size_t len, void **state)
{
    (void)state;
    struct fmt_dotnet dn;
    int rc = fmt_dotnet_parse(data, len, &dn);
    if (rc == ASSAY_OK && dn.is_pe)
        rc = fill(a, root, &dn);
    fmt_dotnet_free(&dn);
    return rc == ASSAY_ENOMEM ? rc : ASSAY_OK; /* not a PE: everything undefined */
}

const struct yara_module yara_module_dotnet = {"dotnet", &dotnet_decl, dotnet_load, NULL};
