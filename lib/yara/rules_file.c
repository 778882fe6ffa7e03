/* rules_file.c — a compiled YARA rule set as one blob, and back (see
 * rules_file.h; the format is also described in docs/database-format.md).
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
 * Loading converts every record into the arrays of struct yrules and
 * rebuilds, in one arena owned by r->files.v[0], the parts of the syntax
 * trees that scans and reports read: struct yara_rule (name, position,
 * flags, tags, metadata, strings), struct yara_string (name, position, kind,
 * modifiers) and struct yara_file (name, imports). Rule conditions, string
 * texts and hex tokens are not kept.
 *
 * Validation: every count is bounded by the blob's size, every index and
 * offset is checked (pool offsets, rule -> tag/meta/string ranges, string ->
 * pattern and chain ranges, pattern -> string, bytes, regexes, byte sets;
 * node -> kids, sets, body, quantity; regex instruction targets and sets;
 * module names, schema indices and overloads). Condition nodes must form
 * trees (no node referenced twice, so no cycles) no deeper than
 * YRULES_FILE_MAX_DEPTH, and each rule's tree is type-checked the way the
 * compiler built it: module members, indexes, lookups and calls are applied
 * to values of the schema entry they name, function arguments have the
 * types of the overload's signature, loop variables are used only inside
 * the loop that binds them. So a forged blob gets ASSAY_EFORMAT, and what
 * does load cannot make the evaluator (eval.c) read out of bounds.
 *
 * Limits: tables of up to 2^32 - 2 records; RF_MAX_VARS loop variable
 * slots; RF_MAX_FRAGMENTS fragments per chained string; module schemas of
 * up to RF_SCHEMA_MAX entries and RF_SCHEMA_DEPTH levels; conditions
 * YRULES_FILE_MAX_DEPTH deep. */
#include "yara/rules_file.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "util/arena.h"
#include "util/error.h"
#include "util/pages.h"
#include "yara/regex.h"
#include "yara/regex_internal.h"

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
    uint8_t frag, prefiltered, reserved[2];
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

static const uint32_t elem_size[RF_T_COUNT] = {
    [T_POOL] = 1, [T_FILES] = sizeof(struct rf_file), [T_IMPORTS] = sizeof(struct rf_import),
    [T_RULES] = sizeof(struct rf_rule), [T_TAGS] = 4, [T_METAS] = sizeof(struct rf_meta),
    [T_STRINGS] = sizeof(struct rf_string), [T_PATTERNS] = sizeof(struct rf_pattern),
    [T_NODES] = sizeof(struct rf_node), [T_KIDS] = 4, [T_NAMESPACES] = sizeof(struct rf_namespace),
    [T_GLOBALS] = 4, [T_EXTERNALS] = sizeof(struct rf_external), [T_MODULES] = sizeof(struct rf_module),
    [T_REGEXES] = sizeof(struct rf_regex), [T_INSTS] = sizeof(struct rf_inst), [T_SETS] = 32,
    [T_SCAN_ALL] = 4, [T_FIRST_SETS] = 32, [T_CHAIN_GAPS] = sizeof(struct ygap), [T_BYTES] = 1,
};

static int oom(void)
{
    return util_error(ASSAY_ENOMEM, "out of memory");
}

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 1099511628211ull;
    return h;
}

#define FNV_START 1469598103934665603ull

/* ---- module schemas ---------------------------------------------------------
 * A module's schema entries in preorder (a struct, then each member's subtree
 * in order; an array or dictionary, then its element), and a fingerprint of
 * their names, types and function signatures. */

struct schema {
    UTIL_VEC(const struct yobj_decl *) decls;
    uint64_t fingerprint;
};

static int schema_walk(struct schema *s, const struct yobj_decl *d, unsigned depth)
{
    if (depth > RF_SCHEMA_DEPTH || s->decls.n >= RF_SCHEMA_MAX)
        return util_error(ASSAY_ELIMIT, "a YARA module schema is too large to save");
    if (util_vec_push(&s->decls, d) != 0)
        return oom();
    uint8_t type = (uint8_t)d->type;
    s->fingerprint = fnv(s->fingerprint, d->name ? d->name : "", d->name ? strlen(d->name) + 1 : 1);
    s->fingerprint = fnv(s->fingerprint, &type, 1);
    int rc = ASSAY_OK;
    if (d->type == YOBJ_FUNC)
        for (size_t i = 0; d->overloads && d->overloads[i].args; i++) {
            uint8_t result = (uint8_t)d->overloads[i].result;
            s->fingerprint = fnv(s->fingerprint, d->overloads[i].args, strlen(d->overloads[i].args) + 1);
            s->fingerprint = fnv(s->fingerprint, &result, 1);
        }
    if (d->type == YOBJ_STRUCT)
        for (size_t i = 0; rc == ASSAY_OK && d->members && d->members[i].name; i++)
            rc = schema_walk(s, &d->members[i], depth + 1);
    if ((d->type == YOBJ_ARRAY || d->type == YOBJ_DICT) && d->element && rc == ASSAY_OK)
        rc = schema_walk(s, d->element, depth + 1);
    static const uint8_t end = 0xFF; /* so that sibling and child entries differ */
    s->fingerprint = fnv(s->fingerprint, &end, 1);
    return rc;
}

static int schema_build(struct schema *s, const struct yara_module *m)
{
    memset(s, 0, sizeof *s);
    s->fingerprint = fnv(FNV_START, m->name, strlen(m->name) + 1);
    return schema_walk(s, m->decl, 0);
}

static void schema_free(struct schema *s)
{
    util_vec_free(&s->decls);
}

static uint32_t overload_count(const struct yobj_decl *d)
{
    uint32_t n = 0;
    while (d->overloads && d->overloads[n].args)
        n++;
    return n;
}

static uint32_t member_count(const struct yobj_decl *d)
{
    uint32_t n = 0;
    while (d->members && d->members[n].name)
        n++;
    return n;
}

/* ============================================================================
 * Saving
 * ========================================================================== */

/* Open-addressing map from a pointer to an index. */
struct ptrmap {
    const void **keys;
    uint32_t *vals;
    size_t cap, n;
};

static size_t ptr_slot(const void *p, size_t cap)
{
    uint64_t h = (uint64_t)(uintptr_t)p * 0x9E3779B97F4A7C15ull;
    return (size_t)(h >> 20) & (cap - 1);
}

static bool ptrmap_get(const struct ptrmap *m, const void *k, uint32_t *v)
{
    if (!m->cap)
        return false;
    for (size_t i = ptr_slot(k, m->cap);; i = (i + 1) & (m->cap - 1)) {
        if (!m->keys[i])
            return false;
        if (m->keys[i] == k) {
            *v = m->vals[i];
            return true;
        }
    }
}

static int ptrmap_put(struct ptrmap *m, const void *k, uint32_t v)
{
    if (2 * (m->n + 1) > m->cap) {
        size_t cap = m->cap ? 2 * m->cap : 64;
        const void **keys = calloc(cap, sizeof *keys);
        uint32_t *vals = calloc(cap, sizeof *vals);
        if (!keys || !vals) {
            free(keys);
            free(vals);
            return oom();
        }
        for (size_t i = 0; i < m->cap; i++)
            if (m->keys[i]) {
                size_t j = ptr_slot(m->keys[i], cap);
                while (keys[j])
                    j = (j + 1) & (cap - 1);
                keys[j] = m->keys[i];
                vals[j] = m->vals[i];
            }
        free(m->keys);
        free(m->vals);
        m->keys = keys;
        m->vals = vals;
        m->cap = cap;
    }
    size_t i = ptr_slot(k, m->cap);
    while (m->keys[i])
        i = (i + 1) & (m->cap - 1);
    m->keys[i] = k;
    m->vals[i] = v;
    m->n++;
    return ASSAY_OK;
}

static void ptrmap_free(struct ptrmap *m)
{
    free(m->keys);
    free(m->vals);
    memset(m, 0, sizeof *m);
}

struct pool_slot {
    uint64_t hash;
    uint32_t off, len; /* off == RF_NONE: empty */
};

struct writer {
    const struct yrules *r;
    struct util_buf t[RF_T_COUNT];
    struct pool_slot *slots;   /* the pool's dedup index */
    size_t slot_cap, slot_n;
    struct ptrmap files, regexes, decls;
    uint32_t *set_slots;       /* dedup index of T_SETS: set index + 1, 0 empty */
    size_t set_cap;
    struct schema schemas[YRULES_MAX_MODULES];
    bool nomem;
};

static void put(struct writer *w, enum rf_table t, const void *rec, size_t size)
{
    if (size && !w->nomem && util_buf_append(&w->t[t], rec, size) != 0)
        w->nomem = true;
}

static size_t count_of(const struct writer *w, enum rf_table t)
{
    return w->t[t].len / elem_size[t];
}

static int pool_grow(struct writer *w)
{
    size_t cap = w->slot_cap ? 2 * w->slot_cap : 1024;
    struct pool_slot *s = malloc(cap * sizeof *s);
    if (!s)
        return oom();
    for (size_t i = 0; i < cap; i++)
        s[i].off = RF_NONE;
    for (size_t i = 0; i < w->slot_cap; i++)
        if (w->slots[i].off != RF_NONE) {
            size_t j = (size_t)w->slots[i].hash & (cap - 1);
            while (s[j].off != RF_NONE)
                j = (j + 1) & (cap - 1);
            s[j] = w->slots[i];
        }
    free(w->slots);
    w->slots = s;
    w->slot_cap = cap;
    return ASSAY_OK;
}

