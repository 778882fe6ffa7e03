/* test_yara_dotnet.c — the CLI metadata parser (format/dotnet.h) and YARA's
 * `dotnet` module: a .NET PE built in memory (every table the module reads,
 * generic, nested and interface types, signatures with pointers, arrays,
 * function pointers and custom modifiers) checked value by value; the .NET
 * files of ../shared/yara-tests/data against the values YARA gives; damaged
 * metadata (every truncation, byte flips, huge row counts, nesting and
 * TypeSpec cycles, a bad version length) that must parse without reading
 * out of bounds.
 *
 * The shared data is found through $ASSAY_SHARED; tests that need it are
 * skipped without it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yobj_path.h"
#include "assay.h"
#include "format/dotnet.h"
#include "yara/module.h"

/* ---- building a .NET PE ---------------------------------------------------- */

#define NTAB 0x2d

struct bytes {
    uint8_t b[8192];
    size_t n;
};

struct image {
    struct bytes strings, blob, us, guid;
    struct bytes rows[NTAB];
    uint32_t nrows[NTAB];
    struct bytes resources;
    uint32_t version_len; /* metadata version length field (0: computed) */
    uint32_t extra_valid_bits; /* table bits set without rows (unknown tables) */
};

static void put(struct bytes *b, const void *p, size_t n)
{
    assert_true(b->n + n <= sizeof b->b);
    memcpy(b->b + b->n, p, n);
    b->n += n;
}

static void put8(struct bytes *b, uint8_t v)
{
    put(b, &v, 1);
}

static void put16(struct bytes *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    put(b, p, 2);
}

static void put32(struct bytes *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    put(b, p, 4);
}

static void pad4(struct bytes *b)
{
    while (b->n % 4)
        put8(b, 0);
}

static void image_init(struct image *im)
{
    memset(im, 0, sizeof *im);
    put8(&im->strings, 0);
    put8(&im->blob, 0);
    put8(&im->us, 0);
}

static uint16_t str(struct image *im, const char *s)
{
    if (!*s)
        return 0;
    uint16_t at = (uint16_t)im->strings.n;
    put(&im->strings, s, strlen(s) + 1);
    return at;
}

static uint16_t blob(struct image *im, const void *p, size_t n)
{
    assert_true(n < 0x80);
    uint16_t at = (uint16_t)im->blob.n;
    put8(&im->blob, (uint8_t)n);
    put(&im->blob, p, n);
    return at;
}

#define BLOB(im, ...) blob((im), (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

static void user_string(struct image *im, const char *ascii)
{
    size_t n = strlen(ascii);
    put8(&im->us, (uint8_t)(2 * n + 1));
    for (size_t i = 0; i < n; i++)
        put16(&im->us, (uint8_t)ascii[i]);
    put8(&im->us, 0);
}

/* Start a row of table t (the caller then puts its columns). */
static struct bytes *row(struct image *im, unsigned t)
{
    im->nrows[t]++;
    return &im->rows[t];
}

/* The metadata: root, stream headers, then the streams. */
static void build_metadata(const struct image *im, struct bytes *md)
{
    static struct bytes tilde;
    memset(&tilde, 0, sizeof tilde);
    uint64_t valid = 0;
    for (unsigned t = 0; t < NTAB; t++)
        if (im->nrows[t])
            valid |= 1ull << t;
    valid |= (uint64_t)im->extra_valid_bits << 32;
    put32(&tilde, 0);
    put8(&tilde, 2);
    put8(&tilde, 0);
    put8(&tilde, 0); /* heap sizes: 2-byte indexes */
    put8(&tilde, 1);
    put32(&tilde, (uint32_t)valid);
    put32(&tilde, (uint32_t)(valid >> 32));
    put32(&tilde, 0);
    put32(&tilde, 0);
    for (unsigned t = 0; t < 64; t++)
        if (valid >> t & 1)
            put32(&tilde, t < NTAB ? im->nrows[t] : 0);
    for (unsigned t = 0; t < NTAB; t++)
        put(&tilde, im->rows[t].b, im->rows[t].n);
    pad4(&tilde);

    struct {
        const char *name;
        const struct bytes *data;
    } streams[] = {{"#~", &tilde}, {"#Strings", &im->strings}, {"#US", &im->us}, {"#GUID", &im->guid},
                   {"#Blob", &im->blob}};
    const char version[] = "v4.0.30319";
    uint32_t vlen = im->version_len ? im->version_len : 12;
    put32(md, 0x424a5342);
    put16(md, 1);
    put16(md, 1);
    put32(md, 0);
    put32(md, vlen);
    uint8_t vbuf[256] = {0};
    memcpy(vbuf, version, sizeof version);
    put(md, vbuf, vlen < sizeof vbuf ? vlen : sizeof vbuf);
    put16(md, 0);
    put16(md, 5);
    size_t header = md->n;
    for (size_t i = 0; i < 5; i++)
        header += 8 + ((strlen(streams[i].name) + 4) & ~3u);
    uint32_t off = (uint32_t)header;
    for (size_t i = 0; i < 5; i++) {
        uint32_t size = (uint32_t)((streams[i].data->n + 3) & ~3u);
        put32(md, off);
        put32(md, size);
        size_t nl = (strlen(streams[i].name) + 4) & ~3u;
        uint8_t name[36] = {0};
        memcpy(name, streams[i].name, strlen(streams[i].name));
        put(md, name, nl);
        off += size;
    }
    for (size_t i = 0; i < 5; i++) {
        put(md, streams[i].data->b, streams[i].data->n);
        pad4(md);
    }
}

