/* mod_pe.c — load/unload of YARA's `pe` module: parse the object with
 * fmt_pe_parse and copy what it found into the module's value tree (see
 * mod_pe.h). Which fields are defined follows YARA 4.5: for a PE the counts
 * (number_of_imports, number_of_resources, ...) are always set, while the
 * fields of a part the file lacks (rich_signature, dll_name, pdb_path,
 * resource_timestamp, ...) stay undefined. */
#include "mod_pe.h"

#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/pe.h"
#include "mod_pe_internal.h"

/* ---- setters by member index -------------------------------------------- */

static struct yobj *at(struct yobj *o, int idx)
{
    return &o->members[idx];
}

static void set_int(struct yobj *o, int idx, int64_t v)
{
    yobj_set_int(at(o, idx), v);
}

/* A NUL-terminated string; NULL leaves the member undefined. */
static int set_str(struct yobj_arena *a, struct yobj *o, int idx, const char *s)
{
    return s ? yobj_set_string(a, at(o, idx), s, strlen(s)) : 0;
}

static int set_bytes(struct yobj_arena *a, struct yobj *o, int idx, const void *p, size_t n)
{
    return p ? yobj_set_string(a, at(o, idx), p, n) : 0;
}

/* Resize array member idx of o to n elements: its items (for n == 0 any
 * non-NULL pointer), NULL on ENOMEM. */
static struct yobj *set_array(struct yobj_arena *a, struct yobj *o, int idx, size_t n)
{
    struct yobj *items = yobj_array_resize(a, at(o, idx), n);
    if (!items && n == 0)
        return at(o, idx);
    return items;
}

#define CHECK(expr)                       \
    do {                                  \
        if ((expr) != 0)                  \
            return ASSAY_ENOMEM;          \
    } while (0)

#define ARRAY_OR_FAIL(items, a, o, idx, n)             \
    struct yobj *items = set_array(a, o, idx, n);      \
    if (!items)                                        \
        return ASSAY_ENOMEM

static void set_version(struct yobj *o, int idx, const struct fmt_pe_version *v)
{
    set_int(at(o, idx), PE_VER_MAJOR, v->major);
    set_int(at(o, idx), PE_VER_MINOR, v->minor);
}

/* ---- headers, sections, directories, overlay ------------------------------ */

static void fill_headers(struct yobj *r, const struct fmt_pe *pe)
{
    set_int(r, PE_MACHINE, pe->machine);
    set_int(r, PE_NUMBER_OF_SECTIONS, pe->number_of_sections);
    set_int(r, PE_TIMESTAMP, pe->timestamp);
    set_int(r, PE_POINTER_TO_SYMBOL_TABLE, pe->pointer_to_symbol_table);
    set_int(r, PE_NUMBER_OF_SYMBOLS, pe->number_of_symbols);
    set_int(r, PE_SIZE_OF_OPTIONAL_HEADER, pe->size_of_optional_header);
    set_int(r, PE_CHARACTERISTICS, pe->characteristics);
    /* YARA reports -1 when the entry point maps outside the file. */
    set_int(r, PE_ENTRY_POINT, pe->has_entry_point ? (int64_t)pe->entry_point : -1);
    set_int(r, PE_ENTRY_POINT_RAW, pe->entry_point_raw);
    set_int(r, PE_IMAGE_BASE, (int64_t)pe->image_base);
    set_int(r, PE_NUMBER_OF_RVA_AND_SIZES, pe->number_of_rva_and_sizes);
    set_int(r, PE_OPTHDR_MAGIC, pe->opthdr_magic);
    set_int(r, PE_SIZE_OF_CODE, pe->size_of_code);
    set_int(r, PE_SIZE_OF_INITIALIZED_DATA, pe->size_of_initialized_data);
    set_int(r, PE_SIZE_OF_UNINITIALIZED_DATA, pe->size_of_uninitialized_data);
    set_int(r, PE_BASE_OF_CODE, pe->base_of_code);
    if (!pe->is_64bit)
        set_int(r, PE_BASE_OF_DATA, pe->base_of_data);
    set_int(r, PE_SECTION_ALIGNMENT, pe->section_alignment);
    set_int(r, PE_FILE_ALIGNMENT, pe->file_alignment);
    set_version(r, PE_LINKER_VERSION, &pe->linker_version);
    set_version(r, PE_OS_VERSION, &pe->os_version);
    set_version(r, PE_IMAGE_VERSION, &pe->image_version);
    set_version(r, PE_SUBSYSTEM_VERSION, &pe->subsystem_version);
    set_int(r, PE_WIN32_VERSION_VALUE, pe->win32_version_value);
    set_int(r, PE_SIZE_OF_IMAGE, pe->size_of_image);
    set_int(r, PE_SIZE_OF_HEADERS, pe->size_of_headers);
    set_int(r, PE_CHECKSUM, pe->checksum);
    set_int(r, PE_SUBSYSTEM, pe->subsystem);
    set_int(r, PE_DLL_CHARACTERISTICS, pe->dll_characteristics);
    set_int(r, PE_SIZE_OF_STACK_RESERVE, (int64_t)pe->size_of_stack_reserve);
    set_int(r, PE_SIZE_OF_STACK_COMMIT, (int64_t)pe->size_of_stack_commit);
    set_int(r, PE_SIZE_OF_HEAP_RESERVE, (int64_t)pe->size_of_heap_reserve);
    set_int(r, PE_SIZE_OF_HEAP_COMMIT, (int64_t)pe->size_of_heap_commit);
    set_int(r, PE_LOADER_FLAGS, pe->loader_flags);
    set_int(at(r, PE_OVERLAY), PE_OVL_OFFSET, (int64_t)pe->overlay_offset);
    set_int(at(r, PE_OVERLAY), PE_OVL_SIZE, (int64_t)pe->overlay_size);
}

