/* test_yara_dex.c — the DEX parser (format/dex.h) and YARA's `dex` module:
 * a DEX file built in memory (two classes with fields, direct and virtual
 * methods, code items, a map list) and damaged copies of it, checked against
 * what YARA gives for the same bytes (its quirks: string values read after
 * the first length byte, unresolved items that consume nothing, the chain of
 * id tables, class data that stops the walk, an incomplete map list), the
 * functions through rules, caps, and every truncation; plus the blob of
 * ../shared/yara-tests/cases-dex.json (through $ASSAY_SHARED, skipped when
 * missing). */
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
#include "format/dex.h"
#include "yara/module.h"
#include "test_support.h"
#include "yara_case_blob.h"
#include "yobj_path.h"

/* ---- building a DEX file ------------------------------------------------------ */

#define BMAX 4096

struct dexb {
    uint8_t b[BMAX];
    size_t n;
    /* Where things went, for the tests that damage them. */
    uint32_t string_ids, type_ids, proto_ids, field_ids, method_ids, class_defs;
    uint32_t class_data[2], map, code[3], strings_data;
};

static void put16(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, v & 0xffff);
    put16(p + 2, v >> 16);
}

static uint32_t get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void emit(struct dexb *d, const void *p, size_t n)
{
    assert_true(d->n + n <= BMAX);
    memcpy(d->b + d->n, p, n);
    d->n += n;
}

static void emit_uleb(struct dexb *d, uint32_t v)
{
    do {
        uint8_t c = v & 0x7f;
        v >>= 7;
        if (v)
            c |= 0x80;
        emit(d, &c, 1);
    } while (v);
}

static void emit32(struct dexb *d, uint32_t v)
{
    uint8_t t[4];
    put32(t, v);
    emit(d, t, 4);
}

static void align4(struct dexb *d)
{
    static const uint8_t z[4];
    emit(d, z, (4 - d->n % 4) % 4);
}

/* Offsets of header words. */
enum {
    HO_MAP = 0x34, HO_STRING_IDS = 0x38, HO_TYPE_IDS = 0x40, HO_PROTO_IDS = 0x48, HO_FIELD_IDS = 0x50,
    HO_METHOD_IDS = 0x58, HO_CLASS_DEFS = 0x60
};

/* The strings, sorted as a DEX wants them; LONG_STRING has a 2-byte length. */
enum { S_INIT, S_I, S_LA, S_LB, S_OBJECT, S_V, S_VI, S_F1, S_F2, S_G, S_M1, S_M2, S_RUN, S_LONG, S_COUNT };
static const char *const sample_strings[S_COUNT - 1] = {
    "<init>", "I", "LA;", "LB;", "Ljava/lang/Object;", "V", "VI", "f1", "f2", "g", "m1", "m2", "run"};
#define LONG_LEN 200

/* Two classes: LA; (static fields f1 f2, direct <init>, virtual m1 m2) and LB;
 * (instance field g, direct <init>, virtual m1 of LA; with no code). */
