/* mod_macho.c — YARA's `macho` module (YARA 4.5 semantics) over format/macho.h:
 * the schema, the load step and the functions file_index_for_arch() and
 * entry_point_for_arch().
 *
 * What YARA exposes, and when (checked against YARA's behaviour, see
 * docs/yara-modules.md):
 *   - the constants always; nothing else unless the first four bytes are a
 *     Mach-O or fat magic;
 *   - a thin file: the header fields (`reserved` for 64-bit images only),
 *     number_of_segments (every LC_SEGMENT/LC_SEGMENT_64 walked), segments[]
 *     with their sections[] (`reserved3` for 64-bit sections only),
 *     entry_point (a file offset) and stack_size; all undefined when the file
 *     is shorter than 32 bytes;
 *   - a fat file: fat_magic and nfat_arch (8-byte header), fat_arch[] when the
 *     whole entry table is in the file, and file[i] (the same members as a thin
 *     file, relative to the image) for each entry whose image lies in the file;
 *   - a value equal to YARA's undefined marker (0xfffabadafabadaff) is
 *     undefined, as it is in YARA. */
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/macho.h"
#include "module.h"

/* YARA's integer meaning "undefined": a value that equals it is undefined. */
#define YR_UNDEFINED_VALUE 0xfffabadafabadaffull

/* ---- functions ------------------------------------------------------------------ */

/* fat_arch[i] and file[i] as YARA's functions see them: nfat_arch entries,
 * each field possibly undefined. */
static bool fat_defined(const struct fmt_macho *m)
{
    return m && m->kind == FMT_MACHO_FAT && m->fat_header;
}

static const struct fmt_macho_fat_arch *fat_entry(const struct fmt_macho *m, size_t i)
{
    return m->archs_valid && i < m->narchs ? &m->archs[i] : NULL;
}

/* file[i]'s header, when that image was parsed. */
static const struct fmt_macho_image *fat_image(const struct fmt_macho *m, size_t i)
{
    const struct fmt_macho_fat_arch *a = fat_entry(m, i);
    return a && a->has_image && a->image.parsed ? &a->image : NULL;
}

static size_t fat_count(const struct fmt_macho *m)
{
    return m->nfat_arch < m->narchs ? m->nfat_arch : m->narchs;
}

static void ret_int(struct yobj_result *o, uint64_t v)
{
    if (v != YR_UNDEFINED_VALUE)
        yobj_ret_int(o, (int64_t)v);
}

/* file_index_for_arch(type [, subtype]): the first i whose file[i] has that
 * CPU type (and subtype). */
static void file_index(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o, bool subtype)
{
    const struct fmt_macho *m = c->module_state;
    o->type = YOBJ_INT;
    if (!fat_defined(m))
        return;
    for (size_t i = 0; i < fat_count(m); i++) {
        const struct fmt_macho_image *img = fat_image(m, i);
        if (img && (int64_t)img->cputype == a[0].i && (!subtype || (int64_t)img->cpusubtype == a[1].i)) {
            yobj_ret_int(o, (int64_t)i);
            return;
        }
    }
}

static void fn_file_index_type(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    file_index(c, a, o, false);
}

static void fn_file_index_subtype(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    file_index(c, a, o, true);
}

/* entry_point_for_arch(type [, subtype]): fat_arch[i].offset + file[i].entry_point
 * for the first entry of that CPU type (and subtype). With the subtype an
 * undefined entry point gives undefined; without it YARA adds its undefined
 * marker to the offset, and so do we. */
static void entry_point_for(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o, bool subtype)
{
    const struct fmt_macho *m = c->module_state;
    o->type = YOBJ_INT;
    if (!fat_defined(m))
        return;
    for (size_t i = 0; i < fat_count(m); i++) {
        const struct fmt_macho_fat_arch *e = fat_entry(m, i);
        if ((int64_t)e->cputype != a[0].i || (subtype && (int64_t)e->cpusubtype != a[1].i))
            continue;
        const struct fmt_macho_image *img = fat_image(m, i);
        bool has_ep = img && img->has_entry_point;
        if (!has_ep && subtype)
            return;
        ret_int(o, e->offset + (has_ep ? img->entry_point : YR_UNDEFINED_VALUE));
        return;
    }
}