static int fill_sections(struct yobj_arena *a, struct yobj *r, const struct fmt_pe *pe)
{
    /* As many directories as the header declares (at most 16). */
    size_t ndirs = pe->number_of_rva_and_sizes < FMT_PE_NUM_DIRECTORIES ? pe->number_of_rva_and_sizes
                                                                         : FMT_PE_NUM_DIRECTORIES;
    ARRAY_OR_FAIL(dirs, a, r, PE_DATA_DIRECTORIES, ndirs);
    for (size_t i = 0; i < ndirs; i++) {
        set_int(&dirs[i], PE_DIR_VIRTUAL_ADDRESS, pe->data_directories[i].virtual_address);
        set_int(&dirs[i], PE_DIR_SIZE, pe->data_directories[i].size);
    }
    ARRAY_OR_FAIL(secs, a, r, PE_SECTIONS, pe->nsections);
    for (size_t i = 0; i < pe->nsections; i++) {
        const struct fmt_pe_section *s = &pe->sections[i];
        struct yobj *o = &secs[i];
        CHECK(set_str(a, o, PE_SEC_NAME, s->name));
        CHECK(set_str(a, o, PE_SEC_FULL_NAME, s->full_name ? s->full_name : s->name));
        set_int(o, PE_SEC_CHARACTERISTICS, s->characteristics);
        set_int(o, PE_SEC_VIRTUAL_ADDRESS, s->virtual_address);
        set_int(o, PE_SEC_VIRTUAL_SIZE, s->virtual_size);
        set_int(o, PE_SEC_RAW_DATA_OFFSET, s->raw_data_offset);
        set_int(o, PE_SEC_RAW_DATA_SIZE, s->raw_data_size);
        set_int(o, PE_SEC_POINTER_TO_RELOCATIONS, s->pointer_to_relocations);
        set_int(o, PE_SEC_POINTER_TO_LINE_NUMBERS, s->pointer_to_line_numbers);
        set_int(o, PE_SEC_NUMBER_OF_RELOCATIONS, s->number_of_relocations);
        set_int(o, PE_SEC_NUMBER_OF_LINE_NUMBERS, s->number_of_line_numbers);
    }
    return ASSAY_OK;
}

/* ---- Rich signature --------------------------------------------------------- */

