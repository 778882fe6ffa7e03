/* test_yara_pe.c — the `pe` module through its schema and value tree, the way
 * the condition evaluator sees it, on the files of YARA's own pe tests
 * ($ASSAY_SHARED/yara-tests/data; the cases in cases-pe.json are named by
 * their line). Members are reached by name ("sections[0].name"), functions by
 * signature, so a wrong schema fails here as it would in a rule. Tests whose
 * file is missing are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "assay.h"
#include "yara/mod_pe.h"
#include "yara/mod_pe_internal.h"
#include "yara/regex.h"
#include "test_support.h"

/* ------------------------------------------------------------------------ */
/* Loading a file and reaching values                                       */
/* ------------------------------------------------------------------------ */

struct loaded {
    uint8_t *data;
    size_t len;
    struct yobj_arena arena;
    struct yobj *root;
    void *state;
    struct yara_regex *re[32]; /* compiled for calls, freed with the file */
    size_t nre;
};

static struct loaded *load_bytes(uint8_t *data, size_t len)
{
    struct loaded *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->data = data;
    l->len = len;
    const struct yara_module *m = yara_module_find("pe");
    assert_ptr_equal(m, &yara_module_pe);
    l->root = yobj_new(&l->arena, m->decl);
    assert_non_null(l->root);
    assert_int_equal(m->load(&l->arena, l->root, data, len, &l->state), ASSAY_OK);
    return l;
}

/* Load data/<name>; skips the test when the file is not there. */
static struct loaded *load(const char *name)
{
    const char *shared = getenv("ASSAY_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/data/%s", shared ? shared : "../shared", name);
    size_t len = 0;
    uint8_t *data = ts_read_file(path, &len);
    if (!data) {
        skip();
        return NULL;
    }
    return load_bytes(data, len);
}

static void unload(struct loaded *l)
{
    yara_module_pe.unload(l->state);
    for (size_t i = 0; i < l->nre; i++)
        yara_regex_free(l->re[i]);
    yobj_arena_free(&l->arena);
    free(l->data);
    free(l);
}

/* The value at `path` below pe: "a.b[3].c", dictionary keys as "d{key}".
 * NULL when an index or key is absent (undefined in a rule). */
static struct yobj *get(struct loaded *l, const char *path)
{
    struct yobj *o = l->root;
    const char *p = path;
    while (o && *p) {
        if (*p == '.') {
            p++;
        } else if (*p == '[') {
            char *end;
            long i = strtol(p + 1, &end, 10);
            assert_true(*end == ']');
            o = yobj_index(o, i);
            p = end + 1;
        } else if (*p == '{') {
            const char *end = strchr(p, '}');
            assert_non_null(end);
            o = yobj_lookup(o, (const uint8_t *)p + 1, (size_t)(end - p - 1));
            p = end + 1;
        } else {
            size_t n = strcspn(p, ".[{");
            char name[128];
            assert_true(n < sizeof name);
            memcpy(name, p, n);
            name[n] = '\0';
            struct yobj *m = yobj_member(o, name);
            if (!m)
                fail_msg("pe.%s: no member '%s'", path, name);
            o = m;
            p += n;
        }
    }
    return o;
}

static bool defined(struct loaded *l, const char *path)
{
    struct yobj *o = get(l, path);
    return o && o->defined;
}

static int64_t geti(struct loaded *l, const char *path)
{
    struct yobj *o = get(l, path);
    if (!o || !o->defined)
        fail_msg("pe.%s is undefined", path);
    assert_int_equal(o->decl->type, YOBJ_INT);
    return o->i;
}

/* Compare a string member with `want` (want_len bytes, may hold NULs). */
static void check_bytes(struct loaded *l, const char *path, const char *want, size_t want_len)
{
    struct yobj *o = get(l, path);
    if (!o || !o->defined)
        fail_msg("pe.%s is undefined", path);
    assert_int_equal(o->decl->type, YOBJ_STRING);
    if (o->n != want_len || memcmp(o->s, want, want_len) != 0)
        fail_msg("pe.%s = \"%.*s\" (%zu bytes), want \"%s\"", path, (int)o->n, (const char *)o->s, o->n, want);
}

#define check_str(l, path, want) check_bytes(l, path, want, strlen(want))

/* Call function `path` with signature `sig`; regex arguments are given as
 * their source text in .s and compiled here (nocase when .i is 1). */
static struct yobj_result callf(struct loaded *l, const char *path, const char *sig, struct yobj_arg *args)
{
    struct yobj *f = get(l, path);
    assert_non_null(f);
    assert_int_equal(f->decl->type, YOBJ_FUNC);
    const struct yobj_overload *o = yobj_decl_overload(f->decl, sig);
    if (!o)
        fail_msg("pe.%s(%s) not declared", path, sig);
    for (size_t i = 0; sig[i]; i++)
        if (sig[i] == 'r') {
            assert_true(l->nre < sizeof l->re / sizeof l->re[0]);
            struct yara_regex *re = NULL;
            assert_int_equal(yara_regex_compile((const char *)args[i].s, args[i].n,
                                                args[i].i ? YARA_REGEX_NOCASE : 0, &re, NULL),
                             0);
            l->re[l->nre++] = re;
            args[i].regex = re;
        }
    /* self: the structure holding the function, as the evaluator passes it. */
    struct yobj *self = l->root;
    const char *dot = strrchr(path, '.');
    if (dot) {
        char parent[256];
        snprintf(parent, sizeof parent, "%.*s", (int)(dot - path), path);
        self = get(l, parent);
    }
    struct yobj_call c = {.module_state = l->state, .self = self, .data = l->data, .len = l->len,
                          .arena = &l->arena};
    struct yobj_result r = {.type = o->result};
    o->fn(&c, args, &r);
    return r;
}

#define ARGS(...) ((struct yobj_arg[]){__VA_ARGS__})
#define S(str) {.s = (const uint8_t *)(str), .n = sizeof(str) - 1}
#define RE(str) S(str)
#define REI(str) {.s = (const uint8_t *)(str), .n = sizeof(str) - 1, .i = 1}
#define I(v) {.i = (v)}

static int64_t call_int(struct loaded *l, const char *path, const char *sig, struct yobj_arg *args)
{
    struct yobj_result r = callf(l, path, sig, args);
    if (!r.defined)
        fail_msg("pe.%s(%s) is undefined", path, sig);
    assert_int_equal(r.type, YOBJ_INT);
    return r.i;
}

