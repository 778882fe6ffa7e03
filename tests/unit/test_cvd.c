/* test_cvd.c — unit tests for the ClamAV .cvd/.cld reader (lib/sig/clam_cvd.c).
 *
 * Containers are built in memory: a tar (gzip-compressed or plain) made with
 * libarchive's write API behind a space-padded 512-byte header whose MD5 field
 * is right, wrong or "X". Each failure must come back as its own error code
 * with a message that names the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <cmocka.h>
#include <openssl/evp.h>

#include "assay.h"
#include "sig/clam_cvd.h"

#define CVD_PATH "db/daily.cvd"
#define CLD_PATH "db/daily.cld"

struct member_spec {
    const char *name;
    const char *text;
};

static const struct member_spec DB_MEMBERS[] = {
    {"COPYING", "AUTHOR: Cisco-Talos\nThis database is free to use.\n"},
    {"main.info", "ClamAV-VDB:16 Sep 2021 08-32 -0400:62:6647427:90:X:X:raynman:1631795546\n"},
    {"main.hdb", "44d88612fea8a8f36de82e1278abb02f:68:Eicar-Test-Signature\n"},
    {"main.ndb", "Eicar-Test-Body:0:*:58354f2150254041505b345c505a58353428505e2937434329377d\n"},
    {"empty.fp", ""},
};
#define DB_MEMBER_COUNT (sizeof DB_MEMBERS / sizeof *DB_MEMBERS)

/* ---------------------------------------------------------------------------
 * Building containers
 * ------------------------------------------------------------------------- */

struct blob {
    uint8_t *data;
    size_t len;
};

/* A tar of `members` (plus a directory entry, which must be skipped). */
static struct blob make_tar(const struct member_spec *members, size_t count, int gzip)
{
    size_t cap = 1 << 20, used = 0;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    struct archive *a = archive_write_new();
    assert_non_null(a);
    assert_int_equal(archive_write_set_format_ustar(a), ARCHIVE_OK);
    assert_int_equal(gzip ? archive_write_add_filter_gzip(a) : archive_write_add_filter_none(a), ARCHIVE_OK);
    assert_int_equal(archive_write_open_memory(a, buf, cap, &used), ARCHIVE_OK);

    struct archive_entry *e = archive_entry_new();
    archive_entry_set_pathname(e, "subdir/");
    archive_entry_set_filetype(e, AE_IFDIR);
    archive_entry_set_perm(e, 0755);
    assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
    for (size_t i = 0; i < count; i++) {
        size_t n = strlen(members[i].text);
        archive_entry_clear(e);
        archive_entry_set_pathname(e, members[i].name);
        archive_entry_set_filetype(e, AE_IFREG);
        archive_entry_set_perm(e, 0644);
        archive_entry_set_size(e, (la_int64_t)n);
        assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
        assert_int_equal(archive_write_data(a, members[i].text, n), (la_ssize_t)n);
    }
    archive_entry_free(e);
    assert_int_equal(archive_write_close(a), ARCHIVE_OK);
    archive_write_free(a);
    return (struct blob){buf, used};
}

static void md5_hex(const uint8_t *data, size_t len, char out[33])
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    assert_int_equal(EVP_Digest(data, len, d, &n, EVP_md5(), NULL), 1);
    for (unsigned i = 0; i < 16; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
}

/* Header + body; `md5` NULL means "the body's own MD5". */
static struct blob make_container(const struct blob *body, const char *md5)
{
    char right[33];
    md5_hex(body->data, body->len, right);
    char header[513];
    int n = snprintf(header, sizeof header,
                     "ClamAV-VDB:16 Sep 2021 08-32 -0400:62:6647427:90:%s:"
                     "ABCdsigDEF+/0123:raynman:1631795546",
                     md5 ? md5 : right);
    assert_true(n > 0 && n < 512);
    memset(header + n, ' ', 512 - (size_t)n);
    struct blob out = {malloc(512 + body->len), 512 + body->len};
    assert_non_null(out.data);
    memcpy(out.data, header, 512);
    memcpy(out.data + 512, body->data, body->len);
    return out;
}

static struct blob make_raw_header(const char *text, size_t total)
{
    struct blob out = {malloc(total), total};
    assert_non_null(out.data);
    memset(out.data, ' ', total);
    memcpy(out.data, text, strlen(text));
    return out;
}

/* ---------------------------------------------------------------------------
 * Collecting members
 * ------------------------------------------------------------------------- */

struct seen {
    size_t count;
    char names[16][64];
    char texts[16][256];
    int stop_at;   /* return an error from this call on (-1: never) */
};