/* The pool offset of bytes p[0..n) (a NUL follows them in the pool). */
static int pool_add(struct writer *w, const void *p, size_t n, uint32_t *off)
{
    struct util_buf *pool = &w->t[T_POOL];
    if (n >= UINT32_MAX || pool->len + n + 1 >= UINT32_MAX)
        return util_error(ASSAY_ELIMIT, "YARA rule names and metadata exceed 4 GiB");
    if (2 * (w->slot_n + 1) > w->slot_cap && pool_grow(w) != ASSAY_OK)
        return ASSAY_ENOMEM;
    uint64_t h = fnv(FNV_START, p, n);
    size_t i = (size_t)h & (w->slot_cap - 1);
    for (; w->slots[i].off != RF_NONE; i = (i + 1) & (w->slot_cap - 1)) {
        const struct pool_slot *s = &w->slots[i];
        if (s->hash == h && s->len == n && memcmp(pool->data + s->off, p, n) == 0) {
            *off = s->off;
            return ASSAY_OK;
        }
    }
    *off = (uint32_t)pool->len;
    if (util_buf_append(pool, p, n) != 0 || util_buf_append_byte(pool, 0) != 0)
        return oom();
    w->slots[i] = (struct pool_slot){h, *off, (uint32_t)n};
    w->slot_n++;
    return ASSAY_OK;
}

static int pool_cstr(struct writer *w, const char *s, uint32_t *off)
{
    *off = RF_NONE;
    return s ? pool_add(w, s, strlen(s), off) : ASSAY_OK;
}

static uint32_t u32_of(size_t v)
{
    return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v;
}

/* The index of a byte set in T_SETS, which holds each distinct set once
 * (a few hundred for thousands of regexes). */
static int set_ref(struct writer *w, const struct re_set *set, uint32_t *out)
{
    size_t n = count_of(w, T_SETS);
    if (2 * (n + 1) > w->set_cap) {
        size_t cap = w->set_cap ? 2 * w->set_cap : 1024;
        uint32_t *slots = calloc(cap, sizeof *slots);
        if (!slots)
            return oom();
        for (size_t k = 0; k < n; k++) {
            size_t j = (size_t)fnv(FNV_START, w->t[T_SETS].data + 32 * k, 32) & (cap - 1);
            while (slots[j])
                j = (j + 1) & (cap - 1);
            slots[j] = (uint32_t)k + 1;
        }
        free(w->set_slots);
        w->set_slots = slots;
        w->set_cap = cap;
    }
    size_t j = (size_t)fnv(FNV_START, set->bits, 32) & (w->set_cap - 1);
    for (; w->set_slots[j]; j = (j + 1) & (w->set_cap - 1))
        if (memcmp(w->t[T_SETS].data + 32 * (size_t)(w->set_slots[j] - 1), set->bits, 32) == 0) {
            *out = w->set_slots[j] - 1;
            return ASSAY_OK;
        }
    if (util_buf_append(&w->t[T_SETS], set->bits, 32) != 0)
        return oom();
    w->set_slots[j] = (uint32_t)n + 1;
    *out = (uint32_t)n;
    return ASSAY_OK;
}

/* ---- modules, files, regexes --------------------------------------------------- */

static int save_modules(struct writer *w)
{
    const struct yrules *r = w->r;
    for (uint32_t slot = 0; slot < r->module_count; slot++) {
        struct schema *s = &w->schemas[slot];
        int rc = schema_build(s, r->modules[slot]);
        struct rf_module m = {.decl_count = (uint32_t)s->decls.n, .fingerprint = s->fingerprint};
        if (rc == ASSAY_OK)
            rc = pool_cstr(w, r->modules[slot]->name, &m.name);
        for (size_t i = s->decls.n; rc == ASSAY_OK && i-- > 0;) /* backwards: the first occurrence wins */
            rc = ptrmap_put(&w->decls, s->decls.v[i], slot * RF_SCHEMA_MAX + (uint32_t)i);
        if (rc != ASSAY_OK)
            return rc;
        put(w, T_MODULES, &m, sizeof m);
    }
    return ASSAY_OK;
}

static int file_ref(struct writer *w, const struct yara_file *f, uint32_t *out)
{
    if (!f) {
        *out = RF_NONE;
        return ASSAY_OK;
    }
    if (ptrmap_get(&w->files, f, out))
        return ASSAY_OK;
    *out = (uint32_t)count_of(w, T_FILES);
    struct rf_file rec = {.import_first = (uint32_t)count_of(w, T_IMPORTS), .import_count = u32_of(f->import_count)};
    int rc = pool_cstr(w, f->name, &rec.name);
    for (size_t i = 0; rc == ASSAY_OK && i < f->import_count; i++) {
        const struct yara_import *im = &f->imports[i];
        struct rf_import x = {.line = im->pos.line, .column = im->pos.column};
        rc = pool_cstr(w, im->module, &x.module);
        if (rc == ASSAY_OK)
            rc = pool_cstr(w, im->pos.file, &x.pos_file);
        put(w, T_IMPORTS, &x, sizeof x);
    }
    put(w, T_FILES, &rec, sizeof rec);
    return rc == ASSAY_OK ? ptrmap_put(&w->files, f, *out) : rc;
}

/* A regex's index in the blob's table, written the first time it is met. */
static int regex_ref(struct writer *w, const struct yara_regex *re, uint32_t *out)
{
    *out = RF_NONE;
    if (!re || ptrmap_get(&w->regexes, re, out))
        return ASSAY_OK;
    *out = (uint32_t)count_of(w, T_REGEXES);
    struct rf_regex rec = {.flags = re->flags, .inst_first = (uint32_t)count_of(w, T_INSTS),
                           .inst_count = u32_of(re->prog.n)};
    if (count_of(w, T_INSTS) + re->prog.n >= UINT32_MAX)
        return util_error(ASSAY_ELIMIT, "YARA regular expressions too large to save");
    for (size_t i = 0; i < re->prog.n; i++) {
        const struct re_inst *in = &re->prog.v[i];
        struct rf_inst x = {.op = in->op, .arg = in->arg, .x = in->x, .y = in->y};
        if (in->op == RE_OP_SET) { /* x: the set's index in T_SETS */
            if (in->x >= re->sets.n)
                return util_error(ASSAY_EINVAL, "a YARA regular expression refers to a missing byte set");
            int rc = set_ref(w, &re->sets.v[in->x], &x.x);
            if (rc != ASSAY_OK)
                return rc;
        }
        put(w, T_INSTS, &x, sizeof x);
    }
    put(w, T_REGEXES, &rec, sizeof rec);
    return ptrmap_put(&w->regexes, re, *out);
}

/* ---- rules, strings, patterns ---------------------------------------------------- */

static int save_metas(struct writer *w, const struct yara_rule *ast)
{
    int rc = ASSAY_OK;
    for (size_t k = 0; rc == ASSAY_OK && k < ast->tag_count; k++) {
        uint32_t off;
        rc = pool_cstr(w, ast->tags[k], &off);
        put(w, T_TAGS, &off, sizeof off);
    }
    for (size_t k = 0; rc == ASSAY_OK && k < ast->meta_count; k++) {
        const struct yara_meta *m = &ast->metas[k];
        struct rf_meta x = {.kind = m->kind, .str = RF_NONE, .integer = m->integer};
        rc = pool_cstr(w, m->name, &x.name);
        if (rc == ASSAY_OK && m->kind == YARA_META_STRING) {
            rc = pool_add(w, m->str ? (const void *)m->str : "", m->str_len, &x.str);
            x.str_len = u32_of(m->str_len);
        }
        put(w, T_METAS, &x, sizeof x);
    }
    return rc;
}

static int save_rule(struct writer *w, const struct yrule *ru)
{
    const struct yara_rule *ast = ru->ast;
    struct rf_rule x = {.line = ast->pos.line, .column = ast->pos.column, .flags = ast->flags,
                        .tag_first = (uint32_t)count_of(w, T_TAGS), .tag_count = u32_of(ast->tag_count),
                        .meta_first = (uint32_t)count_of(w, T_METAS), .meta_count = u32_of(ast->meta_count),
                        .string_first = ru->string_first, .string_count = ru->string_count,
                        .ns_index = ru->ns_index, .cond = ru->cond, .modules = ru->modules,
                        .needs_match = ru->needs_match, .nheader = ru->guard.nheader,
                        .size_min = ru->guard.size_min, .size_max = ru->guard.size_max};
    for (int k = 0; k < YGUARD_MAX_HEADER; k++) {
        const struct yguard_header *g = &ru->guard.header[k];
        x.header[k] = (struct rf_guard_header){.offset = g->offset, .reader = g->reader, .op = g->op,
                                               .value = g->value};
    }
    int rc = pool_cstr(w, ast->name, &x.name);
    if (rc == ASSAY_OK)
        rc = pool_cstr(w, ast->pos.file, &x.pos_file);
    if (rc == ASSAY_OK)
        rc = file_ref(w, ru->file, &x.file);
    if (rc == ASSAY_OK)
        rc = save_metas(w, ast);
    put(w, T_RULES, &x, sizeof x);
    return rc;
}

static int save_string(struct writer *w, const struct ystring *s)
{
    const struct yara_string *ast = s->ast;
    struct rf_string x = {.line = ast->pos.line, .column = ast->pos.column, .kind = ast->kind,
                          .modifiers = ast->modifiers, .regex_flags = ast->regex_flags, .rule = s->rule,
                          .pattern_first = s->pattern_first, .pattern_count = s->pattern_count,
                          .chain_first = s->chain_first, .nfrag = s->nfrag, .fixed_offset = s->fixed_offset,
                          .xor_min = ast->xor_min, .xor_max = ast->xor_max, .use = s->use,
                          .flags = (uint8_t)((s->is_private ? RFS_PRIVATE : 0) | (s->is_hex ? RFS_HEX : 0) |
                                             (s->yara_literal ? RFS_YARA_LITERAL : 0) | (s->slow ? RFS_SLOW : 0) |
                                             (s->all_matches ? RFS_ALL_MATCHES : 0))};
    int rc = pool_cstr(w, ast->name, &x.name);
    if (rc == ASSAY_OK)
        rc = pool_cstr(w, ast->pos.file, &x.pos_file);
    put(w, T_STRINGS, &x, sizeof x);
    return rc;
}

