/* test_yara_elf.c — the ELF parser (format/elf.h) and YARA's `elf` and `time`
 * modules against the values YARA's own elf-module tests assert
 * (../shared/yara-tests/cases-elf.json: the blobs are taken from that file by
 * the case's line number, named in each test; data/elf_with_imports), plus
 * ELF files built in memory (notes, big endian, damaged tables) and every
 * truncation of the test files.
 *
 * The data is found through $ASSAY_SHARED (the folder holding yara-tests) or
 * ../shared; tests whose data is missing are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "assay.h"
#include "format/elf.h"
#include "yara/mod_elf.h"
#include "yara/mod_time.h"
#include "yara/module.h"
#include "test_support.h"
#include "yara_case_blob.h"
#include "yobj_path.h"

/* ---- test data --------------------------------------------------------------- */

static const char *shared_dir(void)
{
    const char *s = getenv("ASSAY_SHARED");
    return s ? s : "../shared";
}

/* The input blob of the case at `line` of cases-elf.json (skips without it). */
static uint8_t *case_blob(int line, size_t *len)
{
    return yara_case_blob("cases-elf.json", line, len);
}

static uint8_t *data_file(const char *name, size_t *len)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/data/%s", shared_dir(), name);
    uint8_t *d = ts_read_file(path, len);
    if (!d)
        skip();
    return d;
}

/* ---- the module's value tree ------------------------------------------------- */

struct loaded {
    struct yobj_arena arena;
    struct yobj *root;
    void *state;
    uint8_t *data;
    size_t len;
};

static void load_module(struct loaded *l, uint8_t *data, size_t len)
{
    memset(l, 0, sizeof *l);
    l->data = data;
    l->len = len;
    const struct yara_module *m = yara_module_find("elf");
    assert_non_null(m);
    l->root = yobj_new(&l->arena, m->decl);
    assert_non_null(l->root);
    assert_int_equal(m->load(&l->arena, l->root, data, len, &l->state), 0);
}

static void unload_module(struct loaded *l)
{
    yara_module_elf.unload(l->state);
    yobj_arena_free(&l->arena);
    free(l->data);
}

/* A value by path: "sections", "symtab[68].name" ... (NULL: no such value). */
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

static void assert_sv(struct loaded *l, const char *path, const char *want)
{
    struct yobj *o = get(l, path);
    if (!o || !o->defined)
        fail_msg("%s is undefined", path);
    if (o->n != strlen(want) || memcmp(o->s, want, o->n) != 0)
        fail_msg("%s = \"%.*s\", want \"%s\"", path, (int)o->n, (const char *)o->s, want);
}

/* Index of the first array element whose member `name` equals `want`, or -1. */
static long find_named(struct loaded *l, const char *array, const char *want)
{
    struct yobj *a = get(l, array);
    for (size_t i = 0; a && i < a->n; i++) {
        struct yobj *n = yobj_member(&a->items[i], "name");
        if (n && n->defined && n->n == strlen(want) && memcmp(n->s, want, n->n) == 0)
            return (long)i;
    }
    return -1;
}

static struct yobj_result call_fn(struct loaded *l, const char *fn)
{
    const struct yobj_overload *o = yobj_decl_overload(yobj_decl_member(yara_module_elf.decl, fn), "");
    assert_non_null(o);
    struct yobj_call c = {.module_state = l->state, .data = l->data, .len = l->len, .arena = &l->arena};
    struct yobj_result r = {0};
    o->fn(&c, NULL, &r);
    return r;
}

/* ---- cases-elf.json ---------------------------------------------------------- */