static void build_sample(struct dexb *d)
{
    memset(d, 0, sizeof *d);
    d->n = FMT_DEX_HEADER_SIZE;
    /* types: I LA; LB; Ljava/lang/Object; V */
    static const uint32_t types[] = {S_I, S_LA, S_LB, S_OBJECT, S_V};
    static const uint32_t protos[][3] = {{S_V, 4, 0}, {S_VI, 4, 0}};
    static const uint32_t fields[][3] = {{1, 0, S_F1}, {1, 0, S_F2}, {2, 1, S_G}};
    static const uint32_t methods[][3] = {{1, 0, S_INIT}, {1, 1, S_M1}, {1, 0, S_M2},
                                          {2, 0, S_INIT}, {2, 0, S_RUN}, {3, 0, S_INIT}};
    d->string_ids = (uint32_t)d->n;
    d->n += 4 * S_COUNT;
    d->type_ids = (uint32_t)d->n;
    for (size_t i = 0; i < 5; i++)
        emit32(d, types[i]);
    d->proto_ids = (uint32_t)d->n;
    for (size_t i = 0; i < 2; i++)
        for (size_t k = 0; k < 3; k++)
            emit32(d, protos[i][k]);
    d->field_ids = (uint32_t)d->n;
    for (size_t i = 0; i < 3; i++) {
        uint8_t t[8];
        put16(t, fields[i][0]);
        put16(t + 2, fields[i][1]);
        put32(t + 4, fields[i][2]);
        emit(d, t, 8);
    }
    d->method_ids = (uint32_t)d->n;
    for (size_t i = 0; i < 6; i++) {
        uint8_t t[8];
        put16(t, methods[i][0]);
        put16(t + 2, methods[i][1]);
        put32(t + 4, methods[i][2]);
        emit(d, t, 8);
    }
    d->class_defs = (uint32_t)d->n;
    d->n += 2 * 32;
    uint32_t data_off = (uint32_t)d->n;

    /* Code items: <init> of LA;, m1 (odd insns_size, one try), <init> of LB;. */
    static const uint8_t init_insns[] = {0x70, 0x10, 0x05, 0x00, 0x01, 0x00, 0x0e, 0x00};
    static const uint8_t m1_insns[] = {0x00, 0x00, 0x00, 0x00, 0x0e, 0x00};
    for (int c = 0; c < 3; c++) {
        align4(d);
        d->code[c] = (uint32_t)d->n;
        uint8_t h[16];
        bool m1 = c == 1;
        put16(h, m1 ? 3 : 2);
        put16(h + 2, 1);
        put16(h + 4, m1 ? 0 : 1);
        put16(h + 6, m1 ? 1 : 0);
        put32(h + 8, 0);
        put32(h + 12, m1 ? 3 : 4);
        emit(d, h, 16);
        if (m1)
            emit(d, m1_insns, sizeof m1_insns);
        else
            emit(d, init_insns, sizeof init_insns);
    }
    /* String data. */
    d->strings_data = (uint32_t)d->n;
    for (int s = 0; s < S_COUNT; s++) {
        put32(d->b + d->string_ids + 4 * s, (uint32_t)d->n);
        if (s == S_LONG) {
            emit_uleb(d, LONG_LEN);
            for (int k = 0; k < LONG_LEN; k++)
                emit(d, "x", 1);
        } else {
            emit_uleb(d, (uint32_t)strlen(sample_strings[s]));
            emit(d, sample_strings[s], strlen(sample_strings[s]));
        }
        emit(d, "", 1);
    }
    /* Class data of LA; and LB;. */
    d->class_data[0] = (uint32_t)d->n;
    emit_uleb(d, 2), emit_uleb(d, 0), emit_uleb(d, 1), emit_uleb(d, 2);
    emit_uleb(d, 0), emit_uleb(d, 8);                                   /* f1 */
    emit_uleb(d, 1), emit_uleb(d, 8);                                   /* f2 */
    emit_uleb(d, 0), emit_uleb(d, 0x10001), emit_uleb(d, d->code[0]);   /* <init> */
    emit_uleb(d, 1), emit_uleb(d, 1), emit_uleb(d, d->code[1]);         /* m1 */
    emit_uleb(d, 1), emit_uleb(d, 1), emit_uleb(d, 0);                  /* m2 */
    d->class_data[1] = (uint32_t)d->n;
    emit_uleb(d, 0), emit_uleb(d, 1), emit_uleb(d, 1), emit_uleb(d, 1);
    emit_uleb(d, 2), emit_uleb(d, 2);                                   /* g */
    emit_uleb(d, 3), emit_uleb(d, 0x10001), emit_uleb(d, d->code[2]);   /* <init> of LB; */
    emit_uleb(d, 1), emit_uleb(d, 1), emit_uleb(d, 0);                  /* m1 of LA; */
    /* Class definitions. */
    for (int c = 0; c < 2; c++) {
        uint8_t *p = d->b + d->class_defs + 32 * c;
        const uint32_t v[8] = {(uint32_t)c + 1, 1, 3, 0, 0xffffffff, 0, d->class_data[c], 0};
        for (int k = 0; k < 8; k++)
            put32(p + 4 * k, v[k]);
    }
    /* Map list. */
    align4(d);
    d->map = (uint32_t)d->n;
    const uint32_t items[][3] = {{0, 1, 0},           {1, S_COUNT, d->string_ids}, {2, 5, d->type_ids},
                                 {3, 2, d->proto_ids}, {4, 3, d->field_ids},        {5, 6, d->method_ids},
                                 {6, 2, d->class_defs}, {0x1000, 1, d->map}};
    emit32(d, 8);
    for (int i = 0; i < 8; i++) {
        uint8_t t[12];
        put16(t, items[i][0]);
        put16(t + 2, 0);
        put32(t + 4, items[i][1]);
        put32(t + 8, items[i][2]);
        emit(d, t, 12);
    }
    /* Header. */
    memcpy(d->b, "dex\n035\0", 8);
    put32(d->b + 8, 0x11223344);
    for (int i = 0; i < 20; i++)
        d->b[12 + i] = (uint8_t)(i + 1);
    const uint32_t words[20] = {(uint32_t)d->n, 0x70,        0x12345678,     0,          0,
                                d->map,         S_COUNT,     d->string_ids,  5,          d->type_ids,
                                2,              d->proto_ids, 3,             d->field_ids, 6,
                                d->method_ids,  2,           d->class_defs,  (uint32_t)d->n - data_off, data_off};
    for (int i = 0; i < 20; i++)
        put32(d->b + 32 + 4 * i, words[i]);
}