static int save_pattern(struct writer *w, const struct ypattern *p)
{
    struct rf_pattern x = {.string = p->string, .kind = p->kind, .flags = p->flags, .atom_nocase = p->atom_nocase,
                           .xor_key = p->xor_key, .lit = p->lit, .lit_len = p->lit_len, .atom = p->atom,
                           .atom_len = p->atom_len, .pre_min = p->pre_min, .back = p->back, .first = p->first,
                           .frag = p->frag, .prefiltered = p->prefiltered, .end_adj = p->end_adj};
    int rc = ASSAY_OK;
    for (int f = 0; f < 2 && rc == ASSAY_OK; f++) {
        rc = regex_ref(w, p->fwd[f], &x.fwd[f]);
        if (rc == ASSAY_OK)
            rc = regex_ref(w, p->pre[f], &x.pre[f]);
    }
    if (rc == ASSAY_OK)
        rc = regex_ref(w, p->re, &x.re);
    put(w, T_PATTERNS, &x, sizeof x);
    return rc;
}

/* ---- condition nodes ---------------------------------------------------------------- */

static int decl_ref(struct writer *w, const struct yobj_decl *d, struct rf_node *x)
{
    x->decl = RF_NONE;
    if (!d)
        return ASSAY_OK;
    uint32_t v;
    if (!ptrmap_get(&w->decls, d, &v))
        return util_error(ASSAY_EINVAL, "a YARA condition names a module value outside the module schemas");
    x->decl_mod = (uint8_t)(v / RF_SCHEMA_MAX);
    x->decl = v % RF_SCHEMA_MAX;
    return ASSAY_OK;
}

static int save_node(struct writer *w, const struct ynode *nd)
{
    struct rf_node x = {.op = nd->op, .type = nd->type, .quant = nd->quant, .set_kind = nd->set_kind,
                        .iter_kind = nd->iter_kind, .anchor = nd->anchor, .nvars = nd->nvars, .mod = nd->mod,
                        .a = nd->a, .kid_first = nd->kid_first, .kid_count = nd->kid_count,
                        .set_first = nd->set_first, .set_count = nd->set_count, .body = nd->body,
                        .iter_node = nd->iter_node, .str = RF_NONE, .fn = RF_NONE, .i = nd->i, .f = nd->f};
    int rc = ASSAY_OK;
    if (nd->op == YN_STRING) {
        if (nd->n >= UINT32_MAX)
            return util_error(ASSAY_ELIMIT, "a YARA string constant is too long to save");
        rc = pool_add(w, nd->s ? (const void *)nd->s : "", nd->n, &x.str);
        x.str_len = (uint32_t)nd->n;
    }
    if (rc == ASSAY_OK)
        rc = decl_ref(w, nd->decl, &x);
    if (rc == ASSAY_OK && nd->fn) {
        for (uint32_t k = 0; nd->decl && nd->decl->type == YOBJ_FUNC && k < overload_count(nd->decl); k++)
            if (&nd->decl->overloads[k] == nd->fn)
                x.fn = k;
        if (x.fn == RF_NONE)
            rc = util_error(ASSAY_EINVAL, "a YARA condition calls a function outside the module schemas");
    }
    if (rc == ASSAY_OK)
        rc = regex_ref(w, nd->re, &x.re);
    put(w, T_NODES, &x, sizeof x);
    return rc;
}

/* ---- the rest ---------------------------------------------------------------------- */

static int save_namespaces_and_externals(struct writer *w)
{
    const struct yrules *r = w->r;
    int rc = ASSAY_OK;
    for (size_t i = 0; i < r->namespaces.n && rc == ASSAY_OK; i++) {
        const struct ynamespace *ns = &r->namespaces.v[i];
        struct rf_namespace x = {.global_first = (uint32_t)count_of(w, T_GLOBALS),
                                 .global_count = u32_of(ns->globals.n)};
        rc = pool_cstr(w, ns->name, &x.name);
        put(w, T_GLOBALS, ns->globals.v, ns->globals.n * sizeof *ns->globals.v);
        put(w, T_NAMESPACES, &x, sizeof x);
    }
    for (size_t i = 0; i < r->externals.n && rc == ASSAY_OK; i++) {
        const struct yexternal *e = &r->externals.v[i];
        struct rf_external x = {.type = e->value.type, .str = RF_NONE, .i = e->value.i, .f = e->value.f};
        rc = pool_cstr(w, e->name, &x.name);
        if (rc == ASSAY_OK && e->value.type == YV_STRING) {
            rc = pool_add(w, e->value.s ? (const void *)e->value.s : "", e->value.n, &x.str);
            x.str_len = u32_of(e->value.n);
        }
        put(w, T_EXTERNALS, &x, sizeof x);
    }
    return rc;
}

static int save_records(struct writer *w)
{
    const struct yrules *r = w->r;
    int rc = save_modules(w);
    for (size_t i = 0; i < r->rules.n && rc == ASSAY_OK; i++)
        rc = save_rule(w, &r->rules.v[i]);
    for (size_t i = 0; i < r->strings.n && rc == ASSAY_OK; i++)
        rc = save_string(w, &r->strings.v[i]);
    for (size_t i = 0; i < r->patterns.n && rc == ASSAY_OK; i++)
        rc = save_pattern(w, &r->patterns.v[i]);
    for (size_t i = 0; i < r->nodes.n && rc == ASSAY_OK; i++)
        rc = save_node(w, &r->nodes.v[i]);
    if (rc == ASSAY_OK)
        rc = save_namespaces_and_externals(w);
    put(w, T_KIDS, r->kids.v, r->kids.n * sizeof *r->kids.v);
    put(w, T_SCAN_ALL, r->scan_all.v, r->scan_all.n * sizeof *r->scan_all.v);
    put(w, T_FIRST_SETS, r->first_sets.v, r->first_sets.n * sizeof *r->first_sets.v);
    put(w, T_CHAIN_GAPS, r->chain_gaps.v, r->chain_gaps.n * sizeof *r->chain_gaps.v);
    put(w, T_BYTES, r->bytes.data, r->bytes.len);
    if (rc == ASSAY_OK && w->nomem)
        rc = oom();
    for (int t = 0; rc == ASSAY_OK && t < RF_T_COUNT; t++)
        if (count_of(w, (enum rf_table)t) >= UINT32_MAX)
            rc = util_error(ASSAY_ELIMIT, "too many YARA records to save");
    return rc;
}

static int assemble(struct writer *w, struct util_buf *out)
{
    struct rf_header h = {.version = YRULES_FILE_VERSION, .header_size = sizeof h, .table_count = RF_T_COUNT,
                          .max_vars = w->r->max_vars};
    memcpy(h.magic, RF_MAGIC, 8);
    struct rf_entry table[RF_T_COUNT];
    uint64_t off = sizeof h + sizeof table;
    for (int t = 0; t < RF_T_COUNT; t++) {
        off = (off + RF_ALIGN - 1) / RF_ALIGN * RF_ALIGN;
        table[t] = (struct rf_entry){.offset = off, .count = count_of(w, (enum rf_table)t), .elem_size = elem_size[t]};
        off += w->t[t].len;
    }
    size_t start = out->len;
    if (util_buf_reserve(out, off) != 0)
        return oom();
    memset(out->data + start, 0, off);
    memcpy(out->data + start, &h, sizeof h);
    memcpy(out->data + start + sizeof h, table, sizeof table);
    for (int t = 0; t < RF_T_COUNT; t++)
        if (w->t[t].len)
            memcpy(out->data + start + table[t].offset, w->t[t].data, w->t[t].len);
    out->len = start + off;
    return ASSAY_OK;
}

static void writer_free(struct writer *w)
{
    for (int t = 0; t < RF_T_COUNT; t++)
        util_buf_free(&w->t[t]);
    free(w->slots);
    free(w->set_slots);
    ptrmap_free(&w->files);
    ptrmap_free(&w->regexes);
    ptrmap_free(&w->decls);
    for (int i = 0; i < YRULES_MAX_MODULES; i++)
        schema_free(&w->schemas[i]);
}

int yrules_save(const struct yrules *r, struct util_buf *out)
{
    struct writer w = {.r = r};
    size_t start = out->len;
    int rc = save_records(&w);
    if (rc == ASSAY_OK)
        rc = assemble(&w, out);
    writer_free(&w);
    if (rc != ASSAY_OK)
        return rc;
    /* Whatever is saved must load: check it the way a loader will. */
    struct yrules check;
    yrules_init(&check);
    rc = yrules_load(&check, out->data + start, out->len - start);
    yrules_free(&check);
    if (rc != ASSAY_OK) {
        out->len = start;
        if (rc == ASSAY_EFORMAT) {
            char why[512];
            snprintf(why, sizeof why, "%s", assay_last_error());
            rc = util_error(ASSAY_ELIMIT, "cannot save these YARA rules: %s", why);
        }
    }
    return rc;
}

/* ============================================================================
 * Loading
 * ========================================================================== */

struct loader {
    const uint8_t *blob;
    size_t len;
    const uint8_t *tab[RF_T_COUNT];
    size_t n[RF_T_COUNT];
    const char *pool;           /* the arena copy */
    size_t pool_len;
    struct util_arena *arena;   /* r->files.v[0]->arena */
    struct yrules *r;
    struct schema schemas[YRULES_MAX_MODULES];
    uint32_t max_vars;
    struct yara_file *files;    /* n[T_FILES] rebuilt files */
    bool view;                  /* use the blob's instructions in place */
    bool release;               /* the blob is a file mapping: give back the pages read */
    struct yara_rule *ast_rules;
    struct yara_string *ast_strings;
    struct yara_meta *ast_metas;
    const char **ast_tags;
};

static int bad(const char *what)
{
    return util_error(ASSAY_EFORMAT, "corrupt compiled YARA rules (%s)", what);
}

/* Give back the resident pages of table t of a mapped blob (loading reads
 * each table once; this keeps the peak memory of a load near what it keeps). */
