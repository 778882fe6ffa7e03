/* test_ldb.c — ClamAV logical signature lines (.ldb) into the signature
 * database: records for good lines, "path:line" errors and an untouched
 * database for bad ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sig/clam_ldb.h"
#include "sig/clam_lexpr.h"
#include "util/error.h"

struct fixture {
    struct sigdb db;
    struct sig_load_ctx ctx;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    sigdb_init(&f->db);
    int src = sigdb_source(&f->db, "t.ldb");
    f->ctx = (struct sig_load_ctx){.db = &f->db, .path = "t.ldb", .source = (uint16_t)src};
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    sigdb_free(&f->db);
    free(f);
    return 0;
}

static int parse(struct fixture *f, const char *line, uint32_t lineno)
{
    return clam_parse_ldb_line(&f->ctx, line, strlen(line), lineno);
}

static void parse_ok(struct fixture *f, const char *line, uint32_t lineno)
{
    int rc = parse(f, line, lineno);
    if (rc != ASSAY_OK)
        fail_msg("'%s' failed: %s", line, assay_last_error());
}

static const struct sig_logical *last_logical(const struct fixture *f)
{
    assert_true(f->db.logicals.n > 0);
    return &f->db.logicals.v[f->db.logicals.n - 1];
}

static bool eval(const struct fixture *f, const struct sig_logical *lg, const uint32_t *counts)
{
    return clam_lexpr_eval(f->db.lexpr_code.data + lg->expr_offset, lg->expr_len, counts);
}

/* The exact bytes a body's nodes match when it has only exact bytes. */
static void assert_body_bytes(const struct fixture *f, const struct sig_body *b, const char *bytes, size_t n)
{
    assert_int_equal(b->node_count, n);
    for (size_t i = 0; i < n; i++) {
        const struct pat_node *pn = &f->db.nodes.v[b->node_first + i];
        assert_int_equal(pn->kind, PN_BYTE);
        assert_int_equal(pn->mask, 0xff);
        assert_int_equal(pn->value, (uint8_t)bytes[i]);
    }
}

static void test_basic_line(void **state)
{
    struct fixture *f = *state;
    parse_ok(f, "Test.Sig-1;Target:0;(0&1)|2;68656c6c6f;776f726c64;2a2a2a", 3);
    assert_int_equal(f->db.logicals.n, 1);
    const struct sig_logical *lg = last_logical(f);
    assert_string_equal(sigdb_str(&f->db, lg->name), "Test.Sig-1");
    assert_int_equal(lg->line, 3);
    assert_int_equal(lg->source, f->ctx.source);
    assert_int_equal(lg->subsig_count, 3);
    assert_int_equal(lg->tdb_fields, SIG_TDB_TARGET);
    assert_int_equal(lg->target, SIG_TARGET_ANY);
    assert_int_equal(f->db.bodies.n, 3);
    for (unsigned i = 0; i < 3; i++) {
        const struct sig_body *b = &f->db.bodies.v[i];
        assert_int_equal(b->logical, 0);
        assert_int_equal(b->subsig, i);
        assert_int_equal(b->name, lg->name);
        assert_int_equal(b->line, 3);
        assert_int_equal(b->source, f->ctx.source);
        assert_int_equal(b->target, 0);
        assert_int_equal(b->offset_kind, SIG_OFF_ANY);
        assert_int_equal(b->flags, 0);
    }
    assert_body_bytes(f, &f->db.bodies.v[0], "hello", 5);
    assert_body_bytes(f, &f->db.bodies.v[1], "world", 5);
    uint32_t c1[3] = {1, 1, 0}, c2[3] = {1, 0, 0}, c3[3] = {0, 0, 2};
    assert_true(eval(f, lg, c1));
    assert_false(eval(f, lg, c2));
    assert_true(eval(f, lg, c3));
}

