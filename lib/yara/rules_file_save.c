/* rules_file_save.c — yrules_save: a compiled rule set written as one blob
 * (layout in rules_file_internal.h). The writer fills one buffer per table,
 * deduplicates pool strings and byte sets, writes each file, regex and
 * module schema once, and turns pointers into indices (files, regexes) or
 * schema references (rules_file_schema.c). Whatever it writes is loaded back
 * before yrules_save returns, so a set the loader would refuse is not saved.
 *
 * Limits: tables and the string pool below 2^32 - 1 records / bytes
 * (ASSAY_ELIMIT beyond). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yara/rules_file.h"
#include "yara/rules_file_internal.h"

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
        if (rc == ASSAY_OK)
            rc = schema_index(&w->decls, s, slot);
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
                           .frag = p->frag, .prefiltered = p->prefiltered, .match_bits = p->match_bits,
                           .end_adj = p->end_adj};
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
        rc = decl_ref(&w->decls, nd->decl, &x);
    if (rc == ASSAY_OK)
        rc = fn_ref(nd, &x);
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
