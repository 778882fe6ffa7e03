/* rules_file_internal.h — what the parts of rules_file share: the blob's
 * record layouts, its table ids and element sizes, and the few helpers the
 * parts have in common. The parts:
 *   rules_file_schema.c  module schemas: preorder entries, fingerprints, and
 *                        the (module, index, overload) references of nodes
 *   rules_file_save.c    yrules_save: the writer, its string pool, records
 *   rules_file.c         loading: yrules_load, yrules_load_view, the record
 *                        readers and their checks, externals of a loaded set
 *   rules_file_check.c   the checks of loaded condition trees (shape, types)
 *
 * Blob layout (little-endian as written by the machine; dbfile.c checks the
 * byte order of the whole file):
 *   header  32 bytes: magic "AYRULES\0", version, header size, table count,
 *           loop variable slots (max_vars), reserved
 *   table   RF_T_COUNT entries of 24 bytes: offset from the blob start,
 *           element count, element size
 *   tables  each 8-byte aligned: explicit fixed-width records (struct rf_*),
 *           no pointers. Strings (names, file names, tags, metadata, string
 *           constants of conditions, namespaces, externals, module names) are
 *           offsets into one pool of NUL-terminated entries, deduplicated.
 *           A regex is its flags, instructions and byte sets only: scans never
 *           read its parse tree (yara_regex_prepare_ derives the rest). A
 *           module schema entry (ynode.decl, ynode.fn) is (module slot,
 *           preorder index in the module's static schema tree, overload
 *           index); each module's entry records the schema's size and a
 *           fingerprint of its names and types, so a file written by a build
 *           with other schemas is refused ("recompile").
 *
 * Limits: tables of up to 2^32 - 2 records; RF_MAX_VARS loop variable
 * slots; RF_MAX_FRAGMENTS fragments per chained string; module schemas of
 * up to RF_SCHEMA_MAX entries and RF_SCHEMA_DEPTH levels. */
#ifndef ASSAY_YARA_RULES_FILE_INTERNAL_H
#define ASSAY_YARA_RULES_FILE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "assay.h"
#include "util/buf.h"
#include "util/error.h"
#include "yara/regex.h"
#include "yara/regex_internal.h"
#include "yara/rules.h"

#define RF_MAGIC "AYRULES\0"
#define RF_NONE UINT32_MAX
#define RF_ALIGN 8
#define RF_MAX_VARS 4096
#define RF_MAX_FRAGMENTS (1u << 20)
#define RF_SCHEMA_MAX 65536
#define RF_SCHEMA_DEPTH 32
#define RF_READERS 12 /* enum yreader */

enum rf_table {
    T_POOL, T_FILES, T_IMPORTS, T_RULES, T_TAGS, T_METAS, T_STRINGS, T_PATTERNS, T_NODES, T_KIDS,
    T_NAMESPACES, T_GLOBALS, T_EXTERNALS, T_MODULES, T_REGEXES, T_INSTS, T_SETS, T_SCAN_ALL,
    T_FIRST_SETS, T_CHAIN_GAPS, T_BYTES, RF_T_COUNT
};

struct rf_header {
    char magic[8];
    uint32_t version;
    uint32_t header_size;
    uint32_t table_count;
    uint32_t max_vars;
    uint64_t reserved;
};

struct rf_entry {
    uint64_t offset;
    uint64_t count;
    uint32_t elem_size;
    uint32_t reserved;
};

struct rf_file {
    uint32_t name, import_first, import_count, reserved;
};

struct rf_import {
    uint32_t module, pos_file, line, column;
};

struct rf_guard_header {
    uint32_t offset;
    uint8_t reader, op, reserved[2];
    int64_t value;
};

struct rf_rule {
    uint32_t name, pos_file, line, column;
    uint32_t flags, tag_first, tag_count, meta_first;
    uint32_t meta_count, string_first, string_count, file;
    uint32_t ns_index, cond, modules;
    uint8_t needs_match, nheader, reserved[2];
    uint64_t size_min, size_max;
    struct rf_guard_header header[YGUARD_MAX_HEADER];
};

struct rf_meta {
    uint32_t name, kind, str, str_len;
    int64_t integer;
};

enum rf_string_flags { RFS_PRIVATE = 1, RFS_HEX = 2, RFS_YARA_LITERAL = 4, RFS_SLOW = 8, RFS_ALL_MATCHES = 16 };

struct rf_string {
    uint32_t name, pos_file, line, column;
    uint32_t kind, modifiers, regex_flags, rule;
    uint32_t pattern_first, pattern_count, chain_first, nfrag;
    int64_t fixed_offset;
    uint8_t xor_min, xor_max, use, flags;
    uint32_t reserved;
};

struct rf_pattern {
    uint32_t string;
    uint8_t kind, flags, atom_nocase, xor_key;
    uint32_t lit, lit_len, atom, atom_len;
    uint32_t pre_min;
    int32_t back;
    uint32_t fwd[2], pre[2];
    uint32_t re, first;
    uint8_t frag, prefiltered, match_bits, reserved; /* match_bits 0 (files before it): not known */
    int32_t end_adj;
};

#define RF_PATTERN_FLAGS (YPF_NOCASE | YPF_FULLWORD | YPF_WIDE | YPF_GREEDY | YPF_MASKED)

struct rf_node {
    uint8_t op, type, quant, set_kind, iter_kind, anchor, nvars, mod;
    uint32_t a, kid_first, kid_count, set_first, set_count;
    uint32_t body, iter_node;
    uint32_t str, str_len;
    uint32_t decl, fn, re;
    uint8_t decl_mod, reserved[7];
    int64_t i;
    double f;
};

