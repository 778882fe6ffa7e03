/* filetype.c — tell what a buffer holds (PE, ELF, Mach-O, text or other) and
 * work out the file offsets that ClamAV's EP+n, Sx+n and SL+n signature
 * offsets resolve to.
 *
 * The PE and ELF rules reproduce what clamscan 1.4.6 does. They were found by
 * scanning crafted files with one signature per candidate offset and noting
 * which one matched; each quirk is described where it is implemented. Every
 * read goes through the bounds-checked readers below, so no input can make
 * this file read outside `data`. */

#include "format/filetype.h"

#include <string.h>

/* ------------------------------------------------------------------------ */
/* Bounds-checked integer readers                                            */
/* ------------------------------------------------------------------------ */

struct reader {
    const uint8_t *data;
    size_t len;
    bool big_endian;
};

/* True when [off, off + n) lies inside a buffer of `len` bytes. */
static bool span_in_buffer(size_t len, uint64_t off, uint64_t n)
{
    return off <= len && n <= len - off;
}

/* Assemble `width` bytes at `off` into an integer (no unaligned loads). */
static bool read_uint(const struct reader *r, uint64_t off, unsigned width, uint64_t *out)
{
    if (!span_in_buffer(r->len, off, width))
        return false;
    const uint8_t *p = r->data + off;
    uint64_t v = 0;
    for (unsigned i = 0; i < width; i++) {
        unsigned shift = r->big_endian ? 8u * (width - 1u - i) : 8u * i;
        v |= (uint64_t)p[i] << shift;
    }
    *out = v;
    return true;
}

static bool read_u16(const struct reader *r, uint64_t off, uint16_t *out)
{
    uint64_t v;
    if (!read_uint(r, off, 2, &v))
        return false;
    *out = (uint16_t)v;
    return true;
}

static bool read_u32(const struct reader *r, uint64_t off, uint32_t *out)
{
    uint64_t v;
    if (!read_uint(r, off, 4, &v))
        return false;
    *out = (uint32_t)v;
    return true;
}

/* An address-sized field: 4 bytes in 32-bit objects, 8 in 64-bit ones. */
static bool read_addr(const struct reader *r, uint64_t off, bool wide, uint64_t *out)
{
    return read_uint(r, off, wide ? 8u : 4u, out);
}

/* ------------------------------------------------------------------------ */
/* PE                                                                        */
/* ------------------------------------------------------------------------ */

#define PE_LFANEW_AT 0x3cu
#define PE_COFF_SIZE 24u            /* "PE\0\0" + IMAGE_FILE_HEADER */
#define PE_SECTION_SIZE 40u
#define PE32_PLUS_MAGIC 0x20bu
#define PE32_OPT_FIXED 0x60u        /* optional header before the data directories */
#define PE32_PLUS_OPT_FIXED 0x70u
#define PE_MAX_DATA_DIRS 16u
#define PE_DATA_DIR_SIZE 8u
#define PE_FALLBACK_FILE_ALIGN 0x200u
#define PE_SIGN_BIT 0x80000000u

struct pe_headers {
    uint32_t entry;          /* AddressOfEntryPoint (RVA) */
    uint32_t section_align;
    uint32_t file_align;     /* after the fallback rule, see pe_effective_file_align */
    uint32_t headers_size;   /* SizeOfHeaders */
    uint32_t nsections;      /* NumberOfSections, uncapped */
    uint64_t table_off;      /* file offset of the section table */
};

struct pe_raw_section {
    uint32_t virtual_size;
    uint32_t virtual_address;
    uint32_t raw_size;
    uint32_t raw_offset;
};

/* Round down / up to a multiple of `a` the way ClamAV does: by division, so
 * an alignment that is not a power of two still applies, and not at all for
 * an alignment of 0 or 1. Rounding up is exact here; pe_truncate32 gives the
 * 32-bit value ClamAV keeps when the result does not fit. */
static uint32_t align_down32(uint32_t v, uint32_t a)
{
    return a > 1 ? v / a * a : v;
}