static void header_and_entry_point(void **unused)
{
    (void)unused;
    static const uint8_t code[] = {0xb8, 0x01, 0x00, 0x00, 0x00, 0xbb, 0x2a};
    struct loaded l;
    size_t n;
    uint8_t *d;

    d = case_blob(17, &n); /* 32-bit, lines 17, 23, 32 */
    load_module(&l, d, n);
    assert_int_equal(iv(&l, "type"), iv(&l, "ET_EXEC"));
    assert_int_equal(iv(&l, "machine"), iv(&l, "EM_386"));
    int64_t ep = iv(&l, "entry_point");
    assert_true(ep >= 0 && (size_t)ep + sizeof code <= n);
    assert_memory_equal(d + ep, code, sizeof code);
    unload_module(&l);

    d = case_blob(20, &n); /* 64-bit, lines 20, 27, 40 */
    load_module(&l, d, n);
    assert_int_equal(iv(&l, "machine"), iv(&l, "EM_X86_64"));
    ep = iv(&l, "entry_point");
    assert_true(ep >= 0 && (size_t)ep + sizeof code <= n);
    assert_memory_equal(d + ep, code, sizeof code);
    unload_module(&l);

    d = case_blob(48, &n); /* no section table: through the segments */
    load_module(&l, d, n);
    assert_int_equal(iv(&l, "entry_point"), 0xa0);
    assert_int_equal(iv(&l, "number_of_sections"), 0);
    unload_module(&l);

    d = case_blob(52, &n); /* ET_DYN: through the sections */
    load_module(&l, d, n);
    assert_int_equal(iv(&l, "type"), iv(&l, "ET_DYN"));
    assert_int_equal(iv(&l, "entry_point"), 0x1a0);
    unload_module(&l);

    d = case_blob(56, &n);
    load_module(&l, d, n);
    assert_sv(&l, "sections[2].name", ".comment");
    unload_module(&l);
}

static void mips_big_endian(void **unused)
{
    (void)unused;
    struct loaded l;
    size_t n;
    uint8_t *blob = case_blob(63, &n);
    load_module(&l, blob, n); /* lines 63 .. 164 share this blob */
    assert_int_equal(iv(&l, "machine"), iv(&l, "EM_MIPS"));
    assert_int_equal(iv(&l, "number_of_sections"), 35);
    assert_int_equal(iv(&l, "number_of_segments"), 10);
    long t = find_named(&l, "sections", ".text");
    assert_true(t >= 0);
    char p[64];
    snprintf(p, sizeof p, "sections[%ld].type", t);
    assert_int_equal(iv(&l, p), iv(&l, "SHT_PROGBITS"));
    snprintf(p, sizeof p, "sections[%ld].address", t);
    assert_int_equal(iv(&l, p), 0x400600);
    bool load_found = false;
    for (int i = 0; i < 10; i++) {
        snprintf(p, sizeof p, "segments[%d].type", i);
        if (iv(&l, p) != iv(&l, "PT_LOAD"))
            continue;
        snprintf(p, sizeof p, "segments[%d].virtual_address", i);
        int64_t va = iv(&l, p);
        snprintf(p, sizeof p, "segments[%d].file_size", i);
        load_found |= va == 0x400000 && iv(&l, p) == 0x95c;
    }
    assert_true(load_found);
    assert_int_equal(iv(&l, "dynamic_section_entries"), 19);
    assert_int_equal(iv(&l, "symtab_entries"), 80);
    assert_int_equal(iv(&l, "dynsym_entries"), 22);
    assert_int_equal(iv(&l, "dynamic[4].type"), iv(&l, "DT_STRTAB"));
    assert_int_equal(iv(&l, "dynamic[4].val"), 0x400484);
    assert_int_equal(iv(&l, "dynamic[13].type"), 0x70000006);
    assert_int_equal(iv(&l, "dynamic[13].val"), 0x400000);
    assert_int_equal(iv(&l, "dynamic[18].type"), iv(&l, "DT_NULL"));
    assert_sv(&l, "symtab[68].name", "_start_c");
    assert_int_equal(iv(&l, "symtab[68].type"), iv(&l, "STT_FUNC"));
    assert_int_equal(iv(&l, "symtab[68].bind"), iv(&l, "STB_GLOBAL"));
    assert_int_equal(iv(&l, "symtab[68].value"), 0x400650);
    assert_int_equal(iv(&l, "symtab[68].size"), 56);
    assert_int_equal(iv(&l, "symtab[68].shndx"), 9);
    assert_sv(&l, "dynsym[9].name", "__RLD_MAP");
    assert_int_equal(iv(&l, "dynsym[9].type"), iv(&l, "STT_OBJECT"));
    assert_int_equal(iv(&l, "dynsym[9].value"), 0x411000);
    long f = find_named(&l, "dynsym", "_fini");
    assert_true(f >= 0);
    snprintf(p, sizeof p, "dynsym[%ld].shndx", f);
    assert_int_equal(iv(&l, p), 11);
    snprintf(p, sizeof p, "dynsym[%ld].value", f);
    assert_int_equal(iv(&l, p), 0x400910);
    struct yara_elf_state *st = l.state;
    assert_true(st->elf.big_endian && !st->elf.is_64);
    assert_int_equal(st->elf.nneeded, 1);
    assert_string_equal(st->elf.needed[0], "libc.so");
    unload_module(&l);
}

