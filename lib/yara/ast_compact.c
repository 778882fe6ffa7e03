/* ast_compact.c — what is kept of a parsed rule file once its rules are
 * compiled (ast.h yara_file_compact).
 *
 * A finding, a warning, --profile and a saved database need of the syntax
 * tree only names, positions, flags, tags, metadata and what kind of string
 * each identifier is: what rules_file.c rebuilds from a compiled file. The
 * rest (the strings' texts and hex tokens, the conditions' expressions, the
 * parser's arrays) was most of a rule set's memory once compiled
 * (signature-base: ~40 of ~55 MB). */
#include <string.h>

#include "ast.h"

struct compactor {
    struct util_arena *arena;
    const char *last_old, *last_new; /* positions name few files: one remembered */
    bool failed;
};

static void *copy_bytes(struct compactor *c, const void *p, size_t n)
{
    if (!p)
        return NULL;
    void *q = util_arena_alloc(c->arena, n + 1); /* zeroed: stays NUL-terminated */
    if (!q) {
        c->failed = true;
        return NULL;
    }
    memcpy(q, p, n);
    return q;
}

static const char *copy_cstr(struct compactor *c, const char *s)
{
    return s ? copy_bytes(c, s, strlen(s)) : NULL;
}

static struct yara_pos copy_pos(struct compactor *c, struct yara_pos pos)
{
    if (pos.file && pos.file != c->last_old) {
        c->last_old = pos.file;
        c->last_new = copy_cstr(c, pos.file);
    }
    pos.file = pos.file ? c->last_new : NULL;
    return pos;
}

static void *new_array(struct compactor *c, size_t n, size_t size)
{
    if (n == 0)
        return NULL;
    void *p = util_arena_alloc(c->arena, n * size);
    if (!p)
        c->failed = true;
    return p;
}

static void copy_string(struct compactor *c, const struct yara_string *s, struct yara_string *out)
{
    *out = (struct yara_string){.pos = copy_pos(c, s->pos), .name = copy_cstr(c, s->name), .kind = s->kind,
                                .regex_flags = s->regex_flags, .modifiers = s->modifiers,
                                .xor_min = s->xor_min, .xor_max = s->xor_max, .referenced = s->referenced};
}

static void copy_meta(struct compactor *c, const struct yara_meta *m, struct yara_meta *out)
{
    *out = (struct yara_meta){.pos = copy_pos(c, m->pos), .name = copy_cstr(c, m->name), .kind = m->kind,
                              .str = copy_bytes(c, m->str, m->str_len), .str_len = m->str_len,
                              .integer = m->integer};
}

static struct yara_rule *copy_rule(struct compactor *c, const struct yara_rule *r)
{
    struct yara_rule *out = new_array(c, 1, sizeof *out);
    if (!out)
        return NULL;
    *out = (struct yara_rule){.pos = copy_pos(c, r->pos), .name = copy_cstr(c, r->name), .flags = r->flags,
                              .tag_count = r->tag_count, .meta_count = r->meta_count,
                              .string_count = r->string_count};
    out->tags = new_array(c, r->tag_count, sizeof *out->tags);
    out->metas = new_array(c, r->meta_count, sizeof *out->metas);
    out->strings = new_array(c, r->string_count, sizeof *out->strings);
    if (c->failed)
        return NULL;
    for (size_t i = 0; i < r->tag_count; i++)
        out->tags[i] = copy_cstr(c, r->tags[i]);
    for (size_t i = 0; i < r->meta_count; i++)
        copy_meta(c, &r->metas[i], &out->metas[i]);
    for (size_t i = 0; i < r->string_count; i++)
        copy_string(c, &r->strings[i], &out->strings[i]);
    return c->failed ? NULL : out;
}

static void copy_imports_includes(struct compactor *c, const struct yara_file *f, struct yara_file *out)
{
    out->imports = new_array(c, f->import_count, sizeof *out->imports);
    out->includes = new_array(c, f->include_count, sizeof *out->includes);
    if (c->failed)
        return;
    out->import_count = f->import_count;
    out->include_count = f->include_count;
    for (size_t i = 0; i < f->import_count; i++)
        out->imports[i] = (struct yara_import){.pos = copy_pos(c, f->imports[i].pos),
                                               .module = copy_cstr(c, f->imports[i].module)};
    for (size_t i = 0; i < f->include_count; i++)
        out->includes[i] = (struct yara_include){.pos = copy_pos(c, f->includes[i].pos),
                                                 .path = copy_cstr(c, f->includes[i].path),
                                                 .resolved = copy_cstr(c, f->includes[i].resolved)};
}

struct yara_file *yara_file_compact(const struct yara_file *f)
{
    struct util_arena arena = {0};
    struct compactor c = {.arena = &arena};
    struct yara_file *out = new_array(&c, 1, sizeof *out);
    if (out) {
        out->name = copy_cstr(&c, f->name);
        copy_imports_includes(&c, f, out);
        out->rules = new_array(&c, f->rule_count, sizeof *out->rules);
        out->rule_count = c.failed ? 0 : f->rule_count;
        for (size_t i = 0; i < out->rule_count && !c.failed; i++)
            out->rules[i] = copy_rule(&c, f->rules[i]);
    }
    if (c.failed) {
        util_arena_free(&arena);
        return NULL;
    }
    out->arena = arena; /* out lives in it: yara_file_free frees both */
    return out;
}