static int collect_member(void *ctx, const char *name, const uint8_t *data, size_t len)
{
    struct seen *s = ctx;
    assert_non_null(data);
    if (s->stop_at >= 0 && (int)s->count == s->stop_at)
        return ASSAY_EINVAL;
    assert_true(s->count < 16 && len < 256);
    snprintf(s->names[s->count], 64, "%s", name);
    memcpy(s->texts[s->count], data, len);
    s->texts[s->count][len] = '\0';
    s->count++;
    return 0;
}

static void assert_all_members(const struct seen *s)
{
    assert_int_equal(s->count, DB_MEMBER_COUNT);
    for (size_t i = 0; i < DB_MEMBER_COUNT; i++) {
        assert_string_equal(s->names[i], DB_MEMBERS[i].name);
        assert_string_equal(s->texts[i], DB_MEMBERS[i].text);
    }
}

static void assert_error(int rc, int code, const char *a, const char *b)
{
    assert_int_equal(rc, code);
    const char *msg = assay_last_error();
    if (!strstr(msg, a) || (b && !strstr(msg, b)))
        fail_msg("message \"%s\" lacks \"%s\" or \"%s\"", msg, a, b ? b : "");
}

static void free_blobs(struct blob *a, struct blob *b)
{
    free(a->data);
    free(b->data);
}

/* ---------------------------------------------------------------------------
 * Tests
 * ------------------------------------------------------------------------- */

static void test_header_fields(void **state)
{
    (void)state;
    struct blob body = make_tar(DB_MEMBERS, DB_MEMBER_COUNT, 1);
    struct blob cvd = make_container(&body, "44D88612FEA8A8F36DE82E1278ABB02F");
    struct clam_cvd_header h;
    assert_int_equal(clam_cvd_header_parse(CVD_PATH, cvd.data, cvd.len, &h), ASSAY_OK);
    assert_string_equal(h.build_time, "16 Sep 2021 08-32 -0400");
    assert_int_equal(h.version, 62);
    assert_int_equal(h.signatures, 6647427);
    assert_int_equal(h.flevel, 90);
    assert_string_equal(h.md5, "44d88612fea8a8f36de82e1278abb02f");
    assert_string_equal(h.builder, "raynman");
    free_blobs(&body, &cvd);
}

static void test_cvd_gzip_members(void **state)
{
    (void)state;
    struct blob body = make_tar(DB_MEMBERS, DB_MEMBER_COUNT, 1);
    assert_true(body.data[0] == 0x1f && body.data[1] == 0x8b);
    struct blob cvd = make_container(&body, NULL);
    struct seen s = {.stop_at = -1};
    assert_int_equal(clam_cvd_walk(CVD_PATH, cvd.data, cvd.len, collect_member, &s), ASSAY_OK);
    assert_all_members(&s);
    free_blobs(&body, &cvd);
}

static void test_cld_plain_tar(void **state)
{
    (void)state;
    struct blob body = make_tar(DB_MEMBERS, DB_MEMBER_COUNT, 0);
    assert_memory_equal(body.data + 257, "ustar", 5);
    struct blob cld = make_container(&body, "X");
    struct clam_cvd_header h;
    assert_int_equal(clam_cvd_header_parse(CLD_PATH, cld.data, cld.len, &h), ASSAY_OK);
    assert_string_equal(h.md5, "");
    struct seen s = {.stop_at = -1};
    assert_int_equal(clam_cvd_walk(CLD_PATH, cld.data, cld.len, collect_member, &s), ASSAY_OK);
    assert_all_members(&s);
    free(cld.data);

    /* A plain body whose header does carry the MD5 is checked too. */
    cld = make_container(&body, NULL);
    s = (struct seen){.stop_at = -1};
    assert_int_equal(clam_cvd_walk(CLD_PATH, cld.data, cld.len, collect_member, &s), ASSAY_OK);
    assert_all_members(&s);
    free_blobs(&body, &cld);
}

static void test_md5_mismatch(void **state)
{
    (void)state;
    struct blob body = make_tar(DB_MEMBERS, DB_MEMBER_COUNT, 1);
    const char *wrong = "0123456789abcdef0123456789abcdef";
    struct blob cvd = make_container(&body, wrong);
    char right[33];
    md5_hex(body.data, body.len, right);
    char want[200];
    snprintf(want, sizeof want, "body MD5 mismatch: header says %s, body is %s", wrong, right);
    struct seen s = {.stop_at = -1};
    assert_error(clam_cvd_walk(CVD_PATH, cvd.data, cvd.len, collect_member, &s), ASSAY_EFORMAT,
                 CVD_PATH ": ", want);
    assert_int_equal(s.count, 0);

    /* One flipped bit in a body that was right. */
    free(cvd.data);
    cvd = make_container(&body, NULL);
    cvd.data[cvd.len - 1] ^= 1;
    assert_error(clam_cvd_walk(CVD_PATH, cvd.data, cvd.len, collect_member, &s), ASSAY_EFORMAT,
                 CVD_PATH ": body MD5 mismatch", NULL);
    free_blobs(&body, &cvd);
}