/* ---- the module's value tree ------------------------------------------------------ */

struct loaded {
    struct yobj_arena arena;
    struct yobj *root;
    void *state;
};

static void load(struct loaded *l, const uint8_t *data, size_t len)
{
    memset(l, 0, sizeof *l);
    const struct yara_module *m = yara_module_find("dex");
    assert_non_null(m);
    l->root = yobj_new(&l->arena, m->decl);
    assert_non_null(l->root);
    assert_int_equal(m->load(&l->arena, l->root, data, len, &l->state), 0);
}

static void unload(struct loaded *l)
{
    yara_module_dex.unload(l->state);
    yobj_arena_free(&l->arena);
}

/* A value by path: "method[1].code_item.insns" (NULL: no such value). */
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
    return o && o->defined ? o->n : 0;
}

static void assert_sv_n(struct loaded *l, const char *path, const void *want, size_t n)
{
    struct yobj *o = get(l, path);
    if (!o || !o->defined)
        fail_msg("%s is undefined", path);
    if (o->n != n || memcmp(o->s, want, n) != 0)
        fail_msg("%s = \"%.*s\" (%zu bytes), want %zu bytes", path, (int)o->n, (const char *)o->s, o->n, n);
}

static void assert_sv(struct loaded *l, const char *path, const char *want)
{
    assert_sv_n(l, path, want, strlen(want));
}

/* ---- values of the sample ----------------------------------------------------------- */

