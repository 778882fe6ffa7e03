/* test_scan.c — assay_scan_paths and assay_scan_buffer through the public
 * API, on a folder tree the test builds under /tmp and removes at the end.
 *
 * With the bundled default database (the EICAR test string), checks the
 * walking rules of docs/scanning.md: nested folders, clean files, excludes
 * (base name and whole path), symlinks to folders (skipped by default,
 * followed on request, a loop reported as ELIMIT and the walk ending), a
 * named symlink, FIFOs (skipped, never opened), --max-filesize, a missing
 * path (EIO, the scan goes on), one and four threads giving the same
 * findings, exact summary counts, a zip written at test time with
 * libarchive, scanning a buffer, and scanning before finalize (EINVAL). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>

#include "assay.h"

static const char eicar[] = "X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
#define EICAR_LEN 68
static const char eicar_sha256[] = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

static char base[64];         /* the temporary folder */
static assay_db *default_db;  /* finalized bundled database */

/* ---- collecting what a scan reports ------------------------------------ */

#define MAX_ITEMS 64

struct seen_finding {
    char path[PATH_MAX];
    char rule[128];
    char source[256];
    unsigned line;
    char verdict[32];
    uint64_t size;
    char sha256[65];
    size_t evidence_count;
    enum assay_evidence_kind kind0;
    uint64_t offset0, length0;
    uint8_t bytes0[EICAR_LEN];
    size_t bytes_len0;
};

struct seen_problem {
    char path[PATH_MAX];
    int code;
    char reason[512];
};

struct seen {
    struct seen_finding f[MAX_ITEMS];
    size_t nf;
    struct seen_problem p[MAX_ITEMS];
    size_t np;
    size_t overflow;
};

static void on_finding(void *user, const struct assay_finding *f)
{
    struct seen *s = user;
    if (s->nf >= MAX_ITEMS) {
        s->overflow++;
        return;
    }
    struct seen_finding *x = &s->f[s->nf++];
    snprintf(x->path, sizeof x->path, "%s", f->path);
    snprintf(x->rule, sizeof x->rule, "%s", f->rule);
    snprintf(x->source, sizeof x->source, "%s", f->source);
    snprintf(x->verdict, sizeof x->verdict, "%s", f->verdict ? f->verdict : "");
    snprintf(x->sha256, sizeof x->sha256, "%s", f->sha256 ? f->sha256 : "");
    x->line = f->line;
    x->size = f->size;
    x->evidence_count = f->evidence_count;
    if (f->evidence_count) {
        const struct assay_evidence *e = &f->evidence[0];
        x->kind0 = e->kind;
        x->offset0 = e->offset;
        x->length0 = e->length;
        if (e->kind == ASSAY_EVIDENCE_BYTES && e->bytes) {
            x->bytes_len0 = e->bytes_len < EICAR_LEN ? e->bytes_len : EICAR_LEN;
            memcpy(x->bytes0, e->bytes, x->bytes_len0);
        }
    }
}

static void on_problem(void *user, const struct assay_problem *p)
{
    struct seen *s = user;
    if (s->np >= MAX_ITEMS) {
        s->overflow++;
        return;
    }
    struct seen_problem *x = &s->p[s->np++];
    snprintf(x->path, sizeof x->path, "%s", p->path);
    snprintf(x->reason, sizeof x->reason, "%s", p->reason ? p->reason : "");
    x->code = p->code;
}

struct outcome {
    int rc;
    struct seen seen;
    struct assay_scan_summary sum;
};

static struct outcome *scan(const struct assay_scan_options *o, const char *const *paths, size_t n)
{
    struct outcome *r = calloc(1, sizeof *r);
    assert_non_null(r);
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .user = &r->seen};
    r->rc = assay_scan_paths(default_db, paths, n, o, &cb, &r->sum);
    assert_int_equal(r->seen.overflow, 0);
    return r;
}

static struct outcome *scan1(const struct assay_scan_options *o, const char *path)
{
    const char *paths[] = {path};
    return scan(o, paths, 1);
}

