/* test_engine.c — signatures of every kind through the public API:
 * what matches, what does not, and the evidence reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_support.h"
#include "util/buf.h"

static const char ndb[] =
    "Exact:0:*:68656c6c6f20776f726c64\n"                 /* "hello world" */
    "Wild:0:*:616263??656667\n"                          /* abc?efg */
    "Nibble:0:*:787978?a7a7a7a\n"
    "Star:0:*:7374617274*656e646d61726b\n"               /* start * endmark */
    "Range:0:*:6c656674{2-4}7269676874\n"                /* left {2-4} right */
    "Alt:0:*:6f6e65(31|32)74776f\n"                      /* one(1|2)two */
    "NotAlt:0:*:666f6f!(31|32)626172\n"                  /* foo!(1|2)bar */
    "AltMulti:0:*:707265(6161|626262)706f7374\n"         /* pre(aa|bbb)post */
    "AtZero:0:0:4d5a\n"                                  /* MZ at 0 (no atom: direct) */
    "AtTen:0:10:3132333435\n"                            /* 12345 at offset 10 */
    "NearEnd:0:EOF-4:54414c45\n"                         /* TALE as the last 4 bytes */
    "Floating:0:5,10:464c4f4154\n"                       /* FLOAT starting in [5,15] */
    "TextOnly:7:*:7465787473696720\n";                   /* "textsig " in text files */

static assay_db *body_db(void)
{
    const char *pairs[] = {"t.ndb", ndb, NULL};
    return ts_db(pairs);
}

static void exact_match_and_evidence(void **state)
{
    (void)state;
    assay_db *db = body_db();
    assert_non_null(db);
    struct ts_results r;
    const char data[] = "xx hello world yy";
    ts_scan(db, "mem", data, sizeof data - 1, &r);
    const struct ts_found *f = ts_find(&r, "Exact");
    assert_non_null(f);
    assert_string_equal(f->source, "t.ndb");
    assert_int_equal(f->line, 1);
    assert_int_equal(f->ev0.kind, ASSAY_EVIDENCE_BYTES);
    assert_int_equal(f->ev0.offset, 3);
    assert_int_equal(f->ev0.length, 11);
    assert_memory_equal(f->bytes0, "hello world", 11);
    assay_db_free(db);
}

struct expect {
    const char *data;
    const char *rule;
    int want;
};

