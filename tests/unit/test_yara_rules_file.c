/* test_yara_rules_file.c — compiled YARA rules (lib/yara/rules_file.c and the
 * YARA sections of compiled databases, lib/engine/dbfile.c).
 *
 *   - round trips: rule sets of many shapes (text, hex and regex strings with
 *     every modifier, chained hex strings with long jumps, xor and base64,
 *     private and global rules, tags, metadata, externals, the pe, elf, math,
 *     hash and string modules, `matches`, loops, rule references, sets of
 *     rules and expressions, namespaces) are scanned from source and through
 *     a compiled file; every finding (matching or not), with its strings'
 *     matches, tags, metadata and position, must be the same;
 *   - externals: defined at compile time, overridden after loading (same
 *     type only, existing names only, as YARA), or defined before loading;
 *   - ClamAV signatures and YARA rules in one compiled file;
 *   - the records rules_file.c and dbfile.c save field by field have not
 *     changed size (a new field must be saved and loaded, and the format
 *     version bumped);
 *   - corrupt blobs: every truncation, every index field of every record
 *     set out of range, node graphs with cycles, type confusions of module
 *     values, a schema from another build: all ASSAY_EFORMAT; every byte
 *     flipped in turn: ASSAY_OK or ASSAY_EFORMAT, and what loads scans
 *     without a fault (run under ASan to see it).
 *
 * The PE and ELF files of $ASSAY_SHARED/yara-tests/data are scanned too when
 * that folder exists. RF_DUMP=1 prints the findings that are compared. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay.h"
#include "engine/engine.h"
#include "yara/regex_internal.h"
#include "yara/rules.h"
#include "yara/rules_file.h"
#include "yara/yscan.h"
#include "test_support.h"
#include "yrules_scan.h"

/* ---- rule sets ------------------------------------------------------------------ */

static const char RULES_STRINGS[] =
    "global rule g_nonempty : gtag { condition: filesize > 0 }\n"
    "private rule p_marker { strings: $m = \"MARKER\" condition: $m }\n"
    "rule text_mods : t1 t2 {\n"
    "  meta: author = \"tester\" version = 3 active = true neg = -7 note = \"tab\\there\"\n"
    "  strings:\n"
    "    $a = \"Hello\" nocase\n"
    "    $b = \"wide\" wide ascii\n"
    "    $c = \"word\" fullword\n"
    "    $d = \"xorme\" xor\n"
    "    $e = \"xorrange\" xor(1-3)\n"
    "    $f = \"base64me\" base64\n"
    "    $g = \"b64wide\" base64wide\n"
    "    $h = \"hidden\" private\n"
    "    $i = \"custom64\" base64(\"!@#$%^&*(){}[].,|ABCDEFGHIJ\\x09LMNOPQRSTUVWXYZabcdefghijklmnopqrstu\")\n"
    "    $j = \"nocasewide\" nocase wide\n"
    "  condition: any of them\n"
    "}\n"
    "rule hex_strings {\n"
    "  strings:\n"
    "    $h1 = { 4D 5A ?? 00 [2-4] 50 45 }\n"
    "    $h2 = { 68 65 ( 6C | 4C ) 6C ~00 }\n"
    "    $h3 = { 61 62 63 [300-400] 78 79 7A }\n"
    "    $h4 = { 31 32 33 [250] 34 35 36 [0-1000] 37 38 39 }\n"
    "    $h5 = { 4? 5? 5A }\n"
    "    $h6 = { 11 22 [-] 33 44 }\n"
    "  condition: any of them\n"
    "}\n"
    "rule regexes {\n"
    "  strings:\n"
    "    $r1 = /abc[0-9]+def/\n"
    "    $r2 = /hello\\s+world/i\n"
    "    $r3 = /f.o\\x00?bar/s\n"
    "    $r4 = /[a-z]{3}@example\\.com/ wide ascii\n"
    "    $r5 = /\\bword\\b/ fullword\n"
    "    $r6 = /(ab|cd){2,3}e*?/\n"
    "    $r7 = /[^\\x00-\\x7f]{2}/\n"
    "  condition: any of them and #r1 >= 0\n"
    "}\n"
    "rule counts_offsets {\n"
    "  strings: $x = \"xx\" $y = \"MARKER\"\n"
    "  condition: #x >= 2 and @x[1] < @x[2] and !x[1] == 2 and $x at @x[1] and $x in (0..filesize)\n"
    "    and #x in (0..100) >= 1 and $y at @y[1] and any of them in (0..filesize)\n"
    "}\n"
    "rule at_zero { strings: $a = \"HEAD\" condition: $a at 0 }\n"
    "rule never_matches_yet { condition: filesize == 3 }\n"
    "rule refs { condition: text_mods and p_marker and at_zero and not never_matches_yet }\n"
    "rule loops {\n"
    "  strings: $l1 = \"loop1\" $l2 = \"loop2\"\n"
    "  condition: for all of ($l*) : ( @ > 0 and # >= 1 and ! == 5 )\n"
    "    and for any i in (1..#l1) : ( @l1[i] > 0 )\n"
    "    and for 2 i in (1, 2, 3) : ( i > 1 )\n"
    "    and for any s in (\"a\", \"b\") : ( s == \"b\" )\n"
    "    and for all i in (1..2) : ( for any j in (0..i) : ( j == i ) )\n"
    "    and 50% of ($l*) and none of ($l1) in (0..0)\n"
    "}\n"
    "rule of_rules { condition: any of (text_mods, hex_*) and 2 of (regexes, loops, at_zero) }\n"
    "rule expr_set { condition: any of (filesize > 100000000, filesize > 0) }\n"
    "rule arith {\n"
    "  condition: (filesize + 1) * 2 - 1 > 0 and filesize % 7 >= 0 and (1 << 3) == 8 and 7 \\ 2 == 3\n"
    "    and -filesize < 0 and ~0 == -1 and 2.5 * 2 == 5.0 and filesize \\ 2.0 > 0.1\n"
    "    and uint16(0) >= 0 and uint32be(0) >= 0 and int8(0) <= 127 and not defined uint8(filesize)\n"
    "    and ((filesize | 1) & 1) == 1 and (filesize ^ filesize) == 0 and filesize >> 1 >= 0\n"
    "}\n"
    "rule string_ops {\n"
    "  condition: \"Hello\" icontains \"ELL\" and \"abc\" startswith \"ab\" and \"abc\" istartswith \"AB\"\n"
    "    and \"abc\" endswith \"bc\" and \"abc\" iendswith \"BC\" and \"abc\" iequals \"ABC\"\n"
    "    and \"abc\" contains \"b\" and \"hello\" matches /h.llo/ and not (\"x\" matches /y/i)\n"
    "    and \"a\\x00b\" != \"a\"\n"
    "}\n"
    "rule entry { condition: not defined entrypoint or entrypoint >= 0 }\n"
    "rule chained_only { strings: $c = { 61 62 63 [300-400] 78 79 7A } condition: $c and !c[1] > 300 }\n"
    "rule never_matches { strings: $n = \"absent-string-zzz\" condition: $n or filesize == 1 }\n";