static void test_two_lines(void **state)
{
    struct fixture *f = *state;
    parse_ok(f, "A;Target:0;0&1;41414141;42424242", 1);
    parse_ok(f, "B;Target:0;(0|1)>2,2;43434343;44444444", 2);
    assert_int_equal(f->db.logicals.n, 2);
    const struct sig_logical *a = &f->db.logicals.v[0], *b = &f->db.logicals.v[1];
    assert_int_equal(b->expr_offset, a->expr_offset + a->expr_len);
    assert_int_equal(f->db.lexpr_code.len, b->expr_offset + b->expr_len);
    assert_int_equal(f->db.bodies.v[2].logical, 1);
    assert_int_equal(f->db.bodies.v[2].subsig, 0);
    assert_int_equal(f->db.bodies.v[3].subsig, 1);
    uint32_t c[2] = {2, 1};
    assert_true(eval(f, b, c));
    c[1] = 0;
    c[0] = 3;
    assert_false(eval(f, b, c));
    assert_true(eval(f, a, (uint32_t[]){1, 1}));
}

static void test_tdb(void **state)
{
    struct fixture *f = *state;
    parse_ok(f, "P;Engine:51-255,Target:1,FileSize:100-200000,EntryPoint:0-4096,NumberOfSections:3-5;0;4d5a", 1);
    const struct sig_logical *lg = last_logical(f);
    assert_int_equal(lg->tdb_fields,
                     SIG_TDB_ENGINE | SIG_TDB_TARGET | SIG_TDB_FILESIZE | SIG_TDB_EP | SIG_TDB_NSECTIONS);
    assert_int_equal(lg->engine_min, 51);
    assert_int_equal(lg->engine_max, 255);
    assert_int_equal(lg->target, SIG_TARGET_PE);
    assert_int_equal(lg->filesize_min, 100);
    assert_int_equal(lg->filesize_max, 200000);
    assert_int_equal(lg->ep_min, 0);
    assert_int_equal(lg->ep_max, 4096);
    assert_int_equal(lg->nsections_min, 3);
    assert_int_equal(lg->nsections_max, 5);
    assert_int_equal(f->db.bodies.v[0].target, SIG_TARGET_PE);

    parse_ok(f, "E;Engine:81-255,Target:6;0;7f454c46", 2);
    lg = last_logical(f);
    assert_int_equal(lg->tdb_fields, SIG_TDB_ENGINE | SIG_TDB_TARGET);
    assert_int_equal(lg->target, SIG_TARGET_ELF);
    assert_int_equal(lg->engine_min, 81);
    /* absent ranges admit everything */
    assert_int_equal(lg->filesize_min, 0);
    assert_int_equal(lg->filesize_max, UINT64_MAX);

    parse_ok(f, "F;Engine:51-255,Target:7,FileSize:0-18446744073709551615;0;41424344", 3);
    lg = last_logical(f);
    assert_int_equal(lg->target, SIG_TARGET_ASCII);
    assert_int_equal(lg->filesize_max, UINT64_MAX);

    parse_ok(f, "M;Engine:51-255,Target:9,NumberOfSections:1-1;0;cffaedfe", 4);
    assert_int_equal(last_logical(f)->target, SIG_TARGET_MACHO);
}

static void test_modifiers(void **state)
{
    struct fixture *f = *state;
    struct {
        const char *mods;
        unsigned nbodies;
        uint8_t flags[2];
    } const cases[] = {
        {"", 1, {0}},
        {"::", 1, {0}},
        {"::i", 1, {SIG_F_NOCASE}},
        {"::f", 1, {SIG_F_FULLWORD}},
        {"::a", 1, {SIG_F_ASCII}},
        {"::w", 1, {SIG_F_WIDE}},
        {"::wa", 2, {SIG_F_WIDE, SIG_F_ASCII}},
        {"::aw", 2, {SIG_F_WIDE, SIG_F_ASCII}},
        {"::fi", 1, {SIG_F_NOCASE | SIG_F_FULLWORD}},
        {"::ii", 1, {SIG_F_NOCASE}},
        {"::iwfa", 2, {SIG_F_NOCASE | SIG_F_FULLWORD | SIG_F_WIDE, SIG_F_NOCASE | SIG_F_FULLWORD | SIG_F_ASCII}},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        char line[128];
        snprintf(line, sizeof line, "Mod;Engine:81-255,Target:0;0&1;414141;68656c6c6f%s", cases[k].mods);
        size_t before = f->db.bodies.n;
        parse_ok(f, line, (uint32_t)k + 1);
        assert_int_equal(f->db.bodies.n - before, 1 + cases[k].nbodies);
        for (unsigned j = 0; j < cases[k].nbodies; j++) {
            const struct sig_body *b = &f->db.bodies.v[before + 1 + j];
            assert_int_equal(b->subsig, 1);
            assert_int_equal(b->logical, f->db.logicals.n - 1);
            if (b->flags != cases[k].flags[j])
                fail_msg("'%s' body %u: flags %u, expected %u", cases[k].mods, j, b->flags, cases[k].flags[j]);
            /* the wide body interleaves zero bytes */
            if (b->flags & SIG_F_WIDE)
                assert_body_bytes(f, b, "h\0e\0l\0l\0o\0", 10);
            else
                assert_body_bytes(f, b, "hello", 5);
        }
    }
}

