/* clam_ldb.h — ClamAV logical signatures (.ldb).
 *
 *   Name;TargetDescriptionBlock;LogicalExpression;Subsig0;Subsig1;...
 *
 * Each subsignature becomes one or more struct sig_body (logical = the index
 * of the new struct sig_logical, subsig = its index; "::wa" gives two bodies,
 * one wide and one ascii). The expression is compiled by clam_lexpr.h into
 * db->lexpr_code. */
#ifndef ASSAY_SIG_CLAM_LDB_H
#define ASSAY_SIG_CLAM_LDB_H

#include "sigload.h"

int clam_parse_ldb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);

#endif