static const char RULES_MODULES[] =
    "import \"pe\"\n"
    "import \"elf\"\n"
    "import \"math\"\n"
    "import \"hash\"\n"
    "import \"string\"\n"
    "rule math_rule { condition: math.entropy(0, filesize) >= 0.0 and math.mean(0, filesize) > 0.0\n"
    "  and math.in_range(math.mean(0, 4), 0.0, 256.0) and math.to_string(10) == \"10\" }\n"
    "rule hash_rule { condition: hash.md5(0, 4) == hash.md5(0, 4) and hash.crc32(0, 1) >= 0\n"
    "  and hash.md5(\"abc\") == \"900150983cd24fb0d6963f7d28e17f72\" }\n"
    "rule string_rule { condition: string.length(\"abcd\") == 4 and string.to_int(\"0x10\") == 16\n"
    "  and string.to_int(\"11\", 2) == 3 }\n"
    "rule pe_rule { condition: pe.is_pe and pe.number_of_sections > 0\n"
    "  and for any s in pe.sections : ( s.name == \".text\" or s.virtual_size > 0 )\n"
    "  and pe.machine == pe.MACHINE_I386 or pe.is_pe and pe.machine == pe.MACHINE_AMD64 }\n"
    "rule pe_funcs { condition: pe.is_pe and not pe.exports(/zzz_nothing/) and pe.imports(/kernel32/i, /zzz/) == 0\n"
    "  and (pe.section_index(\".text\") >= 0 or not defined pe.section_index(\".text\")) }\n"
    "rule pe_dict { condition: for any k, v in pe.version_info : ( k == \"CompanyName\" and v != \"\" )\n"
    "  or not pe.is_pe }\n"
    "rule not_pe { condition: not pe.is_pe and not defined pe.number_of_sections }\n"
    "rule elf_rule { condition: elf.type == elf.ET_EXEC or elf.type == elf.ET_DYN and elf.machine >= 0\n"
    "  and for all s in elf.sections : ( s.size >= 0 ) }\n"
    "rule elf_header { condition: elf.type == 2 and elf.machine == elf.EM_X86_64 }\n";

static const char RULES_EXTERNALS[] =
    "rule ext_int { condition: ext_int == 5 }\n"
    "rule ext_str { condition: ext_str == \"abc\" and ext_str contains \"b\" }\n"
    "rule ext_bool { condition: ext_bool }\n"
    "rule ext_float { condition: ext_float > 1.0 }\n"
    "rule ext_empty { condition: ext_empty == \"\" }\n";

/* ---- inputs ---------------------------------------------------------------------- */

static void put(uint8_t *buf, size_t *at, const void *p, size_t n)
{
    memcpy(buf + *at, p, n);
    *at += n;
}

static void put_wide(uint8_t *buf, size_t *at, const char *s)
{
    for (; *s; s++) {
        buf[(*at)++] = (uint8_t)*s;
        buf[(*at)++] = 0;
    }
}

/* Something for every string of RULES_STRINGS, each kept apart by dots. */
static uint8_t *strings_input(size_t *len)
{
    uint8_t *b = calloc(1, 8192);
    assert_non_null(b);
    size_t at = 0;
    memset(b, '.', 8192);
    put(b, &at, "HEAD ", 5);
    put(b, &at, "hELLo ", 6);
    put(b, &at, "w\0i\0d\0e\0 ", 9);
    put(b, &at, "a word. ", 8);
    const char *x = "xorme";
    for (size_t i = 0; i < 5; i++)
        b[at++] = (uint8_t)(x[i] ^ 0x21);
    b[at++] = ' ';
    x = "xorrange";
    for (size_t i = 0; i < 8; i++)
        b[at++] = (uint8_t)(x[i] ^ 2);
    put(b, &at, " YmFzZTY0bWU= ", 14); /* base64("base64me") */
    put(b, &at, " ", 1);
    put_wide(b, &at, "YjY0d2lkZQ"); /* base64wide("b64wide") */
    put(b, &at, " ", 1);
    put(b, &at, " hidden MARKER xx xx ", 21);
    put(b, &at, "N\0o\0C\0a\0S\0e\0W\0i\0D\0e\0 ", 21);
    put(b, &at, "MZ\x01\x00\x02\x03PE ", 9);
    put(b, &at, "heLl\x01 ", 6);
    put(b, &at, "abc", 3);
    at += 350;
    put(b, &at, "xyz ", 4);
    put(b, &at, "123", 3);
    at += 250;
    put(b, &at, "456", 3);
    at += 20;
    put(b, &at, "789 ", 4);
    put(b, &at, "\x41\x52\x5A ", 4);
    put(b, &at, "\x11\x22zz\x33\x44 ", 7);
    put(b, &at, "abc123def ", 10);
    put(b, &at, "HELLO  \t world ", 15);
    put(b, &at, "fXo\0bar ", 8);
    put(b, &at, "abc@example.com ", 16);
    put(b, &at, "x\0y\0z\0@\0e\0x\0a\0m\0p\0l\0e\0.\0c\0o\0m\0 ", 31);
    put(b, &at, "abcdcdee ", 9);
    put(b, &at, "\xc3\xa9t\xc3\xa9 ", 7);
    put(b, &at, "loop1 loop2 loop1 ", 18);
    at += 10;
    b[at++] = 0;
    *len = at;
    return b;
}