static void sample_values(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    struct loaded l;
    load(&l, d.b, d.n);

    assert_sv(&l, "header.magic", "dex\n035");
    assert_sv_n(&l, "header.magic", "dex\n035", 7);
    struct yobj *magic = get(&l, "DEX_FILE_MAGIC_035");
    assert_true(magic && magic->n == 7 && memcmp(magic->s, "dex\n035", 7) == 0);
    assert_int_equal(iv(&l, "header.checksum"), 0x11223344);
    assert_int_equal(count(&l, "header.signature") ? get(&l, "header.signature")->n : 0, 20);
    assert_int_equal(iv(&l, "header.file_size"), d.n);
    assert_int_equal(iv(&l, "header.endian_tag"), iv(&l, "ENDIAN_CONSTANT"));
    assert_int_equal(iv(&l, "header.string_ids_size"), S_COUNT);
    assert_int_equal(iv(&l, "header.map_offset"), d.map);

    assert_int_equal(count(&l, "string_ids"), S_COUNT);
    assert_sv(&l, "string_ids[0].value", "<init>");
    assert_int_equal(iv(&l, "string_ids[4].size"), 18);
    assert_int_equal(iv(&l, "string_ids[4].offset"), get32(d.b + d.string_ids + 16));
    assert_sv(&l, "string_ids[4].value", "Ljava/lang/Object;");
    assert_int_equal(iv(&l, "type_ids[1].descriptor_idx"), S_LA);
    assert_int_equal(iv(&l, "proto_ids[1].shorty_idx"), S_VI);
    assert_int_equal(iv(&l, "proto_ids[1].return_type_idx"), 4);
    assert_int_equal(iv(&l, "field_ids[2].class_idx"), 2);
    assert_int_equal(iv(&l, "field_ids[2].type_idx"), 1);
    assert_int_equal(iv(&l, "field_ids[2].name_idx"), S_G);
    assert_int_equal(iv(&l, "method_ids[1].proto_idx"), 1);
    assert_int_equal(iv(&l, "method_ids[4].name_idx"), S_RUN);
    assert_int_equal(iv(&l, "class_defs[1].class_idx"), 2);
    assert_int_equal(iv(&l, "class_defs[0].source_file_idx"), iv(&l, "NO_INDEX"));
    assert_int_equal(iv(&l, "class_defs[1].class_data_offset"), d.class_data[1]);
    assert_int_equal(iv(&l, "class_data_item[0].static_fields_size"), 2);
    assert_int_equal(iv(&l, "class_data_item[0].virtual_methods_size"), 2);
    assert_int_equal(iv(&l, "class_data_item[1].instance_fields_size"), 1);

    assert_int_equal(iv(&l, "number_of_fields"), 3);
    assert_sv(&l, "field[1].name", "f2");
    assert_sv(&l, "field[1].class_name", "LA;");
    assert_sv(&l, "field[1].proto", "I");
    assert_int_equal(iv(&l, "field[1].field_idx_diff"), 1);
    assert_int_equal(iv(&l, "field[1].access_flags"), iv(&l, "ACC_STATIC"));
    assert_sv(&l, "field[2].name", "g");
    assert_sv(&l, "field[2].proto", "LA;");

    assert_int_equal(iv(&l, "number_of_methods"), 5);
    assert_sv(&l, "method[0].name", "<init>");
    assert_int_equal(iv(&l, "method[0].direct"), 1);
    assert_int_equal(iv(&l, "method[0].virtual"), 0);
    assert_int_equal(iv(&l, "method[0].access_flags"),
                     iv(&l, "ACC_PUBLIC") | iv(&l, "ACC_CONSTRUCTOR"));
    assert_int_equal(iv(&l, "method[0].code_off"), d.code[0]);
    assert_int_equal(iv(&l, "method[0].code_item.registers_size"), 2);
    assert_int_equal(iv(&l, "method[0].code_item.insns_size"), 4);
    assert_sv_n(&l, "method[0].code_item.insns", "\x70\x10\x05\x00\x01\x00\x0e\x00", 8);
    assert_sv(&l, "method[1].name", "m1");
    assert_sv(&l, "method[1].proto", "VI");
    assert_int_equal(iv(&l, "method[1].virtual"), 1);
    assert_int_equal(iv(&l, "method[1].code_item.tries_size"), 1);
    assert_false(defined(&l, "method[1].code_item.padding")); /* never filled, as YARA */
    assert_sv(&l, "method[2].name", "m2");                      /* index 1 + 1 */
    assert_false(defined(&l, "method[2].code_item.insns_size")); /* code_off 0 */
    assert_sv(&l, "method[3].class_name", "LB;");
    /* LB;'s virtual list restarts from index 0: diff 1 is m1 of LA;. */
    assert_sv(&l, "method[4].class_name", "LA;");
    assert_sv(&l, "method[4].name", "m1");

    assert_int_equal(iv(&l, "map_list.size"), 8);
    assert_int_equal(iv(&l, "map_list.map_item[0].type"), iv(&l, "TYPE_HEADER_ITEM"));
    assert_int_equal(iv(&l, "map_list.map_item[7].type"), iv(&l, "TYPE_MAP_LIST"));
    assert_int_equal(iv(&l, "map_list.map_item[7].offset"), d.map);
    assert_int_equal(iv(&l, "TYPE_CODE_ITEM"), 0x2001);
    assert_int_equal(iv(&l, "ACC_DECLARED_SYNCHRONIZED"), 0x20000);

    const struct fmt_dex *x = l.state;
    assert_true(x->is_dex && x->classes_complete && !x->truncated);
    unload(&l);
}

/* A string's value is read after its first length byte, as YARA does. */
static void string_quirks(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    struct loaded l;
    load(&l, d.b, d.n);
    assert_int_equal(iv(&l, "string_ids[13].size"), LONG_LEN);
    struct yobj *v = get(&l, "string_ids[13].value");
    assert_true(v && v->defined && v->n == LONG_LEN);
    assert_int_equal(v->s[0], 0x01); /* the second byte of the ULEB128 200 */
    assert_int_equal(v->s[1], 'x');
    unload(&l);

    /* A string with fewer than 4 readable bytes, or a value past the end, is
     * left out whole; names through it are undefined. */
    uint8_t buf[BMAX + 8];
    memcpy(buf, d.b, d.n);
    memcpy(buf + d.n, "\x01" "a", 2);
    put32(buf + d.string_ids + 4 * S_M1, (uint32_t)d.n);
    load(&l, buf, d.n + 2);
    assert_false(defined(&l, "string_ids[10].offset"));
    assert_false(defined(&l, "string_ids[10].value"));
    assert_sv(&l, "string_ids[11].value", "m2");
    assert_false(defined(&l, "method[1].name"));
    assert_sv(&l, "method[1].proto", "VI");
    unload(&l);
    memcpy(buf + d.n, "\x05" "abc", 4); /* 4 bytes readable, value too long */
    load(&l, buf, d.n + 4);
    assert_false(defined(&l, "string_ids[10].size"));
    unload(&l);
    memcpy(buf + d.n, "\x82\x80\x80\x80\x10" "ab", 7); /* fifth byte: bits past 32 dropped */
    load(&l, buf, d.n + 7);
    assert_int_equal(iv(&l, "string_ids[10].size"), 2);
    assert_sv(&l, "string_ids[10].value", "\x80\x80");
    unload(&l);
}

