/* clam_hash.c — ClamAV hash signature lines (see clam_hash.h). */
#include "clam_hash.h"

#include <string.h>

#include "../util/error.h"
#include "sigfields.h"

enum hash_layout { HASH_FIRST, SIZE_FIRST };

/* Allowed digest kinds per format, as a bit set of 1 << enum sig_hash_kind. */
#define KINDS_MD5 (1u << SIG_MD5)
#define KINDS_SHA (1u << SIG_SHA1 | 1u << SIG_SHA256)

static int parse_size(const struct sig_field *f, uint64_t *out)
{
    if (f->len == 1 && f->s[0] == '*') {
        *out = SIG_ANY_SIZE;
        return 0;
    }
    return sig_field_uint(f, 19, out) ? 0 : -1;
}

static const char *kinds_text(unsigned kinds)
{
    return kinds == KINDS_MD5 ? "an MD5 (32 hex digits)" : "a SHA-1 or SHA-256 (40 or 64 hex digits)";
}

static int parse_hash_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno,
                           enum hash_layout layout, unsigned kinds, uint8_t scope, uint8_t role)
{
    struct sig_field f[4];
    size_t n = sig_split(line, len, ':', f, 4);
    if (n < 3)
        return util_error(ASSAY_ESYNTAX, "%s:%u: expected %s, got %zu field%s", ctx->path, lineno,
                          layout == HASH_FIRST ? "HASH:SIZE:NAME" : "SIZE:HASH:NAME", n, n == 1 ? "" : "s");
    const struct sig_field *hf = layout == HASH_FIRST ? &f[0] : &f[1];
    const struct sig_field *sf = layout == HASH_FIRST ? &f[1] : &f[0];
    struct sig_hash h = {.scope = scope, .role = role, .line = lineno, .source = ctx->source};
    int kind = sig_hash_kind_for_hexlen(hf->len);
    if (kind < 0 || !(kinds & (1u << kind)))
        return util_error(ASSAY_ESYNTAX, "%s:%u: hash field has %zu characters; expected %s", ctx->path,
                          lineno, hf->len, kinds_text(kinds));
    h.kind = (uint8_t)kind;
    if (sig_hex_decode(hf->s, hf->len / 2, h.digest) != 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: hash '%.*s' is not hexadecimal", ctx->path, lineno,
                          (int)hf->len, hf->s);
    if (parse_size(sf, &h.size) != 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: size '%.*s' is not a number or '*'", ctx->path, lineno,
                          (int)(sf->len > 32 ? 32 : sf->len), sf->s);
    /* The name ends at the next ':' (an optional functionality level follows). */
    struct sig_field name = f[2];
    const char *colon = memchr(name.s, ':', name.len);
    if (colon)
        name.len = (size_t)(colon - name.s);
    if (name.len == 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: empty signature name", ctx->path, lineno);
    h.name = sigdb_string(ctx->db, name.s, name.len);
    if (h.name == SIG_NONE || util_vec_push(&ctx->db->hashes, h) != 0)
        return util_error(ASSAY_ENOMEM, "%s:%u: out of memory", ctx->path, lineno);
    return ASSAY_OK;
}

int clam_parse_hdb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    return parse_hash_line(ctx, line, len, lineno, HASH_FIRST, KINDS_MD5, SIG_SCOPE_FILE, SIG_ROLE_DETECT);
}

int clam_parse_hsb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    return parse_hash_line(ctx, line, len, lineno, HASH_FIRST, KINDS_SHA, SIG_SCOPE_FILE, SIG_ROLE_DETECT);
}

int clam_parse_mdb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    return parse_hash_line(ctx, line, len, lineno, SIZE_FIRST, KINDS_MD5, SIG_SCOPE_PE_SECTION, SIG_ROLE_DETECT);
}

int clam_parse_msb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    return parse_hash_line(ctx, line, len, lineno, SIZE_FIRST, KINDS_SHA, SIG_SCOPE_PE_SECTION, SIG_ROLE_DETECT);
}

int clam_parse_fp_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    return parse_hash_line(ctx, line, len, lineno, HASH_FIRST, KINDS_MD5, SIG_SCOPE_FILE, SIG_ROLE_ALLOW);
}

int clam_parse_sfp_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    return parse_hash_line(ctx, line, len, lineno, HASH_FIRST, KINDS_SHA, SIG_SCOPE_FILE, SIG_ROLE_ALLOW);
}

int clam_parse_ign2_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    const char *colon = memchr(line, ':', len);
    size_t n = colon ? (size_t)(colon - line) : len;
    if (n == 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: empty signature name", ctx->path, lineno);
    uint32_t off = sigdb_string(ctx->db, line, n);
    if (off == SIG_NONE || util_vec_push(&ctx->db->ignored_names, off) != 0)
        return util_error(ASSAY_ENOMEM, "%s:%u: out of memory", ctx->path, lineno);
    return ASSAY_OK;
}
