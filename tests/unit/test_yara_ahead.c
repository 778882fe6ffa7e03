/* test_yara_ahead.c — YARA rule files loaded as a list (assay_db_load_yara_files,
 * lib/sig/yara_ahead.c: the next files parsed on a second thread): the same
 * rules, namespaces and errors as loading them one by one, the failing file's
 * index, and a file parsed for the wrong state parsed again. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "engine/db.h"
#include "test_support.h"

static char dir[] = "/tmp/assay-ahead-XXXXXX";
static char paths[8][512];

static const char *write_rules(int i, const char *name, const char *text)
{
    snprintf(paths[i], sizeof paths[i], "%s/%s", dir, name);
    FILE *f = fopen(paths[i], "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return paths[i];
}

static int setup(void **state)
{
    (void)state;
    return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 8; i++)
        if (paths[i][0])
            unlink(paths[i]);
    rmdir(dir);
    return 0;
}

static void files_load_in_order_with_namespaces(void **state)
{
    (void)state;
    const char *p[] = {write_rules(0, "a.yar", "rule A { strings: $a = \"alpha\" condition: $a }\n"),
                       write_rules(1, "b.yar", "rule B { condition: A }\n"), /* A is in a file before */
                       write_rules(2, "c.yar", "rule A { strings: $c = \"gamma\" condition: $c }\n"),
                       write_rules(3, "empty.yar", "")};
    struct assay_load_options o[4] = {{0}, {0}, {.yara_namespace = "other"}, {0}};
    assay_db *db = assay_db_new();
    size_t failed = 99;
    assert_int_equal(assay_db_load_yara_files(db, p, o, 4, &failed), ASSAY_OK);
    assert_int_equal(failed, 4); /* none */
    assert_int_equal(assay_db_finalize(db), ASSAY_OK);
    assert_int_equal(db->engine.yara.rules.n, 3);
    struct ts_results r;
    ts_scan(db, "d", "alpha gamma", 11, &r);
    assert_int_equal(r.n, 3); /* A, B and other:A */
    assay_db_free(db);
}

/* The message of loading `files` one by one with assay_db_load_yara. */
static void one_by_one(const char *const *files, const struct assay_load_options *o, size_t n, char *message,
                       size_t size)
{
    assay_db *db = assay_db_new();
    message[0] = 0;
    for (size_t i = 0; i < n; i++)
        if (assay_db_load_yara(db, files[i], o ? &o[i] : NULL) != ASSAY_OK) {
            snprintf(message, size, "%s", assay_last_error());
            break;
        }
    assay_db_free(db);
}

static void errors_are_those_of_one_by_one(void **state)
{
    (void)state;
    const char *p[] = {write_rules(4, "ok.yar", "rule Ok { condition: true }\n"),
                       write_rules(5, "bad.yar", "rule Bad { condition: nothing_here }\n"), paths[0]};
    char expected[1024];
    one_by_one(p, NULL, 3, expected, sizeof expected);
    assert_non_null(strstr(expected, "bad.yar"));
    assay_db *db = assay_db_new();
    size_t failed = 99;
    assert_int_not_equal(assay_db_load_yara_files(db, p, NULL, 3, &failed), ASSAY_OK);
    assert_int_equal(failed, 1);
    assert_string_equal(assay_last_error(), expected);
    assay_db_free(db);

    const char *missing[] = {paths[0], "/nonexistent/x.yar", paths[2]};
    db = assay_db_new();
    assert_int_not_equal(assay_db_load_yara_files(db, missing, NULL, 3, &failed), ASSAY_OK);
    assert_int_equal(failed, 1);
    assert_non_null(strstr(assay_last_error(), "/nonexistent/x.yar"));
    assay_db_free(db);
}

/* The second file is parsed as coming after rules, but the only rule before
 * it was skipped: it must be parsed again, and fail as it does alone. */
static void a_wrong_guess_is_parsed_again(void **state)
{
    (void)state;
    const char *p[] = {write_rules(6, "skipped.yar", "rule S { condition: undefined_one }\n"),
                       write_rules(7, "refs.yar", "rule R { condition: any of (Nothing*) }\n")};
    struct assay_load_options o[2] = {{.skip_bad_signatures = true}, {0}};
    char expected[1024];
    one_by_one(p, o, 2, expected, sizeof expected);
    assert_non_null(strstr(expected, "refs.yar"));
    assay_db *db = assay_db_new();
    size_t failed = 99;
    assert_int_not_equal(assay_db_load_yara_files(db, p, o, 2, &failed), ASSAY_OK);
    assert_int_equal(failed, 1);
    assert_string_equal(assay_last_error(), expected);
    assay_db_free(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(files_load_in_order_with_namespaces),
        cmocka_unit_test(errors_are_those_of_one_by_one),
        cmocka_unit_test(a_wrong_guess_is_parsed_again),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
