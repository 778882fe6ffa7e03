/* mod_elf.c — YARA's `elf` module (YARA 4.5 semantics) over format/elf.h:
 * the schema, the load step and the functions telfhash() and import_md5(),
 * with the TLSH digest telfhash needs (see mod_elf.h).
 *
 * What YARA exposes, and when (checked against YARA's behaviour):
 *   - nothing but the constants unless the object is ELF with a file header
 *     and at least one byte after it;
 *   - type, machine, the header-table fields, number_of_sections/segments as
 *     stored;
 *   - entry_point: e_entry as a file offset (fmt_elf_entry_offset);
 *   - sections[] (and with them symtab[] and dynsym[]) only when the section
 *     table is inside the file and e_shstrndx is a valid index; a section's
 *     name is undefined when it cannot be read;
 *   - segments[] when the program header table is inside the file;
 *   - dynamic[] from the last PT_DYNAMIC segment (DT_NULL included). */
#include "mod_elf.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "mod_hash.h"
#include "module.h"

/* ---- TLSH ---------------------------------------------------------------- */

/* Pearson's permutation of 0..255, the table TLSH's bucket mapping uses. */
static const uint8_t pearson[256] = {
      1,  87,  49,  12, 176, 178, 102, 166, 121, 193,   6,  84, 249, 230,  44, 163,
     14, 197, 213, 181, 161,  85, 218,  80,  64, 239,  24, 226, 236, 142,  38, 200,
    110, 177, 104, 103, 141, 253, 255,  50,  77, 101,  81,  18,  45,  96,  31, 222,
     25, 107, 190,  70,  86, 237, 240,  34,  72, 242,  20, 214, 244, 227, 149, 235,
     97, 234,  57,  22,  60, 250,  82, 175, 208,   5, 127, 199, 111,  62, 135, 248,
    174, 169, 211,  58,  66, 154, 106, 195, 245, 171,  17, 187, 182, 179,   0, 243,
    132,  56, 148,  75, 128, 133, 158, 100, 130, 126,  91,  13, 153, 246, 216, 219,
    119,  68, 223,  78,  83,  88, 201,  99, 122,  11,  92,  32, 136, 114,  52,  10,
    138,  30,  48, 183, 156,  35,  61,  26, 143,  74, 251,  94, 129, 162,  63, 152,
    170,   7, 115, 167, 241, 206,   3, 150,  55,  59, 151, 220,  90,  53,  23, 131,
    125, 173,  15, 238,  79,  95,  89,  16, 105, 137, 225, 224, 217, 160,  37, 123,
    118,  73,   2, 157,  46, 116,   9, 145, 134, 228, 207, 212, 202, 215,  69, 229,
     27, 188,  67, 124, 168, 252,  42,   4,  29, 108,  21, 247,  19, 205,  39, 203,
    233,  40, 186, 147, 198, 192, 155,  33, 164, 191,  98, 204, 165, 180, 117,  76,
    140,  36, 210, 172,  41,  54, 159,   8, 185, 232, 113, 196, 231,  47, 146, 120,
     51,  65,  28, 144, 254, 221,  93, 189, 194, 139, 112,  43,  71, 109, 184, 209,
};

static uint8_t pearson4(uint8_t salt, uint8_t a, uint8_t b, uint8_t c)
{
    return pearson[pearson[pearson[pearson[salt] ^ a] ^ b] ^ c];
}

#define TLSH_BUCKETS 128
#define TLSH_MIN_LEN 50

