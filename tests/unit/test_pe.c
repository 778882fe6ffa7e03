/* test_pe.c — fmt_pe_parse against the values YARA's own pe-module tests
 * assert on real files (../shared/yara-tests/cases-pe.json, hand-translated:
 * the case's line number is named in each test), and on malformed images
 * built in memory: truncation at every length, section tables past EOF,
 * endless import tables, self-referencing resource directories, huge counts.
 *
 *   gcc -std=c17 -D_GNU_SOURCE -Wall -Wextra -Werror -g -fsanitize=address,undefined \
 *       -Iinclude -Ilib lib/util/buf.c lib/util/error.c lib/format/pe*.c \
 *       tests/unit/test_pe.c -lcrypto -lcmocka -o test_pe
 *
 * The data files are found through $ASSAY_SHARED (the folder holding
 * yara-tests) or ../shared; tests whose file is missing are skipped. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cmocka.h>

#include "assay.h"
#include "format/pe.h"
#include "test_support.h"

/* ------------------------------------------------------------------------ */
/* Loading the YARA test files                                              */
/* ------------------------------------------------------------------------ */

struct loaded {
    uint8_t *data;
    size_t len;
    struct fmt_pe pe;
};

/* Parse data/<name>; skips the test when the file is not there. */
static struct loaded *load(const char *name)
{
    const char *shared = getenv("ASSAY_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/data/%s", shared ? shared : "../shared", name);
    struct loaded *l = calloc(1, sizeof *l);
    assert_non_null(l);
    l->data = ts_read_file(path, &l->len);
    if (!l->data) {
        free(l);
        skip();
        return NULL;
    }
    assert_int_equal(fmt_pe_parse(l->data, l->len, &l->pe), ASSAY_OK);
    assert_true(l->pe.is_pe);
    return l;
}

static void unload(struct loaded *l)
{
    fmt_pe_free(&l->pe);
    free(l->data);
    free(l);
}

static const struct fmt_pe_import_dll *find_dll(const struct fmt_pe_import_dll *v, size_t n,
                                                const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcasecmp(v[i].name, name) == 0)
            return &v[i];
    return NULL;
}

static const struct fmt_pe_import_function *find_func(const struct fmt_pe_import_dll *d,
                                                      const char *name)
{
    for (size_t i = 0; d && i < d->number_of_functions; i++)
        if (strcasecmp(d->functions[i].name, name) == 0)
            return &d->functions[i];
    return NULL;
}

/* ------------------------------------------------------------------------ */
/* Cases from cases-pe.json                                                 */
/* ------------------------------------------------------------------------ */

/* Lines 19, 211, 219, 235, 244, 434, 442, 450, 458, 466, 482, 653, 845. */
static void test_tiny_headers(void **state)
{
    (void)state;
    struct loaded *l = load("tiny");
    const struct fmt_pe *pe = &l->pe;
    assert_int_equal(pe->number_of_sections, 7);
    assert_int_equal(pe->nsections, 7);
    assert_true(pe->has_entry_point);
    assert_int_equal(pe->entry_point, 0x14E0);
    assert_int_equal(pe->linker_version.major, 2);
    assert_int_equal(pe->linker_version.minor, 26);
    const char *names[] = {".text", ".data", ".rdata", ".bss", ".idata", ".CRT", ".tls"};
    for (size_t i = 0; i < 7; i++) {
        assert_string_equal(pe->sections[i].name, names[i]);
        assert_string_equal(pe->sections[i].full_name, names[i]);
    }
    assert_int_equal(fmt_pe_section_index_of_rva(pe, pe->entry_point_raw), 0);
    assert_true(pe->is_32bit && !pe->is_64bit && !pe->is_dll);
    assert_int_equal(pe->checksum, 0xA8DC);
    assert_int_equal(fmt_pe_calculate_checksum(l->data, l->len, pe), 0xA8DC);
    assert_int_equal(pe->overlay_offset, 0);
    assert_int_equal(pe->overlay_size, 0);
    unload(l);
}

