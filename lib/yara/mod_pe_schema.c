/* mod_pe_schema.c — the declaration of YARA's `pe` module: every member the
 * compiler resolves (`pe.sections[0].name`, `pe.imports(...)`), with the
 * types and function signatures of YARA 4.5's pe module. Members are placed
 * by their index in mod_pe_internal.h so mod_pe.c can fill them by index. */
#include "mod_pe_internal.h"

#define INT(idx, n) [idx] = {.name = n, .type = YOBJ_INT}
#define STR(idx, n) [idx] = {.name = n, .type = YOBJ_STRING}
#define STRUCT(idx, n, m) [idx] = {.name = n, .type = YOBJ_STRUCT, .members = m}
#define ARRAY(idx, n, e) [idx] = {.name = n, .type = YOBJ_ARRAY, .element = e}
#define DICT(idx, n, e) [idx] = {.name = n, .type = YOBJ_DICT, .element = e}
#define FUNC(idx, n, o) [idx] = {.name = n, .type = YOBJ_FUNC, .overloads = o}

/* Each array ends with a zeroed entry (the NULL name the lookups stop at). */

static const struct yobj_decl version_members[PE_VER_N + 1] = {
    INT(PE_VER_MAJOR, "major"),
    INT(PE_VER_MINOR, "minor"),
};

static const struct yobj_decl key_value_members[PE_KV_N + 1] = {
    STR(PE_KV_KEY, "key"),
    STR(PE_KV_VALUE, "value"),
};
static const struct yobj_decl key_value = {.name = "version_info_list", .type = YOBJ_STRUCT,
                                           .members = key_value_members};
static const struct yobj_decl version_info_value = {.name = "version_info", .type = YOBJ_STRING};

static const struct yobj_decl directory_members[PE_DIR_N + 1] = {
    INT(PE_DIR_VIRTUAL_ADDRESS, "virtual_address"),
    INT(PE_DIR_SIZE, "size"),
};
static const struct yobj_decl directory = {.name = "data_directories", .type = YOBJ_STRUCT,
                                           .members = directory_members};

static const struct yobj_decl section_members[PE_SEC_N + 1] = {
    STR(PE_SEC_NAME, "name"),
    STR(PE_SEC_FULL_NAME, "full_name"),
    INT(PE_SEC_CHARACTERISTICS, "characteristics"),
    INT(PE_SEC_VIRTUAL_ADDRESS, "virtual_address"),
    INT(PE_SEC_VIRTUAL_SIZE, "virtual_size"),
    INT(PE_SEC_RAW_DATA_OFFSET, "raw_data_offset"),
    INT(PE_SEC_RAW_DATA_SIZE, "raw_data_size"),
    INT(PE_SEC_POINTER_TO_RELOCATIONS, "pointer_to_relocations"),
    INT(PE_SEC_POINTER_TO_LINE_NUMBERS, "pointer_to_line_numbers"),
    INT(PE_SEC_NUMBER_OF_RELOCATIONS, "number_of_relocations"),
    INT(PE_SEC_NUMBER_OF_LINE_NUMBERS, "number_of_line_numbers"),
};
static const struct yobj_decl section = {.name = "sections", .type = YOBJ_STRUCT, .members = section_members};

static const struct yobj_decl overlay_members[PE_OVL_N + 1] = {
    INT(PE_OVL_OFFSET, "offset"),
    INT(PE_OVL_SIZE, "size"),
};

static const struct yobj_decl rich_members[PE_RICH_N + 1] = {
    INT(PE_RICH_OFFSET, "offset"),
    INT(PE_RICH_LENGTH, "length"),
    INT(PE_RICH_KEY, "key"),
    STR(PE_RICH_RAW_DATA, "raw_data"),
    STR(PE_RICH_CLEAR_DATA, "clear_data"),
    STR(PE_RICH_VERSION_DATA, "version_data"),
    FUNC(PE_RICH_VERSION, "version", pe_o_rich_version),
    FUNC(PE_RICH_TOOLID, "toolid", pe_o_rich_toolid),
};