static uint64_t align_up(uint32_t v, uint32_t a)
{
    if (a <= 1 || v % a == 0)
        return v;
    return ((uint64_t)(v / a) + 1u) * a;
}

static uint32_t pe_truncate32(uint64_t v)
{
    return (uint32_t)(v & 0xffffffffu);
}

static bool pe_read_headers(const struct reader *r, struct pe_headers *h)
{
    uint32_t lfanew;
    if (!read_u32(r, PE_LFANEW_AT, &lfanew) || lfanew == 0)
        return false;
    if (!span_in_buffer(r->len, lfanew, PE_COFF_SIZE) || memcmp(r->data + lfanew, "PE\0\0", 4) != 0)
        return false;

    uint16_t nsections, opt_size, magic;
    uint64_t opt = (uint64_t)lfanew + PE_COFF_SIZE;
    if (!read_u16(r, (uint64_t)lfanew + 6, &nsections) ||
        !read_u16(r, (uint64_t)lfanew + 20, &opt_size) || nsections == 0)
        return false;
    if (!read_u16(r, opt, &magic))
        return false;
    /* Any magic other than PE32+ is read as PE32. SizeOfOptionalHeader must
     * cover the fixed part plus the data directories NumberOfRvaAndSizes
     * announces (at most 16 count). */
    bool plus = magic == PE32_PLUS_MAGIC;
    uint32_t fixed = plus ? PE32_PLUS_OPT_FIXED : PE32_OPT_FIXED;
    uint32_t ndirs;
    if (!read_u32(r, opt + fixed - 4, &ndirs))
        return false;
    if (ndirs > PE_MAX_DATA_DIRS)
        ndirs = PE_MAX_DATA_DIRS;
    if (opt_size < fixed + ndirs * PE_DATA_DIR_SIZE)
        return false;

    /* AddressOfEntryPoint, SectionAlignment, FileAlignment and SizeOfHeaders
     * sit at the same place in PE32 and PE32+. */
    if (!read_u32(r, opt + 16, &h->entry) || !read_u32(r, opt + 32, &h->section_align) ||
        !read_u32(r, opt + 36, &h->file_align) || !read_u32(r, opt + 60, &h->headers_size))
        return false;

    h->nsections = nsections;
    h->table_off = opt + opt_size;
    return span_in_buffer(r->len, h->table_off, (uint64_t)nsections * PE_SECTION_SIZE);
}

static void pe_read_raw_section(const struct reader *r, const struct pe_headers *h, uint32_t i,
                                struct pe_raw_section *s)
{
    uint64_t at = h->table_off + (uint64_t)i * PE_SECTION_SIZE;
    /* pe_read_headers checked that the whole table is inside the buffer. */
    memset(s, 0, sizeof(*s));
    (void)read_u32(r, at + 8, &s->virtual_size);
    (void)read_u32(r, at + 12, &s->virtual_address);
    (void)read_u32(r, at + 16, &s->raw_size);
    (void)read_u32(r, at + 20, &s->raw_offset);
}

/* ClamAV's "fallback mode": when a section with raw data starts on a 512-byte
 * boundary that FileAlignment does not divide, FileAlignment is not trusted
 * and 0x200 is used for every section instead. */
static uint32_t pe_effective_file_align(const struct reader *r, const struct pe_headers *h)
{
    uint32_t falign = h->file_align;
    if (falign <= 1)
        return falign;
    for (uint32_t i = 0; i < h->nsections; i++) {
        struct pe_raw_section s;
        pe_read_raw_section(r, h, i, &s);
        if (s.raw_size != 0 && s.raw_offset % PE_FALLBACK_FILE_ALIGN == 0 && s.raw_offset % falign != 0)
            return PE_FALLBACK_FILE_ALIGN;
    }
    return falign;
}