static bool call_defined(struct loaded *l, const char *path, const char *sig, struct yobj_arg *args)
{
    return callf(l, path, sig, args).defined;
}

/* ------------------------------------------------------------------------ */
/* Schema                                                                   */
/* ------------------------------------------------------------------------ */

static size_t count_members(const struct yobj_decl *d)
{
    size_t n = 0;
    while (d->members[n].name)
        n++;
    return n;
}

/* Every struct's member table is complete (no hole from the designated
 * initialisers) and every function has its overloads. */
static void check_decl(const struct yobj_decl *d, unsigned depth)
{
    assert_true(depth < 8);
    assert_non_null(d->name);
    switch (d->type) {
    case YOBJ_STRUCT:
        for (size_t i = 0; d->members[i].name; i++)
            check_decl(&d->members[i], depth + 1);
        break;
    case YOBJ_ARRAY:
    case YOBJ_DICT: check_decl(d->element, depth + 1); break;
    case YOBJ_FUNC: assert_non_null(d->overloads[0].args); break;
    default: break;
    }
}

static void test_schema(void **state)
{
    (void)state;
    const struct yobj_decl *pe = yara_module_pe.decl;
    assert_int_equal(count_members(pe), PE_NMEMBERS);
    check_decl(pe, 0);
    const struct yobj_decl *sec = yobj_decl_member(pe, "sections")->element;
    assert_int_equal(count_members(sec), PE_SEC_N);
    const struct yobj_decl *sig = yobj_decl_member(pe, "signatures")->element;
    assert_int_equal(count_members(sig), PE_SIG_N);
    assert_non_null(yobj_decl_member(yobj_decl_member(sig, "signer_info"), "chain"));
    assert_int_equal(count_members(yobj_decl_member(pe, "rich_signature")), PE_RICH_N);
    assert_int_equal(count_members(yobj_decl_member(pe, "export_details")->element), PE_EXP_N);
    assert_int_equal(count_members(yobj_decl_member(pe, "resources")->element), PE_RES_N);
    const struct yobj_decl *imports = yobj_decl_member(pe, "imports");
    const char *sigs[] = {"ss", "si", "s", "rr", "iss", "isi", "is", "irr"};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        assert_non_null(yobj_decl_overload(imports, sigs[i]));
    assert_null(yobj_decl_overload(imports, "i"));
    assert_non_null(yobj_decl_overload(yobj_decl_member(pe, "exports"), "r"));
    assert_non_null(yobj_decl_overload(yobj_decl_member(pe, "section_index"), "i"));
    assert_null(yobj_decl_member(pe, "no_such_member"));
    assert_int_equal(yobj_decl_member(pe, "version_info")->type, YOBJ_DICT);
}

/* ------------------------------------------------------------------------ */
/* Not a PE                                                                 */
/* ------------------------------------------------------------------------ */

static void check_not_pe(struct loaded *l)
{
    assert_int_equal(geti(l, "is_pe"), 0);
    assert_int_equal(geti(l, "MACHINE_I386"), 0x14c);
    assert_int_equal(geti(l, "DLL"), 0x2000);
    assert_false(defined(l, "number_of_sections"));
    assert_false(defined(l, "number_of_imports"));
    assert_false(defined(l, "number_of_signatures"));
    assert_false(defined(l, "is_signed"));
    assert_false(defined(l, "overlay.offset"));
    assert_false(defined(l, "entry_point"));
    assert_null(get(l, "sections[0]"));
    assert_false(call_defined(l, "imports", "ss", ARGS(S("a"), S("b"))));
    assert_false(call_defined(l, "imports", "rr", ARGS(RE("a"), RE("b"))));
    assert_false(call_defined(l, "exports", "s", ARGS(S("a"))));
    assert_false(call_defined(l, "is_dll", "", NULL));
    assert_false(call_defined(l, "is_32bit", "", NULL));
    assert_false(call_defined(l, "imphash", "", NULL));
    assert_false(call_defined(l, "calculate_checksum", "", NULL));
    assert_false(call_defined(l, "section_index", "s", ARGS(S(".text"))));
    assert_false(call_defined(l, "locale", "i", ARGS(I(0x409))));
    assert_false(call_defined(l, "rich_signature.version", "i", ARGS(I(1))));
    assert_false(call_defined(l, "rva_to_offset", "i", ARGS(I(0))));
}

/* Line 27: not pe.is_pe on a Mach-O; other non-PE inputs. */
static void test_not_pe(void **state)
{
    (void)state;
    struct loaded *l = load("tiny-macho");
    check_not_pe(l);
    unload(l);

    l = load_bytes(NULL, 0);
    check_not_pe(l);
    unload(l);

    uint8_t *mz = calloc(1, 64);
    assert_non_null(mz);
    memcpy(mz, "MZ", 2);
    l = load_bytes(mz, 64); /* MZ but no PE header */
    check_not_pe(l);
    unload(l);
}

/* ------------------------------------------------------------------------ */
/* Cases from cases-pe.json                                                 */
/* ------------------------------------------------------------------------ */

/* Lines 19, 211, 219, 235, 244, 434-466, 482, 653: headers, sections, checksum,
 * overlay. */