static void done_with(const struct loader *l, enum rf_table t)
{
    if (l->release)
        util_release_pages(l->tab[t], l->n[t] * elem_size[t]);
}

/* Record i of table t (any alignment). */
static void rec(const struct loader *l, enum rf_table t, size_t i, void *out)
{
    memcpy(out, l->tab[t] + i * elem_size[t], elem_size[t]);
}

/* A NUL-terminated pool string; RF_NONE is NULL when `optional`. */
static bool pool_str(const struct loader *l, uint32_t off, bool optional, const char **out)
{
    if (off == RF_NONE) {
        *out = NULL;
        return optional;
    }
    *out = off < l->pool_len ? l->pool + off : NULL;
    return *out != NULL;
}

/* n bytes of the pool at off, a NUL after them. */
static bool pool_bytes(const struct loader *l, uint32_t off, uint32_t n, const uint8_t **out)
{
    if (off == RF_NONE || (uint64_t)off + n >= l->pool_len || l->pool[(size_t)off + n] != 0)
        return false;
    *out = (const uint8_t *)l->pool + off;
    return true;
}

static int read_tables(struct loader *l)
{
    struct rf_header h;
    if (l->len < sizeof h)
        return bad("truncated header");
    memcpy(&h, l->blob, sizeof h);
    if (memcmp(h.magic, RF_MAGIC, 8) != 0)
        return bad("not a YARA rule blob");
    if (h.version != YRULES_FILE_VERSION)
        return util_error(ASSAY_EFORMAT, "compiled YARA rules of format version %u; this assay reads version %u",
                          h.version, YRULES_FILE_VERSION);
    if (h.header_size != sizeof h || h.table_count != RF_T_COUNT)
        return bad("header");
    if (h.max_vars > RF_MAX_VARS)
        return bad("too many loop variables");
    l->max_vars = h.max_vars;
    if (l->len - sizeof h < RF_T_COUNT * sizeof(struct rf_entry))
        return bad("truncated table");
    for (int t = 0; t < RF_T_COUNT; t++) {
        struct rf_entry e;
        memcpy(&e, l->blob + sizeof h + t * sizeof e, sizeof e);
        if (e.elem_size != elem_size[t])
            return bad("record layout differs from this build");
        if (e.offset > l->len || e.count >= UINT32_MAX || e.count * e.elem_size > l->len - e.offset)
            return bad("table out of bounds");
        l->tab[t] = l->blob + e.offset;
        l->n[t] = (size_t)e.count;
    }
    return ASSAY_OK;
}

/* The owner of every rebuilt record: r->files.v[0] and its arena. */
static int make_owner(struct loader *l)
{
    struct util_arena a = {0};
    struct yara_file *owner = util_arena_alloc(&a, sizeof *owner);
    if (!owner)
        return oom();
    owner->arena = a;
    if (util_vec_push(&l->r->files, owner) != 0) {
        yara_file_free(owner);
        return oom();
    }
    l->arena = &owner->arena;
    if (l->n[T_POOL]) {
        char *pool = util_arena_alloc(l->arena, l->n[T_POOL]);
        if (!pool)
            return oom();
        memcpy(pool, l->tab[T_POOL], l->n[T_POOL]);
        if (pool[l->n[T_POOL] - 1] != 0)
            return bad("string pool");
        l->pool = pool;
        l->pool_len = l->n[T_POOL];
    }
    owner->name = "<compiled>";
    return ASSAY_OK;
}

static void *arena_array(struct loader *l, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    return n > SIZE_MAX / size ? NULL : util_arena_alloc(l->arena, n * size);
}

static int load_modules(struct loader *l)
{
    struct yrules *r = l->r;
    if (l->n[T_MODULES] > YRULES_MAX_MODULES)
        return bad("too many modules");
    for (size_t i = 0; i < l->n[T_MODULES]; i++) {
        struct rf_module m;
        rec(l, T_MODULES, i, &m);
        const char *name;
        if (!pool_str(l, m.name, false, &name))
            return bad("module name");
        const struct yara_module *mod = yara_module_find(name);
        if (!mod)
            return util_error(ASSAY_EFORMAT, "compiled YARA rules use module \"%s\", which this assay lacks", name);
        int rc = schema_build(&l->schemas[i], mod);
        if (rc != ASSAY_OK)
            return rc;
        if (l->schemas[i].decls.n != m.decl_count || l->schemas[i].fingerprint != m.fingerprint)
            return util_error(ASSAY_EFORMAT,
                              "compiled YARA rules were built with another version of module \"%s\"; recompile them",
                              name);
        r->modules[i] = mod;
    }
    r->module_count = (uint32_t)l->n[T_MODULES];
    return ASSAY_OK;
}

/* Is instruction pc of a program of n broken: an unknown operation, a target
 * or a set out of range, or a fall-through past the end? Branch-free: the
 * operations of a program follow no pattern a predictor could learn, and
 * there are millions of them. */
static unsigned inst_bad(const struct rf_inst *in, uint32_t pc, uint32_t n, uint32_t nsets)
{
    unsigned op = in->op;
    unsigned set = op == RE_OP_SET, split = op == RE_OP_SPLIT, jmp = op == RE_OP_JMP, as = op == RE_OP_ASSERT;
    return (op - RE_OP_SET > RE_OP_MATCH - RE_OP_SET) | ((set | as) & (pc + 1 >= n)) | (set & (in->x >= nsets)) |
           ((split | jmp) & (in->x >= n)) | (split & (in->y >= n)) |
           (as & ((unsigned)in->arg - YARA_REGEX_BOL > YARA_REGEX_NWORDB - YARA_REGEX_BOL));
}

/* Regex i: its program is inst[first .. first + count) of the shared block
 * (programs follow each other), its sets the shared table. */
static int load_regex(struct loader *l, const struct rf_regex *x, struct re_inst *insts, struct re_set *sets,
                      uint32_t *next_inst)
{
    if (x->inst_count == 0 || x->inst_count > YARA_REGEX_MAX_INSTS || x->inst_first != *next_inst ||
        (uint64_t)x->inst_first + x->inst_count > l->n[T_INSTS])
        return bad("regular expression");
    *next_inst += x->inst_count;
    struct yara_regex *re = calloc(1, sizeof *re);
    if (!re || util_vec_push(&l->r->regexes, re) != 0) {
        free(re);
        return oom();
    }
    re->flags = x->flags;
    re->prog.v = insts + x->inst_first;
    uint32_t nsets = (uint32_t)l->n[T_SETS];
    unsigned broken = 0;
    if (l->view) {
        const struct rf_inst *in = (const struct rf_inst *)(const void *)re->prog.v;
        for (uint32_t pc = 0; pc < x->inst_count; pc++)
            broken |= inst_bad(&in[pc], pc, x->inst_count, nsets);
    } else {
        for (uint32_t pc = 0; pc < x->inst_count; pc++) {
            struct rf_inst in;
            rec(l, T_INSTS, (size_t)x->inst_first + pc, &in);
            broken |= inst_bad(&in, pc, x->inst_count, nsets);
            re->prog.v[pc] = (struct re_inst){.op = in.op, .arg = in.arg, .x = in.x, .y = in.y};
        }
    }
    if (broken)
        return bad("regular expression instruction");
    re->prog.n = x->inst_count; /* cap 0: not its own (see yrules_file_release) */
    re->sets.v = sets;
    re->sets.n = l->n[T_SETS];
    return yara_regex_prepare_(re) == 0 ? ASSAY_OK : oom();
}

static int load_regexes(struct loader *l)
{
    struct yrules *r = l->r;
    size_t sets_bytes = l->n[T_SETS] * sizeof(struct re_set);
    size_t insts_at = (sets_bytes + 15) / 16 * 16;
    l->view = l->view && (uintptr_t)l->tab[T_INSTS] % alignof(struct re_inst) == 0;
    r->file_storage = malloc(insts_at + (l->view ? 0 : l->n[T_INSTS] * sizeof(struct re_inst)) + 1);
    if (!r->file_storage || util_vec_reserve(&r->regexes, l->n[T_REGEXES]) != 0)
        return oom();
    struct re_set *sets = r->file_storage;
    struct re_inst *insts = l->view ? (struct re_inst *)(uintptr_t)l->tab[T_INSTS]
                                    : (struct re_inst *)((char *)r->file_storage + insts_at);
    if (sets_bytes)
        memcpy(sets, l->tab[T_SETS], sets_bytes);
    uint32_t next_inst = 0, released = 0;
    for (size_t i = 0; i < l->n[T_REGEXES]; i++) {
        struct rf_regex x;
        rec(l, T_REGEXES, i, &x);
        int rc = load_regex(l, &x, insts, sets, &next_inst);
        if (rc != ASSAY_OK)
            return rc;
        if (l->release && next_inst - released >= (1u << 16)) { /* in steps, as they are checked */
            util_release_pages(l->tab[T_INSTS] + (size_t)released * sizeof(struct rf_inst),
                               (size_t)(next_inst - released) * sizeof(struct rf_inst));
            released = next_inst;
        }
    }
    done_with(l, T_INSTS);
    done_with(l, T_REGEXES);
    return next_inst == l->n[T_INSTS] ? ASSAY_OK : bad("regular expression instructions outside every program");
}

void yrules_file_release(struct yrules *r)
{
    for (size_t i = 0; i < r->regexes.n; i++) { /* their programs and sets are in the block */
        struct yara_regex *re = r->regexes.v[i];
        memset(&re->prog, 0, sizeof re->prog);
        memset(&re->sets, 0, sizeof re->sets);
    }
    free(r->file_storage);
    r->file_storage = NULL;
}

static bool regex_at(const struct loader *l, uint32_t i, struct yara_regex **out)
{
    *out = i == RF_NONE ? NULL : i < l->r->regexes.n ? l->r->regexes.v[i] : NULL;
    return i == RF_NONE || *out != NULL;
}