static void dump(const struct outcome *r)
{
    for (size_t i = 0; i < r->seen.nf; i++)
        fprintf(stderr, "  finding %s: %s\n", r->seen.f[i].path, r->seen.f[i].rule);
    for (size_t i = 0; i < r->seen.np; i++)
        fprintf(stderr, "  problem %s [%s]: %s\n", r->seen.p[i].path, assay_status_name(r->seen.p[i].code),
                r->seen.p[i].reason);
    fprintf(stderr, "  files=%llu findings=%llu infected=%llu errors=%llu skipped=%llu bytes=%llu\n",
            (unsigned long long)r->sum.files, (unsigned long long)r->sum.findings,
            (unsigned long long)r->sum.infected_files, (unsigned long long)r->sum.errors,
            (unsigned long long)r->sum.skipped, (unsigned long long)r->sum.bytes);
}

/* The summary holds exactly these counts. */
static void expect_counts(const struct outcome *r, uint64_t files, uint64_t findings, uint64_t infected,
                          uint64_t errors, uint64_t skipped)
{
    if (r->sum.files != files || r->sum.findings != findings || r->sum.infected_files != infected ||
        r->sum.errors != errors || r->sum.skipped != skipped) {
        dump(r);
        fail_msg("want files=%llu findings=%llu infected=%llu errors=%llu skipped=%llu",
                 (unsigned long long)files, (unsigned long long)findings, (unsigned long long)infected,
                 (unsigned long long)errors, (unsigned long long)skipped);
    }
    /* The callbacks saw what the summary counts. */
    assert_int_equal(r->seen.nf, findings);
    assert_int_equal(r->seen.np, errors);
    assert_true(r->sum.seconds >= 0.0);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The findings' paths, relative to base, are exactly `want` (any order). */
static void expect_finding_paths(const struct outcome *r, const char *const *want, size_t n)
{
    size_t bl = strlen(base);
    const char *got[MAX_ITEMS];
    for (size_t i = 0; i < r->seen.nf; i++) {
        const char *p = r->seen.f[i].path;
        got[i] = strncmp(p, base, bl) == 0 && p[bl] == '/' ? p + bl + 1 : p;
    }
    const char *sorted_want[MAX_ITEMS];
    assert_true(n <= MAX_ITEMS);
    memcpy(sorted_want, want, n * sizeof *want);
    qsort(got, r->seen.nf, sizeof *got, cmp_str);
    qsort(sorted_want, n, sizeof *sorted_want, cmp_str);
    bool same = r->seen.nf == n;
    for (size_t i = 0; same && i < n; i++)
        same = strcmp(got[i], sorted_want[i]) == 0;
    if (!same) {
        dump(r);
        for (size_t i = 0; i < n; i++)
            fprintf(stderr, "  wanted %s\n", sorted_want[i]);
        fail_msg("finding paths differ");
    }
}

static const struct seen_finding *finding_at(const struct outcome *r, const char *rel)
{
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/%s", base, rel);
    for (size_t i = 0; i < r->seen.nf; i++)
        if (strcmp(r->seen.f[i].path, full) == 0 || strcmp(r->seen.f[i].path, rel) == 0)
            return &r->seen.f[i];
    return NULL;
}

/* Every finding is the EICAR signature with its evidence at `offset`. */
static void expect_eicar(const struct seen_finding *f, uint64_t size, uint64_t offset)
{
    assert_non_null(f);
    assert_string_equal(f->rule, "Eicar-Test-Signature");
    assert_string_equal(f->source, "builtin:assay-default.ndb");
    assert_int_equal(f->line, 1);
    assert_string_equal(f->verdict, "malicious");
    assert_int_equal(f->size, size);
    assert_int_equal(f->evidence_count, 1);
    assert_int_equal(f->kind0, ASSAY_EVIDENCE_BYTES);
    assert_int_equal(f->offset0, offset);
    assert_int_equal(f->length0, EICAR_LEN);
    assert_int_equal(f->bytes_len0, EICAR_LEN);
    assert_memory_equal(f->bytes0, eicar, EICAR_LEN);
}

/* ---- building the tree --------------------------------------------------- */

static const char *at(const char *rel)
{
    static char buf[4][PATH_MAX];
    static unsigned k;
    char *b = buf[k++ % 4];
    snprintf(b, PATH_MAX, "%s/%s", base, rel);
    return b;
}

static void make_dir(const char *rel)
{
    if (mkdir(at(rel), 0755) != 0)
        fail_msg("mkdir %s: %s", rel, strerror(errno));
}

static void put(const char *rel, const void *data, size_t len)
{
    FILE *fp = fopen(at(rel), "wb");
    if (!fp)
        fail_msg("create %s: %s", rel, strerror(errno));
    assert_int_equal(fwrite(data, 1, len, fp), len);
    assert_int_equal(fclose(fp), 0);
}

static void link_to(const char *target, const char *rel)
{
    if (symlink(target, at(rel)) != 0)
        fail_msg("symlink %s: %s", rel, strerror(errno));
}

/* A zip holding inner/eicar.com and inner/readme.txt, compressed (deflate)
 * or stored. */
static void write_zip(const char *rel, bool stored)
{
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(archive_write_set_format_zip(a), ARCHIVE_OK);
    assert_int_equal(archive_write_set_options(a, stored ? "zip:compression=store" : "zip:compression=deflate"),
                     ARCHIVE_OK);
    assert_int_equal(archive_write_open_filename(a, at(rel)), ARCHIVE_OK);
    const struct {
        const char *name;
        const char *data;
        size_t len;
    } m[] = {
        {"inner/eicar.com", eicar, EICAR_LEN},
        {"inner/readme.txt", "nothing to see here\n", 20},
    };
    for (size_t i = 0; i < 2; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_mtime(e, 1700000000, 0);
        archive_entry_set_size(e, (la_int64_t)m[i].len);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
}

static uint8_t padded[EICAR_LEN + 2000];
static uint8_t clean_bin[1024];
static const char clean_txt[] = "just some text\n";

/*
 * base/tree/clean1.txt             clean (15 bytes)
 * base/tree/a/clean2.bin           clean (1024 bytes, every byte value)
 * base/tree/a/b/c/eicar.com        EICAR (68)
 * base/tree/a/b/eicar-nl.txt       EICAR + "\n" (69)
 * base/tree/skipme/eicar.com       EICAR (68), for the exclude tests
 * base/tree/fifo                   a FIFO
 * base/tree/link -> ../outside     symlink to a folder outside the tree
 * base/outside/eicar-out.com       EICAR (68)
 * base/loop/sub/eicar.com          EICAR (68)
 * base/loop/sub/back -> ..         symlink back to base/loop
 * base/big/eicar.com               EICAR (68)
 * base/big/padded.bin              EICAR at 0 then 2000 bytes (2068)
 * base/zip/x.zip                   deflate zip: inner/eicar.com, inner/readme.txt
 * base/zip/y.zip                   the same, stored (EICAR visible in the zip's own bytes)
 */
static int setup(void **state)
{
    (void)state;
    assert_int_equal(sizeof eicar - 1, EICAR_LEN);
    snprintf(base, sizeof base, "/tmp/assay-test-scan-XXXXXX");
    if (!mkdtemp(base)) {
        fprintf(stderr, "mkdtemp: %s\n", strerror(errno));
        return -1;
    }
    for (size_t i = 0; i < sizeof clean_bin; i++)
        clean_bin[i] = (uint8_t)i;
    memcpy(padded, eicar, EICAR_LEN);
    memset(padded + EICAR_LEN, 'A', sizeof padded - EICAR_LEN);

    make_dir("tree");
    make_dir("tree/a");
    make_dir("tree/a/b");
    make_dir("tree/a/b/c");
    make_dir("tree/skipme");
    make_dir("outside");
    make_dir("loop");
    make_dir("loop/sub");
    make_dir("big");
    make_dir("zip");
    put("tree/clean1.txt", clean_txt, sizeof clean_txt - 1);
    put("tree/a/clean2.bin", clean_bin, sizeof clean_bin);
    put("tree/a/b/c/eicar.com", eicar, EICAR_LEN);
    char nl[EICAR_LEN + 1];
    memcpy(nl, eicar, EICAR_LEN);
    nl[EICAR_LEN] = '\n';
    put("tree/a/b/eicar-nl.txt", nl, sizeof nl);
    put("tree/skipme/eicar.com", eicar, EICAR_LEN);
    if (mkfifo(at("tree/fifo"), 0644) != 0)
        fail_msg("mkfifo: %s", strerror(errno));
    link_to("../outside", "tree/link");
    put("outside/eicar-out.com", eicar, EICAR_LEN);
    put("loop/sub/eicar.com", eicar, EICAR_LEN);
    link_to("..", "loop/sub/back");
    put("big/eicar.com", eicar, EICAR_LEN);
    put("big/padded.bin", padded, sizeof padded);
    write_zip("zip/x.zip", false);
    write_zip("zip/y.zip", true);

    default_db = assay_db_new();
    if (!default_db || assay_db_load_default(default_db) != ASSAY_OK || assay_db_finalize(default_db) != ASSAY_OK) {
        fprintf(stderr, "default database: %s\n", assay_last_error());
        return -1;
    }
    return 0;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    if (remove(path) != 0)
        fprintf(stderr, "remove %s: %s\n", path, strerror(errno));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    assay_db_free(default_db);
    default_db = NULL;
    if (base[0]) {
        /* FTW_PHYS: never follow the symlinks out of (or around) the tree. */
        nftw(base, remove_one, 16, FTW_DEPTH | FTW_PHYS);
        struct stat st;
        if (lstat(base, &st) == 0) {
            fprintf(stderr, "could not remove %s\n", base);
            return -1;
        }
    }
    return 0;
}

static void opts_threads(struct assay_scan_options *o, unsigned threads)
{
    assay_scan_options_init(o);
    o->threads = threads;
}

/* ---- tests ---------------------------------------------------------------- */

static void scan_before_finalize_is_einval(void **state)
{
    (void)state;
    assay_db *db = assay_db_new();
    assert_non_null(db);
    assert_int_equal(assay_db_load_default(db), ASSAY_OK);
    struct seen *s = calloc(1, sizeof *s);
    assert_non_null(s);
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .user = s};
    struct assay_scan_options o;
    opts_threads(&o, 2);
    const char *paths[] = {at("tree")};
    assert_int_equal(assay_scan_paths(db, paths, 1, &o, &cb, NULL), ASSAY_EINVAL);
    assert_true(strlen(assay_last_error()) > 0);
    assert_int_equal(assay_scan_buffer(db, "mem", eicar, EICAR_LEN, &o, &cb, NULL), ASSAY_EINVAL);
    assert_int_equal(assay_scan_paths(NULL, paths, 1, &o, &cb, NULL), ASSAY_EINVAL);
    assert_int_equal(s->nf, 0);
    assert_int_equal(s->np, 0);
    /* Once finalized, the same database scans. */
    assert_int_equal(assay_db_finalize(db), ASSAY_OK);
    struct assay_scan_summary sum;
    assert_int_equal(assay_scan_buffer(db, "mem", eicar, EICAR_LEN, &o, &cb, &sum), ASSAY_OK);
    assert_int_equal(s->nf, 1);
    assert_int_equal(sum.findings, 1);
    free(s);
    assay_db_free(db);
}

static void tree_default_options(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 2);
    struct outcome *r = scan1(&o, at("tree"));
    assert_int_equal(r->rc, ASSAY_OK);
    /* Scanned: clean1.txt clean2.bin c/eicar.com eicar-nl.txt skipme/eicar.com;
     * skipped: the FIFO and the unfollowed symlink. */
    expect_counts(r, 5, 3, 3, 0, 2);
    assert_int_equal(r->sum.bytes, 15 + 1024 + 68 + 69 + 68);
    const char *want[] = {"tree/a/b/c/eicar.com", "tree/a/b/eicar-nl.txt", "tree/skipme/eicar.com"};
    expect_finding_paths(r, want, 3);
    expect_eicar(finding_at(r, "tree/a/b/c/eicar.com"), 68, 0);
    expect_eicar(finding_at(r, "tree/a/b/eicar-nl.txt"), 69, 0);
    free(r);
}