static void test_tiny_headers(void **state)
{
    (void)state;
    struct loaded *l = load("tiny");
    assert_int_equal(geti(l, "is_pe"), 1);
    assert_int_equal(geti(l, "number_of_sections"), 7);
    assert_int_equal(geti(l, "entry_point"), 0x14E0);
    assert_int_equal(geti(l, "entry_point_raw"), 0x14E0);
    assert_int_equal(geti(l, "linker_version.major"), 2);
    assert_int_equal(geti(l, "linker_version.minor"), 26);
    assert_int_equal(geti(l, "machine"), geti(l, "MACHINE_I386"));
    assert_int_equal(geti(l, "opthdr_magic"), geti(l, "IMAGE_NT_OPTIONAL_HDR32_MAGIC"));
    assert_int_equal(geti(l, "subsystem"), geti(l, "SUBSYSTEM_WINDOWS_CUI"));
    assert_int_equal(geti(l, "image_base"), 0x400000);
    assert_int_equal(geti(l, "base_of_data"), 12288);
    const char *names[] = {".text", ".data", ".rdata", ".bss", ".idata", ".CRT", ".tls"};
    char path[64];
    for (int i = 0; i < 7; i++) {
        snprintf(path, sizeof path, "sections[%d].name", i);
        check_str(l, path, names[i]);
        snprintf(path, sizeof path, "sections[%d].full_name", i);
        check_str(l, path, names[i]);
    }
    assert_int_equal(geti(l, "sections[0].characteristics") & geti(l, "SECTION_CNT_CODE"), 0x20);
    assert_int_equal(geti(l, "sections[4].virtual_address"), 24576);
    assert_int_equal(geti(l, "sections[4].raw_data_offset"), 20480);
    assert_null(get(l, "sections[7]"));
    assert_int_equal(geti(l, "data_directories[1].virtual_address"), 24576);
    assert_int_equal(geti(l, "data_directories[12].size"), 200);
    assert_int_equal(geti(l, "checksum"), 0xA8DC);
    assert_int_equal(call_int(l, "calculate_checksum", "", NULL), 0xA8DC);
    assert_int_equal(call_int(l, "is_32bit", "", NULL), 1);
    assert_int_equal(call_int(l, "is_64bit", "", NULL), 0);
    assert_int_equal(call_int(l, "is_dll", "", NULL), 0);
    assert_int_equal(call_int(l, "section_index", "s", ARGS(S(".text"))), 0);
    assert_int_equal(call_int(l, "section_index", "s", ARGS(S(".CRT"))), 5);
    assert_false(call_defined(l, "section_index", "s", ARGS(S(".TEXT"))));
    assert_int_equal(call_int(l, "section_index", "i", ARGS(I(geti(l, "entry_point")))), 0);
    assert_int_equal(call_int(l, "section_index", "i", ARGS(I(0x6000))), 5); /* a file offset */
    assert_false(call_defined(l, "section_index", "i", ARGS(I(0x100000))));
    assert_int_equal(call_int(l, "rva_to_offset", "i", ARGS(I(0x10))), 0x10);
    assert_false(call_defined(l, "rva_to_offset", "i", ARGS(I(0x100000))));
    assert_int_equal(geti(l, "overlay.offset"), 0);
    assert_int_equal(geti(l, "overlay.size"), 0);
    /* No Rich signature, exports, resources or signatures: counts 0, the rest undefined. */
    assert_false(defined(l, "rich_signature.offset"));
    assert_false(call_defined(l, "rich_signature.version", "i", ARGS(I(1))));
    assert_int_equal(geti(l, "number_of_exports"), 0);
    assert_false(defined(l, "dll_name"));
    assert_false(defined(l, "export_timestamp"));
    assert_int_equal(call_int(l, "exports", "s", ARGS(S("x"))), 0);
    assert_false(call_defined(l, "exports_index", "s", ARGS(S("x"))));
    assert_int_equal(geti(l, "number_of_resources"), 0);
    assert_false(defined(l, "resource_timestamp"));
    assert_int_equal(call_int(l, "locale", "i", ARGS(I(0x409))), 0);
    assert_int_equal(geti(l, "number_of_version_infos"), 0);
    assert_int_equal(geti(l, "number_of_signatures"), 0);
    assert_int_equal(geti(l, "is_signed"), 0);
    assert_false(defined(l, "pdb_path"));
    unload(l);
}

/* Line 474: the overlay after the last section. */
static void test_tiny_overlay(void **state)
{
    (void)state;
    struct loaded *l = load("tiny-overlay");
    assert_int_equal(geti(l, "overlay.offset"), 0x8000);
    assert_int_equal(geti(l, "overlay.size"), 7);
    unload(l);
}

/* Lines 35, 60-110, 185-201, 261, 813: imports() in every form, import_details. */
static void test_tiny_imports(void **state)
{
    (void)state;
    struct loaded *l = load("tiny");
    assert_int_equal(call_int(l, "imports", "ss", ARGS(S("KERNEL32.dll"), S("DeleteCriticalSection"))), 1);
    assert_int_equal(call_int(l, "imports", "ss", ARGS(S("kernel32.dll"), S("deletecriticalsection"))), 1);
    assert_int_equal(call_int(l, "imports", "ss", ARGS(S("KERNEL32.dll"), S("NoSuchFunction"))), 0);
    assert_int_equal(call_int(l, "imports", "s", ARGS(S("kernel32.dll"))), 21);
    assert_int_equal(call_int(l, "imports", "rr", ARGS(RE(".*"), RE(".*CriticalSection"))), 4);
    assert_int_equal(call_int(l, "imports", "rr", ARGS(REI("kernel32\\.dll"), RE(".*"))), 21);
    assert_int_equal(call_int(l, "imports", "rr", ARGS(RE("kernel32"), RE("Delete"))), 0);
    int64_t std = geti(l, "IMPORT_STANDARD"), any = geti(l, "IMPORT_ANY"), del = geti(l, "IMPORT_DELAYED");
    assert_int_equal(any & (std | del), std | del); /* line 209 */
    assert_int_equal(call_int(l, "imports", "iss", ARGS(I(std), S("KERNEL32.dll"), S("DeleteCriticalSection"))), 1);
    assert_int_equal(call_int(l, "imports", "irr", ARGS(I(std), RE(".*"), RE(".*CriticalSection"))), 4);
    assert_int_equal(call_int(l, "imports", "irr", ARGS(I(std), REI("kernel32\\.dll"), RE(".*"))), 21);
    assert_int_equal(call_int(l, "imports", "irr", ARGS(I(any), RE(".*"), RE(".*CriticalSection"))), 4);
    assert_int_equal(call_int(l, "imports", "irr", ARGS(I(del), RE(".*"), RE(".*"))), 0);
    assert_int_equal(call_int(l, "imports", "is", ARGS(I(any), S("KERNEL32.DLL"))), 21);
    assert_int_equal(geti(l, "number_of_imports"), 2);
    assert_int_equal(geti(l, "number_of_imported_functions"), 48);
    assert_int_equal(geti(l, "number_of_delayed_imports"), 0);
    check_str(l, "import_details[0].library_name", "KERNEL32.dll");
    assert_int_equal(geti(l, "import_details[0].number_of_functions"), 21);
    check_str(l, "import_details[0].functions[20].name", "VirtualQuery");
    assert_false(defined(l, "import_details[0].functions[20].ordinal"));
    assert_true(defined(l, "import_details[0].functions[20].rva"));
    check_str(l, "import_details[1].library_name", "msvcrt.dll");
    assert_int_equal(geti(l, "import_details[1].number_of_functions"), 27);
    check_str(l, "import_details[1].functions[26].name", "vfprintf");
    struct yobj_result r = callf(l, "imphash", "", NULL);
    assert_true(r.defined && r.type == YOBJ_STRING);
    assert_memory_equal(r.s, "1720bf764274b7a4052bbef0a71adc0d", 32);
    assert_false(call_defined(l, "import_rva", "ss", ARGS(S("x"), S("y"))));
    unload(l);
}