static const struct yobj_decl export_members[PE_EXP_N + 1] = {
    INT(PE_EXP_OFFSET, "offset"),
    STR(PE_EXP_NAME, "name"),
    STR(PE_EXP_FORWARD_NAME, "forward_name"),
    INT(PE_EXP_ORDINAL, "ordinal"),
    INT(PE_EXP_RVA, "rva"),
};
static const struct yobj_decl export_detail = {.name = "export_details", .type = YOBJ_STRUCT,
                                               .members = export_members};

static const struct yobj_decl function_members[PE_FN_N + 1] = {
    STR(PE_FN_NAME, "name"),
    INT(PE_FN_ORDINAL, "ordinal"),
    INT(PE_FN_RVA, "rva"),
};
static const struct yobj_decl function = {.name = "functions", .type = YOBJ_STRUCT, .members = function_members};

static const struct yobj_decl import_members[PE_IMP_N + 1] = {
    STR(PE_IMP_LIBRARY_NAME, "library_name"),
    INT(PE_IMP_NUMBER_OF_FUNCTIONS, "number_of_functions"),
    ARRAY(PE_IMP_FUNCTIONS, "functions", &function),
};
static const struct yobj_decl import_detail = {.name = "import_details", .type = YOBJ_STRUCT,
                                               .members = import_members};

static const struct yobj_decl resource_members[PE_RES_N + 1] = {
    INT(PE_RES_RVA, "rva"),
    INT(PE_RES_OFFSET, "offset"),
    INT(PE_RES_LENGTH, "length"),
    INT(PE_RES_TYPE, "type"),
    INT(PE_RES_ID, "id"),
    INT(PE_RES_LANGUAGE, "language"),
    STR(PE_RES_TYPE_STRING, "type_string"),
    STR(PE_RES_NAME_STRING, "name_string"),
    STR(PE_RES_LANGUAGE_STRING, "language_string"),
};
static const struct yobj_decl resource = {.name = "resources", .type = YOBJ_STRUCT, .members = resource_members};

/* ---- Authenticode --------------------------------------------------------- */

#define CERT_MEMBERS                                                                                      \
    STR(PE_CERT_THUMBPRINT, "thumbprint"), STR(PE_CERT_ISSUER, "issuer"), STR(PE_CERT_SUBJECT, "subject"), \
        INT(PE_CERT_VERSION, "version"), STR(PE_CERT_ALGORITHM, "algorithm"),                              \
        STR(PE_CERT_ALGORITHM_OID, "algorithm_oid"), STR(PE_CERT_SERIAL, "serial"),                        \
        INT(PE_CERT_NOT_BEFORE, "not_before"), INT(PE_CERT_NOT_AFTER, "not_after")

static const struct yobj_decl cert_members[PE_CERT_N + 1] = {CERT_MEMBERS};
static const struct yobj_decl cert = {.name = "certificates", .type = YOBJ_STRUCT, .members = cert_members};

static const struct yobj_decl signer_members[PE_SIGNER_N + 1] = {
    STR(PE_SIGNER_PROGRAM_NAME, "program_name"),
    STR(PE_SIGNER_DIGEST, "digest"),
    STR(PE_SIGNER_DIGEST_ALG, "digest_alg"),
    INT(PE_SIGNER_LENGTH_OF_CHAIN, "length_of_chain"),
    ARRAY(PE_SIGNER_CHAIN, "chain", &cert),
};

static const struct yobj_decl countersig_members[PE_CS_N + 1] = {
    INT(PE_CS_VERIFIED, "verified"),
    INT(PE_CS_SIGN_TIME, "sign_time"),
    STR(PE_CS_DIGEST, "digest"),
    STR(PE_CS_DIGEST_ALG, "digest_alg"),
    INT(PE_CS_LENGTH_OF_CHAIN, "length_of_chain"),
    ARRAY(PE_CS_CHAIN, "chain", &cert),
};
static const struct yobj_decl countersig = {.name = "countersignatures", .type = YOBJ_STRUCT,
                                            .members = countersig_members};

