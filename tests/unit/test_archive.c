/* test_archive.c — unit tests of lib/source/archive.c.
 *
 * Archives are built in memory with libarchive's write API so each test says
 * exactly what goes in; then arc_walk must give back the same names and bytes,
 * cut the limits with a message, and survive damage. The last test walks the
 * ClamAV test files (clamav-testfiles package) when they are installed and
 * looks for clam.exe by its SHA-256. */
#define _POSIX_C_SOURCE 200809L /* uselocale */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "source/archive.h"

/* ---- building archives -------------------------------------------------- */

struct test_member {
    const char *name;
    const void *data;
    size_t len;
    unsigned type; /* AE_IFREG, AE_IFDIR, AE_IFLNK */
};

struct built {
    uint8_t *data;
    size_t len;
};

typedef int (*set_format_fn)(struct archive *);
typedef int (*add_filter_fn)(struct archive *);

static struct built build_archive(set_format_fn format, add_filter_fn filter, const char *options,
                                  const struct test_member *m, size_t count, size_t out_cap)
{
    struct built b = {malloc(out_cap), 0};
    assert_non_null(b.data);
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(format(a), ARCHIVE_OK);
    if (filter)
        assert_int_equal(filter(a), ARCHIVE_OK);
    if (options)
        assert_int_equal(archive_write_set_options(a, options), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, b.data, out_cap, &b.len), ARCHIVE_OK);
    for (size_t i = 0; i < count; i++) {
        struct archive_entry *e = archive_entry_new();
        archive_entry_set_pathname(e, m[i].name);
        archive_entry_set_filetype(e, m[i].type ? m[i].type : AE_IFREG);
        archive_entry_set_perm(e, m[i].type == AE_IFDIR ? 0755 : 0644);
        archive_entry_set_mtime(e, 1700000000, 0);
        if (m[i].type == AE_IFLNK)
            archive_entry_set_symlink(e, "target");
        archive_entry_set_size(e, (m[i].type == 0 || m[i].type == AE_IFREG) ? (la_int64_t)m[i].len : 0);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        if (m[i].len && (m[i].type == 0 || m[i].type == AE_IFREG))
            assert_int_equal(archive_write_data(a, m[i].data, m[i].len), (la_ssize_t)m[i].len);
        archive_entry_free(e);
    }
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return b;
}

/* A bare compressed stream: libarchive's raw writer takes exactly one entry. */
static struct built build_compressed(add_filter_fn filter, const void *data, size_t len, size_t out_cap)
{
    struct test_member m = {"data", data, len, AE_IFREG};
    return build_archive(archive_write_set_format_raw, filter, NULL, &m, 1, out_cap);
}

/* ---- collecting members ------------------------------------------------- */

struct seen_member {
    char name[256];
    uint8_t *data;
    size_t len;
    int depth;
};

struct collector {
    struct seen_member m[64];
    size_t n;
    int depth;
    int stop_after;                 /* return 7 from the nth member, 0: never */
    const struct arc_limits *lim;   /* for recursion */
    struct arc_report nested;       /* report of the last nested walk */
};

static int collect(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    struct collector *c = ctx;
    if (c->n < sizeof(c->m) / sizeof(c->m[0])) {
        struct seen_member *s = &c->m[c->n++];
        snprintf(s->name, sizeof s->name, "%s", name);
        s->data = malloc(len ? len : 1);
        assert_non_null(s->data);
        if (len)
            memcpy(s->data, data, len);
        s->len = len;
        s->depth = c->depth;
    }
    if (c->stop_after && c->n == (size_t)c->stop_after)
        return 7;
    if (c->lim && c->depth < 3 && arc_detect(data, len)) {
        c->depth++;
        int r = arc_walk(data, len, name, c->lim, collect, c, &c->nested);
        c->depth--;
        return r;
    }
    return 0;
}

static void collector_free(struct collector *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->m[i].data);
    c->n = 0;
}

static const struct seen_member *find_member(const struct collector *c, const char *name)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->m[i].name, name) == 0)
            return &c->m[i];
    return NULL;
}

static void assert_member(const struct collector *c, const char *name, const void *data, size_t len)
{
    const struct seen_member *s = find_member(c, name);
    if (!s)
        fail_msg("member '%s' not delivered", name);
    assert_int_equal(s->len, len);
    if (len)
        assert_memory_equal(s->data, data, len);
}

