/* test_yara_classes.c — header classes (lib/engine/guard_classes.c): the
 * literals of rules that require a header check many rules require are
 * searched only where it holds, a stricter check shares the class of a
 * broader one it implies, and the matches are those of YARA either way. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "engine/db.h"
#include "test_support.h"

#define RULES_PER_CHECK 70 /* above ENGINE_GUARD_CLASS_MIN patterns */

/* 70 rules requiring `check`, rule i with the string "<prefix>-<i>-string". */
static void append_rules(char **text, size_t *len, const char *check, const char *prefix)
{
    for (int i = 0; i < RULES_PER_CHECK; i++) {
        char rule[512];
        int n = snprintf(rule, sizeof rule,
                         "rule %s_%d { strings: $s = \"%s-%d-string\" condition: %s and $s }\n", prefix, i, prefix,
                         i, check);
        *text = realloc(*text, *len + (size_t)n + 1);
        memcpy(*text + *len, rule, (size_t)n + 1);
        *len += (size_t)n;
    }
}

static assay_db *classes_db(void)
{
    char *text = NULL;
    size_t len = 0;
    append_rules(&text, &len, "uint32(0) == 0x464C457F", "elf32");  /* 7F 45 4C 46 */
    append_rules(&text, &len, "uint16(0) == 0x457F", "elf16");      /* 7F 45 */
    append_rules(&text, &len, "uint16be(0) == 0x4D5A", "mz");       /* 4D 5A */
    append_rules(&text, &len, "int8(1) == 0x5A", "zed");            /* implied by the MZ check */
    /* rules of a class with a rare gate: their other strings wait for the gate */
    for (int i = 0; i < 8; i++) {
        char rule[512];
        int n = snprintf(rule, sizeof rule,
                         "rule gated_%d { strings: $g = { F1 E2 D3 C4 B5 A6 97 %02X } $o = \"other-%d-text\" "
                         "condition: uint16be(0) == 0x4D5A and $g and $o }\n", i, 0x80 + i, i);
        text = realloc(text, len + (size_t)n + 1);
        memcpy(text + len, rule, (size_t)n + 1);
        len += (size_t)n;
    }
    /* an atom starting with 00: a regex, in the class's regex database */
    static const char nul[] = "rule elf_nul { strings: $n = { 00 00 00 C7 ?? 11 } condition: uint16(0) == 0x457F and $n }\n";
    text = realloc(text, len + sizeof nul);
    memcpy(text + len, nul, sizeof nul);
    len += sizeof nul - 1;
    const char *pairs[] = {"classes.yar", text, NULL};
    assay_db *db = ts_db(pairs);
    free(text);
    return db;
}

static bool has_class(const struct engine *e, uint32_t reader, uint32_t offset, int64_t value)
{
    for (uint32_t c = 0; c < e->nclasses; c++)
        if (e->classes[c].reader == reader && e->classes[c].offset == offset && e->classes[c].value == value)
            return true;
    return false;
}

static void stricter_checks_share_the_broader_class(void **state)
{
    (void)state;
    assay_db *db = classes_db();
    assert_non_null(db);
    const struct engine *e = &db->engine;
    assert_int_equal(e->nclasses, 2);
    assert_true(has_class(e, YR_UINT16, 0, 0x457F));  /* uint32(0) == 0x464C457F shares it */
    assert_true(has_class(e, YR_INT8, 1, 0x5A));      /* uint16be(0) == 0x4D5A shares it */
    assert_null(e->atoms_nul);                         /* the 00-led atom went to its class */
    assert_int_equal(e->ngates, 1);                    /* the gated rules' other strings wait (8 literals: one group) */
    bool class_regexes = false;
    for (uint32_t c = 0; c < e->nclasses; c++)
        class_regexes |= e->class_regexes[c] != NULL;
    assert_true(class_regexes);
    assay_db_free(db);
}

static void scan_one(const assay_db *db, const char *header, const char *prefix, int i, struct ts_results *r)
{
    char data[256];
    int n = snprintf(data, sizeof data, "%s ... %s-%d-string ...", header, prefix, i);
    ts_scan(db, "obj", data, (size_t)n, r);
}

static void check_matches(const assay_db *db)
{
    struct ts_results r;
    scan_one(db, "\x7f" "ELF", "elf32", 5, &r);
    assert_non_null(ts_find(&r, "elf32_5"));
    scan_one(db, "\x7f" "ELF", "elf16", 69, &r);
    assert_non_null(ts_find(&r, "elf16_69"));
    scan_one(db, "\x7f" "EXX", "elf32", 5, &r);        /* the broader check holds, the rule's not */
    assert_int_equal(r.n, 0);
    scan_one(db, "\x7f" "EXX", "elf16", 7, &r);
    assert_non_null(ts_find(&r, "elf16_7"));
    scan_one(db, "MZ", "mz", 3, &r);
    assert_non_null(ts_find(&r, "mz_3"));
    scan_one(db, "MZ", "zed", 3, &r);
    assert_non_null(ts_find(&r, "zed_3"));
    scan_one(db, "xZ", "zed", 4, &r);
    assert_non_null(ts_find(&r, "zed_4"));
    scan_one(db, "xZ", "mz", 4, &r);
    assert_int_equal(r.n, 0);
    scan_one(db, "PK", "elf16", 1, &r);                 /* no class holds */
    assert_int_equal(r.n, 0);
    static const char nul_elf[] = "\x7f" "E..\0\0\0\xc7x\x11", nul_pk[] = "PK..\0\0\0\xc7x\x11";
    ts_scan(db, "obj", nul_elf, sizeof nul_elf - 1, &r);
    assert_non_null(ts_find(&r, "elf_nul"));
    ts_scan(db, "obj", nul_pk, sizeof nul_pk - 1, &r);
    assert_int_equal(r.n, 0);
    static const char gated[] = "MZ..\xf1\xe2\xd3\xc4\xb5\xa6\x97\x83..other-3-text",
                      no_gate[] = "MZ....other-3-text", not_mz[] = "PK..\xf1\xe2\xd3\xc4\xb5\xa6\x97\x83..other-3-text";
    ts_scan(db, "obj", gated, sizeof gated - 1, &r);
    assert_non_null(ts_find(&r, "gated_3"));
    assert_int_equal(ts_find(&r, "gated_3")->evidence_count, 2);
    ts_scan(db, "obj", no_gate, sizeof no_gate - 1, &r);
    assert_null(ts_find(&r, "gated_3"));
    ts_scan(db, "obj", not_mz, sizeof not_mz - 1, &r);
    assert_null(ts_find(&r, "gated_3"));
}

static void matches_where_the_checks_hold(void **state)
{
    (void)state;
    assay_db *db = classes_db();
    assert_non_null(db);
    check_matches(db);
    assay_db_free(db);
}

static void classes_survive_compiling(void **state)
{
    (void)state;
    assay_db *db = classes_db();
    assert_non_null(db);
    assay_db *back = ts_recompiled(db);
    assert_non_null(back);
    assert_int_equal(back->engine.nclasses, 2);
    check_matches(back);
    assay_db_free(back);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stricter_checks_share_the_broader_class),
        cmocka_unit_test(matches_where_the_checks_hold),
        cmocka_unit_test(classes_survive_compiling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