/* A 64-byte ELF header: ELF64, little endian, executable, x86-64. */
static uint8_t *elf_input(size_t *len)
{
    uint8_t *b = calloc(1, 128);
    assert_non_null(b);
    memcpy(b, "\x7f" "ELF\x02\x01\x01", 7);
    b[16] = 2;    /* e_type: ET_EXEC */
    b[18] = 0x3e; /* e_machine: x86-64 */
    b[20] = 1;    /* e_version */
    b[52] = 64;   /* e_ehsize */
    *len = 128;
    return b;
}

/* ---- findings as text -------------------------------------------------------------- */

static void dump_finding(void *user, const struct assay_finding *f)
{
    FILE *out = user;
    fprintf(out, "%s ns=%s src=%s:%u matched=%d engine=%s tags=", f->rule, f->ns ? f->ns : "-",
            f->source ? f->source : "-", f->line, f->matched, f->engine);
    for (size_t i = 0; i < f->tag_count; i++)
        fprintf(out, "%s,", f->tags[i]);
    fprintf(out, " metas=");
    for (size_t i = 0; i < f->meta_count; i++) {
        const struct assay_meta *m = &f->metas[i];
        fprintf(out, "%s:%d:", m->name, m->kind);
        if (m->kind == ASSAY_META_STRING)
            fwrite(m->string, 1, m->string_len, out);
        else
            fprintf(out, "%lld", (long long)m->integer);
        fputc(';', out);
    }
    fputc('\n', out);
    for (size_t i = 0; i < f->evidence_count; i++) {
        const struct assay_evidence *e = &f->evidence[i];
        fprintf(out, "  %s hex=%d sub=%d @%llu+%llu\n", e->string_id ? e->string_id : "-", e->hex_string,
                e->subsignature, (unsigned long long)e->offset, (unsigned long long)e->length);
    }
}

static void count_problem(void *user, const struct assay_problem *p)
{
    (void)user;
    fail_msg("scan problem: %s: %s", p->path, p->reason);
}

/* Every rule's result on data (non-matching ones too), as text (malloc'ed). */
static char *scan_text(const assay_db *db, const uint8_t *data, size_t len)
{
    char *text = NULL;
    size_t n = 0;
    FILE *out = open_memstream(&text, &n);
    assert_non_null(out);
    struct assay_scan_callbacks cb = {.finding = dump_finding, .problem = count_problem, .user = out};
    struct assay_scan_options o;
    assay_scan_options_init(&o);
    o.threads = 1;
    o.scan_archives = false;
    o.report_nonmatching = true;
    assert_int_equal(assay_scan_buffer(db, "input", data, len, &o, &cb, NULL), ASSAY_OK);
    fclose(out);
    return text;
}

/* ---- databases ---------------------------------------------------------------------- */

static char db_path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(db_path, sizeof db_path, "/tmp/assay-test-yrules-%ld.adb", (long)getpid());
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(db_path);
    return 0;
}

struct source {
    const char *name, *text, *ns;
};

/* Defines ("name=value", NULL-terminated), then the sources; finalized. */
static assay_db *from_sources(const struct source *src, const char *const *defines)
{
    assay_db *db = assay_db_new();
    assert_non_null(db);
    for (size_t i = 0; defines && defines[i]; i++) {
        char name[64];
        const char *eq = strchr(defines[i], '=');
        snprintf(name, sizeof name, "%.*s", (int)(eq - defines[i]), defines[i]);
        assert_int_equal(assay_db_define(db, name, eq + 1), ASSAY_OK);
    }
    for (size_t i = 0; src[i].name; i++) {
        struct assay_load_options lo = {.yara_namespace = src[i].ns};
        int rc = assay_db_load_text(db, src[i].name, src[i].text, strlen(src[i].text), &lo);
        if (rc != ASSAY_OK)
            fail_msg("%s: %s", src[i].name, assay_last_error());
    }
    if (assay_db_finalize(db) != ASSAY_OK)
        fail_msg("finalize: %s", assay_last_error());
    return db;
}

static assay_db *load_compiled(const char *path, int *rc)
{
    assay_db *db = assay_db_new();
    assert_non_null(db);
    *rc = assay_db_load(db, path, NULL);
    if (*rc == ASSAY_OK)
        *rc = assay_db_finalize(db);
    return db;
}

/* Save db to the test's file and load it back (db is freed). */
static assay_db *through_file(assay_db *db)
{
    int rc = assay_db_save(db, db_path);
    if (rc != ASSAY_OK)
        fail_msg("save: %s", assay_last_error());
    assay_db_free(db);
    assay_db *back = load_compiled(db_path, &rc);
    if (rc != ASSAY_OK)
        fail_msg("load: %s", assay_last_error());
    return back;
}