static const struct arc_limits generous = {
    .max_files = 1000,
    .max_member_size = 64u << 20,
    .max_total = 256u << 20,
    .max_ratio = 0,
};

static const char text_a[] = "hello from member a\n";
static const char text_b[] = "inner text in a directory\n";

static void fill_pattern(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

/* The three-member layout most format tests use: a file, a directory, a file
 * in the directory, and a symlink that must be skipped. */
static const struct test_member basic_members[] = {
    {"a.txt", text_a, sizeof text_a - 1, AE_IFREG},
    {"dir/", NULL, 0, AE_IFDIR},
    {"dir/inner.txt", text_b, sizeof text_b - 1, AE_IFREG},
    {"link", NULL, 0, AE_IFLNK},
};

static void check_basic_walk(struct built b, const char *outer)
{
    assert_true(arc_detect(b.data, b.len));
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len, outer, &generous, collect, &c, &r), 0);
    if (r.error || r.limit_hit)
        fail_msg("%s: unexpected report: %s", outer, r.message);
    assert_int_equal(c.n, 2);
    assert_int_equal(r.members, 2);
    assert_int_equal(r.bytes, sizeof text_a - 1 + sizeof text_b - 1);
    assert_member(&c, "a.txt", text_a, sizeof text_a - 1);
    assert_member(&c, "dir/inner.txt", text_b, sizeof text_b - 1);
    collector_free(&c);
    free(b.data);
}

/* ---- formats ------------------------------------------------------------ */

static void test_zip(void **state)
{
    (void)state;
    check_basic_walk(build_archive(archive_write_set_format_zip, NULL, NULL, basic_members, 4, 1 << 16),
                     "t.zip");
}

static void test_tar_gz(void **state)
{
    (void)state;
    check_basic_walk(build_archive(archive_write_set_format_pax_restricted,
                                   archive_write_add_filter_gzip, NULL, basic_members, 4, 1 << 16),
                     "t.tar.gz");
}

static void test_ustar_plain(void **state)
{
    (void)state;
    check_basic_walk(build_archive(archive_write_set_format_ustar, NULL, NULL, basic_members, 4, 1 << 16),
                     "t.tar");
}

static void test_7z(void **state)
{
    (void)state;
    check_basic_walk(build_archive(archive_write_set_format_7zip, NULL, NULL, basic_members, 4, 1 << 16),
                     "t.7z");
}

static void test_cpio_newc(void **state)
{
    (void)state;
    check_basic_walk(build_archive(archive_write_set_format_cpio_newc, NULL, NULL, basic_members, 4,
                                   1 << 16),
                     "t.cpio");
}

static void test_cpio_odc_xz(void **state)
{
    (void)state;
    check_basic_walk(build_archive(archive_write_set_format_cpio_odc, archive_write_add_filter_xz, NULL,
                                   basic_members, 4, 1 << 16),
                     "t.cpio.xz");
}

static void test_ar(void **state)
{
    (void)state;
    /* ar has no directories: flat names only. */
    static const struct test_member m[] = {
        {"a.txt", text_a, sizeof text_a - 1, AE_IFREG},
        {"b.txt", text_b, sizeof text_b - 1, AE_IFREG},
    };
    struct built b = build_archive(archive_write_set_format_ar_bsd, NULL, NULL, m, 2, 1 << 16);
    assert_true(arc_detect(b.data, b.len));
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len, "t.a", &generous, collect, &c, &r), 0);
    assert_false(r.error);
    assert_member(&c, "a.txt", text_a, sizeof text_a - 1);
    assert_member(&c, "b.txt", text_b, sizeof text_b - 1);
    collector_free(&c);
    free(b.data);
}