/* TLSH's log-scale length byte. */
static uint8_t tlsh_length_byte(size_t n)
{
    double l = log((double)n);
    double v;
    if (n <= 656)
        v = floor(l / 0.4054651);
    else if (n <= 3199)
        v = floor(l / 0.26236426 - 8.72777);
    else
        v = floor(l / 0.095310180 - 62.5472);
    return (uint8_t)((int64_t)v & 0xff);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

bool yara_tlsh_hex(const uint8_t *p, size_t n, char out[YARA_TLSH_HEX_LEN + 1])
{
    if (n < TLSH_MIN_LEN)
        return false;
    uint32_t bucket[256] = {0};
    uint8_t checksum = 0;
    for (size_t i = 4; i < n; i++) {
        uint8_t c0 = p[i], c1 = p[i - 1], c2 = p[i - 2], c3 = p[i - 3], c4 = p[i - 4];
        checksum = pearson4(0, c0, c1, checksum);
        bucket[pearson4(2, c0, c1, c2)]++;
        bucket[pearson4(3, c0, c1, c3)]++;
        bucket[pearson4(5, c0, c2, c3)]++;
        bucket[pearson4(7, c0, c2, c4)]++;
        bucket[pearson4(11, c0, c1, c4)]++;
        bucket[pearson4(13, c0, c3, c4)]++;
    }
    uint32_t sorted[TLSH_BUCKETS];
    size_t nonzero = 0;
    for (size_t i = 0; i < TLSH_BUCKETS; i++) {
        sorted[i] = bucket[i];
        nonzero += bucket[i] != 0;
    }
    qsort(sorted, TLSH_BUCKETS, sizeof sorted[0], cmp_u32);
    uint32_t q1 = sorted[TLSH_BUCKETS / 4 - 1], q2 = sorted[TLSH_BUCKETS / 2 - 1],
             q3 = sorted[TLSH_BUCKETS - TLSH_BUCKETS / 4 - 1];
    if (q3 == 0 || nonzero <= TLSH_BUCKETS / 2)
        return false;

    uint8_t digest[35];
    digest[0] = (uint8_t)(checksum << 4 | checksum >> 4); /* header bytes are nibble-swapped */
    uint8_t lbyte = tlsh_length_byte(n);
    digest[1] = (uint8_t)(lbyte << 4 | lbyte >> 4);
    uint32_t q1r = (uint32_t)((uint64_t)q1 * 100 / q3) % 16, q2r = (uint32_t)((uint64_t)q2 * 100 / q3) % 16;
    digest[2] = (uint8_t)(q1r << 4 | q2r);
    for (size_t i = 0; i < TLSH_BUCKETS / 4; i++) {
        uint8_t h = 0;
        for (size_t j = 0; j < 4; j++) {
            uint32_t k = bucket[4 * i + j];
            uint8_t v = k > q3 ? 3 : k > q2 ? 2 : k > q1 ? 1 : 0;
            h |= (uint8_t)(v << (2 * j));
        }
        digest[3 + TLSH_BUCKETS / 4 - 1 - i] = h; /* body is written last bucket group first */
    }
    static const char hex[] = "0123456789ABCDEF";
    out[0] = 'T';
    out[1] = '1';
    for (size_t i = 0; i < sizeof digest; i++) {
        out[2 + 2 * i] = hex[digest[i] >> 4];
        out[3 + 2 * i] = hex[digest[i] & 15];
    }
    out[YARA_TLSH_HEX_LEN] = 0;
    return true;
}

/* ---- telfhash and import_md5 ------------------------------------------------ */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* telfhash leaves out these names (compared as stored, before lowercasing). */
static bool telfhash_excluded(const char *name)
{
    static const char *const names[] = {"__libc_start_main", "main", "abort", "cachectl", "cacheflush",
                                        "puts", "atol", "malloc_trim"};
    size_t n = strlen(name);
    if (name[0] == '_' || name[0] == '.' || starts_with(name, "str") || starts_with(name, "mem") ||
        (n >= 2 && name[n - 2] == '6' && name[n - 1] == '4'))
        return true;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i]) == 0)
            return true;
    return false;
}

/* Lowercase copies of `names[0..n)` sorted and joined by ','; NULL on ENOMEM. */
static char *join_sorted_lower(const char **names, size_t n, size_t *out_len)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += strlen(names[i]) + 1;
    char *buf = malloc(total + 1);
    char **copies = malloc((n ? n : 1) * sizeof *copies);
    char *joined = malloc(total + 1);
    if (!buf || !copies || !joined) {
        free(buf);
        free(copies);
        free(joined);
        return NULL;
    }
    char *w = buf;
    for (size_t i = 0; i < n; i++) {
        copies[i] = w;
        for (const char *s = names[i]; *s; s++)
            *w++ = (char)tolower((unsigned char)*s);
        *w++ = 0;
    }
    qsort(copies, n, sizeof *copies, cmp_str);
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        if (i)
            joined[len++] = ',';
        size_t l = strlen(copies[i]);
        memcpy(joined + len, copies[i], l);
        len += l;
    }
    joined[len] = 0;
    free(buf);
    free(copies);
    *out_len = len;
    return joined;
}

