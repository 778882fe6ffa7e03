/* clam_hex.h — ClamAV extended hex signatures into pattern nodes.
 *
 * Grammar (ClamAV "body-based signatures"): hex byte pairs; ?? any byte;
 * a? / ?a nibble; * any number of bytes; {n} {-n} {n-} {n-m} gaps;
 * [n-m] anchored gap; (aa|bb) alternatives (single or multi-byte);
 * !(aa|bb) negated alternatives. */
#ifndef ASSAY_SIG_CLAM_HEX_H
#define ASSAY_SIG_CLAM_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "sigdb.h"

/* Parse `hex` (len characters) and append its nodes to db->nodes. On success
 * fills body->node_first, node_count, atom_first, atom_len and min_len and
 * returns 0. `flags` are enum sig_body_flags: SIG_F_WIDE inserts a 00 after
 * each byte (gaps doubled), SIG_F_NOCASE is recorded for the matcher.
 * On error returns -1 and writes a message naming the column (1-based, within
 * `hex`) into err. */
int clam_hex_parse(struct sigdb *db, const char *hex, size_t len, unsigned flags,
                   struct sig_body *body, char *err, size_t errlen);

#endif