/* Lines 35, 60, 68, 110, 261, 813. */
static void test_tiny_imports(void **state)
{
    (void)state;
    struct loaded *l = load("tiny");
    const struct fmt_pe *pe = &l->pe;
    assert_int_equal(pe->nimports, 2);
    assert_int_equal(pe->number_of_imported_functions, 48);
    assert_string_equal(pe->imports[0].name, "KERNEL32.dll");
    assert_int_equal(pe->imports[0].number_of_functions, 21);
    assert_string_equal(pe->imports[0].functions[20].name, "VirtualQuery");
    assert_string_equal(pe->imports[1].name, "msvcrt.dll");
    assert_int_equal(pe->imports[1].number_of_functions, 27);
    assert_string_equal(pe->imports[1].functions[26].name, "vfprintf");
    assert_non_null(find_func(&pe->imports[0], "DeleteCriticalSection"));
    size_t crit = 0;
    for (size_t i = 0; i < pe->nimports; i++)
        for (size_t j = 0; j < pe->imports[i].number_of_functions; j++) {
            const char *n = pe->imports[i].functions[j].name;
            size_t len = strlen(n);
            crit += len >= 15 && strcmp(n + len - 15, "CriticalSection") == 0;
        }
    assert_int_equal(crit, 4);
    assert_string_equal(pe->imphash, "1720bf764274b7a4052bbef0a71adc0d");
    assert_int_equal(pe->ndelayed_imports, 0);
    unload(l);
}

/* Lines 43, 52, 516: the loader rounds PointerToRawData down to 512. */
static void test_tiny_idata_alignment(void **state)
{
    (void)state;
    struct loaded *l = load("tiny-idata-51ff");
    assert_non_null(find_func(find_dll(l->pe.imports, l->pe.nimports, "KERNEL32.dll"),
                              "DeleteCriticalSection"));
    assert_int_not_equal(fmt_pe_calculate_checksum(l->data, l->len, &l->pe), l->pe.checksum);
    unload(l);
    l = load("tiny-idata-5200");
    assert_int_equal(l->pe.nimports, 0);
    assert_int_equal(l->pe.number_of_imported_functions, 0);
    unload(l);
}

/* Line 271: names that are empty or unprintable are dropped. */
static void test_imphash_empty_name(void **state)
{
    (void)state;
    struct loaded *l = load("tiny_empty_import_name");
    assert_string_equal(l->pe.imphash, "b441b7fd09648ae6a06cea0e090128d6");
    unload(l);
}

/* Lines 279, 392. */
static void test_imphash_e3d45(void **state)
{
    (void)state;
    struct loaded *l = load("e3d45a2865818756068757d7e319258fef40dad54532ee4355b86bc129f27345");
    assert_string_equal(l->pe.imphash, "d49b7870cb53f29ec3f42b11cc8bea8b");
    assert_int_equal(l->pe.nsignatures, 0);
    unload(l);
}

/* Lines 119-168, 712, 763, 780, 797. */
static void test_delayed_imports(void **state)
{
    (void)state;
    struct loaded *l = load("pe_imports");
    const struct fmt_pe *pe = &l->pe;
    assert_int_equal(pe->ndelayed_imports, 1);
    assert_int_equal(pe->number_of_delayed_imported_functions, 2);
    const struct fmt_pe_import_dll *u = find_dll(pe->delayed_imports, pe->ndelayed_imports, "USER32.dll");
    assert_non_null(u);
    assert_int_equal(u->number_of_functions, 2);
    assert_int_equal(find_func(u, "MessageBoxA")->rva, 0x13884);
    assert_int_equal(find_func(u, "MessageBeep")->rva, 0x13880);
    assert_null(find_dll(pe->delayed_imports, pe->ndelayed_imports, "KERNEL32.dll"));
    const struct fmt_pe_import_dll *k = find_dll(pe->imports, pe->nimports, "KERNEL32.dll");
    assert_non_null(find_func(k, "DeleteCriticalSection"));
    assert_int_equal(find_func(k, "CloseHandle")->rva, 0xd10c);
    unload(l);
}

/* Lines 292 (signature, certificates, signer, counter-signature), 490,
 * 585, 597, 639, 662, 678, 695, 880. */