static void sha256_when_asked(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 1);
    o.always_sha256 = true;
    struct outcome *r = scan1(&o, at("big/eicar.com"));
    expect_counts(r, 1, 1, 1, 0, 0);
    assert_string_equal(r->seen.f[0].sha256, eicar_sha256);
    free(r);
}

static void excludes_base_name_and_glob(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 2);
    const char *ex[] = {"skipme"};
    o.excludes = ex;
    o.exclude_count = 1;
    struct outcome *r = scan1(&o, at("tree"));
    assert_int_equal(r->rc, ASSAY_OK);
    expect_counts(r, 4, 2, 2, 0, 3);
    const char *want[] = {"tree/a/b/c/eicar.com", "tree/a/b/eicar-nl.txt"};
    expect_finding_paths(r, want, 2);
    free(r);

    /* Globs on the base name and on the whole path. */
    const char *ex2[] = {"*.txt", "*/a/b/c"};
    o.excludes = ex2;
    o.exclude_count = 2;
    r = scan1(&o, at("tree"));
    /* Scanned: clean2.bin skipme/eicar.com; skipped: clean1.txt eicar-nl.txt
     * a/b/c fifo link. */
    expect_counts(r, 2, 1, 1, 0, 5);
    const char *want2[] = {"tree/skipme/eicar.com"};
    expect_finding_paths(r, want2, 1);
    free(r);
}

