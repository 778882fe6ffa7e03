/* clam_cvd.c — reads ClamAV .cvd/.cld containers (see clam_cvd.h).
 *
 * A container is a 512-byte text header followed by a tar archive that is
 * gzip-compressed (.cvd, and .cld written with CompressLocalDatabase) or plain
 * (.cld as freshclam usually writes it). The header is
 *
 *     ClamAV-VDB:build time:version:signatures:flevel:MD5:dsig:builder[:stime]
 *
 * padded with spaces. We check the MD5 of the body (everything after the
 * header, exactly as stored) against the header's when the header carries
 * one. A .cld rebuilt by freshclam takes its header from the database's .info
 * member, which holds "X" in the MD5 and dsig fields, so there is nothing to
 * check there; ClamAV itself skips the check for every .cld.
 *
 * We do NOT verify the digital signature (the dsig field). It is an RSA
 * signature of the MD5 made with ClamAV's private key and checked with the
 * public key built into libclamav; checking it would mean shipping and
 * tracking that key and its signature scheme. The MD5 check therefore
 * catches corruption (truncated download, bit rot), not tampering: a .cvd is
 * only as trustworthy as the place it was read from.
 *
 * The body is read from memory with libarchive. Every member is read into a
 * buffer that grows only as decompressed data actually arrives and is capped
 * at CLAM_MEMBER_MAX, so neither a lying tar header nor a gzip bomb makes us
 * allocate more than that at once. */
#include "clam_cvd.h"

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../util/buf.h"
#include "../util/error.h"

#define CLAM_HEADER_LEN 512
#define CLAM_MAGIC "ClamAV-VDB:"
/* Fields up to the builder name are required; the build time in seconds
 * (field 9) is missing in old files. */
#define CLAM_MIN_FIELDS 8
#define CLAM_MAX_FIELDS 9
/* Largest member we read into memory (main.ndb of a full database is a few
 * hundred MiB uncompressed). */
#define CLAM_MEMBER_MAX ((uint64_t)1 << 30)
#define CLAM_READ_CHUNK 65536

/* ---------------------------------------------------------------------------
 * Header
 * ------------------------------------------------------------------------- */

/* Copy the header into `text` as a C string: stop at the first NUL, CR or LF
 * and drop the space padding. */
static void clam_header_text(const uint8_t *data, char text[CLAM_HEADER_LEN + 1])
{
    size_t n = 0;
    while (n < CLAM_HEADER_LEN && data[n] != '\0' && data[n] != '\r' && data[n] != '\n') {
        text[n] = (char)data[n];
        n++;
    }
    while (n > 0 && (text[n - 1] == ' ' || text[n - 1] == '\t'))
        n--;
    text[n] = '\0';
}

/* Split `text` in place at ':' into at most `max` fields; returns how many
 * there are, or max + 1 if there are more. */
static unsigned clam_split_fields(char *text, char **fields, unsigned max)
{
    unsigned n = 0;
    char *p = text;
    for (;;) {
        if (n == max)
            return max + 1;
        fields[n++] = p;
        char *colon = strchr(p, ':');
        if (!colon)
            return n;
        *colon = '\0';
        p = colon + 1;
    }
}

static int clam_parse_unsigned(const char *path, const char *what, const char *s, unsigned *out)
{
    unsigned long long v = 0;
    if (*s == '\0')
        return util_error(ASSAY_EFORMAT, "%s: CVD header field '%s' is empty", path, what);
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return util_error(ASSAY_EFORMAT, "%s: CVD header field '%s' is not a number: '%.40s'",
                              path, what, s);
        v = v * 10 + (unsigned)(*p - '0');
        if (v > UINT32_MAX)
            return util_error(ASSAY_EFORMAT, "%s: CVD header field '%s' is out of range: '%.40s'",
                              path, what, s);
    }
    *out = (unsigned)v;
    return ASSAY_OK;
}

static bool clam_is_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            return false;
    }
    return true;
}

/* The MD5 field: 32 hex digits, or "X"/empty when the header carries none. */
static int clam_parse_md5_field(const char *path, const char *s, char out[33])
{
    size_t n = strlen(s);
    out[0] = '\0';
    if (n == 0 || strcmp(s, "X") == 0)
        return ASSAY_OK;
    if (n != 32 || !clam_is_hex(s, n))
        return util_error(ASSAY_EFORMAT, "%s: CVD header MD5 field is not 32 hex digits: '%.40s'",
                          path, s);
    for (size_t i = 0; i < 32; i++)
        out[i] = (char)((s[i] >= 'A' && s[i] <= 'F') ? s[i] - 'A' + 'a' : s[i]);
    out[32] = '\0';
    return ASSAY_OK;
}