static void test_signed_079a(void **state)
{
    (void)state;
    struct loaded *l = load("079a472d22290a94ebb212aa8015cdc8dd28a968c6b4d3b88acdd58ce2d3b885");
    const struct fmt_pe *pe = &l->pe;
    assert_int_equal(pe->nsignatures, 1);
    const struct fmt_pe_signature *s = &pe->signatures[0];
    assert_string_equal(s->thumbprint, "c1bf1b8f751bf97626ed77f755f0a393106f2454");
    assert_string_equal(s->subject,
                        "/C=US/ST=California/L=Menlo Park/O=Quicken, Inc./OU=Operations/CN=Quicken, Inc.");
    assert_true(s->verified && s->digest_matches);
    assert_string_equal(s->digest_alg, "sha1");
    assert_string_equal(s->digest, "f4ca190ec9052243b8882d492b1c12d04da7817f");
    assert_string_equal(s->file_digest, "f4ca190ec9052243b8882d492b1c12d04da7817f");
    assert_string_equal(s->algorithm, "sha256WithRSAEncryption");
    assert_string_equal(s->algorithm_oid, "1.2.840.113549.1.1.11");
    assert_int_equal(s->number_of_certificates, 4);
    const struct fmt_pe_certificate *c = s->certificates;
    assert_int_equal(c[0].not_after, 1609372799);
    assert_int_equal(c[0].not_before, 1356048000);
    assert_int_equal(c[0].version, 3);
    assert_string_equal(c[0].serial, "7e:93:eb:fb:7c:c6:4e:59:ea:4b:9a:77:d4:06:fc:3b");
    assert_string_equal(c[0].algorithm, "sha1WithRSAEncryption");
    assert_string_equal(c[0].algorithm_oid, "1.2.840.113549.1.1.5");
    assert_string_equal(c[0].thumbprint, "6c07453ffdda08b83707c09b82fb3d15f35336b1");
    assert_string_equal(c[0].issuer, "/C=ZA/ST=Western Cape/L=Durbanville/O=Thawte/OU=Thawte "
                                     "Certification/CN=Thawte Timestamping CA");
    assert_string_equal(c[0].subject, "/C=US/O=Symantec Corporation/CN=Symantec Time Stamping Services CA - G2");
    assert_string_equal(c[1].serial, "0e:cf:f4:38:c8:fe:bf:35:6e:04:d8:6a:98:1b:1a:50");
    assert_string_equal(c[1].thumbprint, "65439929b67973eb192d6ff243e6767adf0834e4");
    assert_int_equal(c[2].not_after, 1559692799);
    assert_string_equal(c[2].serial, "21:bd:b2:cb:ec:e5:43:1e:24:f7:56:74:d6:0e:9c:1d");
    assert_string_equal(c[3].thumbprint, "007790f6561dad89b0bcd85585762495e358f8a5");
    assert_string_equal(c[3].issuer, "/C=US/O=VeriSign, Inc./OU=VeriSign Trust Network/OU=(c) 2006 "
                                     "VeriSign, Inc. - For authorized use only/CN=VeriSign Class 3 "
                                     "Public Primary Certification Authority - G5");
    assert_string_equal(s->signer_info.digest, "845555fec6e472a43b0714911d6c452a092e9632");
    assert_string_equal(s->signer_info.digest_alg, "sha1");
    assert_int_equal(s->signer_info.length_of_chain, 2);
    assert_string_equal(s->signer_info.chain[0].thumbprint, "c1bf1b8f751bf97626ed77f755f0a393106f2454");
    assert_string_equal(s->signer_info.chain[1].thumbprint, "007790f6561dad89b0bcd85585762495e358f8a5");
    assert_int_equal(s->number_of_countersignatures, 1);
    const struct fmt_pe_countersignature *cs = &s->countersignatures[0];
    assert_int_equal(cs->length_of_chain, 2);
    assert_string_equal(cs->digest, "9fa1188e4c656d86e2d7fa133ee8138ac1ec4ec1");
    assert_string_equal(cs->digest_alg, "sha1");
    assert_int_equal(cs->sign_time, 1528216551);
    assert_true(cs->verified);
    assert_string_equal(cs->chain[0].thumbprint, "65439929b67973eb192d6ff243e6767adf0834e4");
    assert_string_equal(cs->chain[1].thumbprint, "6c07453ffdda08b83707c09b82fb3d15f35336b1");

    assert_string_equal(pe->pdb_path,
                        "D:\\workspace\\2018_R9_RelBld\\target\\checkout\\custprof\\Release\\custprof.pdb");

    /* Rich signature (585, 597). */
    const struct fmt_pe_rich *r = &pe->rich;
    assert_true(r->present);
    unsigned t157 = 0, t1 = 0, v170 = 0, has30319 = 0;
    for (size_t i = 0; i < r->number_of_entries; i++) {
        const struct fmt_pe_rich_entry *e = &r->entries[i];
        if (e->toolid == 157 && e->version == 40219)
            t157 += e->times;
        if (e->toolid == 1 && e->version == 0)
            t1 += e->times;
        if (e->toolid == 170 && e->version == 40219)
            v170 += e->times;
        has30319 |= e->version == 30319;
    }
    assert_int_equal(t157, 1);
    assert_true(t1 > 40 && t1 < 45);
    assert_int_equal(v170, 11);
    assert_true(has30319);
    static const uint8_t version_data[] = "\x1b\x9d\x9c\x00\x1b\x9d\x9e\x00\x1b\x9d\xaa\x00ov\xab\x00"
                                          "\x09x\x93\x00\x00\x00\x01\x00\x1b\x9d\xab\x00\x1b\x9d\x9b\x00"
                                          "\x1b\x9d\x9a\x00\x1b\x9d\x9d\x00";
    assert_int_equal(r->number_of_entries, 10);
    for (size_t i = 0; i < 10; i++)
        assert_memory_equal(r->clear_data + 16 + 8 * i, version_data + 4 * i, 4);

    /* version info (639) */
    assert_true(pe->nversion_infos > 2);
    assert_string_equal(fmt_pe_version_info_get(pe, "FileVersion"), "27.1.9.33");

    /* import details (662, 678, 695) and delayed ordinal imports (880) */
    const struct fmt_pe_import_dll *m = find_dll(pe->imports, pe->nimports, "MSVCR100.dll");
    assert_int_equal(find_func(m, "_initterm")->rva, 0x3084);
    const struct fmt_pe_import_dll *k = find_dll(pe->imports, pe->nimports, "KERNEL32.dll");
    assert_int_equal(find_func(k, "QueryPerformanceCounter")->rva, 0x3054);
    const struct fmt_pe_import_dll *q = find_dll(pe->delayed_imports, pe->ndelayed_imports, "qdb.dll");
    const struct fmt_pe_import_function *o = find_func(q, "ord116");
    assert_non_null(o);
    assert_true(o->by_ordinal);
    assert_int_equal(o->ordinal, 116);
    unload(l);
}

