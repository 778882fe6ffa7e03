/* test_filetype.c — fmt_identify on PE, ELF, Mach-O and text buffers built in
 * memory, including the ClamAV quirks filetype.c reproduces (alignment,
 * fallback FileAlignment, EP rules) and malformed headers of every kind.
 *
 *   gcc -std=c17 -Wall -Wextra -Werror -g -fsanitize=address,undefined \
 *       -Iinclude -Ilib lib/format/filetype.c tests/unit/test_filetype.c \
 *       -lcmocka -o test_filetype */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "format/filetype.h"

#define IMAGE_MAX (64 * 1024)

static uint8_t image[IMAGE_MAX];
static struct fmt_info info;

static void put16(uint8_t *p, bool be, uint16_t v)
{
    p[be ? 1 : 0] = (uint8_t)v;
    p[be ? 0 : 1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, bool be, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        p[be ? 3 - i : i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, bool be, uint64_t v)
{
    for (unsigned i = 0; i < 8; i++)
        p[be ? 7 - i : i] = (uint8_t)(v >> (8 * i));
}

/* Filler that is neither text nor zero, so nothing but the headers decides. */
static void fill(size_t len)
{
    for (size_t i = 0; i < len; i++)
        image[i] = (uint8_t)(0x80 | (i * 37u));
}

/* ------------------------------------------------------------------------ */
/* PE builder                                                                */
/* ------------------------------------------------------------------------ */

struct pe_sec {
    uint32_t vsize, va, rsize, raw;
};

struct pe_spec {
    bool plus;                /* PE32+ */
    uint32_t lfanew;          /* default 0x80 */
    uint32_t ep;
    uint32_t falign, salign;  /* default 0x200 / 0x1000 */
    uint32_t hdrsize;         /* default 0x400 */
    uint16_t opt_size;        /* default 0xe0 / 0xf0 */
    uint32_t nsec_field;      /* NumberOfSections (low 16 bits) if non-zero, else nsecs */
    size_t nsecs;
    const struct pe_sec *secs;
    size_t len;               /* total image size */
};

static size_t build_pe(const struct pe_spec *s)
{
    size_t len = s->len;
    fill(len);
    uint32_t lfanew = s->lfanew ? s->lfanew : 0x80;
    uint16_t opt_size = s->opt_size ? s->opt_size : (s->plus ? 0xf0 : 0xe0);
    memset(image, 0, lfanew);
    image[0] = 'M';
    image[1] = 'Z';
    put32(image + 0x3c, false, lfanew);

    uint8_t *pe = image + lfanew;
    memcpy(pe, "PE\0\0", 4);
    put16(pe + 4, false, 0x14c);
    put16(pe + 6, false, (uint16_t)(s->nsec_field ? s->nsec_field : s->nsecs));
    memset(pe + 8, 0, 12);
    put16(pe + 20, false, opt_size);
    put16(pe + 22, false, 0x0102);

    uint8_t *opt = pe + 24;
    memset(opt, 0, opt_size);
    put16(opt, false, s->plus ? 0x20b : 0x10b);
    put32(opt + 16, false, s->ep);
    put32(opt + 32, false, s->salign ? s->salign : 0x1000);
    put32(opt + 36, false, s->falign ? s->falign : 0x200);
    put32(opt + 60, false, s->hdrsize ? s->hdrsize : 0x400);
    put32(opt + (s->plus ? 108 : 92), false, 16); /* NumberOfRvaAndSizes */

    uint8_t *table = opt + opt_size;
    for (size_t i = 0; i < s->nsecs; i++) {
        uint8_t *h = table + 40 * i;
        memset(h, 0, 40);
        memcpy(h, ".sect", 5);
        put32(h + 8, false, s->secs[i].vsize);
        put32(h + 12, false, s->secs[i].va);
        put32(h + 16, false, s->secs[i].rsize);
        put32(h + 20, false, s->secs[i].raw);
    }
    return len;
}

static const struct pe_sec two_sections[] = {
    {0x1000, 0x1000, 0x200, 0x400},
    {0x800, 0x2000, 0x400, 0x600},
};

static void identify(size_t len)
{
    fmt_identify(image, len, &info);
}

/* ---- PE: well-formed ---------------------------------------------------- */

static void pe32_entry_in_section(void **state)
{
    (void)state;
    struct pe_spec s = {.ep = 0x1010, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    identify(build_pe(&s));
    assert_int_equal(info.kind, FMT_PE);
    assert_true(info.has_ep);
    assert_int_equal(info.ep_offset, 0x410);
    assert_int_equal(info.nsections, 2);
    assert_int_equal(info.sections[0].raw_offset, 0x400);
    assert_int_equal(info.sections[0].raw_size, 0x200);
    assert_int_equal(info.sections[0].virtual_address, 0x1000);
    assert_int_equal(info.sections[0].virtual_size, 0x1000);
    assert_int_equal(info.sections[1].raw_offset, 0x600);
    assert_int_equal(info.sections[1].raw_size, 0x400);
    assert_int_equal(info.sections[1].virtual_size, 0x1000); /* 0x800 rounded to SectionAlignment */
}

static void pe32plus_entry_in_second_section(void **state)
{
    (void)state;
    struct pe_spec s = {.plus = true, .ep = 0x2123, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    identify(build_pe(&s));
    assert_int_equal(info.kind, FMT_PE);
    assert_true(info.has_ep);
    assert_int_equal(info.ep_offset, 0x723);
    assert_int_equal(info.nsections, 2);
}

static void pe_entry_in_headers_is_its_own_offset(void **state)
{
    (void)state;
    /* SizeOfHeaders 0x400 rounds up to SectionAlignment 0x1000, so 0x800 is
     * still "in the headers" and maps to itself. */
    struct pe_spec s = {.ep = 0x800, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    identify(build_pe(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.ep_offset, 0x800);
}

static void pe_file_alignment_rounds_raw_fields(void **state)
{
    (void)state;
    static const struct pe_sec secs[] = {{0x1000, 0x1000, 0x1f1, 0x401}};
    struct pe_spec s = {.ep = 0x1010, .nsecs = 1, .secs = secs, .len = 0xa00};
    identify(build_pe(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.sections[0].raw_offset, 0x400); /* rounded down */
    assert_int_equal(info.sections[0].raw_size, 0x200);   /* rounded up */
    assert_int_equal(info.ep_offset, 0x410);
}

static void pe_non_power_of_two_alignment_divides(void **state)
{
    (void)state;
    static const struct pe_sec secs[] = {{0x1000, 0x1000, 0x1f1, 0x401}};
    struct pe_spec s = {.ep = 0x1010, .falign = 0x300, .nsecs = 1, .secs = secs, .len = 0xa00};
    identify(build_pe(&s));
    assert_int_equal(info.sections[0].raw_offset, 0x300);
    assert_int_equal(info.sections[0].raw_size, 0x300);
    assert_int_equal(info.ep_offset, 0x310);
}

static void pe_file_alignment_of_one_leaves_fields(void **state)
{
    (void)state;
    static const struct pe_sec secs[] = {{0x1000, 0x1000, 0x1f1, 0x401}};
    struct pe_spec s = {.ep = 0x1010, .falign = 1, .nsecs = 1, .secs = secs, .len = 0xa00};
    identify(build_pe(&s));
    assert_int_equal(info.sections[0].raw_offset, 0x401);
    assert_int_equal(info.sections[0].raw_size, 0x1f1);
    assert_int_equal(info.ep_offset, 0x411);
}

static void pe_fallback_file_alignment(void **state)
{
    (void)state;
    /* A section on a 512-byte boundary that FileAlignment 0x1000 does not
     * divide makes ClamAV use 0x200 for every section. */
    static const struct pe_sec secs[] = {{0x1000, 0x1000, 0x1f1, 0x401}, {0x1000, 0x2000, 0x200, 0x600}};
    struct pe_spec s = {.ep = 0x1010, .falign = 0x1000, .nsecs = 2, .secs = secs, .len = 0xa00};
    identify(build_pe(&s));
    assert_int_equal(info.sections[0].raw_offset, 0x400);
    assert_int_equal(info.sections[0].raw_size, 0x200);
    assert_int_equal(info.sections[1].raw_offset, 0x600);

    /* Without such a section the large alignment is honoured. */
    static const struct pe_sec odd[] = {{0x1000, 0x1000, 0x1f1, 0x401}, {0x1000, 0x2000, 0x200, 0x603}};
    s.secs = odd;
    identify(build_pe(&s));
    assert_int_equal(info.sections[0].raw_offset, 0);
    assert_int_equal(info.sections[0].raw_size, 0xa00); /* 0x1000, clipped */
    assert_int_equal(info.ep_offset, 0x10);
}

static void pe_virtual_address_rounds_down(void **state)
{
    (void)state;
    static const struct pe_sec secs[] = {{0x123, 0x1010, 0x200, 0x400}};
    struct pe_spec s = {.ep = 0x1020, .salign = 0x200, .nsecs = 1, .secs = secs, .len = 0xa00};
    identify(build_pe(&s));
    assert_int_equal(info.sections[0].virtual_address, 0x1000);
    assert_int_equal(info.sections[0].virtual_size, 0x200);
    assert_int_equal(info.ep_offset, 0x420);
}

static void pe_overlapping_sections_last_wins(void **state)
{
    (void)state;
    static const struct pe_sec secs[] = {{0x2000, 0x1000, 0x400, 0x400}, {0x1000, 0x1000, 0x200, 0x800}};
    struct pe_spec s = {.ep = 0x1010, .nsecs = 2, .secs = secs, .len = 0xc00};
    identify(build_pe(&s));
    assert_int_equal(info.ep_offset, 0x810);
    uint64_t off = 0;
    assert_true(fmt_pe_rva_to_offset(&info, 0x1300, &off));
    assert_int_equal(off, 0x700); /* beyond the second section's raw data */
}

static void pe_rva_to_offset(void **state)
{
    (void)state;
    struct pe_spec s = {.ep = 0x1010, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    identify(build_pe(&s));
    uint64_t off = 0;
    assert_true(fmt_pe_rva_to_offset(&info, 0x1000, &off));
    assert_int_equal(off, 0x400);
    assert_true(fmt_pe_rva_to_offset(&info, 0x23ff, &off));
    assert_int_equal(off, 0x9ff);
    assert_false(fmt_pe_rva_to_offset(&info, 0x1200, &off)); /* virtual-only tail */
    assert_false(fmt_pe_rva_to_offset(&info, 0x10, &off));   /* headers: no section */
    assert_false(fmt_pe_rva_to_offset(&info, UINT64_MAX, &off));
    assert_false(fmt_pe_rva_to_offset(NULL, 0x1000, &off));
}

static void pe_more_sections_than_kept(void **state)
{
    (void)state;
    enum { N = FMT_MAX_SECTIONS + 44, EP_IN = FMT_MAX_SECTIONS + 24 };
    static struct pe_sec secs[N];
    for (size_t i = 0; i < N; i++)
        secs[i] = (struct pe_sec){0x1000, (uint32_t)(0x1000 * (i + 1)), 0x10, (uint32_t)(0x4000 + 0x10 * i)};
    /* EP in a section past the cap: mapped although only FMT_MAX_SECTIONS are kept. */
    struct pe_spec s = {.lfanew = 0x40, .ep = 0x1000 * (EP_IN + 1) + 4, .falign = 0x10, .hdrsize = 0x4000,
                        .nsecs = N, .secs = secs, .len = 0x4000 + 0x10 * N};
    identify(build_pe(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.ep_offset, 0x4000 + 0x10 * EP_IN + 4);
    assert_int_equal(info.nsections, FMT_MAX_SECTIONS);
    assert_int_equal(info.sections[FMT_MAX_SECTIONS - 1].raw_offset, 0x4000 + 0x10 * (FMT_MAX_SECTIONS - 1));
}

/* Overwrite NumberOfRvaAndSizes in an image build_pe made from `s`. */
static void set_data_dir_count(const struct pe_spec *s, uint32_t n)
{
    uint32_t lfanew = s->lfanew ? s->lfanew : 0x80;
    put32(image + lfanew + 24 + (s->plus ? 108 : 92), false, n);
}

static void pe_optional_header_size_follows_data_directories(void **state)
{
    (void)state;
    /* SizeOfOptionalHeader must cover 0x60 (PE32) or 0x70 (PE32+) bytes plus
     * 8 per data directory, counting at most 16. */
    struct pe_spec s = {.ep = 0x1010, .opt_size = 0x68, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    size_t len = build_pe(&s);
    set_data_dir_count(&s, 1);
    identify(len);
    assert_true(info.has_ep);
    set_data_dir_count(&s, 2);
    identify(len);
    assert_false(info.has_ep);

    s.opt_size = 0xdf;
    len = build_pe(&s);
    set_data_dir_count(&s, 0xffffffffu);
    identify(len);
    assert_false(info.has_ep);
    s.opt_size = 0xe0;
    len = build_pe(&s);
    set_data_dir_count(&s, 0xffffffffu);
    identify(len);
    assert_true(info.has_ep);

    s.plus = true;
    s.opt_size = 0xe0; /* PE32+ needs 0xf0 with 16 directories */
    identify(build_pe(&s));
    assert_false(info.has_ep);
    s.opt_size = 0x70;
    len = build_pe(&s);
    set_data_dir_count(&s, 0);
    identify(len);
    assert_true(info.has_ep);
}

/* ---- PE: malformed ------------------------------------------------------ */

static void assert_pe_without_offsets(void)
{
    assert_int_equal(info.kind, FMT_PE);
    assert_false(info.has_ep);
    assert_int_equal(info.nsections, 0);
}

static void pe_bare_mz_is_pe_without_offsets(void **state)
{
    (void)state;
    memcpy(image, "MZ", 2);
    identify(2);
    assert_pe_without_offsets();
}

static void pe_truncated_headers(void **state)
{
    (void)state;
    struct pe_spec s = {.ep = 0x1010, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    size_t len = build_pe(&s);
    static const size_t cuts[] = {0x3f, 0x40, 0x83, 0x90, 0x98, 0x100, 0x178 + 40, 0x178 + 79};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        identify(cuts[i]);
        assert_pe_without_offsets();
    }
    identify(len);
    assert_true(info.has_ep);
}

static void pe_lfanew_out_of_range(void **state)
{
    (void)state;
    struct pe_spec s = {.ep = 0x1010, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    size_t len = build_pe(&s);
    static const uint32_t bad[] = {0, 0x9ff, 0xa00, 0xfffffff0u, 0xffffffffu};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        put32(image + 0x3c, false, bad[i]);
        identify(len);
        assert_pe_without_offsets();
    }
}

static void pe_huge_number_of_sections(void **state)
{
    (void)state;
    struct pe_spec s = {.ep = 0x1010, .nsec_field = 0xffff, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    identify(build_pe(&s));
    assert_pe_without_offsets();
    s.nsec_field = 0x10000; /* NumberOfSections 0 */
    identify(build_pe(&s));
    assert_pe_without_offsets();
}

static void pe_section_raw_data_past_eof(void **state)
{
    (void)state;
    /* Raw data starting past the end: the section keeps its number but holds
     * nothing, so an EP in it cannot be mapped (and then nothing resolves). */
    static const struct pe_sec secs[] = {{0x1000, 0x1000, 0x200, 0x400}, {0x1000, 0x2000, 0x200, 0x2000},
                                         {0x1000, 0x3000, 0x200, 0x600}};
    struct pe_spec s = {.ep = 0x1010, .nsecs = 3, .secs = secs, .len = 0x800};
    identify(build_pe(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.nsections, 3);
    assert_int_equal(info.sections[1].raw_offset, 0x2000);
    assert_int_equal(info.sections[1].raw_size, 0);
    assert_int_equal(info.sections[2].raw_offset, 0x600);

    s.ep = 0x2010;
    identify(build_pe(&s));
    assert_pe_without_offsets();
}

static void pe_raw_size_clipped_to_file(void **state)
{
    (void)state;
    static const struct pe_sec secs[] = {{0x1000, 0x1000, 0x200, 0x400}, {0x1000, 0x2000, 0x800, 0x600}};
    struct pe_spec s = {.ep = 0x22ff, .nsecs = 2, .secs = secs, .len = 0x900};
    identify(build_pe(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.sections[1].raw_size, 0x300);
    assert_int_equal(info.ep_offset, 0x8ff);
    s.ep = 0x2300; /* inside SizeOfRawData but past the end of the file */
    identify(build_pe(&s));
    assert_pe_without_offsets();
}

static void pe_entry_outside_raw_data(void **state)
{
    (void)state;
    struct pe_spec s = {.ep = 0x1200, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    identify(build_pe(&s)); /* inside VirtualSize, past SizeOfRawData */
    assert_pe_without_offsets();
    s.ep = 0xfff; /* "header" EP past the end of the file */
    identify(build_pe(&s));
    assert_pe_without_offsets();
    s.ep = 0xffffffffu;
    identify(build_pe(&s));
    assert_pe_without_offsets();
}

static void pe_sign_bit_values_reject(void **state)
{
    (void)state;
    static const struct pe_sec vsize[] = {{0x1000, 0x1000, 0x200, 0x400},
                                          {0x80000000u, 0x2000, 0x400, 0x600}};
    static const struct pe_sec vaddr[] = {{0x1000, 0x1000, 0x200, 0x400},
                                          {0x800, 0x80000000u, 0x400, 0x600}};
    struct pe_spec s = {.ep = 0x1010, .nsecs = 2, .secs = vsize, .len = 0xa00};
    identify(build_pe(&s));
    assert_pe_without_offsets();
    s.secs = vaddr;
    identify(build_pe(&s));
    assert_pe_without_offsets();
}

static void pe_raw_size_rounding_to_2_pow_32(void **state)
{
    (void)state;
    /* 0xfffffe01 rounds up to exactly 2^32: ClamAV gives up on the file. */
    static const struct pe_sec wraps[] = {{0x1000, 0x1000, 0x200, 0x400},
                                          {0x800, 0x2000, 0xfffffe01u, 0x600}};
    struct pe_spec s = {.ep = 0x1010, .nsecs = 2, .secs = wraps, .len = 0xa00};
    identify(build_pe(&s));
    assert_pe_without_offsets();
    /* 0xfffffe00 is already aligned: just clipped to the file. */
    static const struct pe_sec fits[] = {{0x1000, 0x1000, 0x200, 0x400}, {0x800, 0x2000, 0xfffffe00u, 0x600}};
    s.secs = fits;
    identify(build_pe(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.sections[1].raw_size, 0x400);
}

static void pe_headers_size_wraps(void **state)
{
    (void)state;
    /* SizeOfHeaders rounded up to SectionAlignment wraps to 0 in 32 bits, so
     * an EP at 0x100 is no longer "in the headers". */
    struct pe_spec s = {.ep = 0x100, .hdrsize = 0xfffff001u, .nsecs = 2, .secs = two_sections, .len = 0xa00};
    identify(build_pe(&s));
    assert_pe_without_offsets();
    s.ep = 0x1010;
    identify(build_pe(&s));
    assert_int_equal(info.ep_offset, 0x410);
}

/* ------------------------------------------------------------------------ */
/* ELF builder                                                               */
/* ------------------------------------------------------------------------ */

struct elf_ph {
    uint32_t type;
    uint64_t off, vaddr, filesz, memsz;
};

struct elf_sh {
    uint64_t addr, off, size;
};

struct elf_spec {
    bool wide, be;
    uint64_t entry;
    size_t nph;
    const struct elf_ph *ph;
    size_t nsh;
    const struct elf_sh *sh;
    int phentsize, shentsize;  /* 0: the right size */
    int phnum, shnum;          /* -1: nph / nsh */
    size_t len;
};

static size_t build_elf(const struct elf_spec *s)
{
    fill(s->len);
    bool be = s->be, w = s->wide;
    size_t ehsize = w ? 64 : 52, phes = w ? 56 : 32, shes = w ? 64 : 40;
    size_t phoff = ehsize, shoff = phoff + phes * s->nph;
    memset(image, 0, shoff + shes * s->nsh);
    memcpy(image, "\177ELF", 4);
    image[4] = w ? 2 : 1;
    image[5] = be ? 2 : 1;
    image[6] = 1;
    put16(image + 16, be, 2);
    put16(image + 18, be, w ? 62 : 3);
    put32(image + 20, be, 1);
    uint8_t *p = image + 24;
    if (w) {
        put64(p, be, s->entry);
        put64(p + 8, be, phoff);
        put64(p + 16, be, shoff);
        p += 24;
    } else {
        put32(p, be, (uint32_t)s->entry);
        put32(p + 4, be, (uint32_t)phoff);
        put32(p + 8, be, (uint32_t)shoff);
        p += 12;
    }
    put32(p, be, 0);
    put16(p + 4, be, (uint16_t)ehsize);
    put16(p + 6, be, (uint16_t)(s->phentsize ? (size_t)s->phentsize : phes));
    put16(p + 8, be, (uint16_t)(s->phnum >= 0 ? (size_t)s->phnum : s->nph));
    put16(p + 10, be, (uint16_t)(s->shentsize ? (size_t)s->shentsize : shes));
    put16(p + 12, be, (uint16_t)(s->shnum >= 0 ? (size_t)s->shnum : s->nsh));

    for (size_t i = 0; i < s->nph; i++) {
        uint8_t *h = image + phoff + phes * i;
        const struct elf_ph *ph = &s->ph[i];
        put32(h, be, ph->type);
        if (w) {
            put32(h + 4, be, 5);
            put64(h + 8, be, ph->off);
            put64(h + 16, be, ph->vaddr);
            put64(h + 24, be, ph->vaddr);
            put64(h + 32, be, ph->filesz);
            put64(h + 40, be, ph->memsz);
        } else {
            put32(h + 4, be, (uint32_t)ph->off);
            put32(h + 8, be, (uint32_t)ph->vaddr);
            put32(h + 12, be, (uint32_t)ph->vaddr);
            put32(h + 16, be, (uint32_t)ph->filesz);
            put32(h + 20, be, (uint32_t)ph->memsz);
        }
    }
    for (size_t i = 0; i < s->nsh; i++) {
        uint8_t *h = image + shoff + shes * i;
        const struct elf_sh *sh = &s->sh[i];
        put32(h + 4, be, 1);
        if (w) {
            put64(h + 16, be, sh->addr);
            put64(h + 24, be, sh->off);
            put64(h + 32, be, sh->size);
        } else {
            put32(h + 12, be, (uint32_t)sh->addr);
            put32(h + 16, be, (uint32_t)sh->off);
            put32(h + 20, be, (uint32_t)sh->size);
        }
    }
    return s->len;
}

static const struct elf_ph one_load[] = {{1, 0x300, 0x400000, 0x1000, 0x1000}};
static const struct elf_sh three_sections[] = {
    {0, 0, 0}, {0x400400, 0x400, 0x100}, {0x400800, 0x800, 0x2000}};

static struct elf_spec elf_spec(bool wide, bool be)
{
    return (struct elf_spec){.wide = wide, .be = be, .entry = 0x400410, .nph = 1, .ph = one_load,
                             .nsh = 3, .sh = three_sections, .phnum = -1, .shnum = -1, .len = 0x2000};
}

static void elf_all_classes_and_byte_orders(void **state)
{
    (void)state;
    for (int wide = 0; wide < 2; wide++)
        for (int be = 0; be < 2; be++) {
            struct elf_spec s = elf_spec(wide, be);
            identify(build_elf(&s));
            assert_int_equal(info.kind, FMT_ELF);
            assert_true(info.has_ep);
            assert_int_equal(info.ep_offset, 0x710);
            assert_int_equal(info.nsections, 3);
            assert_int_equal(info.sections[1].raw_offset, 0x400);
            assert_int_equal(info.sections[1].raw_size, 0x100);
            assert_int_equal(info.sections[1].virtual_address, 0x400400);
            assert_int_equal(info.sections[2].raw_size, 0x1800); /* clipped to the file */
            assert_int_equal(info.sections[2].virtual_size, 0x2000);
        }
}

static void elf_first_segment_of_any_type_wins(void **state)
{
    (void)state;
    static const struct elf_ph ph[] = {{4, 0x500, 0x400000, 0x1000, 0x1000},
                                       {1, 0x300, 0x400000, 0x1000, 0x1000}};
    struct elf_spec s = elf_spec(true, false);
    s.nph = 2;
    s.ph = ph;
    identify(build_elf(&s));
    assert_int_equal(info.ep_offset, 0x910); /* the PT_NOTE came first */
}

static void elf_memsz_bounds_the_segment(void **state)
{
    (void)state;
    static const struct elf_ph bss[] = {{1, 0x300, 0x400000, 0x100, 0x3000}};
    struct elf_spec s = elf_spec(true, false);
    s.ph = bss;
    s.entry = 0x402800; /* past filesz, inside memsz: offset past the end, kept */
    identify(build_elf(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.ep_offset, 0x2b00);
    s.entry = 0x403000; /* past memsz: unmappable, every offset dropped */
    identify(build_elf(&s));
    assert_int_equal(info.kind, FMT_ELF);
    assert_false(info.has_ep);
    assert_int_equal(info.nsections, 0);
}

static void elf_no_program_headers_or_zero_entry(void **state)
{
    (void)state;
    struct elf_spec s = elf_spec(false, true);
    s.nph = 0;
    identify(build_elf(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.ep_offset, 0);
    s = elf_spec(true, false);
    s.entry = 0;
    s.phentsize = 7; /* not even checked */
    identify(build_elf(&s));
    assert_true(info.has_ep);
    assert_int_equal(info.ep_offset, 0);
}

static void elf32_address_arithmetic_wraps(void **state)
{
    (void)state;
    static const struct elf_ph ph[] = {{1, 0xffffff00u, 0x400000, 0x1000, 0x1000}};
    struct elf_spec s = elf_spec(false, false);
    s.ph = ph;
    identify(build_elf(&s));
    assert_int_equal(info.ep_offset, 0x310);
    static const struct elf_ph end_wraps[] = {{1, 0x300, 0xfffff000u, 0x2000, 0x2000}};
    s.ph = end_wraps;
    s.entry = 0xfffff800u;
    identify(build_elf(&s));
    assert_false(info.has_ep);
}

static void elf_malformed_tables(void **state)
{
    (void)state;
    struct elf_spec s = elf_spec(true, false);
    s.shnum = 0;
    identify(build_elf(&s));
    assert_int_equal(info.kind, FMT_ELF);
    assert_false(info.has_ep);
    assert_int_equal(info.nsections, 0);

    s = elf_spec(true, false);
    s.phentsize = 64;
    identify(build_elf(&s));
    assert_false(info.has_ep);

    s = elf_spec(false, false);
    s.shentsize = 36;
    identify(build_elf(&s));
    assert_false(info.has_ep);

    s = elf_spec(true, true);
    s.phnum = 129;
    identify(build_elf(&s));
    assert_false(info.has_ep);

    s = elf_spec(true, false);
    s.shnum = 257;
    identify(build_elf(&s));
    assert_false(info.has_ep);

    s = elf_spec(true, false);
    size_t len = build_elf(&s);
    image[4] = 3; /* no such class */
    identify(len);
    assert_int_equal(info.kind, FMT_ELF);
    assert_false(info.has_ep);

    s = elf_spec(true, false);
    build_elf(&s);
    for (size_t cut = 4; cut < 64 + 56 + 3 * 64; cut += 5) {
        identify(cut);
        assert_int_equal(info.kind, cut >= 6 ? FMT_ELF : FMT_OTHER);
        assert_false(info.has_ep);
    }
}

static void elf_unknown_data_encoding_reads_big_endian(void **state)
{
    (void)state;
    struct elf_spec s = elf_spec(true, true);
    size_t len = build_elf(&s);
    image[5] = 0;
    identify(len);
    assert_true(info.has_ep);
    assert_int_equal(info.ep_offset, 0x710);
}

/* ------------------------------------------------------------------------ */
/* Mach-O and text                                                           */
/* ------------------------------------------------------------------------ */

static enum fmt_kind kind_of(const void *data, size_t len)
{
    fmt_identify(data, len, &info);
    return info.kind;
}

static void macho_magics(void **state)
{
    (void)state;
    static const uint8_t magics[][8] = {
        {0xfe, 0xed, 0xfa, 0xce, 0x80, 0x80, 0x80, 0x80}, {0xce, 0xfa, 0xed, 0xfe, 0x80, 0x80, 0x80, 0x80},
        {0xfe, 0xed, 0xfa, 0xcf, 0x80, 0x80, 0x80, 0x80}, {0xcf, 0xfa, 0xed, 0xfe, 0x80, 0x80, 0x80, 0x80},
        {0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x02}, {0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x1f},
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        assert_int_equal(kind_of(magics[i], 8), FMT_MACHO);
        assert_false(info.has_ep);
    }
    /* A Java class file: minor 0, major 52. */
    static const uint8_t java[] = {0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x34, 0x00, 0x00, 0x01};
    assert_int_not_equal(kind_of(java, sizeof java), FMT_MACHO);
    static const uint8_t fat32[] = {0xca, 0xfe, 0xba, 0xbe, 0x00, 0x00, 0x00, 0x20};
    assert_int_not_equal(kind_of(fat32, sizeof fat32), FMT_MACHO);
}

static void text_plain_ascii_and_latin1(void **state)
{
    (void)state;
    static const char ascii[] = "#!/bin/sh\necho Hello\tWorld\r\n\x1b[0m\f\a\b";
    assert_int_equal(kind_of(ascii, sizeof ascii - 1), FMT_TEXT);
    static const char latin1[] = "caf\xe9 cr\xe8me \x80\x9f\xff";
    assert_int_equal(kind_of(latin1, sizeof latin1 - 1), FMT_TEXT);
}

static void text_needs_six_bytes(void **state)
{
    (void)state;
    assert_int_equal(kind_of("hello", 5), FMT_OTHER);
    assert_int_equal(kind_of("hello!", 6), FMT_TEXT);
    assert_int_equal(kind_of("", 0), FMT_OTHER);
}

static void text_utf16_guess(void **state)
{
    (void)state;
    /* With a BOM anything goes. */
    static const uint8_t bom[] = {0xff, 0xfe, 'h', 0, 0, 0, 1, 0};
    assert_int_equal(kind_of(bom, sizeof bom), FMT_TEXT);
    /* Without one, a lone control byte is fine at an odd offset ... */
    static const uint8_t odd[] = {'a', 'b', 'c', 0x01, 'd', 'e', 'f', 'g'};
    assert_int_equal(kind_of(odd, sizeof odd), FMT_TEXT);
    /* ... but not as the unit 0x0001 at an even one ... */
    static const uint8_t unit[] = {'a', 'b', 0x00, 0x01, 'd', 'e', 'f', 'g'};
    assert_int_equal(kind_of(unit, sizeof unit), FMT_OTHER);
    /* ... unless it is the first unit (the BOM's slot) ... */
    static const uint8_t first[] = {0x00, 0x01, 'a', 'b', 'd', 'e', 'f', 'g'};
    assert_int_equal(kind_of(first, sizeof first), FMT_TEXT);
    /* ... and a reversed BOM unit vetoes it too. */
    static const uint8_t rbom[] = {0x01, 'a', 0xff, 0xfe, 'd', 'e', 'f', 'g'};
    assert_int_equal(kind_of(rbom, sizeof rbom), FMT_OTHER);
    static const uint8_t del[] = {'a', 'b', 0x00, 0x7f, 'd', 'e', 'f', 'g'};
    assert_int_equal(kind_of(del, sizeof del), FMT_OTHER);
    static const uint8_t latin_unit[] = {'a', 'b', 0x00, 0xbe, 'd', 0x0b, 'f', 'g'};
    assert_int_equal(kind_of(latin_unit, sizeof latin_unit), FMT_TEXT);
}

static void text_only_first_kilobyte_counts(void **state)
{
    (void)state;
    static uint8_t buf[2048];
    memset(buf, 'a', sizeof buf);
    buf[1024] = 0x00;
    buf[1025] = 0x00;
    assert_int_equal(kind_of(buf, sizeof buf), FMT_TEXT);
    buf[1022] = 0x00;
    buf[1023] = 0x00;
    assert_int_equal(kind_of(buf, sizeof buf), FMT_OTHER);
}

static void nothing_recognized(void **state)
{
    (void)state;
    static const uint8_t zeros[64];
    assert_int_equal(kind_of(zeros, sizeof zeros), FMT_OTHER);
    assert_int_equal(kind_of(NULL, 100), FMT_OTHER);
    fmt_identify(zeros, sizeof zeros, NULL); /* must not crash */
    static const uint8_t zm[] = {'Z', 'M', 0, 0, 0, 0, 0, 0, 0, 0};
    assert_int_equal(kind_of(zm, sizeof zm), FMT_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pe32_entry_in_section),
        cmocka_unit_test(pe32plus_entry_in_second_section),
        cmocka_unit_test(pe_entry_in_headers_is_its_own_offset),
        cmocka_unit_test(pe_file_alignment_rounds_raw_fields),
        cmocka_unit_test(pe_non_power_of_two_alignment_divides),
        cmocka_unit_test(pe_file_alignment_of_one_leaves_fields),
        cmocka_unit_test(pe_fallback_file_alignment),
        cmocka_unit_test(pe_virtual_address_rounds_down),
        cmocka_unit_test(pe_overlapping_sections_last_wins),
        cmocka_unit_test(pe_rva_to_offset),
        cmocka_unit_test(pe_more_sections_than_kept),
        cmocka_unit_test(pe_optional_header_size_follows_data_directories),
        cmocka_unit_test(pe_bare_mz_is_pe_without_offsets),
        cmocka_unit_test(pe_truncated_headers),
        cmocka_unit_test(pe_lfanew_out_of_range),
        cmocka_unit_test(pe_huge_number_of_sections),
        cmocka_unit_test(pe_section_raw_data_past_eof),
        cmocka_unit_test(pe_raw_size_clipped_to_file),
        cmocka_unit_test(pe_entry_outside_raw_data),
        cmocka_unit_test(pe_sign_bit_values_reject),
        cmocka_unit_test(pe_raw_size_rounding_to_2_pow_32),
        cmocka_unit_test(pe_headers_size_wraps),
        cmocka_unit_test(elf_all_classes_and_byte_orders),
        cmocka_unit_test(elf_first_segment_of_any_type_wins),
        cmocka_unit_test(elf_memsz_bounds_the_segment),
        cmocka_unit_test(elf_no_program_headers_or_zero_entry),
        cmocka_unit_test(elf32_address_arithmetic_wraps),
        cmocka_unit_test(elf_malformed_tables),
        cmocka_unit_test(elf_unknown_data_encoding_reads_big_endian),
        cmocka_unit_test(macho_magics),
        cmocka_unit_test(text_plain_ascii_and_latin1),
        cmocka_unit_test(text_needs_six_bytes),
        cmocka_unit_test(text_utf16_guess),
        cmocka_unit_test(text_only_first_kilobyte_counts),
        cmocka_unit_test(nothing_recognized),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