static void clam_copy_field(char *dst, size_t cap, const char *src)
{
    snprintf(dst, cap, "%s", src);
}

int clam_cvd_header_parse(const char *path, const uint8_t *data, size_t len, struct clam_cvd_header *out)
{
    memset(out, 0, sizeof *out);
    if (len < CLAM_HEADER_LEN)
        return util_error(ASSAY_EFORMAT,
                          "%s: file is %zu bytes, shorter than the %d-byte CVD header", path, len,
                          CLAM_HEADER_LEN);
    if (memcmp(data, CLAM_MAGIC, strlen(CLAM_MAGIC)) != 0)
        return util_error(ASSAY_EFORMAT,
                          "%s: not a ClamAV CVD/CLD file (header does not start with \"%s\")",
                          path, CLAM_MAGIC);

    char text[CLAM_HEADER_LEN + 1];
    char *f[CLAM_MAX_FIELDS];
    clam_header_text(data, text);
    unsigned nf = clam_split_fields(text, f, CLAM_MAX_FIELDS);
    if (nf < CLAM_MIN_FIELDS)
        return util_error(ASSAY_EFORMAT,
                          "%s: CVD header has %u ':'-separated fields, expected at least %d "
                          "(ClamAV-VDB:time:version:sigs:flevel:md5:dsig:builder)",
                          path, nf, CLAM_MIN_FIELDS);
    if (nf > CLAM_MAX_FIELDS)
        return util_error(ASSAY_EFORMAT, "%s: CVD header has more than %d ':'-separated fields",
                          path, CLAM_MAX_FIELDS);

    int rc;
    if ((rc = clam_parse_unsigned(path, "version", f[2], &out->version)) != 0 ||
        (rc = clam_parse_unsigned(path, "signatures", f[3], &out->signatures)) != 0 ||
        (rc = clam_parse_unsigned(path, "functionality level", f[4], &out->flevel)) != 0 ||
        (rc = clam_parse_md5_field(path, f[5], out->md5)) != 0)
        return rc;
    clam_copy_field(out->build_time, sizeof out->build_time, f[1]);
    clam_copy_field(out->builder, sizeof out->builder, f[7]);
    return ASSAY_OK;
}

/* ---------------------------------------------------------------------------
 * Body MD5
 * ------------------------------------------------------------------------- */

static int clam_md5_hex(const uint8_t *data, size_t len, char out[33])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int dlen = 0;
    if (EVP_Digest(data, len, digest, &dlen, EVP_md5(), NULL) != 1 || dlen != 16)
        return -1;
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 16; i++) {
        out[2 * i] = hex[digest[i] >> 4];
        out[2 * i + 1] = hex[digest[i] & 15];
    }
    out[32] = '\0';
    return 0;
}

static int clam_check_body_md5(const char *path, const struct clam_cvd_header *h,
                               const uint8_t *body, size_t body_len)
{
    if (h->md5[0] == '\0')
        return ASSAY_OK;
    char actual[33];
    if (clam_md5_hex(body, body_len, actual) != 0)
        return util_error(ASSAY_EFORMAT, "%s: cannot compute the body MD5 (OpenSSL EVP failed)", path);
    if (strcmp(actual, h->md5) != 0)
        return util_error(ASSAY_EFORMAT, "%s: body MD5 mismatch: header says %s, body is %s", path,
                          h->md5, actual);
    return ASSAY_OK;
}

/* ---------------------------------------------------------------------------
 * Tar body
 * ------------------------------------------------------------------------- */

static bool clam_is_gzip(const uint8_t *body, size_t len)
{
    return len >= 2 && body[0] == 0x1f && body[1] == 0x8b;
}

static const char *clam_archive_message(struct archive *a)
{
    const char *msg = archive_error_string(a);
    return msg ? msg : "unexpected end or bad data";
}

