/* test_yara_macho.c — the Mach-O parser (format/macho.h) and YARA's `macho`
 * module on Mach-O files built in memory: thin 32/64-bit images in both byte
 * orders, LC_MAIN and LC_UNIXTHREAD for every CPU the module knows, fat files
 * with 32- and 64-bit entry tables, the functions file_index_for_arch() and
 * entry_point_for_arch(), damaged and truncated inputs (values left
 * undefined), the caps, and the load commands kept for inventory (dylibs,
 * rpaths, UUID, versions). The test files of ../shared/yara-tests (through
 * $ASSAY_SHARED) are checked when present, skipped otherwise. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "assay.h"
#include "format/macho.h"
#include "yara/module.h"
#include "test_support.h"
#include "yobj_path.h"

/* ---- building Mach-O images ----------------------------------------------------- */

#define CPU_X86 7u
#define CPU_X86_64 0x01000007u
#define CPU_ARM64 0x0100000cu
#define CPU_POWERPC 18u
#define LC_SEGMENT 1u
#define LC_UNIXTHREAD 5u
#define LC_SEGMENT_64 0x19u
#define LC_MAIN 0x80000028u

struct mb {
    uint8_t *b;
    size_t n, cap;
    bool be;
    size_t ncmds_at, sizeofcmds_at, cmds_start;
    uint32_t ncmds;
};

static void mb_room(struct mb *m, size_t end)
{
    if (end > m->cap) {
        size_t cap = m->cap ? m->cap : 1024;
        while (cap < end)
            cap *= 2;
        m->b = realloc(m->b, cap);
        assert_non_null(m->b);
        memset(m->b + m->cap, 0, cap - m->cap);
        m->cap = cap;
    }
    if (end > m->n)
        m->n = end;
}

