/* fuzz_filetype.c — libFuzzer target for fmt_identify and fmt_pe_rva_to_offset.
 *
 * Besides running the parsers under the sanitizers it checks what callers
 * rely on: only PE and ELF carry an EP or sections, never more sections than
 * FMT_MAX_SECTIONS, a PE EP and every mapped RVA land inside the buffer, and
 * a section's clipped raw data never runs past the end.
 *
 *   clang -std=c17 -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude -Ilib \
 *       lib/format/filetype.c tests/fuzz/fuzz_filetype.c -o fuzz_filetype */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "format/filetype.h"

static void fuzz_check_sections(const struct fmt_info *info, size_t size)
{
    if (info->nsections > FMT_MAX_SECTIONS)
        abort();
    for (uint32_t i = 0; i < info->nsections; i++) {
        const struct fmt_section *s = &info->sections[i];
        if (s->raw_size > size || (s->raw_size != 0 && s->raw_offset > size - s->raw_size))
            abort();
    }
}

/* Map RVAs around every section start and end, plus a few taken from the
 * input itself, and check each answer lies inside the section's raw data. */
static void fuzz_check_rvas(const struct fmt_info *info, const uint8_t *data, size_t size)
{
    uint64_t probes[FMT_MAX_SECTIONS * 3 + 4];
    size_t n = 0;
    for (uint32_t i = 0; i < info->nsections; i++) {
        const struct fmt_section *s = &info->sections[i];
        probes[n++] = s->virtual_address;
        probes[n++] = s->virtual_address + s->raw_size - 1;
        probes[n++] = s->virtual_address + s->raw_size;
    }
    for (size_t i = 0; i + 4 <= size && i < 16; i += 4) {
        uint32_t v;
        memcpy(&v, data + i, sizeof v);
        probes[n++] = v;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t off = UINT64_MAX;
        bool ok = fmt_pe_rva_to_offset(info, probes[i], &off);
        if (info->kind != FMT_PE && ok)
            abort();
        if (ok && off >= size)
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct fmt_info info;
    fmt_identify(data, size, &info);

    switch (info.kind) {
    case FMT_PE:
        /* ClamAV resolves all PE offsets or none. */
        if (info.has_ep != (info.nsections != 0) || (info.has_ep && info.ep_offset >= size))
            abort();
        break;
    case FMT_ELF:
        /* An ELF EP may point past the end (EP-n can reach back inside). */
        if (!info.has_ep && info.nsections != 0)
            abort();
        break;
    case FMT_OTHER:
    case FMT_MACHO:
    case FMT_TEXT:
        if (info.has_ep || info.nsections != 0)
            abort();
        break;
    default:
        abort();
    }
    fuzz_check_sections(&info, size);
    fuzz_check_rvas(&info, data, size);
    return 0;
}
