/* fuzz_pe.c — libFuzzer target for fmt_pe_parse (headers, imports, exports,
 * resources, version info, Rich signature, Authenticode).
 *
 * Besides running the parser under the sanitizers it checks the documented
 * caps and that every mapped offset the struct reports lies inside the input.
 * Seeds: the PE files of ../shared/yara-tests/data.
 *
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Ilib lib/util/buf.c lib/util/error.c lib/format/pe*.c \
 *       tests/fuzz/fuzz_pe.c -lcrypto -o fuzz_pe */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/pe.h"

static void check_caps(const struct fmt_pe *pe)
{
    if (pe->nsections > FMT_PE_MAX_SECTIONS || pe->nimports > FMT_PE_MAX_IMPORT_DLLS ||
        pe->ndelayed_imports > FMT_PE_MAX_IMPORT_DLLS ||
        pe->number_of_imported_functions > FMT_PE_MAX_IMPORT_FUNCS ||
        pe->number_of_delayed_imported_functions > FMT_PE_MAX_IMPORT_FUNCS ||
        pe->nexports > FMT_PE_MAX_EXPORTS || pe->nresources > FMT_PE_MAX_RESOURCES ||
        pe->nversion_infos > FMT_PE_MAX_VERSION_INFOS || pe->nsignatures > FMT_PE_MAX_SIGNATURES ||
        pe->rich.number_of_entries > FMT_PE_MAX_RICH_ENTRIES)
        abort();
}

static void check_offsets(const struct fmt_pe *pe, size_t size)
{
    if (pe->has_entry_point && pe->entry_point >= size)
        abort();
    for (size_t i = 0; i < pe->nexports; i++)
        if (pe->exports[i].has_offset && pe->exports[i].offset >= size)
            abort();
    for (size_t i = 0; i < pe->nresources; i++)
        if (pe->resources[i].has_offset && pe->resources[i].offset >= size)
            abort();
    for (size_t i = 0; i < pe->nsections; i++) {
        uint64_t off;
        if (fmt_pe_rva_offset(pe, pe->sections[i].virtual_address, &off) && off >= size)
            abort();
    }
    if (pe->overlay_size && pe->overlay_offset + pe->overlay_size != size)
        abort();
    if (pe->rich.present && pe->rich.offset + pe->rich.length > size)
        abort();
}

/* Touch every string so ASan sees a bad pointer or a missing NUL. */
static size_t touch_strings(const struct fmt_pe *pe)
{
    size_t n = 0;
    for (size_t i = 0; i < pe->nimports; i++) {
        n += strlen(pe->imports[i].name);
        for (size_t j = 0; j < pe->imports[i].number_of_functions; j++)
            n += strlen(pe->imports[i].functions[j].name);
    }
    for (size_t i = 0; i < pe->nexports; i++)
        n += pe->exports[i].name ? strlen(pe->exports[i].name) : 0;
    for (size_t i = 0; i < pe->nversion_infos; i++)
        n += strlen(pe->version_infos[i].key) + strlen(pe->version_infos[i].value);
    for (size_t i = 0; i < pe->nsignatures; i++)
        n += strlen(pe->signatures[i].digest) + strlen(pe->signatures[i].file_digest);
    n += strlen(pe->imphash);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fmt_pe pe;
    int rc = fmt_pe_parse(data, size, &pe);
    if (rc != ASSAY_OK && rc != ASSAY_EFORMAT && rc != ASSAY_ENOMEM)
        abort();
    if (rc == ASSAY_OK) {
        if (!pe.is_pe)
            abort();
        check_caps(&pe);
        check_offsets(&pe, size);
        volatile size_t sink = touch_strings(&pe);
        (void)sink;
        (void)fmt_pe_calculate_checksum(data, size, &pe);
    }
    fmt_pe_free(&pe);
    return 0;
}