/* Lines 43, 52, 86, 177, 516: the .idata variants. */
static void test_tiny_idata(void **state)
{
    (void)state;
    struct loaded *l = load("tiny-idata-51ff");
    assert_int_equal(call_int(l, "imports", "ss", ARGS(S("KERNEL32.dll"), S("DeleteCriticalSection"))), 1);
    assert_int_equal(call_int(l, "imports", "iss", ARGS(I(1), S("KERNEL32.dll"), S("DeleteCriticalSection"))), 1);
    assert_int_equal(call_int(l, "imports", "iss", ARGS(I(-1), S("KERNEL32.dll"), S("DeleteCriticalSection"))), 1);
    assert_true(geti(l, "checksum") != call_int(l, "calculate_checksum", "", NULL));
    unload(l);

    l = load("tiny-idata-5200");
    assert_int_equal(geti(l, "number_of_imports"), 0);
    assert_int_equal(geti(l, "number_of_imported_functions"), 0);
    struct yobj_result r = callf(l, "imphash", "", NULL); /* no imports: MD5 of nothing */
    assert_true(r.defined);
    assert_memory_equal(r.s, "d41d8cd98f00b204e9800998ecf8427e", 32);
    unload(l);
}

/* Lines 119-168, 712, 763-797: delayed imports. */
static void test_delayed_imports(void **state)
{
    (void)state;
    struct loaded *l = load("pe_imports");
    int64_t del = geti(l, "IMPORT_DELAYED"), any = geti(l, "IMPORT_ANY");
    assert_int_equal(call_int(l, "imports", "iss", ARGS(I(del), S("USER32.dll"), S("MessageBoxA"))), 1);
    assert_int_equal(call_int(l, "imports", "iss", ARGS(I(del), S("KERNEL32.dll"), S("DeleteCriticalSection"))), 0);
    assert_int_equal(call_int(l, "imports", "irr", ARGS(I(del), RE(".*"), RE("Message.*"))), 2);
    assert_int_equal(call_int(l, "imports", "irr", ARGS(I(del), REI("USER32\\.dll"), RE(".*BoxA"))), 1);
    assert_int_equal(call_int(l, "imports", "irr", ARGS(I(del), RE(".*"), RE(".*CriticalSection"))), 0);
    assert_int_equal(call_int(l, "imports", "iss", ARGS(I(any), S("KERNEL32.dll"), S("DeleteCriticalSection"))), 1);
    assert_int_equal(call_int(l, "imports", "iss", ARGS(I(any), S("USER32.dll"), S("MessageBoxA"))), 1);
    assert_int_equal(call_int(l, "imports", "ss", ARGS(S("USER32.dll"), S("MessageBoxA"))), 0); /* standard only */
    assert_int_equal(geti(l, "number_of_delayed_imports"), 1);
    assert_int_equal(geti(l, "number_of_delayed_imported_functions"), 2);
    check_str(l, "delayed_import_details[0].library_name", "USER32.dll");
    assert_int_equal(geti(l, "delayed_import_details[0].number_of_functions"), 2);
    /* functions in file order: MessageBeep at 0x13880, MessageBoxA at 0x13884 */
    bool box = false, beep = false, close = false;
    for (int i = 0; i < 2; i++) {
        char path[80];
        snprintf(path, sizeof path, "delayed_import_details[0].functions[%d]", i);
        struct yobj *f = get(l, path);
        const struct yobj *name = &f->members[PE_FN_NAME], *rva = &f->members[PE_FN_RVA];
        if (name->n == 11 && memcmp(name->s, "MessageBoxA", 11) == 0)
            box = rva->i == 0x13884;
        if (name->n == 11 && memcmp(name->s, "MessageBeep", 11) == 0)
            beep = rva->i == 0x13880;
    }
    assert_true(box && beep);
    assert_int_equal(call_int(l, "delayed_import_rva", "ss", ARGS(S("user32.dll"), S("messageboxa"))), 0x13884);
    for (int64_t i = 0; i < geti(l, "number_of_imports"); i++) {
        char path[80];
        snprintf(path, sizeof path, "import_details[%d].library_name", (int)i);
        struct yobj *lib = get(l, path);
        if (lib->n != 12 || memcmp(lib->s, "KERNEL32.dll", 12) != 0)
            continue;
        snprintf(path, sizeof path, "import_details[%d].functions", (int)i);
        struct yobj *fns = get(l, path);
        for (size_t j = 0; j < fns->n; j++) {
            const struct yobj *name = &fns->items[j].members[PE_FN_NAME];
            if (name->n == 11 && memcmp(name->s, "CloseHandle", 11) == 0)
                close = fns->items[j].members[PE_FN_RVA].i == 0xd10c;
        }
    }
    assert_true(close);
    assert_int_equal(call_int(l, "import_rva", "ss", ARGS(S("KERNEL32.dll"), S("CloseHandle"))), 0xd10c);
    unload(l);
}