#define SECTION_RVA 0x2000u
#define SECTION_RAW 0x200u

/* A PE32 with one section: CLI header at its start, resources, metadata. */
static uint8_t *build_pe(const struct image *im, size_t *len)
{
    static struct bytes md;
    memset(&md, 0, sizeof md);
    build_metadata(im, &md);
    size_t res_off = 72, md_off = (72 + im->resources.n + 3) & ~(size_t)3;
    size_t text_len = (md_off + md.n + 0x1ff) & ~(size_t)0x1ff;
    *len = SECTION_RAW + text_len;
    uint8_t *f = calloc(1, *len);
    assert_non_null(f);
    uint8_t *text = f + SECTION_RAW;
    struct bytes cli = {.n = 0};
    put32(&cli, 72);
    put16(&cli, 2);
    put16(&cli, 5);
    put32(&cli, SECTION_RVA + (uint32_t)md_off);
    put32(&cli, (uint32_t)md.n);
    put32(&cli, 1);
    put32(&cli, 0);
    put32(&cli, im->resources.n ? SECTION_RVA + (uint32_t)res_off : 0);
    put32(&cli, (uint32_t)im->resources.n);
    memcpy(text, cli.b, cli.n);
    memcpy(text + res_off, im->resources.b, im->resources.n);
    memcpy(text + md_off, md.b, md.n);

    struct bytes h = {.n = 0};
    uint8_t dos[0x80] = {'M', 'Z'};
    dos[0x3c] = 0x80;
    put(&h, dos, sizeof dos);
    put(&h, "PE\0\0", 4);
    put16(&h, 0x14c);  /* machine */
    put16(&h, 1);      /* sections */
    put32(&h, 0);
    put32(&h, 0);
    put32(&h, 0);
    put16(&h, 0xe0);   /* optional header size */
    put16(&h, 0x2102); /* executable, 32-bit, DLL */
    put16(&h, 0x10b);
    put8(&h, 8);
    put8(&h, 0);
    put32(&h, (uint32_t)text_len);
    put32(&h, 0);
    put32(&h, 0);
    put32(&h, 0);           /* entry point */
    put32(&h, SECTION_RVA); /* base of code */
    put32(&h, 0x4000);
    put32(&h, 0x400000);
    put32(&h, 0x2000); /* section alignment */
    put32(&h, 0x200);  /* file alignment */
    for (int i = 0; i < 6; i++)
        put16(&h, i == 0 || i == 4 ? 4 : 0);
    put32(&h, 0);
    put32(&h, SECTION_RVA + (uint32_t)text_len);
    put32(&h, SECTION_RAW);
    put32(&h, 0);
    put16(&h, 3);
    put16(&h, 0x8540);
    put32(&h, 0x100000);
    put32(&h, 0x1000);
    put32(&h, 0x100000);
    put32(&h, 0x1000);
    put32(&h, 0);
    put32(&h, 16);
    for (int i = 0; i < 16; i++) {
        put32(&h, i == 14 ? SECTION_RVA : 0);
        put32(&h, i == 14 ? 72 : 0);
    }
    put(&h, ".text\0\0\0", 8);
    put32(&h, (uint32_t)text_len);
    put32(&h, SECTION_RVA);
    put32(&h, (uint32_t)text_len);
    put32(&h, SECTION_RAW);
    put32(&h, 0);
    put32(&h, 0);
    put32(&h, 0);
    put32(&h, 0x60000020);
    assert_true(h.n <= SECTION_RAW);
    memcpy(f, h.b, h.n);
    return f;
}