static void test_offsets(void **state)
{
    struct fixture *f = *state;
    parse_ok(f,
             "Off;Engine:51-255,Target:1;0&1&2&3&4&5&6;0:4d5a;EOF-10:41414141;100,20:42424242;*:43434343;"
             "EP+16:e8000000;S2+5:44444444;SL+0:45454545",
             9);
    const struct sig_body *b = f->db.bodies.v;
    assert_int_equal(f->db.bodies.n, 7);
    assert_int_equal(b[0].offset_kind, SIG_OFF_ABS);
    assert_int_equal(b[0].offset, 0);
    assert_int_equal(b[1].offset_kind, SIG_OFF_EOF);
    assert_int_equal(b[1].offset, 10);
    assert_int_equal(b[2].offset_kind, SIG_OFF_ABS);
    assert_int_equal(b[2].offset, 100);
    assert_int_equal(b[2].offset_range, 20);
    assert_int_equal(b[3].offset_kind, SIG_OFF_ANY);
    assert_int_equal(b[4].offset_kind, SIG_OFF_EP);
    assert_int_equal(b[4].offset, 16);
    assert_int_equal(b[5].offset_kind, SIG_OFF_SECTION);
    assert_int_equal(b[5].section, 2);
    assert_int_equal(b[5].offset, 5);
    assert_int_equal(b[6].offset_kind, SIG_OFF_LAST_SECTION);
    for (unsigned i = 0; i < 7; i++)
        assert_int_equal(b[i].subsig, i);

    /* an offset with modifiers; both bodies keep the offset */
    parse_ok(f, "OffMod;Engine:81-255,Target:0;0;EOF-100,50:68656c6c6f::wa", 10);
    assert_int_equal(f->db.bodies.n, 9);
    for (unsigned i = 7; i < 9; i++) {
        assert_int_equal(f->db.bodies.v[i].offset_kind, SIG_OFF_EOF);
        assert_int_equal(f->db.bodies.v[i].offset, 100);
        assert_int_equal(f->db.bodies.v[i].offset_range, 50);
    }
    /* SEx */
    parse_ok(f, "SecAll;Engine:51-255,Target:1;0;SE1:46464646", 11);
    assert_int_equal(f->db.bodies.v[9].offset_kind, SIG_OFF_SECTION_ALL);
    assert_int_equal(f->db.bodies.v[9].section, 1);
}

static void test_expressions(void **state)
{
    struct fixture *f = *state;
    /* ClamAV only requires the last subsignature to be used. */
    parse_ok(f, "Gap;Target:0;1;41414141;42424242", 1);
    assert_true(eval(f, last_logical(f), (uint32_t[]){0, 1}));
    assert_false(eval(f, last_logical(f), (uint32_t[]){1, 0}));
    parse_ok(f, "Cnt;Target:0;((0|1|2)>5,2)&(3|1);41414141;42424242;43434343;44444444", 2);
    assert_true(eval(f, last_logical(f), (uint32_t[]){3, 3, 0, 1}));
    assert_false(eval(f, last_logical(f), (uint32_t[]){6, 0, 0, 1}));
    /* hex features pass through to clam_hex */
    parse_ok(f, "Hex;Target:0;0&1;4d5a?\?(01|02)*5045;41{2-4}42[1-3]43", 3);
    assert_int_equal(f->db.bodies.n, 2 + 4 + 2);
}