/* Lines 227, 525, 555, 565, 631: exports, resources, language/locale of mtxex.dll. */
static void test_mtxex(void **state)
{
    (void)state;
    struct loaded *l = load("mtxex.dll");
    assert_int_equal(geti(l, "entry_point_raw"), 0x1380);
    assert_int_equal(call_int(l, "is_dll", "", NULL), 1);
    assert_int_equal(geti(l, "characteristics") & geti(l, "DLL"), geti(l, "DLL"));
    assert_int_equal(geti(l, "number_of_exports"), 4);
    check_str(l, "dll_name", "mtxex.dll");
    assert_int_equal(geti(l, "export_timestamp"), 1827812126);
    assert_int_equal(geti(l, "export_details[0].offset"), 1072);
    check_str(l, "export_details[0].name", "DllGetClassObject");
    assert_int_equal(geti(l, "export_details[0].ordinal"), 1);
    assert_int_equal(geti(l, "export_details[0].rva"), 0x1030);
    assert_int_equal(geti(l, "export_details[1].rva"), 0x267d);
    assert_int_equal(geti(l, "export_details[2].rva"), 0x26a8);
    assert_int_equal(geti(l, "export_details[3].rva"), 0x26ca);
    check_str(l, "export_details[1].forward_name", "COMSVCS.GetObjectContext");
    assert_false(defined(l, "export_details[1].offset")); /* a forwarder */
    assert_false(defined(l, "export_details[0].forward_name"));
    assert_int_equal(call_int(l, "exports", "s", ARGS(S("saferef"))), 1);
    assert_int_equal(call_int(l, "exports", "i", ARGS(I(4))), 1);
    assert_int_equal(call_int(l, "exports", "i", ARGS(I(5))), 0);
    assert_int_equal(call_int(l, "exports", "r", ARGS(REI("mtscreateactivity"))), 1);
    assert_int_equal(call_int(l, "exports", "r", ARGS(RE("mtscreateactivity"))), 0);
    assert_int_equal(call_int(l, "exports_index", "s", ARGS(S("MTSCreateActivity"))), 2);
    assert_int_equal(call_int(l, "exports_index", "i", ARGS(I(3))), 2);
    assert_int_equal(call_int(l, "exports_index", "r", ARGS(REI("mtscreateactivity"))), 2);
    assert_false(call_defined(l, "exports_index", "i", ARGS(I(99))));
    assert_int_equal(call_int(l, "language", "i", ARGS(I(0x09))), 1);
    assert_int_equal(call_int(l, "locale", "i", ARGS(I(0x0409))), 1);
    assert_int_equal(call_int(l, "locale", "i", ARGS(I(0x0419))), 0);
    assert_true(geti(l, "number_of_resources") > 0);
    assert_true(defined(l, "resource_timestamp"));
    assert_true(defined(l, "resources[0].offset"));
    assert_int_equal(geti(l, "resources[0].type"), geti(l, "RESOURCE_TYPE_VERSION"));
    assert_false(defined(l, "resources[0].type_string"));
    /* Version info narrowed to one byte per character, as YARA does. */
    check_str(l, "version_info{LegalCopyright}", "\xa9 Microsoft Corporation. All rights reserved.");
    unload(l);

    l = load("mtxex_modified_rsrc_rva.dll"); /* lines 543, 729, 746: an RVA outside the file */
    assert_int_equal(geti(l, "number_of_resources"), 1);
    assert_int_equal(geti(l, "resources[0].rva"), 5462081);
    assert_int_equal(geti(l, "resources[0].length"), 888);
    assert_false(defined(l, "resources[0].offset"));
    assert_int_equal(call_int(l, "import_rva", "ss", ARGS(S("KERNEL32.dll"), S("LoadLibraryExW"))), 0x2118);
    assert_int_equal(call_int(l, "import_rva", "ss", ARGS(S("KERNEL32.dll"), S("GetCurrentProcessId"))), 0x21a0);
    assert_int_equal(call_int(l, "is_64bit", "", NULL), 1);
    unload(l);
}

/* Line 575: exports of the UPX-packed copy. */
static void test_upx_exports(void **state)
{
    (void)state;
    struct loaded *l = load("079a472d22290a94ebb212aa8015cdc8dd28a968c6b4d3b88acdd58ce2d3b885.upx");
    check_str(l, "export_details[0].name", "CP_PutItem");
    assert_int_equal(geti(l, "export_details[0].rva"), 0x106c);
    unload(l);
}

/* Line 903: export addresses that map nowhere leave offset undefined. */
static void test_invalid_export_offsets(void **state)
{
    (void)state;
    struct loaded *l = load("05cd06e6a202e12be22a02700ed6f1604e803ca8867277d852e8971efded0650");
    assert_true(geti(l, "number_of_exports") > 21);
    assert_false(defined(l, "export_details[0].offset"));
    assert_false(defined(l, "export_details[7].offset"));
    assert_false(defined(l, "export_details[15].offset"));
    assert_false(defined(l, "export_details[21].offset"));
    assert_true(defined(l, "export_details[21].rva"));
    unload(l);
}

static const char quicken[] = "/C=US/ST=California/L=Menlo Park/O=Quicken, Inc./OU=Operations/CN=Quicken, Inc.";
static const char symantec_ca[] =
    "/C=US/O=Symantec Corporation/OU=Symantec Trust Network/CN=Symantec Class 3 SHA256 Code Signing CA";