/* Table numbers and coded index helpers. */
enum {
    MODULE = 0x00, TYPEREF = 0x01, TYPEDEF = 0x02, METHODDEF = 0x06, PARAM = 0x08, INTERFACEIMPL = 0x09,
    MEMBERREF = 0x0a, CONSTANT = 0x0b, CUSTOMATTRIBUTE = 0x0c, MODULEREF = 0x1a, TYPESPEC = 0x1b,
    FIELDRVA = 0x1d, ASSEMBLY = 0x20, ASSEMBLYREF = 0x23, MANIFESTRESOURCE = 0x28, NESTEDCLASS = 0x29,
    GENERICPARAM = 0x2a,
};
#define TDOR_TYPEDEF(r) ((uint16_t)((r) << 2 | 0))
#define TDOR_TYPEREF(r) ((uint16_t)((r) << 2 | 1))
#define TDOR_TYPESPEC(r) ((uint16_t)((r) << 2 | 2))

static void typeref(struct image *im, uint16_t scope, const char *name, const char *ns)
{
    struct bytes *r = row(im, TYPEREF);
    put16(r, scope);
    put16(r, str(im, name));
    put16(r, str(im, ns));
}

static void typedef_(struct image *im, uint32_t flags, const char *name, const char *ns, uint16_t extends,
                     uint16_t methods)
{
    struct bytes *r = row(im, TYPEDEF);
    put32(r, flags);
    put16(r, str(im, name));
    put16(r, str(im, ns));
    put16(r, extends);
    put16(r, 1);
    put16(r, methods);
}

static void method(struct image *im, uint16_t flags, const char *name, uint16_t sig, uint16_t params)
{
    struct bytes *r = row(im, METHODDEF);
    put32(r, 0);
    put16(r, 0);
    put16(r, flags);
    put16(r, str(im, name));
    put16(r, sig);
    put16(r, params);
}

static void param(struct image *im, uint16_t seq, const char *name)
{
    struct bytes *r = row(im, PARAM);
    put16(r, 0);
    put16(r, seq);
    put16(r, str(im, name));
}

static const char typelib_guid[] = "12345678-9abc-def0-1234-56789abcdef0";

/* The sample assembly: namespace Ns { public class Outer<T> : List<T>, IFoo
 * { static void Run(string a, int b); .ctor(); T Get<T>(List<T> items);
 * public sealed class Inner { void Arr(int*, ref string, int[2...4,],
 * string[], FnPtr, int modopt) } } interface IFoo { abstract bool Do(); } } */