static void x86_64_static(void **unused)
{
    (void)unused;
    struct loaded l;
    size_t n;
    uint8_t *blob = case_blob(186, &n);
    load_module(&l, blob, n); /* lines 186 .. 265 */
    assert_int_equal(iv(&l, "number_of_sections"), 22);
    assert_int_equal(iv(&l, "number_of_segments"), 7);
    long g = find_named(&l, "sections", ".got.plt");
    assert_true(g >= 0);
    char p[64];
    snprintf(p, sizeof p, "sections[%ld].address", g);
    assert_int_equal(iv(&l, p), 0x601000);
    assert_int_equal(iv(&l, "segments[3].type"), iv(&l, "PT_LOAD"));
    assert_int_equal(iv(&l, "segments[3].virtual_address"), 0x600e78);
    assert_int_equal(iv(&l, "segments[3].file_size"), 0x1b0);
    assert_int_equal(iv(&l, "segments[3].memory_size"), 0x1b8);
    assert_int_equal(iv(&l, "segments[3].flags"), iv(&l, "PF_R") | iv(&l, "PF_W"));
    assert_int_equal(iv(&l, "dynamic_section_entries"), 18);
    assert_int_equal(iv(&l, "symtab_entries"), 48);
    long m = find_named(&l, "symtab", "main");
    assert_true(m >= 0);
    snprintf(p, sizeof p, "symtab[%ld].shndx", m);
    assert_int_equal(iv(&l, p), 8);
    snprintf(p, sizeof p, "symtab[%ld].value", m);
    assert_int_equal(iv(&l, p), 0x400400);
    assert_sv(&l, "symtab[20].name", "__JCR_LIST__");
    assert_int_equal(iv(&l, "symtab[20].type"), iv(&l, "STT_OBJECT"));
    assert_int_equal(iv(&l, "symtab[20].bind"), iv(&l, "STB_LOCAL"));
    assert_int_equal(iv(&l, "symtab[20].value"), 0x600e88);
    assert_int_equal(iv(&l, "symtab[20].size"), 0);
    assert_int_equal(iv(&l, "dynamic[13].type"), iv(&l, "DT_PLTGOT"));
    assert_int_equal(iv(&l, "dynamic[13].val"), 0x601000);
    assert_int_equal(iv(&l, "dynamic[16].type"), iv(&l, "DT_JMPREL"));
    assert_int_equal(iv(&l, "dynamic[16].val"), 0x4003c0);
    assert_int_equal(iv(&l, "entry_point"), 0x406);
    assert_int_equal(iv(&l, "sh_entry_size"), 64);
    assert_int_equal(iv(&l, "ph_offset"), 64);
    struct yara_elf_state *st = l.state;
    assert_string_equal(st->elf.interpreter, "/lib/ld-musl-x86_64.so.1");
    unload_module(&l);
}

/* Line 178: the symbol table links to a section that does not exist. */
static void symtab_with_bad_link(void **unused)
{
    (void)unused;
    struct loaded l;
    size_t n;
    uint8_t *blob = case_blob(178, &n);
    load_module(&l, blob, n);
    assert_int_equal(iv(&l, "number_of_sections"), 3);
    assert_false(defined(&l, "symtab_entries"));
    assert_false(defined(&l, "symtab[0].name"));
    /* Its e_shstrndx is 0 (a SHT_NULL section at offset 0): no names. */
    assert_true(defined(&l, "sections[1].type"));
    assert_false(defined(&l, "sections[1].name"));
    assert_false(defined(&l, "entry_point"));
    unload_module(&l);
}

