/* fuzz_macho.c — libFuzzer target for fmt_macho_parse (thin and fat files,
 * segments, sections, entry points, dylibs, rpaths...) and the YARA macho
 * module over it (load into a value tree, the functions file_index_for_arch()
 * and entry_point_for_arch()).
 *
 * Besides running the parser under the sanitizers it checks the documented
 * caps, that every borrowed name and string lies inside the input, and that
 * the kept segments are a prefix of those seen. Seeds: the Mach-O files of
 * ../shared/yara-tests/data (tiny-macho, tiny-universal), the blobs of
 * cases-macho.json, or objects from `clang -target x86_64-apple-macos11 -c`.
 *
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Ilib -Ilib/yara lib/format/macho.c lib/yara/mod_macho.c \
 *       lib/yara/object.c lib/util/buf.c tests/fuzz/fuzz_macho.c -o fuzz_macho */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/macho.h"
#include "yara/module.h"

static const uint8_t *lo, *hi;

static void check_range(const uint8_t *p, size_t n)
{
    if (n && (!p || p < lo || p > hi || n > (size_t)(hi - p)))
        abort();
}

/* A borrowed C string: inside the input, NUL-terminated there. */
static size_t check_str(const char *s)
{
    if (!s)
        return 0;
    const uint8_t *p = (const uint8_t *)s;
    if (p < lo || p >= hi || !memchr(p, 0, (size_t)(hi - p)))
        abort();
    return strlen(s);
}

static void check_image(const struct fmt_macho_image *img)
{
    if (!img->parsed && (img->nsegments || img->nsections || img->ndylibs || img->nrpaths))
        abort();
    if (img->nsegments > img->segments_seen || img->nsegments > FMT_MACHO_MAX_SEGMENTS ||
        img->nsections > FMT_MACHO_MAX_SECTIONS || img->ndylibs > FMT_MACHO_MAX_DYLIBS ||
        img->nrpaths > FMT_MACHO_MAX_RPATHS)
        abort();
    size_t sections = 0;
    for (size_t i = 0; i < img->nsegments; i++) {
        const struct fmt_macho_segment *s = &img->segments[i];
        check_range(s->segname, s->segname_len);
        if (s->segname_len > 16 || s->first_section != sections || s->nsections > s->nsects)
            abort();
        sections += s->nsections;
    }
    if (sections != img->nsections)
        abort();
    for (size_t i = 0; i < img->nsections; i++) {
        const struct fmt_macho_section *s = &img->sections[i];
        check_range(s->sectname, s->sectname_len);
        check_range(s->segname, s->segname_len);
        if (memchr(s->sectname, 0, s->sectname_len) || memchr(s->segname, 0, s->segname_len))
            abort();
    }
    size_t n = check_str(img->install_name) + check_str(img->dylinker);
    for (size_t i = 0; i < img->ndylibs; i++)
        n += check_str(img->dylibs[i].name);
    for (size_t i = 0; i < img->nrpaths; i++)
        n += check_str(img->rpaths[i]);
    volatile size_t sink = n;
    (void)sink;
}

/* Load the module and call each function overload once. */
static void run_module(const uint8_t *data, size_t size)
{
    struct yobj_arena a = {0};
    struct yobj *root = yobj_new(&a, yara_module_macho.decl);
    void *state = NULL;
    if (root && yara_module_macho.load(&a, root, data, size, &state) == ASSAY_OK) {
        static const char *const fns[] = {"file_index_for_arch", "entry_point_for_arch"};
        static const char *const sigs[] = {"i", "ii"};
        struct yobj_arg args[2] = {{.i = size >= 8 ? data[7] : 7}, {.i = 3}};
        struct yobj_call c = {.module_state = state, .self = root, .data = data, .len = size, .arena = &a};
        for (int f = 0; f < 2; f++)
            for (int s = 0; s < 2; s++) {
                const struct yobj_overload *o =
                    yobj_decl_overload(yobj_decl_member(yara_module_macho.decl, fns[f]), sigs[s]);
                struct yobj_result r = {.type = YOBJ_INT};
                if (!o)
                    abort();
                o->fn(&c, args, &r);
            }
    }
    if (yara_module_macho.unload)
        yara_module_macho.unload(state);
    yobj_arena_free(&a);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fmt_macho m;
    lo = data;
    hi = data + size;
    int rc = fmt_macho_parse(data, size, &m);
    if (rc != ASSAY_OK && rc != ASSAY_EFORMAT && rc != ASSAY_ENOMEM)
        abort();
    if (rc == ASSAY_OK) {
        if (m.kind == FMT_MACHO_NONE || m.narchs > FMT_MACHO_MAX_ARCHS || (m.narchs && !m.archs_valid))
            abort();
        if (m.kind == FMT_MACHO_THIN)
            check_image(&m.thin);
        for (size_t i = 0; i < m.narchs; i++) {
            const struct fmt_macho_fat_arch *a = &m.archs[i];
            if (a->has_image && (a->offset > size || a->size > size - a->offset))
                abort();
            check_image(&a->image);
        }
    } else if (m.kind != FMT_MACHO_NONE || m.archs) {
        abort();
    }
    fmt_macho_free(&m);
    run_module(data, size);
    return 0;
}