static int fill_rich(struct yobj_arena *a, struct yobj *r, const struct fmt_pe *pe)
{
    const struct fmt_pe_rich *rich = &pe->rich;
    if (!rich->present)
        return ASSAY_OK;
    struct yobj *o = at(r, PE_RICH_SIGNATURE);
    set_int(o, PE_RICH_OFFSET, (int64_t)rich->offset);
    set_int(o, PE_RICH_LENGTH, (int64_t)rich->length);
    set_int(o, PE_RICH_KEY, rich->key);
    CHECK(set_bytes(a, o, PE_RICH_RAW_DATA, rich->raw_data, (size_t)rich->length));
    CHECK(set_bytes(a, o, PE_RICH_CLEAR_DATA, rich->clear_data, (size_t)rich->length));
    /* version_data: the comp.id dword of every entry, as stored (little-endian). */
    uint8_t *v = yobj_arena_alloc(a, 4 * rich->number_of_entries + 1);
    if (!v)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < rich->number_of_entries; i++) {
        const struct fmt_pe_rich_entry *e = &rich->entries[i];
        v[4 * i] = (uint8_t)e->version;
        v[4 * i + 1] = (uint8_t)(e->version >> 8);
        v[4 * i + 2] = (uint8_t)e->toolid;
        v[4 * i + 3] = (uint8_t)(e->toolid >> 8);
    }
    CHECK(set_bytes(a, o, PE_RICH_VERSION_DATA, v, 4 * rich->number_of_entries));
    return ASSAY_OK;
}

/* ---- exports and imports ---------------------------------------------------- */

static int fill_exports(struct yobj_arena *a, struct yobj *r, const struct fmt_pe *pe)
{
    set_int(r, PE_NUMBER_OF_EXPORTS, (int64_t)pe->nexports);
    if (pe->has_export_directory)
        set_int(r, PE_EXPORT_TIMESTAMP, pe->export_timestamp);
    CHECK(set_str(a, r, PE_DLL_NAME, pe->dll_name));
    ARRAY_OR_FAIL(items, a, r, PE_EXPORT_DETAILS, pe->nexports);
    for (size_t i = 0; i < pe->nexports; i++) {
        const struct fmt_pe_export *x = &pe->exports[i];
        struct yobj *o = &items[i];
        if (x->has_offset && !x->forward_name) /* a forwarder has no code to point at */
            set_int(o, PE_EXP_OFFSET, (int64_t)x->offset);
        CHECK(set_str(a, o, PE_EXP_NAME, x->name));
        CHECK(set_str(a, o, PE_EXP_FORWARD_NAME, x->forward_name));
        set_int(o, PE_EXP_ORDINAL, x->ordinal);
        set_int(o, PE_EXP_RVA, x->rva);
    }
    return ASSAY_OK;
}

static int fill_import_list(struct yobj_arena *a, struct yobj *r, int idx, const struct fmt_pe_import_dll *dlls,
                            size_t n)
{
    ARRAY_OR_FAIL(items, a, r, idx, n);
    for (size_t i = 0; i < n; i++) {
        const struct fmt_pe_import_dll *d = &dlls[i];
        CHECK(set_str(a, &items[i], PE_IMP_LIBRARY_NAME, d->name));
        set_int(&items[i], PE_IMP_NUMBER_OF_FUNCTIONS, (int64_t)d->number_of_functions);
        ARRAY_OR_FAIL(fns, a, &items[i], PE_IMP_FUNCTIONS, d->number_of_functions);
        for (size_t j = 0; j < d->number_of_functions; j++) {
            const struct fmt_pe_import_function *f = &d->functions[j];
            CHECK(set_str(a, &fns[j], PE_FN_NAME, f->name));
            if (f->by_ordinal)
                set_int(&fns[j], PE_FN_ORDINAL, f->ordinal);
            set_int(&fns[j], PE_FN_RVA, (int64_t)f->rva);
        }
    }
    return ASSAY_OK;
}