static void not_dex(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    struct loaded l;

    load(&l, (const uint8_t *)"dummy", 5);
    assert_int_equal(iv(&l, "ACC_PUBLIC"), 1);
    assert_int_equal(iv(&l, "REVERSE_ENDIAN_CONSTANT"), 0x78563412);
    assert_sv(&l, "DEX_FILE_MAGIC_039", "dex\n039");
    assert_false(defined(&l, "header.magic"));
    assert_false(defined(&l, "number_of_methods"));
    assert_int_equal(count(&l, "string_ids"), 0);
    assert_null(l.state);
    unload(&l);

    load(&l, d.b, FMT_DEX_HEADER_SIZE - 1); /* a header needs 0x70 bytes */
    assert_false(defined(&l, "header.checksum"));
    unload(&l);
    load(&l, d.b, FMT_DEX_HEADER_SIZE); /* a header alone: the tables are outside */
    assert_int_equal(iv(&l, "header.checksum"), 0x11223344);
    assert_false(defined(&l, "map_list.size"));
    assert_int_equal(count(&l, "string_ids"), 0);
    unload(&l);

    uint8_t buf[BMAX];
    memcpy(buf, d.b, d.n);
    buf[7] = 'X'; /* the magic is 8 bytes with its NUL */
    load(&l, buf, d.n);
    assert_false(defined(&l, "header.magic"));
    unload(&l);
    memcpy(buf, "dex\n040", 8);
    load(&l, buf, d.n);
    assert_false(defined(&l, "header.magic"));
    unload(&l);
    memcpy(buf, "dex\n039", 8);
    buf[12] = 1, buf[13] = 0; /* the signature stops at its first NUL */
    load(&l, buf, d.n);
    assert_sv(&l, "header.magic", "dex\n039");
    assert_sv(&l, "header.signature", "\x01");
    unload(&l);
}

/* The id tables are read in order and the first outside the file stops
 * everything after it; the map list and class_defs do not stop each other. */
static void table_chain(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    struct loaded l;
    uint8_t buf[BMAX];

    memcpy(buf, d.b, d.n);
    put32(buf + HO_STRING_IDS, 1000);
    load(&l, buf, d.n);
    assert_true(defined(&l, "header.type_ids_size"));
    assert_int_equal(count(&l, "string_ids"), 0);
    assert_int_equal(count(&l, "type_ids"), 0);
    assert_false(defined(&l, "map_list.size"));
    assert_false(defined(&l, "number_of_methods"));
    unload(&l);

    memcpy(buf, d.b, d.n);
    put32(buf + HO_PROTO_IDS, 0xffffffff);
    load(&l, buf, d.n);
    assert_int_equal(count(&l, "type_ids"), 5);
    assert_int_equal(count(&l, "proto_ids"), 0);
    assert_int_equal(count(&l, "field_ids"), 0);
    unload(&l);

    memcpy(buf, d.b, d.n);
    put32(buf + HO_TYPE_IDS, 0);
    put32(buf + HO_TYPE_IDS + 4, (uint32_t)d.n + 1); /* empty, but past the end */
    load(&l, buf, d.n);
    assert_int_equal(count(&l, "type_ids"), 0);
    assert_int_equal(count(&l, "proto_ids"), 0);
    unload(&l);

    memcpy(buf, d.b, d.n);
    put32(buf + HO_CLASS_DEFS, 100);
    load(&l, buf, d.n);
    assert_int_equal(count(&l, "method_ids"), 6);
    assert_int_equal(iv(&l, "map_list.size"), 8);
    assert_int_equal(count(&l, "class_defs"), 0);
    assert_false(defined(&l, "number_of_fields"));
    unload(&l);

    memcpy(buf, d.b, d.n);
    put32(buf + HO_MAP, (uint32_t)d.n - 2); /* count unreadable: classes still read */
    load(&l, buf, d.n);
    assert_false(defined(&l, "map_list.size"));
    assert_int_equal(iv(&l, "number_of_methods"), 5);
    unload(&l);

    memcpy(buf, d.b, d.n);
    put32(buf + d.map, 9); /* one item too many: YARA stops at the map list */
    load(&l, buf, d.n);
    assert_int_equal(iv(&l, "map_list.size"), 9);
    assert_int_equal(count(&l, "map_list.map_item"), 8);
    assert_int_equal(count(&l, "class_defs"), 0);
    assert_false(defined(&l, "number_of_methods"));
    unload(&l);

    memcpy(buf, d.b, d.n);
    put32(buf + d.map, (uint32_t)(d.n / 12 + 1)); /* 4 + count * 12 > file size */
    load(&l, buf, d.n);
    assert_int_equal(count(&l, "map_list.map_item"), 0);
    assert_int_equal(count(&l, "class_defs"), 0);
    unload(&l);
}