static void test_truncated_body(void **state)
{
    (void)state;
    for (int gzip = 0; gzip <= 1; gzip++) {
        struct blob body = make_tar(DB_MEMBERS, DB_MEMBER_COUNT, gzip);
        /* Cut inside the last member's data (plain) or inside the deflate stream. */
        struct blob cut = {body.data, gzip ? body.len / 2 : 512 * 9 + 10};
        assert_true(cut.len < body.len);
        const char *path = gzip ? CVD_PATH : CLD_PATH;

        /* With the header's MD5 of the whole body the MD5 check catches it... */
        char full[33];
        md5_hex(body.data, body.len, full);
        struct blob c = make_container(&cut, full);
        struct seen s = {.stop_at = -1};
        assert_error(clam_cvd_walk(path, c.data, c.len, collect_member, &s), ASSAY_EFORMAT, path,
                     "body MD5 mismatch");
        free(c.data);

        /* ...and without one the tar reader does. */
        c = make_container(&cut, "X");
        s = (struct seen){.stop_at = -1};
        int rc = clam_cvd_walk(path, c.data, c.len, collect_member, &s);
        assert_error(rc, ASSAY_EFORMAT, path, NULL);
        const char *msg = assay_last_error();
        if (!strstr(msg, "truncated") && !strstr(msg, "Truncated") && !strstr(msg, "corrupt"))
            fail_msg("unexpected message for a truncated body: %s", msg);
        assert_true(s.count < DB_MEMBER_COUNT);
        free_blobs(&body, &c);
    }
}

static void test_short_file(void **state)
{
    (void)state;
    struct blob b = make_raw_header("ClamAV-VDB:16 Sep 2021:62:1:90:X:X:raynman", 100);
    struct clam_cvd_header h;
    assert_error(clam_cvd_header_parse(CVD_PATH, b.data, b.len, &h), ASSAY_EFORMAT, CVD_PATH,
                 "file is 100 bytes, shorter than the 512-byte CVD header");
    struct seen s = {.stop_at = -1};
    assert_error(clam_cvd_walk(CVD_PATH, b.data, 0, collect_member, &s), ASSAY_EFORMAT, CVD_PATH,
                 "shorter than");
    free(b.data);

    /* A header and nothing after it. */
    b = make_raw_header("ClamAV-VDB:16 Sep 2021:62:1:90:X:X:raynman:1", 512);
    assert_error(clam_cvd_walk(CVD_PATH, b.data, b.len, collect_member, &s), ASSAY_EFORMAT, CVD_PATH,
                 "no body");
    free(b.data);
}

static void test_foreign_header(void **state)
{
    (void)state;
    struct blob body = make_tar(DB_MEMBERS, DB_MEMBER_COUNT, 1);
    struct blob cvd = make_container(&body, NULL);
    memcpy(cvd.data, "ClamAV-XDB:", 11);
    struct seen s = {.stop_at = -1};
    assert_error(clam_cvd_walk(CVD_PATH, cvd.data, cvd.len, collect_member, &s), ASSAY_EFORMAT,
                 CVD_PATH, "does not start with \"ClamAV-VDB:\"");
    free(cvd.data);

    /* A bare tar.gz is not a CVD either. */
    uint8_t *padded = calloc(1, body.len + 512);
    assert_non_null(padded);
    memcpy(padded, body.data, body.len);
    assert_error(clam_cvd_walk(CVD_PATH, padded, body.len + 512, collect_member, &s), ASSAY_EFORMAT,
                 CVD_PATH, "not a ClamAV CVD/CLD file");
    free(padded);
    free(body.data);
}

