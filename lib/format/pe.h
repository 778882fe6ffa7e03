/* pe.h — a bounds-checked parse of a PE/COFF image into plain C data: the
 * headers, sections, imports (normal and delay-load), exports, resources and
 * version information, the Rich signature and the Authenticode signatures.
 * This is what the YARA `pe` module exposes; the field names follow YARA's so
 * the module can be a thin layer over this struct.
 *
 * The input is untrusted: every read is checked against the buffer, every
 * table is capped (FMT_PE_MAX_*; a cap that is reached sets the matching
 * `*_truncated` flag instead of failing), directory walks that can loop are
 * bounded. A damaged part leaves its fields empty and does not fail the parse.
 *
 * All strings are NUL-terminated UTF-8 copies owned by the struct (none points
 * into the input buffer); fmt_pe_free releases everything. */
#ifndef ASSAY_FORMAT_PE_H
#define ASSAY_FORMAT_PE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

/* Caps (YARA uses comparable ones). */
#define FMT_PE_MAX_SECTIONS 96           /* section headers read */
#define FMT_PE_MAX_IMPORT_DLLS 2048      /* import descriptors, per kind */
#define FMT_PE_MAX_IMPORT_FUNCS 16384    /* imported functions, per kind in total */
#define FMT_PE_MAX_EXPORTS 16384         /* export entries */
#define FMT_PE_MAX_RESOURCES 16384       /* resource leaves */
#define FMT_PE_MAX_RESOURCE_DEPTH 3      /* type / name / language, as Windows */
#define FMT_PE_MAX_VERSION_INFOS 256     /* StringFileInfo key/value pairs */
#define FMT_PE_MAX_RICH_ENTRIES 256      /* Rich signature entries */
#define FMT_PE_MAX_SIGNATURES 16         /* Authenticode signatures incl. nested */
#define FMT_PE_MAX_CERTIFICATES 64       /* certificates per signature */
#define FMT_PE_MAX_STRING 1024           /* longest name copied (longer ones are cut) */

#define FMT_PE_NUM_DIRECTORIES 16

/* Data directory indices. */
enum fmt_pe_directory {
    FMT_PE_DIR_EXPORT = 0,
    FMT_PE_DIR_IMPORT = 1,
    FMT_PE_DIR_RESOURCE = 2,
    FMT_PE_DIR_EXCEPTION = 3,
    FMT_PE_DIR_SECURITY = 4,
    FMT_PE_DIR_BASERELOC = 5,
    FMT_PE_DIR_DEBUG = 6,
    FMT_PE_DIR_TLS = 9,
    FMT_PE_DIR_IAT = 12,
    FMT_PE_DIR_DELAY_IMPORT = 13,
    FMT_PE_DIR_CLR = 14,
};

struct fmt_pe_data_directory {
    uint32_t virtual_address; /* an RVA, except for the security directory: a file offset */
    uint32_t size;
};

struct fmt_pe_version {
    uint32_t major;
    uint32_t minor;
};

struct fmt_pe_section {
    char name[9];                /* the 8-byte header name up to its first NUL */
    char *full_name;             /* "/N" resolved through the COFF string table, else = name */
    uint32_t virtual_address;
    uint32_t virtual_size;
    uint32_t raw_data_offset;    /* PointerToRawData as stored */
    uint32_t raw_data_size;      /* SizeOfRawData as stored */
    uint32_t pointer_to_relocations;
    uint32_t pointer_to_line_numbers;
    uint16_t number_of_relocations;
    uint16_t number_of_line_numbers;
    uint32_t characteristics;
};

/* One imported function. */
struct fmt_pe_import_function {
    char *name;       /* the imported name; for an ordinal import the name the
                         well-known ordinal tables give (ws2_32, wsock32,
                         oleaut32) or "ord<N>", as YARA and pefile do */
    bool by_ordinal;  /* imported by ordinal (then `ordinal` is meaningful) */
    uint16_t ordinal;
    uint64_t rva;     /* RVA of the function's IAT slot */
};

struct fmt_pe_import_dll {
    char *name;       /* as stored, e.g. "KERNEL32.dll" */
    struct fmt_pe_import_function *functions;
    size_t number_of_functions;
};