/* An item whose index is outside field_ids / method_ids consumes nothing:
 * the next lists read the same bytes (YARA's behaviour). */
static void unresolved_items(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    uint8_t buf[BMAX];
    memcpy(buf, d.b, d.n);
    /* f1's diff 0 -> 3 (field_ids has 3): LA;'s fields fail, its direct
     * method list then decodes "03 08 01" (f1's and f2's bytes): diff 3 is
     * <init> of LB;, access 8, code_off 1. */
    uint8_t *cd = buf + d.class_data[0];
    assert_int_equal(cd[4], 0);
    cd[4] = 3;
    struct loaded l;
    load(&l, buf, d.n);
    assert_int_equal(iv(&l, "number_of_fields"), 1); /* g only */
    assert_sv(&l, "field[0].name", "g");
    assert_int_equal(iv(&l, "method[0].method_idx_diff"), 3);
    assert_int_equal(iv(&l, "method[0].access_flags"), 8);
    assert_sv(&l, "method[0].class_name", "LB;");
    assert_sv(&l, "method[0].name", "<init>");
    const struct fmt_dex *x = l.state;
    assert_int_equal(x->nfields, 1);
    unload(&l);

    /* A method index out of range: counted nowhere; its raw values stay in
     * the next slot. */
    memcpy(buf, d.b, d.n);
    cd = buf + d.class_data[1];
    cd[6] = 0x7f; /* LB;'s <init> diff 3 -> 127 */
    load(&l, buf, d.n);
    assert_int_equal(iv(&l, "number_of_methods"), 3);
    assert_int_equal(count(&l, "method"), 4);
    assert_int_equal(iv(&l, "method[3].method_idx_diff"), 127);
    assert_int_equal(iv(&l, "method[3].virtual"), 1); /* the virtual list failed last */
    assert_false(defined(&l, "method[3].name"));
    assert_false(defined(&l, "method[3].code_item.insns_size"));
    unload(&l);

    /* Names through tables that do not hold the index are undefined. */
    memcpy(buf, d.b, d.n);
    put16(buf + d.method_ids, 9);          /* class_idx past type_ids */
    put16(buf + d.method_ids + 8 + 2, 2);  /* proto_idx past proto_ids */
    load(&l, buf, d.n);
    assert_false(defined(&l, "method[0].class_name"));
    assert_sv(&l, "method[0].name", "<init>");
    assert_sv(&l, "method[1].class_name", "LA;");
    assert_false(defined(&l, "method[1].proto"));
    unload(&l);
}

/* Class data needs 16 readable bytes; otherwise the walk stops there. */
static void class_data_limits(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    uint8_t buf[BMAX + 32];
    struct loaded l;

    memcpy(buf, d.b, d.n);
    memset(buf + d.n, 0, 8);
    put32(buf + d.class_defs + 32 + 24, (uint32_t)d.n); /* LB;'s class data: 8 bytes */
    load(&l, buf, d.n + 8);
    assert_int_equal(count(&l, "class_defs"), 2);
    assert_int_equal(count(&l, "class_data_item"), 1);
    assert_false(defined(&l, "number_of_fields"));
    assert_false(defined(&l, "number_of_methods"));
    assert_sv(&l, "method[2].name", "m2"); /* LA;'s were read */
    unload(&l);

    put32(buf + d.class_defs + 24, (uint32_t)d.n); /* now LA;'s: LB; is never reached */
    load(&l, buf, d.n + 8);
    assert_int_equal(count(&l, "class_defs"), 1);
    assert_int_equal(count(&l, "class_data_item"), 0);
    unload(&l);

    /* A class without class data takes no class_data_item slot. */
    memcpy(buf, d.b, d.n);
    put32(buf + d.class_defs + 24, 0);
    load(&l, buf, d.n);
    assert_int_equal(count(&l, "class_data_item"), 1);
    assert_int_equal(iv(&l, "class_data_item[0].instance_fields_size"), 1);
    assert_int_equal(iv(&l, "number_of_methods"), 2);
    unload(&l);

    /* Code items: 16 bytes for the header, insns_size * 2 for the code. */
    memcpy(buf, d.b, d.n);
    memcpy(buf + d.n, buf + d.code[0], 16 + 6);
    put32(buf + d.n + 12, 0x80000003); /* insns_size * 2 must not wrap */
    /* New class data for LA; after it: no fields, one direct method. */
    uint32_t off = (uint32_t)d.n + 22;
    uint8_t cdata[16] = {0, 0, 1, 0, 0, 1};
    uint32_t code = (uint32_t)d.n;
    assert_true(code >= 128 && code < 16384); /* a 2-byte ULEB128 */
    cdata[6] = (uint8_t)(0x80 | (code & 0x7f));
    cdata[7] = (uint8_t)((code >> 7) & 0x7f);
    memcpy(buf + off, cdata, 16);
    put32(buf + d.class_defs + 24, off);
    load(&l, buf, off + 16);
    assert_int_equal(iv(&l, "method[0].code_item.insns_size"), 0x80000003);
    assert_false(defined(&l, "method[0].code_item.insns"));
    unload(&l);
}