/* Lines 401, 410: a dual-signed file (the SHA-256 signature is nested). */
static void test_signed_nested(void **state)
{
    (void)state;
    struct loaded *l = load("3b8b90159fa9b6048cc5410c5d53f116943564e4d05b04a843f9b3d0540d0c1c");
    assert_int_equal(l->pe.nsignatures, 2);
    assert_true(l->pe.signatures[0].verified);
    assert_true(l->pe.signatures[1].verified);
    assert_string_equal(l->pe.signatures[1].digest_alg, "sha256");
    unload(l);
}

/* Line 422. */
static void test_authenticode_short_digest(void **state)
{
    (void)state;
    struct loaded *l = load("authenticode_short_digest");
    assert_int_equal(l->pe.nsignatures, 1);
    assert_string_equal(l->pe.signatures[0].digest_alg, "sha256");
    assert_false(l->pe.signatures[0].verified);
    assert_false(l->pe.signatures[0].digest_matches);
    unload(l);
}

/* Lines 227, 525, 555, 565, 631, 729, 746. */
static void test_mtxex_exports(void **state)
{
    (void)state;
    struct loaded *l = load("mtxex.dll");
    const struct fmt_pe *pe = &l->pe;
    assert_int_equal(pe->entry_point_raw, 0x1380);
    assert_int_equal(pe->nexports, 4);
    assert_string_equal(pe->dll_name, "mtxex.dll");
    assert_int_equal(pe->export_timestamp, 1827812126);
    assert_true(pe->exports[0].has_offset);
    assert_int_equal(pe->exports[0].offset, 1072);
    assert_string_equal(pe->exports[0].name, "DllGetClassObject");
    assert_int_equal(pe->exports[0].ordinal, 1);
    assert_int_equal(pe->exports[0].rva, 0x1030);
    assert_int_equal(pe->exports[1].rva, 0x267d);
    assert_int_equal(pe->exports[2].rva, 0x26a8);
    assert_int_equal(pe->exports[3].rva, 0x26ca);
    assert_string_equal(pe->exports[1].forward_name, "COMSVCS.GetObjectContext");
    assert_null(pe->exports[0].forward_name);
    assert_string_equal(pe->exports[3].name, "SafeRef");
    assert_int_equal(pe->exports[3].ordinal, 4);
    assert_string_equal(pe->exports[2].name, "MTSCreateActivity");
    assert_int_equal(pe->exports[2].ordinal, 3);
    /* language 0x09 / locale 0x0409 */
    bool en_us = false;
    for (size_t i = 0; i < pe->nresources; i++)
        en_us |= pe->resources[i].language == 0x0409;
    assert_true(en_us);
    assert_string_equal(fmt_pe_version_info_get(pe, "CompanyName"), "Microsoft Corporation");
    assert_string_equal(fmt_pe_version_info_get(pe, "OriginalFilename"), "MTXEX.DLL");
    unload(l);

    l = load("mtxex_modified_rsrc_rva.dll");
    pe = &l->pe;
    assert_int_equal(pe->nresources, 1);
    assert_int_equal(pe->resources[0].rva, 5462081);
    assert_int_equal(pe->resources[0].length, 888);
    assert_false(pe->resources[0].has_offset);
    const struct fmt_pe_import_dll *k = find_dll(pe->imports, pe->nimports, "KERNEL32.dll");
    assert_int_equal(find_func(k, "LoadLibraryExW")->rva, 0x2118);
    assert_int_equal(find_func(k, "GetCurrentProcessId")->rva, 0x21a0);
    unload(l);
}