static struct archive *clam_open_body(const char *path, const uint8_t *body, size_t len, int *rc)
{
    struct archive *a = archive_read_new();
    if (!a) {
        *rc = util_error(ASSAY_ENOMEM, "%s: out of memory opening the CVD body", path);
        return NULL;
    }
    int r = clam_is_gzip(body, len) ? archive_read_support_filter_gzip(a)
                                     : archive_read_support_filter_none(a);
    if (r == ARCHIVE_OK)
        r = archive_read_support_format_tar(a);
    if (r == ARCHIVE_OK)
        r = archive_read_open_memory(a, body, len);
    if (r != ARCHIVE_OK) {
        *rc = util_error(ASSAY_EFORMAT, "%s: truncated or corrupt CVD body, not a readable %s tar: %s",
                         path, clam_is_gzip(body, len) ? "gzip-compressed" : "plain",
                         clam_archive_message(a));
        archive_read_free(a);
        return NULL;
    }
    *rc = ASSAY_OK;
    return a;
}

static int clam_member_too_large(const char *path, const char *name)
{
    return util_error(ASSAY_ELIMIT, "%s: member '%s' is larger than the %llu-byte limit", path, name,
                      (unsigned long long)CLAM_MEMBER_MAX);
}

/* Read the current member into `out` (emptied first), bounded by CLAM_MEMBER_MAX. */
static int clam_read_member(const char *path, struct archive *a, struct archive_entry *e,
                            const char *name, struct util_buf *out)
{
    out->len = 0;
    if (archive_entry_size_is_set(e)) {
        int64_t declared = archive_entry_size(e);
        if (declared < 0 || (uint64_t)declared > CLAM_MEMBER_MAX)
            return clam_member_too_large(path, name);
    }
    for (;;) {
        if (util_buf_reserve(out, CLAM_READ_CHUNK) != 0)
            return util_error(ASSAY_ENOMEM, "%s: out of memory reading member '%s'", path, name);
        la_ssize_t n = archive_read_data(a, out->data + out->len, CLAM_READ_CHUNK);
        if (n < 0)
            return util_error(ASSAY_EFORMAT, "%s: member '%s': truncated or corrupt body: %s", path,
                              name, clam_archive_message(a));
        if (n == 0)
            return ASSAY_OK;
        out->len += (size_t)n;
        if (out->len > CLAM_MEMBER_MAX)
            return clam_member_too_large(path, name);
    }
}

/* Walk the tar in `a`, handing each regular file to `member`. */
static int clam_walk_members(const char *path, struct archive *a, clam_cvd_member_fn member, void *ctx)
{
    struct util_buf content = {0};
    struct archive_entry *e;
    int rc = ASSAY_OK;
    for (;;) {
        int r = archive_read_next_header(a, &e);
        if (r == ARCHIVE_EOF)
            break;
        if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
            rc = util_error(ASSAY_EFORMAT, "%s: truncated or corrupt CVD body: %s", path,
                            clam_archive_message(a));
            break;
        }
        if (archive_entry_filetype(e) != AE_IFREG)
            continue;
        const char *name = archive_entry_pathname(e);
        if (!name || !*name) {
            rc = util_error(ASSAY_EFORMAT, "%s: CVD body holds a member without a name", path);
            break;
        }
        if ((rc = clam_read_member(path, a, e, name, &content)) != 0)
            break;
        static const uint8_t empty[1];
        const uint8_t *bytes = content.len ? content.data : empty;
        if ((rc = member(ctx, name, bytes, content.len)) != 0)
            break;
    }
    util_buf_free(&content);
    return rc;
}

int clam_cvd_walk(const char *path, const uint8_t *data, size_t len, clam_cvd_member_fn member, void *ctx)
{
    struct clam_cvd_header h;
    int rc = clam_cvd_header_parse(path, data, len, &h);
    if (rc != 0)
        return rc;
    const uint8_t *body = data + CLAM_HEADER_LEN;
    size_t body_len = len - CLAM_HEADER_LEN;
    if (body_len == 0)
        return util_error(ASSAY_EFORMAT, "%s: truncated: no body after the %d-byte CVD header", path,
                          CLAM_HEADER_LEN);
    if ((rc = clam_check_body_md5(path, &h, body, body_len)) != 0)
        return rc;

    struct archive *a = clam_open_body(path, body, body_len, &rc);
    if (!a)
        return rc;
    rc = clam_walk_members(path, a, member, ctx);
    archive_read_free(a);
    return rc;
}