const struct yobj_decl pe_signature_members[PE_SIG_N + 1] = {
    CERT_MEMBERS,
    INT(PE_SIG_VERIFIED, "verified"),
    STR(PE_SIG_DIGEST_ALG, "digest_alg"),
    STR(PE_SIG_DIGEST, "digest"),
    STR(PE_SIG_FILE_DIGEST, "file_digest"),
    INT(PE_SIG_NUMBER_OF_CERTIFICATES, "number_of_certificates"),
    ARRAY(PE_SIG_CERTIFICATES, "certificates", &cert),
    STRUCT(PE_SIG_SIGNER_INFO, "signer_info", signer_members),
    INT(PE_SIG_NUMBER_OF_COUNTERSIGNATURES, "number_of_countersignatures"),
    ARRAY(PE_SIG_COUNTERSIGNATURES, "countersignatures", &countersig),
    FUNC(PE_SIG_VALID_ON, "valid_on", pe_o_valid_on),
};
static const struct yobj_decl signature = {.name = "signatures", .type = YOBJ_STRUCT,
                                           .members = pe_signature_members};

/* ---- the module ----------------------------------------------------------- */

static const struct yobj_decl pe_members[PE_NMEMBERS + 1] = {
#define PE_CONST_DECL(cname, value) INT(PE_C_##cname, #cname),
    PE_CONSTANTS(PE_CONST_DECL)
#undef PE_CONST_DECL
    INT(PE_IS_PE, "is_pe"),
    INT(PE_MACHINE, "machine"),
    INT(PE_NUMBER_OF_SECTIONS, "number_of_sections"),
    INT(PE_TIMESTAMP, "timestamp"),
    INT(PE_POINTER_TO_SYMBOL_TABLE, "pointer_to_symbol_table"),
    INT(PE_NUMBER_OF_SYMBOLS, "number_of_symbols"),
    INT(PE_SIZE_OF_OPTIONAL_HEADER, "size_of_optional_header"),
    INT(PE_CHARACTERISTICS, "characteristics"),
    INT(PE_ENTRY_POINT, "entry_point"),
    INT(PE_ENTRY_POINT_RAW, "entry_point_raw"),
    INT(PE_IMAGE_BASE, "image_base"),
    INT(PE_NUMBER_OF_RVA_AND_SIZES, "number_of_rva_and_sizes"),
    INT(PE_NUMBER_OF_VERSION_INFOS, "number_of_version_infos"),
    DICT(PE_VERSION_INFO, "version_info", &version_info_value),
    ARRAY(PE_VERSION_INFO_LIST, "version_info_list", &key_value),
    INT(PE_OPTHDR_MAGIC, "opthdr_magic"),
    INT(PE_SIZE_OF_CODE, "size_of_code"),
    INT(PE_SIZE_OF_INITIALIZED_DATA, "size_of_initialized_data"),
    INT(PE_SIZE_OF_UNINITIALIZED_DATA, "size_of_uninitialized_data"),
    INT(PE_BASE_OF_CODE, "base_of_code"),
    INT(PE_BASE_OF_DATA, "base_of_data"),
    INT(PE_SECTION_ALIGNMENT, "section_alignment"),
    INT(PE_FILE_ALIGNMENT, "file_alignment"),
    STRUCT(PE_LINKER_VERSION, "linker_version", version_members),
    STRUCT(PE_OS_VERSION, "os_version", version_members),
    STRUCT(PE_IMAGE_VERSION, "image_version", version_members),
    STRUCT(PE_SUBSYSTEM_VERSION, "subsystem_version", version_members),
    INT(PE_WIN32_VERSION_VALUE, "win32_version_value"),
    INT(PE_SIZE_OF_IMAGE, "size_of_image"),
    INT(PE_SIZE_OF_HEADERS, "size_of_headers"),
    INT(PE_CHECKSUM, "checksum"),
    FUNC(PE_CALCULATE_CHECKSUM, "calculate_checksum", pe_o_calculate_checksum),
    INT(PE_SUBSYSTEM, "subsystem"),
    INT(PE_DLL_CHARACTERISTICS, "dll_characteristics"),
    INT(PE_SIZE_OF_STACK_RESERVE, "size_of_stack_reserve"),
    INT(PE_SIZE_OF_STACK_COMMIT, "size_of_stack_commit"),
    INT(PE_SIZE_OF_HEAP_RESERVE, "size_of_heap_reserve"),
    INT(PE_SIZE_OF_HEAP_COMMIT, "size_of_heap_commit"),
    INT(PE_LOADER_FLAGS, "loader_flags"),
    ARRAY(PE_DATA_DIRECTORIES, "data_directories", &directory),
    ARRAY(PE_SECTIONS, "sections", &section),
    STRUCT(PE_OVERLAY, "overlay", overlay_members),
    STRUCT(PE_RICH_SIGNATURE, "rich_signature", rich_members),
    FUNC(PE_EXPORTS, "exports", pe_o_exports),
    FUNC(PE_EXPORTS_INDEX, "exports_index", pe_o_exports_index),
    INT(PE_NUMBER_OF_EXPORTS, "number_of_exports"),
    STR(PE_DLL_NAME, "dll_name"),
    INT(PE_EXPORT_TIMESTAMP, "export_timestamp"),
    ARRAY(PE_EXPORT_DETAILS, "export_details", &export_detail),
    INT(PE_NUMBER_OF_IMPORTS, "number_of_imports"),
    INT(PE_NUMBER_OF_IMPORTED_FUNCTIONS, "number_of_imported_functions"),
    INT(PE_NUMBER_OF_DELAYED_IMPORTS, "number_of_delayed_imports"),
    INT(PE_NUMBER_OF_DELAYED_IMPORTED_FUNCTIONS, "number_of_delayed_imported_functions"),
    FUNC(PE_IMPORTS, "imports", pe_o_imports),
    ARRAY(PE_IMPORT_DETAILS, "import_details", &import_detail),
    ARRAY(PE_DELAYED_IMPORT_DETAILS, "delayed_import_details", &import_detail),
    FUNC(PE_IMPORT_RVA, "import_rva", pe_o_import_rva),
    FUNC(PE_DELAYED_IMPORT_RVA, "delayed_import_rva", pe_o_delayed_import_rva),
    FUNC(PE_LOCALE, "locale", pe_o_locale),
    FUNC(PE_LANGUAGE, "language", pe_o_language),
    FUNC(PE_IMPHASH, "imphash", pe_o_imphash),
    FUNC(PE_SECTION_INDEX, "section_index", pe_o_section_index),
    FUNC(PE_IS_DLL, "is_dll", pe_o_is_dll),
    FUNC(PE_IS_32BIT, "is_32bit", pe_o_is_32bit),
    FUNC(PE_IS_64BIT, "is_64bit", pe_o_is_64bit),
    FUNC(PE_RVA_TO_OFFSET, "rva_to_offset", pe_o_rva_to_offset),
    INT(PE_RESOURCE_TIMESTAMP, "resource_timestamp"),
    STRUCT(PE_RESOURCE_VERSION, "resource_version", version_members),
    ARRAY(PE_RESOURCES, "resources", &resource),
    INT(PE_NUMBER_OF_RESOURCES, "number_of_resources"),
    STR(PE_PDB_PATH, "pdb_path"),
    INT(PE_IS_SIGNED, "is_signed"),
    INT(PE_NUMBER_OF_SIGNATURES, "number_of_signatures"),
    ARRAY(PE_SIGNATURES, "signatures", &signature),
};

const struct yobj_decl pe_module_decl = {.name = "pe", .type = YOBJ_STRUCT, .members = pe_members};