#define STT_FUNC 2
#define STB_GLOBAL 1
#define STV_DEFAULT 0

bool yara_elf_telfhash(const struct fmt_elf *elf, char out[YARA_TLSH_HEX_LEN + 1])
{
    const struct fmt_elf_symtab *t = elf->dynsym.present && elf->dynsym.count ? &elf->dynsym : &elf->symtab;
    if (!t->present || t->count == 0)
        return false;
    const char **names = malloc(t->count * sizeof *names);
    if (!names)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++) {
        const struct fmt_elf_symbol *s = &t->symbols[i];
        if (s->type == STT_FUNC && s->bind == STB_GLOBAL && s->visibility == STV_DEFAULT && s->name && s->name[0] &&
            !telfhash_excluded(s->name))
            names[n++] = s->name;
    }
    bool ok = false;
    size_t len;
    char *joined = n ? join_sorted_lower(names, n, &len) : NULL;
    if (joined)
        ok = yara_tlsh_hex((const uint8_t *)joined, len, out);
    free(joined);
    free(names);
    return ok;
}

bool yara_elf_import_md5(const struct fmt_elf *elf, char out[33])
{
    const struct fmt_elf_symtab *t = &elf->dynsym;
    if (!t->present || t->count == 0)
        return false;
    const char **names = malloc(t->count * sizeof *names);
    if (!names)
        return false;
    size_t n = 0;
    for (size_t i = 0; i < t->count; i++) {
        const struct fmt_elf_symbol *s = &t->symbols[i];
        if (s->shndx == 0 && s->name && s->name[0])
            names[n++] = s->name;
    }
    bool ok = false;
    size_t len;
    char *joined = n ? join_sorted_lower(names, n, &len) : NULL;
    char hex[65];
    if (joined && yara_hash_hex(YARA_MD5, (const uint8_t *)joined, len, hex)) {
        memcpy(out, hex, 33);
        ok = true;
    }
    free(joined);
    free(names);
    return ok;
}

/* ---- functions ---------------------------------------------------------------- */

static void fn_telfhash(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)a;
    struct yara_elf_state *st = c->module_state;
    o->type = YOBJ_STRING;
    if (!st)
        return;
    if (!st->telfhash_done)
        st->telfhash_done = yara_elf_telfhash(&st->elf, st->telfhash) ? 1 : -1;
    if (st->telfhash_done > 0)
        yobj_ret_string(c, o, st->telfhash);
}

static void fn_import_md5(const struct yobj_call *c, const struct yobj_arg *a, struct yobj_result *o)
{
    (void)a;
    struct yara_elf_state *st = c->module_state;
    o->type = YOBJ_STRING;
    if (!st)
        return;
    if (!st->import_md5_done)
        st->import_md5_done = yara_elf_import_md5(&st->elf, st->import_md5) ? 1 : -1;
    if (st->import_md5_done > 0)
        yobj_ret_string(c, o, st->import_md5);
}

/* ---- schema ------------------------------------------------------------------ */

