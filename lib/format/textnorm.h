/* textnorm.h — the normalized form of a text file that ClamAV's target
 * type 7 ("ASCII text") signatures are matched against.
 *
 * Rules (established against clamscan 1.4.6, see docs/signatures.md):
 *   - A-Z become a-z; 0x21-0x7f are kept;
 *   - runs of space, TAB, LF, VT, FF, CR — dropped bytes in between do not
 *     break a run — become one space, at the start and end too;
 *   - 0x00-0x08, 0x0e-0x1f and 0x80-0xff are dropped;
 *   - UTF-16 with a byte-order mark is decoded first; characters outside
 *     ASCII are dropped. */
#ifndef ASSAY_FORMAT_TEXTNORM_H
#define ASSAY_FORMAT_TEXTNORM_H

#include <stddef.h>
#include <stdint.h>

/* Write the normalized form of in[0..len) to out (room for len bytes is
 * always enough); returns its length. */
size_t fmt_text_normalize(const uint8_t *in, size_t len, uint8_t *out);

#endif