/* The same findings from source and through a compiled file, on each input. */
static void same_findings(const struct source *src, const char *const *defines, const uint8_t *const *inputs,
                          const size_t *lens, size_t ninputs, size_t min_matches)
{
    assay_db *a = from_sources(src, defines);
    assay_db *b = through_file(from_sources(src, defines));
    size_t matched = 0;
    for (size_t i = 0; i < ninputs; i++) {
        char *ta = scan_text(a, inputs[i], lens[i]), *tb = scan_text(b, inputs[i], lens[i]);
        if (getenv("RF_DUMP"))
            fprintf(stderr, "input %zu:\n%s", i, ta);
        if (strcmp(ta, tb) != 0)
            fail_msg("input %zu: from source:\n%s\nthrough the compiled file:\n%s", i, ta, tb);
        for (const char *p = ta; (p = strstr(p, "matched=1")) != NULL; p++)
            matched++;
        free(ta);
        free(tb);
    }
    if (matched < min_matches)
        fail_msg("only %zu rules matched: the test inputs no longer exercise the rules", matched);
    struct assay_db_stats sa, sb;
    assay_db_get_stats(a, &sa);
    assay_db_get_stats(b, &sb);
    assert_int_equal(sa.yara_rules, sb.yara_rules);
    assert_int_equal(sa.yara_strings, sb.yara_strings);
    assay_db_free(a);
    assay_db_free(b);
}

static void round_trip_strings(void **state)
{
    (void)state;
    size_t len;
    uint8_t *in = strings_input(&len);
    const uint8_t *inputs[] = {in, (const uint8_t *)"HEAD hello", (const uint8_t *)"x"};
    size_t lens[] = {len, 10, 1};
    const struct source src[] = {{"rules.yar", RULES_STRINGS, NULL}, {NULL, NULL, NULL}};
    same_findings(src, NULL, inputs, lens, 3, 20);
    free(in);
}

static void round_trip_namespaces(void **state)
{
    (void)state;
    size_t len;
    uint8_t *in = strings_input(&len);
    const uint8_t *inputs[] = {in};
    size_t lens[] = {len};
    const struct source src[] = {{"one.yar", RULES_STRINGS, "one"},
                                 {"two.yar", RULES_STRINGS, "two"},
                                 {"ext.yar", "rule only_here { condition: g_nonempty }\n"
                                             "global rule g_false { condition: filesize == 0 }\n", "two"},
                                 {NULL, NULL, NULL}};
    same_findings(src, NULL, inputs, lens, 1, 14);
    free(in);
}

static void round_trip_modules(void **state)
{
    (void)state;
    size_t slen, elen, plen = 0, xlen = 0;
    uint8_t *s = strings_input(&slen), *e = elf_input(&elen), *pe = NULL, *elf = NULL;
    char path[1024];
    const char *shared = getenv("ASSAY_SHARED");
    if (shared) {
        snprintf(path, sizeof path, "%s/yara-tests/data/tiny", shared);
        pe = ts_read_file(path, &plen);
        snprintf(path, sizeof path, "%s/yara-tests/data/elf_with_imports", shared);
        elf = ts_read_file(path, &xlen);
    }
    const uint8_t *inputs[] = {s, e, pe ? pe : s, elf ? elf : e};
    size_t lens[] = {slen, elen, pe ? plen : slen, elf ? xlen : elen};
    const struct source src[] = {{"mods.yar", RULES_MODULES, NULL}, {NULL, NULL, NULL}};
    same_findings(src, NULL, inputs, lens, 4, pe ? 12 : 8);
    free(s);
    free(e);
    free(pe);
    free(elf);
}

/* Many rules requiring one header check: their literals get a Vectorscan
 * database of their own in the engine (engine.h, guard classes), which the
 * compiled file must keep. */
static void round_trip_guard_classes(void **state)
{
    (void)state;
    char *text = malloc(200 * 100);
    assert_non_null(text);
    size_t at = 0;
    for (int i = 0; i < 150; i++)
        at += (size_t)sprintf(text + at, "rule mz_%d { strings: $a = \"token_%03d\" condition: uint16(0) == 0x5A4D and $a }\n",
                              i, i);
    for (int i = 0; i < 80; i++)
        at += (size_t)sprintf(text + at, "rule elf_%d { strings: $a = \"elfword_%03d\" condition: uint32(0) == 0x464c457f and $a }\n",
                              i, i);
    const struct source src[] = {{"many.yar", text, NULL}, {NULL, NULL, NULL}};
    static const char mz[] = "MZ.. token_007 token_149 elfword_001";
    static const char elf[] = "\x7f" "ELF token_007 elfword_002 elfword_079";
    static const char neither[] = "ZM token_007 elfword_002";
    const uint8_t *inputs[] = {(const uint8_t *)mz, (const uint8_t *)elf, (const uint8_t *)neither};
    size_t lens[] = {sizeof mz - 1, sizeof elf - 1, sizeof neither - 1};
    same_findings(src, NULL, inputs, lens, 3, 4);
    free(text);
}

/* ---- externals ------------------------------------------------------------------------ */

static const char *const ext_defines[] = {"ext_int=5", "ext_str=abc", "ext_bool=true", "ext_float=1.5",
                                          "ext_empty=", NULL};

static void externals_kept(void **state)
{
    (void)state;
    const struct source src[] = {{"ext.yar", RULES_EXTERNALS, NULL}, {NULL, NULL, NULL}};
    const uint8_t *inputs[] = {(const uint8_t *)"x"};
    size_t lens[] = {1};
    same_findings(src, ext_defines, inputs, lens, 1, 5);
}