static void test_bare_compressed(void **state)
{
    (void)state;
    static const struct {
        add_filter_fn filter;
        const char *outer;
        const char *member;
    } cases[] = {
        {archive_write_add_filter_gzip, "clam.exe.gz", "clam.exe"},
        {archive_write_add_filter_bzip2, "dir/clam.exe.bz2", "clam.exe"},
        {archive_write_add_filter_xz, "x.xz", "x"},
        {archive_write_add_filter_lzma, "x.lzma", "x"},
        {archive_write_add_filter_zstd, "x.ZST", "x"},
        {archive_write_add_filter_lz4, "x.lz4", "x"},
        {archive_write_add_filter_compress, "x.Z", "x"},
        {archive_write_add_filter_gzip, "noext", "noext"},
        {archive_write_add_filter_gzip, NULL, "data"},
    };
    uint8_t payload[5000];
    fill_pattern(payload, sizeof payload, 42);
    memcpy(payload, "MZ", 2);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct built b = build_compressed(cases[i].filter, payload, sizeof payload, 1 << 16);
        assert_true(arc_detect(b.data, b.len));
        struct collector c = {0};
        struct arc_report r;
        assert_int_equal(arc_walk(b.data, b.len, cases[i].outer, &generous, collect, &c, &r), 0);
        if (r.error || c.n != 1)
            fail_msg("%s: %zu members, %s", cases[i].outer ? cases[i].outer : "(null)", c.n, r.message);
        assert_member(&c, cases[i].member, payload, sizeof payload);
        collector_free(&c);
        free(b.data);
    }
}

/* A compressed empty file is one empty member, not "no archive". */
static void test_bare_compressed_empty(void **state)
{
    (void)state;
    struct built b = build_compressed(archive_write_add_filter_gzip, "", 0, 1 << 12);
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len, "e.gz", &generous, collect, &c, &r), 0);
    assert_false(r.error);
    assert_int_equal(c.n, 1);
    assert_member(&c, "e", "", 0);
    collector_free(&c);
    free(b.data);
}

/* Decompressed data that merely starts with an archive magic (here binary
 * cpio's two bytes) is still delivered, whole, as the stream's one member. */
static void test_bare_compressed_false_magic(void **state)
{
    (void)state;
    uint8_t payload[3000];
    fill_pattern(payload, sizeof payload, 77);
    payload[0] = 0xc7;
    payload[1] = 0x71;
    payload[2] = 0xff;
    struct built b = build_compressed(archive_write_add_filter_gzip, payload, sizeof payload, 1 << 14);
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len, "odd.bin.gz", &generous, collect, &c, &r), 0);
    assert_false(r.error);
    assert_int_equal(c.n, 1);
    assert_member(&c, "odd.bin", payload, sizeof payload);
    collector_free(&c);
    free(b.data);
}

static void test_nested_zip_in_tar_gz(void **state)
{
    (void)state;
    struct built inner = build_archive(archive_write_set_format_zip, NULL, NULL, basic_members, 4, 1 << 16);
    const struct test_member outer_m[] = {
        {"top.txt", text_a, sizeof text_a - 1, AE_IFREG},
        {"pkg/inner.zip", inner.data, inner.len, AE_IFREG},
    };
    struct built outer = build_archive(archive_write_set_format_pax_restricted,
                                       archive_write_add_filter_gzip, NULL, outer_m, 2, 1 << 17);
    struct collector c = {.lim = &generous};
    struct arc_report r;
    assert_int_equal(arc_walk(outer.data, outer.len, "o.tgz", &generous, collect, &c, &r), 0);
    assert_false(r.error);
    assert_int_equal(r.members, 2);
    assert_int_equal(c.n, 4);
    assert_member(&c, "top.txt", text_a, sizeof text_a - 1);
    assert_member(&c, "pkg/inner.zip", inner.data, inner.len);
    assert_member(&c, "dir/inner.txt", text_b, sizeof text_b - 1);
    assert_int_equal(find_member(&c, "dir/inner.txt")->depth, 1);
    assert_false(c.nested.error);
    collector_free(&c);
    free(inner.data);
    free(outer.data);
}

/* A UTF-8 name must come out byte for byte even in the "C" locale, where
 * libarchive cannot convert it; and the caller's locale must be untouched. */
static void test_utf8_names(void **state)
{
    (void)state;
    static const char name[] = "dir/\xc3\xbc\xe2\x82\xac.txt"; /* dir/ü€.txt */
    const struct test_member m[] = {{name, text_a, sizeof text_a - 1, AE_IFREG}};
    set_format_fn formats[] = {archive_write_set_format_zip, archive_write_set_format_7zip,
                               archive_write_set_format_pax};
    locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
    if (!utf8)
        skip();
    for (size_t i = 0; i < sizeof formats / sizeof formats[0]; i++) {
        locale_t before = uselocale(utf8); /* the writers need it to store UTF-8 */
        struct built b = build_archive(formats[i], NULL, NULL, m, 1, 1 << 16);
        uselocale(before);
        struct collector c = {0};
        struct arc_report r;
        assert_int_equal(arc_walk(b.data, b.len, "u", &generous, collect, &c, &r), 0);
        assert_false(r.error);
        assert_member(&c, name, text_a, sizeof text_a - 1);
        assert_true(uselocale((locale_t)0) == before);
        collector_free(&c);
        free(b.data);
    }
    freelocale(utf8);
}

