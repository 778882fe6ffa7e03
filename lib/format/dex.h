/* dex.h — a bounds-checked parse of an Android DEX file (Dalvik executable,
 * versions 035 to 039) into plain C data, the way YARA's `dex` module reads it
 * (yara/mod_dex.c is a thin layer over this):
 *
 *   - the header (0x70 bytes, the 8-byte magic "dex\n03N\0" with N 5..9);
 *   - the id tables, read in this order, each only when the whole table lies
 *     inside the file and every table before it was read (YARA stops at the
 *     first table that does not fit): string_ids, type_ids, proto_ids,
 *     field_ids, method_ids;
 *   - then the map list, and the class definitions with their class data
 *     (encoded fields and methods, and the methods' code items) unless the
 *     map list's count was readable but not all of its items (YARA stops
 *     there; an unreadable count does not stop it).
 *
 * YARA's quirks kept on purpose (checked against YARA's behaviour):
 *   - a string's value is the `size` bytes (its ULEB128 length, in UTF-16
 *     units) that follow offset + 1, whatever the length of the ULEB128; a
 *     string is only kept when 4 bytes are readable at its offset and the
 *     value lies inside the file;
 *   - names are resolved through the tables that were read: an index outside
 *     them (or a string that was not kept) gives no name;
 *   - class data needs 16 readable bytes at its offset, an encoded field 8 and
 *     an encoded method 12; a class whose class data is unreadable stops the
 *     walk of the classes (the later classes and the totals are then
 *     unknown);
 *   - an encoded field or method whose index is outside field_ids / method_ids
 *     consumes no bytes and is not counted: the rest of its list re-reads the
 *     same bytes (and fails the same way); its raw values stay in the next
 *     slot (fmt_dex.field_slots / method_slots) until a later item takes it;
 *   - map items are read only when 4 + count * 12 <= file size (wherever the
 *     list starts), each while it lies inside the file;
 *   - a ULEB128 is at most 5 bytes, kept to 32 bits; one that runs past the
 *     end of the file makes its string, item or class data unreadable (YARA
 *     4.2 read past the end there).
 *
 * Limits (the input is untrusted; a cap that is reached sets `truncated`):
 *   - each id table and the class definitions: FMT_DEX_MAX_IDS entries kept;
 *   - map items: FMT_DEX_MAX_MAP_ITEMS;
 *   - encoded fields and encoded methods: FMT_DEX_MAX_ENCODED each for the
 *     whole file (the walk of the classes stops there);
 *   - the work is bounded by the file size and these caps: a list stops at
 *     its first failed item (every further item would fail identically, so
 *     the values are YARA's) and each item read consumes bytes.
 * Every offset + size is computed in 64 bits and checked against the file.
 *
 * Strings and byte ranges BORROW the input buffer: keep it alive while the
 * struct is used; fmt_dex_free releases only the arrays. */
#ifndef ASSAY_FORMAT_DEX_H
#define ASSAY_FORMAT_DEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FMT_DEX_MAX_IDS 262144        /* entries kept per id table and of class_defs */
#define FMT_DEX_MAX_MAP_ITEMS 65536   /* map items kept */
#define FMT_DEX_MAX_ENCODED 65536     /* encoded fields, and encoded methods, kept per file */

#define FMT_DEX_HEADER_SIZE 0x70
#define FMT_DEX_MAGIC_LEN 7           /* "dex\n035" without its NUL */

struct fmt_dex_header {
    uint8_t magic[8];
    uint32_t checksum;
    uint8_t signature[20];
    uint32_t file_size;
    uint32_t header_size;
    uint32_t endian_tag;
    uint32_t link_size;
    uint32_t link_offset;
    uint32_t map_offset;
    uint32_t string_ids_size;
    uint32_t string_ids_offset;
    uint32_t type_ids_size;
    uint32_t type_ids_offset;
    uint32_t proto_ids_size;
    uint32_t proto_ids_offset;
    uint32_t field_ids_size;
    uint32_t field_ids_offset;
    uint32_t method_ids_size;
    uint32_t method_ids_offset;
    uint32_t class_defs_size;
    uint32_t class_defs_offset;
    uint32_t data_size;
    uint32_t data_offset;
};

struct fmt_dex_string {
    bool present;            /* false: the entry's data could not be read */
    uint32_t offset;         /* string_data_off */
    uint32_t size;           /* the ULEB128 length as stored */
    const uint8_t *value;    /* `size` bytes at offset + 1 (borrowed) */
};

struct fmt_dex_type_id {
    uint32_t descriptor_idx;
};

struct fmt_dex_proto_id {
    uint32_t shorty_idx;
    uint32_t return_type_idx;
    uint32_t parameters_offset;
};

/* field_ids and method_ids share this layout (type_or_proto: type_idx of a
 * field, proto_idx of a method). */