static void fn_entry_point_type(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    entry_point_for(c, a, o, false);
}

static void fn_entry_point_subtype(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    entry_point_for(c, a, o, true);
}

/* ---- schema --------------------------------------------------------------------- */

#define X_CONSTANTS(X) \
    X(MH_MAGIC, 0xfeedface) X(MH_CIGAM, 0xcefaedfe) X(MH_MAGIC_64, 0xfeedfacf) X(MH_CIGAM_64, 0xcffaedfe) \
    X(FAT_MAGIC, 0xcafebabe) X(FAT_CIGAM, 0xbebafeca) X(FAT_MAGIC_64, 0xcafebabf) X(FAT_CIGAM_64, 0xbfbafeca) \
    X(CPU_ARCH_ABI64, 0x1000000) X(CPU_SUBTYPE_LIB64, 0x80000000) X(CPU_TYPE_MC680X0, 6) X(CPU_TYPE_X86, 7) \
    X(CPU_TYPE_I386, 7) X(CPU_TYPE_X86_64, 0x1000007) X(CPU_TYPE_MIPS, 8) X(CPU_TYPE_MC98000, 10) \
    X(CPU_TYPE_ARM, 12) X(CPU_TYPE_ARM64, 0x100000c) X(CPU_TYPE_MC88000, 13) X(CPU_TYPE_SPARC, 14) \
    X(CPU_TYPE_POWERPC, 18) X(CPU_TYPE_POWERPC64, 0x1000012) X(CPU_SUBTYPE_INTEL_MODEL_ALL, 0) \
    X(CPU_SUBTYPE_386, 3) X(CPU_SUBTYPE_I386_ALL, 3) X(CPU_SUBTYPE_X86_64_ALL, 3) X(CPU_SUBTYPE_486, 4) \
    X(CPU_SUBTYPE_486SX, 132) X(CPU_SUBTYPE_586, 5) X(CPU_SUBTYPE_PENT, 5) X(CPU_SUBTYPE_PENTPRO, 22) \
    X(CPU_SUBTYPE_PENTII_M3, 54) X(CPU_SUBTYPE_PENTII_M5, 86) X(CPU_SUBTYPE_CELERON, 103) \
    X(CPU_SUBTYPE_CELERON_MOBILE, 119) X(CPU_SUBTYPE_PENTIUM_3, 8) X(CPU_SUBTYPE_PENTIUM_3_M, 24) \
    X(CPU_SUBTYPE_PENTIUM_3_XEON, 40) X(CPU_SUBTYPE_PENTIUM_M, 9) X(CPU_SUBTYPE_PENTIUM_4, 10) \
    X(CPU_SUBTYPE_PENTIUM_4_M, 26) X(CPU_SUBTYPE_ITANIUM, 11) X(CPU_SUBTYPE_ITANIUM_2, 27) \
    X(CPU_SUBTYPE_XEON, 12) X(CPU_SUBTYPE_XEON_MP, 28) X(CPU_SUBTYPE_ARM_ALL, 0) X(CPU_SUBTYPE_ARM_V4T, 5) \
    X(CPU_SUBTYPE_ARM_V6, 6) X(CPU_SUBTYPE_ARM_V5, 7) X(CPU_SUBTYPE_ARM_V5TEJ, 7) X(CPU_SUBTYPE_ARM_XSCALE, 8) \
    X(CPU_SUBTYPE_ARM_V7, 9) X(CPU_SUBTYPE_ARM_V7F, 10) X(CPU_SUBTYPE_ARM_V7S, 11) X(CPU_SUBTYPE_ARM_V7K, 12) \
    X(CPU_SUBTYPE_ARM_V6M, 14) X(CPU_SUBTYPE_ARM_V7M, 15) X(CPU_SUBTYPE_ARM_V7EM, 16) \
    X(CPU_SUBTYPE_ARM64_ALL, 0) X(CPU_SUBTYPE_SPARC_ALL, 0) X(CPU_SUBTYPE_POWERPC_ALL, 0) \
    X(CPU_SUBTYPE_MC980000_ALL, 0) X(CPU_SUBTYPE_POWERPC_601, 1) X(CPU_SUBTYPE_MC98601, 1) \
    X(CPU_SUBTYPE_POWERPC_602, 2) X(CPU_SUBTYPE_POWERPC_603, 3) X(CPU_SUBTYPE_POWERPC_603e, 4) \
    X(CPU_SUBTYPE_POWERPC_603ev, 5) X(CPU_SUBTYPE_POWERPC_604, 6) X(CPU_SUBTYPE_POWERPC_604e, 7) \
    X(CPU_SUBTYPE_POWERPC_620, 8) X(CPU_SUBTYPE_POWERPC_750, 9) X(CPU_SUBTYPE_POWERPC_7400, 10) \
    X(CPU_SUBTYPE_POWERPC_7450, 11) X(CPU_SUBTYPE_POWERPC_970, 100) X(MH_OBJECT, 1) X(MH_EXECUTE, 2) \
    X(MH_FVMLIB, 3) X(MH_CORE, 4) X(MH_PRELOAD, 5) X(MH_DYLIB, 6) X(MH_DYLINKER, 7) X(MH_BUNDLE, 8) \
    X(MH_DYLIB_STUB, 9) X(MH_DSYM, 10) X(MH_KEXT_BUNDLE, 11) X(MH_NOUNDEFS, 1) X(MH_INCRLINK, 2) \
    X(MH_DYLDLINK, 4) X(MH_BINDATLOAD, 8) X(MH_PREBOUND, 16) X(MH_SPLIT_SEGS, 32) X(MH_LAZY_INIT, 64) \
    X(MH_TWOLEVEL, 128) X(MH_FORCE_FLAT, 0x100) X(MH_NOMULTIDEFS, 0x200) X(MH_NOFIXPREBINDING, 0x400) \
    X(MH_PREBINDABLE, 0x800) X(MH_ALLMODSBOUND, 0x1000) X(MH_SUBSECTIONS_VIA_SYMBOLS, 0x2000) \
    X(MH_CANONICAL, 0x4000) X(MH_WEAK_DEFINES, 0x8000) X(MH_BINDS_TO_WEAK, 0x10000) \
    X(MH_ALLOW_STACK_EXECUTION, 0x20000) X(MH_ROOT_SAFE, 0x40000) X(MH_SETUID_SAFE, 0x80000) \
    X(MH_NO_REEXPORTED_DYLIBS, 0x100000) X(MH_PIE, 0x200000) X(MH_DEAD_STRIPPABLE_DYLIB, 0x400000) \
    X(MH_HAS_TLV_DESCRIPTORS, 0x800000) X(MH_NO_HEAP_EXECUTION, 0x1000000) X(MH_APP_EXTENSION_SAFE, 0x2000000) \
    X(SG_HIGHVM, 1) X(SG_FVMLIB, 2) X(SG_NORELOC, 4) X(SG_PROTECTED_VERSION_1, 8) X(SECTION_TYPE, 255) \
    X(SECTION_ATTRIBUTES, 0xffffff00) X(S_REGULAR, 0) X(S_ZEROFILL, 1) X(S_CSTRING_LITERALS, 2) \
    X(S_4BYTE_LITERALS, 3) X(S_8BYTE_LITERALS, 4) X(S_LITERAL_POINTERS, 5) X(S_NON_LAZY_SYMBOL_POINTERS, 6) \
    X(S_LAZY_SYMBOL_POINTERS, 7) X(S_SYMBOL_STUBS, 8) X(S_MOD_INIT_FUNC_POINTERS, 9) \
    X(S_MOD_TERM_FUNC_POINTERS, 10) X(S_COALESCED, 11) X(S_GB_ZEROFILL, 12) X(S_INTERPOSING, 13) \
    X(S_16BYTE_LITERALS, 14) X(S_DTRACE_DOF, 15) X(S_LAZY_DYLIB_SYMBOL_POINTERS, 16) \
    X(S_THREAD_LOCAL_REGULAR, 17) X(S_THREAD_LOCAL_ZEROFILL, 18) X(S_THREAD_LOCAL_VARIABLES, 19) \
    X(S_THREAD_LOCAL_VARIABLE_POINTERS, 20) X(S_THREAD_LOCAL_INIT_FUNCTION_POINTERS, 21) \
    X(S_ATTR_PURE_INSTRUCTIONS, 0x80000000) X(S_ATTR_NO_TOC, 0x40000000) X(S_ATTR_STRIP_STATIC_SYMS, 0x20000000) \
    X(S_ATTR_NO_DEAD_STRIP, 0x10000000) X(S_ATTR_LIVE_SUPPORT, 0x8000000) \
    X(S_ATTR_SELF_MODIFYING_CODE, 0x4000000) X(S_ATTR_DEBUG, 0x2000000) X(S_ATTR_SOME_INSTRUCTIONS, 0x400) \
    X(S_ATTR_EXT_RELOC, 0x200) X(S_ATTR_LOC_RELOC, 0x100)

