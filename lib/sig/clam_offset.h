/* clam_offset.h — the offset field of .ndb signatures and .ldb subsignatures:
 *   *   n   EOF-n   EP+n   EP-n   Sx+n   SEx   SL+n
 * each optionally followed by ",m" (floating: the match may start anywhere in
 * [offset, offset+m]). */
#ifndef ASSAY_SIG_CLAM_OFFSET_H
#define ASSAY_SIG_CLAM_OFFSET_H

#include <stddef.h>

#include "sigdb.h"

/* Fill body->offset_kind, offset, offset_range and section. Returns 0, or -1
 * with a message in err. */
int clam_offset_parse(const char *s, size_t len, struct sig_body *body, char *err, size_t errlen);

#endif