/* ---- damage ------------------------------------------------------------- */

static void test_truncated_zip(void **state)
{
    (void)state;
    enum { N = 4, SZ = 4000 };
    static uint8_t payload[N][SZ];
    struct test_member m[N];
    char names[N][16];
    for (int i = 0; i < N; i++) {
        fill_pattern(payload[i], SZ, (uint32_t)i + 1);
        snprintf(names[i], sizeof names[i], "m%d.bin", i);
        m[i] = (struct test_member){names[i], payload[i], SZ, AE_IFREG};
    }
    struct built b = build_archive(archive_write_set_format_zip, NULL, "zip:compression=store", m, N,
                                   1 << 16);
    /* Every cut point: never crash, never deliver wrong bytes. */
    for (size_t cut = 0; cut < b.len; cut += 97) {
        struct collector c = {0};
        struct arc_report r;
        assert_int_equal(arc_walk(b.data, cut, "t.zip", &generous, collect, &c, &r), 0);
        for (size_t i = 0; i < c.n; i++) {
            int k = c.m[i].name[1] - '0';
            assert_true(k >= 0 && k < N);
            assert_true(c.m[i].len <= SZ);
            if (c.m[i].len)
                assert_memory_equal(c.m[i].data, payload[k], c.m[i].len);
        }
        /* A cut inside the central directory loses nothing the streaming
         * reader needs; any other cut must be reported. */
        size_t whole = 0;
        for (size_t i = 0; i < c.n; i++)
            whole += c.m[i].len == SZ;
        /* So few bytes that no reader recognises a zip: "not an archive". */
        if (whole < N && !r.error && !r.not_archive)
            fail_msg("cut %zu of %zu: %zu whole members, no error", cut, b.len, whole);
        collector_free(&c);
    }
    /* Cut in the third member: the first two come out whole. */
    size_t cut = 30 + 6 + SZ + 30 + 6 + SZ + 30 + 6 + SZ / 2;
    struct collector c = {0};
    struct arc_report r;
    arc_walk(b.data, cut, "t.zip", &generous, collect, &c, &r);
    assert_true(r.error);
    assert_true(strlen(r.message) > 0);
    assert_member(&c, "m0.bin", payload[0], SZ);
    assert_member(&c, "m1.bin", payload[1], SZ);
    collector_free(&c);
    free(b.data);
}

static void test_truncated_tar_gz(void **state)
{
    (void)state;
    static uint8_t big[200000];
    fill_pattern(big, sizeof big, 9);
    const struct test_member m[] = {
        {"first.txt", text_a, sizeof text_a - 1, AE_IFREG},
        {"big.bin", big, sizeof big, AE_IFREG},
    };
    struct built b = build_archive(archive_write_set_format_pax_restricted,
                                   archive_write_add_filter_gzip, NULL, m, 2, 1 << 19);
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len / 2, "t.tgz", &generous, collect, &c, &r), 0);
    assert_true(r.error);
    assert_member(&c, "first.txt", text_a, sizeof text_a - 1);
    const struct seen_member *s = find_member(&c, "big.bin");
    if (s) { /* the readable part of a damaged member still goes out */
        assert_true(s->len < sizeof big);
        assert_memory_equal(s->data, big, s->len);
    }
    collector_free(&c);
    free(b.data);
}

static void test_truncated_bare_gzip(void **state)
{
    (void)state;
    static uint8_t payload[300000];
    fill_pattern(payload, sizeof payload, 21);
    struct built b = build_compressed(archive_write_add_filter_gzip, payload, sizeof payload, 1 << 20);
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len / 2, "p.gz", &generous, collect, &c, &r), 0);
    assert_true(r.error);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.m[0].name, "p");
    assert_true(c.m[0].len > 0 && c.m[0].len < sizeof payload);
    assert_memory_equal(c.m[0].data, payload, c.m[0].len);
    collector_free(&c);
    free(b.data);
}