/* ---- functions, through rules ------------------------------------------------------- */

static bool rule_matches(const uint8_t *data, size_t len, const char *condition)
{
    char text[512];
    snprintf(text, sizeof text, "import \"dex\"\nrule t { condition: %s }\n", condition);
    const char *pairs[] = {"t.yar", text, NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    struct ts_results r;
    ts_scan(db, "sample.dex", data, len, &r);
    assay_db_free(db);
    return ts_find(&r, "t") != NULL;
}

static void functions(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    assert_true(rule_matches(d.b, d.n, "dex.has_method(\"m2\")"));
    assert_false(rule_matches(d.b, d.n, "dex.has_method(\"run\")")); /* in method_ids only */
    assert_false(rule_matches(d.b, d.n, "dex.has_method(\"M2\")"));
    assert_true(rule_matches(d.b, d.n, "dex.has_method(\"LB;\", \"<init>\")"));
    assert_false(rule_matches(d.b, d.n, "dex.has_method(\"LB;\", \"m2\")"));
    assert_true(rule_matches(d.b, d.n, "dex.has_method(/^m\\d$/)"));
    assert_true(rule_matches(d.b, d.n, "dex.has_method(/B/, /init/)"));
    assert_false(rule_matches(d.b, d.n, "dex.has_method(/B/, /^m/)"));
    assert_true(rule_matches(d.b, d.n, "dex.has_class(\"LB;\")"));
    assert_false(rule_matches(d.b, d.n, "dex.has_class(\"Ljava/lang/Object;\")"));
    assert_true(rule_matches(d.b, d.n, "dex.has_class(/^LA/)"));
    assert_true(rule_matches(d.b, d.n, "dex.has_class(/X/) == 0"));
    assert_true(rule_matches(d.b, d.n, "dex.header.magic == dex.DEX_FILE_MAGIC_035"));
    assert_true(rule_matches(d.b, d.n, "for any m in dex.method : (m.name == \"m1\" and m.virtual == 1)"));
    assert_true(rule_matches((const uint8_t *)"dummy", 5, "not defined dex.has_method(\"m1\")"));
    assert_true(rule_matches(d.b, FMT_DEX_HEADER_SIZE, "not defined dex.has_class(/A/)"));

    /* Names compare as C strings: "r\0un" is "r" for the functions. */
    uint8_t buf[BMAX];
    memcpy(buf, d.b, d.n);
    uint32_t run = get32(buf + d.string_ids + 4 * S_RUN);
    memcpy(buf + run + 1, "r\0n", 3);
    put32(buf + d.method_ids + 8 * 2 + 4, S_RUN); /* m2 is now "r\0n" */
    assert_true(rule_matches(buf, d.n, "dex.method[2].name == \"r\\x00n\""));
    assert_true(rule_matches(buf, d.n, "dex.has_method(\"r\")"));
    assert_true(rule_matches(buf, d.n, "dex.has_method(/^r$/)"));
    assert_false(rule_matches(buf, d.n, "dex.has_method(/^r.n/)"));
}

/* ---- caps and damage ------------------------------------------------------------------ */

/* A list of 2^32 - 1 items whose index fails ends at once; a list of valid
 * items stops at FMT_DEX_MAX_ENCODED. */
static void caps(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    uint8_t *buf = malloc(d.n + 4 * FMT_DEX_MAX_ENCODED + 64);
    assert_non_null(buf);
    memcpy(buf, d.b, d.n);
    size_t n = d.n;
    uint32_t off = (uint32_t)n;
    static const uint8_t huge[] = {0xff, 0xff, 0xff, 0xff, 0x0f};
    memcpy(buf + n, huge, 5); /* static fields: 2^32 - 1 */
    memcpy(buf + n + 5, "\x00\x00\x00", 3);
    memcpy(buf + n + 8, "\x7f\x00\x00\x00\x00\x00\x00\x00", 8); /* field diff 127: fails */
    n += 16;
    put32(buf + d.class_defs + 24, off);
    clock_t t0 = clock();
    struct loaded l;
    load(&l, buf, n);
    assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0);
    assert_int_equal(iv(&l, "class_data_item[0].static_fields_size"), 0xffffffff);
    assert_int_equal(iv(&l, "number_of_fields"), 1);
    unload(&l);

    /* More valid methods than the cap: diff 0 resolves to index 0 each time. */
    n = d.n;
    off = (uint32_t)n;
    memcpy(buf + n, "\x00\x00\xff\xff\x07\x00", 6); /* 131071 direct methods */
    n += 6;
    for (size_t i = 0; i < FMT_DEX_MAX_ENCODED + 10; i++) {
        memcpy(buf + n, "\x00\x01\x00", 3);
        n += 3;
    }
    memset(buf + n, 0, 16);
    n += 16;
    put32(buf + d.class_defs + 24, off);
    struct fmt_dex x;
    assert_int_equal(fmt_dex_parse(buf, n, &x), ASSAY_OK);
    assert_true(x.truncated && x.classes_complete);
    assert_int_equal(x.nmethods, FMT_DEX_MAX_ENCODED);
    assert_string_equal((const char *)x.methods[7].name->value, "<init>");
    fmt_dex_free(&x);
    free(buf);
}