#define X_CONSTANTS(X)                                                                                           \
    X(ET_NONE, 0) X(ET_REL, 1) X(ET_EXEC, 2) X(ET_DYN, 3) X(ET_CORE, 4)                                          \
    X(EM_NONE, 0) X(EM_M32, 1) X(EM_SPARC, 2) X(EM_386, 3) X(EM_68K, 4) X(EM_88K, 5) X(EM_860, 7) X(EM_MIPS, 8)  \
    X(EM_MIPS_RS3_LE, 10) X(EM_PPC, 20) X(EM_PPC64, 21) X(EM_ARM, 40) X(EM_X86_64, 62) X(EM_AARCH64, 183)        \
    X(SHT_NULL, 0) X(SHT_PROGBITS, 1) X(SHT_SYMTAB, 2) X(SHT_STRTAB, 3) X(SHT_RELA, 4) X(SHT_HASH, 5)            \
    X(SHT_DYNAMIC, 6) X(SHT_NOTE, 7) X(SHT_NOBITS, 8) X(SHT_REL, 9) X(SHT_SHLIB, 10) X(SHT_DYNSYM, 11)           \
    X(SHF_WRITE, 1) X(SHF_ALLOC, 2) X(SHF_EXECINSTR, 4)                                                          \
    X(PT_NULL, 0) X(PT_LOAD, 1) X(PT_DYNAMIC, 2) X(PT_INTERP, 3) X(PT_NOTE, 4) X(PT_SHLIB, 5) X(PT_PHDR, 6)      \
    X(PT_TLS, 7) X(PT_GNU_EH_FRAME, 0x6474e550) X(PT_GNU_STACK, 0x6474e551)                                      \
    X(DT_NULL, 0) X(DT_NEEDED, 1) X(DT_PLTRELSZ, 2) X(DT_PLTGOT, 3) X(DT_HASH, 4) X(DT_STRTAB, 5)               \
    X(DT_SYMTAB, 6) X(DT_RELA, 7) X(DT_RELASZ, 8) X(DT_RELAENT, 9) X(DT_STRSZ, 10) X(DT_SYMENT, 11)            \
    X(DT_INIT, 12) X(DT_FINI, 13) X(DT_SONAME, 14) X(DT_RPATH, 15) X(DT_SYMBOLIC, 16) X(DT_REL, 17)             \
    X(DT_RELSZ, 18) X(DT_RELENT, 19) X(DT_PLTREL, 20) X(DT_DEBUG, 21) X(DT_TEXTREL, 22) X(DT_JMPREL, 23)        \
    X(DT_BIND_NOW, 24) X(DT_INIT_ARRAY, 25) X(DT_FINI_ARRAY, 26) X(DT_INIT_ARRAYSZ, 27)                          \
    X(DT_FINI_ARRAYSZ, 28) X(DT_RUNPATH, 29) X(DT_FLAGS, 30) X(DT_ENCODING, 32)                                  \
    X(STT_NOTYPE, 0) X(STT_OBJECT, 1) X(STT_FUNC, 2) X(STT_SECTION, 3) X(STT_FILE, 4) X(STT_COMMON, 5)          \
    X(STT_TLS, 6) X(STB_LOCAL, 0) X(STB_GLOBAL, 1) X(STB_WEAK, 2) X(PF_X, 1) X(PF_W, 2) X(PF_R, 4)

#define INT(n) {.name = n, .type = YOBJ_INT}
#define STR(n) {.name = n, .type = YOBJ_STRING}
#define ARRAY(n, el) {.name = n, .type = YOBJ_ARRAY, .element = &el}
#define FUNC(n, o) {.name = n, .type = YOBJ_FUNC, .overloads = o}

/* Element members, in declaration order (values are filled by index). */
enum { SEC_TYPE, SEC_FLAGS, SEC_ADDRESS, SEC_NAME, SEC_SIZE, SEC_OFFSET };
static const struct yobj_decl section_members[] = {
    INT("type"), INT("flags"), INT("address"), STR("name"), INT("size"), INT("offset"), {0},
};
enum { SEG_TYPE, SEG_FLAGS, SEG_OFFSET, SEG_VADDR, SEG_PADDR, SEG_FILE_SIZE, SEG_MEMORY_SIZE, SEG_ALIGNMENT };
static const struct yobj_decl segment_members[] = {
    INT("type"),     INT("flags"),       INT("offset"),      INT("virtual_address"), INT("physical_address"),
    INT("file_size"), INT("memory_size"), INT("alignment"), {0},
};
enum { DYN_TYPE, DYN_VAL };
static const struct yobj_decl dynamic_members[] = {INT("type"), INT("val"), {0}};
enum { SYM_NAME, SYM_VALUE, SYM_SIZE, SYM_TYPE, SYM_BIND, SYM_SHNDX };
static const struct yobj_decl symbol_members[] = {
    STR("name"), INT("value"), INT("size"), INT("type"), INT("bind"), INT("shndx"), {0},
};