static void test_not_archive(void **state)
{
    (void)state;
    static const char text[] = "This is just some text, not an archive at all.\n";
    assert_false(arc_detect((const uint8_t *)text, sizeof text - 1));
    assert_false(arc_detect(NULL, 0));
    assert_false(arc_detect((const uint8_t *)"", 0));
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk((const uint8_t *)text, sizeof text - 1, "t.txt", &generous, collect, &c, &r),
                     0);
    assert_int_equal(c.n, 0);
    assert_int_equal(r.members, 0);
    /* Not damage: the data simply is not an archive (see arc_report.not_archive). */
    assert_false(r.error);
    assert_true(r.not_archive);
    assert_true(strlen(r.message) > 0);
    assert_int_equal(arc_walk((const uint8_t *)"", 0, "e", &generous, collect, &c, &r), 0);
    assert_int_equal(c.n, 0);
    /* Corrupt gzip: header right, body garbage. */
    uint8_t bad[64] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
    fill_pattern(bad + 10, sizeof bad - 10, 5);
    assert_true(arc_detect(bad, sizeof bad));
    arc_walk(bad, sizeof bad, "bad.gz", &generous, collect, &c, &r);
    assert_true(r.error);
    collector_free(&c);
}

static void test_detect_magics(void **state)
{
    (void)state;
    static uint8_t iso[0x9010];
    memset(iso, 0, sizeof iso);
    memcpy(iso + 0x8001, "CD001", 5);
    assert_true(arc_detect(iso, sizeof iso));
    assert_false(arc_detect(iso, 0x8004));
    static const char *const heads[] = {"PK\5\6", "Rar!\x1a\x07\x00", "070707", "\xc7\x71",
                                        "\x71\xc7", "MSCF\0\0\0\0", "!<arch>\n", "xar!",
                                        "BZh9", "\x28\xb5\x2f\xfd", "\x1f\x9d\x90"};
    static const size_t lens[] = {4, 7, 6, 2, 2, 8, 8, 4, 4, 4, 3};
    for (size_t i = 0; i < sizeof heads / sizeof heads[0]; i++)
        assert_true(arc_detect((const uint8_t *)heads[i], lens[i]));
    assert_false(arc_detect((const uint8_t *)"BZh0", 4));
    assert_false(arc_detect((const uint8_t *)"MZ\x90", 3));
    /* v7 tar: no ustar magic, only a checksum. */
    struct built b = build_archive(archive_write_set_format_v7tar, NULL, NULL, basic_members, 3, 1 << 14);
    assert_true(arc_detect(b.data, b.len));
    b.data[0] ^= 1; /* checksum now wrong */
    assert_false(arc_detect(b.data, b.len));
    free(b.data);
}

static void test_callback_stops_walk(void **state)
{
    (void)state;
    struct built b = build_archive(archive_write_set_format_zip, NULL, NULL, basic_members, 4, 1 << 16);
    struct collector c = {.stop_after = 1};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len, "t.zip", &generous, collect, &c, &r), 7);
    assert_int_equal(c.n, 1);
    collector_free(&c);
    free(b.data);
}

static void test_encrypted_member(void **state)
{
    (void)state;
    uint8_t out[1 << 14];
    size_t used = 0;
    struct archive *a = archive_write_new();
    archive_write_set_format_zip(a);
    if (archive_write_set_options(a, "zip:encryption=zipcrypt") != ARCHIVE_OK) {
        archive_write_free(a);
        skip(); /* libarchive built without encryption support */
    }
    archive_write_set_passphrase(a, "secret");
    assert_int_equal(archive_write_open_memory(a, out, sizeof out, &used), ARCHIVE_OK);
    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "secret.txt");
    archive_entry_set_filetype(e, AE_IFREG);
    archive_entry_set_perm(e, 0644);
    archive_entry_set_size(e, sizeof text_a - 1);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    archive_write_data(a, text_a, sizeof text_a - 1);
    archive_entry_free(e);
    archive_write_close(a);
    archive_write_free(a);

    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(out, used, "enc.zip", &generous, collect, &c, &r), 0);
    assert_int_equal(c.n, 0);
    assert_true(r.error);
    assert_non_null(strstr(r.message, "encrypted member 'secret.txt'"));
}