/* Lines 292, 490, 585, 597, 639, 662-695, 880: the signed Quicken DLL. */
static void test_079a(void **state)
{
    (void)state;
    struct loaded *l = load("079a472d22290a94ebb212aa8015cdc8dd28a968c6b4d3b88acdd58ce2d3b885");
    assert_int_equal(geti(l, "is_signed"), 1);
    assert_int_equal(geti(l, "number_of_signatures"), 1);
    check_str(l, "signatures[0].thumbprint", "c1bf1b8f751bf97626ed77f755f0a393106f2454");
    check_str(l, "signatures[0].subject", quicken);
    assert_int_equal(geti(l, "signatures[0].verified"), 1);
    check_str(l, "signatures[0].digest_alg", "sha1");
    check_str(l, "signatures[0].digest", "f4ca190ec9052243b8882d492b1c12d04da7817f");
    check_str(l, "signatures[0].file_digest", "f4ca190ec9052243b8882d492b1c12d04da7817f");
    check_str(l, "signatures[0].algorithm", "sha256WithRSAEncryption");
    check_str(l, "signatures[0].algorithm_oid", "1.2.840.113549.1.1.11");
    assert_int_equal(geti(l, "signatures[0].number_of_certificates"), 4);
    assert_int_equal(geti(l, "signatures[0].certificates[0].not_after"), 1609372799);
    assert_int_equal(geti(l, "signatures[0].certificates[0].not_before"), 1356048000);
    assert_int_equal(geti(l, "signatures[0].certificates[0].version"), 3);
    check_str(l, "signatures[0].certificates[0].serial", "7e:93:eb:fb:7c:c6:4e:59:ea:4b:9a:77:d4:06:fc:3b");
    check_str(l, "signatures[0].certificates[0].algorithm", "sha1WithRSAEncryption");
    check_str(l, "signatures[0].certificates[0].thumbprint", "6c07453ffdda08b83707c09b82fb3d15f35336b1");
    check_str(l, "signatures[0].certificates[0].issuer",
              "/C=ZA/ST=Western Cape/L=Durbanville/O=Thawte/OU=Thawte Certification/CN=Thawte Timestamping CA");
    check_str(l, "signatures[0].certificates[2].subject", quicken);
    check_str(l, "signatures[0].certificates[3].subject", symantec_ca);
    assert_int_equal(geti(l, "signatures[0].certificates[3].not_after"), 1702166399);
    check_str(l, "signatures[0].signer_info.digest", "845555fec6e472a43b0714911d6c452a092e9632");
    check_str(l, "signatures[0].signer_info.digest_alg", "sha1");
    assert_int_equal(geti(l, "signatures[0].signer_info.length_of_chain"), 2);
    check_str(l, "signatures[0].signer_info.chain[0].thumbprint", "c1bf1b8f751bf97626ed77f755f0a393106f2454");
    check_str(l, "signatures[0].signer_info.chain[1].subject", symantec_ca);
    assert_int_equal(geti(l, "signatures[0].signer_info.chain[1].not_before"), 1386633600);
    assert_int_equal(geti(l, "signatures[0].number_of_countersignatures"), 1);
    assert_int_equal(geti(l, "signatures[0].countersignatures[0].length_of_chain"), 2);
    check_str(l, "signatures[0].countersignatures[0].digest", "9fa1188e4c656d86e2d7fa133ee8138ac1ec4ec1");
    check_str(l, "signatures[0].countersignatures[0].digest_alg", "sha1");
    assert_int_equal(geti(l, "signatures[0].countersignatures[0].sign_time"), 1528216551);
    assert_int_equal(geti(l, "signatures[0].countersignatures[0].verified"), 1);
    check_str(l, "signatures[0].countersignatures[0].chain[0].thumbprint",
              "65439929b67973eb192d6ff243e6767adf0834e4");
    check_str(l, "signatures[0].countersignatures[0].chain[1].serial",
              "7e:93:eb:fb:7c:c6:4e:59:ea:4b:9a:77:d4:06:fc:3b");
    /* valid_on reads the bounds of the signature it is called on. */
    int64_t nb = geti(l, "signatures[0].not_before"), na = geti(l, "signatures[0].not_after");
    assert_true(nb < na);
    assert_int_equal(call_int(l, "signatures[0].valid_on", "i", ARGS(I(nb))), 1);
    assert_int_equal(call_int(l, "signatures[0].valid_on", "i", ARGS(I(na + 1))), 0);

    check_str(l, "pdb_path", "D:\\workspace\\2018_R9_RelBld\\target\\checkout\\custprof\\Release\\custprof.pdb");

    /* Rich signature (lines 585, 597). */
    assert_int_equal(call_int(l, "rich_signature.toolid", "ii", ARGS(I(157), I(40219))), 1);
    int64_t t1 = call_int(l, "rich_signature.toolid", "ii", ARGS(I(1), I(0)));
    assert_true(t1 > 40 && t1 < 45);
    assert_true(call_int(l, "rich_signature.version", "i", ARGS(I(30319))) > 0);
    assert_int_equal(call_int(l, "rich_signature.version", "ii", ARGS(I(40219), I(170))), 11);
    assert_int_equal(call_int(l, "rich_signature.toolid", "i", ARGS(I(1))), t1);
    static const char vdata[] = "\x1b\x9d\x9c\x00\x1b\x9d\x9e\x00\x1b\x9d\xaa\x00ov\xab\x00\x09x\x93\x00\x00\x00"
                                "\x01\x00\x1b\x9d\xab\x00\x1b\x9d\x9b\x00\x1b\x9d\x9a\x00\x1b\x9d\x9d\x00";
    check_bytes(l, "rich_signature.version_data", vdata, sizeof vdata - 1);
    assert_int_equal(geti(l, "rich_signature.offset"), 128);
    assert_int_equal(geti(l, "rich_signature.length"), 96);

    /* Version info (line 639). */
    assert_true(geti(l, "number_of_version_infos") > 2);
    bool found = false;
    for (int64_t i = 0; i < geti(l, "number_of_version_infos"); i++) {
        char kp[64], vp[64];
        snprintf(kp, sizeof kp, "version_info_list[%d].key", (int)i);
        snprintf(vp, sizeof vp, "version_info_list[%d].value", (int)i);
        struct yobj *k = get(l, kp), *v = get(l, vp);
        if (k->n == 11 && memcmp(k->s, "FileVersion", 11) == 0 && v->n == 9 && memcmp(v->s, "27.1.9.33", 9) == 0)
            found = true;
    }
    assert_true(found);
    check_str(l, "version_info{FileVersion}", "27.1.9.33");
    check_str(l, "version_info{LegalCopyright}", "Copyright \xa9 2018 by Quicken Inc.");
    assert_null(get(l, "version_info{NoSuchKey}"));

    /* Imports (lines 662-695, 880). */
    assert_int_equal(call_int(l, "import_rva", "ss", ARGS(S("MSVCR100.dll"), S("_initterm"))), 0x3084);
    assert_int_equal(call_int(l, "import_rva", "ss", ARGS(S("KERNEL32.dll"), S("QueryPerformanceCounter"))), 0x3054);
    int64_t by_name = call_int(l, "delayed_import_rva", "ss", ARGS(S("qdb.dll"), S("ORD116")));
    assert_int_equal(call_int(l, "delayed_import_rva", "si", ARGS(S("qdb.dll"), I(116))), by_name);
    unload(l);
}

