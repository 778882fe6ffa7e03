/* ioc.c — line parsers for LOKI/THOR IOC lists (see ioc.h).
 *
 * The lists in signature-base/iocs/ are edited by hand and show it: trailing
 * spaces and tabs, CRLF line ends, comments that contain ';', and both
 * "HASH;COMMENT" and "HASH;SCORE;COMMENT" in one file. We read them the way
 * LOKI does, with two deliberate differences:
 *   - a hash comment keeps everything after the hash (LOKI keeps only the
 *     text up to the next ';', cutting "flogon.js; - https://..." short);
 *   - a filename IOC's false-positive regex is the rest of the line after
 *     the second ';' (LOKI drops anything after a third ';'), so it may
 *     contain ';' itself.
 *
 * A hash line has a score only when its second field is an integer and a
 * third field follows, as in LOKI: "HASH;55;Vulnerable Log4j" has score 55,
 * "HASH;2019 report" and "HASH;55" are comments.
 *
 * A score of 0 means "none given" (LOKI and THOR count such a hash as 100).
 * Filename IOC scores may be negative: THOR uses them to lower the score of
 * known-good locations.
 *
 * Filename regexes are stored as written. They are Python `re` patterns that
 * LOKI matches case-sensitively (re.search on the full path) unless they start
 * with (?i); on Linux and macOS LOKI first rewrites each escaped backslash
 * (the two characters \\) to "/" and drops "C:". Compiling them, and any
 * such rewriting, is the engine's job. */
#include "ioc.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "../util/error.h"

/* A view of part of a line. */
struct ioc_span {
    const char *p;
    size_t n;
};

static bool ioc_is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static struct ioc_span ioc_trim(struct ioc_span s)
{
    while (s.n > 0 && ioc_is_space(s.p[0])) {
        s.p++;
        s.n--;
    }
    while (s.n > 0 && ioc_is_space(s.p[s.n - 1]))
        s.n--;
    return s;
}

static struct ioc_span ioc_trim_end(struct ioc_span s)
{
    while (s.n > 0 && ioc_is_space(s.p[s.n - 1]))
        s.n--;
    return s;
}

/* Split `s` at its first ';': `head` is what comes before, `rest` what comes
 * after. Returns false (head = s, rest empty) when there is no ';'. */
static bool ioc_split(struct ioc_span s, struct ioc_span *head, struct ioc_span *rest)
{
    const char *semi = s.n ? memchr(s.p, ';', s.n) : NULL;
    if (!semi) {
        *head = s;
        *rest = (struct ioc_span){s.p + s.n, 0};
        return false;
    }
    *head = (struct ioc_span){s.p, (size_t)(semi - s.p)};
    *rest = (struct ioc_span){semi + 1, s.n - (size_t)(semi - s.p) - 1};
    return true;
}

static bool ioc_is_integer(struct ioc_span s)
{
    size_t i = 0;
    if (s.n > 0 && (s.p[0] == '+' || s.p[0] == '-'))
        i = 1;
    if (i == s.n)
        return false;
    for (; i < s.n; i++)
        if (s.p[i] < '0' || s.p[i] > '9')
            return false;
    return true;
}

/* Parse an integer span (ioc_is_integer) into the int16 range of a score. */
static bool ioc_score_value(struct ioc_span s, int16_t *out)
{
    long v = 0;
    size_t i = (s.p[0] == '+' || s.p[0] == '-') ? 1 : 0;
    for (; i < s.n; i++) {
        v = v * 10 + (s.p[i] - '0');
        if (v > 32768)
            return false;
    }
    if (s.p[0] == '-')
        v = -v;
    if (v < INT16_MIN || v > INT16_MAX)
        return false;
    *out = (int16_t)v;
    return true;
}

/* IOC lists are text; a NUL byte would cut an interned string short. */
static int ioc_reject_nul(const struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    const char *nul = len ? memchr(line, '\0', len) : NULL;
    if (nul)
        return util_error(ASSAY_ESYNTAX, "%s:%u: line has a NUL byte at column %zu", ctx->path, lineno,
                          (size_t)(nul - line) + 1);
    return ASSAY_OK;
}

