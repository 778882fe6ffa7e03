/* test_scan_changes.c — a file that changes while it is scanned is reported,
 * never a crash. The finding callback truncates the file while its mapping
 * is still in use; the archive walk that follows touches the vanished pages
 * (SIGBUS), which the scanner must turn into a problem for that file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "assay.h"

static const char eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";

struct state {
    const char *path;
    int findings, problems;
    char reason[512];
};

static void on_finding(void *user, const struct assay_finding *f)
{
    struct state *s = user;
    s->findings++;
    if (strcmp(f->path, s->path) == 0)
        assert_int_equal(truncate(s->path, 0), 0); /* the file changes under the scanner */
}

static void on_problem(void *user, const struct assay_problem *p)
{
    struct state *s = user;
    s->problems++;
    snprintf(s->reason, sizeof s->reason, "%s", p->reason);
}

/* A stored (uncompressed) zip: EICAR is visible in the raw bytes, and a
 * 200 KB member makes the file big enough to be mapped rather than read. */
static void write_zip(const char *path)
{
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    archive_write_set_options(a, "zip:compression=store");
    assert_int_equal(archive_write_open_filename(a, path), ARCHIVE_OK);
    static char big[200 * 1024];
    memset(big, 'x', sizeof big);
    const struct { const char *name; const char *data; size_t len; } members[] = {
        {"eicar.com", eicar, sizeof eicar - 1},
        {"big.txt", big, sizeof big},
    };
    for (size_t i = 0; i < 2; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, members[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)members[i].len);
        archive_write_header(a, e);
        archive_write_data(a, members[i].data, members[i].len);
        archive_entry_free(e);
    }
    archive_write_close(a);
    archive_write_free(a);
}

static void truncated_while_scanning_is_reported(void **unused)
{
    (void)unused;
    char path[] = "/tmp/assay-test-change-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    write_zip(path);
    assay_db *db = assay_db_new();
    assert_int_equal(assay_db_load_default(db), ASSAY_OK);
    assert_int_equal(assay_db_finalize(db), ASSAY_OK);
    struct state s = {.path = path};
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .user = &s};
    struct assay_scan_options o;
    assay_scan_options_init(&o);
    o.threads = 1;
    struct assay_scan_summary sum;
    const char *paths[] = {path};
    assert_int_equal(assay_scan_paths(db, paths, 1, &o, &cb, &sum), ASSAY_OK);
    assert_true(s.findings >= 1);
    assert_true(s.problems >= 1);
    if (!strstr(s.reason, "truncated") && !strstr(s.reason, "changed"))
        fail_msg("unexpected reason: %s", s.reason);
    assert_true(sum.errors >= 1);
    assay_db_free(db);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(truncated_while_scanning_is_reported),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