static void sample(struct image *im)
{
    image_init(im);
    static const uint8_t mvid[16] = {0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07,
                                     0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f};
    put(&im->guid, mvid, 16);
    struct bytes *r = row(im, MODULE);
    put16(r, 0);
    put16(r, str(im, "sample.dll"));
    put16(r, 1);
    put16(r, 0);
    put16(r, 0);

    typeref(im, 1 << 2 | 2, "Object", "System");                                         /* 1 */
    typeref(im, 1 << 2 | 2, "List`1", "System.Collections.Generic");                     /* 2 */
    typeref(im, 1 << 2 | 2, "GuidAttribute", "System.Runtime.InteropServices");         /* 3 */
    typeref(im, 2 << 2 | 3, "Enumerator", "");                                           /* 4: nested in 2 */

    typedef_(im, 0, "<Module>", "", 0, 1);                                               /* 1 */
    typedef_(im, 0x1, "Outer`1", "Ns", TDOR_TYPESPEC(1), 1);                             /* 2 */
    typedef_(im, 0x2 | 0x100, "Inner", "", TDOR_TYPEREF(1), 4);                          /* 3 */
    typedef_(im, 0x1 | 0x20 | 0x80, "IFoo", "Ns", 0, 5);                                 /* 4 */

    uint16_t list_token = TDOR_TYPEREF(2);
    method(im, 0x16, "Run", BLOB(im, 0x00, 2, 0x01, 0x0e, 0x08), 1);                     /* public static */
    method(im, 0x1806, ".ctor", BLOB(im, 0x20, 0, 0x01), 3);
    method(im, 0x06, "Get", BLOB(im, 0x30, 1, 1, 0x1e, 0, 0x15, 0x12, (uint8_t)list_token, 1, 0x1e, 0), 3);
    method(im, 0x01, "Arr",
           BLOB(im, 0x20, 7, 0x01, 0x0f, 0x08, 0x10, 0x0e, 0x14, 0x08, 2, 1, 3, 1, 4, 0x1d, 0x0e, 0x1b, 0x00, 1,
                0x08, 0x08, 0x20, TDOR_TYPEREF(1), 0x08, 0x11, TDOR_TYPEREF(4)),
           4);
    method(im, 0x06 | 0x40 | 0x400, "Do", BLOB(im, 0x20, 0, 0x02), 4);

    param(im, 1, "a");
    param(im, 2, "b");
    param(im, 1, "items");

    r = row(im, INTERFACEIMPL);
    put16(r, 2);
    put16(r, TDOR_TYPEDEF(4));

    r = row(im, MEMBERREF); /* GuidAttribute::.ctor */
    put16(r, 3 << 3 | 1);
    put16(r, str(im, ".ctor"));
    put16(r, BLOB(im, 0x20, 1, 0x01, 0x0e));

    r = row(im, CONSTANT);
    put8(r, 0x0e);
    put8(r, 0);
    put16(r, 0);
    put16(r, BLOB(im, 'H', 0, 'i', 0));
    r = row(im, CONSTANT); /* not a string: left out */
    put8(r, 0x08);
    put8(r, 0);
    put16(r, 0);
    put16(r, BLOB(im, 1, 0, 0, 0));

    uint8_t value[3 + 36 + 2] = {1, 0, 36};
    memcpy(value + 3, typelib_guid, 36);
    r = row(im, CUSTOMATTRIBUTE);
    put16(r, 1 << 5 | 14); /* parent: the Assembly row */
    put16(r, 1 << 3 | 3);  /* type: MemberRef 1 */
    put16(r, blob(im, value, sizeof value));

    r = row(im, MODULEREF);
    put16(r, str(im, "kernel32"));

    r = row(im, TYPESPEC); /* List<!0> */
    put16(r, BLOB(im, 0x15, 0x12, (uint8_t)list_token, 1, 0x13, 0));

    r = row(im, FIELDRVA);
    put32(r, SECTION_RVA + 0x10);
    put16(r, 1);
    r = row(im, FIELDRVA); /* outside every section: left out */
    put32(r, 0x900000);
    put16(r, 1);

    r = row(im, ASSEMBLY);
    put32(r, 0x8004);
    put16(r, 1);
    put16(r, 2);
    put16(r, 3);
    put16(r, 4);
    put32(r, 0);
    put16(r, 0);
    put16(r, str(im, "sample"));
    put16(r, str(im, "pt"));

    r = row(im, ASSEMBLYREF);
    put16(r, 4);
    put16(r, 0);
    put16(r, 0);
    put16(r, 0);
    put32(r, 0);
    put16(r, BLOB(im, 0xb7, 0x7a, 0x5c, 0x56, 0x19, 0x34, 0xe0, 0x89));
    put16(r, str(im, "mscorlib"));
    put16(r, 0);
    put16(r, 0);

    put32(&im->resources, 5);
    put(&im->resources, "hello", 5);
    r = row(im, MANIFESTRESOURCE);
    put32(r, 0);
    put32(r, 1);
    put16(r, str(im, "res0"));
    put16(r, 0);
    r = row(im, MANIFESTRESOURCE); /* in another assembly: left out */
    put32(r, 0);
    put32(r, 1);
    put16(r, str(im, "elsewhere"));
    put16(r, 1 << 2 | 1);

    r = row(im, NESTEDCLASS);
    put16(r, 3);
    put16(r, 2);

    r = row(im, GENERICPARAM);
    put16(r, 0);
    put16(r, 0);
    put16(r, 2 << 1 | 0); /* TypeDef 2 */
    put16(r, str(im, "T"));
    r = row(im, GENERICPARAM);
    put16(r, 0);
    put16(r, 0);
    put16(r, 3 << 1 | 1); /* MethodDef 3 */
    put16(r, str(im, "T"));

    user_string(im, "hello");
    user_string(im, "");
}

/* ---- reading the module's values ---------------------------------------------- */

struct loaded {
    struct yobj_arena arena;
    struct yobj *root;
};

static void load(struct loaded *l, const uint8_t *data, size_t len)
{
    memset(l, 0, sizeof *l);
    const struct yara_module *m = yara_module_find("dotnet");
    assert_non_null(m);
    l->root = yobj_new(&l->arena, m->decl);
    assert_non_null(l->root);
    void *state = NULL;
    assert_int_equal(m->load(&l->arena, l->root, data, len, &state), 0);
    assert_null(state);
}

/* A value by path: "classes[0].methods[1].name" (NULL: no such value). */
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

static void assert_bytes(struct loaded *l, const char *path, const void *want, size_t n)
{
    struct yobj *o = get(l, path);
    if (!o || !o->defined)
        fail_msg("%s is undefined", path);
    if (o->n != n || memcmp(o->s, want, n) != 0)
        fail_msg("%s = \"%.*s\" (%zu bytes), want %zu bytes", path, (int)o->n, (const char *)o->s, o->n, n);
}

static void assert_sv(struct loaded *l, const char *path, const char *want)
{
    assert_bytes(l, path, want, strlen(want));
}

/* ---- the sample ------------------------------------------------------------------ */