static int fill_imports(struct yobj_arena *a, struct yobj *r, const struct fmt_pe *pe)
{
    set_int(r, PE_NUMBER_OF_IMPORTS, (int64_t)pe->nimports);
    set_int(r, PE_NUMBER_OF_IMPORTED_FUNCTIONS, (int64_t)pe->number_of_imported_functions);
    set_int(r, PE_NUMBER_OF_DELAYED_IMPORTS, (int64_t)pe->ndelayed_imports);
    set_int(r, PE_NUMBER_OF_DELAYED_IMPORTED_FUNCTIONS, (int64_t)pe->number_of_delayed_imported_functions);
    int rc = fill_import_list(a, r, PE_IMPORT_DETAILS, pe->imports, pe->nimports);
    if (rc == ASSAY_OK)
        rc = fill_import_list(a, r, PE_DELAYED_IMPORT_DETAILS, pe->delayed_imports, pe->ndelayed_imports);
    return rc;
}

/* ---- resources and version information -------------------------------------- */

static int fill_resources(struct yobj_arena *a, struct yobj *r, const struct fmt_pe *pe)
{
    set_int(r, PE_NUMBER_OF_RESOURCES, (int64_t)pe->nresources);
    if (pe->has_resource_directory) {
        set_int(r, PE_RESOURCE_TIMESTAMP, pe->resource_timestamp);
        set_version(r, PE_RESOURCE_VERSION, &pe->resource_version);
    }
    ARRAY_OR_FAIL(items, a, r, PE_RESOURCES, pe->nresources);
    for (size_t i = 0; i < pe->nresources; i++) {
        const struct fmt_pe_resource *x = &pe->resources[i];
        struct yobj *o = &items[i];
        set_int(o, PE_RES_RVA, x->rva);
        if (x->has_offset)
            set_int(o, PE_RES_OFFSET, (int64_t)x->offset);
        set_int(o, PE_RES_LENGTH, x->length);
        /* Each level is a number or a name (YARA keeps the UTF-16 bytes). */
        if (x->type_utf16)
            CHECK(set_bytes(a, o, PE_RES_TYPE_STRING, x->type_utf16, x->type_utf16_len));
        else
            set_int(o, PE_RES_TYPE, x->type);
        if (x->name_utf16)
            CHECK(set_bytes(a, o, PE_RES_NAME_STRING, x->name_utf16, x->name_utf16_len));
        else
            set_int(o, PE_RES_ID, x->id);
        if (x->language_utf16)
            CHECK(set_bytes(a, o, PE_RES_LANGUAGE_STRING, x->language_utf16, x->language_utf16_len));
        else
            set_int(o, PE_RES_LANGUAGE, x->language);
    }
    return ASSAY_OK;
}

/* YARA narrows version-info strings to one byte per UTF-16 unit (its low
 * byte) and stops at a unit whose low byte is 0: "\u00a9" is "\xa9", not
 * UTF-8. The parser gives UTF-8; undo it. The result is NUL-terminated. */
static char *yara_narrow(struct yobj_arena *a, const char *utf8)
{
    const uint8_t *p = (const uint8_t *)utf8;
    size_t n = strlen(utf8);
    char *out = yobj_arena_alloc(a, 2 * n + 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n;) {
        uint32_t cp = p[i];
        size_t len = cp < 0x80 ? 1 : cp < 0xE0 ? 2 : cp < 0xF0 ? 3 : 4;
        if (i + len > n)
            break;
        for (size_t k = 1; k < len; k++)
            cp = (cp << 6) | (p[i + k] & 0x3F);
        cp &= len == 1 ? 0x7F : len == 2 ? 0x7FF : len == 3 ? 0xFFFF : 0x1FFFFF;
        i += len;
        uint16_t units[2] = {(uint16_t)cp, 0};
        size_t nunits = 1;
        if (cp >= 0x10000) {
            units[0] = (uint16_t)(0xD800 + ((cp - 0x10000) >> 10));
            units[1] = (uint16_t)(0xDC00 + ((cp - 0x10000) & 0x3FF));
            nunits = 2;
        }
        for (size_t k = 0; k < nunits; k++) {
            if ((units[k] & 0xFF) == 0)
                goto done;
            out[o++] = (char)(units[k] & 0xFF);
        }
    }
done:
    out[o] = '\0';
    return out;
}