/* Lines 279, 392-422: other signatures. */
static void test_signatures(void **state)
{
    (void)state;
    struct loaded *l = load("e3d45a2865818756068757d7e319258fef40dad54532ee4355b86bc129f27345");
    assert_int_equal(geti(l, "is_signed"), 0);
    struct yobj_result r = callf(l, "imphash", "", NULL); /* line 279 */
    assert_true(r.defined);
    assert_memory_equal(r.s, "d49b7870cb53f29ec3f42b11cc8bea8b", 32);
    unload(l);

    l = load("3b8b90159fa9b6048cc5410c5d53f116943564e4d05b04a843f9b3d0540d0c1c");
    assert_int_equal(geti(l, "is_signed"), 1);
    assert_int_equal(geti(l, "number_of_signatures"), 2);
    check_str(l, "signatures[1].digest_alg", "sha256");
    unload(l);

    l = load("authenticode_short_digest");
    assert_int_equal(geti(l, "number_of_signatures"), 1);
    check_str(l, "signatures[0].digest_alg", "sha256");
    assert_int_equal(geti(l, "signatures[0].verified"), 0);
    assert_int_equal(geti(l, "is_signed"), 0);
    unload(l);
}

/* Lines 499, 507: CodeView paths of several flavours. */
static void test_pdb_paths(void **state)
{
    (void)state;
    struct loaded *l = load("ChipTune.efi");
    check_str(l, "pdb_path", "/Users/runner/work/OpenCorePkg/OpenCorePkg/UDK/Build/OpenCorePkg/DEBUG_XCODE5/X64/"
                             "OpenCorePkg/Application/ChipTune/ChipTune/DEBUG/ChipTune.dll");
    unload(l);
    l = load("6c2abf4b80a87e63eee2996e5cea8f004d49ec0c1806080fa72e960529cba14c");
    check_str(l, "pdb_path", "2AC71AF3-A338-495C-834E-977A6DD5C6FD");
    unload(l);
}

/* Lines 609, 623: odd Rich headers. */
static void test_rich_variants(void **state)
{
    (void)state;
    struct loaded *l = load("weird_rich");
    assert_int_equal(geti(l, "rich_signature.offset"), 0x200);
    assert_int_equal(geti(l, "rich_signature.length"), 64);
    assert_int_equal(geti(l, "rich_signature.key"), 0x9f1d8511);
    static const char clear[] = "DanS\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01\x00\x11\x00\x00"
                                "\x00\xc3\x0f]\x00\x03\x00\x00\x00\x09x\x95\x00\x01\x00\x00\x00\x09x\x83\x00\x05"
                                "\x00\x00\x00\x09x\x94\x00\x01\x00\x00\x00\x09x\x91\x00\x01\x00\x00\x00";
    check_bytes(l, "rich_signature.clear_data", clear, sizeof clear - 1);
    assert_int_equal(geti(l, "entry_point"), -1); /* maps outside the file, as YARA reports it */
    unload(l);

    l = load("undersized_rich");
    assert_int_equal(geti(l, "is_pe"), 1);
    assert_int_equal(geti(l, "rich_signature.length"), 4);
    assert_int_equal(call_int(l, "rich_signature.version", "i", ARGS(I(0))), 0);
    unload(l);
}

/* Lines 829, 868: version info with empty values, ordinal imports. */
static void test_ca21(void **state)
{
    (void)state;
    struct loaded *l = load("ca21e1c32065352d352be6cde97f89c141d7737ea92434831f998080783d5386");
    assert_int_equal(geti(l, "number_of_version_infos"), 12);
    const char *empty[] = {"Comments", "CompanyName", "LegalTrademarks", "PrivateBuild", "SpecialBuild"};
    for (size_t i = 0; i < sizeof empty / sizeof empty[0]; i++) {
        char path[64];
        snprintf(path, sizeof path, "version_info{%s}", empty[i]);
        check_str(l, path, "");
    }
    assert_int_equal(call_int(l, "import_rva", "ss", ARGS(S("ptimagerw.dll"), S("ORD4"))), 254924);
    assert_int_equal(call_int(l, "import_rva", "si", ARGS(S("ptPDF417decode.dll"), I(4))), 254948);
    assert_int_equal(call_int(l, "imports", "si", ARGS(S("ptPDF417decode.dll"), I(4))), 1);
    /* oleaut32 ordinals get their names, as in YARA. */
    assert_int_equal(call_int(l, "imports", "ss", ARGS(S("oleaut32.dll"), S("SysFreeString"))), 1);
    unload(l);
}

/* Lines 845, 855: long section names through the COFF string table. */
static void test_section_names(void **state)
{
    (void)state;
    struct loaded *l = load("pe_mingw");
    bool found = false;
    struct yobj *secs = get(l, "sections");
    for (size_t i = 0; i < secs->n; i++) {
        const struct yobj *n = &secs->items[i].members[PE_SEC_NAME], *f = &secs->items[i].members[PE_SEC_FULL_NAME];
        if (n->n == 2 && memcmp(n->s, "/4", 2) == 0 && f->n == 14 && memcmp(f->s, ".debug_aranges", 14) == 0)
            found = true;
    }
    assert_true(found);
    unload(l);
}

/* Line 893: rva_to_offset with odd section alignment; line 271: imphash. */
static void test_misc(void **state)
{
    (void)state;
    struct loaded *l = load("c6f9709feccf42f2d9e22057182fe185f177fb9daaa2649b4669a24f2ee7e3ba_0h_410h");
    assert_int_equal(call_int(l, "rva_to_offset", "i", ARGS(I(4096))), 1024);
    unload(l);

    l = load("tiny_empty_import_name");
    struct yobj_result r = callf(l, "imphash", "", NULL);
    assert_true(r.defined);
    assert_memory_equal(r.s, "b441b7fd09648ae6a06cea0e090128d6", 32);
    unload(l);

    l = load("33fc70f99be6d2833ae48852d611c8048d0c053ed0b2c626db4dbe902832a08b");
    assert_int_equal(geti(l, "number_of_rva_and_sizes"), 15); /* data_directories follows it */
    assert_int_equal(get(l, "data_directories")->n, 15);
    unload(l);
}

/* ------------------------------------------------------------------------ */
/* Built in memory                                                          */
/* ------------------------------------------------------------------------ */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
    put16(p, (uint16_t)v);
    put16(p + 2, (uint16_t)(v >> 16));
}

/* A PE32 with one .rsrc section (RVA 0x1000, file offset 0x200) holding two
 * resources: type "MYTYPE" / name "FILE" / language 0x409 (named levels)
 * and type 16 / id 1 / language 0x809. */
