/* clam_ndb.h — ClamAV extended body signatures (.ndb):
 *   Name:TargetType:Offset:HexSignature[:MinFLevel[:MaxFLevel]] */
#ifndef ASSAY_SIG_CLAM_NDB_H
#define ASSAY_SIG_CLAM_NDB_H

#include "sigload.h"

int clam_parse_ndb_line(struct sig_load_ctx *ctx, const char *line, size_t len, uint32_t lineno);

/* Target types we can honour; others need decoders (HTML, mail, ...) that
 * change what the signature sees, so they are rejected rather than matched
 * against the wrong bytes. Returns a reason when unsupported, else NULL. */
const char *clam_target_unsupported(unsigned target);

#endif