static void externals_overridden_after_load(void **state)
{
    (void)state;
    const struct source src[] = {{"ext.yar", RULES_EXTERNALS, NULL}, {NULL, NULL, NULL}};
    assay_db *db = from_sources(src, ext_defines);
    assert_int_equal(assay_db_save(db, db_path), ASSAY_OK);
    assay_db_free(db);
    int rc;
    db = assay_db_new();
    assert_int_equal(assay_db_load(db, db_path, NULL), ASSAY_OK);
    assert_int_equal(assay_db_define(db, "ext_int", "6"), ASSAY_OK);
    assert_int_equal(assay_db_define(db, "ext_str", "xbz"), ASSAY_OK);
    assert_int_equal(assay_db_define(db, "ext_bool", "false"), ASSAY_OK);
    /* YARA: an unknown name or another type is refused for compiled rules */
    assert_int_equal(assay_db_define(db, "ext_nope", "1"), ASSAY_EINVAL);
    assert_int_equal(assay_db_define(db, "ext_int", "text"), ASSAY_EINVAL);
    assert_int_equal(assay_db_define(db, "ext_str", "12"), ASSAY_EINVAL);
    assert_int_equal(assay_db_finalize(db), ASSAY_OK);
    const char *const later[] = {"ext_int=6", "ext_str=xbz", "ext_bool=false", "ext_float=1.5", "ext_empty=",
                                 NULL};
    assay_db *src_db = from_sources(src, later);
    char *ta = scan_text(src_db, (const uint8_t *)"x", 1), *tb = scan_text(db, (const uint8_t *)"x", 1);
    assert_string_equal(ta, tb);
    assert_non_null(strstr(tb, "ext_int ns=default src=ext.yar:1 matched=0"));
    assert_non_null(strstr(tb, "ext_float ns=default src=ext.yar:4 matched=1"));
    free(ta);
    free(tb);
    assay_db_free(src_db);
    assay_db_free(db);

    /* defined before the compiled file is loaded: applied to it */
    db = assay_db_new();
    assert_int_equal(assay_db_define(db, "ext_float", "0.5"), ASSAY_OK);
    assert_int_equal(assay_db_load(db, db_path, NULL), ASSAY_OK);
    assert_int_equal(assay_db_finalize(db), ASSAY_OK);
    char *tc = scan_text(db, (const uint8_t *)"x", 1);
    assert_non_null(strstr(tc, "ext_float ns=default src=ext.yar:4 matched=0"));
    assert_non_null(strstr(tc, "ext_int ns=default src=ext.yar:1 matched=1"));
    free(tc);
    assay_db_free(db);
    db = assay_db_new();
    assert_int_equal(assay_db_define(db, "not_there", "1"), ASSAY_OK);
    rc = assay_db_load(db, db_path, NULL);
    assert_int_equal(rc, ASSAY_EINVAL);
    assert_non_null(strstr(assay_last_error(), "not_there"));
    assay_db_free(db);
}

/* ---- ClamAV and YARA in one file -------------------------------------------------------- */