struct fmt_dex_member_id {
    uint16_t class_idx;
    uint16_t type_or_proto;
    uint32_t name_idx;
};

struct fmt_dex_class_def {
    uint32_t class_idx;
    uint32_t access_flags;
    uint32_t super_class_idx;
    uint32_t interfaces_offset;
    uint32_t source_file_idx;
    uint32_t annotations_offset;
    uint32_t class_data_offset;
    uint32_t static_values_offset;
};

struct fmt_dex_class_data {
    uint32_t static_fields_size;
    uint32_t instance_fields_size;
    uint32_t direct_methods_size;
    uint32_t virtual_methods_size;
};

struct fmt_dex_map_item {
    uint16_t type;
    uint16_t unused;
    uint32_t size;
    uint32_t offset;
};

struct fmt_dex_code_item {
    bool present;            /* the 16-byte code_item header is inside the file */
    uint16_t registers_size;
    uint16_t ins_size;
    uint16_t outs_size;
    uint16_t tries_size;
    uint32_t debug_info_off;
    uint32_t insns_size;     /* in 16-bit units */
    const uint8_t *insns;    /* insns_size * 2 bytes (borrowed); NULL when outside the file */
};

/* An encoded field of some class's class data. */
struct fmt_dex_field {
    uint32_t field_idx_diff;
    uint32_t access_flags;
    bool is_static;
    bool resolved;           /* the field index was inside field_ids */
    uint32_t field_idx;      /* when resolved */
    const struct fmt_dex_string *class_name;  /* NULL: not resolvable */
    const struct fmt_dex_string *name;
    const struct fmt_dex_string *type;        /* YARA's `proto` of a field */
};

/* An encoded method of some class's class data. */
struct fmt_dex_method {
    uint32_t method_idx_diff;
    uint32_t access_flags;
    uint32_t code_off;
    bool direct;             /* else virtual */
    bool resolved;           /* the method index was inside method_ids */
    uint32_t method_idx;     /* when resolved */
    const struct fmt_dex_string *class_name;
    const struct fmt_dex_string *name;
    const struct fmt_dex_string *proto;       /* the prototype's shorty descriptor */
    struct fmt_dex_code_item code;            /* read when resolved and code_off != 0 */
};

struct fmt_dex {
    bool is_dex;             /* a whole header with a known magic */
    struct fmt_dex_header header;

    /* Id tables: each valid only when it and all before it lie in the file. */
    bool strings_valid, types_valid, protos_valid, field_ids_valid, method_ids_valid;
    struct fmt_dex_string *strings;
    size_t nstrings;
    struct fmt_dex_type_id *types;
    size_t ntypes;
    struct fmt_dex_proto_id *protos;
    size_t nprotos;
    struct fmt_dex_member_id *field_ids;
    size_t nfield_ids;
    struct fmt_dex_member_id *method_ids;
    size_t nmethod_ids;

    /* Map list: `map_size` is the stored count; items as described above. */
    bool map_present;
    uint32_t map_size;
    struct fmt_dex_map_item *map_items;
    size_t nmap_items;

    /* Class definitions (the whole table lies inside the file); when
     * unreadable class data stops the walk, those up to the one where it
     * stopped (a cap keeps them all). */
    bool class_defs_valid;
    struct fmt_dex_class_def *class_defs;
    size_t nclass_defs;
    /* class_data[] holds, in order, the class data of the classes that have
     * one (YARA's class_data_item[]). */
    struct fmt_dex_class_data *class_data;
    size_t nclass_data;
    /* The walk of the classes ended (number_of_fields / number_of_methods
     * are then known: nfields / nmethods). */
    bool classes_complete;
    struct fmt_dex_field *fields;
    size_t nfields;          /* resolved fields */
    size_t field_slots;      /* nfields, or nfields + 1 when an unresolved item
                                left its raw values in the next slot */
    struct fmt_dex_method *methods;
    size_t nmethods;
    size_t method_slots;
    size_t fields_cap, methods_cap;  /* allocated slots (internal) */

    bool truncated;          /* a cap of the header comment was reached */
};

/* Parse data[0..len). Returns ASSAY_OK when the input is DEX (out->is_dex),
 * ASSAY_EFORMAT when it is not (out is zeroed), ASSAY_ENOMEM on exhaustion
 * (out is freed and zeroed). Call fmt_dex_free on `out` in every case. */
int fmt_dex_parse(const uint8_t *data, size_t len, struct fmt_dex *out);
void fmt_dex_free(struct fmt_dex *dex);

/* The string of index `idx` (NULL when outside the table or not kept). */
const struct fmt_dex_string *fmt_dex_string_at(const struct fmt_dex *dex, uint32_t idx);
/* The descriptor string of type `idx` (NULL when unresolvable). */
const struct fmt_dex_string *fmt_dex_type_name(const struct fmt_dex *dex, uint32_t idx);

#endif
