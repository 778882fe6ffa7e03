/* clam_ndb.c — ClamAV extended body signatures (see clam_ndb.h). */
#include "clam_ndb.h"

#include <string.h>

#include "../util/error.h"
#include "clam_hex.h"
#include "clam_offset.h"
#include "sigfields.h"

const char *clam_target_unsupported(unsigned target)
{
    switch (target) {
    case SIG_TARGET_ANY:
    case SIG_TARGET_PE:
    case SIG_TARGET_ELF:
    case SIG_TARGET_ASCII:
    case SIG_TARGET_MACHO:
        return NULL;
    case SIG_TARGET_OLE2: return "target type 2 (OLE2) is not supported yet";
    case SIG_TARGET_HTML: return "target type 3 (normalized HTML) is not supported yet";
    case SIG_TARGET_MAIL: return "target type 4 (mail) is not supported yet";
    case SIG_TARGET_GRAPHICS: return "target type 5 (graphics) is not supported yet";
    default: return "unknown or unsupported target type";
    }
}

int clam_parse_ndb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno)
{
    struct sig_field f[6];
    size_t n = sig_split(line, len, ':', f, 6);
    if (n < 4)
        return util_error(ASSAY_ESYNTAX, "%s:%u: expected Name:TargetType:Offset:HexSignature, got %zu field%s",
                          ctx->path, lineno, n, n == 1 ? "" : "s");
    if (f[0].len == 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: empty signature name", ctx->path, lineno);
    uint64_t target;
    if (!sig_field_uint(&f[1], 3, &target))
        return util_error(ASSAY_ESYNTAX, "%s:%u: target type '%.*s' is not a number", ctx->path, lineno,
                          (int)(f[1].len > 16 ? 16 : f[1].len), f[1].s);
    const char *why = clam_target_unsupported((unsigned)target);
    if (why)
        return util_error(ASSAY_ESYNTAX, "%s:%u: %s", ctx->path, lineno, why);
    struct sig_body b = {.logical = SIG_NONE, .line = lineno, .source = ctx->source, .target = (uint8_t)target};
    char err[256];
    if (clam_offset_parse(f[2].s, f[2].len, &b, err, sizeof err) != 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: %s", ctx->path, lineno, err);
    /* ClamAV refuses these too: an entry point or a section needs an executable. */
    bool exe_offset = b.offset_kind == SIG_OFF_EP || b.offset_kind == SIG_OFF_SECTION ||
                      b.offset_kind == SIG_OFF_SECTION_ALL || b.offset_kind == SIG_OFF_LAST_SECTION;
    if (exe_offset && target != SIG_TARGET_PE && target != SIG_TARGET_ELF && target != SIG_TARGET_MACHO)
        return util_error(ASSAY_ESYNTAX, "%s:%u: EP and section offsets need target type 1 (PE), 6 (ELF) or 9 (Mach-O)",
                          ctx->path, lineno);
    /* Functionality levels (fields 5 and 6) describe ClamAV engine versions; accepted, not used. */
    /* Optional functionality levels: MinFL[:MaxFL]. */
    uint64_t minfl = 0, maxfl = UINT64_MAX;
    if (n >= 5 && f[4].len && !sig_field_uint(&f[4], 9, &minfl))
        return util_error(ASSAY_ESYNTAX, "%s:%u: functionality level '%.*s' is not a number", ctx->path, lineno,
                          (int)(f[4].len > 16 ? 16 : f[4].len), f[4].s);
    if (n >= 6 && f[5].len && !sig_field_uint(&f[5], 9, &maxfl))
        return util_error(ASSAY_ESYNTAX, "%s:%u: functionality level '%.*s' is not a number", ctx->path, lineno,
                          (int)(f[5].len > 16 ? 16 : f[5].len), f[5].s);
    if (SIG_CLAM_FLEVEL < minfl || SIG_CLAM_FLEVEL > maxfl)
        b.flags |= SIG_F_DISABLED;
    struct sig_field hex = f[3];
    if (clam_hex_parse(ctx->db, hex.s, hex.len, 0, &b, err, sizeof err) != 0)
        return util_error(ASSAY_ESYNTAX, "%s:%u: hex signature, %s", ctx->path, lineno, err);
    b.name = sigdb_string(ctx->db, f[0].s, f[0].len);
    if (b.name == SIG_NONE || util_vec_push(&ctx->db->bodies, b) != 0)
        return util_error(ASSAY_ENOMEM, "%s:%u: out of memory", ctx->path, lineno);
    return ASSAY_OK;
}