static int load_files(struct loader *l)
{
    l->files = arena_array(l, l->n[T_FILES], sizeof *l->files);
    struct yara_import *imports = arena_array(l, l->n[T_IMPORTS], sizeof *imports);
    if ((l->n[T_FILES] && !l->files) || (l->n[T_IMPORTS] && !imports))
        return oom();
    for (size_t i = 0; i < l->n[T_IMPORTS]; i++) {
        struct rf_import x;
        rec(l, T_IMPORTS, i, &x);
        struct yara_import *im = &imports[i];
        if (!pool_str(l, x.module, false, &im->module) || !pool_str(l, x.pos_file, true, &im->pos.file))
            return bad("import");
        im->pos.line = x.line;
        im->pos.column = x.column;
    }
    for (size_t i = 0; i < l->n[T_FILES]; i++) {
        struct rf_file x;
        rec(l, T_FILES, i, &x);
        struct yara_file *f = &l->files[i]; /* lives in the owner's arena: f->arena stays empty */
        if (!pool_str(l, x.name, true, &f->name) || (uint64_t)x.import_first + x.import_count > l->n[T_IMPORTS])
            return bad("rule file");
        f->imports = x.import_count ? &imports[x.import_first] : NULL;
        f->import_count = x.import_count;
    }
    return ASSAY_OK;
}

static int load_namespaces(struct loader *l)
{
    struct yrules *r = l->r;
    if (util_vec_reserve(&r->namespaces, l->n[T_NAMESPACES]) != 0)
        return oom();
    for (size_t i = 0; i < l->n[T_NAMESPACES]; i++) {
        struct rf_namespace x;
        rec(l, T_NAMESPACES, i, &x);
        const char *name;
        if (!pool_str(l, x.name, false, &name) || (uint64_t)x.global_first + x.global_count > l->n[T_GLOBALS])
            return bad("namespace");
        struct ynamespace ns = {.name = strdup(name)};
        if (!ns.name)
            return oom();
        r->namespaces.v[r->namespaces.n++] = ns;
        struct ynamespace *slot = &r->namespaces.v[r->namespaces.n - 1];
        if (util_vec_reserve(&slot->globals, x.global_count) != 0)
            return oom();
        for (uint32_t k = 0; k < x.global_count; k++) {
            uint32_t g;
            rec(l, T_GLOBALS, (size_t)x.global_first + k, &g);
            if (g >= l->n[T_RULES])
                return bad("global rule");
            slot->globals.v[slot->globals.n++] = g;
        }
    }
    return ASSAY_OK;
}

static int load_externals(struct loader *l)
{
    struct yrules *r = l->r;
    if (util_vec_reserve(&r->externals, l->n[T_EXTERNALS]) != 0)
        return oom();
    for (size_t i = 0; i < l->n[T_EXTERNALS]; i++) {
        struct rf_external x;
        rec(l, T_EXTERNALS, i, &x);
        const char *name;
        const uint8_t *s = NULL;
        if (!pool_str(l, x.name, false, &name) || (x.type != YV_INT && x.type != YV_FLOAT && x.type != YV_STRING) ||
            (x.type == YV_STRING && !pool_bytes(l, x.str, x.str_len, &s)))
            return bad("external variable");
        for (size_t k = 0; k < r->externals.n; k++)
            if (strcmp(r->externals.v[k].name, name) == 0)
                return bad("external variable defined twice");
        struct yexternal e = {.name = strdup(name), .value = {.type = (uint8_t)x.type, .i = x.i, .f = x.f}};
        if (e.name && x.type == YV_STRING) {
            uint8_t *copy = malloc((size_t)x.str_len + 1);
            if (copy) {
                memcpy(copy, s, (size_t)x.str_len + 1);
                e.value.s = copy;
                e.value.n = x.str_len;
            }
        }
        if (!e.name || (x.type == YV_STRING && !e.value.s)) {
            free((char *)e.name);
            return oom();
        }
        r->externals.v[r->externals.n++] = e;
    }
    return ASSAY_OK;
}

/* ---- rules ------------------------------------------------------------------------- */

static int load_tags_metas(struct loader *l)
{
    l->ast_tags = arena_array(l, l->n[T_TAGS], sizeof *l->ast_tags);
    l->ast_metas = arena_array(l, l->n[T_METAS], sizeof *l->ast_metas);
    if ((l->n[T_TAGS] && !l->ast_tags) || (l->n[T_METAS] && !l->ast_metas))
        return oom();
    for (size_t i = 0; i < l->n[T_TAGS]; i++) {
        uint32_t off;
        rec(l, T_TAGS, i, &off);
        if (!pool_str(l, off, false, &l->ast_tags[i]))
            return bad("tag");
    }
    for (size_t i = 0; i < l->n[T_METAS]; i++) {
        struct rf_meta x;
        rec(l, T_METAS, i, &x);
        struct yara_meta *m = &l->ast_metas[i];
        if (!pool_str(l, x.name, false, &m->name) || x.kind < YARA_META_STRING || x.kind > YARA_META_BOOL ||
            (x.kind == YARA_META_STRING && !pool_bytes(l, x.str, x.str_len, &m->str)))
            return bad("metadata");
        m->kind = (enum yara_meta_kind)x.kind;
        m->str_len = x.kind == YARA_META_STRING ? x.str_len : 0;
        m->integer = x.integer;
    }
    return ASSAY_OK;
}

static bool guard_ok(const struct rf_rule *x)
{
    if (x->nheader > YGUARD_MAX_HEADER)
        return false;
    for (uint8_t k = 0; k < x->nheader; k++)
        if (x->header[k].reader >= RF_READERS || (x->header[k].op != YN_EQ && x->header[k].op != YN_NE))
            return false;
    return true;
}

static int load_rule(struct loader *l, uint32_t i, uint32_t *next_string)
{
    struct yrules *r = l->r;
    struct rf_rule x;
    rec(l, T_RULES, i, &x);
    struct yara_rule *ast = &l->ast_rules[i];
    if (!pool_str(l, x.name, false, &ast->name) || !pool_str(l, x.pos_file, true, &ast->pos.file) ||
        (x.flags & ~(unsigned)(YARA_RULE_PRIVATE | YARA_RULE_GLOBAL)) ||
        (uint64_t)x.tag_first + x.tag_count > l->n[T_TAGS] || (uint64_t)x.meta_first + x.meta_count > l->n[T_METAS] ||
        x.string_first != *next_string || (uint64_t)x.string_first + x.string_count > l->n[T_STRINGS] ||
        x.file >= l->n[T_FILES] || x.ns_index >= r->namespaces.n || x.cond >= l->n[T_NODES] ||
        (r->module_count < 32 && (x.modules >> r->module_count) != 0) || !guard_ok(&x))
        return bad("rule");
    *next_string += x.string_count;
    ast->pos.line = x.line;
    ast->pos.column = x.column;
    ast->flags = x.flags;
    ast->tags = x.tag_count ? &l->ast_tags[x.tag_first] : NULL;
    ast->tag_count = x.tag_count;
    ast->metas = x.meta_count ? &l->ast_metas[x.meta_first] : NULL;
    ast->meta_count = x.meta_count;
    ast->strings = x.string_count ? &l->ast_strings[x.string_first] : NULL;
    ast->string_count = x.string_count;
    struct yrule *ru = &r->rules.v[i];
    *ru = (struct yrule){.ast = ast, .file = &l->files[x.file], .ns = r->namespaces.v[x.ns_index].name,
                         .ns_index = x.ns_index, .string_first = x.string_first, .string_count = x.string_count,
                         .cond = x.cond, .modules = x.modules, .needs_match = x.needs_match != 0,
                         .is_private = (x.flags & YARA_RULE_PRIVATE) != 0,
                         .is_global = (x.flags & YARA_RULE_GLOBAL) != 0,
                         .guard = {.size_min = x.size_min, .size_max = x.size_max, .nheader = x.nheader}};
    for (uint8_t k = 0; k < x.nheader; k++)
        ru->guard.header[k] = (struct yguard_header){.reader = x.header[k].reader, .op = x.header[k].op,
                                                      .offset = x.header[k].offset, .value = x.header[k].value};
    return ASSAY_OK;
}

static int load_rules(struct loader *l)
{
    struct yrules *r = l->r;
    l->ast_rules = arena_array(l, l->n[T_RULES], sizeof *l->ast_rules);
    l->ast_strings = arena_array(l, l->n[T_STRINGS], sizeof *l->ast_strings);
    if ((l->n[T_RULES] && !l->ast_rules) || (l->n[T_STRINGS] && !l->ast_strings) ||
        util_vec_reserve(&r->rules, l->n[T_RULES]) != 0)
        return oom();
    int rc = load_tags_metas(l);
    uint32_t next_string = 0;
    for (size_t i = 0; i < l->n[T_RULES] && rc == ASSAY_OK; i++)
        rc = load_rule(l, (uint32_t)i, &next_string);
    if (rc != ASSAY_OK)
        return rc;
    done_with(l, T_RULES);
    done_with(l, T_TAGS);
    done_with(l, T_METAS);
    r->rules.n = l->n[T_RULES];
    if (next_string != l->n[T_STRINGS])
        return bad("strings outside every rule");
    for (size_t n = 0; n < r->namespaces.n; n++)
        for (size_t g = 0; g < r->namespaces.v[n].globals.n; g++)
            if (r->rules.v[r->namespaces.v[n].globals.v[g]].ns_index != n)
                return bad("global rule of another namespace");
    return ASSAY_OK;
}

/* ---- strings and patterns ------------------------------------------------------------ */