static void symlink_to_folder_followed_on_request(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 2);
    o.follow_symlinks = true;
    struct outcome *r = scan1(&o, at("tree"));
    assert_int_equal(r->rc, ASSAY_OK);
    /* The link now leads to outside/eicar-out.com; only the FIFO is skipped. */
    expect_counts(r, 6, 4, 4, 0, 1);
    const char *want[] = {"tree/a/b/c/eicar.com", "tree/a/b/eicar-nl.txt", "tree/skipme/eicar.com",
                          "tree/link/eicar-out.com"};
    expect_finding_paths(r, want, 4);
    free(r);
}

static void named_symlink_is_followed(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 1);
    struct outcome *r = scan1(&o, at("tree/link"));
    assert_int_equal(r->rc, ASSAY_OK);
    expect_counts(r, 1, 1, 1, 0, 0);
    const char *want[] = {"tree/link/eicar-out.com"};
    expect_finding_paths(r, want, 1);
    free(r);
}

static void symlink_loop(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 2);
    /* Not followed: the link is skipped, no loop can form. */
    struct outcome *r = scan1(&o, at("loop"));
    assert_int_equal(r->rc, ASSAY_OK);
    expect_counts(r, 1, 1, 1, 0, 1);
    free(r);

    /* Followed: loop/sub/back leads to loop, already walked: reported once
     * as ELIMIT, not entered, and the walk ends. */
    o.follow_symlinks = true;
    r = scan1(&o, at("loop"));
    assert_int_equal(r->rc, ASSAY_OK);
    expect_counts(r, 1, 1, 1, 1, 0);
    const char *want[] = {"loop/sub/eicar.com"};
    expect_finding_paths(r, want, 1);
    assert_string_equal(r->seen.p[0].path, at("loop/sub/back"));
    assert_int_equal(r->seen.p[0].code, ASSAY_ELIMIT);
    assert_non_null(strstr(r->seen.p[0].reason, "loop"));
    free(r);
}