struct fmt_pe_export {
    char *name;          /* NULL for an export by ordinal only */
    uint32_t ordinal;    /* Base + index in the address table */
    uint32_t rva;        /* the address table entry (for a forwarder: the RVA of its string) */
    bool has_offset;     /* rva maps into the file */
    uint64_t offset;     /* file offset of rva when has_offset */
    char *forward_name;  /* "DLL.Function" for a forwarder, else NULL */
};

struct fmt_pe_resource {
    uint32_t type;            /* numeric type id (0 when named) */
    uint32_t id;              /* numeric name id (0 when named) */
    uint32_t language;        /* numeric language id (0 when named) */
    char *type_string;        /* UTF-8 of a named type, else NULL */
    char *name_string;        /* UTF-8 of a named id, else NULL */
    char *language_string;    /* UTF-8 of a named language, else NULL */
    /* The same three names as stored: UTF-16LE bytes (what YARA's
     * resources[].type_string etc. hold), NULL when numeric. */
    uint8_t *type_utf16, *name_utf16, *language_utf16;
    size_t type_utf16_len, name_utf16_len, language_utf16_len; /* in bytes */
    uint32_t rva;             /* OffsetToData of the data entry */
    uint32_t length;          /* Size of the data entry */
    bool has_offset;          /* rva maps into the file */
    uint64_t offset;
};

/* A StringFileInfo key/value pair of the VS_VERSIONINFO resource. */
struct fmt_pe_version_info {
    char *key;
    char *value;
};

struct fmt_pe_rich_entry {
    uint16_t toolid;     /* product id: high half of the comp.id */
    uint16_t version;    /* build number: low half */
    uint32_t times;      /* use count */
};

struct fmt_pe_rich {
    bool present;
    uint64_t offset;     /* file offset of the (masked) "DanS" marker */
    uint64_t length;     /* bytes from "DanS" up to, not including, "Rich" */
    uint32_t key;        /* the XOR key that follows "Rich" */
    uint8_t *raw_data;   /* length bytes as stored */
    uint8_t *clear_data; /* the same bytes XORed with the key */
    struct fmt_pe_rich_entry *entries;
    size_t number_of_entries;
};

/* One X.509 certificate, in the textual forms YARA reports. */
struct fmt_pe_certificate {
    char *issuer;        /* "/C=US/O=..." (OpenSSL one-line form) */
    char *subject;
    char *serial;        /* lowercase hex bytes joined by ':' */
    char *thumbprint;    /* SHA-1 of the DER certificate, lowercase hex */
    char *sha256;        /* SHA-256 of the DER certificate, lowercase hex */
    char *organization;  /* subject O= (UTF-8), NULL when absent */
    char *common_name;   /* subject CN= (UTF-8), NULL when absent */
    char *algorithm;     /* signature algorithm long name, e.g. sha256WithRSAEncryption */
    char *algorithm_oid;
    int64_t version;     /* 1-based (3 for v3) */
    int64_t not_before;  /* Unix time */
    int64_t not_after;
};

struct fmt_pe_signer {
    char *program_name;  /* SpcSpOpusInfo program name, or NULL */
    char *digest;        /* messageDigest authenticated attribute, hex */
    char *digest_alg;    /* digest algorithm of the signer, e.g. "sha1" */
    struct fmt_pe_certificate *chain; /* signer's certificate then issuers found in the bag */
    size_t length_of_chain;
};

struct fmt_pe_countersignature {
    bool verified;       /* its messageDigest equals the digest of the signer's signature */
    bool signature_ok;   /* the time-stamper's own signature over its attributes checks
                            out with its certificate (false when it cannot be checked) */
    int64_t sign_time;   /* signingTime / genTime, Unix time (0 if absent) */
    char *digest;        /* hex */
    char *digest_alg;
    struct fmt_pe_certificate *chain;
    size_t length_of_chain;
};