static void clamav_and_yara_together(void **state)
{
    (void)state;
    const struct source src[] = {
        {"t.ndb", "Body.Hello:0:*:68656c6c6f20776f726c64\n", NULL},
        {"t.hsb", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad:3:Abc.SHA256\n", NULL},
        {"r.yar", "rule yara_hello { strings: $h = \"hello\" condition: $h }\n"
                  "rule yara_abc { strings: $a = { 61 62 63 } condition: $a at 0 }\n", NULL},
        {NULL, NULL, NULL}};
    const uint8_t *inputs[] = {(const uint8_t *)"say hello world", (const uint8_t *)"abc"};
    size_t lens[] = {15, 3};
    same_findings(src, NULL, inputs, lens, 2, 4);
    assay_db *db = through_file(from_sources(src, NULL));
    struct assay_db_stats st;
    assay_db_get_stats(db, &st);
    assert_int_equal(st.yara_rules, 2);
    assert_int_equal(st.yara_strings, 2);
    assert_int_equal(st.body_signatures, 1);
    assert_int_equal(st.hash_signatures, 1);
    assay_db_free(db);
}

/* ---- the blob: corrupt and forged ------------------------------------------------------- */

enum { T_POOL, T_FILES, T_IMPORTS, T_RULES, T_TAGS, T_METAS, T_STRINGS, T_PATTERNS, T_NODES, T_KIDS,
       T_NAMESPACES, T_GLOBALS, T_EXTERNALS, T_MODULES, T_REGEXES, T_INSTS, T_SETS, T_SCAN_ALL,
       T_FIRST_SETS, T_CHAIN_GAPS, T_BYTES, T_COUNT };

struct blob {
    uint8_t *p;
    size_t len;
    uint64_t off[T_COUNT], count[T_COUNT];
    uint32_t size[T_COUNT];
};

/* The blob of a rule set compiled from text (the table read back as
 * docs/database-format.md describes it). */
static void make_blob(const char *text, struct blob *b)
{
    struct yrules r;
    yrules_init(&r);
    assert_int_equal(yrules_define(&r, "ext_str", "abc"), ASSAY_OK);
    if (yrules_add_text(&r, "t.yar", text, strlen(text), NULL) != ASSAY_OK)
        fail_msg("compile: %s", assay_last_error());
    struct util_buf out = {0};
    assert_int_equal(yrules_save(&r, &out), ASSAY_OK);
    yrules_free(&r);
    b->p = out.data;
    b->len = out.len;
    assert_memory_equal(b->p, "AYRULES\0", 8);
    for (int t = 0; t < T_COUNT; t++) {
        memcpy(&b->off[t], b->p + 32 + 24 * t, 8);
        memcpy(&b->count[t], b->p + 32 + 24 * t + 8, 8);
        memcpy(&b->size[t], b->p + 32 + 24 * t + 16, 4);
    }
}

static uint8_t *field(struct blob *b, int t, size_t i, size_t at)
{
    return b->p + b->off[t] + i * b->size[t] + at;
}

static uint32_t get32(struct blob *b, int t, size_t i, size_t at)
{
    uint32_t v;
    memcpy(&v, field(b, t, i, at), 4);
    return v;
}

static int load_blob(const struct blob *b, size_t len)
{
    struct yrules r;
    yrules_init(&r);
    int rc = yrules_load(&r, b->p, len);
    yrules_free(&r);
    return rc;
}

/* Set `width` bytes at `at` of record i of table t to v: the load must fail
 * with ASSAY_EFORMAT; then put the bytes back. */
static void expect_refused(struct blob *b, int t, size_t i, size_t at, size_t width, uint64_t v, const char *what)
{
    uint8_t saved[8];
    uint8_t *p = field(b, t, i, at);
    memcpy(saved, p, width);
    memcpy(p, &v, width); /* little endian: the low bytes */
    int rc = load_blob(b, b->len);
    memcpy(p, saved, width);
    if (rc != ASSAY_EFORMAT)
        fail_msg("%s of record %zu: load returned %d, expected ASSAY_EFORMAT", what, i, rc);
}

static const char RULES_SMALL[] =
    "import \"pe\"\n"
    "import \"math\"\n"
    "global rule g : tag1 { meta: m = \"v\" k = 1 condition: filesize > 0 }\n"
    "rule a { strings: $t = \"hello\" wide ascii $h = { 61 62 [1-3] 63 } $r = /x[0-9]+y/ $c = { 41 42 [300-400] 43 }\n"
    "  $s = /.x*/\n"
    "  condition: any of them and for any i in (1..#t) : ( @t[i] >= 0 ) and ext_str == \"abc\" }\n"
    "rule b { condition: a and pe.number_of_sections >= 0 and math.entropy(0, filesize) >= 0.0\n"
    "  and for any s in pe.sections : ( s.name == \"x\" ) and \"q\" matches /q/ and pe.exports(/q/) == 0 }\n";

static void blob_round_trip_and_truncations(void **state)
{
    (void)state;
    struct blob b;
    make_blob(RULES_SMALL, &b);
    assert_int_equal(load_blob(&b, b.len), ASSAY_OK);
    for (size_t n = 0; n < b.len; n++)
        if (load_blob(&b, n) != ASSAY_EFORMAT)
            fail_msg("truncated to %zu of %zu bytes: not refused", n, b.len);
    /* the header's own fields */
    b.p[8] ^= 0x7F; /* version */
    assert_int_equal(load_blob(&b, b.len), ASSAY_EFORMAT);
    b.p[8] ^= 0x7F;
    b.p[0] = 'X';
    assert_int_equal(load_blob(&b, b.len), ASSAY_EFORMAT);
    b.p[0] = 'A';
    free(b.p);
}

struct idx_field {
    int table;
    size_t at, width;
    const char *what;
};

/* Index fields refused whatever the record holds (value: far out of range). */
static const struct idx_field always[] = {
    {T_FILES, 0, 4, "file name"},        {T_FILES, 4, 4, "file import_first"},
    {T_FILES, 8, 4, "file import_count"}, {T_IMPORTS, 0, 4, "import module"},
    {T_IMPORTS, 4, 4, "import file"},    {T_RULES, 0, 4, "rule name"},
    {T_RULES, 4, 4, "rule file name"},   {T_RULES, 16, 4, "rule flags"},
    {T_RULES, 20, 4, "rule tag_first"},  {T_RULES, 24, 4, "rule tag_count"},
    {T_RULES, 28, 4, "rule meta_first"}, {T_RULES, 32, 4, "rule meta_count"},
    {T_RULES, 36, 4, "rule string_first"}, {T_RULES, 40, 4, "rule string_count"},
    {T_RULES, 44, 4, "rule file"},       {T_RULES, 48, 4, "rule namespace"},
    {T_RULES, 52, 4, "rule condition"},  {T_RULES, 56, 4, "rule modules"},
    {T_RULES, 61, 1, "rule guard count"}, {T_TAGS, 0, 4, "tag"},
    {T_METAS, 0, 4, "meta name"},        {T_METAS, 4, 4, "meta kind"},
    {T_STRINGS, 0, 4, "string name"},    {T_STRINGS, 4, 4, "string file name"},
    {T_STRINGS, 16, 4, "string kind"},   {T_STRINGS, 28, 4, "string rule"},
    {T_STRINGS, 32, 4, "string pattern_first"}, {T_STRINGS, 36, 4, "string pattern_count"},
    {T_STRINGS, 44, 4, "string fragments"}, {T_PATTERNS, 0, 4, "pattern string"},
    {T_PATTERNS, 4, 1, "pattern kind"},  {T_PATTERNS, 5, 1, "pattern flags"},
    {T_PATTERNS, 8, 4, "pattern literal"}, {T_PATTERNS, 12, 4, "pattern literal length"},
    {T_PATTERNS, 16, 4, "pattern atom"}, {T_PATTERNS, 20, 4, "pattern atom length"},
    {T_PATTERNS, 32, 4, "pattern fwd[0]"}, {T_PATTERNS, 36, 4, "pattern fwd[1]"},
    {T_PATTERNS, 40, 4, "pattern pre[0]"}, {T_PATTERNS, 44, 4, "pattern pre[1]"},
    {T_PATTERNS, 48, 4, "pattern re"},   {T_PATTERNS, 56, 1, "pattern fragment"},
    {T_NODES, 0, 1, "node op"},          {T_NODES, 12, 4, "node kid_first"},
    {T_NODES, 16, 4, "node kid_count"},  {T_NODES, 20, 4, "node set_first"},
    {T_NODES, 24, 4, "node set_count"},  {T_NODES, 36, 4, "node string constant"},
    {T_NODES, 44, 4, "node schema entry"}, {T_NODES, 48, 4, "node overload"},
    {T_NODES, 52, 4, "node regex"},      {T_KIDS, 0, 4, "kid"},
    {T_NAMESPACES, 0, 4, "namespace name"}, {T_NAMESPACES, 4, 4, "namespace global_first"},
    {T_NAMESPACES, 8, 4, "namespace global_count"}, {T_GLOBALS, 0, 4, "global rule"},
    {T_EXTERNALS, 0, 4, "external name"}, {T_EXTERNALS, 4, 4, "external type"},
    {T_EXTERNALS, 8, 4, "external string"}, {T_MODULES, 0, 4, "module name"},
    {T_MODULES, 4, 4, "module schema size"}, {T_MODULES, 8, 4, "module fingerprint"},
    {T_REGEXES, 4, 4, "regex inst_first"}, {T_REGEXES, 8, 4, "regex inst_count"},
    {T_INSTS, 0, 1, "instruction op"},   {T_SCAN_ALL, 0, 4, "atom-less pattern"},
};

/* Node ops whose `a` is an index (rules.h enum ynode_op). */
static bool node_a_is_index(uint8_t op)
{
    return op == YN_EXTERNAL || op == YN_RULE || op == YN_VAR || op == YN_MODULE || op == YN_MEMBER ||
           op == YN_READ || (op >= YN_STR_FOUND && op <= YN_STR_LENGTH) || op == YN_FOR_IN;
}

static void every_index_out_of_range(void **state)
{
    (void)state;
    struct blob b;
    make_blob(RULES_SMALL, &b);
    size_t tested = 0;
    for (size_t k = 0; k < sizeof always / sizeof always[0]; k++) {
        const struct idx_field *f = &always[k];
        for (size_t i = 0; i < b.count[f->table]; i++, tested++)
            expect_refused(&b, f->table, i, f->at, f->width, 0xFFFFFFF0u, f->what);
    }
    /* fields that are indices only in some records */
    for (size_t i = 0; i < b.count[T_NODES]; i++) {
        uint8_t op = *field(&b, T_NODES, i, 0);
        if (node_a_is_index(op))
            expect_refused(&b, T_NODES, i, 8, 4, 0xFFFFFFF0u, "node a");
        if (op == YN_FOR_OF || op == YN_FOR_IN)
            expect_refused(&b, T_NODES, i, 28, 4, 0xFFFFFFF0u, "node body");
        if (get32(&b, T_NODES, i, 44) != UINT32_MAX)
            expect_refused(&b, T_NODES, i, 56, 1, 0xF0, "node schema module");
    }
    for (size_t i = 0; i < b.count[T_STRINGS]; i++)
        if (get32(&b, T_STRINGS, i, 44) > 1)
            expect_refused(&b, T_STRINGS, i, 40, 4, 0xFFFFFFF0u, "string chain_first");
    for (size_t i = 0; i < b.count[T_PATTERNS]; i++)
        if (*field(&b, T_PATTERNS, i, 4) == YP_SCAN_ALL)
            expect_refused(&b, T_PATTERNS, i, 52, 4, 0xFFFFFFF0u, "pattern first-byte set");
    for (size_t i = 0; i < b.count[T_METAS]; i++)
        if (get32(&b, T_METAS, i, 4) == 1) {
            expect_refused(&b, T_METAS, i, 8, 4, 0xFFFFFFF0u, "meta string");
            expect_refused(&b, T_METAS, i, 12, 4, 0xFFFFFFF0u, "meta string length");
        }
    for (size_t i = 0; i < b.count[T_INSTS]; i++) {
        uint8_t op = *field(&b, T_INSTS, i, 0);
        if (op != 5 /* RE_OP_MATCH */)
            expect_refused(&b, T_INSTS, i, op == 4 ? 1 : 4, op == 4 ? 1 : 4, op == 4 ? 0xF0 : 0xFFFFFFF0u,
                           "instruction target, set or assertion");
    }
    assert_true(tested > 200);
    /* the pool must end with a NUL */
    b.p[b.off[T_POOL] + b.count[T_POOL] - 1] = 'x';
    assert_int_equal(load_blob(&b, b.len), ASSAY_EFORMAT);
    free(b.p);
}

static void forged_graphs(void **state)
{
    (void)state;
    struct blob b;
    make_blob(RULES_SMALL, &b);
    char msg[512];
    /* a kid pointing at its own node, or two nodes sharing a kid: cycles and DAGs */
    for (size_t i = 0; i < b.count[T_NODES]; i++) {
        uint32_t first = get32(&b, T_NODES, i, 12), count = get32(&b, T_NODES, i, 16);
        if (!count)
            continue;
        expect_refused(&b, T_KIDS, first, 0, 4, i, "a node as its own kid");
        for (size_t j = 0; j < b.count[T_NODES]; j++) {
            uint32_t other = get32(&b, T_NODES, j, 12), ocount = get32(&b, T_NODES, j, 16);
            if (j != i && ocount) {
                uint32_t shared = get32(&b, T_KIDS, other, 0);
                expect_refused(&b, T_KIDS, first, 0, 4, shared, "a kid shared by two nodes");
                break;
            }
        }
    }
    /* a rule's condition that is also some node's kid */
    uint32_t first = get32(&b, T_NODES, 0, 12);
    (void)first;
    for (size_t i = 0; i < b.count[T_NODES]; i++)
        if (get32(&b, T_NODES, i, 16)) {
            expect_refused(&b, T_KIDS, get32(&b, T_NODES, i, 12), 0, 4, get32(&b, T_RULES, 0, 52),
                           "a condition that is a kid");
            break;
        }
    /* module values: a member index of another member, a call through another overload */
    size_t members = 0, calls = 0;
    for (size_t i = 0; i < b.count[T_NODES]; i++) {
        uint8_t op = *field(&b, T_NODES, i, 0);
        if (op == YN_MEMBER) {
            expect_refused(&b, T_NODES, i, 8, 4, get32(&b, T_NODES, i, 8) + 1, "another member index");
            expect_refused(&b, T_NODES, i, 44, 4, get32(&b, T_NODES, i, 44) + 1, "another schema entry");
            members++;
        }
        if (op == YN_CALL) {
            expect_refused(&b, T_NODES, i, 48, 4, get32(&b, T_NODES, i, 48) + 1, "another overload");
            expect_refused(&b, T_NODES, i, 16, 4, get32(&b, T_NODES, i, 16) + 1, "an extra argument");
            calls++;
        }
        if (op == YN_VAR)
            expect_refused(&b, T_NODES, i, 8, 4, get32(&b, T_NODES, i, 8) + 1, "an unbound loop variable");
        if (op == YN_READ)
            expect_refused(&b, T_NODES, i, 8, 4, 12, "an unknown integer reader");
    }
    assert_true(members > 0 && calls > 0);
    /* another build's module schema */
    uint64_t fp;
    memcpy(&fp, field(&b, T_MODULES, 0, 8), 8);
    fp ^= 1;
    memcpy(field(&b, T_MODULES, 0, 8), &fp, 8);
    assert_int_equal(load_blob(&b, b.len), ASSAY_EFORMAT);
    snprintf(msg, sizeof msg, "%s", assay_last_error());
    assert_non_null(strstr(msg, "recompile"));
    free(b.p);
}

static void too_deep_refused_at_save(void **state)
{
    (void)state;
    size_t n = YRULES_FILE_MAX_DEPTH + 10;
    char *text = malloc(64 + 9 * n);
    assert_non_null(text);
    size_t at = (size_t)sprintf(text, "rule deep { condition: true");
    for (size_t i = 0; i < n; i++)
        at += (size_t)sprintf(text + at, " and true");
    sprintf(text + at, " }\n");
    struct yrules r;
    yrules_init(&r);
    assert_int_equal(yrules_add_text(&r, "deep.yar", text, strlen(text), NULL), ASSAY_OK);
    struct util_buf out = {0};
    assert_int_equal(yrules_save(&r, &out), ASSAY_ELIMIT);
    assert_non_null(strstr(assay_last_error(), "too deep"));
    util_buf_free(&out);
    yrules_free(&r);
    free(text);
}

static void scan_without_engine(const struct yrules *r, const uint8_t *data, size_t len)
{
    assert_int_equal(yrules_scan_without_engine(r, data, len, false, 0), ASSAY_OK);
}

static void every_byte_flipped(void **state)
{
    (void)state;
    struct blob b;
    make_blob(RULES_SMALL, &b);
    static const uint8_t data[] = "hello h\0e\0l\0l\0o\0 ab_c x123y AB................................ C q";
    size_t loaded = 0;
    for (size_t i = 0; i < b.len; i++) {
        for (int bit = 0; bit < 8; bit += 3) {
            b.p[i] ^= (uint8_t)(1u << bit);
            struct yrules r;
            yrules_init(&r);
            int rc = yrules_load(&r, b.p, b.len);
            if (rc != ASSAY_OK && rc != ASSAY_EFORMAT)
                fail_msg("byte %zu bit %d: load returned %d", i, bit, rc);
            if (rc == ASSAY_OK) {
                loaded++;
                scan_without_engine(&r, data, sizeof data - 1);
            }
            yrules_free(&r);
            b.p[i] ^= (uint8_t)(1u << bit);
        }
    }
    assert_true(loaded > 0);
    free(b.p);
}

/* A compiled database whose YARA section is damaged after its checksum was
 * made right is refused with the file named. */
static void damaged_section_in_file(void **state)
{
    (void)state;
    const struct source src[] = {{"r.yar", RULES_SMALL, NULL}, {NULL, NULL, NULL}};
    const char *const defs[] = {"ext_str=abc", NULL};
    assay_db *db = from_sources(src, defs);
    assert_int_equal(assay_db_save(db, db_path), ASSAY_OK);
    assay_db_free(db);
    int rc;
    db = load_compiled(db_path, &rc);
    assert_int_equal(rc, ASSAY_OK);
    assay_db_free(db);
    /* flip a byte of the file: the checksum catches it */
    FILE *f = fopen(db_path, "r+b");
    assert_non_null(f);
    fseek(f, -200, SEEK_END);
    int c = fgetc(f);
    fseek(f, -200, SEEK_END);
    fputc(c ^ 0x55, f);
    fclose(f);
    db = load_compiled(db_path, &rc);
    assert_int_equal(rc, ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), db_path));
    assay_db_free(db);
}