/* Every truncation, and every byte set to 0x00, 0x80 or 0xff, loads. */
static void every_truncation_and_byte(void **unused)
{
    (void)unused;
    struct dexb d;
    build_sample(&d);
    uint8_t buf[BMAX];
    for (size_t n = 0; n <= d.n; n++) {
        struct loaded l;
        load(&l, d.b, n);
        unload(&l);
    }
    static const uint8_t values[] = {0x00, 0x80, 0xff};
    for (size_t i = 0; i < d.n; i++) {
        for (size_t v = 0; v < sizeof values; v++) {
            memcpy(buf, d.b, d.n);
            buf[i] = values[v];
            struct loaded l;
            load(&l, buf, d.n);
            unload(&l);
        }
    }
}

/* ---- cases-dex.json ---------------------------------------------------------------------- */

static uint8_t *case_blob(int line, size_t *len)
{
    return yara_case_blob("cases-dex.json", line, len);
}

static void yara_test_blob(void **unused)
{
    (void)unused;
    size_t n;
    uint8_t *blob = case_blob(15, &n); /* every case shares this blob */
    struct loaded l;
    load(&l, blob, n);
    assert_int_equal(iv(&l, "header.checksum"), 0x3F9C602F);
    assert_int_equal(iv(&l, "header.data_size"), 0x18C);
    assert_sv(&l, "string_ids[8].value", "com.google.helloyara");
    assert_int_equal(iv(&l, "proto_ids[0].shorty_idx"), 6);
    assert_int_equal(iv(&l, "number_of_fields"), 2);
    assert_sv(&l, "field[0].name", "applicationId");
    assert_sv(&l, "field[0].proto", "Ljava/lang/String;");
    assert_int_equal(iv(&l, "number_of_methods"), 2);
    assert_sv(&l, "method[0].name", "<clinit>");
    assert_sv(&l, "method[1].name", "<init>");
    assert_int_equal(iv(&l, "method[1].code_item.debug_info_off"), 481);
    assert_int_equal(iv(&l, "map_list.size"), 12);
    /* The signature holds a NUL after 17 bytes: YARA cuts it there. */
    assert_int_equal(get(&l, "header.signature")->n, 17);
    unload(&l);
    assert_true(rule_matches(blob, n, "dex.has_method(\"Lcom/android/tools/ir/server/AppInfo;\", \"<clinit>\")"));
    free(blob);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_values),
        cmocka_unit_test(string_quirks),
        cmocka_unit_test(not_dex),
        cmocka_unit_test(table_chain),
        cmocka_unit_test(unresolved_items),
        cmocka_unit_test(class_data_limits),
        cmocka_unit_test(functions),
        cmocka_unit_test(caps),
        cmocka_unit_test(every_truncation_and_byte),
        cmocka_unit_test(yara_test_blob),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