static void fifo_never_opened(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 1);
    /* Named directly on the command line, a FIFO is still not opened (the
     * test would hang if it were: nobody writes to it). */
    struct outcome *r = scan1(&o, at("tree/fifo"));
    assert_int_equal(r->rc, ASSAY_OK);
    expect_counts(r, 0, 0, 0, 0, 1);
    free(r);
}

static void max_filesize(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 2);
    struct {
        uint64_t limit;
        uint64_t files, skipped;
    } cases[] = {
        {0, 2, 0},    /* no limit */
        {100, 1, 1},  /* padded.bin (2068) skipped */
        {68, 1, 1},   /* a file exactly at the limit is scanned */
        {67, 0, 2},
        {2068, 2, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        o.max_filesize = cases[i].limit;
        struct outcome *r = scan1(&o, at("big"));
        assert_int_equal(r->rc, ASSAY_OK);
        expect_counts(r, cases[i].files, cases[i].files, cases[i].files, 0, cases[i].skipped);
        if (cases[i].files == 1)
            expect_eicar(finding_at(r, "big/eicar.com"), 68, 0);
        free(r);
    }
    /* A file named on the command line is held to the limit too. */
    o.max_filesize = 100;
    struct outcome *r = scan1(&o, at("big/padded.bin"));
    expect_counts(r, 0, 0, 0, 0, 1);
    free(r);
}