static void sample_values(void **unused)
{
    (void)unused;
    struct image *im = malloc(sizeof *im);
    assert_non_null(im);
    sample(im);
    size_t len;
    uint8_t *pe = build_pe(im, &len);
    struct loaded l;
    load(&l, pe, len);

    assert_int_equal(iv(&l, "is_dotnet"), 1);
    assert_sv(&l, "version", "v4.0.30319");
    assert_sv(&l, "module_name", "sample.dll");
    assert_int_equal(iv(&l, "number_of_streams"), 5);
    assert_sv(&l, "streams[0].name", "#~");
    assert_sv(&l, "streams[4].name", "#Blob");
    assert_int_equal(iv(&l, "number_of_guids"), 1);
    assert_sv(&l, "guids[0]", "03020100-0504-0706-0809-0a0b0c0d0e0f");
    assert_int_equal(iv(&l, "number_of_user_strings"), 1); /* the empty string is left out */
    assert_bytes(&l, "user_strings[0]", "h\0e\0l\0l\0o\0", 10);
    assert_sv(&l, "assembly.name", "sample");
    assert_sv(&l, "assembly.culture", "pt");
    assert_int_equal(iv(&l, "assembly.version.major"), 1);
    assert_int_equal(iv(&l, "assembly.version.revision_number"), 4);
    assert_int_equal(iv(&l, "number_of_assembly_refs"), 1);
    assert_sv(&l, "assembly_refs[0].name", "mscorlib");
    assert_int_equal(iv(&l, "assembly_refs[0].version.major"), 4);
    /* As YARA: a public key blob loses its last byte, and so does a constant. */
    assert_bytes(&l, "assembly_refs[0].public_key_or_token", "\xb7\x7a\x5c\x56\x19\x34\xe0", 7);
    assert_int_equal(iv(&l, "number_of_constants"), 1);
    assert_bytes(&l, "constants[0]", "H\0i", 3);
    assert_int_equal(iv(&l, "number_of_modulerefs"), 1);
    assert_sv(&l, "modulerefs[0]", "kernel32");
    assert_sv(&l, "typelib", typelib_guid);
    assert_int_equal(iv(&l, "number_of_field_offsets"), 1);
    assert_int_equal(iv(&l, "field_offsets[0]"), SECTION_RAW + 0x10);
    assert_int_equal(iv(&l, "number_of_resources"), 1);
    assert_int_equal(iv(&l, "resources[0].offset"), SECTION_RAW + 72 + 4);
    assert_int_equal(iv(&l, "resources[0].length"), 5);
    assert_sv(&l, "resources[0].name", "res0");
    assert_memory_equal(pe + iv(&l, "resources[0].offset"), "hello", 5);

    assert_int_equal(iv(&l, "number_of_classes"), 3);
    assert_sv(&l, "classes[0].fullname", "Ns.Outer");
    assert_sv(&l, "classes[0].name", "Outer`1");
    assert_sv(&l, "classes[0].namespace", "Ns");
    assert_sv(&l, "classes[0].visibility", "public");
    assert_sv(&l, "classes[0].type", "class");
    assert_int_equal(iv(&l, "classes[0].abstract"), 0);
    assert_int_equal(iv(&l, "classes[0].sealed"), 0);
    assert_int_equal(iv(&l, "classes[0].number_of_generic_parameters"), 1);
    assert_sv(&l, "classes[0].generic_parameters[0]", "T");
    assert_int_equal(iv(&l, "classes[0].number_of_base_types"), 2);
    assert_sv(&l, "classes[0].base_types[0]", "System.Collections.Generic.List<T>");
    assert_sv(&l, "classes[0].base_types[1]", "Ns.IFoo");
    assert_int_equal(iv(&l, "classes[0].number_of_methods"), 3);
    assert_sv(&l, "classes[0].methods[0].name", "Run");
    assert_sv(&l, "classes[0].methods[0].visibility", "public");
    assert_int_equal(iv(&l, "classes[0].methods[0].static"), 1);
    assert_int_equal(iv(&l, "classes[0].methods[0].virtual"), 0);
    assert_sv(&l, "classes[0].methods[0].return_type", "void");
    assert_int_equal(iv(&l, "classes[0].methods[0].number_of_parameters"), 2);
    assert_sv(&l, "classes[0].methods[0].parameters[0].name", "a");
    assert_sv(&l, "classes[0].methods[0].parameters[0].type", "string");
    assert_sv(&l, "classes[0].methods[0].parameters[1].name", "b");
    assert_sv(&l, "classes[0].methods[0].parameters[1].type", "int");
    assert_sv(&l, "classes[0].methods[1].name", ".ctor");
    assert_false(defined(&l, "classes[0].methods[1].return_type"));
    assert_int_equal(iv(&l, "classes[0].methods[1].number_of_parameters"), 0);
    assert_sv(&l, "classes[0].methods[2].name", "Get");
    assert_int_equal(iv(&l, "classes[0].methods[2].number_of_generic_parameters"), 1);
    assert_sv(&l, "classes[0].methods[2].generic_parameters[0]", "T");
    assert_sv(&l, "classes[0].methods[2].return_type", "T");
    assert_sv(&l, "classes[0].methods[2].parameters[0].name", "items");
    assert_sv(&l, "classes[0].methods[2].parameters[0].type", "System.Collections.Generic.List<T>");

    assert_sv(&l, "classes[1].fullname", "Ns.Outer.Inner");
    assert_sv(&l, "classes[1].name", "Inner");
    assert_sv(&l, "classes[1].namespace", "Ns.Outer");
    assert_int_equal(iv(&l, "classes[1].sealed"), 1);
    assert_sv(&l, "classes[1].base_types[0]", "System.Object");
    assert_int_equal(iv(&l, "classes[1].number_of_methods"), 1);
    assert_sv(&l, "classes[1].methods[0].visibility", "private");
    assert_int_equal(iv(&l, "classes[1].methods[0].number_of_parameters"), 7);
    static const char *const arr_types[] = {
        "Ptr<int>", "ref string", "int[2...4,]", "string[]", "FnPtr<int(int)>", "int",
        "System.Collections.Generic.List.Enumerator",
    };
    for (int i = 0; i < 7; i++) {
        char path[96], name[8];
        snprintf(path, sizeof path, "classes[1].methods[0].parameters[%d].type", i);
        assert_sv(&l, path, arr_types[i]);
        snprintf(path, sizeof path, "classes[1].methods[0].parameters[%d].name", i);
        snprintf(name, sizeof name, "P_%d", i); /* past the Param table */
        assert_sv(&l, path, name);
    }

    assert_sv(&l, "classes[2].fullname", "Ns.IFoo");
    assert_sv(&l, "classes[2].type", "interface");
    assert_int_equal(iv(&l, "classes[2].abstract"), 1);
    assert_sv(&l, "classes[2].base_types[0]", "<Module>"); /* a nil Extends, as YARA */
    assert_sv(&l, "classes[2].methods[0].return_type", "bool");
    assert_int_equal(iv(&l, "classes[2].methods[0].abstract"), 1);
    assert_int_equal(iv(&l, "classes[2].methods[0].virtual"), 1);

    yobj_arena_free(&l.arena);
    free(pe);
    free(im);
}