static void put(struct mb *m, size_t off, uint64_t v, int size)
{
    mb_room(m, off + (size_t)size);
    for (int i = 0; i < size; i++)
        m->b[off + (size_t)(m->be ? size - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

static void put_name(struct mb *m, size_t off, const char *name)
{
    mb_room(m, off + 16);
    memset(m->b + off, 0, 16);
    memcpy(m->b + off, name, strlen(name) < 16 ? strlen(name) : 16);
}

/* A header: the magic as it would be written by a tool of that byte order. */
static void mb_header(struct mb *m, bool be, bool w64, uint32_t cputype, uint32_t cpusubtype, uint32_t filetype)
{
    memset(m, 0, sizeof *m);
    m->be = be;
    put(m, 0, w64 ? 0xfeedfacf : 0xfeedface, 4);
    put(m, 4, cputype, 4);
    put(m, 8, cpusubtype, 4);
    put(m, 12, filetype, 4);
    m->ncmds_at = 16;
    m->sizeofcmds_at = 20;
    put(m, 24, 0x00200085, 4); /* flags */
    if (w64)
        put(m, 28, 0x12345678, 4);
    m->cmds_start = w64 ? 32 : 28;
    mb_room(m, m->cmds_start);
}

/* Start a load command at the end; returns its offset. */
static size_t mb_cmd(struct mb *m, uint32_t cmd, uint32_t cmdsize)
{
    size_t at = m->n;
    put(m, at, cmd, 4);
    put(m, at + 4, cmdsize, 4);
    mb_room(m, at + cmdsize);
    m->ncmds++;
    put(m, m->ncmds_at, m->ncmds, 4);
    put(m, m->sizeofcmds_at, m->n - m->cmds_start, 4);
    return at;
}

struct sect {
    const char *sectname, *segname;
    uint64_t addr, size;
    uint32_t offset;
};

static void mb_segment(struct mb *m, bool w64, const char *name, uint64_t vmaddr, uint64_t vmsize, uint64_t fileoff,
                       uint64_t filesize, const struct sect *s, uint32_t nsects)
{
    size_t hdr = w64 ? 72 : 56, ssz = w64 ? 80 : 68;
    size_t at = mb_cmd(m, w64 ? LC_SEGMENT_64 : LC_SEGMENT, (uint32_t)(hdr + nsects * ssz));
    put_name(m, at + 8, name);
    size_t o = at + 24;
    int w = w64 ? 8 : 4;
    put(m, o, vmaddr, w);
    put(m, o + (size_t)w, vmsize, w);
    put(m, o + 2 * (size_t)w, fileoff, w);
    put(m, o + 3 * (size_t)w, filesize, w);
    o += 4 * (size_t)w;
    put(m, o, 7, 4);
    put(m, o + 4, 5, 4);
    put(m, o + 8, nsects, 4);
    put(m, o + 12, 0, 4);
    for (uint32_t j = 0; j < nsects; j++) {
        size_t so = at + hdr + j * ssz;
        put_name(m, so, s[j].sectname);
        put_name(m, so + 16, s[j].segname);
        put(m, so + 32, s[j].addr, w);
        put(m, so + 32 + (size_t)w, s[j].size, w);
        size_t f = so + 32 + 2 * (size_t)w;
        put(m, f, s[j].offset, 4);
        put(m, f + 4, 4, 4);          /* align */
        put(m, f + 16, 0x80000400, 4); /* flags */
        put(m, f + 20, 11, 4);        /* reserved1 */
        put(m, f + 24, 22, 4);        /* reserved2 */
        if (w64)
            put(m, f + 28, 33, 4);    /* reserved3 */
    }
}

static void mb_main(struct mb *m, uint64_t entryoff, uint64_t stacksize)
{
    size_t at = mb_cmd(m, LC_MAIN, 24);
    put(m, at + 8, entryoff, 8);
    put(m, at + 16, stacksize, 8);
}

/* LC_UNIXTHREAD with a zeroed state of `state_size` bytes and pc at pc_offset. */
static void mb_thread(struct mb *m, uint32_t state_size, uint32_t pc_offset, int pc_width, uint64_t pc)
{
    size_t at = mb_cmd(m, LC_UNIXTHREAD, 16 + state_size);
    put(m, at + 8, 1, 4);
    put(m, at + 12, state_size / 4, 4);
    if (pc_offset + (uint32_t)pc_width <= state_size)
        put(m, at + 16 + pc_offset, pc, pc_width);
}

static void mb_pad(struct mb *m, size_t to)
{
    mb_room(m, to);
}

/* ---- the module's value tree ----------------------------------------------------- */

struct loaded {
    struct yobj_arena arena;
    struct yobj *root;
    void *state;
    const uint8_t *data;
    size_t len;
};

static void load(struct loaded *l, const uint8_t *data, size_t len)
{
    memset(l, 0, sizeof *l);
    l->data = data;
    l->len = len;
    const struct yara_module *m = yara_module_find("macho");
    assert_non_null(m);
    l->root = yobj_new(&l->arena, m->decl);
    assert_non_null(l->root);
    assert_int_equal(m->load(&l->arena, l->root, data, len, &l->state), ASSAY_OK);
}

static void unload(struct loaded *l)
{
    yara_module_macho.unload(l->state);
    yobj_arena_free(&l->arena);
}

/* A value by path: "segments[1].sections[0].sectname" (NULL: no such value). */
static struct yobj *get(struct loaded *l, const char *path)
{
    return yobj_path(l->root, path);
}

static int64_t iv(struct loaded *l, const char *path)
{
    struct yobj *o = get(l, path);
    if (!o || !o->defined)
        fail_msg("%s is undefined", path);
    return o->i;
}

static bool defined(struct loaded *l, const char *path)
{
    struct yobj *o = get(l, path);
    return o && o->defined;
}

static size_t count(struct loaded *l, const char *path)
{
    struct yobj *o = get(l, path);
    return o ? o->n : 0;
}

static void assert_sv(struct loaded *l, const char *path, const char *want)
{
    struct yobj *o = get(l, path);
    if (!o || !o->defined)
        fail_msg("%s is undefined", path);
    if (o->n != strlen(want) || memcmp(o->s, want, o->n) != 0)
        fail_msg("%s = \"%.*s\", want \"%s\"", path, (int)o->n, (const char *)o->s, want);
}

/* Call fn(a) or fn(a, b) (nargs 1 or 2); *out the result when defined. */
static bool call(struct loaded *l, const char *fn, int nargs, int64_t a, int64_t b, int64_t *out)
{
    const struct yobj_overload *o =
        yobj_decl_overload(yobj_decl_member(yara_module_macho.decl, fn), nargs == 1 ? "i" : "ii");
    assert_non_null(o);
    struct yobj_arg args[2] = {{.i = a}, {.i = b}};
    struct yobj_call c = {.module_state = l->state, .self = l->root, .data = l->data, .len = l->len,
                          .arena = &l->arena};
    struct yobj_result r = {.type = YOBJ_INT};
    o->fn(&c, args, &r);
    if (r.defined)
        *out = r.i;
    return r.defined;
}

static bool rule_matches(const uint8_t *data, size_t len, const char *condition)
{
    char text[1024];
    snprintf(text, sizeof text, "import \"macho\"\nrule t { condition: %s }\n", condition);
    const char *pairs[] = {"t.yar", text, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    struct ts_results r;
    ts_scan(db, "sample", data, len, &r);
    assay_db_free(db);
    return ts_find(&r, "t") != NULL;
}

/* ---- thin images ------------------------------------------------------------------ */

/* x86_64, little endian: __PAGEZERO, __TEXT with two sections, LC_MAIN. */
static void build_x86_64(struct mb *m)
{
    static const struct sect text[] = {
        {"__text", "__TEXT", 0x100000f50, 0x30, 0xf50},
        {"__cstring", "__TEXT", 0x100000f80, 0x10, 0xf80},
    };
    mb_header(m, false, true, CPU_X86_64, 3, 2);
    mb_segment(m, true, "__PAGEZERO", 0, 0x100000000, 0, 0, NULL, 0);
    mb_segment(m, true, "__TEXT", 0x100000000, 0x1000, 0, 0x1000, text, 2);
    mb_main(m, 0xf50, 0x80000);
    mb_pad(m, 0x1000);
}

static void thin_64_little_endian(void **unused)
{
    (void)unused;
    struct mb m;
    build_x86_64(&m);
    struct loaded l;
    load(&l, m.b, m.n);
    assert_int_equal(iv(&l, "magic"), iv(&l, "MH_CIGAM_64")); /* 4.5: the magic read big-endian */
    assert_int_equal(iv(&l, "cputype"), iv(&l, "CPU_TYPE_X86_64"));
    assert_int_equal(iv(&l, "cpusubtype"), 3);
    assert_int_equal(iv(&l, "filetype"), iv(&l, "MH_EXECUTE"));
    assert_int_equal(iv(&l, "ncmds"), 3);
    assert_int_equal(iv(&l, "sizeofcmds"), 72 + 72 + 2 * 80 + 24);
    assert_true(iv(&l, "flags") & iv(&l, "MH_PIE"));
    assert_int_equal(iv(&l, "reserved"), 0x12345678);
    assert_int_equal(iv(&l, "number_of_segments"), 2);
    assert_int_equal(count(&l, "segments"), 2);
    assert_sv(&l, "segments[0].segname", "__PAGEZERO");
    assert_int_equal(iv(&l, "segments[0].vmsize"), 0x100000000);
    assert_int_equal(count(&l, "segments[0].sections"), 0);
    assert_sv(&l, "segments[1].segname", "__TEXT");
    assert_int_equal(iv(&l, "segments[1].maxprot"), 7);
    assert_int_equal(iv(&l, "segments[1].initprot"), 5);
    assert_int_equal(iv(&l, "segments[1].nsects"), 2);
    assert_sv(&l, "segments[1].sections[1].sectname", "__cstring");
    assert_sv(&l, "segments[1].sections[1].segname", "__TEXT");
    assert_int_equal(iv(&l, "segments[1].sections[0].addr"), 0x100000f50);
    assert_int_equal(iv(&l, "segments[1].sections[0].offset"), 0xf50);
    assert_int_equal(iv(&l, "segments[1].sections[0].flags"), 0x80000400);
    assert_int_equal(iv(&l, "segments[1].sections[0].reserved3"), 33);
    assert_int_equal(iv(&l, "entry_point"), 0xf50);
    assert_int_equal(iv(&l, "stack_size"), 0x80000);
    assert_false(defined(&l, "fat_magic"));
    assert_false(defined(&l, "nfat_arch"));
    assert_int_equal(count(&l, "file"), 0);
    int64_t v;
    assert_false(call(&l, "file_index_for_arch", 1, CPU_X86_64, 0, &v)); /* not fat */
    assert_false(call(&l, "entry_point_for_arch", 1, CPU_X86_64, 0, &v));
    unload(&l);

    assert_true(rule_matches(m.b, m.n, "macho.entry_point == 0xf50 and macho.segments[1].sections[0].sectname == "
                                       "\"__text\""));
    assert_true(rule_matches(m.b, m.n, "for any s in macho.segments : (s.segname == \"__TEXT\" and s.nsects == 2)"));
    /* The `entrypoint` keyword is for PE and ELF only, as in YARA. */
    assert_true(rule_matches(m.b, m.n, "not defined entrypoint"));
    free(m.b);
}

/* PowerPC, big endian, 32-bit: the entry point from LC_UNIXTHREAD's srr0. */
static void thin_32_big_endian(void **unused)
{
    (void)unused;
    static const struct sect text[] = {{"__text", "__TEXT", 0x2eb8, 0x100, 0xeb8}};
    struct mb m;
    mb_header(&m, true, false, CPU_POWERPC, 0, 2);
    mb_segment(&m, false, "__PAGEZERO", 0, 0x1000, 0, 0, NULL, 0);
    mb_segment(&m, false, "__TEXT", 0x2000, 0x1000, 0, 0x1000, text, 1);
    mb_thread(&m, 160, 0, 4, 0x2eb8);
    mb_pad(&m, 0x1000);
    struct loaded l;
    load(&l, m.b, m.n);
    assert_int_equal(iv(&l, "magic"), iv(&l, "MH_MAGIC"));
    assert_int_equal(iv(&l, "cputype"), iv(&l, "CPU_TYPE_POWERPC"));
    assert_false(defined(&l, "reserved")); /* 32-bit header */
    assert_int_equal(iv(&l, "number_of_segments"), 2);
    assert_int_equal(iv(&l, "segments[1].vmaddr"), 0x2000);
    assert_int_equal(iv(&l, "segments[1].sections[0].size"), 0x100);
    assert_int_equal(iv(&l, "segments[1].sections[0].reserved2"), 22);
    assert_false(defined(&l, "segments[1].sections[0].reserved3")); /* 32-bit section */
    assert_int_equal(iv(&l, "entry_point"), 0xeb8);
    assert_false(defined(&l, "stack_size"));
    unload(&l);
    free(m.b);
}

/* LC_UNIXTHREAD for each CPU: the whole thread state must be in the command,
 * the pc is read in the image's byte order and mapped through the segments. */
static void unixthread_every_cpu(void **unused)
{
    (void)unused;
    static const struct {
        uint32_t cputype, state_size, pc_offset;
        int width;
    } cpus[] = {
        {6, 72, 68, 4},   {13, 136, 124, 4}, {14, 76, 4, 4},        {18, 160, 0, 4},          {7, 64, 40, 4},
        {12, 68, 60, 4},  {CPU_X86_64, 168, 128, 8}, {CPU_ARM64, 272, 256, 8}, {0x01000012, 304, 0, 8},
    };
    for (size_t i = 0; i < sizeof cpus / sizeof cpus[0]; i++)
        for (int be = 0; be < 2; be++)
            for (int shrink = 0; shrink < 2; shrink++) {
                struct mb m;
                bool w64 = cpus[i].width == 8;
                mb_header(&m, be, w64, cpus[i].cputype, 0, 2);
                mb_segment(&m, w64, "__TEXT", 0x4000, 0x1000, 0x100, 0x1000, NULL, 0);
                mb_thread(&m, cpus[i].state_size - (shrink ? 4u : 0u), cpus[i].pc_offset, cpus[i].width, 0x4020);
                struct loaded l;
                load(&l, m.b, m.n); /* nothing after the command: the file bounds the state too */
                if (shrink) {
                    assert_false(defined(&l, "entry_point"));
                } else {
                    assert_int_equal(iv(&l, "entry_point"), 0x120);
                }
                unload(&l);
                free(m.b);
            }

    /* An unknown CPU, or a pc outside every segment: no entry point. */
    struct mb m;
    mb_header(&m, false, false, 8 /* MIPS */, 0, 2);
    mb_segment(&m, false, "__TEXT", 0x4000, 0x1000, 0, 0x1000, NULL, 0);
    mb_thread(&m, 64, 40, 4, 0x4020);
    struct loaded l;
    load(&l, m.b, m.n);
    assert_false(defined(&l, "entry_point"));
    unload(&l);
    free(m.b);
    mb_header(&m, false, false, CPU_X86, 0, 2);
    mb_segment(&m, false, "__TEXT", 0x4000, 0x1000, 0, 0x1000, NULL, 0);
    mb_thread(&m, 64, 40, 4, 0x5000);
    load(&l, m.b, m.n);
    assert_false(defined(&l, "entry_point"));
    unload(&l);
    free(m.b);
}

/* YARA reads LC_UNIXTHREAD's cmdsize without swapping it: in a big-endian
 * image a state shorter than the CPU's is still read when the file holds it. */
static void unixthread_cmdsize_quirk(void **unused)
{
    (void)unused;
    for (int be = 0; be < 2; be++) {
        struct mb m;
        mb_header(&m, be, false, CPU_X86, 0, 2);
        mb_segment(&m, false, "__TEXT", 0x4000, 0x1000, 0, 0x1000, NULL, 0);
        mb_thread(&m, 48, 40, 4, 0x4020); /* 16 bytes short of x86's 64 */
        mb_pad(&m, m.n + 64);
        struct loaded l;
        load(&l, m.b, m.n);
        assert_int_equal(defined(&l, "entry_point"), be);
        unload(&l);
        free(m.b);
    }
}

/* ---- fat files ---------------------------------------------------------------------- */

/* A fat file of the images, at 4096-byte aligned offsets (32-bit entries
 * unless `magic` is another fat magic). Returns its size; *out malloc'ed. */
static size_t build_fat(uint32_t magic, struct mb *imgs, size_t n, uint8_t **out)
{
    bool w64 = magic != 0xcafebabe;
    size_t esz = w64 ? 32 : 20, pos = 4096;
    struct mb f = {.be = true};
    put(&f, 0, magic, 4);
    put(&f, 4, n, 4);
    for (size_t i = 0; i < n; i++) {
        size_t e = 8 + i * esz;
        /* cputype as in the image's header */
        uint32_t cpu = imgs[i].be ? (uint32_t)imgs[i].b[4] << 24 | (uint32_t)imgs[i].b[5] << 16 |
                                        (uint32_t)imgs[i].b[6] << 8 | imgs[i].b[7]
                                  : (uint32_t)imgs[i].b[7] << 24 | (uint32_t)imgs[i].b[6] << 16 |
                                        (uint32_t)imgs[i].b[5] << 8 | imgs[i].b[4];
        put(&f, e, cpu, 4);
        put(&f, e + 4, cpu == CPU_X86_64 ? 0x80000003 : 3, 4);
        put(&f, e + 8, pos, w64 ? 8 : 4);
        put(&f, e + (w64 ? 16 : 12), imgs[i].n, w64 ? 8 : 4);
        put(&f, e + (w64 ? 24 : 16), 12, 4);
        mb_room(&f, pos + imgs[i].n);
        memcpy(f.b + pos, imgs[i].b, imgs[i].n);
        pos = (pos + imgs[i].n + 4095) & ~(size_t)4095;
    }
    *out = f.b;
    return f.n;
}

static void build_i386(struct mb *m)
{
    mb_header(m, false, false, CPU_X86, 3, 2);
    mb_segment(m, false, "__PAGEZERO", 0, 0x1000, 0, 0, NULL, 0);
    mb_segment(m, false, "__TEXT", 0x1000, 0x1000, 0, 0x1000, NULL, 0);
    mb_thread(m, 64, 40, 4, 0x1e90);
    mb_pad(m, 0x1000);
}

static void fat_32(void **unused)
{
    (void)unused;
    struct mb imgs[2];
    build_i386(&imgs[0]);
    build_x86_64(&imgs[1]);
    uint8_t *d;
    size_t n = build_fat(0xcafebabe, imgs, 2, &d);
    struct loaded l;
    load(&l, d, n);
    assert_int_equal(iv(&l, "fat_magic"), iv(&l, "FAT_MAGIC"));
    assert_int_equal(iv(&l, "nfat_arch"), 2);
    assert_int_equal(iv(&l, "fat_arch[0].cputype"), iv(&l, "CPU_TYPE_I386"));
    assert_int_equal(iv(&l, "fat_arch[0].cpusubtype"), iv(&l, "CPU_SUBTYPE_I386_ALL"));
    assert_int_equal(iv(&l, "fat_arch[0].offset"), 4096);
    assert_int_equal(iv(&l, "fat_arch[0].size"), 0x1000);
    assert_int_equal(iv(&l, "fat_arch[0].align"), 12);
    assert_int_equal(iv(&l, "fat_arch[1].cpusubtype"), iv(&l, "CPU_SUBTYPE_X86_64_ALL") | iv(&l, "CPU_SUBTYPE_LIB64"));
    assert_int_equal(iv(&l, "fat_arch[1].offset"), 8192);
    assert_false(defined(&l, "magic")); /* the top level is the fat header */
    assert_false(defined(&l, "number_of_segments"));
    assert_int_equal(count(&l, "file"), 2);
    assert_int_equal(iv(&l, "file[0].magic"), iv(&l, "MH_CIGAM"));
    assert_int_equal(iv(&l, "file[0].entry_point"), 0xe90);
    assert_false(defined(&l, "file[0].reserved"));
    assert_int_equal(iv(&l, "file[1].magic"), iv(&l, "MH_CIGAM_64"));
    assert_int_equal(iv(&l, "file[1].entry_point"), 0xf50);
    assert_int_equal(iv(&l, "file[1].stack_size"), 0x80000);
    assert_sv(&l, "file[1].segments[1].sections[0].sectname", "__text");

    int64_t v;
    assert_true(call(&l, "file_index_for_arch", 1, CPU_X86, 0, &v));
    assert_int_equal(v, 0);
    assert_true(call(&l, "file_index_for_arch", 1, CPU_X86_64, 0, &v));
    assert_int_equal(v, 1);
    assert_true(call(&l, "file_index_for_arch", 2, CPU_X86_64, 3, &v));
    assert_int_equal(v, 1);
    assert_false(call(&l, "file_index_for_arch", 2, CPU_X86_64, 0x80000003, &v)); /* file[1]'s own subtype is 3 */
    assert_false(call(&l, "file_index_for_arch", 1, CPU_ARM64, 0, &v));
    assert_true(call(&l, "entry_point_for_arch", 1, CPU_X86, 0, &v));
    assert_int_equal(v, 4096 + 0xe90);
    assert_true(call(&l, "entry_point_for_arch", 2, CPU_X86_64, 0x80000003, &v)); /* fat_arch's subtype */
    assert_int_equal(v, 8192 + 0xf50);
    assert_false(call(&l, "entry_point_for_arch", 2, CPU_X86_64, 3, &v));
    assert_false(call(&l, "entry_point_for_arch", 1, CPU_POWERPC, 0, &v));
    unload(&l);

    assert_true(rule_matches(d, n, "macho.file[macho.file_index_for_arch(macho.CPU_TYPE_X86_64)].entry_point == "
                                   "macho.file[1].entry_point"));
    assert_true(rule_matches(d, n, "macho.entry_point_for_arch(macho.CPU_TYPE_I386) == 4096 + 0xe90"));
    assert_true(rule_matches(d, n, "not defined macho.entry_point and macho.nfat_arch == 2"));
    free(d);
    free(imgs[0].b);
    free(imgs[1].b);
}

/* 64-bit entries; an entry whose image lies outside the file leaves a gap in
 * file[]; an image without an entry point. */
static void fat_64_and_gaps(void **unused)
{
    (void)unused;
    struct mb imgs[3];
    build_x86_64(&imgs[0]);
    build_i386(&imgs[1]);
    mb_header(&imgs[2], true, false, CPU_POWERPC, 0, 6); /* a dylib: no entry point */
    mb_segment(&imgs[2], false, "__TEXT", 0, 0x1000, 0, 0x1000, NULL, 0);
    uint8_t *d;
    size_t n = build_fat(0xcafebabf, imgs, 3, &d);
    for (int i = 0; i < 8; i++) /* entry 0's size: past the end of the file */
        d[8 + 16 + i] = (uint8_t)(0x7fffffffffffull >> (56 - 8 * i));
    struct loaded l;
    load(&l, d, n);
    assert_int_equal(iv(&l, "fat_magic"), iv(&l, "FAT_MAGIC_64"));
    assert_int_equal(count(&l, "fat_arch"), 3);
    assert_int_equal(iv(&l, "fat_arch[0].size"), 0x7fffffffffff);
    assert_int_equal(count(&l, "file"), 3);
    assert_false(defined(&l, "file[0].magic"));
    assert_int_equal(iv(&l, "file[1].cputype"), CPU_X86);
    assert_int_equal(iv(&l, "file[2].magic"), iv(&l, "MH_MAGIC"));
    assert_false(defined(&l, "file[2].entry_point"));
    int64_t v;
    assert_false(call(&l, "file_index_for_arch", 1, CPU_X86_64, 0, &v)); /* file[0] was not parsed */
    assert_true(call(&l, "file_index_for_arch", 1, CPU_POWERPC, 0, &v));
    assert_int_equal(v, 2);
    /* Without the subtype YARA adds its undefined marker to the offset. */
    assert_true(call(&l, "entry_point_for_arch", 1, CPU_X86_64, 0, &v));
    assert_int_equal((uint64_t)v, 4096 + 0xfffabadafabadaffull);
    assert_false(call(&l, "entry_point_for_arch", 2, CPU_POWERPC, 3, &v));
    unload(&l);
    free(d);

    /* FAT_CIGAM: YARA reads its entries as 64-bit ones, big-endian. */
    n = build_fat(0xbebafeca, imgs + 1, 1, &d);
    load(&l, d, n);
    assert_int_equal(iv(&l, "fat_magic"), iv(&l, "FAT_CIGAM"));
    assert_int_equal(iv(&l, "fat_arch[0].offset"), 4096);
    assert_int_equal(iv(&l, "file[0].entry_point"), 0xe90);
    unload(&l);
    free(d);

    /* The entry table past the end of the file: the header only. */
    uint8_t hdr[28] = {0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2};
    load(&l, hdr, sizeof hdr);
    assert_int_equal(iv(&l, "nfat_arch"), 2);
    assert_int_equal(count(&l, "fat_arch"), 0);
    assert_false(call(&l, "file_index_for_arch", 1, CPU_X86, 0, &v));
    unload(&l);
    /* Shorter than the fat header: nothing. */
    load(&l, hdr, 7);
    assert_false(defined(&l, "fat_magic"));
    unload(&l);
    for (int i = 0; i < 3; i++)
        free(imgs[i].b);
}

/* ---- damaged input ------------------------------------------------------------------ */

static void not_macho_and_short(void **unused)
{
    (void)unused;
    struct fmt_macho mo;
    static const uint8_t elf[64] = {0x7f, 'E', 'L', 'F'};
    assert_int_equal(fmt_macho_parse(elf, sizeof elf, &mo), ASSAY_EFORMAT);
    fmt_macho_free(&mo);
    assert_int_equal(fmt_macho_parse(elf, 0, &mo), ASSAY_EFORMAT);
    fmt_macho_free(&mo);

    struct loaded l;
    load(&l, elf, sizeof elf);
    assert_false(defined(&l, "magic"));
    assert_int_equal(iv(&l, "MH_MAGIC"), 0xfeedface); /* the constants are always there */
    assert_int_equal(iv(&l, "CPU_SUBTYPE_X86_64_ALL"), 3);
    assert_int_equal(iv(&l, "SECTION_ATTRIBUTES"), 0xffffff00);
    unload(&l);

    /* A thin image needs 32 bytes, even a 32-bit one. */
    struct mb m;
    build_i386(&m);
    assert_int_equal(fmt_macho_parse(m.b, 31, &mo), ASSAY_OK);
    assert_int_equal(mo.kind, FMT_MACHO_THIN);
    assert_false(mo.thin.parsed);
    fmt_macho_free(&mo);
    load(&l, m.b, 31);
    assert_false(defined(&l, "magic"));
    assert_false(defined(&l, "number_of_segments"));
    unload(&l);
    load(&l, m.b, 32);
    assert_int_equal(iv(&l, "ncmds"), 3);
    assert_int_equal(iv(&l, "number_of_segments"), 0); /* no command fits */
    unload(&l);
    free(m.b);
}

static void damaged_commands(void **unused)
{
    (void)unused;
    struct mb m;
    struct loaded l;

    /* cmdsize below 8 ends the walk. */
    build_x86_64(&m);
    put(&m, 32 + 72 + 4, 4, 4);
    load(&l, m.b, m.n);
    assert_int_equal(iv(&l, "number_of_segments"), 1);
    assert_false(defined(&l, "entry_point"));
    unload(&l);
    /* cmdsize past the end of the file ends it too. */
    put(&m, 32 + 72 + 4, 0x100000, 4);
    load(&l, m.b, m.n);
    assert_int_equal(iv(&l, "number_of_segments"), 1);
    unload(&l);
    free(m.b);

    /* nsects larger than cmdsize holds: only the sections that fit. */
    build_x86_64(&m);
    put(&m, 32 + 72 + 64, 50, 4);
    load(&l, m.b, m.n);
    assert_int_equal(iv(&l, "segments[1].nsects"), 50);
    assert_int_equal(count(&l, "segments[1].sections"), 2);
    assert_int_equal(iv(&l, "entry_point"), 0xf50);
    unload(&l);
    free(m.b);

    /* A segment whose header runs past the file counts but has no values. */
    mb_header(&m, false, false, CPU_X86, 3, 2);
    mb_segment(&m, false, "__TEXT", 0x1000, 0x1000, 0, 0x1000, NULL, 0);
    size_t at = mb_cmd(&m, LC_SEGMENT, 40);
    m.n = at + 40;
    load(&l, m.b, m.n);
    assert_int_equal(iv(&l, "number_of_segments"), 2);
    assert_int_equal(count(&l, "segments"), 1);
    assert_null(get(&l, "segments[1]"));
    unload(&l);
    free(m.b);

    /* A value equal to YARA's undefined marker is undefined. */
    mb_header(&m, false, true, CPU_X86_64, 3, 2);
    mb_segment(&m, true, "__TEXT", 0xfffabadafabadaffull, 0x1000, 0, 0x1000, NULL, 0);
    load(&l, m.b, m.n);
    assert_false(defined(&l, "segments[0].vmaddr"));
    assert_int_equal(iv(&l, "segments[0].vmsize"), 0x1000);
    unload(&l);
    free(m.b);
}

/* Every prefix of the built files parses without a fault (run under ASan),
 * and every borrowed name lies inside the prefix. */
static void every_truncation(void **unused)
{
    (void)unused;
    struct mb imgs[2];
    build_i386(&imgs[0]);
    build_x86_64(&imgs[1]);
    uint8_t *fat;
    size_t fat_n = build_fat(0xcafebabe, imgs, 2, &fat);
    const uint8_t *files[] = {imgs[0].b, imgs[1].b, fat};
    size_t sizes[] = {imgs[0].n, imgs[1].n, fat_n};
    for (size_t k = 0; k < 3; k++) {
        for (size_t cut = 0; cut <= sizes[k]; cut += (cut < 600 ? 1 : 97)) {
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, files[k], cut);
            struct fmt_macho mo;
            int rc = fmt_macho_parse(p, cut, &mo);
            assert_true(rc == ASSAY_OK || rc == ASSAY_EFORMAT);
            const struct fmt_macho_image *img = mo.kind == FMT_MACHO_THIN ? &mo.thin : NULL;
            for (size_t a = 0; !img && a < mo.narchs; a++)
                img = mo.archs[a].has_image ? &mo.archs[a].image : NULL;
            for (size_t s = 0; img && s < img->nsegments; s++)
                assert_true(img->segments[s].segname >= p && img->segments[s].segname + 16 <= p + cut);
            for (size_t s = 0; img && s < img->nsections; s++)
                assert_true(img->sections[s].sectname >= p && img->sections[s].segname + 16 <= p + cut);
            fmt_macho_free(&mo);
            struct loaded l;
            load(&l, p, cut);
            unload(&l);
            free(p);
        }
    }
    free(fat);
    free(imgs[0].b);
    free(imgs[1].b);
}

/* The section cap: a segment declaring more sections than kept. */
static void section_cap(void **unused)
{
    (void)unused;
    uint32_t n = FMT_MACHO_MAX_SECTIONS + 10;
    struct mb m;
    mb_header(&m, false, true, CPU_X86_64, 3, 1);
    size_t at = mb_cmd(&m, LC_SEGMENT_64, 72 + n * 80);
    put(&m, at + 64, n, 4);
    struct fmt_macho mo;
    assert_int_equal(fmt_macho_parse(m.b, m.n, &mo), ASSAY_OK);
    assert_true(mo.truncated);
    assert_int_equal(mo.thin.nsections, FMT_MACHO_MAX_SECTIONS);
    assert_int_equal(mo.thin.segments[0].nsects, n);
    fmt_macho_free(&mo);
    free(m.b);
}

/* ---- load commands kept for inventory ------------------------------------------------ */

static size_t mb_string_cmd(struct mb *m, uint32_t cmd, size_t fixed, const char *s)
{
    size_t len = (fixed + strlen(s) + 1 + 7) & ~(size_t)7;
    size_t at = mb_cmd(m, cmd, (uint32_t)len);
    put(m, at + 8, fixed, 4);
    memcpy(m->b + at + fixed, s, strlen(s) + 1);
    return at;
}

static void inventory_commands(void **unused)
{
    (void)unused;
    for (int be = 0; be < 2; be++) {
        struct mb m;
        mb_header(&m, be, true, CPU_ARM64, 0, 6);
        size_t at = mb_string_cmd(&m, FMT_MACHO_LC_ID_DYLIB, 24, "@rpath/libfoo.dylib");
        put(&m, at + 16, 0x00010203, 4);
        at = mb_string_cmd(&m, FMT_MACHO_LC_LOAD_DYLIB, 24, "/usr/lib/libSystem.B.dylib");
        put(&m, at + 12, 2, 4);
        put(&m, at + 16, 0x050c0000, 4);
        put(&m, at + 20, 0x00010000, 4);
        mb_string_cmd(&m, FMT_MACHO_LC_LOAD_WEAK_DYLIB, 24, "/usr/lib/libweak.dylib");
        mb_string_cmd(&m, FMT_MACHO_LC_RPATH, 12, "@loader_path/../Frameworks");
        size_t dylinker = mb_string_cmd(&m, FMT_MACHO_LC_LOAD_DYLINKER, 12, "/usr/lib/dyld");
        at = mb_cmd(&m, FMT_MACHO_LC_UUID, 24);
        for (int i = 0; i < 16; i++)
            m.b[at + 8 + (size_t)i] = (uint8_t)(0xa0 + i);
        at = mb_cmd(&m, FMT_MACHO_LC_BUILD_VERSION, 24);
        put(&m, at + 8, 1, 4);
        put(&m, at + 12, 0x000b0000, 4);
        put(&m, at + 16, 0x000c0100, 4);
        at = mb_cmd(&m, FMT_MACHO_LC_VERSION_MIN_MACOSX, 16);
        put(&m, at + 8, 0x000a0f00, 4);
        /* a dylib whose name offset lies outside its command */
        at = mb_cmd(&m, FMT_MACHO_LC_LOAD_DYLIB, 24);
        put(&m, at + 8, 200, 4);

        struct fmt_macho mo;
        assert_int_equal(fmt_macho_parse(m.b, m.n, &mo), ASSAY_OK);
        const struct fmt_macho_image *img = &mo.thin;
        assert_true(img->parsed);
        assert_int_equal(img->big_endian, be);
        assert_string_equal(img->install_name, "@rpath/libfoo.dylib");
        assert_int_equal(img->ndylibs, 3);
        assert_string_equal(img->dylibs[0].name, "/usr/lib/libSystem.B.dylib");
        assert_int_equal(img->dylibs[0].timestamp, 2);
        assert_int_equal(img->dylibs[0].current_version, 0x050c0000);
        assert_int_equal(img->dylibs[0].compatibility_version, 0x00010000);
        assert_int_equal(img->dylibs[1].cmd, FMT_MACHO_LC_LOAD_WEAK_DYLIB);
        assert_null(img->dylibs[2].name);
        assert_int_equal(img->nrpaths, 1);
        assert_string_equal(img->rpaths[0], "@loader_path/../Frameworks");
        assert_string_equal(img->dylinker, "/usr/lib/dyld");
        assert_true(img->has_uuid);
        assert_int_equal(img->uuid[0], 0xa0);
        assert_int_equal(img->uuid[15], 0xaf);
        assert_true(img->has_build_version);
        assert_int_equal(img->build_platform, 1);
        assert_int_equal(img->build_minos, 0x000b0000);
        assert_int_equal(img->build_sdk, 0x000c0100);
        assert_int_equal(img->version_min_cmd, FMT_MACHO_LC_VERSION_MIN_MACOSX);
        assert_int_equal(img->version_min, 0x000a0f00);
        fmt_macho_free(&mo);

        /* A string without its NUL inside the command is dropped. */
        memset(m.b + dylinker + 12, 'x', 32 - 12); /* its command is 32 bytes */
        assert_int_equal(fmt_macho_parse(m.b, m.n, &mo), ASSAY_OK);
        assert_null(mo.thin.dylinker);
        fmt_macho_free(&mo);
        free(m.b);
    }
}

/* ---- the YARA test files ------------------------------------------------------------- */

static void shared_test_files(void **unused)
{
    (void)unused;
    const char *s = getenv("ASSAY_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/data/tiny-universal", s ? s : "../shared");
    size_t n;
    uint8_t *d = ts_read_file(path, &n);
    if (!d) {
        skip();
        return;
    }
    struct loaded l;
    load(&l, d, n);
    assert_int_equal(iv(&l, "nfat_arch"), 2);
    assert_int_equal(iv(&l, "file[0].magic"), 0xcefaedfe);
    assert_int_equal(iv(&l, "file[1].magic"), 0xcffaedfe);
    assert_int_equal(iv(&l, "file[0].entry_point"), 3808);
    assert_int_equal(iv(&l, "file[1].number_of_segments"), 4);
    assert_int_equal(iv(&l, "fat_arch[1].offset"), 16384);
    int64_t v;
    assert_true(call(&l, "entry_point_for_arch", 1, CPU_X86_64, 0, &v));
    assert_true(v > 0 && (size_t)v + 8 <= n);
    assert_memory_equal(d + v, "\x55\x48\x89\xe5\x48\x83\xec\x20", 8);
    unload(&l);
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(thin_64_little_endian),
        cmocka_unit_test(thin_32_big_endian),
        cmocka_unit_test(unixthread_every_cpu),
        cmocka_unit_test(unixthread_cmdsize_quirk),
        cmocka_unit_test(fat_32),
        cmocka_unit_test(fat_64_and_gaps),
        cmocka_unit_test(not_macho_and_short),
        cmocka_unit_test(damaged_commands),
        cmocka_unit_test(every_truncation),
        cmocka_unit_test(section_cap),
        cmocka_unit_test(inventory_commands),
        cmocka_unit_test(shared_test_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