/* ---- limits ------------------------------------------------------------- */

static void test_limit_files(void **state)
{
    (void)state;
    struct test_member m[10];
    char names[10][16];
    for (int i = 0; i < 10; i++) {
        snprintf(names[i], sizeof names[i], "f%d", i);
        m[i] = (struct test_member){names[i], text_a, sizeof text_a - 1, AE_IFREG};
    }
    struct built b = build_archive(archive_write_set_format_zip, NULL, NULL, m, 10, 1 << 16);
    struct arc_limits lim = generous;
    lim.max_files = 3;
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len, "t.zip", &lim, collect, &c, &r), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(r.members, 3);
    assert_true(r.limit_hit);
    assert_false(r.error);
    assert_non_null(strstr(r.message, "archive member limit (3) reached"));
    collector_free(&c);

    /* Exactly max_files members is not a limit hit. */
    lim.max_files = 10;
    assert_int_equal(arc_walk(b.data, b.len, "t.zip", &lim, collect, &c, &r), 0);
    assert_int_equal(c.n, 10);
    assert_false(r.limit_hit);
    collector_free(&c);
    free(b.data);
}

static void test_limit_member_size(void **state)
{
    (void)state;
    static uint8_t big[100000];
    fill_pattern(big, sizeof big, 3);
    const struct test_member m[] = {
        {"big.bin", big, sizeof big, AE_IFREG},
        {"small.txt", text_a, sizeof text_a - 1, AE_IFREG},
    };
    struct arc_limits lim = generous;
    lim.max_member_size = 1000;
    /* zip skips the rest cheaply, tar.gz decompresses it away: both go on. */
    struct built archives[] = {
        build_archive(archive_write_set_format_zip, NULL, NULL, m, 2, 1 << 18),
        build_archive(archive_write_set_format_pax_restricted, archive_write_add_filter_gzip, NULL, m, 2,
                      1 << 18),
        build_archive(archive_write_set_format_7zip, NULL, NULL, m, 2, 1 << 18),
    };
    for (size_t i = 0; i < sizeof archives / sizeof archives[0]; i++) {
        struct collector c = {0};
        struct arc_report r;
        assert_int_equal(arc_walk(archives[i].data, archives[i].len, "t", &lim, collect, &c, &r), 0);
        assert_true(r.limit_hit);
        assert_false(r.error);
        assert_non_null(strstr(r.message, "'big.bin'"));
        assert_non_null(strstr(r.message, "size limit (1000 bytes)"));
        assert_member(&c, "big.bin", big, 1000); /* the prefix goes out */
        assert_member(&c, "small.txt", text_a, sizeof text_a - 1);
        collector_free(&c);
        free(archives[i].data);
    }
}

static void test_limit_total(void **state)
{
    (void)state;
    static uint8_t blob[3000];
    fill_pattern(blob, sizeof blob, 11);
    const struct test_member m[] = {
        {"one", blob, sizeof blob, AE_IFREG},
        {"two", blob, sizeof blob, AE_IFREG},
        {"three", blob, sizeof blob, AE_IFREG},
    };
    struct built b = build_archive(archive_write_set_format_zip, NULL, NULL, m, 3, 1 << 16);
    struct arc_limits lim = generous;
    lim.max_total = 5000;
    struct collector c = {0};
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len, "t.zip", &lim, collect, &c, &r), 0);
    assert_true(r.limit_hit);
    assert_non_null(strstr(r.message, "total size limit (5000 bytes)"));
    assert_non_null(strstr(r.message, "'two'"));
    assert_int_equal(r.bytes, 5000);
    assert_member(&c, "one", blob, sizeof blob);
    assert_member(&c, "two", blob, 2000);
    assert_null(find_member(&c, "three"));
    collector_free(&c);
    free(b.data);
}

/* A highly compressible member: 256 MiB of zeros. The walk must stop at the
 * ratio cap after reading only that much, never the whole member. */