struct rf_namespace {
    uint32_t name, global_first, global_count, reserved;
};

struct rf_external {
    uint32_t name, type, str, str_len;
    int64_t i;
    double f;
};

struct rf_module {
    uint32_t name, decl_count;
    uint64_t fingerprint;
};

struct rf_regex {
    uint32_t flags, inst_first, inst_count, reserved;
};

struct rf_inst {
    uint8_t op, arg, reserved[2];
    uint32_t x, y;
};

_Static_assert(sizeof(struct rf_header) == 32, "rf_header layout");
_Static_assert(sizeof(struct rf_entry) == 24, "rf_entry layout");
_Static_assert(sizeof(struct rf_rule) == 144, "rf_rule layout");
_Static_assert(sizeof(struct rf_string) == 64, "rf_string layout");
_Static_assert(sizeof(struct rf_pattern) == 64, "rf_pattern layout");
_Static_assert(sizeof(struct rf_node) == 80, "rf_node layout");
_Static_assert(sizeof(struct rf_external) == 32, "rf_external layout");
_Static_assert(sizeof(struct rf_inst) == 12 && sizeof(struct rf_regex) == 16, "rf_inst layout");
_Static_assert(sizeof(struct re_set) == 32 && sizeof(struct ybyteset) == 32, "byte set layout");
/* A mapped blob's instructions are used in place (yrules_load_view). */
_Static_assert(sizeof(struct re_inst) == sizeof(struct rf_inst) && offsetof(struct re_inst, op) == offsetof(struct rf_inst, op) &&
                   offsetof(struct re_inst, arg) == offsetof(struct rf_inst, arg) &&
                   offsetof(struct re_inst, x) == offsetof(struct rf_inst, x) &&
                   offsetof(struct re_inst, y) == offsetof(struct rf_inst, y),
               "rf_inst and re_inst layouts");
_Static_assert(sizeof(struct ygap) == 16, "gap layout");

/* The record size of each table (the blob's table entries repeat it; a
 * loader refuses any other). */
static const uint32_t elem_size[RF_T_COUNT] = {
    [T_POOL] = 1, [T_FILES] = sizeof(struct rf_file), [T_IMPORTS] = sizeof(struct rf_import),
    [T_RULES] = sizeof(struct rf_rule), [T_TAGS] = 4, [T_METAS] = sizeof(struct rf_meta),
    [T_STRINGS] = sizeof(struct rf_string), [T_PATTERNS] = sizeof(struct rf_pattern),
    [T_NODES] = sizeof(struct rf_node), [T_KIDS] = 4, [T_NAMESPACES] = sizeof(struct rf_namespace),
    [T_GLOBALS] = 4, [T_EXTERNALS] = sizeof(struct rf_external), [T_MODULES] = sizeof(struct rf_module),
    [T_REGEXES] = sizeof(struct rf_regex), [T_INSTS] = sizeof(struct rf_inst), [T_SETS] = 32,
    [T_SCAN_ALL] = 4, [T_FIRST_SETS] = 32, [T_CHAIN_GAPS] = sizeof(struct ygap), [T_BYTES] = 1,
};

/* ---- helpers of every part --------------------------------------------------- */

static inline int oom(void)
{
    return util_error(ASSAY_ENOMEM, "out of memory");
}

static inline int bad(const char *what)
{
    return util_error(ASSAY_EFORMAT, "corrupt compiled YARA rules (%s)", what);
}

/* FNV-1a: module schema fingerprints (part of the format) and the saver's
 * dedup hashes. */
static inline uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

#define FNV_START 1469598103934665603ull

/* ---- module schemas (rules_file_schema.c) ----------------------------------- */

/* A module's schema entries in preorder (a struct, then each member's subtree
 * in order; an array or dictionary, then its element), and a fingerprint of
 * their names, types and function signatures. */
struct schema {
    UTIL_VEC(const struct yobj_decl *) decls;
    uint64_t fingerprint;
};

int schema_build(struct schema *s, const struct yara_module *m);
void schema_free(struct schema *s);
uint32_t overload_count(const struct yobj_decl *d);
uint32_t member_count(const struct yobj_decl *d);

/* Open-addressing map from a pointer to an index. */
struct ptrmap {
    const void **keys;
    uint32_t *vals;
    size_t cap, n;
};

bool ptrmap_get(const struct ptrmap *m, const void *k, uint32_t *v);
int ptrmap_put(struct ptrmap *m, const void *k, uint32_t v);
void ptrmap_free(struct ptrmap *m);

/* Saving: map every entry of module `slot`'s schema to its reference in
 * `decls`; then the references of a node's schema entry and overload. */
int schema_index(struct ptrmap *decls, const struct schema *s, uint32_t slot);
int decl_ref(const struct ptrmap *decls, const struct yobj_decl *d, struct rf_node *x);
int fn_ref(const struct ynode *nd, struct rf_node *x);

/* Loading: the schema entry a node record names (NULL for none); false when
 * it names none of the `module_count` schemas. */
bool decl_at(const struct schema *schemas, uint32_t module_count, const struct rf_node *x,
             const struct yobj_decl **out);

/* ---- condition trees (rules_file_check.c) ----------------------------------- */

/* Refuse (ASSAY_EFORMAT) loaded conditions the evaluator could not run
 * safely: shared or cyclic nodes, nesting deeper than YRULES_FILE_MAX_DEPTH,
 * values used against their types. */
int check_conditions(const struct yrules *r);

#endif