static void missing_path_reported_scan_goes_on(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 2);
    const char *paths[] = {at("no-such-file"), at("big/eicar.com"), at("no/such/folder/")};
    struct outcome *r = scan(&o, paths, 3);
    assert_int_equal(r->rc, ASSAY_OK);
    expect_counts(r, 1, 1, 1, 2, 0);
    const char *want[] = {"big/eicar.com"};
    expect_finding_paths(r, want, 1);
    bool seen_file = false, seen_folder = false;
    for (size_t i = 0; i < r->seen.np; i++) {
        assert_int_equal(r->seen.p[i].code, ASSAY_EIO);
        assert_true(strlen(r->seen.p[i].reason) > 0);
        seen_file = seen_file || strcmp(r->seen.p[i].path, at("no-such-file")) == 0;
        seen_folder = seen_folder || strstr(r->seen.p[i].path, "no/such/folder") != NULL;
    }
    assert_true(seen_file);
    assert_true(seen_folder);
    free(r);
}

static void one_and_four_threads_agree(void **state)
{
    (void)state;
    const char *paths[] = {at("tree"), at("loop"), at("big"), at("zip")};
    struct assay_scan_options o;
    opts_threads(&o, 1);
    o.follow_symlinks = true;
    struct outcome *one = scan(&o, paths, 4);
    assert_int_equal(one->rc, ASSAY_OK);
    const char *want[] = {"tree/a/b/c/eicar.com", "tree/a/b/eicar-nl.txt", "tree/skipme/eicar.com",
                          "tree/link/eicar-out.com", "loop/sub/eicar.com", "big/eicar.com", "big/padded.bin",
                          "zip/x.zip!inner/eicar.com", "zip/y.zip", "zip/y.zip!inner/eicar.com"};
    const size_t nwant = sizeof want / sizeof want[0];
    expect_finding_paths(one, want, nwant);
    for (int round = 0; round < 5; round++) {
        o.threads = 4;
        struct outcome *four = scan(&o, paths, 4);
        assert_int_equal(four->rc, ASSAY_OK);
        expect_finding_paths(four, want, nwant);
        expect_counts(four, one->sum.files, one->sum.findings, one->sum.infected_files, one->sum.errors,
                      one->sum.skipped);
        assert_int_equal(four->sum.bytes, one->sum.bytes);
        free(four);
    }
    free(one);
}

static void zip_member_found(void **state)
{
    (void)state;
    char cwd[PATH_MAX];
    assert_non_null(getcwd(cwd, sizeof cwd));
    assert_int_equal(chdir(at("zip")), 0);
    struct assay_scan_options o;
    opts_threads(&o, 2);

    /* Deflated: only the member matches. Scanned: the zip and both members. */
    struct outcome *r = scan1(&o, "x.zip");
    assert_int_equal(r->rc, ASSAY_OK);
    expect_counts(r, 3, 1, 1, 0, 0);
    assert_string_equal(r->seen.f[0].path, "x.zip!inner/eicar.com");
    expect_eicar(&r->seen.f[0], 68, 0);
    free(r);

    /* Stored: the container's own bytes match too. */
    r = scan1(&o, "y.zip");
    expect_counts(r, 3, 2, 2, 0, 0);
    const char *want[] = {"y.zip", "y.zip!inner/eicar.com"};
    expect_finding_paths(r, want, 2);
    expect_eicar(finding_at(r, "y.zip!inner/eicar.com"), 68, 0);
    free(r);

    /* scan_archives off: the zip is one object, its members unseen. */
    o.scan_archives = false;
    r = scan1(&o, "x.zip");
    expect_counts(r, 1, 0, 0, 0, 0);
    free(r);

    assert_int_equal(chdir(cwd), 0);
}

