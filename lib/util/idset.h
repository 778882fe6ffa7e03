/* idset.h — a set of (uint64, uint64) pairs, e.g. (device, inode), as an
 * open-addressing hash table that doubles when half full. */
#ifndef ASSAY_UTIL_IDSET_H
#define ASSAY_UTIL_IDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct util_idset {
    uint64_t *slots;  /* pairs; (0,0) marks an empty slot, so pairs are stored +1 */
    size_t cap;       /* number of pairs, a power of two */
    size_t count;
};

/* Insert; returns 1 if added, 0 if already present, -1 on ENOMEM. */
int util_idset_add(struct util_idset *s, uint64_t a, uint64_t b);
bool util_idset_has(const struct util_idset *s, uint64_t a, uint64_t b);
void util_idset_free(struct util_idset *s);

#endif