static int load_string(struct loader *l, uint32_t i, uint32_t *next_pattern)
{
    struct yrules *r = l->r;
    struct rf_string x;
    rec(l, T_STRINGS, i, &x);
    struct yara_string *ast = &l->ast_strings[i];
    if (!pool_str(l, x.name, false, &ast->name) || !pool_str(l, x.pos_file, true, &ast->pos.file) ||
        x.kind < YARA_STR_TEXT || x.kind > YARA_STR_REGEX || x.rule >= r->rules.n ||
        i < r->rules.v[x.rule].string_first || i - r->rules.v[x.rule].string_first >= r->rules.v[x.rule].string_count ||
        x.pattern_first != *next_pattern || (uint64_t)x.pattern_first + x.pattern_count > l->n[T_PATTERNS] ||
        x.nfrag == 0 || x.nfrag > RF_MAX_FRAGMENTS ||
        (x.nfrag > 1 && (uint64_t)x.chain_first + x.nfrag - 1 > l->n[T_CHAIN_GAPS]))
        return bad("string");
    *next_pattern += x.pattern_count;
    ast->pos.line = x.line;
    ast->pos.column = x.column;
    ast->kind = (enum yara_string_kind)x.kind;
    ast->modifiers = x.modifiers;
    ast->regex_flags = x.regex_flags;
    ast->xor_min = x.xor_min;
    ast->xor_max = x.xor_max;
    r->strings.v[i] = (struct ystring){.ast = ast, .rule = x.rule, .pattern_first = x.pattern_first,
                                       .pattern_count = x.pattern_count, .chain_first = x.chain_first,
                                       .nfrag = x.nfrag, .is_private = (x.flags & RFS_PRIVATE) != 0,
                                       .is_hex = (x.flags & RFS_HEX) != 0,
                                       .yara_literal = (x.flags & RFS_YARA_LITERAL) != 0,
                                       .slow = (x.flags & RFS_SLOW) != 0, .fixed_offset = x.fixed_offset,
                                       .use = x.use, .all_matches = (x.flags & RFS_ALL_MATCHES) != 0};
    return ASSAY_OK;
}

static bool bytes_ok(const struct yrules *r, uint32_t off, uint64_t len)
{
    return off + len <= r->bytes.len;
}

static int load_pattern(struct loader *l, uint32_t i)
{
    struct yrules *r = l->r;
    struct rf_pattern x;
    rec(l, T_PATTERNS, i, &x);
    struct ypattern *p = &r->patterns.v[i];
    *p = (struct ypattern){.string = x.string, .kind = x.kind, .flags = x.flags, .atom_nocase = x.atom_nocase != 0,
                           .xor_key = x.xor_key, .lit = x.lit, .lit_len = x.lit_len, .atom = x.atom,
                           .atom_len = x.atom_len, .pre_min = x.pre_min, .back = x.back, .end_adj = x.end_adj,
                           .frag = x.frag,
                           .prefiltered = x.prefiltered != 0,
                           .first = x.kind == YP_SCAN_ALL ? x.first : YRULES_NONE}; /* read for SCAN_ALL only */
    bool ok = x.string < r->strings.n && i >= r->strings.v[x.string].pattern_first &&
              i - r->strings.v[x.string].pattern_first < r->strings.v[x.string].pattern_count &&
              x.kind >= YP_LITERAL && x.kind <= YP_SCAN_ALL && !(x.flags & ~RF_PATTERN_FLAGS) &&
              bytes_ok(r, x.lit, x.lit_len) &&
              bytes_ok(r, x.atom, (x.flags & YPF_MASKED) ? 2 * (uint64_t)x.atom_len : x.atom_len) &&
              (x.kind != YP_SCAN_ALL || x.first == RF_NONE || x.first < r->first_sets.n) &&
              x.frag < r->strings.v[x.string].nfrag && regex_at(l, x.re, &p->re);
    for (int f = 0; f < 2 && ok; f++)
        ok = regex_at(l, x.fwd[f], &p->fwd[f]) && regex_at(l, x.pre[f], &p->pre[f]);
    return ok ? ASSAY_OK : bad("pattern");
}

static int copy_table(const struct loader *l, enum rf_table t, void **v, size_t *n, size_t *cap)
{
    size_t bytes = l->n[t] * elem_size[t];
    *v = bytes ? malloc(bytes) : NULL;
    if (bytes && !*v)
        return oom();
    if (bytes)
        memcpy(*v, l->tab[t], bytes);
    *n = *cap = l->n[t];
    return ASSAY_OK;
}

#define COPY_TABLE(L, T, VEC) copy_table(L, T, (void **)&(VEC).v, &(VEC).n, &(VEC).cap)

static int load_strings_patterns(struct loader *l)
{
    struct yrules *r = l->r;
    int rc = ASSAY_OK;
    if ((rc = COPY_TABLE(l, T_FIRST_SETS, r->first_sets)) != ASSAY_OK ||
        (rc = COPY_TABLE(l, T_CHAIN_GAPS, r->chain_gaps)) != ASSAY_OK ||
        (rc = COPY_TABLE(l, T_SCAN_ALL, r->scan_all)) != ASSAY_OK ||
        (rc = copy_table(l, T_BYTES, (void **)&r->bytes.data, &r->bytes.len, &r->bytes.cap)) != ASSAY_OK)
        return rc;
    if (util_vec_reserve(&r->strings, l->n[T_STRINGS]) != 0 || util_vec_reserve(&r->patterns, l->n[T_PATTERNS]) != 0)
        return oom();
    uint32_t next_pattern = 0;
    for (size_t i = 0; i < l->n[T_STRINGS] && rc == ASSAY_OK; i++)
        rc = load_string(l, (uint32_t)i, &next_pattern);
    if (rc != ASSAY_OK)
        return rc;
    r->strings.n = l->n[T_STRINGS];
    if (next_pattern != l->n[T_PATTERNS])
        return bad("patterns outside every string");
    for (size_t i = 0; i < l->n[T_PATTERNS] && rc == ASSAY_OK; i++)
        rc = load_pattern(l, (uint32_t)i);
    r->patterns.n = l->n[T_PATTERNS];
    done_with(l, T_STRINGS);
    done_with(l, T_PATTERNS);
    done_with(l, T_BYTES);
    for (size_t i = 0; i < r->scan_all.n && rc == ASSAY_OK; i++)
        if (r->scan_all.v[i] >= r->patterns.n || r->patterns.v[r->scan_all.v[i]].kind != YP_SCAN_ALL)
            rc = bad("atom-less pattern list");
    return rc;
}

/* ---- condition nodes ---------------------------------------------------------------- */

static bool decl_at(const struct loader *l, const struct rf_node *x, const struct yobj_decl **out)
{
    *out = NULL;
    if (x->decl == RF_NONE)
        return true;
    if (x->decl_mod >= l->r->module_count || x->decl >= l->schemas[x->decl_mod].decls.n)
        return false;
    *out = l->schemas[x->decl_mod].decls.v[x->decl];
    return true;
}

static int load_node(struct loader *l, uint32_t i)
{
    struct yrules *r = l->r;
    struct rf_node x;
    rec(l, T_NODES, i, &x);
    struct ynode *nd = &r->nodes.v[i];
    *nd = (struct ynode){.op = x.op, .type = x.type, .quant = x.quant, .set_kind = x.set_kind,
                         .iter_kind = x.iter_kind, .anchor = x.anchor, .nvars = x.nvars, .mod = x.mod, .a = x.a,
                         .kid_first = x.kid_first, .kid_count = x.kid_count, .set_first = x.set_first,
                         .set_count = x.set_count, .i = x.i, .f = x.f, .body = x.body, .iter_node = x.iter_node};
    bool ok = x.op >= YN_INT && x.op <= YN_FOR_IN && (uint64_t)x.kid_first + x.kid_count <= r->kids.n &&
              (uint64_t)x.set_first + x.set_count <= r->kids.n && x.mod < YRULES_MAX_MODULES &&
              decl_at(l, &x, &nd->decl) && regex_at(l, x.re, &nd->re);
    if (ok && x.op == YN_STRING) {
        ok = pool_bytes(l, x.str, x.str_len, &nd->s);
        nd->n = x.str_len;
    } else if (ok) {
        ok = x.str == RF_NONE;
    }
    if (ok && x.fn != RF_NONE) {
        ok = nd->decl && nd->decl->type == YOBJ_FUNC && x.fn < overload_count(nd->decl);
        if (ok)
            nd->fn = &nd->decl->overloads[x.fn];
    }
    return ok ? ASSAY_OK : bad("condition node");
}

static int load_nodes(struct loader *l)
{
    struct yrules *r = l->r;
    int rc = COPY_TABLE(l, T_KIDS, r->kids);
    if (rc == ASSAY_OK && util_vec_reserve(&r->nodes, l->n[T_NODES]) != 0)
        rc = oom();
    for (size_t i = 0; i < l->n[T_NODES] && rc == ASSAY_OK; i++)
        rc = load_node(l, (uint32_t)i);
    r->nodes.n = rc == ASSAY_OK ? l->n[T_NODES] : 0;
    done_with(l, T_NODES);
    done_with(l, T_KIDS);
    return rc;
}

/* ---- condition trees: shape and types ----------------------------------------------------
 * What the evaluator may meet: every node reached from a rule's condition is
 * reached once (a tree), and each value is used as the compiler would have
 * typed it. The static type of a node (struct ty) is what its value is
 * whenever it is not undefined. */

struct ty {
    uint8_t t;                    /* enum yval_type; YV_UNDEF: always undefined */
    uint8_t mod;                  /* OBJECT: module slot */
    const struct yobj_decl *decl; /* OBJECT: its schema entry */
};

struct binding {
    bool active;
    struct ty ty;
};

struct checker {
    const struct yrules *r;
    uint8_t *refs;          /* per node: how many times it is referenced (saturates) */
    struct binding *vars;   /* per loop variable slot */
    uint32_t in_for_of;
};

static bool ref_node(struct checker *c, uint32_t n)
{
    if (n >= c->r->nodes.n)
        return false;
    if (c->refs[n] < 2)
        c->refs[n]++;
    return true;
}

static bool quantified(const struct ynode *nd)
{
    return (nd->op == YN_OF || nd->op == YN_FOR_OF || nd->op == YN_FOR_IN) &&
           (nd->quant == YQ_COUNT || nd->quant == YQ_PERCENT);
}