/* rules_file.c saves these records field by field: when one of them changes,
 * the new field must be written and read back (and YRULES_FILE_VERSION
 * bumped), then the sizes here updated. */
static void records_in_sync(void **state)
{
    (void)state;
    struct {
        const char *what;
        size_t size, expected;
    } rec[] = {
        {"struct yrules", sizeof(struct yrules), 632},     {"struct yrule", sizeof(struct yrule), 144},
        {"struct yguard", sizeof(struct yguard), 88},      {"struct ystring", sizeof(struct ystring), 48},
        {"struct ypattern", sizeof(struct ypattern), 96},  {"struct ynode", sizeof(struct ynode), 96},
        {"struct yexternal", sizeof(struct yexternal), 56}, {"struct ynamespace", sizeof(struct ynamespace), 32},
        {"struct yara_regex", sizeof(struct yara_regex), 96},
        /* lib/engine/dbfile.c saves the engine's fields one by one too */
        {"struct engine", sizeof(struct engine), 1872},
    };
    for (size_t i = 0; i < sizeof rec / sizeof rec[0]; i++)
        if (rec[i].size != rec[i].expected)
            fail_msg("%s is %zu bytes, was %zu: save and load its new fields (lib/yara/rules_file.c, "
                     "lib/engine/dbfile.c)", rec[i].what, rec[i].size, rec[i].expected);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(records_in_sync),
        cmocka_unit_test(round_trip_strings),
        cmocka_unit_test(round_trip_namespaces),
        cmocka_unit_test(round_trip_modules),
        cmocka_unit_test(round_trip_guard_classes),
        cmocka_unit_test(externals_kept),
        cmocka_unit_test(externals_overridden_after_load),
        cmocka_unit_test(clamav_and_yara_together),
        cmocka_unit_test(blob_round_trip_and_truncations),
        cmocka_unit_test(every_index_out_of_range),
        cmocka_unit_test(forged_graphs),
        cmocka_unit_test(too_deep_refused_at_save),
        cmocka_unit_test(every_byte_flipped),
        cmocka_unit_test(damaged_section_in_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
