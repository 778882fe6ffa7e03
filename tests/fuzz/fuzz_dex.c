/* fuzz_dex.c — libFuzzer target for fmt_dex_parse (header, id tables, map
 * list, class definitions, class data, code items) and YARA's `dex` module
 * over it (the value tree and has_method / has_class).
 *
 * Besides running the parser under the sanitizers it checks the documented
 * caps, the invariants between counts and flags, and that every string and
 * byte range the struct reports lies inside the input. Seeds: DEX files (the
 * blob of ../shared/yara-tests/cases-dex.json, files made by d8/dx).
 *
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Ilib lib/format/dex.c lib/yara/mod_dex.c lib/yara/object.c \
 *       lib/yara/regex_*.c lib/util/buf.c lib/util/error.c tests/fuzz/fuzz_dex.c -o fuzz_dex */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/dex.h"
#include "yara/module.h"

static const uint8_t *lo, *hi;

static void check_range(const uint8_t *p, size_t n)
{
    if (n && (!p || p < lo || p > hi || n > (size_t)(hi - p)))
        abort();
}

/* A resolved string must be one of the kept string_ids entries. */
static void check_string(const struct fmt_dex *d, const struct fmt_dex_string *s)
{
    if (!s)
        return;
    if (s < d->strings || s >= d->strings + d->nstrings || !s->present)
        abort();
    check_range(s->value, s->size);
}

static void check_parse(const struct fmt_dex *d)
{
    if (!d->is_dex || d->nstrings > FMT_DEX_MAX_IDS || d->ntypes > FMT_DEX_MAX_IDS ||
        d->nprotos > FMT_DEX_MAX_IDS || d->nfield_ids > FMT_DEX_MAX_IDS || d->nmethod_ids > FMT_DEX_MAX_IDS ||
        d->nclass_defs > FMT_DEX_MAX_IDS || d->nmap_items > FMT_DEX_MAX_MAP_ITEMS ||
        d->nfields > FMT_DEX_MAX_ENCODED || d->nmethods > FMT_DEX_MAX_ENCODED)
        abort();
    /* The chain of id tables. */
    if ((d->types_valid && !d->strings_valid) || (d->protos_valid && !d->types_valid) ||
        (d->field_ids_valid && !d->protos_valid) || (d->method_ids_valid && !d->field_ids_valid) ||
        ((d->map_present || d->class_defs_valid) && !d->method_ids_valid))
        abort();
    if (d->nclass_data > d->nclass_defs || (d->classes_complete && !d->class_defs_valid))
        abort();
    if (d->field_slots < d->nfields || d->field_slots > d->nfields + 1 || d->method_slots < d->nmethods ||
        d->method_slots > d->nmethods + 1)
        abort();
    for (size_t i = 0; i < d->nstrings; i++)
        if (d->strings[i].present)
            check_range(d->strings[i].value, d->strings[i].size);
    for (size_t i = 0; i < d->field_slots; i++) {
        const struct fmt_dex_field *f = &d->fields[i];
        if ((i < d->nfields) != f->resolved || (f->resolved && f->field_idx >= d->nfield_ids))
            abort();
        check_string(d, f->name);
        check_string(d, f->class_name);
        check_string(d, f->type);
    }
    for (size_t i = 0; i < d->method_slots; i++) {
        const struct fmt_dex_method *m = &d->methods[i];
        if ((i < d->nmethods) != m->resolved || (m->resolved && m->method_idx >= d->nmethod_ids))
            abort();
        check_string(d, m->name);
        check_string(d, m->class_name);
        check_string(d, m->proto);
        if (m->code.insns)
            check_range(m->code.insns, (size_t)m->code.insns_size * 2);
    }
}

/* Load the module and call its string functions with a name from the input. */
static void run_module(const uint8_t *data, size_t size)
{
    const struct yara_module *m = yara_module_find("dex");
    struct yobj_arena arena = {0};
    struct yobj *root = yobj_new(&arena, m->decl);
    void *state = NULL;
    if (root && m->load(&arena, root, data, size, &state) == ASSAY_OK) {
        const struct yobj_decl *has_method = yobj_decl_member(m->decl, "has_method");
        const struct yobj_decl *has_class = yobj_decl_member(m->decl, "has_class");
        struct yobj_call call = {.module_state = state, .self = root, .data = data, .len = size, .arena = &arena};
        struct yobj_arg args[2] = {{.s = data, .n = size < 8 ? size : 8}, {.s = (const uint8_t *)"<init>", .n = 6}};
        struct yobj_result r = {0};
        yobj_decl_overload(has_method, "s")->fn(&call, args, &r);
        yobj_decl_overload(has_method, "ss")->fn(&call, args, &r);
        yobj_decl_overload(has_class, "s")->fn(&call, args, &r);
        if (r.defined && r.i != 0 && r.i != 1)
            abort();
    }
    if (m->unload)
        m->unload(state);
    yobj_arena_free(&arena);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fmt_dex d;
    lo = data;
    hi = data + size;
    int rc = fmt_dex_parse(data, size, &d);
    if (rc != ASSAY_OK && rc != ASSAY_EFORMAT && rc != ASSAY_ENOMEM)
        abort();
    if (rc == ASSAY_OK)
        check_parse(&d);
    else if (d.is_dex || d.strings || d.methods)
        abort();
    fmt_dex_free(&d);
    run_module(data, size);
    return 0;
}