/* Line 275 and the values of YARA's later tests of the same file. */
static void telfhash_and_import_md5(void **unused)
{
    (void)unused;
    struct loaded l;
    size_t n;
    uint8_t *blob = data_file("elf_with_imports", &n);
    load_module(&l, blob, n);
    struct yobj_result r = call_fn(&l, "telfhash");
    assert_true(r.defined && r.type == YOBJ_STRING);
    assert_int_equal(r.n, YARA_TLSH_HEX_LEN);
    assert_memory_equal(r.s, "T174B012188204F00184540770331E0B111373086019509C464D0ACE88181266C09774FA", r.n);
    r = call_fn(&l, "telfhash"); /* cached */
    assert_memory_equal(r.s, "T174B0", 6);
    r = call_fn(&l, "import_md5");
    assert_true(r.defined);
    assert_int_equal(r.n, 32);
    assert_memory_equal(r.s, "141ad500037085bdbe4665241c44f936", 32);
    assert_false(defined(&l, "entry_point")); /* e_entry 0 */
    assert_int_equal(iv(&l, "dynsym_entries"), 21);
    assert_sv(&l, "dynsym[13].name", "long_function_to_make_the_tlsh_hash_work");
    struct fmt_elf *e = &((struct yara_elf_state *)l.state)->elf;
    static const uint8_t build_id[] = {0xf8, 0x55, 0x27, 0x17, 0x60, 0x0e, 0x7b, 0x97, 0x64, 0xeb,
                                       0x8b, 0x07, 0x25, 0x2b, 0x45, 0x56, 0xbe, 0x3d, 0x8a, 0x7a};
    assert_int_equal(e->build_id_size, sizeof build_id);
    assert_memory_equal(e->build_id, build_id, sizeof build_id);
    assert_int_equal(e->nnotes, 2); /* .note.gnu.property (8-aligned) and the build-id */
    assert_int_equal(e->nneeded, 2);
    assert_string_equal(e->needed[0], "libdyn.so");
    assert_string_equal(e->needed[1], "libc.so.6");
    assert_null(e->package_json);
    unload_module(&l);

    /* Without .dynsym there is nothing to hash (the blob of line 17). */
    blob = case_blob(17, &n);
    load_module(&l, blob, n);
    assert_false(call_fn(&l, "telfhash").defined);
    assert_false(call_fn(&l, "import_md5").defined);
    unload_module(&l);
}

static void tlsh_digest(void **unused)
{
    (void)unused;
    uint8_t d[512];
    for (size_t i = 0; i < sizeof d; i++)
        d[i] = (uint8_t)((i * i * 7 + i / 3) % 251);
    char out[YARA_TLSH_HEX_LEN + 1];
    assert_true(yara_tlsh_hex(d, sizeof d, out));
    /* The reference TLSH library's digest of the same bytes (without "T1"). */
    assert_string_equal(out, "T10EF00E3AB633E7B4F6B9315A36A366731DAC1704FCDC82E9209680A4F91179B7504B2C");
    assert_false(yara_tlsh_hex(d, 49, out));        /* too short */
    memset(d, 'A', sizeof d);
    assert_false(yara_tlsh_hex(d, sizeof d, out));  /* no variety */
}

/* ---- files built in memory ------------------------------------------------------ */

struct builder {
    uint8_t b[1024];
    bool be;
};

static void put(struct builder *w, size_t off, uint64_t v, int size)
{
    for (int i = 0; i < size; i++)
        w->b[off + (size_t)(w->be ? size - 1 - i : i)] = (uint8_t)(v >> (8 * i));
}