#define INT(n) {.name = n, .type = YOBJ_INT}
#define STR(n) {.name = n, .type = YOBJ_STRING}
#define ARRAY(n, el) {.name = n, .type = YOBJ_ARRAY, .element = &el}
#define FUNC(n, o) {.name = n, .type = YOBJ_FUNC, .overloads = o}

/* Element members, in declaration order (values are filled by index). */
enum {
    SEC_SECTNAME, SEC_SEGNAME, SEC_ADDR, SEC_SIZE, SEC_OFFSET, SEC_ALIGN, SEC_RELOFF, SEC_NRELOC, SEC_FLAGS,
    SEC_RESERVED1, SEC_RESERVED2, SEC_RESERVED3
};
static const struct yobj_decl section_members[] = {
    STR("sectname"), STR("segname"), INT("addr"),   INT("size"),      INT("offset"),    INT("align"),
    INT("reloff"),   INT("nreloc"),  INT("flags"), INT("reserved1"), INT("reserved2"), INT("reserved3"), {0},
};
static const struct yobj_decl section_decl = {.name = "sections", .type = YOBJ_STRUCT, .members = section_members};

enum {
    SEG_SEGNAME, SEG_VMADDR, SEG_VMSIZE, SEG_FILEOFF, SEG_FSIZE, SEG_MAXPROT, SEG_INITPROT, SEG_NSECTS, SEG_FLAGS,
    SEG_SECTIONS
};
static const struct yobj_decl segment_members[] = {
    STR("segname"), INT("vmaddr"), INT("vmsize"), INT("fileoff"), INT("fsize"), INT("maxprot"),
    INT("initprot"), INT("nsects"), INT("flags"), ARRAY("sections", section_decl), {0},
};
static const struct yobj_decl segment_decl = {.name = "segments", .type = YOBJ_STRUCT, .members = segment_members};

