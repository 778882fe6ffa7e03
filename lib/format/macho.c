/* macho.c — bounds-checked Mach-O parser (see macho.h).
 *
 * An image is read through a `struct reader` bounded by the image's own size
 * (a fat entry's image is a window of the file); every read goes through
 * in_image() first. The load commands are walked once: segments and the
 * commands that need no segment are handled on the way, and the entry-point
 * commands (LC_MAIN, LC_UNIXTHREAD) are replayed in order afterwards, since
 * LC_UNIXTHREAD's address is mapped through all the segments (YARA does the
 * same in two passes). The caps of macho.h are counted for the whole file in
 * a `struct budget`. */
#include "format/macho.h"

#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "util/buf.h"

struct reader {
    const uint8_t *d;
    uint64_t len;
    bool be;
};

struct budget {
    size_t commands, segments, sections, dylibs, rpaths;
    bool truncated;
};

/* [off, off + n) lies inside the image. */
static bool in_image(const struct reader *r, uint64_t off, uint64_t n)
{
    return off <= r->len && n <= r->len - off;
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
}

static uint64_t be64(const uint8_t *p)
{
    return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static uint32_t rd32(const struct reader *r, uint64_t off)
{
    return r->be ? be32(r->d + off) : le32(r->d + off);
}

static uint64_t rd64(const struct reader *r, uint64_t off)
{
    uint64_t a = rd32(r, off), b = rd32(r, off + 4);
    return r->be ? a << 32 | b : b << 32 | a;
}

/* A fixed 16-byte name field up to its first NUL. */
static size_t name16_len(const uint8_t *p)
{
    const uint8_t *nul = memchr(p, 0, 16);
    return nul ? (size_t)(nul - p) : 16;
}

/* The NUL-terminated string at `str_off` inside the command [cmd, cmd + cmdsize),
 * or NULL when it starts outside or has no NUL inside the command. */
static const char *command_string(const struct reader *r, uint64_t cmd, uint32_t cmdsize, uint32_t str_off)
{
    if (str_off >= cmdsize)
        return NULL;
    const uint8_t *p = r->d + cmd + str_off;
    return memchr(p, 0, cmdsize - str_off) ? (const char *)p : NULL;
}

/* ---- per-image state while the commands are walked ---------------------------- */

struct walk {
    const struct reader *r;
    struct fmt_macho_image *img;
    struct budget *b;
    UTIL_VEC(struct fmt_macho_segment) segments;
    UTIL_VEC(struct fmt_macho_section) sections;
    UTIL_VEC(struct fmt_macho_dylib) dylibs;
    UTIL_VEC(const char *) rpaths;
    UTIL_VEC(uint64_t) entry_commands; /* offsets of LC_MAIN / LC_UNIXTHREAD, in order */
};

static void walk_free(struct walk *w)
{
    util_vec_free(&w->segments);
    util_vec_free(&w->sections);
    util_vec_free(&w->dylibs);
    util_vec_free(&w->rpaths);
    util_vec_free(&w->entry_commands);
}

/* ---- segments and sections -------------------------------------------------------- */

#define SEGMENT32_SIZE 56u
#define SEGMENT64_SIZE 72u
#define SECTION32_SIZE 68u
#define SECTION64_SIZE 80u

static void read_section(const struct reader *r, uint64_t o, bool w64, struct fmt_macho_section *s)
{
    s->is_64 = w64;
    s->sectname = r->d + o;
    s->sectname_len = name16_len(s->sectname);
    s->segname = r->d + o + 16;
    s->segname_len = name16_len(s->segname);
    if (w64) {
        s->addr = rd64(r, o + 32);
        s->size = rd64(r, o + 40);
        o += 48;
    } else {
        s->addr = rd32(r, o + 32);
        s->size = rd32(r, o + 36);
        o += 40;
    }
    s->offset = rd32(r, o);
    s->align = rd32(r, o + 4);
    s->reloff = rd32(r, o + 8);
    s->nreloc = rd32(r, o + 12);
    s->flags = rd32(r, o + 16);
    s->reserved1 = rd32(r, o + 20);
    s->reserved2 = rd32(r, o + 24);
    s->reserved3 = w64 ? rd32(r, o + 28) : 0;
}

/* The segment command at `cmd` (cmdsize already checked to lie in the image).
 * Its header is read when the image holds it from `cmd` on, whatever cmdsize
 * says; the sections while they fit in cmdsize. */
static int read_segment(struct walk *w, uint64_t cmd, uint32_t cmdsize, bool w64)
{
    const struct reader *r = w->r;
    w->img->segments_seen++;
    uint64_t hdr = w64 ? SEGMENT64_SIZE : SEGMENT32_SIZE;
    if (!in_image(r, cmd, hdr))
        return ASSAY_OK;
    if (w->b->segments >= FMT_MACHO_MAX_SEGMENTS) {
        w->b->truncated = true;
        return ASSAY_OK;
    }
    struct fmt_macho_segment s = {.is_64 = w64, .segname = r->d + cmd + 8};
    s.segname_len = name16_len(s.segname);
    uint64_t o = cmd + 24;
    if (w64) {
        s.vmaddr = rd64(r, o);
        s.vmsize = rd64(r, o + 8);
        s.fileoff = rd64(r, o + 16);
        s.filesize = rd64(r, o + 24);
        o += 32;
    } else {
        s.vmaddr = rd32(r, o);
        s.vmsize = rd32(r, o + 4);
        s.fileoff = rd32(r, o + 8);
        s.filesize = rd32(r, o + 12);
        o += 16;
    }
    s.maxprot = rd32(r, o);
    s.initprot = rd32(r, o + 4);
    s.nsects = rd32(r, o + 8);
    s.flags = rd32(r, o + 12);
    s.first_section = w->sections.n;

    uint64_t sec_size = w64 ? SECTION64_SIZE : SECTION32_SIZE;
    uint64_t fit = cmdsize < hdr ? 0 : (cmdsize - hdr) / sec_size;
    uint64_t n = s.nsects < fit ? s.nsects : fit;
    for (uint64_t j = 0; j < n; j++) {
        if (w->b->sections >= FMT_MACHO_MAX_SECTIONS) {
            w->b->truncated = true;
            break;
        }
        struct fmt_macho_section sec;
        read_section(r, cmd + hdr + j * sec_size, w64, &sec);
        if (util_vec_push(&w->sections, sec) != 0)
            return ASSAY_ENOMEM;
        w->b->sections++;
        s.nsections++;
    }
    w->b->segments++;
    return util_vec_push(&w->segments, s) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

/* ---- other load commands (not used by YARA's module) ------------------------------ */

static bool is_dylib_command(uint32_t cmd)
{
    return cmd == FMT_MACHO_LC_LOAD_DYLIB || cmd == FMT_MACHO_LC_LOAD_WEAK_DYLIB ||
           cmd == FMT_MACHO_LC_REEXPORT_DYLIB || cmd == FMT_MACHO_LC_LAZY_LOAD_DYLIB ||
           cmd == FMT_MACHO_LC_LOAD_UPWARD_DYLIB;
}

static bool is_version_min_command(uint32_t cmd)
{
    return cmd == FMT_MACHO_LC_VERSION_MIN_MACOSX || cmd == FMT_MACHO_LC_VERSION_MIN_IPHONEOS ||
           cmd == FMT_MACHO_LC_VERSION_MIN_TVOS || cmd == FMT_MACHO_LC_VERSION_MIN_WATCHOS;
}

static int read_dylib(struct walk *w, uint64_t cmd, uint32_t cmdsize, uint32_t type)
{
    const struct reader *r = w->r;
    if (cmdsize < 24)
        return ASSAY_OK;
    if (w->b->dylibs >= FMT_MACHO_MAX_DYLIBS) {
        w->b->truncated = true;
        return ASSAY_OK;
    }
    struct fmt_macho_dylib d = {
        .cmd = type,
        .name = command_string(r, cmd, cmdsize, rd32(r, cmd + 8)),
        .timestamp = rd32(r, cmd + 12),
        .current_version = rd32(r, cmd + 16),
        .compatibility_version = rd32(r, cmd + 20),
    };
    w->b->dylibs++;
    return util_vec_push(&w->dylibs, d) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

static int read_rpath(struct walk *w, uint64_t cmd, uint32_t cmdsize)
{
    if (cmdsize < 12)
        return ASSAY_OK;
    if (w->b->rpaths >= FMT_MACHO_MAX_RPATHS) {
        w->b->truncated = true;
        return ASSAY_OK;
    }
    const char *path = command_string(w->r, cmd, cmdsize, rd32(w->r, cmd + 8));
    if (!path)
        return ASSAY_OK;
    w->b->rpaths++;
    return util_vec_push(&w->rpaths, path) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
}

/* Commands read only for inventory: the values of the last one of a kind win. */
static void read_info_command(struct walk *w, uint64_t cmd, uint32_t cmdsize, uint32_t type)
{
    const struct reader *r = w->r;
    struct fmt_macho_image *img = w->img;
    if (type == FMT_MACHO_LC_ID_DYLIB && cmdsize >= 24) {
        img->install_name = command_string(r, cmd, cmdsize, rd32(r, cmd + 8));
    } else if (type == FMT_MACHO_LC_LOAD_DYLINKER && cmdsize >= 12) {
        img->dylinker = command_string(r, cmd, cmdsize, rd32(r, cmd + 8));
    } else if (type == FMT_MACHO_LC_UUID && cmdsize >= 24) {
        img->has_uuid = true;
        memcpy(img->uuid, r->d + cmd + 8, 16);
    } else if (is_version_min_command(type) && cmdsize >= 16) {
        img->version_min_cmd = type;
        img->version_min = rd32(r, cmd + 8);
        img->version_min_sdk = rd32(r, cmd + 12);
    } else if (type == FMT_MACHO_LC_BUILD_VERSION && cmdsize >= 24) {
        img->has_build_version = true;
        img->build_platform = rd32(r, cmd + 8);
        img->build_minos = rd32(r, cmd + 12);
        img->build_sdk = rd32(r, cmd + 16);
        img->build_ntools = rd32(r, cmd + 20);
    }
}

static int read_command(struct walk *w, uint64_t cmd, uint32_t type, uint32_t cmdsize)
{
    if (type == FMT_MACHO_LC_SEGMENT || type == FMT_MACHO_LC_SEGMENT_64)
        return read_segment(w, cmd, cmdsize, type == FMT_MACHO_LC_SEGMENT_64);
    if (type == FMT_MACHO_LC_MAIN || type == FMT_MACHO_LC_UNIXTHREAD)
        return util_vec_push(&w->entry_commands, cmd) == 0 ? ASSAY_OK : ASSAY_ENOMEM;
    if (is_dylib_command(type))
        return read_dylib(w, cmd, cmdsize, type);
    if (type == FMT_MACHO_LC_RPATH)
        return read_rpath(w, cmd, cmdsize);
    read_info_command(w, cmd, cmdsize, type);
    return ASSAY_OK;
}

/* ---- entry point ----------------------------------------------------------------- */

bool fmt_macho_vmaddr_offset(const struct fmt_macho_image *img, uint64_t vmaddr, uint64_t *offset)
{
    for (size_t i = 0; i < img->nsegments; i++) {
        const struct fmt_macho_segment *s = &img->segments[i];
        uint64_t end = s->vmaddr + s->vmsize; /* wraps as in YARA: such a segment holds nothing */
        if (vmaddr >= s->vmaddr && vmaddr < end) {
            *offset = s->fileoff + (vmaddr - s->vmaddr);
            return true;
        }
    }
    return false;
}

/* Where the program counter sits in each CPU's thread state, and the state's
 * size (the command must hold the whole state). */
struct thread_pc {
    uint32_t cputype;
    uint32_t state_size;
    uint32_t pc_offset;
    bool pc_64;
};

static const struct thread_pc thread_pcs[] = {
    {FMT_MACHO_CPU_TYPE_MC680X0, 72, 68, false}, /* d0-d7 a0-a7, pad, sr, pc */
    {FMT_MACHO_CPU_TYPE_MC88000, 136, 124, false}, /* r1-r31, xip, xip_in_bd, nip */
    {FMT_MACHO_CPU_TYPE_SPARC, 76, 4, false},    /* psr, pc, npc, y, g1-g7, o0-o7 */
    {FMT_MACHO_CPU_TYPE_POWERPC, 160, 0, false}, /* srr0 first, 40 words */
    {FMT_MACHO_CPU_TYPE_X86, 64, 40, false},     /* eip after 10 words */
    {FMT_MACHO_CPU_TYPE_ARM, 68, 60, false},     /* r0-r12, sp, lr, pc, cpsr */
    {FMT_MACHO_CPU_TYPE_X86_64, 168, 128, true}, /* rip after 16 registers */
    {FMT_MACHO_CPU_TYPE_ARM64, 272, 256, true},  /* x0-x28, fp, lr, sp, pc, cpsr */
    {FMT_MACHO_CPU_TYPE_POWERPC64, 304, 0, true}, /* srr0 first */
};

/* LC_UNIXTHREAD: the program counter of the thread state, mapped to a file
 * offset. The state's room is min(bytes left in the image, cmdsize) - 16,
 * where cmdsize is read little-endian whatever the image's byte order: YARA
 * reads it unswapped, and the reference runs on little-endian hosts. */
static void unixthread_entry(const struct reader *r, struct fmt_macho_image *img, uint64_t cmd)
{
    uint64_t left = r->len - cmd;
    if (left < 16)
        return;
    uint64_t room = le32(r->d + cmd + 4);
    if (room > left)
        room = left;
    if (room < 16)
        return;
    room -= 16;
    for (size_t i = 0; i < sizeof thread_pcs / sizeof thread_pcs[0]; i++) {
        const struct thread_pc *t = &thread_pcs[i];
        if (t->cputype != img->cputype)
            continue;
        if (room < t->state_size)
            return;
        uint64_t at = cmd + 16 + t->pc_offset;
        uint64_t pc = t->pc_64 ? rd64(r, at) : rd32(r, at);
        uint64_t off;
        if (fmt_macho_vmaddr_offset(img, pc, &off)) {
            img->has_entry_point = true;
            img->entry_point = off;
        }
        return;
    }
}

/* LC_MAIN: entryoff (already a file offset) and stacksize. */
static void main_entry(const struct reader *r, struct fmt_macho_image *img, uint64_t cmd)
{
    if (!in_image(r, cmd, 24))
        return;
    img->has_entry_point = true;
    img->entry_point = rd64(r, cmd + 8);
    img->has_stack_size = true;
    img->stack_size = rd64(r, cmd + 16);
}

static void resolve_entry_point(struct walk *w)
{
    for (size_t i = 0; i < w->entry_commands.n; i++) {
        uint64_t cmd = w->entry_commands.v[i];
        if (rd32(w->r, cmd) == FMT_MACHO_LC_MAIN)
            main_entry(w->r, w->img, cmd);
        else
            unixthread_entry(w->r, w->img, cmd);
    }
}

/* ---- image -------------------------------------------------------------------------- */

#define HEADER32_SIZE 28u
#define HEADER64_SIZE 32u

static void read_header(const struct reader *r, struct fmt_macho_image *img)
{
    img->cputype = rd32(r, 4);
    img->cpusubtype = rd32(r, 8);
    img->filetype = rd32(r, 12);
    img->ncmds = rd32(r, 16);
    img->sizeofcmds = rd32(r, 20);
    img->flags = rd32(r, 24);
    if (img->is_64)
        img->reserved = rd32(r, 28);
}

/* Walk the load commands from the header on; stops at the first one that does
 * not fit (as YARA does) or when the budget of commands is spent. */
static int walk_commands(struct walk *w)
{
    const struct reader *r = w->r;
    uint64_t at = w->img->is_64 ? HEADER64_SIZE : HEADER32_SIZE;
    for (uint32_t i = 0; i < w->img->ncmds; i++) {
        if (!in_image(r, at, 8))
            break;
        uint32_t type = rd32(r, at), cmdsize = rd32(r, at + 4);
        if (cmdsize < 8 || cmdsize > r->len - at)
            break;
        if (w->b->commands >= FMT_MACHO_MAX_COMMANDS) {
            w->b->truncated = true;
            break;
        }
        w->b->commands++;
        int rc = read_command(w, at, type, cmdsize);
        if (rc != ASSAY_OK)
            return rc;
        at += cmdsize;
    }
    return ASSAY_OK;
}

/* Move the walk's arrays into the image (they then belong to it). */
static void keep_arrays(struct walk *w)
{
    struct fmt_macho_image *img = w->img;
    img->segments = w->segments.v;
    img->nsegments = w->segments.n;
    img->sections = w->sections.v;
    img->nsections = w->sections.n;
    img->dylibs = w->dylibs.v;
    img->ndylibs = w->dylibs.n;
    img->rpaths = w->rpaths.v;
    img->nrpaths = w->rpaths.n;
    memset(&w->segments, 0, sizeof w->segments);
    memset(&w->sections, 0, sizeof w->sections);
    memset(&w->dylibs, 0, sizeof w->dylibs);
    memset(&w->rpaths, 0, sizeof w->rpaths);
}

static void image_free(struct fmt_macho_image *img)
{
    free(img->segments);
    free(img->sections);
    free(img->dylibs);
    free(img->rpaths);
    memset(img, 0, sizeof *img);
}

/* Parse the image data[0..size) found at `file_offset`; its magic is not
 * checked (a fat entry's image is parsed whatever it holds, as in YARA). */
static int parse_image(const uint8_t *data, uint64_t size, uint64_t file_offset, struct budget *b,
                       struct fmt_macho_image *img)
{
    memset(img, 0, sizeof *img);
    img->file_offset = file_offset;
    img->size = size;
    if (size < HEADER64_SIZE)
        return ASSAY_OK;
    img->parsed = true;
    img->magic = be32(data);
    img->is_64 = img->magic != FMT_MACHO_MH_MAGIC && img->magic != FMT_MACHO_MH_CIGAM;
    img->big_endian = img->magic == FMT_MACHO_MH_MAGIC || img->magic == FMT_MACHO_MH_MAGIC_64 ||
                      img->magic == FMT_MACHO_FAT_MAGIC || img->magic == FMT_MACHO_FAT_MAGIC_64;
    struct reader r = {.d = data, .len = size, .be = img->big_endian};
    read_header(&r, img);

    struct walk w = {.r = &r, .img = img, .b = b};
    int rc = walk_commands(&w);
    if (rc == ASSAY_OK) {
        keep_arrays(&w);
        resolve_entry_point(&w);
    }
    walk_free(&w);
    if (rc != ASSAY_OK)
        image_free(img);
    return rc;
}

/* ---- fat files ---------------------------------------------------------------------- */

#define FAT_HEADER_SIZE 8u
#define FAT_ARCH32_SIZE 20u
#define FAT_ARCH64_SIZE 32u

static void read_fat_arch(const uint8_t *p, bool w64, struct fmt_macho_fat_arch *a)
{
    a->cputype = be32(p);
    a->cpusubtype = be32(p + 4);
    if (w64) {
        a->offset = be64(p + 8);
        a->size = be64(p + 16);
        a->align = be32(p + 24);
        a->reserved = be32(p + 28);
    } else {
        a->offset = be32(p + 8);
        a->size = be32(p + 12);
        a->align = be32(p + 16);
    }
}

static int parse_fat(const uint8_t *data, size_t len, struct budget *b, struct fmt_macho *m)
{
    m->kind = FMT_MACHO_FAT;
    m->fat_header = true;
    m->fat_magic = be32(data);
    m->nfat_arch = be32(data + 4);
    /* Only FAT_MAGIC has 32-bit entries; YARA reads every other fat magic's as 64-bit. */
    uint64_t esz = m->fat_magic == FMT_MACHO_FAT_MAGIC ? FAT_ARCH32_SIZE : FAT_ARCH64_SIZE;
    if ((uint64_t)len - FAT_HEADER_SIZE < (uint64_t)m->nfat_arch * esz)
        return ASSAY_OK;
    m->archs_valid = true;
    size_t n = m->nfat_arch;
    if (n > FMT_MACHO_MAX_ARCHS) {
        n = FMT_MACHO_MAX_ARCHS;
        b->truncated = true;
    }
    if (n == 0)
        return ASSAY_OK;
    m->archs = calloc(n, sizeof *m->archs);
    if (!m->archs)
        return ASSAY_ENOMEM;
    m->narchs = n;
    for (size_t i = 0; i < n; i++) {
        struct fmt_macho_fat_arch *a = &m->archs[i];
        read_fat_arch(data + FAT_HEADER_SIZE + i * esz, esz == FAT_ARCH64_SIZE, a);
        if (a->offset > len || a->size > len - a->offset)
            continue;
        a->has_image = true;
        int rc = parse_image(data + a->offset, a->size, a->offset, b, &a->image);
        if (rc != ASSAY_OK)
            return rc;
    }
    return ASSAY_OK;
}

/* ---- entry points ------------------------------------------------------------------- */

static bool is_thin_magic(uint32_t magic)
{
    return magic == FMT_MACHO_MH_MAGIC || magic == FMT_MACHO_MH_CIGAM || magic == FMT_MACHO_MH_MAGIC_64 ||
           magic == FMT_MACHO_MH_CIGAM_64;
}

static bool is_fat_magic(uint32_t magic)
{
    return magic == FMT_MACHO_FAT_MAGIC || magic == FMT_MACHO_FAT_CIGAM || magic == FMT_MACHO_FAT_MAGIC_64 ||
           magic == FMT_MACHO_FAT_CIGAM_64;
}

int fmt_macho_parse(const uint8_t *data, size_t len, struct fmt_macho *out)
{
    memset(out, 0, sizeof *out);
    if (len < 4)
        return ASSAY_EFORMAT;
    uint32_t magic = be32(data);
    struct budget b = {0};
    int rc;
    if (is_thin_magic(magic)) {
        out->kind = FMT_MACHO_THIN;
        rc = parse_image(data, len, 0, &b, &out->thin);
    } else if (is_fat_magic(magic)) {
        /* YARA sets nothing for a fat file without its whole 8-byte header. */
        if (len < FAT_HEADER_SIZE) {
            out->kind = FMT_MACHO_FAT;
            return ASSAY_OK;
        }
        rc = parse_fat(data, len, &b, out);
    } else {
        return ASSAY_EFORMAT;
    }
    out->truncated = b.truncated;
    if (rc != ASSAY_OK) {
        fmt_macho_free(out);
        return rc;
    }
    return ASSAY_OK;
}

void fmt_macho_free(struct fmt_macho *m)
{
    image_free(&m->thin);
    for (size_t i = 0; i < m->narchs; i++)
        image_free(&m->archs[i].image);
    free(m->archs);
    memset(m, 0, sizeof *m);
}