static void test_ratio_bomb(void **state)
{
    (void)state;
    enum { BOMB = 256 << 20 };
    uint8_t *zeros = calloc(1, BOMB);
    assert_non_null(zeros);
    const struct test_member m[] = {
        {"bomb.bin", zeros, BOMB, AE_IFREG},
        {"after.txt", text_a, sizeof text_a - 1, AE_IFREG},
    };
    struct built zip = build_archive(archive_write_set_format_zip, NULL, NULL, m, 2, 4 << 20);
    struct built tgz = build_archive(archive_write_set_format_pax_restricted,
                                     archive_write_add_filter_gzip, NULL, m, 2, 4 << 20);
    struct built bz2 = build_compressed(archive_write_add_filter_bzip2, zeros, BOMB, 4 << 20);
    free(zeros);

    struct arc_limits lim = {.max_files = 100, .max_member_size = 1u << 30, .max_total = 1u << 30,
                             .max_ratio = 100};
    struct collector c = {0};
    struct arc_report r;

    /* zip: the bomb is cut at 100x the archive size, the next member still comes. */
    assert_int_equal(arc_walk(zip.data, zip.len, "bomb.zip", &lim, collect, &c, &r), 0);
    assert_true(r.limit_hit);
    assert_non_null(strstr(r.message, "'bomb.bin'"));
    assert_non_null(strstr(r.message, "ratio limit 100"));
    const struct seen_member *s = find_member(&c, "bomb.bin");
    assert_non_null(s);
    assert_int_equal(s->len, 100 * zip.len);
    assert_member(&c, "after.txt", text_a, sizeof text_a - 1);
    collector_free(&c);

    /* tar.gz: skipping would mean inflating the bomb, so the walk stops. */
    assert_int_equal(arc_walk(tgz.data, tgz.len, "bomb.tgz", &lim, collect, &c, &r), 0);
    assert_true(r.limit_hit);
    assert_non_null(strstr(r.message, "'bomb.bin'"));
    assert_non_null(strstr(r.message, "rest of the archive not extracted"));
    assert_int_equal(c.n, 1);
    assert_int_equal(c.m[0].len, 100 * tgz.len);
    collector_free(&c);

    /* bare bzip2 (ratio in the millions) */
    assert_int_equal(arc_walk(bz2.data, bz2.len, "zeros.bz2", &lim, collect, &c, &r), 0);
    assert_true(r.limit_hit);
    assert_non_null(strstr(r.message, "'zeros'"));
    assert_int_equal(c.n, 1);
    assert_int_equal(c.m[0].len, 100 * bz2.len);
    collector_free(&c);

    /* Member size limit well under the ratio: cut there, and the decompression
     * needed to skip the rest in tar.gz is itself bounded by the ratio cap. */
    lim.max_ratio = 1000;
    lim.max_member_size = 1 << 20;
    assert_int_equal(arc_walk(tgz.data, tgz.len, "bomb.tgz", &lim, collect, &c, &r), 0);
    assert_true(r.limit_hit);
    assert_int_equal(c.m[0].len, 1 << 20);
    assert_non_null(strstr(r.message, "size limit"));
    collector_free(&c);

    free(zip.data);
    free(tgz.data);
    free(bz2.data);
}

/* Callers from several threads are covered by design (no shared state); the
 * recursion case is: a callback walking the same buffer again. */
static int walk_again(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    (void)name;
    (void)data;
    (void)len;
    const struct built *b = ctx;
    struct collector c = {0};
    struct arc_report r;
    int rc = arc_walk(b->data, b->len, "again.zip", &generous, collect, &c, &r);
    assert_int_equal(c.n, 2);
    collector_free(&c);
    return rc;
}

static void test_reentrant(void **state)
{
    (void)state;
    struct built b = build_archive(archive_write_set_format_zip, NULL, NULL, basic_members, 4, 1 << 16);
    struct arc_report r;
    assert_int_equal(arc_walk(b.data, b.len, "t.zip", &generous, walk_again, &b, &r), 0);
    assert_int_equal(r.members, 2);
    free(b.data);
}

/* ---- ClamAV test files --------------------------------------------------- */

#define TESTFILES "/usr/share/clamav-testfiles/"

static const char clam_exe_sha256[] =
    "71e7b604d18aefd839e51a39c88df8383bb4c071dc31f87f00a2b5df580d4495";

struct clam_search {
    bool found;
    int depth;
    unsigned members;
    char errors[512];
};