/* Line 575. */
static void test_upx_exports(void **state)
{
    (void)state;
    struct loaded *l = load("079a472d22290a94ebb212aa8015cdc8dd28a968c6b4d3b88acdd58ce2d3b885.upx");
    assert_string_equal(l->pe.exports[0].name, "CP_PutItem");
    assert_int_equal(l->pe.exports[0].rva, 0x106c);
    unload(l);
}

/* Lines 474, 499, 507, 609, 623, 829, 855, 868, 893, 903. */
static void test_misc_files(void **state)
{
    (void)state;
    struct loaded *l = load("tiny-overlay");
    assert_int_equal(l->pe.overlay_offset, 0x8000);
    assert_int_equal(l->pe.overlay_size, 7);
    unload(l);

    l = load("ChipTune.efi");
    assert_string_equal(l->pe.pdb_path, "/Users/runner/work/OpenCorePkg/OpenCorePkg/UDK/Build/OpenCorePkg/"
                                        "DEBUG_XCODE5/X64/OpenCorePkg/Application/ChipTune/ChipTune/DEBUG/"
                                        "ChipTune.dll");
    unload(l);

    l = load("6c2abf4b80a87e63eee2996e5cea8f004d49ec0c1806080fa72e960529cba14c");
    assert_string_equal(l->pe.pdb_path, "2AC71AF3-A338-495C-834E-977A6DD5C6FD");
    unload(l);

    l = load("weird_rich");
    assert_int_equal(l->pe.rich.offset, 0x200);
    assert_int_equal(l->pe.rich.length, 64);
    assert_int_equal(l->pe.rich.key, 0x9f1d8511);
    static const uint8_t clear[] = "DanS\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"
                                   "\x00\x11\x00\x00\x00\xc3\x0f]\x00\x03\x00\x00\x00\x09x\x95\x00"
                                   "\x01\x00\x00\x00\x09x\x83\x00\x05\x00\x00\x00\x09x\x94\x00\x01"
                                   "\x00\x00\x00\x09x\x91\x00\x01\x00\x00\x00";
    assert_memory_equal(l->pe.rich.clear_data, clear, 64);
    unload(l);

    l = load("undersized_rich");
    assert_int_equal(l->pe.rich.length, 4);
    unload(l);

    l = load("ca21e1c32065352d352be6cde97f89c141d7737ea92434831f998080783d5386");
    assert_int_equal(l->pe.nversion_infos, 12);
    const char *empty[] = {"Comments", "CompanyName", "LegalTrademarks", "PrivateBuild", "SpecialBuild"};
    for (size_t i = 0; i < 5; i++)
        assert_string_equal(fmt_pe_version_info_get(&l->pe, empty[i]), "");
    const struct fmt_pe_import_function *f =
        find_func(find_dll(l->pe.imports, l->pe.nimports, "ptimagerw.dll"), "ord4");
    assert_non_null(f);
    assert_int_equal(f->rva, 254924);
    f = find_func(find_dll(l->pe.imports, l->pe.nimports, "ptPDF417decode.dll"), "ord4");
    assert_non_null(f);
    assert_int_equal(f->rva, 254948);
    unload(l);

    l = load("pe_mingw");
    bool found = false;
    for (size_t i = 0; i < l->pe.nsections; i++)
        found |= strcmp(l->pe.sections[i].name, "/4") == 0 &&
                 strcmp(l->pe.sections[i].full_name, ".debug_aranges") == 0;
    assert_true(found);
    unload(l);

    l = load("c6f9709feccf42f2d9e22057182fe185f177fb9daaa2649b4669a24f2ee7e3ba_0h_410h");
    uint64_t off = 0;
    assert_true(fmt_pe_rva_offset(&l->pe, 4096, &off));
    assert_int_equal(off, 1024);
    unload(l);

    l = load("05cd06e6a202e12be22a02700ed6f1604e803ca8867277d852e8971efded0650");
    assert_true(l->pe.nexports > 21);
    const size_t idx[] = {0, 7, 15, 21};
    for (size_t i = 0; i < 4; i++)
        assert_false(l->pe.exports[idx[i]].has_offset);
    unload(l);
}