struct fmt_pe_signature {
    int64_t version;     /* SignedData version */
    char *digest_alg;    /* SpcIndirectDataContent digest algorithm, e.g. "sha256" */
    char *digest;        /* the signed image digest, hex */
    char *file_digest;   /* the image's Authenticode digest with that algorithm, hex */
    bool digest_matches; /* digest == file_digest: the signature covers this file */
    bool verified;       /* digest_matches and the signer's messageDigest matches the
                            signed content and the signer's signature checks out */
    /* Evaluated only with fmt_pe_options.trust: the signer's certificate
       chains (through the bag) to a root of the store; validity periods are
       not enforced (a time-stamped signature outlives its certificate). */
    bool chain_checked;
    bool chain_trusted;
    const char *chain_error; /* why not trusted (OpenSSL's reason), or NULL */
    char *algorithm;     /* signature algorithm of the signing certificate */
    char *algorithm_oid;
    /* Fields of the signing certificate (copied from chain[0] for convenience). */
    char *issuer;
    char *subject;
    char *serial;
    char *thumbprint;
    int64_t not_before;
    int64_t not_after;
    struct fmt_pe_certificate *certificates; /* every certificate of the bag */
    size_t number_of_certificates;
    struct fmt_pe_signer signer_info;
    struct fmt_pe_countersignature *countersignatures;
    size_t number_of_countersignatures;
};

struct fmt_pe {
    bool is_pe;          /* MZ + PE\0\0 + a known optional header magic */
    bool is_32bit;       /* PE32 (magic 0x10b) */
    bool is_64bit;       /* PE32+ (magic 0x20b) */
    bool is_dll;         /* IMAGE_FILE_DLL characteristic */

    /* DOS / COFF header */
    uint32_t pe_offset;  /* e_lfanew */
    uint16_t machine;
    uint16_t number_of_sections;        /* as stored (sections[] holds at most the cap) */
    uint32_t timestamp;
    uint32_t pointer_to_symbol_table;
    uint32_t number_of_symbols;
    uint16_t size_of_optional_header;
    uint16_t characteristics;

    /* Optional header */
    uint16_t opthdr_magic;
    struct fmt_pe_version linker_version;
    uint32_t size_of_code;
    uint32_t size_of_initialized_data;
    uint32_t size_of_uninitialized_data;
    uint32_t entry_point_raw;           /* AddressOfEntryPoint (an RVA) */
    bool has_entry_point;               /* entry_point is a valid file offset */
    uint64_t entry_point;               /* file offset of the entry point (YARA's pe.entry_point) */
    uint32_t base_of_code;
    uint32_t base_of_data;              /* PE32 only */
    uint64_t image_base;
    uint32_t section_alignment;
    uint32_t file_alignment;
    struct fmt_pe_version os_version;
    struct fmt_pe_version image_version;
    struct fmt_pe_version subsystem_version;
    uint32_t win32_version_value;
    uint32_t size_of_image;
    uint32_t size_of_headers;
    uint32_t checksum;
    uint16_t subsystem;
    uint16_t dll_characteristics;
    uint64_t size_of_stack_reserve;
    uint64_t size_of_stack_commit;
    uint64_t size_of_heap_reserve;
    uint64_t size_of_heap_commit;
    uint32_t loader_flags;
    uint32_t number_of_rva_and_sizes;   /* as stored */
    struct fmt_pe_data_directory data_directories[FMT_PE_NUM_DIRECTORIES]; /* all 16 read
                                           whatever the count says (as YARA); zero past EOF */
    uint32_t checksum_offset;           /* file offset of the CheckSum field */
    uint32_t security_dir_offset;       /* file offset of the security directory entry, 0 if none */

    struct fmt_pe_section *sections;
    size_t nsections;                   /* entries in sections[] (<= FMT_PE_MAX_SECTIONS) */

    /* Overlay: bytes after the last section's raw data. */
    uint64_t overlay_offset;            /* 0 with overlay_size 0 when there is none */
    uint64_t overlay_size;

    char *pdb_path;                     /* CodeView RSDS / NB10 / MTOC path, else NULL */

    /* Imports */
    struct fmt_pe_import_dll *imports;  /* number_of_imports = nimports */
    size_t nimports;
    size_t number_of_imported_functions;
    bool imports_truncated;
    struct fmt_pe_import_dll *delayed_imports;
    size_t ndelayed_imports;
    size_t number_of_delayed_imported_functions;
    bool delayed_imports_truncated;
    char imphash[33];                   /* MD5 hex of the import list ("" if no imports) */