static int fill_version_info(struct yobj_arena *a, struct yobj *r, const struct fmt_pe *pe)
{
    set_int(r, PE_NUMBER_OF_VERSION_INFOS, (int64_t)pe->nversion_infos);
    ARRAY_OR_FAIL(list, a, r, PE_VERSION_INFO_LIST, pe->nversion_infos);
    struct yobj *dict = at(r, PE_VERSION_INFO);
    for (size_t i = 0; i < pe->nversion_infos; i++) {
        char *key = yara_narrow(a, pe->version_infos[i].key);
        char *value = yara_narrow(a, pe->version_infos[i].value);
        if (!key || !value)
            return ASSAY_ENOMEM;
        CHECK(set_str(a, &list[i], PE_KV_KEY, key));
        CHECK(set_str(a, &list[i], PE_KV_VALUE, value));
        /* A key seen again overwrites the value, as in YARA's dictionary. */
        struct yobj *v = yobj_lookup(dict, (const uint8_t *)key, strlen(key));
        if (!v && !(v = yobj_dict_add(a, dict, key)))
            return ASSAY_ENOMEM;
        CHECK(yobj_set_string(a, v, value, strlen(value)));
    }
    return ASSAY_OK;
}

/* ---- Authenticode ------------------------------------------------------------ */

static int fill_cert(struct yobj_arena *a, struct yobj *o, const struct fmt_pe_certificate *c)
{
    CHECK(set_str(a, o, PE_CERT_THUMBPRINT, c->thumbprint));
    CHECK(set_str(a, o, PE_CERT_ISSUER, c->issuer));
    CHECK(set_str(a, o, PE_CERT_SUBJECT, c->subject));
    set_int(o, PE_CERT_VERSION, c->version);
    CHECK(set_str(a, o, PE_CERT_ALGORITHM, c->algorithm));
    CHECK(set_str(a, o, PE_CERT_ALGORITHM_OID, c->algorithm_oid));
    CHECK(set_str(a, o, PE_CERT_SERIAL, c->serial));
    set_int(o, PE_CERT_NOT_BEFORE, c->not_before);
    set_int(o, PE_CERT_NOT_AFTER, c->not_after);
    return ASSAY_OK;
}

static int fill_certs(struct yobj_arena *a, struct yobj *o, int idx, const struct fmt_pe_certificate *v, size_t n)
{
    ARRAY_OR_FAIL(items, a, o, idx, n);
    for (size_t i = 0; i < n; i++)
        CHECK(fill_cert(a, &items[i], &v[i]));
    return ASSAY_OK;
}

static int fill_signature(struct yobj_arena *a, struct yobj *o, const struct fmt_pe_signature *s)
{
    CHECK(set_str(a, o, PE_CERT_THUMBPRINT, s->thumbprint));
    CHECK(set_str(a, o, PE_CERT_ISSUER, s->issuer));
    CHECK(set_str(a, o, PE_CERT_SUBJECT, s->subject));
    set_int(o, PE_CERT_VERSION, s->version);
    CHECK(set_str(a, o, PE_CERT_ALGORITHM, s->algorithm));
    CHECK(set_str(a, o, PE_CERT_ALGORITHM_OID, s->algorithm_oid));
    CHECK(set_str(a, o, PE_CERT_SERIAL, s->serial));
    if (s->signer_info.length_of_chain) {
        set_int(o, PE_CERT_NOT_BEFORE, s->not_before);
        set_int(o, PE_CERT_NOT_AFTER, s->not_after);
    }
    set_int(o, PE_SIG_VERIFIED, s->verified);
    CHECK(set_str(a, o, PE_SIG_DIGEST_ALG, s->digest_alg));
    CHECK(set_str(a, o, PE_SIG_DIGEST, s->digest));
    CHECK(set_str(a, o, PE_SIG_FILE_DIGEST, s->file_digest));
    set_int(o, PE_SIG_NUMBER_OF_CERTIFICATES, (int64_t)s->number_of_certificates);
    CHECK(fill_certs(a, o, PE_SIG_CERTIFICATES, s->certificates, s->number_of_certificates));

    const struct fmt_pe_signer *si = &s->signer_info;
    struct yobj *so = at(o, PE_SIG_SIGNER_INFO);
    CHECK(set_str(a, so, PE_SIGNER_PROGRAM_NAME, si->program_name));
    CHECK(set_str(a, so, PE_SIGNER_DIGEST, si->digest));
    CHECK(set_str(a, so, PE_SIGNER_DIGEST_ALG, si->digest_alg));
    set_int(so, PE_SIGNER_LENGTH_OF_CHAIN, (int64_t)si->length_of_chain);
    CHECK(fill_certs(a, so, PE_SIGNER_CHAIN, si->chain, si->length_of_chain));

    set_int(o, PE_SIG_NUMBER_OF_COUNTERSIGNATURES, (int64_t)s->number_of_countersignatures);
    ARRAY_OR_FAIL(cs, a, o, PE_SIG_COUNTERSIGNATURES, s->number_of_countersignatures);
    for (size_t i = 0; i < s->number_of_countersignatures; i++) {
        const struct fmt_pe_countersignature *c = &s->countersignatures[i];
        set_int(&cs[i], PE_CS_VERIFIED, c->verified);
        set_int(&cs[i], PE_CS_SIGN_TIME, c->sign_time);
        CHECK(set_str(a, &cs[i], PE_CS_DIGEST, c->digest));
        CHECK(set_str(a, &cs[i], PE_CS_DIGEST_ALG, c->digest_alg));
        set_int(&cs[i], PE_CS_LENGTH_OF_CHAIN, (int64_t)c->length_of_chain);
        CHECK(fill_certs(a, &cs[i], PE_CS_CHAIN, c->chain, c->length_of_chain));
    }
    return ASSAY_OK;
}