static const struct yobj_decl section_decl = {.name = "sections", .type = YOBJ_STRUCT, .members = section_members};
static const struct yobj_decl segment_decl = {.name = "segments", .type = YOBJ_STRUCT, .members = segment_members};
static const struct yobj_decl dynamic_decl = {.name = "dynamic", .type = YOBJ_STRUCT, .members = dynamic_members};
static const struct yobj_decl symbol_decl = {.name = "symbol", .type = YOBJ_STRUCT, .members = symbol_members};

static const struct yobj_overload o_telfhash[] = {{"", YOBJ_STRING, fn_telfhash}, {0}};
static const struct yobj_overload o_import_md5[] = {{"", YOBJ_STRING, fn_import_md5}, {0}};

/* Root members: the values first (filled by index), then the constants. */
enum {
    R_TYPE, R_MACHINE, R_ENTRY_POINT, R_NUMBER_OF_SECTIONS, R_SH_OFFSET, R_SH_ENTRY_SIZE, R_NUMBER_OF_SEGMENTS,
    R_PH_OFFSET, R_PH_ENTRY_SIZE, R_SECTIONS, R_SEGMENTS, R_DYNAMIC_SECTION_ENTRIES, R_DYNAMIC, R_SYMTAB_ENTRIES,
    R_SYMTAB, R_DYNSYM_ENTRIES, R_DYNSYM, R_TELFHASH, R_IMPORT_MD5, R_FIRST_CONSTANT
};

#define DECL_CONSTANT(n, v) INT(#n),
static const struct yobj_decl elf_members[] = {
    INT("type"), INT("machine"), INT("entry_point"), INT("number_of_sections"), INT("sh_offset"),
    INT("sh_entry_size"), INT("number_of_segments"), INT("ph_offset"), INT("ph_entry_size"),
    ARRAY("sections", section_decl), ARRAY("segments", segment_decl), INT("dynamic_section_entries"),
    ARRAY("dynamic", dynamic_decl), INT("symtab_entries"), ARRAY("symtab", symbol_decl), INT("dynsym_entries"),
    ARRAY("dynsym", symbol_decl), FUNC("telfhash", o_telfhash), FUNC("import_md5", o_import_md5),
    X_CONSTANTS(DECL_CONSTANT){0},
};

#define VALUE_CONSTANT(n, v) v,
static const int64_t constant_values[] = {X_CONSTANTS(VALUE_CONSTANT)};

static const struct yobj_decl elf_decl = {.name = "elf", .type = YOBJ_STRUCT, .members = elf_members};

/* ---- load --------------------------------------------------------------------- */

static void set_u(struct yobj *o, uint64_t v)
{
    yobj_set_int(o, (int64_t)v);
}

static int fill_symbols(struct yobj_arena *a, struct yobj *root, const struct fmt_elf_symtab *t, int count_at,
                        int array_at)
{
    if (!t->present)
        return ASSAY_OK;
    set_u(&root->members[count_at], t->count);
    struct yobj *items = yobj_array_resize(a, &root->members[array_at], t->count);
    if (!items && t->count)
        return ASSAY_ENOMEM;
    for (size_t i = 0; i < t->count; i++) {
        const struct fmt_elf_symbol *s = &t->symbols[i];
        struct yobj *m = items[i].members;
        if (s->name && yobj_set_string(a, &m[SYM_NAME], s->name, strlen(s->name)) != 0)
            return ASSAY_ENOMEM;
        set_u(&m[SYM_VALUE], s->value);
        set_u(&m[SYM_SIZE], s->size);
        set_u(&m[SYM_TYPE], s->type);
        set_u(&m[SYM_BIND], s->bind);
        set_u(&m[SYM_SHNDX], s->shndx);
    }
    return ASSAY_OK;
}