static int ioc_out_of_memory(const struct sig_load_ctx *ctx, uint32_t lineno)
{
    return util_error(ASSAY_ENOMEM, "%s:%u: out of memory", ctx->path, lineno);
}

/* Intern a span; SIG_NONE on ENOMEM. */
static uint32_t ioc_intern(struct sig_load_ctx *ctx, struct ioc_span s)
{
    return sigdb_string(ctx->db, s.p, s.n);
}

/* ---------------------------------------------------------------------------
 * Hash IOCs: HASH;COMMENT  or  HASH;SCORE;COMMENT
 * ------------------------------------------------------------------------- */

static int ioc_bad_hash_digit(const struct sig_load_ctx *ctx, uint32_t lineno, struct ioc_span hash)
{
    size_t col = 0;
    while (col < hash.n) {
        char c = hash.p[col];
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')))
            break;
        col++;
    }
    unsigned char bad = col < hash.n ? (unsigned char)hash.p[col] : '?';
    if (bad >= 0x20 && bad < 0x7f)
        return util_error(ASSAY_ESYNTAX, "%s:%u: hash '%.*s' has a non-hex character '%c' at position %zu",
                          ctx->path, lineno, (int)hash.n, hash.p, bad, col + 1);
    return util_error(ASSAY_ESYNTAX, "%s:%u: hash has a non-hex byte 0x%02x at position %zu",
                      ctx->path, lineno, bad, col + 1);
}

static int ioc_decode_hash(const struct sig_load_ctx *ctx, uint32_t lineno, struct ioc_span hash,
                           struct sig_hash *h)
{
    if (hash.n == 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: hash IOC line has no hash before ';'", ctx->path, lineno);
    int kind = sig_hash_kind_for_hexlen(hash.n);
    if (kind < 0) {
        size_t shown = hash.n > 80 ? 80 : hash.n;
        return util_error(ASSAY_ESYNTAX,
                          "%s:%u: hash '%.*s%s' has %zu characters; expected 32 (MD5), 40 (SHA1) "
                          "or 64 (SHA256) hex digits",
                          ctx->path, lineno, (int)shown, hash.p, shown < hash.n ? "..." : "", hash.n);
    }
    if (sig_hex_decode(hash.p, hash.n / 2, h->digest) != 0)
        return ioc_bad_hash_digit(ctx, lineno, hash);
    h->kind = (uint8_t)kind;
    return ASSAY_OK;
}

/* After the hash: "COMMENT" or "SCORE;COMMENT". */
static int ioc_hash_score_and_comment(const struct sig_load_ctx *ctx, uint32_t lineno,
                                      struct ioc_span after_hash, int16_t *score,
                                      struct ioc_span *comment)
{
    struct ioc_span first, rest;
    *score = 0;
    *comment = ioc_trim(after_hash);
    if (!ioc_split(after_hash, &first, &rest))
        return ASSAY_OK;
    first = ioc_trim(first);
    if (!ioc_is_integer(first))
        return ASSAY_OK;
    if (!ioc_score_value(first, score))
        return util_error(ASSAY_ESYNTAX, "%s:%u: score '%.*s' is out of range (%d..%d)", ctx->path,
                          lineno, (int)(first.n > 20 ? 20 : first.n), first.p, INT16_MIN, INT16_MAX);
    *comment = ioc_trim(rest);
    return ASSAY_OK;
}

/* "HashIOC <first 8 hex digits>" for a hash without a comment. */
static uint32_t ioc_default_hash_name(struct sig_load_ctx *ctx, struct ioc_span hash)
{
    char name[32];
    int n = snprintf(name, sizeof name, "HashIOC %.*s", (int)(hash.n < 8 ? hash.n : 8), hash.p);
    return sigdb_string(ctx->db, name, (size_t)n);
}

int ioc_parse_hash_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    struct ioc_span hash, after_hash, comment;
    struct sig_hash h;
    int rc;