static uint8_t *build_resource_pe(size_t *len)
{
    enum { RAW = 0x200, VA = 0x1000, SIZE = 0x400 };
    uint8_t *b = calloc(1, SIZE);
    assert_non_null(b);
    memcpy(b, "MZ", 2);
    put32(b + 0x3c, 0x40);
    uint8_t *nt = b + 0x40;
    memcpy(nt, "PE\0\0", 4);
    put16(nt + 4, 0x14c);       /* machine */
    put16(nt + 6, 1);           /* sections */
    put16(nt + 20, 224);        /* optional header size */
    put16(nt + 22, 0x0102);
    uint8_t *oh = nt + 24;
    put16(oh, 0x10b);
    put32(oh + 28, 0x400000);   /* image base */
    put32(oh + 32, 0x1000);     /* section alignment */
    put32(oh + 36, 0x200);      /* file alignment */
    put32(oh + 56, 0x2000);     /* size of image */
    put32(oh + 60, RAW);        /* size of headers */
    put16(oh + 68, 3);
    put32(oh + 92, 16);         /* number of RVA and sizes */
    put32(oh + 96 + 8 * 2, VA); /* resource directory */
    put32(oh + 96 + 8 * 2 + 4, 188);
    uint8_t *sh = oh + 224;
    memcpy(sh, ".rsrc", 5);
    put32(sh + 8, 188);
    put32(sh + 12, VA);
    put32(sh + 16, RAW);
    put32(sh + 20, RAW);
    put32(sh + 36, 0x40000040);

    uint8_t *r = b + RAW;
    /* directories: root (1 named + 1 id entry), then four one-entry levels */
    put32(r + 4, 0x12345678);
    put16(r + 8, 4);
    put16(r + 10, 2);
    put16(r + 12, 1);
    put16(r + 14, 1);
    put32(r + 16, 0x80000000u | 128); /* "MYTYPE" */
    put32(r + 20, 0x80000000u | 32);
    put32(r + 24, 16);                /* RT_VERSION */
    put32(r + 28, 0x80000000u | 80);
    put16(r + 32 + 12, 1);            /* type MYTYPE: one named entry */
    put32(r + 32 + 16, 0x80000000u | 142); /* "FILE" */
    put32(r + 32 + 20, 0x80000000u | 56);
    put16(r + 56 + 14, 1);            /* name FILE: language 0x409 */
    put32(r + 56 + 16, 0x409);
    put32(r + 56 + 20, 152);
    put16(r + 80 + 14, 1);            /* type 16: id 1 */
    put32(r + 80 + 16, 1);
    put32(r + 80 + 20, 0x80000000u | 104);
    put16(r + 104 + 14, 1);           /* id 1: language 0x809 */
    put32(r + 104 + 16, 0x809);
    put32(r + 104 + 20, 168);
    static const char mytype[] = "MYTYPE", file[] = "FILE";
    put16(r + 128, 6);
    for (int i = 0; i < 6; i++)
        put16(r + 130 + 2 * i, (uint8_t)mytype[i]);
    put16(r + 142, 4);
    for (int i = 0; i < 4; i++)
        put16(r + 144 + 2 * i, (uint8_t)file[i]);
    put32(r + 152, VA + 184); /* data entries */
    put32(r + 156, 4);
    put32(r + 168, VA + 184);
    put32(r + 172, 4);
    memcpy(r + 184, "ABCD", 4);
    *len = SIZE;
    return b;
}

/* Named resource levels are the stored UTF-16 bytes, numeric ones integers
 * (values checked against YARA on the same image). */
static void test_named_resources(void **state)
{
    (void)state;
    size_t len;
    uint8_t *img = build_resource_pe(&len);
    struct loaded *l = load_bytes(img, len);
    assert_int_equal(geti(l, "is_pe"), 1);
    assert_int_equal(geti(l, "number_of_resources"), 2);
    assert_int_equal(geti(l, "resource_timestamp"), 0x12345678);
    assert_int_equal(geti(l, "resource_version.major"), 4);
    assert_int_equal(geti(l, "resource_version.minor"), 2);
    check_bytes(l, "resources[0].type_string", "M\0Y\0T\0Y\0P\0E\0", 12);
    check_bytes(l, "resources[0].name_string", "F\0I\0L\0E\0", 8);
    assert_false(defined(l, "resources[0].type"));
    assert_false(defined(l, "resources[0].id"));
    assert_false(defined(l, "resources[0].language_string"));
    assert_int_equal(geti(l, "resources[0].language"), 0x409);
    assert_int_equal(geti(l, "resources[0].rva"), 0x1000 + 184);
    assert_int_equal(geti(l, "resources[0].offset"), 0x200 + 184);
    assert_int_equal(geti(l, "resources[0].length"), 4);
    assert_int_equal(geti(l, "resources[1].type"), 16);
    assert_int_equal(geti(l, "resources[1].id"), 1);
    assert_int_equal(geti(l, "resources[1].language"), 0x809);
    assert_false(defined(l, "resources[1].type_string"));
    assert_int_equal(call_int(l, "locale", "i", ARGS(I(0x809))), 1);
    assert_int_equal(call_int(l, "language", "i", ARGS(I(9))), 1);
    assert_int_equal(call_int(l, "language", "i", ARGS(I(7))), 0);
    assert_int_equal(geti(l, "number_of_imports"), 0);
    assert_int_equal(geti(l, "number_of_version_infos"), 0); /* not a VS_VERSIONINFO */
    unload(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_schema),
        cmocka_unit_test(test_not_pe),
        cmocka_unit_test(test_tiny_headers),
        cmocka_unit_test(test_tiny_overlay),
        cmocka_unit_test(test_tiny_imports),
        cmocka_unit_test(test_tiny_idata),
        cmocka_unit_test(test_delayed_imports),
        cmocka_unit_test(test_mtxex),
        cmocka_unit_test(test_upx_exports),
        cmocka_unit_test(test_invalid_export_offsets),
        cmocka_unit_test(test_079a),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_pdb_paths),
        cmocka_unit_test(test_rich_variants),
        cmocka_unit_test(test_ca21),
        cmocka_unit_test(test_section_names),
        cmocka_unit_test(test_misc),
        cmocka_unit_test(test_named_resources),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