static void test_64_subsigs(void **state)
{
    struct fixture *f = *state;
    char line[2048];
    size_t n = (size_t)snprintf(line, sizeof line, "Many;Target:0;");
    for (int i = 0; i < 64; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, "%s%d", i ? "|" : "", i);
    for (int i = 0; i < 64; i++)
        n += (size_t)snprintf(line + n, sizeof line - n, ";4142%02x", i);
    parse_ok(f, line, 1);
    assert_int_equal(f->db.bodies.n, 64);
    assert_int_equal(f->db.bodies.v[63].subsig, 63);
    /* one more is too many */
    snprintf(line + n, sizeof line - n, ";41424344");
    assert_int_equal(parse(f, line, 2), ASSAY_ESYNTAX);
    assert_non_null(strstr(assay_last_error(), "t.ldb:2: more than 64 subsignatures"));
}

struct snapshot {
    size_t strings, bodies, nodes, classes, altopts, altbytes, logicals, lexpr;
};

static struct snapshot snap(const struct sigdb *db)
{
    return (struct snapshot){db->strings.len, db->bodies.n,   db->nodes.n,    db->classes.n,
                             db->altopts.n,   db->altbytes.len, db->logicals.n, db->lexpr_code.len};
}

static void test_errors(void **state)
{
    struct fixture *f = *state;
    /* something already loaded, which must survive every bad line */
    parse_ok(f, "Good;Target:0;0&1;41(42|43)44;45(4647|4849)4a", 1);
    static const struct {
        const char *line;
        const char *message;
    } bad[] = {
        {"Name;Target:0;0", "expected Name;TargetDescriptionBlock;LogicalExpression;Subsig0"},
        {"Name", "got 1 field"},
        {";Target:0;0;41414141", "empty signature name"},
        {"S;;0;41414141", "target description: empty entry 1"},
        {"S;Target:0,;0;41414141", "target description: empty entry 2"},
        {"S;Target;0;41414141", "target description: 'Target' is not Key:Value"},
        {"S;Engine:51-255;0;41414141", "target description block has no Target"},
        {"S;Target:0,Engine:51-255;0;41414141", "Engine must be the first key"},
        {"S;Engine:51,Target:0;0;41414141", "Engine needs a decimal range X-Y"},
        {"S;Engine:51-,Target:0;0;41414141", "Engine needs a decimal range X-Y"},
        {"S;Engine:255-51,Target:0;0;41414141", "Engine range 255-51 is reversed"},
        {"S;Engine:51-255,Target:0,FileSize:24;0;41414141", "FileSize needs a decimal range X-Y"},
        {"S;Engine:51-255,Target:0,FileSize:0x10-30;0;41414141", "FileSize needs a decimal range"},
        {"S;Engine:51-255,Target:0,FileSize:1-18446744073709551616;0;41414141", "FileSize needs a decimal range"},
        {"S;Target:0,FileSize:1-10;0;41414141", "need Engine:51-... (or higher) first"},
        {"S;Engine:50-255,Target:1,EntryPoint:1-10;0;41414141", "need Engine:51-..."},
        {"S;Engine:51-255,Target:0,EntryPoint:0-10;0;41414141", "EntryPoint and NumberOfSections need Target 1"},
        {"S;Engine:51-255,Target:7,NumberOfSections:1-2;0;41414141", "need Target 1 (PE), 6 (ELF) or 9"},
        {"S;Engine:51-255,Target:0,Container:CL_TYPE_ZIP;0;41414141",
         "unsupported target description key 'Container'"},
        {"S;Engine:51-255,Target:0,Intermediates:CL_TYPE_ZIP>CL_TYPE_ANY;0;41414141",
         "unsupported target description key 'Intermediates'"},
        {"S;Engine:51-255,Target:1,IconGroup1:foo;0;41414141", "unsupported target description key 'IconGroup1'"},
        {"S;Engine:51-255,Target:1,IconGroup2:foo;0;41414141", "unsupported target description key 'IconGroup2'"},
        {"S;Engine:51-255,Target:0,HandlerType:CL_TYPE_PE;0;41414141",
         "unsupported target description key 'HandlerType'"},
        {"S;Engine:51-255,Target:0,Foo:1;0;41414141", "unknown target description key 'Foo'"},
        {"S;target:0;0;41414141", "unknown target description key 'target'"},
        {"S;Target:0,Target:1;0;41414141", "target description key 'Target' given twice"},
        {"S;Target:x;0;41414141", "Target needs a number, got 'x'"},
        {"S;Target: 0;0;41414141", "Target needs a number"},
        {"S;Target:;0;41414141", "Target needs a number"},
        {"S;Target:3;0;41414141", "target type 3 (normalized HTML) is not supported yet"},
        {"S;Target:99;0;41414141", "unknown or unsupported target type"},
        {"S;Engine:81-255,Target:0;0&1;41414141;0/abc/i", "subsignature 1: PCRE subsignatures are not supported yet"},
        {"S;Engine:81-255,Target:0;0&1;41414141;200,300:0/abc/ge", "subsignature 1: PCRE subsignatures"},
        {"S;Engine:81-255,Target:0;0&1;41414141;0(>>2#hb2#=0)",
         "subsignature 1: byte-compare subsignatures are not supported yet"},
        {"S;Engine:51-255,Target:0;0&1;41414141;${6-7}12$", "subsignature 1: macro subsignatures are not supported yet"},
        {"S;Engine:150-255,Target:0;0;fuzzy_img#af2ad01ed42993c7",
         "subsignature 0: image fuzzy-hash subsignatures are not supported yet"},
        {"S;Engine:51-255,Target:1;0&1;41414141;VI:43006f00",
         "subsignature 1: version-information (VI) subsignatures are not supported yet"},
        {"S;Target:0;0&1;41414141;", "subsignature 1 is empty"},
        {"S;Target:0;0;41414141::x", "subsignature 0: unknown modifier 'x' (expected i, w, f or a)"},
        {"S;Target:0;0;41414141::i:", "subsignature 0: unknown modifier ':'"},
        {"S;Target:0;0;x:41414141", "subsignature 0: invalid offset 'x'"},
        {"S;Target:0;0;0:1:41414141", "subsignature 0: hex signature, column 1: invalid hex byte"},
        {"S;Target:0;0&1;41414141;EP+0:42424242", "subsignature 1: offset 'EP+0' needs Target 1 (PE), 6 (ELF) or 9"},
        {"S;Target:7;0;S1+0:42424242", "subsignature 0: offset 'S1+0' needs Target 1"},
        {"S;Target:0;0;SL+0:42424242", "offset 'SL+0' needs Target 1"},
        {"S;Target:0;0;SE1:42424242", "offset 'SE1' needs Target 1"},
        {"S;Target:0;0&1&2;41(42|43)44;45(4647|4849)4a;4x", "subsignature 2: hex signature, column 1: invalid hex byte '4x'"},
        /* a failure in the last subsignature, after a wide+ascii pair */
        {"S;Target:0;0&1&2;41(42|43)44;45(4647|4849)4a::wa;(41|",
         "subsignature 2: hex signature, column 5: unterminated alternative"},
        {"S;Target:0;0&2;41(42|43)44;45(4647|4849)4a",
         "logical expression: column 3: subsignature 2 does not exist (the signature has 2)"},
        {"S;Target:0;(0&1;41(42|43)44;45(4647|4849)4a::wa", "logical expression: column 5: missing ')'"},
        {"S;Target:0;0;41(42|43)44;45(4647|4849)4a::wa",
         "logical expression does not use subsignature 1, the last one (the line has 2 subsignatures)"},
        {"S;Target:0;(0)=1;41414141", "logical expression: column 4: '=' after parentheses"},
        {"S;Target:0;0;", "subsignature 0 is empty"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        const char *line = bad[i].line;
        const char *message = bad[i].message;
        struct snapshot before = snap(&f->db);
        util_error_clear();
        int rc = parse(f, line, 7);
        if (rc != ASSAY_ESYNTAX)
            fail_msg("'%s': rc %d (%s)", line, rc, assay_last_error());
        const char *err = assay_last_error();
        if (strncmp(err, "t.ldb:7: ", 9) != 0 || !strstr(err, message))
            fail_msg("'%s': message '%s' lacks 't.ldb:7: ...%s'", line, err, message);
        struct snapshot after = snap(&f->db);
        if (memcmp(&before, &after, sizeof before) != 0)
            fail_msg("'%s' left the database changed", line);
    }
    /* and the database still works */
    parse_ok(f, "After;Target:0;0;41424344", 8);
    assert_int_equal(f->db.logicals.n, 2);
    assert_int_equal(f->db.bodies.v[f->db.bodies.n - 1].logical, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_basic_line, setup, teardown),
        cmocka_unit_test_setup_teardown(test_two_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tdb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_modifiers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expressions, setup, teardown),
        cmocka_unit_test_setup_teardown(test_64_subsigs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