/* The same values straight from the parser, and what a non-.NET PE and a
 * non-PE give. */
static void parser_and_non_dotnet(void **unused)
{
    (void)unused;
    struct image *im = malloc(sizeof *im);
    assert_non_null(im);
    sample(im);
    size_t len;
    uint8_t *pe = build_pe(im, &len);
    struct fmt_dotnet dn;
    assert_int_equal(fmt_dotnet_parse(pe, len, &dn), ASSAY_OK);
    assert_true(dn.is_pe && dn.is_dotnet && !dn.truncated);
    assert_int_equal(dn.nclasses, 3);
    assert_string_equal(dn.classes[1].methods[0].parameters[2].type, "int[2...4,]");
    assert_null(dn.classes[0].methods[1].return_type);
    fmt_dotnet_free(&dn);

    /* Without the COM descriptor: a PE, not .NET. */
    uint8_t *plain = malloc(len);
    assert_non_null(plain);
    memcpy(plain, pe, len);
    size_t dir14 = 0x80 + 4 + 20 + 96 + 14 * 8;
    memset(plain + dir14, 0, 8);
    struct loaded l;
    load(&l, plain, len);
    assert_int_equal(iv(&l, "is_dotnet"), 0);
    assert_false(defined(&l, "number_of_streams"));
    assert_false(defined(&l, "version"));
    yobj_arena_free(&l.arena);

    /* Not a PE: nothing is defined. */
    load(&l, (const uint8_t *)"dummy", 5);
    assert_false(defined(&l, "is_dotnet"));
    yobj_arena_free(&l.arena);
    assert_int_equal(fmt_dotnet_parse((const uint8_t *)"dummy", 5, &dn), ASSAY_EFORMAT);
    assert_false(dn.is_pe);
    fmt_dotnet_free(&dn);
    free(plain);
    free(pe);
    free(im);
}

/* A version length that is not a multiple of 4: .NET metadata is not read. */
static void bad_version_length(void **unused)
{
    (void)unused;
    struct image *im = malloc(sizeof *im);
    assert_non_null(im);
    sample(im);
    im->version_len = 13;
    size_t len;
    uint8_t *pe = build_pe(im, &len);
    struct loaded l;
    load(&l, pe, len);
    assert_int_equal(iv(&l, "is_dotnet"), 0);
    assert_false(defined(&l, "number_of_classes"));
    yobj_arena_free(&l.arena);
    free(pe);
    free(im);
}