/* Line 27: not a PE. */
static void test_macho_is_not_pe(void **state)
{
    (void)state;
    const char *shared = getenv("ASSAY_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/data/tiny-macho", shared ? shared : "../shared");
    size_t len = 0;
    uint8_t *d = ts_read_file(path, &len);
    if (!d)
        skip();
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(d, len, &pe), ASSAY_EFORMAT);
    assert_false(pe.is_pe);
    fmt_pe_free(&pe);
    free(d);
}

/* ------------------------------------------------------------------------ */
/* Malformed images                                                         */
/* ------------------------------------------------------------------------ */

/* A minimal PE32: headers in [0, 0x200), one section at VA 0x1000 whose raw
 * data is [0x200, 0x2000). sect(rva) is the file offset of a section RVA. */
#define IMG_LEN 0x2000
static uint8_t img[IMG_LEN];

static void put16(size_t off, uint16_t v)
{
    img[off] = (uint8_t)v;
    img[off + 1] = (uint8_t)(v >> 8);
}

static void put32(size_t off, uint32_t v)
{
    for (unsigned i = 0; i < 4; i++)
        img[off + i] = (uint8_t)(v >> (8 * i));
}

static size_t sect(uint32_t rva)
{
    return rva - 0x1000 + 0x200;
}

enum { NT = 0x40, OH = NT + 24, DIRS = OH + 96, SECTS = OH + 224 };

static void build_image(void)
{
    memset(img, 0, sizeof img);
    img[0] = 'M';
    img[1] = 'Z';
    put32(0x3c, NT);
    memcpy(img + NT, "PE\0\0", 4);
    put16(NT + 4, 0x14c);
    put16(NT + 6, 1);      /* sections */
    put16(NT + 20, 224);   /* optional header size */
    put16(NT + 22, 0x0102);
    put16(OH, 0x10b);
    put32(OH + 16, 0x1000); /* entry point */
    put32(OH + 28, 0x400000);
    put32(OH + 32, 0x1000);
    put32(OH + 36, 0x200);
    put32(OH + 56, 0x3000);
    put32(OH + 60, 0x200);
    put32(OH + 92, 16);
    memcpy(img + SECTS, ".data\0\0\0", 8);
    put32(SECTS + 8, 0x1e00);
    put32(SECTS + 12, 0x1000);
    put32(SECTS + 16, 0x1e00);
    put32(SECTS + 20, 0x200);
}