static void sha256_hex(const uint8_t *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    assert_int_equal(EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL), 1);
    for (unsigned i = 0; i < mdlen; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

static const struct arc_limits clam_limits = {
    .max_files = 1000, .max_member_size = 16u << 20, .max_total = 64u << 20, .max_ratio = 1000};

static int find_clam(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    struct clam_search *s = ctx;
    char hex[65];
    s->members++;
    sha256_hex(data, len, hex);
    if (strcmp(hex, clam_exe_sha256) == 0)
        s->found = true;
    if (s->depth < 16 && arc_detect(data, len)) {
        struct arc_report r;
        s->depth++;
        arc_walk(data, len, name, &clam_limits, find_clam, s, &r);
        s->depth--;
        if (r.error || r.limit_hit) {
            size_t used = strlen(s->errors);
            snprintf(s->errors + used, sizeof s->errors - used, "[%s: %s] ", name, r.message);
        }
    }
    return 0;
}

static uint8_t *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    uint8_t *data = NULL;
    size_t cap = 0;
    *len = 0;
    for (;;) {
        if (*len == cap) {
            cap = cap ? cap * 2 : 1 << 16;
            uint8_t *p = realloc(data, cap);
            assert_non_null(p);
            data = p;
        }
        size_t n = fread(data + *len, 1, cap - *len, f);
        if (n == 0)
            break;
        *len += n;
    }
    fclose(f);
    return data;
}

static void test_clamav_testfiles(void **state)
{
    (void)state;
    /* expect_open: libarchive 3.6.2 reads it; the others are listed so the
     * report shows why they fail (and the test notices if that changes). */
    static const struct {
        const char *file;
        bool expect_open;
    } files[] = {
        {"clam.zip", true},           {"clam.7z", true},
        {"clam.tar.gz", true},        {"clam.exe.bz2", true},
        {"clam.bz2.zip", true},       {"clam.newc.cpio", true},
        {"clam.odc.cpio", true},      {"clam.bin-be.cpio", true},
        {"clam.bin-le.cpio", true},   {"clam.cab", true},
        {"clam_cache_emax.tgz", true}, {"clam.d64.zip", false},
        {"clam.impl.zip", false},
    };
    FILE *probe = fopen(TESTFILES "clam.exe", "rb");
    if (!probe) {
        print_message("skipping: " TESTFILES " not installed\n");
        skip();
    }
    fclose(probe);
    int unexpected = 0;
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char path[256];
        snprintf(path, sizeof path, TESTFILES "%s", files[i].file);
        size_t len;
        uint8_t *data = read_file(path, &len);
        if (!data) {
            print_message("%-22s missing\n", files[i].file);
            continue;
        }
        struct clam_search s = {0};
        struct arc_report r;
        bool detected = arc_detect(data, len);
        arc_walk(data, len, files[i].file, &clam_limits, find_clam, &s, &r);
        print_message("%-22s detect=%d members=%u clam.exe=%s%s%s %s\n", files[i].file, detected,
                      s.members, s.found ? "found" : "NOT FOUND", r.error || r.limit_hit ? " | " : "",
                      r.error || r.limit_hit ? r.message : "", s.errors);
        if (s.found != files[i].expect_open || (files[i].expect_open && !detected))
            unexpected++;
        free(data);
    }
    assert_int_equal(unexpected, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zip),
        cmocka_unit_test(test_tar_gz),
        cmocka_unit_test(test_ustar_plain),
        cmocka_unit_test(test_7z),
        cmocka_unit_test(test_cpio_newc),
        cmocka_unit_test(test_cpio_odc_xz),
        cmocka_unit_test(test_ar),
        cmocka_unit_test(test_bare_compressed),
        cmocka_unit_test(test_bare_compressed_empty),
        cmocka_unit_test(test_bare_compressed_false_magic),
        cmocka_unit_test(test_nested_zip_in_tar_gz),
        cmocka_unit_test(test_utf8_names),
        cmocka_unit_test(test_truncated_zip),
        cmocka_unit_test(test_truncated_tar_gz),
        cmocka_unit_test(test_truncated_bare_gzip),
        cmocka_unit_test(test_not_archive),
        cmocka_unit_test(test_detect_magics),
        cmocka_unit_test(test_callback_stops_walk),
        cmocka_unit_test(test_encrypted_member),
        cmocka_unit_test(test_limit_files),
        cmocka_unit_test(test_limit_member_size),
        cmocka_unit_test(test_limit_total),
        cmocka_unit_test(test_ratio_bomb),
        cmocka_unit_test(test_reentrant),
        cmocka_unit_test(test_clamav_testfiles),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
