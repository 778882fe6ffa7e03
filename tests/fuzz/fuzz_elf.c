/* fuzz_elf.c — libFuzzer target for fmt_elf_parse (header, sections,
 * segments, dynamic table, symbol tables, notes, dynamic strings) and the
 * YARA elf module's functions over it (telfhash's TLSH, import_md5).
 *
 * Besides running the parser under the sanitizers it checks the documented
 * caps and that every string and byte range the struct reports lies inside
 * the input. Seeds: the ELF files of ../shared/yara-tests/data and the blobs
 * of cases-elf.json (or any ELF binaries).
 *
 *   clang -std=c17 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer,address,undefined \
 *       -Iinclude -Ilib lib/format/elf.c lib/yara/mod_elf.c lib/yara/mod_hash.c \
 *       lib/yara/object.c tests/fuzz/fuzz_elf.c -lcrypto -lm -o fuzz_elf */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/elf.h"
#include "yara/mod_elf.h"

static const uint8_t *lo, *hi;

/* A borrowed string: inside the input, NUL-terminated there. */
static size_t check_str(const char *s)
{
    if (!s)
        return 0;
    const uint8_t *p = (const uint8_t *)s;
    if (p < lo || p >= hi || !memchr(p, 0, (size_t)(hi - p)))
        abort();
    return strlen(s);
}

static void check_range(const uint8_t *p, size_t n)
{
    if (n && (!p || p < lo || p > hi || n > (size_t)(hi - p)))
        abort();
}

static size_t check_symtab(const struct fmt_elf *e, const struct fmt_elf_symtab *t)
{
    size_t n = 0;
    if (t->count > FMT_ELF_MAX_SYMBOLS || (!t->present && t->count) || (t->present && t->section >= e->nsections))
        abort();
    for (size_t i = 0; i < t->count; i++)
        n += check_str(t->symbols[i].name);
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fmt_elf e;
    lo = data;
    hi = data + size;
    int rc = fmt_elf_parse(data, size, &e);
    if (rc != ASSAY_OK && rc != ASSAY_EFORMAT && rc != ASSAY_ENOMEM)
        abort();
    if (rc == ASSAY_OK) {
        if (!e.is_elf || e.nsections > 65535 || e.nsegments > 65535 || e.ndynamic > FMT_ELF_MAX_DYNAMIC ||
            e.nnotes > FMT_ELF_MAX_NOTES || e.nneeded > FMT_ELF_MAX_NEEDED)
            abort();
        if ((e.nsections && !e.sections_valid) || (e.nsegments && !e.segments_valid) ||
            (e.ndynamic && !e.has_dynamic))
            abort();
        size_t n = 0;
        for (size_t i = 0; i < e.nsections; i++)
            n += check_str(e.sections[i].name);
        n += check_symtab(&e, &e.symtab) + check_symtab(&e, &e.dynsym);
        for (size_t i = 0; i < e.nnotes; i++) {
            n += check_str(e.notes[i].name);
            check_range(e.notes[i].desc, e.notes[i].desc_size);
        }
        check_range(e.build_id, e.build_id_size);
        if (check_str(e.package_json) != e.package_json_size)
            abort();
        n += check_str(e.interpreter) + check_str(e.soname) + check_str(e.runpath) + check_str(e.rpath);
        for (size_t i = 0; i < e.nneeded; i++)
            n += check_str(e.needed[i]);
        uint64_t off;
        (void)fmt_elf_entry_offset(&e, &off);
        if (fmt_elf_vaddr_offset(&e, size, e.entry, &off) && off >= size)
            abort();
        char h[YARA_TLSH_HEX_LEN + 1], m[33];
        if (yara_elf_telfhash(&e, h) && (strlen(h) != YARA_TLSH_HEX_LEN || h[0] != 'T'))
            abort();
        if (yara_elf_import_md5(&e, m) && strlen(m) != 32)
            abort();
        volatile size_t sink = n;
        (void)sink;
    } else if (e.is_elf || e.sections || e.symtab.symbols) {
        abort();
    }
    fmt_elf_free(&e);
    return 0;
}