static void set_dir(unsigned i, uint32_t rva, uint32_t size)
{
    put32(DIRS + 8 * i, rva);
    put32(DIRS + 8 * i + 4, size);
}

static void test_built_image_parses(void **state)
{
    (void)state;
    build_image();
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_true(pe.is_pe && pe.is_32bit);
    assert_int_equal(pe.nsections, 1);
    assert_string_equal(pe.sections[0].name, ".data");
    assert_int_equal(pe.entry_point, 0x200);
    assert_int_equal(pe.image_base, 0x400000);
    uint64_t off;
    assert_true(fmt_pe_rva_offset(&pe, 0x1010, &off));
    assert_int_equal(off, 0x210);
    assert_false(fmt_pe_rva_offset(&pe, 0x1000 + 0x1e00, &off));
    assert_true(fmt_pe_rva_offset(&pe, 0x10, &off)); /* in the headers */
    assert_int_equal(off, 0x10);
    fmt_pe_free(&pe);
}

/* Every prefix of a real file parses (or is refused) without a fault. */
static void test_truncation(void **state)
{
    (void)state;
    const char *shared = getenv("ASSAY_SHARED");
    char path[1024];
    snprintf(path, sizeof path, "%s/yara-tests/data/079a472d22290a94ebb212aa8015cdc8dd28a968c6b4d3b88acdd58ce2d3b885",
             shared ? shared : "../shared");
    size_t len = 0;
    uint8_t *d = ts_read_file(path, &len);
    if (!d) {
        build_image();
        d = malloc(IMG_LEN);
        assert_non_null(d);
        memcpy(d, img, IMG_LEN);
        len = IMG_LEN;
    }
    for (size_t n = 0; n <= len; n += (n < 1024 ? 1 : 97)) {
        uint8_t *copy = malloc(n ? n : 1); /* exact size, so ASan sees overreads */
        assert_non_null(copy);
        memcpy(copy, d, n);
        struct fmt_pe pe;
        int rc = fmt_pe_parse(copy, n, &pe);
        assert_true(rc == ASSAY_OK || rc == ASSAY_EFORMAT);
        assert_true(rc != ASSAY_OK || pe.is_pe);
        fmt_pe_free(&pe);
        free(copy);
    }
    free(d);
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(NULL, 0, &pe), ASSAY_EFORMAT);
    fmt_pe_free(&pe);
}

static void test_section_table_past_eof(void **state)
{
    (void)state;
    build_image();
    put16(NT + 6, 0xffff);
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_int_equal(pe.number_of_sections, 0xffff);
    assert_true(pe.nsections <= FMT_PE_MAX_SECTIONS);
    fmt_pe_free(&pe);
    /* A table that starts beyond the end of the file. */
    put16(NT + 20, 0xfff0);
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_int_equal(pe.nsections, 0);
    fmt_pe_free(&pe);
}

/* An import table with no terminator whose every descriptor names the same
 * DLL and shares one endless thunk array: the counts stop at the caps. */
static void test_import_table_without_end(void **state)
{
    (void)state;
    build_image();
    set_dir(FMT_PE_DIR_IMPORT, 0x1000, 20);
    memcpy(img + sect(0x1f00), "loop.dll", 9);
    for (uint32_t rva = 0x1000; rva < 0x1800; rva += 20) {
        put32(sect(rva), 0x1800);      /* lookup table */
        put32(sect(rva) + 12, 0x1f00); /* name */
        put32(sect(rva) + 16, 0x1800); /* IAT */
    }
    for (uint32_t rva = 0x1800; rva < 0x1f00; rva += 4)
        put32(sect(rva), 0x80000001); /* ordinal 1, forever until the name */
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_true(pe.nimports > 0);
    assert_true(pe.number_of_imported_functions <= FMT_PE_MAX_IMPORT_FUNCS);
    assert_string_equal(pe.imports[0].name, "loop.dll");
    assert_string_equal(pe.imports[0].functions[0].name, "ord1");
    assert_int_equal(strlen(pe.imphash), 32);
    fmt_pe_free(&pe);
}