/* Count the references of every node: kids, expression sets, quantities,
 * loop bodies, rule conditions. Any node referenced twice is refused. */
static int count_refs(struct checker *c)
{
    const struct yrules *r = c->r;
    for (size_t i = 0; i < r->nodes.n; i++) {
        const struct ynode *nd = &r->nodes.v[i];
        bool ok = true;
        for (uint32_t k = 0; k < nd->kid_count && ok; k++)
            ok = ref_node(c, r->kids.v[nd->kid_first + k]);
        if ((nd->op == YN_OF || nd->op == YN_FOR_OF) && nd->set_kind == YSET_EXPRS)
            for (uint32_t k = 0; k < nd->set_count && ok; k++)
                ok = ref_node(c, r->kids.v[nd->set_first + k]);
        if (ok && quantified(nd))
            ok = nd->i >= 0 && nd->i < (int64_t)r->nodes.n && ref_node(c, (uint32_t)nd->i);
        if (ok && (nd->op == YN_FOR_OF || nd->op == YN_FOR_IN))
            ok = ref_node(c, nd->body);
        if (!ok)
            return bad("condition node reference");
    }
    for (size_t i = 0; i < r->rules.n; i++)
        ref_node(c, r->rules.v[i].cond);
    for (size_t i = 0; i < r->nodes.n; i++)
        if (c->refs[i] > 1)
            return bad("condition node shared or in a cycle");
    return ASSAY_OK;
}

static struct ty scalar(uint8_t t)
{
    return (struct ty){.t = t};
}

static struct ty of_decl(const struct yobj_decl *d, uint8_t mod)
{
    switch (d->type) {
    case YOBJ_INT: return scalar(YV_INT);
    case YOBJ_FLOAT: return scalar(YV_FLOAT);
    case YOBJ_STRING: return scalar(YV_STRING);
    default: return (struct ty){.t = YV_OBJECT, .mod = mod, .decl = d};
    }
}

static bool is_object(const struct ty *t, enum yobj_type type)
{
    return t->t == YV_OBJECT && t->decl && t->decl->type == type;
}

static int walk(struct checker *c, uint32_t n, unsigned depth, struct ty *out);

static uint32_t kid(const struct checker *c, const struct ynode *nd, uint32_t k)
{
    return c->r->kids.v[nd->kid_first + k];
}