enum { FAT_CPUTYPE, FAT_CPUSUBTYPE, FAT_OFFSET, FAT_SIZE, FAT_ALIGN };
static const struct yobj_decl fat_arch_members[] = {
    INT("cputype"), INT("cpusubtype"), INT("offset"), INT("size"), INT("align"), {0},
};
static const struct yobj_decl fat_arch_decl = {.name = "fat_arch", .type = YOBJ_STRUCT, .members = fat_arch_members};

/* The members of one image: the root starts with them and file[i] is made of
 * them, so one filler serves both. */
enum {
    IMG_MAGIC, IMG_CPUTYPE, IMG_CPUSUBTYPE, IMG_FILETYPE, IMG_NCMDS, IMG_SIZEOFCMDS, IMG_FLAGS, IMG_RESERVED,
    IMG_NUMBER_OF_SEGMENTS, IMG_SEGMENTS, IMG_ENTRY_POINT, IMG_STACK_SIZE, IMG_MEMBERS
};
#define IMAGE_MEMBERS                                                                                        \
    INT("magic"), INT("cputype"), INT("cpusubtype"), INT("filetype"), INT("ncmds"), INT("sizeofcmds"),        \
        INT("flags"), INT("reserved"), INT("number_of_segments"), ARRAY("segments", segment_decl),            \
        INT("entry_point"), INT("stack_size")

static const struct yobj_decl file_members[] = {IMAGE_MEMBERS, {0}};
static const struct yobj_decl file_decl = {.name = "file", .type = YOBJ_STRUCT, .members = file_members};

static const struct yobj_overload o_file_index_for_arch[] = {
    {"i", YOBJ_INT, fn_file_index_type}, {"ii", YOBJ_INT, fn_file_index_subtype}, {0}};