static int fill(struct yobj_arena *a, struct yobj *root, const struct fmt_elf *e)
{
    struct yobj *r = root->members;
    set_u(&r[R_TYPE], e->type);
    set_u(&r[R_MACHINE], e->machine);
    uint64_t ep;
    if (fmt_elf_entry_offset(e, &ep))
        set_u(&r[R_ENTRY_POINT], ep);
    set_u(&r[R_NUMBER_OF_SECTIONS], e->sh_count);
    set_u(&r[R_SH_OFFSET], e->sh_offset);
    set_u(&r[R_SH_ENTRY_SIZE], e->sh_entry_size);
    set_u(&r[R_NUMBER_OF_SEGMENTS], e->ph_count);
    set_u(&r[R_PH_OFFSET], e->ph_offset);
    set_u(&r[R_PH_ENTRY_SIZE], e->ph_entry_size);

    if (e->sections_valid && e->shstrndx < e->sh_count) {
        struct yobj *items = yobj_array_resize(a, &r[R_SECTIONS], e->nsections);
        if (!items && e->nsections)
            return ASSAY_ENOMEM;
        for (size_t i = 0; i < e->nsections; i++) {
            const struct fmt_elf_section *s = &e->sections[i];
            struct yobj *m = items[i].members;
            set_u(&m[SEC_TYPE], s->type);
            set_u(&m[SEC_FLAGS], s->flags);
            set_u(&m[SEC_ADDRESS], s->address);
            set_u(&m[SEC_SIZE], s->size);
            set_u(&m[SEC_OFFSET], s->offset);
            if (s->name && yobj_set_string(a, &m[SEC_NAME], s->name, strlen(s->name)) != 0)
                return ASSAY_ENOMEM;
        }
        int rc = fill_symbols(a, root, &e->symtab, R_SYMTAB_ENTRIES, R_SYMTAB);
        if (rc == ASSAY_OK)
            rc = fill_symbols(a, root, &e->dynsym, R_DYNSYM_ENTRIES, R_DYNSYM);
        if (rc != ASSAY_OK)
            return rc;
    }

    if (e->segments_valid) {
        struct yobj *items = yobj_array_resize(a, &r[R_SEGMENTS], e->nsegments);
        if (!items && e->nsegments)
            return ASSAY_ENOMEM;
        for (size_t i = 0; i < e->nsegments; i++) {
            const struct fmt_elf_segment *s = &e->segments[i];
            struct yobj *m = items[i].members;
            set_u(&m[SEG_TYPE], s->type);
            set_u(&m[SEG_FLAGS], s->flags);
            set_u(&m[SEG_OFFSET], s->offset);
            set_u(&m[SEG_VADDR], s->virtual_address);
            set_u(&m[SEG_PADDR], s->physical_address);
            set_u(&m[SEG_FILE_SIZE], s->file_size);
            set_u(&m[SEG_MEMORY_SIZE], s->memory_size);
            set_u(&m[SEG_ALIGNMENT], s->alignment);
        }
    }

    if (e->has_dynamic) {
        set_u(&r[R_DYNAMIC_SECTION_ENTRIES], e->ndynamic);
        struct yobj *items = yobj_array_resize(a, &r[R_DYNAMIC], e->ndynamic);
        if (!items && e->ndynamic)
            return ASSAY_ENOMEM;
        for (size_t i = 0; i < e->ndynamic; i++) {
            set_u(&items[i].members[DYN_TYPE], e->dynamic[i].tag);
            set_u(&items[i].members[DYN_VAL], e->dynamic[i].val);
        }
    }
    return ASSAY_OK;
}

static int elf_load(struct yobj_arena *a, struct yobj *root, const uint8_t *data, size_t len, void **state)
{
    for (size_t i = 0; i < sizeof constant_values / sizeof constant_values[0]; i++)
        yobj_set_int(&root->members[R_FIRST_CONSTANT + i], constant_values[i]);

    struct yara_elf_state *st = calloc(1, sizeof *st);
    if (!st)
        return ASSAY_ENOMEM;
    int rc = fmt_elf_parse(data, len, &st->elf);
    /* YARA wants at least one byte after the file header. */
    if (rc != ASSAY_OK || len <= (st->elf.is_64 ? 64u : 52u)) {
        fmt_elf_free(&st->elf);
        free(st);
        return rc == ASSAY_ENOMEM ? rc : ASSAY_OK; /* not ELF: only the constants */
    }
    rc = fill(a, root, &st->elf);
    if (rc != ASSAY_OK) {
        fmt_elf_free(&st->elf);
        free(st);
        return rc;
    }
    *state = st;
    return ASSAY_OK;
}

static void elf_unload(void *state)
{
    struct yara_elf_state *st = state;
    if (st) {
        fmt_elf_free(&st->elf);
        free(st);
    }
}

const struct yara_module yara_module_elf = {"elf", &elf_decl, elf_load, elf_unload};