static void test_bad_header_fields(void **state)
{
    (void)state;
    struct clam_cvd_header h;
    struct {
        const char *text;
        const char *want;
    } cases[] = {
        {"ClamAV-VDB:16 Sep 2021:62:1:90:X:X", "has 7 ':'-separated fields, expected at least 8"},
        {"ClamAV-VDB:", "has 2 ':'-separated fields"},
        {"ClamAV-VDB:t:6x2:1:90:X:X:b:1", "field 'version' is not a number: '6x2'"},
        {"ClamAV-VDB:t:62::90:X:X:b:1", "field 'signatures' is empty"},
        {"ClamAV-VDB:t:62:1:99999999999:X:X:b:1", "field 'functionality level' is out of range"},
        {"ClamAV-VDB:t:62:1:90:1234:X:b:1", "MD5 field is not 32 hex digits"},
        {"ClamAV-VDB:t:62:1:90:X:X:b:1:extra", "more than 9"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        struct blob b = make_raw_header(cases[i].text, 600);
        assert_error(clam_cvd_header_parse(CVD_PATH, b.data, b.len, &h), ASSAY_EFORMAT, CVD_PATH,
                     cases[i].want);
        free(b.data);
    }

    /* Old headers without the build time in seconds are fine; so is a NUL
     * or newline ending the text before the padding. */
    struct blob b = make_raw_header("ClamAV-VDB:t:62:1:90:X:X:b", 600);
    assert_int_equal(clam_cvd_header_parse(CVD_PATH, b.data, b.len, &h), ASSAY_OK);
    assert_string_equal(h.builder, "b");
    memcpy(b.data, "ClamAV-VDB:t:62:1:90:X:X:bob\n:junk", 34);
    assert_int_equal(clam_cvd_header_parse(CVD_PATH, b.data, b.len, &h), ASSAY_OK);
    assert_string_equal(h.builder, "bob");
    free(b.data);
}

static void test_body_not_tar(void **state)
{
    (void)state;
    uint8_t junk[2048];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 7 + 3);
    struct blob body = {junk, sizeof junk};
    struct blob cvd = make_container(&body, NULL);
    struct seen s = {.stop_at = -1};
    assert_error(clam_cvd_walk(CVD_PATH, cvd.data, cvd.len, collect_member, &s), ASSAY_EFORMAT,
                 CVD_PATH, "tar");
    free(cvd.data);

    /* gzip magic followed by garbage. */
    junk[0] = 0x1f;
    junk[1] = 0x8b;
    cvd = make_container(&body, "X");
    assert_error(clam_cvd_walk(CVD_PATH, cvd.data, cvd.len, collect_member, &s), ASSAY_EFORMAT,
                 CVD_PATH, NULL);
    free(cvd.data);
}

static void test_member_error_stops_walk(void **state)
{
    (void)state;
    struct blob body = make_tar(DB_MEMBERS, DB_MEMBER_COUNT, 1);
    struct blob cvd = make_container(&body, NULL);
    struct seen s = {.stop_at = 2};
    assert_int_equal(clam_cvd_walk(CVD_PATH, cvd.data, cvd.len, collect_member, &s), ASSAY_EINVAL);
    assert_int_equal(s.count, 2);
    free_blobs(&body, &cvd);
}

/* A ustar header that declares `size` bytes (octal), with no data after it. */
static void make_ustar_header(uint8_t hdr[512], const char *name, const char *size_octal)
{
    memset(hdr, 0, 512);
    memcpy(hdr, name, strlen(name));
    memcpy(hdr + 100, "0000644", 7);
    memcpy(hdr + 108, "0000000", 7);
    memcpy(hdr + 116, "0000000", 7);
    memcpy(hdr + 124, size_octal, strlen(size_octal));
    memcpy(hdr + 136, "00000000000", 11);
    hdr[156] = '0';
    memcpy(hdr + 257, "ustar", 6);
    memcpy(hdr + 263, "00", 2);
    memset(hdr + 148, ' ', 8);
    unsigned sum = 0;
    for (int i = 0; i < 512; i++)
        sum += hdr[i];
    snprintf((char *)hdr + 148, 8, "%06o", sum);
}

static void test_member_over_limit(void **state)
{
    (void)state;
    uint8_t tar[512 * 4] = {0};
    make_ustar_header(tar, "main.ndb", "10000000001"); /* 1 GiB + 1 */
    struct blob body = {tar, sizeof tar};
    struct blob cld = make_container(&body, "X");
    struct seen s = {.stop_at = -1};
    assert_error(clam_cvd_walk(CLD_PATH, cld.data, cld.len, collect_member, &s), ASSAY_ELIMIT,
                 CLD_PATH, "member 'main.ndb' is larger than the 1073741824-byte limit");
    assert_int_equal(s.count, 0);
    free(cld.data);

    /* Exactly 1 GiB declared but not present: a truncated body, not an allocation. */
    make_ustar_header(tar, "main.ndb", "10000000000");
    cld = make_container(&body, "X");
    assert_error(clam_cvd_walk(CLD_PATH, cld.data, cld.len, collect_member, &s), ASSAY_EFORMAT,
                 CLD_PATH, "main.ndb");
    free(cld.data);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_fields),
        cmocka_unit_test(test_cvd_gzip_members),
        cmocka_unit_test(test_cld_plain_tar),
        cmocka_unit_test(test_md5_mismatch),
        cmocka_unit_test(test_truncated_body),
        cmocka_unit_test(test_short_file),
        cmocka_unit_test(test_foreign_header),
        cmocka_unit_test(test_bad_header_fields),
        cmocka_unit_test(test_body_not_tar),
        cmocka_unit_test(test_member_error_stops_walk),
        cmocka_unit_test(test_member_over_limit),
    };
    return cmocka_run_group_tests_name("cvd", tests, NULL, NULL);
}