static void scan_buffer(void **state)
{
    (void)state;
    struct assay_scan_options o;
    opts_threads(&o, 1);
    o.always_sha256 = true;
    struct seen *s = calloc(1, sizeof *s);
    assert_non_null(s);
    struct assay_scan_callbacks cb = {.finding = on_finding, .problem = on_problem, .user = s};
    struct assay_scan_summary sum;

    size_t len = 10 + EICAR_LEN + 4;
    char *buf = malloc(len);
    assert_non_null(buf);
    memcpy(buf, "0123456789", 10);
    memcpy(buf + 10, eicar, EICAR_LEN);
    memcpy(buf + 10 + EICAR_LEN, "tail", 4);
    assert_int_equal(assay_scan_buffer(default_db, "mem.bin", buf, len, &o, &cb, &sum), ASSAY_OK);
    assert_int_equal(s->nf, 1);
    assert_int_equal(s->np, 0);
    assert_string_equal(s->f[0].path, "mem.bin");
    expect_eicar(&s->f[0], len, 10);
    assert_int_equal(strlen(s->f[0].sha256), 64);
    assert_int_equal(sum.files, 1);
    assert_int_equal(sum.bytes, len);
    assert_int_equal(sum.findings, 1);
    assert_int_equal(sum.infected_files, 1);
    assert_int_equal(sum.errors, 0);
    assert_int_equal(sum.skipped, 0);
    free(buf);

    /* A clean buffer, an empty one, and NULL options and summary. */
    memset(s, 0, sizeof *s);
    assert_int_equal(assay_scan_buffer(default_db, "clean", clean_bin, sizeof clean_bin, &o, &cb, &sum), ASSAY_OK);
    assert_int_equal(sum.files, 1);
    assert_int_equal(sum.findings, 0);
    assert_int_equal(assay_scan_buffer(default_db, "empty", "", 0, NULL, &cb, NULL), ASSAY_OK);
    assert_int_equal(s->nf, 0);
    assert_int_equal(s->np, 0);

    /* A zip in memory: its member is named after the buffer. */
    FILE *fp = fopen(at("zip/x.zip"), "rb");
    assert_non_null(fp);
    uint8_t zip[4096];
    size_t zlen = fread(zip, 1, sizeof zip, fp);
    fclose(fp);
    assert_true(zlen > 0 && zlen < sizeof zip);
    assert_int_equal(assay_scan_buffer(default_db, "x.zip", zip, zlen, &o, &cb, &sum), ASSAY_OK);
    assert_int_equal(s->nf, 1);
    assert_string_equal(s->f[0].path, "x.zip!inner/eicar.com");
    assert_string_equal(s->f[0].sha256, eicar_sha256);
    assert_int_equal(sum.files, 3);
    free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(scan_before_finalize_is_einval),
        cmocka_unit_test(tree_default_options),
        cmocka_unit_test(sha256_when_asked),
        cmocka_unit_test(excludes_base_name_and_glob),
        cmocka_unit_test(symlink_to_folder_followed_on_request),
        cmocka_unit_test(named_symlink_is_followed),
        cmocka_unit_test(symlink_loop),
        cmocka_unit_test(fifo_never_opened),
        cmocka_unit_test(max_filesize),
        cmocka_unit_test(missing_path_reported_scan_goes_on),
        cmocka_unit_test(one_and_four_threads_agree),
        cmocka_unit_test(zip_member_found),
        cmocka_unit_test(scan_buffer),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