/* Walk every kid; their types in t[] (up to max). */
static int walk_kids(struct checker *c, const struct ynode *nd, unsigned depth, struct ty *t, uint32_t max)
{
    for (uint32_t k = 0; k < nd->kid_count; k++) {
        struct ty tmp;
        int rc = walk(c, kid(c, nd, k), depth + 1, k < max ? &t[k] : &tmp);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

static bool string_ref_ok(const struct checker *c, uint32_t s)
{
    return s < c->r->strings.n || (s == YRULES_NONE && c->in_for_of > 0);
}

/* The node count each operator reads (-1: decided elsewhere). */
static int kids_wanted(uint8_t op)
{
    switch (op) {
    case YN_INT: case YN_FLOAT: case YN_STRING: case YN_REGEX: case YN_FILESIZE: case YN_ENTRYPOINT:
    case YN_EXTERNAL: case YN_RULE: case YN_VAR: case YN_MODULE: case YN_STR_FOUND: case YN_STR_COUNT:
    case YN_FOR_OF:
        return 0;
    case YN_MEMBER: case YN_READ: case YN_STR_AT: case YN_STR_OFFSET: case YN_STR_LENGTH: case YN_NEG:
    case YN_BITNOT: case YN_NOT: case YN_DEFINED:
        return 1;
    case YN_CALL: case YN_OF: case YN_FOR_IN:
        return -1;
    default:
        return 2;
    }
}

static bool arg_ok(const struct checker *c, const struct ynode *arg, const struct ty *t, char want)
{
    (void)c;
    switch (want) {
    case 'i': return t->t == YV_INT;
    case 'f': return t->t == YV_INT || t->t == YV_FLOAT;
    case 's': return t->t == YV_STRING;
    case 'r': return arg->op == YN_REGEX && arg->re != NULL;
    default: return false;
    }
}

static int walk_call(struct checker *c, const struct ynode *nd, unsigned depth, struct ty *out)
{
    struct ty t[17];
    if (nd->kid_count < 1 || nd->kid_count > 17 || !nd->fn)
        return bad("function call");
    int rc = walk_kids(c, nd, depth, t, 17);
    if (rc != ASSAY_OK)
        return rc;
    const struct ynode *f = &c->r->nodes.v[kid(c, nd, 0)];
    const char *sig = nd->fn->args;
    if (f->op != YN_MEMBER || !is_object(&t[0], YOBJ_FUNC) || t[0].decl != nd->decl || t[0].mod != nd->mod ||
        strlen(sig) != nd->kid_count - 1)
        return bad("function call");
    for (uint32_t k = 1; k < nd->kid_count; k++)
        if (!arg_ok(c, &c->r->nodes.v[kid(c, nd, k)], &t[k], sig[k - 1]))
            return bad("function argument");
    *out = scalar(nd->fn->result == YOBJ_FLOAT ? YV_FLOAT : nd->fn->result == YOBJ_STRING ? YV_STRING : YV_INT);
    return ASSAY_OK;
}

/* of / for..of: the set, the quantity, the anchor. */
static int walk_set(struct checker *c, const struct ynode *nd, unsigned depth)
{
    const struct yrules *r = c->r;
    struct ty t;
    int rc = ASSAY_OK;
    if (nd->quant < YQ_ALL || nd->quant > YQ_PERCENT || nd->set_kind < YSET_STRINGS || nd->set_kind > YSET_EXPRS)
        return bad("quantifier");
    if (quantified(nd) && (rc = walk(c, (uint32_t)nd->i, depth + 1, &t)) != ASSAY_OK)
        return rc;
    for (uint32_t k = 0; k < nd->set_count && rc == ASSAY_OK; k++) {
        uint32_t item = r->kids.v[nd->set_first + k];
        if (nd->set_kind == YSET_STRINGS && item >= r->strings.n)
            rc = bad("string set");
        else if (nd->set_kind == YSET_RULES && item >= r->rules.n)
            rc = bad("rule set");
        else if (nd->set_kind == YSET_EXPRS)
            rc = walk(c, item, depth + 1, &t);
    }
    return rc;
}

static int bind(struct checker *c, uint32_t slot, struct ty t)
{
    if (slot >= c->r->max_vars || c->vars[slot].active)
        return bad("loop variable");
    c->vars[slot] = (struct binding){true, t};
    return ASSAY_OK;
}

static int walk_for_in(struct checker *c, const struct ynode *nd, unsigned depth)
{
    struct ty t[2] = {{0}, {0}}, item = scalar(YV_UNDEF), var2 = scalar(YV_UNDEF);
    int rc = ASSAY_OK;
    if (nd->quant < YQ_ALL || nd->quant > YQ_PERCENT)
        return bad("quantifier");
    if (quantified(nd) && (rc = walk(c, (uint32_t)nd->i, depth + 1, &t[0])) != ASSAY_OK)
        return rc;
    uint8_t nvars = 1;
    switch (nd->iter_kind) {
    case YIT_RANGE:
        if (nd->kid_count != 2)
            return bad("loop range");
        rc = walk_kids(c, nd, depth, t, 2);
        item = scalar(YV_INT);
        break;
    case YIT_LIST:
        for (uint32_t k = 0; k < nd->kid_count && rc == ASSAY_OK; k++) {
            rc = walk(c, kid(c, nd, k), depth + 1, &t[0]);
            if (rc == ASSAY_OK && ((t[0].t != YV_INT && t[0].t != YV_STRING) || (k > 0 && t[0].t != item.t)))
                rc = bad("loop list");
            item = t[0];
        }
        break;
    case YIT_ARRAY:
    case YIT_DICT:
        if (nd->kid_count != 1)
            return bad("loop iterable");
        rc = walk_kids(c, nd, depth, t, 1);
        if (rc == ASSAY_OK && !is_object(&t[0], nd->iter_kind == YIT_ARRAY ? YOBJ_ARRAY : YOBJ_DICT))
            return bad("loop iterable");
        if (rc == ASSAY_OK && nd->iter_kind == YIT_ARRAY) {
            item = of_decl(t[0].decl->element, t[0].mod);
        } else if (rc == ASSAY_OK) {
            item = scalar(YV_STRING);
            var2 = of_decl(t[0].decl->element, t[0].mod);
            nvars = 2;
        }
        break;
    default:
        return bad("loop kind");
    }
    if (rc == ASSAY_OK && nd->nvars != nvars)
        rc = bad("loop variables");
    if (rc == ASSAY_OK)
        rc = bind(c, nd->a, item);
    if (rc == ASSAY_OK && nvars == 2 && (rc = bind(c, nd->a + 1, var2)) != ASSAY_OK)
        c->vars[nd->a].active = false;
    if (rc != ASSAY_OK)
        return rc;
    rc = walk(c, nd->body, depth + 1, &t[0]);
    c->vars[nd->a].active = false;
    if (nvars == 2)
        c->vars[nd->a + 1].active = false;
    return rc;
}

/* Module values: the schema entry each node reaches must be the one the
 * evaluator will find in the value tree. */
static int walk_object(struct checker *c, const struct ynode *nd, unsigned depth, struct ty *out)
{
    struct ty t[2];
    int rc = nd->op == YN_MODULE ? ASSAY_OK : walk_kids(c, nd, depth, t, 2);
    if (rc != ASSAY_OK)
        return rc;
    switch (nd->op) {
    case YN_MODULE:
        if (nd->a >= c->r->module_count || nd->mod != nd->a || nd->decl != c->r->modules[nd->a]->decl)
            return bad("module");
        *out = of_decl(nd->decl, (uint8_t)nd->a);
        return ASSAY_OK;
    case YN_MEMBER:
        if (!is_object(&t[0], YOBJ_STRUCT) || nd->a >= member_count(t[0].decl) ||
            nd->decl != &t[0].decl->members[nd->a])
            return bad("module member");
        *out = of_decl(nd->decl, t[0].mod);
        return ASSAY_OK;
    default: /* INDEX, LOOKUP */
        if (!is_object(&t[0], nd->op == YN_INDEX ? YOBJ_ARRAY : YOBJ_DICT) || nd->decl != t[0].decl->element)
            return bad("module index");
        *out = of_decl(nd->decl, t[0].mod);
        return ASSAY_OK;
    }
}

static int walk_leaf(struct checker *c, const struct ynode *nd, struct ty *out)
{
    const struct yrules *r = c->r;
    switch (nd->op) {
    case YN_INT: case YN_FILESIZE: case YN_ENTRYPOINT: *out = scalar(YV_INT); return ASSAY_OK;
    case YN_FLOAT: *out = scalar(YV_FLOAT); return ASSAY_OK;
    case YN_STRING: *out = scalar(YV_STRING); return ASSAY_OK;
    case YN_REGEX:
        *out = scalar(YV_REGEX);
        return nd->re ? ASSAY_OK : bad("regular expression constant");
    case YN_EXTERNAL:
        if (nd->a >= r->externals.n)
            return bad("external variable reference");
        *out = scalar(r->externals.v[nd->a].value.type);
        return ASSAY_OK;
    case YN_RULE:
        *out = scalar(YV_INT);
        return nd->a < r->rules.n ? ASSAY_OK : bad("rule reference");
    default: /* VAR */
        if (nd->a >= r->max_vars || !c->vars[nd->a].active ||
            (c->vars[nd->a].ty.t == YV_OBJECT && nd->decl != c->vars[nd->a].ty.decl))
            return bad("loop variable reference");
        *out = c->vars[nd->a].ty;
        return ASSAY_OK;
    }
}

static int walk_strings(struct checker *c, const struct ynode *nd, unsigned depth, struct ty *out)
{
    struct ty t[2];
    if (!string_ref_ok(c, nd->a))
        return bad("string reference");
    *out = scalar(YV_INT);
    return walk_kids(c, nd, depth, t, 2);
}

static int walk(struct checker *c, uint32_t n, unsigned depth, struct ty *out)
{
    if (depth > YRULES_FILE_MAX_DEPTH)
        return bad("condition nested too deep");
    const struct ynode *nd = &c->r->nodes.v[n];
    int want = kids_wanted(nd->op);
    if (want >= 0 && nd->kid_count != (uint32_t)want)
        return bad("condition node operands");
    struct ty t[2];
    int rc;
    switch (nd->op) {
    case YN_INT: case YN_FLOAT: case YN_STRING: case YN_REGEX: case YN_FILESIZE: case YN_ENTRYPOINT:
    case YN_EXTERNAL: case YN_RULE: case YN_VAR:
        return walk_leaf(c, nd, out);
    case YN_MODULE: case YN_MEMBER: case YN_INDEX: case YN_LOOKUP:
        return walk_object(c, nd, depth, out);
    case YN_CALL:
        return walk_call(c, nd, depth, out);
    case YN_READ:
        *out = scalar(YV_INT);
        return nd->a < RF_READERS ? walk_kids(c, nd, depth, t, 2) : bad("integer reader");
    case YN_STR_FOUND: case YN_STR_AT: case YN_STR_IN: case YN_STR_COUNT: case YN_STR_COUNT_IN:
    case YN_STR_OFFSET: case YN_STR_LENGTH:
        return walk_strings(c, nd, depth, out);
    case YN_NEG:
        if ((rc = walk_kids(c, nd, depth, t, 2)) == ASSAY_OK)
            *out = scalar(t[0].t == YV_INT || t[0].t == YV_FLOAT ? t[0].t : YV_UNDEF);
        return rc;
    case YN_ADD: case YN_SUB: case YN_MUL: case YN_DIV: case YN_MOD:
    case YN_SHL: case YN_SHR: case YN_BAND: case YN_BOR: case YN_BXOR:
        if ((rc = walk_kids(c, nd, depth, t, 2)) == ASSAY_OK)
            *out = scalar(t[0].t == YV_FLOAT || t[1].t == YV_FLOAT ? YV_FLOAT : YV_INT);
        return rc;
    case YN_MATCHES:
        rc = walk_kids(c, nd, depth, t, 2);
        *out = scalar(YV_INT);
        return rc == ASSAY_OK && c->r->nodes.v[kid(c, nd, 1)].op != YN_REGEX ? bad("matches") : rc;
    case YN_OF:
        *out = scalar(YV_INT);
        if (nd->anchor > 2 || nd->kid_count != nd->anchor)
            return bad("of");
        rc = walk_set(c, nd, depth);
        return rc == ASSAY_OK ? walk_kids(c, nd, depth, t, 2) : rc;
    case YN_FOR_OF:
        *out = scalar(YV_INT);
        if (nd->set_kind != YSET_STRINGS)
            return bad("for..of");
        rc = walk_set(c, nd, depth);
        c->in_for_of++;
        if (rc == ASSAY_OK)
            rc = nd->body < c->r->nodes.n ? walk(c, nd->body, depth + 1, &t[0]) : bad("for..of");
        c->in_for_of--;
        return rc;
    case YN_FOR_IN:
        *out = scalar(YV_INT);
        return walk_for_in(c, nd, depth);
    default: /* unary and binary operators whose result is an integer */
        *out = scalar(YV_INT);
        return walk_kids(c, nd, depth, t, 2);
    }
}

static int check_conditions(struct loader *l)
{
    const struct yrules *r = l->r;
    struct checker c = {.r = r};
    c.refs = calloc(r->nodes.n ? r->nodes.n : 1, 1);
    c.vars = calloc(r->max_vars ? r->max_vars : 1, sizeof *c.vars);
    int rc = c.refs && c.vars ? count_refs(&c) : oom();
    for (size_t i = 0; i < r->rules.n && rc == ASSAY_OK; i++) {
        struct ty t;
        rc = walk(&c, r->rules.v[i].cond, 0, &t);
        if (rc == ASSAY_OK && (t.t == YV_REGEX || t.t == YV_OBJECT))
            rc = bad("a condition is not a boolean");
    }
    free(c.refs);
    free(c.vars);
    return rc;
}

/* ---- the whole ------------------------------------------------------------------------------ */

static int load_all(struct loader *l)
{
    int rc = read_tables(l);
    if (rc == ASSAY_OK)
        rc = make_owner(l);
    if (rc == ASSAY_OK)
        rc = load_modules(l);
    if (rc == ASSAY_OK)
        rc = load_regexes(l);
    if (rc == ASSAY_OK)
        rc = load_files(l);
    if (rc == ASSAY_OK)
        rc = load_namespaces(l);
    if (rc == ASSAY_OK)
        rc = load_externals(l);
    if (rc == ASSAY_OK)
        rc = load_rules(l);
    if (rc == ASSAY_OK)
        rc = load_strings_patterns(l);
    if (rc == ASSAY_OK)
        rc = load_nodes(l);
    if (rc == ASSAY_OK) {
        l->r->max_vars = l->max_vars;
        rc = check_conditions(l);
    }
    return rc;
}

static int load(struct yrules *r, const uint8_t *blob, size_t len, bool view, bool release)
{
    if (!yrules_empty(r) || r->files.n || r->externals.n)
        return util_error(ASSAY_EINVAL, "YARA rules can only be loaded into an empty rule set");
    void (*warn)(void *, const char *) = r->warn;
    void *warn_user = r->warn_user;
    struct loader l = {.blob = blob, .len = len, .r = r, .view = view, .release = release};
    int rc = load_all(&l);
    if (rc == ASSAY_OK)
        done_with(&l, T_POOL);
    for (int i = 0; i < YRULES_MAX_MODULES; i++)
        schema_free(&l.schemas[i]);
    if (rc != ASSAY_OK) {
        yrules_free(r);
        yrules_init(r);
    }
    r->warn = warn;
    r->warn_user = warn_user;
    return rc;
}

int yrules_load(struct yrules *r, const uint8_t *blob, size_t len)
{
    return load(r, blob, len, false, false);
}

int yrules_load_view(struct yrules *r, const uint8_t *blob, size_t len, bool file_mapping)
{
    return load(r, blob, len, true, file_mapping);
}

/* ---- external variables of a loaded rule set ------------------------------------------- */

static int set_external(struct yrules *r, const char *name, const struct yval *v)
{
    for (size_t i = 0; i < r->externals.n; i++) {
        struct yexternal *x = &r->externals.v[i];
        if (strcmp(x->name, name) != 0)
            continue;
        if (x->value.type != v->type)
            return util_error(ASSAY_EINVAL, "invalid type for external variable \"%s\"", name);
        uint8_t *copy = NULL;
        if (v->type == YV_STRING) {
            copy = malloc(v->n + 1);
            if (!copy)
                return oom();
            if (v->n)
                memcpy(copy, v->s, v->n);
            copy[v->n] = 0;
            free((uint8_t *)x->value.s);
        }
        x->value = *v;
        x->value.s = copy;
        return ASSAY_OK;
    }
    return util_error(ASSAY_EINVAL, "the compiled rules have no external variable \"%s\"", name);
}

int yrules_file_apply_externals(struct yrules *r, const struct yrules *defined)
{
    for (size_t i = 0; i < defined->externals.n; i++) {
        int rc = set_external(r, defined->externals.v[i].name, &defined->externals.v[i].value);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

int yrules_file_define(struct yrules *r, const char *name, const char *value)
{
    struct yrules parsed; /* yrules_define reads the value as `yara -d` does */
    yrules_init(&parsed);
    int rc = yrules_define(&parsed, name, value);
    if (rc == ASSAY_OK)
        rc = yrules_file_apply_externals(r, &parsed);
    yrules_free(&parsed);
    return rc;
}