/* ELF64 ET_DYN: a build-id note, a .note.package note, .shstrtab. Returns its size. */
static size_t build_notes_elf(struct builder *w, bool be, const char *json)
{
    memset(w, 0, sizeof *w);
    w->be = be;
    memcpy(w->b, "\x7f" "ELF", 4);
    w->b[4] = 2;
    w->b[5] = be ? 2 : 1;
    w->b[6] = 1;
    put(w, 16, 3, 2);    /* ET_DYN */
    put(w, 18, 183, 2);  /* EM_AARCH64 */
    put(w, 20, 1, 4);
    put(w, 52, 64, 2);
    put(w, 58, 64, 2);
    size_t off = 64;
    /* build-id note */
    size_t bid = off;
    put(w, off, 4, 4);
    put(w, off + 4, 8, 4);
    put(w, off + 8, 3, 4);
    memcpy(w->b + off + 12, "GNU", 4);
    memcpy(w->b + off + 16, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
    off += 24;
    /* package note */
    size_t pkg = off, jl = strlen(json) + 1, jpad = (jl + 3) & ~(size_t)3;
    put(w, off, 4, 4);
    put(w, off + 4, jl, 4);
    put(w, off + 8, 0xcafe1a7e, 4);
    memcpy(w->b + off + 12, "FDO", 4);
    memcpy(w->b + off + 16, json, jl);
    off += 16 + jpad;
    size_t pkg_size = off - pkg;
    static const char names[] = "\0.note.gnu.build-id\0.note.package\0.shstrtab";
    size_t strtab = off;
    memcpy(w->b + off, names, sizeof names);
    off = (off + sizeof names + 7) & ~(size_t)7;
    size_t sh = off;
    put(w, 40, sh, 8);   /* e_shoff */
    put(w, 60, 4, 2);    /* e_shnum */
    put(w, 62, 3, 2);    /* e_shstrndx */
    struct { uint32_t name, type; size_t off, size; } secs[4] = {
        {0, 0, 0, 0}, {1, 7, bid, 24}, {20, 7, pkg, pkg_size}, {34, 3, strtab, sizeof names}};
    for (int i = 0; i < 4; i++) {
        size_t h = sh + 64 * (size_t)i;
        put(w, h, secs[i].name, 4);
        put(w, h + 4, secs[i].type, 4);
        put(w, h + 24, secs[i].off, 8);
        put(w, h + 32, secs[i].size, 8);
        put(w, h + 48, secs[i].type == 7 ? 4 : 1, 8);
    }
    return sh + 4 * 64;
}

static void notes_both_byte_orders(void **unused)
{
    (void)unused;
    static const char json[] = "{\"type\":\"deb\",\"name\":\"assay\",\"version\":\"0.1.0\"}";
    for (int be = 0; be < 2; be++) {
        struct builder w;
        size_t n = build_notes_elf(&w, be, json);
        struct fmt_elf e;
        assert_int_equal(fmt_elf_parse(w.b, n, &e), ASSAY_OK);
        assert_true(e.is_elf && e.is_64);
        assert_int_equal(e.big_endian, be);
        assert_int_equal(e.machine, 183);
        assert_int_equal(e.nsections, 4);
        assert_true(e.shstrtab_valid);
        assert_string_equal(e.sections[2].name, ".note.package");
        assert_int_equal(e.nnotes, 2);
        assert_int_equal(e.build_id_size, 8);
        assert_memory_equal(e.build_id, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
        assert_non_null(e.package_json);
        assert_string_equal(e.package_json, json);
        assert_int_equal(e.package_json_size, strlen(json));
        assert_false(e.segments_valid && e.nsegments);
        assert_false(e.has_dynamic);
        fmt_elf_free(&e);

        /* A descriptor longer than its section: no note, no crash. */
        w.b[64 + 24 + 4 + (be ? 3 : 0)] = 0xff;
        assert_int_equal(fmt_elf_parse(w.b, n, &e), ASSAY_OK);
        assert_null(e.package_json);
        assert_int_equal(e.nnotes, 1);
        fmt_elf_free(&e);
    }
}

static void not_elf_and_damaged(void **unused)
{
    (void)unused;
    struct fmt_elf e;
    assert_int_equal(fmt_elf_parse((const uint8_t *)"MZ\x90\x00", 4, &e), ASSAY_EFORMAT);
    assert_false(e.is_elf);
    fmt_elf_free(&e);

    /* Through the module: only the constants are defined. */
    struct loaded l;
    uint8_t *text = malloc(16);
    memcpy(text, "hello, world\n\0\0\0", 16);
    load_module(&l, text, 16);
    assert_null(l.state);
    assert_false(defined(&l, "type"));
    assert_false(defined(&l, "number_of_sections"));
    assert_false(defined(&l, "sections[0].name"));
    assert_int_equal(iv(&l, "EM_AARCH64"), 183);
    assert_int_equal(iv(&l, "PT_GNU_STACK"), 0x6474e551);
    assert_int_equal(iv(&l, "DT_ENCODING"), 32);
    assert_int_equal(iv(&l, "SHF_EXECINSTR"), 4);
    assert_false(call_fn(&l, "telfhash").defined);
    unload_module(&l);

    /* A header and nothing after it: YARA wants at least one more byte. */
    size_t n;
    uint8_t *d = case_blob(20, &n);
    load_module(&l, d, 64);
    assert_false(defined(&l, "type"));
    unload_module(&l);

    /* Section table past the end: the count stays, the sections do not. */
    d = case_blob(186, &n);
    d[60] = 200; /* e_shnum */
    load_module(&l, d, n);
    assert_int_equal(iv(&l, "number_of_sections"), 200);
    assert_false(defined(&l, "sections"));
    assert_false(defined(&l, "symtab_entries"));
    assert_true(defined(&l, "segments[0].type"));
    unload_module(&l);

    /* An ELF class or byte order that does not exist. */
    d = case_blob(186, &n);
    d[4] = 3;
    assert_int_equal(fmt_elf_parse(d, n, &e), ASSAY_EFORMAT);
    d[4] = 2;
    d[5] = 0;
    assert_int_equal(fmt_elf_parse(d, n, &e), ASSAY_EFORMAT);
    free(d);
}

/* Every prefix of every test file parses without a fault (run under ASan). */
static void every_truncation(void **unused)
{
    (void)unused;
    static const int lines[] = {17, 20, 52, 63, 178, 186};
    for (size_t k = 0; k < sizeof lines / sizeof lines[0] + 1; k++) {
        size_t n;
        uint8_t *d = k < sizeof lines / sizeof lines[0] ? case_blob(lines[k], &n) : data_file("elf_with_imports", &n);
        for (size_t cut = 0; cut <= n; cut += (n > 4096 ? 7 : 1)) {
            uint8_t *p = malloc(cut ? cut : 1);
            memcpy(p, d, cut);
            struct fmt_elf e;
            int rc = fmt_elf_parse(p, cut, &e);
            assert_true(rc == ASSAY_OK || rc == ASSAY_EFORMAT);
            for (size_t i = 0; i < e.nsections; i++)
                if (e.sections[i].name)
                    assert_true((const uint8_t *)e.sections[i].name >= p &&
                                (const uint8_t *)e.sections[i].name + strlen(e.sections[i].name) < p + cut);
            for (size_t i = 0; i < e.symtab.count; i++)
                if (e.symtab.symbols[i].name)
                    assert_true((const uint8_t *)e.symtab.symbols[i].name + strlen(e.symtab.symbols[i].name) < p + cut);
            char h[YARA_TLSH_HEX_LEN + 1], m[33];
            (void)yara_elf_telfhash(&e, h);
            (void)yara_elf_import_md5(&e, m);
            fmt_elf_free(&e);
            free(p);
        }
        free(d);
    }
}

/* ---- time -------------------------------------------------------------------- */

static void time_now(void **unused)
{
    (void)unused;
    const struct yara_module *m = yara_module_find("time");
    assert_non_null(m);
    const struct yobj_overload *o = yobj_decl_overload(yobj_decl_member(m->decl, "now"), "");
    assert_non_null(o);
    assert_int_equal(o->result, YOBJ_INT);
    struct yobj_arena a = {0};
    struct yobj_call c = {.arena = &a};
    int64_t before = (int64_t)time(NULL);
    struct yobj_result r = {0};
    o->fn(&c, NULL, &r);
    int64_t after = (int64_t)time(NULL);
    assert_true(r.defined && r.type == YOBJ_INT);
    assert_true(r.i >= before && r.i <= after && r.i > 1600000000);
    assert_null(yobj_decl_overload(yobj_decl_member(m->decl, "now"), "i"));
    yobj_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(header_and_entry_point),
        cmocka_unit_test(mips_big_endian),
        cmocka_unit_test(x86_64_static),
        cmocka_unit_test(symtab_with_bad_link),
        cmocka_unit_test(telfhash_and_import_md5),
        cmocka_unit_test(tlsh_digest),
        cmocka_unit_test(notes_both_byte_orders),
        cmocka_unit_test(not_elf_and_damaged),
        cmocka_unit_test(every_truncation),
        cmocka_unit_test(time_now),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