/* Parse and load; nothing to check but that it returns (ASan does the rest). */
static void parse_quietly(const uint8_t *data, size_t len)
{
    struct fmt_dotnet dn;
    int rc = fmt_dotnet_parse(data, len, &dn);
    assert_true(rc == ASSAY_OK || rc == ASSAY_EFORMAT);
    assert_true(dn.nclasses <= FMT_DOTNET_MAX_MEMBERS && dn.nguids <= FMT_DOTNET_MAX_GUIDS);
    for (size_t i = 0; i < dn.nclasses; i++)
        assert_true(dn.classes[i].fullname == NULL || strlen(dn.classes[i].fullname) < 1u << 20);
    fmt_dotnet_free(&dn);
    struct loaded l;
    load(&l, data, len);
    yobj_arena_free(&l.arena);
}

static uint8_t *copy_of(const uint8_t *p, size_t n)
{
    uint8_t *c = malloc(n ? n : 1);
    assert_non_null(c);
    memcpy(c, p, n);
    return c;
}

/* Every prefix of the sample (each copied to its own block, so ASan sees a
 * read past its end) and deterministic byte flips over its metadata. */
static void truncations_and_flips(void **unused)
{
    (void)unused;
    struct image *im = malloc(sizeof *im);
    assert_non_null(im);
    sample(im);
    size_t len;
    uint8_t *pe = build_pe(im, &len);
    for (size_t cut = 0; cut <= len; cut++) {
        uint8_t *p = copy_of(pe, cut);
        parse_quietly(p, cut);
        free(p);
    }
    uint32_t seed = 12345;
    for (int round = 0; round < 3000; round++) {
        uint8_t *p = copy_of(pe, len);
        for (int k = 0; k < 1 + round % 8; k++) {
            seed = seed * 1103515245u + 12345u;
            size_t at = SECTION_RAW + (seed >> 8) % (len - SECTION_RAW);
            seed = seed * 1103515245u + 12345u;
            p[at] = (uint8_t)(seed >> 16);
        }
        parse_quietly(p, len);
        free(p);
    }
    free(pe);
    free(im);
}

/* Offset of the tables' row counts in a built image (after the #~ header). */
static size_t row_counts_offset(const uint8_t *pe, size_t len)
{
    for (size_t i = SECTION_RAW; i + 4 <= len; i++)
        if (memcmp(pe + i, "BSJB", 4) == 0) {
            size_t root = i;
            uint32_t tilde = (uint32_t)pe[root + 32] | (uint32_t)pe[root + 33] << 8;
            return root + tilde + 24;
        }
    fail_msg("no metadata root");
    return 0;
}

/* Row counts far beyond the file, a class nested in itself and in a cycle,
 * MethodList ranges running backwards, a TypeSpec that names itself, an
 * unknown table bit: all bounded. */
static void hostile_tables(void **unused)
{
    (void)unused;
    struct image *im = malloc(sizeof *im);
    assert_non_null(im);
    sample(im);
    /* NestedClass: 2 in 3 (with 3 in 2: a cycle) and 4 in itself. */
    struct bytes *r = row(im, NESTEDCLASS);
    put16(r, 2);
    put16(r, 3);
    r = row(im, NESTEDCLASS);
    put16(r, 4);
    put16(r, 4);
    /* TypeSpec 2 = GENERICINST CLASS TypeSpec(2) <TypeSpec(2), TypeSpec(2)> */
    r = row(im, TYPESPEC);
    put16(r, BLOB(im, 0x15, 0x12, TDOR_TYPESPEC(2), 2, 0x12, TDOR_TYPESPEC(2), 0x12, TDOR_TYPESPEC(2)));
    typedef_(im, 0x2, "Loop", "", TDOR_TYPESPEC(2), 1); /* nested, MethodList back to 1 */
    r = row(im, NESTEDCLASS);
    put16(r, 5);
    put16(r, 5);
    im->extra_valid_bits = 1u << 20; /* table 0x34: no such table */
    size_t len;
    uint8_t *pe = build_pe(im, &len);
    struct fmt_dotnet dn;
    assert_int_equal(fmt_dotnet_parse(pe, len, &dn), ASSAY_OK);
    assert_true(dn.is_dotnet);
    fmt_dotnet_free(&dn);
    parse_quietly(pe, len);

    /* Each table's row count set in turn to 0xffffffff, 0x7f7f7f7f (both end
     * the walk of the tables, as YARA) and 10,000 (rows past the file). */
    size_t counts = row_counts_offset(pe, len);
    for (size_t k = 0; k < 20; k++) {
        uint8_t *p = copy_of(pe, len);
        memset(p + counts + 4 * k, 0xff, 4);
        parse_quietly(p, len);
        memset(p + counts + 4 * k, 0x7f, 4);
        parse_quietly(p, len);
        static const uint8_t ten_thousand[4] = {0x10, 0x27, 0, 0};
        memcpy(p + counts + 4 * k, ten_thousand, 4);
        parse_quietly(p, len);
        free(p);
    }

    /* More than 10,000 TypeDef rows: no classes, the tables before it stay. */
    uint8_t *p = copy_of(pe, len);
    memset(p + counts + 4 * 2, 0x7f, 4); /* Module, TypeRef, TypeDef: the third count */
    struct loaded l;
    load(&l, p, len);
    assert_sv(&l, "module_name", "sample.dll");
    assert_false(defined(&l, "number_of_classes"));
    assert_false(defined(&l, "number_of_modulerefs"));
    yobj_arena_free(&l.arena);
    free(p);
    free(pe);
    free(im);
}

