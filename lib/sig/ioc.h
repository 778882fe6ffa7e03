/* ioc.h — LOKI/THOR IOC lists (signature-base iocs/).
 *
 * hash-iocs:     HASH;COMMENT  or  HASH;SCORE;COMMENT   (MD5/SHA1/SHA256 by length)
 * filename-iocs: REGEX;SCORE[;FALSE_POSITIVE_REGEX]
 * Lines starting with # are comments, blank lines are ignored (by the loader).
 * Both are sig_line_parser functions (see sigload.h). */
#ifndef ASSAY_SIG_IOC_H
#define ASSAY_SIG_IOC_H

#include "sigload.h"

int ioc_parse_hash_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);
int ioc_parse_filename_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);

#endif