/* Normalize one section as ClamAV does; false when ClamAV would reject the
 * whole header (and with it every EP/Sx/SL offset) because VirtualSize or
 * VirtualAddress has the sign bit set, or because a non-zero SizeOfRawData
 * rounds up to exactly 2^32 (0 once truncated; any other overflow is kept).
 * PointerToRawData is rounded down and SizeOfRawData up to FileAlignment
 * (truncated to 32 bits); the raw size is then clipped to the file, and is 0
 * when the section's unrounded PointerToRawData is at or past the end: ClamAV
 * keeps such a section in the numbering but never maps the EP into it.
 * VirtualAddress is rounded down and VirtualSize (or SizeOfRawData when it is
 * 0) up to SectionAlignment. */
static bool pe_normalize_section(const struct pe_raw_section *s, const struct pe_headers *h,
                                 size_t len, struct fmt_section *out)
{
    if ((s->virtual_size & PE_SIGN_BIT) || (s->virtual_address & PE_SIGN_BIT))
        return false;

    uint32_t raw_offset = align_down32(s->raw_offset, h->file_align);
    uint64_t raw_size = pe_truncate32(align_up(s->raw_size, h->file_align));
    if (s->raw_size != 0 && raw_size == 0)
        return false;
    if (s->raw_offset >= len) /* raw_offset <= s->raw_offset */
        raw_size = 0;
    else if (raw_size > len - raw_offset)
        raw_size = len - raw_offset;

    uint32_t vsize = s->virtual_size != 0 ? s->virtual_size : s->raw_size;
    out->raw_offset = raw_offset;
    out->raw_size = raw_size;
    out->virtual_address = align_down32(s->virtual_address, h->section_align);
    out->virtual_size = pe_truncate32(align_up(vsize, h->section_align));
    return true;
}

static bool section_holds_rva(const struct fmt_section *s, uint64_t rva)
{
    return rva >= s->virtual_address && rva - s->virtual_address < s->raw_size;
}

/* The entry point's file offset. An EP below SizeOfHeaders (rounded up to
 * SectionAlignment, truncated to 32 bits) is an offset into the headers and
 * must lie inside the file. Otherwise it must fall in a section's raw data —
 * not merely its virtual extent — and when sections overlap the last one in
 * the table wins. */
static bool pe_map_entry(const struct reader *r, const struct pe_headers *h, uint64_t *offset)
{
    uint32_t headers_end = pe_truncate32(align_up(h->headers_size, h->section_align));
    if (h->entry < headers_end) {
        if (h->entry >= r->len)
            return false;
        *offset = h->entry;
        return true;
    }
    for (uint32_t i = h->nsections; i-- > 0;) {
        struct pe_raw_section raw;
        struct fmt_section s;
        pe_read_raw_section(r, h, i, &raw);
        if (pe_normalize_section(&raw, h, r->len, &s) && section_holds_rva(&s, h->entry)) {
            *offset = s.raw_offset + (h->entry - s.virtual_address);
            return true;
        }
    }
    return false;
}

/* Fill the section table and EP, or leave both empty when ClamAV would not
 * resolve any PE offset for this file (it rejects them all together, even
 * Sx/SL when only the EP is unmappable). */
static void identify_pe(const struct reader *r, struct fmt_info *info)
{
    struct pe_headers h;
    info->kind = FMT_PE; /* ClamAV types every "MZ" file as MS-EXE */
    if (!pe_read_headers(r, &h))
        return;
    h.file_align = pe_effective_file_align(r, &h);

    struct fmt_section sections[FMT_MAX_SECTIONS];
    uint32_t kept = 0;
    for (uint32_t i = 0; i < h.nsections; i++) {
        struct pe_raw_section raw;
        struct fmt_section s;
        pe_read_raw_section(r, &h, i, &raw);
        if (!pe_normalize_section(&raw, &h, r->len, &s))
            return;
        if (kept < FMT_MAX_SECTIONS)
            sections[kept++] = s;
    }

    uint64_t ep;
    if (!pe_map_entry(r, &h, &ep))
        return;
    info->has_ep = true;
    info->ep_offset = ep;
    info->nsections = kept;
    memcpy(info->sections, sections, kept * sizeof(sections[0]));
}