static const struct yobj_overload o_entry_point_for_arch[] = {
    {"i", YOBJ_INT, fn_entry_point_type}, {"ii", YOBJ_INT, fn_entry_point_subtype}, {0}};

/* Root members: the image's, the fat header's, the functions, then the constants. */
enum { R_FAT_MAGIC = IMG_MEMBERS, R_NFAT_ARCH, R_FAT_ARCH, R_FILE, R_FILE_INDEX, R_ENTRY_POINT_FOR, R_FIRST_CONSTANT };

#define DECL_CONSTANT(n, v) INT(#n),
static const struct yobj_decl macho_members[] = {
    IMAGE_MEMBERS, INT("fat_magic"), INT("nfat_arch"), ARRAY("fat_arch", fat_arch_decl), ARRAY("file", file_decl),
    FUNC("file_index_for_arch", o_file_index_for_arch), FUNC("entry_point_for_arch", o_entry_point_for_arch),
    X_CONSTANTS(DECL_CONSTANT){0},
};

#define VALUE_CONSTANT(n, v) v,
static const int64_t constant_values[] = {X_CONSTANTS(VALUE_CONSTANT)};

static const struct yobj_decl macho_decl = {.name = "macho", .type = YOBJ_STRUCT, .members = macho_members};

/* ---- load ----------------------------------------------------------------------- */

static void set_u(struct yobj *o, uint64_t v)
{
    if (v != YR_UNDEFINED_VALUE)
        yobj_set_int(o, (int64_t)v);
}

static int set_name(struct yobj_arena *a, struct yobj *o, const uint8_t *s, size_t n)
{
    return yobj_set_string(a, o, s, n) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

static int fill_section(struct yobj_arena *a, struct yobj *m, const struct fmt_macho_section *s)
{
    if (set_name(a, &m[SEC_SECTNAME], s->sectname, s->sectname_len) != ASSAY_OK ||
        set_name(a, &m[SEC_SEGNAME], s->segname, s->segname_len) != ASSAY_OK)
        return ASSAY_ENOMEM;
    set_u(&m[SEC_ADDR], s->addr);
    set_u(&m[SEC_SIZE], s->size);
    set_u(&m[SEC_OFFSET], s->offset);
    set_u(&m[SEC_ALIGN], s->align);
    set_u(&m[SEC_RELOFF], s->reloff);
    set_u(&m[SEC_NRELOC], s->nreloc);
    set_u(&m[SEC_FLAGS], s->flags);
    set_u(&m[SEC_RESERVED1], s->reserved1);
    set_u(&m[SEC_RESERVED2], s->reserved2);
    if (s->is_64)
        set_u(&m[SEC_RESERVED3], s->reserved3);
    return ASSAY_OK;
}

static int fill_segment(struct yobj_arena *a, struct yobj *m, const struct fmt_macho_image *img,
                        const struct fmt_macho_segment *s)
{
    if (set_name(a, &m[SEG_SEGNAME], s->segname, s->segname_len) != ASSAY_OK)
        return ASSAY_ENOMEM;
    set_u(&m[SEG_VMADDR], s->vmaddr);
    set_u(&m[SEG_VMSIZE], s->vmsize);
    set_u(&m[SEG_FILEOFF], s->fileoff);
    set_u(&m[SEG_FSIZE], s->filesize);
    set_u(&m[SEG_MAXPROT], s->maxprot);
    set_u(&m[SEG_INITPROT], s->initprot);
    set_u(&m[SEG_NSECTS], s->nsects);
    set_u(&m[SEG_FLAGS], s->flags);
    struct yobj *items = yobj_array_resize(a, &m[SEG_SECTIONS], s->nsections);
    if (!items && s->nsections)
        return ASSAY_ENOMEM;
    for (size_t j = 0; j < s->nsections; j++)
        if (fill_section(a, items[j].members, &img->sections[s->first_section + j]) != ASSAY_OK)
            return ASSAY_ENOMEM;
    return ASSAY_OK;
}

/* The image members of `m` (the root's first members, or file[i]'s). */
static int fill_image(struct yobj_arena *a, struct yobj *m, const struct fmt_macho_image *img)
{
    if (!img->parsed)
        return ASSAY_OK;
    set_u(&m[IMG_MAGIC], img->magic);
    set_u(&m[IMG_CPUTYPE], img->cputype);
    set_u(&m[IMG_CPUSUBTYPE], img->cpusubtype);
    set_u(&m[IMG_FILETYPE], img->filetype);
    set_u(&m[IMG_NCMDS], img->ncmds);
    set_u(&m[IMG_SIZEOFCMDS], img->sizeofcmds);
    set_u(&m[IMG_FLAGS], img->flags);
    if (img->is_64)
        set_u(&m[IMG_RESERVED], img->reserved);
    set_u(&m[IMG_NUMBER_OF_SEGMENTS], img->segments_seen);
    struct yobj *items = yobj_array_resize(a, &m[IMG_SEGMENTS], img->nsegments);
    if (!items && img->nsegments)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < img->nsegments; i++)
        if (fill_segment(a, items[i].members, img, &img->segments[i]) != ASSAY_OK)
            return ASSAY_ENOMEM;
    if (img->has_entry_point)
        set_u(&m[IMG_ENTRY_POINT], img->entry_point);
    if (img->has_stack_size)
        set_u(&m[IMG_STACK_SIZE], img->stack_size);
    return ASSAY_OK;
}

