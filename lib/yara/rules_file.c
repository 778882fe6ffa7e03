/* rules_file.c — a compiled YARA rule set read back from its blob (see
 * rules_file.h; the layout is in rules_file_internal.h, which also lists the
 * other parts: schemas, saving, checks of conditions; the format is also
 * described in docs/database-format.md).
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
 * module names, schema indices and overloads). Then the condition trees are
 * checked (rules_file_check.c: trees no deeper than YRULES_FILE_MAX_DEPTH,
 * typed the way the compiler built them). So a forged blob gets
 * ASSAY_EFORMAT, and what does load cannot make the evaluator (eval.c) read
 * out of bounds.
 *
 * Also here: setting the external variables of a loaded rule set.
 *
 * Limits: tables of up to 2^32 - 2 records; RF_MAX_VARS loop variable
 * slots; RF_MAX_FRAGMENTS fragments per chained string; module schemas of
 * up to RF_SCHEMA_MAX entries and RF_SCHEMA_DEPTH levels; conditions
 * YRULES_FILE_MAX_DEPTH deep. */
#include "yara/rules_file.h"

#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/pages.h"
#include "yara/rules_file_internal.h"

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
    unsigned set = op == RE_OP_SET, split = op == RE_OP_SPLIT, jmp = op == RE_OP_JMP, as = op == RE_OP_ASSERT,
             byte = op == RE_OP_BYTE;
    return (op - RE_OP_SET > RE_OP_BYTE - RE_OP_SET) | ((set | as | byte) & (pc + 1 >= n)) |
           (set & (in->x >= nsets)) | (byte & (in->x > 255)) |
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
                           .frag = x.frag, .match_bits = x.match_bits,
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
              decl_at(l->schemas, r->module_count, &x, &nd->decl) && regex_at(l, x.re, &nd->re);
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
        rc = check_conditions(l->r);
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