    /* Exports */
    bool has_export_directory;          /* its header was read: export_timestamp is valid */
    char *dll_name;                     /* export directory Name, or NULL */
    uint32_t export_timestamp;
    struct fmt_pe_export *exports;
    size_t nexports;
    bool exports_truncated;

    /* Resources */
    bool has_resource_directory;        /* its root was read: resource_timestamp/version valid */
    uint32_t resource_timestamp;
    struct fmt_pe_version resource_version;
    struct fmt_pe_resource *resources;
    size_t nresources;
    bool resources_truncated;
    struct fmt_pe_version_info *version_infos; /* in file order */
    size_t nversion_infos;

    struct fmt_pe_rich rich;

    /* Authenticode */
    struct fmt_pe_signature *signatures;
    size_t nsignatures;                 /* is_signed = nsignatures > 0 */

    /* private: every heap block owned by the struct */
    UTIL_VEC(void *) allocs_;
    const uint8_t *data_;               /* valid only during fmt_pe_parse */
    struct x509_store_st *trust_;               /* valid only during fmt_pe_parse */
    size_t len_;                        /* the file size */
};

/* Parse `len` bytes at `data`. Returns ASSAY_OK when the buffer is a PE
 * (out->is_pe), ASSAY_EFORMAT when it is not (out is then zeroed apart from
 * is_pe = false) and ASSAY_ENOMEM on exhaustion. Call fmt_pe_free on `out`
 * after any return. The struct does not refer to `data` afterwards. */
int fmt_pe_parse(const uint8_t *data, size_t len, struct fmt_pe *out);

struct fmt_pe_options {
    /* Parse only the headers, the resources (version info) and the
       signatures: what inventory attribution needs, at a fraction of the cost. */
    bool attribution_only;
    /* Trusted roots (an OpenSSL X509_STORE *): when set, each signature's
       chain is verified against it (fmt_pe_signature.chain_trusted). */
    struct x509_store_st *trust; /* OpenSSL X509_STORE */
};
int fmt_pe_parse_with(const uint8_t *data, size_t len, const struct fmt_pe_options *opt,
                      struct fmt_pe *out);
void fmt_pe_free(struct fmt_pe *pe);

/* Map an RVA to a file offset the way the Windows loader does (section raw
 * pointers rounded down to 512 bytes; RVAs inside the headers map to
 * themselves). A section backs at most SizeOfRawData bytes, and no more than
 * its VirtualSize when that is non-zero. False when it lands outside the file
 * or in memory the file does not back. */
bool fmt_pe_rva_offset(const struct fmt_pe *pe, uint64_t rva, uint64_t *offset);

/* Index of the section that holds `rva`, or -1. */
int fmt_pe_section_index_of_rva(const struct fmt_pe *pe, uint64_t rva);

/* The PE checksum of the image (pe.calculate_checksum()). */
uint32_t fmt_pe_calculate_checksum(const uint8_t *data, size_t len, const struct fmt_pe *pe);

/* Value of a StringFileInfo key (first one in file order), or NULL. */
const char *fmt_pe_version_info_get(const struct fmt_pe *pe, const char *key);

/* ---- internal: shared by lib/format/pe*.c only ------------------------- */
char *fmt_pe_strndup_(struct fmt_pe *pe, const char *s, size_t n);
void *fmt_pe_alloc_(struct fmt_pe *pe, size_t size);     /* zeroed, owned by pe */
char *fmt_pe_utf16_to_utf8_(struct fmt_pe *pe, const uint8_t *p, size_t units);
bool fmt_pe_read_ok_(const struct fmt_pe *pe, uint64_t off, uint64_t n);
uint16_t fmt_pe_u16_(const uint8_t *p);
uint32_t fmt_pe_u32_(const uint8_t *p);
int fmt_pe_parse_resources_(struct fmt_pe *pe);
int fmt_pe_parse_signatures_(struct fmt_pe *pe);

#endif