/* fat_magic, nfat_arch, fat_arch[] and file[]: file[] is as long as the last
 * entry whose image lies in the file; entries before it whose image does not
 * stay all undefined. */
static int fill_fat(struct yobj_arena *a, struct yobj *r, const struct fmt_macho *m)
{
    if (!m->fat_header)
        return ASSAY_OK;
    set_u(&r[R_FAT_MAGIC], m->fat_magic);
    set_u(&r[R_NFAT_ARCH], m->nfat_arch);
    if (!m->archs_valid)
        return ASSAY_OK;
    struct yobj *arch = yobj_array_resize(a, &r[R_FAT_ARCH], m->narchs);
    if (!arch && m->narchs)
        return ASSAY_ENOMEM;
    size_t nfiles = 0;
    for (size_t i = 0; i < m->narchs; i++) {
        const struct fmt_macho_fat_arch *e = &m->archs[i];
        struct yobj *f = arch[i].members;
        set_u(&f[FAT_CPUTYPE], e->cputype);
        set_u(&f[FAT_CPUSUBTYPE], e->cpusubtype);
        set_u(&f[FAT_OFFSET], e->offset);
        set_u(&f[FAT_SIZE], e->size);
        set_u(&f[FAT_ALIGN], e->align);
        if (e->has_image)
            nfiles = i + 1;
    }
    struct yobj *files = yobj_array_resize(a, &r[R_FILE], nfiles);
    if (!files && nfiles)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < nfiles; i++)
        if (m->archs[i].has_image && fill_image(a, files[i].members, &m->archs[i].image) != ASSAY_OK)
            return ASSAY_ENOMEM;
    return ASSAY_OK;
}

static int macho_load(struct yobj_arena *a, struct yobj *root, const uint8_t *data, size_t len, void **state)
{
    for (size_t i = 0; i < sizeof constant_values / sizeof constant_values[0]; i++)
        yobj_set_int(&root->members[R_FIRST_CONSTANT + i], constant_values[i]);

    struct fmt_macho *m = calloc(1, sizeof *m);
    if (!m)
        return ASSAY_ENOMEM;
    int rc = fmt_macho_parse(data, len, m);
    if (rc != ASSAY_OK) {
        free(m);
        return rc == ASSAY_ENOMEM ? rc : ASSAY_OK; /* not Mach-O: only the constants */
    }
    rc = m->kind == FMT_MACHO_THIN ? fill_image(a, root->members, &m->thin) : fill_fat(a, root->members, m);
    if (rc != ASSAY_OK) {
        fmt_macho_free(m);
        free(m);
        return rc;
    }
    *state = m;
    return ASSAY_OK;
}

static void macho_unload(void *state)
{
    struct fmt_macho *m = state;
    if (m) {
        fmt_macho_free(m);
        free(m);
    }
}

const struct yara_module yara_module_macho = {"macho", &macho_decl, macho_load, macho_unload};