static int fill_signatures(struct yobj_arena *a, struct yobj *r, const struct fmt_pe *pe)
{
    /* YARA leaves the count undefined when the headers have no security
     * directory entry at all (NumberOfRvaAndSizes too small). */
    if (pe->nsignatures > 0 || pe->number_of_rva_and_sizes > FMT_PE_DIR_SECURITY)
        set_int(r, PE_NUMBER_OF_SIGNATURES, (int64_t)pe->nsignatures);
    bool any_verified = false;
    ARRAY_OR_FAIL(items, a, r, PE_SIGNATURES, pe->nsignatures);
    for (size_t i = 0; i < pe->nsignatures; i++) {
        CHECK(fill_signature(a, &items[i], &pe->signatures[i]));
        any_verified |= pe->signatures[i].verified;
    }
    /* is_signed: some signature covers this very file. */
    set_int(r, PE_IS_SIGNED, any_verified);
    return ASSAY_OK;
}

/* ---- the module ---------------------------------------------------------------- */

static int fill(struct yobj_arena *a, struct yobj *r, const struct fmt_pe *pe)
{
    fill_headers(r, pe);
    CHECK(set_str(a, r, PE_PDB_PATH, pe->pdb_path));
    int (*const steps[])(struct yobj_arena *, struct yobj *, const struct fmt_pe *) = {
        fill_sections, fill_rich, fill_exports, fill_imports, fill_resources, fill_version_info, fill_signatures,
    };
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        CHECK(steps[i](a, r, pe));
    return ASSAY_OK;
}

static int pe_load(struct yobj_arena *a, struct yobj *root, const uint8_t *data, size_t len, void **state)
{
    *state = NULL;
#define PE_CONST_SET(cname, value) set_int(root, PE_C_##cname, value);
    PE_CONSTANTS(PE_CONST_SET)
#undef PE_CONST_SET
    set_int(root, PE_IS_PE, 0);

    struct fmt_pe *pe = malloc(sizeof *pe);
    if (!pe)
        return ASSAY_ENOMEM;
    int rc = fmt_pe_parse(data, len, pe);
    if (rc != ASSAY_OK || !pe->is_pe) {
        fmt_pe_free(pe);
        free(pe);
        return rc == ASSAY_ENOMEM ? rc : ASSAY_OK; /* not a PE: only is_pe and the constants */
    }
    set_int(root, PE_IS_PE, 1);
    rc = fill(a, root, pe);
    if (rc != ASSAY_OK) {
        fmt_pe_free(pe);
        free(pe);
        return rc;
    }
    *state = pe;
    return ASSAY_OK;
}

static void pe_unload(void *state)
{
    if (state) {
        fmt_pe_free(state);
        free(state);
    }
}

const struct yara_module yara_module_pe = {"pe", &pe_module_decl, pe_load, pe_unload};