/* Thunks and names whose RVAs point at the descriptor table itself. */
static void test_import_self_reference(void **state)
{
    (void)state;
    build_image();
    set_dir(FMT_PE_DIR_IMPORT, 0x1000, 20);
    set_dir(FMT_PE_DIR_DELAY_IMPORT, 0x1000, 32);
    put32(sect(0x1000), 0x1000);
    put32(sect(0x1000) + 12, 0x1000);
    put32(sect(0x1000) + 16, 0x1000);
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_true(pe.number_of_imported_functions <= FMT_PE_MAX_IMPORT_FUNCS);
    fmt_pe_free(&pe);
}

/* Resource directories whose entries point back at the root. */
static void test_resource_loop(void **state)
{
    (void)state;
    build_image();
    set_dir(FMT_PE_DIR_RESOURCE, 0x1000, 0x1000);
    put16(sect(0x1000) + 14, 0x100);
    for (uint32_t i = 0; i < 0x100; i++) {
        put32(sect(0x1000) + 16 + 8 * i, i);
        put32(sect(0x1000) + 16 + 8 * i + 4, 0x80000000u); /* subdirectory: the root */
    }
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_int_equal(pe.nresources, 0);
    fmt_pe_free(&pe);

    /* Loops that do reach leaves, 65535 entries (far past EOF) per level. */
    put16(sect(0x1000) + 14, 0xffff);
    for (uint32_t i = 0; i < 0x100; i++)
        put32(sect(0x1000) + 16 + 8 * i + 4, (i % 2) ? 0x80000000u : 0x800u);
    put32(sect(0x1800), 0x1000);
    put32(sect(0x1800) + 4, 16);
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_true(pe.nresources <= FMT_PE_MAX_RESOURCES);
    assert_true(pe.nresources > 0);
    assert_true(pe.resources_truncated);
    fmt_pe_free(&pe);
}

static void test_huge_export_counts(void **state)
{
    (void)state;
    build_image();
    set_dir(FMT_PE_DIR_EXPORT, 0x1000, 40);
    put32(sect(0x1000) + 16, 1);
    put32(sect(0x1000) + 20, 0xffffffffu);
    put32(sect(0x1000) + 24, 0xffffffffu);
    put32(sect(0x1000) + 28, 0x1100);
    put32(sect(0x1000) + 32, 0x1100);
    put32(sect(0x1000) + 36, 0x1100);
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_true(pe.nexports <= FMT_PE_MAX_EXPORTS);
    assert_true(pe.exports_truncated);
    fmt_pe_free(&pe);
}

/* Garbage in the security directory, and one pointing past EOF. */
static void test_bad_certificates(void **state)
{
    (void)state;
    build_image();
    set_dir(FMT_PE_DIR_SECURITY, 0x1000, 0x100);
    put32(0x1000, 0x100);
    put16(0x1004, 0x200);
    put16(0x1006, 2);
    memset(img + 0x1008, 0x30, 0xf8);
    struct fmt_pe pe;
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_int_equal(pe.nsignatures, 0);
    fmt_pe_free(&pe);
    set_dir(FMT_PE_DIR_SECURITY, 0x1f00, 0x1000);
    assert_int_equal(fmt_pe_parse(img, IMG_LEN, &pe), ASSAY_OK);
    assert_int_equal(pe.nsignatures, 0);
    fmt_pe_free(&pe);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tiny_headers),
        cmocka_unit_test(test_tiny_imports),
        cmocka_unit_test(test_tiny_idata_alignment),
        cmocka_unit_test(test_imphash_empty_name),
        cmocka_unit_test(test_imphash_e3d45),
        cmocka_unit_test(test_delayed_imports),
        cmocka_unit_test(test_signed_079a),
        cmocka_unit_test(test_signed_nested),
        cmocka_unit_test(test_authenticode_short_digest),
        cmocka_unit_test(test_mtxex_exports),
        cmocka_unit_test(test_upx_exports),
        cmocka_unit_test(test_misc_files),
        cmocka_unit_test(test_macho_is_not_pe),
        cmocka_unit_test(test_built_image_parses),
        cmocka_unit_test(test_truncation),
        cmocka_unit_test(test_section_table_past_eof),
        cmocka_unit_test(test_import_table_without_end),
        cmocka_unit_test(test_import_self_reference),
        cmocka_unit_test(test_resource_loop),
        cmocka_unit_test(test_huge_export_counts),
        cmocka_unit_test(test_bad_certificates),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
