/* elf.c — bounds-checked ELF parser (see elf.h).
 *
 * Every offset and size read from the file goes through in_file() before the
 * bytes behind it are touched; sums of file values are formed in 64 bits and
 * checked for wrap-around. */
#include "format/elf.h"

#include <stdlib.h>
#include <string.h>

#include "assay.h"

struct reader {
    const uint8_t *d;
    size_t len;
    bool be;
    bool w64;
};

/* [off, off + n) lies inside the buffer. */
static bool in_file(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

static uint16_t rd16(const struct reader *r, uint64_t off)
{
    const uint8_t *p = r->d + off;
    return r->be ? (uint16_t)(p[0] << 8 | p[1]) : (uint16_t)(p[1] << 8 | p[0]);
}

static uint32_t rd32(const struct reader *r, uint64_t off)
{
    const uint8_t *p = r->d + off;
    if (r->be)
        return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t rd64(const struct reader *r, uint64_t off)
{
    uint64_t a = rd32(r, off), b = rd32(r, off + 4);
    return r->be ? a << 32 | b : b << 32 | a;
}

/* A word of the class: 32 bits in ELF32, 64 in ELF64. */
static uint64_t rdw(const struct reader *r, uint64_t off)
{
    return r->w64 ? rd64(r, off) : rd32(r, off);
}

/* The NUL-terminated string at `off` if its NUL lies before `end` (and inside
 * the buffer), else NULL. */
static const char *string_at(const struct reader *r, uint64_t off, uint64_t end)
{
    if (end > r->len)
        end = r->len;
    if (off >= end)
        return NULL;
    const void *nul = memchr(r->d + off, 0, (size_t)(end - off));
    return nul ? (const char *)(r->d + off) : NULL;
}

/* ---- header --------------------------------------------------------------- */

static void parse_header(const struct reader *r, struct fmt_elf *e)
{
    const uint8_t *d = r->d;
    e->type = rd16(r, 16);
    e->machine = rd16(r, 18);
    e->version = rd32(r, 20);
    if (r->w64) {
        e->entry = rd64(r, 24);
        e->ph_offset = rd64(r, 32);
        e->sh_offset = rd64(r, 40);
        e->flags = rd32(r, 48);
        e->header_size = rd16(r, 52);
        e->ph_entry_size = rd16(r, 54);
        e->ph_count = rd16(r, 56);
        e->sh_entry_size = rd16(r, 58);
        e->sh_count = rd16(r, 60);
        e->shstrndx = rd16(r, 62);
    } else {
        e->entry = rd32(r, 24);
        e->ph_offset = rd32(r, 28);
        e->sh_offset = rd32(r, 32);
        e->flags = rd32(r, 36);
        e->header_size = rd16(r, 40);
        e->ph_entry_size = rd16(r, 42);
        e->ph_count = rd16(r, 44);
        e->sh_entry_size = rd16(r, 46);
        e->sh_count = rd16(r, 48);
        e->shstrndx = rd16(r, 50);
    }
    e->osabi = d[7];
    e->abi_version = d[8];
}

/* ---- sections and segments ------------------------------------------------ */

static int parse_sections(const struct reader *r, struct fmt_elf *e)
{
    uint64_t esz = r->w64 ? 64 : 40;
    if (!in_file(r->len, e->sh_offset, esz * e->sh_count))
        return ASSAY_OK;
    e->sections_valid = true;
    if (e->sh_count == 0)
        return ASSAY_OK;
    e->sections = calloc(e->sh_count, sizeof *e->sections);
    if (!e->sections)
        return ASSAY_ENOMEM;
    e->nsections = e->sh_count;
    for (size_t i = 0; i < e->nsections; i++) {
        uint64_t o = e->sh_offset + i * esz;
        struct fmt_elf_section *s = &e->sections[i];
        s->name_offset = rd32(r, o);
        s->type = rd32(r, o + 4);
        if (r->w64) {
            s->flags = rd64(r, o + 8);
            s->address = rd64(r, o + 16);
            s->offset = rd64(r, o + 24);
            s->size = rd64(r, o + 32);
            s->link = rd32(r, o + 40);
            s->info = rd32(r, o + 44);
            s->alignment = rd64(r, o + 48);
            s->entry_size = rd64(r, o + 56);
        } else {
            s->flags = rd32(r, o + 8);
            s->address = rd32(r, o + 12);
            s->offset = rd32(r, o + 16);
            s->size = rd32(r, o + 20);
            s->link = rd32(r, o + 24);
            s->info = rd32(r, o + 28);
            s->alignment = rd32(r, o + 32);
            s->entry_size = rd32(r, o + 36);
        }
    }
    /* Names: a string table starts with a NUL (the empty name); one that does
     * not is not a string table. YARA bounds the names by the file, not by the
     * table's size. */
    if (e->shstrndx < e->nsections && e->sections[e->shstrndx].offset < r->len &&
        r->d[e->sections[e->shstrndx].offset] == 0) {
        e->shstrtab_valid = true;
        uint64_t base = e->sections[e->shstrndx].offset;
        for (size_t i = 0; i < e->nsections; i++) {
            uint64_t at = base + e->sections[i].name_offset; /* both < 2^64 / 2: no wrap */
            e->sections[i].name = string_at(r, at, r->len);
        }
    }
    return ASSAY_OK;
}

static int parse_segments(const struct reader *r, struct fmt_elf *e)
{
    uint64_t esz = r->w64 ? 56 : 32;
    if (!in_file(r->len, e->ph_offset, esz * e->ph_count))
        return ASSAY_OK;
    e->segments_valid = true;
    if (e->ph_count == 0)
        return ASSAY_OK;
    e->segments = calloc(e->ph_count, sizeof *e->segments);
    if (!e->segments)
        return ASSAY_ENOMEM;
    e->nsegments = e->ph_count;
    for (size_t i = 0; i < e->nsegments; i++) {
        uint64_t o = e->ph_offset + i * esz;
        struct fmt_elf_segment *s = &e->segments[i];
        s->type = rd32(r, o);
        if (r->w64) {
            s->flags = rd32(r, o + 4);
            s->offset = rd64(r, o + 8);
            s->virtual_address = rd64(r, o + 16);
            s->physical_address = rd64(r, o + 24);
            s->file_size = rd64(r, o + 32);
            s->memory_size = rd64(r, o + 40);
            s->alignment = rd64(r, o + 48);
        } else {
            s->offset = rd32(r, o + 4);
            s->virtual_address = rd32(r, o + 8);
            s->physical_address = rd32(r, o + 12);
            s->file_size = rd32(r, o + 16);
            s->memory_size = rd32(r, o + 20);
            s->flags = rd32(r, o + 24);
            s->alignment = rd32(r, o + 28);
        }
    }
    return ASSAY_OK;
}

/* ---- dynamic table -------------------------------------------------------- */

static int parse_dynamic(const struct reader *r, struct fmt_elf *e)
{
    const struct fmt_elf_segment *dyn = NULL;
    for (size_t i = 0; i < e->nsegments; i++)
        if (e->segments[i].type == FMT_ELF_PT_DYNAMIC)
            dyn = &e->segments[i];
    if (!dyn)
        return ASSAY_OK;
    e->has_dynamic = true;
    uint64_t esz = r->w64 ? 16 : 8;
    /* First pass: how many entries up to DT_NULL, the end of the file or the cap. */
    size_t n = 0;
    uint64_t pos = dyn->offset;
    while (in_file(r->len, pos, esz)) {
        if (n == FMT_ELF_MAX_DYNAMIC) {
            e->dynamic_truncated = true;
            break;
        }
        n++;
        if (rdw(r, pos) == FMT_ELF_DT_NULL)
            break;
        pos += esz;
    }
    if (n == 0)
        return ASSAY_OK;
    e->dynamic = calloc(n, sizeof *e->dynamic);
    if (!e->dynamic)
        return ASSAY_ENOMEM;
    e->ndynamic = n;
    for (size_t i = 0; i < n; i++) {
        uint64_t o = dyn->offset + i * esz;
        e->dynamic[i].tag = rdw(r, o);
        e->dynamic[i].val = rdw(r, o + esz / 2);
    }
    return ASSAY_OK;
}

/* ---- symbol tables -------------------------------------------------------- */

static bool symtab_usable(const struct reader *r, const struct fmt_elf *e, const struct fmt_elf_section *s)
{
    if (!in_file(r->len, s->offset, s->size) || s->link >= e->nsections)
        return false;
    const struct fmt_elf_section *str = &e->sections[s->link];
    return str->type == FMT_ELF_SHT_STRTAB && in_file(r->len, str->offset, str->size);
}

static int parse_symtab(const struct reader *r, struct fmt_elf *e, uint32_t type, struct fmt_elf_symtab *out)
{
    const struct fmt_elf_section *s = NULL;
    for (size_t i = 0; i < e->nsections; i++)
        if (e->sections[i].type == type && symtab_usable(r, e, &e->sections[i])) {
            s = &e->sections[i];
            out->section = (uint32_t)i;
        }
    if (!s)
        return ASSAY_OK;
    out->present = true;
    const struct fmt_elf_section *str = &e->sections[s->link];
    uint64_t esz = r->w64 ? 24 : 16;
    uint64_t n = s->size / esz;
    if (n > FMT_ELF_MAX_SYMBOLS) {
        n = FMT_ELF_MAX_SYMBOLS;
        out->truncated = true;
    }
    if (n == 0)
        return ASSAY_OK;
    out->symbols = calloc((size_t)n, sizeof *out->symbols);
    if (!out->symbols)
        return ASSAY_ENOMEM;
    out->count = (size_t)n;
    bool names_ok = str->size > 0 && r->d[str->offset] == 0; /* a string table starts with a NUL */
    for (size_t i = 0; i < out->count; i++) {
        uint64_t o = s->offset + i * esz;
        struct fmt_elf_symbol *sym = &out->symbols[i];
        uint32_t name = rd32(r, o);
        uint8_t info, other;
        if (r->w64) {
            info = r->d[o + 4];
            other = r->d[o + 5];
            sym->shndx = rd16(r, o + 6);
            sym->value = rd64(r, o + 8);
            sym->size = rd64(r, o + 16);
        } else {
            sym->value = rd32(r, o + 4);
            sym->size = rd32(r, o + 8);
            info = r->d[o + 12];
            other = r->d[o + 13];
            sym->shndx = rd16(r, o + 14);
        }
        sym->type = info & 0xf;
        sym->bind = info >> 4;
        sym->visibility = other & 3;
        if (name < str->size && names_ok)
            sym->name = string_at(r, str->offset + name, str->offset + str->size);
    }
    return ASSAY_OK;
}

/* ---- notes ---------------------------------------------------------------- */

static uint64_t align_up(uint64_t v, uint64_t a)
{
    return (v + a - 1) & ~(a - 1);
}

static bool note_name_is(const struct fmt_elf_note *n, const char *want)
{
    return n->name && strcmp(n->name, want) == 0;
}

/* The notes in [off, off + size) (inside the file), aligned to `align`. */
static int parse_notes_in(const struct reader *r, struct fmt_elf *e, uint64_t off, uint64_t size, uint64_t align,
                          size_t *cap)
{
    uint64_t end = off + size;
    while (end - off >= 12) {
        uint64_t namesz = rd32(r, off), descsz = rd32(r, off + 4);
        uint32_t type = rd32(r, off + 8);
        /* Name and descriptor each start aligned, counted from the note's start. */
        uint64_t name_at = off + 12;
        uint64_t desc_at = off + align_up(12 + namesz, align);
        if (desc_at > end || descsz > end - desc_at)
            break;
        uint64_t next = off + align_up(desc_at - off + descsz, align);
        if (e->nnotes == FMT_ELF_MAX_NOTES) {
            e->notes_truncated = true;
            return ASSAY_OK;
        }
        if (e->nnotes == *cap) {
            size_t ncap = *cap ? *cap * 2 : 8;
            if (ncap > FMT_ELF_MAX_NOTES)
                ncap = FMT_ELF_MAX_NOTES;
            struct fmt_elf_note *nv = realloc(e->notes, ncap * sizeof *nv);
            if (!nv)
                return ASSAY_ENOMEM;
            e->notes = nv;
            *cap = ncap;
        }
        struct fmt_elf_note *n = &e->notes[e->nnotes++];
        n->type = type;
        n->name = namesz ? string_at(r, name_at, name_at + namesz) : NULL;
        n->desc = r->d + desc_at;
        n->desc_size = (size_t)descsz;
        n->offset = off;
        if (!e->build_id && type == FMT_ELF_NT_GNU_BUILD_ID && note_name_is(n, "GNU") && descsz) {
            e->build_id = n->desc;
            e->build_id_size = n->desc_size;
        }
        if (!e->package_json && type == FMT_ELF_NT_FDO_PACKAGING_METADATA && note_name_is(n, "FDO")) {
            const char *text = string_at(r, desc_at, desc_at + descsz);
            if (text) {
                e->package_json = text;
                e->package_json_size = strlen(text);
            }
        }
        if (next >= end)
            break;
        off = next;
    }
    return ASSAY_OK;
}

static int parse_notes(const struct reader *r, struct fmt_elf *e)
{
    size_t cap = 0;
    bool from_sections = false;
    for (size_t i = 0; i < e->nsections; i++) {
        const struct fmt_elf_section *s = &e->sections[i];
        if (s->type != FMT_ELF_SHT_NOTE)
            continue;
        from_sections = true;
        if (!in_file(r->len, s->offset, s->size))
            continue;
        int rc = parse_notes_in(r, e, s->offset, s->size, s->alignment == 8 ? 8 : 4, &cap);
        if (rc != ASSAY_OK)
            return rc;
    }
    if (from_sections)
        return ASSAY_OK;
    for (size_t i = 0; i < e->nsegments; i++) {
        const struct fmt_elf_segment *s = &e->segments[i];
        if (s->type != FMT_ELF_PT_NOTE || !in_file(r->len, s->offset, s->file_size))
            continue;
        int rc = parse_notes_in(r, e, s->offset, s->file_size, s->alignment == 8 ? 8 : 4, &cap);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

/* ---- dynamic-linking strings ---------------------------------------------- */

bool fmt_elf_vaddr_offset(const struct fmt_elf *elf, size_t len, uint64_t vaddr, uint64_t *offset)
{
    for (size_t i = 0; i < elf->nsegments; i++) {
        const struct fmt_elf_segment *s = &elf->segments[i];
        if (s->type != FMT_ELF_PT_LOAD || vaddr < s->virtual_address || vaddr - s->virtual_address >= s->file_size)
            continue;
        uint64_t off = s->offset + (vaddr - s->virtual_address);
        if (off < s->offset || off >= len)
            continue;
        *offset = off;
        return true;
    }
    return false;
}

static int parse_dynamic_strings(const struct reader *r, struct fmt_elf *e)
{
    for (size_t i = 0; i < e->nsegments; i++) {
        const struct fmt_elf_segment *s = &e->segments[i];
        if (s->type == FMT_ELF_PT_INTERP && in_file(r->len, s->offset, 0)) {
            e->interpreter = string_at(r, s->offset, s->file_size <= r->len - s->offset ? s->offset + s->file_size : r->len);
            break;
        }
    }
    if (e->ndynamic == 0)
        return ASSAY_OK;
    /* The dynamic string table: DT_STRTAB mapped through PT_LOAD, else .dynstr. */
    bool have_addr = false, have_size = false;
    uint64_t addr = 0, strsz = 0, base = 0, size = 0;
    for (size_t i = 0; i < e->ndynamic; i++) {
        if (e->dynamic[i].tag == FMT_ELF_DT_STRTAB && !have_addr) {
            addr = e->dynamic[i].val;
            have_addr = true;
        } else if (e->dynamic[i].tag == FMT_ELF_DT_STRSZ && !have_size) {
            strsz = e->dynamic[i].val;
            have_size = true;
        }
    }
    if (have_addr && fmt_elf_vaddr_offset(e, r->len, addr, &base)) {
        size = have_size && strsz <= r->len - base ? strsz : r->len - base;
    } else if (e->dynsym.present) {
        const struct fmt_elf_section *str = &e->sections[e->sections[e->dynsym.section].link];
        base = str->offset; /* symtab_usable checked it is inside the file */
        size = str->size;
    } else {
        return ASSAY_OK;
    }
    size_t needed = 0;
    for (size_t i = 0; i < e->ndynamic; i++)
        needed += e->dynamic[i].tag == FMT_ELF_DT_NEEDED;
    if (needed > FMT_ELF_MAX_NEEDED) {
        needed = FMT_ELF_MAX_NEEDED;
        e->needed_truncated = true;
    }
    if (needed) {
        e->needed = calloc(needed, sizeof *e->needed);
        if (!e->needed)
            return ASSAY_ENOMEM;
    }
    for (size_t i = 0; i < e->ndynamic; i++) {
        uint64_t tag = e->dynamic[i].tag, v = e->dynamic[i].val;
        const char *s = v < size ? string_at(r, base + v, base + size) : NULL;
        if (!s)
            continue;
        if (tag == FMT_ELF_DT_NEEDED && e->nneeded < needed)
            e->needed[e->nneeded++] = s;
        else if (tag == FMT_ELF_DT_SONAME && !e->soname)
            e->soname = s;
        else if (tag == FMT_ELF_DT_RUNPATH && !e->runpath)
            e->runpath = s;
        else if (tag == FMT_ELF_DT_RPATH && !e->rpath)
            e->rpath = s;
    }
    return ASSAY_OK;
}

/* ---- entry point ------------------------------------------------------------ */

bool fmt_elf_entry_offset(const struct fmt_elf *elf, uint64_t *offset)
{
    uint64_t va = elf->entry;
    if (va == 0)
        return false;
    if (elf->type == FMT_ELF_ET_EXEC) {
        if (!elf->segments_valid || elf->ph_offset == 0)
            return false;
        for (size_t i = 0; i < elf->nsegments; i++) {
            const struct fmt_elf_segment *s = &elf->segments[i];
            if (va >= s->virtual_address && va - s->virtual_address < s->memory_size) {
                *offset = s->offset + (va - s->virtual_address);
                return true;
            }
        }
        return false;
    }
    if (!elf->sections_valid || elf->sh_offset == 0)
        return false;
    for (size_t i = 0; i < elf->nsections; i++) {
        const struct fmt_elf_section *s = &elf->sections[i];
        if (s->type == FMT_ELF_SHT_NULL || s->type == FMT_ELF_SHT_NOBITS)
            continue;
        if (va >= s->address && va - s->address < s->size) {
            *offset = s->offset + (va - s->address);
            return true;
        }
    }
    return false;
}

/* ---- parse ------------------------------------------------------------------ */

void fmt_elf_free(struct fmt_elf *elf)
{
    if (!elf)
        return;
    free(elf->sections);
    free(elf->segments);
    free(elf->dynamic);
    free(elf->symtab.symbols);
    free(elf->dynsym.symbols);
    free(elf->notes);
    free((void *)elf->needed);
    memset(elf, 0, sizeof *elf);
}

int fmt_elf_parse(const uint8_t *data, size_t len, struct fmt_elf *out)
{
    memset(out, 0, sizeof *out);
    if (!data || len < 16 || memcmp(data, "\x7f" "ELF", 4) != 0)
        return ASSAY_EFORMAT;
    if ((data[4] != 1 && data[4] != 2) || (data[5] != 1 && data[5] != 2))
        return ASSAY_EFORMAT;
    struct reader r = {.d = data, .len = len, .be = data[5] == 2, .w64 = data[4] == 2};
    if (len < (r.w64 ? 64u : 52u))
        return ASSAY_EFORMAT;
    out->is_elf = true;
    out->is_64 = r.w64;
    out->big_endian = r.be;
    parse_header(&r, out);
    int rc;
    if ((rc = parse_sections(&r, out)) != ASSAY_OK || (rc = parse_segments(&r, out)) != ASSAY_OK ||
        (rc = parse_dynamic(&r, out)) != ASSAY_OK ||
        (rc = parse_symtab(&r, out, FMT_ELF_SHT_SYMTAB, &out->symtab)) != ASSAY_OK ||
        (rc = parse_symtab(&r, out, FMT_ELF_SHT_DYNSYM, &out->dynsym)) != ASSAY_OK ||
        (rc = parse_notes(&r, out)) != ASSAY_OK || (rc = parse_dynamic_strings(&r, out)) != ASSAY_OK) {
        fmt_elf_free(out);
        return rc;
    }
    return ASSAY_OK;
}