static void wildcards_gaps_alternatives(void **state)
{
    (void)state;
    assay_db *db = body_db();
    assert_non_null(db);
    const struct expect cases[] = {
        {"__abcXefg__", "Wild", 1},
        {"__abcefg__", "Wild", 0},
        {"xyx\x5bzzz", "Nibble", 0},
        {"xyx\x5azzz", "Nibble", 1},
        {"xyx\x6azzz", "Nibble", 1},
        {"xyx\x6bzzz", "Nibble", 0},
        {"start......endmark", "Star", 1},
        {"startendmark", "Star", 1},
        {"endmark start", "Star", 0},
        {"left..right", "Range", 1},
        {"left....right", "Range", 1},
        {"left.right", "Range", 0},
        {"left.....right", "Range", 0},
        {"one1two", "Alt", 1},
        {"one2two", "Alt", 1},
        {"one3two", "Alt", 0},
        {"foo3bar", "NotAlt", 1},
        {"foo1bar", "NotAlt", 0},
        {"preaapost", "AltMulti", 1},
        {"prebbbpost", "AltMulti", 1},
        {"prebbpost", "AltMulti", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ts_results r;
        ts_scan(db, "mem", cases[i].data, strlen(cases[i].data), &r);
        int got = ts_find(&r, cases[i].rule) != NULL;
        if (got != cases[i].want)
            fail_msg("%s on '%s': got %d, want %d", cases[i].rule, cases[i].data, got, cases[i].want);
    }
    assay_db_free(db);
}

static void offsets(void **state)
{
    (void)state;
    assay_db *db = body_db();
    assert_non_null(db);
    const struct expect cases[] = {
        {"MZ rest of file", "AtZero", 1},
        {" MZ rest of file", "AtZero", 0},
        {"0123456789" "12345", "AtTen", 1},
        {"012345678" "12345", "AtTen", 0},
        {"a long story TALE", "NearEnd", 1},
        {"a long story TALE.", "NearEnd", 0},
        {".....FLOAT", "Floating", 1},
        {"...............FLOAT", "Floating", 1},
        {"................FLOAT", "Floating", 0},
        {"....FLOAT", "Floating", 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ts_results r;
        ts_scan(db, "mem", cases[i].data, strlen(cases[i].data), &r);
        int got = ts_find(&r, cases[i].rule) != NULL;
        if (got != cases[i].want)
            fail_msg("%s on '%s': got %d, want %d", cases[i].rule, cases[i].data, got, cases[i].want);
    }
    assay_db_free(db);
}

static void target_text_only(void **state)
{
    (void)state;
    assay_db *db = body_db();
    assert_non_null(db);
    struct ts_results r;
    const char text[] = "plain text with textsig inside\n";
    ts_scan(db, "t.txt", text, sizeof text - 1, &r);
    assert_non_null(ts_find(&r, "TextOnly"));
    unsigned char bin[64] = {0};
    memcpy(bin + 10, "textsig ", 8);
    ts_scan(db, "b.bin", bin, sizeof bin, &r);
    assert_null(ts_find(&r, "TextOnly"));
    assay_db_free(db);
}

/* "abc": md5 900150983cd24fb0d6963f7d28e17f72, sha1 a9993e36..., sha256 ba7816bf... */
static void hashes_by_size(void **state)
{
    (void)state;
    const char *pairs[] = {
        "h.hdb", "900150983cd24fb0d6963f7d28e17f72:3:Abc.MD5\n",
        "h.hsb", "a9993e364706816aba3e25717850c26c9cd0d89d:3:Abc.SHA1\n"
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad:*:Abc.SHA256.AnySize\n"
                 "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad:4:Abc.WrongSize\n",
        NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    struct ts_results r;
    ts_scan(db, "abc", "abc", 3, &r);
    assert_int_equal(r.n, 3);
    const struct ts_found *f = ts_find(&r, "Abc.MD5");
    assert_non_null(f);
    assert_int_equal(f->ev0.kind, ASSAY_EVIDENCE_HASH);
    assert_string_equal(f->hash0, "900150983cd24fb0d6963f7d28e17f72");
    assert_non_null(ts_find(&r, "Abc.SHA1"));
    assert_non_null(ts_find(&r, "Abc.SHA256.AnySize"));
    assert_null(ts_find(&r, "Abc.WrongSize"));
    ts_scan(db, "abd", "abd", 3, &r);
    assert_int_equal(r.n, 0);
    assay_db_free(db);
}

static void allowlist_and_ignore(void **state)
{
    (void)state;
    const char *pairs[] = {
        "t.ndb", "Sig.One:0:*:616263\nSig.Two:0:*:646566\n",
        "a.fp", "6ab1b8d2ea2e4b1f0eb5e7ed8a8b3c2e:9:whatever\n",
        "i.ign2", "Sig.Two\n",
        NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    struct ts_results r;
    ts_scan(db, "m", "xxabcdefx", 9, &r);
    assert_non_null(ts_find(&r, "Sig.One"));
    assert_null(ts_find(&r, "Sig.Two")); /* ignored by .ign2 */
    assay_db_free(db);

    /* md5("abc") allowlisted: the detection on "abc" disappears. */
    const char *pairs2[] = {
        "t.ndb", "Sig.One:0:*:616263\n",
        "a.fp", "900150983cd24fb0d6963f7d28e17f72:3:Known.Clean\n",
        NULL};
    db = ts_db(pairs2);
    assert_non_null(db);
    ts_scan(db, "m", "abc", 3, &r);
    assert_int_equal(r.n, 0);
    ts_scan(db, "m", "abcd", 4, &r);
    assert_int_equal(r.n, 1);
    assay_db_free(db);
}

static void collect_warning(void *user, const char *message)
{
    struct util_buf *b = user;
    util_buf_append(b, message, strlen(message));
    util_buf_append(b, "\n", 1);
}

/* A YARA file's errors are all reported, in source order, syntax errors (the
 * parser goes on at the next rule) and compile errors alike; the last one is
 * the error code. --skip-bad-rules skips each bad rule and names it. */
static void yara_rule_errors(void **state)
{
    (void)state;
    const char text[] = "rule a { condition: true }\n"
                        "rule b { condition: true and }\n"
                        "rule c { condition: undefined_thing }\n"
                        "rule d { condition: a }\n";
    assay_db *db = assay_db_new();
    assert_int_equal(assay_db_load_text(db, "bad.yar", text, strlen(text), NULL), ASSAY_ESYNTAX);
    const char *msg = assay_last_error();
    const char *b = strstr(msg, "bad.yar:2:"), *c = strstr(msg, "bad.yar:3:");
    if (!b || !c || c < b || !strchr(msg, '\n'))
        fail_msg("want both errors, in order, one per line: %s", msg);
    assay_db_free(db);

    db = assay_db_new();
    struct util_buf warnings = {0};
    assay_db_set_warning_handler(db, collect_warning, &warnings);
    struct assay_load_options lo = {.skip_bad_signatures = true};
    assert_int_equal(assay_db_load_text(db, "bad.yar", text, strlen(text), &lo), ASSAY_OK);
    struct assay_db_stats st;
    assay_db_get_stats(db, &st);
    assert_int_equal(st.yara_rules, 2);
    util_buf_append_byte(&warnings, 0);
    const char *w = (const char *)warnings.data;
    if (!strstr(w, "rule \"b\" skipped") || !strstr(w, "rule \"c\" skipped"))
        fail_msg("want both rules named: %s", w);
    util_buf_free(&warnings);
    assay_db_free(db);
}

static void malformed_lines(void **state)
{
    (void)state;
    assay_db *db = assay_db_new();
    const char text[] = "Good:0:*:414243\nBad:0:*:41zz43\n";
    assert_int_equal(assay_db_load_text(db, "bad.ndb", text, strlen(text), NULL), ASSAY_ESYNTAX);
    assert_non_null(strstr(assay_last_error(), "bad.ndb:2:"));
    assay_db_free(db);

    db = assay_db_new();
    struct assay_load_options lo = {.skip_bad_signatures = true};
    assert_int_equal(assay_db_load_text(db, "bad.ndb", text, strlen(text), &lo), ASSAY_OK);
    struct assay_db_stats st;
    assay_db_get_stats(db, &st);
    assert_int_equal(st.skipped_bad, 1);
    assert_int_equal(st.body_signatures, 1);
    assay_db_free(db);

    db = assay_db_new();
    assert_int_equal(assay_db_load_text(db, "x.unknown", "abc", 3, NULL), ASSAY_EFORMAT);
    assert_int_equal(assay_db_load_text(db, "empty.hdb", "\n# nothing\n", 11, NULL), ASSAY_EEMPTY);
    assert_int_equal(assay_db_finalize(db), ASSAY_EEMPTY);
    assay_db_free(db);

    const char *lines[] = {
        "a.hdb", "900150983cd24fb0d6963f7d28e17f7:3:Short", "expected an MD5",
        "a.hdb", "900150983cd24fb0d6963f7d28e17f72:x:BadSize", "size",
        "a.hdb", "900150983cd24fb0d6963f7d28e17f72:3", "2 fields",
        "a.ndb", "N:13:*:414243", "target type",
        "a.ndb", "N:0:EP+:414243", "invalid offset",
        "a.ndb", "N:0:*", "3 fields",
    };
    for (size_t i = 0; i < sizeof lines / sizeof lines[0]; i += 3) {
        db = assay_db_new();
        assert_int_equal(assay_db_load_text(db, lines[i], lines[i + 1], strlen(lines[i + 1]), NULL), ASSAY_ESYNTAX);
        if (!strstr(assay_last_error(), lines[i + 2]))
            fail_msg("'%s': message '%s' lacks '%s'", lines[i + 1], assay_last_error(), lines[i + 2]);
        assay_db_free(db);
    }
}

static void big_repetitive_input_is_bounded(void **state)
{
    (void)state;
    /* An atom that occurs everywhere but never completes the signature. */
    const char *pairs[] = {"t.ndb", "Zeros:0:*:0000000000*4142\n", NULL};
    assay_db *db = ts_db(pairs);
    assert_non_null(db);
    size_t n = 4 << 20;
    unsigned char *zeros = calloc(1, n);
    struct ts_results r;
    ts_scan(db, "zeros", zeros, n, &r);
    assert_int_equal(r.n, 0);
    /* Giving up is reported, never silent. */
    assert_int_equal(r.problems, 1);
    assert_non_null(strstr(r.last_problem, "Zeros"));
    free(zeros);
    assay_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(exact_match_and_evidence),
        cmocka_unit_test(wildcards_gaps_alternatives),
        cmocka_unit_test(offsets),
        cmocka_unit_test(target_text_only),
        cmocka_unit_test(hashes_by_size),
        cmocka_unit_test(allowlist_and_ignore),
        cmocka_unit_test(malformed_lines),
        cmocka_unit_test(yara_rule_errors),
        cmocka_unit_test(big_repetitive_input_is_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