/* Same rule as the EP, over the sections kept in info: an RVA maps only
 * through raw data, so an RVA in the headers or past FMT_MAX_SECTIONS
 * sections is not mapped. */
bool fmt_pe_rva_to_offset(const struct fmt_info *info, uint64_t rva, uint64_t *offset)
{
    if (info == NULL || offset == NULL || info->kind != FMT_PE)
        return false;
    uint32_t n = info->nsections < FMT_MAX_SECTIONS ? info->nsections : FMT_MAX_SECTIONS;
    for (uint32_t i = n; i-- > 0;) { /* last match wins, as for the EP */
        const struct fmt_section *s = &info->sections[i];
        if (section_holds_rva(s, rva)) {
            *offset = s->raw_offset + (rva - s->virtual_address);
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------------ */
/* ELF                                                                       */
/* ------------------------------------------------------------------------ */

#define ELF_CLASS_32 1u
#define ELF_CLASS_64 2u
#define ELF_DATA_LE 1u
#define ELF_MAX_PHNUM 128u      /* ClamAV resolves no offset beyond these */
#define ELF_MAX_SHNUM 256u

struct elf_layout {
    bool wide;                  /* ELFCLASS64 */
    uint64_t entry;
    uint64_t phoff, shoff;
    uint16_t phentsize, phnum, shentsize, shnum;
};

static bool elf_read_header(const struct reader *r, struct elf_layout *e)
{
    /* e_entry follows e_ident (16), e_type, e_machine (2 + 2) and e_version (4). */
    uint64_t at = 24;
    unsigned addr = e->wide ? 8u : 4u;
    if (!read_addr(r, at, e->wide, &e->entry) ||
        !read_addr(r, at + addr, e->wide, &e->phoff) ||
        !read_addr(r, at + 2u * addr, e->wide, &e->shoff))
        return false;
    /* then e_flags (4), e_ehsize (2) and the four table descriptors */
    uint64_t tables = at + 3u * addr + 6u;
    return read_u16(r, tables, &e->phentsize) && read_u16(r, tables + 2, &e->phnum) &&
           read_u16(r, tables + 4, &e->shentsize) && read_u16(r, tables + 6, &e->shnum);
}

/* Address arithmetic wraps at the object's width, as it does in ClamAV. */
static uint64_t elf_wrap(const struct elf_layout *e, uint64_t v)
{
    return e->wide ? v : (v & 0xffffffffu);
}

/* True when a table of `count` entries of exactly `entsize` bytes (ClamAV
 * accepts no other entry size) lies wholly inside the buffer. */
static bool elf_table_ok(const struct reader *r, uint64_t off, uint16_t count, uint16_t entsize,
                         uint16_t expected)
{
    return entsize == expected && span_in_buffer(r->len, off, (uint64_t)count * entsize);
}

/* ClamAV maps e_entry through the first program header of any type (not only
 * PT_LOAD) with p_vaddr <= e_entry < p_vaddr + p_memsz, the end computed with
 * wrap-around; the offset p_offset + (e_entry - p_vaddr) wraps too and may lie
 * past the end of the file (EP-n can still reach back inside). With no
 * program headers or a zero e_entry the EP is offset 0 and the table is not
 * even checked. False when the EP cannot be mapped, which makes ClamAV drop
 * every ELF offset; so does a table of more than 128 program headers. */
static bool elf_map_entry(const struct reader *r, const struct elf_layout *e, uint64_t *offset)
{
    if (e->phnum > ELF_MAX_PHNUM)
        return false;
    if (e->phnum == 0 || e->entry == 0) {
        *offset = 0;
        return true;
    }
    if (!elf_table_ok(r, e->phoff, e->phnum, e->phentsize, e->wide ? 56u : 32u))
        return false;
    /* 64-bit: p_type, p_flags, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz
     * 32-bit: p_type, p_offset, p_vaddr, p_paddr, p_filesz, p_memsz */
    uint64_t f_off = e->wide ? 8u : 4u, f_vaddr = e->wide ? 16u : 8u, f_memsz = e->wide ? 40u : 20u;
    for (uint16_t i = 0; i < e->phnum; i++) {
        uint64_t at = e->phoff + (uint64_t)i * e->phentsize;
        uint64_t off, vaddr, memsz;
        if (!read_addr(r, at + f_off, e->wide, &off) || !read_addr(r, at + f_vaddr, e->wide, &vaddr) ||
            !read_addr(r, at + f_memsz, e->wide, &memsz))
            return false;
        if (vaddr <= e->entry && e->entry < elf_wrap(e, vaddr + memsz)) {
            *offset = elf_wrap(e, off + (e->entry - vaddr));
            return true;
        }
    }
    return false;
}

/* Section headers give Sx/SL for ELF (sh_offset; sh_size clipped to the
 * file). ClamAV drops every ELF offset when there are none, more than 256, or
 * the table is malformed, so this reports whether it was usable. */
static bool elf_read_sections(const struct reader *r, const struct elf_layout *e,
                              struct fmt_section *out, uint32_t *count)
{
    if (e->shnum == 0 || e->shnum > ELF_MAX_SHNUM ||
        !elf_table_ok(r, e->shoff, e->shnum, e->shentsize, e->wide ? 64u : 40u))
        return false;
    uint32_t n = e->shnum < FMT_MAX_SECTIONS ? e->shnum : FMT_MAX_SECTIONS;
    /* 64-bit: sh_name, sh_type (4 + 4), sh_flags (8), sh_addr, sh_offset, sh_size
     * 32-bit: sh_name, sh_type (4 + 4), sh_flags (4), sh_addr, sh_offset, sh_size */
    uint64_t f_addr = e->wide ? 16u : 12u, step = e->wide ? 8u : 4u;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t at = e->shoff + (uint64_t)i * e->shentsize;
        uint64_t addr, off, size;
        if (!read_addr(r, at + f_addr, e->wide, &addr) || !read_addr(r, at + f_addr + step, e->wide, &off) ||
            !read_addr(r, at + f_addr + 2u * step, e->wide, &size))
            return false;
        out[i].raw_offset = off;
        out[i].raw_size = off < r->len ? (size < r->len - off ? size : r->len - off) : 0;
        out[i].virtual_address = addr;
        out[i].virtual_size = size;
    }
    *count = n;
    return true;
}

/* ClamAV types any file starting with "\177ELF" as ELF, but resolves EP/Sx/SL
 * only when the class is valid and both the program and section header tables
 * pass the checks above. The data encoding byte is not validated: anything
 * but ELFDATA2LSB is read as big-endian. */
static void identify_elf(const uint8_t *data, size_t len, struct fmt_info *info)
{
    info->kind = FMT_ELF;
    uint8_t cls = data[4];
    if (cls != ELF_CLASS_32 && cls != ELF_CLASS_64)
        return;

    struct reader r = { data, len, data[5] != ELF_DATA_LE };
    struct elf_layout e = { .wide = cls == ELF_CLASS_64 };
    struct fmt_section sections[FMT_MAX_SECTIONS];
    uint32_t nsections = 0;
    uint64_t ep;
    if (!elf_read_header(&r, &e) || !elf_map_entry(&r, &e, &ep) ||
        !elf_read_sections(&r, &e, sections, &nsections))
        return;
    info->has_ep = true;
    info->ep_offset = ep;
    info->nsections = nsections;
    memcpy(info->sections, sections, nsections * sizeof(sections[0]));
}

static bool is_elf(const uint8_t *data, size_t len)
{
    return len >= 6 && memcmp(data, "\177ELF", 4) == 0;
}

/* ------------------------------------------------------------------------ */
/* Mach-O                                                                    */
/* ------------------------------------------------------------------------ */

#define MACHO_FAT_MAX_ARCHS 32u

/* Thin Mach-O in either byte order and width, or a universal ("fat") binary.
 * 0xcafebabe also starts Java class files; like ClamAV we read the next
 * big-endian word as the fat arch count and call it Mach-O only when it is
 * below 32 (a class file's version puts it at 45 or more). */
static bool is_macho(const uint8_t *data, size_t len)
{
    struct reader r = { data, len, true };
    uint32_t magic, narch;
    if (!read_u32(&r, 0, &magic))
        return false;
    switch (magic) {
    case 0xfeedfaceu: case 0xcefaedfeu: /* 32-bit, big / little endian */
    case 0xfeedfacfu: case 0xcffaedfeu: /* 64-bit */
        return true;
    case 0xcafebabeu:
        return read_u32(&r, 4, &narch) && narch < MACHO_FAT_MAX_ARCHS;
    default:
        return false;
    }
}

/* ------------------------------------------------------------------------ */
/* Text (ClamAV target type 7)                                               */
/* ------------------------------------------------------------------------ */

#define TEXT_SNIFF_LEN 1024u
#define TEXT_MIN_LEN 6u

/* Bytes ClamAV accepts in plain text: printable ASCII, BEL, BS, TAB, LF, FF,
 * CR, ESC and every byte >= 0x80. VT (0x0b) and DEL (0x7f) are not text. */
static bool is_text_byte(uint8_t c)
{
    if (c >= 0x80)
        return true;
    if (c >= 0x20)
        return c != 0x7f;
    return (c >= 0x07 && c <= 0x0a) || c == 0x0c || c == 0x0d || c == 0x1b;
}

static bool all_text_bytes(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_text_byte(p[i]))
            return false;
    return true;
}

/* ClamAV's UTF-16 guess is loose: with a byte-order mark it is UTF-16
 * regardless; without one, the sniffed bytes are read as big-endian 16-bit
 * units (skipping the first, a BOM's slot) and only two kinds of unit veto
 * it: one below 0x80 that is not a text byte, and the reversed BOM 0xfffe.
 * Random binary data under ~500 bytes often passes. */
static bool looks_utf16(const uint8_t *p, size_t n)
{
    if (n >= 2 && ((p[0] == 0xff && p[1] == 0xfe) || (p[0] == 0xfe && p[1] == 0xff)))
        return true;
    for (size_t i = 2; i + 1 < n; i += 2) {
        bool ascii_control = p[i] == 0 && !is_text_byte(p[i + 1]);
        bool reversed_bom = p[i] == 0xff && p[i + 1] == 0xfe;
        if (ascii_control || reversed_bom)
            return false;
    }
    return true;
}

/* What clamscan 1.4.6 applies target-type-7 signatures to, as observed: files
 * it types as ASCII/UTF-8/UTF-16 text. The rule approximated here:
 *   1. the file is at least 6 bytes long (clamscan types nothing smaller);
 *   2. only its first 1024 bytes are looked at;
 *   3. it is text if every one of those bytes is a text byte (is_text_byte),
 *      or if they pass the UTF-16 test (looks_utf16).
 * Not modelled: ClamAV's other magic (HTML, mail, RTF, PDF, uuencode, ...)
 * turns some such files into other types, which type 7 then skips. */
static bool is_text(const uint8_t *data, size_t len)
{
    if (len < TEXT_MIN_LEN)
        return false;
    size_t n = len < TEXT_SNIFF_LEN ? len : TEXT_SNIFF_LEN;
    return all_text_bytes(data, n) || looks_utf16(data, n);
}

/* ------------------------------------------------------------------------ */

void fmt_identify(const uint8_t *data, size_t len, struct fmt_info *info)
{
    if (info == NULL)
        return;
    memset(info, 0, sizeof(*info));
    info->kind = FMT_OTHER;
    if (data == NULL)
        return;

    struct reader le = { data, len, false };
    if (len >= 2 && data[0] == 'M' && data[1] == 'Z')
        identify_pe(&le, info);
    else if (is_elf(data, len))
        identify_elf(data, len, info);
    else if (is_macho(data, len))
        info->kind = FMT_MACHO;
    else if (is_text(data, len))
        info->kind = FMT_TEXT;
}
