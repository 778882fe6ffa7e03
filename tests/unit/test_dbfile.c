/* test_dbfile.c — compiled databases: the same detections after a round
 * trip, and clear errors for corrupt, truncated and foreign files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <unistd.h>

#include "test_support.h"

static const char *sources[] = {
    "t.ndb", "Body.One:0:*:68656c6c6f\nBody.Anchored:0:0:4d5a\nBody.Wild:0:*:61??63{1-3}6465\n",
    "t.hsb", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad:3:Abc.SHA256\n",
    NULL};

static char path[256];

static int setup(void **state)
{
    (void)state;
    snprintf(path, sizeof path, "/tmp/assay-test-dbfile-%ld.adb", (long)getpid());
    assay_db *db = ts_db(sources);
    assert_non_null(db);
    assert_int_equal(assay_db_save(db, path), ASSAY_OK);
    assay_db_free(db);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(path);
    return 0;
}

static assay_db *load(const char *p, int *rc)
{
    assay_db *db = assay_db_new();
    *rc = assay_db_load(db, p, NULL);
    if (*rc == ASSAY_OK)
        *rc = assay_db_finalize(db);
    return db;
}

static void round_trip_same_detections(void **state)
{
    (void)state;
    int rc;
    assay_db *db = load(path, &rc);
    assert_int_equal(rc, ASSAY_OK);
    struct ts_results r;
    ts_scan(db, "m", "MZ..hello..aXcYYde", 18, &r);
    assert_non_null(ts_find(&r, "Body.One"));
    assert_non_null(ts_find(&r, "Body.Anchored"));
    assert_non_null(ts_find(&r, "Body.Wild"));
    const struct ts_found *f = ts_find(&r, "Body.One");
    assert_string_equal(f->source, "t.ndb");
    assert_int_equal(f->line, 1);
    ts_scan(db, "m", "abc", 3, &r);
    assert_non_null(ts_find(&r, "Abc.SHA256"));
    struct assay_db_stats st;
    assay_db_get_stats(db, &st);
    assert_int_equal(st.body_signatures, 3);
    assert_int_equal(st.hash_signatures, 1);
    assay_db_free(db);
}

static void copy_with(const char *dst, long cut, long flip)
{
    FILE *in = fopen(path, "rb"), *out = fopen(dst, "wb");
    assert_non_null(in);
    assert_non_null(out);
    int c;
    long i = 0;
    while ((c = fgetc(in)) != EOF && (cut < 0 || i < cut)) {
        fputc(i == flip ? c ^ 0x40 : c, out);
        i++;
    }
    fclose(in);
    fclose(out);
}

static void corrupt_truncated_foreign(void **state)
{
    (void)state;
    char bad[300];
    snprintf(bad, sizeof bad, "%s.bad", path);
    int rc;
    assay_db *db;

    copy_with(bad, -1, 300); /* one flipped bit in the payload */
    db = load(bad, &rc);
    assert_int_equal(rc, ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "checksum"));
    assay_db_free(db);

    copy_with(bad, 200, -1); /* truncated */
    db = load(bad, &rc);
    assert_int_equal(rc, ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "truncated"));
    assay_db_free(db);

    copy_with(bad, 12, -1); /* only the magic survives */
    db = load(bad, &rc);
    assert_int_equal(rc, ASSAY_EFORMAT);
    assay_db_free(db);

    copy_with(bad, -1, 8); /* version field changed */
    db = load(bad, &rc);
    assert_int_equal(rc, ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "version"));
    assay_db_free(db);

    FILE *f = fopen(bad, "wb"); /* a foreign file with an unknown extension */
    fputs("PK\x03\x04 not a database", f);
    fclose(f);
    db = load(bad, &rc);
    assert_int_equal(rc, ASSAY_EFORMAT);
    assert_non_null(strstr(assay_last_error(), "unknown database format"));
    assay_db_free(db);
    unlink(bad);
}

static void compiled_must_be_alone(void **state)
{
    (void)state;
    assay_db *db = assay_db_new();
    const char text[] = "X:0:*:414243\n";
    assert_int_equal(assay_db_load_text(db, "x.ndb", text, strlen(text), NULL), ASSAY_OK);
    assert_int_equal(assay_db_load(db, path, NULL), ASSAY_EINVAL);
    assay_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(round_trip_same_detections),
        cmocka_unit_test(corrupt_truncated_foreign),
        cmocka_unit_test(compiled_must_be_alone),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