/* ---- the shared .NET files ---------------------------------------------------------- */

static uint8_t *read_shared(const char *name, size_t *len)
{
    const char *dir = getenv("ASSAY_SHARED");
    if (!dir)
        return NULL;
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/data/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *d = malloc(n > 0 ? (size_t)n : 1);
    assert_non_null(d);
    *len = fread(d, 1, (size_t)n, f);
    fclose(f);
    return d;
}

static void shared_resources_assembly(void **unused)
{
    (void)unused;
    size_t len;
    uint8_t *d = read_shared("0ca09bde7602769120fadc4f7a4147347a7a97271370583586c9e587fd396171", &len);
    if (!d) {
        skip();
        return;
    }
    struct loaded l;
    load(&l, d, len);
    assert_int_equal(iv(&l, "is_dotnet"), 1);
    assert_sv(&l, "assembly.name", "hpjsoaputility.Sv.resources");
    assert_sv(&l, "assembly.culture", "pt");
    assert_int_equal(iv(&l, "assembly.version.build_number"), 4400);
    assert_int_equal(iv(&l, "number_of_resources"), 1);
    assert_int_equal(iv(&l, "resources[0].offset"), 724);
    assert_int_equal(iv(&l, "resources[0].length"), 180);
    assert_sv(&l, "resources[0].name", "hpjsoaputility.XmlStreamSoapExtension.pt.resources");
    assert_sv(&l, "guids[0]", "3764d539-e21a-4366-bc7c-b56fa67efbb0");
    assert_int_equal(iv(&l, "streams[3].offset"), 1580);
    assert_sv(&l, "module_name", "hpjsoaputility.Sv.resources.dll");
    assert_sv(&l, "version", "v2.0.50727");
    assert_bytes(&l, "user_strings[0]", " \0", 2);
    assert_int_equal(iv(&l, "number_of_classes"), 0);
    assert_false(defined(&l, "number_of_modulerefs"));
    yobj_arena_free(&l.arena);
    free(d);
}

static void shared_classes(void **unused)
{
    (void)unused;
    size_t len;
    uint8_t *d = read_shared("756684f4017ba7e931a26724ae61606b16b5f8cc84ed38a260a34e50c5016f59", &len);
    if (!d) {
        skip();
        return;
    }
    struct loaded l;
    load(&l, d, len);
    assert_sv(&l, "classes[0].fullname", "Autodesk.AutoCAD.Internal.Windows.MenuServices");
    assert_int_equal(iv(&l, "classes[0].abstract"), 1);
    assert_int_equal(iv(&l, "classes[0].sealed"), 1);
    assert_int_equal(iv(&l, "classes[0].number_of_methods"), 20);
    assert_sv(&l, "classes[0].methods[0].parameters[0].name", "productName");
    assert_sv(&l, "classes[0].methods[0].parameters[1].type", "int");
    assert_sv(&l, "classes[156].base_types[1]", "System.Windows.Data.IValueConverter");
    assert_sv(&l, "classes[156].methods[0].parameters[3].type", "System.Globalization.CultureInfo");
    assert_int_equal(iv(&l, "number_of_field_offsets"), 2);
    assert_int_equal(iv(&l, "number_of_user_strings"), 553);
    assert_int_equal(iv(&l, "number_of_assembly_refs"), 13);
    yobj_arena_free(&l.arena);

    /* Truncations of the metadata region of a real assembly. */
    for (size_t cut = len / 2; cut < len; cut += len / 40) {
        uint8_t *p = copy_of(d, cut);
        parse_quietly(p, cut);
        free(p);
    }
    free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sample_values),
        cmocka_unit_test(parser_and_non_dotnet),
        cmocka_unit_test(bad_version_length),
        cmocka_unit_test(truncations_and_flips),
        cmocka_unit_test(hostile_tables),
        cmocka_unit_test(shared_resources_assembly),
        cmocka_unit_test(shared_classes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