    memset(&h, 0, sizeof h);
    if ((rc = ioc_reject_nul(ctx, line, len, lineno)) != 0)
        return rc;
    ioc_split(ioc_trim((struct ioc_span){line, len}), &hash, &after_hash);
    hash = ioc_trim(hash);
    if ((rc = ioc_decode_hash(ctx, lineno, hash, &h)) != 0)
        return rc;
    if ((rc = ioc_hash_score_and_comment(ctx, lineno, after_hash, &h.score, &comment)) != 0)
        return rc;

    h.name = comment.n ? ioc_intern(ctx, comment) : ioc_default_hash_name(ctx, hash);
    if (h.name == SIG_NONE)
        return ioc_out_of_memory(ctx, lineno);
    h.size = SIG_ANY_SIZE;
    h.scope = SIG_SCOPE_FILE;
    h.role = SIG_ROLE_DETECT;
    h.is_ioc = 1;
    h.source = ctx->source;
    h.line = lineno;
    if (util_vec_push(&ctx->db->hashes, h) != 0)
        return ioc_out_of_memory(ctx, lineno);
    return ASSAY_OK;
}

/* ---------------------------------------------------------------------------
 * Filename IOCs: REGEX;SCORE[;FALSE_POSITIVE_REGEX]
 * ------------------------------------------------------------------------- */

/* The score field, with an optional trailing "# note" ("80 # was 70"). */
static int ioc_filename_score(const struct sig_load_ctx *ctx, uint32_t lineno, struct ioc_span field,
                              int16_t *score)
{
    struct ioc_span s = field;
    const char *hash = s.n ? memchr(s.p, '#', s.n) : NULL;
    if (hash)
        s.n = (size_t)(hash - s.p);
    s = ioc_trim(s);
    struct ioc_span shown = ioc_trim(field);
    int shown_len = (int)(shown.n > 40 ? 40 : shown.n);
    if (s.n == 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: filename IOC has an empty score (REGEX;SCORE expected)",
                          ctx->path, lineno);
    if (!ioc_is_integer(s))
        return util_error(ASSAY_ESYNTAX, "%s:%u: filename IOC score '%.*s' is not an integer",
                          ctx->path, lineno, shown_len, shown.p);
    if (!ioc_score_value(s, score))
        return util_error(ASSAY_ESYNTAX, "%s:%u: filename IOC score '%.*s' is out of range (%d..%d)",
                          ctx->path, lineno, shown_len, shown.p, INT16_MIN, INT16_MAX);
    return ASSAY_OK;
}

int ioc_parse_filename_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    struct ioc_span regex, after_regex, score_field, fp_regex;
    struct sig_filename_ioc f = {.fp_regex = SIG_NONE, .line = lineno, .source = ctx->source};
    int rc;

    if ((rc = ioc_reject_nul(ctx, line, len, lineno)) != 0)
        return rc;
    /* Leading blanks may belong to the regex; trailing ones (and '\r') never do. */
    struct ioc_span whole = ioc_trim_end((struct ioc_span){line, len});
    if (!ioc_split(whole, &regex, &after_regex))
        return util_error(ASSAY_ESYNTAX, "%s:%u: filename IOC has no ';SCORE' after the regex",
                          ctx->path, lineno);
    if (ioc_trim(regex).n == 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: filename IOC has an empty regex", ctx->path, lineno);
    ioc_split(after_regex, &score_field, &fp_regex);
    if ((rc = ioc_filename_score(ctx, lineno, score_field, &f.score)) != 0)
        return rc;

    f.regex = ioc_intern(ctx, regex);
    if (f.regex == SIG_NONE)
        return ioc_out_of_memory(ctx, lineno);
    if (ioc_trim(fp_regex).n > 0) {
        f.fp_regex = ioc_intern(ctx, fp_regex);
        if (f.fp_regex == SIG_NONE)
            return ioc_out_of_memory(ctx, lineno);
    }
    if (util_vec_push(&ctx->db->filename_iocs, f) != 0)
        return ioc_out_of_memory(ctx, lineno);
    return ASSAY_OK;
}
