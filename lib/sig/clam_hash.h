/* clam_hash.h — ClamAV hash signature lines (all are sig_line_parser, see sigload.h).
 *   .hdb  MD5:Size:Name[:FLevel]             file hash
 *   .hsb  SHA1|SHA256:Size:Name[:FLevel]     file hash
 *   .mdb  Size:MD5:Name[:FLevel]             PE section hash
 *   .msb  Size:SHA1|SHA256:Name[:FLevel]     PE section hash
 *   .fp   as .hdb, .sfp as .hsb              allowlist (a matching file is clean)
 *   .ign2 Name[:...]                         drop signatures by name
 * Size may be '*' (any size). */
#ifndef ASSAY_SIG_CLAM_HASH_H
#define ASSAY_SIG_CLAM_HASH_H

#include "sigload.h"

int clam_parse_hdb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);
int clam_parse_hsb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);
int clam_parse_mdb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);
int clam_parse_msb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);
int clam_parse_fp_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);
int clam_parse_sfp_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);
int clam_parse_ign2_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);

#endif
